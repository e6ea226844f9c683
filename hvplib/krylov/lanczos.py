"""Thick-restart Lanczos: a few extreme eigenpairs of a symmetric operator."""
import dataclasses

import numpy as np

from .._checks import check_choice, check_positive, check_positive_int, check_rng
from ._common import CountedOperator, KrylovResult, as_vector, progress_bar

__all__ = ["lanczos", "LanczosResult", "orthogonal_product"]

WHICH = ("LA", "SA", "LM")


@dataclasses.dataclass(repr=False)
class LanczosResult(KrylovResult):
    """Result of :func:`lanczos`.

    Attributes
    ----------
    eigenvalues : ndarray, shape (k,)
        Ritz values, most wanted first: descending for ``"LA"``, ascending for
        ``"SA"``, descending magnitude for ``"LM"``. So ``eigenvalues[0]`` is always
        the extreme one asked for (note: ``eigsh`` returns ascending order instead).
    eigenvectors : ndarray, shape (n, k)
        Orthonormal Ritz vectors; column ``i`` belongs to ``eigenvalues[i]``.
    converged : bool
        True when every one of the ``k`` pairs met the tolerance.
    n_matvec : int
        Products with the operator used.
    residuals : ndarray, shape (k,)
        ``‖A v_i − λ_i v_i‖`` for each pair, as given by the Lanczos relation
        (``|β_m s_{m,i}|``); accurate to about ``ε ‖A‖`` thanks to full reorthogonalization.
    n_converged : int
        How many of the ``k`` pairs met the tolerance.
    n_restarts : int
        Number of thick restarts performed.
    norm_estimate : float
        Estimate of ``‖A‖`` used in the tolerance (a lower bound: the largest
        ``|Ritz value|`` or ``‖A v_j‖`` seen).
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    converged: bool
    n_matvec: int
    residuals: np.ndarray
    n_converged: int
    n_restarts: int
    norm_estimate: float


def lanczos(op, k=6, which="LA", tol=1e-10, max_iter=None, v0=None, ncv=None, progress=False, *, rng=None):
    """Find ``k`` extreme eigenpairs of a symmetric operator with thick-restart Lanczos.

    Lanczos builds an orthonormal basis ``V = [v_1, …, v_m]`` of the Krylov space
    ``span{v_1, A v_1, …, A^{m−1} v_1}``, one product per vector, together with the small
    matrix ``T = Vᵀ A V`` (tridiagonal in exact arithmetic). Then::

        A V = V T + β_m v_{m+1} e_mᵀ                       (Lanczos relation)
        T s_i = θ_i s_i   ⇒   ‖A (V s_i) − θ_i (V s_i)‖ = |β_m s_{m,i}|

    so the eigenpairs of ``T`` (Ritz pairs) approximate those of ``A``, with residual
    norms known for free. The extreme eigenvalues converge first.

    The basis is kept at ``m`` vectors (memory ``(m + 1) · n``): when it is full and the
    wanted pairs have not converged, we *thick-restart* (Wu & Simon, SIAM J. Matrix
    Anal. Appl. 22, 2000): keep the ``l`` best Ritz vectors ``y_i = V s_i`` and ``v_{m+1}``,
    for which ``A y_i = θ_i y_i + β_m s_{m,i} v_{m+1}``, so the new ``T`` starts as an
    arrowhead ``[[diag(θ), β_m s], [β_m sᵀ, ·]]``, and continue Lanczos from
    ``v_{m+1}``. Every new vector is orthogonalized against the whole basis twice
    (full reorthogonalization, "twice is enough"), so no spurious copies appear.

    Parameters
    ----------
    op : LinearOperator, ndarray or sparse matrix, shape (n, n)
        Symmetric operator ``A``; only products ``A v`` are used.
    k : int, default 6
        Number of eigenpairs, ``1 ≤ k < n``.
    which : {"LA", "SA", "LM"}, default "LA"
        As in SciPy's ``eigsh``: largest algebraic, smallest algebraic, largest magnitude.
    tol : float, default 1e-10
        A pair counts as converged when its residual ``‖A v − θ v‖ ≤ tol · ‖A‖``
        (``‖A‖`` estimated, see ``norm_estimate``). The eigenvalue error is then at most
        the residual, and about ``residual² / gap`` when the pair is separated by ``gap``.
    max_iter : int, optional
        Maximum number of restarts (default 1000). The first cycle costs ``m``
        products, each restart ``m − l``.
    v0 : array_like, shape (n,), optional
        Start vector instead of a random one.
    ncv : int, optional
        Basis size ``m``, ``k < m ≤ n``; default ``min(n, max(2k + 1, 20))``.
    progress : bool, default False
        Show a tqdm bar of converged pairs.
    rng : None, int or numpy.random.Generator, keyword-only
        Source of the random Gaussian start vector (None: fresh entropy, as in NumPy).

    Returns
    -------
    LanczosResult
        ``eigenvalues``, ``eigenvectors``, ``converged``, ``n_matvec``, ``residuals``,
        ``n_converged``, ``n_restarts``, ``norm_estimate``.

    Notes
    -----
    Cost: at most ``m`` products, then at most ``m − l`` per restart, where
    ``l = k + (m − k) // 2 + (number converged) // 2`` Ritz vectors are kept (at most
    ``m − 3``, so that a restart, ``O(n m l)`` flops, buys at least three new vectors;
    keeping more as pairs converge is ARPACK's and Wu & Simon's heuristic).
    Convergence is tested after every product (an ``m × m`` eigenproblem, negligible
    next to a Hessian product), so the run stops as soon as all ``k`` pairs are good.
    Extra work: ``O(n j)`` flops per step for the reorthogonalization, ``O(n m l)`` per
    restart; memory ``(m + 1) n`` numbers.

    Repeated eigenvalues: in exact arithmetic a single start vector sees one copy; the
    others enter through rounding (slowly) or after the Krylov space is exhausted
    (``β ≈ 0``), when Lanczos continues with a fresh random vector orthogonal to the basis
    and from then on tests convergence only when the basis is full. With ``m = n``
    (small ``n``) the result is exact up to rounding.
    """
    A = CountedOperator(op)
    n = A.n
    k = check_positive_int(k, "k")
    if k >= n:
        raise ValueError(f"k must be smaller than the operator size n = {n}; got k = {k}")
    which = check_choice(which, "which", WHICH)
    rng = check_rng(rng)
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter", allow_none=True) or 1000
    m = check_positive_int(ncv, "ncv", allow_none=True) or min(n, max(2 * k + 1, 20))
    if not k < m <= n:
        raise ValueError(f"ncv must satisfy k < ncv <= n, here {k} < ncv <= {n}; got {m}")
    keep = k + (m - k) // 2

    V = np.zeros((m + 1, n))       # basis vectors as rows: V[j] is v_{j+1}
    T = np.zeros((m, m))           # T = V A Vᵀ over the first m basis vectors
    start = rng.standard_normal(n) if v0 is None else as_vector(v0, "v0", n)
    if not np.any(start):
        raise ValueError("v0 must be a nonzero vector")
    V[0] = start / np.linalg.norm(start)

    j, n_restarts, norm_estimate, n_converged = 0, 0, 0.0, 0      # j: current basis size
    exhausted = False
    with progress_bar(progress, k, f"lanczos {which}", unit="pair") as bar:
        while True:
            beta, norm_estimate = _lanczos_step(A, V, T, j, norm_estimate, rng)
            j += 1
            # β ≈ 0: the Krylov space is exhausted and every Ritz pair looks converged, even if
            # the start vector missed an eigenvalue (e.g. a second copy of a repeated one). From
            # then on, test only when the basis is full, so that the fresh vectors get a chance.
            exhausted = exhausted or beta <= tol * norm_estimate
            if j >= k and (j == m or not exhausted):   # Ritz pairs of T[:j, :j], most wanted first
                theta, S = np.linalg.eigh(T[:j, :j])
                order = _wanted_order(theta, which)
                theta, S = theta[order], S[:, order]
                residuals = np.abs(beta * S[j - 1])
                norm_estimate = max(norm_estimate, np.abs(theta).max())
                converged = residuals[:k] <= tol * norm_estimate
                bar.update(int(converged.sum()) - n_converged)
                bar.set_postfix(n_matvec=A.n_matvec)
                n_converged = int(converged.sum())
                if n_converged == k:
                    break
            if j == m:                     # basis full: thick restart
                if n_restarts >= max_iter:
                    break
                j = max(keep, min(m - 3, keep + n_converged // 2))   # keep more as pairs converge
                _thick_restart(V, T, theta[:j], S[:, :j], beta)
                n_restarts += 1

    eigenvectors = V[:j].T @ S[:, :k]
    return LanczosResult(eigenvalues=theta[:k], eigenvectors=eigenvectors, converged=n_converged == k,
                         n_matvec=A.n_matvec, residuals=residuals[:k], n_converged=n_converged,
                         n_restarts=n_restarts, norm_estimate=float(norm_estimate))


def _lanczos_step(A, V, T, j, norm_estimate, rng):
    """One Lanczos step: column ``j`` of ``T`` and the next basis vector ``V[j + 1]``.

    ``w = A v_j``; ``h = V[:j+1] w`` (column ``j`` of ``T = V A Vᵀ``); ``w ← w − V[:j+1]ᵀ h``,
    done twice; ``β = ‖w‖``; ``v_{j+1} = w / β``. If ``β ≤ √n ε ‖A‖`` the Krylov space is
    invariant: continue with a random vector orthogonal to the basis (``β`` stays as it is,
    tiny). Returns ``β`` (the coupling of the basis to ``v_{j+1}``) and the updated norm estimate.
    """
    n = V.shape[1]
    w, h, product_norm = orthogonal_product(A, V[: j + 1])
    norm_estimate = max(norm_estimate, product_norm)            # ‖A v‖ ≤ ‖A‖
    T[: j + 1, j] = h
    T[j, : j + 1] = h
    beta = np.linalg.norm(w)
    if j + 1 == n:                     # the basis already spans the whole space
        V[j + 1] = 0.0
        return 0.0, norm_estimate
    if beta <= np.sqrt(n) * np.finfo(float).eps * norm_estimate:
        w = rng.standard_normal(n)     # breakdown: invariant subspace found
        _orthogonalize(w, V[: j + 1])
    V[j + 1] = w / np.linalg.norm(w)
    return beta, norm_estimate


def orthogonal_product(A, basis):
    """The Lanczos recurrence, one step: ``w = A v`` for the last row ``v`` of ``basis``, orthogonalized.

    ``h = basis · w``, ``w ← w − basisᵀ h``, done twice (classical Gram–Schmidt, "twice is enough"), so
    ``w`` is orthogonal to every row of ``basis`` (orthonormal rows, shape (j, n)). With the whole Krylov
    basis this is full reorthogonalization; with its last two rows, the three-term recurrence
    ``w = A v_j − β_{j−1} v_{j−1} − α_j v_j`` (memory: three vectors). :func:`lanczos` and
    :func:`~hvplib.krylov.spectral_density` both step this way.

    Returns
    -------
    w : ndarray, shape (n,), orthogonal to the basis (its norm is the next β)
    h : ndarray, shape (j,), the coefficients ``basis · A v`` (the last is α_j)
    product_norm : float, ``‖A v‖`` (a lower bound of ‖A‖)
    """
    w = A(basis[-1])
    product_norm = np.linalg.norm(w)
    return w, _orthogonalize(w, basis), product_norm


def _orthogonalize(w, basis):
    """Remove from ``w`` (in place) its components along the orthonormal rows of ``basis``.

    Classical Gram–Schmidt applied twice; returns the coefficients ``basis @ w``
    of the original ``w``, shape ``(len(basis),)``.
    """
    h = basis @ w
    w -= basis.T @ h
    correction = basis @ w
    w -= basis.T @ correction
    return h + correction


def _wanted_order(theta, which):
    """Indices sorting the Ritz values ``theta`` from most to least wanted."""
    if which == "LA":
        return np.argsort(-theta, kind="stable")
    if which == "SA":
        return np.argsort(theta, kind="stable")
    return np.argsort(-np.abs(theta), kind="stable")


def _thick_restart(V, T, theta, S, beta):
    """Keep the Ritz vectors ``V S`` and the next vector; reset ``T`` to the arrowhead matrix.

    With ``m = len(S)`` vectors in the basis and ``l = len(theta)`` kept:
    ``V[:l] ← (V[:m]ᵀ S)ᵀ``, ``V[l] ← v_{m+1}``, ``T[:l, :l] = diag(θ)``,
    ``T[l, :l] = T[:l, l] = β S[m − 1, :l]``; the rest of ``T`` is refilled by Lanczos.
    """
    m, l = S.shape[0], len(theta)
    V[:l] = S.T @ V[:m]
    V[l] = V[m]
    T[:] = 0.0
    T[:l, :l] = np.diag(theta)
    T[l, :l] = T[:l, l] = beta * S[m - 1]
