"""Greedy RAE: batched greedy merges equal a per-sentence brute-force search."""

from __future__ import annotations

import random

import torch

from parsers import is_binary
from textae.losses import child_reconstruction_error
from textae.models.greedy_rae import GreedyRAE, greedy_merges, merges_to_tree
from textae.models.semi_supervised_rae import SemiSupervisedRAEConfig
from textae.vocab import Vocab


def brute_force(encoder, decoder, ids: list[int]) -> list[tuple[int, int]]:
    """Recompute every adjacent pair's error at every step; merge the lowest."""
    nodes = [(i, encoder.embedding.weight[token], 1) for i, token in enumerate(ids)]
    merges, next_id = [], len(ids)
    while len(nodes) > 1:
        errors = []
        for k in range(len(nodes) - 1):
            (_, left, nl), (_, right, nr) = nodes[k], nodes[k + 1]
            parent = encoder.compose(torch.cat([left, right]).unsqueeze(0))
            left_rec, right_rec = decoder.linear(parent).chunk(2, dim=-1)
            error = child_reconstruction_error(left.unsqueeze(0), right.unsqueeze(0), left_rec, right_rec,
                                               torch.tensor([nl]), torch.tensor([nr]))
            errors.append((float(error), k, parent[0]))
        _, k, parent = min(errors, key=lambda item: (item[0], item[1]))
        merges.append((nodes[k][0], nodes[k + 1][0]))
        nodes[k : k + 2] = [(next_id, parent, nodes[k][2] + nodes[k + 1][2])]
        next_id += 1
    return merges


def test_batched_greedy_merges_equal_brute_force():
    rng = random.Random(0)
    sentences = [[rng.randrange(2, 30) for _ in range(rng.randint(1, 12))] for _ in range(25)]
    torch.manual_seed(0)
    model = GreedyRAE(SemiSupervisedRAEConfig(vocab_size=30, hidden_size=6, embedding_init_range=0.5)).double()
    with torch.no_grad():
        batched = greedy_merges(model.rae.encoder, model.rae.decoder, sentences)
        expected = [brute_force(model.rae.encoder, model.rae.decoder, ids) for ids in sentences]
    assert batched == expected
    assert [len(m) for m in batched] == [len(s) - 1 for s in sentences]


def test_trees_keep_words_and_are_binary_and_training_works():
    sentences = [["a", "good", "film"], ["bad"], ["not", "bad", "at", "all", "."]]
    vocab = Vocab.build(sentences)
    torch.manual_seed(0)
    model = GreedyRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=8, num_classes=2))
    trees = model.build_trees(sentences, vocab)
    assert [tree.leaves() for tree in trees] == sentences and all(is_binary(tree) for tree in trees)
    assert model.build_trees([], vocab) == []  # no sentence, no tree (was max() of an empty sequence)
    batch = model.batch(sentences, [1, 0, 1], vocab)
    assert set(batch.node_labels.tolist()) <= {0, 1}
    terms = model.loss(batch)
    terms["loss"].backward()
    assert all(p.grad is not None for p in model.parameters())
    assert str(merges_to_tree(["x", "y", "z"], [(1, 2), (0, 3)])) == "(X (X x) (X (X y) (X z)))"


def test_greedy_rae_as_a_parser():
    import pytest

    from parsers import ParseInputError
    from textae.models.greedy_rae import GreedyRAEParser

    vocab = Vocab.build([["a", "good", "film"]])
    model = GreedyRAE(SemiSupervisedRAEConfig(vocab_size=len(vocab), hidden_size=4))
    parser = GreedyRAEParser(model, vocab, batch_size=2)
    trees = parser.parse_many([["a", "good", "film"], ["unseen", "words"], ["x"]])
    assert [t.leaves() for t in trees] == [["a", "good", "film"], ["unseen", "words"], ["x"]]
    with pytest.raises(ParseInputError):
        parser.parse([])
