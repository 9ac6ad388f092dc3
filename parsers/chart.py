"""A trainable span-based chart parser with exact CKY decoding (this file imports torch).

Model (after Stern, Andreas & Klein 2017 and Gaddy, Stern & Klein 2018):

    word vector   x_t = [word embedding(w_t); max-pooled char CNN(w_t)  (; g_t)]
    encoder       f_t, b_t = BiLSTM(<s> x_1 .. x_n </s>)          (forward, backward states)
    span (i, j)   r_ij = [f_j - f_i ; b_{i+1} - b_{j+1}]            (fenceposts 0..n)
    scores        s_ij = W_2 relu(LayerNorm(W_1 r_ij + c_1)) + c_2  in R^{1 + labels}

Optionally (``guide_dim`` > 0) a frozen *guide* parser, e.g. one trained on the labelled WSJ
sample, reads the same words and its BiLSTM states g_t join x_t (stacking): what the guide
learnt from labelled treebank trees (tags, categories) becomes a feature of this parser. With
``guide_spans`` the guide's label log-probabilities of each span (∅, NP, VP, ...) also enter
the span scorer: s_ij = W_2 relu(LayerNorm(W_1 r_ij + W_g log p_guide(· | i, j) + c_1)) + c_2.
The guide is saved inside the model folder (``guide/``) and never trained further.

Label 0 is "no constituent" (written ``∅``). Training is local: cross-entropy of every span's
label (gold label for the spans of the gold tree, ∅ for all other spans), mean over spans;
with tags, plus cross-entropy of a tag classifier over the words. Decoding is global and
exact: CKY finds the binary tree maximising the probability of the whole span labelling
(the sum over its spans of log p(label) - log p(∅)), vectorised over the batch and all
spans of one length at a time.

Two modes:
- ``labeled=False`` (SST): trees are binary and unlabelled; every span of length >= 2 in
  the predicted tree is a constituent ``X``, scored by log p(X).
- ``labeled=True`` (treebank): n-ary labelled trees with unary chains collapsed (``S+VP``);
  a span of the binary CKY tree may be ∅ and is then spliced out, so any n-ary tree can be
  produced; length-1 spans carry unary-chain labels over a word; the root is never ∅.

Shape legend: B sentences, T tokens (padded), P = T + 1 fenceposts, L labels incl. ∅,
D hidden, C characters per word.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from parsers.parser import DEFAULT_LABEL, PRECISIONS, Parser
from parsers.transforms import collapse_unary, remove_empty, strip_functional_tags
from parsers.tree import Tree

EMPTY = "∅"
PAD, UNK, START, END = "<pad>", "<unk>", "<s>", "</s>"
MAX_WORD_CHARS = 20
IGNORE = -100
SPAN_BLOCK_ELEMENTS = 16_000_000  # floats of span hidden states computed at once (~64 MB)


@dataclass(frozen=True)
class ChartParserConfig:
    vocab_size: int
    num_chars: int
    num_labels: int  # including ∅ at index 0
    num_tags: int = 0  # 0: no tagger (preterminals labelled X)
    labeled: bool = False
    objective: str = "cross_entropy"  # cross_entropy | hinge (unlabelled only: margin over whole trees)
    word_dim: int = 100
    char_dim: int = 32
    char_channels: int = 64
    lstm_hidden: int = 200  # per direction
    lstm_layers: int = 2
    span_hidden: int = 250
    dropout: float = 0.3
    max_tokens: int = 512  # longer sentences are refused (ParseInputError)
    guide_dim: int = 0  # size of a frozen guide parser's word states joined to the input (0: no guide)
    guide_spans: bool = False  # also feed the guide's span label log-probabilities to the span scorer

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "objective": "cross_entropy: every span's label, as a classification | hinge: Stern et al.'s margin "
                     "loss over whole trees (unlabelled parsing only)",
        "word_dim": "size of word embeddings",
        "char_dim": "size of character embeddings",
        "char_channels": "filters of the character CNN (width 3, max-pooled over a word's first 20 characters)",
        "lstm_hidden": "BiLSTM hidden size per direction",
        "lstm_layers": "stacked BiLSTM layers",
        "span_hidden": "hidden size of the span scorer",
        "dropout": "dropout on the BiLSTM's input and output, and between its layers",
        "max_tokens": "longest sentence the trained parser accepts when parsing; longer ones are refused",
        "guide_spans": "with --guide: the guide's label log-probabilities of every span also enter the span scorer",
    }

    def __post_init__(self) -> None:
        # textae.serialization.check_field_types' rule, written here because parsers does not
        # import textae (DESIGN.md); the annotations are strings (postponed evaluation).
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type == "bool":
                fits = isinstance(value, bool)
            elif field.type == "int":
                fits = isinstance(value, int) and not isinstance(value, bool)
            elif field.type == "float":
                fits = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            elif field.type == "str":
                fits = isinstance(value, str)
            else:  # a composite field: the checks below
                continue
            if not fits:  # e.g. a hand-edited config.json's "labeled": "false" (true, as a string) or 200.0
                kind = {"bool": "a bool", "int": "an int", "float": "a finite number", "str": "a str"}[field.type]
                raise TypeError(f"ChartParserConfig.{field.name} must be {kind}, got {value!r}")
        if self.num_labels < 2:
            raise ValueError(f"num_labels must be >= 2 (∅ and one label), got {self.num_labels}")
        for name in ("vocab_size", "num_chars", "word_dim", "char_dim", "char_channels", "lstm_hidden",
                     "lstm_layers", "span_hidden", "max_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.objective not in ("cross_entropy", "hinge"):
            raise ValueError(f"objective must be 'cross_entropy' or 'hinge', got {self.objective!r}")
        if self.guide_dim < 0:
            raise ValueError(f"guide_dim must be >= 0, got {self.guide_dim}")
        if self.guide_spans and not self.guide_dim:
            raise ValueError("guide_spans needs a guide parser (guide_dim > 0: train_parser.py --guide DIR)")
        if self.objective == "hinge" and self.labeled:
            raise ValueError("the hinge objective is implemented for unlabelled (binary) parsing only")


# ---------------------------------------------------------------- data


def prepare_treebank_tree(tree: Tree) -> Tree:
    """WSJ-style clean-up: functional tags and -NONE- removed, unary chains collapsed."""
    tree = remove_empty(strip_functional_tags(tree))
    return collapse_unary(tree, collapse_root=True, keep_preterminals=True)


def gold_spans(tree: Tree, labeled: bool) -> tuple[dict[tuple[int, int], str], list[str]]:
    """Labelled spans ``(i, j) -> label`` of ``tree`` (prepared) and its POS tags.

    Unlabelled mode keeps spans of length >= 2 labelled ``X``; labelled mode keeps every
    non-preterminal node, including unary-chain labels over single words.
    """
    widths: dict[int, int] = {}  # id(node) -> words under it, children before parents (linear time)
    for node in tree.postorder():
        children = node.children
        widths[id(node)] = 1 if isinstance(children[0], str) else sum(
            widths[id(child)] if isinstance(child, Tree) else 1 for child in children)
    spans: dict[tuple[int, int], str] = {}
    tags: list[str] = []
    stack: list[tuple[Tree, int]] = [(tree, 0)]
    while stack:  # iterative pre-order with start positions
        node, start = stack.pop()
        if node.is_preterminal:
            tags.append((start, node.label))
            continue
        width = widths[id(node)]
        if labeled or width >= 2:
            spans[(start, start + width)] = node.label if labeled else DEFAULT_LABEL
        offset = start
        children = []
        for child in node.children:
            children.append((child, offset))
            offset += widths[id(child)] if isinstance(child, Tree) else 1
        stack.extend(reversed(children))
    return spans, [tag for _, tag in sorted(tags)]


class ChartVocab:
    """Words (with counts, for word dropout), characters, span labels and tags."""

    def __init__(self, words: dict[str, int], chars: list[str], labels: list[str], tags: list[str]) -> None:
        self.word_counts = words
        self.words = [PAD, UNK, START, END, *words]
        self.word_index = {word: i for i, word in enumerate(self.words)}
        self.chars = [PAD, UNK, START, END, *chars]
        self.char_index = {char: i for i, char in enumerate(self.chars)}
        self.labels = [EMPTY, *[label for label in labels if label != EMPTY]]
        self.label_index = {label: i for i, label in enumerate(self.labels)}
        self.tags = list(tags)
        self.tag_index = {tag: i for i, tag in enumerate(self.tags)}

    @classmethod
    def build(cls, sentences: Iterable[tuple[list[str], dict, list[str]]], min_freq: int = 1) -> ChartVocab:
        word_counts: Counter[str] = Counter()
        char_counts: Counter[str] = Counter()
        labels: Counter[str] = Counter()
        tags: Counter[str] = Counter()
        for words, spans, sentence_tags in sentences:
            word_counts.update(words)
            for word in words:
                char_counts.update(word[:MAX_WORD_CHARS])
            labels.update(spans.values())
            tags.update(sentence_tags)
        kept = {w: c for w, c in sorted(word_counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_freq}
        return cls(kept, sorted(char_counts), sorted(labels), sorted(tags))

    def to_dict(self) -> dict:
        return {"format": "textae.chart_vocab/1", "words": self.word_counts, "chars": self.chars[4:],
                "labels": self.labels, "tags": self.tags}

    @classmethod
    def from_dict(cls, data: dict) -> ChartVocab:
        if data.get("format") != "textae.chart_vocab/1":
            raise ValueError("not a chart-parser vocabulary (format 'textae.chart_vocab/1' expected)")
        return cls(data["words"], data["chars"], data["labels"], data["tags"])


@dataclass
class ChartBatch:
    word_ids: Tensor  # [B, T+2] with <s> and </s>
    char_ids: Tensor  # [B, T+2, C]
    lengths: Tensor  # [B]
    span_labels: Tensor  # [B, P, P] label of span (i, j), IGNORE where not a span
    tag_ids: Tensor  # [B, T] IGNORE at padding or without tags
    sentences: list[list[str]]

    def to(self, device: torch.device | str) -> ChartBatch:
        return ChartBatch(self.word_ids.to(device), self.char_ids.to(device), self.lengths.to(device),
                          self.span_labels.to(device), self.tag_ids.to(device), self.sentences)

    def __len__(self) -> int:
        return len(self.sentences)


@dataclass(frozen=True)
class ChartExample:
    words: list[str]
    spans: dict[tuple[int, int], str] | None
    tags: list[str] | None


def collate(examples: Sequence[ChartExample], vocab: ChartVocab, labeled: bool,
            word_dropout: float = 0.0, generator: np.random.Generator | None = None) -> ChartBatch:
    """Pads sentences into tensors; with ``word_dropout`` > 0 a word seen c times in training
    is replaced by <unk> with probability word_dropout / (word_dropout + c)."""
    size = len(examples)
    longest = max(len(example.words) for example in examples)
    word_ids = np.zeros((size, longest + 2), dtype=np.int64)
    char_ids = np.zeros((size, longest + 2, MAX_WORD_CHARS), dtype=np.int64)
    span_labels = np.full((size, longest + 1, longest + 1), IGNORE, dtype=np.int64)
    tag_ids = np.full((size, longest), IGNORE, dtype=np.int64)
    unk, index = vocab.word_index[UNK], vocab.word_index
    for row, example in enumerate(examples):
        n = len(example.words)
        ids = [index.get(word, unk) for word in example.words]
        if word_dropout > 0 and generator is not None:
            counts = np.array([vocab.word_counts.get(word, 0) for word in example.words], dtype=np.float64)
            drop = generator.random(n) < word_dropout / (word_dropout + counts)
            ids = [unk if dropped else i for i, dropped in zip(ids, drop, strict=True)]
        word_ids[row, : n + 2] = [vocab.word_index[START], *ids, vocab.word_index[END]]
        char_ids[row, 0, 0], char_ids[row, n + 1, 0] = vocab.char_index[START], vocab.char_index[END]
        for position, word in enumerate(example.words, start=1):
            chars = [vocab.char_index.get(ch, 1) for ch in word[:MAX_WORD_CHARS]]
            char_ids[row, position, : len(chars)] = chars
        if example.spans is not None:
            starts, ends = np.triu_indices(n + 1, k=1 if labeled else 2)
            span_labels[row, starts, ends] = 0
            for (start, end), label in example.spans.items():
                span_labels[row, start, end] = vocab.label_index.get(label, 0)
        if example.tags is not None and vocab.tags:
            tag_ids[row, :n] = [vocab.tag_index.get(tag, 0) for tag in example.tags]
    return ChartBatch(torch.from_numpy(word_ids), torch.from_numpy(char_ids),
                      torch.tensor([len(e.words) for e in examples]), torch.from_numpy(span_labels),
                      torch.from_numpy(tag_ids), [e.words for e in examples])


# ---------------------------------------------------------------- model


class ChartParserModel(nn.Module):
    """BiLSTM span scorer; ``loss`` for training, ``decode`` for trees.

    ``guide``: a trained :class:`ChartParserModel` (needed when ``config.guide_dim`` > 0, which
    must be its BiLSTM state size, 2 x its lstm_hidden); it is frozen and stays in eval mode.
    """

    model_type = "chart_parser"

    def __init__(self, config: ChartParserConfig, vocab: ChartVocab, guide: ChartParserModel | None = None) -> None:
        super().__init__()
        self.config, self.vocab = config, vocab
        if (guide is None) != (config.guide_dim == 0):
            raise ValueError("a guide parser is needed exactly when guide_dim > 0 "
                             f"(guide_dim {config.guide_dim}, guide {'given' if guide is not None else 'missing'})")
        if guide is not None:
            if 2 * guide.config.lstm_hidden != config.guide_dim:
                raise ValueError(f"guide_dim {config.guide_dim} does not fit the guide's BiLSTM states "
                                 f"({2 * guide.config.lstm_hidden})")
            guide.requires_grad_(False)
        self.guide = guide.eval() if guide is not None else None
        self.word_embedding = nn.Embedding(config.vocab_size, config.word_dim, padding_idx=0)
        self.char_embedding = nn.Embedding(config.num_chars, config.char_dim, padding_idx=0)
        self.char_cnn = nn.Conv1d(config.char_dim, config.char_channels, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(config.word_dim + config.char_channels + config.guide_dim, config.lstm_hidden, config.lstm_layers,
                            batch_first=True, bidirectional=True, dropout=config.dropout if config.lstm_layers > 1 else 0.0)
        # W_1 split into its forward and backward halves; c_1 is added once per span.
        self.span_forward = nn.Linear(config.lstm_hidden, config.span_hidden, bias=False)
        self.span_backward = nn.Linear(config.lstm_hidden, config.span_hidden, bias=False)
        self.span_bias = nn.Parameter(torch.zeros(config.span_hidden))
        self.span_norm = nn.LayerNorm(config.span_hidden)
        self.span_output = nn.Linear(config.span_hidden, config.num_labels)
        self.tagger = nn.Linear(2 * config.lstm_hidden, config.num_tags) if config.num_tags else None
        # W_g: the guide's span label log-probabilities into the span hidden layer
        self.guide_span = (nn.Linear(guide.config.num_labels, config.span_hidden, bias=False)
                           if guide is not None and config.guide_spans else None)

    def train(self, mode: bool = True) -> ChartParserModel:
        super().train(mode)
        if self.guide is not None:
            self.guide.eval()  # frozen: no dropout in the guide, in training either
        return self

    def contextual_states(self, batch: ChartBatch, guide_states: Tensor | None = None) -> Tensor:
        """``[B, T+2, 2D]`` BiLSTM states over <s> x_1 .. x_n </s> (after dropout);
        ``guide_states`` ``[B, T+2, G]`` (from :meth:`guide_features`) when the model has a guide."""
        size, width, chars = batch.char_ids.shape  # B, T+2, C
        char_vectors = self.char_embedding(batch.char_ids.view(size * width, chars))  # [B*(T+2), C, char_dim]
        char_features = self.char_cnn(char_vectors.transpose(1, 2)).max(dim=2).values  # [B*(T+2), channels]
        parts = [self.word_embedding(batch.word_ids), char_features.view(size, width, -1)]  # [B, T+2, E], [B, T+2, ch]
        if guide_states is not None:
            parts.append(guide_states)  # [B, T+2, G]
        words = torch.cat(parts, dim=-1)  # [B, T+2, E + ch (+ G)]
        packed = nn.utils.rnn.pack_padded_sequence(self.dropout(words), (batch.lengths + 2).cpu(),
                                                   batch_first=True, enforce_sorted=False)
        states, _ = self.lstm(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=width)  # [B, T+2, 2D]
        return self.dropout(states)

    @torch.no_grad()
    def guide_features(self, batch: ChartBatch) -> tuple[Tensor, Tensor | None]:
        """The frozen guide over the same words (through its own vocabulary): ``[B, T+2, G]``
        BiLSTM states and, with ``guide_spans``, ``[B, S, L_guide]`` span label log-probabilities."""
        assert self.guide is not None
        examples = [ChartExample(words, None, None) for words in batch.sentences]
        guide_batch = collate(examples, self.guide.vocab, self.guide.config.labeled).to(batch.char_ids.device)
        states = self.guide.contextual_states(guide_batch)  # [B, T+2, G]
        if self.guide_span is None:
            return states, None
        return states, self.guide.span_logits(states)[0].log_softmax(dim=-1)  # [B, S, L_guide]

    def encode(self, batch: ChartBatch) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Scores every span (i, j), i < j, of the padded batch.

        Returns:
            ``[B, S, L]`` span logits, ``[S]`` span starts, ``[S]`` span ends (S = P(P-1)/2,
            the upper triangle of the chart), and ``[B, T, 2D]`` word states.
        """
        guide_states, guide_spans = self.guide_features(batch) if self.guide is not None else (None, None)
        states = self.contextual_states(batch, guide_states)  # [B, T+2, 2D]
        logits, starts, ends = self.span_logits(states, guide_spans)
        return logits, starts, ends, states[:, 1:-1]

    def span_logits(self, states: Tensor, guide_spans: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """``[B, S, L]`` logits of every span from ``[B, T+2, 2D]`` states (and the guide's
        ``[B, S, L_guide]`` span log-probabilities), with the ``[S]`` starts and ends."""
        size, width = states.shape[:2]  # B, T+2
        forward, backward = states.chunk(2, dim=-1)  # [B, T+2, D] x2
        # Fencepost k (0..T) sits between word k and word k+1: f_k and b_{k+1}.
        fence_forward = self.span_forward(forward[:, :-1])  # [B, P, H]
        fence_backward = self.span_backward(backward[:, 1:])  # [B, P, H]
        # W_1 [f_j - f_i; b_{i+1} - b_{j+1}], factored so the [B, P, P, 2D] tensor is never
        # built; only i < j is scored, in blocks so a long sentence needs bounded memory.
        # With e_k = W_f f_k - W_b b_{k+1}, span (i, j) gets e_j - e_i + c_1: two gathers per span.
        starts, ends = torch.triu_indices(width - 1, width - 1, offset=1, device=states.device)  # [S], [S]
        fence = fence_forward - fence_backward  # [B, P, H] e_k
        fence_start = fence - self.span_bias  # [B, P, H] e_i - c_1
        block = max(1, SPAN_BLOCK_ELEMENTS // max(1, size * fence.shape[2]))
        blocks = []
        for first in range(0, len(starts), block):
            hidden = fence[:, ends[first : first + block]] - fence_start[:, starts[first : first + block]]  # [B, block, H]
            if guide_spans is not None:  # only given when the model has guide_span (W_g)
                hidden = hidden + self.guide_span(guide_spans[:, first : first + block])  # [B, block, H]
            blocks.append(self.span_output(torch.relu(self.span_norm(hidden))))  # [B, block, L]
        return torch.cat(blocks, dim=1), starts, ends  # [B, S, L]

    def loss(self, batch: ChartBatch, step: int = 0) -> dict[str, Tensor]:
        """Mean cross-entropy over all spans, or the tree hinge loss (+ mean tag cross-entropy)."""
        logits, starts, ends, word_states = self.encode(batch)
        if self.config.objective == "hinge":
            span_loss = self._hinge_loss(batch, logits, starts, ends)
        else:
            span_loss = nn.functional.cross_entropy(logits.flatten(0, 1), batch.span_labels[:, starts, ends].flatten(),
                                                    ignore_index=IGNORE)
        terms = {"span_loss": span_loss.detach()}
        loss = span_loss
        if self.tagger is not None:
            tag_loss = nn.functional.cross_entropy(self.tagger(word_states).flatten(0, 1), batch.tag_ids.flatten(),
                                                   ignore_index=IGNORE)
            loss = loss + tag_loss
            terms["tag_loss"] = tag_loss.detach()
        return {"loss": loss, **terms, "num_items": torch.tensor(len(batch))}

    def _hinge_loss(self, batch: ChartBatch, logits: Tensor, starts: Tensor, ends: Tensor) -> Tensor:
        """Stern et al. (2017)'s margin loss over binary trees, mean over sentences:
        max(0, max_T [s(T) + Δ(T, T*)] - s(T*)), s(T) the sum of span log-odds, Δ the number
        of predicted spans not in the gold tree (found by loss-augmented CKY)."""
        fenceposts = batch.char_ids.shape[1] - 1
        span_scores = logits[..., 1] - logits[..., 0]  # [B, S] log-odds of being a constituent
        gold = batch.span_labels[:, starts, ends] == 1  # [B, S]
        augmented = span_scores.new_zeros(len(batch), fenceposts, fenceposts)  # [B, P, P]
        augmented[:, starts, ends] = span_scores.detach() + (~gold).to(span_scores.dtype)
        splits = cky_splits(augmented.cpu())
        predicted = torch.zeros(len(batch), fenceposts, fenceposts, dtype=torch.bool)
        for row, length in enumerate(batch.lengths.tolist()):
            for start, end in tree_spans(splits[row], length):
                predicted[row, start, end] = True
        predicted = predicted.to(span_scores.device)[:, starts, ends]  # [B, S]
        margin = (~gold & predicted).sum(dim=1).to(span_scores.dtype)  # [B]
        difference = (span_scores * predicted).sum(dim=1) - (span_scores * gold).sum(dim=1)  # [B]
        return (difference + margin).clamp(min=0).mean()

    @torch.no_grad()
    def decode(self, batch: ChartBatch) -> list[Tree]:
        """The highest-scoring tree of every sentence (exact CKY)."""
        logits, starts, ends, word_states = self.encode(batch)
        log_probs = logits.float().log_softmax(dim=-1)  # [B, S, L] (float32 under bf16 autocast too)
        # The log-probability of a whole labelling is sum_all log p(∅) plus, for each span of
        # the tree, log p(label) - log p(∅): so CKY maximises the sum of these log-odds.
        best_scores, best_labels = log_probs[..., 1:].max(dim=-1)  # [B, S] best non-∅ label
        fenceposts = batch.char_ids.shape[1] - 1
        log_odds = log_probs.new_zeros(len(batch), fenceposts, fenceposts)  # [B, P, P]
        log_odds[:, starts, ends] = best_scores - log_probs[..., 0]
        span_labels = torch.zeros_like(log_odds, dtype=torch.long)  # [B, P, P]
        span_labels[:, starts, ends] = best_labels + 1
        if self.config.labeled:
            # A tree span may stay ∅ (log-odds 0) and is then spliced out; the root never is.
            root_labels = span_labels[torch.arange(len(batch)), 0, batch.lengths]  # [B]
            span_labels[log_odds < 0] = 0
            span_labels[torch.arange(len(batch)), 0, batch.lengths] = root_labels
            span_scores = log_odds.clamp(min=0)
        else:
            span_scores = log_odds  # every span of the binary tree is a constituent
        splits = cky_splits(span_scores.float())
        tags = self.tagger(word_states).argmax(dim=-1).cpu().numpy() if self.tagger is not None else None
        span_labels = span_labels.cpu().numpy()
        return [
            build_tree(words, splits[row], span_labels[row], self.vocab, tags[row] if tags is not None else None,
                       self.config.labeled)
            for row, words in enumerate(batch.sentences)
        ]

    @torch.no_grad()
    def eval_counts(self, batch: ChartBatch) -> dict[str, tuple[float, float]]:
        """Bracket F1 as (2 * matched, gold + predicted), so summed counts give corpus F1."""
        matched = gold = predicted = 0
        for tree, labels, n in zip(self.decode(batch), batch.span_labels.cpu().numpy(), batch.lengths.tolist(),
                                   strict=True):
            prepared = prepare_treebank_tree(tree) if self.config.labeled else tree  # joint unary labels, as gold
            predicted_spans, _ = gold_spans(prepared, self.config.labeled)
            predicted_set = {(i, j, label) for (i, j), label in predicted_spans.items() if j - i >= 2}
            gold_set = {(i, j, self.vocab.labels[labels[i, j]]) for i in range(n + 1) for j in range(i + 2, n + 1)
                        if labels[i, j] > 0}
            matched += len(predicted_set & gold_set)
            gold += len(gold_set)
            predicted += len(predicted_set)
        return {"bracket_f1": (2.0 * matched, float(gold + predicted))}

    def save_pretrained(self, directory: str | os.PathLike) -> Path:
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        payload = {"format": "textae.model/1", "model_type": self.model_type, "config": asdict(self.config)}
        (directory / "config.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        (directory / "vocab.json").write_text(json.dumps(self.vocab.to_dict(), ensure_ascii=False), encoding="utf-8")
        if self.guide is not None:  # a model folder of its own, inside this one; its weights are not repeated
            self.guide.save_pretrained(directory / "guide")
        save_file({k: v.detach().contiguous().cpu() for k, v in self.state_dict().items() if not k.startswith("guide.")},
                  str(directory / "model.safetensors"))
        return directory

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> ChartParserModel:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        directory = Path(directory)

        def refuse(reason: str) -> ValueError:
            message = (f"{directory} is not a chart-parser directory: {reason}; a chart-parser model is the "
                       "model/ folder of a scripts/train_parser.py run")
            inner = directory / "model"
            try:  # a run folder was given instead of its model/ folder
                inner_type = json.loads((inner / "config.json").read_text(encoding="utf-8")).get("model_type")
            except (OSError, ValueError, AttributeError):
                inner_type = None
            if inner_type == cls.model_type:
                message += f"; did you mean {inner}?"
            return ValueError(message)

        if not directory.is_dir():
            raise refuse("no such directory" if not directory.exists() else "not a directory")
        try:
            payload = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise refuse("it has no config.json") from None
        except (OSError, json.JSONDecodeError) as error:
            raise refuse(f"cannot read its config.json: {error}") from error
        model_type = payload.get("model_type") if isinstance(payload, dict) else None
        if model_type != cls.model_type:
            raise refuse(f"it holds a {model_type!r} model, not a {cls.model_type!r}")
        try:
            vocab = ChartVocab.from_dict(json.loads((directory / "vocab.json").read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, ValueError) as error:
            raise refuse(f"cannot read its vocab.json: {error}") from error
        try:
            config = ChartParserConfig(**payload["config"])
        except (KeyError, TypeError, ValueError) as error:
            raise refuse(f"its config.json does not describe a chart parser of this textae version ({error})") from None
        guide = None
        if config.guide_dim:
            try:
                guide = cls.from_pretrained(directory / "guide")
            except ValueError as error:
                raise refuse(f"its guide parser cannot be loaded ({error})") from None
        try:
            model = cls(config, vocab, guide)
        except ValueError as error:
            raise refuse(f"its config.json does not fit its guide parser ({error})") from None
        weights = directory / "model.safetensors"
        if not weights.is_file():
            raise refuse("it has no model.safetensors")
        try:
            state = load_file(str(weights))
        except SafetensorError as error:  # truncated, or not a safetensors file
            raise refuse(f"its model.safetensors is damaged or not a safetensors file ({error})") from None
        try:
            if guide is not None:
                state.update({f"guide.{name}": value for name, value in guide.state_dict().items()})
            model.load_state_dict(state)
        except (RuntimeError, OSError) as error:  # shapes or names that do not fit, or an unreadable file
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise refuse(f"its model.safetensors does not fit its config.json ({first_line})") from None
        return model.eval()


def cky_splits(span_scores: Tensor) -> np.ndarray:
    """Best split point of every span of the best binary trees.

    Args:
        span_scores: ``[B, P, P]`` score of span (i, j) (fenceposts). Sentences of different
            lengths share the padded chart: every sub-span of a real span is real, so the
            padding is computed but never read.

    Returns:
        ``[B, P, P]`` int array: for span (i, j) with j - i >= 2, the k of its best split
        (i, k) + (k, j). Spans longer than a sentence hold garbage and are never read.
    """
    # On the CPU wherever the scores are: the loop's many small steps would each be a kernel
    # launch on a GPU, and the split points are wanted as a numpy array anyway.
    span_scores = span_scores.detach().cpu()
    size, fenceposts, _ = span_scores.shape
    n_max = fenceposts - 1
    # Two views of the chart make every read a slice instead of a gather:
    # by_start[b, i, m] = best score of span (i, i+m); by_end[b, j, m] = of span (j-m, j).
    by_start = span_scores.new_zeros(size, fenceposts, fenceposts)
    by_end = span_scores.new_zeros(size, fenceposts, fenceposts)
    splits = torch.zeros(size, fenceposts, fenceposts, dtype=torch.long)
    positions = torch.arange(fenceposts)
    unit = span_scores[:, positions[:-1], positions[:-1] + 1]  # [B, n] spans of length 1
    by_start[:, :-1, 1] = unit
    by_end[:, 1:, 1] = unit
    for length in range(2, n_max + 1):
        count = n_max - length + 1  # spans of this length: starts 0 .. count-1
        left = by_start[:, :count, 1:length]  # [B, S, length-1] (i, i+m) for m = 1 .. length-1
        right = by_end[:, length:, 1:length].flip(-1)  # [B, S, length-1] (i+m, i+length)
        best, best_index = (left + right).max(dim=-1)  # [B, S]
        starts = positions[:count]
        score = best + span_scores[:, starts, starts + length]  # [B, S]
        by_start[:, :count, length] = score
        by_end[:, length:, length] = score
        splits[:, starts, starts + length] = best_index + starts + 1
    return splits.numpy()


def tree_spans(splits: np.ndarray, length: int) -> list[tuple[int, int]]:
    """The spans of length >= 2 of the binary tree that CKY split points describe."""
    spans, stack = [], [(0, length)]
    while stack:
        start, end = stack.pop()
        if end - start >= 2:
            spans.append((start, end))
            split = int(splits[start, end])
            stack.extend(((start, split), (split, end)))
    return spans


def build_tree(words: list[str], splits: np.ndarray, span_labels: np.ndarray, vocab: ChartVocab,
               tags: np.ndarray | None, labeled: bool) -> Tree:
    """Turns CKY split points into a Tree, splicing out ∅ spans (iteratively)."""
    n = len(words)
    tag_names = [vocab.tags[t] if tags is not None and vocab.tags else DEFAULT_LABEL for t in
                 (tags[:n] if tags is not None else range(n))]
    # Post-order over the binary spans; finished holds each span's list of child nodes.
    finished: dict[tuple[int, int], list[Tree]] = {}
    stack: list[tuple[int, int, bool]] = [(0, n, False)]
    while stack:
        start, end, expanded = stack.pop()
        label = vocab.labels[span_labels[start, end]] if labeled else DEFAULT_LABEL
        if end - start == 1:
            node = Tree(tag_names[start], (words[start],))
            if labeled and label != EMPTY:
                for part in reversed(label.split("+")):
                    node = Tree(part, (node,))
            finished[(start, end)] = [node]
            continue
        split = int(splits[start, end])
        if not expanded:
            stack.append((start, end, True))
            stack.append((split, end, False))
            stack.append((start, split, False))
            continue
        children = finished.pop((start, split)) + finished.pop((split, end))
        if label == EMPTY and (start, end) != (0, n):
            finished[(start, end)] = children
            continue
        parts = label.split("+") if labeled else [label]
        node = Tree(parts[-1], tuple(children))
        for part in reversed(parts[:-1]):
            node = Tree(part, (node,))
        finished[(start, end)] = [node]
    (root,) = finished[(0, n)]
    return root


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 natively (the same test as textae.train.native_bf16;
    parsers does not import textae). Without it oneDNN's LSTM refuses bf16 autocast and bfloat16
    matrix multiplies are emulated, hundreds of times slower than float32."""
    if device.type == "cpu":
        try:  # a private op of torch's (2.x): where it is missing, float32 is the safe answer
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False
    return device.type == "cuda" and torch.cuda.is_bf16_supported()


class ChartParser(Parser):
    """:class:`Parser` over a trained :class:`ChartParserModel`.

    Args:
        model: The trained model (put in eval mode).
        batch_size: Sentences per forward pass (fewer when they are long).
        precision: ``"fp32"`` (default) or ``"bf16"``: the network runs under bfloat16
            autocast (CKY stays in float32). On CPUs with native bfloat16 (AVX512-BF16, AMX)
            this was 1.0-1.5x faster for whole parsers on our 2-core machine (1.7x for the BiLSTM
            alone) with nearly the same trees (the benchmark reports the
            F1 of both). Where the device has no native bfloat16 (an AVX2-only CPU) it warns
            (``RuntimeWarning``) and runs in float32: ``precision`` then says ``"fp32"``.
        workers: Batches parsed at once, each on its own Python thread with one torch thread
            (default 1: one batch at a time, every torch thread on it). A batch of short
            sentences is too small to keep two cores busy inside one operation, so on our
            2-core machine ``workers=2`` parsed SST test 1.0-1.5x faster (median 1.3x over six
            parsers in either precision; ``benchmarks/results/parser_speed.json``; 0.9-1.5x,
            median 1.3x, in ``benchmarks/results/parsers.json``) than one batch at a time on
            two threads. While such a call runs,
            ``torch.get_num_threads()`` is 1 for the whole process (it is restored
            afterwards), so torch work in other threads of the program at the same time is
            slowed. The trees are the same either way.
    """

    def __init__(self, model: ChartParserModel, batch_size: int = 64, precision: str = "fp32",
                 workers: int = 1) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an int >= 1, got {workers!r}")
        self.model = model.eval()
        self.batch_size = batch_size
        device = next(model.parameters()).device
        if precision == "bf16" and not native_bf16(device):
            warnings.warn(f"precision 'bf16' was asked for, but this {device.type} has no native bfloat16 "
                          "(AVX512-BF16/AMX on a CPU), where it would be far slower than float32 or fail: "
                          "parsing in float32 instead", RuntimeWarning, stacklevel=2)
            precision = "fp32"
        self.precision = precision  # what runs
        self.workers = workers
        self.max_tokens = model.config.max_tokens

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike, precision: str = "fp32", workers: int = 1) -> ChartParser:
        return cls(ChartParserModel.from_pretrained(directory), precision=precision, workers=workers)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(next(self.model.parameters()).device.type, dtype=torch.bfloat16)

    def batches(self, sentences: Sequence[Sequence[str]]) -> list[list[int]]:
        """Indices of ``sentences`` grouped into batches of similar lengths, shortest first; a
        batch of long sentences holds fewer of them, so each span tensor stays near one size."""
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))  # similar lengths, less padding
        batches, start = [], 0
        while start < len(order):
            longest = len(sentences[order[min(start + self.batch_size, len(order)) - 1]])
            size = max(1, min(self.batch_size, int(self.batch_size * (40 / max(longest, 1)) ** 2)))
            batches.append(order[start : start + size])
            start += size
        return batches

    def _parse_batch(self, sentences: Sequence[Sequence[str]], indices: list[int]) -> list[Tree]:
        examples = [ChartExample(list(sentences[i]), None, None) for i in indices]
        batch = collate(examples, self.model.vocab, self.model.config.labeled)
        with self._autocast():  # thread-local, like decode's no_grad: entered on the thread that runs
            return self.model.decode(batch)

    def _parse_checked(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        batches = self.batches(sentences)
        if self.workers == 1 or len(batches) == 1:
            decoded = [self._parse_batch(sentences, indices) for indices in batches]
        else:
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # one per worker: the workers share the cores instead of each op
            try:
                with ThreadPoolExecutor(max_workers=self.workers) as pool:
                    decoded = list(pool.map(lambda indices: self._parse_batch(sentences, indices), batches))
            finally:
                torch.set_num_threads(threads)
        trees: list[Tree | None] = [None] * len(sentences)
        for indices, batch_trees in zip(batches, decoded, strict=True):
            for index, tree in zip(indices, batch_trees, strict=True):
                trees[index] = tree
        return trees  # type: ignore[return-value]
