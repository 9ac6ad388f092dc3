"""The CUDA path: each model computes on a GPU what it computes on the CPU, training runs there
(under bf16 autocast too), and a model trained there loads and runs on a CPU-only machine.

Skipped where there is no CUDA, as in CI. On a GPU machine: ``pytest tests/test_cuda.py``
(BENCHMARKS.md says when these last ran on one and what they found).
"""

from __future__ import annotations

import copy
import json

import pytest
import torch

from tests.scripts.conftest import run_script
from tests.textae.helpers import random_treebank
from tests.textae.models.sentence_helpers import ROWS, sentences_batch
from tests.textae.models.sentence_helpers import make as make_sentence_model
from tests.textae.models.test_contract import TREE_MODELS
from tests.textae.models.test_contract import make as make_tree_model
from textae.decoding import generate
from textae.models import MODELS
from textae.sentences import evaluate_sentences
from textae.train import TrainConfig, evaluate, fit
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

SENTENCE_MODELS = ["sentence_vae", "lstm_lm", "sentence_ae"]


def loss_and_gradients(model: torch.nn.Module, batch, training: bool = False) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """The loss terms (as floats) and every parameter's gradient (on the CPU); by default in
    eval mode (no dropout, sampling or input corruption, whose random draws differ between devices)."""
    model.train(training).zero_grad()
    terms = model.loss(batch)
    terms["loss"].backward()
    gradients = {name: parameter.grad.detach().cpu() for name, parameter in model.named_parameters()}
    return {key: float(value.detach()) for key, value in terms.items()}, gradients


def assert_same_on_both_devices(model: torch.nn.Module, batch, training: bool = False) -> None:
    on_cpu = loss_and_gradients(model, batch, training)
    # cuDNN's LSTM has no backward in eval mode: there, the comparison runs on torch's own CUDA kernels.
    with torch.backends.cudnn.flags(enabled=training):
        on_gpu = loss_and_gradients(copy.deepcopy(model).cuda(), batch.to("cuda"), training)
    assert on_cpu[0].keys() == on_gpu[0].keys()
    for key in on_cpu[0]:
        assert on_gpu[0][key] == pytest.approx(on_cpu[0][key], rel=1e-9, abs=1e-12), key
    for name, gradient in on_cpu[1].items():
        torch.testing.assert_close(on_gpu[1][name], gradient, msg=lambda text, name=name: f"{name}: {text}")


@pytest.mark.parametrize("name", TREE_MODELS)
def test_tree_models_give_the_same_loss_and_gradients_on_cuda(name):
    trees = random_treebank(11, 6, min_leaves=2, max_leaves=10)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    batch = TreeBatch.collate([encode_tree(tree, vocab) for tree in trees])
    assert_same_on_both_devices(make_tree_model(name, vocab), batch)  # float64


@pytest.mark.parametrize("name", SENTENCE_MODELS)
def test_sentence_models_give_the_same_loss_and_gradients_on_cuda(name):
    assert_same_on_both_devices(make_sentence_model(name).double(), sentences_batch(ROWS))


@pytest.mark.parametrize("name", ["lstm_lm", "sentence_ae"])
def test_training_mode_on_cudnn_gives_the_cpu_gradients(name):
    # No dropout in TINY, no word dropout or input masking by default, no z to sample: training
    # mode draws nothing, and cuDNN's LSTM (what training on a GPU runs) is compared with the CPU.
    assert_same_on_both_devices(make_sentence_model(name).double(), sentences_batch(ROWS), training=True)


@pytest.mark.parametrize("strategy", ["greedy", "beam"])
def test_decoding_on_cuda_gives_the_cpu_sentences(strategy):
    model = make_sentence_model("sentence_vae").double().eval()
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    on_cpu = generate(model.decoder, z, 3, strategy=strategy, max_length=12, beam_size=4)
    on_gpu = generate(copy.deepcopy(model).cuda().decoder, z.cuda(), 3, strategy=strategy, max_length=12, beam_size=4)
    assert on_gpu == on_cpu


def test_the_evaluation_protocol_runs_on_cuda_and_agrees_with_the_cpu():
    model = make_sentence_model("sentence_vae").double().eval()
    batches = [sentences_batch(ROWS), sentences_batch([[4, 4, 5], [11, 10, 9, 8, 7]])]
    on_cpu = evaluate_sentences(model, batches, iw_samples=500, bleu_sentences=6, seed=0)
    on_gpu = evaluate_sentences(copy.deepcopy(model).cuda(), batches, iw_samples=500, bleu_sentences=6, seed=0)
    for key in ("sentences", "tokens", "kl", "active_units", "recon_bleu"):  # no random draw in these
        assert on_gpu[key] == pytest.approx(on_cpu[key], rel=1e-6, abs=1e-9), key
    # The importance samples come from each device's own generator: the estimates agree to Monte
    # Carlo error (over 8 seeds on the CPU their std is 0.011 nats for this model; 0.08 is 5 std
    # of a difference of two).
    assert on_gpu["nll"] == pytest.approx(on_cpu["nll"], abs=0.08)


def test_fit_on_cuda_under_bf16_learns_and_the_checkpoint_loads_on_the_cpu(tmp_path):
    model = make_sentence_model("sentence_vae", kl_schedule="constant")
    batches = [sentences_batch(ROWS)]
    before = evaluate(model, batches)["nll"]
    under_autocast: list[bool] = []
    model.register_forward_hook(lambda module, args, output: under_autocast.append(
        module.training and torch.is_autocast_enabled("cuda")))
    config = TrainConfig(output_dir=str(tmp_path), max_epochs=60, optimizer="adam", learning_rate=0.03,
                         progress=False, autocast="bf16", patience=0, device="cuda")
    result = fit(model, batches, batches, config)
    assert next(model.parameters()).device.type == "cuda"
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert not any(record.get("autocast_asked") for record in records)  # bf16 ran: no fallback record
    assert any(under_autocast)  # the training forward passes ran under autocast
    on_gpu = evaluate(model, batches, "cuda")  # the last model
    assert on_gpu["nll"] < 0.5 * before
    loaded = MODELS["sentence_vae"][1].from_pretrained(result.model_dir)  # the best by the dev loss
    assert next(loaded.parameters()).device.type == "cpu"
    on_cpu = evaluate(loaded, batches)["nll"]
    assert on_cpu < 0.5 * before
    assert evaluate(copy.deepcopy(loaded).cuda(), batches, "cuda")["nll"] == pytest.approx(on_cpu, rel=1e-4)
    # The run's checkpoint (weights, optimizer, CUDA random state) resumes on the GPU.
    resumed = make_sentence_model("sentence_vae", kl_schedule="constant")
    fit(resumed, batches, batches, TrainConfig(**{**config.__dict__, "resume": True, "max_epochs": 70}))
    assert next(resumed.parameters()).device.type == "cuda"
    assert evaluate(resumed, batches, "cuda")["nll"] < 0.5 * before  # went on from the trained weights
    epochs = [record for record in map(json.loads, (tmp_path / "metrics.jsonl").read_text().splitlines())
              if record.get("split") == "epoch"]
    assert len(epochs) == 70 and epochs[-1]["step"] == 70  # ten epochs more (one batch each), not seventy


TRAINING_SCRIPTS = [
    ("train_rae.py", []),
    ("train_rae.py", ["--model", "deep_recursive"]),
    ("train_vae.py", ["--autocast", "bf16"]),
    ("train_vae.py", ["--model", "lstm_lm"]),
    ("train_mlm.py", []),
    ("train_parser.py", []),
    ("train_paraphrase.py", []),
]


@pytest.mark.parametrize("script,flags", TRAINING_SCRIPTS, ids=[" ".join([s, *f]) for s, f in TRAINING_SCRIPTS])
def test_training_scripts_run_with_device_cuda(script, flags, tmp_path, data_dir):
    output = tmp_path / "run"
    result = run_script(script, "--tiny", "--dry-run", "--device", "cuda", "--progress", "false",
                        "--output-dir", str(output), *flags)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (output / "model").is_dir()
    assert json.loads((output / "run_config.json").read_text())["train"]["device"] == "cuda"


def test_a_vae_trained_on_cuda_samples_and_interpolates_on_the_cpu(tmp_path, data_dir):
    output = tmp_path / "run"
    result = run_script("train_vae.py", "--tiny", "--dry-run", "--device", "cuda", "--progress", "false",
                        "--output-dir", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_script("interpolate.py", "--checkpoint", str(output / "model"), "the market fell", "stocks rose",
                        "--steps", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len([line for line in result.stdout.splitlines() if line.strip()]) >= 3
    result = run_script("sample.py", "--checkpoint", str(output / "model"), "--num", "3")
    assert result.returncode == 0, result.stderr[-3000:]
