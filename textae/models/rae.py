"""Recursive autoencoder (Socher, Pennington, Huang, Ng, Manning; EMNLP 2011).

Over a given binary tree, each parent is composed from its two children and then
asked to reconstruct them:

    p          = tanh(W_e [c1; c2] + b_e)          (optionally p / ||p||)
    [c1'; c2'] = W_d p + b_d
    E_rec(p)   = n1/(n1+n2) ||c1 - c1'||^2 + n2/(n1+n2) ||c2 - c2'||^2

Equation -> code: ``W_e, b_e`` = ``RecursiveEncoder.composition``; the
normalisation is ``RAEConfig.normalize``; ``W_d, b_d`` = ``ChildDecoder.linear``;
``E_rec`` = ``textae.losses.child_reconstruction_error``; the word vectors ``L`` are
``RecursiveEncoder.embedding``.

Normalising the parent matters: without it the encoder can shrink every vector
towards zero and make the reconstruction error vanish.

Loss reduction: E_rec summed over the internal nodes of a tree, mean over trees.

Shape legend: B trees, N nodes, n0 leaves, n internal nodes, D hidden, V vocab.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textae.losses import child_reconstruction_error, sum_per_tree
from textae.serialization import PretrainedMixin, check_field_types
from textae.trees import TreeBatch, bottom_up, require_tree_batch


@dataclass(frozen=True)
class RAEConfig:
    vocab_size: int
    hidden_size: int = 50
    normalize: bool = True
    embedding_init_range: float = 0.05  # word vectors ~ U(-r, r), as the paper's code
    weight_decay_composition: float = 1e-5  # lambda_W
    weight_decay_embedding: float = 1e-4  # lambda_L
    weight_decay_reconstruction: float = 0.01  # lambda for W_d

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "hidden_size": "size of word and phrase vectors (d)",
        "normalize": "length-normalise each parent vector p / ||p||",
        "embedding_init_range": "initial word vectors ~ U(-r, r) (unless loaded from a word-vector file)",
        "weight_decay_composition": "L2 weight on the composition matrix W_e (lambda_W)",
        "weight_decay_embedding": "L2 weight on the word vectors (lambda_L)",
        "weight_decay_reconstruction": "L2 weight on the reconstruction matrix W_d",
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


class RecursiveEncoder(nn.Module):
    """Word vectors at the leaves, ``p = tanh(W_e [c1; c2] + b_e)`` level by level."""

    def __init__(self, vocab_size: int, hidden_size: int, normalize: bool, init_range: float) -> None:
        super().__init__()
        self.normalize = normalize
        self.embedding = nn.Embedding(vocab_size, hidden_size)  # L
        self.composition = nn.Linear(2 * hidden_size, hidden_size)  # W_e, b_e
        nn.init.uniform_(self.embedding.weight, -init_range, init_range)
        nn.init.xavier_uniform_(self.composition.weight)
        nn.init.zeros_(self.composition.bias)

    def compose(self, children: Tensor) -> Tensor:
        """``[n, 2D] -> [n, D]``: parents of the children ``[c1; c2]``."""
        parent = torch.tanh(self.composition(children))  # [n, D]
        if self.normalize:
            parent = F.normalize(parent, dim=-1)  # [n, D]
        return parent

    def forward(self, batch: TreeBatch) -> Tensor:
        """Returns ``[N, D]`` the vector of every node."""
        require_tree_batch(batch, "the recursive encoder")
        leaf_states = self.embedding(batch.token_ids[: batch.num_leaf_nodes])  # [n0, D]
        return bottom_up(batch, leaf_states, self.compose)  # [N, D]


class ChildDecoder(nn.Module):
    """``[c1'; c2'] = W_d p + b_d`` and the weighted error of each internal node."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(hidden_size, 2 * hidden_size)  # W_d, b_d
        nn.init.xavier_uniform_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, batch: TreeBatch, node_states: Tensor, targets: Tensor | None = None) -> Tensor:
        """Returns ``[n]`` E_rec of each internal node (rows ``n0 : N`` of the batch).

        ``targets``: ``[N, D]`` the children to reconstruct, when they differ from the
        states the parents were made from (a denoising RAE reconstructs clean children
        from parents built over corrupted words); default ``node_states``."""
        targets = node_states if targets is None else targets
        internal = slice(batch.num_leaf_nodes, batch.num_nodes)
        left_rows, right_rows = batch.left[internal], batch.right[internal]  # [n], [n]
        left_reconstruction, right_reconstruction = self.linear(node_states[internal]).chunk(2, dim=-1)  # [n, D] x2
        return child_reconstruction_error(
            targets[left_rows],
            targets[right_rows],
            left_reconstruction,
            right_reconstruction,
            batch.num_leaves[left_rows],
            batch.num_leaves[right_rows],
        )  # [n]


@dataclass
class RAEOutput:
    node_states: Tensor  # [N, D]
    root_states: Tensor  # [B, D]
    reconstruction_errors: Tensor  # [n] one per internal node


class RAE(PretrainedMixin, nn.Module):
    """Unsupervised recursive autoencoder over given binary trees."""

    model_type = "rae"
    config_class = RAEConfig

    def __init__(self, config: RAEConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = RecursiveEncoder(
            config.vocab_size, config.hidden_size, config.normalize, config.embedding_init_range
        )
        self.decoder = ChildDecoder(config.hidden_size)

    def forward(self, batch: TreeBatch) -> RAEOutput:
        node_states = self.encoder(batch)  # [N, D]
        return RAEOutput(
            node_states=node_states,
            root_states=node_states[batch.roots],  # [B, D]
            reconstruction_errors=self.decoder(batch, node_states),  # [n]
        )

    def loss(self, batch: TreeBatch, step: int = 0) -> dict[str, Tensor]:
        """E_rec summed over each tree's internal nodes, mean over trees."""
        output = self(batch)
        internal_tree_index = batch.tree_index[batch.num_leaf_nodes :]  # [n]
        per_tree = sum_per_tree(output.reconstruction_errors, internal_tree_index, batch.num_trees)  # [B]
        loss = per_tree.mean()
        return {
            "loss": loss,
            "reconstruction": loss.detach(),
            "num_items": torch.tensor(batch.num_trees),
        }

    def optim_groups(self) -> list[dict]:
        """Parameter groups with the paper's separate L2 weights (biases not decayed)."""
        config = self.config
        return [
            {"params": [self.encoder.embedding.weight], "weight_decay": config.weight_decay_embedding},
            {"params": [self.encoder.composition.weight], "weight_decay": config.weight_decay_composition},
            {"params": [self.decoder.linear.weight], "weight_decay": config.weight_decay_reconstruction},
            {"params": [self.encoder.composition.bias, self.decoder.linear.bias], "weight_decay": 0.0},
        ]
