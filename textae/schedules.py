"""Schedules as pure functions of the training step."""

from __future__ import annotations


def linear_warmup(step: int, warmup_steps: int) -> float:
    """Learning-rate factor rising linearly from 1/warmup_steps to 1, then 1."""
    if warmup_steps <= 0:
        return 1.0
    return min(1.0, (step + 1) / warmup_steps)
