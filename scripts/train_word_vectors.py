#!/usr/bin/env python
"""Pre-train skip-gram word vectors on the unlabelled text textae has, for any model's --word-vectors.

A thin entry point: the command is ``textae.commands.train_word_vectors`` (installed as ``textae-train-word-vectors``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_word_vectors import main  # noqa: E402

if __name__ == "__main__":
    main()
