"""Agreement, tense and ellipsis checks over a parse: sentences built wrong that a parser still
reads as clauses with every complement in place.

A sentence VAE's decoder blends the corpus's frequent openings into clauses that parse well and
read badly. Three kinds recur in the interpolations of the PTB models (the steps of test pairs
111-170 that one reader judged bad, ``benchmarks/results/prose_vae_interpolations_*_judged.tsv``),
each with a plain syntactic mark:

- :func:`one_of_singular`: the partitive ``one of`` with a singular noun phrase (``one of the
  new york city is the first time``); ``one of`` picks one of many, so its noun is plural (``one
  of the nation 's largest banks``), a number (``one of the N``) or a pronoun (``one of them``).
- :func:`present_with_ago`: ``ago`` dating a clause whose verb is present, present perfect or a
  modal (``this is a few years ago``, ``a few years ago he has n't been reached for comment``);
  ``ago`` counts back from now to a past event, so its clause is in the past tense. Where a
  preposition governs the time (``up from $ N a year ago``), or ``ago`` sits in a subordinate
  clause or a participle's phrase (``founded two years ago``), it dates something else, and the
  clause passes.
- :func:`stranded_auxiliary` (with :func:`parsers.frames.gap_licensed`): an auxiliary or modal
  with nothing after it but negation or an adverb (``odds are n't``, ``he says it is n't going to
  be``) where no gap is licensed. In running text such ellipsis answers an earlier sentence
  (``but it is n't``); a sentence that stands alone has nothing for it to stand for.

Written in session 33 on those steps, and refined on pairs 171-200 (``benchmarks/clause_filter.py``
measures them on judged steps and on PTB test lines; BENCHMARKS.md, issue #4).

Each is a function of the parse alone (a parser's output, without empty elements); the parser's
tags decide singular (``NN``, ``NNP``) and tense (``VBD`` past; ``VBZ``, ``VBP`` present; ``MD``).
"""

from __future__ import annotations

from parsers.frames import (
    VERB_TAGS,
    _ancestors,
    _completed_above,
    _is_vp,
    _nodes,
    _parents,
    gap_licensed,
)
from parsers.heads import PUNCTUATION_TAGS, basic_category
from parsers.tree import Tree

__all__ = ["one_of_singular", "present_with_ago", "stranded_auxiliary"]

SINGULAR_NOUN_TAGS = frozenset({"NN", "NNP"})
HEAD_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "PRP", "CD"})
# Forms of be, have and do: with nothing after them, an elided verb phrase (``it is n't``).
AUXILIARIES = frozenset({"be", "is", "are", "was", "were", "been", "am", "'s", "'re", "'m",
                         "have", "has", "had", "'ve", "'d", "do", "does", "did"})
# What may follow a stranded auxiliary without being what it asks for: negation and adverbs that
# cannot be a predicate (``it 's no longer``; ``prices are up`` has its predicate).
EMPTY_AFTER_AUXILIARY = frozenset({"n't", "not", "never", "no", "longer", "also", "still", "just", "already",
                                   "too"})
# Clauses that date the present: their first verb present (VBZ, VBP) or a modal.
PRESENT_TAGS = frozenset({"VBZ", "VBP", "MD"})
VERB_OR_MODAL = VERB_TAGS | {"MD"}
CLAUSES = frozenset({"S", "SINV", "SQ"})


def _category(node: Tree) -> str:
    return basic_category(node.label.split("+")[0])


def _words(node: Tree) -> list[str]:
    return [str(word).lower() for word in node.leaves()]


def _possessive(node: Tree) -> bool:
    """A noun phrase ending in the possessive ``'s`` (``the nation 's``): a determiner, not a head."""
    leaves = node.preterminals()
    return bool(leaves) and leaves[-1].label == "POS"


def _head_noun(phrase: Tree) -> Tree | None:
    """The head noun (or pronoun, or number) of a noun phrase: down its first noun phrase
    (``(NP (NP the banks) (PP of ...))``) unless that one is a possessive, then the last noun among
    its own words; ``None`` where it has none (an adjective's head: ``the largest``)."""
    while True:
        children = _nodes(phrase)
        if children and _category(children[0]) == "NP" and not _possessive(children[0]) and not children[0].is_preterminal:
            phrase = children[0]
            continue
        nouns = [child for child in children if child.is_preterminal and child.label in HEAD_TAGS]
        return nouns[-1] if nouns else None


def one_of_singular(tree: Tree) -> bool:
    """Whether a noun phrase ``one of`` + noun phrase has a singular head noun (``NN``, ``NNP``):
    ``one of the new york city``, ``one of the company``. A plural (``one of the banks``), a number
    (``one of the N``), a pronoun (``one of them``), a quantity of something (``one of a handful
    of stocks``, :func:`_quantity`) or no noun at all passes."""
    for node in tree.subtrees():
        if node.is_preterminal or _category(node) != "NP":
            continue
        children = _nodes(node)
        if len(children) < 2 or _words(children[0]) != ["one"] or _category(children[1]) != "PP":
            continue
        parts = _nodes(children[1])
        if len(parts) < 2 or _words(parts[0]) != ["of"] or _category(parts[1]) != "NP":
            continue
        head = _head_noun(parts[1])
        if head is not None and head.label in SINGULAR_NOUN_TAGS and not _quantity(parts[1]):
            return True
    return False


def _quantity(phrase: Tree) -> bool:
    """Whether a noun phrase is a quantity of something (``a handful of blue-chip stocks``, ``a
    group of banks``): a noun phrase followed by ``of`` and another noun phrase, whose noun
    ``one of`` counts."""
    while not phrase.is_preterminal:
        children = _nodes(phrase)
        if len(children) >= 2 and _category(children[0]) == "NP" and _category(children[1]) == "PP" \
                and _words(children[1])[:1] == ["of"]:
            return True
        if not children or _category(children[0]) != "NP" or _possessive(children[0]):
            return False
        phrase = children[0]
    return False


def _first_verb(phrase: Tree, tags: frozenset[str] = VERB_OR_MODAL) -> Tree | None:
    """The first of ``phrase``'s children that is a word tagged one of ``tags``."""
    return next((child for child in _nodes(phrase) if child.is_preterminal and child.label in tags), None)


def _clause_verb(clause: Tree) -> Tree | None:
    """A clause's first verb or modal: the first one its verb phrase starts with."""
    for child in _nodes(clause):
        if _is_vp(child) and not child.is_preterminal:
            return _first_verb(child)
        if child.is_preterminal and child.label in VERB_OR_MODAL:
            return child  # an inversion's verb (SINV, SQ)
    return None


def present_with_ago(tree: Tree) -> bool:
    """Whether ``ago`` dates a clause whose verb is present or a modal (``PRESENT_TAGS``): ``this
    is a few years ago``, ``a few years ago i 've got ...``. The verb is that of the nearest verb
    phrase above ``ago``, or where none stands between it and its clause, the clause's. Where a
    preposition governs the time (``up from N a year ago``, ``than a year ago``: a prepositional
    phrase on the way up, or a preposition just before the time's words however the parser
    bracketed them), or a subordinate clause or a non-finite or past verb's phrase stands between
    (``founded N years ago``, ``the computer introduced a few weeks ago``), ``ago`` dates
    something else, and the parse passes."""
    parents = _parents(tree)
    leaves = tree.preterminals()
    for at, leaf in enumerate(leaves):
        if leaf.word.lower() != "ago" or _governed(leaves, at):
            continue
        verb = None
        for node in _ancestors(leaf, parents):
            category = _category(node)
            if category == "SBAR" or (category == "PP" and _first_word(node) != "ago"):
                break
            if _is_vp(node) and not node.is_preterminal:
                verb = _first_verb(node, VERB_OR_MODAL | {"TO"})
                if verb is not None:
                    break
            if category in CLAUSES:
                verb = _clause_verb(node)
                break
        if verb is not None and verb.label in PRESENT_TAGS:
            return True
    return False


# The words of a time before ``ago`` (``a few years``, ``N N``, ``two months``), skipped back over
# to the word that governs it.
TIME_TAGS = frozenset({"DT", "CD", "JJ", "NN", "NNS"})


def _governed(leaves: list[Tree], at: int) -> bool:
    """Whether the word before the time phrase that ends in ``ago`` (at ``at``) is a preposition
    (``from a year ago``, ``than N years ago``, ``with N N a year ago``)."""
    before = at - 1
    while before >= 0 and leaves[before].label in TIME_TAGS:
        before -= 1
    return before >= 0 and before < at - 1 and leaves[before].label in ("IN", "TO")


def stranded_auxiliary(tree: Tree) -> bool:
    """Whether a verb phrase's first word is an auxiliary (a form of be, have or do) or a modal
    with nothing after it but ``EMPTY_AFTER_AUXILIARY`` (negation, a few adverbs), where no word
    follows up its chain of verb phrases and no gap is licensed (:func:`parsers.frames.gap_licensed`;
    nor ellipsis: a comparison, an ``as`` clause, a wh-clause, :func:`_ellipsis_licensed`):
    ``odds are n't``, ``i 'm not going to be``, ``it 's no longer``."""
    parents = _parents(tree)
    for phrase in tree.subtrees():
        if phrase.is_preterminal or not _is_vp(phrase):
            continue
        verb = _first_verb(phrase)
        if verb is None or (verb.label != "MD" and verb.word.lower() not in AUXILIARIES):
            continue
        children = _nodes(phrase)
        position = next(i for i, child in enumerate(children) if child is verb)
        after = [word for child in children[position + 1:] if child.label not in PUNCTUATION_TAGS
                 for word in _words(child)]
        if any(word not in EMPTY_AFTER_AUXILIARY for word in after):
            continue
        ancestors = _ancestors(phrase, parents)
        if (_completed_above(phrase, ancestors) or gap_licensed(phrase, ancestors)
                or _ellipsis_licensed(phrase, ancestors)):
            continue
        return True
    return False


def _ellipsis_licensed(phrase: Tree, ancestors: list[Tree]) -> bool:
    """Whether a phrase stands where ellipsis is the rule: a comparison or manner clause (``than
    it was``, ``as it has``, ``as they do``) or after a wh-word (``how big it is``), as a parser
    shows them, with the clause bracketed under the word or left flat beside it: some phrase on
    the way up is an ``SBAR`` or ``PP`` opening with ``than`` or ``as``, or comes right after
    ``than`` or ``as`` (or a phrase that opens with one), or after a wh-phrase beside it; or a
    clause conjoined after another (``... or you do n't``, ``... and it will``)."""
    below = phrase
    for node in ancestors:
        if _category(node) in ("SBAR", "PP") and _first_word(node) in ("than", "as"):
            return True
        children = [child for child in _nodes(node) if child.label not in PUNCTUATION_TAGS]
        at = next((i for i, child in enumerate(children) if child is below), None)
        if at and (_first_word(children[at - 1]) in ("than", "as")
                   or any(child.label.startswith("WH") for child in children[:at])):
            return True
        if at and _category(below) in CLAUSES and children[at - 1].label == "CC" and any(
                _category(child) in CLAUSES for child in children[:at - 1]):
            return True  # a second conjunct: ``you 've either got a chair or you do n't``
        below = node
    return False


def _first_word(node: Tree) -> str:
    words = node.leaves()
    return str(words[0]).lower() if words else ""
