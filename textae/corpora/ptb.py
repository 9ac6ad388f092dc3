"""Penn Treebank language-modelling text (Mikolov et al. 2010 preprocessing, 10k vocabulary).

Files: ``<data dir>/ptb/ptb.{train,valid,test}.txt``, one sentence per line, lower-cased,
numbers as ``N``, rare words as ``<unk>``: 42,068 / 3,370 / 3,761 sentences. Downloaded
from Mikolov's ``simple-examples.tgz`` when missing; each unpacked file is checked against
its recorded sha256 (the archive itself has no published checksum).
"""

from __future__ import annotations

import os

from textae.corpora.download import CorpusSpec, ensure_corpus

SPLITS = ("train", "valid", "test")

SPEC = CorpusSpec(
    name="ptb",
    url="http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz",
    archive_sha256=None,
    members={f"./simple-examples/data/ptb.{split}.txt": f"ptb.{split}.txt" for split in SPLITS},
    file_sha256={
        "ptb.train.txt": "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
        "ptb.valid.txt": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
        "ptb.test.txt": "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
    },
    citation="Mikolov et al. 2010; Marcus et al. 1993",
)


def load_ptb(split: str, data_dir: str | os.PathLike | None = None, *, download: bool = True) -> list[list[str]]:
    """The sentences of one split as token lists (no end-of-sentence token added)."""
    if split not in SPLITS:
        raise ValueError(f"PTB split must be one of {SPLITS}, got {split!r}")
    folder = ensure_corpus(SPEC, data_dir, download=download)
    with open(folder / f"ptb.{split}.txt", encoding="utf-8") as handle:
        return [line.split() for line in handle if line.strip()]
