"""Reading a Hessian: eigen-axes, definiteness, the second-derivative test, the quadratic model.

Small, plot-free helpers used by chapters 01–02 (and by :mod:`hvplib.plotting` and
:mod:`hvplib.widgets`). Everything here works on a dense symmetric matrix ``H`` of
shape ``(n, n)``; the 2 × 2 case is the one drawn in the course.

Terms (see ``notebooks/GLOSSARY.md``): for a symmetric H with eigenvalues
λ_1 ≤ … ≤ λ_n,

- positive definite: all λ_i > 0;   negative definite: all λ_i < 0;
- indefinite: some λ_i > 0 and some λ_j < 0;
- semidefinite (and not definite): some λ_i = 0, the others of one sign.

"Zero" means |λ| ≤ tol · max(1, max_i |λ_i|), so that round-off in a computed
Hessian does not flip a verdict.
"""
from dataclasses import dataclass

import numpy as np

from .._checks import as_float_array, check_finite, check_positive
from ..hvp import gradient, hessian

__all__ = [
    "CRITICAL_POINT_KINDS",
    "QuadraticModel",
    "check_symmetric",
    "classify_critical_point",
    "definiteness",
    "directional_curvature_curve",
    "eigen_axes",
    "is_strictly_diagonally_dominant",
    "leading_principal_minors",
    "quadratic_model",
    "rayleigh_quotient",
    "sylvester_definiteness",
]

CRITICAL_POINT_KINDS = ("minimum", "maximum", "saddle", "inconclusive")
DEFAULT_TOL = 1e-10


def check_symmetric(H, name="H", rtol=1e-8):
    """Return H as a float array of shape (n, n) after checking it is square, finite, symmetric.

    Symmetric means ``|H - Hᵀ| <= rtol * max(1, max|H|)`` entrywise (a Hessian
    from autodiff or finite differences is symmetric only up to round-off).
    Returns the exactly symmetric ``(H + Hᵀ) / 2``, shape ``(n, n)``.
    """
    H = check_finite(as_float_array(H, name), name)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise ValueError(f"{name} must be a square matrix of shape (n, n); got shape {H.shape}")
    scale = max(1.0, float(np.max(np.abs(H))))
    asym = float(np.max(np.abs(H - H.T)))
    if asym > rtol * scale:
        raise ValueError(f"{name} must be symmetric; max |{name} - {name}ᵀ| = {asym:.3g}")
    return (H + H.T) / 2


def _signs(eigenvalues, tol):
    tol = check_positive(tol, "tol")
    scale = max(1.0, float(np.max(np.abs(eigenvalues))))
    positive = eigenvalues > tol * scale
    negative = eigenvalues < -tol * scale
    return positive, negative


def eigen_axes(H):
    """Eigenvalues (ascending) and unit eigenvectors of a symmetric H, with a fixed sign.

    Each eigenvector's first entry that is not (numerically) zero is made positive,
    so that printed results are the same on every machine.

    Returns
    -------
    eigenvalues : ndarray, shape (n,), ascending
    eigenvectors : ndarray, shape (n, n); column i goes with ``eigenvalues[i]``
    """
    H = check_symmetric(H)
    eigenvalues, Q = np.linalg.eigh(H)
    for i in range(Q.shape[1]):
        column = Q[:, i]
        first = np.flatnonzero(np.abs(column) > 1e-12 * np.max(np.abs(column)))[0]
        if column[first] < 0:
            Q[:, i] = -column
    return eigenvalues, Q


def definiteness(H, tol=DEFAULT_TOL):
    """Name the definiteness of a symmetric H from the signs of its eigenvalues.

    Returns one of ``"positive definite"``, ``"negative definite"``, ``"indefinite"``,
    ``"positive semidefinite"``, ``"negative semidefinite"``, ``"zero"``.
    """
    eigenvalues = np.linalg.eigvalsh(check_symmetric(H))
    positive, negative = _signs(eigenvalues, tol)
    if positive.all():
        return "positive definite"
    if negative.all():
        return "negative definite"
    if positive.any() and negative.any():
        return "indefinite"
    if positive.any():
        return "positive semidefinite"
    if negative.any():
        return "negative semidefinite"
    return "zero"


def classify_critical_point(H, tol=DEFAULT_TOL):
    """The second-derivative test at a critical point (∇f = 0) with Hessian H.

    =========================  ================
    H                          verdict
    =========================  ================
    positive definite          ``"minimum"``
    negative definite          ``"maximum"``
    indefinite                 ``"saddle"``
    semidefinite or zero       ``"inconclusive"``
    =========================  ================

    "inconclusive" means the Hessian alone cannot decide: higher-order terms do
    (x⁴ + y⁴ has a minimum at 0 and x⁴ − y⁴ a saddle, both with H = 0).

    Parameters
    ----------
    H : array_like, shape (n, n), symmetric
    tol : float > 0, relative threshold below which an eigenvalue counts as zero

    Returns
    -------
    str, one of :data:`CRITICAL_POINT_KINDS`
    """
    kind = definiteness(H, tol)
    return {
        "positive definite": "minimum",
        "negative definite": "maximum",
        "indefinite": "saddle",
    }.get(kind, "inconclusive")


def leading_principal_minors(H):
    """Determinants of the top-left k × k blocks of H, k = 1, …, n.

    Returns ndarray, shape (n,): ``[det H[:1, :1], det H[:2, :2], …, det H]``.
    """
    H = check_symmetric(H)
    return np.array([np.linalg.det(H[:k, :k]) for k in range(1, H.shape[0] + 1)])


def sylvester_definiteness(H, tol=DEFAULT_TOL):
    """Sylvester's criterion on the leading principal minors D_1, …, D_n of a symmetric H.

    - all D_k > 0                       → ``"positive definite"``
    - sign(D_k) = (−1)^k for every k    → ``"negative definite"``
    - anything else                     → ``"not definite"`` (indefinite or semidefinite:
      the criterion does not say which)

    A minor counts as zero when ``|D_k| <= tol * max(1, max|H|)^k``.
    """
    H = check_symmetric(H)
    tol = check_positive(tol, "tol")
    minors = leading_principal_minors(H)
    scale = max(1.0, float(np.max(np.abs(H))))
    k = np.arange(1, H.shape[0] + 1)
    threshold = tol * scale**k
    if np.all(minors > threshold):
        return "positive definite"
    if np.all((-1.0) ** k * minors > threshold):
        return "negative definite"
    return "not definite"


def is_strictly_diagonally_dominant(H):
    """True if |H_ii| > Σ_{j≠i} |H_ij| for every row i.

    A symmetric, strictly diagonally dominant matrix with a positive diagonal is
    positive definite (every Gershgorin disc lies in the right half-plane): a
    *sufficient* check that costs no eigenvalues. The converse fails.
    """
    H = check_symmetric(H)
    diagonal = np.abs(np.diag(H))
    off_diagonal = np.sum(np.abs(H), axis=1) - diagonal
    return bool(np.all(diagonal > off_diagonal))


def rayleigh_quotient(H, d):
    """dᵀHd / dᵀd: the second derivative along the unit vector d/‖d‖.

    Lies in [λ_min, λ_max] for every d ≠ 0. Shapes: H (n, n), d (n,); returns float.
    """
    H = check_symmetric(H)
    d = check_finite(as_float_array(d, "d"), "d")
    if d.shape != (H.shape[0],):
        raise ValueError(f"d must have shape ({H.shape[0]},); got {d.shape}")
    norm2 = float(d @ d)
    if norm2 == 0.0:
        raise ValueError("d must be a nonzero vector")
    return float(d @ H @ d) / norm2


def directional_curvature_curve(H, n_angles=361):
    """Second derivative d(θ)ᵀ H d(θ) along d(θ) = (cos θ, sin θ), θ ∈ [0, π].

    (θ and θ + π give the same value, so half a turn shows everything.)

    Parameters
    ----------
    H : array_like, shape (2, 2), symmetric
    n_angles : int >= 2

    Returns
    -------
    theta : ndarray, shape (n_angles,), radians from 0 to π
    curvature : ndarray, shape (n_angles,)
    """
    H = check_symmetric(H)
    if H.shape != (2, 2):
        raise ValueError(f"H must be 2 × 2 for a curve over angles; got shape {H.shape}")
    if isinstance(n_angles, bool) or not isinstance(n_angles, (int, np.integer)) or n_angles < 2:
        raise ValueError(f"n_angles must be an integer >= 2; got {n_angles!r}")
    theta = np.linspace(0.0, np.pi, int(n_angles))
    d = np.stack([np.cos(theta), np.sin(theta)])  # (2, n_angles)
    curvature = np.einsum("ik,ij,jk->k", d, H, d)
    return theta, curvature


@dataclass(frozen=True)
class QuadraticModel:
    """Second-order Taylor model of f at x0:  m(x) = f0 + gᵀ(x − x0) + ½ (x − x0)ᵀ H (x − x0).

    Attributes: ``x0`` (n,), ``value`` f(x0), ``gradient`` g (n,), ``hessian`` H (n, n).

    Call it on one point of shape (n,) or on a stack of points of shape (n, ...)
    (for instance a grid ``np.stack([X, Y])``): returns a float or an array of shape ``(...)``.
    """

    x0: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        n = self.x0.size
        if x.shape[:1] != (n,):
            raise ValueError(f"x must have shape ({n}, ...); got {x.shape}")
        d = x - self.x0.reshape((n,) + (1,) * (x.ndim - 1))
        linear = np.tensordot(self.gradient, d, axes=1)
        quadratic = 0.5 * np.einsum("i...,ij,j...->...", d, self.hessian, d)
        result = self.value + linear + quadratic
        return float(result) if np.ndim(result) == 0 else result

    def quadratic_term(self, d):
        """T₂(d) = ½ dᵀHd for a step d of shape (n,) or (n, ...)."""
        d = np.asarray(d, dtype=float)
        result = 0.5 * np.einsum("i...,ij,j...->...", d, self.hessian, d)
        return float(result) if np.ndim(result) == 0 else result


def quadratic_model(f, x0):
    """The second-order Taylor model of f at x0, from hvplib's gradient and Hessian.

    Parameters
    ----------
    f : callable, x ↦ scalar, written with ``autograd.numpy``; x of shape (n,)
    x0 : array_like, shape (n,)

    Returns
    -------
    QuadraticModel (cost: one gradient and one dense Hessian, so small n only)
    """
    x0 = check_finite(as_float_array(x0, "x0"), "x0").astype(float)
    if x0.ndim != 1:
        raise ValueError(f"x0 must be a vector of shape (n,); got shape {x0.shape}")
    value = float(f(x0))
    return QuadraticModel(x0=x0.copy(), value=value, gradient=gradient(f, x0), hessian=hessian(f, x0))
