"""JupyterHub configuration for a class of *Beyond the Gradient* on one machine.

Start it with ``python deploy/jupyterhub/hubctl.py start`` (or ``make hub``); see README.md in this folder.
Everything it writes goes to the state folder ``$HVP_HUB_STATE`` (default ``build/hub/``, ignored by git).

What it sets up (the class default: isolation, the hub running as root):
- the hub and its proxy (configurable-http-proxy 5.3.0, installed here by ``npm ci``) on ``$HVP_HUB_IP``
  (default 127.0.0.1: loopback only) and ports ``$HVP_HUB_PORT`` / ``$HVP_HUB_API_PORT`` / ``$HVP_PROXY_API_PORT``
  (default 8000 / 8081 / 8001);
- one JupyterLab server per user, running as that user's own unix account ``btg-<login>``
  (``$HVP_HUB_USER_PREFIX``; spawner.py: JupyterHub's LocalProcessSpawner with rlimits on memory and processes),
  from ``<state>/runtime`` (runtime.py: this course environment -- numpy, autograd, hvplib, nbgrader, ... --
  mirrored where every account can execute it), its home ``<state>/home/btg-<login>`` (0700) with a copy of
  the chapters in ``~/notebooks``;
- nbgrader's exchange in ``<state>/exchange`` (root's, 1777): students fetch and submit from JupyterLab's
  Assignments tab (nbgrader files a submission under the unix account; collect only takes a submission owned
  by the account it names, hub_exchange.py); the instructors (``$HVP_HUB_INSTRUCTORS``, default
  ``instructor``: hub admins) get the formgrader and the course folder ``<state>/course`` (``~/course``, 0700,
  their account's);
- a service ``course-admin`` whose token (``<state>/course-admin.token``) drives the REST API for hubctl.py.

``$HVP_HUB_ISOLATION=0`` (``hubctl.py start --no-isolation``): every server as the hub's own unix user instead
(SimpleLocalProcessSpawner), for one person's laptop only: students could read, change and forge each other's
work.

The place to change for a real class is marked  >>> REAL DEPLOYMENT <<<  below: the authenticator.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubctl  # noqa: E402  (this folder: paths and settings shared with the lecturer's commands)
import runtime  # noqa: E402

c = get_config()  # noqa: F821  (provided by traitlets)

isolated = hubctl.isolation()
if isolated:
    hubctl.require_reachable()
    # The state folder is traversable by every account (they reach their homes and the exchange through it):
    # what the hub writes there (database, cookie secret, pid files) is for root alone.
    os.umask(0o077)
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
c.Authenticator.admin_users = hubctl.instructors()
if isolated:
    # Only the users made by `hubctl.py add-students` / `add-instructors` (they have unix accounts) may log in.
    c.Authenticator.allow_all = False
    c.Authenticator.allow_existing_users = True
else:
    c.Authenticator.allow_all = True

# The lecturer's service account for the REST API (hubctl.py add-students, the end-to-end test).
c.JupyterHub.services = [{"name": hubctl.ADMIN_SERVICE, "api_token": hubctl.admin_token()}]
c.JupyterHub.load_roles = [{
    "name": hubctl.ADMIN_SERVICE,
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"],
    "services": [hubctl.ADMIN_SERVICE],
}]

# ---------------------------------------------------------------------------------------------------
# The users' servers
# ---------------------------------------------------------------------------------------------------
c.Spawner.ip = ip
c.Spawner.default_url = "/lab"            # JupyterLab as the default UI
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = int(os.environ.get("HVP_HUB_START_TIMEOUT", "90"))
c.Spawner.http_timeout = int(os.environ.get("HVP_HUB_HTTP_TIMEOUT", "60"))
# Address space per process of a server and each of its kernels (measured: a server running chapter 01 in a
# kernel uses ~310 MiB resident; address space is larger, threads reserve memory they never touch).
c.Spawner.mem_limit = hubctl.mem_limit()
if isolated:
    # Each server as its own unix account, limits set in the pre-exec (spawner.py). Containers or Kubernetes
    # instead: DockerSpawner / zero-to-jupyterhub (README.md, "Beyond one machine").
    from spawner import StudentAccountSpawner  # noqa: E402
    c.JupyterHub.spawner_class = StudentAccountSpawner
    c.StudentAccountSpawner.user_prefix = hubctl.user_prefix()
    c.StudentAccountSpawner.nproc_limit = hubctl.nproc_limit()
    c.Spawner.env_keep = ["LANG", "LC_ALL"]   # nothing else of root's environment (PATH, PYTHONPATH, ...)
    # The servers' Python: a mirror of this venv that every account can execute, rebuilt at each start and
    # checked by running it as `nobody` (the hub refuses to start if that fails).
    runtime.build(where["runtime"], log=print)
    import pwd  # noqa: E402
    nobody = pwd.getpwnam("nobody")
    ok, why = runtime.probe(where["runtime"], nobody.pw_uid, nobody.pw_gid)
    if not ok:
        raise SystemExit(f"the servers' runtime in {where['runtime']} does not run as another user: {why}")
    c.Spawner.cmd = [str(where["runtime"] / "bin" / "jupyterhub-singleuser")]
else:
    # SimpleLocalProcessSpawner: every server as the hub's unix user, its own HOME. No isolation, no limits.
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(where["home"] / "{username}")
    c.Spawner.cmd = [os.path.join(os.path.dirname(sys.executable), "jupyterhub-singleuser")]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        c.Spawner.args = ["--allow-root"]  # otherwise a server started as root refuses to run (hub answers 500)


def pre_spawn_hook(spawner):
    """Per user: the home with the chapters, the course folder for instructors, nbgrader's settings."""
    name = spawner.user.name
    hubctl.prepare_home(name)
    spawner.environment = {**spawner.environment, **hubctl.singleuser_env(name)}


c.Spawner.pre_spawn_hook = pre_spawn_hook
