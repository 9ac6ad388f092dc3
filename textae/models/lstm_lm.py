"""LSTM language model: the sentence VAE's decoder with no latent variable.

The baseline every sentence-VAE number is set beside (Bowman et al. 2016, Table 2): the
same embedding, LSTM and output layer as ``sentence_vae.SentenceDecoder``, started from a
zero state. Its NLL is exact, so it needs no importance sampling.

Loss reduction: NLL summed over the tokens of a sentence (incl. the end token), mean over
sentences.

Shape legend: B sentences, T tokens.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from textae.models.sentence_vae import SentenceBatch, SentenceDecoder, SentenceVAEConfig
from textae.serialization import PretrainedMixin


class LSTMLanguageModel(PretrainedMixin, nn.Module):
    """Configured with a :class:`SentenceVAEConfig` (its latent and KL fields are unused)."""

    model_type = "lstm_lm"
    config_class = SentenceVAEConfig

    def __init__(self, config: SentenceVAEConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size, padding_idx=config.pad_id)
        self.decoder = SentenceDecoder(config, self.embedding, latent_size=0)

    def forward(self, batch: SentenceBatch) -> Tensor:
        """``[B]`` log p(tokens + <eos>) of every sentence."""
        return self.decoder.token_log_likelihood(batch, None)

    def loss(self, batch: SentenceBatch, step: int = 0) -> dict[str, Tensor]:
        nll = -self(batch).mean()
        return {"loss": nll, "nll": nll.detach(), "num_items": torch.tensor(len(batch))}
