"""The denoising RAE: corrupted words in, clean children reconstructed, clean words at evaluation."""

from __future__ import annotations

import pytest
import torch

from tests.textae.helpers import random_treebank
from textae.models import DenoisingRAE, DenoisingRAEConfig
from textae.trees import TreeBatch, encode_tree
from textae.vocab import Vocab


def test_denoising_rae_composes_over_corrupted_words_and_reconstructs_clean_children():
    trees = random_treebank(4, 30, min_leaves=8, max_leaves=14)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    batch = TreeBatch.collate([encode_tree(tree, vocab) for tree in trees])
    torch.manual_seed(0)
    model = DenoisingRAE(DenoisingRAEConfig(vocab_size=len(vocab), hidden_size=6, leaf_mask_rate=0.4))
    seen = []
    handle = model.encoder.register_forward_pre_hook(lambda module, args: seen.append(args[0].token_ids.clone()))
    model.train()
    output = model(batch)
    handle.remove()
    clean, noisy = seen  # the clean pass (targets) and the corrupted pass (inputs)
    n0 = batch.num_leaf_nodes
    assert torch.equal(clean, batch.token_ids)
    changed = float((noisy[:n0] != clean[:n0]).float().mean())
    assert 0.25 < changed < 0.45 and torch.equal(noisy[n0:], clean[n0:])  # only words are corrupted
    clean_states = model.encoder(batch)
    expected = model.decoder(batch, output.node_states, targets=clean_states)
    torch.testing.assert_close(output.reconstruction_errors, expected)
    model.eval()  # evaluation reads the clean words
    torch.testing.assert_close(model(batch).node_states, clean_states)


def test_denoising_rae_trains_and_its_rate_is_checked():
    trees = random_treebank(5, 6, max_leaves=8)
    vocab = Vocab.build(tree.leaves() for tree in trees)
    batch = TreeBatch.collate([encode_tree(tree, vocab) for tree in trees])
    torch.manual_seed(0)
    model = DenoisingRAE(DenoisingRAEConfig(vocab_size=len(vocab), hidden_size=8, leaf_mask_rate=0.15))
    model.loss(batch)["loss"].backward()
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in model.parameters())
    with pytest.raises(ValueError, match="leaf_mask_rate"):
        DenoisingRAEConfig(vocab_size=10, leaf_mask_rate=1.0)
    with pytest.raises(ValueError, match="alpha"):  # the semi-supervised RAE's checks still apply
        DenoisingRAEConfig(vocab_size=10, alpha=2.0)
