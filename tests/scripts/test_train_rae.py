"""scripts/train_rae.py and scripts/classify.py end to end, as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scripts.conftest import run_script, subprocess_script

REPO = Path(__file__).resolve().parents[2]


script = run_script  # in-process; subprocess_script starts a real process


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, data_dir):
    output = tmp_path_factory.mktemp("tiny")
    result = script("train_rae.py", "--tiny", "--output-dir", str(output), "--progress", "false",
                    "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    return output, result


@pytest.mark.parametrize("name", ["train_rae.py", "classify.py"])
def test_help_explains_the_script(name):
    result = script(name, "--help")
    assert result.returncode == 0
    assert "Examples:" in result.stdout and "--dry-run" in result.stdout or name == "classify.py"
    assert "usage:" in result.stdout


def test_dry_run(data_dir, tmp_path):
    result = subprocess_script("train_rae.py", "--tiny", "--dry-run", "--output-dir", str(tmp_path), "--progress", "false")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "test_report.json").read_text())
    assert report["steps"] == 2


def test_tiny_run_writes_everything(tiny_run):
    output, result = tiny_run
    for name in ("run_config.json", "metrics.jsonl", "test_report.json", "model/config.json",
                 "model/model.safetensors", "model/vocab.json", "checkpoints/latest"):
        assert (output / name).is_file(), name
    config = json.loads((output / "run_config.json").read_text())
    assert config["model"]["hidden_size"] == 8 and config["train"]["max_epochs"] == 2
    assert "git_commit" in config and "--tiny" in config["command"]
    report = json.loads((output / "test_report.json").read_text())
    for key in ("root_fine_acc", "root_binary_acc", "all_fine_acc", "all_binary_acc"):
        assert 0 <= report["test"][key] <= 100
    assert set(report["logreg"]) == {"root", "root_mean"}
    assert "root_fine_acc" in result.stdout


def test_explicit_flags_override_the_preset(data_dir, tmp_path):
    result = script("train_rae.py", "--tiny", "--dry-run", "--hidden-size", "5", "--model", "rae",
                    "--output-dir", str(tmp_path), "--progress", "false", "--no-logreg")
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "run_config.json").read_text())
    assert config["model"]["hidden_size"] == 5 and config["model_name"] == "rae"
    assert json.loads((tmp_path / "model" / "config.json").read_text())["model_type"] == "rae"


def test_bad_flags_are_clear_errors():
    result = script("train_rae.py", "--sst", "--tiny")
    assert result.returncode == 2 and "choose one preset" in result.stderr
    result = script("train_rae.py", "--tiny", "--alpha", "often")
    assert result.returncode == 2 and "--alpha" in result.stderr


def test_classify_sentences_and_nodes(tiny_run):
    output, _ = tiny_run
    tree = "(3 (2 It) (3 (2 's) (3 (2 a) (3 (3 good) (2 movie)))))"
    result = script("classify.py", "--checkpoint", str(output / "model"), tree)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("It 's a good movie")
    result = script("classify.py", "--checkpoint", str(output / "model"), "--json", "--nodes", tree)
    sentence = json.loads(result.stdout)
    assert sentence["sentence"] == "It 's a good movie"
    assert len(sentence["phrases"]) == 9  # 5 words + 4 phrases
    assert [p["text"] for p in sentence["phrases"][:2]] == ["It 's a good movie", "It"]
    assert sentence["binary"] in ("positive", "negative")


def test_classify_reads_stdin_and_parser_style_trees(tiny_run):
    output, _ = tiny_run
    trees = "(ROOT (S (NP (DT The) (NN film)) (VP (VBZ is) (ADJP (JJ good))) (. .)))\n(2 (2 Hey) (2 Arnold))\n"
    result = script("classify.py", "--checkpoint", str(output / "model"), input=trees)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].endswith("The film is good .") and lines[1].endswith("Hey Arnold")


def test_classify_bad_input_is_a_message_not_a_traceback(tiny_run, tmp_path):
    output, _ = tiny_run
    result = script("classify.py", "--checkpoint", str(output / "model"), "(2 (2 unbalanced)")
    assert result.returncode == 2 and "unbalanced" in result.stderr and "Traceback" not in result.stderr
    result = script("classify.py", "--checkpoint", str(tmp_path), "(2 a)")
    assert result.returncode == 2 and "config.json" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_leaves_a_checkpoint_that_resumes(data_dir, tmp_path):
    args = ["--tiny", "--max-epochs", "40", "--output-dir", str(tmp_path), "--progress", "false", "--no-logreg"]
    process = subprocess.Popen([sys.executable, str(REPO / "scripts" / "train_rae.py"), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300  # generous: on a loaded machine importing torch alone takes tens of seconds
    latest = tmp_path / "checkpoints" / "latest"
    while not latest.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.1)
    if not latest.exists():
        process.kill()
        pytest.fail(f"no checkpoint within 300 s (exit status {process.poll()}): {process.communicate()[1][-2000:]}")
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "SIGTERM: stopped at step" in stdout
    assert not (tmp_path / "test_report.json").exists()
    checkpoint = tmp_path / "checkpoints" / latest.read_text().strip()
    assert (checkpoint / "state.json").is_file()
    result = script("train_rae.py", *args, "--max-epochs", "2", "--resume")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "test_report.json").is_file()


def test_denoising_rae_trains_from_the_script(data_dir, tmp_path):
    result = script("train_rae.py", "--tiny", "--dry-run", "--model", "denoising_rae", "--leaf-mask-rate", "0.2",
                    "--output-dir", str(tmp_path), "--progress", "false", "--no-logreg")
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "model" / "config.json").read_text())["config"]
    assert config["leaf_mask_rate"] == 0.2 and config["unk_id"] == 1 and config["pad_id"] == 0


def test_a_probe_that_cannot_run_is_skipped_after_training(data_dir, tmp_path):
    # One test tree, which is neutral: no non-neutral root to score the binary probe on. The
    # training is done by then, so the run ends normally with the probe marked as skipped.
    result = script("train_rae.py", "--tiny", "--dry-run", "--max-eval-trees", "1", "--output-dir", str(tmp_path),
                    "--progress", "false", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "note: logistic-regression probe of binary labels skipped: test has no non-neutral roots" in result.stderr
    report = json.loads((tmp_path / "test_report.json").read_text())
    for feature in ("root", "root_mean"):
        assert report["logreg"][feature]["binary_skipped"] == "test has no non-neutral roots"
        assert 0 <= report["logreg"][feature]["test_root_fine_acc"] <= 100
    assert [line.split()[4] for line in result.stdout.splitlines() if line.startswith("logreg")] == ["skipped"] * 4
