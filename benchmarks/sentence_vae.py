#!/usr/bin/env python
"""The sentence VAE and its LSTM-LM baseline on PTB, measured by He et al. (2019)'s protocol.

Runs `scripts/train_vae.py --ptb` (the VAE) and `--ptb --model lstm_lm` for each seed,
reads their test reports, times one training epoch, and writes
benchmarks/results/sentence_vae.json with vae_test_iw_nll, vae_test_ppl, vae_test_kl,
vae_test_mi, vae_test_active_units, lm_test_nll, lm_test_ppl, epoch_seconds and
train_gflops (mean over seeds under the plain keys; per-seed values and std beside them),
next to Bowman et al. (2016), Texar-PyTorch and timbmg/Sentence-VAE.

    python benchmarks/sentence_vae.py                         # seeds 0 1 2
    python benchmarks/sentence_vae.py --seeds 0 --extra-args "--autocast bf16"
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import add_seeded, write_result  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

PUBLISHED = {
    "Bowman et al. 2016 (recalled)": {"lm_test_nll": 100, "lm_test_ppl": 116, "vae_test_iw_nll": 101,
                                      "vae_test_kl": 2, "vae_test_ppl": 119},
    "Texar-PyTorch VAE-LSTM (checked)": {"vae_test_iw_nll": 102.54, "vae_test_ppl": 107.64},
    "timbmg/Sentence-VAE (checked, ELBO)": {"vae_test_nll": 103.97, "vae_test_kl": 7.27},
    "protocol": "He et al. 2019: IW-NLL with 500 samples; PPL = exp(total NLL / words incl. end token)",
}


def epoch_flops(hidden: int, embedding: int, vocab: int, tokens: int) -> float:
    """Matrix-multiply FLOPs of one training epoch over ``tokens`` decoder positions
    (encoder and decoder LSTMs plus the output layer; backward counted as 2 x forward)."""
    lstm = 2 * 4 * hidden * (embedding + hidden)  # one LSTM step
    return 3.0 * tokens * (2 * lstm + 2 * hidden * vocab)


def run(command: list[str]) -> dict:
    subprocess.run([sys.executable, *command], cwd=REPO, check=True)
    output = Path(command[command.index("--output-dir") + 1])
    report = json.loads((REPO / output / "test_report.json").read_text())
    report["config"] = json.loads((REPO / output / "run_config.json").read_text())["model"]
    epochs = [json.loads(line) for line in (REPO / output / "metrics.jsonl").read_text().splitlines()
              if '"split": "epoch"' in line]
    report["epoch_seconds"] = min(record["seconds"] for record in epochs)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--extra-args", default="", help="more flags for train_vae.py (both models), quoted")
    args = parser.parse_args()
    vae, lm = [], []
    for seed in args.seeds:
        for model, reports in (("sentence_vae", vae), ("lstm_lm", lm)):
            command = ["scripts/train_vae.py", "--ptb", "--model", model, "--seed", str(seed), "--progress", "false",
                       "--output-dir", f"runs/benchmark-vae/{model}-seed{seed}", *shlex.split(args.extra_args)]
            reports.append(run(command))
    metrics: dict = {}
    for key, name in (("nll", "vae_test_iw_nll"), ("ppl", "vae_test_ppl"), ("kl", "vae_test_kl"),
                      ("mi", "vae_test_mi"), ("active_units", "vae_test_active_units"),
                      ("elbo_nll", "vae_test_elbo_nll"), ("recon_bleu", "vae_test_recon_bleu")):
        add_seeded(metrics, name, [report["test"][key] for report in vae])
    for key, name in (("nll", "lm_test_nll"), ("ppl", "lm_test_ppl")):
        add_seeded(metrics, name, [report["test"][key] for report in lm])
    add_seeded(metrics, "epoch_seconds", [report["epoch_seconds"] for report in vae])
    train_tokens = 929_589  # PTB train: 887,521 words + one <eos> for each of 42,068 sentences
    config = vae[0]["config"]
    flops = epoch_flops(config["hidden_size"], config["embedding_size"], config["vocab_size"], train_tokens)
    metrics["train_gflops"] = flops / metrics["epoch_seconds"] / 1e9
    metrics["train_tokens_per_second"] = train_tokens / metrics["epoch_seconds"]
    path = write_result("sentence_vae", seeds=args.seeds, metrics=metrics, published=PUBLISHED,
                        notes="train_gflops counts the LSTM and output-layer matrix multiplies, x3 for backward")
    print(json.dumps({k: v for k, v in metrics.items() if isinstance(v, float)}, indent=1))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
