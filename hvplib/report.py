"""Printing what a computation showed, to the digits that hold on every machine.

A stored notebook output is compared character for character on the student's
machine, whose BLAS kernel, thread count and CPU round differently. A count that
a convergence test decides (CG iterations, Lanczos products, evaluations summed
over a thousand steps) or a value at the level of rounding (a residual of 1e-15)
moves with that rounding. These helpers print such a number as a claim that the
same call checks, so the text is the same everywhere and still fails loudly when
the mathematics changes:

    count_in(lz.n_matvec, 15, 30)  →  "15–30"      (raises if the count is outside)
    approx(19_209)                 →  "19,000"     (two significant figures)
    below(1.3e-15, 1e-12)          →  "< 1e-12"    (raises if |value| is not below the bound)
    below_power_of_ten(2.5e-11)    →  "< 1e-10"    (the next power of ten up)

For a value at the level of rounding use ``below`` with a bound well above the
noise: ``below_power_of_ten`` itself changes where the value crosses a power of ten.
"""
import math
import numbers

__all__ = ["approx", "count_in", "below", "below_power_of_ten"]


def _check_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")


def approx(value, digits=2):
    """``value`` rounded to ``digits`` significant figures, as text with thousands separators.

    ``approx(19_209) == "19,000"``, ``approx(0.04637, 3) == "0.0464"``; an integer stays
    whole (``approx(7) == "7"``). Use it for a
    quantity that moves by well under one unit of the last digit shown.

    Parameters
    ----------
    value : real number, finite
    digits : int ≥ 1, significant figures kept

    Returns
    -------
    str
    """
    _check_real(value, "value")
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 1:
        raise ValueError(f"digits must be an integer ≥ 1; got {digits!r}")
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    decimals = digits - 1 - exponent
    places = 0 if isinstance(value, numbers.Integral) else max(decimals, 0)   # a count stays a whole number
    return f"{round(float(value), decimals):,.{places}f}"


def count_in(count, low, high):
    """Check ``low ≤ count ≤ high`` and return the range as text, ``"low–high"``.

    The printed text is the claim, the same on every machine; the check is what
    makes it a result. Raises ``AssertionError`` (naming the count) outside the range,
    so a notebook cell fails exactly where the claim stops being true.

    Parameters
    ----------
    count : real number, the measured count
    low, high : real numbers, ``low ≤ high``

    Returns
    -------
    str, e.g. ``"15–30"`` (integers with thousands separators)
    """
    for name, v in (("count", count), ("low", low), ("high", high)):
        _check_real(v, name)
    if low > high:
        raise ValueError(f"low must not exceed high; got low={low!r}, high={high!r}")
    if not low <= count <= high:
        raise AssertionError(f"count {count!r} is outside the claimed range [{low!r}, {high!r}]")
    return f"{low:,}–{high:,}"


def below(value, bound):
    """Check ``|value| < bound`` and return the claim as text, ``"< 1e-12"``.

    For a quantity whose digits are rounding noise (a residual of 1.3e-15 here is
    1.5e-14 on another BLAS kernel): the bound is the claim, the same everywhere.
    Raises ``AssertionError`` when the bound does not hold.

    Parameters
    ----------
    value : real number, finite
    bound : real number > 0

    Returns
    -------
    str, the bound in ``g`` format
    """
    _check_real(value, "value")
    _check_real(bound, "bound")
    if bound <= 0:
        raise ValueError(f"bound must be positive; got {bound!r}")
    if not abs(value) < bound:
        raise AssertionError(f"|value| = {abs(value)!r} is not below the claimed bound {bound!r}")
    return f"< {bound:g}"


def below_power_of_ten(value):
    """The smallest power of ten strictly above ``|value|``, as ``"< 1e-10"``.

    For a trajectory value known to a few percent (a final training loss), printed
    by its order: ``below_power_of_ten(2.46e-11) == "< 1e-10"``. Not for rounding
    noise, which can straddle a power of ten: use :func:`below`.

    Parameters
    ----------
    value : real number, finite

    Returns
    -------
    str
    """
    _check_real(value, "value")
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value))) + 1
    return f"< {10.0 ** exponent:.0e}"
