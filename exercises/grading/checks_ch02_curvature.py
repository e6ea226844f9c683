"""Outside checks of exercise 02 that issue 21 added or rewrote.

Part 1 asks for the curvatures and the ellipse's long semi-axis of a *parameterised* quadratic, Part 4 for leading
minors and the convexity range of a parameterised tridiagonal matrix, Part 5 for a degenerate critical point in
three dimensions that the chapter does not show: its Hessian (singular), the null direction, and the verdict the
quartic/cubic term along that direction gives, then a plot of f along the null direction and the stiffest one.

The same contract as ``checks.py`` (which registers these parts in its ch02 block): ``inputs(rng)`` draws fresh
coefficients in the grader's process, the kernel code calls the student's functions, ``check`` recomputes the
references here. A part that builds on an earlier one runs with the grader's version of it swapped in
(``hessian_origin``, ``null_direction``), as ch04's Newton step runs on the grader's CG.
Tolerances are the tasks': eigenvalues, lengths, Hessians and minors to 1e-9 (relative to 1 + the scale), unit
vectors to 1e-8, the thresholds of Part 4b to 1e-9, the plotted values to a relative 1e-6.
"""
import numpy as np

from .checks import Part, arr, axes_of, figure_part, has_line, labelled, need, num

TOL = 1e-9          # eigenvalues, lengths, Hessian entries, minors, thresholds
UNIT_TOL = 1e-8     # unit vectors: ‖v‖ = 1 and |v·v_ref| = 1 to this
PLOT_RTOL = 1e-6    # the plotted values of f

VERDICTS = ("minimum", "maximum", "saddle")

# Part 5b's example, as the locked setup cell states it: f along t·v and t·w for T5
PLOT5 = {"p": 1.0, "q": 2.0, "r": -2.0, "k": 0.0, "m": -1.0}
T5 = np.linspace(-1.0, 1.0, 41)


# ---------------------------------------------------------------------------------------------------
# Part 1: U(x, y) = a x² + b y² + c xy
# ---------------------------------------------------------------------------------------------------

def quad_hessian(a, b, c):
    """The Hessian of a x² + b y² + c xy: [[2a, c], [c, 2b]]."""
    return np.array([[2 * a, c], [c, 2 * b]])


def inputs_curvatures(rng):
    abc = [rng.uniform(-6, 6, 3) for _ in range(6)] + [np.array([4.0, 7.0, -3.0]), np.array([1.0, 1.0, 2.0])]
    return {"abc": abc}


def check_curvatures(inputs, out):
    got = out["eig"]
    need(isinstance(got, list) and len(got) == len(inputs["abc"]), "curvatures was not run on the grader's (a, b, c)")
    for (a, b, c), e in zip(inputs["abc"], got):
        want = np.linalg.eigvalsh(quad_hessian(a, b, c))
        e = arr(e, (2,), "curvatures(a, b, c)")
        need(np.max(np.abs(e - want)) <= TOL * (1 + np.max(np.abs(want))),
             "curvatures(a, b, c) are not the eigenvalues of the Hessian of a x² + b y² + c xy in increasing order, "
             "for coefficients the grader drew")


def inputs_semi_axis(rng):
    cases = []
    while len(cases) < 6:
        a, b = rng.uniform(0.5, 6, 2)
        c = rng.uniform(-1.8, 1.8) * np.sqrt(a * b)            # positive definite: c² < 4ab
        lam = np.linalg.eigvalsh(quad_hessian(a, b, c))
        if lam[1] - lam[0] > 0.2 * lam[1]:                     # a clear long axis
            cases.append([a, b, c, rng.uniform(0.5, 10)])
    return {"cases": cases}


def check_semi_axis(inputs, out):
    got = out["axis"]
    need(isinstance(got, list) and len(got) == len(inputs["cases"]), "long_semi_axis was not run on the grader's cases")
    for (a, b, c, level), res in zip(inputs["cases"], got):
        need(isinstance(res, list) and len(res) == 2, "long_semi_axis should return (length, unit vector)")
        lam, vecs = np.linalg.eigh(quad_hessian(a, b, c))
        length = np.sqrt(2 * level / lam[0])                    # r² uᵀAu = level with A = H / 2
        got_len, v = num(res[0], "the length"), arr(res[1], (2,), "the direction")
        need(abs(got_len - length) <= TOL * (1 + length),
             "the length of the long semi-axis is wrong for a U and a level the grader drew (where does "
             "r·u reach the level set: U(r u) = r² U(u) = level)")
        need(abs(np.linalg.norm(v) - 1) <= UNIT_TOL and abs(abs(v @ vecs[:, 0]) - 1) <= UNIT_TOL,
             "the direction of the long semi-axis is wrong (or not a unit vector) for a U the grader drew")


# ---------------------------------------------------------------------------------------------------
# Part 4: leading minors; H(s) = [[s, 1, 0], [1, s, 1], [0, 1, s]]
# ---------------------------------------------------------------------------------------------------

def inputs_minors(rng):
    mats = [np.array([[2.0, -1.0], [-1.0, 3.0]]), np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]])]
    for n in (1, 3, 4, 5):
        B = rng.normal(size=(n, n))
        mats.append(B + B.T)
    return {"H": mats}


def check_minors(inputs, out):
    got = out["minors"]
    need(isinstance(got, list) and len(got) == len(inputs["H"]), "leading_minors was not run on the grader's matrices")
    for m, H in zip(got, inputs["H"]):
        want = [np.linalg.det(H[:k, :k]) for k in range(1, len(H) + 1)]
        m = arr(m, (len(H),), "leading_minors(H)")
        need(all(abs(a - b) < TOL * (1 + abs(b)) for a, b in zip(m, want)),
             f"leading_minors is wrong on a {len(H)} × {len(H)} matrix the grader drew")


def check_family(inputs, out):
    root2 = np.sqrt(2.0)
    need(abs(num(out["convex"], "s_convex") - root2) <= TOL,
         "s_convex is wrong: for which s are all three leading minors of H(s) positive?")
    need(abs(num(out["concave"], "s_concave") + root2) <= TOL,
         "s_concave is wrong: for which s do the minors alternate in sign, starting negative?")


# ---------------------------------------------------------------------------------------------------
# Part 5: f = p x² + q y² + 2r yz + s z² + k z³ + m z⁴ with s = r²/q, at the origin
# ---------------------------------------------------------------------------------------------------

def hessian5(p, q, r):
    """The Hessian of f at 0: [[2p, 0, 0], [0, 2q, 2r], [0, 2r, 2r²/q]] (singular: q·s = r²)."""
    return np.array([[2 * p, 0.0, 0.0], [0.0, 2 * q, 2 * r], [0.0, 2 * r, 2 * r * r / q]])


def null5(p, q, r):
    """The unit vector spanning the null space of hessian5: (0, −r, q)/‖·‖."""
    v = np.array([0.0, -r, q])
    return v / np.linalg.norm(v)


def nature5(p, q, r, k, m):
    """f = p x² + q (y + r z / q)² + k z³ + m z⁴: the verdict at the origin."""
    if p * q < 0 or k != 0:
        return "saddle"                                # indefinite, or a cubic along the null direction
    if np.sign(m) == np.sign(q):
        return "minimum" if q > 0 else "maximum"
    return "saddle"


def inputs_part5(rng):
    """Nine fresh cases: p, q of one sign with k = 0 (the quartic decides: a minimum or maximum, or a saddle when
    m has the other sign), k ≠ 0 (a cubic: a saddle), and p, q of opposite signs (indefinite: a saddle)."""
    cases = []
    for kind in ("extremum", "extremum", "extremum", "quartic saddle", "quartic saddle", "cubic", "cubic",
                 "indefinite", "indefinite"):
        p, q = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3, 2)
        r = rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 3)
        k, m = 0.0, np.sign(q) * rng.uniform(0.5, 2)
        if kind == "quartic saddle":
            m = -m
        if kind == "cubic":
            k, m = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2), rng.choice([-1.0, 1.0]) * m
        if kind == "indefinite":
            p = -p
        cases.append([float(p), float(q), float(r), float(k), float(m)])
    return {"cases": cases}


# the grader's Hessian and null direction, swapped in while the student's later function runs
KERNEL_SWAP = '''
def _g_hessian(p, q, r):
    return _np.array([[2 * p, 0.0, 0.0], [0.0, 2 * q, 2 * r], [0.0, 2 * r, 2 * r * r / q]])
def _g_null(p, q, r):
    _v = _np.array([0.0, -r, q])
    return _v / _np.sqrt(_v @ _v)
_g = globals()
_names = {swap}
_theirs = {{_n: _g[_n] for _n in _names if _n in _g}}
_g.update({{_n: {{"hessian_origin": _g_hessian, "null_direction": _g_null}}[_n] for _n in _names}})
try:
    _out["got"] = [{call} for _p, _q, _r, _k, _m in _in["cases"]]
finally:
    for _n in _names:
        _g.pop(_n, None)
    _g.update(_theirs)
'''


def part5_kernel(call, swap):
    return KERNEL_SWAP.format(call=call, swap=repr(tuple(swap)))


def _got5(inputs, out, name):
    got = out["got"]
    need(isinstance(got, list) and len(got) == len(inputs["cases"]), f"{name} was not run on the grader's coefficients")
    return zip(inputs["cases"], got)


def check_hessian5(inputs, out):
    for (p, q, r, _, _), H in _got5(inputs, out, "hessian_origin"):
        want = hessian5(p, q, r)
        H = arr(H, (3, 3), "hessian_origin(p, q, r)")
        need(np.max(np.abs(H - want)) <= TOL * (1 + np.max(np.abs(want))),
             "hessian_origin is wrong for coefficients the grader drew (remember s = r²/q)")


def check_null5(inputs, out):
    for (p, q, r, _, _), v in _got5(inputs, out, "null_direction"):
        v = arr(v, (3,), "null_direction(p, q, r)")
        need(abs(np.linalg.norm(v) - 1) <= UNIT_TOL, "null_direction should return a unit vector")
        need(abs(abs(v @ null5(p, q, r)) - 1) <= UNIT_TOL,
             "null_direction is not along the zero-eigenvalue eigenvector of the Hessian, for coefficients the "
             "grader drew")


def check_nature5(inputs, out):
    for (p, q, r, k, m), verdict in _got5(inputs, out, "nature"):
        want = nature5(p, q, r, k, m)
        need(isinstance(verdict, str) and verdict in VERDICTS, f"nature should return one of {list(VERDICTS)}")
        need(verdict == want,
             f"nature is wrong for p = {p:.3g}, q = {q:.3g}, r = {r:.3g}, k = {k:.3g}, m = {m:.3g} (the grader's "
             "coefficients): what are the signs of the other two eigenvalues, and what does f do along the null "
             "direction?")


def lines5():
    """(f(t v), f(t w)) at T5 for the example PLOT5: v the null direction, w the eigenvector of λ_max."""
    p, q, r, k, m = (PLOT5[n] for n in "pqrkm")
    lam, vecs = np.linalg.eigh(hessian5(p, q, r))

    def f(pt):
        x, y, z = pt
        return p * x * x + q * y * y + 2 * r * y * z + r * r / q * z * z + k * z**3 + m * z**4

    return (np.array([f(t * null5(p, q, r)) for t in T5]), np.array([f(t * vecs[:, -1]) for t in T5]))


LEGEND_KERNEL = ('_out["legends"] = [0 if _a.get_legend() is None else len(_a.get_legend().get_texts()) '
                 'for _a in list(_fig.axes)[:8]]')


def check_fig_null(inputs, out):
    f_null, f_stiff = lines5()
    for k, ax in enumerate(axes_of(out, "fig_null")):
        if has_line(ax, T5, f_null, PLOT_RTOL, "fig_null", ""):
            need(has_line(ax, T5, f_stiff, PLOT_RTOL, "fig_null", ""),
                 "fig_null should also show f(t·w) along the eigenvector w of the largest eigenvalue, for t in t5")
            labelled(ax, "fig_null")
            legends = out.get("legends")
            need(isinstance(legends, list) and len(legends) > k and num(legends[k], "the legend") >= 2,
                 "fig_null needs a legend naming its two lines")
            return
    need(False, "fig_null has no line of f(t·v) along the null direction v against t5 (relative 1e-6)")


def parts():
    """The ch02 parts this module grades, by test-cell grade id (checks.py lists them in its ch02 block)."""
    return {
        "test_curvatures": Part('_out["eig"] = [curvatures(*abc) for abc in _in["abc"]]', check_curvatures,
                                inputs_curvatures),
        "test_long_axis": Part('_out["axis"] = [list(long_semi_axis(*c)) for c in _in["cases"]]', check_semi_axis,
                               inputs_semi_axis),
        "test_sylvester": Part('_out["minors"] = [leading_minors(H.copy()) for H in _in["H"]]', check_minors,
                               inputs_minors),
        "test_sylvester_family": Part('_out.update(convex=s_convex, concave=s_concave)', check_family),
        "test_hessian_origin": Part(part5_kernel("hessian_origin(_p, _q, _r)", ()), check_hessian5, inputs_part5),
        "test_null_direction": Part(part5_kernel("null_direction(_p, _q, _r)", ("hessian_origin",)), check_null5,
                                    inputs_part5),
        "test_nature": Part(part5_kernel("nature(_p, _q, _r, _k, _m)", ("hessian_origin", "null_direction")),
                            check_nature5, inputs_part5),
        "test_fig_null": figure_part("fig_null", check_fig_null, LEGEND_KERNEL),
    }
