"""Tokenization into SST/PTB tokens: one test per convention, bad input, and the real SST."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from parsers import read_trees
from parsers.tokenize import (
    TokenizationError,
    split_sentences,
    to_ptb_tokens,
    tokenize,
    tokenize_text,
)

# ---------------------------------------------------------------------- one case per convention

CONVENTIONS = {
    "double quotes": (
        'He said "hi there" and left.',
        ["He", "said", "``", "hi", "there", "''", "and", "left", "."],
    ),
    "spaced double quotes": ('the " Ring " is', ["the", "``", "Ring", "''", "is"]),
    "quote before comma": ('"Hi," he said.', ["``", "Hi", ",", "''", "he", "said", "."]),
    "single quotes": ("his 'blundering' style", ["his", "`", "blundering", "'", "style"]),
    "single quotes around punctuation": ("yell 'Safe!'", ["yell", "`", "Safe", "!", "'"]),
    "plural possessive": ("the actors' lines", ["the", "actors", "'", "lines"]),
    "n't": (
        "It doesn't, can't, won't.",
        ["It", "does", "n't", ",", "ca", "n't", ",", "wo", "n't", "."],
    ),
    "clitics": (
        "It's we're they'll I've he'd I'm",
        ["It", "'s", "we", "'re", "they", "'ll", "I", "'ve", "he", "'d", "I", "'m"],
    ),
    "possessive 's": ("Johnny Dankworth's best", ["Johnny", "Dankworth", "'s", "best"]),
    "words starting with an apostrophe": (
        "the '70s, rock 'n' roll",
        ["the", "'70s", ",", "rock", "'n'", "roll"],
    ),
    "round brackets": ("a (b) c", ["a", "-LRB-", "b", "-RRB-", "c"]),
    "square and curly brackets": ("[a] {b}", ["-LSB-", "a", "-RSB-", "-LCB-", "b", "-RCB-"]),
    "slash": ("the writer/director and 9/11", ["the", "writer\\/director", "and", "9\\/11"]),
    "asterisk": ("*** stars, 2*3", ["\\*\\*\\*", "stars", ",", "2\\*3"]),
    "ellipsis": ("Wait... what", ["Wait", "...", "what"]),
    "ellipsis character": ("Wait\u2026 what", ["Wait", "...", "what"]),
    "hyphenated words": (
        "a well-made, run-of-the-mill B-movie",
        ["a", "well-made", ",", "run-of-the-mill", "B-movie"],
    ),
    "double dash": ("fun -- mostly", ["fun", "--", "mostly"]),
    "em dash": ("fun\u2014mostly", ["fun", "--", "mostly"]),
    "curly quotes": (
        "\u201cCurly\u201d and \u2018single\u2019 don\u2019t",
        ["``", "Curly", "''", "and", "`", "single", "'", "do", "n't"],
    ),
    "no-break space separates": ("8\u00a01/2 weeks", ["8", "1\\/2", "weeks"]),
    "sentence-final abbreviation": ("Mulholland Dr.", ["Mulholland", "Dr."]),
    "sentence-final initialism": ("about E.T.", ["about", "E.T."]),
    "final pronoun I is not an initial": ("Here am I.", ["Here", "am", "I", "."]),
    "cannot and gonna": ("cannot gonna", ["can", "not", "gon", "na"]),
    "only punctuation": ("?!...", ["?", "!", "..."]),
}


@pytest.mark.parametrize("text, expected", CONVENTIONS.values(), ids=CONVENTIONS.keys())
def test_convention(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokens_never_hold_whitespace_or_brackets() -> None:
    text = 'f(x) = [y]{z} \t "a"  \u2009thin\u3000wide \u00a0 ( ) \' "" \'\' `` ` **/'
    tokens = tokenize(text)
    assert tokens
    for token in tokens:
        assert token
        assert not any(character.isspace() for character in token)
        assert not any(character in token for character in "()[]{}")


def test_bytes_are_decoded_as_utf8() -> None:
    assert tokenize("Café's (fine)".encode()) == ["Café", "'s", "-LRB-", "fine", "-RRB-"]
    assert tokenize_text(b"\xef\xbb\xbfOne. Two.") == [["One", "."], ["Two", "."]]


# ---------------------------------------------------------------------- sentences


def test_multi_sentence_text() -> None:
    text = "It's \"fine\" (mostly). I can't wait!  Really?"
    assert tokenize_text(text) == [
        ["It", "'s", "``", "fine", "''", "-LRB-", "mostly", "-RRB-", "."],
        ["I", "ca", "n't", "wait", "!"],
        ["Really", "?"],
    ]


def test_split_sentences() -> None:
    assert split_sentences("One here.  Two there!\nThree?") == ["One here.", "Two there!", "Three?"]


def test_blank_line_ends_a_sentence() -> None:
    assert split_sentences("A Heading\n\n  Body text here.\r\n\r\nMore") == [
        "A Heading",
        "Body text here.",
        "More",
    ]


def test_a_single_line_break_does_not_end_a_sentence_by_default() -> None:
    # running text wrapped over lines stays one sentence
    assert split_sentences("A film that is\nwitty and wise.") == ["A film that is\nwitty and wise."]


def test_split_lines_makes_every_line_break_a_sentence_boundary() -> None:
    text = "A good film\nThe worst movie ever\r\nawful\n"
    assert split_sentences(text, split_lines=True) == ["A good film", "The worst movie ever", "awful"]
    assert tokenize_text(text.encode(), split_lines=True) == [
        ["A", "good", "film"],
        ["The", "worst", "movie", "ever"],
        ["awful"],
    ]
    # each line is still split on punctuation, and blank lines give nothing
    assert split_sentences("One. Two!\n\n  \nThree\rFour\u2028Five", split_lines=True) == [
        "One.", "Two!", "Three", "Four", "Five",
    ]
    assert tokenize_text(" \n\n\t\n", split_lines=True) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t\r\n", b"", "\u00a0\u3000"])
def test_empty_text_gives_no_sentences(text: str | bytes) -> None:
    assert tokenize_text(text) == []
    assert split_sentences(text) == []
    assert tokenize(text) == []


def test_punctuation_only_text() -> None:
    assert tokenize_text("!!! ?") == [["!", "!", "!", "?"]]


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize("function", [tokenize, tokenize_text, split_sentences])
def test_control_character_is_named_with_its_position(function) -> None:
    with pytest.raises(
        TokenizationError, match=r"U\+0007.*character 9 \(line 2, column 4\)"
    ) as caught:
        function("ab\tc.\nxyz\x07!")
    assert caught.value.position == 9


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85"])
def test_every_control_character_is_refused(character: str) -> None:
    with pytest.raises(TokenizationError, match=f"U\\+{ord(character):04X}"):
        tokenize(f"a{character}b")


def test_tab_newline_and_carriage_return_are_allowed() -> None:
    assert tokenize("a\tb\r\nc") == ["a", "b", "c"]


def test_undecodable_bytes_give_the_byte_offset() -> None:
    with pytest.raises(TokenizationError, match=r"byte ff at byte offset 5") as caught:
        tokenize_text("Café".encode() + b"\xff and more")
    assert caught.value.position == 5
    assert isinstance(caught.value, ValueError)


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str or bytes, got int"):
        tokenize(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- to_ptb_tokens


def test_to_ptb_tokens_is_one_for_one() -> None:
    raw = ["He", '"', "hi", '"', "f(x", ")", "a/b", "*", "\u2026", "don\u2019t"]
    assert to_ptb_tokens(raw) == [
        "He",
        "``",
        "hi",
        "''",
        "f-LRB-x",
        "-RRB-",
        "a\\/b",
        "\\*",
        "...",
        "don't",
    ]


def test_to_ptb_tokens_uses_spacing_for_quotes() -> None:
    # He said "hi", 'Safe' and "bye"
    tokens = ["He", "said", '"', "hi", '"', ",", "'", "Safe", "'", "and", '"', "bye", '"']
    spaces = [True, True, False, False, False, True, False, False, True, True, False, False, False]
    assert to_ptb_tokens(tokens, spaces) == [
        "He", "said", "``", "hi", "''", ",", "`", "Safe", "'", "and", "``", "bye", "''",
    ]  # fmt: skip


def test_to_ptb_tokens_keeps_lone_apostrophes_without_spacing() -> None:
    # Without spacing a lone "'" may be a possessive, so it is not turned into "`".
    assert to_ptb_tokens(["the", "girls", "'", "amusing", "'", "lines"]) == [
        "the", "girls", "'", "amusing", "'", "lines",
    ]  # fmt: skip


@pytest.mark.parametrize("bad", ["", " ", "a b", "a\u00a0b", "\n"])
def test_to_ptb_tokens_refuses_empty_or_spaced_tokens(bad: str) -> None:
    with pytest.raises(TokenizationError, match="token 1") as caught:
        to_ptb_tokens(["ok", bad])
    assert caught.value.position == 1


def test_to_ptb_tokens_argument_errors() -> None:
    with pytest.raises(TypeError, match="list of tokens"):
        to_ptb_tokens("a string")
    with pytest.raises(TypeError, match="token 0"):
        to_ptb_tokens([3])  # type: ignore[list-item]
    with pytest.raises(TokenizationError, match="1 flags for 2 tokens"):
        to_ptb_tokens(["a", "b"], [True])


def test_imports_stay_light() -> None:
    code = (
        "import sys, parsers, parsers.tokenize, parsers.baselines\n"
        "heavy = [name for name in ('spacy', 'nltk') if name in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


# ---------------------------------------------------------------------- the real SST

# Undoes the SST's escapes for the naive detokenization. An opening single quote "`" becomes
# an apostrophe, as a user would type it.
_UNESCAPE = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
    "`": "'",
}


def _detokenize(tokens: list[str]) -> str:
    """Join SST tokens with spaces and undo the escapes (but not the token splits)."""
    return " ".join(
        _UNESCAPE.get(token, token.replace("\\/", "/").replace("\\*", "*")) for token in tokens
    )


@pytest.fixture(scope="module")
def sst_dev_sentences(data_dir: Path) -> list[list[str]]:
    return [tree.leaves() for tree in read_trees(data_dir / "sst" / "dev.txt", sst=True)]


def test_sst_round_trip(sst_dev_sentences: list[list[str]]) -> None:
    # Measured: 300 of 300 (100%); 99.5% over all of dev, train and test.
    sentences = sst_dev_sentences[:300]
    mismatches = [
        (tokens, tokenize(_detokenize(tokens)))
        for tokens in sentences
        if tokenize(_detokenize(tokens)) != tokens
    ]
    rate = 1 - len(mismatches) / len(sentences)
    print(f"SST dev round trip: {len(sentences) - len(mismatches)}/{len(sentences)} = {rate:.1%}")
    assert rate >= 0.95, mismatches[:5]


def test_to_ptb_tokens_leaves_sst_tokens_unchanged(sst_dev_sentences: list[list[str]]) -> None:
    for tokens in sst_dev_sentences:
        assert to_ptb_tokens(tokens) == tokens


def test_a_lone_surrogate_is_a_tokenization_error():
    # half of a UTF-16 pair (a bad decode leaves these): spaCy raised UnicodeEncodeError
    with pytest.raises(TokenizationError, match="lone surrogate U\\+D800 at character 4"):
        tokenize_text("bad \ud800 here")
