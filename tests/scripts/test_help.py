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


PRESET_VALUES = re.compile(r"\(?--[\w-]+: .*$")  # "(--ptb: 0.5; --tiny: 0.0)" at the end


def explains(help_text: str) -> bool:
    """False for an empty help or one that gives only the default ("default: X") or only the
    values under each preset ("--ptb: 0.5; --tiny: 0.0")."""
    text = PRESET_VALUES.sub("", " ".join(help_text.split())).split("(default:")[0].strip()
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


def test_help_shows_what_each_preset_sets(monkeypatch):
    """The flags' help gives the value each preset really runs with, not the dataclass default:
    for the chosen --model, with the model's own preset merged in."""
    monkeypatch.setenv("COLUMNS", "100")
    vae = option_help(run_script("train_vae.py", "--help").stdout)
    assert vae["--decoder-dropout DECODER_DROPOUT"].endswith("(--ptb: 0.5; --ptb-512: 0.5; --tiny: 0.0)")
    assert vae["--learning-rate LEARNING_RATE"].endswith("(--ptb: 0.001; --ptb-512: 0.001; --tiny: 0.003)")
    assert vae["--early-stopping-metric EARLY_STOPPING_METRIC"].endswith(
        "(--ptb: elbo_nll; --ptb-512: elbo_nll; --tiny: elbo_nll)")
    assert vae["--hidden-size HIDDEN_SIZE"].endswith("(--ptb: 256; --ptb-512: 512; --tiny: 16)")
    lstm_lm = option_help(run_script("train_vae.py", "--model", "lstm_lm", "--help").stdout)
    assert lstm_lm["--early-stopping-metric EARLY_STOPPING_METRIC"].endswith("(default: loss)")

    rae = option_help(run_script("train_rae.py", "--help").stdout)
    assert rae["--hidden-size HIDDEN_SIZE"].endswith("(--sst: 50; --tiny: 8)")
    assert rae["--optimizer OPTIMIZER"].endswith("(default: adagrad)")  # both presets keep the default
    deep = option_help(run_script("train_rae.py", "--model", "deep_recursive", "--help").stdout)
    # PRESETS["sst_deep_recursive"], merged into --sst for this model only.
    assert deep["--hidden-size HIDDEN_SIZE"].endswith("(--sst: 100; --tiny: 8)")
    assert deep["--dropout DROPOUT"].endswith("(--sst: 0.3; --tiny: 0.2)")
    assert deep["--optimizer OPTIMIZER"].endswith("(--sst: adam; --tiny: adagrad)")
    assert deep["--learning-rate LEARNING_RATE"].endswith("(--sst: 0.001; --tiny: 0.05)")
    assert deep["--max-epochs MAX_EPOCHS"].endswith("(--sst: 20; --tiny: 2)")
    assert deep["--weight-decay WEIGHT_DECAY"].endswith("(default: 1e-05)")  # the preset's value is the default
    assert deep["--min-freq MIN_FREQ"].endswith("(default: 1)")  # sst_deep_recursive undoes --sst's 2
    assert deep["--ema-decay EMA_DECAY"].endswith("(--sst: 0.999; --tiny: 0.0)")
