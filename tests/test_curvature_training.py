"""Tests of chapter 08's modules: hvplib.fisher, kfac, krylov.diagonal, sam, hypergradient, stochastic, training,
jax_mlp. References: autograd on the same loss, the dense matrices, closed forms (ridge regression) and JAX."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import hvplib as hv
from hvplib import fisher, hypergradient, kfac, sam, stochastic, training
from hvplib.krylov import hutchinson_diagonal

RNG = np.random.default_rng(0)
NET = hv.MLP([3, 5, 4], activation="tanh", loss="softmax_cross_entropy")
X = RNG.normal(size=(7, 3))
Y = np.array([0, 1, 2, 3, 1, 2, 0])
W = NET.init_params(1) + 0.3 * RNG.normal(size=NET.num_params)
PRICES = {"grad": 1.0, "hvp_cached": 1.5, "gnvp_cached": 1.2}


def ag_logits(net, Xr):
    def out(w):
        z = Xr
        L = len(net.layer_slices())
        for l, s in enumerate(net.layer_slices()):
            Wl = anp.reshape(w[s.W], (net.layer_sizes[l + 1], net.layer_sizes[l]))
            z = anp.dot(z, Wl.T) + w[s.b]
            if l < L - 1:
                z = anp.tanh(z)
        return z
    return out


def ag_example_loss(net, x, label):
    out = ag_logits(net, x[None, :])
    return lambda w: -(out(w)[0, label] - anp.log(anp.sum(anp.exp(out(w)[0]))))


def ag_grads(net, w, Xr, labels):
    return np.array([autograd.grad(ag_example_loss(net, x, t))(w) for x, t in zip(Xr, labels)])


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def true_fisher_dense(net, w, Xr):
    p = softmax(net.predict(w, Xr))
    F = np.zeros((net.num_params, net.num_params))
    for n, x in enumerate(Xr):
        for k in range(p.shape[1]):
            g = autograd.grad(ag_example_loss(net, x, k))(w)
            F += p[n, k] * np.outer(g, g)
    return F / Xr.shape[0]


# ---- fisher ----------------------------------------------------------------------------------------

def test_per_example_gradients_match_autograd():
    np.testing.assert_allclose(fisher.per_example_gradients(NET, W, X, Y), ag_grads(NET, W, X, Y), atol=1e-13)


def test_empirical_fisher_product_matches_dense():
    Gn = ag_grads(NET, W, X, Y)
    F_emp = Gn.T @ Gn / len(X)
    v = RNG.normal(size=NET.num_params)
    np.testing.assert_allclose(fisher.empirical_fisher(NET, W, X, Y), F_emp, atol=1e-13)
    np.testing.assert_allclose(fisher.empirical_fisher_vp(NET, W, v, X, Y), F_emp @ v, atol=1e-12)


def test_true_fisher_is_gauss_newton():
    F = true_fisher_dense(NET, W, X)
    v = RNG.normal(size=NET.num_params)
    np.testing.assert_allclose(fisher.fisher_vp(NET, W, v, X), F @ v, atol=1e-12)
    np.testing.assert_allclose(NET.gnvp(W, v, X, Y), F @ v, atol=1e-12)
    assert not np.allclose(fisher.empirical_fisher_vp(NET, W, v, X, Y), F @ v, atol=1e-3)   # they differ


def test_sample_labels_follow_the_softmax():
    Xr = np.repeat(X[:1], 20000, axis=0)
    t = fisher.sample_labels(NET, W, Xr, rng=0)
    p = softmax(NET.predict(W, X[:1]))[0]
    freq = np.bincount(t, minlength=4) / t.size
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / t.size) + 1e-12)


def test_natural_gradient_solves_the_damped_system():
    F = true_fisher_dense(NET, W, X)
    g = NET.grad(W, X, Y)
    res = fisher.natural_gradient(NET.ggn_operator(W, X, Y), g, 0.1, rtol=1e-12)
    np.testing.assert_allclose(res.x, np.linalg.solve(F + 0.1 * np.eye(len(g)), g), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="damping"):
        fisher.natural_gradient(F, g, 0.0)
    with pytest.raises(TypeError, match="curvature"):
        fisher.natural_gradient(3, g, 0.1)


def test_bad_inputs_are_named():
    v = np.ones(NET.num_params)
    with pytest.raises(ValueError, match="X"):
        fisher.fisher_vp(NET, W, v, X[:, :2])
    with pytest.raises(ValueError, match="w"):
        fisher.empirical_fisher_vp(NET, W[:-1], v, X, Y)
    obj = NET.objective(X, Y)
    with pytest.raises(ValueError, match="step"):
        training.gd_run(obj, W, -0.1, 3, PRICES)
    with pytest.raises(ValueError, match="n_steps"):
        training.adam_run(obj, W, 0.1, 0, PRICES)
    with pytest.raises(ValueError, match="weight_decay"):
        hypergradient.weight_decay_hypergradient(obj, obj, W, 0.0)


def test_fisher_rejects_squared_error():
    net = hv.MLP([3, 2], loss="squared_error")
    with pytest.raises(ValueError, match="softmax_cross_entropy"):
        fisher.per_example_gradients(net, net.init_params(0), X, np.zeros((7, 2)))


# ---- kfac ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [0, 1])
def test_exact_block_is_the_fisher_block(layer):
    F = true_fisher_dense(NET, W, X)
    idx = kfac.layer_indices(NET, layer)
    np.testing.assert_allclose(kfac.exact_fisher_block(NET, W, X, layer), F[np.ix_(idx, idx)], atol=1e-13)


@pytest.mark.parametrize("layer", [0, 1])
def test_kfac_is_exact_for_one_example(layer):
    """With one example the input ā is fixed, so E[ssᵀ ⊗ āāᵀ] = E[ssᵀ] ⊗ āāᵀ: K-FAC has no error."""
    x = X[:1]
    F = true_fisher_dense(NET, W, x)
    idx = kfac.layer_indices(NET, layer)
    fac = kfac.kfac_factors(NET, W, x, labels="exact")
    np.testing.assert_allclose(kfac.kfac_block(fac, layer), F[np.ix_(idx, idx)], atol=1e-13)
    g = ag_grads(NET, W, x, Y[:1])[0]
    fac_emp = kfac.kfac_factors(NET, W, x, Y[:1], labels="empirical")
    np.testing.assert_allclose(kfac.kfac_block(fac_emp, layer), np.outer(g[idx], g[idx]), atol=1e-13)


def test_kfac_factors_and_direction():
    fac = kfac.kfac_factors(NET, W, X, Y, labels="sampled", rng=0)
    z = np.hstack([X, np.ones((7, 1))])
    np.testing.assert_allclose(fac.A[0], z.T @ z / 7, atol=1e-14)
    g = NET.grad(W, X, Y)
    d = kfac.kfac_direction(NET, fac, g, 0.04)
    for l in range(2):
        idx = kfac.layer_indices(NET, l)
        M = np.kron(fac.S[l] + 0.2 * np.eye(len(fac.S[l])), fac.A[l] + 0.2 * np.eye(len(fac.A[l])))
        np.testing.assert_allclose(d[idx], np.linalg.solve(M, g[idx]), rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match="labels"):
        kfac.kfac_factors(NET, W, X, Y, labels="model")


# ---- Hutchinson's diagonal ------------------------------------------------------------------------------

def test_hutchinson_diagonal():
    A = RNG.normal(size=(6, 6))
    A = A + A.T
    res = hutchinson_diagonal(A, 20000, rng=0)
    assert res.n_matvec == 20000 and res.samples.shape == (20000, 6)
    assert np.all(np.abs(res.estimate - np.diag(A)) < 5 * res.std_error)
    off = (A ** 2).sum(axis=1) - np.diag(A) ** 2                # variance of one probe: Σ_{j≠i} A_ij²
    np.testing.assert_allclose(res.samples.var(axis=0), off, rtol=0.05)
    D = np.diag([1.0, -2.0, 3.0])
    np.testing.assert_allclose(hutchinson_diagonal(D, 1, rng=0).estimate, [1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="n_probes"):
        hutchinson_diagonal(D, 0)


# ---- SAM ---------------------------------------------------------------------------------------------

def test_sam_first_order_error_is_second_order():
    obj = NET.objective(X, Y)
    g = obj.grad(W)
    np.testing.assert_allclose(sam.sam_gradient(obj, W, 0.1), obj.grad(W + 0.1 * g / np.linalg.norm(g)))
    errs = [np.linalg.norm(sam.sam_gradient(obj, W, r) - sam.sam_gradient_first_order(obj, W, r)) for r in (1e-2, 5e-3)]
    assert 3.5 < errs[0] / errs[1] < 4.5                             # O(ρ²)
    with pytest.raises(ValueError, match="zero"):
        sam.sam_perturbation(np.zeros(3), 0.1)
    with pytest.raises(ValueError, match="rho"):
        sam.sam_perturbation(np.ones(3), -1.0)


# ---- hypergradient: ridge regression has a closed form ------------------------------------------------

def test_weight_decay_hypergradient_against_ridge_closed_form():
    rng = np.random.default_rng(3)
    A, b = rng.normal(size=(30, 4)), rng.normal(size=(30, 1))
    C, d = rng.normal(size=(20, 4)), rng.normal(size=(20, 1))
    net = hv.MLP([4, 1], loss="squared_error")                    # linear: w = (W, b₀)
    tr, va = net.objective(A, b), net.objective(C, d)
    lam = 0.3
    Aa, Ca = np.hstack([A, np.ones((30, 1))]), np.hstack([C, np.ones((20, 1))])

    def w_star(lam):
        return np.linalg.solve(Aa.T @ Aa / 30 + lam * np.eye(5), Aa.T @ b[:, 0] / 30)

    ws = w_star(lam)
    w_fit, _ = hypergradient.fit_weight_decay(tr, np.zeros(5), lam, gtol=1e-12)
    np.testing.assert_allclose(w_fit, ws, atol=1e-10)
    res = hypergradient.weight_decay_hypergradient(tr, va, ws, lam, rtol=1e-12)
    Hm = Aa.T @ Aa / 30 + lam * np.eye(5)
    exact = -ws @ np.linalg.solve(Hm, Ca.T @ (Ca @ ws - d[:, 0]) / 20)
    np.testing.assert_allclose(res.value, exact, rtol=1e-10)
    V = lambda lam: 0.5 * np.sum((Ca @ w_star(lam) - d[:, 0]) ** 2) / 20
    np.testing.assert_allclose(res.value, (V(lam + 1e-5) - V(lam - 1e-5)) / 2e-5, rtol=1e-6)
    assert res.converged and res.n_matvec <= 5
    with pytest.raises(ValueError, match="same shape"):
        hypergradient.hypergradient(lambda v: v, np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="hvp"):
        hypergradient.hypergradient(None, np.ones(3), np.ones(3))


# ---- stochastic curvature --------------------------------------------------------------------------

def test_minibatch_hvps_and_subsampled_newton():
    v = RNG.normal(size=NET.num_params)
    full = NET.hvp(W, v, X, Y)
    np.testing.assert_allclose(stochastic.minibatch_hvps(NET, W, v, X, Y, 7, 2, rng=0), [full, full], atol=1e-14)
    step, res, alpha, n_loss = stochastic.subsampled_newton_step(NET, W, X, Y, 7, damping=1.5, rtol=1e-12,
                                                                 max_iter=200)
    assert res.converged
    H = NET.hessian(W, X, Y)
    np.testing.assert_allclose((H + 1.5 * np.eye(len(W))) @ res.x, -NET.grad(W, X, Y), atol=1e-9)
    np.testing.assert_allclose(step, alpha * res.x)
    assert NET.loss(W + step, X, Y) < NET.loss(W, X, Y) and alpha == 0.5 ** (n_loss - 1)
    _, res_gn, _, _ = stochastic.subsampled_newton_step(NET, W, X, Y, 7, curvature="gauss_newton", damping=0.1,
                                                        rtol=1e-12, max_iter=200)
    G = np.column_stack([NET.gnvp(W, e, X, Y) for e in np.eye(len(W))])
    np.testing.assert_allclose((G + 0.1 * np.eye(len(W))) @ res_gn.x, -NET.grad(W, X, Y), atol=1e-9)
    idx = stochastic.minibatch_indices(7, 3, rng=0)
    assert idx.shape == (3,) and len(set(idx)) == 3
    with pytest.raises(ValueError, match="batch_size"):
        stochastic.minibatch_indices(7, 8)


# ---- training runs -----------------------------------------------------------------------------------

def test_gd_and_adam_runs_match_hand_loops():
    obj = NET.objective(X, Y)
    run = training.gd_run(obj, W, 0.3, 5, PRICES)
    w = W.copy()
    for _ in range(5):
        w = w - 0.3 * obj.grad(w)
    np.testing.assert_allclose(run.w, w)
    np.testing.assert_allclose(run.grad_equivalents, np.arange(6.0))
    adam = training.adam_run(obj, W, 0.01, 3, PRICES)
    w, m, s = W.copy(), 0, 0
    for k in range(1, 4):
        g = obj.grad(w)
        m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9 ** k)) / (np.sqrt(s / (1 - 0.999 ** k)) + 1e-8)
    np.testing.assert_allclose(adam.w, w)
    with pytest.raises(ValueError, match="prices"):
        training.gd_run(obj, W, 0.3, 5, {})


def test_curvature_runs_first_steps():
    obj = NET.objective(X, Y)
    ng = training.natural_gradient_run(obj, W, 0.5, 1, PRICES, damping=0.1, cg_max_iter=200, cg_rtol=1e-12)
    F = true_fisher_dense(NET, W, X)
    np.testing.assert_allclose(ng.w, W - 0.5 * np.linalg.solve(F + 0.1 * np.eye(len(W)), obj.grad(W)), atol=1e-10)
    np.testing.assert_allclose(ng.grad_equivalents[-1], 1.0 + 1.2 * ng.products)
    s = training.sam_run(obj, W, 0.2, 0.05, 1, PRICES)
    np.testing.assert_allclose(s.w, W - 0.2 * sam.sam_gradient(obj, W, 0.05))
    s1 = training.sam_run(obj, W, 0.2, 0.05, 1, PRICES, first_order=True)
    np.testing.assert_allclose(s1.w, W - 0.2 * sam.sam_gradient_first_order(obj, W, 0.05))
    ah = training.adahessian_run(obj, W, 0.01, 1, PRICES, rng=0)
    z = np.random.default_rng(0).choice(np.array([-1.0, 1.0]), size=len(W))
    D = np.abs(z * (NET.hessian(W, X, Y) @ z))                   # first step: m̂ = g, √v̂ = |z ⊙ Hz|
    np.testing.assert_allclose(ah.w, W - 0.01 * obj.grad(W) / (D + 1e-8), rtol=1e-9)
    kf = training.kfac_run(obj, W, 0.5, 20, PRICES, damping=0.1, refresh=5, rng=0)
    assert kf.loss[-1] < kf.loss[0]
    np.testing.assert_allclose(kf.grad_equivalents[-1], 20 + 4)
    gd = training.gd_run(obj, W, 0.3, 20, PRICES, sharpness_every=10, rng=0)
    assert list(gd.sharpness_steps) == [0, 10, 20]
    lam = np.linalg.eigvalsh(NET.hessian(W, X, Y))
    np.testing.assert_allclose(gd.sharpness[0], lam[-1], rtol=1e-6)


# ---- JAX ---------------------------------------------------------------------------------------------

def test_jax_products_match_the_hand_written_ones():
    jax = pytest.importorskip("jax")
    from hvplib import jax_mlp

    jax.config.update("jax_enable_x64", True)
    v = RNG.normal(size=NET.num_params)
    f = jax_mlp.jax_loss(NET, X, Y)
    np.testing.assert_allclose(float(f(W)), NET.loss(W, X, Y), rtol=1e-14)
    Hv = NET.hvp(W, v, X, Y)
    for method in jax_mlp.JAX_HVP_METHODS:
        np.testing.assert_allclose(np.asarray(jax_mlp.jax_hvp(f, method)(W, v)), Hv, atol=1e-13)
    g, lin = jax_mlp.jax_linearized_hvp(f, W)
    np.testing.assert_allclose(np.asarray(g), NET.grad(W, X, Y), atol=1e-14)
    np.testing.assert_allclose(np.asarray(lin(v)), Hv, atol=1e-13)
    sq = hv.MLP([3, 4, 2], activation="softplus", loss="squared_error")
    ws, t = sq.init_params(0), RNG.normal(size=(7, 2))
    fs = jax_mlp.jax_loss(sq, X, t)
    np.testing.assert_allclose(np.asarray(jax_mlp.jax_hvp(fs)(ws, ws)), sq.hvp(ws, ws, X, t), atol=1e-13)
    with pytest.raises(ValueError, match="method"):
        jax_mlp.jax_hvp(f, "complex_step")


# ---- the chapter's explorer ---------------------------------------------------------------------------

def test_hutchinson_diagonal_explorer():
    pytest.importorskip("ipywidgets")
    from hvplib.views import curvature as views

    A = RNG.normal(size=(5, 5))
    A = A + A.T
    res = hutchinson_diagonal(A, 40, rng=1)
    errors = views.diagonal_errors(res.samples, np.diag(A))
    np.testing.assert_allclose(errors[-1], np.linalg.norm(res.estimate - np.diag(A)) / np.linalg.norm(np.diag(A)))
    box = views.hutchinson_diagonal_explorer(res.samples, np.diag(A), k=4, show=False)
    np.testing.assert_allclose(box.state["error"], errors[3])
    box.controls["k"].value = 40
    assert box.state["k"] == 40 and box.state["n_draws"] == 2
    np.testing.assert_allclose(box.state["error"], errors[-1])
    assert box.figure.axes[1].get_xlabel().startswith("probes")
    with pytest.raises(ValueError, match="samples"):
        views.diagonal_errors(res.samples, np.ones(3))
