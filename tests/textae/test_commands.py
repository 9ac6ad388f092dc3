"""The programs run three ways, all the same program: console script, scripts/ file, module."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

import textae.commands
from textae.commands import COMMANDS, run

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(path.stem for path in (REPO / "textae" / "commands").glob("*.py") if path.stem != "__init__")


def test_every_program_is_a_command_a_script_and_a_console_script():
    assert sorted(COMMANDS) == MODULES
    assert sorted(path.stem for path in (REPO / "scripts").glob("*.py")) == MODULES
    # pyproject.toml's [project.scripts] table (tomllib is Python 3.11+; we support 3.10)
    table = (REPO / "pyproject.toml").read_text().split("[project.scripts]\n", 1)[1].split("\n[", 1)[0]
    declared = dict(re.findall(r'^(\S+) = "(\S+)"$', table, flags=re.M))
    assert declared == {name: f"textae.commands:run_{module}" for module, name in COMMANDS.items()}


@pytest.mark.parametrize("module", MODULES)
def test_script_file_is_a_thin_entry_point_to_the_module(module):
    source = (REPO / "scripts" / f"{module}.py").read_text()
    tree = ast.parse(source)
    command = importlib.import_module(f"textae.commands.{module}")
    # the same purpose line, so the script's docstring and its --help agree
    assert ast.get_docstring(tree).splitlines()[0] == command.__doc__.splitlines()[0]
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    assert defined == [], f"scripts/{module}.py should only import textae.commands.{module}"
    assert f"from textae.commands.{module} import main" in source


@pytest.mark.parametrize("module", MODULES)
def test_installed_entry_point_loads_its_runner(module):
    (entry,) = [ep for ep in importlib.metadata.entry_points(group="console_scripts") if ep.name == COMMANDS[module]]
    runner = entry.load()
    assert runner is getattr(textae.commands, f"run_{module}")
    assert runner.__name__ == f"run_{module}"


def test_run_returns_the_programs_status(capsys):
    assert run("parse", ["--parser", "right", "Not bad at all."]) == 0
    assert capsys.readouterr().out.strip() == "(X (X Not) (X (X bad) (X (X at) (X (X all) (X .)))))"
    assert run("parse", ["--parser", "chart", "Not bad."]) == 2  # no --model: a one-line message
    assert "--model" in capsys.readouterr().err


def test_run_turns_a_training_programs_results_into_status_zero(tmp_path, capsys):
    text = tmp_path / "text.txt"
    text.write_text("a good film\na bad film\n" * 20, encoding="utf-8")
    status = run("train_word_vectors", ["--corpora", "--text-file", str(text), "--min-count", "1", "--size", "8",
                                        "--epochs", "1", "--output", str(tmp_path / "vectors.txt")])
    assert status == 0  # main() returned its info dict
    assert (tmp_path / "vectors.txt").read_text().startswith("4 8\n")


def test_run_rejects_an_unknown_command():
    with pytest.raises(ValueError, match="unknown command 'train_gan'.*train_rae"):
        run("train_gan", [])


def test_console_script_runs_as_a_process():
    executable = Path(sys.executable).parent / "textae-parse"
    assert executable.is_file(), "pip install -e . installs the console scripts beside python"
    result = subprocess.run([str(executable), "--parser", "left"], input="A fine film.\n",
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(X (X (X (X A) (X fine)) (X film)) (X .))"


def test_module_runs_with_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "textae.commands.parse", "--parser", "balanced", "Two words"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(X (X Two) (X words))"


def test_error_lines_name_the_program_as_argparse_does():
    """``<program>: error: <message>`` from every program, as argparse writes its own errors."""
    executable = Path(sys.executable).parent / "textae-parse"
    result = subprocess.run([str(executable), "--parser", "chart", "Not bad."], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("textae-parse: error: "), result.stderr
    bare = [f"{path.name}:{number}" for path in sorted((REPO / "textae" / "commands").glob("*.py"))
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(r"""(^|[\s(=,])[fr]?["']error: """, line)]
    assert bare == [], "error lines without the program's name"
