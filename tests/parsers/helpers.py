"""Trees for the parsers tests that are too deep or too wide to handle by recursion."""

from __future__ import annotations

from parsers import Tree

# The default recursion limit is 1,000, so a recursive method would fail on these.
DEEP = 5_000
WIDE = 20_000


def make_deep_tree(depth: int = DEEP) -> Tree:
    """A right-branching tree of height ``depth + 1``: (A (X w0) (A (X w1) ... (X wN)))."""
    tree = Tree("X", (f"w{depth}",))
    for index in reversed(range(depth)):
        tree = Tree("A", (Tree("X", (f"w{index}",)), tree))
    return tree


def make_wide_tree(width: int = WIDE) -> Tree:
    """A root with ``width`` preterminal children."""
    return Tree("S", tuple(Tree("X", (f"w{index}",)) for index in range(width)))
