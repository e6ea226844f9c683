"""Looking inside an optimizer run: how many Hessian-vector products each Newton-CG step used.

:func:`hvplib.newton_cg` reports the total number of products (``nhvp``). To see how
they are spread over the outer iterations, pass it a ``hessp`` that keeps a log:
:class:`HessianProductLog` counts the products made at each distinct point x, in
order. Newton-CG makes all the products of one inner CG solve at the same x, then
moves, so the log's ``counts`` are the CG iterations of each outer iteration.
:func:`newton_cg_inner_iterations` does this in one call.
"""
import numpy as np

from .._checks import check_choice, check_function
from ..hvp import HVP_METHODS, hvp
from ..optimize import CallCounts

__all__ = ["HessianProductLog", "newton_cg_inner_iterations"]


class HessianProductLog(CallCounts):
    """A ``hessp(x, p) = H(x) p`` that counts its calls per point.

    Parameters
    ----------
    f : callable, x ↦ scalar (``autograd.numpy``), used when ``hessp`` is None
    hessp : callable ``hessp(x, p)`` or None: the product to wrap (e.g.
        ``scipy.optimize.rosen_hess_prod``); None means ``hvplib.hvp(f, x, p, method)``
    method : one of ``hvplib.HVP_METHODS`` (only with ``hessp=None``)

    Attributes
    ----------
    points : list of ndarrays, the distinct points in the order first used
        (a point counts as new when it differs from the previous one)
    counts : list of int, products made at each of ``points``
    n_calls : int, all products so far (= ``sum(counts)``)

    Calling it returns an array of x's shape, like the wrapped product.
    """

    def __init__(self, f=None, hessp=None, method="forward_over_reverse"):
        if hessp is None:
            check_function(f)
            check_choice(method, "method", HVP_METHODS)
        elif not callable(hessp):
            raise TypeError(f"hessp must be None or a callable hessp(x, p); got {type(hessp).__name__}")
        super().__init__()
        self.f, self.hessp, self.method = f, hessp, method
        self.points, self.counts = [], []

    @property
    def n_calls(self):
        """All products made so far (``nhvp`` of :class:`hvplib.optimize.CallCounts`)."""
        return self.nhvp

    def __call__(self, x, p):
        x = np.asarray(x)
        if not self.points or not np.array_equal(x, self.points[-1]):
            self.points.append(np.array(x, dtype=float))
            self.counts.append(0)
        self.counts[-1] += 1
        self.nhvp += 1
        if self.hessp is not None:
            return np.asarray(self.hessp(x, p))
        return hvp(self.f, x, np.asarray(p), method=self.method)

    def __repr__(self):
        return f"<HessianProductLog {len(self.counts)} points, {self.n_calls} products>"


def newton_cg_inner_iterations(f, x0, hessp=None, **kwargs):
    """Run :func:`hvplib.newton_cg` and count the CG iterations of every outer iteration.

    Parameters
    ----------
    f : callable, x ↦ scalar (``autograd.numpy``)
    x0 : array_like, the start
    hessp : callable ``hessp(x, p)`` or None (autograd's HVP)
    **kwargs : passed to ``newton_cg`` (``tol``, ``max_iter``, ``hvp_method``)

    Returns
    -------
    result : OptimizeResult of the run
    counts : ndarray of int, shape (number of inner solves,): products (= CG
        iterations) at each outer iteration, in order; ``counts.sum() == result.nhvp``.
        Its length is ``result.nit``, plus one if the run stopped on a failed
        line search after a last solve.
    """
    from ..optimize import newton_cg

    method = kwargs.get("hvp_method", "forward_over_reverse")
    log = HessianProductLog(f, hessp=hessp, method=method)
    result = newton_cg(f, x0, hessp=log, **kwargs)
    return result, np.array(log.counts, dtype=int)
