"""Walk a sentence VAE's latent space from one sentence to another, one decoded sentence per step.

Each sentence is encoded to its posterior mean; --steps points on the line (or, with
--slerp, the great circle) between the two means are decoded.

Examples:
    python scripts/interpolate.py --checkpoint runs/vae-ptb-sentence_vae-seed0/model \\
        "the company said it expects to report a loss" "the market closed higher today" --steps 8
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" --slerp --decode beam
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" \\
        --decode beam --beam-size 10 --length-penalty 0.5 --no-unk
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" \\
        --decode beam --beam-size 10 --length-penalty 0.5 --no-unk --fluency-lm LM_DIR
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" \\
        --decode beam --beam-size 10 --length-penalty 0.5 --no-unk --fluency-lm LM_DIR \\
        --clause-parser runs/parser-ptb_sample-lmtext-seed0/model
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" \\
        --decode beam --beam-size 10 --length-penalty 0.5 --no-unk --fluency-lm LM_DIR \\
        --clause-parser runs/parser-ptb_sample-lmtext-seed0/model --fallback-beam-sizes 20,40
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" \\
        --decode beam --beam-size 10 --length-penalty 0.5 --no-unk --fluency-lm LM_DIR \\
        --clause-parser runs/parser-ptb_sample-lmtext-seed0/model --fallback-beam-sizes 20,40 \\
        --refuse-boilerplate "$TEXTAE_DATA_DIR/ptb/ptb.train.txt"
    python scripts/interpolate.py --checkpoint DIR "a b c" "d e f" \\
        --decode beam --beam-size 10 --length-penalty 0.5 --no-unk --fluency-lm LM_DIR \\
        --clause-parser runs/parser-ptb_sample-lmtext-seed0/model --fallback-beam-sizes 20,40 \\
        --refuse-boilerplate "$TEXTAE_DATA_DIR/ptb/ptb.train.txt" --borrow-accepted

The beam settings of the third example on are those BENCHMARKS.md shows for the PTB VAE (chosen
by reading interpolations between dev sentences: no <unk> loops, unlike greedy, and fewer run-on
sentences than beam search's default length penalty); greedy stays the default.
With --fluency-lm (the model/ folder of a train_vae.py --model lstm_lm run on the same
corpus) the beam's finished sentences are re-ranked with that LM's mean log probability per
token (weight 2.0 by default, chosen the same way), which makes fragments rarer. With
--clause-parser (the model/ folder of scripts/train_parser.py --ptb-sample --lm-text true, a
labelled parser of the WSJ sample's words as PTB's language-model text writes them) each step
outputs the best of the beam's finished sentences that the parser reads as a sentence (a
clause root S, SINV, SQ or SBARQ with a verb, not a subordinate clause standing alone such as
"when the exchange is expected to be sold", nor a wh-word with no verb after it, nor a verb
left without the complement it needs, as in "we do n't want to do", nor a clause whose
subject's place holds a time adjunct, as in "in composite trading yesterday closed at $ N", by
counts of the WSJ sample's gold trees, read from the data directory, nor a participle standing
alone, as in "guaranteed by the new york stock exchange"; since session 33 nor a subordinate
clause left flat or quoted alone, nor a root clause with no verb phrase, as in "even if you do
n't want to do it", nor an auxiliary left without its verb phrase, as in "odds are n't", nor
"one of" with a singular, as in "one of the new york city is ...", nor "ago" with a present, as
in "this is a few years ago"), which keeps out noun-phrase fragments such
as PTB's table lines; the best of all when the parser accepts none, unless
--fallback-beam-sizes names wider beams to search first at such a step (the last example: where
a beam of 10 held only table lines such as "call money N N N to N N", one of 20 or 40 found
"time warner declined to comment"), and unless --borrow-accepted is given: then a step whose
beams hold nothing the judges accept outputs, of the sentences accepted at the other steps, the
one its own latent code scores highest (as its beam ranks sentences).
With --refuse-boilerplate (the text the model was trained on, one sentence per line in its
documents' order) the lines that text reprints as parts of recurring blocks, such as a
newspaper's daily tables and their footnotes, are refused too, with their near copies
(--boilerplate-similarity, 0.8 by default) and any sentence holding five words in a row that
only those lines hold (--boilerplate-span), such as "london interbank offered rates libor": the
decoder reproduces them whole, nearly or blended, and the parser reads some as clauses ("the
percent difference compares actual profit with the 30-day estimate where at least three analysts
have issues forecasts in the past N days", a footnote with the newspaper's own typo). BENCHMARKS.md
reads the fifth and sixth examples' decodings side by side on fresh test pairs: the beam's next
choice after a refusal is as often bad, so the sixth does not lower the count of bad steps. The
last example is the decoding of BENCHMARKS.md's session 33 figures: with the judge's session-33
checks and --borrow-accepted, fewer steps were bad than with the judge before them on each
group of thirty fresh test pairs read (never more on one set of ten), though not none.

Input words are split on spaces; a word the vocabulary lacks is tried lower-cased (PTB's
vocabulary is lower-case), and is otherwise shown as it maps (<unk>).
Sentences longer than --max-length words are cut to it (a note goes to stderr). An empty
sentence, or one whose every word is unknown, is refused with a message (exit code 2).
--checkpoint must hold a sentence_vae or sentence_ae (scripts/train_vae.py --model
sentence_vae or sentence_ae); other models (an LSTM language model, a recursive
autoencoder) are refused, as they have no sentence encoder to walk between.
"""

from __future__ import annotations

import argparse
import sys

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
from textae.decoding import generate, interpolate
from textae.sentences import collate_sentences, encode_user_words
from textae.serialization import CheckpointError
from textae.train import set_seed


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", help="the sentence to start from")
    parser.add_argument("second", help="the sentence to end at")
    parser.add_argument("--checkpoint", required=True, help="model directory of a train_vae.py run (its model/ folder)")
    parser.add_argument("--steps", type=int, default=8, help="sentences printed, both ends included (default: 8)")
    parser.add_argument("--slerp", action="store_true", help="spherical instead of linear interpolation")
    add_decoding_arguments(parser)
    parser.add_argument("--max-length", type=int, default=100, help="longer input is cut to this many words (default: 100)")
    parser.add_argument("--seed", type=seed_int, default=0, help="for --decode sample (default: 0)")
    args = parser.parse_args(argv)
    check_decoding_arguments(parser, args)
    if args.steps < 2:
        parser.error("--steps must be at least 2")
    if args.max_length < 1:
        parser.error(f"--max-length must be at least 1 (words kept of each input sentence), got {args.max_length}")
    return args


def to_ids(text: str, vocab, max_length: int, name: str) -> tuple[list[int], list[str]]:
    words = text.split()
    if not words:
        raise ValueError(f"the {name} sentence is empty")
    if len(words) > max_length:
        print(f"note: the {name} sentence has {len(words)} words; using its first {max_length} (--max-length)",
              file=sys.stderr)
        words = words[:max_length]
    ids = encode_user_words(words, vocab)
    if all(i == vocab.unk_id for i in ids):
        raise ValueError(f"every word of the {name} sentence is unknown to the model's vocabulary: {' '.join(words[:10])}")
    return ids, vocab.decode(ids)


def main(argv=None) -> int:
    args = parse_args(argv)
    set_seed(args.seed)
    try:
        model, vocab = load_sentence_model(args.checkpoint, "interpolation needs a sentence model with an encoder and a decoder")
        fluency = load_fluency_model(args, vocab)
        clause = load_acceptability(args, vocab)
    except (CheckpointError, UsageError) as error:
        print(f"{program_name()}: error: {error}", file=sys.stderr)
        return 2
    try:
        first, first_words = to_ids(args.first, vocab, args.max_length, "first")
        second, second_words = to_ids(args.second, vocab, args.max_length, "second")
    except ValueError as error:
        print(f"{program_name()}: error: {error}", file=sys.stderr)
        return 2
    model.eval()
    print(f"from: {' '.join(first_words)}")
    print(f"to:   {' '.join(second_words)}")
    with torch.no_grad():
        mu, _ = model.encoder(collate_sentences([first, second]))  # [2, Z]
        path = interpolate(mu[0], mu[1], args.steps, spherical=args.slerp)  # [steps, Z]
        limit = max(len(first), len(second), args.min_length) + 20
        decoded = generate(model.decoder, path, args.steps, max_length=limit, **decoding_options(args),
                           fluency_model=fluency, acceptable=clause)
    for step, ids in enumerate(decoded):
        print(f"{step:3d}  {' '.join(vocab.decode(ids))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
