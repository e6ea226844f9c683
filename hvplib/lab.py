"""The old path ``hvplib.lab``, kept so that ``hv.lab.<name>`` keeps working in notebooks and outside code; its
names now live in :mod:`hvplib.course.lab`, :mod:`hvplib.views.lab`.
"""
from .course.lab import *  # noqa: F403
from .views.lab import *  # noqa: F403
from .course import lab as _course_lab
from .views import lab as _views_lab

__all__ = [*_course_lab.__all__, *_views_lab.__all__]
