"""The old path ``hvplib.analysis``, kept so that ``hv.analysis.<name>`` keeps working in notebooks and outside
code; its names now live in :mod:`hvplib.course.analysis`.
"""
from .course.analysis import *  # noqa: F403
from .course import analysis as _course_analysis

__all__ = [*_course_analysis.__all__]
