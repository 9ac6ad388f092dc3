"""Sentences as tensors: vocabulary with <pad>/<unk>/<bos>/<eos>, encoding, padded batches.

Used by the sentence VAE, the LSTM language model and their scripts. Shape legend: B
sentences, T tokens.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from textae.decoding import generate
from textae.models.sentence_vae import SentenceBatch
from textae.train import bf16_autocast
from textae.vocab import Vocab, require_words

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")  # ids 0..3, as SentenceVAEConfig's defaults


def build_sentence_vocab(sentences: Iterable[Sequence[str]], *, min_freq: int = 1, max_size: int | None = None,
                         lowercase: bool = False) -> Vocab:
    """A vocabulary whose ids 0-3 are <pad>, <unk>, <bos>, <eos> (a corpus's own '<unk>' maps to ours)."""
    return Vocab.build(sentences, min_freq=min_freq, max_size=max_size, lowercase=lowercase, specials=SPECIALS)


def encode_sentences(sentences: Iterable[Sequence[str]], vocab: Vocab, max_length: int | None = None) -> list[list[int]]:
    """Token ids per sentence (each a sequence of words); sentences longer than ``max_length``
    are cut to it (``None`` or 0: kept whole; a negative value is a ``ValueError``)."""
    if max_length is not None and max_length < 0:
        raise ValueError(f"max_length must be >= 0 (0 or None: no cut), got {max_length}")
    encoded = [vocab.encode(sentence) for sentence in sentences]
    return [ids[:max_length] for ids in encoded] if max_length else encoded


def collate_sentences(rows: Sequence[Sequence[int]], pad_id: int = 0) -> SentenceBatch:
    """Pads token-id lists into a :class:`SentenceBatch` (``[B, T]`` tokens, ``[B]`` lengths)."""
    return SentenceBatch.from_rows(rows, pad_id)


SENTENCE_MODEL_TYPES = ("sentence_vae", "sentence_ae")  # an encoder to a code, a decoder from it


def keeps_mode(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorates a function of a model (its first argument) that puts it in eval mode: the
    model's train/eval mode is as it was when the function returns, so a call from a
    training callback does not leave training without its dropout."""

    @functools.wraps(function)
    def wrapper(model: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        was_training = model.training
        try:
            return function(model, *args, **kwargs)
        finally:
            model.train(was_training)

    return wrapper


def model_fingerprint(model: torch.nn.Module) -> str:
    """A SHA-1 of the model's parameters and buffers (names, shapes and values)."""
    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        digest.update(f"{name}{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def evaluate_sentences(model: torch.nn.Module, batches: Iterable[SentenceBatch], *, iw_samples: int = 500,
                       bleu_sentences: int = 1000, seed: int = 0, iw_autocast: str = "none",
                       progress_file: str | Path | None = None, save_every: float = 120.0) -> dict[str, float]:
    """The protocol of He et al. (2019) for a sentence VAE or an LSTM language model.

    It runs the model in eval mode under its own random state (``seed``) and leaves both as it
    found them: the model's train/eval mode and torch's global random state (so a call from a
    training callback changes neither the dropout nor the draws of the training that follows).

    Returns (per sentence unless said): ``nll`` (VAE: importance-weighted with ``iw_samples``
    draws; LM: exact), ``ppl`` = exp(total NLL / tokens incl. <eos>), and for a VAE also
    ``elbo_nll``, ``reconstruction`` (-E_q log p(x|z), one sample), ``kl``, ``mi`` (nats),
    ``active_units`` and ``recon_bleu`` (greedy reconstructions from the posterior means of
    the first ``bleu_sentences`` sentences, corpus BLEU x 100). A deterministic autoencoder
    (``SentenceAE``) defines no likelihood of x: it reports only ``reconstruction``
    (-log p(x|mu)), ``active_units`` and ``recon_bleu``. ``active_units`` needs two sentences
    or more (the variance of one has no meaning): with one it is left out.

    ``iw_autocast="bf16"`` runs only the importance-weighted estimate (500 decoder passes
    per sentence, nearly all of the cost) under bfloat16 autocast; log-softmax and the
    log-sum-exp stay in float32. Measure its effect against float32 on a subset before
    reporting figures from it (``benchmarks/sentence_vae.py`` does). On a device without native
    bfloat16 (:func:`textae.train.native_bf16`) it runs in float32, with a warning.

    ``progress_file`` makes a long evaluation (500 samples of a large model take hours on a
    CPU) resumable: every ``save_every`` seconds the sums so far, the batches done and the
    random state go there; a later call with the same model, batches and settings goes on
    from it, to the figures an uninterrupted run gives, and deletes it when done. The
    results then hold ``seconds_before_resume`` (the time the earlier calls spent).
    ``batches`` must come in the same order each time (an unshuffled loader).
    """
    if iw_autocast not in ("none", "bf16"):
        raise ValueError(f"iw_autocast must be 'none' or 'bf16', got {iw_autocast!r}")
    if getattr(model, "model_type", None) not in (*SENTENCE_MODEL_TYPES, "lstm_lm"):
        raise TypeError(f"evaluate_sentences() scores a sentence_vae, sentence_ae or lstm_lm, got "
                        f"{getattr(model, 'model_type', type(model).__name__)}")
    if isinstance(iw_samples, bool) or not isinstance(iw_samples, int) or iw_samples < 1:
        raise ValueError(f"iw_samples must be an int >= 1, got {iw_samples!r}")
    if isinstance(bleu_sentences, bool) or not isinstance(bleu_sentences, int) or bleu_sentences < 1:
        raise ValueError(f"bleu_sentences must be an int >= 1 (sentences reconstructed for BLEU), got {bleu_sentences!r}")
    if isinstance(batches, SentenceBatch):
        raise TypeError("batches must be an iterable of SentenceBatch (e.g. [batch] or a loader), got one SentenceBatch")
    device = next(model.parameters()).device
    was_training = model.training
    try:
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            model.eval()
            return _evaluate_sentences(model, batches, iw_samples=iw_samples, bleu_sentences=bleu_sentences, seed=seed,
                                       iw_autocast=iw_autocast, progress_file=progress_file, save_every=save_every)
    finally:
        model.train(was_training)


@torch.no_grad()
def _evaluate_sentences(model: torch.nn.Module, batches: Iterable[SentenceBatch], *, iw_samples: int,
                        bleu_sentences: int, seed: int, iw_autocast: str, progress_file: str | Path | None,
                        save_every: float) -> dict[str, float]:
    """:func:`evaluate_sentences` once its arguments are checked, the model in eval mode and the random state seeded."""
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

    from textae.metrics import active_units, mutual_information

    is_vae = hasattr(model, "encoder")
    variational = is_vae and not getattr(model, "deterministic", False)
    totals = {"nll": 0.0, "reconstruction": 0.0, "kl": 0.0}
    sentences = tokens = 0
    mus, logvars, references, hypotheses = [], [], [], []
    device = next(model.parameters()).device  # batches go where the model is
    bf16 = bf16_autocast(device, "importance-weighted NLL") if iw_autocast == "bf16" else contextlib.nullcontext()
    started, saved, done, before = time.perf_counter(), time.perf_counter(), 0, 0.0
    resumed: dict | None = None
    seen = hashlib.sha1()  # of the batches so far: a resumed evaluation must get the same ones
    if progress_file is not None:
        if device.type != "cpu":
            raise ValueError("progress_file resumes CPU evaluations only (it keeps the CPU random state)")
        progress_file = Path(progress_file)
        settings = {"iw_samples": iw_samples, "bleu_sentences": bleu_sentences, "seed": seed, "iw_autocast": iw_autocast,
                    "model": model_fingerprint(model)}
        if progress_file.is_file():
            state = torch.load(progress_file, weights_only=True)
            if state["settings"] != settings:
                raise ValueError(f"{progress_file} holds a partial evaluation of another model or with other settings "
                                 f"({state['settings']} here {settings}); delete it to start over")
            totals, sentences, tokens, done, before = (state["totals"], state["sentences"], state["tokens"],
                                                        state["batches"], state["seconds"])
            mus, logvars, references, hypotheses = state["mus"], state["logvars"], state["references"], state["hypotheses"]
            resumed = state
            print(f"evaluation: going on from {progress_file} ({done} batches, {sentences} sentences done)", flush=True)

    def save_progress(batches_done: int) -> None:
        state = {"settings": settings, "totals": totals, "sentences": sentences, "tokens": tokens,
                 "batches": batches_done, "seconds": before + time.perf_counter() - started,
                 "mus": [mu.cpu() for mu in mus], "logvars": [logvar.cpu() for logvar in logvars],
                 "references": references, "hypotheses": hypotheses, "rng": torch.get_rng_state(),
                 "data": seen.hexdigest()}
        partial = progress_file.with_name(progress_file.name + ".tmp")
        torch.save(state, partial)
        partial.replace(progress_file)  # never a half-written file

    for index, batch in enumerate(batches):
        if resumed is not None and index == done:
            if resumed.get("data", seen.hexdigest()) != seen.hexdigest():  # files from before the check have none
                raise ValueError(f"{progress_file} holds a partial evaluation of other sentences; delete it to start over")
            torch.set_rng_state(resumed["rng"])  # here: making the loader's iterator may have drawn from it
            resumed = None
        if index >= done and progress_file is not None and time.perf_counter() - saved >= save_every:
            save_progress(index)
            saved = time.perf_counter()
        seen.update(batch.tokens.cpu().numpy().tobytes() + batch.lengths.cpu().numpy().tobytes())
        if index < done:
            continue
        batch = batch.to(device)
        sentences += len(batch)
        tokens += int(batch.lengths.sum()) + len(batch)  # every sentence also predicts <eos>
        if not is_vae:
            totals["nll"] -= float(model(batch).sum())
            continue
        if variational:
            with bf16:
                log_likelihood = model.importance_weighted_log_likelihood(batch, samples=iw_samples)
            totals["nll"] -= float(log_likelihood.float().sum())
        mu, logvar = model.encoder(batch)  # an autoencoder's logvar is None: z is its code
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if variational else mu
        totals["reconstruction"] -= float(model.decoder.token_log_likelihood(batch, z).sum())
        mus.append(mu)
        if variational:
            totals["kl"] += float((0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)).sum())
            logvars.append(logvar)
        if len(references) < bleu_sentences:
            decoded = generate(model.decoder, mu, len(batch), max_length=int(batch.lengths.max()) + 10)
            for row, length, hypothesis in zip(batch.tokens.tolist(), batch.lengths.tolist(), decoded, strict=True):
                references.append([row[:length]])
                hypotheses.append(hypothesis)
    if resumed is not None:
        raise ValueError(f"{progress_file} holds a partial evaluation of more batches ({done}) than these; "
                         "delete it to start over")
    if sentences == 0:
        raise ValueError("evaluate_sentences() got no sentences")
    results = {"sentences": float(sentences), "tokens": float(tokens)}
    if before:
        results["seconds_before_resume"] = before
    if not is_vae or variational:  # a deterministic autoencoder defines no likelihood of x
        results.update(nll=totals["nll"] / sentences, ppl=float(torch.tensor(totals["nll"] / tokens).exp()))
    if is_vae and not variational:
        results.update(
            reconstruction=totals["reconstruction"] / sentences,
            recon_bleu=100.0 * corpus_bleu(references[:bleu_sentences], hypotheses[:bleu_sentences],
                                           smoothing_function=SmoothingFunction().method1),
        )
    elif is_vae:
        mu, logvar = torch.cat(mus), torch.cat(logvars)
        results.update(
            reconstruction=totals["reconstruction"] / sentences,
            kl=totals["kl"] / sentences,
            elbo_nll=(totals["reconstruction"] + totals["kl"]) / sentences,
            mi=mutual_information(mu, logvar, torch.Generator(device=mu.device).manual_seed(seed)),
            recon_bleu=100.0 * corpus_bleu(references[:bleu_sentences], hypotheses[:bleu_sentences],
                                           smoothing_function=SmoothingFunction().method1),
        )
    if is_vae and sentences >= 2:  # one sentence's means have no variance: no active-unit count
        results["active_units"] = float(active_units(torch.cat(mus)))
    if progress_file is not None:
        progress_file.unlink(missing_ok=True)
    return results


@keeps_mode
@torch.no_grad()
def next_word_accuracy(model: torch.nn.Module, batches: Iterable[SentenceBatch]) -> dict[str, float]:
    """Top-1 accuracy of a language model's next-token guesses, in percent: over the words
    (``word_acc``, the figure set beside a masked LM's accuracy) and over all predicted
    tokens including each sentence's <eos> (``token_acc``). For a VAE the decoder is run
    from the posterior mean."""
    model.eval()
    correct_words = words = correct_all = total = 0
    for batch in batches:
        z = model.encoder(batch)[0] if hasattr(model, "encoder") else None
        logits, targets, _ = model.decoder.logits_and_targets(batch, z)
        hits = logits.argmax(dim=-1) == targets  # [N]
        is_word = targets != model.config.eos_id
        correct_all += int(hits.sum())
        total += len(targets)
        correct_words += int((hits & is_word).sum())
        words += int(is_word.sum())
    if total == 0:
        raise ValueError("next_word_accuracy() got no tokens")
    return {"word_acc": 100.0 * correct_words / max(words, 1), "token_acc": 100.0 * correct_all / total}


@keeps_mode
@torch.no_grad()
def latent_gaussian(model: torch.nn.Module, batches: Iterable[SentenceBatch]) -> tuple[Tensor, Tensor]:
    """Mean ``[Z]`` and covariance ``[Z, Z]`` of the posterior means over ``batches``.

    A deterministic autoencoder has no prior to sample from; a Gaussian fitted to its
    training codes is the usual stand-in (Ghosh et al. 2020's ex-post density estimation),
    so its "prior samples" can be compared with a VAE's.
    """
    model.eval()
    codes = torch.cat([model.encoder(batch)[0] for batch in batches])  # [N, Z]
    if len(codes) < 2:
        raise ValueError("latent_gaussian() needs at least two sentences")
    return codes.mean(dim=0), torch.cov(codes.T).reshape(codes.shape[1], codes.shape[1])


def gaussian_draws(noise: Tensor, mean: Tensor, covariance: Tensor) -> Tensor:
    """Standard-normal ``noise [N, Z]`` mapped to draws of N(mean, covariance) (Cholesky
    factor, with a 1e-6 jitter on the diagonal for covariances that are nearly singular)."""
    jitter = 1e-6 * torch.eye(len(mean), dtype=torch.float64)
    return mean + noise @ torch.linalg.cholesky(covariance.double() + jitter).float().T


@keeps_mode
@torch.no_grad()
def sample_sentences(model: torch.nn.Module, count: int, *, mean: Tensor | None = None, covariance: Tensor | None = None,
                     seed: int = 0, max_length: int = 40, **decoding: Any) -> list[list[int]]:
    """Sentences decoded from ``count`` draws of z: from N(0, I) (a VAE's prior) or from
    N(mean, covariance) (see :func:`latent_gaussian`); ``decoding`` (``strategy``,
    ``temperature``, ``beam_size``, ``length_penalty``, ``ban_unk``, ``no_repeat_ngram``)
    goes to :func:`textae.decoding.generate` as it is."""
    if (mean is None) != (covariance is None):
        raise ValueError("sample_sentences() draws from N(mean, covariance): give both (see latent_gaussian) or "
                         "neither (the prior N(0, I))")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be an int >= 0, got {count!r}")
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(count, model.config.latent_size, generator=generator)  # [count, Z]
    z = gaussian_draws(noise, mean, covariance) if mean is not None else noise
    torch.manual_seed(seed)  # for strategy="sample"
    return generate(model.decoder, z, count, max_length=max_length, **decoding)


@keeps_mode
@torch.no_grad()
def language_model_perplexity(lm: torch.nn.Module, sentences: Sequence[Sequence[int]], batch_size: int = 256) -> float:
    """exp(total NLL / tokens incl. <eos>) of id sentences under an LSTM language model;
    the generation-quality measure of Shen et al. (2020) for samples of an autoencoder."""
    lm.eval()
    nll, tokens = 0.0, 0
    for start in range(0, len(sentences), batch_size):
        batch = collate_sentences(list(sentences[start : start + batch_size]))
        nll -= float(lm(batch).sum())
        tokens += int(batch.lengths.sum()) + len(batch)
    if tokens == 0:
        raise ValueError("language_model_perplexity() got no sentences")
    return float(torch.tensor(nll / tokens).exp())


def encode_user_words(words: Sequence[str], vocab: Vocab) -> list[int]:
    """Ids of words a user typed: a word the vocabulary lacks is tried lower-cased (PTB's
    vocabulary is lower-case) before it maps to <unk>."""
    require_words(words, "encode_user_words()'s input")
    return [vocab.index(word) if word in vocab or word.lower() not in vocab else vocab.index(word.lower())
            for word in words]
