"""Every script explains itself: --help shows its purpose, its flags and examples."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.scripts.conftest import run_script

SCRIPTS = sorted(path.name for path in (Path(__file__).resolve().parents[2] / "scripts").glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_shows_purpose_and_examples(name):
    source = (Path(__file__).resolve().parents[2] / "scripts" / name).read_text()
    purpose = ast.get_docstring(ast.parse(source)).splitlines()[0]
    result = run_script(name, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage:")
    assert " ".join(purpose.split()) in " ".join(result.stdout.split())
    assert "Examples:" in result.stdout or name == "eval_parser.py"
