"""Bookkeeping shared by the optimizers: checks, current iterate, history, stopping.

An optimizer only computes search directions and step lengths; :class:`Run`
keeps everything else, so that every method stops, counts and records in the
same way:

    run = Run("newton", f, x0, tol, max_iter)
    with run.guard():                 # NaN/inf anywhere → status 3, no exception
        while run.keep_going():       # ‖∇f(x)‖ ≤ tol → status 0; nit = max_iter → 1
            ...                       # compute p, then a step
            run.accept(x_new, f_new, g_new)
    return run.result()
"""
import contextlib
import time

import numpy as np

from .._checks import as_float_array, check_finite, check_positive, check_positive_int
from ._objective import CountedObjective, NonFiniteError
from ._result import STATUS_MESSAGES, OptimizeResult

__all__ = ["Run"]


def prepare_x0(x0):
    """x0 as a float64 copy (optimizers work in float64 whatever x0's precision)."""
    x0 = check_finite(as_float_array(x0, "x0"), "x0")
    if x0.size == 0:
        raise ValueError("x0 must have at least one entry; got an empty array")
    return np.array(x0, dtype=np.float64)


class Run:
    """State of one optimizer run: x, f(x), ∇f(x), counts (``objective``) and history.

    Checks its inputs (TypeError/ValueError naming the argument), then
    evaluates f and ∇f at x0 (one ``value_and_grad``: nfev = njev = 1).
    """

    def __init__(self, method, f, x0, tol, max_iter, hvp_method="forward_over_reverse", hessp=None):
        self.method = method
        self.tol = check_positive(tol, "tol")
        self.max_iter = check_positive_int(max_iter, "max_iter")
        x0 = prepare_x0(x0)
        self.objective = CountedObjective(f, hvp_method=hvp_method, hessp=hessp)
        self._start = time.perf_counter()
        self.nit = 0
        self.status = None
        self.message = ""
        self.history = {"x": [], "f": [], "grad_norm": [], "n_evaluations": [], "time": [],
                        **{kind: [] for kind in CountedObjective.KINDS}}
        try:
            self._set(x0, *self.objective.value_and_grad(x0))
        except NonFiniteError as exc:
            raise ValueError(f"f or its gradient is not finite at x0 ({exc}); start elsewhere") from None

    def _set(self, x, fx, g):
        with np.errstate(over="ignore"):
            grad_norm = float(np.linalg.norm(g.ravel()))
        if not (np.isfinite(fx) and np.isfinite(grad_norm) and np.all(np.isfinite(x))):
            raise NonFiniteError("the iterate, f or the gradient norm overflowed")
        self.x, self.fx, self.g, self.grad_norm = x, fx, g, grad_norm
        self.history["x"].append(x.copy())
        self.history["f"].append(fx)
        self.history["grad_norm"].append(self.grad_norm)
        self.history["n_evaluations"].append(self.objective.n_evaluations)
        for kind, count in self.objective.kind_counts.items():     # cumulative per-kind counts: nfev, njev, …
            self.history[kind].append(count)
        self.history["time"].append(time.perf_counter() - self._start)

    def accept(self, x, fx, g):
        """Move to the new iterate x with f(x) = fx and ∇f(x) = g; one more iteration."""
        self._set(x, fx, g)
        self.nit += 1

    def keep_going(self):
        """False once converged (‖∇f(x)‖₂ ≤ tol), failed, or out of iterations."""
        if self.status is not None:
            return False
        if self.grad_norm <= self.tol:
            self.stop(0, f"converged: gradient norm {self.grad_norm:.3e} <= tol = {self.tol:g}")
        elif self.nit >= self.max_iter:
            self.stop(1, f"maximum number of iterations ({self.max_iter}) reached; "
                         f"gradient norm {self.grad_norm:.3e} > tol = {self.tol:g}")
        return self.status is None

    def stop(self, status, message=None):
        """End the run with a ``status`` code (see ``STATUS_MESSAGES``) and a message."""
        self.status = status
        self.message = message or STATUS_MESSAGES[status]

    def line_search_failed(self):
        """Stop with ``status = 2``, saying where and what the likely causes are."""
        self.stop(2, f"line search failed at iteration {self.nit} (f = {self.fx:.6g}, gradient norm "
                     f"{self.grad_norm:.3e}): no step gave sufficient decrease; f may be unbounded "
                     "below or non-finite nearby, or tol is below what rounding allows")

    @contextlib.contextmanager
    def guard(self):
        """Turn a NaN/inf in f, ∇f or Hv into ``status = 3`` instead of an exception.

        Floating-point warnings are silenced inside: every value that matters
        is checked (:class:`CountedObjective`, :meth:`accept`), and a NaN slope
        makes the line search fail (status 2).
        """
        try:
            with np.errstate(all="ignore"):
                yield self
        except NonFiniteError as exc:
            self.stop(3, f"stopped at iteration {self.nit}: {exc} (the last finite iterate is returned)")

    def result(self):
        """The :class:`OptimizeResult` of the run so far."""
        obj = self.objective
        return OptimizeResult(
            x=self.x.copy(), fun=self.fx, grad_norm=self.grad_norm, nit=self.nit,
            nfev=obj.nfev, njev=obj.njev, nhvp=obj.nhvp, nhev=obj.nhev, nfgev=obj.nfgev,
            success=self.status == 0, status=self.status, message=self.message,
            time=time.perf_counter() - self._start, method=self.method, history=self.history,
        )
