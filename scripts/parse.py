#!/usr/bin/env python
"""Parse raw text into constituency trees: one PTB tree per sentence per line.

A thin entry point: the command is ``textae.commands.parse`` (installed as ``textae-parse``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.parse import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
