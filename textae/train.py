"""One training loop for every model: ``fit(model, train_loader, val_loader, cfg)``.

What it does, in order, every step: move the batch to the device, ``model.loss(batch,
step)``, stop with :class:`NonFiniteLossError` if the loss is NaN/inf, backward,
clip gradients, optimizer and scheduler step. Every ``eval_every`` steps (default:
each epoch) it evaluates on the dev set, appends the metrics to ``metrics.jsonl``,
saves the best model (by ``early_stopping_metric``) to ``<output_dir>/model`` with
``save_pretrained`` and a resumable checkpoint to ``<output_dir>/checkpoints``, and
stops early after ``patience`` evaluations without improvement. With ``ema_decay`` > 0
(Polyak averaging, :class:`WeightAverage`) the weights evaluated and saved are an
exponential moving average of the trained ones; the average is part of the checkpoint.

Checkpoints are written atomically (into a temporary folder, then renamed) and hold
the model, optimizer and scheduler state, all RNG states, the position in the
epoch and the early-stopping state, as safetensors + JSON (nothing is pickled).
``resume=True`` continues exactly where the run stopped: the same batches in the
same order, the same dropout masks, hence the same final metrics. SIGINT and SIGTERM
finish the current step, write a checkpoint and return.

Under ``torchrun --nproc_per_node N`` (``WORLD_SIZE`` > 1) the same call trains with data
parallelism: each process takes every N-th batch, gradients are averaged across
processes after each backward pass, and rank 0 evaluates, logs and writes checkpoints.

The model contract: ``model.loss(batch, step) -> {"loss": scalar, "num_items": int
tensor, **detached logging scalars}``; optionally ``model.optim_groups()`` (parameter
groups with their own weight decay) and ``model.eval_counts(batch) -> {name:
(correct, total)}`` for exact accuracies. Batches need a ``.to(device)`` method.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shutil
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from tqdm.auto import tqdm

from textae.schedules import LR_SCHEDULES, learning_rate_factor
from textae.serialization import (
    CheckpointError,
    WeightShapeError,
    check_field_types,
    load_state,
    save_weights,
)


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; the run stops instead of saving garbage."""


class EmptyEvaluationError(ValueError):
    """:func:`evaluate` got batches, but the model scored no item in any of them."""


class ResumeError(RuntimeError):
    """``resume`` was asked for but no usable checkpoint exists."""


@dataclass
class TrainConfig:
    """How to train (what to train is the model's config)."""

    output_dir: str = "runs/default"
    max_epochs: int = 30
    max_steps: int = 0  # 0: no limit besides max_epochs
    optimizer: str = "adagrad"  # adagrad | adam | adamw | sgd
    learning_rate: float = 0.01
    warmup_steps: int = 0
    lr_schedule: str = "constant"  # after warm-up: constant | linear | cosine (to 0 at the last step)
    grad_clip: float = 5.0  # max global gradient norm; 0 disables clipping
    eval_every: int = 0  # steps between dev evaluations; 0: once per epoch
    early_stopping_metric: str = "loss"  # a key of evaluate() (e.g. root_fine_acc), or keys joined by '+'
    early_stopping_mode: str = "min"  # min | max
    patience: int = 5  # evaluations without improvement before stopping; 0 disables
    log_every: int = 50  # steps between training-loss lines in metrics.jsonl
    seed: int = 0
    device: str = "cpu"  # cpu | cuda | cuda:N | auto
    resume: bool = False
    progress: bool = True
    # none | bf16: training forward passes under bfloat16 autocast (evaluation stays fp32);
    # float32 with a Bf16FallbackWarning on a device without native bfloat16 (native_bf16)
    autocast: str = "none"
    # Wall-clock limit for this invocation, evaluations included: then evaluate, keep the best
    # model and stop. A run stopped this way continues with --resume (for another budget). 0: none.
    time_budget_minutes: float = 0.0
    # Polyak averaging: evaluate and save an exponential moving average of the weights, with
    # this decay per step (e.g. 0.999; the first steps use min(decay, (1+t)/(10+t))). 0: off.
    ema_decay: float = 0.0

    # --help text of each field, used by every script (textae.cli.add_dataclass_arguments).
    field_help = {
        "max_epochs": "passes over the training data at most",
        "max_steps": "stop after this many optimiser steps (0: no limit)",
        "optimizer": "adagrad | adam | adamw | sgd",
        "learning_rate": "peak learning rate",
        "warmup_steps": "linear warm-up of the learning rate over this many steps",
        "lr_schedule": "after warm-up: constant, or linear / cosine decay to 0 at the last step (max_steps, "
                       "else max_epochs x batches per epoch)",
        "grad_clip": "clip the global gradient norm to this (0: no clipping)",
        "eval_every": "steps between dev evaluations (0: every epoch)",
        "early_stopping_metric": "dev metric the best model is chosen on (e.g. loss, root_fine_acc; a+b sums two)",
        "early_stopping_mode": "min or max: whether a lower or a higher metric is better",
        "patience": "dev evaluations without improvement before stopping (0: never stop early)",
        "log_every": "steps between training-loss lines in metrics.jsonl",
        "device": "cpu | cuda | cuda:N | auto",
        "progress": "show progress bars",
        "autocast": "none | bf16: training forward passes under bfloat16 autocast (evaluation stays fp32); "
                    "float32, with a warning, on CPUs without native bfloat16 (AVX512-BF16/AMX)",
        "time_budget_minutes": "wall-clock limit of this invocation: then evaluate, keep the best model and stop; "
                               "--resume continues (0: none)",
        "ema_decay": "evaluate and save an exponential moving average of the weights with this decay per "
                     "step, e.g. 0.999 (0: off)",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.early_stopping_mode not in ("min", "max"):
            raise ValueError(f"early_stopping_mode must be 'min' or 'max', got {self.early_stopping_mode!r}")
        if not self.learning_rate > 0:  # NaN too
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        for name in ("max_steps", "warmup_steps", "eval_every", "patience", "log_every", "time_budget_minutes",
                     "grad_clip"):
            if not getattr(self, name) >= 0:  # NaN too
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_epochs < 1:  # 0 would save the untrained model as the run's result
            raise ValueError(f"max_epochs must be >= 1, got {self.max_epochs}")
        if self.log_every == 0:
            self.log_every = 1
        if self.autocast not in ("none", "bf16"):
            raise ValueError(f"autocast must be 'none' or 'bf16', got {self.autocast!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adagrad": torch.optim.Adagrad,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}


@dataclass
class FitResult:
    best_metric: float | None
    best_step: int | None
    steps: int
    epochs_completed: int
    interrupted: bool
    model_dir: Path
    history: list[dict[str, Any]] = field(default_factory=list)
    train_seconds: float = 0.0  # in the training loop (evaluations included), summed over --resume
    is_main: bool = True  # False on the other processes of a torchrun job: they should not write reports


def set_seed(seed: int) -> None:
    """Seeds Python, numpy and torch (every script calls this first)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class DeviceError(RuntimeError):
    """The device asked for does not exist here."""


def resolve_device(name: str) -> torch.device:
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (CUDA when there is one) as a device that exists here."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise DeviceError(f"--device {name!r} is not a device name (cpu, cuda, cuda:N, auto): {error}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(f"--device {name!r} was asked for but CUDA is not available here (use cpu or auto)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise DeviceError(f"--device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device


def native_bf16(device: torch.device | str) -> bool:
    """Whether ``device`` computes in bfloat16 natively, so that bf16 autocast pays.

    CPU: oneDNN's own check (AVX512-BF16 or AMX). Without it bfloat16 is emulated: a matrix
    multiply ran ~600x slower than float32 on an AVX2 EPYC, and oneDNN's LSTM refused it
    ("could not create a primitive descriptor"). CUDA: ``torch.cuda.is_bf16_supported()``.
    """
    device = torch.device(device)
    if device.type == "cpu":
        try:  # a private op of torch's (2.x): where it is missing, float32 is the safe answer
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return False


class Bf16FallbackWarning(RuntimeWarning):
    """bfloat16 autocast was asked for on a device without native bfloat16: float32 is used."""


def bf16_autocast(device: torch.device | str, what: str) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on ``device``, or, where it has no native bfloat16 (:func:`native_bf16`),
    a :class:`Bf16FallbackWarning` naming ``what`` and a no-op context (float32)."""
    device = torch.device(device)
    if native_bf16(device):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    warnings.warn(f"{what}: bf16 autocast was asked for, but this {device.type} has no native bfloat16 "
                  "(AVX512-BF16/AMX on a CPU), where it would be far slower than float32 or fail: "
                  "running in float32 instead", Bf16FallbackWarning, stacklevel=3)
    return contextlib.nullcontext()


class ShuffledBatchSampler:
    """Deterministic batches: a fresh shuffle per epoch from ``(seed, epoch)``.

    With ``sort_keys`` (e.g. tree heights) examples are sorted by key within pools of
    ``pool_batches`` batches before batching, so a batch holds trees of similar height
    (fewer levels to loop over), while batch order stays shuffled; without ``shuffle``
    the keys are unused (the order is the examples').
    ``set_epoch`` and ``skip`` let a resumed run replay the same epoch exactly.
    """

    def __init__(
        self,
        num_examples: int,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        sort_keys: Sequence[int] | None = None,
        pool_batches: int = 50,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__} {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if num_examples < 1:
            raise ValueError("cannot batch an empty dataset")
        keys = None if sort_keys is None else np.asarray(sort_keys)
        if keys is not None and keys.shape != (num_examples,):
            raise ValueError(f"sort_keys must hold one key per example ({num_examples}), got shape {keys.shape}")
        self.num_examples = num_examples
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.sort_keys = keys
        self.pool_batches = pool_batches
        self.epoch = 0
        self.start_batch = 0
        self.rank, self.world = 0, 1

    def shard(self, rank: int, world: int) -> None:
        """Under data parallelism: this process takes every ``world``-th batch from ``rank``."""
        self.rank, self.world = rank, world

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.start_batch = 0

    def skip(self, num_batches: int) -> None:
        """The next iteration starts at batch ``num_batches`` of the current epoch."""
        self.start_batch = num_batches

    def batches(self) -> list[list[int]]:
        if not self.shuffle:
            order = np.arange(self.num_examples)
        else:
            generator = np.random.default_rng([self.seed, self.epoch])
            order = generator.permutation(self.num_examples)
            if self.sort_keys is not None:
                pool = self.batch_size * self.pool_batches
                order = np.concatenate([
                    chunk[np.argsort(self.sort_keys[chunk], kind="stable")]
                    for chunk in np.array_split(order, max(1, math.ceil(len(order) / pool)))
                ])
        batches = [order[i : i + self.batch_size].tolist() for i in range(0, len(order), self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in np.random.default_rng([self.seed, self.epoch, 1]).permutation(len(batches))]
        if self.world > 1:  # the same number of batches on every process, or gradient averaging hangs
            batches = batches[: len(batches) - len(batches) % self.world][self.rank :: self.world]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        yield from self.batches()[self.start_batch :]

    def __len__(self) -> int:
        return math.ceil(self.num_examples / self.batch_size) // self.world


# Optimizers with a fused implementation (one kernel updates every parameter, where the
# default one loops over them).
FUSED_OPTIMIZERS = frozenset({"adam", "adamw"})


def build_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """``cfg.optimizer`` over the model's parameters (its ``optim_groups()`` where it has
    them), fused where torch has a fused version of it and every parameter is a floating-point
    tensor on a CPU or CUDA device: the same update, in one kernel."""
    groups = model.optim_groups() if hasattr(model, "optim_groups") else [{"params": list(model.parameters())}]
    grouped = {id(p) for group in groups for p in group["params"]}
    missing = [name for name, p in model.named_parameters() if p.requires_grad and id(p) not in grouped]
    if missing:
        raise ValueError(f"optim_groups() leaves out parameters {missing}")
    params = [p for group in groups for p in group["params"]]
    fused = (cfg.optimizer in FUSED_OPTIMIZERS and bool(params)
             and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params))
    return OPTIMIZERS[cfg.optimizer](groups, lr=cfg.learning_rate, **({"fused": True} if fused else {}))


def _check_loss_terms(model: nn.Module, terms: Any) -> None:
    """``TypeError`` / ``ValueError`` naming what a model's ``loss`` returned that breaks the
    contract (a dict holding a scalar tensor ``"loss"`` that has a gradient, and ``"num_items"``)."""
    name = type(model).__name__
    if not isinstance(terms, dict) or "loss" not in terms:
        raise TypeError(f"{name}.loss() must return a dict with a scalar 'loss' (and 'num_items'), got "
                        f"{type(terms).__name__}{' with keys ' + str(sorted(terms)) if isinstance(terms, dict) else ''}")
    _require_num_items(model, terms)
    loss = terms["loss"]
    if not isinstance(loss, Tensor) or loss.dim() != 0:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"{name}.loss()['loss'] must be a scalar tensor (reduce it, e.g. .mean()), got {shape}")
    if not loss.requires_grad:
        raise ValueError(f"{name}.loss()['loss'] has no gradient: it was computed without autograd (under "
                         "torch.no_grad(), from detached tensors) or from no trainable parameter")


def _require_num_items(model: nn.Module, terms: dict) -> None:
    """``TypeError`` when a model's loss terms lack ``"num_items"``, which :func:`evaluate` weights
    them by (checked in training too, so a run does not fail only at its first evaluation)."""
    if "num_items" not in terms:
        raise TypeError(f"{type(model).__name__}.loss() must return 'num_items' (an int tensor: how many items "
                        f"the batch's loss averages over, e.g. torch.tensor(batch_size)) with 'loss'; got keys "
                        f"{sorted(terms)}")


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, device: torch.device | str = "cpu", step: int = 0) -> dict[str, float]:
    """Averages the model's loss terms over ``loader`` (weighted by ``num_items``) and
    turns its ``eval_counts`` into percentages. The model is put back in its mode.

    ``step`` is passed to ``model.loss``, so terms that follow a schedule (a VAE's KL
    weight) are those of the training step being evaluated; ``fit`` passes its own."""
    was_training = model.training
    model.eval()
    sums: dict[str, float] = {}
    counts: dict[str, list[float]] = {}
    total_items = 0.0
    batches = 0
    for batch in loader:
        batches += 1
        batch = batch.to(device)
        terms = model.loss(batch, step)
        _require_num_items(model, terms)
        items = float(terms["num_items"])
        total_items += items
        for name, value in terms.items():
            if name != "num_items":
                sums[name] = sums.get(name, 0.0) + float(value) * items
        if hasattr(model, "eval_counts"):
            for name, (correct, total) in model.eval_counts(batch).items():
                pair = counts.setdefault(name, [0.0, 0.0])
                pair[0] += correct
                pair[1] += total
    model.train(was_training)
    if total_items == 0:
        if batches == 0:
            raise ValueError("evaluate() got an empty loader")
        raise EmptyEvaluationError(f"the {batches} evaluation batch{'es' if batches > 1 else ''} held nothing to "
                                   "score (the model counted 0 items; a masked model whose --select-rate is so low "
                                   "that no token is chosen does this)")
    results = {name: value / total_items for name, value in sums.items()}
    results.update({name: 100.0 * c / t for name, (c, t) in counts.items() if t > 0})
    return results


class WeightAverage:
    """An exponential moving average of a model's trainable parameters (Polyak averaging).

    ``update`` after every optimiser step: avg <- d avg + (1 - d) w, with
    d = min(decay, (1 + t) / (10 + t)) at step t so the first steps do not keep the random
    initialisation. ``applied(model)`` swaps the average in for evaluation or saving and
    puts the trained weights back afterwards."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))
        for name, parameter in model.named_parameters():
            if name in self.shadow:
                self.shadow[name].lerp_(parameter.detach(), 1.0 - decay)

    @contextlib.contextmanager
    def applied(self, model: nn.Module) -> Iterator[None]:
        parameters = dict(model.named_parameters())
        trained = {name: parameters[name].detach().clone() for name in self.shadow}
        with torch.no_grad():
            for name, value in self.shadow.items():
                parameters[name].copy_(value)
        try:
            yield
        finally:
            with torch.no_grad():
                for name, value in trained.items():
                    parameters[name].copy_(value)


# ---------------------------------------------------------------- checkpoints


def _atomic_write_text(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _rng_state() -> tuple[dict[str, Tensor], dict[str, Any]]:
    numpy_state = np.random.get_state()
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{index}"] = state
    meta = {
        "python": [random.getstate()[0], list(random.getstate()[1]), random.getstate()[2]],
        "numpy": [numpy_state[0], numpy_state[1].tolist(), *map(float, numpy_state[2:])],
    }
    return tensors, meta


def _set_rng_state(tensors: dict[str, Tensor], meta: dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    cuda_states = [tensors[k] for k in sorted(k for k in tensors if k.startswith("rng.cuda."))]
    if cuda_states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda_states)
    version, state, gauss = meta["python"]
    random.setstate((version, tuple(state), gauss))
    name, keys, position, has_gauss, cached = meta["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), int(position), int(has_gauss), cached))


def save_checkpoint(
    directory: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    progress: dict[str, Any],
    average: WeightAverage | None = None,
) -> Path:
    """Writes ``directory/checkpoints/step-N`` atomically and points ``latest`` at it."""
    root = directory / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{progress['step']:08d}"
    temporary = root / (name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    save_weights(model, temporary / "model.safetensors")  # tied weights stored once; from any device
    optimizer_state = optimizer.state_dict()
    optimizer_tensors: dict[str, Tensor] = {}
    optimizer_scalars: dict[str, Any] = {}
    for index, state in optimizer_state["state"].items():
        for key, value in state.items():
            if isinstance(value, Tensor):
                optimizer_tensors[f"{index}.{key}"] = value.detach().contiguous().cpu()
            else:
                optimizer_scalars[f"{index}.{key}"] = value
    rng_tensors, rng_meta = _rng_state()
    save_file({**optimizer_tensors, **rng_tensors} or {"empty": torch.zeros(0)}, str(temporary / "state.safetensors"))
    if average is not None:
        save_file({name: value.contiguous().cpu() for name, value in average.shadow.items()},
                  str(temporary / "average.safetensors"))
    meta = {
        "format": "textae.checkpoint/1",
        "progress": progress,
        "optimizer_param_groups": optimizer_state["param_groups"],
        "optimizer_scalars": optimizer_scalars,
        "scheduler": {k: v for k, v in scheduler.state_dict().items() if k != "lr_lambdas"},
        "rng": rng_meta,
    }
    (temporary / "state.json").write_text(json.dumps(meta), encoding="utf-8")
    final = root / name
    shutil.rmtree(final, ignore_errors=True)
    os.replace(temporary, final)
    _atomic_write_text(root / "latest", name + "\n")
    for old in root.glob("step-*"):  # keep only the newest; 'model/' holds the best
        if old.name != name and not old.name.endswith(".tmp"):
            shutil.rmtree(old, ignore_errors=True)
    return final


def _json_value(value: Any) -> Any:
    """``value`` as it reads back from state.json (tuples become lists)."""
    return json.loads(json.dumps(value))


def require_checkpoint(output_dir: str | os.PathLike) -> None:
    """Raises :class:`ResumeError` unless ``output_dir`` holds a run's checkpoint to resume."""
    root = Path(output_dir) / "checkpoints"
    if not (root / "latest").is_file():
        raise ResumeError(f"--resume: no checkpoint in {root} (expected a 'latest' file)")


def load_checkpoint(
    directory: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    average: WeightAverage | None = None,
) -> dict[str, Any]:
    """Restores everything :func:`save_checkpoint` wrote; returns the progress dict."""
    root = directory / "checkpoints"
    require_checkpoint(directory)
    checkpoint = root / (root / "latest").read_text(encoding="utf-8").strip()
    meta = json.loads((checkpoint / "state.json").read_text(encoding="utf-8"))
    if meta.get("format") != "textae.checkpoint/1":
        raise ResumeError(f"{checkpoint} is not a textae checkpoint")
    device = next(model.parameters()).device
    try:
        missing, unexpected = load_state(model, checkpoint / "model.safetensors")
    except WeightShapeError as error:
        raise ResumeError(f"{error}: resume with the sizes the run was started with") from None
    except CheckpointError as error:
        raise ResumeError(f"cannot resume: {error}") from None
    if missing or unexpected:
        raise ResumeError(f"{checkpoint}/model.safetensors does not fit this model: missing {missing}, "
                          f"unexpected {unexpected} (another --model or other sizes than the run had?)")
    tensors = load_file(str(checkpoint / "state.safetensors"))
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if not key.startswith("rng.") and key != "empty":
            index, name = key.split(".", 1)
            state.setdefault(int(index), {})[name] = value.to(device) if name != "step" else value
    for key, value in meta["optimizer_scalars"].items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    # The run's settings (learning rate, weight decay, ...) come from this invocation's config;
    # the checkpoint brings the optimiser's state and the step. Restoring its saved
    # hyper-parameters would silently ignore e.g. a new --learning-rate on --resume.
    configured = [{k: v for k, v in group.items() if k != "params"} for group in optimizer.param_groups]
    base_lrs = list(scheduler.base_lrs)
    optimizer.load_state_dict({"state": state, "param_groups": meta["optimizer_param_groups"]})
    changed = sorted({k for saved, group in zip(meta["optimizer_param_groups"], configured, strict=True) for k, v in group.items()
                      if k not in ("lr", "initial_lr") and saved.get(k) != _json_value(v)}
                     | ({"learning_rate"} if [g.get("initial_lr") for g in meta["optimizer_param_groups"]] != base_lrs
                        else set()))
    if changed:
        print(f"resume: the checkpoint ran with other {', '.join(changed)}; this run's settings apply from here on",
              file=sys.stderr)
    for group, settings in zip(optimizer.param_groups, configured, strict=True):
        group.update(settings)
    scheduler_state = scheduler.state_dict()
    scheduler_state.update(meta["scheduler"])
    scheduler_state["base_lrs"] = base_lrs
    scheduler.load_state_dict(scheduler_state)
    lambdas = getattr(scheduler, "lr_lambdas", [lambda step: 1.0] * len(base_lrs))
    for group, base_lr, factor in zip(optimizer.param_groups, base_lrs, lambdas, strict=True):
        group["lr"] = base_lr * factor(scheduler.last_epoch)
    _set_rng_state(tensors, meta["rng"])
    if average is not None:
        if not (checkpoint / "average.safetensors").is_file():
            raise ResumeError(f"{checkpoint} has no weight average: the run was started without ema_decay "
                              "(resume it with the settings it was started with)")
        for name, value in load_file(str(checkpoint / "average.safetensors"), device=str(device)).items():
            average.shadow[name].copy_(value)
    return meta["progress"]


def _reopen_finished_run(progress: dict[str, Any], cfg: TrainConfig, output_dir: Path, verbose: bool) -> None:
    """On --resume of a run that had stopped: a time-budget stop is a pause, so it goes on; a
    run that had finished goes on only if this invocation's limits leave room (a larger
    --max-epochs or --max-steps, a --patience not yet used up), else says why nothing is trained."""
    if progress.get("stopped_by") == "time_budget":
        progress.update(done=False, stopped_by=None)
        return
    limits = {
        "max_epochs": progress["epoch"] < cfg.max_epochs,
        "max_steps": not cfg.max_steps or progress["step"] < cfg.max_steps,
        "patience": not cfg.patience or progress["evals_without_improvement"] < cfg.patience,
    }
    if all(limits.values()):
        progress.update(done=False, stopped_by=None)
        if verbose:
            print(f"resume: the run had finished at step {progress['step']} (epoch {progress['epoch']}); "
                  "this invocation's limits leave room, so it goes on", file=sys.stderr)
    elif verbose:
        reached = ", ".join(f"--{name.replace('_', '-')}" for name, room in limits.items() if not room)
        print(f"resume: the run in {output_dir} had finished at step {progress['step']} (epoch {progress['epoch']}); "
              f"nothing to train: it has reached {reached} (raise it to continue)", file=sys.stderr)


# ---------------------------------------------------------------- the loop


class _Distributed:
    """Data parallelism when started under ``torchrun``: each process trains on its own
    share of the batches, gradients are averaged, and rank 0 evaluates, logs and writes
    checkpoints. A single process (no ``WORLD_SIZE``) makes every method a no-op."""

    def __init__(self) -> None:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        self.enabled = world > 1 and dist.is_initialized()
        self.rank = dist.get_rank() if self.enabled else 0
        self.world = dist.get_world_size() if self.enabled else 1
        self.is_main = self.rank == 0

    def device(self, name: str) -> torch.device:
        device = resolve_device(name)
        if self.enabled and device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", self.rank)))
            torch.cuda.set_device(device)
        return device

    def average_gradients(self, model: nn.Module) -> None:
        if not self.enabled:
            return
        parameters = [p for p in model.parameters() if p.requires_grad]
        for parameter in parameters:  # every rank must send the same layout
            if parameter.grad is None:
                parameter.grad = torch.zeros_like(parameter)
        flat = torch.cat([p.grad.reshape(-1) for p in parameters])
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for parameter in parameters:
            parameter.grad.copy_(flat[offset : offset + parameter.numel()].view_as(parameter))
            offset += parameter.numel()

    def any(self, flag: bool, device: torch.device) -> bool:
        """True on every rank when ``flag`` is True on some rank."""
        if not self.enabled:
            return flag
        value = torch.tensor([float(flag)], device=device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def from_main(self, flag: bool, device: torch.device) -> bool:
        """Rank 0's ``flag`` on every rank."""
        if not self.enabled:
            return flag
        value = torch.tensor([float(flag)], device=device)
        dist.broadcast(value, src=0)
        return bool(value.item())



class _StopSignal:
    """Turns SIGINT/SIGTERM into a flag checked after each step (main thread only)."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopSignal:
        try:
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._handle)
        except ValueError:  # not the main thread: leave signals alone
            pass
        return self

    def _handle(self, number: int, frame: Any) -> None:
        if self.requested is not None:  # a second signal: stop at once
            signal.default_int_handler(number, frame)
        self.requested = signal.Signals(number).name

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


class UnknownMetricError(KeyError, ValueError):
    """``early_stopping_metric`` names a metric the model's dev evaluation does not report."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def selection_value(metrics: dict[str, float], name: str) -> float:
    """The dev figure a run is selected on: one metric, or a sum such as
    ``root_fine_acc+root_binary_acc`` (to select on both figures a paper reports)."""
    parts = name.split("+")
    unknown = [part for part in parts if part not in metrics]
    if unknown:
        raise UnknownMetricError(f"--early-stopping-metric {name!r}: {', '.join(unknown)} is not among the dev "
                                 f"metrics {', '.join(sorted(metrics))}")
    return sum(metrics[part] for part in parts)


def _better(value: float, best: float | None, mode: str) -> bool:
    return best is None or (value > best if mode == "max" else value < best)


def fit(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None,
    cfg: TrainConfig,
    *,
    save_model: Callable[[nn.Module, Path], Any] | None = None,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> FitResult:
    """Trains ``model`` and returns where the best model was saved.

    Args:
        model: follows the contract in the module docstring.
        train_loader: an iterable of batches; if its ``batch_sampler`` has ``set_epoch``
            and ``skip`` (see :class:`ShuffledBatchSampler`), resuming is exact.
        val_loader: dev batches, or None to skip evaluation (the last model is kept).
        cfg: the training settings.
        save_model: ``(model, directory)`` writes the best model; default
            ``model.save_pretrained(directory)``.
        on_step: called after every optimisation step with the step and its loss terms.

    Raises:
        TypeError: ``cfg`` is not a :class:`TrainConfig`, or the model breaks its contract.
        NonFiniteLossError: the loss became NaN or infinite.
        ResumeError: ``cfg.resume`` without a checkpoint in ``cfg.output_dir``.
    """
    if not isinstance(cfg, TrainConfig):
        hint = "; write TrainConfig(**settings)" if isinstance(cfg, dict) else ""
        raise TypeError(f"fit() takes a TrainConfig as cfg, got {type(cfg).__name__}{hint}")
    if isinstance(train_loader, Iterator):  # a generator would be used up by the first epoch
        raise TypeError("fit() needs a loader it can go through once per epoch (a DataLoader, e.g. make_loader's, "
                        f"or a list of batches), got a one-pass iterator ({type(train_loader).__name__})")
    if hasattr(train_loader, "__len__") and len(train_loader) == 0:
        raise ValueError("fit() got an empty training loader: no batch to train on")
    if not callable(getattr(model, "loss", None)):
        raise TypeError(f"fit() needs a model with loss(batch, step) returning a dict with a scalar 'loss' "
                        f"(the models' contract); {type(model).__name__} has no loss method")
    output_dir = Path(cfg.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    parallel = _Distributed()
    device = parallel.device(cfg.device)
    model.to(device)
    optimizer = build_optimizer(model, cfg)
    save_model = save_model or (lambda m, d: m.save_pretrained(d))
    model_dir = output_dir / "model"
    metrics_path = output_dir / "metrics.jsonl"
    sampler = getattr(train_loader, "batch_sampler", None)
    exact_resume = hasattr(sampler, "set_epoch") and hasattr(sampler, "skip")
    if parallel.enabled:
        if not hasattr(sampler, "shard"):
            raise TypeError("under torchrun, fit() needs a loader whose batch_sampler has shard() (see make_loader)")
        sampler.shard(parallel.rank, parallel.world)
    total_steps = cfg.max_steps
    if not total_steps and cfg.lr_schedule != "constant":
        if not hasattr(train_loader, "__len__"):
            raise ValueError(f"lr_schedule {cfg.lr_schedule!r} needs max_steps when the loader has no length")
        total_steps = cfg.max_epochs * len(train_loader)
    # A function of the step only, so a run resumed with another schedule follows the new one.
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, cfg.warmup_steps, cfg.lr_schedule, total_steps))

    progress: dict[str, Any] = {
        "step": 0, "epoch": 0, "batch_in_epoch": 0, "best_metric": None, "best_step": None,
        "evals_without_improvement": 0, "last_eval_step": None, "done": False, "train_seconds": 0.0,
    }
    average = WeightAverage(model, cfg.ema_decay) if cfg.ema_decay else None
    if cfg.resume:
        progress = load_checkpoint(output_dir, model, optimizer, scheduler, average)
    elif metrics_path.exists() and parallel.is_main:
        metrics_path.unlink()  # a fresh run starts a fresh log

    def log(record: dict[str, Any]) -> None:
        if not parallel.is_main:
            return
        with metrics_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    history: list[dict[str, Any]] = []
    last_dev: dict[str, float] = {}

    def run_evaluation() -> bool:
        """Evaluates (rank 0), saves the best model; True on every rank when patience has run out."""
        progress["last_eval_step"] = progress["step"]
        return parallel.from_main(evaluate_and_select() if parallel.is_main else False, device)

    def averaged() -> contextlib.AbstractContextManager:
        """The weights that are evaluated and saved: the average if there is one."""
        return average.applied(model) if average is not None else contextlib.nullcontext()

    def evaluate_and_select() -> bool:
        nonlocal last_dev
        if val_loader is None:
            with averaged():
                save_model(model, model_dir)
            return False
        with averaged():
            last_dev = evaluate(model, val_loader, device, progress["step"])
            value = selection_value(last_dev, cfg.early_stopping_metric)
            improved = _better(value, progress["best_metric"], cfg.early_stopping_mode)
            if improved:
                save_model(model, model_dir)
        if improved:
            progress.update(best_metric=value, best_step=progress["step"], evals_without_improvement=0)
        else:
            progress["evals_without_improvement"] += 1
        record = {"split": "dev", "step": progress["step"], "epoch": progress["epoch"], **last_dev, "improved": improved}
        history.append(record)
        log(record)
        return cfg.patience > 0 and progress["evals_without_improvement"] >= cfg.patience

    def checkpoint() -> None:
        if parallel.is_main:
            save_checkpoint(output_dir, model, optimizer, scheduler, progress, average)

    # Matmuls in bfloat16: ~3x the fp32 speed on CPUs with AVX512-BF16; float32 (with a
    # warning, once) where the device has no native bfloat16.
    use_bf16 = cfg.autocast == "bf16" and native_bf16(device)
    if cfg.autocast == "bf16" and not use_bf16:
        bf16_autocast(device, "training (--autocast bf16)")
        log({"split": "setup", "step": progress["step"], "autocast": "none", "autocast_asked": "bf16",
             "why": "no native bfloat16 on this device"})  # the run's record says what ran

    def autocast() -> contextlib.AbstractContextManager:
        return torch.autocast(device.type, dtype=torch.bfloat16) if use_bf16 else contextlib.nullcontext()

    # A wrong metric name fails now, not after the first epoch (on a loader that can be read
    # again: a one-shot iterator would lose its first batch).
    if val_loader is not None and parallel.is_main and iter(val_loader) is not val_loader:
        first = next(iter(val_loader), None)
        if first is not None:
            cuda = [device.index or 0] if device.type == "cuda" else []
            with torch.random.fork_rng(devices=cuda), averaged():  # the run's random streams are left as they were
                selection_value(evaluate(model, [first], device, progress["step"]), cfg.early_stopping_metric)

    model.train()
    interrupted = False
    progress.setdefault("train_seconds", 0.0)  # checkpoints written before the time budget existed
    if cfg.resume and progress["done"]:
        _reopen_finished_run(progress, cfg, output_dir, parallel.is_main)
    clock = started = time.perf_counter()
    with _StopSignal() as stop:
        while not progress["done"] and progress["epoch"] < cfg.max_epochs:
            if exact_resume:
                sampler.set_epoch(progress["epoch"])
                sampler.skip(progress["batch_in_epoch"])
                batches = iter(train_loader)
            else:
                batches = iter(train_loader)
                for _ in range(progress["batch_in_epoch"]):
                    next(batches, None)
            total = len(train_loader) if hasattr(train_loader, "__len__") else None
            bar = tqdm(
                batches, total=total, initial=progress["batch_in_epoch"], disable=not cfg.progress or not parallel.is_main,
                desc=f"epoch {progress['epoch'] + 1}/{cfg.max_epochs}", leave=False, dynamic_ncols=True,
            )
            epoch_start = time.perf_counter()
            epoch_began_at, batches_seen = progress["batch_in_epoch"], 0
            for batch in bar:
                batches_seen += 1
                batch = batch.to(device)
                with autocast():
                    terms = model.loss(batch, progress["step"])
                if batches_seen == 1:
                    _check_loss_terms(model, terms)
                loss = terms["loss"].float()
                if parallel.any(not bool(torch.isfinite(loss.detach())), device):
                    parts = {k: float(v) for k, v in terms.items() if k != "loss"}
                    raise NonFiniteLossError(
                        f"the loss became {float(loss.detach())} at step {progress['step']} (epoch {progress['epoch'] + 1}, "
                        f"batch {progress['batch_in_epoch']}); its parts: {parts}. The last good checkpoint is in "
                        f"{output_dir / 'checkpoints'}; try a lower --learning-rate or a --grad-clip."
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                parallel.average_gradients(model)
                if cfg.grad_clip > 0:
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimizer.step()
                scheduler.step()
                if average is not None:
                    average.update(model, progress["step"])
                progress["step"] += 1
                progress["batch_in_epoch"] += 1
                scalars = {k: float(v.detach()) for k, v in terms.items() if k != "num_items"}
                if progress["step"] % cfg.log_every == 0:
                    log({"split": "train", "step": progress["step"], "epoch": progress["epoch"], **scalars,
                         "lr": scheduler.get_last_lr()[0]})
                postfix = {"loss": f"{scalars['loss']:.4f}"}
                if last_dev:
                    postfix[f"dev_{cfg.early_stopping_metric}"] = f"{selection_value(last_dev, cfg.early_stopping_metric):.2f}"
                bar.set_postfix(postfix, refresh=False)
                if on_step is not None:
                    on_step(progress["step"], scalars)
                if cfg.max_steps and progress["step"] >= cfg.max_steps:
                    progress["done"] = True
                now = time.perf_counter()
                progress["train_seconds"] += now - clock  # accumulates across --resume
                clock = now
                if cfg.time_budget_minutes and now - started >= 60 * cfg.time_budget_minutes:
                    progress.update(done=True, stopped_by="time_budget")
                    log({"split": "time_budget", "step": progress["step"], "seconds": progress["train_seconds"]})
                if cfg.eval_every and progress["step"] % cfg.eval_every == 0:
                    if run_evaluation():
                        progress["done"] = True
                    checkpoint()
                if progress["done"]:
                    break
                if parallel.any(stop.requested is not None, device):
                    stop.requested = stop.requested or "SIGTERM"
                    break
            bar.close()
            if batches_seen == 0 and epoch_began_at == 0:
                raise ValueError(f"the training loader yielded no batch in epoch {progress['epoch'] + 1}")
            if stop.requested and not progress["done"]:
                checkpoint()
                interrupted = True
                log({"split": "interrupt", "step": progress["step"], "signal": stop.requested})
                if parallel.is_main:
                    print(f"\n{stop.requested}: stopped at step {progress['step']}; checkpoint written to "
                          f"{output_dir / 'checkpoints'}. Continue with --resume.", flush=True)
                break
            if not progress["done"]:
                progress["epoch"] += 1
                progress["batch_in_epoch"] = 0
                log({"split": "epoch", "step": progress["step"], "epoch": progress["epoch"],
                     "seconds": time.perf_counter() - epoch_start})
                if not cfg.eval_every and run_evaluation():
                    progress["done"] = True
                checkpoint()
        if not interrupted:
            if progress["last_eval_step"] != progress["step"]:
                run_evaluation()  # the steps since the previous evaluation count too
            if parallel.is_main and val_loader is not None and progress["best_step"] is None:
                with averaged():
                    save_model(model, model_dir)
            progress["done"] = True
            checkpoint()
    if parallel.enabled:
        dist.barrier()  # rank 0 has written the model and checkpoint before anyone reads them
    return FitResult(
        is_main=parallel.is_main,
        best_metric=progress["best_metric"],
        best_step=progress["best_step"],
        steps=progress["step"],
        epochs_completed=progress["epoch"],
        interrupted=interrupted,
        model_dir=model_dir,
        history=history,
        train_seconds=progress["train_seconds"],
    )


def make_loader(
    examples: Sequence[Any],
    batch_size: int,
    collate_fn: Callable[[list[Any]], Any],
    *,
    shuffle: bool = False,
    seed: int = 0,
    sort_keys: Sequence[int] | None = None,
) -> torch.utils.data.DataLoader:
    """A DataLoader over an in-memory list with a :class:`ShuffledBatchSampler`.

    It gets its own ``torch.Generator``: a DataLoader draws a seed from the global RNG
    each time it is iterated, which would shift dropout masks after a resume.

    ``sort_keys`` (one per example) groups examples of similar key into batches only when
    ``shuffle`` is on; with ``shuffle=False`` the order is the list's and the keys are unused.

    Raises:
        TypeError: ``batch_size`` is not an int.
        ValueError: ``batch_size`` below 1, no examples, or ``sort_keys`` of another length.
    """
    sampler = ShuffledBatchSampler(len(examples), batch_size, shuffle=shuffle, seed=seed, sort_keys=sort_keys)
    return torch.utils.data.DataLoader(
        examples, batch_sampler=sampler, collate_fn=collate_fn, generator=torch.Generator().manual_seed(seed)
    )
