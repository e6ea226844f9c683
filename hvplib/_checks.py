"""Input checks shared by every public function of hvplib.

Each helper raises a ``TypeError`` (wrong kind of object) or a ``ValueError``
(right kind, wrong value) whose message names the argument and says what was
expected, so that a student sees *which* input is wrong and why.
"""
import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "check_finite",
    "check_same_shape",
    "check_choice",
    "check_positive",
    "check_positive_int",
    "check_rng",
    "check_function",
    "renamed",
]


def as_float_array(a, name):
    """Return ``a`` as a floating ndarray, refusing what cannot be a real vector.

    float32 and float64 keep their precision; integers and booleans become float64;
    float16 becomes float32. Complex, object and string arrays raise ``TypeError``.
    """
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a real numeric array; got {type(a).__name__} ({exc})") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real; got a complex array (dtype {arr.dtype})")
    if kind in "iub":
        return arr.astype(np.float64)
    if kind == "f":
        if arr.dtype == np.float16:
            return arr.astype(np.float32)
        if arr.dtype.itemsize > 8:
            raise TypeError(f"{name} must be float32 or float64; got {arr.dtype}")
        return arr
    raise TypeError(f"{name} must be a real numeric array; got dtype {arr.dtype}")


def check_finite(arr, name):
    """Raise ``ValueError`` if ``arr`` holds NaN or ±inf; return ``arr``."""
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; it has {bad} NaN or infinite entries")
    return arr


def check_same_shape(a, ref, name, ref_name):
    """Raise ``ValueError`` unless ``a.shape == ref.shape`` (no broadcasting)."""
    if np.shape(a) != np.shape(ref):
        raise ValueError(
            f"{name} must have the same shape as {ref_name}, {np.shape(ref)}; got {np.shape(a)}"
        )
    return a


def check_choice(value, name, choices):
    """Raise ``ValueError`` unless ``value`` is one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; expected one of {listed}")
    return value


def check_positive(value, name, allow_none=False):
    """Return ``value`` as a float if it is a finite real number > 0.

    ``None`` passes through when ``allow_none`` is true.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive real number; got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def check_positive_int(value, name, allow_none=False):
    """Return ``value`` as an int if it is an integer >= 1 (``None`` allowed on request)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer; got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1; got {value}")
    return int(value)


def check_rng(rng):
    """Turn ``rng`` (None, an int seed or a Generator) into a ``numpy.random.Generator``.

    As in NumPy: an int seeds a new Generator, a Generator is used as it is (and advanced), and
    ``None`` draws fresh entropy from the operating system (``np.random.default_rng(None)``). For a
    reproducible run pass a seed; the notebooks always do.
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an integer seed or a numpy.random.Generator; got {type(rng).__name__}")


def check_function(f, name="f"):
    """Raise ``TypeError`` unless ``f`` is callable (the function to differentiate); return ``f``."""
    if not callable(f):
        raise TypeError(f"{name} must be a callable returning a scalar; got {type(f).__name__}")
    return f


def renamed(value, old_value, name, old_name, default=None):
    """``(value, the name it was given by)`` for a keyword renamed from ``old_name`` to ``name``.

    The old name stays an accepted alias: either may be given, not both (``TypeError`` naming them);
    neither gives ``(default, name)``. Checks that follow name the argument the caller used.
    """
    if old_value is None:
        return (default if value is None else value), name
    if value is not None:
        raise TypeError(f"give {name} or its old name {old_name}, not both")
    return old_value, old_name
