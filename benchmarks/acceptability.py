#!/usr/bin/env python
"""An acceptability classifier for the sentence VAE's decoding: real PTB lines against broken copies.

`scripts/train_acceptability.py --ptb --init-from-lm <--lm>` trains, for each seed, a BiLSTM
classifier of PTB's training lines (label 1) against one broken copy of each (0: cut short, 1-3
words dropped, 2-4 words repeated, an agreement swapped, neighbours swapped, or two lines spliced;
`textae.acceptability`), started from the LSTM-LM that re-ranks the interpolations' beams, with
its threshold set so that 95% of PTB's dev lines pass (into <runs-dir>/ptb-lm-seed<S>; --reuse
reads a run that has its test report; its run_config.json, metrics.jsonl and test_report.json are
kept under results/acceptability_runs/). Then:

1. its own test figures (its test_report.json): accuracy at P = 0.5 over PTB's test lines and one
   broken copy of each, the real lines accepted and the broken ones rejected at the threshold, of
   each kind of corruption (test_<figure>, mean over seeds, _per_seed and _std beside it);
2. on interpolation steps one reader judged (--judged; by default every judged file of the
   512-unit model, results/prose_vae_interpolations_full512*_judged.tsv: the steps the decoding
   as it stood output, which the clause judge had passed; files decoded with the classifier itself,
   named _accept_, are left out), how many of the steps judged bad it
   rejects and how many of the others (judged_bad_rejected, judged_ok_rejected, of judged_bad and
   judged_ok steps; a step counted as often as it appears), at the model's threshold and at the
   thresholds that let 90% and 97% of the dev lines pass (..._at_dev_share_90, _97; the thresholds
   themselves as threshold_at_dev_share_90, _97, for interpolate.py --acceptability-threshold).

Whether it helps the decoding is measured on fresh pairs, judged blind: `benchmarks/prose_vae.py
--acceptability-model <run>/model` (BENCHMARKS.md, issue #4).

    python benchmarks/acceptability.py --lm runs/prose-vae/full-text-lstm_lm-seed2/model \\
        --runs-dir runs/acceptability --seeds 0
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.acceptability import threshold_for_share  # noqa: E402
from textae.benchmarking import RESULTS, add_seeded, read_judged, write_result  # noqa: E402
from textae.corpora.ptb import load_ptb  # noqa: E402

REPO = _HERE.parent
JUDGED = str(RESULTS / "prose_vae_interpolations_full512*_judged.tsv")
DEV_SHARES = (0.90, 0.97)  # besides the model's own threshold (0.95 of the dev lines)


def train_command(lm: str, runs_dir: str, seed: int) -> list[str]:
    return ["scripts/train_acceptability.py", "--ptb", "--init-from-lm", lm, "--seed", str(seed), "--output-dir",
            f"{runs_dir}/ptb-lm-seed{seed}", "--progress", "false"]


def judged_steps(patterns: list[str]) -> tuple[list[str], list[bool]]:
    """Every step of the judged files matching ``patterns`` (but those decoded with the classifier,
    named _accept_) and whether it was judged bad."""
    # a file decoded with the classifier holds the steps it passed: no test of it
    files = sorted({path for pattern in patterns for path in glob.glob(pattern) if "_accept_" not in Path(path).name})
    if not files:
        raise SystemExit(f"acceptability.py: error: no judged file matches {' '.join(patterns)}")
    steps, bad = [], []
    for path in files:
        file_steps, file_bad = read_judged(Path(path), decoding=None)
        steps += file_steps
        bad += file_bad
    return steps, bad


def train_or_reuse(run: list[str], folder: Path, reuse: bool) -> dict:
    """The test report of the run in ``folder``, trained by ``run`` (a train_acceptability.py
    command, from the repository) unless ``reuse`` and it has one; its run_config.json,
    metrics.jsonl and test_report.json are kept under results/acceptability_runs/<folder name>."""
    if not (reuse and (folder / "test_report.json").is_file()):
        subprocess.run([sys.executable, *run, "--overwrite"], cwd=REPO, check=True)
    report = json.loads((folder / "test_report.json").read_text())
    kept = RESULTS / "acceptability_runs" / folder.name  # committed: the run folder is not
    kept.mkdir(parents=True, exist_ok=True)
    for name in ("run_config.json", "metrics.jsonl", "test_report.json"):
        if (folder / name).is_file():
            shutil.copy(folder / name, kept / name)
    return report


def rejected(probabilities: list[float], bad: list[bool], threshold: float) -> dict[str, int]:
    """Judged-bad and judged-ok steps with P(acceptable) under ``threshold``."""
    return {"judged_bad_rejected": sum(p < threshold for p, is_bad in zip(probabilities, bad, strict=True) if is_bad),
            "judged_ok_rejected": sum(p < threshold for p, is_bad in zip(probabilities, bad, strict=True)
                                      if not is_bad)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lm", required=True, metavar="DIR",
                        help="the model/ folder of the LSTM-LM the classifier starts from (the interpolations' "
                             "--fluency-lm, e.g. prose_vae.py's full-text-lstm_lm-seed2/model)")
    parser.add_argument("--runs-dir", default="runs/acceptability", help="default: runs/acceptability")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="default: 0")
    parser.add_argument("--reuse", action="store_true", help="read runs that already have a test report")
    parser.add_argument("--judged", nargs="+", default=[JUDGED], metavar="TSV",
                        help="judged interpolation files (glob patterns; default: every judged file of the 512-unit "
                             "model, results/prose_vae_interpolations_full512*_judged.tsv)")
    parser.add_argument("--name", default="acceptability", help="results file name (default: acceptability)")
    args = parser.parse_args(argv)
    steps, bad = judged_steps(args.judged)
    from textae.models.acceptability import AcceptabilityClassifier
    from textae.serialization import load_vocab

    dev = load_ptb("valid")
    seeded: dict[str, list[float]] = {}
    commands = []
    for seed in args.seeds:
        run = train_command(args.lm, args.runs_dir, seed)
        commands.append("python " + " ".join(run))
        folder = REPO / args.runs_dir / f"ptb-lm-seed{seed}"
        report = train_or_reuse(run, folder, args.reuse)
        figures = {"threshold": report["threshold"], "train_seconds": report["train_seconds"],
                   "dev_real_accepted": report["dev"]["real_accepted"]}
        figures.update({f"test_{key}": value for key, value in report["test"].items() if key not in ("real", "broken")})
        model = AcceptabilityClassifier.from_pretrained(folder / "model")
        vocab = load_vocab(folder / "model")
        probabilities = model.probabilities([vocab.encode(step.split()) for step in steps])
        figures.update(rejected(probabilities, bad, report["threshold"]))
        dev_probabilities = model.probabilities([vocab.encode(line) for line in dev])
        for share in DEV_SHARES:
            threshold = threshold_for_share(dev_probabilities, share)
            figures[f"threshold_at_dev_share_{round(100 * share)}"] = threshold
            for key, value in rejected(probabilities, bad, threshold).items():
                figures[f"{key}_at_dev_share_{round(100 * share)}"] = value
        for key, value in figures.items():
            seeded.setdefault(key, []).append(value)
    metrics: dict = {"judged_bad": sum(bad), "judged_ok": len(bad) - sum(bad), "test_real_lines": report["test"]["real"],
                     "test_broken_lines": report["test"]["broken"]}
    for key, values in seeded.items():
        add_seeded(metrics, key, values)
    path = write_result(args.name, seeds=args.seeds, metrics=metrics, published={},
                        notes="accuracies and shares in percent; judged_* count the steps of "
                              + " ".join(os.path.relpath(pattern, REPO) for pattern in args.judged) + "; the runs: "
                              + " ; ".join(commands) + f" (TEXTAE_DATA_DIR={os.environ.get('TEXTAE_DATA_DIR', '')})")
    print(json.dumps(metrics, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
