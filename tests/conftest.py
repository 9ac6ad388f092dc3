"""Test-wide settings: nothing is downloaded; real corpora come from $TEXTAE_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ["TEXTAE_OFFLINE"] = "1"  # a test must never start a corpus download

REPO = Path(__file__).resolve().parents[1]


SST_SPLITS = ("train", "dev", "test")
WSJ_FILE_COUNT = 199


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real corpora from $TEXTAE_DATA_DIR; fails (never skips) when they are missing.

    Returns:
        The folder holding ``sst/{train,dev,test}.txt``, ``ptb_wsj_sample/wsj_*.mrg`` and the rest.
    """
    value = os.environ.get("TEXTAE_DATA_DIR")
    if not value:
        pytest.fail("TEXTAE_DATA_DIR is not set; point it at the corpora (e.g. TEXTAE_DATA_DIR=../shared/data)")
    path = Path(value)
    missing = [str(path / "sst" / f"{split}.txt") for split in SST_SPLITS if not (path / "sst" / f"{split}.txt").is_file()]
    wsj_files = sorted((path / "ptb_wsj_sample").glob("wsj_*.mrg"))
    if len(wsj_files) != WSJ_FILE_COUNT:
        missing.append(f"{path / 'ptb_wsj_sample'}/wsj_*.mrg ({len(wsj_files)} files, expected {WSJ_FILE_COUNT})")
    if missing:
        pytest.fail(f"TEXTAE_DATA_DIR={path} lacks corpus files: {', '.join(missing)}")
    return path
