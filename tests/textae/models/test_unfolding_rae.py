"""What is particular to the unfolding RAE: whole-subtree reconstruction, equal to a per-node reference."""

from __future__ import annotations

import pytest
import torch

from parsers import parse_tree
from tests.textae.helpers import random_treebank
from textae.models import UnfoldingRAE, UnfoldingRAEConfig
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


@pytest.mark.parametrize("detach_targets", [True, False])
def test_batched_errors_and_gradients_equal_the_per_node_recursive_reference(detach_targets):
    from textae.reference import recursive_unfolding_errors

    trees = random_treebank(12, 6, max_leaves=12)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    torch.manual_seed(3)
    model = UnfoldingRAE(UnfoldingRAEConfig(vocab_size=len(vocab), hidden_size=5, detach_targets=detach_targets)).double()
    encoded = [encode_tree(tree, vocab) for tree in trees]
    batch = TreeBatch.collate(encoded)
    output = model(batch)
    # internal rows of the batch, tree by tree in post-order, to line up with the reference
    order = [int(row) - batch.num_leaf_nodes for row in batch.node_order if int(row) >= batch.num_leaf_nodes]
    batched = output.reconstruction_errors[order]
    weights = torch.rand_like(batched)
    (batched * weights).sum().backward()
    batched_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    reference = torch.cat([torch.stack(recursive_unfolding_errors(model, tree, vocab)) for tree in trees])
    (reference * weights).sum().backward()
    torch.testing.assert_close(batched, reference, rtol=0, atol=1e-12)
    for (name, parameter), batched_grad in zip(model.named_parameters(), batched_grads, strict=True):
        torch.testing.assert_close(batched_grad, parameter.grad, rtol=0, atol=1e-12, msg=name)


def test_the_root_is_scored_on_every_word_and_a_lower_phrase_on_its_own():
    tree = parse_tree("(X (X (X a) (X b)) (X c))")
    vocab = Vocab.build([tree.leaves()])
    torch.manual_seed(0)
    model = UnfoldingRAE(UnfoldingRAEConfig(vocab_size=len(vocab), hidden_size=3)).double()
    batch = TreeBatch.collate([encode_tree(tree, vocab, label_fn=None)])
    errors = model(batch).reconstruction_errors  # rows: (a b) at level 1, the root at level 2
    words = model.encoder.embedding.weight.detach()
    states = model.encoder(batch)
    ab, root = states[batch.num_leaf_nodes], states[batch.roots[0]]
    unfold = model.decoder.unfold
    first, second = unfold(ab.unsqueeze(0))
    expected_ab = (words[vocab.index("a")] - first[0]).pow(2).sum() + (words[vocab.index("b")] - second[0]).pow(2).sum()
    left, right = unfold(root.unsqueeze(0))
    a_hat, b_hat = unfold(left)
    expected_root = ((words[vocab.index("a")] - a_hat[0]).pow(2).sum() + (words[vocab.index("b")] - b_hat[0]).pow(2).sum()
                     + (words[vocab.index("c")] - right[0]).pow(2).sum())
    torch.testing.assert_close(errors, torch.stack([expected_ab, expected_root]))


def test_frozen_word_vectors_stay_fixed_and_leave_the_optimizer_groups():
    model = UnfoldingRAE(UnfoldingRAEConfig(vocab_size=10, hidden_size=4, freeze_embeddings=True))
    assert not model.encoder.embedding.weight.requires_grad
    grouped = [p for group in model.optim_groups() for p in group["params"]]
    assert len(grouped) == sum(1 for p in model.parameters() if p.requires_grad)


def test_detached_targets_give_word_vectors_gradient_only_as_inputs():
    tree = parse_tree("(X (X a) (X b))")
    vocab = Vocab.build([tree.leaves()])
    batch = TreeBatch.collate([encode_tree(tree, vocab, label_fn=None)])
    grads = {}
    for detach in (True, False):
        torch.manual_seed(0)
        model = UnfoldingRAE(UnfoldingRAEConfig(vocab_size=len(vocab), hidden_size=3, detach_targets=detach)).double()
        model.loss(batch)["loss"].backward()
        grads[detach] = model.encoder.embedding.weight.grad.clone()
    assert not torch.allclose(grads[True], grads[False])
