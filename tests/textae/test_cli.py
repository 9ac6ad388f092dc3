from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

import pytest

from textae.cli import add_dataclass_arguments, add_run_arguments, build_dataclass, write_run_config


@dataclass(frozen=True)
class Settings:
    size: int = 3
    rate: float = 0.5
    name: str = "x"
    flag: bool = False


def parse(argv):
    parser = argparse.ArgumentParser()
    add_dataclass_arguments(parser, Settings)
    return parser.parse_args(argv)


def test_flag_beats_preset_beats_default():
    assert build_dataclass(Settings, parse([])) == Settings()
    assert build_dataclass(Settings, parse([]), {"size": 7, "unrelated": 1}) == Settings(size=7)
    assert build_dataclass(Settings, parse(["--size", "9", "--flag", "true"]), {"size": 7}) == Settings(size=9, flag=True)
    assert build_dataclass(Settings, parse(["--rate", "2"]), name="fixed").name == "fixed"


def test_bad_values_are_argparse_errors():
    with pytest.raises(SystemExit):
        parse(["--size", "many"])
    with pytest.raises(SystemExit):
        parse(["--flag", "perhaps"])


def test_run_config_records_everything(tmp_path):
    path = write_run_config(tmp_path, {"settings": Settings(), "preset": "tiny"})
    payload = json.loads(path.read_text())
    assert payload["settings"] == {"size": 3, "rate": 0.5, "name": "x", "flag": False}
    assert payload["preset"] == "tiny" and "command" in payload and "git_commit" in payload


@dataclass(frozen=True)
class Resuming:
    resume: bool = True


def test_resuming_without_a_checkpoint_writes_nothing(tmp_path):
    from textae.train import ResumeError

    with pytest.raises(ResumeError, match="no checkpoint"):
        write_run_config(tmp_path / "run", {"train": Resuming()})
    assert not (tmp_path / "run").exists()


def test_resuming_keeps_the_earlier_commands(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.argv", ["train.py", "--first"])
    write_run_config(tmp_path, {"train": Resuming(resume=False)})
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "latest").write_text("step-1")
    for flag in ("--second", "--third"):
        monkeypatch.setattr("sys.argv", ["train.py", flag, "--resume"])
        payload = json.loads(write_run_config(tmp_path, {"train": Resuming()}).read_text())
    assert payload["command"] == "train.py --third --resume"
    assert payload["previous_commands"] == ["train.py --first", "train.py --second --resume"]
    monkeypatch.setattr("sys.argv", ["train.py", "--fresh"])
    fresh = write_run_config(tmp_path, {"train": Resuming(resume=False)}, overwrite=True)
    assert "previous_commands" not in json.loads(fresh.read_text())


def test_a_new_run_in_a_folder_holding_one_is_refused_unless_overwrite(tmp_path):
    from textae.cli import UsageError

    write_run_config(tmp_path, {"train": Resuming(resume=False)})  # the first run in an empty folder
    with pytest.raises(UsageError, match=r"already holds a run \(run_config.json\): continue it with --resume, "
                                         r"start it again with --overwrite, or choose another --output-dir"):
        write_run_config(tmp_path, {"train": Resuming(resume=False)})
    for folder in ("checkpoints", "model"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "weights").write_text("old")
    for name in ("metrics.jsonl", "test_report.json", "eval-test-progress.pt", "notes.txt"):
        (tmp_path / name).write_text("old")
    with pytest.raises(UsageError, match="--resume continues the run in --output-dir and --overwrite starts it again"):
        write_run_config(tmp_path, {"train": Resuming()}, overwrite=True)
    write_run_config(tmp_path, {"train": Resuming(resume=False)}, overwrite=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt", "run_config.json"]  # the user's file stays
    (tmp_path / "run_config.json").unlink()
    write_run_config(tmp_path, {"train": Resuming(resume=False)})  # a folder of other files is no run


@pytest.mark.parametrize("command, program", [
    ("train_rae.py --sst", "train_rae"), ("textae-train-vae --ptb", "train_vae"),
    ("/src/textae/commands/train_parser.py", "train_parser"), ("pytest -q", None), ("interpolate.py a b", None),
])
def test_training_program_names_each_form_of_a_program_alike(command, program):
    from textae.cli import training_program

    assert training_program(command) == program


def test_resuming_another_program_s_run_names_that_program(tmp_path, monkeypatch):
    from textae.train import ResumeError

    monkeypatch.setattr("sys.argv", ["train_rae.py", "--tiny"])
    write_run_config(tmp_path, {"train": Resuming(resume=False)})
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "latest").write_text("step-1")
    monkeypatch.setattr("sys.argv", ["textae-train-vae", "--tiny", "--resume"])
    with pytest.raises(ResumeError, match=r"was made by train_rae.py \(run_config.json\): resume it with "
                                          r"train_rae.py --resume, or give this program another --output-dir"):
        write_run_config(tmp_path, {"train": Resuming()})
    monkeypatch.setattr("sys.argv", ["textae-train-rae", "--tiny", "--resume"])  # the same program, another form
    write_run_config(tmp_path, {"train": Resuming()})


def test_help_shows_defaults_once_and_hides_empty_ones():
    @dataclass(frozen=True)
    class Paths:
        data_dir: str = ""
        cache: str = "~/.cache"
        limit: int = 0

    parser = argparse.ArgumentParser()
    add_dataclass_arguments(parser, Paths, help_texts={"data_dir": "corpus folder (default: $DATA)", "limit": "at most"})
    helps = {action.dest: action.help for action in parser._actions}
    assert helps["data_dir"] == "corpus folder (default: $DATA)"  # not followed by "(default: )"
    assert helps["cache"] == "default: ~/.cache"
    assert helps["limit"] == "at most (default: 0)"


def test_help_shows_the_value_under_each_preset():
    @dataclass(frozen=True)
    class Model:
        dropout: float = 0.0
        size: int = 8
        cache: str = "runs/cache"
        note: str = ""

    parser = argparse.ArgumentParser()
    presets = {"--big": {"dropout": 0.5, "size": 8, "unrelated": 1}, "--tiny": {"cache": ""}}
    add_dataclass_arguments(parser, Model, help_texts={"dropout": "dropout rate", "size": "width", "cache": "folder"},
                            presets=presets)
    helps = {action.dest: action.help for action in parser._actions}
    assert helps["dropout"] == "dropout rate (--big: 0.5; --tiny: 0.0)"  # --tiny leaves the default
    assert helps["size"] == "width (default: 8)"  # no preset changes it
    assert helps["cache"] == 'folder (--big: runs/cache; --tiny: "")'  # an empty value is shown as ""
    assert helps["note"] == ""  # an empty default, unchanged: nothing shown
    assert "unrelated" not in helps
    assert "--big: 0.5; --tiny: 0.0" in parser.format_help()  # argparse formats these help strings


def test_add_run_arguments_gives_every_training_program_the_same_five_flags():
    parser = argparse.ArgumentParser()
    add_run_arguments(parser, default_output="runs/x-<preset>-seed<seed>", resume=" (same tokenizer)",
                      dry_run="2 training batches")
    args = parser.parse_args([])
    assert (args.output_dir, args.seed, args.resume, args.overwrite, args.dry_run) == (None, 0, False, False, False)
    args = parser.parse_args(["--output-dir", "out", "--seed", "3", "--resume", "--overwrite", "--dry-run"])
    assert (args.output_dir, args.seed, args.resume, args.overwrite, args.dry_run) == ("out", 3, True, True, True)
    text = " ".join(parser.format_help().split())
    assert "default: runs/x-<preset>-seed<seed>; with --dry-run a temporary folder" in text
    assert "from its last checkpoint (same tokenizer)" in text
    assert "2 training batches (`--dry-run --help` shows the values it sets)" in text


@pytest.mark.parametrize("error", [
    RuntimeError("[enforce fail at alloc_cpu.cpp:121] data. DefaultCPUAllocator: can't allocate memory: you tried to "
                 "allocate 16000000000000 bytes. Error code 12 (Cannot allocate memory)"),
    MemoryError(),
])
def test_running_out_of_memory_is_one_line_that_says_what_to_lower(error, capsys, monkeypatch):
    import torch

    from textae.cli import user_errors

    monkeypatch.setattr("sys.argv", ["train_vae.py"])

    @user_errors
    def main():
        raise error

    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert message.startswith("train_vae.py: error: out of memory (") and "smaller --batch-size" in message
    assert message.count("\n") == 1

    @user_errors
    def other():  # any other RuntimeError is a bug: its traceback stays
        raise RuntimeError("shapes do not match")

    with pytest.raises(RuntimeError, match="shapes"):
        other()
    assert issubclass(torch.OutOfMemoryError, RuntimeError)  # the CUDA kind is caught by its type


def test_a_config_error_names_the_flag_a_user_gives():
    from textae.cli import flag_names

    fields = ["batch_size", "max_eval_sentences", "eval_sentences", "dropout", "parser"]
    assert flag_names("batch_size must be >= 1, got 0", fields) == "--batch-size must be >= 1, got 0"
    assert flag_names("max_eval_sentences must be >= 0", fields) == "--max-eval-sentences must be >= 0"
    assert flag_names("dropout must be in [0, 1)", fields) == "--dropout must be in [0, 1)"
    # a plain word inside a sentence, a longer name holding a field's name, a name that is no flag: as they are
    assert flag_names("the parser needs dropout below batch_size_limit", fields) == \
        "the parser needs dropout below batch_size_limit"
    assert flag_names("vocab_size must be >= 2", fields) == "vocab_size must be >= 2"


def test_under_torchrun_only_rank_0_checks_the_folder_and_writes(tmp_path, monkeypatch):
    write_run_config(tmp_path, {"train": Resuming(resume=False)})  # rank 0's record
    before = (tmp_path / "run_config.json").read_text()
    monkeypatch.setenv("RANK", "1")
    assert write_run_config(tmp_path, {"train": Resuming(resume=False)}) == tmp_path / "run_config.json"
    assert (tmp_path / "run_config.json").read_text() == before  # not taken for an earlier run, not rewritten
