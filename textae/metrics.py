"""Evaluation metrics: sentiment accuracies at the root and over all phrases."""

from __future__ import annotations

import torch
from torch import Tensor

NEGATIVE_CLASSES = (0, 1)
NEUTRAL_CLASS = 2
POSITIVE_CLASSES = (3, 4)


def binary_predictions(logits: Tensor) -> Tensor:
    """``[N, C] -> [N]`` 1 for positive, 0 for negative.

    With 5 classes (SST) the positive side wins when p(3) + p(4) > p(0) + p(1): one
    fine-grained model gives both figures, as in Socher et al. (2013)'s evaluation.
    With 2 classes it is the argmax.
    """
    num_classes = logits.shape[-1]
    if num_classes == 2:
        return logits.argmax(dim=-1)
    if num_classes != 5:
        raise ValueError(f"binary sentiment needs 2 or 5 classes, got {num_classes}")
    probabilities = logits.softmax(dim=-1)  # [N, 5]
    positive = probabilities[:, list(POSITIVE_CLASSES)].sum(dim=-1)  # [N]
    negative = probabilities[:, list(NEGATIVE_CLASSES)].sum(dim=-1)  # [N]
    return (positive > negative).long()


def binary_targets(labels: Tensor) -> tuple[Tensor, Tensor]:
    """``[N] -> ([N] 0/1 targets, [N] mask)``: 5-class labels with the neutral ones masked."""
    labelled = labels >= 0
    if labels.max() <= 1:  # already binary
        return labels.clamp(min=0), labelled
    return (labels >= POSITIVE_CLASSES[0]).long(), labelled & (labels != NEUTRAL_CLASS)


def sentiment_counts(logits: Tensor, labels: Tensor, roots: Tensor) -> dict[str, tuple[float, float]]:
    """Correct / total counts for root and all-phrase accuracies, fine and binary.

    Args:
        logits: ``[N, C]`` class scores of every node.
        labels: ``[N]`` gold classes, -100 where unlabelled.
        roots: ``[B]`` rows of the roots.

    Returns:
        name -> (correct, total) for ``root_fine_acc``, ``root_binary_acc``,
        ``all_fine_acc``, ``all_binary_acc`` (the last two only when inner nodes are labelled).
    """
    with torch.no_grad():
        fine = logits.argmax(dim=-1)  # [N]
        binary = binary_predictions(logits)  # [N]
        binary_gold, binary_mask = binary_targets(labels)  # [N], [N]
        labelled = labels >= 0
        counts: dict[str, tuple[float, float]] = {}

        def add(name: str, correct: Tensor, mask: Tensor) -> None:
            counts[name] = (float((correct & mask).sum()), float(mask.sum()))

        is_root = torch.zeros_like(labelled)
        is_root[roots] = True
        add("root_fine_acc", fine == labels, labelled & is_root)
        add("root_binary_acc", binary == binary_gold, binary_mask & is_root)
        if bool((labelled & ~is_root).any()):
            add("all_fine_acc", fine == labels, labelled)
            add("all_binary_acc", binary == binary_gold, binary_mask)
        return counts
