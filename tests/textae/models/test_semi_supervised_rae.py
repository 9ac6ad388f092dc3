"""What is particular to the semi-supervised RAE: the alpha/beta weighting and weight decay groups."""

from __future__ import annotations

import pytest
import torch

from parsers import parse_tree
from textae.losses import node_cross_entropy
from textae.models import SemiSupervisedRAE, SemiSupervisedRAEConfig
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


@pytest.fixture
def setup():
    tree = parse_tree("(3 (2 a) (4 (2 b) (1 c)))", sst=True)
    vocab = Vocab.build([tree.leaves()])
    return vocab, TreeBatch.collate([encode_tree(tree, vocab)]), tree


@pytest.mark.parametrize("alpha, beta", [(0.2, 0.5), (0.0, 1.0), (1.0, 0.0), (0.7, 0.3)])
def test_loss_is_alpha_weighted_reconstruction_plus_beta_weighted_cross_entropy(setup, alpha, beta):
    vocab, batch, _ = setup
    torch.manual_seed(0)
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=4, alpha=alpha, beta=beta))
    output = model(batch)
    cross_entropy = node_cross_entropy(output.logits, batch.node_labels)
    is_root = torch.zeros(batch.num_nodes, dtype=torch.bool)
    is_root[batch.roots] = True
    expected_ce = cross_entropy[is_root].sum() + beta * cross_entropy[~is_root].sum()
    expected = alpha * output.reconstruction_errors.sum() + (1 - alpha) * expected_ce
    torch.testing.assert_close(model.loss(batch)["loss"], expected)


def test_root_only_labels_ignore_inner_nodes(setup):
    vocab, _, tree = setup
    batch = TreeBatch.collate([encode_tree(tree, vocab, labels="root")])
    torch.manual_seed(0)
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=4, alpha=0.0, num_classes=5))
    output = model(batch)
    expected = node_cross_entropy(output.logits[batch.roots], batch.node_labels[batch.roots]).sum()
    torch.testing.assert_close(model.loss(batch)["loss"], expected)
    assert "all_fine_acc" not in model.eval_counts(batch)


def test_each_parameter_group_has_its_own_weight_decay(setup):
    vocab, _, _ = setup
    config = SemiSupervisedRAEConfig(
        vocab_size=len(vocab), weight_decay_composition=1.0, weight_decay_embedding=2.0,
        weight_decay_classifier=3.0, weight_decay_reconstruction=4.0,
    )
    model = SemiSupervisedRAE(config)
    decay = {id(p): group["weight_decay"] for group in model.optim_groups() for p in group["params"]}
    assert decay[id(model.encoder.composition.weight)] == 1.0
    assert decay[id(model.encoder.embedding.weight)] == 2.0
    assert decay[id(model.classifier.weight)] == 3.0
    assert decay[id(model.decoder.linear.weight)] == 4.0
    assert decay[id(model.classifier.bias)] == 0.0
    assert len(decay) == len(list(model.parameters()))


@pytest.mark.parametrize("field, value", [("alpha", 1.5), ("beta", -1.0), ("dropout", 1.0), ("num_classes", 1)])
def test_bad_config_values_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        SemiSupervisedRAEConfig(vocab_size=10, **{field: value})


def test_normalised_parents_have_unit_length(setup):
    vocab, batch, _ = setup
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=5))
    states = model(batch).node_states[batch.num_leaf_nodes :]
    torch.testing.assert_close(states.norm(dim=-1), torch.ones(len(states)))


def test_batched_loss_and_gradients_equal_the_per_node_recursive_reference():
    from tests.textae.helpers import random_treebank
    from textae.reference import recursive_semi_supervised_loss

    trees = random_treebank(8, 5, max_leaves=11)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    torch.manual_seed(1)
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=5, alpha=0.3, beta=0.6)).double()
    batched = model.loss(TreeBatch.collate([encode_tree(tree, vocab) for tree in trees]))["loss"]
    batched.backward()
    batched_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    reference = torch.stack([recursive_semi_supervised_loss(model, tree, vocab) for tree in trees]).mean()
    reference.backward()
    torch.testing.assert_close(batched, reference, rtol=0, atol=1e-12)
    for batched_grad, parameter in zip(batched_grads, model.parameters(), strict=True):
        torch.testing.assert_close(batched_grad, parameter.grad, rtol=0, atol=1e-12)



def test_labels_beyond_num_classes_are_refused_naming_the_fix(setup):
    from dataclasses import replace

    from textae.sentiment import encode_trees

    vocab, batch, tree = setup  # 5-class labels (up to 4)
    model = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=4, num_classes=2))
    message = r"node label 4 is out of range for a model with num_classes=2 .*binary_label .*--labels binary"
    with pytest.raises(ValueError, match=message):  # used to end in torch's IndexError: Target 4 is out of bounds
        model.loss(batch)
    with pytest.raises(ValueError, match=message):  # a batch built by hand: checked on its tensor
        model.loss(replace(batch, max_label=None))
    three = SemiSupervisedRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=4, num_classes=3))
    with pytest.raises(ValueError, match="set num_classes to at least 5"):
        three.loss(batch)
    binary = TreeBatch.collate(encode_trees([tree], vocab, binary=True))
    assert binary.max_label == 1
    assert torch.isfinite(model.loss(binary)["loss"])
    assert torch.isfinite(model.loss(replace(binary, max_label=None))["loss"])
