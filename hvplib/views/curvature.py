"""Figure and explorer of chapter 08: Hutchinson's estimate of the Hessian's diagonal as probes accumulate.

:func:`plot_hutchinson_diagonal` draws the estimate after ``k`` probes against the exact diagonal and the
error against the number of probes; :func:`hutchinson_diagonal_explorer` puts a slider for ``k`` in front of it.
The probes are made once (``hvplib.krylov.hutchinson_diagonal(...).samples``), so moving the slider costs no product.
"""
import numpy as np

from .._checks import check_positive_int
from .plotting import OKABE_ITO
from .widgets import connect, new_figure

__all__ = ["diagonal_errors", "plot_hutchinson_diagonal", "hutchinson_diagonal_explorer"]


def _check(samples, exact):
    samples, exact = np.asarray(samples, dtype=float), np.asarray(exact, dtype=float)
    if samples.ndim != 2 or exact.shape != (samples.shape[1],):
        raise ValueError(f"samples must have shape (n_probes, n) and exact shape (n,); got {samples.shape} "
                         f"and {exact.shape}")
    return samples, exact


def diagonal_errors(samples, exact):
    """Relative error ‖d̂_k − diag‖/‖diag‖ of the running mean after k = 1 … n_probes probes: shape (n_probes,)."""
    samples, exact = _check(samples, exact)
    running = np.cumsum(samples, axis=0) / np.arange(1, samples.shape[0] + 1)[:, None]
    return np.linalg.norm(running - exact, axis=1) / np.linalg.norm(exact)


def plot_hutchinson_diagonal(fig, samples, exact, k):
    """Draw into ``fig``: the estimate after ``k`` probes against the exact diagonal, and the error curve."""
    samples, exact = _check(samples, exact)
    k = check_positive_int(k, "k")
    if k > samples.shape[0]:
        raise ValueError(f"k must be at most the number of probes, {samples.shape[0]}; got {k}")
    fig.clear()
    ax_s, ax_e = fig.subplots(1, 2)
    est = samples[:k].mean(axis=0)
    lim = [min(exact.min(), est.min()), max(exact.max(), est.max())]
    ax_s.plot(lim, lim, color=OKABE_ITO["black"], lw=0.8, ls=":", label="estimate = exact")
    ax_s.plot(exact, est, ".", ms=3, color=OKABE_ITO["bluish green"], label=f"Hutchinson, {k} probe(s)")
    ax_s.set(title=f"diag(H): estimate after {k} probe(s) vs exact", xlabel="exact H_ii (dense Hessian)",
             ylabel="mean of z ⊙ Hz")
    ax_s.legend(loc="upper left", fontsize=8)
    errors = diagonal_errors(samples, exact)
    probes = np.arange(1, samples.shape[0] + 1)
    ax_e.loglog(probes, errors, color=OKABE_ITO["bluish green"], label="measured")
    ax_e.loglog(probes, errors[0] / np.sqrt(probes), color=OKABE_ITO["black"], ls="--", lw=1, label="∝ 1/√k")
    ax_e.plot([k], [errors[k - 1]], "o", color=OKABE_ITO["vermillion"], label=f"k = {k}")
    ax_e.set(title="Relative error of the diagonal estimate", xlabel="probes k (Hessian-vector products)",
             ylabel="‖d̂_k − diag H‖ / ‖diag H‖")
    ax_e.legend(loc="lower left", fontsize=8)
    return errors[k - 1]


def hutchinson_diagonal_explorer(samples, exact, k=10, show=True):
    """A slider for the number of probes k over precomputed Hutchinson samples (n_probes, n) and the exact diagonal.

    Without a live front end the cell keeps the figure for the starting ``k`` (see :mod:`hvplib.views.widgets`).

    Returns
    -------
    ipywidgets.VBox
        with ``.controls`` (``{"k": IntSlider}``), ``.figure`` and ``.state`` (``{"k", "error", "n_draws"}``).
    """
    import ipywidgets as widgets

    samples, exact = _check(samples, exact)
    slider = widgets.IntSlider(value=int(k), min=1, max=samples.shape[0], step=1, description="probes k",
                               continuous_update=False, layout=widgets.Layout(width="60%"))
    figure = new_figure((11, 3.9))
    box = widgets.VBox([slider])
    box.controls, box.figure, box.state = {"k": slider}, figure, {"n_draws": 0}

    def draw():
        error = plot_hutchinson_diagonal(figure, samples, exact, slider.value)
        box.state.update(k=slider.value, error=float(error), n_draws=box.state["n_draws"] + 1)

    connect(box, figure, draw, [slider], show)
    return box
