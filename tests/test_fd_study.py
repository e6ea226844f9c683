"""Tests for hvplib.fd_study (finite-difference error curves) and hvplib.widgets_hvp (the ε explorer)."""
import matplotlib

matplotlib.use("Agg")

import autograd.numpy as anp  # noqa: E402
import IPython.display  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from hvplib import fd_study, widgets_hvp  # noqa: E402
from hvplib.problems import rosenbrock  # noqa: E402


def cubic(x):
    """f = Σ x³/6: ∇f = x²/2, H v = x ∘ v; forward differences give x ∘ v + ε v²/2 exactly."""
    return anp.sum(x**3) / 6.0


def quartic(x):
    """f = Σ x⁴/24: ∇f = x³/6, H v = x² v / 2; central differences give x²v/2 + ε² v³/6 exactly."""
    return anp.sum(x**4) / 24.0


X = np.array([0.8, -1.3, 0.5, 1.1])
V = np.array([0.6, 0.2, -0.7, 0.3])


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=20)
    v = rng.normal(size=20)
    return x, v / np.linalg.norm(v), fd_study.fd_error_study(rosenbrock, x, v / np.linalg.norm(v))


def test_unit_roundoff_and_predicted_eps():
    assert fd_study.unit_roundoff(np.float64) == 2.0**-52
    assert fd_study.unit_roundoff("float32") == 2.0**-23
    assert fd_study.predicted_best_eps(np.float64, "forward") == pytest.approx(1.4901161193847656e-08, rel=1e-15)
    assert fd_study.predicted_best_eps(np.float64, "central") == pytest.approx(2.0 ** (-52 / 3), rel=1e-14)
    assert fd_study.predicted_best_eps(np.float32, "forward") == pytest.approx(2.0 ** (-23 / 2), rel=1e-14)
    assert fd_study.predicted_best_eps(np.float32, "central") == pytest.approx(4.921566601151848e-03, rel=1e-12)
    assert fd_study.TRUNCATION_ORDER == {"forward": 1, "central": 2}


def test_forward_error_matches_closed_form():
    eps = np.array([1e-3, 1e-2, 1e-1])
    errors = fd_study.fd_error_curve(cubic, X, V, eps, scheme="forward")
    expected = eps * np.linalg.norm(V**2) / (2 * np.linalg.norm(X * V))
    np.testing.assert_allclose(errors, expected, rtol=1e-6)


def test_central_error_matches_closed_form():
    eps = np.array([1e-2, 3e-2, 1e-1])
    errors = fd_study.fd_error_curve(quartic, X, V, eps, scheme="central")
    expected = eps**2 * np.linalg.norm(V**3) / (3 * np.linalg.norm(X**2 * V))
    np.testing.assert_allclose(errors, expected, rtol=1e-5)


def test_central_is_exact_for_a_cubic_up_to_roundoff():
    errors = fd_study.fd_error_curve(cubic, X, V, [1e-3, 1e-1], scheme="central")
    assert np.all(errors < 1e-12)


def test_float32_is_evaluated_in_float32():
    e64 = fd_study.fd_error_curve(cubic, X, V, [1e-9], scheme="central", dtype=np.float64)[0]
    e32 = fd_study.fd_error_curve(cubic, X, V, [1e-3], scheme="central", dtype=np.float32)[0]
    assert e64 < 1e-5
    assert 1e-7 < e32 < 1e-2     # round-off of order u32/ε with u32 = 1.2e-7


def test_loglog_slope_recovers_powers():
    eps = np.logspace(-8, -2, 25)
    assert fd_study.loglog_slope(eps, 3 * eps**2, 1e-8, 1e-2) == pytest.approx(2.0, abs=1e-12)
    assert fd_study.loglog_slope(eps, 1e-16 / eps, 1e-7, 1e-3) == pytest.approx(-1.0, abs=1e-12)
    with pytest.raises(ValueError, match="fewer than 3"):
        fd_study.loglog_slope(eps, eps, 1e-3, 2e-3)
    with pytest.raises(ValueError):
        fd_study.loglog_slope(eps, eps, 1e-2, 1e-3)


def test_study_best_eps_and_slopes_match_theory(study):
    _, _, curves = study
    assert set(curves) == {("forward", "float64"), ("central", "float64"),
                           ("forward", "float32"), ("central", "float32")}
    for (scheme, dtype), c in curves.items():
        assert c.predicted_eps == fd_study.predicted_best_eps(dtype, scheme)
        assert 1 / 30 < c.best_eps / c.predicted_eps < 30, c
        assert c.roundoff_slope == pytest.approx(-1.0, abs=0.25), c
        assert c.truncation_slope == pytest.approx(fd_study.TRUNCATION_ORDER[scheme], abs=0.25), c
        assert c.best_error == c.errors.min()
        assert c.eps[0] >= 10 * fd_study.unit_roundoff(dtype) * (1 - 1e-12)
        assert c.eps[-1] <= 1.0 + 1e-12
    # central beats forward, float64 beats float32, at their best steps
    assert curves["central", "float64"].best_error < curves["forward", "float64"].best_error
    assert curves["central", "float32"].best_error < curves["forward", "float32"].best_error
    assert curves["forward", "float64"].best_error < curves["forward", "float32"].best_error
    assert "central, float32" in repr(curves["central", "float32"])


def test_plot_fd_error_curves(study):
    _, _, curves = study
    fig = Figure()
    ax = fig.subplots()
    fd_study.plot_fd_error_curves(curves, ax, "float32")
    gids = {line.get_gid(): line for line in ax.lines if line.get_gid()}
    assert {"forward curve", "central curve", "forward predicted", "central predicted",
            "slope 1", "slope 2", "slope -1"} <= set(gids)
    np.testing.assert_array_equal(gids["central curve"].get_ydata(), curves["central", "float32"].errors)
    assert gids["forward predicted"].get_xdata()[0] == curves["forward", "float32"].predicted_eps
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="no curves"):
        fd_study.plot_fd_error_curves({k: c for k, c in curves.items() if k[1] == "float64"}, ax, "float32")


@pytest.mark.parametrize("kwargs, error", [
    (dict(dtype=np.float16), ValueError),
    (dict(scheme="backward"), ValueError),
    (dict(eps_values=[1e-3, 0.0]), ValueError),
    (dict(eps_values=[]), ValueError),
    (dict(v=np.ones(3)), ValueError),
    (dict(v=np.zeros(4)), ValueError),      # H v = 0: relative error undefined
])
def test_fd_error_curve_rejects_bad_input(kwargs, error):
    args = dict(x=X, v=V, eps_values=[1e-3], scheme="central", dtype=np.float64)
    args.update(kwargs)
    with pytest.raises(error):
        fd_study.fd_error_curve(cubic, **args)


class FakeHandle:
    def __init__(self):
        self.updates = []

    def update(self, obj):
        self.updates.append(obj)


def test_explorer_redraws_and_reports_errors(study, monkeypatch):
    x, v, curves = study
    shown, handle = [], FakeHandle()

    def fake_display(obj, display_id=None):
        shown.append(obj)
        return handle if display_id else None

    monkeypatch.setattr(IPython.display, "display", fake_display)
    box = widgets_hvp.fd_epsilon_explorer(rosenbrock, x, v, eps=1e-4, study=curves)
    assert shown[0] is box and shown[1] is box.figure
    assert box.state["n_draws"] == 1 and box.state["eps"] == pytest.approx(1e-4)
    assert len(box.state["errors"]) == 4
    box.controls["log10_eps"].value = 1e-6
    assert box.state["n_draws"] == 2 and handle.updates == [box.figure]
    assert box.state["eps"] == pytest.approx(1e-6)
    expected = fd_study.fd_error_curve(rosenbrock, x, v, [box.state["eps"]], "central", np.float32)[0]
    assert box.state["errors"]["central", "float32"] == expected
    assert len(box.figure.axes) == 2
    assert "1.0e-06" in box.children[1].value


def test_explorer_without_display_and_bad_eps(study):
    x, v, curves = study
    box = widgets_hvp.fd_epsilon_explorer(rosenbrock, x, v, study=curves, show=False)
    assert box.state["n_draws"] == 1
    with pytest.raises(ValueError):
        widgets_hvp.fd_epsilon_explorer(rosenbrock, x, v, eps=10.0, study=curves, show=False)
    with pytest.raises(ValueError):
        widgets_hvp.fd_epsilon_explorer(rosenbrock, x, v, eps_range=(1.0, 1e-3), study=curves, show=False)
