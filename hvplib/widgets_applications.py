"""The old path ``hvplib.widgets_applications``, kept so that ``hv.widgets_applications.<name>`` keeps working in
notebooks and outside code; its names now live in :mod:`hvplib.views.applications`.
"""
from .views.applications import *  # noqa: F403
from .views import applications as _views_applications

__all__ = [*_views_applications.__all__]
