from __future__ import annotations

import torch

from textae.losses import child_reconstruction_error, gaussian_kl, sum_per_tree
from textae.metrics import binary_predictions, sentiment_counts


def test_child_reconstruction_error_weights_by_leaves():
    left, right = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]])
    zeros = torch.zeros(1, 2)
    # ||c1||^2 = 1 with 3 leaves, ||c2||^2 = 4 with 1 leaf -> (3*1 + 1*4) / 4
    error = child_reconstruction_error(left, right, zeros, zeros, torch.tensor([3]), torch.tensor([1]))
    torch.testing.assert_close(error, torch.tensor([7.0 / 4.0]))


def test_sum_per_tree():
    values = torch.tensor([1.0, 2.0, 3.0, 4.0])
    torch.testing.assert_close(sum_per_tree(values, torch.tensor([0, 1, 0, 1]), 3), torch.tensor([4.0, 6.0, 0.0]))


def test_gaussian_kl_is_zero_at_the_prior():
    assert float(gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)).abs().sum()) == 0.0


def test_binary_predictions_sum_the_two_sides():
    # argmax is neutral, but positive mass (0.2 + 0.2) beats negative (0.1 + 0.1)
    probabilities = torch.tensor([[0.1, 0.1, 0.4, 0.2, 0.2], [0.3, 0.3, 0.2, 0.1, 0.1]])
    assert binary_predictions(probabilities.log()).tolist() == [1, 0]
    assert binary_predictions(torch.tensor([[0.0, 1.0], [2.0, 1.0]])).tolist() == [1, 0]


def test_sentiment_counts_drop_neutral_for_binary_and_split_root_from_all():
    logits = torch.eye(5)[[4, 2, 0, 1]] * 10  # predictions 4, 2, 0, 1
    labels = torch.tensor([3, 2, 0, -100])
    counts = sentiment_counts(logits, labels, roots=torch.tensor([0, 1]))
    assert counts["root_fine_acc"] == (1.0, 2.0)  # root 0: 4 vs 3 wrong; root 1: 2 vs 2 right
    assert counts["root_binary_acc"] == (1.0, 1.0)  # root 1 is neutral, dropped
    assert counts["all_fine_acc"] == (2.0, 3.0)  # unlabelled node ignored
    assert counts["all_binary_acc"] == (2.0, 2.0)


def test_active_units_counts_dimensions_that_vary():
    from textae.metrics import active_units

    mu = torch.zeros(100, 4)
    mu[:, 0] = torch.linspace(-1, 1, 100)  # variance ~0.34
    mu[:, 1] = torch.linspace(-0.1, 0.1, 100)  # variance ~0.003: inactive
    assert active_units(mu) == 1


def test_mutual_information_is_zero_for_identical_posteriors_and_grows_with_separation():
    from textae.metrics import mutual_information

    generator = torch.Generator().manual_seed(0)
    same = mutual_information(torch.zeros(200, 2), torch.zeros(200, 2), generator)
    assert abs(same) < 0.05
    mu = torch.cat([torch.full((1000, 1), -5.0), torch.full((1000, 1), 5.0)])
    separated = mutual_information(mu, torch.full((2000, 1), -2.0), generator)
    assert abs(separated - torch.log(torch.tensor(2.0)).item()) < 0.06  # two clusters: log 2 nats


def test_binary_counts_of_a_two_class_model_never_mistake_labels_for_fine_ones():
    import torch

    from textae.metrics import sentiment_counts

    # Labels 0/1 of a 2-class model, and 5-class labels that happen to be only 0/1 in a batch.
    logits2 = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    counts = sentiment_counts(logits2, torch.tensor([1, 0]), torch.tensor([0, 1]))
    assert counts["root_binary_acc"] == (2.0, 2.0)
    logits5 = torch.tensor([[5.0, 0, 0, 0, 0], [0, 5.0, 0, 0, 0]])  # both predicted negative
    counts = sentiment_counts(logits5, torch.tensor([0, 1]), torch.tensor([0, 1]))  # both gold negative (fine 0, 1)
    assert counts["root_binary_acc"] == (2.0, 2.0)
