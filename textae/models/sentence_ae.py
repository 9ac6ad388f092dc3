"""Sentence autoencoder, plain or denoising (the lectures' AE / DAE on text; Shen et al. 2020).

The sentence VAE's decoder (``sentence_vae.SentenceDecoder``), started from a deterministic
code instead of a sample:

    z      = W_c h_T,  h_T = LSTM_enc(x~) last state
    loss   = -log p(x | z)                               (no KL term, no prior)

With ``input_mask_rate`` > 0 it is the denoising autoencoder: in training the encoder reads
x~, a copy of the sentence corrupted as BERT does (``masked_denoising.mask_tokens``: of the
words a share ``input_mask_rate`` is chosen; 80% of those become ``<unk>``, the word
vocabulary's mask, 10% a random word, 10% stay), and the decoder reconstructs the clean x.
With 0 it is the plain autoencoder (x~ = x). Evaluation always encodes the clean sentence.

An autoencoder has no prior: to draw "prior samples" fit a Gaussian to the training codes
(``textae.sentences.latent_gaussian``). ``encoder(batch)`` returns ``(codes, None)`` so the
tools written for the VAE's ``(mu, logvar)`` (interpolation, sampling, evaluation) take it.

Equation -> code: ``W_c`` = ``CodeEncoder.code``; the decoder as in ``sentence_vae.py``.

Loss reduction: NLL summed over the tokens of a sentence (incl. the end token), mean over
sentences.

Shape legend: B sentences, T tokens (padded), D hidden, E embedding, Z code size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from textae.models.masked_denoising import MaskingConfig, mask_tokens
from textae.models.sentence_vae import (
    SentenceBatch,
    SentenceDecoder,
    SentenceVAEConfig,
    padded_lstm,
    require_sentence_batch,
)
from textae.serialization import PretrainedMixin


@dataclass(frozen=True)
class SentenceAEConfig(SentenceVAEConfig):
    """The sentence VAE's sizes and decoder options; its KL fields are unused."""

    input_mask_rate: float = 0.0  # 0: plain autoencoder; > 0: denoising

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        **SentenceVAEConfig.field_help,
        "input_mask_rate": "denoising: share of the encoder's input words corrupted BERT-style in training "
                           "(0: plain autoencoder)",
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.input_mask_rate < 1.0:
            raise ValueError(f"input_mask_rate must be in [0, 1), got {self.input_mask_rate}")


class CodeEncoder(nn.Module):
    """Embedding -> LSTM -> a deterministic code from the last state."""

    def __init__(self, config: SentenceAEConfig, embedding: nn.Embedding) -> None:
        super().__init__()
        self.embedding = embedding
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, batch_first=True)
        self.code = nn.Linear(config.hidden_size, config.latent_size)  # W_c

    def forward(self, batch: SentenceBatch) -> tuple[Tensor, None]:
        """``([B, Z] codes, None)``: the VAE's ``(mu, logvar)`` with no variance."""
        require_sentence_batch(batch, "the sentence encoder", self.embedding.num_embeddings)
        embedded = self.embedding(batch.tokens)  # [B, T, E]
        _, last_hidden = padded_lstm(self.lstm, embedded, batch.lengths.clamp(min=1))  # [B, D]; empty: one pad token
        return self.code(last_hidden), None  # [B, Z]


@dataclass
class SentenceAEOutput:
    z: Tensor  # [B, Z] codes
    log_likelihood: Tensor  # [B] log p(x | z)


class SentenceAE(PretrainedMixin, nn.Module):
    model_type = "sentence_ae"
    config_class = SentenceAEConfig
    deterministic = True  # no posterior variance and no prior (see the module docstring)

    def __init__(self, config: SentenceAEConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size, padding_idx=config.pad_id)
        self.encoder = CodeEncoder(config, self.embedding)
        self.decoder = SentenceDecoder(config, self.embedding, config.latent_size)

    def corrupt(self, batch: SentenceBatch) -> SentenceBatch:
        """The encoder's input in training: the batch with BERT-style noise (or as it is)."""
        config = self.config
        if not (self.training and config.input_mask_rate > 0):
            return batch
        masking = MaskingConfig(mask_id=config.unk_id, vocab_size=config.vocab_size,
                                special_ids=(config.pad_id, config.unk_id, config.bos_id, config.eos_id),
                                select_rate=config.input_mask_rate)
        corrupted, _ = mask_tokens(batch.tokens, masking)  # [B, T]
        return SentenceBatch(corrupted, batch.lengths)

    def forward(self, batch: SentenceBatch) -> SentenceAEOutput:
        z, _ = self.encoder(self.corrupt(batch))  # [B, Z]
        return SentenceAEOutput(z, self.decoder.token_log_likelihood(batch, z))  # clean targets

    def loss(self, batch: SentenceBatch, step: int = 0) -> dict[str, Tensor]:
        nll = -self(batch).log_likelihood.mean()
        return {"loss": nll, "nll": nll.detach(), "num_items": torch.tensor(len(batch))}
