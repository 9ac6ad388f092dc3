"""parsers.evaluate: EVALB's rules one by one, its sample output, and parameter files."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from parsers import Tree, TreeEncodingError, TreeParseError, UnbalancedBracketsError, parse_tree
from parsers.evaluate import (
    EvalbInputError,
    EvalbParams,
    EvalbParamsError,
    EvalbSummary,
    SentenceStatus,
    TooManyErrorsError,
    bracket_f1,
    evaluate_files,
    evaluate_trees,
    format_report,
)

FIXTURES = Path(__file__).parent / "fixtures"

OK, ERROR, SKIP = SentenceStatus.OK, SentenceStatus.ERROR, SentenceStatus.SKIP

# COLLINS.prm as distributed with EVALB, without its comment lines.
COLLINS_PRM = """\
DEBUG 0
MAX_ERROR 10
CUTOFF_LEN 40
LABELED 1
DELETE_LABEL TOP
DELETE_LABEL -NONE-
DELETE_LABEL ,
DELETE_LABEL :
DELETE_LABEL ``
DELETE_LABEL ''
DELETE_LABEL .
DELETE_LABEL_FOR_LENGTH -NONE-
EQ_LABEL ADVP PRT
"""


def score(gold: str, test: str | None, params: EvalbParams | None = None):
    """Score one sentence given as bracket text; returns its row."""
    test_tree = None if test is None else parse_tree(test)
    result = evaluate_trees([parse_tree(gold)], [test_tree], params or EvalbParams.collins())
    [row] = result.sentences
    return row


def write_pair(tmp_path: Path, gold: list[str], test: list[str]) -> tuple[Path, Path]:
    gold_path, test_path = tmp_path / "gold.txt", tmp_path / "test.txt"
    gold_path.write_text("".join(line + "\n" for line in gold))
    test_path.write_text("".join(line + "\n" for line in test))
    return gold_path, test_path


# ---------------------------------------------------------------------- EVALB's sample


@pytest.fixture(scope="module")
def sample(data_dir):
    folder = data_dir / "evalb_sample"
    params = EvalbParams.from_file(folder / "sample.prm")
    result = evaluate_files(folder / "sample.gld", folder / "sample.tst", params)
    return result, (folder / "sample.rsl").read_text()


def test_sample_report_is_byte_identical_to_sample_rsl(sample):
    result, expected = sample
    assert format_report(result, style="1997") == expected


def test_sample_rows_and_summaries(sample):
    result, _ = sample
    statuses = [int(row.status) for row in result.sentences]
    assert statuses == [0] * 10 + [2, 1, 1, 2, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    row = result.sentences[5]  # (S (A this is) (A a test)) against (S (A this) (B is (A a test)))
    assert (row.matched, row.gold_brackets, row.test_brackets, row.crossing) == (2, 4, 3, 1)
    assert result.sentences[23].length == 5 and result.sentences[23].words == 4  # (: *) deleted
    every = result.summary_all
    assert (every.sentences, every.error_sentences, every.skipped_sentences) == (24, 5, 2)
    assert every.valid_sentences == 17
    assert (every.matched_brackets, every.gold_brackets, every.test_brackets) == (86, 98, 95)
    assert round(every.recall, 2) == 87.76 and round(every.precision, 2) == 90.53
    assert round(every.f1, 2) == 89.12
    assert round(every.complete_match, 2) == 52.94 and round(every.tagging_accuracy, 2) == 98.15
    cutoff = result.summary_cutoff
    assert (cutoff.sentences, cutoff.valid_sentences) == (23, 16)  # the 44-word sentence is out
    assert round(cutoff.recall, 2) == 81.25 and round(cutoff.precision, 2) == 85.25
    assert round(cutoff.no_crossing, 2) == 93.75  # 15 of 16; the 1997 report printed 94.12


def test_sample_report_in_current_evalb_style(sample):
    # What today's EVALB prints on the sample (checked against the C program): sample.rsl with
    # Words 0 on error/skip rows, the total crossing count in the totals row, F-measure lines
    # and the correct cutoff "No crossing".
    result, sample_rsl = sample
    lines = sample_rsl.split("\n")
    for index in range(3, 27):
        if lines[index][13] != "0":  # the status column
            lines[index] = lines[index][:57] + "   0" + lines[index][61:]
    lines[28] = "                 87.76  90.53     86    98    95      1    108   106    98.15"
    complete_match = [index for index, line in enumerate(lines) if line.startswith("Complete match")]
    lines.insert(complete_match[1], "Bracketing FMeasure       =  83.20")
    lines.insert(complete_match[0], "Bracketing FMeasure       =  89.12")
    assert lines[-4] == "No crossing               =  94.12"  # lines[-1] is the final ""
    lines[-4] = "No crossing               =  93.75"
    assert format_report(result) == "\n".join(lines)


# ---------------------------------------------------------------------- brackets and labels


def test_root_is_a_bracket_and_preterminals_are_not():
    row = score("(S (A a) (B b))", "(S (A a) (B b))")
    assert (row.matched, row.gold_brackets, row.test_brackets) == (1, 1, 1)
    assert row.recall == row.precision == 100.0


def test_function_tags_are_cut_from_bracket_labels():
    row = score("(S (NP-SBJ-1 (DT a) (NN b)) (VP=2 (VB c)))", "(S (NP (DT a) (NN b)) (VP (VB c)))")
    assert (row.matched, row.gold_brackets) == (3, 3)


def test_labels_starting_with_a_dash_become_empty():
    # EVALB cuts at the first "-", so -LRB- and -RRB- brackets both become "" and match.
    row = score("(S (-LRB- (NN a)) (VP (VB b)))", "(S (-RRB- (NN a)) (VP (VB b)))")
    assert row.matched == 3
    # Tags are compared whole, so the tag -NONE-1 is neither -NONE- nor deleted.
    row = score("(S (-NONE-1 a) (VB b))", "(S (NN a) (VB b))")
    assert (row.words, row.correct_tags) == (2, 1)


def test_traces_and_brackets_over_them_are_removed():
    row = score("(S (NP-SBJ (-NONE- *T*-1)) (VP (VB go)))", "(S (VP (VB go)))")
    assert row.status == OK
    assert (row.matched, row.gold_brackets, row.test_brackets) == (2, 2, 2)
    assert (row.length, row.words) == (1, 1)


def test_deleted_punctuation_shifts_spans():
    # The comma and period attach differently, yet once they are gone the brackets agree.
    gold = "(S (, ,) (NP (DT a) (NN b)) (VP (VB c)) (. .))"
    test = "(S (NP (, ,) (DT a) (NN b)) (VP (VB c) (. .)))"
    row = score(gold, test)
    assert (row.matched, row.gold_brackets, row.test_brackets) == (3, 3, 3)
    assert (row.length, row.words, row.correct_tags) == (5, 3, 3)  # length counts punctuation
    kept = score(gold, test, EvalbParams())  # no deletions: NP and VP spans differ
    assert (kept.matched, kept.gold_brackets, kept.words) == (1, 3, 5)


def test_delete_label_removes_brackets_but_keeps_their_children():
    row = score("(TOP (S (NP (NN a)) (VP (VB b))))", "(S (NP (NN a)) (VP (VB b)))")
    assert (row.matched, row.gold_brackets, row.test_brackets) == (3, 3, 3)


def test_eq_label_matches_brackets_and_tags():
    row = score("(S (VP (VB look) (ADVP (RB up))))", "(S (VP (VB look) (PRT (RP up))))")
    assert row.matched == 3 and row.correct_tags == 1
    params = dataclasses.replace(EvalbParams.collins(), equivalent_labels=(("RB", "RP"),))
    row = score("(S (VP (VB look) (ADVP (RB up))))", "(S (VP (VB look) (PRT (RP up))))", params)
    assert row.matched == 2 and row.correct_tags == 2


def test_delete_label_also_deletes_labels_equal_through_eq_label():
    params = EvalbParams(delete_labels=("TOP",), equivalent_labels=(("TOP", "ROOT"),))
    row = score("(ROOT (S (A a) (B b)))", "(S (A a) (B b))", params)
    assert (row.matched, row.gold_brackets, row.test_brackets) == (1, 1, 1)


def test_eq_word_pairs_are_the_same_word():
    params = EvalbParams(equivalent_words=(("This", "this"),))
    assert score("(S (A This) (B is))", "(S (A this) (B is))", params).status == OK
    row = score("(S (A This) (B is))", "(S (A this) (B is))", EvalbParams())
    assert row.status == ERROR and row.message.startswith("words unmatch (This|this)")


def test_duplicate_brackets_match_as_multisets():
    gold = "(S (NP (NP (NN a) (NN b))) (VB c))"
    row = score(gold, "(S (NP (NN a) (NN b)) (VB c))")
    assert (row.matched, row.gold_brackets, row.test_brackets) == (2, 3, 2)
    row = score(gold, "(S (NP (NP (NP (NN a) (NN b)))) (VB c))")
    assert (row.matched, row.gold_brackets, row.test_brackets) == (3, 3, 4)


def test_crossing_counts_test_brackets_that_cross_a_gold_bracket():
    row = score("(S (A (P a) (Q b)) (R c))", "(S (P a) (B (Q b) (R c)))")
    assert (row.matched, row.crossing) == (1, 1)
    # Two test brackets cross the same gold bracket: two crossings.
    gold, test = "(S (P a) (A (Q b) (R c)) (T d))", "(S (B (P a) (Q b)) (C (R c) (T d)))"
    assert score(gold, test).crossing == 2
    # One test bracket crossing two gold brackets counts once.
    row = score("(S (A (P a) (Q b)) (B (R c) (T d)))", "(S (P a) (C (Q b) (R c)) (T d))")
    assert row.crossing == 1
    # Nested brackets do not cross.
    assert score("(S (A (P a) (Q b)) (R c))", "(S (B (A (P a) (Q b)) (R c)))").crossing == 0


def test_unlabeled_scoring_ignores_arbitrary_labels():
    gold = "(3 (2 It) (4 (2 is) (3 (3 good) (2 fun))))"
    test = "(3 (0 It) (2 (2 is) (1 (4 good) (0 fun))))"
    row = score(gold, test, EvalbParams.unlabeled())
    assert (row.matched, row.gold_brackets) == (3, 3)
    assert score(gold, test, EvalbParams.collins()).matched == 1
    assert bracket_f1(parse_tree(gold), parse_tree(test)) == 100.0
    assert bracket_f1(parse_tree("(X (X a) (X (X b) (X c)))"), parse_tree("(X (X (X a) (X b)) (X c))")) == 50.0


def test_unlabelled_wrapper_root_is_a_bracket_with_an_empty_label(tmp_path):
    gold, test = write_pair(tmp_path, ["( (S (A a) (B (C c) (D d))) )"], ["( (S (A a) (B (C c) (D d))))"])
    [row] = evaluate_files(gold, test, EvalbParams()).sentences
    assert (row.matched, row.gold_brackets, row.test_brackets) == (3, 3, 3)
    gold, test = write_pair(tmp_path, ["( (S (A a) (B (C c) (D d))) )"], ["(S (A a) (B (C c) (D d)))"])
    [row] = evaluate_files(gold, test, EvalbParams()).sentences
    assert (row.matched, row.gold_brackets, row.test_brackets) == (2, 3, 2)


def test_several_trees_on_a_line_are_one_sentence_without_a_root(tmp_path):
    gold, test = write_pair(tmp_path, ["(S (P a) (Q b) (R c))"], ["(P a) (X (Q b) (R c))"])
    [row] = evaluate_files(gold, test, EvalbParams()).sentences
    assert row.status == OK
    assert (row.matched, row.gold_brackets, row.test_brackets, row.words) == (0, 1, 1, 3)


def test_quote_label_puts_back_a_quote_deleted_on_one_side_only():
    # new.prm-style: `` is deleted, NN is not; the test tagged the opening quote NN.
    params = dataclasses.replace(EvalbParams.collins(), quote_labels=("``", "''", "NN"))
    gold = '(S (NP (`` ") (NN a)) (VP (VB b)))'
    test = '(S (NP (NN ") (NN a)) (VP (VB b)))'
    row = score(gold, test, params)
    assert row.status == OK
    assert (row.words, row.correct_tags, row.gold_words) == (3, 2, 2)
    assert (row.matched, row.gold_brackets, row.test_brackets) == (3, 3, 3)
    assert score(gold, test).status == ERROR  # without QUOTE_LABEL the lengths differ


# ---------------------------------------------------------------------- status, totals, cutoff


def test_length_mismatch_is_an_error_left_out_of_the_totals():
    gold, good = "(S (A a) (B b))", "(S (A a) (B b))"
    result = evaluate_trees(
        [parse_tree(gold), parse_tree(gold)],
        [parse_tree(good), parse_tree("(S (A a) (B b) (C c))")],
        EvalbParams(),
    )
    error = result.sentences[1]
    assert error.status == ERROR and error.message == "length unmatch (2|3)"
    assert (error.length, error.words, error.gold_words, error.matched) == (2, 0, 2, 0)
    summary = result.summary_all
    assert (summary.sentences, summary.error_sentences, summary.valid_sentences) == (2, 1, 1)
    assert (summary.gold_brackets, summary.words, summary.recall) == (1, 2, 100.0)


def test_empty_or_missing_test_is_a_skip(tmp_path):
    gold, test = write_pair(
        tmp_path,
        ["(S (A a) (B b))"] * 4,
        ["", "(S (A a) (B b)", "(S (, ,))", "(S (A a) (B b))"],
    )
    result = evaluate_files(gold, test)
    assert [row.status for row in result.sentences] == [SKIP, SKIP, SKIP, OK]
    assert result.sentences[0].message == "empty test line"
    assert "does not parse" in result.sentences[1].message and "test.txt:2:" in result.sentences[1].message
    assert "no word left" in result.sentences[2].message  # only deleted punctuation
    assert result.summary_all.skipped_sentences == 3 and result.summary_all.recall == 100.0
    row = score("(S (A a) (B b))", None)
    assert row.status == SKIP and row.length == 2


def test_cutoff_summary_keeps_sentences_up_to_the_cutoff_length():
    params = dataclasses.replace(EvalbParams.collins(), cutoff_length=2)
    gold = ["(S (A a))", "(S (A a) (B b) (-NONE- *))", "(S (A a) (B b) (, ,))"]
    test = ["(S (A a))", "(X (A a) (B b))", None]
    result = evaluate_trees([parse_tree(text) for text in gold], [t and parse_tree(t) for t in test], params)
    assert [row.length for row in result.sentences] == [1, 2, 3]  # -NONE- is not counted, "," is
    assert result.summary_all.sentences == 3 and result.summary_cutoff.sentences == 2
    assert result.summary_cutoff.skipped_sentences == 0 and result.summary_all.skipped_sentences == 1
    assert result.summary_cutoff.recall == 50.0
    assert "-- len<=2 --" in format_report(result)


def test_summary_percentages_and_empty_summary():
    empty = EvalbSummary()
    assert empty.recall == empty.precision == empty.f1 == empty.complete_match == 0.0
    row = score("(S (A (P a) (Q b)) (R c))", "(S (P a) (B (Q b) (R c)))")
    summary = EvalbSummary.from_sentences([row])
    assert summary.f1 == pytest.approx(50.0) and summary.average_crossing == 1.0
    assert summary.no_crossing == 0.0 and summary.two_or_less_crossing == 100.0
    assert summary.as_dict()["valid_sentences"] == 1 and summary.as_dict()["f1"] == summary.f1


def test_report_writes_nan_f_measure_like_evalb():
    result = evaluate_trees([parse_tree("(S (A a) (B b))")], [parse_tree("(X (A a) (B b))")], EvalbParams())
    report = format_report(result)
    assert "Bracketing FMeasure       =   -nan\n" in report
    assert result.summary_all.f1 == 0.0
    with pytest.raises(ValueError, match="style"):
        format_report(result, style="2006")


def test_max_error_stops_like_evalb():
    gold = [parse_tree("(S (A a) (B b))")] * 13
    test = [parse_tree("(S (A x) (B b))")] * 13
    params = EvalbParams()  # MAX_ERROR 10: EVALB dies on the 12th error
    with pytest.raises(TooManyErrorsError) as caught:
        evaluate_trees(gold, test, params)
    assert (caught.value.sentence_id, caught.value.errors, caught.value.max_error) == (12, 12, 10)
    assert "MAX_ERROR" in str(caught.value)
    result = evaluate_trees(gold[:11], test[:11], params)
    assert result.summary_all.error_sentences == 11
    assert pickle.loads(pickle.dumps(caught.value)).sentence_id == 12


def test_deep_trees_need_no_recursion(deep_tree):
    result = evaluate_trees([deep_tree], [deep_tree], EvalbParams())
    assert result.summary_all.f1 == 100.0 and result.sentences[0].words == len(deep_tree.leaves())


def test_evaluate_trees_checks_its_inputs():
    tree = parse_tree("(S (A a))")
    with pytest.raises(EvalbInputError, match="1 gold trees but 2 test trees"):
        evaluate_trees([tree], [tree, tree])
    with pytest.raises(TypeError, match=r"test\[0\]"):
        evaluate_trees([tree], ["(S (A a))"])  # type: ignore[list-item]


def test_bracket_f1_takes_trees_or_lists_and_rejects_different_words():
    gold = parse_tree("(S (NP (DT the) (NN cat)) (VP (VBD sat)) (. .))")
    test = parse_tree("(S (DT the) (VP (NN cat) (VBD sat)) (. .))")
    assert bracket_f1(gold, test) == pytest.approx(40.0)  # R 1/3, P 1/2
    assert bracket_f1([gold, gold], [test, gold], labeled=True) == pytest.approx(2 * 0.8 * (4 / 6) / (0.8 + 4 / 6) * 100)
    assert bracket_f1(parse_tree("(S (. .))"), parse_tree("(S (. .))")) == 0.0  # nothing to score
    with pytest.raises(EvalbInputError, match="sentence 1 cannot be scored: words unmatch"):
        bracket_f1(gold, parse_tree("(S (DT a) (VP (NN cat) (VBD sat)) (. .))"))
    # MAX_ERROR does not apply: the first mismatch raises, however many there are.
    with pytest.raises(EvalbInputError, match="sentence 1 ") as caught:
        bracket_f1([Tree("X", ("a",))] * 20, [Tree("X", ("b",))] * 20)
    assert type(caught.value) is EvalbInputError


# ---------------------------------------------------------------------- files


def test_malformed_gold_line_raises_with_file_and_line(tmp_path):
    gold, test = write_pair(tmp_path, ["(S (A a))", "(S (A a)"], ["(S (A a))", "(S (A a))"])
    with pytest.raises(UnbalancedBracketsError) as caught:
        evaluate_files(gold, test)
    assert caught.value.source == str(gold) and caught.value.line == 2
    assert str(caught.value).startswith(f"{gold}:2:")
    (tmp_path / "bad.txt").write_bytes(b"(S (A a))\n(S (A \xff))\n")
    with pytest.raises(TreeParseError, match=r"bad\.txt:2:7: undecodable byte 0xff"):
        evaluate_files(tmp_path / "bad.txt", test)


def test_a_test_line_that_is_not_utf8_raises_as_a_gold_line_does(tmp_path):
    gold, test = write_pair(tmp_path, ["(S (A a))", "(S (A b))"], ["(S (A a))", "(S (A b))"])
    test.write_bytes(b"(S (A a))\n(S (A \xff))\n")  # not a skipped sentence: the whole file is unreadable
    with pytest.raises(TreeEncodingError, match=r"test\.txt:2:7: undecodable byte 0xff") as caught:
        evaluate_files(gold, test)
    assert caught.value.source == str(test) and caught.value.line == 2


def test_files_must_have_the_same_number_of_lines(tmp_path):
    gold, test = write_pair(tmp_path, ["(S (A a))"] * 2, ["(S (A a))"])
    with pytest.raises(EvalbInputError, match="has 2 lines but .* has 1"):
        evaluate_files(gold, test)
    # Blank lines at the end of the longer file are not sentences; a last empty test line is.
    gold.write_text("(S (A a))\n\n\n")
    test.write_text("(S (A a))\n")
    assert evaluate_files(gold, test).summary_all.sentences == 1
    gold.write_text("(S (A a))\n(S (A a))\n")
    test.write_text("(S (A a))\n\n")
    assert [row.status for row in evaluate_files(gold, test).sentences] == [OK, SKIP]


def test_blank_gold_line_is_a_sentence_without_words(tmp_path):
    gold, test = write_pair(tmp_path, ["(S (A a))", "", ""], ["(S (A a))", "", "(S (A a))"])
    rows = evaluate_files(gold, test).sentences
    assert [row.status for row in rows] == [OK, SKIP, ERROR]
    assert rows[2].message == "length unmatch (0|1)"


def test_random_trees_score_as_the_c_program_does():
    # Gold and test trees drawn at random (function tags, traces, punctuation, quotes, EQ
    # pairs, wrappers, skipped and mismatched lines), scored by the current EVALB C program;
    # see fixtures/evalb_random/README.md.
    folder = FIXTURES / "evalb_random"
    params = EvalbParams.from_file(folder / "params.prm")
    result = evaluate_files(folder / "gold.gld", folder / "parsed.tst", params)
    assert format_report(result) == (folder / "expected.rsl").read_text()


# ---------------------------------------------------------------------- parameter files


def test_collins_preset_is_collins_prm():
    assert EvalbParams.collins() == EvalbParams.from_text(COLLINS_PRM)
    assert EvalbParams.unlabeled() == dataclasses.replace(EvalbParams.collins(), labeled=False)


def test_sample_parameter_file(data_dir):
    params = EvalbParams.from_file(data_dir / "evalb_sample" / "sample.prm")
    assert params == EvalbParams(
        delete_labels=("TOP", "-NONE-", ",", ":", "``", "''"),
        delete_labels_for_length=("-NONE-",),
        equivalent_labels=(("T", "TT"),),
        equivalent_words=(("This", "this"),),
    )


def test_parameter_text_round_trips_and_skips_comments():
    params = EvalbParams(
        debug=1,
        max_error=3,
        cutoff_length=100,
        labeled=False,
        delete_labels=("TOP", "#"),
        quote_labels=("POS",),
        equivalent_words=(("a", "b"),),
    )
    assert EvalbParams.from_text(params.to_text()) == params
    text = "# a comment\n\n   \nLABELED 0   \r\nCUTOFF_LEN 10\nCUTOFF_LEN 20\n"
    assert EvalbParams.from_text(text) == EvalbParams(labeled=False, cutoff_length=20)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("LABELLED 1", "unknown key 'LABELLED'"),
        ("labeled 1", "unknown key 'labeled'"),
        ("CUTOFF_LEN", "CUTOFF_LEN has no value"),
        ("CUTOFF_LEN forty", "CUTOFF_LEN takes an integer, got 'forty'"),
        ("LABELED 2", "LABELED takes 0 (unlabelled) or 1 (labelled)"),
        ("EQ_LABEL ADVP", "EQ_LABEL takes two values, got 1"),
        ("EQ_WORD a b c", "EQ_WORD takes two values, got 3"),
        ("DELETE_LABEL , .", "DELETE_LABEL takes one label per line, got 2"),
    ],
)
def test_parameter_errors_name_file_and_line(tmp_path, line, reason):
    path = tmp_path / "bad.prm"
    path.write_text(f"# settings\nDEBUG 0\n{line}\n")
    with pytest.raises(EvalbParamsError) as caught:
        EvalbParams.from_file(path)
    error = caught.value
    assert (error.source, error.line, error.text) == (str(path), 3, line)
    assert reason in error.reason and str(error).startswith(f"{path}:3: ")
    assert pickle.loads(pickle.dumps(error)).line == 3


def test_parameter_file_problems(tmp_path):
    with pytest.raises(FileNotFoundError):
        EvalbParams.from_file(tmp_path / "missing.prm")
    (tmp_path / "latin1.prm").write_bytes(b"DEBUG 0\nDELETE_LABEL \xe9\n")
    with pytest.raises(EvalbParamsError, match=r"latin1\.prm:2: not UTF-8"):
        EvalbParams.from_file(tmp_path / "latin1.prm")
    with pytest.raises(TypeError, match="write \\('TOP',\\)"):
        EvalbParams(delete_labels="TOP")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pair"):
        EvalbParams(equivalent_labels=(("A", "B", "C"),))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cutoff_length"):
        EvalbParams(cutoff_length=40.0)  # type: ignore[arg-type]
    assert EvalbParams(delete_labels=["A"]).delete_labels == ("A",)  # type: ignore[arg-type]


def test_params_that_are_not_evalb_params_are_refused_and_single_trees_are_one_sentence(tmp_path):
    gold = parse_tree("(S (NP (DT the) (NN cat)) (VP (VBD sat)))")
    test = parse_tree("(S (DT the) (VP (NN cat) (VBD sat)))")
    for bad, hint in ((EvalbParams.collins, r"\(call it: EvalbParams.collins\(\)\)"), ("collins", "got str 'collins'")):
        with pytest.raises(TypeError, match=r"evaluate_trees\(\): params must be an EvalbParams .*" + hint):
            evaluate_trees([gold], [test], bad)  # used to fail on a missing attribute
        with pytest.raises(TypeError, match=r"bracket_f1\(\): params must be an EvalbParams"):
            bracket_f1(gold, test, params=bad)
    path = tmp_path / "trees.txt"
    path.write_text(str(gold) + "\n")
    with pytest.raises(TypeError, match=r"evaluate_files\(\): params must be an EvalbParams"):
        evaluate_files(path, path, EvalbParams.collins)
    single = evaluate_trees(gold, test)  # used to raise "'Tree' object is not iterable"
    assert single.summary_all == evaluate_trees([gold], [test]).summary_all
    assert len(single.sentences) == 1
