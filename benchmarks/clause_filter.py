#!/usr/bin/env python
"""How well a parser tells the sentence VAE's fragments from its sentences.

`--clause-parser` (interpolate.py, sample.py; `textae.decoding.clause_filter`) keeps beam search
to hypotheses that a labelled Penn Treebank parser parses as a clause (root S, SINV, SQ or
SBARQ) with a verb (`textae.decoding.is_clause`). This benchmark measures that judge on text
already written, with no sentence model:

- the 80 steps of the LM re-ranked interpolations in
  benchmarks/results/sentence_vae_interpolations.txt (the decoding whose header names
  --fluency-lm), against one reader's judgement of which steps are fragments or ungrammatical
  (JUDGED_BAD below: 11 of the 80, session 17's reading of the file as committed in session
  15). The figures: how many of the judged-bad steps the judge rejects (the filter would have
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

INTERPOLATIONS = RESULTS / "sentence_vae_interpolations.txt"

# One reader's judgement (session 17) of the LM re-ranked block of the committed file: the
# steps that are fragments or ungrammatical. Every other step read as a sentence (some odd in
# meaning, e.g. "no one is going to be done", but grammatical).
JUDGED_BAD = {
    "if you do n't want to do it",  # a conditional clause alone
    "if you 're going to be a lot of money he says",
    "when the supreme court ruling the federal appeals court in new york would n't be reached for comment",
    "the charge on loans to depository institutions by the new york federal reserve bank",  # a table line (x6)
    "it is n't clear whether the company is considering",  # no object
    "source fulton prebon u.s.a inc",  # a table's source line
}
JUDGED_BAD_STEPS = 11  # the six sentences above, counted at every step they appear


def reranked_steps(path: Path) -> list[str]:
    """The decoded steps of the decoding whose header names --fluency-lm (and not
    --clause-parser), in file order."""
    steps, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# decoding"):
            inside = "--fluency-lm" in line and "--clause-parser" not in line
        elif inside and line.startswith("  ") and line.strip():
            steps.append(" ".join(line.split()[1:]))  # after the step number
    return steps


def root(tree) -> str:
    return tree.label.split("+")[0]


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
    args = parser.parse_args(argv)

    from parsers.parser import load_parser
    from textae.corpora.ptb import load_ptb
    from textae.decoding import CLAUSE_LABELS, is_clause

    steps = reranked_steps(INTERPOLATIONS)
    bad = [step in JUDGED_BAD for step in steps]
    if len(steps) != 80 or sum(bad) != JUDGED_BAD_STEPS:
        raise SystemExit(f"error: {INTERPOLATIONS.name} is not the file that was judged ({len(steps)} re-ranked steps, "
                         f"{sum(bad)} judged bad; expected 80 and {JUDGED_BAD_STEPS}): judge the new file first")
    lines = [line for line in load_ptb("test") if line]
    sample = random.Random(args.seed).sample(lines, min(args.ptb_lines, len(lines)))
    metrics: dict = {"interpolation_steps": len(steps), "judged_bad": sum(bad), "ptb_test_lines": len(sample)}
    for folder in args.parser:
        chart = load_parser("chart", folder)
        trees = chart.parse_many([step.split() for step in steps])
        roots = [root(tree) for tree in trees]
        rejected = [not is_clause(tree) for tree in trees]  # the judge --clause-parser applies
        print(f"# {folder}")
        for step, label, judged, out in zip(steps, roots, bad, rejected, strict=True):
            print(f"{label:6s} {'out' if out else '   '} {'BAD ' if judged else '    '}{step}")
        ptb_trees = chart.parse_many(sample)
        ptb_roots = collections.Counter(root(tree) for tree in ptb_trees)
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
                        notes="one reader's judgement of the interpolation steps (JUDGED_BAD in the script); "
                              "accepted: textae.decoding.is_clause (root in " + ", ".join(sorted(CLAUSE_LABELS)) +
                              ", and a verb tag); per parser (its run folder's name): bad_rejected, good_rejected, "
                              "ptb_test_accepted_percent, and the same by the root label alone")
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
