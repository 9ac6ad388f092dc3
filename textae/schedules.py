"""Schedules as pure functions of the training step."""

from __future__ import annotations

import math


def linear_warmup(step: int, warmup_steps: int) -> float:
    """Learning-rate factor rising linearly from 1/warmup_steps to 1, then 1."""
    if warmup_steps <= 0:
        return 1.0
    return min(1.0, (step + 1) / warmup_steps)


LR_SCHEDULES = ("constant", "linear", "cosine")


def learning_rate_factor(step: int, warmup_steps: int, schedule: str = "constant", total_steps: int = 0) -> float:
    """Learning-rate multiplier at ``step``: :func:`linear_warmup`, then ``constant`` (1),
    ``linear`` (from 1 down to 0 at ``total_steps``) or ``cosine`` (half a cosine from 1 to 0
    at ``total_steps``)."""
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"schedule must be one of {LR_SCHEDULES}, got {schedule!r}")
    if step < warmup_steps or schedule == "constant":
        return linear_warmup(step, warmup_steps)
    if total_steps <= warmup_steps:
        raise ValueError(f"a {schedule} schedule needs total_steps > warmup_steps, got {total_steps} <= {warmup_steps}")
    done = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return 1.0 - done if schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * done))


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
    linearly from 0 to 1 over the first ``ratio`` of the cycle and stays at 1 after. From
    ``total_steps`` on the weight stays at 1 (the annealing is over; it does not cycle on)."""
    if total_steps <= 0 or cycles <= 0 or step >= total_steps:
        return 1.0
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    period = total_steps / cycles
    position = (step % period) / period  # 0 .. 1 within the cycle
    return min(1.0, position / ratio)
