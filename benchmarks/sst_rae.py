#!/usr/bin/env python
"""The main job, measured: `scripts/train_rae.py --sst` for 3 seeds, SST test accuracies.

Each seed runs the README's main command (the --sst preset) as a separate process and
is timed end to end (data loading, training to early stop, test report, logistic
regression probes). Writes benchmarks/results/sst_rae.json: the mean over seeds under
the plain keys, per-seed values and std beside them, next to Socher et al. (2013)'s rows.

    python benchmarks/sst_rae.py                 # seeds 0 1 2
    python benchmarks/sst_rae.py --seeds 0 --extra-args "--hidden-size 100"
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import add_seeded, write_result  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

PUBLISHED = {
    "source": "Socher et al. 2013 (EMNLP), Table 1, SST test, root fine / binary (checked); "
              "RNTN all-phrases fine 80.7 (checked)",
    "RNN": {"test_root_fine_acc": 43.2, "test_root_binary_acc": 82.4},
    "MV-RNN": {"test_root_fine_acc": 44.4, "test_root_binary_acc": 82.9},
    "RNTN": {"test_root_fine_acc": 45.7, "test_root_binary_acc": 85.4, "test_all_fine_acc": 80.7},
    "NB": {"test_root_fine_acc": 41.0, "test_root_binary_acc": 81.8},
    "SVM": {"test_root_fine_acc": 40.7, "test_root_binary_acc": 79.4},
    "note": "No RAE figure on SST is published; tables that list one mislabel the RNN row.",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to run (default: 0 1 2)")
    parser.add_argument("--extra-args", default="", help="more flags for train_rae.py, quoted")
    parser.add_argument("--runs-dir", default=str(REPO / "runs" / "benchmark-sst"), help="where the runs go")
    args = parser.parse_args()
    reports, seconds = [], []
    for seed in args.seeds:
        output = Path(args.runs_dir) / f"seed{seed}"
        command = [sys.executable, str(REPO / "scripts" / "train_rae.py"), "--sst", "--seed", str(seed),
                   "--output-dir", str(output), "--progress", "false", "--overwrite", *shlex.split(args.extra_args)]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        seconds.append(time.perf_counter() - started)
        reports.append(json.loads((output / "test_report.json").read_text()))

    metrics: dict = {}
    for split in ("test", "dev"):
        for key in ("root_fine_acc", "root_binary_acc", "all_fine_acc", "all_binary_acc"):
            add_seeded(metrics, f"{split}_{key}", [r[split][key] for r in reports])
    for feature, prefix in (("root_mean", "logreg"), ("root", "logreg_root_only")):
        for task in ("fine", "binary"):
            add_seeded(metrics, f"{prefix}_test_root_{task}_acc", [r["logreg"][feature][f"test_root_{task}_acc"] for r in reports])
    add_seeded(metrics, "full_run_seconds", seconds)
    add_seeded(metrics, "best_step", [r["best_step"] for r in reports])
    metrics["logreg_features"] = "logreg_*: [root; mean of node vectors] (Socher et al. 2011); logreg_root_only_*: root vector"
    path = write_result("sst_rae", seeds=args.seeds, metrics=metrics, published=PUBLISHED,
                        notes=f"train_rae.py --sst {args.extra_args}".strip())
    print(json.dumps({k: round(v, 2) for k, v in metrics.items() if isinstance(v, float)}, indent=1))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
