"""Every benchmark script starts as `python benchmarks/NAME.py` (benchmarks/parsers.py must not
shadow the parsers package) and explains itself."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted(path.name for path in (REPO / "benchmarks").glob("*.py"))


# Runs each benchmark file as ``__main__`` with ``--help``, one after the other in one process
# (starting torch once instead of once per file): sys.path is what ``python benchmarks/X.py``
# gives (the file's folder first, not the working directory) and textae's, parsers' and the
# benchmarks' modules are forgotten between files, so each file must find them by itself.
_HELP_DRIVER = """
import contextlib, io, json, os, runpy, sys, traceback
base = [entry for entry in sys.path if entry not in ("", os.getcwd())]
results = {}
for path in sys.argv[1:]:
    sys.path[:] = [os.path.dirname(path), *base]
    for module in [m for m in sys.modules if m.split(".")[0] in ("textae", "parsers", "benchmarks")]:
        del sys.modules[module]
    sys.argv = [path, "--help"]
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    results[os.path.basename(path)] = [code, out.getvalue(), err.getvalue()]
sys.__stdout__.write(json.dumps(results))
"""


@pytest.fixture(scope="module")
def benchmark_helps() -> dict:
    result = subprocess.run([sys.executable, "-c", _HELP_DRIVER, *(str(REPO / "benchmarks" / name) for name in BENCHMARKS)],
                            capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_help_runs_as_a_process(name, benchmark_helps):
    code, stdout, stderr = benchmark_helps[name]
    assert code == 0, stderr
    assert stdout.startswith("usage:")


def _benchmark(name: str):
    """benchmarks/<name>.py as a module (under another name: benchmarks/parsers.py is not the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sentence_vae_benchmark():
    return _benchmark("sentence_vae")


def test_sentence_vae_runs_are_read_from_their_folder_else_from_their_record(tmp_path, monkeypatch):
    """Run folders do not outlive the machine: a run's figures are kept as a committed record,
    read back with --reuse when the folder is gone; --available-only trains nothing."""
    import json

    bench = _sentence_vae_benchmark()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    trained = []
    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=lambda command, **kwargs: trained.append(command)))
    folder = tmp_path / "runs" / "lstm_lm-seed1"
    command = ["scripts/train_vae.py", "--ptb", "--output-dir", "runs/lstm_lm-seed1"]
    record = tmp_path / "records" / "lstm_lm-seed1.json"

    assert bench.run(command, True, record, available_only=True) is None and not trained
    folder.mkdir(parents=True)
    (folder / "test_report.json").write_text(json.dumps({"test": {"nll": 104.0, "ppl": 117.0}}))
    (folder / "run_config.json").write_text(json.dumps({"model": {"hidden_size": 8}, "train": {"max_epochs": 3},
                                                        "command": "train_vae.py --ptb",
                                                        "previous_commands": ["train_vae.py --ptb --max-epochs 1"]}))
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps({"split": "epoch", "seconds": s}) for s in (3, 1, 2)))
    report = bench.run(command, True, record, available_only=False)
    assert not trained  # reused
    assert report["test"]["nll"] == 104.0 and report["epochs"] == 3 and report["epoch_seconds"] == 2
    assert report["training_commands"] == ["train_vae.py --ptb --max-epochs 1", "train_vae.py --ptb"]
    bench.save_record(record, report)
    saved = json.loads(record.read_text())
    assert saved["report"] == report and "CPU cores" in saved["machine"]

    for path in folder.iterdir():  # the machine is gone, the record stays
        path.unlink()
    assert bench.run(command, True, record, available_only=True) == {**report, "machine": saved["machine"]}
    assert not trained
    assert bench.run(command, False, record, available_only=True) is None  # without --reuse a record is not read
    record.unlink()
    assert bench.run(command, True, record, available_only=True) is None


def test_sentence_vae_runs_of_a_two_level_softmax_keep_their_rare_tokens(tmp_path, monkeypatch):
    """A --softmax-shortlist run's record keeps how many training tokens took the second softmax,
    which the achieved GFLOP/s of its epochs are counted with."""
    import json

    bench = _sentence_vae_benchmark()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr(bench, "rare_train_tokens", lambda model_dir, shortlist: 1000 * shortlist)
    folder = tmp_path / "runs" / "sentence_vae-seed0"
    folder.mkdir(parents=True)
    (folder / "test_report.json").write_text(json.dumps({"test": {"nll": 104.0}}))
    (folder / "metrics.jsonl").write_text(json.dumps({"split": "epoch", "step": 9, "seconds": 5}))
    for shortlist, expected in ((7, 7000), (0, None)):
        (folder / "run_config.json").write_text(json.dumps({"model": {"hidden_size": 8, "softmax_shortlist": shortlist},
                                                            "train": {"max_epochs": 1}, "command": "train_vae.py"}))
        report = bench.run(["train_vae.py", "--output-dir", "runs/sentence_vae-seed0"], True, tmp_path / "r.json",
                           available_only=True)
        assert report["config"].get("rare_tokens") == expected


def test_sentence_vae_refuses_a_run_its_time_budget_stopped(tmp_path, monkeypatch):
    import json

    bench = _sentence_vae_benchmark()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    folder = tmp_path / "runs" / "lstm_lm-seed2"
    folder.mkdir(parents=True)
    (folder / "test_report.json").write_text(json.dumps({"test": {"nll": 107.5}}))
    (folder / "run_config.json").write_text(json.dumps({"model": {}, "train": {"max_epochs": 16}, "command": "x"}))
    lines = [{"split": "epoch", "step": 10, "seconds": 1.0}, {"split": "time_budget", "step": 14, "seconds": 60.0}]
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    command = ["scripts/train_vae.py", "--output-dir", "runs/lstm_lm-seed2"]
    with pytest.raises(SystemExit, match="stopped at its --time-budget-minutes after 1 of 16 epochs"):
        bench.run(command, True, tmp_path / "record.json", available_only=True)
    lines += [{"split": "epoch", "step": 20 + 10 * n, "seconds": 1.0} for n in range(15)]  # resumed to the end
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    assert bench.run(command, True, tmp_path / "record.json", available_only=True)["epochs"] == 16


def _finished_run(folder: Path, nll: float, epochs: int = 2, max_epochs: int = 2) -> None:
    import json

    folder.mkdir(parents=True)
    (folder / "test_report.json").write_text(json.dumps({"test": {"nll": nll, "iw_samples": 10}}))
    (folder / "run_config.json").write_text(json.dumps({"model": {"hidden_size": 512}, "train": {"max_epochs": max_epochs},
                                                        "command": "train_vae.py --ptb"}))
    lines = [{"split": "epoch", "step": 10 * (n + 1), "seconds": 250.0} for n in range(epochs)]
    if epochs < max_epochs:
        lines.append({"split": "time_budget", "step": 10 * epochs + 5, "seconds": 60.0})
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines))


def test_sentence_vae_record_only_keeps_finished_runs_and_skips_the_rest(tmp_path, monkeypatch, capsys):
    """--record-only trains and scores nothing and writes no results: the finished runs' figures
    become records; a run without a test report, or stopped by its budget, gets none."""
    import json

    bench = _sentence_vae_benchmark()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=lambda *a, **k: pytest.fail("nothing may run")))
    runs = tmp_path / "runs" / "h512"
    _finished_run(runs / "sentence_vae-seed0", 101.15)
    _finished_run(runs / "lstm_lm-seed0", 103.68, epochs=1)  # budget-stopped
    (runs / "sentence_vae-seed1").mkdir()  # still training
    monkeypatch.setattr(sys, "argv", ["sentence_vae.py", "--seeds", "0", "1", "--record-only", "--runs-dir", str(runs)])
    bench.main()
    records = tmp_path / "results" / "sentence_vae_runs" / "h512"
    assert sorted(path.name for path in records.iterdir()) == ["sentence_vae-seed0.json"]
    saved = json.loads((records / "sentence_vae-seed0.json").read_text())["report"]
    assert saved["test"]["nll"] == 101.15 and saved["epochs"] == 2 and saved["epoch_seconds"] == 250.0
    assert not (tmp_path / "results" / "sentence_vae.json").exists()
    err = capsys.readouterr().err
    assert "stopped at its --time-budget-minutes after 1 of 2 epochs" in err and "still running" in err


def test_sentence_vae_timed_epoch_record_is_reused_only_with_the_same_flags(tmp_path, monkeypatch):
    """--time-epoch-args times the epoch with other flags than the runs' (the issue's 256-unit
    epoch beside 512-unit runs), once per seed; its record keeps the flags, seeds and sizes, and
    --reuse reads it back only for the same flags and seeds (a record without flags counts as
    made with --extra-args, one without seeds as seed 0's)."""
    import argparse
    import json

    bench = _sentence_vae_benchmark()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    timed = []

    def fake_run(command, **kwargs):
        timed.append(command)
        output = tmp_path / command[command.index("--output-dir") + 1]
        output.mkdir(parents=True, exist_ok=True)
        (output / "metrics.jsonl").write_text(json.dumps({"split": "epoch", "seconds": 190.0 + len(timed)}))
        (output / "run_config.json").write_text(json.dumps({"model": {"hidden_size": 256, "embedding_size": 256,
                                                                      "vocab_size": 10002}}))

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    records = tmp_path / "records"
    args = argparse.Namespace(extra_args="--hidden-size 512 --time-budget-minutes 85", time_epoch_args="--autocast bf16",
                              reuse=True, runs_dir="runs", seeds=[0, 1])
    timing = bench.epoch_timing(args, records)
    assert timing["seconds_per_seed"] == [191.0, 192.0] and timing["seconds"] == 191.5
    assert timing["hidden_size"] == 256 and timing["args"] == "--autocast bf16" and timing["seeds"] == [0, 1]
    assert [command[-4:] for command in timed] == [["--autocast", "bf16", "--seed", "0"], ["--autocast", "bf16", "--seed", "1"]]
    assert "--hidden-size" not in timed[0]
    assert bench.epoch_timing(args, records)["seconds_per_seed"] == [191.0, 192.0] and len(timed) == 2  # reused
    args.seeds = [0]  # other seeds: timed again
    assert bench.epoch_timing(args, records)["seconds_per_seed"] == [193.0] and len(timed) == 3
    args.time_epoch_args = None  # the runs' own flags: timed again, without their budget
    assert bench.epoch_timing(args, records)["seconds"] == 194.0 and "--time-budget-minutes" not in timed[3]
    bench.save_record(records / "timed-epoch.json", {"seconds": 180.0})  # an older record: no flags, no seeds kept
    assert bench.epoch_timing(args, records)["seconds_per_seed"] == [180.0] and len(timed) == 4


def test_sentence_vae_timed_epochs_replace_the_runs_figures():
    from textae.benchmarking import add_seeded

    bench = _sentence_vae_benchmark()
    metrics: dict = {}
    add_seeded(metrics, "epoch_seconds", [170.0, 230.0])
    bench.use_timed_epoch(metrics, [180.0, 200.0], "machine A")
    assert metrics["epoch_seconds"] == 190.0 and metrics["epoch_timed_on"] == "machine A"
    assert metrics["epoch_seconds_per_seed"] == [180.0, 200.0] and metrics["epoch_seconds_std"] == 10.0
    assert metrics["epoch_seconds_of_the_runs"] == 200.0
    assert metrics["epoch_seconds_of_the_runs_per_seed"] == [170.0, 230.0]
    assert metrics["epoch_seconds_of_the_runs_std"] == 30.0


def test_parser_speed_stands_in_for_a_missing_model_with_its_command_run_one_step(tmp_path, monkeypatch):
    """benchmarks/parsers.py --speed-only: a missing parser is timed as its own training command
    run for one step (same architecture); a trained one is used as it is; without --speed-only
    a missing parser is trained in full."""

    monkeypatch.setattr(sys, "path", list(sys.path))  # the benchmark rewrites sys.path when loaded
    bench = _benchmark("parsers")
    ran = []

    def fake_run(command, **kwargs):
        ran.append(command)
        model = Path(command[command.index("--output-dir") + 1]) / "model"
        model.mkdir(parents=True)
        (model / "config.json").write_text("{}")

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    runs = tmp_path / "runs"
    fill = {"vectors": runs / "vectors" / "vectors.txt", "guide": runs / "parser-ptb_sample-seed0" / "model"}

    folder, command, trained = bench.ensure_model("sst_parser_guide", runs, False, fill, stand_in=True)
    assert not trained and folder == runs / "speed-stand-ins" / "parser-sst-guide-seed0" / "model"
    assert ran[0][1:] == ["scripts/train_parser.py", "--sst", "--guide", str(fill["guide"]), "--max-steps", "1",
                          "--max-eval-sentences", "8", "--output-dir", str(folder.parent), "--progress", "false",
                          "--overwrite"]  # a stand-in trained again replaces the earlier one
    assert "--max-steps 1" in command
    assert bench.ensure_model("sst_parser_guide", runs, False, fill, stand_in=True)[0] == folder and len(ran) == 1

    real = runs / "parser-sst-guide-seed0" / "model"
    real.mkdir(parents=True)
    (real / "config.json").write_text("{}")
    assert bench.ensure_model("sst_parser_guide", runs, False, fill, stand_in=True) == (
        real, f"python scripts/train_parser.py --sst --guide {fill['guide']} --output-dir {real.parent}", True)
    assert len(ran) == 1

    folder, _, trained = bench.ensure_model("sst_parser_plain", runs, False, fill)
    assert trained and folder == runs / "parser-sst-seed0" / "model" and "--max-steps" not in ran[-1]


def test_sentence_vae_interpolations_add_the_lm_reranked_decoding_when_the_seed_has_an_lm(tmp_path, monkeypatch):
    bench = _sentence_vae_benchmark()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    asked = []
    pairs_from = []
    monkeypatch.setattr(bench, "interpolation_report", lambda model_dir, decodings, first_pair:
                        asked.append(list(decodings)) or pairs_from.append(first_pair) or "the report")
    # 438 test pairs, then 5 validation ones
    monkeypatch.setattr(bench, "interpolation_pairs", lambda count, first: [None] * (
        min(first + count, 438) - first if first < 438 else min(count, 443 - first)))
    monkeypatch.setattr(bench, "interpolation_pair_source", lambda first: "PTB test" if first < 438 else "PTB validation")
    vae, lm = tmp_path / "runs" / "sentence_vae-seed3" / "model", tmp_path / "runs" / "lstm_lm-seed3" / "model"
    bench.write_interpolations(vae, lm)  # no LM run: greedy and the short beam only
    bench.write_interpolations(vae, lm, "parser/model")  # ... and the short beam kept to clauses
    lm.mkdir(parents=True)
    (lm / "config.json").write_text("{}")
    bench.write_interpolations(vae, lm)
    assert asked[0] == [(), bench.SHORT_BEAM_DECODING]
    clause = (*bench.SHORT_BEAM_DECODING, "--clause-parser", "parser/model")
    assert asked[1] == [*asked[0], clause, (*clause, "--fallback-beam-sizes", "20,40")]
    assert asked[2] == [*asked[0], (*bench.SHORT_BEAM_DECODING, "--fluency-lm", str(lm))]
    bench.write_interpolations(vae, lm, "parser/model")
    clause = (*asked[2][-1], "--clause-parser", "parser/model")
    assert asked[3] == [*asked[2], clause, (*clause, "--fallback-beam-sizes", "20,40")]
    text = (tmp_path / "benchmarks" / "results" / "sentence_vae_interpolations.txt").read_text()
    assert text.startswith("# model: runs/sentence_vae-seed3;") and "the report" in text
    bench.write_interpolations(vae, lm, path="elsewhere/seed3.txt")
    assert (tmp_path / "elsewhere" / "seed3.txt").read_text() == text
    bench.write_interpolations(vae, lm, path="fresh.txt", first_pair=10)  # fresh pairs, said in the heading
    assert pairs_from == [0] * 5 + [10]
    assert "consecutive PTB test sentences of 6-14 words (pairs 11-20)\n" in (tmp_path / "fresh.txt").read_text()
    bench.write_interpolations(vae, lm, path="fresh.txt", first_pair=430)  # the test pairs end at 438
    assert "PTB test sentences of 6-14 words (pairs 431-438)\n" in (tmp_path / "fresh.txt").read_text()
    bench.write_interpolations(vae, lm, path="fresh.txt", first_pair=440)
    assert "PTB validation sentences of 6-14 words (pairs 441-443)\n" in (tmp_path / "fresh.txt").read_text()
    del pairs_from[-2:]
    bench.write_interpolations(vae, lm, "parser/model", boilerplate="ptb.train.txt")  # ... and boilerplate refused
    assert asked[-1] == [*asked[3], (*asked[3][-1], "--refuse-boilerplate", "ptb.train.txt")]
    bench.write_interpolations(vae, lm, "parser/model", boilerplate="ptb.train.txt", borrow=True)  # ... and borrowing
    assert asked[-1] == [*asked[-2], (*asked[-2][-1], "--borrow-accepted")]
    bench.write_interpolations(vae, lm, boilerplate="ptb.train.txt", borrow=True)  # nothing judged: nothing to borrow
    assert "--borrow-accepted" not in asked[-1][-1]
    bench.write_interpolations(vae, lm, "parser/model", boilerplate="ptb.train.txt", borrow=True,
                               acceptability="classifier/model")  # ... and the classifier judging too
    assert asked[-1] == [*asked[-3], (*asked[-3][-1], "--acceptability-model", "classifier/model")]
    bench.write_interpolations(vae, lm, "parser/model", boilerplate="ptb.train.txt", borrow=True,
                               acceptability="classifier/model", acceptability_threshold=0.4)
    assert asked[-1][-1] == (*asked[-4][-1], "--acceptability-model", "classifier/model", "--acceptability-threshold", "0.4")
    bench.write_interpolations(vae, lm, "parser/model", boilerplate="ptb.train.txt", borrow=True,
                               no_repeat_ngram=4)  # ... and no run of 4 words twice
    assert asked[-1] == [*asked[-5], (*asked[-5][-1], "--no-repeat-ngram", "4")]


def test_clause_filter_reads_its_judged_steps_and_refuses_a_malformed_file(tmp_path):
    bench = _benchmark("clause_filter")
    path = tmp_path / "judged.tsv"
    path.write_text("# a comment\nverdict\tstep\nok\tprices were mixed\nbad\tsource fulton prebon u.s.a inc\n")
    assert bench.read_judged(path) == (["prices were mixed", "source fulton prebon u.s.a inc"], [False, True])
    steps, bad = bench.read_judged(bench.JUDGED)  # the committed judgements
    assert len(steps) == 80 and sum(bad) == 11
    steps, bad = bench.read_judged(bench.JUDGED_FILES[1])  # its rows of the plain beam
    assert len(steps) == 80 and sum(bad) == 24
    steps, bad = bench.read_judged(bench.JUDGED_FILES[2], "beam+clause")  # fresh pairs, with the filter
    assert len(steps) == 80 and sum(bad) == 5
    path.write_text("decoding\tverdict\tstep\nbeam\tok\tprices were mixed\nbeam+clause\tbad\tno one\n")
    assert bench.read_judged(path) == (["prices were mixed"], [False])
    assert bench.read_judged(path, "beam+clause") == (["no one"], [True])
    assert bench.read_judged(path, None) == (["prices were mixed", "no one"], [False, True])  # every decoding's rows
    for text, message in [("ok\tx\n", "header"), ("verdict\tstep\nfine\tx\n", "row 2"), ("verdict\tstep\nok\n", "row 2"),
                          ("decoding\tverdict\tstep\nok\tx\n", "row 2"), ("decoding\tverdict\tstep\nsample\tok\tx\n", "no rows")]:
        path.write_text(text)
        with pytest.raises(SystemExit, match=message):
            bench.read_judged(path)
    assert bench.parser_name("runs/parser-x-seed0/model") == "parser-x-seed0"


def test_sentence_vae_reports_from_records_when_the_runs_folder_is_outside_the_repository(tmp_path, monkeypatch,
                                                                                          capsys):
    """--reuse --available-only with an absolute --runs-dir outside the repository whose run
    folders are gone: the figures come from the committed records, the interpolations file is
    left as it is (said on stderr), and the results file is written (session 20 met a ValueError
    from Path.relative_to here, after the timed epoch)."""
    import json

    import textae.benchmarking

    bench = _sentence_vae_benchmark()
    repo = tmp_path / "repo"
    monkeypatch.setattr(bench, "REPO", repo)
    monkeypatch.setattr(bench, "RESULTS", repo / "results")
    monkeypatch.setattr(textae.benchmarking, "RESULTS", repo / "results")  # where write_result writes
    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=lambda *a, **k: pytest.fail("nothing may run")))
    runs = tmp_path / "elsewhere" / "h512"
    records = repo / "results" / "sentence_vae_runs" / "h512"
    test = {"nll": 100.5, "ppl": 98.0, "kl": 6.0, "mi": 4.1, "active_units": 32.0, "elbo_nll": 102.8,
            "recon_bleu": 2.1, "iw_samples": 500, "iw_autocast": "none"}
    for model, nll in (("sentence_vae", 100.5), ("lstm_lm", 100.6)):
        report = {"test": {**test, "nll": nll}, "config": {"hidden_size": 512, "embedding_size": 512, "vocab_size": 10002},
                  "epoch_seconds": 430.0, "epochs": 16, "output_dir": str(runs / f"{model}-seed0")}
        bench.save_record(records / f"{model}-seed0.json", report)
    monkeypatch.setattr(sys, "argv", ["sentence_vae.py", "--seeds", "0", "--reuse", "--available-only",
                                      "--runs-dir", str(runs), "--check-sentences", "0"])
    bench.main()
    metrics = json.loads((repo / "results" / "sentence_vae.json").read_text())["metrics"]
    assert metrics["vae_test_iw_nll"] == 100.5 and metrics["lm_test_nll"] == 100.6
    assert f"{runs / 'sentence_vae-seed0' / 'model'} is gone" in capsys.readouterr().err


def test_vae_epoch_reports_seconds_tokens_and_gflops_of_each_configuration(tmp_path, monkeypatch):
    import json

    bench = _benchmark("vae_epoch")
    asked = []

    def timed_epoch(runs_dir, flags):
        asked.append(flags)
        hidden = 512 if "512" in flags else 256
        return {"seconds": 100.0, "args": " ".join(flags), "hidden_size": hidden, "embedding_size": hidden,
                "vocab_size": 10002}

    monkeypatch.setattr(bench, "timed_epoch", timed_epoch)
    monkeypatch.setattr(bench, "matmul_peak_gflops", lambda: 102.0)
    monkeypatch.setattr("textae.benchmarking.RESULTS", tmp_path)
    bench.main(["--configs", "h256-fp32", "h512-bf16", "--name", "epoch", "--seeds", "0"])
    assert asked == [[*bench.BASE, "--device", "cpu", "--seed", "0"],
                     [*bench.BASE, *bench.H512, "--autocast", "bf16", "--device", "cpu", "--seed", "0"]]
    result = json.loads((tmp_path / "epoch.json").read_text())
    metrics = result["metrics"]
    assert metrics["epoch_seconds_h256_fp32"] == 100.0 and result["seeds"] == [0]
    assert metrics["train_tokens_per_second_h512_bf16"] == pytest.approx(9295.89)
    # 3 x tokens x (2 LSTMs x 8H(E+H) + 2HV) at H = E = 256, V = 10002, over 100 s
    gflops = 3 * 929_589 * (2 * 8 * 256 * 512 + 2 * 256 * 10002) / 1e11
    assert metrics["train_gflops_h256_fp32"] == pytest.approx(gflops)
    assert metrics["matmul_peak_gflops"] == 102.0 and metrics["peak_share_h256_fp32"] == pytest.approx(100 * gflops / 102)
    assert "--seed" not in metrics["args_h256_fp32"] and "epoch_seconds_h256_bf16" not in metrics
    with pytest.raises(SystemExit):
        bench.main(["--device", "tpu"])


def test_matmul_peak_is_the_best_of_the_sizes_timed(monkeypatch):
    bench = _benchmark("output_layer")
    monkeypatch.setattr(bench, "matmul_gflops", lambda size: 100.0 + size / 1024)
    assert bench.matmul_peak_gflops() == 102.0 and bench.matmul_peak_gflops((512,)) == 100.5


def test_vae_epoch_times_every_seed_and_reports_their_mean_and_spread(tmp_path, monkeypatch):
    import json

    bench = _benchmark("vae_epoch")
    seconds = {"0": 90.0, "1": 100.0, "2": 110.0}

    def timed_epoch(runs_dir, flags):
        return {"seconds": seconds[flags[flags.index("--seed") + 1]], "args": " ".join(flags), "hidden_size": 256,
                "embedding_size": 256, "vocab_size": 10002}

    monkeypatch.setattr(bench, "timed_epoch", timed_epoch)
    monkeypatch.setattr(bench, "matmul_peak_gflops", lambda: 100.0)
    monkeypatch.setattr("textae.benchmarking.RESULTS", tmp_path)
    bench.main(["--configs", "h256-fp32", "--name", "epoch"])  # seeds 0 1 2 by default
    result = json.loads((tmp_path / "epoch.json").read_text())
    metrics = result["metrics"]
    assert result["seeds"] == [0, 1, 2] and metrics["epoch_seconds_h256_fp32_per_seed"] == [90.0, 100.0, 110.0]
    assert metrics["epoch_seconds_h256_fp32"] == 100.0 and metrics["epoch_seconds_h256_fp32_std"] == pytest.approx(8.165, abs=1e-3)
    assert metrics["train_tokens_per_second_h256_fp32"] == pytest.approx(9295.89)  # at the mean epoch


def test_vae_epoch_counts_the_work_of_a_two_level_softmax(tmp_path, monkeypatch):
    """--softmax-shortlist S: every position scores S words and the rare class, the R positions
    with a rare target the other V - S words; the GFLOP/s reported are of that work."""
    import json

    bench = _benchmark("vae_epoch")

    def timed_epoch(runs_dir, flags):
        shortlist = int(flags[flags.index("--softmax-shortlist") + 1]) if "--softmax-shortlist" in flags else 0
        return {"seconds": 100.0, "args": " ".join(flags), "hidden_size": 256, "embedding_size": 256,
                "vocab_size": 10002, "softmax_shortlist": shortlist, "rare_tokens": 120_000 if shortlist else 0}

    monkeypatch.setattr(bench, "timed_epoch", timed_epoch)
    monkeypatch.setattr(bench, "matmul_peak_gflops", lambda: 100.0)
    monkeypatch.setattr("textae.benchmarking.RESULTS", tmp_path)
    bench.main(["--configs", "h256-fp32", "h256-fp32-shortlist", "--name", "epoch", "--seeds", "0"])
    metrics = json.loads((tmp_path / "epoch.json").read_text())["metrics"]
    lstm = 2 * 8 * 256 * 512
    assert metrics["train_gflops_h256_fp32"] == pytest.approx(3 * 929_589 * (lstm + 2 * 256 * 10002) / 1e11)
    assert metrics["train_gflops_h256_fp32_shortlist"] == pytest.approx(
        3 * (929_589 * (lstm + 2 * 256 * 2001) + 120_000 * 2 * 256 * 8002) / 1e11)
    assert "--softmax-shortlist" in metrics["args_h256_fp32_shortlist"]
    assert metrics["rare_tokens_h256_fp32_shortlist"] == 120_000 and "rare_tokens_h256_fp32" not in metrics


def test_output_layer_benchmark_checks_the_fused_gradients_and_writes_every_variant(tmp_path, monkeypatch):
    import json

    import torch

    bench = _benchmark("output_layer")
    monkeypatch.setattr("textae.benchmarking.RESULTS", tmp_path)
    bench.main(["--tokens", "9", "--hidden", "4", "--vocab", "11", "--blocks", "2", "9", "--rounds", "2", "--steps", "1",
                "--matmul-sizes", "8", "--shortlists", "6", "--name", "layer"])
    metrics = json.loads((tmp_path / "layer.json").read_text())["metrics"]
    assert metrics["max_grad_difference"] < 1e-5  # the fused gradients are the layer's own
    assert {"step_ms_current", "step_ms_fused_2", "step_ms_fused_9", "step_ms_two_level_6", "matmul_gflops_8"} <= set(metrics)
    assert len(metrics["step_ms_fused_2_rounds"]) == 2
    hidden = torch.randn(3, 4, requires_grad=True)
    weighted = bench.FusedOutputLayer.apply(hidden, torch.randn(5, 4), torch.zeros(5), torch.tensor([0, 1, 2]), 2)
    with pytest.raises(NotImplementedError, match="one incoming gradient"):  # only a summed loss is supported
        (weighted * torch.tensor([1.0, 2.0, 3.0])).sum().backward()


def test_sentence_vae_counts_the_training_tokens_a_shortlist_leaves_to_its_second_softmax(tmp_path, monkeypatch):
    from textae.sentences import build_sentence_vocab

    bench = _sentence_vae_benchmark()
    sentences = [["the", "cat", "sat"], ["the", "dog"], ["a", "cat", "ran", "off"]]
    vocab = build_sentence_vocab(sentences)  # ids by frequency after the 4 special tokens: cat, the, ...
    vocab.save(tmp_path / "vocab.json")
    monkeypatch.setattr("textae.corpora.ptb.load_ptb", lambda split, download=True: sentences)
    assert vocab.encode(["cat", "the"]) == [4, 5]
    assert bench.rare_train_tokens(tmp_path, 6) == 5  # sat, dog, a, ran, off (<eos> is never rare)
    assert bench.rare_train_tokens(tmp_path, 0) == 0


def test_shortlist_check_trains_both_softmaxes_and_reports_their_dev_figures(tmp_path, monkeypatch):
    import json

    bench = _benchmark("shortlist_check")
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr("textae.benchmarking.RESULTS", tmp_path / "results")
    ran = []

    def fake_run(command, **kwargs):
        ran.append(command[1:])
        output = tmp_path / command[command.index("--output-dir") + 1]
        shortlist = int(command[command.index("--softmax-shortlist") + 1])
        output.mkdir(parents=True)
        lines = [{"split": "dev", "epoch": epoch, "elbo_nll": 140.0 - epoch - shortlist / 1e4} for epoch in (1, 2)]
        (output / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
        (output / "test_report.json").write_text(json.dumps({"dev": {"nll": 135.0 + shortlist / 1e4}, "train_seconds": 9.0}))
        (output / "run_config.json").write_text(json.dumps({"model": {"vocab_size": 8715}}))

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    bench.main(["--runs-dir", "runs"])
    assert [command[command.index("--softmax-shortlist") + 1] for command in ran] == ["0", "2000"]
    assert all("--max-train-sentences" in command and "10000" in command for command in ran)
    metrics = json.loads((tmp_path / "results" / "shortlist_check.json").read_text())["metrics"]
    assert metrics["dev_elbo_epoch2_sl0"] == 138.0 and metrics["dev_elbo_epoch1_sl2000"] == pytest.approx(138.8)
    assert metrics["dev_iw_nll_sl2000"] == pytest.approx(135.2) and metrics["vocab_size_sl0"] == 8715
    bench.main(["--runs-dir", "runs", "--reuse"])  # both runs have their reports: nothing trained again
    assert len(ran) == 2


def test_shortlist_ptb_scores_each_seed_beside_the_full_softmax_runs(tmp_path, monkeypatch):
    import json

    bench = _benchmark("shortlist_ptb")
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr(bench, "matmul_peak_gflops", lambda: 20.48)
    monkeypatch.setattr("textae.benchmarking.RESULTS", tmp_path / "results")
    full = {f"vae_test_{name}{suffix}": 1.0 for name in bench.METRICS for suffix in ("", "_std")}
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / bench.FULL_SOFTMAX).write_text(json.dumps({"metrics": {**full, "iw_samples": 500}}))
    ran = []

    def fake_run(command, **kwargs):
        ran.append(command[1:])
        output = tmp_path / command[command.index("--output-dir") + 1]
        seed = int(command[command.index("--seed") + 1])
        output.mkdir(parents=True)
        lines = [{"split": "epoch", "epoch": epoch, "seconds": 200.0 + 10 * seed + epoch} for epoch in (1, 2, 3)]
        (output / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
        test = {"nll": 104.0 + seed, "ppl": 118.0, "elbo_nll": 107.0, "kl": 5.5, "mi": 3.5, "active_units": 32.0,
                "iw_samples": int(command[command.index("--iw-samples") + 1])}
        (output / "test_report.json").write_text(json.dumps({"test": test}))

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    bench.main(["--seeds", "0", "1", "--runs-dir", "runs"])
    assert all(command[command.index("--softmax-shortlist") + 1] == "2000" and "16" in command for command in ran)
    assert [command[command.index("--output-dir") + 1] for command in ran] == ["runs/sl2000-seed0", "runs/sl2000-seed1"]
    metrics = json.loads((tmp_path / "results" / "shortlist_ptb.json").read_text())["metrics"]
    assert metrics["vae_test_iw_nll"] == 104.5 and metrics["vae_test_iw_nll_per_seed"] == [104.0, 105.0]
    assert metrics["epoch_seconds"] == 207.0 and metrics["epoch_seconds_each"]["1"] == [211.0, 212.0, 213.0]
    assert metrics["matmul_peak_gflops"] == 20.48 and metrics["full_softmax_vae_test_kl"] == 1.0
    assert metrics["iw_samples"] == 50 and metrics["full_softmax_iw_samples"] == 500
    bench.main(["--seeds", "0", "1", "--runs-dir", "runs", "--reuse"])  # both runs have their reports
    assert len(ran) == 2
    with pytest.raises(SystemExit, match="scored with 50 importance samples"):
        bench.main(["--seeds", "0", "--runs-dir", "runs", "--reuse", "--iw-samples", "500"])


def test_boilerplate_filter_counts_each_judged_sentence_once_bad_if_any_reading_says_so(tmp_path):
    bench = _benchmark("boilerplate_filter")
    first, second = tmp_path / "a_judged.tsv", tmp_path / "b_judged.tsv"
    first.write_text("decoding\tverdict\tstep\nbeam\tok\tprices were mixed\nbeam+clause\tok\tprices were mixed\n"
                     "beam\tbad\tcall money N\n")
    second.write_text("# another reading\nverdict\tstep\nbad\tprices were mixed\nok\tbonds rose\n")
    assert bench.judged_sentences([first]) == {"prices were mixed": False, "call money N": True}
    assert bench.judged_sentences([first, second]) == {"prices were mixed": True, "call money N": True,
                                                       "bonds rose": False}


def _prose_vae_in(tmp_path, monkeypatch):
    """benchmarks/prose_vae.py with its repository, results and shortlist_ptb.py records under tmp_path."""
    bench = _benchmark("prose_vae")
    monkeypatch.setattr(bench, "REPO", tmp_path)
    results = tmp_path / "benchmarks" / "results"
    monkeypatch.setattr(bench, "RESULTS", results)
    monkeypatch.setattr("textae.benchmarking.RESULTS", results)
    monkeypatch.setattr(bench, "RECORDS", results / "sentence_vae_runs" / "shortlist-ptb")

    def pairs(count, first):  # 600 pairs in all
        if first >= 600:
            raise ValueError(f"no interpolation pair from pair {first + 1}")
        return [None] * min(count, 600 - first)

    monkeypatch.setattr(bench, "interpolation_pairs", pairs)
    return bench, results


def test_prose_vae_filters_once_trains_each_seed_and_counts_the_judged_interpolations(tmp_path, monkeypatch):
    import json

    bench, results = _prose_vae_in(tmp_path, monkeypatch)
    ran, written = [], []

    def finished_run(folder, seed, vocab_size, shift):
        folder.mkdir(parents=True)
        test = {"nll": 104.0 + seed + shift, "ppl": 118.0, "elbo_nll": 107.0 + shift, "kl": 5.5, "mi": 3.5,
                "active_units": 32.0, "iw_samples": 50}
        (folder / "test_report.json").write_text(json.dumps({"test": test}))
        (folder / "run_config.json").write_text(json.dumps({"model": {"vocab_size": vocab_size}}))

    for seed in (0, 1):
        finished_run(bench.RECORDS / f"sl2000-seed{seed}", seed, 10002, 0.0)

    def fake_run(command, **kwargs):
        ran.append(command[1:])
        if command[1].endswith("filter_text.py"):
            folder = tmp_path / "runs"
            folder.mkdir(parents=True)
            (folder / "ptb.train.sentences.txt").write_text("a sentence\n")
            counts = {"lines": 10, "kept": 8, "refused_as_boilerplate": 1, "refused_as_not_a_sentence": 1}
            (folder / "ptb.train.filter.json").write_text(json.dumps({"counts": counts}))
            return
        assert command[command.index("--train-file") + 1] == "runs/ptb.train.sentences.txt"
        finished_run(tmp_path / command[command.index("--output-dir") + 1], int(command[command.index("--seed") + 1]),
                     9950, 2.0)

    def fake_interpolations(model_dir, lm_dir, clause_parser, path, first_pair, boilerplate, borrow, greedy_first=False,
                            acceptability=None, acceptability_threshold=None, no_repeat_ngram=0):
        assert not borrow
        assert clause_parser == "PARSER" and first_pair in (110, 120) and boilerplate.endswith("ptb.train.txt")
        written.append((model_dir.parent.name, path))
        (tmp_path / path).write_text("steps\n")

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    monkeypatch.setattr(bench, "write_interpolations", fake_interpolations)
    monkeypatch.setattr(bench, "ensure_corpus", lambda spec: tmp_path / "data" / "ptb")
    results.mkdir(parents=True, exist_ok=True)
    (results / "prose_vae_interpolations_prose_seed1_pairs111_judged.tsv").write_text(
        "# a reader's verdicts\nverdict\tstep\nok\tthe company said\nbad\tprime rate N N\nok\tstocks fell\n")
    bench.main(["--seeds", "0", "1", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full",
                "--interpolation-seed", "1", "--pairs-from", "110", "120"])
    assert [command[0].split("/")[-1] for command in ran] == ["filter_text.py", "train_vae.py", "train_vae.py"]
    assert written == [("sentence_vae-seed1", "benchmarks/results/prose_vae_interpolations_prose_seed1_pairs111.txt"),
                       ("sl2000-seed1", "benchmarks/results/prose_vae_interpolations_full_seed1_pairs111.txt"),
                       ("sentence_vae-seed1", "benchmarks/results/prose_vae_interpolations_prose_seed1_pairs121.txt"),
                       ("sl2000-seed1", "benchmarks/results/prose_vae_interpolations_full_seed1_pairs121.txt")]
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    assert metrics["filter_kept"] == 8 and metrics["filter_kept_percent"] == 80.0
    assert metrics["vae_test_iw_nll_per_seed"] == [106.0, 107.0] and metrics["full_text_vae_test_elbo_nll"] == 107.0
    assert metrics["vocab_size_per_seed"] == [9950, 9950] and metrics["full_text_vocab_size_per_seed"] == [10002, 10002]
    assert metrics["interpolations_judged"] == {"prose_vae_interpolations_prose_seed1_pairs111": {"steps": 3,
                                                                                               "judged_bad": 1}}
    assert metrics["interpolation_bad_steps_prose"] == 1 and metrics["interpolation_steps_prose"] == 3
    assert metrics["interpolation_bad_steps_full"] == 0 and metrics["interpolation_steps_full"] == 0
    bench.main(["--seeds", "0", "1", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--interpolation-seed", "1", "--pairs-from", "110", "120"])
    assert len(ran) == 3 and len(written) == 4  # filtered text, runs and interpolation files all kept
    with pytest.raises(SystemExit):
        bench.main(["--seeds", "0", "--parser", "PARSER", "--interpolation-seed", "2"])


def test_prose_vae_with_lm_trains_one_lm_per_text_and_reranks_with_the_matching_one(tmp_path, monkeypatch):
    import json

    bench, results = _prose_vae_in(tmp_path, monkeypatch)
    ran, written, borrowed = [], [], []
    test = {"nll": 105.0, "ppl": 120.0, "elbo_nll": 107.0, "kl": 5.5, "mi": 3.5, "active_units": 32.0, "iw_samples": 50}
    for folder in (bench.RECORDS / "sl2000-seed2", tmp_path / "runs" / "sentence_vae-seed2"):
        folder.mkdir(parents=True)
        (folder / "test_report.json").write_text(json.dumps({"test": test}))
        (folder / "run_config.json").write_text(json.dumps({"model": {"vocab_size": 9970}}))
    (tmp_path / "runs" / "ptb.train.sentences.txt").write_text("a sentence\n")
    counts = {"lines": 10, "kept": 8, "refused_as_boilerplate": 1, "refused_as_not_a_sentence": 1}
    (tmp_path / "runs" / "ptb.train.filter.json").write_text(json.dumps({"counts": counts}))

    def fake_run(command, **kwargs):
        ran.append(command[1:])
        assert command[command.index("--model") + 1] == "lstm_lm"
        folder = tmp_path / command[command.index("--output-dir") + 1]
        folder.mkdir(parents=True)
        prose = "--train-file" in command
        (folder / "test_report.json").write_text(json.dumps({"test": {"nll": 104.0 if prose else 103.0, "ppl": 110.0}}))

    def fake_interpolations(model_dir, lm_dir, clause_parser, path, first_pair, boilerplate, borrow, greedy_first=False,
                            acceptability=None, acceptability_threshold=None, no_repeat_ngram=0):
        written.append((model_dir.parent.name, lm_dir.parent.name, path))
        borrowed.append(borrow)
        (tmp_path / path).write_text("steps\n")

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    monkeypatch.setattr(bench, "write_interpolations", fake_interpolations)
    monkeypatch.setattr(bench, "ensure_corpus", lambda spec: tmp_path / "data" / "ptb")
    asked = []  # the clause judge of the pairs' ends: a line with a number is no sentence
    monkeypatch.setattr(bench, "endpoint_judge", lambda parser: lambda ends: asked.append((parser, ends)) or [
        "N" not in end.split() for end in ends])
    for name, rows in (("prose_seed2_pairs111", "ok\tx\nbad\ty\n"), ("prose_lm_seed2_pairs141", "bad\tx\nok\tz\nbad\tx\n"),
                       ("full_lm_seed2_pairs141", "ok\tx\n"), ("full_lm_seed1_pairs141", "bad\tx\n"),
                       ("full_lm_oldjudge_seed2_pairs141", "bad\tx\nbad\ty\n")):
        (results / f"prose_vae_interpolations_{name}_judged.tsv").write_text(f"verdict\tstep\n{rows}")
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "140"])
    assert [command[command.index("--output-dir") + 1] for command in ran] == ["runs/lstm_lm-seed2",
                                                                               "runs/full-text-lstm_lm-seed2"]
    assert ran[0][ran[0].index("--train-file") + 1] == "runs/ptb.train.sentences.txt" and "--train-file" not in ran[1]
    assert written == [("sentence_vae-seed2", "lstm_lm-seed2",
                        "benchmarks/results/prose_vae_interpolations_prose_lm_seed2_pairs141.txt"),
                       ("sl2000-seed2", "full-text-lstm_lm-seed2",
                        "benchmarks/results/prose_vae_interpolations_full_lm_seed2_pairs141.txt")]
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    assert metrics["lm_test_nll"] == 104.0 and metrics["full_text_lm_test_nll"] == 103.0
    # the judged files of seed 2, with the LM and without; seed 1's is not counted
    assert (metrics["interpolation_bad_steps_prose_lm"], metrics["interpolation_steps_prose_lm"]) == (2, 3)
    assert (metrics["interpolation_bad_steps_full_lm"], metrics["interpolation_steps_full_lm"]) == (0, 1)
    assert metrics["interpolation_repeated_bad_steps_prose_lm"] == {"x": 2}  # one sentence judged bad twice
    assert metrics["interpolation_repeated_bad_steps_prose"] == {}  # y and x once each
    assert (metrics["interpolation_bad_steps_prose"], metrics["interpolation_steps_prose"]) == (1, 2)
    assert metrics["interpolation_steps_full"] == 0 and len(metrics["interpolations_judged"]) == 4
    # another decoding's files, named by it, are counted under that name and not under full_lm
    assert (metrics["interpolation_bad_steps_full_lm_oldjudge"], metrics["interpolation_steps_full_lm_oldjudge"]) == (2, 2)
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "140"])
    assert len(ran) == 2 and len(written) == 2  # LMs and interpolation files kept
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "170", "--interpolate", "full"])
    assert written[2:] == [("sl2000-seed2", "full-text-lstm_lm-seed2",  # the whole-text model's alone
                            "benchmarks/results/prose_vae_interpolations_full_lm_seed2_pairs171.txt")]
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "170", "--interpolate", "full", "--borrow-accepted"])
    assert written[3:] == [("sl2000-seed2", "full-text-lstm_lm-seed2",  # borrowing: a file of its own
                            "benchmarks/results/prose_vae_interpolations_full_lm_borrow_seed2_pairs171.txt")]
    assert borrowed == [False, False, False, True]
    decoded = results / "prose_vae_interpolations_full_lm_borrow_seed2_pairs171.txt"  # two decodings; one step lent
    decoded.write_text("# decoding: beam\nfrom: a\nto:   b\n  0  x\n  1  if y\n\n"
                       "# decoding: beam --borrow-accepted\nfrom: a\nto:   b\n  0  x\n  1  x\n")
    (results / "prose_vae_interpolations_full_lm_borrow_seed2_pairs171_judged.tsv").write_text("verdict\tstep\nok\tx\nok\tx\n")
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "170", "--interpolate", "full", "--borrow-accepted"])
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    assert metrics["interpolations_judged"]["prose_vae_interpolations_full_lm_borrow_seed2_pairs171"] == {
        "steps": 2, "judged_bad": 0, "borrowed_steps": 1, "sentence_pairs": 1, "sentence_pair_steps": 2,
        "sentence_pair_bad_steps": 0, "end_word_share": 0.0, "end_word_share_by_decoding": [0.0, 0.0]}
    assert metrics["interpolation_borrowed_steps_full_lm_borrow"] == 1 and metrics["interpolation_steps_full_lm_borrow"] == 2
    assert "interpolation_borrowed_steps_full_lm" not in metrics
    # the pairs whose two ends the clause judge reads as sentences: a table line's pair is left out
    pairs = "from: prices rose\nto:   prices fell\n  0  x\n  1  y\nfrom: prices fell\nto:   N N to N\n  0  z\n"
    decoded.write_text(f"# decoding: beam\n{pairs}\n# decoding: beam --borrow-accepted\n{pairs}")
    (results / "prose_vae_interpolations_full_lm_borrow_seed2_pairs171_judged.tsv").write_text(
        "verdict\tstep\nok\tx\nbad\ty\nbad\tz\n")
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "170", "--interpolate", "full", "--borrow-accepted"])
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    counts = metrics["interpolations_judged"]["prose_vae_interpolations_full_lm_borrow_seed2_pairs171"]
    assert (counts["sentence_pairs"], counts["sentence_pair_steps"], counts["sentence_pair_bad_steps"]) == (1, 2, 1)
    assert (metrics["interpolation_bad_steps_full_lm_borrow_sentence_pairs"],
            metrics["interpolation_steps_full_lm_borrow_sentence_pairs"]) == (1, 2)
    assert asked[-1] == ("PARSER", ["N N to N", "prices fell", "prices rose"])  # each end judged once
    # how much of each decoding's steps is built from the ends' words, in the file's order (greedy first)
    decoded.write_text(f"# decoding: greedy\n{pairs.replace('  0  x', '  0  prices rose')}\n"
                       f"# decoding: beam --borrow-accepted\n{pairs}")
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "170", "--interpolate", "full", "--borrow-accepted"])
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    counts = metrics["interpolations_judged"]["prose_vae_interpolations_full_lm_borrow_seed2_pairs171"]
    assert counts["end_word_share_by_decoding"] == [round(100 / 3, 2), 0.0] and counts["end_word_share"] == 0.0
    assert metrics["interpolation_end_word_share_by_decoding_full_lm_borrow"] == [round(100 / 3, 2), 0.0]


def test_blind_judging_pools_distinct_steps_and_maps_the_verdicts_back_in_each_file_s_order(tmp_path):
    from textae.benchmarking import read_judged

    bench = _benchmark("blind_judging")

    def interpolation_file(name, steps):
        body = "\n".join(f"  {i}  {step}" for i, step in enumerate(steps))
        path = tmp_path / f"{name}.txt"
        path.write_text(f"# model: x\n\n# decoding: greedy\nfrom: a\nto:   b\n  0  old\n\n# decoding: beam\nfrom: a\nto:   b\n"
                        f"{body}\n", encoding="utf-8")
        return path

    first = interpolation_file("first", ["prices rose", "the dollar fell", "prices rose"])
    second = interpolation_file("second", ["prime rate N N", "the dollar fell"])
    pooled = tmp_path / "steps.tsv"
    assert bench.main(["pool", str(first), str(second), "--out", str(pooled)]) == 0
    rows = pooled.read_text().splitlines()
    assert sorted(rows) == ["?\tprices rose", "?\tprime rate N N", "?\tthe dollar fell"]  # "old" is not the last decoding
    verdicts = {"prime rate N N": "bad"}
    pooled.write_text("".join(f"{verdicts.get(row[2:], 'ok')}\t{row[2:]}\n" for row in rows))
    assert bench.main(["map", str(pooled), str(first), str(second), "--comment", "one reader, blind"]) == 0
    judged = tmp_path / "second_judged.tsv"
    assert judged.read_text().startswith("# one reader, blind\nverdict\tstep\n")
    assert read_judged(judged, decoding=None) == (["prime rate N N", "the dollar fell"], [True, False])
    assert read_judged(tmp_path / "first_judged.tsv", decoding=None)[1] == [False, False, False]
    pooled.write_text("?\tprices rose\n")
    with pytest.raises(SystemExit, match="the verdict must be ok or bad"):
        bench.main(["map", str(pooled), str(first)])
    pooled.write_text("ok\tprices rose\n")
    with pytest.raises(SystemExit, match="no verdict for 'the dollar fell'"):
        bench.main(["map", str(pooled), str(first)])
    # another decoding of the same pairs: the steps second_judged.tsv judged keep their verdicts, the new one is left
    third = interpolation_file("third", ["prime rate N N", "bonds rallied"])
    again = tmp_path / "again.tsv"
    assert bench.main(["pool", str(third), "--out", str(again), "--known", str(judged)]) == 0
    assert sorted(again.read_text().splitlines()) == ["?\tbonds rallied", "bad\tprime rate N N"]
    with pytest.raises(SystemExit, match="cannot read verdicts from .*missing_judged.tsv"):
        bench.main(["pool", str(third), "--out", str(again), "--known", str(tmp_path / "missing_judged.tsv")])


def test_blind_judging_reads_any_decoding_of_a_file_by_its_index(tmp_path):
    bench = _benchmark("blind_judging")
    path = tmp_path / "x.txt"
    path.write_text("# decoding: greedy\nfrom: a\nto:   b\n  0  one\n\n# decoding: beam\nfrom: a\nto:   b\n  0  two\n")
    assert bench.decoding_steps(path, 0) == bench.decoding_steps(path, -2) == ["one"]
    assert bench.decoding_steps(path, -1) == bench.last_decoding_steps(path) == ["two"]
    with pytest.raises(SystemExit, match="has 2 '# decoding:' sections, not -3"):
        bench.decoding_steps(path, -3)


def test_prose_vae_decodes_with_a_512_unit_model_beside_and_reports_both_dev_elbos(tmp_path, monkeypatch, capsys):
    import json

    bench, results = _prose_vae_in(tmp_path, monkeypatch)
    ran, written, greedy, classifiers, repeats = [], [], [], [], []
    test = {"nll": 105.0, "ppl": 120.0, "elbo_nll": 107.0, "kl": 5.5, "mi": 3.5, "active_units": 32.0, "iw_samples": 50}
    dev = '{"split": "train", "elbo_nll": 90.0}\n{"split": "dev", "elbo_nll": 108.5}\n{"split": "dev", "elbo_nll": 106.3}\n'
    for folder in (bench.RECORDS / "sl2000-seed2", tmp_path / "runs" / "sentence_vae-seed2"):
        folder.mkdir(parents=True)
        (folder / "test_report.json").write_text(json.dumps({"test": test}))
        (folder / "run_config.json").write_text(json.dumps({"model": {"vocab_size": 10002}}))
        (folder / "metrics.jsonl").write_text(dev)
    (tmp_path / "runs" / "ptb.train.sentences.txt").write_text("a sentence\n")
    counts = {"lines": 10, "kept": 8, "refused_as_boilerplate": 1, "refused_as_not_a_sentence": 1}
    (tmp_path / "runs" / "ptb.train.filter.json").write_text(json.dumps({"counts": counts}))

    def fake_run(command, **kwargs):
        ran.append(command[1:])
        folder = tmp_path / command[command.index("--output-dir") + 1]
        if "--eval-only" in command:  # the 512-unit run scored on test after training
            assert command[command.index("--iw-samples") + 1] == "50" and command[command.index("--eval-splits") + 1] == "test"
            report = json.loads((folder / "test_report.json").read_text())
            (folder / "test_report.json").write_text(json.dumps({**report, "test": {**test, "nll": 102.5}}))
        elif "--ptb-512" in command:
            folder.mkdir(parents=True)
            (folder / "run_config.json").write_text("{}")
            (folder / "test_report.json").write_text(json.dumps({"steps": 10}))  # no test split scored
            (folder / "metrics.jsonl").write_text('{"split": "dev", "elbo_nll": 105.0}\n{"split": "dev", "elbo_nll": 104.2}\n')
        else:
            folder.mkdir(parents=True)
            (folder / "test_report.json").write_text(json.dumps({"test": {"nll": 103.0, "ppl": 110.0}}))

    def fake_interpolations(model_dir, lm_dir, clause_parser, path, first_pair, boilerplate, borrow, greedy_first=False,
                            acceptability=None, acceptability_threshold=None, no_repeat_ngram=0):
        written.append((model_dir.parent.name, lm_dir.parent.name, path))
        greedy.append(greedy_first)
        classifiers.append((acceptability, acceptability_threshold))
        repeats.append(no_repeat_ngram)
        (tmp_path / path).write_text(2 * "# decoding: beam\nfrom: prices rose\nto:   prices fell\n  0  x\n")

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    monkeypatch.setattr(bench, "write_interpolations", fake_interpolations)
    monkeypatch.setattr(bench, "ensure_corpus", lambda spec: tmp_path / "data" / "ptb")
    monkeypatch.setattr(bench, "endpoint_judge", lambda parser: lambda ends: [True] * len(ends))
    arguments = ["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                 "--lm", "--pairs-from", "290", "--interpolate", "full", "full512", "--borrow-accepted",
                 "--full-512-runs-dir", "runs512"]
    bench.main(arguments)
    big = [command for command in ran if "--ptb-512" in command and "--eval-only" not in command]
    assert len(big) == 1 and big[0][big[0].index("--max-epochs") + 1] == "10"
    scored = [command for command in ran if "--eval-only" in command]
    assert len(scored) == 1 and scored[0][scored[0].index("--output-dir") + 1] == "runs512/ptb512-e10-seed2"
    assert big[0][big[0].index("--output-dir") + 1] == "runs512/ptb512-e10-seed2"
    assert big[0][big[0].index("--seed") + 1] == "2"
    # the same pairs, the same whole-text LM, a file named by the model
    assert [entry[:2] for entry in written] == [("sl2000-seed2", "full-text-lstm_lm-seed2"),
                                               ("ptb512-e10-seed2", "full-text-lstm_lm-seed2")]
    assert [entry[2].rsplit("/", 1)[1] for entry in written] == [
        "prose_vae_interpolations_full_lm_borrow_seed2_pairs291.txt",
        "prose_vae_interpolations_full512_lm_borrow_seed2_pairs291.txt"]
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    assert metrics["full512_dev_elbo_nll"] == 104.2 and metrics["full_text_dev_elbo_nll"] == 106.3  # the best of each
    assert metrics["full512_test_iw_nll"] == 102.5 and metrics["full512_test_kl"] == 5.5
    kept = results / "sentence_vae_runs" / "cpu-ptb512" / "ptb512-e10-seed2"
    assert sorted(path.name for path in kept.iterdir()) == ["metrics.jsonl", "run_config.json", "test_report.json"]
    (results / "prose_vae_interpolations_full512_lm_borrow_seed2_pairs291_judged.tsv").write_text("verdict\tstep\nok\tx\n")
    (results / "prose_vae_interpolations_full_lm_borrow_seed2_pairs291_judged.tsv").write_text("verdict\tstep\nbad\ty\n")
    bench.main(arguments)
    assert len(ran) == 4 and len(written) == 2  # run, its scoring and files kept
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    assert metrics["interpolations_compared"]["full512_lm_borrow_vs_full_lm_borrow"]["bad_steps"] == {
        "full512_lm_borrow": 0, "full_lm_borrow": 1}
    bench.main([*arguments, "--greedy-first"])  # one decoding more, files of their own
    assert [entry[2].rsplit("/", 1)[1] for entry in written[2:]] == [
        "prose_vae_interpolations_full_lm_borrow_greedy_seed2_pairs291.txt",
        "prose_vae_interpolations_full512_lm_borrow_greedy_seed2_pairs291.txt"]
    assert greedy == [False, False, True, True]
    (results / "prose_vae_interpolations_full512_lm_borrow_greedy_seed2_pairs291.txt").write_text(
        "# decoding: beam\nfrom: prices rose\nto:   prices fell\n  0  x\n"
        "# decoding: beam --greedy-first\nfrom: prices rose\nto:   prices fell\n  0  prices fell\n")
    (results / "prose_vae_interpolations_full512_lm_borrow_greedy_seed2_pairs291_judged.tsv").write_text(
        "verdict\tstep\nok\tprices fell\n")
    bench.main([*arguments, "--greedy-first"])
    counts = json.loads((results / "prose_vae.json").read_text())["metrics"]["interpolations_judged"]
    assert counts["prose_vae_interpolations_full512_lm_borrow_greedy_seed2_pairs291"]["greedy_steps"] == 1
    assert "borrowed_steps" not in counts["prose_vae_interpolations_full512_lm_borrow_greedy_seed2_pairs291"]
    assert counts["prose_vae_interpolations_full512_lm_borrow_greedy_seed2_pairs291"]["end_word_share_by_decoding"] == [
        0.0, 100.0]
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "300", "--interpolate", "full512", "--borrow-accepted",
                "--full-512-runs-dir", "runs512"])  # --interpolate full512: the 512-unit model's files alone
    assert [entry[:1] + (entry[2].rsplit("/", 1)[1],) for entry in written[4:]] == [
        ("ptb512-e10-seed2", "prose_vae_interpolations_full512_lm_borrow_seed2_pairs301.txt")]
    # --acceptability-model: one decoding more with the classifier, files named _accept_, the steps it changed
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "300", "--interpolate", "full512", "--borrow-accepted",
                "--full-512-runs-dir", "runs512", "--acceptability-model", "CLASSIFIER", "--acceptability-threshold",
                "0.4"])
    assert written[5][2].rsplit("/", 1)[1] == "prose_vae_interpolations_full512_lm_borrow_accept_seed2_pairs301.txt"
    assert classifiers[-1] == ("CLASSIFIER", 0.4) and set(classifiers[:-1]) == {(None, None)}
    (results / "prose_vae_interpolations_full512_lm_borrow_accept_seed2_pairs301.txt").write_text(
        "# decoding: beam\nfrom: prices rose\nto:   prices fell\n  0  x y\n  1  x\n"
        "# decoding: beam --acceptability-model C\nfrom: prices rose\nto:   prices fell\n  0  prices fell\n  1  x\n")
    (results / "prose_vae_interpolations_full512_lm_borrow_accept_seed2_pairs301_judged.tsv").write_text(
        "verdict\tstep\nok\tprices fell\nbad\tx\n")
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "300", "--interpolate", "full512", "--borrow-accepted",
                "--full-512-runs-dir", "runs512", "--acceptability-model", "CLASSIFIER"])
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    counts = metrics["interpolations_judged"]["prose_vae_interpolations_full512_lm_borrow_accept_seed2_pairs301"]
    assert counts["accepted_steps"] == 1 and "borrowed_steps" not in counts and counts["judged_bad"] == 1
    assert metrics["interpolation_accepted_steps_full512_lm_borrow_accept"] == 1
    # --no-repeat-ngram: one decoding more with the ban, files named _norepeat<N>_, the steps it changed
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "300", "--interpolate", "full512", "--borrow-accepted",
                "--full-512-runs-dir", "runs512", "--no-repeat-ngram", "4"])
    assert written[-1][2].rsplit("/", 1)[1] == "prose_vae_interpolations_full512_lm_borrow_norepeat4_seed2_pairs301.txt"
    assert repeats[-1] == 4 and set(repeats[:-1]) == {0}
    (results / "prose_vae_interpolations_full512_lm_borrow_norepeat4_seed2_pairs301_judged.tsv").write_text(
        "verdict\tstep\nok\tprices rose\n")
    (results / "prose_vae_interpolations_full512_lm_borrow_norepeat4_seed2_pairs301.txt").write_text(
        "# decoding: beam\nfrom: a b\nto:   c d\n  0  x x\n# decoding: beam --no-repeat-ngram 4\nfrom: a b\nto:   c d\n"
        "  0  prices rose\n")
    bench.main(["--seeds", "2", "--parser", "PARSER", "--runs-dir", "runs", "--full-runs-dir", "full", "--reuse",
                "--lm", "--pairs-from", "300", "--interpolate", "full512", "--borrow-accepted",
                "--full-512-runs-dir", "runs512", "--no-repeat-ngram", "4"])
    metrics = json.loads((results / "prose_vae.json").read_text())["metrics"]
    assert metrics["interpolation_norepeat_steps_full512_lm_borrow_norepeat4"] == 1
    with pytest.raises(SystemExit):
        bench.main([*arguments, "--no-repeat-ngram", "-1"])
    assert "--no-repeat-ngram must be 0 (off) or more, got -1" in capsys.readouterr().err
    (tmp_path / "runs512" / "ptb512-e10-seed2" / "metrics.jsonl").write_text('{"split": "train", "elbo_nll": 1.0}\n')
    with pytest.raises(SystemExit, match="no dev evaluation"):
        bench.main(arguments)
    with pytest.raises(SystemExit):  # the 512-unit model named without its folder
        bench.main(["--seeds", "2", "--parser", "PARSER", "--interpolate", "full512"])
    with pytest.raises(SystemExit):  # a threshold without its classifier
        bench.main(["--seeds", "2", "--parser", "PARSER", "--acceptability-threshold", "0.4"])
    with pytest.raises(SystemExit):  # pairs past the last, before anything is decoded
        bench.main([*arguments, "--pairs-from", "300", "600"])
    assert "--pairs-from 600: no interpolation pair from pair 601" in capsys.readouterr().err


def test_prose_vae_end_word_share_is_the_mean_share_of_a_steps_words_found_in_its_ends():
    bench = _benchmark("prose_vae")
    pairs = [("prices rose", "bonds fell", 2), ("a b", "c", 1)]
    # step 1: 2 of 2 words in the ends; step 2: 1 of 4; step 3 (the second pair): none
    assert bench.end_word_share(pairs, ["bonds rose", "the company said prices", "prices"]) == round(125 / 3, 2)
    assert bench.end_word_share(pairs, ["", "prices fell", "c a"]) == round(200 / 3, 2)  # an empty step counts 0
    assert bench.end_word_share([], []) == 0.0


def test_prose_vae_compares_two_variants_over_the_pairs_both_were_judged_on():
    bench = _benchmark("prose_vae")
    judged = {
        "prose_vae_interpolations_full_lm_seed2_pairs171": {"steps": 80, "judged_bad": 14},
        "prose_vae_interpolations_full_lm_seed2_pairs201": {"steps": 80, "judged_bad": 9, "sentence_pairs": 8,
                                                            "sentence_pair_steps": 64, "sentence_pair_bad_steps": 5},
        "prose_vae_interpolations_full_lm_s27judge_seed2_pairs171": {"steps": 80, "judged_bad": 17},
        "prose_vae_interpolations_full_lm_borrow_seed2_pairs201": {"steps": 80, "judged_bad": 4, "sentence_pairs": 8,
                                                                   "sentence_pair_steps": 64,
                                                                   "sentence_pair_bad_steps": 2},
        "prose_vae_interpolations_full512_lm_borrow_seed2_pairs291": {"steps": 80, "judged_bad": 3, "end_word_share": 40.0},
        "prose_vae_interpolations_full_lm_borrow_seed2_pairs291": {"steps": 80, "judged_bad": 5, "end_word_share": 20.0},
        "prose_vae_interpolations_full_lm_borrow_seed2_pairs211": {"steps": 80, "judged_bad": 13},
    }
    assert bench.compared(judged) == {
        "full512_lm_borrow_vs_full_lm_borrow": {"pairs": [291], "steps": 80,
                                                "bad_steps": {"full512_lm_borrow": 3, "full_lm_borrow": 5},
                                                "end_word_share": {"full512_lm_borrow": 40.0, "full_lm_borrow": 20.0}},
        "full_lm_vs_full_lm_borrow": {"pairs": [201], "steps": 80, "bad_steps": {"full_lm": 9, "full_lm_borrow": 4},
                                      "sentence_pair_steps": 64,
                                      "sentence_pair_bad_steps": {"full_lm": 5, "full_lm_borrow": 2}},
        "full_lm_vs_full_lm_s27judge": {"pairs": [171], "steps": 80,
                                        "bad_steps": {"full_lm": 14, "full_lm_s27judge": 17}},
    }


def test_acceptability_benchmark_trains_each_seed_and_counts_the_judged_steps_it_rejects(tmp_path, monkeypatch):
    import torch

    import textae.benchmarking
    from textae.models.acceptability import AcceptabilityClassifier, AcceptabilityConfig
    from textae.vocab import Vocab

    bench = _benchmark("acceptability")
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results")  # the runs' records
    monkeypatch.setattr(textae.benchmarking, "RESULTS", tmp_path / "results")  # where write_result writes
    words = ["prices", "rose", "fell", "bonds"]
    vocab = Vocab(words, specials=("<pad>", "<unk>", "<bos>", "<eos>"))
    dev = [["prices", "rose"], ["bonds", "fell"], ["prices", "fell"], ["bonds", "rose"]]
    monkeypatch.setattr(bench, "load_ptb", lambda split: dev)
    judged = tmp_path / "a_judged.tsv"
    judged.write_text("verdict\tstep\nbad\tprices prices\nok\tprices rose\nok\tbonds fell\nbad\tzzyzx\n")
    ran = []

    def fake_run(command, cwd, check):  # a "training": a tiny classifier and its report
        ran.append(command)
        folder = tmp_path / command[command.index("--output-dir") + 1]
        torch.manual_seed(int(command[command.index("--seed") + 1]))
        model = AcceptabilityClassifier(AcceptabilityConfig(vocab_size=len(vocab), embedding_size=3, hidden_size=3))
        probabilities = model.probabilities([vocab.encode(line) for line in dev])
        threshold = sorted(probabilities)[1]
        model.config = AcceptabilityConfig(vocab_size=len(vocab), embedding_size=3, hidden_size=3, threshold=threshold)
        model.save_pretrained(folder / "model", vocab)
        split = {"accuracy": 50.0, "real_accepted": 75.0, "broken_rejected": 40.0, "broken_rejected_truncate": 30.0,
                 "real": 4, "broken": 4}
        (folder / "test_report.json").write_text(json.dumps({"threshold": threshold, "train_seconds": 1.0,
                                                             "dev": split, "test": split}))

    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run))
    bench.main(["--lm", "LM", "--runs-dir", "runs", "--seeds", "0", "1", "--judged", str(judged)])
    assert len(ran) == 2 and ran[0][ran[0].index("--init-from-lm") + 1] == "LM" and "--overwrite" in ran[0]
    metrics = json.loads((tmp_path / "results" / "acceptability.json").read_text())["metrics"]
    assert (tmp_path / "results" / "acceptability_runs" / "ptb-lm-seed1" / "test_report.json").is_file()
    assert metrics["judged_bad"] == 2 and metrics["judged_ok"] == 2
    assert metrics["test_accuracy"] == 50.0 and metrics["test_broken_rejected_truncate_per_seed"] == [30.0, 30.0]
    # recount seed 1 by hand: the steps under its threshold
    model = AcceptabilityClassifier.from_pretrained(tmp_path / "runs" / "ptb-lm-seed1" / "model")
    steps = [["prices", "prices"], ["prices", "rose"], ["bonds", "fell"], ["zzyzx"]]
    below = [p < model.config.threshold for p in model.probabilities([vocab.encode(step) for step in steps])]
    assert metrics["judged_bad_rejected_per_seed"][1] == below[0] + below[3]
    assert metrics["judged_ok_rejected_per_seed"][1] == below[1] + below[2]
    assert metrics["judged_bad_rejected_at_dev_share_97_per_seed"][1] <= 2
    assert metrics["threshold_at_dev_share_90_per_seed"][0] >= metrics["threshold_at_dev_share_97_per_seed"][0] > 0
    bench.main(["--lm", "LM", "--runs-dir", "runs", "--seeds", "0", "--judged", str(judged), "--reuse"])
    assert len(ran) == 2  # the run with a report is read, not trained again
    with pytest.raises(SystemExit, match="no judged file"):
        bench.main(["--lm", "LM", "--judged", str(tmp_path / "none*.tsv")])
    (tmp_path / "b_accept_judged.tsv").write_text("verdict\tstep\nok\tprices rose\n")  # decoded with it: left out
    bench.main(["--lm", "LM", "--runs-dir", "runs", "--seeds", "0", "--reuse", "--judged", str(tmp_path / "*_judged.tsv")])
    metrics = json.loads((tmp_path / "results" / "acceptability.json").read_text())["metrics"]
    assert metrics["judged_bad"] == 2 and metrics["judged_ok"] == 2


def test_acceptability_judged_benchmark_holds_out_the_newest_files_and_counts_what_each_model_rejects(tmp_path,
                                                                                                       monkeypatch):
    import torch

    import textae.benchmarking
    from textae.models.acceptability import AcceptabilityClassifier, AcceptabilityConfig
    from textae.vocab import Vocab

    bench = _benchmark("acceptability_judged")
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr(bench, "RESULTS", results)
    monkeypatch.setattr(bench.acceptability, "RESULTS", results)  # the runs' records
    monkeypatch.setattr(textae.benchmarking, "RESULTS", results)
    name = "prose_vae_interpolations_{}_seed2_pairs{}_judged.tsv"
    files = {name.format("full512_lm_borrow", 341): "bad\tprices prices\nok\tprices rose\n",  # trains
             name.format("full_lm", 361): "bad\tbonds bonds\n",  # another model's: trains
             name.format("full512_lm_borrow", 351): "bad\tprices prices\nbad\trose rose\nok\tbonds fell\nok\tprices rose\n",
             name.format("full512_lm_borrow_accept", 361): "ok\tfell fell\n"}  # decoded with a classifier: neither
    for file_name, rows in files.items():
        (results / file_name).write_text("# a reader\nverdict\tstep\n" + rows)
    train, held = bench.split_judged(results, 351)
    assert [Path(path).name for path in held] == [name.format("full512_lm_borrow", 351)]
    assert sorted(Path(path).name for path in train) == sorted([name.format("full512_lm_borrow", 341),
                                                                 name.format("full_lm", 361)])
    vocab = Vocab(["prices", "rose", "fell", "bonds"], specials=("<pad>", "<unk>", "<bos>", "<eos>"))

    def tiny_model(folder, seed):
        torch.manual_seed(seed)
        model = AcceptabilityClassifier(AcceptabilityConfig(vocab_size=len(vocab), embedding_size=3, hidden_size=3))
        steps = [vocab.encode(step.split()) for step in ("prices prices", "rose rose", "bonds fell", "prices rose")]
        threshold = sorted(model.probabilities(steps))[2]  # two of the four under it
        model.config = AcceptabilityConfig(vocab_size=len(vocab), embedding_size=3, hidden_size=3, threshold=threshold)
        model.save_pretrained(folder, vocab)
        return model

    tiny_model(tmp_path / "base", 10)
    ran = []

    def fake_run(command, cwd, check):
        ran.append(command)
        folder = tmp_path / command[command.index("--output-dir") + 1]
        model = tiny_model(folder / "model", int(command[command.index("--seed") + 1]))
        split = {"accuracy": 60.0, "real_accepted": 94.0, "broken_rejected": 33.0}
        (folder / "test_report.json").write_text(json.dumps({"threshold": model.config.threshold, "train_seconds": 2.0,
                                                             "test": split, "judged_bad": 2, "judged_ok": 1}))

    monkeypatch.setattr(bench.acceptability, "subprocess", types.SimpleNamespace(run=fake_run))
    bench.main(["--base-model", str(tmp_path / "base"), "--runs-dir", "runs", "--seeds", "0", "1"])
    assert len(ran) == 2 and ran[0][ran[0].index("--init-from-model") + 1] == str(tmp_path / "base")
    assert sorted(ran[0][ran[0].index("--judged") + 1].split(",")) == sorted(str(Path(path).relative_to(tmp_path))
                                                                             for path in train)
    metrics = json.loads((results / "acceptability_judged.json").read_text())["metrics"]
    assert (metrics["held_out_bad"], metrics["held_out_ok"]) == (2, 2)
    assert (metrics["held_out_bad_unseen"], metrics["held_out_ok_unseen"]) == (1, 1)  # rose rose, bonds fell
    assert metrics["test_accuracy"] == 60.0 and metrics["judged_bad_sentences"] == 2
    for prefix, folder in (("", tmp_path / "runs" / "judged-seed1" / "model"), ("base_", tmp_path / "base")):
        model = AcceptabilityClassifier.from_pretrained(folder)  # recount by hand
        steps = [["prices", "prices"], ["rose", "rose"], ["bonds", "fell"], ["prices", "rose"]]
        below = [p < model.config.threshold for p in model.probabilities([vocab.encode(step) for step in steps])]
        counts = metrics if prefix else {key.removesuffix("_per_seed"): values[1] for key, values in metrics.items()
                                         if key.endswith("_per_seed")}
        key = f"{prefix}held_out_" if prefix else "held_out_"
        assert counts[f"{key}bad_rejected"] == below[0] + below[1] and counts[f"{key}ok_rejected"] == below[2] + below[3]
        assert counts[f"{key}bad_rejected_unseen"] == below[1] and counts[f"{key}ok_rejected_unseen"] == below[2]
    assert (results / "acceptability_runs" / "judged-seed0" / "test_report.json").is_file()
    bench.main(["--base-model", str(tmp_path / "base"), "--runs-dir", "runs", "--seeds", "0", "--reuse"])
    assert len(ran) == 2  # read, not trained again
    with pytest.raises(SystemExit, match="no judged file of the 512-unit model from pairs 400"):
        bench.main(["--base-model", str(tmp_path / "base"), "--held-out-from", "400"])
