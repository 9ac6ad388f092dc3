"""Trees as tensors: level-major batches for bottom-up and top-down recursive models.

A recursive model over a batch of trees should make one batched call **per level**,
not one per node. :class:`TreeBatch` makes that possible: it flattens a list of
binary trees into int64 arrays ordered by node *height* (leaves 0, a parent is one
more than its highest child), so that every level is a contiguous slice and every
child row precedes its parent::

    token_ids    [N]   vocabulary id at leaves, -1 at internal nodes
    left, right  [N]   row of the left / right child, -1 at leaves
    parent       [N]   row of the parent, -1 at roots
    level_bounds [L+1] rows of level l are level_bounds[l] : level_bounds[l+1]
    roots        [B]   row of each tree's root
    tree_index   [N]   which tree (0..B-1) a row belongs to
    node_labels  [N]   class of each node, -100 where the node is unlabelled
    num_leaves   [N]   number of leaves under each node (1 at leaves)

Trees are turned into small per-tree arrays once (:func:`encode_tree`, in the
dataset) and merged with a few vectorised numpy calls per batch
(:meth:`TreeBatch.collate`, in the DataLoader's collate), all on the CPU.

Shape legend: B trees, N nodes, n nodes at one level, L levels, D hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from parsers import Tree
from textae.vocab import Vocab

IGNORE_LABEL = -100
# How to mend 5-class labels given to a 2-class model (check_node_labels, metrics.binary_targets).
BINARY_LABELS_HINT = ("labels of a 2-class model are 0/1: encode the trees with textae.sentiment.binary_label "
                      "(encode_trees(trees, vocab, binary=True), as train_rae.py --labels binary does)")


class TreeStructureError(ValueError):
    """A tree cannot be tensorised (e.g. a node that is not binary)."""


SENTIMENT_LABELS = ("0", "1", "2", "3", "4")


def sentiment_label(label: str) -> int:
    """SST node labels are the strings '0'..'4'; anything else (a Penn Treebank category, "7",
    "-3") is a :class:`TreeStructureError`, not a class the loss would index out of range
    or the binary accuracy would count as positive."""
    if label not in SENTIMENT_LABELS:
        raise TreeStructureError(f"node label {label!r} is not an SST sentiment class (0-4); give trees with "
                                 "sentiment labels, or label_fn=None for trees without them")
    return int(label)


@dataclass(frozen=True)
class EncodedTree:
    """One binary tree as flat arrays in post-order (children before parents; root last)."""

    token_ids: np.ndarray  # [n] int64, -1 at internal nodes
    left: np.ndarray  # [n] int64, local row of the left child, -1 at leaves
    right: np.ndarray  # [n] int64
    height: np.ndarray  # [n] int64, 0 at leaves
    labels: np.ndarray  # [n] int64, IGNORE_LABEL where unlabelled
    num_leaves: np.ndarray  # [n] int64
    tree: Tree | None = field(default=None, compare=False)

    @property
    def num_nodes(self) -> int:
        return len(self.token_ids)


def encode_tree(
    tree: Tree,
    vocab: Vocab,
    *,
    label_fn: Callable[[str], int] | None = sentiment_label,
    labels: str = "all",
    keep_tree: bool = True,
) -> EncodedTree:
    """Flattens one binary tree whose leaves are preterminals ``(label word)``.

    Args:
        tree: a binary ``parsers.Tree`` (run ``parsers.transforms.collapse_unary`` and
            ``binarize`` first on treebank trees).
        vocab: a :class:`~textae.vocab.Vocab`; maps each word to its id (unknown words to ``<unk>``).
        label_fn: maps a node label string to a class id (an int >= 0, or ``IGNORE_LABEL``
            for an unlabelled node); ``None`` for no labels.
        labels: ``"all"`` (every node supervised, as SST), ``"root"`` (only the root,
            as MR) or ``"none"``.
        keep_tree: keep a reference to ``tree`` (for printing per-node results).

    Raises:
        TypeError: ``tree`` is not a ``parsers.Tree`` (e.g. bracket text), ``vocab`` not a
            ``Vocab``, or ``label_fn`` returned something other than an int.
        TreeStructureError: a node has other than two children (or one word), or
            ``label_fn`` refused a label or returned a negative class other than ``IGNORE_LABEL``.
    """
    if isinstance(tree, str):
        raise TypeError(f"encode_tree() takes a parsers.Tree, got the str {tree[:60]!r}; parse it first with "
                        "parsers.parse_tree(text)")
    if not isinstance(tree, Tree):
        raise TypeError(f"encode_tree() takes a parsers.Tree, got {type(tree).__name__}")
    if not isinstance(vocab, Vocab):
        raise TypeError(f"encode_tree() needs a textae.vocab.Vocab, got {type(vocab).__name__}; build one with "
                        "Vocab.build(sentences) or Vocab(words)")
    if labels not in ("all", "root", "none"):
        raise ValueError(f"labels must be 'all', 'root' or 'none', got {labels!r}")
    token_ids: list[int] = []
    left: list[int] = []
    right: list[int] = []
    height: list[int] = []
    node_labels: list[int] = []
    num_leaves: list[int] = []
    use_labels = labels == "all" and label_fn is not None

    def class_of(node: Tree) -> int:
        try:
            value = label_fn(node.label)
        except ValueError as error:
            raise TreeStructureError(f"node label {node.label!r} is not a class: {error}") from error
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"label_fn returned {value!r} ({type(value).__name__}) for node label {node.label!r}; "
                            f"it must return an int class id (or IGNORE_LABEL {IGNORE_LABEL} for no label)")
        if value < 0 and value != IGNORE_LABEL:
            raise TreeStructureError(f"label_fn returned {value} for node label {node.label!r}; classes are ints "
                                     f">= 0, and IGNORE_LABEL ({IGNORE_LABEL}) marks an unlabelled node")
        return int(value)

    def label_of(node: Tree) -> int:
        return class_of(node) if use_labels else IGNORE_LABEL

    finished: list[int] = []  # rows of subtrees already flattened, awaiting their parent
    work: list[tuple[Tree, bool]] = [(tree, False)]
    while work:  # iterative post-order: treebank trees can be deeper than Python's stack
        node, children_done = work.pop()
        if node.is_preterminal:
            finished.append(len(token_ids))
            token_ids.append(vocab.index(node.word))
            left.append(-1)
            right.append(-1)
            height.append(0)
            num_leaves.append(1)
            node_labels.append(label_of(node))
        elif not children_done:
            if len(node.children) != 2:
                raise TreeStructureError(
                    f"node {node.label!r} has {len(node.children)} children; recursive models need "
                    "binary trees (apply parsers.transforms.collapse_unary and binarize first): "
                    f"{str(node)[:120]}"
                )
            work.append((node, True))
            work.append((node.children[1], False))
            work.append((node.children[0], False))
        else:
            right_row = finished.pop()
            left_row = finished.pop()
            finished.append(len(token_ids))
            token_ids.append(-1)
            left.append(left_row)
            right.append(right_row)
            height.append(1 + max(height[left_row], height[right_row]))
            num_leaves.append(num_leaves[left_row] + num_leaves[right_row])
            node_labels.append(label_of(node))
    if labels == "root" and label_fn is not None:
        node_labels[-1] = class_of(tree)
    as_array = lambda values: np.asarray(values, dtype=np.int64)  # noqa: E731
    return EncodedTree(
        token_ids=as_array(token_ids),
        left=as_array(left),
        right=as_array(right),
        height=as_array(height),
        labels=as_array(node_labels),
        num_leaves=as_array(num_leaves),
        tree=tree if keep_tree else None,
    )


@dataclass
class TreeBatch:
    """A batch of trees in level-major order (see the module docstring for each array)."""

    token_ids: Tensor  # [N]
    left: Tensor  # [N]
    right: Tensor  # [N]
    parent: Tensor  # [N]
    level_bounds: Tensor  # [L+1]
    roots: Tensor  # [B]
    tree_index: Tensor  # [N]
    node_labels: Tensor  # [N]
    num_leaves: Tensor  # [N]
    level_offsets: list[int]  # level_bounds as Python ints, so loops never sync a device
    trees: list[Tree | None]  # the source trees, for printing (None where not kept)
    node_order: Tensor  # [N] row in the batch of each tree's post-order node (tree-major)
    # The largest node label as a Python int (IGNORE_LABEL when none), so a model checks its
    # labels against num_classes without syncing a device; None when not known (built by hand).
    max_label: int | None = None

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    @property
    def num_nodes(self) -> int:
        return len(self.token_ids)

    @property
    def num_levels(self) -> int:
        return len(self.level_offsets) - 1

    @property
    def num_leaf_nodes(self) -> int:
        """Rows ``0 : num_leaf_nodes`` are the leaves (level 0)."""
        return self.level_offsets[1]

    def levels(self) -> list[tuple[int, int]]:
        """``(start, end)`` row ranges of every level, leaves first."""
        bounds = self.level_offsets
        return [(bounds[level], bounds[level + 1]) for level in range(self.num_levels)]

    def to(self, device: torch.device | str) -> TreeBatch:
        moved = {
            name: getattr(self, name).to(device)
            for name in (
                "token_ids", "left", "right", "parent", "level_bounds", "roots",
                "tree_index", "node_labels", "num_leaves", "node_order",
            )
        }
        return TreeBatch(**moved, level_offsets=self.level_offsets, trees=self.trees, max_label=self.max_label)

    def __len__(self) -> int:
        return self.num_trees

    @classmethod
    def collate(cls, encoded: Sequence[EncodedTree]) -> TreeBatch:
        """Merges per-tree arrays into one level-major batch (vectorised numpy).

        Raises:
            TypeError: an item is not an :class:`EncodedTree` (a ``parsers.Tree`` must be
                encoded first with ``encode_tree(tree, vocab)``).
            ValueError: no trees, or a negative label other than ``IGNORE_LABEL``.
        """
        if len(encoded) == 0:
            raise ValueError("cannot collate an empty list of trees")
        for number, item in enumerate(encoded):
            if not isinstance(item, EncodedTree):
                hint = ("; encode trees first with encode_tree(tree, vocab)" if isinstance(item, Tree) else
                        "; parse it (parsers.parse_tree), then encode_tree(tree, vocab)" if isinstance(item, str) else "")
                raise TypeError(f"TreeBatch.collate() takes EncodedTree items, got {type(item).__name__} "
                                f"at position {number}{hint}")
        sizes = np.fromiter((tree.num_nodes for tree in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded), dtype=np.int64)
        np.cumsum(sizes[:-1], out=offsets[1:])
        node_offsets = np.repeat(offsets, sizes)  # [N] offset of the tree each post-order row is in
        height = np.concatenate([tree.height for tree in encoded])
        # Stable sort keeps trees in batch order and post-order within a level.
        order = np.argsort(height, kind="stable")  # new row -> old row
        new_row = np.empty_like(order)
        new_row[order] = np.arange(len(order))  # old row -> new row

        def relocate(children: np.ndarray) -> np.ndarray:
            old = children + node_offsets
            return np.where(children >= 0, new_row[np.where(children >= 0, old, 0)], -1)

        left = relocate(np.concatenate([tree.left for tree in encoded]))[order]
        right = relocate(np.concatenate([tree.right for tree in encoded]))[order]
        parent = np.full(len(order), -1, dtype=np.int64)
        internal = left >= 0
        parent[left[internal]] = np.flatnonzero(internal)
        parent[right[internal]] = np.flatnonzero(internal)
        level_bounds = np.zeros(height.max() + 2, dtype=np.int64)
        np.cumsum(np.bincount(height), out=level_bounds[1:])
        tree_index = np.repeat(np.arange(len(encoded), dtype=np.int64), sizes)[order]
        labels = np.concatenate([tree.labels for tree in encoded])
        if ((labels < 0) & (labels != IGNORE_LABEL)).any():  # an EncodedTree built by hand; encode_tree refuses these
            bad = int(labels[(labels < 0) & (labels != IGNORE_LABEL)][0])
            raise ValueError(f"node label {bad} is negative; classes are >= 0 and IGNORE_LABEL ({IGNORE_LABEL}) "
                             "marks an unlabelled node")
        as_tensor = torch.from_numpy
        return cls(
            token_ids=as_tensor(np.concatenate([tree.token_ids for tree in encoded])[order]),
            left=as_tensor(left),
            right=as_tensor(right),
            parent=as_tensor(parent),
            level_bounds=as_tensor(level_bounds),
            roots=as_tensor(new_row[offsets + sizes - 1]),
            tree_index=as_tensor(tree_index),
            node_labels=as_tensor(labels[order]),
            num_leaves=as_tensor(np.concatenate([tree.num_leaves for tree in encoded])[order]),
            level_offsets=level_bounds.tolist(),
            trees=[tree.tree for tree in encoded],
            node_order=as_tensor(new_row),
            max_label=int(labels.max()),
        )


def bottom_up(
    batch: TreeBatch,
    leaf_states: Tensor,
    compose: Callable[[Tensor], Tensor],
) -> Tensor:
    """Runs a composition function over every level of the batch, leaves to roots.

    Args:
        batch: the trees.
        leaf_states: ``[n0, D]`` states of the leaves (rows ``0 : n0`` of the batch).
        compose: ``children [n, 2D] -> parents [n, D]``, called once per level;
            ``children`` is ``[left; right]``, the two child states side by side.

    Returns:
        ``[N, D]`` the state of every node, in batch row order.
    """
    num_leaves, hidden_size = leaf_states.shape  # n0, D
    if num_leaves != batch.num_leaf_nodes:
        raise ValueError(f"expected {batch.num_leaf_nodes} leaf states, got {num_leaves}")
    # Writing each level into one preallocated tensor keeps the graph to one gather and
    # one slice write per level; both are cheap under autograd (no saved copies of states).
    node_states = leaf_states.new_zeros(batch.num_nodes, hidden_size)  # [N, D]
    node_states[:num_leaves] = leaf_states
    children = torch.stack((batch.left, batch.right), dim=1)  # [N, 2]
    for start, end in batch.levels()[1:]:
        child_states = node_states[children[start:end]].view(end - start, 2 * hidden_size)  # [n, 2D]
        node_states[start:end] = compose(child_states)  # [n, D]
    return node_states


def require_tree_batch(batch: object, reader: str) -> None:
    """``TypeError`` unless ``batch`` is a :class:`TreeBatch` (``reader`` names the model part
    that needs one), where a sentence batch would fail on a missing attribute inside."""
    if not isinstance(batch, TreeBatch):
        raise TypeError(f"{reader} reads a TreeBatch (TreeBatch.collate of encoded trees), got {type(batch).__name__}")


def check_node_labels(batch: TreeBatch, num_classes: int) -> None:
    """``ValueError`` naming the fix when a node label is not a class of a ``num_classes`` model
    (0 .. num_classes - 1, or -100 unlabelled), where the cross-entropy would fail on an index.

    Reads ``batch.max_label`` (a Python int from collate: no device sync); a batch built by
    hand without it is checked on its tensor."""
    largest = batch.max_label
    if largest is None:
        labels = batch.node_labels
        labelled = labels[labels != IGNORE_LABEL]
        if labelled.numel() and bool((labelled < 0).any()):
            raise ValueError(f"node label {int(labelled.min())} is negative; classes are >= 0 and "
                             f"{IGNORE_LABEL} marks an unlabelled node")
        largest = int(labelled.max()) if labelled.numel() else IGNORE_LABEL
    if largest >= num_classes:
        fix = (BINARY_LABELS_HINT if num_classes == 2 else
               f"set num_classes to at least {largest + 1}, or encode the trees with labels 0..{num_classes - 1}")
        raise ValueError(f"node label {largest} is out of range for a model with num_classes={num_classes} "
                         f"(classes 0..{num_classes - 1}, {IGNORE_LABEL} unlabelled); {fix}")
