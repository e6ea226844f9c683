r"""Sharpness-aware minimisation's gradient (Foret et al. 2021) and its first-order expansion — an HVP.

SAM minimises :math:`\max_{\|\epsilon\| \le \rho} E(w + \epsilon)`; to first order the maximiser is
:math:`\hat\epsilon = \rho\, g/\|g\|` (:math:`g = \nabla E(w)`), and SAM descends along
:math:`\nabla E(w + \hat\epsilon)`. Expanding that gradient once more,

.. math:: \nabla E(w + \hat\epsilon) = g + \rho\,\frac{H g}{\|g\|} + O(\rho^2),

so SAM is gradient descent plus a Hessian-vector product along the gradient: it pushes away from directions of
high curvature along :math:`g`. Both routines take an objective with ``grad`` (and ``hessian_operator`` for the
expansion), e.g. an :class:`hvplib.nn.MLPObjective`.
"""
import numpy as np

from ._checks import check_positive

__all__ = ["sam_perturbation", "sam_gradient", "sam_gradient_first_order"]


def sam_perturbation(g, rho):
    r"""SAM's ascent step :math:`\hat\epsilon = \rho\, g / \|g\|`, shape of ``g``; ``ValueError`` if ``g = 0``."""
    rho = check_positive(rho, "rho")
    norm = np.linalg.norm(g)
    if not norm > 0:
        raise ValueError("g (the gradient) is zero: SAM's ascent direction g/‖g‖ is undefined")
    return rho * g / norm


def sam_gradient(obj, w, rho):
    r""":math:`\nabla E(w + \rho g/\|g\|)`, shape (P,). Cost: 2 gradients."""
    return obj.grad(w + sam_perturbation(obj.grad(w), rho))


def sam_gradient_first_order(obj, w, rho):
    r""":math:`g + \rho\, H g / \|g\|`, shape (P,): the SAM gradient to first order in ρ (error O(ρ²)).

    Cost: the cached Hessian operator (1 gradient, which it returns) and one product.
    """
    op = obj.hessian_operator(w)
    g = op.gradient
    return g + op.matvec(sam_perturbation(g, rho))
