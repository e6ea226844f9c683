"""The old path ``hvplib.costs``, kept so that ``hv.costs.<name>`` keeps working in notebooks and outside code;
its names now live in :mod:`hvplib.course.costs`.
"""
from .course.costs import *  # noqa: F403
from .course import costs as _course_costs

__all__ = [*_course_costs.__all__]
