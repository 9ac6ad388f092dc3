"""Fixtures for the parsers tests: trees too deep to recurse over (the corpora: tests/conftest.py)."""

from __future__ import annotations

import sys

import pytest

from parsers import Tree
from tests.parsers.helpers import DEEP, make_deep_tree, make_wide_tree


@pytest.fixture
def deep_tree() -> Tree:
    # Guard the point of the deep tests: with a raised limit, recursion would not crash.
    assert sys.getrecursionlimit() < DEEP
    return make_deep_tree()


@pytest.fixture
def wide_tree() -> Tree:
    return make_wide_tree()
