"""Two more routes to H v, beside the four of :mod:`hvplib.hvp`: reverse-over-forward and the complex step.

    reverse-over-forward:  H v = ∇_x [ ∂_t f(x + t v)|₀ ]        the gradient of a forward-mode JVP
    complex step:          H v = Im ∇f(x + i h v) / h + O(h²)    for f analytic, h tiny (1e-20)

Reverse-over-forward is exact, like the routes of :mod:`hvplib.hvp`: one forward-mode sweep gives the
directional derivative ∇f(x)ᵀv as a number, and one reverse sweep through that computation gives its
gradient. The complex step needs a gradient that accepts complex input (autograd's ``holomorphic_grad`` of an
f built from analytic operations, or a closed form such as ``scipy.optimize.rosen_der``); its only
subtraction-free error is O(h²)‖∇³f‖, so with h = 1e-20 it is exact to round-off — no ε trade-off as in
:func:`hvplib.fd_hvp`, because no two nearly equal numbers are subtracted.
"""
import numpy as onp
from autograd import grad as _ag_grad
from autograd import holomorphic_grad as _ag_holomorphic_grad
from autograd import make_jvp as _ag_make_jvp

from ._checks import check_function, check_positive
from .hvp import finite_result, prepare_x_and_v, scalar_valued

__all__ = ["hvp_reverse_over_forward", "hvp_complex_step", "COMPLEX_STEP"]

#: the default complex step h: far below any rounding scale of x, so O(h²) vanishes in float64
COMPLEX_STEP = 1e-20


def hvp_reverse_over_forward(f, x, v):
    """H v = ∇_x [∇f(x)ᵀ v], the inner directional derivative taken in forward mode, the outer gradient in reverse.

    Exact. Cost ≈ 2–3 gradients (one JVP of f, then a reverse sweep through it); memory: the graph of the
    forward-mode pass, tangents included.

    Shapes: x, v of one shape; returns that shape.
    """
    x, v = prepare_x_and_v(f, x, v)
    f = scalar_valued(f)
    try:
        Hv = _ag_grad(lambda y: _ag_make_jvp(f)(y)(v)[1])(x)
    except NotImplementedError as exc:
        raise NotImplementedError(
            f"forward mode has no rule for a function f uses ({exc}); use hvplib.hvp_reverse_over_reverse"
        ) from None
    return finite_result(Hv, x, "Hessian-vector product")


def hvp_complex_step(f, x, v, h=COMPLEX_STEP, grad_f=None):
    """H v = Im ∇f(x + i h v) / h: the complex-step derivative of the gradient along v.

    For analytic f, ∇f(x + ihv) = ∇f(x) + ih Hv − (h²/2) ∇³f[v, v] + O(h³), so the imaginary part over h is
    Hv up to O(h²) with no cancellation: exact to round-off for h = 1e-20. Cost: one gradient in complex
    arithmetic (≈ 2–4 real ones).

    Parameters
    ----------
    f : callable, x ↦ real scalar, written with ``autograd.numpy`` and only operations defined for complex
        input (``sin``, ``exp``, ``log``, powers, … but not ``abs``, ``maximum``, ``logaddexp``); used through
        autograd's ``holomorphic_grad`` unless ``grad_f`` is given
    x, v : array_like of one shape, real
    h : float > 0, the step (default 1e-20)
    grad_f : callable or None, x ↦ ∇f(x) accepting a complex x (e.g. ``scipy.optimize.rosen_der``)

    Returns
    -------
    ndarray, shape of x, float64

    Raises TypeError when the gradient cannot take complex input (with what to do instead), ValueError for
    bad x, v, h or a non-finite result.
    """
    check_function(f)
    h = check_positive(h, "h")
    if grad_f is not None and not callable(grad_f):
        raise TypeError(f"grad_f must be None or a callable gradient; got {type(grad_f).__name__}")
    x, v = prepare_x_and_v(f, x, v)
    x, v = x.astype(onp.float64), v.astype(onp.float64)
    gradient = grad_f if grad_f is not None else _ag_holomorphic_grad(f)
    try:
        g = onp.asarray(gradient(x + 1j * h * v))
    except TypeError as exc:
        raise TypeError(f"the complex step needs a gradient that accepts complex input, and f or grad_f does not "
                        f"({exc}); rewrite f with analytic operations or use hvplib.hvp") from None
    if g.shape != x.shape:
        raise ValueError(f"the gradient must have the shape of x, {x.shape}; got {g.shape}")
    return finite_result(onp.imag(g) / h, x, "complex-step Hessian-vector product")
