"""Loss maths as pure functions returning one value per example (node, tree, item).

Models decide how to reduce these (e.g. "sum over nodes, mean over trees") and say
so in their docstrings.
"""

from __future__ import annotations

import torch
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
    if not (left.shape == right.shape == left_reconstruction.shape == right_reconstruction.shape
            and left.dim() == 2 and left_leaves.shape == right_leaves.shape == left.shape[:1]):
        raise ValueError("child_reconstruction_error() needs four [n, D] tensors and two [n] leaf counts, got "
                         f"{[tuple(t.shape) for t in (left, right, left_reconstruction, right_reconstruction)]} and "
                         f"{tuple(left_leaves.shape)}, {tuple(right_leaves.shape)}")
    total = (left_leaves + right_leaves).to(left.dtype)  # [n]
    left_error = (left - left_reconstruction).pow(2).sum(dim=-1)  # [n]
    right_error = (right - right_reconstruction).pow(2).sum(dim=-1)  # [n]
    return (left_leaves * left_error + right_leaves * right_error) / total  # [n]


class _TokenNLL(torch.autograd.Function):
    """-log softmax(logits)[target] per row. The backward turns the saved log-probabilities
    into the gradient (softmax - one-hot) in place, where ``F.cross_entropy``'s backward
    allocates and zero-fills an ``[N, V]`` block and then makes another."""

    @staticmethod
    def forward(ctx, logits: Tensor, targets: Tensor) -> Tensor:
        log_probs = torch.log_softmax(logits, dim=1)  # [N, V], this function's own block
        ctx.save_for_backward(log_probs, targets)
        return -log_probs.gather(1, targets.unsqueeze(1)).squeeze(1)  # [N]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None]:
        log_probs, targets = ctx.saved_tensors
        # In place is safe: a second backward through the same graph is refused by autograd's
        # version check of the saved block.
        grad = log_probs.exp_()  # [N, V] softmax
        grad.scatter_add_(1, targets.unsqueeze(1), torch.full_like(grad_output, -1.0).unsqueeze(1))
        return grad.mul_(grad_output.unsqueeze(1)), None


def token_nll(logits: Tensor, targets: Tensor) -> Tensor:
    """``[N]`` negative log-likelihood of each row's target under softmax(``logits``).

    The values and gradients of ``F.cross_entropy(logits, targets, reduction="none")``, in
    float32 at least (bfloat16 logits are upcast, as autocast does for cross-entropy), with a
    leaner backward (see ``_TokenNLL``): in a sentence VAE's training step over PTB on a 2-core
    CPU, the zero-fill it saves was ~5% of the step and ``F.cross_entropy``'s log-softmax
    backward ~9% (profiler, session 16). The graph can be backpropagated once (a second pass,
    e.g. ``retain_graph=True`` or ``gradcheck``, raises autograd's in-place error).

    Args:
        logits: ``[N, V]``.
        targets: ``[N]`` class ids in ``[0, V)``.

    Returns:
        ``[N]`` the loss of each row.
    """
    if logits.dim() != 2 or targets.shape != logits.shape[:1]:
        raise ValueError(f"token_nll() needs [N, V] logits and [N] targets, got {tuple(logits.shape)} "
                         f"and {tuple(targets.shape)}")
    if logits.dtype not in (torch.float32, torch.float64):
        logits = logits.float()
    if not (torch.is_grad_enabled() and logits.requires_grad):
        return F.cross_entropy(logits, targets, reduction="none")
    return _TokenNLL.apply(logits, targets)


def node_cross_entropy(logits: Tensor, labels: Tensor, ignore_index: int = -100) -> Tensor:
    """``[N, C], [N] -> [N]`` cross-entropy per node; 0 where the node is unlabelled."""
    return F.cross_entropy(logits, labels, ignore_index=ignore_index, reduction="none")


def sum_per_tree(values: Tensor, tree_index: Tensor, num_trees: int) -> Tensor:
    """``[N], [N] -> [B]``: adds up per-node values within each tree."""
    totals = values.new_zeros(num_trees)  # [B]
    return totals.index_add(0, tree_index, values)  # [B]


def squared_error(prediction: Tensor, target: Tensor) -> Tensor:
    """``[B, ...] -> [B]`` summed squared error per example (the two shapes must be equal:
    broadcasting ``[B]`` against ``[B, 1]`` would compare every row with every other)."""
    if prediction.shape != target.shape:
        raise ValueError(f"squared_error() needs equal shapes, got {tuple(prediction.shape)} and {tuple(target.shape)}")
    return (prediction - target).pow(2).flatten(1).sum(dim=1)


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` per example: ``[B, Z] -> [B]``."""
    if mu.shape != logvar.shape:
        raise ValueError(f"gaussian_kl() needs mu and logvar of one shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


__all__ = [
    "child_reconstruction_error",
    "node_cross_entropy",
    "sum_per_tree",
    "squared_error",
    "gaussian_kl",
]
