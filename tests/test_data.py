"""Tests of hvplib.data: the digits split, its two scalings and the one-hot helper."""
import numpy as np
import pytest

from hvplib.data import load_digits_split, one_hot


def test_shapes_and_labels():
    X, y, Xt, yt = load_digits_split(500)
    assert X.shape == (500, 64) and Xt.shape == (1297, 64)
    assert y.shape == (500,) and yt.shape == (1297,)
    assert set(np.unique(y)) == set(range(10))
    assert X.dtype == np.float64 and y.dtype.kind == "i"


def test_x16_scaling_lies_in_unit_interval_and_keeps_pixels():
    X, _, Xt, _ = load_digits_split(300, scale="x/16")
    assert X.min() == 0.0 and X.max() == 1.0 and Xt.max() <= 1.0
    assert np.all(np.isclose(X * 16, np.round(X * 16)))       # integer pixel values 0 … 16


def test_standardize_uses_train_statistics_and_guards_constant_pixels():
    X, _, Xt, _ = load_digits_split(500, scale="standardize")
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    spread = X.std(axis=0)
    constant = spread == 0
    np.testing.assert_allclose(spread[~constant], 1.0, rtol=1e-12)
    assert {0, 32, 39} <= set(np.flatnonzero(constant))        # pixels that never vary: shifted, not divided by 0
    assert np.all(np.isfinite(Xt))


def test_split_is_seeded_and_disjoint():
    a = load_digits_split(100, n_test=50, rng=3)
    b = load_digits_split(100, n_test=50, rng=3)
    c = load_digits_split(100, n_test=50, rng=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])
    rows = {tuple(r) for r in a[0]} & {tuple(r) for r in a[2]}
    # identical images can occur twice in the data set, but a random split shares almost none
    assert len(rows) <= 2
    assert a[2].shape == (50, 64)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_train"):
        load_digits_split(1797)
    with pytest.raises(ValueError, match="n_test"):
        load_digits_split(1700, n_test=200)
    with pytest.raises(ValueError, match="scale"):
        load_digits_split(10, scale="minmax")


def test_one_hot():
    Y = one_hot(np.array([2, 0, 1]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError):
        one_hot(np.array([3]), 3)
