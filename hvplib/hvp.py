"""Hessian-vector products by four methods behind one strict API.

For a scalar function f of an array x (any shape, n = x.size entries) and a
direction v of the same shape, the Hessian-vector product is

    H(x) v = d/dt ∇f(x + t v) |_{t=0}                    (shape of x)

and Pearlmutter's identity says it is also a gradient:

    H(x) v = ∇_x [ ∇f(x)ᵀ v ].

The four methods and their cost relative to one gradient of f:

================================  =====================  ==========================
method                            formula                cost (≈ × one gradient)
================================  =====================  ==========================
``"forward_over_reverse"``        JVP of ∇f along v      2–3, exact
``"reverse_over_reverse"``        ∇ of ⟨∇f(x), v⟩        2–3, exact
``"finite_difference"``           (∇f(x+εv)−∇f(x−εv))/2ε  2, approximate
``"explicit"``                    build H, then H @ v    n, exact, O(n²) memory
================================  =====================  ==========================

Memory (peak, ``tracemalloc``, autograd, Rosenbrock with n = 10⁵; :mod:`hvplib.course.hvp_memory`): a
gradient 7 vectors of length n, forward-over-reverse 18, reverse-over-reverse 12, central differences 10.
The exact routes' order depends on the implementation and on f; each is a small multiple of a gradient's.
Two more routes, reverse-over-forward and the complex step, are in :mod:`hvplib.hvp_routes`.

``f`` must be written with ``autograd.numpy`` for the automatic methods.
"""
from collections.abc import Callable
from dataclasses import dataclass

import numpy as onp
from autograd import grad as _ag_grad
from autograd import jacobian as _ag_jacobian
from autograd import make_jvp as _ag_make_jvp
from autograd import make_vjp as _ag_make_vjp
from autograd import numpy as anp
from autograd.tracer import getval

from ._checks import as_float_array, check_choice, check_finite, check_function, check_positive, check_same_shape

__all__ = [
    "HVP_METHODS",
    "HVP_REGISTRY",
    "HVPMethod",
    "default_eps",
    "gradient",
    "hessian",
    "hvp",
    "fd_hvp",
    "hvp_forward_over_reverse",
    "hvp_reverse_over_reverse",
    "hvp_finite_difference",
    "hvp_explicit",
    "logistic",
]

FD_SCHEMES = ("central", "forward")


# ---------------------------------------------------------------------------
# Checks shared by everything that differentiates a user's f
# ---------------------------------------------------------------------------

def scalar_valued(f):
    """Wrap f so that a non-scalar or complex output raises a clear error, even while traced.

    ``scalar_valued(f)(x) == f(x)`` for a real scalar f(x); otherwise ``ValueError`` (not a scalar)
    or ``TypeError`` (complex). Used by every automatic derivative in hvplib.
    """

    def f_checked(x):
        out = f(x)
        value = getval(out)
        if isinstance(value, (list, tuple, dict)) or onp.ndim(value) != 0:
            raise ValueError(
                f"f must return a scalar; it returned {type(value).__name__} of shape {onp.shape(value)}"
            )
        if onp.iscomplexobj(value):
            raise TypeError("f must return a real scalar; it returned a complex value")
        return out

    return f_checked


def _prepare_x(x):
    x = as_float_array(x, "x")
    return check_finite(x, "x")


def _prepare_v(v, x):
    v = as_float_array(v, "v")
    check_same_shape(v, x, "v", "x")
    check_finite(v, "v")
    return v.astype(x.dtype, copy=False)


def _prepare(f, x, v):
    """Check f, x and v together; return x, v as float arrays of one dtype."""
    check_function(f)
    x = _prepare_x(x)
    return x, _prepare_v(v, x)


def prepare_x_and_v(f, x, v):
    """The input checks of every HVP route: f callable, x and v finite real arrays of one shape.

    Returns x, v as float arrays of x's float dtype (integers become float64). Raises TypeError or
    ValueError naming the argument. Shapes: x, v of one shape.
    """
    return _prepare(f, x, v)


def finite_result(result, x, what):
    """``result`` cast to x's dtype and shape; ``ValueError`` naming ``what`` if it holds NaN/inf.

    An undefined derivative is an error, not a value. Shape: returns ``x.shape``.
    """
    result = onp.asarray(result, dtype=x.dtype).reshape(x.shape)
    if not onp.all(onp.isfinite(result)):
        raise ValueError(
            f"the {what} is not finite at x: f or its derivatives overflow or are undefined there"
        )
    return result


def logistic(z):
    """The logistic sigmoid σ(z) = 1 / (1 + e^{−z}) = ½ (1 + tanh(z/2)), written with ``autograd.numpy``.

    The tanh form never overflows (its error is absolute, ~1e-16, so σ(z) for z ≲ −37 is 0 rather
    than e^z); autograd can differentiate it (it is the sigmoid of the autograd reference losses and
    of IRLS in :mod:`hvplib.course.statistics`), and on plain arrays it is a NumPy function. The
    hand-written network (:func:`hvplib.nn.sigmoid`) keeps the exp form with full relative accuracy.
    Shape: that of z.
    """
    return 0.5 * (1.0 + anp.tanh(0.5 * z))


# ---------------------------------------------------------------------------
# Gradient and dense Hessian
# ---------------------------------------------------------------------------

def gradient(f, x):
    """Gradient ∇f(x) by reverse-mode automatic differentiation.

    Cost: about 1–3 evaluations of f (one forward, one backward sweep).

    Parameters
    ----------
    f : callable, x ↦ scalar, written with ``autograd.numpy``
    x : array_like, any shape, n = x.size

    Returns
    -------
    ndarray, shape ``x.shape``, dtype of x (integers become float64)
    """
    check_function(f)
    x = _prepare_x(x)
    return finite_result(_ag_grad(scalar_valued(f))(x), x, "gradient")


def hessian(f, x):
    """Dense Hessian H[i, j] = ∂²f / ∂x_i ∂x_j, flattened to a matrix.

    Computed as the Jacobian of the gradient: one forward sweep, then n
    reverse sweeps through the gradient's graph. Cost ≈ n gradients, memory n².
    For small n only (a few thousand at most). Arguments as for :func:`gradient`
    (f written with ``autograd.numpy``, x of any shape, n = x.size).

    Returns
    -------
    ndarray, shape ``(n, n)``, in the order of ``x.ravel()``
    """
    check_function(f)
    x = _prepare_x(x)
    n = x.size
    H = _ag_jacobian(_ag_grad(scalar_valued(f)))(x)
    H = onp.asarray(H, dtype=x.dtype).reshape(n, n)
    if not onp.all(onp.isfinite(H)):
        raise ValueError("the Hessian is not finite at x: f or its derivatives overflow or are undefined there")
    return H


# ---------------------------------------------------------------------------
# The four HVP methods
# ---------------------------------------------------------------------------

def hvp_forward_over_reverse(f, x, v):
    """Pearlmutter's trick: H v = d/dt ∇f(x + t v)|₀, the JVP of the gradient.

    One forward-mode sweep through the reverse-mode gradient computation.
    Exact. Cost ≈ 2–3 gradients; memory a few gradients' (autograd records the tangents with the
    gradient's graph: 2.6 gradients' on Rosenbrock, chapter 03).

    Shapes: x, v of one shape; returns that shape.
    """
    x, v = _prepare(f, x, v)
    try:
        _, Hv = _ag_make_jvp(_ag_grad(scalar_valued(f)))(x)(v)
    except NotImplementedError as exc:
        raise NotImplementedError(
            f"forward mode has no rule for a function f uses ({exc}); "
            "use method='reverse_over_reverse' instead"
        ) from None
    return finite_result(Hv, x, "Hessian-vector product")


def hvp_reverse_over_reverse(f, x, v):
    """H v = ∇_x ⟨∇f(x), v⟩: the gradient of the directional derivative.

    Two reverse sweeps, the outer one through the inner one's graph. Exact.
    Cost ≈ 2–3 gradients; memory a few gradients' (the inner backward pass
    is recorded: 1.7 gradients' on Rosenbrock in autograd, chapter 03).

    Shapes: x, v of one shape; returns that shape.
    """
    x, v = _prepare(f, x, v)
    g = _ag_grad(scalar_valued(f))
    Hv = _ag_grad(lambda y: anp.sum(g(y) * v))(x)
    return finite_result(Hv, x, "Hessian-vector product")


def hvp_finite_difference(f, x, v, eps=None, scheme="central"):
    """H v from two gradients of f (see :func:`fd_hvp` for the formula and ε).

    Approximate; cost 2 gradients (central) or 2 with one reusable (forward).
    Shapes: x, v of one shape; returns that shape.
    """
    check_function(f)
    return fd_hvp(_ag_grad(scalar_valued(f)), x, v, eps=eps, scheme=scheme)


def hvp_explicit(f, x, v):
    """Form the dense Hessian, then multiply: H v = H @ v.

    Exact, but cost ≈ n gradients and n² memory: a reference for small n only.
    Shapes: x, v of one shape; returns that shape.
    """
    x, v = _prepare(f, x, v)
    H = hessian(f, x)
    return finite_result(H @ v.ravel(), x, "Hessian-vector product")


# ---------------------------------------------------------------------------
# The registry: every HVP method is named here once
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HVPMethod:
    """One HVP method: its one-shot product and its product at a fixed point.

    ``product(f, x, v, eps)`` is H(x) v (shape of x); ``at_point(f, x)`` does the work that can be
    shared by many products at the same x (a recorded graph, a dense H) and returns ``v ↦ H(x) v``;
    :class:`hvplib.HessianOperator` uses it. Adding a method means adding one entry to
    :data:`HVP_REGISTRY`; ``hvp``, ``HessianOperator``, ``hessp`` and the optimizers pick it up.
    """

    name: str
    product: Callable
    at_point: Callable


def _recorded_reverse_over_reverse(f, x):
    """The gradient's graph recorded once at x; each product is one reverse sweep through it."""
    vjp, _ = _ag_make_vjp(_ag_grad(scalar_valued(f)))(x)
    return lambda v: finite_result(vjp(v), x, "Hessian-vector product")


def _dense_at(f, x):
    """H formed once (n gradients, n² memory); each product is a dense matrix-vector product."""
    H = hessian(f, x)
    return lambda v: H @ v.ravel()


#: name → :class:`HVPMethod`, in the order the course presents them
HVP_REGISTRY = {
    method.name: method
    for method in (
        HVPMethod("forward_over_reverse", lambda f, x, v, eps: hvp_forward_over_reverse(f, x, v),
                  lambda f, x: lambda v: hvp_forward_over_reverse(f, x, v)),
        HVPMethod("reverse_over_reverse", lambda f, x, v, eps: hvp_reverse_over_reverse(f, x, v),
                  _recorded_reverse_over_reverse),
        HVPMethod("finite_difference", lambda f, x, v, eps: hvp_finite_difference(f, x, v, eps=eps),
                  lambda f, x: lambda v: hvp_finite_difference(f, x, v)),
        HVPMethod("explicit", lambda f, x, v, eps: hvp_explicit(f, x, v), _dense_at),
    )
}
#: the names of the HVP methods (the keys of :data:`HVP_REGISTRY`)
HVP_METHODS = tuple(HVP_REGISTRY)


def hvp(f, x, v, method="forward_over_reverse", eps=None):
    """Hessian-vector product H(x) v of a scalar function f.

        H(x) v = ∇_x [ ∇f(x)ᵀ v ]      (Pearlmutter's identity)

    Parameters
    ----------
    f : callable, x ↦ real scalar, written with ``autograd.numpy``
    x : array_like, any shape; integers become float64, float32 stays float32
    v : array_like, the same shape as x (nothing is broadcast)
    method : {"forward_over_reverse", "reverse_over_reverse",
              "finite_difference", "explicit"}
        Exact methods cost ≈ 2–3 gradients; "finite_difference" costs 2
        gradients and is approximate; "explicit" costs ≈ n gradients.
    eps : float > 0 or None
        Step for "finite_difference" (None: :func:`default_eps`). Checked for
        every method, used only by "finite_difference".

    Returns
    -------
    ndarray, shape ``x.shape``, dtype of x

    Raises
    ------
    TypeError  for a non-callable f, complex/object arrays, a complex f(x)
    ValueError for a v of another shape, non-finite x or v, a non-scalar f(x),
               an unknown method, eps <= 0, or a non-finite result
    """
    check_choice(method, "method", HVP_METHODS)
    eps = check_positive(eps, "eps", allow_none=True)
    return HVP_REGISTRY[method].product(f, x, v, eps)


# ---------------------------------------------------------------------------
# Finite differences from a gradient oracle alone
# ---------------------------------------------------------------------------

def default_eps(x, v, scheme="central"):
    """The finite-difference step ε used when none is given.

        ε = u^(1/3) · max(1, ‖x‖) / ‖v‖    (central)
        ε = u^(1/2) · max(1, ‖x‖) / ‖v‖    (forward)

    with u the machine epsilon of x's float type. The step actually taken,
    ‖εv‖, is then ~u^(1/3) (or u^(1/2)) *relative* to the size of x, whatever
    the length of v: the balance point between truncation error (∝ ε², ∝ ε)
    and round-off error (∝ u/ε). Returns 0.0 when v = 0.
    """
    check_choice(scheme, "scheme", FD_SCHEMES)
    x = onp.asarray(x)
    v = onp.asarray(v)
    u = onp.finfo(x.dtype if x.dtype.kind == "f" else onp.float64).eps
    power = 1.0 / 3.0 if scheme == "central" else 0.5
    v_norm = float(onp.linalg.norm(v.ravel().astype(onp.float64)))
    if v_norm == 0.0:
        return 0.0
    x_norm = float(onp.linalg.norm(x.ravel().astype(onp.float64)))
    return float(u**power * max(1.0, x_norm) / v_norm)


def _call_gradient(grad_f, y, x):
    g = onp.asarray(grad_f(y))
    if g.shape != x.shape:
        raise ValueError(f"grad_f must return an array of the shape of x, {x.shape}; got {g.shape}")
    if onp.iscomplexobj(g):
        raise TypeError("grad_f must return a real array; it returned a complex one")
    return g


def fd_hvp(grad_f, x, v, eps=None, scheme="central"):
    """Hessian-vector product from a gradient oracle alone, by finite differences.

        central:  H v ≈ (∇f(x + εv) − ∇f(x − εv)) / (2ε)   error O(ε²) + O(u/ε)
        forward:  H v ≈ (∇f(x + εv) − ∇f(x)) / ε            error O(ε)  + O(u/ε)

    Any code that returns a gradient gets curvature this way. Cost: two
    gradient calls. With ``eps=None`` the step is :func:`default_eps`
    (≈ u^(1/3) relative for central, u^(1/2) for forward).

    Parameters
    ----------
    grad_f : callable, x ↦ ∇f(x) with the shape of x
    x, v : array_like of one shape
    eps : float > 0 or None
    scheme : {"central", "forward"}

    Returns
    -------
    ndarray, shape ``x.shape``, dtype of x
    """
    if not callable(grad_f):
        raise TypeError(f"grad_f must be a callable returning the gradient; got {type(grad_f).__name__}")
    check_choice(scheme, "scheme", FD_SCHEMES)
    eps = check_positive(eps, "eps", allow_none=True)
    x = _prepare_x(x)
    v = _prepare_v(v, x)
    if eps is None:
        eps = default_eps(x, v, scheme)
        if eps == 0.0:  # v = 0: H·0 = 0 exactly
            return onp.zeros_like(x)
    step = (eps * v).astype(x.dtype)
    if scheme == "central":
        g_plus = _call_gradient(grad_f, x + step, x)
        g_minus = _call_gradient(grad_f, x - step, x)
        result = (g_plus - g_minus) / (2 * eps)
    else:
        g_plus = _call_gradient(grad_f, x + step, x)
        g_zero = _call_gradient(grad_f, x, x)
        result = (g_plus - g_zero) / eps
    return finite_result(result, x, "finite-difference Hessian-vector product")
