"""Interactive explorers for chapter 06 (applications), in the pattern of :mod:`hvplib.widgets`.

Each explorer returns an ``ipywidgets.VBox`` with ``.controls``, ``.figure`` and ``.state``;
with ``show=True`` it displays the controls and a static figure for the default values
(what nbval and an HTML export see), and redraws that figure in place when a control moves.

- :func:`spring_chain_explorer` — pick a chain length and a mode number: the mode shape
  swinging between its extremes, and where its frequency sits in the spectrum.
- :func:`laplace_explorer` — pick the number of coin tosses: the exact Beta posterior and its
  Laplace approximation, and their total-variation distance.
"""
import numpy as np

from ..course import physics, statistics
from ..course.physics import spring_chain_mode_shapes
from ..hvp import hessian
from .plotting import PALETTE, ROLE_COLORS
from .widgets import new_figure, connect

__all__ = ["plot_mode_shapes", "plot_laplace", "spring_chain_explorer", "laplace_explorer"]


def _int_slider(widgets, description, value, low, high):
    return widgets.IntSlider(value=int(value), min=int(low), max=int(high), step=1, description=description,
                             continuous_update=False, style={"description_width": "initial"},
                             layout=widgets.Layout(width="45%"))


def draw_spring_chain(figure, n_masses, mode, k=1.0):
    """Draw mode ``mode`` of a unit-mass, fixed-end chain of ``n_masses`` masses on ``figure``.

    Left: the mode shape u(t) = v cos(ωt) at five phases of one swing (from the Hessian of the
    potential), with the closed-form standing wave dotted. Right: ω_j against j, computed
    (markers) and closed form (line), the chosen mode ringed.

    Returns dict with ``"omega"`` (N,), ``"omega_closed_form"`` (N,), ``"mode_shape"`` (N,).
    """
    potential = physics.spring_chain_potential(n_masses, k=k)
    omega2, modes = physics.normal_modes(hessian(potential, np.zeros(n_masses)))
    omega = np.sqrt(np.clip(omega2, 0.0, None))
    closed = physics.spring_chain_frequencies(n_masses, k=k)
    figure.clear()
    ax_shape, ax_spec = figure.subplots(1, 2, width_ratios=[1.6, 1.0])
    index = np.arange(n_masses + 2)
    shape = np.concatenate([[0.0], modes[:, mode - 1], [0.0]])
    for phase in np.linspace(0.0, np.pi, 5):
        c = np.cos(phase)
        ax_shape.plot(index, c * shape, "o-", color=PALETTE[0], alpha=0.25 + 0.75 * abs(c), markersize=4,
                      linewidth=1.2 if abs(c) < 1 else 2.0)
    exact = physics.spring_chain_mode_shapes(n_masses)[:, mode - 1]
    sign = np.sign(exact @ modes[:, mode - 1])
    fine = np.linspace(0, n_masses + 1, 400)
    ax_shape.plot(fine, sign * np.sqrt(2.0 / (n_masses + 1)) * np.sin(fine * mode * np.pi / (n_masses + 1)),
                  ":", color=PALETTE[1], label="closed form √(2/(N+1)) sin(ijπ/(N+1))")
    ax_shape.set_ylim(-0.75, 0.75)
    ax_shape.set_xlabel("mass index i (0 and N + 1 are the walls)")
    ax_shape.set_ylabel("displacement $u_i$")
    ax_shape.set_title(f"Mode {mode} of {n_masses}: ω = {omega[mode - 1]:.4f}, one swing")
    ax_shape.legend(loc="upper right", fontsize=8)
    j = np.arange(1, n_masses + 1)
    ax_spec.plot(j, closed, color=PALETTE[2], label="closed form 2√(k/m) sin(jπ/(2(N+1)))")
    ax_spec.plot(j, omega, "o", color=ROLE_COLORS["point"], markersize=4, label="√eig(Hessian)")
    ax_spec.plot([mode], [omega[mode - 1]], "o", markersize=12, markerfacecolor="none",
                 markeredgecolor=PALETTE[1], markeredgewidth=2)
    ax_spec.set_xlabel("mode number j")
    ax_spec.set_ylabel("angular frequency $\\omega_j$")
    ax_spec.set_title("Spectrum of the chain")
    ax_spec.legend(loc="lower right", fontsize=8)
    return {"omega": omega, "omega_closed_form": closed, "mode_shape": modes[:, mode - 1]}


def spring_chain_explorer(n_masses=10, mode=1, max_masses=30, show=True):
    """Slide through the normal modes of a chain of unit masses and unit springs, ends fixed.

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (keys ``"n_masses"``, ``"mode"``), ``.figure`` and
    ``.state`` (keys ``"n_masses"``, ``"mode"``, ``"omega"`` (N,), ``"omega_closed_form"`` (N,),
    ``"mode_shape"`` (N,), ``"n_draws"``).
    """
    import ipywidgets as widgets

    controls = {
        "n_masses": _int_slider(widgets, "number of masses N", n_masses, 2, max_masses),
        "mode": _int_slider(widgets, "mode number j", mode, 1, n_masses),
    }
    figure = new_figure((12.5, 4.2))
    box = widgets.VBox([widgets.HBox(list(controls.values()))])
    box.controls, box.figure, box.state = controls, figure, {"n_draws": 0}

    def draw():
        n, j = controls["n_masses"].value, min(controls["mode"].value, controls["n_masses"].value)
        drawn = draw_spring_chain(figure, n, j)
        box.state.update(n_masses=n, mode=j, n_draws=box.state["n_draws"] + 1, **drawn)

    def clamp_mode(change):
        if change["owner"] is controls["n_masses"]:
            controls["mode"].max = controls["n_masses"].value  # may clamp mode and fire again

    connect(box, figure, draw, controls.values(), show, before_draw=clamp_mode)
    return box


def draw_laplace(figure, trials, rate=0.3, a=1.0, b=1.0):
    """Draw the Beta posterior after ``round(rate·trials)`` successes in ``trials`` and its Laplace fit.

    Returns dict with ``"successes"``, ``"mode"``, ``"sd"``, ``"tv"`` (total-variation distance).
    """
    successes = int(round(rate * trials))
    laplace, exact = statistics.beta_binomial_laplace(successes, trials, a, b)
    tv = statistics.total_variation_distance(laplace, exact)
    figure.clear()
    ax = figure.subplots()
    plot_laplace(ax, laplace, exact,
                              title=f"{successes} successes in {trials} trials: TV distance {tv:.3f}")
    return {"successes": successes, "mode": float(laplace.mode[0]), "sd": float(np.sqrt(laplace.cov[0, 0])),
            "tv": tv}


def laplace_explorer(trials=10, rate=0.3, a=1.0, b=1.0, max_trials=1000, show=True):
    """Move the number of coin tosses and watch the Laplace approximation of the posterior improve.

    The data are ``round(rate·n)`` successes in n tosses, the prior Beta(a, b).

    Returns
    -------
    ipywidgets.VBox with ``.controls`` (key ``"trials"``), ``.figure`` and ``.state``
    (keys ``"trials"``, ``"successes"``, ``"mode"``, ``"sd"``, ``"tv"``, ``"n_draws"``).
    """
    import ipywidgets as widgets

    controls = {"trials": _int_slider(widgets, "number of tosses n", trials, 4, max_trials)}
    figure = new_figure((7.5, 4.0))
    box = widgets.VBox([widgets.HBox(list(controls.values()))])
    box.controls, box.figure, box.state = controls, figure, {"n_draws": 0}

    def draw():
        n = controls["trials"].value
        drawn = draw_laplace(figure, n, rate, a, b)
        box.state.update(trials=n, n_draws=box.state["n_draws"] + 1, **drawn)

    connect(box, figure, draw, [controls["trials"]], show)
    return box


# ---------------------------------------------------------------------------
# Plot helpers
# ---------------------------------------------------------------------------

def plot_mode_shapes(ax, modes, omega, which=(1, 2, 3), closed_form=True, title=None):
    """Draw normal-mode shapes of a fixed-end chain as displacement against mass index.

    Each mode is drawn with the walls (index 0 and N + 1, displacement 0) added, as a line
    with markers, gid ``"mode-j"``. With ``closed_form=True`` the standing wave
    √(2/(N+1)) sin(x j π/(N+1)) is drawn through it as a thin dashed curve over the whole
    chain, gid ``"closed-form-j"`` (its sign matched to the computed mode).

    Parameters
    ----------
    ax : matplotlib Axes
    modes : ndarray (N, N), column j−1 is mode j (unit length)
    omega : ndarray (N,), angular frequencies for the legend
    which : iterable of mode numbers j (1-based)
    closed_form : bool
    title : str, optional
    """
    n = modes.shape[0]
    index = np.arange(n + 2)
    exact = spring_chain_mode_shapes(n)
    fine = np.linspace(0, n + 1, 400)
    for colour, j in zip(PALETTE, which):
        shape = np.concatenate([[0.0], modes[:, j - 1], [0.0]])
        ax.plot(index, shape, "o-", color=colour, gid=f"mode-{j}", label=f"mode {j}: ω = {omega[j - 1]:.3f}")
        if closed_form:
            sign = np.sign(exact[:, j - 1] @ modes[:, j - 1])
            curve = sign * np.sqrt(2.0 / (n + 1)) * np.sin(fine * j * np.pi / (n + 1))
            ax.plot(fine, curve, ":", color=colour, linewidth=1.2, gid=f"closed-form-{j}")
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel("mass index i (0 and N + 1 are the walls)")
    ax.set_ylabel("displacement $u_i$ (unit-length mode)")
    ax.set_title(title or f"Normal modes of a chain of {n} masses")
    ax.legend(loc="upper right", fontsize=8)


def plot_laplace(ax, laplace, exact, grid=None, title=None):
    """Draw an exact 1-D posterior density and its Laplace approximation.

    Lines: gid ``"exact"`` (blue, solid) and ``"laplace"`` (vermillion, dashed). Returns the
    grid and both densities as a tuple ``(grid, exact_pdf, laplace_pdf)``.
    """
    grid = np.linspace(0.0005, 0.9995, 1000) if grid is None else np.asarray(grid, dtype=float)
    exact_pdf = exact.pdf(grid)
    laplace_pdf = laplace.pdf(grid)
    ax.plot(grid, exact_pdf, color=ROLE_COLORS["function"], gid="exact", label="exact posterior")
    ax.plot(grid, laplace_pdf, "--", color=ROLE_COLORS["model"], gid="laplace",
            label="Laplace: N(θ̂, 1/U″(θ̂))")
    ax.set_xlabel("θ (probability of success)")
    ax.set_ylabel("posterior density")
    ax.set_title(title or "Posterior and its Laplace approximation")
    ax.legend(fontsize=8)
    return grid, exact_pdf, laplace_pdf
