#!/usr/bin/env python
"""Which of a training text's lines are boilerplate, and what refusing them does to judged steps.

`--refuse-boilerplate FILE` (interpolate.py, sample.py; `textae.decoding.line_filter` over
`textae.corpora.text.recurring_block_lines`) refuses, word for word, the lines a training text
reprints as parts of recurring blocks: seen at least --min-count times (3), with the same line
right before or right after it in at least --min-share of them (0.75). PTB's Mikolov text keeps
its articles' order, so the Wall Street Journal's daily boxes (money rates, the earnings-surprise
table's footnotes, mortgage yields) recur in it line after line, while a sentence the corpus
repeats in prose (`terms were n't disclosed`) has other neighbours each time. The sentence VAE
reproduces such lines whole, and the clause parser reads some as clauses (`the percent difference
compares actual profit with the 30-day estimate where at least three analysts have issues
forecasts in the past N days`, a footnote with the newspaper's own typo).

This benchmark needs no model. It measures, on PTB's training text:

- the lines kept (distinct, and the training lines they cover), at the default thresholds and
  at neighbouring ones (--min-count 2, 3, 5; --min-share 0.5, 0.67, 0.75, 0.9);
- the PTB test lines that are copies of a kept line (they are boilerplate too: the share bounds
  how often a real line of the corpus would be refused);
- on the judged interpolation steps (every row of the --judged files, by default every
  results/*_judged.tsv; each distinct sentence counted once): how many of those judged bad, and
  of those judged ok, the filter refuses;
- the same two figures with near copies refused too (`textae.decoding.line_filter`'s
  min_similarity, --boilerplate-similarity: 0.7, 0.8 (its default), 0.9; 1 is word for word),
  with the PTB test lines that are near copies (printed, so that one can see what they are);
- the same with the sentences that hold a run of words only the kept lines hold refused
  (`textae.corpora.text.block_spans`, --boilerplate-span: 3 to 6 words, 5 its default), beside
  word-for-word copies alone, and the PTB test lines the whole default filter refuses (printed).

The word-for-word rule was written after reading pairs 41-60 of the H200 model, the near copies
after pairs 71-80, the runs of words after pairs 81-100 (session 28), so those files are not a
test of it; fresh pairs read with it are.

Writes benchmarks/results/<--name>.json (default boilerplate_filter); no corpus line is written
to it (the refused judged steps are printed, and are the committed files' own rows).

    python benchmarks/boilerplate_filter.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import RESULTS, read_judged, write_result  # noqa: E402

COUNTS = (2, 3, 5)
SHARES = (0.5, 0.67, 0.75, 0.9)
SIMILARITIES = (0.7, 0.8, 0.9)
SPANS = (3, 4, 5, 6)


def judged_sentences(paths: list[Path]) -> dict[str, bool]:
    """Each distinct judged sentence of ``paths`` (all decodings' rows) -> whether it was judged
    bad. A sentence judged both ways (by two readings) counts as bad."""
    verdicts: dict[str, bool] = {}
    for path in paths:
        steps, bad = read_judged(path, decoding=None)
        for step, judged_bad in zip(steps, bad, strict=True):
            verdicts[step] = verdicts.get(step, False) or judged_bad
    return verdicts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judged", nargs="+", metavar="TSV",
                        help="files of judged steps (as benchmarks/clause_filter.py reads them; every row is read) "
                             "(default: every benchmarks/results/*_judged.tsv)")
    parser.add_argument("--min-count", type=int, default=3, help="the filter's threshold (default: 3)")
    parser.add_argument("--min-share", type=float, default=0.75, help="the filter's threshold (default: 0.75)")
    parser.add_argument("--name", default="boilerplate_filter",
                        help="results file: benchmarks/results/NAME.json (default: boilerplate_filter)")
    args = parser.parse_args(argv)

    from textae.cli import BOILERPLATE_SIMILARITY, BOILERPLATE_SPAN
    from textae.corpora.ptb import load_ptb
    from textae.corpora.text import block_spans, recurring_block_lines
    from textae.decoding import line_filter
    from textae.sentences import build_sentence_vocab

    train = [line for line in load_ptb("train") if line]
    test = [tuple(line) for line in load_ptb("test") if line]
    paths = [Path(path) for path in args.judged] if args.judged else sorted(RESULTS.glob("*_judged.tsv"))
    verdicts = judged_sentences(paths)
    bad = {step for step, judged_bad in verdicts.items() if judged_bad}
    ok = set(verdicts) - bad

    def measure(min_count: int, min_share: float) -> tuple[dict, set]:
        kept = recurring_block_lines(train, min_count=min_count, min_share=min_share)
        words = {" ".join(line) for line in kept}
        kept_set = set(kept)
        return {"lines": len(kept),
                "train_lines_covered": sum(tuple(line) in kept_set for line in train),
                "test_lines_refused": sum(line in kept_set for line in test),
                "judged_bad_refused": len(bad & words),
                "judged_ok_refused": len(ok & words)}, words

    metrics: dict = {"train_lines": len(train), "test_lines": len(test),
                     "judged_files": [path.name for path in paths],
                     "judged_bad_sentences": len(bad), "judged_ok_sentences": len(ok)}
    chosen, words = measure(args.min_count, args.min_share)
    metrics.update(chosen)
    metrics["test_lines_refused_percent"] = 100.0 * chosen["test_lines_refused"] / len(test)
    metrics["train_lines_covered_percent"] = 100.0 * chosen["train_lines_covered"] / len(train)
    metrics["thresholds"] = {f"min_count_{count}_min_share_{share}": measure(count, share)[0]
                             for count in COUNTS for share in SHARES}
    for verdict, steps in (("bad", bad), ("ok", ok)):
        for step in sorted(steps & words):
            print(f"refused, judged {verdict}: {step}")
    # near copies and runs of words, judged as --refuse-boilerplate judges them (PTB's
    # vocabulary is its training words)
    vocab = build_sentence_vocab(train)
    judged_rows = [vocab.encode(step.split()) for step in verdicts]
    test_rows = [vocab.encode(line) for line in test]
    kept = recurring_block_lines(train, min_count=args.min_count, min_share=args.min_share)

    def refusals(**options) -> tuple[dict, set[str], list[tuple[str, ...]]]:
        """line_filter(vocab, kept, **options)'s counts, the judged steps and test lines it refuses."""
        judge = line_filter(vocab, kept, **options)
        refused_steps = {step for step, passed in zip(verdicts, judge(judged_rows), strict=True) if not passed}
        refused_test = [line for line, passed in zip(test, judge(test_rows), strict=True) if not passed]
        return ({"test_lines_refused": len(refused_test), "judged_bad_refused": len(refused_steps & bad),
                 "judged_ok_refused": len(refused_steps & ok)}, refused_steps, refused_test)

    near: dict = {}
    for similarity in SIMILARITIES:
        near[f"min_similarity_{similarity}"], refused_steps, refused_test = refusals(min_similarity=similarity)
        if similarity == BOILERPLATE_SIMILARITY:
            for step in sorted(refused_steps - words):
                print(f"near copy refused, judged {'bad' if step in bad else 'ok'}: {step}")
            for line in refused_test:
                if " ".join(line) not in words:
                    print(f"near copy refused, PTB test line: {' '.join(line)}")  # printed only
    metrics["near_copies"] = near
    with_spans: dict = {}
    for length in SPANS:  # word-for-word copies and the runs only the kept lines hold, no near copies
        spans = block_spans(train, kept, length)
        with_spans[f"span_{length}"] = {"spans": len(spans), **refusals(spans=spans)[0]}
    metrics["runs_of_words"] = with_spans
    # the whole default filter of --refuse-boilerplate
    counts, refused_steps, refused_test = refusals(min_similarity=BOILERPLATE_SIMILARITY,
                                                   spans=block_spans(train, kept, BOILERPLATE_SPAN))
    metrics["default_filter"] = {"min_similarity": BOILERPLATE_SIMILARITY, "span": BOILERPLATE_SPAN, **counts}
    for step in sorted(refused_steps):
        print(f"the default filter refuses, judged {'bad' if step in bad else 'ok'}: {step}")
    for line in refused_test:
        print(f"the default filter refuses, PTB test line: {' '.join(line)}")  # printed only
    print(f"min_count {args.min_count}, min_share {args.min_share}: {chosen['lines']} lines kept, covering "
          f"{chosen['train_lines_covered']} of {len(train)} training lines; {chosen['test_lines_refused']} of "
          f"{len(test)} test lines refused; judged steps refused: {chosen['judged_bad_refused']} of {len(bad)} bad, "
          f"{chosen['judged_ok_refused']} of {len(ok)} ok (distinct sentences)")
    for key, row in metrics["thresholds"].items():
        print(f"  {key}: {row}")
    for key, row in near.items():
        print(f"  near copies, {key}: {row}")
    for key, row in with_spans.items():
        print(f"  runs of words, {key}: {row}")
    print(f"  the default filter: {metrics['default_filter']}")
    path = write_result(args.name, seeds=[], metrics=metrics, published={},
                        notes=f"textae.corpora.text.recurring_block_lines(PTB train, min_count={args.min_count}, "
                              f"min_share={args.min_share}): lines seen at least min_count times with the same line "
                              "before or after in at least min_share of them; judged_*: distinct sentences of the "
                              "judged files (one reader's verdicts, every decoding's rows), refused when they are a "
                              "kept line word for word; thresholds: the same at other settings; near_copies: "
                              "refused when textae.decoding.line_filter's similarity to a kept line (difflib's "
                              "ratio over the words) is at least min_similarity (--boilerplate-similarity, 0.8 "
                              "by default); runs_of_words: refused word for word or when holding a run of span "
                              "words that only kept lines hold in the training text (textae.corpora.text."
                              "block_spans; --boilerplate-span, 5 by default), without near copies; default_filter: "
                              "all three as --refuse-boilerplate applies them; the word-for-word rule was chosen "
                              "after reading pairs 41-60 of the H200 seed-0 VAE, the near copies after pairs 71-80, "
                              "the runs of words after pairs 81-100 (session 28)")
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
