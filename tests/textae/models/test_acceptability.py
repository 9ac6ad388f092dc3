"""The acceptability classifier (models/acceptability.py) through DESIGN.md's model contract."""

from __future__ import annotations

import copy
import random

import pytest
import torch

from tests.fitting import fit_one_batch
from textae.models import MODELS
from textae.models.acceptability import (
    AcceptabilityClassifier,
    AcceptabilityConfig,
    LabelledSentences,
)
from textae.models.lstm_lm import LSTMLanguageModel
from textae.models.sentence_vae import SentenceBatch, SentenceVAEConfig
from textae.serialization import CheckpointError, load_model
from textae.train import evaluate

VOCAB = 30


def make(seed: int = 0, **overrides) -> AcceptabilityClassifier:
    torch.manual_seed(seed)
    values = {"vocab_size": VOCAB, "embedding_size": 5, "hidden_size": 6, "dropout": 0.0, **overrides}
    return AcceptabilityClassifier(AcceptabilityConfig(**values)).double()


def rows(count: int, seed: int = 0) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randrange(4, VOCAB) for _ in range(rng.randint(1, 7))] for _ in range(count)]


def labelled(count: int, seed: int = 0) -> LabelledSentences:
    return LabelledSentences.from_rows(rows(count, seed), [float(i % 2) for i in range(count)])


def test_registered_by_name():
    assert MODELS["acceptability"] == (AcceptabilityConfig, AcceptabilityClassifier)


@pytest.mark.parametrize("size", [1, 3])
def test_output_shapes(size):
    model = make()
    batch = labelled(size)
    assert model(batch.sentences).shape == (size,)
    terms = model.loss(batch)
    assert terms["loss"].shape == () and int(terms["num_items"]) == size
    assert all(not value.requires_grad for key, value in terms.items() if key != "loss")


def test_batched_equals_per_item_whatever_the_padding():
    model = make().eval()
    sentences = rows(5)
    batched = model(SentenceBatch.from_rows(sentences))
    single = torch.cat([model(SentenceBatch.from_rows([row])) for row in sentences])
    torch.testing.assert_close(batched, single)
    batch = labelled(5)
    per_item = torch.stack([model.loss(LabelledSentences.from_rows([row], [label]))["loss"]
                            for row, label in zip(sentences, batch.labels.tolist(), strict=True)])
    torch.testing.assert_close(model.loss(batch)["loss"], per_item.mean())


def test_the_sentence_end_matters():
    """The classifier reads <eos> after the last word: a sentence and the same words with one
    more after them score differently, and padding after a sentence changes nothing."""
    model = make().eval()
    short, longer = [5, 6, 7], [5, 6, 7, 8]
    scores = model(SentenceBatch.from_rows([short, longer]))
    assert scores[0] != scores[1]
    padded = SentenceBatch(torch.tensor([[5, 6, 7, 0, 0, 0]]), torch.tensor([3]))
    torch.testing.assert_close(model(padded), scores[:1])


def test_every_parameter_gets_a_gradient_and_a_step_changes_weights():
    model = make()
    model.loss(labelled(6))["loss"].backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and float(parameter.grad.abs().sum()) > 0, name
    before = copy.deepcopy(model.state_dict())
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    assert any(not torch.equal(before[name], value) for name, value in model.state_dict().items())


def test_a_tiny_batch_can_be_overfitted():
    model = make(hidden_size=12)
    batch = labelled(8)
    first = float(model.loss(batch)["loss"].detach())
    fit_one_batch(model, batch, steps=150, lr=0.02)
    assert float(model.loss(batch)["loss"].detach()) < 0.05 * first
    assert model.eval_counts(batch)["accuracy"] == (8, 8)


def test_same_seed_same_loss():
    assert float(make(seed=3).loss(labelled(4))["bce"]) == float(make(seed=3).loss(labelled(4))["bce"])


def test_checkpoint_round_trip_gives_the_same_evaluation(tmp_path):
    model = make(threshold=0.3)
    batches = [labelled(4, seed) for seed in range(2)]
    model.save_pretrained(tmp_path)
    loaded = load_model(tmp_path).double()
    assert isinstance(loaded, AcceptabilityClassifier) and loaded.config.threshold == 0.3
    assert evaluate(loaded, batches) == evaluate(model, batches)


def test_eval_counts_split_real_and_broken():
    model = make()
    batch = labelled(6)
    counts = model.eval_counts(batch)
    assert counts["real_accuracy"][1] == 3 and counts["corrupted_accuracy"][1] == 3
    assert counts["accuracy"][0] == counts["real_accuracy"][0] + counts["corrupted_accuracy"][0]


def test_probabilities_keep_the_mode_and_order():
    model = make()
    model.train()
    sentences = rows(7)
    probabilities = model.probabilities(sentences, batch_size=3)
    assert model.training
    model.eval()
    expected = torch.sigmoid(model(SentenceBatch.from_rows(sentences))).tolist()
    assert probabilities == pytest.approx(expected)
    assert all(0 < p < 1 for p in probabilities)


def test_load_language_model_copies_the_embedding_and_forward_lstm():
    torch.manual_seed(1)
    lm = LSTMLanguageModel(SentenceVAEConfig(vocab_size=VOCAB, embedding_size=5, hidden_size=6)).double()
    model = make()
    model.load_language_model(lm)
    assert torch.equal(model.embedding.weight, lm.embedding.weight)
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        assert torch.equal(getattr(model.lstm, name), getattr(lm.decoder.lstm, name))
        assert not torch.equal(getattr(model.lstm, name + "_reverse"), getattr(lm.decoder.lstm, name))


def test_load_language_model_of_other_sizes_is_refused():
    lm = LSTMLanguageModel(SentenceVAEConfig(vocab_size=VOCAB, embedding_size=5, hidden_size=8))
    with pytest.raises(ValueError, match="embedding|LSTM"):
        make().load_language_model(lm)
    lm = LSTMLanguageModel(SentenceVAEConfig(vocab_size=VOCAB + 1, embedding_size=5, hidden_size=6))
    with pytest.raises(ValueError, match="same vocabulary"):
        make().load_language_model(lm)


@pytest.mark.parametrize("field, value", [("vocab_size", 0), ("hidden_size", 0), ("dropout", 1.0),
                                          ("threshold", 0.0), ("threshold", 1.0), ("bos_id", 0), ("eos_id", VOCAB)])
def test_config_validation(field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        AcceptabilityConfig(**{"vocab_size": VOCAB, field: value})


def test_bad_batches_are_typed_errors():
    model = make()
    with pytest.raises(TypeError, match="SentenceBatch"):
        model([[5, 6]])
    with pytest.raises(ValueError):
        model(SentenceBatch.from_rows([[VOCAB + 3]]))
    with pytest.raises(ValueError, match="labels"):
        LabelledSentences.from_rows([[5]], [1.0, 0.0])


def test_a_wrong_model_folder_is_a_checkpoint_error(tmp_path):
    lm = LSTMLanguageModel(SentenceVAEConfig(vocab_size=VOCAB, embedding_size=5, hidden_size=6))
    lm.save_pretrained(tmp_path)
    with pytest.raises(CheckpointError, match="lstm_lm"):
        AcceptabilityClassifier.from_pretrained(tmp_path)
