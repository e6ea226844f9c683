"""Tests of hvplib.lab: pass costs, the trainers' books, damped Hessian-free, the quadratic model, the widget."""
import numpy as np
import pytest

import hvplib as hv
from hvplib import lab
from hvplib.data import one_hot

RNG = np.random.default_rng(0)
X_TOY = RNG.normal(size=(60, 4))
Y_TOY = (X_TOY[:, 0] + X_TOY[:, 1] > 0).astype(int) + (X_TOY[:, 2] > 0.5).astype(int)   # 3 classes


@pytest.fixture(scope="module")
def toy():
    net = hv.MLP([4, 6, 3], activation="tanh", loss="softmax_cross_entropy")
    return net, net.init_params(0)


# ---- costs --------------------------------------------------------------------------------------------

def test_pass_costs_of_the_lab_network_count_layer_products():
    costs = lab.pass_costs(hv.MLP([64, 32, 10], loss="softmax_cross_entropy"))
    grad = 2 * 64 * 32 + 3 * 32 * 10                               # 5056 multiply-adds per row
    assert costs["grad"] == 1.0
    np.testing.assert_allclose(costs["loss"], (64 * 32 + 32 * 10) / grad)                   # 0.468
    np.testing.assert_allclose(costs["gnvp"], (3 * 64 * 32 + 5 * 32 * 10) / grad)           # 1.532
    np.testing.assert_allclose(costs["gnvp_cached"], (2 * 64 * 32 + 4 * 32 * 10) / grad)    # 1.063
    np.testing.assert_allclose(costs["hvp"], (4 * 64 * 32 + 9 * 32 * 10) / grad)            # 2.190
    np.testing.assert_allclose(costs["hvp_cached"], (2 * 64 * 32 + 6 * 32 * 10) / grad)     # 1.190
    assert round(costs["gnvp"], 3) == 1.532 and round(costs["hvp"], 3) == 2.19


def test_pass_costs_deep_network_hvp_tends_to_three_gradients():
    costs = lab.pass_costs(hv.MLP([100, 100, 100, 100, 100, 100]))
    np.testing.assert_allclose(costs["hvp"], (4 + 4 * 9) / (2 + 4 * 3))                     # 40/14
    np.testing.assert_allclose(costs["gnvp"], (3 + 4 * 5) / (2 + 4 * 3))


def test_accuracy(toy):
    net, w = toy
    pred = np.argmax(net.predict(w, X_TOY), axis=1)
    assert lab.accuracy(net, w, X_TOY, pred) == 1.0
    assert lab.accuracy(net, w, X_TOY, (pred + 1) % 3) == 0.0


# ---- gradient descent -----------------------------------------------------------------------------------

def test_gradient_descent_iterates_and_books(toy):
    net, w0 = toy
    run = lab.train_gradient_descent(net, w0, X_TOY, Y_TOY, step=0.5, n_steps=20, X_test=X_TOY[:10], y_test=Y_TOY[:10])
    ref = hv.landscape.train_gd(net, w0, X_TOY, Y_TOY, step=0.5, n_steps=20)
    np.testing.assert_allclose(run.loss, ref.losses, rtol=1e-13)
    np.testing.assert_allclose(run.w, ref.w, rtol=1e-13)
    assert list(run.n_grad) == list(range(1, 22)) and not run.n_loss.any() and not run.n_products.any()
    np.testing.assert_array_equal(run.grad_equivalents, run.n_grad)
    assert run.n_updates == 20 and not run.diverged
    np.testing.assert_allclose(run.test_accuracy[-1], lab.accuracy(net, run.w, X_TOY[:10], Y_TOY[:10]))
    # first_reaching / cost_to_reach
    target = run.loss[7]
    k = run.first_reaching(target)
    assert k is not None and k <= 7 and run.cost_to_reach(target) == k + 1
    assert run.first_reaching(-1.0) is None and run.cost_to_reach(-1.0) is None


def test_gradient_descent_reports_divergence():
    net = hv.MLP([2, 1], loss="squared_error")                     # linear least squares
    X = RNG.normal(size=(30, 2)) * 3
    t = RNG.normal(size=(30, 1))
    run = lab.train_gradient_descent(net, np.zeros(3), X, t, step=100.0, n_steps=2000)
    assert run.diverged and run.n_updates < 2000 and np.all(np.isfinite(run.loss))


def test_gradient_descent_checks_test_pair(toy):
    net, w0 = toy
    with pytest.raises(ValueError, match="both"):
        lab.train_gradient_descent(net, w0, X_TOY, Y_TOY, 0.1, 2, X_test=X_TOY)


# ---- damped CG and Hessian-free -------------------------------------------------------------------------

def test_damped_cg_solves_the_damped_system_and_tracks_Cp():
    """The Hessian-free trainer's solve is krylov.cg_solve with damping: (C + λI) p = −g, C p kept."""
    M = RNG.normal(size=(8, 8))
    C = M @ M.T
    g = RNG.normal(size=8)
    res = hv.krylov.cg_solve(lambda v: C @ v, -g, damping=0.3, rtol=1e-12, max_iter=100)
    np.testing.assert_allclose(res.x, np.linalg.solve(C + 0.3 * np.eye(8), -g), rtol=1e-8)
    np.testing.assert_allclose(res.cx, C @ res.x, rtol=1e-8)
    assert not res.negative_curvature and res.n_matvec <= 9
    # warm start: one extra product, same answer
    warm = hv.krylov.cg_solve(lambda v: C @ v, -g, x0=0.9 * res.x, damping=0.3, rtol=1e-12, max_iter=100)
    np.testing.assert_allclose(warm.x, res.x, rtol=1e-8)
    np.testing.assert_allclose(warm.cx, C @ warm.x, rtol=1e-8)
    # the public cg with damping agrees, on the dense matrix
    dense = hv.cg(C, -g, tol=1e-12, damping=0.3)
    np.testing.assert_allclose(dense.x, res.x, rtol=1e-10)


def test_damped_cg_stops_on_negative_curvature():
    C = np.diag([1.0, -5.0])
    res = hv.krylov.cg_solve(lambda v: C @ v, -np.array([1.0, 1.0]), damping=0.1, rtol=1e-12, max_iter=10)
    assert res.negative_curvature and res.n_matvec >= 1
    assert res.direction @ (C + 0.1 * np.eye(2)) @ res.direction <= 0


def test_large_damping_gives_a_short_gradient_step(toy):
    net, w0 = toy
    lam = 1e6
    run = lab.hessian_free(net, w0, X_TOY, Y_TOY, n_iter=1, damping=lam, cg_max_iter=1, warm_start=0.0)
    g = net.grad(w0, X_TOY, Y_TOY)
    np.testing.assert_allclose(run.w, w0 - g / lam, rtol=1e-5, atol=1e-12)
    assert run.n_products[-1] == 1 and run.n_grad[-1] == 2 and run.n_loss[-1] == 1
    assert run.damping[1] == lam


def test_hessian_free_decreases_the_loss_and_keeps_books(toy):
    net, w0 = toy
    run = lab.hessian_free(net, w0, X_TOY, Y_TOY, n_iter=15, X_test=X_TOY, y_test=Y_TOY)
    assert np.all(np.diff(run.loss) <= 0)                           # Armijo: never up
    assert run.loss[-1] < 0.1 * run.loss[0]
    costs = lab.pass_costs(net)
    np.testing.assert_allclose(run.grad_equivalents,
                               run.n_grad + costs["loss"] * run.n_loss + costs["gnvp_cached"] * run.n_products)
    np.testing.assert_array_equal(np.diff(run.n_products), run.cg_iterations[1:])
    assert run.n_grad[0] == 1 and run.n_products[0] == 0 and np.isnan(run.damping[0])
    np.testing.assert_allclose(run.loss[-1], net.loss(run.w, X_TOY, Y_TOY), rtol=1e-12)
    np.testing.assert_allclose(run.cost_with(2.5) - run.grad_equivalents, (2.5 - costs["gnvp_cached"]) * run.n_products)


def test_hessian_free_with_the_hessian_and_squared_error():
    net = hv.MLP([4, 5, 3], activation="tanh", loss="squared_error")
    w0 = net.init_params(1)
    T = one_hot(Y_TOY, 3)
    run = lab.hessian_free(net, w0, X_TOY, T, n_iter=10, curvature="hessian", damping=0.5)
    assert np.all(np.diff(run.loss) <= 0) and run.loss[-1] < 0.5 * run.loss[0]
    assert run.product_cost == lab.pass_costs(net)["hvp_cached"]


def test_hessian_free_beats_gradient_descent_on_the_toy(toy):
    net, w0 = toy
    hf = lab.hessian_free(net, w0, X_TOY, Y_TOY, n_iter=30)
    gd = lab.train_gradient_descent(net, w0, X_TOY, Y_TOY, step=1.0, n_steps=400)
    target = 0.05
    assert hf.cost_to_reach(target) is not None
    assert gd.cost_to_reach(target) is None or hf.cost_to_reach(target) < gd.cost_to_reach(target)


def test_hessian_free_checks_arguments(toy):
    net, w0 = toy
    with pytest.raises(ValueError):
        lab.hessian_free(net, w0, X_TOY, Y_TOY, 2, curvature="fisher")
    with pytest.raises(ValueError, match="warm_start"):
        lab.hessian_free(net, w0, X_TOY, Y_TOY, 2, warm_start=1.0)
    with pytest.raises(TypeError, match="MLP"):
        lab.hessian_free("net", w0, X_TOY, Y_TOY, 2)


# ---- newton_cg with the Gauss–Newton product ------------------------------------------------------------

def test_train_newton_cg_books_match_the_result(toy):
    net, w0 = toy
    hist, res = lab.train_newton_cg(net, w0, X_TOY, Y_TOY, max_iter=8)
    assert hist.n_updates == res.nit
    assert hist.n_grad[-1] == res.ngev and hist.n_loss[-1] == res.nfev - 1 and hist.n_products[-1] == res.nhvp
    np.testing.assert_allclose(hist.loss, res.history["f"], rtol=1e-12)
    assert hist.product_cost == lab.pass_costs(net)["gnvp"]
    assert np.all(np.diff(hist.loss) < 0)


# ---- the quadratic model and the step size --------------------------------------------------------------

def test_quadratic_model_threshold_is_two_over_lambda_max():
    H = np.diag([4.0, 1.0, 0.5])
    g = np.array([1.0, 1.0, 1.0])
    _, below = lab.quadratic_model_descent(H, g, step=1.9 / 4.0, n_steps=200)
    values, above = lab.quadratic_model_descent(H, g, step=2.1 / 4.0, n_steps=200)
    assert below[-1] < 1e-6 * below[0]
    np.testing.assert_allclose(above[-1] / above[-2], 1.1, rtol=1e-6)     # |1 − ηλ_max| = 1.1
    assert values[-1] > 1e6
    # the model values from d = 0: m(d_1) = −η‖g‖² + ½η² gᵀHg
    vals, _ = lab.quadratic_model_descent(H, g, step=0.1, n_steps=1)
    np.testing.assert_allclose(vals[1], -0.1 * 3 + 0.5 * 0.01 * 5.5)


def test_step_size_runs_and_explorer(toy):
    net, w0 = toy
    lam = hv.power_iteration(net.ggn_operator(w0, X_TOY, Y_TOY), rng=0, tol=1e-10).eigenvalue
    runs = lab.step_size_runs(net, w0, X_TOY, Y_TOY, lam, [1.0, 2.5], n_steps=60)
    assert runs[1.0]["model_grad_norm"][-1] < runs[1.0]["model_grad_norm"][0]
    np.testing.assert_allclose(runs[2.5]["model_grad_norm"][-1] / runs[2.5]["model_grad_norm"][-2], 1.5, rtol=1e-3)
    np.testing.assert_allclose(runs[1.0]["step"], 1.0 / lam)
    box = lab.step_size_explorer(net, w0, X_TOY, Y_TOY, lam, multiple=1.0, n_steps=40, show=False)
    assert box.state["n_draws"] == 1 and box.state["model_growth"] < 1
    box.controls["multiple"].value = 3.0
    assert box.state["n_draws"] == 2 and box.state["model_growth"] > 1e6
    assert len(box.figure.axes) == 2
