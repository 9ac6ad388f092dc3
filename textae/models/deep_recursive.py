"""Deep recursive neural network (Irsoy & Cardie, NIPS 2014).

``num_layers`` recursive layers stacked over the same tree. Layer i sees the tree's
children in its own layer and the same node in the layer below:

    h_eta^(1) = x_eta                                                 (leaf: its word vector)
    h_eta^(1) = f(W_L^(1) h_l^(1) + W_R^(1) h_r^(1) + b^(1))             (internal)
    h_eta^(i) = f(V^(i) h_eta^(i-1) + b_leaf^(i))                        (leaf, i > 1)
    h_eta^(i) = f(W_L^(i) h_l^(i) + W_R^(i) h_r^(i) + V^(i) h_eta^(i-1) + b^(i))  (internal, i > 1)
    y_eta     = softmax(U h_eta^(l) + c)                                (every node)

with f = ReLU. As in the paper, leaves and internal nodes have separate ("untied")
weights: a child that is a leaf is read by W_L^leaf / W_R^leaf, one that is a phrase by
W_L / W_R, and leaves have their own V and bias. In layer 1 the leaves live in word space
(``embedding_size``), so their W_L^leaf / W_R^leaf map from it. Dropout is applied to the
output of every layer (the paper: dropout on the output of each layer, rate 0.1-0.5).

Equation -> code: x = ``embedding``; per layer i, ``layers[i].child_leaf`` =
[W_L^leaf; W_R^leaf], ``layers[i].child_internal`` = [W_L; W_R] (each one
``Linear(d_in, 2H)`` producing both the left- and the right-child contributions),
``layers[i].vertical_internal`` = V^(i) (internal rows, with b^(i)),
``layers[i].vertical_leaf`` = V^(i) and b_leaf^(i) for leaves; U, c = ``classifier``.

Level batching: in each layer, the children's contributions are computed when the
children are made (one matmul per level), so making a level of parents is one gather,
one add and one ReLU. Loss reduction: cross-entropy summed over the labelled nodes of a
tree (root weight 1, other nodes ``beta``), mean over trees; the same as the
semi-supervised RAE with alpha = 0 so both report the same metrics.

Shape legend: B trees, N nodes, n0 leaves, n nodes at one level, E embedding, H hidden,
C classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from textae.losses import node_cross_entropy, sum_per_tree
from textae.metrics import sentiment_counts
from textae.serialization import PretrainedMixin, check_field_types
from textae.trees import TreeBatch, check_node_labels, require_tree_batch


@dataclass(frozen=True)
class DeepRecursiveConfig:
    vocab_size: int
    embedding_size: int = 100
    hidden_size: int = 100
    num_layers: int = 3
    num_classes: int = 5
    dropout: float = 0.2  # on every layer's output (and so before the classifier)
    beta: float = 1.0  # weight of the classification cost at non-root nodes
    embedding_init_range: float = 0.05  # word vectors ~ U(-r, r) unless pre-trained ones are loaded
    freeze_embeddings: bool = False  # keep (pre-trained) word vectors fixed, as the paper does with word2vec
    weight_decay: float = 1e-5  # L2 on weight matrices (not biases, not word vectors)
    weight_decay_embedding: float = 0.0
    word_dropout: float = 0.0  # in training, each word is replaced by <unk> with this probability
    unk_id: int = 1  # textae.vocab.Vocab puts <unk> at 1

    # --help text of each field (a class attribute, not a field: it has no annotation).
    field_help = {
        "embedding_size": "size of word vectors (hidden_size is the phrase size)",
        "hidden_size": "size of phrase vectors, and of word vectors above layer 1",
        "num_layers": "stacked recursive layers",
        "dropout": "dropout on every layer's output (and so before the classifier)",
        "beta": "weight of the classification error at non-root nodes",
        "embedding_init_range": "initial word vectors ~ U(-r, r) (unless loaded from a word-vector file)",
        "freeze_embeddings": "keep word vectors fixed (e.g. pre-trained ones)",
        "weight_decay": "L2 weight on every weight matrix (not on biases or word vectors)",
        "weight_decay_embedding": "L2 weight on the word vectors (unused with --freeze-embeddings)",
        "word_dropout": "in training, replace each word by <unk> with this probability (a regulariser that also "
                        "trains the vector unknown test words get)",
        "unk_id": "id of <unk> (set from the vocabulary by the scripts)",
    }

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.vocab_size < 2:
            raise ValueError(f"vocab_size must be >= 2, got {self.vocab_size}")
        for name in ("embedding_size", "hidden_size", "num_layers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {self.num_classes}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 <= self.word_dropout < 1.0:
            raise ValueError(f"word_dropout must be in [0, 1), got {self.word_dropout}")
        if not 0 <= self.unk_id < self.vocab_size:
            raise ValueError(f"unk_id must be a word id below vocab_size={self.vocab_size}, got {self.unk_id}")
        if self.beta < 0:
            raise ValueError(f"beta must be >= 0, got {self.beta}")
        if self.embedding_init_range <= 0:
            raise ValueError(f"embedding_init_range must be > 0, got {self.embedding_init_range}")
        if self.num_layers == 1 and self.embedding_size != self.hidden_size:
            raise ValueError("with num_layers 1 the leaves are the word vectors: embedding_size must equal hidden_size")
        for name in ("weight_decay", "weight_decay_embedding"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


class RecursiveLayer(nn.Module):
    """One layer of the deep recursive net over a whole :class:`TreeBatch`.

    Leaves and internal nodes are kept apart (``[n0, d]`` and ``[N - n0, H]``) because in
    layer 1 they live in different spaces (word vectors vs hidden vectors)."""

    def __init__(self, leaf_below_size: int | None, leaf_size: int, hidden_size: int) -> None:
        """``leaf_below_size``: size of the leaves in the layer below (None for layer 1,
        whose leaves are the word vectors); ``leaf_size``: size of this layer's leaves."""
        super().__init__()
        self.hidden_size = hidden_size
        self.first = leaf_below_size is None
        self.child_leaf = nn.Linear(leaf_size, 2 * hidden_size, bias=False)  # [W_L^leaf; W_R^leaf]
        self.child_internal = nn.Linear(hidden_size, 2 * hidden_size, bias=False)  # [W_L; W_R]
        self.bias = nn.Parameter(torch.zeros(hidden_size))  # b^(i)
        self.vertical_internal = None if self.first else nn.Linear(hidden_size, hidden_size, bias=False)  # V^(i)
        self.vertical_leaf = None if self.first else nn.Linear(leaf_below_size, hidden_size)  # V_leaf^(i), b_leaf^(i)
        for linear in (self.child_leaf, self.child_internal, self.vertical_internal, self.vertical_leaf):
            if linear is not None:
                nn.init.xavier_uniform_(linear.weight, gain=nn.init.calculate_gain("relu"))
                if linear.bias is not None:
                    nn.init.zeros_(linear.bias)

    def forward(self, batch: TreeBatch, below_leaves: Tensor, below_internal: Tensor | None) -> tuple[Tensor, Tensor]:
        """Layer 1: ``below_leaves`` = ``[n0, E]`` word vectors, ``below_internal`` None.
        Layer i > 1: the layer below's ``[n0, d]`` leaves and ``[N - n0, H]`` phrases.
        Returns this layer's ``([n0, d_leaf], [N - n0, H])`` (before dropout)."""
        n0, hidden = batch.num_leaf_nodes, self.hidden_size
        if self.first:
            leaves = below_leaves  # [n0, E]: the word vectors themselves
            vertical = self.bias.expand(batch.num_nodes - n0, hidden)  # [N - n0, H]
        else:
            leaves = torch.relu(self.vertical_leaf(below_leaves))  # [n0, H]
            vertical = self.vertical_internal(below_internal) + self.bias  # [N - n0, H]
        # as_child[r] = [W_L h_r ; W_R h_r]: node r's contribution as a left / right child,
        # computed once when the node is made.
        as_child = leaves.new_zeros(batch.num_nodes, 2 * hidden)  # [N, 2H]
        as_child[:n0] = self.child_leaf(leaves)  # [n0, 2H]
        internal = leaves.new_zeros(batch.num_nodes - n0, hidden)  # [N - n0, H]
        for start, end in batch.levels()[1:]:
            left, right = batch.left[start:end], batch.right[start:end]  # [n], [n]
            parents = torch.relu(as_child[left, :hidden] + as_child[right, hidden:] + vertical[start - n0 : end - n0])
            internal[start - n0 : end - n0] = parents  # [n, H]
            as_child[start:end] = self.child_internal(parents)  # [n, 2H]
        return leaves, internal


@dataclass
class DeepRecursiveOutput:
    node_states: Tensor  # [N, H] top layer
    root_states: Tensor  # [B, H]
    logits: Tensor  # [N, C]


class DeepRecursiveNet(PretrainedMixin, nn.Module):
    """Stacked recursive layers with a softmax at every node of the top layer."""

    model_type = "deep_recursive"
    config_class = DeepRecursiveConfig

    def __init__(self, config: DeepRecursiveConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size)  # x
        nn.init.uniform_(self.embedding.weight, -config.embedding_init_range, config.embedding_init_range)
        self.embedding.weight.requires_grad_(not config.freeze_embeddings)
        E, H = config.embedding_size, config.hidden_size  # noqa: N806
        self.layers = nn.ModuleList(
            [RecursiveLayer(None, E, H)] + [RecursiveLayer(E if i == 1 else H, H, H) for i in range(1, config.num_layers)]
        )
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(H, config.num_classes)  # U, c
        nn.init.xavier_uniform_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, batch: TreeBatch) -> DeepRecursiveOutput:
        require_tree_batch(batch, "DeepRecursiveNet")
        words = batch.token_ids[: batch.num_leaf_nodes]  # [n0]
        if self.training and self.config.word_dropout > 0:
            dropped = torch.rand(words.shape, device=words.device) < self.config.word_dropout
            words = words.masked_fill(dropped, self.config.unk_id)
        leaves = self.dropout(self.embedding(words))  # [n0, E]
        internal = None
        for layer in self.layers:
            leaves, internal = layer(batch, leaves, internal)
            if layer is not self.layers[0]:
                leaves = self.dropout(leaves)  # layer 1's leaves are the (already dropped) word vectors
            internal = self.dropout(internal)
        states = torch.cat([leaves, internal])  # [N, H]: batch rows are leaves first, then phrases
        return DeepRecursiveOutput(node_states=states, root_states=states[batch.roots], logits=self.classifier(states))

    def loss(self, batch: TreeBatch, step: int = 0) -> dict[str, Tensor]:
        check_node_labels(batch, self.config.num_classes)  # a named error, not the cross-entropy's index error
        output = self(batch)
        node_weights = torch.full_like(output.logits[:, 0], self.config.beta)  # [N]
        node_weights[batch.roots] = 1.0
        cross_entropy = sum_per_tree(
            node_weights * node_cross_entropy(output.logits, batch.node_labels), batch.tree_index, batch.num_trees
        )  # [B]
        return {
            "loss": cross_entropy.mean(),
            "cross_entropy": cross_entropy.mean().detach(),
            "num_items": torch.tensor(batch.num_trees),
        }

    def eval_counts(self, batch: TreeBatch) -> dict[str, tuple[float, float]]:
        """(correct, total) for root / all-phrase, fine / binary accuracies."""
        return sentiment_counts(self(batch).logits, batch.node_labels, batch.roots)

    @torch.no_grad()
    def predict(self, batch: TreeBatch) -> Tensor:
        """``[N, C]`` class probabilities of every node."""
        return self(batch).logits.softmax(dim=-1)

    def optim_groups(self) -> list[dict]:
        """L2 on weight matrices; biases never decayed; word vectors by their own weight."""
        matrices = [p for n, p in self.named_parameters() if n.endswith("weight") and not n.startswith("embedding")]
        biases = [p for n, p in self.named_parameters() if n.endswith("bias")]
        groups = [
            {"params": matrices, "weight_decay": self.config.weight_decay},
            {"params": biases, "weight_decay": 0.0},
        ]
        if not self.config.freeze_embeddings:
            groups.insert(0, {"params": [self.embedding.weight], "weight_decay": self.config.weight_decay_embedding})
        return groups
