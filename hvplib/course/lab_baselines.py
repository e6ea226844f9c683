r"""The first-order baselines of chapter 07's budget comparison: momentum and L-BFGS, with the same books.

Chapter 07 races Hessian-free training (:func:`hvplib.course.lab.hessian_free`) against gradient descent. Plain
gradient descent is the weakest first-order method; these two are the usual stronger ones, and they are
recorded in the same :class:`~hvplib.course.lab.TrainingHistory`, so that every method is charged in
gradient-equivalents on one axis:

- :func:`train_momentum` — heavy-ball momentum, one gradient per update;
- :func:`train_lbfgs` — SciPy's L-BFGS-B, one gradient per function-and-gradient evaluation (line-search
  trials included, counted by a wrapper);
- :func:`at_budget` — the last iterate a run has paid for within a budget, to compare runs at equal cost.
"""
import numbers

import numpy as np
from scipy.optimize import minimize

from .._checks import check_positive, check_positive_int
from ..nn import check_mlp
from ..progress import progress_bar
from .lab import TrainingHistory, accuracy, check_test_rows

__all__ = ["train_momentum", "train_lbfgs", "at_budget"]


def _history(method, model, objective, test, w, rows, diverged=False):
    """A :class:`TrainingHistory` of a first-order run from ``rows`` = [(w_k, E_k, n_grad_k)], no products."""
    X_test, y_test = test
    losses = np.array([E for _, E, _ in rows], dtype=float)
    n_grad = np.array([n for _, _, n in rows], dtype=int)
    zeros = np.zeros_like(n_grad)
    train = np.array([accuracy(model, wk, objective.X, objective.y) for wk, _, _ in rows])
    test_acc = (np.array([accuracy(model, wk, X_test, y_test) for wk, _, _ in rows]) if X_test is not None
                else np.full(len(rows), np.nan))
    return TrainingHistory(method=method, w=w, loss=losses, train_accuracy=train, test_accuracy=test_acc,
                           n_grad=n_grad, n_loss=zeros, n_products=zeros.copy(),
                           grad_equivalents=n_grad.astype(float), damping=np.full(len(rows), np.nan),
                           cg_iterations=zeros.copy(), loss_cost=0.0, product_cost=0.0, diverged=diverged)


def train_momentum(model, w0, X, y, step, momentum=0.9, n_steps=1000, X_test=None, y_test=None, progress=False):
    r"""Full-batch gradient descent with heavy-ball momentum (Polyak 1964), with honest books.

        w_{k+1} = w_k − η ∇E(w_k) + β (w_k − w_{k−1}),    w_{−1} = w_0.

    On a quadratic with curvatures λ it is stable iff ``0 < ηλ < 2(1 + β)``; along a flat direction the
    steps add up to ``η/(1 − β)`` times the gradient (10 η for β = 0.9). ``momentum=0`` is plain gradient
    descent (:func:`hvplib.course.lab.train_gradient_descent`, the same iterates).

    Parameters
    ----------
    model : MLP
    w0 : array_like, shape (P,)
        Start (not modified).
    X, y : training rows (N, n_in) and labels/targets, as for ``model.loss``
    step : float
        η > 0.
    momentum : float in [0, 1), default 0.9
        β.
    n_steps : int, default 1000
    X_test, y_test : optional test rows, for ``test_accuracy``
    progress : bool

    Returns
    -------
    TrainingHistory
        ``n_updates + 1`` entries; one gradient per iterate (``n_grad[k] = k + 1``: the loss and gradient at
        ``w_k`` come from one pass), no extra losses and no products. If the loss or the iterate becomes
        NaN/inf the run stops there with ``diverged=True`` (the last finite iterate is kept).
    """
    check_mlp(model)
    w = model.check_params(w0).astype(np.float64, copy=True)
    objective = model.objective(X, y)
    step = check_positive(step, "step")
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise TypeError(f"momentum must be a real number in [0, 1); got {type(momentum).__name__}")
    beta = float(momentum)
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"momentum must lie in [0, 1); got {momentum!r}")
    n_steps = check_positive_int(n_steps, "n_steps")
    test = check_test_rows(model, X_test, y_test)
    rows, w_prev, diverged = [], w.copy(), False
    with progress_bar(progress, n_steps, f"momentum η={step:.3g}") as bar, np.errstate(all="ignore"):
        for k in range(n_steps + 1):
            E, g = objective.loss_and_grad(w)
            if not (np.isfinite(E) and np.all(np.isfinite(g))):
                diverged = True
                break
            rows.append((w, float(E), k + 1))
            if k == n_steps:
                break
            w_new = w - step * g + beta * (w - w_prev)
            if not np.all(np.isfinite(w_new)):
                diverged = True
                break
            w_prev, w = w, w_new
            bar.update()
    return _history(f"momentum (η = {step:.3g}, β = {beta:g})", model, objective, test, rows[-1][0].copy(),
                    rows, diverged)


def train_lbfgs(model, w0, X, y, max_iter=200, memory=10, X_test=None, y_test=None):
    r"""SciPy's L-BFGS-B (no bounds) on the network's loss, every evaluation counted.

    Each call of the objective returns the loss and the gradient from one forward and one backward pass:
    one gradient-equivalent, whether SciPy uses it as an iterate or as a line-search trial. A counting
    wrapper numbers the calls; SciPy's callback records the loss of each iterate with the count so far.
    ``ftol`` and ``gtol`` are 0, so the run ends at ``max_iter`` or when the line search can no longer
    decrease the loss (at the level of rounding).

    Parameters
    ----------
    model : MLP
    w0 : array_like, shape (P,)
    X, y : training rows and labels/targets
    max_iter : int, default 200
        L-BFGS iterations (the evaluations are capped at ``4 · max_iter``).
    memory : int, default 10
        Number of pairs (s, y) kept (SciPy's ``maxcor``).
    X_test, y_test : optional test rows

    Returns
    -------
    (TrainingHistory, OptimizeResult)
        The history (entry 0: the start, charged SciPy's first evaluation; entry k: after k iterations,
        ``n_grad[k]`` = evaluations so far; if SciPy evaluated after its last iterate — a line search that
        failed — one more entry at ``result.x`` carries those evaluations, so ``n_grad[-1] == result.nfev``)
        and SciPy's own result.
    """
    check_mlp(model)
    w = model.check_params(w0).astype(np.float64, copy=True)
    objective = model.objective(X, y)
    max_iter = check_positive_int(max_iter, "max_iter")
    memory = check_positive_int(memory, "memory")
    test = check_test_rows(model, X_test, y_test)
    calls = [0]

    def loss_and_grad(v):
        calls[0] += 1
        return objective.loss_and_grad(v)

    rows = [(w.copy(), float(objective.loss(w)), 1)]

    def record(intermediate_result):           # SciPy passes the OptimizeResult by this parameter name
        rows.append((intermediate_result.x.copy(), float(intermediate_result.fun), calls[0]))

    result = minimize(loss_and_grad, w, jac=True, method="L-BFGS-B", callback=record,
                      options={"maxiter": max_iter, "maxfun": 4 * max_iter, "maxcor": memory, "ftol": 0.0,
                               "gtol": 0.0})
    if rows[-1][2] != calls[0]:                # evaluations after the last iterate (a failed line search)
        rows.append((result.x.copy(), float(result.fun), calls[0]))
    return _history(f"L-BFGS (SciPy L-BFGS-B, m = {memory})", model, objective, test, result.x.copy(), rows), result


def at_budget(run, budget):
    """Index of the last iterate of ``run`` paid for within ``budget`` gradient-equivalents.

    ``k = max{k : run.grad_equivalents[k] ≤ budget}``; a run that stopped earlier gives its last iterate
    (it has nothing more to offer). Raises ``ValueError`` if ``budget`` does not cover the start.

    Parameters
    ----------
    run : TrainingHistory
    budget : float > 0

    Returns
    -------
    int
    """
    if not isinstance(run, TrainingHistory):
        raise TypeError(f"run must be a TrainingHistory; got {type(run).__name__}")
    budget = check_positive(budget, "budget")
    k = int(np.searchsorted(run.grad_equivalents, budget, side="right")) - 1
    if k < 0:
        raise ValueError(f"budget {budget:g} is below the cost of the start, {run.grad_equivalents[0]:g}")
    return k
