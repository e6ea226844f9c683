"""The student's kernel runs as an unprivileged user, with a memory cap, in a fresh throw-away home.

``SandboxKernelManager`` launches ``python -c LAUNCHER -f CONNECTION_FILE`` instead of the kernel spec's
command. The launcher (it runs in the kernel process, before any student code) caps the address space
(``RLIMIT_AS``, so a memory bomb fails fast with ``MemoryError`` instead of swapping the machine), turns off
core dumps, drops root to the kernel user (``setgroups([])``, ``setgid``, ``setuid``) when the grader runs as
root, adds the course environment's site-packages and starts ipykernel.

The kernel's home, temporary folder and working directory are a fresh folder per notebook owned by the
kernel user (``Sandbox``); the scratch course (gradebook, grading code, other students' notebooks) lives in a
``0700`` folder of the grader's user, so the kernel cannot open it, let alone write to it.

The kernel user needs to run the interpreter: when ``sys.base_prefix`` is out of its reach (Python installed
under ``/root``, as pyenv does), :func:`prepare_runtime` builds a hard-linked mirror of the interpreter and
its standard library in a world-readable temporary folder (no extra disk space; a copy if hard links fail).
"""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile

from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Integer, List, Unicode

DEFAULT_USER = "nbgrader-kernel"

# Runs in the kernel process before anything else. Settings come in BTG_* environment variables.
LAUNCHER = r"""
import os, resource, sys
_mem = int(os.environ.pop("BTG_KERNEL_MEMORY", "0") or 0)
if _mem > 0:
    resource.setrlimit(resource.RLIMIT_AS, (_mem, _mem))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
_uid = int(os.environ.pop("BTG_KERNEL_UID", "-1") or -1)
_gid = int(os.environ.pop("BTG_KERNEL_GID", "-1") or -1)
if _uid >= 0 and os.getuid() == 0:
    os.setgroups([])
    os.setgid(_gid)
    os.setuid(_uid)
    if os.getuid() != _uid or os.geteuid() != _uid:
        sys.exit("the grader could not drop privileges")
import site
for _d in os.environ.pop("BTG_KERNEL_SITE", "").split(os.pathsep):
    if _d:
        site.addsitedir(_d)
del _mem, _uid, _gid, _d
sys.argv = ["ipykernel_launcher"] + sys.argv[1:]
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


# ---------------------------------------------------------------------------------------------------
# Set-up done once per grading run (in the instructor's process)
# ---------------------------------------------------------------------------------------------------

def ensure_user(name=DEFAULT_USER, create=True):
    """``(uid, gid)`` of ``name``; created with ``useradd --system`` when missing and we are root.

    Returns ``(None, reason)`` when the user does not exist and cannot be created.
    """
    try:
        entry = pwd.getpwnam(name)
        return (entry.pw_uid, entry.pw_gid), None
    except KeyError:
        pass
    if not create or os.geteuid() != 0:
        return None, f"user {name!r} does not exist and the grader is not root"
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    proc = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/usr/sbin/nologin", name], capture_output=True, text=True, check=False)
    try:
        entry = pwd.getpwnam(name)
        return (entry.pw_uid, entry.pw_gid), None
    except KeyError:
        return None, f"useradd {name} failed: {(proc.stderr or proc.stdout).strip()[:200]}"


def venv_site_dirs():
    """This environment's site-packages (``purelib``/``platlib``): the kernel adds them with ``site``."""
    paths = sysconfig.get_paths()
    out = []
    for key in ("purelib", "platlib"):
        if paths[key] not in out:
            out.append(paths[key])
    return out


def _probe(python, uid, gid, site_dirs, env_extra=None):
    """Can ``uid`` run ``python`` and import what the kernel needs? ``(ok, message)``."""
    code = ("import site, sys\n"
            f"for d in {site_dirs!r}: site.addsitedir(d)\n"
            "import ipykernel.kernelapp, numpy, autograd, hvplib\n")
    env = dict(os.environ, HOME="/tmp", **(env_extra or {}))
    try:
        proc = subprocess.run([python, "-c", code], user=uid, group=gid, extra_groups=[], env=env, cwd="/",
                              capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    return proc.returncode == 0, (proc.stderr or proc.stdout).strip()[-300:]


def _mirror_python(dest):
    """Hard-link (or copy) the interpreter, its shared library and the standard library under ``dest``."""
    base = sys.base_prefix
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    exe = os.path.realpath(os.path.join(sys._base_executable if hasattr(sys, "_base_executable")
                                        else sys.executable))
    if not os.path.realpath(exe).startswith(os.path.realpath(base) + os.sep):
        exe = os.path.join(base, "bin", version)

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    skip = shutil.ignore_patterns("site-packages", "test", "tests", "idlelib", "tkinter", "turtledemo",
                                  "__pycache__", "ensurepip", "lib2to3")
    stdlib = os.path.join(base, "lib", version)
    shutil.copytree(stdlib, os.path.join(dest, "lib", version), ignore=skip, copy_function=link,
                    symlinks=True)
    for name in os.listdir(os.path.join(base, "lib")):
        if name.startswith("libpython"):
            src = os.path.join(base, "lib", name)
            if os.path.islink(src):
                os.symlink(os.readlink(src), os.path.join(dest, "lib", name))
            elif os.path.isfile(src):
                link(src, os.path.join(dest, "lib", name))
    os.makedirs(os.path.join(dest, "bin"))
    python = os.path.join(dest, "bin", version)
    link(exe, python)
    for root, dirs, _files in os.walk(dest):
        os.chmod(root, 0o755)
    return python


def prepare_runtime(user=DEFAULT_USER, scratch=None, log=lambda *a: None):
    """What ``RestartingExecute`` needs to run kernels as ``user``: a dict of its settings.

    ``{"kernel_uid", "kernel_gid", "kernel_python", "kernel_site", "kernel_env", "mirror"}``; without a
    usable user (``user`` empty, not root, ``useradd`` failed), ``kernel_uid`` is -1 and ``reason`` says why.
    ``mirror`` is a folder to delete afterwards (or None).
    """
    site_dirs = venv_site_dirs()
    out = {"kernel_uid": -1, "kernel_gid": -1, "kernel_python": sys.executable, "kernel_site": site_dirs,
           "kernel_env": {}, "mirror": None, "reason": ""}
    if not user:
        out["reason"] = "no kernel user configured"
        return out
    if os.geteuid() != 0:
        out["reason"] = "the grader is not root, so it cannot run the kernel as another user"
        return out
    ids, reason = ensure_user(user)
    if ids is None:
        out["reason"] = reason
        return out
    uid, gid = ids
    ok, message = _probe(sys.executable, uid, gid, site_dirs)
    if not ok:
        mirror = tempfile.mkdtemp(prefix="btg-python-", dir=scratch)
        os.chmod(mirror, 0o755)
        try:
            python = _mirror_python(mirror)
            env = {"LD_LIBRARY_PATH": os.path.join(mirror, "lib")}
            ok, message = _probe(python, uid, gid, site_dirs, env)
        except OSError as exc:
            ok, message = False, str(exc)
        if not ok:
            shutil.rmtree(mirror, ignore_errors=True)
            out["reason"] = f"user {user!r} cannot run this Python: {message}"
            return out
        log(f"{user} cannot reach {sys.base_prefix}: kernels run a hard-linked mirror of it in {mirror}")
        out.update(kernel_python=python, kernel_env=env, mirror=mirror)
    out.update(kernel_uid=uid, kernel_gid=gid)
    return out


# ---------------------------------------------------------------------------------------------------
# Per notebook (in nbgrader's process)
# ---------------------------------------------------------------------------------------------------

class Sandbox:
    """A fresh folder for one notebook's kernels: home, TMPDIR and working directory of the kernel user."""

    def __init__(self, uid=-1, gid=-1, copy_from=None):
        self.uid, self.gid = uid, gid
        self.root = tempfile.mkdtemp(prefix="btg-kernel-")
        os.chmod(self.root, 0o711)
        self.home = os.path.join(self.root, "home")
        os.mkdir(self.home, 0o700)
        if copy_from and os.path.isdir(copy_from):
            for name in os.listdir(copy_from):          # data files next to the notebook, not notebooks
                src = os.path.join(copy_from, name)
                if name.endswith(".ipynb") or name.startswith(".") or not os.path.isfile(src):
                    continue
                shutil.copy(src, os.path.join(self.home, name))
        self._own(self.home)

    def _own(self, path):
        if self.uid >= 0:
            for root, dirs, files in os.walk(path):
                os.chown(root, self.uid, self.gid)
                for name in files:
                    os.chown(os.path.join(root, name), self.uid, self.gid)

    def connection_file(self, kernel_id):
        return os.path.join(self.root, f"kernel-{kernel_id}.json")

    def give(self, path):
        """Hand a file the grader wrote (the connection file) to the kernel user, readable by it alone."""
        if self.uid >= 0 and os.path.exists(path):
            os.chown(path, self.uid, self.gid)
        if os.path.exists(path):
            os.chmod(path, 0o600)

    def env(self, base):
        env = {k: v for k, v in base.items() if not k.startswith(("JPY_", "JUPYTER_", "PYTHON", "BTG_"))}
        user = pwd.getpwuid(self.uid).pw_name if self.uid >= 0 else env.get("USER", "")
        env.update(HOME=self.home, TMPDIR=self.home, IPYTHONDIR=os.path.join(self.home, ".ipython"),
                   MPLCONFIGDIR=os.path.join(self.home, ".matplotlib"), XDG_CACHE_HOME=os.path.join(self.home, ".cache"),
                   JUPYTER_RUNTIME_DIR=os.path.join(self.home, ".runtime"), USER=user, LOGNAME=user,
                   MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        return env

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class SandboxKernelManager(AsyncKernelManager):
    """An ipykernel started through ``LAUNCHER`` (memory cap, privilege drop) inside a ``Sandbox``."""

    kernel_python = Unicode(sys.executable).tag(config=True)
    kernel_site = List(Unicode(), default_value=[]).tag(config=True)
    kernel_env = Dict().tag(config=True)
    kernel_uid = Integer(-1).tag(config=True)
    kernel_gid = Integer(-1).tag(config=True)
    memory_limit_mb = Integer(0).tag(config=True)
    sandbox = None          # set by RestartingExecute before the kernel starts

    def format_kernel_cmd(self, extra_arguments=None):
        return [self.kernel_python, "-c", LAUNCHER, "-f", self.connection_file] + list(extra_arguments or [])

    async def _async_pre_start_kernel(self, **kw):
        sandbox = self.sandbox
        if sandbox is not None:
            self.connection_file = sandbox.connection_file(self.kernel_id or os.urandom(6).hex())
            env = sandbox.env(kw.get("env") or os.environ)
            kw["cwd"] = sandbox.home
        else:
            env = dict(kw.get("env") or os.environ)
        env.update(self.kernel_env)
        env.update(BTG_KERNEL_MEMORY=str(self.memory_limit_mb * 1024 * 1024),
                   BTG_KERNEL_UID=str(self.kernel_uid), BTG_KERNEL_GID=str(self.kernel_gid),
                   BTG_KERNEL_SITE=os.pathsep.join(self.kernel_site))
        kw["env"] = env
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        return cmd, kw

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandbox is not None:
            self.sandbox.give(self.connection_file)

    def kill_group(self):
        """SIGKILL whatever is left of the kernel's process group (children it forked)."""
        pgid = getattr(self.provisioner, "pgid", None) if self.provisioner else None
        if pgid and pgid > 1:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
