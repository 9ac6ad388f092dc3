"""Running the scripts in this process: importing torch once instead of once per call keeps
the suite fast. A few tests per script still start a real process (``subprocess_script``)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_MODULES: dict[str, object] = {}


@dataclass
class Result:
    returncode: int
    stdout: str | bytes
    stderr: str | bytes


def _module(name: str):
    if name not in _MODULES:
        spec = importlib.util.spec_from_file_location(f"textae_script_{name.removesuffix('.py')}", REPO / "scripts" / name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses in the script look their module up here
        spec.loader.exec_module(module)
        _MODULES[name] = module
    return _MODULES[name]


def run_script(name: str, *args: str, input: str | bytes | None = None, text: bool = True) -> Result:
    """Calls ``scripts/<name>``'s ``main(argv)`` with captured output, as a process would see it."""
    stdout, stderr = io.StringIO(), io.StringIO()
    data = input.encode() if isinstance(input, str) else (input or b"")
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    old_stdin, old_argv = sys.stdin, sys.argv
    sys.stdin, sys.argv = stdin, [name, *args]
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                returned = _module(name).main(list(args))
                code = returned if isinstance(returned, int) else 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if isinstance(exit_.code, str):
                    print(exit_.code, file=sys.stderr)
    finally:
        sys.stdin, sys.argv = old_stdin, old_argv
    if text:
        return Result(code, stdout.getvalue(), stderr.getvalue())
    return Result(code, stdout.getvalue().encode(), stderr.getvalue().encode())


def subprocess_script(name: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / name), *args], capture_output=True,
                          text=kwargs.pop("text", True), timeout=300, **kwargs)


@pytest.fixture(scope="session")
def rae_model(tmp_path_factory, data_dir):
    """A tiny semi-supervised RAE (train_rae.py --tiny --dry-run): a model that is not a
    sentence model nor a chart parser, for the scripts' wrong-checkpoint messages."""
    output = tmp_path_factory.mktemp("rae")
    result = run_script("train_rae.py", "--tiny", "--dry-run", "--output-dir", str(output), "--progress", "false",
                        "--no-logreg")
    assert result.returncode == 0, result.stderr
    return output / "model"


@pytest.fixture(scope="session")
def ptb_parser(tmp_path_factory, data_dir):
    """A labelled (WSJ-sample) chart parser, two training batches: its labels include S."""
    output = tmp_path_factory.mktemp("parser")
    result = run_script("train_parser.py", "--ptb-sample", "--dry-run", "--output-dir", str(output), "--progress", "false")
    assert result.returncode == 0, result.stderr
    return output / "model"
