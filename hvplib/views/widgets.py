"""Interactive explorers for the notebooks, built with ipywidgets.

Each explorer returns an ``ipywidgets.VBox`` of controls and keeps one matplotlib
``Figure`` for its picture. With ``show=True`` it displays the controls and then
the figure, drawn for the default values, as an ordinary image output with a
display id. Moving a control redraws the figure and replaces that image in place
(an IPython ``update_display_data`` message). So:

- in a live front end (JupyterLab, Notebook, VS Code) the image follows the sliders;
- without one (nbval, ``nbconvert --execute``, an HTML export) the cell still holds
  a static figure for the default values, and the controls fall back to their
  plain-text form.

The returned box carries three extra attributes so that code (and tests) can drive
it without a browser:

- ``box.controls``: dict name → slider; set ``box.controls[name].value`` to move it;
- ``box.figure``: the matplotlib Figure, redrawn in place on every change;
- ``box.state``: dict describing what is drawn now (``"n_draws"`` counts redraws).

ipywidgets and matplotlib are imported on first use, so ``import hvplib`` stays light.
"""
import numpy as np

from ..course import analysis
from . import plotting
from .plotting import _check_limits, _check_point, _default_levels
from .._checks import check_positive

__all__ = ["new_figure", "connect", "hessian_explorer", "taylor_explorer"]


def new_figure(figsize):
    """A bare matplotlib ``Figure`` of ``figsize`` (width, height) inches, constrained layout.

    Not a pyplot figure: it is never shown twice by the inline backend and never accumulates
    in pyplot's list of open figures. Every explorer draws into one of these.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _show(box, figure, show):
    """Display the controls, then the figure with a display id; return the handle (or None)."""
    if not show:
        return None
    from IPython.display import display

    display(box)
    return display(figure, display_id=True)


def connect(box, figure, draw, controls, show, before_draw=None):
    """Draw the figure once, display it (with ``show``), and redraw it whenever a control moves.

    ``draw()`` redraws ``figure`` from the controls' current values; ``before_draw(change)``, if
    given, runs first on each change (e.g. to adjust another control's range). Every explorer of
    the course is wired this way, so a live front end updates the image in place and a static
    export keeps the figure for the default values. Returns the display handle (None without
    ``show``).
    """
    draw()
    handle = _show(box, figure, show)

    def on_change(change):
        if before_draw is not None:
            before_draw(change)
        draw()
        if handle is not None:
            handle.update(figure)

    for control in controls:
        control.observe(on_change, names="value")
    return handle


def _slider(widgets, description, value, low, high, step):
    return widgets.FloatSlider(value=float(value), min=float(low), max=float(high), step=float(step),
                               description=description, continuous_update=False, readout_format=".2f",
                               style={"description_width": "initial"},
                               layout=widgets.Layout(width="32%"))


def hessian_explorer(h11=8.0, h12=-3.0, h22=14.0, value_range=(-20.0, 20.0), step=0.5, lim=2.0,
                     show=True):
    """Pick the entries of a symmetric 2 × 2 Hessian and see what they do.

    H = [[h11, h12], [h12, h22]]. The figure (:func:`hvplib.plotting.plot_hessian_overview`)
    shows the surface of q(x) = ½ xᵀHx, its level sets with the eigen-axes, and the
    second derivative dᵀHd against the direction angle; a text line gives the
    eigenvalues, the definiteness and the second-derivative verdict.

    Parameters
    ----------
    h11, h12, h22 : float, the starting entries
    value_range : (low, high), slider range for every entry
    step : float > 0, slider step
    lim : float > 0, the plotted square is [−lim, lim]²
    show : bool, display the controls and the figure now (False: build only)

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (keys ``"h11"``, ``"h12"``, ``"h22"``),
    ``.figure`` and ``.state`` (keys ``"H"`` (2, 2), ``"eigenvalues"`` (2,),
    ``"eigenvectors"`` (2, 2), ``"definiteness"``, ``"classification"``, ``"n_draws"``).
    """
    import ipywidgets as widgets

    low, high = _check_limits(value_range, "value_range")
    step = check_positive(step, "step")
    lim = check_positive(lim, "lim")
    controls = {
        "h11": _slider(widgets, "H₁₁", h11, low, high, step),
        "h12": _slider(widgets, "H₁₂ = H₂₁", h12, low, high, step),
        "h22": _slider(widgets, "H₂₂", h22, low, high, step),
    }
    summary = widgets.HTML()
    figure = new_figure((14.5, 4.6))
    box = widgets.VBox([widgets.HBox(list(controls.values())), summary])
    box.controls, box.figure, box.state = controls, figure, {"n_draws": 0}

    def draw():
        H = np.array([[controls["h11"].value, controls["h12"].value],
                      [controls["h12"].value, controls["h22"].value]])
        eigenvalues, eigenvectors = analysis.eigen_axes(H)
        figure.clear()
        plotting.plot_hessian_overview(H, figure, lim=lim)
        box.state.update(H=H, eigenvalues=eigenvalues, eigenvectors=eigenvectors,
                         definiteness=analysis.definiteness(H),
                         classification=analysis.classify_critical_point(H),
                         n_draws=box.state["n_draws"] + 1)
        summary.value = (f"<b>λ</b> = {eigenvalues[0]:.3f}, {eigenvalues[1]:.3f} &nbsp;·&nbsp; "
                         f"{box.state['definiteness']} &nbsp;→&nbsp; <b>{box.state['classification']}</b>")

    connect(box, figure, draw, controls.values(), show)
    return box


def taylor_explorer(f, x0=(1.0, 0.0), xlim=(-1.0, 3.0), ylim=(-1.5, 1.5), angle=90.0,
                    t_lim=(-1.5, 1.5), levels=None, tol=1e-2, step=0.05, n=101, show=True):
    """Move the expansion point of the second-order Taylor model of f and watch it fit or fail.

    The figure (:func:`hvplib.plotting.plot_taylor_overview`) shows the contours of f
    and of its model m at x0, the error map log10|f − m| with the curve |f − m| = tol,
    and f and m along the line through x0 at the chosen angle.

    Parameters
    ----------
    f : callable, x of shape (2,) ↦ scalar, written with ``autograd.numpy``
    x0 : (x, y), the starting expansion point (must lie inside xlim × ylim)
    xlim, ylim : (low, high), the plotted window and the range of the x0 sliders
    angle : float, direction of the 1-D slice in degrees (0 = along x, 90 = along y)
    t_lim : (low, high), range of t on the slice
    levels : contour levels for f and m (None: chosen from f on the window)
    tol : float > 0, error level drawn on the error map
    step : float > 0, slider step for x0
    n : int, grid points per side
    show : bool, display the controls and the figure now (False: build only)

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (keys ``"x0"``, ``"y0"``, ``"angle"``), ``.figure``
    and ``.state`` (keys ``"x0"`` (2,), ``"direction"`` (2,), ``"value"``,
    ``"gradient"`` (2,), ``"hessian"`` (2, 2), ``"n_draws"``).
    """
    import ipywidgets as widgets

    if not callable(f):
        raise TypeError(f"f must be a callable x ↦ scalar; got {type(f).__name__}")
    x0 = _check_point(x0)
    xlim = _check_limits(xlim, "xlim")
    ylim = _check_limits(ylim, "ylim")
    if not (xlim[0] <= x0[0] <= xlim[1] and ylim[0] <= x0[1] <= ylim[1]):
        raise ValueError(f"x0 = {x0.tolist()} must lie inside xlim × ylim")
    step = check_positive(step, "step")
    if levels is None:
        _, _, Z = plotting.evaluate_on_grid(f, xlim, ylim, n)
        levels = _default_levels(Z)
    controls = {
        "x0": _slider(widgets, "x₀ (first coordinate)", x0[0], xlim[0], xlim[1], step),
        "y0": _slider(widgets, "y₀ (second coordinate)", x0[1], ylim[0], ylim[1], step),
        "angle": _slider(widgets, "slice angle (degrees)", angle, 0.0, 180.0, 5.0),
    }
    summary = widgets.HTML()
    figure = new_figure((15.0, 4.6))
    box = widgets.VBox([widgets.HBox(list(controls.values())), summary])
    box.controls, box.figure, box.state = controls, figure, {"n_draws": 0}

    def draw():
        point = np.array([controls["x0"].value, controls["y0"].value])
        theta = np.radians(controls["angle"].value)
        direction = np.array([np.cos(theta), np.sin(theta)])
        model = analysis.quadratic_model(f, point)
        figure.clear()
        plotting.plot_taylor_overview(f, point, figure, xlim, ylim, direction=direction, t_lim=t_lim,
                                      levels=levels, tol=tol, n=n)
        box.state.update(x0=point, direction=direction, value=model.value, gradient=model.gradient,
                         hessian=model.hessian, n_draws=box.state["n_draws"] + 1)
        H = model.hessian
        summary.value = (f"f(x₀) = {model.value:.4f} &nbsp;·&nbsp; ∇f(x₀) = ({model.gradient[0]:.3f}, "
                         f"{model.gradient[1]:.3f}) &nbsp;·&nbsp; H(x₀) = [[{H[0, 0]:.3f}, {H[0, 1]:.3f}], "
                         f"[{H[1, 0]:.3f}, {H[1, 1]:.3f}]]")

    connect(box, figure, draw, controls.values(), show)
    return box
