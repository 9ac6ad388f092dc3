"""The WordPiece tokenizer, the BERT masked LM's contract and its Hugging Face files, at a tiny size."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from tests.textae.text_helpers import random_lexicon, random_sentences
from textae.mlm import (
    SPECIAL_TOKENS,
    MLMCollator,
    continuation_table,
    encode_for_mlm,
    load_tokenizer,
    masked_lm_scores,
    report_masking,
    train_wordpiece_tokenizer,
    unigram_counts,
    unigram_scores,
)
from textae.models.bert_mlm import BertMaskedLM, BertMLMConfig, MLMBatch, eval_corruption
from textae.models.masked_denoising import IGNORE_INDEX
from textae.serialization import CheckpointError
from textae.train import evaluate, make_loader

TINY = dict(hidden_size=16, num_layers=2, num_heads=2, intermediate_size=32, max_position_embeddings=32)


@pytest.fixture(scope="module")
def corpus():
    lexicon = random_lexicon(7, size=300)
    sentences = random_sentences(8, 200, lexicon, min_words=2, max_words=12)
    sentences = [words + ["<unk>"] if index % 3 == 0 else words for index, words in enumerate(sentences)]
    tokenizer = train_wordpiece_tokenizer(sentences, 150, min_frequency=1, pre_tokenizer="bert",
                                          unsplit_words=["<unk>"], max_length=32)
    collate = MLMCollator(tokenizer.pad_token_id, continuation_table(tokenizer))
    return sentences, tokenizer, collate, encode_for_mlm(tokenizer, sentences, 32)


def make(tokenizer, seed: int = 0, **overrides) -> BertMaskedLM:
    torch.manual_seed(seed)
    return BertMaskedLM(BertMLMConfig(vocab_size=len(tokenizer), **{**TINY, **overrides}))


# ---------------------------------------------------------------- tokenizer


def test_tokenizer_specials_pieces_and_offline_round_trip(corpus, tmp_path):
    sentences, tokenizer, _, encoded = corpus
    assert tokenizer.convert_ids_to_tokens(list(range(5))) == list(SPECIAL_TOKENS)
    assert (tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.mask_token_id) == (0, 2, 3, 4)
    pieces = tokenizer.convert_ids_to_tokens(encoded[0])
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"
    assert "<unk>" in pieces and tokenizer.unk_token_id not in encoded[0]  # PTB's <unk> stays one ordinary word
    assert any(piece.startswith("##") for row in encoded for piece in tokenizer.convert_ids_to_tokens(row))
    assert tokenizer.decode(encoded[0], skip_special_tokens=True) == " ".join(sentences[0])
    tokenizer.save_pretrained(tmp_path)
    loaded = load_tokenizer(tmp_path)  # AutoTokenizer, local files only
    assert encode_for_mlm(loaded, sentences, 32) == encoded
    assert loaded.all_special_ids == tokenizer.all_special_ids and loaded.mask_token == "[MASK]"
    assert encode_for_mlm(tokenizer, [["w"] * 100], 32)[0][-1] == tokenizer.sep_token_id  # cut, [SEP] kept
    assert len(encode_for_mlm(tokenizer, [["w"] * 100], 32)[0]) == 32


def test_collate_pads_and_marks_word_starts(corpus):
    _, tokenizer, collate, encoded = corpus
    batch = collate(encoded[:3])
    lengths = [len(row) for row in encoded[:3]]
    assert batch.input_ids.shape == (3, max(lengths)) and len(batch) == 3
    assert batch.attention_mask.sum(dim=1).tolist() == lengths
    assert bool((batch.input_ids[batch.attention_mask == 0] == tokenizer.pad_token_id).all())
    for row, ids in enumerate(encoded[:3]):
        pieces = tokenizer.convert_ids_to_tokens(ids)
        assert batch.word_starts[row, : len(ids)].tolist() == [not piece.startswith("##") for piece in pieces]


def test_bad_tokenizer_settings(corpus):
    sentences = corpus[0]
    with pytest.raises(ValueError, match="pre_tokenizer"):
        train_wordpiece_tokenizer(sentences, 100, pre_tokenizer="spaces")
    with pytest.raises(ValueError, match="exceed"):
        train_wordpiece_tokenizer(sentences, 5)
    with pytest.raises(ValueError, match="num_heads"):
        BertMLMConfig(vocab_size=100, hidden_size=10, num_heads=3)


# ---------------------------------------------------------------- the model contract


@pytest.mark.parametrize("size", [1, 3])
def test_shapes_and_loss_terms(corpus, size):
    _, tokenizer, collate, encoded = corpus
    batch = collate(encoded[:size])
    model = make(tokenizer, select_rate=0.5)
    assert model(batch).shape == (size, batch.input_ids.shape[1], len(tokenizer))
    torch.manual_seed(1)
    terms = model.loss(batch, 0)
    assert terms["loss"].shape == () and math.isfinite(float(terms["loss"].detach()))
    assert all(not value.requires_grad for key, value in terms.items() if key != "loss")
    model.eval()
    correct, total = model.eval_counts(batch)["masked_acc"]
    assert 0 <= correct <= total == int(model.loss(batch)["num_items"]) > 0


def test_batched_logits_equal_per_item(corpus):
    _, tokenizer, collate, encoded = corpus
    model = make(tokenizer).eval()
    batch = collate(encoded[:4])
    logits = model(batch)
    for row, ids in enumerate(encoded[:4]):
        single = model(collate([ids]))[0]
        torch.testing.assert_close(logits[row, : len(ids)], single, atol=1e-5, rtol=1e-5)


def test_every_parameter_gets_a_gradient_and_a_step_changes_weights(corpus):
    _, tokenizer, collate, encoded = corpus
    model = make(tokenizer, select_rate=0.5)
    batch = collate(encoded[:8])
    model.loss(batch)["loss"].backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and float(parameter.grad.abs().sum()) > 0, name
    before = copy.deepcopy(model.state_dict())
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    decayed, plain = model.optim_groups()
    assert len(decayed["params"]) + len(plain["params"]) == len(list(model.parameters()))
    assert plain["weight_decay"] == 0.0 and all(p.dim() == 1 for p in plain["params"])


def test_training_corruption_is_fresh_and_seeded_evaluation_corruption_is_fixed(corpus):
    _, tokenizer, collate, encoded = corpus
    model = make(tokenizer)
    batch = collate(encoded[:16])
    torch.manual_seed(5)
    first = model.loss(batch)["loss"]
    torch.manual_seed(5)
    assert torch.equal(model.loss(batch)["loss"], first)  # same seed, same loss
    assert not torch.equal(model.corrupt(batch)[1], model.corrupt(batch)[1])  # fresh masks every step
    model.eval()
    assert torch.equal(model.corrupt(batch)[1], model.corrupt(batch)[1])
    # The fixed corruption depends on the batch's contents, not on its position in the loader.
    reordered = collate(encoded[16:32])
    labels = eval_corruption(batch, model.config.masking(), seed=0)[1]
    eval_corruption(reordered, model.config.masking(), seed=0)
    assert torch.equal(eval_corruption(batch, model.config.masking(), seed=0)[1], labels)
    assert not torch.equal(eval_corruption(batch, model.config.masking(), seed=1)[1], labels)


def test_whole_word_training_chooses_whole_words(corpus):
    _, tokenizer, collate, encoded = corpus
    model = make(tokenizer, whole_word=True, select_rate=0.5)
    batch = collate(encoded[:32])
    _, labels = model.corrupt(batch)
    chosen = (labels != IGNORE_INDEX).tolist()
    for row, starts in enumerate(batch.word_starts.tolist()):
        for position in range(1, len(starts)):
            if not starts[position]:  # a continuation is chosen exactly when its word start is
                assert chosen[row][position] == chosen[row][position - 1]
    assert math.isfinite(float(model.loss(batch)["loss"].detach()))


def test_overfitting_a_tiny_batch_raises_masked_accuracy(corpus):
    _, tokenizer, collate, encoded = corpus
    model = make(tokenizer, dropout=0.0, attention_dropout=0.0, hidden_size=32, intermediate_size=64)
    batch = collate(encoded[:8])
    model.eval()
    correct, total = model.eval_counts(batch)["masked_acc"]
    before = correct / total
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    torch.manual_seed(0)
    for step in range(300):
        optimizer.zero_grad()
        model.loss(batch, step)["loss"].backward()
        optimizer.step()
    model.eval()
    correct, total = model.eval_counts(batch)["masked_acc"]
    assert correct / total > max(0.6, before + 0.4), (before, correct / total)


# ---------------------------------------------------------------- files and figures


def test_hugging_face_files_load_offline_and_give_the_same_logits(corpus, tmp_path):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    sentences, tokenizer, collate, encoded = corpus
    model = make(tokenizer).eval()
    model.save_pretrained(tmp_path, tokenizer=tokenizer)
    their_model = AutoModelForMaskedLM.from_pretrained(tmp_path, local_files_only=True).eval()
    their_tokenizer = AutoTokenizer.from_pretrained(tmp_path, local_files_only=True)
    inputs = their_tokenizer([" ".join(words) for words in sentences[:5]], padding=True, truncation=True,
                             max_length=32, return_tensors="pt")
    batch = collate(encoded[:5])
    assert torch.equal(inputs["input_ids"], batch.input_ids)
    with torch.no_grad():
        torch.testing.assert_close(their_model(**inputs).logits, model(batch), atol=0, rtol=0)
        masked = inputs["input_ids"].clone()
        masked[:, 1] = their_tokenizer.mask_token_id
        torch.testing.assert_close(their_model(input_ids=masked, attention_mask=inputs["attention_mask"]).logits,
                                   model(batch, masked), atol=0, rtol=0)
    loaded = BertMaskedLM.from_pretrained(tmp_path)
    assert loaded.training and loaded.config == model.config
    loader = make_loader(encoded[:40], 8, collate)
    assert evaluate(loaded, loader) == evaluate(model, loader)
    (tmp_path / "textae_mlm.json").unlink()
    with pytest.raises(CheckpointError, match="textae_mlm.json"):
        BertMaskedLM.from_pretrained(tmp_path)


def test_masked_scores_agree_with_evaluate_and_repeat(corpus):
    _, tokenizer, collate, encoded = corpus
    model = make(tokenizer)
    loader = make_loader(encoded, 16, collate)
    scores = masked_lm_scores(model, loader, seed=0)
    assert model.training  # put back in its mode
    assert scores == masked_lm_scores(model, list(loader)[::-1], seed=0)  # batch order does not matter
    dev = evaluate(model, loader)  # the model's own corruption is the reported one here
    assert scores["masked_acc"] == pytest.approx(dev["masked_acc"])
    assert math.log(scores["masked_ppl"]) == pytest.approx(dev["loss"], rel=1e-5)
    assert scores["masked_tokens"] > 0.1 * sum(len(row) - 2 for row in encoded)
    assert masked_lm_scores(model, loader, seed=1) != scores


def test_unigram_baseline_predicts_the_most_frequent_ordinary_piece(corpus):
    _, tokenizer, collate, encoded = corpus
    counts = unigram_counts(encoded, len(tokenizer))
    assert int(counts[tokenizer.cls_token_id]) == len(encoded)
    batches = [collate(encoded[i : i + 16]) for i in range(0, len(encoded), 16)]
    masking = report_masking(make(tokenizer))
    scores = unigram_scores(counts, batches, masking, seed=0)
    best = int(scores["unigram_token_id"])
    ordinary = counts.clone()
    ordinary[:5] = -1
    assert best == int(ordinary.argmax()) and best >= 5  # [CLS] and [SEP] are the most frequent, never targets
    targets = torch.cat([labels[labels != IGNORE_INDEX] for labels in
                         (eval_corruption(batch, masking, 0)[1] for batch in batches)])
    assert scores["unigram_masked_acc"] == pytest.approx(100.0 * float((targets == best).float().mean()))
    assert 1.0 < scores["unigram_masked_ppl"] < len(tokenizer)


def test_an_empty_choice_gives_a_zero_loss_not_nan(corpus):
    _, tokenizer, _, _ = corpus
    model = make(tokenizer)
    ids = torch.tensor([[2, 3]])  # [CLS] [SEP]: nothing to choose
    batch = MLMBatch(ids, torch.ones_like(ids), torch.ones_like(ids, dtype=torch.bool))
    terms = model.loss(batch)
    assert float(terms["loss"].detach()) == 0.0 and int(terms["num_items"]) == 0
    terms["loss"].backward()
