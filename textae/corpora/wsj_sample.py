"""NLTK's 10% sample of the Penn Treebank WSJ section: 199 files, 3,914 bracketed trees.

Files: ``<data dir>/ptb_wsj_sample/wsj_0001.mrg`` .. ``wsj_0199.mrg``, standard PTB ``.mrg``
(function tags, ``-NONE-`` empty elements, an outer unlabelled bracket per sentence).
Downloaded when missing from the ``treebank.zip`` NLTK distributes (pinned to a commit of
``nltk/nltk_data``; the archive's sha256 is checked), keeping only ``treebank/combined/*``.
``scripts/train_parser.py --ptb-sample`` trains the labelled chart parser on it.
"""

from __future__ import annotations

import os
from pathlib import Path

from parsers.frames import VerbFrames
from textae.corpora.download import CorpusSpec, ensure_corpus

FILE_NUMBERS = range(1, 200)

SPEC = CorpusSpec(
    name="ptb_wsj_sample",
    url="https://raw.githubusercontent.com/nltk/nltk_data/5db857e6f7df11eabb5e5665836db9ec8df07e28/"
        "packages/corpora/treebank.zip",
    archive_sha256="9da92d76c3666cfb6cddeaed0f7e86b344cce0f0928a286d439e555f19c37399",
    members={f"treebank/combined/wsj_{n:04d}.mrg": f"wsj_{n:04d}.mrg" for n in FILE_NUMBERS},
    citation="Marcus et al. 1993 (Penn Treebank); the sample as distributed with NLTK (Bird et al. 2009)",
)


def wsj_sample_files(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> list[Path]:
    """The 199 ``.mrg`` files in order (downloaded and verified first when missing)."""
    folder = ensure_corpus(SPEC, data_dir, download=download)
    return [folder / name for name in SPEC.files]


def wsj_sample_verb_frames(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> VerbFrames:
    """The verbs that need a complement and the nouns that are time adjuncts, never subjects
    (:class:`parsers.frames.VerbFrames`), counted in the sample's gold trees, which keep their
    empty elements and function tags (~4 s to read on 2 CPU cores)."""
    from parsers.ptb import read_trees

    return VerbFrames.from_treebank(tree for path in wsj_sample_files(data_dir, download=download)
                                    for tree in read_trees(path))
