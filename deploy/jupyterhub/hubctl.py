"""The lecturer's commands for the class hub of *Beyond the Gradient* (see README.md in this folder).

    python deploy/jupyterhub/hubctl.py start                         # the hub, in the foreground (as root)
    python deploy/jupyterhub/hubctl.py start --no-isolation          # one person's laptop: no unix accounts
    python deploy/jupyterhub/hubctl.py add-students alice bob carol  # unix + hub accounts (root, hub running)
    python deploy/jupyterhub/hubctl.py release ch01_definition       # generate + release to the exchange
    python deploy/jupyterhub/hubctl.py collect ch01_definition       # the students' latest submissions
    python deploy/jupyterhub/hubctl.py autograde ch01_definition     # the course's grader, sandboxed kernels
    python deploy/jupyterhub/hubctl.py export -o grades.csv
    python deploy/jupyterhub/hubctl.py release-feedback ch01_definition
    python deploy/jupyterhub/hubctl.py nbgrader list --inbound       # any other nbgrader command
    python deploy/jupyterhub/hubctl.py remove-accounts alice bob     # end of term: delete their unix accounts

Everything the hub writes at run time lives in one state folder, ``$HVP_HUB_STATE`` (default ``build/hub/`` in
the repository, which git ignores): the hub database, cookie secret, the admin service's token, the users' homes
(``home/<account>``, each 0700 and owned by its account), the nbgrader exchange (``exchange/``, root's, 1777
like ``/tmp``), the instructor's nbgrader course (``course/``, 0700, owned by the instructor's account: a copy of
``exercises/``'s configuration, grading package and ``source/``, plus the gradebook and the ``submitted/``,
``autograded/`` and ``feedback/`` folders) and ``runtime/``, the Python environment the servers run
(runtime.py).

Isolation (the default, ``$HVP_HUB_ISOLATION`` not ``0``): every hub user ``name`` is the unix account
``$HVP_HUB_USER_PREFIX`` + ``name`` (default ``btg-name``), made by ``add-students`` / ``add-instructors``; the hub
runs as root and starts each server as its account (spawner.py). The state folder must then be reachable by
other users (every parent folder ``o+x``).

The hub's configuration (``jupyterhub_config.py``) imports this module for the same paths and settings.
"""
import argparse
import json
import os
import pwd
import re
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
ACCOUNT_COMMENT = "Beyond the Gradient hub account (hubctl.py)"
LOGIN = re.compile(r"^[a-z][a-z0-9_]{0,19}$")   # hub logins hubctl accepts (short, safe in paths and unix names)

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


def isolation():
    """One unix account per user (the class default), unless ``$HVP_HUB_ISOLATION=0`` (``start --no-isolation``)."""
    return os.environ.get("HVP_HUB_ISOLATION", "1") != "0"


def user_prefix():
    """Unix account of hub user ``name``: ``$HVP_HUB_USER_PREFIX`` + name (default ``btg-``)."""
    return os.environ.get("HVP_HUB_USER_PREFIX", "btg-")


def unix_name(user):
    return user_prefix() + user


def mem_limit():
    """Address-space limit per process of a user's server and kernels (``$HVP_HUB_MEM_LIMIT``, default 2G)."""
    return os.environ.get("HVP_HUB_MEM_LIMIT", "2G")


def nproc_limit():
    """Processes + threads per user account (``$HVP_HUB_NPROC``, default 256)."""
    return int(os.environ.get("HVP_HUB_NPROC", "256"))


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
        "runtime": state / "runtime",
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


def _course_config(where):
    return (
        '"""The class hub\'s nbgrader course (written by deploy/jupyterhub/hubctl.py; edits are kept)."""\n'
        "import sys\n\n"
        "c = get_config()  # noqa: F821\n\n"
        "# The course's own settings: a copy of exercises/nbgrader_config.py (restarting executor, limits).\n"
        'load_subconfig("course_config.py")  # noqa: F821\n\n'
        "# The hub's exchange, shared with the students' servers.\n"
        f"c.CourseDirectory.root = {str(where['course'])!r}\n"
        f"c.Exchange.root = {str(where['exchange'])!r}\n"
        "# A submission counts for the unix account that owns it, whatever name it claims (hub_exchange.py).\n"
        "c.ExchangeCollect.check_owner = True\n"
        "try:\n"
        "    import hub_exchange  # noqa: F401  (in the servers' runtime)\n"
        "except ImportError:\n"
        f"    sys.path.insert(0, {str(HERE)!r})\n"
        'c.ExchangeFactory.collect = "hub_exchange.OwnerCheckedCollect"\n')


def _chown_tree(path, uid, gid):
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _mkdir(path, mode, uid=0, gid=0):
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(path, uid, gid)
    path.chmod(mode)


def init_state(state=None, refresh=False):
    """Create the state folder, the exchange and the instructor's course folder (copied from exercises/).

    ``refresh`` re-copies the configuration, grading package and ``source/`` (after editing an exercise); the
    gradebook and the ``release/``, ``submitted/``, ``autograded/`` and ``feedback/`` folders are kept.
    With isolation: the state folder and ``home/`` are 0711 (others pass through, cannot list), the exchange is
    root's and 1777 with the sticky bit (nbgrader's documented setting: anyone may create, nobody may remove
    another's entries), its course folder is made now, as root, with the modes nbgrader's release gives it
    (``outbound`` 0755, ``inbound`` 2733: submit-only, not listable, ``feedback`` 0711), so no student can
    claim it first; the course folder is 0700 and given to the instructor's account once it exists.
    """
    where = layout(state)
    _mkdir(where["state"], 0o711)
    _mkdir(where["home"], 0o711)
    _mkdir(where["exchange"], 0o1777)
    course_in_exchange = where["exchange"] / COURSE_ID
    for sub, mode in (("", 0o755), ("outbound", 0o755), ("inbound", 0o2733), ("feedback", 0o711)):
        _mkdir(course_in_exchange / sub if sub else course_in_exchange, mode)
    course = where["course"]
    if refresh or not (course / "nbgrader_config.py").exists():
        course.mkdir(exist_ok=True)
        shutil.copy2(EXERCISES / "nbgrader_config.py", course / "course_config.py")
        shutil.copytree(EXERCISES / "grading", course / "grading", ignore=_IGNORE, dirs_exist_ok=True)
        shutil.copytree(EXERCISES / "source", course / "source", ignore=_IGNORE, dirs_exist_ok=True)
        (course / "nbgrader_config.py").write_text(_course_config(where), encoding="utf-8")
    course.chmod(0o700)
    give_course(state)
    return where


def give_course(state=None):
    """The course folder (after root's nbgrader commands) back to the first instructor's account, if any."""
    if os.geteuid() != 0 or not isolation():
        return
    entry = account(sorted(instructors())[0]) if instructors() else None
    if entry is not None:
        _chown_tree(layout(state)["course"], entry.pw_uid, entry.pw_gid)


def require_reachable(state=None):
    """Fail with a clear message when other users cannot reach the state folder (isolated servers could not)."""
    import runtime
    blocked = runtime.unreachable(layout(state)["state"])
    if blocked:
        raise SystemExit(f"the users' servers run as their own accounts and cannot reach {layout(state)['state']}: "
                         f"{blocked} is not searchable by others (o+x). Set HVP_HUB_STATE to a folder under "
                         "one they can reach (e.g. /srv/btg-hub), or start with --no-isolation on a laptop.")


def role(user):
    return "instructor" if user in instructors() else "student"


# ---------------------------------------------------------------------------------------------------
# Unix accounts (isolation): <prefix><login>, home in <state>/home/<account>, mode 0700
# ---------------------------------------------------------------------------------------------------

def account(user):
    """The pwd entry of ``user``'s unix account, or None."""
    try:
        return pwd.getpwnam(unix_name(user))
    except KeyError:
        return None


def ensure_account(user, state=None):
    """Create (or update the home of) ``user``'s unix account; make its home 0700. Returns the pwd entry."""
    if not LOGIN.match(user):
        raise SystemExit(f"{user!r}: a hub login here is lower-case letters, digits and _, at most 20 characters, "
                         "starting with a letter")
    if os.geteuid() != 0:
        raise SystemExit("creating unix accounts needs root (run hubctl.py as root, or start --no-isolation)")
    name, home = unix_name(user), layout(state)["home"] / unix_name(user)
    entry = account(user)
    if entry is None:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        proc = subprocess.run([useradd, "--user-group", "--no-create-home", "--home-dir", str(home),
                               "--shell", "/bin/bash", "--comment", ACCOUNT_COMMENT, name],
                              capture_output=True, text=True, check=False)
        entry = account(user)
        if entry is None:
            raise RuntimeError(f"useradd {name} failed: {(proc.stderr or proc.stdout).strip()}")
    elif entry.pw_gecos != ACCOUNT_COMMENT:
        raise SystemExit(f"unix account {name} exists and was not made by hubctl.py: pick another "
                         "HVP_HUB_USER_PREFIX")
    elif entry.pw_dir != str(home):
        usermod = shutil.which("usermod") or "/usr/sbin/usermod"
        subprocess.run([usermod, "--home", str(home), name], capture_output=True, check=True)
        entry = account(user)
    _mkdir(home, 0o700, entry.pw_uid, entry.pw_gid)
    return entry


def remove_accounts(users):
    """``userdel`` the accounts of ``users`` that hubctl.py made (homes in the state folder are left)."""
    userdel = shutil.which("userdel") or "/usr/sbin/userdel"
    removed = []
    for user in users:
        entry = account(user)
        if entry is None or entry.pw_gecos != ACCOUNT_COMMENT:
            continue
        subprocess.run([userdel, entry.pw_name], capture_output=True, check=False)
        if account(user) is None:
            removed.append(entry.pw_name)
    return removed


def singleuser_env(user, state=None, role_=None):
    """Environment of ``user``'s single-user server (and of the instructor's command-line tools)."""
    import runtime
    where = layout(state)
    role_ = role_ or role(user)
    if isolation():   # everything a server reads comes from the runtime, which every account can read
        config = where["runtime"] / "hub-config"
        paths = runtime.env(where["runtime"])
    else:
        config = SINGLEUSER_CONFIG
        paths = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")}
    config_path = [str(config)] if role_ == "instructor" else [str(config / "student"), str(config)]
    env = {
        "JUPYTER_CONFIG_PATH": os.pathsep.join(config_path),
        "HVP_COURSE_ROLE": role_,
        "HVP_EXCHANGE_ROOT": str(where["exchange"]),
        **paths,   # the course environment first: `python`, `jupyter`, `nbgrader` in a terminal are the course's
    }
    if role_ == "instructor":
        env["HVP_COURSE_ROOT"] = str(where["course"])
    return env


def prepare_home(user, state=None):
    """Give ``user``'s home the chapters (``notebooks/``, missing files only: edits are kept) and, for an
    instructor, a link to the course folder. With isolation the home is the account's (0700, its owner)."""
    where = layout(state)
    if isolation():
        entry = account(user)
        if entry is None:
            raise RuntimeError(f"no unix account {unix_name(user)} for {user}: run `hubctl.py add-students {user}`")
        home, ids = Path(entry.pw_dir), (entry.pw_uid, entry.pw_gid)
        _mkdir(home, 0o700, *ids)
    else:
        home, ids = where["home"] / user, None
        home.mkdir(parents=True, exist_ok=True)
    target = home / "notebooks"
    for src in sorted(NOTEBOOKS.iterdir()):
        if src.is_file() and src.suffix in (".ipynb", ".md"):
            target.mkdir(exist_ok=True)
            if not (target / src.name).exists():
                shutil.copy2(src, target / src.name)
                if ids:
                    os.chown(target / src.name, *ids)
    if ids and target.is_dir():
        os.chown(target, *ids)
    if role(user) == "instructor" and not os.path.lexists(home / "course"):
        (home / "course").symlink_to(where["course"])
        if ids:
            os.lchown(home / "course", *ids)
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


def add_users(names, admin=False, state=None, **kw):
    """Create hub users (existing ones are left as they are); returns the names created.

    With isolation, first each user's unix account (``ensure_account``: root only), and for instructors the
    course folder is given to the first instructor's account.
    """
    if isolation():
        for name in names:
            ensure_account(name, state)
        if admin:
            give_course(state)
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
    """Environment of the lecturer's nbgrader commands: this venv, the hub's settings from this folder."""
    where = layout(state)
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "JUPYTER_CONFIG_PATH")}
    env.update(JUPYTER_CONFIG_PATH=str(SINGLEUSER_CONFIG), HVP_COURSE_ROLE="instructor",
               HVP_EXCHANGE_ROOT=str(where["exchange"]), HVP_COURSE_ROOT=str(where["course"]),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return env


def nbgrader(*args, state=None, timeout=None, capture=False, on_start=None):
    """``nbgrader ARGS`` in the course folder; returns the CompletedProcess.

    On a timeout (raised as ``subprocess.TimeoutExpired``), Ctrl-C or any other exception, nbgrader and
    everything it started (autograde's kernels) are ended by process id before the exception propagates.
    ``on_start(popen)`` is called once the process exists (the end-to-end test watches its tree).
    Run as root (autograde needs it: the grader runs student code as its sandboxed kernel user), nbgrader's
    files in the course folder are given back to the instructor's account afterwards.
    """
    where = init_state(state)
    return _supervised([sys.executable, "-m", "nbgrader", *args], where["course"], instructor_env(state),
                       state, timeout, capture, on_start)


def _supervised(cmd, cwd, env, state, timeout, capture, on_start):
    """Run ``cmd`` in its own session; on a timeout or any exception end its whole tree by pid; always give
    the course folder back to the instructor's account. Returns the CompletedProcess."""
    pipe = subprocess.PIPE if capture else None
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe,
                            text=True, start_new_session=True)
    try:
        if on_start:
            on_start(proc)
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        _end_tree(proc)
        raise
    finally:
        give_course(state)
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


GRADER = EXERCISES / "grading"   # the course's grader: its command line only (python exercises/grading grade)
EXPORT_COLUMNS = ["assignment", "student_id", "score", "max_score", "parts", "parts_passed", "tamper"]


def autograde(assignment, state=None, timeout=None, capture=False, on_start=None):
    """Grade the collected ``submitted/<student>/ASSIGNMENT`` with the course's grader (its command line).

    The grader runs every student's code in a kernel as its sandboxed kernel user (``nbgrader-kernel``, made
    when missing; a memory cap, a fresh home, the scratch gradebook out of reach), checks values outside the
    kernel and scans for tampering. With isolation it runs on the servers' runtime (runtime.py), which that
    user can execute wherever the checkout is. Writes ``grades/ASSIGNMENT.csv`` (one row per part) and the HTML feedback
    in ``feedback/<student>/ASSIGNMENT/`` of the course (with the submission's ``timestamp.txt`` and
    ``submission_secret.txt``, so that ``nbgrader release_feedback`` can hand it out). Returns the
    CompletedProcess of the grader; everything it started is ended by pid on a timeout or an interrupt.
    """
    import tempfile
    where = init_state(state)
    course = where["course"]
    submitted = course / "submitted"
    students = sorted(d.name for d in submitted.iterdir() if (d / assignment).is_dir()) if submitted.is_dir() else []
    (course / "grades").mkdir(exist_ok=True)
    out_csv = course / "grades" / f"{assignment}.csv"
    with tempfile.TemporaryDirectory(prefix="btg-hub-grade-") as scratch:
        os.chmod(scratch, 0o700)
        staged, feedback = Path(scratch) / "submissions", Path(scratch) / "feedback"
        for student in students:     # this assignment only (the grader grades every assignment it finds)
            shutil.copytree(submitted / student / assignment, staged / student / assignment, ignore=_IGNORE)
        staged.mkdir(exist_ok=True)
        # the grader's own settings only: none of the hub's (JUPYTER_CONFIG_PATH would point nbgrader at the
        # hub's course instead of the grader's scratch copy)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "HVP_", "JPY_")) and k != "LD_LIBRARY_PATH"}
        env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        # The grader runs student kernels as its unprivileged kernel user, which must be able to run the
        # interpreter and import the course's packages: the servers' runtime is built for exactly that (the
        # venv may sit in a checkout other users cannot traverse), so the grader runs on it when it exists.
        python = sys.executable
        import runtime
        if isolation() and (where["runtime"] / "bin" / runtime.VERSION).exists():
            python = str(where["runtime"] / "bin" / runtime.VERSION)
            env.update(runtime.env(where["runtime"]))
        done = _supervised([python, str(GRADER), "grade", str(staged), "-o", str(out_csv), "--feedback",
                            str(feedback)], scratch, env, state, timeout, capture, on_start)
        for student in students:
            src = feedback / student / assignment
            if not src.is_dir():
                continue
            dest = course / "feedback" / student / assignment
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(src, dest)
            for name in ("timestamp.txt", "submission_secret.txt"):
                if (submitted / student / assignment / name).is_file():
                    shutil.copy(submitted / student / assignment / name, dest / name)
        give_course(state)
    return done


def export(out, state=None, **kw):
    """One row per student and assignment from the grader's ``grades/*.csv``: score, max_score, parts, ..."""
    import csv
    grades = layout(state)["course"] / "grades"
    totals = {}
    for path in sorted(grades.glob("*.csv")) if grades.is_dir() else []:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                key = (row["assignment"], row["student"])
                t = totals.setdefault(key, {"score": 0.0, "max_score": 0.0, "parts": 0, "parts_passed": 0,
                                            "tamper": ""})
                t["score"] += float(row["points"])
                t["max_score"] += float(row["max_points"])
                t["parts"] += 1
                t["parts_passed"] += row["status"] == "passed"
                t["tamper"] = t["tamper"] or row.get("tamper", "")
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for (assignment, student), t in sorted(totals.items()):
            writer.writerow({"assignment": assignment, "student_id": student, **t})
    return subprocess.CompletedProcess(["export", str(out)], 0, f"{len(totals)} row(s) written to {out}\n", "")


def release_feedback(assignment, **kw):
    """``nbgrader release_feedback``: each student's feedback into the exchange, under a name only they know."""
    return nbgrader("release_feedback", assignment, **kw)


# ---------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------

def start_hub(extra=(), no_isolation=False):
    """Run the hub in the foreground (Ctrl-C stops it, its proxy and the users' servers)."""
    if not PROXY.exists():
        sys.exit(f"no proxy at {PROXY}: run `npm ci` in {HERE} (or `make hub`)")
    if no_isolation:
        os.environ["HVP_HUB_ISOLATION"] = "0"
    if isolation():
        if os.geteuid() != 0:
            sys.exit("the class hub runs as root (it starts each server as the student's own account); "
                     "for one person on a laptop: hubctl.py start --no-isolation")
        require_reachable()
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
    p.add_argument("--no-isolation", action="store_true",
                   help="every server as the hub's own unix user (one person's laptop, not a class)")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="more jupyterhub options")
    p = sub.add_parser("init", help="create the state folder and the course (done by start as well)")
    p.add_argument("--refresh", action="store_true", help="re-copy exercises/ config, grading/ and source/")
    p = sub.add_parser("add-students", help="create unix and hub accounts (as root, hub running)")
    p.add_argument("names", nargs="+")
    p = sub.add_parser("add-instructors", help="create unix and admin hub accounts (also list them in "
                                               "HVP_HUB_INSTRUCTORS when starting the hub)")
    p.add_argument("names", nargs="+")
    p = sub.add_parser("remove-accounts", help="delete the unix accounts hubctl.py made for these logins "
                                               "(end of term; homes stay in the state folder)")
    p.add_argument("names", nargs="+")
    for name in ("release", "collect", "release-feedback"):
        sub.add_parser(name, help=f"nbgrader {name.replace('-', '_')} in the course folder").add_argument("assignment")
    sub.add_parser("autograde", help="the course's grader (sandboxed kernels) on the collected submissions"
                   ).add_argument("assignment")
    p = sub.add_parser("export", help="one row per student and assignment, from the grader's tables")
    p.add_argument("-o", "--out", default="grades.csv")
    p = sub.add_parser("nbgrader", help="any nbgrader command in the course folder")
    p.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.command == "start":
        start_hub(args.extra, no_isolation=args.no_isolation)
    if args.command == "init":
        print(init_state(refresh=args.refresh)["state"])
        return 0
    if args.command in ("add-students", "add-instructors"):
        created = add_users(args.names, admin=args.command == "add-instructors")
        print("created:", " ".join(created) or "(none, all exist)")
        return 0
    if args.command == "remove-accounts":
        print("removed:", " ".join(remove_accounts(args.names)) or "(none)")
        return 0
    if args.command == "export":
        return export(args.out).returncode
    if args.command == "nbgrader":
        return nbgrader(*args.args).returncode
    return {"release": release, "collect": collect, "autograde": autograde,
            "release-feedback": release_feedback}[args.command](args.assignment).returncode


if __name__ == "__main__":
    sys.exit(main())
