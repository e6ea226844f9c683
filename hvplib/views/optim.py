"""Figures and the explorer of chapter 04: optimizer paths on level sets, convergence against cost,
CG iterations, and :func:`conditioning_explorer` (steepest descent's zig-zag as κ moves).

Like :mod:`hvplib.plotting`, every function draws into an ``ax`` you pass in and
returns it; colours come from :data:`hvplib.plotting.PALETTE` (Okabe–Ito, safe
under the common colour-vision deficiencies). Each drawn line carries a ``gid``
(its label) so that a notebook or a test can find it and check the numbers
behind it.
"""
import numpy as np

from .._checks import as_float_array, check_finite, check_positive, check_positive_int
from ..course.conditioning import steepest_descent_on_quadratic
from ..optimize import CallCounts, gradient_equivalents
from . import plotting
from .plotting import _check_limits
from .widgets import connect, new_figure

__all__ = ["plot_path", "plot_paths", "plot_convergence", "plot_inner_iterations", "conditioning_explorer"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES = ("-", "--", "-.", ":")


def _as_path(path, name="path"):
    path = check_finite(as_float_array(path, name), name).astype(float)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
        raise ValueError(f"{name} must have shape (k, 2) with k >= 1 (iterates in the plane); got {path.shape}")
    return path


def plot_path(ax, path, label=None, color=None, marker="o", markersize=3.5, lw=1.6, ls="-"):
    """Draw the iterates x₀, x₁, … of an optimizer in the plane, joined in order.

    The start gets a larger hollow marker, the last iterate a filled star.

    Parameters
    ----------
    ax : a 2-D matplotlib Axes
    path : array_like, shape (k, 2), the iterates (e.g. ``np.array(result.history["x"])``)
    label : str or None, legend entry; also the line's ``gid``
    color : a matplotlib colour, or None for the next one of the course palette
    marker, markersize, lw, ls : the line's style

    Returns ax (the line is ``ax.lines`` with ``get_gid() == label``; its data is ``path``).
    """
    path = _as_path(path)
    if color is None:
        color = plotting.PALETTE[len(ax.lines) % len(plotting.PALETTE)]
    ax.plot(path[:, 0], path[:, 1], marker=marker, ms=markersize, lw=lw, ls=ls, color=color, label=label,
            gid=label)
    ax.plot(*path[0], marker="o", ms=9, mfc="none", mec=color, mew=1.8, ls="none")
    ax.plot(*path[-1], marker="*", ms=12, color=color, mec="black", mew=0.6, ls="none")
    return ax


def plot_paths(f, paths, ax, xlim=(-2, 2), ylim=(-2, 2), levels=None, n=201, title="Optimizer paths",
               equal_aspect=True, legend_loc="best", colors=None):
    """Level sets of f with several optimizer paths on top, one colour, marker and line style each.

    Parameters
    ----------
    f : callable, x of shape (2,) ↦ scalar
    paths : dict label → array_like (k, 2)
    ax : a 2-D matplotlib Axes
    xlim, ylim, levels, n : as in :func:`hvplib.plotting.plot_contours`
    title : str
    equal_aspect : bool, true shapes (set False for long thin windows)
    legend_loc : where the legend goes (a matplotlib ``loc``)
    colors : list of colours, one per path, or None for the course palette in order

    Returns ax. The path lines have ``gid`` = label (see :func:`plot_path`).
    """
    if not isinstance(paths, dict) or not paths:
        raise TypeError("paths must be a non-empty dict label → (k, 2) array")
    plotting.plot_contours(f, ax, xlim, ylim, levels=levels, n=n, title=title, equal_aspect=equal_aspect)
    for i, (label, path) in enumerate(paths.items()):
        color = colors[i] if colors is not None else plotting.PALETTE[i % len(plotting.PALETTE)]
        plot_path(ax, path, label=label, color=color, marker=_MARKERS[i % len(_MARKERS)],
                  ls=_LINESTYLES[i % len(_LINESTYLES)])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.legend(loc=legend_loc)
    return ax


def plot_convergence(rows, ax, f_star=None, x="n_evaluations", y="f_gap", floor=1e-16,
                     title="Convergence against cost", styles=None, hvp_cost=None):
    """Progress of each method against its cumulative cost, on a log scale.

    Parameters
    ----------
    rows : list of :class:`hvplib.race.RaceRow` (or anything with ``.method`` and a
        ``.history`` dict holding ``"n_evaluations"``, ``"f"`` and ``"grad_norm"``)
    ax : a 2-D matplotlib Axes
    f_star : float, the minimum value (needed for ``y="f_gap"``)
    x : "n_evaluations" (f + g + Hv + n·H so far), "gradient_equivalents" (the same calls priced in
        gradients, an HVP at ``hvp_cost``: :func:`hvplib.optimize.gradient_equivalents`; needs the
        per-kind counts in the history) or "iteration"
    y : "f_gap" (f − f*) or "grad_norm" (‖∇f‖₂)
    floor : values below it are drawn at it (f − f* can reach 0 or go slightly
        negative by rounding)
    title : str
    hvp_cost : float, gradients per HVP (needed for ``x="gradient_equivalents"``)

    styles : dict ``{method: (colour, line style)}``, or None to style the rows in
        order; pass one dict to every panel so a method keeps its look everywhere

    Returns ax. Line i has ``gid`` = ``rows[i].method`` and the plotted data.
    """
    if x not in ("n_evaluations", "gradient_equivalents", "iteration"):
        raise ValueError(f"x must be 'n_evaluations', 'gradient_equivalents' or 'iteration'; got {x!r}")
    if x == "gradient_equivalents" and hvp_cost is None:
        raise ValueError("x='gradient_equivalents' needs hvp_cost (gradients per HVP)")
    if y not in ("f_gap", "grad_norm"):
        raise ValueError(f"y must be 'f_gap' or 'grad_norm'; got {y!r}")
    if y == "f_gap" and f_star is None:
        raise ValueError("y='f_gap' needs f_star")
    missing = [row.method for row in rows if styles is not None and row.method not in styles]
    if missing:
        raise ValueError(f"styles has no entry for {missing}")
    for i, row in enumerate(rows):
        h = row.history
        values = np.asarray(h["f"], dtype=float) - f_star if y == "f_gap" else np.asarray(h["grad_norm"], float)
        if x == "gradient_equivalents":
            xs = gradient_equivalents(*(h[kind] for kind in CallCounts.KINDS), n=np.size(row.x), hvp_cost=hvp_cost)
        else:
            xs = np.asarray(h["n_evaluations"], dtype=float) if x == "n_evaluations" else np.arange(values.size)
        color, ls = (styles[row.method] if styles is not None
                     else (plotting.PALETTE[i % len(plotting.PALETTE)], _LINESTYLES[i % len(_LINESTYLES)]))
        ax.plot(xs, np.maximum(values, floor), color=color, lw=1.8, label=row.method, gid=row.method, ls=ls)
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel({"n_evaluations": "cumulative evaluations (f + ∇f + Hv + n·H)", "iteration": "iteration",
                   "gradient_equivalents": f"cumulative gradient-equivalents (an HVP = {hvp_cost:g})"
                   if hvp_cost is not None else ""}[x])
    ax.set_ylabel("$f(x_k) - f^*$" if y == "f_gap" else r"$\|\nabla f(x_k)\|_2$")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_inner_iterations(counts, ax, grad_norms=None, title="CG iterations per Newton step"):
    """Bars: CG iterations (= Hessian-vector products) of each outer Newton-CG iteration.

    Parameters
    ----------
    counts : array_like of int, shape (k,), e.g. from
        :func:`hvplib.optim_diagnostics.newton_cg_inner_iterations`
    ax : a 2-D matplotlib Axes
    grad_norms : array_like, shape (≥ k,), or None: ‖g‖ at the start of each outer
        iteration, drawn on a second (log) axis together with the forcing term
        η = min(0.2, √‖g‖) of :func:`hvplib.optimize.forcing_term`
    title : str

    Returns ax. The counts are drawn as bars (``ax.containers[0]``), or for more than 60
    iterations as a filled step curve (``ax.collections[0]``), gid ``"cg-iterations"``;
    the twin axis, if any, is ``ax.twin``, with lines gid ``"grad-norm"`` and ``"forcing-term"``.
    """
    from ..optimize import forcing_term

    counts = np.asarray(counts)
    k = np.arange(counts.size)
    many = counts.size > 60  # bars turn into a filled step curve, markers are dropped
    if many:
        ax.fill_between(k, counts, step="mid", color=plotting.OKABE_ITO["sky blue"], alpha=0.8,
                        label="CG iterations", gid="cg-iterations")
    else:
        ax.bar(k, counts, color=plotting.OKABE_ITO["sky blue"], edgecolor=plotting.OKABE_ITO["blue"],
               label="CG iterations", gid="cg-iterations")
    ax.set_ylim(0, 1.5 * max(int(counts.max()), 1))  # head-room for the legend
    ax.set_xlabel("outer iteration k")
    ax.set_ylabel("CG iterations (HVPs)")
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    ax.twin = None
    if grad_norms is not None:
        g = np.asarray(grad_norms, dtype=float)[: counts.size]
        twin = ax.twinx()
        twin.plot(k, g, color=plotting.OKABE_ITO["vermillion"], marker=None if many else "o", ms=3, lw=1.6,
                  label=r"$\|g_k\|$", gid="grad-norm")
        twin.plot(k, [forcing_term(v) for v in g], color=plotting.OKABE_ITO["black"], ls="--", lw=1.4,
                  label=r"forcing term $\eta_k$", gid="forcing-term")
        twin.set_yscale("log")
        twin.set_ylabel(r"$\|g_k\|$ and $\eta_k$ (log scale)")
        twin.spines["right"].set_visible(True)
        ax.twin = twin
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper left", fontsize=8)
    return ax


def conditioning_explorer(kappa=10.0, angle=None, n_steps=30, kappa_range=(1.0, 1000.0), lim=1.2, show=True):
    """A slider for κ (and the start's angle): the zig-zag of steepest descent and its rate.

    Left: level sets of the quadratic with eigenvalues 1 and κ and the path of steepest
    descent with exact line search (:func:`steepest_descent_on_quadratic`). Right: f − f*
    against the iteration on a log scale, with the bound (f₀ − f*)·ρ^{2k}. The text line
    gives ρ, the predicted and the measured rate per step.

    Parameters
    ----------
    kappa : float ≥ 1, the starting condition number
    angle : float (degrees, 0–90) or None: the start's angle from v_min; None, and the
        "worst-case start" box ticked, means arctan(1/κ), recomputed as κ moves
    n_steps : int, iterations drawn
    kappa_range : (low, high), the log slider's range, 1 ≤ low < high
    lim : float > 0, the plotted square is [−lim, lim]²
    show : bool, display the controls and the figure now (False: build only)

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (keys ``"kappa"``, ``"angle"``, ``"worst_case"``),
    ``.figure`` and ``.state`` (keys ``"kappa"``, ``"angle"``, ``"rho"``, ``"rate_predicted"``,
    ``"rate_measured"``, ``"path"``, ``"n_draws"``).
    """
    import ipywidgets as widgets

    kappa = check_positive(kappa, "kappa")
    low, high = _check_limits(kappa_range, "kappa_range")
    if not 1.0 <= low <= kappa <= high:
        raise ValueError(f"need 1 <= kappa_range[0] <= kappa <= kappa_range[1]; got {kappa} in {(low, high)}")
    n_steps = check_positive_int(n_steps, "n_steps")
    lim = check_positive(lim, "lim")
    worst = angle is None
    start_angle = float(np.degrees(np.arctan(1.0 / kappa))) if worst else float(angle)
    style = {"description_width": "initial"}
    controls = {
        "kappa": widgets.FloatLogSlider(value=kappa, base=10, min=np.log10(low), max=np.log10(high), step=0.05,
                                        description="condition number κ", readout_format=".3g",
                                        continuous_update=False, style=style,
                                        layout=widgets.Layout(width="36%")),
        "angle": widgets.FloatSlider(value=start_angle, min=0.0, max=90.0, step=0.1, disabled=worst,
                                     description="start angle from v_min (°)", readout_format=".1f",
                                     continuous_update=False, style=style, layout=widgets.Layout(width="36%")),
        "worst_case": widgets.Checkbox(value=worst, description="worst-case start", indent=False,
                                       layout=widgets.Layout(width="20%")),
    }
    summary = widgets.HTML()
    figure = new_figure((12.0, 4.6))
    box = widgets.VBox([widgets.HBox(list(controls.values())), summary])
    box.controls, box.figure, box.state = controls, figure, {"n_draws": 0}

    def draw():
        k = controls["kappa"].value
        if controls["worst_case"].value:
            controls["angle"].disabled = True
            a = None
        else:
            controls["angle"].disabled = False
            a = controls["angle"].value
        run = steepest_descent_on_quadratic(k, a, n_steps=n_steps)
        q = run["problem"]
        figure.clear()
        ax_path, ax_rate = figure.subplots(1, 2)
        # level sets through the points at distance r from x* along v_min (f − f* = r²/2 there)
        levels = q.f_star + 0.5 * np.array([0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.2]) ** 2
        plotting.plot_contours(q.f, ax_path, (-lim, lim), (-lim, lim), levels=levels,
                               title=f"Steepest descent, exact line search, κ = {k:.3g}")
        plot_path(ax_path, run["path"], label="iterates", color=plotting.OKABE_ITO["vermillion"])
        ax_path.set_xlim(-lim, lim)
        ax_path.set_ylim(-lim, lim)
        steps = np.arange(run["gaps"].size)
        ax_rate.semilogy(steps, np.maximum(run["gaps"], 1e-300), "o-", ms=3, color=plotting.OKABE_ITO["blue"],
                         label="measured $f - f^*$", gid="measured")
        ax_rate.semilogy(steps, run["gaps"][0] * run["rate_predicted"] ** steps, "--",
                         color=plotting.OKABE_ITO["black"], label=r"bound $(f_0 - f^*)\,\rho^{2k}$", gid="bound")
        ax_rate.set_xlabel("iteration k")
        ax_rate.set_ylabel("$f(x_k) - f^*$")
        ax_rate.set_title("Error in f per iteration")
        ax_rate.legend()
        box.state.update(kappa=k, angle=run["angle"], rho=run["rho"], rate_predicted=run["rate_predicted"],
                         rate_measured=run["rate_measured"], path=run["path"], n_draws=box.state["n_draws"] + 1)
        summary.value = (f"ρ = (κ−1)/(κ+1) = {run['rho']:.4f} &nbsp;·&nbsp; predicted rate ρ² = "
                         f"{run['rate_predicted']:.4f} &nbsp;·&nbsp; measured rate per step = "
                         f"{run['rate_measured']:.4f} &nbsp;·&nbsp; start angle {run['angle']:.2f}°")

    connect(box, figure, draw, controls.values(), show)
    return box
