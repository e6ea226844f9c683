"""Conjugate gradients on an operator, with the Steihaug negative-curvature test."""
import dataclasses

import numpy as np

from .._checks import check_positive, check_positive_int
from ._common import CountedOperator, KrylovResult, as_vector

__all__ = ["cg", "CGResult"]


@dataclasses.dataclass(repr=False)
class CGResult(KrylovResult):
    """Result of :func:`cg`.

    Attributes
    ----------
    x : ndarray, shape (n,)
        Final iterate (the solution when ``converged``).
    converged : bool
        True when ``‖b − A x‖ ≤ tol · ‖b‖``.
    n_matvec : int
        Products with the operator used.
    residuals : ndarray, shape (n_iter + 1,)
        History of the residual norms ``‖r_i‖``, ``r_0`` included.
    negative_curvature : bool
        True when a search direction with ``pᵀ A p ≤ 0`` was met (CG stopped there).
    direction : ndarray of shape (n,) or None
        That direction ``p`` (None when no negative curvature was met).
    curvature : float or None
        ``pᵀ A p / pᵀ p`` for that direction (≤ 0), else None.
    """

    x: np.ndarray
    converged: bool
    n_matvec: int
    residuals: np.ndarray
    negative_curvature: bool = False
    direction: np.ndarray = None
    curvature: float = None


def cg(op, b, tol=1e-8, max_iter=None, x0=None, callback=None):
    """Solve ``A x = b`` by conjugate gradients, using only products ``A p``.

    For a symmetric positive definite ``A`` this is Hestenes–Stiefel CG::

        r_0 = b − A x_0,  p_0 = r_0
        α_i = r_iᵀ r_i / p_iᵀ A p_i
        x_{i+1} = x_i + α_i p_i,      r_{i+1} = r_i − α_i A p_i
        p_{i+1} = r_{i+1} + (r_{i+1}ᵀ r_{i+1} / r_iᵀ r_i) p_i

    Each step minimises the error ``‖x − x*‖_A`` over a growing Krylov space, so in
    exact arithmetic it ends after at most ``n`` steps.

    Negative curvature (Steihaug's test, Nocedal & Wright, *Numerical Optimization*,
    Alg. 7.2): if a direction has ``p_iᵀ A p_i ≤ 0`` then ``A`` is not positive
    definite and the quadratic ``½ xᵀAx − bᵀx`` is unbounded along ``p_i``. CG stops
    there, returns the *last iterate* ``x_i`` (``x_0``, i.e. zero by default, if it
    happens in the first step) and reports ``p_i`` as ``direction``; a Newton-CG or
    trust-region method then moves along it.

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
        Symmetric operator ``A``; only ``op @ p`` is used.
    b : array_like, shape (n,)
        Right-hand side, finite.
    tol : float, default 1e-8
        Relative residual tolerance: stop when ``‖b − A x‖ ≤ tol · ‖b‖`` (2-norms).
        The residual is the recursively updated ``r_i``, not recomputed.
    max_iter : int, optional
        Maximum number of CG steps (one product each). Default ``10 * n``, as in SciPy.
    x0 : array_like, shape (n,), optional
        Starting point (default zeros). A nonzero ``x0`` costs one extra product.
    callback : callable, optional
        Called as ``callback(x)`` after every step with the current iterate.

    Returns
    -------
    CGResult
        ``x``, ``converged``, ``n_matvec``, ``residuals``, ``negative_curvature``,
        ``direction``, ``curvature``.

    Notes
    -----
    Cost: one product per step (plus one for a nonzero ``x0``) and a few vectors of
    length ``n``. ``b = 0`` returns ``x = 0`` at no cost.
    """
    A = CountedOperator(op)
    n = A.n
    b = as_vector(b, "b", n)
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter", allow_none=True) or 10 * n
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable; got {type(callback).__name__}")

    b_norm = np.linalg.norm(b)
    if b_norm == 0.0:
        return CGResult(x=np.zeros(n), converged=True, n_matvec=0, residuals=np.zeros(1))
    if x0 is None:
        x = np.zeros(n)
        r = b.copy()
    else:
        x = as_vector(x0, "x0", n).copy()
        r = b - A(x) if np.any(x) else b.copy()

    p = r.copy()
    rr = r @ r
    residuals = [np.sqrt(rr)]
    for _ in range(max_iter):
        if residuals[-1] <= tol * b_norm:
            break
        Ap = A(p)
        pAp = p @ Ap
        if pAp <= 0.0:
            return CGResult(x=x, converged=False, n_matvec=A.n_matvec, residuals=np.array(residuals),
                            negative_curvature=True, direction=p, curvature=pAp / (p @ p))
        alpha = rr / pAp
        x = x + alpha * p
        r = r - alpha * Ap
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr = rr_new
        residuals.append(np.sqrt(rr))
        if callback is not None:
            callback(x)
    return CGResult(x=x, converged=bool(residuals[-1] <= tol * b_norm), n_matvec=A.n_matvec,
                    residuals=np.array(residuals))

