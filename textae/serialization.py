"""Saving and loading models as ``config.json`` + ``model.safetensors`` (never pickle).

A checkpoint directory holds::

    config.json          {"format": "textae.model/1", "model_type": "rae", "config": {...}}
    model.safetensors    the state dict
    vocab.json           the vocabulary, when the model reads words

Loading never unpickles anything, so a checkpoint from a stranger cannot run code.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, TypeVar

import torch
from safetensors.torch import load_model as load_safetensors_model
from safetensors.torch import save_model as save_safetensors_model
from torch import nn

from textae.vocab import Vocab

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.json"


class CheckpointError(ValueError):
    """A checkpoint directory is missing files or holds something unexpected."""


ModelT = TypeVar("ModelT", bound="PretrainedMixin")


class PretrainedMixin:
    """Gives a model ``save_pretrained`` and ``from_pretrained``.

    The class must define ``model_type`` (its key in ``textae.models.MODELS``) and
    ``config_class`` (its frozen config dataclass), and keep its config in ``self.config``.
    """

    model_type: str
    config_class: type

    def save_pretrained(self, directory: str | os.PathLike, vocab: Vocab | None = None) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": "textae.model/1",
            "model_type": self.model_type,
            "config": dataclasses.asdict(self.config),  # type: ignore[attr-defined]
        }
        (directory / CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        # save_model (not save_file) stores a tensor shared by two modules (a tied embedding) once.
        save_safetensors_model(self, str(directory / WEIGHTS_FILE))  # type: ignore[arg-type]
        if vocab is not None:
            vocab.save(directory / VOCAB_FILE)
        return directory

    @classmethod
    def from_pretrained(cls: type[ModelT], directory: str | os.PathLike) -> ModelT:
        model_type, config = read_config(directory)
        if model_type != cls.model_type:
            raise CheckpointError(f"{directory} holds a {model_type!r} model, not {cls.model_type!r}")
        model = cls(cls.config_class(**config))  # type: ignore[call-arg]
        load_weights(model, directory)  # type: ignore[arg-type]
        return model


def read_config(directory: str | os.PathLike) -> tuple[str, dict[str, Any]]:
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"no {CONFIG_FILE} in {directory}: not a textae model directory")
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("format") != "textae.model/1":
        raise CheckpointError(f"{path} is not a textae model config (format {payload.get('format')!r})")
    return payload["model_type"], payload["config"]


def load_weights(model: nn.Module, directory: str | os.PathLike) -> None:
    path = Path(directory) / WEIGHTS_FILE
    if not path.is_file():
        raise CheckpointError(f"no {WEIGHTS_FILE} in {directory}")
    missing, unexpected = load_safetensors_model(model, str(path), strict=False)
    if missing or unexpected:
        raise CheckpointError(f"{path} does not fit the model: missing {missing}, unexpected {unexpected}")


def load_model(directory: str | os.PathLike) -> nn.Module:
    """Loads any textae model from its directory, picking the class from ``config.json``."""
    from textae.models import MODELS

    model_type, _ = read_config(directory)
    if model_type not in MODELS:
        raise CheckpointError(f"unknown model type {model_type!r} in {directory}; known: {sorted(MODELS)}")
    _, model_class = MODELS[model_type]
    return model_class.from_pretrained(directory)


def load_vocab(directory: str | os.PathLike) -> Vocab:
    path = Path(directory) / VOCAB_FILE
    if not path.is_file():
        raise CheckpointError(f"no {VOCAB_FILE} in {directory}")
    return Vocab.load(path)


def tensors_equal(first: nn.Module, second: nn.Module) -> bool:
    """True when two models hold identical parameters and buffers."""
    a, b = first.state_dict(), second.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
