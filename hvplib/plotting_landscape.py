"""Figures of chapter 05: block Hessians, spectral densities, sharpness during training.

As in :mod:`hvplib.plotting`, each function draws into an ``ax`` that you pass in and returns it;
colours come from the Okabe–Ito palette (:data:`hvplib.plotting.PALETTE`), and a signed matrix is
drawn with the diverging colormap :data:`DIVERGING_CMAP` (blue negative, red positive, white 0),
which stays readable under the common forms of colour blindness.
"""
import numpy as np

from ._checks import as_float_array, check_finite
from .plotting import OKABE_ITO, PALETTE

__all__ = ["DIVERGING_CMAP", "plot_block_matrix", "plot_density", "plot_sharpness", "plot_losses"]

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
