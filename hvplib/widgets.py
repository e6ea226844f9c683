"""The old path ``hvplib.widgets``, kept so that ``hv.widgets.<name>`` keeps working in notebooks and outside
code; its names now live in :mod:`hvplib.views.widgets`.
"""
from .views.widgets import *  # noqa: F403
from .views import widgets as _views_widgets

__all__ = [*_views_widgets.__all__]
