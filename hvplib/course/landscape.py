r"""Tools for chapter 05 (deep-learning loss landscapes) and the lab of chapter 07.

- :func:`autograd_loss` — an :class:`~hvplib.nn.MLP`'s loss re-written in ``autograd.numpy``, to check
  the hand-written products against ``hv.hessian`` / ``hv.hvp``;
- :func:`layer_blocks`, :func:`block_hessian_summary` — the Hessian as a block matrix by layer;
- :func:`zero_saddle` — the all-zero network with the optimal output bias: a critical point that is a saddle;
- :func:`train_gd` — full-batch gradient descent that records the loss and the sharpness
  :math:`\lambda_{\max}` (warm-started power iteration), for the edge of stability;
- :class:`BatchNormNet` — a tiny network with a batch-normalization layer, written in ``autograd.numpy``,
  whose loss is invariant to shifting and rescaling the pre-normalization parameters (training mode);
- :func:`broaden` — a quadrature rule (nodes, weights) smoothed into a density for any width σ (the one
  broadening of :mod:`hvplib.krylov.density`, re-exported here for chapter 05).
"""
import dataclasses

import autograd.numpy as anp
import numpy as np

from ..progress import progress_bar
from .._checks import as_float_array, check_choice, check_finite, check_positive, check_positive_int, check_rng
from ..hvp import logistic
from ..krylov.density import broaden
from ..nn import check_mlp

__all__ = [
    "autograd_loss",
    "layer_blocks",
    "block_hessian_summary",
    "zero_saddle",
    "permute_hidden_units",
    "GDRun",
    "DescentRun",
    "fixed_step_descent",
    "train_gd",
    "BatchNormNet",
    "broaden",
]


# ---------------------------------------------------------------------------------------------------
# An MLP's loss in autograd.numpy (a reference for the hand-written passes)
# ---------------------------------------------------------------------------------------------------

_AG_ACTIVATIONS = {
    "tanh": anp.tanh,
    "sigmoid": logistic,
    "relu": lambda a: anp.maximum(a, 0.0),
    "softplus": lambda a: anp.logaddexp(0.0, a),
}



def autograd_loss(model, X, y):
    """The loss ``w ↦ E(w)`` of ``model`` on ``(X, y)``, written in ``autograd.numpy``.

    The same function as ``model.loss(w, X, y)``, but differentiable by autograd, so that
    ``hv.hessian(autograd_loss(model, X, y), w)`` checks ``model.hessian(w, X, y)`` independently.

    Parameters
    ----------
    model : MLP
    X : array_like, shape (N, n_in)
    y : targets (N, n_out) for squared error, integer labels (N,) for cross-entropy

    Returns
    -------
    callable, w of shape (P,) ↦ scalar
    """
    check_mlp(model)
    X = check_finite(as_float_array(X, "X"), "X")
    N = X.shape[0]
    h = _AG_ACTIVATIONS[model.activation]
    slices = model.layer_slices()
    shapes = [(n_out, n_in) for n_in, n_out in zip(model.layer_sizes[:-1], model.layer_sizes[1:])]
    if model.loss_name == "softmax_cross_entropy":
        target = np.zeros((N, model.layer_sizes[-1]))
        target[np.arange(N), np.asarray(y)] = 1.0
    else:
        target = np.asarray(y, dtype=float)

    def loss(w):
        z = X
        for l, (s, shape) in enumerate(zip(slices, shapes)):
            a = anp.dot(z, anp.reshape(w[s.W], shape).T) + w[s.b]
            z = a if l == len(slices) - 1 else h(a)
        if model.loss_name == "softmax_cross_entropy":
            logp = z - anp.reshape(anp.log(anp.sum(anp.exp(z - anp.max(z, axis=1, keepdims=True)), axis=1))
                                   + anp.max(z, axis=1), (N, 1))
            return -anp.sum(logp * target) / N
        return 0.5 * anp.sum((z - target) ** 2) / N

    return loss


# ---------------------------------------------------------------------------------------------------
# The Hessian as a block matrix by layer
# ---------------------------------------------------------------------------------------------------

def layer_blocks(model):
    """Where each layer's parameters (its W, then its b) sit in ``w``: a list of slices, one per layer.

    Layer ``l`` owns ``w[blocks[l]]``; these are the row and column blocks of the block Hessian
    ``H[blocks[k], blocks[l]] = ∂²E / ∂θ_k ∂θ_l``.
    """
    check_mlp(model)
    return [slice(s.W.start, s.b.stop) for s in model.layer_slices()]


def block_hessian_summary(model, H, tol=1e-10):
    """Per-block facts about a dense network Hessian ``H`` split by layer.

    Parameters
    ----------
    model : MLP
    H : ndarray, shape (P, P)
        A dense Hessian of ``model`` (e.g. ``model.hessian(w, X, y)``); it is symmetrised first.
    tol : float
        An eigenvalue below ``-tol · max|λ(H)|`` counts as negative.

    Returns
    -------
    list of dict, one per block ``(k, l)`` with ``k ≤ l`` (layers numbered from 1), with keys
    ``"k"``, ``"l"``, ``"shape"``, ``"norm"`` (Frobenius norm); diagonal blocks also have
    ``"eig_min"``, ``"eig_max"``, ``"n_negative"`` and ``"psd"`` (no eigenvalue below the tolerance).
    """
    check_mlp(model)
    H = check_finite(as_float_array(H, "H"), "H")
    P = model.num_params
    if H.shape != (P, P):
        raise ValueError(f"H must have shape ({P}, {P}) (num_params squared); got {H.shape}")
    H = 0.5 * (H + H.T)
    scale = max(float(np.abs(np.linalg.eigvalsh(H)).max()), np.finfo(float).tiny)
    blocks = layer_blocks(model)
    rows = []
    for k, sk in enumerate(blocks):
        for l, sl in enumerate(blocks):
            if l < k:
                continue
            B = H[sk, sl]
            row = {"k": k + 1, "l": l + 1, "shape": B.shape, "norm": float(np.linalg.norm(B))}
            if k == l:
                ev = np.linalg.eigvalsh(B)
                n_neg = int(np.sum(ev < -tol * scale))
                row.update(eig_min=float(ev[0]), eig_max=float(ev[-1]), n_negative=n_neg, psd=n_neg == 0)
            rows.append(row)
    return rows


def zero_saddle(model, y):
    """The all-zero network with the best constant output: a critical point that is a saddle.

    Every weight and hidden bias is 0, so every hidden unit outputs ``h(0)`` and the network
    predicts the constant ``b_L``; ``b_L`` is set to the best constant — ``log`` of the class
    frequencies (cross-entropy) or the mean target (squared error) — so the gradient is exactly 0.
    For a tanh network with one hidden layer the Hessian there is ``[[0, C], [Cᵀ, 0]]`` in the
    weights (plus a positive semidefinite block for ``b_L``): its eigenvalues come in pairs ``±σ_i(C)``.

    Parameters
    ----------
    model : MLP (activation with ``h(0) = 0``, e.g. tanh, for the block structure above)
    y : labels (N,) or targets (N, n_out), as for ``model.loss``

    Returns
    -------
    w : ndarray, shape (P,)
    """
    check_mlp(model)
    w = np.zeros(model.num_params)
    b_out = model.layer_slices()[-1].b
    n_out = model.layer_sizes[-1]
    if model.loss_name == "softmax_cross_entropy":
        counts = np.bincount(np.asarray(y), minlength=n_out).astype(float)
        if np.any(counts == 0):
            raise ValueError("every class must occur in y (the best constant logit of an absent class is -inf)")
        w[b_out] = np.log(counts / counts.sum())
    else:
        w[b_out] = np.asarray(y, dtype=float).mean(axis=0)
    return w


def permute_hidden_units(model, w, perm, layer=1):
    """The same network with the units of hidden ``layer`` (1-based) reordered by ``perm``.

    Row ``j`` of ``W_layer`` and entry ``j`` of ``b_layer`` move to position ``perm⁻¹(j)`` (new unit ``i``
    is old unit ``perm[i]``), and the columns of the next layer's weights move with them, so every
    output — hence the loss — is unchanged. Returns a new vector, shape (P,).
    """
    check_mlp(model)
    n_hidden = len(model.layer_sizes) - 2
    if not isinstance(layer, (int, np.integer)) or not 1 <= layer <= n_hidden:
        raise ValueError(f"layer must be a hidden layer, 1 … {n_hidden}; got {layer!r}")
    perm = np.asarray(perm)
    width = model.layer_sizes[layer]
    if perm.shape != (width,) or not np.array_equal(np.sort(perm), np.arange(width)):
        raise ValueError(f"perm must be a permutation of 0 … {width - 1}")
    w_new = np.array(model.check_params(w), dtype=np.float64, copy=True)
    params = model.unpack(w_new)
    W, b = params[layer - 1]
    W_next = params[layer][0]
    W[...] = W[perm].copy()
    b[...] = b[perm].copy()
    W_next[...] = W_next[:, perm].copy()
    return w_new


# ---------------------------------------------------------------------------------------------------
# Full-batch gradient descent with a sharpness record (edge of stability)
# ---------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class GDRun:
    """Record of :func:`train_gd`.

    Attributes
    ----------
    w : ndarray, shape (P,)
        Parameters after the last step.
    losses : ndarray, shape (n_steps + 1,)
        Loss at every iterate ``w_0, …, w_{n_steps}``.
    sharpness_steps : ndarray of int, shape (m,)
        Iterations at which λ_max was measured.
    sharpness : ndarray, shape (m,)
        λ_max of the Hessian there (power iteration, warm-started from the previous eigenvector).
    step : float
        The step size η; the stability threshold of gradient descent is ``2 / η`` (:attr:`threshold`).
    n_grad, n_hvp : int
        Gradients and Hessian-vector products used.
    """

    w: np.ndarray
    losses: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    step: float
    n_grad: int
    n_hvp: int

    @property
    def threshold(self):
        """``2 / η``: on a quadratic, gradient descent diverges along any direction of curvature above it."""
        return 2.0 / self.step

    def late_sharpness(self, fraction=0.5):
        """Mean λ_max over the last ``fraction`` of the run (measurements at iterations ≥ (1 − fraction)·n)."""
        n_steps = len(self.losses) - 1
        late = self.sharpness_steps >= (1 - fraction) * n_steps
        return float(self.sharpness[late].mean())



@dataclasses.dataclass
class DescentRun:
    """Record of :func:`fixed_step_descent`.

    Attributes
    ----------
    w : ndarray, shape (P,), the last finite iterate
    n_grad : int, calls of ``gradient_at``
    diverged : bool, True if E, ∇E or the next iterate became NaN/inf
    stopped_at : int, the iterate k where the run ended (``n_steps`` unless it diverged)
    """

    w: np.ndarray
    n_grad: int
    diverged: bool
    stopped_at: int


def fixed_step_descent(gradient_at, w, step, n_steps, record, progress=False, desc="GD"):
    r"""Full-batch gradient descent with a fixed step: the one loop of the course's network trainers.

        w_{k+1} = w_k − η ∇E(w_k),    k = 0, …, n_steps − 1

    ``gradient_at(k, w)`` returns ``(E(w_k), ∇E(w_k))`` (``k`` lets a caller measure more at some
    iterates, e.g. the sharpness); ``record(k, w, E)`` is called at every finite iterate, the start
    included. The run stops early, with ``diverged=True``, when E, ∇E or the next iterate is NaN/inf;
    floating-point warnings are silenced inside, since every value that matters is checked.
    Used by :func:`train_gd` and :func:`hvplib.course.lab.train_gradient_descent`.

    Shapes: ``w`` (P,), float64 (not modified); returns a :class:`DescentRun`.
    """
    n_grad = 0
    with progress_bar(progress, n_steps, desc) as bar, np.errstate(all="ignore"):
        for k in range(n_steps + 1):
            E, g = gradient_at(k, w)
            n_grad += 1
            if not (np.isfinite(E) and np.all(np.isfinite(g))):
                return DescentRun(w=w, n_grad=n_grad, diverged=True, stopped_at=k)
            record(k, w, E)
            if k == n_steps:
                break
            w_new = w - step * g
            if not np.all(np.isfinite(w_new)):
                return DescentRun(w=w, n_grad=n_grad, diverged=True, stopped_at=k + 1)
            w = w_new
            bar.update()
    return DescentRun(w=w, n_grad=n_grad, diverged=False, stopped_at=n_steps)


def train_gd(model, w0, X, y, step, n_steps, sharpness_every=None, power_iters=3, first_power_iters=30,
             *, rng=0, progress=False):
    r"""Full-batch gradient descent ``w ← w − η ∇E(w)`` that also tracks the sharpness λ_max.

    Every ``sharpness_every`` iterations the Hessian operator is built at the current point (its
    gradient is reused for the step) and ``power_iters`` power iterations, started from the previous
    top eigenvector, update λ_max (``first_power_iters`` for the first, random start). Between two
    measurements the top eigenvector moves little, so a few products keep the estimate close — the
    recipe of Cohen et al., "Gradient descent on neural networks typically occurs at the edge of
    stability" (ICLR 2021).

    Parameters
    ----------
    model : MLP
    w0 : array_like, shape (P,)
        Starting parameters (not modified).
    X, y : training data, as for ``model.loss``
    step : float
        Step size η > 0.
    n_steps : int
        Number of gradient steps.
    sharpness_every : int, optional
        Measure λ_max every this many steps (None: never).
    power_iters, first_power_iters : int
        Power iterations per measurement (warm-started) and for the first one.
    rng : None, int or Generator
        Start vector of the first power iteration.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    GDRun
        ``w``, ``losses`` (n_steps + 1,), ``sharpness_steps``, ``sharpness``, ``step``, ``n_grad``, ``n_hvp``.

    Notes
    -----
    Cost: ``n_steps`` gradients, plus ``power_iters`` HVPs per measurement. Whatever the
    sharpness does, the iterates are those of plain gradient descent.
    """
    from ..krylov import power_iteration

    check_mlp(model)
    w = model.check_params(w0).astype(np.float64, copy=True)
    objective = model.objective(X, y)
    step = check_positive(step, "step")
    n_steps = check_positive_int(n_steps, "n_steps")
    every = check_positive_int(sharpness_every, "sharpness_every", allow_none=True)
    power_iters = check_positive_int(power_iters, "power_iters")
    first_power_iters = check_positive_int(first_power_iters, "first_power_iters")
    rng = check_rng(rng)

    losses = np.empty(n_steps + 1)
    steps, sharp = [], []
    state = {"v": None, "n_hvp": 0}

    def gradient_at(t, w):
        if every is None or t % every != 0 or t == n_steps:
            return objective.loss_and_grad(w)
        op = objective.hessian_operator(w)        # its forward and backward pass give E and ∇E too
        res = power_iteration(op, rng=rng, v0=state["v"], tol=1e-12,
                              max_iter=first_power_iters if state["v"] is None else power_iters)
        state["v"] = res.eigenvector
        steps.append(t)
        sharp.append(res.eigenvalue)
        state["n_hvp"] += res.n_matvec
        return op.loss_value, op.gradient

    def record(t, w, E):
        losses[t] = E

    run = fixed_step_descent(gradient_at, w, step, n_steps, record, progress, f"GD η={step:g}")
    if run.diverged:
        raise FloatingPointError(f"gradient descent diverged at step {run.stopped_at} (η = {step:g}): "
                                 "the loss, its gradient or the parameters became NaN or infinite")
    w, n_grad, n_hvp = run.w, run.n_grad, state["n_hvp"]
    return GDRun(w=w, losses=losses, sharpness_steps=np.array(steps, dtype=int), sharpness=np.array(sharp),
                 step=step, n_grad=n_grad, n_hvp=n_hvp)


# ---------------------------------------------------------------------------------------------------
# A tiny network with batch normalization (training-mode statistics), in autograd.numpy
# ---------------------------------------------------------------------------------------------------

class BatchNormNet:
    r"""``x → a = W₁x + b₁ → BN → tanh → W₂(·) + b₂ →`` softmax cross-entropy, written in ``autograd.numpy``.

    The batch-normalization (BN) layer normalizes each pre-activation :math:`a_j` over the batch and then
    applies a learned gain and offset:

    .. math:: \hat a_{nj} = \gamma_j \frac{a_{nj} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}} + \beta_j

    In **training mode** :math:`\mu_j, \sigma_j^2` are the mean and variance of :math:`a_{\cdot j}` over the
    batch, so they move with the parameters: adding ``c`` to :math:`b_{1j}` moves :math:`\mu_j` by ``c``
    too, and scaling :math:`(W_{1,j\cdot}, b_{1j})` by α > 0 scales :math:`a - \mu` and
    :math:`\sigma` by α. The output does not change (exactly for the shift; up to ε for the scaling). In
    **eval mode** :math:`\mu, \sigma^2` are fixed numbers (running statistics) and neither invariance holds.

    Parameters are one flat vector θ: ``W1`` (m, d) row-major, ``b1`` (m,), ``gamma`` (m,), ``beta`` (m,),
    ``W2`` (k, m), ``b2`` (k,); see :attr:`slices`.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        d, m and k.
    eps : float, default 1e-5
        The ε inside the square root (PyTorch's default).
    """

    NAMES = ("W1", "b1", "gamma", "beta", "W2", "b2")

    def __init__(self, n_in, n_hidden, n_out, eps=1e-5):
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        self.n_out = check_positive_int(n_out, "n_out")
        if eps != 0:
            eps = check_positive(eps, "eps")
        self.eps = float(eps)
        d, m, k = self.n_in, self.n_hidden, self.n_out
        sizes = [m * d, m, m, m, k * m, k]
        bounds = np.cumsum([0] + sizes)
        #: name → slice of θ
        self.slices = {name: slice(int(a), int(b)) for name, a, b in zip(self.NAMES, bounds[:-1], bounds[1:])}
        self.num_params = int(bounds[-1])

    def __repr__(self):
        return (f"BatchNormNet({self.n_in}, {self.n_hidden}, {self.n_out}, eps={self.eps:g})"
                f"  # {self.num_params} parameters")

    def init_params(self, rng=None):
        """Normal weights (std 1/√fan_in), biases N(0, 0.1²), γ = 1, β = 0. Returns θ, shape (P,)."""
        rng = check_rng(rng)
        theta = np.zeros(self.num_params)
        s = self.slices
        theta[s["W1"]] = rng.normal(0, 1 / np.sqrt(self.n_in), self.n_hidden * self.n_in)
        theta[s["b1"]] = rng.normal(0, 0.1, self.n_hidden)
        theta[s["gamma"]] = 1.0
        theta[s["W2"]] = rng.normal(0, 1 / np.sqrt(self.n_hidden), self.n_out * self.n_hidden)
        theta[s["b2"]] = rng.normal(0, 0.1, self.n_out)
        return theta

    def _pre_activations(self, theta, X):
        W1 = anp.reshape(theta[self.slices["W1"]], (self.n_hidden, self.n_in))
        return anp.dot(X, W1.T) + theta[self.slices["b1"]]

    def batch_statistics(self, theta, X):
        """Mean and variance of each pre-activation over the batch: two arrays of shape (m,)."""
        a = self._pre_activations(np.asarray(theta, dtype=float), np.asarray(X, dtype=float))
        return a.mean(axis=0), a.var(axis=0)

    def logits(self, theta, X, mode="train", running_mean=None, running_var=None):
        """Network outputs, shape (N, k). ``mode="train"`` uses batch statistics, ``"eval"`` the running ones."""
        check_choice(mode, "mode", ("train", "eval"))
        s = self.slices
        a = self._pre_activations(theta, X)
        if mode == "train":
            mu = anp.mean(a, axis=0)
            var = anp.mean((a - mu) ** 2, axis=0)
        else:
            if running_mean is None or running_var is None:
                raise ValueError("eval mode needs running_mean and running_var (arrays of shape (n_hidden,))")
            mu, var = running_mean, running_var
        a_hat = theta[s["gamma"]] * (a - mu) / anp.sqrt(var + self.eps) + theta[s["beta"]]
        z = anp.tanh(a_hat)
        W2 = anp.reshape(theta[s["W2"]], (self.n_out, self.n_hidden))
        return anp.dot(z, W2.T) + theta[s["b2"]]

    def loss_function(self, X, y, mode="train", running_mean=None, running_var=None):
        """The mean softmax cross-entropy as a function ``θ ↦ L(θ)`` on the batch ``(X, y)``.

        ``X`` has shape (N, d), ``y`` integer labels (N,). The returned function is written in
        ``autograd.numpy``, so ``hv.gradient``, ``hv.hvp`` and ``hv.hessian`` apply to it.
        """
        X = check_finite(as_float_array(X, "X"), "X")
        labels = np.asarray(y)
        N = X.shape[0]
        onehot = np.zeros((N, self.n_out))
        onehot[np.arange(N), labels] = 1.0

        def loss(theta):
            z = self.logits(theta, X, mode, running_mean, running_var)
            zmax = anp.max(z, axis=1, keepdims=True)
            lse = anp.log(anp.sum(anp.exp(z - zmax), axis=1, keepdims=True)) + zmax
            return -anp.sum((z - lse) * onehot) / N

        return loss

    def shift_direction(self, unit=None):
        """Unit vector that adds to the pre-BN bias ``b1`` (of one hidden ``unit``, or of all): shape (P,)."""
        v = np.zeros(self.num_params)
        idx = np.arange(self.n_hidden) if unit is None else np.array([unit])
        v[self.slices["b1"].start + idx] = 1.0
        return v / np.linalg.norm(v)

    def scale_direction(self, theta):
        """The direction of scaling ``(W1, b1)`` by α: θ restricted to ``W1`` and ``b1``, zero elsewhere.

        ``d/dα θ(α)`` at α = 1 for ``θ(α) = (αW1, αb1, γ, β, W2, b2)``; not normalised. Shape (P,).
        """
        theta = np.asarray(theta, dtype=float)
        v = np.zeros(self.num_params)
        for name in ("W1", "b1"):
            v[self.slices[name]] = theta[self.slices[name]]
        return v
