#!/usr/bin/env python
"""A short check that the two-level softmax (--softmax-shortlist) learns as the full softmax does:
one seed of the sentence VAE trained both ways for --epochs epochs on the first --sentences PTB
training sentences (the benchmark runs' other flags, a KL warm-up of 300 steps), scored on PTB dev
(ELBO after each epoch, 10-sample IW-NLL at the end).

Each run is `scripts/train_vae.py --ptb ... --output-dir <--runs-dir>/sl<S>` (S = 0: the full
softmax); with --reuse a run that already has its test_report.json is read, not retrained. This is
not the issue's 16-epoch figure, only a check that nothing is lost early.

Writes benchmarks/results/<--name>.json (default shortlist_check): metrics dev_elbo_epoch<k>_sl<S>,
dev_iw_nll_sl<S>, train_seconds_sl<S>.

    python benchmarks/shortlist_check.py --runs-dir runs/shortlist-check
    python benchmarks/shortlist_check.py --reuse --runs-dir /root/textae-runs/sl-check
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import write_result  # noqa: E402

REPO = _HERE.parent
FLAGS = ["--free-bits", "0.2", "--kl-anneal-steps", "300", "--tie-output", "true", "--lr-schedule", "linear",
         "--iw-samples", "10", "--eval-splits", "dev", "--progress", "false"]


def command(runs_dir: str, shortlist: int, seed: int, epochs: int, sentences: int) -> list[str]:
    return ["scripts/train_vae.py", "--ptb", "--seed", str(seed), *FLAGS, "--max-epochs", str(epochs),
            "--max-train-sentences", str(sentences), "--softmax-shortlist", str(shortlist),
            "--output-dir", f"{runs_dir}/sl{shortlist}"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shortlist", type=int, default=2000, help="S of the two-level run (default: 2000)")
    parser.add_argument("--epochs", type=int, default=2, help="default: 2")
    parser.add_argument("--sentences", type=int, default=10_000, help="PTB training sentences used (default: 10000)")
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument("--runs-dir", default="runs/shortlist-check", help="default: runs/shortlist-check")
    parser.add_argument("--reuse", action="store_true", help="read runs that already have a test report")
    parser.add_argument("--name", default="shortlist_check", help="results file name (default: shortlist_check)")
    args = parser.parse_args(argv)
    metrics: dict = {}
    commands = []
    for shortlist in (0, args.shortlist):
        run = command(args.runs_dir, shortlist, args.seed, args.epochs, args.sentences)
        commands.append("python " + " ".join(run))
        output = REPO / run[-1]
        if not (args.reuse and (output / "test_report.json").is_file()):
            subprocess.run([sys.executable, *run, "--overwrite"], cwd=REPO, check=True)  # a run to train again
        report = json.loads((output / "test_report.json").read_text())
        lines = [json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()]
        for line in lines:
            if line.get("split") == "dev":
                metrics[f"dev_elbo_epoch{line['epoch']}_sl{shortlist}"] = line["elbo_nll"]
        metrics[f"dev_iw_nll_sl{shortlist}"] = report["dev"]["nll"]
        metrics[f"train_seconds_sl{shortlist}"] = report["train_seconds"]
        metrics[f"vocab_size_sl{shortlist}"] = json.loads((output / "run_config.json").read_text())["model"]["vocab_size"]
    path = write_result(args.name, seeds=[args.seed], metrics=metrics, published={},
                        notes="one seed; sl0 is the full softmax; " + " ; ".join(commands))
    print(json.dumps(metrics, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
