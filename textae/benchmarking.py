"""Shared by the scripts in benchmarks/: the machine description and the results file format.

Every benchmark writes ``benchmarks/results/<name>.json`` as
``{"command", "machine", "seeds", "metrics": {...}, "published": {...}}``; a metric
measured over several seeds has its mean under the plain key and ``<key>_per_seed``
and ``<key>_std`` beside it.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPU cores ({cpu}), torch {torch.__version__} with {torch.get_num_threads()} threads, "
            f"Python {platform.python_version()}, {platform.system()}")


def add_seeded(metrics: dict, key: str, values: list[float]) -> None:
    """Mean under ``key``, per-seed values and population std beside it."""
    metrics[key] = statistics.fmean(values)
    metrics[f"{key}_per_seed"] = values
    metrics[f"{key}_std"] = statistics.pstdev(values) if len(values) > 1 else 0.0


def write_result(name: str, *, seeds: list[int], metrics: dict, published: dict, notes: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": " ".join(["python", *sys.argv]),
        "machine": machine(),
        "seeds": seeds,
        "metrics": metrics,
        "published": published,
    }
    if notes:
        payload["notes"] = notes
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path
