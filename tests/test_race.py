"""Tests of hvplib.race, hvplib.optim_diagnostics, hvplib.plotting_optim and hvplib.widgets_optim (chapter 04)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.optimize as so  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import hvplib as hv  # noqa: E402
from hvplib import optim_diagnostics, plotting_optim, problems, race, widgets_optim  # noqa: E402


# ---------------------------------------------------------------------------
# race
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rosen_rows():
    p = problems.make_rosenbrock(2)
    methods = [
        race.ours("newton", hv.newton),
        race.ours("newton_cg", hv.newton_cg),
        race.scipy_minimize("scipy ncg", "Newton-CG", hessp=hv.hessp(p.f), xtol=1e-12),
        race.scipy_minimize("scipy ncg rosen", "Newton-CG", hessp=so.rosen_hess_prod, fun=so.rosen,
                            jac=so.rosen_der, xtol=1e-12),
        race.scipy_minimize("lbfgs", "L-BFGS-B", gtol=1e-10, ftol=0.0),
    ]
    return p, race.run_race(p, methods, tol=1e-8, keep_path=True)


def test_ours_rows_copy_the_optimizer_counts(rosen_rows):
    p, rows = rosen_rows
    res = hv.newton_cg(p.f, p.x0, tol=1e-8)
    row = rows[1]
    assert (row.nit, row.nfev, row.ngev, row.nhvp, row.nhev) == (res.nit, res.nfev, res.ngev, res.nhvp, res.nhev)
    assert (row.nit, row.n_evaluations) == (63, 265)
    assert row.converged and row.grad_norm <= 1e-8 and row.stop.startswith("converged")
    np.testing.assert_allclose(row.x, 1.0, atol=1e-8)
    # dense Newton: each Hessian counts as n = 2 evaluations
    newton_row = rows[0]
    assert newton_row.n_evaluations == newton_row.nfev + newton_row.ngev + 2 * newton_row.nhev == 93


def test_scipy_rows_count_every_call(rosen_rows):
    p, rows = rosen_rows
    calls = {"f": 0, "g": 0, "h": 0}

    def fun(x):
        calls["f"] += 1
        return so.rosen(x)

    def jac(x):
        calls["g"] += 1
        return so.rosen_der(x)

    def hessp(x, v):
        calls["h"] += 1
        return so.rosen_hess_prod(x, v)

    res = so.minimize(fun, p.x0, jac=jac, hessp=hessp, method="Newton-CG", options={"xtol": 1e-12})
    row = rows[3]
    assert (row.nfev, row.ngev, row.nhvp) == (calls["f"], calls["g"], calls["h"])
    assert row.nit == res.nit and row.n_evaluations == sum(calls.values())
    # the autograd hessp gives the same run as SciPy's closed form here
    assert (rows[2].nit, rows[2].n_evaluations) == (row.nit, row.n_evaluations)
    assert row.converged


def test_lbfgs_counts_joint_calls_once_each(rosen_rows):
    _, rows = rosen_rows
    row = rows[4]
    assert row.nfev == row.ngev and row.nhvp == 0 and row.n_evaluations == 2 * row.nfev
    assert row.converged and row.grad_norm <= 1e-8


def test_histories_start_at_x0_and_grow_with_cost(rosen_rows):
    p, rows = rosen_rows
    for row in rows:
        h = row.history
        assert h["x"].shape == (len(h["f"]), 2)
        np.testing.assert_array_equal(h["x"][0], p.x0)
        np.testing.assert_allclose(h["f"][0], p.f(p.x0))
        assert np.all(np.diff(h["n_evaluations"]) > 0)
        assert h["n_evaluations"][-1] <= row.n_evaluations
        np.testing.assert_allclose(h["f"], [p.f(x) for x in h["x"]], rtol=1e-12)
        np.testing.assert_allclose(h["grad_norm"], [np.linalg.norm(hv.gradient(p.f, x)) for x in h["x"]],
                                   rtol=1e-9, atol=1e-14)
    assert "x" not in race.run_race(p, [race.ours("newton", hv.newton)])[0].history


def test_format_table_has_one_line_per_row_and_only_counts_by_default(rosen_rows):
    _, rows = rosen_rows
    table = race.format_table(rows)
    lines = table.splitlines()
    assert len(lines) == 2 + len(rows)
    assert "time" not in lines[0] and "total" in lines[0]
    assert "|     63 |" in lines[3] and "|     265 |" in lines[3] and "yes" in lines[3]
    assert len({len(line) for line in lines}) == 1          # aligned columns
    assert "time s" in race.format_table(rows, columns=("method", "time"))
    with pytest.raises(ValueError, match="unknown columns"):
        race.format_table(rows, columns=("method", "speed"))


def test_race_rejects_bad_input():
    p = problems.make_rosenbrock(2)
    with pytest.raises(TypeError):
        race.run_race(p, [hv.newton])
    with pytest.raises(TypeError):
        race.ours("x", 3)
    with pytest.raises(ValueError):
        race.scipy_minimize("x", "Newton-CG", fun=so.rosen)
    with pytest.raises(ValueError):
        race.run_race(p, [], tol=0.0)


# ---------------------------------------------------------------------------
# optim_diagnostics
# ---------------------------------------------------------------------------

def test_inner_iterations_add_up_and_grow_on_logistic_regression():
    lr = problems.make_logistic_regression("breast_cancer", reg=1e-3)
    res, counts = optim_diagnostics.newton_cg_inner_iterations(lr.f, lr.x0)
    assert res.success and counts.sum() == res.nhvp == 75
    assert counts.tolist() == [1, 2, 2, 2, 5, 9, 10, 10, 14, 20]
    # the same run as without the log
    plain = hv.newton_cg(lr.f, lr.x0)
    assert (plain.nit, plain.nhvp) == (res.nit, res.nhvp)


def test_product_log_wraps_a_given_hessp_and_groups_by_point():
    log = optim_diagnostics.HessianProductLog(hessp=so.rosen_hess_prod)
    x, y, v = np.zeros(3), np.ones(3), np.arange(3.0)
    for point in (x, x, y, y, y, x):
        np.testing.assert_allclose(log(point, v), so.rosen_hess_prod(point, v))
    assert log.counts == [2, 3, 1] and log.n_calls == 6 and len(log.points) == 3
    auto = optim_diagnostics.HessianProductLog(problems.rosenbrock)
    np.testing.assert_allclose(auto(y, v), so.rosen_hess_prod(y, v), rtol=1e-12)
    with pytest.raises(TypeError):
        optim_diagnostics.HessianProductLog(hessp=3)


# ---------------------------------------------------------------------------
# plotting_optim
# ---------------------------------------------------------------------------

def test_plot_paths_draws_each_path_with_its_data():
    paths = {"a": np.array([[0.0, 0.0], [1.0, 1.0]]), "b": np.array([[1.0, 0.0], [0.0, 0.5], [0.0, 0.0]])}
    ax = Figure().subplots()
    plotting_optim.plot_paths(lambda z: z[0] ** 2 + z[1] ** 2, paths, ax, (-2, 2), (-2, 2))
    lines = {line.get_gid(): line for line in ax.lines if line.get_gid()}
    assert set(lines) == {"a", "b"}
    for name, path in paths.items():
        np.testing.assert_array_equal(np.column_stack(lines[name].get_data()), path)
    assert lines["a"].get_color() != lines["b"].get_color()
    assert lines["a"].get_linestyle() != lines["b"].get_linestyle()
    with pytest.raises(ValueError):
        plotting_optim.plot_path(ax, np.zeros((3, 3)))


def test_plot_convergence_plots_f_gap_against_cost(rosen_rows):
    _, rows = rosen_rows
    ax = Figure().subplots()
    plotting_optim.plot_convergence(rows, ax, f_star=0.0)
    lines = {line.get_gid(): line for line in ax.lines}
    for row in rows:
        xs, ys = lines[row.method].get_data()
        np.testing.assert_array_equal(xs, row.history["n_evaluations"])
        np.testing.assert_allclose(ys, np.maximum(row.history["f"], 1e-16))
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError):
        plotting_optim.plot_convergence(rows, ax)


def test_plot_inner_iterations_bars_and_forcing_term():
    counts, g = np.array([1, 2, 5]), np.array([1.0, 1e-2, 1e-6])
    ax = Figure().subplots()
    plotting_optim.plot_inner_iterations(counts, ax, grad_norms=g)
    heights = [bar.get_height() for bar in ax.containers[0]]
    assert heights == [1, 2, 5]
    forcing = next(line for line in ax.twin.lines if line.get_gid() == "forcing-term")
    np.testing.assert_allclose(forcing.get_ydata(), [0.2, 0.1, 1e-3])


# ---------------------------------------------------------------------------
# widgets_optim
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0])
def test_worst_case_start_contracts_by_rho_squared(kappa):
    run = widgets_optim.steepest_descent_on_quadratic(kappa, n_steps=15)
    rho2 = ((kappa - 1) / (kappa + 1)) ** 2
    np.testing.assert_allclose(run["rate_predicted"], rho2)
    np.testing.assert_allclose(run["gaps"][1:] / run["gaps"][:-1], rho2, rtol=1e-6)
    np.testing.assert_allclose(run["angle"], np.degrees(np.arctan(1 / kappa)))


def test_other_starts_are_faster_and_kappa_one_takes_one_step():
    assert widgets_optim.steepest_descent_on_quadratic(100.0, angle=45.0)["rate_measured"] < 0.1
    run = widgets_optim.steepest_descent_on_quadratic(1.0)
    assert run["gaps"][1] < 1e-12 * run["gaps"][0]


def test_conditioning_explorer_redraws_on_change():
    box = widgets_optim.conditioning_explorer(kappa=10.0, show=False)
    assert box.state["n_draws"] == 1
    np.testing.assert_allclose(box.state["rate_measured"], (9 / 11) ** 2, rtol=1e-6)
    box.controls["kappa"].value = 100.0
    assert box.state["n_draws"] == 2
    np.testing.assert_allclose(box.state["rate_measured"], (99 / 101) ** 2, rtol=1e-6)
    box.controls["worst_case"].value = False
    box.controls["angle"].value = 45.0
    assert not box.controls["angle"].disabled
    assert box.state["angle"] == 45.0 and box.state["rate_measured"] < 0.1
    assert len(box.figure.axes) == 2
    with pytest.raises(ValueError):
        widgets_optim.conditioning_explorer(kappa=0.5, show=False)


def test_plot_convergence_styles_follow_the_method_not_its_position(rosen_rows):
    _, rows = rosen_rows
    styles = {row.method: (color, ls) for row, color, ls in
              zip(rows, ["#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7"], ["-", "--", ":", "-.", "-"])}
    forward, backward = Figure().subplots(), Figure().subplots()
    plotting_optim.plot_convergence(rows, forward, f_star=0.0, styles=styles)
    plotting_optim.plot_convergence(rows[::-1], backward, f_star=0.0, styles=styles)
    for ax in (forward, backward):
        for line in ax.lines:
            color, ls = styles[line.get_gid()]
            assert line.get_color() == color and line.get_linestyle() == ls
    with pytest.raises(ValueError, match="no entry"):
        plotting_optim.plot_convergence(rows, forward, f_star=0.0, styles={rows[0].method: ("k", "-")})


def test_every_counter_of_the_course_is_one_kind_of_call_counts():
    from hvplib.course.race import CountedCallables                 # the SciPy-side counter of the race tables
    from hvplib.optimize import CallCounts, CountedObjective

    p = problems.make_rosenbrock(2)
    log = optim_diagnostics.HessianProductLog(p.f)
    counted = CountedCallables(p.f, lambda x: hv.gradient(p.f, x), log)
    assert all(isinstance(c, CallCounts) for c in (log, counted, CountedObjective(p.f)))
    counted.fun(p.x0)
    counted.fun_and_jac(p.x0)
    counted.hessp(p.x0, np.ones(2))
    assert (counted.nfev, counted.njev, counted.nhvp, counted.n_evaluations) == (2, 1, 1, 4)
    assert log.n_calls == log.nhvp == 1 and counted.ngev == counted.njev


def test_evaluations_to_the_target_stop_at_the_first_iterate_that_reaches_it(rosen_rows):
    _, rows = rosen_rows
    for row in rows:
        g, n_ev = row.history["grad_norm"], row.history["n_evaluations"]
        tol = float(np.sort(g)[len(g) // 2])                       # a target half the iterates reach
        k = int(np.argmax(g <= tol))
        assert row.evaluations_to(tol) == (int(n_ev[k]), True) and n_ev[k] <= row.n_evaluations
        assert row.evaluations_to(0.5 * g.min()) == (row.n_evaluations, False)
    with pytest.raises(ValueError, match="tol"):
        rows[0].evaluations_to(-1.0)
