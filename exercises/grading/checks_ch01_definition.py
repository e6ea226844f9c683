"""Outside checks of exercise 01 that issue 21 added: the gradient graded per component, and the plot of the
Taylor models' errors (Part 4b).

The same contract as ``checks.py`` (which registers these parts in its ch01 block): ``check(inputs, out)`` runs in
the grader's process and recomputes the references with the grader's closed-form gradient and Hessian (passed
in from ``checks.py``). The figure's data are read in the kernel by ``checks.figure_part`` (lines, titles, labels,
scales) plus the legends' sizes. Tolerances are the task's: each error to a relative 1e-6, the guides' slopes
2 and 3 to ± 0.1. The data cell and the style cell are graded apart: a wrong error line costs only the first.
"""
import numpy as np

from .checks import arr, axes_of, figure_part, has_line, labelled, need, num

PLOT_RTOL = 1e-6        # each plotted error, relative
GUIDE_SLOPE_TOL = 0.1   # the guides c·t² and c·t³: log-log slopes 2 and 3 ± 0.1
POWER_LAW_TOL = 1e-6    # a guide is a straight line in log-log: its fit's residual in log10

# Part 4b's data, as the locked setup cell states them
A_PLOT, B_PLOT = 1.5, -2.0
P_PLOT = np.array([0.5, -1.0, 0.8])
U_PLOT = np.array([2.0, -1.0, 2.0]) / 3.0
T_PLOT = 0.4 / 2.0 ** np.arange(8)

GRADIENT_X = np.array([True, False, False])      # the entries each gradient cell grades
GRADIENT_YZ = ~GRADIENT_X

LEGEND_KERNEL = ('_out["legends"] = [0 if _a.get_legend() is None else len(_a.get_legend().get_texts()) '
                 'for _a in list(_fig.axes)[:8]]')


def f_abc(p, a, b):
    """f(x, y, z) = a·x·e^(yz) + b·y²·sin x."""
    x, y, z = p
    return a * x * np.exp(y * z) + b * y**2 * np.sin(x)


def model_errors(grad, hess):
    """(e₁, e₂) at T_PLOT: |f(p + t u) − f(p) − t ∇fᵀu| and the same minus ½ t² uᵀHu; shapes (8,), (8,)."""
    f0, slope, curv = f_abc(P_PLOT, A_PLOT, B_PLOT), grad @ U_PLOT, U_PLOT @ hess @ U_PLOT
    rest = np.array([f_abc(P_PLOT + t * U_PLOT, A_PLOT, B_PLOT) for t in T_PLOT]) - f0 - T_PLOT * slope
    return np.abs(rest), np.abs(rest - 0.5 * T_PLOT**2 * curv)


def power_law_slope(xy):
    """The slope k of a line c·t^k: its log-log points lie on a straight line (residual ≤ POWER_LAW_TOL) over at
    least three distinct positive points; nan for anything else (a line of errors is not an exact power law)."""
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or not np.all(np.isfinite(xy)):
        return float("nan")
    xy = xy[np.all(xy > 0, axis=1)]
    if len(np.unique(xy[:, 0])) < 3:
        return float("nan")
    lx, ly = np.log10(xy[:, 0]), np.log10(xy[:, 1])
    fit = np.polyfit(lx, ly, 1)
    return float(fit[0]) if np.max(np.abs(np.polyval(fit, lx) - ly)) <= POWER_LAW_TOL else float("nan")


def check_fig_taylor_data(grad, hess):
    def check(inputs, out):
        e1, e2 = model_errors(grad(P_PLOT, A_PLOT, B_PLOT), hess(P_PLOT, A_PLOT, B_PLOT))
        axes = axes_of(out, "fig_taylor")
        need(any(has_line(ax, T_PLOT, e1, PLOT_RTOL, "fig_taylor", "") for ax in axes),
             "fig_taylor has no line of e1, the first-order model's error, against t_plot (relative 1e-6)")
        need(any(has_line(ax, T_PLOT, e2, PLOT_RTOL, "fig_taylor", "") for ax in axes),
             "fig_taylor has no line of e2, the second-order model's error, against t_plot (relative 1e-6)")
    return check


def check_fig_taylor_style(inputs, out):
    """Graded apart from the data: the axes with lines over t_plot, its scales, labels, legend and guides."""
    axes = axes_of(out, "fig_taylor")
    over_t = [k for k, ax in enumerate(axes) for line in ax["lines"]
              if np.shape(line) == (len(T_PLOT), 2) and np.allclose(np.sort(arr(line)[:, 0]), T_PLOT[::-1])]
    need(over_t, "fig_taylor has no line over the eight steps of t_plot")
    k = over_t[0]
    ax = axes[k]
    need(ax["xscale"] == "log" and ax["yscale"] == "log", "fig_taylor should use log scales on both axes")
    labelled(ax, "fig_taylor")
    legends = out.get("legends")
    need(isinstance(legends, list) and len(legends) > k and num(legends[k], "the legend") >= 2,
         "fig_taylor needs a legend naming its lines")
    slopes = [power_law_slope(arr(line, what="a line of fig_taylor")) for line in ax["lines"]]
    for slope in (2, 3):
        need(any(abs(s - slope) <= GUIDE_SLOPE_TOL for s in slopes),
             f"fig_taylor needs a guide line c·t^{slope} (a straight line of log-log slope {slope} ± 0.1, over at "
             "least three steps) beside the lines of errors")


def fig_taylor_parts(grad, hess):
    """The two graded cells of Part 4b (``grad``, ``hess``: the grader's ∇f(p, a, b), H(p, a, b))."""
    return {"test_fig_taylor": figure_part("fig_taylor", check_fig_taylor_data(grad, hess), LEGEND_KERNEL),
            "test_fig_taylor_style": figure_part("fig_taylor", check_fig_taylor_style, LEGEND_KERNEL)}
