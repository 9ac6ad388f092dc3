"""The MSRP reader: hand-written files for the format rules, the real files for the counts."""

from __future__ import annotations

import pytest

from textae.corpora import download
from textae.corpora.download import CorpusNotFoundError
from textae.corpora.msrp import SPEC, CorpusFormatError, ParaphrasePair, load_msrp, read_msrp_file

HEADER = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"


def write(tmp_path, *lines: str, name: str = "msr_paraphrase_train.txt", bom: bool = True):
    path = tmp_path / name
    data = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def test_reads_bom_crlf_rows_and_keeps_quotes_literal(tmp_path):
    path = write(
        tmp_path,
        HEADER,
        '1\t11\t12\tHe said "it\'s fine (mostly).\tShe said it was fine.',
        "0\t21\t22\tShares rose 3.5 percent.\tShares fell\x12s sharply.",
    )
    pairs = read_msrp_file(path)
    assert len(pairs) == 2
    first, second = pairs
    assert first == ParaphrasePair(
        1, "11", "12", 'He said "it\'s fine (mostly).', "She said it was fine.",
        ["He", "said", "``", "it", "'s", "fine", "-LRB-", "mostly", "-RRB-", "."],
        ["She", "said", "it", "was", "fine", "."],
    )
    assert second.label == 0 and second.id1 == "21"
    assert second.sentence2 == "Shares fell\x12s sharply."  # raw text kept
    assert second.tokens2 == ["Shares", "fell", "s", "sharply", "."]  # control character read as a space


def test_without_bom_and_without_final_newline(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_bytes(f"{HEADER}\n1\t1\t2\tA b.\tA c.".encode())
    assert [pair.tokens1 for pair in read_msrp_file(path)] == [["A", "b", "."]]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("1\t11\t12\tonly four fields", "expected 5 tab-separated fields, got 4"),
        ("1\t11\t12\tone\ttwo\tsix", "expected 5 tab-separated fields, got 6"),
        ("yes\t11\t12\tone.\ttwo.", "must be 0 or 1"),
        ("1\t\t12\tone.\ttwo.", "empty"),
        ("1\t11\t12\tone.\t ", "empty"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path, row, problem):
    path = write(tmp_path, HEADER, "1\t1\t2\tFine.\tFine.", row)
    with pytest.raises(CorpusFormatError, match=problem) as error:
        read_msrp_file(path)
    assert isinstance(error.value, ValueError)
    assert error.value.line == 3 and error.value.path == path
    assert f"{path}, line 3" in str(error.value)


def test_wrong_header_or_empty_file(tmp_path):
    with pytest.raises(CorpusFormatError, match="header") as error:
        read_msrp_file(write(tmp_path, "1\t1\t2\tFine.\tFine."))
    assert error.value.line == 1
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(CorpusFormatError, match="empty"):
        read_msrp_file(empty)


def test_split_names_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="split"):
        load_msrp("dev", tmp_path)
    with pytest.raises(CorpusNotFoundError) as error:
        load_msrp("train", tmp_path)
    message = str(error.value)
    assert "msr_paraphrase_train.txt" in message and "raw.githubusercontent.com/Pzeyang" in message


def test_spec_downloads_two_pinned_plain_files():
    assert SPEC.plain_files and SPEC.archive_sha256 is None
    commit = "6239499b4336487deb67936be09d43a25b4d3f37"
    assert SPEC.file_urls == {
        f"msr_paraphrase_{split}.txt": f"https://raw.githubusercontent.com/Pzeyang/Paraphrase_Identification/{commit}/msr_paraphrase_{split}.txt"
        for split in ("train", "test")
    }


def test_real_msrp_counts_and_sha256(data_dir):
    for name, expected in SPEC.file_sha256.items():
        assert download.sha256_of(data_dir / "msrp" / name) == expected
    train = load_msrp("train", data_dir)
    test = load_msrp("test", data_dir)
    assert (len(train), sum(pair.label for pair in train)) == (4076, 2753)
    assert (len(test), sum(pair.label for pair in test)) == (1725, 1147)
    for pairs in (train, test):
        assert all(pair.tokens1 and pair.tokens2 for pair in pairs)
        assert len({(pair.id1, pair.id2) for pair in pairs}) == len(pairs)
    assert not {(p.id1, p.id2) for p in train} & {(p.id1, p.id2) for p in test}
    # train data row 1765 holds U+0012: kept in the raw text, read as a space by the tokenizer
    row = train[1764]
    assert "\x12" in row.sentence1 and row.tokens1[:3] == ["Treasury", "s", "long-range"]
    # quotes are never special: the rows with an odd number of '"' are read like any other (SOURCE.md)
    odd = {split: sum((p.sentence1 + p.sentence2).count('"') % 2 for p in pairs) for split, pairs in (("train", train), ("test", test))}
    assert odd == {"train": 185, "test": 85}


def test_max_pairs_keeps_the_first_pairs_and_still_checks_every_row(tmp_path, monkeypatch):
    path = write(tmp_path, HEADER, "1\t1\t2\tOne here.\tOne there.", "0\t3\t4\tTwo here.\tTwo there.",
                 "1\t5\t6\tThree.\tThree!")
    everything = read_msrp_file(path)
    assert read_msrp_file(path, max_pairs=2) == everything[:2]
    assert read_msrp_file(path, max_pairs=0) == [] and read_msrp_file(path, max_pairs=9) == everything
    tokenized = []
    monkeypatch.setattr("textae.corpora.msrp.tokenize", lambda text: tokenized.append(text) or text.split())
    read_msrp_file(path, max_pairs=1)
    assert tokenized == ["One here.", "One there."]  # the rows past N are not tokenized
    bad = write(tmp_path, HEADER, "1\t1\t2\tFine.\tFine.", "2\t3\t4\tBad label.\tBad label.", name="bad.txt")
    with pytest.raises(CorpusFormatError, match="label") as error:
        read_msrp_file(bad, max_pairs=1)  # refused as without max_pairs
    assert error.value.line == 3
    for wrong in (-1, 1.5, True):
        with pytest.raises(ValueError, match="max_pairs"):
            read_msrp_file(path, max_pairs=wrong)


def test_real_msrp_first_pairs_are_the_same_with_max_pairs(data_dir):
    assert load_msrp("test", data_dir, max_pairs=25) == load_msrp("test", data_dir)[:25]
