"""The Hessian at a fixed point as a SciPy ``LinearOperator`` that only does products."""
import numpy as np
from scipy.sparse.linalg import LinearOperator

from ._checks import as_float_array, check_choice, check_finite, check_function
from .hvp import HVP_METHODS, HVP_REGISTRY

__all__ = ["CountedLinearOperator", "HessianOperator"]


class CountedLinearOperator(LinearOperator):
    """A symmetric (n, n) ``LinearOperator`` that counts its products: the base of hvplib's operators.

        op @ v = self._product(self._as_direction(v))        n_matvec += 1 per product

    :class:`HessianOperator`, the network operators of :mod:`hvplib.nn` and the checked wrapper of
    :mod:`hvplib.krylov` all derive from it. A subclass defines ``_product(v)`` (v checked, returns
    the product, shape (n,)) and may refine ``_as_direction(v)``; ``op.H`` is ``op`` (symmetric).
    """

    def __init__(self, dtype, n):
        super().__init__(dtype=dtype, shape=(n, n))
        self.n_matvec = 0

    def reset_count(self):
        """Set the product counter ``n_matvec`` back to zero."""
        self.n_matvec = 0

    def _as_direction(self, v):
        return v

    def _product(self, v):
        raise NotImplementedError

    def _matvec(self, v):
        v = self._as_direction(v)
        self.n_matvec += 1
        return self._product(v)

    def _rmatvec(self, v):
        return self._matvec(v)  # symmetric

    def _adjoint(self):
        return self


class HessianOperator(CountedLinearOperator):
    """H(x) as an (n, n) ``scipy.sparse.linalg.LinearOperator``; each matvec is one HVP.

        op @ v  =  H(x) v      (v of length n, or of x's shape flattened)

    Works wherever SciPy takes a linear operator: ``scipy.sparse.linalg.cg``,
    ``eigsh``, and hvplib's Krylov tools. The attribute ``n_matvec`` counts the
    products done so far (``reset_count()`` sets it back to 0).

    Cost per product, by ``method``:

    - ``"forward_over_reverse"`` (default): ≈ 2–3 gradients, recomputed each time;
    - ``"reverse_over_reverse"``: the gradient's graph is recorded once at x and
      reused, so each product is one reverse sweep through it (≈ 1–1.6 gradients);
    - ``"finite_difference"``: 2 gradients, approximate;
    - ``"explicit"``: H is formed once (n gradients, n² memory), then each
      product is a dense n × n matrix-vector product.

    Parameters
    ----------
    f : callable, x ↦ scalar, written with ``autograd.numpy``
    x : array_like, any shape, n = x.size: the point where H is taken
    method : one of ``hvplib.HVP_METHODS``

    Shapes: ``op.shape == (n, n)``; ``op.dtype`` is x's float type.
    """

    def __init__(self, f, x, method="forward_over_reverse"):
        check_function(f)
        check_choice(method, "method", HVP_METHODS)
        x = check_finite(as_float_array(x, "x"), "x")
        self.f = f
        self.x = x.copy()
        self.method = method
        self._product_at = HVP_REGISTRY[method].at_point(f, self.x)   # the work shared by all products
        super().__init__(x.dtype, x.size)

    def _as_direction(self, v):
        v = as_float_array(v, "v")
        if v.size != self.x.size:
            raise ValueError(f"v must have {self.x.size} entries (n = x.size); got shape {v.shape}")
        check_finite(v, "v")
        return v.reshape(self.x.shape).astype(self.dtype, copy=False)

    def _product(self, v):
        return np.asarray(self._product_at(v), dtype=self.dtype).ravel()

    def __repr__(self):
        n = self.shape[0]
        return (
            f"<HessianOperator n={n} method={self.method!r} dtype={self.dtype} "
            f"n_matvec={self.n_matvec}>"
        )
