"""Dynamic min-pooling, node order and overlap features for paraphrase detection."""

from __future__ import annotations

import numpy as np
import pytest

from parsers import Tree, parse_tree
from textae.paraphrase import (
    dynamic_min_pool,
    length_features,
    number_features,
    pair_distance_matrix,
    paper_node_order,
    sentence_numbers,
)


def test_divisible_matrix_pools_to_block_minima():
    rng = np.random.default_rng(0)
    matrix = rng.random((30, 45))
    pooled = dynamic_min_pool(matrix, 15)
    expected = matrix.reshape(15, 2, 15, 3).min(axis=(1, 3))
    assert pooled.shape == (15, 15)
    np.testing.assert_array_equal(pooled, expected)
    np.testing.assert_array_equal(dynamic_min_pool(matrix[:15, :15], 15), matrix[:15, :15])  # one cell per region


def test_small_matrix_is_stretched_and_keeps_every_value():
    matrix = np.arange(12, dtype=np.float64).reshape(3, 4) + 0.5
    pooled = dynamic_min_pool(matrix)
    assert pooled.shape == (15, 15)
    assert set(pooled.ravel()) == set(matrix.ravel())
    assert pooled.min() == matrix.min()
    # rows repeated 5 times (15 rows, one per region); columns 4 times (16: the last region has 2)
    np.testing.assert_array_equal(pooled, np.repeat(np.repeat(matrix, 5, axis=0), [4, 4, 4, 3], axis=1))


@pytest.mark.parametrize("rows", range(1, 15))
def test_every_value_survives_when_both_sides_are_below_size(rows):
    rng = np.random.default_rng(rows)
    for columns in range(1, 15):
        matrix = rng.random((rows, columns))
        pooled = dynamic_min_pool(matrix)
        assert np.isin(matrix, pooled).all(), (rows, columns)
        assert pooled.min() == matrix.min()


def test_one_side_small_one_side_large():
    matrix = np.ones((2, 40))
    matrix[1, 39] = -1.0
    pooled = dynamic_min_pool(matrix, 15)
    # rows: 2 -> repeated 8 times = 16, regions 0..13 hold one row, 14 holds rows 14-15 (both original row 1)
    # columns: 40 = 15 * 2 + 10, so the last 10 regions have 3 columns; column 39 is in region 14
    assert pooled.min() == -1.0
    assert np.argwhere(pooled == -1.0).tolist() == [[row, 14] for row in range(8, 15)]


def test_non_divisible_regions_cover_every_cell_exactly_once():
    rows, columns = 17, 31
    for row in range(rows):
        for column in range(columns):
            matrix = np.zeros((rows, columns))
            matrix[row, column] = -1.0
            pooled = dynamic_min_pool(matrix, 15)
            assert (pooled == -1.0).sum() == 1, (row, column)


def test_a_tiny_value_lands_in_the_expected_region():
    # 37 rows = 15 * 2 + 7: regions 0..7 have 2 rows (rows 0-15), regions 8..14 have 3 (rows 16-36).
    # 20 columns = 15 * 1 + 5: regions 0..9 have 1 column, regions 10..14 have 2 (columns 10-19).
    expected = {(0, 0): (0, 0), (15, 9): (7, 9), (16, 10): (8, 10), (18, 11): (8, 10), (19, 12): (9, 11),
                (36, 19): (14, 14), (33, 17): (13, 13)}
    for (row, column), region in expected.items():
        matrix = np.full((37, 20), 5.0)
        matrix[row, column] = 0.25
        pooled = dynamic_min_pool(matrix, 15)
        assert np.argwhere(pooled == 0.25).tolist() == [list(region)], (row, column)
        assert pooled.min() == 0.25 and (pooled == 5.0).sum() == 15 * 15 - 1


def test_pooling_keeps_integer_dtype_and_other_sizes():
    matrix = np.arange(20).reshape(4, 5)
    pooled = dynamic_min_pool(matrix, 2)
    assert pooled.dtype == matrix.dtype
    # rows 4 = 2 + 2; columns 5 = 2 + 3 (the remainder goes to the last region)
    np.testing.assert_array_equal(pooled, [[0, 2], [10, 12]])
    np.testing.assert_array_equal(dynamic_min_pool(matrix, 1), [[0]])


@pytest.mark.parametrize(
    ("value", "size", "error"),
    [
        (np.zeros((0, 3)), 15, ValueError),
        (np.zeros((3, 0)), 15, ValueError),
        (np.zeros(5), 15, ValueError),
        (np.zeros((2, 2, 2)), 15, ValueError),
        (np.ones((3, 3)), 0, ValueError),
        (np.ones((3, 3)), -2, ValueError),
        (np.ones((3, 3)), 2.5, ValueError),
        (np.array([["a", "b"]]), 15, TypeError),
    ],
)
def test_pooling_rejects_bad_input(value, size, error):
    with pytest.raises(error):
        dynamic_min_pool(value, size)


def test_pair_distance_matrix():
    first = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    second = np.array([[0.0, 0.0], [3.0, 4.0]])
    distances = pair_distance_matrix(first, second)
    np.testing.assert_allclose(distances, [[0.0, 5.0], [5.0, 0.0], [np.sqrt(2), np.sqrt(13)]])
    assert distances[0, 0] == 0.0 and distances[1, 1] == 0.0
    assert pair_distance_matrix(np.array([[1, 2]]), np.array([[1, 2]])).dtype.kind == "f"
    with pytest.raises(ValueError, match="sizes differ"):
        pair_distance_matrix(first, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2-D|\\[n, D\\]"):
        pair_distance_matrix(np.zeros(3), second)


def test_paper_node_order_on_a_hand_made_tree():
    # ((a b) (c (d e))): post-order a0 b1 P2=(a b) c3 d4 e5 P6=(d e) P7=(c (d e)) P8=root
    tree = parse_tree("(S (X (W a) (W b)) (Y (W c) (Z (W d) (W e))))")
    post = list(tree.postorder())
    assert [node.label if not node.is_preterminal else node.word for node in post] == [
        "a", "b", "X", "c", "d", "e", "Z", "Y", "S"]
    order = paper_node_order(tree)
    # words left to right, then phrases depth-first right to left: root, Y, Z, X
    assert order.tolist() == [0, 1, 3, 4, 5, 8, 7, 6, 2]
    assert order.dtype == np.int64
    labels = [post[index].label for index in order[5:]]
    assert labels == ["S", "Y", "Z", "X"]
    vectors = np.arange(9)[:, None] * np.ones((1, 3))  # vector i belongs to post-order node i
    assert vectors[order][:, 0].tolist() == [0, 1, 3, 4, 5, 8, 7, 6, 2]


def test_paper_node_order_single_word_and_left_branching():
    assert paper_node_order(Tree("W", ("only",))).tolist() == [0]
    # (((a b) c) d): post-order a0 b1 P2 c3 P4 d5 P6; phrases right to left: P6, P4, P2
    tree = parse_tree("(S (T (U (W a) (W b)) (W c)) (W d))")
    assert paper_node_order(tree).tolist() == [0, 1, 3, 5, 6, 4, 2]


def test_paper_node_order_rejects_non_binary_trees():
    with pytest.raises(ValueError, match="binar"):
        paper_node_order(parse_tree("(S (W a) (W b) (W c))"))
    with pytest.raises(ValueError, match="binar"):
        paper_node_order(parse_tree("(S (X (W a)) (W b))"))


def test_sentence_numbers():
    tokens = ["In", "1998", ",", "1,200", "people", "paid", "$", "3.50", "or", "-2", "two", "nan", "inf",
              "1990s", "1\\/2", ".5", "%"]
    assert sentence_numbers(tokens) == {1998.0, 1200.0, 3.5, -2.0, 0.5}
    assert sentence_numbers(["1200"]) == sentence_numbers(["1,200"])


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("no numbers here", "none here either", [1, 0, 0]),
        ("sold 1,200 shares in 1998", "in 1998 it sold 1200 shares", [1, 1, 0]),
        ("up 3.5 percent to 12", "rose 3.5 percent", [0, 0, 1]),
        ("rose 3.5 percent", "up 3.5 percent to 12", [0, 0, 1]),
        ("rose 3.5 percent", "rose 4 percent", [0, 0, 0]),
        ("rose 3.5 and 4", "rose 4 and 7", [0, 0, 0]),
        ("it fell 5", "it fell sharply", [0, 0, 1]),  # the empty set is a strict subset
    ],
)
def test_number_features(first, second, expected):
    features = number_features(first.split(), second.split())
    assert features.dtype == np.float64 and features.shape == (3,)
    assert features.tolist() == expected


def test_length_features():
    np.testing.assert_array_equal(length_features(["a"] * 7, ["b"] * 4), [3.0, 3 / 7])
    np.testing.assert_array_equal(length_features(["a", "b"], ["c", "d"]), [0.0, 0.0])
    np.testing.assert_array_equal(length_features([], []), [0.0, 0.0])
    np.testing.assert_array_equal(length_features([], ["x"]), [1.0, 1.0])


def test_overlap_features_count_shared_words_and_phrases():
    from parsers import parse_tree
    from textae.paraphrase import overlap_features

    first = parse_tree("(X (X (X The) (X cat)) (X sat))")
    second = parse_tree("(X (X (X the) (X cat)) (X (X ran) (X away)))")
    features = overlap_features(first, second)
    # nodes of 1: the, cat, [the cat], sat, [the cat sat] -> 3 of 5 in 2 (the, cat, the cat)
    # nodes of 2: the, cat, [the cat], ran, away, [ran away], root -> 3 of 7 in 1
    assert features.tolist() == pytest.approx([3 / 5, 3 / 7, 2 / 3, 2 / 4])
    assert overlap_features(first, first).tolist() == [1.0, 1.0, 1.0, 1.0]
