#!/usr/bin/env python
"""Train textae's span-based chart parser (BiLSTM + exact CKY) on SST or the WSJ sample.

A thin entry point: the command is ``textae.commands.train_parser`` (installed as ``textae-train-parser``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_parser import main  # noqa: E402

if __name__ == "__main__":
    main()
