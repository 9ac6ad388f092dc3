"""MR sentence polarity v1.0 (Pang & Lee 2005): 5,331 positive and 5,331 negative snippets.

Files: ``<data dir>/mr/rt-polarity.{pos,neg}``, one lower-cased, space-tokenized sentence
per line, encoded as **cp1252** (not UTF-8). Downloaded from Cornell's
``rt-polaritydata.tar.gz`` when missing, each file checked against its recorded sha256.
Socher et al. (2011) report 10-fold cross-validation accuracy: :func:`mr_folds` gives a
fixed, class-balanced split.
"""

from __future__ import annotations

import os
import random

from textae.corpora.download import CorpusSpec, ensure_corpus

SPEC = CorpusSpec(
    name="mr",
    url="https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz",
    archive_sha256=None,
    members={"rt-polaritydata/rt-polarity.pos": "rt-polarity.pos", "rt-polaritydata/rt-polarity.neg": "rt-polarity.neg"},
    file_sha256={
        "rt-polarity.pos": "d79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4",
        "rt-polarity.neg": "4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc",
    },
    citation="Pang & Lee 2005, Seeing stars",
)


def load_mr(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> tuple[list[list[str]], list[int]]:
    """All 10,662 sentences (token lists) and labels (1 positive, 0 negative), positives first."""
    folder = ensure_corpus(SPEC, data_dir, download=download)
    sentences, labels = [], []
    for name, label in (("rt-polarity.pos", 1), ("rt-polarity.neg", 0)):
        with open(folder / name, encoding="cp1252") as handle:
            for line in handle:
                if line.strip():
                    sentences.append(line.split())
                    labels.append(label)
    return sentences, labels


def mr_folds(labels: list[int], folds: int = 10, seed: int = 0) -> list[list[int]]:
    """``folds`` disjoint lists of example indices, each with the same share of each class
    (``ValueError`` for fewer than 2 folds or more folds than examples: a fold would be empty)."""
    if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= len(labels):
        raise ValueError(f"folds must be an int between 2 and the {len(labels)} examples, got {folds!r}")
    rng = random.Random(seed)
    assignment: list[list[int]] = [[] for _ in range(folds)]
    for label in sorted(set(labels)):
        indices = [i for i, y in enumerate(labels) if y == label]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            assignment[position % folds].append(index)
    return [sorted(fold) for fold in assignment]
