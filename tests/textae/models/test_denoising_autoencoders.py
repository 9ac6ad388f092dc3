"""The sentence model's denoising (BERT-style corrupted encoder input) and deterministic-AE modes."""

from __future__ import annotations

import pytest
import torch

from tests.textae.models.test_sentence_models import ROWS, TINY, sentences_batch
from textae.models import SentenceVAE, SentenceVAEConfig
from textae.sentences import evaluate_sentences


def make(seed: int = 0, **overrides) -> SentenceVAE:
    torch.manual_seed(seed)
    return SentenceVAE(SentenceVAEConfig(**{**TINY, **overrides}))


def encoder_inputs(model: SentenceVAE, batch) -> list[torch.Tensor]:
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
    model = make(input_mask_rate=0.5, variational=False, decoder_dropout=0.0).train()
    torch.manual_seed(1)
    output = model(batch)
    clean = model.decoder.token_log_likelihood(batch, output.z)
    torch.testing.assert_close(output.log_likelihood, clean)


def test_a_deterministic_autoencoder_has_no_kl_and_z_is_the_mean():
    batch = sentences_batch(ROWS)
    model = make(variational=False).train()
    output = model(batch)
    assert torch.equal(output.z, output.mu) and float(output.kl.abs().sum()) == 0.0
    terms = model.loss(batch)
    assert float(terms["loss"].detach()) == pytest.approx(float(terms["nll"])) and float(terms["kl"]) == 0.0
    report = evaluate_sentences(model, [batch], iw_samples=5)
    assert "nll" not in report and "kl" not in report
    assert {"reconstruction", "active_units", "recon_bleu"} <= set(report)


@pytest.mark.parametrize("overrides", [{"variational": False}, {"variational": False, "input_mask_rate": 0.25},
                                       {"input_mask_rate": 0.25}])
def test_autoencoders_overfit_a_tiny_batch(overrides):
    model = make(kl_schedule="constant", **overrides)
    batch = sentences_batch(ROWS)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    model.eval()
    first = float(model.loss(batch)["nll"])
    model.train()
    for _ in range(300):
        optimizer.zero_grad()
        model.loss(batch, step=10**6)["loss"].backward()
        optimizer.step()
    model.eval()
    assert float(model.loss(batch)["nll"]) < 0.25 * first


def test_bad_mask_rate_is_refused():
    with pytest.raises(ValueError, match="input_mask_rate"):
        SentenceVAEConfig(vocab_size=12, input_mask_rate=1.0)
