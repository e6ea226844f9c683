"""Figures and the explorer of chapter 05: block Hessians, spectral densities, sharpness during training,
and :func:`density_explorer` (the broadening width σ of a stochastic-Lanczos density on a slider).

As in :mod:`hvplib.plotting`, each function draws into an ``ax`` that you pass in and returns it;
colours come from the Okabe–Ito palette (:data:`hvplib.plotting.PALETTE`), and a signed matrix is
drawn with the diverging colormap :data:`DIVERGING_CMAP` (blue negative, red positive, white 0),
which stays readable under the common forms of colour blindness.
"""
import numpy as np

from .._checks import as_float_array, check_finite, check_positive
from ..krylov.density import broaden
from . import plotting
from .plotting import OKABE_ITO, PALETTE
from .widgets import connect, new_figure

__all__ = ["DIVERGING_CMAP", "plot_block_matrix", "plot_density", "plot_sharpness", "plot_losses", "density_explorer"]

#: Diverging colormap for signed matrices (ColorBrewer RdBu, reversed: red = positive).
DIVERGING_CMAP = "RdBu_r"


def plot_block_matrix(ax, H, blocks, labels=None, title="Hessian by layer", clip_percentile=99.0,
                      colorbar=True):
    """Heatmap of a symmetric matrix with its diagonal blocks outlined and labelled.

    Parameters
    ----------
    ax : matplotlib Axes
    H : ndarray, shape (P, P)
    blocks : list of slices covering ``range(P)`` in order (e.g. :func:`hvplib.landscape.layer_blocks`)
    labels : list of str, one per block (default "layer 1", "layer 2", …)
    clip_percentile : float
        The colour scale is symmetric, ±(this percentile of |H|), so that a few large entries do not
        wash out the rest.
    colorbar : bool
        Add a colour bar.

    Returns ax; the image is ``ax.images[0]``, the block outlines are the patches with gid ``"block-k"``.
    """
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import blended_transform_factory

    H = check_finite(as_float_array(H, "H"), "H")
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix; got shape {H.shape}")
    if labels is None:
        labels = [f"layer {k + 1}" for k in range(len(blocks))]
    vmax = float(np.percentile(np.abs(H), clip_percentile)) or 1.0
    image = ax.imshow(H, cmap=DIVERGING_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
    for k, (s, label) in enumerate(zip(blocks, labels)):
        lo, hi = s.start - 0.5, s.stop - 0.5
        ax.add_patch(Rectangle((lo, lo), hi - lo, hi - lo, fill=False, lw=2.0, ec=OKABE_ITO["black"],
                               gid=f"block-{k}"))
        ax.text((lo + hi) / 2, 1.01, label, ha="center", va="bottom", fontsize=9, gid=f"block-label-{k}",
                transform=blended_transform_factory(ax.transData, ax.transAxes))
        if k:
            ax.axhline(lo, color="0.35", lw=0.8, ls=":")
            ax.axvline(lo, color="0.35", lw=0.8, ls=":")
    ax.set_xlabel("parameter index j")
    ax.set_ylabel("parameter index i")
    ax.set_title(title, pad=20)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.85, label=r"$H_{ij}$ (clipped)")
    return ax


def plot_density(ax, grid, density, label, color=None, floor=1e-5, ls="-", lw=2.0):
    """Draw an eigenvalue density on a log y-axis (the outliers carry tiny mass), clipped at ``floor``.

    Returns ax; the line has gid ``label``.
    """
    grid = np.asarray(grid, dtype=float)
    density = np.asarray(density, dtype=float)
    ax.semilogy(grid, np.maximum(density, floor), ls=ls, lw=lw, color=color or PALETTE[0], label=label, gid=label)
    ax.set_ylim(bottom=floor)
    ax.set_xlabel(r"eigenvalue $\lambda$")
    ax.set_ylabel(r"density $\rho(\lambda)$ (log scale)")
    return ax


def plot_sharpness(ax, runs, colors=None, title="Sharpness during full-batch gradient descent", legend_loc="lower right"):
    """λ_max along each run of :func:`hvplib.landscape.train_gd`, with its threshold 2/η dashed.

    Returns ax; the lines have gids ``"sharpness-η"`` and ``"threshold-η"``.
    """
    colors = colors or PALETTE
    for run, color in zip(runs, colors):
        ax.plot(run.sharpness_steps, run.sharpness, color=color, lw=1.6, label=f"η = {run.step:g}",
                gid=f"sharpness-{run.step:g}")
        ax.axhline(run.threshold, color=color, ls="--", lw=1.2, gid=f"threshold-{run.step:g}")
        ax.annotate(f"2/η = {run.threshold:.3g}", xy=(1.0, run.threshold), xycoords=("axes fraction", "data"),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8, color=color)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel(r"sharpness $\lambda_{\max}(H)$")
    ax.set_title(title)
    ax.legend(loc=legend_loc, fontsize=8, ncol=2)
    return ax


def plot_losses(ax, runs, colors=None, title="Training loss"):
    """The loss of each :func:`hvplib.landscape.train_gd` run on a log scale. Returns ax."""
    colors = colors or PALETTE
    for run, color in zip(runs, colors):
        ax.semilogy(np.arange(len(run.losses)), run.losses, color=color, lw=1.4, label=f"η = {run.step:g}")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


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
    figure = new_figure((9.0, 4.2))
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
        plot_density(ax, grid, density, "SLQ estimate", color=plotting.OKABE_ITO["blue"])
        l1 = None
        if exact is not None:
            plot_density(ax, grid, exact, "exact (dense eigvalsh)",
                                            color=plotting.OKABE_ITO["vermillion"], ls="--", lw=1.5)
            l1 = float(np.trapezoid(np.abs(density - exact), grid))
        ax.set_title(f"Hessian eigenvalue density, Gaussian broadening σ = {s:.2e}")
        ax.legend(loc="upper right")
        box.state.update(sigma=s, grid=grid, density=density, exact=exact, l1=l1, n_draws=box.state["n_draws"] + 1)
        summary.value = (f"σ = {s:.2e}" + ("" if l1 is None else f" &nbsp;·&nbsp; L1 distance SLQ vs exact = {l1:.3f}"))

    connect(box, figure, draw, [control], show)
    return box
