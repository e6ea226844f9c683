"""A ``hessp(x, p)`` callable for ``scipy.optimize.minimize`` from an autograd function."""
import numpy as np

from .._checks import check_choice, check_function
from ..hvp import HVP_METHODS, hvp

__all__ = ["hessp"]


def hessp(f, method="forward_over_reverse"):
    """Return ``hessp(x, p) = H(x) p`` in the form SciPy's minimize expects.

    Usage::

        scipy.optimize.minimize(f, x0, method="Newton-CG", jac=autograd.grad(f),
                                hessp=hvplib.hessp(f))

    Each call is one :func:`hvplib.hvp` (cost ≈ 2–3 gradients for the
    automatic methods), with no caching between calls.

    Parameters
    ----------
    f : callable, x ↦ real scalar, written with ``autograd.numpy``
    method : one of ``hvplib.HVP_METHODS``

    Returns
    -------
    callable ``hessp(x, p)``: x, p 1-D float arrays of length n → 1-D array (n,)
    """
    check_function(f)
    check_choice(method, "method", HVP_METHODS)

    def hessp_f(x, p):
        return np.ravel(hvp(f, np.asarray(x, dtype=np.float64), np.asarray(p, dtype=np.float64), method=method))

    hessp_f.__doc__ = f"H(x) p of {getattr(f, '__name__', 'f')} by {method!r} (x, p 1-D → 1-D)."
    return hessp_f
