"""Plots written next to a run (PNG, matplotlib's non-interactive Agg backend)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display needed; never opens a window
    import matplotlib.pyplot as plt

    return plt


def plot_training_curves(metrics_path: str | os.PathLike, output: str | os.PathLike,
                         keys: Sequence[str] = ("nll", "kl", "kl_weight")) -> Path:
    """One panel per key: training values by step, and dev values where logged."""
    records = [json.loads(line) for line in Path(metrics_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    for axis, key in zip(axes[0], keys, strict=True):
        for split, style in (("train", "-"), ("dev", "o-")):
            if split == "dev" and key == "kl_weight":  # evaluation runs at step 0: its weight means nothing
                continue
            points = [(r["step"], r[key]) for r in records if r.get("split") == split and key in r]
            if points:
                steps, values = zip(*points, strict=True)
                axis.plot(steps, values, style, label=split, markersize=3)
        axis.set_title(key)
        axis.set_xlabel("step")
        if axis.lines:
            axis.legend()
    figure.tight_layout()
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return Path(output)


def plot_latent_map(points: np.ndarray, output: str | os.PathLike, *, colours: np.ndarray | None = None,
                    title: str = "posterior means (PCA)") -> Path:
    """Scatter of ``[N, Z]`` points projected on their first two principal components."""
    centred = points - points.mean(axis=0, keepdims=True)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:2].T if components.shape[0] >= 2 else np.c_[centred[:, :1], np.zeros(len(points))]
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 5))
    scatter = axis.scatter(projected[:, 0], projected[:, 1], s=4, c=colours, cmap="viridis", alpha=0.6)
    if colours is not None:
        figure.colorbar(scatter, ax=axis, label="sentence length")
    axis.set_title(title)
    axis.set_xlabel("PC 1")
    axis.set_ylabel("PC 2")
    figure.tight_layout()
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return Path(output)
