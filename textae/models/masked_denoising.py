"""BERT-style corruption (Devlin et al. 2019), the shared input noise of textae's denoising objectives.

Of the eligible tokens (not padding, not special), a share ``select_rate`` (BERT: 15%) is
chosen for prediction; of those, ``mask_fraction`` (80%) become [MASK], ``random_fraction``
(10%) a random ordinary token, and the rest (10%) stay as they are. Labels hold the
original id at chosen positions and -100 everywhere else, so a loss ignores the rest.

Two conventions for choosing:
- ``"bernoulli"``: each eligible token independently with probability ``select_rate``
  (transformers' ``DataCollatorForLanguageModeling``);
- ``"exact"``: exactly round(select_rate x eligible tokens) per sequence, at least one when
  any token is eligible (Google's ``create_pretraining_data.py``).

Shape legend: B sequences, T tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

IGNORE_INDEX = -100


@dataclass(frozen=True)
class MaskingConfig:
    mask_id: int
    vocab_size: int
    special_ids: tuple[int, ...] = (0, 1, 2, 3)  # never chosen and never drawn as random tokens
    select_rate: float = 0.15
    mask_fraction: float = 0.8
    random_fraction: float = 0.1
    convention: str = "bernoulli"  # bernoulli | exact

    def __post_init__(self) -> None:
        if not 0.0 < self.select_rate <= 1.0:
            raise ValueError(f"select_rate must be in (0, 1], got {self.select_rate}")
        if self.mask_fraction < 0 or self.random_fraction < 0 or self.mask_fraction + self.random_fraction > 1.0:
            raise ValueError("mask_fraction and random_fraction must be >= 0 and add up to at most 1, "
                             f"got {self.mask_fraction} and {self.random_fraction}")
        if self.convention not in ("bernoulli", "exact"):
            raise ValueError(f"convention must be 'bernoulli' or 'exact', got {self.convention!r}")
        if not 0 <= self.mask_id < self.vocab_size:
            raise ValueError(f"mask_id {self.mask_id} is outside the vocabulary of {self.vocab_size}")
        if len(set(self.special_ids) | {self.mask_id}) >= self.vocab_size:
            raise ValueError("the vocabulary has no ordinary token to draw random replacements from")


def mask_tokens(tokens: Tensor, config: MaskingConfig, *, generator: torch.Generator | None = None,
                protected: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Corrupts a batch as BERT does.

    Args:
        tokens: ``[B, T]`` token ids (padding and specials are listed in ``config.special_ids``).
        config: rates and ids.
        generator: for reproducible corruption.
        protected: optional ``[B, T]`` bool mask of further positions never to choose.

    Returns:
        ``[B, T]`` corrupted ids and ``[B, T]`` labels (original id where chosen, -100 elsewhere).
    """
    eligible = ~torch.isin(tokens, torch.tensor(config.special_ids + (config.mask_id,), device=tokens.device))
    if protected is not None:
        eligible &= ~protected
    draw = torch.rand(tokens.shape, generator=generator, device=tokens.device)  # [B, T]
    if config.convention == "bernoulli":
        chosen = eligible & (draw < config.select_rate)
    else:
        # Exactly k per row: the k eligible positions with the smallest random keys.
        counts = eligible.sum(dim=1)  # [B]
        wanted = torch.where(counts > 0, (counts.double() * config.select_rate).round().long().clamp(min=1), counts)
        keys = draw.masked_fill(~eligible, 2.0)  # ineligible positions sort last
        ranks = keys.argsort(dim=1).argsort(dim=1)  # [B, T] rank of each position's key
        chosen = eligible & (ranks < wanted.unsqueeze(1))
    labels = torch.where(chosen, tokens, torch.full_like(tokens, IGNORE_INDEX))
    action = torch.rand(tokens.shape, generator=generator, device=tokens.device)  # [B, T]
    to_mask = chosen & (action < config.mask_fraction)
    to_random = chosen & (action >= config.mask_fraction) & (action < config.mask_fraction + config.random_fraction)
    ordinary = _ordinary_ids(config, tokens.device)
    random_ids = ordinary[torch.randint(len(ordinary), tokens.shape, generator=generator, device=tokens.device)]
    corrupted = torch.where(to_mask, torch.full_like(tokens, config.mask_id), tokens)
    corrupted = torch.where(to_random, random_ids, corrupted)
    return corrupted, labels


def _ordinary_ids(config: MaskingConfig, device: torch.device) -> Tensor:
    excluded = set(config.special_ids) | {config.mask_id}
    return torch.tensor([i for i in range(config.vocab_size) if i not in excluded], device=device)

