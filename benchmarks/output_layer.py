#!/usr/bin/env python
"""The sentence VAE's output layer on this machine: float32 matrix-multiply peak, and one
training step's output layer + cross-entropy (forward and backward) as textae runs it against a
fused, row-blocked variant (an experiment kept here, not in the library).

The fused variant is one autograd function that, per block of rows, writes the logits into one
[N, V] buffer, turns them into the softmax gradient in place (softmax - one-hot) and keeps each
row's loss; its backward is the two gradient products over the whole buffer, scaled by the
incoming gradient (one value shared by every row, as a summed loss gives). It is what fused
linear-cross-entropy kernels do to save passes over the [N, V] block; whether that pays depends on
whether the host is bound by memory traffic or by multiply throughput. Beside them, textae's own
two-level softmax (--softmax-shortlist S, SentenceDecoder.target_nll) over targets of which
--rare-fraction lie past the shortlist (PTB train's share for S = 2,000 by default).

Sizes default to one PTB training step of the benchmark VAE: N = 707 tokens (PTB train's 929,589
tokens over 1,315 batches of 32 sentences), hidden 256, 10,002 words. Timings are medians over
interleaved rounds (each variant once per round, --steps steps each) so that drift of the host
hits every variant alike.

Writes benchmarks/results/<--name>.json (default output_layer): metrics matmul_gflops_<n>
(median over rounds), step_ms_current, step_ms_fused_<rows>, step_ms_two_level_<S> (per forward +
backward), with the
per-round values beside them, and max_grad_difference (fused against current, float32).

    python benchmarks/output_layer.py
    python benchmarks/output_layer.py --rounds 3 --blocks 64 707
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from textae.benchmarking import write_result  # noqa: E402
from textae.losses import token_nll  # noqa: E402
from textae.models.sentence_vae import SentenceDecoder, SentenceVAEConfig  # noqa: E402


class FusedOutputLayer(torch.autograd.Function):
    """``[N] -log softmax(h W^T + b)[target]`` with the gradients computed in the forward, a block
    of ``rows`` rows at a time (see the module docstring)."""

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, rows):
        size = hidden.shape[0]
        gradient = torch.empty(size, weight.shape[0], dtype=hidden.dtype)  # [N, V]
        loss = torch.empty(size, dtype=hidden.dtype)  # [N]
        for start in range(0, size, rows):
            block, wanted = gradient[start:start + rows], targets[start:start + rows]
            torch.addmm(bias, hidden[start:start + rows], weight.t(), out=block)  # logits
            log_normaliser = torch.logsumexp(block, dim=1)  # [rows]
            loss[start:start + rows] = log_normaliser - block.gather(1, wanted[:, None])[:, 0]
            block.sub_(log_normaliser[:, None]).exp_()  # softmax
            block.scatter_add_(1, wanted[:, None], torch.full((len(wanted), 1), -1.0, dtype=block.dtype))
        ctx.save_for_backward(gradient @ weight, gradient.t() @ hidden, gradient.sum(0))
        return loss

    @staticmethod
    def backward(ctx, grad_loss):
        grad_hidden, grad_weight, grad_bias = ctx.saved_tensors
        if not bool((grad_loss == grad_loss[0]).all()):
            raise NotImplementedError("the fused layer assumes one incoming gradient for every row (a summed loss)")
        scale = grad_loss[0]
        return grad_hidden * scale, grad_weight * scale, grad_bias * scale, None, None


def matmul_gflops(size: int, repeats: int = 10) -> float:
    first, second = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        first @ second
    started = time.perf_counter()
    for _ in range(repeats):
        first @ second
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def matmul_peak_gflops(sizes: tuple[int, ...] = (1024, 2048)) -> float:
    """The float32 matmul peak the epoch benchmarks stand beside: the best of square multiplies of ``sizes``."""
    return max(matmul_gflops(size) for size in sizes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=707, help="rows N of one step (default: 707)")
    parser.add_argument("--hidden", type=int, default=256, help="hidden size (default: 256)")
    parser.add_argument("--vocab", type=int, default=10_002, help="words V (default: 10,002)")
    parser.add_argument("--blocks", type=int, nargs="+", default=[32, 64, 128, 256, 707],
                        help="rows per block of the fused variant (default: 32 64 128 256 707)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default: 7)")
    parser.add_argument("--steps", type=int, default=5, help="steps per variant and round (default: 5)")
    parser.add_argument("--shortlists", type=int, nargs="*", default=[2000],
                        help="two-level softmax variants, textae's own (SentenceDecoder.target_nll with "
                             "--softmax-shortlist S) (default: 2000)")
    parser.add_argument("--rare-fraction", type=float, default=0.131,
                        help="share of the rows whose target is past the shortlist (default: 0.131, PTB train's "
                             "for S = 2,000: benchmarks/sentence_vae.py rare_train_tokens)")
    parser.add_argument("--matmul-sizes", type=int, nargs="*", default=[1024, 2048],
                        help="square float32 multiplies timed for the peak (default: 1024 2048)")
    parser.add_argument("--name", default="output_layer", help="results file name (default: output_layer)")
    args = parser.parse_args(argv)
    if min(args.tokens, args.hidden, args.vocab, args.rounds, args.steps, *args.blocks) < 1:
        parser.error("sizes, --blocks, --rounds and --steps must be >= 1")
    if not all(4 <= shortlist < args.vocab for shortlist in args.shortlists) or not 0 <= args.rare_fraction <= 1:
        parser.error("--shortlists must be between 4 and --vocab - 1, --rare-fraction between 0 and 1")

    torch.manual_seed(0)
    weight = (torch.randn(args.vocab, args.hidden) * 0.1).requires_grad_()
    bias = torch.zeros(args.vocab, requires_grad=True)
    inputs = torch.randn(args.tokens, args.hidden)
    targets = torch.randint(0, args.vocab, (args.tokens,))

    def current():
        hidden = inputs.clone().requires_grad_()
        token_nll(F.linear(hidden, weight, bias), targets).sum().backward()
        return hidden.grad, weight.grad

    def fused(rows):
        def step():
            hidden = inputs.clone().requires_grad_()
            FusedOutputLayer.apply(hidden, weight, bias, targets, rows).sum().backward()
            return hidden.grad, weight.grad
        return step

    def two_level(shortlist):  # another model than the others' (its gradients are not compared)
        config = SentenceVAEConfig(vocab_size=args.vocab, embedding_size=args.hidden, hidden_size=args.hidden,
                                   softmax_shortlist=shortlist)
        decoder = SentenceDecoder(config, torch.nn.Embedding(args.vocab, args.hidden), 0)
        rare = round(args.rare_fraction * args.tokens)
        wanted = torch.cat([torch.randint(0, shortlist, (args.tokens - rare,)),
                            torch.randint(shortlist, args.vocab, (rare,))])[torch.randperm(args.tokens)]

        def step():
            decoder.zero_grad(set_to_none=True)
            hidden = inputs.clone().requires_grad_()
            decoder.target_nll(hidden, wanted).sum().backward()
        return step

    compared = {"current": current, **{f"fused_{rows}": fused(rows) for rows in args.blocks}}
    variants = {**compared, **{f"two_level_{shortlist}": two_level(shortlist) for shortlist in args.shortlists}}
    reference = [tensor.clone() for tensor in current()]
    difference = 0.0
    for step in compared.values():
        weight.grad = bias.grad = None
        difference = max(difference, *(float((a - b).abs().max()) for a, b in zip(step(), reference, strict=True)))
    rounds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, step in variants.items():
            started = time.perf_counter()
            for _ in range(args.steps):
                weight.grad = bias.grad = None
                step()
            rounds[name].append(1000 * (time.perf_counter() - started) / args.steps)
    metrics: dict = {"threads": torch.get_num_threads(), "tokens": args.tokens, "hidden": args.hidden,
                     "vocab": args.vocab, "max_grad_difference": difference, "rare_fraction": args.rare_fraction}
    for size in args.matmul_sizes:
        values = [matmul_gflops(size) for _ in range(3)]
        metrics[f"matmul_gflops_{size}"] = statistics.median(values)
        metrics[f"matmul_gflops_{size}_runs"] = values
    for name, values in rounds.items():
        metrics[f"step_ms_{name}"] = statistics.median(values)
        metrics[f"step_ms_{name}_rounds"] = values
        print(f"{name}: median {statistics.median(values):.1f} ms per forward + backward", flush=True)
    for size in args.matmul_sizes:
        print(f"float32 {size}x{size} matmul: {metrics[f'matmul_gflops_{size}']:.1f} GFLOP/s", flush=True)
    path = write_result(args.name, seeds=[0], metrics=metrics, published={},
                        notes="medians over interleaved rounds; the fused variant is an experiment (not in textae), "
                              "gradients checked against the current layer (max_grad_difference); two_level_<S> is "
                              "textae's --softmax-shortlist S over targets of which rare_fraction are past S")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
