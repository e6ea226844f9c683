"""Interactive explorer of chapter 03: move the finite-difference step ε and watch the error.

Built like :mod:`hvplib.widgets`: the function returns an ``ipywidgets.VBox`` and keeps one
matplotlib ``Figure``. With ``show=True`` it displays the slider, a line of text, and the figure for
the starting ε as an ordinary image with a display id; moving the slider redraws the figure and
replaces that image in place. Without a live front end (nbval, ``nbconvert --execute``, an HTML
export) the cell still holds the static figure for the starting ε.

The returned box carries ``.controls`` (``{"log10_eps": FloatLogSlider}``; set ``.value`` to move
it), ``.figure`` and ``.state`` (what is drawn now), so code and tests can drive it without a browser.
"""
import numpy as np

from . import fd_study
from . import widgets as widgets_core
from ._checks import as_float_array, check_finite, check_positive

__all__ = ["fd_epsilon_explorer"]


def fd_epsilon_explorer(f, x, v, eps=1e-4, eps_range=(1e-12, 1.0), study=None, show=True):
    """A log-scale slider for the finite-difference step ε, over the error-against-ε V-curves.

    Two panels (float64, float32) show the V-curves of forward and central differences (from
    :func:`hvplib.fd_study.fd_error_study`, computed once) with the predicted optima; a grey
    vertical line marks the chosen ε and a marker on each curve the error *at that ε*, computed
    afresh with :func:`hvplib.fd_study.fd_error_curve` at every move. The text line gives the four
    errors.

    Parameters
    ----------
    f : callable, x ↦ scalar, written with ``autograd.numpy`` (keeping float32 in float32)
    x, v : array_like of one shape, the point and the direction (‖v‖ ≈ 1 makes ε a relative step)
    eps : float > 0, the starting step
    eps_range : (low, high), the slider's range (powers of ten in between)
    study : the dict from ``fd_error_study(f, x, v)`` if already computed (None: compute it)
    show : bool, display the controls and the figure now (False: build only)

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (key ``"log10_eps"``), ``.figure`` and ``.state``
    (keys ``"eps"``, ``"errors"`` (dict (scheme, dtype name) → relative error at ε), ``"n_draws"``).
    """
    import ipywidgets as widgets

    eps = check_positive(eps, "eps")
    low, high = (float(b) for b in check_finite(as_float_array(eps_range, "eps_range"), "eps_range"))
    if not 0 < low < high:
        raise ValueError(f"eps_range must be (low, high) with 0 < low < high; got {(low, high)}")
    if not low <= eps <= high:
        raise ValueError(f"eps = {eps} must lie inside eps_range {(low, high)}")
    if study is None:
        study = fd_study.fd_error_study(f, x, v)
    slider = widgets.FloatLogSlider(value=eps, base=10, min=np.log10(low), max=np.log10(high), step=0.1,
                                    description="step ε", readout_format=".1e", continuous_update=False,
                                    style={"description_width": "initial"},
                                    layout=widgets.Layout(width="60%"))
    summary = widgets.HTML()
    figure = widgets_core._new_figure((13.0, 4.6))
    box = widgets.VBox([slider, summary])
    box.controls, box.figure, box.state = {"log10_eps": slider}, figure, {"n_draws": 0}
    dtypes = sorted({name for _, name in study}, reverse=True)   # float64 first

    def draw():
        eps_now = float(slider.value)
        figure.clear()
        axes = figure.subplots(1, len(dtypes), sharey=True, squeeze=False)[0]
        errors = {}
        for ax, dtype in zip(axes, dtypes):
            fd_study.plot_fd_error_curves(study, ax, dtype, reference_lines=False)
            ax.axvline(eps_now, color="0.45", lw=2.0, alpha=0.7)
            for (scheme, name), curve in study.items():
                if name != dtype:
                    continue
                err = float(fd_study.fd_error_curve(f, x, v, [eps_now], scheme=scheme, dtype=name)[0])
                errors[scheme, name] = err
                ax.plot([eps_now], [max(err, 1e-18)], marker="D", ms=8, ls="none", mec="black",
                        color=fd_study.SCHEME_COLORS.get(scheme, "black"), zorder=6)
        box.state.update(eps=eps_now, errors=errors, n_draws=box.state["n_draws"] + 1)
        summary.value = "ε = {:.1e} &nbsp;→&nbsp; ".format(eps_now) + " &nbsp;·&nbsp; ".join(
            f"{scheme} {name}: <b>{err:.1e}</b>" for (scheme, name), err in errors.items())

    widgets_core.connect(box, figure, draw, [slider], show)
    return box
