"""textae.sentiment: the logistic-regression probe on frozen root features."""

from __future__ import annotations

import numpy as np

from textae.sentiment import logistic_probe


def split(labels: list[int], seed: int = 0) -> dict[str, np.ndarray]:
    """Root features that separate the classes, and SST labels 0-4."""
    label = np.array(labels, dtype=np.int64)
    noise = np.random.default_rng(seed).normal(size=(len(label), 3))
    return {"root": (noise + label[:, None]).astype(np.float32), "label": label}


def test_the_probe_scores_both_tasks():
    train, dev, test = split([0, 1, 2, 3, 4] * 8), split([0, 1, 3, 4], 1), split([0, 4], 2)
    results = logistic_probe(train, dev, test, "root")
    for task in ("fine", "binary"):
        assert 0 <= results[f"dev_root_{task}_acc"] <= 100 and 0 <= results[f"test_root_{task}_acc"] <= 100
        assert f"{task}_skipped" not in results


def test_a_task_without_examples_or_with_one_class_is_skipped_not_an_error():
    # dev holds one neutral root: no non-neutral root to score the binary probe on
    results = logistic_probe(split([0, 1, 2, 3, 4] * 4), split([2]), split([0, 4]), "root")
    assert results["binary_skipped"] == "dev has no non-neutral roots"
    assert "dev_root_binary_acc" not in results and 0 <= results["dev_root_fine_acc"] <= 100
    # train's non-neutral roots are all positive: logistic regression needs two classes
    results = logistic_probe(split([2, 3, 4, 4]), split([0, 4]), split([1, 3]), "root")
    assert results["binary_skipped"] == "the 3 train non-neutral roots all have one class (label 1)"
    assert 0 <= results["test_root_fine_acc"] <= 100
    results = logistic_probe(split([3, 3]), split([3]), split([]), "root")
    assert results == {"fine_skipped": "test has no roots", "binary_skipped": "test has no non-neutral roots"}
