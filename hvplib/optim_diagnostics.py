"""The old path ``hvplib.optim_diagnostics``, kept so that ``hv.optim_diagnostics.<name>`` keeps working in
notebooks and outside code; its names now live in :mod:`hvplib.course.optim_diagnostics`.
"""
from .course.optim_diagnostics import *  # noqa: F403
from .course import optim_diagnostics as _course_optim_diagnostics

__all__ = [*_course_optim_diagnostics.__all__]
