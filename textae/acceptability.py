"""Synthetic errors for training an acceptability classifier (``models/acceptability.py``).

A sentence decoder's bad sentences are mostly good sentences broken in a few ways: cut before
their end (``the company is n't a good``), a word or a few lost (``new york stock exchange
composite trading closed at $ N``), a stretch said twice (``more than N N of the N N of the N N
bonds``), a verb that no longer agrees (``one of the most important companies are``), or the
start of one sentence run into the end of another (``he said the company 's decision to be a
good deal``). :func:`corrupt` makes each of these from a corpus line, so a classifier can learn
real lines from broken ones with no labelled data.

Some corrupted copies stay grammatical (``the company said`` is a fine cut of ``the company said
it ...``): the labels are noisy on purpose-built negatives, as in every synthetic-error
detector; the classifier's threshold is set on the dev text's real lines
(:func:`threshold_for_share`), not at 0.5.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import pairwise

# Each kind of corruption; :func:`corrupt` picks among those that apply to a line.
CORRUPTIONS = ("truncate", "drop_span", "repeat_span", "swap_agreement", "swap_adjacent", "splice")
# Verb forms swapped by ``swap_agreement`` (both ways).
AGREEMENT_SWAPS = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has",
                   "does": "do", "do": "does"}
MIN_WORDS = 4  # lines shorter than this are used as real sentences only


class CorruptionError(ValueError):
    """An unknown corruption kind."""


def corrupt(words: Sequence[str], rng: random.Random, kind: str | None = None,
            other: Sequence[str] | None = None) -> list[str] | None:
    """A broken copy of ``words`` by one corruption (``kind``, or one drawn from those that apply);
    ``None`` where the line is too short (under :data:`MIN_WORDS` words) or ``kind`` does not apply
    to it (``swap_agreement`` without a verb form to swap; ``splice`` without ``other``, the
    sentence whose end is run on).

    - ``truncate``: the first 2 to n-1 words;
    - ``drop_span``: 1 to 3 words in a row left out;
    - ``repeat_span``: 2 to 4 words in a row said twice;
    - ``swap_agreement``: one of ``is/are``, ``was/were``, ``has/have``, ``does/do`` swapped;
    - ``swap_adjacent``: two neighbouring (different) words swapped;
    - ``splice``: the start of ``words`` (1 to n-1 words) and the end of ``other`` (its last 1 to
      m-1 words).

    Raises:
        CorruptionError: an unknown ``kind``.
    """
    if kind is not None and kind not in CORRUPTIONS:
        raise CorruptionError(f"unknown corruption {kind!r}; known: {', '.join(CORRUPTIONS)}")
    words = list(words)
    n = len(words)
    if n < MIN_WORDS:
        return None
    if kind is None:
        kind = _draw_kind(words, rng, other)
    elif not _applies(kind, words, other):
        return None
    if kind == "truncate":
        return words[:rng.randint(2, n - 1)]
    if kind == "drop_span":
        length = rng.randint(1, min(3, n - 2))
        start = rng.randint(0, n - length)
        return words[:start] + words[start + length:]
    if kind == "repeat_span":
        length = rng.randint(2, min(4, n))
        start = rng.randint(0, n - length)
        return words[:start + length] + words[start:]
    if kind == "swap_agreement":
        index = rng.choice([i for i, word in enumerate(words) if word in AGREEMENT_SWAPS])
        return words[:index] + [AGREEMENT_SWAPS[words[index]]] + words[index + 1:]
    if kind == "swap_adjacent":
        index = rng.choice([i for i in range(n - 1) if words[i] != words[i + 1]])
        return words[:index] + [words[index + 1], words[index]] + words[index + 2:]
    assert other is not None  # splice; _applies checked it
    other = list(other)
    return words[:rng.randint(1, n - 1)] + other[rng.randint(1, len(other) - 1):]


def _draw_kind(words: list[str], rng: random.Random, other: Sequence[str] | None) -> str:
    """One of the corruptions that apply to ``words`` (``truncate`` always does), drawn by ``rng``."""
    return rng.choice([name for name in CORRUPTIONS if _applies(name, words, other)])


def _applies(kind: str, words: list[str], other: Sequence[str] | None) -> bool:
    if kind == "swap_agreement":
        return any(word in AGREEMENT_SWAPS for word in words)
    if kind == "swap_adjacent":
        return any(first != second for first, second in pairwise(words))
    if kind == "splice":
        return other is not None and len(other) >= 2
    return True


def corrupted_lines(lines: Sequence[Sequence[str]], seed: int, per_line: int = 1) -> list[tuple[str, list[str]]]:
    """``per_line`` corrupted copies of each line of :data:`MIN_WORDS` words or more, each as
    ``(kind, words)`` (a splice runs a line into another drawn at random), drawn by
    ``random.Random(seed)``: the same lines and seed give the same copies. A copy equal to a line
    of ``lines`` is left out (it is no error).

    Raises:
        ValueError: ``per_line`` below 1.
    """
    if per_line < 1:
        raise ValueError(f"per_line must be >= 1, got {per_line}")
    rng = random.Random(seed)
    real = {tuple(line) for line in lines}
    out = []
    for line in lines:
        for _ in range(per_line):
            other = lines[rng.randrange(len(lines))]
            if len(line) < MIN_WORDS:
                continue
            kind = _draw_kind(list(line), rng, other)  # drawn here to label the copy; corrupt applies it
            broken = corrupt(line, rng, kind, other)
            if tuple(broken) not in real:
                out.append((kind, broken))
    return out


def majority_verdicts(steps: Sequence[str], bad: Sequence[bool]) -> list[tuple[list[str], float]]:
    """Labelled examples from a reader's verdicts on decoded sentences (``steps``, words joined by
    spaces, and whether each was judged ``bad``; ``textae.benchmarking.read_judged`` reads them):
    each distinct sentence once, in the order first seen, as ``(words, label)`` with label 0.0
    where at least half of its readings were bad (a tie counts as bad) and 1.0 otherwise. These
    are the hard negatives synthetic corruption does not make: sentences the decoder writes and
    the other judges pass, which a reader turned away.

    Raises:
        ValueError: ``steps`` and ``bad`` differ in length, or a step is empty.
    """
    if len(steps) != len(bad):
        raise ValueError(f"{len(steps)} steps but {len(bad)} verdicts")
    readings: dict[str, list[bool]] = {}
    for step, is_bad in zip(steps, bad, strict=True):
        if not step.split():
            raise ValueError("an empty step among the verdicts")
        readings.setdefault(step, []).append(bool(is_bad))
    return [(step.split(), 0.0 if 2 * sum(verdicts) >= len(verdicts) else 1.0) for step, verdicts in readings.items()]


def threshold_for_share(real_probabilities: Sequence[float], share: float) -> float:
    """The probability threshold at which ``share`` (in (0, 1]) of the real sentences, whose
    P(acceptable) are ``real_probabilities``, pass (``P >= threshold``): the largest such value,
    so no more of the corrupted ones pass than need to. Kept inside (0, 1).

    Raises:
        ValueError: no probabilities, or ``share`` outside (0, 1].
    """
    if not real_probabilities:
        raise ValueError("no real sentences' probabilities to set a threshold on")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    ordered = sorted(real_probabilities, reverse=True)
    value = ordered[max(0, math.ceil(share * len(ordered)) - 1)]
    return min(max(value, 1e-6), 1 - 1e-6)
