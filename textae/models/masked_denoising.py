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

Whole-word masking (``word_starts`` given, for subword vocabularies such as WordPiece, where
a continuation piece is spelled ``##...``): the unit chosen is a word, the start piece
with the continuation pieces that follow it, and every piece of a chosen word is labelled.
- ``"bernoulli"``: each eligible *word* independently with probability ``select_rate``
  (as ``DataCollatorForLanguageModeling(whole_word_mask=True)``); since every piece of a
  word goes with it, the expected share of chosen *tokens* is still ``select_rate``.
- ``"exact"``: the rate applies to *tokens*, as in Google's script: words are taken in a
  random order while they fit into round(select_rate x eligible tokens) (at least one); a
  word that would overshoot is skipped and shorter later ones may still fill the budget,
  so a row gets at most that many tokens, fewer only when no remaining word fits.
The 80/10/10 decision is drawn once per word and applies to all its pieces (a chosen word
is all [MASK], all random pieces, or all kept). Google's script draws it per piece, and the
transformers collator only ever writes [MASK] under whole-word masking; the marginal rates
are the same in all three. A random replacement draws a fresh ordinary id for each piece.
A word is eligible only when all its pieces are: a word holding a special or ``protected``
piece is never chosen, so no word is ever partly chosen.

Shape legend: B sequences, T tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from textae.serialization import check_field_types

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
        check_field_types(self)
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
                protected: Tensor | None = None, word_starts: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Corrupts a batch as BERT does.

    Args:
        tokens: ``[B, T]`` token ids (padding and specials are listed in ``config.special_ids``).
        config: rates and ids.
        generator: for reproducible corruption.
        protected: optional ``[B, T]`` bool mask of further positions never to choose.
        word_starts: optional ``[B, T]`` bool, True where a piece starts a word (False on
            WordPiece ``##`` continuations): whole-word masking, see the module docstring.
            Specials always count as words of their own, and so does a piece right after one.

    Returns:
        ``[B, T]`` corrupted ids and ``[B, T]`` labels (original id where chosen, -100 elsewhere).
    """
    special = torch.isin(tokens, torch.tensor(config.special_ids + (config.mask_id,), device=tokens.device))
    eligible = ~special
    if protected is not None:
        eligible &= ~protected
    if word_starts is not None and word_starts.shape != tokens.shape:
        raise ValueError(f"word_starts has shape {tuple(word_starts.shape)}, tokens {tuple(tokens.shape)}")
    draw = torch.rand(tokens.shape, generator=generator, device=tokens.device)  # [B, T] choice
    action = torch.rand(tokens.shape, generator=generator, device=tokens.device)  # [B, T] 80/10/10
    if word_starts is not None:
        chosen, action = _choose_whole_words(word_starts, special, eligible, draw, action, config)
    elif config.convention == "bernoulli":
        chosen = eligible & (draw < config.select_rate)
    else:
        # Exactly k per row: the k eligible positions with the smallest random keys.
        counts = eligible.sum(dim=1)  # [B]
        keys = draw.masked_fill(~eligible, 2.0)  # ineligible positions sort last
        ranks = keys.argsort(dim=1).argsort(dim=1)  # [B, T] rank of each position's key
        chosen = eligible & (ranks < _tokens_wanted(counts, config).unsqueeze(1))
    labels = torch.where(chosen, tokens, torch.full_like(tokens, IGNORE_INDEX))
    to_mask = chosen & (action < config.mask_fraction)
    to_random = chosen & (action >= config.mask_fraction) & (action < config.mask_fraction + config.random_fraction)
    ordinary = _ordinary_ids(config, tokens.device)
    random_ids = ordinary[torch.randint(len(ordinary), tokens.shape, generator=generator, device=tokens.device)]
    corrupted = torch.where(to_mask, torch.full_like(tokens, config.mask_id), tokens)
    corrupted = torch.where(to_random, random_ids, corrupted)
    return corrupted, labels


def _tokens_wanted(counts: Tensor, config: MaskingConfig) -> Tensor:
    """``[B]`` round(select_rate x count), at least 1 where count > 0 (the "exact" budget)."""
    return torch.where(counts > 0, (counts.double() * config.select_rate).round().long().clamp(min=1), counts)


def _choose_whole_words(word_starts: Tensor, special: Tensor, eligible: Tensor, draw: Tensor, action: Tensor,
                        config: MaskingConfig) -> tuple[Tensor, Tensor]:
    """Whole-word selection: ``[B, T]`` chosen pieces and ``[B, T]`` per-piece action draws
    (each piece gets its word's draw, so a word's pieces share one 80/10/10 decision).

    Word w of row b (its ``group``) uses ``draw[b, w]`` and ``action[b, w]``: one draw per
    word, indexed by the word's rank in its row."""
    batch_size, width = word_starts.shape
    after_special = torch.ones_like(special)
    after_special[:, 1:] = special[:, :-1]
    starts = word_starts.bool() | special | after_special  # [B, T]; column 0 always starts a word
    group = starts.long().cumsum(dim=1) - 1  # [B, T] word index within the row
    flat_group = (group + torch.arange(batch_size, device=group.device).unsqueeze(1) * width).reshape(-1)  # [B*T]
    size = torch.zeros(batch_size * width, dtype=torch.long, device=group.device)
    size.index_add_(0, flat_group, torch.ones_like(flat_group))
    blocked = torch.zeros_like(size).index_add_(0, flat_group, (~eligible).long().reshape(-1))
    word_eligible = ((size > 0) & (blocked == 0)).view(batch_size, width)  # [B, T] per word slot
    size = size.view(batch_size, width)  # [B, T] pieces per word slot
    if config.convention == "bernoulli":
        word_chosen = word_eligible & (draw < config.select_rate)  # [B, T] per word slot
    else:
        wanted = _tokens_wanted((size * word_eligible).sum(dim=1), config)  # [B]
        order = draw.masked_fill(~word_eligible, 2.0).argsort(dim=1)  # [B, T] eligible words first, shuffled
        rows = torch.arange(batch_size, device=group.device)
        used = torch.zeros(batch_size, dtype=torch.long, device=group.device)
        word_chosen = torch.zeros_like(word_eligible)
        # Google's greedy fill, one word rank at a time for all rows at once.
        for rank in range(int(word_eligible.sum(dim=1).max())):
            word = order[:, rank]  # [B]
            length = size[rows, word]  # [B]
            fits = word_eligible[rows, word] & (used + length <= wanted)  # [B]
            used += length * fits
            word_chosen[rows, word] |= fits
            if bool((used == wanted).all()):
                break
    chosen = word_chosen.view(-1)[flat_group].view(batch_size, width) & eligible  # [B, T]
    return chosen, action.view(-1)[flat_group].view(batch_size, width)


def _ordinary_ids(config: MaskingConfig, device: torch.device) -> Tensor:
    excluded = set(config.special_ids) | {config.mask_id}
    return torch.tensor([i for i in range(config.vocab_size) if i not in excluded], device=device)

