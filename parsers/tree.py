"""An immutable constituency tree shared by the SST and PTB readers.

A `Tree` is a label plus a tuple of children. A child is either another `Tree` or a `str`,
which is a word. A node whose only child is a word is a *preterminal* (a POS tag in the PTB,
a sentiment-labelled token in the SST); words never appear anywhere else. Leaf positions
(used by `spans`) count words from 0, left to right.

Every traversal here uses an explicit stack instead of recursion. Parser output can be
thousands of levels deep (a right-branching chain, a binarized 20,000-word sentence), and
Python's default recursion limit of 1,000 would make recursive methods crash on such trees.
For the same reason `__eq__` and `__hash__` are written by hand: the dataclass defaults compare
the `children` tuples, which recurses once per level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Tree", "rewrite_bottom_up"]

# How much bracket text `repr` shows before it stops writing.
_REPR_WIDTH = 60

RewriteResult = TypeVar("RewriteResult")


@dataclass(frozen=True, slots=True, eq=False)
class Tree:
    """An immutable labelled tree whose leaves are words.

    Attributes:
        label: The node label, e.g. ``"NP"`` or an SST sentiment ``"3"``. The empty string is
            allowed (the unlabelled PTB wrapper root) but the readers never produce it.
        children: The children, left to right. Either exactly one ``str`` (the word of a
            preterminal) or one or more `Tree` nodes.

    Raises:
        ValueError: If the label is not a ``str``, ``children`` is not a tuple, is empty,
            holds something other than `Tree`/``str``, or mixes a word with other children.
    """

    label: str
    children: tuple[Tree | str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.label, str):
            raise ValueError(
                f"Tree label must be a str, got {type(self.label).__name__} {self.label!r}"
            )
        children = self.children
        if not isinstance(children, tuple):
            raise ValueError(
                f"Tree children must be a tuple, got {type(children).__name__} for node "
                f"{self.label!r}; pass tuple(children)"
            )
        if not children:
            raise ValueError(
                f"node {self.label!r} has no children; every node needs a word or child nodes"
            )
        if len(children) == 1:
            if not isinstance(children[0], (Tree, str)):
                raise ValueError(
                    f"child of node {self.label!r} must be a Tree or a str word, "
                    f"got {type(children[0]).__name__}"
                )
            return
        for child in children:
            if isinstance(child, Tree):
                continue
            if isinstance(child, str):
                raise ValueError(
                    f"node {self.label!r} has the word {child!r} beside other children; "
                    "a word must be the only child of its preterminal"
                )
            raise ValueError(
                f"child of node {self.label!r} must be a Tree or a str word, "
                f"got {type(child).__name__}"
            )

    # ------------------------------------------------------------------ basic properties

    @property
    def is_preterminal(self) -> bool:
        """True when this node's only child is a word."""
        # The invariant guarantees a str child is the only child, so checking the first
        # child is enough.
        return isinstance(self.children[0], str)

    @property
    def word(self) -> str:
        """The word under a preterminal.

        Returns:
            The single ``str`` child.

        Raises:
            ValueError: If this node is not a preterminal.
        """
        child = self.children[0]
        if not isinstance(child, str):
            raise ValueError(
                f"node {self.label!r} is not a preterminal (it has {len(self.children)} "
                "child nodes), so it has no single word; use leaves()"
            )
        return child

    # ------------------------------------------------------------------ traversals

    def subtrees(self) -> Iterator[Tree]:
        """Iterate over every `Tree` node in pre-order (a parent before its children).

        Returns:
            An iterator over the nodes, root first, children left to right. Words are not
            yielded.
        """
        stack: list[Tree] = [self]
        while stack:
            node = stack.pop()
            yield node
            children = node.children
            if not isinstance(children[0], str):
                # Reversed so that the leftmost child is popped (visited) first.
                stack.extend(reversed(children))  # type: ignore[arg-type]

    def postorder(self) -> Iterator[Tree]:
        """Iterate over every `Tree` node with children before their parent.

        Returns:
            An iterator over the nodes, left subtree before right subtree, root last.
        """
        # Each entry says whether the node's children have already been pushed; a node is
        # yielded the second time it is popped.
        stack: list[tuple[Tree, bool]] = [(self, False)]
        while stack:
            node, children_pushed = stack.pop()
            if children_pushed or isinstance(node.children[0], str):
                yield node
                continue
            stack.append((node, True))
            for child in reversed(node.children):
                stack.append((child, False))  # type: ignore[arg-type]

    def leaves(self) -> list[str]:
        """The words of the tree, left to right.

        Returns:
            One ``str`` per preterminal.
        """
        words: list[str] = []
        for node in self.subtrees():
            first = node.children[0]
            if isinstance(first, str):
                words.append(first)
        return words

    def preterminals(self) -> list[Tree]:
        """The preterminal nodes, left to right.

        Returns:
            One `Tree` per word, in sentence order.
        """
        return [node for node in self.subtrees() if isinstance(node.children[0], str)]

    def height(self) -> int:
        """The number of nodes on the longest root-to-preterminal path.

        Returns:
            1 for a preterminal; otherwise 1 + the largest child height.
        """
        # The height equals the depth of the deepest preterminal, counting the root as 1,
        # so one depth-first walk suffices.
        best = 0
        stack: list[tuple[Tree, int]] = [(self, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node.children[0], str):
                best = max(best, depth)
                continue
            for child in node.children:
                stack.append((child, depth + 1))  # type: ignore[arg-type]
        return best

    def num_nodes(self) -> int:
        """The number of `Tree` nodes, preterminals included and words not counted.

        Returns:
            The node count.
        """
        return sum(1 for _ in self.subtrees())

    def spans(self, include_preterminals: bool = False) -> list[tuple[str, int, int]]:
        """The constituents as ``(label, start, end)`` leaf intervals.

        Args:
            include_preterminals: Also list each preterminal as ``(tag, i, i + 1)``.

        Returns:
            One triple per node in pre-order; ``start`` is the index of the node's first word
            and ``end`` is one past its last word. A unary chain gives several triples with
            the same interval.
        """
        # Pre-order entries are opened with an unknown end and patched when the walk leaves
        # the node; an int on the stack means "the node opened at this index ends here".
        opened: list[list] = []
        stack: list[Tree | int] = [self]
        position = 0
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                opened[item][2] = position
                continue
            if isinstance(item.children[0], str):
                if include_preterminals:
                    opened.append([item.label, position, position + 1])
                position += 1
                continue
            stack.append(len(opened))
            opened.append([item.label, position, -1])
            stack.extend(reversed(item.children))  # type: ignore[arg-type]
        return [(label, start, end) for label, start, end in opened]

    # ------------------------------------------------------------------ rebuilding

    def map_labels(self, fn: Callable[[str], str]) -> Tree:
        """Return a copy with ``fn`` applied to every node label (words are unchanged).

        Args:
            fn: Maps an old label to the new one; called once per node.

        Returns:
            A new `Tree` with the same shape and words.
        """
        return rewrite_bottom_up(self, lambda node, children: Tree(fn(node.label), tuple(children)))  # type: ignore[return-value]

    # ------------------------------------------------------------------ writing

    def _bracket_parts(self) -> Iterator[str]:
        """Yield the one-line bracket text piece by piece (lets `repr` stop early)."""
        # Strings on the stack are emitted verbatim (the separating space and the closing
        # bracket); trees are expanded in place.
        stack: list[Tree | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                yield item
                continue
            first = item.children[0]
            if isinstance(first, str):
                yield f"({item.label} {first})"
                continue
            yield "(" + item.label
            stack.append(")")
            for child in reversed(item.children):
                stack.append(child)
                stack.append(" ")

    def pformat(self) -> str:
        """The tree as one line of PTB bracket text.

        Returns:
            ``(label child child)`` with single spaces; a preterminal is ``(label word)``.
            Labels and words are written as they are, without escaping.
        """
        return "".join(self._bracket_parts())

    def __str__(self) -> str:
        return self.pformat()

    def __repr__(self) -> str:
        pieces: list[str] = []
        width = 0
        for piece in self._bracket_parts():
            pieces.append(piece)
            width += len(piece)
            if width > _REPR_WIDTH:
                return f"Tree({''.join(pieces)[:_REPR_WIDTH] + '…'!r})"
        return f"Tree({''.join(pieces)!r})"

    # ------------------------------------------------------------------ equality

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tree):
            return NotImplemented
        pairs: list[tuple[Tree, Tree]] = [(self, other)]
        while pairs:
            left, right = pairs.pop()
            if left is right:
                continue
            if left.label != right.label or len(left.children) != len(right.children):
                return False
            for left_child, right_child in zip(left.children, right.children, strict=True):
                left_is_word = isinstance(left_child, str)
                if left_is_word != isinstance(right_child, str):
                    return False
                if left_is_word:
                    if left_child != right_child:
                        return False
                else:
                    pairs.append((left_child, right_child))  # type: ignore[arg-type]
        return True

    def __hash__(self) -> int:
        # Bottom-up: a node's hash combines its label with its children's hashes, so equal
        # trees hash equally without recursing.
        return rewrite_bottom_up(self, lambda node, children: hash((node.label, *children)))  # type: ignore[return-value]

    def __reduce__(self) -> tuple:
        # Pickle as flat post-order lists instead of nested objects: pickling nested objects
        # recurses once per level, and Python 3.10 cannot unpickle a frozen slotted dataclass.
        labels: list[str] = []
        shapes: list[str | int] = []  # a preterminal's word, or a node's number of children
        for node in self.postorder():
            labels.append(node.label)
            first = node.children[0]
            shapes.append(first if isinstance(first, str) else len(node.children))
        return (_from_postorder, (labels, shapes))

    # Trees are immutable, so a copy can be the tree itself; this also keeps copy.deepcopy
    # from recursing once per level.
    def __copy__(self) -> Tree:
        return self

    def __deepcopy__(self, memo: dict) -> Tree:
        return self


def rewrite_bottom_up(
    tree: Tree,
    rewrite: Callable[[Tree, list], RewriteResult | None],
) -> RewriteResult | None:
    """Rebuild a tree from the leaves up without recursion.

    ``rewrite(node, children)`` is called once per node, children before parents. For a
    preterminal ``children`` is ``[word]``; otherwise it holds the results already returned
    for the node's children, left to right, with ``None`` results dropped (so a rewrite can
    delete a subtree by returning ``None``).

    Args:
        tree: The tree to rebuild.
        rewrite: Builds the result for one node from its rewritten children.

    Returns:
        What ``rewrite`` returned for the root.
    """
    # Pushing children left to right and popping visits every node before its children,
    # right subtrees first; read backwards, that order is a left-to-right post-order.
    order: list[Tree] = []
    stack: list[Tree] = [tree]
    while stack:
        node = stack.pop()
        order.append(node)
        if not isinstance(node.children[0], str):
            stack.extend(node.children)  # type: ignore[arg-type]
    # In post-order, the results of a node's children are the last ones on `results`.
    results: list = []
    for node in reversed(order):
        children = node.children
        if isinstance(children[0], str):
            results.append(rewrite(node, [children[0]]))
            continue
        count = len(children)
        rewritten = [child for child in results[-count:] if child is not None]
        del results[-count:]
        results.append(rewrite(node, rewritten))
    return results[0]


def _from_postorder(labels: list[str], shapes: list[str | int]) -> Tree:
    """Rebuild a tree from the lists written by `Tree.__reduce__` (used when unpickling)."""
    built: list[Tree] = []
    for label, shape in zip(labels, shapes, strict=True):
        if isinstance(shape, str):
            built.append(Tree(label, (shape,)))
            continue
        children = tuple(built[len(built) - shape :])
        del built[len(built) - shape :]
        built.append(Tree(label, children))
    if len(built) != 1:
        raise ValueError(f"pickled tree data describes {len(built)} trees, not one")
    return built[0]
