"""Tests of hvplib.optimize and hvplib.problems: real values, honest counts, clean failures."""
import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize as so
from autograd import grad, value_and_grad

import hvplib
from hvplib import problems
from hvplib.optimize import (
    OptimizeResult,
    gradient_descent,
    hessp,
    modified_newton_direction,
    newton,
    newton_cg,
    truncated_cg,
)

OPTIMIZERS = [gradient_descent, newton, newton_cg]
HISTORY_KEYS = ("x", "f", "grad_norm", "n_evaluations", "time")


# ---------------------------------------------------------------------------
# Newton
# ---------------------------------------------------------------------------

def test_newton_solves_a_strongly_convex_quadratic_in_one_step():
    q = problems.make_quadratic(eigenvalues=[0.5, 2.0, 7.0, 40.0], rng=1)
    res = newton(q.f, q.x0)
    assert res.success and res.status == 0
    assert res.nit == 1
    np.testing.assert_allclose(res.x, np.linalg.solve(q.A, q.b), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.fun, q.f_star, rtol=1e-12)
    # start: f and g together; then one line-search trial (α = 1 accepted) and one gradient
    assert (res.nfev, res.ngev, res.nhev, res.nhvp) == (2, 2, 1, 0)
    assert res.n_evaluations == 2 + 2 + q.n


def test_newton_converges_quadratically_near_the_minimum():
    p = problems.make_rosenbrock(2)
    res = newton(p.f, p.x0, tol=1e-12)
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(2), atol=1e-12)
    errors = [np.linalg.norm(x - 1.0) for x in res.history["x"]]
    # e_{k+1} ≤ C e_k² once close (and above the rounding floor)
    close = [(e0, e1) for e0, e1 in zip(errors, errors[1:]) if e0 < 0.1 and e1 > 1e-15]
    assert len(close) >= 3
    for e0, e1 in close:
        assert e1 <= 50.0 * e0**2
    assert errors[-1] < 1e-12


def test_modified_newton_direction_flips_negative_curvature():
    H = np.diag([2.0, -4.0])
    g = np.array([2.0, 4.0])
    p = modified_newton_direction(H, g)
    np.testing.assert_allclose(p, [-1.0, -1.0])  # |λ| used: descends, not towards the saddle
    assert g @ p < 0


def test_newton_escapes_a_saddle_to_a_minimum():
    s = problems.make_saddle()
    res = newton(s.f, s.x0)
    assert res.success
    np.testing.assert_allclose(np.abs(res.x), s.x_star, atol=1e-8)
    assert np.all(np.linalg.eigvalsh(hvplib.hessian(s.f, res.x)) > 0)


# ---------------------------------------------------------------------------
# Gradient descent
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_exact_steepest_descent_attains_the_worst_case_rate(kappa):
    q = problems.make_quadratic(kappa=kappa, n=6, rng=2)
    res = gradient_descent(q.f, q.x0, step="exact", max_iter=25)
    gap = np.array(res.history["f"]) - q.f_star
    ratios = gap[1:] / gap[:-1]
    rho2 = ((kappa - 1) / (kappa + 1)) ** 2
    np.testing.assert_allclose(q.rate, rho2)
    np.testing.assert_allclose(ratios, rho2, rtol=1e-2)
    assert res.nhvp == res.nit  # one HVP per exact step


def test_exact_step_is_gTg_over_gTHg():
    q = problems.make_quadratic(kappa=5.0, n=3, rng=3)
    res = gradient_descent(q.f, q.x0, step="exact", max_iter=1)
    g = q.A @ q.x0 - q.b
    eta = (g @ g) / (g @ q.A @ g)
    np.testing.assert_allclose(res.x, q.x0 - eta * g, rtol=1e-12)


def test_exact_step_falls_back_to_backtracking_on_negative_curvature():
    s = problems.make_saddle()
    x0 = np.array([0.0, 0.1])  # g along y, where H_yy < 0
    res = gradient_descent(s.f, x0, step="exact", max_iter=200)
    assert res.success
    np.testing.assert_allclose(res.x, [0.0, 1.0], atol=1e-8)


def test_fixed_step_stability_threshold_two_over_lambda_max():
    q = problems.make_quadratic(eigenvalues=[1.0, 4.0], rng=4)
    stable = gradient_descent(q.f, q.x0, step=1.9 / 4.0, max_iter=2000)
    assert stable.success
    np.testing.assert_allclose(stable.x, q.x_star, atol=1e-8)
    unstable = gradient_descent(q.f, q.x0, step=2.1 / 4.0, max_iter=100)
    assert not unstable.success and unstable.grad_norm > stable.grad_norm
    assert unstable.history["grad_norm"][-1] > unstable.history["grad_norm"][0]


def test_gradient_descent_backtracking_on_logistic_regression():
    lr = problems.make_logistic_regression("synthetic", reg=0.1, m=200, d=5)
    res = gradient_descent(lr.f, lr.x0, tol=1e-7)
    assert res.success
    assert np.linalg.norm(hvplib.gradient(lr.f, res.x)) <= 1e-7
    exact = newton(lr.f, lr.x0, tol=1e-12)
    np.testing.assert_allclose(res.x, exact.x, atol=1e-6)  # ‖x − x*‖ ≤ ‖g‖/λ_min, λ_min ≥ 0.1
    assert res.nhvp == 0 and res.nfev >= res.ngev == res.nit + 1


def test_gradient_descent_stops_when_rounding_blocks_progress():
    lr = problems.make_logistic_regression("synthetic", reg=0.1, m=200, d=5)
    res = gradient_descent(lr.f, lr.x0, tol=1e-14, max_iter=5000)  # below what f's rounding resolves
    assert not res.success and res.status in (1, 2) and res.message
    assert res.grad_norm < 1e-7


# ---------------------------------------------------------------------------
# Newton-CG
# ---------------------------------------------------------------------------

def test_newton_cg_moves_away_from_a_saddle_to_a_true_minimum():
    s = problems.make_saddle()
    assert np.linalg.eigvalsh(hvplib.hessian(s.f, s.x0)).min() < 0  # the start sees negative curvature
    res = newton_cg(s.f, s.x0)
    assert res.success
    np.testing.assert_allclose(np.abs(res.x), s.x_star, atol=1e-8)
    np.testing.assert_allclose(res.fun, s.f_star, atol=1e-14)
    assert np.linalg.eigvalsh(hvplib.hessian(s.f, res.x)).min() > 0.5  # H = diag(1, 2) there


def test_newton_cg_escapes_from_right_beside_the_saddle():
    s = problems.make_saddle()
    res = newton_cg(s.f, np.array([0.0, 1e-6]))
    assert res.success
    np.testing.assert_allclose(res.x, [0.0, 1.0], atol=1e-8)


def test_truncated_cg_negative_curvature_exits():
    H = np.diag([1.0, -2.0])
    g = np.array([0.0, 1.0])  # -g lies along the negative-curvature direction
    p, neg = truncated_cg(lambda d: H @ d, g, eta=0.1, max_iter=4)
    assert neg
    np.testing.assert_allclose(p, [0.0, -0.5])  # (gᵀg/|gᵀHg|)(−g)
    # positive definite: CG solves to the forcing tolerance
    A = np.diag([1.0, 3.0, 10.0])
    p, neg = truncated_cg(lambda d: A @ d, np.ones(3), eta=1e-12, max_iter=10)
    assert not neg
    np.testing.assert_allclose(p, -1.0 / np.diag(A), rtol=1e-10)


def test_newton_cg_rosenbrock_1000_beats_scipy_newton_cg_in_evaluations():
    n = 1000
    p = problems.make_rosenbrock(n)
    ref = so.minimize(so.rosen, p.x0, method="Newton-CG", jac=so.rosen_der, hessp=so.rosen_hess_prod)
    scipy_evaluations = ref.nfev + ref.njev + ref.nhev
    res = newton_cg(p.f, p.x0, max_iter=5000)
    assert res.success, res.message
    assert res.grad_norm < 1e-8
    np.testing.assert_allclose(res.x, np.ones(n), atol=1e-8)
    ours = res.nfev + res.ngev + res.nhvp
    assert ours == res.n_evaluations
    assert ours <= scipy_evaluations, (ours, scipy_evaluations)
    # our gradient and HVP agree with SciPy's closed forms
    x = p.x0 + 0.1
    np.testing.assert_allclose(hvplib.gradient(p.f, x), so.rosen_der(x), rtol=1e-12)
    np.testing.assert_allclose(hvplib.hvp(p.f, x, p.x0), so.rosen_hess_prod(x, p.x0), rtol=1e-12)


def test_logistic_regression_matches_scipy_lbfgs():
    lr = problems.make_logistic_regression("breast_cancer", reg=0.1)
    ref = so.minimize(value_and_grad(lr.f), lr.x0, jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-12, "ftol": 0.0, "maxiter": 10_000})
    for method in (newton_cg, newton):
        res = method(lr.f, lr.x0, tol=1e-10)
        assert res.success, res.message
        np.testing.assert_allclose(res.x, ref.x, atol=1e-8)
        np.testing.assert_allclose(res.fun, ref.fun, rtol=1e-12)


def test_user_hessp_replaces_the_hvp_and_is_counted():
    q = problems.make_quadratic(kappa=30.0, n=8, rng=5)
    calls = []

    def my_hessp(x, p):
        calls.append(1)
        return q.A @ p

    res = newton_cg(q.f, q.x0, hessp=my_hessp)
    assert res.success
    assert res.nhvp == len(calls) > 0
    np.testing.assert_allclose(res.x, q.x_star, atol=1e-8)
    auto = newton_cg(q.f, q.x0)
    assert auto.nhvp == res.nhvp  # same algorithm, same number of products


@pytest.mark.parametrize("method", ["forward_over_reverse", "reverse_over_reverse", "finite_difference"])
def test_newton_cg_hvp_methods(method):
    p = problems.make_rosenbrock(4)
    res = newton_cg(p.f, np.array([1.2, 1.3, 1.5, 2.0]), hvp_method=method)
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-7)


# ---------------------------------------------------------------------------
# hessp for SciPy
# ---------------------------------------------------------------------------

def test_hessp_for_scipy_minimize():
    p = problems.make_rosenbrock(6)
    hp = hessp(p.f)
    x, v = np.linspace(-1, 1, 6), np.arange(6.0)
    out = hp(x, v)
    assert out.shape == (6,)
    np.testing.assert_allclose(out, so.rosen_hess_prod(x, v), rtol=1e-12)
    res = so.minimize(p.f, np.full(6, 0.5), jac=grad(p.f), hessp=hp, method="Newton-CG")
    np.testing.assert_allclose(res.x, np.ones(6), atol=1e-4)
    assert hvplib.hessp is hessp
    with pytest.raises(ValueError, match="method"):
        hessp(p.f, method="nope")
    with pytest.raises(TypeError, match="f must be"):
        hessp(3)


# ---------------------------------------------------------------------------
# Result record and bookkeeping
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_result_fields_and_history(optimizer):
    q = problems.make_quadratic(kappa=4.0, n=3, rng=6)
    res = optimizer(q.f, q.x0)
    assert isinstance(res, OptimizeResult)
    for name in ("x", "fun", "grad_norm", "nit", "nfev", "ngev", "nhvp", "nhev",
                 "success", "status", "message", "time", "history"):
        assert hasattr(res, name)
    assert res.success and res.status == 0 and "converged" in res.message
    assert res.x.shape == q.x0.shape and res.time > 0
    for key in HISTORY_KEYS:
        assert len(res.history[key]) == res.nit + 1
    np.testing.assert_allclose(res.history["x"][0], q.x0)
    assert res.history["f"][-1] == res.fun and res.history["grad_norm"][-1] == res.grad_norm
    assert res.grad_norm <= 1e-8
    np.testing.assert_allclose(res.grad_norm, np.linalg.norm(q.A @ res.x - q.b), rtol=1e-6, atol=1e-14)
    assert res.history["n_evaluations"][-1] == res.n_evaluations
    assert np.all(np.diff(res.history["n_evaluations"]) > 0)
    assert "n_evaluations" in repr(res)


def test_counts_are_honest():
    """Count the calls of f independently and compare with nfev + ngev."""
    q = problems.make_quadratic(kappa=20.0, n=4, rng=7)
    calls = []

    def f(x):
        calls.append(1)
        return q.f(x)

    for optimizer in OPTIMIZERS:
        calls.clear()
        res = optimizer(f, q.x0)
        # Every counted call runs f exactly once: f alone, ∇f alone, an HVP (forward over
        # reverse) and a dense Hessian; the one joint f+∇f call at the start counts in both
        # nfev and ngev but runs f once.
        assert len(calls) == res.nfev + res.ngev - 1 + res.nhvp + res.nhev


def test_already_converged_start_takes_no_iteration():
    q = problems.make_quadratic(kappa=3.0, n=2, rng=8)
    res = newton_cg(q.f, q.x_star)
    assert res.success and res.nit == 0 and (res.nfev, res.ngev, res.nhvp) == (1, 1, 0)


def test_any_shape_and_float32_start():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])

    def f(X):  # X of shape (2, 2)
        return 0.5 * anp.sum(X * anp.dot(A, X)) - anp.sum(X)

    res = newton_cg(f, np.zeros((2, 2), dtype=np.float32))
    assert res.success and res.x.shape == (2, 2) and res.x.dtype == np.float64
    np.testing.assert_allclose(res.x, np.linalg.solve(A, np.ones((2, 2))), atol=1e-8)


# ---------------------------------------------------------------------------
# Failures: no exceptions for a run that does not converge
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_max_iter_reached_is_a_failure_with_a_message(optimizer):
    p = problems.make_rosenbrock(2)
    res = optimizer(p.f, p.x0, max_iter=3)
    assert not res.success and res.status == 1
    assert "maximum number of iterations (3)" in res.message
    assert res.nit == 3 and len(res.history["x"]) == 4


def test_divergent_fixed_step_stops_on_overflow():
    q = problems.make_quadratic(eigenvalues=[1.0, 10.0], rng=9)
    res = gradient_descent(q.f, q.x0, step=1.0, max_iter=100_000)
    assert not res.success and res.status == 3
    assert "overflow" in res.message or "NaN" in res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    assert len(res.history["x"]) == res.nit + 1


def test_f_becoming_nan_mid_run_stops_cleanly():
    def f(x):  # defined for x > 0 only; fixed steps push x below 0
        return anp.sum(anp.sqrt(x)) + anp.sum(3 * x)

    res = gradient_descent(f, np.array([4.0]), step=1.0, max_iter=50)
    assert not res.success and res.status == 3 and res.message


@pytest.mark.parametrize("optimizer", [newton, newton_cg])
def test_unbounded_below_fails_without_exception(optimizer):
    res = optimizer(lambda x: -anp.sum(x**3), np.ones(2), max_iter=2000)
    assert not res.success and res.status in (2, 3) and res.message


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"x0": [np.nan, 1.0]}, ValueError, "x0"),
        ({"x0": [np.inf, 1.0]}, ValueError, "x0"),
        ({"x0": ["a", "b"]}, TypeError, "x0"),
        ({"f": 3.0}, TypeError, "f must be"),
        ({"f": lambda x: x}, ValueError, "f must return a scalar"),
        ({"tol": 0.0}, ValueError, "tol"),
        ({"tol": -1e-3}, ValueError, "tol"),
        ({"tol": np.nan}, ValueError, "tol"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"f": lambda x: anp.log(x[0])}, ValueError, "x0"),  # f(x0) = log(-1): NaN at the start
    ],
)
def test_bad_inputs_raise_naming_the_argument(optimizer, kwargs, error, match):
    args = {"f": problems.rosenbrock, "x0": [-1.0, 1.0]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        optimizer(**args)


@pytest.mark.parametrize(
    "step, error", [(0.0, ValueError), (-0.1, ValueError), (np.inf, ValueError),
                    ("newton", ValueError), (True, TypeError), (None, TypeError)],
)
def test_bad_step_raises(step, error):
    with pytest.raises(error, match="step"):
        gradient_descent(problems.rosenbrock, [0.0, 0.0], step=step)


def test_bad_hvp_method_or_hessp_raises():
    with pytest.raises(ValueError, match="hvp_method"):
        newton_cg(problems.rosenbrock, [0.0, 0.0], hvp_method="magic")
    with pytest.raises(TypeError, match="hessp"):
        newton_cg(problems.rosenbrock, [0.0, 0.0], hessp="A")
    with pytest.raises(ValueError, match="hessp"):
        newton_cg(problems.rosenbrock, [0.0, 0.0], hessp=lambda x, p: np.ones(3))


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------

def test_rosenbrock_matches_scipy_and_standard_start():
    x = np.random.default_rng(0).standard_normal(7)
    np.testing.assert_allclose(problems.rosenbrock(x), so.rosen(x), rtol=1e-14)
    np.testing.assert_array_equal(problems.rosenbrock_start(5), [-1.2, 1, -1.2, 1, -1.2])
    p = problems.make_rosenbrock(4)
    assert p.f(p.x_star) == 0.0 and p.n == 4
    with pytest.raises(ValueError, match="n"):
        problems.rosenbrock_start(1)


def test_quadratic_factory_spectrum_and_solution():
    q = problems.make_quadratic(eigenvalues=[3.0, 1.0, 9.0], rng=10)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.A), [1.0, 3.0, 9.0])
    np.testing.assert_allclose(q.kappa, 9.0)
    np.testing.assert_allclose(hvplib.gradient(q.f, q.x_star), 0.0, atol=1e-12)
    np.testing.assert_allclose(q.f(q.x_star), q.f_star)
    np.testing.assert_allclose(np.linalg.norm(q.x0 - q.x_star), 1.0)
    g0 = q.A @ q.x0 - q.b  # worst case: equal gradient components on v_min, v_max
    c = q.eigenvectors.T @ g0
    np.testing.assert_allclose(abs(c[0]), abs(c[-1]))
    np.testing.assert_allclose(c[1], 0.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(problems.make_quadratic(kappa=50.0, n=4).A)[[0, -1]], [1, 50])
    with pytest.raises(ValueError, match="eigenvalues"):
        problems.make_quadratic(eigenvalues=[1.0, -1.0])


@pytest.mark.parametrize(
    "data, shape", [("synthetic", (500, 11)), ("breast_cancer", (569, 31)), ("digits", (1797, 65))]
)
def test_logistic_regression_problems(data, shape):
    lr = problems.make_logistic_regression(data, reg=0.05)
    assert lr.X.shape == shape and set(np.unique(lr.y)) == {-1.0, 1.0}
    np.testing.assert_allclose(lr.f(lr.x0), np.log(2.0))
    w = np.linspace(-0.1, 0.1, shape[1])
    margins = lr.y * (lr.X @ w)
    np.testing.assert_allclose(lr.f(w), np.mean(np.log1p(np.exp(-margins))) + 0.025 * w @ w)
    H = hvplib.hessian(lr.f, w)
    assert np.linalg.eigvalsh(H).min() >= 0.05 - 1e-12
    with pytest.raises(ValueError, match="data"):
        problems.make_logistic_regression("mnist")


def test_counts_carry_scipys_names_and_the_old_ngev_is_still_readable():
    import dataclasses

    import scipy.optimize as so

    p = problems.make_rosenbrock(2)
    res = newton_cg(p.f, p.x0, tol=1e-8)
    fields = {f.name for f in dataclasses.fields(res)}
    assert {"nfev", "njev", "nhev", "nhvp"} <= fields and "ngev" not in fields
    assert res.ngev == res.njev and res.n_evaluations == res.nfev + res.njev + res.nhvp
    ref = so.minimize(p.f, p.x0, method="Newton-CG", jac=lambda x: hvplib.gradient(p.f, x),
                      hessp=hvplib.hessp(p.f), options={"xtol": 1e-12})
    assert {"nfev", "njev", "nhev"} <= set(ref.keys())              # the same names SciPy reports
