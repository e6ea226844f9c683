r"""Hypergradients by implicit differentiation: the derivative of a validation loss through a training optimum.

If :math:`w^*(\lambda)` minimises the training objective :math:`L(w, \lambda)`, then :math:`\nabla_w L(w^*, \lambda) = 0`
for every λ; differentiating that identity gives :math:`H\, \mathrm dw^*/\mathrm d\lambda = -\partial^2 L/\partial w\,\partial\lambda`
with :math:`H = \nabla_w^2 L(w^*)`, so for a validation loss :math:`V(w)`

.. math:: \frac{\mathrm d V(w^*(\lambda))}{\mathrm d\lambda}
          = -\Big(\frac{\partial^2 L}{\partial\lambda\,\partial w}\Big)^{\!\top} H^{-1}\, \nabla V(w^*)

— one linear solve, done here by conjugate gradients on Hessian-vector products (no matrix, no unrolled
training). For weight decay, :math:`L = E(w) + \tfrac\lambda2\|w\|^2`: :math:`H = \nabla^2E + \lambda I` and
:math:`\partial^2 L/\partial\lambda\,\partial w = w^*` (Bengio 2000; Pedregosa 2016; Lorraine et al. 2020).
"""
import dataclasses

import numpy as np
import scipy.optimize

from ._checks import check_positive
from .krylov.cg import cg_solve

__all__ = ["HypergradientResult", "hypergradient", "weight_decay_hypergradient", "fit_weight_decay"]


@dataclasses.dataclass
class HypergradientResult:
    """``value`` (dV/dλ), ``q`` = H⁻¹∇V (P,), ``n_matvec`` (HVPs used by CG) and ``converged`` (CG's)."""

    value: float
    q: np.ndarray
    n_matvec: int
    converged: bool


def _vector(a, name):
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a finite 1-D vector; got shape {a.shape}")
    return a


def hypergradient(hvp, mixed, val_grad, *, damping=0.0, rtol=1e-10, max_iter=None):
    r""":math:`-m^\top (H + \delta I)^{-1} \nabla V` with ``m = mixed`` (∂²L/∂λ∂w, shape (P,)), by CG on ``hvp``.

    ``hvp`` is ``v ↦ H v`` (H the training objective's Hessian, positive definite at a strict minimum),
    ``damping`` δ is added to it (the weight decay λ when ``hvp`` is the data term's Hessian).
    Cost: one HVP per CG iteration (at most ``max_iter``, default 10 P). Returns a :class:`HypergradientResult`.
    """
    if not callable(hvp):
        raise TypeError(f"hvp must be a callable v ↦ H v; got {type(hvp).__name__}")
    mixed, val_grad = _vector(mixed, "mixed"), _vector(val_grad, "val_grad")
    if mixed.shape != val_grad.shape:
        raise ValueError(f"mixed and val_grad must have the same shape; got {mixed.shape} and {val_grad.shape}")
    res = cg_solve(lambda v: np.asarray(hvp(v), dtype=float), val_grad, damping=float(damping),
                   rtol=check_positive(rtol, "rtol"), max_iter=max_iter)
    return HypergradientResult(float(-mixed @ res.x), res.x, res.n_matvec, bool(res.converged))


def weight_decay_hypergradient(train_obj, val_obj, w_star, weight_decay, *, rtol=1e-10, max_iter=None):
    r"""dV/dλ for :math:`L = E(w) + \tfrac\lambda2\|w\|^2` at its minimiser ``w_star``: :math:`-w^{*\top}(\nabla^2E + \lambda I)^{-1}\nabla V`.

    ``train_obj`` gives E (``hessian_operator``), ``val_obj`` gives V (``grad``), both e.g. :class:`hvplib.nn.MLPObjective`.
    Returns a :class:`HypergradientResult`.
    """
    lam = check_positive(weight_decay, "weight_decay")
    w_star = _vector(w_star, "w_star")
    H = train_obj.hessian_operator(w_star)
    return hypergradient(H.matvec, w_star, val_obj.grad(w_star), damping=lam, rtol=rtol, max_iter=max_iter)


def fit_weight_decay(train_obj, w0, weight_decay, *, gtol=1e-10, max_iter=200, polish=3):
    r"""Minimise :math:`E(w) + \tfrac\lambda2\|w\|^2` from ``w0`` to ``‖∇L‖ ≤ gtol``.

    SciPy's trust-region Newton-CG on HVPs (``trust-ncg``) does the work; up to ``polish`` exact Newton steps
    (CG on ``∇²E + λI`` to a relative residual of 1e-12) then take the gradient down to the level of rounding,
    so the minimiser does not depend on where the trust-region method happened to stop.
    Returns ``(w*, scipy OptimizeResult)``; ``RuntimeError`` if ``‖∇L‖ > gtol`` at the end.
    """
    lam = check_positive(weight_decay, "weight_decay")
    gtol = check_positive(gtol, "gtol")
    w0 = _vector(w0, "w0")

    def fun(w):
        E, g = train_obj.loss_and_grad(w)
        return E + 0.5 * lam * (w @ w), g + lam * w

    res = scipy.optimize.minimize(fun, w0, jac=True, method="trust-ncg",
                                  hessp=lambda w, v: train_obj.hvp(w, v) + lam * v,
                                  options={"gtol": gtol, "maxiter": max_iter})
    w = res.x
    for _ in range(polish):                       # Newton's quadratic convergence from a point already close
        g = fun(w)[1]
        step = cg_solve(train_obj.hessian_operator(w).matvec, -g, damping=lam, rtol=1e-12, max_iter=10 * w.size)
        w = w + step.x
    g_norm = np.linalg.norm(fun(w)[1])
    if not g_norm <= gtol:
        raise RuntimeError(f"fit_weight_decay: ‖∇L‖ = {g_norm:.2e} > gtol = {gtol:.0e} after {res.nit} iterations")
    return w, res
