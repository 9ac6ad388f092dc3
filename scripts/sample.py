#!/usr/bin/env python
"""Sentences from a sentence VAE: samples from the prior, or reconstructions of a file.

A thin entry point: the command is ``textae.commands.sample`` (installed as ``textae-sample``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.sample import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
