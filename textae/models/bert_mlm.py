"""A small BERT trained with the masked-language-model objective alone (Devlin et al. 2019).

    x~      = corrupt(x)                  (mask_tokens: 15% chosen; 80% [MASK], 10% random, 10% kept)
    h       = Transformer_encoder(x~)     (transformers.BertModel, post-LayerNorm, GELU)
    p(x_i)  = softmax(W_e^T LN(gelu(W_t h_i)) + b)   for the chosen positions i
    loss    = -mean_i log p(x_i)

Equation -> code: the encoder and the tied output layer (``W_e`` = the word embeddings) are
``transformers.BertForMaskedLM`` (``self.bert``), built from a ``BertConfig`` so nothing is
downloaded; corrupt = ``masked_denoising.mask_tokens``, textae's own corruption, so the
objective is the one tested to the statistic there. No next-sentence objective: sequences
are single sentences, ``[CLS] pieces [SEP]``.

Corruption: fresh in training (from torch's global RNG, which ``fit`` checkpoints, so a
resumed run draws the same masks). In evaluation it is a function of the batch's contents
and ``eval_seed`` only (``eval_corruption``), so dev/test figures repeat exactly and do not
depend on batch order; ``loss`` and ``eval_counts`` score the same positions.

Speed: the output layer (hidden x vocabulary) runs only at the chosen positions (about 15%
of the tokens), not over the whole padded batch.

Loss reduction: mean cross-entropy over the chosen positions of the batch (``num_items`` =
their number, so ``evaluate`` averages per masked token).

Files (``save_pretrained``): Hugging Face's own ``config.json`` + ``model.safetensors``
(``AutoModelForMaskedLM.from_pretrained(dir)`` loads them), the tokenizer's
``tokenizer.json`` + ``tokenizer_config.json`` (``AutoTokenizer.from_pretrained(dir)``),
and ``textae_mlm.json`` with this file's config (the corruption settings). Because
``config.json`` is Hugging Face's, the model is not listed in ``textae.models.MODELS``
(whose loader reads textae's ``config.json``); load it with ``BertMaskedLM.from_pretrained``.

Shape legend: B sentences, T pieces (padded), N chosen positions, D hidden, V vocabulary.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textae.models.masked_denoising import IGNORE_INDEX, MaskingConfig, mask_tokens
from textae.serialization import CheckpointError, check_field_types

TEXTAE_CONFIG_FILE = "textae_mlm.json"
FORMAT = "textae.bert_mlm/1"


@dataclass(frozen=True)
class BertMLMConfig:
    vocab_size: int
    pad_id: int = 0  # the ids train_wordpiece_tokenizer gives [PAD] [UNK] [CLS] [SEP] [MASK]
    unk_id: int = 1
    cls_id: int = 2
    sep_id: int = 3
    mask_id: int = 4
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 1024
    max_position_embeddings: int = 128  # the longest sequence, [CLS] and [SEP] included
    dropout: float = 0.1  # on embeddings and sub-layer outputs
    attention_dropout: float = 0.1
    weight_decay: float = 0.01  # AdamW decay on weight matrices (not biases, LayerNorms)
    select_rate: float = 0.15
    mask_fraction: float = 0.8
    random_fraction: float = 0.1
    convention: str = "bernoulli"  # bernoulli | exact (see masked_denoising)
    whole_word: bool = False  # choose whole words (batches carry word_starts)
    eval_seed: int = 0  # the fixed corruption of dev/test batches

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "hidden_size": "width of the Transformer (a multiple of --num-heads)",
        "num_layers": "Transformer encoder layers",
        "num_heads": "attention heads per layer",
        "intermediate_size": "width of each layer's feed-forward block",
        "max_position_embeddings": "longest sequence the model accepts, in pieces, [CLS] and [SEP] included",
        "dropout": "dropout on the embeddings and on every sub-layer's output",
        "attention_dropout": "dropout on the attention probabilities",
        "weight_decay": "weight decay of every weight matrix, embeddings included, none on biases and "
                        "LayerNorms (decoupled with --optimizer adamw, an L2 term otherwise)",
        "select_rate": "share of the pieces chosen for prediction, in training and in dev evaluation (BERT: 0.15)",
        "mask_fraction": "share of the chosen pieces replaced by [MASK]",
        "random_fraction": "share of the chosen pieces replaced by a random piece (the rest stay as they are)",
        "convention": "bernoulli: each piece chosen independently with --select-rate | exact: "
                      "round(select rate x pieces) per sentence, at least one",
        "whole_word": "choose whole words (all their pieces) instead of single pieces, in training and in dev "
                      "evaluation",
        "eval_seed": "seed of the fixed corruption of dev and test batches",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        for name in ("vocab_size", "hidden_size", "num_layers", "num_heads", "intermediate_size",
                     "max_position_embeddings"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not divisible by num_heads {self.num_heads}")
        for name in ("dropout", "attention_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        ids = (self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id)
        if len(set(ids)) != 5 or not all(0 <= i < self.vocab_size for i in ids):
            raise ValueError(f"pad/unk/cls/sep/mask ids must be distinct and < vocab_size, got {ids}")
        self.masking()  # validates the rates and convention

    def masking(self) -> MaskingConfig:
        """The corruption: specials ([PAD] [UNK] [CLS] [SEP]) are never chosen nor drawn."""
        return MaskingConfig(
            mask_id=self.mask_id, vocab_size=self.vocab_size,
            special_ids=(self.pad_id, self.unk_id, self.cls_id, self.sep_id), select_rate=self.select_rate,
            mask_fraction=self.mask_fraction, random_fraction=self.random_fraction, convention=self.convention,
        )

    def bert_config(self) -> Any:
        from transformers import BertConfig

        return BertConfig(
            vocab_size=self.vocab_size, hidden_size=self.hidden_size, num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads, intermediate_size=self.intermediate_size,
            max_position_embeddings=self.max_position_embeddings, hidden_dropout_prob=self.dropout,
            attention_probs_dropout_prob=self.attention_dropout, pad_token_id=self.pad_id, type_vocab_size=1,
        )


@dataclass
class MLMBatch:
    """Clean sentences as pieces: ``[CLS] pieces [SEP]`` then [PAD]; the model corrupts them."""

    input_ids: Tensor  # [B, T]
    attention_mask: Tensor  # [B, T] 1 on real pieces ([CLS] and [SEP] included), 0 on padding
    word_starts: Tensor  # [B, T] bool, False on WordPiece '##' continuations

    def to(self, device: torch.device | str) -> MLMBatch:
        return MLMBatch(self.input_ids.to(device), self.attention_mask.to(device), self.word_starts.to(device))

    def __len__(self) -> int:
        return self.input_ids.shape[0]


def eval_corruption(batch: MLMBatch, masking: MaskingConfig, seed: int, whole_word: bool = False) -> tuple[Tensor, Tensor]:
    """The fixed corruption of an evaluation batch: ``[B, T]`` corrupted ids and labels.

    A function of ``seed`` and the batch's ids only (the generator is seeded with both), so a
    dev figure repeats exactly, whatever the batch order, and a baseline can be scored on the
    very positions the model was. Drawn on the CPU, so the device does not change it either.
    """
    ids = batch.input_ids.detach().cpu()
    generator = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(ids.numpy().tobytes()))
    word_starts = batch.word_starts.cpu() if whole_word else None
    corrupted, labels = mask_tokens(ids, masking, generator=generator, word_starts=word_starts)
    return corrupted.to(batch.input_ids.device), labels.to(batch.input_ids.device)


class BertMaskedLM(nn.Module):
    """``transformers.BertForMaskedLM`` behind textae's model contract."""

    def __init__(self, config: BertMLMConfig, bert: nn.Module | None = None) -> None:
        super().__init__()
        from transformers import BertForMaskedLM

        self.config = config
        self.bert = bert if bert is not None else BertForMaskedLM(config.bert_config())

    def forward(self, batch: MLMBatch, input_ids: Tensor | None = None) -> Tensor:
        """``[B, T, V]`` logits at every position of ``input_ids`` (default: the batch's own)."""
        ids = batch.input_ids if input_ids is None else input_ids
        return self.bert(input_ids=ids, attention_mask=batch.attention_mask).logits  # [B, T, V]

    def masked_logits(self, batch: MLMBatch, corrupted: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """``[N, V]`` logits and ``[N]`` targets at the chosen positions only."""
        hidden = self.bert.bert(input_ids=corrupted, attention_mask=batch.attention_mask).last_hidden_state  # [B, T, D]
        chosen = labels != IGNORE_INDEX  # [B, T]
        return self.bert.cls(hidden[chosen]), labels[chosen]  # [N, V], [N]

    def corrupt(self, batch: MLMBatch) -> tuple[Tensor, Tensor]:
        """Fresh corruption in training, the fixed one (``eval_corruption``) in eval mode."""
        if not self.training:
            return eval_corruption(batch, self.config.masking(), self.config.eval_seed, self.config.whole_word)
        word_starts = batch.word_starts if self.config.whole_word else None
        return mask_tokens(batch.input_ids, self.config.masking(), word_starts=word_starts)

    def loss(self, batch: MLMBatch, step: int = 0) -> dict[str, Tensor]:
        corrupted, labels = self.corrupt(batch)
        logits, targets = self.masked_logits(batch, corrupted, labels)  # [N, V], [N]
        if len(targets) == 0:  # nothing chosen (a short batch under Bernoulli choice): no signal
            zero = self.bert.cls.predictions.bias.sum() * 0.0  # keeps backward() valid
            return {"loss": zero, "masked_acc": zero.detach(), "num_items": torch.tensor(0)}
        loss = F.cross_entropy(logits.float(), targets)
        accuracy = 100.0 * (logits.argmax(dim=-1) == targets).float().mean()
        return {"loss": loss, "masked_acc": accuracy.detach(), "num_items": torch.tensor(len(targets))}

    @torch.no_grad()
    def eval_counts(self, batch: MLMBatch) -> dict[str, tuple[int, int]]:
        """Exact masked-token accuracy under the fixed evaluation corruption."""
        corrupted, labels = eval_corruption(batch, self.config.masking(), self.config.eval_seed, self.config.whole_word)
        logits, targets = self.masked_logits(batch, corrupted, labels)
        return {"masked_acc": (int((logits.argmax(dim=-1) == targets).sum()), len(targets))}

    def optim_groups(self) -> list[dict]:
        """BERT's AdamW groups: weight matrices decayed; biases, LayerNorms and embeddings' norms not."""
        decayed, plain = [], []
        for name, parameter in self.named_parameters():
            (plain if name.endswith("bias") or "LayerNorm" in name else decayed).append(parameter)
        return [{"params": decayed, "weight_decay": self.config.weight_decay}, {"params": plain, "weight_decay": 0.0}]

    def save_pretrained(self, directory: str | os.PathLike, tokenizer: Any = None) -> Path:
        """Hugging Face files (model, and the tokenizer when given) plus ``textae_mlm.json``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.bert.save_pretrained(directory)
        if tokenizer is not None:
            tokenizer.save_pretrained(directory)
        payload = {"format": FORMAT, "config": dataclasses.asdict(self.config)}
        (directory / TEXTAE_CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return directory

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> BertMaskedLM:
        """Loads what :meth:`save_pretrained` wrote (offline: a local folder only)."""
        from transformers import BertForMaskedLM

        path = Path(directory) / TEXTAE_CONFIG_FILE
        if not path.is_file():
            raise CheckpointError(f"no {TEXTAE_CONFIG_FILE} in {directory}: not a textae BERT model directory")
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("format") != FORMAT:
            raise CheckpointError(f"{path} is not a textae BERT config (format {payload.get('format')!r})")
        config = BertMLMConfig(**payload["config"])
        bert = BertForMaskedLM.from_pretrained(str(directory), local_files_only=True)
        return cls(config, bert).train()  # transformers loads in eval mode; textae models start in train mode
