"""Per-node recursive reference implementations: slow, and obviously right.

The models compute level by level over a :class:`~textae.trees.TreeBatch`. These
functions do the same maths one node at a time by plain recursion over a
``parsers.Tree``, so tests can check batched == recursive (in float64, forward and
gradients) and ``benchmarks/tree_throughput.py`` can measure what batching buys.
Not for training: they are ~tens of times slower, and recursion limits depth.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from parsers import Tree
from textae.models.rae import RecursiveEncoder
from textae.vocab import Vocab


def recursive_node_states(encoder: RecursiveEncoder, tree: Tree, vocab: Vocab) -> list[Tensor]:
    """``[D]`` vector of every node of ``tree`` in post-order (children left to right)."""
    states: list[Tensor] = []

    def visit(node: Tree) -> Tensor:
        if node.is_preterminal:
            state = encoder.embedding.weight[vocab.index(node.word)]  # [D]
        else:
            left, right = visit(node.children[0]), visit(node.children[1])
            state = encoder.compose(torch.cat([left, right]).unsqueeze(0))[0]  # [D]
        states.append(state)
        return state

    visit(tree)
    return states


def recursive_semi_supervised_loss(model, tree: Tree, vocab: Vocab) -> Tensor:
    """The semi-supervised RAE's loss of one SST tree, node by node (dropout off)."""
    config = model.config

    def visit(node: Tree, is_root: bool) -> tuple[Tensor, int, Tensor]:
        """Returns (vector, leaves under it, cost of its subtree)."""
        weight = 1.0 if is_root else config.beta
        if node.is_preterminal:
            state = model.encoder.embedding.weight[vocab.index(node.word)]
            leaves, cost = 1, state.new_zeros(())
        else:
            left, left_leaves, left_cost = visit(node.children[0], False)
            right, right_leaves, right_cost = visit(node.children[1], False)
            state = model.encoder.compose(torch.cat([left, right]).unsqueeze(0))[0]
            left_rec, right_rec = model.decoder.linear(state).chunk(2)
            leaves = left_leaves + right_leaves
            reconstruction = (
                left_leaves * (left - left_rec).pow(2).sum() + right_leaves * (right - right_rec).pow(2).sum()
            ) / leaves
            cost = left_cost + right_cost + config.alpha * reconstruction
        logits = model.classifier(state)
        label = torch.tensor(int(node.label))
        cost = cost + (1 - config.alpha) * weight * F.cross_entropy(logits.unsqueeze(0), label.unsqueeze(0))
        return state, leaves, cost

    return visit(tree, True)[2]


def recursive_deep_logits(model, tree: Tree, vocab: Vocab) -> list[Tensor]:
    """``[C]`` logits of every node of ``tree`` (post-order) from a
    :class:`~textae.models.deep_recursive.DeepRecursiveNet`, one node and one layer at a
    time, straight from Irsoy & Cardie's equations (dropout off)."""
    hidden = model.config.hidden_size

    def visit(node: Tree, out: list[Tensor]) -> list[Tensor]:
        """Returns the node's vector in every layer; appends its logits in post-order."""
        if node.is_preterminal:
            vectors = [model.embedding.weight[vocab.index(node.word)]]  # layer 1: x
            for layer in model.layers[1:]:
                vectors.append(torch.relu(layer.vertical_leaf(vectors[-1])))
            children = None
        else:
            children = (visit(node.children[0], out), visit(node.children[1], out))
            vectors = []
            for i, layer in enumerate(model.layers):
                total = layer.bias.clone()
                for side, child in enumerate(children):
                    weights = layer.child_leaf if node.children[side].is_preterminal else layer.child_internal
                    total = total + weights.weight[side * hidden : (side + 1) * hidden] @ child[i]
                if i > 0:
                    total = total + layer.vertical_internal.weight @ vectors[i - 1]
                vectors.append(torch.relu(total))
        out.append(model.classifier(vectors[-1]))
        return vectors

    logits: list[Tensor] = []
    visit(tree, logits)
    return logits


def recursive_unfolding_errors(model, tree: Tree, vocab: Vocab) -> list[Tensor]:
    """E_rec of every internal node of ``tree`` (post-order) for an
    :class:`~textae.models.unfolding_rae.UnfoldingRAE`: each phrase unfolds its own
    subtree by plain recursion and is scored on the words beneath it."""
    decoder = model.decoder.linear
    errors: list[Tensor] = []

    def unfold(vector: Tensor, node: Tree) -> Tensor:
        """Squared error of reconstructing the words under ``node`` from ``vector``."""
        if node.is_preterminal:
            target = model.encoder.embedding.weight[vocab.index(node.word)]
            if model.config.detach_targets:
                target = target.detach()
            return (target - vector).pow(2).sum()
        left, right = torch.tanh(decoder(vector)).chunk(2)
        return unfold(left, node.children[0]) + unfold(right, node.children[1])

    def encode(node: Tree) -> Tensor:
        if node.is_preterminal:
            return model.encoder.embedding.weight[vocab.index(node.word)]
        state = model.encoder.compose(torch.cat([encode(node.children[0]), encode(node.children[1])]).unsqueeze(0))[0]
        left, right = torch.tanh(decoder(state)).chunk(2)
        errors.append(unfold(left, node.children[0]) + unfold(right, node.children[1]))
        return state

    encode(tree)
    return errors
