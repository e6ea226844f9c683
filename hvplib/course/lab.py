r"""The lab of chapter 07: one network trained by gradient descent and by Hessian-free optimization.

Everything here works on an :class:`~hvplib.nn.MLP` with full-batch data and keeps **honest books**: every
loss, gradient and curvature product is counted, and the counts are turned into *gradient-equivalents*
with the cost of each pass relative to one gradient (:func:`pass_costs`), so that a method that does more
work per iteration is charged for it.

- :func:`pass_costs` — what a loss, an HVP or a Gauss–Newton product costs, in gradients, from the layer sizes;
- :func:`accuracy` — the fraction of rows classified correctly;
- :func:`train_gradient_descent` — full-batch gradient descent with a fixed step, recording loss, accuracy and cost;
- :func:`hessian_free` — damped Hessian-free optimization in the style of Martens (2010): CG on
  :math:`(G + \lambda I)p = -g` with Gauss–Newton products, a Levenberg–Marquardt damping λ adjusted by the
  reduction ratio, CG warm-started from the previous step, and an Armijo backtracking line search;
- :func:`train_newton_cg` — chapter 04's :func:`hvplib.newton_cg` (undamped, forcing term, line search) with
  the Gauss–Newton product as ``hessp``, recorded the same way;
- :func:`quadratic_model_descent` — gradient descent on the local quadratic (Taylor) model, where the stability
  limit η < 2/λ_max is exact;
- :func:`step_size_runs` — the step size against 2/λ_max, as numbers (the figure and the widget are in
  :mod:`hvplib.views.lab`);
- :class:`TrainingHistory` — the record every trainer returns.
"""
import dataclasses

import numpy as np

from ..progress import progress_bar
from .._checks import check_choice, check_positive, check_positive_int
from ..krylov import cg_solve
from .landscape import fixed_step_descent
from ..nn import check_mlp
from ..optimize import backtracking, forcing_term

__all__ = [
    "pass_costs",
    "accuracy",
    "check_test_rows",
    "TrainingHistory",
    "train_gradient_descent",
    "hessian_free",
    "train_newton_cg",
    "quadratic_model_descent",
    "step_size_runs",
    "CURVATURES",
]

#: The curvature matrices :func:`hessian_free` can use.
CURVATURES = ("gauss-newton", "hessian")



# ---------------------------------------------------------------------------------------------------
# Costs
# ---------------------------------------------------------------------------------------------------

def pass_costs(model):
    """Cost of each kind of pass over the data, in gradients, counted in layer matrix products.

    A layer with ``n_in`` inputs and ``n_out`` outputs does ``N · n_in · n_out`` multiply-adds per matrix
    product over N rows; the passes need (first layer / each later layer, see :mod:`hvplib.nn`):

    ===================================  ============  ==========
    pass                                 first layer   later
    ===================================  ============  ==========
    loss (forward)                       1             1
    gradient (forward + backward)        2             3
    HVP (4 passes)                       4             9
    HVP, forward/backward cached         2             6
    Gauss–Newton product                 3             5
    Gauss–Newton, forward cached         2             4
    ===================================  ============  ==========

    Element-wise work (activations, softmax) is ignored: it is small next to the products.

    Parameters
    ----------
    model : MLP

    Returns
    -------
    dict
        ``{"loss", "grad", "hvp", "hvp_cached", "gnvp", "gnvp_cached"}`` → cost in gradients (``grad`` is 1).

    Examples
    --------
    >>> costs = pass_costs(MLP([64, 32, 10], loss="softmax_cross_entropy"))
    >>> round(costs["gnvp"], 3), round(costs["loss"], 3)
    (1.532, 0.468)
    """
    check_mlp(model)
    sizes = [n_in * n_out for n_in, n_out in zip(model.layer_sizes[:-1], model.layer_sizes[1:])]
    first, later = sizes[0], sum(sizes[1:])
    table = {"loss": (1, 1), "grad": (2, 3), "hvp": (4, 9), "hvp_cached": (2, 6), "gnvp": (3, 5),
             "gnvp_cached": (2, 4)}
    count = {name: a * first + b * later for name, (a, b) in table.items()}
    return {name: count[name] / count["grad"] for name in table}


def accuracy(model, w, X, labels):
    """Fraction of the rows of ``X`` (N, n_in) whose largest output is the label, as a float.

    ``labels`` are integers of shape (N,), or targets of shape (N, n_out) whose largest entry marks the class.
    """
    check_mlp(model)
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = np.argmax(labels, axis=1)
    return float(np.mean(np.argmax(model.predict(w, X), axis=1) == labels))


# ---------------------------------------------------------------------------------------------------
# The record
# ---------------------------------------------------------------------------------------------------

@dataclasses.dataclass(repr=False)
class TrainingHistory:
    """Record of :func:`train_gradient_descent` or :func:`hessian_free`, one entry per iterate.

    Entry ``k`` describes the parameters after ``k`` updates (entry 0 is the start); every array has
    length ``n_updates + 1``.

    Attributes
    ----------
    method : str
    w : ndarray, shape (P,)
        The last parameters.
    loss, train_accuracy, test_accuracy : ndarray
        Training loss and accuracies at each iterate (test accuracy NaN when no test set was given).
    n_grad, n_loss, n_products : ndarray of int
        Cumulative gradients, extra loss evaluations (line-search trials) and curvature products used to
        reach each iterate.
    grad_equivalents : ndarray
        Cumulative cost in gradients: ``n_grad + loss_cost · n_loss + product_cost · n_products``.
    damping : ndarray
        Damping λ used for the step that led to each iterate (NaN for gradient descent and at entry 0).
    cg_iterations : ndarray of int
        Curvature products used by that step (0 for gradient descent).
    loss_cost, product_cost : float
        The prices used for ``grad_equivalents`` (from :func:`pass_costs` unless given).
    diverged : bool
        True if the loss became NaN/inf (the run stopped there; the last finite iterate is kept).
    """

    method: str
    w: np.ndarray
    loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    n_grad: np.ndarray
    n_loss: np.ndarray
    n_products: np.ndarray
    grad_equivalents: np.ndarray
    damping: np.ndarray
    cg_iterations: np.ndarray
    loss_cost: float
    product_cost: float
    diverged: bool = False

    @property
    def n_updates(self):
        """Number of parameter updates (iterations)."""
        return len(self.loss) - 1

    def cost_with(self, product_cost, loss_cost=None):
        """Cumulative gradient-equivalents if a product cost ``product_cost`` gradients (and a loss ``loss_cost``)."""
        loss_cost = self.loss_cost if loss_cost is None else loss_cost
        return self.n_grad + loss_cost * self.n_loss + product_cost * self.n_products

    def first_reaching(self, target):
        """Index of the first iterate with training loss ≤ ``target``, or None if never reached."""
        hit = np.flatnonzero(self.loss <= target)
        return int(hit[0]) if hit.size else None

    def cost_to_reach(self, target, product_cost=None):
        """Gradient-equivalents spent until the training loss first reaches ``target`` (None if never)."""
        k = self.first_reaching(target)
        if k is None:
            return None
        cost = self.grad_equivalents if product_cost is None else self.cost_with(product_cost)
        return float(cost[k])

    def __repr__(self):
        return (f"TrainingHistory({self.method!r}, {self.n_updates} updates, loss {self.loss[0]:.4g} → "
                f"{self.loss[-1]:.4g}, {self.grad_equivalents[-1]:.0f} gradient-equivalents"
                f"{', diverged' if self.diverged else ''})")


class _Recorder:
    """Collects one row per iterate and turns the rows into a :class:`TrainingHistory`."""

    def __init__(self, model, X, y, X_test, y_test, costs, product_key):
        self.model, self.X, self.y, self.X_test, self.y_test = model, X, y, X_test, y_test
        prices = pass_costs(model)
        costs = dict(costs or {})
        self.loss_cost = float(costs.get("loss", prices["loss"]))
        self.product_cost = float(costs.get("product", prices[product_key]))
        self.rows = []
        self.n_grad = self.n_loss = self.n_products = 0

    def record(self, w, E, damping=np.nan, cg_iterations=0):
        test = accuracy(self.model, w, self.X_test, self.y_test) if self.X_test is not None else np.nan
        self.rows.append((E, accuracy(self.model, w, self.X, self.y), test, self.n_grad, self.n_loss,
                          self.n_products, damping, cg_iterations))

    def history(self, method, w, diverged=False):
        cols = list(zip(*self.rows))
        n_grad, n_loss, n_products = (np.array(c, dtype=int) for c in cols[3:6])
        return TrainingHistory(
            method=method, w=w, loss=np.array(cols[0]), train_accuracy=np.array(cols[1]),
            test_accuracy=np.array(cols[2]), n_grad=n_grad, n_loss=n_loss, n_products=n_products,
            grad_equivalents=n_grad + self.loss_cost * n_loss + self.product_cost * n_products,
            damping=np.array(cols[6], dtype=float), cg_iterations=np.array(cols[7], dtype=int),
            loss_cost=self.loss_cost, product_cost=self.product_cost, diverged=diverged)



def check_test_rows(model, X_test, y_test, dtype=np.float64):
    """The optional test set of a trainer: ``(X_test, labels)`` as ``model.objective`` stores them, or ``(None, None)``.

    Raises ``ValueError`` when only one of the two is given. Shapes: ``X_test`` (N_test, n_in), cast to ``dtype``.
    """
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if X_test is None:
        return None, None
    test = model.objective(X_test, y_test)
    return test.X.astype(dtype, copy=False), test.y


# ---------------------------------------------------------------------------------------------------
# Gradient descent
# ---------------------------------------------------------------------------------------------------

def train_gradient_descent(model, w0, X, y, step, n_steps, X_test=None, y_test=None, progress=False):
    r"""Full-batch gradient descent ``w ← w − η ∇E(w)`` with a fixed step, recording loss, accuracy and cost.

    Parameters
    ----------
    model : MLP
    w0 : array_like, shape (P,)
        Start (not modified).
    X, y : training rows (N, n_in) and labels/targets, as for ``model.loss``
    step : float
        η > 0. On the local quadratic model GD is stable iff η < 2/λ_max (see :func:`quadratic_model_descent`).
    n_steps : int
    X_test, y_test : optional test rows, for ``test_accuracy``
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    TrainingHistory
        One gradient per update (``n_grad[k] = k``); no extra losses, no products. If the loss becomes
        NaN/inf the run stops with ``diverged=True``.
    """
    check_mlp(model)
    w = model.check_params(w0).astype(np.float64, copy=True)
    objective = model.objective(X, y)
    step = check_positive(step, "step")
    n_steps = check_positive_int(n_steps, "n_steps")
    X_test, y_test = check_test_rows(model, X_test, y_test, w.dtype)
    rec = _Recorder(model, objective.X, objective.y, X_test, y_test, None, "gnvp")

    def gradient_at(k, w):
        rec.n_grad += 1                          # loss and gradient at w_k, in one pass
        return objective.loss_and_grad(w)

    run = fixed_step_descent(gradient_at, w, step, n_steps, lambda k, w, E: rec.record(w, E), progress,
                             f"GD η={step:.3g}")
    w, diverged = run.w, run.diverged
    return rec.history(f"gradient descent (η = {step:.3g})", w, diverged)


# ---------------------------------------------------------------------------------------------------
# Hessian-free
# ---------------------------------------------------------------------------------------------------

def _trial_losses(objective):
    """``(value, trials)``: ``value(w)`` is E(w) (``inf`` where w or E is not finite), each call kept in ``trials``."""
    trials = []

    def value(w):
        with np.errstate(all="ignore"):
            E = float(objective.loss(w)) if np.all(np.isfinite(w)) else np.inf
        trials.append(E)
        return E

    return value, trials


def hessian_free(model, w0, X, y, n_iter, damping=1.0, curvature="gauss-newton", cg_max_iter=50,
                 cg_tol=None, warm_start=0.95, X_test=None, y_test=None, costs=None, progress=False):
    r"""Damped Hessian-free optimization (Martens 2010), full batch, with honest cost bookkeeping.

    Each iteration, at the current ``w`` with gradient ``g`` and curvature ``C`` (the Gauss–Newton matrix
    :math:`G = J^\top H_L J` by default — positive semidefinite — or the Hessian):

    1. solve :math:`(C + \lambda I)\,p = -g` approximately by CG, using only products ``C d`` (each about one
       gradient, the forward pass being cached), started from ``warm_start`` × the previous step and stopped
       when ``‖r‖ ≤ cg_tol·‖g‖`` (default: the forcing term ``min(0.5, √‖g‖)``) or after ``cg_max_iter`` products;
    2. compare the decrease of the loss with the decrease the **undamped** quadratic model
       :math:`M(p) = g^\top p + \tfrac12 p^\top C p` promised: the reduction ratio
       :math:`\rho = (E(w + p) - E(w)) / M(p)`;
    3. Levenberg–Marquardt rule: :math:`\lambda \leftarrow \tfrac32\lambda` if ρ < ¼ (the model was too
       optimistic: trust it less), :math:`\lambda \leftarrow \tfrac23\lambda` if ρ > ¾;
    4. backtrack (Armijo, factor 0.8, ``E(w + αp) ≤ E(w) + 10⁻²·α·gᵀp``) from α = 1; if no α in 20 trials
       decreases the loss, the step is rejected (``w`` stays) and λ is raised.

    A large λ makes the step a short gradient step, :math:`p \approx -g/\lambda`; a small λ a Gauss–Newton step.

    Parameters
    ----------
    model : MLP
    w0 : array_like, shape (P,)
    X, y : training rows and labels/targets, as for ``model.loss``
    n_iter : int
        Number of outer iterations (each yields one entry of the history, rejected steps included).
    damping : float, default 1.0
        Initial λ > 0.
    curvature : {"gauss-newton", "hessian"}
    cg_max_iter : int, default 50
    cg_tol : float, optional
        Relative residual tolerance of CG; default the forcing term min(0.5, √‖g‖).
    warm_start : float in [0, 1), default 0.95
        CG starts from this multiple of the previous step (0: from zero).
    X_test, y_test : optional test rows
    costs : dict, optional
        ``{"product": …, "loss": …}`` in gradients; defaults from :func:`pass_costs` (cached products).
    progress : bool

    Returns
    -------
    TrainingHistory
        ``n_grad`` counts one gradient per iteration (the operator's forward and backward pass), ``n_loss``
        the line-search trials, ``n_products`` the curvature products; ``damping`` and ``cg_iterations``
        describe each step.

    References
    ----------
    J. Martens, "Deep learning via Hessian-free optimization", ICML 2010. J. Martens and I. Sutskever,
    "Training deep and recurrent networks with Hessian-free optimization", in *Neural Networks: Tricks of
    the Trade*, 2nd ed. (2012), §8 (damping, CG initialisation, line search).
    """
    check_mlp(model)
    w = model.check_params(w0).astype(np.float64, copy=True)
    objective = model.objective(X, y)
    n_iter = check_positive_int(n_iter, "n_iter")
    lam = check_positive(damping, "damping")
    check_choice(curvature, "curvature", CURVATURES)
    cg_max_iter = check_positive_int(cg_max_iter, "cg_max_iter")
    if cg_tol is not None:
        cg_tol = check_positive(cg_tol, "cg_tol")
    warm_start = float(warm_start)
    if not 0.0 <= warm_start < 1.0:
        raise ValueError(f"warm_start must lie in [0, 1); got {warm_start}")
    X_test, y_test = check_test_rows(model, X_test, y_test, w.dtype)
    build = objective.ggn_operator if curvature == "gauss-newton" else objective.hessian_operator
    rec = _Recorder(model, objective.X, objective.y, X_test, y_test, costs,
                    "gnvp_cached" if curvature == "gauss-newton" else "hvp_cached")

    op = build(w)
    rec.n_grad += 1
    E, g = float(op.loss_value), op.gradient
    rec.record(w, E)
    p_prev = None
    with progress_bar(progress, n_iter, "Hessian-free") as bar:
        for _ in range(n_iter):
            gnorm = float(np.linalg.norm(g))
            tol = cg_tol if cg_tol is not None else forcing_term(gnorm, cap=0.5)
            x0 = None if (p_prev is None or warm_start == 0.0) else warm_start * p_prev
            solve = cg_solve(op.matvec, -g, x0=x0, damping=lam, rtol=tol, max_iter=cg_max_iter)
            p, Cp, n_prod = solve.x, solve.cx, solve.n_matvec
            rec.n_products += n_prod
            slope = float(g @ p)
            model_decrease = slope + 0.5 * float(p @ Cp)          # M(p) − M(0), undamped
            value, trials = _trial_losses(objective)
            alpha, w_new, E_new = backtracking(value, w, E, g, p, alpha0=1.0, c1=1e-2, shrink=0.8, max_trials=20)
            rec.n_loss += len(trials)
            if E_new is None:                                     # rejected: trust the model less
                lam *= 1.5
                p_prev = None
                rec.record(w, E, damping=lam, cg_iterations=n_prod)
                bar.update()
                continue
            E_at_full = trials[0]                                 # E(w + p), for the reduction ratio
            rho = (E_at_full - E) / model_decrease if model_decrease < 0 else -np.inf
            step_lam = lam
            if rho < 0.25:
                lam *= 1.5
            elif rho > 0.75:
                lam *= 2.0 / 3.0
            p_prev = p
            w = w_new
            op = build(w)
            rec.n_grad += 1
            E, g = float(op.loss_value), op.gradient
            rec.record(w, E, damping=step_lam, cg_iterations=n_prod)
            bar.update()
    return rec.history(f"Hessian-free ({curvature}, λ₀ = {damping:g})", w)


# ---------------------------------------------------------------------------------------------------
# Chapter 04's Newton-CG with the Gauss–Newton product
# ---------------------------------------------------------------------------------------------------

def train_newton_cg(model, w0, X, y, max_iter=30, tol=1e-6, X_test=None, y_test=None):
    r"""Run :func:`hvplib.newton_cg` on the network's loss with ``hessp`` = the Gauss–Newton product.

    The loss and its gradient come from :func:`hvplib.landscape.autograd_loss` (newton_cg needs an
    ``autograd`` function); every curvature product is ``model.objective(X, y).gnvp(w, p)`` (forward, R-forward and
    backward pass: :func:`pass_costs` ``["gnvp"]`` gradients). There is no damping: the step is the truncated
    CG solution of :math:`Gp = -g` (forcing term min(0.2, √‖g‖)) followed by an Armijo line search.

    Parameters
    ----------
    model : MLP
    w0 : array_like, shape (P,)
    X, y : training rows and labels/targets
    max_iter : int, default 30
        Newton iterations.
    tol : float, default 1e-6
        Stop when ‖∇E‖ ≤ tol.
    X_test, y_test : optional test rows

    Returns
    -------
    (TrainingHistory, OptimizeResult)
        The history, with ``n_grad`` = gradients, ``n_loss`` = line-search trials (the first, joint loss and
        gradient counts as one gradient), ``n_products`` = GNVPs; and newton_cg's own result.
    """
    from .landscape import autograd_loss
    from ..optimize import newton_cg

    check_mlp(model)
    w = model.check_params(w0)
    objective = model.objective(X, y)
    X_test, y_test = check_test_rows(model, X_test, y_test, w.dtype)
    rec = _Recorder(model, objective.X, objective.y, X_test, y_test, None, "gnvp")
    rec.n_grad = 1
    rec.record(np.asarray(w, dtype=np.float64), float(objective.loss(w)))

    def watch(inter):
        rec.n_grad, rec.n_loss, rec.n_products = inter.njev, inter.nfev - 1, inter.nhvp
        rec.record(inter.x, float(inter.fun))

    result = newton_cg(autograd_loss(model, objective.X, objective.y), w, tol=tol, max_iter=max_iter,
                       hessp=objective.gnvp, callback=watch)
    return rec.history("newton_cg + Gauss–Newton product", result.x.copy()), result


# ---------------------------------------------------------------------------------------------------
# The quadratic model, where 2/λ_max is exact
# ---------------------------------------------------------------------------------------------------

def quadratic_model_descent(operator, gradient, step, n_steps):
    r"""Gradient descent on the local quadratic model :math:`m(d) = g^\top d + \tfrac12 d^\top H d`.

    From ``d = 0``: :math:`d \leftarrow d - \eta\,(g + H d)`, one product per step. Along an eigenvector of
    H with eigenvalue λ the error is multiplied by :math:`1 - \eta\lambda` each step, so the iteration
    converges iff :math:`\eta < 2/\lambda_{\max}` (for H positive definite) and otherwise grows like
    :math:`|1 - \eta\lambda_{\max}|^k`.

    Parameters
    ----------
    operator : LinearOperator or ndarray, shape (P, P)
        H (e.g. ``model.hessian_operator(w, X, y)``).
    gradient : ndarray, shape (P,)
    step : float
    n_steps : int

    Returns
    -------
    model_values : ndarray, shape (n_steps + 1,)
        :math:`m(d_k)` (0 at the start).
    gradient_norms : ndarray, shape (n_steps + 1,)
        ‖g + H d_k‖, the model's gradient.
    """
    step = check_positive(step, "step")
    n_steps = check_positive_int(n_steps, "n_steps")
    g = np.asarray(gradient, dtype=np.float64)
    d = np.zeros_like(g)
    Hd = np.zeros_like(g)
    values, norms = [0.0], [float(np.linalg.norm(g))]
    with np.errstate(all="ignore"):
        for _ in range(n_steps):
            d = d - step * (g + Hd)
            Hd = np.asarray(operator @ d, dtype=np.float64)
            values.append(float(g @ d + 0.5 * d @ Hd))
            norms.append(float(np.linalg.norm(g + Hd)))
    return np.array(values), np.array(norms)


# ---------------------------------------------------------------------------------------------------
# The step size against 2/λ_max: numbers and a widget
# ---------------------------------------------------------------------------------------------------

def step_size_runs(model, w, X, y, lam_max, multiples, n_steps=150, curvature_operator=None):
    r"""For each multiple c, gradient descent with η = c/λ_max on the network and on its quadratic model.

    Parameters
    ----------
    model : MLP
    w : array_like, shape (P,)
        Where λ_max was measured; both runs start here.
    X, y : training rows and labels/targets
    lam_max : float
        The largest eigenvalue of the curvature matrix used for the quadratic model.
    multiples : sequence of float
        The values of c = η·λ_max (the stability limit of the quadratic model is c = 2).
    n_steps : int, default 150
    curvature_operator : LinearOperator, optional
        The matrix of the quadratic model; default the Gauss–Newton operator at ``w`` (positive
        semidefinite, so the model has a minimum and only the step size decides stability).

    Returns
    -------
    dict c → {"step", "network_loss" (n_steps + 1,), "model_grad_norm" (n_steps + 1,), "diverged"}
        ``network_loss`` is NaN after a divergence.
    """
    check_mlp(model)
    lam_max = check_positive(lam_max, "lam_max")
    op = model.ggn_operator(w, X, y) if curvature_operator is None else curvature_operator
    g = model.grad(w, X, y)
    out = {}
    for c in multiples:
        c = check_positive(c, "multiple")
        eta = c / lam_max
        run = train_gradient_descent(model, w, X, y, step=eta, n_steps=n_steps)
        loss = np.full(n_steps + 1, np.nan)
        loss[:len(run.loss)] = run.loss
        _, norms = quadratic_model_descent(op, g, eta, n_steps)
        out[c] = {"step": eta, "network_loss": loss, "model_grad_norm": norms, "diverged": run.diverged}
    return out
