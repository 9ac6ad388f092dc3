"""Evaluation metrics: sentiment accuracies; latent-variable diagnostics (active units, MI)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from textae.trees import BINARY_LABELS_HINT, IGNORE_LABEL

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


def binary_targets(labels: Tensor, num_classes: int = 5) -> tuple[Tensor, Tensor]:
    """``[N] -> ([N] 0/1 targets, [N] mask)``: 5-class labels with the neutral ones masked;
    with ``num_classes`` 2 the labels are already 0/1 (unlabelled: -100).

    Raises:
        ValueError: a label outside ``0 .. num_classes - 1`` that is not -100 (a 5-class
            label given to a 2-class model would be counted as a binary target).
    """
    labelled = labels >= 0
    valid = (labels == IGNORE_LABEL) | (labelled & (labels < num_classes))
    if not bool(valid.all()):
        bad = int(labels[~valid][0])
        fix = BINARY_LABELS_HINT if num_classes == 2 else f"labels of a {num_classes}-class model are 0..{num_classes - 1}"
        raise ValueError(f"label {bad} is not a class of a {num_classes}-class model nor -100 (unlabelled); {fix}")
    if num_classes == 2:
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
        ``all_fine_acc``, ``all_binary_acc`` (the ``all_`` ones only when inner nodes are
        labelled; the ``fine`` ones only for a 5-class model: a 2-class model's accuracy is
        its binary one, not a fine-grained figure).
    """
    with torch.no_grad():
        fine = logits.argmax(dim=-1)  # [N]
        binary = binary_predictions(logits)  # [N]
        binary_gold, binary_mask = binary_targets(labels, logits.shape[-1])  # [N], [N]
        labelled = labels >= 0
        counts: dict[str, tuple[float, float]] = {}

        def add(name: str, correct: Tensor, mask: Tensor) -> None:
            counts[name] = (float((correct & mask).sum()), float(mask.sum()))

        is_root = torch.zeros_like(labelled)
        is_root[roots] = True
        fine_grained = logits.shape[-1] != 2
        if fine_grained:
            add("root_fine_acc", fine == labels, labelled & is_root)
        add("root_binary_acc", binary == binary_gold, binary_mask & is_root)
        if bool((labelled & ~is_root).any()):
            if fine_grained:
                add("all_fine_acc", fine == labels, labelled)
            add("all_binary_acc", binary == binary_gold, binary_mask)
        return counts


def active_units(mu: Tensor, threshold: float = 0.01) -> int:
    """Latent dimensions whose posterior mean varies over the data: Cov_x(E_q[z|x]) > threshold.

    Args:
        mu: ``[N, Z]`` posterior means of N sentences (Burda et al. 2016's measure), N >= 2
            (one sentence has no variance to measure: a ``ValueError``, not 0 active units).
    """
    if mu.dim() != 2 or mu.shape[0] < 2:
        raise ValueError(f"active_units() needs [N, Z] posterior means of N >= 2 sentences, got shape {tuple(mu.shape)}")
    return int((mu.var(dim=0, unbiased=True) > threshold).sum())


def mutual_information(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None) -> float:
    """I(x; z) under q, by Hoffman & Johnson's estimator as in He et al. (2019)'s code.

    ``E_x[-H(q(z|x))] - E_{x, z~q(z|x)}[log q(z)]`` with the aggregate posterior q(z)
    approximated by the mixture of the N given posteriors. A Monte Carlo estimate: it can
    be slightly negative.

    Args:
        mu, logvar: ``[N, Z]`` posterior parameters of N sentences.
    """
    if mu.dim() != 2 or mu.shape != logvar.shape or mu.shape[0] < 1 or not mu.is_floating_point():
        raise ValueError(f"mutual_information() needs [N, Z] floating-point mu and logvar of one shape, N >= 1; got "
                         f"{tuple(mu.shape)} {mu.dtype} and {tuple(logvar.shape)} {logvar.dtype}")
    size, latent = mu.shape  # N, Z
    log_two_pi = math.log(2 * math.pi)
    negative_entropy = (-0.5 * latent * log_two_pi - 0.5 * (1 + logvar).sum(dim=-1)).mean()
    noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    z = mu + noise * (0.5 * logvar).exp()  # [N, Z] one sample per sentence
    # log q(z_i | x_j) for every pair: [N(z), N(x)]
    difference = z.unsqueeze(1) - mu.unsqueeze(0)  # [N, N, Z]
    log_density = -0.5 * (difference.pow(2) / logvar.exp().unsqueeze(0)).sum(-1) - 0.5 * (
        latent * log_two_pi + logvar.sum(-1).unsqueeze(0))  # [N, N]
    log_aggregate = torch.logsumexp(log_density, dim=1) - math.log(size)  # [N]
    return float(negative_entropy - log_aggregate.mean())
