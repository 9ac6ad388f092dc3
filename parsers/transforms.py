"""Tree transforms: unary collapsing, binarization, label clean-up and nltk conversion.

Recursive autoencoders compose exactly two children at a time, so PTB trees are usually
prepared with::

    tree = remove_empty(strip_functional_tags(tree))
    tree = collapse_unary(tree, collapse_root=True, keep_preterminals=False)
    tree = binarize(tree)
    assert is_binary(tree)

Every transform returns a new `Tree` and leaves its input unchanged. All of them work
bottom-up with an explicit stack (`rewrite_bottom_up`), so deep trees need no recursion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from parsers.heads import head_binarize
from parsers.tree import Tree, rewrite_bottom_up

if TYPE_CHECKING:
    import nltk

__all__ = [
    "as_language_model_text",
    "binarize",
    "collapse_unary",
    "debinarize",
    "from_nltk",
    "is_binary",
    "remove_empty",
    "strip_functional_tags",
    "strip_labels",
    "to_nltk",
]


def collapse_unary(
    tree: Tree,
    *,
    join: str = "+",
    collapse_root: bool = False,
    keep_preterminals: bool = True,
) -> Tree:
    """Merge every node that has a single child node with that child.

    ``(S (VP (VB go) (ADVP (RB now))))`` becomes ``(S+VP (VB go) (ADVP (RB now)))`` when
    the root may be collapsed. Chains merge completely: ``A -> B -> C`` becomes ``A+B+C``.

    Args:
        tree: The tree.
        join: Put between the merged labels.
        collapse_root: Also merge the root with its only child. When False, the root keeps
            its own label (and its single child), though chains below it still merge.
        keep_preterminals: Never merge a node into a preterminal child, so words keep their
            POS tags: ``(NP (NN dog))`` stays. When False it becomes ``(NP+NN dog)``.

    Returns:
        The collapsed tree with the same words.
    """

    def rewrite(node: Tree, children: list[Tree | str]) -> Tree:
        if len(children) == 1 and isinstance(children[0], Tree):
            child = children[0]
            may_merge = collapse_root or node is not tree
            if may_merge and not (keep_preterminals and child.is_preterminal):
                return Tree(node.label + join + child.label, child.children)
        return Tree(node.label, tuple(children))

    return rewrite_bottom_up(tree, rewrite)  # type: ignore[return-value]


def binarize(tree: Tree, *, factor: str = "right", mark: str = "@") -> Tree:
    """Split every node with more than two children into a chain of binary nodes.

    With ``factor="right"``, ``(A b c d)`` becomes ``(A b (@A c d))``; with
    ``factor="left"`` it becomes ``(A (@A b c) d)``; ``factor="head"`` binarizes from each
    node's head child outward, right sisters first, as the Stanford Sentiment Treebank's
    trees are (see `parsers.heads.head_binarize`). Nodes with one or two children are
    kept, so unary nodes stay unary (run `collapse_unary` first for a strictly binary tree).

    Args:
        tree: The tree.
        factor: ``"right"`` (new nodes branch to the right), ``"left"`` or ``"head"``.
        mark: Prefix of the labels of the introduced nodes; `debinarize` removes exactly
            the nodes whose label starts with it.

    Returns:
        A tree with the same words and the same (label, start, end) spans, plus the spans
        of the introduced nodes.

    Raises:
        ValueError: If ``factor`` is unknown, ``mark`` is empty, or a non-preterminal label
            of ``tree`` already starts with ``mark`` (debinarize could not tell it apart).
    """
    if factor not in ("right", "left", "head"):
        raise ValueError(f"factor must be 'right', 'left' or 'head', got {factor!r}")
    if not mark:
        raise ValueError("mark must be a non-empty string")
    if factor == "head":
        return head_binarize(tree, mark=mark)

    def rewrite(node: Tree, children: list[Tree | str]) -> Tree:
        if not node.is_preterminal and node.label.startswith(mark):
            raise ValueError(
                f"label {node.label!r} already starts with the binarization mark {mark!r}; "
                "pick another mark"
            )
        if len(children) <= 2:
            return Tree(node.label, tuple(children))
        introduced = mark + node.label
        if factor == "right":
            rest = Tree(introduced, (children[-2], children[-1]))
            for child in reversed(children[1:-2]):
                rest = Tree(introduced, (child, rest))
            return Tree(node.label, (children[0], rest))
        rest = Tree(introduced, (children[0], children[1]))
        for child in children[2:-1]:
            rest = Tree(introduced, (rest, child))
        return Tree(node.label, (rest, children[-1]))

    return rewrite_bottom_up(tree, rewrite)  # type: ignore[return-value]


def debinarize(tree: Tree, *, mark: str = "@") -> Tree:
    """Undo `binarize`: splice every node whose label starts with ``mark`` into its parent.

    Args:
        tree: A tree produced by `binarize` (or any tree; unmarked nodes are kept).
        mark: The prefix given to `binarize`.

    Returns:
        The tree with the marked nodes removed and their children moved up in order. A
        marked root or preterminal is kept, since it has nowhere to go.

    Raises:
        ValueError: If ``mark`` is empty.
    """
    if not mark:
        raise ValueError("mark must be a non-empty string")

    def rewrite(node: Tree, children: list[Tree | str | _Splice]) -> Tree | _Splice:
        if node is not tree and node.label.startswith(mark) and not node.is_preterminal:
            return _Splice(children)
        return Tree(node.label, tuple(_spliced(children)))

    return rewrite_bottom_up(tree, rewrite)  # type: ignore[return-value]


class _Splice:
    """The children of a marked node, waiting to be moved into the nearest unmarked node.

    Marked nodes are not flattened one level at a time: along a chain of n marked nodes
    that would copy the growing child list n times, quadratic in the width of the node that
    `binarize` split.
    """

    __slots__ = ("children",)

    def __init__(self, children: list[Tree | str | _Splice]) -> None:
        self.children = children


def _spliced(children: list[Tree | str | _Splice]) -> list[Tree | str]:
    """Replace each `_Splice` by its children, recursively, keeping left-to-right order."""
    flat: list[Tree | str] = []
    stack = list(reversed(children))
    while stack:
        item = stack.pop()
        if isinstance(item, _Splice):
            stack.extend(reversed(item.children))
        else:
            flat.append(item)
    return flat


def strip_labels(tree: Tree, label: str = "X") -> Tree:
    """Give every node, preterminals included, the same label (for unlabelled structure).

    Args:
        tree: The tree.
        label: The label every node gets.

    Returns:
        A tree with the same shape and words.
    """
    return tree.map_labels(lambda _old: label)


def _without_functional_tags(label: str) -> str:
    # Labels that start with '-' are whole symbols (-NONE-, -LRB-, -RRB-), not a category
    # with tags. Otherwise the category ends at the first '-' (function tags and
    # coindexation, NP-SBJ-1) or '=' (gapping index, NP=2).
    if label.startswith("-"):
        return label
    for position, character in enumerate(label):
        if character in "-=" and position > 0:
            return label[:position]
    return label


def strip_functional_tags(tree: Tree) -> Tree:
    """Remove PTB function tags and indices: ``NP-SBJ-1`` -> ``NP``, ``PP=2`` -> ``PP``.

    ``-NONE-``, ``-LRB-`` and ``-RRB-`` stay as they are, as does ``PRT|ADVP``.

    Args:
        tree: The tree.

    Returns:
        A tree with the same shape and words.
    """
    return tree.map_labels(_without_functional_tags)


def remove_empty(tree: Tree, labels: Iterable[str] = ("-NONE-",)) -> Tree:
    """Drop empty elements (traces) and the nodes they leave without children.

    Args:
        tree: The tree.
        labels: Preterminal labels to drop; by default the PTB's ``-NONE-``.

    Returns:
        The tree without those preterminals; ``(NP-SBJ (-NONE- *))`` disappears entirely.

    Raises:
        ValueError: If every word of the tree would be removed.
    """
    dropped = frozenset(labels)

    def rewrite(node: Tree, children: list[Tree | str]) -> Tree | None:
        if not children or (node.is_preterminal and node.label in dropped):
            return None
        return Tree(node.label, tuple(children))

    result = rewrite_bottom_up(tree, rewrite)
    if result is None:
        raise ValueError(
            f"remove_empty would remove every word of the tree; all its preterminals are "
            f"labelled one of {sorted(dropped)}: {tree!r}"
        )
    return result


# Preterminal tags of the punctuation that Mikolov's PTB language-model text leaves out
# (it keeps $, #, & and the clitics 's, n't, ').
PUNCTUATION_TAGS = (",", ".", ":", "``", "''", "-LRB-", "-RRB-")
_NUMBER = re.compile(r"[0-9][0-9.,:\\/-]*")


def as_language_model_text(tree: Tree) -> Tree:
    """The tree of a WSJ sentence over its words as Mikolov's PTB language-model text writes
    them (the text ``textae.corpora.ptb`` reads): punctuation and empty elements removed,
    words in lower case, numbers (and ``%``, which that text also writes ``N``) written ``N``.

    A parser trained on such trees reads that text as it is: without commas and capitals a
    parser trained on the original WSJ takes a sentence-initial phrase for a fragment more
    often.

    Args:
        tree: A WSJ tree (functional tags may remain; they are left alone).

    Returns:
        The rewritten tree; ``(NP (CD 1,000) (NNS Shares))`` becomes ``(NP (CD N) (NNS shares))``.

    Raises:
        ValueError: If the sentence is punctuation only (no word would be left).
    """
    def rewrite(node: Tree, children: list[Tree | str]) -> Tree | None:
        if node.is_preterminal:
            word = children[0]
            return Tree(node.label, ("N" if word == "%" or _NUMBER.fullmatch(word) else word.lower(),))
        return Tree(node.label, tuple(children)) if children else None

    return rewrite_bottom_up(remove_empty(tree, ("-NONE-", *PUNCTUATION_TAGS)), rewrite)


def is_binary(tree: Tree) -> bool:
    """Whether every non-preterminal node has exactly two children.

    Args:
        tree: The tree.

    Returns:
        True for a strictly binary tree (a single preterminal counts as binary).
    """
    return all(node.is_preterminal or len(node.children) == 2 for node in tree.subtrees())


def to_nltk(tree: Tree) -> nltk.Tree:
    """Convert to an ``nltk.Tree`` (nltk is imported only when this is called).

    Args:
        tree: The tree.

    Returns:
        An ``nltk.Tree`` with the same labels, shape and words.
    """
    import nltk

    def rewrite(node: Tree, children: list) -> nltk.Tree:
        return nltk.Tree(node.label, children)

    return rewrite_bottom_up(tree, rewrite)  # type: ignore[return-value]


def from_nltk(nltk_tree: nltk.Tree) -> Tree:
    """Convert from an ``nltk.Tree`` (nltk is imported only when this is called).

    Args:
        nltk_tree: A tree whose labels are ``str`` and whose leaves are ``str`` words, each
            the only child of its parent.

    Returns:
        The equivalent `Tree`.

    Raises:
        TypeError: If ``nltk_tree`` is not an ``nltk.Tree``.
        ValueError: If a label is not a ``str``, a node is empty, or a word has siblings;
            such trees have no `Tree` equivalent.
    """
    import nltk

    if not isinstance(nltk_tree, nltk.Tree):
        raise TypeError(f"from_nltk expects an nltk.Tree, got {type(nltk_tree).__name__}")
    # Post-order with an explicit stack: a node is built once all its children are.
    built: list[Any] = []
    stack: list[tuple[Any, bool]] = [(nltk_tree, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, nltk.Tree):
            built.append(node)  # a word, checked by Tree when its parent is built
            continue
        if not children_done:
            stack.append((node, True))
            for child in reversed(node):
                stack.append((child, False))
            continue
        count = len(node)
        children = tuple(built[len(built) - count :])
        del built[len(built) - count :]
        built.append(_tree_from_nltk_node(node.label(), children))
    return built[0]


def _tree_from_nltk_node(label: Any, children: tuple) -> Tree:
    try:
        return Tree(label, children)
    except ValueError as error:
        raise ValueError(f"cannot convert nltk node {label!r}: {error}") from None
