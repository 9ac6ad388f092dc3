"""Fixtures for the parsers tests: the real corpora and trees too deep to recurse over."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from parsers import Tree
from tests.parsers.helpers import DEEP, make_deep_tree, make_wide_tree

SST_SPLITS = ("train", "dev", "test")
WSJ_FILE_COUNT = 199


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real corpora from $TEXTAE_DATA_DIR; fails (never skips) when they are missing.

    Returns:
        The folder holding ``sst/{train,dev,test}.txt`` and ``ptb_wsj_sample/wsj_*.mrg``.
    """
    value = os.environ.get("TEXTAE_DATA_DIR")
    if not value:
        pytest.fail(
            "TEXTAE_DATA_DIR is not set; the parsers tests read the real SST and WSJ-sample "
            "corpora from it (e.g. TEXTAE_DATA_DIR=/work/shared/data)"
        )
    path = Path(value)
    required = [path / "sst" / f"{split}.txt" for split in SST_SPLITS]
    missing = [str(file) for file in required if not file.is_file()]
    wsj_files = sorted((path / "ptb_wsj_sample").glob("wsj_*.mrg"))
    if len(wsj_files) != WSJ_FILE_COUNT:
        missing.append(
            f"{path / 'ptb_wsj_sample'}/wsj_*.mrg ({len(wsj_files)} files, "
            f"expected {WSJ_FILE_COUNT})"
        )
    if missing:
        pytest.fail(f"TEXTAE_DATA_DIR={path} lacks corpus files: {', '.join(missing)}")
    return path


@pytest.fixture
def deep_tree() -> Tree:
    # Guard the point of the deep tests: with a raised limit, recursion would not crash.
    assert sys.getrecursionlimit() < DEEP
    return make_deep_tree()


@pytest.fixture
def wide_tree() -> Tree:
    return make_wide_tree()
