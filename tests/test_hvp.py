"""hvplib's HVP core against dense Hessians, closed forms and SciPy."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import rosen_hess_prod

import hvplib as hv

EXACT = ("forward_over_reverse", "reverse_over_reverse", "explicit")
SHAPES = [(1,), (2,), (5,), (3, 4), (2, 2, 3)]


def rel_err(a, b):
    return np.linalg.norm(np.ravel(a - b)) / max(np.linalg.norm(np.ravel(b)), 1e-300)


def random_function(rng, n):
    """A random smooth scalar function of x (any shape, n entries) built from a few pieces.

    Pieces: tanh of a linear map, exp, log1p of squares, sin·cos, a quadratic
    form, and a product of two pieces. Coefficients are kept moderate so every
    piece has curvature of order one.
    """
    A = rng.normal(size=(3, n)) / np.sqrt(n)
    c = rng.normal(size=3)
    w = rng.normal(size=n) * 0.3
    u = rng.normal(size=n) / np.sqrt(n)
    Q = rng.normal(size=(n, n)) / n
    pieces = [
        lambda z: anp.sum(anp.tanh(anp.dot(A, z) + c)),
        lambda z: anp.sum(anp.exp(w * z)),
        lambda z: anp.sum(anp.log1p(z**2)),
        lambda z: anp.sin(anp.dot(u, z)) * anp.cos(anp.sum(z) / n),
        lambda z: anp.dot(z, anp.dot(Q, z)),
    ]
    chosen = rng.choice(len(pieces), size=rng.integers(1, 4), replace=False)
    weights = rng.normal(size=len(chosen))
    multiply = rng.random() < 0.5

    def f(x):
        z = anp.reshape(x, (-1,))
        terms = [weights[i] * pieces[k](z) for i, k in enumerate(chosen)]
        total = terms[0]
        for t in terms[1:]:
            total = total * t if multiply else total + t
        return total

    return f


def dense_hessian(f, x):
    """Independent reference: autograd's own reverse-over-reverse Hessian tensor."""
    return np.asarray(autograd.hessian(f)(x)).reshape(x.size, x.size)


@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from(SHAPES))
def test_every_method_matches_the_dense_hessian(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    v = rng.normal(size=shape)
    f = random_function(rng, x.size)
    H = dense_hessian(f, x)
    expected = (H @ v.ravel()).reshape(shape)
    scale = np.linalg.norm(H) * np.linalg.norm(v) + 1e-12
    for method in EXACT:
        Hv = hv.hvp(f, x, v, method=method)
        assert Hv.shape == shape
        assert np.linalg.norm((Hv - expected).ravel()) <= 1e-12 * scale, method
    Hv_fd = hv.hvp(f, x, v, method="finite_difference")
    assert np.linalg.norm((Hv_fd - expected).ravel()) <= 1e-6 * scale
    np.testing.assert_allclose(hv.hessian(f, x), H, rtol=1e-12, atol=1e-12 * np.abs(H).max())


@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from(SHAPES))
def test_symmetry_and_linearity(seed, shape):
    rng = np.random.default_rng(seed)
    x, u, v = (rng.normal(size=shape) for _ in range(3))
    f = random_function(rng, x.size)
    Hu = hv.hvp(f, x, u)
    Hv = hv.hvp(f, x, v)
    scale = np.linalg.norm(Hu) * np.linalg.norm(v) + np.linalg.norm(Hv) * np.linalg.norm(u) + 1e-12
    assert abs(np.sum(u * Hv) - np.sum(v * Hu)) <= 1e-12 * scale
    a, b = 2.5, -0.75
    combined = hv.hvp(f, x, a * u + b * v, method="reverse_over_reverse")
    np.testing.assert_allclose(combined, a * Hu + b * Hv, rtol=1e-10, atol=1e-12 * scale)


def rosenbrock(x):
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@pytest.mark.parametrize("n", [2, 10, 100, 1000])
def test_rosenbrock_against_scipy_rosen_hess_prod(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(-1.5, 1.5, size=n)
    v = rng.normal(size=n)
    expected = rosen_hess_prod(x, v)
    methods = EXACT if n <= 100 else EXACT[:2]
    for method in methods:
        np.testing.assert_allclose(hv.hvp(rosenbrock, x, v, method=method), expected, rtol=1e-12, atol=1e-9)
    fd = hv.hvp(rosenbrock, x, v, method="finite_difference")
    assert rel_err(fd, expected) < 1e-7


def seed_function(a, b):
    return lambda p: a * p[0] ** 2 * p[1] ** 3 - b * anp.cos(p[1] * p[2])


def seed_hessian(a, b, x, y, z):
    """Closed form of the Hessian of a·x²y³ − b·cos(yz) (chapter 01)."""
    s, c = np.sin(y * z), np.cos(y * z)
    return np.array([
        [2 * a * y**3, 6 * a * x * y**2, 0.0],
        [6 * a * x * y**2, 6 * a * x**2 * y + b * z**2 * c, b * s + b * y * z * c],
        [0.0, b * s + b * y * z * c, b * y**2 * c],
    ])


@pytest.mark.parametrize("a,b,point", [(1.0, 2.0, (1.0, 2.0, 0.5)), (-0.5, 3.0, (0.3, -1.2, 2.0))])
def test_seed_function_against_closed_form(a, b, point):
    f = seed_function(a, b)
    p = np.array(point)
    H = seed_hessian(a, b, *point)
    np.testing.assert_allclose(hv.hessian(f, p), H, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(hv.hessian(f, p), hv.hessian(f, p).T, rtol=0, atol=1e-13)
    for k in range(3):
        e = np.eye(3)[k]
        for method in hv.HVP_METHODS:
            tol = 1e-8 if method == "finite_difference" else 1e-13
            np.testing.assert_allclose(hv.hvp(f, p, e, method=method), H[:, k], rtol=tol, atol=tol)
    x, y, z = point
    grad = np.array([2 * a * x * y**3, 3 * a * x**2 * y**2 + b * z * np.sin(y * z), b * y * np.sin(y * z)])
    np.testing.assert_allclose(hv.gradient(f, p), grad, rtol=1e-14)


# --- finite differences from a gradient oracle -----------------------------------------

def quartic_gradient(x):
    """∇ of Σ x⁴/4 + Σ sin(x): x³ + cos(x); its Hessian is diag(3x² − sin x)."""
    return x**3 + np.cos(x)


def quartic_hvp(x, v):
    return (3 * x**2 - np.sin(x)) * v


@pytest.mark.parametrize("scheme,tol", [("central", 1e-8), ("forward", 1e-6)])
@pytest.mark.parametrize("v_scale", [1e-3, 1.0, 1e3])
def test_fd_hvp_default_eps_is_robust_to_the_length_of_v(scheme, tol, v_scale):
    rng = np.random.default_rng(1)
    x = rng.normal(size=50)
    v = v_scale * rng.normal(size=50)
    got = hv.fd_hvp(quartic_gradient, x, v, scheme=scheme)
    assert rel_err(got, quartic_hvp(x, v)) < tol


def test_fd_error_follows_truncation_orders():
    """Central error falls like ε², forward like ε, while truncation dominates."""
    x = np.array([0.7, -1.1, 0.4])
    v = np.array([1.0, 0.5, -2.0])
    exact = quartic_hvp(x, v)
    errs = {s: [rel_err(hv.fd_hvp(quartic_gradient, x, v, eps=e, scheme=s), exact) for e in (1e-2, 1e-3)]
            for s in ("central", "forward")}
    assert 80 < errs["central"][0] / errs["central"][1] < 120
    assert 8 < errs["forward"][0] / errs["forward"][1] < 12


def test_default_eps_formula():
    x = np.full(4, 10.0)  # ‖x‖ = 20
    v = np.full(4, 0.5)   # ‖v‖ = 1
    u = np.finfo(np.float64).eps
    assert hv.default_eps(x, v, "central") == pytest.approx(u ** (1 / 3) * 20)
    assert hv.default_eps(x, v, "forward") == pytest.approx(u ** 0.5 * 20)
    assert hv.default_eps(x.astype(np.float32), v, "central") == pytest.approx(np.finfo(np.float32).eps ** (1 / 3) * 20)
    assert hv.default_eps(x, np.zeros(4)) == 0.0
    np.testing.assert_array_equal(hv.fd_hvp(quartic_gradient, x, np.zeros(4)), np.zeros(4))


# --- dtypes and shapes ---------------------------------------------------------------

def test_float32_keeps_its_precision_and_integers_become_float64():
    f = lambda x: anp.sum(anp.tanh(x) ** 2)
    x32 = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    v32 = np.ones((2, 3), dtype=np.float32)
    ref = hv.hvp(f, x32.astype(np.float64), v32.astype(np.float64))
    for method in hv.HVP_METHODS:
        out = hv.hvp(f, x32, v32, method=method)
        assert out.dtype == np.float32 and out.shape == (2, 3)
        assert rel_err(out, ref) < (1e-3 if method == "finite_difference" else 1e-5)
    xi = np.arange(4)
    out = hv.hvp(lambda x: anp.sum(x**3), xi, np.ones(4, dtype=int))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, 6.0 * xi)
    assert hv.gradient(f, x32).dtype == np.float32
    assert hv.hessian(f, x32).shape == (6, 6)


# --- the operator ------------------------------------------------------------------------

@pytest.mark.parametrize("method", hv.HVP_METHODS)
def test_hessian_operator_products_and_count(method):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 4))
    f = random_function(rng, x.size)
    H = dense_hessian(f, x)
    op = hv.HessianOperator(f, x, method=method)
    assert op.shape == (12, 12) and op.dtype == np.float64 and op.n_matvec == 0
    tol = 1e-7 if method == "finite_difference" else 1e-12
    V = rng.normal(size=(12, 3))
    for k in range(3):
        np.testing.assert_allclose(op @ V[:, k], H @ V[:, k], rtol=tol, atol=tol * np.abs(H).max())
    np.testing.assert_allclose(op.matmat(V), H @ V, rtol=tol, atol=tol * np.abs(H).max())
    assert op.n_matvec == 6
    np.testing.assert_allclose(op.rmatvec(V[:, 0]), H @ V[:, 0], rtol=tol, atol=tol * np.abs(H).max())
    op.reset_count()
    assert op.n_matvec == 0


def test_hessian_operator_with_scipy_cg_eigsh_and_minimize():
    from scipy.optimize import minimize
    from scipy.sparse.linalg import cg, eigsh

    A = np.diag(np.arange(1.0, 31.0))
    b = np.linspace(-1, 1, 30)
    quad = lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x)
    op = hv.HessianOperator(quad, np.zeros(30))
    sol, info = cg(op, b, rtol=1e-12, atol=0)
    assert info == 0
    np.testing.assert_allclose(sol, b / np.arange(1.0, 31.0), rtol=1e-9)
    vals = eigsh(op, k=3, which="LA", return_eigenvectors=False)
    np.testing.assert_allclose(np.sort(vals), [28.0, 29.0, 30.0], rtol=1e-10)
    res = minimize(rosenbrock, np.full(5, -0.5), jac=lambda x: hv.gradient(rosenbrock, x),
                   hessp=lambda x, p: hv.HessianOperator(rosenbrock, x) @ p, method="Newton-CG",
                   options={"xtol": 1e-10})
    np.testing.assert_allclose(res.x, np.ones(5), atol=1e-6)


def test_reverse_over_reverse_operator_reuses_its_graph_correctly():
    """The cached VJP must give H v for every new v, not the first one again."""
    x = np.array([0.3, -0.2, 1.1])
    op = hv.HessianOperator(seed_function(1.0, 2.0), x, method="reverse_over_reverse")
    H = seed_hessian(1.0, 2.0, *x)
    for k in range(3):
        np.testing.assert_allclose(op @ np.eye(3)[k], H[:, k], rtol=1e-13, atol=1e-13)


# --- bad input -------------------------------------------------------------------------

F = lambda x: anp.sum(x**2)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: hv.hvp(F, np.ones(3), np.ones(4)), ValueError, "v must have the same shape as x"),
        (lambda: hv.hvp(F, np.ones((3, 1)), np.ones(3)), ValueError, "v must have the same shape"),
        (lambda: hv.hvp(F, np.array([1.0, np.nan]), np.ones(2)), ValueError, "x must be finite"),
        (lambda: hv.hvp(F, np.ones(2), np.array([np.inf, 0.0])), ValueError, "v must be finite"),
        (lambda: hv.hvp(lambda x: x**2, np.ones(2), np.ones(2)), ValueError, "f must return a scalar"),
        (lambda: hv.hvp(lambda x: [1.0], np.ones(2), np.ones(2)), ValueError, "f must return a scalar"),
        (lambda: hv.hvp(F, np.ones(2) + 1j, np.ones(2)), TypeError, "x must be real"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2) * 1j), TypeError, "v must be real"),
        (lambda: hv.hvp(F, np.array([1.0, "a"], dtype=object), np.ones(2)), TypeError, "x must be a real"),
        (lambda: hv.hvp(F, np.array(["a", "b"]), np.ones(2)), TypeError, "x must be a real"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2), method="newton"), ValueError, "unknown method"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2), method=None), ValueError, "unknown method"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2), method="finite_difference", eps=0.0), ValueError, "eps"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2), method="finite_difference", eps=-1e-3), ValueError, "eps"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2), eps=float("nan")), ValueError, "eps"),
        (lambda: hv.hvp(F, np.ones(2), np.ones(2), eps="small"), TypeError, "eps"),
        (lambda: hv.hvp("f", np.ones(2), np.ones(2)), TypeError, "f must be a callable"),
        (lambda: hv.hvp(lambda x: anp.sum(anp.sqrt(x)), np.zeros(2), np.ones(2)), ValueError, "not finite"),
        (lambda: hv.fd_hvp(lambda x: x[:1], np.ones(2), np.ones(2)), ValueError, "grad_f must return"),
        (lambda: hv.fd_hvp(lambda x: x, np.ones(2), np.ones(2), scheme="backward"), ValueError, "unknown scheme"),
        (lambda: hv.fd_hvp(None, np.ones(2), np.ones(2)), TypeError, "grad_f must be a callable"),
        (lambda: hv.gradient(lambda x: x, np.ones(2)), ValueError, "f must return a scalar"),
        (lambda: hv.hessian(F, np.array([np.nan])), ValueError, "x must be finite"),
        (lambda: hv.HessianOperator(F, np.ones(3), method="dense"), ValueError, "unknown method"),
        (lambda: hv.HessianOperator(F, np.ones(3)) @ np.ones(4), ValueError, "dimension mismatch|v must have 3"),
        (lambda: hv.HessianOperator(F, np.ones(3)) @ np.array([1.0, np.nan, 0.0]), ValueError, "v must be finite"),
    ],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_complex_output_is_refused():
    with pytest.raises(TypeError, match="f must return a real scalar"):
        hv.hvp(lambda x: anp.sum(x) * 1j, np.ones(2), np.ones(2), method="finite_difference")


def test_every_registered_method_reaches_hvp_and_the_operator():
    """HVP methods are registered in one place; hvp and HessianOperator both take them from there."""
    from hvplib.hvp import HVP_REGISTRY

    assert hv.HVP_METHODS == tuple(HVP_REGISTRY)
    x = np.array([0.3, -0.7, 1.1])
    f = lambda y: anp.sum(anp.sin(y) * y**2) + y[0] * y[2]  # noqa: E731
    H = hv.hessian(f, x)
    v = np.array([1.0, 2.0, -0.5])
    for name, method in HVP_REGISTRY.items():
        rtol = 1e-6 if name == "finite_difference" else 1e-12
        np.testing.assert_allclose(hv.hvp(f, x, v, method=name), H @ v, rtol=rtol)
        np.testing.assert_allclose(method.at_point(f, x)(v), H @ v, rtol=rtol)
        op = hv.HessianOperator(f, x, method=name)
        np.testing.assert_allclose(op @ v, H @ v, rtol=rtol)
        assert op.n_matvec == 1
