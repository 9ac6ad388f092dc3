"""The ``textae_parser`` spaCy component, on ``spacy.blank("en")`` with a sentencizer."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import parsers.spacy_component  # noqa: F401  (registers "textae_parser")
from parsers.baselines import balanced_tree, right_branching_tree
from parsers.spacy_component import (
    FACTORY_NAME,
    MissingSentencesError,
    SentenceSkippedWarning,
    TreeParserComponent,
)
from parsers.tokenize import to_ptb_tokens


def make_pipeline(**config) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe(FACTORY_NAME, config={"parser": "right", **config})
    return nlp


@pytest.fixture(scope="module")
def nlp() -> Language:
    return make_pipeline()


def expected_tokens(sentence) -> list[str]:
    """What the component should put at the leaves: the converted non-space tokens."""
    words = [token for token in sentence if not token.is_space]
    doc = sentence.doc
    spaces = [
        bool(token.whitespace_) or (token.i + 1 < len(doc) and doc[token.i + 1].is_space)
        for token in words
    ]
    return to_ptb_tokens([token.text for token in words], spaces)


def test_factory_is_registered_on_import() -> None:
    assert Language.has_factory(FACTORY_NAME)


def test_one_tree_per_sentence(nlp: Language) -> None:
    doc = nlp("The film is fun. It doesn't drag!  Would I see it again?")
    sentences = list(doc.sents)
    assert len(sentences) == 3
    assert len(doc._.trees) == 3
    for sentence, tree in zip(sentences, doc._.trees, strict=True):
        assert sentence._.tree is tree
        assert tree.leaves() == expected_tokens(sentence)
        assert tree == right_branching_tree(tree.leaves())
    assert doc._.trees[1].leaves() == ["It", "does", "n't", "drag", "!"]


def test_leaves_are_converted_to_the_ptb_convention(nlp: Language) -> None:
    doc = nlp('He said "hi (there)" to me/you *now*.')
    assert doc._.trees[0].leaves() == [
        "He", "said", "``", "hi", "-LRB-", "there", "-RRB-", "''",
        "to", "me", "\\/", "you", "\\*", "now", "\\*", ".",
    ]  # fmt: skip


def test_whitespace_tokens_are_not_leaves(nlp: Language) -> None:
    doc = nlp("Good  film.\n\nBad   film.\n")
    trees = doc._.trees
    assert [tree.leaves() for tree in trees if tree is not None] == [
        ["Good", "film", "."],
        ["Bad", "film", "."],
    ]
    # A trailing sentence of only whitespace, if spaCy makes one, has no tree.
    for sentence, tree in zip(doc.sents, trees, strict=True):
        assert (tree is None) == all(token.is_space for token in sentence)


def test_too_long_sentence_gets_none_and_a_warning() -> None:
    nlp = make_pipeline(max_tokens=4)
    with pytest.warns(SentenceSkippedWarning, match=r"7 tokens, more than max_tokens=4"):
        doc = nlp("Short one. This one is far too long. Ok.")
    trees = doc._.trees
    assert trees[0].leaves() == ["Short", "one", "."]
    assert trees[1] is None
    assert list(doc.sents)[1]._.tree is None
    assert trees[2].leaves() == ["Ok", "."]


def test_other_parsers_by_config() -> None:
    doc = make_pipeline(parser="balanced")("a b c d e")
    assert doc._.trees == [balanced_tree(["a", "b", "c", "d", "e"])]


def test_pipe_gives_the_same_trees_as_calls(nlp: Language) -> None:
    texts = ["One. Two three.", "", "Four five six!", "Seven (eight) nine."]
    piped = [doc._.trees for doc in nlp.pipe(texts, batch_size=2)]
    called = [nlp(text)._.trees for text in texts]
    assert piped == called
    assert piped[1] == []


def test_defaults_before_the_component_runs() -> None:
    doc = spacy.blank("en")("Nothing parsed.")
    assert doc._.trees is None
    assert doc[:]._.tree is None


def test_missing_sentence_boundaries_are_an_error() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe(FACTORY_NAME)
    with pytest.raises(MissingSentencesError, match="sentencizer"):
        nlp("No sentencizer here.")


@pytest.mark.parametrize(
    "config, message",
    [
        ({"parser": "nope"}, "unknown parser"),
        ({"parser": "chart"}, "needs a trained model"),
        ({"max_tokens": 0}, "positive int"),
        ({"precision": "fp16"}, "precision must be fp32 or bf16"),
        ({"workers": 0}, "workers must be an int >= 1"),
    ],
)
def test_bad_config(config: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_pipeline(**config)


def test_component_without_spacy_config() -> None:
    from parsers.baselines import LeftBranchingParser

    sentencizer_only = spacy.blank("en")
    sentencizer_only.add_pipe("sentencizer")
    component = TreeParserComponent(LeftBranchingParser(), max_tokens=10)
    doc = component(sentencizer_only("Ex why zed. Done."))
    assert doc._.trees == [
        LeftBranchingParser().parse(["Ex", "why", "zed", "."]),
        LeftBranchingParser().parse(["Done", "."]),
    ]


def test_saved_pipeline_loads_with_its_config(nlp: Language, tmp_path: Path) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe_config(FACTORY_NAME)["parser"] == "right"
    with warnings.catch_warnings():
        warnings.simplefilter("error", SentenceSkippedWarning)
        assert loaded("A b c. D e.")._.trees == nlp("A b c. D e.")._.trees
