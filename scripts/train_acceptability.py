#!/usr/bin/env python
"""Train a sentence acceptability classifier: a corpus's lines against copies of them broken.

A thin entry point: the command is ``textae.commands.train_acceptability`` (installed as ``textae-train-acceptability``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_acceptability import main  # noqa: E402

if __name__ == "__main__":
    main()
