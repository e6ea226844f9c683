r"""Full-batch training runs that use curvature, with honest bookkeeping in gradient-equivalents.

Every run takes an objective with ``loss``, ``grad``, ``hessian_operator`` and ``ggn_operator`` (an
:class:`hvplib.nn.MLPObjective`), a start ``w0`` (P,), and ``prices``: what one pass costs in gradients,
with the keys of :func:`hvplib.course.lab.pass_costs` (``"grad"``, ``"hvp_cached"``, ``"gnvp_cached"``; measure
or count them for your network). Each returns a :class:`TrainingRun`.

===========================  =============================================================  ====================
run                          update                                                         charged per step
===========================  =============================================================  ====================
:func:`gd_run`               :math:`w \leftarrow w - \eta g`                                 1 gradient
:func:`adam_run`             :math:`w \leftarrow w - \eta\,\hat m/(\sqrt{\hat v}+\epsilon)`,  1 gradient
                             :math:`v` an average of :math:`g \odot g`
:func:`adahessian_run`       the same with :math:`v` an average of :math:`(z\odot Hz)^2`      gradient + 1 HVP
                             (Yao et al. 2021; one Rademacher ``z`` per step)
:func:`natural_gradient_run` :math:`w \leftarrow w - \eta (F+\lambda I)^{-1} g` by CG           gradient + CG products
:func:`kfac_run`             per layer :math:`(S+\gamma)^{-1}\bar G (A+\gamma)^{-1}`          gradient (+1 per refresh)
:func:`sam_run`              :math:`w \leftarrow w - \eta\nabla E(w + \rho g/\|g\|)`          2 gradients
===========================  =============================================================  ====================

Sharpness (λ_max by warm-started Lanczos every ``sharpness_every`` steps) is a diagnostic and not charged.
"""
import dataclasses

import numpy as np

from ._checks import check_choice, check_positive, check_positive_int, check_rng
from .fisher import natural_gradient
from .kfac import kfac_direction, kfac_factors
from .krylov import lanczos
from .sam import sam_gradient, sam_gradient_first_order

__all__ = ["TrainingRun", "gd_run", "adam_run", "adahessian_run", "natural_gradient_run", "kfac_run", "sam_run",
           "sharpness"]


@dataclasses.dataclass
class TrainingRun:
    """What a run left: final ``w`` (P,), ``loss`` (n_steps+1,), ``grad_equivalents`` (n_steps+1,, cumulative cost),
    ``sharpness_steps`` and ``sharpness`` (λ_max where measured), ``method`` and ``products`` (count of HVP or
    curvature products used)."""

    method: str
    w: np.ndarray
    loss: np.ndarray
    grad_equivalents: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    products: int

    def loss_at_cost(self, budget):
        """The loss of the last iterate paid for within ``budget`` gradient-equivalents."""
        k = np.searchsorted(self.grad_equivalents, budget, side="right") - 1
        return float(self.loss[max(k, 0)])


def sharpness(obj, w, v0=None, rng=None, tol=1e-6):
    """λ_max of the Hessian at ``w`` (the largest algebraic eigenvalue, by Lanczos, warm-started at ``v0``).

    Returns ``(λ_max, eigenvector)``; the products it uses are a diagnostic, not charged to a run.
    """
    res = lanczos(obj.hessian_operator(w), k=1, which="LA", tol=tol, v0=v0, rng=None if v0 is not None else rng)
    return float(res.eigenvalues[0]), res.eigenvectors[:, 0]


def _price(prices, key):
    try:
        return check_positive(prices[key], f"prices[{key!r}]")
    except (KeyError, TypeError):
        raise ValueError(f"prices must be a mapping with a positive {key!r} (see hvplib.course.lab.pass_costs)") from None


def _loop(obj, w0, n_steps, step_fn, method, sharpness_every=None, rng=None):
    """Run ``step_fn(w, k) -> (w_new, cost, products)``; record the loss, the cost and (optionally) λ_max."""
    n_steps = check_positive_int(n_steps, "n_steps")
    w = obj.model.check_params(w0).copy()
    losses, costs = [float(obj.loss(w))], [0.0]
    sh_steps, sh, v = [], [], None
    n_products = 0
    for k in range(n_steps + 1):
        if sharpness_every is not None and k % sharpness_every == 0:
            lam, v = sharpness(obj, w, v0=v, rng=rng)
            sh_steps.append(k)
            sh.append(lam)
        if k == n_steps:
            break
        w, cost, products = step_fn(w, k)
        n_products += products
        losses.append(float(obj.loss(w)))
        costs.append(costs[-1] + cost)
        if not np.isfinite(losses[-1]):
            raise FloatingPointError(f"{method}: the loss became {losses[-1]} at step {k + 1}; lower the step size")
    return TrainingRun(method, w, np.array(losses), np.array(costs), np.array(sh_steps, dtype=int), np.array(sh),
                       n_products)


def gd_run(obj, w0, step, n_steps, prices, *, sharpness_every=None, rng=None):
    """Full-batch gradient descent ``w ← w − η ∇E(w)``. Returns a :class:`TrainingRun`."""
    step, c = check_positive(step, "step"), _price(prices, "grad")
    return _loop(obj, w0, n_steps, lambda w, k: (w - step * obj.grad(w), c, 0), "gd", sharpness_every, rng)


def _adaptive(obj, w0, step, n_steps, second_moment, cost, method, beta1, beta2, eps):
    step, eps = check_positive(step, "step"), check_positive(eps, "eps")
    state = {"m": 0.0, "v": 0.0}

    def update(w, k):
        g, s, products = second_moment(w)
        state["m"] = beta1 * state["m"] + (1 - beta1) * g
        state["v"] = beta2 * state["v"] + (1 - beta2) * s * s
        m_hat = state["m"] / (1 - beta1 ** (k + 1))
        v_hat = state["v"] / (1 - beta2 ** (k + 1))
        return w - step * m_hat / (np.sqrt(v_hat) + eps), cost, products

    return _loop(obj, w0, n_steps, update, method)


def adam_run(obj, w0, step, n_steps, prices, *, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (Kingma & Ba 2015), full batch: ``v`` averages ``g ⊙ g``. Returns a :class:`TrainingRun`."""
    return _adaptive(obj, w0, step, n_steps, lambda w: (lambda g: (g, g, 0))(obj.grad(w)),
                     _price(prices, "grad"), "adam", beta1, beta2, eps)


def adahessian_run(obj, w0, step, n_steps, prices, *, beta1=0.9, beta2=0.999, eps=1e-8, rng=None):
    """AdaHessian (Yao et al. 2021), full batch: ``v`` averages ``(z ⊙ Hz)²`` — Hutchinson's diagonal, one probe.

    Each step builds the cached Hessian operator (its gradient comes with it: 1 gradient) and makes one product.
    Returns a :class:`TrainingRun`.
    """
    rng = check_rng(rng)
    cost = _price(prices, "grad") + _price(prices, "hvp_cached")

    def diagonal(w):
        op = obj.hessian_operator(w)
        z = rng.choice(np.array([-1.0, 1.0]), size=w.size)             # Rademacher probe
        return op.gradient, z * op.matvec(z), 1

    return _adaptive(obj, w0, step, n_steps, diagonal, cost, "adahessian", beta1, beta2, eps)


def natural_gradient_run(obj, w0, step, n_steps, prices, *, damping=1e-3, cg_max_iter=20, cg_rtol=1e-2):
    """Damped natural gradient ``w ← w − η (F + λI)⁻¹ g``, the solve by CG on cached Gauss–Newton (= Fisher) products.

    Returns a :class:`TrainingRun` (``products``: CG products in total).
    """
    step = check_positive(step, "step")
    c_grad, c_prod = _price(prices, "grad"), _price(prices, "gnvp_cached")

    def update(w, k):
        op = obj.ggn_operator(w)
        res = natural_gradient(op, op.gradient, damping, rtol=cg_rtol, max_iter=cg_max_iter)
        return w - step * res.x, c_grad + c_prod * res.n_matvec, res.n_matvec

    return _loop(obj, w0, n_steps, update, "natural_gradient")


def kfac_run(obj, w0, step, n_steps, prices, *, damping=1e-3, refresh=10, labels="sampled", rng=None):
    """K-FAC-preconditioned descent: factors from one forward/backward pass every ``refresh`` steps (charged one
    gradient), the direction from :func:`hvplib.kfac.kfac_direction`. Returns a :class:`TrainingRun`."""
    step = check_positive(step, "step")
    refresh = check_positive_int(refresh, "refresh")
    labels = check_choice(labels, "labels", ("exact", "sampled", "empirical"))
    rng = check_rng(rng)
    c_grad = _price(prices, "grad")
    state = {}

    def update(w, k):
        cost = c_grad
        if k % refresh == 0:
            state["factors"] = kfac_factors(obj.model, w, obj.X, obj.y, labels=labels, rng=rng)
            cost += c_grad
        d = kfac_direction(obj.model, state["factors"], obj.grad(w), damping)
        return w - step * d, cost, 0

    return _loop(obj, w0, n_steps, update, "kfac")


def sam_run(obj, w0, step, rho, n_steps, prices, *, first_order=False, sharpness_every=None, rng=None):
    """Sharpness-aware minimisation (Foret et al. 2021): ``w ← w − η ∇E(w + ρ g/‖g‖)`` (2 gradients a step), or
    with ``first_order`` its expansion ``g + ρ Hg/‖g‖`` (a gradient and one HVP). Returns a :class:`TrainingRun`."""
    step = check_positive(step, "step")
    if first_order:
        cost = _price(prices, "grad") + _price(prices, "hvp_cached")
        return _loop(obj, w0, n_steps, lambda w, k: (w - step * sam_gradient_first_order(obj, w, rho), cost, 1),
                     "sam_first_order", sharpness_every, rng)
    cost = 2 * _price(prices, "grad")
    return _loop(obj, w0, n_steps, lambda w, k: (w - step * sam_gradient(obj, w, rho), cost, 0), "sam",
                 sharpness_every, rng)
