"""Every textae model, by the name used on the command line and in ``config.json``.

``MODELS[name] = (ConfigClass, ModelClass)``. A plain dict: adding a model is one
line here and one file beside this one.
"""

from textae.models.acceptability import AcceptabilityClassifier, AcceptabilityConfig
from textae.models.deep_recursive import DeepRecursiveConfig, DeepRecursiveNet
from textae.models.denoising_rae import DenoisingRAE, DenoisingRAEConfig
from textae.models.greedy_rae import GreedyRAE
from textae.models.lstm_lm import LSTMLanguageModel
from textae.models.rae import RAE, RAEConfig
from textae.models.semi_supervised_rae import SemiSupervisedRAE, SemiSupervisedRAEConfig
from textae.models.sentence_ae import SentenceAE, SentenceAEConfig
from textae.models.sentence_vae import SentenceVAE, SentenceVAEConfig
from textae.models.unfolding_rae import UnfoldingRAE, UnfoldingRAEConfig

MODELS: dict[str, tuple[type, type]] = {
    "rae": (RAEConfig, RAE),
    "semi_supervised_rae": (SemiSupervisedRAEConfig, SemiSupervisedRAE),
    "greedy_rae": (SemiSupervisedRAEConfig, GreedyRAE),
    "deep_recursive": (DeepRecursiveConfig, DeepRecursiveNet),
    "unfolding_rae": (UnfoldingRAEConfig, UnfoldingRAE),
    "denoising_rae": (DenoisingRAEConfig, DenoisingRAE),
    "sentence_vae": (SentenceVAEConfig, SentenceVAE),
    "lstm_lm": (SentenceVAEConfig, LSTMLanguageModel),
    "sentence_ae": (SentenceAEConfig, SentenceAE),
    "acceptability": (AcceptabilityConfig, AcceptabilityClassifier),
}

__all__ = [
    "MODELS", "AcceptabilityClassifier", "AcceptabilityConfig", "DeepRecursiveConfig", "DeepRecursiveNet", "DenoisingRAE", "DenoisingRAEConfig", "GreedyRAE", "LSTMLanguageModel", "RAE", "RAEConfig", "SemiSupervisedRAE", "SemiSupervisedRAEConfig",
    "SentenceAE", "SentenceAEConfig", "SentenceVAE", "SentenceVAEConfig", "UnfoldingRAE", "UnfoldingRAEConfig",
]
