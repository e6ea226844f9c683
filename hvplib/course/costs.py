"""What curvature costs: memory and flop models, and a timer for one gradient against one HVP.

The models (chapter 03):

- :func:`dense_hessian_bytes` — storing H: n² numbers (or n(n+1)/2 using symmetry);
- :func:`newton_step_flops` — K·n(n+1)/2 + n³: K flops for each distinct entry of H, then n³ for
  the solve (the model of the course's Hessian chapter);
- :func:`direct_newton_flops` and :func:`iterative_newton_flops` — solving H p = −g by forming H and
  factorising it, against k conjugate-gradient steps that each use one product H v.

and the measurement:

- :func:`median_time`, :func:`median_times` — median wall time of one call (of several functions,
  interleaved), within a small time budget;
- :func:`time_hvp_methods` — one gradient, one HVP by each of hvplib's methods and the explicit
  Hessian, timed at one point; :func:`timing_table` prints a list of such rows.
"""
import contextlib
import time

import numpy as np
from autograd import grad as _ag_grad

from .._checks import as_float_array, check_finite, check_function, check_positive, check_positive_int, check_rng
from ..hvp import HVP_METHODS, scalar_valued, hessian, hvp

__all__ = [
    "dense_hessian_entries",
    "dense_hessian_bytes",
    "newton_step_flops",
    "direct_newton_flops",
    "iterative_newton_flops",
    "CG_VECTOR_FLOPS",
    "median_time",
    "median_times",
    "blas_threads",
    "time_hvp_methods",
    "timing_table",
]

#: Flops per conjugate-gradient step besides the product: 2 dot products and 3 vector updates
#: (axpy), each 2n flops.
CG_VECTOR_FLOPS = 10


def _count(n, name="n"):
    return check_positive_int(n, name)


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def dense_hessian_entries(n, symmetric=False):
    """Entries of a dense n × n Hessian: n², or n(n+1)/2 when only one triangle is kept. Exact int."""
    n = _count(n)
    return n * (n + 1) // 2 if symmetric else n * n


def dense_hessian_bytes(n, dtype=np.float64, symmetric=False):
    """Bytes to store a dense n × n Hessian of ``dtype``: entries × itemsize (8 for float64). Exact int.

    n = 10⁶ in float64: 8 × 10¹² bytes = 8 TB.
    """
    return dense_hessian_entries(n, symmetric) * np.dtype(dtype).itemsize


def newton_step_flops(n, K=400):
    """Flops of one Newton step with a dense Hessian: K·n(n+1)/2 + n³. Exact int.

    K flops to compute each of the n(n+1)/2 distinct entries of the symmetric Hessian, plus n³ for
    solving H p = −g (the cubic order of elimination, constant taken as 1). With K = 400:
    3,020,000 flops at n = 100 and 1,020,002,000,000 at n = 10⁴.
    """
    n = _count(n)
    K = _count(K, "K")
    return K * n * (n + 1) // 2 + n**3


def direct_newton_flops(n, product_flops, assemble=True):
    """Flops to solve H p = −g directly: (form H column by column,) then Cholesky, then two triangular solves.

        n · product_flops  +  n³/3  +  2n²      (assemble=True: only products H v exist)
                              n³/3  +  2n²      (assemble=False: H is stored already)

    (column j of H is the product H e_j; a Cholesky factorisation costs n³/3 flops; each triangular
    solve n² flops). When a product costs a dense mat-vec, 2n², H is a stored matrix and its columns
    are at hand: charging n such products to "assemble" it would count 2n³ that nobody spends.

    Parameters
    ----------
    n : int ≥ 1
    product_flops : float > 0, the flops of one Hessian-vector product
    assemble : bool, whether H must first be built from n products

    Returns
    -------
    float
    """
    n = _count(n)
    product_flops = check_positive(product_flops, "product_flops")
    if not isinstance(assemble, bool):
        raise TypeError(f"assemble must be True or False; got {type(assemble).__name__}")
    return (n * product_flops if assemble else 0.0) + n**3 / 3 + 2.0 * n**2


def iterative_newton_flops(n, product_flops, k):
    """Flops of k conjugate-gradient steps on H p = −g: k · (product_flops + 10n).

    Each step does one product H v and ``CG_VECTOR_FLOPS`` · n flops of vector work; H is never formed.

    Returns
    -------
    float
    """
    n = _count(n)
    product_flops = check_positive(product_flops, "product_flops")
    k = _count(k, "k")
    return k * (product_flops + CG_VECTOR_FLOPS * float(n))


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

_NUMBERS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def _calls_per_run(fn, min_time):
    """Warm up ``fn`` once and choose how many calls make a run of at least ``min_time`` seconds."""
    start = time.perf_counter()
    fn()
    one = time.perf_counter() - start
    return next((k for k in _NUMBERS if k * one >= min_time), _NUMBERS[-1])


def _run(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def median_time(fn, repeat=5, min_time=0.005):
    """Median wall time of one call of ``fn()``, in seconds.

    One warm-up call; then each of ``repeat`` runs calls ``fn`` ``number`` times, with ``number``
    chosen (1, 2, 5, 10, 20, …) so that a run lasts at least ``min_time`` seconds. The total work is
    about repeat × max(min_time, one call).
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {type(fn).__name__}")
    return median_times({"fn": fn}, repeat, min_time)["fn"]


def median_times(fns, repeat=5, min_time=0.005):
    """Median wall time of one call of each function in the dict ``fns`` (name → callable), in seconds.

    Like :func:`median_time`, but the runs are *interleaved* (run 1 of every function, then run 2 of
    every function, …), so that a burst of load from other programs slows all of them alike and
    the ratios between them stay meaningful.

    Returns
    -------
    dict name → seconds
    """
    fns = dict(fns)
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(f"fns[{name!r}] must be callable; got {type(fn).__name__}")
    repeat = check_positive_int(repeat, "repeat")
    min_time = check_positive(min_time, "min_time")
    numbers = {name: _calls_per_run(fn, min_time) for name, fn in fns.items()}
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(_run(fn, numbers[name]))
    return {name: float(np.median(t)) for name, t in times.items()}


@contextlib.contextmanager
def blas_threads(threads=1):
    """Context manager: limit BLAS (and OpenMP) to ``threads`` threads inside the block (None: no limit).

    Timings on a shared machine are steadier on one thread. Uses threadpoolctl when it is installed.
    """
    if threads is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scipy's usual installs
        yield
        return
    with threadpool_limits(limits=threads):
        yield


def time_hvp_methods(f, x, v=None, methods=("forward_over_reverse", "reverse_over_reverse",
                                           "finite_difference"),
                     explicit=True, repeat=5, min_time=0.005, threads=1, *, rng=None):
    """Median time of one gradient, one HVP by each method, and the explicit Hessian, at one point.

    The runs of the different functions are interleaved (:func:`median_times`), so the ratios
    to the gradient stay steady on a loaded machine.

    Parameters
    ----------
    f : callable, x ↦ scalar, written with ``autograd.numpy``
    x : array_like, any shape, n = x.size
    v : array_like of x's shape, or None for a random unit direction from ``rng``
    methods : names from ``hvplib.HVP_METHODS`` to time with :func:`hvplib.hvp`
    explicit : bool, also time forming the dense Hessian with :func:`hvplib.hessian` (≈ n gradients:
        keep n small)
    repeat, min_time : passed to :func:`median_time`
    threads : int or None, BLAS threads while timing (1 by default: steadier on a shared machine)
    rng : None, int seed or ``numpy.random.Generator``

    Returns
    -------
    dict with ``"n"`` (int), ``"gradient"`` (seconds), one key per method (seconds),
    ``"explicit_hessian"`` (seconds, when ``explicit``) and ``"ratios"``: a dict method → HVP time /
    gradient time (also ``"explicit_hessian"`` → Hessian time / gradient time).
    """
    check_function(f)
    x = check_finite(as_float_array(x, "x"), "x")
    for method in methods:
        if method not in HVP_METHODS:
            raise ValueError(f"unknown method {method!r}; expected names from {HVP_METHODS}")
    if v is None:
        v = check_rng(rng).normal(size=x.shape).astype(x.dtype)
        v /= np.linalg.norm(v)
    else:
        v = check_finite(as_float_array(v, "v"), "v")
        if v.shape != x.shape:
            raise ValueError(f"v must have the shape of x, {x.shape}; got {v.shape}")
    grad_f = _ag_grad(scalar_valued(f))
    fns = {"gradient": lambda: grad_f(x)}
    for method in methods:
        fns[method] = lambda method=method: hvp(f, x, v, method=method)
    if explicit:
        fns["explicit_hessian"] = lambda: hessian(f, x)
    row = {"n": int(x.size)}
    with blas_threads(threads):
        row.update(median_times(fns, repeat, min_time))   # interleaved: load bursts hit all alike
    timed = list(methods) + (["explicit_hessian"] if explicit else [])
    row["ratios"] = {key: row[key] / row["gradient"] for key in timed}
    return row


def timing_table(rows, keys=None, labels=None):
    """Format rows of :func:`time_hvp_methods` as a text table: times in ms and (ratio to gradient).

    ``keys`` are the timed columns to show (default: every key of the first row's ``"ratios"``);
    ``labels`` maps a key to a column title. A row without a key shows "–". Returns a str.
    """
    rows = list(rows)
    if not rows:
        return ""
    if keys is None:
        keys = []
        for r in rows:
            keys += [k for k in r["ratios"] if k not in keys]
    labels = dict(labels or {})
    head = f"{'n':>8} {'gradient ms':>12}" + "".join(f"{labels.get(k, k):>24}" for k in keys)
    lines = [head, "-" * len(head)]
    for r in rows:
        line = f"{r['n']:>8} {1e3 * r['gradient']:>12.3f}"
        for k in keys:
            if k in r:
                line += f"{1e3 * r[k]:>14.3f} ({r['ratios'][k]:>6.2f}×)"
            else:
                line += f"{'–':>24}"
        lines.append(line)
    return "\n".join(lines)
