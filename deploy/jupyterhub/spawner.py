"""Each user's server as that user's own unix account, with per-student limits (the class default).

:class:`StudentAccountSpawner` is JupyterHub's ``LocalProcessSpawner`` (the hub runs as root and starts every
server with ``Popen`` after dropping to the user's uid, no systemd needed) with three changes:

- the unix account of hub user ``alice`` is ``<prefix>alice`` (``$HVP_HUB_USER_PREFIX``, default ``btg-``), as
  The Littlest JupyterHub does with ``jupyter-``: a hub login can never be ``root``, a system account or the
  grader's ``nbgrader-kernel`` / ``nbg-*`` users. The account must exist (``hubctl.py add-students`` makes it);
  a login without one gets an error instead of a server;
- before the server's program starts (in the forked child, as root, then inherited by the server, its kernels
  and everything they start), the pre-exec sets resource limits and only then drops to the account:
  ``RLIMIT_AS`` (address space per process, ``Spawner.mem_limit``: a memory bomb gets ``MemoryError``),
  ``RLIMIT_NPROC`` (processes and threads of that uid together: a fork bomb stops at the limit),
  ``RLIMIT_CORE`` 0; supplementary groups are reset to the account's own, then ``setgid``/``setuid`` and
  ``umask 077``;
- the environment names the account (``USER``, ``LOGNAME``, ``HOME``) and keeps nothing of the hub's own
  environment beyond the locale (no ``PATH`` or ``PYTHONPATH`` of root's).
"""
import os
import pwd
import re
import resource

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer, Unicode

UNIX_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


class StudentAccountSpawner(LocalProcessSpawner):
    """LocalProcessSpawner on ``<prefix><login>`` accounts, with rlimits set in the pre-exec."""

    user_prefix = Unicode("btg-", config=True, help="unix account = user_prefix + hub login")
    nproc_limit = Integer(256, config=True, help="RLIMIT_NPROC: processes + threads of the account")

    @property
    def unix_name(self):
        return self.user_prefix + self.user.name

    def _account(self):
        name = self.unix_name
        if not UNIX_NAME.match(name):
            raise ValueError(f"hub login {self.user.name!r} does not make a valid unix account name ({name!r})")
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise RuntimeError(f"no unix account {name!r} for hub user {self.user.name!r}: "
                               f"run `hubctl.py add-students {self.user.name}` as root") from None
        if entry.pw_uid == 0:
            raise RuntimeError(f"refusing to start a server as uid 0 ({name})")
        return entry

    def limits(self):
        """``{resource: (soft, hard)}`` applied in the pre-exec."""
        out = {resource.RLIMIT_CORE: (0, 0), resource.RLIMIT_NPROC: (self.nproc_limit, self.nproc_limit)}
        if self.mem_limit:
            out[resource.RLIMIT_AS] = (int(self.mem_limit), int(self.mem_limit))
        return out

    def make_preexec_fn(self, name):
        entry = self._account()
        uid, gid, home = entry.pw_uid, entry.pw_gid, entry.pw_dir
        groups = os.getgrouplist(entry.pw_name, gid)
        limits = self.limits()

        def preexec():
            # In the forked child, before exec: limits first (as root, so the hard limits stick), then the user.
            for which, value in limits.items():
                resource.setrlimit(which, value)
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid:
                raise PermissionError("could not drop to the student's account")
            os.umask(0o077)
            os.chdir(home)
        return preexec

    def user_env(self, env):
        entry = self._account()
        env.update(USER=entry.pw_name, LOGNAME=entry.pw_name, HOME=entry.pw_dir, SHELL=entry.pw_shell or "/bin/sh")
        return env

    async def move_certs(self, paths):  # internal SSL is not used; keep the base behaviour on the account
        return paths
