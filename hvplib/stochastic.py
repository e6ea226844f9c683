r"""Curvature on mini-batches: the HVP and λ_max of a random subset of the data, and a subsampled Newton-CG step.

On a batch :math:`B` of size ``b`` drawn without replacement from N examples, :math:`H_B v` is an unbiased
estimate of :math:`H v` (the loss is a mean) whose variance falls like :math:`(1/b)(1 - b/N)`; λ_max of
:math:`H_B` is a *biased* estimate (the maximum of a noisy matrix tends to be larger). Byrd, Chin, Neveitt &
Nocedal (2011) use the cheap :math:`H_B` only inside CG and the full gradient outside: the step solves
:math:`(H_B + \delta I) p = -g` approximately.
"""
import numpy as np

from ._checks import check_choice, check_positive_int, check_rng
from .krylov.cg import cg_solve
from .nn import check_mlp

__all__ = ["minibatch_indices", "minibatch_hvps", "subsampled_newton_step"]


def minibatch_indices(N, batch_size, rng=None):
    """``batch_size`` distinct row indices out of ``N``, sorted; shape (batch_size,)."""
    N = check_positive_int(N, "N")
    batch_size = check_positive_int(batch_size, "batch_size")
    if batch_size > N:
        raise ValueError(f"batch_size must be at most N = {N}; got {batch_size}")
    return np.sort(check_rng(rng).choice(N, size=batch_size, replace=False))


def minibatch_hvps(model, w, v, X, y, batch_size, n_batches, rng=None):
    """``H_B v`` for ``n_batches`` independent batches of ``batch_size`` rows: shape (n_batches, P)."""
    check_mlp(model)
    n_batches = check_positive_int(n_batches, "n_batches")
    rng = check_rng(rng)
    X, y = np.asarray(X), np.asarray(y)
    out = np.empty((n_batches, model.num_params))
    for k in range(n_batches):
        idx = minibatch_indices(X.shape[0], batch_size, rng)
        out[k] = model.hvp(w, v, X[idx], y[idx])
    return out


def subsampled_newton_step(model, w, X, y, batch_size, *, curvature="hessian", damping=1e-3, rtol=0.1, max_iter=50,
                           max_halvings=30, rng=None):
    r"""One subsampled Newton-CG step (Byrd et al. 2011): :math:`(C_B + \delta I)\,p = -\nabla E` by CG, then an
    Armijo backtracking line search on the full loss.

    The gradient and the line search use all rows; the curvature :math:`C_B` (``"hessian"`` or ``"gauss_newton"``)
    a batch of ``batch_size`` rows (cached operator). CG stops at ``‖r‖ ≤ rtol ‖g‖``, after ``max_iter`` products,
    or on negative curvature (last iterate). The step length α halves from 1 until
    :math:`E(w + \alpha p) \le E(w) + 10^{-4}\,\alpha\, g^\top p`.

    Returns
    -------
    (step, CGResult, alpha, n_loss)
        ``step = α p`` of shape (P,), the CG record, α, and the loss evaluations of the line search.
    """
    check_mlp(model)
    curvature = check_choice(curvature, "curvature", ("hessian", "gauss_newton"))
    X, y = np.asarray(X), np.asarray(y)
    E, g = model.objective(X, y).loss_and_grad(w)
    idx = minibatch_indices(X.shape[0], batch_size, rng)
    make = model.hessian_operator if curvature == "hessian" else model.ggn_operator
    C_B = make(w, X[idx], y[idx])
    res = cg_solve(C_B.matvec, -g, damping=float(damping), rtol=rtol, max_iter=max_iter, negative_curvature="stop")
    slope, alpha = g @ res.x, 1.0
    for n_loss in range(1, max_halvings + 1):
        if model.loss(w + alpha * res.x, X, y) <= E + 1e-4 * alpha * slope:
            return alpha * res.x, res, alpha, n_loss
        alpha *= 0.5
    raise RuntimeError(f"subsampled_newton_step: no decrease after {max_halvings} halvings (is p a descent direction?)")
