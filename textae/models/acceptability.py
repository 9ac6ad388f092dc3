"""A sentence acceptability classifier: real corpus sentences against corrupted copies of them.

A bidirectional LSTM reads the sentence; its two final states and the max over its outputs go
through one linear layer to a logit:

    h_t    = [LSTM_fwd(x)_t ; LSTM_bwd(x)_t]
    s      = [h_T^fwd ; h_1^bwd ; max_t h_t]
    logit  = w . dropout(s) + b,   P(acceptable | x) = sigmoid(logit)
    loss   = binary cross-entropy of the logit against the label (1: a corpus sentence,
             0: a corrupted one)

Trained on a corpus's own lines against copies broken the ways a sentence decoder breaks them
(``textae.acceptability``: cut short, a word or a span dropped, a span repeated, an agreement
flipped, two sentences spliced), it is a learned judge for beam search
(``textae.decoding.acceptability_filter``, ``--acceptability-model``): a discriminator in the
manner of the grammatical-error detectors trained on synthetic errors, standing beside the
parser's hand-written checks, which only catch the errors someone wrote a rule for.

Loss reduction: mean over sentences.

Shape legend: B sentences, T tokens (padded), E embedding, D hidden (per direction).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textae.models.sentence_vae import SentenceBatch, require_sentence_batch
from textae.serialization import PretrainedMixin, check_field_types


@dataclass(frozen=True)
class AcceptabilityConfig:
    vocab_size: int = 10_000
    pad_id: int = 0
    bos_id: int = 2
    eos_id: int = 3
    embedding_size: int = 128
    hidden_size: int = 256
    dropout: float = 0.3
    # P(acceptable) at or above which the judge passes a sentence; set after training so that a
    # share of the development text's real lines pass (``--accept-dev-share``).
    threshold: float = 0.5

    field_help = {
        "embedding_size": "size of the word embeddings",
        "hidden_size": "LSTM hidden size per direction",
        "dropout": "dropout on the embeddings and on the pooled sentence vector",
        "threshold": "P(acceptable) from which the judge passes a sentence (set after training from the dev "
                     "text; see --accept-dev-share)",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        for name in ("vocab_size", "embedding_size", "hidden_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        ids = (self.pad_id, self.bos_id, self.eos_id)
        if len(set(ids)) != 3 or not all(0 <= i < self.vocab_size for i in ids):
            raise ValueError(f"pad/bos/eos ids must be distinct and < vocab_size, got {ids}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")


@dataclass(frozen=True)
class LabelledSentences:
    """A :class:`SentenceBatch` with one label per sentence (1.0 acceptable, 0.0 corrupted)."""

    sentences: SentenceBatch
    labels: Tensor  # [B] float

    @classmethod
    def from_rows(cls, rows: list[list[int]], labels: list[float], pad_id: int = 0) -> LabelledSentences:
        if len(rows) != len(labels):
            raise ValueError(f"{len(rows)} sentences but {len(labels)} labels")
        return cls(SentenceBatch.from_rows(rows, pad_id), torch.tensor(labels, dtype=torch.float))

    def to(self, device: torch.device | str) -> LabelledSentences:
        return LabelledSentences(self.sentences.to(device), self.labels.to(device))

    def __len__(self) -> int:
        return len(self.labels)


class AcceptabilityClassifier(PretrainedMixin, nn.Module):
    model_type = "acceptability"
    config_class = AcceptabilityConfig

    def __init__(self, config: AcceptabilityConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size, padding_idx=config.pad_id)
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(config.dropout)
        self.score = nn.Linear(4 * config.hidden_size, 1)

    def forward(self, batch: SentenceBatch) -> Tensor:
        """``[B]`` logits of P(acceptable) of each sentence, read between ``<bos>`` and ``<eos>``
        (so that the forward LSTM sees where the sentence ends, as a language model does)."""
        require_sentence_batch(batch, "the acceptability classifier", self.config.vocab_size)
        tokens, lengths = batch.tokens, batch.lengths  # [B, T], [B]
        size, device = len(lengths), tokens.device
        marked = torch.full((size, tokens.shape[1] + 2), self.config.pad_id, dtype=torch.long, device=device)
        marked[:, 0] = self.config.bos_id
        marked[:, 1:-1] = tokens
        marked[torch.arange(size, device=device), lengths + 1] = self.config.eos_id  # [B, T + 2]
        embedded = self.dropout(self.embedding(marked))  # [B, T + 2, E]
        # The backward direction must start at each sentence's own end, not at the padding: pack.
        packed = nn.utils.rnn.pack_padded_sequence(embedded, (lengths + 2).cpu(), batch_first=True,
                                                   enforce_sorted=False)
        outputs, (final, _) = self.lstm(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=marked.shape[1],
                                                      padding_value=float("-inf"))  # [B, T + 2, 2D]
        pooled = outputs.max(dim=1).values  # [B, 2D]
        ends = torch.cat([final[0], final[1]], dim=-1)  # [B, 2D]: forward's last state, backward's first
        return self.score(self.dropout(torch.cat([ends, pooled], dim=-1))).squeeze(-1)  # [B]

    def load_language_model(self, language_model: nn.Module) -> None:
        """Starts the embedding and the forward LSTM from a language model's
        (:class:`textae.models.lstm_lm.LSTMLanguageModel` of the same vocabulary and sizes):
        a classifier that starts knowing what comes next learns broken sentences in far fewer
        steps than one from random weights (Howard & Ruder 2018's fine-tuning of a language model).

        Raises:
            ValueError: the sizes differ, or the language model's LSTM has more than one layer.
        """
        embedding, lstm = language_model.embedding, language_model.decoder.lstm
        if embedding.weight.shape != self.embedding.weight.shape:
            raise ValueError(f"the language model's embedding is {tuple(embedding.weight.shape)}, this classifier's "
                             f"{tuple(self.embedding.weight.shape)}: train it with the same vocabulary, "
                             "--embedding-size and --hidden-size")
        if lstm.num_layers != 1 or lstm.input_size != self.lstm.input_size or lstm.hidden_size != self.lstm.hidden_size:
            raise ValueError(f"the language model's LSTM ({lstm.num_layers} layer(s), {lstm.input_size} -> "
                             f"{lstm.hidden_size}) does not fit this classifier's forward LSTM "
                             f"(1 layer, {self.lstm.input_size} -> {self.lstm.hidden_size})")
        with torch.no_grad():
            self.embedding.weight.copy_(embedding.weight)
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                getattr(self.lstm, name).copy_(getattr(lstm, name))

    def loss(self, batch: LabelledSentences, step: int = 0) -> dict[str, Tensor]:
        logits = self(batch.sentences)  # [B]
        loss = F.binary_cross_entropy_with_logits(logits, batch.labels)
        return {"loss": loss, "bce": loss.detach(), "num_items": torch.tensor(len(batch))}

    @torch.no_grad()
    def eval_counts(self, batch: LabelledSentences) -> dict[str, tuple[int, int]]:
        """Sentences classified right at P = 0.5 (``accuracy``), and of the real ones
        (``real_accuracy``) and the corrupted ones (``corrupted_accuracy``) apart."""
        predicted = self(batch.sentences) >= 0  # [B]
        real = batch.labels >= 0.5  # [B]
        right = predicted == real
        return {"accuracy": (int(right.sum()), len(batch)),
                "real_accuracy": (int(right[real].sum()), int(real.sum())),
                "corrupted_accuracy": (int(right[~real].sum()), int((~real).sum()))}

    @torch.no_grad()
    def probabilities(self, rows: list[list[int]], batch_size: int = 256) -> list[float]:
        """P(acceptable) of each token-id sentence (the model's vocabulary), in eval mode."""
        was_training = self.training
        self.eval()
        try:
            device = self.embedding.weight.device
            out: list[float] = []
            for start in range(0, len(rows), batch_size):
                batch = SentenceBatch.from_rows(rows[start:start + batch_size], self.config.pad_id).to(device)
                out += torch.sigmoid(self(batch)).tolist()
            return out
        finally:
            self.train(was_training)


__all__ = ["AcceptabilityClassifier", "AcceptabilityConfig", "LabelledSentences"]
