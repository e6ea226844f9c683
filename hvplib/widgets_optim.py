"""Interactive explorer of chapter 04: change the condition number κ and watch steepest descent zig-zag.

Built like :mod:`hvplib.widgets`: the function returns an ``ipywidgets.VBox`` and keeps one
matplotlib ``Figure``. With ``show=True`` it displays the controls, a line of text, and the
figure for the starting values as an ordinary image with a display id; moving a control
redraws the figure and replaces that image in place. Without a live front end (nbval,
``nbconvert --execute``, an HTML export) the cell still holds the static figure.

The returned box carries ``.controls`` (set ``.value`` to move a control), ``.figure`` and
``.state`` (what is drawn now), so code and tests can drive it without a browser.
"""
import numpy as np

from . import plotting, plotting_optim, problems
from ._checks import check_positive, check_positive_int
from .widgets import _new_figure, connect

__all__ = ["conditioning_explorer", "steepest_descent_on_quadratic"]


def steepest_descent_on_quadratic(kappa, angle=None, n_steps=30, rng=0):
    """Steepest descent with exact line search on a 2-D quadratic with eigenvalues 1 and κ.

    The quadratic is ½ (x − x*)ᵀA(x − x*) with x* = 0 and A's eigenvectors a fixed
    random rotation (``rng``). The start is at distance 1 from x*, at ``angle`` degrees
    from the low-curvature eigenvector v_min towards v_max; ``None`` means the worst case,
    angle = arctan(λ_min/λ_max) = arctan(1/κ), where f − f* shrinks by exactly
    ρ² = ((κ−1)/(κ+1))² per step.

    Returns
    -------
    dict with ``"problem"`` (QuadraticProblem), ``"angle"`` (degrees), ``"path"`` (k + 1, 2),
    ``"gaps"`` (k + 1,) f − f* along the path, ``"rho"`` and ``"rate_predicted"`` (= ρ²),
    ``"rate_measured"`` (geometric mean of the per-step ratios of f − f*).
    """
    from .optimize import gradient_descent

    kappa = check_positive(kappa, "kappa")
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1; got {kappa}")
    n_steps = check_positive_int(n_steps, "n_steps")
    q = problems.make_quadratic(eigenvalues=[1.0, kappa], b=np.zeros(2), rng=rng)
    if angle is None:
        angle = float(np.degrees(np.arctan(1.0 / kappa)))
    theta = np.radians(angle)
    x0 = q.x_star + np.cos(theta) * q.eigenvectors[:, 0] + np.sin(theta) * q.eigenvectors[:, 1]
    res = gradient_descent(q.f, x0, step="exact", tol=1e-300, max_iter=n_steps)
    gaps = np.array(res.history["f"]) - q.f_star
    positive = gaps[gaps > 1e-14 * gaps[0]]
    rate = float((positive[-1] / positive[0]) ** (1.0 / (positive.size - 1))) if positive.size > 1 else 0.0
    rho = (kappa - 1.0) / (kappa + 1.0)
    return {"problem": q, "angle": float(angle), "path": np.array(res.history["x"]), "gaps": gaps,
            "rho": rho, "rate_predicted": rho**2, "rate_measured": rate}


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
    low, high = plotting._check_limits(kappa_range, "kappa_range")
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
    figure = _new_figure((12.0, 4.6))
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
        plotting_optim.plot_path(ax_path, run["path"], label="iterates", color=plotting.OKABE_ITO["vermillion"])
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
