"""A value a config rejects ends a training script as a usage error (exit 2, the reason
on stderr), before any data is read, never as a traceback."""

from __future__ import annotations

import pytest

from tests.scripts.conftest import run_script

CASES = [
    ("train_rae.py", ["--tiny", "--labels", "foo"], "--labels must be 'fine' or 'binary'"),
    ("train_rae.py", ["--tiny", "--model", "deep_recursive", "--num-layers", "0"], "--num-layers"),
    ("train_vae.py", ["--tiny", "--kl-schedule", "foo"], "--kl-schedule must be one of"),
    ("train_parser.py", ["--tiny", "--learning-rate", "-1"], "--learning-rate must be > 0"),
    ("train_paraphrase.py", ["--tiny", "--optimizer", "foo"], "optimizer must be one of"),
    ("train_paraphrase.py", ["--tiny", "--hidden-size", "0"], "--hidden-size"),
    ("train_parser.py", ["--tiny", "--dropout", "1.5"], "dropout"),
    ("train_mlm.py", ["--tiny", "--select-rate", "2"], "select"),
    ("train_vae.py", ["--tiny", "--batch-size", "0"], "--batch-size must be >= 1"),
    ("train_vae.py", ["--tiny", "--iw-samples", "0"], "--iw-samples must be >= 1"),
    ("train_vae.py", ["--tiny", "--max-length", "-1"], "--max-length must be >= 0"),
    ("train_vae.py", ["--tiny", "--eval-autocast", "fp8"], "--eval-autocast must be"),
    # NaN and inf pass every range check of a config, so float flags refuse them when parsed
    ("train_vae.py", ["--tiny", "--learning-rate", "nan"], "'nan' is not a finite number"),
    ("train_vae.py", ["--tiny", "--free-bits", "nan"], "'nan' is not a finite number"),
    ("train_rae.py", ["--tiny", "--beta", "inf"], "'inf' is not a finite number"),
    ("train_rae.py", ["--tiny", "--time-budget-minutes", "nan"], "not a finite number"),
    ("train_rae.py", ["--tiny", "--grad-clip", "-1"], "--grad-clip must be >= 0"),
    ("train_rae.py", ["--tiny", "--max-epochs", "0"], "--max-epochs must be >= 1"),
    ("train_rae.py", ["--tiny", "--seed", "-1"], "not between 0 and 2**32 - 1"),
    ("train_rae.py", ["--tiny", "--max-train-trees", "-8500"], "--max-train-trees must be >= 0"),
    ("train_parser.py", ["--tiny", "--batch-size", "0"], "--batch-size must be >= 1"),
    ("train_parser.py", ["--tiny", "--word-dropout", "-0.5"], "--word-dropout must be >= 0"),
    ("train_parser.py", ["--tiny", "--max-eval-sentences", "-1"], "--max-eval-sentences must be >= 0"),
    ("train_mlm.py", ["--tiny", "--max-eval-sentences", "-1000"], "--max-eval-sentences must be >= 0"),
    ("train_paraphrase.py", ["--tiny", "--max-pairs", "-4070"], "--max-pairs must be >= 0"),
    # too few for the classifier's cross-validation (2 pairs of each class) or for pre-training
    # (one tree held out, one trained on): refused before the data is read, not after training
    ("train_paraphrase.py", ["--tiny", "--dry-run", "--max-pairs", "2"], "--max-pairs must be 0 (all) or at least 4"),
    ("train_paraphrase.py", ["--tiny", "--max-pretrain-sentences", "1"],
     "--max-pretrain-sentences must be 0 (all) or at least 2"),
    ("train_mlm.py", ["--tiny", "--vocab-size", "3"], "--vocab-size must exceed the 5 special tokens it includes (at least 6)"),
]


@pytest.mark.parametrize(("name", "args", "message"), CASES, ids=[f"{c[0]}{' '.join(c[1][1:])}" for c in CASES])
def test_bad_config_value_is_a_usage_error(name, args, message, tmp_path):
    result = run_script(name, *args, "--output-dir", str(tmp_path / "run"))
    assert result.returncode == 2
    assert f"{name}: error:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()  # refused before anything was written


@pytest.mark.parametrize("name", ["train_rae.py", "train_vae.py"])
@pytest.mark.parametrize("extra", [[], ["--help"]])
def test_an_unknown_model_is_a_usage_error_even_with_help(name, extra):
    # The help is built for the chosen --model, so the name is read before the full parse.
    result = run_script(name, "--model", "nope", *extra)
    assert result.returncode == 2 and "invalid choice: 'nope'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("name", "args", "message"), [
    ("sample.py", ["--seed", "-1"], "not between 0 and 2**32 - 1"),
    ("interpolate.py", ["a", "b", "--seed", "5000000000"], "not between 0 and 2**32 - 1"),
    ("interpolate.py", ["a", "b", "--decode", "beam", "--length-penalty", "-300"], "between -10 and 10"),
    ("sample.py", ["--decode", "beam", "--length-penalty", "1e308"], "between -10 and 10"),
    ("train_word_vectors.py", ["--negative", "-1"], "must be >= 1"),
    ("train_word_vectors.py", ["--workers", "0"], "must be >= 1"),
    ("train_word_vectors.py", ["--seed", "-1"], "not between 0 and 2**32 - 1"),
    ("train_word_vectors.py", ["--output", "v.json"], "give the vectors another suffix"),
])
def test_bad_values_of_the_other_programs_are_usage_errors(name, args, message, tmp_path):
    extra = ["--checkpoint", str(tmp_path / "none")] if name in ("sample.py", "interpolate.py") else []
    result = run_script(name, *args, *extra)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
