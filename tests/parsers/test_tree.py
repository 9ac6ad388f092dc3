"""Tests for parsers.tree.Tree: invariants, traversals, equality, and deep or wide trees."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re

import pytest

from parsers import Tree
from tests.parsers.helpers import DEEP, WIDE, make_deep_tree


def pre(tag: str, word: str) -> Tree:
    return Tree(tag, (word,))


# (S (NP (DT the) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (DT the) (NN mat)))) (. .))
CAT = Tree(
    "S",
    (
        Tree("NP", (pre("DT", "the"), pre("NN", "cat"))),
        Tree(
            "VP",
            (
                pre("VBD", "sat"),
                Tree("PP", (pre("IN", "on"), Tree("NP", (pre("DT", "the"), pre("NN", "mat"))))),
            ),
        ),
        pre(".", "."),
    ),
)
CAT_TEXT = "(S (NP (DT the) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (DT the) (NN mat)))) (. .))"


# ---------------------------------------------------------------------- invariants


@pytest.mark.parametrize(
    ("label", "children", "message"),
    [
        (3, ("w",), "label must be a str"),
        ("NP", [pre("DT", "a")], "must be a tuple"),
        ("NP", (), "has no children"),
        ("NP", ("the", pre("NN", "dog")), "beside other children"),
        ("NP", (pre("NN", "dog"), "the"), "beside other children"),
        ("NP", ("the", "dog"), "beside other children"),
        ("NP", (7,), "must be a Tree or a str"),
        ("NP", (pre("NN", "dog"), None), "must be a Tree or a str"),
    ],
)
def test_invalid_trees_raise_value_error(label, children, message):
    with pytest.raises(ValueError, match=message):
        Tree(label, children)


def test_tree_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAT.label = "VP"  # type: ignore[misc]


def test_preterminal_and_word():
    tree = pre("NN", "cat")
    assert tree.is_preterminal
    assert tree.word == "cat"
    assert not CAT.is_preterminal
    assert not Tree("NP", (tree,)).is_preterminal  # a unary node over a preterminal
    with pytest.raises(ValueError, match="not a preterminal"):
        _ = CAT.word


# ---------------------------------------------------------------------- traversals


def test_leaves_and_preterminals():
    assert CAT.leaves() == ["the", "cat", "sat", "on", "the", "mat", "."]
    assert [node.label for node in CAT.preterminals()] == ["DT", "NN", "VBD", "IN", "DT", "NN", "."]
    assert pre("NN", "cat").leaves() == ["cat"]


def test_height_and_num_nodes():
    assert pre("NN", "cat").height() == 1
    assert Tree("NP", (pre("NN", "cat"),)).height() == 2
    assert CAT.height() == 5  # S > VP > PP > NP > NN
    assert CAT.num_nodes() == 12  # 7 preterminals + S, NP, VP, PP, NP
    assert pre("NN", "cat").num_nodes() == 1


def test_subtrees_are_pre_order_and_postorder_puts_children_first():
    labels = [node.label for node in CAT.subtrees()]
    assert labels == ["S", "NP", "DT", "NN", "VP", "VBD", "PP", "IN", "NP", "DT", "NN", "."]
    labels = [node.label for node in CAT.postorder()]
    assert labels == ["DT", "NN", "NP", "VBD", "IN", "DT", "NN", "NP", "PP", "VP", ".", "S"]
    assert next(iter(CAT.subtrees())) is CAT
    assert list(CAT.postorder())[-1] is CAT


def test_num_nodes_counts_every_node():
    assert CAT.num_nodes() == len(list(CAT.subtrees())) == len(list(CAT.postorder()))


def test_spans():
    assert CAT.spans() == [("S", 0, 7), ("NP", 0, 2), ("VP", 2, 6), ("PP", 3, 6), ("NP", 4, 6)]
    with_tags = CAT.spans(include_preterminals=True)
    assert with_tags[:4] == [("S", 0, 7), ("NP", 0, 2), ("DT", 0, 1), ("NN", 1, 2)]
    assert with_tags[-1] == (".", 6, 7)
    assert len(with_tags) == CAT.num_nodes()
    assert pre("NN", "cat").spans() == []


def test_unary_chain_gives_repeated_spans():
    tree = Tree("S", (Tree("VP", (pre("VB", "go"),)),))
    assert tree.spans() == [("S", 0, 1), ("VP", 0, 1)]


# ---------------------------------------------------------------------- text


def test_pformat_and_str():
    assert CAT.pformat() == CAT_TEXT
    assert str(CAT) == CAT_TEXT
    assert str(pre("NN", "cat")) == "(NN cat)"
    assert str(Tree("", (CAT,))) == f"( {CAT_TEXT})"


def test_repr_is_short():
    assert repr(pre("NN", "cat")) == "Tree('(NN cat)')"
    text = repr(CAT)
    assert text.startswith("Tree('(S (NP (DT the)") and text.endswith("…')")
    assert len(text) < 80


# ---------------------------------------------------------------------- equality


def rebuilt(tree: Tree) -> Tree:
    """An equal tree made of new objects."""
    return tree.map_labels(lambda label: label)


def test_equality_is_structural():
    other = rebuilt(CAT)
    assert other is not CAT
    assert other == CAT
    assert not (other != CAT)
    assert hash(other) == hash(CAT)
    assert len({CAT, other}) == 1
    assert {CAT: 1}[other] == 1


@pytest.mark.parametrize(
    "different",
    [
        Tree("S", (pre("NN", "dog"),)),
        Tree("VP", (pre("NN", "cat"),)),
        Tree("S", (pre("NN", "cat"), pre("NN", "cat"))),
        Tree("S", (Tree("NP", (pre("NN", "cat"),)),)),
        pre("S", "cat"),
    ],
)
def test_inequality(different):
    base = Tree("S", (pre("NN", "cat"),))
    assert different != base
    assert base != different
    assert not different == base


def test_comparison_with_other_types():
    assert CAT != CAT_TEXT
    assert CAT != ("S", CAT.children)
    assert CAT.__eq__(CAT_TEXT) is NotImplemented


def test_copy_pickle_and_map_labels():
    assert copy.copy(CAT) is CAT
    assert copy.deepcopy(CAT) is CAT
    assert pickle.loads(pickle.dumps(CAT)) == CAT
    lowered = CAT.map_labels(str.lower)
    assert lowered.pformat() == re.sub(r"\((\S+)", lambda match: match.group().lower(), CAT_TEXT)
    assert lowered.leaves() == CAT.leaves()
    assert CAT.pformat() == CAT_TEXT  # unchanged


# ---------------------------------------------------------------------- deep and wide


def test_every_method_on_a_deep_tree(deep_tree):
    tree = deep_tree
    assert tree.height() == DEEP + 1
    assert len(tree.leaves()) == DEEP + 1
    assert tree.leaves()[:2] == ["w0", "w1"] and tree.leaves()[-1] == f"w{DEEP}"
    assert len(tree.preterminals()) == DEEP + 1
    assert tree.num_nodes() == 2 * DEEP + 1
    assert sum(1 for _ in tree.subtrees()) == 2 * DEEP + 1
    assert list(tree.postorder())[-1] is tree
    spans = tree.spans()
    assert len(spans) == DEEP
    assert spans[0] == ("A", 0, DEEP + 1) and spans[-1] == ("A", DEEP - 1, DEEP + 1)
    assert len(tree.spans(include_preterminals=True)) == 2 * DEEP + 1
    text = tree.pformat()
    assert text.startswith("(A (X w0) (A (X w1)") and text.endswith(")" * DEEP)
    assert str(tree) == text
    assert repr(tree).startswith("Tree('(A (X w0)")
    other = make_deep_tree()
    assert other == tree and hash(other) == hash(tree)
    assert other != make_deep_tree(DEEP - 1)
    relabelled = tree.map_labels(lambda label: label + "'")
    assert relabelled.height() == DEEP + 1 and relabelled.label == "A'"
    assert copy.deepcopy(tree) is tree
    with pytest.raises(ValueError):
        _ = tree.word


def test_deep_unary_chain():
    tree = pre("X", "w")
    for _ in range(DEEP):
        tree = Tree("U", (tree,))
    assert tree.height() == DEEP + 1
    assert tree.leaves() == ["w"]
    assert tree.spans() == [("U", 0, 1)] * DEEP
    assert tree == rebuilt(tree)


def test_every_method_on_a_wide_tree(wide_tree):
    tree = wide_tree
    assert tree.height() == 2
    assert len(tree.leaves()) == WIDE
    assert tree.num_nodes() == WIDE + 1
    assert len(tree.preterminals()) == WIDE
    assert tree.spans() == [("S", 0, WIDE)]
    assert tree.spans(include_preterminals=True)[-1] == ("X", WIDE - 1, WIDE)
    assert [node.label for node in tree.postorder()][-1] == "S"
    assert tree.pformat().count("(X ") == WIDE
    assert len(repr(tree)) < 80
    assert tree == rebuilt(tree) and hash(tree) == hash(rebuilt(tree))


def test_pickle_is_flat(deep_tree, wide_tree):
    # Pickling nested objects would recurse once per level.
    for tree in (deep_tree, wide_tree, Tree("", (Tree("N P", ("a word",)),))):
        assert pickle.loads(pickle.dumps(tree)) == tree
