r"""How accurate is a finite-difference Hessian-vector product, as a function of the step ε?

Chapter 03 plots the error of

    forward:  H v ≈ (∇f(x + εv) − ∇f(x)) / ε                 truncation error O(ε)
    central:  H v ≈ (∇f(x + εv) − ∇f(x − εv)) / (2ε)         truncation error O(ε²)

against ε on log-log axes. Both carry a round-off error of order u/ε (u the unit round-off of the
float type: each gradient is computed with a relative error ~u, and the difference is divided by ε),
so the total error is a "V": it falls with slope +1 (forward) or +2 (central) as ε shrinks, until
round-off takes over and it grows again with slope −1. Balancing the two terms,

    ε* ∝ u^(1/2)  (forward),        ε* ∝ u^(1/3)  (central),

for a function whose derivatives are of order one. This module computes the curves
(:func:`fd_error_curve`), the predicted optimum (:func:`predicted_best_eps`) and the measured slopes
(:func:`loglog_slope`); :func:`fd_error_study` bundles them into one record per (scheme, dtype).
"""
import dataclasses

import numpy as np
from autograd import grad as _ag_grad

from .._checks import as_float_array, check_choice, check_finite, check_function
from ..hvp import FD_SCHEMES, scalar_valued, fd_hvp, hvp

__all__ = [
    "TRUNCATION_ORDER",
    "ROUNDOFF_SLOPE",
    "unit_roundoff",
    "predicted_best_eps",
    "fd_error_curve",
    "loglog_slope",
    "FDCurve",
    "fd_error_study",
]

#: Power p of ε in the truncation error of each scheme (error ∝ ε^p): the right arm of the V.
TRUNCATION_ORDER = {"forward": 1, "central": 2}

#: Slope of the round-off arm of the V on log-log axes (error ∝ u/ε).
ROUNDOFF_SLOPE = -1


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}")
    return dtype


def unit_roundoff(dtype=np.float64):
    """Machine epsilon u of a float type: 2⁻⁵² ≈ 2.2e-16 (float64), 2⁻²³ ≈ 1.2e-7 (float32)."""
    return float(np.finfo(_check_dtype(dtype)).eps)


def predicted_best_eps(dtype=np.float64, scheme="central"):
    """The textbook optimal step: u^(1/2) for forward, u^(1/3) for central differences.

    Minimising  C_t ε^p + C_r u/ε  over ε gives ε* = (C_r u / (p C_t))^(1/(p+1)); with the constants
    of order one this is u^(1/(p+1)). For float64: 1.49e-8 (forward), 6.06e-6 (central); for float32:
    3.45e-4 (forward), 4.92e-3 (central). The step here is the length of εv relative to the scale of x,
    so it assumes ‖v‖ ≈ 1 and x, f of order one (``hvplib.default_eps`` rescales for other sizes).

    Returns
    -------
    float
    """
    check_choice(scheme, "scheme", FD_SCHEMES)
    p = TRUNCATION_ORDER[scheme]
    return unit_roundoff(dtype) ** (1.0 / (p + 1))


def _gradient_in(f, dtype):
    g = _ag_grad(scalar_valued(f))

    def grad_f(y):
        return np.asarray(g(np.asarray(y, dtype=dtype)), dtype=dtype)

    return grad_f


def fd_error_curve(f, x, v, eps_values, scheme="central", dtype=np.float64):
    """Relative error of the finite-difference HVP at each step ε, against the exact HVP.

        error(ε) = ‖fd_hvp(∇f, x, v, ε) − H v‖ / ‖H v‖

    x and v are first rounded to ``dtype`` and the gradients are evaluated in ``dtype`` (so ``f`` must
    keep float32 inputs in float32: use Python-scalar constants, not float64 arrays). The reference
    H v is exact (forward-over-reverse, float64) at the *rounded* x and v, so the error measured is the
    finite-difference error alone, not the rounding of the inputs.

    Parameters
    ----------
    f : callable, x ↦ scalar, written with ``autograd.numpy``
    x, v : array_like of one shape (n = x.size); H v must not be zero
    eps_values : array_like of floats > 0, shape (m,)
    scheme : {"central", "forward"}
    dtype : float32 or float64, the precision of the gradient evaluations

    Returns
    -------
    ndarray, shape (m,), float64
    """
    check_function(f)
    check_choice(scheme, "scheme", FD_SCHEMES)
    dtype = _check_dtype(dtype)
    x = check_finite(as_float_array(x, "x"), "x").astype(dtype)
    v = check_finite(as_float_array(v, "v"), "v").astype(dtype)
    if v.shape != x.shape:
        raise ValueError(f"v must have the same shape as x, {x.shape}; got {v.shape}")
    eps_values = check_finite(as_float_array(eps_values, "eps_values"), "eps_values").astype(np.float64)
    if eps_values.ndim != 1 or eps_values.size == 0 or np.any(eps_values <= 0):
        raise ValueError("eps_values must be a non-empty 1-D array of positive steps")
    exact = hvp(f, x.astype(np.float64), v.astype(np.float64))
    exact_norm = np.linalg.norm(exact)
    if exact_norm == 0.0:
        raise ValueError("H v is zero at this x and v: a relative error is undefined")
    grad_f = _gradient_in(f, dtype)
    errors = np.empty(eps_values.size)
    for i, eps in enumerate(eps_values):
        approx = fd_hvp(grad_f, x, v, eps=float(eps), scheme=scheme).astype(np.float64)
        errors[i] = np.linalg.norm(approx - exact) / exact_norm
    return errors


def loglog_slope(eps_values, errors, eps_min, eps_max):
    """Least-squares slope of log10(error) against log10(ε) over eps_min ≤ ε ≤ eps_max.

    Points with a zero error are left out. Needs at least 3 points in the window.

    Returns
    -------
    float, the fitted power p in error ∝ ε^p
    """
    eps_values = np.asarray(eps_values, dtype=float)
    errors = np.asarray(errors, dtype=float)
    if eps_values.shape != errors.shape or eps_values.ndim != 1:
        raise ValueError("eps_values and errors must be 1-D arrays of one length")
    if not 0 < eps_min < eps_max:
        raise ValueError(f"need 0 < eps_min < eps_max; got {eps_min}, {eps_max}")
    keep = (eps_values >= eps_min) & (eps_values <= eps_max) & (errors > 0)
    if np.count_nonzero(keep) < 3:
        raise ValueError(f"fewer than 3 points with ε in [{eps_min:.2e}, {eps_max:.2e}]")
    slope, _ = np.polyfit(np.log10(eps_values[keep]), np.log10(errors[keep]), 1)
    return float(slope)


@dataclasses.dataclass(repr=False)
class FDCurve:
    """One V-curve of :func:`fd_error_study`.

    Attributes
    ----------
    scheme : "forward" or "central"
    dtype : numpy dtype (float32 or float64)
    eps : ndarray (m,), the steps; errors : ndarray (m,), the relative errors
    predicted_eps : float, :func:`predicted_best_eps`
    best_eps, best_error : float, the measured minimum of the curve and where it is
    roundoff_slope : float, fitted slope left of the minimum (theory −1)
    truncation_slope : float, fitted slope right of the minimum (theory 1 or 2)
    """

    scheme: str
    dtype: np.dtype
    eps: np.ndarray
    errors: np.ndarray
    predicted_eps: float
    best_eps: float
    best_error: float
    roundoff_slope: float
    truncation_slope: float

    @property
    def label(self):
        """``"central, float64"`` and the like."""
        return f"{self.scheme}, {self.dtype.name}"

    def __repr__(self):
        return (f"<FDCurve {self.label}: best ε = {self.best_eps:.1e} (predicted {self.predicted_eps:.1e}), "
                f"best error {self.best_error:.1e}, slopes {self.roundoff_slope:.2f} / "
                f"{self.truncation_slope:.2f}>")


def fd_error_study(f, x, v, schemes=("forward", "central"), dtypes=(np.float64, np.float32),
                   points_per_decade=8, decades=(6.0, 2.5), window=(1.0, 3.0)):
    """The error-against-ε curves of every (scheme, dtype), with their optimum and both slopes.

    For each pair the steps run from ε*·10^−decades[0] (but not below 10u, where x + εv rounds back
    to x) to ε*·10^decades[1] (but not above 1) around the predicted optimum ε*, with ``points_per_decade`` points per decade. The slopes are fitted
    over the decades ``window`` = (a, b) away from ε*: round-off over [ε*·10^−b, ε*·10^−a], truncation
    over [ε*·10^a, ε*·10^b] (capped at the last step).

    Returns
    -------
    dict (scheme, dtype name) → :class:`FDCurve`, e.g. ``study["central", "float32"]``
    """
    result = {}
    low, high = decades
    a, b = window
    for dtype in dtypes:
        dtype = _check_dtype(dtype)
        for scheme in schemes:
            predicted = predicted_best_eps(dtype, scheme)
            log_p = np.log10(predicted)
            top = min(log_p + high, 0.0)
            bottom = max(log_p - low, np.log10(10 * unit_roundoff(dtype)))  # below ~u the step vanishes
            count = int(round((top - bottom) * points_per_decade)) + 1
            eps = np.logspace(bottom, top, count)
            errors = fd_error_curve(f, x, v, eps, scheme=scheme, dtype=dtype)
            best = int(np.argmin(errors))
            result[scheme, dtype.name] = FDCurve(
                scheme=scheme, dtype=dtype, eps=eps, errors=errors, predicted_eps=predicted,
                best_eps=float(eps[best]), best_error=float(errors[best]),
                roundoff_slope=loglog_slope(eps, errors, predicted * 10**-b, predicted * 10**-a),
                truncation_slope=loglog_slope(eps, errors, predicted * 10**a,
                                              min(predicted * 10**b, eps[-1])),
            )
    return result
