"""The old path ``hvplib.plotting_optim``, kept so that ``hv.plotting_optim.<name>`` keeps working in notebooks
and outside code; its names now live in :mod:`hvplib.views.optim`.
"""
from .views.optim import *  # noqa: F403
from .views import optim as _views_optim

__all__ = [*_views_optim.__all__]
