"""Small real data sets for the course, loaded from files shipped inside a package (no download).

:func:`load_digits_split` gives the 8 × 8 handwritten digits of scikit-learn (1797 images, 64 pixels,
10 classes) as a seeded train/test split, scaled one of two ways:

- ``"x/16"``: pixels are integers 0 … 16, divided by 16 so that each lies in [0, 1]. Every input
  keeps its mean, so the Hessian of a network trained on them has about ``classes − 1`` large
  outlying eigenvalues (chapter 05);
- ``"standardize"``: each pixel shifted to mean 0 and scaled to standard deviation 1, with the mean
  and spread taken **from the training rows only**. Three pixels (0, 32 and 39) never vary in the
  data set; a pixel whose training spread is 0 is only shifted, not divided by 0.

scikit-learn is imported on first use (about 1 s), so ``import hvplib`` stays light.
"""
import numpy as np

from ._checks import check_choice, check_positive_int, check_rng

__all__ = ["load_digits_split", "one_hot", "SCALINGS"]

#: The input scalings :func:`load_digits_split` knows.
SCALINGS = ("x/16", "standardize")

N_DIGITS = 1797


def load_digits_split(n_train=500, n_test=None, scale="x/16", *, rng=0):
    """scikit-learn's digits, shuffled with a seed and split into train and test rows.

    Parameters
    ----------
    n_train : int, default 500
        Number of training rows, ``1 ≤ n_train < 1797``.
    n_test : int, optional
        Number of test rows, taken after the training rows; default: all the rest (``1797 − n_train``).
    scale : {"x/16", "standardize"}, default "x/16"
        How the pixels are scaled (see the module docstring).
    rng : None, int or numpy.random.Generator, default 0
        Seed of the shuffle (keyword-only; an int or a Generator, None: fresh entropy, as in NumPy).

    Returns
    -------
    X_train : ndarray, shape (n_train, 64), float64
    y_train : ndarray, shape (n_train,), int (labels 0 … 9)
    X_test : ndarray, shape (n_test, 64), float64
    y_test : ndarray, shape (n_test,), int

    Examples
    --------
    >>> X, y, Xt, yt = load_digits_split(500)
    >>> X.shape, Xt.shape, float(X.max()) <= 1.0
    ((500, 64), (1297, 64), True)
    """
    from sklearn.datasets import load_digits

    n_train = check_positive_int(n_train, "n_train")
    if n_train >= N_DIGITS:
        raise ValueError(f"n_train must be smaller than {N_DIGITS} (the number of images); got {n_train}")
    n_rest = N_DIGITS - n_train
    n_test = n_rest if n_test is None else check_positive_int(n_test, "n_test")
    if n_test > n_rest:
        raise ValueError(f"n_test must be at most {n_rest} (= 1797 − n_train); got {n_test}")
    check_choice(scale, "scale", SCALINGS)
    rng = check_rng(rng)

    digits = load_digits()
    X = digits.data.astype(np.float64)
    y = digits.target.astype(np.intp)
    order = rng.permutation(len(y))
    train, test = order[:n_train], order[n_train:n_train + n_test]
    X_train, X_test = X[train], X[test]
    if scale == "x/16":
        X_train, X_test = X_train / 16.0, X_test / 16.0
    else:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0] = 1.0                      # a pixel that never varies: shift only
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return X_train, y[train], X_test, y[test]


def one_hot(labels, n_classes=10):
    """Labels ``(N,)`` of integers 0 … n_classes − 1 as one-hot rows, shape ``(N, n_classes)``, float64."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array; got dtype {labels.dtype}, shape {labels.shape}")
    n_classes = check_positive_int(n_classes, "n_classes")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0 … {n_classes - 1}")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out
