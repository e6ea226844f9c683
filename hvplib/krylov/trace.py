"""Stochastic trace estimation: Hutchinson and Hutch++."""
import dataclasses

import numpy as np

from .._checks import check_positive_int, check_rng, renamed
from ._common import CountedOperator, KrylovResult, progress_bar, random_sign_vector

__all__ = ["hutchinson_trace", "hutchpp_trace", "TraceResult"]


@dataclasses.dataclass(repr=False)
class TraceResult(KrylovResult):
    """Result of :func:`hutchinson_trace` and :func:`hutchpp_trace`.

    Attributes
    ----------
    estimate : float
        Estimate of ``tr(A)``.
    std_error : float
        Estimated standard error of ``estimate`` (sample standard deviation of the
        probe values over ``√n_probes``); NaN with a single probe, 0 when the
        low-rank part of Hutch++ already captured the whole space.
    n_matvec : int
        Products with the operator used.
    samples : ndarray, shape (n_probes,)
        The probe values ``zᵀ A z`` (for Hutch++: of the deflated operator).
    method : str
        ``"hutchinson"`` or ``"hutch++"``.
    low_rank_trace : float
        Hutch++ only: the exact part ``tr(Qᵀ A Q)``; 0 for Hutchinson.
    """

    estimate: float
    std_error: float
    n_matvec: int
    samples: np.ndarray
    method: str
    low_rank_trace: float = 0.0


def hutchinson_trace(op, max_matvec=None, progress=False, *, rng=None, n_samples=None):
    """Estimate ``tr(A)`` from products with random sign vectors (Hutchinson, 1990).

    For a Rademacher vector ``z`` (entries ±1), ``E[zᵀ A z] = Σ_ij A_ij E[z_i z_j] = tr(A)``,
    so the mean of ``zᵀ A z`` over ``N`` independent probes is unbiased, with variance
    ``2 (‖A‖_F² − Σ_i A_ii²) / N``. The error falls like ``1/√N``: a hundred times more
    products for one more digit. For a lower variance at the same cost when a few
    eigenvalues dominate, see :func:`hutchpp_trace`.

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
        Operator ``A`` (symmetry is not needed here).
    max_matvec : int, default 100
        Number of probes ``N`` (= products). ``n_samples`` is its old name, still accepted.
    progress : bool, default False
        Show a tqdm progress bar.
    rng : None, int or numpy.random.Generator, keyword-only
        Source of the probes (None: fresh entropy, as in NumPy).

    Returns
    -------
    TraceResult
        ``estimate``, ``std_error``, ``n_matvec`` (= ``n_samples``), ``samples`` of shape
        ``(n_samples,)``, ``method="hutchinson"``.
    """
    A = CountedOperator(op)
    n_samples = check_positive_int(*renamed(max_matvec, n_samples, "max_matvec", "n_samples", 100))
    rng = check_rng(rng)
    samples = np.empty(n_samples)
    with progress_bar(progress, n_samples, "hutchinson") as bar:
        for i in range(n_samples):
            z = random_sign_vector(rng, A.n)
            samples[i] = z @ A(z)
            bar.update()
    return TraceResult(estimate=float(samples.mean()), std_error=_std_error(samples),
                       n_matvec=A.n_matvec, samples=samples, method="hutchinson")


def hutchpp_trace(op, max_matvec=None, progress=False, *, rng=None, n_matvec=None):
    """Estimate ``tr(A)`` with Hutch++ (Meyer, Musco, Musco & Woodruff, SOSA 2021).

    Split the budget of ``N`` products in three, ``s = N // 3``:

    1. sketch: ``Q = orth(A S)`` for a random sign matrix ``S`` of shape ``(n, s)``
       (``s`` products) — ``Q`` captures the dominant eigen-directions;
    2. exact part: ``tr(Qᵀ A Q)`` (``s`` products);
    3. Hutchinson on the rest, ``(I − QQᵀ) A (I − QQᵀ)``, with the remaining
       ``g = N − 2s`` probes.

    ``tr(A) = tr(Qᵀ A Q) + tr((I − QQᵀ) A (I − QQᵀ))``, so the estimate is unbiased and
    only the part of ``A`` outside ``Q`` is sampled. For positive semidefinite ``A`` the
    error is ``O(1/N)`` instead of ``O(1/√N)``; the gain is largest when a few large
    eigenvalues carry the trace (a Hessian with outliers).

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
        Symmetric operator ``A``.
    max_matvec : int, default 102
        Budget of products, at least 3 (``n_matvec`` is its old name, still accepted). If ``s`` would exceed ``n``, ``s = n`` and the
        trace is computed exactly with ``2n`` products.
    progress : bool, default False
        Show a tqdm progress bar.
    rng : None, int or numpy.random.Generator, keyword-only
        Source of the random signs (None: fresh entropy, as in NumPy).

    Returns
    -------
    TraceResult
        ``estimate``, ``std_error`` (from the ``g`` deflated probes), ``n_matvec``,
        ``samples`` of shape ``(g,)``, ``method="hutch++"``, ``low_rank_trace``.

    Notes
    -----
    Memory: ``2 s`` vectors of length ``n`` (``A S``, then ``Q`` and ``A Q``).
    """
    A = CountedOperator(op)
    budget, budget_name = renamed(max_matvec, n_matvec, "max_matvec", "n_matvec", 102)
    n_matvec = check_positive_int(budget, budget_name)
    if n_matvec < 3:
        raise ValueError(f"{budget_name} must be >= 3 for Hutch++ (sketch, exact part, probes); got {n_matvec}")
    rng = check_rng(rng)
    n = A.n
    s = min(n_matvec // 3, n)
    g = n_matvec - 2 * s if s < n else 0
    with progress_bar(progress, 2 * s + g, "hutch++") as bar:
        AS = np.column_stack([_product(A, random_sign_vector(rng, n), bar) for _ in range(s)])
        Q, _ = np.linalg.qr(AS)                                        # (n, s), orthonormal
        low_rank = sum(q @ _product(A, q, bar) for q in Q.T)           # tr(Qᵀ A Q)
        samples = np.empty(g)
        for i in range(g):
            z = random_sign_vector(rng, n)
            z -= Q @ (Q.T @ z)                                         # (I − QQᵀ) z
            samples[i] = z @ _product(A, z, bar)
    estimate = low_rank + (samples.mean() if g else 0.0)
    std_error = _std_error(samples) if g else 0.0
    return TraceResult(estimate=float(estimate), std_error=std_error, n_matvec=A.n_matvec,
                       samples=samples, method="hutch++", low_rank_trace=float(low_rank))


def _product(A, v, bar):
    """``A v`` with a tick of the progress bar."""
    bar.update()
    return A(v)


def _std_error(samples):
    """Standard error of the mean of ``samples`` (NaN for a single sample)."""
    if len(samples) < 2:
        return float("nan")
    return float(samples.std(ddof=1) / np.sqrt(len(samples)))
