"""The Python environment the students' servers run: a read-only mirror every unix account can execute.

With one unix account per student, each server runs as that student, so it must be able to execute the
interpreter, its standard library, the course's packages and the hub's single-user settings. The course venv
(``.venv`` in the checkout) usually cannot serve: its interpreter lives wherever Python was installed (pyenv
under ``/root``, mode 0700) and the checkout itself may sit under a folder other users cannot traverse.

:func:`build` therefore makes ``<state>/runtime``, a self-contained Python prefix:

- ``bin/python3.X``, ``lib/libpython*`` and ``lib/python3.X`` (the standard library): hard links to the base
  interpreter's files (no extra disk space; copies when a hard link is impossible);
- ``lib/python3.X/site-packages``: hard links to the venv's packages, with ``hvplib`` copied in (a snapshot of
  the checkout's package instead of the editable install's pointer into the checkout) and ``hub_exchange.py``;
- ``share/jupyter`` and ``etc/jupyter`` from the venv (JupyterLab's extensions, the kernel spec, server
  extension switches) and ``hub-config/`` (this folder's ``singleuser/`` settings);
- ``bin/<script>`` for the venv's console scripts (``jupyterhub-singleuser``, ``jupyter``, ``nbgrader``, ...)
  with their first line pointing at the mirror's interpreter.

Directories are 0755 and files world-readable, owned by root: students can run it, not change it. A file of the
venv that is not world-readable is copied (mode 0644) rather than linked, so its original keeps its mode.
``LD_LIBRARY_PATH=<runtime>/lib`` (see :func:`env`) lets the interpreter find its shared library.
The mirror is rebuilt at each hub start (a few seconds with hard links) into a new folder swapped in by rename.
"""
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"
# Parts of the standard library a course server never imports (the test suite alone is ~300 MB).
_SKIP_STDLIB = {"site-packages", "test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3"}
# The editable install of hvplib points into the checkout: replaced by a copy of the package.
_SKIP_SITE = {"hvplib"}
_SKIP_SITE_PREFIXES = ("__editable__",)


def _link_or_copy(src, dst):
    """Hard-link ``src`` to ``dst`` when its inode is already world-readable, else copy it (mode 0644/0755)."""
    st = os.lstat(src)
    if stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
        return
    if st.st_mode & stat.S_IROTH:
        try:
            os.link(src, dst)
            return
        except OSError:
            pass
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o755 if st.st_mode & stat.S_IXUSR else 0o644)


def _tree(src, dst, skip=(), skip_prefixes=()):
    """Mirror the tree ``src`` at ``dst`` (top-level names in ``skip`` or starting with ``skip_prefixes`` left out)."""
    top = os.path.abspath(src)

    def ignore(folder, names):
        if os.path.abspath(folder) != top:
            return []
        return [n for n in names if n in skip or n.startswith(tuple(skip_prefixes))]
    shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy, ignore=ignore)


def _base_python():
    exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    if not exe.startswith(os.path.realpath(sys.base_prefix) + os.sep):
        exe = os.path.join(sys.base_prefix, "bin", VERSION)
    return exe


def _site_packages():
    return Path(sysconfig.get_paths()["purelib"])


def _rewrite_scripts(venv_bin, dest_bin, python):
    """The venv's console scripts, with their ``#!`` line pointing at the mirror's interpreter."""
    venv_python_prefix = f"#!{venv_bin}{os.sep}python"
    for entry in sorted(os.listdir(venv_bin)):
        src = os.path.join(venv_bin, entry)
        if entry.startswith(("python", "activate", "pip")) or not os.path.isfile(src):
            continue
        with open(src, "rb") as fh:
            head = fh.read(2)
            if head != b"#!":
                continue
            text = (b"#!" + fh.read()).decode("utf-8", errors="surrogateescape")
        first, _, rest = text.partition("\n")
        if not first.startswith(venv_python_prefix):
            continue
        target = os.path.join(dest_bin, entry)
        with open(target, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(f"#!{python}\n{rest}")
        os.chmod(target, 0o755)


def build(dest, log=lambda line: None):
    """Make the runtime at ``dest`` (replacing an older one); returns the path of its interpreter."""
    dest = Path(dest)
    t0 = time.monotonic()
    tmp = dest.with_name(dest.name + f".new-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    base = Path(sys.base_prefix)
    (tmp / "bin").mkdir(parents=True)
    lib = tmp / "lib" / VERSION
    _tree(base / "lib" / VERSION, lib, skip=_SKIP_STDLIB)
    for name in os.listdir(base / "lib"):
        if name.startswith("libpython"):
            _link_or_copy(base / "lib" / name, tmp / "lib" / name)
    python = tmp / "bin" / VERSION
    _link_or_copy(_base_python(), python)
    for alias in ("python3", "python"):
        os.symlink(VERSION, tmp / "bin" / alias)
    site = lib / "site-packages"
    _tree(_site_packages(), site, skip=_SKIP_SITE, skip_prefixes=_SKIP_SITE_PREFIXES)
    shutil.copytree(REPO / "hvplib", site / "hvplib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(HERE / "hub_exchange.py", site / "hub_exchange.py")
    venv = Path(sys.prefix)
    for sub in ("share/jupyter", "etc/jupyter"):
        if (venv / sub).is_dir():
            _tree(venv / sub, tmp / sub)
    shutil.copytree(HERE / "singleuser", tmp / "hub-config", ignore=shutil.ignore_patterns("__pycache__"))
    final_python = dest / "bin" / VERSION
    _rewrite_scripts(venv / "bin", tmp / "bin", final_python)
    for root, dirs, files in os.walk(tmp):
        os.chmod(root, 0o755)
    for path in (tmp / "hub-config").rglob("*"):
        if path.is_file():
            os.chmod(path, 0o644)
    old = dest.with_name(dest.name + f".old-{os.getpid()}")
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    log(f"runtime for the users' servers in {dest} ({time.monotonic() - t0:.1f} s)")
    return final_python


def env(runtime):
    """Environment variables that make ``runtime``'s interpreter and scripts the ones a server uses."""
    runtime = Path(runtime)
    return {"PATH": os.pathsep.join([str(runtime / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
            "LD_LIBRARY_PATH": str(runtime / "lib")}


def probe(runtime, uid, gid, modules=("jupyterhub.singleuser", "ipykernel", "nbgrader", "numpy", "autograd",
                                      "hvplib", "hub_exchange")):
    """Can ``uid`` run the runtime's interpreter and import what a server needs? ``(ok, message)``."""
    runtime = Path(runtime)
    code = "import " + ", ".join(modules) + "; import sys; print(sys.prefix)"
    try:
        proc = subprocess.run([str(runtime / "bin" / VERSION), "-c", code], user=uid, group=gid,
                              extra_groups=[], cwd="/", env=dict(env(runtime), HOME="/nonexistent"),
                              capture_output=True, text=True, timeout=180, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    if proc.returncode != 0:
        return False, (proc.stderr or proc.stdout).strip()[-500:]
    if proc.stdout.strip() != str(runtime):
        return False, f"the runtime's interpreter runs with prefix {proc.stdout.strip()}, not {runtime}"
    return True, ""


def unreachable(path):
    """The first ancestor of ``path`` that other users cannot traverse (no ``o+x``), or None."""
    path = Path(path).resolve()
    for parent in [path, *path.parents]:
        if parent.exists() and not os.stat(parent).st_mode & stat.S_IXOTH:
            return parent
    return None
