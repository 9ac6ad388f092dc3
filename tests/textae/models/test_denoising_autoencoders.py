"""The sentence autoencoder: plain, and denoising (BERT-style corrupted encoder input, clean target)."""

from __future__ import annotations

import pytest
import torch

from tests.fitting import fit_one_batch
from tests.textae.models.sentence_helpers import ROWS, TINY, sentences_batch
from textae.models import SentenceAE, SentenceAEConfig
from textae.sentences import evaluate_sentences


def make(seed: int = 0, **overrides) -> SentenceAE:
    torch.manual_seed(seed)
    return SentenceAE(SentenceAEConfig(**{**TINY, **overrides}))


def encoder_inputs(model: SentenceAE, batch) -> list[torch.Tensor]:
    seen: list[torch.Tensor] = []
    handle = model.encoder.register_forward_pre_hook(lambda module, args: seen.append(args[0].tokens.clone()))
    model.loss(batch)
    handle.remove()
    return seen


def test_the_encoder_reads_a_corrupted_copy_in_training_and_the_clean_sentence_in_evaluation():
    rows = [[4 + (i * 7 + j) % 8 for j in range(30)] for i in range(40)] + [[5, 6]]
    batch = sentences_batch(rows)
    model = make(input_mask_rate=0.3).train()
    corrupted = encoder_inputs(model, batch)[0]
    padding = batch.tokens == 0
    changed = (corrupted != batch.tokens) & ~padding
    share = float(changed.sum()) / float((~padding).sum())
    assert 0.2 < share < 0.34  # 30% chosen, of which 10% kept and a few random draws hit the same word
    assert torch.equal(corrupted[padding], batch.tokens[padding])  # padding never touched
    assert int((corrupted == model.config.unk_id).sum()) > 0.6 * float(changed.sum())  # mostly the mask (<unk>)
    model.eval()
    assert torch.equal(encoder_inputs(model, batch)[0], batch.tokens)
    assert torch.equal(encoder_inputs(make(input_mask_rate=0.0).train(), batch)[0], batch.tokens)


def test_the_decoder_still_scores_the_clean_sentence():
    batch = sentences_batch(ROWS)
    model = make(input_mask_rate=0.5, decoder_dropout=0.0).train()
    torch.manual_seed(1)
    output = model(batch)
    clean = model.decoder.token_log_likelihood(batch, output.z)
    torch.testing.assert_close(output.log_likelihood, clean)


def test_the_plain_autoencoder_is_deterministic_and_reports_no_likelihood():
    batch = sentences_batch(ROWS)
    model = make(decoder_dropout=0.0).train()
    torch.testing.assert_close(model.loss(batch)["loss"], model.loss(batch)["loss"])  # no sampling anywhere
    codes, variance = model.encoder(batch)
    assert codes.shape == (4, TINY["latent_size"]) and variance is None
    report = evaluate_sentences(model, [batch], iw_samples=5)
    assert "nll" not in report and "kl" not in report
    assert {"reconstruction", "active_units", "recon_bleu"} <= set(report)


@pytest.mark.parametrize("rate", [0.0, 0.25])
def test_autoencoders_overfit_a_tiny_batch(rate):
    model = make(input_mask_rate=rate)
    batch = sentences_batch(ROWS)
    model.eval()
    first = float(model.loss(batch)["nll"])
    model.train()
    fit_one_batch(model, batch, steps=300, lr=0.03, step=10**6)
    model.eval()
    assert float(model.loss(batch)["nll"]) < 0.25 * first


def test_bad_mask_rate_is_refused():
    with pytest.raises(ValueError, match="input_mask_rate"):
        SentenceAEConfig(vocab_size=12, input_mask_rate=1.0)
