"""Tests of the optional ``callback`` of hv.newton_cg (added for the lab of chapter 07)."""
import autograd.numpy as anp
import numpy as np
import pytest

import hvplib as hv


def rosenbrock(x):
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


X0 = np.array([-1.2, 1.0, -1.2, 1.0])


def test_callback_sees_every_accepted_iterate_with_its_counts():
    seen = []
    res = hv.newton_cg(rosenbrock, X0, tol=1e-10, callback=seen.append)
    assert res.success
    assert len(seen) == res.nit
    # the k-th call describes iterate k: its x and f are the history's, and one gradient per iterate
    for k, inter in enumerate(seen, start=1):
        np.testing.assert_array_equal(inter.x, res.history["x"][k])
        assert inter.fun == res.history["f"][k]
        assert inter.nit == k and inter.ngev == k + 1
    # counts only grow, and the last intermediate result is the final one
    for a, b in zip(seen, seen[1:]):
        assert b.nfev >= a.nfev + 1 and b.nhvp >= a.nhvp + 1
    last = seen[-1]
    assert (last.nfev, last.ngev, last.nhvp) == (res.nfev, res.ngev, res.nhvp)


def test_callback_does_not_change_the_run():
    plain = hv.newton_cg(rosenbrock, X0, tol=1e-10)
    watched = hv.newton_cg(rosenbrock, X0, tol=1e-10, callback=lambda r: None)
    np.testing.assert_array_equal(plain.x, watched.x)
    assert (plain.nit, plain.nfev, plain.ngev, plain.nhvp) == (watched.nit, watched.nfev, watched.ngev, watched.nhvp)


def test_callback_with_hessp_records_products():
    A = np.diag([1.0, 10.0, 100.0])
    f = lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.sum(x)
    counts = []
    res = hv.newton_cg(f, np.zeros(3), tol=1e-12, hessp=lambda x, p: A @ p, callback=lambda r: counts.append(r.nhvp))
    np.testing.assert_allclose(res.x, [1.0, 0.1, 0.01], rtol=1e-10)
    assert counts == [3] and res.nit == 1          # one Newton step, CG exact in 3 products on a 3×3 quadratic


def test_callback_must_be_callable():
    with pytest.raises(TypeError, match="callback"):
        hv.newton_cg(rosenbrock, X0, callback=3)
