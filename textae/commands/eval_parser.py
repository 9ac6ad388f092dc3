"""Score parser output against gold trees exactly as EVALB does and print EVALB's report.

Examples:
    python scripts/eval_parser.py gold.txt parsed.txt                  # COLLINS.prm conventions
    python scripts/eval_parser.py gold.txt parsed.txt -p my.prm        # any EVALB parameter file
    python scripts/eval_parser.py gold.txt parsed.txt --unlabeled      # spans only, labels ignored
    python scripts/eval_parser.py gold.txt parsed.txt --json           # the summaries as JSON
    python scripts/eval_parser.py sample.gld sample.tst -p sample.prm --style 1997
                                                                       # prints EVALB's sample.rsl

Both files hold one tree per line, PTB brackets, UTF-8, the same sentences in the same order.
An empty or unparseable test line is skipped (status 2); a sentence whose words differ is an
error (status 1); both are left out of the scores. Without -p the parameters are those of
COLLINS.prm: labelled, TOP, -NONE- and punctuation (, : `` '' .) removed, ADVP = PRT, totals
also for sentences of at most 40 words. When no bracket matches and every test bracket has
the same label (parse.py's X), a note on stderr suggests --unlabeled.

The report is what the current EVALB release prints (with F-measure lines); --style 1997 gives
the original release's layout, in which EVALB's sample/sample.rsl is written. Exit status: 0 on
success; 2 for a usage error, a missing file, a bad parameter file, a malformed gold line, a
file that is not UTF-8, files of different lengths, or more error sentences than MAX_ERROR + 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from parsers.evaluate import (
    EvalbInputError,
    EvalbParams,
    EvalbParamsError,
    EvalbResult,
    evaluate_files,
    format_report,
)
from parsers.ptb import TreeParseError, iter_trees


def program() -> str:
    """The name the program was started under (``eval_parser.py``, ``textae-eval-parser``), as
    argparse prefixes its own errors."""
    return Path(sys.argv[0]).name or "eval_parser.py"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=program(),
        description=__doc__.split("\n")[0],
        epilog=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("gold", help="gold trees, one per line")
    parser.add_argument("test", help="parser output, one tree per line, aligned with GOLD")
    parser.add_argument("-p", "--params", metavar="PRM", help="an EVALB parameter file (default: the COLLINS.prm settings)")
    parser.add_argument("--unlabeled", action="store_true", help="score spans only (LABELED 0)")
    parser.add_argument("-e", "--max-error", type=int, metavar="N", help="override MAX_ERROR: stop at the error after N + 1 error sentences")
    parser.add_argument("-c", "--cutoff-len", type=int, metavar="N", help="override CUTOFF_LEN, the length limit of the second summary")
    parser.add_argument("--style", choices=("evalb", "1997"), default="evalb", help="report layout: the current EVALB release (default) or the 1997 original")
    parser.add_argument("--json", action="store_true", help="print the two summaries and the parameters as JSON instead of the report")
    args = parser.parse_args(argv)
    if args.max_error is not None and args.max_error < 0:
        parser.error(f"-e/--max-error must be >= 0 (0 stops at the second error sentence), got {args.max_error}")
    if args.cutoff_len is not None and args.cutoff_len < 0:
        parser.error(f"-c/--cutoff-len must be >= 0 (a length in words), got {args.cutoff_len}")
    return args


def load_params(args: argparse.Namespace) -> EvalbParams:
    params = EvalbParams.from_file(args.params) if args.params else EvalbParams.collins()
    overrides: dict = {}
    if args.unlabeled:
        overrides["labeled"] = False
    if args.max_error is not None:
        overrides["max_error"] = args.max_error
    if args.cutoff_len is not None:
        overrides["cutoff_length"] = args.cutoff_len
    return dataclasses.replace(params, **overrides)


def placeholder_label(path: str | os.PathLike, params: EvalbParams) -> str | None:
    """The one label that every phrase of the trees in ``path`` carries (a ``DELETE_LABEL``
    such as TOP aside), e.g. the ``X`` of a parser that predicts no labels; None when they
    carry several, or none. Lines that cannot be read as trees are passed over."""
    labels: set[str] = set()
    for raw in Path(path).read_bytes().split(b"\n"):
        try:
            trees = list(iter_trees([raw.decode("utf-8")]))
        except (UnicodeDecodeError, TreeParseError):
            continue
        labels.update(node.label for tree in trees for node in tree.subtrees() if not node.is_preterminal)
        labels -= {"", *params.delete_labels}
        if len(labels) > 1:
            return None
    return next(iter(labels), None)


def unlabeled_hint(args: argparse.Namespace, params: EvalbParams, result: EvalbResult) -> str | None:
    """A note for stderr when labelled scoring matched no bracket because the test trees carry
    one placeholder label (``parse.py`` writes ``X``): ``--unlabeled`` scores their spans."""
    summary = result.summary_all
    if not params.labeled or summary.gold_brackets == 0 or summary.matched_brackets > 0:
        return None
    try:
        label = placeholder_label(args.test, params)
    except OSError:
        return None
    if label is None:
        return None
    return (f"note: no bracket matched: every test bracket is labelled {label!r}; if the parser predicts no "
            "labels (scripts/parse.py writes X), score the spans alone with --unlabeled")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        params = load_params(args)
        result = evaluate_files(args.gold, args.test, params)
    except OSError as error:
        # Missing files, folders given as files, permissions: name the path, not a traceback.
        reason = error.strerror or str(error)
        print(f"{program()}: error: cannot read {error.filename}: {reason}", file=sys.stderr)
        return 2
    except (EvalbParamsError, TreeParseError, EvalbInputError) as error:
        print(f"{program()}: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        text = json.dumps(
            {
                "gold": args.gold,
                "test": args.test,
                "params": dataclasses.asdict(params),
                "all": result.summary_all.as_dict(),
                "cutoff": result.summary_cutoff.as_dict(),  # sentences of <= params.cutoff_length words
            },
            indent=2,
        ) + "\n"
    else:
        text = format_report(result, style=args.style)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # `... | head` closed the pipe, which is no error of ours; point stdout at /dev/null so
        # that Python's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    hint = unlabeled_hint(args, params, result)
    if hint is not None:  # on stderr: stdout stays EVALB's report
        print(hint, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
