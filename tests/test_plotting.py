"""Tests for hvplib.analysis and hvplib.plotting: the numbers behind each figure are checked.

Figures are drawn with the Agg backend into bare ``matplotlib.figure.Figure`` objects.
"""
import matplotlib

matplotlib.use("Agg")

import autograd.numpy as anp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

import hvplib as hv  # noqa: E402
from hvplib import analysis, plotting  # noqa: E402

H_U = np.array([[8.0, -3.0], [-3.0, 14.0]])      # U = 4x² + 7y² − 3xy
A_ELLIPSE = np.array([[13.0, -5.0], [-5.0, 13.0]])  # f = 13x² + 13y² − 10xy = xᵀAx


def f_taylor(x):
    return x[0] * anp.exp(x[1] ** 2)


def quadratic(H):
    H = np.asarray(H, dtype=float)
    return lambda x: 0.5 * (H[0, 0] * x[0] ** 2 + 2 * H[0, 1] * x[0] * x[1] + H[1, 1] * x[1] ** 2)


def contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


def eigen_arrows(ax):
    return {a.get_gid(): a for a in ax.texts if isinstance(a, Annotation)
            and (a.get_gid() or "").startswith("eigen-axis")}


def lines_by_gid(ax):
    return {line.get_gid(): line for line in ax.lines if line.get_gid()}


def assert_labelled(ax, zlabel=False):
    assert ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    if zlabel:
        assert ax.get_zlabel()


# ---------------------------------------------------------------------------
# analysis
# ---------------------------------------------------------------------------

def test_eigen_axes_worked_examples():
    lam, Q = analysis.eigen_axes(H_U)
    np.testing.assert_allclose(lam, [11 - 3 * np.sqrt(2), 11 + 3 * np.sqrt(2)], rtol=1e-12)
    lam, Q = analysis.eigen_axes(A_ELLIPSE)
    np.testing.assert_allclose(lam, [8.0, 18.0], rtol=1e-12)
    np.testing.assert_allclose(Q[:, 0], [1 / np.sqrt(2), 1 / np.sqrt(2)], rtol=1e-12)
    np.testing.assert_allclose(Q.T @ Q, np.eye(2), atol=1e-12)


def test_eigen_axes_sign_convention_first_nonzero_entry_positive():
    lam, Q = analysis.eigen_axes(np.diag([3.0, -1.0, 2.0]))
    np.testing.assert_allclose(lam, [-1.0, 2.0, 3.0])
    for column in Q.T:
        first = column[np.abs(column) > 1e-12][0]
        assert first > 0


@pytest.mark.parametrize("H, kind, verdict", [
    (np.diag([1.0, 2.0]), "positive definite", "minimum"),
    (np.diag([-1.0, -2.0]), "negative definite", "maximum"),
    (np.diag([1.0, -2.0]), "indefinite", "saddle"),
    (np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, -1.0]]), "indefinite", "saddle"),
    (np.diag([2.0, 0.0]), "positive semidefinite", "inconclusive"),
    (np.diag([0.0, -2.0]), "negative semidefinite", "inconclusive"),
    (np.zeros((2, 2)), "zero", "inconclusive"),
    (H_U, "positive definite", "minimum"),
    (np.array([[-3.0, 1.0], [1.0, -2.0]]), "negative definite", "maximum"),
])
def test_definiteness_and_second_derivative_test(H, kind, verdict):
    assert analysis.definiteness(H) == kind
    assert analysis.classify_critical_point(H) == verdict


def test_classification_ignores_round_off_but_not_real_curvature():
    assert analysis.classify_critical_point(np.diag([1.0, 1e-14])) == "inconclusive"
    assert analysis.classify_critical_point(np.diag([1.0, 1e-6])) == "minimum"
    assert analysis.classify_critical_point(np.diag([1.0, 1e-6]), tol=1e-3) == "inconclusive"


def test_degenerate_quartics_share_a_zero_hessian():
    for f in (lambda x: x[0] ** 4 + x[1] ** 4, lambda x: x[0] ** 4 - x[1] ** 4):
        H = hv.hessian(f, np.zeros(2))
        np.testing.assert_array_equal(H, np.zeros((2, 2)))
        assert analysis.classify_critical_point(H) == "inconclusive"


def test_sylvester_and_leading_minors():
    H = np.array([[-3.0, 1.0], [1.0, -2.0]])
    np.testing.assert_allclose(analysis.leading_principal_minors(H), [-3.0, 5.0], rtol=1e-12)
    assert analysis.sylvester_definiteness(H) == "negative definite"
    assert analysis.sylvester_definiteness(H_U) == "positive definite"
    assert analysis.sylvester_definiteness(np.diag([1.0, -1.0])) == "not definite"
    assert analysis.sylvester_definiteness(np.diag([1.0, 0.0])) == "not definite"
    M = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    np.testing.assert_allclose(analysis.leading_principal_minors(M), [4.0, 11.0, 18.0], rtol=1e-12)


def test_sylvester_agrees_with_eigenvalues_on_random_matrices():
    rng = np.random.default_rng(0)
    for _ in range(200):
        B = rng.normal(size=(3, 3))
        H = B + B.T
        by_eigen = analysis.definiteness(H)
        by_minors = analysis.sylvester_definiteness(H)
        if by_eigen in ("positive definite", "negative definite"):
            assert by_minors == by_eigen
        else:
            assert by_minors == "not definite"


def test_strict_diagonal_dominance_is_sufficient_not_necessary():
    assert analysis.is_strictly_diagonally_dominant(H_U)
    assert analysis.definiteness(H_U) == "positive definite"
    not_sdd = np.array([[2.0, 3.0], [3.0, 5.0]])
    assert not analysis.is_strictly_diagonally_dominant(not_sdd)
    assert analysis.definiteness(not_sdd) == "positive definite"
    assert not analysis.is_strictly_diagonally_dominant(np.array([[1.0, 1.0], [1.0, 1.0]]))


def test_rayleigh_quotient_bounds_and_eigen_decomposition():
    rng = np.random.default_rng(0)
    lam, Q = analysis.eigen_axes(H_U)
    for _ in range(100):
        d = rng.normal(size=2)
        r = analysis.rayleigh_quotient(H_U, d)
        assert lam[0] - 1e-12 <= r <= lam[-1] + 1e-12
        u = d / np.linalg.norm(d)
        t = Q.T @ u
        np.testing.assert_allclose(r, np.sum(t ** 2 * lam), rtol=1e-12)
    np.testing.assert_allclose(analysis.rayleigh_quotient(H_U, Q[:, 1]), lam[1], rtol=1e-12)


def test_directional_curvature_curve_extremes_are_eigenvalues():
    theta, curvature = analysis.directional_curvature_curve(H_U, n_angles=3601)
    assert theta.shape == curvature.shape == (3601,)
    np.testing.assert_allclose([curvature.min(), curvature.max()], [11 - 3 * np.sqrt(2), 11 + 3 * np.sqrt(2)],
                               rtol=1e-6)
    np.testing.assert_allclose(curvature[0], H_U[0, 0])


def test_quadratic_model_of_x_exp_y2_at_1_0():
    model = analysis.quadratic_model(f_taylor, [1.0, 0.0])
    np.testing.assert_allclose(model.value, 1.0)
    np.testing.assert_allclose(model.gradient, [1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(model.hessian, [[0.0, 0.0], [0.0, 2.0]], atol=1e-15)
    rng = np.random.default_rng(0)
    d = rng.normal(size=(2, 5))
    np.testing.assert_allclose(model.quadratic_term(d), d[1] ** 2, rtol=1e-12)  # T₂ = y²
    grid = np.stack(np.meshgrid(np.linspace(0, 2, 4), np.linspace(-1, 1, 3)))
    expected = 1 + (grid[0] - 1) + grid[1] ** 2
    np.testing.assert_allclose(model(grid), expected, rtol=1e-12)
    assert isinstance(model(np.array([1.0, 0.5])), float)


@pytest.mark.parametrize("bad", [np.array([[1.0, 2.0], [0.0, 1.0]]), np.ones(3), np.ones((2, 3)),
                                 np.array([[np.nan, 0], [0, 1.0]])])
def test_bad_matrices_are_refused(bad):
    with pytest.raises(ValueError):
        analysis.classify_critical_point(bad)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        analysis.rayleigh_quotient(H_U, np.zeros(2))
    with pytest.raises(ValueError):
        analysis.directional_curvature_curve(np.eye(3))
    with pytest.raises(ValueError):
        analysis.classify_critical_point(H_U, tol=0.0)
    with pytest.raises(TypeError):
        analysis.classify_critical_point(np.eye(2, dtype=complex))


# ---------------------------------------------------------------------------
# palette and style
# ---------------------------------------------------------------------------

def test_palette_and_course_style_are_explicit():
    assert len(plotting.OKABE_ITO) == 8 and plotting.OKABE_ITO["vermillion"] == "#D55E00"
    assert set(plotting.PALETTE) == set(plotting.OKABE_ITO.values())
    before = dict(matplotlib.rcParams)
    with plotting.course_style():
        assert matplotlib.rcParams["image.cmap"] == plotting.SEQUENTIAL_CMAP
        cycle = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
        assert [matplotlib.colors.to_hex(c).upper() for c in cycle] == list(plotting.PALETTE)
    assert matplotlib.rcParams["image.cmap"] == before["image.cmap"]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]


def test_drawing_does_not_touch_global_rc():
    before = dict(matplotlib.rcParams)
    fig = Figure()
    plotting.plot_directional_curvature(H_U, fig.add_subplot())
    plotting.plot_hessian_overview(H_U, Figure())
    assert dict(matplotlib.rcParams) == before


# ---------------------------------------------------------------------------
# grids, surfaces, contours
# ---------------------------------------------------------------------------

def test_evaluate_on_grid_vectorised_and_pointwise_agree():
    def matrix_form(x):  # not vectorisable over a grid: x @ A @ x
        return x @ A_ELLIPSE @ x

    X, Y, Z1 = plotting.evaluate_on_grid(quadratic(2 * A_ELLIPSE), (-1, 2), (-2, 1), 7)
    _, _, Z2 = plotting.evaluate_on_grid(matrix_form, (-1, 2), (-2, 1), 7)
    assert X.shape == Y.shape == Z1.shape == (7, 7)
    np.testing.assert_allclose(X[0], np.linspace(-1, 2, 7))
    np.testing.assert_allclose(Y[:, 0], np.linspace(-2, 1, 7))
    np.testing.assert_allclose(Z1, 13 * X ** 2 + 13 * Y ** 2 - 10 * X * Y, rtol=1e-12)
    np.testing.assert_allclose(Z2, Z1, rtol=1e-12)


def test_evaluate_on_grid_falls_back_when_vectorised_call_is_wrong():
    def sneaky(x):  # returns the right shape on a grid but the wrong values
        x = np.asarray(x)
        return np.sum(x) + 0 * x[0] if x.ndim > 1 else x[0] + x[1]

    X, Y, Z = plotting.evaluate_on_grid(sneaky, (0, 1), (0, 1), 5)
    np.testing.assert_allclose(Z, X + Y)


def test_plot_surface_draws_the_function():
    fig = Figure()
    ax = fig.add_subplot(projection="3d")
    out = plotting.plot_surface(quadratic(H_U), ax, (-1, 1), (-1, 1), n=21, title="U")
    assert out is ax
    assert_labelled(ax, zlabel=True)
    assert ax.get_title() == "U"
    surface = ax.collections[-1]
    heights = surface.get_array()  # mean height of each face
    _, _, Z = plotting.evaluate_on_grid(quadratic(H_U), (-1, 1), (-1, 1), 21)
    assert heights.size == 20 * 20
    assert Z.min() <= heights.min() and heights.max() <= Z.max()
    np.testing.assert_allclose(heights.max(), Z.max(), rtol=0.15)
    with pytest.raises(ValueError):
        plotting.plot_surface(quadratic(H_U), Figure().add_subplot(), (-1, 1), (-1, 1))


def test_plot_contours_levels_and_labels():
    fig = Figure()
    ax = fig.add_subplot()
    levels = [1.0, 4.0, 9.0]
    out = plotting.plot_contours(quadratic(2 * A_ELLIPSE), ax, (-1, 1), (-1, 1), levels=levels)
    assert out is ax
    assert_labelled(ax)
    (cs,) = contour_sets(ax)
    np.testing.assert_allclose(cs.levels, levels)
    assert ax.get_aspect() == 1.0
    # the level set f = 1 reaches farthest along (1, 1)/√2, at distance 1/√8
    path_vertices = np.concatenate([p.vertices for p in cs.get_paths()[0:1]])
    radii = np.linalg.norm(path_vertices, axis=1)
    np.testing.assert_allclose(radii.max(), 1 / np.sqrt(8), rtol=2e-3)
    np.testing.assert_allclose(radii.min(), 1 / np.sqrt(18), rtol=2e-3)
    far = path_vertices[np.argmax(radii)]
    np.testing.assert_allclose(np.abs(far) / np.linalg.norm(far), [2 ** -0.5, 2 ** -0.5], atol=5e-3)


def test_plot_contours_default_and_filled():
    ax = Figure().add_subplot()
    plotting.plot_contours(quadratic(H_U), ax, filled=True, title="filled")
    (cs,) = contour_sets(ax)
    assert cs.filled and len(cs.levels) >= 5
    ax = Figure().add_subplot()
    plotting.plot_contours(lambda x: 0 * x[0] + 1.0, ax)  # constant: nothing to draw, no error
    assert contour_sets(ax) == []


@pytest.mark.parametrize("H", [H_U, 2 * A_ELLIPSE, np.array([[1.0, 3.0], [3.0, -2.0]])])
def test_draw_eigen_axes_arrows_follow_eigh(H):
    ax = Figure().add_subplot()
    center = np.array([0.5, -0.25])
    out = plotting.draw_eigen_axes(ax, H, center=center, scale=(1.0, 2.0))
    assert out is ax
    arrows = eigen_arrows(ax)
    assert set(arrows) == {"eigen-axis-0", "eigen-axis-1"}
    lam, Q = np.linalg.eigh(H)
    for i, length in enumerate((1.0, 2.0)):
        arrow = arrows[f"eigen-axis-{i}"]
        head, tail = np.array(arrow.xy), np.array(arrow.xyann)
        np.testing.assert_allclose((head + tail) / 2, center, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(head - tail), 2 * length, rtol=1e-12)
        direction = (head - tail) / np.linalg.norm(head - tail)
        np.testing.assert_allclose(abs(direction @ Q[:, i]), 1.0, rtol=1e-12)  # eigenvector up to sign
    labels = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("eigen-label")}
    assert labels["eigen-label-0"] == f"λ₁ = {lam[0]:.3g}"
    assert labels["eigen-label-1"] == f"λ₂ = {lam[1]:.3g}"


def test_draw_eigen_axes_long_axis_of_the_ellipse():
    ax = Figure().add_subplot()
    plotting.draw_eigen_axes(ax, A_ELLIPSE, labels=["long axis", "short axis"])
    arrow = eigen_arrows(ax)["eigen-axis-0"]
    direction = np.array(arrow.xy) - np.array(arrow.xyann)
    np.testing.assert_allclose(direction / np.linalg.norm(direction), [2 ** -0.5, 2 ** -0.5], rtol=1e-12)
    assert "long axis" in [t.get_text() for t in ax.texts]
    with pytest.raises(ValueError):
        plotting.draw_eigen_axes(ax, np.eye(3))
    with pytest.raises(ValueError):
        plotting.draw_eigen_axes(ax, np.eye(2), scale=-1.0)


# ---------------------------------------------------------------------------
# quadratic model figures
# ---------------------------------------------------------------------------

def test_plot_model_slice_line_data():
    ax = Figure().add_subplot()
    out = plotting.plot_model_slice(f_taylor, (1.0, 0.0), (0.0, 2.0), ax, t_lim=(-1, 1), n=41)
    assert out is ax
    assert_labelled(ax)
    lines = lines_by_gid(ax)
    t, f_line = lines["function"].get_data()
    _, m_line = lines["model"].get_data()
    np.testing.assert_allclose(t, np.linspace(-1, 1, 41))
    np.testing.assert_allclose(f_line, np.exp(t ** 2), rtol=1e-12)   # f(1, t) = e^{t²}
    np.testing.assert_allclose(m_line, 1 + t ** 2, rtol=1e-12)       # 1 + T₂ = 1 + t²
    assert np.all(f_line >= m_line - 1e-12)
    with pytest.raises(ValueError):
        plotting.plot_model_slice(f_taylor, (1.0, 0.0), (0.0, 0.0), ax)


def test_plot_quadratic_model_contours_share_levels():
    ax = Figure().add_subplot()
    plotting.plot_quadratic_model(f_taylor, (1.0, 0.0), ax, (-1, 3), (-1.5, 1.5), n=61)
    assert_labelled(ax)
    f_set, m_set = contour_sets(ax)
    np.testing.assert_allclose(f_set.levels, m_set.levels)
    point = [line for line in ax.lines if line.get_label().startswith("expansion")][0]
    np.testing.assert_allclose(np.ravel(point.get_data()), [1.0, 0.0])
    assert ax.get_legend() is not None


def test_plot_model_error_map_and_tolerance_line():
    fig = Figure()
    ax = fig.add_subplot()
    plotting.plot_model_error(f_taylor, (1.0, 0.0), ax, (-1, 3), (-1.5, 1.5), n=61, tol=1e-2)
    assert_labelled(ax)
    filled, tol_line = contour_sets(ax)
    assert filled.filled and filled.levels[0] == -6.0
    np.testing.assert_allclose(np.diff(filled.levels), 1.0)
    np.testing.assert_allclose(tol_line.levels, [-2.0])
    assert len(fig.axes) == 2  # the colour bar
    assert fig.axes[1].get_ylabel()


def test_plot_directional_curvature_extremes_are_eigenvalues():
    ax = Figure().add_subplot()
    out = plotting.plot_directional_curvature(H_U, ax, n_angles=1801)
    assert out is ax
    assert_labelled(ax)
    lines = lines_by_gid(ax)
    degrees, curvature = lines["curvature"].get_data()
    assert degrees[0] == 0.0 and degrees[-1] == 180.0
    lam = np.linalg.eigvalsh(H_U)
    np.testing.assert_allclose([curvature.min(), curvature.max()], lam, rtol=1e-5)
    np.testing.assert_allclose(lines["lambda-min"].get_ydata(), lam[0])
    np.testing.assert_allclose(lines["lambda-max"].get_ydata(), lam[1])
    # the maximum is reached at the angle of the top eigenvector
    _, Q = np.linalg.eigh(H_U)
    top_angle = np.degrees(np.arctan2(Q[1, 1], Q[0, 1])) % 180
    assert abs(degrees[np.argmax(curvature)] - top_angle) < 0.2


# ---------------------------------------------------------------------------
# overviews
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("H, verdict", [(H_U, "minimum"), (np.diag([1.0, -1.0]), "saddle"),
                                        (np.zeros((2, 2)), "inconclusive")])
def test_plot_hessian_overview(H, verdict):
    fig = Figure(figsize=(12, 4))
    axes = plotting.plot_hessian_overview(H, fig, lim=1.5, n=21)
    assert len(axes) == 3 and axes[0].name == "3d"
    for ax in axes:
        assert ax.get_title()
    assert verdict in fig.get_suptitle()
    assert set(eigen_arrows(axes[1])) == {"eigen-axis-0", "eigen-axis-1"}
    _, curvature = lines_by_gid(axes[2])["curvature"].get_data()
    lam = np.linalg.eigvalsh(H)
    np.testing.assert_allclose([curvature.min(), curvature.max()], lam, atol=1e-3)
    if verdict == "saddle":
        (cs,) = contour_sets(axes[1])
        assert 0.0 in cs.levels  # the asymptotes of a saddle
    fig.canvas.draw()


def test_plot_taylor_overview():
    fig = Figure(figsize=(12, 4))
    axes = plotting.plot_taylor_overview(f_taylor, (1.0, 0.0), fig, (-1, 3), (-1.5, 1.5), n=41)
    assert len(axes) == 3
    assert "1.00, 0.00" in fig.get_suptitle()
    _, m_line = lines_by_gid(axes[2])["model"].get_data()
    assert np.isclose(m_line.min(), 1.0, atol=1e-3)
    fig.canvas.draw()
