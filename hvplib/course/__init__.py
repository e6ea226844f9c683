"""The course layer: the computations behind each chapter, one module per topic, compute only.

It builds on the core (``hvplib.hvp``, ``operator``, ``nn``, ``krylov``, ``optimize``) and never
imports :mod:`hvplib.views`; the figures and explorers of each chapter live there.

=====================  ========  ================================================================
module                 chapter   what it computes
=====================  ========  ================================================================
``analysis``           01–02     eigen-axes, definiteness, the second-derivative test, the model
``costs``              03        memory and flop models, HVP timings
``fd_study``           03        the finite-difference error as a function of ε
``conditioning``       04        steepest descent's rate on an ill-conditioned quadratic
``race``               04        optimizer races with every call counted (ours and SciPy's)
``optim_diagnostics``  04        CG iterations per Newton step
``landscape``          05        block Hessians, sharpness during training, batch norm, broadening
``physics``            06        equilibria and normal modes
``economics``          06        the bordered Hessian, constrained optima
``statistics``         06        standard errors, the bootstrap, the Laplace approximation
``influence``          06        influence functions by CG on Hessian-vector products
``lab``                07        gradient descent against Hessian-free training of one network
``lab_baselines``      07        momentum and L-BFGS with the same books, runs compared at equal budgets
=====================  ========  ================================================================
"""
from . import (analysis, conditioning, costs, economics, fd_study, influence, lab, lab_baselines, landscape,
               optim_diagnostics, physics, race, statistics)

__all__ = ["analysis", "conditioning", "costs", "economics", "fd_study", "influence", "lab", "lab_baselines", "landscape",
           "optim_diagnostics", "physics", "race", "statistics"]
