"""Chapter 04: steepest descent on an ill-conditioned quadratic, and its measured rate.

:func:`steepest_descent_on_quadratic` runs exact-line-search descent on a 2-D quadratic with
eigenvalues 1 and κ and compares the measured rate with ((κ−1)/(κ+1))². The explorer that draws it
is :func:`hvplib.views.optim.conditioning_explorer`.
"""
import numpy as np

from .. import problems
from .._checks import check_positive, check_positive_int

__all__ = ["steepest_descent_on_quadratic"]


def steepest_descent_on_quadratic(kappa, angle=None, n_steps=30, *, rng=0):
    """Steepest descent with exact line search on a 2-D quadratic with eigenvalues 1 and κ.

    The quadratic is ½ (x − x*)ᵀA(x − x*) with x* = 0 and A's eigenvectors a fixed
    random rotation (``rng``). The start is at distance 1 from x*, at ``angle`` degrees
    from the low-curvature eigenvector v_min towards v_max; ``None`` means the worst case,
    angle = arctan(λ_min/λ_max) = arctan(1/κ), where f − f* shrinks by exactly
    ρ² = ((κ−1)/(κ+1))² per step.

    Returns
    -------
    dict with ``"problem"`` (QuadraticProblem), ``"angle"`` (degrees), ``"path"`` (k + 1, 2),
    ``"gaps"`` (k + 1,) f − f* along the path, ``"rho"`` and ``"rate_predicted"`` (= ρ²),
    ``"rate_measured"`` (geometric mean of the per-step ratios of f − f*).
    """
    from ..optimize import gradient_descent

    kappa = check_positive(kappa, "kappa")
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1; got {kappa}")
    n_steps = check_positive_int(n_steps, "n_steps")
    q = problems.make_quadratic(eigenvalues=[1.0, kappa], b=np.zeros(2), rng=rng)
    if angle is None:
        angle = float(np.degrees(np.arctan(1.0 / kappa)))
    theta = np.radians(angle)
    x0 = q.x_star + np.cos(theta) * q.eigenvectors[:, 0] + np.sin(theta) * q.eigenvectors[:, 1]
    res = gradient_descent(q.f, x0, step="exact", tol=1e-300, max_iter=n_steps)
    gaps = np.array(res.history["f"]) - q.f_star
    positive = gaps[gaps > 1e-14 * gaps[0]]
    rate = float((positive[-1] / positive[0]) ** (1.0 / (positive.size - 1))) if positive.size > 1 else 0.0
    rho = (kappa - 1.0) / (kappa + 1.0)
    return {"problem": q, "angle": float(angle), "path": np.array(res.history["x"]), "gaps": gaps,
            "rho": rho, "rate_predicted": rho**2, "rate_measured": rate}
