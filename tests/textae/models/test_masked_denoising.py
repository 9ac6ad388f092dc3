"""The BERT corruption, checked to the statistic over 10^6 tokens."""

from __future__ import annotations

import pytest
import torch

from textae.models.masked_denoising import IGNORE_INDEX, MaskingConfig, mask_tokens

SPECIALS = (0, 1, 2, 3)
MASK = 4


def batch(rows: int = 4000, width: int = 250, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(5, 1000, (rows, width), generator=generator)
    lengths = torch.randint(1, width + 1, (rows,), generator=generator)
    tokens[torch.arange(width).unsqueeze(0) >= lengths.unsqueeze(1)] = 0  # padding
    tokens[:, 0] = 2  # <bos>
    return tokens


@pytest.mark.parametrize("convention", ["bernoulli", "exact"])
def test_rates_within_half_a_point_over_a_million_tokens(convention):
    tokens = batch()
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, convention=convention)
    corrupted, labels = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(1))
    eligible = tokens >= 5
    assert int(eligible.sum()) > 400_000
    chosen = labels != IGNORE_INDEX
    total = float(eligible.sum())
    masked = chosen & (corrupted == MASK)
    changed = chosen & (corrupted != MASK) & (corrupted != tokens)
    kept = chosen & (corrupted == tokens)
    assert abs(float(chosen.sum()) / total - 0.15) < 0.005
    assert abs(float(masked.sum()) / total - 0.12) < 0.005
    assert abs(float(changed.sum()) / total - 0.015) < 0.005
    assert abs(float(kept.sum()) / total - 0.015) < 0.005
    # Nothing outside the chosen positions changes; specials and padding are never chosen.
    assert torch.equal(corrupted[~chosen], tokens[~chosen])
    assert not bool(chosen[~eligible].any())
    assert torch.equal(labels[chosen], tokens[chosen])
    assert not bool(torch.isin(corrupted[changed], torch.tensor(SPECIALS + (MASK,))).any())


def test_exact_convention_chooses_round_rate_times_length_per_row():
    tokens = batch(rows=50, width=40)
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, convention="exact")
    _, labels = mask_tokens(tokens, config, generator=torch.Generator().manual_seed(2))
    eligible = (tokens >= 5).sum(dim=1)
    expected = torch.where(eligible > 0, (eligible.double() * 0.15).round().long().clamp(min=1), eligible)
    assert torch.equal((labels != IGNORE_INDEX).sum(dim=1), expected)


def test_protected_positions_and_bad_settings():
    tokens = batch(rows=20, width=30)
    protected = torch.zeros_like(tokens, dtype=torch.bool)
    protected[:, 1:5] = True
    config = MaskingConfig(mask_id=MASK, vocab_size=1000, special_ids=SPECIALS, select_rate=1.0)
    _, labels = mask_tokens(tokens, config, protected=protected)
    assert bool((labels[:, 1:5] == IGNORE_INDEX).all())
    with pytest.raises(ValueError, match="add up"):
        MaskingConfig(mask_id=MASK, vocab_size=1000, mask_fraction=0.9, random_fraction=0.2)
    with pytest.raises(ValueError, match="convention"):
        MaskingConfig(mask_id=MASK, vocab_size=1000, convention="poisson")
