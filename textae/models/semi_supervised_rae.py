"""Semi-supervised recursive autoencoder (Socher, Pennington, Huang, Ng, Manning; EMNLP 2011).

The recursive autoencoder of ``rae.py`` plus a softmax classifier at every node:

    d(p)  = softmax(W_label p)
    E(p)  = alpha * E_rec(p) + (1 - alpha) * E_CE(p)

with ``E_CE(p) = -log d(p)[gold]``. The paper weights the classification cost of
non-root nodes by ``beta`` (its code: 0.5) and regularises each parameter group with
its own L2 weight: lambda_W (composition), lambda_L (word vectors), lambda_cat
(classifier) and a separate one for the reconstruction layer.

Labels may sit on every node (SST) or only on roots (MR); unlabelled nodes
(label -100) add no classification cost. Leaves have no reconstruction cost.

Equation -> code: ``W_e``, ``L`` = ``encoder`` (from ``rae.py``); ``W_d`` = ``decoder``;
``W_label`` = ``classifier``; alpha, beta = ``config.alpha``, ``config.beta``.

Loss reduction: per tree, alpha * (sum of E_rec over internal nodes) + (1 - alpha) *
(E_CE at the root + beta * sum of E_CE over labelled non-root nodes); mean over trees.

Shape legend: B trees, N nodes, n internal nodes, D hidden, C classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from textae.losses import node_cross_entropy, sum_per_tree
from textae.metrics import sentiment_counts
from textae.models.rae import ChildDecoder, RecursiveEncoder
from textae.serialization import PretrainedMixin, check_field_types
from textae.trees import TreeBatch, check_node_labels


@dataclass(frozen=True)
class SemiSupervisedRAEConfig:
    vocab_size: int
    hidden_size: int = 50
    num_classes: int = 5
    alpha: float = 0.2  # weight of reconstruction vs. classification
    beta: float = 0.5  # weight of the classification cost at non-root nodes
    normalize: bool = True
    dropout: float = 0.0  # on node vectors before the classifier (not in the paper)
    embedding_init_range: float = 0.05
    weight_decay_composition: float = 1e-5  # lambda_W
    weight_decay_embedding: float = 1e-4  # lambda_L
    weight_decay_classifier: float = 1e-7  # lambda_cat
    weight_decay_reconstruction: float = 0.01

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "hidden_size": "size of word and phrase vectors (d)",
        "alpha": "weight of the reconstruction error; 1 - alpha weighs the classification error",
        "beta": "weight of the classification error at non-root nodes",
        "normalize": "length-normalise each parent vector p / ||p||",
        "dropout": "dropout on node vectors before the classifier",
        "embedding_init_range": "initial word vectors ~ U(-r, r) (unless loaded from a word-vector file)",
        "weight_decay_composition": "L2 weight on the composition matrix W_e (lambda_W)",
        "weight_decay_embedding": "L2 weight on the word vectors (lambda_L)",
        "weight_decay_classifier": "L2 weight on the classifier matrix W_label (lambda_cat)",
        "weight_decay_reconstruction": "L2 weight on the reconstruction matrix W_d",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.vocab_size < 2:
            raise ValueError(f"vocab_size must be >= 2, got {self.vocab_size}")
        if self.hidden_size < 1:
            raise ValueError(f"hidden_size must be >= 1, got {self.hidden_size}")
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {self.num_classes}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        if self.beta < 0:
            raise ValueError(f"beta must be >= 0, got {self.beta}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        for name in (
            "weight_decay_composition", "weight_decay_embedding",
            "weight_decay_classifier", "weight_decay_reconstruction",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


@dataclass
class SemiSupervisedRAEOutput:
    node_states: Tensor  # [N, D]
    root_states: Tensor  # [B, D]
    logits: Tensor  # [N, C]
    reconstruction_errors: Tensor  # [n]


class SemiSupervisedRAE(PretrainedMixin, nn.Module):
    """RAE whose every node also predicts a label (sentiment)."""

    model_type = "semi_supervised_rae"
    config_class = SemiSupervisedRAEConfig

    def __init__(self, config: SemiSupervisedRAEConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = RecursiveEncoder(
            config.vocab_size, config.hidden_size, config.normalize, config.embedding_init_range
        )
        self.decoder = ChildDecoder(config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_classes)  # W_label
        nn.init.xavier_uniform_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, batch: TreeBatch) -> SemiSupervisedRAEOutput:
        node_states = self.encoder(batch)  # [N, D]
        return SemiSupervisedRAEOutput(
            node_states=node_states,
            root_states=node_states[batch.roots],  # [B, D]
            logits=self.classifier(self.dropout(node_states)),  # [N, C]
            reconstruction_errors=self.decoder(batch, node_states),  # [n]
        )

    def loss(self, batch: TreeBatch, step: int = 0) -> dict[str, Tensor]:
        return semi_supervised_loss(self(batch), batch, self.config)

    def eval_counts(self, batch: TreeBatch) -> dict[str, tuple[float, float]]:
        """(correct, total) for root / all-phrase, fine / binary accuracies."""
        return sentiment_counts(self(batch).logits, batch.node_labels, batch.roots)

    @torch.no_grad()
    def predict(self, batch: TreeBatch) -> Tensor:
        """``[N, C]`` class probabilities of every node."""
        return self(batch).logits.softmax(dim=-1)

    def optim_groups(self) -> list[dict]:
        return rae_parameter_groups(self)


def semi_supervised_loss(output: SemiSupervisedRAEOutput, batch: TreeBatch,
                         config: SemiSupervisedRAEConfig) -> dict[str, Tensor]:
    """Per tree alpha * (sum of E_rec) + (1 - alpha) * (root CE + beta * other nodes' CE),
    mean over trees; with the parts as detached logging scalars.

    Raises:
        ValueError: a node label is not a class of the model (see :func:`textae.trees.check_node_labels`).
    """
    check_node_labels(batch, config.num_classes)
    internal_tree_index = batch.tree_index[batch.num_leaf_nodes :]  # [n]
    reconstruction = sum_per_tree(output.reconstruction_errors, internal_tree_index, batch.num_trees)  # [B]
    node_weights = torch.full_like(output.logits[:, 0], config.beta)  # [N]
    node_weights[batch.roots] = 1.0
    cross_entropy = sum_per_tree(
        node_weights * node_cross_entropy(output.logits, batch.node_labels),
        batch.tree_index,
        batch.num_trees,
    )  # [B]
    per_tree = config.alpha * reconstruction + (1.0 - config.alpha) * cross_entropy  # [B]
    return {
        "loss": per_tree.mean(),
        "reconstruction": reconstruction.mean().detach(),
        "cross_entropy": cross_entropy.mean().detach(),
        "num_items": torch.tensor(batch.num_trees),
    }


def rae_parameter_groups(model: nn.Module) -> list[dict]:
    """The paper's separate L2 weights per parameter group (biases not decayed), for a model
    with ``encoder`` (RecursiveEncoder), ``decoder`` (ChildDecoder) and ``classifier``."""
    config = model.config
    return [
        {"params": [model.encoder.embedding.weight], "weight_decay": config.weight_decay_embedding},
        {"params": [model.encoder.composition.weight], "weight_decay": config.weight_decay_composition},
        {"params": [model.classifier.weight], "weight_decay": config.weight_decay_classifier},
        {"params": [model.decoder.linear.weight], "weight_decay": config.weight_decay_reconstruction},
        {
            "params": [model.encoder.composition.bias, model.decoder.linear.bias, model.classifier.bias],
            "weight_decay": 0.0,
        },
    ]
