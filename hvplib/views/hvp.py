"""Figure and explorer of chapter 03: the finite-difference error against the step ε.

:func:`plot_fd_error_curves` draws the V-curves of :func:`hvplib.course.fd_study.fd_error_study`;
:func:`fd_epsilon_explorer` moves ε with a slider and shows the error.

Built like :mod:`hvplib.widgets`: the function returns an ``ipywidgets.VBox`` and keeps one
matplotlib ``Figure``. With ``show=True`` it displays the slider, a line of text, and the figure for
the starting ε as an ordinary image with a display id; moving the slider redraws the figure and
replaces that image in place. Without a live front end (nbval, ``nbconvert --execute``, an HTML
export) the cell still holds the static figure for the starting ε.

The returned box carries ``.controls`` (``{"log10_eps": FloatLogSlider}``; set ``.value`` to move
it), ``.figure`` and ``.state`` (what is drawn now), so code and tests can drive it without a browser.
"""
import numpy as np

from .._checks import as_float_array, check_finite, check_positive
from ..course import fd_study
from ..course.fd_study import ROUNDOFF_SLOPE, TRUNCATION_ORDER, unit_roundoff
from . import widgets as widgets_core
from .plotting import OKABE_ITO

__all__ = ["SCHEME_COLORS", "plot_fd_error_curves", "fd_epsilon_explorer"]


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
    figure = widgets_core.new_figure((13.0, 4.6))
    box = widgets.VBox([slider, summary])
    box.controls, box.figure, box.state = {"log10_eps": slider}, figure, {"n_draws": 0}
    dtypes = sorted({name for _, name in study}, reverse=True)   # float64 first

    def draw():
        eps_now = float(slider.value)
        figure.clear()
        axes = figure.subplots(1, len(dtypes), sharey=True, squeeze=False)[0]
        errors = {}
        for ax, dtype in zip(axes, dtypes):
            plot_fd_error_curves(study, ax, dtype, reference_lines=False)
            ax.axvline(eps_now, color="0.45", lw=2.0, alpha=0.7)
            for scheme, name in study:
                if name != dtype:
                    continue
                err = float(fd_study.fd_error_curve(f, x, v, [eps_now], scheme=scheme, dtype=name)[0])
                errors[scheme, name] = err
                ax.plot([eps_now], [max(err, 1e-18)], marker="D", ms=8, ls="none", mec="black",
                        color=SCHEME_COLORS.get(scheme, "black"), zorder=6)
        box.state.update(eps=eps_now, errors=errors, n_draws=box.state["n_draws"] + 1)
        summary.value = "ε = {:.1e} &nbsp;→&nbsp; ".format(eps_now) + " &nbsp;·&nbsp; ".join(
            f"{scheme} {name}: <b>{err:.1e}</b>" for (scheme, name), err in errors.items())

    widgets_core.connect(box, figure, draw, [slider], show)
    return box


# ---------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------

#: Colour of each scheme in the V-curve figures (Okabe–Ito, as hvplib.plotting).
SCHEME_COLORS = {"forward": OKABE_ITO["vermillion"], "central": OKABE_ITO["blue"]}


def _reference_line(ax, curve, centre, slope, factor, span=1.5):
    """Dashed black segment of the given slope through ``factor`` × the curve's error at ε = centre."""
    y0 = np.interp(np.log10(centre), np.log10(curve.eps), np.log10(curve.errors))
    xs = np.array([centre / 10 ** (span / 2), centre * 10 ** (span / 2)])
    ys = 10 ** (y0 + slope * np.log10(xs / centre)) * factor
    (line,) = ax.plot(xs, ys, color="black", lw=1.2, ls=(0, (4, 2)))
    line.set_gid(f"slope {slope}")
    text = f"slope {slope}".replace("-", "\u2212")
    if slope < 0:
        offset, ha = (-8, -14), "right"     # below-left of a falling line
    elif factor < 1:
        offset, ha = (8, -10), "left"       # below-right of a rising line
    else:
        offset, ha = (-8, 8), "right"       # above-left of a rising line
    ax.annotate(text, (np.sqrt(xs[0] * xs[1]), np.sqrt(ys[0] * ys[1])), textcoords="offset points",
                xytext=offset, ha=ha, fontsize=9)
    return line


def plot_fd_error_curves(study, ax, dtype="float64", reference_lines=True, title=None):
    """Draw the V-curves of one dtype from :func:`fd_error_study` on ``ax``; return ``ax``.

    For each scheme: the relative error against ε (log-log), a dotted vertical line at the
    predicted optimum u^(1/2) or u^(1/3), and a marker at the measured minimum. With
    ``reference_lines``, dashed black segments of slope −1 (round-off) and 1 or 2 (truncation)
    are drawn beside the arms. Lines carry gids ``"<scheme> curve"``, ``"<scheme> predicted"``
    and ``"slope <p>"`` so that a check can find them.
    """
    dtype = np.dtype(dtype).name
    curves = [c for (scheme, name), c in study.items() if name == dtype]
    if not curves:
        raise ValueError(f"the study has no curves for dtype {dtype}")
    u = unit_roundoff(dtype)
    for c in curves:
        color = SCHEME_COLORS.get(c.scheme, "#000000")
        power = "1/2" if c.scheme == "forward" else "1/3"
        (line,) = ax.loglog(c.eps, c.errors, color=color, marker="o", ms=3,
                            label=f"{c.scheme} differences")
        line.set_gid(f"{c.scheme} curve")
        vline = ax.axvline(c.predicted_eps, color=color, ls=":", lw=1.5,
                           label=f"predicted ε* = u$^{{{power}}}$ = {c.predicted_eps:.1e}")
        vline.set_gid(f"{c.scheme} predicted")
        ax.plot([c.best_eps], [c.best_error], marker="*", ms=13, color=color, mec="black", mew=0.6,
                ls="none", zorder=5)
        if reference_lines:
            order = TRUNCATION_ORDER[c.scheme]
            # forward: slope 1 above its right arm; central: slope 2 below-right of its right arm,
            # and the common round-off slope −1 once, below the central curve's left arm
            above = c.scheme == "forward"
            _reference_line(ax, c, c.predicted_eps * 10**1.5, order, 4.0 if above else 0.2)
            if c.scheme == "central":
                _reference_line(ax, c, c.eps[0] * 10**1.2, ROUNDOFF_SLOPE, 0.2)
    ax.set_xlabel("step ε")
    ax.set_ylabel(r"relative error $\|\widetilde{Hv} - Hv\| \,/\, \|Hv\|$")
    ax.set_title(title or f"Finite-difference HVP error, {dtype} (u = {u:.1e})")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    return ax
