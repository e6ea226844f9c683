"""Tests of hvplib.krylov against numpy.linalg.eigh and SciPy's cg / eigsh.

Operators are ``Q diag(λ) Qᵀ`` with a random orthogonal ``Q`` (QR of a seeded Gaussian)
and chosen spectra: clustered, indefinite, rank-deficient, with outliers.
"""
import numpy as np
import pytest
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, aslinearoperator, eigsh
import scipy.sparse.linalg

from hvplib.krylov import (
    cg,
    hutchinson_trace,
    hutchpp_trace,
    lanczos,
    power_iteration,
    spectral_density,
)


# ---- operators with known spectra ------------------------------------------------------------


def random_orthogonal(n, seed=0):
    """Q of shape (n, n), orthogonal, from the QR of a seeded Gaussian."""
    Q, R = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def spectral_matrix(eigenvalues, seed=0):
    """Dense symmetric ``Q diag(λ) Qᵀ``."""
    Q = random_orthogonal(len(eigenvalues), seed)
    M = (Q * eigenvalues) @ Q.T
    return (M + M.T) / 2


class CountingOperator(LinearOperator):
    """``aslinearoperator(M)`` that counts its products (for SciPy's eigsh and cg)."""

    def __init__(self, M):
        super().__init__(dtype=np.float64, shape=M.shape)
        self.M = M
        self.n_matvec = 0

    def _matvec(self, v):
        self.n_matvec += 1
        return self.M @ np.ravel(v)

    def _rmatvec(self, v):
        return self._matvec(v)


def nan_operator(n=8):
    """An operator whose products contain a NaN."""
    return LinearOperator((n, n), matvec=lambda v: np.full(n, np.nan), dtype=np.float64)


def clustered_with_outliers(n, n_outliers=10, seed=1):
    """Bulk uniform in [0, 1], outliers 2, 3, …: a gap after the outliers."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(0.0, 1.0, n - n_outliers), 2.0 + np.arange(n_outliers)])


SPECTRA = {
    "clustered": lambda n: np.concatenate([np.linspace(0.0, 0.01, n - 5), [1.0, 1.1, 1.2, 1.3, 1.5]]),
    "indefinite": lambda n: np.concatenate([np.linspace(-1.0, 1.0, n - 6), [2.0, 2.5, 3.0, -2.2, -2.7, -3.5]]),
    "rank_deficient": lambda n: np.concatenate([np.zeros(n - 8), [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]]),
    "outliers": lambda n: clustered_with_outliers(n, 6),
}


def expected_top(eigenvalues, k, which):
    """The k wanted eigenvalues in lanczos' order (most wanted first)."""
    if which == "LA":
        return np.sort(eigenvalues)[::-1][:k]
    if which == "SA":
        return np.sort(eigenvalues)[:k]
    return eigenvalues[np.argsort(-np.abs(eigenvalues), kind="stable")][:k]


@pytest.fixture(scope="module")
def big_outlier_matrix():
    """n = 2000: bulk in [0, 1] and 10 outliers 2..11."""
    eigenvalues = clustered_with_outliers(2000, 10)
    return spectral_matrix(eigenvalues, seed=3), eigenvalues


# ---- conjugate gradients ---------------------------------------------------------------------


def spd_system(n=60, cond=100.0, seed=0):
    eigenvalues = np.geomspace(1.0, cond, n)
    M = spectral_matrix(eigenvalues, seed)
    b = np.random.default_rng(seed + 1).standard_normal(n)
    return M, b


def test_cg_matches_scipy_and_solve_on_spd():
    M, b = spd_system(cond=10.0)
    res = cg(aslinearoperator(M), b, tol=1e-12)
    x_scipy, info = scipy.sparse.linalg.cg(M, b, rtol=1e-12, atol=0.0)
    x_true = np.linalg.solve(M, b)
    assert res.converged and info == 0 and not res.negative_curvature and res.direction is None
    np.testing.assert_allclose(res.x, x_true, rtol=0, atol=1e-9 * np.linalg.norm(x_true))
    np.testing.assert_allclose(res.x, x_scipy, rtol=0, atol=1e-8 * np.linalg.norm(x_true))
    assert res.residuals[0] == pytest.approx(np.linalg.norm(b))
    assert res.residuals[-1] <= 1e-12 * np.linalg.norm(b)
    assert len(res.residuals) == res.n_matvec + 1
    assert res.n_matvec <= len(b) + 1


def test_cg_tolerance_is_relative_residual():
    M, b = spd_system()
    for tol in [1e-2, 1e-6]:
        res = cg(M, 1e3 * b, tol=tol)
        true_residual = np.linalg.norm(1e3 * b - M @ res.x)
        assert res.converged
        assert true_residual <= 1.01 * tol * np.linalg.norm(1e3 * b)
        assert res.residuals[-2] > tol * np.linalg.norm(1e3 * b)     # it did not stop later than needed


def test_cg_error_decreases_in_the_A_norm():
    M, b = spd_system(cond=1e3)
    x_true = np.linalg.solve(M, b)
    errors = [np.sqrt((x_true) @ M @ (x_true))]
    cg(M, b, tol=1e-10, callback=lambda x: errors.append(np.sqrt((x - x_true) @ M @ (x - x_true))))
    assert len(errors) > 10
    assert np.all(np.diff(errors) < 0)


def test_cg_few_distinct_eigenvalues_needs_few_products():
    eigenvalues = np.repeat([1.0, 2.0, 5.0, 7.0, 10.0], 40)         # n = 200, 5 distinct values
    M = spectral_matrix(eigenvalues)
    b = np.random.default_rng(0).standard_normal(200)
    res = cg(M, b, tol=1e-10)
    assert res.converged and res.n_matvec <= 6
    np.testing.assert_allclose(M @ res.x, b, atol=1e-8)


def test_cg_negative_curvature_reports_direction():
    eigenvalues = np.concatenate([np.linspace(1.0, 10.0, 40), [-1.0, -0.5]])
    M = spectral_matrix(eigenvalues, seed=2)
    b = np.random.default_rng(5).standard_normal(len(eigenvalues))
    res = cg(M, b, tol=1e-10)
    assert res.negative_curvature and not res.converged
    p = res.direction
    assert p.shape == b.shape and p @ M @ p <= 0
    assert res.curvature == pytest.approx(p @ M @ p / (p @ p))
    assert res.n_matvec == len(res.residuals)            # stopped before updating x and r
    # the iterate returned is the last CG iterate: its residual is the last one recorded
    assert np.linalg.norm(b - M @ res.x) == pytest.approx(res.residuals[-1], rel=1e-8)


def test_cg_negative_curvature_in_first_step_returns_zero_and_b():
    M = np.diag([-2.0, 1.0, 3.0])
    b = np.array([1.0, 0.0, 0.0])
    res = cg(M, b)
    assert res.negative_curvature and res.n_matvec == 1
    np.testing.assert_array_equal(res.x, np.zeros(3))
    np.testing.assert_array_equal(res.direction, b)
    assert res.curvature == -2.0


def test_cg_x0_and_zero_rhs():
    M, b = spd_system(n=20)
    x_true = np.linalg.solve(M, b)
    res = cg(M, b, x0=x_true, tol=1e-8)
    assert res.converged and res.n_matvec == 1
    res = cg(M, np.zeros(20))
    assert res.converged and res.n_matvec == 0 and not np.any(res.x)


def test_cg_max_iter_stops_unconverged():
    M, b = spd_system(cond=1e4)
    res = cg(M, b, tol=1e-12, max_iter=5)
    assert not res.converged and res.n_matvec == 5 and len(res.residuals) == 6


# ---- power iteration -------------------------------------------------------------------------


def test_power_iteration_psd_top_eigenpair():
    eigenvalues = np.concatenate([np.linspace(0.0, 1.0, 98), [1.5, 3.0]])
    M = spectral_matrix(eigenvalues)
    res = power_iteration(aslinearoperator(M), rng=0, tol=1e-12)
    w, V = np.linalg.eigh(M)
    assert res.converged
    assert res.eigenvalue == pytest.approx(3.0, rel=1e-10)
    assert abs(res.eigenvector @ V[:, -1]) == pytest.approx(1.0, abs=1e-6)
    assert res.residual == pytest.approx(np.linalg.norm(M @ res.eigenvector - res.eigenvalue * res.eigenvector))
    assert len(res.history) == res.n_matvec and res.history[-1] == res.eigenvalue


def test_power_iteration_finds_largest_magnitude_and_shift_finds_other_end():
    eigenvalues = np.concatenate([np.linspace(-0.5, 1.0, 48), [2.0, -4.0]])
    M = spectral_matrix(eigenvalues, seed=4)
    res = power_iteration(M, rng=1, tol=1e-12)
    assert res.eigenvalue == pytest.approx(-4.0, rel=1e-9)
    top = power_iteration(M, rng=1, tol=1e-12, shift=-4.0)         # A + 4I: λ_max + 4 dominates
    assert top.eigenvalue == pytest.approx(2.0, rel=1e-8)


def test_power_iteration_warm_start_and_reproducible():
    M = spectral_matrix(clustered_with_outliers(80, 3))
    a = power_iteration(M, rng=np.random.default_rng(7))
    b = power_iteration(M, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.eigenvector, b.eigenvector)
    np.testing.assert_array_equal(a.history, b.history)
    warm = power_iteration(M, v0=a.eigenvector)
    assert warm.n_matvec <= 3 and warm.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-8)
    c = power_iteration(M, rng=8)
    assert not np.array_equal(a.history, c.history)


def test_power_iteration_not_converged_with_plus_minus_pair():
    M = np.diag([3.0, -3.0, 1.0, 0.5])
    res = power_iteration(M, max_iter=50)
    assert not res.converged and res.n_matvec == 50


# ---- Lanczos ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spectrum", sorted(SPECTRA))
@pytest.mark.parametrize("which", ["LA", "SA", "LM"])
def test_lanczos_matches_eigh(spectrum, which):
    eigenvalues = SPECTRA[spectrum](300)
    M = spectral_matrix(eigenvalues, seed=5)
    k = 4
    res = lanczos(aslinearoperator(M), k=k, which=which, rng=0)
    expected = expected_top(np.linalg.eigvalsh(M), k, which)
    assert res.converged and res.n_converged == k
    np.testing.assert_allclose(res.eigenvalues, expected, rtol=1e-8, atol=1e-12)
    V = res.eigenvectors
    assert V.shape == (300, k)
    np.testing.assert_allclose(V.T @ V, np.eye(k), atol=1e-10)
    true_residuals = np.linalg.norm(M @ V - V * res.eigenvalues, axis=0)
    assert np.all(true_residuals <= 1e-10 * res.norm_estimate * 1.5)
    np.testing.assert_allclose(res.residuals, true_residuals, atol=1e-12)


@pytest.mark.parametrize("which", ["LA", "SA", "LM"])
def test_lanczos_matches_eigsh_on_indefinite(which):
    eigenvalues = SPECTRA["indefinite"](400)
    M = spectral_matrix(eigenvalues, seed=6)
    ours = lanczos(M, k=5, which=which, rng=1)
    ref = eigsh(M, k=5, which=which, tol=1e-12, return_eigenvectors=False)
    np.testing.assert_allclose(np.sort(ours.eigenvalues), np.sort(ref), rtol=1e-8)
    assert ours.converged


def test_lanczos_order_is_most_wanted_first():
    M = spectral_matrix(SPECTRA["indefinite"](100))
    la, sa, lm = (lanczos(M, k=3, which=w).eigenvalues for w in ("LA", "SA", "LM"))
    np.testing.assert_allclose(la, [3.0, 2.5, 2.0], rtol=1e-10)
    np.testing.assert_allclose(sa, [-3.5, -2.7, -2.2], rtol=1e-10)
    np.testing.assert_allclose(lm, [-3.5, 3.0, -2.7], rtol=1e-10)


def test_lanczos_outliers_in_far_fewer_products_than_n(big_outlier_matrix):
    M, eigenvalues = big_outlier_matrix
    op = CountingOperator(M)
    res = lanczos(op, k=10, which="LA", rng=0)
    assert res.converged and res.n_matvec == op.n_matvec and res.n_matvec < 300
    np.testing.assert_allclose(res.eigenvalues, np.sort(eigenvalues)[::-1][:10], rtol=1e-8)
    true_residuals = np.linalg.norm(M @ res.eigenvectors - res.eigenvectors * res.eigenvalues, axis=0)
    assert true_residuals.max() <= 2e-10 * res.norm_estimate


def test_lanczos_restarts_keep_memory_small(big_outlier_matrix):
    # bulk in [0, 1] with no gap among the wanted ones: needs restarts with a basis of 20
    M, eigenvalues = big_outlier_matrix
    res = lanczos(M, k=12, which="LA", rng=0, ncv=25, tol=1e-9)
    assert res.converged and res.n_restarts > 0
    np.testing.assert_allclose(res.eigenvalues, np.sort(eigenvalues)[::-1][:12], rtol=1e-8)


@pytest.mark.parametrize("which", ["LA", "SA", "LM"])
def test_lanczos_small_n_repeated_eigenvalues(which):
    eigenvalues = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 2.0, -3.0, 5.0, 5.0])
    M = spectral_matrix(eigenvalues, seed=9)
    res = lanczos(M, k=3, which=which)
    assert res.converged
    np.testing.assert_allclose(res.eigenvalues, expected_top(eigenvalues, 3, which), atol=1e-12)


def test_lanczos_n2_and_k_n_minus_1():
    np.testing.assert_allclose(lanczos(np.diag([1.0, -2.0]), k=1).eigenvalues, [1.0])
    M = spectral_matrix(np.arange(12.0))
    np.testing.assert_allclose(lanczos(M, k=11, which="SA").eigenvalues, np.arange(11.0), atol=1e-12)


def test_lanczos_reproducible_and_v0():
    M = spectral_matrix(SPECTRA["outliers"](200))
    a, b = lanczos(M, k=3, rng=42), lanczos(M, k=3, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a.eigenvectors, b.eigenvectors)
    assert a.n_matvec == b.n_matvec
    c = lanczos(M, k=3, v0=a.eigenvectors[:, 0])
    np.testing.assert_allclose(c.eigenvalues, a.eigenvalues, rtol=1e-10)


def test_lanczos_max_iter_reports_not_converged():
    M = spectral_matrix(np.linspace(0.0, 1.0, 400) ** 3)
    res = lanczos(M, k=5, max_iter=1)
    assert not res.converged and res.n_converged < 5 and res.n_restarts == 1
    assert res.n_matvec == 20 + (20 - 12)


def test_lanczos_zero_operator():
    res = lanczos(np.zeros((30, 30)), k=2)
    assert res.converged
    np.testing.assert_array_equal(res.eigenvalues, [0.0, 0.0])


def test_lanczos_on_mlp_hessian_matches_eigh():
    from hvplib import nn
    net = nn.MLP([6, 8, 4], activation="tanh", loss="softmax_cross_entropy")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    y = rng.integers(0, 4, size=40)
    w = net.init_params(rng)
    op = net.hessian_operator(w, X, y)
    H = net.hessian(w, X, y)
    H = (H + H.T) / 2
    exact = np.linalg.eigvalsh(H)
    for which in ("LA", "SA"):
        res = lanczos(op, k=3, which=which, rng=1)
        np.testing.assert_allclose(res.eigenvalues, expected_top(exact, 3, which), rtol=1e-8, atol=1e-12)
    assert res.n_matvec < net.num_params


def test_krylov_on_autograd_hessian_operator():
    import autograd.numpy as anp

    import hvplib as hv

    def rosenbrock(x):
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    x = np.random.default_rng(0).uniform(-1.5, 1.5, 30)
    op = hv.HessianOperator(rosenbrock, x)
    exact = np.linalg.eigvalsh(hv.hessian(rosenbrock, x))
    res = lanczos(op, k=3, which="SA", rng=0)
    np.testing.assert_allclose(res.eigenvalues, exact[:3], rtol=1e-8, atol=1e-10 * exact[-1])
    assert op.n_matvec == res.n_matvec
    assert power_iteration(op, tol=1e-12).eigenvalue == pytest.approx(np.abs(exact).max(), rel=1e-6)
    assert exact[0] < 0                                  # indefinite here: CG meets negative curvature
    step = cg(op, -np.ones(30))
    assert step.negative_curvature and step.direction @ (op @ step.direction) <= 0


# ---- trace -----------------------------------------------------------------------------------


def test_hutchinson_within_few_standard_errors():
    eigenvalues = SPECTRA["indefinite"](200)
    M = spectral_matrix(eigenvalues)
    res = hutchinson_trace(aslinearoperator(M), n_samples=400, rng=3)
    assert res.n_matvec == 400 and res.samples.shape == (400,) and res.method == "hutchinson"
    assert abs(res.estimate - eigenvalues.sum()) <= 4 * res.std_error
    expected_se = np.sqrt(2 * (np.sum(M**2) - np.sum(np.diag(M) ** 2)) / 400)
    assert 0.7 * expected_se < res.std_error < 1.3 * expected_se


def test_hutchinson_exact_on_diagonal():
    res = hutchinson_trace(np.diag([1.0, 2.0, 3.0]), n_samples=5)
    assert res.estimate == pytest.approx(6.0) and res.std_error == pytest.approx(0.0)
    assert np.isnan(hutchinson_trace(np.eye(3), n_samples=1).std_error)


def test_hutchpp_beats_hutchinson_on_low_rank_plus_noise():
    n = 300
    eigenvalues = np.concatenate([100.0 * 0.7 ** np.arange(20), np.full(n - 20, 0.01)])
    M = spectral_matrix(eigenvalues, seed=11)
    true = eigenvalues.sum()
    err_h = [abs(hutchinson_trace(M, n_samples=60, rng=s).estimate - true) for s in range(8)]
    err_pp = [abs(hutchpp_trace(M, n_matvec=60, rng=s).estimate - true) for s in range(8)]
    assert np.mean(err_pp) < np.mean(err_h) / 10
    res = hutchpp_trace(M, n_matvec=60, rng=0)
    assert res.n_matvec == 60 and res.samples.shape == (20,) and res.method == "hutch++"
    assert abs(res.estimate - true) <= 5 * res.std_error + 1e-9 * true


def test_hutchpp_exact_when_budget_covers_the_space():
    eigenvalues = SPECTRA["indefinite"](20)
    res = hutchpp_trace(spectral_matrix(eigenvalues), n_matvec=70, rng=0)
    assert res.n_matvec == 40 and res.std_error == 0.0
    assert res.estimate == pytest.approx(eigenvalues.sum(), abs=1e-10)


def test_trace_reproducible():
    M = spectral_matrix(SPECTRA["outliers"](50))
    assert hutchinson_trace(M, 20, rng=5).estimate == hutchinson_trace(M, 20, rng=5).estimate
    assert hutchpp_trace(M, 30, rng=5).estimate == hutchpp_trace(M, 30, rng=5).estimate
    assert hutchinson_trace(M, 20, rng=5).estimate != hutchinson_trace(M, 20, rng=6).estimate


# ---- spectral density ------------------------------------------------------------------------


def test_density_mass_mean_and_outliers():
    n = 400
    eigenvalues = clustered_with_outliers(n, 5, seed=2)
    M = spectral_matrix(eigenvalues, seed=2)
    res = spectral_density(aslinearoperator(M), n_probes=8, n_steps=40, rng=0)
    assert res.n_matvec == 8 * 40
    assert np.trapezoid(res.density, res.grid) == pytest.approx(1.0, abs=1e-12)
    assert np.all(res.density >= 0) and np.all(np.diff(res.grid) > 0)
    assert len(res.nodes) == len(res.weights) == 8
    for theta, tau in zip(res.nodes, res.weights):
        assert theta.shape == tau.shape == (40,)
        assert tau.sum() == pytest.approx(1.0, abs=1e-12)
        assert theta.min() >= eigenvalues.min() - 1e-10 and theta.max() <= eigenvalues.max() + 1e-10
        assert theta.max() == pytest.approx(eigenvalues.max(), rel=1e-10)   # the outlier, exactly
    # mean of the smoothed density = mean of the probe quadratic forms (Hutchinson / n)
    mean = np.trapezoid(res.grid * res.density, res.grid)
    quadrature_mean = np.mean([theta @ tau for theta, tau in zip(res.nodes, res.weights)])
    assert mean == pytest.approx(quadrature_mean, abs=1e-6)
    assert mean == pytest.approx(eigenvalues.sum() / n, rel=0.05)
    # default sigma: 1% of the Ritz-value range; grid spans it with 5 sigma margin
    all_nodes = np.concatenate(res.nodes)
    assert res.sigma == pytest.approx(0.01 * np.ptp(all_nodes))
    assert res.grid[0] == pytest.approx(all_nodes.min() - 5 * res.sigma)


def test_density_close_to_broadened_true_spectrum():
    n = 300
    eigenvalues = np.concatenate([np.random.default_rng(0).normal(0.0, 0.2, n - 3), [2.0, 3.0, 4.0]])
    M = spectral_matrix(eigenvalues)
    grid = np.linspace(-1.5, 4.5, 601)
    res = spectral_density(M, n_probes=20, n_steps=60, grid=grid, sigma=0.05, rng=1)
    z = (grid[:, None] - eigenvalues[None, :]) / 0.05
    true = np.exp(-0.5 * z**2).sum(axis=1) / (n * 0.05 * np.sqrt(2 * np.pi))
    assert np.trapezoid(np.abs(res.density - true), grid) < 0.1
    plain = spectral_density(M, n_probes=20, n_steps=60, grid=grid, sigma=0.05, rng=1, reorthogonalize=False)
    assert np.trapezoid(np.abs(plain.density - true), grid) < 0.1


def test_density_small_n_quadrature_is_exact():
    eigenvalues = np.array([-1.0, 0.0, 0.5, 2.0, 2.0, 3.0])
    M = spectral_matrix(eigenvalues)
    res = spectral_density(M, n_probes=3, n_steps=80, rng=0)
    assert res.n_matvec <= 3 * 6
    for theta, tau in zip(res.nodes, res.weights):   # n steps: the nodes are the eigenvalues
        assert np.all(np.min(np.abs(theta[:, None] - eigenvalues[None, :]), axis=1) < 1e-10)
        assert theta.min() == pytest.approx(-1.0) and theta.max() == pytest.approx(3.0)
        assert tau.sum() == pytest.approx(1.0)


def test_density_reproducible():
    M = spectral_matrix(SPECTRA["outliers"](60))
    a = spectral_density(M, n_probes=2, n_steps=10, rng=3)
    b = spectral_density(M, n_probes=2, n_steps=10, rng=3)
    np.testing.assert_array_equal(a.density, b.density)


# ---- bad input -------------------------------------------------------------------------------


ALL_FUNCTIONS = {
    "cg": lambda op, **kw: cg(op, np.ones(op.shape[0] if hasattr(op, "shape") else 3), **kw),
    "power_iteration": power_iteration,
    "lanczos": lambda op, **kw: lanczos(op, k=1, **kw),
    "hutchinson_trace": hutchinson_trace,
    "hutchpp_trace": hutchpp_trace,
    "spectral_density": spectral_density,
}


@pytest.mark.parametrize("name", sorted(ALL_FUNCTIONS))
def test_bad_operator_raises(name):
    f = ALL_FUNCTIONS[name]
    with pytest.raises(ValueError, match="op must be square"):
        f(aslinearoperator(np.ones((4, 3))))
    with pytest.raises(ValueError, match="op"):
        f(np.ones(4))
    with pytest.raises(TypeError, match="op"):
        f("not an operator")
    with pytest.raises(TypeError, match="op must be real"):
        f(np.eye(3) * 1j)
    with pytest.raises(ValueError, match="op must be finite"):
        f(np.full((3, 3), np.nan))


@pytest.mark.parametrize("name", sorted(ALL_FUNCTIONS))
def test_nonfinite_product_raises(name):
    with pytest.raises(ValueError, match="NaN or infinite"):
        ALL_FUNCTIONS[name](nan_operator())


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: cg(np.eye(3), np.ones(4)), ValueError, "b must have shape"),
        (lambda: cg(np.eye(3), np.ones((3, 1))), ValueError, "b must have shape"),
        (lambda: cg(np.eye(3), [1.0, np.nan, 0.0]), ValueError, "b must be finite"),
        (lambda: cg(np.eye(3), np.ones(3), tol=0.0), ValueError, "tol"),
        (lambda: cg(np.eye(3), np.ones(3), tol=-1e-3), ValueError, "tol"),
        (lambda: cg(np.eye(3), np.ones(3), max_iter=0), ValueError, "max_iter"),
        (lambda: cg(np.eye(3), np.ones(3), x0=np.ones(2)), ValueError, "x0"),
        (lambda: cg(np.eye(3), np.ones(3), callback=3), TypeError, "callback"),
        (lambda: power_iteration(np.eye(3), tol=0), ValueError, "tol"),
        (lambda: power_iteration(np.eye(3), max_iter=0), ValueError, "max_iter"),
        (lambda: power_iteration(np.eye(3), rng="seed"), TypeError, "rng"),
        (lambda: power_iteration(np.eye(3), v0=np.zeros(3)), ValueError, "v0"),
        (lambda: power_iteration(np.eye(3), shift=np.inf), ValueError, "shift"),
        (lambda: power_iteration(np.eye(3), progress="yes"), TypeError, "progress"),
        (lambda: lanczos(np.eye(5), k=5), ValueError, "k must be smaller"),
        (lambda: lanczos(np.eye(5), k=0), ValueError, "k"),
        (lambda: lanczos(np.eye(5), k=2.0), TypeError, "k"),
        (lambda: lanczos(np.eye(5), k=2, which="BE"), ValueError, "which"),
        (lambda: lanczos(np.eye(5), k=2, which="la"), ValueError, "which"),
        (lambda: lanczos(np.eye(5), k=2, tol=0.0), ValueError, "tol"),
        (lambda: lanczos(np.eye(5), k=2, ncv=2), ValueError, "ncv"),
        (lambda: lanczos(np.eye(5), k=2, ncv=6), ValueError, "ncv"),
        (lambda: lanczos(np.eye(5), k=2, max_iter=0), ValueError, "max_iter"),
        (lambda: lanczos(np.eye(5), k=2, v0=np.ones(4)), ValueError, "v0"),
        (lambda: hutchinson_trace(np.eye(3), n_samples=0), ValueError, "n_samples"),
        (lambda: hutchinson_trace(np.eye(3), n_samples=-5), ValueError, "n_samples"),
        (lambda: hutchinson_trace(np.eye(3), n_samples=2.5), TypeError, "n_samples"),
        (lambda: hutchpp_trace(np.eye(3), n_matvec=2), ValueError, "n_matvec"),
        (lambda: hutchpp_trace(np.eye(3), n_matvec=0), ValueError, "n_matvec"),
        (lambda: spectral_density(np.eye(3), n_probes=0), ValueError, "n_probes"),
        (lambda: spectral_density(np.eye(3), n_steps=0), ValueError, "n_steps"),
        (lambda: spectral_density(np.eye(3), sigma=0.0), ValueError, "sigma"),
        (lambda: spectral_density(np.eye(3), grid=[1.0]), ValueError, "grid"),
        (lambda: spectral_density(np.eye(3), grid=[2.0, 1.0]), ValueError, "grid"),
        (lambda: spectral_density(np.eye(3), grid=[0.0, np.nan]), ValueError, "grid"),
        (lambda: spectral_density(np.eye(3), grid=[10.0, 11.0], sigma=0.01), ValueError, "grid"),
    ],
)
def test_bad_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---- operators of other kinds, progress bars, results ------------------------------------------


def test_accepts_sparse_dense_float32_and_hessian_operator_like_objects():
    eigenvalues = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    M = spectral_matrix(eigenvalues)
    for op in (M, scipy.sparse.csr_matrix(M), M.astype(np.float32), aslinearoperator(M)):
        res = lanczos(op, k=2)
        np.testing.assert_allclose(res.eigenvalues, [5.0, 4.0], rtol=1e-6)
        assert res.eigenvectors.dtype == np.float64


def test_progress_bars_run(capsys):
    M = spectral_matrix(SPECTRA["outliers"](40))
    assert lanczos(M, k=2, progress=True).converged
    power_iteration(M, progress=True)
    hutchinson_trace(M, n_samples=5, progress=True)
    hutchpp_trace(M, n_matvec=6, progress=True)
    spectral_density(M, n_probes=2, n_steps=5, progress=True)


def test_results_have_readable_repr():
    M = spectral_matrix(SPECTRA["outliers"](40))
    text = repr(lanczos(M, k=2))
    assert text.startswith("LanczosResult(") and "n_matvec=" in text and "eigenvalues=[" in text
    assert "array(shape=(40, 2)" in text
    assert "CGResult(" in repr(cg(M, np.ones(40)))
    assert "estimate=" in repr(hutchinson_trace(M, 3))
    assert "list of 2 arrays" in repr(spectral_density(M, n_probes=2, n_steps=5))


# ---- the one CG kernel: damping, forcing-term stop, negative-curvature policy -------------------------

def test_cg_solve_with_damping_matches_the_dense_solve_and_scipy():
    import scipy.sparse.linalg as spla
    from hvplib.krylov import cg_solve

    rng = np.random.default_rng(3)
    M = rng.normal(size=(30, 30))
    C = M @ M.T / 30
    b = rng.normal(size=30)
    res = cg_solve(lambda v: C @ v, b, damping=0.5, rtol=1e-12, max_iter=200)
    A = C + 0.5 * np.eye(30)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-9)
    ref, info = spla.cg(A, b, rtol=1e-12, maxiter=200)
    assert info == 0
    np.testing.assert_allclose(res.x, ref, rtol=1e-8)
    np.testing.assert_allclose(res.cx, C @ res.x, rtol=1e-9)     # the undamped product, kept for free
    assert res.n_matvec == len(res.residuals) - 1
    # cg on the same operator with damping is the same loop
    public = cg(C, b, tol=1e-12, damping=0.5)
    np.testing.assert_array_equal(public.x, res.x)
    assert public.n_matvec == res.n_matvec and public.cx is None


def test_cg_solve_negative_curvature_policies():
    from hvplib.krylov import cg_solve

    A = np.diag([1.0, -2.0])
    b = np.array([0.0, -1.0])                      # b along the negative-curvature direction
    stop = cg_solve(lambda v: A @ v, b, rtol=1e-10, max_iter=5)
    assert stop.negative_curvature and not stop.converged
    np.testing.assert_array_equal(stop.x, [0.0, 0.0])          # the last iterate: x_0 = 0
    np.testing.assert_allclose(stop.curvature, -2.0)            # pᵀAp / pᵀp
    sd = cg_solve(lambda v: A @ v, b, rtol=1e-10, max_iter=5, negative_curvature="steepest_descent")
    np.testing.assert_allclose(sd.x, (b @ b) / abs(b @ A @ b) * b)  # (bᵀb / |bᵀAb|) b
    np.testing.assert_allclose(sd.cx, A @ sd.x)
    with pytest.raises(ValueError, match="negative_curvature"):
        cg_solve(lambda v: A @ v, b, negative_curvature="ignore")


def test_truncated_cg_keeps_the_shape_of_g_and_solves_to_the_forcing_term():
    from hvplib.optimize import truncated_cg

    rng = np.random.default_rng(4)
    M = rng.normal(size=(6, 6))
    H = M @ M.T + 6 * np.eye(6)
    g = rng.normal(size=(2, 3))
    p, neg = truncated_cg(lambda d: (H @ d.ravel()).reshape(2, 3), g, eta=1e-12, max_iter=50)
    assert p.shape == (2, 3) and neg is False
    np.testing.assert_allclose(p.ravel(), np.linalg.solve(H, -g.ravel()), rtol=1e-9)
    loose, _ = truncated_cg(lambda d: (H @ d.ravel()).reshape(2, 3), g, eta=0.5, max_iter=50)
    assert np.linalg.norm(H @ loose.ravel() + g.ravel()) <= 0.5 * np.linalg.norm(g)


# ---- one Lanczos recurrence, one broadening ------------------------------------------------------------

@pytest.mark.parametrize("reorthogonalize", [True, False])
def test_slq_tridiagonal_from_the_shared_recurrence_has_the_dense_spectrum(reorthogonalize):
    from hvplib.krylov._common import CountedOperator
    from hvplib.krylov.density import lanczos_tridiagonal
    from scipy.linalg import eigh_tridiagonal

    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    lam = np.linspace(-2.0, 5.0, 12)
    A = Q @ np.diag(lam) @ Q.T
    v = rng.normal(size=12)
    v /= np.linalg.norm(v)
    alpha, beta = lanczos_tridiagonal(CountedOperator(A), v, 12, reorthogonalize)
    theta = eigh_tridiagonal(alpha, beta, eigvals_only=True)
    np.testing.assert_allclose(theta[[0, -1]], lam[[0, -1]], atol=1e-8)   # the extremes, in either mode
    if reorthogonalize:
        np.testing.assert_allclose(theta, lam, atol=1e-10)                # all of them, with a full basis
    np.testing.assert_allclose(alpha[0], v @ A @ v, rtol=1e-12)          # α₁ = vᵀAv


def test_broaden_is_the_gaussian_mixture_and_spectral_density_integrates_to_one():
    from hvplib.krylov.density import broaden

    grid = np.linspace(-3, 3, 601)
    nodes, weights = [np.array([0.0, 1.0]), np.array([-1.0])], [np.array([0.25, 0.75]), np.array([1.0])]
    sigma = 0.3
    g = lambda t, c: np.exp(-((t - c) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))  # noqa: E731
    expected = (0.25 * g(grid, 0.0) + 0.75 * g(grid, 1.0) + g(grid, -1.0)) / 2
    np.testing.assert_allclose(broaden(nodes, weights, grid, sigma), expected, rtol=1e-12)
    res = spectral_density(np.diag(np.linspace(1.0, 4.0, 40)), n_probes=4, n_steps=20, rng=0)
    np.testing.assert_allclose(np.trapezoid(res.density, res.grid), 1.0, rtol=1e-12)


def test_every_operator_counts_through_one_base():
    import autograd.numpy as anp

    import hvplib as hv
    from hvplib.krylov._common import CountedOperator
    from hvplib.operator import CountedLinearOperator

    x = np.array([0.5, -1.0, 2.0])
    f = lambda y: anp.sum(y**4) / 4 + y[0] * y[1]  # noqa: E731
    H = np.diag(3 * x**2) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])      # the closed form
    net = hv.MLP([2, 3, 1])
    w = net.init_params(0)
    X, t = np.array([[0.1, 0.2], [0.3, -0.4]]), np.array([[1.0], [0.0]])
    ops = [hv.HessianOperator(f, x), net.hessian_operator(w, X, t), CountedOperator(H)]
    for op in ops:
        assert isinstance(op, CountedLinearOperator)
        n = op.shape[0]
        for i in range(3):
            op.matvec(np.eye(n)[i % n])
        assert op.n_matvec == 3
        op.reset_count()
        assert op.n_matvec == 0 and op.H is op          # symmetric: the adjoint is the operator
    np.testing.assert_allclose(ops[0] @ np.ones(3), H @ np.ones(3), rtol=1e-12)
    dense = net.hessian(w, X, t)
    np.testing.assert_allclose(ops[1] @ np.ones(net.num_params), dense @ np.ones(net.num_params), rtol=1e-10)


# ---- the API convention: product budgets are max_matvec (old names accepted), rng keyword-only ---------

def test_budgets_are_max_matvec_and_the_old_names_still_work():
    A = np.diag(np.arange(1.0, 31.0))
    b = np.ones(30)
    assert cg(A, b, max_matvec=5).n_matvec == cg(A, b, max_iter=5).n_matvec == 5
    assert power_iteration(A, max_matvec=7, rng=0).n_matvec == power_iteration(A, max_iter=7, rng=0).n_matvec == 7
    new, old = hutchinson_trace(A, max_matvec=12, rng=1), hutchinson_trace(A, n_samples=12, rng=1)
    assert new.n_matvec == 12 and new.estimate == old.estimate
    new, old = hutchpp_trace(A, max_matvec=9, rng=1), hutchpp_trace(A, n_matvec=9, rng=1)
    assert new.n_matvec == 9 and new.estimate == old.estimate
    np.testing.assert_allclose(hutchpp_trace(A, max_matvec=90, rng=0).estimate, A.trace(), rtol=1e-12)
    with pytest.raises(TypeError, match="max_matvec or its old name n_samples"):
        hutchinson_trace(A, max_matvec=3, n_samples=3)


def test_rng_is_keyword_only_and_none_means_fresh_entropy_as_in_numpy():
    M = np.random.default_rng(9).normal(size=(30, 30))
    A = M + M.T                                   # off-diagonal entries: zᵀAz depends on the signs z
    with pytest.raises(TypeError):
        power_iteration(A, 1e-8, 100, None, 0.0, False, 0)          # rng is not positional any more
    seeded = [hutchinson_trace(A, max_matvec=5, rng=3).estimate for _ in range(2)]
    assert seeded[0] == seeded[1]                                   # an int seed: reproducible
    generator = np.random.default_rng(3)
    assert hutchinson_trace(A, max_matvec=5, rng=generator).estimate == seeded[0]
    fresh = {hutchinson_trace(A, max_matvec=5).samples.tobytes() for _ in range(5)}
    assert len(fresh) > 1                                           # None: fresh entropy each call
