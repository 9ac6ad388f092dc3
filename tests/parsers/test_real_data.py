"""The reader and transforms on the real corpora: every SST and WSJ-sample tree.

The corpora come from $TEXTAE_DATA_DIR (see conftest.py); without it these tests fail.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import nltk
import pytest

from parsers import (
    Tree,
    binarize,
    collapse_unary,
    debinarize,
    from_nltk,
    is_binary,
    parse_tree,
    read_trees,
    remove_empty,
    strip_functional_tags,
    to_nltk,
    write_tree,
)

SST_SPLITS = ("train", "dev", "test")
SST_COUNTS = {"train": 8544, "dev": 1101, "test": 2210}
SST_TRAIN_ROOT_LABELS = {"0": 1092, "1": 2218, "2": 1624, "3": 2322, "4": 1288}
WSJ_TREES = 3914
WSJ_LEAVES = 100_676  # as stated in ptb_wsj_sample/SOURCE.md, traces included


# The fixtures are module-scoped so that the ~800,000 nodes are freed once these tests
# finish: kept for the whole session they would slow every later garbage collection.


@pytest.fixture(scope="module")
def wsj_paths(data_dir: Path) -> list[Path]:
    """The 199 WSJ-sample ``.mrg`` files, in name order."""
    return sorted((data_dir / "ptb_wsj_sample").glob("wsj_*.mrg"))


@pytest.fixture(scope="module")
def wsj_trees(wsj_paths: list[Path]) -> list[Tree]:
    """Every WSJ-sample tree (read once for this module, then freed)."""
    return [tree for path in wsj_paths for tree in read_trees(path)]


@pytest.fixture(scope="module")
def sst_trees(data_dir: Path) -> dict[str, list[Tree]]:
    """The SST splits by name (read once for this module, then freed)."""
    return {split: read_trees(data_dir / "sst" / f"{split}.txt", sst=True) for split in SST_SPLITS}


# ---------------------------------------------------------------------- SST


def test_sst_tree_counts(sst_trees):
    assert {split: len(trees) for split, trees in sst_trees.items()} == SST_COUNTS


def test_sst_train_root_labels(sst_trees):
    assert Counter(tree.label for tree in sst_trees["train"]) == SST_TRAIN_ROOT_LABELS


@pytest.mark.parametrize("split", SST_COUNTS)
def test_every_sst_line_round_trips(data_dir: Path, sst_trees, split):
    text = (data_dir / "sst" / f"{split}.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == ""  # the file ends with a newline
    lines = lines[:-1]
    trees = sst_trees[split]
    assert len(lines) == len(trees)
    for number, (line, tree) in enumerate(zip(lines, trees, strict=True), start=1):
        assert write_tree(tree) == line.rstrip("\r\n"), f"{split}.txt line {number}"
    # parse_tree on single lines agrees with the file reader.
    for line, tree in list(zip(lines, trees, strict=True))[:: len(lines) // 50]:
        assert parse_tree(line, sst=True) == tree


def test_sst_trees_are_binary_with_labels_everywhere(sst_trees):
    for trees in sst_trees.values():
        for tree in trees:
            assert is_binary(tree)
            assert all(node.label in "01234" and len(node.label) == 1 for node in tree.subtrees())


def test_sst_no_break_spaces_stay_inside_words(sst_trees):
    words = [word for tree in sst_trees["train"] for word in tree.leaves() if "\u00a0" in word]
    assert len(words) == 3
    assert "2\u00a01\\/2" in words


# ---------------------------------------------------------------------- WSJ sample


def test_wsj_sample_tree_and_leaf_counts(wsj_paths, wsj_trees):
    assert len(wsj_paths) == 199
    assert len(wsj_trees) == WSJ_TREES
    assert sum(len(tree.leaves()) for tree in wsj_trees) == WSJ_LEAVES
    # The unlabelled wrapper root was removed from every tree.
    assert all(tree.label for tree in wsj_trees)
    assert Counter(tree.label for tree in wsj_trees).most_common(1)[0][0] == "S"


def split_bracketed(text: str) -> list[str]:
    """Cut text into top-level bracketed trees by counting brackets (no parsers code)."""
    pieces, depth, start = [], 0, 0
    for index, character in enumerate(text):
        if character == "(":
            if depth == 0:
                start = index
            depth += 1
        elif character == ")":
            depth -= 1
            if depth == 0:
                pieces.append(text[start : index + 1])
    return pieces


def test_wsj_sample_matches_nltk(wsj_paths, wsj_trees):
    # An independent reader: nltk's Tree.fromstring gives the wrapper an empty label.
    expected = []
    for path in wsj_paths[:25]:
        for piece in split_bracketed(path.read_text(encoding="utf-8")):
            wrapper = nltk.Tree.fromstring(piece)
            assert wrapper.label() == "" and len(wrapper) == 1
            expected.append(from_nltk(wrapper[0]))
    assert len(expected) > 200
    assert wsj_trees[: len(expected)] == expected


def test_wsj_sample_writes_and_reads_back(wsj_trees):
    for tree in wsj_trees:
        assert parse_tree(write_tree(tree)) == tree


@pytest.mark.parametrize("factor", ["right", "left"])
def test_wsj_binarize_keeps_leaves_and_spans_and_debinarizes(wsj_trees, factor):
    for tree in wsj_trees:
        binary = binarize(tree, factor=factor)
        assert binary.leaves() == tree.leaves()
        assert [span for span in binary.spans() if span[0][0] != "@"] == tree.spans()
        assert debinarize(binary) == tree


def intervals(tree: Tree) -> set[tuple[int, int]]:
    return {(start, end) for _, start, end in tree.spans(include_preterminals=True)}


@pytest.mark.parametrize("keep_preterminals", [True, False])
def test_wsj_collapse_unary_keeps_leaves_and_spans(wsj_trees, keep_preterminals):
    for tree in wsj_trees:
        collapsed = collapse_unary(tree, collapse_root=True, keep_preterminals=keep_preterminals)
        assert collapsed.leaves() == tree.leaves()
        assert intervals(collapsed) == intervals(tree)
        unary = [node for node in collapsed.subtrees() if len(node.children) == 1]
        assert all(node.is_preterminal or node.children[0].is_preterminal for node in unary)
        if not keep_preterminals:
            assert all(node.is_preterminal for node in unary)


def test_wsj_parser_preparation_gives_binary_trees(wsj_trees):
    for tree in wsj_trees:
        cleaned = remove_empty(strip_functional_tags(tree))
        prepared = binarize(collapse_unary(cleaned, collapse_root=True, keep_preterminals=False))
        assert is_binary(prepared)
        words = [node.word for node in tree.preterminals() if node.label != "-NONE-"]
        assert prepared.leaves() == words


def test_wsj_nltk_round_trip(wsj_trees):
    for tree in wsj_trees[:500]:
        converted = to_nltk(tree)
        assert isinstance(converted, nltk.Tree)
        assert from_nltk(converted) == tree


def test_sst_and_wsj_trees_are_hashable(sst_trees, wsj_trees):
    pool: list[Tree] = sst_trees["dev"] + wsj_trees[:200]
    assert len(set(pool)) <= len(pool)
    assert set(pool) >= {pool[0], pool[-1]}


def test_wsj_sample_head_binarizes_to_binary_trees_that_keep_every_span(wsj_trees):
    from parsers.heads import head_binarize

    for tree in wsj_trees:
        cleaned = remove_empty(strip_functional_tags(tree))
        binary = head_binarize(cleaned)
        assert is_binary(collapse_unary(binary, collapse_root=True, keep_preterminals=False))
        assert {span for span in binary.spans() if not span[0].startswith("@")} == set(cleaned.spans())
        assert debinarize(binary) == cleaned


def _spans_by_leaves(tree: Tree, labeled: bool) -> dict[tuple[int, int], str]:
    """gold_spans' spans the slow way (each node's width from its own leaves)."""
    spans: dict[tuple[int, int], str] = {}

    def visit(node: Tree, start: int) -> None:
        if node.is_preterminal:
            return
        width = len(node.leaves())
        if labeled or width >= 2:
            spans[(start, start + width)] = node.label if labeled else "X"
        for child in node.children:
            visit(child, start)
            start += len(child.leaves())

    visit(tree, 0)
    return spans


def test_gold_spans_of_wsj_trees_agree_with_the_leaves(wsj_trees):
    from parsers.chart import gold_spans, prepare_treebank_tree

    for index, tree in enumerate(wsj_trees[:600]):
        prepared = prepare_treebank_tree(tree)
        labeled = index % 2 == 0
        spans, tags = gold_spans(prepared, labeled)
        assert spans == _spans_by_leaves(prepared, labeled)
        assert tags == [node.label for node in prepared.preterminals()]
