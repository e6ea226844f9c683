"""nbgrader settings for every single-user server of the hub (on JUPYTER_CONFIG_PATH, see ../jupyterhub_config.py).

The hub sets, per user: HVP_COURSE_ROLE (``student`` or ``instructor``), HVP_EXCHANGE_ROOT (the shared exchange
folder) and, for instructors, HVP_COURSE_ROOT (the nbgrader course). The instructor's command-line tools
(``python deploy/jupyterhub/hubctl.py nbgrader ...``) set the same.

A student's id is nbgrader's default, the unix account the server runs as (``btg-<login>``). Nothing here
trusts it: a student can change their own configuration or environment to claim another id, and the
instructor's collect takes a submission only from the account that owns its files (check_owner, and
hub_exchange.OwnerCheckedCollect, which refuses rather than warns).
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets)

c.CourseDirectory.course_id = "beyond-the-gradient"
c.Exchange.root = os.environ.get("HVP_EXCHANGE_ROOT", "/srv/nbgrader/exchange")

if os.environ.get("HVP_COURSE_ROLE") == "instructor":
    if os.environ.get("HVP_COURSE_ROOT"):
        c.CourseDirectory.root = os.environ["HVP_COURSE_ROOT"]
    c.ExchangeCollect.check_owner = True
    c.ExchangeFactory.collect = "hub_exchange.OwnerCheckedCollect"
