#!/usr/bin/env python
"""The acceptability classifier taught a reader's verdicts: held-out judged steps before and after.

benchmarks/acceptability.py's classifier learns PTB's lines against synthetic breaks; on the
decoder's own bad steps it rejects only the unfinished ones (BENCHMARKS.md, issue #4, session 36).
Here it goes on training (`scripts/train_acceptability.py --init-from-model <--base-model>`) on
the first --train-lines PTB lines and their broken copies plus the reader's verdicts of every
judged file (`results/*_judged.tsv`, `--judged`, each distinct sentence --judged-repeat times)
but the held-out ones: the 512-unit model's files of pairs --held-out-from and after
(`prose_vae_interpolations_full512*_pairs<N>_judged.tsv`, N >= it; files decoded with a
classifier, named _accept_, are left out of both). Each seed is one such run (into
<runs-dir>/judged-seed<S>; --reuse reads a run that has its test report; run_config.json,
metrics.jsonl and test_report.json are kept under results/acceptability_runs/).

Figures, at each model's own threshold (95% of PTB's dev lines pass):
- held_out_bad_rejected / held_out_ok_rejected: the held-out steps judged bad and ok that it
  rejects (of held_out_bad and held_out_ok; a step counted as often as it appears), and
  the same over the steps whose sentence no training file holds (_unseen);
- base_*: the same counts for --base-model, before;
- test_accuracy, test_real_accepted, test_broken_rejected: its test report (PTB's test lines and
  one broken copy of each), to show what the verdicts cost on synthetic breaks.
Mean over seeds under the plain key, _per_seed and _std beside it.

Whether it helps the decoding is measured on fresh pairs, judged blind: `benchmarks/prose_vae.py
--acceptability-model <runs-dir>/judged-seed0/model` (BENCHMARKS.md, issue #4).

    python benchmarks/acceptability_judged.py --base-model runs/acceptability/ptb-lm-seed0/model \\
        --runs-dir runs/acceptability --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from benchmarks import acceptability  # noqa: E402
from benchmarks.acceptability import judged_steps, rejected  # noqa: E402
from textae.benchmarking import RESULTS, add_seeded, write_result  # noqa: E402

REPO = _HERE.parent
HELD_OUT = re.compile(r"prose_vae_interpolations_full512.*_pairs(\d+)_judged\.tsv")


def split_judged(results: Path, held_out_from: int) -> tuple[list[str], list[str]]:
    """(training files, held-out files) among the judged files of ``results``: held out are the
    512-unit model's files of pairs ``held_out_from`` and after; files named _accept_ are in neither."""
    train, held = [], []
    for path in sorted(results.glob("*_judged.tsv")):
        if "_accept_" in path.name:
            continue
        match = HELD_OUT.fullmatch(path.name)
        (held if match and int(match.group(1)) >= held_out_from else train).append(str(path))
    return train, held


def train_command(base_model: str, train_files: list[str], runs_dir: str, seed: int, lines: int, repeat: int,
                  epochs: int, learning_rate: float) -> list[str]:
    return ["scripts/train_acceptability.py", "--ptb", "--init-from-model", base_model, "--judged",
            ",".join(os.path.relpath(path, REPO) for path in train_files), "--judged-repeat", str(repeat),
            "--max-train-sentences", str(lines), "--max-epochs", str(epochs), "--learning-rate", str(learning_rate),
            "--seed", str(seed), "--output-dir", f"{runs_dir}/judged-seed{seed}", "--progress", "false"]


def held_out_counts(model_dir: Path, steps: list[str], bad: list[bool], seen: set[str],
                    threshold: float | None = None) -> dict[str, int]:
    """What the classifier in ``model_dir`` rejects of the held-out ``steps`` at ``threshold``
    (default: its own), over all of them and over those not in ``seen`` (``_unseen``)."""
    from textae.models.acceptability import AcceptabilityClassifier
    from textae.serialization import load_vocab

    model, vocab = AcceptabilityClassifier.from_pretrained(model_dir), load_vocab(model_dir)
    threshold = model.config.threshold if threshold is None else threshold
    probabilities = model.probabilities([vocab.encode(step.split()) for step in steps])
    counts = {f"held_out_{key.removeprefix('judged_')}": value
              for key, value in rejected(probabilities, bad, threshold).items()}
    unseen = [index for index, step in enumerate(steps) if step not in seen]
    for key, value in rejected([probabilities[i] for i in unseen], [bad[i] for i in unseen], threshold).items():
        counts[f"held_out_{key.removeprefix('judged_')}_unseen"] = value
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-model", required=True, metavar="DIR",
                        help="the model/ folder of the classifier to go on from (benchmarks/acceptability.py's "
                             "<runs-dir>/ptb-lm-seed0/model)")
    parser.add_argument("--runs-dir", default="runs/acceptability", help="default: runs/acceptability")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--reuse", action="store_true", help="read runs that already have a test report")
    parser.add_argument("--held-out-from", type=int, default=351, metavar="N",
                        help="the 512-unit model's judged files of pairs N and after are held out (default: 351)")
    parser.add_argument("--train-lines", type=int, default=6000, help="PTB training lines used (default: 6000)")
    parser.add_argument("--judged-repeat", type=int, default=5, help="copies of each judged sentence (default: 5)")
    parser.add_argument("--epochs", type=int, default=3, help="default: 3")
    parser.add_argument("--learning-rate", type=float, default=5e-4, help="default: 5e-4")
    parser.add_argument("--name", default="acceptability_judged", help="results file name (default: "
                                                                        "acceptability_judged)")
    args = parser.parse_args(argv)
    train_files, held_files = split_judged(RESULTS, args.held_out_from)
    if not held_files:
        raise SystemExit(f"acceptability_judged.py: error: no judged file of the 512-unit model from pairs "
                         f"{args.held_out_from} on")
    steps, bad = judged_steps(held_files)
    seen = set(judged_steps(train_files)[0])
    seeded: dict[str, list[float]] = {}
    commands = []
    for seed in args.seeds:
        run = train_command(args.base_model, train_files, args.runs_dir, seed, args.train_lines, args.judged_repeat,
                            args.epochs, args.learning_rate)
        shown = run[:]  # the notes name the training files by what they are, not one by one
        shown[shown.index("--judged") + 1] = f"<every judged file but the held-out ones: {len(train_files)}>"
        commands.append("python " + " ".join(shown))
        folder = REPO / args.runs_dir / f"judged-seed{seed}"
        report = acceptability.train_or_reuse(run, folder, args.reuse)
        figures = {"threshold": report["threshold"], "train_seconds": report["train_seconds"],
                   "test_accuracy": report["test"]["accuracy"], "test_real_accepted": report["test"]["real_accepted"],
                   "test_broken_rejected": report["test"]["broken_rejected"]}
        figures.update(held_out_counts(folder / "model", steps, bad, seen))
        for key, value in figures.items():
            seeded.setdefault(key, []).append(value)
    unseen = [is_bad for step, is_bad in zip(steps, bad, strict=True) if step not in seen]
    metrics: dict = {"held_out_bad": sum(bad), "held_out_ok": len(bad) - sum(bad), "held_out_bad_unseen": sum(unseen),
                     "held_out_ok_unseen": len(unseen) - sum(unseen), "training_files": len(train_files),
                     "judged_bad_sentences": report["judged_bad"], "judged_ok_sentences": report["judged_ok"]}
    metrics.update({f"base_{key}": value for key, value in
                    held_out_counts(Path(args.base_model), steps, bad, seen).items()})
    for key, values in seeded.items():
        add_seeded(metrics, key, values)
    path = write_result(args.name, seeds=args.seeds, metrics=metrics, published={},
                        notes="accuracies and shares in percent; held_out_* count the steps of "
                              + " ".join(os.path.relpath(path, REPO) for path in held_files)
                              + f"; the base model: {args.base_model}; the runs: " + " ; ".join(commands)
                              + f" (TEXTAE_DATA_DIR={os.environ.get('TEXTAE_DATA_DIR', '')})")
    print(json.dumps(metrics, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
