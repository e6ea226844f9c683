"""The views layer: figures and interactive explorers, per chapter, in one course style.

It may import the core and :mod:`hvplib.course`; nothing below it imports it. Every figure draws
into an ``ax`` (or a ``Figure``) you pass in; every explorer is wired by :func:`widgets.connect`
into a :func:`widgets.new_figure`, so that a static export keeps the figure for the default values.

============  ========  ==================================================================
module        chapter   what it draws
============  ========  ==================================================================
``plotting``  01–02     the course style (Okabe–Ito), surfaces, contours, eigen-axes, models
``widgets``   02        ``new_figure``, ``connect``; the Hessian and Taylor explorers
``hvp``       03        the finite-difference V-curves and the ε explorer
``optim``     04        optimizer paths, convergence against cost, CG iterations, κ explorer
``landscape`` 05        block Hessians, spectral densities, sharpness; the σ explorer
``applications`` 06     normal modes, Laplace; the spring-chain and Laplace explorers
``lab``       07        the step size against 2/λ_max, figure and explorer
``curvature`` 08        Hutchinson's diagonal as probes accumulate, figure and explorer
============  ========  ==================================================================
"""
from . import applications, curvature, hvp, lab, landscape, optim, plotting, widgets

__all__ = ["applications", "curvature", "hvp", "lab", "landscape", "optim", "plotting", "widgets"]
