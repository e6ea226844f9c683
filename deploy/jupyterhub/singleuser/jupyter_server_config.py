"""Jupyter server settings for every single-user server of the hub (on JUPYTER_CONFIG_PATH).

- jupyter_lsp is off: no language servers are installed, and it runs ``npm prefix --global`` at every start
  (measured: a server starts in 3-4 s instead of 7-9 s).
- Students get nbgrader's assignment list (fetch / submit) but not the instructor's formgrader or course list
  (their lab side is switched off in student/labconfig/page_config.json, on students' JUPYTER_CONFIG_PATH only).
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets)

extensions = {"jupyter_lsp": False}
if os.environ.get("HVP_COURSE_ROLE") != "instructor":
    extensions.update({
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
    })
c.ServerApp.jpserver_extensions = extensions

