#!/usr/bin/env python
"""Train a small BERT masked language model on PTB or any text; report masked accuracy and perplexity.

A thin entry point: the command is ``textae.commands.train_mlm`` (installed as ``textae-train-mlm``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_mlm import main  # noqa: E402

if __name__ == "__main__":
    main()
