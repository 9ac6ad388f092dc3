"""The DESIGN.md contract for the sentence VAE and its LSTM language-model baseline, tiny size."""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch

from textae.models import MODELS
from textae.models.sentence_vae import (
    SentenceBatch,
    SentenceVAEConfig,
    kl_weight,
    mean_token_log_prob,
    padded_lstm,
)
from textae.train import evaluate

NAMES = ["sentence_vae", "lstm_lm", "sentence_ae"]
TINY = dict(vocab_size=12, embedding_size=8, hidden_size=10, latent_size=4, decoder_dropout=0.0)


def sentences_batch(rows: list[list[int]]) -> SentenceBatch:
    return SentenceBatch.from_rows(rows)


ROWS = [[4, 5, 6, 7], [8, 9], [10, 11, 4], [5]]


def make(name: str, seed: int = 0, **overrides):
    torch.manual_seed(seed)
    config_class, model_class = MODELS[name]
    return model_class(config_class(**{**TINY, **overrides}))


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
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    first = float(model.loss(batch)["nll"])
    for _ in range(300):
        optimizer.zero_grad()
        model.loss(batch, step=10**6)["loss"].backward()
        optimizer.step()
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


def test_generation_reproduces_an_overfitted_sentence_with_every_strategy():
    from textae.models.sentence_vae import interpolate

    model = make("sentence_vae", kl_schedule="linear", latent_size=4)
    batch = sentences_batch(ROWS[:2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    for _ in range(300):
        optimizer.zero_grad()
        model.loss(batch, step=0)["loss"].backward()  # beta(0) = 0 for the linear schedule: a plain AE
        optimizer.step()
    model.eval()
    mu, _ = model.encoder(batch)
    decoder = model.decoder
    assert decoder.generate(mu, 2, strategy="greedy") == ROWS[:2]
    assert decoder.generate(mu, 2, strategy="beam", beam_size=3) == ROWS[:2]
    torch.manual_seed(0)
    assert decoder.generate(mu, 2, strategy="sample", temperature=0.01) == ROWS[:2]
    path = interpolate(mu[0], mu[1], 5)
    torch.testing.assert_close(path[0], mu[0])
    torch.testing.assert_close(path[-1], mu[1])
    spherical = interpolate(mu[0], mu[1], 5, spherical=True)
    torch.testing.assert_close(spherical[-1], mu[1])
    assert len(decoder.generate(None, 3, max_length=5)) == 3  # prior-free decoding (as the LM's) works
    with pytest.raises(ValueError, match="strategy"):
        decoder.generate(mu, 2, strategy="nucleus")


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


def test_repeated_ngram_ends():
    from textae.models.sentence_vae import repeated_ngram_ends

    assert repeated_ngram_ends([], 2) == []
    assert repeated_ngram_ends([4, 5, 4], 2) == [5]  # "4 5" seen: after 4, 5 would repeat it
    assert sorted(repeated_ngram_ends([4, 5, 6, 4, 5], 3)) == [6]
    assert sorted(repeated_ngram_ends([4, 5, 4], 1)) == [4, 4, 5]  # unigrams: every word used
    assert repeated_ngram_ends([4, 5], 3) == []


def has_repeated_ngram(tokens: list[int], n: int) -> bool:
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(grams) != len(set(grams))


@pytest.mark.parametrize("strategy", ["greedy", "beam", "sample"])
def test_decoding_controls_ban_unk_and_block_repeated_ngrams(strategy):
    model = make("sentence_vae").eval()
    config, decoder = model.config, model.decoder
    with torch.no_grad():  # a decoder that loves <unk>, then word 4: it loops on them
        decoder.output.bias.zero_()
        decoder.output.bias[config.unk_id] = 50.0
        decoder.output.bias[4] = 40.0
        decoder.output.bias[config.eos_id] = -50.0
    z = torch.zeros(2, config.latent_size)
    torch.manual_seed(0)
    plain = decoder.generate(z, 2, max_length=6, strategy=strategy, beam_size=2)
    assert all(row == [config.unk_id] * 6 for row in plain)
    torch.manual_seed(0)
    no_unk = decoder.generate(z, 2, max_length=6, strategy=strategy, beam_size=2, ban_unk=True)
    assert all(row == [4] * 6 for row in no_unk)
    for n in (1, 2):
        torch.manual_seed(0)
        rows = decoder.generate(z, 2, max_length=6, strategy=strategy, beam_size=2, ban_unk=True, no_repeat_ngram=n)
        assert all(len(row) == 6 and config.unk_id not in row and not has_repeated_ngram(row, n) for row in rows)
        assert all(row[0] == 4 for row in rows)  # the model's favourite still comes first
    with pytest.raises(ValueError, match="no_repeat_ngram"):
        decoder.generate(z, 2, no_repeat_ngram=-1)


def four_or_end_decoder():
    """``(config, decoder)`` of a VAE whose decoder, at every step, says word 4 (p ~ 0.62) or
    <eos> (p ~ 0.38), nothing else."""
    model = make("sentence_vae").eval()
    config, decoder = model.config, model.decoder
    with torch.no_grad():
        decoder.output.weight.zero_()
        decoder.output.bias.fill_(-50.0)
        decoder.output.bias[4] = 5.0
        decoder.output.bias[config.eos_id] = 4.5
    return config, decoder


def test_beam_search_goes_on_past_its_first_endings():
    config, decoder = four_or_end_decoder()
    z = torch.zeros(1, config.latent_size)
    # Per word, "4 ... 4 <eos>" scores better the longer it is, but "<eos>" and "4 <eos>" end
    # first and fill a beam of 2: the search must not stop there.
    for length in (1, 3, 6):
        assert decoder.generate(z, 1, strategy="beam", beam_size=2, max_length=length) == [[4] * length]
    assert decoder.generate(z, 1, strategy="beam", beam_size=2, max_length=0) == [[]]


def test_beam_length_penalty_trades_long_for_short_outputs():
    config, decoder = four_or_end_decoder()
    z = torch.zeros(1, config.latent_size)
    # The plain sum (penalty 0) ranks "<eos>" alone first; the mean per word (1.0, the
    # default) the longest sentence; a penalty between the two (0.8) picks a length in between.
    assert decoder.generate(z, 1, strategy="beam", beam_size=2, max_length=6, length_penalty=0.0) == [[]]
    assert decoder.generate(z, 1, strategy="beam", beam_size=2, max_length=6) == [[4] * 6]
    assert decoder.generate(z, 1, strategy="beam", beam_size=2, max_length=6, length_penalty=1.0) == [[4] * 6]
    log_4, log_eos = torch.tensor([5.0, 4.5]).log_softmax(0).tolist()
    expected = max(range(7), key=lambda n: (n * log_4 + log_eos) / (n + 1) ** 0.8)
    assert 0 < expected < 6  # the test is only telling if the optimum is strictly inside
    assert decoder.generate(z, 1, strategy="beam", beam_size=2, max_length=6, length_penalty=0.8) == [[4] * expected]
    with pytest.raises(ValueError, match="beam_size"):
        decoder.generate(z, 1, strategy="beam", beam_size=0)
    with pytest.raises(ValueError, match="length_penalty"):
        decoder.generate(z, 1, strategy="beam", length_penalty=float("nan"))


def test_mean_token_log_prob_is_the_lm_score_per_predicted_token_whatever_the_batch():
    lm = make("lstm_lm", decoder_dropout=0.5).eval()
    rows = [[4, 5, 6], [], [7, 4, 5, 6, 8, 9]]
    scores = mean_token_log_prob(lm.decoder, rows)
    with torch.no_grad():
        alone = [lm(sentences_batch([row])).item() / (len(row) + 1) for row in rows]
    assert scores == pytest.approx(alone, abs=1e-5)  # padding beside a row changes nothing
    assert mean_token_log_prob(lm.decoder, []) == []
    lm.train()
    assert mean_token_log_prob(lm.decoder, rows) == pytest.approx(scores, abs=1e-5)  # no dropout while scoring
    assert lm.training and lm.decoder.training  # and the caller's mode is restored


def test_fluency_model_reranks_beam_search_hypotheses():
    config, decoder = four_or_end_decoder()
    lm = make("lstm_lm").eval()
    with torch.no_grad():  # an LM for which ending is very unlikely: per token, the longer the better
        lm.decoder.output.weight.zero_()
        lm.decoder.output.bias.fill_(0.0)
        lm.decoder.output.bias[config.eos_id] = -30.0
    z = torch.zeros(1, config.latent_size)
    # The plain sum (penalty 0) ranks "<eos>" alone first; the search stops with "", "4" and
    # "4 4" finished (the best growing "4 4 4" scores under ""), and the LM prefers the longest.
    options = {"strategy": "beam", "beam_size": 2, "max_length": 6, "length_penalty": 0.0}
    assert decoder.generate(z, 1, **options) == [[]]
    assert decoder.generate(z, 1, **options, fluency_model=lm.decoder, fluency_weight=0.0) == [[]]
    assert decoder.generate(z, 1, **options, fluency_model=lm.decoder, fluency_weight=1.0) == [[4, 4]]
    with pytest.raises(ValueError, match="re-ranks beam search"):
        decoder.generate(z, 1, fluency_model=lm.decoder)
    with pytest.raises(ValueError, match="fluency_weight"):
        decoder.generate(z, 1, strategy="beam", fluency_model=lm.decoder, fluency_weight=-1.0)
    with pytest.raises(ValueError, match="share one vocabulary"):
        decoder.generate(z, 1, strategy="beam", fluency_model=make("lstm_lm", vocab_size=TINY["vocab_size"] + 1).decoder)
