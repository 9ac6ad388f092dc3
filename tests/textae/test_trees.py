"""TreeBatch layout, and the level-batched encoder against a per-node recursive reference."""

from __future__ import annotations

import pytest
import torch

from parsers import Tree, parse_tree
from tests.textae.helpers import random_treebank
from textae.models.rae import RecursiveEncoder
from textae.reference import recursive_node_states
from textae.trees import IGNORE_LABEL, TreeBatch, TreeStructureError, bottom_up, encode_tree
from textae.vocab import Vocab


def build(trees: list[Tree], **kwargs) -> tuple[Vocab, TreeBatch]:
    vocab = Vocab.build(tree.leaves() for tree in trees)
    return vocab, TreeBatch.collate([encode_tree(tree, vocab, **kwargs) for tree in trees])


def test_small_batch_layout_by_hand():
    tree_a = parse_tree("(3 (2 a) (4 (2 b) (1 c)))", sst=True)
    tree_b = parse_tree("(0 d)", sst=True)
    vocab, batch = build([tree_a, tree_b])
    # level 0: a, b, c (tree a, post-order), d (tree b); level 1: (b c); level 2: root of a
    assert batch.level_offsets == [0, 4, 5, 6]
    assert vocab.decode(batch.token_ids[:4].tolist()) == ["a", "b", "c", "d"]
    assert batch.token_ids[4:].tolist() == [-1, -1]
    assert batch.left.tolist() == [-1, -1, -1, -1, 1, 0]
    assert batch.right.tolist() == [-1, -1, -1, -1, 2, 4]
    assert batch.parent.tolist() == [5, 4, 4, -1, 5, -1]
    assert batch.roots.tolist() == [5, 3]
    assert batch.tree_index.tolist() == [0, 0, 0, 1, 0, 0]
    assert batch.node_labels.tolist() == [2, 2, 1, 0, 4, 3]
    assert batch.num_leaves.tolist() == [1, 1, 1, 1, 2, 3]
    assert batch.num_trees == 2 and batch.num_levels == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_batches_keep_every_invariant(seed):
    trees = random_treebank(seed, 12, max_leaves=15)
    _, batch = build(trees)
    rows = torch.arange(batch.num_nodes)
    internal = batch.left >= 0
    # every child precedes its parent, and lies in a lower level
    assert bool((batch.left[internal] < rows[internal]).all())
    assert bool((batch.right[internal] < rows[internal]).all())
    assert bool((batch.parent[batch.left[internal]] == rows[internal]).all())
    assert bool((batch.tree_index[batch.left[internal]] == batch.tree_index[internal]).all())
    # leaves exactly fill level 0 and carry token ids
    assert bool((batch.token_ids[: batch.num_leaf_nodes] >= 0).all())
    assert not bool(internal[: batch.num_leaf_nodes].any())
    assert bool(internal[batch.num_leaf_nodes :].all())
    # num_leaves adds up, and each root covers its whole sentence
    assert bool((batch.num_leaves[internal] == batch.num_leaves[batch.left[internal]] + batch.num_leaves[batch.right[internal]]).all())
    assert batch.num_leaves[batch.roots].tolist() == [len(tree.leaves()) for tree in trees]
    assert bool((batch.parent[batch.roots] == -1).all())
    assert batch.num_nodes == sum(tree.num_nodes() for tree in trees)


def test_root_only_and_unlabelled_trees():
    tree = parse_tree("(3 (2 a) (4 b))", sst=True)
    vocab = Vocab.build([tree.leaves()])
    root_only = encode_tree(tree, vocab, labels="root")
    assert root_only.labels.tolist() == [IGNORE_LABEL, IGNORE_LABEL, 3]
    assert set(encode_tree(tree, vocab, labels="none").labels.tolist()) == {IGNORE_LABEL}


def test_non_binary_trees_are_refused_with_a_clear_error():
    vocab = Vocab.build([["a", "b", "c"]])
    with pytest.raises(TreeStructureError, match="binary"):
        encode_tree(parse_tree("(S (A a) (B b) (C c))"), vocab, label_fn=None)
    with pytest.raises(TreeStructureError, match="not a class"):
        encode_tree(parse_tree("(S (A a) (B b))"), vocab)


def test_deep_tree_encodes_without_recursion():
    tree = Tree("2", ("w0",))
    for _ in range(5000):
        tree = Tree("2", (Tree("2", ("w1",)), tree))
    vocab = Vocab.build([["w0", "w1"]])
    batch = TreeBatch.collate([encode_tree(tree, vocab)])
    assert batch.num_levels == 5001 and batch.num_nodes == 10001


def test_empty_collate_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        TreeBatch.collate([])


@pytest.mark.parametrize("normalize", [True, False])
def test_level_batched_encoder_equals_recursive_reference(normalize):
    torch.manual_seed(0)
    trees = random_treebank(3, 7, max_leaves=12)
    vocab, batch = build(trees)
    encoder = RecursiveEncoder(len(vocab), 6, normalize, 0.5).double()
    batched = encoder(batch)  # [N, D]
    weights = torch.randn_like(batched)
    (batched * weights).sum().backward()
    batched_grads = [p.grad.clone() for p in encoder.parameters()]
    encoder.zero_grad()

    reference = torch.zeros_like(batched)
    offset = 0
    total = 0
    for tree in trees:
        states = recursive_node_states(encoder, tree, vocab)
        rows = batch.node_order[offset : offset + len(states)]
        reference_rows = torch.stack(states)
        total = total + (reference_rows * weights[rows]).sum()
        reference = reference.index_copy(0, rows, reference_rows.detach())
        offset += len(states)
    total.backward()
    torch.testing.assert_close(batched, reference, rtol=0, atol=1e-12)
    for batched_grad, parameter in zip(batched_grads, encoder.parameters(), strict=True):
        torch.testing.assert_close(batched_grad, parameter.grad, rtol=0, atol=1e-12)


def test_bottom_up_checks_leaf_count():
    trees = random_treebank(4, 2)
    _, batch = build(trees)
    with pytest.raises(ValueError, match="leaf states"):
        bottom_up(batch, torch.zeros(batch.num_leaf_nodes + 1, 3), lambda children: children[:, :3])


def test_labels_that_are_not_sentiment_classes_are_refused():
    vocab = Vocab.build([["a", "b"]])
    assert encode_tree(parse_tree("(4 (1 a) (3 b))"), vocab).labels.tolist() == [1, 3, 4]
    for bad in ("(7 (1 a) (3 b))", "(-3 (1 a) (3 b))", "(S (NP a) (VP b))"):
        with pytest.raises(TreeStructureError, match="not an SST sentiment class"):  # "7" counted as positive
            encode_tree(parse_tree(bad), vocab)
    assert encode_tree(parse_tree("(S (NP a) (VP b))"), vocab, label_fn=None).labels.tolist() == [IGNORE_LABEL] * 3


def test_inputs_of_the_wrong_kind_are_refused_with_the_fix():
    tree = parse_tree("(2 (2 a) (2 b))")
    vocab = Vocab.build([tree.leaves()])
    with pytest.raises(TypeError, match=r"got Tree at position 0; encode trees first with encode_tree\(tree, vocab\)"):
        TreeBatch.collate([tree])  # used to fail on int() of a method
    with pytest.raises(TypeError, match=r"got the str '\(2 \(2 a\) \(2 b\)\)'; parse it first with parsers.parse_tree"):
        encode_tree("(2 (2 a) (2 b))", vocab)
    with pytest.raises(TypeError, match="needs a textae.vocab.Vocab, got list"):
        encode_tree(tree, ["a", "b"])  # used to look words up by list position


def test_labels_from_label_fn_must_be_classes_or_ignore_label():
    tree = parse_tree("(3 (2 a) (4 b))")
    vocab = Vocab.build([tree.leaves()])
    with pytest.raises(TreeStructureError, match="label_fn returned -5 for node label '2'"):
        encode_tree(tree, vocab, label_fn=lambda label: -5)
    with pytest.raises(TreeStructureError, match="label_fn returned -5 for node label '3'"):
        encode_tree(tree, vocab, label_fn=lambda label: -5, labels="root")
    with pytest.raises(TypeError, match=r"label_fn returned '2' \(str\)"):
        encode_tree(tree, vocab, label_fn=str)
    assert encode_tree(tree, vocab, label_fn=lambda label: IGNORE_LABEL).labels.tolist() == [IGNORE_LABEL] * 3
    encoded = encode_tree(tree, vocab)
    assert TreeBatch.collate([encoded]).max_label == 4
    assert TreeBatch.collate([encode_tree(tree, vocab, labels="none")]).max_label == IGNORE_LABEL
    from dataclasses import replace

    import numpy as np

    with pytest.raises(ValueError, match="node label -5 is negative"):  # an EncodedTree built by hand
        TreeBatch.collate([replace(encoded, labels=np.array([0, -5, 1]))])
