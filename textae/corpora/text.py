"""Any text corpus, one sentence per line (read with ``datasets``, so large files stream from disk).

Tokens are separated by whitespace: give pre-tokenized text (as PTB's), or tokenize raw
text first with ``parsers.tokenize_text(text, split_lines=True)`` (one sentence per line
in, one per line out). Blank lines are skipped.
"""

from __future__ import annotations

import codecs
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
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


def recurring_block_lines(sentences: Sequence[Sequence[str]], *, min_count: int = 3,
                          min_share: float = 0.75) -> set[tuple[str, ...]]:
    """The lines a corpus reprints as part of a recurring block: tables, boxes and standing
    footnotes, which a newspaper prints whole, issue after issue, in the same order.

    ``sentences`` are a corpus's lines in their documents' order (as :func:`load_text_corpus`
    gives them). A line is kept when it occurs at least ``min_count`` times and, in at least
    ``min_share`` of its occurrences, the same line comes right before it, or the same line
    right after it (the file's start or end counts as a neighbour too). A sentence that a
    corpus repeats in prose has other neighbours each time. In PTB's training text
    (``benchmarks/boilerplate_filter.py``) the kept lines are the money-rates box
    (``the average of interbank offered rates for dollar deposits in the london market ...``,
    ``call money N N N to N N``), the earnings-surprise table's footnotes (``the percent
    difference compares actual profit with the 30-day estimate ...``), the mortgage-yield and
    auction lines; ``terms were n't disclosed`` (its most repeated line of three words or more)
    and ``sales rose N N to $ N billion from $ N billion`` are not.

    Raises:
        ValueError: ``min_count`` below 2, or ``min_share`` outside (0, 1].
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 2:
        raise ValueError(f"min_count must be an int >= 2 (a line seen once recurs in no block), got {min_count!r}")
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share!r}")
    lines = [tuple(sentence) for sentence in sentences]
    counts = Counter(lines)
    before: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    after: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for i, line in enumerate(lines):
        if counts[line] >= min_count:
            before[line][lines[i - 1] if i > 0 else None] += 1
            after[line][lines[i + 1] if i + 1 < len(lines) else None] += 1
    return {line for line in before
            if max(*before[line].values(), *after[line].values()) >= min_share * counts[line]}


def block_spans(sentences: Sequence[Sequence[str]], lines: set[tuple[str, ...]], length: int) -> set[tuple[str, ...]]:
    """The runs of ``length`` words of ``lines`` (e.g. :func:`recurring_block_lines`) that no other
    line of ``sentences`` holds: what only the boilerplate says (``london interbank offered rates
    libor``, ``merrill lynch ready assets trust``), by which a decoder's blend of two table lines,
    or of a table line and a sentence, gives itself away.

    Raises:
        ValueError: ``length`` below 1.
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be an int >= 1 (words in a run), got {length!r}")

    def runs(line: Sequence[str]) -> set[tuple[str, ...]]:
        return {tuple(line[i:i + length]) for i in range(len(line) - length + 1)}

    inside = set().union(*(runs(line) for line in lines))
    for sentence in sentences:
        if tuple(sentence) not in lines:
            inside -= runs(sentence)
    return inside


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
