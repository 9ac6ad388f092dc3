"""scripts/train_mlm.py as a user runs it (tiny PTB model, in-process)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import torch

from tests.scripts.conftest import run_script

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory, data_dir):
    output = tmp_path_factory.mktemp("mlm")
    result = run_script("train_mlm.py", "--tiny", "--dry-run", "--output-dir", str(output), "--progress", "false")
    assert result.returncode == 0, result.stderr
    return output, result


def test_help_shows_purpose_and_examples():
    purpose = ast.get_docstring(ast.parse((REPO / "scripts" / "train_mlm.py").read_text())).splitlines()[0]
    result = run_script("train_mlm.py", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage:")
    assert " ".join(purpose.split()) in " ".join(result.stdout.split()) and "Examples:" in result.stdout


def test_dry_run_writes_the_report_and_a_hugging_face_model(dry_run):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    output, result = dry_run
    report = json.loads((output / "test_report.json").read_text())
    for split in ("dev", "test"):
        for key in ("masked_acc", "masked_ppl", "masked_tokens", "unigram_masked_acc", "unigram_masked_ppl",
                    "unigram_token"):
            assert key in report[split], (split, key)
        assert 0.0 <= report[split]["masked_acc"] <= 100.0 and report[split]["masked_ppl"] > 1.0
    assert report["corruption"] == {"select_rate": 0.15, "mask_fraction": 0.8, "random_fraction": 0.1,
                                    "convention": "bernoulli", "whole_word": False, "seed": 0}
    assert report["steps"] == 2 and "dev: masked accuracy" in result.stdout
    config = json.loads((output / "run_config.json").read_text())
    assert config["model"]["hidden_size"] == 32 and config["train"]["early_stopping_metric"] == "masked_acc"
    tokenizer = AutoTokenizer.from_pretrained(output / "model", local_files_only=True)
    model = AutoModelForMaskedLM.from_pretrained(output / "model", local_files_only=True)
    assert model.config.vocab_size == len(tokenizer) == report["vocab_size"]
    ids = tokenizer("the <unk> rose N %")["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids)[1:-1][:2] == ["the", "<unk>"]  # PTB's <unk> stays one word
    assert model(input_ids=torch.tensor([ids])).logits.shape == (1, len(ids), len(tokenizer))


def test_resume_continues_the_finished_run_with_its_tokenizer(dry_run):
    output, _ = dry_run
    before = json.loads((output / "test_report.json").read_text())
    result = run_script("train_mlm.py", "--tiny", "--dry-run", "--output-dir", str(output), "--progress", "false",
                        "--resume")
    assert result.returncode == 0, result.stderr
    after = json.loads((output / "test_report.json").read_text())
    assert after["steps"] == before["steps"] and after["test"] == before["test"]


def test_resume_without_a_run_is_a_message(tmp_path, data_dir):
    result = run_script("train_mlm.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path), "--resume")
    assert result.returncode == 2 and "no checkpoint" in result.stderr
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "latest").write_text("step-2")  # a checkpoint, but not a train_mlm.py run
    result = run_script("train_mlm.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path), "--resume")
    assert result.returncode == 2 and "no tokenizer" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flags, message", [
    (["--pre-tokenizer", "spaces"], "--pre-tokenizer must be one of"),
    (["--num-heads", "3"], "not divisible by --num-heads"),
    (["--max-length", "100"], "exceeds --max-position-embeddings"),
    (["--select-rate", "0"], "--select-rate"),
    (["--optimizer", "lion"], "optimizer must be one of"),
    (["--train-file", "a.txt"], "all three"),
    (["--hidden-size", "wide"], "invalid int value"),
    (["--no-such-flag"], "unrecognized arguments"),
])
def test_bad_flags_exit_2_with_a_message(flags, message, tmp_path, data_dir):
    result = run_script("train_mlm.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path), *flags)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_text_files_with_a_missing_file(tmp_path):
    (tmp_path / "train.txt").write_text("a b c\n")
    result = run_script("train_mlm.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path / "out"),
                        "--train-file", str(tmp_path / "train.txt"), "--dev-file", str(tmp_path / "dev.txt"),
                        "--test-file", str(tmp_path / "train.txt"))
    assert result.returncode == 2 and "dev.txt" in result.stderr
