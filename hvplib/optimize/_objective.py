"""An evaluation-counting wrapper around f: every call of f, ∇f, Hv and H is counted.

Counting conventions (the same for every optimizer in :mod:`hvplib.optimize`):

======================  ===========================  ===========================
call                    what it computes             counted as
======================  ===========================  ===========================
``value(x)``            f(x)                         ``nfev += 1``
``grad(x)``             ∇f(x)                        ``njev += 1``
``value_and_grad(x)``   f(x) and ∇f(x) in one sweep  ``nfev += 1``, ``njev += 1``
``hvp(x, v)``           H(x) v (autograd or hessp)   ``nhvp += 1``
``hessian(x)``          dense H(x), (n, n)           ``nhev += 1``
======================  ===========================  ===========================

The gradient-only call also runs f internally (reverse mode needs the forward
pass); as in SciPy's ``njev`` we count it as one gradient, not as f + ∇f.
"""
import numpy as np
from autograd import grad as _ag_grad
from autograd import value_and_grad as _ag_value_and_grad

from .._checks import check_choice, check_function
from ..hvp import HVP_METHODS, scalar_valued, hessian, hvp

__all__ = ["CallCounts", "CountedObjective", "NonFiniteError", "gradient_equivalents"]


class NonFiniteError(ArithmeticError):
    """f, ∇f or a Hessian product is NaN or ±inf; an optimizer stops with status 3."""


def _finite_or_raise(value, what):
    if not np.all(np.isfinite(value)):
        raise NonFiniteError(f"the {what} became NaN or infinite")
    return value


class CallCounts:
    """The counts every counted objective keeps: ``nfev`` (f), ``njev`` (∇f), ``nhvp`` (H v), ``nhev`` (dense H).

    ``n_evaluations = nfev + njev + nhvp + n · nhev`` (a dense Hessian costs n reverse sweeps; n is set
    by whoever evaluates one). :class:`CountedObjective`, the SciPy-side counters of
    :mod:`hvplib.course.race` and :class:`hvplib.course.optim_diagnostics.HessianProductLog` derive from
    it, so that every table of the course counts the same way. ``ngev`` is the old name of ``njev``.

    ``nfgev`` counts the calls that returned f and ∇f together (one forward and one reverse sweep); each is
    also in ``nfev`` and ``njev``, so ``n_evaluations`` is unchanged, and a cost model can price such a call
    as one gradient (:func:`gradient_equivalents`).
    """

    #: the per-kind counts, in the order of :func:`gradient_equivalents`' arguments
    KINDS = ("nfev", "njev", "nhvp", "nhev", "nfgev")

    def __init__(self):
        self.nfev = self.njev = self.nhvp = self.nhev = self.nfgev = 0
        self._n = 0

    @property
    def kind_counts(self):
        """The per-kind counts so far, ``{"nfev": …, "njev": …, "nhvp": …, "nhev": …, "nfgev": …}``."""
        return {kind: getattr(self, kind) for kind in self.KINDS}

    @property
    def ngev(self):
        """The old name of ``njev``."""
        return self.njev

    @property
    def n_evaluations(self):
        """nfev + njev + nhvp + n·nhev."""
        return self.nfev + self.njev + self.nhvp + self._n * self.nhev


def gradient_equivalents(nfev, njev, nhvp, nhev, nfgev=0, *, n, hvp_cost, value_cost=1.0):
    """The cost of a run in one unit, the gradient: ``c_f (nfev − nfgev) + njev + c_Hv nhvp + n nhev``.

    A call returning f and ∇f together (``nfgev``, also counted in ``nfev`` and ``njev``) costs one gradient:
    the reverse sweep needs the forward pass that computes f. A value alone costs ``value_cost`` (default 1, an
    upper bound: a forward sweep is cheaper than a gradient), an HVP ``hvp_cost`` gradients (measured: 2–3 with
    autograd, chapter 03), a dense Hessian ``n`` gradients (n reverse sweeps). Scalars or arrays (one entry per
    iterate) of the same shape; returns a float or an array of that shape.

    Raises ``ValueError`` if a cost is not a finite number ≥ 0, if ``n`` < 1 or ``nfgev`` exceeds nfev or njev.
    """
    for name, cost in (("hvp_cost", hvp_cost), ("value_cost", value_cost)):
        if isinstance(cost, bool) or not isinstance(cost, (int, float, np.integer, np.floating)) \
                or not np.isfinite(cost) or cost < 0:
            raise ValueError(f"{name} must be a finite number >= 0 (gradients per call); got {cost!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (the number of variables); got {n!r}")
    nfev, njev, nhvp, nhev, nfgev = (np.asarray(c, dtype=float) for c in (nfev, njev, nhvp, nhev, nfgev))
    if np.any(nfgev > nfev) or np.any(nfgev > njev):
        raise ValueError("nfgev (joint f-and-gradient calls) cannot exceed nfev or njev, which include them")
    cost = value_cost * (nfev - nfgev) + njev + hvp_cost * nhvp + n * nhev
    return float(cost) if cost.ndim == 0 else cost


class CountedObjective(CallCounts):
    """f with its derivatives, each call counted (see the module docstring).

    Parameters
    ----------
    f : callable, x ↦ real scalar, written with ``autograd.numpy``
    hvp_method : one of ``hvplib.HVP_METHODS``, used by :meth:`hvp`
    hessp : callable ``hessp(x, p)`` or None
        If given it replaces the automatic HVP; it must return an array with
        x's shape (or x.size entries).

    Attributes
    ----------
    nfev, njev, nhvp, nhev : int
        The counts so far.
    """

    def __init__(self, f, hvp_method="forward_over_reverse", hessp=None):
        check_function(f)
        check_choice(hvp_method, "hvp_method", HVP_METHODS)
        if hessp is not None and not callable(hessp):
            raise TypeError(f"hessp must be None or a callable hessp(x, p); got {type(hessp).__name__}")
        self.f = scalar_valued(f)
        self.hvp_method = hvp_method
        self.hessp = hessp
        self._value_and_grad = _ag_value_and_grad(self.f)
        self._grad = _ag_grad(self.f)
        super().__init__()                    # n of n_evaluations is set by the first hessian(x)

    def value(self, x):
        """f(x) as a float; NaN/inf are returned, not raised (a line search backtracks on them)."""
        self.nfev += 1
        with np.errstate(all="ignore"):
            return float(self.f(x))

    def grad(self, x):
        """∇f(x), shape of x. Raises NonFiniteError if it is not finite."""
        self.njev += 1
        with np.errstate(all="ignore"):
            g = np.asarray(self._grad(x), dtype=np.float64)
        return _finite_or_raise(g, "gradient")

    def value_and_grad(self, x):
        """(f(x), ∇f(x)) from one forward and one reverse sweep; non-finite raises NonFiniteError."""
        self.nfev += 1
        self.njev += 1
        self.nfgev += 1
        with np.errstate(all="ignore"):
            fx, g = self._value_and_grad(x)
        g = np.asarray(g, dtype=np.float64)
        return float(_finite_or_raise(float(fx), "value of f")), _finite_or_raise(g, "gradient")

    def hvp(self, x, v):
        """H(x) v, shape of x: the user's ``hessp(x, v)`` if given, else ``hvplib.hvp``."""
        self.nhvp += 1
        if self.hessp is not None:
            return self._user_hessp(x, v)
        try:
            with np.errstate(all="ignore"):
                return np.asarray(hvp(self.f, x, v, method=self.hvp_method), dtype=np.float64)
        except ValueError as exc:  # hvplib.hvp refuses a non-finite product
            raise NonFiniteError(str(exc)) from None

    def _user_hessp(self, x, v):
        with np.errstate(all="ignore"):
            Hv = np.asarray(self.hessp(x, v))
        if Hv.size != x.size:
            raise ValueError(f"hessp(x, p) must return an array with {x.size} entries; got shape {Hv.shape}")
        if Hv.dtype.kind not in "fiu":
            raise TypeError(f"hessp(x, p) must return a real array; got dtype {Hv.dtype}")
        return _finite_or_raise(Hv.astype(np.float64).reshape(x.shape), "product hessp(x, p)")

    def hessian(self, x):
        """Dense H(x), shape (n, n) in the order of x.ravel(); costs ≈ n gradients."""
        self.nhev += 1
        self._n = x.size
        try:
            with np.errstate(all="ignore"):
                H = hessian(self.f, x)
        except ValueError as exc:  # hvplib.hessian refuses a non-finite matrix
            raise NonFiniteError(str(exc)) from None
        return 0.5 * (H + H.T)  # symmetric up to rounding; make it exactly so
