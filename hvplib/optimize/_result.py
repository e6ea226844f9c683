"""The record every optimizer returns: where it stopped, why, and what it cost."""
from dataclasses import dataclass, field

import numpy as np

__all__ = ["OptimizeResult", "STATUS", "STATUS_MESSAGES", "STATUS_REASONS"]

#: The one status table: ``status`` code → (message, short reason for tables). As in SciPy, 0 is success.
STATUS = {
    0: ("converged: gradient norm <= tol", "converged (‖g‖ ≤ tol)"),
    1: ("maximum number of iterations reached", "max_iter reached"),
    2: ("line search failed: no step length gives sufficient decrease", "line search failed"),
    3: ("f, its gradient or a Hessian product became NaN or infinite", "non-finite value"),
}
#: ``status`` → the message of a run that stopped with it
STATUS_MESSAGES = {code: message for code, (message, _) in STATUS.items()}
#: ``status`` → the short reason shown in the race tables of chapter 04
STATUS_REASONS = {code: reason for code, (_, reason) in STATUS.items()}


@dataclass(repr=False)
class OptimizeResult:
    """Outcome and honest cost of one optimizer run (in the spirit of SciPy's).

    Attributes
    ----------
    x : ndarray, shape of ``x0`` (float64)
        The last accepted iterate.
    fun : float
        f(x).
    grad_norm : float
        ‖∇f(x)‖₂ (the whole array flattened). Success means ``grad_norm <= tol``.
    nit : int
        Accepted iterations (the start is iteration 0).
    nfev, njev, nhvp, nhev : int
        Calls of f, of the gradient (SciPy's name: the Jacobian of f), of a
        Hessian-vector product (automatic or user ``hessp``) and of a dense
        Hessian. A call that returns f and ∇f together counts once in ``nfev``
        *and* once in ``njev``. ``ngev`` is the old name of ``njev`` (read-only).
    success : bool
    status : int
        0 converged, 1 ``max_iter`` reached, 2 line search failed,
        3 non-finite value (see ``STATUS_MESSAGES``).
    message : str
        Why the run stopped, in words.
    time : float
        Wall-clock seconds for the whole run, bookkeeping included.
    method : str
        Name of the optimizer (and its step rule).
    history : dict of lists
        One entry per iterate, the start included, so each list has
        ``nit + 1`` entries: ``"x"`` (copies), ``"f"``, ``"grad_norm"``, and
        for cost plots ``"n_evaluations"`` (the running value of
        :attr:`n_evaluations`), the running per-kind counts ``"nfev"``,
        ``"njev"``, ``"nhvp"``, ``"nhev"``, ``"nfgev"`` (to price each kind of
        call separately, :func:`hvplib.optimize.gradient_equivalents`) and
        ``"time"`` (seconds since the start).
    nfgev : int
        Calls that returned f and ∇f together (each also in ``nfev`` and ``njev``).
    """

    x: np.ndarray
    fun: float
    grad_norm: float
    nit: int
    nfev: int
    njev: int
    nhvp: int
    nhev: int
    success: bool
    status: int
    message: str
    time: float
    method: str
    history: dict = field(default_factory=dict)
    nfgev: int = 0

    @property
    def ngev(self):
        """The old name of :attr:`njev` (gradient evaluations), kept for existing code."""
        return self.njev

    @property
    def n_evaluations(self):
        """Total cost in evaluations: ``nfev + njev + nhvp + n * nhev``.

        A dense Hessian is counted as n Hessian-vector products (n = x.size):
        autograd builds it from n reverse sweeps through the gradient, one per
        column, each comparable to one HVP.
        """
        return self.nfev + self.njev + self.nhvp + self.x.size * self.nhev

    def __repr__(self):
        lines = [
            f"{'success':>14}: {self.success}",
            f"{'status':>14}: {self.status}",
            f"{'message':>14}: {self.message}",
            f"{'method':>14}: {self.method}",
            f"{'fun':>14}: {self.fun:.10g}",
            f"{'grad_norm':>14}: {self.grad_norm:.3e}",
            f"{'nit':>14}: {self.nit}",
            f"{'nfev/njev':>14}: {self.nfev} / {self.njev}",
            f"{'nhvp/nhev':>14}: {self.nhvp} / {self.nhev}",
            f"{'n_evaluations':>14}: {self.n_evaluations}",
            f"{'time':>14}: {self.time:.3g} s",
            f"{'x':>14}: {np.array2string(self.x, threshold=6, precision=6)}",
        ]
        return "OptimizeResult(\n" + "\n".join(lines) + "\n)"
