"""Denoising recursive autoencoder: the semi-supervised RAE trained on corrupted words (beyond the papers).

The lectures' denoising autoencoder (corrupt x, reconstruct the clean x) applied to the
semi-supervised RAE of ``semi_supervised_rae.py`` with BERT's corruption
(``masked_denoising.mask_tokens``): in training, of the words of a batch a share
``leaf_mask_rate`` is chosen; 80% of those become ``<unk>`` (the word vocabulary's mask),
10% a random word, 10% stay. Then

    p~         = the tree composed over the corrupted words (same W_e as the clean one)
    p          = the tree composed over the clean words
    E_rec(p~)  = weighted || [c1; c2] - W_d p~ ||^2 with the CLEAN children c1, c2
    E_CE(p~)   = -log softmax(W_label p~)[gold]

so each noisy parent must recover what its clean children were, and every node must
classify from noisy evidence. Evaluation, features and ``classify.py`` use the clean words.
Loss and weighting are the semi-supervised RAE's (alpha, beta, per-group lambdas).

Equation -> code: ``W_e``, ``L`` = ``encoder``; ``W_d`` = ``decoder``; ``W_label`` =
``classifier``; the corruption is :meth:`DenoisingRAE.corrupt`.

Shape legend: B trees, N nodes, n0 leaves, n internal nodes, D hidden, C classes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from textae.metrics import sentiment_counts
from textae.models.masked_denoising import MaskingConfig, mask_tokens
from textae.models.rae import ChildDecoder, RecursiveEncoder
from textae.models.semi_supervised_rae import (
    SemiSupervisedRAEConfig,
    SemiSupervisedRAEOutput,
    rae_parameter_groups,
    semi_supervised_loss,
)
from textae.serialization import PretrainedMixin
from textae.trees import TreeBatch


@dataclass(frozen=True)
class DenoisingRAEConfig(SemiSupervisedRAEConfig):
    leaf_mask_rate: float = 0.15  # share of words chosen for corruption in training
    unk_id: int = 1  # the word that plays [MASK] (textae.vocab.Vocab puts <unk> at 1)
    pad_id: int = 0  # never drawn as a random replacement

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 < self.leaf_mask_rate < 1.0:
            raise ValueError(f"leaf_mask_rate must be in (0, 1), got {self.leaf_mask_rate}")


class DenoisingRAE(PretrainedMixin, nn.Module):
    """Semi-supervised RAE whose training input is corrupted and whose targets are clean."""

    model_type = "denoising_rae"
    config_class = DenoisingRAEConfig

    def __init__(self, config: DenoisingRAEConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = RecursiveEncoder(config.vocab_size, config.hidden_size, config.normalize,
                                        config.embedding_init_range)
        self.decoder = ChildDecoder(config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_classes)  # W_label
        nn.init.xavier_uniform_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)

    def corrupt(self, batch: TreeBatch) -> TreeBatch:
        """The batch with BERT-style noise on its words (internal rows untouched)."""
        config = self.config
        masking = MaskingConfig(mask_id=config.unk_id, vocab_size=config.vocab_size,
                                special_ids=(config.pad_id, config.unk_id), select_rate=config.leaf_mask_rate)
        words = batch.token_ids[: batch.num_leaf_nodes].unsqueeze(0)  # [1, n0]
        corrupted, _ = mask_tokens(words, masking)  # [1, n0]
        return replace(batch, token_ids=torch.cat([corrupted[0], batch.token_ids[batch.num_leaf_nodes :]]))

    def forward(self, batch: TreeBatch) -> SemiSupervisedRAEOutput:
        clean = self.encoder(batch)  # [N, D]
        if not self.training:
            return SemiSupervisedRAEOutput(node_states=clean, root_states=clean[batch.roots],
                                           logits=self.classifier(clean),  # [N, C]
                                           reconstruction_errors=self.decoder(batch, clean))  # [n]
        noisy = self.encoder(self.corrupt(batch))  # [N, D] over corrupted words
        return SemiSupervisedRAEOutput(
            node_states=noisy,
            root_states=noisy[batch.roots],  # [B, D]
            logits=self.classifier(self.dropout(noisy)),  # [N, C]
            reconstruction_errors=self.decoder(batch, noisy, targets=clean),  # [n] clean children
        )

    def loss(self, batch: TreeBatch, step: int = 0) -> dict[str, Tensor]:
        return semi_supervised_loss(self(batch), batch, self.config)

    def eval_counts(self, batch: TreeBatch) -> dict[str, tuple[float, float]]:
        """(correct, total) for root / all-phrase, fine / binary accuracies."""
        return sentiment_counts(self(batch).logits, batch.node_labels, batch.roots)

    @torch.no_grad()
    def predict(self, batch: TreeBatch) -> Tensor:
        """``[N, C]`` class probabilities of every node (clean words)."""
        return self(batch).logits.softmax(dim=-1)

    def optim_groups(self) -> list[dict]:
        return rae_parameter_groups(self)
