"""The old path ``hvplib.applications``, kept so that ``hv.applications.<name>`` keeps working in notebooks and
outside code; its names now live in :mod:`hvplib.course.physics`, :mod:`hvplib.course.economics`,
:mod:`hvplib.course.statistics`, :mod:`hvplib.course.influence`, :mod:`hvplib.views.applications`.
"""
from .course.physics import *  # noqa: F403
from .course.economics import *  # noqa: F403
from .course.statistics import *  # noqa: F403
from .course.influence import *  # noqa: F403
from .views.applications import *  # noqa: F403
from .course import physics as _course_physics
from .course import economics as _course_economics
from .course import statistics as _course_statistics
from .course import influence as _course_influence
from .views import applications as _views_applications

__all__ = [*_course_physics.__all__, *_course_economics.__all__, *_course_statistics.__all__, *_course_influence.__all__, *_views_applications.__all__]
