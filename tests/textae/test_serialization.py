"""Saving weights: tied tensors once, and parameters that are views into one buffer (as cuDNN
packs an LSTM's weights on a GPU), which safetensors' own save_model refuses."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open
from torch import nn

from tests.textae.models.sentence_helpers import ROWS, make, sentences_batch
from textae.serialization import load_state, save_weights


class Packed(nn.Module):
    """Two linear layers whose weights live in one flat buffer, and an output tied to an embedding."""

    def __init__(self) -> None:
        super().__init__()
        flat = torch.arange(24, dtype=torch.float32)
        self.first = nn.Linear(3, 4, bias=False)
        self.second = nn.Linear(4, 3, bias=False)
        self.first.weight = nn.Parameter(flat[:12].view(4, 3))  # views of one storage, none covering it whole
        self.second.weight = nn.Parameter(flat[12:].view(3, 4))
        self.embedding = nn.Embedding(5, 4)
        self.output = nn.Linear(4, 5, bias=False)
        self.output.weight = self.embedding.weight


def test_views_into_one_buffer_and_tied_weights_save_and_load(tmp_path):
    model = Packed()
    assert model.first.weight.untyped_storage().data_ptr() == model.second.weight.untyped_storage().data_ptr()
    save_weights(model, tmp_path / "model.safetensors")
    with safe_open(str(tmp_path / "model.safetensors"), "pt") as file:
        assert sorted(file.keys()) == ["embedding.weight", "first.weight", "second.weight"]  # the tie stored once
        assert file.metadata() == {"output.weight": "embedding.weight"}
    fresh = Packed()
    with torch.no_grad():
        for parameter in fresh.parameters():
            parameter.zero_()
    assert load_state(fresh, tmp_path / "model.safetensors") == ([], [])
    for name, value in model.state_dict().items():
        torch.testing.assert_close(fresh.state_dict()[name], value, msg=name)
    assert fresh.output.weight is fresh.embedding.weight


def test_loading_copies_into_the_buffer_and_reads_safetensors_own_files(tmp_path):
    from safetensors.torch import save_model

    model = Packed()
    del model.first, model.second  # safetensors' save_model refuses the packed views; the tie it stores once
    save_model(model, str(tmp_path / "model.safetensors"))
    fresh = Packed()
    flat = fresh.first.weight
    torch.nn.init.zeros_(fresh.embedding.weight)
    missing, unexpected = load_state(fresh, tmp_path / "model.safetensors")
    assert sorted(missing) == ["first.weight", "second.weight"] and not unexpected
    torch.testing.assert_close(fresh.output.weight, model.embedding.weight)
    assert fresh.first.weight is flat and fresh.output.weight is fresh.embedding.weight


def test_saving_leaves_the_model_as_it_was(tmp_path):
    model = Packed()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    save_weights(model, tmp_path / "model.safetensors")
    assert model.first.weight.data_ptr() == model.first.weight.untyped_storage().data_ptr()  # still the buffer's view
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


@pytest.mark.parametrize("name", ["sentence_vae", "lstm_lm", "sentence_ae"])
def test_a_sentence_model_cast_to_float64_runs(name):
    # The language model's zero start state follows the LSTM's precision (it was always float32).
    model = make(name).double().eval()
    loss = model.loss(sentences_batch(ROWS))["loss"]
    assert loss.dtype == torch.float64 and torch.isfinite(loss)


def test_weights_of_other_sizes_are_a_checkpoint_error_and_resuming_with_other_sizes_a_resume_error(tmp_path):
    from textae.serialization import CheckpointError
    from textae.train import ResumeError, TrainConfig, fit

    make("lstm_lm").save_pretrained(tmp_path / "small")
    with pytest.raises(CheckpointError, match=r"other sizes than the model: .*\(the model's: "):
        load_state(make("lstm_lm", hidden_size=12), tmp_path / "small" / "model.safetensors")
    config = TrainConfig(output_dir=str(tmp_path / "run"), max_epochs=1, optimizer="adam", progress=False)
    fit(make("lstm_lm"), [sentences_batch(ROWS)], None, config)
    with pytest.raises(ResumeError, match="resume with the sizes the run was started with"):
        fit(make("lstm_lm", hidden_size=12), [sentences_batch(ROWS)], None,
            TrainConfig(**{**config.__dict__, "resume": True, "max_epochs": 2}))


def test_a_damaged_model_folder_is_a_checkpoint_error(tmp_path):
    from textae.serialization import CheckpointError, load_model
    from textae.train import ResumeError, TrainConfig, fit

    folder = tmp_path / "model"
    make("sentence_vae").save_pretrained(folder)
    weights = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(weights[:100])
    with pytest.raises(CheckpointError, match="is damaged or not a safetensors file"):
        load_model(folder)
    (folder / "model.safetensors").write_bytes(weights)
    config = (folder / "config.json").read_text()
    for damaged, message in (("{", "is damaged: not JSON"), ("[1, 2]", "is not a textae model config"),
                             ('{"format": "textae.model/1"}', "needs a model_type name and a config object"),
                             (config.replace('"latent_size"', '"latent_sise"'), "does not fit a 'sentence_vae' model")):
        (folder / "config.json").write_text(damaged)
        with pytest.raises(CheckpointError, match=message):
            load_model(folder)
    run = TrainConfig(output_dir=str(tmp_path / "run"), max_epochs=1, optimizer="adam", progress=False)
    fit(make("lstm_lm"), [sentences_batch(ROWS)], None, run)
    for path in (tmp_path / "run" / "checkpoints").glob("step-*/model.safetensors"):
        path.write_bytes(b"\0" * 10)
    with pytest.raises(ResumeError, match="cannot resume: .* is damaged"):
        fit(make("lstm_lm"), [sentences_batch(ROWS)], None, TrainConfig(**{**run.__dict__, "resume": True, "max_epochs": 2}))


def test_config_fields_of_the_wrong_type_are_refused_by_name(tmp_path):
    from textae.models import RAE, RAEConfig, SentenceVAEConfig
    from textae.serialization import CheckpointError, ConfigTypeError
    from textae.train import TrainConfig

    cases = [
        (lambda: RAEConfig(vocab_size=5, hidden_size=4, normalize="false"), "RAEConfig.normalize must be a bool"),
        (lambda: RAEConfig(vocab_size=5, hidden_size=8.0), "RAEConfig.hidden_size must be an int, got 8.0"),
        (lambda: RAEConfig(vocab_size=5, hidden_size=True), "hidden_size must be an int, got True"),
        (lambda: SentenceVAEConfig(vocab_size=10, free_bits=float("nan")), "free_bits must be a finite number"),
        (lambda: TrainConfig(resume="no"), "TrainConfig.resume must be a bool"),
    ]
    for build, message in cases:
        with pytest.raises(ConfigTypeError, match=message):
            build()
    assert RAEConfig(vocab_size=5, hidden_size=4, embedding_init_range=1).embedding_init_range == 1  # an int is a float
    # a config.json with a string where a bool goes was loaded as true; now it names the field
    RAE(RAEConfig(vocab_size=5, hidden_size=4)).save_pretrained(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["config"]["normalize"] = "false"
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="normalize must be a bool"):
        RAE.from_pretrained(tmp_path / "m")


def test_a_vocabulary_of_another_size_than_the_model_is_refused(tmp_path):
    from textae.models import RAE, RAEConfig
    from textae.serialization import CheckpointError
    from textae.vocab import Vocab

    vocab = Vocab.build([["a", "b", "c"]])
    RAE(RAEConfig(vocab_size=len(vocab), hidden_size=4)).save_pretrained(tmp_path / "m", vocab=vocab)
    assert RAE.from_pretrained(tmp_path / "m").config.vocab_size == len(vocab)
    Vocab.build([["a", "b", "c", "d"]]).save(tmp_path / "m" / "vocab.json")  # e.g. copied in from another run
    with pytest.raises(CheckpointError, match=f"has {len(vocab) + 1} words but the model's vocabulary size is {len(vocab)}"):
        RAE.from_pretrained(tmp_path / "m")
