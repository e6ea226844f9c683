"""Tests of hvplib.landscape (block Hessians, saddles, GD with sharpness, batch norm) and its figures."""
import numpy as np
import pytest

import hvplib as hv
from hvplib import landscape
from hvplib.data import load_digits_split, one_hot
from hvplib.krylov import spectral_density

RNG = np.random.default_rng(0)
X_TOY = RNG.normal(size=(40, 4))
Y_TOY = RNG.integers(0, 3, size=40)


@pytest.fixture(scope="module")
def toy():
    net = hv.MLP([4, 6, 5, 3], activation="tanh", loss="softmax_cross_entropy")
    w = net.init_params(0)
    return net, w, net.hessian(w, X_TOY, Y_TOY)


# ---- autograd reference and blocks ------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "squared_error"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_autograd_loss_matches_the_hand_written_network(loss, activation):
    net = hv.MLP([4, 5, 3], activation=activation, loss=loss)
    y = Y_TOY if loss == "softmax_cross_entropy" else one_hot(Y_TOY, 3)
    w = net.init_params(1)
    f = landscape.autograd_loss(net, X_TOY, y)
    np.testing.assert_allclose(f(w), net.loss(w, X_TOY, y), rtol=1e-13)
    np.testing.assert_allclose(hv.gradient(f, w), net.grad(w, X_TOY, y), atol=1e-14)
    np.testing.assert_allclose(hv.hessian(f, w), net.hessian(w, X_TOY, y), atol=1e-13)


def test_layer_blocks_cover_the_parameters(toy):
    net, _, _ = toy
    blocks = landscape.layer_blocks(net)
    assert [(s.start, s.stop) for s in blocks] == [(0, 30), (30, 65), (65, 83)]


def test_block_summary_last_block_psd_hidden_blocks_indefinite(toy):
    net, _, H = toy
    rows = landscape.block_hessian_summary(net, H)
    assert len(rows) == 6                                  # 3 diagonal + 3 upper off-diagonal blocks
    diag = {r["k"]: r for r in rows if r["k"] == r["l"]}
    assert diag[3]["psd"] and diag[3]["eig_min"] > -1e-12
    assert not diag[1]["psd"] and not diag[2]["psd"]
    assert diag[1]["eig_min"] < -0.05 and diag[2]["eig_min"] < -0.05
    off = [r for r in rows if r["k"] != r["l"]]
    assert all(r["norm"] > 0.1 and "psd" not in r for r in off)
    with pytest.raises(ValueError, match="shape"):
        landscape.block_hessian_summary(net, H[:10, :10])


def test_last_block_equals_gauss_newton(toy):
    net, w, H = toy
    G = net.ggn_operator(w, X_TOY, Y_TOY) @ np.eye(net.num_params)
    last = landscape.layer_blocks(net)[-1]
    np.testing.assert_allclose(H[last, last], G[last, last], atol=1e-14)


# ---- the zero saddle --------------------------------------------------------------------------------

def test_zero_saddle_is_a_critical_point_with_paired_eigenvalues():
    net = hv.MLP([4, 6, 3], activation="tanh", loss="softmax_cross_entropy")
    w = landscape.zero_saddle(net, Y_TOY)
    assert np.linalg.norm(net.grad(w, X_TOY, Y_TOY)) < 1e-15
    eig = np.linalg.eigvalsh(net.hessian(w, X_TOY, Y_TOY))
    p = np.bincount(Y_TOY, minlength=3) / 40
    G = (p - np.eye(3)[Y_TOY]).T @ X_TOY / 40
    sv = np.linalg.svd(G, compute_uv=False)
    np.testing.assert_allclose(eig[0], -sv[0], rtol=1e-12)
    assert np.sum(np.isclose(eig, -sv[0], rtol=1e-9)) == 6      # once per hidden unit
    assert np.sum(np.isclose(eig, sv[0], rtol=1e-9)) == 6


def test_zero_saddle_squared_error_uses_the_mean_target():
    net = hv.MLP([4, 3, 2], activation="tanh", loss="squared_error")
    T = RNG.normal(size=(40, 2))
    w = landscape.zero_saddle(net, T)
    np.testing.assert_allclose(w[net.layer_slices()[-1].b], T.mean(axis=0))
    assert np.linalg.norm(net.grad(w, X_TOY, T)) < 1e-15


def test_zero_saddle_needs_every_class():
    net = hv.MLP([4, 3, 3], activation="tanh", loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match="class"):
        landscape.zero_saddle(net, np.zeros(5, dtype=int))


def test_permuting_hidden_units_keeps_the_function(toy):
    net, w, _ = toy
    perm = np.array([2, 0, 1, 5, 4, 3])
    w2 = landscape.permute_hidden_units(net, w, perm, layer=1)
    assert not np.allclose(w2, w)
    np.testing.assert_allclose(net.predict(w2, X_TOY), net.predict(w, X_TOY), atol=1e-14)
    w3 = landscape.permute_hidden_units(net, w, np.arange(5)[::-1], layer=2)
    np.testing.assert_allclose(net.loss(w3, X_TOY, Y_TOY), net.loss(w, X_TOY, Y_TOY), rtol=1e-14)
    with pytest.raises(ValueError):
        landscape.permute_hidden_units(net, w, np.array([0, 0, 1, 2, 3, 4]))
    with pytest.raises(ValueError):
        landscape.permute_hidden_units(net, w, perm, layer=3)


# ---- gradient descent with sharpness ----------------------------------------------------------------

def test_train_gd_matches_plain_gradient_descent_and_counts():
    net = hv.MLP([4, 5, 3], activation="tanh", loss="softmax_cross_entropy")
    w0 = net.init_params(0)
    run = landscape.train_gd(net, w0, X_TOY, Y_TOY, step=0.3, n_steps=25, sharpness_every=5, power_iters=2,
                             first_power_iters=10)
    w = w0.copy()
    for _ in range(25):
        w -= 0.3 * net.grad(w, X_TOY, Y_TOY)
    np.testing.assert_allclose(run.w, w, atol=1e-14)
    np.testing.assert_allclose(run.losses[-1], net.loss(w, X_TOY, Y_TOY), rtol=1e-13)
    assert run.losses.shape == (26,)
    np.testing.assert_array_equal(run.sharpness_steps, [0, 5, 10, 15, 20])
    assert run.n_grad == 26 and run.n_hvp == 10 + 4 * 2
    assert run.threshold == pytest.approx(2 / 0.3)
    np.testing.assert_array_equal(w0, net.init_params(0))      # the start is not modified


def test_train_gd_sharpness_is_lambda_max():
    net = hv.MLP([4, 5, 3], activation="tanh", loss="softmax_cross_entropy")
    w0 = net.init_params(0)
    run = landscape.train_gd(net, w0, X_TOY, Y_TOY, step=0.1, n_steps=1, sharpness_every=1,
                             first_power_iters=500)
    lam = np.linalg.eigvalsh(net.hessian(w0, X_TOY, Y_TOY))
    assert abs(run.sharpness[0] - lam[-1]) < 1e-6 * lam[-1]


def test_edge_of_stability_on_digits():
    X, y, _, _ = load_digits_split(200, scale="standardize", rng=0)
    net = hv.MLP([64, 64, 64, 10], activation="tanh", loss="squared_error")
    w0 = net.init_params(0)
    for eta in (0.3, 0.4):
        run = landscape.train_gd(net, w0, X, one_hot(y), step=eta, n_steps=600, sharpness_every=10)
        assert abs(run.late_sharpness() / run.threshold - 1) < 0.1
        assert run.losses[-1] < 0.05 * run.losses[0]


def test_train_gd_reports_divergence():
    net = hv.MLP([4, 5, 3], activation="tanh", loss="squared_error")
    with pytest.raises(FloatingPointError, match="diverged"):
        landscape.train_gd(net, net.init_params(0), X_TOY, one_hot(Y_TOY, 3), step=1e3, n_steps=50)


# ---- batch norm --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bn():
    net = landscape.BatchNormNet(4, 5, 3)
    X = np.random.default_rng(1).normal(size=(32, 4))
    y = np.random.default_rng(2).integers(0, 3, size=32)
    return net, net.init_params(0), X, y


def test_bn_output_invariant_in_training_mode_only(bn):
    net, theta, X, y = bn
    z = net.logits(theta, X)
    np.testing.assert_allclose(net.logits(theta + 0.8 * net.shift_direction(), X), z, atol=1e-13)
    scaled = theta + 1.5 * net.scale_direction(theta)         # α = 2.5
    np.testing.assert_allclose(net.logits(scaled, X), z, atol=1e-4)
    mu, var = net.batch_statistics(theta, X)
    z_eval = net.logits(theta, X, "eval", mu, var)
    np.testing.assert_allclose(z_eval, z, atol=1e-14)
    assert np.abs(net.logits(theta + 0.8 * net.shift_direction(), X, "eval", mu, var) - z).max() > 0.01
    with pytest.raises(ValueError, match="running"):
        net.logits(theta, X, "eval")


def test_bn_flat_directions_and_scale_identity(bn):
    net, theta, X, y = bn
    L = net.loss_function(X, y)
    v_shift = net.shift_direction(unit=2)
    assert np.linalg.norm(hv.hvp(L, theta, v_shift)) < 1e-14          # Hv = 0 exactly for the shift
    u = net.scale_direction(theta)
    Hu = hv.hvp(L, theta, u)
    g = hv.gradient(L, theta)
    g_u = np.where(u != 0, g, 0.0)
    v = np.random.default_rng(3).normal(size=net.num_params)
    v *= np.linalg.norm(u) / np.linalg.norm(v)
    assert abs(u @ Hu) < 1e-3 * abs(v @ hv.hvp(L, theta, v))          # uᵀHu ≈ 0 ...
    assert np.linalg.norm(Hu) > 0.05                                  # ... but Hu ≠ 0:
    assert np.linalg.norm(Hu + g_u) < 1e-3 * np.linalg.norm(g_u)      # Hu = −∇_u L (up to ε)
    net0 = landscape.BatchNormNet(4, 5, 3, eps=0.0)
    L0 = net0.loss_function(X, y)
    res = hv.hvp(L0, theta, u) + np.where(u != 0, hv.gradient(L0, theta), 0.0)
    assert np.linalg.norm(res) < 1e-13                                # exact without ε


def test_bn_layout():
    net = landscape.BatchNormNet(3, 4, 2)
    assert net.num_params == 4 * 3 + 4 + 4 + 4 + 2 * 4 + 2
    assert net.slices["b2"].stop == net.num_params
    theta = net.init_params(0)
    np.testing.assert_array_equal(theta[net.slices["gamma"]], 1.0)


# ---- broadening, figures and the widget ---------------------------------------------------------------

def test_broaden_integrates_to_one_and_matches_spectral_density():
    A = np.diag(np.linspace(0, 1, 50))
    res = spectral_density(A, n_probes=3, n_steps=20, rng=0)
    d = landscape.broaden(res.nodes, res.weights, res.grid, res.sigma)
    np.testing.assert_allclose(d, res.density, rtol=1e-6)
    eig = np.linspace(0, 1, 50)
    grid = np.linspace(-1, 2, 3001)
    exact = landscape.broaden(eig, np.full(50, 1 / 50), grid, 0.05)
    assert np.trapezoid(exact, grid) == pytest.approx(1.0, abs=1e-9)


def test_plots_and_widget_build():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hvplib import plotting_landscape, widgets_landscape

    net = hv.MLP([3, 4, 2], activation="tanh", loss="softmax_cross_entropy")
    w = net.init_params(0)
    H = net.hessian(w, X_TOY[:, :3], Y_TOY % 2)
    fig, ax = plt.subplots()
    plotting_landscape.plot_block_matrix(ax, H, landscape.layer_blocks(net))
    assert len([p for p in ax.patches if (p.get_gid() or "").startswith("block-")]) == 2
    plt.close(fig)

    run = landscape.train_gd(net, w, X_TOY[:, :3], Y_TOY % 2, step=0.5, n_steps=10, sharpness_every=5)
    fig, (a1, a2) = plt.subplots(1, 2)
    plotting_landscape.plot_sharpness(a1, [run])
    plotting_landscape.plot_losses(a2, [run])
    assert any(line.get_gid() == "threshold-0.5" for line in a1.lines)
    plt.close(fig)

    A = np.diag(np.linspace(0, 1, 40))
    res = spectral_density(A, n_probes=2, n_steps=10, rng=0)
    box = widgets_landscape.density_explorer(res.nodes, res.weights, eigenvalues=np.linspace(0, 1, 40), show=False)
    l1_default = box.state["l1"]
    box.controls["sigma"].value = 0.1
    assert box.state["n_draws"] == 2 and box.state["l1"] < l1_default


def test_the_one_descent_loop_matches_the_closed_form_and_stops_on_divergence():
    A = np.diag([1.0, 4.0])
    w0 = np.array([1.0, 1.0])
    seen = []
    run = landscape.fixed_step_descent(lambda k, w: (0.5 * w @ A @ w, A @ w), w0, 0.1, 20,
                                       lambda k, w, E: seen.append(E))
    np.testing.assert_allclose(run.w, np.linalg.matrix_power(np.eye(2) - 0.1 * A, 20) @ w0, rtol=1e-12)
    assert (run.n_grad, run.diverged, run.stopped_at, len(seen)) == (21, False, 20, 21)
    blow_up = landscape.fixed_step_descent(lambda k, w: (0.5 * w @ A @ w, A @ w), w0, 1e200, 5,
                                           lambda k, w, E: None)
    assert blow_up.diverged and np.all(np.isfinite(blow_up.w))          # η ≫ 2/λ_max: the last finite iterate
