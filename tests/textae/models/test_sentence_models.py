"""The DESIGN.md contract for the sentence VAE and its LSTM language-model baseline, tiny size."""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch

from tests.fitting import fit_one_batch
from tests.textae.models.sentence_helpers import ROWS, make, sentences_batch
from textae.models import MODELS
from textae.models.sentence_vae import SentenceVAEConfig, kl_weight, padded_lstm
from textae.train import evaluate

NAMES = ["sentence_vae", "lstm_lm", "sentence_ae"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", [1, 3])
def test_shapes(name, size):
    batch = sentences_batch(ROWS[:size])
    model = make(name).eval()
    if name == "sentence_vae":
        output = model(batch)
        assert output.mu.shape == output.logvar.shape == output.z.shape == output.kl.shape == (size, 4)
        assert output.log_likelihood.shape == (size,)
    elif name == "sentence_ae":
        output = model(batch)
        assert output.z.shape == (size, 4) and output.log_likelihood.shape == (size,)
    else:
        assert model(batch).shape == (size,)
    terms = model.loss(batch)
    assert terms["loss"].shape == () and int(terms["num_items"]) == size


@pytest.mark.parametrize("name", NAMES)
def test_batched_equals_per_item_and_padding_is_ignored(name):
    model = make(name).eval()
    batched = model.loss(sentences_batch(ROWS))["loss"]
    single = torch.stack([model.loss(sentences_batch([row]))["loss"] for row in ROWS]).mean()
    torch.testing.assert_close(batched, single)
    padded = sentences_batch(ROWS)
    padded.tokens = torch.cat([padded.tokens, torch.full((4, 3), 7)], dim=1)  # junk after each length
    torch.testing.assert_close(model.loss(padded)["loss"], batched)


def test_log_likelihood_is_a_distribution_over_sentences():
    # Summed over every sentence of length <= 2 (plus <eos>), p(x) can approach 1 but not exceed it.
    model = make("lstm_lm").eval()
    words = list(range(4, 12))
    rows = [[]] + [[a] for a in words] + [[a, b] for a in words for b in words]
    total = model(sentences_batch(rows)).exp().sum()
    assert 0 < float(total.detach()) <= 1.0 + 1e-5


@pytest.mark.parametrize("autocast", [False, True])
def test_evaluation_scores_in_chunks_what_training_scores_in_one_block(autocast, monkeypatch):
    model = make("sentence_vae").eval()
    decoder = model.decoder
    batch = sentences_batch(ROWS * 3)  # 3 x 14 positions
    z = torch.randn(len(batch), 4)
    context = torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast)
    with context:
        one_block = decoder.token_log_likelihood(batch, z)  # autograd on: the one-block path
    assert one_block.requires_grad
    for rows in (1, 5, 1024):  # chunks that split sentences, and one chunk for everything
        monkeypatch.setattr(type(decoder), "SCORE_CHUNK", rows)
        with torch.no_grad(), context:
            chunked = decoder.token_log_likelihood(batch, z)
        assert chunked.dtype == torch.float32
        torch.testing.assert_close(chunked, one_block.detach(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("autocast", [False, True])
def test_padded_lstm_gives_each_sentence_what_the_lstm_gives_it_alone(autocast):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 5, batch_first=True)
    lengths = torch.tensor([4, 1, 2])
    inputs = torch.randn(3, 4, 3)  # [B, T, E]; positions past each length are padding
    # under autocast the initial state is bf16 (as a Linear under autocast gives it); the LSTM runs in float32
    state_dtype = torch.bfloat16 if autocast else torch.float32
    state = (torch.randn(1, 3, 5).to(state_dtype), torch.randn(1, 3, 5).to(state_dtype))
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        outputs, last = padded_lstm(lstm, inputs, lengths, state)
    assert outputs.shape == (3, 4, 5) and last.shape == (3, 5) and outputs.dtype == torch.float32
    for index, length in enumerate(lengths.tolist()):
        alone_state = tuple(part[:, index : index + 1].float() for part in state)
        alone, (hidden, _) = lstm(inputs[index : index + 1, :length], alone_state)
        torch.testing.assert_close(outputs[index, :length], alone[0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(last[index], hidden[0, 0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_gets_a_gradient_and_a_step_changes_weights(name):
    model = make(name).train()
    model.loss(sentences_batch(ROWS), step=10**6)["loss"].backward()
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None and float(parameter.grad.abs().sum()) > 0, parameter_name
    before = copy.deepcopy(model.state_dict())
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    assert all(not torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("name", NAMES)
def test_a_tiny_batch_can_be_overfitted(name):
    model = make(name, kl_schedule="constant")
    batch = sentences_batch(ROWS)
    first = float(model.loss(batch)["nll"])
    fit_one_batch(model, batch, steps=300, lr=0.03, step=10**6)
    model.eval()
    assert float(model.loss(batch)["nll"]) < 0.25 * first


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_loss_and_checkpoint_round_trip(name, tmp_path):
    batch = sentences_batch(ROWS)
    first, second = make(name, seed=3).eval(), make(name, seed=3).eval()
    assert float(first.loss(batch)["loss"].detach()) == float(second.loss(batch)["loss"].detach())
    first.save_pretrained(tmp_path)
    loaded = MODELS[name][1].from_pretrained(tmp_path).eval()
    assert evaluate(loaded, [batch]) == evaluate(first, [batch])


def test_importance_weighted_bound_is_tighter_than_the_elbo():
    model = make("sentence_vae").eval()
    batch = sentences_batch(ROWS)
    torch.manual_seed(0)
    iw = model.importance_weighted_log_likelihood(batch, samples=200, chunk=50)
    torch.manual_seed(0)
    single = torch.stack([model.importance_weighted_log_likelihood(batch, samples=1) for _ in range(200)]).mean(0)
    assert iw.shape == (4,)
    assert bool((iw >= single - 1e-4).all())  # log-mean-exp >= mean of logs


def test_kl_schedules_and_free_bits():
    assert kl_weight(SentenceVAEConfig(vocab_size=12, kl_schedule="linear", kl_anneal_steps=10), 5) == 0.5
    assert kl_weight(SentenceVAEConfig(vocab_size=12, kl_schedule="logistic", kl_anneal_steps=10), 10) == 0.5
    assert kl_weight(SentenceVAEConfig(vocab_size=12, kl_schedule="constant"), 0) == 1.0
    model = make("sentence_vae", kl_schedule="constant", free_bits=5.0).eval()
    terms = model.loss(sentences_batch(ROWS))
    # Below the floor the KL term counts as 4 dimensions x 5 nats.
    torch.testing.assert_close(terms["loss"], terms["nll"] + 4 * 5.0)
    assert math.isfinite(float(terms["kl"]))


@pytest.mark.parametrize("field, value", [("latent_size", 0), ("word_dropout", 1.0), ("kl_schedule", "cosine"),
                                          ("free_bits", -1.0), ("bos_id", 0)])
def test_bad_config_values_are_refused(field, value):
    with pytest.raises(ValueError):
        SentenceVAEConfig(vocab_size=12, **{field: value})


def test_fit_checkpoints_a_model_with_tied_embeddings(tmp_path):
    from textae.train import TrainConfig, fit

    model = make("sentence_vae")
    batches = [sentences_batch(ROWS[:2]), sentences_batch(ROWS[2:])]
    config = TrainConfig(output_dir=str(tmp_path), max_epochs=1, optimizer="adam", learning_rate=0.01, progress=False)
    fit(model, batches, batches, config)
    resumed = make("sentence_vae", seed=9)
    fit(resumed, batches, batches, TrainConfig(**{**config.__dict__, "resume": True}))
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), resumed.state_dict().values(), strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_tied_output_layer_is_the_embedding_table_and_survives_saving(name, tmp_path):
    from textae.serialization import load_model

    model = make(name, embedding_size=10, hidden_size=10, tie_output=True)
    assert model.decoder.output.weight is model.embedding.weight
    assert float(model.embedding.weight.detach().abs().max()) <= 0.1 and not model.embedding.weight[0].any()
    batch = sentences_batch(ROWS)
    model.loss(batch)["loss"].backward()
    assert model.embedding.weight.grad[ROWS[0][0]].abs().sum() > 0
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    model.eval()
    model.save_pretrained(tmp_path / "tied")
    loaded = load_model(tmp_path / "tied").eval()
    assert loaded.decoder.output.weight is loaded.embedding.weight  # still one table after loading
    torch.manual_seed(0)
    expected = model.loss(batch)["loss"]
    torch.manual_seed(0)
    torch.testing.assert_close(loaded.loss(batch)["loss"], expected)


def test_a_tied_model_checkpoints_and_resumes(tmp_path):
    from textae.train import TrainConfig, fit

    tied = dict(embedding_size=10, hidden_size=10, tie_output=True)
    model = make("sentence_vae", **tied)
    batches = [sentences_batch(ROWS[:2]), sentences_batch(ROWS[2:])]
    config = TrainConfig(output_dir=str(tmp_path), max_epochs=1, optimizer="adam", learning_rate=0.01, progress=False)
    fit(model, batches, batches, config)
    resumed = make("sentence_vae", seed=9, **tied)
    fit(resumed, batches, batches, TrainConfig(**{**config.__dict__, "resume": True}))
    assert resumed.decoder.output.weight is resumed.embedding.weight
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), resumed.state_dict().values(), strict=True))


def test_tied_output_needs_equal_embedding_and_hidden_sizes():
    with pytest.raises(ValueError, match="tie_output needs embedding_size == hidden_size"):
        SentenceVAEConfig(vocab_size=12, embedding_size=8, hidden_size=10, tie_output=True)


def test_bf16_autocast_training_runs_and_learns(tmp_path, monkeypatch):
    from textae.train import TrainConfig, fit

    # As on a CPU with native bfloat16 (this tiny model also runs on emulated bfloat16).
    monkeypatch.setattr("textae.train.native_bf16", lambda device: True)

    model = make("sentence_vae", kl_schedule="constant")
    batches = [sentences_batch(ROWS)]
    before = float(model.eval().loss(batches[0])["nll"])
    config = TrainConfig(output_dir=str(tmp_path), max_epochs=60, optimizer="adam", learning_rate=0.03,
                         progress=False, autocast="bf16", patience=0)
    fit(model, batches, None, config)
    after = float(model.eval().loss(batches[0])["nll"])
    assert after < 0.5 * before
    with pytest.raises(ValueError, match="autocast"):
        TrainConfig(autocast="fp8")


def test_bf16_autocast_without_native_bfloat16_warns_and_trains_in_float32(tmp_path, monkeypatch):
    from textae.train import Bf16FallbackWarning, TrainConfig, fit

    monkeypatch.setattr("textae.train.native_bf16", lambda device: False)
    autocast_on: list[bool] = []
    model = make("sentence_vae", kl_schedule="constant")
    model.register_forward_hook(lambda module, args, output: autocast_on.append(torch.is_autocast_enabled("cpu")))
    config = TrainConfig(output_dir=str(tmp_path), max_epochs=2, optimizer="adam", progress=False, autocast="bf16",
                         patience=0)
    with pytest.warns(Bf16FallbackWarning, match="training.*running in float32"):
        fit(model, [sentences_batch(ROWS)], None, config)
    assert autocast_on and not any(autocast_on)  # no forward pass ran under autocast
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert records[0]["split"] == "setup" and (records[0]["autocast"], records[0]["autocast_asked"]) == ("none", "bf16")


# Two-level softmax (softmax_shortlist): ids 4..6 in the head beside the rare-word class, 7..11 behind it.
SHORTLIST = 7


@pytest.mark.parametrize("tie", [False, True])
def test_two_level_softmax_is_a_distribution_whose_target_path_matches_the_full_one(tie):
    model = make("sentence_vae", softmax_shortlist=SHORTLIST, tie_output=tie, hidden_size=8).eval()
    decoder = model.decoder
    states = torch.randn(6, 8)
    scores = decoder.output_scores(states)  # [6, V] log probabilities
    assert scores.shape == (6, 12)
    torch.testing.assert_close(scores.exp().sum(dim=-1), torch.ones(6))
    targets = torch.tensor([0, 3, 6, 7, 9, 11])  # head, head, last head id, first / middle / last rare id
    torch.testing.assert_close(decoder.target_nll(states, targets), -scores.gather(1, targets[:, None])[:, 0])
    # p(rare word) = p_head(rare class) * p_rare(word): the rare ids' probabilities sum to the class's
    head = decoder.head_logits(states, decoder.split_output()[0]).log_softmax(-1)  # [6, S+1]
    torch.testing.assert_close(scores[:, :SHORTLIST], head[:, :SHORTLIST])
    torch.testing.assert_close(scores[:, SHORTLIST:].exp().sum(-1), head[:, -1].exp())


@pytest.mark.parametrize("tie", [False, True])
def test_two_level_softmax_gradients_match_the_full_distributions(tie):
    """Training's path (the tail scored only at rare targets, the output layer split once) gives
    the gradients of the dense path (every row's full distribution, output_scores), for the
    states, the output layer (the embedding table when tied) and the rare-word class."""
    model = make("sentence_vae", softmax_shortlist=SHORTLIST, tie_output=tie, hidden_size=8)
    decoder = model.decoder
    states = torch.randn(6, 8)
    targets = torch.tensor([0, 3, 6, 7, 9, 11])
    parameters = [decoder.output.weight, decoder.output.bias, decoder.rare_class.weight]
    gradients = []
    for loss in (lambda h: decoder.target_nll(h, targets).sum(),
                 lambda h: -decoder.output_scores(h).gather(1, targets[:, None]).sum()):
        rows = states.clone().requires_grad_()
        gradients.append(torch.autograd.grad(loss(rows), [rows, *parameters]))
    for sparse, dense in zip(*gradients, strict=True):
        torch.testing.assert_close(sparse, dense)
    assert float(gradients[0][1][SHORTLIST:].abs().sum()) > 0 and float(gradients[0][1][:SHORTLIST].abs().sum()) > 0


@pytest.mark.parametrize("name", NAMES)
def test_two_level_softmax_model_scores_batched_as_alone_and_learns(name, tmp_path):
    model = make(name, softmax_shortlist=SHORTLIST).eval()
    batched = model.loss(sentences_batch(ROWS))["loss"]
    single = torch.stack([model.loss(sentences_batch([row]))["loss"] for row in ROWS]).mean()
    torch.testing.assert_close(batched, single)
    with torch.no_grad():  # the chunked evaluation path gives what training's one block gives
        torch.testing.assert_close(model.loss(sentences_batch(ROWS))["loss"], batched.detach())
    model.train()
    model.loss(sentences_batch(ROWS), step=10**6)["loss"].backward()
    assert float(model.decoder.rare_class.weight.grad.abs().sum()) > 0
    assert float(model.decoder.output.weight.grad[SHORTLIST:].abs().sum()) > 0  # rows 7.. reached through the tail
    first = float(model.loss(sentences_batch(ROWS))["nll"])
    fit_one_batch(model, sentences_batch(ROWS), steps=300, lr=0.03, step=10**6)
    model.eval()
    assert float(model.loss(sentences_batch(ROWS))["nll"]) < 0.25 * first
    model.save_pretrained(tmp_path)
    loaded = MODELS[name][1].from_pretrained(tmp_path).eval()
    assert loaded.config.softmax_shortlist == SHORTLIST
    assert evaluate(loaded, [sentences_batch(ROWS)]) == evaluate(model, [sentences_batch(ROWS)])


def test_two_level_softmax_decodes_what_its_probabilities_say():
    from textae.decoding import generate

    model = make("sentence_vae", softmax_shortlist=SHORTLIST).eval()
    z = torch.randn(3, 4)
    greedy = generate(model.decoder, z, 3, max_length=6)
    beam = generate(model.decoder, z, 3, max_length=6, strategy="beam", beam_size=12)
    assert all(0 < len(row) <= 6 for row in greedy + beam)
    # the greedy sentence's first word is the argmax of the first step's distribution
    state = model.decoder.initial_state(z, 3, torch.device("cpu"))
    scores, _ = model.decoder.step(torch.full((3, 1), model.config.bos_id), z, state)
    first = scores.clone()
    first[:, [0, 2, 3]] = float("-inf")  # pad and bos are never emitted, <eos> not before min_length 1
    assert [row[0] for row in greedy] == first.argmax(dim=-1).tolist()


@pytest.mark.parametrize("value", [-1, 3, 12, 100])
def test_softmax_shortlist_outside_the_vocabulary_is_refused(value):
    with pytest.raises(ValueError, match="softmax_shortlist"):
        SentenceVAEConfig(vocab_size=12, softmax_shortlist=value)
