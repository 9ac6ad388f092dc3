"""What is particular to the deep recursive net: the per-node reference, layers, untied leaves."""

from __future__ import annotations

import pytest
import torch

from tests.textae.helpers import random_treebank
from textae.models import DeepRecursiveConfig, DeepRecursiveNet
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_batched_logits_and_gradients_equal_the_per_node_recursive_reference(layers):
    from textae.reference import recursive_deep_logits

    trees = random_treebank(9, 5, max_leaves=11)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    torch.manual_seed(2)
    embedding = 5 if layers == 1 else 4  # E != H whenever allowed: leaf weights map from word space
    model = DeepRecursiveNet(DeepRecursiveConfig(vocab_size=len(vocab), embedding_size=embedding, hidden_size=5,
                                                 num_layers=layers, dropout=0.0)).double()
    with torch.no_grad():  # biases away from zero so every ReLU branch is exercised
        for parameter in model.parameters():
            if parameter.dim() == 1:
                parameter.uniform_(-0.3, 0.3)
    batch = TreeBatch.collate([encode_tree(tree, vocab) for tree in trees])
    batched = model(batch).logits[batch.node_order]  # tree-major post-order, like the reference
    weights = torch.randn_like(batched)
    (batched * weights).sum().backward()
    batched_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    reference = torch.cat([torch.stack(recursive_deep_logits(model, tree, vocab)) for tree in trees])
    (reference * weights).sum().backward()
    torch.testing.assert_close(batched, reference, rtol=0, atol=1e-12)
    for (name, parameter), batched_grad in zip(model.named_parameters(), batched_grads, strict=True):
        torch.testing.assert_close(batched_grad, parameter.grad, rtol=0, atol=1e-12, msg=name)


def test_frozen_embeddings_get_no_gradient_and_no_optimizer_group():
    model = DeepRecursiveNet(DeepRecursiveConfig(vocab_size=10, embedding_size=4, hidden_size=3, freeze_embeddings=True))
    assert not model.embedding.weight.requires_grad
    grouped = [p for group in model.optim_groups() for p in group["params"]]
    assert all(p is not model.embedding.weight for p in grouped)
    assert len(grouped) == sum(1 for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize("field, value", [("num_layers", 0), ("dropout", 1.0), ("beta", -1.0), ("embedding_size", 0)])
def test_bad_config_values_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        DeepRecursiveConfig(vocab_size=10, **{field: value})


def test_one_layer_needs_word_vectors_of_the_hidden_size():
    with pytest.raises(ValueError, match="embedding_size must equal hidden_size"):
        DeepRecursiveConfig(vocab_size=10, num_layers=1, embedding_size=4, hidden_size=5)


def _word_dropout_model_and_batch(rate):
    trees = random_treebank(4, 5, max_leaves=9)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    torch.manual_seed(0)
    model = DeepRecursiveNet(DeepRecursiveConfig(vocab_size=len(vocab), embedding_size=4, hidden_size=5, dropout=0.0,
                                                 word_dropout=rate, unk_id=vocab.unk_id))
    return model, TreeBatch.collate([encode_tree(tree, vocab) for tree in trees]), vocab


def test_word_dropout_replaces_words_by_unk_in_training_only():
    model, batch, vocab = _word_dropout_model_and_batch(0.999999)
    plain = DeepRecursiveNet(DeepRecursiveConfig(**{**model.config.__dict__, "word_dropout": 0.0}))
    plain.load_state_dict(model.state_dict())
    model.eval()
    plain.eval()
    torch.testing.assert_close(model(batch).logits, plain(batch).logits)  # no effect at evaluation
    model.train()
    unk_batch = TreeBatch.collate([encode_tree(tree, vocab) for tree in random_treebank(4, 5, max_leaves=9)])
    unk_batch.token_ids[: unk_batch.num_leaf_nodes] = vocab.unk_id  # every word unknown
    plain.train()
    torch.testing.assert_close(model(batch).logits, plain(unk_batch).logits)  # every word dropped


def test_word_dropout_rate_is_the_share_of_words_dropped():
    model, batch, vocab = _word_dropout_model_and_batch(0.3)
    seen = []
    original = model.embedding.forward
    model.embedding.forward = lambda ids: (seen.append(ids.clone()), original(ids))[1]
    model.train()
    torch.manual_seed(1)
    for _ in range(300):
        model(batch)
    words = batch.token_ids[: batch.num_leaf_nodes]
    dropped = torch.stack([(ids != words) & (ids == vocab.unk_id) for ids in seen]).float()
    known = words != vocab.unk_id
    assert abs(dropped[:, known].mean().item() - 0.3) < 0.02


@pytest.mark.parametrize("field, value", [("word_dropout", 1.0), ("word_dropout", -0.1), ("unk_id", 10)])
def test_bad_word_dropout_values_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        DeepRecursiveConfig(vocab_size=10, **{field: value})


def test_five_class_labels_for_a_two_class_net_are_refused_naming_the_fix():
    trees = random_treebank(1, 6, min_leaves=3)  # SST-style labels 0..4
    vocab = Vocab.build(tree.leaves() for tree in trees)
    batch = TreeBatch.collate([encode_tree(tree, vocab, label_fn=int) for tree in trees])
    assert batch.max_label >= 2
    model = DeepRecursiveNet(DeepRecursiveConfig(vocab_size=len(vocab), hidden_size=4, embedding_size=4, num_classes=2))
    with pytest.raises(ValueError, match=r"out of range for a model with num_classes=2 .*--labels binary"):
        model.loss(batch)
