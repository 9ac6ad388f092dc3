#!/usr/bin/env python
"""Print the sentiment of sentences, raw text or parsed trees, with a trained semi-supervised RAE.

A thin entry point: the command is ``textae.commands.classify`` (installed as ``textae-classify``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.classify import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
