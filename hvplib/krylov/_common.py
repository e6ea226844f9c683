"""Plumbing shared by the Krylov algorithms: operator checks, counted products,
progress bars and the base class of the result records.

Nothing here is mathematics; it keeps the argument handling out of the
algorithms so that each of them reads like its textbook description.
"""
import dataclasses
import numbers

import numpy as np
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from .._checks import as_float_array, check_finite
from ..operator import CountedLinearOperator
from ..progress import progress_bar

__all__ = ["as_square_operator", "as_vector", "as_real_number", "CountedOperator", "progress_bar", "KrylovResult", "random_sign_vector"]


def as_square_operator(op, name="op"):
    """Return ``op`` as a square, real ``LinearOperator`` of shape ``(n, n)``.

    Accepts a ``LinearOperator``, a dense 2-D array, a sparse matrix, or anything
    :func:`scipy.sparse.linalg.aslinearoperator` takes. The operator is assumed
    symmetric; that is never checked, since checking would cost products.
    """
    if isinstance(op, LinearOperator):
        linop = op
    elif scipy.sparse.issparse(op):
        if op.dtype.kind == "c":
            raise TypeError(f"{name} must be real; got a complex sparse matrix (dtype {op.dtype})")
        linop = aslinearoperator(op)
    elif isinstance(op, (np.ndarray, list, tuple)):
        arr = as_float_array(op, name)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be a square 2-D array; got an array of shape {arr.shape}")
        check_finite(arr, name)
        linop = aslinearoperator(arr)
    else:
        try:
            linop = aslinearoperator(op)
        except TypeError:
            raise TypeError(
                f"{name} must be a LinearOperator, a 2-D array or a sparse matrix; "
                f"got {type(op).__name__}"
            ) from None
    shape = linop.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name} must be square; got shape {shape}")
    if shape[0] < 1:
        raise ValueError(f"{name} must have at least one row; got shape {shape}")
    if linop.dtype is not None and np.dtype(linop.dtype).kind == "c":
        raise TypeError(f"{name} must be real; got dtype {linop.dtype}")
    return linop


class CountedOperator(CountedLinearOperator):
    """Wrap a square operator: count its products and refuse non-finite output.

    ``A(v)`` returns ``op @ v`` as a float64 vector of shape ``(n,)`` and adds one
    to ``A.n_matvec`` (the counting of :class:`hvplib.operator.CountedLinearOperator`).
    A product with NaN or ±inf entries raises ``ValueError``, so that no algorithm
    ever carries a NaN into its result.
    """

    def __init__(self, op, name="op"):
        self.op = as_square_operator(op, name)
        self.name = name
        self.n = self.op.shape[0]
        super().__init__(np.float64, self.n)

    def __call__(self, v):
        return self._matvec(v)

    def _product(self, v):
        w = np.asarray(self.op.matvec(v))
        if w.dtype.kind == "c":
            raise TypeError(f"{self.name} returned a complex product; it must be real")
        w = w.astype(np.float64, copy=False).reshape(-1)
        if w.shape != (self.n,):
            raise ValueError(f"{self.name} returned a product of shape {w.shape}; expected ({self.n},)")
        if not np.all(np.isfinite(w)):
            raise ValueError(
                f"{self.name} returned a product with NaN or infinite entries "
                f"(product number {self.n_matvec})"
            )
        return w


def as_vector(v, name, n):
    """Check that ``v`` is a finite real vector of shape ``(n,)``; return it as float64."""
    v = as_float_array(v, name).astype(np.float64, copy=False)
    if v.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the operator; got {v.shape}")
    return check_finite(v, name)


def as_real_number(value, name):
    """Return ``value`` as a float if it is a finite real number, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    return float(value)


def random_sign_vector(rng, n):
    """Rademacher vector: entries ±1 with probability 1/2 each, shape ``(n,)``."""
    return rng.choice(np.array([-1.0, 1.0]), size=n)


def _short(value):
    """How a field looks in a result's repr: arrays by shape, floats rounded."""
    if isinstance(value, np.ndarray):
        if value.size <= 6 and value.ndim == 1:
            return np.array2string(value, precision=6, separator=", ")
        return f"array(shape={value.shape}, dtype={value.dtype})"
    if isinstance(value, (list, tuple)) and len(value) > 0 and isinstance(value[0], np.ndarray):
        return f"list of {len(value)} arrays"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return repr(value)


@dataclasses.dataclass(repr=False)
class KrylovResult:
    """Base of the result records: a dataclass with a short, readable repr."""

    def __repr__(self):
        fields = (f.name for f in dataclasses.fields(self))
        lines = [f"  {name}={_short(getattr(self, name))}," for name in fields]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
