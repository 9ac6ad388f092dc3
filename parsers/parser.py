"""One interface for everything that turns tokens into a constituency tree.

``Parser.parse(tokens) -> Tree`` and the batched ``Parser.parse_many(sentences)``. The
baselines (``baselines.py``), the trainable chart parser (``chart.py``) and, later, the
greedy RAE implement it. :func:`load_parser` builds one by name, for scripts and the
spaCy component.

Output trees have a preterminal ``(TAG word)`` per token; parsers that predict no tags
or labels use ``"X"``. Every parser refuses empty input and input longer than its
``max_tokens`` with a :class:`ParseInputError`, raised before any work is done.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence

from parsers.tree import Tree

DEFAULT_LABEL = "X"


class ParseInputError(ValueError):
    """The tokens cannot be parsed (empty, too long, or holding an unusable token)."""


class Parser(ABC):
    """Tokens to trees.

    Attributes:
        max_tokens: the longest sentence accepted (None: no limit).
    """

    max_tokens: int | None = None

    def check(self, sentences: Sequence[Sequence[str]]) -> None:
        """Raises :class:`ParseInputError` for an empty or too long sentence, or a bad token."""
        for index, tokens in enumerate(sentences):
            if isinstance(tokens, str):
                raise ParseInputError(f"sentence {index}: expected a list of tokens, got a string {tokens[:40]!r}")
            if len(tokens) == 0:
                raise ParseInputError(f"sentence {index} is empty: nothing to parse")
            if self.max_tokens is not None and len(tokens) > self.max_tokens:
                raise ParseInputError(
                    f"sentence {index} has {len(tokens)} tokens; this parser accepts at most {self.max_tokens} "
                    "(split the text into shorter sentences)"
                )
            for token in tokens:
                if not isinstance(token, str) or token == "" or any(ch in token for ch in " \t\r\n()"):
                    raise ParseInputError(
                        f"sentence {index}: token {token!r} is empty or holds whitespace or a bracket; "
                        "tokenize with parsers.tokenize first"
                    )

    def parse(self, tokens: Sequence[str]) -> Tree:
        """The tree of one sentence."""
        return self.parse_many([tokens])[0]

    def parse_many(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        """The trees of many sentences (any iterable of token lists, a generator too), in order
        (batched where the parser can)."""
        if isinstance(sentences, str):
            raise ParseInputError(f"parse_many() needs a list of token lists, got a string {sentences[:40]!r}")
        sentences = list(sentences)  # read once: check() and the parser each go through it
        self.check(sentences)
        return self._parse_checked(sentences)

    @abstractmethod
    def _parse_checked(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        """Parses sentences already validated by :meth:`check`."""


PRECISIONS = ("fp32", "bf16")  # the chart parser's arithmetic (see parsers.chart.ChartParser)
MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """The scripts' default number of chart-parser workers: one per CPU core this process may
    use, at most 8 (the library's own default stays 1: see parsers.chart.ChartParser)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_WORKERS, cores))


def load_parser(name: str, model_dir: str | os.PathLike | None = None, precision: str = "fp32",
                workers: int = 1) -> Parser:
    """A parser by name: ``right``, ``left``, ``balanced`` or ``chart`` (needs ``model_dir``).

    ``precision`` (``"fp32"`` or ``"bf16"``) and ``workers`` (batches parsed at once, each on
    one thread) are the chart parser's (see :class:`parsers.chart.ChartParser`); the
    baselines have no network and ignore them.
    """
    from parsers import baselines

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be fp32 or bf16, got {precision!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, got {workers!r}")

    simple = {
        "right": baselines.RightBranchingParser,
        "left": baselines.LeftBranchingParser,
        "balanced": baselines.BalancedParser,
    }
    if name in simple:
        return simple[name]()
    if name == "chart":
        if model_dir is None:
            raise ValueError("the chart parser needs a trained model: pass its directory (--model DIR)")
        from parsers.chart import ChartParser

        return ChartParser.from_pretrained(model_dir, precision=precision, workers=workers)
    raise ValueError(f"unknown parser {name!r}; choose from right, left, balanced, chart")
