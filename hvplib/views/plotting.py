"""Figures shared by the chapters: surfaces, contours, eigen-axes, quadratic models, curvature.

Every function draws into an ``ax`` (or a ``fig``) that you pass in and returns it;
nothing here creates a pyplot window, keeps state between calls or changes
matplotlib's global settings. Colours come from one place:

- :data:`OKABE_ITO`, the eight-colour palette of Okabe & Ito (2008), which stays
  distinguishable under the common forms of colour blindness, and
- :data:`SEQUENTIAL_CMAP` (``"viridis"``), a perceptually uniform colormap for
  surfaces, filled contours and error maps.

The one course style is :data:`COURSE_RC` (the palette as the colour cycle, viridis
as the default colormap, readable font sizes). Apply it explicitly, for a whole
notebook with ``plt.rcParams.update(hv.plotting.COURSE_RC)`` or for one block with
``with hv.plotting.course_style(): ...``.

Functions of the plane, ``f``, take a point ``x`` of shape ``(2,)`` and return a
scalar, as everywhere in hvplib. A function written entrywise in ``x[0]`` and
``x[1]`` is evaluated on a whole grid in one call (``f(np.stack([X, Y]))``); any
other is evaluated point by point (see :func:`evaluate_on_grid`).

matplotlib is imported on first use, so ``import hvplib`` stays light.
"""
import contextlib

import numpy as np

from ..course import analysis
from .._checks import as_float_array, check_finite, check_positive

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "SEQUENTIAL_CMAP",
    "COURSE_RC",
    "course_style",
    "evaluate_on_grid",
    "plot_surface",
    "plot_contours",
    "draw_eigen_axes",
    "plot_quadratic_model",
    "plot_model_slice",
    "plot_model_error",
    "plot_directional_curvature",
    "plot_hessian_overview",
    "plot_taylor_overview",
]

#: The Okabe–Ito palette (name → hex colour).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: The palette in the order used for line cycles (black and yellow last: low contrast on white / viridis).
PALETTE = tuple(OKABE_ITO[name] for name in
                ("blue", "vermillion", "bluish green", "orange", "reddish purple", "sky blue", "black", "yellow"))

#: Perceptually uniform colormap for surfaces and filled contours.
SEQUENTIAL_CMAP = "viridis"

#: Colours with a fixed meaning across the course.
ROLE_COLORS = {
    "function": OKABE_ITO["blue"],
    "model": OKABE_ITO["vermillion"],
    "point": OKABE_ITO["black"],
    "eigen_min": OKABE_ITO["vermillion"],   # smallest eigenvalue: the long axis of a bowl
    "eigen_max": OKABE_ITO["blue"],         # largest eigenvalue
    "eigen_other": OKABE_ITO["bluish green"],
}

#: The course style, as an rc dict (apply it explicitly; nothing here applies it for you).
COURSE_RC = {
    "axes.prop_cycle": None,  # filled in below (needs cycler, which ships with matplotlib)
    "image.cmap": SEQUENTIAL_CMAP,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "figure.figsize": (6.4, 4.2),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
}
try:  # cycler is a hard dependency of matplotlib and imports in ~1 ms
    from cycler import cycler as _cycler

    COURSE_RC["axes.prop_cycle"] = _cycler(color=list(PALETTE))
except ImportError:  # pragma: no cover - matplotlib not installed
    del COURSE_RC["axes.prop_cycle"]


@contextlib.contextmanager
def course_style():
    """Context manager: matplotlib's rc settings are :data:`COURSE_RC` inside the block only."""
    import matplotlib

    with matplotlib.rc_context(COURSE_RC):
        yield


# ---------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------

def _check_limits(lim, name):
    lim = check_finite(as_float_array(lim, name), name)
    if lim.shape != (2,) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be (low, high) with low < high; got {lim.tolist()}")
    return float(lim[0]), float(lim[1])


def _check_n(n, name="n", minimum=2):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {n!r}")
    return int(n)


def _check_point(x, name="x0", n=2):
    x = check_finite(as_float_array(x, name), name).astype(float)
    if x.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},); got {x.shape}")
    return x


def evaluate_on_grid(f, xlim, ylim, n=101):
    """Sample f on an n × n grid over xlim × ylim.

    Tries one vectorised call ``f(np.stack([X, Y]))``; if that fails, returns the
    wrong shape, or disagrees with pointwise calls at a few probe points, falls back
    to calling ``f(np.array([x, y]))`` at every grid point.

    Returns
    -------
    X, Y, Z : ndarrays, shape (n, n) (``X[i, j]`` varies with j, ``Y`` with i)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable x ↦ scalar; got {type(f).__name__}")
    xlim = _check_limits(xlim, "xlim")
    ylim = _check_limits(ylim, "ylim")
    n = _check_n(n)
    X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    Z = None
    try:
        with np.errstate(all="ignore"):
            Z = np.asarray(f(np.stack([X, Y])), dtype=float)
        if Z.shape != X.shape:
            Z = None
        else:
            probes = [(0, 0), (n - 1, n - 1), (n // 3, (2 * n) // 3), ((2 * n) // 3, n // 5)]
            for i, j in probes:
                single = float(f(np.array([X[i, j], Y[i, j]])))
                if not np.isclose(single, Z[i, j], rtol=1e-9, atol=1e-12, equal_nan=True):
                    Z = None
                    break
    except Exception:  # not vectorisable: evaluate point by point below
        Z = None
    if Z is None:
        Z = np.array([[float(f(np.array([x, y]))) for x, y in zip(row_x, row_y)]
                      for row_x, row_y in zip(X, Y)])
    return X, Y, Z


def _default_levels(Z, count=12):
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        raise ValueError("f is not finite anywhere on the grid")
    low, high = np.percentile(finite, [1, 97])
    if not high > low:
        low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return None  # constant: no contour levels
    return np.linspace(low, high, count)


def _line_norm(levels, filled=False):
    """For contour *lines*: stop the colormap short of its palest end (pale yellow on white is unreadable)."""
    levels = np.atleast_1d(np.asarray(levels, dtype=float))
    if filled or levels.size < 2:
        return {}
    return {"vmin": levels[0], "vmax": levels[-1] + 0.2 * (levels[-1] - levels[0])}


def _label_axes(ax, title, xlabel="$x$", ylabel="$y$"):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


# ---------------------------------------------------------------------------
# Surfaces and contours
# ---------------------------------------------------------------------------

def plot_surface(f, ax, xlim=(-2, 2), ylim=(-2, 2), n=41, cmap=SEQUENTIAL_CMAP,
                 title="Surface of f", zlabel="$f(x, y)$", alpha=0.9):
    """Draw the graph z = f(x, y) as a coloured surface into a 3-D axes.

    Parameters
    ----------
    f : callable, x of shape (2,) ↦ scalar
    ax : a 3-D matplotlib Axes (``fig.add_subplot(projection="3d")``)
    xlim, ylim : (low, high)
    n : int, grid points per side

    Returns ax (the surface is ``ax.collections[-1]``; its colour array holds face heights).
    """
    if getattr(ax, "name", "") != "3d":
        raise ValueError("ax must be a 3-D axes: create it with fig.add_subplot(projection='3d')")
    X, Y, Z = evaluate_on_grid(f, xlim, ylim, n)
    ax.plot_surface(X, Y, Z, cmap=cmap, linewidth=0, antialiased=True, alpha=alpha,
                    rcount=n, ccount=n)
    ax.set_zlabel(zlabel)
    _label_axes(ax, title)
    return ax


def plot_contours(f, ax, xlim=(-2, 2), ylim=(-2, 2), levels=None, n=201, cmap=SEQUENTIAL_CMAP,
                  filled=False, title="Level sets of f", label_levels=False, equal_aspect=True):
    """Draw level sets f(x, y) = c.

    Parameters
    ----------
    f : callable, x of shape (2,) ↦ scalar
    ax : a 2-D matplotlib Axes
    levels : int, array of levels, or None (12 levels spread over the values of f on the grid)
    filled : bool, filled bands (``contourf``) instead of lines
    label_levels : bool, write the level value on each line
    equal_aspect : bool, one unit on x as long as one on y (true shapes of ellipses)

    Returns ax (the contour set is the last ``ContourSet`` in ``ax.collections``;
    its ``levels`` are the levels drawn).
    """
    X, Y, Z = evaluate_on_grid(f, xlim, ylim, n)
    if levels is None:
        levels = _default_levels(Z)
    if levels is not None:
        draw = ax.contourf if filled else ax.contour
        contour_set = draw(X, Y, Z, levels=levels, cmap=cmap, **_line_norm(levels, filled))
        if label_levels and not filled:
            ax.clabel(contour_set, fontsize=8, fmt="%.3g")
    if equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    _label_axes(ax, title)
    return ax


def draw_eigen_axes(ax, H, center=(0.0, 0.0), scale=1.0, labels=None, colors=None):
    """Draw the principal directions of a symmetric 2 × 2 H as double-headed arrows.

    Arrow i runs from ``center - s_i e_i`` to ``center + s_i e_i`` where e_i is the
    unit eigenvector of eigenvalue λ_i (ascending order, signs as in
    :func:`hvplib.analysis.eigen_axes`) and s_i is ``scale`` (or ``scale[i]``).
    Each is labelled at its tip with ``labels[i]`` (default "λ₁ = …", "λ₂ = …").

    The arrows are ``matplotlib.text.Annotation`` objects in ``ax.texts`` with
    ``gid`` ``"eigen-axis-0"``, ``"eigen-axis-1"`` (``.xy`` is the head, ``.xyann`` the tail).

    Returns ax.
    """
    eigenvalues, Q = analysis.eigen_axes(H)
    if Q.shape != (2, 2):
        raise ValueError(f"H must be 2 × 2 to draw its axes in the plane; got shape {Q.shape}")
    center = _check_point(center, "center")
    scales = np.broadcast_to(np.asarray(scale, dtype=float), (2,))
    if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise ValueError(f"scale must be positive; got {scale!r}")
    subscripts = ("\u2081", "\u2082")
    if labels is None:
        labels = [f"λ{subscripts[i]} = {eigenvalues[i]:.3g}" for i in range(2)]
    if colors is None:
        colors = (ROLE_COLORS["eigen_min"], ROLE_COLORS["eigen_max"])
    for i in range(2):
        tip = center + scales[i] * Q[:, i]
        tail = center - scales[i] * Q[:, i]
        ax.annotate("", xy=tuple(tip), xytext=tuple(tail), gid=f"eigen-axis-{i}",
                    arrowprops=dict(arrowstyle="<|-|>", color=colors[i], lw=2.2, shrinkA=0, shrinkB=0))
        ax.annotate(labels[i], xy=tuple(tip), xytext=(6, 6), textcoords="offset points",
                    color=colors[i], fontsize=10, fontweight="bold", gid=f"eigen-label-{i}",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    return ax


# ---------------------------------------------------------------------------
# The quadratic (second-order Taylor) model
# ---------------------------------------------------------------------------

def _legend_handles(entries):
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=color, ls=ls, lw=2, label=label) for label, color, ls in entries]


def plot_quadratic_model(f, x0, ax, xlim=(-2, 2), ylim=(-2, 2), levels=None, n=151,
                         title="f (solid) and its quadratic model (dashed)"):
    """Contours of f (solid, viridis) and of its second-order model at x0 (dashed, same levels).

    Near x0 the two families of curves coincide; where they part, the model fails.
    The expansion point is marked with a black dot.

    Returns ax. Two ``ContourSet`` objects are added to ``ax.collections``
    (f first, then the model; their ``levels`` are equal).
    """
    x0 = _check_point(x0)
    model = analysis.quadratic_model(f, x0)
    X, Y, Z = evaluate_on_grid(f, xlim, ylim, n)
    M = model(np.stack([X, Y]))
    if levels is None:
        levels = _default_levels(Z)
    if levels is not None:
        ax.contour(X, Y, Z, levels=levels, cmap=SEQUENTIAL_CMAP, linewidths=1.6, **_line_norm(levels))
        ax.contour(X, Y, M, levels=levels, colors=ROLE_COLORS["model"], linestyles="--", linewidths=1.3)
    ax.plot([x0[0]], [x0[1]], "o", color=ROLE_COLORS["point"], ms=7, label="expansion point $x_0$")
    ax.legend(handles=_legend_handles([("f", OKABE_ITO["bluish green"], "-"),
                                       ("quadratic model", ROLE_COLORS["model"], "--")])
              + [ax.lines[-1]], loc="upper right", framealpha=0.9)
    ax.set_xlim(*_check_limits(xlim, "xlim"))
    ax.set_ylim(*_check_limits(ylim, "ylim"))
    ax.set_aspect("equal", adjustable="box")
    _label_axes(ax, title)
    return ax


def plot_model_slice(f, x0, direction, ax, t_lim=(-1.5, 1.5), n=301, title=None):
    """f and its quadratic model along the line x0 + t·d, d = direction/‖direction‖.

    Draws two lines: ``f(x0 + t d)`` (solid, gid ``"function"``) and
    ``f0 + t gᵀd + ½ t² dᵀHd`` (dashed, gid ``"model"``), with ``t`` on the
    horizontal axis, and marks t = 0.

    Returns ax.
    """
    x0 = _check_point(x0)
    d = _check_point(direction, "direction")
    norm = float(np.linalg.norm(d))
    if norm == 0.0:
        raise ValueError("direction must be a nonzero vector")
    d = d / norm
    t_lim = _check_limits(t_lim, "t_lim")
    n = _check_n(n)
    model = analysis.quadratic_model(f, x0)
    t = np.linspace(*t_lim, n)
    points = x0[:, None] + d[:, None] * t[None, :]
    with np.errstate(all="ignore"):
        f_values = np.array([float(f(p)) for p in points.T])
    m_values = model(points)
    ax.plot(t, f_values, color=ROLE_COLORS["function"], lw=2.2, label="$f(x_0 + t\\,d)$", gid="function")
    ax.plot(t, m_values, color=ROLE_COLORS["model"], lw=2.0, ls="--", label="quadratic model", gid="model")
    ax.plot([0.0], [model.value], "o", color=ROLE_COLORS["point"], ms=6, label="$t = 0$")
    finite = f_values[np.isfinite(f_values)]
    if finite.size:
        span = finite.max() - finite.min()
        pad = 0.1 * span if span > 0 else 1.0
        ax.set_ylim(finite.min() - pad, finite.max() + pad)
    ax.legend(loc="best", framealpha=0.9)
    if title is None:
        title = f"Slice along d = ({d[0]:.2f}, {d[1]:.2f})"
    _label_axes(ax, title, xlabel="step $t$ along $d$", ylabel="value")
    return ax


def plot_model_error(f, x0, ax, xlim=(-2, 2), ylim=(-2, 2), n=151, tol=1e-2,
                     title="Error of the quadratic model, $\\log_{10}|f - m|$"):
    """Map of log10 |f(x) − m(x)| with the contour |f − m| = tol drawn in white.

    Inside the white curve the model is good to ``tol``; the error grows like
    ‖x − x0‖³ near x0. Filled contours use :data:`SEQUENTIAL_CMAP` at the integer
    levels from −6 up to the largest error; a colour bar is added next to ax.

    Returns ax (filled ``ContourSet`` first, then the tolerance line with
    ``levels == [log10(tol)]``).
    """
    x0 = _check_point(x0)
    tol = check_positive(tol, "tol")
    model = analysis.quadratic_model(f, x0)
    X, Y, Z = evaluate_on_grid(f, xlim, ylim, n)
    with np.errstate(all="ignore"):
        error = np.log10(np.abs(Z - model(np.stack([X, Y]))) + 1e-16)
    top = max(np.ceil(np.nanmax(np.where(np.isfinite(error), error, np.nan))), -5.0)
    levels = np.arange(-6.0, top + 1.0)
    filled = ax.contourf(X, Y, np.clip(error, -6.0, top), levels=levels, cmap=SEQUENTIAL_CMAP)
    ax.figure.colorbar(filled, ax=ax, label="$\\log_{10}|f - m|$", shrink=0.85)
    if np.nanmin(error) < np.log10(tol) < np.nanmax(error):
        ax.contour(X, Y, error, levels=[np.log10(tol)], colors="white", linewidths=2.0,
                   linestyles="solid")  # a negative level would otherwise be dashed
    ax.plot([x0[0]], [x0[1]], "o", color="white", mec="black", ms=7)
    ax.set_aspect("equal", adjustable="box")
    _label_axes(ax, title)
    return ax


# ---------------------------------------------------------------------------
# Curvature against direction
# ---------------------------------------------------------------------------

def plot_directional_curvature(H, ax, n_angles=361, title="Second derivative along d(θ)"):
    """Plot dᵀHd for d = (cos θ, sin θ), θ from 0° to 180°, with λ_min and λ_max marked.

    The curve (gid ``"curvature"``, x data in degrees) oscillates between the
    extreme eigenvalues (dashed horizontal lines, gids ``"lambda-min"``,
    ``"lambda-max"``), reaching them at the eigenvector angles (dotted vertical lines).

    Returns ax.
    """
    theta, curvature = analysis.directional_curvature_curve(H, n_angles)
    eigenvalues, Q = analysis.eigen_axes(H)
    degrees = np.degrees(theta)
    ax.plot(degrees, curvature, color=OKABE_ITO["black"], lw=2.2, label="$d^T H d$", gid="curvature")
    for value, Qcol, gid, role in ((eigenvalues[0], Q[:, 0], "lambda-min", "eigen_min"),
                                   (eigenvalues[-1], Q[:, -1], "lambda-max", "eigen_max")):
        name = r"$\lambda_{\min}$" if gid == "lambda-min" else r"$\lambda_{\max}$"
        ax.axhline(value, color=ROLE_COLORS[role], ls="--", lw=1.6, gid=gid, label=f"{name} = {value:.3g}")
        angle = np.degrees(np.arctan2(Qcol[1], Qcol[0])) % 180.0
        ax.axvline(angle, color=ROLE_COLORS[role], ls=":", lw=1.4)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlim(0, 180)
    ax.set_xticks(np.arange(0, 181, 45))
    ax.legend(loc="best", framealpha=0.9)
    _label_axes(ax, title, xlabel="direction angle θ (degrees)", ylabel="second derivative $d^T H d$")
    return ax


# ---------------------------------------------------------------------------
# Multi-panel overviews (used by the widgets)
# ---------------------------------------------------------------------------

def plot_hessian_overview(H, fig, lim=2.0, n=41):
    """Three panels for a symmetric 2 × 2 H: the quadratic form q(x) = ½ xᵀHx.

    1. surface of q (3-D); 2. its level sets with the eigen-axes; 3. dᵀHd against θ.
    The figure title gives the eigenvalues and the second-derivative verdict.

    Parameters
    ----------
    H : array_like (2, 2), symmetric
    fig : matplotlib Figure (empty; use ``fig.clear()`` first to redraw)
    lim : float > 0, the panels show [−lim, lim]²

    Returns list of the three Axes.
    """
    H = analysis.check_symmetric(H)
    if H.shape != (2, 2):
        raise ValueError(f"H must be 2 × 2; got shape {H.shape}")
    lim = check_positive(lim, "lim")
    eigenvalues, _ = analysis.eigen_axes(H)
    verdict = analysis.classify_critical_point(H)

    def q(x):
        return 0.5 * (H[0, 0] * x[0] ** 2 + 2 * H[0, 1] * x[0] * x[1] + H[1, 1] * x[1] ** 2)

    ax_surface = fig.add_subplot(1, 3, 1, projection="3d")
    ax_contour = fig.add_subplot(1, 3, 2)
    ax_curve = fig.add_subplot(1, 3, 3)
    box = (-lim, lim)
    plot_surface(q, ax_surface, box, box, n=n, title="Surface $q = \\frac{1}{2} x^T H x$", zlabel="$q$")
    X, Y, Z = evaluate_on_grid(q, box, box, 2 * n + 1)
    if np.ptp(Z) > 0:
        plot_contours(q, ax_contour, box, box, levels=_symmetric_levels(Z), n=2 * n + 1,
                      title="Level sets and eigen-axes")
    else:
        ax_contour.text(0.5, 0.5, "q is constant:\nno level sets", ha="center", va="center",
                        transform=ax_contour.transAxes)
        ax_contour.set_xlim(*box)
        ax_contour.set_ylim(*box)
        ax_contour.set_aspect("equal", adjustable="box")
        _label_axes(ax_contour, "Level sets and eigen-axes")
    draw_eigen_axes(ax_contour, H, scale=0.75 * lim)
    plot_directional_curvature(H, ax_curve)
    fig.suptitle(f"H = [[{H[0, 0]:.3g}, {H[0, 1]:.3g}], [{H[1, 0]:.3g}, {H[1, 1]:.3g}]]:   "
                 f"λ = {eigenvalues[0]:.3g}, {eigenvalues[1]:.3g}   →   {verdict}", fontsize=12)
    return [ax_surface, ax_contour, ax_curve]


def _symmetric_levels(Z, count=13):
    """Levels that include 0 and spread evenly over the range of Z."""
    low, high = float(np.min(Z)), float(np.max(Z))
    step = (high - low) / (count - 1)
    start = np.ceil(low / step) * step if low < 0 else step / 2
    levels = np.arange(start, high, step)
    levels = levels[np.abs(levels) > 1e-12 * max(abs(low), abs(high))]
    if low < 0 < high:
        levels = np.union1d(levels, [0.0])
    return levels if levels.size else np.array([(low + high) / 2])


def plot_taylor_overview(f, x0, fig, xlim=(-2, 2), ylim=(-2, 2), direction=(0.0, 1.0),
                         t_lim=(-1.5, 1.5), levels=None, tol=1e-2, n=121):
    """Three panels for the second-order model of f at x0.

    1. contours of f and of the model (:func:`plot_quadratic_model`);
    2. the error map log10|f − m| (:func:`plot_model_error`);
    3. f and the model along x0 + t·d (:func:`plot_model_slice`).

    Returns list of the three Axes.
    """
    x0 = _check_point(x0)
    ax_model = fig.add_subplot(1, 3, 1)
    ax_error = fig.add_subplot(1, 3, 2)
    ax_slice = fig.add_subplot(1, 3, 3)
    plot_quadratic_model(f, x0, ax_model, xlim, ylim, levels=levels, n=n,
                         title="f (solid) and model (dashed)")
    plot_model_error(f, x0, ax_error, xlim, ylim, n=n, tol=tol,
                     title=f"Model error (white: |f − m| = {tol:g})")
    d = _check_point(direction, "direction")
    ax_model.annotate("", xy=tuple(x0 + 0.6 * d / np.linalg.norm(d)), xytext=tuple(x0),
                      arrowprops=dict(arrowstyle="-|>", color=OKABE_ITO["black"], lw=1.8))
    plot_model_slice(f, x0, d, ax_slice, t_lim=t_lim)
    fig.suptitle(f"Second-order Taylor model at $x_0$ = ({x0[0]:.2f}, {x0[1]:.2f})", fontsize=12)
    return [ax_model, ax_error, ax_slice]
