"""Greedy recursive autoencoder: the tree is chosen by reconstruction error (Socher et al., EMNLP 2011).

For a sentence without a given tree, repeatedly merge the adjacent pair (c1, c2) whose
parent p = f(W_e [c1; c2] + b_e) reconstructs them best (lowest weighted E_rec, as in
``rae.py``), until one node is left. The structure is a discrete choice made with the
current parameters and no gradient; the model is then trained on the chosen trees
exactly as the semi-supervised RAE is trained on given trees (here with the sentence label
at every node, as the paper does for MR).

Batching: every unfinished sentence takes one merge per step, in one call for the whole
batch; after a merge only the two pairs touching the new node are rescored, and no node
moves (:func:`greedy_merges` keeps neighbours in a linked list).

Equation -> code: W_e, W_d, W_label and the loss are those of ``semi_supervised_rae.py``
(this model reuses its blocks); the greedy search is :func:`greedy_merges`.

Loss reduction: as the semi-supervised RAE (sum over a tree's nodes, mean over trees).

Shape legend: B sentences, L nodes per sentence (padded), D hidden.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from parsers import Parser, Tree
from textae.losses import child_reconstruction_error
from textae.models.semi_supervised_rae import SemiSupervisedRAE, SemiSupervisedRAEConfig
from textae.serialization import PretrainedMixin
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


@torch.no_grad()
def greedy_merges(encoder: nn.Module, decoder: nn.Module, token_ids: list[list[int]]) -> list[list[tuple[int, int]]]:
    """The merge sequence of every sentence: pairs of node ids, leaves 0..n-1, new nodes n, n+1, ...

    Nodes stay where they are; a linked list (``next_position``, ``previous_position``)
    says which are neighbours, so a merge step costs O(B * D) rather than moving the
    whole ``[B, L, D]`` chart. ``scores[b, i]`` is the error of merging node i with its
    right neighbour.

    Args:
        encoder: a ``rae.RecursiveEncoder`` (embedding + ``compose``).
        decoder: a ``rae.ChildDecoder`` (``linear`` gives [c1'; c2']).
        token_ids: the sentences as vocabulary ids (each non-empty).
    """
    if any(len(ids) == 0 for ids in token_ids):
        raise ValueError("cannot build a tree over an empty sentence")
    size, width = len(token_ids), max(len(ids) for ids in token_ids)
    if width == 1:  # one-word sentences: nothing to merge
        return [[] for _ in range(size)]
    device = encoder.embedding.weight.device
    ids = torch.zeros(size, width, dtype=torch.long, device=device)
    for row, sentence in enumerate(token_ids):
        ids[row, : len(sentence)] = torch.tensor(sentence, device=device)
    lengths = torch.tensor([len(s) for s in token_ids], device=device)  # [B]
    states = encoder.embedding(ids)  # [B, L, D]
    leaves = torch.ones(size, width, device=device)  # [B, L] words under each node
    node_ids = torch.arange(width, device=device).repeat(size, 1)  # [B, L]
    positions = torch.arange(width, device=device)
    next_position = (positions + 1).repeat(size, 1)  # [B, L]; width means "none"
    previous_position = (positions - 1).repeat(size, 1)  # [B, L]; -1 means "none"
    next_position[positions.unsqueeze(0) >= (lengths - 1).unsqueeze(1)] = width  # padding is nobody's neighbour

    def pair_scores(left: Tensor, right: Tensor, left_leaves: Tensor, right_leaves: Tensor) -> tuple[Tensor, Tensor]:
        """``[n, D]`` children -> (``[n]`` E_rec of their parent, ``[n, D]`` parent)."""
        parent = encoder.compose(torch.cat([left, right], dim=-1))  # [n, D]
        left_rec, right_rec = decoder.linear(parent).chunk(2, dim=-1)  # [n, D] x2
        return child_reconstruction_error(left, right, left_rec, right_rec, left_leaves, right_leaves), parent

    error, parent = pair_scores(states[:, :-1].reshape(-1, states.shape[-1]), states[:, 1:].reshape(-1, states.shape[-1]),
                                leaves[:, :-1].reshape(-1), leaves[:, 1:].reshape(-1))
    scores = torch.full((size, width), float("inf"), device=device, dtype=states.dtype)  # [B, L]
    scores[:, :-1] = error.view(size, width - 1)
    scores[positions.unsqueeze(0) >= (lengths - 1).unsqueeze(1)] = float("inf")  # no right neighbour
    parents = torch.zeros_like(states)  # [B, L, D] parent of (i, next[i])
    parents[:, :-1] = parent.view(size, width - 1, -1)
    left_log, right_log = [], []
    next_id = lengths.clone()
    for step in range(width - 1):
        rows = torch.nonzero(lengths - step > 1).flatten()  # sentences with merges left
        if len(rows) == 0:
            break
        left = scores[rows].argmin(dim=1)  # [b] merge node `left` with its right neighbour
        right = next_position[rows, left]
        left_log.append((rows, node_ids[rows, left]))
        right_log.append(node_ids[rows, right])
        states[rows, left] = parents[rows, left]
        leaves[rows, left] = leaves[rows, left] + leaves[rows, right]
        node_ids[rows, left] = next_id[rows]
        next_id[rows] += 1
        scores[rows, right] = float("inf")
        after = next_position[rows, right]  # [b] the new right neighbour of `left`
        next_position[rows, left] = after
        has_after = after < width
        previous_position[rows[has_after], after[has_after]] = left[has_after]
        # Rescore the two pairs touching the new node: (left, after) and (before, left).
        scores[rows[~has_after], left[~has_after]] = float("inf")
        if bool(has_after.any()):
            r, i, j = rows[has_after], left[has_after], after[has_after]
            scores[r, i], parents[r, i] = pair_scores(states[r, i], states[r, j], leaves[r, i], leaves[r, j])
        before = previous_position[rows, left]
        has_before = before >= 0
        if bool(has_before.any()):
            r, i, j = rows[has_before], before[has_before], left[has_before]
            scores[r, i], parents[r, i] = pair_scores(states[r, i], states[r, j], leaves[r, i], leaves[r, j])
    merges: list[list[tuple[int, int]]] = [[] for _ in range(size)]
    for (rows, lefts), rights in zip(left_log, right_log, strict=True):
        for row, left_id, right_id in zip(rows.tolist(), lefts.tolist(), rights.tolist(), strict=True):
            merges[row].append((left_id, right_id))
    return merges


def merges_to_tree(words: list[str], merges: list[tuple[int, int]], label: str = "X") -> Tree:
    """Builds the binary tree that a merge sequence describes (leaves are ``(label word)``)."""
    nodes: dict[int, Tree] = {i: Tree(label, (word,)) for i, word in enumerate(words)}
    next_id = len(words)
    for left, right in merges:
        nodes[next_id] = Tree(label, (nodes.pop(left), nodes.pop(right)))
        next_id += 1
    (root,) = nodes.values()
    return root


class GreedyRAE(PretrainedMixin, nn.Module):
    """Semi-supervised RAE whose trees are built by greedy reconstruction-error merges."""

    model_type = "greedy_rae"
    config_class = SemiSupervisedRAEConfig  # the same settings; only the trees differ

    def __init__(self, config: SemiSupervisedRAEConfig) -> None:
        super().__init__()
        self.config = config
        self.rae = SemiSupervisedRAE(config)

    def build_trees(self, sentences: list[list[str]], vocab: Vocab, label: str = "X") -> list[Tree]:
        """The greedy tree of every sentence (each a list of words) under the current parameters."""
        sentences = list(sentences)
        if not sentences:
            return []
        merges = greedy_merges(self.rae.encoder, self.rae.decoder, [vocab.encode(words) for words in sentences])
        return [merges_to_tree(list(words), steps, label) for words, steps in zip(sentences, merges, strict=True)]

    def batch(self, sentences: list[list[str]], labels: list[int], vocab: Vocab) -> TreeBatch:
        """Greedy trees with the sentence label on every node (the paper's MR setting)."""
        trees = [tree.map_labels(lambda _, y=str(y): y) for tree, y in
                 zip(self.build_trees(sentences, vocab), labels, strict=True)]
        return TreeBatch.collate([encode_tree(tree, vocab) for tree in trees])

    def forward(self, batch: TreeBatch):
        return self.rae(batch)

    def loss(self, batch: TreeBatch, step: int = 0) -> dict[str, Tensor]:
        return self.rae.loss(batch, step)

    def eval_counts(self, batch: TreeBatch) -> dict[str, tuple[float, float]]:
        return self.rae.eval_counts(batch)

    def optim_groups(self) -> list[dict]:
        return self.rae.optim_groups()


class GreedyRAEParser(Parser):
    """:class:`parsers.Parser` over a trained greedy RAE: unlabelled binary trees chosen by
    reconstruction error (leaves and nodes labelled ``X``). Unknown words map to <unk>."""

    def __init__(self, model: GreedyRAE, vocab: Vocab, batch_size: int = 1024) -> None:
        self.model, self.vocab, self.batch_size = model.eval(), vocab, batch_size

    def _parse_checked(self, sentences) -> list[Tree]:
        trees: list[Tree] = []
        for start in range(0, len(sentences), self.batch_size):
            trees.extend(self.model.build_trees([list(s) for s in sentences[start : start + self.batch_size]], self.vocab))
        return trees

