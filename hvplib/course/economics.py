"""The Hessian in economics (chapter 06): second-order conditions and the bordered Hessian.

- :func:`cobb_douglas_profit_optimum` — the closed-form profit maximum of a Cobb–Douglas firm;
- :func:`bordered_hessian`, :func:`constrained_second_order_test` — constrained optima by the signs of
  the bordered Hessian's leading principal minors;
- :func:`lagrange_newton` — Newton's method on the Lagrangian's stationarity conditions.
"""
import numpy as np
from autograd import jacobian as _ag_jacobian
from autograd import numpy as anp

from .._checks import as_float_array, check_finite, check_positive, check_positive_int
from ..hvp import gradient, hessian
from .analysis import leading_principal_minors

__all__ = [
    "cobb_douglas_profit_optimum",
    "bordered_hessian",
    "constrained_second_order_test",
    "lagrange_newton",
]


# ---------------------------------------------------------------------------
# Economics: second-order conditions, the bordered Hessian
# ---------------------------------------------------------------------------

def cobb_douglas_profit_optimum(price, A, a, b, r, w):
    """Closed-form profit maximum of a Cobb–Douglas firm with decreasing returns.

    Profit π(K, L) = p·A·K^a·L^b − r·K − w·L with a, b > 0, a + b < 1. The first-order
    conditions say r·K = a·p·Q and w·L = b·p·Q with output Q = A K^a L^b, so

        Q* = [A (a p / r)^a (b p / w)^b]^{1/(1−a−b)},   K* = a p Q*/r,   L* = b p Q*/w.

    Returns
    -------
    dict with keys ``"K"``, ``"L"``, ``"Q"``, ``"profit"`` (floats)
    """
    price, A, r, w = (check_positive(v, name) for v, name in ((price, "price"), (A, "A"), (r, "r"), (w, "w")))
    a, b = check_positive(a, "a"), check_positive(b, "b")
    if a + b >= 1:
        raise ValueError(f"a + b must be < 1 (decreasing returns) for a finite optimum; got {a + b}")
    Q = (A * (a * price / r) ** a * (b * price / w) ** b) ** (1.0 / (1.0 - a - b))
    K, L = a * price * Q / r, b * price * Q / w
    return {"K": K, "L": L, "Q": Q, "profit": price * Q - r * K - w * L}


def _constraints(g):
    def g_vector(x):
        return anp.reshape(g(x), (-1,))
    return g_vector


def bordered_hessian(f, g, x, lam):
    """The bordered Hessian of f subject to g(x) = 0 at (x, λ).

    With the Lagrangian ℒ(x, λ) = f(x) − λᵀ g(x) and the constraint Jacobian J = ∂g/∂x (m × n),

        B = [[ 0    J   ]
             [ Jᵀ  ∇²ₓℒ ]]          shape (m + n, m + n).

    (Up to the sign of the border, which changes no minor, B is the Hessian of ℒ in the
    variables (λ, x).) Its last n − m leading principal minors decide the second-order
    condition: see :func:`constrained_second_order_test`.

    Parameters
    ----------
    f : callable, x (n,) ↦ scalar (``autograd.numpy``)
    g : callable, x (n,) ↦ scalar or array of m constraint values, zero on the feasible set
    x : array_like, shape (n,)
    lam : float or array_like, shape (m,): the Lagrange multipliers

    Returns
    -------
    ndarray, shape (m + n, m + n)
    """
    x = check_finite(as_float_array(x, "x"), "x")
    lam = np.atleast_1d(check_finite(as_float_array(lam, "lam"), "lam"))
    g_vec = _constraints(g)
    J = np.asarray(_ag_jacobian(g_vec)(x), dtype=float).reshape(-1, x.size)
    if J.shape[0] != lam.size:
        raise ValueError(f"lam must have one entry per constraint ({J.shape[0]}); got {lam.size}")

    def lagrangian(z):
        return f(z) - anp.dot(lam, g_vec(z))

    m = lam.size
    B = np.zeros((m + x.size, m + x.size))
    B[:m, m:] = J
    B[m:, :m] = J.T
    B[m:, m:] = hessian(lagrangian, x)
    return B


def constrained_second_order_test(B, n_constraints, tol=1e-10):
    """Second-order test for a constrained critical point from its bordered Hessian.

    For n variables and m constraints (with J of full rank), look at the leading
    principal minors D_k of B of orders k = 2m + 1, …, m + n:

    - every such D_k has the sign (−1)^m          → ``"minimum"``
    - D_k has the sign (−1)^{k−m}, alternating,
      ending with sign(det B) = (−1)^n           → ``"maximum"``
    - otherwise (some zero, or other signs)        → ``"inconclusive"``

    Equivalently: ∇²ₓℒ restricted to the tangent space {d : J d = 0} is positive
    (negative) definite. For one constraint and two variables only det B counts:
    det B > 0 means a maximum, det B < 0 a minimum.

    Parameters
    ----------
    B : array_like, shape (m + n, m + n), the bordered Hessian with the border first
    n_constraints : int ≥ 1, m

    Returns
    -------
    verdict : str, ``"minimum"``, ``"maximum"`` or ``"inconclusive"``
    minors : ndarray, shape (n − m,): D_{2m+1}, …, D_{m+n}
    """
    m = check_positive_int(n_constraints, "n_constraints")
    B = np.asarray(B, dtype=float)
    size = B.shape[0]
    n = size - m
    if n <= m:
        raise ValueError(f"need more variables than constraints; got n = {n}, m = {m}")
    minors = leading_principal_minors(B)[2 * m:]
    orders = np.arange(2 * m + 1, size + 1)
    threshold = tol * max(1.0, float(np.max(np.abs(B)))) ** orders
    if np.all((-1.0) ** m * minors > threshold):
        return "minimum", minors
    if np.all((-1.0) ** (orders - m) * minors > threshold):
        return "maximum", minors
    return "inconclusive", minors


def lagrange_newton(f, g, x0, lam0, tol=1e-10, max_iter=50):
    """Solve the Lagrange conditions ∇f = Jᵀλ, g = 0 by Newton's method.

    The conditions say that (λ, x) is a critical point of ℒ(x, λ) = f(x) − λᵀg(x) — a
    saddle of ℒ, never a minimum, so a minimiser cannot be used. Newton's method on
    ∇ℒ = 0 uses the Hessian of ℒ in (λ, x), which is the bordered Hessian up to the
    sign of its border: each step solves

        [[0, −J], [−Jᵀ, ∇²ₓℒ]] (Δλ, Δx) = −(−g, ∇f − Jᵀλ).

    Parameters
    ----------
    f, g : as in :func:`bordered_hessian`
    x0 : array_like, shape (n,)
    lam0 : float or array_like, shape (m,)
    tol : float > 0, stop when the residual ‖(g, ∇f − Jᵀλ)‖₂ ≤ tol
    max_iter : int ≥ 1

    Returns
    -------
    x : ndarray (n,), lam : ndarray (m,), n_iter : int (Newton steps taken)

    Raises
    ------
    RuntimeError if the residual is not below tol after ``max_iter`` steps.
    """
    x = check_finite(as_float_array(x0, "x0"), "x0").copy()
    lam = np.atleast_1d(check_finite(as_float_array(lam0, "lam0"), "lam0")).copy()
    m = lam.size
    g_vec = _constraints(g)

    def lagrangian(z):
        return f(z[m:]) - anp.dot(z[:m], g_vec(z[m:]))

    z = np.concatenate([lam, x])
    for n_iter in range(max_iter + 1):
        grad_l = gradient(lagrangian, z)
        if np.linalg.norm(grad_l) <= tol:
            return z[m:], z[:m], n_iter
        if n_iter == max_iter:
            break
        z = z - np.linalg.solve(hessian(lagrangian, z), grad_l)
    raise RuntimeError(f"lagrange_newton did not converge in {max_iter} steps "
                       f"(residual {np.linalg.norm(grad_l):.3g})")
