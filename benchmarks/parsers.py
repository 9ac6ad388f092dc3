#!/usr/bin/env python
"""Parsers, measured: bracket F1 on SST and the WSJ sample, parsing speed, sentiment on parsed trees.

Uses these trained models, each trained here by its command when its folder is missing (or
with --retrain); the folders below are under --runs-dir (default runs/, which a fresh clone
does not have: pass a folder that outlives it, e.g. --runs-dir /root/textae-runs/parsers):
- the WSJ-sample parser     python scripts/train_parser.py --ptb-sample --output-dir runs/parser-ptb_sample-seed0
- the SST chart parsers     python scripts/train_parser.py --sst --output-dir runs/parser-sst-seed0
                            ... --sst --guide runs/parser-ptb_sample-seed0/model --output-dir runs/parser-sst-guide-seed0
                            ... --guide-spans true --output-dir runs/parser-sst-guidespans-seed0
                            ... --guide ... --word-vectors runs/vectors/vectors.txt --ema-decay 0.999
                                --max-epochs 30 --patience 8 --output-dir runs/parser-sst-guide-w2v-ema-seed0
                            ... the same with --add-wsj-sample true (the WSJ sample's training trees,
                                binarized SST's way, join SST train) --max-epochs 14 --patience 4
                                --output-dir runs/parser-sst-guide-w2v-ema-wsj-seed0
                            ... --sst --word-vectors ... --ema-decay 0.999 --add-wsj-sample true
                                --max-epochs 16 --patience 4 --output-dir runs/parser-sst-w2v-ema-wsj-seed0
- textae's skip-gram vectors python scripts/train_word_vectors.py --output runs/vectors/vectors.txt
- the SST sentiment model   python scripts/train_rae.py --sst --output-dir runs/sst-semi_supervised_rae-seed0

--sst-parser picks the SST parser behind the main figures (F1, speed, sentiment on parsed
trees); every SST parser's test F1 is reported (sst_test_unlabeled_f1_<name>). Every SST
parser is run twice, in float32 and under bfloat16 autocast (keys ending in _bf16);
--precision picks which of the two gives the main figures (the main F1 is always the one of
the same precision as the main speed). On a CPU without native bfloat16 (AVX2 only, where
bf16 is emulated and oneDNN's LSTM refuses it) only float32 is measured and is the main
precision; the results say which with native_bf16.

Then, in this process:
- unlabelled bracket F1 (EVALB semantics, parsers.evaluate, every bracket incl. the root)
  on SST test for the chart parser and the right/left-branching and balanced baselines,
  parsing the gold tokens;
- labelled F1 on WSJ files 0180-0199 (EVALB with COLLINS.prm settings; float32, and under
  bfloat16 as wsj_sample_test_labeled_f1_bf16);
- sentences/s of the chart parser over all 2,210 SST test sentences (median of 5 runs after
  one untimed pass, tokens given, batching and CKY included), with --workers batches parsed at
  once (default 2, this machine's cores; each worker one torch thread) and, for comparison,
  one batch at a time on all threads (keys ending in _workers1); and the time to parse one
  400-token input;
- the sentiment model's root accuracies on SST test with gold trees and with our parser's
  trees of the same tokens;
- SST's binarization convention: the WSJ-sample parser's labelled trees of SST test,
  binarized right-factored, left-factored and from the head outward (parsers.heads), each
  scored against SST's bracketing (wsj_parser_<factor>_binarized_sst_test_unlabeled_f1).

    python benchmarks/parsers.py

With --speed-only it measures the SST parsers' sentences/s and nothing else, into
results/parser_speed.json. Speed depends on a parser's architecture, not on its weights, so
a missing model is stood in for by its own training command run for one optimiser step
(--max-steps 1, into <runs-dir>/speed-stand-ins/): the same sizes, vocabulary and guide. The
results say which parsers were trained (trained_<name>); the stand-ins give no F1. The main
figure is the dev-best trained parser's, or, with none trained, that of results/parsers.json.

    python benchmarks/parsers.py --speed-only --runs-dir /root/textae-runs/parsers
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

# Python puts benchmarks/ first on sys.path, where this very file would shadow the parsers
# package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
REPO = _HERE.parent
sys.path[:] = [str(REPO)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from parsers import (  # noqa: E402
    EvalbParams,
    Tree,
    binarize,
    bracket_f1,
    collapse_unary,
    evaluate_trees,
    remove_empty,
    strip_labels,
)
from parsers.baselines import BalancedParser, LeftBranchingParser, RightBranchingParser  # noqa: E402
from parsers.chart import ChartParser, ChartParserModel, native_bf16  # noqa: E402
from parsers.tree import rewrite_bottom_up  # noqa: E402
from textae.benchmarking import RESULTS as RESULTS_DIR  # noqa: E402
from textae.benchmarking import write_result  # noqa: E402
from textae.commands.train_parser import load_corpus  # noqa: E402
from textae.corpora.sst import load_sst  # noqa: E402
from textae.metrics import sentiment_counts  # noqa: E402
from textae.serialization import load_model, load_vocab  # noqa: E402
from textae.trees import TreeBatch, encode_tree  # noqa: E402

RUNS = "runs"  # the models' folders live under --runs-dir (default: runs/ of the repository)
# The trained models, in training order (the guided SST parsers read the WSJ parser): the run
# folder's name under --runs-dir and its training command. {guide} is the WSJ parser's model/
# folder, {vectors} textae's skip-gram vectors (scripts/train_word_vectors.py).
MODELS = {
    "wsj_parser": ("parser-ptb_sample-seed0", ["scripts/train_parser.py", "--ptb-sample"]),
    "sst_parser_plain": ("parser-sst-seed0", ["scripts/train_parser.py", "--sst"]),
    "sst_parser_guide": ("parser-sst-guide-seed0", ["scripts/train_parser.py", "--sst", "--guide", "{guide}"]),
    "sst_parser_guide_spans": ("parser-sst-guidespans-seed0",
                               ["scripts/train_parser.py", "--sst", "--guide", "{guide}", "--guide-spans", "true"]),
    "sst_parser_guide_w2v_ema": ("parser-sst-guide-w2v-ema-seed0",
                                 ["scripts/train_parser.py", "--sst", "--guide", "{guide}", "--word-vectors", "{vectors}",
                                  "--ema-decay", "0.999", "--max-epochs", "30", "--patience", "8"]),
    "sst_parser_guide_w2v_ema_wsj": ("parser-sst-guide-w2v-ema-wsj-seed0",
                                     ["scripts/train_parser.py", "--sst", "--guide", "{guide}", "--word-vectors",
                                      "{vectors}", "--ema-decay", "0.999", "--add-wsj-sample", "true", "--max-epochs",
                                      "14", "--patience", "4"]),
    "sst_parser_w2v_ema_wsj": ("parser-sst-w2v-ema-wsj-seed0",
                               ["scripts/train_parser.py", "--sst", "--word-vectors", "{vectors}", "--ema-decay", "0.999",
                                "--add-wsj-sample", "true", "--max-epochs", "16", "--patience", "4"]),
    "sentiment": ("sst-semi_supervised_rae-seed0", ["scripts/train_rae.py", "--sst"]),
}
SST_PARSERS = {"plain": "sst_parser_plain", "guide": "sst_parser_guide", "guide-spans": "sst_parser_guide_spans",
               "guide-w2v-ema": "sst_parser_guide_w2v_ema", "guide-w2v-ema-wsj": "sst_parser_guide_w2v_ema_wsj",
               "w2v-ema-wsj": "sst_parser_w2v_ema_wsj"}
STAND_INS = "speed-stand-ins"  # --speed-only: one-step models of missing parsers, under --runs-dir
ONE_STEP = ["--max-steps", "1", "--max-eval-sentences", "8"]


def shown(path: Path) -> str:
    """``path`` as a command shows it: relative to the repository when inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def ensure_vectors(runs: Path, retrain: bool) -> tuple[Path, str]:
    """textae's skip-gram vectors, trained when missing; returns the file and the command."""
    path = runs / "vectors" / "vectors.txt"
    command = ["scripts/train_word_vectors.py", "--output", shown(path)]
    if retrain or not path.is_file():
        subprocess.run([sys.executable, *command], cwd=REPO, check=True)
    return path, " ".join(["python", *command])


def ensure_model(name: str, runs: Path, retrain: bool, fill: dict[str, Path],
                 stand_in: bool = False) -> tuple[Path, str, bool]:
    """The model/ folder of ``name``, trained by its command when missing (or with ``retrain``).

    With ``stand_in`` a missing model is not trained in full: its command runs for one
    optimiser step into ``runs/speed-stand-ins/``, which gives a model of the same
    architecture (same sizes, vocabulary, guide) for timing, not for F1. Returns the
    folder, the command, and whether the model is a trained one.
    """
    folder_name, template = MODELS[name]
    command = [part.format(**{key: shown(value) for key, value in fill.items()}) for part in template]
    folder = runs / folder_name
    trained = (folder / "model" / "config.json").is_file()
    if stand_in and not trained:
        folder, command = runs / STAND_INS / folder_name, command + ONE_STEP
        if retrain or not (folder / "model" / "config.json").is_file():
            subprocess.run([sys.executable, *command, "--output-dir", str(folder), "--progress", "false", "--overwrite"], cwd=REPO,
                           check=True)
    elif retrain or not trained:
        subprocess.run([sys.executable, *command, "--output-dir", str(folder), "--progress", "false", "--overwrite"], cwd=REPO,
                       check=True)
        trained = True
    return folder / "model", " ".join(["python", *command, "--output-dir", shown(folder)]), trained


def with_tags(tree: Tree, tags: list[str]) -> Tree:
    """``tree`` with its preterminal labels replaced by ``tags``, left to right."""
    remaining = iter(tags)
    return rewrite_bottom_up(tree, lambda node, children: Tree(next(remaining), tuple(children))
                             if node.is_preterminal else Tree(node.label, tuple(children)))


def timed_parse(parser: ChartParser, sentences: list[list[str]], runs: int = 5) -> tuple[list[Tree], float]:
    """The parses of ``sentences`` and the median seconds of ``runs`` runs, after one untimed
    pass over all of them (the steady state: oneDNN builds its kernels for each new batch
    shape once; in one-off timings a first pass under bf16 was up to a quarter slower)."""
    parser.parse_many(sentences)
    timings, trees = [], []
    for _ in range(runs):
        started = time.perf_counter()
        trees = parser.parse_many(sentences)
        timings.append(time.perf_counter() - started)
    return trees, statistics.median(timings)


def root_accuracies(model, vocab, trees, gold_labels) -> dict[str, float]:
    """Root fine / binary accuracy of the sentiment model on ``trees`` against gold root labels."""
    correct = {"root_fine_acc": [0.0, 0.0], "root_binary_acc": [0.0, 0.0]}
    with torch.no_grad():
        for start in range(0, len(trees), 256):
            chunk = trees[start : start + 256]
            batch = TreeBatch.collate([encode_tree(tree, vocab, labels="none") for tree in chunk])
            logits = model(batch).logits
            labels = torch.full((batch.num_nodes,), -100, dtype=torch.long)
            labels[batch.roots] = torch.tensor(gold_labels[start : start + 256])
            for key, (c, t) in sentiment_counts(logits, labels, batch.roots).items():
                correct[key][0] += c
                correct[key][1] += t
    return {key: 100.0 * c / t for key, (c, t) in correct.items()}


def measure_speeds(model: ChartParserModel, sentences: list[list[str]], precisions: tuple[str, ...],
                   workers: int) -> tuple[dict[str, float], dict[str, list[Tree]]]:
    """Sentences/s of ``model`` in each precision: with ``workers`` batches at once (key: the
    precision's suffix, "" or "_bf16") and, when ``workers`` > 1, one batch at a time on all
    threads (suffix + "_workers1"). Also returns each precision's trees (the same either way)."""
    speeds, trees = {}, {}
    for precision in precisions:
        suffix = "_bf16" if precision == "bf16" else ""
        for count in dict.fromkeys((workers, 1)):
            parsed, seconds = timed_parse(ChartParser(model, precision=precision, workers=count), sentences)
            speeds[suffix + ("" if count == workers else "_workers1")] = len(sentences) / seconds
            trees.setdefault(precision, parsed)
    return speeds, trees


def stored_sst_parser() -> str | None:
    """The SST parser behind the main figures of results/parsers.json, if that file exists."""
    path = RESULTS_DIR / "parsers.json"
    return json.loads(path.read_text())["metrics"].get("sst_parser") if path.is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retrain", action="store_true", help="train the models again even if present")
    parser.add_argument("--sst-parser", choices=["best-dev", *SST_PARSERS], default="best-dev",
                        help="the SST parser of the main figures: plain (SST only), guide (stacked on the WSJ-sample "
                             "parser's states), guide-spans (and its span scores), guide-w2v-ema (stacked, from textae's "
                             "skip-gram vectors, weight averaging), guide-w2v-ema-wsj (the same with the WSJ sample's "
                             "training trees added, binarized SST's way), w2v-ema-wsj (that without the guide), or "
                             "best-dev: the one with the "
                             "highest dev F1 in its run's test_report.json (default)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="bf16",
                        help="the arithmetic of the main figures (F1, speed, long sentence, sentiment on parsed "
                             "trees): bf16 (default; bfloat16 autocast, for CPUs with native bfloat16) or fp32; "
                             "both are measured and stored either way")
    parser.add_argument("--workers", type=int, default=2,
                        help="batches parsed at once, each on one thread, for the main speed figures (default: 2, "
                             "this machine's cores; ChartParser(workers=...)); with more than 1, one batch at a time "
                             "on all threads is timed too (keys ending in _workers1)")
    parser.add_argument("--runs-dir", default=RUNS,
                        help="folder of the trained models (default: runs/ of the repository); missing ones are "
                             "trained into it")
    parser.add_argument("--speed-only", action="store_true",
                        help="measure only the SST parsers' sentences/s, into results/parser_speed.json: a parser "
                             "whose trained model is missing is stood in for by its training command run for one "
                             "step (the same architecture, vocabulary and guide, so the same speed, but no F1)")
    parser.add_argument("--data-dir", default=None, help="corpora folder (default: $TEXTAE_DATA_DIR)")
    args = parser.parse_args()
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    runs = (REPO / args.runs_dir).resolve()  # an absolute --runs-dir stays as it is
    vectors, vectors_command = ensure_vectors(runs, args.retrain)
    commands, folders, trained = {"vectors": vectors_command}, {}, {}
    fill = {"vectors": vectors}
    for name in MODELS if not args.speed_only else ["wsj_parser", *SST_PARSERS.values()]:
        folders[name], commands[name], trained[name] = ensure_model(name, runs, args.retrain, fill, args.speed_only)
        if name == "wsj_parser":
            fill["guide"] = folders[name]

    test = load_sst("test", args.data_dir)
    sentences = [tree.leaves() for tree in test]
    dev_f1 = {name: json.loads((folders[key].parent / "test_report.json").read_text())["dev"]["bracket_f1"]
              for name, key in SST_PARSERS.items() if trained[key]}
    chosen_by = "--sst-parser"
    if args.sst_parser == "best-dev":
        args.sst_parser, chosen_by = (max(dev_f1, key=dev_f1.get), "dev F1") if dev_f1 else (
            stored_sst_parser() or "guide-w2v-ema", "results/parsers.json")
    # Without native bfloat16 (an AVX2-only CPU) bf16 would silently be float32: measure fp32 only.
    precisions = ("fp32", "bf16") if native_bf16(torch.device("cpu")) else ("fp32",)
    if args.precision not in precisions:
        print("this CPU has no native bfloat16: the main figures are float32 and no _bf16 keys are written",
              file=sys.stderr)
        args.precision = "fp32"
    metrics: dict = {"sst_parser": args.sst_parser, "precision": args.precision,
                     "native_bf16": "bf16" in precisions, "workers": args.workers}
    main_suffix = "_bf16" if args.precision == "bf16" else ""
    chart = parsed = None
    for name, key in SST_PARSERS.items():
        model = ChartParserModel.from_pretrained(folders[key])  # read once, run in both precisions
        label = name.replace("-", "_")
        speeds, trees = measure_speeds(model, sentences, precisions, args.workers)
        for suffix, value in speeds.items():
            metrics[f"sentences_per_second_{label}{suffix}"] = value
        if args.speed_only:
            metrics[f"trained_{label}"] = trained[key]
        else:
            metrics[f"sst_dev_unlabeled_f1_{label}"] = dev_f1[name]
            for precision, precision_trees in trees.items():
                suffix = "_bf16" if precision == "bf16" else ""
                metrics[f"sst_test_unlabeled_f1_{label}{suffix}"] = bracket_f1(test, precision_trees, labeled=False)
        if name == args.sst_parser:
            chart = ChartParser(model, precision=args.precision, workers=args.workers)
            parsed = trees[args.precision]
            metrics["sentences_per_second"] = metrics[f"sentences_per_second_{label}{main_suffix}"]
            if args.workers > 1:
                metrics["sentences_per_second_workers1"] = metrics[f"sentences_per_second_{label}{main_suffix}_workers1"]
            if not args.speed_only:
                metrics["sst_test_unlabeled_f1"] = metrics[f"sst_test_unlabeled_f1_{label}{main_suffix}"]
    if args.speed_only:
        metrics["sst_parser_chosen_by"] = chosen_by
        metrics["wsj_parser_trained"] = trained["wsj_parser"]
        path = write_result("parser_speed", seeds=[0], metrics=metrics, published={
            "note": "floor of issue #3: 500 sentences/s parsing SST test on this 2-core machine"},
            notes="models: " + "; ".join(commands.values()))
        for key, value in metrics.items():
            print(f"{key:50} {value:10.2f}" if isinstance(value, float) else f"{key:50} {value}")
        print(f"-> {path}")
        return
    long_sentence = [word for sentence in sentences for word in sentence][:400]  # real words, run together
    started = time.perf_counter()
    chart.parse(long_sentence)
    metrics["long_sentence_400_tokens_seconds"] = time.perf_counter() - started
    for name, baseline in (("right_branching", RightBranchingParser()), ("left_branching", LeftBranchingParser()),
                           ("balanced", BalancedParser())):
        metrics[f"{name}_sst_test_unlabeled_f1"] = bracket_f1(test, baseline.parse_many(sentences), labeled=False)

    wsj_test = load_corpus("ptb_sample", args.data_dir)["test"]
    wsj_model = ChartParserModel.from_pretrained(folders["wsj_parser"])
    # SST's convention: the WSJ parser's labelled trees of SST test, binarized three ways.
    wsj_on_sst = ChartParser(wsj_model, precision=args.precision).parse_many(sentences)
    for factor in ("right", "left", "head"):
        bracketings = [strip_labels(collapse_unary(binarize(tree, factor=factor), collapse_root=True,
                                                   keep_preterminals=False)) for tree in wsj_on_sst]
        metrics[f"wsj_parser_{factor}_binarized_sst_test_unlabeled_f1"] = bracket_f1(test, bracketings, labeled=False)
    wsj_words = [remove_empty(tree).leaves() for tree in wsj_test]
    wsj, *wsj_bf16 = (evaluate_trees(wsj_test, ChartParser(wsj_model, precision=precision).parse_many(wsj_words),
                                     EvalbParams.collins()) for precision in precisions)
    if wsj_bf16:
        metrics["wsj_sample_test_labeled_f1_bf16"] = wsj_bf16[0].summary_all.f1
    metrics.update(wsj_sample_test_labeled_f1=wsj.summary_all.f1, wsj_sample_test_labeled_recall=wsj.summary_all.recall,
                   wsj_sample_test_labeled_precision=wsj.summary_all.precision,
                   wsj_sample_test_tagging_accuracy=wsj.summary_all.tagging_accuracy,
                   wsj_sample_test_sentences=len(wsj_test),
                   wsj_sample_test_error_sentences=wsj.summary_all.error_sentences)
    # The baseline gets the gold tags, so EVALB drops the same punctuation on both sides.
    cleaned = [remove_empty(tree) for tree in wsj_test]
    baseline = [with_tags(tree, [p.label for p in gold.preterminals()])
                for tree, gold in zip(RightBranchingParser().parse_many([t.leaves() for t in cleaned]), cleaned, strict=True)]
    metrics["right_branching_wsj_sample_test_unlabeled_f1"] = bracket_f1(cleaned, baseline, labeled=False,
                                                                         params=EvalbParams.unlabeled())

    sentiment, vocab = load_model(folders["sentiment"]).eval(), load_vocab(folders["sentiment"])
    gold_labels = [int(tree.label) for tree in test]
    on_gold = root_accuracies(sentiment, vocab, test, gold_labels)
    on_parsed = root_accuracies(sentiment, vocab, parsed, gold_labels)
    metrics.update(
        sentiment_test_root_binary_acc_gold_trees=on_gold["root_binary_acc"],
        sentiment_test_root_binary_acc_parsed_trees=on_parsed["root_binary_acc"],
        sentiment_test_root_fine_acc_gold_trees=on_gold["root_fine_acc"],
        sentiment_test_root_fine_acc_parsed_trees=on_parsed["root_fine_acc"],
    )
    published = {
        "note": "No published unlabelled F1 on SST's binarised trees is known to us; the baselines are measured here.",
    }
    path = write_result("parsers", seeds=[0], metrics=metrics, published=published,
                        notes="models trained by: " + "; ".join(commands.values()))
    for key, value in metrics.items():
        print(f"{key:50} {value:10.2f}" if isinstance(value, float) else f"{key:50} {value}")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
