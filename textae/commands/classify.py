"""Print the sentiment of sentences, raw text or parsed trees, with a trained semi-supervised RAE.

Input comes from the arguments (each one read on its own), from --file, or from standard
input. Each argument, file or input is either all trees or all raw text, decided by its
first non-blank character: one that starts with "(" is read as PTB trees (labels are
ignored, so SST trees, trees from any parser, or `(X (X good) (X movie))` all work;
non-binary trees are binarized). Anything else is raw text: split into sentences,
tokenized as SST is, and parsed by --parser (the chart parser of scripts/train_parser.py
by default). Mixing both in one argument, file or input is refused, naming the line at
fault: a line of raw text among trees, or a tree among raw text (a line that starts with
"(", maybe a label, and "(" again, and is a whole tree or the start of one); give them
as separate arguments or files instead. `--input text` or `--input trees` turns the guess
off (e.g. for raw text that starts with "(").

In raw text, line breaks always end a sentence: each non-empty line is split into
sentences on its own, so a file with one sentence per line needs no final punctuation,
and a sentence never spans two lines (a paragraph wrapped over several lines is
therefore split at each line end: join its lines first). Within a line, sentences end
at . ! ? and the like.

Examples:
    python scripts/classify.py --checkpoint runs/sst-semi_supervised_rae-seed0/model \\
        --parser-model runs/parser-sst-seed0/model "A gorgeous, witty film. Not bad at all."
    python scripts/classify.py --checkpoint DIR \\
        "(3 (2 It) (3 (2 's) (3 (2 a) (3 (3 good) (2 movie)))))"
    python scripts/classify.py --checkpoint DIR --file trees.txt --nodes
    cat reviews.txt | python scripts/classify.py --checkpoint DIR --parser balanced --json

Output per sentence: the fine label (very negative .. very positive) with its
probability, the binary label (negative / positive, from p(3)+p(4) vs p(0)+p(1)),
and the sentence; with --nodes, the same for every phrase, indented by depth. A model
trained with --labels binary has two classes: it prints negative / positive only.

With --json, one object per sentence: "sentence"; "label_set", "fine" (5 classes) or
"binary" (a --labels binary model, 2 classes); "label", the index of the predicted class,
and "label_name", its name: fine 0 very negative, 1 negative, 2 neutral, 3 positive,
4 very positive; binary 0 negative, 1 positive (so read "label_name", or "label" together
with "label_set": label 1 is negative in one set and positive in the other);
"probability" of that class; "binary" (negative / positive) and "binary_probability";
with --nodes, "phrases": a list of {"depth", "text", "label", "label_name",
"probability", "binary", "binary_probability"} in pre-order, the sentence first.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from parsers import Tree, TreeParseError, binarize, collapse_unary, iter_trees, parse_tree
from parsers.parser import MAX_DEFAULT_WORKERS, ParseInputError, default_workers, load_parser
from parsers.tokenize import TokenizationError, tokenize_text
from textae.cli import model_folder_hint, program_name
from textae.corpora.sst import LABEL_NAMES
from textae.serialization import CheckpointError, load_model, load_vocab
from textae.train import set_seed
from textae.trees import TreeBatch, TreeStructureError, encode_tree

# A line that starts like a PTB tree: "(", maybe a label, then another "(".
_TREE_START = re.compile(r"\s*\(\s*[^\s()]*\s*\(")


DEFAULT_PARSER_MODEL = "runs/parser-sst-seed0/model"  # where python scripts/train_parser.py --sst writes it


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="*", help="PTB trees or raw text, one item per argument (else --file, else stdin)")
    parser.add_argument("--checkpoint", required=True, help="a model directory (the model/ folder of a train_rae.py run)")
    parser.add_argument("--file", help="a file of PTB trees or of raw UTF-8 text (in text, every line break ends a "
                        "sentence)")
    parser.add_argument("--parser", default="chart", choices=["chart", "right", "left", "balanced"],
                        help="parser for raw text (default: chart)")
    parser.add_argument("--parser-model", default=None,
                        help=f"chart-parser model directory (default: {DEFAULT_PARSER_MODEL}, "
                             "written by python scripts/train_parser.py --sst)")
    parser.add_argument("--parser-precision", default="fp32", choices=["fp32", "bf16"],
                        help="the chart parser's arithmetic: fp32 (default) or bf16 (faster on CPUs with native "
                             "bfloat16; see scripts/parse.py --help)")
    parser.add_argument("--parser-workers", type=int, default=default_workers(),
                        help="the chart parser's batches parsed at once, each on one thread (default: one per CPU "
                             f"core, at most {MAX_DEFAULT_WORKERS}: here {default_workers()}; 1: one batch at a time on all threads; "
                             "the same trees either way, see scripts/parse.py --help)")
    parser.add_argument("--input", default="auto", choices=["auto", "text", "trees"],
                        help="what the input is: auto (default: trees if it starts with '(', else raw text), "
                             "text (always raw text, even if it starts with '(') or trees (always PTB trees)")
    parser.add_argument("--nodes", action="store_true", help="also print the sentiment of every phrase")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per sentence (fields: see below)")
    parser.add_argument("--batch-size", type=int, default=256, help="trees per forward pass (default: 256)")
    args = parser.parse_args(argv)
    if args.inputs and args.file:
        parser.error("give the input as arguments or as --file, not both")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.parser_workers < 1:
        parser.error(f"--parser-workers must be at least 1, got {args.parser_workers}")
    if args.parser_model is not None and args.parser != "chart":
        parser.error(f"--parser-model is the chart parser's model; --parser {args.parser} needs none")
    if args.parser_model is None:
        args.parser_model = DEFAULT_PARSER_MODEL
    return args


def tree_line(text: str) -> int | None:
    """The number of the first line of raw text that is, or starts, a PTB tree (None: none)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not _TREE_START.match(line):
            continue
        if line.count("(") > line.count(")"):  # the first line of a tree spread over several lines
            return number
        try:
            parse_tree(line)
        except TreeParseError:
            continue  # text such as "(see (also) this)"
        return number
    return None


def read_inputs(items: list[tuple[str, str | bytes]], args: argparse.Namespace) -> list[Tree]:
    """Trees from items that start with '(', parses of the sentences of the others.

    Args:
        items: (name for messages, content) pairs: an argument, the --file or standard input.
        args: The command line (--parser, --parser-model).

    Raises:
        ValueError: A tree among raw text, text among trees, or a parser that cannot be loaded.
    """
    trees: list[Tree] = []
    parser = None
    for name, item in items:
        text = item.decode("utf-8", errors="replace") if isinstance(item, bytes) else item
        as_trees = text.lstrip().startswith("(") if args.input == "auto" else args.input == "trees"
        if as_trees:
            try:
                trees.extend(iter_trees(item if isinstance(item, bytes) else [item]))
            except TreeParseError as error:
                near = f" near {error.text!r}" if error.text else ""
                message = f"{name}, line {error.line}, column {error.column}: {error.reason}{near}"
                lines = text.splitlines()
                if args.input == "trees":
                    message += " (--input trees: everything is read as PTB trees)"
                elif 0 < error.line <= len(lines) and not lines[error.line - 1].lstrip().startswith("("):
                    message += (f" (line {error.line} looks like raw text, but {name} starts with '(' so it is "
                                "read as PTB trees throughout; give raw text as a separate argument or file, "
                                "or pass --input text if it is all raw text)")
                else:
                    message += f" ({name} starts with '(' so it is read as PTB trees; --input text reads raw text)"
                raise ValueError(message) from None
            continue
        number = tree_line(text) if args.input == "auto" else None
        if number is not None:
            raise ValueError(f"{name}, line {number} is a PTB tree, but {name} does not start with '(' so it is "
                             "read as raw text throughout (the tree would be classified as words); give trees as "
                             "a separate argument or file (or pass --input text to classify it as words)")
        sentences = tokenize_text(item, split_lines=True)
        if sentences and parser is None:
            if args.parser == "chart" and not Path(args.parser_model).is_dir():
                raise ValueError(f"--parser-model: no chart-parser model at {args.parser_model}: train one with "
                                 "`python scripts/train_parser.py --sst`, pass --parser-model DIR, "
                                 "or use --parser balanced")
            try:
                parser = load_parser(args.parser, args.parser_model if args.parser == "chart" else None,
                                     precision=args.parser_precision, workers=args.parser_workers)
            except (OSError, ValueError) as error:
                raise ValueError(f"--parser-model: {error}") from error
        trees.extend(parser.parse_many(sentences) if sentences else [])
    return trees


def prepare(tree: Tree) -> Tree:
    """Recursive models need binary trees with preterminal leaves."""
    return binarize(collapse_unary(tree, collapse_root=True, keep_preterminals=False))


LABEL_SETS = {5: "fine", 2: "binary"}  # by number of classes: the --labels of train_rae.py


def describe(probabilities: list[float]) -> dict:
    """The predicted class of one node: index, name and probability, and the binary verdict."""
    fine = max(range(len(probabilities)), key=probabilities.__getitem__)
    result = {"label": fine, "probability": probabilities[fine]}
    if len(probabilities) == 5:
        result["label_name"] = LABEL_NAMES[fine]
        positive, negative = probabilities[3] + probabilities[4], probabilities[0] + probabilities[1]
        result["binary"] = "positive" if positive > negative else "negative"
        result["binary_probability"] = max(positive, negative) / (positive + negative)
    elif len(probabilities) == 2:  # a model trained with --labels binary
        result["label_name"] = result["binary"] = ("negative", "positive")[fine]
        result["binary_probability"] = probabilities[fine]
    return result


def phrase_rows(tree: Tree, node_rows: list[int], probabilities) -> list[dict]:
    """Pre-order phrases with depth, text and prediction; ``node_rows`` is post-order."""
    postorder = list(tree.postorder())
    row_of = {id(node): row for node, row in zip(postorder, node_rows, strict=True)}
    rows, stack = [], [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        rows.append({"depth": depth, "text": " ".join(node.leaves()), **describe(probabilities[row_of[id(node)]].tolist())})
        if not node.is_preterminal:
            stack.extend((child, depth + 1) for child in reversed(node.children))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_seed(0)
    try:
        model, vocab = load_model(args.checkpoint), load_vocab(args.checkpoint)
    except (CheckpointError, OSError) as error:
        print(f"{program_name()}: error: cannot load --checkpoint {args.checkpoint}: {error}"
              f"{model_folder_hint('--checkpoint', args.checkpoint)}", file=sys.stderr)
        return 2
    if not hasattr(model, "predict"):
        print(f"{program_name()}: error: --checkpoint {args.checkpoint} holds a {model.model_type} model, which has no sentiment classifier; "
              "train one with --model semi_supervised_rae", file=sys.stderr)
        return 2
    model.eval()
    if args.inputs:
        items: list[tuple[str, str | bytes]] = [(f"argument {number}", item)
                                                for number, item in enumerate(args.inputs, start=1)]
    elif args.file:
        try:
            items = [(args.file, Path(args.file).read_bytes())]
        except OSError as error:
            print(f"{program_name()}: error: cannot read --file {args.file}: {error.strerror or error}", file=sys.stderr)
            return 2
    else:
        items = [("standard input", sys.stdin.buffer.read())]
    try:
        trees = read_inputs(items, args)
        encoded = [encode_tree(prepare(tree), vocab, labels="none") for tree in trees]
    except (TreeParseError, TreeStructureError, TokenizationError, ParseInputError, ValueError, OSError) as error:
        print(f"{program_name()}: error: {error}", file=sys.stderr)
        return 2
    if not encoded:
        return 0
    num_classes = getattr(model.config, "num_classes", None)
    label_set = {"label_set": LABEL_SETS[num_classes]} if num_classes in LABEL_SETS else {}
    for start in range(0, len(encoded), args.batch_size):
        chunk = encoded[start : start + args.batch_size]
        batch = TreeBatch.collate(chunk)
        probabilities = model.predict(batch)  # [N, C]
        offset = 0
        for index, item in enumerate(chunk):
            tree = item.tree
            rows = batch.node_order[offset : offset + item.num_nodes].tolist()
            offset += item.num_nodes
            sentence = {"sentence": " ".join(tree.leaves()), **label_set,
                        **describe(probabilities[batch.roots[index]].tolist())}
            if args.nodes:
                sentence["phrases"] = phrase_rows(tree, rows, probabilities)
            print_sentence(sentence, as_json=args.json)
    return 0


def print_sentence(sentence: dict, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(sentence, ensure_ascii=False))
        return
    def line(item: dict) -> str:
        name = item.get("label_name", str(item["label"]))
        binary = f"  {item['binary']:>8} {item['binary_probability']:.2f}" if "binary" in item else ""
        return f"{name:>13} {item['probability']:.2f}{binary}"
    print(f"{line(sentence)}  {sentence['sentence']}")
    for phrase in sentence.get("phrases", [])[1:]:
        print(f"    {line(phrase)}  {'  ' * phrase['depth']}{phrase['text']}")


if __name__ == "__main__":
    sys.exit(main())
