"""Read and write PTB-style bracketed trees (Penn Treebank ``.mrg`` files and the SST).

Both corpora use the same syntax, ``(LABEL child child ...)`` with a preterminal written
``(TAG word)``; they differ in layout and labels:

* SST: one tree per line, and every node, word-level ones included, is labelled 0-4.
* PTB/WSJ ``.mrg``: a tree may span many lines, and each sentence is wrapped in an
  unlabelled root, ``( (S ...) )``, which the reader removes.

Tokens are separated by ASCII whitespace only (space, tab, CR, LF). Other Unicode spaces stay
inside the token: three SST training words contain U+00A0, which ``str.split()`` would break.
PTB escapes such as ``-LRB-`` or ``1\\/2`` are ordinary text and are not unescaped.

The reader is a single left-to-right pass over tokens with an explicit stack of open nodes,
so it has no recursion limit. Malformed input raises a subclass of `TreeParseError` that
names the file, the 1-based line and column, and the offending text.
"""

from __future__ import annotations

import gc
import io
import os
import re
from collections.abc import Iterable, Iterator
from typing import NoReturn, TextIO

from parsers.tree import Tree

__all__ = [
    "BareWordError",
    "EmptyInputError",
    "EmptyNodeError",
    "InvalidLabelError",
    "MissingLabelError",
    "TrailingTextError",
    "TreeEncodingError",
    "TreeParseError",
    "UnbalancedBracketsError",
    "iter_trees",
    "parse_tree",
    "read_trees",
    "write_tree",
    "write_trees",
]

# One pass finds every token; `match.lastindex` says which kind it is. Whole preterminals,
# "(TAG word)", and labelled openings, "(NP", are single tokens: together they make up most
# of a treebank, and matching them in one step nearly halves the time to read a corpus.
# What is left are brackets, newlines (counted for line numbers) and lone words or labels:
# runs of anything but brackets and ASCII whitespace.
_NAME = r"[^ \t\r\n()]+"
_TOKEN = re.compile(
    rf"\(({_NAME})[ \t]+({_NAME})[ \t]*\)"  # groups 1, 2: a preterminal "(TAG word)"
    rf"|\(({_NAME})"  # group 3: "(LABEL"
    r"|(\))"  # group 4
    r"|(\()"  # group 5: a "(" followed by whitespace or a bracket
    r"|(\n)"  # group 6
    rf"|({_NAME})"  # group 7: a word, or a label that follows a lone "("
)
# Which alternative matched, as `match.lastindex` (the number of its last group) reports it.
_PRETERMINAL = 2
_OPEN_LABELLED = 3
_CLOSE = 4
_OPEN = 5
_NEWLINE = 6
_WORD = 7

# Characters that end a token when reading, so a label or word holding one cannot be written.
_UNWRITABLE = re.compile(r"[ \t\r\n()]")

_SST_LABELS = frozenset({"0", "1", "2", "3", "4"})

# How many characters of the offending text an error message quotes.
_EXCERPT_WIDTH = 30


# ---------------------------------------------------------------------- errors


class TreeParseError(ValueError):
    """Malformed tree text, with the place it was found.

    Attributes:
        reason: What is wrong, e.g. ``"unbalanced brackets: missing ')'"``.
        source: The file path, or ``"<string>"``, ``"<bytes>"``, ``"<lines>"``.
        line: 1-based line number of the offending text.
        column: 1-based column (in characters) of the offending text.
        text: A short excerpt of the input starting at the offending position.
    """

    def __init__(
        self,
        reason: str,
        source: str = "<string>",
        line: int = 1,
        column: int = 1,
        text: str = "",
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column
        self.text = text
        message = f"{source}:{line}:{column}: {reason}"
        if text:
            message += f" near '{text}'"
        ValueError.__init__(self, message)

    def __reduce__(self) -> tuple:
        # Exceptions are pickled as cls(*args); spell out every field so that an error raised
        # in a DataLoader worker process arrives intact.
        return (type(self), (self.reason, self.source, self.line, self.column, self.text))


class UnbalancedBracketsError(TreeParseError):
    """A ``(`` is never closed, or a ``)`` has no matching ``(``."""


class EmptyNodeError(TreeParseError):
    """A node with neither a word nor children: ``()`` or ``(NP)``."""


class MissingLabelError(TreeParseError):
    """A node without a label, e.g. ``((NN dog))`` below the root, or any in SST mode."""


class TrailingTextError(TreeParseError):
    """Text outside a tree: a stray word, or a second tree where only one may be."""


class BareWordError(TreeParseError):
    """A word beside child nodes, ``(NP the (NN dog))``, or two words, ``(NP the dog)``."""


class TreeEncodingError(TreeParseError):
    """Bytes that are not valid UTF-8; the position is that of the first bad byte."""


class InvalidLabelError(TreeParseError):
    """In SST mode, a label other than 0, 1, 2, 3 or 4."""


class EmptyInputError(TreeParseError):
    """The input holds no tree at all (empty, or only whitespace)."""


# ---------------------------------------------------------------------- reading


def _excerpt(chunk: str, offset: int) -> str:
    """The text from ``offset`` to the end of its line, shortened for an error message."""
    end = chunk.find("\n", offset)
    piece = chunk[offset : len(chunk) if end == -1 else end].rstrip("\r")
    if len(piece) > _EXCERPT_WIDTH:
        piece = piece[:_EXCERPT_WIDTH] + "…"
    return piece


class _OpenNode:
    """A node whose ``(`` has been read but whose ``)`` has not.

    The position of the ``(`` (and of a word, once read) is kept as plain numbers plus the
    text it came from; an error excerpt is only cut if something goes wrong.
    """

    __slots__ = (
        "children",
        "chunk",
        "column",
        "label",
        "line",
        "offset",
        "word",
        "word_chunk",
        "word_column",
        "word_line",
        "word_offset",
    )

    def __init__(self, label: str | None, line: int, column: int, chunk: str, offset: int) -> None:
        self.label = label
        self.children: list[Tree] = []
        self.word: str | None = None
        self.line = line
        self.column = column
        self.chunk = chunk
        self.offset = offset


def _describe(label: str | None) -> str:
    return "the unlabelled root" if label is None else f"node '{label}'"


def _parse(
    chunks: Iterable[tuple[str, int]],
    *,
    sst: bool,
    source: str,
    one_per_line: bool,
    single: bool,
) -> Iterator[Tree]:
    """Turn text into trees in one left-to-right pass with an explicit stack.

    Args:
        chunks: ``(text, line number of its first line)`` pairs; usually one line each.
        sst: Require a 0-4 label on every node and keep no unlabelled root.
        source: Name used in error messages.
        one_per_line: Each tree must start and end on one line, alone on that line.
        single: The input must hold exactly one tree.

    Returns:
        An iterator over the trees, in input order.
    """

    def fail(
        error_class: type[TreeParseError],
        reason: str,
        line: int,
        column: int,
        chunk: str,
        offset: int,
    ) -> NoReturn:
        raise error_class(reason, source, line, column, _excerpt(chunk, offset))

    def fail_unclosed(where: str) -> NoReturn:
        innermost = stack[-1]
        open_count = len(stack)
        plural = "s" if open_count > 1 else ""
        fail(
            UnbalancedBracketsError,
            f"unbalanced brackets: missing ')' ({open_count} bracket{plural} still open at "
            f"{where}; the innermost one opens here)",
            innermost.line,
            innermost.column,
            innermost.chunk,
            innermost.offset,
        )

    stack: list[_OpenNode] = []
    # True right after a lone '(' : the next token, if it is a word, is that node's label.
    awaiting_label = False
    trees_found = 0
    last_tree_line = 0
    last_tree_column = 0
    for chunk, first_line in chunks:
        line = first_line
        line_start = 0
        for match in _TOKEN.finditer(chunk):
            kind = match.lastindex
            if kind == _CLOSE:
                if not stack:
                    offset = match.start()
                    fail(
                        UnbalancedBracketsError,
                        "unbalanced brackets: extra ')' with no matching '('",
                        line,
                        offset - line_start + 1,
                        chunk,
                        offset,
                    )
                node = stack.pop()
                if node.word is not None:
                    tree = Tree(node.label, (node.word,))  # type: ignore[arg-type]
                elif not node.children:
                    described = "'()'" if awaiting_label else _describe(node.label)
                    fail(
                        EmptyNodeError,
                        f"empty node: {described} has no word and no children",
                        node.line,
                        node.column,
                        node.chunk,
                        node.offset,
                    )
                elif node.label is not None:
                    tree = Tree(node.label, tuple(node.children))
                elif len(node.children) == 1:
                    tree = node.children[0]  # unwrap the PTB root: ( (S ...) ) -> (S ...)
                else:
                    fail(
                        MissingLabelError,
                        f"missing label: the unlabelled root holds {len(node.children)} "
                        "trees; only a wrapper around a single tree may be unlabelled",
                        node.line,
                        node.column,
                        node.chunk,
                        node.offset,
                    )
            elif kind == _NEWLINE:
                if one_per_line and stack:
                    fail_unclosed(f"the end of line {line}")
                line += 1
                line_start = match.end()
                continue
            elif kind == _WORD:
                offset = match.start()
                token = match.group()
                if awaiting_label:
                    if sst and token not in _SST_LABELS:
                        fail(
                            InvalidLabelError,
                            f"SST label '{token}' is not one of 0, 1, 2, 3, 4",
                            line,
                            offset - line_start + 1,
                            chunk,
                            offset,
                        )
                    stack[-1].label = token
                    awaiting_label = False
                    continue
                if not stack:
                    where = (
                        f"after the tree that ends at {last_tree_line}:{last_tree_column}"
                        if trees_found
                        else "before the first tree"
                    )
                    fail(
                        TrailingTextError,
                        f"stray text '{token}' {where}",
                        line,
                        offset - line_start + 1,
                        chunk,
                        offset,
                    )
                node = stack[-1]
                if node.children:
                    reason = (
                        f"bare word '{token}' beside child nodes in {_describe(node.label)}"
                        "; give it its own (TAG word) node"
                    )
                elif node.word is not None:
                    reason = (
                        f"{_describe(node.label)} has a second word '{token}' after "
                        f"'{node.word}'; a preterminal holds exactly one word"
                    )
                else:
                    node.word = token
                    node.word_line = line
                    node.word_column = offset - line_start + 1
                    node.word_chunk = chunk
                    node.word_offset = offset
                    continue
                fail(BareWordError, reason, line, offset - line_start + 1, chunk, offset)
            else:
                # A node opens: "(TAG word)" whole, "(LABEL", or a lone "(".
                offset = match.start()
                if awaiting_label:
                    # The '(' before this one had no label. Only the PTB wrapper root may
                    # lack one: ( (S ...) ).
                    unlabelled = stack[-1]
                    if sst:
                        fail(
                            MissingLabelError,
                            "missing label: every SST node needs a label 0-4",
                            unlabelled.line,
                            unlabelled.column,
                            unlabelled.chunk,
                            unlabelled.offset,
                        )
                    if len(stack) > 1:
                        reason = "missing label: only the outermost bracket may be unlabelled"
                        if unlabelled.column == 1:
                            reason += (
                                " (if a new tree starts here, the tree opened at "
                                f"{stack[0].line}:{stack[0].column} lacks a ')')"
                            )
                        fail(
                            MissingLabelError,
                            reason,
                            unlabelled.line,
                            unlabelled.column,
                            unlabelled.chunk,
                            unlabelled.offset,
                        )
                    awaiting_label = False
                if stack:
                    parent = stack[-1]
                    if parent.word is not None:
                        fail(
                            BareWordError,
                            f"bare word '{parent.word}' beside child nodes in "
                            f"{_describe(parent.label)}; give it its own (TAG word) node",
                            parent.word_line,
                            parent.word_column,
                            parent.word_chunk,
                            parent.word_offset,
                        )
                elif trees_found and (single or (one_per_line and line == last_tree_line)):
                    fail(
                        TrailingTextError,
                        "a second tree after the tree that ends at "
                        f"{last_tree_line}:{last_tree_column}; only one tree is allowed "
                        + ("in the input" if single else "on a line"),
                        line,
                        offset - line_start + 1,
                        chunk,
                        offset,
                    )
                if kind == _OPEN:
                    stack.append(_OpenNode(None, line, offset - line_start + 1, chunk, offset))
                    awaiting_label = True
                    continue
                label = match.group(3) if kind == _OPEN_LABELLED else match.group(1)
                if sst and label not in _SST_LABELS:
                    fail(
                        InvalidLabelError,
                        f"SST label '{label}' is not one of 0, 1, 2, 3, 4",
                        line,
                        offset - line_start + 2,
                        chunk,
                        offset + 1,
                    )
                if kind == _OPEN_LABELLED:
                    stack.append(_OpenNode(label, line, offset - line_start + 1, chunk, offset))
                    continue
                tree = Tree(label, (match.group(2),))
            # A node is complete, closed by ')' or read whole as "(TAG word)".
            if stack:
                stack[-1].children.append(tree)
            else:
                trees_found += 1
                last_tree_line = line
                last_tree_column = match.end() - line_start
                yield tree
        # A chunk without a final newline (the last line of a file, or an item of a list of
        # lines) still ends its line.
        if one_per_line and stack:
            fail_unclosed(f"the end of line {line}")
    if stack:
        fail_unclosed("the end of the input")
    if not trees_found:
        raise EmptyInputError(
            "empty input: no tree found (the input is empty or only whitespace)",
            source,
            1,
            1,
            "",
        )


def _decode(raw: bytes, line: int, source: str) -> str:
    """Decode one line strictly as UTF-8, or raise `TreeEncodingError` at the bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        # Everything before the first bad byte decodes, which gives its column.
        column = len(raw[: error.start].decode("utf-8")) + 1
        rest = raw[error.start :].decode("utf-8", "backslashreplace")
        raise TreeEncodingError(
            f"undecodable byte 0x{raw[error.start]:02x}: the input is not UTF-8 ({error.reason})",
            source,
            line,
            column,
            _excerpt(rest, 0),
        ) from None


def _decode_lines(lines: Iterable[bytes], source: str) -> Iterator[tuple[str, int]]:
    """Decode the byte lines of a file, numbering them from 1."""
    for number, raw in enumerate(lines, start=1):
        text = _decode(raw, number, source)
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]  # a UTF-8 byte-order mark is not part of the first token
        yield text, number


def _read_path_lines(path: str | os.PathLike, source: str) -> Iterator[tuple[str, int]]:
    # Binary mode: decoding is done per line so that a bad byte gets a line number.
    with open(path, "rb") as handle:
        yield from _decode_lines(handle, source)


def _number_items(items: Iterable[str | bytes], source: str) -> Iterator[tuple[str, int]]:
    """Number the items of a list of lines (or an open text file)."""
    line = 1
    for item in items:
        if isinstance(item, (bytes, bytearray)):
            text = _decode(bytes(item), line, source)
        elif isinstance(item, str):
            text = item
        else:
            raise TypeError(f"{source}: expected lines of str or bytes, got {type(item).__name__}")
        yield text, line
        # An item is one line whether or not it ends with "\n"; more if it holds several.
        line += text.count("\n") + (0 if text.endswith("\n") else 1)


def _chunks_and_name(
    source: str | os.PathLike | Iterable[str] | bytes,
) -> tuple[Iterator[tuple[str, int]], str]:
    """The numbered lines of any accepted source, and the name to use in error messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = "<bytes>"
        return _decode_lines(io.BytesIO(bytes(source)), name), name
    if isinstance(source, (str, os.PathLike)):
        name = os.fsdecode(source)
        if isinstance(source, str) and source.lstrip().startswith("("):
            if not os.path.exists(source):
                raise FileNotFoundError(
                    f"read_trees takes a path, and no file is named {source[:40]!r}; "
                    "to read bracket text use parse_tree(text) or read_trees(text.splitlines())"
                )
        return _read_path_lines(source, name), name
    if isinstance(source, Iterable):
        name = getattr(source, "name", None)
        if not isinstance(name, str):
            name = "<lines>"
        return _number_items(source, name), name
    raise TypeError(
        f"read_trees expects a path, bytes, or an iterable of lines, got {type(source).__name__}"
    )


def parse_tree(text: str, *, sst: bool = False, source: str = "<string>", line: int = 1) -> Tree:
    """Parse exactly one tree from bracket text.

    Args:
        text: One tree; it may span several lines.
        sst: SST mode: every node needs a label 0-4 and no unlabelled root is removed.
        source: Name used in error messages (a file path when parsing one of its lines).
        line: Line number of the first line of ``text``, for error messages.

    Returns:
        The tree. In PTB mode an unlabelled wrapper root with one child, ``( (S ...) )``,
        is removed.

    Raises:
        TreeParseError: A subclass naming the problem, e.g. `EmptyInputError` for blank
            text or `TrailingTextError` if anything follows the first tree.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_tree expects str, got {type(text).__name__}")
    [tree] = _parse([(text, line)], sst=sst, source=source, one_per_line=False, single=True)
    return tree


def iter_trees(
    source: str | os.PathLike | Iterable[str] | bytes,
    *,
    sst: bool = False,
    one_per_line: bool | None = None,
) -> Iterator[Tree]:
    """Lazily read trees from a file, bytes, or lines.

    Args:
        source: A path (``str`` or path-like), the raw bytes of a file, or an iterable of
            lines (a list of ``str``, or an open text file). Paths and bytes are decoded as
            UTF-8 strictly. A ``str`` is always a path, never tree text.
        sst: SST mode: every node needs a label 0-4 and no unlabelled root is removed.
        one_per_line: Each line holds exactly one tree. Defaults to ``sst``. Otherwise trees
            may span lines and several may share a line (PTB ``.mrg`` layout).

    Returns:
        An iterator over the trees; the file is opened on the first ``next`` and closed at
        the end. Blank lines are skipped and CRLF line ends accepted.

    Raises:
        TreeParseError: A subclass naming the problem, the file, line and column;
            `EmptyInputError` if there is no tree at all.
        TypeError: If ``source`` is none of the accepted kinds.
    """
    chunks, name = _chunks_and_name(source)
    if one_per_line is None:
        one_per_line = sst
    return _parse(chunks, sst=sst, source=name, one_per_line=one_per_line, single=False)


def read_trees(
    source: str | os.PathLike | Iterable[str] | bytes,
    *,
    sst: bool = False,
    one_per_line: bool | None = None,
) -> list[Tree]:
    """Read every tree from a file, bytes, or lines.

    Args:
        source: A path, the raw bytes of a file, or an iterable of lines; see `iter_trees`.
        sst: SST mode: every node needs a label 0-4 and no unlabelled root is removed.
        one_per_line: Each line holds exactly one tree. Defaults to ``sst``.

    Returns:
        The trees in file order.

    Raises:
        TreeParseError: A subclass naming the problem, the file, line and column.
    """
    trees = iter_trees(source, sst=sst, one_per_line=one_per_line)
    # Building hundreds of thousands of long-lived nodes triggers the cyclic garbage
    # collector over and over, and each full collection rescans every tree built so far
    # (and the rest of the program's heap): that doubled the time to read the SST training
    # set. Trees cannot form reference cycles (they are immutable and built bottom-up), so
    # pausing the collector while reading loses nothing; its previous state is restored.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return list(trees)
    finally:
        if collector_was_enabled:
            gc.enable()


# ---------------------------------------------------------------------- writing


def _check_writable(tree: Tree) -> None:
    # A label or word holding a bracket or ASCII whitespace would be split when read back.
    for node in tree.subtrees():
        if _UNWRITABLE.search(node.label):
            raise ValueError(
                f"cannot write label {node.label!r}: it contains whitespace or a bracket"
            )
        word = node.children[0]
        if isinstance(word, str) and (not word or _UNWRITABLE.search(word)):
            raise ValueError(
                f"cannot write word {word!r} under {node.label!r}: it is empty or contains "
                "whitespace or a bracket"
            )


def write_tree(tree: Tree) -> str:
    """Write a tree as one line of bracket text.

    Args:
        tree: The tree.

    Returns:
        ``(label child child)`` with single spaces and no newline; a preterminal is
        ``(label word)``. For any line of an SST file, ``write_tree(parse_tree(line))``
        gives the line back without its line end.

    Raises:
        ValueError: If a label or word contains ASCII whitespace or a bracket, or a word is
            empty, since the text would not read back as the same tree.
    """
    _check_writable(tree)
    return tree.pformat()


def write_trees(trees: Iterable[Tree], path_or_file: str | os.PathLike | TextIO) -> None:
    """Write trees one per line, each ended by ``"\\n"``.

    Args:
        trees: The trees to write.
        path_or_file: A path, written as UTF-8 (replacing the file), or an open text file.

    Raises:
        ValueError: If a tree cannot be written; see `write_tree`.
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "w", encoding="utf-8", newline="\n") as handle:
            for tree in trees:
                handle.write(write_tree(tree) + "\n")
        return
    for tree in trees:
        path_or_file.write(write_tree(tree) + "\n")
