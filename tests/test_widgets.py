"""Tests for hvplib.widgets: each explorer builds, redraws on a value change, and shows a static figure."""
import matplotlib

matplotlib.use("Agg")

import autograd.numpy as anp  # noqa: E402
import IPython.display  # noqa: E402
import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from hvplib import widgets  # noqa: E402


def f_taylor(x):
    return x[0] * anp.exp(x[1] ** 2)


class FakeHandle:
    def __init__(self):
        self.updates = []

    def update(self, obj):
        self.updates.append(obj)


@pytest.fixture
def displayed(monkeypatch):
    """Record what the explorers display; a display with a display id returns a FakeHandle."""
    record = {"objects": [], "handle": FakeHandle()}

    def fake_display(obj, display_id=None):
        record["objects"].append((obj, display_id))
        return record["handle"] if display_id else None

    monkeypatch.setattr(IPython.display, "display", fake_display)
    return record


def eigen_direction(ax, i):
    (arrow,) = [a for a in ax.texts if isinstance(a, Annotation) and a.get_gid() == f"eigen-axis-{i}"]
    d = np.array(arrow.xy) - np.array(arrow.xyann)
    return d / np.linalg.norm(d)


# ---------------------------------------------------------------------------
# hessian_explorer
# ---------------------------------------------------------------------------

def test_hessian_explorer_builds_with_defaults():
    box = widgets.hessian_explorer(show=False)
    assert isinstance(box, ipywidgets.VBox)
    assert set(box.controls) == {"h11", "h12", "h22"}
    assert all(isinstance(s, ipywidgets.FloatSlider) for s in box.controls.values())
    np.testing.assert_allclose(box.state["H"], [[8.0, -3.0], [-3.0, 14.0]])
    np.testing.assert_allclose(box.state["eigenvalues"], [11 - 3 * np.sqrt(2), 11 + 3 * np.sqrt(2)])
    assert box.state["classification"] == "minimum"
    assert box.state["n_draws"] == 1
    assert isinstance(box.figure, Figure) and len(box.figure.axes) == 3
    assert "minimum" in box.figure.get_suptitle()
    summary = box.children[1]
    assert "minimum" in summary.value and "6.757" in summary.value


def test_hessian_explorer_responds_to_sliders():
    box = widgets.hessian_explorer(show=False)
    box.controls["h12"].value = 12.0          # [[8, 12], [12, 14]]: det < 0
    assert box.state["n_draws"] == 2
    H = np.array([[8.0, 12.0], [12.0, 14.0]])
    np.testing.assert_allclose(box.state["H"], H)
    assert box.state["classification"] == "saddle"
    assert "saddle" in box.figure.get_suptitle()
    lam, Q = np.linalg.eigh(H)
    np.testing.assert_allclose(box.state["eigenvalues"], lam)
    contour_ax = box.figure.axes[1]
    for i in range(2):   # the drawn axes are eigh's eigenvectors, up to sign
        np.testing.assert_allclose(abs(eigen_direction(contour_ax, i) @ Q[:, i]), 1.0, rtol=1e-12)
    assert len(box.figure.axes) == 3  # redrawn, not stacked

    box.controls["h11"].value = -5.0
    box.controls["h12"].value = 0.0
    box.controls["h22"].value = -1.0
    assert box.state["classification"] == "maximum"
    box.controls["h11"].value = 0.0
    assert box.state["classification"] == "inconclusive"
    assert box.state["definiteness"] == "negative semidefinite"
    assert box.state["n_draws"] == 6


def test_hessian_explorer_shows_static_figure_then_updates_it(displayed):
    box = widgets.hessian_explorer(h11=2.0, h12=0.0, h22=1.0)
    (first, first_id), (second, second_id) = displayed["objects"]
    assert first is box and first_id is None           # the controls
    assert second is box.figure and second_id is True  # the static figure, with a display id
    assert displayed["handle"].updates == []
    box.controls["h22"].value = -1.0
    assert displayed["handle"].updates == [box.figure]
    assert box.state["classification"] == "saddle"


def test_hessian_explorer_without_ipython_display_id(monkeypatch):
    # Outside IPython, display() returns None: moving a slider must still redraw.
    monkeypatch.setattr(IPython.display, "display", lambda obj, display_id=None: None)
    box = widgets.hessian_explorer()
    box.controls["h11"].value = 1.0
    assert box.state["n_draws"] == 2


def test_hessian_explorer_rejects_bad_arguments():
    with pytest.raises(ValueError):
        widgets.hessian_explorer(step=0.0, show=False)
    with pytest.raises(ValueError):
        widgets.hessian_explorer(lim=-1.0, show=False)


# ---------------------------------------------------------------------------
# taylor_explorer
# ---------------------------------------------------------------------------

def test_taylor_explorer_builds_with_defaults():
    box = widgets.taylor_explorer(f_taylor, x0=(1.0, 0.0), n=41, show=False)
    assert isinstance(box, ipywidgets.VBox)
    assert set(box.controls) == {"x0", "y0", "angle"}
    np.testing.assert_allclose(box.state["x0"], [1.0, 0.0])
    np.testing.assert_allclose(box.state["value"], 1.0)
    np.testing.assert_allclose(box.state["gradient"], [1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(box.state["hessian"], [[0.0, 0.0], [0.0, 2.0]], atol=1e-15)  # T₂ = y²
    np.testing.assert_allclose(box.state["direction"], [0.0, 1.0], atol=1e-15)
    assert box.state["n_draws"] == 1
    assert len(box.figure.axes) == 4  # three panels and the error map's colour bar
    assert "1.00, 0.00" in box.figure.get_suptitle()


def test_taylor_explorer_responds_to_sliders():
    box = widgets.taylor_explorer(f_taylor, x0=(1.0, 0.0), n=41, show=False)
    box.controls["y0"].value = 0.5
    assert box.state["n_draws"] == 2
    x, y = 1.0, 0.5
    np.testing.assert_allclose(box.state["x0"], [x, y])
    e = np.exp(y ** 2)
    np.testing.assert_allclose(box.state["gradient"], [e, 2 * x * y * e], rtol=1e-12)
    np.testing.assert_allclose(box.state["hessian"],
                               [[0.0, 2 * y * e], [2 * y * e, (2 * x + 4 * x * y ** 2) * e]], rtol=1e-12)
    assert "1.00, 0.50" in box.figure.get_suptitle()
    # the slice panel follows: model and function agree at t = 0
    slice_ax = box.figure.axes[2]
    lines = {line.get_gid(): line for line in slice_ax.lines if line.get_gid()}
    t, m = lines["model"].get_data()
    _, fv = lines["function"].get_data()
    np.testing.assert_allclose(np.interp(0.0, t, m), np.interp(0.0, t, fv), rtol=1e-3)

    box.controls["angle"].value = 0.0
    np.testing.assert_allclose(box.state["direction"], [1.0, 0.0], atol=1e-15)
    _, fv = {ln.get_gid(): ln for ln in box.figure.axes[2].lines if ln.get_gid()}["function"].get_data()
    # along x the function is linear, so f(x0 + t e_x) = (1 + t) e^{1/4}
    t = np.linspace(-1.5, 1.5, fv.size)
    np.testing.assert_allclose(fv, (1 + t) * e, rtol=1e-12)
    assert box.state["n_draws"] == 3


def test_taylor_explorer_shows_static_figure_then_updates_it(displayed):
    box = widgets.taylor_explorer(f_taylor, n=31)
    assert [obj for obj, _ in displayed["objects"]] == [box, box.figure]
    box.controls["x0"].value = 2.0
    assert displayed["handle"].updates == [box.figure]
    np.testing.assert_allclose(box.state["x0"], [2.0, 0.0])


def test_taylor_explorer_rejects_bad_arguments():
    with pytest.raises(TypeError):
        widgets.taylor_explorer("not a function", show=False)
    with pytest.raises(ValueError):
        widgets.taylor_explorer(f_taylor, x0=(5.0, 0.0), show=False)
    with pytest.raises(ValueError):
        widgets.taylor_explorer(f_taylor, xlim=(1.0, -1.0), show=False)
