"""Sentence variational autoencoder (Bowman, Vilnis, Vinyals, Dai, Jozefowicz, Bengio; CoNLL 2016).

    q(z|x) = N(mu, diag(exp(logvar))),  [mu; logvar] = W_q h_T,  h_T = LSTM_enc(x) last state
    z      = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)
    p(x|z) = prod_t softmax(W_o LSTM_dec(y_{<t}, h_0 = tanh(W_z z)))[x_t]
    loss   = -log p(x|z) + beta(step) * KL(q(z|x) || N(0, I))

Equation -> code: ``W_q`` = ``SentenceEncoder.posterior``; ``W_z`` = ``SentenceDecoder.initial``;
``W_o`` = ``SentenceDecoder.output``; beta(step) = ``kl_weight`` (schedules.py).

Against posterior collapse (the decoder ignoring z): KL annealing (linear, logistic as the
paper, or cyclical as Fu et al. 2019), word dropout on the decoder inputs (the paper), z
fed at every decoder step (optional), and KL thresholding ("free bits": each latent
dimension's batch-mean KL counts at least ``free_bits`` nats).

Speed: the output layer (hidden x vocabulary) dominates; it runs only over real tokens
(padding is dropped before the softmax), not over the padded batch. ``softmax_shortlist``
(``--softmax-shortlist``) makes it a two-level softmax with exact probabilities that computes
the rare words' softmax only where the target is rare (``SentenceDecoder.target_nll``). The LSTMs read the padded
batch whole (``padded_lstm``): on CPU that is oneDNN's fused LSTM, forward and backward
~1.4-1.8x faster than the step loop a packed sequence takes (a hand timing, 32 sentences of
18-24 tokens, 2 cores, session 16), and the outputs at real positions are the same (padding
comes after each sentence, so it never reaches them).

Decoding (greedy, sampled, beam search; from the prior or from posteriors) and latent paths
between sentences live in ``textae/decoding.py``; ``SentenceDecoder.step`` is the one decoder
step they repeat.

Loss reduction: NLL summed over the tokens of a sentence (incl. the end token), KL summed
over latent dimensions; both averaged over sentences.

Shape legend: B sentences, T tokens (padded), N real tokens in the batch, D hidden,
E embedding, Z latent, V vocabulary, K importance samples.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from textae.losses import token_nll
from textae.schedules import cyclical_kl_weight, linear_kl_weight, logistic_kl_weight
from textae.serialization import PretrainedMixin, check_field_types

KL_SCHEDULES = ("constant", "linear", "logistic", "cyclical")


@dataclass(frozen=True)
class SentenceVAEConfig:
    vocab_size: int
    pad_id: int = 0
    unk_id: int = 1
    bos_id: int = 2
    eos_id: int = 3
    embedding_size: int = 256
    hidden_size: int = 256
    latent_size: int = 32
    word_dropout: float = 0.0  # probability of replacing a decoder input by <unk>
    decoder_dropout: float = 0.5  # on decoder inputs and outputs
    feed_latent: bool = False  # concatenate z to every decoder input
    kl_schedule: str = "linear"  # constant | linear | logistic | cyclical
    kl_anneal_steps: int = 10_000  # linear: steps to reach 1; logistic: midpoint; cyclical: steps of all cycles, then 1
    free_bits: float = 0.0  # per-dimension KL floor in nats (0: off)
    tie_output: bool = False  # the output layer's weights are the word embeddings (Press & Wolf 2017)
    softmax_shortlist: int = 0  # > 0: two-level softmax, ids below it in the head (0: one softmax)

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "embedding_size": "size of word embeddings (one table, shared by encoder and decoder)",
        "hidden_size": "LSTM hidden size of the encoder and the decoder",
        "latent_size": "size of z (unused by lstm_lm)",
        "word_dropout": "in training, probability of replacing each decoder input word by <unk>",
        "decoder_dropout": "dropout on the decoder's input embeddings and LSTM outputs",
        "feed_latent": "also concatenate z to every decoder input, not only start the decoder from it "
                       "(unused by lstm_lm)",
        "kl_schedule": "KL weight over training (sentence_vae): constant (1) | linear (0 to 1) | logistic "
                       "(Bowman et al.) | cyclical (Fu et al.: 4 cycles, each rising from 0 to 1 over its "
                       "first half)",
        "kl_anneal_steps": "steps of --kl-schedule: linear: to reach 1; logistic: to reach 0.5; cyclical: of all "
                           "4 cycles (then 1)",
        "free_bits": "KL floor per latent dimension in nats, on its batch mean (sentence_vae; 0: off)",
        "tie_output": "use the word embeddings as the decoder's output weights (Press & Wolf 2017; needs "
                      "embedding_size == hidden_size; embeddings then start ~ U(-0.1, 0.1))",
        "softmax_shortlist": "two-level softmax for speed (0: off): the S most frequent word ids and one "
                             "'rarer word' class share the first softmax, the rarer words a second one, computed "
                             "in training only where the target is a rarer word (exact probabilities, the same "
                             "output weights; 2000 on PTB: ~3x less output-layer work)",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        for name in ("vocab_size", "embedding_size", "hidden_size", "latent_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.tie_output and self.embedding_size != self.hidden_size:
            raise ValueError(f"tie_output needs embedding_size == hidden_size, got {self.embedding_size} and "
                             f"{self.hidden_size}")
        for name in ("word_dropout", "decoder_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.kl_schedule not in KL_SCHEDULES:
            raise ValueError(f"kl_schedule must be one of {KL_SCHEDULES}, got {self.kl_schedule!r}")
        if self.free_bits < 0:
            raise ValueError(f"free_bits must be >= 0, got {self.free_bits}")
        ids = (self.pad_id, self.unk_id, self.bos_id, self.eos_id)
        if len(set(ids)) != 4 or not all(0 <= i < self.vocab_size for i in ids):
            raise ValueError(f"pad/unk/bos/eos ids must be distinct and < vocab_size, got {ids}")
        if self.softmax_shortlist and not max(ids) < self.softmax_shortlist < self.vocab_size:
            raise ValueError(f"softmax_shortlist must be 0 (off) or between {max(ids) + 1} (past the special "
                             f"tokens) and vocab_size - 1 ({self.vocab_size - 1}), got {self.softmax_shortlist}")


@dataclass
class SentenceBatch:
    """Padded sentences; the decoder reads <bos> + tokens and predicts tokens + <eos>."""

    tokens: Tensor  # [B, T] ids, pad_id after each sentence's end
    lengths: Tensor  # [B] real tokens (>= 0)
    # The largest id as a Python int (from_rows), so a model checks it against its vocabulary
    # without syncing a device; None for a batch built by hand, whose tensors are checked.
    max_id: int | None = None

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[int]], pad_id: int = 0) -> SentenceBatch:
        """Token-id lists (or 1-D integer tensors) padded with ``pad_id`` into ``[B, T]`` tokens
        and ``[B]`` lengths. ``TypeError`` for rows of words or of anything but int ids (encode
        words with ``vocab.encode`` first), ``ValueError`` for a negative id."""
        if len(rows) == 0:
            raise ValueError("cannot collate an empty list of sentences")
        rows = [_id_row(row, index) for index, row in enumerate(rows)]
        tokens = torch.full((len(rows), max(1, max(map(len, rows)))), pad_id, dtype=torch.long)  # [B, T]
        for index, row in enumerate(rows):
            if row:
                tokens[index, : len(row)] = torch.tensor(row, dtype=torch.long)
        return cls(tokens, torch.tensor([len(row) for row in rows], dtype=torch.long),
                   max_id=max((max(row) for row in rows if row), default=pad_id))

    def to(self, device: torch.device | str) -> SentenceBatch:
        return SentenceBatch(self.tokens.to(device), self.lengths.to(device), self.max_id)

    def __len__(self) -> int:
        return len(self.lengths)


def _id_row(row: object, index: int) -> list[int]:
    """Sentence ``index`` of :meth:`SentenceBatch.from_rows` as a list of int ids."""
    if isinstance(row, Tensor):
        if row.dim() != 1 or row.is_floating_point() or row.is_complex():
            raise TypeError(f"sentence {index}: a tensor row must be 1-D integer ids, got {row.dtype} of shape "
                            f"{tuple(row.shape)}")
        row = row.tolist()
    if isinstance(row, str) or not isinstance(row, Sequence) and not hasattr(row, "tolist"):
        raise TypeError(f"sentence {index}: rows must be lists of token ids (vocab.encode(words)), got "
                        f"{type(row).__name__}")
    ids = row.tolist() if hasattr(row, "tolist") else list(row)  # a numpy row too
    for token in ids:
        if isinstance(token, bool) or not isinstance(token, int):
            raise TypeError(f"sentence {index}: rows must hold int token ids (vocab.encode(words) turns words into "
                            f"them), got {token!r}")
        if token < 0:
            raise ValueError(f"sentence {index}: token ids are >= 0, got {token}")
    return ids


def padded_lstm(lstm: nn.LSTM, inputs: Tensor, lengths: Tensor,
                state: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
    """A one-layer, batch-first ``lstm`` over padded ``[B, T, E]`` inputs whose sentence ``b``
    holds ``lengths[b]`` (1..T) real positions at the start: ``([B, T, D] outputs, [B, D] the
    hidden state after each sentence's last real position)``. Outputs past a sentence's end are
    computed and meaningless; those at its real positions are exactly what the LSTM over that
    sentence alone gives, since padding only follows them.

    Under autocast the LSTM still runs in its weights' precision (float32), as it did over
    packed sequences, which autocast leaves alone: the runs in BENCHMARKS.md were trained so,
    bfloat16 recurrences would be another model, and oneDNN's LSTM refuses emulated bfloat16
    on CPUs without it."""
    device_type = inputs.device.type
    if torch.is_autocast_enabled(device_type):
        dtype = lstm.weight_ih_l0.dtype
        with torch.autocast(device_type, enabled=False):
            outputs, _ = lstm(inputs.to(dtype), None if state is None else tuple(part.to(dtype) for part in state))
    else:
        outputs, _ = lstm(inputs, state)  # [B, T, D]
    last = outputs[torch.arange(len(lengths), device=outputs.device), lengths - 1]  # [B, D]
    return outputs, last


def require_sentence_batch(batch: object, reader: str, vocab_size: int | None = None) -> None:
    """``TypeError`` unless ``batch`` is a :class:`SentenceBatch` (``reader`` names the model
    part that needs one), where a tree batch would fail on a missing attribute inside;
    ``ValueError`` when its lengths do not fit its tokens or, given ``vocab_size``, when an id
    is past the model's vocabulary (ids of another run's vocabulary), which the embedding
    would only report as an index out of range. A batch from :meth:`SentenceBatch.from_rows`
    (``max_id`` known, ids and lengths checked there) costs no device sync; one built by hand
    has its tensors checked."""
    if not isinstance(batch, SentenceBatch):
        raise TypeError(f"{reader} reads a SentenceBatch (collate_sentences of token-id lists), "
                        f"got {type(batch).__name__}")
    tokens, lengths = batch.tokens, batch.lengths
    if tokens.dim() != 2 or lengths.dim() != 1 or len(lengths) != len(tokens):
        raise ValueError(f"a SentenceBatch holds [B, T] tokens and [B] lengths, got {tuple(tokens.shape)} and "
                         f"{tuple(lengths.shape)}")
    largest = batch.max_id
    if largest is None and tokens.numel():  # built by hand
        low, high = (int(value) for value in tokens.aminmax())
        if low < 0:
            raise ValueError(f"token ids are >= 0, got {low}")
        if int(lengths.min()) < 0 or int(lengths.max()) > tokens.shape[1]:
            raise ValueError(f"lengths must be between 0 and the batch's width {tokens.shape[1]}, got "
                             f"{lengths.tolist()}")
        largest = high
    if vocab_size is not None and largest is not None and largest >= vocab_size:
        raise ValueError(f"token ids must be between 0 and vocab_size - 1 ({vocab_size - 1}), got {largest}: were "
                         f"the sentences encoded with this model's vocabulary (load_vocab of its folder)?")


def kl_weight(config: SentenceVAEConfig, step: int) -> float:
    """beta(step) of ``config.kl_schedule``; ``step`` is an optimiser step, an int >= 0
    (numpy and 0-d tensor ints too)."""
    if not hasattr(step, "__index__") or operator.index(step) < 0:
        raise ValueError(f"step must be an int >= 0 (the optimiser step the KL weight follows), got {step!r}")
    step = operator.index(step)
    if config.kl_schedule == "constant":
        return 1.0
    if config.kl_schedule == "linear":
        return linear_kl_weight(step, config.kl_anneal_steps)
    if config.kl_schedule == "logistic":
        return logistic_kl_weight(step, config.kl_anneal_steps)
    return cyclical_kl_weight(step, config.kl_anneal_steps)


class SentenceEncoder(nn.Module):
    """Embedding -> LSTM -> [mu; logvar] from the last state."""

    def __init__(self, config: SentenceVAEConfig, embedding: nn.Embedding) -> None:
        super().__init__()
        self.embedding = embedding
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, batch_first=True)
        self.posterior = nn.Linear(config.hidden_size, 2 * config.latent_size)  # W_q

    def forward(self, batch: SentenceBatch) -> tuple[Tensor, Tensor]:
        """Returns ``mu, logvar``, each ``[B, Z]``."""
        require_sentence_batch(batch, "the sentence encoder", self.embedding.num_embeddings)
        embedded = self.embedding(batch.tokens)  # [B, T, E]
        lengths = batch.lengths.clamp(min=1)  # an empty sentence reads one pad token
        _, last_hidden = padded_lstm(self.lstm, embedded, lengths)  # [B, D]
        mu, logvar = self.posterior(last_hidden).chunk(2, dim=-1)  # [B, Z] x2
        return mu, logvar


class SentenceDecoder(nn.Module):
    """LSTM language model over <bos> + tokens, started from z (or from zeros)."""

    def __init__(self, config: SentenceVAEConfig, embedding: nn.Embedding, latent_size: int) -> None:
        super().__init__()
        self.config = config
        self.embedding = embedding
        self.latent_size = latent_size
        self.feed_latent = config.feed_latent and latent_size > 0
        input_size = config.embedding_size + (latent_size if self.feed_latent else 0)
        self.lstm = nn.LSTM(input_size, config.hidden_size, batch_first=True)
        self.initial = nn.Linear(latent_size, 2 * config.hidden_size) if latent_size else None  # W_z
        self.dropout = nn.Dropout(config.decoder_dropout)
        self.output = nn.Linear(config.hidden_size, config.vocab_size)  # W_o
        if config.tie_output:  # W_o is the embedding table; N(0, 1) rows would start with huge logits
            with torch.no_grad():
                nn.init.uniform_(embedding.weight, -0.1, 0.1)
                embedding.weight[config.pad_id].zero_()
            self.output.weight = embedding.weight
        # two-level softmax: the head's logit of "a word past the shortlist" (see output_scores)
        self.rare_class = nn.Linear(config.hidden_size, 1) if config.softmax_shortlist else None

    def initial_state(self, z: Tensor | None, size: int, device: torch.device) -> tuple[Tensor, Tensor]:
        if self.initial is None or z is None:
            # in the LSTM's precision: a model cast with .double() (or .half()) runs as it is
            zeros = torch.zeros(1, size, self.config.hidden_size, device=device, dtype=self.lstm.weight_hh_l0.dtype)
            return zeros, zeros.clone()
        hidden, cell = torch.tanh(self.initial(z)).chunk(2, dim=-1)  # [B, D] x2
        return hidden.unsqueeze(0).contiguous(), cell.unsqueeze(0).contiguous()

    def inputs(self, batch: SentenceBatch) -> Tensor:
        """``[B, T+1]`` <bos> followed by the tokens, word-dropped in training."""
        config = self.config
        bos = torch.full_like(batch.tokens[:, :1], config.bos_id)
        inputs = torch.cat([bos, batch.tokens], dim=1)  # [B, T+1]
        if self.training and config.word_dropout > 0:
            drop = torch.rand(inputs.shape, device=inputs.device) < config.word_dropout
            drop[:, 0] = False
            inputs = inputs.masked_fill(drop & (inputs != config.pad_id), config.unk_id)
        return inputs

    def states_and_targets(self, batch: SentenceBatch, z: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """``([N, D] LSTM outputs, [N] targets, [N] the sentence of each)`` over the N real
        positions (each sentence's tokens and its <eos>), sentence after sentence."""
        require_sentence_batch(batch, "the sentence decoder", self.config.vocab_size)
        config = self.config
        size, width = batch.tokens.shape  # B, T
        embedded = self.dropout(self.embedding(self.inputs(batch)))  # [B, T+1, E]
        if self.feed_latent:
            embedded = torch.cat([embedded, z.unsqueeze(1).expand(-1, width + 1, -1)], dim=-1)  # [B, T+1, E+Z]
        states, _ = padded_lstm(self.lstm, embedded, batch.lengths + 1,
                                self.initial_state(z, size, batch.tokens.device))  # [B, T+1, D]
        targets = torch.cat([batch.tokens, torch.full_like(batch.tokens[:, :1], config.pad_id)], dim=1)  # [B, T+1]
        targets[torch.arange(size, device=targets.device), batch.lengths] = config.eos_id
        real = torch.arange(width + 1, device=targets.device) <= batch.lengths.unsqueeze(1)  # [B, T+1]
        sentence, position = real.nonzero(as_tuple=True)  # [N] x2
        # Only the N real positions go on: the output layer never sees padding.
        return self.dropout(states[sentence, position]), targets[sentence, position], sentence

    def logits_and_targets(self, batch: SentenceBatch, z: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """``([N, V] logits, [N] targets, [N] the sentence of each)`` over the N real positions
        (each sentence's tokens and its <eos>), sentence after sentence."""
        states, targets, sentence = self.states_and_targets(batch, z)
        return self.output_scores(states), targets, sentence  # [N, V]

    # Rows of the output layer scored at a time when no gradient is needed: a [rows, V] block of
    # logits stays in cache for its log-softmax (one [N, V] block was 2.5x slower in a hand timing
    # on this project's 2-core CPU; 256 rows took 0.6x the time of 1,024 for a 512-unit VAE's
    # importance-weighted estimate, 16 PTB sentences x 50 samples under bf16, session 14).
    SCORE_CHUNK = 256

    def token_log_likelihood(self, batch: SentenceBatch, z: Tensor | None) -> Tensor:
        """``[B]`` log p(tokens + <eos> | z), summed over each sentence's tokens.

        Without autograd (evaluation), the output layer and its log-softmax run over
        ``SCORE_CHUNK`` positions at a time; the values are those of the one-block path
        (under bf16 autocast too: logits in bf16, log-sum-exp in float32, as cross-entropy)."""
        states, targets, sentence = self.states_and_targets(batch, z)
        if torch.is_grad_enabled():
            token_log_probs = -self.target_nll(states, targets)  # [N]
        else:
            pieces = [-self.target_nll(states[start:start + self.SCORE_CHUNK], targets[start:start + self.SCORE_CHUNK])
                      for start in range(0, states.shape[0], self.SCORE_CHUNK)]
            token_log_probs = torch.cat(pieces) if pieces else states.new_zeros(0)  # [N]
        return token_log_probs.new_zeros(len(batch)).index_add(0, sentence, token_log_probs)  # [B]

    def target_nll(self, states: Tensor, targets: Tensor) -> Tensor:
        """``[N]`` -log p(target) of each row of ``[N, D]`` decoder states, in float32 at least.

        With ``softmax_shortlist`` S (a two-level softmax, Goodman 2001; the two-cluster case of
        Grave et al. 2017's adaptive softmax, without its projections): every row scores the S
        shortlist words and one rare-word class, p(w) = p_head(w) for w < S and p_head(rare) *
        p_rare(w) otherwise, and the second softmax over the V - S rarer words is computed only
        for the rows whose target is one of them (13.1% of PTB train's tokens for S = 2,000), so the
        output layer costs ~N x S + 0.13 N x V multiply-adds in place of N x V. The
        probabilities are exact (they sum to 1 over the vocabulary, :meth:`output_scores`)."""
        shortlist = self.config.softmax_shortlist
        if not shortlist:  # (without autograd: one fused log-softmax in float32, F.cross_entropy)
            return token_nll(self.output(states), targets)
        head_layer, tail_layer = self.split_output()
        rare = targets >= shortlist  # [N]
        nll = token_nll(self.head_logits(states, head_layer), torch.where(rare, shortlist, targets))  # [N]
        rows = rare.nonzero(as_tuple=True)[0]  # [R]
        if len(rows):
            nll = nll.index_add(0, rows, token_nll(self.tail_logits(states[rows], tail_layer), targets[rows] - shortlist))
        return nll

    def split_output(self) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
        """The output layer's ``(weight, bias)`` cut at ``softmax_shortlist`` S: rows below S (the
        head's words) and the rest (the tail's). One split for both halves: its backward joins the
        two gradients into one [V, D] tensor, where two slices would each have zero-filled one
        (a tied output layer's gradient is the size of the embedding table)."""
        shortlist = self.config.softmax_shortlist
        sizes = [shortlist, self.config.vocab_size - shortlist]
        (head_weight, tail_weight), (head_bias, tail_bias) = (part.split(sizes) for part in
                                                              (self.output.weight, self.output.bias))
        return (head_weight, head_bias), (tail_weight, tail_bias)

    def head_logits(self, states: Tensor, layer: tuple[Tensor, Tensor]) -> Tensor:
        """``[rows, S+1]`` the two-level softmax's first logits: the S shortlist words, then the
        rare-word class (``layer``: the head half of :meth:`split_output`)."""
        weight, bias = layer
        return torch.cat([F.linear(states, weight, bias), self.rare_class(states)], dim=-1)

    def tail_logits(self, states: Tensor, layer: tuple[Tensor, Tensor]) -> Tensor:
        """``[rows, V-S]`` the two-level softmax's second logits: the words past the shortlist
        (``layer``: the tail half of :meth:`split_output`)."""
        weight, bias = layer
        return F.linear(states, weight, bias)

    def output_scores(self, states: Tensor) -> Tensor:
        """``[rows, V]`` scores whose softmax is the next-word distribution at each of ``[rows, D]``
        states: the output layer's logits, or with ``softmax_shortlist`` the two-level softmax's
        log probabilities (softmax leaves them as they are)."""
        shortlist = self.config.softmax_shortlist
        if not shortlist:
            return self.output(states)
        head_layer, tail_layer = self.split_output()
        head = self.head_logits(states, head_layer).float().log_softmax(dim=-1)  # [rows, S+1]
        tail = self.tail_logits(states, tail_layer).float().log_softmax(dim=-1)  # [rows, V-S]
        return torch.cat([head[:, :shortlist], tail + head[:, shortlist:]], dim=-1)

    def step(self, current: Tensor, z: Tensor | None, state: tuple[Tensor, Tensor]) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """One decoder step: ``[B, 1]`` tokens -> ``[B, V]`` logits (:meth:`output_scores`) and the
        new state (the decoding of :mod:`textae.decoding` calls it once per generated word)."""
        embedded = self.embedding(current)  # [B, 1, E]
        if self.feed_latent:
            embedded = torch.cat([embedded, z.unsqueeze(1)], dim=-1)  # [B, 1, E+Z]
        states, state = self.lstm(embedded, state)  # [B, 1, D]
        return self.output_scores(states[:, 0]), state


@dataclass
class SentenceVAEOutput:
    mu: Tensor  # [B, Z]
    logvar: Tensor  # [B, Z]
    z: Tensor  # [B, Z]
    log_likelihood: Tensor  # [B] log p(x | z)
    kl: Tensor  # [B, Z] per-dimension KL(q(z|x) || p(z))


class SentenceVAE(PretrainedMixin, nn.Module):
    model_type = "sentence_vae"
    config_class = SentenceVAEConfig

    def __init__(self, config: SentenceVAEConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size, padding_idx=config.pad_id)
        self.encoder = SentenceEncoder(config, self.embedding)
        self.decoder = SentenceDecoder(config, self.embedding, config.latent_size)

    def forward(self, batch: SentenceBatch) -> SentenceVAEOutput:
        mu, logvar = self.encoder(batch)  # [B, Z] x2
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu  # [B, Z]
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)  # [B, Z]
        return SentenceVAEOutput(mu, logvar, z, self.decoder.token_log_likelihood(batch, z), kl)

    def loss(self, batch: SentenceBatch, step: int = 0) -> dict[str, Tensor]:
        """Mean over sentences of -log p(x|z) + beta(step) * KL (with the free-bits floor)."""
        output = self(batch)
        kl_per_dimension = output.kl.mean(dim=0)  # [Z]
        kl_term = kl_per_dimension.clamp(min=self.config.free_bits).sum() if self.config.free_bits else kl_per_dimension.sum()
        beta = kl_weight(self.config, step)
        nll = -output.log_likelihood.mean()
        return {
            "loss": nll + beta * kl_term,
            "nll": nll.detach(),
            "kl": output.kl.sum(dim=1).mean().detach(),
            "kl_weight": torch.tensor(beta),
            "elbo_nll": (nll + output.kl.sum(dim=1).mean()).detach(),
            "num_items": torch.tensor(len(batch)),
        }

    @torch.no_grad()
    def importance_weighted_log_likelihood(self, batch: SentenceBatch, samples: int = 500, chunk: int = 50) -> Tensor:
        """``[B]`` log p(x) estimated with ``samples`` draws from q(z|x) (Burda et al. 2016)."""
        mu, logvar = self.encoder(batch)  # [B, Z] x2
        std = (0.5 * logvar).exp()
        log_weights = []
        for start in range(0, samples, chunk):
            count = min(chunk, samples - start)
            eps = torch.randn(count, *mu.shape, device=mu.device)  # [K, B, Z]
            z = mu + eps * std  # [K, B, Z]
            repeated = SentenceBatch(batch.tokens.repeat(count, 1), batch.lengths.repeat(count), batch.max_id)
            log_likelihood = self.decoder.token_log_likelihood(repeated, z.reshape(-1, z.shape[-1])).view(count, -1)  # [K, B]
            log_prior = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)  # [K, B]
            log_posterior = -0.5 * (eps.pow(2) + math.log(2 * math.pi) + logvar).sum(-1)  # [K, B]
            log_weights.append(log_likelihood + log_prior - log_posterior)
        return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(samples)  # [B]
