"""The old path ``hvplib.plotting_landscape``, kept so that ``hv.plotting_landscape.<name>`` keeps working in
notebooks and outside code; its names now live in :mod:`hvplib.views.landscape`.
"""
from .views.landscape import *  # noqa: F403
from .views import landscape as _views_landscape

__all__ = [*_views_landscape.__all__]
