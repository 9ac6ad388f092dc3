"""Features for paraphrase detection (Socher et al., NIPS 2011).

Socher, Huang, Pennington, Ng & Manning, "Dynamic Pooling and Unfolding Recursive
Autoencoders for Paraphrase Detection", NIPS 2011, section 3: an unfolding RAE gives a
vector to every node (words and phrases) of each sentence's binary parse; the Euclidean
distances between all nodes of sentence 1 (n words, 2n-1 nodes) and all nodes of sentence
2 (m words, 2m-1 nodes) form a [2n-1, 2m-1] matrix (:func:`pair_distance_matrix`, rows in
the paper's node order, :func:`paper_node_order`). Dynamic min-pooling
(:func:`dynamic_min_pool`) turns it into a fixed [15, 15] matrix; with a few overlap
features (:func:`number_features`, :func:`length_features`) it is the input of a
classifier. The paper then normalises each pooled entry to mean 0 and variance 1; that is
left to the caller (it needs training-set statistics).

Everything here is numpy only (no torch).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from parsers import Tree

__all__ = [
    "dynamic_min_pool",
    "length_features",
    "number_features",
    "overlap_features",
    "pair_distance_matrix",
    "paper_node_order",
    "sentence_numbers",
]

POOL_SIZE = 15  # n_p in the paper


def _pool_starts(length: int, size: int) -> np.ndarray:
    """Start of each of ``size`` contiguous chunks of ``range(length)``, ``length >= size``.

    Every chunk has ``length // size`` cells; the remainder adds one cell to each of the
    *last* ``length % size`` chunks, as in the paper (and Socher's released code).
    """
    quotient, remainder = divmod(length, size)
    sizes = np.full(size, quotient, dtype=np.int64)
    if remainder:
        sizes[size - remainder :] += 1
    return np.concatenate([[0], np.cumsum(sizes)[:-1]])


def dynamic_min_pool(distances: np.ndarray, size: int = POOL_SIZE) -> np.ndarray:
    """Dynamic min-pooling of a variable-sized distance matrix (Socher et al. 2011, sec. 3).

    Rows and columns are each split into ``size`` contiguous chunks of nearly equal length
    (``length // size`` each, the last ``length % size`` chunks one longer), and each of
    the ``size * size`` regions is replaced by its minimum: a small distance means that
    some word or phrase of one sentence is close to one of the other, which pooling must
    keep. A dimension shorter than ``size`` is first stretched by repeating every entry
    ``ceil(size / length)`` times (the paper "duplicates pixels"; Socher's code doubles
    the matrix until it is large enough, which gives the same kind of result). Every
    chunk then covers copies of at most two original entries and every original entry has
    a chunk to itself, so when both dimensions are shorter than ``size`` every original
    value appears in the output. In all cases the regions partition the (stretched)
    matrix, so the output's minimum is the input's minimum.

    Args:
        distances: [r, c] matrix, r, c >= 1 (e.g. [2n-1, 2m-1] node distances).
        size: n_p, the side of the output (15 in the paper).

    Returns:
        [size, size] matrix of region minima, same dtype as ``distances``.

    Raises:
        ValueError: ``distances`` is not 2-D or is empty, or ``size < 1``.
        TypeError: ``distances`` is not numeric.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
    matrix = np.asarray(distances)
    if matrix.ndim != 2:
        raise ValueError(f"distances must be a 2-D matrix, got shape {matrix.shape}")
    if matrix.size == 0:
        raise ValueError(f"distances is empty (shape {matrix.shape}); each sentence needs at least one node")
    if matrix.dtype.kind not in "biuf":
        raise TypeError(f"distances must be numeric, got dtype {matrix.dtype}")
    for axis in (0, 1):
        length = matrix.shape[axis]
        if length < size:
            matrix = np.repeat(matrix, math.ceil(size / length), axis=axis)
    pooled = np.minimum.reduceat(matrix, _pool_starts(matrix.shape[0], size), axis=0)
    return np.minimum.reduceat(pooled, _pool_starts(matrix.shape[1], size), axis=1)


def pair_distance_matrix(vectors1: np.ndarray, vectors2: np.ndarray) -> np.ndarray:
    """Euclidean distance between every row of ``vectors1`` and every row of ``vectors2``.

    The similarity matrix S of Socher et al. (2011, sec. 3): ``S[i, j] = ||x_i - y_j||``.
    Computed exactly (difference then norm, so identical vectors give exactly 0), which
    takes O(n * m * D) memory: fine for sentence-sized inputs.

    Args:
        vectors1: [n, D] node vectors of sentence 1 (e.g. 2n-1 nodes in paper order).
        vectors2: [m, D] node vectors of sentence 2.

    Returns:
        [n, m] float distances.

    Raises:
        ValueError: an input is not 2-D or the vector sizes D differ.
    """
    first, second = np.asarray(vectors1), np.asarray(vectors2)
    if first.dtype.kind != "f":
        first = first.astype(np.float64)
    if second.dtype.kind != "f":
        second = second.astype(np.float64)
    if first.ndim != 2 or second.ndim != 2:
        raise ValueError(f"expected two [n, D] matrices, got shapes {first.shape} and {second.shape}")
    if first.shape[1] != second.shape[1]:
        raise ValueError(f"vector sizes differ: {first.shape[1]} and {second.shape[1]}")
    return np.linalg.norm(first[:, None, :] - second[None, :, :], axis=-1)


def paper_node_order(tree: Tree) -> np.ndarray:
    """Post-order index of each node of a binary tree, listed in the paper's row order.

    Socher et al. (2011, sec. 3) order the rows (columns) of the similarity matrix as the
    words of the sentence in order, followed by the phrase nodes "in a depth-first,
    right-to-left order". The latter is read here as a pre-order walk that visits the right
    child before the left: the root first, then the right subtree's phrases, then the left
    subtree's. That is exactly the reverse of the usual left-to-right post-order.

    Node indices are those of :func:`textae.trees.encode_tree` (and
    :meth:`parsers.Tree.postorder`): post-order, preterminals ``(label word)`` are the
    leaves, left subtree before right subtree, root last. So, with ``vectors`` [2n-1, D]
    computed in post-order, ``vectors[paper_node_order(tree)]`` has the paper's row order.

    Args:
        tree: a binary tree whose leaves are preterminals (run
            ``parsers.transforms.collapse_unary`` and ``binarize`` on treebank trees).

    Returns:
        [2n-1] int64 permutation for a tree of n words: the first n entries are the
        words' post-order indices left to right, the last n-1 the phrase nodes' indices in
        depth-first, right-to-left order.

    Raises:
        ValueError: a node that is not a preterminal has other than two children.
    """
    words: list[int] = []
    phrases: list[int] = []
    for index, node in enumerate(tree.postorder()):
        if node.is_preterminal:
            words.append(index)
            continue
        if len(node.children) != 2:
            raise ValueError(
                f"node {node.label!r} has {len(node.children)} children; the paper's order is defined "
                "for binary trees (apply parsers.transforms.collapse_unary and binarize first)"
            )
        phrases.append(index)
    return np.asarray(words + phrases[::-1], dtype=np.int64)


# A plain decimal number, signed or not: "1998", "3.5", ".5", "-2" (commas removed first).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def sentence_numbers(tokens: Sequence[str]) -> set[float]:
    """The numbers among a sentence's tokens, as values.

    A token counts as a number when, with its commas removed, it is a plain decimal
    number: ``1998``, ``1,200`` (= 1200), ``3.5``, ``.5``, ``-2``. Comparing values makes
    ``1,200`` equal ``1200`` and ``3.50`` equal ``3.5``. Not numbers: words (``two``),
    ``nan``/``inf`` (which Python's ``float`` would accept), ``1990s``, ``5%`` (the
    tokenizer splits ``%`` off anyway), fractions (``1\\/2``) and other mixed tokens.
    """
    numbers: set[float] = set()
    for token in tokens:
        text = token.replace(",", "")
        if _NUMBER.fullmatch(text):
            numbers.add(float(text))
    return numbers


def number_features(tokens1: Sequence[str], tokens2: Sequence[str]) -> np.ndarray:
    """The three number features of Socher et al. (2011).

    With N1, N2 the sets of numbers in the two sentences (:func:`sentence_numbers`):

    0. 1 if N1 == N2: both sentences have exactly the same numbers, or neither has any;
    1. 1 if N1 == N2 and they are not empty: both have numbers and the same ones;
    2. 1 if N1 is a strict subset of N2 or N2 of N1. Taken literally, so a sentence
       without numbers paired with one that has some also gives 1 (the empty set is a
       strict subset of any other); equal sets give 0.

    Args:
        tokens1, tokens2: the two sentences' tokens.

    Returns:
        [3] float64 array of 0/1 values in the order above.
    """
    first, second = sentence_numbers(tokens1), sentence_numbers(tokens2)
    same = first == second
    return np.asarray([same, same and bool(first), first < second or second < first], dtype=np.float64)


def length_features(tokens1: Sequence[str], tokens2: Sequence[str]) -> np.ndarray:
    """Sentence-length difference (a feature of Socher et al. 2011), raw and normalised.

    Args:
        tokens1, tokens2: the two sentences' tokens (lengths n and m).

    Returns:
        [2] float64: ``|n - m|`` (the paper's feature, in tokens) and
        ``|n - m| / max(n, m)`` in [0, 1] (0 when both are empty), which does not grow
        with sentence length.
    """
    first, second = len(tokens1), len(tokens2)
    difference = abs(first - second)
    return np.asarray([difference, difference / max(first, second, 1)], dtype=np.float64)


def _node_yields(tree: Tree) -> list[tuple[str, ...]]:
    """The lower-cased word sequence under every node (words and phrases)."""
    return [tuple(word.lower() for word in node.leaves()) for node in tree.postorder()]


def overlap_features(tree1: Tree, tree2: Tree) -> np.ndarray:
    """Shares of each sentence's words and phrases that also occur in the other.

    Socher et al. (2011) add "the percentage of words and phrases in one sentence that are
    in the other sentence and vice-versa". Here a node of sentence 1 "is in" sentence 2
    when some node of sentence 2 spans the same lower-cased words; words and phrases are
    counted together, and separately for words only.

    Returns:
        [4] float64 in [0, 1]: nodes of 1 found in 2, nodes of 2 found in 1, words of 1
        found in 2, words of 2 found in 1.
    """
    first, second = _node_yields(tree1), _node_yields(tree2)
    first_set, second_set = set(first), set(second)
    words1 = [w.lower() for w in tree1.leaves()]
    words2 = [w.lower() for w in tree2.leaves()]

    def share(items: list, pool: set) -> float:
        return sum(item in pool for item in items) / len(items) if items else 0.0

    return np.asarray([share(first, second_set), share(second, first_set),
                       share(words1, set(words2)), share(words2, set(words1))], dtype=np.float64)
