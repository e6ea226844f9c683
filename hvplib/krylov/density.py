"""Spectral density by stochastic Lanczos quadrature (SLQ)."""
import dataclasses

import numpy as np
from scipy.linalg import eigh_tridiagonal

from .._checks import as_float_array, check_finite, check_positive, check_positive_int, check_rng
from ._common import CountedOperator, KrylovResult, progress_bar, random_sign_vector
from .lanczos import orthogonal_product

__all__ = ["spectral_density", "DensityResult", "lanczos_tridiagonal", "broaden"]

GRID_POINTS = 1001


@dataclasses.dataclass(repr=False)
class DensityResult(KrylovResult):
    """Result of :func:`spectral_density`.

    Attributes
    ----------
    grid : ndarray, shape (n_grid,)
        Points ``t`` where the density is evaluated, increasing.
    density : ndarray, shape (n_grid,)
        Smoothed eigenvalue density ``ρ(t)``; ``np.trapezoid(density, grid) == 1``.
    n_matvec : int
        Products with the operator used (at most ``n_probes · n_steps``).
    nodes : list of ndarray
        Per probe, the quadrature nodes (Ritz values ``θ_j``), shape ``(steps,)``.
    weights : list of ndarray
        Per probe, the quadrature weights ``τ_j`` (they sum to 1), shape ``(steps,)``.
    sigma : float
        Width of the Gaussian broadening used.
    """

    grid: np.ndarray
    density: np.ndarray
    n_matvec: int
    nodes: list
    weights: list
    sigma: float


def spectral_density(op, n_probes=10, n_steps=80, grid=None, sigma=None, reorthogonalize=True, progress=False, *,
                     rng=None):
    """Estimate the eigenvalue density of a symmetric operator (stochastic Lanczos quadrature).

    The density ``φ(t) = (1/n) Σ_i δ(t − λ_i)`` is smoothed with a Gaussian
    ``g_σ(t) = exp(−t²/2σ²) / (σ√2π)``. For a random unit vector ``v = z/√n`` (``z`` of
    random signs), ``E[vᵀ g_σ(t − A) v] = (1/n) Σ_i g_σ(t − λ_i)``, and ``m`` Lanczos steps
    from ``v`` give the Gauss quadrature rule for that quadratic form::

        vᵀ f(A) v ≈ Σ_j τ_j f(θ_j),    θ_j, s_j eigenpairs of T_m,   τ_j = (e_1ᵀ s_j)²

    (exact for polynomials of degree < 2m). Averaging over probes::

        ρ(t) = (1/n_probes) Σ_probes Σ_j τ_j g_σ(t − θ_j)

    The nodes ``θ_j`` of one probe include the outlying eigenvalues of ``A`` almost
    exactly; their weights ``τ_j ≈ 1/n`` show how little mass each carries.

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
        Symmetric operator ``A``.
    n_probes : int, default 10
        Number of random start vectors.
    n_steps : int, default 80
        Lanczos steps per probe (capped at ``n``; fewer if the Krylov space is invariant).
    grid : array_like, shape (n_grid,), optional
        Increasing points where ``ρ`` is evaluated. Default: 1001 points from
        ``min θ − 5σ`` to ``max θ + 5σ`` over all nodes.
    sigma : float, optional
        Broadening width. Default ``0.01 · (max θ − min θ)`` over all nodes (or
        ``0.01 · max(|θ|, 1)`` if all nodes coincide).
    reorthogonalize : bool, default True
        Full reorthogonalization in each probe (memory ``n_steps · n``). With False only
        three vectors are kept; the quadrature stays accurate (spurious copies of
        converged Ritz values share their weight), which suits very large ``n``.
    progress : bool, default False
        Show a tqdm bar over the probes.
    rng : None, int or numpy.random.Generator, keyword-only
        Source of the probes (None: fresh entropy, as in NumPy).

    Returns
    -------
    DensityResult
        ``grid``, ``density``, ``n_matvec``, ``nodes``, ``weights``, ``sigma``.

    Notes
    -----
    Cost: ``n_probes · n_steps`` products. The density is rescaled so that its trapezoid
    integral over ``grid`` is 1; on the default grid this changes it by less than 1e-6,
    on a user grid that cuts off part of the spectrum it redistributes the lost mass.
    Mean: ``Σ_j τ_j θ_j = vᵀ A v``, so ``∫ t ρ(t) dt`` is a Hutchinson estimate of ``tr(A)/n``.
    Reference: Lin, Saad & Yang, SIAM Review 58 (2016); Ghorbani, Krishnan & Xiao, ICML 2019.
    """
    A = CountedOperator(op)
    n_probes = check_positive_int(n_probes, "n_probes")
    n_steps = check_positive_int(n_steps, "n_steps")
    sigma = check_positive(sigma, "sigma", allow_none=True)
    rng = check_rng(rng)
    if grid is not None:
        grid = _check_grid(grid)

    nodes, weights = [], []
    with progress_bar(progress, n_probes, "spectral density", unit="probe") as bar:
        for _ in range(n_probes):
            v = random_sign_vector(rng, A.n) / np.sqrt(A.n)
            alpha, beta = lanczos_tridiagonal(A, v, min(n_steps, A.n), reorthogonalize)
            theta, S = eigh_tridiagonal(alpha, beta)
            nodes.append(theta)
            weights.append(S[0] ** 2)
            bar.update()

    all_nodes = np.concatenate(nodes)
    lo, hi = all_nodes.min(), all_nodes.max()
    if sigma is None:
        width = hi - lo if hi > lo else max(abs(hi), 1.0)
        sigma = 0.01 * width
    if grid is None:
        grid = np.linspace(lo - 5 * sigma, hi + 5 * sigma, GRID_POINTS)
    density = broaden(nodes, weights, grid, sigma)
    mass = np.trapezoid(density, grid)
    if not mass > 0:
        raise ValueError("grid must cover the spectrum: the density is zero on every grid point")
    return DensityResult(grid=grid, density=density / mass, n_matvec=A.n_matvec, nodes=nodes,
                         weights=weights, sigma=float(sigma))


def lanczos_tridiagonal(A, v, n_steps, reorthogonalize=True):
    """Plain Lanczos from the unit vector ``v``: the tridiagonal ``T`` as ``(α, β)``.

    ``w = A v_j − β_{j−1} v_{j−1}``, ``α_j = v_jᵀ w``, ``w ← w − α_j v_j``, ``β_j = ‖w‖``,
    ``v_{j+1} = w / β_j``. Stops early, with fewer steps, when ``β_j`` vanishes
    (the Krylov space is invariant and the quadrature already exact).

    Parameters
    ----------
    A : callable
        ``A(v)`` returns the product, shape ``(n,)``.
    v : ndarray, shape (n,)
        Unit start vector.
    n_steps : int
        Maximum number of steps (= products), ``≤ n``.
    reorthogonalize : bool
        Orthogonalize each ``w`` against all previous vectors (twice).

    Returns
    -------
    alpha : ndarray, shape (steps,)
        Diagonal of ``T``.
    beta : ndarray, shape (steps − 1,)
        Off-diagonal of ``T``.
    """
    n = len(v)
    basis = np.zeros((n_steps, n)) if reorthogonalize else None
    alpha, beta = [], []
    v_prev, scale = None, 0.0
    for j in range(n_steps):
        if reorthogonalize:
            basis[j] = v
            rows = basis[: j + 1]
        else:
            rows = v[None, :] if v_prev is None else np.stack([v_prev, v])
        w, h, product_norm = orthogonal_product(A, rows)
        scale = max(scale, product_norm)               # ‖A v_j‖ ≤ ‖A‖
        alpha.append(h[-1])
        b = np.linalg.norm(w)
        if j == n_steps - 1 or b <= np.sqrt(n) * np.finfo(float).eps * scale:
            break
        beta.append(b)
        v_prev, v = v, w / b
    return np.array(alpha), np.array(beta)


def broaden(nodes, weights, grid, sigma):
    r"""Smooth point masses into a density: :math:`\rho(t) = \frac{1}{n_p}\sum_{p}\sum_j \tau_{pj}\, g_\sigma(t - \theta_{pj})`.

    The one Gaussian broadening of hvplib (:func:`spectral_density` and chapter 05's explorer use it).

    Parameters
    ----------
    nodes, weights : list of arrays (one pair per probe, as in ``DensityResult``), or a single pair of
        arrays (e.g. all eigenvalues with weights 1/n for the exact density)
    grid : array_like, shape (G,)
    sigma : float > 0
        Width of the Gaussian :math:`g_\sigma(t) = e^{-t^2/2\sigma^2} / (\sigma\sqrt{2\pi})`.

    Returns
    -------
    ndarray, shape (G,): the density, integrating to Σ weights / n_probes (1 for SLQ rules) on the real line.
    """
    sigma = check_positive(sigma, "sigma")
    grid = np.asarray(grid, dtype=float)
    if isinstance(nodes, np.ndarray) and nodes.ndim == 1:
        nodes, weights = [nodes], [weights]
    total = np.zeros_like(grid)
    for theta, tau in zip(nodes, weights):
        z = (grid[:, None] - np.asarray(theta, dtype=float)[None, :]) / sigma
        total += np.exp(-0.5 * z**2) @ np.asarray(tau, dtype=float)
    return total / (len(nodes) * sigma * np.sqrt(2 * np.pi))


def _check_grid(grid):
    """A user grid must be a finite, strictly increasing 1-D array of at least 2 points."""
    grid = check_finite(as_float_array(grid, "grid").astype(np.float64), "grid")
    if grid.ndim != 1 or len(grid) < 2:
        raise ValueError(f"grid must be a 1-D array of at least 2 points; got shape {grid.shape}")
    if np.any(np.diff(grid) <= 0):
        raise ValueError("grid must be strictly increasing")
    return grid
