"""Agreement, tense and ellipsis checks over a parse (``parsers.agreement``): ``one of`` with a
singular noun, ``ago`` dating a present tense, an auxiliary left without its verb phrase. The
trees are parses as a parser writes them (no empty elements), the bad ones read from the sentence
VAE's interpolations."""

from __future__ import annotations

import pytest

from parsers import parse_tree
from parsers.agreement import (
    do_with_be,
    one_of_plural_verb,
    one_of_singular,
    plural_subject_singular_verb,
    present_with_ago,
    stranded_after_wh_subject,
    stranded_auxiliary,
    there_plural_with_singular,
    unfinished_indefinite,
)

ONE_OF_CITY = ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NNP new) (NNP york) (NNP city)))) "
               "(VP (VBZ is) (NP (DT the) (JJ first) (NN time))))")


@pytest.mark.parametrize("bracketed, singular", [
    (ONE_OF_CITY, True),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NN company)))) (VP (VBD left)))", True),
    # ``one`` straight under the noun phrase, not in a noun phrase of its own
    ("(S (NP (CD one) (PP (IN of) (NP (DT the) (NN company)))) (VP (VBD left)))", True),
    # the head is the first noun phrase's: ``the company`` of ``the company in new york``
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (NP (DT the) (NN company)) (PP (IN in) (NP (NNP york)))))) "
     "(VP (VBD left)))", True),
    # plural, a number, a pronoun, a possessive before a plural head, no noun at all
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NNS banks)))) (VP (VBD left)))", False),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (CD N)))) (VP (VBD left)))", False),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (PRP them)))) (VP (VBD left)))", False),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (NP (DT the) (NN nation) (POS 's)) (JJS largest) (NNS banks)))) "
     "(VP (VBD left)))", False),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (JJS largest)))) (VP (VBD left)))", False),
    # a quantity of a plural: ``one of a handful of stocks``
    ("(S (NP (DT the) (NN group)) (VP (VBZ is) (NP (NP (CD one)) (PP (IN of) (NP (NP (DT a) (NN handful)) "
     "(PP (IN of) (NP (NNS stocks))))))))", False),
    # ``one`` alone, ``some of`` + a singular (a part of one thing) and ``one`` with another preposition
    ("(S (NP (CD one)) (VP (VBD left)))", False),
    ("(S (NP (NP (DT some)) (PP (IN of) (NP (DT the) (NN market)))) (VP (VBD fell)))", False),
    ("(S (NP (NP (CD one)) (PP (IN in) (NP (DT the) (NN company)))) (VP (VBD left)))", False),
])
def test_one_of_takes_a_plural(bracketed, singular):
    assert one_of_singular(parse_tree(bracketed)) is singular


@pytest.mark.parametrize("bracketed, present", [
    ("(S (NP (DT this)) (VP (VBZ is) (ADVP (NP (DT a) (JJ few) (NNS years)) (ADVP (IN ago)))))", True),
    ("(S (ADVP (NP (DT a) (JJ few) (NNS years)) (RB ago)) (NP (PRP he)) (VP (VBZ has) (RB n't) "
     "(VP (VBN been) (VP (VBN reached)))))", True),
    ("(S (ADVP (NP (DT a) (JJ few) (NNS years)) (RB ago)) (NP (PRP i)) (VP (VBP 've) (VP (VBN got) (NP (DT a) "
     "(NN lot)))))", True),
    ("(S (ADVP (NP (CD two) (NNS years)) (RB ago)) (NP (PRP it)) (VP (MD will) (VP (VB sell))))", True),
    # past tense: what ``ago`` wants
    ("(S (NP (PRP he)) (VP (VBD left) (ADVP (NP (CD two) (NNS years)) (RB ago))))", False),
    ("(S (ADVP (NP (CD two) (NNS years)) (RB ago)) (NP (PRP it)) (VP (VBD was) (ADJP (JJ small))))", False),
    # ``ago`` in a prepositional phrase, a participle's phrase or a subordinate clause dates that
    ("(S (NP (NNS profits)) (VP (VBP are) (ADVP (RB up)) (PP (IN from) (NP (NP (CD N)) (ADVP (NP (DT a) (NN year)) "
     "(RB ago))))))", False),
    ("(S (NP (NP (DT the) (NN firm)) (VP (VBN founded) (ADVP (NP (CD N) (NNS years)) (RB ago)))) (VP (VBZ is) "
     "(ADJP (JJ small))))", False),
    ("(S (NP (PRP it)) (VP (VBZ is) (ADJP (JJR bigger)) (SBAR (IN than) (S (NP (PRP it)) (VP (VBD was) (ADVP "
     "(NP (DT a) (NN year)) (RB ago)))))))", False),
    ("(S (NP (NNS prices)) (VP (VBP rise)))", False),  # no ``ago`` at all
    # a preposition before the time however the parser bracketed it; a past verb's phrase (a
    # reduced relative tagged VBD) nearer than the clause's modal
    ("(S (NP (NNS payments)) (VP (MD will) (JJ double) (IN from) (NP (DT a) (NN year)) (IN ago)))", False),
    ("(S (NP (DT that)) (VP (MD ca) (RB n't) (VP (VB be) (VBN said) (VP (VBD introduced) (NP (ADVP (NP (DT a) "
     "(JJ few) (NNS weeks)) (ADVP (RB ago))))))))", False),
    # ``ago`` read as heading a prepositional phrase still dates the clause's verb
    ("(S (NP (DT this)) (VP (VBZ is) (NP (NP (DT a) (JJ few) (NNS years)) (PP (RB ago) (PP (IN in) (NP (DT the) "
     "(NNS years)))))))", True),
])
def test_ago_dates_a_past_tense(bracketed, present):
    assert present_with_ago(parse_tree(bracketed)) is present


@pytest.mark.parametrize("bracketed, stranded", [
    ("(S (NP (NNS odds)) (VP (VBP are) (RB n't)))", True),
    ("(S (NP (PRP it)) (VP (VBZ 's) (NP (DT no) (JJR longer))))", True),
    ("(S (NP (PRP i)) (VP (VBP 'm) (RB not) (VP (VBG going) (S (VP (TO to) (VP (VB be)))))))", True),
    ("(S (PP (IN at) (NP (DT the) (NN end))) (NP (PRP he)) (VP (VBZ says) (SBAR (S (NP (PRP it)) "
     "(VP (VBZ is) (RB n't))))))", True),
    ("(S (NP (PRP they)) (VP (VBP do) (RB n't)))", True),
    ("(S (NP (PRP it)) (VP (MD will)))", True),  # a modal
    # the auxiliary has its verb phrase or predicate
    ("(S (NP (PRP it)) (VP (VBZ is) (RB n't) (ADJP (JJ clear))))", False),
    ("(S (NP (NNS prices)) (VP (VBP are) (ADVP (RB up))))", False),
    ("(S (NP (PRP he)) (VP (VBZ has) (RB n't) (VP (VBN been) (VP (VBN reached)))))", False),
    ("(S (NP (PRP it)) (VP (VBD did) (NP (PRP it))))", False),
    # a main verb, not an auxiliary: the frames' complement check speaks for those
    ("(S (NP (NNS prices)) (VP (VBD rose)))", False),
    # ellipsis licensed: a comparison, ``as``, a question, a wh-clause with its subject
    ("(S (NP (PRP it)) (VP (VBZ is) (ADJP (JJR bigger) (SBAR (IN than) (S (NP (PRP it)) (VP (VBD was)))))))",
     False),
    ("(S (NP (PRP it)) (VP (VBD fell) (SBAR (IN as) (S (NP (PRP it)) (VP (VBZ has))))))", False),
    ("(SQ (VBZ is) (NP (PRP it)) (RB n't))", False),
    ("(S (NP (PRP we)) (VP (VBP know) (SBAR (WHNP (WP what)) (S (NP (PRP it)) (VP (VBZ is))))))", False),
])
def test_an_auxiliary_needs_its_verb_phrase(bracketed, stranded):
    assert stranded_auxiliary(parse_tree(bracketed)) is stranded


@pytest.mark.parametrize("bracketed", [
    # ellipsis after ``as`` or a wh-word where the parser left the clause flat beside it
    "(S (NP (NNS conflicts)) (VP (VBP exist) (PP (IN as) (NP (NN ever))) (SBAR (S (NP (PRP they)) (VP (VBP do))))))",
    "(S (NP (PRP i)) (VP (VB find) (PRT (RP out)) (WHADVP (WRB how)) (ADJP (JJ big)) (NP (PRP it)) (VP (VBZ is))))",
    # a second conjunct
    "(S (S (NP (PRP you)) (VP (VBP 've) (VP (VBN got) (NP (DT a) (NN chair))))) (CC or) (S (NP (PRP you)) "
    "(VP (VBP do) (RB n't))))",
])
def test_ellipsis_after_as_a_wh_word_or_a_conjunction_is_no_stranded_auxiliary(bracketed):
    assert stranded_auxiliary(parse_tree(bracketed)) is False


# Session 35's checks, written on the bad steps of pairs 291-350 (the parses are the parser's).
WHAT_IS_GOING_TO_BE = "(SBARQ (WHNP (WP what)) (SQ (VBZ 's) (VP (VBG going) (S (VP (TO to) (VP (VB be)))))))"


@pytest.mark.parametrize("bracketed, stranded", [
    (WHAT_IS_GOING_TO_BE, True),
    ("(SBARQ (WHNP (WP who)) (SQ (VBZ is) (VP (VBG going) (S (VP (TO to) (VP (VB be)))))))", True),
    # the wh-phrase fills the gap where the clause after it has a subject of its own
    ("(SBARQ (WHNP (WP what)) (SQ (VBP do) (NP (PRP you)) (VP (VB want) (S (VP (TO to) (VP (VB be)))))))", False),
    ("(S (NP (PRP we)) (VP (VBP know) (SBAR (WHNP (WP what)) (S (NP (PRP it)) (VP (VBZ is))))))", False),
    ("(S (NP (PRP i)) (VP (VB find) (PRT (RP out)) (WHADVP (WRB how)) (ADJP (JJ big)) (NP (PRP it)) "
         "(VP (VBZ is))))", False),
    ("(SBARQ (WHADVP (WRB how)) (S (S (ADJP (JJ big))) (NP (PRP it)) (VP (VBZ is))))", False),
    # whatever stranded_auxiliary finds, this finds too
    ("(S (NP (NNS odds)) (VP (VBP are) (RB n't)))", True),
])
def test_a_wh_subject_leaves_no_gap_for_a_stranded_auxiliary(bracketed, stranded):
    assert stranded_after_wh_subject(parse_tree(bracketed)) is stranded


def test_session_33s_stranded_check_still_lets_a_wh_subject_license_the_gap():
    assert stranded_auxiliary(parse_tree(WHAT_IS_GOING_TO_BE)) is False


MORE_THAN_AGO = ("(S (ADVP (NP (QP (JJR more) (IN than) (CD N)) (NNS years)) (RB ago)) (NP (PRP he)) (VP (VBZ says) "
                 "(SBAR (S (NP (PRP he)) (VP (VBZ is) (RB n't) (ADJP (JJ sure)))))))")


@pytest.mark.parametrize("bracketed, present", [
    (MORE_THAN_AGO, True),
    ("(S (ADVP (NP (QP (JJR less) (IN than) (CD N)) (NNS years)) (RB ago)) (NP (PRP he)) (VP (VBZ has) (VP (VBN "
     "been) (ADJP (JJ able)))))", True),
    # ``more than N years ago`` with a past tense, and governed by a preposition before ``more``
    ("(S (ADVP (NP (QP (JJR more) (IN than) (CD N)) (NNS years)) (RB ago)) (NP (PRP he)) (VP (VBD left)))", False),
    ("(S (NP (NNS profits)) (VP (VBP are) (ADVP (RB up)) (PP (IN from) (NP (QP (JJR more) (IN than) (CD N)) "
     "(NNS years) (RB ago)))))", False),
    # ``than`` after an adjective still governs the time
    ("(S (NP (PRP it)) (VP (VBZ is) (ADJP (JJR higher) (PP (IN than) (NP (NP (DT a) (NN year)) (RB ago))))))",
     False),
])
def test_more_than_is_part_of_the_time_before_ago(bracketed, present):
    assert present_with_ago(parse_tree(bracketed), than_in_quantity=True) is present


def test_session_33s_ago_check_reads_than_as_governing():
    assert present_with_ago(parse_tree(MORE_THAN_AGO)) is False


@pytest.mark.parametrize("bracketed, plural", [
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (CD N) (NNS people)))) (VP (VBP have) (VP (VBN been) "
     "(PP (IN in) (NP (NN court))))))", True),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NNS companies)))) (VP (VBP are) (RB n't) (ADJP (JJ likely))))",
     True),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NNS companies)))) (VP (VBD were) (VP (VBN sold))))", True),
    # ``one`` agrees: singular or past verbs, and a plural verb in a relative clause inside the subject
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NNS companies)))) (VP (VBZ is) (ADJP (JJ likely))))", False),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (DT the) (NNS companies)))) (VP (VBD was) (VP (VBN sold))))", False),
    ("(S (NP (NP (CD one)) (PP (IN of) (NP (NP (DT the) (NNS people)) (SBAR (WHNP (WP who)) (S (VP (VBP have) "
     "(VP (VBN left)))))))) (VP (VBZ is) (ADJP (JJ here))))", False),
    # a plural subject that is not ``one of``
    ("(S (NP (NP (DT some)) (PP (IN of) (NP (DT the) (NNS companies)))) (VP (VBP are) (ADJP (JJ likely))))", False),
])
def test_one_of_takes_a_singular_verb(bracketed, plural):
    assert one_of_plural_verb(parse_tree(bracketed)) is plural


@pytest.mark.parametrize("bracketed, bad", [
    ("(S (NP (PRP it)) (VP (VBZ does) (RB n't) (VP (VB be))))", True),
    ("(S (NP (DT the) (NN company)) (VP (VBZ does) (RB n't) (VP (VB be) (NP (DT a) (NN good)))))", True),
    ("(S (NP (PRP they)) (VP (VBD did) (RB not) (VP (VB be) (ADJP (JJ late)))))", True),
    ("(S (NP (PRP they)) (VP (VBP do) (RB n't) (VP (VB be) (ADJP (JJ late)))))", True),
    # the imperative, and do with another verb
    ("(S (VP (VBP do) (RB n't) (VP (VB be) (ADJP (JJ late)))))", False),
    ("(S (NP (PRP it)) (VP (VBZ does) (RB n't) (VP (VB have) (NP (DT a) (NN plan)))))", False),
    ("(S (NP (PRP it)) (VP (VBZ does) (NP (DT the) (NN job))))", False),
])
def test_do_support_never_takes_be(bracketed, bad):
    assert do_with_be(parse_tree(bracketed)) is bad


ADJECTIVES = frozenset({"good", "new", "few", "major"})


@pytest.mark.parametrize("bracketed, unfinished", [
    ("(S (NP (PRP we)) (VP (VBP 're) (RB not) (VP (VBG going) (S (VP (TO to) (VP (VB be) (NP (DT a) "
     "(NN good))))))))", True),
    ("(S (NP (PRP it)) (VP (VBZ is) (NP (DT an) (JJ major))))", True),
    # a noun after the adjective, the adjective not last, ``a few``, a word that is not an adjective
    ("(S (NP (PRP it)) (VP (VBZ is) (NP (DT a) (JJ good) (NN time))))", False),
    ("(S (NP (PRP it)) (VP (VBZ is) (ADJP (JJ good))))", False),
    ("(S (NP (PRP he)) (VP (VBD sold) (NP (DT a) (JJ few))))", False),
    ("(S (NP (PRP he)) (VP (VBD sold) (NP (DT a) (NN lot))))", False),
])
def test_a_sentence_does_not_end_in_a_and_an_adjective(bracketed, unfinished):
    assert unfinished_indefinite(parse_tree(bracketed), ADJECTIVES) is unfinished


@pytest.mark.parametrize("bracketed, singular", [
    ("(S (NP (EX there)) (VP (VBP are) (NP (DT no) (NN reason)) (S (VP (TO to) (VP (VB be) (ADJP (JJ sure)))))))",
     True),
    ("(S (NP (EX there)) (VP (VBD were) (NP (DT a) (NN problem))))", True),
    # a plural, a quantity of something, a word outside the vocabulary, a singular verb
    ("(S (NP (EX there)) (VP (VBP are) (NP (DT no) (NNS reasons))))", False),
    ("(S (NP (EX there)) (VP (VBP are) (NP (NP (DT a) (NN lot)) (PP (IN of) (NP (NNS people))))))", False),
    ("(S (NP (EX there)) (VBD were) (NP (DT the) (NN <unk>)))", False),
    ("(S (NP (EX there)) (VP (VBD were) (NP (DT the) (NN <unk>))))", False),
    ("(S (NP (EX there)) (VP (VBZ is) (NP (DT no) (NN reason))))", False),
])
def test_there_are_takes_a_plural(bracketed, singular):
    assert there_plural_with_singular(parse_tree(bracketed)) is singular


@pytest.mark.parametrize("bracketed, disagrees", [
    ("(S (NP (NP (NNS opponents)) (PP (IN of) (NP (DT the) (NNP soviet) (NNP union)))) (VP (VBZ has) (RB n't) "
     "(VP (VBN been) (ADJP (JJ able)))))", True),
    ("(S (NP (DT the) (NNS prices)) (VP (VBZ is) (ADJP (JJ high))))", True),
    # agreement; a conjunction in the subject; an unknown head; a singular head (left alone)
    ("(S (NP (NP (NNS opponents)) (PP (IN of) (NP (DT the) (NN plan)))) (VP (VBP have) (VP (VBN left))))", False),
    ("(S (NP (NN sales) (CC and) (NNS profits)) (VP (VBZ is) (ADJP (JJ high))))", False),
    ("(S (NP (DT the) (NNS <unk>)) (VP (VBZ is) (ADJP (JJ high))))", False),
    ("(S (NP (DT the) (NN youth)) (VP (VBP are) (ADJP (JJ young))))", False),
    # a relative clause's verb agrees with its own subject
    ("(S (NP (NP (DT the) (NN firm)) (SBAR (WHNP (WDT that)) (S (NP (NNS analysts)) (VP (VBP like))))) (VP (VBZ is) "
     "(ADJP (JJ small))))", False),
])
def test_a_plural_subject_takes_a_plural_verb(bracketed, disagrees):
    assert plural_subject_singular_verb(parse_tree(bracketed)) is disagrees


IF_YOU_DO_NOT_WANT = ("(S (SBAR (IN if) (S (NP (PRP you)) (VP (VBP do) (RB n't) (VP (VB want) (TO to) (VB do))))) "
                      "(NP (PRP you)) (VP (VBP do) (RB n't) (VP (VB want) (S (VP (TO to) (VP (VB be)))))))")


def test_a_subordinate_clause_before_the_subject_licenses_no_gap_without_after_subordinate():
    tree = parse_tree(IF_YOU_DO_NOT_WANT)
    assert stranded_after_wh_subject(tree) is False  # sessions 26-34's licence: a finite clause before ``you``
    assert stranded_after_wh_subject(tree, after_subordinate=False) is True
    # a sentence quoted before its speaker still licenses the gap
    quoted = parse_tree("(S (S (NP (NNS prices)) (VP (MD will) (VP (VB rise)))) (NP (NNS analysts)) (VP (VBP do) "
                        "(RB n't) (VP (VB want) (S (VP (TO to) (VP (VB be)))))))")
    assert stranded_after_wh_subject(quoted, after_subordinate=False) is False
