"""Tiny sentence models and batches shared by the sentence-model and decoding tests."""

from __future__ import annotations

import torch

from textae.models import MODELS
from textae.models.sentence_vae import SentenceBatch

TINY = dict(vocab_size=12, embedding_size=8, hidden_size=10, latent_size=4, decoder_dropout=0.0)
ROWS = [[4, 5, 6, 7], [8, 9], [10, 11, 4], [5]]


def sentences_batch(rows: list[list[int]]) -> SentenceBatch:
    return SentenceBatch.from_rows(rows)


def make(name: str, seed: int = 0, **overrides):
    """A tiny ``name`` model (a key of ``MODELS``: sentence_vae, lstm_lm, sentence_ae)."""
    torch.manual_seed(seed)
    config_class, model_class = MODELS[name]
    return model_class(config_class(**{**TINY, **overrides}))
