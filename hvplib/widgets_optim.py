"""The old path ``hvplib.widgets_optim``, kept so that ``hv.widgets_optim.<name>`` keeps working in notebooks and
outside code; its names now live in :mod:`hvplib.views.optim`, :mod:`hvplib.course.conditioning`.
"""
from .views.optim import *  # noqa: F403
from .course.conditioning import *  # noqa: F403
from .views import optim as _views_optim
from .course import conditioning as _course_conditioning

__all__ = [*_views_optim.__all__, *_course_conditioning.__all__]
