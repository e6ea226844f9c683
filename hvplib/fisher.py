r"""Fisher information of a softmax classifier (:class:`hvplib.MLP`), true and empirical, without the matrix.

For the cross-entropy loss :math:`E = \frac1N \sum_n \ell_n` with per-example gradients
:math:`g_n = \nabla \ell_n = J_n^\top u_n`, :math:`u_n = p_n - e_{t_n}` (``p_n`` the softmax output):

========================  ===========================================================  =======================
matrix                    definition                                                   product (this module)
========================  ===========================================================  =======================
true Fisher               :math:`F = \frac1N\sum_n \mathbb E_{t\sim p_n}[g_n g_n^\top]`  :func:`fisher_vp` (= G)
                          :math:`= \frac1N\sum_n J_n^\top(\mathrm{diag}\,p_n - p_np_n^\top)J_n`
empirical Fisher          :math:`\hat F = \frac1N\sum_n g_n g_n^\top`, data labels ``t``    :func:`empirical_fisher_vp`
========================  ===========================================================  =======================

The true Fisher equals the Gauss–Newton matrix :math:`G = J^\top H_L J` of the cross-entropy exactly (the label
drawn from the model averages :math:`u u^\top` to :math:`H_L`); the empirical one uses the data's labels instead
and differs from it wherever the model's predictions differ from the labels (Kunstner et al. 2019).

Products: :math:`\hat F v = \frac1N \sum_n J_n^\top u_n (u_n^\top J_n v)`: one forward pass, an R-forward pass
(:math:`J v`) and one backward pass fed with :math:`u_n (u_n^\top (Jv)_n)/N` — the price of a Gauss–Newton product.
:func:`natural_gradient` solves :math:`(F + \lambda I) d = g` by conjugate gradients on those products.
"""
import numpy as np

from ._checks import check_positive, check_positive_int, check_rng
from .krylov.cg import cg_solve
from .nn import check_mlp

__all__ = [
    "per_example_gradients",
    "empirical_fisher",
    "empirical_fisher_vp",
    "fisher_vp",
    "sample_labels",
    "natural_gradient",
]


def _softmax_model(model):
    check_mlp(model)
    if model.loss_name != "softmax_cross_entropy":
        raise ValueError(f"model: the Fisher information here needs loss='softmax_cross_entropy'; got {model.loss_name!r}")
    return model


def _output_errors(model, w, X, y):
    """Forward pass record and ``u_n = p_n − e_{t_n}`` (N, K), the per-example output gradients (not ÷N)."""
    record = model.forward(w, X)
    _, delta, _ = model.output_delta(record, y)
    return record, delta * record.y.shape[0]


def per_example_gradients(model, w, X, y):
    r"""The per-example gradients :math:`g_n = \nabla_w \ell_n(w)` as rows of an (N, P) matrix — small nets only.

    One forward and one backward pass; row ``n`` of layer ``l`` is :math:`\delta^{(l)}_n \otimes z^{(l-1)}_n`
    (weights, row-major like ``w``) followed by :math:`\delta^{(l)}_n` (bias), with :math:`\delta` the
    back-propagated error of example ``n`` alone. Their mean is :meth:`MLP.grad`.

    Returns
    -------
    ndarray, shape (N, P)
    """
    model = _softmax_model(model)
    w = model.check_params(w)
    record, u = _output_errors(model, w, X, y)
    model.backward(w, record, u)                        # deltas of every layer, one row per example
    N = u.shape[0]
    rows = np.empty((N, model.num_params))
    for l, s in enumerate(model.layer_slices()):
        d, z = record.delta[l], record.z_in[l]
        rows[:, s.W] = (d[:, :, None] * z[:, None, :]).reshape(N, -1)   # ∂ℓ_n/∂w_ji = δ_j z_i
        rows[:, s.b] = d                                                # ∂ℓ_n/∂b_j = δ_j
    return rows


def empirical_fisher(model, w, X, y):
    r"""Dense empirical Fisher :math:`\hat F = \frac1N \sum_n g_n g_n^\top`, shape (P, P) — small nets only."""
    Gn = per_example_gradients(model, w, X, y)
    return Gn.T @ Gn / Gn.shape[0]


def empirical_fisher_vp(model, w, v, X, y):
    r"""Empirical Fisher product :math:`\hat F v = \frac1N \sum_n g_n (g_n^\top v)` without per-example gradients.

    :math:`g_n^\top v = u_n^\top (J v)_n`, so an R-forward pass gives every :math:`g_n^\top v` at once, and one
    backward pass from :math:`u_n (u_n^\top (Jv)_n) / N` sums the :math:`g_n` with those weights. With labels
    ``y`` drawn from the model (:func:`sample_labels`) it is a one-sample Monte Carlo estimate of the true Fisher.
    Cost: about one Gauss–Newton product (forward, R-forward, backward).

    Parameters
    ----------
    w, v : array_like, shape (P,)
    X : array_like, shape (N, n_in)
    y : array_like of int, shape (N,) — the labels that define :math:`u_n`

    Returns
    -------
    ndarray, shape (P,)
    """
    model = _softmax_model(model)
    w = model.check_params(w)
    record, u = _output_errors(model, w, X, y)
    _, _, Jv = model.r_forward(w, v, record)            # (J v)_n, shape (N, K)
    weights = np.einsum("nk,nk->n", u, Jv)              # g_nᵀ v = u_nᵀ (J v)_n
    return model.backward(w, record, u * (weights / u.shape[0])[:, None])   # (1/N) Σ_n J_nᵀ u_n (g_nᵀ v)


def fisher_vp(model, w, v, X):
    r"""True Fisher product :math:`F v` of a softmax classifier: the Gauss–Newton product, no labels needed.

    :math:`F = \frac1N \sum_n J_n^\top (\mathrm{diag}\,p_n - p_n p_n^\top) J_n = J^\top H_L J = G`, so this is
    :meth:`MLP.gnvp` (whose result does not depend on the labels). Cost: about 1.5 gradients.
    Returns shape (P,).
    """
    model = _softmax_model(model)
    X = np.asarray(X)
    labels = np.zeros(X.shape[0] if X.ndim else 1, dtype=np.intp)     # any labels: G does not depend on them
    return model.gnvp(w, v, X, labels)                                  # (gnvp checks X and names it)


def sample_labels(model, w, X, rng=None):
    """One label per row of ``X`` drawn from the model's own softmax :math:`p_n`; shape (N,), int."""
    model = _softmax_model(model)
    rng = check_rng(rng)
    logits = model.predict(w, X)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random((p.shape[0], 1))
    return np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), p.shape[1] - 1)   # inverse-CDF draw


def natural_gradient(curvature, g, damping, *, rtol=1e-6, max_iter=None):
    r"""The damped natural-gradient direction :math:`d = (F + \lambda I)^{-1} g` by conjugate gradients.

    ``curvature`` is a product ``v ↦ F v`` (e.g. ``model.ggn_operator(w, X, y).matvec`` — for softmax
    cross-entropy the Gauss–Newton matrix is the Fisher) or a ``LinearOperator``; no matrix is formed.
    Stops at ``‖r‖ ≤ rtol·‖g‖`` or after ``max_iter`` products (default ``10 P``).

    Returns
    -------
    CGResult
        ``x`` the direction, shape (P,), and ``n_matvec`` the products used.
    """
    g = np.asarray(g, dtype=float)
    if g.ndim != 1 or not np.all(np.isfinite(g)):
        raise ValueError(f"g must be a finite 1-D vector; got shape {g.shape}")
    damping = check_positive(damping, "damping")
    rtol = check_positive(rtol, "rtol")
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter")
    product = curvature.matvec if hasattr(curvature, "matvec") else curvature
    if not callable(product):
        raise TypeError(f"curvature must be a callable v ↦ F v or a LinearOperator; got {type(curvature).__name__}")
    return cg_solve(lambda p: np.asarray(product(p), dtype=float), g, damping=damping, rtol=rtol, max_iter=max_iter)
