"""Test problems for the optimizers: Rosenbrock, quadratics, logistic regression, a saddle.

Each ``make_*`` function returns a :class:`Problem`: the objective ``f``
(written with ``autograd.numpy``, so every hvplib derivative works on it),
a start ``x0`` and, where known in closed form, the minimiser ``x_star`` and
minimum ``f_star``. The plain functions (:func:`rosenbrock`, …) are exported
too, for use with SciPy.
"""
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from ._checks import as_float_array, check_choice, check_finite, check_positive, check_positive_int, check_rng

__all__ = [
    "Problem",
    "QuadraticProblem",
    "LogisticRegressionProblem",
    "rosenbrock",
    "rosenbrock_start",
    "make_rosenbrock",
    "make_quadratic",
    "make_logistic_regression",
    "saddle",
    "make_saddle",
    "LOGISTIC_DATASETS",
]


@dataclass(repr=False)
class Problem:
    """An objective with a start and, when known, its solution.

    Attributes
    ----------
    name : str
    f : callable, x ↦ scalar (``autograd.numpy``), x of shape ``(n,)``
    x0 : ndarray, shape (n,), the standard start
    x_star : ndarray, shape (n,), or None if not known in closed form
    f_star : float or None
    """

    name: str
    f: callable
    x0: np.ndarray
    x_star: np.ndarray = None
    f_star: float = None

    @property
    def n(self):
        """Number of variables."""
        return self.x0.size

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r} n={self.n}>"


# ---------------------------------------------------------------------------
# Extended Rosenbrock
# ---------------------------------------------------------------------------

def rosenbrock(x):
    """Extended (chained) Rosenbrock function, the same as ``scipy.optimize.rosen``.

        f(x) = Σ_{i=0}^{n−2} [ 100 (x_{i+1} − x_i²)² + (1 − x_i)² ]

    Minimum f = 0 at x = (1, …, 1). The curved valley x_{i+1} = x_i² makes it
    hard for gradient descent; for n ≥ 4 there is also a local minimum near
    (−1, 1, …, 1). Shape: x (n,), n ≥ 2 → scalar.
    """
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_start(n=2):
    """The standard start (−1.2, 1, −1.2, 1, …), shape (n,); n ≥ 2."""
    n = _check_n(n, minimum=2)
    x0 = np.ones(n)
    x0[::2] = -1.2
    return x0


def make_rosenbrock(n=2):
    """Rosenbrock in n variables from the standard start (−1.2, 1, …); x* = 1, f* = 0."""
    n = _check_n(n, minimum=2)
    return Problem(f"rosenbrock (n={n})", rosenbrock, rosenbrock_start(n), np.ones(n), 0.0)


def _check_n(n, minimum):
    n = check_positive_int(n, "n")
    if n < minimum:
        raise ValueError(f"n must be >= {minimum}; got {n}")
    return n


# ---------------------------------------------------------------------------
# Quadratic ½ xᵀAx − bᵀx with chosen spectrum
# ---------------------------------------------------------------------------

@dataclass(repr=False)
class QuadraticProblem(Problem):
    """f(x) = ½ xᵀA x − bᵀx with A = V diag(λ) Vᵀ symmetric positive definite.

    Extra attributes: ``A`` (n, n), ``b`` (n,), ``eigenvalues`` (n,) ascending,
    ``eigenvectors`` (n, n) (columns, matching ``eigenvalues``).
    """

    A: np.ndarray = None
    b: np.ndarray = None
    eigenvalues: np.ndarray = None
    eigenvectors: np.ndarray = None

    @property
    def kappa(self):
        """Condition number κ = λ_max / λ_min."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @property
    def rate(self):
        """ρ² = ((κ−1)/(κ+1))²: the worst-case factor on f − f* per exact steepest-descent step."""
        return ((self.kappa - 1) / (self.kappa + 1)) ** 2

    def worst_case_start(self, scale=1.0):
        """x0 = x* + s (v_min/λ_min + v_max/λ_max), shape (n,).

        From here the gradient has equal components along the extreme
        eigenvectors, and steepest descent with exact line search zig-zags with
        f − f* shrinking by exactly ((κ−1)/(κ+1))² at every step (the bound of
        N&W Theorem 3.3 is attained). ``scale`` s sets the distance.
        """
        v_min, v_max = self.eigenvectors[:, 0], self.eigenvectors[:, -1]
        e = v_min / self.eigenvalues[0] + v_max / self.eigenvalues[-1]
        return self.x_star + scale * e / np.linalg.norm(e)


def make_quadratic(eigenvalues=None, kappa=None, n=2, b=None, *, rng=None):
    """A strongly convex quadratic ½ xᵀA x − bᵀx with a chosen spectrum.

    Give either ``eigenvalues`` (all > 0) or ``kappa`` (then the n eigenvalues
    are geometrically spaced from 1 to κ; default κ = 10). The eigenvectors are
    a random orthogonal basis from ``rng`` (keyword-only; None: fresh entropy); b is random
    unless given. The start ``x0`` is the worst case for steepest descent,
    :meth:`QuadraticProblem.worst_case_start`, at distance 1 from x* = A⁻¹b.

    Returns
    -------
    QuadraticProblem, with f: x (n,) ↦ scalar
    """
    if eigenvalues is not None and kappa is not None:
        raise ValueError("give either eigenvalues or kappa, not both")
    if eigenvalues is None:
        kappa = 10.0 if kappa is None else check_positive(kappa, "kappa")
        if kappa < 1:
            raise ValueError(f"kappa must be >= 1; got {kappa}")
        n = _check_n(n, minimum=1)
        eigenvalues = np.geomspace(1.0, kappa, n)
    lam = np.sort(check_finite(as_float_array(eigenvalues, "eigenvalues"), "eigenvalues").ravel()).astype(float)
    if lam.size == 0 or lam[0] <= 0:
        raise ValueError("eigenvalues must be a non-empty list of numbers > 0")
    n = lam.size
    rng = check_rng(rng)
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (V * lam) @ V.T
    A = 0.5 * (A + A.T)
    b = rng.standard_normal(n) if b is None else check_finite(as_float_array(b, "b"), "b").astype(float)
    if b.shape != (n,):
        raise ValueError(f"b must have shape ({n},); got {b.shape}")
    x_star = np.linalg.solve(A, b)

    def quadratic(x):
        return 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x)

    problem = QuadraticProblem(
        f"quadratic (n={n}, kappa={lam[-1] / lam[0]:.3g})", quadratic, None, x_star,
        float(-0.5 * b @ x_star), A=A, b=b, eigenvalues=lam, eigenvectors=V,
    )
    problem.x0 = problem.worst_case_start()
    return problem


# ---------------------------------------------------------------------------
# Regularized logistic regression
# ---------------------------------------------------------------------------

LOGISTIC_DATASETS = ("synthetic", "breast_cancer", "digits")


@dataclass(repr=False)
class LogisticRegressionProblem(Problem):
    """Regularized logistic regression on (X, y).

        f(w) = (1/m) Σᵢ log(1 + exp(−yᵢ xᵢᵀw)) + (reg/2) ‖w‖²

    Extra attributes: ``X`` (m, n) standardized features with a last column of
    ones (the intercept, regularized like the other weights), ``y`` (m,) in
    {−1, +1}, ``reg``. The Hessian XᵀDX/m + reg·I is positive definite with
    λ_min ≥ reg, so f has one minimiser (not known in closed form:
    ``x_star`` is None).
    """

    X: np.ndarray = None
    y: np.ndarray = None
    reg: float = None


def _load_dataset(data, m, d, rng):
    """(features (m, d), labels in {0, 1}) for one of LOGISTIC_DATASETS."""
    if data == "synthetic":
        features = rng.standard_normal((m, d))
        w_true = rng.standard_normal(d)
        p = 1.0 / (1.0 + np.exp(-features @ w_true))
        return features, (rng.random(m) < p).astype(float)
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(f"data={data!r} needs scikit-learn (pip install scikit-learn); "
                          "data='synthetic' does not") from None
    if data == "breast_cancer":  # 569 × 30, malignant vs benign
        bunch = datasets.load_breast_cancer()
        return bunch.data, bunch.target.astype(float)
    bunch = datasets.load_digits()  # 1797 × 64 pixel images, even vs odd digit
    return bunch.data, (bunch.target % 2 == 0).astype(float)


def make_logistic_regression(data="synthetic", reg=1e-2, m=500, d=10, *, rng=None):
    """Regularized logistic-regression loss on a data set shipped with the code.

    Parameters
    ----------
    data : {"synthetic", "breast_cancer", "digits"}
        "synthetic": m samples, d Gaussian features, labels drawn from a
        random true logistic model (drawn with ``rng``).
        "breast_cancer" (569 × 30) and "digits" (1797 × 64, even vs odd) ship
        inside scikit-learn (no download); ``m``, ``d`` are ignored.
    reg : float > 0, L2 regularization (λ_min(H) ≥ reg)
    m, d : int ≥ 1, size of the synthetic set
    rng : None, int seed or Generator, keyword-only
        Used by "synthetic" only; None draws fresh entropy, as in NumPy (pass a seed to reproduce).

    Returns
    -------
    LogisticRegressionProblem, f: w (d + 1,) ↦ scalar, x0 = 0
    """
    check_choice(data, "data", LOGISTIC_DATASETS)
    reg = check_positive(reg, "reg")
    m, d = check_positive_int(m, "m"), check_positive_int(d, "d")
    features, labels = _load_dataset(data, m, d, check_rng(rng))
    std = features.std(axis=0)
    features = (features - features.mean(axis=0)) / np.where(std > 0, std, 1.0)
    X = np.hstack([features, np.ones((features.shape[0], 1))])
    y = 2.0 * labels - 1.0

    def logistic_loss(w):
        margins = y * anp.dot(X, w)
        return anp.mean(anp.logaddexp(0.0, -margins)) + 0.5 * reg * anp.dot(w, w)

    return LogisticRegressionProblem(
        f"logistic regression ({data}, m={X.shape[0]}, n={X.shape[1]}, reg={reg:g})",
        logistic_loss, np.zeros(X.shape[1]), X=X, y=y, reg=reg,
    )


# ---------------------------------------------------------------------------
# A saddle
# ---------------------------------------------------------------------------

def saddle(x):
    """f(x, y) = ½ x² + ¼ y⁴ − ½ y²: a saddle at (0, 0), minima at (0, ±1).

    H = diag(1, 3y² − 1): indefinite for |y| < 1/√3, positive definite beyond.
    f(0, 0) = 0, f(0, ±1) = −¼. Shape: x (2,) → scalar.
    """
    return 0.5 * x[0] ** 2 + 0.25 * x[1] ** 4 - 0.5 * x[1] ** 2


def make_saddle():
    """The :func:`saddle` from x0 = (0.5, 0.01), beside the saddle (H indefinite there)."""
    return Problem("saddle", saddle, np.array([0.5, 0.01]), np.array([0.0, 1.0]), -0.25)
