"""Every script explains itself: --help shows its purpose, its flags and examples."""

from __future__ import annotations

import ast
import re
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


OPTION_LINE = re.compile(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$")  # "  --flag METAVAR   help", help maybe on later lines


def option_help(text: str) -> dict[str, str]:
    """``{"--batch-size BATCH_SIZE": "its help text"}`` for every option in ``--help`` output."""
    entries: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        match = OPTION_LINE.match(line)
        if match:
            current = match.group(1)
            entries[current] = match.group(2) or ""
        elif current is not None and line.startswith("   ") and line.strip():
            entries[current] += " " + line.strip()  # a wrapped or moved help line
        else:
            current = None
    return entries


def explains(help_text: str) -> bool:
    """False for an empty help or one that gives only the default ("default: X")."""
    text = " ".join(help_text.split()).split("(default:")[0].strip()
    return bool(text) and not text.startswith("default:")


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_option_has_help(name, monkeypatch):
    """Every flag of every script (and of each --model choice, whose flags differ) says what it does."""
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps at the terminal width
    variants = [()]
    models = re.search(r"--model \{([^}]*)\}", run_script(name, "--help").stdout)
    if models:
        variants += [("--model", model) for model in models.group(1).split(",")]
    missing = []
    for variant in variants:
        result = run_script(name, *variant, "--help")
        assert result.returncode == 0, result.stderr
        entries = option_help(result.stdout)
        assert "-h, --help" in entries and len(entries) > 1, f"--help of {name} {variant} was not parsed"
        missing += [f"{' '.join([name, *variant])}: {flag}"
                    for flag, text in entries.items() if not explains(text)]
    assert not missing, "options without help text:\n" + "\n".join(missing)
