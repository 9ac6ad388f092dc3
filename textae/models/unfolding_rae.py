"""Unfolding recursive autoencoder (Socher, Huang, Pennington, Ng, Manning; NIPS 2011).

The encoder is the RAE's (``rae.py``): ``p = tanh(W_e [c1; c2] + b_e)``, optionally
normalised. The decoder differs: instead of reconstructing only its two children, every
internal node unfolds its **whole subtree** top-down and is scored on all the words
beneath it:

    [c1'; c2'] = tanh(W_d p' + b_d)        (applied again to every reconstructed child
                                             that is itself a phrase, down to the leaves)
    E_rec(p)   = || [x_i; ...; x_j] - [x_i'; ...; x_j'] ||^2     over the leaves i..j under p

Equation -> code: ``W_e, b_e`` = ``encoder.composition``; ``W_d, b_d`` =
``decoder.linear``; x = ``encoder.embedding`` rows of the leaves.

Level batching ("levels in reverse"): all internal nodes of a batch unfold at once. Step
k decodes every (source node, node k levels below it) pair that is still a phrase, in one
matmul, so a batch needs as many decoder calls as its tallest tree is high; the pairs
that reach a leaf add their squared error to their source. A tree of n words has
sum-over-phrases-of-their-size pairs (between n log n and n^2 / 2).

Targets: with word vectors that are trained too, shrinking every vector would shrink the
error; the paper kept its pre-trained word vectors fixed. ``detach_targets`` (default)
stops the gradient through the target side of E_rec, so word vectors only learn as inputs.

Loss reduction: E_rec summed over a tree's internal nodes, mean over trees.

Shape legend: B trees, N nodes, n0 leaves, n internal nodes, P (source, node) pairs, D hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from textae.losses import sum_per_tree
from textae.models.rae import RecursiveEncoder
from textae.serialization import PretrainedMixin, check_field_types
from textae.trees import TreeBatch


@dataclass(frozen=True)
class UnfoldingRAEConfig:
    vocab_size: int
    hidden_size: int = 100
    normalize: bool = True
    embedding_init_range: float = 0.05
    freeze_embeddings: bool = False  # keep pre-trained word vectors fixed (the paper)
    detach_targets: bool = True  # no gradient through the words being reconstructed (see module docstring)
    weight_decay_composition: float = 1e-5
    weight_decay_embedding: float = 1e-4
    weight_decay_reconstruction: float = 1e-5

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "hidden_size": "size of word and phrase vectors (d)",
        "normalize": "length-normalise each parent vector p / ||p||",
        "embedding_init_range": "initial word vectors ~ U(-r, r) (unless loaded from a word-vector file)",
        "freeze_embeddings": "keep word vectors fixed (the paper, with pre-trained vectors)",
        "detach_targets": "no gradient through the words being reconstructed, so word vectors learn only as "
                          "inputs (they cannot shrink to lower the error)",
        "weight_decay_composition": "L2 weight on the encoder's composition matrix W_e",
        "weight_decay_embedding": "L2 weight on the word vectors (unused with --freeze-embeddings)",
        "weight_decay_reconstruction": "L2 weight on the decoder matrix W_d",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.vocab_size < 2:
            raise ValueError(f"vocab_size must be >= 2, got {self.vocab_size}")
        if self.hidden_size < 1:
            raise ValueError(f"hidden_size must be >= 1, got {self.hidden_size}")
        if self.embedding_init_range <= 0:
            raise ValueError(f"embedding_init_range must be > 0, got {self.embedding_init_range}")
        for name in ("weight_decay_composition", "weight_decay_embedding", "weight_decay_reconstruction"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


class UnfoldingDecoder(nn.Module):
    """``[c1'; c2'] = tanh(W_d p' + b_d)``, unfolded from every internal node to its leaves."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(hidden_size, 2 * hidden_size)  # W_d, b_d
        nn.init.xavier_uniform_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def unfold(self, vector: Tensor) -> tuple[Tensor, Tensor]:
        """``[P, D] -> ([P, D], [P, D])``: the two reconstructed children."""
        left, right = torch.tanh(self.linear(vector)).chunk(2, dim=-1)
        return left, right

    def forward(self, batch: TreeBatch, node_states: Tensor, targets: Tensor) -> Tensor:
        """Returns ``[n]`` E_rec of each internal node (rows ``n0 : N``).

        ``targets``: ``[n0, D]`` the leaf vectors to reconstruct (rows ``0 : n0``)."""
        n0 = batch.num_leaf_nodes
        errors = node_states.new_zeros(batch.num_nodes - n0)  # [n]
        source = torch.arange(n0, batch.num_nodes, device=node_states.device)  # [P] which phrase a pair unfolds
        node = source.clone()  # [P] the node the pair has reached
        vector = node_states[n0:]  # [P, D] its reconstruction (at the start: the phrase itself)
        while len(node):
            left, right = self.unfold(vector)  # [P, D] x2
            source = torch.cat([source, source])  # [2P]
            node = torch.cat([batch.left[node], batch.right[node]])  # [2P]
            vector = torch.cat([left, right])  # [2P, D]
            at_leaf = node < n0  # [2P]
            if bool(at_leaf.any()):
                squared = (targets[node[at_leaf]] - vector[at_leaf]).pow(2).sum(-1)  # [leaf pairs]
                errors = errors.index_add(0, source[at_leaf] - n0, squared)
            keep = ~at_leaf
            source, node, vector = source[keep], node[keep], vector[keep]
        return errors


@dataclass
class UnfoldingRAEOutput:
    node_states: Tensor  # [N, D]
    root_states: Tensor  # [B, D]
    reconstruction_errors: Tensor  # [n] one per internal node


class UnfoldingRAE(PretrainedMixin, nn.Module):
    """Unsupervised unfolding RAE over given binary trees."""

    model_type = "unfolding_rae"
    config_class = UnfoldingRAEConfig

    def __init__(self, config: UnfoldingRAEConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = RecursiveEncoder(config.vocab_size, config.hidden_size, config.normalize,
                                        config.embedding_init_range)
        self.encoder.embedding.weight.requires_grad_(not config.freeze_embeddings)
        self.decoder = UnfoldingDecoder(config.hidden_size)

    def forward(self, batch: TreeBatch) -> UnfoldingRAEOutput:
        node_states = self.encoder(batch)  # [N, D]
        targets = node_states[: batch.num_leaf_nodes]  # [n0, D] the word vectors
        if self.config.detach_targets:
            targets = targets.detach()
        return UnfoldingRAEOutput(
            node_states=node_states,
            root_states=node_states[batch.roots],  # [B, D]
            reconstruction_errors=self.decoder(batch, node_states, targets),  # [n]
        )

    def loss(self, batch: TreeBatch, step: int = 0) -> dict[str, Tensor]:
        """E_rec summed over each tree's internal nodes, mean over trees."""
        output = self(batch)
        per_tree = sum_per_tree(output.reconstruction_errors, batch.tree_index[batch.num_leaf_nodes :],
                                batch.num_trees)  # [B]
        internal = slice(batch.num_leaf_nodes, batch.num_nodes)
        reconstructed_words = batch.num_leaves[internal].sum().clamp(min=1)  # (phrase, word beneath it) pairs
        loss = per_tree.mean()
        return {
            "loss": loss,
            "reconstruction": loss.detach(),
            # per reconstructed word: comparable across corpora with different sentence lengths
            "reconstruction_per_word": (per_tree.sum() / reconstructed_words).detach(),
            "num_items": torch.tensor(batch.num_trees),
        }

    def optim_groups(self) -> list[dict]:
        config = self.config
        groups = [
            {"params": [self.encoder.composition.weight], "weight_decay": config.weight_decay_composition},
            {"params": [self.decoder.linear.weight], "weight_decay": config.weight_decay_reconstruction},
            {"params": [self.encoder.composition.bias, self.decoder.linear.bias], "weight_decay": 0.0},
        ]
        if not config.freeze_embeddings:
            groups.insert(0, {"params": [self.encoder.embedding.weight], "weight_decay": config.weight_decay_embedding})
        return groups
