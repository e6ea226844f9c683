"""The Hessian at work in physics, economics, statistics and machine learning (chapter 06).

Four groups of small functions, each checked against a closed form in
``tests/test_applications.py``:

Physics
    :func:`critical_points` (Newton on ∇U = 0, which finds saddles and maxima too),
    :func:`spring_chain_potential`, :func:`spring_chain_stiffness`,
    :func:`spring_chain_frequencies`, :func:`spring_chain_mode_shapes`, :func:`normal_modes`.
Economics
    :func:`cobb_douglas_profit_optimum`, :func:`bordered_hessian`,
    :func:`constrained_second_order_test`, :func:`lagrange_newton`.
Statistics
    :func:`logistic_nll`, :func:`fit_logistic_regression`, :func:`logistic_standard_errors`,
    :func:`bootstrap_standard_errors`, :func:`laplace_approximation`, :func:`beta_binomial_laplace`.
Machine learning
    :func:`influence_on_test_loss` (H⁻¹∇ℓ by conjugate gradients on Hessian-vector products),
    :func:`leave_one_out_test_loss_change` (the exact answer, by retraining).

Plot helpers (:func:`plot_mode_shapes`, :func:`plot_laplace`) draw on a given Axes and
tag what they draw with a ``gid``, so a notebook can assert the numbers behind a figure.
"""
from dataclasses import dataclass

import numpy as np
from autograd import jacobian as _ag_jacobian
from autograd import numpy as anp

from ._checks import as_float_array, check_finite, check_positive, check_positive_int, check_rng
from .analysis import leading_principal_minors
from .hvp import gradient, hessian
from .krylov import cg
from .operator import HessianOperator

__all__ = [
    # physics
    "critical_points",
    "spring_chain_potential",
    "spring_chain_stiffness",
    "spring_chain_frequencies",
    "spring_chain_mode_shapes",
    "normal_modes",
    # economics
    "cobb_douglas_profit_optimum",
    "bordered_hessian",
    "constrained_second_order_test",
    "lagrange_newton",
    # statistics
    "logistic_nll",
    "fit_logistic_regression",
    "logistic_standard_errors",
    "bootstrap_standard_errors",
    "LaplaceResult",
    "laplace_approximation",
    "beta_binomial_laplace",
    "total_variation_distance",
    # machine learning
    "InfluenceResult",
    "influence_on_test_loss",
    "leave_one_out_test_loss_change",
    # plots
    "plot_mode_shapes",
    "plot_laplace",
]


# ---------------------------------------------------------------------------
# Physics: equilibria and normal modes
# ---------------------------------------------------------------------------

def critical_points(f, starts, tol=1e-10, max_iter=50, decimals=6):
    """Critical points of f (∇f = 0) found by Newton's method on the gradient.

    From each start, iterate the *pure* Newton step for the equation ∇f(x) = 0,

        x ← x − H(x)⁻¹ ∇f(x),

    with no line search: it converges to whichever critical point is near, a
    minimum, a saddle or a maximum alike (a minimiser would avoid the last two).
    Starts where H is singular, or that do not converge in ``max_iter`` steps,
    are dropped. Cost per step: one gradient, one dense Hessian, one n × n solve.

    Parameters
    ----------
    f : callable, x (n,) ↦ scalar, written with ``autograd.numpy``
    starts : array_like, shape (k, n)
    tol : float > 0, stop when ‖∇f(x)‖₂ ≤ tol
    max_iter : int ≥ 1
    decimals : int, points equal after rounding to this many decimals are merged

    Returns
    -------
    ndarray, shape (p, n): the distinct critical points, sorted lexicographically
    """
    starts = check_finite(as_float_array(starts, "starts"), "starts")
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (k, n); got {starts.shape}")
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    found = {}
    for x in starts:
        x = x.copy()
        for _ in range(max_iter):
            g = gradient(f, x)
            if np.linalg.norm(g) <= tol:
                key = tuple(np.round(x, decimals) + 0.0)
                found.setdefault(key, x)
                break
            try:
                x = x - np.linalg.solve(hessian(f, x), g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(x)):
                break
    return np.array([found[key] for key in sorted(found)]).reshape(-1, starts.shape[1])


def spring_chain_potential(n_masses, k=1.0, beta=0.0):
    """Potential energy of a chain of masses joined by springs, both ends fixed to walls.

    With displacements u_1, …, u_N from rest and u_0 = u_{N+1} = 0 (the walls),

        U(u) = Σ_{i=0}^{N} [ (k/2) (u_{i+1} − u_i)² + (β/4) (u_{i+1} − u_i)⁴ ].

    β ≠ 0 makes the springs anharmonic (the Fermi–Pasta–Ulam–Tsingou β chain); the
    quartic term has zero second derivative at u = 0, so the Hessian at the
    equilibrium is the stiffness matrix K of :func:`spring_chain_stiffness` for every β.

    Parameters
    ----------
    n_masses : int ≥ 1, N
    k : float > 0, spring constant
    beta : float, quartic coefficient

    Returns
    -------
    callable, u (N,) ↦ scalar, written with ``autograd.numpy``
    """
    n_masses = check_positive_int(n_masses, "n_masses")
    k = check_positive(k, "k")
    beta = float(beta)

    def potential(u):
        padded = anp.concatenate([anp.zeros(1), u, anp.zeros(1)])
        stretch = padded[1:] - padded[:-1]
        return anp.sum(0.5 * k * stretch**2 + 0.25 * beta * stretch**4)

    return potential


def spring_chain_stiffness(n_masses, k=1.0):
    """Stiffness matrix of the fixed-end chain: K = k · tridiag(−1, 2, −1), shape (N, N)."""
    n_masses = check_positive_int(n_masses, "n_masses")
    k = check_positive(k, "k")
    return k * (2.0 * np.eye(n_masses) - np.eye(n_masses, k=1) - np.eye(n_masses, k=-1))


def spring_chain_frequencies(n_masses, k=1.0, m=1.0):
    """Closed-form angular frequencies of a uniform fixed-end chain, ascending.

        ω_j² = (k/m) · 4 sin²( jπ / (2(N+1)) ),    j = 1, …, N

    Returns ndarray, shape (N,): ω_j (take the square for the eigenvalues of M⁻¹K).
    """
    n_masses = check_positive_int(n_masses, "n_masses")
    k, m = check_positive(k, "k"), check_positive(m, "m")
    j = np.arange(1, n_masses + 1)
    return 2.0 * np.sqrt(k / m) * np.sin(j * np.pi / (2 * (n_masses + 1)))


def spring_chain_mode_shapes(n_masses):
    """Closed-form mode shapes of a uniform fixed-end chain: standing sine waves.

        (v_j)_i = √(2/(N+1)) · sin( i j π / (N+1) ),    i, j = 1, …, N

    Returns ndarray, shape (N, N): column j−1 is mode j, of unit length.
    """
    n_masses = check_positive_int(n_masses, "n_masses")
    i = np.arange(1, n_masses + 1)
    return np.sqrt(2.0 / (n_masses + 1)) * np.sin(np.outer(i, i) * np.pi / (n_masses + 1))


def normal_modes(K, masses=None):
    """Normal modes of small oscillations M ü = −K u about a stable equilibrium.

    Trying u(t) = v cos(ωt) gives the generalized eigenproblem K v = ω² M v with
    M = diag(masses). For unit masses it is the eigenproblem of the Hessian K itself:
    the eigenvalues of the Hessian of the potential are the squared frequencies.
    In general they are the eigenvalues of M⁻¹K (solved in the symmetric form
    M^{-1/2} K M^{-1/2}).

    Parameters
    ----------
    K : array_like, shape (n, n), symmetric: the Hessian of the potential at the equilibrium
    masses : array_like, shape (n,), positive; default all ones

    Returns
    -------
    omega2 : ndarray, shape (n,), ascending: squared angular frequencies ω²
    modes : ndarray, shape (n, n): column j is the mode shape for omega2[j], scaled to unit
        Euclidean length, its first clearly nonzero entry positive
    """
    K = check_finite(as_float_array(K, "K"), "K")
    n = K.shape[0]
    masses = np.ones(n) if masses is None else check_finite(as_float_array(masses, "masses"), "masses")
    if masses.shape != (n,) or np.any(masses <= 0):
        raise ValueError(f"masses must be {n} positive numbers; got {masses}")
    scale = 1.0 / np.sqrt(masses)
    omega2, W = np.linalg.eigh(scale[:, None] * ((K + K.T) / 2) * scale[None, :])
    modes = scale[:, None] * W
    modes /= np.linalg.norm(modes, axis=0)
    for j in range(n):
        first = np.flatnonzero(np.abs(modes[:, j]) > 1e-8)[0]
        if modes[first, j] < 0:
            modes[:, j] *= -1
    return omega2, modes


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


# ---------------------------------------------------------------------------
# Statistics: Fisher information, standard errors, the bootstrap, Laplace
# ---------------------------------------------------------------------------

def logistic_nll(X, y, reg=0.0):
    """Negative log-likelihood of logistic regression (plus an optional ridge penalty).

        ℓ(w) = Σᵢ [ log(1 + exp(xᵢᵀw)) − yᵢ xᵢᵀw ] + (reg/2)‖w‖²,    yᵢ ∈ {0, 1}

    Its Hessian XᵀWX + reg·I, W = diag(pᵢ(1 − pᵢ)), pᵢ = σ(xᵢᵀw), does not contain y.

    Parameters
    ----------
    X : array_like, shape (m, n) (include a column of ones for an intercept)
    y : array_like, shape (m,), entries 0 or 1
    reg : float ≥ 0

    Returns
    -------
    callable, w (n,) ↦ scalar, written with ``autograd.numpy``
    """
    X, y = _check_xy(X, y)
    reg = float(reg)

    def nll(w):
        z = anp.dot(X, w)
        return anp.sum(anp.logaddexp(0.0, z) - y * z) + 0.5 * reg * anp.dot(w, w)

    return nll


def _check_xy(X, y):
    X = check_finite(as_float_array(X, "X"), "X")
    y = check_finite(as_float_array(y, "y"), "y")
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (m, n) and y (m,); got {X.shape} and {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only 0 and 1")
    return X, y


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_logistic_regression(X, y, reg=0.0, sample_weight=None, w0=None, tol=1e-10, max_iter=100):
    """Maximum-likelihood (or ridge-penalised) logistic regression by Newton's method (IRLS).

    Minimises Σᵢ sᵢ [log(1 + exp(xᵢᵀw)) − yᵢ xᵢᵀw] + (reg/2)‖w‖² with sample weights sᵢ
    (default 1), iterating w ← w − H⁻¹g with g = Xᵀ s(p − y) + reg·w and
    H = Xᵀ diag(s p(1−p)) X + reg·I, all in NumPy — fast enough to refit hundreds
    of times. The objective is convex, and Newton converges quadratically from w = 0
    unless the classes are (nearly) separable, where the unpenalised optimum does not exist.

    Parameters
    ----------
    X : array_like (m, n); y : array_like (m,) in {0, 1}
    reg : float ≥ 0
    sample_weight : array_like (m,) ≥ 0, optional
    w0 : array_like (n,), optional start (default zeros)
    tol : float > 0, stop when ‖g‖₂ ≤ tol · max(1, Σ sᵢ)
    max_iter : int ≥ 1

    Returns
    -------
    w : ndarray (n,), n_iter : int

    Raises
    ------
    RuntimeError if it does not converge, or (with reg = 0) if the fitted probabilities match
    the labels to 1e-6: the classes are separated and the weights run off to infinity.
    """
    X, y = _check_xy(X, y)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    scale = max(1.0, float(s.sum()))
    for n_iter in range(max_iter + 1):
        p = _sigmoid(X @ w)
        g = X.T @ (s * (p - y)) + reg * w
        if reg == 0 and np.all(np.abs(p - y)[s > 0] < 1e-6):
            raise RuntimeError("fit_logistic_regression: the classes are separated, so the maximum-likelihood "
                               "weights are infinite; use reg > 0")
        if np.linalg.norm(g) <= tol * scale:
            return w, n_iter
        if n_iter == max_iter:
            break
        H = (X.T * (s * p * (1 - p))) @ X + reg * np.eye(X.shape[1])
        w = w - np.linalg.solve(H, g)
    raise RuntimeError(f"fit_logistic_regression did not converge in {max_iter} Newton steps "
                       "(separable data? try reg > 0)")


def logistic_standard_errors(X, w, reg=0.0):
    """Standard errors of a logistic-regression fit from the inverse Hessian.

    The observed Fisher information is the Hessian of the negative log-likelihood at
    the estimate, I(ŵ) = XᵀŴX (+ reg·I); for logistic regression it equals the
    expected information because y does not enter it. Asymptotically
    Cov(ŵ) ≈ I(ŵ)⁻¹, so SE(ŵ_j) = √[I(ŵ)⁻¹]_jj.

    Returns ndarray, shape (n,).
    """
    X = check_finite(as_float_array(X, "X"), "X")
    p = _sigmoid(X @ np.asarray(w, dtype=float))
    info = (X.T * (p * (1 - p))) @ X + reg * np.eye(X.shape[1])
    return np.sqrt(np.diag(np.linalg.inv(info)))


def bootstrap_standard_errors(X, y, n_boot=200, reg=0.0, rng=None, w_start=None):
    """Bootstrap standard errors: refit on n_boot resamples (rows drawn with replacement).

    Each resample draws m row indices uniformly with replacement (one ``rng.integers``
    call for all resamples, so the result depends only on the seed); the fit is
    :func:`fit_logistic_regression` warm-started at ``w_start`` (e.g. the full-data fit).

    Returns
    -------
    se : ndarray (n,), the standard deviation (ddof = 1) of the refitted weights
    W : ndarray (n_boot, n), the refitted weights
    """
    X, y = _check_xy(X, y)
    n_boot = check_positive_int(n_boot, "n_boot")
    rng = check_rng(rng)
    m = X.shape[0]
    index = rng.integers(0, m, size=(n_boot, m))
    W = np.empty((n_boot, X.shape[1]))
    for b in range(n_boot):
        counts = np.bincount(index[b], minlength=m).astype(float)
        W[b], _ = fit_logistic_regression(X, y, reg=reg, sample_weight=counts, w0=w_start)
    return W.std(axis=0, ddof=1), W


@dataclass(repr=False)
class LaplaceResult:
    """Gaussian approximation N(mode, cov) of a density p(θ) ∝ exp(−U(θ)).

    Attributes
    ----------
    mode : ndarray (n,), the minimiser θ̂ of U (maximum a posteriori)
    hessian : ndarray (n, n), ∇²U(θ̂)
    cov : ndarray (n, n), its inverse
    log_evidence : float, log ∫ exp(−U) ≈ −U(θ̂) + (n/2) log 2π − ½ log det ∇²U(θ̂)
    n_iter : int, Newton steps used to find the mode
    """

    mode: np.ndarray
    hessian: np.ndarray
    cov: np.ndarray
    log_evidence: float
    n_iter: int

    def pdf(self, theta):
        """Density of the approximation at points theta, shape (k, n) or (k,) when n = 1 → (k,)."""
        theta = np.asarray(theta, dtype=float).reshape(-1, self.mode.size)
        d = theta - self.mode
        P = np.linalg.inv(self.cov)
        q = np.einsum("ki,ij,kj->k", d, P, d)
        norm = np.sqrt((2 * np.pi) ** self.mode.size * np.linalg.det(self.cov))
        return np.exp(-0.5 * q) / norm

    def __repr__(self):
        return (f"LaplaceResult(mode={np.round(self.mode, 6)}, sd={np.round(np.sqrt(np.diag(self.cov)), 6)}, "
                f"log_evidence={self.log_evidence:.6f})")


def laplace_approximation(neg_log_density, x0, tol=1e-10, max_iter=100):
    """Laplace approximation of p(θ) ∝ exp(−U(θ)): a Gaussian at the mode with covariance H⁻¹.

    A second-order Taylor model of U at its minimiser θ̂ (where ∇U = 0) gives
    U(θ) ≈ U(θ̂) + ½(θ − θ̂)ᵀH(θ − θ̂), so exp(−U) is approximately a Gaussian with mean
    θ̂ and covariance H⁻¹, H = ∇²U(θ̂). The mode is found by damped Newton
    (:func:`hvplib.optimize.newton`).

    Parameters
    ----------
    neg_log_density : callable, θ (n,) ↦ U(θ) = −log p̃(θ), ``autograd.numpy``
        (p̃ may be unnormalised, e.g. likelihood × prior)
    x0 : array_like (n,), a start inside the domain
    tol, max_iter : passed to the Newton solver

    Returns
    -------
    LaplaceResult
    """
    from .optimize import newton

    result = newton(neg_log_density, x0, tol=tol, max_iter=max_iter)
    if not result.success:
        raise RuntimeError(f"laplace_approximation: finding the mode failed: {result.message}")
    mode = np.atleast_1d(result.x).astype(float)
    H = hessian(neg_log_density, mode)
    sign, logdet = np.linalg.slogdet(H)
    if sign <= 0:
        raise ValueError("the Hessian at the mode is not positive definite")
    log_evidence = -float(neg_log_density(mode)) + 0.5 * mode.size * np.log(2 * np.pi) - 0.5 * logdet
    return LaplaceResult(mode=mode, hessian=H, cov=np.linalg.inv(H), log_evidence=log_evidence,
                         n_iter=result.nit)


def beta_binomial_laplace(successes, trials, a=1.0, b=1.0):
    """Laplace approximation of the Beta posterior of a coin's bias θ, and the exact answer.

    Prior Beta(a, b), data k successes in n trials: the posterior is exactly
    Beta(a + k, b + n − k). With U(θ) = −(a + k − 1) log θ − (b + n − k − 1) log(1 − θ),
    the Laplace approximation has

        θ̂ = (a + k − 1)/(a + b + n − 2),     1/σ² = U''(θ̂) = (a + b + n − 2)³ / ((a + k − 1)(b + n − k − 1)).

    Needs a + k > 1 and b + n − k > 1 (a mode strictly inside (0, 1)).

    Returns
    -------
    laplace : LaplaceResult (n = 1) for U, computed by :func:`laplace_approximation`
    exact : scipy.stats frozen Beta distribution, the exact posterior
    """
    from scipy import stats

    k, n = int(successes), int(trials)
    if not 0 <= k <= n:
        raise ValueError(f"need 0 ≤ successes ≤ trials; got {k}, {n}")
    alpha, beta = a + k, b + n - k
    if alpha <= 1 or beta <= 1:
        raise ValueError("the posterior mode must lie inside (0, 1): need a + k > 1 and b + n − k > 1")

    def U(theta):
        t = theta[0]
        return -(alpha - 1) * anp.log(t) - (beta - 1) * anp.log1p(-t)

    # start at the posterior mean, inside (0, 1); the Newton line search keeps iterates finite
    laplace = laplace_approximation(U, np.array([alpha / (alpha + beta)]))
    return laplace, stats.beta(alpha, beta)


def total_variation_distance(laplace, exact, n_grid=20001):
    """Total-variation distance ½∫|p − q| between a 1-D Laplace approximation and a density on (0, 1).

    The Gaussian's mass outside (0, 1) counts too: the integral runs over (0, 1) by the
    midpoint rule on ``n_grid`` cells and adds half the Gaussian mass that lies outside.

    Parameters
    ----------
    laplace : LaplaceResult with n = 1
    exact : a frozen ``scipy.stats`` distribution on (0, 1) (with ``.pdf``)

    Returns
    -------
    float in [0, 1]
    """
    from scipy import stats

    n_grid = check_positive_int(n_grid, "n_grid")
    edges = np.linspace(0.0, 1.0, n_grid + 1)
    mid = 0.5 * (edges[1:] + edges[:-1])
    inside = 0.5 * np.sum(np.abs(exact.pdf(mid) - laplace.pdf(mid))) / n_grid
    sd = float(np.sqrt(laplace.cov[0, 0]))
    gauss = stats.norm(laplace.mode[0], sd)
    outside = gauss.cdf(0.0) + gauss.sf(1.0)
    return float(inside + 0.5 * outside)


# ---------------------------------------------------------------------------
# Machine learning: influence functions
# ---------------------------------------------------------------------------

@dataclass(repr=False)
class InfluenceResult:
    """Predicted change of a test loss when each training point is removed.

    Attributes
    ----------
    predicted : ndarray (m,), ΔL_test ≈ (1/m) ∇L_testᵀ H⁻¹ ∇ℓᵢ for removing point i
    s_test : ndarray (n,), H⁻¹ ∇L_test (one CG solve)
    n_matvec : int, Hessian-vector products used by CG
    converged : bool, CG reached its tolerance
    """

    predicted: np.ndarray
    s_test: np.ndarray
    n_matvec: int
    converged: bool

    def __repr__(self):
        return (f"InfluenceResult(m={self.predicted.size}, n_matvec={self.n_matvec}, "
                f"converged={self.converged})")


def influence_on_test_loss(objective, w_hat, per_example_grads, test_loss, tol=1e-10, max_iter=None,
                           method="forward_over_reverse"):
    """Influence functions: the first-order change in a test loss when a training point is removed.

    Training minimises L(w) = (1/m) Σᵢ ℓᵢ(w) + R(w). Up-weighting point i by ε moves the
    minimiser by dŵ/dε = −H⁻¹∇ℓᵢ(ŵ) (implicit function theorem, H = ∇²L(ŵ)); removing it
    is ε = −1/m, so the test loss changes by

        ΔL_test ≈ (1/m) ∇L_test(ŵ)ᵀ H⁻¹ ∇ℓᵢ(ŵ)       (= −(1/m) I_up,loss of Koh & Liang, 2017).

    H⁻¹ is never formed: s_test = H⁻¹∇L_test is one conjugate-gradient solve on a
    :class:`~hvplib.HessianOperator` (one HVP per step), and then every training point
    costs one dot product with its gradient.

    Parameters
    ----------
    objective : callable, w (n,) ↦ L(w), ``autograd.numpy``; must be strongly convex near ŵ
    w_hat : array_like (n,), its minimiser
    per_example_grads : ndarray (m, n), row i is ∇ℓᵢ(ŵ) (unscaled, without R)
    test_loss : callable, w ↦ L_test(w), ``autograd.numpy``
    tol : float, relative residual tolerance for CG
    max_iter : int, optional, CG step limit
    method : HVP method of the operator

    Returns
    -------
    InfluenceResult
    """
    w_hat = check_finite(as_float_array(w_hat, "w_hat"), "w_hat")
    G = check_finite(as_float_array(per_example_grads, "per_example_grads"), "per_example_grads")
    if G.ndim != 2 or G.shape[1] != w_hat.size:
        raise ValueError(f"per_example_grads must have shape (m, {w_hat.size}); got {G.shape}")
    op = HessianOperator(objective, w_hat, method=method)
    solve = cg(op, gradient(test_loss, w_hat), tol=tol, max_iter=max_iter)
    if solve.negative_curvature:
        raise ValueError("the Hessian is not positive definite at w_hat: CG met negative curvature")
    predicted = G @ solve.x / G.shape[0]
    return InfluenceResult(predicted=predicted, s_test=solve.x, n_matvec=solve.n_matvec,
                           converged=solve.converged)


def leave_one_out_test_loss_change(X, y, reg, test_loss_fn, w_hat, tol=1e-12):
    """Exact change in a test loss when each training point is removed, by retraining.

    The training objective is the mean-loss ridge logistic regression
    L(w) = (1/m) Σᵢ ℓᵢ(w) + (reg/2)‖w‖², ℓᵢ the log-loss; removing point i keeps the factor
    1/m (it sets point i's weight to 0), which is exactly the perturbation ε = −1/m that
    :func:`influence_on_test_loss` linearises. Each refit is a Newton solve warm-started at ŵ.

    Parameters
    ----------
    X : (m, n); y : (m,) in {0, 1}; reg : float > 0
    test_loss_fn : callable, w ↦ float (plain NumPy is fine)
    w_hat : (n,), the minimiser with all points

    Returns
    -------
    ndarray (m,): L_test(ŵ₋ᵢ) − L_test(ŵ)
    """
    X, y = _check_xy(X, y)
    m = X.shape[0]
    base = test_loss_fn(w_hat)
    out = np.empty(m)
    for i in range(m):
        weights = np.full(m, 1.0 / m)
        weights[i] = 0.0
        w_i, _ = fit_logistic_regression(X, y, reg=reg, sample_weight=weights, w0=w_hat, tol=tol)
        out[i] = test_loss_fn(w_i) - base
    return out


# ---------------------------------------------------------------------------
# Plot helpers
# ---------------------------------------------------------------------------

def plot_mode_shapes(ax, modes, omega, which=(1, 2, 3), closed_form=True, title=None):
    """Draw normal-mode shapes of a fixed-end chain as displacement against mass index.

    Each mode is drawn with the walls (index 0 and N + 1, displacement 0) added, as a line
    with markers, gid ``"mode-j"``. With ``closed_form=True`` the standing wave
    √(2/(N+1)) sin(x j π/(N+1)) is drawn through it as a thin dashed curve over the whole
    chain, gid ``"closed-form-j"`` (its sign matched to the computed mode).

    Parameters
    ----------
    ax : matplotlib Axes
    modes : ndarray (N, N), column j−1 is mode j (unit length)
    omega : ndarray (N,), angular frequencies for the legend
    which : iterable of mode numbers j (1-based)
    closed_form : bool
    title : str, optional
    """
    from .plotting import PALETTE

    n = modes.shape[0]
    index = np.arange(n + 2)
    exact = spring_chain_mode_shapes(n)
    fine = np.linspace(0, n + 1, 400)
    for colour, j in zip(PALETTE, which):
        shape = np.concatenate([[0.0], modes[:, j - 1], [0.0]])
        ax.plot(index, shape, "o-", color=colour, gid=f"mode-{j}", label=f"mode {j}: ω = {omega[j - 1]:.3f}")
        if closed_form:
            sign = np.sign(exact[:, j - 1] @ modes[:, j - 1])
            curve = sign * np.sqrt(2.0 / (n + 1)) * np.sin(fine * j * np.pi / (n + 1))
            ax.plot(fine, curve, ":", color=colour, linewidth=1.2, gid=f"closed-form-{j}")
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel("mass index i (0 and N + 1 are the walls)")
    ax.set_ylabel("displacement $u_i$ (unit-length mode)")
    ax.set_title(title or f"Normal modes of a chain of {n} masses")
    ax.legend(loc="upper right", fontsize=8)


def plot_laplace(ax, laplace, exact, grid=None, title=None):
    """Draw an exact 1-D posterior density and its Laplace approximation.

    Lines: gid ``"exact"`` (blue, solid) and ``"laplace"`` (vermillion, dashed). Returns the
    grid and both densities as a tuple ``(grid, exact_pdf, laplace_pdf)``.
    """
    from .plotting import ROLE_COLORS

    grid = np.linspace(0.0005, 0.9995, 1000) if grid is None else np.asarray(grid, dtype=float)
    exact_pdf = exact.pdf(grid)
    laplace_pdf = laplace.pdf(grid)
    ax.plot(grid, exact_pdf, color=ROLE_COLORS["function"], gid="exact", label="exact posterior")
    ax.plot(grid, laplace_pdf, "--", color=ROLE_COLORS["model"], gid="laplace",
            label="Laplace: N(θ̂, 1/U″(θ̂))")
    ax.set_xlabel("θ (probability of success)")
    ax.set_ylabel("posterior density")
    ax.set_title(title or "Posterior and its Laplace approximation")
    ax.legend(fontsize=8)
    return grid, exact_pdf, laplace_pdf
