"""The DESIGN.md contract every model passes, at a tiny size."""

from __future__ import annotations

import copy

import pytest
import torch

from tests.fitting import fit_one_batch
from tests.textae.helpers import random_treebank
from textae.models import MODELS
from textae.train import evaluate
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab

TREE_MODELS = ["rae", "semi_supervised_rae", "greedy_rae", "deep_recursive", "unfolding_rae", "denoising_rae"]
TINY = {"hidden_size": 6}
EXTRA = {"deep_recursive": {"embedding_size": 5, "num_layers": 3}}  # E != H exercises the untied leaf weights


def make(name: str, vocab: Vocab, seed: int = 0, **overrides):
    torch.manual_seed(seed)
    config_class, model_class = MODELS[name]
    return model_class(config_class(vocab_size=len(vocab), **{**TINY, **EXTRA.get(name, {}), **overrides})).double()


@pytest.fixture(scope="module")
def treebank():
    trees = random_treebank(11, 6, min_leaves=2, max_leaves=10)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    encoded = [encode_tree(tree, vocab) for tree in trees]
    return vocab, encoded


@pytest.mark.parametrize("name", TREE_MODELS)
@pytest.mark.parametrize("size", [1, 3])
def test_output_shapes(name, size, treebank):
    vocab, encoded = treebank
    batch = TreeBatch.collate(encoded[:size])
    model = make(name, vocab)
    output = model(batch)
    assert output.node_states.shape == (batch.num_nodes, 6)
    assert output.root_states.shape == (size, 6)
    if hasattr(output, "reconstruction_errors"):
        assert output.reconstruction_errors.shape == (batch.num_nodes - batch.num_leaf_nodes,)
    if hasattr(output, "logits"):
        assert output.logits.shape == (batch.num_nodes, 5)
    terms = model.loss(batch)
    assert terms["loss"].shape == () and int(terms["num_items"]) == size
    assert all(not value.requires_grad for key, value in terms.items() if key != "loss")


@pytest.mark.parametrize("name", TREE_MODELS)
def test_batched_equals_per_item(name, treebank):
    vocab, encoded = treebank
    model = make(name, vocab).eval()
    batch = TreeBatch.collate(encoded)
    batched = model(batch)
    offset = 0
    for index, item in enumerate(encoded):
        single = model(TreeBatch.collate([item]))
        rows = batch.node_order[offset : offset + item.num_nodes]
        offset += item.num_nodes
        single_rows = TreeBatch.collate([item]).node_order
        torch.testing.assert_close(batched.node_states[rows], single.node_states[single_rows])
        torch.testing.assert_close(batched.root_states[index], single.root_states[0])
    per_item = torch.stack([model.loss(TreeBatch.collate([item]))["loss"] for item in encoded])
    torch.testing.assert_close(model.loss(batch)["loss"], per_item.mean())


@pytest.mark.parametrize("name", TREE_MODELS)
def test_every_parameter_gets_a_gradient_and_a_step_changes_weights(name, treebank):
    vocab, encoded = treebank
    model = make(name, vocab)
    batch = TreeBatch.collate(encoded)
    model.loss(batch)["loss"].backward()
    for parameter_name, parameter in model.named_parameters():
        assert parameter.grad is not None, parameter_name
        assert float(parameter.grad.abs().sum()) > 0, parameter_name
    before = copy.deepcopy(model.state_dict())
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    for key, value in model.state_dict().items():
        assert not torch.equal(before[key], value), key


@pytest.mark.parametrize("name", TREE_MODELS)
def test_a_tiny_batch_can_be_overfitted(name, treebank):
    vocab, encoded = treebank
    overrides = {"embedding_size": 16, "dropout": 0.0} if name == "deep_recursive" else {"weight_decay_reconstruction": 0.0}
    model = make(name, vocab, hidden_size=16, **overrides)
    batch = TreeBatch.collate(encoded[:4])
    first = float(model.loss(batch)["loss"].detach())
    fit_one_batch(model, batch, steps=500, lr=0.02)
    last = float(model.loss(batch)["loss"].detach())
    assert last < 0.15 * first, (first, last)
    if hasattr(model, "eval_counts"):  # random labels repeat words, so only roots are learnable
        correct, total = model.eval_counts(batch)["root_fine_acc"]
        assert correct == total


@pytest.mark.parametrize("name", TREE_MODELS)
def test_same_seed_same_loss(name, treebank):
    vocab, encoded = treebank
    batch = TreeBatch.collate(encoded)
    first = make(name, vocab, seed=5).loss(batch)["loss"]
    second = make(name, vocab, seed=5).loss(batch)["loss"]
    third = make(name, vocab, seed=6).loss(batch)["loss"]
    assert float(first.detach()) == float(second.detach()) != float(third.detach())


@pytest.mark.parametrize("name", TREE_MODELS)
def test_checkpoint_round_trip_gives_the_same_evaluation(name, treebank, tmp_path):
    vocab, encoded = treebank
    model = make(name, vocab)
    batches = [TreeBatch.collate(encoded[:3]), TreeBatch.collate(encoded[3:])]
    model.save_pretrained(tmp_path, vocab=vocab)
    _, model_class = MODELS[name]
    loaded = model_class.from_pretrained(tmp_path)
    assert loaded.config == model.config
    assert evaluate(loaded.double(), batches) == evaluate(model, batches)
    assert Vocab.load(tmp_path / "vocab.json") == vocab
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors", "vocab.json"]


@pytest.mark.parametrize("name", TREE_MODELS)
def test_config_validation(name):
    config_class, _ = MODELS[name]
    with pytest.raises(ValueError, match="hidden_size"):
        config_class(vocab_size=10, hidden_size=0)
    with pytest.raises(ValueError, match="vocab_size"):
        config_class(vocab_size=1)
