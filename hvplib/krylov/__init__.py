"""Krylov methods on a Hessian operator: only products ``H v`` are ever used.

Every function takes a ``scipy.sparse.linalg.LinearOperator`` (or a dense array, or a
sparse matrix), an explicit ``rng`` where randomness enters, and returns a small
result record that says how many products it used (``n_matvec``).

- :func:`cg` — solve ``H x = b`` (conjugate gradients, negative-curvature test)
- :func:`power_iteration` — the eigenvalue of largest magnitude
- :func:`lanczos` — a few extreme eigenpairs (thick-restart Lanczos)
- :func:`hutchinson_trace`, :func:`hutchpp_trace` — the trace
- :func:`hutchinson_diagonal` — the diagonal
- :func:`spectral_density` — the eigenvalue density (stochastic Lanczos quadrature)
"""
from .cg import CGResult, cg, cg_solve
from .diagonal import DiagonalResult, hutchinson_diagonal
from .density import DensityResult, spectral_density
from .lanczos import LanczosResult, lanczos
from .power import PowerResult, power_iteration
from .trace import TraceResult, hutchinson_trace, hutchpp_trace

__all__ = [
    "cg",
    "cg_solve",
    "power_iteration",
    "lanczos",
    "hutchinson_trace",
    "hutchpp_trace",
    "hutchinson_diagonal",
    "spectral_density",
    "CGResult",
    "PowerResult",
    "LanczosResult",
    "TraceResult",
    "DensityResult",
    "DiagonalResult",
]
