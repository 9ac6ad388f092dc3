"""Small random sentiment treebanks written by the tests themselves (no corpus text)."""

from __future__ import annotations

import random

from parsers import Tree

WORDS = [f"w{i}" for i in range(30)]


def random_tree(rng: random.Random, num_leaves: int, labelled: bool = True) -> Tree:
    """A random binary tree over ``num_leaves`` words, every node labelled 0..4."""
    nodes = [Tree(str(rng.randrange(5)) if labelled else "X", (rng.choice(WORDS),)) for _ in range(num_leaves)]
    while len(nodes) > 1:
        position = rng.randrange(len(nodes) - 1)
        label = str(rng.randrange(5)) if labelled else "X"
        nodes[position : position + 2] = [Tree(label, (nodes[position], nodes[position + 1]))]
    return nodes[0]


def random_treebank(seed: int, count: int, min_leaves: int = 1, max_leaves: int = 9) -> list[Tree]:
    rng = random.Random(seed)
    return [random_tree(rng, rng.randint(min_leaves, max_leaves)) for _ in range(count)]
