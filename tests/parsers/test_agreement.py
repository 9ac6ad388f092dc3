"""Agreement, tense and ellipsis checks over a parse (``parsers.agreement``): ``one of`` with a
singular noun, ``ago`` dating a present tense, an auxiliary left without its verb phrase. The
trees are parses as a parser writes them (no empty elements), the bad ones read from the sentence
VAE's interpolations."""

from __future__ import annotations

import pytest

from parsers import parse_tree
from parsers.agreement import one_of_singular, present_with_ago, stranded_auxiliary

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
