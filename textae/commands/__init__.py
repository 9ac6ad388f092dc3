"""The command-line programs, one module per program.

Each module has ``main(argv=None)`` and a ``--help`` that explains it. They run three ways,
all the same program:

    textae-train-rae --sst                  # installed console script (pyproject.toml)
    python scripts/train_rae.py --sst       # from a checkout, installed or not
    python -m textae.commands.train_rae --sst

The console scripts are the ``run_<module>`` functions below (``COMMANDS`` names them), each
importing its module only when called, so that one program does not pay for the others'
imports. (They are not named after their modules: importing a submodule binds its name on
this package, which would hide a function of the same name.)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

#: program module -> console-script name
COMMANDS: dict[str, str] = {
    "classify": "textae-classify",
    "eval_parser": "textae-eval-parser",
    "filter_text": "textae-filter-text",
    "interpolate": "textae-interpolate",
    "parse": "textae-parse",
    "sample": "textae-sample",
    "train_acceptability": "textae-train-acceptability",
    "train_mlm": "textae-train-mlm",
    "train_paraphrase": "textae-train-paraphrase",
    "train_parser": "textae-train-parser",
    "train_rae": "textae-train-rae",
    "train_vae": "textae-train-vae",
    "train_word_vectors": "textae-train-word-vectors",
}


def run(module: str, argv: list[str] | None = None) -> int:
    """Runs ``textae.commands.<module>.main(argv)`` and returns its exit status: the int a
    program returns, else 0 (the training programs return their results dict)."""
    if module not in COMMANDS:
        raise ValueError(f"unknown command {module!r}; the commands are {', '.join(COMMANDS)}")
    result = importlib.import_module(f"{__name__}.{module}").main(argv)
    return result if isinstance(result, int) else 0


def _entry_point(module: str) -> Callable[[], int]:
    def entry_point() -> int:
        return run(module)

    entry_point.__name__ = entry_point.__qualname__ = f"run_{module}"
    entry_point.__doc__ = f"The ``{COMMANDS[module]}`` console script: ``textae.commands.{module}.main()``."
    return entry_point


run_classify = _entry_point("classify")
run_eval_parser = _entry_point("eval_parser")
run_filter_text = _entry_point("filter_text")
run_interpolate = _entry_point("interpolate")
run_parse = _entry_point("parse")
run_sample = _entry_point("sample")
run_train_acceptability = _entry_point("train_acceptability")
run_train_mlm = _entry_point("train_mlm")
run_train_paraphrase = _entry_point("train_paraphrase")
run_train_parser = _entry_point("train_parser")
run_train_rae = _entry_point("train_rae")
run_train_vae = _entry_point("train_vae")
run_train_word_vectors = _entry_point("train_word_vectors")
