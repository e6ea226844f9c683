"""Outside checks of exercise 04's Part 2: the inexact (truncated) Newton-CG step and its outer loop.

The same contract as ``checks.py`` (which registers these parts in ``CHECKS["ch04_optimization"]``): the inputs
are drawn here from the grader's secret seed, the kernel code calls the student's function on them with a
counting ``hvp``, and the checks recompute the references here with the grader's own CG
(:func:`reference_step`, N&W Algorithm 7.1). Every input is drawn with a margin: the forcing test is crossed
clearly (by a factor ≥ 1.5 between two CG iterations) and every curvature dᵀHd/dᵀd is at least 2 % of ‖H‖ away
from 0, so the student's CG and the grader's, which differ in rounding, take the same exits.
"""
import numpy as np

from .checks import CheckFailed, Part, arr, need, rel

# Tolerances the task states, the same in the visible tests, the hidden tests and here
NEWTON_TOL = 1e-6        # with η = 1e-10 the step is the Newton step −H⁻¹g to this relative error
FORCING_SLACK = 1e-10    # ‖Hp + g‖ ≤ (η + 1e-10)‖g‖: the forcing test, with room for rounding
TINY_ETA = 1e-10
ITERATE_TOL = 1e-6       # the CG iterate returned on late negative curvature, relative
STEEPEST_TOL = 1e-12     # −g returned on negative curvature at the first iteration, relative
MIN_TOL = 1e-6           # the outer loop ends within this distance of the minimiser


def reference_step(hvp, g, eta, max_iter=None):
    """The grader's truncated CG on H p = −g from p₀ = 0 (N&W Algorithm 7.1), r = H p + g, d₀ = −g.

    Returns (p, products, exit, residuals ‖r_j‖/‖g‖, curvatures dⱼᵀHdⱼ/dⱼᵀdⱼ); exit is "forcing",
    "negative curvature" or "max_iter"; on dᵀHd ≤ 0 at j = 0 p = −g, later p = p_j."""
    g = np.asarray(g, dtype=float)
    max_iter = 2 * g.size if max_iter is None else max_iter
    gn = np.linalg.norm(g)
    p, r, d = np.zeros_like(g), g.copy(), -g
    residuals, curvatures = [1.0], []
    if gn == 0:
        return p, 0, "forcing", residuals, curvatures
    for j in range(max_iter):
        Hd = np.asarray(hvp(d), dtype=float)
        dHd = float(d @ Hd)
        curvatures.append(dHd / float(d @ d))
        if dHd <= 0:
            return (-g if j == 0 else p), j + 1, "negative curvature", residuals, curvatures
        alpha = float(r @ r) / dHd
        p, r_new = p + alpha * d, r + alpha * Hd
        residuals.append(float(np.linalg.norm(r_new)) / gn)
        if np.linalg.norm(r_new) <= eta * gn:
            return p, j + 1, "forcing", residuals, curvatures
        d, r = -r_new + float(r_new @ r_new) / float(r @ r) * d, r_new
    return p, max_iter, "max_iter", residuals, curvatures


def _sym(rng, eigs):
    q, _ = np.linalg.qr(rng.normal(size=(len(eigs), len(eigs))))
    return (q * np.asarray(eigs, dtype=float)) @ q.T, q


def _spd(rng, n):
    return _sym(rng, np.geomspace(1.0, 10 ** rng.uniform(1.5, 2.0), n))[0]


def _case(H, g, eta, max_iter=-1):
    return {"H": H, "g": g, "eta": float(eta), "max_iter": int(max_iter)}


def _inputs_newton(rng):
    """Two SPD systems with η = 1e-10 (the Newton step), two with a loose η, and g = 0."""
    cases = []
    for eta in (TINY_ETA, TINY_ETA, rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.5)):
        n = int(rng.integers(8, 31))
        cases.append(_case(_spd(rng, n), rng.normal(size=n), eta))
    n = int(rng.integers(5, 12))
    cases.append(_case(_spd(rng, n), np.zeros(n), 0.5))
    return {"cases": cases}


def _budget_case(rng):
    """An SPD system and an η whose forcing test CG meets clearly at iteration k (3 ≤ k ≤ n/2 + 1), well
    before it would solve to 1e-10; returns the case and k."""
    for _ in range(200):
        n = int(rng.integers(12, 31))
        H, g = _spd(rng, n), rng.normal(size=n)
        _, exact, _, res, _ = reference_step(lambda d, H=H: H @ d, g, TINY_ETA)
        res = np.array(res)
        best = np.minimum.accumulate(res)
        ks = [k for k in range(3, min(len(res), n // 2 + 2))
              if best[k - 1] >= 1.5 * res[k] and res[k] < 0.5 and exact >= k + 3]
        if ks:
            k = int(rng.choice(ks))
            return _case(H, g, np.sqrt(best[k - 1] * res[k])), k
    raise RuntimeError("no budget case drawn")       # pragma: no cover (never seen in 10⁴ draws)


def _inputs_budget(rng):
    (a, ka), (b, kb) = _budget_case(rng), _budget_case(rng)
    n = int(rng.integers(12, 31))
    capped = _case(_spd(rng, n), rng.normal(size=n), TINY_ETA, max_iter=3)
    return {"cases": [a, b, capped], "_k": [ka, kb]}


def _first_case(rng):
    """An indefinite H and a g with gᵀHg clearly < 0: negative curvature at the first CG iteration."""
    for _ in range(200):
        n = int(rng.integers(8, 20))
        eigs = np.concatenate([-rng.uniform(1, 5, 2), rng.uniform(0.1, 1, n - 2)])
        H, q = _sym(rng, eigs)
        g = q[:, :2] @ rng.normal(size=2) + 0.1 * rng.normal(size=n)
        if g @ H @ g / (g @ g) < -0.05 * np.abs(eigs).max():
            return _case(H, g, TINY_ETA)
    raise RuntimeError("no first-iteration case drawn")    # pragma: no cover


def _late_case(rng):
    """An indefinite H (one negative eigenvalue) and a g with a small part along its eigenvector: CG meets
    dᵀHd < 0 at iteration 3–8, every curvature before clearly positive; returns the case."""
    for _ in range(500):
        n = int(rng.integers(8, 20))
        eigs = np.concatenate([[-rng.uniform(0.5, 2)], rng.uniform(1, 10, n - 1)])
        H, q = _sym(rng, eigs)
        g = rng.normal(size=n)
        g = g - (q[:, 0] @ g) * q[:, 0]
        g = g + rng.choice([-1, 1]) * rng.uniform(0.01, 0.3) * np.linalg.norm(g) / np.sqrt(n) * q[:, 0]
        _, used, why, _, curv = reference_step(lambda d, H=H: H @ d, g, TINY_ETA)
        c = np.array(curv) / np.abs(eigs).max()
        if why == "negative curvature" and 3 <= used <= 8 and c[-1] < -0.02 and np.all(c[:-1] > 0.02):
            return _case(H, g, TINY_ETA)
    raise RuntimeError("no late negative-curvature case drawn")    # pragma: no cover


def _inputs_negative(rng):
    return {"cases": [_first_case(rng), _late_case(rng), _late_case(rng)]}


KERNEL_STEP = '''
_out["runs"] = []
for _c in _in["cases"]:
    _n = [0]
    def _hvp(d, _H=_c["H"], _n=_n):
        _n[0] += 1
        return _H @ _np.asarray(d, dtype=float)
    if int(_c["max_iter"]) < 0:
        _p = inexact_newton_step(_hvp, _c["g"].copy(), float(_c["eta"]))
    else:
        _p = inexact_newton_step(_hvp, _c["g"].copy(), float(_c["eta"]), max_iter=int(_c["max_iter"]))
    _out["runs"].append({"p": _p, "count": _n[0]})
'''


def _runs(inputs, out):
    runs = out.get("runs")
    need(isinstance(runs, list) and len(runs) == len(inputs["cases"]), "inexact_newton_step was not run")
    for c, run in zip(inputs["cases"], runs):
        need(isinstance(run, dict), "inexact_newton_step was not run")
        yield c, arr(run["p"], c["g"].shape, "inexact_newton_step(...)"), run["count"]


def _forcing(c, p):
    H, g = c["H"], c["g"]
    return np.linalg.norm(H @ p + g) <= (c["eta"] + FORCING_SLACK) * np.linalg.norm(g)


def _check_newton(inputs, out):
    for c, p, _ in _runs(inputs, out):
        H, g, n = c["H"], c["g"], len(c["g"])
        if not np.any(g):
            need(not np.any(p), "g = 0 should give p = 0 (the forcing test holds before any product)")
        elif c["eta"] == TINY_ETA:
            gap = rel(p, np.linalg.solve(H, -g))
            need(gap < NEWTON_TOL, f"with η = 1e-10 your step is {gap:.1e} (relative) from the Newton step −H⁻¹g "
                                   f"on a positive definite {n} × {n} H the grader drew (allowed: 1e-6)")
        else:
            need(_forcing(c, p), f"the step does not satisfy the forcing test ‖Hp + g‖ ≤ η‖g‖ with η = "
                                 f"{c['eta']:.2f} on a positive definite {n} × {n} H the grader drew")


def _check_budget(inputs, out):
    runs = list(_runs(inputs, out))
    for (c, p, count), k in zip(runs[:2], inputs["_k"]):
        need(_forcing(c, p), f"the step does not satisfy the forcing test ‖Hp + g‖ ≤ η‖g‖ (η = {c['eta']:.2e}) "
                             "on a positive definite H the grader drew")
        need(count <= k + 1, f"the step used {count} products where CG meets the forcing test after {k} "
                             f"(allowed: {k} + 1): stop as soon as ‖Hp + g‖ ≤ η‖g‖")
    c, _, count = runs[2]
    need(count <= c["max_iter"] + 1, f"max_iter = {c['max_iter']} allows at most {c['max_iter']} + 1 products, "
                                     f"not {count}")


def _check_negative(inputs, out):
    runs = list(_runs(inputs, out))
    c, p, _ = runs[0]
    need(rel(p, -c["g"]) < STEEPEST_TOL, "where the first CG direction has dᵀHd ≤ 0 (gᵀHg < 0), the step should "
                                         "be steepest descent p = −g")
    for c, p, _ in runs[1:]:
        H, g = c["H"], c["g"]
        want, used = reference_step(lambda d, H=H: H @ d, g, c["eta"])[:2]
        need(g @ p < 0, "the step returned on negative curvature is not a descent direction (gᵀp ≥ 0)")
        gap = rel(p, want)
        need(gap < ITERATE_TOL, f"CG meets negative curvature at its iteration {used - 1} on an indefinite H the "
                                f"grader drew; the step should be the last CG iterate before it, but yours is "
                                f"{gap:.1e} (relative) away")


# ---------------------------------------------------------------------------------------------------
# The outer loop (Part 2b), graded with the grader's own step in place of the student's
# ---------------------------------------------------------------------------------------------------

def rosenbrock_pairs(a, shift):
    """f(x) = Σᵢ aᵢ(v_i − u_i²)² + (1 − u_i)² with (u_i, v_i) the pairs of y = x − shift; minimiser shift + 1."""
    def parts(x):
        y = np.asarray(x, dtype=float) - shift
        return y[0::2], y[1::2]

    def f(x):
        u, v = parts(x)
        return float(np.sum(a * (v - u**2) ** 2 + (1 - u) ** 2))

    return f


def _inputs_outer(rng):
    m = int(rng.integers(2, 4))
    shift = rng.uniform(-1, 1, 2 * m)
    return {"a": rng.uniform(5, 30, m), "shift": shift, "x0": shift + 1 + rng.uniform(-1.5, 1.5, 2 * m)}


KERNEL_OUTER = '''
_a, _s = _in["a"], _in["shift"]
def _f(x, _a=_a, _s=_s):
    _y = _np.asarray(x, dtype=float) - _s
    return float(_np.sum(_a * (_y[1::2] - _y[0::2] ** 2) ** 2 + (1 - _y[0::2]) ** 2))
_seen = []
def _grad(x, _a=_a, _s=_s, _seen=_seen):
    _x = _np.array(x, dtype=float)
    _u, _v = _x[0::2] - _s[0::2], _x[1::2] - _s[1::2]
    _g = _np.zeros_like(_x)
    _g[0::2] = -4 * _a * _u * (_v - _u ** 2) - 2 * (1 - _u)
    _g[1::2] = 2 * _a * (_v - _u ** 2)
    _seen.append((_x, _g.copy()))
    return _g
def _hessp(x, d, _a=_a, _s=_s):
    _x, _d = _np.asarray(x, dtype=float), _np.asarray(d, dtype=float)
    _u, _v = _x[0::2] - _s[0::2], _x[1::2] - _s[1::2]
    _huu, _huv = 12 * _a * _u ** 2 - 4 * _a * _v + 2, -4 * _a * _u
    _o = _np.zeros_like(_d)
    _o[0::2] = _huu * _d[0::2] + _huv * _d[1::2]
    _o[1::2] = _huv * _d[0::2] + 2 * _a * _d[1::2]
    return _o
_calls = []
def _grader_step(hvp, g, eta, max_iter=None, _calls=_calls, _seen=_seen):   # the grader's step in place of yours
    _g = _np.asarray(g, dtype=float)
    _at = [x for x, gx in _seen if _np.array_equal(gx, _g)]
    _calls.append({"x": _at[-1] if _at else _np.full(_g.shape, _np.nan), "g": _g.copy(), "eta": eta})
    _p, _r, _d, _gn = _np.zeros_like(_g), _g.copy(), -_g, float(_np.sqrt(_g @ _g))
    if _gn == 0:
        return _p
    for _j in range(2 * _g.size if max_iter is None else max_iter):
        _Hd = _np.asarray(hvp(_d), dtype=float)
        _dHd = float(_d @ _Hd)
        if _dHd <= 0:
            return -_g if _j == 0 else _p
        _al = float(_r @ _r) / _dHd
        _p, _rn = _p + _al * _d, _r + _al * _Hd
        if float(_np.sqrt(_rn @ _rn)) <= float(eta) * _gn:
            return _p
        _d, _r = -_rn + float(_rn @ _rn) / float(_r @ _r) * _d, _rn
    return _p
_gl = globals()
_student_step = _gl.get("inexact_newton_step")
_gl["inexact_newton_step"] = _grader_step
try:
    _out["x"] = newton_cg_minimize(_f, _grad, _hessp, _in["x0"].copy())
finally:
    _gl["inexact_newton_step"] = _student_step
_out["calls"] = _calls[:500]
'''


def _outer_calls(out):
    calls = out.get("calls")
    need(isinstance(calls, list) and calls, "newton_cg_minimize never called inexact_newton_step")
    return calls


def _check_outer(inputs, out):
    _outer_calls(out)
    x = arr(out["x"], inputs["x0"].shape, "newton_cg_minimize(...)")
    gap = float(np.linalg.norm(x - (inputs["shift"] + 1)))
    need(gap <= MIN_TOL, f"newton_cg_minimize ends {gap:.1e} from the minimiser of a Rosenbrock-like f the grader "
                         f"drew (allowed: 1e-6)")


def _check_outer_rules(inputs, out):
    f = rosenbrock_pairs(inputs["a"], inputs["shift"])
    values = []
    for call in _outer_calls(out):
        need(isinstance(call, dict), "the calls of inexact_newton_step could not be read")
        g = arr(call["g"], inputs["x0"].shape, "the gradient passed to inexact_newton_step")
        eta = arr(call["eta"], what="the η passed to inexact_newton_step")
        need(eta.size == 1, "η passed to inexact_newton_step should be one number")
        want = min(0.5, np.sqrt(np.linalg.norm(g)))
        need(abs(float(eta.ravel()[0]) - want) <= 1e-9 * want,
             "the forcing term passed to inexact_newton_step is not η_k = min(0.5, √‖g_k‖)")
        x = arr(call["x"], inputs["x0"].shape, "an iterate")
        need(np.all(np.isfinite(x)), "inexact_newton_step was called with a g that is not grad(x) of an iterate")
        values.append(f(x))
    need(np.all(np.diff(values) < 0), "f does not decrease at every outer iteration: backtrack (halve α from 1) "
                                      "until the Armijo condition f(x + αp) ≤ f(x) + 1e-4·α·gᵀp holds")


PARTS = {
    "test_newton_cg": Part(KERNEL_STEP, _check_newton, _inputs_newton),
    "test_newton_cg_budget": Part(KERNEL_STEP, _check_budget, _inputs_budget),
    "test_newton_cg_negative": Part(KERNEL_STEP, _check_negative, _inputs_negative),
    "test_newton_cg_outer": Part(KERNEL_OUTER, _check_outer, _inputs_outer),
    "test_newton_cg_outer_rules": Part(KERNEL_OUTER, _check_outer_rules, _inputs_outer),
}

_LINALG_SOLVERS = {"solve", "inv", "pinv", "lstsq", "qr", "cholesky", "eig", "eigh", "eigvals", "eigvalsh", "svd"}


def rules(autograd_diff):
    """The "written by hand" rules of Part 2 (handcheck.py's RULES entries)."""
    step = ([("hvplib", None), ("scipy", None), ("numpy.linalg", _LINALG_SOLVERS), ("autograd", autograd_diff)],
            "inexact_newton_step must be your own CG loop on the products hvp(d)")
    outer = ([("hvplib", None), ("scipy", None), ("autograd", autograd_diff)],
             "newton_cg_minimize must be your own loop (no hvplib, no scipy.optimize)")
    return {"test_newton_cg": step, "test_newton_cg_budget": step, "test_newton_cg_negative": step,
            "test_newton_cg_outer": outer, "test_newton_cg_outer_rules": outer}


__all__ = ["PARTS", "rules", "reference_step", "CheckFailed"]
