"""The grader's own check of every graded part, decided outside the student's kernel.

nbgrader runs a part's test cell in the student's kernel, where student code can patch NumPy, builtins or
IPython and so make any comparison say "equal". For every test cell, ``RestartingExecute`` therefore appends
a grader-owned snippet (never stored in the notebook) that

* receives inputs drawn in the grader's process from a per-run secret seed (so they are unknown to the
  submission in advance, and hard-coded answers cannot match them),
* calls the student's functions on them (or reads the student's answer variables), and
* emits the raw results as one ``application/vnd.btg.values+json`` display output, with a per-cell nonce.

The executor then strips that output and calls the part's ``check(inputs, values)`` below **in the grader's
process**: the references are recomputed here, with the grader's NumPy/autograd, from the inputs it drew. A
part earns its points only if its test cell ran without error (the in-kernel tests, which give the student
readable feedback) *and* this check passed; otherwise the cell gets a ``GraderCheckFailed`` error output and
nbgrader scores it 0.

What it guarantees: patching NumPy's testing helpers, NumPy internals or builtins in the kernel cannot turn a
wrong answer into points, since nothing the kernel compares is trusted. What it cannot guarantee: the kernel
could forge the emitted values. To forge *correct* values for inputs it only sees when the check runs, it
needs a correct implementation (e.g. an input transformer that swaps in ``hvplib`` where the part says "by
hand"); the "written by hand" checks (which functions the answer calls) still run in the kernel. That is what
the static tamper scan (``tamper.py``) is for: it flags input transformers, hooks and monkeypatching, and
parts graded after such a cell score 0 with status ``tampered``.
"""
import base64
import json

import numpy as np

MIME = "application/vnd.btg.values+json"
MAX_PAYLOAD_CHARS = 2_000_000

# Tolerances the tasks state, the same in the visible tests, the hidden tests and here
POWER_TOL = 0.01        # ch03: best_power to two decimals (0.2 is 1/5)
KAPPA_TOL = 0.5         # ch04: kappa_one_percent to the nearest whole number (398 for 397.997...)
CGLS_TOL = 1e-7         # ch04: cgls against numpy.linalg.lstsq (relative)
CGLS_ORTHO_TOL = 1e-8   # ch04: ‖Aᵀ(b − Ax)‖ / ‖Aᵀb‖
EPS_STEP_FACTOR = 4.0   # ch03: the default step ‖εv‖ within a factor 4 of u^(1/5)·max(1, ‖x‖)
FD_TOL = 1e-9           # ch03: the fourth-order fd_hvp with eps=None (relative)
FD_COARSE_TOL = 1e-7    # ch03: ... with the coarse step eps=1e-2 (only O(ε⁴) truncation gets there)
SLOPE_TOL = 0.1         # ch03: the guide line's log-log slope 4 ± 0.1

# ---------------------------------------------------------------------------------------------------
# Packing values: the same rules on both sides (floats travel as bytes, so nothing is lost in decimal)
# ---------------------------------------------------------------------------------------------------

_PACK_SRC = r'''
def _btg_pack(x, depth=0):
    import base64 as _b64
    import numpy as _np
    if depth > 8:
        return {"__r__": "too deep"}
    if isinstance(x, (bool, _np.bool_)):
        return bool(x)
    if isinstance(x, str):
        return x[:2000]
    if isinstance(x, int) and not isinstance(x, bool):
        return {"__i__": str(x)[:60]}
    if isinstance(x, float):
        return {"__f__": float(x).hex()}
    if isinstance(x, dict):
        return {"__d__": [[_btg_pack(k, depth + 1), _btg_pack(v, depth + 1)] for k, v in list(x.items())[:100]]}
    if isinstance(x, (list, tuple)):
        return {"__l__": [_btg_pack(v, depth + 1) for v in list(x)[:2000]]}
    if hasattr(x, "__next__") or isinstance(x, (range, map, filter, zip, type({}.keys()), type({}.values()))):
        # a generator or other one-pass iterable: the visible tests iterate it ([float(m) for m in ...]), so
        # the grader takes its values too (at most 2000 of them)
        import itertools as _it
        try:
            return {"__l__": [_btg_pack(v, depth + 1) for v in _it.islice(x, 2000)]}
        except Exception as _exc:
            return {"__r__": f"iterating it raised {type(_exc).__name__}"}
    try:
        a = _np.asarray(x)
        if a.dtype.kind in "biuf" and a.size <= 200000:
            return {"__nd__": [a.dtype.kind, list(a.shape),
                               _b64.b64encode(_np.ascontiguousarray(a, dtype="<f8").tobytes()).decode()]}
    except Exception:
        pass
    return {"__r__": repr(x)[:200]}


def _btg_unpack(x):
    import base64 as _b64
    import numpy as _np
    if isinstance(x, dict):
        if "__f__" in x:
            return float.fromhex(x["__f__"])
        if "__i__" in x:
            return int(x["__i__"])
        if "__l__" in x:
            return [_btg_unpack(v) for v in x["__l__"]]
        if "__d__" in x:
            return {_btg_unpack(k): _btg_unpack(v) for k, v in x["__d__"]}
        if "__nd__" in x:
            kind, shape, data = x["__nd__"]
            a = _np.frombuffer(_b64.b64decode(data), dtype="<f8").reshape(shape).copy()
            if kind == "b":
                return a.astype(bool)
            return a.astype(_np.int64) if kind in "iu" else a
        if "__r__" in x:
            return Unrepresentable(x["__r__"])
        raise ValueError("unknown packed value")
    if isinstance(x, list):
        raise ValueError("bare list in packed value")
    return x
'''


class Unrepresentable(str):
    """A value the kernel could not pack (its repr)."""


_ns = {"Unrepresentable": Unrepresentable}
exec(_PACK_SRC, _ns)          # one definition, used here and (as source) in the kernel snippet
pack, unpack = _ns["_btg_pack"], _ns["_btg_unpack"]

_SNIPPET = '''

# --- appended by the grader (not part of the notebook) ---
def _btg_grader_check():
{pack}
    import json as _json
    import base64 as _b64
    import numpy as _np
    from IPython.display import display as _display
    class Unrepresentable(str):
        pass
    _in = _btg_unpack(_json.loads(_b64.b64decode("{inputs}").decode()))
    _out = {{}}
{body}
    _display({{"{mime}": {{"nonce": "{nonce}", "values": _btg_pack(_out)}}}}, raw=True)
_btg_grader_check()
del _btg_grader_check
'''


def _indent(text, n=4):
    return "\n".join((" " * n + line) if line.strip() else "" for line in text.strip("\n").splitlines())


def snippet(part, inputs, nonce):
    """The code appended to a test cell: computes the part's raw values in the kernel and emits them."""
    encoded = base64.b64encode(json.dumps(pack(kernel_inputs(inputs))).encode()).decode()
    return _SNIPPET.format(pack=_indent(_PACK_SRC), inputs=encoded, body=_indent(part.kernel), mime=MIME,
                           nonce=nonce)


def call_code(part, inputs):
    """The part's calls alone (no emitting): what the "written by hand" re-run executes under its profiler."""
    encoded = base64.b64encode(json.dumps(pack(kernel_inputs(inputs))).encode()).decode()
    return ("import json as _json\nimport base64 as _b64\nimport numpy as _np\n" + _PACK_SRC
            + "\nclass Unrepresentable(str):\n    pass\n"
            + f"_in = _btg_unpack(_json.loads(_b64.b64decode('{encoded}').decode()))\n_out = {{}}\n"
            + part.kernel.strip("\n") + "\n")


class Part:
    """A part's outside check: ``inputs(rng)`` (drawn by the grader), ``kernel`` code, ``check``."""

    def __init__(self, kernel, check, inputs=None):
        self.kernel, self.check, self._inputs = kernel, check, inputs

    def inputs(self, rng):
        return self._inputs(rng) if self._inputs else {}


class CheckFailed(Exception):
    pass


def need(condition, message):
    if not condition:
        raise CheckFailed(message)


def arr(x, shape=None, what="value"):
    if isinstance(x, Unrepresentable) or x is None or isinstance(x, (str, dict)):
        raise CheckFailed(f"{what} is not an array of numbers")
    if isinstance(x, list):
        x = [arr(v, what=what) for v in x]
    a = np.asarray(x, dtype=float)
    if shape is not None:
        need(a.shape == tuple(shape), f"{what} has shape {a.shape}, not {tuple(shape)}")
    return a


def num(x, what="value"):
    a = arr(x, what=what)
    need(a.size == 1, f"{what} should be one number, not shape {a.shape}")
    return float(a.reshape(-1)[0])


def rel(a, b):
    return float(np.linalg.norm(np.ravel(a) - np.ravel(b)) / np.linalg.norm(np.ravel(b)))


def whole(x, what="value"):
    """``x`` as an int when a reasonable student wrote a whole number: ``3``, ``3.0``, ``np.float64(3.0)``,
    ``np.int64(3)``, a 0-d or one-element array; anything else (``2.9``, a string, a bool) fails."""
    need(not isinstance(x, (bool, str, dict, Unrepresentable)) and x is not None, f"{what} is not a number")
    value = num(x, what)
    need(np.isfinite(value) and value == round(value), f"{what} is not a whole number")
    return int(round(value))


def truth_value(x, what="value"):
    """``x`` as a bool when written as one: ``True``/``False``, ``np.bool_``, ``0``/``1`` (int or float), a 0-d or
    one-element array of those; anything else (a string, ``0.5``, several values) fails."""
    need(not isinstance(x, (str, dict, Unrepresentable)) and x is not None, f"{what} is not True or False")
    if isinstance(x, bool):
        return x
    value = num(x, what)
    need(value in (0.0, 1.0), f"{what} is not True or False")
    return value == 1.0


def run_check(part, inputs, values):
    """``None`` if the part's values are right, else the reason (a string)."""
    try:
        with np.errstate(all="ignore"):
            part.check(inputs, values)
    except CheckFailed as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - any malformed value is a failure, never a crash
        return f"the values could not be checked ({type(exc).__name__}: {str(exc)[:200]})"
    return None


def _sym(rng, eigs):
    q, _ = np.linalg.qr(rng.normal(size=(len(eigs), len(eigs))))
    return (q * np.asarray(eigs, dtype=float)) @ q.T


# ---------------------------------------------------------------------------------------------------
# Written parts (an autograded multiple-choice answer) and plot parts (the figure's data, read in the kernel)
# ---------------------------------------------------------------------------------------------------

def choice(name, key):
    """A multiple-choice part: ``name`` holds one letter; ``"b"``, ``"B"``, ``" (b) "`` and ``"b."`` are all b."""
    def check(inputs, out):
        got = out["answer"]
        need(isinstance(got, str), f"{name} should be one letter (a string such as 'b')")
        letter = got.strip().strip("().").strip().lower()
        need(letter in ("a", "b", "c", "d"), f"{name} = {got[:20]!r} is not one of 'a', 'b', 'c', 'd'")
        need(letter == key, f"{name} is not the right answer")
    return Part(f'_out["answer"] = {name}', check)


FIGURE_KERNEL = '''
_fig = {name}
_fig = getattr(_fig, "figure", _fig)              # an Axes is accepted for its figure
_out["axes"] = []
for _ax in list(_fig.axes)[:8]:
    _out["axes"].append({{"title": str(_ax.get_title()), "xlabel": str(_ax.get_xlabel()),
                         "ylabel": str(_ax.get_ylabel()), "xscale": str(_ax.get_xscale()),
                         "yscale": str(_ax.get_yscale()),
                         "lines": [_np.asarray(_l.get_xydata(), dtype=float) for _l in list(_ax.get_lines())[:20]]
                                  + [_np.asarray(_c.get_offsets(), dtype=float) for _c in list(_ax.collections)[:20]
                                     if hasattr(_c, "get_offsets")]}})
{extra}
'''


def figure_part(name, check, extra="", inputs=None):
    """A plot part: the axes of the figure (or Axes) ``name`` — titles, labels, scales and every line's data."""
    return Part(FIGURE_KERNEL.format(name=name, extra=extra), check, inputs)


def axes_of(out, name):
    axes = out.get("axes")
    need(isinstance(axes, list) and axes, f"{name} has no axes")
    for ax in axes:
        need(isinstance(ax, dict), f"{name} could not be read")
    return axes


def labelled(ax, name):
    need(all(isinstance(ax[k], str) and ax[k].strip() for k in ("title", "xlabel", "ylabel")),
         f"{name} needs a title and labelled axes")


def has_line(ax, x, y, rtol, name, what):
    """Some line (or scatter) of ``ax`` holds the points (x, y), in any order of the points, to ``rtol``."""
    want = np.column_stack([np.ravel(x), np.ravel(y)])
    want = want[np.lexsort(want.T[::-1])]
    for line in ax["lines"]:
        got = arr(line, what=f"a line of {name}")
        if got.ndim != 2 or got.shape != want.shape:
            continue
        got = got[np.lexsort(got.T[::-1])]
        if np.all(np.abs(got - want) <= rtol * np.abs(want) + 1e-300):
            return True
    return False


# ---------------------------------------------------------------------------------------------------
# ch01_definition
# ---------------------------------------------------------------------------------------------------

def _grad_f(p, a, b):
    """∇f for f(x, y, z) = a·x·e^(yz) + b·y²·sin x."""
    x, y, z = p
    e = np.exp(y * z)
    return np.array([a * e + b * y**2 * np.cos(x), a * x * z * e + 2 * b * y * np.sin(x), a * x * y * e])


def _hess_f(p, a, b):
    x, y, z = p
    e = np.exp(y * z)
    fxy, fxz, fyz = a * z * e + 2 * b * y * np.cos(x), a * y * e, a * x * (1 + y * z) * e
    return np.array([[-b * y**2 * np.sin(x), fxy, fxz], [fxy, a * x * z**2 * e + 2 * b * np.sin(x), fyz],
                     [fxz, fyz, a * x * y**2 * e]])


def _points_abc(rng):
    return {"P": rng.normal(size=(5, 3)), "A": rng.uniform(-3, 3, 5), "B": rng.uniform(-3, 3, 5)}


_CALL_ABC = '''
_out["got"] = [{fn}(_p.copy(), float(_a), float(_b)) for _p, _a, _b in zip(_in["P"], _in["A"], _in["B"])]
'''


def _check_abc(ref, shape, name, entries=None, what="", symmetric=False):
    """``entries``: a boolean mask of the entries this part grades (None: all)."""
    def check(inputs, out):
        got = out["got"]
        need(isinstance(got, list) and len(got) == 5, f"{name} was not evaluated at the grader's points")
        for p, a, b, g in zip(inputs["P"], inputs["A"], inputs["B"], got):
            g = arr(g, shape, f"{name}'s result")
            want = ref(p, a, b)
            mask = np.ones(shape, bool) if entries is None else entries
            scale = 1e-9 * (1 + np.max(np.abs(want)))
            if symmetric:
                need(np.max(np.abs(g - g.T)) <= scale, f"{name} is not symmetric at a point the grader chose")
            need(np.max(np.abs(g - want)[mask]) <= scale, f"{name} is wrong {what}at a point the grader chose")
    return check


_OFF_DIAGONAL = ~np.eye(3, dtype=bool)

from . import checks_ch01_definition as _ch01  # noqa: E402  (issue 21: the per-component gradient, the plot)


def _check_taylor(inputs, out):
    need(abs(num(out["g0"], "g0") - 1.0) < 1e-9, "g0 is not g(1, 0) = 1")
    need(np.allclose(arr(out["grad"], (2,), "grad_g0"), [1.0, 0.0]), "grad_g0 is not ∇g(1, 0)")
    need(np.allclose(arr(out["H"], (2, 2), "H_g0"), [[0.0, 0.0], [0.0, 2.0]]), "H_g0 is not the Hessian at (1, 0)")
    got = out["m"]
    need(isinstance(got, list) and len(got) == len(inputs["D"]), "taylor_model was not evaluated")
    for d, m in zip(inputs["D"], got):
        want = 1.0 + d[0] + d[1] ** 2
        need(abs(num(m, "taylor_model(d)") - want) <= 1e-12 * (1 + abs(want)), "taylor_model is wrong at a grader's d")


def _check_errors(inputs, out):
    errs = arr(out["errors"], (3,), "taylor_errors")
    want = np.array([abs((1 + t) * np.exp(t**2) - (1 + t + t**2)) for t in (0.1, 0.05, 0.025)])
    need(np.allclose(errs, want, rtol=1e-6, atol=0), "taylor_errors are not the model's errors")
    need(whole(out["order"], "error_order") == 3, "error_order is not the whole number the ratios show")


# ---------------------------------------------------------------------------------------------------
# ch02_curvature
# ---------------------------------------------------------------------------------------------------

from . import checks_ch02_curvature as _ch02  # noqa: E402  (issue 21: parameterised parts 1 and 4, part 5, the plot)

_CH02 = _ch02.parts()


_CLASSIFY_FIXED = [
    ([1.0, 2.0, 3.0], "minimum"), ([-1.0, -5.0, -0.5], "maximum"), ([2.0, 0.0, -1.0], "saddle"),
    ([0.0, 0.0, 3.0], "inconclusive"), ([0.0, -2.0, -1.0], "inconclusive"), ([0.0, 0.0], "inconclusive"),
    ([1e-3, 5.0, 2.0, 7.0], "minimum"), ([1e-14, 1.0], "inconclusive"), ([-1e-3, 1e3], "saddle"),
]


def _classify_cases(rng):
    cases = list(_CLASSIFY_FIXED)
    for _ in range(8):
        n = int(rng.integers(2, 6))
        kind = rng.choice(["minimum", "maximum", "saddle", "inconclusive"])
        mags = rng.uniform(0.3, 8.0, n)
        signs = {"minimum": np.ones(n), "maximum": -np.ones(n)}.get(kind)
        if kind == "saddle":
            signs = rng.choice([-1.0, 1.0], n)
            signs[0], signs[1] = 1.0, -1.0
        if kind == "inconclusive":
            signs = np.full(n, rng.choice([-1.0, 1.0]))
            signs[int(rng.integers(n))] = 0.0
        cases.append((list(signs * mags), str(kind)))
    return cases


def _inputs_classify(rng):
    cases = [c for c in _classify_cases(rng) if c[1] != "inconclusive"]
    return {"H": [_sym(rng, e) for e, _ in cases], "_want": [w for _, w in cases]}


def _inputs_classify_edge(rng):
    cases = [c for c in _classify_cases(rng) if c[1] == "inconclusive"]
    for _ in range(3):                       # more semidefinite cases: a zero eigenvalue beside one sign
        n = int(rng.integers(2, 6))
        e = rng.uniform(0.3, 8.0, n) * rng.choice([-1.0, 1.0])
        e[int(rng.integers(n))] = 0.0
        cases.append((list(e), "inconclusive"))
    return {"H": [_sym(rng, e) for e, _ in cases], "_want": [w for _, w in cases]}


def _check_classify(inputs, out):
    got = out["labels"]
    need(isinstance(got, list) and len(got) == len(inputs["_want"]), "classify was not run on the grader's matrices")
    for label, want, H in zip(got, inputs["_want"], inputs["H"]):
        need(isinstance(label, str) and label == want,
             f"classify is wrong for a {len(H)} × {len(H)} matrix with eigenvalues "
             f"{np.round(np.linalg.eigvalsh(H), 3).tolist()}")


def _check_degenerate(inputs, out):
    says, truth = out["says"], out["truth"]
    need(isinstance(says, dict) and set(says) == {"x4+y4", "x4-y4"} and all(
        v == "inconclusive" and isinstance(v, str) for v in says.values()), "test_says is not inconclusive for both")
    need(isinstance(truth, dict) and truth.get("x4+y4") == "minimum" and truth.get("x4-y4") == "saddle",
         "truth is wrong")


# ---------------------------------------------------------------------------------------------------
# ch03_hvp
# ---------------------------------------------------------------------------------------------------

def _inputs_fd(rng):
    xs, vs = [], []
    scales = [(1.0, 1.0), (1e4, 1.0), (1.0, 1e6), (1e3, 1e-6), (0.01, 1.0), (10 ** rng.uniform(-1, 3), 10 ** rng.uniform(-5, 5))]
    for sx, sv in scales:
        n = int(rng.integers(5, 12))
        xs.append(rng.normal(size=n) * sx)
        vs.append(rng.normal(size=n) * sv)
    v_sin = rng.normal(size=8)
    return {"x": xs, "v": vs, "x_sin": rng.normal(size=8), "v_sin": v_sin / np.linalg.norm(v_sin)}


_KERNEL_FD = '''
def _gq(y):
    y = _np.asarray(y, dtype=float)
    return y ** 3 + _np.roll(y, 1) + _np.roll(y, -1)
_out["hv"], _out["calls"], _out["points"] = [], [], []
for _x, _v in zip(_in["x"], _in["v"]):
    _n, _pts = [0], []
    def _oracle(y, _n=_n, _pts=_pts):
        _n[0] += 1
        if len(_pts) < 6:
            _pts.append(_np.array(y, dtype=float, copy=True))
        return _gq(y)
    _out["hv"].append(fd_hvp(_oracle, _x.copy(), _v.copy()))
    _out["calls"].append(_n[0])
    _out["points"].append(_pts)
_out["zero"] = [fd_hvp(_gq, _x.copy(), _np.zeros_like(_x)) for _x in _in["x"]]
_out["coarse"] = fd_hvp(lambda y: -_np.sin(_np.asarray(y, dtype=float)), _in["x_sin"].copy(), _in["v_sin"].copy(), eps=1e-2)
'''


def _check_fd(inputs, out):
    need(isinstance(out["hv"], list) and len(out["hv"]) == len(inputs["x"]), "fd_hvp was not run")
    for x, v, got, calls in zip(inputs["x"], inputs["v"], out["hv"], out["calls"]):
        want = 3 * x**2 * v + np.roll(v, 1) + np.roll(v, -1)
        err = rel(arr(got, x.shape, "fd_hvp(...)"), want)
        need(err < FD_TOL, f"fd_hvp is inaccurate ({err:.1e}) for ‖x‖ ~ {np.linalg.norm(x):.1g}, "
                           f"‖v‖ ~ {np.linalg.norm(v):.1g} (inputs chosen by the grader)")
        need(num(calls) == 4, f"fd_hvp should call grad_f exactly four times, not {calls}")
    x, v = inputs["x_sin"], inputs["v_sin"]
    err = rel(arr(out["coarse"], x.shape, "fd_hvp(..., eps=1e-2)"), -np.cos(x) * v)
    need(err < FD_COARSE_TOL, f"with eps=1e-2 fd_hvp is off by {err:.1e} on the gradient -sin x: its truncation error "
                              "is not of order ε⁴")


def _check_fd_eps(inputs, out):
    need(isinstance(out.get("points"), list) and len(out["points"]) == len(inputs["x"]), "fd_hvp was not run")
    need(all(num(c) == 4 for c in out["calls"]), "fd_hvp should call grad_f exactly four times")
    u = np.finfo(float).eps
    for x, v, pts in zip(inputs["x"], inputs["v"], out["points"]):
        need(isinstance(pts, list) and len(pts) == 4, "fd_hvp should call grad_f exactly four times")
        off = sorted(float((arr(p, x.shape, "a point fd_hvp evaluated") - x) @ v) / float(v @ v) for p in pts)
        h = off[-1] / 2
        need(h > 0 and np.allclose(off, [-2 * h, -h, h, 2 * h], rtol=1e-6, atol=0),
             "the four gradients are not taken at x ± εv and x ± 2εv")
        want = u ** (1 / 5) * max(1.0, float(np.linalg.norm(x)))
        step = h * float(np.linalg.norm(v))
        need(1 / EPS_STEP_FACTOR <= step / want <= EPS_STEP_FACTOR,
             f"with eps=None the step ‖εv‖ is {step:.1e} for ‖x‖ ~ {np.linalg.norm(x):.1g}, but the "
             f"rule asks for u^(1/5)·max(1, ‖x‖) = {want:.1e}")


def _check_fd_zero(inputs, out):
    for x, z in zip(inputs["x"], out["zero"]):
        z = arr(z, x.shape, "fd_hvp(..., v = 0)")
        need(not np.any(z), "for v = 0 fd_hvp should return zeros (of the shape of x)")


def _demo_problem():
    import autograd
    import autograd.numpy as anp

    f = lambda x: anp.sum(anp.sin(x) * anp.roll(x, 1)) + 0.25 * anp.sum(x ** 4)  # noqa: E731
    rng = np.random.default_rng(0)
    x, v = rng.normal(size=6), rng.normal(size=6)
    g = autograd.grad(f)
    exact = autograd.grad(lambda y: anp.sum(g(y) * v))(x)
    return g, x, v, exact


def _fd4(g, x, v, e):
    return (-g(x + 2 * e * v) + 8 * g(x + e * v) - 8 * g(x - e * v) + g(x - 2 * e * v)) / (12 * e)


def _check_best_eps(inputs, out):
    g, x, v, exact = _demo_problem()
    grid = 10.0 ** -np.arange(1, 13)
    ref = np.array([rel(_fd4(g, x, v, e), exact) for e in grid[:2]])
    mine = arr(out["errors"], (12,), "fd_errors")
    need(np.all(mine > 0) and np.all(np.abs(np.log10(mine[:2]) - np.log10(ref)) < 0.05),
         "fd_errors do not match the fourth-order truncation regime (eps = 1e-1, 1e-2)")
    need(mine[0] > 1e-7 and mine[-1] > 1e-7 and mine.min() < 1e-11, "fd_errors do not show the V shape")
    eps_best = num(out["eps_best"], "eps_best")
    need(eps_best == grid[np.argmin(mine)] and 1e-5 <= eps_best <= 1e-2, "eps_best is not the best step")
    need(abs(num(out["power"], "best_power") - 1 / 5) <= POWER_TOL, "best_power is not the right rule of thumb")


def _loglog_slope(xy):
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        return float("nan")
    ok = np.all(xy > 0, axis=1) & np.all(np.isfinite(xy), axis=1)
    if ok.sum() < 3 or np.ptp(np.log10(xy[ok, 0])) == 0:
        return float("nan")
    return float(np.polyfit(np.log10(xy[ok, 0]), np.log10(xy[ok, 1]), 1)[0])


def _check_fig_fd(inputs, out):
    errors = arr(out["errors"], (12,), "fd_errors")
    grid = 10.0 ** -np.arange(1, 13)
    for ax in axes_of(out, "fig_fd"):
        if has_line(ax, grid, errors, 1e-9, "fig_fd", ""):
            need(ax["xscale"] == "log" and ax["yscale"] == "log", "fig_fd should use log scales on both axes")
            need(any(abs(_loglog_slope(arr(line, what="a line of fig_fd")) - 4) <= SLOPE_TOL for line in ax["lines"]),
                 "fig_fd should have a guide line of slope 4 (c·ε⁴ over at least three steps) beside the errors")
            labelled(ax, "fig_fd")
            return
    need(False, "fig_fd has no line of fd_errors against eps_grid")


def _inputs_rop(rng):
    problems = []
    for _ in range(3):
        N, D, H, K = (int(rng.integers(lo, hi)) for lo, hi in ((1, 15), (1, 6), (1, 7), (1, 4)))
        shapes = [(H, D), (H,), (K, H), (K,)]
        problems.append({"p": [rng.normal(size=s) for s in shapes], "v": [rng.normal(size=s) for s in shapes],
                         "X": rng.normal(size=(N, D)), "T": rng.normal(size=(N, K))})
    return {"problems": problems}


_KERNEL_ROP = '''
_out["blocks"] = []
for _pr in _in["problems"]:
    _res = rop_hvp(tuple(a.copy() for a in _pr["p"]), _pr["X"].copy(), _pr["T"].copy(),
                   tuple(a.copy() for a in _pr["v"]))
    _out["blocks"].append(list(_res))
'''


def _check_rop(blocks, what):
    return lambda inputs, out: _check_rop_blocks(inputs, out, blocks, what)


def _check_rop_blocks(inputs, out, blocks, what):
    import autograd
    import autograd.numpy as anp

    need(isinstance(out["blocks"], list) and len(out["blocks"]) == 3, "rop_hvp was not run")
    for pr, got in zip(inputs["problems"], out["blocks"]):
        shapes = [a.shape for a in pr["p"]]
        X, T = pr["X"], pr["T"]

        def loss(w):
            parts, s = [], 0
            for sh in shapes:
                k = int(np.prod(sh))
                parts.append(anp.reshape(w[s:s + k], sh))
                s += k
            Z = anp.logaddexp(0.0, X @ parts[0].T + parts[1])        # softplus
            return 0.5 * anp.sum((Z @ parts[2].T + parts[3] - T) ** 2)

        w = np.concatenate([a.ravel() for a in pr["p"]])
        vv = np.concatenate([a.ravel() for a in pr["v"]])
        want = autograd.grad(lambda y: anp.sum(autograd.grad(loss)(y) * vv))(w)
        need(isinstance(got, list) and len(got) == 4, "rop_hvp should return four blocks")
        sizes = np.cumsum([0] + [int(np.prod(sh)) for sh in shapes])
        mine = np.concatenate([arr(got[k], shapes[k], "a block of rop_hvp").ravel() for k in blocks])
        ref = np.concatenate([want[sizes[k]:sizes[k + 1]] for k in blocks])
        need(rel(mine, ref) < 1e-8, f"rop_hvp's {what} blocks are wrong on a network the grader drew (N, D, H, K = "
                                    f"{X.shape[0]}, {X.shape[1]}, {shapes[0][0]}, {T.shape[1]})")


# Part 4, Pearlmutter's trick with autograd: its checks live in checks_ch03_hvp.py
from .checks_ch03_hvp import PARTS as CH03_PEARLMUTTER  # noqa: E402


# ---------------------------------------------------------------------------------------------------
# ch04_optimization
# ---------------------------------------------------------------------------------------------------

def _tall(rng, m, n, kappa):
    u, _ = np.linalg.qr(rng.normal(size=(m, n)))
    v, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return (u * np.geomspace(1.0, kappa, n)) @ v.T


def _inputs_cg(rng):
    n = int(rng.integers(20, 36))
    m = n + int(rng.integers(10, 51))
    return {"A": _tall(rng, m, n, 10 ** rng.uniform(1, 1.5)), "b": rng.normal(size=m)}


_KERNEL_CG = '''
_A = _in["A"]
_n = [0]
def _mv(p, _A=_A, _n=_n):
    _n[0] += 1
    return _A @ p
def _rmv(q, _A=_A, _n=_n):
    _n[0] += 1
    return _A.T @ q
_out["x"] = cgls(_mv, _rmv, _in["b"].copy(), _A.shape[1])
_out["count"] = _n[0]
_n[0] = 0
cgls(_mv, _rmv, _in["b"].copy(), _A.shape[1], max_iter=3)
_out["count3"] = _n[0]
_out["zero"] = cgls(_mv, _rmv, _np.zeros(_A.shape[0]), _A.shape[1])
'''


def _check_cg(inputs, out):
    A, b = inputs["A"], inputs["b"]
    m, n = A.shape
    x = arr(out["x"], (n,), "cgls(...)")
    ortho = np.linalg.norm(A.T @ (b - A @ x)) / np.linalg.norm(A.T @ b)
    need(ortho < CGLS_ORTHO_TOL, f"cgls leaves a residual that is not orthogonal to the columns of a {m} × {n} A the "
                                 f"grader drew: ‖Aᵀ(b − Ax)‖/‖Aᵀb‖ = {ortho:.1e}")
    gap = rel(x, np.linalg.lstsq(A, b, rcond=None)[0])
    need(gap < CGLS_TOL, f"cgls is {gap:.1e} (relative) from numpy.linalg.lstsq on a {m} × {n} problem the grader drew")


def _check_cg_budget(inputs, out):
    n = inputs["A"].shape[1]
    need(num(out["count"]) <= 2 * 5 * n + 2, f"CGLS used {out['count']} products of A and Aᵀ on a {n}-column problem "
                                             f"(at most 2·(5n) + 2 = {10 * n + 2} are allowed)")
    need(num(out["count3"]) <= 2 * 3 + 2, "max_iter is not respected: max_iter=3 allows at most 2·3 + 2 products "
                                          "of A and Aᵀ (one A p and one Aᵀ r per iteration; AᵀA is never formed)")


def _check_cg_zero(inputs, out):
    need(not np.any(arr(out["zero"], (inputs["A"].shape[1],), "cgls(b = 0)")), "b = 0 should give x = 0")


def _steepest_descent_values():
    """f(x_0), ..., f(x_20) of steepest descent with exact line search on diag(1, 10) from (10, 1)."""
    H, x = np.diag([1.0, 10.0]), np.array([10.0, 1.0])
    ref = [0.5 * x @ H @ x]
    for _ in range(20):
        g = H @ x
        x = x - (g @ g) / (g @ H @ g) * g
        ref.append(0.5 * x @ H @ x)
    return ref


def _check_rate(inputs, out):
    ref = _steepest_descent_values()
    fv = arr(out["f"], (21,), "f_values")
    need(np.allclose(fv, ref, rtol=1e-9, atol=0), "f_values are not steepest descent's values")
    pred = num(out["pred"], "predicted_rate")
    need(abs(pred - (9 / 11) ** 2) < 1e-12, "predicted_rate is not ((κ−1)/(κ+1))²")
    need(abs(num(out["meas"], "measured_rate") - pred) < 1e-6 * pred, "measured_rate does not match")


def _check_fig_rate(inputs, out):
    ref = _steepest_descent_values()
    k = np.arange(21.0)
    for ax in axes_of(out, "fig_rate"):
        if has_line(ax, k, ref, 1e-9, "fig_rate", ""):
            need(ax["yscale"] == "log", "fig_rate should have a log scale on its y axis")
            need(has_line(ax, k, ref[0] * ((9 / 11) ** 2) ** k, 1e-6, "fig_rate", ""),
                 "fig_rate should also show the prediction f(x0)·rate^k for k = 0, ..., 20")
            labelled(ax, "fig_rate")
            return
    need(False, "fig_rate has no line of f_values against k = 0, 1, ..., 20")


def _check_kappa(inputs, out):
    need(abs(num(out["kappa"], "kappa_one_percent") - (1 + 0.99**0.5) / (1 - 0.99**0.5)) <= KAPPA_TOL,
         "kappa_one_percent is wrong: solve ((κ−1)/(κ+1))² = 0.99 for κ")


# ---------------------------------------------------------------------------------------------------
# ch04 Part 2 (issue 21): the inexact Newton-CG step lives in its own module
# ---------------------------------------------------------------------------------------------------

from .checks_ch04_optimization import PARTS as CH04_NEWTON_CG  # noqa: E402


# ---------------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------------

from .checks_ch05_landscapes import CHECKS_CH05  # noqa: E402  (its parts use the helpers above)

CHECKS = {
    "ch01_definition": {
        "test_gradient_f": Part(_CALL_ABC.format(fn="gradient_f"),
                                _check_abc(_grad_f, (3,), "gradient_f", _ch01.GRADIENT_X, "(∂f/∂x) "), _points_abc),
        "test_gradient_yz": Part(_CALL_ABC.format(fn="gradient_f"),
                                 _check_abc(_grad_f, (3,), "gradient_f", _ch01.GRADIENT_YZ, "(∂f/∂y or ∂f/∂z) "),
                                 _points_abc),
        "test_hessian_f": Part(_CALL_ABC.format(fn="hessian_f"),
                               _check_abc(_hess_f, (3, 3), "hessian_f", _OFF_DIAGONAL, "(a mixed partial) ", True),
                               _points_abc),
        "test_hessian_diag": Part(_CALL_ABC.format(fn="hessian_f"),
                                  _check_abc(_hess_f, (3, 3), "hessian_f", np.eye(3, dtype=bool),
                                             "(a pure second derivative) "), _points_abc),
        "test_taylor": Part('_out.update(g0=g0, grad=grad_g0, H=H_g0, m=[taylor_model(d.copy()) for d in _in["D"]])',
                            _check_taylor, lambda rng: {"D": rng.normal(size=(6, 2))}),
        "test_errors": Part('_out.update(errors=taylor_errors, order=error_order)', _check_errors),
        **_ch01.fig_taylor_parts(_grad_f, _hess_f),
        "test_q_symmetry": choice("q_symmetry", "b"),
    },
    "ch02_curvature": {
        "test_curvatures": _CH02["test_curvatures"],
        "test_long_axis": _CH02["test_long_axis"],
        "test_classify": Part('_out["labels"] = [classify(H.copy()) for H in _in["H"]]', _check_classify,
                              _inputs_classify),
        "test_classify_edge": Part('_out["labels"] = [classify(H.copy()) for H in _in["H"]]', _check_classify,
                                   _inputs_classify_edge),
        "test_degenerate": Part('_out.update(says=dict(test_says), truth=dict(truth))', _check_degenerate),
        "test_q_degenerate": choice("q_degenerate", "c"),
        **{gid: _CH02[gid] for gid in ("test_sylvester", "test_sylvester_family", "test_hessian_origin",
                                       "test_null_direction", "test_nature", "test_fig_null")},
    },
    "ch03_hvp": {
        "test_fd_hvp": Part(_KERNEL_FD, _check_fd, _inputs_fd),
        "test_fd_eps": Part(_KERNEL_FD, _check_fd_eps, _inputs_fd),
        "test_fd_zero": Part(_KERNEL_FD, _check_fd_zero, _inputs_fd),
        "test_best_eps": Part('_out.update(errors=fd_errors, eps_best=eps_best, power=best_power)', _check_best_eps),
        "test_fig_fd": figure_part("fig_fd", _check_fig_fd, '_out["errors"] = fd_errors'),
        "test_q_roundoff": choice("q_roundoff", "b"),
        "test_rop_hvp": Part(_KERNEL_ROP, _check_rop((2, 3), "output-layer (W2, b2)"), _inputs_rop),
        "test_rop_hidden": Part(_KERNEL_ROP, _check_rop((0, 1), "hidden-layer (W1, b1)"), _inputs_rop),
        **CH03_PEARLMUTTER,
    },
    "ch04_optimization": {
        "test_cg": Part(_KERNEL_CG, _check_cg, _inputs_cg),
        "test_cg_budget": Part(_KERNEL_CG, _check_cg_budget, _inputs_cg),
        "test_cg_zero": Part(_KERNEL_CG, _check_cg_zero, _inputs_cg),
        **CH04_NEWTON_CG,           # Part 2: the inexact Newton-CG step and its outer loop
        "test_rate": Part('_out.update(f=f_values, meas=measured_rate, pred=predicted_rate)', _check_rate),
        "test_kappa": Part('_out.update(kappa=kappa_one_percent)', _check_kappa),
        "test_fig_rate": figure_part("fig_rate", _check_fig_rate),
        "test_q_cg": choice("q_cg", "b"),
    },
    "ch05_landscapes": CHECKS_CH05,          # checks_ch05_landscapes.py
}


def kernel_inputs(inputs):
    """What the kernel is sent: everything except the grader's private keys (``_want`` ...)."""
    return {k: v for k, v in inputs.items() if not k.startswith("_")}


def parts_for(assignment):
    return CHECKS.get(assignment, {})


def read_payloads(outputs):
    """Split a cell's outputs into (payloads, the other outputs)."""
    payloads, rest = [], []
    for out in outputs:
        if out.get("output_type") in ("display_data", "execute_result") and MIME in out.get("data", {}):
            payloads.append(out["data"][MIME])
        else:
            rest.append(out)
    return payloads, rest


def decode(payload, nonce):
    """The values of a payload, or raise CheckFailed."""
    if not isinstance(payload, dict) or payload.get("nonce") != nonce:
        raise CheckFailed("the values this cell emitted do not carry the grader's nonce")
    values = unpack(payload.get("values"))
    if not isinstance(values, dict):
        raise CheckFailed("the emitted values are not a dictionary")
    return values


__all__ = ["CHECKS", "MIME", "Part", "snippet", "run_check", "read_payloads", "decode", "kernel_inputs",
           "parts_for"]

# chapters 06–08 (issue 18): their parts live in checks_later.py
from .checks_later import CHECKS_LATER, RULES_LATER  # noqa: E402,F401  (RULES_LATER: handcheck.py)
CHECKS.update(CHECKS_LATER)
