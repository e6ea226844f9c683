"""The race's cost in one unit, gradient-equivalents: per-kind counts per iterate, checked against hand-counted runs."""
import numpy as np
import pytest

import hvplib as hv
from hvplib import problems, race
from hvplib.course.race import CountedCallables
from hvplib.optimize import CallCounts, gradient_equivalents


@pytest.fixture(scope="module")
def quadratic():
    return problems.make_quadratic(eigenvalues=[1.0, 3.0], rng=0)


def test_newton_cg_on_a_quadratic_matches_the_hand_count(quadratic):
    # x0: one joint f-and-∇f call; one outer step: CG needs 2 HVPs in 2-D, the line search 1 value (α = 1
    # accepted), then 1 gradient at the new point, where ‖∇f‖ ≈ 1e-16 ends the run.
    (row,) = race.run_race(quadratic, [race.ours("ncg", hv.newton_cg)], tol=1e-8)
    assert (row.nit, row.nfev, row.njev, row.nhvp, row.nhev, row.nfgev) == (1, 2, 2, 2, 0, 1)
    for kind, expected in {"nfev": [1, 2], "njev": [1, 2], "nhvp": [0, 2], "nhev": [0, 0], "nfgev": [1, 1]}.items():
        np.testing.assert_array_equal(row.history[kind], expected)
    assert row.evaluations_to(1e-8) == (6, True)
    # value alone c_f + 2 gradients (one with its value) + 2 HVPs at 2.6 gradients each
    cost, reached = row.gradient_equivalents_to(1e-8, hvp_cost=2.6)
    assert reached and cost == pytest.approx(1 + 2 + 2 * 2.6, abs=1e-12)
    assert row.gradient_equivalents_to(1e-8, hvp_cost=2.0, value_cost=0.5)[0] == pytest.approx(0.5 + 2 + 4.0)


def test_dense_newton_charges_n_gradients_per_hessian(quadratic):
    (row,) = race.run_race(quadratic, [race.ours("newton", hv.newton)], tol=1e-8)
    assert (row.nfev, row.njev, row.nhev, row.nfgev) == (2, 2, 1, 1)
    assert row.gradient_equivalents_to(1e-8, hvp_cost=3.0) == (pytest.approx(1 + 2 + 2), True)   # H = n = 2


def test_lbfgs_joint_calls_cost_one_gradient_each():
    p = problems.make_rosenbrock(2)
    (row,) = race.run_race(p, [race.scipy_minimize("lbfgs", "L-BFGS-B", gtol=1e-10, ftol=0.0)], tol=1e-8)
    assert row.nfgev == row.nfev == row.njev and row.nhvp == 0
    n_ev, reached = row.evaluations_to(1e-8)
    cost, reached_too = row.gradient_equivalents_to(1e-8, hvp_cost=2.6)
    assert reached and reached_too and cost == n_ev / 2            # every call counted twice in "evaluations"
    k = int(np.argmax(row.history["grad_norm"] <= 1e-8))
    assert cost == row.history["njev"][k] and row.history["nfgev"][k] == row.history["nfev"][k]


def test_scipy_counter_logs_the_per_kind_counts_of_a_scripted_sequence():
    p = problems.make_rosenbrock(2)
    c = CountedCallables(p.f, lambda x: hv.gradient(p.f, x), lambda x, v: hv.hvp(p.f, x, v))
    c.fun(p.x0)
    c.fun_and_jac(p.x0)
    c.jac(p.x0)
    c.hessp(p.x0, np.ones(2))
    c.hessp(p.x0, np.ones(2))
    c.callback(p.x0)
    n_ev, kinds, _ = c.log[-1]
    assert kinds == {"nfev": 2, "njev": 2, "nhvp": 2, "nhev": 0, "nfgev": 1} and n_ev == 6
    # one value alone, one joint call, one gradient alone, two HVPs
    assert gradient_equivalents(**kinds, n=2, hvp_cost=2.5) == pytest.approx(1 + 1 + 1 + 5.0)


def test_a_run_short_of_the_target_is_charged_in_full():
    p = problems.make_rosenbrock(2)
    (row,) = race.run_race(p, [race.ours("gd", hv.gradient_descent, max_iter=30)], tol=1e-8)
    cost, reached = row.gradient_equivalents_to(1e-8, hvp_cost=2.6)
    assert not reached
    assert cost == gradient_equivalents(row.nfev, row.njev, row.nhvp, row.nhev, row.nfgev, n=2, hvp_cost=2.6)


def test_gradient_equivalents_formula_arrays_and_bad_input():
    got = gradient_equivalents(np.array([1, 5]), np.array([1, 3]), np.array([0, 10]), np.array([0, 1]),
                               np.array([1, 1]), n=4, hvp_cost=3.0, value_cost=0.5)
    np.testing.assert_allclose(got, [0 + 1 + 0 + 0, 0.5 * 4 + 3 + 30 + 4])
    assert CallCounts.KINDS == ("nfev", "njev", "nhvp", "nhev", "nfgev")
    for bad in (-1.0, float("nan"), True, "2"):
        with pytest.raises(ValueError, match="hvp_cost"):
            gradient_equivalents(1, 1, 1, 0, n=2, hvp_cost=bad)
    with pytest.raises(ValueError, match="value_cost"):
        gradient_equivalents(1, 1, 1, 0, n=2, hvp_cost=2.0, value_cost=-0.5)
    with pytest.raises(ValueError, match="n must"):
        gradient_equivalents(1, 1, 1, 0, n=0, hvp_cost=2.0)
    with pytest.raises(ValueError, match="nfgev"):
        gradient_equivalents(1, 0, 0, 0, 1, n=2, hvp_cost=2.0)
    with pytest.raises(ValueError, match="tol"):
        race.RaceRow.gradient_equivalents_to(None, -1.0, hvp_cost=2.0)


def test_convergence_plot_can_put_gradient_equivalents_on_the_x_axis(quadratic):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from hvplib import plotting_optim

    rows = race.run_race(quadratic, [race.ours("ncg", hv.newton_cg), race.ours("newton", hv.newton)], tol=1e-8)
    ax = Figure().add_subplot()
    plotting_optim.plot_convergence(rows, ax, f_star=quadratic.f_star, x="gradient_equivalents", hvp_cost=2.6)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1.0, 1 + 2 + 2 * 2.6])     # x0: one joint call
    np.testing.assert_allclose(ax.lines[1].get_xdata(), [1.0, 1 + 2 + 2])
    assert "2.6" in ax.get_xlabel()
    with pytest.raises(ValueError, match="hvp_cost"):
        plotting_optim.plot_convergence(rows, ax, f_star=0.0, x="gradient_equivalents")
