from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from textae.losses import child_reconstruction_error, gaussian_kl, sum_per_tree, token_nll
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
    assert counts == {"root_binary_acc": (2.0, 2.0)}  # no "fine" figure: it would be the binary one again
    logits5 = torch.tensor([[5.0, 0, 0, 0, 0], [0, 5.0, 0, 0, 0]])  # both predicted negative
    counts = sentiment_counts(logits5, torch.tensor([0, 1]), torch.tensor([0, 1]))  # both gold negative (fine 0, 1)
    assert counts["root_binary_acc"] == (2.0, 2.0)


def test_token_nll_matches_cross_entropy_in_value_and_gradient():
    torch.manual_seed(0)
    base = torch.randn(6, 9, dtype=torch.float64) * 3
    targets = torch.tensor([0, 8, 3, 3, 5, 1])
    weights = torch.randn(6, dtype=torch.float64)  # a non-uniform upstream gradient
    expected_logits = base.clone().requires_grad_()
    expected = F.cross_entropy(expected_logits, targets, reduction="none")
    (expected * weights).sum().backward()
    logits = base.clone().requires_grad_()
    loss = token_nll(logits, targets)
    torch.testing.assert_close(loss, expected.detach(), rtol=0, atol=1e-12)
    (loss * weights).sum().backward()
    torch.testing.assert_close(logits.grad, expected_logits.grad, rtol=0, atol=1e-12)
    torch.testing.assert_close(logits.detach(), base, rtol=0, atol=0)  # the caller's tensor is left as it was


def test_token_nll_refuses_a_second_backward_through_the_same_graph():
    # (so torch.autograd.gradcheck, which backpropagates once per output, cannot check it: the
    # test above compares its gradient with cross-entropy's instead)
    logits = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([1, 0, 4, 2])
    loss = token_nll(logits * 2.0, targets).sum()
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):  # its saved block was reused
        loss.backward()


def test_token_nll_upcasts_bfloat16_and_returns_its_gradient_in_bfloat16():
    logits = torch.randn(3, 7).bfloat16().requires_grad_()
    targets = torch.tensor([6, 0, 2])
    loss = token_nll(logits, targets)
    assert loss.dtype == torch.float32
    torch.testing.assert_close(loss, F.cross_entropy(logits.detach().float(), targets, reduction="none"))
    loss.sum().backward()
    assert logits.grad.dtype == torch.bfloat16
    torch.testing.assert_close(logits.grad.float(), torch.softmax(logits.detach().float(), 1)
                               - F.one_hot(targets, 7).float(), rtol=0.01, atol=0.01)


def test_token_nll_without_autograd_and_bad_shapes():
    logits, targets = torch.randn(3, 4), torch.tensor([0, 1, 3])
    with torch.no_grad():
        torch.testing.assert_close(token_nll(logits, targets), F.cross_entropy(logits, targets, reduction="none"))
    with pytest.raises(ValueError, match=r"\[N, V\] logits and \[N\] targets"):
        token_nll(logits, targets[:2])
    with pytest.raises(ValueError, match="logits"):
        token_nll(logits.unsqueeze(0), targets)


def test_loss_functions_refuse_shapes_that_would_broadcast():
    from textae.losses import squared_error

    column = torch.tensor([[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match=r"equal shapes, got \(3,\) and \(3, 1\)"):
        squared_error(torch.tensor([1.0, 2.0, 3.0]), column)  # was [5, 2, 5], every row against every other
    with pytest.raises(ValueError, match="one shape"):
        gaussian_kl(torch.zeros(2, 4), torch.zeros(2, 1))
    pair, leaves = torch.zeros(3, 4), torch.ones(3)
    with pytest.raises(ValueError, match=r"four \[n, D\] tensors"):
        child_reconstruction_error(pair, pair, pair, torch.zeros(3, 1), leaves, leaves)


def test_binary_targets_refuse_labels_that_are_not_classes():
    from textae.metrics import binary_targets

    with pytest.raises(ValueError, match=r"label 4 is not a class of a 2-class model .*binary_label"):
        binary_targets(torch.tensor([4, 1, -100]), 2)  # 4 used to pass through as a binary target
    with pytest.raises(ValueError, match="label -5 is not a class of a 2-class model"):
        binary_targets(torch.tensor([0, -5]), 2)
    with pytest.raises(ValueError, match="label 7 is not a class of a 5-class model"):
        binary_targets(torch.tensor([7, 0]), 5)  # 7 used to count as positive
    targets, mask = binary_targets(torch.tensor([1, 0, -100]), 2)
    assert targets.tolist() == [1, 0, 0] and mask.tolist() == [True, True, False]
    targets, mask = binary_targets(torch.tensor([4, 2, 0, -100]))
    assert targets.tolist() == [1, 0, 0, 0] and mask.tolist() == [True, False, True, False]
