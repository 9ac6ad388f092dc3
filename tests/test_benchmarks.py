"""Every benchmark script starts as `python benchmarks/NAME.py` (benchmarks/parsers.py must not
shadow the parsers package) and explains itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted(path.name for path in (REPO / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_help_runs_as_a_process(name):
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), "--help"], capture_output=True,
                            text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
