#!/usr/bin/env python
"""The two-level softmax (--softmax-shortlist) over a full PTB training run: the sentence VAE at hidden
256 trained for 16 epochs with the benchmark runs' flags plus --softmax-shortlist, scored on PTB test,
beside the same configuration with the full softmax (results/sentence_vae_h256.json, read, not rerun).

Each seed is `scripts/train_vae.py --ptb --seed S --free-bits 0.2 --kl-anneal-steps 2600 --tie-output
true --lr-schedule linear --max-epochs 16 --softmax-shortlist <--shortlist> --iw-samples <--iw-samples>
--eval-splits test` into <--runs-dir>/sl<S>-seed<seed>; --reuse reads a run that already has its
test_report.json. Its epochs are timed by the training loop (fp32, all threads, alone on the machine
unless you run something beside it), so the run also measures the epoch time of this configuration
over an hour of this machine's drift; a float32 matmul peak is measured at the end for scale.

Fewer than 500 importance samples (the default here is 50, a CPU-sized choice) give an upper bound on
He et al.'s 500-sample figure; the test ELBO, KL, MI and active units do not depend on it.

Writes benchmarks/results/<--name>.json (default shortlist_ptb): metrics vae_test_iw_nll, vae_test_ppl,
vae_test_elbo_nll, vae_test_kl, vae_test_mi, vae_test_active_units (mean over seeds, _per_seed and
_std beside), epoch_seconds (the median epoch of each run, averaged), epoch_seconds_each (every
epoch, per seed), matmul_peak_gflops, and full_softmax_<metric>: the full-softmax runs' figures.

    python benchmarks/shortlist_ptb.py --seeds 0 --runs-dir runs/shortlist-ptb
    python benchmarks/shortlist_ptb.py --seeds 0 --reuse --runs-dir /root/textae-runs/shortlist-ptb
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from benchmarks.output_layer import matmul_peak_gflops  # noqa: E402
from textae.benchmarking import add_seeded, write_result  # noqa: E402

REPO = _HERE.parent
FLAGS = ["--free-bits", "0.2", "--kl-anneal-steps", "2600", "--tie-output", "true", "--lr-schedule", "linear",
         "--max-epochs", "16", "--eval-splits", "test", "--progress", "false"]
FULL_SOFTMAX = "sentence_vae_h256.json"  # the same flags without --softmax-shortlist, 3 seeds, 500 samples
REPORT_KEYS = {"iw_nll": "nll", "ppl": "ppl", "elbo_nll": "elbo_nll", "kl": "kl", "mi": "mi",
               "active_units": "active_units"}  # metric -> key of the run's test report
METRICS = tuple(REPORT_KEYS)


def command(runs_dir: str, shortlist: int, seed: int, iw_samples: int) -> list[str]:
    return ["scripts/train_vae.py", "--ptb", "--seed", str(seed), *FLAGS, "--softmax-shortlist", str(shortlist),
            "--iw-samples", str(iw_samples), "--output-dir", f"{runs_dir}/sl{shortlist}-seed{seed}"]


def epoch_seconds(run: Path) -> list[float]:
    """The seconds of each training epoch, from the run's metrics.jsonl."""
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return [line["seconds"] for line in lines if line.get("split") == "epoch"]


def read_run(run: Path, iw_samples: int) -> dict:
    """The test figures of one finished run; refuses one scored with another sample count."""
    report = json.loads((run / "test_report.json").read_text())["test"]
    if report.get("iw_samples") != iw_samples:
        raise SystemExit(f"shortlist_ptb.py: error: {run} was scored with {report.get('iw_samples')} importance "
                         f"samples, not --iw-samples {iw_samples}")
    return {name: float(report[key]) for name, key in REPORT_KEYS.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--shortlist", type=int, default=2000, help="S, ids in the first softmax (default: 2000)")
    parser.add_argument("--iw-samples", type=int, default=50,
                        help="importance samples for the test IW-NLL (default: 50; He et al.'s protocol is 500)")
    parser.add_argument("--runs-dir", default="runs/shortlist-ptb", help="default: runs/shortlist-ptb")
    parser.add_argument("--reuse", action="store_true", help="read runs that already have a test report")
    parser.add_argument("--name", default="shortlist_ptb", help="results file name (default: shortlist_ptb)")
    args = parser.parse_args(argv)
    per_seed: dict[str, list[float]] = {name: [] for name in METRICS}
    medians, each, commands = [], {}, []
    for seed in args.seeds:
        run_command = command(args.runs_dir, args.shortlist, seed, args.iw_samples)
        commands.append("python " + " ".join(run_command))
        run = REPO / run_command[-1]
        if not (args.reuse and (run / "test_report.json").is_file()):
            subprocess.run([sys.executable, *run_command, "--overwrite"], cwd=REPO, check=True)  # a run to train again
        for name, value in read_run(run, args.iw_samples).items():
            per_seed[name].append(value)
        seconds = epoch_seconds(run)
        medians.append(statistics.median(seconds))
        each[str(seed)] = seconds
    metrics: dict = {"shortlist": args.shortlist, "iw_samples": args.iw_samples}
    for name, values in per_seed.items():
        add_seeded(metrics, f"vae_test_{name}", values)
    add_seeded(metrics, "epoch_seconds", medians)
    metrics["epoch_seconds_each"] = each
    metrics["matmul_peak_gflops"] = matmul_peak_gflops()
    full = json.loads((REPO / "benchmarks" / "results" / FULL_SOFTMAX).read_text())
    for name in METRICS:
        for suffix in ("", "_std"):
            metrics[f"full_softmax_vae_test_{name}{suffix}"] = full["metrics"][f"vae_test_{name}{suffix}"]
    metrics["full_softmax_iw_samples"] = full["metrics"]["iw_samples"]
    path = write_result(args.name, seeds=args.seeds, metrics=metrics, published={},
                        notes=f"full_softmax_* are results/{FULL_SOFTMAX} (3 seeds, trained under bf16 autocast on "
                              "another host, 500 samples); the runs: " + " ; ".join(commands))
    print(json.dumps({key: value for key, value in metrics.items() if key != "epoch_seconds_each"}, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
