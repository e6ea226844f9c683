"""The Hessian in statistics (chapter 06): Fisher information, standard errors, the bootstrap, Laplace.

- :func:`logistic_nll`, :func:`fit_logistic_regression` (Newton/IRLS), :func:`logistic_standard_errors`
  (the inverse observed Fisher information), :func:`bootstrap_standard_errors`;
- :func:`laplace_approximation`, :func:`beta_binomial_laplace`, :func:`total_variation_distance` — a
  posterior replaced by the Gaussian with the Hessian of −log p as precision.
"""
from dataclasses import dataclass

import numpy as np
from autograd import numpy as anp

from .._checks import as_float_array, check_finite, check_positive_int, check_rng
from ..hvp import hessian, logistic

__all__ = [
    "check_logistic_data",
    "logistic_nll",
    "fit_logistic_regression",
    "logistic_standard_errors",
    "sandwich_standard_errors",
    "bootstrap_standard_errors",
    "LaplaceResult",
    "laplace_approximation",
    "beta_binomial_laplace",
    "total_variation_distance",
]


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
    X, y = check_logistic_data(X, y)
    reg = float(reg)

    def nll(w):
        z = anp.dot(X, w)
        return anp.sum(anp.logaddexp(0.0, z) - y * z) + 0.5 * reg * anp.dot(w, w)

    return nll


def check_logistic_data(X, y):
    """Check logistic-regression data: X finite of shape (m, n), y of shape (m,) with entries 0 or 1.

    Returns ``(X, y)`` as float arrays; raises ``ValueError`` naming X or y otherwise.
    """
    X = check_finite(as_float_array(X, "X"), "X")
    y = check_finite(as_float_array(y, "y"), "y")
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (m, n) and y (m,); got {X.shape} and {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only 0 and 1")
    return X, y


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
    X, y = check_logistic_data(X, y)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    scale = max(1.0, float(s.sum()))
    for n_iter in range(max_iter + 1):
        p = logistic(X @ w)
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
    p = logistic(X @ np.asarray(w, dtype=float))
    info = (X.T * (p * (1 - p))) @ X + reg * np.eye(X.shape[1])
    return np.sqrt(np.diag(np.linalg.inv(info)))


def sandwich_standard_errors(X, y, w, reg=0.0):
    """Standard errors from the sandwich (robust) covariance H⁻¹ (Σᵢ gᵢgᵢᵀ) H⁻¹.

    gᵢ = (pᵢ − yᵢ) xᵢ is example i's gradient of the negative log-likelihood and H = XᵀŴX (+ reg·I)
    its Hessian. If the model is right, Σᵢ gᵢgᵢᵀ estimates H and the sandwich reduces to H⁻¹
    (:func:`logistic_standard_errors`); a sandwich much larger than H⁻¹ points to a wrong model.

    Returns ndarray, shape (n,).
    """
    X, y = check_logistic_data(X, y)
    p = logistic(X @ np.asarray(w, dtype=float))
    G = (p - y)[:, None] * X                                       # (m, n): per-example gradients
    H_inv = np.linalg.inv((X.T * (p * (1 - p))) @ X + reg * np.eye(X.shape[1]))
    return np.sqrt(np.diag(H_inv @ (G.T @ G) @ H_inv))


def bootstrap_standard_errors(X, y, n_boot=200, reg=0.0, *, rng=None, w_start=None, parametric=False):
    """Bootstrap standard errors: refit n_boot times and take the spread of the refitted weights.

    Non-parametric (default): each resample draws m rows uniformly with replacement (one
    ``rng.integers`` call for all resamples). Parametric: each resample keeps X and draws new labels
    from the fitted model itself, yᵢ ~ Bernoulli(σ(xᵢᵀw_start)) (one ``rng.random`` call), so the
    model is right by construction and only the finite-sample spread of the estimate remains. Every
    fit is :func:`fit_logistic_regression` warm-started at ``w_start`` (required when parametric).

    Returns
    -------
    se : ndarray (n,), the standard deviation (ddof = 1) of the refitted weights
    W : ndarray (n_boot, n), the refitted weights
    """
    X, y = check_logistic_data(X, y)
    n_boot = check_positive_int(n_boot, "n_boot")
    rng = check_rng(rng)
    m = X.shape[0]
    if parametric:
        if w_start is None:
            raise ValueError("w_start (the fitted weights) is required for a parametric bootstrap")
        p = logistic(X @ np.asarray(w_start, dtype=float))
        labels, weights = (rng.random((n_boot, m)) < p).astype(float), np.ones((n_boot, m))
    else:
        index = rng.integers(0, m, size=(n_boot, m))
        labels = np.broadcast_to(y, (n_boot, m))
        weights = np.array([np.bincount(row, minlength=m) for row in index], dtype=float)
    W = np.empty((n_boot, X.shape[1]))
    for b in range(n_boot):
        W[b], _ = fit_logistic_regression(X, labels[b], reg=reg, sample_weight=weights[b], w0=w_start)
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
    from ..optimize import newton

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
