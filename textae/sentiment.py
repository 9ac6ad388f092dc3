"""Sentiment from recursive models: tensorising SST, reading root features, probes.

Shared by ``scripts/train_rae.py``, ``scripts/classify.py`` and the benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch import nn

from parsers import Tree
from textae.metrics import NEUTRAL_CLASS
from textae.trees import IGNORE_LABEL, EncodedTree, TreeBatch, encode_tree, sentiment_label
from textae.vocab import Vocab


def binary_label(label: str) -> int:
    """SST's 0-1 -> 0 (negative), 3-4 -> 1 (positive), 2 (neutral) -> unlabelled."""
    value = sentiment_label(label)
    return IGNORE_LABEL if value == NEUTRAL_CLASS else int(value > NEUTRAL_CLASS)


def encode_trees(trees: Iterable[Tree], vocab: Vocab, *, labels: str = "all", binary: bool = False) -> list[EncodedTree]:
    """Encodes SST trees with 5-class labels, or with ``binary`` 0/1 labels (neutral nodes unlabelled)."""
    label_fn = binary_label if binary else sentiment_label
    return [encode_tree(tree, vocab, labels=labels, label_fn=label_fn) for tree in trees]


@torch.no_grad()
def tree_features(model: nn.Module, batches: Iterable[TreeBatch], device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
    """Frozen features of every tree, in loader order.

    Returns:
        ``root`` [B, D] the root vectors; ``root_mean`` [B, 2D] the paper's
        [root; mean of all node vectors]; ``label`` [B] the root labels.
    """
    was_training = model.training
    model.eval()
    roots, means, labels = [], [], []
    for batch in batches:
        batch = batch.to(device)
        # RAEs: the encoder alone (no decoder work); other tree models: their forward pass.
        node_states = model.encoder(batch) if hasattr(model, "encoder") else model(batch).node_states  # [N, D]
        sums = node_states.new_zeros(batch.num_trees, node_states.shape[1]).index_add(0, batch.tree_index, node_states)  # [B, D]
        counts = torch.bincount(batch.tree_index, minlength=batch.num_trees).unsqueeze(1)  # [B, 1]
        root_states = node_states[batch.roots]  # [B, D]
        roots.append(root_states.cpu())
        means.append(torch.cat([root_states, sums / counts], dim=1).cpu())  # [B, 2D]
        labels.append(batch.node_labels[batch.roots].cpu())
    model.train(was_training)
    return {
        "root": torch.cat(roots).numpy(),
        "root_mean": torch.cat(means).numpy(),
        "label": torch.cat(labels).numpy(),
    }


def _binary_subset(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = labels != 2
    return features[keep], (labels[keep] >= 3).astype(np.int64)


def probe_problem(splits: dict[str, tuple[np.ndarray, np.ndarray]], examples: str = "roots") -> str | None:
    """Why a logistic-regression probe cannot run on ``splits`` (``{"train": (x, y), "dev": ...,
    "test": ...}``), or None when it can: a split without examples (``examples`` names them in
    the reason, e.g. ``"non-neutral roots"``), or training labels of one class only."""
    for name in ("train", "dev", "test"):
        if len(splits[name][1]) == 0:
            return f"{name} has no {examples}"
    classes = np.unique(splits["train"][1])
    if len(classes) < 2:
        return f"the {len(splits['train'][1])} train {examples} all have one class (label {int(classes[0])})"
    return None


def logistic_probe(
    train: dict[str, np.ndarray],
    dev: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    feature: str,
    *,
    regularisation: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
    seed: int = 0,
) -> dict[str, float | str]:
    """Logistic regression on frozen features, C chosen on dev; accuracies in percent.

    Fine: 5 classes on all roots. Binary: a separate classifier trained and scored on
    the non-neutral roots (0-1 negative, 3-4 positive), as Socher et al. (2013).

    A task that cannot be probed (a split without examples, or one class in train: tiny
    runs) is skipped: its accuracies and C are left out and ``"<task>_skipped"`` says why
    (:func:`probe_problem`).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    results: dict[str, float | str] = {}
    for task in ("fine", "binary"):
        splits = {}
        for name, split in (("train", train), ("dev", dev), ("test", test)):
            x, y = split[feature], split["label"]
            splits[name] = _binary_subset(x, y) if task == "binary" else (x, y)
        problem = probe_problem(splits, "non-neutral roots" if task == "binary" else "roots")
        if problem is not None:
            results[f"{task}_skipped"] = problem
            continue
        best = None
        for c in regularisation:
            classifier = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000, random_state=seed))
            classifier.fit(*splits["train"])
            dev_accuracy = 100.0 * classifier.score(*splits["dev"])
            if best is None or dev_accuracy > best[0]:
                best = (dev_accuracy, c, classifier)
        dev_accuracy, c, classifier = best
        results[f"dev_root_{task}_acc"] = dev_accuracy
        results[f"test_root_{task}_acc"] = 100.0 * classifier.score(*splits["test"])
        results[f"{task}_C"] = c
    return results
