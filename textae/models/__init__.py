"""Every textae model, by the name used on the command line and in ``config.json``.

``MODELS[name] = (ConfigClass, ModelClass)``. A plain dict: adding a model is one
line here and one file beside this one.
"""

from textae.models.rae import RAE, RAEConfig
from textae.models.semi_supervised_rae import SemiSupervisedRAE, SemiSupervisedRAEConfig

MODELS: dict[str, tuple[type, type]] = {
    "rae": (RAEConfig, RAE),
    "semi_supervised_rae": (SemiSupervisedRAEConfig, SemiSupervisedRAE),
}

__all__ = ["MODELS", "RAE", "RAEConfig", "SemiSupervisedRAE", "SemiSupervisedRAEConfig"]
