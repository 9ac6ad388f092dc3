#!/usr/bin/env python
"""Score parser output against gold trees exactly as EVALB does and print EVALB's report.

A thin entry point: the command is ``textae.commands.eval_parser`` (installed as ``textae-eval-parser``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.eval_parser import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
