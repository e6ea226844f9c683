"""Backtracking line search with the Armijo (sufficient decrease) condition.

Given a descent direction p at x (slope ∇f(x)ᵀp < 0), try α = α₀, ρα₀, ρ²α₀, …
and accept the first α with

    f(x + α p) ≤ f(x) + c₁ α ∇f(x)ᵀp                               (Armijo)

Reference: Nocedal & Wright, *Numerical Optimization* (2nd ed.), §3.1 and
Algorithm 3.1. Each trial costs one evaluation of f only; the gradient is
needed at the accepted point alone, so the caller computes it afterwards.
"""
import numpy as np

__all__ = ["backtracking"]

#: Relative slack for the Newton methods: f values that differ by a few
#: rounding errors count as "no increase". Without it the Armijo test fails from
#: rounding alone once the predicted decrease falls below eps·|f| (near a minimum
#: with a tight tol). Safe for Newton steps, which contract near a minimum
#: whatever f's last digits say; *not* for gradient descent, where a step that is
#: too long for stability (η > 2/λ_max) could be accepted on rounding noise.
ROUNDING_SLACK = 8 * np.finfo(np.float64).eps


def backtracking(value, x, fx, g, p, alpha0=1.0, c1=1e-4, shrink=0.5, max_trials=60, slack=0.0):
    """Armijo backtracking along p from x.

    Parameters
    ----------
    value : callable, x ↦ f(x) (float; NaN or inf counts as "too far")
    x : ndarray, current point (any shape)
    fx : float, f(x)
    g : ndarray, ∇f(x), shape of x
    p : ndarray, descent direction, shape of x
    alpha0 : float > 0, first trial step
    c1 : float in (0, 1), sufficient-decrease constant
    shrink : float in (0, 1), factor ρ between trials
    max_trials : int, give up after this many trials
    slack : float ≥ 0, relative tolerance: accept when
        f(x + αp) ≤ f(x) + c₁α∇f(x)ᵀp + slack·|f(x)| (see ``ROUNDING_SLACK``)

    Returns
    -------
    alpha : float or None
        The accepted step, or None if no trial satisfied the condition, p is
        not a descent direction, or α p became too small to change x.
    x_new : ndarray or None, x + alpha p
    f_new : float or None, f(x_new)
    """
    slope = float(np.vdot(g, p))
    if not slope < 0:
        return None, None, None
    alpha = alpha0
    for _ in range(max_trials):
        x_new = x + alpha * p
        if np.array_equal(x_new, x):  # the step is below the resolution of x: no progress possible
            break
        f_new = value(x_new)
        if np.isfinite(f_new) and f_new <= fx + c1 * alpha * slope + slack * abs(fx):
            return alpha, x_new, f_new
        alpha *= shrink
    return None, None, None
