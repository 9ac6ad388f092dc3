"""Schedules as pure functions of the training step."""

from __future__ import annotations

import math


def linear_warmup(step: int, warmup_steps: int) -> float:
    """Learning-rate factor rising linearly from 1/warmup_steps to 1, then 1."""
    if warmup_steps <= 0:
        return 1.0
    return min(1.0, (step + 1) / warmup_steps)


def linear_kl_weight(step: int, anneal_steps: int) -> float:
    """KL weight rising linearly from 0 to 1 over ``anneal_steps`` steps, then 1."""
    if anneal_steps <= 0:
        return 1.0
    return min(1.0, step / anneal_steps)


def logistic_kl_weight(step: int, midpoint: int, steepness: float = 0.0025) -> float:
    """Bowman et al. (2016)'s sigmoid KL weight: 0.5 at ``midpoint`` steps."""
    exponent = -steepness * (step - midpoint)
    if exponent > 700:  # exp would overflow; the weight is 0 to double precision
        return 0.0
    return 1.0 / (1.0 + math.exp(exponent))


def cyclical_kl_weight(step: int, total_steps: int, cycles: int = 4, ratio: float = 0.5) -> float:
    """Fu et al. (2019): ``cycles`` cycles over ``total_steps``; within each the weight rises
    linearly from 0 to 1 over the first ``ratio`` of the cycle and stays at 1 after."""
    if total_steps <= 0 or cycles <= 0:
        return 1.0
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    period = total_steps / cycles
    position = (step % period) / period  # 0 .. 1 within the cycle
    return min(1.0, position / ratio)
