"""Steepest descent x ← x − η ∇f(x) with a fixed, exact or backtracking step."""
import numbers

import numpy as np

from .._checks import check_choice, check_positive
from ._run import Run
from .line_search import backtracking

__all__ = ["gradient_descent", "STEP_RULES"]

STEP_RULES = ("backtracking", "exact")


def _check_step(step):
    if isinstance(step, numbers.Real) and not isinstance(step, bool):
        return check_positive(step, "step")
    if isinstance(step, str):
        return check_choice(step, "step", STEP_RULES)
    raise TypeError(f"step must be a positive number, 'backtracking' or 'exact'; got {type(step).__name__}")


def exact_quadratic_step(g, Hg):
    """η* = gᵀg / gᵀHg, the minimiser of the quadratic model along −g (None if gᵀHg ≤ 0)."""
    curvature = float(np.vdot(g, Hg))
    if curvature <= 0:
        return None
    return float(np.vdot(g, g)) / curvature


def gradient_descent(f, x0, step="backtracking", tol=1e-8, max_iter=1000):
    """Minimise f by steepest descent, x_{k+1} = x_k − η_k ∇f(x_k).

    Step rules (``step``):

    - a number η > 0: fixed step. On a quadratic it converges iff
      η < 2/λ_max; a larger η diverges, and the run stops with ``status = 3``
      once f overflows.
    - ``"exact"``: the minimiser along −g of the local quadratic model,
      η_k = gᵀg / gᵀHg (one Hessian-vector product per iteration). Exact line
      search on a quadratic ½xᵀHx − bᵀx, where f − f* contracts by at most
      ((κ−1)/(κ+1))² per step, κ = λ_max/λ_min (N&W Theorem 3.3). Where
      gᵀHg ≤ 0 the model has no minimum along −g; that iteration then uses
      the backtracking rule.
    - ``"backtracking"`` (default): Armijo backtracking (N&W Algorithm 3.1),
      halving from twice the previous accepted step (1 at the first iteration).

    Convergence: stops with ``success=True`` when ‖∇f(x)‖₂ ≤ tol (absolute,
    2-norm of the flattened gradient).

    Parameters
    ----------
    f : callable, x ↦ real scalar, written with ``autograd.numpy``
    x0 : array_like, any shape (n = x0.size); the run works in float64
    step : float > 0, "exact" or "backtracking"
    tol : float > 0
    max_iter : int ≥ 1

    Returns
    -------
    OptimizeResult
        ``x`` has x0's shape. Cost per iteration: fixed step, f + ∇f (one
        joint call); exact, f + ∇f + one HVP; backtracking, one f per trial +
        one ∇f.

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer
    2006, §3.1 (step length), §3.3 (rate of steepest descent).
    """
    step = _check_step(step)
    rule = step if isinstance(step, str) else "fixed"
    run = Run(f"gradient_descent ({rule})", f, x0, tol, max_iter)
    obj = run.objective
    last_alpha = 0.5  # so that the first backtracking trial is 1
    with run.guard():
        while run.keep_going():
            x, g = run.x, run.g
            eta = step if rule == "fixed" else None
            if rule == "exact":
                eta = exact_quadratic_step(g, obj.hvp(x, g))
            if eta is not None:
                x_new = x - eta * g
                f_new, g_new = obj.value_and_grad(x_new)
            else:
                alpha, x_new, f_new = backtracking(obj.value, x, run.fx, g, -g, alpha0=2 * last_alpha)
                if alpha is None:
                    run.line_search_failed()
                    break
                last_alpha = alpha
                g_new = obj.grad(x_new)
            run.accept(x_new, f_new, g_new)
    return run.result()
