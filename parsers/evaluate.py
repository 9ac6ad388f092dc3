"""EVALB-compatible constituency scoring: bracket recall, precision and F1 exactly as ``evalb``.

EVALB (Sekine & Collins 1997) is the scorer behind published PTB parsing numbers. This module
re-implements its rules so that a score computed here equals the one the C program prints:

* **One sentence per line.** The gold and test files are read line by line; a line may hold
  several top-level trees (they are read as one sentence, with no root bracket over them).
* **Words.** A preterminal ``(TAG word)`` gives one word and its tag. When ``TAG`` is a
  ``DELETE_LABEL`` (exact string), the word is removed with its tag, so the spans of later
  brackets shift left. The sentence *length* (the ``Len.`` column, and the test against
  ``CUTOFF_LEN``) counts the gold words whose tag is not a ``DELETE_LABEL_FOR_LENGTH``,
  deleted punctuation included.
* **Brackets.** Every node that is not a preterminal is a bracket, the root included; an
  unlabelled PTB wrapper ``( (S ...) )`` is a bracket whose label is empty. A bracket that
  covers no word once the deleted words are gone is dropped. Otherwise its label loses
  everything from the first ``-`` or ``=`` (``NP-SBJ-1`` and ``NP=2`` become ``NP``, a label
  that starts with ``-`` becomes empty), and the bracket is dropped when that label equals a
  ``DELETE_LABEL`` (``EQ_LABEL`` pairs count as equal here too, as in EVALB).
* **Status.** 2 (skip) when the test line is empty or has no word left; 1 (error) when the
  gold and test word counts differ (after the ``QUOTE_LABEL`` repair below) or a word differs
  (``EQ_WORD`` pairs are equal); 0 otherwise. Only status-0 sentences enter the totals.
* **Matching.** Each gold bracket, in order, takes the first unused test bracket with the same
  span and (when ``LABELED``) an equal label, so duplicates match as multisets. A test
  bracket *crosses* when some gold bracket overlaps it without nesting; each test bracket
  counts at most once. A tag is correct when the gold and test tags are equal or an
  ``EQ_LABEL`` pair (tags keep their function tags).
* **Summary.** Recall = matched / gold brackets, precision = matched / test brackets, both
  summed over valid sentences; complete match, the crossing figures and tagging accuracy
  likewise; once over all sentences and once over those of length <= ``CUTOFF_LEN``.
* **QUOTE_LABEL** (the 2006 release, used by its ``new.prm``): when the word counts differ,
  a quote-like word (``'``, ``"`` or ``/`` under a ``QUOTE_LABEL`` tag) that one side
  deleted and the other kept at the same position is put back, as EVALB's ``fix_quote`` does.
* **MAX_ERROR.** EVALB aborts at the error after ``MAX_ERROR + 1`` error sentences; here that
  raises `TooManyErrorsError`.

`format_report` writes EVALB's report. ``style="evalb"`` is what the current EVALB release
(the 2006 revision, the copy parser repositories ship) prints, byte for byte. ``"1997"`` is the
layout of the original release that wrote the distributed ``sample/sample.rsl``: no F-measure
lines, error and skip rows show the gold word count, a totals row with other column widths
whose crossing column holds the number of sentences without a crossing bracket, and a cutoff
block whose "No crossing" line repeats the all-sentences figure. Those last two points are read
off ``sample.rsl`` alone, not from that release's source; the numbers in `EvalbSummary` are
always the correct ones.

Deliberate differences from the C program, all on input it mishandles: a test line that does
not parse is a skip (EVALB reads what it can and marks an error); a gold line that does not
parse raises the reader's typed error with the file and line, as does a line of either file
that is not UTF-8 (EVALB reads bytes); the two files must have the same number of lines once
blank lines at the end of the longer one are dropped (EVALB scores the common part); EVALB's
fixed limits (200 words or brackets, 5000 bytes per line) and ``DEBUG`` output are absent; an
undefined F-measure (no bracket matched) is 0.0 in the API and is written ``-nan`` in the
report, as EVALB prints it on x86-64 Linux. As in EVALB, a blank gold line is a sentence
without words.

Example:
    >>> from parsers import parse_tree
    >>> gold = parse_tree("(S (NP (DT the) (NN cat)) (VP (VBD sat)) (. .))")
    >>> test = parse_tree("(S (DT the) (VP (NN cat) (VBD sat)) (. .))")
    >>> bracket_f1(gold, test)  # spans: recall 1/3 (S of S, NP, VP), precision 1/2 (S of S, VP)
    40.0
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.ptb import TreeEncodingError, TreeParseError, iter_trees
from parsers.tree import Tree

__all__ = [
    "EvalbInputError",
    "EvalbParams",
    "EvalbParamsError",
    "EvalbResult",
    "EvalbSentence",
    "EvalbSummary",
    "SentenceStatus",
    "TooManyErrorsError",
    "bracket_f1",
    "evaluate_files",
    "evaluate_trees",
    "format_report",
]

# Words that QUOTE_LABEL repairs may put back (EVALB's is_quote_term).
_QUOTE_WORDS = frozenset({"'", '"', "/"})

# EVALB cuts a bracket label at the first of these characters (modify_label).
_FUNCTION_TAG_START = re.compile(r"[-=]")

# A line whose first tree opens with a lone "(", the unlabelled PTB wrapper "( (S ...) )".
_WRAPPED_START = re.compile(r"[ \t\r\n]*\([ \t\r\n(]")

# What the C program prints for the F-measure 0/0 (glibc on x86-64 prints the sign of the NaN).
_UNDEFINED_F_MEASURE = "-nan"

_REPORT_STYLES = ("evalb", "1997")


# ---------------------------------------------------------------------- parameters


class EvalbParamsError(ValueError):
    """A malformed EVALB parameter file, with the place it was found.

    Attributes:
        reason: What is wrong, e.g. ``"unknown key 'LABELLED'"``.
        source: The file path, or ``"<string>"``.
        line: 1-based line number (0 when the problem is not on one line).
        text: The offending line.
    """

    def __init__(self, reason: str, source: str = "<string>", line: int = 0, text: str = "") -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.text = text
        message = f"{source}:{line}: {reason}" if line else f"{source}: {reason}"
        if text:
            message += f" (line: {text!r})"
        ValueError.__init__(self, message)

    def __reduce__(self) -> tuple:
        return (type(self), (self.reason, self.source, self.line, self.text))


# Parameter-file keys and the EvalbParams field each one sets.
_INTEGER_KEYS = {
    "DEBUG": "debug",
    "MAX_ERROR": "max_error",
    "CUTOFF_LEN": "cutoff_length",
    "LABELED": "labeled",
}
_LABEL_KEYS = {
    "DELETE_LABEL": "delete_labels",
    "DELETE_LABEL_FOR_LENGTH": "delete_labels_for_length",
    "QUOTE_LABEL": "quote_labels",
}
_PAIR_KEYS = {"EQ_LABEL": "equivalent_labels", "EQ_WORD": "equivalent_words"}
_KNOWN_KEYS = (*_INTEGER_KEYS, *_LABEL_KEYS, *_PAIR_KEYS)


@dataclass(frozen=True)
class EvalbParams:
    """The settings of an EVALB parameter (``.prm``) file.

    The defaults are EVALB's own when it runs without ``-p``: labelled, cutoff 40,
    ``MAX_ERROR`` 10, nothing deleted. Use `collins` for the usual ``COLLINS.prm``.

    Attributes:
        debug: ``DEBUG``; kept for round trips, this module prints no debug output.
        max_error: ``MAX_ERROR``; scoring stops at the error after ``max_error + 1`` errors.
        cutoff_length: ``CUTOFF_LEN``; the second summary covers sentences this long or shorter.
        labeled: ``LABELED``; False scores spans only.
        delete_labels: ``DELETE_LABEL`` values, in file order.
        delete_labels_for_length: ``DELETE_LABEL_FOR_LENGTH`` values.
        equivalent_labels: ``EQ_LABEL`` pairs (order within a pair does not matter).
        equivalent_words: ``EQ_WORD`` pairs.
        quote_labels: ``QUOTE_LABEL`` values (tags whose quote words may be put back).

    Raises:
        TypeError: If a field has the wrong type (e.g. a ``str`` where a tuple of labels goes).
        ValueError: If a label is empty or a pair does not hold exactly two strings.
    """

    debug: int = 0
    max_error: int = 10
    cutoff_length: int = 40
    labeled: bool = True
    delete_labels: tuple[str, ...] = ()
    delete_labels_for_length: tuple[str, ...] = ()
    equivalent_labels: tuple[tuple[str, str], ...] = ()
    equivalent_words: tuple[tuple[str, str], ...] = ()
    quote_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("debug", "max_error", "cutoff_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"EvalbParams.{name} must be an int, got {value!r}")
        if self.labeled not in (True, False):
            raise TypeError(f"EvalbParams.labeled must be a bool, got {self.labeled!r}")
        object.__setattr__(self, "labeled", bool(self.labeled))
        # Lists are accepted and stored as tuples so that the parameters stay hashable.
        for name in ("delete_labels", "delete_labels_for_length", "quote_labels"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(
                    f"EvalbParams.{name} must be a sequence of labels, got the str {value!r}; "
                    f"write ({value!r},)"
                )
            labels = tuple(value)
            for label in labels:
                if not isinstance(label, str) or not label:
                    raise ValueError(f"EvalbParams.{name} holds {label!r}; labels are non-empty str")
            object.__setattr__(self, name, labels)
        for name in ("equivalent_labels", "equivalent_words"):
            pairs = []
            for pair in getattr(self, name):
                pair = tuple(pair)
                if len(pair) != 2 or not all(isinstance(item, str) and item for item in pair):
                    raise ValueError(
                        f"EvalbParams.{name} holds {pair!r}; each entry is a pair of non-empty str"
                    )
                pairs.append(pair)
            object.__setattr__(self, name, tuple(pairs))

    @classmethod
    def collins(cls) -> EvalbParams:
        """The usual ``COLLINS.prm``: labelled, punctuation, traces and TOP removed.

        Returns:
            ``DELETE_LABEL`` TOP -NONE- , : `` '' . ; ``DELETE_LABEL_FOR_LENGTH`` -NONE- ;
            ``EQ_LABEL`` ADVP PRT; ``LABELED`` 1; ``CUTOFF_LEN`` 40; ``MAX_ERROR`` 10.
        """
        return cls(
            debug=0,
            max_error=10,
            cutoff_length=40,
            labeled=True,
            delete_labels=("TOP", "-NONE-", ",", ":", "``", "''", "."),
            delete_labels_for_length=("-NONE-",),
            equivalent_labels=(("ADVP", "PRT"),),
        )

    @classmethod
    def unlabeled(cls) -> EvalbParams:
        """``COLLINS.prm`` with ``LABELED 0``: spans only, the same deletions.

        Returns:
            The `collins` parameters with ``labeled=False``.
        """
        return dataclasses.replace(cls.collins(), labeled=False)

    @classmethod
    def from_text(cls, text: str, source: str = "<string>") -> EvalbParams:
        """Parse the text of a parameter file.

        Each line is ``KEY value``; lines that are blank or start with ``#`` are ignored.
        Integer keys may repeat (the last one wins, as in EVALB); list keys accumulate.

        Args:
            text: The file's text.
            source: Name used in error messages (the path when reading a file).

        Returns:
            The parameters; keys that do not appear keep EVALB's defaults.

        Raises:
            EvalbParamsError: For an unknown key, a missing or malformed value, or an
                ``EQ_LABEL``/``EQ_WORD`` line without exactly two values; it names the
                source and line.
        """
        settings: dict[str, object] = {}
        lists: dict[str, list] = {name: [] for name in (*_LABEL_KEYS.values(), *_PAIR_KEYS.values())}
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue

            def fail(reason: str, number: int = number, raw: str = raw) -> EvalbParamsError:
                return EvalbParamsError(reason, source, number, raw.rstrip("\r\n"))

            key, *rest = line.split(None, 1)
            value = rest[0].strip() if rest else ""
            if key not in _KNOWN_KEYS:
                raise fail(f"unknown key {key!r}; known keys are {', '.join(_KNOWN_KEYS)}")
            if not value:
                raise fail(f"{key} has no value")
            values = value.split()
            if key in _INTEGER_KEYS:
                try:
                    number_value = int(value)
                except ValueError:
                    raise fail(f"{key} takes an integer, got {value!r}") from None
                if key == "LABELED":
                    if number_value not in (0, 1):
                        raise fail(f"LABELED takes 0 (unlabelled) or 1 (labelled), got {value!r}")
                    settings[_INTEGER_KEYS[key]] = bool(number_value)
                else:
                    settings[_INTEGER_KEYS[key]] = number_value
            elif key in _LABEL_KEYS:
                if len(values) != 1:
                    raise fail(f"{key} takes one label per line, got {len(values)}: {value!r}")
                lists[_LABEL_KEYS[key]].append(value)
            else:
                if len(values) != 2:
                    raise fail(f"{key} takes two values, got {len(values)}: {value!r}")
                lists[_PAIR_KEYS[key]].append((values[0], values[1]))
        return cls(**settings, **{name: tuple(items) for name, items in lists.items()})

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> EvalbParams:
        """Read an EVALB parameter file (``COLLINS.prm``, ``new.prm``, ...).

        Args:
            path: The file.

        Returns:
            The parameters.

        Raises:
            OSError: If the file cannot be read (``FileNotFoundError`` when it is missing).
            EvalbParamsError: If it is not UTF-8 text or a line is malformed; see `from_text`.
        """
        source = os.fspath(path)
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise EvalbParamsError(f"not UTF-8 text ({error.reason})", source, line) from None
        return cls.from_text(text, source=source)

    def to_text(self) -> str:
        """Write the parameters in EVALB's file syntax.

        Returns:
            One ``KEY value`` line per setting, ending with a newline; `from_text` reads it
            back to equal parameters.
        """
        lines = [
            f"DEBUG {self.debug}",
            f"MAX_ERROR {self.max_error}",
            f"CUTOFF_LEN {self.cutoff_length}",
            f"LABELED {int(self.labeled)}",
        ]
        lines += [f"DELETE_LABEL {label}" for label in self.delete_labels]
        lines += [f"DELETE_LABEL_FOR_LENGTH {label}" for label in self.delete_labels_for_length]
        lines += [f"QUOTE_LABEL {label}" for label in self.quote_labels]
        lines += [f"EQ_LABEL {first} {second}" for first, second in self.equivalent_labels]
        lines += [f"EQ_WORD {first} {second}" for first, second in self.equivalent_words]
        return "\n".join(lines) + "\n"


class _Equivalence:
    """EVALB's equality of labels (``EQ_LABEL``) or words (``EQ_WORD``).

    Two strings are equal when they are identical or form a listed pair, in either order.
    Like EVALB this is not transitive: with pairs (A, B) and (B, C), A and C still differ.
    """

    __slots__ = ("_pairs",)

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._pairs = frozenset(pairs) | frozenset((second, first) for first, second in pairs)

    def same(self, first: str, second: str) -> bool:
        return first == second or (first, second) in self._pairs


# ---------------------------------------------------------------------- results


class SentenceStatus(enum.IntEnum):
    """EVALB's per-sentence status: 0 scored, 1 error (words differ), 2 skipped."""

    OK = 0
    ERROR = 1
    SKIP = 2


def _percent(part: int, whole: int) -> float:
    # EVALB prints 0.00 rather than dividing by zero.
    return 100.0 * part / whole if whole > 0 else 0.0


@dataclass(frozen=True)
class EvalbSentence:
    """One row of EVALB's per-sentence table.

    Attributes:
        id: 1-based sentence number (the line number in the files).
        length: The ``Len.`` column: gold words not tagged with a ``DELETE_LABEL_FOR_LENGTH``.
        status: OK, ERROR or SKIP.
        matched: Matched brackets.
        gold_brackets: Gold brackets scored (after deletions).
        test_brackets: Test brackets scored.
        crossing: Test brackets that cross a gold bracket.
        words: Words scored; 0 unless the status is OK, as EVALB prints it.
        correct_tags: Words whose test tag equals the gold tag.
        gold_words: Gold words left after ``DELETE_LABEL``, whatever the status.
        message: Why the sentence is an error or a skip; empty when OK.
    """

    id: int
    length: int
    status: SentenceStatus
    matched: int = 0
    gold_brackets: int = 0
    test_brackets: int = 0
    crossing: int = 0
    words: int = 0
    correct_tags: int = 0
    gold_words: int = 0
    message: str = ""

    @property
    def recall(self) -> float:
        """Matched / gold brackets, in percent (0.0 without gold brackets)."""
        return _percent(self.matched, self.gold_brackets)

    @property
    def precision(self) -> float:
        """Matched / test brackets, in percent (0.0 without test brackets)."""
        return _percent(self.matched, self.test_brackets)

    @property
    def tagging_accuracy(self) -> float:
        """Correct tags / words, in percent (0.0 without words)."""
        return _percent(self.correct_tags, self.words)


@dataclass(frozen=True)
class EvalbSummary:
    """One of EVALB's summary blocks (``-- All --`` or ``-- len<=40 --``).

    Every count except the first three covers the valid (status 0) sentences only. The
    percentages are properties, unrounded; the report rounds them to two decimals.

    Attributes:
        sentences: Sentences in the block.
        error_sentences: Sentences with status 1.
        skipped_sentences: Sentences with status 2.
        matched_brackets: Matched brackets, summed.
        gold_brackets: Gold brackets, summed.
        test_brackets: Test brackets, summed.
        crossing: Crossing brackets, summed.
        complete_match_sentences: Sentences with matched = gold = test brackets.
        no_crossing_sentences: Sentences without a crossing bracket.
        two_or_less_crossing_sentences: Sentences with at most two crossing brackets.
        words: Words, summed.
        correct_tags: Correct tags, summed.
    """

    sentences: int = 0
    error_sentences: int = 0
    skipped_sentences: int = 0
    matched_brackets: int = 0
    gold_brackets: int = 0
    test_brackets: int = 0
    crossing: int = 0
    complete_match_sentences: int = 0
    no_crossing_sentences: int = 0
    two_or_less_crossing_sentences: int = 0
    words: int = 0
    correct_tags: int = 0

    @classmethod
    def from_sentences(cls, rows: Sequence[EvalbSentence]) -> EvalbSummary:
        """Add up sentence rows the way EVALB's totals do.

        Args:
            rows: The sentences of the block.

        Returns:
            The summary; only status-0 rows contribute brackets, words and tags.
        """
        valid = [row for row in rows if row.status == SentenceStatus.OK]
        return cls(
            sentences=len(rows),
            error_sentences=sum(row.status == SentenceStatus.ERROR for row in rows),
            skipped_sentences=sum(row.status == SentenceStatus.SKIP for row in rows),
            matched_brackets=sum(row.matched for row in valid),
            gold_brackets=sum(row.gold_brackets for row in valid),
            test_brackets=sum(row.test_brackets for row in valid),
            crossing=sum(row.crossing for row in valid),
            complete_match_sentences=sum(
                row.matched == row.gold_brackets == row.test_brackets for row in valid
            ),
            no_crossing_sentences=sum(row.crossing == 0 for row in valid),
            two_or_less_crossing_sentences=sum(row.crossing <= 2 for row in valid),
            words=sum(row.words for row in valid),
            correct_tags=sum(row.correct_tags for row in valid),
        )

    @property
    def valid_sentences(self) -> int:
        """Sentences that are neither errors nor skipped."""
        return self.sentences - self.error_sentences - self.skipped_sentences

    @property
    def recall(self) -> float:
        """Bracketing recall in percent."""
        return _percent(self.matched_brackets, self.gold_brackets)

    @property
    def precision(self) -> float:
        """Bracketing precision in percent."""
        return _percent(self.matched_brackets, self.test_brackets)

    @property
    def f1(self) -> float:
        """Harmonic mean of recall and precision in percent (0.0 when both are 0)."""
        recall, precision = self.recall, self.precision
        if recall + precision == 0:
            return 0.0
        # EVALB's operation order, so that the rounded figure is the same.
        return 2 * precision * recall / (precision + recall)

    @property
    def complete_match(self) -> float:
        """Percent of valid sentences whose brackets all match."""
        return _percent(self.complete_match_sentences, self.valid_sentences)

    @property
    def average_crossing(self) -> float:
        """Crossing brackets per valid sentence."""
        valid = self.valid_sentences
        return 1.0 * self.crossing / valid if valid > 0 else 0.0

    @property
    def no_crossing(self) -> float:
        """Percent of valid sentences without a crossing bracket."""
        return _percent(self.no_crossing_sentences, self.valid_sentences)

    @property
    def two_or_less_crossing(self) -> float:
        """Percent of valid sentences with at most two crossing brackets."""
        return _percent(self.two_or_less_crossing_sentences, self.valid_sentences)

    @property
    def tagging_accuracy(self) -> float:
        """Percent of words with the correct tag."""
        return _percent(self.correct_tags, self.words)

    def as_dict(self) -> dict[str, int | float]:
        """The counts and the percentages as one flat dict (for JSON).

        Returns:
            Every field, ``valid_sentences``, and the unrounded percentages.
        """
        values: dict[str, int | float] = dataclasses.asdict(self)
        for name in (
            "valid_sentences",
            "recall",
            "precision",
            "f1",
            "complete_match",
            "average_crossing",
            "no_crossing",
            "two_or_less_crossing",
            "tagging_accuracy",
        ):
            values[name] = getattr(self, name)
        return values


@dataclass(frozen=True)
class EvalbResult:
    """Everything EVALB reports for a pair of files or tree lists.

    Attributes:
        sentences: One row per sentence, in order.
        summary_all: Totals over all sentences.
        summary_cutoff: Totals over sentences of length <= ``params.cutoff_length``.
        params: The parameters used.
    """

    sentences: tuple[EvalbSentence, ...]
    summary_all: EvalbSummary
    summary_cutoff: EvalbSummary
    params: EvalbParams


class EvalbInputError(ValueError):
    """Gold and test inputs that cannot be paired (different numbers of sentences, bad items),
    or a `bracket_f1` sentence whose words differ."""


class TooManyErrorsError(EvalbInputError):
    """More error sentences than EVALB tolerates (``MAX_ERROR + 1``); EVALB stops here.

    Attributes:
        sentence_id: The sentence whose error stopped the scoring.
        errors: Error sentences so far, that one included.
        max_error: The ``MAX_ERROR`` in force.
    """

    def __init__(self, message: str, sentence_id: int = 0, errors: int = 0, max_error: int = 0) -> None:
        self.sentence_id = sentence_id
        self.errors = errors
        self.max_error = max_error
        EvalbInputError.__init__(self, message)

    def __reduce__(self) -> tuple:
        return (type(self), (self.args[0], self.sentence_id, self.errors, self.max_error))


# ---------------------------------------------------------------------- one sentence


@dataclass
class _QuoteTerm:
    """A quote-like word under a QUOTE_LABEL tag, recorded whether or not it was deleted."""

    word: str
    tag: str
    index: int  # words kept before it; moved on by reinsertions, as EVALB's counter is
    first_later_bracket: int  # brackets opened before it, i.e. the first bracket after it
    open_brackets: tuple[int, ...]  # brackets that contain it


class _Reading:
    """One side of a sentence as EVALB reads a line: kept words, brackets, length."""

    __slots__ = ("ends", "labels", "length", "quote_terms", "starts", "tags", "words")

    def __init__(self, trees: Sequence[Tree], params: EvalbParams) -> None:
        self.words: list[str] = []
        self.tags: list[str] = []
        # Brackets in pre-order (the order their "(" appears), as word intervals.
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.labels: list[str] = []
        self.length = 0
        self.quote_terms: list[_QuoteTerm] = []
        deleted = params.delete_labels
        not_counted = params.delete_labels_for_length
        quote_labels = params.quote_labels
        open_brackets: list[int] = []
        # An int on the stack closes the bracket with that index; an explicit stack, because
        # parser output can be far deeper than Python's recursion limit.
        stack: list[Tree | int] = list(reversed(trees))
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                self.ends[item] = len(self.words)
                open_brackets.pop()
                continue
            word = item.children[0]
            if isinstance(word, str):
                tag = item.label
                if tag not in not_counted:
                    self.length += 1
                if tag in quote_labels and word in _QUOTE_WORDS:
                    self.quote_terms.append(
                        _QuoteTerm(word, tag, len(self.words), len(self.labels), tuple(open_brackets))
                    )
                if tag in deleted:
                    continue
                self.words.append(word)
                self.tags.append(tag)
                continue
            bracket = len(self.labels)
            self.starts.append(len(self.words))
            self.ends.append(-1)
            self.labels.append(item.label)
            open_brackets.append(bracket)
            stack.append(bracket)
            stack.extend(reversed(item.children))

    def reinsert(self, term: _QuoteTerm) -> None:
        """Put a deleted quote word back at its index, widening and shifting brackets."""
        self.words.insert(term.index, term.word)
        self.tags.insert(term.index, term.tag)
        for bracket in range(term.first_later_bracket, len(self.labels)):
            self.starts[bracket] += 1
            self.ends[bracket] += 1
        for bracket in term.open_brackets:
            self.ends[bracket] += 1

    def scored_brackets(self, deleted_labels: frozenset[str]) -> list[tuple[int, int, str]]:
        """The brackets EVALB scores: non-empty, function tags cut, DELETE_LABEL dropped."""
        brackets = []
        for start, end, label in zip(self.starts, self.ends, self.labels, strict=True):
            if start == end:
                continue  # it covered deleted words only
            cut = _FUNCTION_TAG_START.search(label)
            if cut is not None:
                label = label[: cut.start()]
            if label not in deleted_labels:
                brackets.append((start, end, label))
        return brackets


def _fix_quotes(gold: _Reading, test: _Reading, deleted: tuple[str, ...]) -> None:
    """EVALB's ``fix_quote``: put back quote words that only one side deleted.

    A test quote term and a gold quote term at the same index but with different tags, one
    of them a DELETE_LABEL and the other not, make the deleted one come back. The loop is
    EVALB's, quirks included (indices move as words are put back).
    """
    for test_position, test_term in enumerate(test.quote_terms):
        index = test_term.index
        for gold_position, gold_term in enumerate(gold.quote_terms):
            if gold_term.index != index or gold_term.tag == test_term.tag:
                continue
            if gold_term.tag in deleted and test_term.tag not in deleted:
                gold.reinsert(gold_term)
                for later in gold.quote_terms[gold_position:]:
                    later.index += 1
            elif test_term.tag in deleted and gold_term.tag not in deleted:
                test.reinsert(test_term)
                for later in test.quote_terms[test_position:]:
                    later.index += 1


def _count_matches(
    gold: list[tuple[int, int, str]],
    test: list[tuple[int, int, str]],
    labeled: bool,
    labels: _Equivalence,
) -> int:
    """Each gold bracket in order takes the first unused test bracket that equals it."""
    unused: dict[tuple[int, int], list[str | None]] = {}
    for start, end, label in test:
        unused.setdefault((start, end), []).append(label)
    matched = 0
    for start, end, label in gold:
        candidates = unused.get((start, end))
        if not candidates:
            continue
        for position, candidate in enumerate(candidates):
            if candidate is not None and (not labeled or labels.same(label, candidate)):
                candidates[position] = None
                matched += 1
                break
    return matched


def _count_crossing(
    gold: list[tuple[int, int, str]], test: list[tuple[int, int, str]], num_words: int
) -> int:
    """Test brackets that overlap some gold bracket without either containing the other."""
    # Gold (a, b) crosses test (s, e) when s < a < e < b or a < s < b < e. So it is enough to
    # know, for each inner position, the farthest end of a gold bracket starting there and
    # the nearest start of one ending there; this avoids comparing every pair of brackets.
    farthest_end = [-1] * (num_words + 1)
    nearest_start = [num_words + 1] * (num_words + 1)
    for start, end, _ in gold:
        farthest_end[start] = max(farthest_end[start], end)
        nearest_start[end] = min(nearest_start[end], start)
    crossing = 0
    for start, end, _ in test:
        if end - start < 2:
            continue  # no position strictly inside
        if (
            max(farthest_end[start + 1 : end]) > end
            or min(nearest_start[start + 1 : end]) < start
        ):
            crossing += 1
    return crossing


def _score_sentence(
    sentence_id: int,
    gold_trees: Sequence[Tree],
    test_trees: Sequence[Tree] | None,
    skip_reason: str,
    params: EvalbParams,
    labels: _Equivalence,
    words: _Equivalence,
    deleted_bracket_labels: frozenset[str],
) -> EvalbSentence:
    """Score one sentence; ``test_trees`` is None for a test line that is empty or unreadable."""
    gold = _Reading(gold_trees, params)
    gold_words = len(gold.words)
    row = dict(id=sentence_id, length=gold.length, gold_words=gold_words)
    test = None if test_trees is None else _Reading(test_trees, params)
    if test is None or not test.words:
        reason = skip_reason or "the test tree has no word left after DELETE_LABEL"
        return EvalbSentence(status=SentenceStatus.SKIP, message=reason, **row)
    if len(gold.words) != len(test.words) and params.quote_labels:
        _fix_quotes(gold, test, params.delete_labels)
    if len(gold.words) != len(test.words):
        return EvalbSentence(
            status=SentenceStatus.ERROR,
            message=f"length unmatch ({len(gold.words)}|{len(test.words)})",
            **row,
        )
    for position, (gold_word, test_word) in enumerate(zip(gold.words, test.words, strict=True)):
        if not words.same(gold_word, test_word):
            return EvalbSentence(
                status=SentenceStatus.ERROR,
                message=f"words unmatch ({gold_word}|{test_word}) at word {position + 1}",
                **row,
            )
    gold_brackets = gold.scored_brackets(deleted_bracket_labels)
    test_brackets = test.scored_brackets(deleted_bracket_labels)
    return EvalbSentence(
        status=SentenceStatus.OK,
        matched=_count_matches(gold_brackets, test_brackets, params.labeled, labels),
        gold_brackets=len(gold_brackets),
        test_brackets=len(test_brackets),
        crossing=_count_crossing(gold_brackets, test_brackets, len(gold.words)),
        words=len(gold.words),
        correct_tags=sum(
            labels.same(gold_tag, test_tag)
            for gold_tag, test_tag in zip(gold.tags, test.tags, strict=True)
        ),
        **row,
    )


def _evaluate(
    gold: Sequence[Sequence[Tree]],
    test: Sequence[Sequence[Tree] | None],
    skip_reasons: Sequence[str],
    params: EvalbParams,
) -> EvalbResult:
    """Score aligned sentences (each a sequence of top-level trees) and add them up."""
    labels = _Equivalence(params.equivalent_labels)
    words = _Equivalence(params.equivalent_words)
    # EVALB compares a bracket label with each DELETE_LABEL through EQ_LABEL, so a label
    # paired with a deleted one is deleted too.
    deleted_bracket_labels = frozenset(params.delete_labels) | frozenset(
        label
        for label in {item for pair in params.equivalent_labels for item in pair}
        if any(labels.same(label, deleted) for deleted in params.delete_labels)
    )
    rows = []
    errors = 0
    for index, (gold_trees, test_trees) in enumerate(zip(gold, test, strict=True)):
        row = _score_sentence(
            index + 1,
            gold_trees,
            test_trees,
            skip_reasons[index],
            params,
            labels,
            words,
            deleted_bracket_labels,
        )
        if row.status == SentenceStatus.ERROR:
            errors += 1
            # EVALB checks the error count before adding this error to it.
            if errors - 1 > params.max_error:
                raise TooManyErrorsError(
                    f"sentence {row.id}: {row.message}; that is error {errors}, and EVALB stops "
                    f"after MAX_ERROR + 1 = {params.max_error + 1} errors (raise MAX_ERROR to "
                    "score the rest)",
                    row.id,
                    errors,
                    params.max_error,
                )
        rows.append(row)
    cutoff_rows = [row for row in rows if row.length <= params.cutoff_length]
    return EvalbResult(
        sentences=tuple(rows),
        summary_all=EvalbSummary.from_sentences(rows),
        summary_cutoff=EvalbSummary.from_sentences(cutoff_rows),
        params=params,
    )


# ---------------------------------------------------------------------- public entry points


def _check_params(params: object, caller: str) -> EvalbParams:
    """``params``, or `EvalbParams.collins` for None; a ``TypeError`` for anything else that is
    not an `EvalbParams` (``EvalbParams.collins`` without its parentheses, a name such as "collins")."""
    if params is None:
        return EvalbParams.collins()
    if not isinstance(params, EvalbParams):
        hint = " (call it: EvalbParams.collins())" if callable(params) else ""
        raise TypeError(f"{caller}: params must be an EvalbParams (e.g. EvalbParams.collins(), "
                        f"EvalbParams.from_file(path)), got {type(params).__name__} {params!r}{hint}")
    return params


def evaluate_trees(
    gold: Tree | Sequence[Tree],
    test: Tree | Sequence[Tree | None],
    params: EvalbParams | None = None,
) -> EvalbResult:
    """Score test trees against gold trees the way EVALB scores two files.

    Args:
        gold: The gold trees, one per sentence (a single `Tree` is one sentence).
        test: The test trees, aligned with ``gold`` (a single `Tree` with a single gold
            tree); None marks a sentence the parser did not produce (scored as a skip,
            like an empty line).
        params: The EVALB settings; default `EvalbParams.collins`.

    Returns:
        The per-sentence rows and both summaries.

    Raises:
        EvalbInputError: If the two sequences differ in length.
        TooManyErrorsError: If there are more error sentences than ``params.max_error + 1``.
        TypeError: If an item is not a `Tree` (or None in ``test``), or ``params`` is not an
            `EvalbParams`.
    """
    params = _check_params(params, "evaluate_trees()")
    gold = [gold] if isinstance(gold, Tree) else list(gold)
    test = [test] if isinstance(test, Tree) else list(test)
    if len(gold) != len(test):
        raise EvalbInputError(f"{len(gold)} gold trees but {len(test)} test trees; they must pair up")
    for index, tree in enumerate(gold):
        if not isinstance(tree, Tree):
            raise TypeError(f"gold[{index}] must be a Tree, got {type(tree).__name__}")
    for index, tree in enumerate(test):
        if tree is not None and not isinstance(tree, Tree):
            raise TypeError(f"test[{index}] must be a Tree or None, got {type(tree).__name__}")
    return _evaluate(
        [(tree,) for tree in gold],
        [None if tree is None else (tree,) for tree in test],
        ["no test tree (None)" if tree is None else "" for tree in test],
        params,
    )


def bracket_f1(
    gold: Tree | Sequence[Tree],
    test: Tree | Sequence[Tree],
    labeled: bool = False,
    *,
    params: EvalbParams | None = None,
) -> float:
    """Corpus-level EVALB bracket F1 in percent, for trees with the same words.

    Works on any labels (SST's 0-4, "X", ...). ``MAX_ERROR`` does not apply: a sentence
    whose words differ raises instead of being left out of the score.

    Args:
        gold: A gold tree, or a sequence of them.
        test: The test tree(s), aligned with ``gold``.
        labeled: Compare labels too; otherwise spans only.
        params: Deletions and equivalences to use (``labeled`` overrides its ``LABELED``);
            default `EvalbParams.collins`.

    Returns:
        The F-measure over all sentences, 0.0 when nothing matched.

    Raises:
        EvalbInputError: If the sequences differ in length or a sentence's words differ.
    """
    gold_trees = [gold] if isinstance(gold, Tree) else list(gold)
    test_trees = [test] if isinstance(test, Tree) else list(test)
    settings = dataclasses.replace(
        _check_params(params, "bracket_f1()"), labeled=labeled, max_error=len(gold_trees)
    )
    result = evaluate_trees(gold_trees, test_trees, settings)
    for row in result.sentences:
        # A skip whose gold has no word either (a punctuation-only sentence) scores nothing.
        if row.status == SentenceStatus.ERROR or (
            row.status == SentenceStatus.SKIP and row.gold_words
        ):
            raise EvalbInputError(f"bracket_f1: sentence {row.id} cannot be scored: {row.message}")
    return result.summary_all.f1


def _read_lines(path: str | os.PathLike) -> list[bytes]:
    """The lines of a file as ``fgets`` sees them: a final newline does not start a line."""
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def _pair_line_counts(
    gold_lines: list[bytes], test_lines: list[bytes], gold_source: str, test_source: str
) -> None:
    """Drop blank lines at the end of the longer file until the counts agree, or raise."""
    longer = gold_lines if len(gold_lines) > len(test_lines) else test_lines
    shorter_count = min(len(gold_lines), len(test_lines))
    while len(longer) > shorter_count and not longer[-1].strip():
        longer.pop()
    if len(gold_lines) != len(test_lines):
        raise EvalbInputError(
            f"{gold_source} has {len(gold_lines)} lines but {test_source} has "
            f"{len(test_lines)}; EVALB pairs them line by line"
        )


def _decode_line(raw: bytes, source: str, number: int) -> str:
    """Decode one line as UTF-8, or raise the reader's `TreeEncodingError` at the bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        column = len(raw[: error.start].decode("utf-8")) + 1
        raise TreeEncodingError(
            f"undecodable byte 0x{raw[error.start]:02x}: the input is not UTF-8 ({error.reason})",
            source,
            number,
            column,
        ) from None
    if number == 1 and text.startswith("\ufeff"):
        text = text[1:]
    return text


def _parse_line(text: str, source: str, number: int) -> tuple[Tree, ...]:
    """The top-level trees of one line, with unlabelled PTB wrappers kept as "" brackets."""
    if not text.strip():
        return ()
    try:
        trees = list(iter_trees([text]))
    except TreeParseError as error:
        # The reader numbers the one-line input from 1; give the error the real place.
        raise type(error)(error.reason, source, number, error.column, error.text) from None
    # The reader drops the unlabelled wrapper of "( (S ...) )", but EVALB counts it as a
    # bracket labelled "": find which top-level trees opened with a lone "(".
    if len(trees) == 1:
        wrapped = [_WRAPPED_START.match(text) is not None]
    else:
        wrapped = []
        depth = 0
        for position, char in enumerate(text):
            if char == "(":
                if depth == 0:
                    following = text[position + 1 : position + 2]
                    wrapped.append(following in ("", " ", "\t", "\r", "\n", "("))
                depth += 1
            elif char == ")":
                depth -= 1
    return tuple(Tree("", (tree,)) if wrap else tree for tree, wrap in zip(trees, wrapped, strict=True))


def evaluate_files(
    gold_path: str | os.PathLike,
    test_path: str | os.PathLike,
    params: EvalbParams | None = None,
) -> EvalbResult:
    """Score a test file against a gold file, one tree (sentence) per line, like ``evalb``.

    Args:
        gold_path: Gold trees, one per line (a blank line is a sentence without words).
        test_path: Test trees, one per line; an empty line or one that does not parse is a
            skip (status 2); one that is not UTF-8 is an error, as in the gold file.
        params: The EVALB settings; default `EvalbParams.collins`.

    Returns:
        The per-sentence rows and both summaries.

    Raises:
        OSError: If a file cannot be read.
        TreeParseError: A subclass naming the file, line and column, if a gold line is
            malformed, or a gold or test line is not UTF-8 (``TreeEncodingError``).
        EvalbInputError: If the files have different numbers of lines (blank lines at the
            end of the longer one are ignored).
        TooManyErrorsError: If there are more error sentences than ``params.max_error + 1``.
        TypeError: If ``params`` is not an `EvalbParams`.
    """
    params = _check_params(params, "evaluate_files()")
    gold_source, test_source = os.fspath(gold_path), os.fspath(test_path)
    gold_lines = _read_lines(gold_path)
    test_lines = _read_lines(test_path)
    _pair_line_counts(gold_lines, test_lines, gold_source, test_source)
    gold = [
        _parse_line(_decode_line(raw, gold_source, number), gold_source, number)
        for number, raw in enumerate(gold_lines, start=1)
    ]
    test: list[tuple[Tree, ...] | None] = []
    skip_reasons = []
    for number, raw in enumerate(test_lines, start=1):
        text = _decode_line(raw, test_source, number)  # not UTF-8 is an error, as in the gold file, not a skip
        try:
            trees = _parse_line(text, test_source, number)
        except TreeParseError as error:
            test.append(None)
            skip_reasons.append(f"the test line does not parse: {error}")
            continue
        test.append(trees or None)
        skip_reasons.append("" if trees else "empty test line")
    return _evaluate(gold, test, skip_reasons, params)


# ---------------------------------------------------------------------- the report

_HEADER = (
    "  Sent.                        Matched  Bracket   Cross        Correct Tag\n"
    " ID  Len.  Stat. Recal  Prec.  Bracket gold test Bracket Words  Tags Accracy\n"
)
_RULE = "=" * 76 + "\n"


def _format_row(row: EvalbSentence, style: str) -> str:
    # The 1997 release printed the gold word count for error and skip rows too.
    words = row.gold_words if style == "1997" and row.status != SentenceStatus.OK else row.words
    accuracy = _percent(row.correct_tags, words)
    # Field widths are EVALB's printf formats: "%4d  %3d    %d  %6.2f %6.2f   %3d ...".
    return (
        f"{row.id:4d}  {row.length:3d}    {row.status:d}  "
        f"{row.recall:6.2f} {row.precision:6.2f}   {row.matched:3d}    "
        f"{row.gold_brackets:3d}  {row.test_brackets:3d}    {row.crossing:3d}"
        f"   {words:4d}  {row.correct_tags:4d}   {accuracy:6.2f}\n"
    )


def _format_totals(summary: EvalbSummary, style: str) -> str:
    line = ""
    # EVALB leaves out the bracket half of the totals row when a side has no bracket.
    if summary.gold_brackets > 0 and summary.test_brackets > 0:
        line = f"                {summary.recall:6.2f} {summary.precision:6.2f} "
        if style == "1997":
            line += (
                f"{summary.matched_brackets:6d} {summary.gold_brackets:6d} "
                f"{summary.test_brackets:4d}  {summary.no_crossing_sentences:5d}"
            )
        else:
            line += (
                f"{summary.matched_brackets:6d} {summary.gold_brackets:5d} "
                f"{summary.test_brackets:5d}  {summary.crossing:5d}"
            )
    line += f"  {summary.words:5d} {summary.correct_tags:5d}   {summary.tagging_accuracy:6.2f}\n"
    return line


def _format_block(title: str, summary: EvalbSummary, style: str, no_crossing: float) -> str:
    lines = [
        f"-- {title} --",
        f"Number of sentence        = {summary.sentences:6d}",
        f"Number of Error sentence  = {summary.error_sentences:6d}",
        f"Number of Skip  sentence  = {summary.skipped_sentences:6d}",
        f"Number of Valid sentence  = {summary.valid_sentences:6d}",
        f"Bracketing Recall         = {summary.recall:6.2f}",
        f"Bracketing Precision      = {summary.precision:6.2f}",
    ]
    if style == "evalb":
        if summary.recall + summary.precision == 0:
            lines.append(f"Bracketing FMeasure       = {_UNDEFINED_F_MEASURE:>6}")
        else:
            lines.append(f"Bracketing FMeasure       = {summary.f1:6.2f}")
    lines += [
        f"Complete match            = {summary.complete_match:6.2f}",
        f"Average crossing          = {summary.average_crossing:6.2f}",
        f"No crossing               = {no_crossing:6.2f}",
        f"2 or less crossing        = {summary.two_or_less_crossing:6.2f}",
        f"Tagging accuracy          = {summary.tagging_accuracy:6.2f}",
    ]
    return "\n".join(lines) + "\n"


def format_report(result: EvalbResult, style: str = "evalb") -> str:
    """Write EVALB's report: the per-sentence table, the totals row and both summaries.

    Args:
        result: What `evaluate_files` or `evaluate_trees` returned.
        style: ``"evalb"``: exactly what the current EVALB release prints (with the
            ``Bracketing FMeasure`` lines). ``"1997"``: the original release's layout, in
            which the distributed ``sample.rsl`` is written; see the module docstring.

    Returns:
        The report text, ending with a newline.

    Raises:
        ValueError: If ``style`` is unknown.
    """
    if style not in _REPORT_STYLES:
        raise ValueError(f"style must be one of {', '.join(_REPORT_STYLES)}; got {style!r}")
    all_sentences, cutoff = result.summary_all, result.summary_cutoff
    # Read off sample.rsl: the 1997 cutoff block repeats the all-sentences "No crossing".
    cutoff_no_crossing = all_sentences.no_crossing if style == "1997" else cutoff.no_crossing
    parts = [_HEADER, _RULE]
    parts += [_format_row(row, style) for row in result.sentences]
    parts += [_RULE, _format_totals(all_sentences, style), "=== Summary ===\n", "\n"]
    parts.append(_format_block("All", all_sentences, style, all_sentences.no_crossing))
    parts.append("\n")
    parts.append(
        _format_block(f"len<={result.params.cutoff_length}", cutoff, style, cutoff_no_crossing)
    )
    return "".join(parts)
