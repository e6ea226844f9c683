"""Optimizers with honest bookkeeping: gradient descent, Newton, Newton-CG.

Every optimizer returns an :class:`OptimizeResult` with the iterate, the
reason it stopped, and the cost: calls of f (``nfev``), of the gradient
(``njev``, SciPy's name; ``ngev`` is kept as an alias), of Hessian-vector products (``nhvp``) and of dense Hessians
(``nhev``), plus a per-iteration ``history`` for plots.

Conventions, the same for all:

- convergence means ‖∇f(x)‖₂ ≤ tol (absolute; the gradient flattened);
- a call returning f and ∇f together counts as one f *and* one gradient (and once in
  ``nfgev``, so that :func:`gradient_equivalents` can price it as the one gradient it costs);
  a gradient alone counts as one gradient (no f);
- a dense Hessian counts once in ``nhev`` and as n evaluations in
  ``OptimizeResult.n_evaluations`` (it costs n reverse sweeps);
- a run that does not converge returns ``success=False`` with a ``message``
  (status 1: out of iterations, 2: line search failed, 3: NaN/inf) — only bad
  inputs raise (TypeError/ValueError naming the argument).

Modules: :mod:`.gradient_descent`, :mod:`.newton`, :mod:`.newton_cg`,
:mod:`.line_search`, :mod:`.hessp`; the bookkeeping lives in ``_objective``
(counting wrapper), ``_run`` (state, history, stopping) and ``_result``.
"""
from ._objective import CallCounts, CountedObjective, gradient_equivalents
from ._result import STATUS, STATUS_MESSAGES, STATUS_REASONS, OptimizeResult
from .gradient_descent import gradient_descent
from .hessp import hessp
from .line_search import backtracking
from .newton import modified_newton_direction, newton
from .newton_cg import forcing_term, newton_cg, truncated_cg

__all__ = [
    "OptimizeResult",
    "CallCounts",
    "CountedObjective",
    "gradient_equivalents",
    "STATUS",
    "STATUS_MESSAGES",
    "STATUS_REASONS",
    "gradient_descent",
    "newton",
    "newton_cg",
    "hessp",
    "backtracking",
    "modified_newton_direction",
    "truncated_cg",
    "forcing_term",
]
