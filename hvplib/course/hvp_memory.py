"""Peak memory of each HVP route, measured by ``tracemalloc`` (chapter 03).

``tracemalloc`` sees every allocation made through Python's allocator, NumPy's array buffers included
(not BLAS's private work space), so the peak of one call is the memory the call itself needed: the
arrays and autodiff graph it held at its fullest moment. The numbers depend on NumPy, autograd and the
Python version, not on the BLAS kernel or the number of threads.
"""
import tracemalloc

from ..hvp import gradient, hvp
from ..hvp_routes import hvp_complex_step, hvp_reverse_over_forward

__all__ = ["peak_bytes", "ROUTES", "route_peak_bytes"]

#: route name → call(f, x, v); "gradient" is the yardstick
ROUTES = {
    "gradient": lambda f, x, v: gradient(f, x),
    "forward_over_reverse": lambda f, x, v: hvp(f, x, v, method="forward_over_reverse"),
    "reverse_over_reverse": lambda f, x, v: hvp(f, x, v, method="reverse_over_reverse"),
    "reverse_over_forward": lambda f, x, v: hvp_reverse_over_forward(f, x, v),
    "central_difference": lambda f, x, v: hvp(f, x, v, method="finite_difference"),
    "complex_step": lambda f, x, v: hvp_complex_step(f, x, v),
}


def peak_bytes(call):
    """Peak bytes allocated while ``call()`` runs, above what was allocated before it (``tracemalloc``).

    ``call`` is run once untraced first (imports and caches are not the call's memory). Works whether or not
    tracemalloc is already tracing (it is left as it was). Returns an int.
    """
    if not callable(call):
        raise TypeError(f"call must be callable with no arguments; got {type(call).__name__}")
    call()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return int(peak - before)


def route_peak_bytes(f, x, v, routes=tuple(ROUTES)):
    """``{route: peak bytes}`` of one product (or gradient) at (x, v) by each route of :data:`ROUTES`.

    f : x ↦ scalar (``autograd.numpy``; the complex step needs operations defined for complex input);
    x, v : arrays of one shape. Returns a dict in the order of ``routes``.
    """
    unknown = [r for r in routes if r not in ROUTES]
    if unknown:
        raise ValueError(f"unknown routes {unknown}; choose from {list(ROUTES)}")
    return {route: peak_bytes(lambda route=route: ROUTES[route](f, x, v)) for route in routes}
