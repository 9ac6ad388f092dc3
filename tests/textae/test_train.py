"""fit(): exact resume after an interruption, signals, NaN, early stopping, checkpoints."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch

from tests.textae.helpers import random_treebank
from textae.models import SemiSupervisedRAE, SemiSupervisedRAEConfig
from textae.serialization import tensors_equal
from textae.train import (
    NonFiniteLossError,
    ResumeError,
    ShuffledBatchSampler,
    TrainConfig,
    UnknownMetricError,
    build_optimizer,
    fit,
    make_loader,
    set_seed,
)
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


@pytest.fixture(scope="module")
def data():
    trees = random_treebank(21, 40, max_leaves=8)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    encoded = [encode_tree(tree, vocab) for tree in trees]
    return vocab, encoded[:30], encoded[30:]


def run(data, output_dir, *, on_step=None, resume=False, **overrides):
    vocab, train, dev = data
    set_seed(0)
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=8, dropout=0.3))
    heights = [int(item.height[-1]) for item in train]
    train_loader = make_loader(train, 4, TreeBatch.collate, shuffle=True, seed=3, sort_keys=heights)
    dev_loader = make_loader(dev, 5, TreeBatch.collate)
    settings = dict(
        output_dir=str(output_dir), max_epochs=3, optimizer="adam", learning_rate=0.01,
        early_stopping_metric="root_fine_acc", early_stopping_mode="max", patience=0,
        progress=False, resume=resume, log_every=1,
    )
    settings.update(overrides)
    result = fit(model, train_loader, dev_loader, TrainConfig(**settings), on_step=on_step)
    return model, result


def dev_records(output_dir):
    lines = (output_dir / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if json.loads(line)["split"] == "dev"]


@pytest.mark.parametrize("stop_at", [5, 8, 16])  # mid-epoch, mid-epoch, end of epoch 2
def test_resume_after_a_signal_gives_the_same_run(data, tmp_path, stop_at):
    reference_model, reference = run(data, tmp_path / "whole")

    def interrupt(step, _terms):
        if step == stop_at:
            os.kill(os.getpid(), signal.SIGTERM)

    _, stopped = run(data, tmp_path / "parts", on_step=interrupt)
    assert stopped.interrupted and stopped.steps == stop_at
    assert (tmp_path / "parts" / "checkpoints" / "latest").is_file()
    resumed_model, resumed = run(data, tmp_path / "parts", resume=True)
    assert not resumed.interrupted
    assert resumed.steps == reference.steps
    assert resumed.train_seconds > stopped.train_seconds > 0  # the time before the stop counts too
    assert tensors_equal(resumed_model, reference_model)
    assert resumed.best_metric == reference.best_metric and resumed.best_step == reference.best_step
    strip = lambda records: [{k: v for k, v in r.items()} for r in records]  # noqa: E731
    assert strip(dev_records(tmp_path / "parts")) == strip(dev_records(tmp_path / "whole"))


def test_checkpoints_are_complete_and_leave_no_temporary_files(data, tmp_path):
    run(data, tmp_path, max_epochs=2)
    root = tmp_path / "checkpoints"
    latest = (root / "latest").read_text().strip()
    assert sorted(p.name for p in root.iterdir()) == sorted([latest, "latest"])
    assert sorted(p.name for p in (root / latest).iterdir()) == ["model.safetensors", "state.json", "state.safetensors"]
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "model.safetensors"]


def test_resume_without_a_checkpoint_is_a_clear_error(data, tmp_path):
    with pytest.raises(ResumeError, match="no checkpoint"):
        run(data, tmp_path, resume=True)


def test_nan_loss_stops_the_run_with_a_clear_message(data, tmp_path):
    vocab, train, dev = data
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=4))
    original = model.loss

    def poisoned(batch, step=0):
        terms = original(batch, step)
        if step == 3:
            terms["loss"] = terms["loss"] * float("nan")
        return terms

    model.loss = poisoned
    loader = make_loader(train, 4, TreeBatch.collate)
    with pytest.raises(NonFiniteLossError, match=r"became nan at step 3 .*learning-rate"):
        fit(model, loader, None, TrainConfig(output_dir=str(tmp_path), progress=False))


def test_early_stopping_after_patience(data, tmp_path):
    # A metric that never improves after the first evaluation: lr so small nothing moves.
    _, result = run(data, tmp_path, max_epochs=20, patience=2, learning_rate=1e-12, early_stopping_metric="root_fine_acc")
    assert result.epochs_completed == 3  # first evaluation sets the best, two more without improvement
    assert len(result.history) == 3


def test_max_steps_and_eval_every(data, tmp_path):
    _, result = run(data, tmp_path, max_steps=7, eval_every=3)
    assert result.steps == 7
    assert [r["step"] for r in dev_records(tmp_path)] == [3, 6, 7]


def test_bad_early_stopping_metric_names_the_choices_before_training(data, tmp_path):
    steps = []
    with pytest.raises(UnknownMetricError, match="root_fine_acc") as error:
        run(data, tmp_path, early_stopping_metric="accuracy", on_step=lambda step, _: steps.append(step))
    assert steps == []  # refused before the first step
    assert str(error.value).startswith("--early-stopping-metric 'accuracy': accuracy is not among")


def test_sampler_is_deterministic_per_epoch_and_skips():
    sampler = ShuffledBatchSampler(10, 3, seed=1, sort_keys=list(range(10)))
    sampler.set_epoch(0)
    first = list(sampler)
    assert sorted(i for b in first for i in b) == list(range(10)) and len(first) == len(sampler) == 4
    sampler.set_epoch(1)
    assert list(sampler) != first
    sampler.set_epoch(0)
    assert list(sampler) == first
    sampler.skip(2)
    assert list(sampler) == first[2:]
    assert list(ShuffledBatchSampler(5, 2, shuffle=False)) == [[0, 1], [2, 3], [4]]


def test_train_config_validation():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="learning_rate"):
        TrainConfig(learning_rate=0)


@pytest.mark.parametrize("name, fused", [("adam", True), ("adamw", True), ("sgd", False), ("adagrad", False)])
def test_adam_is_fused_on_cpu_and_updates_as_the_plain_one(name, fused):
    torch.manual_seed(0)
    model, reference = torch.nn.Linear(6, 3), torch.nn.Linear(6, 3)
    reference.load_state_dict(model.state_dict())
    optimizer = build_optimizer(model, TrainConfig(optimizer=name, learning_rate=0.01))
    assert bool(optimizer.param_groups[0].get("fused")) is fused
    plain = type(optimizer)(reference.parameters(), lr=0.01)
    inputs = torch.randn(5, 6)
    for _ in range(3):
        for net, opt in ((model, optimizer), (reference, plain)):
            opt.zero_grad()
            net(inputs).square().sum().backward()
            opt.step()
    for mine, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs)
    meta = torch.nn.Linear(2, 2, device="meta")  # a device without the fused kernel: the plain update
    assert not build_optimizer(meta, TrainConfig(optimizer="adam")).param_groups[0].get("fused")


def test_set_seed_makes_torch_repeatable():
    set_seed(4)
    first = torch.rand(3)
    set_seed(4)
    assert torch.equal(first, torch.rand(3))


def test_selection_on_a_sum_of_metrics(data, tmp_path):
    from textae.train import selection_value

    assert selection_value({"a": 1.0, "b": 2.5}, "a+b") == 3.5
    _, result = run(data, tmp_path, early_stopping_metric="root_fine_acc+root_binary_acc")
    best = max(result.history, key=lambda r: r["root_fine_acc"] + r["root_binary_acc"])
    assert result.best_metric == best["root_fine_acc"] + best["root_binary_acc"]


def test_time_budget_stops_evaluates_and_keeps_the_best(data, tmp_path, monkeypatch):
    import textae.train as train_module

    fake_now = [0.0]
    monkeypatch.setattr(train_module.time, "perf_counter", lambda: fake_now[0])

    def tick(step, _terms):
        fake_now[0] += 20.0  # every step "takes" 20 s: a 1-minute budget ends after step 3

    _, result = run(data, tmp_path, max_epochs=50, time_budget_minutes=1.0, on_step=tick)
    assert result.steps == 3 and not result.interrupted
    assert [r["step"] for r in dev_records(tmp_path)] == [3]  # the partial epoch is evaluated
    assert (tmp_path / "model" / "config.json").exists()
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert any(r["split"] == "time_budget" and r["step"] == 3 for r in records)
    # A budget stop is a pause: --resume continues for another budget from where it stopped.
    _, resumed = run(data, tmp_path, max_epochs=50, time_budget_minutes=1.0, on_step=tick, resume=True)
    assert resumed.steps == 6 and [r["step"] for r in dev_records(tmp_path)] == [3, 6]
    _, finished = run(data, tmp_path, max_epochs=2, resume=True)  # no budget: runs to the end of epoch 2
    assert finished.steps == 16  # 30 trees in batches of 4: 8 per epoch
    with pytest.raises(ValueError, match="time_budget_minutes"):
        TrainConfig(time_budget_minutes=-1)


class _Drift(torch.nn.Module):
    """One weight pushed by a constant gradient: SGD makes w_t = w_0 - lr * t exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor([1.0]))

    def loss(self, batch, step=0):
        loss = self.weight.sum()
        return {"loss": loss, "weight": self.weight.detach().sum(), "num_items": torch.tensor(1)}


class _Dummy:
    def to(self, device):
        return self


def test_weight_average_is_evaluated_and_saved(tmp_path):
    from safetensors.torch import load_file

    from textae.train import WeightAverage

    model = _Drift()
    saved = {}
    cfg = TrainConfig(output_dir=str(tmp_path), max_epochs=1, optimizer="sgd", learning_rate=0.1, grad_clip=0,
                      early_stopping_metric="loss", patience=0, progress=False, ema_decay=0.5)
    result = fit(model, [_Dummy()] * 6, [_Dummy()], cfg,
                 save_model=lambda m, d: saved.update(weight=float(m.weight.detach())))
    expected, weight = 1.0, 1.0
    for step in range(6):  # the average's recursion, by hand
        weight -= 0.1
        decay = min(0.5, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * weight
    assert float(model.weight.detach()) == pytest.approx(0.4)  # the trained weights are left in the model
    assert saved["weight"] == pytest.approx(expected) and expected > 0.45  # the average is what is saved
    assert result.history[-1]["weight"] == pytest.approx(expected)  # and what is evaluated
    stored = load_file(str(next((tmp_path / "checkpoints").glob("step-*")) / "average.safetensors"))
    assert float(stored["weight"]) == pytest.approx(expected)
    average = WeightAverage(model, 0.9)
    with average.applied(model):
        assert float(model.weight.detach()) == pytest.approx(0.4)  # a fresh average starts at the weights
    with pytest.raises(ValueError, match="ema_decay"):
        TrainConfig(ema_decay=1.0)


def test_resume_with_a_weight_average_gives_the_same_run(data, tmp_path):
    reference_model, reference = run(data, tmp_path / "whole", ema_decay=0.9)

    def interrupt(step, _terms):
        if step == 5:
            os.kill(os.getpid(), signal.SIGTERM)

    run(data, tmp_path / "parts", on_step=interrupt, ema_decay=0.9)
    resumed_model, resumed = run(data, tmp_path / "parts", resume=True, ema_decay=0.9)
    assert tensors_equal(resumed_model, reference_model)
    assert dev_records(tmp_path / "parts") == dev_records(tmp_path / "whole")
    assert resumed.best_metric == reference.best_metric
    saved = SemiSupervisedRAE.from_pretrained(tmp_path / "parts" / "model")
    assert not tensors_equal(saved, resumed_model)  # the saved model is the average, not the last weights
    with pytest.raises(ResumeError, match="ema_decay"):
        run(data, tmp_path / "plain", max_epochs=1)
        run(data, tmp_path / "plain", resume=True, max_epochs=2, ema_decay=0.9)


def test_resume_follows_this_runs_learning_rate_not_the_checkpoints(data, tmp_path, capsys):
    def interrupt(step, _terms):
        if step == 5:
            os.kill(os.getpid(), signal.SIGTERM)

    run(data, tmp_path, on_step=interrupt, learning_rate=0.01, lr_schedule="linear")
    capsys.readouterr()
    model, _ = run(data, tmp_path, resume=True, learning_rate=0.004, lr_schedule="linear")
    assert "learning_rate" in capsys.readouterr().err
    lrs = {record["step"]: record["lr"] for record in map(json.loads, (tmp_path / "metrics.jsonl").read_text().splitlines())
           if record["split"] == "train"}
    total = 3 * 8  # 3 epochs of 8 batches
    assert lrs[5] == pytest.approx(0.01 * (total - 5) / total)  # logged before the interruption
    assert lrs[6] == pytest.approx(0.004 * (total - 6) / total)  # the resumed run's own rate, from the next step
    assert lrs[total] == pytest.approx(0.0)
    # the same when nothing changes: no message
    run(data, tmp_path / "same", on_step=interrupt)
    capsys.readouterr()
    run(data, tmp_path / "same", resume=True)
    assert "resume:" not in capsys.readouterr().err


def test_linear_learning_rate_schedule_decays_to_zero_at_the_last_step(data, tmp_path):
    run(data, tmp_path, max_epochs=2, lr_schedule="linear", warmup_steps=2)  # 8 batches an epoch: 16 steps
    lrs = [json.loads(line)["lr"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()
           if json.loads(line)["split"] == "train"]
    assert len(lrs) == 16
    assert lrs[1] == pytest.approx(0.01) and lrs[-1] == pytest.approx(0.0)
    assert lrs[8] == pytest.approx(0.01 * (16 - 9) / (16 - 2))  # after step 9: (total - 9) / (total - warmup)
    assert all(a >= b for a, b in zip(lrs[1:-1], lrs[2:], strict=True))
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="step")


def test_dev_terms_follow_the_step_being_evaluated(tmp_path):
    """A scheduled term (as a VAE's KL weight) is logged for dev at the evaluated step, not at 0."""
    from textae.train import evaluate

    class Scheduled(_Drift):
        def loss(self, batch, step=0):
            return {**super().loss(batch, step), "scheduled": torch.tensor(float(step))}

    model = Scheduled()
    assert evaluate(model, [_Dummy()], step=7)["scheduled"] == 7.0
    cfg = TrainConfig(output_dir=str(tmp_path), max_epochs=1, optimizer="sgd", learning_rate=0.1, progress=False)
    result = fit(model, [_Dummy()] * 3, [_Dummy()], cfg, save_model=lambda m, d: None)
    assert result.history[-1]["step"] == 3 and result.history[-1]["scheduled"] == 3.0


def test_resuming_a_finished_run_goes_on_only_when_the_limits_leave_room(data, tmp_path, capsys):
    _, first = run(data, tmp_path, max_steps=3)
    assert first.steps == 3
    capsys.readouterr()
    _, again = run(data, tmp_path, resume=True, max_steps=3)  # nothing left to do: said so, nothing trained
    message = capsys.readouterr().err
    assert again.steps == 3 and "nothing to train" in message and "--max-steps" in message
    _, longer = run(data, tmp_path, resume=True, max_steps=7)
    assert longer.steps == 7 and "goes on" in capsys.readouterr().err
    trained = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()
               if json.loads(line)["split"] == "train"]
    assert trained == list(range(1, 8))  # steps 4..7 were trained on top of 1..3
    _, epochs = run(data, tmp_path / "epochs", max_epochs=1)
    _, more = run(data, tmp_path / "epochs", resume=True, max_epochs=2)
    assert (epochs.epochs_completed, more.epochs_completed) == (1, 2) and more.steps == 2 * epochs.steps


def test_native_bf16_is_false_where_torch_cannot_tell(monkeypatch):
    """The check rests on a private torch op; where it is missing, float32 is chosen."""
    import torch

    from textae.train import native_bf16

    class NoOps:
        def __getattr__(self, name):
            raise AttributeError(name)

    monkeypatch.setattr(torch.ops, "mkldnn", NoOps())
    assert native_bf16("cpu") is False
    assert native_bf16("meta") is False


def test_an_evaluation_that_scores_nothing_is_a_typed_error():
    from textae.train import EmptyEvaluationError, evaluate

    class Nothing(_Drift):  # e.g. a masked model that chose no token to mask
        def loss(self, batch, step=0):
            return {**super().loss(batch, step), "num_items": torch.tensor(0)}

    with pytest.raises(EmptyEvaluationError, match="the 2 evaluation batches held nothing to score"):
        evaluate(Nothing(), [_Dummy(), _Dummy()])
    with pytest.raises(ValueError, match="empty loader"):  # no batch at all: the caller's bug
        evaluate(Nothing(), [])


def test_fit_refuses_loaders_and_loss_dicts_that_break_the_contract(tmp_path):
    cfg = TrainConfig(output_dir=str(tmp_path), max_epochs=3, optimizer="sgd", learning_rate=0.1, progress=False)

    def fails(model, loader, error, match):
        with pytest.raises(error, match=match):
            fit(model, loader, None, cfg, save_model=lambda m, d: None)

    fails(_Drift(), (batch for batch in [_Dummy()] * 2), TypeError, "one-pass iterator")  # epochs 2-3 saw nothing
    fails(_Drift(), [], ValueError, "empty training loader")  # saved the untrained model as the run's result
    fails(torch.nn.Linear(1, 1), [_Dummy()], TypeError, "has no loss method")

    class Bare(_Drift):
        def loss(self, batch, step=0):
            return self.weight.sum()

    class Vector(_Drift):
        def loss(self, batch, step=0):
            return {"loss": self.weight * 2, "num_items": torch.tensor(1)}

    class Detached(_Drift):
        def loss(self, batch, step=0):
            return {"loss": self.weight.detach().sum(), "num_items": torch.tensor(1)}

    fails(Bare(), [_Dummy()], TypeError, "must return a dict with a scalar 'loss'")
    fails(Vector(), [_Dummy()], ValueError, r"must be a scalar tensor \(reduce it")
    fails(Detached(), [_Dummy()], ValueError, "has no gradient")


def test_loss_without_num_items_is_refused_before_training_and_in_evaluate(tmp_path):
    from textae.train import evaluate

    class Uncounted(_Drift):  # used to train, then fail at the first evaluation with KeyError: 'num_items'
        def loss(self, batch, step=0):
            return {"loss": self.weight.sum()}

    cfg = TrainConfig(output_dir=str(tmp_path), max_epochs=1, optimizer="sgd", learning_rate=0.1, progress=False)
    with pytest.raises(TypeError, match="must return 'num_items'"):
        fit(Uncounted(), [_Dummy()], [_Dummy()], cfg, save_model=lambda m, d: None)
    with pytest.raises(TypeError, match="Uncounted.loss.. must return 'num_items'"):
        evaluate(Uncounted(), [_Dummy()])


def test_fit_refuses_a_dict_of_settings(tmp_path):
    with pytest.raises(TypeError, match=r"fit\(\) takes a TrainConfig as cfg, got dict; write TrainConfig\(\*\*settings\)"):
        fit(_Drift(), [_Dummy()], None, {"max_epochs": 1, "output_dir": str(tmp_path)})


def test_make_loader_checks_sort_keys_and_batch_size_when_it_is_made():
    examples = list(range(10))
    for shuffle in (True, False):  # the wrong length failed only when iterated, and only with shuffle=True
        with pytest.raises(ValueError, match=r"one key per example \(10\), got shape \(9,\)"):
            make_loader(examples, 4, list, shuffle=shuffle, sort_keys=list(range(9)))
    for bad in (2.5, "4", True):
        with pytest.raises(TypeError, match="batch_size must be an int"):
            make_loader(examples, bad, list)
    # Valid calls: sort_keys are used with shuffle, unused without it (the order is the list's).
    assert [batch for batch in make_loader(examples, 4, list, sort_keys=examples[::-1])] == [
        [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    import numpy as np

    assert sum(len(batch) for batch in make_loader(examples, np.int64(3), list, shuffle=True, sort_keys=examples)) == 10
