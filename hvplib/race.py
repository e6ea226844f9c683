"""The old path ``hvplib.race``, kept so that ``hv.race.<name>`` keeps working in notebooks and outside code; its
names now live in :mod:`hvplib.course.race`.
"""
from .course.race import *  # noqa: F403
from .course import race as _course_race

__all__ = [*_course_race.__all__]
