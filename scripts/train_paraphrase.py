#!/usr/bin/env python
"""Paraphrase detection on MSRP with an unfolding RAE and dynamic pooling (Socher et al., NIPS 2011).

A thin entry point: the command is ``textae.commands.train_paraphrase`` (installed as ``textae-train-paraphrase``);
``--help`` explains it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from textae.commands.train_paraphrase import main  # noqa: E402

if __name__ == "__main__":
    main()
