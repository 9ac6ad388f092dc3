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

Session 35 added, on the bad steps of pairs 291-380: :func:`stranded_after_wh_subject` (a
wh-subject leaves no gap: ``what 's going to be``), ``present_with_ago(than_in_quantity=True)``
(``more than N years ago he says ...``), :func:`one_of_plural_verb` (``one of the N people have
been``), :func:`plural_subject_singular_verb` (``opponents of the soviet union has n't``),
:func:`there_plural_with_singular` (``there are no reason``), :func:`do_with_be` (``it does n't
be``) and :func:`unfinished_indefinite` (``the company is n't a good``).

Each is a function of the parse alone (a parser's output, without empty elements); the parser's
tags decide singular (``NN``, ``NNP``) and tense (``VBD`` past; ``VBZ``, ``VBP`` present; ``MD``).
"""

from __future__ import annotations

from collections.abc import Iterator

from parsers.frames import (
    NOMINAL_TAGS,
    UNKNOWN_WORD,
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

__all__ = ["do_with_be", "one_of_plural_verb", "one_of_singular", "plural_subject_singular_verb", "present_with_ago",
           "stranded_after_wh_subject", "stranded_auxiliary", "there_plural_with_singular", "unfinished_indefinite"]

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


def present_with_ago(tree: Tree, *, than_in_quantity: bool = False) -> bool:
    """Whether ``ago`` dates a clause whose verb is present or a modal (``PRESENT_TAGS``): ``this
    is a few years ago``, ``a few years ago i 've got ...``. The verb is that of the nearest verb
    phrase above ``ago``, or where none stands between it and its clause, the clause's. Where a
    preposition governs the time (``up from N a year ago``, ``than a year ago``: a prepositional
    phrase on the way up, or a preposition just before the time's words however the parser
    bracketed them), or a subordinate clause or a non-finite or past verb's phrase stands between
    (``founded N years ago``, ``the computer introduced a few weeks ago``), ``ago`` dates
    something else, and the parse passes. With ``than_in_quantity`` (since session 35), ``than``
    after ``more``, ``less`` or ``fewer`` is read as part of the time's quantity, not as the
    preposition that governs it: ``more than N years ago he says ...`` fails, ``up from more than a
    year ago`` passes."""
    parents = _parents(tree)
    leaves = tree.preterminals()
    for at, leaf in enumerate(leaves):
        if leaf.word.lower() != "ago" or _governed(leaves, at, than_in_quantity=than_in_quantity):
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


# Comparatives that make ``than`` part of a quantity (``more than N years``).
QUANTITY_COMPARATIVES = frozenset({"more", "less", "fewer"})


def _governed(leaves: list[Tree], at: int, *, than_in_quantity: bool = False) -> bool:
    """Whether the word before the time phrase that ends in ``ago`` (at ``at``) is a preposition
    (``from a year ago``, ``than N years ago``, ``with N N a year ago``); with ``than_in_quantity``,
    ``more than`` (``less``, ``fewer``) is skipped as part of the time (``from more than a year
    ago``: ``from`` governs; ``more than N years ago`` alone: nothing does)."""
    before = at - 1
    while before >= 0 and leaves[before].label in TIME_TAGS:
        before -= 1
    if (than_in_quantity and before >= 1 and before < at - 1 and leaves[before].word.lower() == "than"
            and leaves[before - 1].word.lower() in QUANTITY_COMPARATIVES):
        before -= 2
        while before >= 0 and leaves[before].label in TIME_TAGS:
            before -= 1
        return before >= 0 and leaves[before].label in ("IN", "TO")
    return before >= 0 and before < at - 1 and leaves[before].label in ("IN", "TO")


def stranded_auxiliary(tree: Tree) -> bool:
    """Whether a verb phrase's first word is an auxiliary (a form of be, have or do) or a modal
    with nothing after it but ``EMPTY_AFTER_AUXILIARY`` (negation, a few adverbs), where no word
    follows up its chain of verb phrases and no gap is licensed (:func:`parsers.frames.gap_licensed`;
    nor ellipsis: a comparison, an ``as`` clause, a wh-clause, :func:`_ellipsis_licensed`):
    ``odds are n't``, ``i 'm not going to be``, ``it 's no longer``."""
    return _stranded(tree, wh_needs_subject=False)


def stranded_after_wh_subject(tree: Tree, *, after_subordinate: bool = True) -> bool:
    """:func:`stranded_auxiliary`, where a wh-phrase licenses the ellipsis only when the clause
    after it has a subject of its own (since session 35): in ``how big it is`` or ``what it is``
    the wh-phrase fills the gap after ``is``, but in ``what 's going to be`` it is the subject,
    and ``be`` is left with nothing (the parse: ``(SBARQ (WHNP what) (SQ 's (VP going (S (VP to
    (VP be))))))``, no noun phrase in the ``SQ``). ``after_subordinate`` as
    :func:`parsers.frames.gap_licensed` takes it."""
    return _stranded(tree, wh_needs_subject=True, after_subordinate=after_subordinate)


def _stranded(tree: Tree, *, wh_needs_subject: bool, after_subordinate: bool = True) -> bool:
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
        # a question licenses a gap, except the subject's: below a question whose wh-word is the
        # subject, only what licenses one under it counts
        gap_above = ancestors[:_subject_question(ancestors)] if wh_needs_subject else ancestors
        if (_completed_above(phrase, ancestors) or gap_licensed(phrase, gap_above, after_subordinate=after_subordinate)
                or _ellipsis_licensed(phrase, ancestors, wh_needs_subject=wh_needs_subject)):
            continue
        return True
    return False


def _ellipsis_licensed(phrase: Tree, ancestors: list[Tree], *, wh_needs_subject: bool = False) -> bool:
    """Whether a phrase stands where ellipsis is the rule: a comparison or manner clause (``than
    it was``, ``as it has``, ``as they do``) or after a wh-word (``how big it is``), as a parser
    shows them, with the clause bracketed under the word or left flat beside it: some phrase on
    the way up is an ``SBAR`` or ``PP`` opening with ``than`` or ``as``, or comes right after
    ``than`` or ``as`` (or a phrase that opens with one), or after a wh-phrase beside it (with
    ``wh_needs_subject``, only where a subject stands between them, :func:`_subject_after_wh`);
    or a clause conjoined after another (``... or you do n't``, ``... and it will``)."""
    below = phrase
    for node in ancestors:
        if _category(node) in ("SBAR", "PP") and _first_word(node) in ("than", "as"):
            return True
        children = [child for child in _nodes(node) if child.label not in PUNCTUATION_TAGS]
        at = next((i for i, child in enumerate(children) if child is below), None)
        if at and _first_word(children[at - 1]) in ("than", "as"):
            return True
        wh = [i for i, child in enumerate(children[:at or 0]) if child.label.startswith("WH")]
        if wh and (not wh_needs_subject or _subject_after_wh(children, wh[-1], at)):
            return True
        if at and _category(below) in CLAUSES and children[at - 1].label == "CC" and any(
                _category(child) in CLAUSES for child in children[:at - 1]):
            return True  # a second conjunct: ``you 've either got a chair or you do n't``
        below = node
    return False


def _subject_question(ancestors: list[Tree]) -> int | None:
    """The position among ``ancestors`` of the first question clause (``SQ``) with no noun phrase
    of its own under a wh-question (``SBARQ``): ``what 's going to be``, where ``what`` is the
    subject; ``None`` where there is none (``what do you want to be``: ``you`` is)."""
    for level, node in enumerate(ancestors[:-1]):
        if _category(node) == "SQ":
            if any(_category(child) == "NP" or child.label in SUBJECT_TAGS for child in _nodes(node)):
                return None
            above = ancestors[level + 1]
            if _category(above) == "SBARQ" and any(child.label.startswith("WH") for child in _nodes(above)):
                return level
            return None
    return None


def _subject_after_wh(children: list[Tree], wh: int, at: int) -> bool:
    """Whether a subject stands between the wh-phrase ``children[wh]`` and ``children[at]``, the
    phrase on the way up to the stranded one: a noun phrase beside them, one inside the clause
    ``children[at]`` before its verb phrase, or one the parser bracketed into the wh-phrase
    (``(WHNP (WHNP what) (NP he))``)."""
    if any(_category(child) == "NP" or child.label in SUBJECT_TAGS for child in children[wh + 1:at]):
        return True
    if any(_category(child) == "NP" for child in _nodes(children[wh])):
        return True
    below = children[at]
    if _category(below) not in CLAUSES:
        return False
    for child in _nodes(below):
        if _is_vp(child):
            return False
        if _category(child) == "NP" or child.label in SUBJECT_TAGS:
            return True
    return False


# Words that follow ``a`` as a noun phrase of their own (``a few``, ``a third``): not unfinished.
NOMINAL_ADJECTIVES = frozenset({"few", "little", "lot", "half", "second", "third", "fourth", "fifth", "tenth"})
# ``do`` with a bare ``be`` after it: do-support never takes be (``it does n't be``).
DO_FORMS = frozenset({"do", "does", "did"})
# Plural present and past forms: a verb that does not agree with ``one of ...``.
PLURAL_VERBS = frozenset({"are", "were", "have", "'re", "'ve", "do"})
SUBJECT_TAGS = NOMINAL_TAGS | {"EX"}


def unfinished_indefinite(tree: Tree, adjectives: frozenset[str]) -> bool:
    """Whether the sentence ends in ``a`` or ``an`` and an adjective (one of ``adjectives``, as
    :class:`parsers.frames.VerbFrames` counts them; not one that makes a noun phrase after
    ``a``, ``NOMINAL_ADJECTIVES``): ``the company is n't a good``, the noun never written. The
    parser tags the adjective as a noun there (``(NP (DT a) (NN good))``), so the words decide,
    not the tags (since session 35)."""
    words = [leaf.word.lower() for leaf in tree.preterminals() if leaf.label not in PUNCTUATION_TAGS]
    return (len(words) >= 2 and words[-2] in ("a", "an") and words[-1] in adjectives
            and words[-1] not in NOMINAL_ADJECTIVES)


def do_with_be(tree: Tree) -> bool:
    """Whether a finite ``do`` (``does``, ``did``, ``do``; past negation) governs a verb phrase
    headed by a bare ``be``: ``it does n't be``, ``the company does n't be a good``. English
    never puts do-support on be; only the imperative has it (``do n't be late``), so a ``do``
    whose clause has no subject before it passes (since session 35)."""
    parents = _parents(tree)
    for phrase in tree.subtrees():
        if phrase.is_preterminal or not _is_vp(phrase):
            continue
        verb = _first_verb(phrase)
        if verb is None or verb.word.lower() not in DO_FORMS or verb.label not in ("VBZ", "VBD", "VBP"):
            continue
        children = _nodes(phrase)
        position = next(i for i, child in enumerate(children) if child is verb)
        rest = [child for child in children[position + 1:] if child.label not in PUNCTUATION_TAGS
                and not (child.is_preterminal and child.word.lower() in EMPTY_AFTER_AUXILIARY)]
        if not rest or not _is_vp(rest[0]) or rest[0].is_preterminal:
            continue
        main = _first_verb(rest[0])
        if main is None or main.word.lower() != "be":
            continue
        if verb.word.lower() == "do" and not _subject_before(phrase, parents):
            continue  # an imperative: ``do n't be late``
        return True
    return False


def _subject_before(phrase: Tree, parents: dict[int, Tree]) -> bool:
    """Whether the clause over a verb phrase has a noun phrase (or pronoun) before it."""
    clause = parents.get(id(phrase))
    if clause is None:
        return False
    for child in _nodes(clause):
        if child is phrase:
            return False
        if _category(child) == "NP" or child.label in SUBJECT_TAGS:
            return True
    return False


def there_plural_with_singular(tree: Tree) -> bool:
    """Whether an existential ``there are`` (``were``, ``'re``) has a singular noun after it
    (``there are no reason to ...``): the verb agrees with the noun phrase that follows it, whose
    head here is ``NN`` or ``NNP``, not a quantity of something (:func:`_quantity`: ``there are a
    lot of ...``) nor ``<unk>`` (a word outside the vocabulary, perhaps plural) (since session 35)."""
    for subject, phrase in _subjects_and_verb_phrases(tree):
        if _words(subject) != ["there"]:
            continue
        verb = _first_verb(phrase)
        if verb is None or verb.word.lower() not in ("are", "were", "'re"):
            continue
        parts = _nodes(phrase)
        at = next(i for i, child in enumerate(parts) if child is verb)
        noun_phrase = next((child for child in parts[at + 1:] if _category(child) == "NP"), None)
        if noun_phrase is None or _quantity(noun_phrase):
            continue
        head = _head_noun(noun_phrase)
        if head is not None and head.label in SINGULAR_NOUN_TAGS and head.word != UNKNOWN_WORD:
            return True
    return False


def plural_subject_singular_verb(tree: Tree) -> bool:
    """Whether a clause's subject has a plural head noun (``NNS``) and its verb phrase a singular
    present verb (``VBZ``): ``opponents of the soviet union has n't been able to make it``
    (since session 35). Subjects with a conjunction (``sales and profit``) or an unknown word for
    a head pass; the other direction (a singular noun with ``VBP``) is left alone: the parser
    tags nouns that take either (``youth``, ``percent``) as singular."""
    for subject, phrase in _subjects_and_verb_phrases(tree):
        if (_category(subject) != "NP" or subject.is_preterminal
                or any(leaf.label == "CC" for leaf in subject.preterminals())):
            continue
        head, verb = _head_noun(subject), _first_verb(phrase)
        if head is not None and verb is not None and head.label == "NNS" and verb.label == "VBZ" \
                and head.word != UNKNOWN_WORD:
            return True
    return False


def one_of_plural_verb(tree: Tree) -> bool:
    """Whether a clause's subject ``one of ...`` has a plural verb (``PLURAL_VERBS`` or any
    ``VBP``): ``one of the N people have been ...``, ``one of the most important companies are
    n't ...``. The verb agrees with ``one``, not with the plural noun inside the phrase (since
    session 35; :func:`one_of_singular` checks the noun)."""
    for subject, phrase in _subjects_and_verb_phrases(tree):
        if _category(subject) != "NP" or _words(subject)[:2] != ["one", "of"]:
            continue
        verb = _first_verb(phrase)
        if verb is not None and (verb.label == "VBP" or verb.word.lower() in PLURAL_VERBS):
            return True
    return False


def _subjects_and_verb_phrases(tree: Tree) -> Iterator[tuple[Tree, Tree]]:
    """Each clause's children (punctuation left out) that stand right before one of its verb
    phrases, with that verb phrase: a subject and its predicate where the parse has one."""
    for clause in tree.subtrees():
        if clause.is_preterminal or _category(clause) not in CLAUSES:
            continue
        children = [child for child in _nodes(clause) if child.label not in PUNCTUATION_TAGS]
        for subject, phrase in zip(children, children[1:], strict=False):
            if _is_vp(phrase) and not phrase.is_preterminal:
                yield subject, phrase


def _first_word(node: Tree) -> str:
    words = node.leaves()
    return str(words[0]).lower() if words else ""
