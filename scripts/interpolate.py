#!/usr/bin/env python
"""Walk a sentence VAE's latent space from one sentence to another, one decoded sentence per step.

A thin entry point: the command is ``textae.commands.interpolate`` (installed as ``textae-interpolate``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.interpolate import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
