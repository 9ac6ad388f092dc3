"""Raw text to sentences to Penn-Treebank tokens, spelled the way the SST spells them.

A model trained on the Stanford Sentiment Treebank only knows the SST's token spellings, so a
sentence typed by a user must be split the same way before it is looked up in the vocabulary.
The SST was tokenized with Stanford's PTB tokenizer; this module gets close to it with spaCy's
rule-based sentencizer and nltk's ``TreebankWordTokenizer``, then rewrites the tokens:

=========================  =======================================================
text                       tokens
=========================  =======================================================
``doesn't can't won't``    ``does n't``, ``ca n't``, ``wo n't``
``it's we're they'll``     ``it 's``, ``we 're``, ``they 'll``
``"quoted"``               ``` `` quoted '' ``` (opening and closing by position)
``'quoted'``               ``` ` quoted ' ```
``( ) [ ] { }``            ``-LRB- -RRB- -LSB- -RSB- -LCB- -RCB-``
``and/or``, ``***``        ``and\\/or``, ``\\*\\*\\*``
``...``, ``--``            kept as one token each
``well-made``              kept whole (hyphenated words are not split)
=========================  =======================================================

Typographic characters are read as their ASCII forms first: curly quotes, the ellipsis
character (``...``) and the em dash (``--``). Every Unicode whitespace character separates
tokens, U+00A0 (no-break space) included, so a token never holds whitespace. The SST itself
has three words with an inner U+00A0 (``8 1\\/2``); this module gives two tokens there.

A quote is opening or closing by its position: after a space and before a word it opens,
after a word and before a space it closes; with spaces on both sides (``" word "``) quotes
alternate. A sentence-final abbreviation keeps its period (``Mulholland Dr.``, ``E.T.``).
Detokenizing the SST's own sentences (joined with spaces, escapes undone) and tokenizing them
again gives back the exact SST tokens for 99.5% of the sentences of each split.

Only the rule-based pieces of spaCy and nltk are used: ``spacy.blank("en")`` with the
``sentencizer`` pipe and nltk's tokenizer need no model or data download. Both libraries are
imported on first use, so importing :mod:`parsers` stays light.

Example:
    >>> tokenize_text('It\\'s "fine" (mostly). I can\\'t wait...')
    [['It', "'s", '``', 'fine', "''", '-LRB-', 'mostly', '-RRB-', '.'], ['I', 'ca', "n't", 'wait', '...']]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "TokenizationError",
    "split_sentences",
    "to_ptb_tokens",
    "tokenize",
    "tokenize_text",
]


class TokenizationError(ValueError):
    """The text cannot be tokenized: undecodable bytes, a control character or a bad token.

    Attributes:
        position: Where the problem is: a character offset into the text, a byte offset into
            undecodable bytes, or a token index for :func:`to_ptb_tokens`; None when the
            problem has no single position.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


# ---------------------------------------------------------------------- constants

# PTB spellings of brackets: a bare bracket would end a word in the bracket tree format.
_BRACKET_ESCAPES = {
    "(": "-LRB-",
    ")": "-RRB-",
    "[": "-LSB-",
    "]": "-RSB-",
    "{": "-LCB-",
    "}": "-RCB-",
}
# Tokens after which a quote opens a quotation.
_OPENING_TOKENS = frozenset({"-LRB-", "-LSB-", "-LCB-", "(", "[", "{", "``", "`"})
_BRACKET_CHARACTERS = re.compile(r"[()\[\]{}]")

# The PTB writes "/" and "*" with a backslash. The look-behind skips characters that are
# escaped already, so converting SST tokens again leaves them unchanged.
_UNESCAPED_SLASH_OR_STAR = re.compile(r"(?<!\\)([/*])")

_OPENING_DOUBLE_QUOTE = "``"
_CLOSING_DOUBLE_QUOTE = "''"
_OPENING_SINGLE_QUOTE = "`"

# Typographic characters and their ASCII forms, for running text and for single tokens. The
# curly apostrophe becomes a straight one so that "don’t" is split as "do n't"; curly quotes
# are unambiguous, so they become PTB quotes at once.
_TYPOGRAPHIC_IN_TEXT = {
    "\u201c": " `` ",  # “
    "\u201d": " '' ",  # ”
    "\u2018": " ` ",  # ‘
    "\u2019": "'",  # ’ a closing single quote or an apostrophe: the quote rules decide
    "\u2026": " ... ",  # …
    "\u2014": " -- ",  # — em dash
}
_TYPOGRAPHIC_TOKENS = {
    "\u201c": _OPENING_DOUBLE_QUOTE,
    "\u201d": _CLOSING_DOUBLE_QUOTE,
    "\u2018": _OPENING_SINGLE_QUOTE,
    "\u2019": "'",
    "\u2026": "...",
    "\u2014": "--",
}
_TYPOGRAPHIC_CHARACTERS = re.compile("[" + "".join(_TYPOGRAPHIC_IN_TEXT) + "]")

# The quote characters of running text, PTB quotes typed as such first.
_QUOTE = re.compile(r"``|''|\"|'")
_OPENING_CHARACTERS = frozenset("([{`")

# Control characters (Unicode category Cc) other than tab, line feed and carriage return.
# They are invisible, and in practice a sign of binary data or a broken decoding.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# Words that really start with an apostrophe, which must not be read as an opening quote: a
# clitic already split off ("Dankworth 's"), an elision ('em, 'til, 'n') or a decade ('70s).
_APOSTROPHE_WORD = re.compile(
    r"'(?:s|re|ll|ve|d|m|t|em|n|til|tis|twas|cause|\d\d(?:s)?)(?!\w)", re.IGNORECASE
)

# Abbreviations that keep their period at the end of a sentence, where nltk splits it off.
_SENTENCE_FINAL_ABBREVIATIONS = frozenset(
    {"etc", "Mr", "Mrs", "Ms", "Dr", "Jr", "Sr", "Inc", "Ltd", "Corp", "Bros", "vs"}
)
# An initial or initialism once nltk split off its final period: "X", "U.S", "E.T" (not
# the pronoun "I").
_INITIALISM = re.compile(r"[A-HJ-Z]|(?:[A-Za-z]\.)+[A-Za-z]")

# Blank lines always end a sentence, even when the line before has no final punctuation
# (a heading, a list item).
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# With ``split_lines``, every line break ends a sentence: LF, CRLF, CR and the Unicode line
# and paragraph separators (the other characters ``str.splitlines`` knows are refused as
# control characters).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029]")

# spaCy refuses texts over 1,000,000 characters by default to protect its parser and
# entity recognizer; the blank pipeline has neither, so a much longer text is fine.
_MAX_TEXT_LENGTH = 200_000_000

_sentence_splitter: Language | None = None
_word_tokenizer: Any = None


# ---------------------------------------------------------------------- input checks


def _as_text(text: str | bytes) -> str:
    """Decode bytes and reject control characters.

    Args:
        text: The text, or UTF-8 bytes.

    Returns:
        The text as ``str``, without a leading byte-order mark.

    Raises:
        TypeError: If ``text`` is neither ``str`` nor ``bytes``.
        TokenizationError: For bytes that are not UTF-8, or a control character.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            bad = bytes(text)[error.start : error.end]
            raise TokenizationError(
                f"text is not valid UTF-8: byte{'s' if len(bad) > 1 else ''} {bad.hex(' ')} "
                f"at byte offset {error.start} ({error.reason}); convert the text to UTF-8 first "
                "(e.g. iconv -f latin1 -t utf-8), or pass a str decoded with its own encoding",
                position=error.start,
            ) from None
    elif not isinstance(text, str):
        raise TypeError(f"expected text as str or bytes, got {type(text).__name__}")
    match = _CONTROL_CHARACTER.search(text)
    if match is not None:
        position = match.start()
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        context = text[max(0, position - 20) : position + 20]
        raise TokenizationError(
            f"control character U+{ord(match.group()):04X} ({match.group()!r}) at character "
            f"{position} (line {line}, column {column}) in {context!r}; only tab, newline and "
            "carriage return are allowed",
            position=position,
        )
    surrogate = _LONE_SURROGATE.search(text)
    if surrogate is not None:  # half of a UTF-16 pair (e.g. from a bad decode): spaCy cannot store it
        position = surrogate.start()
        raise TokenizationError(
            f"lone surrogate U+{ord(surrogate.group()):04X} at character {position} in "
            f"{text[max(0, position - 20) : position].encode('utf-8', 'replace').decode()!r}: not text, "
            "but half of a UTF-16 pair left by a bad decode",
            position=position,
        )
    # A byte-order mark is an encoding artefact, not part of the text.
    return text.removeprefix("\ufeff")


# ---------------------------------------------------------------------- sentences


def _get_sentence_splitter() -> Language:
    """The blank English spaCy pipeline with a sentencizer, built once on first use."""
    global _sentence_splitter
    if _sentence_splitter is None:
        import spacy

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.max_length = _MAX_TEXT_LENGTH
        _sentence_splitter = nlp
    return _sentence_splitter


def split_sentences(text: str | bytes, *, split_lines: bool = False) -> list[str]:
    """Split running text into sentences with spaCy's rule-based sentencizer.

    A sentence ends at ``.``, ``!``, ``?`` (and similar marks) and always at a blank line.
    A single line break is only a space inside a sentence, so a paragraph wrapped over
    several lines stays whole; with ``split_lines`` every line break ends a sentence
    instead, for text with one sentence per line that may lack final punctuation:

    >>> split_sentences("A good film\\nawful")
    ['A good film\\nawful']
    >>> split_sentences("A good film\\nawful", split_lines=True)
    ['A good film', 'awful']

    Args:
        text: The text, or UTF-8 bytes.
        split_lines: Split every non-empty line into sentences on its own: a sentence
            never spans a line break (``\\n``, ``\\r\\n``, ``\\r``, U+2028 or U+2029).

    Returns:
        The sentences in order, each without surrounding whitespace. Empty or
        whitespace-only text gives ``[]``.

    Raises:
        TypeError: If ``text`` is neither ``str`` nor ``bytes``.
        TokenizationError: For bytes that are not UTF-8, or a control character other than
            tab, newline or carriage return (the message gives its position).
    """
    text = _as_text(text)
    breaks = _LINE_BREAK if split_lines else _PARAGRAPH_BREAK
    paragraphs = [part for part in breaks.split(text) if part.strip()]
    if not paragraphs:
        return []
    nlp = _get_sentence_splitter()
    sentences: list[str] = []
    for doc in nlp.pipe(paragraphs):
        for span in doc.sents:
            sentence = span.text.strip()
            if sentence:
                sentences.append(sentence)
    return sentences


# ---------------------------------------------------------------------- tokens


def _double_quote_opens(
    after_opening: bool, at_end: bool, spacing: tuple[bool, bool] | None, inside: bool
) -> bool:
    """Whether a ``"`` opens a quotation (the PTB's `````) or closes one (``''``).

    Args:
        after_opening: It starts the sentence or follows an opening bracket or quote.
        at_end: Nothing but whitespace follows it in the sentence.
        spacing: Whether whitespace comes before and after it, when known.
        inside: An earlier quote opened a quotation that is still open.

    Returns:
        True after an opening and False at the end; otherwise uneven spacing decides
        (``_"word`` opens, ``word"_`` closes), and failing that quotes alternate.
    """
    if after_opening:
        return True
    if at_end:
        return False
    if spacing is not None and spacing[0] != spacing[1]:
        return spacing[0]
    return not inside


def _single_quote_opens(
    after_opening: bool,
    before_word: bool,
    spacing: tuple[bool, bool] | None,
    inside: bool,
    closed_later: bool,
) -> bool:
    """Whether a lone ``'`` opens a quotation (the PTB's `````) rather than closing one.

    A lone apostrophe is often a closing quote or a plural possessive ("the actors' lines"),
    so it opens only when it clearly does: before a word, and either after an opening,
    or after a space but not before one (``_'word``), or, with spaces on both sides, when
    no single quotation is open and a later quote can close this one. Without spacing only
    the first rule applies.

    Args:
        after_opening: It starts the sentence or follows an opening bracket or quote.
        before_word: A letter or digit follows it (after any spaces).
        spacing: Whether whitespace comes before and after it, when known.
        inside: An earlier single quote opened a quotation that is still open.
        closed_later: A later lone or word-final ``'`` could close a quotation.

    Returns:
        True for an opening quote.
    """
    if not before_word:
        return False
    if after_opening:
        return True
    if spacing is None:
        return False
    if spacing == (True, True):
        return not inside and closed_later
    return spacing == (True, False)


def to_ptb_tokens(tokens: Sequence[str], spaces_after: Sequence[bool] | None = None) -> list[str]:
    """Respell the tokens of one sentence in the SST/PTB convention, one for one.

    This is the respelling step of :func:`tokenize`, exposed for tokens that come from
    elsewhere (a spaCy ``Doc``): token boundaries are kept, only spellings change.

    * Brackets become ``-LRB-``/``-RRB-`` (``-LSB-``/``-RSB-`` square, ``-LCB-``/``-RCB-``
      curly), also inside a token (``f(x`` becomes ``f-LRB-x``).
    * ``/`` and ``*`` get a backslash unless they have one (``and\\/or``, ``\\*``).
    * A ``"`` becomes ``````` (opening) or ``''`` (closing) by position; a lone ``'`` that
      clearly opens a quotation becomes `````.
    * Curly quotes, ``…`` and ``—`` get their ASCII forms.

    Tokens already in the convention are left as they are, so converting twice changes
    nothing.

    Args:
        tokens: The raw tokens of one sentence, in order.
        spaces_after: Optional, one flag per token: whether whitespace follows it in the
            text (spaCy's ``bool(token.whitespace_)``). It tells opening quotes from closing
            ones; without it ``"`` tokens alternate, opening first.

    Returns:
        One converted token per input token.

    Raises:
        TypeError: If ``tokens`` is a single ``str`` or holds a non-string.
        TokenizationError: If a token is empty or holds whitespace (``position`` is its
            index), or ``spaces_after`` does not have one flag per token.
    """
    if isinstance(tokens, str):
        raise TypeError(
            f"expected a list of tokens, got the string {tokens[:40]!r}; use tokenize()"
        )
    if spaces_after is not None and len(spaces_after) != len(tokens):
        raise TokenizationError(
            f"spaces_after has {len(spaces_after)} flags for {len(tokens)} tokens; "
            "give one flag per token"
        )
    # Where a lone "'" could close a quotation: used to tell an opening quote from a
    # possessive when spacing does not.
    last_single_quote = max(
        (index for index, token in enumerate(tokens) if token in ("'", "\u2019")), default=-1
    )
    converted: list[str] = []
    inside_double = inside_single = False
    for index, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError(f"token {index} is a {type(token).__name__}, not a str: {token!r}")
        if token == "" or any(character.isspace() for character in token):
            raise TokenizationError(
                f"token {index} ({token!r}) is empty or holds whitespace; a token is a "
                "non-empty run of non-space characters",
                position=index,
            )
        if token in _TYPOGRAPHIC_TOKENS:
            token = _TYPOGRAPHIC_TOKENS[token]
        elif _TYPOGRAPHIC_CHARACTERS.search(token):
            # Inside a word only the apostrophe and the ellipsis occur ("don’t", "so…").
            token = token.replace("\u2019", "'").replace("\u2018", "'").replace("\u2026", "...")
        if token in ('"', "'"):
            after_opening = not converted or converted[-1] in _OPENING_TOKENS
            next_token = tokens[index + 1] if index + 1 < len(tokens) else None
            spacing = None
            if spaces_after is not None:
                spacing = (index == 0 or bool(spaces_after[index - 1]), bool(spaces_after[index]))
            if token == '"':
                opens = _double_quote_opens(
                    after_opening, next_token is None, spacing, inside_double
                )
                token = _OPENING_DOUBLE_QUOTE if opens else _CLOSING_DOUBLE_QUOTE
            elif _single_quote_opens(
                after_opening,
                next_token is not None and next_token[:1].isalnum(),
                spacing,
                inside_single,
                last_single_quote > index,
            ):
                token = _OPENING_SINGLE_QUOTE
        if token == _OPENING_DOUBLE_QUOTE or token == _CLOSING_DOUBLE_QUOTE:
            inside_double = token == _OPENING_DOUBLE_QUOTE
        elif token == _OPENING_SINGLE_QUOTE or token == "'":
            inside_single = token == _OPENING_SINGLE_QUOTE
        if token in _BRACKET_ESCAPES:
            token = _BRACKET_ESCAPES[token]
        elif _BRACKET_CHARACTERS.search(token):
            token = _BRACKET_CHARACTERS.sub(lambda match: _BRACKET_ESCAPES[match.group()], token)
        converted.append(_UNESCAPED_SLASH_OR_STAR.sub(r"\\\1", token))
    return converted


def _get_word_tokenizer() -> Any:
    """nltk's Treebank word tokenizer (rule-based: it needs no downloaded data)."""
    global _word_tokenizer
    if _word_tokenizer is None:
        from nltk.tokenize import TreebankWordTokenizer

        _word_tokenizer = TreebankWordTokenizer()
    return _word_tokenizer


def _nearest_non_space(text: str, index: int, step: int) -> str:
    """The first non-whitespace character from ``index`` on in direction ``step`` ("" if none)."""
    while 0 <= index < len(text):
        if not text[index].isspace():
            return text[index]
        index += step
    return ""


def _mark_quotes(text: str) -> str:
    """Replace the quote characters of one sentence by spaced PTB quotes where they open.

    nltk decides ``"`` by the character before it alone, so ``" word "`` gives two opening
    quotes, and it leaves an opening ``'`` glued to its word (``'blundering``). Here every
    ``"`` becomes ````` `` ```` or ``''`` by the rules of :func:`_double_quote_opens`, and
    an apostrophe not inside a word becomes `````` ` ```` when :func:`_single_quote_opens`
    says it opens a quotation. Apostrophes inside or at the end of a word are left to nltk,
    which splits contractions and closing quotes.

    Args:
        text: One sentence, typographic characters already replaced.

    Returns:
        The text with the quotes rewritten.
    """
    # The last apostrophe not followed by a word: a quote before it may be closed by it.
    last_closing = max((match.start() for match in re.finditer(r"'(?!\w)", text)), default=-1)
    pieces: list[str] = []
    done = 0
    inside_double = inside_single = False
    for match in _QUOTE.finditer(text):
        quote, start, end = match.group(), match.start(), match.end()
        previous = _nearest_non_space(text, start - 1, step=-1)
        following = _nearest_non_space(text, end, step=1)
        after_opening = previous == "" or previous in _OPENING_CHARACTERS
        spacing = (start == 0 or text[start - 1].isspace(), end == len(text) or text[end].isspace())
        if quote == '"' or quote == "``" or quote == "''":
            if quote == '"':
                opens = _double_quote_opens(after_opening, following == "", spacing, inside_double)
            else:
                opens = quote == "``"
            inside_double = opens
            if opens:
                replacement = " `` "
            else:
                # nltk reads a "''" after a space as an opening quote, so the closing one is
                # glued to the text before it.
                pieces.append(text[done:start].rstrip())
                pieces.append("'' ")
                done = end
                continue
        elif start > 0 and text[start - 1].isalnum():
            # Inside a word ("don't") or ending one ("actors'", "blundering'"): nltk's job.
            if end == len(text) or not text[end].isalnum():
                inside_single = False
            continue
        elif _APOSTROPHE_WORD.match(text, start):
            continue
        else:
            opens = _single_quote_opens(
                after_opening, following.isalnum(), spacing, inside_single, last_closing > start
            )
            replacement = " ` " if opens else " ' "
            inside_single = opens
        pieces.append(text[done:start])
        pieces.append(replacement)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _merge_sentence_final_abbreviation(tokens: list[str]) -> None:
    """Give a sentence-final abbreviation its period back, as the SST writes it.

    nltk splits the final period off any word ("E.T" and "."); the SST, like Stanford's
    tokenizer, keeps it on an abbreviation ("about E.T.", "Mulholland Dr.", "Jason X.").

    Args:
        tokens: The tokens of one sentence, changed in place.
    """
    if len(tokens) < 2 or tokens[-1] != ".":
        return
    word = tokens[-2]
    if word in _SENTENCE_FINAL_ABBREVIATIONS or _INITIALISM.fullmatch(word):
        tokens[-2:] = [word + "."]


def _merge_split_elisions(tokens: list[str]) -> list[str]:
    """Rejoin "'n" + "'" into the SST's single token "'n'" (as in "rock 'n' roll")."""
    merged: list[str] = []
    for token in tokens:
        if token == "'" and merged and merged[-1].lower() == "'n":
            merged[-1] += "'"
        else:
            merged.append(token)
    return merged


def tokenize(sentence: str | bytes) -> list[str]:
    """Split one sentence into Penn-Treebank tokens spelled as in the SST.

    nltk's ``TreebankWordTokenizer`` does the splitting (contractions, punctuation), after
    quotes have been marked as opening or closing by position; then the tokens are
    respelled by :func:`to_ptb_tokens`. The tokenizer only splits the period at the very
    end, so give it one sentence; use :func:`tokenize_text` for running text.

    Args:
        sentence: One sentence, or its UTF-8 bytes.

    Returns:
        The tokens, none of them empty or holding whitespace or a bracket character. Empty
        or whitespace-only text gives ``[]``; text of only punctuation gives the
        punctuation tokens (``"?!"`` gives ``["?", "!"]``).

    Raises:
        TypeError: If ``sentence`` is neither ``str`` nor ``bytes``.
        TokenizationError: For bytes that are not UTF-8, or a control character other than
            tab, newline or carriage return (the message gives its position).
    """
    text = _as_text(sentence)
    if not text.strip():
        return []
    text = _TYPOGRAPHIC_CHARACTERS.sub(lambda match: _TYPOGRAPHIC_IN_TEXT[match.group()], text)
    text = _mark_quotes(text)
    tokens = _merge_split_elisions(_get_word_tokenizer().tokenize(text))
    _merge_sentence_final_abbreviation(tokens)
    return to_ptb_tokens(tokens)


def tokenize_text(text: str | bytes, *, split_lines: bool = False) -> list[list[str]]:
    """Split running text into sentences of Penn-Treebank tokens spelled as in the SST.

    Args:
        text: Any amount of text, or its UTF-8 bytes.
        split_lines: Every line break ends a sentence (text with one sentence per line);
            otherwise only punctuation and blank lines do (see :func:`split_sentences`).

    Returns:
        One token list per sentence (see :func:`split_sentences` and :func:`tokenize`).
        Empty or whitespace-only text gives ``[]``, with no empty sentence in it.

    Raises:
        TypeError: If ``text`` is neither ``str`` nor ``bytes``.
        TokenizationError: For bytes that are not UTF-8, or a control character other than
            tab, newline or carriage return (the message gives its position).
    """
    sentences = (tokenize(sentence) for sentence in split_sentences(text, split_lines=split_lines))
    return [tokens for tokens in sentences if tokens]
