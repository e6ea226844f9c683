r"""K-FAC: each layer's Fisher block as a Kronecker product :math:`S \otimes A` (Martens & Grosse 2015).

For a layer with input :math:`\bar a = (z; 1)` (the bias as a weight on a constant 1) and back-propagated
output error :math:`s = \partial\ell_n/\partial a` (the :math:`\delta` of :mod:`hvplib.nn`, per example), the
gradient of the augmented weight matrix :math:`\bar W = [W\; b]` is :math:`s\,\bar a^\top`, so its Fisher
block is

.. math:: F_l = \mathbb E\big[(s s^\top) \otimes (\bar a \bar a^\top)\big]
          \;\approx\; \mathbb E[s s^\top] \otimes \mathbb E[\bar a \bar a^\top] = S_l \otimes A_l ,

the expectation over the examples and over labels drawn from the model. K-FAC keeps only the two small factors
(:math:`n_\text{out}^2 + (n_\text{in}+1)^2` numbers instead of :math:`(n_\text{out}(n_\text{in}+1))^2`) and
inverts the block through them: :math:`(S \otimes A)^{-1}\operatorname{vec}(\bar G) = \operatorname{vec}(S^{-1}\bar G A^{-1})`.

Both factors come from the network's own passes: ``A`` from the forward pass, ``S`` from one backward pass fed
with :math:`u = p - e_t` for sampled labels ``t`` (``labels="sampled"``), for the data's labels (``"empirical"``),
or for every class ``k`` weighted by :math:`p_k` (``"exact"``: the exact expectation over the model's labels,
K backward rows per example). Orderings: the flat index of entry ``(j, i)`` of :math:`\bar W` is
:func:`layer_indices` ``[j (n_in+1) + i]``, so a block of the dense Fisher in that order is comparable with
``np.kron(S, A)``.
"""
from collections import namedtuple

import numpy as np

from ._checks import check_choice, check_positive, check_rng
from .fisher import sample_labels
from .nn import check_mlp

__all__ = ["KFACFactors", "kfac_factors", "kfac_block", "exact_fisher_block", "layer_indices", "kfac_direction"]

KFAC_LABELS = ("exact", "sampled", "empirical")

KFACFactors = namedtuple("KFACFactors", ["A", "S"])
KFACFactors.__doc__ = """Per-layer Kronecker factors: ``A[l]`` (n_in+1, n_in+1) = E[ā āᵀ] and ``S[l]`` (n_out, n_out) = E[s sᵀ]."""


def _output_rows(model, w, X, y, labels, rng):
    """Inputs repeated as needed, and the output errors u (one row each) with their weights √p where exact."""
    record = model.forward(w, X)
    N, K = record.y.shape
    logits = record.y
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    if labels == "exact":
        # row (n, k): √p_nk (p_n − e_k); Σ_k of the outer products is diag(p_n) − p_n p_nᵀ = H_L (per example)
        u = np.repeat(p, K, axis=0) - np.tile(np.eye(K), (N, 1))
        u *= np.sqrt(p.reshape(-1))[:, None]
        return np.repeat(X, K, axis=0), u
    t = sample_labels(model, w, X, rng) if labels == "sampled" else np.asarray(y)
    if labels == "empirical" and t.shape != (N,):
        raise ValueError(f"y (labels) must have shape ({N},) for labels='empirical'; got {t.shape}")
    u = p.copy()
    u[np.arange(N), t] -= 1
    return X, u


def _check_model(model):
    check_mlp(model)
    if model.loss_name != "softmax_cross_entropy":
        raise ValueError(f"model: K-FAC here needs loss='softmax_cross_entropy'; got {model.loss_name!r}")
    return model


def _layer_records(model, w, X, y, labels, rng):
    """(ā rows, s rows) per layer from one forward and one backward pass."""
    model = _check_model(model)
    labels = check_choice(labels, "labels", KFAC_LABELS)
    w = model.check_params(w)
    X = np.asarray(X, dtype=float)
    Xr, u = _output_rows(model, w, X, y, labels, check_rng(rng))
    record = model.forward(w, Xr)
    model.backward(w, record, u)                       # record.delta[l]: s for each row, per layer
    abar = [np.hstack([z, np.ones((z.shape[0], 1))]) for z in record.z_in]
    return abar, record.delta, X.shape[0]


def kfac_factors(model, w, X, y=None, *, labels="sampled", rng=None):
    r"""The Kronecker factors of every layer: :math:`A_l = \frac1N\sum_n \bar a_n\bar a_n^\top`,
    :math:`S_l = \frac1N\sum_n s_n s_n^\top`.

    Cost: one forward and one backward pass (``"sampled"``, ``"empirical"``; ``"exact"`` runs them on K rows per
    example), plus the outer products. ``y`` (labels, shape (N,)) is needed only for ``"empirical"``.

    Returns
    -------
    KFACFactors
        lists ``A`` (n_in+1, n_in+1) and ``S`` (n_out, n_out), one entry per layer.
    """
    abar, s, N = _layer_records(model, w, X, y, labels, rng)
    K = s[0].shape[0] // N
    # exact: every example appears K times in the rows, each weighted already; A must count it once
    A = [a.T @ a / (N * K) for a in abar]
    S = [d.T @ d / N for d in s]
    return KFACFactors(A, S)


def exact_fisher_block(model, w, X, layer, y=None, *, labels="exact", rng=None):
    r"""The layer's Fisher block :math:`\mathbb E[(s s^\top)\otimes(\bar a\bar a^\top)]` in the order of
    :func:`layer_indices`, shape (n_out (n_in+1),) × 2 — small layers only.

    With ``labels="exact"`` it is the block of the true Fisher (= the Gauss–Newton matrix) of the layer.
    """
    abar, s, N = _layer_records(model, w, X, y, labels, rng)
    rows = (s[layer][:, :, None] * abar[layer][:, None, :]).reshape(s[layer].shape[0], -1)   # vec(s āᵀ) per row
    return rows.T @ rows / N


def kfac_block(factors, layer):
    """The dense K-FAC approximation ``np.kron(S_l, A_l)`` of a layer's Fisher block (small layers only)."""
    return np.kron(factors.S[layer], factors.A[layer])


def layer_indices(model, layer):
    """Flat indices in ``w`` of the augmented matrix [W b] of ``layer``, row-major: shape (n_out (n_in+1),)."""
    check_mlp(model)
    s = model.layer_slices()[layer]
    n_out, n_in = model.layer_sizes[layer + 1], model.layer_sizes[layer]
    W = np.arange(s.W.start, s.W.stop).reshape(n_out, n_in)
    b = np.arange(s.b.start, s.b.stop).reshape(n_out, 1)
    return np.hstack([W, b]).ravel()


def kfac_direction(model, factors, g, damping):
    r"""K-FAC preconditioned direction: per layer :math:`(S + \gamma I)^{-1}\,\bar G\,(A + \gamma I)^{-1}`,
    :math:`\gamma = \sqrt{\lambda}` (factored Tikhonov damping), with :math:`\bar G = [\nabla_W\; \nabla_b]`.

    Returns the direction as a flat vector, shape (P,) (the layout of ``g``).
    """
    check_mlp(model)
    gamma = np.sqrt(check_positive(damping, "damping"))
    g = model.check_params(g)
    d = np.empty_like(g)
    for l, (A, S) in enumerate(zip(factors.A, factors.S)):
        idx = layer_indices(model, l)
        Gbar = g[idx].reshape(S.shape[0], A.shape[0])
        step = np.linalg.solve(S + gamma * np.eye(S.shape[0]), Gbar)            # S⁻¹ Ḡ
        step = np.linalg.solve(A + gamma * np.eye(A.shape[0]), step.T).T        # ... A⁻¹ (A symmetric)
        d[idx] = step.ravel()
    return d
