r"""A multilayer perceptron whose gradient and Hessian-vector product are written out by hand.

This is the network of chapter 03 (Bishop, *PRML* §5.4.6; Pearlmutter 1994, "Fast exact multiplication
by the Hessian"). Everything is plain NumPy: no automatic differentiation is used inside, so that every
line of the four passes can be read against its equation.

Notation (one row per example; layers :math:`l = 1, \dots, L`; :math:`z_0 = x`)

====================  =====================================================================
forward               :math:`a_j = \sum_i w_{ji} z_i + b_j`,  :math:`z_j = h(a_j)`,  output
                      :math:`y_k = a_k` (the output layer is linear)
backward              :math:`\delta_j = \partial E / \partial a_j`;  output
                      :math:`\delta_k = \partial E / \partial y_k`;  hidden
                      :math:`\delta_j = h'(a_j)\, e_j` with :math:`e_j = \sum_k w_{kj} \delta_k`;
                      :math:`\partial E / \partial w_{ji} = \delta_j z_i`
R-forward             :math:`R\{\cdot\} = v^\top \nabla(\cdot)`, :math:`R\{w\} = v`, :math:`R\{x\} = 0`:
                      :math:`R\{a_j\} = \sum_i v_{ji} z_i + \sum_i w_{ji} R\{z_i\} + v_{b_j}`,
                      :math:`R\{z_j\} = h'(a_j) R\{a_j\}`
R-backward            :math:`R\{\delta_k\} = H_L R\{y\}`,
                      :math:`R\{\delta_j\} = h''(a_j) R\{a_j\} e_j + h'(a_j) R\{e_j\}`,
                      :math:`R\{e_j\} = \sum_k w_{kj} R\{\delta_k\} + \sum_k v_{kj} \delta_k`,
                      :math:`(Hv)_{w_{ji}} = R\{\partial E/\partial w_{ji}\} = R\{\delta_j\} z_i + \delta_j R\{z_i\}`
====================  =====================================================================

In the code a weight matrix ``W`` of a layer has shape ``(n_out, n_in)`` (entry ``W[j, i]`` is
:math:`w_{ji}`), the bias ``b`` has shape ``(n_out,)``, and the direction ``v`` is split into blocks ``V``
and ``vb`` of the same shapes. Batched arrays hold one example per row, so ``a = z @ W.T + b``.

Cost, counted in matrix products of a layer's size (``N * n_in * n_out`` multiply-adds each):

==========================================  ===========  ============  ========================
pass(es)                                    first layer  other layers  in gradients (typical)
==========================================  ===========  ============  ========================
gradient: forward + backward                2            3             1
HVP: forward, backward, R-forward, R-back   4            9             2.3–2.9 (:meth:`MLP.hvp`)
HVP with forward/backward cached            2            6             1.3–2 (operator matvec)
Gauss–Newton: forward, R-forward, backward  3            5             1.5–1.7 (:meth:`MLP.gnvp`)
==========================================  ===========  ============  ========================

No P×P matrix is ever formed (except by :meth:`MLP.hessian`, for small nets).
"""
from collections import namedtuple
import numbers

import numpy as np

from ._checks import as_float_array, check_choice, check_finite, check_positive_int, check_rng
from .operator import CountedLinearOperator

__all__ = [
    "MLP",
    "MLPObjective",
    "CurvatureOperator",
    "LayerSlices",
    "ACTIVATIONS",
    "LOSSES",
    "check_mlp",
    "forward",
    "backward",
    "r_forward",
    "r_backward",
]


# ---------------------------------------------------------------------------------------------------
# Activations: h, h' and h''. Each derivative may reuse the values already computed (z = h(a), h'(a)).
# ---------------------------------------------------------------------------------------------------

def _sigmoid_parts(a):
    """Return ``(s, e)`` with ``e = exp(-|a|)`` in (0, 1] and ``s = 1 / (1 + e)``; neither overflows."""
    e = np.exp(-np.abs(a))
    return 1 / (1 + e), e


def sigmoid(a):
    r"""Logistic sigmoid :math:`\sigma(a) = 1 / (1 + e^{-a})` without overflow for any finite ``a``."""
    s, e = _sigmoid_parts(a)
    return np.where(a >= 0, s, e * s)           # σ(a) = 1/(1+e^{-a}) for a ≥ 0, e^{a}/(1+e^{a}) for a < 0


def _sigmoid_derivative(a):
    r""":math:`\sigma'(a) = \sigma(a)\sigma(-a) = e^{-|a|} / (1 + e^{-|a|})^2`, with no cancellation."""
    s, e = _sigmoid_parts(a)
    return e * s * s


def _tanh_h(a):
    return np.tanh(a)                           # h(a) = tanh(a)


def _tanh_d1(a, z):
    return 1 - z * z                            # h'(a) = 1 − tanh²(a)   (stays finite, unlike 1/cosh²)


def _tanh_d2(a, z, d1):
    return -2 * z * d1                          # h''(a) = −2 tanh(a) h'(a)


def _sigmoid_d1(a, z):
    return _sigmoid_derivative(a)               # h'(a) = σ(a) σ(−a)


def _sigmoid_d2(a, z, d1):
    return -d1 * np.tanh(a / 2)                 # h''(a) = σ'(a) (1 − 2σ(a)) = −σ'(a) tanh(a/2)


def _relu_h(a):
    return np.maximum(a, 0)                     # h(a) = max(a, 0)


def _relu_d1(a, z):
    return (a > 0).astype(a.dtype)              # h'(a) = 1 if a > 0 else 0   (convention h'(0) = 0)


def _relu_d2(a, z, d1):
    return None                                 # h''(a) = 0 for a ≠ 0: the h'' term of R{δ} vanishes


def _softplus_h(a):
    return np.logaddexp(0, a)                   # h(a) = log(1 + e^a), no overflow


def _softplus_d1(a, z):
    return sigmoid(a)                           # h'(a) = σ(a)


def _softplus_d2(a, z, d1):
    return _sigmoid_derivative(a)               # h''(a) = σ(a) σ(−a)


Activation = namedtuple("Activation", ["h", "d1", "d2"])
Activation.__doc__ = """An activation ``h`` with its derivatives ``d1(a, z) = h'(a)`` and ``d2(a, z, d1) = h''(a)``.

``z = h(a)`` and ``d1 = h'(a)`` are passed in so that a derivative can reuse them; ``d2`` returns
``None`` when ``h''`` is identically zero (relu)."""

#: The activations of the hidden layers. relu: h'(0) = 0 by convention and h'' = 0 (it is a Dirac
#: delta at 0, which the R-operator ignores: the Hessian is that of the piecewise-linear pieces).
ACTIVATIONS = {
    "tanh": Activation(_tanh_h, _tanh_d1, _tanh_d2),
    "sigmoid": Activation(sigmoid, _sigmoid_d1, _sigmoid_d2),
    "relu": Activation(_relu_h, _relu_d1, _relu_d2),
    "softplus": Activation(_softplus_h, _softplus_d1, _softplus_d2),
}

#: The losses, both averaged over the batch (see :class:`MLP`).
LOSSES = ("squared_error", "softmax_cross_entropy")


# ---------------------------------------------------------------------------------------------------
# Losses: value E, output error δ_out = ∂E/∂y, and R{δ_out} = H_L R{y} (H_L = ∂²E/∂y²).
# ---------------------------------------------------------------------------------------------------

def _squared_error(y, t):
    """E = (1/N) Σ_n ½‖y_n − t_n‖²; returns ``(E, delta, None)`` with δ_k = (y_k − t_k)/N."""
    N = y.shape[0]
    r = y - t                                   # residual y_k − t_k
    E = 0.5 * np.vdot(r, r) / N                 # E = (1/N) Σ_n ½ ‖y_n − t_n‖²
    r /= N                                      # δ_k = ∂E/∂y_k = (y_k − t_k)/N
    return E, r, None


def _squared_error_r_delta(Ry, p):
    """R{δ_k} = H_L R{y} with H_L = (1/N) I."""
    return Ry / Ry.shape[0]                     # R{δ_k} = R{y_k}/N


def _softmax_cross_entropy(y, labels):
    """E = (1/N) Σ_n −log softmax(y_n)[t_n]; returns ``(E, delta, p)`` with δ = (p − onehot(t))/N."""
    N = y.shape[0]
    rows = np.arange(N)
    s = y - y.max(axis=1, keepdims=True)        # shift: s_k = y_k − max_k y_k ≤ 0, so exp never overflows
    lse = np.log(np.exp(s).sum(axis=1))         # log Σ_k exp(s_k) ∈ [0, log K]
    logp = s - lse[:, None]                     # log p_k = y_k − logsumexp(y)
    E = -logp[rows, labels].sum() / N           # E = (1/N) Σ_n −log p_{t_n}
    p = np.exp(logp)                            # p_k = softmax(y)_k
    delta = p.copy()
    delta[rows, labels] -= 1                    # ∂ℓ/∂y_k = p_k − [k = t]
    delta /= N                                  # δ_k = (p_k − [k = t])/N
    return E, delta, p


def _softmax_cross_entropy_r_delta(Ry, p):
    """R{δ} = H_L R{y} with H_L = (1/N)(diag(p) − p pᵀ) for each example."""
    pRy = p * Ry                                # p_k R{y_k}
    Rdelta = pRy - p * pRy.sum(axis=1, keepdims=True)  # R{δ_k} = p_k R{y_k} − p_k Σ_m p_m R{y_m}   (×1/N below)
    Rdelta /= Ry.shape[0]
    return Rdelta


_LOSS_FUNCTIONS = {
    "squared_error": (_squared_error, _squared_error_r_delta),
    "softmax_cross_entropy": (_softmax_cross_entropy, _softmax_cross_entropy_r_delta),
}


# ---------------------------------------------------------------------------------------------------
# The four passes. Each loop body is one layer; the comment on each line is its equation.
# ---------------------------------------------------------------------------------------------------

class _Pass:
    """What the forward (and backward) pass leaves behind for the R-passes at one point ``w``.

    Lists are indexed by layer, 0-based: entry ``l`` belongs to layer l + 1 of the equations.
    ``z_in[l]`` is the input of that layer (``z_in[0]`` is X); for the hidden layers ``a``, ``d1`` = h'(a),
    ``d2`` = h''(a) (None if zero or not needed), ``e`` = Σ_k w_kj δ_k and ``d2e`` = h''(a) e (formed
    once per point for the R-backward pass); ``delta`` holds δ of every
    layer (after the backward pass); ``y`` the outputs, ``p`` the softmax probabilities, ``E`` the loss.
    """

    def __init__(self):
        self.z_in, self.a, self.d1, self.d2, self.e, self.d2e, self.delta = [], [], [], [], [], [], []
        self.y = self.p = self.E = self.N = None


def _forward(params, X, act, second):
    """Forward pass: a_j = Σ_i w_ji z_i + b_j, z_j = h(a_j); linear output y. Cost: 1 product per layer."""
    f = _Pass()
    z = X
    L = len(params)
    for l, (W, b) in enumerate(params):
        f.z_in.append(z)
        a = z @ W.T                             # a_j = Σ_i w_ji z_i ...
        a += b                                  #       ... + b_j
        if l == L - 1:
            f.y = a                             # y_k = a_k (linear output)
            break
        z = act.h(a)                            # z_j = h(a_j)
        d1 = act.d1(a, z)                       # h'(a_j)
        f.a.append(a)
        f.d1.append(d1)
        f.d2.append(act.d2(a, z, d1) if second else None)   # h''(a_j)
    return f


def _backward(params, f, delta_out, out):
    """Backward pass from δ_out = ∂E/∂y, writing ∂E/∂W, ∂E/∂b into ``out``; returns the lists δ and e.

    ∂E/∂w_ji = Σ_n δ_j z_i, ∂E/∂b_j = Σ_n δ_j, δ_i = h'(a_i) e_i with e_i = Σ_j w_ji δ_j.
    Cost: 2 products per layer (1 for the first). Fed with R{δ_out} = H_L J v instead of δ_out, the same
    pass returns the Gauss–Newton product Jᵀ H_L J v (the linearised network has no h'' or R{w} terms).
    """
    deltas = [None] * len(params)
    es = [None] * len(params)
    delta = delta_out
    for l in range(len(params) - 1, -1, -1):
        W, b = params[l]
        gW, gb = out[l]
        deltas[l] = delta
        np.matmul(delta.T, f.z_in[l], out=gW)   # ∂E/∂w_ji = Σ_n δ_j z_i
        delta.sum(axis=0, out=gb)               # ∂E/∂b_j = Σ_n δ_j
        if l > 0:
            e = delta @ W                       # e_i = Σ_j w_ji δ_j
            es[l - 1] = e
            delta = f.d1[l - 1] * e             # δ_i = h'(a_i) e_i
    return deltas, es


def _r_forward(params, vparams, f):
    """R-forward pass (R{x} = 0): returns R{a}, R{z} of the hidden layers and R{y} = J v.

    Cost: 2 products per layer (1 for the first).
    """
    Ra_list, Rz_list = [], [None]               # R{z_0} = R{x} = 0
    Rz = None
    L = len(params)
    for l, ((W, b), (V, vb)) in enumerate(zip(params, vparams)):
        Ra = f.z_in[l] @ V.T                    # R{a_j} = Σ_i v_ji z_i ...
        Ra += vb                                #          ... + v_bj ...
        if Rz is not None:
            Ra += Rz @ W.T                      #          ... + Σ_i w_ji R{z_i}
        if l == L - 1:
            return Ra_list, Rz_list, Ra         # R{y_k} = R{a_k}
        Rz = f.d1[l] * Ra                       # R{z_j} = h'(a_j) R{a_j}
        Ra_list.append(Ra)
        Rz_list.append(Rz)


def _r_backward(params, vparams, f, Ra_list, Rz_list, Rdelta_out, out):
    """R-backward pass from R{δ_out} = H_L R{y}: writes Hv (= R{∂E/∂W}, R{∂E/∂b}) into ``out``.

    Cost: 4 products per layer (1 for the first).
    """
    Rdelta = Rdelta_out
    for l in range(len(params) - 1, -1, -1):
        (W, b), (V, vb) = params[l], vparams[l]
        RgW, Rgb = out[l]
        delta = f.delta[l]
        np.matmul(Rdelta.T, f.z_in[l], out=RgW)  # R{∂E/∂w_ji} = Σ_n R{δ_j} z_i ...
        if Rz_list[l] is not None:
            RgW += delta.T @ Rz_list[l]         #                 ... + Σ_n δ_j R{z_i}
        Rdelta.sum(axis=0, out=Rgb)             # R{∂E/∂b_j} = Σ_n R{δ_j}
        if l > 0:
            Re = Rdelta @ W                     # R{e_i} = Σ_j w_ji R{δ_j} ...
            Re += delta @ V                     #          ... + Σ_j v_ji δ_j
            Rdelta = f.d1[l - 1] * Re           # R{δ_i} = h'(a_i) R{e_i} ...
            if f.d2e[l - 1] is not None:
                Rdelta += f.d2e[l - 1] * Ra_list[l - 1]  #   ... + h''(a_i) e_i R{a_i}


#: The four passes under public names (chapter 03 prints their source; :class:`MLP` has them as methods).
forward, backward, r_forward, r_backward = _forward, _backward, _r_forward, _r_backward


# ---------------------------------------------------------------------------------------------------
# Input checks specific to the network.
# ---------------------------------------------------------------------------------------------------

LayerSlices = namedtuple("LayerSlices", ["W", "b"])
LayerSlices.__doc__ = "Where one layer's weight matrix ``W`` and bias ``b`` sit in the flat vector ``w``."


def _check_vector(a, name, size, dtype=None):
    """Return ``a`` as a finite 1-D float vector of length ``size`` (cast to ``dtype`` if given)."""
    arr = as_float_array(a, name)
    if arr.ndim != 1 or arr.shape[0] != size:
        raise ValueError(f"{name} must be a 1-D vector of length {size} (num_params); got shape {arr.shape}")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return check_finite(arr, name)


class MLP:
    r"""Multilayer perceptron with hand-written gradient, Hessian-vector and Gauss–Newton products.

    Hidden layers use the activation :math:`h`; the output layer is linear, :math:`y = a_L`. All
    parameters live in one flat vector ``w`` (layer by layer: ``W`` row-major, then ``b``); see
    :meth:`unpack`, :meth:`pack` and :meth:`layer_slices`.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_in, n_hidden_1, ..., n_out]``, at least 2 entries, each >= 1 (any depth).
    activation : {"tanh", "sigmoid", "relu", "softplus"}
        Hidden-layer activation. relu uses h'(0) = 0 and h'' = 0 (true almost everywhere).
    loss : {"squared_error", "softmax_cross_entropy"}
        Both are **means over the batch** of N examples:

        - ``"squared_error"``: :math:`E = \frac1N \sum_n \tfrac12 \lVert y_n - t_n \rVert^2`, targets
          ``t`` of shape ``(N, n_out)``; :math:`H_L = \partial^2E/\partial y^2 = \frac1N I`.
        - ``"softmax_cross_entropy"``: :math:`E = \frac1N \sum_n -\log \mathrm{softmax}(y_n)_{t_n}`,
          integer labels of shape ``(N,)`` in ``0 .. n_out-1`` (needs ``n_out >= 2``), computed with a
          shifted log-sum-exp; :math:`H_L = \frac1N (\mathrm{diag}(p) - p p^\top)` per example.

    Notes
    -----
    Computation is done in the dtype of ``w`` (float32 stays float32; integer ``w`` becomes float64);
    ``X``, ``v`` and float targets are cast to it. Saturated units and huge logits stay finite:
    h'(a) = 1 − tanh²(a), a stable sigmoid and softplus (``logaddexp``), a shifted softmax.

    References
    ----------
    B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6 (1994).
    C. M. Bishop, *Pattern Recognition and Machine Learning* (2006), §5.4.6.
    N. N. Schraudolph, "Fast curvature matrix-vector products for second-order gradient descent",
    Neural Computation 14 (2002) (the Gauss–Newton product).

    Examples
    --------
    >>> net = MLP([3, 5, 2], activation="tanh", loss="softmax_cross_entropy")
    >>> w = net.init_params(0)
    >>> X = np.ones((4, 3)); y = np.array([0, 1, 1, 0])
    >>> net.hvp(w, np.ones(net.num_params), X, y).shape
    (32,)
    """

    def __init__(self, layer_sizes, activation="tanh", loss="squared_error"):
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
            raise TypeError(f"layer_sizes must be a sequence of positive integers; got {type(layer_sizes).__name__}")
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes needs at least 2 entries (inputs and outputs); got {list(layer_sizes)}")
        sizes = []
        for s in layer_sizes:
            if isinstance(s, numbers.Integral) and not isinstance(s, bool) and s < 1:
                raise ValueError(f"layer_sizes entries must be >= 1; got {list(layer_sizes)}")
            sizes.append(check_positive_int(s, "layer_sizes entry"))
        self.layer_sizes = tuple(sizes)
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
        self.loss_name = check_choice(loss, "loss", LOSSES)
        if loss == "softmax_cross_entropy" and sizes[-1] < 2:
            raise ValueError(f"layer_sizes: softmax_cross_entropy needs at least 2 outputs; got {sizes[-1]}")
        self._act = ACTIVATIONS[activation]
        self._loss_fn, self._r_delta_fn = _LOSS_FUNCTIONS[loss]
        self._shapes = [((n_out, n_in), (n_out,)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self._slices = []
        start = 0
        for (n_out, n_in), _ in self._shapes:
            sW = slice(start, start + n_out * n_in)
            sb = slice(sW.stop, sW.stop + n_out)
            self._slices.append(LayerSlices(sW, sb))
            start = sb.stop
        #: Number P of parameters (length of ``w``).
        self.num_params = start

    def __repr__(self):
        return (f"MLP({list(self.layer_sizes)}, activation={self.activation!r}, loss={self.loss_name!r})"
                f"  # {self.num_params} parameters")

    # ---- parameters -------------------------------------------------------------------------------

    def init_params(self, rng=None):
        """Random parameters: normal weights, zero biases.

        Std of W of a layer: Glorot, ``sqrt(2 / (n_in + n_out))``, or He, ``sqrt(2 / n_in)``, for layers
        feeding a relu. ``rng`` is an int seed, a ``numpy.random.Generator`` or None (fresh entropy, as in NumPy);
        it is the only argument, so it may be given by position (``net.init_params(0)``).

        Returns
        -------
        w : ndarray, shape (num_params,), float64
        """
        rng = check_rng(rng)
        w = np.zeros(self.num_params)
        L = len(self._shapes)
        for l, (W, _b) in enumerate(self._unpack(w)):
            n_out, n_in = W.shape
            if self.activation == "relu" and l < L - 1:
                std = np.sqrt(2.0 / n_in)
            else:
                std = np.sqrt(2.0 / (n_in + n_out))
            W[...] = rng.normal(0.0, std, size=W.shape)
        return w

    def layer_slices(self):
        """Where each layer's blocks sit in ``w``: a list of ``LayerSlices(W=slice, b=slice)``, one per layer.

        ``w[s.W].reshape(n_out, n_in)`` is the weight matrix, ``w[s.b]`` the bias; use the slice bounds to
        draw the layer blocks of a Hessian heatmap.
        """
        return list(self._slices)

    def _unpack(self, w):
        return [(w[sW].reshape(shW), w[sb]) for (sW, sb), (shW, _) in zip(self._slices, self._shapes)]

    def unpack(self, w):
        """Split the flat vector into per-layer blocks.

        Parameters
        ----------
        w : array_like, shape (num_params,)

        Returns
        -------
        list of (W, b)
            ``W`` of shape ``(n_out, n_in)`` and ``b`` of shape ``(n_out,)`` per layer, views into ``w``
            when ``w`` is already a contiguous float ndarray (writing to them changes ``w``).
        """
        arr = as_float_array(w, "w")
        if arr.ndim != 1 or arr.shape[0] != self.num_params:
            raise ValueError(f"w must be a 1-D vector of length {self.num_params} (num_params); got shape {arr.shape}")
        return self._unpack(arr)

    def pack(self, params):
        """Inverse of :meth:`unpack`: a list of (W, b) per layer → flat vector of shape (num_params,).

        The dtype is the common float dtype of the blocks (float64 for integer blocks).
        """
        if not isinstance(params, (list, tuple)) or len(params) != len(self._shapes):
            raise ValueError(f"params must be a list of {len(self._shapes)} (W, b) pairs, one per layer")
        blocks = []
        for l, (pair, (shW, shb)) in enumerate(zip(params, self._shapes)):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"params[{l}] must be a pair (W, b)")
            W = as_float_array(pair[0], f"params[{l}][0] (W)")
            b = as_float_array(pair[1], f"params[{l}][1] (b)")
            if W.shape != shW or b.shape != shb:
                raise ValueError(f"params[{l}] must have W of shape {shW} and b of shape {shb}; "
                                 f"got {W.shape} and {b.shape}")
            blocks += [W.ravel(), b]
        return np.concatenate(blocks)

    # ---- input checks ------------------------------------------------------------------------------

    def check_params(self, w):
        """Return ``w`` as a finite 1-D float vector of length ``num_params`` (``ValueError`` naming w)."""
        return _check_vector(w, "w", self.num_params)

    _check_w = check_params

    def _check_X(self, X, dtype):
        X = as_float_array(X, "X")
        n_in = self.layer_sizes[0]
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ValueError(f"X must be 2-D of shape (N, {n_in}); got shape {X.shape}")
        if X.shape[0] < 1:
            raise ValueError("X must hold at least one example (row); got 0 rows")
        return check_finite(X.astype(dtype, copy=False), "X")

    def _check_y(self, y, N, dtype):
        n_out = self.layer_sizes[-1]
        if self.loss_name == "squared_error":
            t = as_float_array(y, "y")
            if t.shape != (N, n_out):
                hint = " (reshape it with y.reshape(-1, 1))" if t.shape == (N,) and n_out == 1 else ""
                raise ValueError(f"y (targets) must have shape (N, n_out) = {(N, n_out)} like X's rows; "
                                 f"got {t.shape}{hint}")
            return check_finite(t.astype(dtype, copy=False), "y")
        labels = np.asarray(y)
        if labels.dtype.kind == "f":
            if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
                raise ValueError("y (labels) must be integers 0 .. n_out-1; got non-integer values")
            labels = labels.astype(np.intp)
        elif labels.dtype.kind not in "iu":
            raise TypeError(f"y (labels) must be an integer array; got dtype {labels.dtype}")
        if labels.shape != (N,):
            raise ValueError(f"y (labels) must have shape (N,) = ({N},) like X's rows; got {labels.shape}")
        if N and (labels.min() < 0 or labels.max() >= n_out):
            raise ValueError(f"y (labels) must lie in 0 .. {n_out - 1}; got values in "
                             f"{labels.min()} .. {labels.max()}")
        return labels

    def _check_wXy(self, w, X, y):
        w = self._check_w(w)
        X = self._check_X(X, w.dtype)
        return w, X, self._check_y(y, X.shape[0], w.dtype)

    # ---- passes at a point -------------------------------------------------------------------------

    def _loss_and_grad_pass(self, w, X, y, second):
        """Forward pass, loss, backward pass; returns the pass record and the flat gradient."""
        params = self._unpack(w)
        f = _forward(params, X, self._act, second)
        f.E, delta_out, f.p = self._loss_fn(f.y, y)
        f.N = X.shape[0]
        g = np.empty_like(w)
        f.delta, f.e = _backward(params, f, delta_out, self._unpack(g))
        # h''(a_i) e_i is fixed at the point: form it once, not in every product
        f.d2e = [None if d2 is None else d2 * e for d2, e in zip(f.d2, f.e)]
        return f, g

    def _hvp_from_pass(self, w, v, f):
        params, vparams = self._unpack(w), self._unpack(v)
        Ra_list, Rz_list, Ry = _r_forward(params, vparams, f)            # R{y} = J v
        Hv = np.empty_like(w)
        _r_backward(params, vparams, f, Ra_list, Rz_list, self._r_delta_fn(Ry, f.p), self._unpack(Hv))
        return Hv

    def _gnvp_from_pass(self, w, v, f):
        params, vparams = self._unpack(w), self._unpack(v)
        _, _, Ry = _r_forward(params, vparams, f)                         # R{y} = J v
        Gv = np.empty_like(w)
        _backward(params, f, self._r_delta_fn(Ry, f.p), self._unpack(Gv))  # Jᵀ (H_L J v)
        return Gv

    # ---- the four passes, one layer at a time (chapter 03) -------------------------------------------

    def forward(self, w, X, second=False):
        """Forward pass at ``w`` on rows ``X`` (N, n_in): the per-layer record the other passes read.

        ``a_j = Σ_i w_ji z_i + b_j``, ``z_j = h(a_j)``; the record holds, per layer, its input ``z_in``, and for
        hidden layers ``a``, ``d1 = h'(a)`` and (with ``second``) ``d2 = h''(a)``; ``record.y`` is the output
        (N, n_out). Cost: one layer product per layer.
        """
        w = self.check_params(w)
        return _forward(self._unpack(w), self._check_X(X, w.dtype), self._act, second)

    def backward(self, w, record, delta_out):
        """Backward pass from ``delta_out = ∂E/∂y`` (N, n_out): returns ``∂E/∂w``, shape (P,).

        ``∂E/∂w_ji = Σ_n δ_j z_i``, ``δ_i = h'(a_i) Σ_j w_ji δ_j``. Fills ``record.delta`` and ``record.e`` for
        the R-backward pass. Fed with ``H_L R{y}`` instead of δ it returns the Gauss–Newton product.
        """
        w = self.check_params(w)
        g = np.empty_like(w)
        record.delta, record.e = _backward(self._unpack(w), record, np.asarray(delta_out, dtype=w.dtype),
                                           self._unpack(g))
        record.d2e = [None if d2 is None else d2 * e for d2, e in zip(record.d2, record.e)]
        return g

    def r_forward(self, w, v, record):
        """R-forward pass along ``v`` (P,): returns ``(R{a} per hidden layer, R{z} per layer, R{y} = J v)``."""
        w = self.check_params(w)
        v = _check_vector(v, "v", self.num_params, w.dtype)
        return _r_forward(self._unpack(w), self._unpack(v), record)

    def r_backward(self, w, v, record, Ra, Rz, Rdelta_out):
        """R-backward pass from ``R{δ_out} = H_L R{y}`` (N, n_out): returns ``Hv``, shape (P,).

        Needs a ``record`` that went through :meth:`forward` (with ``second=True``) and :meth:`backward`, and
        the ``Ra``, ``Rz`` of :meth:`r_forward`.
        """
        w = self.check_params(w)
        v = _check_vector(v, "v", self.num_params, w.dtype)
        Hv = np.empty_like(w)
        _r_backward(self._unpack(w), self._unpack(v), record, Ra, Rz, np.asarray(Rdelta_out, dtype=w.dtype),
                    self._unpack(Hv))
        return Hv

    def output_delta(self, record, y):
        """``(E, δ_out = ∂E/∂y, p)`` at the outputs of ``record`` for targets/labels ``y`` (p: softmax or None)."""
        y = self._check_y(y, record.y.shape[0], record.y.dtype)
        return self._loss_fn(record.y, y)

    def r_output_delta(self, Ry, p):
        """``R{δ_out} = H_L R{y}`` for ``Ry = J v`` (N, n_out) and the softmax ``p`` of :meth:`output_delta`."""
        return self._r_delta_fn(Ry, p)

    # ---- the loss on fixed data, as a function of w alone -------------------------------------------

    def objective(self, X, y):
        """The loss on the data ``(X, y)`` as a function of ``w`` alone: an :class:`MLPObjective`.

        ``X`` and ``y`` are checked once, here (``ValueError``/``TypeError`` naming them); each method then
        takes only ``w`` (and a direction ``v``): ``loss(w)``, ``grad(w)``, ``loss_and_grad(w)``, ``hvp(w, v)``,
        ``gnvp(w, v)``, ``hessian_operator(w)``, ``ggn_operator(w)``, with the same results as the methods of
        the same names here.
        """
        return MLPObjective(self, X, y)

    # ---- public maths ------------------------------------------------------------------------------

    def predict(self, w, X):
        """Network outputs ``y`` (logits for cross-entropy), shape ``(N, n_out)``, dtype of ``w``."""
        w = self._check_w(w)
        X = self._check_X(X, w.dtype)
        return _forward(self._unpack(w), X, self._act, second=False).y

    def loss(self, w, X, y):
        """Loss E(w) (a mean over the N rows of X; see the class docstring). Cost: one forward pass.

        Parameters
        ----------
        w : array_like, shape (P,)
        X : array_like, shape (N, n_in)
        y : array_like, shape (N, n_out) targets (squared error) or (N,) integer labels (cross-entropy)

        Returns
        -------
        E : numpy scalar of w's dtype
        """
        return self._loss_at(*self._check_wXy(w, X, y))

    def _loss_at(self, w, X, y):
        E = self._loss_fn(_forward(self._unpack(w), X, self._act, second=False).y, y)[0]
        return w.dtype.type(E)

    def grad(self, w, X, y):
        """Gradient ∇E(w) by backpropagation: ∂E/∂w_ji = Σ_n δ_j z_i.

        Cost: one forward and one backward pass (the unit of the cost ratios). Arguments as :meth:`loss`.

        Returns
        -------
        g : ndarray, shape (P,), dtype of w
        """
        w, X, y = self._check_wXy(w, X, y)
        return self._loss_and_grad_pass(w, X, y, second=False)[1]

    def _hvp_at(self, w, v, X, y):
        v = _check_vector(v, "v", self.num_params, w.dtype)
        f, _ = self._loss_and_grad_pass(w, X, y, second=True)
        return self._hvp_from_pass(w, v, f)

    def _gnvp_at(self, w, v, X, y):
        v = _check_vector(v, "v", self.num_params, w.dtype)
        f = _forward(self._unpack(w), X, self._act, second=False)
        f.E, _, f.p = self._loss_fn(f.y, y)
        return self._gnvp_from_pass(w, v, f)

    def _operator_at(self, w, X, y, kind):
        w, X = w.copy(), X.copy()              # the cache must not change if the caller's arrays do
        if kind == "Hessian":
            f, g = self._loss_and_grad_pass(w, X, y, second=True)
            return CurvatureOperator(self._hvp_from_pass, w, f, g, "Hessian")
        f, g = self._loss_and_grad_pass(w, X, y, second=False)
        return CurvatureOperator(self._gnvp_from_pass, w, f, g, "Gauss-Newton")

    def hvp(self, w, v, X, y):
        r"""Exact Hessian-vector product :math:`Hv = R\{\nabla E\}` (Pearlmutter's R-operator).

        Forward, backward, R-forward and R-backward pass (see the module docstring for the equations).
        Cost: about 2.3–2.9 gradients (≈ 4 layer products for the first layer, 9 for the others,
        against 2 and 3 for a gradient); no P×P matrix is formed.

        Parameters
        ----------
        w, v : array_like, shape (P,)
            Point and direction (``v`` is cast to w's dtype).
        X, y : as in :meth:`loss`

        Returns
        -------
        Hv : ndarray, shape (P,), dtype of w
        """
        w, X, y = self._check_wXy(w, X, y)
        return self._hvp_at(w, v, X, y)

    def gnvp(self, w, v, X, y):
        r"""Generalised Gauss–Newton product :math:`Gv = J^\top H_L J v` (Schraudolph 2002).

        :math:`J = \partial y / \partial w` is the Jacobian of the network outputs (all N rows) and
        :math:`H_L = \partial^2 E / \partial y^2` (see the class docstring), so G is positive semidefinite
        for both losses. Computed as an R-forward pass (:math:`Jv = R\{y\}`), then the ordinary backward
        pass fed with :math:`H_L R\{y\}` instead of δ. Cost: about 1.5 gradients. Arguments and result
        as :meth:`hvp`.
        """
        w, X, y = self._check_wXy(w, X, y)
        return self._gnvp_at(w, v, X, y)

    # ---- operators at a fixed point ----------------------------------------------------------------

    def hessian_operator(self, w, X, y):
        """The Hessian at ``w`` as a ``LinearOperator`` that caches the forward and backward pass.

        Each product redoes only the R-forward and R-backward pass: about 1.3–2 gradients. Building it
        costs one gradient (available as ``.gradient``, with the loss as ``.loss_value``).

        Returns
        -------
        CurvatureOperator
            shape (P, P), dtype of w, symmetric; ``n_matvec`` counts the products made.
        """
        return self._operator_at(*self._check_wXy(w, X, y), "Hessian")

    def ggn_operator(self, w, X, y):
        """The Gauss–Newton matrix ``G = Jᵀ H_L J`` at ``w`` as a cached ``LinearOperator`` (PSD).

        Each product costs an R-forward pass and a backward pass (about 1–1.5 gradients). Returns a
        :class:`CurvatureOperator` as :meth:`hessian_operator` does (with ``.gradient`` and ``.loss_value``).
        """
        return self._operator_at(*self._check_wXy(w, X, y), "Gauss-Newton")

    def hessian(self, w, X, y):
        """Dense Hessian, shape (P, P), dtype of w, built column by column as H e_i — **small P only**.

        P products from the cached :meth:`hessian_operator` (time ~P gradients, memory P² numbers), meant
        for the block heatmaps of chapter 05 (a few thousand parameters at most). Not symmetrised: the
        asymmetry shows the rounding error.
        """
        H_op = self.hessian_operator(w, X, y)
        P = self.num_params
        H = np.empty((P, P), dtype=H_op.dtype)
        e = np.zeros(P, dtype=H_op.dtype)
        for i in range(P):
            e[i] = 1
            H[:, i] = H_op.matvec(e)
            e[i] = 0
        return H


class MLPObjective:
    """The loss E(w) of an :class:`MLP` on fixed rows ``X`` (N, n_in) and targets/labels ``y``.

    Made by :meth:`MLP.objective`. ``X`` and ``y`` are checked once; every method takes the parameters
    ``w`` (P,) and works in w's dtype, exactly as the :class:`MLP` method of the same name with ``X, y``:

    ===============================  =============================================  ================
    method                           returns                                        cost (gradients)
    ===============================  =============================================  ================
    ``loss(w)``                      E(w), a scalar of w's dtype                    ≈ 0.5
    ``grad(w)``                      ∇E(w), shape (P,)                              1
    ``loss_and_grad(w)``             (E(w) as a float, ∇E(w)) from one pass         1
    ``hvp(w, v)``                    H(w) v, shape (P,)                             2.3–2.9
    ``gnvp(w, v)``                   G(w) v = Jᵀ H_L J v, shape (P,)                ≈ 1.5
    ``hessian_operator(w)``          H(w) as a cached :class:`CurvatureOperator`    1 to build
    ``ggn_operator(w)``              G(w) as a cached :class:`CurvatureOperator`    1 to build
    ===============================  =============================================  ================

    Attributes: ``model``, ``X`` (float, finite), ``y`` (float targets or integer labels), ``N`` (rows).
    """

    def __init__(self, model, X, y):
        self.model = check_mlp(model)
        X = as_float_array(X, "X")
        self.X = model._check_X(X, X.dtype)
        y_dtype = as_float_array(y, "y").dtype if model.loss_name == "squared_error" else X.dtype
        self.y = model._check_y(y, self.X.shape[0], y_dtype)
        self.N = self.X.shape[0]

    def __repr__(self):
        return f"MLPObjective({self.model!r}, N={self.N})"

    def _at(self, w):
        """``w`` checked, with ``X`` and float targets in w's dtype (as ``MLP._check_wXy`` casts them)."""
        w = self.model.check_params(w)
        X, y = self.X, self.y
        if X.dtype != w.dtype:
            X = X.astype(w.dtype)
        if y.dtype.kind == "f" and y.dtype != w.dtype:
            y = y.astype(w.dtype)
        return w, X, y

    def loss(self, w):
        """E(w), a scalar of w's dtype. Cost: one forward pass."""
        return self.model._loss_at(*self._at(w))

    def loss_and_grad(self, w):
        """``(E(w), ∇E(w))`` from one forward and one backward pass; E a float, ∇E of shape (P,)."""
        f, g = self.model._loss_and_grad_pass(*self._at(w), second=False)
        return float(f.E), g

    def grad(self, w):
        """∇E(w), shape (P,), dtype of w. Cost: one gradient."""
        return self.model._loss_and_grad_pass(*self._at(w), second=False)[1]

    def hvp(self, w, v):
        """H(w) v, shape (P,), by the four passes (see :meth:`MLP.hvp`)."""
        w, X, y = self._at(w)
        return self.model._hvp_at(w, v, X, y)

    def gnvp(self, w, v):
        """G(w) v = Jᵀ H_L J v, shape (P,) (see :meth:`MLP.gnvp`)."""
        w, X, y = self._at(w)
        return self.model._gnvp_at(w, v, X, y)

    def hessian_operator(self, w):
        """H(w) as a cached (P, P) :class:`CurvatureOperator` (see :meth:`MLP.hessian_operator`)."""
        return self.model._operator_at(*self._at(w), "Hessian")

    def ggn_operator(self, w):
        """G(w) as a cached (P, P) :class:`CurvatureOperator` (see :meth:`MLP.ggn_operator`)."""
        return self.model._operator_at(*self._at(w), "Gauss-Newton")


def check_mlp(model, name="model"):
    """Return ``model`` if it is an :class:`MLP`; otherwise raise ``TypeError`` naming ``name``."""
    if not isinstance(model, MLP):
        raise TypeError(f"{name} must be an hvplib.MLP; got {type(model).__name__}")
    return model


class CurvatureOperator(CountedLinearOperator):
    """A symmetric curvature matrix (Hessian or Gauss–Newton) at a fixed point, as a LinearOperator.

    Made by :meth:`MLP.hessian_operator` and :meth:`MLP.ggn_operator`; works with ``@``, ``matvec``,
    ``scipy.sparse.linalg.cg`` / ``eigsh`` and ``scipy.optimize.minimize(hessp=...)``.

    Attributes
    ----------
    n_matvec : int
        Number of matrix-vector products made so far (a matrix product counts its columns).
    gradient : ndarray, shape (P,)
        ∇E at the point. ``loss_value``: E at the point. ``kind``: "Hessian" or "Gauss-Newton".
    """

    def __init__(self, product, w, cache, gradient, kind):
        super().__init__(w.dtype, w.size)
        self._pass, self._w, self._cache = product, w, cache
        self.gradient, self.loss_value, self.kind = gradient, w.dtype.type(cache.E), kind

    def _as_direction(self, v):
        return _check_vector(np.ravel(v), "v", self.shape[0], self.dtype)

    def _product(self, v):
        return self._pass(self._w, v, self._cache)

    def __repr__(self):
        return f"<{self.shape[0]}x{self.shape[1]} {self.kind} CurvatureOperator, dtype={self.dtype}, n_matvec={self.n_matvec}>"
