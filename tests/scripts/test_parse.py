"""scripts/train_parser.py, scripts/parse.py and raw-text classify.py, as a user runs them."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest
import torch

from parsers import parse_tree
from parsers.chart import native_bf16
from parsers.parser import default_workers
from tests.scripts.conftest import run_script, subprocess_script

REPO = Path(__file__).resolve().parents[2]


script = run_script  # in-process; subprocess_script starts a real process


@pytest.fixture(scope="module")
def parser_model(tmp_path_factory, data_dir):
    output = tmp_path_factory.mktemp("parser")
    result = script("train_parser.py", "--tiny", "--dry-run", "--output-dir", str(output), "--progress", "false")
    assert result.returncode == 0, result.stderr
    report = json.loads((output / "test_report.json").read_text())
    assert 0 <= report["test"]["bracket_f1"] <= 100 and report["steps"] == 2
    return output / "model"


def test_help():
    for name in ("train_parser.py", "parse.py"):
        result = script(name, "--help")
        assert result.returncode == 0 and "Examples:" in result.stdout


def test_parse_text_with_the_chart_parser(parser_model):
    result = script("parse.py", "--model", str(parser_model), "A gorgeous, witty film. I didn't like it.")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert parse_tree(lines[1]).leaves() == ["I", "did", "n't", "like", "it", "."]



def test_parse_with_two_workers_prints_the_same_trees(parser_model, tmp_path):
    # 150 sentences make three batches of 64, so the workers really share them.
    lines = [f"The {adjective} film {verb} me." for adjective in ("gorgeous", "witty", "dull", "long", "odd")
             for verb in ("moved", "bored", "amused", "lost", "won", "hurt")] * 5
    path = tmp_path / "many.txt"
    path.write_text("\n".join(lines) + "\n")
    one = script("parse.py", "--model", str(parser_model), "--file", str(path), "--workers", "1")
    two = script("parse.py", "--model", str(parser_model), "--file", str(path), "--workers", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert len(one.stdout.splitlines()) == 150 and two.stdout == one.stdout
    assert f"here {default_workers()})" in script("parse.py", "--help").stdout
    refused = script("parse.py", "--model", str(parser_model), "--workers", "0", "Fine.")
    assert refused.returncode == 2 and "--workers must be at least 1, got 0" in refused.stderr


NATIVE_BF16 = native_bf16(torch.device("cpu"))


@pytest.mark.parametrize("native", [True, False])
def test_parse_with_bf16_precision_gives_trees_over_the_same_words(parser_model, native, monkeypatch):
    """With native bfloat16 the parser runs under autocast; without (an AVX2-only CPU, where
    oneDNN's LSTM refuses bf16), --precision bf16 warns and parses in float32."""
    if native and not NATIVE_BF16:
        pytest.skip("this CPU has no native bfloat16")
    if not native:
        monkeypatch.setattr("parsers.chart.native_bf16", lambda device: False)
    text = "A gorgeous, witty film. I didn't like it."
    fp32 = script("parse.py", "--model", str(parser_model), text).stdout.strip().splitlines()
    with contextlib.nullcontext() if native else pytest.warns(RuntimeWarning, match="parsing in float32"):
        result = script("parse.py", "--model", str(parser_model), "--precision", "bf16", text)
    assert result.returncode == 0, result.stderr
    bf16 = result.stdout.strip().splitlines()
    assert [parse_tree(line).leaves() for line in bf16] == [parse_tree(line).leaves() for line in fp32]
    if not native:
        assert bf16 == fp32  # float32 it was
    result = script("parse.py", "--model", str(parser_model), "--precision", "fp16", text)
    assert result.returncode == 2 and "invalid choice: 'fp16'" in result.stderr
    assert "--parser-precision" in script("classify.py", "--help").stdout


def test_the_spacy_component_runs_the_chart_parser_in_bf16(parser_model):
    import spacy

    import parsers.spacy_component  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    with contextlib.nullcontext() if NATIVE_BF16 else pytest.warns(RuntimeWarning, match="float32"):
        nlp.add_pipe("textae_parser", config={"parser": "chart", "model": str(parser_model), "precision": "bf16"})
    assert nlp.get_pipe("textae_parser").parser.precision == ("bf16" if NATIVE_BF16 else "fp32")  # what runs
    doc = nlp("A witty film. Not bad.")
    assert [tree.leaves() for tree in doc._.trees] == [["A", "witty", "film", "."], ["Not", "bad", "."]]


def test_the_spacy_component_and_classify_pass_workers_to_the_chart_parser(parser_model, rae_model):
    import spacy

    import parsers.spacy_component  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("textae_parser", config={"parser": "chart", "model": str(parser_model), "workers": 2})
    assert nlp.get_pipe("textae_parser").parser.workers == 2
    text = " ".join(f"The {word} film was fine." for word in ("witty", "long", "dull") * 30)  # 90 sentences
    doc = nlp(text)
    alone = spacy.blank("en")
    alone.add_pipe("sentencizer")
    alone.add_pipe("textae_parser", config={"parser": "chart", "model": str(parser_model)})
    assert doc._.trees == alone(text)._.trees and len(doc._.trees) == 90
    arguments = ["--checkpoint", str(rae_model), "--parser-model", str(parser_model), "--json", text]
    one, two = (script("classify.py", "--parser-workers", str(count), *arguments) for count in (1, 2))
    assert one.returncode == 0 and two.stdout == one.stdout and len(two.stdout.splitlines()) == 90
    refused = script("classify.py", "--parser-workers", "0", *arguments)
    assert refused.returncode == 2 and "--parser-workers must be at least 1, got 0" in refused.stderr


def test_parse_stdin_baseline_and_tokens():
    result = subprocess_script("parse.py", "--parser", "right", input="Not bad (at all).")
    assert result.stdout.strip() == "(X (X Not) (X (X bad) (X (X -LRB-) (X (X at) (X (X all) (X (X -RRB-) (X .)))))))"
    result = script("parse.py", "--tokens", input='He said "yes".')
    assert result.stdout.strip() == "He said `` yes '' ."


@pytest.mark.parametrize("stdin, message", [(b"", None), (b"   \n", None), (b"bad \xff byte", "byte"),
                                            (b"bell \x07 here", "control")])
def test_parse_bad_input_is_a_message_or_an_empty_result(stdin, message):
    result = script("parse.py", "--parser", "balanced", input=stdin, text=False)
    if message is None:
        assert result.returncode == 0 and result.stdout == b""
    else:
        stderr = result.stderr.decode()
        assert result.returncode == 2 and message in stderr and "Traceback" not in stderr


def test_parse_chart_without_a_model_is_a_clear_error():
    result = script("parse.py", "some text")
    assert result.returncode == 2 and "--model" in result.stderr


def test_classify_raw_text_end_to_end(tmp_path, rae_model, parser_model):
    rae = rae_model.parent
    result = script("classify.py", "--checkpoint", str(rae / "model"), "--parser-model", str(parser_model),
                    "--json", "--nodes", "A gorgeous, witty film. Not bad at all.")
    assert result.returncode == 0, result.stderr
    sentences = [json.loads(line) for line in result.stdout.splitlines()]
    assert [s["sentence"] for s in sentences] == ["A gorgeous , witty film .", "Not bad at all ."]
    assert len(sentences[0]["phrases"]) == 2 * 6 - 1  # binary tree over 6 tokens
    result = script("classify.py", "--checkpoint", str(rae / "model"), "--parser", "balanced", "Fine.")
    assert result.returncode == 0 and result.stdout.strip().endswith("Fine .")
    result = script("classify.py", "--checkpoint", str(rae / "model"), "--parser-model", str(tmp_path / "none"), "Fine.")
    assert result.returncode == 2 and "train_parser.py" in result.stderr
    result = script("classify.py", "--checkpoint", str(rae / "model"), "--parser", "right", "--parser-model",
                    str(parser_model), "Fine.")  # was ignored without a word
    assert result.returncode == 2 and "--parser right needs none" in result.stderr


def test_text_of_only_punctuation_parses_as_punctuation(parser_model):
    result = script("parse.py", "--model", str(parser_model), "?! ...")
    assert result.returncode == 0, result.stderr
    assert parse_tree(result.stdout.strip()).leaves() == ["?", "!", "..."]


# ---------------------------------------------------------------------- one sentence per line

LINES = "A good film\nThe worst movie ever\r\n\n  awful\n"  # no final punctuation anywhere


def test_parse_reads_a_file_or_stdin_one_sentence_per_line(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(LINES.encode())
    expected = [["A", "good", "film"], ["The", "worst", "movie", "ever"], ["awful"]]
    for arguments, stdin in ((["--file", str(path)], None), ([], LINES)):
        result = script("parse.py", "--parser", "right", *arguments, input=stdin)
        assert result.returncode == 0, result.stderr
        assert [parse_tree(line).leaves() for line in result.stdout.splitlines()] == expected
    # a line still holds several sentences when punctuation says so
    result = script("parse.py", "--tokens", input="One. Two\nThree")
    assert result.stdout.splitlines() == ["One .", "Two", "Three"]


def test_parse_and_classify_help_say_that_line_breaks_end_sentences():
    for name in ("parse.py", "classify.py"):
        text = " ".join(script(name, "--help").stdout.split())
        assert "line breaks always end a sentence" in text.lower() and "wrapped" in text


def test_classify_reads_a_file_or_stdin_one_sentence_per_line(tmp_path, rae_model):
    path = tmp_path / "lines.txt"
    path.write_bytes(LINES.encode())
    for arguments, stdin in ((["--file", str(path)], None), ([], LINES)):
        result = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", "--json", *arguments,
                        input=stdin)
        assert result.returncode == 0, result.stderr
        sentences = [json.loads(line)["sentence"] for line in result.stdout.splitlines()]
        assert sentences == ["A good film", "The worst movie ever", "awful"]


@pytest.mark.parametrize("content, message", [
    ("The worst movie ever\n(3 (2 good) (2 film))\n", "line 2 is a PTB tree"),
    ("The worst movie ever\n( (S (NP (DT a) (NN film))\n  (VP (VBD bored))))\n", "line 2 is a PTB tree"),
    ("(3 (2 good) (2 film))\nThe worst movie ever\n", "line 2 looks like raw text"),
])
def test_classify_refuses_trees_and_raw_text_mixed_in_one_file(tmp_path, rae_model, content, message):
    path = tmp_path / "mixed.txt"
    path.write_text(content)
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", "--file", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and str(path) in result.stderr and "separate" in result.stderr
    assert "Traceback" not in result.stderr


def test_classify_reads_each_argument_as_trees_or_text_on_its_own(rae_model):
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", "--json",
                    "The worst movie ever", "(3 (2 good) (2 film))")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["sentence"] for line in result.stdout.splitlines()] == ["The worst movie ever", "good film"]


def test_raw_text_with_brackets_is_still_text(rae_model):
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", "--json",
                    "Seen it (twice (really)) and liked it.\nIt is (good).")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["sentence"] for line in result.stdout.splitlines()] == [
        "Seen it -LRB- twice -LRB- really -RRB- -RRB- and liked it .", "It is -LRB- good -RRB- ."]


def test_input_text_reads_text_that_starts_with_a_bracket_as_text(rae_model):
    line = "(Sadly) a dull film"
    guessed = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", line)
    assert guessed.returncode == 2 and "--input text" in guessed.stderr  # read as a tree, and the way out named
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", "--json",
                    "--input", "text", line)
    assert result.returncode == 0, result.stderr
    assert [json.loads(row)["sentence"] for row in result.stdout.splitlines()] == ["-LRB- Sadly -RRB- a dull film"]


def test_input_text_classifies_a_tree_as_words_and_input_trees_refuses_text(rae_model):
    tree = "(3 (2 good) (2 film))"
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser", "balanced", "--json",
                    "--input", "text", tree)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sentence"].startswith("-LRB- 3 -LRB- 2 good")
    refused = script("classify.py", "--checkpoint", str(rae_model), "--input", "trees", "a good film")
    assert refused.returncode == 2 and "--input trees" in refused.stderr and "Traceback" not in refused.stderr


# ---------------------------------------------------------------------- flags

def test_classify_batch_size_must_be_positive(rae_model):
    for value in ("0", "-3"):
        result = script("classify.py", "--checkpoint", str(rae_model), "--batch-size", value, "(2 (2 a) (2 b))")
        assert result.returncode == 2 and "classify.py: error: --batch-size must be at least 1" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_run_folder_instead_of_its_model_folder_is_named_and_the_model_folder_suggested(parser_model, rae_model):
    run = parser_model.parent
    result = script("parse.py", "--model", str(run), "Fine.")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"--model: {run} is not a chart-parser directory" in result.stderr
    assert f"did you mean {parser_model}?" in result.stderr
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser-model", str(run), "Fine.")
    assert result.returncode == 2 and f"--parser-model: {run} is not" in result.stderr
    assert f"did you mean {parser_model}?" in result.stderr
    result = script("classify.py", "--checkpoint", str(rae_model.parent), "(2 (2 a) (2 b))")
    assert result.returncode == 2 and f"--checkpoint {rae_model.parent}" in result.stderr
    assert f"did you mean --checkpoint {rae_model}?" in result.stderr


def test_a_model_that_is_not_a_chart_parser_is_named(rae_model):
    result = script("parse.py", "--model", str(rae_model), "Fine.")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"--model: {rae_model} is not a chart-parser directory" in result.stderr
    assert "semi_supervised_rae" in result.stderr and "train_parser.py" in result.stderr
    result = script("classify.py", "--checkpoint", str(rae_model), "--parser-model", str(rae_model), "Fine.")
    assert result.returncode == 2 and f"--parser-model: {rae_model} is not" in result.stderr


def test_classify_json_names_its_label_set(rae_model):
    result = script("classify.py", "--checkpoint", str(rae_model), "--json", "--nodes", "(3 (2 good) (2 film))")
    assert result.returncode == 0, result.stderr
    sentence = json.loads(result.stdout)
    labels = ("very negative", "negative", "neutral", "positive", "very positive")
    assert sentence["label_set"] == "fine" and sentence["label_name"] == labels[sentence["label"]]
    assert all(phrase["label_name"] == labels[phrase["label"]] for phrase in sentence["phrases"])
    assert '"label_set"' in script("classify.py", "--help").stdout


@pytest.mark.parametrize("name", ["parse.py", "classify.py"])
def test_arguments_and_file_together_are_refused(name, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("A good film .\n")
    extra = ["--checkpoint", str(tmp_path)] if name == "classify.py" else []
    result = run_script(name, *extra, "--file", str(text), "Another film .")
    assert result.returncode == 2 and "not both" in result.stderr


def test_train_parser_reads_the_wsj_sample_as_ptb_language_model_text(tmp_path, data_dir):
    result = script("train_parser.py", "--ptb-sample", "--dry-run", "--lm-text", "true", "--output-dir",
                    str(tmp_path / "run"), "--progress", "false")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "run" / "run_config.json").read_text())["data"]["lm_text"] is True
    words = json.loads((tmp_path / "run" / "model" / "vocab.json").read_text())["words"]
    words = words if isinstance(words, list) else list(words)
    assert "N" in words and not any(word in words for word in (",", ".", "``", "Pierre", "1,000"))
    assert all(word == word.lower() for word in words if word not in ("N", "<unk>", "<pad>"))
    result = script("train_parser.py", "--tiny", "--dry-run", "--lm-text", "true", "--output-dir",
                    str(tmp_path / "sst"), "--progress", "false")
    assert result.returncode != 0 and "--lm-text" in result.stderr and "--ptb-sample" in result.stderr


def test_train_parser_adds_head_binarized_wsj_trees_to_sst(tmp_path, data_dir):
    result = script("train_parser.py", "--tiny", "--dry-run", "--add-wsj-sample", "true", "--output-dir",
                    str(tmp_path / "run"), "--progress", "false")
    assert result.returncode == 0, result.stderr
    assert "3669 WSJ trees join 64 SST training trees" in result.stdout
    config = json.loads((tmp_path / "run" / "run_config.json").read_text())
    assert config["data"]["add_wsj_sample"] is True
    result = script("train_parser.py", "--ptb-sample", "--dry-run", "--add-wsj-sample", "true", "--output-dir",
                    str(tmp_path / "wsj"), "--progress", "false")
    assert result.returncode != 0 and "--add-wsj-sample" in result.stderr and "--sst" in result.stderr
    assert "--add-wsj-sample" in script("train_parser.py", "--help").stdout


def test_a_damaged_parser_model_is_named_not_a_traceback(parser_model, tmp_path):
    damaged = tmp_path / "model"
    shutil.copytree(parser_model, damaged)
    (damaged / "model.safetensors").write_bytes((parser_model / "model.safetensors").read_bytes()[:300])
    result = script("parse.py", "--model", str(damaged), "Fine.")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "its model.safetensors is damaged or not a safetensors file" in result.stderr


@pytest.mark.parametrize("name", ["balanced", "left", "right"])
def test_a_model_with_a_baseline_parser_is_refused(name, tmp_path):
    # The baselines have no model: a --model given with one (even a missing folder) is a mistake.
    result = script("parse.py", "--parser", name, "--model", str(tmp_path / "none"), "Fine.")
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert f"parse.py: error: --model is the chart parser's model; --parser {name} needs none" in result.stderr


def test_the_lm_text_parser_has_a_folder_of_its_own():
    from textae.commands.train_parser import default_output_dir

    assert default_output_dir("ptb_sample", False, 0) == "runs/parser-ptb_sample-seed0"  # the --guide parser
    assert default_output_dir("ptb_sample", True, 1) == "runs/parser-ptb_sample-lmtext-seed1"  # README's --clause-parser
