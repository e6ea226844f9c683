"""The diagonal of an operator from products alone: Hutchinson's estimator diag(A) ≈ E[z ⊙ Az]."""
import dataclasses

import numpy as np

from .._checks import check_positive_int, check_rng
from ._common import CountedOperator, KrylovResult, random_sign_vector

__all__ = ["hutchinson_diagonal", "DiagonalResult"]


@dataclasses.dataclass(repr=False)
class DiagonalResult(KrylovResult):
    """Result of :func:`hutchinson_diagonal`.

    Attributes
    ----------
    estimate : ndarray, shape (n,)
        Mean of ``z ⊙ A z`` over the probes.
    std_error : ndarray, shape (n,)
        Per-entry standard error (sample standard deviation over √n_probes); NaN with one probe.
    n_matvec : int
        Products used (= probes).
    samples : ndarray, shape (n_probes, n)
        Every probe's ``z ⊙ A z`` (running means of the rows give the estimate after k probes).
    """

    estimate: np.ndarray
    std_error: np.ndarray
    n_matvec: int
    samples: np.ndarray


def hutchinson_diagonal(op, n_probes=100, *, rng=None):
    r"""Estimate ``diag(A)`` from products with Rademacher vectors (Bekas, Kokiopoulou & Saad 2007).

    For ``z`` with independent ±1 entries, :math:`(z \odot Az)_i = A_{ii} + \sum_{j\ne i} A_{ij} z_i z_j`, and
    :math:`\mathbb E[z_i z_j] = 0` for ``i ≠ j``, so the mean over probes is unbiased with per-entry variance
    :math:`\sum_{j \ne i} A_{ij}^2 / N` (the off-diagonal mass of row ``i``). AdaHessian (Yao et al. 2021)
    uses one such probe per step. Cost: one product per probe.

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
    n_probes : int >= 1
    rng : None, int or numpy.random.Generator, keyword-only

    Returns
    -------
    DiagonalResult
        ``estimate`` (n,), ``std_error`` (n,), ``n_matvec``, ``samples`` (n_probes, n).
    """
    A = CountedOperator(op)
    n_probes = check_positive_int(n_probes, "n_probes")
    rng = check_rng(rng)
    samples = np.empty((n_probes, A.n))
    for k in range(n_probes):
        z = random_sign_vector(rng, A.n)
        samples[k] = z * A(z)                             # z ⊙ A z
    std = samples.std(axis=0, ddof=1) / np.sqrt(n_probes) if n_probes > 1 else np.full(A.n, np.nan)
    return DiagonalResult(estimate=samples.mean(axis=0), std_error=std, n_matvec=A.n_matvec, samples=samples)
