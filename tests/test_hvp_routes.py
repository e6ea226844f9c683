"""Reverse-over-forward and complex-step HVPs (hvplib.hvp_routes) and their measured memory (chapter 03)."""
import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize as so
from autograd import hessian as ag_hessian

import hvplib as hv
from hvplib.course.hvp_memory import ROUTES, peak_bytes, route_peak_bytes
from hvplib.problems import rosenbrock


def analytic(x):
    return anp.sum(anp.sin(x[1:] * x[:-1])) + anp.sum(x**4) / 4 + anp.sum(anp.exp(0.3 * x))


@pytest.fixture(scope="module")
def point():
    rng = np.random.default_rng(7)
    return rng.uniform(-1, 1, size=12), rng.normal(size=12)


@pytest.mark.parametrize("f", [rosenbrock, analytic])
def test_new_routes_match_autograd_dense_hessian(f, point):
    x, v = point
    Hv = ag_hessian(f)(x) @ v
    np.testing.assert_allclose(hv.hvp_reverse_over_forward(f, x, v), Hv, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hv.hvp_complex_step(f, x, v), Hv, rtol=1e-13, atol=1e-12)


def test_complex_step_is_exact_where_differences_fail(point):
    x, v = point
    exact = so.rosen_hess_prod(x, v)
    for h in (1e-20, 1e-100):                      # no cancellation: any tiny step works
        cs = hv.hvp_complex_step(rosenbrock, x, v, h=h)
        assert np.linalg.norm(cs - exact) <= 1e-14 * np.linalg.norm(exact)
    # the same tiny step kills a finite difference: x ± εv rounds back to x
    fd = hv.fd_hvp(lambda y: hv.gradient(rosenbrock, y), x, v, eps=1e-20)
    assert np.all(fd == 0.0)
    # a closed-form gradient that accepts complex input works too
    np.testing.assert_allclose(hv.hvp_complex_step(rosenbrock, x, v, grad_f=so.rosen_der), exact, rtol=1e-13, atol=1e-12)


def test_complex_step_truncation_is_second_order(point):
    x, v = point
    exact = ag_hessian(analytic)(x) @ v
    errs = [np.linalg.norm(hv.hvp_complex_step(analytic, x, v, h=h) - exact) for h in (1e-2, 1e-3)]
    np.testing.assert_allclose(errs[0] / errs[1], 100.0, rtol=0.05)      # O(h²)


def test_new_routes_refuse_bad_input(point):
    x, v = point
    with pytest.raises(ValueError, match="v"):
        hv.hvp_reverse_over_forward(rosenbrock, x, v[:3])
    with pytest.raises(TypeError, match="callable"):
        hv.hvp_reverse_over_forward(None, x, v)
    with pytest.raises(ValueError, match="h"):
        hv.hvp_complex_step(rosenbrock, x, v, h=0.0)
    with pytest.raises(TypeError, match="grad_f"):
        hv.hvp_complex_step(rosenbrock, x, v, grad_f=3)
    with pytest.raises(TypeError, match="complex input"):          # logaddexp has no complex rule
        hv.hvp_complex_step(lambda y: anp.sum(anp.logaddexp(0.0, y)), x, v)
    with pytest.raises(ValueError, match="x"):
        hv.hvp_complex_step(rosenbrock, np.full(12, np.nan), v)


def test_peak_bytes_sees_an_allocation_and_routes_order_as_measured():
    n = 20_000
    assert 8 * n <= peak_bytes(lambda: np.ones(n).sum()) < 8 * n + 10_000
    with pytest.raises(TypeError, match="call"):
        peak_bytes(3)
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-1, 1, n), rng.normal(size=n)
    peaks = route_peak_bytes(rosenbrock, x, v)
    assert list(peaks) == list(ROUTES)
    vectors = {k: p / (8 * n) for k, p in peaks.items()}            # in vectors of n float64
    # every exact route and the complex step hold a small multiple of the gradient's memory, never n² …
    assert all(vectors["gradient"] <= vectors[k] <= 3.0 * vectors["gradient"] for k in ROUTES)
    assert max(peaks.values()) < 1e-3 * 8 * n**2
    # … and central differences, two gradients one after the other, need the least of the HVP routes
    assert vectors["central_difference"] < min(vectors[k] for k in ROUTES if k not in ("gradient", "central_difference"))
    with pytest.raises(ValueError, match="unknown routes"):
        route_peak_bytes(rosenbrock, x, v, routes=("nope",))
