#!/usr/bin/env python
"""The recursive family, measured: greedy RAE on MR, unfolding RAE on MSRP, deep recursive net on SST.

Three parts (``--parts``, default all); each part rewrites only its own keys in the
results file, so one part can be re-run alone.

mr: Socher et al. (2011)'s MR experiment: trees are built greedily by reconstruction error
with the current parameters, re-built for every batch; training stops early on 10% of the
training folds (the test fold is never looked at); every node carries the sentence label
(alpha-weighted reconstruction + cross-entropy); after training, logistic regression on
the frozen features [root; mean of node vectors] classifies the held-out fold. Random-init
word vectors, d = 50. Also times the batched greedy tree construction over all 10,662
sentences.

sentences. Keys: mr_10fold_acc (mean over folds; per-fold values and std beside it),
mr_greedy_build_seconds.

msrp: `scripts/train_paraphrase.py --msrp` for each seed (unfolding RAE pre-trained on
MSRP/PTB/SST train text parsed by our chart parser, dynamic pooling, logistic regression).
Keys: msrp_test_acc, msrp_test_f1 (pooled matrix + overlap features), the other variants
beside them, msrp_pretrain_sentences_per_second.

drnn: `scripts/train_rae.py --sst --model deep_recursive` for each seed: a 5-class model
(drnn_test_root_fine_acc, drnn_test_all_fine_acc) and a binary one trained on non-neutral
nodes, random init; with --word-vectors FILE also the same with textae's own skip-gram
vectors (drnn_w2v_* keys). Root binary accuracy is measured both ways (the 5-class model's
positive vs negative probability mass, as Socher et al. 2013, and the binary model):
drnn_test_root_binary_acc_{fine_model,binary_model}, with their dev figures; the main key
drnn_test_root_binary_acc is the one with the higher mean dev accuracy (named in
drnn_root_binary_model). drnn_train_sentences_per_second (--jobs runs share the machine).

    python benchmarks/recursive_family.py
    python benchmarks/recursive_family.py --parts drnn --word-vectors runs/vectors/vectors.txt --jobs 2
    python benchmarks/recursive_family.py --parts mr --folds 2 --epochs 2     # a quick check
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import add_seeded, write_parts_result  # noqa: E402
from textae.corpora.mr import load_mr, mr_folds  # noqa: E402
from textae.models.greedy_rae import GreedyRAE, greedy_merges  # noqa: E402
from textae.models.semi_supervised_rae import SemiSupervisedRAEConfig  # noqa: E402
from textae.sentiment import tree_features  # noqa: E402
from textae.train import set_seed  # noqa: E402
from textae.vocab import Vocab  # noqa: E402

REPO = _HERE.parent

PUBLISHED = {
    "source": "Socher et al. 2011 (EMNLP), MR 10-fold accuracy; Socher et al. 2011 (NIPS), MSRP; "
              "Irsoy & Cardie 2014, Socher et al. 2013, Tai et al. 2015, SST (as given in issue #5)",
    "semi-supervised RAE, random init": {"mr_10fold_acc": 76.8},
    "semi-supervised RAE, pretrained vectors": {"mr_10fold_acc": 77.7},
    "Tree-CRF (Nakagawa et al. 2010)": {"mr_10fold_acc": 77.3},
    "third-party Python port, random init (checked)": {"mr_10fold_acc": 72.0},
    "unfolding RAE + dynamic pooling + features (Socher et al. 2011)": {"msrp_test_acc": 76.8, "msrp_test_f1": 83.6},
    "MSRP majority class": {"msrp_test_acc": 66.5, "msrp_test_f1": 79.9},
    "deep recursive net, word2vec (Irsoy & Cardie 2014)": {"drnn_test_root_fine_acc": 49.8,
                                                            "drnn_test_root_binary_acc": 86.6},
    "RNTN (Socher et al. 2013)": {"drnn_test_root_fine_acc": 45.7, "drnn_test_root_binary_acc": 85.4},
    "Tree-LSTM, random init (Tai et al. 2015)": {"drnn_test_root_fine_acc": 43.9, "drnn_test_root_binary_acc": 82.0},
}


def run_script(arguments: list[str], environment: dict[str, str] | None = None) -> dict:
    """Runs a training script in its own process (``environment``: variables to set) and
    returns its test_report.json."""
    print("+ python " + shlex.join(arguments), flush=True)
    subprocess.run([sys.executable, *arguments, "--overwrite"], cwd=REPO, check=True,
                   env={**os.environ, **environment} if environment else None)
    output = Path(arguments[arguments.index("--output-dir") + 1])
    return json.loads((REPO / output / "test_report.json").read_text())


def epoch_seconds(output_dir: str) -> float:
    lines = (REPO / output_dir / "metrics.jsonl").read_text().splitlines()
    return statistics.median(json.loads(line)["seconds"] for line in lines if '"split": "epoch"' in line)


def measure_drnn(args) -> dict:
    """Both DRNN models per seed (and row), ``--jobs`` training runs at a time, one thread each."""
    metrics: dict = {}
    rows = [("drnn", [])]
    if args.word_vectors:
        rows.append(("drnn_w2v", ["--word-vectors", args.word_vectors]))
    runs = {}  # (prefix, labels, seed) -> command
    for prefix, extra in rows:
        for seed in args.seeds:
            for labels in ("fine", "binary"):
                runs[(prefix, labels, seed)] = [
                    "scripts/train_rae.py", "--sst", "--model", "deep_recursive", "--labels", labels, "--seed", str(seed),
                    "--progress", "false", "--no-logreg", "--output-dir",
                    f"runs/benchmark-family/{prefix}-{labels}-seed{seed}", *extra]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {key: pool.submit(run_script, command, {"OMP_NUM_THREADS": "1"} if args.jobs > 1 else None)
                   for key, command in runs.items()}
        reports = {key: future.result() for key, future in futures.items()}
    for prefix, _ in rows:
        fine = [reports[(prefix, "fine", seed)] for seed in args.seeds]
        binary = [reports[(prefix, "binary", seed)] for seed in args.seeds]
        add_seeded(metrics, f"{prefix}_test_root_fine_acc", [r["test"]["root_fine_acc"] for r in fine])
        add_seeded(metrics, f"{prefix}_test_all_fine_acc", [r["test"]["all_fine_acc"] for r in fine])
        add_seeded(metrics, f"{prefix}_test_all_binary_acc", [r["test"]["all_binary_acc"] for r in binary])
        # Root binary accuracy two ways: the 5-class model's p(3) + p(4) vs p(0) + p(1) (Socher et
        # al. 2013's evaluation), and the 2-class model trained on the non-neutral nodes. The
        # main key takes the one with the higher mean dev accuracy (test never chooses).
        candidates = {"fine_model": fine, "binary_model": binary}
        for name, reports_of in candidates.items():
            add_seeded(metrics, f"{prefix}_dev_root_binary_acc_{name}", [r["dev"]["root_binary_acc"] for r in reports_of])
            add_seeded(metrics, f"{prefix}_test_root_binary_acc_{name}", [r["test"]["root_binary_acc"] for r in reports_of])
        chosen = max(candidates, key=lambda name: metrics[f"{prefix}_dev_root_binary_acc_{name}"])
        metrics[f"{prefix}_root_binary_model"] = chosen
        for suffix in ("", "_per_seed", "_std"):
            metrics[f"{prefix}_test_root_binary_acc{suffix}"] = metrics[f"{prefix}_test_root_binary_acc_{chosen}{suffix}"]
    speeds = [8544 / epoch_seconds(command[command.index("--output-dir") + 1])
              for (_, labels, _), command in runs.items() if labels == "fine"]
    metrics["drnn_train_sentences_per_second"] = statistics.median(speeds)
    metrics["drnn_train_parallel_jobs"] = args.jobs
    return metrics


def measure_msrp(args) -> dict:
    metrics: dict = {}
    reports = []
    for seed in args.seeds:
        name = f"runs/benchmark-family/msrp-seed{seed}"
        extra = ["--word-vectors", args.word_vectors] if args.msrp_word_vectors and args.word_vectors else []
        reports.append(run_script(["scripts/train_paraphrase.py", "--msrp", "--seed", str(seed), "--progress", "false",
                                   "--output-dir", name, *extra, *shlex.split(args.msrp_args)]))
    add_seeded(metrics, "msrp_test_acc", [r["test_acc"] for r in reports])
    add_seeded(metrics, "msrp_test_f1", [r["test_f1"] for r in reports])
    for variant in ("majority", "overlap_features", "pooled"):
        for key in ("test_acc", "test_f1"):
            add_seeded(metrics, f"msrp_{variant}_{key}", [r[variant][key] for r in reports])
    metrics["msrp_pretrain_sentences_per_second"] = statistics.median(
        r["pretrain_sentences_per_second"] for r in reports)
    return metrics


def train_fold(sentences, labels, train_index, args, seed):
    """Trains a greedy RAE on the training folds, early-stopped on 10% of them (never on the
    test fold); returns the best model and its vocabulary."""
    set_seed(seed)
    generator = np.random.default_rng(seed)
    shuffled = [train_index[i] for i in generator.permutation(len(train_index))]
    dev_index, fit_index = shuffled[: len(shuffled) // 10], shuffled[len(shuffled) // 10 :]
    vocab = Vocab.build(sentences[i] for i in fit_index)
    config = SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=args.hidden_size, num_classes=2,
                                     alpha=args.alpha, beta=args.beta)
    model = GreedyRAE(config)
    optimizer = torch.optim.Adagrad(model.optim_groups(), lr=args.learning_rate)
    best_accuracy, best_state, waited = -1.0, None, 0
    for _ in range(args.epochs):
        order = generator.permutation(len(fit_index))
        for start in range(0, len(order), args.batch_size):
            chosen = [fit_index[i] for i in order[start : start + args.batch_size]]
            model.eval()  # the greedy search runs without dropout and without gradients
            batch = model.batch([sentences[i] for i in chosen], [labels[i] for i in chosen], vocab)
            model.train()
            loss = model.loss(batch)["loss"]
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        model.eval()
        with torch.no_grad():
            batch = model.batch([sentences[i] for i in dev_index], [labels[i] for i in dev_index], vocab)
            correct, total = model.eval_counts(batch)["root_binary_acc"]  # a 2-class model
        if correct / total > best_accuracy:
            best_accuracy, best_state, waited = correct / total, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= args.patience:
                break
    model.load_state_dict(best_state)
    return model.eval(), vocab


def features(model, vocab, sentences, labels):
    batches = (model.batch(sentences[i : i + 512], labels[i : i + 512], vocab) for i in range(0, len(sentences), 512))
    return tree_features(model.rae, batches)


def measure_mr(args) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sentences, labels = load_mr(args.data_dir)
    set_seed(0)
    vocab = Vocab.build(sentences)
    timing_model = GreedyRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=args.hidden_size, num_classes=2))
    encoded = [vocab.encode(words) for words in sentences]
    build_times = []
    for _ in range(3):
        started = time.perf_counter()
        for start in range(0, len(encoded), 1024):
            greedy_merges(timing_model.rae.encoder, timing_model.rae.decoder, encoded[start : start + 1024])
        build_times.append(time.perf_counter() - started)

    folds = mr_folds(labels)
    accuracies = []
    for fold_number, test_index in enumerate(folds[: args.folds]):
        held_out = set(test_index)
        train_index = [i for i in range(len(sentences)) if i not in held_out]
        started = time.perf_counter()
        model, fold_vocab = train_fold(sentences, labels, train_index, args, seed=fold_number)
        train_features = features(model, fold_vocab, [sentences[i] for i in train_index], [labels[i] for i in train_index])
        test_features = features(model, fold_vocab, [sentences[i] for i in test_index], [labels[i] for i in test_index])
        classifier = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        classifier.fit(train_features["root_mean"], train_features["label"])
        accuracy = 100.0 * classifier.score(test_features["root_mean"], test_features["label"])
        accuracies.append(accuracy)
        print(f"fold {fold_number + 1}: {accuracy:.2f}% ({time.perf_counter() - started:.0f} s)", flush=True)

    metrics: dict = {}
    add_seeded(metrics, "mr_10fold_acc", accuracies)
    metrics["mr_folds_run"] = len(accuracies)
    metrics["mr_greedy_build_seconds"] = statistics.median(build_times)
    metrics["mr_greedy_merges"] = sum(max(len(ids) - 1, 0) for ids in encoded)  # n - 1 merges per sentence
    metrics["mr_greedy_merges_per_second"] = metrics["mr_greedy_merges"] / metrics["mr_greedy_build_seconds"]
    metrics["mr_settings"] = {k: getattr(args, k) for k in ("folds", "epochs", "patience", "hidden_size", "alpha",
                                                             "beta", "learning_rate", "batch_size")}
    print(f"MR {len(accuracies)}-fold accuracy {metrics['mr_10fold_acc']:.2f} ± {metrics['mr_10fold_acc_std']:.2f}; "
          f"greedy trees for 10,662 sentences in {metrics['mr_greedy_build_seconds']:.2f} s", flush=True)
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=["mr", "msrp", "drnn"], default=["mr", "msrp", "drnn"],
                        help="which experiments to run (default: all three)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="msrp and drnn seeds (default: 0 1 2)")
    parser.add_argument("--word-vectors", default="",
                        help="skip-gram vectors (scripts/train_word_vectors.py) for the drnn_w2v rows")
    parser.add_argument("--jobs", type=int, default=1,
                        help="drnn: training runs at a time (default: 1); with more than one, each run gets "
                             "one thread (OMP_NUM_THREADS=1), and the training speed is that of a shared machine")
    parser.add_argument("--msrp-word-vectors", action="store_true", help="also give --word-vectors to the MSRP model")
    parser.add_argument("--msrp-args", default="", help="more flags for train_paraphrase.py, quoted")
    parser.add_argument("--folds", type=int, default=10, help="mr: folds to run of the 10 (default: 10)")
    parser.add_argument("--epochs", type=int, default=10, help="mr: most training epochs per fold (default: 10)")
    parser.add_argument("--patience", type=int, default=2,
                        help="mr: epochs without improvement on the inner dev split before stopping (default: 2)")
    parser.add_argument("--hidden-size", type=int, default=50, help="mr: default 50 (the paper)")
    parser.add_argument("--alpha", type=float, default=0.2, help="mr: default 0.2 (the paper)")
    parser.add_argument("--beta", type=float, default=0.5, help="mr: default 0.5 (the paper's code)")
    parser.add_argument("--learning-rate", type=float, default=0.05, help="mr: Adagrad (default: 0.05)")
    parser.add_argument("--batch-size", type=int, default=25, help="mr: default 25")
    parser.add_argument("--data-dir", default=None, help="corpora folder (default: $TEXTAE_DATA_DIR)")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    measured = {}
    for part, measure in (("mr", measure_mr), ("msrp", measure_msrp), ("drnn", measure_drnn)):
        if part in args.parts:
            measured[part] = (measure(args), list(range(args.folds)) if part == "mr" else args.seeds)
    path = write_parts_result("recursive_family", measured=measured,
                              prefixes={"mr": ("mr_",), "msrp": ("msrp_",), "drnn": ("drnn_",)},
                              published=PUBLISHED, notes="MR: seeds = one seed per fold.")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
