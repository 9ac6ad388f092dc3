"""Stanford Sentiment Treebank (Socher et al., EMNLP 2013): 8,544 / 1,101 / 2,210 trees.

Every node carries a sentiment label 0 (very negative) .. 4 (very positive); the trees
are binary. Files: ``<data dir>/sst/{train,dev,test}.txt``, one PTB-bracketed tree per
line, as in Stanford's ``trainDevTestTrees_PTB.zip`` (downloaded and verified when
missing; see :mod:`textae.corpora.download`).
"""

from __future__ import annotations

import os

from parsers import Tree, read_trees
from textae.corpora.download import CorpusSpec, ensure_corpus

SPLITS = ("train", "dev", "test")
LABEL_NAMES = ("very negative", "negative", "neutral", "positive", "very positive")

SPEC = CorpusSpec(
    name="sst",
    url="https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
    archive_sha256="5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc",
    members={"trees/train.txt": "train.txt", "trees/dev.txt": "dev.txt", "trees/test.txt": "test.txt"},
    file_sha256={
        "train.txt": "e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7",
        "dev.txt": "0e9336aed6e4730e19f58d00a77b3f0297efdb755f7b5e598c98a05e3f97ea40",
        "test.txt": "6e54806dee95cf80cd918e7dfb3f6770f6df24bf826f289a4d1f709e1c8f6761",
    },
    citation="Socher et al. 2013, Recursive Deep Models for Semantic Compositionality Over a Sentiment Treebank",
)


def load_sst(split: str, data_dir: str | os.PathLike | None = None, *, download: bool = True) -> list[Tree]:
    """The trees of one split (``train``, ``dev`` or ``test``)."""
    if split not in SPLITS:
        raise ValueError(f"SST split must be one of {SPLITS}, got {split!r}")
    folder = ensure_corpus(SPEC, data_dir, download=download)
    return read_trees(folder / f"{split}.txt", sst=True)


def load_sst_splits(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> dict[str, list[Tree]]:
    return {split: load_sst(split, data_dir, download=download) for split in SPLITS}


def sst_dataset(data_dir: str | os.PathLike | None = None, *, download: bool = True):
    """The three splits as a ``datasets.DatasetDict`` with columns tree, label, split.

    ``tree`` is the PTB string of the tree (parse it back with ``parsers.parse_tree``),
    ``label`` its root sentiment 0..4.
    """
    import datasets

    splits = load_sst_splits(data_dir, download=download)
    return datasets.DatasetDict({
        split: datasets.Dataset.from_dict({
            "tree": [str(tree) for tree in trees],
            "label": [int(tree.label) for tree in trees],
            "split": [split] * len(trees),
        })
        for split, trees in splits.items()
    })
