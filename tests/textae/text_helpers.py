"""Random sentences of made-up words, written by the tests themselves (no corpus text).

Words are letter strings drawn with Zipf-like frequencies, so a small WordPiece vocabulary
keeps the frequent ones whole and splits the rest into ``##`` pieces.
"""

from __future__ import annotations

import random


def random_lexicon(seed: int, size: int = 3000, letters: str = "abcdefghijklmnop") -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)]


def random_sentences(seed: int, count: int, lexicon: list[str], min_words: int = 5,
                     max_words: int = 60) -> list[list[str]]:
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(len(lexicon))]
    return [rng.choices(lexicon, weights, k=rng.randint(min_words, max_words)) for _ in range(count)]
