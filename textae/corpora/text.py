"""Any text corpus, one sentence per line (read with ``datasets``, so large files stream from disk).

Tokens are separated by whitespace: give pre-tokenized text (as PTB's), or tokenize raw
text first with ``parsers.tokenize_text(text, split_lines=True)`` (one sentence per line
in, one per line out). Blank lines are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path


class EmptyCorpusError(ValueError):
    """A text corpus file holds no sentence."""


def load_text_corpus(path: str | os.PathLike, *, lowercase: bool = False) -> list[list[str]]:
    """The sentences of a UTF-8 text file, one per line, as token lists.

    Raises:
        FileNotFoundError: no file at ``path``.
        EmptyCorpusError: the file has no non-blank line.
    """
    import datasets

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no text corpus at {path}")
    if not any(line.strip() for line in path.open(encoding="utf-8", errors="replace")):
        raise EmptyCorpusError(f"the text corpus {path} has no sentence (only blank lines, or empty)")
    lines = datasets.load_dataset("text", data_files=str(path), split="train", keep_in_memory=True)["text"]
    return [(line.lower() if lowercase else line).split() for line in lines if line.strip()]
