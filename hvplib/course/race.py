"""An optimizer race: hvplib's optimizers and SciPy's on one problem, every call counted the same way.

A *method* is a recipe built by :func:`ours` (one of :mod:`hvplib.optimize`) or
:func:`scipy_minimize` (one ``scipy.optimize.minimize`` method). :func:`run_race`
runs each from the problem's start ``x0`` and returns one :class:`RaceRow` per
method; :func:`format_table` prints them::

    rows = run_race(problems.make_rosenbrock(2), [
        ours("newton_cg", newton_cg),
        scipy_minimize("SciPy L-BFGS-B", "L-BFGS-B", gtol=1e-10, ftol=0.0),
    ])
    print(format_table(rows))

Counting (the conventions of :mod:`hvplib.optimize`): every call of f, ∇f and of
a Hessian-vector product is one evaluation; a call returning f and ∇f together
counts as one f *and* one g (and once in ``nfgev``); a dense Hessian counts once in ``nhev`` and as n
in ``n_evaluations``. The per-kind counts are kept per iterate too, so that
:meth:`RaceRow.gradient_equivalents_to` can price each kind in one unit, the gradient (an HVP at its
measured cost, :func:`hvplib.optimize.gradient_equivalents`). For SciPy the calls are counted by wrappers here, not read
from SciPy's result. After each run the final ‖∇f‖₂ is recomputed with autograd
at the returned x, so every method is judged by the same test
``grad_norm <= tol``, whatever rule made it stop.
"""
import dataclasses
import time

import numpy as np

from .._checks import check_positive
from ..hvp import gradient
from ..optimize import STATUS_REASONS, CallCounts, gradient_equivalents

__all__ = ["RaceMethod", "RaceRow", "CountedCallables", "ours", "scipy_minimize", "run_race", "format_table"]

#: short reasons for :attr:`hvplib.OptimizeResult.status` (the status table of :mod:`hvplib.optimize`)
OUR_STOPS = STATUS_REASONS


@dataclasses.dataclass(repr=False)
class RaceRow:
    """One method's run in a race.

    Attributes
    ----------
    method : str
    nit : int, iterations the method reports
    nfev, njev, nhvp, nhev : int, calls of f, ∇f, Hv and of a dense Hessian (``ngev``: old name of njev)
    nfgev : int, calls that returned f and ∇f together (each also in nfev and njev)
    n_evaluations : int, ``nfev + njev + nhvp + n·nhev``
    time : float, wall-clock seconds of the run (machine-specific)
    grad_norm : float, ‖∇f(x)‖₂ at the returned x, recomputed with autograd
    converged : bool, ``grad_norm <= tol``
    stop : str, the method's own reason for stopping
    x : ndarray (n,), the returned point
    history : dict of 1-D arrays, one entry per iterate, the start included:
        ``"n_evaluations"`` (cumulative count when the iterate was reached),
        ``"nfev"``, ``"njev"``, ``"nhvp"``, ``"nhev"``, ``"nfgev"`` (the cumulative per-kind counts there),
        ``"f"`` and ``"grad_norm"`` (at the iterate; for SciPy's methods
        recomputed after the run with the same f and ∇f the method used,
        outside the timing and the counts), and with ``keep_path=True``
        ``"x"``, shape (k + 1, n)
    """

    method: str
    nit: int
    nfev: int
    njev: int
    nhvp: int
    nhev: int
    n_evaluations: int
    time: float
    grad_norm: float
    converged: bool
    stop: str
    x: np.ndarray
    history: dict
    nfgev: int = 0

    @property
    def ngev(self):
        """The old name of :attr:`njev`."""
        return self.njev

    def evaluations_to(self, tol):
        """``(evaluations, reached)``: the cumulative count at the first iterate with ‖∇f‖₂ ≤ tol, and True;
        the whole run's ``n_evaluations`` and False if no iterate got there.

        The cost *to the target*: what a method spends after reaching it (polishing below the target,
        where its own stopping rule may chase rounding) is not counted.
        """
        tol = check_positive(tol, "tol")
        hit = np.flatnonzero(np.asarray(self.history["grad_norm"]) <= tol)
        if hit.size == 0:
            return self.n_evaluations, False
        return int(self.history["n_evaluations"][hit[0]]), True

    def gradient_equivalents_to(self, tol, hvp_cost, value_cost=1.0):
        """``(cost, reached)``: what :meth:`evaluations_to` counts, priced in gradients.

        The cumulative per-kind counts at the first iterate with ‖∇f‖₂ ≤ tol (the whole run if none got
        there) are weighed by :func:`hvplib.optimize.gradient_equivalents`: a gradient (with or without its
        value) 1, a value alone ``value_cost``, an HVP ``hvp_cost``, a dense Hessian n. Returns a float and a bool.
        """
        tol = check_positive(tol, "tol")
        hit = np.flatnonzero(np.asarray(self.history["grad_norm"]) <= tol)
        k = int(hit[0]) if hit.size else -1
        counts = [self.history[kind][k] for kind in CallCounts.KINDS]
        return gradient_equivalents(*counts, n=self.x.size, hvp_cost=hvp_cost, value_cost=value_cost), bool(hit.size)

    def __repr__(self):
        return (f"<RaceRow {self.method!r}: nit={self.nit}, n_evaluations={self.n_evaluations}, "
                f"converged={self.converged}>")


@dataclasses.dataclass(repr=False)
class RaceMethod:
    """A named recipe ``run(problem, tol, keep_path) → RaceRow``; build it with :func:`ours` or :func:`scipy_minimize`."""

    name: str
    run: callable  # run(problem, tol, keep_path) → RaceRow

    def __repr__(self):
        return f"<RaceMethod {self.name!r}>"


def _row(name, problem, tol, nit, counts, seconds, x, stop, history):
    nfev, njev, nhvp, nhev, nfgev = counts
    g_norm = float(np.linalg.norm(gradient(problem.f, x)))
    return RaceRow(method=name, nit=int(nit), nfev=nfev, njev=njev, nhvp=nhvp, nhev=nhev,
                   n_evaluations=nfev + njev + nhvp + problem.n * nhev, time=float(seconds),
                   grad_norm=g_norm, converged=bool(g_norm <= tol), stop=stop, x=np.asarray(x).copy(),
                   history={key: np.asarray(value, dtype=float) for key, value in history.items()}, nfgev=nfgev)


def ours(name, optimizer, **kwargs):
    """A race entry for one of hvplib's optimizers.

    Parameters
    ----------
    name : str, the row's label
    optimizer : ``hvplib.gradient_descent``, ``newton`` or ``newton_cg`` (any
        callable ``optimizer(f, x0, tol=..., **kwargs) → OptimizeResult``)
    **kwargs : passed on, e.g. ``max_iter``, ``step``, ``hessp``

    Returns
    -------
    RaceMethod
    """
    if not callable(optimizer):
        raise TypeError(f"optimizer must be callable; got {type(optimizer).__name__}")

    def run(problem, tol, keep_path=False):
        res = optimizer(problem.f, problem.x0, tol=tol, **kwargs)
        keys = ("n_evaluations", "f", "grad_norm", *CallCounts.KINDS) + (("x",) if keep_path else ())
        history = {key: res.history[key] for key in keys}
        return _row(name, problem, tol, res.nit, (res.nfev, res.njev, res.nhvp, res.nhev, res.nfgev), res.time,
                    res.x, OUR_STOPS.get(res.status, res.message), history)

    return RaceMethod(name, run)


class CountedCallables(CallCounts):
    """SciPy-side callables that count their calls (as :class:`hvplib.optimize.CallCounts`) and log the iterates."""

    def __init__(self, fun, jac, hessp):
        super().__init__()
        self._fun, self._jac, self._hessp = fun, jac, hessp
        self.log = []  # (evaluations so far, per-kind counts so far, x) after each iteration

    def fun(self, x):
        self.nfev += 1
        return self._fun(x)

    def jac(self, x):
        self.njev += 1
        return self._jac(x)

    def fun_and_jac(self, x):
        self.nfev += 1
        self.njev += 1
        self.nfgev += 1
        return self._fun(x), self._jac(x)

    def hessp(self, x, p):
        self.nhvp += 1
        return self._hessp(x, p)

    def callback(self, xk):
        self.log.append((self.n_evaluations, self.kind_counts, np.array(xk, dtype=float)))


def scipy_minimize(name, method, hessp=None, fun=None, jac=None, **options):
    """A race entry for ``scipy.optimize.minimize(..., method=method)``.

    f and ∇f are the problem's autograd function and gradient unless ``fun`` and
    ``jac`` are given (e.g. ``scipy.optimize.rosen`` and ``rosen_der``). For
    ``"L-BFGS-B"`` they are passed as one callable returning both (``jac=True``:
    each call counts as one f and one g); otherwise separately.

    Parameters
    ----------
    name : str, the row's label
    method : str, a ``minimize`` method ("Newton-CG", "L-BFGS-B", "BFGS", "trust-krylov", …)
    hessp : callable ``hessp(x, p) → H(x) p`` (1-D → 1-D) or None, e.g. ``hvplib.hessp(f)``
    fun, jac : callables x ↦ f(x), x ↦ ∇f(x) (1-D → 1-D), or None for autograd's
    **options : SciPy's ``options`` dict, e.g. ``xtol``, ``gtol``, ``ftol``, ``maxiter``

    Returns
    -------
    RaceMethod
    """
    import scipy.optimize as so
    from autograd import grad

    if hessp is not None and not callable(hessp):
        raise TypeError(f"hessp must be None or callable; got {type(hessp).__name__}")
    if (fun is None) != (jac is None):
        raise ValueError("give both fun and jac, or neither (then autograd's are used)")

    def run(problem, tol, keep_path=False):
        c = CountedCallables(fun or problem.f, jac or grad(problem.f), hessp)
        kwargs = dict(method=method, options=options, callback=c.callback)
        if method.upper() == "L-BFGS-B":
            kwargs.update(fun=c.fun_and_jac, jac=True)
        else:
            kwargs.update(fun=c.fun, jac=c.jac)
            if hessp is not None:
                kwargs.update(hessp=c.hessp)
        start = time.perf_counter()
        res = so.minimize(x0=np.array(problem.x0, dtype=float), **kwargs)
        seconds = time.perf_counter() - start
        # the history, recomputed after the run (not timed, not counted)
        points = [(0, dict.fromkeys(CallCounts.KINDS, 0), np.array(problem.x0, dtype=float))] + c.log
        f_of, grad_of = (fun, jac) if fun is not None else (problem.f, grad(problem.f))
        history = {"n_evaluations": [count for count, _, _ in points],
                   **{kind: [kinds[kind] for _, kinds, _ in points] for kind in CallCounts.KINDS},
                   "f": [float(f_of(x)) for _, _, x in points],
                   "grad_norm": [float(np.linalg.norm(grad_of(x))) for _, _, x in points]}
        if keep_path:
            history["x"] = [x for _, _, x in points]
        return _row(name, problem, tol, res.nit, (c.nfev, c.njev, c.nhvp, c.nhev, c.nfgev), seconds, res.x,
                    str(res.message), history)

    return RaceMethod(name, run)


def run_race(problem, methods, tol=1e-8, keep_path=False):
    """Run every method from ``problem.x0`` and return one :class:`RaceRow` each, in order.

    Parameters
    ----------
    problem : an ``hvplib.problems.Problem`` (``f`` written with autograd, ``x0`` of shape (n,))
    methods : list of :class:`RaceMethod` (from :func:`ours` and :func:`scipy_minimize`)
    tol : float > 0, the common target ‖∇f‖₂ ≤ tol (hvplib's optimizers stop on it;
        SciPy's use their own rules, set through their options)
    keep_path : bool, also keep every iterate in ``history["x"]`` (shape (k + 1, n);
        for plotting paths when n is small)

    Returns
    -------
    list of RaceRow
    """
    tol = check_positive(tol, "tol")
    if not all(isinstance(m, RaceMethod) for m in methods):
        raise TypeError("methods must be RaceMethod objects from ours(...) or scipy_minimize(...)")
    return [m.run(problem, tol, keep_path) for m in methods]


#: column name → (header, width, format); text columns ("s") widen to their longest entry
COLUMNS = {
    "method": ("method", 6, "s"),
    "nit": ("iter", 6, "d"),
    "nfev": ("f", 6, "d"),
    "njev": ("g", 6, "d"),
    "nhvp": ("Hv", 6, "d"),
    "nhev": ("H", 4, "d"),
    "n_evaluations": ("total", 7, "d"),
    "time": ("time s", 7, ".2f"),
    "grad_norm": ("final ‖g‖", 9, ".1e"),
    "converged": ("‖g‖≤tol", 7, "s"),
    "stop": ("stopped because", 15, "s"),
}

#: the columns that do not depend on the machine
COUNT_COLUMNS = ("method", "nit", "nfev", "njev", "nhvp", "nhev", "n_evaluations", "converged")

#: text longer than this is cut (SciPy's messages are long)
MAX_TEXT_WIDTH = 40


def format_table(rows, columns=COUNT_COLUMNS):
    """The rows as a Markdown table (a string), one line per method.

    ``columns`` picks from :data:`COLUMNS`; the default :data:`COUNT_COLUMNS`
    holds only what is the same on every machine (no time, no final ‖g‖ digits).
    "total" is ``n_evaluations``: f + g + Hv + n·H.
    """
    columns = tuple("njev" if c == "ngev" else c for c in columns)          # the old name still works
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown columns {unknown}; choose from {list(COLUMNS)}")

    def text(row, column):
        value = getattr(row, column)
        if column == "converged":
            value = "yes" if value else "no"
        return format(value, COLUMNS[column][2])[:MAX_TEXT_WIDTH]

    cells = [[text(r, c) for c in columns] for r in rows]
    widths = [max([len(COLUMNS[c][0]), COLUMNS[c][1]] + [len(line[j]) for line in cells])
              for j, c in enumerate(columns)]

    def line(entries):
        return "| " + " | ".join(f"{e:<{w}}" if COLUMNS[c][2] == "s" else f"{e:>{w}}"
                                 for e, w, c in zip(entries, widths, columns)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line([COLUMNS[c][0] for c in columns]), rule] + [line(e) for e in cells])
