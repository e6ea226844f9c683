"""The old path ``hvplib.fd_study``, kept so that ``hv.fd_study.<name>`` keeps working in notebooks and outside
code; its names now live in :mod:`hvplib.course.fd_study`, :mod:`hvplib.views.hvp`.
"""
from .course.fd_study import *  # noqa: F403
from .views.hvp import *  # noqa: F403
from .course import fd_study as _course_fd_study
from .views import hvp as _views_hvp

__all__ = [*_course_fd_study.__all__, *_views_hvp.__all__]
