"""Train textae's span-based chart parser (BiLSTM + exact CKY) on SST or the WSJ sample.

Examples:
    python scripts/train_parser.py --sst             # unlabelled binary trees of SST train
    python scripts/train_parser.py --ptb-sample      # labelled, NLTK's 10% WSJ sample
    python scripts/train_parser.py --tiny --dry-run  # a smoke test in seconds
    python scripts/train_parser.py --sst --guide runs/parser-ptb_sample-seed0/model  # stacked on a WSJ parser
    python scripts/train_parser.py --ptb-sample --lm-text true  # for PTB LM text (interpolate.py --clause-parser)
    python scripts/parse.py --parser chart --model runs/parser-sst-seed0/model "A good film ."

Data. --sst: SST train (8,544 trees) / dev / test, unlabelled binary bracketing.
--ptb-sample: <data dir>/ptb_wsj_sample, files wsj_0001-0169 train, 0170-0179 dev (for
early stopping; part of the issue's 0001-0179 training range), 0180-0199 test (NLTK's sample,
downloaded and verified when missing);
functional tags and -NONE- removed, unary chains collapsed into joint labels. With --lm-text
true the words are those of Mikolov's PTB language-model text (lower case, numbers as N, no
punctuation), the text a sentence VAE trained on PTB writes.

--guide DIR stacks the new parser on a trained one: SST's trees come from the Stanford PCFG,
trained on the WSJ, so a parser trained on the labelled WSJ sample knows tags and categories
SST's unlabelled brackets never show; its BiLSTM states (frozen) join the word vectors.

Outputs in --output-dir: run_config.json, metrics.jsonl, model/ (config.json,
model.safetensors, vocab.json: load with parsers.chart.ChartParser.from_pretrained or
--model of scripts/parse.py), checkpoints/ (for --resume), test_report.json (dev and
test bracket F1 scored EVALB-style).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from parsers import as_language_model_text, read_trees, remove_empty, strip_functional_tags
from parsers.chart import (
    ChartExample,
    ChartParser,
    ChartParserConfig,
    ChartParserModel,
    ChartVocab,
    collate,
    gold_spans,
    prepare_treebank_tree,
)
from parsers.heads import head_binarize
from textae.cli import (
    PLACEHOLDER_VOCAB_SIZE,
    UsageError,
    add_dataclass_arguments,
    add_run_arguments,
    build_dataclass,
    check_minimums,
    peek,
    user_errors,
    with_dry_run,
    write_run_config,
)
from textae.corpora.sst import load_sst_splits
from textae.corpora.wsj_sample import wsj_sample_files
from textae.train import ShuffledBatchSampler, TrainConfig, evaluate, fit, set_seed
from textae.word_vectors import WordVectorsError, load_into_embedding


@dataclass(frozen=True)
class ParserDataConfig:
    data_dir: str = ""
    batch_size: int = 32
    min_freq: int = 1
    word_dropout: float = 0.25  # alpha of the <unk> replacement alpha / (alpha + count)
    max_train_sentences: int = 0
    max_eval_sentences: int = 0
    word_vectors: str = ""  # word2vec text file (scripts/train_word_vectors.py) to initialise word vectors
    guide: str = ""  # model/ folder of a trained chart parser whose frozen BiLSTM states become input features
    add_wsj_sample: bool = False  # --sst: add the WSJ sample's files 0001-0179, binarized SST's way, to the training trees
    lm_text: bool = False  # --ptb-sample: every split's words as Mikolov's PTB LM text writes them

    def __post_init__(self) -> None:
        check_minimums(self, {"batch_size": 1, "min_freq": 1, "word_dropout": 0.0, "max_train_sentences": 0,
                              "max_eval_sentences": 0})

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "data_dir": "folder holding sst/ (--sst, --tiny) or ptb_wsj_sample/ (--ptb-sample) "
                    "(empty: $TEXTAE_DATA_DIR, else ~/.cache/textae/data)",
        "batch_size": "training sentences per batch",
        "min_freq": "training words seen fewer times map to <unk> (their characters still reach the model)",
        "word_dropout": "alpha: in training a word seen c times is replaced by <unk> with probability "
                        "alpha / (alpha + c) (0: off)",
        "max_train_sentences": "use only the first N training sentences (0: all)",
        "max_eval_sentences": "use only the first N dev and test sentences (0: all)",
        "word_vectors": "word2vec text file (scripts/train_word_vectors.py) to initialise word vectors; "
                        "its size must be --word-dim",
        "guide": "model/ folder of a trained chart parser (e.g. a --ptb-sample run's) read as a frozen guide: its "
                 "BiLSTM states over the same words join this parser's input (stacking; the guide is saved "
                 "inside the new model)",
        "add_wsj_sample": "--sst only: add the WSJ sample's training files (wsj_0001-0179, 3,669 trees; never its "
                          "test files) to SST train, binarized from the head outward as SST's own trees are "
                          "(parsers.heads.head_binarize), unlabelled",
        "lm_text": "--ptb-sample only: train and score on the WSJ trees over their words as Mikolov's PTB "
                   "language-model text writes them (lower case, numbers as N, no punctuation; "
                   "parsers.transforms.as_language_model_text): a parser for that text, the sentence VAE's "
                   "(interpolate.py --clause-parser)",
    }


PRESETS: dict[str, dict] = {
    "sst": dict(corpus="sst", labeled=False, objective="hinge", optimizer="adam", learning_rate=2e-3, dropout=0.2,
                max_epochs=20, early_stopping_metric="bracket_f1", early_stopping_mode="max", patience=6),
    "ptb_sample": dict(corpus="ptb_sample", labeled=True, optimizer="adam", learning_rate=2e-3, dropout=0.2,
                       max_epochs=40, early_stopping_metric="bracket_f1", early_stopping_mode="max", patience=6),
    "tiny": dict(corpus="sst", labeled=False, word_dim=16, char_dim=8, char_channels=8, lstm_hidden=16,
                 lstm_layers=1, span_hidden=16, max_train_sentences=200, max_eval_sentences=50,
                 optimizer="adam", learning_rate=3e-3, max_epochs=2,
                 early_stopping_metric="bracket_f1", early_stopping_mode="max", patience=0),
}
PRESET_FLAGS = {"sst": "--sst", "ptb_sample": "--ptb-sample", "tiny": "--tiny"}


DRY_RUN = dict(max_train_sentences=64, max_eval_sentences=20, max_steps=2, max_epochs=1, patience=0)  # what --dry-run changes


def preset_values(preset_name: str, dry_run: bool = False) -> dict:
    """What a preset gives the configs (with --dry-run's changes): the values a run uses unless
    flags override them."""
    return with_dry_run(PRESETS[preset_name], dry_run, DRY_RUN)


def load_corpus(name: str, data_dir: str | None) -> dict[str, list]:
    """Splits as lists of Trees (SST as is; WSJ sample raw, prepared later)."""
    if name == "sst":
        return load_sst_splits(data_dir)
    files = wsj_sample_files(data_dir)  # downloaded and verified when missing
    number = lambda path: int(path.stem.split("_")[1])  # noqa: E731
    pick = lambda low, high: [t for f in files if low <= number(f) <= high for t in read_trees(f)]  # noqa: E731
    return {"train": pick(1, 169), "dev": pick(170, 179), "test": pick(180, 199)}


def wsj_as_sst(data_dir: str | None) -> list:
    """The WSJ sample's training files (0001-0179) as SST-style unlabelled binary trees."""
    files = wsj_sample_files(data_dir)
    trees = [t for f in files if int(f.stem.split("_")[1]) <= 179 for t in read_trees(f)]
    return [head_binarize(remove_empty(strip_functional_tags(tree))) for tree in trees]


def to_example(tree, labeled: bool) -> ChartExample:
    prepared = prepare_treebank_tree(tree) if labeled else tree
    spans, tags = gold_spans(prepared, labeled)
    return ChartExample(prepared.leaves(), spans, tags if labeled else None)


class ChartLoader:
    """Batches for fit(): a ShuffledBatchSampler plus word dropout drawn from torch's RNG
    (restored on --resume, so resumed runs see the same <unk> replacements)."""

    def __init__(self, examples, vocab, labeled, batch_size, *, shuffle, seed, word_dropout=0.0):
        self.examples, self.vocab, self.labeled, self.word_dropout = examples, vocab, labeled, word_dropout
        self.batch_sampler = ShuffledBatchSampler(len(examples), batch_size, shuffle=shuffle, seed=seed,
                                                  sort_keys=[len(e.words) for e in examples])

    def __iter__(self):
        for indices in self.batch_sampler:
            generator = np.random.default_rng(int(torch.randint(2**31 - 1, ()))) if self.word_dropout else None
            yield collate([self.examples[i] for i in indices], self.vocab, self.labeled, self.word_dropout, generator)

    def __len__(self) -> int:
        return len(self.batch_sampler)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    presets = parser.add_argument_group("presets (explicit flags override them)")
    group = presets.add_mutually_exclusive_group()
    group.add_argument("--sst", action="store_true", help="unlabelled binary bracketing of SST (default)")
    group.add_argument("--ptb-sample", action="store_true", help="labelled parsing of the WSJ sample")
    group.add_argument("--tiny", action="store_true", help="200 SST sentences, a tiny model, 2 epochs")
    add_run_arguments(parser, default_output="runs/parser-<preset>-seed<seed>, runs/parser-ptb_sample-lmtext-seed<seed> with --lm-text true",
                      dry_run="2 training batches, a few dev/test sentences")
    # The help shows the values each preset gives the flags (and under --dry-run).
    dry_run = peek(argv, switches=("--dry-run",)).dry_run
    presets_shown = {flag: preset_values(name, dry_run) for name, flag in PRESET_FLAGS.items()}
    add_dataclass_arguments(parser, ParserDataConfig, title="data", presets=presets_shown)
    add_dataclass_arguments(parser, ChartParserConfig, skip=("vocab_size", "num_chars", "num_labels", "num_tags", "labeled",
                                                                 "guide_dim"),
                            title="model", presets=presets_shown)
    add_dataclass_arguments(parser, TrainConfig, skip=("output_dir", "seed", "resume"), title="training",
                            presets=presets_shown)
    args = parser.parse_args(argv)
    args.usage_error = parser.error  # bad config values end as usage errors (textae.cli.build_dataclass)
    return args


def default_output_dir(preset_name: str, lm_text: bool, seed: int) -> str:
    """``runs/parser-<preset>-seed<seed>``; with ``--lm-text true`` ``runs/parser-ptb_sample-lmtext-seed<seed>``,
    so that the LM-text parser never lands in the folder of the WSJ parser that ``--guide`` reads."""
    return f"runs/parser-{preset_name}{'-lmtext' if lm_text else ''}-seed{seed}"


@user_errors
def main(argv=None) -> dict:
    args = parse_args(argv)
    preset_name = "ptb_sample" if args.ptb_sample else "tiny" if args.tiny else "sst"
    preset = preset_values(preset_name, args.dry_run)
    data_config = build_dataclass(ParserDataConfig, args, preset)
    output_dir = args.output_dir or (tempfile.mkdtemp(prefix="textae-parser-dry-run-") if args.dry_run
                                     else default_output_dir(preset_name, data_config.lm_text, args.seed))
    train_config = build_dataclass(TrainConfig, args, preset, output_dir=output_dir, seed=args.seed, resume=args.resume)
    labeled = preset["labeled"]
    # Model flags are checked before the data (and so the real sizes) are read.
    build_dataclass(ChartParserConfig, args, preset, vocab_size=PLACEHOLDER_VOCAB_SIZE, num_chars=100, num_labels=10,
                    num_tags=10 if labeled else 0, labeled=labeled, guide_dim=1 if data_config.guide else 0)
    guide = None
    if data_config.guide:
        try:
            guide = ChartParserModel.from_pretrained(data_config.guide)
        except ValueError as error:
            raise UsageError(f"--guide: {error}") from None
    set_seed(args.seed)
    splits = load_corpus(preset["corpus"], data_config.data_dir or None)
    if data_config.max_train_sentences:
        splits["train"] = splits["train"][: data_config.max_train_sentences]
    if data_config.add_wsj_sample:
        if preset["corpus"] != "sst":
            raise UsageError("--add-wsj-sample adds WSJ trees to SST's; it needs --sst")
        added = wsj_as_sst(data_config.data_dir or None)
        print(f"--add-wsj-sample: {len(added)} WSJ trees join {len(splits['train'])} SST training trees", flush=True)
        splits["train"] = splits["train"] + added
    if data_config.lm_text:
        if preset["corpus"] != "ptb_sample":
            raise UsageError("--lm-text rewrites the WSJ sample's words; it needs --ptb-sample")
        splits = {split: [as_language_model_text(tree) for tree in trees] for split, trees in splits.items()}
    if data_config.max_eval_sentences:
        splits["dev"], splits["test"] = (splits[s][: data_config.max_eval_sentences] for s in ("dev", "test"))
    examples = {split: [to_example(tree, labeled) for tree in trees] for split, trees in splits.items()}
    vocab = ChartVocab.build(((e.words, e.spans, e.tags or []) for e in examples["train"]), min_freq=data_config.min_freq)
    model_config = build_dataclass(
        ChartParserConfig, args, preset, vocab_size=len(vocab.words), num_chars=len(vocab.chars),
        num_labels=len(vocab.labels), num_tags=len(vocab.tags) if labeled else 0, labeled=labeled,
        guide_dim=2 * guide.config.lstm_hidden if guide is not None else 0)
    model = ChartParserModel(model_config, vocab, guide)
    if data_config.word_vectors:
        try:
            coverage = load_into_embedding(model.word_embedding, vocab.words, data_config.word_vectors, pad_id=0,
                                           size_flag="--word-dim")
        except (OSError, WordVectorsError) as error:
            raise UsageError(f"--word-vectors: {error}") from None
        print(f"word vectors from {data_config.word_vectors}: {coverage:.1%} of the vocabulary", flush=True)
    train_loader = ChartLoader(examples["train"], vocab, labeled, data_config.batch_size, shuffle=True,
                               seed=args.seed, word_dropout=data_config.word_dropout)
    eval_loaders = {split: ChartLoader(examples[split], vocab, labeled, 64, shuffle=False, seed=0)
                    for split in ("dev", "test")}
    write_run_config(output_dir, {"preset": preset_name, "data": data_config, "model": model_config, "train": train_config},
                     overwrite=args.overwrite)
    print(f"chart parser ({'labelled' if labeled else 'unlabelled'}): "
          f"{len(examples['train'])}/{len(examples['dev'])}/{len(examples['test'])} sentences, "
          f"{len(vocab.words)} words, {len(vocab.labels)} labels, output {output_dir}", flush=True)
    result = fit(model, train_loader, eval_loaders["dev"], train_config)
    if not result.is_main:  # under torchrun, rank 0 writes the report
        return {}
    if result.interrupted:
        return {"interrupted": True}
    best = ChartParserModel.from_pretrained(result.model_dir)
    report = {"preset": preset_name, "seed": args.seed, "best_step": result.best_step, "steps": result.steps,
              "train_seconds": result.train_seconds}
    for split in ("dev", "test"):
        report[split] = evaluate(best, eval_loaders[split])
    parser = ChartParser(best)
    # Parsing speed through the Parser interface, which refuses sentences over --max-tokens
    # (the F1 above is the model's own, over every sentence).
    timed = [e.words for e in examples["test"] if len(e.words) <= best.config.max_tokens]
    if len(timed) < len(examples["test"]):
        print(f"note: {len(examples['test']) - len(timed)} test sentences are longer than --max-tokens "
              f"{best.config.max_tokens}; the parser refuses them, so the speed is timed without them", flush=True)
    report["test_sentences_per_second"] = None
    if timed:
        tic = time.perf_counter()
        parser.parse_many(timed)
        report["test_sentences_per_second"] = len(timed) / (time.perf_counter() - tic)
    report["test_sentences_timed"] = len(timed)
    (Path(output_dir) / "test_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    speed = f"{report['test_sentences_per_second']:.0f} sentences/s" if timed else "no test sentence to time"
    print(f"dev bracket F1 {report['dev']['bracket_f1']:.2f}, test {report['test']['bracket_f1']:.2f}; "
          f"{speed}; model in {result.model_dir}")
    return report


if __name__ == "__main__":
    main()
