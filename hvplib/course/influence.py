"""The Hessian in machine learning (chapter 06): influence functions.

- :func:`influence_on_test_loss` — H⁻¹∇ℓ by conjugate gradients on Hessian-vector products;
- :func:`leave_one_out_test_loss_change` — the exact answer, by retraining without each point.
"""
from dataclasses import dataclass

import numpy as np

from .._checks import as_float_array, check_finite
from ..hvp import gradient
from ..krylov import cg
from ..operator import HessianOperator
from .statistics import check_logistic_data, fit_logistic_regression

__all__ = ["InfluenceResult", "influence_on_test_loss", "leave_one_out_test_loss_change"]


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
    X, y = check_logistic_data(X, y)
    m = X.shape[0]
    base = test_loss_fn(w_hat)
    out = np.empty(m)
    for i in range(m):
        weights = np.full(m, 1.0 / m)
        weights[i] = 0.0
        w_i, _ = fit_logistic_regression(X, y, reg=reg, sample_weight=weights, w0=w_hat, tol=tol)
        out[i] = test_loss_fn(w_i) - base
    return out
