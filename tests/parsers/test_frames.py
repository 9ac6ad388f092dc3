"""Verb frames: which verbs need a complement (counted in gold trees with empty elements), and
parses that leave one out where no gap is licensed; which nouns are time adjuncts, never
subjects, and root clauses that lack their subject."""

from __future__ import annotations

import pytest

from parsers import parse_tree
from parsers.frames import (
    VerbFrames,
    infinitive_for_finite,
    missing_complement,
    missing_subject,
    subject_lost_after_phrases,
)

# Gold trees as .mrg files hold them: function tags and -NONE- empty elements.
DO_WITH_OBJECT = "(S (NP-SBJ (PRP we)) (VP (MD will) (VP (VB do) (NP (PRP it)))) (. .))"
DO_WITH_GAP = ("(SBAR (WHNP-1 (WP what)) (S (NP-SBJ (PRP we)) (VP (VBP want) (S (NP-SBJ (-NONE- *-2)) "
               "(VP (TO to) (VP (VB do) (NP (-NONE- *T*-1))))))))")
ROSE_BARE = "(S (NP-SBJ (NNS prices)) (VP (VBD rose) (, ,)) (. .))"
ROSE_WITH_OBJECT = "(S (NP-SBJ (NNS prices)) (VP (VBD rose) (NP (CD 5) (NN %))))"
HAS_BARE = "(S (NP-SBJ (PRP it)) (VP (VBZ has)))"
PASSIVE = "(S (NP-SBJ-1 (NNS terms)) (VP (VBD were) (VP (VBN disclosed) (NP (-NONE- *-1)))))"


def frames_of(counts: dict[str, int], **kwargs) -> VerbFrames:
    return VerbFrames.from_treebank([parse_tree(bracketed) for bracketed, times in counts.items()
                                     for _ in range(times)], **kwargs)


def test_a_verb_never_bare_needs_a_complement_and_one_often_bare_does_not():
    frames = frames_of({DO_WITH_OBJECT: 17, DO_WITH_GAP: 3, ROSE_BARE: 4, ROSE_WITH_OBJECT: 20, HAS_BARE: 30,
                        PASSIVE: 30})
    # do/VB: 17 with a word after it, 3 with a gap (its object moved), never bare; rose/VBD bare 4 of 24
    assert frames.needs_complement == frozenset({("do", "VB")})  # be/have and VBN are never counted
    assert frames_of({DO_WITH_OBJECT: 16, DO_WITH_GAP: 3}).needs_complement == frozenset()  # seen 19 < 20 times
    assert frames_of({DO_WITH_OBJECT: 8, DO_WITH_GAP: 1}, min_count=9).needs_complement == {("do", "VB")}
    # one bare use in 21 is over the 2% share allowed, under a 10% one
    do_bare = ROSE_BARE.replace("rose", "do").replace("VBD", "VB")
    assert frames_of({DO_WITH_OBJECT: 20, do_bare: 1, PASSIVE: 1}).needs_complement == frozenset()
    assert frames_of({DO_WITH_OBJECT: 20, do_bare: 1, PASSIVE: 1},
                     max_bare_share=0.1).needs_complement == {("do", "VB")}


def test_frames_refuse_trees_without_empty_elements_and_bad_settings():
    with pytest.raises(ValueError, match="no -NONE- empty element"):  # every gap would read as bare
        frames_of({DO_WITH_OBJECT: 22, "(S (NP (PRP we)) (VP (VBP want) (S (VP (TO to) (VP (VB do))))))": 1})
    with pytest.raises(ValueError, match="min_count must be >= 1"):
        frames_of({DO_WITH_OBJECT: 1}, min_count=0)
    with pytest.raises(ValueError, match=r"max_bare_share in \[0, 1\)"):
        frames_of({DO_WITH_OBJECT: 1}, max_bare_share=1.0)


FRAMES = VerbFrames(frozenset({("do", "VB"), ("do", "VBP"), ("say", "VBP"), ("said", "VBD"), ("want", "VBP"),
                               ("buy", "VB")}))
WANT_TO_DO = "(VP (VBP do) (RB n't) (VP (VB want) (S (VP (TO to) (VP (VB do))))))"


@pytest.mark.parametrize("bracketed, missing", [
    (f"(S (NP (PRP we)) {WANT_TO_DO})", True),
    ("(S (NP (PRP we)) (VP (VBP do) (RB n't) (VP (VB want) (S (VP (TO to) (VP (VB do) (NP (PRP it))))))))", False),
    ("(S (NP (NNS prices)) (VP (VBD rose)))", False),  # a verb that may stand alone
    ("(S (NP (PRP it)) (VP (VBZ has)))", False),  # be/have: ellipsis
    # a wh-clause: the wh-word fills the object when the clause has a subject, else the subject
    ("(S (NP (PRP it)) (VP (VBZ is) (SBAR (WHNP (WP what)) (S (NP (PRP we)) (VP (VBP want) (S (VP (TO to) "
     "(VP (VB do)))))))))", False),
    (f"(S (EX there) (VP (VBP are) (NP (NP (NNS people)) (SBAR (WHNP (WP who)) (S {WANT_TO_DO})))))", True),
    # a clause with no complementizer (reduced relative); a subjectless clause after a noun phrase
    ("(S (NP (NP (NNS things)) (SBAR (S (NP (PRP we)) (VP (VBP want) (S (VP (TO to) (VP (VB do))))))))"
     " (VP (VBD waited)))", False),
    ("(S (NP (PRP it)) (VP (VBZ 's) (NP (NP (DT the) (NN time)) (S (VP (TO to) (VP (VB buy)))))))", False),
    # ... but a clause without a complementizer after a verb is its complement, with no gap
    ("(S (NP (PRP he)) (VP (VBD said) (SBAR (S (NP (PRP we)) (VP (VBP want) (S (VP (TO to) (VP (VB do)))))))))",
     True),
    ("(S (NP (PRP he)) (VP (VBD said) (SBAR+S (NP (PRP we)) (VP (VBP want) (S (VP (TO to) (VP (VB do))))))))",
     True),
    ("(S (NP (PRP it)) (VP (VBZ 's) (NP (NP (DT the) (NN time)) (S+VP (TO to) (VP (VB buy))))))", False),
    ("(S (NP (PRP it)) (VP (VBZ 's) (NP (NP (DT the) (NN time)) (SBAR+S (VP (TO to) (VP (VB buy)))))))", False),
    ("(S (NP (PRP we)) (VP (VBD tried) (S (VP (TO to) (VP (VB do))))))", True),  # after a verb: no gap
    # a question; a finite clause before the subject; a non-finite phrase there is no clause
    ("(SBARQ (WHNP (WP what)) (SQ (VBP do) (NP (PRP we)) (VP (VB do))))", False),
    ("(S (S (NP (NNS prices)) (VP (MD will) (VP (VB rise)))) (NP (NNS analysts)) (VP (VBP say)))", False),
    ("(S (NP (PRP they)) (VP (VBD fell) (NP (NNS analysts)) (VP (VBP say))))", False),
    ("(S (PP (IN without) (S (VP (VBG admitting) (NP (NN wrongdoing))))) (NP (PRP he)) (VP (VBD said)))", True),
    # the complement attached beside the verb phrase, as parsers sometimes do
    ("(S (NP (NNS aides)) (VP (VP (VBP say)) (SBAR (S (NP (PRP he)) (VP (VBD left))))))", False),
    ("(S (NP (NNS aides)) (VP (VP (VBP say)) (. .)))", True),  # punctuation is no complement
    # a parenthetical; a subject the parser left as bare nouns after a finite clause
    ("(S (NP (JJS most) (NNS people)) (PRN (S (NP (PRP he)) (VP (VBZ says)))) (VP (VBP have) (NP (DT no) "
     "(NN idea))))", False),
    ("(S (S (NP (NNS calls)) (VP (VBD rose))) (NNP lehman) (NNP hutton) (VP (VBD said)))", False),
])
def test_missing_complement_where_no_gap_is_licensed(bracketed, missing):
    assert missing_complement(parse_tree(bracketed), FRAMES) is missing


YESTERDAY_ADJUNCT = "(S (NP-SBJ (NNS prices)) (VP (VBD rose) (NP-TMP (NN yesterday))) (. .))"
TODAY_SUBJECT = "(S (NP-SBJ (NN today)) (VP (VBZ is) (NP-PRD (NNP monday))))"
TODAY_ADJUNCT = "(S (NP-TMP (NN today)) (NP-SBJ (PRP we)) (VP (VBP sell)))"


def test_a_noun_seen_as_a_time_adjunct_and_never_as_subject_is_an_adjunct_noun():
    frames = frames_of({YESTERDAY_ADJUNCT: 20, TODAY_ADJUNCT: 20, TODAY_SUBJECT: 1, DO_WITH_GAP: 1})
    # yesterday: 20 times a one-word time adjunct, never a subject; today: a subject once in 21
    assert frames.adjunct_nouns == frozenset({"yesterday"})
    assert frames_of({YESTERDAY_ADJUNCT: 19, DO_WITH_GAP: 1}).adjunct_nouns == frozenset()  # seen 19 < 20 times
    assert frames_of({TODAY_ADJUNCT: 20, TODAY_SUBJECT: 1, DO_WITH_GAP: 1},
                     max_subject_share=0.1).adjunct_nouns == {"today"}
    with pytest.raises(ValueError, match=r"max_subject_share in \[0, 1\)"):
        frames_of({DO_WITH_OBJECT: 1}, max_subject_share=1.0)


GOOD_ADJECTIVE = "(S (NP-SBJ (PRP it)) (VP (VBZ is) (ADJP-PRD (JJ good))))"
GOOD_NOUN = "(S (NP-SBJ (PRP it)) (VP (VBZ is) (PP (IN for) (NP (NN good)))))"
BIG_HEADLINE = "(NP (NNP Big) (NNP Board))"  # a headline's capitals: not counted against ``big``
BIG_ADJECTIVE = "(NP (DT a) (JJR bigger) (NN share))"


def test_a_word_tagged_an_adjective_in_nearly_all_its_uses_is_an_adjective():
    frames = frames_of({GOOD_ADJECTIVE: 9, GOOD_NOUN: 1, DO_WITH_GAP: 1})
    assert "good" in frames.adjectives  # 9 of 10 (the 0.9 share allowed)
    assert "good" not in frames_of({GOOD_ADJECTIVE: 8, GOOD_NOUN: 2, DO_WITH_GAP: 1}).adjectives
    assert "good" not in frames_of({GOOD_ADJECTIVE: 9, DO_WITH_GAP: 1}).adjectives  # seen 9 < 10 times
    assert frames_of({GOOD_ADJECTIVE: 3, DO_WITH_GAP: 1}, min_adjective_count=3).adjectives == {"good"}
    # proper-noun uses are left out of the count; JJR counts as an adjective
    assert "bigger" in frames_of({BIG_ADJECTIVE: 10, BIG_HEADLINE: 10, DO_WITH_GAP: 1}).adjectives
    assert "it" not in frames.adjectives and "is" not in frames.adjectives
    with pytest.raises(ValueError, match=r"min_adjective_share in \(0, 1\]"):
        frames_of({DO_WITH_OBJECT: 1}, min_adjective_share=0.0)


ADJUNCTS = VerbFrames(frozenset(), frozenset({"yesterday"}))
CLOSED = "(VP (VBD closed) (PP (IN at) (NP ($ $) (CD N))))"


@pytest.mark.parametrize("bracketed, missing", [
    # a time adjunct bracketed in the subject's place, with no subject beside it
    (f"(S (PP (IN in) (NP (NN trading))) (NP (NN yesterday)) {CLOSED})", True),
    (f"(S (NP (NN yesterday)) {CLOSED})", True),
    (f"(S (NP (NN yesterday)) (NP (DT the) (NN stock)) {CLOSED})", False),
    ("(S (NP (NP (NN yesterday) (POS 's)) (NN close)) (VP (VBD was) (ADJP (JJ high))))", False),  # more than one word
    (f"(S (NP (DT the) (NN stock)) {CLOSED} (NP (NN yesterday)))", False),  # after its verb phrase
    (f"(S (NP (NN today)) {CLOSED})", False),  # not an adjunct noun of these frames
    ("(S (NP (NN yesterday)) (VP (VB buy) (NP (PRP it))))", False),  # an imperative's base form
    # nothing but a prepositional phrase or adverbs before the verb phrase: more often a misparse, passes
    (f"(S (PP (IN under) (NP (DT the) (NN agreement) (NNP x))) {CLOSED})", False),
    ("(S (ADVP (RB here)) (VP (VBP are) (NP (DT the) (NNS indexes))))", False),
    # a root question needs a subject; one under a wh-question may have none (the wh-word is it)
    ("(SQ (VBP do) (RB n't) (VP (VB want) (S (VP (TO to) (VP (VB be) (NP (DT a) (NN thing)))))))", True),
    ("(SQ (VBP do) (NP (PRP you)) (VP (VB want) (NP (PRP it))))", False),
    ("(SBARQ (WHNP (WP who)) (SQ (VP (VBD said) (NP (PRP it)))))", False),
    ("(NP (NN yesterday))", False),  # not a clause: is_clause's to turn away
    # the adjunct glued to the noun phrase in the subject's place (a table line's fronted phrase,
    # its subject lost); a noun phrase ending in the adjunct elsewhere, or the adjunct alone after
    # a subject, passes
    (f"(S (NP (NNP composite) (NN trading) (NN yesterday)) {CLOSED})", True),
    ("(S (NP (DT the) (NN stock)) (VP (VBD rose) (NP (NN trading) (NN yesterday))))", False),
    (f"(S (NP (DT the) (NN stock)) (NP (NN yesterday)) {CLOSED})", False),
])
def test_missing_subject(bracketed, missing):
    assert missing_subject(parse_tree(bracketed), ADJUNCTS) is missing


@pytest.mark.parametrize("bracketed, lost", [
    ("(S (PP (IN in) (NP (NNP new) (NNP york) (JJ composite) (NN trading))) (VP (VBD closed) (PP (IN at) "
     "(NP ($ $) (CD N)))))", True),
    ("(S (PP (IN in) (NP (NN addition))) (PP (TO to) (NP (DT the) (NN exchange))) (ADVP (RB still)) (VP (VBD closed)))",
     True),
    # a subject before the verb phrase, a name outside the vocabulary read into the phrase, an
    # imperative, nothing before the verb phrase, an adverb alone before it
    ("(S (PP (IN in) (NP (NN trading))) (NP (NNP cineplex)) (VP (VBD closed)))", False),
    ("(S (PP (IN under) (NP (DT the) (NN agreement) (NN <unk>))) (VP (MD will) (VP (VB own) (NP (PRP it)))))", False),
    ("(S (PP (IN in) (NP (DT the) (NN morning))) (VP (VB call) (NP (PRP him))))", False),
    ("(S (VP (VBD closed) (PP (IN at) (NP ($ $) (CD N)))))", False),
    ("(S (ADVP (RB here)) (VP (VBP are) (NP (DT the) (NNS figures))))", False),
    ("(SINV (PP (IN in) (NP (DT the) (NN room))) (VP (VBD sat)) (NP (DT a) (NN man)))", False),
])
def test_a_root_clause_needs_a_subject_after_its_prepositional_phrases(bracketed, lost):
    assert subject_lost_after_phrases(parse_tree(bracketed)) is lost


@pytest.mark.parametrize("bracketed, untensed", [
    ("(S (NP (PRP he)) (VP (VBD said) (SBAR (S (NP (NP (DT the) (NN company) (POS 's)) (NN decision)) (VP (TO to) "
     "(VP (VB be) (NP (DT a) (JJ good) (NN deal))))))))", True),
    # the parser's flat reading: the possessive and its noun side by side
    ("(S (NP (NNS analysts)) (VP (VBP say) (SBAR (IN that) (S (NP (DT the) (NN company) (POS 's)) (NN decision) "
     "(VP (TO to) (VP (VB be) (ADJP (JJ good))))))))", True),
    # ``for`` takes an infinitive; a finite complement clause; a verb's object and infinitive (no SBAR);
    # a wh-infinitive with no subject
    ("(S (NP (PRP it)) (VP (VBZ is) (ADJP (JJ hard)) (SBAR (IN for) (S (NP (NNS prices)) (VP (TO to) (VP (VB rise)))))))",
     False),
    ("(S (NP (PRP he)) (VP (VBD said) (SBAR (S (NP (DT the) (NN decision)) (VP (VBD was) (ADJP (JJ good)))))))", False),
    ("(S (NP (PRP we)) (VP (VBP want) (S (NP (PRP him)) (VP (TO to) (VP (VB go))))))", False),
    ("(S (NP (PRP we)) (VP (VBP know) (SBAR (WHADVP (WRB how)) (S (VP (TO to) (VP (VB sell)))))))", False),
])
def test_a_complement_clause_needs_a_tense(bracketed, untensed):
    assert infinitive_for_finite(parse_tree(bracketed)) is untensed


def test_a_verb_after_a_subordinate_clause_and_its_own_subject_keeps_its_complement():
    frames = VerbFrames(frozenset({("say", "VBP")}))
    quoted = parse_tree("(S (S (NP (NNS prices)) (VP (MD will) (VP (VB rise)))) (NP (NNS analysts)) (VP (VBP say)))")
    subordinate = parse_tree("(S (SBAR (IN if) (S (NP (NNS prices)) (VP (VBP rise)))) (NP (NNS analysts)) "
                             "(VP (VBP say)))")
    assert not missing_complement(quoted, frames) and not missing_complement(quoted, frames, after_subordinate=False)
    assert not missing_complement(subordinate, frames)  # sessions 26-34's licence
    assert missing_complement(subordinate, frames, after_subordinate=False)
