from __future__ import annotations

import pytest

from tests.fitting import fit_one_batch
from textae.corpora.text import block_spans, load_text_corpus, recurring_block_lines
from textae.sentences import build_sentence_vocab, collate_sentences, encode_sentences


def test_vocab_specials_and_the_corpus_own_unk():
    vocab = build_sentence_vocab([["the", "<unk>", "cat"], ["the", "dog"]])
    assert vocab.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert vocab.index("<unk>") == 1 and vocab.index("zebra") == 1
    assert encode_sentences([["the", "cat", "sat", "down"]], vocab, max_length=3) == [[4, vocab.index("cat"), 1]]


def test_collate_pads_and_keeps_lengths():
    batch = collate_sentences([[5, 6, 7], [], [8]])
    assert batch.tokens.tolist() == [[5, 6, 7], [0, 0, 0], [8, 0, 0]]
    assert batch.lengths.tolist() == [3, 0, 1]
    with pytest.raises(ValueError, match="empty"):
        collate_sentences([])


def test_text_corpus_reads_lines(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("The cat sat .\n\n  a dog  \n", encoding="utf-8")
    assert load_text_corpus(path) == [["The", "cat", "sat", "."], ["a", "dog"]]
    assert load_text_corpus(path, lowercase=True)[0][0] == "the"
    with pytest.raises(FileNotFoundError):
        load_text_corpus(tmp_path / "missing.txt")


def test_recurring_block_lines_are_a_box_reprinted_whole_not_a_sentence_repeated_in_prose():
    box = [["call", "money", "N"], ["prime", "rate", "N"], ["discount", "rate", "N"]]
    said = ["terms", "were", "n't", "disclosed"]
    text = [*box, ["a"], said, ["b"], *box, ["c"], ["d"], said, ["e"], *box, ["f"], said, ["g"]]
    assert recurring_block_lines(text) == {tuple(line) for line in box}  # `said` has other neighbours each time
    assert recurring_block_lines(text, min_count=4) == set()  # each line is seen 3 times
    # one printing broken after its first line: that line keeps the same neighbour in 2 of its
    # 3 printings, the two others in all 3
    broken = [*box[:1], ["x"], *box[1:], ["a"], *box, ["c"], *box, ["d"]]
    assert recurring_block_lines(broken) == {tuple(line) for line in box[1:]}
    assert recurring_block_lines(broken, min_share=0.6) == {tuple(line) for line in box}
    # the file's start and end are neighbours like any line: here each of x's is another one
    assert recurring_block_lines([["x"], ["y"], ["x"], ["z"], ["x"]]) == set()
    for bad in ({"min_count": 1}, {"min_count": 2.5}, {"min_count": True}, {"min_share": 0}, {"min_share": 1.5}):
        with pytest.raises(ValueError, match="min_count|min_share"):
            recurring_block_lines(text, **bad)


def test_block_spans_are_the_runs_of_words_only_the_boilerplate_holds():
    box = {("london", "interbank", "offered", "rates", "N"), ("call", "money", "N")}
    text = [["london", "interbank", "offered", "rates", "N"], ["call", "money", "N"],
            ["interbank", "offered", "rates", "rose"], ["money", "N", "is", "tight"]]
    assert block_spans(text, box, 3) == {("london", "interbank", "offered"), ("offered", "rates", "N"),
                                         ("call", "money", "N")}  # the prose holds the other runs
    assert block_spans(text, box, 5) == {("london", "interbank", "offered", "rates", "N")}  # call money is shorter
    assert block_spans(text, box, 6) == set() and block_spans(text, set(), 2) == set()
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="length must be an int >= 1"):
            block_spans(text, box, bad)


def test_evaluation_protocol_on_tiny_models():
    import math

    import torch

    from textae.models import MODELS
    from textae.sentences import evaluate_sentences

    rows = [[4, 5, 6], [7, 8], [9], [4, 4, 5, 6]]
    batches = [collate_sentences(rows[:2]), collate_sentences(rows[2:])]
    for name in ("sentence_vae", "lstm_lm"):
        torch.manual_seed(0)
        config_class, model_class = MODELS[name]
        model = model_class(config_class(vocab_size=10, embedding_size=6, hidden_size=8, latent_size=3))
        results = evaluate_sentences(model, batches, iw_samples=20)
        assert results["sentences"] == 4 and results["tokens"] == 10 + 4
        assert math.isclose(results["ppl"], math.exp(results["nll"] * 4 / 14), rel_tol=1e-6)
        if name == "sentence_vae":
            assert results["nll"] <= results["elbo_nll"] + 0.5  # the IW bound is (nearly always) tighter
            assert 0 <= results["active_units"] <= 3 and 0 <= results["recon_bleu"] <= 100
        else:
            model.eval()  # evaluate_sentences left it in training mode, as it found it
            exact = -sum(float(model(batch).sum().detach()) for batch in batches) / 4
            assert math.isclose(results["nll"], exact, rel_tol=1e-6)


def test_an_interrupted_evaluation_goes_on_from_its_progress_file_to_the_same_figures(tmp_path):
    import torch

    from textae.models import SentenceVAE, SentenceVAEConfig
    from textae.sentences import evaluate_sentences

    torch.manual_seed(0)
    model = SentenceVAE(SentenceVAEConfig(vocab_size=30, embedding_size=16, hidden_size=16, latent_size=4))
    sentences = [[int(t) for t in torch.randint(4, 30, (int(n),))] for n in torch.randint(1, 9, (20,))]
    batches = [collate_sentences(sentences[i : i + 4]) for i in range(0, 20, 4)]
    whole = evaluate_sentences(model, batches, iw_samples=7, seed=2)

    class Stopped(Exception):
        pass

    def stopping_after(count):
        yield from batches[:count]
        raise Stopped

    progress = tmp_path / "eval-test-progress.pt"
    with pytest.raises(Stopped):
        evaluate_sentences(model, stopping_after(3), iw_samples=7, seed=2, progress_file=progress, save_every=0)
    assert torch.load(progress, weights_only=True)["batches"] == 2  # saved before each batch
    with pytest.raises(ValueError, match="other settings"):
        evaluate_sentences(model, batches, iw_samples=8, seed=2, progress_file=progress)
    other = SentenceVAE(SentenceVAEConfig(vocab_size=30, embedding_size=16, hidden_size=16, latent_size=4))
    with pytest.raises(ValueError, match="another model"):
        evaluate_sentences(other, batches, iw_samples=7, seed=2, progress_file=progress)
    with pytest.raises(ValueError, match="other sentences"):
        evaluate_sentences(model, batches[::-1], iw_samples=7, seed=2, progress_file=progress)
    with pytest.raises(ValueError, match="more batches"):
        evaluate_sentences(model, batches[:1], iw_samples=7, seed=2, progress_file=progress)
    assert progress.is_file()  # refused, not consumed
    resumed = evaluate_sentences(model, batches, iw_samples=7, seed=2, progress_file=progress, save_every=0)
    assert not progress.exists()  # done: the progress file is gone
    assert resumed.pop("seconds_before_resume") > 0
    assert resumed == whole
    fresh = evaluate_sentences(model, batches, iw_samples=7, seed=2, progress_file=progress)
    assert fresh == whole and not progress.exists()


def test_importance_weighted_nll_under_bf16_autocast_stays_close_to_float32(monkeypatch):
    import torch

    monkeypatch.setattr("textae.train.native_bf16", lambda device: True)  # as on a CPU with native bfloat16

    from textae.models import SentenceVAE, SentenceVAEConfig
    from textae.sentences import collate_sentences, evaluate_sentences

    torch.manual_seed(0)
    model = SentenceVAE(SentenceVAEConfig(vocab_size=30, embedding_size=16, hidden_size=16, latent_size=4))
    sentences = [[int(t) for t in torch.randint(4, 30, (int(n),))] for n in torch.randint(1, 9, (12,))]
    batches = [collate_sentences(sentences[:6]), collate_sentences(sentences[6:])]
    exact = evaluate_sentences(model, batches, iw_samples=20, seed=3)
    fast = evaluate_sentences(model, batches, iw_samples=20, seed=3, iw_autocast="bf16")
    assert fast["nll"] == pytest.approx(exact["nll"], rel=0.01)
    assert fast["kl"] == exact["kl"]  # only the importance-weighted estimate runs under autocast
    with pytest.raises(ValueError, match="iw_autocast"):
        evaluate_sentences(model, batches, iw_autocast="fp16")


def test_importance_weighted_nll_without_native_bfloat16_warns_and_is_the_float32_figure(monkeypatch):
    import torch

    from textae.models import SentenceVAE, SentenceVAEConfig
    from textae.sentences import collate_sentences, evaluate_sentences
    from textae.train import Bf16FallbackWarning

    monkeypatch.setattr("textae.train.native_bf16", lambda device: False)
    torch.manual_seed(0)
    model = SentenceVAE(SentenceVAEConfig(vocab_size=30, embedding_size=16, hidden_size=16, latent_size=4))
    batches = [collate_sentences([[4, 5, 6], [7, 8], [9, 10, 11, 12]])]
    exact = evaluate_sentences(model, batches, iw_samples=5, seed=1)
    with pytest.warns(Bf16FallbackWarning, match="importance-weighted NLL"):
        fallback = evaluate_sentences(model, batches, iw_samples=5, seed=1, iw_autocast="bf16")
    assert fallback["nll"] == exact["nll"]


def test_next_word_accuracy_of_an_overfitted_language_model_is_perfect():
    import torch

    from textae.models import LSTMLanguageModel, SentenceVAEConfig
    from textae.sentences import collate_sentences, next_word_accuracy

    torch.manual_seed(0)
    model = LSTMLanguageModel(SentenceVAEConfig(vocab_size=12, embedding_size=8, hidden_size=16, decoder_dropout=0.0))
    batch = collate_sentences([[4, 5, 6, 7], [8, 9, 10]])
    before = next_word_accuracy(model, [batch])
    fit_one_batch(model, batch, steps=200, lr=0.05)
    after = next_word_accuracy(model, [batch])
    # only the first word is ambiguous (both sentences start from <bos>): one of 4 / 8 is missed
    assert after["word_acc"] == pytest.approx(100 * 6 / 7) and after["token_acc"] == pytest.approx(100 * 8 / 9)
    assert before["token_acc"] < after["token_acc"]


def test_latent_gaussian_sampling_and_lm_perplexity():
    import torch

    from textae.decoding import generate
    from textae.models import LSTMLanguageModel, SentenceAE, SentenceAEConfig
    from textae.sentences import (
        collate_sentences,
        language_model_perplexity,
        latent_gaussian,
        sample_sentences,
    )

    torch.manual_seed(0)
    config = SentenceAEConfig(vocab_size=12, embedding_size=8, hidden_size=16, latent_size=3, decoder_dropout=0.0)
    model = SentenceAE(config)
    batches = [collate_sentences([[4, 5, 6], [7, 8], [9, 10, 11, 4]]), collate_sentences([[5, 5], [6]])]
    mean, covariance = latent_gaussian(model, batches)
    codes = torch.cat([model.encoder(b)[0] for b in batches])
    torch.testing.assert_close(mean, codes.mean(0))
    assert covariance.shape == (3, 3) and torch.allclose(covariance, covariance.T)
    drawn = sample_sentences(model, 5, mean=mean, covariance=covariance, seed=1, max_length=6)
    assert len(drawn) == 5 and all(len(s) <= 6 and all(4 <= t < 12 or t == 1 for t in s) for s in drawn)
    assert drawn == sample_sentences(model, 5, mean=mean, covariance=covariance, seed=1, max_length=6)
    # Beam options reach generate(): the same codes decoded by beam search one by one.
    beamed = sample_sentences(model, 3, seed=2, max_length=6, strategy="beam", beam_size=3, length_penalty=0.0)
    z = torch.randn(3, 3, generator=torch.Generator().manual_seed(2))
    assert beamed == [generate(model.decoder, z[i : i + 1], 1, max_length=6, strategy="beam", beam_size=3,
                               length_penalty=0.0)[0] for i in range(3)]
    with pytest.raises(ValueError, match="beam_size"):
        sample_sentences(model, 2, strategy="beam", beam_size=0)
    lm = LSTMLanguageModel(config)
    sentences = [[4, 5, 6], [7, 8]]
    expected = -float(lm(collate_sentences(sentences)).detach().sum()) / 7  # 5 words + 2 <eos>
    assert language_model_perplexity(lm, sentences) == pytest.approx(float(torch.tensor(expected).exp()))


def test_a_negative_cut_and_a_str_sentence_are_refused():
    from textae.sentences import encode_user_words
    from textae.vocab import VocabError

    vocab = build_sentence_vocab([["the", "cat", "sat"]], min_freq=1)
    assert encode_sentences([["the", "cat", "sat"]], vocab, max_length=0) == encode_sentences([["the", "cat", "sat"]], vocab)
    with pytest.raises(ValueError, match="max_length must be >= 0"):  # -1 dropped each sentence's last word
        encode_sentences([["the", "cat", "sat"]], vocab, max_length=-1)
    with pytest.raises(VocabError, match="split it first"):
        encode_sentences(["the cat"], vocab)
    with pytest.raises(VocabError, match="split it first"):
        encode_user_words("the cat", vocab)


def test_models_and_evaluation_refuse_a_batch_or_model_of_the_wrong_kind():
    import torch

    from tests.textae.models.sentence_helpers import ROWS, make, sentences_batch
    from textae.models import RAE, RAEConfig
    from textae.sentences import evaluate_sentences
    from textae.trees import TreeBatch

    vae, rae = make("sentence_vae"), RAE(RAEConfig(vocab_size=8, hidden_size=4))
    with pytest.raises(TypeError, match="the recursive encoder reads a TreeBatch.*got SentenceBatch"):
        rae(sentences_batch(ROWS))
    with pytest.raises(TypeError, match="reads a SentenceBatch.*got TreeBatch"):
        vae(TreeBatch.__new__(TreeBatch))
    with pytest.raises(TypeError, match="scores a sentence_vae, sentence_ae or lstm_lm, got rae"):
        evaluate_sentences(rae, [sentences_batch(ROWS)])
    with pytest.raises(ValueError, match="iw_samples must be an int >= 1"):
        evaluate_sentences(vae, [sentences_batch(ROWS)], iw_samples=0)
    assert torch.isfinite(torch.tensor(evaluate_sentences(make("lstm_lm"), [sentences_batch(ROWS)])["nll"]))


@pytest.mark.parametrize("rows, error, message", [
    ([["the", "market"]], TypeError, "sentence 0: rows must hold int token ids (vocab.encode(words)"),
    (["the market"], TypeError, "sentence 0: rows must be lists of token ids (vocab.encode(words))"),
    ([[4, 5], [5.7, 6.2]], TypeError, "sentence 1: rows must hold int token ids"),
    ([[4, True]], TypeError, "got True"),
    ([[4, -3]], ValueError, "sentence 0: token ids are >= 0, got -3"),
    ([[[4, 5]]], TypeError, "got [4, 5]"),
])
def test_collate_refuses_rows_that_are_not_token_ids(rows, error, message):
    with pytest.raises(error) as raised:
        collate_sentences(rows)
    assert message in str(raised.value)


def test_collate_takes_tensor_and_numpy_rows_as_lists():
    import numpy as np
    import torch

    expected = collate_sentences([[4, 5, 6], [7]])
    assert expected.max_id == 7 and expected.to("cpu").max_id == 7  # models check it with no device sync
    for rows in ([torch.tensor([4, 5, 6]), torch.tensor([7])], [np.array([4, 5, 6]), np.array([7])]):
        batch = collate_sentences(rows)
        assert torch.equal(batch.tokens, expected.tokens) and torch.equal(batch.lengths, expected.lengths)
    with pytest.raises(TypeError, match="a tensor row must be 1-D integer ids"):
        collate_sentences([torch.tensor([4.0, 5.0])])


def test_ids_past_the_model_s_vocabulary_and_a_misbuilt_batch_are_named_not_an_index_error():
    import torch

    from textae.models import MODELS
    from textae.models.sentence_vae import SentenceBatch

    for name in ("sentence_vae", "lstm_lm", "sentence_ae"):
        config_class, model_class = MODELS[name]
        model = model_class(config_class(vocab_size=10, embedding_size=6, hidden_size=8, latent_size=3))
        with pytest.raises(ValueError, match=r"token ids must be between 0 and vocab_size - 1 \(9\), got 10000: "
                                             r"were the sentences encoded with this model's vocabulary"):
            model.loss(collate_sentences([[5, 10_000]]))
    model = MODELS["sentence_vae"][1](MODELS["sentence_vae"][0](vocab_size=10, embedding_size=6, hidden_size=8,
                                                                   latent_size=3))
    tokens = torch.tensor([[4, 5, 0], [6, 0, 0]])
    with pytest.raises(ValueError, match=r"holds \[B, T\] tokens and \[B\] lengths, got \(2, 3\) and \(1,\)"):
        model.encoder(SentenceBatch(tokens, torch.tensor([2])))
    with pytest.raises(ValueError, match="lengths must be between 0 and the batch's width 3"):
        model.encoder(SentenceBatch(tokens, torch.tensor([2, 4])))


def test_evaluation_leaves_the_model_s_mode_and_the_global_random_state_as_it_found_them():
    import torch

    from textae.models import MODELS
    from textae.sentences import evaluate_sentences

    torch.manual_seed(0)
    config_class, model_class = MODELS["sentence_vae"]
    model = model_class(config_class(vocab_size=10, embedding_size=6, hidden_size=8, latent_size=3))
    batches = [collate_sentences([[4, 5, 6], [7, 8]])]
    model.train()
    state = torch.get_rng_state()
    first = evaluate_sentences(model, batches, iw_samples=5)
    assert model.training and torch.equal(torch.get_rng_state(), state)
    assert evaluate_sentences(model, batches, iw_samples=5) == first  # its own seed: the same figures
    with pytest.raises(ValueError, match="bleu_sentences must be an int >= 1"):
        evaluate_sentences(model, batches, iw_samples=5, bleu_sentences=0)
    with pytest.raises(TypeError, match="an iterable of SentenceBatch .* got one SentenceBatch"):
        evaluate_sentences(model, batches[0], iw_samples=5)


def test_the_other_sentence_measures_leave_the_model_s_mode_as_they_found_it():
    import torch

    from textae.models import MODELS
    from textae.sentences import (
        language_model_perplexity,
        latent_gaussian,
        next_word_accuracy,
        sample_sentences,
    )

    config_class = MODELS["sentence_vae"][0]
    vae = MODELS["sentence_vae"][1](config_class(vocab_size=10, embedding_size=6, hidden_size=8, latent_size=3)).train()
    lm = MODELS["lstm_lm"][1](config_class(vocab_size=10, embedding_size=6, hidden_size=8, latent_size=3)).train()
    batches = [collate_sentences([[4, 5, 6], [7, 8]])]
    latent_gaussian(vae, batches)
    sample_sentences(vae, 2, max_length=4)
    next_word_accuracy(lm, batches)
    language_model_perplexity(lm, [[4, 5], [6]])
    assert vae.training and lm.training
    vae.eval()
    latent_gaussian(vae, batches)
    assert not vae.training
    assert torch.is_grad_enabled()


def test_latent_measures_refuse_what_they_cannot_measure():
    import torch

    from textae.corpora.mr import mr_folds
    from textae.metrics import active_units, mutual_information
    from textae.models import MODELS
    from textae.sentences import evaluate_sentences, sample_sentences

    with pytest.raises(ValueError, match="N >= 2 sentences, got shape \\(1, 3\\)"):
        active_units(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="mu and logvar of one shape"):
        mutual_information(torch.zeros(4, 3), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="mu and logvar of one shape, N >= 1"):
        mutual_information(torch.zeros(0, 3), torch.zeros(0, 3))
    with pytest.raises(ValueError, match="folds must be an int between 2 and the 4 examples, got 0"):
        mr_folds([0, 1, 0, 1], 0)
    config_class, model_class = MODELS["sentence_vae"]
    model = model_class(config_class(vocab_size=10, embedding_size=6, hidden_size=8, latent_size=3))
    with pytest.raises(ValueError, match="give both \\(see latent_gaussian\\) or neither"):
        sample_sentences(model, 2, mean=torch.zeros(3))
    with pytest.raises(ValueError, match="count must be an int >= 0, got -1"):
        sample_sentences(model, -1)
    with pytest.raises(ValueError, match="step must be an int >= 0"):
        model.loss(collate_sentences([[4, 5]]), step=-5)
    assert model.loss(collate_sentences([[4, 5]]), step=torch.tensor(3))["loss"].isfinite()  # a 0-d int tensor
    one = evaluate_sentences(model, [collate_sentences([[4, 5, 6]])], iw_samples=3)
    assert "active_units" not in one and one["sentences"] == 1  # one sentence: no variance to count
