"""Dense Newton's method with eigenvalue modification and a backtracking line search."""
import numpy as np

from ._run import Run
from .line_search import ROUNDING_SLACK, backtracking

__all__ = ["newton", "modified_newton_direction"]

#: relative floor δ/max|λ| for the modified eigenvalues (√ machine epsilon)
EIGENVALUE_FLOOR = np.sqrt(np.finfo(np.float64).eps)


def modified_newton_direction(H, g):
    """Newton direction with the Hessian made positive definite.

    With H = V diag(λ) Vᵀ, replace each λᵢ by λ̃ᵢ = max(|λᵢ|, δ) and return

        p = −V diag(1/λ̃) Vᵀ g,      δ = √u · max(1, maxᵢ|λᵢ|)

    (u the machine epsilon). Where H is positive definite with λ_min ≥ δ this
    is the pure Newton step −H⁻¹g; a negative eigenvalue is flipped, so the
    step goes *down* along negative curvature instead of up to a saddle; a
    near-zero one is floored at δ. p is always a descent direction.
    Reference: Nocedal & Wright §3.4 (Hessian modification).

    Parameters
    ----------
    H : ndarray, shape (n, n), symmetric
    g : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (n,)
    """
    lam, V = np.linalg.eigh(H)
    delta = EIGENVALUE_FLOOR * max(1.0, float(np.max(np.abs(lam))))
    lam_mod = np.maximum(np.abs(lam), delta)
    return -V @ ((V.T @ g) / lam_mod)


def newton(f, x0, tol=1e-8, max_iter=100):
    """Minimise f by Newton's method with a dense Hessian, for small n.

        x_{k+1} = x_k + α_k p_k,    p_k = −H̃(x_k)⁻¹ ∇f(x_k)

    H̃ is the Hessian with its eigenvalues modified (see
    :func:`modified_newton_direction`), so that p_k is a descent direction
    even where H is indefinite; α_k is found by Armijo backtracking from
    α = 1 (N&W Algorithm 3.1), so near a minimum with H positive definite the
    full step is taken and convergence is quadratic (N&W Theorem 3.5). On a
    strongly convex quadratic the first step lands on the minimiser.

    Convergence: ``success=True`` when ‖∇f(x)‖₂ ≤ tol (absolute, 2-norm).

    Parameters
    ----------
    f : callable, x ↦ real scalar, written with ``autograd.numpy``
    x0 : array_like, any shape (n = x0.size, a few hundred at most)
    tol : float > 0
    max_iter : int ≥ 1

    Returns
    -------
    OptimizeResult
        Per iteration: one dense Hessian (``nhev``; counted as n HVPs in
        ``n_evaluations``, and O(n³) for the eigendecomposition), one f per
        line-search trial, one ∇f.

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., §3.3–3.4.
    """
    run = Run("newton", f, x0, tol, max_iter)
    obj = run.objective
    with run.guard():
        while run.keep_going():
            x, g = run.x, run.g
            p = modified_newton_direction(obj.hessian(x), g.ravel()).reshape(x.shape)
            alpha, x_new, f_new = backtracking(obj.value, x, run.fx, g, p, slack=ROUNDING_SLACK)
            if alpha is None:
                run.line_search_failed()
                break
            run.accept(x_new, f_new, obj.grad(x_new))
    return run.result()
