"""Conjugate gradients on an operator, with the Steihaug negative-curvature test.

One kernel, :func:`cg_solve`, does every CG loop of hvplib: :func:`cg` (a linear solve), the inner
loop of :func:`hvplib.newton_cg` (a forcing-term stop and a steepest-descent fallback on negative
curvature) and the damped solves of the chapter-07 Hessian-free trainer (``(C + λI) p = −g``, warm
started, with ``C p`` kept for the quadratic model).
"""
import dataclasses

import numpy as np

from .._checks import check_choice, check_positive, check_positive_int, renamed
from ._common import CountedOperator, KrylovResult, as_vector

__all__ = ["cg", "cg_solve", "CGResult", "NEGATIVE_CURVATURE"]

#: What :func:`cg_solve` returns when a direction has ``pᵀ(C + λI)p ≤ 0``: the last iterate (``"stop"``),
#: or at the first step the steepest-descent direction scaled by the curvature (``"steepest_descent"``).
NEGATIVE_CURVATURE = ("stop", "steepest_descent")


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
    cx : ndarray of shape (n,) or None
        ``C x`` for the returned ``x`` (the undamped operator), kept up to date from the products
        already made (:func:`cg_solve` only; None from :func:`cg`).
    """

    x: np.ndarray
    converged: bool
    n_matvec: int
    residuals: np.ndarray
    negative_curvature: bool = False
    direction: np.ndarray = None
    curvature: float = None
    cx: np.ndarray = None


def cg(op, b, tol=1e-8, max_matvec=None, x0=None, callback=None, *, damping=0.0, max_iter=None):
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
        Symmetric operator ``C``; only ``op @ p`` is used.
    b : array_like, shape (n,)
        Right-hand side, finite.
    tol : float, default 1e-8
        Relative residual tolerance: stop when ``‖b − A x‖ ≤ tol · ‖b‖`` (2-norms).
        The residual is the recursively updated ``r_i``, not recomputed.
    max_matvec : int, optional
        Budget of products (one per CG step). Default ``10 * n``, as in SciPy. ``max_iter`` is its old
        name, still accepted (keyword-only).
    x0 : array_like, shape (n,), optional
        Starting point (default zeros). A nonzero ``x0`` costs one extra product.
    callback : callable, optional
        Called as ``callback(x)`` after every step with the current iterate.
    damping : float ≥ 0, default 0, keyword-only
        Solve with ``A = C + damping · I`` (Levenberg–Marquardt / Tikhonov damping), at no extra product.

    Returns
    -------
    CGResult
        ``x``, ``converged``, ``n_matvec``, ``residuals``, ``negative_curvature``,
        ``direction``, ``curvature``.

    Notes
    -----
    Cost: one product per step (plus one for a nonzero ``x0``) and a few vectors of
    length ``n``. ``b = 0`` returns ``x = 0`` at no cost. The loop is :func:`cg_solve`.
    """
    A = CountedOperator(op)
    n = A.n
    b = as_vector(b, "b", n)
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(*renamed(max_matvec, max_iter, "max_matvec", "max_iter"), allow_none=True) or 10 * n
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable; got {type(callback).__name__}")
    x0 = None if x0 is None else as_vector(x0, "x0", n)
    result = cg_solve(A, b, x0=x0, damping=damping, rtol=tol, max_iter=max_iter, callback=callback)
    result.cx = None
    return result


def cg_solve(product, b, x0=None, *, damping=0.0, rtol=1e-8, max_iter=None, negative_curvature="stop",
             callback=None):
    r"""The CG loop behind every solve in hvplib: ``(C + λI) x = b`` from products ``C p`` alone.

    The recurrence of :func:`cg` with ``A = C + λI`` (``λ = damping``), on flat float64 vectors,
    with no input checks (callers check): it stops

    - when ``‖r_i‖ ≤ rtol · ‖b‖`` — a relative tolerance, or a Newton forcing term
      ``rtol = η_k`` (Nocedal & Wright eq. 7.3) with ``b = −∇f``;
    - on a direction with ``p_iᵀ A p_i ≤ 0`` (``negative_curvature=True``): ``"stop"`` returns the
      last iterate ``x_i``; ``"steepest_descent"`` returns, if this happens at the first step from
      ``x_0 = 0``, ``(bᵀb / |bᵀAb|) · b`` (``b`` itself when ``bᵀAb = 0``) — with ``b = −g`` the
      steepest-descent step scaled by the curvature's magnitude, a descent direction that also
      moves a point beside a saddle downhill (N&W Algorithm 7.1) — and ``x_i`` later;
    - after ``max_iter`` products.

    ``C x`` (undamped) is kept up to date from the products already made (``result.cx``), so the
    quadratic model ``gᵀx + ½ xᵀCx`` costs nothing extra.

    Parameters
    ----------
    product : callable, p (n,) ↦ C p (n,)
    b : ndarray, shape (n,)
    x0 : ndarray of shape (n,) or None
        Start (a nonzero one costs one product).
    damping : float ≥ 0
    rtol : float > 0
    max_iter : int or None (``10 n``)
    negative_curvature : {"stop", "steepest_descent"}
    callback : callable ``callback(x)`` after every step, or None

    Returns
    -------
    CGResult
        with ``cx`` = C x; ``n_matvec`` counts the calls of ``product``.
    """
    check_choice(negative_curvature, "negative_curvature", NEGATIVE_CURVATURE)
    damping = float(damping)
    if not damping >= 0.0:
        raise ValueError(f"damping must be a number >= 0; got {damping}")
    n = b.shape[0]
    max_iter = 10 * n if max_iter is None else max_iter
    n_matvec = 0
    b_norm = np.linalg.norm(b)
    if b_norm == 0.0:
        return CGResult(x=np.zeros(n), converged=True, n_matvec=0, residuals=np.zeros(1), cx=np.zeros(n))
    x = np.zeros(n) if x0 is None else x0.copy()
    cx = np.zeros(n)
    r = b.copy()
    if x0 is not None and np.any(x):
        cx = product(x)
        n_matvec += 1
        r = b - (cx + damping * x)
    p = r.copy()
    rr = r @ r
    residuals = [np.sqrt(rr)]
    for i in range(max_iter):
        if residuals[-1] <= rtol * b_norm:
            break
        cp = product(p)
        n_matvec += 1
        Ap = cp + damping * p if damping else cp
        pAp = p @ Ap
        if pAp <= 0.0:
            if negative_curvature == "steepest_descent" and i == 0 and x0 is None:
                x = (rr / -pAp) * p if pAp < 0 else p
                cx = (rr / -pAp) * cp if pAp < 0 else cp
            return CGResult(x=x, converged=False, n_matvec=n_matvec, residuals=np.array(residuals),
                            negative_curvature=True, direction=p, curvature=pAp / (p @ p), cx=cx)
        alpha = rr / pAp
        x = x + alpha * p
        cx = cx + alpha * cp
        r = r - alpha * Ap
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr = rr_new
        residuals.append(np.sqrt(rr))
        if callback is not None:
            callback(x)
    return CGResult(x=x, converged=bool(residuals[-1] <= rtol * b_norm), n_matvec=n_matvec,
                    residuals=np.array(residuals), cx=cx)
