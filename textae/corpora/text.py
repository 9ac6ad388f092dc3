"""Any text corpus, one sentence per line (read with ``datasets``, so large files stream from disk).

Tokens are separated by whitespace: give pre-tokenized text (as PTB's), or tokenize raw
text first with ``parsers.tokenize_text``. Blank lines are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path


def load_text_corpus(path: str | os.PathLike, *, lowercase: bool = False) -> list[list[str]]:
    """The sentences of a UTF-8 text file, one per line, as token lists."""
    import datasets

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no text corpus at {path}")
    lines = datasets.load_dataset("text", data_files=str(path), split="train", keep_in_memory=True)["text"]
    return [(line.lower() if lowercase else line).split() for line in lines if line.strip()]
