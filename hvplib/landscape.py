"""The old path ``hvplib.landscape``, kept so that ``hv.landscape.<name>`` keeps working in notebooks and outside
code; its names now live in :mod:`hvplib.course.landscape`.
"""
from .course.landscape import *  # noqa: F403
from .course import landscape as _course_landscape

__all__ = [*_course_landscape.__all__]
