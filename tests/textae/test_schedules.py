from __future__ import annotations

import pytest

from textae.schedules import cyclical_kl_weight, linear_kl_weight, linear_warmup, logistic_kl_weight


def test_linear_warmup():
    assert [linear_warmup(step, 4) for step in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert linear_warmup(0, 0) == 1.0


def test_linear_kl_weight():
    assert [linear_kl_weight(step, 4) for step in (0, 2, 4, 10)] == [0.0, 0.5, 1.0, 1.0]


def test_logistic_kl_weight_is_half_at_the_midpoint_and_saturates():
    assert logistic_kl_weight(1000, 1000) == 0.5
    assert logistic_kl_weight(0, 1000) < 0.1 < 0.9 < logistic_kl_weight(3000, 1000)
    assert logistic_kl_weight(0, 10**6, steepness=1.0) == 0.0  # no overflow


def test_cyclical_kl_weight_restarts_every_cycle():
    weights = [cyclical_kl_weight(step, total_steps=16, cycles=4, ratio=0.5) for step in range(16)]
    assert weights[:4] == [0.0, 0.5, 1.0, 1.0]
    assert weights[4:8] == weights[:4] and weights[12:] == weights[:4]
    assert [cyclical_kl_weight(step, total_steps=16, cycles=4) for step in (16, 17, 20, 1000)] == [1.0] * 4  # over
    with pytest.raises(ValueError, match="ratio"):
        cyclical_kl_weight(0, 10, ratio=0.0)


def test_learning_rate_factor_schedules():
    from textae.schedules import learning_rate_factor

    assert learning_rate_factor(0, 4) == 0.25 and learning_rate_factor(3, 4) == 1.0
    assert learning_rate_factor(500, 4, "constant") == 1.0
    assert learning_rate_factor(4, 4, "linear", 14) == 1.0
    assert learning_rate_factor(9, 4, "linear", 14) == pytest.approx(0.5)
    assert learning_rate_factor(14, 4, "linear", 14) == 0.0 and learning_rate_factor(20, 4, "linear", 14) == 0.0
    assert learning_rate_factor(9, 4, "cosine", 14) == pytest.approx(0.5)
    assert learning_rate_factor(6, 4, "cosine", 14) > learning_rate_factor(6, 4, "linear", 14)
    assert learning_rate_factor(1, 4, "cosine", 14) == 0.5  # warm-up first, whatever the schedule
    with pytest.raises(ValueError, match="schedule"):
        learning_rate_factor(5, 0, "step")
    with pytest.raises(ValueError, match="total_steps"):
        learning_rate_factor(5, 4, "linear", 4)
