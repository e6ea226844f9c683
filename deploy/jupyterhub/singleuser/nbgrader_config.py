"""nbgrader settings for every single-user server of the hub (on JUPYTER_CONFIG_PATH, see ../jupyterhub_config.py).

The hub sets, per user: JUPYTERHUB_USER (the hub login), HVP_COURSE_ROLE (``student`` or ``instructor``),
HVP_EXCHANGE_ROOT (the shared exchange folder) and, for instructors, HVP_COURSE_ROOT (the nbgrader course).
The instructor's command-line tools (``python deploy/jupyterhub/hubctl.py nbgrader ...``) set the same.
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets)

c.CourseDirectory.course_id = "beyond-the-gradient"
c.Exchange.root = os.environ.get("HVP_EXCHANGE_ROOT", "/srv/nbgrader/exchange")

if os.environ.get("HVP_COURSE_ROLE") == "instructor":
    if os.environ.get("HVP_COURSE_ROOT"):
        c.CourseDirectory.root = os.environ["HVP_COURSE_ROOT"]
    # Every server runs as the same unix user here (SimpleLocalProcessSpawner): the owner of a submission
    # cannot tell students apart, so do not cross-check it. With one unix account per student
    # (SystemdSpawner + PAM, or containers with distinct uids) set this back to True.
    c.ExchangeCollect.check_owner = False
else:
    # A student's submissions are filed under the hub login, not the (shared) unix user name.
    user = os.environ.get("JUPYTERHUB_USER")
    if user:
        c.CourseDirectory.student_id = user
