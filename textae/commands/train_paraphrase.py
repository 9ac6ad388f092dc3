"""Paraphrase detection on MSRP with an unfolding RAE and dynamic pooling (Socher et al., NIPS 2011).

Examples:
    python scripts/train_paraphrase.py --msrp                   # the full experiment
    python scripts/train_paraphrase.py --tiny --dry-run          # a smoke test in seconds
    python scripts/train_paraphrase.py --msrp --word-vectors runs/vectors/vectors.txt --freeze-embeddings true

Steps:
 1. Trees: every MSRP sentence (and the pre-training text) is parsed by --parser (our
    chart parser by default; SST's train trees are used as given). Parses are cached in
    --trees-cache (per parser, and per chart-parser model) and reused by later runs with the
    same parser and model.
 2. Unsupervised pre-training of an unfolding RAE on the sentences of --pretrain-corpora
    (MSRP train, PTB train, SST train: no labels; 5% held out for early stopping).
 3. Features of a sentence pair: the Euclidean distances between all nodes (words and
    phrases, in the paper's order) of the two sentences, dynamically min-pooled to
    --pool-size x --pool-size and standardised with training statistics, plus the paper's
    extra features: number overlap, length difference, and the shares of each sentence's
    words and phrases found in the other.
 4. Logistic regression (C chosen by --cv-folds-fold cross-validation on MSRP train), scored on
    MSRP test: accuracy and F1 of the paraphrase class. Also reported: the majority class,
    the overlap features alone and the pooled matrix alone.

The vocabulary covers the pre-training text and every MSRP sentence (no labels are used):
a word seen only in MSRP test keeps its random vector, so that two occurrences of it still
match each other rather than every other unknown word.

Outputs in --output-dir: run_config.json, metrics.jsonl, model/ (the unfolding RAE),
checkpoints/, test_report.json.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from parsers import Tree, iter_trees
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
from textae.corpora.msrp import load_msrp
from textae.models import UnfoldingRAE, UnfoldingRAEConfig
from textae.paraphrase import (
    dynamic_min_pool,
    length_features,
    number_features,
    overlap_features,
    pair_distance_matrix,
    paper_node_order,
)
from textae.train import TrainConfig, fit, make_loader, set_seed
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab
from textae.word_vectors import WordVectorsError, load_into_embedding

PRETRAIN_CORPORA = ("msrp", "ptb", "sst")
# Pre-training holds out 1 in 20 trees, at least one, for early stopping and trains on the rest.
MIN_PRETRAIN_SENTENCES = 2
# The classifier's C is chosen by stratified cross-validation, which needs 2 folds, so 2 pairs of each class.
MIN_PAIRS_PER_CLASS = 2


@dataclass(frozen=True)
class ParaphraseDataConfig:
    data_dir: str = ""  # empty: $TEXTAE_DATA_DIR, else ~/.cache/textae/data
    parser: str = "chart"  # chart | right | left | balanced
    parser_model: str = "runs/parser-sst-seed0/model"
    trees_cache: str = "runs/parsed-trees"  # empty: do not cache parses
    pretrain_corpora: str = "msrp,ptb,sst"  # comma-separated subset of msrp, ptb, sst
    max_pretrain_sentences: int = 0  # 0: all
    max_pairs: int = 0  # 0: all MSRP pairs (per split)
    word_vectors: str = ""  # word2vec text file (scripts/train_word_vectors.py); its size must be hidden_size
    batch_size: int = 32
    pool_size: int = 15  # n_p
    cv_folds: int = 10  # folds of the cross-validation that picks the logistic regression's C

    def __post_init__(self) -> None:
        corpora = [name for name in self.pretrain_corpora.split(",") if name]
        if not corpora or any(name not in PRETRAIN_CORPORA for name in corpora):
            raise ValueError(f"pretrain_corpora must be a comma-separated subset of {PRETRAIN_CORPORA}, "
                             f"got {self.pretrain_corpora!r}")
        if self.parser not in ("chart", "right", "left", "balanced"):
            raise ValueError(f"parser must be chart, right, left or balanced, got {self.parser!r}")
        check_minimums(self, {"batch_size": 1, "pool_size": 1, "max_pretrain_sentences": 0, "max_pairs": 0, "cv_folds": 2})
        if 0 < self.max_pretrain_sentences < MIN_PRETRAIN_SENTENCES:
            raise ValueError(f"max_pretrain_sentences must be 0 (all) or at least {MIN_PRETRAIN_SENTENCES} (one is held "
                             f"out for early stopping, one is trained on), got {self.max_pretrain_sentences}")
        if 0 < self.max_pairs < 2 * MIN_PAIRS_PER_CLASS:
            raise ValueError(f"max_pairs must be 0 (all) or at least {2 * MIN_PAIRS_PER_CLASS} (the cross-validation "
                             f"needs {MIN_PAIRS_PER_CLASS} training pairs of each class), got {self.max_pairs}")


PRESETS: dict[str, dict] = {
    "msrp": dict(hidden_size=100, optimizer="adam", learning_rate=1e-3, max_epochs=4, patience=3,
                 eval_every=1000, early_stopping_metric="loss", early_stopping_mode="min", batch_size=32),
    "tiny": dict(hidden_size=8, parser="balanced", pretrain_corpora="msrp", max_pretrain_sentences=300,
                 max_pairs=120, optimizer="adam", learning_rate=3e-3, max_epochs=1, patience=0,
                 early_stopping_metric="loss", early_stopping_mode="min", batch_size=16, trees_cache="", cv_folds=3),
}
PRESET_FLAGS = {"msrp": "--msrp", "tiny": "--tiny"}


DRY_RUN = dict(max_pretrain_sentences=200, max_pairs=60, max_steps=2, max_epochs=1, patience=0,
               trees_cache="")  # what --dry-run changes (a dry run leaves no parse cache behind)


def preset_values(preset_name: str, dry_run: bool = False) -> dict:
    """What a preset gives the configs (with --dry-run's changes): the values a run uses unless
    flags override them."""
    return with_dry_run(PRESETS[preset_name], dry_run, DRY_RUN)


HELP = {
    "data_dir": "folder holding the corpora (msrp/, ptb/, sst/) "
                "(empty: $TEXTAE_DATA_DIR, else ~/.cache/textae/data)",
    "max_pretrain_sentences": "use only the first N pre-training sentences, in --pretrain-corpora order (0: all)",
    "max_pairs": "use only the first N MSRP pairs of train and of test (0: all)",
    "batch_size": "pre-training trees per batch",
    "parser": "chart (our parser, --parser-model) | right | left | balanced",
    "parser_model": "chart-parser model directory (python scripts/train_parser.py --sst writes one)",
    "trees_cache": "folder for parsed trees, reused by later runs (empty: no cache)",
    "pretrain_corpora": "unlabelled text for pre-training, comma-separated: msrp (train), ptb (train), sst (train)",
    "word_vectors": "word2vec text file to initialise word vectors (scripts/train_word_vectors.py)",
    "pool_size": "side of the pooled distance matrix (n_p; the paper: 15)",
    "cv_folds": "folds of the stratified cross-validation on MSRP train that picks the logistic regression's C "
                "(fewer when the smaller class has fewer pairs)",
    "freeze_embeddings": "keep word vectors fixed (the paper, with pre-trained vectors)",
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    presets = parser.add_mutually_exclusive_group()
    presets.add_argument("--msrp", action="store_true", help="the full experiment (default)")
    presets.add_argument("--tiny", action="store_true", help="120 pairs, 300 pre-training sentences, balanced trees, d=8")
    add_run_arguments(parser, default_output="runs/paraphrase-<preset>-seed<seed>",
                      resume=" (the pre-training; the classifier is fitted after it, as always)",
                      dry_run="2 pre-training batches, 60 pairs per split")
    # The help shows the values each preset gives the flags (and under --dry-run).
    dry_run = peek(argv, switches=("--dry-run",)).dry_run
    presets_shown = {flag: preset_values(name, dry_run) for name, flag in PRESET_FLAGS.items()}
    add_dataclass_arguments(parser, ParaphraseDataConfig, help_texts=HELP, title="data", presets=presets_shown)
    add_dataclass_arguments(parser, UnfoldingRAEConfig, skip=("vocab_size",), help_texts=HELP, title="model",
                            presets=presets_shown)
    add_dataclass_arguments(parser, TrainConfig, skip=("output_dir", "seed", "resume"), help_texts=HELP, title="training",
                            presets=presets_shown)
    args = parser.parse_args(argv)
    args.usage_error = parser.error  # bad config values end as usage errors (textae.cli.build_dataclass)
    return args


@functools.cache
def model_digest(model_dir: Path) -> str:
    """The first 12 hex digits of a sha256 over a model folder's files (names and bytes);
    read once per process, though every corpus asks."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(model_dir)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def parse_sentences(sentences: list[list[str]], data: ParaphraseDataConfig, cache_name: str,
                    progress: bool = True) -> list[Tree]:
    """Trees for token lists from the configured parser, through the cache (one folder per
    parser, and for the chart parser per model: named by a digest of its files)."""
    from parsers.parser import load_parser

    if data.parser == "chart" and not Path(data.parser_model).is_dir():
        raise UsageError(f"no chart-parser model at {data.parser_model}: train one with "
                         "`python scripts/train_parser.py --sst`, pass --parser-model DIR, or use --parser balanced")
    cache = None
    if data.trees_cache:
        folder = Path(data.trees_cache) / data.parser
        if data.parser == "chart":
            folder = folder / model_digest(Path(data.parser_model))
        cache = folder / f"{cache_name}.txt"
    if cache is not None and cache.exists():
        trees = list(iter_trees(cache))
        if [tree.leaves() for tree in trees] == sentences:
            return trees
        print(f"ignoring stale parse cache {cache} (different sentences)", flush=True)
    try:
        parser = load_parser(data.parser, data.parser_model if data.parser == "chart" else None)
    except (OSError, ValueError) as error:  # a run folder, another model's folder, a damaged model
        raise UsageError(f"--parser-model: {error}") from error
    started = time.perf_counter()
    trees = []
    with tqdm(total=len(sentences), desc=f"parsing {cache_name}", unit="sentence", disable=not progress,
              leave=False) as bar:
        for start in range(0, len(sentences), 512):
            trees += parser.parse_many(sentences[start : start + 512])
            bar.update(len(sentences[start : start + 512]))
    print(f"parsed {len(sentences)} {cache_name} sentences with {data.parser} in {time.perf_counter() - started:.0f} s",
          flush=True)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("".join(f"{tree}\n" for tree in trees), encoding="utf-8")
    return trees


def pretraining_trees(data: ParaphraseDataConfig, msrp_train_trees: list[Tree], progress: bool = True) -> list[Tree]:
    trees: list[Tree] = []
    for name in data.pretrain_corpora.split(","):
        if name == "msrp":
            trees += msrp_train_trees
        elif name == "ptb":
            from textae.corpora.ptb import load_ptb

            sentences = load_ptb("train", data.data_dir or None)
            if data.max_pretrain_sentences:
                sentences = sentences[: data.max_pretrain_sentences]
            trees += parse_sentences(sentences, data, f"ptb-train-{len(sentences)}", progress)
        elif name == "sst":
            from textae.corpora.sst import load_sst

            trees += load_sst("train", data.data_dir or None)  # gold binary trees
    if data.max_pretrain_sentences:
        trees = trees[: data.max_pretrain_sentences]
    return [tree for tree in trees if len(tree.leaves()) >= 2]


def node_vectors(model: UnfoldingRAE, trees: list[Tree], vocab: Vocab, batch_size: int = 256) -> list[np.ndarray]:
    """``[2n-1, D]`` vectors of each tree's nodes (words and phrases) in the paper's order."""
    model.eval()
    result: list[np.ndarray] = []
    with torch.no_grad():
        for start in range(0, len(trees), batch_size):
            chunk = trees[start : start + batch_size]
            batch = TreeBatch.collate([encode_tree(tree, vocab, label_fn=None, labels="none") for tree in chunk])
            states = model.encoder(batch)[batch.node_order].numpy()  # [N, D] tree-major post-order
            offset = 0
            for tree in chunk:
                size = 2 * len(tree.leaves()) - 1
                result.append(states[offset : offset + size][paper_node_order(tree)])
                offset += size
    return result


def pair_features(vectors1, vectors2, pairs, trees1, trees2, pool_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(pooled distance matrices ``[P, pool^2]``, the paper's extra features ``[P, 9]``:
    number overlap, length difference, shares of words and phrases found in the other)."""
    pooled = np.stack([dynamic_min_pool(pair_distance_matrix(a, b), pool_size).ravel()
                       for a, b in zip(vectors1, vectors2, strict=True)])
    extra = np.stack([np.concatenate([number_features(p.tokens1, p.tokens2), length_features(p.tokens1, p.tokens2),
                                      overlap_features(t1, t2)])
                      for p, t1, t2 in zip(pairs, trees1, trees2, strict=True)])
    return pooled, extra


def classify(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray, seed: int,
             folds: int = 10) -> dict:
    """Logistic regression on standardised features, C by stratified ``folds``-fold CV on train
    (fewer folds when the smaller class has fewer than ``folds`` rows)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = StratifiedKFold(min(folds, int(np.bincount(train_y).min())), shuffle=True, random_state=seed)
    search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
                          {"logisticregression__C": list(np.logspace(-4, 2, 13))}, cv=folds, scoring="accuracy")
    search.fit(train_x, train_y)
    predicted = search.predict(test_x)
    return {"test_acc": 100.0 * accuracy_score(test_y, predicted), "test_f1": 100.0 * f1_score(test_y, predicted),
            "C": float(search.best_params_["logisticregression__C"]), "cv_acc": 100.0 * float(search.best_score_)}


def check_cache_folder(path: Path) -> None:
    """:class:`UsageError` naming ``--trees-cache`` when ``path`` is a file or lies under one
    (found before any parsing, not when the first parse is written)."""
    existing = next((folder for folder in (path, *path.parents) if folder.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"lies under the file {existing}"
        raise UsageError(f"--trees-cache: {path} {where}; give a folder (or --trees-cache '' for no cache)")


def check_class_counts(labels: list[int], max_pairs: int) -> None:
    """:class:`UsageError` when MSRP train has fewer than :data:`MIN_PAIRS_PER_CLASS` pairs of
    a class, which the classifier's cross-validation needs (checked before pre-training)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=2)
    if counts.min() < MIN_PAIRS_PER_CLASS:
        taken = f"the first {max_pairs} MSRP train pairs hold" if max_pairs else "MSRP train holds"
        raise UsageError(f"{taken} {counts[1]} paraphrases and {counts[0]} other pairs; the classifier's "
                         f"cross-validation needs {MIN_PAIRS_PER_CLASS} of each: raise --max-pairs")


@user_errors
def main(argv=None) -> dict:
    args = parse_args(argv)
    preset_name = "tiny" if args.tiny else "msrp"
    preset = preset_values(preset_name, args.dry_run)
    output_dir = args.output_dir or (tempfile.mkdtemp(prefix="textae-paraphrase-dry-run-") if args.dry_run
                                     else f"runs/paraphrase-{preset_name}-seed{args.seed}")
    data = build_dataclass(ParaphraseDataConfig, args, preset)
    train_config = build_dataclass(TrainConfig, args, preset, output_dir=output_dir, seed=args.seed, resume=args.resume)
    build_dataclass(UnfoldingRAEConfig, args, preset, vocab_size=PLACEHOLDER_VOCAB_SIZE)  # model flags checked before reading data
    if data.trees_cache:
        check_cache_folder(Path(data.trees_cache))
    set_seed(args.seed)
    started = time.perf_counter()

    pairs = {split: load_msrp(split, data.data_dir or None, max_pairs=data.max_pairs or None) for split in ("train", "test")}
    check_class_counts([pair.label for pair in pairs["train"]], data.max_pairs)
    msrp_trees = {}
    for split, rows in pairs.items():
        sentences = [tokens for pair in rows for tokens in (pair.tokens1, pair.tokens2)]
        msrp_trees[split] = parse_sentences(sentences, data, f"msrp-{split}-{len(sentences)}", train_config.progress)
    pretrain = pretraining_trees(data, msrp_trees["train"], train_config.progress)
    if len(pretrain) < MIN_PRETRAIN_SENTENCES:
        raise UsageError(f"pre-training needs at least {MIN_PRETRAIN_SENTENCES} sentences of 2 or more words (one is "
                         f"held out), got {len(pretrain)} from --pretrain-corpora {data.pretrain_corpora}; raise "
                         "--max-pretrain-sentences or --max-pairs, or add corpora")
    all_words = [tree.leaves() for tree in pretrain] + [t.leaves() for trees in msrp_trees.values() for t in trees]
    vocab = Vocab.build(all_words, lowercase=True)
    model_config = build_dataclass(UnfoldingRAEConfig, args, preset, vocab_size=len(vocab))
    model = UnfoldingRAE(model_config)
    if data.word_vectors:
        try:
            coverage = load_into_embedding(model.encoder.embedding, vocab, data.word_vectors, size_flag="--hidden-size")
        except (OSError, WordVectorsError) as error:
            raise UsageError(f"--word-vectors: {error}") from None
        print(f"word vectors from {data.word_vectors}: {coverage:.1%} of the vocabulary", flush=True)

    encoded = [encode_tree(tree, vocab, label_fn=None, labels="none") for tree in pretrain]
    order = np.random.default_rng(args.seed).permutation(len(encoded))
    held_out = max(1, len(encoded) // 20)
    dev = [encoded[i] for i in order[:held_out]]
    train = [encoded[i] for i in order[held_out:]]
    train_loader = make_loader(train, data.batch_size, TreeBatch.collate, shuffle=True, seed=args.seed,
                               sort_keys=[int(item.height[-1]) for item in train])
    dev_loader = make_loader(dev, 256, TreeBatch.collate)
    write_run_config(output_dir, {"preset": preset_name, "data": data, "model": model_config, "train": train_config},
                     overwrite=args.overwrite)
    print(f"unfolding RAE: {len(train)} pre-training trees ({held_out} held out), vocabulary {len(vocab)}; "
          f"MSRP {len(pairs['train'])}/{len(pairs['test'])} pairs; output {output_dir}", flush=True)
    fit_started = time.perf_counter()
    result = fit(model, train_loader, dev_loader, train_config, save_model=lambda m, d: m.save_pretrained(d, vocab=vocab))
    fit_seconds = time.perf_counter() - fit_started
    if not result.is_main:
        return {}
    if result.interrupted:
        return {"interrupted": True}
    pretrain_seconds = time.perf_counter() - started

    best = UnfoldingRAE.from_pretrained(result.model_dir)
    features, labels = {}, {}
    for split, rows in pairs.items():
        vectors = node_vectors(best, msrp_trees[split], vocab)
        trees = msrp_trees[split]
        features[split] = pair_features(vectors[0::2], vectors[1::2], rows, trees[0::2], trees[1::2], data.pool_size)
        labels[split] = np.array([pair.label for pair in rows])
    majority = int(np.bincount(labels["train"]).argmax())
    majority_predictions = np.full_like(labels["test"], majority)
    from sklearn.metrics import f1_score

    report = {
        "preset": preset_name, "seed": args.seed, "output_dir": output_dir, "best_step": result.best_step,
        "steps": result.steps, "pretrain_seconds": pretrain_seconds, "vocab_size": len(vocab),
        "pretrain_sentences": len(pretrain), "fit_seconds": fit_seconds,
        "pretrain_sentences_per_second": result.steps * data.batch_size / fit_seconds,  # incl. dev evaluations
        "majority": {"test_acc": 100.0 * float((majority_predictions == labels["test"]).mean()),
                     "test_f1": 100.0 * f1_score(labels["test"], majority_predictions, zero_division=0.0)},
    }
    for name, pick in (("overlap_features", lambda f: f[1]), ("pooled", lambda f: f[0]),
                       ("pooled_and_features", lambda f: np.hstack(f))):
        report[name] = classify(pick(features["train"]), labels["train"], pick(features["test"]), labels["test"],
                                args.seed, data.cv_folds)
    report["test_acc"], report["test_f1"] = report["pooled_and_features"]["test_acc"], report["pooled_and_features"]["test_f1"]
    report["total_seconds"] = time.perf_counter() - started
    (Path(output_dir) / "test_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nMSRP test (pre-training {pretrain_seconds:.0f} s, all {report['total_seconds']:.0f} s):")
    for name in ("majority", "overlap_features", "pooled", "pooled_and_features"):
        print(f"  {name:22} accuracy {report[name]['test_acc']:6.2f}  F1 {report[name]['test_f1']:6.2f}")
    return report


if __name__ == "__main__":
    main()
