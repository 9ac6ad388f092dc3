"""Which verbs need a complement, learned from a treebank, and parses that leave one out.

A transitive verb with nothing after it reads as cut short: ``we do n't want to do``. Yet a
verb may lack a visible complement for good reasons: its object was moved or dropped (``what
we want to do``, ``the time to buy``, ``prices will rise , analysts say``). Penn Treebank's
gold trees mark those places with empty elements (``(NP (-NONE- *T*-1))``, ``(SBAR (-NONE-
0) (S (-NONE- *T*-2)))``); a parser's output, trained without them, does not.

:meth:`VerbFrames.from_treebank` counts, for each verb form (word and tag), its verb phrases in
gold trees that keep their empty elements: those with a word after the verb, those whose only
complements are empty elements (a gap), and the bare ones with nothing at all after the verb.
A form seen at least ``min_count`` times (20) and bare at most ``max_bare_share`` of them (2%)
*needs a complement*: in NLTK's WSJ sample, 20 forms, among them ``do``/VB (31 with words after
it, 3 with a gap, never bare), ``said``/VBD (bare once in 614), ``make``/VB and ``buy``/VB.
Forms of *be* and *have* (auxiliaries, whose bare uses are ellipsis: ``as it has``) and past
participles (VBN: a passive's object is its subject) are left out.

:func:`missing_complement` then reads a parse without empty elements: it finds a verb that
needs a complement with nothing after it, neither in its verb phrase nor beside that phrase up
its chain of verb phrases (parsers sometimes attach the object one level up), in a place that
licenses no gap. The gaps it knows (:func:`gap_licensed`): a question, an inversion or a
parenthetical around it (SBARQ, SQ, SINV, PRN: ``most people he says have no idea``); a
wh-clause whose subject is a noun phrase (``what we want to do``: the wh-word fills the
object; with no subject, as in ``people who do n't want to do``, it fills the subject and the
object stays empty); a clause with no complementizer right after a noun phrase (a reduced
relative: ``the things we want to do``; after a verb such a clause is its complement, and ``he
said we want to do`` fails); an infinitival clause right after a noun phrase (``the time to buy``); and a finite
clause before the verb's subject (``prices will rise analysts say``).

A clause needs its subject too. :meth:`VerbFrames.from_treebank` also counts the nouns that make
a noun phrase alone: one seen at least ``min_count`` times as a time adjunct (``NP-TMP``) and a
subject (``NP-SBJ``) in at most ``max_subject_share`` of its uses is an *adjunct noun*: in the
WSJ sample ``yesterday`` (55 times a time adjunct, never a subject) and ``tuesday``.
:func:`missing_subject` flags a root clause whose subject's place holds only such a noun (``in
composite trading yesterday closed at $ N a share``, a table line with the company's name left
out, which a parser reads with ``yesterday`` as the subject), and a root question with no noun
phrase (``do n't want to be a good thing``); :func:`missing_predicate` a root clause with no verb
that can be its predicate and nothing before it (``guaranteed by the new york stock exchange``);
:func:`subject_lost_after_phrases` (session 35) a root clause with only prepositional phrases
and adverbs before its finite verb (``in new york stock exchange composite trading closed at``).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.heads import PUNCTUATION_TAGS, basic_category
from parsers.tree import Tree

__all__ = ["VerbFrames", "gap_licensed", "missing_complement", "missing_predicate", "missing_subject"]

VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
FINITE_TAGS = frozenset({"VBD", "VBP", "VBZ", "MD"})
# A declarative clause's verb that can stand as its own predicate: finite (past, present,
# modal) or base form (an imperative); a participle or gerund alone cannot.
PREDICATE_TAGS = FINITE_TAGS | {"VB"}
# Forms of the auxiliaries be and have: bare, they are ellipsis (``as it has``, ``it will be``).
AUXILIARY_WORDS = frozenset({"be", "is", "are", "was", "were", "been", "being", "am", "'s", "'re", "'m",
                             "have", "has", "had", "having", "'ve", "'d"})
EMPTY = "-NONE-"
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
# A subject a parser left unbracketed: a noun or pronoun beside the verb phrase.
NOMINAL_TAGS = NOUN_TAGS | {"PRP"}
# What may stand as a clause's subject before its verb phrase (a parser's unbracketed one too).
SUBJECT_LABELS = frozenset({"NP", "S", "SBAR", "EX", "CD", "DT", *NOMINAL_TAGS})


def _nodes(tree: Tree) -> list[Tree]:
    return [] if tree.is_preterminal else list(tree.children)  # type: ignore[arg-type]


def _is_vp(node: Tree) -> bool:
    """A verb phrase, or a collapsed unary chain with one in it (``S+VP``)."""
    return "VP" in (basic_category(part) for part in node.label.split("+"))


def _head_verb(phrase: Tree) -> int | None:
    """The position among ``phrase``'s children of its first verb (a VB* preterminal)."""
    return next((i for i, child in enumerate(_nodes(phrase)) if child.is_preterminal and child.label in VERB_TAGS),
                None)


def _after_verb(phrase: Tree, position: int) -> list[Tree]:
    """The children of ``phrase`` after its verb at ``position``, punctuation left out."""
    return [child for child in _nodes(phrase)[position + 1:] if child.label not in PUNCTUATION_TAGS]


def _checked_form(verb: Tree) -> tuple[str, str] | None:
    """``(word lower-cased, tag)`` of a verb the frames speak for; None for VBN and auxiliaries."""
    word = verb.word.lower()
    return None if verb.label == "VBN" or word in AUXILIARY_WORDS else (word, verb.label)


@dataclass(frozen=True)
class VerbFrames:
    """The verb forms (``(word lower-cased, tag)``) that need a complement, the nouns
    (lower-cased) that alone make a time adjunct, never a subject (module docstring), and (since
    session 35) the words that are adjectives wherever they occur, which cannot end a sentence
    after ``a`` (``parsers.agreement.unfinished_indefinite``)."""

    needs_complement: frozenset[tuple[str, str]]
    # nouns that alone make a time adjunct (``yesterday``), never a subject (``missing_subject``)
    adjunct_nouns: frozenset[str] = frozenset()
    # words tagged an adjective (JJ, JJR, JJS) in nearly all their uses (``good``, ``major``)
    adjectives: frozenset[str] = frozenset()

    @classmethod
    def from_treebank(cls, trees: Iterable[Tree], *, min_count: int = 20, max_bare_share: float = 0.02,
                      max_subject_share: float = 0.02, min_adjective_count: int = 10,
                      min_adjective_share: float = 0.9) -> VerbFrames:
        """The forms seen at least ``min_count`` times in the verb phrases of ``trees`` (gold
        Penn Treebank trees with their ``-NONE-`` empty elements and function tags, as ``.mrg``
        files hold them) with nothing after the verb in at most ``max_bare_share`` of them.
        Never bare in 20 uses (the default) puts a form's bare share under 15% with 95%
        confidence (the rule of three); at 10, rarer forms that can stand alone
        (``gained``, ``went``) would count as needing a complement on too little evidence.
        The adjunct nouns: those that make a noun phrase alone at least ``min_count`` times as
        a time adjunct (``NP-TMP``) and a subject (``NP-SBJ``) in at most ``max_subject_share``
        of their one-word noun phrases. The adjectives: words (lower-cased) seen at least
        ``min_adjective_count`` times not tagged a proper noun (headlines capitalise adjectives:
        ``New``, ``Big``), tagged ``JJ``, ``JJR`` or ``JJS`` in at least ``min_adjective_share`` of
        those (``good`` in the WSJ sample).

        Raises:
            ValueError: ``min_count`` < 1, ``max_bare_share`` or ``max_subject_share`` outside
                [0, 1); no tree holds an empty element (trees read without them: every gap
                would count as bare).
        """
        if min_count < 1 or not 0.0 <= max_bare_share < 1.0:
            raise ValueError(f"min_count must be >= 1 and max_bare_share in [0, 1), got {min_count} and "
                             f"{max_bare_share}")
        if not 0.0 <= max_subject_share < 1.0:
            raise ValueError(f"max_subject_share in [0, 1) expected, got {max_subject_share}")
        if min_adjective_count < 1 or not 0.0 < min_adjective_share <= 1.0:
            raise ValueError(f"min_adjective_count must be >= 1 and min_adjective_share in (0, 1], got "
                             f"{min_adjective_count} and {min_adjective_share}")
        tags: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        counts: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
        alone: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        empties = 0
        for tree in trees:
            for node in tree.subtrees():
                if node.is_preterminal:
                    empties += node.label == EMPTY
                    if node.label not in (EMPTY, "NNP", "NNPS"):
                        tags[str(node.children[0]).lower()][node.label] += 1
                    continue
                if basic_category(node.label) == "NP":
                    words = [leaf for leaf in node.preterminals() if leaf.label != EMPTY]
                    if len(words) == 1 and words[0].label in NOUN_TAGS:
                        alone[str(words[0].children[0]).lower()][_function(node.label)] += 1
                if basic_category(node.label) != "VP":
                    continue
                position = _head_verb(node)
                if position is None:
                    continue
                form = _checked_form(node.children[position])  # type: ignore[arg-type]
                if form is None:
                    continue
                after = _after_verb(node, position)
                if not after:
                    counts[form]["bare"] += 1
                elif all(leaf.label == EMPTY for child in after for leaf in child.preterminals()):
                    counts[form]["gap"] += 1
                else:
                    counts[form]["overt"] += 1
        if counts and not empties:
            raise ValueError("the trees hold no -NONE- empty element: read them as the .mrg files have them "
                             "(a gap would otherwise count as a verb with nothing after it)")
        needs = {form for form, seen in counts.items()
                 if sum(seen.values()) >= min_count and seen["bare"] <= max_bare_share * sum(seen.values())}
        adjuncts = {word for word, seen in alone.items()
                    if seen["TMP"] >= min_count and seen["SBJ"] <= max_subject_share * sum(seen.values())}
        adjectives = {word for word, seen in tags.items() if sum(seen.values()) >= min_adjective_count
                      and seen["JJ"] + seen["JJR"] + seen["JJS"] >= min_adjective_share * sum(seen.values())}
        return cls(frozenset(needs), frozenset(adjuncts), frozenset(adjectives))


def _function(label: str) -> str:
    """The first function tag of a treebank label (``NP-SBJ-1`` → ``SBJ``), or ``""``."""
    parts = label.split("+")[0].split("-")
    return next((part for part in parts[1:] if part and not part.isdigit()), "")


def _parents(tree: Tree) -> dict[int, Tree]:
    return {id(child): node for node in tree.subtrees() for child in _nodes(node)}


def _ancestors(node: Tree, parents: dict[int, Tree]) -> list[Tree]:
    chain = []
    while id(node) in parents:
        node = parents[id(node)]
        chain.append(node)
    return chain


def _is_finite(node: Tree) -> bool:
    """A clause, or a phrase with a finite verb or modal in it."""
    return (basic_category(node.label) in ("S", "SBAR")
            or any(leaf.label in FINITE_TAGS for leaf in node.preterminals()))


def _index(children: list[Tree], node: Tree) -> int | None:
    return next((i for i, child in enumerate(children) if child is node), None)


def gap_licensed(phrase: Tree, ancestors: list[Tree], *, after_subordinate: bool = True) -> bool:
    """Whether a verb phrase under ``ancestors`` (nearest first) stands where its object may be
    missing (the module docstring lists where). Without ``after_subordinate`` (since session 35),
    a finite clause before the subject licenses the gap only if it is not a subordinate clause
    (an ``SBAR`` that a subordinator or a wh-word opens): ``prices will rise analysts say``
    quotes a sentence, but ``if you do n't want to do you do n't want to be`` has only an
    ``if``-clause before ``you``, and nothing for ``be`` to stand for."""
    below = phrase
    for level, node in enumerate(ancestors):
        parts = [basic_category(part) for part in node.label.split("+")]
        children = _nodes(node)
        labels = [basic_category(child.label) for child in children]
        if parts[0] in ("SBARQ", "SQ", "SINV", "PRN"):  # a question, an inversion, a parenthetical
            return True
        if "SBAR" in parts:
            has_wh = any(label.startswith("WH") for label in labels)
            clause = next((child for child in children if basic_category(child.label) == "S"), node)
            has_subject = any(basic_category(child.label) == "NP" for child in _nodes(clause))
            if has_wh and has_subject:
                return True
            # no wh-word nor complementizer: a reduced relative when a noun phrase comes right before
            # (``the things we want to do``), a verb's complement clause otherwise (``said we want to do``)
            if not has_wh and "IN" not in labels and _after_noun_phrase(node, ancestors[level + 1:level + 2]):
                return True
        if parts[0] in ("S", "VP"):
            at = _index(children, below)
            if (at is not None and at >= 2 and (labels[at - 1] == "NP" or labels[at - 1] in NOMINAL_TAGS)
                    and any(_is_finite(child) and (after_subordinate or not _subordinate(child))
                            for child in children[:at - 1])):
                return True
        below = node
    for level, node in enumerate(ancestors):  # an infinitival clause right after a noun phrase
        if _is_infinitival(node) and _after_noun_phrase(node, ancestors[level + 1:level + 2]):
            return True
    return False


def _after_noun_phrase(node: Tree, parent: list[Tree]) -> bool:
    """Whether ``node``'s left sibling under its ``parent`` (a list of none or one) is a noun phrase."""
    if not parent:
        return False
    siblings = _nodes(parent[0])
    at = _index(siblings, node)
    return bool(at) and basic_category(siblings[at - 1].label) == "NP"


def _is_infinitival(node: Tree) -> bool:
    """A subjectless clause of ``to`` and a verb phrase (``(S (VP (TO to) (VP ...)))``, or
    ``(S+VP (TO to) (VP ...))`` with the unary chain collapsed)."""
    parts = [basic_category(part) for part in node.label.split("+")]
    if "S" not in parts or node.is_preterminal:
        return False
    phrase = node if parts[-1] == "VP" else _nodes(node)[0]
    return _is_vp(phrase) and not phrase.is_preterminal and _nodes(phrase)[0].label == "TO"


def _subordinate(node: Tree) -> bool:
    """An ``SBAR`` opened by a subordinator or a wh-word (``if you ...``, ``what he ...``)."""
    children = _nodes(node)
    return (basic_category(node.label.split("+")[0]) == "SBAR" and bool(children)
            and (children[0].label == "IN" or children[0].label.startswith("WH")))


def missing_complement(tree: Tree, frames: VerbFrames, *, after_subordinate: bool = True) -> bool:
    """Whether a parse (without empty elements) has a verb that ``frames`` says needs a
    complement with nothing after it, where no gap is licensed (``we do n't want to do``;
    ``after_subordinate`` as :func:`gap_licensed` takes it)."""
    parents = _parents(tree)
    for phrase in tree.subtrees():
        if phrase.is_preterminal or not _is_vp(phrase):
            continue
        position = _head_verb(phrase)
        if position is None:
            continue
        form = _checked_form(phrase.children[position])  # type: ignore[arg-type]
        if form not in frames.needs_complement:
            continue
        if _after_verb(phrase, position):
            continue
        ancestors = _ancestors(phrase, parents)
        if _completed_above(phrase, ancestors) or gap_licensed(phrase, ancestors, after_subordinate=after_subordinate):
            continue
        return True
    return False


def _completed_above(phrase: Tree, ancestors: list[Tree]) -> bool:
    """Whether a word follows ``phrase`` inside its chain of verb phrases (``(VP (VP say) (SBAR
    ...))``, a parser's attachment of the complement beside the phrase)."""
    below = phrase
    for node in ancestors:
        children = _nodes(node)
        at = _index(children, below)
        if any(child.label not in PUNCTUATION_TAGS and child.label != "CC" for child in children[at + 1:]):
            return True
        if not _is_vp(node):
            return False
        below = node
    return False


def missing_subject(tree: Tree, frames: VerbFrames) -> bool:
    """Whether a parse's root clause lacks its subject in one of the ways a parser shows:

    - a declarative ``S`` whose first finite verb phrase has, before it, a time adjunct that
      the parser bracketed as a noun phrase in the subject's place and no other noun phrase or
      clause (``in composite trading yesterday closed at $ N a share``: ``yesterday``, one of
      ``frames.adjunct_nouns``, is never a subject in the treebank);
    - a root question ``SQ`` with no noun phrase (``do n't want to be a good thing``);
    - (since session 33) a declarative ``S`` whose noun phrase right before that verb phrase ends
      in such a noun (``new york stock exchange composite trading yesterday closed at $ N``: the
      table line ``in ... composite trading yesterday <company> closed at ...`` with its ``in``
      and its subject lost, the time adjunct glued to the phrase before it).

    With nothing but adverbs or a prepositional phrase before the verb phrase the parse passes:
    there a parser more often misread a real sentence (a verb tagged wrong: ``speed up the
    collection``; the subject read into the phrase's object: ``under the agreement X will
    own``; ``here are ...``) than a sentence lacks its subject. Imperatives (a base-form verb)
    pass too."""
    if tree.is_preterminal:
        return False
    parts = [basic_category(part) for part in tree.label.split("+")]
    children = _nodes(tree)
    if parts == ["SQ"]:
        return not any(basic_category(child.label) == "NP" for child in children)
    if parts != ["S"]:
        return False
    for at, child in enumerate(children):
        if not _is_vp(child) or child.is_preterminal:
            continue
        if not _finite_head(child):
            return False  # an imperative, or a verb phrase without a finite verb
        before = [node for node in children[:at] if node.label not in PUNCTUATION_TAGS]
        if before and basic_category(before[-1].label) == "NP" and _ends_in_adjunct(before[-1], frames):
            return True  # the adjunct glued to the noun phrase before it: a fronted phrase, its subject lost
        return (any(_adjunct(node, frames) for node in before)
                and not any(basic_category(node.label) in SUBJECT_LABELS and not _adjunct(node, frames)
                            for node in before))
    return False


# What the parser reads a word outside the vocabulary as: a name it cannot see, often the subject
# a prepositional phrase swallowed (``under the agreement <unk> will own``).
UNKNOWN_WORD = "<unk>"


def subject_lost_after_phrases(tree: Tree) -> bool:
    """Whether a declarative parse (root ``S``) has nothing before its first verb phrase, whose
    verb is finite, but prepositional phrases and adverbs, at least one prepositional phrase,
    the last word before the verb phrase not ``<unk>`` (since session 35): ``in new york stock
    exchange composite trading closed at $ N``, ``for the first nine months of the year ended
    sept. N was $ N million``, a table line with its subject lost. :func:`missing_subject` lets
    these pass because a parser sometimes reads a real subject into the phrase's object; on the
    PTB test lines where it did (``under the agreement <unk> will own``, ``after the N crash
    herbert <unk> said``) the subject was a name the vocabulary lacks, and the check leaves those
    alone. It still takes a few real lines whose subject the parser read into the phrase
    (``ptb_test_turned_away_by_check`` in ``benchmarks/results/clause_filter_s35*.json``), and
    ``at least $ N million will be used ...``, ``at least`` read as a prepositional phrase."""
    if tree.is_preterminal or [basic_category(part) for part in tree.label.split("+")] != ["S"]:
        return False
    children = [child for child in _nodes(tree) if child.label not in PUNCTUATION_TAGS]
    for at, child in enumerate(children):
        if not _is_vp(child) or child.is_preterminal:
            continue
        before = children[:at]
        if not _finite_head(child) or not any(basic_category(node.label) == "PP" for node in before):
            return False
        if not all(basic_category(node.label) in ("PP", "ADVP") or node.label == "RB" for node in before):
            return False
        return str(before[-1].leaves()[-1]) != UNKNOWN_WORD
    return False


def infinitive_for_finite(tree: Tree) -> bool:
    """Whether a complement clause (an ``S`` under an ``SBAR`` that ``for`` does not open) has a
    subject and then, for its predicate, a verb phrase that opens with ``to`` (since session
    35): ``he said the company 's decision to be a good deal``, a noun phrase and its infinitive
    where a finite clause belongs. ``for`` takes such a clause (``for prices to rise``), and a
    verb's object with its infinitive (``want him to go``) is no ``SBAR``; a parser that reads a
    ``that``-clause's noun phrase and infinitive this way has a clause with no tense. It misreads
    a parse that puts an object and its infinitive under an ``SBAR`` (``they expect the company
    to buy ...``), which the parser sometimes writes."""
    for phrase in tree.subtrees():
        if phrase.is_preterminal or basic_category(phrase.label.split("+")[0]) != "SBAR":
            continue
        children = [child for child in _nodes(phrase) if child.label not in PUNCTUATION_TAGS]
        if not children or (children[0].is_preterminal and children[0].word.lower() == "for"):
            continue
        clause = next((child for child in children if not child.is_preterminal
                       and basic_category(child.label.split("+")[0]) == "S"), None)
        if clause is None:
            continue
        subject = False
        for child in _nodes(clause):
            if basic_category(child.label) == "NP" or child.label in NOMINAL_TAGS:
                subject = True
            elif _is_vp(child) and not child.is_preterminal:
                if subject and child.preterminals()[0].label == "TO":
                    return True
                break
    return False


def _ends_in_adjunct(node: Tree, frames: VerbFrames) -> bool:
    """A noun phrase of several words whose last is an adjunct noun (``new york stock exchange
    composite trading yesterday``)."""
    words = node.leaves()
    return len(words) > 1 and str(words[-1]).lower() in frames.adjunct_nouns


def _finite_head(phrase: Tree) -> bool:
    """Whether a verb phrase's first verb or modal is finite (``closed``/VBD, ``will``/MD)."""
    first = next((child for child in _nodes(phrase) if child.is_preterminal
                  and (child.label in VERB_TAGS or child.label == "MD")), None)
    return first is not None and first.label in FINITE_TAGS


def _adjunct(node: Tree, frames: VerbFrames) -> bool:
    """A noun phrase of one noun that ``frames`` knows as a time adjunct (``yesterday``)."""
    words = node.leaves()
    return len(words) == 1 and str(words[0]).lower() in frames.adjunct_nouns


def missing_predicate(tree: Tree) -> bool:
    """Whether a declarative parse (root ``S``) is a participle or gerund phrase with nothing
    before it: no verb that can be a sentence's predicate (``PREDICATE_TAGS``: finite, modal or
    an imperative's base form) and no noun phrase before its verb phrase, a headline's form
    (``guaranteed by the new york stock exchange``, ``reducing volatility``). With a subject
    before it the participle is more often a past tense the parser tagged wrong (``freddie mac
    posted yields ...`` with ``posted``/VBN) and passes. Questions and inversions pass."""
    if basic_category(tree.label) != "S" or any(node.label in PREDICATE_TAGS for node in tree.preterminals()):
        return False
    for child in _nodes(tree):
        if basic_category(child.label) == "NP" or child.label in NOMINAL_TAGS:
            return False
        if _is_vp(child):
            return True
    return _is_vp(tree)  # S+VP: the root is the verb phrase
