"""scripts/train_vae.py, interpolate.py and sample.py as a user runs them (tiny PTB model)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from tests.scripts.conftest import run_script, subprocess_script
from textae.train import Bf16FallbackWarning, native_bf16

REPO = Path(__file__).resolve().parents[2]


script = run_script  # in-process; subprocess_script starts a real process


@pytest.fixture(scope="module")
def vae_model(tmp_path_factory, data_dir):
    output = tmp_path_factory.mktemp("vae")
    result = script("train_vae.py", "--tiny", "--dry-run", "--output-dir", str(output), "--progress", "false")
    assert result.returncode == 0, result.stderr
    report = json.loads((output / "test_report.json").read_text())
    for key in ("nll", "ppl", "kl", "mi", "active_units", "recon_bleu", "elbo_nll"):
        assert key in report["test"], key
    for picture in ("curves.png", "latent_pca.png"):
        assert (output / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture
    return output / "model"


@pytest.fixture(scope="module")
def lm_model(tmp_path_factory, data_dir):
    output = tmp_path_factory.mktemp("lm")
    result = script("train_vae.py", "--tiny", "--dry-run", "--model", "lstm_lm", "--output-dir", str(output),
                    "--progress", "false", "--eval-splits", "")
    assert result.returncode == 0, result.stderr
    return output / "model"


def test_help():
    result = subprocess_script("train_vae.py", "--help")  # one real process; the others in this one
    assert result.returncode == 0 and "Examples:" in result.stdout
    for name in ("interpolate.py", "sample.py"):
        result = script(name, "--help")
        assert result.returncode == 0 and "Examples:" in result.stdout


def test_language_model_baseline_dry_run(tmp_path, data_dir):
    result = script("train_vae.py", "--tiny", "--dry-run", "--model", "lstm_lm", "--output-dir", str(tmp_path),
                    "--progress", "false")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "test_report.json").read_text())
    assert set(report["test"]) >= {"nll", "ppl"} and "kl" not in report["test"]


def test_interpolation_prints_every_step(vae_model):
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company said", "zzyzx market rose",
                    "--steps", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("to:") and "<unk>" in lines[1]  # out-of-vocabulary words shown as they map
    assert len(lines) == 2 + 4
    result = script("interpolate.py", "--checkpoint", str(vae_model), "The Company", "the market", "--steps", "3",
                    "--slerp", "--decode", "beam")
    assert result.returncode == 0 and result.stdout.splitlines()[0] == "from: the company"


def test_the_readme_python_walk_runs_as_written(vae_model, capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("From Python, the same walk", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    folder = 'folder = "runs/vae-ptb-sentence_vae-seed0/model"'
    assert folder in snippet
    exec(snippet.replace(folder, f"folder = {str(vae_model)!r}"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and all("<unk>" not in line.split() for line in lines)


def test_clause_parser_keeps_beam_search_to_clauses(vae_model, ptb_parser, tmp_path, monkeypatch):
    flags = ["--steps", "3", "--decode", "beam", "--beam-size", "3", "--clause-parser", str(ptb_parser)]
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company said", "the market rose", *flags,
                    "--fallback-beam-sizes", "4,6", "--borrow-accepted")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2 + 3
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company said", "the market rose", *flags,
                    "--greedy-first")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2 + 3, result.stderr
    result = script("sample.py", "--checkpoint", str(vae_model), "--num", "2", "--max-length", "8", *flags[2:])
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2, result.stderr
    sst = tmp_path / "sst"  # an unlabelled parser never roots anything in S: refused
    assert script("train_parser.py", "--tiny", "--dry-run", "--output-dir", str(sst), "--progress", "false").returncode == 0
    for folder, message in [(sst / "model", "labelled Penn Treebank parser"), (vae_model, "cannot use --clause-parser"),
                            (ptb_parser.parent, f"did you mean --clause-parser {ptb_parser}?")]:
        result = script("interpolate.py", "--checkpoint", str(vae_model), "the company", "the market", "--decode", "beam",
                        "--clause-parser", str(folder))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    # the verbs that need a complement are counted in the WSJ sample: without it, a message
    monkeypatch.setenv("TEXTAE_DATA_DIR", str(tmp_path / "no-corpora"))
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company", "the market", "--decode", "beam",
                    "--clause-parser", str(ptb_parser))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "reads which verbs need a complement from the WSJ sample treebank" in result.stderr
    assert "ptb_wsj_sample" in result.stderr and "wsj_0001.mrg ... wsj_0199.mrg (199 files)" in result.stderr


def test_refuse_boilerplate_keeps_beam_search_off_a_training_text_s_recurring_lines(vae_model, tmp_path):
    flags = ["--steps", "3", "--decode", "beam", "--beam-size", "5", "--length-penalty", "0.5"]
    pair = ["the company said", "the market rose"]
    plain = script("interpolate.py", "--checkpoint", str(vae_model), *pair, *flags)
    assert plain.returncode == 0, plain.stderr
    outputs = sorted({line.split(None, 1)[1] for line in plain.stdout.splitlines()[2:]})
    # a training text that reprints the outputs as a block three times, between prose, and
    # repeats a prose line with other neighbours each time (not boilerplate)
    prose = ["prices were mixed", "stocks fell sharply", "bonds rose", "the dollar was lower"]
    text = [*outputs, prose[0], *outputs, prose[1], prose[0], *outputs, prose[2], prose[0], prose[3]]
    corpus = tmp_path / "train.txt"
    corpus.write_text("\n".join(text) + "\n", encoding="utf-8")
    refused = script("interpolate.py", "--checkpoint", str(vae_model), *pair, *flags, "--refuse-boilerplate",
                     str(corpus), "--boilerplate-similarity", "1", "--boilerplate-span", "0", "--fallback-beam-sizes", "8")
    assert refused.returncode == 0, refused.stderr
    steps = [line.split(None, 1)[1] if len(line.split(None, 1)) == 2 else "" for line in refused.stdout.splitlines()[2:]]
    assert len(steps) == 3 and not set(steps) & set(outputs), (outputs, steps)
    sampled = script("sample.py", "--checkpoint", str(vae_model), "--num", "2", "--max-length", "8", *flags[2:],
                     "--refuse-boilerplate", str(corpus))
    assert sampled.returncode == 0 and len(sampled.stdout.splitlines()) == 2, sampled.stderr
    for path, message in [(tmp_path / "missing.txt", "no text corpus at"), (tmp_path, "no text corpus at")]:
        result = script("interpolate.py", "--checkpoint", str(vae_model), *pair, *flags, "--refuse-boilerplate", str(path))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"error: cannot use --refuse-boilerplate {path}: {message}" in result.stderr
    (tmp_path / "blank.txt").write_text("\n\n", encoding="utf-8")
    result = script("sample.py", "--checkpoint", str(vae_model), *flags[2:], "--refuse-boilerplate",
                    str(tmp_path / "blank.txt"))
    assert result.returncode == 2 and "has no sentence" in result.stderr and "Traceback" not in result.stderr


def test_interpolation_and_sampling_decoding_controls(vae_model):
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company said", "the market rose",
                    "--steps", "3", "--no-unk", "--no-repeat-ngram", "1")
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines()[2:]:
        words = line.split()[1:]  # after the step number
        assert "<unk>" not in words and len(words) == len(set(words))
    result = script("sample.py", "--checkpoint", str(vae_model), "--num", "3", "--max-length", "8", "--no-unk",
                    "--no-repeat-ngram", "1", "--decode", "beam", "--beam-size", "3", "--length-penalty", "0.6")
    assert result.returncode == 0, result.stderr
    assert all("<unk>" not in line.split() and len(line.split()) == len(set(line.split()))
               for line in result.stdout.splitlines())
    result = script("sample.py", "--checkpoint", str(vae_model), "--num", "3", "--max-length", "8", "--min-length", "5")
    assert result.returncode == 0, result.stderr
    assert [len(line.split()) >= 5 for line in result.stdout.splitlines()] == [True] * 3
    for name, extra in (("interpolate.py", ["a", "b"]), ("sample.py", [])):
        for flag, value in (("--no-repeat-ngram", "-1"), ("--min-length", "-1")):
            result = script(name, "--checkpoint", str(vae_model), *extra, flag, value)
            assert result.returncode == 2 and flag in result.stderr and "Traceback" not in result.stderr
    result = script("sample.py", "--checkpoint", str(vae_model), "--max-length", "8", "--min-length", "9")
    assert result.returncode == 2 and "--min-length (9) must not exceed" in result.stderr


def test_fluency_lm_reranks_the_beam_of_interpolation_and_sampling(vae_model, lm_model):
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company said", "the market rose",
                    "--steps", "3", "--decode", "beam", "--fluency-lm", str(lm_model), "--fluency-weight", "5")
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[2:]] == ["0", "1", "2"]
    result = script("sample.py", "--checkpoint", str(vae_model), "--num", "2", "--max-length", "8", "--decode", "beam",
                    "--fluency-lm", str(lm_model))
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2, result.stderr


def test_a_fluency_lm_that_does_not_fit_is_a_message(vae_model, lm_model, tmp_path):
    def refused(lm: Path) -> str:
        result = script("interpolate.py", "--checkpoint", str(vae_model), "the company", "the market",
                        "--decode", "beam", "--fluency-lm", str(lm))
        assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
        return result.stderr

    assert "holds a sentence_vae model; it needs an lstm_lm" in refused(vae_model)
    assert f"did you mean --fluency-lm {lm_model}?" in refused(lm_model.parent)
    shuffled = tmp_path / "model"
    shutil.copytree(lm_model, shuffled)
    vocab = json.loads((shuffled / "vocab.json").read_text())
    vocab["words"][:2] = vocab["words"][1::-1]  # the same words, two of them swapped
    (shuffled / "vocab.json").write_text(json.dumps(vocab))
    assert "has another vocabulary than --checkpoint" in refused(shuffled)


@pytest.mark.parametrize("first, message", [("", "empty"), ("zzyzx qqqq", "unknown")])
def test_interpolation_bad_input_is_a_message(vae_model, first, message):
    result = script("interpolate.py", "--checkpoint", str(vae_model), first, "the market")
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_interpolation_truncates_a_thousand_words(vae_model):
    result = script("interpolate.py", "--checkpoint", str(vae_model), " ".join(["the"] * 1000), "the market",
                    "--steps", "2")
    assert result.returncode == 0, result.stderr
    assert "first 100" in result.stderr


def test_sampling_and_reconstruction(vae_model, tmp_path):
    result = script("sample.py", "--checkpoint", str(vae_model), "--num", "3", "--max-length", "6")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 3
    sentences = tmp_path / "s.txt"
    sentences.write_text("the company said\n\nthe market\n")
    result = script("sample.py", "--checkpoint", str(vae_model), "--reconstruct", str(sentences))
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2


@pytest.mark.parametrize("flag", ["--reconstruct", "--fit-codes"])
def test_sampling_names_the_flag_of_a_file_it_cannot_read(vae_model, tmp_path, flag):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("le caf\xe9 ferm\xe9\n".encode("latin-1"))
    result = script("sample.py", "--checkpoint", str(vae_model), flag, str(latin1))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"sample.py: error: {flag} {latin1} is not UTF-8 text (invalid continuation byte at byte 6)" in result.stderr
    result = script("sample.py", "--checkpoint", str(vae_model), flag, str(tmp_path))
    assert result.returncode == 2 and f"sample.py: error: {flag}: cannot read {tmp_path}: Is a directory" in result.stderr


def test_eval_only_rescores_a_trained_run_without_touching_its_record(vae_model):
    output = vae_model.parent
    config_before = (output / "run_config.json").read_text()
    native = native_bf16("cpu")  # without it the estimate runs in float32, and says so
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = script("train_vae.py", "--tiny", "--dry-run", "--output-dir", str(output), "--eval-only",
                        "--eval-splits", "test", "--iw-samples", "7", "--eval-autocast", "bf16")
    assert result.returncode == 0, result.stderr
    fallbacks = [w for w in caught if issubclass(w.category, Bf16FallbackWarning)]
    assert len(fallbacks) == (0 if native else 1) and all("running in float32" in str(w.message) for w in fallbacks)
    report = json.loads((output / "test_report.json").read_text())
    assert report["test"]["iw_samples"] == 7 and report["test"]["iw_autocast"] == ("bf16" if native else "none")
    assert "best_step" in report  # the training part of the report is kept
    assert "seconds_before_resume" not in report["test"] and report["test"]["eval_seconds"] > 0
    assert not list(output.glob("eval-*-progress.pt*"))  # a finished evaluation leaves no progress file
    assert (output / "run_config.json").read_text() == config_before
    missing = script("train_vae.py", "--tiny", "--dry-run", "--output-dir", str(output / "nothing"), "--eval-only")
    assert missing.returncode != 0 and "needs a trained model" in missing.stderr
    for flag in ("--resume", "--overwrite"):
        both = script("train_vae.py", "--tiny", "--output-dir", str(output), "--eval-only", flag)
        assert both.returncode == 2 and f"--eval-only trains nothing, so {flag} does not apply" in both.stderr


def test_eval_only_scores_the_data_the_run_recorded(tmp_path):
    """A run trained on the user's own files is re-scored on those files, not on the preset's
    corpus, unless a flag names other data."""
    lines = ["the company said it would buy the unit", "shares fell in new york", "the market rose",
             "profit rose sharply in the quarter", "the bank said it expects a loss"]
    files = {}
    for name, rows in (("train", lines * 4), ("dev", lines[:3]), ("test", lines[2:])):
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text("\n".join(rows) + "\n")
    output = tmp_path / "run"
    common = ["--tiny", "--output-dir", str(output), "--eval-splits", "test", "--iw-samples", "3", "--progress", "false"]
    trained = script("train_vae.py", *common, "--max-epochs", "1", "--train-file", str(files["train"]),
                     "--dev-file", str(files["dev"]), "--test-file", str(files["test"]))
    assert trained.returncode == 0, trained.stderr
    first = json.loads((output / "test_report.json").read_text())["test"]
    again = script("train_vae.py", *common, "--eval-only")
    assert again.returncode == 0, again.stderr
    assert "20/3/3 sentences" in again.stdout  # the recorded files, not PTB
    second = json.loads((output / "test_report.json").read_text())["test"]
    assert second["nll"] == pytest.approx(first["nll"]) and second["kl"] == pytest.approx(first["kl"])
    other = tmp_path / "other.txt"
    other.write_text("the unit fell\n")
    elsewhere = script("train_vae.py", *common, "--eval-only", "--test-file", str(other))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "20/3/1 sentences" in elsewhere.stdout  # an explicit flag still wins


def test_denoising_autoencoder_trains_and_interpolates(tmp_path, data_dir):
    result = script("train_vae.py", "--tiny", "--dry-run", "--model", "sentence_ae", "--input-mask-rate", "0.2",
                    "--output-dir", str(tmp_path), "--progress", "false")
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["model_type"] == "sentence_ae" and config["config"]["input_mask_rate"] == 0.2
    report = json.loads((tmp_path / "test_report.json").read_text())
    assert "recon_bleu" in report["test"] and "nll" not in report["test"]
    moved = script("interpolate.py", "--checkpoint", str(tmp_path / "model"), "the company said", "the market fell",
                   "--steps", "3")
    assert moved.returncode == 0, moved.stderr
    assert len([line for line in moved.stdout.splitlines() if line[:3].strip().isdigit()]) == 3
    # an autoencoder has no prior: sampling needs codes to fit a Gaussian to
    refused = script("sample.py", "--checkpoint", str(tmp_path / "model"), "--num", "2")
    assert refused.returncode == 2 and "--fit-codes" in refused.stderr
    codes = tmp_path / "codes.txt"
    codes.write_text("the company said\nthe market fell\nshares rose in new york\n")
    sampled = script("sample.py", "--checkpoint", str(tmp_path / "model"), "--num", "4", "--fit-codes", str(codes),
                     "--max-length", "6")
    assert sampled.returncode == 0, sampled.stderr
    assert len(sampled.stdout.splitlines()) == 4
    codes.write_text("one line\n")
    too_few = script("sample.py", "--checkpoint", str(tmp_path / "model"), "--fit-codes", str(codes))
    assert too_few.returncode == 2 and "at least two" in too_few.stderr
    flag = "--input-mask-rate INPUT_MASK_RATE"  # a sentence_ae flag only
    assert flag not in script("train_vae.py", "--help").stdout
    assert flag in script("train_vae.py", "--model", "sentence_ae", "--help").stdout


@pytest.mark.parametrize("name, extra", [("interpolate.py", ["the company", "the market"]), ("sample.py", [])])
def test_a_model_that_is_not_a_sentence_model_is_refused(rae_model, name, extra):
    result = script(name, "--checkpoint", str(rae_model), *extra)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"--checkpoint {rae_model} holds a semi_supervised_rae model" in result.stderr
    assert "sentence_vae or sentence_ae" in result.stderr and "train_vae.py" in result.stderr


@pytest.mark.parametrize("name, extra", [("interpolate.py", ["the company", "the market"]), ("sample.py", [])])
def test_a_run_folder_as_checkpoint_suggests_its_model_folder(vae_model, name, extra):
    result = script(name, "--checkpoint", str(vae_model.parent), *extra)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"did you mean --checkpoint {vae_model}?" in result.stderr


BAD_VALUES = [
    ("sample.py", ["--num", "-1"], "--num must be at least 1"),
    ("sample.py", ["--num", "0"], "--num must be at least 1"),
    ("sample.py", ["--max-length", "0"], "--max-length must be at least 1"),
    ("sample.py", ["--decode", "sample", "--temperature", "0"], "--temperature must be a number > 0"),
    ("sample.py", ["--decode", "sample", "--temperature", "-0.5"], "--temperature must be a number > 0"),
    ("interpolate.py", ["--decode", "sample", "--temperature", "0"], "--temperature must be a number > 0"),
    ("interpolate.py", ["--decode", "sample", "--temperature", "-1"], "--temperature must be a number > 0"),
    ("interpolate.py", ["--decode", "sample", "--temperature", "nan"], "--temperature must be a number > 0"),
    ("interpolate.py", ["--max-length", "0"], "--max-length must be at least 1"),
    ("interpolate.py", ["--decode", "beam", "--beam-size", "0"], "--beam-size must be at least 1"),
    ("sample.py", ["--decode", "beam", "--beam-size", "-2"], "--beam-size must be at least 1"),
    ("interpolate.py", ["--decode", "beam", "--length-penalty", "inf"], "--length-penalty must be between -10 and 10"),
    ("sample.py", ["--decode", "beam", "--length-penalty", "nan"], "--length-penalty must be between -10 and 10"),
    ("interpolate.py", ["--fluency-lm", "DIR"], "--fluency-lm re-ranks beam search's sentences; add --decode beam"),
    ("sample.py", ["--decode", "sample", "--fluency-lm", "DIR"], "--fluency-lm re-ranks beam search's sentences"),
    ("interpolate.py", ["--decode", "beam", "--fluency-lm", "D", "--fluency-weight", "-1"],
     "--fluency-weight must be a finite number >= 0"),
    ("interpolate.py", ["--clause-parser", "DIR"], "--clause-parser judges beam search's sentences; add --decode beam"),
    ("sample.py", ["--decode", "sample", "--clause-parser", "DIR"], "--clause-parser judges beam search's sentences"),
    ("interpolate.py", ["--decode", "beam", "--fallback-beam-sizes", "20"], "--fallback-beam-sizes widens the beam "
     "where the judges accept none of its sentences; add one of --clause-parser, --refuse-boilerplate or "
     "--acceptability-model"),
    ("interpolate.py", ["--refuse-boilerplate", "FILE"], "--refuse-boilerplate judges beam search's sentences; add "
     "--decode beam (got --decode greedy)"),
    ("sample.py", ["--decode", "sample", "--refuse-boilerplate", "FILE"], "--refuse-boilerplate judges beam search's"),
    ("interpolate.py", ["--decode", "beam", "--boilerplate-similarity", "0.9"], "--boilerplate-similarity says which "
     "near copies --refuse-boilerplate refuses; add --refuse-boilerplate"),
    ("sample.py", ["--decode", "beam", "--refuse-boilerplate", "F", "--boilerplate-similarity", "0"],
     "--boilerplate-similarity must be above 0 and at most 1 (word-for-word copies only), got 0.0"),
    ("interpolate.py", ["--decode", "beam", "--refuse-boilerplate", "F", "--boilerplate-similarity", "nan"],
     "--boilerplate-similarity must be above 0 and at most 1"),
    ("sample.py", ["--decode", "beam", "--boilerplate-span", "4"], "--boilerplate-span says which runs of words "
     "--refuse-boilerplate refuses; add --refuse-boilerplate"),
    ("interpolate.py", ["--decode", "beam", "--refuse-boilerplate", "F", "--boilerplate-span", "-1"],
     "--boilerplate-span must be 0 (off) or more words, got -1"),
    ("sample.py", ["--decode", "beam", "--beam-size", "10", "--clause-parser", "DIR", "--fallback-beam-sizes", "20,20"],
     "--fallback-beam-sizes must each be wider than the one before, the first wider than --beam-size (10); got 20,20"),
    ("interpolate.py", ["--decode", "beam", "--borrow-accepted"], "--borrow-accepted takes sentences the judges "
     "accepted at other steps; add one of --clause-parser, --refuse-boilerplate or --acceptability-model"),
    ("sample.py", ["--decode", "beam", "--greedy-first"], "--greedy-first puts each greedy sentence to "
     "the judges before the beam; add one of --clause-parser"),
    ("interpolate.py", ["--acceptability-model", "DIR"], "--acceptability-model judges beam search's sentences; add "
     "--decode beam (got --decode greedy)"),
    ("sample.py", ["--decode", "beam", "--acceptability-threshold", "0.5"], "--acceptability-threshold is the "
     "P(acceptable) --acceptability-model asks for; add --acceptability-model"),
    ("interpolate.py", ["--decode", "beam", "--acceptability-model", "D", "--acceptability-threshold", "1"],
     "--acceptability-threshold must be between 0 and 1, got 1.0"),
    ("interpolate.py", ["--fallback-beam-sizes", "20 40"], "argument --fallback-beam-sizes: expected comma-separated "
     "beam widths such as 20,40, got '20 40'"),
    ("sample.py", ["--reconstruct", "A", "--fit-codes", "B"], "--reconstruct decodes the codes of its own sentences "
     "and --fit-codes samples new ones: give one"),
    ("sample.py", ["--reconstruct", "A", "--num", "3"], "--num counts samples; --reconstruct prints one"),
    # a flag the chosen decoding would ignore is refused, not dropped without a word
    ("interpolate.py", ["--beam-size", "10"], "--beam-size is for --decode beam; add --decode beam (got --decode greedy)"),
    ("sample.py", ["--decode", "sample", "--length-penalty", "0.5"], "--length-penalty is for --decode beam; add "
     "--decode beam (got --decode sample)"),
    ("interpolate.py", ["--decode", "beam", "--temperature", "0.5"], "--temperature is for --decode sample; add "
     "--decode sample (got --decode beam)"),
    ("sample.py", ["--temperature", "0.5"], "--temperature is for --decode sample"),
    ("interpolate.py", ["--decode", "beam", "--fluency-weight", "1"], "--fluency-weight weighs the --fluency-lm's "
     "score; add --fluency-lm"),
]


@pytest.mark.parametrize("name, flags, message", BAD_VALUES, ids=[f"{c[0]} {' '.join(c[1])}" for c in BAD_VALUES])
def test_bad_values_are_usage_errors(vae_model, name, flags, message):
    extra = ["the company said", "the market"] if name == "interpolate.py" else []
    result = script(name, "--checkpoint", str(vae_model), *extra, *flags)
    assert result.returncode == 2 and result.stdout == ""
    assert f"{name}: error: {message}" in result.stderr and "Traceback" not in result.stderr


def test_interpolation_pairs_go_on_from_the_test_text_into_the_validation_text(monkeypatch):
    from textae import benchmarking

    sentences = tuple([f"w{i}"] * 6 for i in range(10))  # 3 test pairs (w0-w5), then 2 validation pairs
    monkeypatch.setattr(benchmarking, "_interpolation_sentences", lambda: (sentences, 3))
    assert benchmarking.interpolation_pairs(2, 0) == ((sentences[0], sentences[1]), (sentences[2], sentences[3]))
    assert benchmarking.interpolation_pairs(10, 2) == ((sentences[4], sentences[5]),)  # a block ends with the test's
    assert benchmarking.interpolation_pairs(10, 3) == ((sentences[6], sentences[7]), (sentences[8], sentences[9]))
    assert [benchmarking.interpolation_pair_source(first) for first in (2, 3)] == ["PTB test", "PTB validation"]
    with pytest.raises(ValueError, match="no interpolation pair from pair 6: .* give 5 pairs .*3 from the test text"):
        benchmarking.interpolation_pairs(10, 5)


def test_interpolation_report_runs_each_decoding_on_each_pair(vae_model, monkeypatch):
    from textae import benchmarking

    pairs = ((["the", "company", "said"], ["the", "market", "rose"]), (["the", "market"], ["the", "company"]))
    monkeypatch.setattr(benchmarking, "interpolation_pairs", lambda count, first=0: pairs[first:first + count])
    decodings = ((), benchmarking.SHORT_BEAM_DECODING)
    report = benchmarking.interpolation_report(vae_model, decodings=decodings)
    sections = report.split("# decoding: ")[1:]
    assert [section.splitlines()[0] for section in sections] == ["greedy (the default)", " ".join(decodings[1])]
    for section in sections:
        blocks = section.split("\n", 1)[1].strip().split("\n\n")  # after the heading line
        assert len(blocks) == 2
        for block, (first, second) in zip(blocks, pairs, strict=True):
            lines = block.splitlines()
            assert lines[:2] == ["from: " + " ".join(first), "to:   " + " ".join(second)]
            assert [line.split()[0] for line in lines[2:]] == [str(step) for step in range(8)]
    later = benchmarking.interpolation_report(vae_model, decodings=decodings[:1], first_pair=1)  # fresh pairs
    assert later.split("\n")[1:3] == ["from: the market", "to:   the company"] and later.count("from: ") == 1


@pytest.mark.parametrize("model", ["sentence_vae", "lstm_lm"])
def test_the_ptb_512_preset_is_the_benchmarks_configuration(model):
    """--ptb-512 gives the configs the benchmark's runs had (BENCHMARKS.md, 100.52): --ptb with
    these flags (benchmarks/sentence_vae.py's --extra-args, less the machine's and the budget's)."""
    from textae.cli import build_dataclass
    from textae.commands import train_vae
    from textae.models import MODELS
    from textae.train import TrainConfig

    benchmark = ["--ptb", "--tie-output", "true", "--free-bits", "0.2", "--kl-anneal-steps", "2600",
                 "--hidden-size", "512", "--embedding-size", "512", "--lr-schedule", "linear", "--max-epochs", "16"]

    def configs(argv):
        args = train_vae.parse_args([*argv, "--model", model])
        preset_name = "ptb-512" if args.ptb_512 else "ptb"
        preset = train_vae.preset_values(preset_name, model)
        return [build_dataclass(train_vae.SentenceDataConfig, args, preset),
                build_dataclass(TrainConfig, args, preset, output_dir="x", seed=0, resume=False),
                build_dataclass(MODELS[model][0], args, preset, vocab_size=10)]

    assert configs(["--ptb-512"]) == configs(benchmark)
    assert configs(["--ptb-512"]) != configs(["--ptb"])


def test_a_two_level_softmax_model_trains_interpolates_and_refuses_a_shortlist_past_the_vocabulary(tmp_path, data_dir):
    output = tmp_path / "shortlist"
    result = script("train_vae.py", "--tiny", "--dry-run", "--softmax-shortlist", "50", "--output-dir", str(output),
                    "--progress", "false")
    assert result.returncode == 0, result.stderr
    assert json.loads((output / "model" / "config.json").read_text())["config"]["softmax_shortlist"] == 50
    walk = script("interpolate.py", "--checkpoint", str(output / "model"), "the company said", "the market rose",
                  "--steps", "3", "--decode", "beam", "--beam-size", "3")
    assert walk.returncode == 0, walk.stderr
    assert len([line for line in walk.stdout.splitlines() if line[:3].strip().isdigit()]) == 3
    refused = script("train_vae.py", "--tiny", "--dry-run", "--softmax-shortlist", "100000", "--output-dir",
                     str(tmp_path / "refused"), "--progress", "false")
    assert refused.returncode == 2 and "--softmax-shortlist must be 0 (off) or between 4" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "refused" / "model").exists()
    # a shortlist the real run's vocabulary holds but the dry run's few sentences do not: the dry run shrinks it
    vocabulary = json.loads((output / "model" / "config.json").read_text())["config"]["vocab_size"]
    full_vocabulary = script("train_vae.py", "--tiny", "--dry-run", "--softmax-shortlist", str(vocabulary + 10),
                             "--output-dir", str(tmp_path / "shrunk"), "--progress", "false")
    assert full_vocabulary.returncode == 0, full_vocabulary.stderr
    assert f"--softmax-shortlist {vocabulary + 10} is past the dry run's vocabulary" in full_vocabulary.stderr
    shrunk = json.loads((tmp_path / "shrunk" / "model" / "config.json").read_text())["config"]
    assert shrunk["softmax_shortlist"] == shrunk["vocab_size"] // 2
    # past what --tiny's 300 sentences hold (though PTB's whole training text holds it): refused as the real run would be
    past_tiny = script("train_vae.py", "--tiny", "--dry-run", "--softmax-shortlist", "5000", "--output-dir",
                       str(tmp_path / "past_tiny"), "--progress", "false")
    assert past_tiny.returncode == 2 and "--softmax-shortlist must be 0 (off)" in past_tiny.stderr


def test_interpolation_report_names_a_failing_run(tmp_path):
    from textae import benchmarking

    with pytest.raises(RuntimeError, match="ended with status 2: .*error"):
        benchmarking._interpolate_output(["--checkpoint", str(tmp_path / "none"), "the market", "the company"])


@pytest.fixture(scope="module")
def acceptability_model(tmp_path_factory, lm_model):
    output = tmp_path_factory.mktemp("acceptability")
    result = script("train_acceptability.py", "--tiny", "--dry-run", "--output-dir", str(output), "--progress", "false",
                    "--init-from-lm", str(lm_model))
    assert result.returncode == 0, result.stderr
    return output


def test_acceptability_training_writes_its_threshold_and_report(acceptability_model, lm_model):
    report = json.loads((acceptability_model / "test_report.json").read_text())
    config = json.loads((acceptability_model / "model" / "config.json").read_text())["config"]
    assert config["threshold"] == report["threshold"] and 0 < report["threshold"] < 1
    assert report["dev"]["real_accepted"] >= 100 * report["accept_dev_share"]
    for split in ("dev", "test"):
        assert {"accuracy", "real_accepted", "broken_rejected", "real", "broken"} <= set(report[split])
        assert any(key.startswith("broken_rejected_") for key in report[split])
    # --init-from-lm: the classifier's vocabulary is the language model's
    assert (acceptability_model / "model" / "vocab.json").read_text() == (lm_model / "vocab.json").read_text()


def test_acceptability_model_judges_interpolation_and_sampling(vae_model, acceptability_model):
    flags = ["--decode", "beam", "--acceptability-model", str(acceptability_model / "model")]
    result = script("interpolate.py", "--checkpoint", str(vae_model), "the company said", "the market rose",
                    "--steps", "3", *flags, "--fallback-beam-sizes", "8", "--borrow-accepted")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2 + 3
    result = script("sample.py", "--checkpoint", str(vae_model), "--num", "2", *flags, "--acceptability-threshold", "0.01")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2, result.stderr


def test_an_acceptability_model_that_is_not_one_is_a_message(vae_model, tmp_path):
    for folder, message in [(vae_model, "holds a sentence_vae model; it needs an acceptability classifier"),
                            (tmp_path, "cannot load --acceptability-model")]:
        result = script("interpolate.py", "--checkpoint", str(vae_model), "the company", "the market", "--decode",
                        "beam", "--acceptability-model", str(folder))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_acceptability_training_refuses_a_language_model_that_does_not_fit(vae_model, lm_model, tmp_path):
    result = script("train_acceptability.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path / "a"),
                    "--init-from-lm", str(lm_model), "--hidden-size", "8")
    assert result.returncode == 2 and "--init-from-lm" in result.stderr and "--hidden-size" in result.stderr
    assert "Traceback" not in result.stderr
    result = script("train_acceptability.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path / "b"),
                    "--init-from-lm", str(vae_model))
    assert result.returncode == 2 and "holds a sentence_vae model; it needs an lstm_lm" in result.stderr
    result = script("train_acceptability.py", "--tiny", "--dry-run", "--accept-dev-share", "0")
    assert result.returncode == 2 and "--accept-dev-share must be in (0, 1]" in result.stderr


def test_acceptability_training_from_random_weights_and_its_help(tmp_path, data_dir):
    result = script("train_acceptability.py", "--help")
    assert result.returncode == 0 and "Examples:" in result.stdout and "--init-from-lm" in result.stdout
    result = script("train_acceptability.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path), "--progress",
                    "false")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "test_report.json").read_text())["model"] == "acceptability"


def test_acceptability_training_goes_on_from_a_classifier_with_a_readers_verdicts(acceptability_model, tmp_path):
    verdicts = tmp_path / "steps_judged.tsv"
    verdicts.write_text("# a reader's verdicts\nverdict\tstep\nbad\tthe company is n't a good\n"
                        "ok\tthe market fell\nbad\tthe market fell\nok\tprices rose sharply\n", encoding="utf-8")
    base = acceptability_model / "model"
    result = script("train_acceptability.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path / "run"), "--progress",
                    "false", "--init-from-model", str(base), "--judged", str(tmp_path / "*_judged.tsv"),
                    "--judged-repeat", "3")
    assert result.returncode == 0, result.stderr
    assert "2 judged bad and 1 judged ok sentences (x3)" in result.stdout  # a tie is bad
    report = json.loads((tmp_path / "run" / "test_report.json").read_text())
    assert (report["judged_bad"], report["judged_ok"]) == (2, 1)
    # the base model's vocabulary and sizes, whatever the preset says
    assert (tmp_path / "run" / "model" / "vocab.json").read_text() == (base / "vocab.json").read_text()
    config = json.loads((tmp_path / "run" / "model" / "config.json").read_text())["config"]
    base_config = json.loads((base / "config.json").read_text())["config"]
    assert config["hidden_size"] == base_config["hidden_size"] and config["vocab_size"] == base_config["vocab_size"]


def test_acceptability_training_from_its_own_weights(acceptability_model, tmp_path):
    """--init-from-model starts from the classifier's weights: with no step taken, the same model."""
    import torch

    from textae.models.acceptability import AcceptabilityClassifier

    base = acceptability_model / "model"
    result = script("train_acceptability.py", "--tiny", "--output-dir", str(tmp_path / "run"), "--progress", "false",
                    "--init-from-model", str(base), "--max-train-sentences", "40", "--max-eval-sentences", "10",
                    "--max-steps", "1", "--learning-rate", "1e-12")
    assert result.returncode == 0, result.stderr
    before, after = AcceptabilityClassifier.from_pretrained(base), AcceptabilityClassifier.from_pretrained(
        tmp_path / "run" / "model")
    for (name, a), (_, b) in zip(before.state_dict().items(), after.state_dict().items(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def test_acceptability_training_refuses_bad_verdicts_and_two_starts(acceptability_model, lm_model, tmp_path):
    (tmp_path / "bad_judged.tsv").write_text("step\tverdict\nthe market\tok\n", encoding="utf-8")
    for flags, message in [(["--judged", str(tmp_path / "none*.tsv")], "--judged: no file matches"),
                           (["--judged", str(tmp_path / "bad_judged.tsv")], "must start (after # comments) with "
                                                                             "the header 'verdict<TAB>step'"),
                           (["--judged-repeat", "0"], "--judged-repeat must be >= 1"),
                           (["--init-from-model", str(lm_model)], "holds a lstm_lm model; it needs an "
                                                                  "acceptability classifier"),
                           (["--init-from-model", str(acceptability_model / "model"), "--init-from-lm", str(lm_model)],
                            "give --init-from-lm or --init-from-model, not both"),
                           (["--init-from-model", str(acceptability_model / "model"), "--hidden-size", "8"],
                            "--init-from-model keeps the classifier's own sizes; drop --hidden-size")]:
        result = script("train_acceptability.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path / "run"),
                        *flags)
        assert result.returncode == 2 and message in result.stderr, (flags, result.stderr)
        assert "Traceback" not in result.stderr
