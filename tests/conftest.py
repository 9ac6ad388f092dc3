"""Test-wide settings: nothing is downloaded; real corpora come from $TEXTAE_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ["TEXTAE_OFFLINE"] = "1"  # a test must never start a corpus download

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real corpora. Missing data fails the test (CI must not skip real-data tests)."""
    value = os.environ.get("TEXTAE_DATA_DIR")
    if not value:
        pytest.fail("TEXTAE_DATA_DIR is not set; point it at the corpora (e.g. ../shared/data)")
    path = Path(value)
    if not (path / "sst" / "train.txt").is_file():
        pytest.fail(f"TEXTAE_DATA_DIR={path} does not hold sst/train.txt")
    return path
