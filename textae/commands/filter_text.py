"""Keep the lines of a text that read as sentences, to train a sentence model on prose only.

Examples:
    python scripts/filter_text.py $TEXTAE_DATA_DIR/ptb/ptb.train.txt runs/ptb.train.sentences.txt \\
        --clause-parser runs/parser-ptb_sample-lmtext-seed0/model \\
        --refuse-boilerplate $TEXTAE_DATA_DIR/ptb/ptb.train.txt --refused runs/ptb.train.refused.txt
    python scripts/train_vae.py --ptb-512 --train-file runs/ptb.train.sentences.txt \\
        --dev-file $TEXTAE_DATA_DIR/ptb/ptb.valid.txt --test-file $TEXTAE_DATA_DIR/ptb/ptb.test.txt

A decoder reproduces what its training text holds, and the Penn Treebank's holds the
newspaper's tables, boxes, standing footnotes and headlines beside its prose (`london
interbank offered rates libor N N N one month ...`): a sentence VAE trained on it decodes
such lines between sentences. This program writes the lines of INPUT (one pre-tokenized
sentence per line, as train_vae.py --train-file reads them) that pass the same judges as
interpolate.py's and sample.py's decoding: with --clause-parser, the lines a labelled PTB
parser reads as a sentence (a clause with a verb, not a fragment, a subordinate clause
alone, a verb without the complement it needs, a time adjunct in the subject's place or a
participle alone); with --refuse-boilerplate, none of the lines a text reprints as parts of
recurring blocks, their near copies, nor a line holding a run of words only they hold.

Lines are written unchanged, in their order; blank lines are dropped. A line over the
parser's length limit is refused. The counts go to standard error (and to --report as JSON);
--refused writes the refused lines, so a reader can see what the judges took out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from textae.cli import (
    UsageError,
    check_boilerplate_arguments,
    load_boilerplate_filter,
    load_clause_filter,
    parse_bool,
    program_name,
    read_boilerplate,
)
from textae.serialization import CheckpointError

# Lines judged at a time (one call of each judge; the progress bar moves by these).
CHUNK = 512


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="UTF-8 text, one pre-tokenized sentence per line")
    parser.add_argument("output", help="where the lines that pass are written (its folder is created; not INPUT)")
    parser.add_argument("--clause-parser", metavar="DIR",
                        help="the model/ folder of a labelled Penn Treebank parser (scripts/train_parser.py "
                             "--ptb-sample --lm-text true for PTB's language-model text); a line passes when it "
                             "parses as a sentence, as interpolate.py --clause-parser judges decoded ones")
    parser.add_argument("--refuse-boilerplate", metavar="FILE",
                        help="a text in its documents' order (usually INPUT itself): the lines it reprints as "
                             "parts of recurring blocks (tables, boxes, standing footnotes: seen at least 3 times, "
                             "with the same line before or after in at least 3 of 4), their near copies and lines "
                             "holding a run of words only they hold are refused")
    parser.add_argument("--boilerplate-similarity", type=float, metavar="R",
                        help="for --refuse-boilerplate: a line is a near copy when twice the words it has in common "
                             "with a refused line, in order, over the words of both is at least R (default: 0.8)")
    parser.add_argument("--boilerplate-span", type=int, metavar="N",
                        help="for --refuse-boilerplate: refuse a line holding N words in a row that only the "
                             "recurring lines hold; 0: off (default: 5)")
    parser.add_argument("--refused", metavar="FILE", help="also write the refused lines here, in their order")
    parser.add_argument("--report", metavar="FILE",
                        help="also write the counts and the command as JSON here")
    parser.add_argument("--progress", type=parse_bool, default=True, metavar="BOOL",
                        help="show a progress bar on standard error (default: true)")
    args = parser.parse_args(argv)
    check_boilerplate_arguments(parser, args)
    if args.clause_parser is None and args.refuse_boilerplate is None:
        parser.error("nothing to filter by: give --clause-parser DIR, --refuse-boilerplate FILE or both")
    source, target = Path(args.input), Path(args.output)
    for other in (target, Path(args.refused) if args.refused else None, Path(args.report) if args.report else None):
        if other is not None and source.exists() and other.exists() and other.resolve() == source.resolve():
            parser.error(f"{other} is INPUT: write the lines that pass (and --refused, --report) to other files")
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        print(f"{program_name()}: error: {source} is not UTF-8 text ({error.reason} at byte {error.start}); give a "
              "UTF-8 file of one sentence per line", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{program_name()}: error: cannot read {source}: {error.strerror or error}", file=sys.stderr)
        return 2
    lines = [line for line in lines if line.strip()]
    if not lines:
        print(f"{program_name()}: error: {source} has no sentence (only blank lines, or empty)", file=sys.stderr)
        return 2

    from textae.vocab import Vocab

    words = [line.split() for line in lines]
    try:
        found = read_boilerplate(args)
        # every word of INPUT and of the refused lines (the spans' words are among those), so the
        # judges see the lines as they are: two words missing from it would both match as <unk>
        vocab = Vocab.build([*words, *(found[0] if found else ())])
        boilerplate = load_boilerplate_filter(args, vocab, found)
        clause = load_clause_filter(args, vocab)
    except (CheckpointError, UsageError) as error:
        print(f"{program_name()}: error: {error}", file=sys.stderr)
        return 2
    counts = {"lines": len(lines), "kept": 0, "refused_as_boilerplate": 0, "refused_as_not_a_sentence": 0}
    kept: list[bool] = []
    from tqdm import tqdm

    with tqdm(total=len(lines), unit="line", disable=not args.progress, file=sys.stderr) as bar:
        for start in range(0, len(lines), CHUNK):
            rows = [vocab.encode(sentence) for sentence in words[start : start + CHUNK]]
            passed = boilerplate(rows) if boilerplate else [True] * len(rows)
            counts["refused_as_boilerplate"] += passed.count(False)
            wanted = [i for i, verdict in enumerate(passed) if verdict]  # the parser sees only these
            answers = clause([rows[i] for i in wanted]) if clause and wanted else [True] * len(wanted)
            verdicts = [False] * len(rows)
            for i, answer in zip(wanted, answers, strict=True):
                verdicts[i] = bool(answer)
            counts["refused_as_not_a_sentence"] += len(wanted) - sum(verdicts)
            kept.extend(verdicts)
            bar.update(len(rows))
    counts["kept"] = sum(kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(line + "\n" for line, keep in zip(lines, kept, strict=True) if keep), encoding="utf-8")
    if args.refused:
        refused = Path(args.refused)
        refused.parent.mkdir(parents=True, exist_ok=True)
        refused.write_text("".join(line + "\n" for line, keep in zip(lines, kept, strict=True) if not keep),
                           encoding="utf-8")
    share = 100.0 * counts["kept"] / counts["lines"]
    print(f"kept {counts['kept']:,} of {counts['lines']:,} lines ({share:.1f}%) in {target}; refused "
          f"{counts['refused_as_boilerplate']:,} as boilerplate and {counts['refused_as_not_a_sentence']:,} as not a "
          "sentence", file=sys.stderr)
    if args.report:
        report = Path(args.report)
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps({"command": " ".join([Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None
                                                                                      else argv)]),
                                      "input": str(source), "output": str(target),
                                      "clause_parser": args.clause_parser,
                                      "refuse_boilerplate": args.refuse_boilerplate,
                                      "counts": counts, "kept_percent": round(share, 2)}, indent=1) + "\n",
                          encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
