"""scripts/filter_text.py: a training text kept to the lines that read as sentences."""

from __future__ import annotations

import json

import pytest

from tests.scripts.conftest import run_script

# Three recurring table lines, reprinted as a block three times between prose lines; a prose
# line repeated with other neighbours each time (not boilerplate); a blank line; trailing spaces
# kept as the text has them (PTB's lines end in one).
BLOCK = ["prime rate N N N ", "discount rate N N ", "federal funds N N N high N N N low "]
PROSE = ["the company said it would sell the unit ", "stocks fell sharply ", "bonds rose ",
         "the dollar was lower ", "prices were mixed "]
TEXT = [PROSE[0], *BLOCK, PROSE[1], "", PROSE[4], *BLOCK, PROSE[2], PROSE[4], *BLOCK, PROSE[3], PROSE[4]]


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("\n".join(TEXT) + "\n", encoding="utf-8")
    return path


def test_boilerplate_lines_are_refused_and_prose_kept_unchanged_in_order(corpus, tmp_path):
    out, refused, report = tmp_path / "out" / "kept.txt", tmp_path / "refused.txt", tmp_path / "report.json"
    result = run_script("filter_text.py", str(corpus), str(out), "--refuse-boilerplate", str(corpus), "--refused",
                        str(refused), "--report", str(report), "--progress", "false")
    assert result.returncode == 0, result.stderr
    prose = [line for line in TEXT if line and line not in BLOCK]
    assert out.read_text(encoding="utf-8").split("\n")[:-1] == prose  # unchanged, in order, no blank line
    assert refused.read_text(encoding="utf-8").split("\n")[:-1] == BLOCK * 3
    counts = json.loads(report.read_text())["counts"]
    assert counts == {"lines": len(prose) + 9, "kept": len(prose), "refused_as_boilerplate": 9,
                      "refused_as_not_a_sentence": 0}
    assert f"kept {len(prose)} of {len(prose) + 9} lines" in result.stderr


def test_the_clause_judge_sees_only_the_lines_the_boilerplate_check_passed(corpus, tmp_path, monkeypatch):
    seen: list[str] = []

    def fake_clause_filter(args, vocab):  # a judge that passes lines with a verb it knows
        assert args.clause_parser == "PARSER"

        def judge(rows):
            words = [" ".join(vocab.decode(row)) for row in rows]
            seen.extend(words)
            return [any(verb in line.split() for verb in ("said", "rose", "fell")) for line in words]

        return judge

    monkeypatch.setattr("textae.commands.filter_text.load_clause_filter", fake_clause_filter)
    monkeypatch.setattr("textae.commands.filter_text.CHUNK", 4)  # several chunks
    out, report = tmp_path / "kept.txt", tmp_path / "report.json"
    result = run_script("filter_text.py", str(corpus), str(out), "--refuse-boilerplate", str(corpus), "--clause-parser",
                        "PARSER", "--report", str(report), "--progress", "false")
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").split("\n")[:-1] == [PROSE[0], PROSE[1], PROSE[2]]
    assert sorted(seen) == sorted(line.strip() for line in TEXT if line and line not in BLOCK)
    counts = json.loads(report.read_text())["counts"]
    assert counts["refused_as_boilerplate"] == 9 and counts["refused_as_not_a_sentence"] == 4
    assert counts["kept"] + counts["refused_as_boilerplate"] + counts["refused_as_not_a_sentence"] == counts["lines"]


def test_a_real_parser_splits_the_text_between_the_two_files(corpus, ptb_parser, tmp_path):
    out, refused = tmp_path / "kept.txt", tmp_path / "refused.txt"
    result = run_script("filter_text.py", str(corpus), str(out), "--clause-parser", str(ptb_parser), "--refused",
                        str(refused), "--progress", "false")
    assert result.returncode == 0, result.stderr
    kept = out.read_text(encoding="utf-8").split("\n")[:-1]
    dropped = refused.read_text(encoding="utf-8").split("\n")[:-1]
    assert sorted(kept + dropped) == sorted(line for line in TEXT if line)


@pytest.mark.parametrize("flags, message", [
    ([], "nothing to filter by: give --clause-parser DIR, --refuse-boilerplate FILE or both"),
    (["--boilerplate-span", "3"], "--boilerplate-span says which runs of words --refuse-boilerplate refuses"),
    (["--refuse-boilerplate", "{corpus}", "--boilerplate-similarity", "1.5"], "must be above 0 and at most 1"),
    (["--refuse-boilerplate", "{corpus}", "--boilerplate-span", "-1"], "must be 0 (off) or more words"),
])
def test_bad_flags_are_usage_errors(corpus, tmp_path, flags, message):
    flags = [flag.format(corpus=corpus) for flag in flags]
    result = run_script("filter_text.py", str(corpus), str(tmp_path / "out.txt"), *flags)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_bad_files_get_a_message_not_a_traceback(corpus, tmp_path, ptb_parser, rae_model):
    out = tmp_path / "out.txt"
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 prices rose\n".encode("latin-1"))
    blank = tmp_path / "blank.txt"
    blank.write_text("\n \n", encoding="utf-8")
    cases = [
        ([str(corpus), str(corpus), "--refuse-boilerplate", str(corpus)], "is INPUT"),
        ([str(corpus), str(out), "--refuse-boilerplate", str(corpus), "--refused", str(corpus)], "is INPUT"),
        ([str(tmp_path / "missing.txt"), str(out), "--refuse-boilerplate", str(corpus)], "cannot read"),
        ([str(latin), str(out), "--refuse-boilerplate", str(corpus)], "is not UTF-8 text"),
        ([str(blank), str(out), "--refuse-boilerplate", str(corpus)], "has no sentence"),
        ([str(corpus), str(out), "--refuse-boilerplate", str(tmp_path / "none.txt")], "cannot use --refuse-boilerplate"),
        ([str(corpus), str(out), "--clause-parser", str(rae_model)], "cannot use --clause-parser"),
        ([str(corpus), str(out), "--clause-parser", str(ptb_parser.parent)], f"did you mean --clause-parser {ptb_parser}?"),
    ]
    for args, message in cases:
        result = run_script("filter_text.py", *args, "--progress", "false")
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not out.exists()
