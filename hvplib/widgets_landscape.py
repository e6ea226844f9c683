"""Interactive explorer of chapter 05: the broadening width σ of a stochastic-Lanczos density.

Built like :mod:`hvplib.widgets`: the function returns an ``ipywidgets.VBox`` and keeps one
matplotlib ``Figure``. With ``show=True`` it displays the slider and the figure for the starting σ
as an ordinary image with a display id; moving the slider redraws the figure and replaces that
image in place. Without a live front end (nbval, ``nbconvert --execute``, an HTML export) the cell
still holds the static figure.

The returned box carries ``.controls``, ``.figure`` and ``.state``, so code and tests can drive it.
"""
import numpy as np

from . import plotting, plotting_landscape
from ._checks import check_positive
from .landscape import broaden
from .widgets import _new_figure, connect

__all__ = ["density_explorer"]


def density_explorer(nodes, weights, eigenvalues=None, sigma=None, sigma_range=None, n_grid=801, show=True):
    r"""Slide the Gaussian width σ and watch an SLQ density (and the exact one) sharpen or blur.

    The quadrature rule — nodes θ and weights τ of each probe, as in
    :class:`hvplib.krylov.DensityResult` — is smoothed with :func:`hvplib.landscape.broaden` at the
    slider's σ. If the exact ``eigenvalues`` are given they are smoothed with the same σ (weight 1/n
    each) and drawn dashed, so the two can be compared at every width.

    Parameters
    ----------
    nodes, weights : lists of arrays, one pair per probe
    eigenvalues : array_like, optional
    sigma : float, optional
        Starting width; default 1 % of the spread of the nodes.
    sigma_range : (low, high), optional
        Range of the log slider; default (spread/1000, spread/5).
    n_grid : int
        Points of the evaluation grid.
    show : bool
        Display the slider and figure now (False: build only).

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (key ``"sigma"``), ``.figure`` and ``.state`` (keys ``"sigma"``,
    ``"grid"``, ``"density"``, ``"exact"``, ``"l1"`` (L1 distance of the two, or None) and ``"n_draws"``).
    """
    import ipywidgets as widgets

    all_nodes = np.concatenate([np.asarray(t, dtype=float) for t in nodes])
    lo, hi = float(all_nodes.min()), float(all_nodes.max())
    if eigenvalues is not None:
        eigenvalues = np.asarray(eigenvalues, dtype=float)
        lo, hi = min(lo, float(eigenvalues.min())), max(hi, float(eigenvalues.max()))
    spread = max(hi - lo, 1e-12)
    sigma = check_positive(0.01 * spread if sigma is None else sigma, "sigma")
    s_lo, s_hi = sigma_range if sigma_range is not None else (spread / 1000, spread / 5)
    s_lo, s_hi = check_positive(s_lo, "sigma_range[0]"), check_positive(s_hi, "sigma_range[1]")
    if not s_lo <= sigma <= s_hi:
        raise ValueError(f"sigma must lie in sigma_range {(s_lo, s_hi)}; got {sigma}")
    control = widgets.FloatLogSlider(value=sigma, base=10, min=np.log10(s_lo), max=np.log10(s_hi), step=0.05,
                                     description="broadening σ", readout_format=".2e", continuous_update=False,
                                     style={"description_width": "initial"}, layout=widgets.Layout(width="60%"))
    summary = widgets.HTML()
    figure = _new_figure((9.0, 4.2))
    box = widgets.VBox([control, summary])
    box.controls, box.figure, box.state = {"sigma": control}, figure, {"n_draws": 0}

    def draw():
        s = control.value
        grid = np.linspace(lo - 5 * s, hi + 5 * s, n_grid)
        density = broaden(nodes, weights, grid, s)
        exact = None if eigenvalues is None else broaden(eigenvalues, np.full(eigenvalues.size, 1 / eigenvalues.size),
                                                         grid, s)
        figure.clear()
        ax = figure.subplots()
        plotting_landscape.plot_density(ax, grid, density, "SLQ estimate", color=plotting.OKABE_ITO["blue"])
        l1 = None
        if exact is not None:
            plotting_landscape.plot_density(ax, grid, exact, "exact (dense eigvalsh)",
                                            color=plotting.OKABE_ITO["vermillion"], ls="--", lw=1.5)
            l1 = float(np.trapezoid(np.abs(density - exact), grid))
        ax.set_title(f"Hessian eigenvalue density, Gaussian broadening σ = {s:.2e}")
        ax.legend(loc="upper right")
        box.state.update(sigma=s, grid=grid, density=density, exact=exact, l1=l1, n_draws=box.state["n_draws"] + 1)
        summary.value = (f"σ = {s:.2e}" + ("" if l1 is None else f" &nbsp;·&nbsp; L1 distance SLQ vs exact = {l1:.3f}"))

    connect(box, figure, draw, [control], show)
    return box
