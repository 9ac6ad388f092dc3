"""Structure-free baseline parsers: right-branching, left-branching and balanced trees.

They ignore the words and give every sentence of ``n`` tokens a fixed binary shape, which
makes them the reference points of unsupervised parsing (English is mostly right-branching,
so that baseline is a strong one) and a source of trees for RAEs when no parser is trained.

Output trees are unlabelled: every node is labelled :data:`~parsers.parser.DEFAULT_LABEL`
(``"X"``) and every token is a preterminal ``(X token)``. A one-token sentence is the bare
preterminal ``(X token)``; longer ones are strictly binary. For ``a b c d``:

* right-branching: ``(X (X a) (X (X b) (X (X c) (X d))))``
* left-branching: ``(X (X (X (X a) (X b)) (X c)) (X d))``
* balanced: ``(X (X (X a) (X b)) (X (X c) (X d)))``, the left part taking ``ceil(n / 2)``
  tokens at every split, so for an odd count the left part is the longer one.

Trees are built without recursion, so a 20,000-token sentence (a right-branching tree of
depth 20,000) works; these parsers have no length limit (``max_tokens = None``).
"""

from __future__ import annotations

from collections.abc import Sequence

from parsers.parser import DEFAULT_LABEL, Parser
from parsers.tree import Tree

__all__ = [
    "BalancedParser",
    "LeftBranchingParser",
    "RightBranchingParser",
    "balanced_tree",
    "left_branching_tree",
    "right_branching_tree",
]


def _preterminals(tokens: Sequence[str]) -> list[Tree]:
    """One ``(X token)`` per token."""
    return [Tree(DEFAULT_LABEL, (token,)) for token in tokens]


def right_branching_tree(tokens: Sequence[str]) -> Tree:
    """The right-branching binary tree over ``tokens``: each token joins everything after it.

    Args:
        tokens: A non-empty sequence of tokens.

    Returns:
        ``(X (X t0) (X (X t1) ... (X tn)))``; a single token gives ``(X t0)``.
    """
    nodes = _preterminals(tokens)
    tree = nodes[-1]
    # Built from the end, so each step wraps the finished suffix: no recursion at any depth.
    for node in reversed(nodes[:-1]):
        tree = Tree(DEFAULT_LABEL, (node, tree))
    return tree


def left_branching_tree(tokens: Sequence[str]) -> Tree:
    """The left-branching binary tree over ``tokens``: each token joins everything before it.

    Args:
        tokens: A non-empty sequence of tokens.

    Returns:
        ``(X (X ... (X t0) (X t1)) ... (X tn))``; a single token gives ``(X t0)``.
    """
    nodes = _preterminals(tokens)
    tree = nodes[0]
    for node in nodes[1:]:
        tree = Tree(DEFAULT_LABEL, (tree, node))
    return tree


def balanced_tree(tokens: Sequence[str]) -> Tree:
    """The balanced binary tree over ``tokens``, splitting every span at ``ceil(n / 2)``.

    Args:
        tokens: A non-empty sequence of tokens.

    Returns:
        A binary tree of height ``ceil(log2(n)) + 1`` whose left subtree at every node covers
        ``ceil(n / 2)`` of the node's ``n`` tokens; a single token gives ``(X t0)``.
    """
    nodes = _preterminals(tokens)
    # Post-order over the spans with an explicit stack: a span is pushed once to be split
    # and once more (marked True) to be joined after both halves are finished. Finished
    # subtrees wait on `built` in left-to-right order, so a join takes the last two.
    built: list[Tree] = []
    stack: list[tuple[int, int, bool]] = [(0, len(nodes), False)]
    while stack:
        start, end, halves_done = stack.pop()
        if end - start == 1:
            built.append(nodes[start])
            continue
        if halves_done:
            right = built.pop()
            left = built.pop()
            built.append(Tree(DEFAULT_LABEL, (left, right)))
            continue
        middle = start + (end - start + 1) // 2  # ceil of half the span
        stack.append((start, end, True))
        stack.append((middle, end, False))
        stack.append((start, middle, False))
    return built[0]


class RightBranchingParser(Parser):
    """Gives every sentence its right-branching binary tree (see :func:`right_branching_tree`)."""

    max_tokens = None

    def _parse_checked(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        return [right_branching_tree(tokens) for tokens in sentences]


class LeftBranchingParser(Parser):
    """Gives every sentence its left-branching binary tree (see :func:`left_branching_tree`)."""

    max_tokens = None

    def _parse_checked(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        return [left_branching_tree(tokens) for tokens in sentences]


class BalancedParser(Parser):
    """Parses every sentence into the balanced binary tree (see :func:`balanced_tree`)."""

    max_tokens = None

    def _parse_checked(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        return [balanced_tree(tokens) for tokens in sentences]
