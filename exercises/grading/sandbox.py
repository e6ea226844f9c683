"""The student's kernel runs sandboxed: its own unprivileged user, limits, a private view of the file system.

``SandboxKernelManager`` launches ``python -I -S -c LAUNCHER -f CONNECTION_FILE`` instead of the kernel spec's
command. The launcher runs in the kernel process before any student code. As root it joins the notebook's
cgroup (total memory and processes, ``Cgroup``), enters a private mount namespace in which the checkout and the
submissions folder are covered by empty read-only tmpfs (the Python environment stays), ``/tmp``, ``/var/tmp``
and ``/dev/shm`` are fresh size-capped tmpfs and ``/proc`` hides other users' processes; then it sets rlimits
(address space, processes, file size, open files, no core dumps), drops root to the kernel user, and builds
``sys.path`` itself: the run's plain copy of ``hvplib`` first, site-packages without the checkout's editable
install, the working directory last (a ``hvplib.py`` beside the notebook cannot shadow the package).

By default every notebook gets a fresh user (``fresh_user``, ``nbg-`` and random hex), deleted afterwards with
every process and file it left (``remove_user``); its home and working directory is a size-capped tmpfs
(``Sandbox``), its environment is built from nothing. The scratch course (gradebook, grading code, other
students' notebooks) lives in a ``0700`` folder of the grader's user, so the kernel cannot open it.

The kernel user needs to run the interpreter: when ``sys.base_prefix`` is out of its reach (Python installed
under ``/root``, as pyenv does), :func:`prepare_runtime` builds a hard-linked mirror of the interpreter and
its standard library in the run's world-readable runtime folder (no extra disk space; a copy if hard links fail).
"""
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import stat
import sysconfig
import tempfile
import time

from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Integer, List, Unicode

DEFAULT_USER = "nbgrader-kernel"

# Per-kernel limits besides the address space: processes (threads count) of the kernel user, bytes per file,
# open files; the private /tmp, /var/tmp and /dev/shm of the kernel's mount namespace are tmpfs of these sizes.
NPROC_LIMIT = 128
FSIZE_LIMIT = 256 * 2**20
NOFILE_LIMIT = 1024
TMPFS_SIZES = {"/tmp": "256m", "/var/tmp": "64m", "/dev/shm": "64m"}
HOME_SIZE = "512m"

# Runs in the kernel process before anything else. Settings come in BTG_* environment variables.
LAUNCHER = r"""
import os, resource, sys
def _btg_setup():
    env = os.environ
    mem = int(env.pop("BTG_KERNEL_MEMORY", "0") or 0)
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    uid = int(env.pop("BTG_KERNEL_UID", "-1") or -1)
    gid = int(env.pop("BTG_KERNEL_GID", "-1") or -1)
    limits = [int(x) for x in env.pop("BTG_KERNEL_LIMITS", "0,0,0").split(",")]
    hide = [p for p in env.pop("BTG_KERNEL_HIDE", "").split(os.pathsep) if p]
    keep = [p for p in env.pop("BTG_KERNEL_KEEP", "").split(os.pathsep) if p]
    tmpfs = [p.split("=", 1) for p in env.pop("BTG_KERNEL_TMPFS", "").split(os.pathsep) if p]
    cgroups = [p for p in env.pop("BTG_KERNEL_CGROUPS", "").split(os.pathsep) if p]
    path = [p for p in env.pop("BTG_KERNEL_PATH", "").split(os.pathsep) if p]
    site_dirs = [p for p in env.pop("BTG_KERNEL_SITE", "").split(os.pathsep) if p]
    if os.getuid() == 0:
        for procs in cgroups:                      # join the notebook's cgroups (memory, pids) first
            try:
                with open(procs, "w") as fh:
                    fh.write(str(os.getpid()))
            except OSError:
                pass
        if hide or tmpfs:
            _btg_namespace(hide, keep, tmpfs)
    if limits[0] > 0 and uid >= 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits[0], limits[0]))
    if limits[1] > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits[1], limits[1]))
    if limits[2] > 0:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits[2], limits[2]))
    if uid >= 0 and os.getuid() == 0:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            sys.exit("the grader could not drop privileges")
    # the kernel's own cwd goes last: a helper.py or hvplib.py beside the notebook cannot shadow a module
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    import site
    for d in path:
        sys.path.append(d)
    known = set(sys.path)
    for d in site_dirs:                            # site-packages, without the checkout's editable install
        if d not in known:
            sys.path.append(d)
            known.add(d)
        try:
            names = sorted(os.listdir(d))
        except OSError:
            names = []
        for name in names:
            if name.endswith(".pth") and not name.startswith("__editable__"):
                site.addpackage(d, name, known)
    sys.path.append("")


def _btg_namespace(hide, keep, tmpfs):
    # a private mount namespace: the checkout, the submissions and the grader's files covered by empty
    # read-only tmpfs (a file by /dev/null); /tmp, /var/tmp, /dev/shm private and size-capped; /proc hides
    # other users' processes
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x00020000) != 0:              # CLONE_NEWNS
        sys.exit("the grader could not give the kernel a private mount namespace")
    libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None)      # MS_REC | MS_PRIVATE
    keep = [os.path.realpath(k) for k in keep]

    def cover(path):
        if os.path.isdir(path) and not os.path.islink(path):
            ok = libc.mount(b"tmpfs", path.encode(), b"tmpfs", 0x1 | 0x2 | 0x4 | 0x8, b"size=4k,mode=0555") == 0
        elif os.path.isfile(path) and not os.path.islink(path):
            ok = libc.mount(b"/dev/null", path.encode(), None, 0x1000, None) == 0      # MS_BIND
        else:
            ok = True
        if not ok:
            sys.exit(f"the grader could not hide {path} from the kernel")

    def hide_tree(root, depth=0):
        inside = [k for k in keep if k == root or k.startswith(root.rstrip(os.sep) + os.sep)]
        if not inside:
            cover(root)
        elif root not in inside and depth < 8 and os.path.isdir(root) and not os.path.islink(root):
            for name in os.listdir(root):
                hide_tree(os.path.join(root, name), depth + 1)

    for h in hide:
        if os.path.exists(h):
            hide_tree(os.path.realpath(h))
    for where, size in tmpfs:
        if os.path.isdir(where):
            _btg_fresh_tmpfs(where, size, [k for k in keep if k.startswith(os.path.realpath(where).rstrip(os.sep) + os.sep)])
    # a kept path below a folder other users cannot enter (a checkout in /root or in a 0700 folder): that folder
    # is covered like /tmp above, by a fresh tmpfs into which the kept paths are bound back, reachable
    for folder in _btg_private_parents(keep):
        _btg_fresh_tmpfs(folder, "16m", [k for k in keep if k.startswith(folder + os.sep)])
    libc.mount(b"proc", b"/proc", b"proc", 0x2 | 0x4 | 0x8, b"hidepid=2")


def _btg_private_parents(paths):
    # the topmost folder on the way to each path that other users cannot enter (no o+x)
    out = []
    for path in paths:
        parts = os.path.realpath(path).split(os.sep)
        for i in range(2, len(parts)):
            folder = os.sep.join(parts[:i])
            try:
                if not os.stat(folder).st_mode & 0o001:
                    if folder not in out:
                        out.append(folder)
                    break
            except OSError:
                break
    return out


def _btg_fresh_tmpfs(where, size, keep_inside):
    # mount an empty size-capped tmpfs on ``where``, then bind back the kept paths that lay inside it (the
    # Python environment of a checkout under /tmp, say): each is opened before the mount and re-attached from
    # its descriptor, so it stays reachable while everything else that was under ``where`` is gone
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fds = [(k, os.open(k, os.O_RDONLY | os.O_DIRECTORY)) for k in keep_inside if os.path.isdir(k)]
    try:
        if libc.mount(b"tmpfs", where.encode(), b"tmpfs", 0x2 | 0x4, f"size={size},mode=1777".encode()) != 0:
            return                                 # as before: no private copy, nothing was covered either
        for path, fd in fds:
            os.makedirs(path, mode=0o755, exist_ok=True)
            if libc.mount(f"/proc/self/fd/{fd}".encode(), path.encode(), None, 0x1000 | 0x4000, None) != 0:
                sys.exit(f"the grader could not keep {path} reachable for the kernel")     # MS_BIND | MS_REC
    finally:
        for _, fd in fds:
            os.close(fd)


_btg_setup()
del _btg_setup, _btg_namespace, _btg_fresh_tmpfs, _btg_private_parents
if os.environ.pop("BTG_PROBE", ""):
    import ipykernel.kernelapp, numpy, autograd, hvplib
    print("BTG-PROBE", hvplib.__file__, os.path.exists(os.environ.get("BTG_PROBE_HIDDEN", "/nonexistent")))
    sys.exit(0)
"""

KERNEL_TAIL = r"""
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


FRESH_PREFIX = "nbg-"


def fresh_user():
    """A new unprivileged user for one notebook: ``(name, uid, gid)``, or ``(None, reason, None)``."""
    name = FRESH_PREFIX + secrets.token_hex(5)
    ids, reason = ensure_user(name)
    if ids is None:
        return None, reason, None
    return name, ids[0], ids[1]


def remove_user(name, uid):
    """End every process and stray file of a fresh user, then delete the user (and its group)."""
    if not name or not name.startswith(FRESH_PREFIX):
        return
    end_user(uid)
    userdel = shutil.which("userdel") or "/usr/sbin/userdel"
    subprocess.run([userdel, name], capture_output=True, check=False)
    try:
        import grp
        grp.getgrnam(name)
        groupdel = shutil.which("groupdel") or "/usr/sbin/groupdel"
        subprocess.run([groupdel, name], capture_output=True, check=False)
    except KeyError:
        pass


def venv_site_dirs():
    """This environment's site-packages (``purelib``/``platlib``): the kernel adds them with ``site``."""
    paths = sysconfig.get_paths()
    out = []
    for key in ("purelib", "platlib"):
        if paths[key] not in out:
            out.append(paths[key])
    return out


def kernel_command(python, tail=None):
    """The kernel's command line before ``-f CONNECTION_FILE``: isolated (``-I``: no PYTHON* variables, no
    user site, no cwd on ``sys.path``) and without ``site`` (``-S``: the launcher adds site-packages itself,
    leaving out the checkout's editable install). ``tail``: what runs after the launcher (default: ipykernel)."""
    return [python, "-I", "-S", "-c", LAUNCHER + (KERNEL_TAIL if tail is None else tail)]


def launcher_env(uid=-1, gid=-1, memory_mb=0, site_dirs=(), path=(), hide=(), keep=(), tmpfs=None,
                 cgroups=(), limits=True):
    """The BTG_* variables the launcher reads."""
    return {"BTG_KERNEL_MEMORY": str(int(memory_mb) * 2**20), "BTG_KERNEL_UID": str(uid),
            "BTG_KERNEL_GID": str(gid), "BTG_KERNEL_SITE": os.pathsep.join(site_dirs),
            "BTG_KERNEL_PATH": os.pathsep.join(path), "BTG_KERNEL_HIDE": os.pathsep.join(hide),
            "BTG_KERNEL_KEEP": os.pathsep.join(keep),
            "BTG_KERNEL_TMPFS": os.pathsep.join(f"{k}={v}" for k, v in (tmpfs or {}).items()),
            "BTG_KERNEL_CGROUPS": os.pathsep.join(cgroups),
            "BTG_KERNEL_LIMITS": ",".join(map(str, (NPROC_LIMIT, FSIZE_LIMIT, NOFILE_LIMIT) if limits else (0, 0, 0)))}


def _probe(python, uid, gid, site_dirs, env_extra=None, path=(), hide=(), keep=(), hidden_file=None):
    """Can ``uid`` run the kernel launcher with ``python``? ``(ok, message)``; ``message`` is the path of the
    hvplib the kernel imports (or the error)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/", "LANG": "C.UTF-8", "BTG_PROBE": "1",
           "BTG_PROBE_HIDDEN": hidden_file or "/nonexistent", **(env_extra or {}),
           **launcher_env(uid, gid, 0, site_dirs, path, hide, keep, TMPFS_SIZES if hide else None)}
    try:
        proc = subprocess.run(kernel_command(python), env=env, cwd="/", capture_output=True, text=True,
                              timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    out = proc.stdout.strip().splitlines()
    if proc.returncode == 0 and out and out[-1].startswith("BTG-PROBE "):
        return True, out[-1][len("BTG-PROBE "):]
    return False, (proc.stderr or proc.stdout).strip()[-300:]


def install_course_package(dest, package="hvplib"):
    """A plain (non-editable) copy of the course package's modules in ``dest`` (the kernel's first path
    entry): the kernel imports it instead of the checkout."""
    import importlib.util
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    src = list(spec.submodule_search_locations)[0]
    shutil.copytree(src, os.path.join(dest, package), ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                    symlinks=False)
    for root, dirs, files in os.walk(dest):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    return os.path.join(dest, package)


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


def _runtime_base():
    """Where the run's world-readable files go (Python mirror, course package, kernel homes): outside /tmp,
    which each kernel gets as a private tmpfs."""
    if os.geteuid() == 0:
        base = "/var/lib/btg-grader"
        os.makedirs(base, exist_ok=True)
        os.chmod(base, 0o711)
        return base
    return None


def prepare_runtime(user=None, scratch=None, log=lambda *a: None, hide=(), exercises_dir=None):
    """What ``RestartingExecute`` needs to run kernels as ``user``: a dict of its settings.

    ``{"kernel_uid", "kernel_gid", "kernel_python", "kernel_site", "kernel_env", "kernel_path", "kernel_hide",
    "kernel_sandbox_base", "mirror"}``. The course package is copied (not linked, not editable) into a fresh
    world-readable runtime folder, the kernel's first path entry; ``hide`` (the checkout, the submissions) is
    covered in the kernel's private mount namespace, except the Python environment it runs. Without a usable
    user (``user`` empty, not root, ``useradd`` failed), ``kernel_uid`` is -1 and ``reason`` says why.
    ``mirror`` is the runtime folder to delete afterwards.
    """
    site_dirs = venv_site_dirs()
    runtime = tempfile.mkdtemp(prefix="btg-runtime-", dir=scratch or _runtime_base())
    os.chmod(runtime, 0o755)
    package_dir = os.path.join(runtime, "site")
    os.mkdir(package_dir, 0o755)
    installed = install_course_package(package_dir)
    kernels = os.path.join(runtime, "kernels")
    os.mkdir(kernels, 0o711)
    out = {"kernel_uid": -1, "kernel_gid": -1, "kernel_python": sys.executable, "kernel_site": site_dirs,
           "kernel_env": {}, "mirror": runtime, "reason": "", "kernel_path": [package_dir] if installed else [],
           "kernel_hide": [], "kernel_sandbox_base": kernels}
    if user is not None and not user:
        out["reason"] = "no kernel user configured"
        return out
    if os.geteuid() != 0:
        out["reason"] = "the grader is not root, so it cannot run the kernel as another user"
        return out
    probe_user = None
    if user is None:
        probe_user, uid, gid = fresh_user()
        if probe_user is None:
            out["reason"] = uid
            return out
        out["fresh"] = True
    else:
        ids, reason = ensure_user(user)
        if ids is None:
            out["reason"] = reason
            return out
        uid, gid = ids
    try:
        out = _probe_runtime(out, user or probe_user, uid, gid, runtime, site_dirs, hide, exercises_dir, log)
        if out["kernel_uid"] < 0:
            out.pop("fresh", None)                 # no fresh user per notebook either: it could not run the kernel
            private = private_parents([sys.prefix, *site_dirs])
            if private:
                out["reason"] += (f" — {', '.join(private)} cannot be entered by other users (mode 0700?): "
                                  "`chmod o+x` it, or keep the checkout under a folder all users can enter")
        return out
    except BaseException:
        shutil.rmtree(runtime, ignore_errors=True)
        raise
    finally:
        if probe_user:
            remove_user(probe_user, uid)


def private_parents(paths):
    """The topmost folder on the way to each of ``paths`` that other users cannot enter (no ``o+x``): a kernel
    user reaches nothing below it unless the launcher's namespace binds it back (the launcher's own copy of
    this rule, ``_btg_private_parents``, runs inside the kernel)."""
    namespace = {"os": os}
    exec(compile(LAUNCHER[LAUNCHER.index("def _btg_private_parents"):LAUNCHER.index("_btg_setup()\n")],
                 "<launcher>", "exec"), namespace)
    return namespace["_btg_private_parents"](paths)


def _probe_runtime(out, user, uid, gid, runtime, site_dirs, hide, exercises_dir, log):
    keep = sorted({os.path.realpath(sys.prefix), os.path.realpath(runtime), *map(os.path.realpath, site_dirs)})
    hide = [os.path.realpath(h) for h in hide if h and os.path.exists(h)]
    probe_file = os.path.join(exercises_dir, "nbgrader_config.py") if exercises_dir else None
    ok, message = _probe(sys.executable, uid, gid, site_dirs, path=out["kernel_path"], hide=hide, keep=keep,
                         hidden_file=probe_file)
    if not ok:
        try:
            python = _mirror_python(os.path.join(runtime, "python"))
            env = {"LD_LIBRARY_PATH": os.path.join(runtime, "python", "lib")}
            ok, message = _probe(python, uid, gid, site_dirs, env, path=out["kernel_path"], hide=hide, keep=keep,
                                 hidden_file=probe_file)
        except OSError as exc:
            ok, message = False, str(exc)
        if not ok:
            out["reason"] = f"user {user!r} cannot run this Python: {message}"
            return out
        log(f"{user} cannot reach {sys.base_prefix}: kernels run a hard-linked mirror of it in {runtime}")
        out.update(kernel_python=python, kernel_env=env)
    imported, still_visible = message.rsplit(" ", 1)
    if out["kernel_path"] and not imported.startswith(out["kernel_path"][0]):
        log(f"WARNING: the kernel imports hvplib from {imported}, not from the installed copy")
    if still_visible == "True":
        log("WARNING: the checkout stays readable from the kernel (no private mount namespace here)")
    out.update(kernel_uid=uid, kernel_gid=gid, kernel_hide=hide)
    return out


def kill_user_processes(uid, rounds=100):
    """SIGKILL every process of ``uid`` (stopped first, so that a fork loop cannot outrun it); True if none
    is left. Never for root or the grader's own user."""
    if uid is None or uid <= 0 or uid == os.getuid():
        return True
    for _ in range(rounds):
        pids = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        pids.append(int(name))
                except OSError:
                    pass
        if not pids:
            return True
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        time.sleep(0.02)
    return False


def remove_user_files(uid, places=("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")):
    """Delete what ``uid`` left in the shared writable folders (a kernel without a private namespace)."""
    if uid is None or uid <= 0 or uid == os.getuid():
        return
    for place in places:
        try:
            names = os.listdir(place)
        except OSError:
            continue
        for name in names:
            path = os.path.join(place, name)
            try:
                st = os.lstat(path)
                if st.st_uid != uid:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass


def end_user(uid):
    """Between notebooks: no process and no stray file of the kernel user survives."""
    if uid is None or uid < 0:
        return True
    ok = kill_user_processes(uid)
    remove_user_files(uid)
    return ok


class Cgroup:
    """A cgroup per notebook (memory and process caps for the kernel and everything it forks), v1 or v2,
    where this machine lets root make one; otherwise ``procs`` is empty and only the rlimits apply."""

    def __init__(self, memory_mb=0, pids=NPROC_LIMIT, name=None, enabled=True):
        self.dirs, self.procs = [], []
        name = name or f"btg-{os.getpid()}-{os.urandom(4).hex()}"
        if os.geteuid() != 0 or not enabled:
            return
        v2 = "/sys/fs/cgroup/cgroup.controllers"
        if os.path.exists(v2):
            self._make(os.path.join("/sys/fs/cgroup", name), {"memory.max": memory_mb * 2**20 if memory_mb else None,
                                                              "memory.swap.max": 0, "pids.max": pids})
            return
        if memory_mb:
            self._make(os.path.join("/sys/fs/cgroup/memory", name),
                       {"memory.limit_in_bytes": memory_mb * 2**20, "memory.memsw.limit_in_bytes": memory_mb * 2**20})
        self._make(os.path.join("/sys/fs/cgroup/pids", name), {"pids.max": pids})

    def _make(self, path, settings):
        try:
            os.mkdir(path)
        except OSError:
            return
        self.dirs.append(path)
        for key, value in settings.items():
            if value is None:
                continue
            try:
                with open(os.path.join(path, key), "w") as fh:
                    fh.write(str(value))
            except OSError:
                pass
        self.procs.append(os.path.join(path, "cgroup.procs"))

    def kill(self):
        for procs in self.procs:
            for _ in range(50):
                try:
                    with open(procs) as fh:
                        pids = [int(x) for x in fh.read().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.02)

    def remove(self):
        self.kill()
        for path in self.dirs:
            for _ in range(20):
                try:
                    os.rmdir(path)
                    break
                except OSError:
                    time.sleep(0.05)


# ---------------------------------------------------------------------------------------------------
# Per notebook (in nbgrader's process)
# ---------------------------------------------------------------------------------------------------

class Sandbox:
    """A fresh folder for one notebook's kernels: home, TMPDIR and working directory of the kernel user.

    As root the folder is a size-capped tmpfs (``HOME_SIZE``) and the notebook gets a ``Cgroup`` (total memory
    and processes of the kernel and all it forks), both removed by ``cleanup``."""

    def __init__(self, uid=-1, gid=-1, copy_from=None, base=None, memory_mb=0):
        self.uid, self.gid = uid, gid
        self.root = tempfile.mkdtemp(prefix="btg-kernel-", dir=base or None)
        self.mounted = False
        if os.geteuid() == 0 and uid >= 0:
            self.mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={HOME_SIZE},mode=0711,nosuid,nodev",
                                           "tmpfs", self.root], capture_output=True, check=False).returncode == 0
        os.chmod(self.root, 0o711)
        self.home = os.path.join(self.root, "home")
        os.mkdir(self.home, 0o700)
        if copy_from and os.path.isdir(copy_from):
            for name in os.listdir(copy_from):          # data files next to the notebook, not notebooks
                src = os.path.join(copy_from, name)
                if name.endswith(".ipynb") or name.startswith(".") or os.path.islink(src) or not os.path.isfile(src):
                    continue
                shutil.copy(src, os.path.join(self.home, name), follow_symlinks=False)
        self._own(self.home)
        # the whole tree's cap sits a little above one process's address-space cap, so a single bomb still
        # gets MemoryError (status "out of memory") while forked children cannot add up past it
        self.cgroup = Cgroup(memory_mb + 256 if memory_mb else 0, enabled=uid >= 0)

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

    def env(self, python=sys.executable, passthrough=("OPENBLAS_CORETYPE",)):
        """The kernel's whole environment, built from nothing: none of the grader's variables reach it."""
        user = pwd.getpwuid(self.uid).pw_name if self.uid >= 0 else os.environ.get("USER", "")
        env = {k: os.environ[k] for k in passthrough if k in os.environ}
        env.update(PATH=os.pathsep.join([os.path.dirname(python), "/usr/local/bin", "/usr/bin", "/bin"]),
                   HOME=self.home, TMPDIR=self.home, USER=user, LOGNAME=user, SHELL="/bin/sh",
                   LANG="C.UTF-8", LC_ALL="C.UTF-8", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
                   PYTHONNOUSERSITE="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   IPYTHONDIR=os.path.join(self.home, ".ipython"), MPLCONFIGDIR=os.path.join(self.home, ".matplotlib"),
                   XDG_CACHE_HOME=os.path.join(self.home, ".cache"),
                   JUPYTER_RUNTIME_DIR=os.path.join(self.home, ".runtime"))
        return env

    def cleanup(self):
        end_user(self.uid)
        self.cgroup.remove()
        if self.mounted:
            subprocess.run(["umount", "-l", self.root], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


class SandboxKernelManager(AsyncKernelManager):
    """An ipykernel started through ``LAUNCHER`` (limits, namespace, privilege drop) inside a ``Sandbox``."""

    kernel_python = Unicode(sys.executable).tag(config=True)
    kernel_site = List(Unicode(), default_value=[]).tag(config=True)
    kernel_path = List(Unicode(), default_value=[]).tag(config=True)
    kernel_hide = List(Unicode(), default_value=[]).tag(config=True)
    kernel_env = Dict().tag(config=True)
    kernel_uid = Integer(-1).tag(config=True)
    kernel_gid = Integer(-1).tag(config=True)
    memory_limit_mb = Integer(0).tag(config=True)
    sandbox = None          # set by RestartingExecute before the kernel starts

    def format_kernel_cmd(self, extra_arguments=None):
        return kernel_command(self.kernel_python) + ["-f", self.connection_file] + list(extra_arguments or [])

    def sandbox_env(self, base=None):
        """The whole environment of a process started in the sandbox (kernel or "by hand" re-run)."""
        sandbox = self.sandbox
        if sandbox is not None:
            env = sandbox.env(self.kernel_python)
            cgroups = list(sandbox.cgroup.procs)
            keep = [sandbox.root]
        else:
            env = {k: v for k, v in (base or os.environ).items() if not k.startswith("BTG_")}
            cgroups, keep = [], []
        env.update(self.kernel_env)
        keep += [os.path.realpath(sys.prefix), os.path.dirname(os.path.dirname(os.path.realpath(self.kernel_python))),
                 *self.kernel_site, *self.kernel_path]
        env.update(launcher_env(self.kernel_uid, self.kernel_gid, self.memory_limit_mb, self.kernel_site,
                                self.kernel_path, self.kernel_hide, keep,
                                TMPFS_SIZES if self.kernel_hide else None, cgroups, limits=self.kernel_uid >= 0))
        return env

    async def _async_pre_start_kernel(self, **kw):
        if self.sandbox is not None:
            self.connection_file = self.sandbox.connection_file(self.kernel_id or os.urandom(6).hex())
            kw["cwd"] = self.sandbox.home
        kw["env"] = self.sandbox_env(kw.get("env"))
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        return cmd, kw

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandbox is not None:
            self.sandbox.give(self.connection_file)

    def kill_group(self):
        """SIGKILL whatever is left of the kernel's process group (children it forked), and with a kernel
        user of its own, every process of that user (a ``setsid`` daemon included)."""
        pgid = getattr(self.provisioner, "pgid", None) if self.provisioner else None
        if pgid and pgid > 1:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
        if self.sandbox is not None:
            self.sandbox.cgroup.kill()
        if self.kernel_uid > 0:
            kill_user_processes(self.kernel_uid)
