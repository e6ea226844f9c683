"""Outside checks of exercise 03, Part 4 (issue 21): Pearlmutter's trick with autograd.

``pearlmutter_hvp(f, x, v)`` is the exact Hessian-vector product Hv = ∇ₓ⟨∇f(x), v⟩ of a scalar f of an array of
any shape (a vector or a matrix), and ``curvature_gradient(f, x, v)`` the gradient of the curvature along v,
∇ₓ[vᵀ∇²f(x)v] = ∇³f(x)[v, v, ·], by nesting once more. Both must use autograd's differentiation; neither may form
a Hessian. The references are the dense Hessian and the dense third-derivative tensor (autograd, small sizes)
and the closed forms of the chained Rosenbrock function (n = 10⁵). The cost is counted by a "tap" primitive
inside the grader's f (identity, counted in every evaluation, backward pass and tangent pass through f): a
Hessian costs n passes, Pearlmutter's trick a handful. Registered in ``checks.CHECKS["ch03_hvp"]``.
"""
import numpy as np

from .checks import CheckFailed, Part, arr, need, num, rel

__all__ = ["HVP_TOL", "THIRD_TOL", "BIG_TOL", "HVP_PASSES", "THIRD_PASSES", "BIG_N", "PARTS", "RULE",
           "rosenbrock_hvp", "rosenbrock_third", "dense_hvp", "dense_third"]

HVP_TOL = 1e-10       # pearlmutter_hvp against the dense Hessian times v (relative)
THIRD_TOL = 1e-9      # curvature_gradient against the dense third-derivative tensor (relative)
BIG_TOL = 1e-6        # both at n = 10⁵ against the closed forms (relative)
HVP_PASSES = 10       # passes through f allowed for one pearlmutter_hvp
THIRD_PASSES = 20     # ... for one curvature_gradient
TAP_STOP = 50         # the grader's f raises after this many passes (a Hessian would take n)
BIG_N = 100_000       # a dense Hessian: 8·n² bytes = 80 GB

# the rule of all three parts: autograd differentiation is the point here, its ready-made HVP helpers are not
RULE = ([("hvplib", None), ("autograd", {"hessian_tensor_product", "hessian_vector_product", "make_hvp",
                                         "make_ggnvp"})],
        "pearlmutter_hvp and curvature_gradient must use grad / make_jvp / make_vjp themselves "
        "(not hvplib, nor autograd's hessian_vector_product, make_hvp, make_ggnvp)")


# ---------------------------------------------------------------------------------------------------
# Small fresh problems: f(x) = c·⟨A, x⟩ + q·⟨B, x²⟩ + Σ softplus(D x) + ¼Σ x⁴ + Σ sin(x)·flip(x)
# ---------------------------------------------------------------------------------------------------

def _problems(rng, quadratic):
    out = []
    for shape in [(int(rng.integers(4, 9)),), (int(rng.integers(2, 5)), int(rng.integers(2, 4))),
                  (int(rng.integers(2, 4)), int(rng.integers(2, 5)))]:
        out.append({"A": rng.normal(size=shape), "B": rng.uniform(0.5, 1.5, shape) if quadratic else np.zeros(shape),
                    "D": rng.normal(size=(int(rng.integers(2, 6)), shape[0])), "c": 10 ** rng.uniform(5, 6),
                    "q": 10 ** rng.uniform(5, 6) if quadratic else 0.0,
                    "x": rng.uniform(-1, 1, shape), "v": rng.normal(size=shape)})
    return {"problems": out}


_KERNEL_F = '''
import autograd as _ag
import autograd.numpy as _anp
def _make_f(_pr):
    _A, _B, _D, _c, _q = _pr["A"], _pr["B"], _pr["D"], float(_pr["c"]), float(_pr["q"])
    def _f(x):
        return (_c * _anp.sum(_A * x) + _q * _anp.sum(_B * x ** 2) + _anp.sum(_anp.logaddexp(0.0, _anp.dot(_D, x)))
                + 0.25 * _anp.sum(x ** 4) + _anp.sum(_anp.sin(x) * x[::-1]))
    return _f
def _as_array(r):                 # a list of 10^5 numbers is an array too (packed lists stop at 2000 items)
    try:
        return _np.asarray(r, dtype=float)
    except Exception:
        return r
'''


def _smooth_part(pr):
    """The part of f with a nonzero third derivative (the linear and quadratic terms have none), flattened."""
    import autograd.numpy as anp

    shape, D = pr["x"].shape, pr["D"]

    def f(w):
        x = anp.reshape(w, shape)
        return anp.sum(anp.logaddexp(0.0, anp.dot(D, x))) + 0.25 * anp.sum(x ** 4) + anp.sum(anp.sin(x) * x[::-1])
    return f


def dense_hvp(pr):
    """Hv = ∇²f₀(x)v + 2q·B ⊙ v from the dense Hessian of the smooth part f₀ (the linear part has none); x's shape."""
    import autograd

    H = autograd.hessian(_smooth_part(pr))(pr["x"].ravel())
    return (H @ pr["v"].ravel() + 2 * pr["q"] * (pr["B"] * pr["v"]).ravel()).reshape(pr["x"].shape)


def dense_third(pr):
    """∇³f(x)[v, v, ·] = Σⱼₖ Tᵢⱼₖ vⱼ vₖ from the dense third-derivative tensor T of f₀ (the parts of degree ≤ 2 of f
    have none); x's shape."""
    import autograd

    T = autograd.jacobian(autograd.hessian(_smooth_part(pr)))(pr["x"].ravel())     # T[i, j, k] = ∂³f/∂xᵢ∂xⱼ∂xₖ
    v = pr["v"].ravel()
    return np.einsum("ijk,j,k->i", T, v, v).reshape(pr["x"].shape)


# ---------------------------------------------------------------------------------------------------
# The chained Rosenbrock function at n = 10⁵: f = Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², closed forms
# ---------------------------------------------------------------------------------------------------

def rosenbrock_hvp(x, v):
    """Hv of the chained Rosenbrock function (tridiagonal H); x, v of shape (n,)."""
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    out = np.zeros_like(x)
    xi, xn, vi, vn = x[:-1], x[1:], v[:-1], v[1:]
    out[:-1] += (1200 * xi ** 2 - 400 * xn + 2) * vi - 400 * xi * vn
    out[1:] += 200 * vn - 400 * xi * vi
    return out


def rosenbrock_third(x, v):
    """∇³f(x)[v, v, ·] of the chained Rosenbrock function: ∂³/∂x_i³ = 2400 x_i, ∂³/∂x_i²∂x_{i+1} = −400."""
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    out = np.zeros_like(x)
    out[:-1] += 2400 * x[:-1] * v[:-1] ** 2 - 800 * v[:-1] * v[1:]
    out[1:] += -400 * v[:-1] ** 2
    return out


def _big_point(seed, n=BIG_N):
    r = np.random.default_rng(seed)
    return r.uniform(-1, 1, n), r.normal(size=n)


def _inputs_big(rng):
    return {"seed": int(rng.integers(2**31)), "n": BIG_N}


_KERNEL_TAP = f'''
from autograd.extend import primitive as _primitive, defvjp as _defvjp, defjvp as _defjvp
_passes = [0]
def _tap_raw(x, _passes=_passes):
    _passes[0] += 1
    if _passes[0] > {TAP_STOP}:
        raise RuntimeError("more than {TAP_STOP} passes through f: the grader stopped the call (a Hessian of "
                           "n = 10^5 variables takes 10^5 passes and 80 GB)")
    return x
_tap = _primitive(_tap_raw)
_defvjp(_tap, lambda ans, x: lambda g: _tap(g))
_defjvp(_tap, lambda g, ans, x: _tap(g))
def _rosen(x):
    x = _tap(x)
    return _anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
_r = _np.random.default_rng(_in["seed"])
_xb, _vb = _r.uniform(-1, 1, _in["n"]), _r.normal(size=_in["n"])
'''

# the grader's own pearlmutter_hvp, in place of the student's while curvature_gradient is graded
_KERNEL_SWAP = '''
def _grader_hvp(f, x, v):
    return _ag.grad(lambda y: _anp.sum(_ag.grad(f)(y) * v))(x)
_g = globals()
_student_hvp = _g.get("pearlmutter_hvp")
_g["pearlmutter_hvp"] = _grader_hvp
try:
{body}
finally:
    _g["pearlmutter_hvp"] = _student_hvp
'''


def _indented(text):
    return "\n".join("    " + line for line in text.strip("\n").splitlines())


_KERNEL_VALUES = _KERNEL_F + '''
_out["got"] = [{fn}(_make_f(_pr), _pr["x"].copy(), _pr["v"].copy()) for _pr in _in["problems"]]
'''

_KERNEL_HVP_BIG = _KERNEL_F + _KERNEL_TAP + '''
try:
    _out["got"] = _as_array(pearlmutter_hvp(_rosen, _xb.copy(), _vb.copy()))
except RuntimeError as _exc:
    _out["got"] = "raised: " + str(_exc)[:200]
_out["passes"] = _passes[0]
'''

_KERNEL_THIRD = _KERNEL_F + _KERNEL_TAP + _KERNEL_SWAP.format(body=_indented('''
_out["got"] = [curvature_gradient(_make_f(_pr), _pr["x"].copy(), _pr["v"].copy()) for _pr in _in["problems"]]
try:
    _out["big"] = _as_array(curvature_gradient(_rosen, _xb.copy(), _vb.copy()))
except RuntimeError as _exc:
    _out["big"] = "raised: " + str(_exc)[:200]
_out["passes"] = _passes[0]
'''))


def _check_values(inputs, out, fn, reference, tol):
    got = out.get("got")
    need(isinstance(got, list) and len(got) == len(inputs["problems"]), f"{fn} was not run on the grader's functions")
    for pr, g in zip(inputs["problems"], got):
        shape = pr["x"].shape
        err = rel(arr(g, shape, f"{fn}(f, x, v) for x of shape {shape}"), reference(pr))
        need(err < tol, f"{fn} is off by {err:.1e} (relative; allowed {tol:.0e}) for a function of an array of shape "
                        f"{shape} the grader drew (non-quadratic, with a large linear part)")


def _check_big(got, passes, budget, fn, want):
    if isinstance(got, str):
        raise CheckFailed(f"{fn} at n = 10^5 {got[:160]}")
    need(num(passes, "the passes") <= budget,
         f"{fn} went {passes} times through f at n = 10^5 (allowed: {budget}); never form the Hessian")
    err = rel(arr(got, want.shape, f"{fn} at n = 10^5"), want)
    need(err < BIG_TOL, f"{fn} at n = 10^5 is off by {err:.1e} (relative; allowed {BIG_TOL:.0e})")


def _check_hvp(inputs, out):
    _check_values(inputs, out, "pearlmutter_hvp", dense_hvp, HVP_TOL)


def _check_hvp_big(inputs, out):
    x, v = _big_point(inputs["seed"], inputs["n"])
    _check_big(out.get("got"), out.get("passes"), HVP_PASSES, "pearlmutter_hvp", rosenbrock_hvp(x, v))


def _check_third(inputs, out):
    _check_values(inputs, out, "curvature_gradient", dense_third, THIRD_TOL)
    x, v = _big_point(inputs["seed"], inputs["n"])
    _check_big(out.get("big"), out.get("passes"), THIRD_PASSES, "curvature_gradient", rosenbrock_third(x, v))


def _inputs_third(rng):
    return {**_problems(rng, quadratic=True), **_inputs_big(rng)}


PARTS = {
    "test_pearlmutter": Part(_KERNEL_VALUES.format(fn="pearlmutter_hvp"), _check_hvp,
                             lambda rng: _problems(rng, quadratic=False)),
    "test_pearlmutter_cost": Part(_KERNEL_HVP_BIG, _check_hvp_big, _inputs_big),
    "test_curvature_gradient": Part(_KERNEL_THIRD, _check_third, _inputs_third),
}
