"""Power iteration: the largest-magnitude eigenvalue from repeated products."""
import dataclasses

import numpy as np

from .._checks import check_positive, check_positive_int, check_rng, renamed
from ._common import CountedOperator, KrylovResult, as_real_number, as_vector, progress_bar

__all__ = ["power_iteration", "PowerResult"]


@dataclasses.dataclass(repr=False)
class PowerResult(KrylovResult):
    """Result of :func:`power_iteration`.

    Attributes
    ----------
    eigenvalue : float
        Rayleigh quotient ``vᵀ A v`` of the returned vector (shift added back).
    eigenvector : ndarray, shape (n,)
        Unit vector ``v``.
    converged : bool
        True when the estimate settled (relative change ≤ ``tol``, residual ≤ ``√tol · |λ|``).
    n_matvec : int
        Products with the operator used (one per iteration).
    history : ndarray, shape (n_matvec,)
        Eigenvalue estimate after each iteration.
    residual : float
        ``‖A v − λ v‖`` for the returned pair (free: it comes from the last product).
    """

    eigenvalue: float
    eigenvector: np.ndarray
    converged: bool
    n_matvec: int
    history: np.ndarray
    residual: float


def power_iteration(op, tol=1e-8, max_matvec=None, v0=None, shift=0.0, progress=False, *, rng=None,
                    max_iter=None):
    """Estimate the eigenvalue of largest magnitude of a symmetric operator.

    Repeats ``v ← A v / ‖A v‖``; the estimate is the Rayleigh quotient ``λ = vᵀ A v``.
    The component along the dominant eigenvector grows like ``|λ_1|^t``, the others like
    ``|λ_i|^t``, so the angle error shrinks like ``|λ_2 / λ_1|^t`` and the eigenvalue
    error (symmetric ``A``) like ``|λ_2 / λ_1|^{2t}``.

    Which eigenvalue comes out: the one of **largest magnitude**. For a Hessian this is
    ``λ_max`` only when ``λ_max ≥ |λ_min|`` (always true for a positive semidefinite
    one). To get the other end, shift: with ``σ = λ_max`` found first, power iteration
    on ``A − σ I`` (``shift=σ``) finds ``λ_min − σ``, the largest-magnitude eigenvalue
    of the shifted operator, and returns ``λ_min``. If ``λ`` and ``−λ`` are both
    eigenvalues the iteration does not converge (use :func:`lanczos`).

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
        Symmetric operator ``A``.
    tol : float, default 1e-8
        Stop when ``|λ_t − λ_{t−1}| ≤ tol · |λ_t|`` and the residual
        ``‖A v − λ v‖ ≤ √tol · |λ_t|`` (the eigenvalue error is about residual² / gap).
    max_matvec : int, default 1000
        Budget of products (one per iteration). ``max_iter`` is its old name, still accepted.
    v0 : array_like, shape (n,), optional
        Start vector instead of a random one, e.g. the previous eigenvector to
        warm-start during training.
    shift : float, default 0
        Iterate with ``A − shift · I``; the returned eigenvalue is of ``A``.
    progress : bool, default False
        Show a tqdm progress bar.
    rng : None, int or numpy.random.Generator, keyword-only
        Source of the random Gaussian start vector (an int seeds it; None: fresh entropy, as in NumPy).

    Returns
    -------
    PowerResult
        ``eigenvalue``, ``eigenvector``, ``converged``, ``n_matvec``, ``history``, ``residual``.

    Notes
    -----
    Cost: one product per iteration, three vectors of length ``n``.
    """
    A = CountedOperator(op)
    n = A.n
    rng = check_rng(rng)
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(*renamed(max_matvec, max_iter, "max_matvec", "max_iter", 1000))
    shift = as_real_number(shift, "shift")
    v = rng.standard_normal(n) if v0 is None else as_vector(v0, "v0", n).copy()
    v_norm = np.linalg.norm(v)
    if v_norm == 0.0:
        raise ValueError("v0 must be a nonzero vector")
    v /= v_norm

    history = []
    converged = False
    with progress_bar(progress, max_iter, "power iteration") as bar:
        for _ in range(max_iter):
            w = A(v) - shift * v                 # w = (A − σI) v
            lam = v @ w                          # Rayleigh quotient of the shifted operator
            history.append(lam + shift)
            residual = np.linalg.norm(w - lam * v)
            bar.update()
            w_norm = np.linalg.norm(w)
            if w_norm == 0.0:                    # A v = σ v exactly: v is an eigenvector
                converged = True
                break
            if len(history) > 1 and _small_change(history, residual, tol):
                converged = True
                break
            v = w / w_norm
    return PowerResult(eigenvalue=float(history[-1]), eigenvector=v, converged=converged,
                       n_matvec=A.n_matvec, history=np.array(history), residual=float(residual))


def _small_change(history, residual, tol):
    """Converged: ``|λ_t − λ_{t−1}| ≤ tol·|λ_t|`` and ``‖A v − λ v‖ ≤ √tol·|λ_t|``.

    The eigenvalue error is about ``residual² / gap``, so the second test asks for the
    same accuracy as the first; it stops a false convergence when ``±λ`` are both
    eigenvalues (the Rayleigh quotient then settles while ``v`` keeps alternating).
    """
    lam = abs(history[-1])
    return abs(history[-1] - history[-2]) <= tol * lam and residual <= np.sqrt(tol) * lam

