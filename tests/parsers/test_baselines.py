"""The right-branching, left-branching and balanced baseline parsers."""

from __future__ import annotations

import math
import sys

import pytest

from parsers import is_binary, parse_tree
from parsers.baselines import (
    BalancedParser,
    LeftBranchingParser,
    RightBranchingParser,
    balanced_tree,
)
from parsers.parser import DEFAULT_LABEL, ParseInputError, Parser, load_parser

PARSERS = {"right": RightBranchingParser, "left": LeftBranchingParser, "balanced": BalancedParser}

# The expected trees, written out by hand.
SHAPES = {
    ("right", 1): "(X a)",
    ("right", 2): "(X (X a) (X b))",
    ("right", 3): "(X (X a) (X (X b) (X c)))",
    ("right", 5): "(X (X a) (X (X b) (X (X c) (X (X d) (X e)))))",
    ("left", 1): "(X a)",
    ("left", 2): "(X (X a) (X b))",
    ("left", 3): "(X (X (X a) (X b)) (X c))",
    ("left", 5): "(X (X (X (X (X a) (X b)) (X c)) (X d)) (X e))",
    ("balanced", 1): "(X a)",
    ("balanced", 2): "(X (X a) (X b))",
    ("balanced", 3): "(X (X (X a) (X b)) (X c))",
    ("balanced", 5): "(X (X (X (X a) (X b)) (X c)) (X (X d) (X e)))",
}


@pytest.mark.parametrize("name, length", SHAPES.keys(), ids=[f"{n}-{k}" for n, k in SHAPES])
def test_shape_by_hand(name: str, length: int) -> None:
    tokens = list("abcde")[:length]
    tree = PARSERS[name]().parse(tokens)
    assert tree == parse_tree(SHAPES[name, length])


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize("length", range(1, 14))
def test_unlabelled_binary_tree_over_the_tokens(name: str, length: int) -> None:
    tokens = [f"w{index}" for index in range(length)]
    tree = PARSERS[name]().parse(tokens)
    assert tree.leaves() == tokens
    assert is_binary(tree)
    assert {node.label for node in tree.subtrees()} == {DEFAULT_LABEL}
    assert all(len(node.children) == 1 for node in tree.preterminals())
    # A binary tree over n leaves has n preterminals and n - 1 internal nodes.
    assert tree.num_nodes() == 2 * length - 1


@pytest.mark.parametrize("length", range(2, 40))
def test_balanced_splits_at_ceil_half(length: int) -> None:
    tree = balanced_tree([str(index) for index in range(length)])
    for node in tree.subtrees():
        if not node.is_preterminal:
            left, _ = node.children
            assert len(left.leaves()) == math.ceil(len(node.leaves()) / 2)
    assert tree.height() == math.ceil(math.log2(length)) + 1


@pytest.mark.parametrize("name", PARSERS)
def test_twenty_thousand_tokens_need_no_recursion(name: str) -> None:
    length = 20_000
    assert sys.getrecursionlimit() < length
    tokens = [f"w{index}" for index in range(length)]
    tree = PARSERS[name]().parse(tokens)
    assert tree.leaves() == tokens
    expected_height = {"right": length, "left": length, "balanced": 16}[name]
    assert tree.height() == expected_height


def test_parse_many_keeps_the_order() -> None:
    sentences = [["a"], ["b", "c"], ["d", "e", "f"]]
    trees = RightBranchingParser().parse_many(sentences)
    assert [tree.leaves() for tree in trees] == sentences


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize(
    "sentence, message",
    [
        ([], "empty"),
        (["a", "b c"], "whitespace or a bracket"),
        (["a", "(b"], "whitespace or a bracket"),
        (["a", ""], "empty"),
        ("a b", "got a string"),
    ],
    ids=["empty sentence", "token with space", "token with bracket", "empty token", "string"],
)
def test_bad_input_is_refused(name: str, sentence, message: str) -> None:
    with pytest.raises(ParseInputError, match=message):
        PARSERS[name]().parse(sentence)


@pytest.mark.parametrize("name", PARSERS)
def test_load_parser_by_name(name: str) -> None:
    parser = load_parser(name)
    assert isinstance(parser, PARSERS[name])
    assert isinstance(parser, Parser)
    assert parser.max_tokens is None


def test_parse_many_reads_a_generator_once_and_refuses_a_string():
    parser = load_parser("balanced")
    sentences = [["a", "b"], ["c"]]
    assert parser.parse_many(s for s in sentences) == parser.parse_many(sentences)  # was []: check() used it up
    with pytest.raises(ParseInputError, match="a list of token lists"):
        parser.parse_many("a b")
