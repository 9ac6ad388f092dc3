"""Masked language modelling on any sentences: a WordPiece tokenizer trained on the training
text, batches of pieces, and the figures a report gives (masked accuracy and perplexity, and a
unigram baseline scored on the same masked positions).

Sequences are ``[CLS] pieces [SEP]``; a sentence longer than ``max_length`` pieces (both
specials included) is cut to its first ``max_length - 2`` pieces (a word may lose its last
pieces). Used with ``textae.models.bert_mlm`` and ``scripts/train_mlm.py``. Nothing is
downloaded: the tokenizer is trained here and saved beside the model.

Shape legend: B sentences, T pieces (padded), V vocabulary.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from textae.models.bert_mlm import BertMaskedLM, MLMBatch, eval_corruption
from textae.models.masked_denoising import IGNORE_INDEX, MaskingConfig

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # ids 0..4, as BertMLMConfig's defaults
CONTINUATION_PREFIX = "##"
PRE_TOKENIZERS = ("whitespace", "bert")


def train_wordpiece_tokenizer(
    sentences: Iterable[Sequence[str] | str],
    vocab_size: int,
    *,
    min_frequency: int = 2,
    lowercase: bool = False,
    pre_tokenizer: str = "whitespace",
    unsplit_words: Sequence[str] = (),
    max_length: int = 128,
) -> Any:
    """Trains a WordPiece vocabulary on ``sentences`` and wraps it for transformers.

    Args:
        sentences: token lists (joined with spaces) or strings.
        vocab_size: the vocabulary size asked of the trainer, specials included (``unsplit_words``
            not already in it come on top).
        min_frequency: pieces seen fewer times are not merged into the vocabulary.
        lowercase: lower-case (and strip accents) before splitting.
        pre_tokenizer: ``"whitespace"`` splits words on whitespace only (pre-tokenized text such
            as PTB's, where ``n't`` or ``<unk>`` is a word); ``"bert"`` also splits off every
            punctuation character, as BERT does for raw text.
        unsplit_words: words kept whole, matched before normalisation and splitting (PTB's
            ``<unk>``, which ``"bert"`` would cut into ``< unk >``); ordinary tokens, not specials.
        max_length: the tokenizer's ``model_max_length``.

    Returns:
        A ``transformers.PreTrainedTokenizerFast`` with [PAD] [UNK] [CLS] [SEP] [MASK] as ids
        0-4 and a ``[CLS] $A [SEP]`` template; ``save_pretrained(dir)`` then
        ``AutoTokenizer.from_pretrained(dir)`` gives it back offline.
    """
    from tokenizers import (
        AddedToken,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    if pre_tokenizer not in PRE_TOKENIZERS:
        raise ValueError(f"pre_tokenizer must be one of {PRE_TOKENIZERS}, got {pre_tokenizer!r}")
    if vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must exceed the {len(SPECIAL_TOKENS)} special tokens, got {vocab_size}")
    texts = [sentence if isinstance(sentence, str) else " ".join(sentence) for sentence in sentences]
    if not any(text.strip() for text in texts):
        raise ValueError("cannot train a tokenizer on no text")
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix=CONTINUATION_PREFIX))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    tokenizer.pre_tokenizer = (pre_tokenizers.WhitespaceSplit() if pre_tokenizer == "whitespace"
                               else pre_tokenizers.BertPreTokenizer())
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=list(SPECIAL_TOKENS), continuing_subword_prefix=CONTINUATION_PREFIX)
    tokenizer.train_from_iterator(texts, trainer, length=len(texts))
    if unsplit_words:
        tokenizer.add_tokens([AddedToken(word, single_word=True, normalized=False) for word in unsplit_words])
    ids = [tokenizer.token_to_id(token) for token in SPECIAL_TOKENS]
    if ids != list(range(len(SPECIAL_TOKENS))):
        raise RuntimeError(f"the trainer gave the special tokens ids {ids}, expected 0-4")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tokenizer.decoder = decoders.WordPiece(prefix=CONTINUATION_PREFIX)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=max_length,
    )


def load_tokenizer(directory: str | os.PathLike) -> Any:
    """The tokenizer saved in ``directory`` (offline)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory), local_files_only=True)


def encode_for_mlm(tokenizer: Any, sentences: Sequence[Sequence[str] | str], max_length: int) -> list[list[int]]:
    """``[CLS] pieces [SEP]`` ids per sentence, cut to ``max_length`` ids (specials included)."""
    if max_length < 3:
        raise ValueError(f"max_length must leave room for [CLS], a piece and [SEP], got {max_length}")
    texts = [sentence if isinstance(sentence, str) else " ".join(sentence) for sentence in sentences]
    if not texts:
        return []
    return tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]


def continuation_table(tokenizer: Any) -> Tensor:
    """``[V]`` bool, True for the ids of WordPiece continuation pieces (``##...``)."""
    table = torch.zeros(len(tokenizer), dtype=torch.bool)
    for token, index in tokenizer.get_vocab().items():
        table[index] = token.startswith(CONTINUATION_PREFIX) and len(token) > len(CONTINUATION_PREFIX)
    return table


@dataclass
class MLMCollator:
    """Pads id lists into an :class:`MLMBatch` (a ``collate_fn`` for ``make_loader``)."""

    pad_id: int
    is_continuation: Tensor  # [V] bool, from continuation_table

    def __call__(self, rows: Sequence[Sequence[int]]) -> MLMBatch:
        if len(rows) == 0:
            raise ValueError("cannot collate an empty list of sentences")
        width = max(1, max(len(row) for row in rows))
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)  # [B, T]
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)  # [B, T]
        for index, row in enumerate(rows):
            input_ids[index, : len(row)] = torch.tensor(row, dtype=torch.long)
            attention_mask[index, : len(row)] = 1
        word_starts = ~self.is_continuation[input_ids]  # [B, T]
        return MLMBatch(input_ids, attention_mask, word_starts)


def report_masking(model: BertMaskedLM) -> MaskingConfig:
    """The corruption reported figures use: BERT's 15% Bernoulli choice, 80/10/10, token level."""
    config = model.config
    return MaskingConfig(mask_id=config.mask_id, vocab_size=config.vocab_size,
                         special_ids=(config.pad_id, config.unk_id, config.cls_id, config.sep_id))


@torch.no_grad()
def masked_lm_scores(model: BertMaskedLM, batches: Iterable[MLMBatch], seed: int = 0,
                     masking: MaskingConfig | None = None, device: torch.device | str | None = None) -> dict[str, float]:
    """Masked-token accuracy (%) and perplexity under a fixed corruption.

    Every batch is corrupted by ``eval_corruption(batch, masking, seed)`` (default masking:
    :func:`report_masking`), so the figures repeat exactly. The 10% of chosen positions left
    unchanged and the 10% given a random piece count as BERT counts them: all chosen positions
    are predicted.

    Returns:
        ``masked_acc`` (% of chosen positions whose arg-max is the original piece),
        ``masked_ppl`` = exp(mean cross-entropy over chosen positions), ``masked_tokens``.
    """
    masking = masking or report_masking(model)
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    correct, total, nll = 0, 0, 0.0
    for batch in batches:
        batch = batch.to(device)
        corrupted, labels = eval_corruption(batch, masking, seed)
        logits, targets = model.masked_logits(batch, corrupted, labels)  # [N, V], [N]
        correct += int((logits.argmax(dim=-1) == targets).sum())
        total += len(targets)
        nll += float(torch.nn.functional.cross_entropy(logits.float(), targets, reduction="sum"))
    model.train(was_training)
    if total == 0:
        raise ValueError("masked_lm_scores() chose no positions: no batches, or no ordinary pieces")
    return {"masked_acc": 100.0 * correct / total, "masked_ppl": math.exp(nll / total), "masked_tokens": float(total)}


def unigram_counts(rows: Iterable[Sequence[int]], vocab_size: int) -> Tensor:
    """``[V]`` how often each id occurs in ``rows`` (the training pieces)."""
    counts = torch.zeros(vocab_size, dtype=torch.long)
    for row in rows:
        counts += torch.bincount(torch.tensor(row, dtype=torch.long), minlength=vocab_size)
    return counts


def unigram_scores(counts: Tensor, batches: Iterable[MLMBatch], masking: MaskingConfig, seed: int = 0) -> dict[str, float]:
    """The context-free baseline, on the positions :func:`masked_lm_scores` chose with ``seed``.

    It always predicts the most frequent ordinary training piece (specials and [MASK] are never
    targets, so they are left out), whatever the input; its perplexity uses the add-one
    smoothed unigram distribution over the ordinary pieces.

    Returns:
        ``unigram_masked_acc`` (%), ``unigram_masked_ppl`` and ``unigram_token_id``.
    """
    ordinary = torch.ones(len(counts), dtype=torch.bool)
    ordinary[list(masking.special_ids) + [masking.mask_id]] = False
    smoothed = (counts.double() + 1.0) * ordinary  # [V]
    log_probability = (smoothed / smoothed.sum()).log()  # [V], -inf on specials
    best = int(torch.where(ordinary, counts, torch.full_like(counts, -1)).argmax())
    correct, total, nll = 0, 0, 0.0
    for batch in batches:
        batch = batch.to("cpu")
        _, labels = eval_corruption(batch, masking, seed)
        targets = labels[labels != IGNORE_INDEX]  # [N]
        correct += int((targets == best).sum())
        total += len(targets)
        nll -= float(log_probability[targets].sum())
    if total == 0:
        raise ValueError("unigram_scores() chose no positions")
    return {"unigram_masked_acc": 100.0 * correct / total, "unigram_masked_ppl": math.exp(nll / total),
            "unigram_token_id": float(best)}
