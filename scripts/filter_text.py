#!/usr/bin/env python
"""Keep the lines of a text that read as sentences, to train a sentence model on prose only.

A thin entry point: the command is ``textae.commands.filter_text`` (installed as ``textae-filter-text``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.filter_text import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
