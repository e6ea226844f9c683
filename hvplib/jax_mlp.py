r"""The network of :class:`hvplib.MLP` written in JAX, and its Hessian-vector products by JAX's transformations.

Same flat parameter layout (layer by layer, ``W`` row-major then ``b``), activations and batch-mean losses as
:mod:`hvplib.nn`, so the two libraries can be checked against each other entry by entry:

=========================  ================================================  ==============================
``method``                 JAX                                               the hand-written counterpart
=========================  ================================================  ==============================
``forward_over_reverse``   ``jax.jvp(jax.grad(f), (w,), (v,))[1]``          :meth:`MLP.hvp` (R-operator)
``reverse_over_reverse``   ``jax.grad(lambda w: jnp.vdot(jax.grad(f)(w), v))``  (no counterpart: 2 reverse sweeps)
``linearize``              ``jax.linearize(jax.grad(f), w)[1]`` (cached)     :meth:`MLP.hessian_operator`
=========================  ================================================  ==============================

JAX computes in float32 unless ``jax.config.update("jax_enable_x64", True)`` ran first; these functions refuse
float64 work without it (``RuntimeError``) rather than round silently. JAX is imported only when called.
"""
from .nn import check_mlp

__all__ = ["JAX_HVP_METHODS", "require_x64", "jax_loss", "jax_hvp", "jax_linearized_hvp"]

JAX_HVP_METHODS = ("forward_over_reverse", "reverse_over_reverse")

_ACTIVATIONS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "softplus": "softplus"}


def require_x64():
    """Raise ``RuntimeError`` unless JAX's 64-bit mode is on (``jax.config.update("jax_enable_x64", True)``)."""
    import jax

    if not jax.config.read("jax_enable_x64"):
        raise RuntimeError('JAX is in 32-bit mode: run jax.config.update("jax_enable_x64", True) first '
                           "(before creating any JAX array) to compare with hvplib in float64")


def jax_loss(model, X, y):
    r"""The loss of ``model`` on ``(X, y)`` as a JAX function of the flat float64 parameters: ``f(w) -> scalar``.

    ``X`` (N, n_in) and ``y`` (labels (N,) or targets (N, n_out)) are captured as constants.
    """
    import jax
    import jax.numpy as jnp

    check_mlp(model)
    require_x64()
    shapes = [(s, (n_out, n_in)) for s, n_in, n_out in zip(model.layer_slices(), model.layer_sizes[:-1],
                                                             model.layer_sizes[1:])]
    act = getattr(jax.nn, _ACTIVATIONS[model.activation]) if model.activation != "tanh" else jnp.tanh
    Xj = jnp.asarray(X, dtype=jnp.float64)
    softmax = model.loss_name == "softmax_cross_entropy"
    yj = jnp.asarray(y) if softmax else jnp.asarray(y, dtype=jnp.float64)

    def f(w):
        z = Xj
        for l, (s, shape) in enumerate(shapes):
            a = z @ w[s.W].reshape(shape).T + w[s.b]          # a_j = Σ_i w_ji z_i + b_j
            z = a if l == len(shapes) - 1 else act(a)
        if softmax:
            logp = jax.nn.log_softmax(z, axis=1)
            return -jnp.mean(jnp.take_along_axis(logp, yj[:, None], axis=1))
        return 0.5 * jnp.sum((z - yj) ** 2) / z.shape[0]

    return f


def jax_hvp(f, method="forward_over_reverse"):
    """A jitted ``(w, v) -> H(w) v`` for a JAX scalar function ``f`` (``method`` in :data:`JAX_HVP_METHODS`)."""
    import jax
    import jax.numpy as jnp

    if method == "forward_over_reverse":
        return jax.jit(lambda w, v: jax.jvp(jax.grad(f), (w,), (v,))[1])
    if method == "reverse_over_reverse":
        return jax.jit(lambda w, v: jax.grad(lambda u: jnp.vdot(jax.grad(f)(u), v))(w))
    raise ValueError(f"method must be one of {JAX_HVP_METHODS}; got {method!r}")


def jax_linearized_hvp(f, w):
    """``jax.linearize`` of ``jax.grad(f)`` at ``w``: ``(∇f(w), jitted v -> H(w) v)`` with the forward work cached."""
    import jax

    g, hvp_at_w = jax.linearize(jax.grad(f), w)
    return g, jax.jit(hvp_at_w)
