#!/usr/bin/env python
"""Judge interpolation steps blind: the steps of several files pooled, shuffled, then mapped back.

To compare two models' interpolations (or two decodings) without knowing which wrote a step:

    python benchmarks/blind_judging.py pool A.txt B.txt --out steps.tsv
        # every distinct step of the last decoding of each file, shuffled (--seed), one per row
        # as `?<TAB>step`; the reader replaces each ? by ok or bad
    python benchmarks/blind_judging.py map steps.tsv A.txt B.txt --comment "# who judged, how"
        # writes A_judged.tsv and B_judged.tsv beside the files: `verdict<TAB>step` for each
        # step of the last decoding in the file's order (what clause_filter.py, prose_vae.py and
        # boilerplate_filter.py read), headed by the --comment lines

A step the model decoded twice is judged once. `pool --known C_judged.tsv` writes the steps an
earlier reading already judged (e.g. another decoding of the same pairs) with that verdict, so
the reader judges only the new ones and one sentence keeps one verdict. The files are
interpolation files as benchmarks/sentence_vae.py and prose_vae.py write them (`# decoding: ...`
sections of pairs: `from:`, `to:`, then one numbered step per line).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path


def last_decoding_steps(path: Path) -> list[str]:
    """The steps of the last ``# decoding:`` section of an interpolation file, in order (an
    empty step as '')."""
    return decoding_steps(path, -1)


def decoding_steps(path: Path, index: int) -> list[str]:
    """The steps of the ``index``-th ``# decoding:`` section of an interpolation file (-1: the
    last, -2 the one before), in order (an empty step as '')."""
    lines = _section_lines(path, index)
    if lines is None:
        raise SystemExit(f"blind_judging.py: error: {path} has no '# decoding:' section")
    steps = []
    for line in lines:
        if line.startswith("  ") and line.strip():
            number, _, step = line.strip().partition(" ")
            if not number.isdigit():
                raise SystemExit(f"blind_judging.py: error: {path}: expected a numbered step, got {line!r}")
            steps.append(step.strip())
    return steps


def _section_lines(path: Path, index: int) -> list[str] | None:
    """The lines of the ``index``-th ``# decoding:`` section of an interpolation file after its
    heading line; ``None`` for a file without such a section.

    Raises:
        SystemExit: the file has sections, but not an ``index``-th one.
    """
    sections = path.read_text(encoding="utf-8").split("# decoding:")[1:]
    if not sections:
        return None
    if not -len(sections) <= index < len(sections):
        raise SystemExit(f"blind_judging.py: error: {path} has {len(sections)} '# decoding:' sections, not {index}")
    return sections[index].splitlines()[1:]


def decoding_count(path: Path) -> int:
    """How many ``# decoding:`` sections an interpolation file holds."""
    return len(path.read_text(encoding="utf-8").split("# decoding:")) - 1


def decoding_endpoints(path: Path, index: int = -1) -> list[tuple[str, str, int]]:
    """Each pair of the ``index``-th ``# decoding:`` section of an interpolation file (-1: the
    last): its two sentences (``from:``, ``to:``, words as the model read them) and its number
    of steps, in order; none for a file without such a section."""
    pairs: list[tuple[str, str, int]] = []
    first = ""
    for line in _section_lines(path, index) or []:
        if line.startswith("from:"):
            first = line.removeprefix("from:").strip()
        elif line.startswith("to:"):
            pairs.append((first, line.removeprefix("to:").strip(), 0))
        elif line.startswith("  ") and line.strip() and pairs:
            pairs[-1] = (*pairs[-1][:2], pairs[-1][2] + 1)
    return pairs


def read_verdicts(path: Path) -> dict[str, str]:
    """``step -> ok|bad`` from a filled-in pool TSV or a ``_judged.tsv`` (its comments and
    ``verdict<TAB>step`` header skipped)."""
    verdicts = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"blind_judging.py: error: cannot read verdicts from {path}: {error}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#") or line == "verdict\tstep":
            continue
        verdict, _, step = line.partition("\t")
        if verdict not in ("ok", "bad"):
            raise SystemExit(f"blind_judging.py: error: {path}, row {number}: the verdict must be ok or bad, got "
                             f"{verdict!r}")
        verdicts[step] = verdict
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    pool = commands.add_parser("pool", help="write the distinct steps of the files, shuffled, for a reader")
    pool.add_argument("files", nargs="+", type=Path, help="interpolation files")
    pool.add_argument("--out", type=Path, required=True, help="the TSV the reader fills in")
    pool.add_argument("--seed", type=int, default=31, help="seed of the shuffle (default: 31)")
    pool.add_argument("--known", type=Path, action="append", default=[], metavar="TSV",
                      help="verdicts already given (a _judged.tsv or a filled-in pool TSV, e.g. of another decoding "
                           "of the same pairs; give it again for more): a step they judge is written with that "
                           "verdict instead of ?, so one sentence gets one verdict")
    mapping = commands.add_parser("map", help="write each file's _judged.tsv from the filled-in TSV")
    mapping.add_argument("verdicts", type=Path, help="the TSV of `pool`, each ? replaced by ok or bad")
    mapping.add_argument("files", nargs="+", type=Path, help="the same interpolation files")
    mapping.add_argument("--comment", action="append", default=[],
                         help="a line heading each _judged.tsv (give it again for more lines; '# ' is added)")
    args = parser.parse_args(argv)
    if args.command == "pool":
        steps = sorted({step for path in args.files for step in last_decoding_steps(path)})
        random.Random(args.seed).shuffle(steps)
        known = {step: verdict for path in args.known for step, verdict in read_verdicts(path).items()}
        args.out.write_text("".join(f"{known.get(step, '?')}\t{step}\n" for step in steps), encoding="utf-8")
        given = sum(step in known for step in steps)
        print(f"wrote {len(steps)} distinct steps of {len(args.files)} files to {args.out}"
              + (f" ({given} with their --known verdict, {len(steps) - given} to judge)" if args.known else ""),
              file=sys.stderr)
        return 0
    verdicts = read_verdicts(args.verdicts)
    for path in args.files:
        steps = last_decoding_steps(path)
        missing = [step for step in steps if step not in verdicts]
        if missing:
            raise SystemExit(f"blind_judging.py: error: {args.verdicts} has no verdict for {missing[0]!r} of {path}")
        comments = "".join((line if line.startswith("#") else f"# {line}") + "\n" for line in args.comment)
        rows = "".join(f"{verdicts[step]}\t{step}\n" for step in steps)
        out = path.with_name(f"{path.stem}_judged.tsv")
        out.write_text(comments + "verdict\tstep\n" + rows, encoding="utf-8")
        bad = sum(verdicts[step] == "bad" for step in steps)
        print(f"{out}: {bad} of {len(steps)} steps bad", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
