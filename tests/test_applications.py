"""Tests for hvplib.applications and hvplib.widgets_applications against closed forms and exact answers."""
import matplotlib

matplotlib.use("Agg")

import autograd.numpy as anp  # noqa: E402
import IPython.display  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import special  # noqa: E402

from hvplib import analysis, applications as ap, gradient, hessian, widgets_applications  # noqa: E402


# ---------------------------------------------------------------------------
# Physics
# ---------------------------------------------------------------------------

def double_well_2d(p):
    return (p[0] ** 2 - 1) ** 2 + (p[1] ** 2 - 1) ** 2


def test_critical_points_of_double_well_are_classified():
    grid = np.linspace(-1.6, 1.6, 7)
    starts = np.array([[a, b] for a in grid for b in grid])
    points = ap.critical_points(double_well_2d, starts)
    expected = np.array([[a, b] for a in (-1, 0, 1) for b in (-1, 0, 1)], dtype=float)
    np.testing.assert_allclose(points, expected, atol=1e-10)
    kinds = [analysis.classify_critical_point(hessian(double_well_2d, p)) for p in points]
    assert kinds.count("minimum") == 4 and kinds.count("saddle") == 4 and kinds.count("maximum") == 1
    assert kinds[4] == "maximum"  # the origin


@pytest.mark.parametrize("n_masses", [1, 2, 5, 12])
@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_spring_chain_hessian_is_stiffness_and_frequencies_match_closed_form(n_masses, beta):
    potential = ap.spring_chain_potential(n_masses, k=2.5, beta=beta)
    K = hessian(potential, np.zeros(n_masses))
    np.testing.assert_allclose(K, ap.spring_chain_stiffness(n_masses, k=2.5), atol=1e-12)
    for m in (1.0, 3.0):
        omega2, modes = ap.normal_modes(K, masses=np.full(n_masses, m))
        j = np.arange(1, n_masses + 1)
        closed = (2.5 / m) * 4 * np.sin(j * np.pi / (2 * (n_masses + 1))) ** 2
        np.testing.assert_allclose(omega2, closed, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.sqrt(omega2), ap.spring_chain_frequencies(n_masses, 2.5, m), rtol=1e-12)
        overlap = np.abs(modes.T @ ap.spring_chain_mode_shapes(n_masses))
        np.testing.assert_allclose(overlap, np.eye(n_masses), atol=1e-10)


def test_normal_modes_with_unequal_masses_solve_generalized_problem():
    K = ap.spring_chain_stiffness(3, k=1.0)
    masses = np.array([1.0, 2.0, 4.0])
    omega2, modes = ap.normal_modes(K, masses)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(np.diag(1 / masses) @ K).real), omega2, rtol=1e-12)
    for j in range(3):
        np.testing.assert_allclose(K @ modes[:, j], omega2[j] * masses * modes[:, j], atol=1e-12)


def test_anharmonic_chain_is_stiffer_away_from_equilibrium():
    potential = ap.spring_chain_potential(4, beta=1.0)
    u = np.array([0.3, -0.2, 0.1, 0.4])
    H = hessian(potential, u)
    assert np.all(np.linalg.eigvalsh(H) > np.linalg.eigvalsh(ap.spring_chain_stiffness(4)) - 1e-12)


# ---------------------------------------------------------------------------
# Economics
# ---------------------------------------------------------------------------

def test_cobb_douglas_profit_optimum_closed_form_and_negative_definite():
    opt = ap.cobb_douglas_profit_optimum(price=4.0, A=1.0, a=0.25, b=0.5, r=1.0, w=1.0)
    np.testing.assert_allclose([opt["K"], opt["L"], opt["Q"], opt["profit"]], [4, 8, 4, 4], rtol=1e-12)

    def profit(z):
        return 4.0 * z[0] ** 0.25 * z[1] ** 0.5 - z[0] - z[1]

    x = np.array([opt["K"], opt["L"]])
    np.testing.assert_allclose(gradient(profit, x), 0.0, atol=1e-12)
    H = hessian(profit, x)
    np.testing.assert_allclose(H, [[-3 / 16, 1 / 16], [1 / 16, -1 / 16]], atol=1e-12)
    np.testing.assert_allclose(analysis.leading_principal_minors(H), [-3 / 16, 1 / 128], rtol=1e-10)
    assert analysis.sylvester_definiteness(H) == "negative definite"
    with pytest.raises(ValueError):
        ap.cobb_douglas_profit_optimum(1.0, 1.0, 0.5, 0.5, 1.0, 1.0)


def utility(z):
    return z[0] ** 0.3 * z[1] ** 0.7


def budget(z):
    return 2.0 * z[0] + 5.0 * z[1] - 100.0


def test_lagrange_newton_finds_closed_form_demand_and_bordered_hessian_says_maximum():
    x, lam, n_iter = ap.lagrange_newton(utility, budget, np.array([10.0, 10.0]), 0.1)
    np.testing.assert_allclose(x, [0.3 * 100 / 2, 0.7 * 100 / 5], rtol=1e-10)  # x* = αm/p_x, y* = (1−α)m/p_y
    np.testing.assert_allclose(lam, gradient(utility, x)[0] / 2.0, rtol=1e-10)  # λ = U_x / p_x
    assert n_iter < 20
    B = ap.bordered_hessian(utility, budget, x, lam)
    assert B.shape == (3, 3)
    np.testing.assert_allclose(B[0], [0.0, 2.0, 5.0])
    # closed form: det B = −(p_x² U_yy − 2 p_x p_y U_xy + p_y² U_xx) > 0 at a maximum
    H = hessian(utility, x)
    det_closed = -(4 * H[1, 1] - 20 * H[0, 1] + 25 * H[0, 0])
    np.testing.assert_allclose(np.linalg.det(B), det_closed, rtol=1e-10)
    verdict, minors = ap.constrained_second_order_test(B, 1)
    assert verdict == "maximum" and minors.shape == (1,) and minors[0] > 0


def test_bordered_hessian_minimum_and_two_constraints():
    # min x² + y² + z² subject to x + y + z = 3: minimum at (1, 1, 1), λ = 2
    def f(z):
        return anp.sum(z**2)

    def g(z):
        return anp.sum(z) - 3.0

    x, lam, _ = ap.lagrange_newton(f, g, np.zeros(3), 0.0)
    np.testing.assert_allclose(x, [1, 1, 1], atol=1e-12)
    np.testing.assert_allclose(lam, [2.0], atol=1e-12)
    verdict, minors = ap.constrained_second_order_test(ap.bordered_hessian(f, g, x, lam), 1)
    assert verdict == "minimum" and np.all(minors < 0)  # sign (−1)^m = −1
    # maximise −f instead: a maximum
    verdict, _ = ap.constrained_second_order_test(ap.bordered_hessian(lambda z: -f(z), g, x, -lam), 1)
    assert verdict == "maximum"

    # two constraints in four variables: the test uses D_5 only, with sign (−1)^2 for a minimum
    def g2(z):
        return anp.array([anp.sum(z) - 4.0, z[0] - z[1]])

    x, lam, _ = ap.lagrange_newton(lambda z: anp.sum(z**2), g2, np.zeros(4), np.zeros(2))
    np.testing.assert_allclose(x, [1, 1, 1, 1], atol=1e-12)
    verdict, minors = ap.constrained_second_order_test(ap.bordered_hessian(lambda z: anp.sum(z**2), g2, x, lam), 2)
    assert verdict == "minimum" and minors.shape == (2,) and np.all(minors > 0)


def test_saddle_on_constraint_is_inconclusive():
    # f = x² − y² on the line y = 0: a minimum there; on x = 0: a maximum; on x = y: f ≡ 0, degenerate
    def f(z):
        return z[0] ** 2 - z[1] ** 2

    B = ap.bordered_hessian(f, lambda z: z[0] - z[1], np.zeros(2), 0.0)
    verdict, minors = ap.constrained_second_order_test(B, 1)
    assert verdict == "inconclusive"
    np.testing.assert_allclose(minors, [0.0], atol=1e-12)


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def logistic_data():
    rng = np.random.default_rng(0)
    m = 400
    X = np.hstack([np.ones((m, 1)), rng.standard_normal((m, 2))])
    w_true = np.array([-0.5, 1.0, -0.7])
    y = (rng.random(m) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
    return X, y


def test_logistic_nll_hessian_does_not_depend_on_y(logistic_data):
    X, y = logistic_data
    w = np.array([0.1, 0.4, -0.3])
    H1 = hessian(ap.logistic_nll(X, y), w)
    H2 = hessian(ap.logistic_nll(X, 1 - y), w)
    p = 1 / (1 + np.exp(-X @ w))
    np.testing.assert_allclose(H1, H2, rtol=1e-12)
    np.testing.assert_allclose(H1, (X.T * (p * (1 - p))) @ X, rtol=1e-10)


def test_fit_and_standard_errors_match_fisher_information(logistic_data):
    X, y = logistic_data
    w, n_iter = ap.fit_logistic_regression(X, y)
    nll = ap.logistic_nll(X, y)
    np.testing.assert_allclose(gradient(nll, w), 0.0, atol=1e-8)
    assert n_iter < 15
    p = 1 / (1 + np.exp(-X @ w))
    se_closed = np.sqrt(np.diag(np.linalg.inv(X.T @ np.diag(p * (1 - p)) @ X)))
    np.testing.assert_allclose(ap.logistic_standard_errors(X, w), se_closed, rtol=1e-12)
    np.testing.assert_allclose(ap.logistic_standard_errors(X, w), np.sqrt(np.diag(np.linalg.inv(hessian(nll, w)))),
                               rtol=1e-8)


def test_bootstrap_standard_errors_agree_with_asymptotic_and_are_seeded(logistic_data):
    X, y = logistic_data
    w, _ = ap.fit_logistic_regression(X, y)
    se = ap.logistic_standard_errors(X, w)
    se_boot, W = ap.bootstrap_standard_errors(X, y, n_boot=300, rng=0, w_start=w)
    assert W.shape == (300, 3)
    np.testing.assert_allclose(se_boot, se, rtol=0.15)
    again, _ = ap.bootstrap_standard_errors(X, y, n_boot=300, rng=0, w_start=w)
    np.testing.assert_array_equal(se_boot, again)


def test_sandwich_standard_errors_match_autograd_per_example_gradients(logistic_data):
    X, y = logistic_data
    w, _ = ap.fit_logistic_regression(X, y)
    nll = ap.logistic_nll(X, y)
    G = np.array([gradient(ap.logistic_nll(X[i:i + 1], y[i:i + 1]), w) for i in range(len(y))])
    H_inv = np.linalg.inv(hessian(nll, w))
    np.testing.assert_allclose(ap.sandwich_standard_errors(X, y, w), np.sqrt(np.diag(H_inv @ G.T @ G @ H_inv)),
                               rtol=1e-8)
    # data drawn from the model: the sandwich estimates the same covariance as H⁻¹
    np.testing.assert_allclose(ap.sandwich_standard_errors(X, y, w), ap.logistic_standard_errors(X, w), rtol=0.25)


def test_parametric_bootstrap_draws_labels_from_the_fitted_model(logistic_data):
    X, y = logistic_data
    w, _ = ap.fit_logistic_regression(X, y)
    se, W = ap.bootstrap_standard_errors(X, y, n_boot=300, rng=0, w_start=w, parametric=True)
    assert W.shape == (300, 3)
    np.testing.assert_allclose(se, ap.logistic_standard_errors(X, w), rtol=0.2)   # the model is right
    np.testing.assert_allclose(W.mean(axis=0), w, atol=4 * se.max() / np.sqrt(300) + 0.1 * np.abs(w).max())
    rng = np.random.default_rng(0)                                  # labels are Bernoulli(σ(Xw)), one draw call
    labels = (rng.random((300, len(y))) < 1 / (1 + np.exp(-X @ w))).astype(float)
    np.testing.assert_allclose(W[7], ap.fit_logistic_regression(X, labels[7], w0=w)[0], rtol=1e-10)
    with pytest.raises(ValueError, match="w_start"):
        ap.bootstrap_standard_errors(X, y, n_boot=3, rng=0, parametric=True)


def test_weighted_fit_equals_duplicated_rows(logistic_data):
    X, y = logistic_data
    weights = np.array([2.0] * 10 + [1.0] * (len(y) - 10))
    w_weighted, _ = ap.fit_logistic_regression(X, y, sample_weight=weights)
    Xd, yd = np.vstack([X, X[:10]]), np.concatenate([y, y[:10]])
    w_dup, _ = ap.fit_logistic_regression(Xd, yd)
    np.testing.assert_allclose(w_weighted, w_dup, rtol=1e-9)


def test_separable_data_without_penalty_raises():
    X = np.array([[1.0, -2.0], [1.0, -1.0], [1.0, 1.0], [1.0, 2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    with pytest.raises(RuntimeError):
        ap.fit_logistic_regression(X, y, max_iter=30)
    w, _ = ap.fit_logistic_regression(X, y, reg=0.1)
    assert w[1] > 0


@pytest.mark.parametrize("k, n, evidence_tol", [(3, 10, 0.1), (30, 100, 0.02), (1, 4, 0.2)])
def test_beta_binomial_laplace_closed_form(k, n, evidence_tol):
    laplace, exact = ap.beta_binomial_laplace(k, n, a=1.0, b=1.0)
    alpha, beta = 1 + k, 1 + n - k
    mode = (alpha - 1) / (alpha + beta - 2)
    curvature = (alpha + beta - 2) ** 3 / ((alpha - 1) * (beta - 1))
    np.testing.assert_allclose(laplace.mode, [mode], rtol=1e-8)
    np.testing.assert_allclose(laplace.hessian, [[curvature]], rtol=1e-6)
    np.testing.assert_allclose(exact.mean(), alpha / (alpha + beta))
    # log evidence: log ∫ θ^(α−1)(1−θ)^(β−1) dθ = log B(α, β); Laplace is close and gets closer with n
    exact_log_evidence = special.betaln(alpha, beta)
    assert abs(laplace.log_evidence - exact_log_evidence) < evidence_tol


def test_laplace_improves_with_more_data():
    tv = [ap.total_variation_distance(*ap.beta_binomial_laplace(round(0.3 * n), n)) for n in (10, 40, 160, 640)]
    assert all(a > b for a, b in zip(tv, tv[1:]))
    assert tv[-1] < 0.02


def test_laplace_approximation_of_a_gaussian_is_exact():
    P = np.array([[2.0, 0.5], [0.5, 1.0]])
    mu = np.array([1.0, -2.0])

    def U(t):
        d = t - mu
        return 0.5 * anp.dot(d, anp.dot(P, d))

    res = ap.laplace_approximation(U, np.zeros(2))
    np.testing.assert_allclose(res.mode, mu, atol=1e-10)
    np.testing.assert_allclose(res.cov, np.linalg.inv(P), rtol=1e-10)
    np.testing.assert_allclose(res.log_evidence, np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(P)), rtol=1e-10)
    np.testing.assert_allclose(res.pdf(mu)[0], 1 / (2 * np.pi * np.sqrt(np.linalg.det(np.linalg.inv(P)))))


# ---------------------------------------------------------------------------
# Machine learning: influence functions
# ---------------------------------------------------------------------------

def test_influence_matches_leave_one_out_retraining():
    rng = np.random.default_rng(1)
    m, n_test = 200, 60
    X_all = np.hstack([rng.standard_normal((m + n_test, 4)), np.ones((m + n_test, 1))])
    w_true = np.array([1.0, -1.0, 0.5, 0.0, 0.2])
    y_all = (rng.random(m + n_test) < 1 / (1 + np.exp(-X_all @ w_true))).astype(float)
    X, y, Xt, yt = X_all[:m], y_all[:m], X_all[m:], y_all[m:]
    reg = 0.1

    def L(w):
        z = anp.dot(X, w)
        return anp.mean(anp.logaddexp(0.0, z) - y * z) + 0.5 * reg * anp.dot(w, w)

    def L_test(w):
        z = anp.dot(Xt, w)
        return anp.mean(anp.logaddexp(0.0, z) - yt * z)

    w_hat, _ = ap.fit_logistic_regression(X, y, reg=reg, sample_weight=np.full(m, 1.0 / m), tol=1e-14)
    np.testing.assert_allclose(gradient(L, w_hat), 0.0, atol=1e-12)
    p = 1 / (1 + np.exp(-X @ w_hat))
    G = (p - y)[:, None] * X
    np.testing.assert_allclose(G[7], gradient(lambda w: anp.logaddexp(0.0, X[7] @ w) - y[7] * (X[7] @ w), w_hat),
                               atol=1e-12)
    res = ap.influence_on_test_loss(L, w_hat, G, L_test)
    assert res.converged and res.n_matvec <= 5 + 1
    H = hessian(L, w_hat)
    np.testing.assert_allclose(res.s_test, np.linalg.solve(H, gradient(L_test, w_hat)), rtol=1e-8)
    actual = ap.leave_one_out_test_loss_change(X, y, reg, lambda w: float(L_test(w)), w_hat)
    assert np.corrcoef(res.predicted, actual)[0, 1] > 0.99
    assert np.max(np.abs(res.predicted - actual)) < 0.1 * np.max(np.abs(actual))


def test_influence_refuses_indefinite_hessian():
    def f(w):
        return w[0] ** 2 - w[1] ** 2

    with pytest.raises(ValueError, match="not positive definite"):
        ap.influence_on_test_loss(f, np.zeros(2), np.ones((3, 2)), lambda w: w[1] ** 2 + w[1])


# ---------------------------------------------------------------------------
# Plots and widgets
# ---------------------------------------------------------------------------

def test_plot_mode_shapes_draws_computed_and_closed_form():
    from matplotlib.figure import Figure

    n = 6
    omega2, modes = ap.normal_modes(ap.spring_chain_stiffness(n))
    ax = Figure().subplots()
    ap.plot_mode_shapes(ax, modes, np.sqrt(omega2), which=(1, 3))
    gids = {line.get_gid() for line in ax.lines}
    assert {"mode-1", "mode-3", "closed-form-1", "closed-form-3"} <= gids
    line = next(line for line in ax.lines if line.get_gid() == "mode-3")
    np.testing.assert_allclose(line.get_ydata()[[0, -1]], 0.0)
    closed = next(line for line in ax.lines if line.get_gid() == "closed-form-3")
    x, yv = closed.get_data()
    np.testing.assert_allclose(np.interp(np.arange(1, n + 1), x, yv), modes[:, 2], atol=2e-3)


@pytest.fixture
def displayed(monkeypatch):
    record = {"objects": [], "updates": []}

    class Handle:
        def update(self, obj):
            record["updates"].append(obj)

    def fake_display(obj, display_id=None):
        record["objects"].append((obj, display_id))
        return Handle() if display_id else None

    monkeypatch.setattr(IPython.display, "display", fake_display)
    return record


def test_spring_chain_explorer_redraws_and_clamps_mode(displayed):
    box = widgets_applications.spring_chain_explorer(n_masses=8, mode=3)
    assert box.state["n_draws"] == 1 and len(displayed["objects"]) == 2
    np.testing.assert_allclose(box.state["omega"], box.state["omega_closed_form"], rtol=1e-12)
    box.controls["mode"].value = 5
    assert box.state["mode"] == 5 and displayed["updates"]
    box.controls["n_masses"].value = 4
    assert box.state["n_masses"] == 4 and box.state["mode"] == 4 and box.controls["mode"].max == 4
    assert box.state["omega"].shape == (4,)


def test_laplace_explorer_state_follows_slider(displayed):
    box = widgets_applications.laplace_explorer(trials=10, show=True)
    tv10 = box.state["tv"]
    assert box.state["successes"] == 3 and abs(box.state["mode"] - 0.3) < 1e-8
    box.controls["trials"].value = 200
    assert box.state["successes"] == 60 and box.state["tv"] < tv10
    box_quiet = widgets_applications.laplace_explorer(trials=20, show=False)
    assert box_quiet.state["n_draws"] == 1


def test_one_logistic_sigmoid_for_irls_and_the_autograd_losses():
    from hvplib.hvp import logistic

    z = np.linspace(-800.0, 800.0, 4001)
    np.testing.assert_allclose(logistic(z), 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700))), rtol=1e-12, atol=1e-16)   # absolute accuracy in the tail
    np.testing.assert_allclose(gradient(lambda t: logistic(t[0]), np.array([0.3]))[0],
                               logistic(0.3) * (1 - logistic(0.3)), rtol=1e-12)     # σ' = σ(1 − σ), by autograd
