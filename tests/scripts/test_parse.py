"""scripts/train_parser.py, scripts/parse.py and raw-text classify.py, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse_tree
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


def test_classify_raw_text_end_to_end(tmp_path, data_dir, parser_model):
    rae = tmp_path / "rae"
    result = script("train_rae.py", "--tiny", "--dry-run", "--output-dir", str(rae), "--progress", "false", "--no-logreg")
    assert result.returncode == 0, result.stderr
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


def test_text_of_only_punctuation_parses_as_punctuation(parser_model):
    result = script("parse.py", "--model", str(parser_model), "?! ...")
    assert result.returncode == 0, result.stderr
    assert parse_tree(result.stdout.strip()).leaves() == ["?", "!", "..."]
