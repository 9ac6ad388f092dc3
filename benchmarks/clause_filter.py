#!/usr/bin/env python
"""How well a parser tells the sentence VAE's fragments from its sentences.

`--clause-parser` (interpolate.py, sample.py; `textae.decoding.clause_filter`) keeps beam search
to hypotheses that a labelled Penn Treebank parser parses as a clause (root S, SINV, SQ or
SBARQ) with a verb (`textae.decoding.is_clause`). This benchmark measures that judge on text
already written, with no sentence model:

- the 80 steps of the LM re-ranked interpolations that
  benchmarks/results/sentence_vae_interpolations.txt held from session 15 on, with one reader's
  judgement of which are fragments or ungrammatical (11 of the 80, session 17's reading), kept
  in benchmarks/results/clause_filter_judged.tsv (--judged: another such file). The figures: how many of the judged-bad steps the judge rejects (the filter would have
  decoded something else there), and how many of the others (wrongly rejected: the filter
  would have replaced a good step);
- a random sample of PTB test lines (Mikolov's text, as the VAE reads it): the share the
  judge accepts. PTB holds headlines and table lines too, so not every line is a sentence;
  the share bounds how often real lines would be turned away.

A parser is the model/ folder of `python scripts/train_parser.py --ptb-sample --output-dir DIR`
(labelled, trained on the WSJ sample; ~30 minutes on two CPU cores), with `--lm-text true` for
one trained on the WSJ words as the PTB language-model text writes them (lower case, numbers
as N, no punctuation), the text the VAE writes.

Writes benchmarks/results/clause_filter.json: interpolation_steps, judged_bad, ptb_test_lines
and, under each parser's run-folder name, bad_rejected, good_rejected, ptb_test_accepted_percent
(the judge --clause-parser applies, textae.decoding.is_clause: a clause root and a verb), the
same by the root label alone, and the root labels seen.

    python benchmarks/clause_filter.py --parser runs/parser-ptb_sample-seed0/model \\
        runs/parser-ptb_sample-lmtext-seed0/model
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
from pathlib import Path

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import RESULTS, write_result  # noqa: E402

JUDGED = RESULTS / "clause_filter_judged.tsv"


def read_judged(path: Path) -> tuple[list[str], list[bool]]:
    """The judged steps and whether each was judged bad, from a ``verdict<TAB>step`` file
    (``#`` lines are comments; the first other line is the header)."""
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    if not rows or rows[0] != "verdict\tstep":
        raise SystemExit(f"error: {path} must start (after # comments) with the header 'verdict<TAB>step'")
    steps, bad = [], []
    for number, line in enumerate(rows[1:], start=2):
        verdict, _, step = line.partition("\t")
        if verdict not in ("ok", "bad") or not step:
            raise SystemExit(f"error: {path}, row {number}: expected 'ok' or 'bad', a tab and the step, got {line!r}")
        steps.append(step)
        bad.append(verdict == "bad")
    return steps, bad


def parser_name(folder: str) -> str:
    """A parser's name in the results: its run folder's (the parent of model/)."""
    path = Path(folder).resolve()
    return path.parent.name if path.name == "model" else path.name


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parser", required=True, nargs="+", metavar="DIR",
                        help="model/ folder of a scripts/train_parser.py --ptb-sample run (several: each is measured)")
    parser.add_argument("--ptb-lines", type=int, default=500, metavar="N",
                        help="random PTB test lines to parse (default: 500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the PTB sample (default: 0)")
    parser.add_argument("--judged", default=str(JUDGED),
                        help="the judged steps, 'ok' or 'bad', a tab and the sentence per line (default: "
                             "benchmarks/results/clause_filter_judged.tsv)")
    args = parser.parse_args(argv)

    from parsers.parser import load_parser
    from parsers.tokenize import to_ptb_tokens
    from textae.corpora.ptb import load_ptb
    from textae.decoding import CLAUSE_LABELS, is_clause, root_label

    steps, bad = read_judged(Path(args.judged))
    lines = [line for line in load_ptb("test") if line]
    sample = random.Random(args.seed).sample(lines, min(args.ptb_lines, len(lines)))
    metrics: dict = {"interpolation_steps": len(steps), "judged_bad": sum(bad), "ptb_test_lines": len(sample)}
    for folder in args.parser:
        chart = load_parser("chart", folder)
        trees = chart.parse_many([to_ptb_tokens(step.split()) for step in steps])  # as clause_filter reads them
        roots = [root_label(tree) for tree in trees]
        rejected = [not is_clause(tree) for tree in trees]  # the judge --clause-parser applies
        print(f"# {folder}")
        for step, label, judged, out in zip(steps, roots, bad, rejected, strict=True):
            print(f"{label:6s} {'out' if out else '   '} {'BAD ' if judged else '    '}{step}")
        ptb_trees = chart.parse_many([to_ptb_tokens(line) for line in sample])
        ptb_roots = collections.Counter(root_label(tree) for tree in ptb_trees)
        clause = sum(count for label, count in ptb_roots.items() if label in CLAUSE_LABELS)
        measured = {
            "model": folder,
            "bad_rejected": sum(r and b for r, b in zip(rejected, bad, strict=True)),
            "good_rejected": sum(r and not b for r, b in zip(rejected, bad, strict=True)),
            "bad_rejected_by_root_alone": sum(label not in CLAUSE_LABELS and b for label, b in zip(roots, bad, strict=True)),
            "good_rejected_by_root_alone": sum(label not in CLAUSE_LABELS and not b
                                               for label, b in zip(roots, bad, strict=True)),
            "interpolation_roots": dict(collections.Counter(roots).most_common()),
            "ptb_test_accepted_percent": 100.0 * sum(map(is_clause, ptb_trees)) / len(sample),
            "ptb_test_clause_root_percent": 100.0 * clause / len(sample),
            "ptb_test_roots": dict(ptb_roots.most_common()),
        }
        metrics[parser_name(folder)] = measured
        print(f"{parser_name(folder)}: judged bad {sum(bad)}/{len(steps)}: rejected {measured['bad_rejected']}; "
              f"others rejected {measured['good_rejected']}/{len(steps) - sum(bad)}; PTB test lines accepted "
              f"{measured['ptb_test_accepted_percent']:.1f}% of {len(sample)}")
    path = write_result("clause_filter", seeds=[args.seed], metrics=metrics, published={},
                        notes="one reader's judgement of the interpolation steps (results/clause_filter_judged.tsv); "
                              "accepted: textae.decoding.is_clause (root in " + ", ".join(sorted(CLAUSE_LABELS)) +
                              ", and a verb tag); per parser (its run folder's name): bad_rejected, good_rejected, "
                              "ptb_test_accepted_percent, and the same by the root label alone")
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
