"""Tests of hvplib.nn: the hand-written gradient, R-operator HVP and Gauss-Newton product of an MLP.

References are computed with autograd from the same loss written in autograd.numpy below.
"""
import functools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, eigsh

from hvplib.nn import ACTIVATIONS, LOSSES, MLP, CurvatureOperator

SIZES = {1: [3, 5, 2], 2: [3, 5, 4, 2], 3: [3, 5, 4, 3, 2]}
ACTS = list(ACTIVATIONS)
AG_ACT = {
    "tanh": anp.tanh,
    "sigmoid": lambda a: 1 / (1 + anp.exp(-a)),
    "relu": lambda a: anp.maximum(a, 0),
    "softplus": lambda a: anp.logaddexp(0, a),
}


# ---- reference (autograd) ------------------------------------------------------------------------

def ag_outputs(net, X):
    """w -> network outputs (N, n_out), written with autograd.numpy."""
    h = AG_ACT[net.activation]
    L = len(net.layer_sizes) - 1

    def out(w):
        z = X
        for l, s in enumerate(net.layer_sizes[:-1]):
            sl = net.layer_slices()[l]
            n_out = net.layer_sizes[l + 1]
            W = anp.reshape(w[sl.W], (n_out, s))
            a = anp.dot(z, W.T) + w[sl.b]
            z = h(a) if l < L - 1 else a
        return z

    return out


def ag_loss_of_outputs(net, y):
    """outputs (N, n_out) -> mean loss, written with autograd.numpy."""
    def E(out):
        N = out.shape[0]
        if net.loss_name == "squared_error":
            return 0.5 * anp.sum((out - y) ** 2) / N
        m = anp.max(out, axis=1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(out - m), axis=1)) + m[:, 0]
        return anp.mean(lse - out[np.arange(N), y])
    return E


def ag_loss(net, X, y):
    out, E = ag_outputs(net, X), ag_loss_of_outputs(net, y)
    return lambda w: E(out(w))


def make_problem(act, loss, depth, N, seed=0):
    rng = np.random.default_rng(seed + 100 * depth + N)
    net = MLP(SIZES[depth], activation=act, loss=loss)
    w = 0.8 * rng.normal(size=net.num_params)         # non-zero biases too
    X = rng.normal(size=(N, net.layer_sizes[0]))
    n_out = net.layer_sizes[-1]
    y = rng.integers(0, n_out, size=N) if loss == "softmax_cross_entropy" else rng.normal(size=(N, n_out))
    v = rng.normal(size=net.num_params)
    return net, w, v, X, y


@functools.lru_cache(maxsize=None)
def reference(act, loss, depth, N):
    """(problem, autograd loss, gradient, dense Hessian) — cached, float64."""
    net, w, v, X, y = make_problem(act, loss, depth, N)
    E = ag_loss(net, X, y)
    return (net, w, v, X, y), E(w), autograd.grad(E)(w), autograd.hessian(E)(w)


def rel_err(a, b):
    return np.linalg.norm(np.asarray(a, float) - b) / np.linalg.norm(b)


ALL_CASES = pytest.mark.parametrize("act", ACTS)
ALL_LOSSES = pytest.mark.parametrize("loss", LOSSES)


# ---- loss, gradient, HVP against autograd ---------------------------------------------------------

@ALL_CASES
@ALL_LOSSES
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("N", [1, 7, 32])
def test_loss_grad_hvp_match_autograd_float64(act, loss, depth, N):
    (net, w, v, X, y), E, g, H = reference(act, loss, depth, N)
    assert net.loss(w, X, y) == pytest.approx(E, rel=1e-12)
    g_ours = net.grad(w, X, y)
    assert g_ours.dtype == np.float64 and g_ours.shape == (net.num_params,)
    np.testing.assert_allclose(g_ours, g, rtol=1e-10, atol=1e-12 * np.abs(g).max())
    Hv = H @ v
    Hv_ours = net.hvp(w, v, X, y)
    assert Hv_ours.dtype == np.float64 and Hv_ours.shape == (net.num_params,)
    np.testing.assert_allclose(Hv_ours, Hv, rtol=1e-10, atol=1e-11 * np.abs(Hv).max())


@ALL_CASES
@ALL_LOSSES
@pytest.mark.parametrize("depth", [1, 3])
def test_loss_grad_hvp_float32_stay_float32(act, loss, depth):
    (net, w, v, X, y), E, g, H = reference(act, loss, depth, 7)
    w32, v32, X32 = w.astype(np.float32), v.astype(np.float32), X.astype(np.float32)
    y32 = y.astype(np.float32) if loss == "squared_error" else y
    E32 = net.loss(w32, X32, y32)
    assert E32.dtype == np.float32 and abs(E32 - E) <= 1e-4 * max(1.0, abs(E))
    for ours, ref in [(net.grad(w32, X32, y32), g), (net.hvp(w32, v32, X32, y32), H @ v),
                      (net.hessian_operator(w32, X32, y32) @ v32, H @ v)]:
        assert ours.dtype == np.float32
        assert rel_err(ours, ref) < 1e-3
    # float64 X and v with float32 w: computed (and returned) in w's dtype
    assert net.hvp(w32, v, X, y).dtype == np.float32
    assert net.predict(w32, X).dtype == np.float32


def test_integer_inputs_become_float64():
    net = MLP([2, 3, 1])
    w = np.arange(net.num_params) % 3 - 1                 # integer w
    X = np.array([[1, 2], [0, -1]])
    y = np.array([[1], [0]])
    v = np.ones(net.num_params, dtype=int)
    for out in (net.grad(w, X, y), net.hvp(w, v, X, y), net.predict(w, X)):
        assert out.dtype == np.float64
    ref = ag_loss(net, X.astype(float), y.astype(float))
    np.testing.assert_allclose(net.hvp(w, v, X, y), autograd.hessian(ref)(w.astype(float)) @ v, rtol=1e-12, atol=1e-14)


def test_dense_hessian_matches_autograd():
    (net, w, v, X, y), E, g, H = reference("tanh", "softmax_cross_entropy", 2, 7)
    H_ours = net.hessian(w, X, y)
    assert H_ours.shape == (net.num_params, net.num_params)
    np.testing.assert_allclose(H_ours, H, rtol=1e-10, atol=1e-12 * np.abs(H).max())


# ---- Gauss-Newton ----------------------------------------------------------------------------------

@ALL_CASES
@ALL_LOSSES
@pytest.mark.parametrize("depth,N", [(1, 7), (2, 1), (3, 7)])
def test_gnvp_matches_dense_jt_hl_j_and_is_psd(act, loss, depth, N):
    net, w, v, X, y = make_problem(act, loss, depth, N)
    J = autograd.jacobian(ag_outputs(net, X))(w)          # (N, n_out, P)
    out = ag_outputs(net, X)(w)
    n_out = out.shape[1]
    if loss == "squared_error":
        HL = np.stack([np.eye(n_out) / N] * N)
    else:
        p = np.exp(out - out.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        HL = np.stack([(np.diag(pn) - np.outer(pn, pn)) / N for pn in p])
    G = np.einsum("nkp,nkl,nlq->pq", J, HL, J)
    Gv = net.gnvp(w, v, X, y)
    np.testing.assert_allclose(Gv, G @ v, rtol=1e-10, atol=1e-12 * np.abs(G @ v).max())
    np.testing.assert_allclose(net.ggn_operator(w, X, y) @ v, Gv, rtol=1e-13, atol=1e-15)
    assert v @ Gv >= 0
    assert np.linalg.eigvalsh(G).min() >= -1e-12 * np.abs(G).max()
    rng = np.random.default_rng(1)
    for _ in range(5):
        u = rng.normal(size=net.num_params)
        assert u @ net.gnvp(w, u, X, y) >= -1e-14


def test_gnvp_equals_hessian_for_linear_model_with_squared_error():
    # no hidden layer: the network is linear in w, so H = G exactly
    net = MLP([4, 3], loss="squared_error")
    rng = np.random.default_rng(2)
    w, v = rng.normal(size=(2, net.num_params))
    X, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    np.testing.assert_allclose(net.gnvp(w, v, X, y), net.hvp(w, v, X, y), rtol=1e-13, atol=1e-15)


# ---- algebraic properties --------------------------------------------------------------------------

@ALL_CASES
@ALL_LOSSES
def test_hvp_symmetric_and_linear(act, loss):
    net, w, v, X, y = make_problem(act, loss, 2, 7)
    rng = np.random.default_rng(3)
    u = rng.normal(size=net.num_params)
    Hu, Hv = net.hvp(w, u, X, y), net.hvp(w, v, X, y)
    assert u @ Hv == pytest.approx(v @ Hu, rel=1e-10, abs=1e-13)
    np.testing.assert_allclose(net.hvp(w, 2.5 * u - 0.5 * v, X, y), 2.5 * Hu - 0.5 * Hv, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(net.hvp(w, np.zeros_like(v), X, y), 0.0, atol=0)


@ALL_CASES
@pytest.mark.parametrize("depth", [1, 3])
def test_softmax_shift_of_output_bias_is_flat(act, depth):
    net, w, v, X, y = make_problem(act, "softmax_cross_entropy", depth, 7)
    d = np.zeros(net.num_params)
    d[net.layer_slices()[-1].b] = 1.0                       # same constant on every output bias
    assert net.loss(w + 3.7 * d, X, y) == pytest.approx(net.loss(w, X, y), rel=1e-13)
    np.testing.assert_allclose(net.grad(w + 3.7 * d, X, y), net.grad(w, X, y), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.hvp(w, d, X, y), 0.0, atol=1e-15)
    np.testing.assert_allclose(net.gnvp(w, d, X, y), 0.0, atol=1e-15)
    assert d @ net.grad(w, X, y) == pytest.approx(0.0, abs=1e-15)


# ---- numerical stability ---------------------------------------------------------------------------

@ALL_CASES
@ALL_LOSSES
def test_saturated_units_and_huge_logits_stay_finite(act, loss):
    net, w, v, X, y = make_problem(act, loss, 2, 7)
    w = 1e3 * w                                             # |a| ~ 1e3: tanh and sigmoid saturate
    w[net.layer_slices()[-1].W] *= 10                       # logits ~ 1e4
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        E = net.loss(w, X, y)
        g, Hv, Gv = net.grad(w, X, y), net.hvp(w, v, X, y), net.gnvp(w, v, X, y)
        H_op = net.hessian_operator(w, X, y)
        Hv_op = H_op @ v
    assert np.abs(net.predict(w, X)).max() > 1e3
    assert np.isfinite(E) and E >= 0
    for arr in (g, Hv, Gv, Hv_op):
        assert np.all(np.isfinite(arr))
    np.testing.assert_array_equal(Hv_op, Hv)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("act", ACTS)
def test_activation_derivatives(act):
    h, d1, d2 = ACTIVATIONS[act]
    a = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 4.0])
    z, g1 = h(a), d1(a, h(a))
    g2 = d2(a, z, g1)
    ag_h = AG_ACT[act]
    np.testing.assert_allclose(z, ag_h(a), rtol=1e-14)
    np.testing.assert_allclose(g1, autograd.elementwise_grad(ag_h)(a), rtol=1e-13)
    ref2 = autograd.elementwise_grad(autograd.elementwise_grad(ag_h))(a)
    np.testing.assert_allclose(0.0 if g2 is None else g2, ref2, rtol=1e-12, atol=1e-15)
    big = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        zb = h(big)
        g1b = d1(big, zb)
        g2b = d2(big, zb, g1b)
    assert np.all(np.isfinite(zb)) and np.all(np.isfinite(g1b))
    assert g2b is None or np.all(np.isfinite(g2b))


def test_relu_conventions_at_zero():
    _, d1, d2 = ACTIVATIONS["relu"]
    a = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(d1(a, None), [0.0, 0.0, 1.0])   # h'(0) = 0
    assert d2(a, None, None) is None                                # h'' = 0
    net = MLP([2, 3, 2], activation="relu")
    w = np.ones(net.num_params)
    w[net.layer_slices()[0].b] = 0.0
    X = np.zeros((1, 2))                                            # a = 0 in every hidden unit
    g = net.grad(w, X, np.ones((1, 2)))
    np.testing.assert_array_equal(g[net.layer_slices()[0].b], 0.0)


# ---- operators --------------------------------------------------------------------------------------

def test_hessian_operator_matches_hvp_dense_and_counts():
    (net, w, v, X, y), E, g, H = reference("softplus", "softmax_cross_entropy", 3, 7)
    H_op = net.hessian_operator(w, X, y)
    assert isinstance(H_op, LinearOperator) and isinstance(H_op, CurvatureOperator)
    assert H_op.shape == (net.num_params, net.num_params) and H_op.dtype == np.float64
    assert H_op.n_matvec == 0
    np.testing.assert_allclose(H_op.gradient, g, rtol=1e-10, atol=1e-14)
    assert H_op.loss_value == pytest.approx(E, rel=1e-12)
    np.testing.assert_array_equal(H_op.matvec(v), net.hvp(w, v, X, y))
    assert H_op.n_matvec == 1
    np.testing.assert_allclose(H_op @ v, H @ v, rtol=1e-10, atol=1e-13)
    assert H_op.n_matvec == 2
    V = np.random.default_rng(4).normal(size=(net.num_params, 3))
    np.testing.assert_allclose(H_op @ V, H @ V, rtol=1e-10, atol=1e-12)
    assert H_op.n_matvec == 5
    np.testing.assert_allclose(H_op.rmatvec(v), H @ v, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(H_op.T @ v, H @ v, rtol=1e-10, atol=1e-13)
    assert H_op.n_matvec == 7


def test_hessian_operator_with_eigsh():
    (net, w, v, X, y), E, g, H = reference("tanh", "squared_error", 2, 32)
    lam = np.linalg.eigvalsh(H)
    H_op = net.hessian_operator(w, X, y)
    top = eigsh(H_op, k=2, which="LA", return_eigenvectors=False, v0=np.ones(net.num_params))
    np.testing.assert_allclose(np.sort(top), lam[-2:], rtol=1e-8)
    assert H_op.n_matvec > 2
    G_op = net.ggn_operator(w, X, y)
    (mu,), x = eigsh(G_op, k=1, which="LA", v0=np.ones(net.num_params))
    np.testing.assert_allclose(net.gnvp(w, x[:, 0], X, y), mu * x[:, 0], rtol=1e-6, atol=1e-9 * mu)
    assert mu > 0 and G_op.n_matvec > 1


def test_operator_float32():
    net, w, v, X, y = make_problem("sigmoid", "softmax_cross_entropy", 1, 7)
    w32 = w.astype(np.float32)
    for op in (net.hessian_operator(w32, X, y), net.ggn_operator(w32, X, y)):
        assert op.dtype == np.float32 and (op @ v).dtype == np.float32
        assert op.gradient.dtype == np.float32


# ---- parameters -------------------------------------------------------------------------------------

def test_pack_unpack_slices_and_init():
    net = MLP([3, 5, 4, 2], activation="relu")
    assert net.num_params == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    w = net.init_params(7)
    np.testing.assert_array_equal(w, net.init_params(7))
    np.testing.assert_array_equal(w, net.init_params(np.random.default_rng(7)))
    assert not np.array_equal(w, net.init_params(8))
    blocks = net.unpack(w)
    assert [(W.shape, b.shape) for W, b in blocks] == [((5, 3), (5,)), ((4, 5), (4,)), ((2, 4), (2,))]
    assert all(np.all(b == 0) for _, b in blocks)
    np.testing.assert_array_equal(net.pack(blocks), w)
    blocks[1][0][0, 0] = 42.0                               # views: writing changes w
    assert w[net.layer_slices()[1].W][0] == 42.0
    stops = [0]
    for s in net.layer_slices():
        assert s.W.start == stops[-1] and s.b.start == s.W.stop
        stops.append(s.b.stop)
    assert stops[-1] == net.num_params
    big = MLP([400, 300, 10], activation="tanh").init_params(0)
    W1 = big[:400 * 300]
    assert W1.std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    W1_relu = MLP([400, 300, 10], activation="relu").init_params(0)[:400 * 300]
    assert W1_relu.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)


def test_predict_and_repr():
    net, w, v, X, y = make_problem("tanh", "squared_error", 2, 7)
    np.testing.assert_allclose(net.predict(w, X), ag_outputs(net, X)(w), rtol=1e-13)
    assert "MLP([3, 5, 4, 2]" in repr(net) and str(net.num_params) in repr(net)


# ---- bad inputs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(layer_sizes=[3]), ValueError, "layer_sizes"),
    (dict(layer_sizes=[]), ValueError, "layer_sizes"),
    (dict(layer_sizes=[3, 0, 2]), ValueError, "layer_sizes"),
    (dict(layer_sizes=[3, -1]), ValueError, "layer_sizes"),
    (dict(layer_sizes=[3, 2.5]), TypeError, "layer_sizes"),
    (dict(layer_sizes=5), TypeError, "layer_sizes"),
    (dict(layer_sizes=[3, 2], activation="gelu"), ValueError, "activation"),
    (dict(layer_sizes=[3, 2], loss="hinge"), ValueError, "loss"),
    (dict(layer_sizes=[3, 1], loss="softmax_cross_entropy"), ValueError, "at least 2 outputs"),
])
def test_bad_network_is_refused(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MLP(**kwargs)


def _bad_inputs():
    ce = MLP([3, 4, 2], loss="softmax_cross_entropy")
    se = MLP([3, 4, 2], loss="squared_error")
    P = ce.num_params
    w, v, X = np.ones(P), np.ones(P), np.ones((5, 3))
    lab, t = np.array([0, 1, 1, 0, 1]), np.ones((5, 2))
    nan_w = w.copy()
    nan_w[3] = np.nan
    nan_X = X.copy()
    nan_X[1, 1] = np.inf
    return [
        ("w short", ce, (np.ones(P - 1), v, X, lab), ValueError, "w must be a 1-D vector of length"),
        ("w 2-D", ce, (np.ones((P, 1)), v, X, lab), ValueError, "w must be a 1-D"),
        ("w nan", ce, (nan_w, v, X, lab), ValueError, "w must be finite"),
        ("w complex", ce, (w + 1j, v, X, lab), TypeError, "w must be real"),
        ("w str", ce, ("abc", v, X, lab), TypeError, "w must be a real"),
        ("v long", ce, (w, np.ones(P + 1), X, lab), ValueError, "v must be a 1-D vector of length"),
        ("v nan", ce, (w, nan_w, X, lab), ValueError, "v must be finite"),
        ("X 1-D", ce, (w, v, np.ones(3), lab), ValueError, "X must be 2-D"),
        ("X columns", ce, (w, v, np.ones((5, 4)), lab), ValueError, r"X must be 2-D of shape \(N, 3\)"),
        ("X no rows", ce, (w, v, np.ones((0, 3)), lab[:0]), ValueError, "X must hold at least one"),
        ("X inf", ce, (w, v, nan_X, lab), ValueError, "X must be finite"),
        ("labels length", ce, (w, v, X, lab[:4]), ValueError, r"y \(labels\) must have shape"),
        ("labels range", ce, (w, v, X, lab + 1), ValueError, r"y \(labels\) must lie in 0 .. 1"),
        ("labels negative", ce, (w, v, X, lab - 1), ValueError, r"y \(labels\) must lie"),
        ("labels fraction", ce, (w, v, X, lab + 0.5), ValueError, r"y \(labels\) must be integers"),
        ("labels str", ce, (w, v, X, np.array(list("abaab"))), TypeError, r"y \(labels\) must be an integer"),
        ("labels one-hot", ce, (w, v, X, t), ValueError, r"y \(labels\) must have shape"),
        ("targets 1-D", se, (w, v, X, np.ones(5)), ValueError, r"y \(targets\) must have shape"),
        ("targets rows", se, (w, v, X, np.ones((4, 2))), ValueError, r"y \(targets\) must have shape"),
        ("targets nan", se, (w, v, X, np.full((5, 2), np.nan)), ValueError, "y must be finite"),
    ]


@pytest.mark.parametrize("case", _bad_inputs(), ids=lambda c: c[0])
def test_bad_inputs_raise_naming_the_argument(case):
    _, net, (w, v, X, y), exc, match = case
    name = case[0]
    calls = [lambda: net.hvp(w, v, X, y), lambda: net.gnvp(w, v, X, y)]
    if not name.startswith("v "):                            # only the products take v
        calls += [lambda: net.loss(w, X, y), lambda: net.grad(w, X, y),
                  lambda: net.hessian_operator(w, X, y), lambda: net.ggn_operator(w, X, y)]
    for call in calls:
        with pytest.raises(exc, match=match):
            call()


def test_float_labels_that_are_integers_are_accepted():
    net, w, v, X, y = make_problem("tanh", "softmax_cross_entropy", 1, 7)
    assert net.loss(w, X, y.astype(float)) == net.loss(w, X, y)


def test_other_bad_arguments():
    net = MLP([3, 4, 2])
    w = np.ones(net.num_params)
    with pytest.raises(TypeError, match="rng"):
        net.init_params("seed")
    with pytest.raises(ValueError, match="w must be a 1-D vector"):
        net.unpack(np.ones(3))
    with pytest.raises(ValueError, match="params"):
        net.pack([(np.ones((4, 3)), np.ones(4))])
    with pytest.raises(ValueError, match=r"params\[1\]"):
        net.pack([(np.ones((4, 3)), np.ones(4)), (np.ones((4, 2)), np.ones(2))])
    with pytest.raises(ValueError, match="X must be 2-D"):
        net.predict(w, np.ones((2, 5)))
    H_op = net.hessian_operator(w, np.ones((2, 3)), np.ones((2, 2)))
    bad = np.ones(net.num_params)
    bad[0] = np.nan
    with pytest.raises(ValueError, match="v must be finite"):
        H_op @ bad
    with pytest.raises(ValueError):
        H_op @ np.ones(net.num_params + 1)
    assert H_op.n_matvec == 0


def test_operator_keeps_its_point_and_resets_count():
    (net, w, v, X, y), E, g, H = reference("tanh", "softmax_cross_entropy", 1, 7)
    w2, X2 = w.copy(), X.copy()
    H_op = net.hessian_operator(w2, X2, y)
    w2 += 1.0                                               # the caller changes its arrays afterwards
    X2 *= 3.0
    np.testing.assert_allclose(H_op @ v, H @ v, rtol=1e-10, atol=1e-13)
    H_op.reset_count()
    assert H_op.n_matvec == 0
    assert "Hessian" in repr(H_op) and "Gauss-Newton" in repr(net.ggn_operator(w, X, y))
