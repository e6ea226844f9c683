"""Figure and explorer of chapter 07: the step size against 2/λ_max, on the network and on its model.

:func:`plot_step_size_runs` draws :func:`hvplib.course.lab.step_size_runs`; :func:`step_size_explorer`
puts a slider for c = η·λ_max in front of it.
"""
from .._checks import check_positive
from ..course.lab import step_size_runs
from ..nn import check_mlp
from .plotting import PALETTE
from .widgets import connect, new_figure

__all__ = ["plot_step_size_runs", "step_size_explorer"]


def plot_step_size_runs(fig, runs, lam_max):
    """Draw :func:`step_size_runs` into ``fig``: the model's gradient norm (relative) and the network's loss."""
    fig.clear()
    ax_m, ax_n = fig.subplots(1, 2)
    for i, (c, run) in enumerate(runs.items()):
        color = PALETTE[i % len(PALETTE)]
        label = f"η = {c:g}/λ_max = {run['step']:.3g}" + ("  (above 2/λ_max)" if c > 2 else "")
        norms = run["model_grad_norm"]
        ax_m.semilogy(norms / norms[0], color=color, label=label)
        ax_n.semilogy(run["network_loss"], color=color, label=label)
    ax_m.axhline(1.0, color="black", lw=0.8, ls=":")
    ax_m.set_ylim(1e-2, 1e4)
    ax_m.set_title("Local quadratic model m(d) = gᵀd + ½dᵀHd")
    ax_m.set_xlabel("gradient-descent step")
    ax_m.set_ylabel("‖∇m(d_k)‖ / ‖∇m(0)‖ (log scale)")
    ax_n.set_title(f"The network itself (2/λ_max = {2 / lam_max:.3g})")
    ax_n.set_xlabel("gradient-descent step")
    ax_n.set_ylabel("training loss (log scale)")
    ax_n.legend(loc="best", fontsize=8)


def step_size_explorer(model, w, X, y, lam_max, multiple=2.1, n_steps=150, multiple_range=(0.25, 8.0),
                       curvature_operator=None, show=True):
    r"""A slider for c = η·λ_max: the quadratic model and the network trained with η = c/λ_max, side by side.

    The left panel shows the gradient norm of the quadratic model at ``w`` (matrix ``curvature_operator``,
    default the Gauss–Newton operator, whose λ_max should be ``lam_max``) — it falls for c < 2 and grows like
    |1 − c|^k for c > 2; the right panel the network's training loss from ``w``.
    Without a live front end the cell keeps the figure for the starting value (see :mod:`hvplib.widgets`).

    Returns
    -------
    ipywidgets.VBox
        with ``.controls`` (``{"multiple": FloatSlider}``), ``.figure`` and ``.state``
        (``{"multiple", "step", "model_growth", "network_final_loss", "n_draws"}``).
    """
    import ipywidgets as widgets

    check_mlp(model)
    lam_max = check_positive(lam_max, "lam_max")
    op = model.ggn_operator(w, X, y) if curvature_operator is None else curvature_operator
    low, high = multiple_range
    slider = widgets.FloatSlider(value=float(multiple), min=float(low), max=float(high), step=0.05,
                                 description="c = η·λ_max", continuous_update=False, readout_format=".2f",
                                 style={"description_width": "initial"}, layout=widgets.Layout(width="60%"))
    figure = new_figure((12, 4.2))
    box = widgets.VBox([slider])
    box.controls = {"multiple": slider}
    box.figure = figure
    box.state = {"n_draws": 0}

    def draw():
        c = slider.value
        runs = step_size_runs(model, w, X, y, lam_max, [c], n_steps=n_steps, curvature_operator=op)
        run = runs[c]
        plot_step_size_runs(figure, runs, lam_max)
        norms = run["model_grad_norm"]
        box.state.update(multiple=c, step=run["step"], model_growth=float(norms[-1] / norms[0]),
                         network_final_loss=float(run["network_loss"][-1]), n_draws=box.state["n_draws"] + 1)

    connect(box, figure, draw, [slider], show)
    return box
