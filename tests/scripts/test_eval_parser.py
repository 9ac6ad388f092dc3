"""scripts/eval_parser.py end to end, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scripts.conftest import Result, run_script

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> Result:
    """The script's ``main`` in this process (the help test below starts a real one)."""
    return run_script("eval_parser.py", *map(str, args))


def run_process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "eval_parser.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def sample(data_dir) -> Path:
    return data_dir / "evalb_sample"


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("eval_parser.py: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_explains_the_script():
    result = run_process("--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout and "Examples:" in result.stdout
    for option in ("--params", "--unlabeled", "--json", "--style", "--max-error"):
        assert option in result.stdout


def test_sample_reproduces_sample_rsl(sample):
    result = run(sample / "sample.gld", sample / "sample.tst", "-p", sample / "sample.prm", "--style", "1997")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (sample / "sample.rsl").read_text()


def test_default_report_is_current_evalb_with_f_measure(sample):
    result = run(sample / "sample.gld", sample / "sample.tst", "-p", sample / "sample.prm")
    assert result.returncode == 0, result.stderr
    assert "Bracketing FMeasure       =  89.12\n" in result.stdout
    assert "Bracketing FMeasure       =  83.20\n" in result.stdout


def test_json_summary_and_unlabeled(sample, tmp_path):
    result = run(sample / "sample.gld", sample / "sample.tst", "-p", sample / "sample.prm", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert round(report["all"]["recall"], 2) == 87.76 and report["all"]["valid_sentences"] == 17
    assert round(report["cutoff"]["precision"], 2) == 85.25
    assert report["params"]["equivalent_words"] == [["This", "this"]]
    gold, test = tmp_path / "gold.txt", tmp_path / "test.txt"
    gold.write_text("(S (NP (DT a) (NN b)) (VP (VB c)))\n")
    test.write_text("(X (Y (DT a) (NN b)) (Z (VB c)))\n")
    labeled = json.loads(run(gold, test, "--json").stdout)
    unlabeled = json.loads(run(gold, test, "--json", "--unlabeled").stdout)
    assert labeled["all"]["f1"] == 0.0 and unlabeled["all"]["f1"] == 100.0


def test_missing_file_is_a_one_line_error(sample, tmp_path):
    assert_one_line_error(
        run(tmp_path / "missing.gld", sample / "sample.tst"), "cannot read", "missing.gld"
    )
    assert_one_line_error(
        run(sample / "sample.gld", sample / "sample.tst", "-p", tmp_path / "missing.prm"),
        "missing.prm",
    )


def test_bad_inputs_are_one_line_errors(sample, tmp_path):
    params = tmp_path / "bad.prm"
    params.write_text("LABELED 1\nDELETE_LABLE TOP\n")
    assert_one_line_error(
        run(sample / "sample.gld", sample / "sample.tst", "-p", params),
        "bad.prm:2:", "unknown key 'DELETE_LABLE'",
    )
    gold = tmp_path / "gold.txt"
    gold.write_text("(S (A a)\n")
    test = tmp_path / "test.txt"
    test.write_text("(S (A a))\n")
    assert_one_line_error(run(gold, test), "gold.txt:1:", "unbalanced brackets")
    assert_one_line_error(run(sample / "sample.gld", test), "has 24 lines", "has 1")
    assert_one_line_error(
        run(sample / "sample.gld", sample / "sample.tst", "-p", sample / "sample.prm", "-e", "1"),
        "sentence 16", "error 3", "MAX_ERROR + 1 = 2",
    )


def test_a_test_file_that_is_not_utf8_is_an_error_as_a_gold_file_is(tmp_path):
    gold, test = tmp_path / "gold.txt", tmp_path / "test.txt"
    gold.write_bytes(b"(S (A a))\n(S (A \xe9))\n")
    test.write_bytes(b"(S (A a))\n(S (A \xe9))\n")
    assert_one_line_error(run(gold, test), "gold.txt:2:7:", "undecodable byte 0xe9")
    gold.write_text("(S (A a))\n(S (A \u00e9))\n", encoding="utf-8")
    assert_one_line_error(run(gold, test), "test.txt:2:7:", "undecodable byte 0xe9")  # was 1 skipped sentence


@pytest.mark.parametrize(("flag", "message"), [("-e", "-e/--max-error must be >= 0"),
                                               ("--cutoff-len", "-c/--cutoff-len must be >= 0")])
def test_negative_max_error_and_cutoff_are_refused(sample, flag, message):
    result = run(sample / "sample.gld", sample / "sample.tst", flag, "-1")
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert f"eval_parser.py: error: {message}" in result.stderr and "got -1" in result.stderr


def test_placeholder_labels_suggest_unlabeled_on_stderr(tmp_path):
    gold, test = tmp_path / "gold.txt", tmp_path / "test.txt"
    gold.write_text("(S (NP (DT the) (NN cat)) (VP (VBD sat)))\n" * 2)
    test.write_text("(X (X (X the) (X cat)) (X (X sat)))\n" * 2)  # parse.py's unlabelled output
    result = run(gold, test)
    assert result.returncode == 0 and "Bracketing Recall         =   0.00" in result.stdout
    assert "note:" not in result.stdout  # stdout stays EVALB's report
    assert result.stderr.count("\n") == 1 and "every test bracket is labelled 'X'" in result.stderr
    assert "--unlabeled" in result.stderr
    assert run(gold, test, "--unlabeled").stderr == ""
    test.write_text("(X (Y (X the) (X cat)) (Z (X sat)))\n" * 2)  # real labels, all wrong: no hint
    assert run(gold, test).stderr == ""
