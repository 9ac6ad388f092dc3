#!/usr/bin/env python
"""The recursive family, measured. So far: the greedy semi-supervised RAE on MR, 10-fold CV.

Socher et al. (2011)'s MR experiment: trees are built greedily by reconstruction error
with the current parameters, re-built for every batch; training stops early on 10% of the
training folds (the test fold is never looked at); every node carries the sentence label
(alpha-weighted reconstruction + cross-entropy); after training, logistic regression on
the frozen features [root; mean of node vectors] classifies the held-out fold. Random-init
word vectors, d = 50. Also times the batched greedy tree construction over all 10,662
sentences.

Writes benchmarks/results/recursive_family.json with mr_10fold_acc (mean over folds;
per-fold values and std beside it) and mr_greedy_build_seconds. The unfolding RAE (MSRP)
and deep recursive net (SST) rows of issue #5 are not measured yet.

    python benchmarks/recursive_family.py
    python benchmarks/recursive_family.py --folds 2 --epochs 2     # a quick check
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

# Python puts benchmarks/ first on sys.path, where benchmarks/parsers.py would shadow the
# parsers package: drop that entry and put the repository root first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from textae.benchmarking import add_seeded, write_result  # noqa: E402
from textae.corpora.mr import load_mr, mr_folds  # noqa: E402
from textae.models.greedy_rae import GreedyRAE, greedy_merges  # noqa: E402
from textae.models.semi_supervised_rae import SemiSupervisedRAEConfig  # noqa: E402
from textae.sentiment import tree_features  # noqa: E402
from textae.train import set_seed  # noqa: E402
from textae.vocab import Vocab  # noqa: E402

PUBLISHED = {
    "source": "Socher et al. 2011 (EMNLP), MR 10-fold accuracy (recalled)",
    "semi-supervised RAE, random init": {"mr_10fold_acc": 76.8},
    "semi-supervised RAE, pretrained vectors": {"mr_10fold_acc": 77.7},
    "Tree-CRF (Nakagawa et al. 2010)": {"mr_10fold_acc": 77.3},
    "third-party Python port, random init (checked)": {"mr_10fold_acc": 72.0},
}


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
            correct, total = model.eval_counts(batch)["root_fine_acc"]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=10, help="folds to run of the 10 (default: 10)")
    parser.add_argument("--epochs", type=int, default=10, help="most training epochs per fold (default: 10)")
    parser.add_argument("--patience", type=int, default=2,
                        help="epochs without improvement on the inner dev split before stopping (default: 2)")
    parser.add_argument("--hidden-size", type=int, default=50, help="default: 50 (the paper)")
    parser.add_argument("--alpha", type=float, default=0.2, help="default: 0.2 (the paper)")
    parser.add_argument("--beta", type=float, default=0.5, help="default: 0.5 (the paper's code)")
    parser.add_argument("--learning-rate", type=float, default=0.05, help="Adagrad (default: 0.05)")
    parser.add_argument("--batch-size", type=int, default=25, help="default: 25")
    parser.add_argument("--data-dir", default=None, help="corpora folder (default: $TEXTAE_DATA_DIR)")
    args = parser.parse_args()
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
    metrics["settings"] = vars(args)
    path = write_result("recursive_family", seeds=list(range(len(accuracies))), metrics=metrics, published=PUBLISHED,
                        notes="seeds = one seed per fold; only the MR rows of issue #5 so far")
    print(f"MR {len(accuracies)}-fold accuracy {metrics['mr_10fold_acc']:.2f} ± {metrics['mr_10fold_acc_std']:.2f}; "
          f"greedy trees for 10,662 sentences in {metrics['mr_greedy_build_seconds']:.2f} s -> {path}")


if __name__ == "__main__":
    main()
