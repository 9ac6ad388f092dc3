"""The overfit-a-batch tests' training loop, shared by the models' tests."""

from __future__ import annotations

import torch


def fit_one_batch(model: torch.nn.Module, batch, steps: int, lr: float, step: int = 0) -> None:
    """``steps`` Adam updates (learning rate ``lr``) of ``model`` on one ``batch``, each on
    ``model.loss(batch, step)["loss"]`` (``step`` fixed: e.g. past a KL schedule's warm-up)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        model.loss(batch, step)["loss"].backward()
        optimizer.step()
