"""Tests of hvplib.course.lab_baselines: heavy-ball momentum and SciPy's L-BFGS with the lab's books."""
import numpy as np
import pytest
from scipy.optimize import minimize

import hvplib as hv
from hvplib import lab
from hvplib.course import lab_baselines as base

RNG = np.random.default_rng(7)
X_TOY = RNG.normal(size=(48, 4))
Y_TOY = np.digitize(X_TOY @ np.array([1.0, -0.5, 0.3, 0.0]), [-0.5, 0.5])    # 3 classes by two thresholds


@pytest.fixture(scope="module")
def toy():
    """A 4 → 5 → 3 tanh classifier and its start."""
    net = hv.MLP([4, 5, 3], activation="tanh", loss="softmax_cross_entropy")
    return net, net.init_params(1)


# ---- momentum -------------------------------------------------------------------------------------------

def test_momentum_follows_the_heavy_ball_recurrence(toy):
    net, w0 = toy
    run = base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.3, momentum=0.8, n_steps=12)
    w, w_prev, losses = w0.copy(), w0.copy(), []
    for k in range(13):                                   # w_{k+1} = w_k − η∇E(w_k) + β(w_k − w_{k−1}), by hand
        losses.append(net.loss(w, X_TOY, Y_TOY))
        if k < 12:
            w, w_prev = w - 0.3 * net.grad(w, X_TOY, Y_TOY) + 0.8 * (w - w_prev), w
    np.testing.assert_allclose(run.loss, losses, rtol=1e-13)
    np.testing.assert_allclose(run.w, w, rtol=1e-13)
    assert list(run.n_grad) == list(range(1, 14)) and not run.n_loss.any() and not run.n_products.any()
    np.testing.assert_array_equal(run.grad_equivalents, run.n_grad)
    assert run.n_updates == 12 and not run.diverged and np.all(np.isnan(run.test_accuracy))
    np.testing.assert_allclose(run.train_accuracy[-1], lab.accuracy(net, w, X_TOY, Y_TOY))


def test_momentum_zero_is_the_labs_gradient_descent(toy):
    net, w0 = toy
    heavy = base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.5, momentum=0.0, n_steps=20,
                                X_test=X_TOY[:10], y_test=Y_TOY[:10])
    plain = lab.train_gradient_descent(net, w0, X_TOY, Y_TOY, step=0.5, n_steps=20, X_test=X_TOY[:10], y_test=Y_TOY[:10])
    np.testing.assert_allclose(heavy.loss, plain.loss, rtol=1e-13)
    np.testing.assert_allclose(heavy.w, plain.w, rtol=1e-13)
    np.testing.assert_array_equal(heavy.test_accuracy, plain.test_accuracy)
    np.testing.assert_array_equal(heavy.grad_equivalents, plain.grad_equivalents)


def test_momentum_on_a_quadratic_is_stable_below_two_one_plus_beta():
    """Linear least squares: the loss is a quadratic with top curvature λ; heavy ball is stable iff ηλ < 2(1 + β)."""
    net = hv.MLP([3, 1], loss="squared_error")
    X = RNG.normal(size=(40, 3))
    t = RNG.normal(size=(40, 1))
    w0 = np.zeros(4)
    lam = np.linalg.eigvalsh(net.hessian(w0, X, t)).max()            # the same at every w: a quadratic
    beta = 0.5
    stable = base.train_momentum(net, w0, X, t, step=0.95 * 2 * (1 + beta) / lam, momentum=beta, n_steps=3000)
    unstable = base.train_momentum(net, w0, X, t, step=1.05 * 2 * (1 + beta) / lam, momentum=beta, n_steps=3000)
    assert not stable.diverged and stable.loss[-1] < stable.loss[0]
    assert unstable.diverged or unstable.loss[-1] > 1e6 * unstable.loss[0]
    assert np.all(np.isfinite(unstable.loss))


def test_momentum_rejects_bad_arguments(toy):
    net, w0 = toy
    with pytest.raises(ValueError, match="momentum"):
        base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.1, momentum=1.0, n_steps=2)
    with pytest.raises(ValueError, match="momentum"):
        base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.1, momentum=float("nan"), n_steps=2)
    with pytest.raises(TypeError, match="momentum"):
        base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.1, momentum="0.9", n_steps=2)
    with pytest.raises(ValueError, match="step"):
        base.train_momentum(net, w0, X_TOY, Y_TOY, step=-0.1, n_steps=2)
    with pytest.raises(ValueError, match="n_steps"):
        base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.1, n_steps=0)
    with pytest.raises(ValueError, match="both"):
        base.train_momentum(net, w0, X_TOY, Y_TOY, step=0.1, n_steps=2, X_test=X_TOY)


# ---- L-BFGS ---------------------------------------------------------------------------------------------

def test_lbfgs_is_scipys_run_with_every_evaluation_counted(toy):
    net, w0 = toy
    run, result = base.train_lbfgs(net, w0, X_TOY, Y_TOY, max_iter=25, memory=5, X_test=X_TOY[:10], y_test=Y_TOY[:10])
    seen = []
    ref = minimize(lambda w: (seen.append(1), net.objective(X_TOY, Y_TOY).loss_and_grad(w))[1], w0, jac=True,
                   method="L-BFGS-B", options={"maxiter": 25, "maxcor": 5, "maxfun": 100, "ftol": 0.0, "gtol": 0.0})
    np.testing.assert_allclose(result.x, ref.x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(run.w, ref.x, rtol=1e-12, atol=1e-14)
    assert run.n_grad[-1] == result.nfev == ref.nfev == len(seen)
    assert result.nit == 25 and run.n_updates == 25
    np.testing.assert_allclose(run.loss[0], net.loss(w0, X_TOY, Y_TOY), rtol=1e-14)
    np.testing.assert_allclose(run.loss[-1], net.loss(run.w, X_TOY, Y_TOY), rtol=1e-12)
    assert run.n_grad[0] == 1 and np.all(np.diff(run.n_grad) >= 1)        # each iteration costs ≥ 1 evaluation
    assert np.all(np.diff(run.loss) <= 0)                                  # Wolfe line search: the loss never rises
    np.testing.assert_array_equal(run.grad_equivalents, run.n_grad)
    assert not run.n_loss.any() and not run.n_products.any()
    np.testing.assert_allclose(run.test_accuracy[-1], lab.accuracy(net, run.w, X_TOY[:10], Y_TOY[:10]))


def test_lbfgs_rejects_bad_arguments(toy):
    net, w0 = toy
    with pytest.raises(ValueError, match="max_iter"):
        base.train_lbfgs(net, w0, X_TOY, Y_TOY, max_iter=0)
    with pytest.raises(ValueError, match="memory"):
        base.train_lbfgs(net, w0, X_TOY, Y_TOY, memory=0)
    with pytest.raises(ValueError, match="both"):
        base.train_lbfgs(net, w0, X_TOY, Y_TOY, y_test=Y_TOY)


# ---- at_budget ------------------------------------------------------------------------------------------

def test_at_budget_is_the_last_iterate_paid_for(toy):
    net, w0 = toy
    hf = lab.hessian_free(net, w0, X_TOY, Y_TOY, n_iter=6)
    cost = hf.grad_equivalents
    for budget in (cost[0], 0.5 * (cost[2] + cost[3]), cost[4], 10 * cost[-1]):
        k = base.at_budget(hf, budget)
        assert cost[k] <= budget and (k == hf.n_updates or cost[k + 1] > budget)
    assert base.at_budget(hf, cost[3]) == 3 and base.at_budget(hf, 1e9) == hf.n_updates
    with pytest.raises(ValueError, match="budget"):
        base.at_budget(hf, 0.5 * cost[0])
    with pytest.raises(ValueError, match="budget"):
        base.at_budget(hf, -1.0)
    with pytest.raises(TypeError, match="run"):
        base.at_budget(hf.loss, 10.0)


def test_check_test_rows_returns_the_objectives_arrays(toy):
    net, _ = toy
    X_test, labels = lab.check_test_rows(net, X_TOY[:7], Y_TOY[:7], np.float32)
    ref = net.objective(X_TOY[:7], Y_TOY[:7])
    assert X_test.dtype == np.float32 and X_test.shape == (7, 4)
    np.testing.assert_allclose(X_test, ref.X, rtol=1e-6)
    np.testing.assert_array_equal(labels, ref.y)
    assert lab.check_test_rows(net, None, None) == (None, None)
    with pytest.raises(ValueError, match="X_test and y_test"):
        lab.check_test_rows(net, X_TOY, None)
