"""The old path ``hvplib.plotting``, kept so that ``hv.plotting.<name>`` keeps working in notebooks and outside
code; its names now live in :mod:`hvplib.views.plotting`.
"""
from .views.plotting import *  # noqa: F403
from .views import plotting as _views_plotting

__all__ = [*_views_plotting.__all__]
