"""JupyterHub configuration for a class of *Beyond the Gradient* on one machine.

Start it with ``python deploy/jupyterhub/hubctl.py start`` (or ``make hub``); see README.md in this folder.
Everything it writes goes to the state folder ``$HVP_HUB_STATE`` (default ``build/hub/``, ignored by git).

What it sets up:
- the hub and its proxy (configurable-http-proxy 5.3.0, installed here by ``npm ci``) on ``$HVP_HUB_IP``
  (default 127.0.0.1: loopback only) and ports ``$HVP_HUB_PORT`` / ``$HVP_HUB_API_PORT`` / ``$HVP_PROXY_API_PORT``
  (default 8000 / 8081 / 8001);
- one JupyterLab server per user, running this course environment (the venv the hub runs from: numpy, autograd,
  hvplib, nbgrader, ...), its home in ``<state>/home/<user>`` with a copy of the chapters in ``~/notebooks``;
- nbgrader's exchange in ``<state>/exchange``: students fetch and submit from JupyterLab's Assignments tab
  (their submissions are filed under their hub login), the instructors (``$HVP_HUB_INSTRUCTORS``, default
  ``instructor``: hub admins) get the formgrader and the course folder ``<state>/course`` (``~/course``);
- a service ``course-admin`` whose token (``<state>/course-admin.token``) drives the REST API for hubctl.py.

Two places to change for a real class are marked  >>> REAL DEPLOYMENT <<<  below: the authenticator and the
spawner.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubctl  # noqa: E402  (this folder: paths and settings shared with the lecturer's commands)

c = get_config()  # noqa: F821  (provided by traitlets)

where = hubctl.init_state()
public_port, hub_port, proxy_api_port = hubctl.ports()
ip = hubctl.ip()

# ---------------------------------------------------------------------------------------------------
# The hub, its database and secrets, and the proxy
# ---------------------------------------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{ip}:{public_port}"
c.JupyterHub.hub_bind_url = f"http://{ip}:{hub_port}"
c.JupyterHub.db_url = f"sqlite:///{where['db']}"
c.JupyterHub.cookie_secret_file = str(where["cookie_secret"])
c.JupyterHub.pid_file = str(where["hub_pid"])

c.ConfigurableHTTPProxy.command = [str(hubctl.PROXY)]
c.ConfigurableHTTPProxy.api_url = f"http://{ip}:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = str(where["proxy_pid"])
# The hub stops its proxy and every user's server when it stops (the defaults, stated for the reader).
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.cleanup_servers = True

# ---------------------------------------------------------------------------------------------------
# Who can log in                                                        >>> REAL DEPLOYMENT <<<
# ---------------------------------------------------------------------------------------------------
# DummyAuthenticator lets anybody in under any name without a password: for the end-to-end test and a
# first look on a laptop only (the hub listens on loopback by default). For a class, replace these lines, e.g.
#   c.JupyterHub.authenticator_class = "oauthenticator.GitHubOAuthenticator"   # or GenericOAuthenticator (SSO),
#   c.GitHubOAuthenticator.oauth_callback_url = "https://hub.example.org/hub/oauth_callback"   # LDAPAuthenticator,
#   c.Authenticator.allowed_users = {"alice", "bob", ...}                  # 'pam' (the machine's unix accounts)
#   c.Authenticator.allow_all = False
# and put the hub behind HTTPS (c.JupyterHub.ssl_cert / ssl_key, or a reverse proxy).
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.Authenticator.admin_users = hubctl.instructors()

# The lecturer's service account for the REST API (hubctl.py add-students, the end-to-end test).
c.JupyterHub.services = [{"name": hubctl.ADMIN_SERVICE, "api_token": hubctl.admin_token()}]
c.JupyterHub.load_roles = [{
    "name": hubctl.ADMIN_SERVICE,
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"],
    "services": [hubctl.ADMIN_SERVICE],
}]

# ---------------------------------------------------------------------------------------------------
# The users' servers                                                    >>> REAL DEPLOYMENT <<<
# ---------------------------------------------------------------------------------------------------
# SimpleLocalProcessSpawner runs every user's server as the unix user running the hub, with its own HOME:
# fine for the test and a trusted group; it does not isolate students from each other. For a class:
# - one machine, real unix accounts: SystemdSpawner (pip install jupyterhub-systemdspawner) with
#   c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner", c.SystemdSpawner.mem_limit = "1G",
#   c.SystemdSpawner.cpu_limit = 1.0, the 'pam' authenticator, and the exchange in /srv/nbgrader/exchange
#   (mode 1777); nbgrader then knows each student from the unix user, check_owner can stay True;
# - containers: DockerSpawner with an image built from requirements.txt + requirements-grading.txt + this repo,
#   the exchange as a shared volume mounted at the same path in every container;
# - Kubernetes: zero-to-jupyterhub (the JupyterHub Helm chart) with that image in singleuser.image, the
#   exchange on a ReadWriteMany volume (NFS) in singleuser.storage.extraVolumes/extraVolumeMounts, and the
#   environment below in singleuser.extraEnv.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(where["home"] / "{username}")
c.Spawner.ip = ip
c.Spawner.cmd = [os.path.join(os.path.dirname(sys.executable), "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"            # JupyterLab as the default UI
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 60
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]     # otherwise a server started as root refuses to run (hub answers 500)
# Memory and CPU limits are only enforced by spawners that can (SystemdSpawner, DockerSpawner, Kubernetes):
# measured here, a student's server running chapter 01 in a kernel peaks at about 310 MiB (server ~150 MiB).
c.Spawner.mem_limit = os.environ.get("HVP_HUB_MEM_LIMIT", "1G")


def pre_spawn_hook(spawner):
    """Per user: the home with the chapters, the course folder for instructors, nbgrader's settings."""
    name = spawner.user.name
    hubctl.prepare_home(name)
    spawner.environment = {**spawner.environment, **hubctl.singleuser_env(name)}


c.Spawner.pre_spawn_hook = pre_spawn_hook
