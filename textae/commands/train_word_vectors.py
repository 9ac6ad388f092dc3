"""Pre-train skip-gram word vectors on the unlabelled text textae has, for any model's --word-vectors.

Examples:
    python scripts/train_word_vectors.py                               # PTB + SST train + MSRP train
    python scripts/train_word_vectors.py --corpora ptb --size 50 --output runs/vectors50/vectors.txt
    python scripts/train_word_vectors.py --text-file my_corpus.txt     # any one-sentence-per-line text

Corpora (all lower-cased, as the SST preset's vocabulary):
    ptb   Mikolov's PTB train text (887k words; numbers are N, rare words <unk>)
    sst   the SST *train* sentences (text only, no labels)
    msrp  the MSRP *train* sentence pairs (text only, no labels)
MR is not offered on purpose: SST's dev and test sentences are MR snippets, so vectors
trained on MR would have seen the SST test text. Writes a word2vec text file and, next to
it, vectors.json with every setting and the corpus sizes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from textae.cli import UsageError, ensure_folder, seed_int, user_errors
from textae.corpora.text import load_text_corpus
from textae.word_vectors import lowercase_sentences, save_word2vec_text, train_skipgram

CORPORA = ("ptb", "sst", "msrp")


def load_corpus(name: str, data_dir: str | None) -> list[list[str]]:
    if name == "ptb":
        from textae.corpora.ptb import load_ptb

        return load_ptb("train", data_dir)
    if name == "sst":
        from textae.corpora.sst import load_sst

        return [tree.leaves() for tree in load_sst("train", data_dir)]
    if name == "msrp":
        from textae.corpora.msrp import load_msrp

        return [tokens for pair in load_msrp("train", data_dir) for tokens in (pair.tokens1, pair.tokens2)]
    raise ValueError(f"unknown corpus {name!r}; choose from {CORPORA}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="*", choices=CORPORA, default=list(CORPORA),
                        help="which unlabelled text to train on (default: all three)")
    parser.add_argument("--text-file", action="append", default=[],
                        help="also train on this file, one sentence per line, white-space tokenised (repeatable)")
    parser.add_argument("--data-dir", default=None, help="corpus folder (default: $TEXTAE_DATA_DIR, else ~/.cache/textae/data)")
    parser.add_argument("--output", default="runs/vectors/vectors.txt", help="word2vec text file to write")
    parser.add_argument("--size", type=int, default=100, help="vector size (default: 100)")
    parser.add_argument("--window", type=int, default=5, help="context words on each side (default: 5)")
    parser.add_argument("--min-count", type=int, default=2, help="drop words seen fewer times (default: 2)")
    parser.add_argument("--negative", type=int, default=5, help="negative samples per pair (default: 5)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the text (default: 10)")
    parser.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    parser.add_argument("--workers", type=int, default=1, help="threads; more than 1 is faster but not repeatable")
    args = parser.parse_args(argv)
    if min(args.size, args.window, args.epochs, args.min_count, args.negative, args.workers) < 1:
        parser.error("--size, --window, --epochs, --min-count, --negative and --workers must be >= 1")
    if Path(args.output).suffix == ".json":  # the run's settings are written to <stem>.json beside it
        parser.error(f"--output {args.output}: the settings go to a .json file of that name beside the vectors; "
                     "give the vectors another suffix (e.g. .txt)")
    if not args.corpora and not args.text_file:
        parser.error("nothing to train on: give --corpora and/or --text-file")
    return args


@user_errors
def main(argv=None) -> dict:
    args = parse_args(argv)
    ensure_folder(Path(args.output).parent, "--output")  # before training, not after
    if Path(args.output).is_dir():
        raise UsageError(f"--output {args.output} is a folder; give the path of the file to write")
    started = time.perf_counter()
    sentences: list[list[str]] = []
    sizes = {}
    for name in args.corpora:
        corpus = load_corpus(name, args.data_dir)
        sizes[name] = {"sentences": len(corpus), "tokens": sum(map(len, corpus))}
        sentences += corpus
    for path in args.text_file:
        corpus = load_text_corpus(path)  # refuses a file with no sentence, or not UTF-8, by name
        sizes[path] = {"sentences": len(corpus), "tokens": sum(map(len, corpus))}
        sentences += corpus
    vectors = train_skipgram(lowercase_sentences(sentences), size=args.size, window=args.window, min_count=args.min_count,
                             negative=args.negative, epochs=args.epochs, seed=args.seed, workers=args.workers)
    output = save_word2vec_text(vectors, args.output)
    info = {"command": " ".join(["python", "scripts/train_word_vectors.py", *(argv if argv is not None else sys.argv[1:])]),
            "settings": {k: v for k, v in vars(args).items() if k != "data_dir"}, "corpora": sizes,
            "words": len(vectors.index_to_key), "seconds": time.perf_counter() - started}
    output.with_name(output.stem + ".json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"{len(vectors.index_to_key)} words x {args.size} from {sum(s['tokens'] for s in sizes.values())} tokens "
          f"in {info['seconds']:.0f} s -> {output}")
    return info


if __name__ == "__main__":
    main()
