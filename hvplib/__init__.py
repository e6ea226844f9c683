"""hvplib — Hessians and Hessian-vector products for the course *Beyond the Gradient*.

Three layers: the core (this package's top-level modules ``hvp``, ``operator``, ``nn``, ``problems``,
``data``, chapter 08's ``fisher``, ``kfac``, ``sam``, ``stochastic``, ``hypergradient``, ``training`` and
``jax_mlp``, and the subpackages ``krylov`` and ``optimize``), the chapter computations in
:mod:`hvplib.course`, and the figures and explorers in :mod:`hvplib.views`. The other top-level
modules (``hvplib.lab``, ``hvplib.plotting``, …) are the old paths, re-exporting the new ones.

The public names below are a contract that the notebooks and exercises rely on.
"""
from .hvp import (
    fd_hvp,
    gradient,
    hessian,
    hvp,
    hvp_explicit,
    hvp_finite_difference,
    hvp_forward_over_reverse,
    hvp_reverse_over_reverse,
    default_eps,
    HVP_METHODS,
)
from .hvp_routes import hvp_complex_step, hvp_reverse_over_forward
from .operator import HessianOperator

from .nn import MLP, CurvatureOperator
from .krylov import cg, power_iteration, lanczos, hutchinson_trace, hutchpp_trace, hutchinson_diagonal, spectral_density
from .optimize import OptimizeResult, gradient_descent, hessp, newton, newton_cg
from . import problems, data, report
# chapter 08: curvature in training (core modules; jax_mlp imports JAX only when called)
from . import fisher, kfac, sam, hypergradient, stochastic, training, jax_mlp
from . import course, views
# the old module paths, as the notebooks use them (hv.plotting, hv.lab, …)
from . import analysis, plotting, widgets
from . import costs, fd_study, widgets_hvp
from . import race, optim_diagnostics, plotting_optim, widgets_optim
from . import applications, widgets_applications
from . import landscape, plotting_landscape, widgets_landscape
from . import lab

__version__ = "0.1.0"
