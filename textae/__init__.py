"""textae: recursive and text autoencoders in PyTorch.

Shape legend used in every docstring and shape comment:
    B batch items (trees, sentences, images)    N nodes in a batch of trees
    n nodes at one level (or internal nodes)    L levels
    T tokens    D hidden    Z latent    V vocabulary    C classes (or channels)    H, W image
"""

__version__ = "0.1.0"

from textae.trees import EncodedTree, TreeBatch, encode_tree  # noqa: E402
from textae.vocab import Vocab  # noqa: E402

__all__ = ["__version__", "EncodedTree", "TreeBatch", "Vocab", "encode_tree"]
