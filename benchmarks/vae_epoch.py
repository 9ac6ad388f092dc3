#!/usr/bin/env python
"""One sentence-VAE training epoch over PTB train, timed alone, at the sizes and precisions a user
picks between: hidden 256 and 512 (the embedding as large, output layer tied to it), float32 and
bfloat16 autocast, a full or a two-level softmax (`--softmax-shortlist 2000`: the *-shortlist
configurations, timed only when named), on a CPU or a GPU.

Each configuration runs `scripts/train_vae.py --ptb --max-epochs 1 --seed S` for each of --seeds
with the flags of the benchmark runs (`--free-bits 0.2 --kl-anneal-steps 2600 --tie-output true
--lr-schedule linear`) into <--runs-dir>/timing, nothing scored but a 64-sentence dev check, and
reports the epoch's seconds (the training loop's own figure; mean over the seeds, per-seed values and
std beside it), training tokens per second and achieved GFLOP/s at the mean (the LSTM and
output-layer matrix multiplies, x3 for backward: see sentence_vae.py's epoch_flops). On a CPU the
float32 matrix-multiply peak is read first (the better of 1024- and 2048-square multiplies,
matmul_peak_gflops) and each configuration's share of it reported (peak_share_<config>, percent).

Writes benchmarks/results/<--name>.json (default vae_epoch_<device type>), metrics keyed
epoch_seconds_<config> (with _per_seed and _std), train_tokens_per_second_<config>,
train_gflops_<config> (and, for a *-shortlist configuration, rare_tokens_<config>: the training
positions whose target took the second softmax).

    python benchmarks/vae_epoch.py --device cuda --seeds 0          # all four configurations, one seed
    python benchmarks/vae_epoch.py --device cpu --configs h256-fp32-shortlist h256-fp32   # seeds 0 1 2
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from benchmarks.output_layer import matmul_peak_gflops  # noqa: E402
from benchmarks.sentence_vae import epoch_flops, timed_epoch  # noqa: E402
from textae.benchmarking import add_seeded, write_result  # noqa: E402
from textae.train import DeviceError, resolve_device  # noqa: E402

BASE = ["--free-bits", "0.2", "--kl-anneal-steps", "2600", "--tie-output", "true", "--lr-schedule", "linear"]
H512 = ["--hidden-size", "512", "--embedding-size", "512"]
CONFIGS = {
    "h256-fp32": BASE,
    "h256-bf16": [*BASE, "--autocast", "bf16"],
    "h512-fp32": [*BASE, *H512],
    "h512-bf16": [*BASE, *H512, "--autocast", "bf16"],
    # the two-level softmax (--softmax-shortlist): the 2,000 most frequent ids in the first softmax
    "h256-fp32-shortlist": [*BASE, "--softmax-shortlist", "2000"],
    "h512-fp32-shortlist": [*BASE, *H512, "--softmax-shortlist", "2000"],
}
DEFAULT_CONFIGS = ["h256-fp32", "h256-bf16", "h512-fp32", "h512-bf16"]
TRAIN_TOKENS = 929_589  # PTB train: 887,521 words + one <eos> for each of 42,068 sentences


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N (default: cpu)")
    parser.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS, choices=list(CONFIGS),
                        help=f"which configurations to time (default: {' '.join(DEFAULT_CONFIGS)})")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="one timed epoch per configuration and seed (default: 0 1 2)")
    parser.add_argument("--runs-dir", default="runs/vae-epoch",
                        help="where the timed run goes, relative to the repository (default: runs/vae-epoch)")
    parser.add_argument("--name", help="results file name (default: vae_epoch_<device type>)")
    args = parser.parse_args(argv)
    try:
        device = resolve_device(args.device)
    except DeviceError as error:
        parser.error(str(error))
    metrics: dict = {"device": str(device)}
    if device.type == "cpu":  # what the achieved GFLOP/s stand beside (read before the epochs, alone)
        metrics["matmul_peak_gflops"] = matmul_peak_gflops()
        print(f"float32 matmul peak: {metrics['matmul_peak_gflops']:.1f} GFLOP/s", flush=True)
    for name in args.configs:
        timings = [timed_epoch(args.runs_dir, [*CONFIGS[name], "--device", str(device), "--seed", str(seed)])
                   for seed in args.seeds]
        timing = timings[0]  # the sizes and the rare tokens do not depend on the seed
        flops = epoch_flops(timing["hidden_size"], timing["embedding_size"], timing["vocab_size"], TRAIN_TOKENS,
                            timing.get("softmax_shortlist", 0), timing.get("rare_tokens", 0))
        key = name.replace("-", "_")
        add_seeded(metrics, f"epoch_seconds_{key}", [each["seconds"] for each in timings])
        seconds = metrics[f"epoch_seconds_{key}"]
        metrics[f"train_tokens_per_second_{key}"] = TRAIN_TOKENS / seconds
        metrics[f"train_gflops_{key}"] = flops / seconds / 1e9
        if "matmul_peak_gflops" in metrics:
            metrics[f"peak_share_{key}"] = 100 * metrics[f"train_gflops_{key}"] / metrics["matmul_peak_gflops"]
        metrics[f"args_{key}"] = shlex.join([*CONFIGS[name], "--device", str(device)])
        if timing.get("softmax_shortlist"):  # the positions whose target took the second softmax
            metrics[f"rare_tokens_{key}"] = timing["rare_tokens"]
        spread = f" ± {metrics[f'epoch_seconds_{key}_std']:.1f}" if len(timings) > 1 else ""
        print(f"{name}: {seconds:.1f}{spread} s, {TRAIN_TOKENS / seconds:,.0f} tokens/s, "
              f"{flops / seconds / 1e9:.1f} GFLOP/s", flush=True)
    path = write_result(args.name or f"vae_epoch_{device.type}", seeds=args.seeds, metrics=metrics,
                        published={"issue 4 floor (2-core CPU, hidden 256; aim 100)": {"epoch_seconds_h256_fp32": 200,
                                                                                 "epoch_seconds_h256_fp32_shortlist": 200}},
                        notes="one epoch per configuration and seed (epoch_seconds_*: mean over the seeds, per seed "
                              "and std beside it); train_gflops counts the LSTM and output-layer "
                              "matrix multiplies, x3 for backward (benchmarks/sentence_vae.py epoch_flops), at the "
                              "mean epoch; peak_share is train_gflops in percent of matmul_peak_gflops")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
