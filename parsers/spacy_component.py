"""A spaCy pipeline component that gives every sentence a constituency tree.

Importing this module registers the factory ``"textae_parser"`` with spaCy (it is not an
entry point, so spaCy cannot find it on its own) and the extensions it fills in:

* ``sent._.tree``: a :class:`parsers.Tree` per sentence of ``doc.sents``, or None;
* ``doc._.trees``: the list of those trees, one entry per sentence, in order.

Usage::

    import spacy
    import parsers.spacy_component  # noqa: F401  (registers "textae_parser")

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("textae_parser", config={"parser": "balanced"})
    doc = nlp("It's not bad. I liked it.")
    [str(tree) for tree in doc._.trees]

Config (``nlp.add_pipe("textae_parser", config={...})``):

* ``parser``: ``"right"``, ``"left"``, ``"balanced"`` or ``"chart"`` (see
  :func:`parsers.parser.load_parser`); default ``"right"``.
* ``model``: the directory of a trained chart parser (required for ``"chart"``); default
  None. The pipeline's saved config refers to this path; the model is not copied.
* ``max_tokens``: the longest sentence to parse; default 512.
* ``precision``: the chart parser's arithmetic, ``"fp32"`` (default) or ``"bf16"``
  (bfloat16 autocast, faster on CPUs with native bfloat16).
* ``workers``: the chart parser's batches parsed at once, each on one thread (default 1; 2
  on a 2-core CPU parsed 1.0-1.5x faster, see :class:`parsers.chart.ChartParser`).

The leaves of a sentence's tree are its tokens minus whitespace tokens, each respelled in
the SST/PTB convention by :func:`parsers.tokenize.to_ptb_tokens` (``(`` becomes ``-LRB-``,
``"`` becomes ````` or ``''``, ...); spaCy's token boundaries are kept, so leaf ``i`` is the
``i``-th non-space token of the sentence. A sentence is not parsed, and gets None, when it
has more than ``max_tokens`` tokens (or more than the parser accepts) or a token the parser
cannot take; each such sentence raises a :class:`SentenceSkippedWarning`, not an error, so
one odd sentence does not stop a corpus. A sentence of only whitespace gets None silently.

The pipeline needs sentence boundaries before this component (a ``sentencizer``, ``senter``
or ``parser``); without them :class:`MissingSentencesError` is raised. spaCy is imported
with this module, which :mod:`parsers` itself never imports, so ``import parsers`` stays
light.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from parsers.parser import ParseInputError, Parser, load_parser
from parsers.tokenize import TokenizationError, to_ptb_tokens
from parsers.tree import Tree

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "FACTORY_NAME",
    "MissingSentencesError",
    "SentenceSkippedWarning",
    "TreeParserComponent",
    "make_tree_parser_component",
]

FACTORY_NAME = "textae_parser"
DEFAULT_MAX_TOKENS = 512


class SentenceSkippedWarning(UserWarning):
    """A sentence was too long or held an unusable token, so its tree is None."""


class MissingSentencesError(ValueError):
    """The ``Doc`` has no sentence boundaries, so there are no sentences to parse."""


# Registered once, with None defaults: a mutable default ([]) would be one list shared by
# every Doc. An extension registered earlier under the same name (a reload of this module)
# is left as it is.
if not Span.has_extension("tree"):
    Span.set_extension("tree", default=None)
if not Doc.has_extension("trees"):
    Doc.set_extension("trees", default=None)


class TreeParserComponent:
    """Sets ``sent._.tree`` and ``doc._.trees`` with a :class:`parsers.parser.Parser`.

    Args:
        parser: The parser that turns a sentence's tokens into a tree.
        max_tokens: Sentences with more tokens (whitespace tokens not counted) get None and
            a :class:`SentenceSkippedWarning`.
        name: The component's name in the pipeline (used in warnings).

    Raises:
        ValueError: If ``max_tokens`` is not a positive int.
    """

    def __init__(
        self, parser: Parser, max_tokens: int = DEFAULT_MAX_TOKENS, name: str = FACTORY_NAME
    ) -> None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise ValueError(f"{name}: max_tokens must be a positive int, got {max_tokens!r}")
        self.parser = parser
        self.max_tokens = max_tokens
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        """Parse the sentences of one ``Doc``.

        Args:
            doc: A ``Doc`` with sentence boundaries.

        Returns:
            The same ``Doc``, with ``sent._.tree`` and ``doc._.trees`` set.

        Raises:
            MissingSentencesError: If ``doc`` has tokens but no sentence boundaries.
        """
        self._annotate([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Parse a stream of ``Doc`` objects, the sentences of ``batch_size`` docs per call.

        Args:
            docs: The documents, each with sentence boundaries.
            batch_size: How many documents share one ``parse_many`` call.

        Returns:
            The documents in order, annotated as by :meth:`__call__`.

        Raises:
            MissingSentencesError: If a ``Doc`` has tokens but no sentence boundaries.
        """
        for batch in minibatch(docs, size=batch_size):
            self._annotate(batch)
            yield from batch

    @property
    def effective_max_tokens(self) -> int:
        """The longest sentence parsed: ``max_tokens`` or the parser's own limit if lower."""
        if self.parser.max_tokens is None:
            return self.max_tokens
        return min(self.max_tokens, self.parser.max_tokens)

    def _sentence_tokens(self, sentence: Span) -> list[str] | None:
        """The PTB tokens of one sentence, or None (with a warning) if it cannot be parsed."""
        doc = sentence.doc
        words = [token for token in sentence if not token.is_space]
        if not words:
            return None
        limit = self.effective_max_tokens
        if len(words) > limit:
            self._skip(sentence, f"it has {len(words)} tokens, more than max_tokens={limit}")
            return None
        # A dropped whitespace token still counts as space after the word before it; the
        # spacing tells opening quotes from closing ones.
        spaces_after = [
            bool(token.whitespace_) or (token.i + 1 < len(doc) and doc[token.i + 1].is_space)
            for token in words
        ]
        try:
            tokens = to_ptb_tokens([token.text for token in words], spaces_after)
            self.parser.check([tokens])
        except (TokenizationError, ParseInputError) as error:
            self._skip(sentence, str(error))
            return None
        return tokens

    def _skip(self, sentence: Span, reason: str) -> None:
        """Warn that ``sentence`` keeps a None tree, saying where it is and why."""
        excerpt = sentence.text[:60] + ("…" if len(sentence.text) > 60 else "")
        warnings.warn(
            f"{self.name}: sentence at characters {sentence.start_char}-{sentence.end_char} "
            f"({excerpt!r}) is not parsed and its tree is None: {reason}",
            SentenceSkippedWarning,
            stacklevel=2,
        )

    def _annotate(self, docs: Sequence[Doc]) -> None:
        """Parse every sentence of ``docs`` in one batch and set the extensions."""
        sentences_per_doc: list[list[Span]] = []
        pending_sentences: list[Span] = []
        pending_tokens: list[list[str]] = []
        for doc in docs:
            if len(doc) == 0:
                sentences_per_doc.append([])
                continue
            if not doc.has_annotation("SENT_START"):
                raise MissingSentencesError(
                    f"{self.name}: the Doc starting {doc.text[:40]!r} has no sentence "
                    "boundaries; add a component that sets them before this one, e.g. "
                    f'nlp.add_pipe("sentencizer", before="{self.name}")'
                )
            sentences = list(doc.sents)
            sentences_per_doc.append(sentences)
            for sentence in sentences:
                sentence._.tree = None
                tokens = self._sentence_tokens(sentence)
                if tokens is not None:
                    pending_sentences.append(sentence)
                    pending_tokens.append(tokens)
        if pending_tokens:
            for sentence, tree in zip(
                pending_sentences, self.parser.parse_many(pending_tokens), strict=True
            ):
                sentence._.tree = tree
        for doc, sentences in zip(docs, sentences_per_doc, strict=True):
            trees: list[Tree | None] = [sentence._.tree for sentence in sentences]
            doc._.trees = trees


@Language.factory(
    FACTORY_NAME,
    default_config={"parser": "right", "model": None, "max_tokens": DEFAULT_MAX_TOKENS, "precision": "fp32",
                    "workers": 1},
    assigns=["doc._.trees", "span._.tree"],
    requires=["token.is_sent_start"],
)
def make_tree_parser_component(
    nlp: Language, name: str, parser: str, model: str | None, max_tokens: int, precision: str = "fp32",
    workers: int = 1,
) -> TreeParserComponent:
    """Build the ``textae_parser`` component (spaCy calls this from ``nlp.add_pipe``).

    Args:
        nlp: The pipeline (unused; spaCy passes it to every factory).
        name: The component's name in the pipeline.
        parser: ``"right"``, ``"left"``, ``"balanced"`` or ``"chart"``.
        model: The trained model directory, for ``"chart"``; None otherwise.
        max_tokens: The longest sentence to parse; longer ones get None and a warning.
        precision: ``"fp32"`` or ``"bf16"``, for ``"chart"`` (ignored by the others).
        workers: Batches parsed at once, each on one thread, for ``"chart"`` (ignored by the others).

    Returns:
        The component.

    Raises:
        ValueError: For an unknown parser name, ``"chart"`` without a model, an unknown
            ``precision``, or a ``max_tokens`` or ``workers`` that is not a positive int.
    """
    return TreeParserComponent(load_parser(parser, model, precision=precision, workers=workers),
                               max_tokens=max_tokens, name=name)
