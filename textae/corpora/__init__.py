"""Corpora, one file each; ``download.py`` finds, downloads and verifies their files."""

from textae.corpora.download import (
    ChecksumError,
    CorpusNotFoundError,
    CorpusSpec,
    data_root,
    ensure_corpus,
)

__all__ = ["ChecksumError", "CorpusNotFoundError", "CorpusSpec", "data_root", "ensure_corpus"]
