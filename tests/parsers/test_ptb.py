"""Tests for parsers.ptb: reading, writing, and typed errors with file, line and column."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest

from parsers import (
    BareWordError,
    EmptyInputError,
    EmptyNodeError,
    InvalidLabelError,
    MissingLabelError,
    TrailingTextError,
    Tree,
    TreeEncodingError,
    TreeParseError,
    UnbalancedBracketsError,
    iter_trees,
    parse_tree,
    read_trees,
    write_tree,
    write_trees,
)
from tests.parsers.helpers import DEEP, WIDE

FIXTURES = Path(__file__).parent / "fixtures"


def pre(tag: str, word: str) -> Tree:
    return Tree(tag, (word,))


# ---------------------------------------------------------------------- reading


def test_parse_ptb_tree():
    tree = parse_tree("(S (NP (DT the) (NN cat)) (VP (VBD sat)))")
    assert tree == Tree(
        "S", (Tree("NP", (pre("DT", "the"), pre("NN", "cat"))), Tree("VP", (pre("VBD", "sat"),)))
    )


def test_parse_unwraps_the_unlabelled_ptb_root():
    assert parse_tree("( (S (NN a) (NN b)) )") == parse_tree("(S (NN a) (NN b))")
    assert parse_tree("((S (NN a) (NN b)))") == parse_tree("(S (NN a) (NN b))")


def test_parse_sst_tree_keeps_every_label():
    tree = parse_tree("(3 (2 a) (4 (2 b) (1 c)))", sst=True)
    assert [node.label for node in tree.subtrees()] == ["3", "2", "4", "2", "1"]
    assert tree.leaves() == ["a", "b", "c"]


def test_whitespace_layout_does_not_matter():
    spread = "(S\n\t(NP  (DT the)\r\n (NN\tcat) )\n   ( VP (VBD sat ) ) )\n"
    assert parse_tree(spread) == parse_tree("(S (NP (DT the) (NN cat)) (VP (VBD sat)))")
    assert parse_tree("(S(NP(DT the)(NN cat))(VP(VBD sat)))") == parse_tree(
        "(S (NP (DT the) (NN cat)) (VP (VBD sat)))"
    )


def test_only_ascii_whitespace_separates_tokens():
    # U+00A0 (no-break space) and U+2003 (em space) stay inside the word.
    tree = parse_tree("(2 (2 2\u00a01\\/2) (2 a\u2003b))", sst=True)
    assert tree.leaves() == ["2\u00a01\\/2", "a\u2003b"]


def test_ptb_escapes_are_plain_text():
    tree = parse_tree("(NP (-LRB- -LRB-) (CD 1\\/2) (-RRB- -RRB-) (`` ``) ('' ''))")
    assert tree.leaves() == ["-LRB-", "1\\/2", "-RRB-", "``", "''"]
    assert [node.label for node in tree.preterminals()][0] == "-LRB-"


@pytest.mark.parametrize(
    "line",
    [
        "(2 (2 café) (2 naïve))",
        "(2 (2 2\u00a01\\/2) (3 (2 Jean-Claud) (2 Van)))",
        "(4 (2 日本) (4 (2 ü) (2 -LRB-)))",
        "(2 solo)",
    ],
)
def test_sst_lines_round_trip(line):
    assert write_tree(parse_tree(line, sst=True)) == line


def test_read_mrg_fixture():
    trees = read_trees(FIXTURES / "two_trees.mrg")
    assert len(trees) == 2
    first, second = trees
    assert first.label == "S"
    assert first.leaves() == ["The", "committee", "was", "formed", "*-1", "in", "1998", "."]
    assert [child.label for child in first.children] == ["NP-SBJ-1", "VP", "."]
    assert second == parse_tree("(NP (-LRB- -LRB-) (VB see) (NN page) (CD 3) (-RRB- -RRB-))")


def test_ptb_mode_allows_several_trees_per_line_and_trees_across_lines():
    text = "(A (X a)) (B (X b))\n(C\n (X c))\n"
    assert [tree.label for tree in read_trees(text.splitlines(keepends=True))] == ["A", "B", "C"]


def test_source_kinds(tmp_path):
    text = "(2 (2 a) (3 b))\n\n(1 c)\n"
    path = tmp_path / "trees.txt"
    path.write_text(text, encoding="utf-8")
    expected = [parse_tree("(2 (2 a) (3 b))"), parse_tree("(1 c)")]
    assert read_trees(path, sst=True) == expected
    assert read_trees(str(path), sst=True) == expected
    assert read_trees(text.encode("utf-8"), sst=True) == expected
    assert read_trees(text.splitlines(), sst=True) == expected
    assert read_trees(text.splitlines(keepends=True), sst=True) == expected
    assert read_trees([line.encode() for line in text.splitlines()], sst=True) == expected
    with open(path, encoding="utf-8") as handle:
        assert read_trees(handle, sst=True) == expected
    assert list(iter_trees(path, sst=True)) == expected


def test_open_file_name_is_the_error_source(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("(2 a)\n(9 b)\n", encoding="utf-8")
    with open(path, encoding="utf-8") as handle, pytest.raises(InvalidLabelError) as caught:
        read_trees(handle, sst=True)
    assert (caught.value.source, caught.value.line, caught.value.column) == (str(path), 2, 2)


def test_crlf_file_round_trips(tmp_path):
    lines = ["(3 (2 a) (4 (2 b) (2 c)))", "(1 (0 d) (2 e))"]
    path = tmp_path / "crlf.txt"
    path.write_bytes("".join(line + "\r\n" for line in lines).encode("utf-8"))
    trees = read_trees(path, sst=True)
    assert [write_tree(tree) for tree in trees] == lines
    with open(path, encoding="utf-8", newline="") as handle:
        for raw_line in handle:
            assert raw_line.endswith("\r\n")
            assert write_tree(parse_tree(raw_line, sst=True)) == raw_line.rstrip("\r\n")
    out = tmp_path / "out.txt"
    write_trees(trees, out)
    assert out.read_bytes() == "".join(line + "\n" for line in lines).encode("utf-8")


def test_crlf_does_not_shift_columns():
    with pytest.raises(BareWordError) as caught:
        read_trees(b"(S (NN a))\r\n(S (NN b) c)\r\n")
    assert (caught.value.line, caught.value.column) == (2, 11)


def test_utf8_byte_order_mark_is_ignored():
    assert read_trees("\ufeff(2 a)\n".encode(), sst=True) == [pre("2", "a")]


def test_non_ascii_file_round_trips(tmp_path):
    lines = ["(2 (2 café) (2 2\u00a01\\/2))", "(3 (2 crème) (3 brûlée))"]
    path = tmp_path / "utf8.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    trees = read_trees(path, sst=True)
    assert trees[0].leaves() == ["café", "2\u00a01\\/2"]
    out = tmp_path / "again.txt"
    write_trees(trees, out)
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_iter_trees_is_lazy():
    trees = iter_trees(["(2 a)\n", "(2 b\n"], sst=True)
    assert next(trees) == pre("2", "a")
    with pytest.raises(UnbalancedBracketsError) as caught:
        next(trees)
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_one_per_line_is_the_sst_default():
    two_lines = b"(3 (2 a)\n(2 b))\n"
    with pytest.raises(UnbalancedBracketsError, match="end of line 1") as caught:
        read_trees(two_lines, sst=True)
    assert (caught.value.line, caught.value.column) == (1, 1)
    assert read_trees(two_lines, sst=True, one_per_line=False) == [
        parse_tree("(3 (2 a) (2 b))", sst=True)
    ]
    with pytest.raises(UnbalancedBracketsError):
        read_trees(b"(S (X a)\n)\n", one_per_line=True)


def test_one_per_line_rejects_a_second_tree_on_a_line():
    with pytest.raises(TrailingTextError, match="second tree") as caught:
        read_trees(["(2 a)", "(2 b) (2 c)"], sst=True)
    assert (caught.value.line, caught.value.column) == (2, 7)


# ---------------------------------------------------------------------- errors

ERROR_CASES = [
    # (text, sst, error class, column, excerpt start, words in the reason)
    ("(S (NP (DT the) (NN cat)", False, UnbalancedBracketsError, 4, "(NP (DT the)", "missing ')'"),
    ("(S (NN a)", False, UnbalancedBracketsError, 1, "(S (NN a)", "1 bracket still open"),
    ("(S (NN a)))", False, UnbalancedBracketsError, 11, ")", "extra ')'"),
    (")(S (NN a))", False, UnbalancedBracketsError, 1, ")(S", "extra ')'"),
    ("(S () (NN a))", False, EmptyNodeError, 4, "() (NN a))", "'()'"),
    ("()", False, EmptyNodeError, 1, "()", "'()'"),
    ("(S (NP) (NN a))", False, EmptyNodeError, 4, "(NP) (NN a))", "node 'NP'"),
    ("(S ((NN a)))", False, MissingLabelError, 4, "((NN a)))", "outermost"),
    ("((2 a) (2 b))", True, MissingLabelError, 1, "((2 a)", "SST"),
    ("( (2 a) )", True, MissingLabelError, 1, "( (2 a) )", "SST"),
    ("( (S (NN a)) (S (NN b)) )", False, MissingLabelError, 1, "( (S", "holds 2 trees"),
    ("(S (NN a)) extra", False, TrailingTextError, 12, "extra", "stray text 'extra'"),
    ("junk (S (NN a))", False, TrailingTextError, 1, "junk", "before the first tree"),
    ("(S (NN a)) (S (NN b))", False, TrailingTextError, 12, "(S (NN b))", "second tree"),
    ("(NP the (NN dog))", False, BareWordError, 5, "the (NN dog))", "bare word 'the'"),
    ("(NP (NN dog) the)", False, BareWordError, 14, "the)", "bare word 'the'"),
    ("(NP the dog)", False, BareWordError, 9, "dog)", "second word 'dog'"),
    ("( (S (NN a)) word )", False, BareWordError, 14, "word )", "unlabelled root"),
    ("(7 x)", True, InvalidLabelError, 2, "7 x)", "'7'"),
    ("(a x)", True, InvalidLabelError, 2, "a x)", "'a'"),
    ("(3 (2 a) (x b))", True, InvalidLabelError, 11, "x b))", "'x'"),
    ("(3 (9 (2 a) (2 b)) (2 c))", True, InvalidLabelError, 5, "9 (2 a)", "'9'"),
    ("( 7 x)", True, InvalidLabelError, 3, "7 x)", "'7'"),
    ("", False, EmptyInputError, 1, "", "no tree"),
    ("\n\n   \n\t", False, EmptyInputError, 1, "", "no tree"),
]


@pytest.mark.parametrize(
    ("text", "sst", "error_class", "column", "excerpt", "reason"),
    ERROR_CASES,
    ids=[case[0] or "empty" for case in ERROR_CASES],
)
def test_malformed_input_raises_the_right_error(text, sst, error_class, column, excerpt, reason):
    with pytest.raises(error_class) as caught:
        parse_tree(text, sst=sst)
    error = caught.value
    assert isinstance(error, TreeParseError) and isinstance(error, ValueError)
    assert (error.source, error.line, error.column) == ("<string>", 1, column)
    assert error.text.startswith(excerpt)
    assert reason in error.reason
    assert str(error).startswith(f"<string>:1:{column}: {error.reason}")
    if excerpt:
        assert f"near '{excerpt}" in str(error)


def test_message_names_file_line_and_column():
    line = "(3 (2 abc) (2 ab) (2 ab) (2 ab) (2 ab) (2 foo"
    with pytest.raises(UnbalancedBracketsError) as caught:
        parse_tree(line, sst=True, source="train.txt", line=12)
    assert str(caught.value) == (
        "train.txt:12:40: unbalanced brackets: missing ')' (2 brackets still open at the end "
        "of the input; the innermost one opens here) near '(2 foo'"
    )


def test_long_excerpts_are_shortened():
    with pytest.raises(BareWordError) as caught:
        parse_tree("(NP stray " + "(NN word) " * 20 + ")")
    assert caught.value.text == "stray (NN word) (NN word) (NN …"


def test_errors_on_later_lines_of_one_tree():
    text = "(S\n  (NP (DT the)\n      (NN cat))\n  (VP (VBD sat) the))"
    with pytest.raises(BareWordError) as caught:
        parse_tree(text, line=10)
    assert (caught.value.line, caught.value.column) == (13, 17)
    assert caught.value.text == "the))"


def test_missing_bracket_in_a_multi_line_file_points_at_the_next_tree():
    with pytest.raises(MissingLabelError, match=r"tree opened at 1:1 lacks a '\)'") as caught:
        read_trees(["( (S (NN a) )\n", "( (S (NN b) ) )\n"])
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_unclosed_tree_at_end_of_file(tmp_path):
    path = tmp_path / "cut.mrg"
    path.write_text("( (S (NN a) ) )\n( (S\n  (NP (NN b)\n", encoding="utf-8")
    with pytest.raises(UnbalancedBracketsError, match="3 brackets still open") as caught:
        read_trees(path)
    assert (caught.value.source, caught.value.line, caught.value.column) == (str(path), 3, 3)


def test_undecodable_byte_reports_line_and_column(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"(2 a)\n(2 b)\n(2 \xc3\xa9\xff)\n(2 c)\n")
    with pytest.raises(TreeEncodingError, match="0xff") as caught:
        read_trees(path, sst=True)
    error = caught.value
    # Columns count characters: the two-byte 'é' is column 4, the bad byte column 5.
    assert (error.source, error.line, error.column) == (str(path), 3, 5)
    assert error.text == "\\xff)"
    with pytest.raises(TreeEncodingError) as caught:
        read_trees(path.read_bytes(), sst=True)
    assert (caught.value.source, caught.value.line, caught.value.column) == ("<bytes>", 3, 5)


def test_undecodable_byte_in_a_list_of_byte_lines():
    with pytest.raises(TreeEncodingError) as caught:
        read_trees([b"(2 a)\n", b"\n", b"(2 \xe9)\n"], sst=True)
    assert (caught.value.source, caught.value.line, caught.value.column) == ("<lines>", 3, 4)


def test_blank_input_is_an_error(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n  \n\r\n", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        read_trees(path, sst=True)
    with pytest.raises(EmptyInputError):
        read_trees(b"")
    with pytest.raises(EmptyInputError):
        read_trees([])


def test_errors_survive_pickling():
    with pytest.raises(InvalidLabelError) as caught:
        parse_tree("(7 x)", sst=True, source="dev.txt", line=3)
    clone = pickle.loads(pickle.dumps(caught.value))
    assert type(clone) is InvalidLabelError
    assert str(clone) == str(caught.value)
    assert (clone.source, clone.line, clone.column, clone.text) == ("dev.txt", 3, 2, "7 x)")


def test_wrong_argument_types():
    with pytest.raises(TypeError):
        parse_tree(b"(S (NN a))")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        read_trees(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        read_trees([1, 2])  # type: ignore[list-item]


def test_read_trees_given_tree_text_instead_of_a_path():
    with pytest.raises(FileNotFoundError, match="parse_tree"):
        read_trees("(S (NN a))")


# ---------------------------------------------------------------------- writing


def test_write_tree_format():
    assert write_tree(parse_tree("(S\n (NP  (DT the)\n(NN cat)) )")) == "(S (NP (DT the) (NN cat)))"
    wrapped = Tree("", (parse_tree("(S (NN a))"),))
    assert write_tree(wrapped) == "( (S (NN a)))"
    assert parse_tree(write_tree(wrapped)) == parse_tree("(S (NN a))")


@pytest.mark.parametrize(
    "tree",
    [
        Tree("NP", (pre("NN", "two words"),)),
        Tree("NP", (pre("NN", "a(b"),)),
        Tree("NP", (pre("NN", ""),)),
        Tree("N P", (pre("NN", "dog"),)),
        Tree("NP", (pre("N\tN", "dog"),)),
        pre("NN", "line\nbreak"),
    ],
)
def test_write_tree_refuses_text_that_would_not_read_back(tree):
    with pytest.raises(ValueError, match="cannot write"):
        write_tree(tree)


def test_write_trees_to_an_open_file():
    trees = [parse_tree("(2 (2 a) (3 b))"), parse_tree("(1 c)")]
    buffer = io.StringIO()
    write_trees(trees, buffer)
    assert buffer.getvalue() == "(2 (2 a) (3 b))\n(1 c)\n"
    assert read_trees(buffer.getvalue().splitlines(), sst=True) == trees


# ---------------------------------------------------------------------- deep and wide


def test_deep_tree_reads_and_writes():
    text = "(A " * DEEP + "(X w)" + ")" * DEEP
    tree = parse_tree(text)
    assert tree.height() == DEEP + 1
    assert write_tree(tree) == text
    assert read_trees([text, text]) == [tree, tree]
    sst_text = "(2 " * DEEP + "(3 w)" + ")" * DEEP
    assert write_tree(read_trees(sst_text.encode(), sst=True)[0]) == sst_text


def test_deep_pretty_printed_tree():
    text = "".join(f"{' ' * (depth % 7)}(A\n" for depth in range(DEEP)) + "(X w)" + " )" * DEEP
    tree = parse_tree(text)
    assert tree.height() == DEEP + 1
    assert tree.leaves() == ["w"]


def test_deep_unclosed_tree():
    with pytest.raises(UnbalancedBracketsError, match=f"{DEEP} brackets still open"):
        parse_tree("(A " * DEEP + "(X w)")


def test_wide_tree_reads_and_writes():
    text = "(S " + " ".join(f"(X w{index})" for index in range(WIDE)) + ")"
    tree = parse_tree(text)
    assert len(tree.children) == WIDE
    assert tree.leaves()[-1] == f"w{WIDE - 1}"
    assert write_tree(tree) == text
