#!/usr/bin/env python
"""Train a sentence VAE (Bowman et al. 2016) or its LSTM language-model baseline, and evaluate it.

A thin entry point: the command is ``textae.commands.train_vae`` (installed as ``textae-train-vae``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_vae import main  # noqa: E402

if __name__ == "__main__":
    main()
