"""Sentences from a sentence VAE: samples from the prior, or reconstructions of a file.

Examples:
    python scripts/sample.py --checkpoint runs/vae-ptb-sentence_vae-seed0/model --num 10
    python scripts/sample.py --checkpoint DIR --reconstruct sentences.txt --decode beam

Prior samples decode z ~ N(0, I); reconstructions decode the posterior mean of each line
of --reconstruct (one space-separated sentence per line; unknown words are tried
lower-cased; lines longer than --max-length words are cut to it). Blank lines are skipped.

A plain or denoising autoencoder (train_vae.py --model sentence_ae) has no prior: give
--fit-codes FILE, sentences (e.g. its training text) whose codes define the Gaussian
N(mean, covariance) the samples are drawn from (also allowed for a VAE):
    python scripts/sample.py --checkpoint runs/ae/model --fit-codes train.txt --num 10

Other models (an LSTM language model, a recursive autoencoder) are refused: sampling needs
a sentence_vae or sentence_ae checkpoint.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from textae.cli import (
    UsageError,
    add_decoding_arguments,
    check_decoding_arguments,
    decoding_options,
    load_acceptability,
    load_fluency_model,
    load_sentence_model,
    program_name,
    seed_int,
)
from textae.decoding import generate
from textae.sentences import (
    collate_sentences,
    encode_user_words,
    gaussian_draws,
    latent_gaussian,
)
from textae.serialization import CheckpointError
from textae.train import set_seed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="model directory of a train_vae.py run")
    parser.add_argument("--num", type=int, default=None,
                        help="prior samples to print (default: 10; not with --reconstruct, which prints one line "
                             "per sentence)")
    parser.add_argument("--reconstruct", help="a file of sentences to reconstruct instead")
    parser.add_argument("--fit-codes", metavar="FILE",
                        help="sample from a Gaussian fitted to the codes of these sentences (one per line) instead "
                             "of N(0, I); needed for an autoencoder, which has no prior")
    add_decoding_arguments(parser)
    parser.add_argument("--max-length", type=int, default=50,
                        help="longest output in words; --reconstruct and --fit-codes lines are cut to it too "
                             "(default: 50)")
    parser.add_argument("--seed", type=seed_int, default=0,
                        help="seeds the prior draws of z and --decode sample (default: 0)")
    args = parser.parse_args(argv)
    check_decoding_arguments(parser, args)
    if args.reconstruct and args.fit_codes:
        parser.error("--reconstruct decodes the codes of its own sentences and --fit-codes samples new ones: give one")
    if args.reconstruct and args.num is not None:
        parser.error("--num counts samples; --reconstruct prints one reconstruction per sentence of its file")
    args.num = 10 if args.num is None else args.num
    if args.num < 1:
        parser.error(f"--num must be at least 1 (sentences to sample), got {args.num}")
    if args.max_length < 1:
        parser.error(f"--max-length must be at least 1 (words per sentence), got {args.max_length}")
    if args.min_length > args.max_length:
        parser.error(f"--min-length ({args.min_length}) must not exceed --max-length ({args.max_length})")
    set_seed(args.seed)
    try:
        model, vocab = load_sentence_model(args.checkpoint, "sampling needs a sentence model with a latent code and a decoder")
        fluency = load_fluency_model(args, vocab)
        clause = load_acceptability(args, vocab)
    except (CheckpointError, UsageError) as error:
        print(f"{program_name()}: error: {error}", file=sys.stderr)
        return 2
    model.eval()
    if getattr(model, "deterministic", False) and not (args.reconstruct or args.fit_codes):
        print(f"{program_name()}: error: {args.checkpoint} holds an autoencoder, which has no prior to sample from: give --fit-codes "
              "FILE (sentences whose codes define the Gaussian to sample from) or --reconstruct FILE", file=sys.stderr)
        return 2

    def read_rows(path: str, flag: str) -> list[list[int]] | None:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as error:
            print(f"{program_name()}: error: {flag} {path} is not UTF-8 text ({error.reason} at byte {error.start}); "
                  "give a UTF-8 file of one sentence per line", file=sys.stderr)
            return None
        except OSError as error:
            print(f"{program_name()}: error: {flag}: cannot read {path}: {error.strerror or error}", file=sys.stderr)
            return None
        return [encode_user_words(line.split()[: args.max_length], vocab) for line in lines if line.strip()]

    with torch.no_grad():
        if args.reconstruct:
            rows = read_rows(args.reconstruct, "--reconstruct")
            if rows is None:
                return 2
            if not rows:
                return 0
            z, _ = model.encoder(collate_sentences(rows))
        elif args.fit_codes:
            rows = read_rows(args.fit_codes, "--fit-codes")
            if rows is None:
                return 2
            if len(rows) < 2:
                print(f"{program_name()}: error: --fit-codes {args.fit_codes}: a Gaussian needs at least two sentences", file=sys.stderr)
                return 2
            batches = [collate_sentences(rows[start : start + 256]) for start in range(0, len(rows), 256)]
            mean, covariance = latent_gaussian(model, batches)
            z = gaussian_draws(torch.randn(args.num, model.config.latent_size), mean, covariance)
        else:
            z = torch.randn(args.num, model.config.latent_size)
        decoded = generate(model.decoder, z, len(z), max_length=args.max_length, **decoding_options(args),
                           fluency_model=fluency, acceptable=clause)
    for ids in decoded:
        print(" ".join(vocab.decode(ids)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
