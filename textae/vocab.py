"""A word vocabulary with special tokens, built from a corpus and saved as JSON.

The vocabulary remembers how it normalises words (``lowercase``), so a model loaded
from a checkpoint maps a user's text exactly as it mapped its training text.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

PAD = "<pad>"
UNK = "<unk>"


def require_words(words: object, what: str) -> None:
    """:class:`NotWordsError` when ``words`` is a str: it is a sequence too, and would be counted or
    encoded character by character where a sequence of words is meant (``what`` names it)."""
    if isinstance(words, str):
        raise NotWordsError(f"{what} is a str ({words[:40]!r}), not a sequence of words; split it first, "
                            "e.g. text.split()")


class VocabError(ValueError):
    """A vocabulary file or build argument is invalid."""


class NotWordsError(VocabError, TypeError):
    """A str where a sequence of words goes (a :class:`VocabError` and a ``TypeError``)."""


class Vocab:
    """Maps words to integer ids and back.

    Ids ``0 .. len(specials) - 1`` are the special tokens (by default ``<pad>`` then
    ``<unk>``); the corpus words follow, most frequent first (ties broken
    alphabetically, so a build is deterministic).
    """

    def __init__(
        self,
        words: Sequence[str],
        *,
        specials: Sequence[str] = (PAD, UNK),
        lowercase: bool = False,
        unk_token: str | None = UNK,
    ) -> None:
        if len(set(specials)) != len(specials):
            raise VocabError(f"special tokens must be distinct, got {list(specials)}")
        if unk_token is not None and unk_token not in specials:
            raise VocabError(f"unk_token {unk_token!r} is not among the specials {list(specials)}")
        self.specials = tuple(specials)
        self.lowercase = lowercase
        self.unk_token = unk_token
        self.itos: list[str] = list(specials)
        for word in words:
            if word in specials:
                raise VocabError(f"corpus word {word!r} collides with a special token")
            self.itos.append(word)
        self.stoi: dict[str, int] = {}
        for index, word in enumerate(self.itos):
            if word in self.stoi:
                raise VocabError(f"word {word!r} appears twice in the vocabulary")
            self.stoi[word] = index
        self.unk_id = self.stoi[unk_token] if unk_token is not None else None
        self.pad_id = self.stoi.get(PAD)

    @classmethod
    def build(
        cls,
        sentences: Iterable[Sequence[str]],
        *,
        min_freq: int = 1,
        max_size: int | None = None,
        lowercase: bool = False,
        specials: Sequence[str] = (PAD, UNK),
    ) -> Vocab:
        """Counts words over ``sentences`` and keeps those seen ``min_freq`` times or more.

        Args:
            sentences: token sequences (e.g. ``tree.leaves()`` for each training tree).
            min_freq: rarer words map to ``<unk>``.
            max_size: keep at most this many corpus words (specials not counted).
            lowercase: normalise words to lower case, here and in :meth:`encode`.
        """
        if min_freq < 1:
            raise VocabError(f"min_freq must be >= 1, got {min_freq}")
        if max_size is not None and max_size < 0:
            raise VocabError(f"max_size must be >= 0 (or None: no limit), got {max_size}")
        counts: Counter[str] = Counter()
        for number, sentence in enumerate(sentences):
            require_words(sentence, f"Vocab.build()'s sentence {number}")
            counts.update(word.lower() if lowercase else word for word in sentence)
        kept = [word for word, count in counts.items() if count >= min_freq and word not in specials]
        kept.sort(key=lambda word: (-counts[word], word))
        if max_size is not None:
            kept = kept[:max_size]
        return cls(kept, specials=specials, lowercase=lowercase)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.normalize(word) in self.stoi  # like a dict: 5 is just absent

    def normalize(self, word: str) -> str:
        return word.lower() if self.lowercase else word

    def index(self, word: str) -> int:
        """The id of ``word``, or of ``<unk>`` for an unknown word; a word that is not a str
        (an id given to :meth:`encode`) is a ``TypeError``, not ``<unk>``."""
        if not isinstance(word, str):
            raise TypeError(f"a word must be a str, got {type(word).__name__} {word!r}: encode takes words (str); "
                            "decode takes ids")
        found = self.stoi.get(self.normalize(word))
        if found is not None:
            return found
        if self.unk_id is None:
            raise KeyError(f"{word!r} is not in the vocabulary and it has no unknown token")
        return self.unk_id

    def encode(self, words: Iterable[str]) -> list[int]:
        """The ids of a sequence of words (a str is refused: it would be encoded character by character)."""
        require_words(words, "encode()'s input")
        return [self.index(word) for word in words]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The words of ``ids``; an id outside ``[0, len(self))`` is a :class:`VocabError`, a str
        (or a str among the ids) a ``TypeError``: "23" would be decoded character by character."""
        if isinstance(ids, str | bytes):
            raise TypeError(f"decode takes ids (ints), got {type(ids).__name__} {ids[:40]!r}; encode takes words (str)")
        words = []
        for i in ids:
            if isinstance(i, str | bytes):
                raise TypeError(f"decode takes ids (ints), got the {type(i).__name__} {i!r} among them; "
                                "encode takes words (str)")
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise VocabError(f"id {i} is outside this vocabulary of {len(self.itos)} words")
            words.append(self.itos[i])
        return words

    def to_dict(self) -> dict:
        return {
            "format": "textae.vocab/1",
            "specials": list(self.specials),
            "unk_token": self.unk_token,
            "lowercase": self.lowercase,
            "words": self.itos[len(self.specials):],
        }

    def save(self, path: str | os.PathLike) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            raise VocabError(f"cannot read vocabulary {path}: it is not UTF-8 text ({error.reason} at byte "
                             f"{error.start}); a vocab.json written by Vocab.save is") from None
        except (OSError, json.JSONDecodeError) as error:
            raise VocabError(f"cannot read vocabulary {path}: {error}") from error
        if not isinstance(data, dict) or data.get("format") != "textae.vocab/1":
            raise VocabError(f"{path} is not a textae vocabulary (missing format 'textae.vocab/1')")
        missing = [key for key in ("words", "specials", "lowercase", "unk_token") if key not in data]
        if missing:
            raise VocabError(f"{path} lacks {', '.join(missing)}: a damaged vocabulary")
        words, specials = data["words"], data["specials"]
        if not (isinstance(words, list) and isinstance(specials, list)
                and all(isinstance(word, str) for word in [*words, *specials])
                and isinstance(data["lowercase"], bool)):
            raise VocabError(f"{path}: words and specials must be lists of strings and lowercase true or false")
        return cls(words, specials=specials, lowercase=data["lowercase"], unk_token=data["unk_token"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, lowercase={self.lowercase})"
