"""The Hessian in physics (chapter 06): equilibria, their stability, and the normal modes of a spring chain.

- :func:`critical_points` — Newton on ∇U = 0 from several starts (finds saddles and maxima too);
- :func:`spring_chain_potential`, :func:`spring_chain_stiffness` — a chain of masses between two walls;
- :func:`spring_chain_frequencies`, :func:`spring_chain_mode_shapes` — its closed-form modes;
- :func:`normal_modes` — ω and the mode shapes from K u = ω² M u.
"""
import numpy as np
from autograd import numpy as anp

from .._checks import as_float_array, check_finite, check_positive, check_positive_int
from ..hvp import gradient, hessian

__all__ = [
    "critical_points",
    "spring_chain_potential",
    "spring_chain_stiffness",
    "spring_chain_frequencies",
    "spring_chain_mode_shapes",
    "normal_modes",
]


# ---------------------------------------------------------------------------
# Physics: equilibria and normal modes
# ---------------------------------------------------------------------------

def critical_points(f, starts, tol=1e-10, max_iter=50, decimals=6):
    """Critical points of f (∇f = 0) found by Newton's method on the gradient.

    From each start, iterate the *pure* Newton step for the equation ∇f(x) = 0,

        x ← x − H(x)⁻¹ ∇f(x),

    with no line search: it converges to whichever critical point is near, a
    minimum, a saddle or a maximum alike (a minimiser would avoid the last two).
    Starts where H is singular, or that do not converge in ``max_iter`` steps,
    are dropped. Cost per step: one gradient, one dense Hessian, one n × n solve.

    Parameters
    ----------
    f : callable, x (n,) ↦ scalar, written with ``autograd.numpy``
    starts : array_like, shape (k, n)
    tol : float > 0, stop when ‖∇f(x)‖₂ ≤ tol
    max_iter : int ≥ 1
    decimals : int, points equal after rounding to this many decimals are merged

    Returns
    -------
    ndarray, shape (p, n): the distinct critical points, sorted lexicographically
    """
    starts = check_finite(as_float_array(starts, "starts"), "starts")
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (k, n); got {starts.shape}")
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    found = {}
    for x in starts:
        x = x.copy()
        for _ in range(max_iter):
            g = gradient(f, x)
            if np.linalg.norm(g) <= tol:
                key = tuple(np.round(x, decimals) + 0.0)
                found.setdefault(key, x)
                break
            try:
                x = x - np.linalg.solve(hessian(f, x), g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(x)):
                break
    return np.array([found[key] for key in sorted(found)]).reshape(-1, starts.shape[1])


def spring_chain_potential(n_masses, k=1.0, beta=0.0):
    """Potential energy of a chain of masses joined by springs, both ends fixed to walls.

    With displacements u_1, …, u_N from rest and u_0 = u_{N+1} = 0 (the walls),

        U(u) = Σ_{i=0}^{N} [ (k/2) (u_{i+1} − u_i)² + (β/4) (u_{i+1} − u_i)⁴ ].

    β ≠ 0 makes the springs anharmonic (the Fermi–Pasta–Ulam–Tsingou β chain); the
    quartic term has zero second derivative at u = 0, so the Hessian at the
    equilibrium is the stiffness matrix K of :func:`spring_chain_stiffness` for every β.

    Parameters
    ----------
    n_masses : int ≥ 1, N
    k : float > 0, spring constant
    beta : float, quartic coefficient

    Returns
    -------
    callable, u (N,) ↦ scalar, written with ``autograd.numpy``
    """
    n_masses = check_positive_int(n_masses, "n_masses")
    k = check_positive(k, "k")
    beta = float(beta)

    def potential(u):
        padded = anp.concatenate([anp.zeros(1), u, anp.zeros(1)])
        stretch = padded[1:] - padded[:-1]
        return anp.sum(0.5 * k * stretch**2 + 0.25 * beta * stretch**4)

    return potential


def spring_chain_stiffness(n_masses, k=1.0):
    """Stiffness matrix of the fixed-end chain: K = k · tridiag(−1, 2, −1), shape (N, N)."""
    n_masses = check_positive_int(n_masses, "n_masses")
    k = check_positive(k, "k")
    return k * (2.0 * np.eye(n_masses) - np.eye(n_masses, k=1) - np.eye(n_masses, k=-1))


def spring_chain_frequencies(n_masses, k=1.0, m=1.0):
    """Closed-form angular frequencies of a uniform fixed-end chain, ascending.

        ω_j² = (k/m) · 4 sin²( jπ / (2(N+1)) ),    j = 1, …, N

    Returns ndarray, shape (N,): ω_j (take the square for the eigenvalues of M⁻¹K).
    """
    n_masses = check_positive_int(n_masses, "n_masses")
    k, m = check_positive(k, "k"), check_positive(m, "m")
    j = np.arange(1, n_masses + 1)
    return 2.0 * np.sqrt(k / m) * np.sin(j * np.pi / (2 * (n_masses + 1)))


def spring_chain_mode_shapes(n_masses):
    """Closed-form mode shapes of a uniform fixed-end chain: standing sine waves.

        (v_j)_i = √(2/(N+1)) · sin( i j π / (N+1) ),    i, j = 1, …, N

    Returns ndarray, shape (N, N): column j−1 is mode j, of unit length.
    """
    n_masses = check_positive_int(n_masses, "n_masses")
    i = np.arange(1, n_masses + 1)
    return np.sqrt(2.0 / (n_masses + 1)) * np.sin(np.outer(i, i) * np.pi / (n_masses + 1))


def normal_modes(K, masses=None):
    """Normal modes of small oscillations M ü = −K u about a stable equilibrium.

    Trying u(t) = v cos(ωt) gives the generalized eigenproblem K v = ω² M v with
    M = diag(masses). For unit masses it is the eigenproblem of the Hessian K itself:
    the eigenvalues of the Hessian of the potential are the squared frequencies.
    In general they are the eigenvalues of M⁻¹K (solved in the symmetric form
    M^{-1/2} K M^{-1/2}).

    Parameters
    ----------
    K : array_like, shape (n, n), symmetric: the Hessian of the potential at the equilibrium
    masses : array_like, shape (n,), positive; default all ones

    Returns
    -------
    omega2 : ndarray, shape (n,), ascending: squared angular frequencies ω²
    modes : ndarray, shape (n, n): column j is the mode shape for omega2[j], scaled to unit
        Euclidean length, its first clearly nonzero entry positive
    """
    K = check_finite(as_float_array(K, "K"), "K")
    n = K.shape[0]
    masses = np.ones(n) if masses is None else check_finite(as_float_array(masses, "masses"), "masses")
    if masses.shape != (n,) or np.any(masses <= 0):
        raise ValueError(f"masses must be {n} positive numbers; got {masses}")
    scale = 1.0 / np.sqrt(masses)
    omega2, W = np.linalg.eigh(scale[:, None] * ((K + K.T) / 2) * scale[None, :])
    modes = scale[:, None] * W
    modes /= np.linalg.norm(modes, axis=0)
    for j in range(n):
        first = np.flatnonzero(np.abs(modes[:, j]) > 1e-8)[0]
        if modes[first, j] < 0:
            modes[:, j] *= -1
    return omega2, modes
