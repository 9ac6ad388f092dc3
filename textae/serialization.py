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
import math
import os
import typing
from pathlib import Path
from typing import Any, TypeVar

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from textae.vocab import Vocab, VocabError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.json"


class CheckpointError(ValueError):
    """A checkpoint directory is missing files or holds something unexpected."""


class WeightShapeError(CheckpointError):
    """Saved weights have other shapes than the model they are loaded into."""


class ConfigTypeError(TypeError, ValueError):
    """A config field holds a value of the wrong type (a ``ValueError`` too, so that the
    scripts' usage errors and :meth:`PretrainedMixin.from_pretrained` report it as they
    report a refused value)."""


def check_field_types(config: Any) -> None:
    """For a config's ``__post_init__``: :class:`ConfigTypeError` naming the first field whose
    value is not of its annotated type, where that type is ``bool``, ``int``, ``float`` or
    ``str`` (an int is a float; a bool is not an int; a float must be finite). Without it
    ``normalize="false"`` was taken as true and ``hidden_size=8.0`` failed inside torch."""
    hints = typing.get_type_hints(type(config))
    for field in dataclasses.fields(config):
        expected, value = hints.get(field.name), getattr(config, field.name)
        if expected is bool:
            fits = isinstance(value, bool)
        elif expected is int:
            fits = isinstance(value, int) and not isinstance(value, bool)
        elif expected is float:
            fits = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        elif expected is str:
            fits = isinstance(value, str)
        else:  # optional or composite fields: the class's own checks
            continue
        if not fits:
            kind = {float: "a finite number", int: "an int", bool: "a bool (true or false)", str: "a str"}[expected]
            raise ConfigTypeError(f"{type(config).__name__}.{field.name} must be {kind}, got {value!r}")


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
        save_weights(self, directory / WEIGHTS_FILE)  # type: ignore[arg-type]
        if vocab is not None:
            vocab.save(directory / VOCAB_FILE)
        return directory

    @classmethod
    def from_pretrained(cls: type[ModelT], directory: str | os.PathLike) -> ModelT:
        model_type, config = read_config(directory)
        if model_type != cls.model_type:
            raise CheckpointError(f"{directory} holds a {model_type!r} model, not {cls.model_type!r}")
        try:
            model_config = cls.config_class(**config)  # type: ignore[attr-defined]
        except (TypeError, ValueError) as error:  # unknown or missing fields, refused values
            raise CheckpointError(f"{Path(directory) / CONFIG_FILE} does not fit a {model_type!r} model: {error}") from None
        vocab_size = getattr(model_config, "vocab_size", None)
        if vocab_size is not None and (Path(directory) / VOCAB_FILE).is_file():
            words = len(load_vocab(directory))
            if words != vocab_size:  # ids past the model's table would fail at the first forward
                raise CheckpointError(f"{Path(directory) / VOCAB_FILE} has {words} words but the model's "
                                      f"vocabulary size is {vocab_size}: the two files come from different runs")
        model = cls(model_config)  # type: ignore[call-arg]
        load_weights(model, directory)  # type: ignore[arg-type]
        return model


def save_weights(module: nn.Module, path: str | os.PathLike) -> None:
    """``module``'s state dict as safetensors, from any device, a tensor tied under two names
    (a tied embedding) stored once under the first; :func:`load_state` (and
    ``safetensors.torch.load_model``) restores it under both.

    Each tensor is copied to the CPU on its own: on a GPU, cuDNN packs an LSTM's weights into
    one buffer whose views none covers whole, which ``safetensors.torch.save_model`` refuses
    ("None is covering the entire storage").
    """
    kept: dict[tuple, str] = {}
    tensors: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    for name, tensor in module.state_dict().items():
        view = (tensor.device, tensor.data_ptr(), tensor.dtype, tuple(tensor.shape), tuple(tensor.stride()))
        if tensor.numel() and view in kept:  # the same tensor under another name
            aliases[name] = kept[view]
            continue
        kept[view] = name
        tensors[name] = tensor.detach().to("cpu", copy=True).contiguous()
    save_file(tensors, str(path), metadata=aliases or None)


def load_state(module: nn.Module, path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Copies the weights in ``path`` (written by :func:`save_weights`, or by
    ``safetensors.torch.save_model``) into ``module`` wherever it is, GPU included, a tied tensor
    under each of its names; returns ``(missing, unexpected)`` names as ``load_state_dict`` does.

    Raises:
        CheckpointError: the file is damaged (or no safetensors file); its subclass
            WeightShapeError: a tensor's shape differs from the module's (a model of other sizes).
    """
    try:
        with safe_open(str(path), "pt") as file:
            aliases = file.metadata() or {}  # a name stored once: {other name: stored name}
        state = load_file(str(path))
    except SafetensorError as error:  # truncated, or not a safetensors file
        raise CheckpointError(f"{path} is damaged or not a safetensors file ({error})") from None
    own = module.state_dict()
    for alias, stored in aliases.items():
        if alias in own and alias not in state and stored in state:
            state[alias] = state[stored]
    mismatched = [f"{name} {tuple(value.shape)} (the model's: {tuple(own[name].shape)})"
                  for name, value in state.items() if name in own and value.shape != own[name].shape]
    if mismatched:
        shown = "; ".join(mismatched[:3]) + (f"; and {len(mismatched) - 3} more" if len(mismatched) > 3 else "")
        raise WeightShapeError(f"{path} holds weights of other sizes than the model: {shown}")
    missing, unexpected = module.load_state_dict(state, strict=False)
    return list(missing), list(unexpected)


def read_config(directory: str | os.PathLike) -> tuple[str, dict[str, Any]]:
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"no {CONFIG_FILE} in {directory}: not a textae model directory")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path} is damaged: not JSON ({error})") from None
    if not isinstance(payload, dict) or payload.get("format") != "textae.model/1":
        found = payload.get("format") if isinstance(payload, dict) else None
        raise CheckpointError(f"{path} is not a textae model config (format {found!r})")
    if not isinstance(payload.get("model_type"), str) or not isinstance(payload.get("config"), dict):
        raise CheckpointError(f"{path} is damaged: it needs a model_type name and a config object")
    return payload["model_type"], payload["config"]


def load_weights(model: nn.Module, directory: str | os.PathLike) -> None:
    path = Path(directory) / WEIGHTS_FILE
    if not path.is_file():
        raise CheckpointError(f"no {WEIGHTS_FILE} in {directory}")
    missing, unexpected = load_state(model, path)
    if missing or unexpected:
        raise CheckpointError(f"{path} does not fit the model: missing {missing}, unexpected {unexpected}")


def load_model(directory: str | os.PathLike) -> nn.Module:
    """Loads any textae model from its directory, picking the class from ``config.json``."""
    from textae.models import MODELS

    model_type, _ = read_config(directory)
    if model_type == "chart_parser":  # written by parsers.chart, which has its own loader
        raise CheckpointError(f"{directory} holds a chart parser (scripts/train_parser.py), not a textae model; "
                              "parsers are given to parse.py --model or to a --parser-model flag")
    if model_type not in MODELS:
        raise CheckpointError(f"unknown model type {model_type!r} in {directory}; known: {sorted(MODELS)}")
    _, model_class = MODELS[model_type]
    return model_class.from_pretrained(directory)


def load_vocab(directory: str | os.PathLike) -> Vocab:
    path = Path(directory) / VOCAB_FILE
    if not path.is_file():
        raise CheckpointError(f"no {VOCAB_FILE} in {directory}")
    try:
        return Vocab.load(path)
    except VocabError as error:  # not JSON, or not a vocabulary
        raise CheckpointError(str(error)) from None


def tensors_equal(first: nn.Module, second: nn.Module) -> bool:
    """True when two models hold identical parameters and buffers."""
    a, b = first.state_dict(), second.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
