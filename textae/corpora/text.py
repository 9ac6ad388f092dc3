"""Any text corpus, one sentence per line (read with ``datasets``, so large files stream from disk).

Tokens are separated by whitespace: give pre-tokenized text (as PTB's), or tokenize raw
text first with ``parsers.tokenize_text(text, split_lines=True)`` (one sentence per line
in, one per line out). Blank lines are skipped.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path


class EmptyCorpusError(ValueError):
    """A text corpus file holds no sentence, or is not UTF-8 text."""


def load_text_corpus(path: str | os.PathLike, *, lowercase: bool = False) -> list[list[str]]:
    """The sentences of a UTF-8 text file, one per line, as token lists.

    Raises:
        FileNotFoundError: no file at ``path``.
        EmptyCorpusError: the file has no non-blank line, or is not UTF-8.
    """
    import datasets

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no text corpus at {path}")
    if not _utf8_with_a_sentence(path):
        raise EmptyCorpusError(f"the text corpus {path} has no sentence (only blank lines, or empty)")
    lines = datasets.load_dataset("text", data_files=str(path), split="train", keep_in_memory=True)["text"]
    return [(line.lower() if lowercase else line).split() for line in lines if line.strip()]


def _utf8_with_a_sentence(path: Path) -> bool:
    """Whether ``path`` has a non-blank line; reads it block by block as strict UTF-8.

    Raises:
        EmptyCorpusError: a byte sequence that is not UTF-8 (named with its offset).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, found = 0, False
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as error:
                raise EmptyCorpusError(f"the text corpus {path} is not UTF-8: byte 0x{error.object[error.start]:02x} "
                                       f"near byte offset {offset + error.start} ({error.reason}); convert it first, "
                                       "e.g. iconv -f latin1 -t utf-8") from None
            found = found or bool(text.strip())
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise EmptyCorpusError(f"the text corpus {path} is not UTF-8: it ends inside a character "
                                   f"({error.reason})") from None
    return found
