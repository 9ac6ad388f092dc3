"""Loss maths as pure functions returning one value per example (node, tree, item).

Models decide how to reduce these (e.g. "sum over nodes, mean over trees") and say
so in their docstrings.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def child_reconstruction_error(
    left: Tensor,
    right: Tensor,
    left_reconstruction: Tensor,
    right_reconstruction: Tensor,
    left_leaves: Tensor,
    right_leaves: Tensor,
) -> Tensor:
    """Socher et al. (2011)'s weighted reconstruction error of one parent's two children.

    ``E = n1/(n1+n2) ||c1 - c1'||^2 + n2/(n1+n2) ||c2 - c2'||^2`` where ``n1, n2`` count
    the leaves under each child, so that the child spanning more words matters more.

    Args:
        left, right: ``[n, D]`` the children c1, c2.
        left_reconstruction, right_reconstruction: ``[n, D]`` c1', c2'.
        left_leaves, right_leaves: ``[n]`` n1, n2.

    Returns:
        ``[n]`` the error of each parent.
    """
    total = (left_leaves + right_leaves).to(left.dtype)  # [n]
    left_error = (left - left_reconstruction).pow(2).sum(dim=-1)  # [n]
    right_error = (right - right_reconstruction).pow(2).sum(dim=-1)  # [n]
    return (left_leaves * left_error + right_leaves * right_error) / total  # [n]


def node_cross_entropy(logits: Tensor, labels: Tensor, ignore_index: int = -100) -> Tensor:
    """``[N, C], [N] -> [N]`` cross-entropy per node; 0 where the node is unlabelled."""
    return F.cross_entropy(logits, labels, ignore_index=ignore_index, reduction="none")


def sum_per_tree(values: Tensor, tree_index: Tensor, num_trees: int) -> Tensor:
    """``[N], [N] -> [B]``: adds up per-node values within each tree."""
    totals = values.new_zeros(num_trees)  # [B]
    return totals.index_add(0, tree_index, values)  # [B]


def squared_error(prediction: Tensor, target: Tensor) -> Tensor:
    """``[B, ...] -> [B]`` summed squared error per example."""
    return (prediction - target).pow(2).flatten(1).sum(dim=1)


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` per example: ``[B, Z] -> [B]``."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


__all__ = [
    "child_reconstruction_error",
    "node_cross_entropy",
    "sum_per_tree",
    "squared_error",
    "gaussian_kl",
]
