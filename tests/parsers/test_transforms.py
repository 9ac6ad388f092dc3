"""Tests for parsers.transforms on small, deep and wide trees."""

from __future__ import annotations

import subprocess
import sys

import nltk
import pytest

from parsers import (
    Tree,
    as_language_model_text,
    binarize,
    collapse_unary,
    debinarize,
    from_nltk,
    is_binary,
    parse_tree,
    remove_empty,
    strip_functional_tags,
    strip_labels,
    to_nltk,
)
from tests.parsers.helpers import DEEP, WIDE


def tree(text: str) -> Tree:
    return parse_tree(text)


WSJ_LIKE = tree(
    "( (S (NP-SBJ-1 (DT The) (NN plan)) (VP (VBD was) (VP (VBN approved) (NP (-NONE- *-1))"
    " (PP-TMP (IN in) (NP (CD 1998))))) (. .)) )"
)


# ---------------------------------------------------------------------- collapse_unary


def test_collapse_unary_merges_chains_but_keeps_preterminals():
    source = tree("(ROOT (S (VP (VB go) (ADVP (RB now)))))")
    assert str(collapse_unary(source)) == "(ROOT (S+VP (VB go) (ADVP (RB now))))"
    assert str(collapse_unary(source, collapse_root=True)) == (
        "(ROOT+S+VP (VB go) (ADVP (RB now)))"
    )
    assert str(collapse_unary(source, collapse_root=True, keep_preterminals=False)) == (
        "(ROOT+S+VP (VB go) (ADVP+RB now))"
    )
    assert str(collapse_unary(source, join="|")) == "(ROOT (S|VP (VB go) (ADVP (RB now))))"
    assert str(source) == "(ROOT (S (VP (VB go) (ADVP (RB now)))))"  # input unchanged


def test_collapse_unary_on_a_lone_preterminal_chain():
    source = tree("(S (NP (NN dog)))")
    assert str(collapse_unary(source)) == "(S (NP (NN dog)))"
    assert str(collapse_unary(source, collapse_root=True)) == "(S+NP (NN dog))"
    assert str(collapse_unary(source, collapse_root=True, keep_preterminals=False)) == (
        "(S+NP+NN dog)"
    )
    assert str(collapse_unary(tree("(NN dog)"), collapse_root=True)) == "(NN dog)"


# ---------------------------------------------------------------------- binarize


def test_binarize_right_and_left():
    source = tree("(A (B b) (C c) (D d) (E e))")
    assert str(binarize(source)) == "(A (B b) (@A (C c) (@A (D d) (E e))))"
    assert str(binarize(source, factor="left")) == "(A (@A (@A (B b) (C c)) (D d)) (E e))"
    assert str(binarize(source, mark="|")) == "(A (B b) (|A (C c) (|A (D d) (E e))))"


def test_binarize_keeps_binary_and_unary_nodes():
    source = tree("(S (NP (NN a)) (VP (VB b) (NN c)))")
    assert binarize(source) == source
    assert binarize(source, factor="left") == source


@pytest.mark.parametrize("factor", ["right", "left"])
def test_binarize_keeps_leaves_and_spans_and_debinarize_inverts_it(factor):
    binary = binarize(WSJ_LIKE, factor=factor)
    assert binary.leaves() == WSJ_LIKE.leaves()
    kept = [span for span in binary.spans() if not span[0].startswith("@")]
    assert kept == WSJ_LIKE.spans()
    assert debinarize(binary) == WSJ_LIKE


def test_binarize_rejects_bad_arguments():
    with pytest.raises(ValueError, match="factor"):
        binarize(WSJ_LIKE, factor="middle")
    with pytest.raises(ValueError, match="mark"):
        binarize(WSJ_LIKE, mark="")
    with pytest.raises(ValueError, match="already starts with"):
        binarize(tree("(S (@X (A a) (B b)) (C c))"))
    with pytest.raises(ValueError, match="mark"):
        debinarize(WSJ_LIKE, mark="")


def test_debinarize_keeps_marked_roots_and_preterminals():
    source = tree("(@S (@T t) (U (@V v) (W w)))")
    assert debinarize(source) == source


def test_full_pipeline_makes_binary_trees():
    prepared = binarize(
        collapse_unary(
            remove_empty(strip_functional_tags(WSJ_LIKE)),
            collapse_root=True,
            keep_preterminals=False,
        )
    )
    assert is_binary(prepared)
    assert prepared.leaves() == ["The", "plan", "was", "approved", "in", "1998", "."]


def test_is_binary():
    assert is_binary(tree("(S (A a) (B b))"))
    assert is_binary(tree("(A a)"))
    assert not is_binary(tree("(S (A a))"))
    assert not is_binary(tree("(S (A a) (B b) (C c))"))
    assert not is_binary(tree("(S (A a) (S (B b) (C c) (D d)))"))


# ---------------------------------------------------------------------- labels and traces


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("NP-SBJ-1", "NP"),
        ("PP-LOC-CLR", "PP"),
        ("NP=2", "NP"),
        ("S-TPC-1=3", "S"),
        ("S", "S"),
        ("PRP$", "PRP$"),
        ("ADVP|PRT", "ADVP|PRT"),
        ("-NONE-", "-NONE-"),
        ("-LRB-", "-LRB-"),
        ("-RRB-", "-RRB-"),
        ("3", "3"),
    ],
)
def test_strip_functional_tags(label, expected):
    source = Tree(label, (Tree("X", ("w",)),))
    assert strip_functional_tags(source).label == expected


def test_strip_functional_tags_on_a_tree():
    stripped = strip_functional_tags(WSJ_LIKE)
    assert [span[0] for span in stripped.spans()] == ["S", "NP", "VP", "VP", "NP", "PP", "NP"]
    assert stripped.leaves() == WSJ_LIKE.leaves()


def test_strip_labels():
    stripped = strip_labels(tree("(S (NP (DT a) (NN b)) (VB c))"))
    assert str(stripped) == "(X (X (X a) (X b)) (X c))"
    assert str(strip_labels(tree("(S (A a) (B b))"), label="")) == "( ( a) ( b))"


def test_remove_empty():
    cleaned = remove_empty(WSJ_LIKE)
    assert "-NONE-" not in {node.label for node in cleaned.subtrees()}
    assert str(cleaned) == (
        "(S (NP-SBJ-1 (DT The) (NN plan)) (VP (VBD was) (VP (VBN approved) "
        "(PP-TMP (IN in) (NP (CD 1998))))) (. .))"
    )
    assert str(remove_empty(tree("(S (A a) (B b))"), labels=["B"])) == "(S (A a))"
    with pytest.raises(ValueError, match="every word"):
        remove_empty(tree("(S (NP (-NONE- *)) (VP (-NONE- *T*-1)))"))


def test_as_language_model_text_writes_words_as_mikolovs_ptb_text():
    wsj = tree("(S (S-TPC-1 (NP-SBJ (NNP Shares)) (VP (VBD rose) (NP (CD 1,000) (CD 1\\/2)) (NP (CD 5) (NN %)))) "
               "(, ,) (`` ``) (NP-SBJ (PRP he)) ('' '') (VP (VBD said) (SBAR (-NONE- 0) (S (-NONE- *T*-1)))) "
               "(NP (NNP Oct.) (CD 30-year) (POS 's) (CD 1980s)) (. .))")
    text = as_language_model_text(wsj)
    assert text.leaves() == ["shares", "rose", "N", "N", "N", "N", "he", "said", "oct.", "30-year", "'s", "1980s"]
    assert str(text).startswith("(S (S-TPC-1 (NP-SBJ (NNP shares))")  # labels and structure kept
    assert "SBAR" not in str(text) and "(, ," not in str(text)  # emptied nodes and punctuation gone
    assert as_language_model_text(tree("(S ($ $) (# #) (CC &) (CD one))")).leaves() == ["$", "#", "&", "one"]
    with pytest.raises(ValueError, match="every word"):
        as_language_model_text(tree("(S (. .) (: --))"))


# ---------------------------------------------------------------------- nltk


def test_nltk_round_trip():
    converted = to_nltk(WSJ_LIKE)
    assert isinstance(converted, nltk.Tree)
    assert converted == nltk.Tree.fromstring(str(WSJ_LIKE))
    assert converted.leaves() == WSJ_LIKE.leaves()
    assert from_nltk(converted) == WSJ_LIKE
    assert from_nltk(nltk.Tree.fromstring("(S (A a) (B b))")) == tree("(S (A a) (B b))")


def test_from_nltk_rejects_what_tree_cannot_hold():
    with pytest.raises(TypeError):
        from_nltk("(S (A a))")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="beside other children"):
        from_nltk(nltk.Tree("NP", ["the", nltk.Tree("NN", ["dog"])]))
    with pytest.raises(ValueError, match="no children"):
        from_nltk(nltk.Tree("NP", []))
    with pytest.raises(ValueError, match="label must be a str"):
        from_nltk(nltk.Tree(3, ["w"]))


def test_importing_parsers_loads_neither_torch_nor_nltk():
    code = (
        "import sys, parsers; "
        "loaded = [name for name in ('torch', 'textae', 'nltk') if name in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------- deep and wide


def deep_ternary(depth: int) -> Tree:
    """(T (A a) (B b) (T (A a) (B b) ... (C c))) with ``depth`` T nodes."""
    node = Tree("C", ("c",))
    for _ in range(depth):
        node = Tree("T", (Tree("A", ("a",)), Tree("B", ("b",)), node))
    return node


@pytest.mark.parametrize("factor", ["right", "left"])
def test_binarize_deep_tree(factor):
    source = deep_ternary(DEEP)
    binary = binarize(source, factor=factor)
    # Right factoring adds an @T level under every T; left factoring hangs it to the side.
    assert binary.height() == (2 * DEEP + 1 if factor == "right" else DEEP + 2)
    assert is_binary(binary)
    assert binary.leaves() == source.leaves()
    assert debinarize(binary) == source


def test_other_transforms_on_deep_trees(deep_tree):
    chain = Tree("X", ("w",))
    for index in range(DEEP):
        chain = Tree(f"U-{index}", (chain,))
    collapsed = collapse_unary(chain, collapse_root=True)
    assert collapsed.height() == 2
    assert collapsed.label.count("+") == DEEP - 1
    assert strip_functional_tags(chain).label == "U"
    assert strip_labels(deep_tree).height() == DEEP + 1
    assert collapse_unary(deep_tree) == deep_tree
    assert remove_empty(deep_tree, labels=["Y"]) == deep_tree
    assert is_binary(deep_tree)
    traced = deep_tree.map_labels(lambda label: "-NONE-" if label == "X" else label)
    with pytest.raises(ValueError, match="every word"):
        remove_empty(traced)
    assert from_nltk(to_nltk(deep_tree)) == deep_tree


def test_transforms_on_a_wide_tree(wide_tree):
    binary = binarize(wide_tree)
    assert is_binary(binary)
    assert binary.height() == WIDE
    assert debinarize(binary) == wide_tree
    left = binarize(wide_tree, factor="left")
    assert debinarize(left) == wide_tree
    assert from_nltk(to_nltk(wide_tree)) == wide_tree
    assert len(remove_empty(wide_tree, labels=["Y"]).children) == WIDE
