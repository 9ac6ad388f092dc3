"""Parse raw text into constituency trees: one PTB tree per sentence per line.

Text is split into sentences (spaCy's rule-based sentencizer) and Penn-Treebank tokens
following SST's conventions (-LRB-, n't, `` '', \\/), then parsed.

Line breaks always end a sentence: each non-empty line is split into sentences on its own,
so a file with one sentence per line needs no final punctuation, and a sentence never spans
two lines (a paragraph wrapped over several lines is therefore split at each line end: join
its lines first). Within a line, sentences end at . ! ? and the like.

Examples:
    python scripts/parse.py --model runs/parser-sst-seed0/model "A gorgeous, witty film. I loved it."
    python scripts/parse.py --parser balanced --file reviews.txt
    echo "Not bad at all." | python scripts/parse.py --parser right

Parsers: chart (textae's trained span parser; needs --model, the model/ folder of a
scripts/train_parser.py run), right / left (branching baselines), balanced; the baselines
take no --model.
Empty or whitespace-only input prints nothing. Sentences longer than the parser's limit
(512 tokens for the chart parser) are reported on stderr and skipped; other problems
(undecodable bytes, control characters, a --model folder that is not a chart-parser
model) stop with a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from parsers import write_tree
from parsers.parser import MAX_DEFAULT_WORKERS, ParseInputError, default_workers, load_parser
from parsers.tokenize import TokenizationError, tokenize_text


def program() -> str:
    """The name the program was started under (``parse.py``, ``textae-parse``), as argparse
    prefixes its own errors (this module keeps to ``parsers`` and the standard library)."""
    return Path(sys.argv[0]).name or "parse.py"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="*", help="text to parse, the arguments joined by spaces (else --file, "
                        "else standard input)")
    parser.add_argument("--file", help="a UTF-8 text file to parse (every line break ends a sentence)")
    parser.add_argument("--parser", default="chart", choices=["chart", "right", "left", "balanced"],
                        help="which parser (default: chart)")
    parser.add_argument("--model", help="model directory of the chart parser (the model/ folder of a "
                        "scripts/train_parser.py run)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                        help="the chart parser's arithmetic: fp32 (default) or bf16 (bfloat16 autocast; up to 1.5x "
                        "faster on CPUs with native bfloat16, e.g. AVX512-BF16, with nearly the same trees)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="the chart parser's batches parsed at once, each on one thread (default: one per CPU core, "
                        f"at most {MAX_DEFAULT_WORKERS}: here {default_workers()}); 1 parses one batch at a time on all "
                        "threads. The trees are the same; on a 2-core CPU 2 workers parsed SST test 1.0-1.5x faster "
                        "than 1 (median 1.3x)")
    parser.add_argument("--tokens", action="store_true", help="print the tokens of each sentence instead of trees")
    args = parser.parse_args(argv)
    if args.text and args.file:
        parser.error("give the text as arguments or as --file, not both")
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    if args.model is not None and args.parser != "chart":
        parser.error(f"--model is the chart parser's model; --parser {args.parser} needs none")
    return args


def read_input(args: argparse.Namespace) -> str | bytes:
    if args.text:
        return " ".join(args.text)
    if args.file:
        try:
            return Path(args.file).read_bytes()
        except OSError as error:
            raise OSError(f"cannot read --file {args.file}: {error.strerror or error}") from error
    return sys.stdin.buffer.read()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        sentences = tokenize_text(read_input(args), split_lines=True)
    except (TokenizationError, OSError) as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    if args.tokens:
        for tokens in sentences:
            print(" ".join(tokens))
        return 0
    try:
        parser = load_parser(args.parser, args.model, precision=args.precision, workers=args.workers)
    except (OSError, ValueError) as error:
        flag = "--model: " if args.parser == "chart" and args.model is not None else ""
        print(f"{program()}: error: {flag}{error}", file=sys.stderr)
        return 2
    limit = parser.max_tokens
    keep = [tokens for tokens in sentences if limit is None or len(tokens) <= limit]
    for tokens in sentences:
        if limit is not None and len(tokens) > limit:
            print(f"skipped a sentence of {len(tokens)} tokens (the {args.parser} parser accepts at most {limit}): "
                  f"{' '.join(tokens[:8])} …", file=sys.stderr)
    try:
        for tree in parser.parse_many(keep) if keep else []:
            print(write_tree(tree))
    except ParseInputError as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
