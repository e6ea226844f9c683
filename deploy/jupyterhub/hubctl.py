"""The lecturer's commands for the class hub of *Beyond the Gradient* (see README.md in this folder).

    python deploy/jupyterhub/hubctl.py start                         # the hub, in the foreground
    python deploy/jupyterhub/hubctl.py add-students alice bob carol  # hub accounts (the hub must be running)
    python deploy/jupyterhub/hubctl.py release ch01_definition       # generate + release to the exchange
    python deploy/jupyterhub/hubctl.py collect ch01_definition       # the students' latest submissions
    python deploy/jupyterhub/hubctl.py autograde ch01_definition
    python deploy/jupyterhub/hubctl.py export -o grades.csv
    python deploy/jupyterhub/hubctl.py nbgrader list --inbound       # any other nbgrader command

Everything the hub writes at run time lives in one state folder, ``$HVP_HUB_STATE`` (default ``build/hub/`` in
the repository, which git ignores): the hub database, cookie secret, the admin service's token, the users' homes
(``home/<user>``), the nbgrader exchange (``exchange/``) and the instructor's nbgrader course (``course/``, a
copy of ``exercises/``'s configuration, grading package and ``source/``, plus the gradebook and the
``submitted/``, ``autograded/`` and ``feedback/`` folders).

The hub's configuration (``jupyterhub_config.py``) imports this module for the same paths and settings.
"""
import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXERCISES = REPO / "exercises"
NOTEBOOKS = REPO / "notebooks"
SINGLEUSER_CONFIG = HERE / "singleuser"            # on every single-user server's JUPYTER_CONFIG_PATH
STUDENT_CONFIG = SINGLEUSER_CONFIG / "student"     # ... and this one first, for students only
COURSE_ID = "beyond-the-gradient"
ADMIN_SERVICE = "course-admin"                     # the hub service whose token drives the REST API
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")


# ---------------------------------------------------------------------------------------------------
# Settings shared with jupyterhub_config.py (all from environment variables, with defaults for one machine)
# ---------------------------------------------------------------------------------------------------

def state_dir():
    """The folder for everything the hub writes: ``$HVP_HUB_STATE`` or ``build/hub`` in the repository."""
    return Path(os.environ.get("HVP_HUB_STATE") or REPO / "build" / "hub").resolve()


def ip():
    return os.environ.get("HVP_HUB_IP", "127.0.0.1")


def ports():
    """``(public, hub API, proxy API)``: ``$HVP_HUB_PORT``, ``$HVP_HUB_API_PORT``, ``$HVP_PROXY_API_PORT``."""
    return (int(os.environ.get("HVP_HUB_PORT", "8000")),
            int(os.environ.get("HVP_HUB_API_PORT", "8081")),
            int(os.environ.get("HVP_PROXY_API_PORT", "8001")))


def hub_url():
    """The public URL of the hub (the proxy), for the REST API calls of this script."""
    return os.environ.get("HVP_HUB_URL") or f"http://{ip()}:{ports()[0]}"


def instructors():
    """Hub logins that get the instructor's server (formgrader, course folder): ``$HVP_HUB_INSTRUCTORS``."""
    names = os.environ.get("HVP_HUB_INSTRUCTORS", "instructor")
    return {n.strip() for n in names.split(",") if n.strip()}


def layout(state=None):
    state = Path(state) if state else state_dir()
    return {
        "state": state,
        "home": state / "home",
        "exchange": state / "exchange",
        "course": state / "course",
        "db": state / "jupyterhub.sqlite",
        "cookie_secret": state / "jupyterhub_cookie_secret",
        "token": state / f"{ADMIN_SERVICE}.token",
        "hub_pid": state / "jupyterhub.pid",
        "proxy_pid": state / "jupyterhub-proxy.pid",
    }


def admin_token(state=None):
    """The admin service's API token: ``$HVP_HUB_ADMIN_TOKEN``, else a file in the state folder (made once)."""
    if os.environ.get("HVP_HUB_ADMIN_TOKEN"):
        return os.environ["HVP_HUB_ADMIN_TOKEN"]
    path = layout(state)["token"]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_state(state=None, refresh=False):
    """Create the state folder, the exchange and the instructor's course folder (copied from exercises/).

    ``refresh`` re-copies the configuration, grading package and ``source/`` (after editing an exercise); the
    gradebook and the ``release/``, ``submitted/``, ``autograded/`` and ``feedback/`` folders are kept.
    """
    where = layout(state)
    for key in ("state", "home"):
        where[key].mkdir(parents=True, exist_ok=True)
    where["state"].chmod(0o711)  # others may pass through (to the exchange), not list
    # The exchange is written by every student: world-writable with the sticky bit, like /tmp (nbgrader's
    # documented setting for /srv/nbgrader/exchange). Only matters with one unix user per student.
    where["exchange"].mkdir(exist_ok=True)
    where["exchange"].chmod(0o1777)
    course = where["course"]
    if refresh or not (course / "nbgrader_config.py").exists():
        course.mkdir(exist_ok=True)
        shutil.copy2(EXERCISES / "nbgrader_config.py", course / "course_config.py")
        shutil.copytree(EXERCISES / "grading", course / "grading", ignore=_IGNORE, dirs_exist_ok=True)
        shutil.copytree(EXERCISES / "source", course / "source", ignore=_IGNORE, dirs_exist_ok=True)
        (course / "nbgrader_config.py").write_text(
            '"""The class hub\'s nbgrader course (written by deploy/jupyterhub/hubctl.py; edits are kept)."""\n'
            "c = get_config()  # noqa: F821\n\n"
            "# The course's own settings: a copy of exercises/nbgrader_config.py (restarting executor, limits).\n"
            'load_subconfig("course_config.py")  # noqa: F821\n\n'
            "# The hub's exchange, shared with the students' servers.\n"
            f"c.CourseDirectory.root = {str(course)!r}\n"
            f"c.Exchange.root = {str(where['exchange'])!r}\n"
            "# One unix user for everybody (SimpleLocalProcessSpawner): file owners cannot tell students apart.\n"
            "c.ExchangeCollect.check_owner = False\n",
            encoding="utf-8")
    return where


def role(user):
    return "instructor" if user in instructors() else "student"


def singleuser_env(user, state=None, role_=None):
    """Environment of ``user``'s single-user server (and of the instructor's command-line tools)."""
    where = layout(state)
    role_ = role_ or role(user)
    config_path = [str(SINGLEUSER_CONFIG)] if role_ == "instructor" else [str(STUDENT_CONFIG),
                                                                          str(SINGLEUSER_CONFIG)]
    env = {
        "JUPYTER_CONFIG_PATH": os.pathsep.join(config_path),
        "HVP_COURSE_ROLE": role_,
        "HVP_EXCHANGE_ROOT": str(where["exchange"]),
        # the course environment first: `python`, `jupyter`, `nbgrader` in a terminal are the course's
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
    }
    if role_ == "instructor":
        env["HVP_COURSE_ROOT"] = str(where["course"])
    return env


def prepare_home(user, state=None):
    """Make ``home/<user>``; give it the chapters (``notebooks/``, missing files only: edits are kept);
    link the course folder into an instructor's home."""
    where = layout(state)
    home = where["home"] / user
    home.mkdir(parents=True, exist_ok=True)
    target = home / "notebooks"
    for src in sorted(NOTEBOOKS.iterdir()):
        if src.is_file() and src.suffix in (".ipynb", ".md"):
            target.mkdir(exist_ok=True)
            if not (target / src.name).exists():
                shutil.copy2(src, target / src.name)
    if role(user) == "instructor" and not os.path.lexists(home / "course"):
        (home / "course").symlink_to(where["course"])
    return home


# ---------------------------------------------------------------------------------------------------
# The hub's REST API (with the admin service's token)
# ---------------------------------------------------------------------------------------------------

def api(method, path, body=None, token=None, base=None, timeout=30):
    """``method /hub/api/<path>``; returns ``(status, parsed JSON or None)``."""
    url = (base or hub_url()).rstrip("/") + "/hub/api/" + path.lstrip("/")
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {token or admin_token()}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw.decode(errors="replace")


def add_users(names, admin=False, **kw):
    """Create hub users (existing ones are left as they are); returns the names created."""
    created = []
    for name in names:
        status, body = api("POST", f"users/{name}", {"admin": bool(admin)}, **kw)
        if status == 201:
            created.append(name)
        elif status != 409:  # 409: exists already
            raise RuntimeError(f"creating hub user {name!r}: HTTP {status} {body}")
    return created


# ---------------------------------------------------------------------------------------------------
# The instructor's nbgrader commands, in the course folder with the hub's exchange
# ---------------------------------------------------------------------------------------------------

def instructor_env(state=None):
    user = sorted(instructors())[0] if instructors() else "instructor"
    env = dict(os.environ)
    env.update(singleuser_env(user, state, role_="instructor"), JUPYTERHUB_USER=user,
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return env


def nbgrader(*args, state=None, timeout=None, capture=False, on_start=None):
    """``nbgrader ARGS`` in the course folder; returns the CompletedProcess.

    On a timeout (raised as ``subprocess.TimeoutExpired``), Ctrl-C or any other exception, nbgrader and
    everything it started (autograde's kernels) are ended by process id before the exception propagates.
    ``on_start(popen)`` is called once the process exists (the end-to-end test watches its tree).
    """
    where = init_state(state)
    pipe = subprocess.PIPE if capture else None
    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=where["course"],
                            env=instructor_env(state), stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe,
                            text=True, start_new_session=True)
    try:
        if on_start:
            on_start(proc)
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        _end_tree(proc)
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _end_tree(proc):
    """Terminate ``proc`` and its descendants (by pid), then kill what is left after 5 s."""
    try:
        import psutil
        root = psutil.Process(proc.pid)
        procs = [root] + root.children(recursive=True)
    except Exception:  # psutil missing or the process is gone: end the direct child at least
        procs = []
    for p in procs:
        try:
            p.terminate()
        except Exception:
            pass
    if procs:
        import psutil
        _, alive = psutil.wait_procs(procs, timeout=5)
        for p in alive:
            try:
                p.kill()
            except Exception:
                pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def release(assignment, **kw):
    """``nbgrader generate_assignment`` (fills the gradebook, makes release/) then ``release_assignment``."""
    proc = nbgrader("generate_assignment", assignment, "--force", **kw)
    if proc.returncode == 0:
        proc = nbgrader("release_assignment", assignment, "--force", **kw)
    return proc


def collect(assignment, **kw):
    return nbgrader("collect", assignment, "--update", **kw)


def autograde(assignment, **kw):
    """``nbgrader autograde ASSIGNMENT --force``: exits 1 when any notebook failed, scores are kept anyway."""
    return nbgrader("autograde", assignment, "--force", **kw)


def export(out, **kw):
    return nbgrader("export", "--to", str(Path(out).resolve()), **kw)


# ---------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------

def start_hub(extra=()):
    """Run the hub in the foreground (Ctrl-C stops it, its proxy and the users' servers)."""
    if not PROXY.exists():
        sys.exit(f"no proxy at {PROXY}: run `npm ci` in {HERE} (or `make hub`)")
    where = init_state()
    admin_token()
    cmd = [os.path.join(os.path.dirname(sys.executable), "jupyterhub"),
           "-f", str(HERE / "jupyterhub_config.py"), *extra]
    print(f"hub state in {where['state']}; open {hub_url()}/", flush=True)
    os.chdir(where["state"])
    os.execv(cmd[0], cmd)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python deploy/jupyterhub/hubctl.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="run the hub in the foreground")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="more jupyterhub options")
    p = sub.add_parser("init", help="create the state folder and the course (done by start as well)")
    p.add_argument("--refresh", action="store_true", help="re-copy exercises/ config, grading/ and source/")
    p = sub.add_parser("add-students", help="create hub accounts (hub running)")
    p.add_argument("names", nargs="+")
    p = sub.add_parser("add-instructors", help="create admin hub accounts (also list them in "
                                               "HVP_HUB_INSTRUCTORS when starting the hub)")
    p.add_argument("names", nargs="+")
    for name in ("release", "collect", "autograde"):
        sub.add_parser(name, help=f"nbgrader {name} in the course folder").add_argument("assignment")
    p = sub.add_parser("export", help="nbgrader export: one row per student and assignment")
    p.add_argument("-o", "--out", default="grades.csv")
    p = sub.add_parser("nbgrader", help="any nbgrader command in the course folder")
    p.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.command == "start":
        start_hub(args.extra)
    if args.command == "init":
        print(init_state(refresh=args.refresh)["state"])
        return 0
    if args.command in ("add-students", "add-instructors"):
        created = add_users(args.names, admin=args.command == "add-instructors")
        print("created:", " ".join(created) or "(none, all exist)")
        return 0
    if args.command == "export":
        return export(args.out).returncode
    if args.command == "nbgrader":
        return nbgrader(*args.args).returncode
    return {"release": release, "collect": collect, "autograde": autograde}[args.command](
        args.assignment).returncode


if __name__ == "__main__":
    sys.exit(main())
