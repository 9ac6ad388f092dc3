#!/usr/bin/env python
"""Train a recursive autoencoder on the Stanford Sentiment Treebank and report sentiment accuracy.

A thin entry point: the command is ``textae.commands.train_rae`` (installed as ``textae-train-rae``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_rae import main  # noqa: E402

if __name__ == "__main__":
    main()
