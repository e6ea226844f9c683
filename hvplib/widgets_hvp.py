"""The old path ``hvplib.widgets_hvp``, kept so that ``hv.widgets_hvp.<name>`` keeps working in notebooks and
outside code; its names now live in :mod:`hvplib.views.hvp`.
"""
from .views.hvp import *  # noqa: F403
from .views import hvp as _views_hvp

__all__ = [*_views_hvp.__all__]
