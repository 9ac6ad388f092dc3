"""Synthetic errors for the acceptability classifier (textae/acceptability.py)."""

from __future__ import annotations

import random

import pytest

from textae.acceptability import (
    AGREEMENT_SWAPS,
    CORRUPTIONS,
    CorruptionError,
    corrupt,
    corrupted_lines,
    majority_verdicts,
    threshold_for_share,
)

LINE = "the company said its profit rose in the third quarter".split()
OTHER = "analysts expect the stock to fall".split()


def draws(kind: str, line=LINE, other=None, count: int = 50) -> list[list[str]]:
    rng = random.Random(0)
    return [corrupt(line, rng, kind, other) for _ in range(count)]


def test_truncate_keeps_a_proper_prefix_of_two_words_or_more():
    for broken in draws("truncate"):
        assert 2 <= len(broken) < len(LINE) and LINE[:len(broken)] == broken


def test_drop_span_leaves_out_one_to_three_words_in_a_row():
    for broken in draws("drop_span"):
        dropped = len(LINE) - len(broken)
        assert 1 <= dropped <= 3
        assert any(LINE[:i] + LINE[i + dropped:] == broken for i in range(len(LINE) - dropped + 1))


def test_repeat_span_says_two_to_four_words_twice():
    for broken in draws("repeat_span"):
        added = len(broken) - len(LINE)
        assert 2 <= added <= 4
        assert any(LINE[:i + added] + LINE[i:] == broken and LINE[i:i + added] == broken[i + added:i + 2 * added]
                   for i in range(len(LINE) - added + 1))


def test_swap_agreement_changes_one_verb_form():
    line = "the shares were sold and the company has a loss".split()
    for broken in draws("swap_agreement", line):
        changed = [(a, b) for a, b in zip(line, broken, strict=True) if a != b]
        assert len(changed) == 1 and AGREEMENT_SWAPS[changed[0][0]] == changed[0][1]
    assert corrupt(LINE, random.Random(0), "swap_agreement") is None  # no verb form to swap


def test_swap_adjacent_swaps_two_different_neighbours():
    for broken in draws("swap_adjacent"):
        changed = [i for i, (a, b) in enumerate(zip(LINE, broken, strict=True)) if a != b]
        assert len(changed) == 2 and changed[1] == changed[0] + 1
        assert sorted(broken) == sorted(LINE)
    assert corrupt(["n", "n", "n", "n"], random.Random(0), "swap_adjacent") is None


def test_splice_runs_the_start_of_one_line_into_the_end_of_another():
    for broken in draws("splice", other=OTHER):
        assert any(broken == LINE[:i] + OTHER[j:] for i in range(1, len(LINE)) for j in range(1, len(OTHER)))
    assert corrupt(LINE, random.Random(0), "splice") is None  # no other line


def test_a_drawn_kind_is_one_that_applies():
    rng = random.Random(1)
    for _ in range(100):
        broken = corrupt(LINE, rng)
        assert broken is not None and broken != LINE


def test_short_lines_and_unknown_kinds():
    assert corrupt(["a", "b", "c"], random.Random(0)) is None
    with pytest.raises(CorruptionError, match="unknown corruption 'shuffle'"):
        corrupt(LINE, random.Random(0), "shuffle")


def test_corrupted_lines_are_repeatable_labelled_and_never_a_real_line():
    lines = [LINE, OTHER, "it is n't".split(), "the shares were sold to investors".split()]
    first = corrupted_lines(lines, seed=4, per_line=3)
    assert first == corrupted_lines(lines, seed=4, per_line=3)
    assert first != corrupted_lines(lines, seed=5, per_line=3)
    assert {kind for kind, _ in first} <= set(CORRUPTIONS)
    assert all(tuple(words) not in {tuple(line) for line in lines} for _, words in first)
    assert 0 < len(first) <= 9  # the 3-word line gets none
    # a copy that happens to equal a real line is left out
    assert corrupted_lines([["a", "b", "c", "d"], ["a", "b"]] * 1, seed=0, per_line=20)
    assert all(words != ["a", "b"] for _, words in corrupted_lines([["a", "b", "c", "d"], ["a", "b"]], 0, 20))
    with pytest.raises(ValueError, match="per_line"):
        corrupted_lines(lines, seed=0, per_line=0)


def test_threshold_for_share():
    probabilities = [0.9, 0.2, 0.6, 0.8, 0.4]
    assert threshold_for_share(probabilities, 0.6) == 0.6  # 3 of 5 pass at >= 0.6
    assert threshold_for_share(probabilities, 0.5) == 0.6  # at least half: 3 of 5
    assert threshold_for_share(probabilities, 1.0) == 0.2
    assert sum(p >= threshold_for_share(probabilities, 0.8) for p in probabilities) == 4
    assert 0 < threshold_for_share([1.0, 1.0], 1.0) < 1
    with pytest.raises(ValueError, match="share"):
        threshold_for_share(probabilities, 0.0)
    with pytest.raises(ValueError, match="no real"):
        threshold_for_share([], 0.5)


def test_majority_verdicts_give_each_sentence_once_bad_on_a_tie():
    steps = ["the market fell", "more than N N of the N N of the", "the market fell", "he said", "he said",
             "the market fell"]
    bad = [False, True, True, True, False, False]
    assert majority_verdicts(steps, bad) == [("the market fell".split(), 1.0),  # 1 bad of 3
                                             ("more than N N of the N N of the".split(), 0.0),
                                             ("he said".split(), 0.0)]  # 1 of 2: a tie is bad
    assert majority_verdicts([], []) == []
    with pytest.raises(ValueError, match="2 steps but 1 verdicts"):
        majority_verdicts(["a b", "c d"], [True])
    with pytest.raises(ValueError, match="empty step"):
        majority_verdicts(["a b", " "], [True, False])
