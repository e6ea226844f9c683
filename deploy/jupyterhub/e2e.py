"""End-to-end test of the class hub: JupyterHub (as root) + proxy + three students on their own unix accounts.

    python deploy/jupyterhub/e2e.py [--state DIR] [--keep] [--json report.json]      (as root)

1. start the hub (jupyterhub_config.py, isolation on) on free loopback ports, in a fresh state folder under a
   temporary folder every account can traverse;
2. create an instructor and three students (unix accounts ``btgt-<name>``, homes 0700 in the state folder, and
   hub users); start the students' servers; each must run as its own uid with the spawner's rlimits;
3. each student opens chapter 01 through the proxy, runs its code cells in a kernel over the kernel websocket,
   and gets the chapter's stored outputs (sanitized like nbval: sanitize.cfg) with no error;
4. the instructor releases ch01_definition; the students fetch it through nbgrader's server extension, alice
   submits the solution, bob the untouched notebook and carol a broken one (two parts right, one wrong, one
   syntax error);
5. attacks, from alice's kernel (through the proxy, as her account): read bob's notebook, list and write his
   home, read the course's source/ and gradebook, change the released assignment, list the submissions,
   signal the hub and bob's server, read bob's server's environment, bob's notebook over the proxy with her
   token; submit as bob (forged id on the command line, in her nbgrader config, in the environment, a folder
   made by hand), and a submission of her own holding a link to the course's solution notebook. Each must be
   refused (PermissionError / HTTP 403) or, for submissions, refused at collect or filed under its real owner;
6. the instructor collects (the forged ones are refused, bob's honest one is kept, the link is not followed);
   alice submits again; collect, autograde (the course's grader, sandboxed kernels), export: exactly 10 / 0 / 5;
7. feedback is released; bob fetches his; alice can neither list the feedback, read bob's, nor fetch it with
   a forged id.

Every step has a deadline (an interval timer in the main thread, plus timeouts on every request and
subprocess); everything started is stopped at the end by process id (the hub, then any process ever seen in
its tree that is still alive: proxy, servers, kernels), even when a step fails, and again at exit; the test's
unix accounts are deleted (``hubctl.remove_accounts``) and the state folder with their homes removed.
Peak memory per student server is the sampled RSS of its whole process tree (server + kernel).
"""
import argparse
import atexit
import configparser
import contextlib
import csv
import datetime
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests
import websocket

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hubctl  # noqa: E402

ASSIGNMENT = "ch01_definition"
CHAPTER = "01_definition.ipynb"
INSTRUCTOR = "instructor"
STUDENTS = {"alice": "solution", "bob": "blank", "carol": "broken"}
TEST_PREFIX = "btgt-"   # the test's unix accounts (btgt-alice, ...): not a class's btg-*, nor the grader's nbg-*
MIB = 1024 * 1024

# Deadlines (seconds) per step; generous for 2 shared cores, far below "hangs forever".
DEADLINES = {"start hub": 120, "create users": 60, "start servers": 150, "run chapter": 240,
             "release": 120, "fetch": 90, "submit": 90, "attacks": 300, "collect": 60, "resubmit": 120,
             "autograde": 400, "export": 60, "feedback": 240, "stop": 60}


class StepTimeout(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------
# Processes: start, watch (memory, descendants), stop by pid
# ---------------------------------------------------------------------------------------------------

class Tracker:
    """The hub process and every process ever seen below it; RSS sampling per student server tree."""

    def __init__(self, interval=0.25):
        self.hub = None
        self.roots = []                # other processes whose trees are tracked (nbgrader commands)
        self.seen = {}                 # pid -> (create_time, cmdline head)
        self.uid_under = {}            # watched root pid -> real uids seen in its tree
        self.servers = {}              # student -> server pid
        self.peak = {}                 # label -> peak RSS (bytes)
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start_hub(self, cmd, cwd, env, log_path):
        log = open(log_path, "ab")
        os.chmod(log_path, 0o600)
        try:
            self.hub = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self._remember(psutil.Process(self.hub.pid))
        self._thread.start()
        return self.hub

    def watch(self, popen):
        """Also track ``popen``'s process tree (the instructor's nbgrader commands and their kernels)."""
        with self._lock:
            self.roots.append(popen.pid)
        self._remember(psutil.Process(popen.pid))

    def _remember(self, proc):
        try:
            with self._lock:
                self.seen.setdefault(proc.pid, (proc.create_time(), " ".join(proc.cmdline()[:3])))
        except psutil.Error:
            pass

    @staticmethod
    def _tree_rss(pid):
        try:
            root = psutil.Process(pid)
            procs = [root] + root.children(recursive=True)
        except psutil.Error:
            return 0
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def sample(self):
        if self.hub is None:
            return
        try:
            hub = psutil.Process(self.hub.pid)
            children = hub.children(recursive=True)
        except psutil.Error:
            return
        with self._lock:
            roots = list(self.roots)
        for pid in roots:
            with contextlib.suppress(psutil.Error):
                for p in psutil.Process(pid).children(recursive=True):
                    self._remember(p)
                    with contextlib.suppress(psutil.Error):
                        self.uid_under.setdefault(pid, set()).add(p.uids().real)
        for p in children:
            self._remember(p)
        with self._lock:
            servers = dict(self.servers)
        server_trees = set()
        for student, pid in servers.items():
            rss = self._tree_rss(pid)
            with contextlib.suppress(psutil.Error):
                server_trees |= {pid} | {c.pid for c in psutil.Process(pid).children(recursive=True)}
            self.peak[student] = max(self.peak.get(student, 0), rss)
        with contextlib.suppress(psutil.Error):
            self.peak["hub"] = max(self.peak.get("hub", 0), hub.memory_info().rss)
        proxy = sum(self._tree_rss(p.pid) for p in children
                    if p.pid not in server_trees and "configurable-http-proxy" in " ".join(
                        self._cmd(p)))
        self.peak["proxy"] = max(self.peak.get("proxy", 0), proxy)

    @staticmethod
    def _cmd(p):
        try:
            return p.cmdline()
        except psutil.Error:
            return []

    def _run(self):
        while not self._stop.wait(self.interval):
            self.sample()

    def stop_all(self, grace=30):
        """SIGTERM the hub (it stops its proxy and servers), then end whatever it left, by pid."""
        self._stop.set()
        if self.hub is not None and self.hub.poll() is None:
            self.sample()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.hub.pid, signal.SIGTERM)
            try:
                self.hub.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.hub.pid, signal.SIGKILL)
                self.hub.wait(10)
        leftovers = []
        with self._lock:
            seen = dict(self.seen)
        for pid, (created, cmd) in seen.items():
            try:
                p = psutil.Process(pid)
                if p.create_time() != created or p.status() == psutil.STATUS_ZOMBIE:
                    continue
            except psutil.Error:
                continue
            leftovers.append((p, cmd))
            with contextlib.suppress(psutil.Error):
                p.terminate()
        gone, alive = psutil.wait_procs([p for p, _ in leftovers], timeout=5)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=5)
        return [cmd for _, cmd in leftovers]


# ---------------------------------------------------------------------------------------------------
# Steps with deadlines
# ---------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def step(name, times, log, seconds=None):
    seconds = seconds or DEADLINES[name]

    def on_alarm(signum, frame):
        raise StepTimeout(f"step '{name}' passed its deadline of {seconds} s")

    use_alarm = threading.current_thread() is threading.main_thread()
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.monotonic()
    log(f"[e2e] {name} ...")
    try:
        yield time.monotonic() + seconds
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        times[name] = round(time.monotonic() - t0, 1)
        log(f"[e2e] {name}: {times[name]} s")


def until(predicate, deadline, what, interval=0.3):
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StepTimeout(f"timed out waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------------
# A student's session through the proxy: contents, kernels over the websocket, nbgrader's assignments
# ---------------------------------------------------------------------------------------------------

class Student:
    def __init__(self, base, name, token):
        self.base, self.name = base, name
        self.url = f"{base}/user/{name}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"
        self.token = token

    def get(self, path, **kw):
        r = self.http.get(f"{self.url}/{path}", timeout=30, **kw)
        r.raise_for_status()
        return r.json()

    def post(self, path, **kw):
        r = self.http.post(f"{self.url}/{path}", timeout=60, **kw)
        r.raise_for_status()
        return r.json() if r.content else None

    def read_notebook(self, path):
        return self.get(f"api/contents/{path}", params={"content": 1})["content"]

    def write_notebook(self, path, nb):
        r = self.http.put(f"{self.url}/api/contents/{path}", json={"type": "notebook", "format": "json",
                                                                    "content": nb}, timeout=30)
        r.raise_for_status()

    @contextlib.contextmanager
    def kernel(self, path, deadline):
        """A kernel for notebook ``path`` (a session, like JupyterLab opens); yields ``run(code) -> outputs``."""
        session = self.post("api/sessions", json={"path": path, "name": os.path.basename(path),
                                                  "type": "notebook", "kernel": {"name": "python3"}})
        kernel_id, session_id = session["kernel"]["id"], uuid.uuid4().hex
        ws_url = self.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={session_id}"
        ws = self._connect(kernel_id, ws_url, deadline)
        try:
            yield lambda code: self._execute(ws, session_id, code, deadline)
        finally:
            ws.close()
            self.http.delete(f"{self.url}/api/sessions/{session['id']}", timeout=30)

    def run_notebook(self, path, deadline, save=False):
        """Open ``path`` in a kernel and run its code cells; outputs by cell index. ``save``: store the
        outputs in the notebook and save it through the contents API, as JupyterLab's save does."""
        nb = self.read_notebook(path)
        outputs = {}
        with self.kernel(path, deadline) as run:
            for index, cell in enumerate(nb["cells"]):
                if cell["cell_type"] != "code":
                    continue
                outputs[index] = run("".join(cell["source"]))
        if save:
            saved = json.loads(json.dumps(nb))
            for index, got in outputs.items():
                saved["cells"][index]["outputs"] = [_as_nbformat(o) for o in got]
            self.write_notebook(path, saved)
        return nb, outputs

    def run_json(self, code, deadline, path="attacks.ipynb"):
        """Run ``code`` (which prints one JSON line last) in a fresh kernel; returns the parsed JSON."""
        with self.kernel(path, deadline) as run:
            outputs = run(code)
        errors = [o for o in outputs if o["output_type"] == "error"]
        assert not errors, f"{self.name}: {errors[0]['ename']}: {errors[0]['evalue']}"
        text = "".join("".join(o["text"]) for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")
        return json.loads(text.strip().splitlines()[-1])

    def _connect(self, kernel_id, ws_url, deadline):
        """Open the kernel's websocket, retrying a slow handshake until ``deadline``.

        Three kernels starting at once on two cores can take longer than one handshake timeout; a
        handshake that times out is retried rather than failing the whole run. (The REST state of a
        new kernel stays "starting" until a client connects, so it cannot be polled instead.)
        """
        while True:
            try:
                return websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"],
                                                   timeout=30)
            except (websocket.WebSocketTimeoutException, websocket.WebSocketBadStatusException,
                    ConnectionError) as exc:
                if time.monotonic() + 30 > deadline:
                    raise StepTimeout(f"{self.name}: kernel websocket did not open in time ({exc})") from exc
                time.sleep(1.0)

    def _execute(self, ws, session_id, code, deadline):
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": session_id,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        outputs, idle, replied = [], False, False
        while not (idle and replied):
            if time.monotonic() > deadline:
                raise StepTimeout(f"{self.name}: a cell did not finish in time")
            try:
                msg = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                continue  # a slow cell on a loaded machine: keep waiting until the step's deadline
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if msg.get("channel") == "shell" and kind == "execute_reply":
                replied = True
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append(dict(msg["content"], output_type=kind))
        return outputs

    def assignments(self):
        return self.get("assignments", params={"course_id": hubctl.COURSE_ID})

    def assignment_action(self, action):
        return self.post(f"assignments/{action}", data={"course_id": hubctl.COURSE_ID,
                                                        "assignment_id": ASSIGNMENT})


def _as_nbformat(out):
    """A kernel message's content as a notebook output."""
    kind = out["output_type"]
    if kind == "stream":
        return {"output_type": "stream", "name": out["name"], "text": out["text"]}
    if kind == "error":
        return {"output_type": "error", "ename": out["ename"], "evalue": out["evalue"],
                "traceback": out["traceback"]}
    item = {"output_type": kind, "data": out.get("data", {}), "metadata": out.get("metadata", {})}
    if kind == "execute_result":
        item["execution_count"] = out.get("execution_count")
    return item


# ---------------------------------------------------------------------------------------------------
# Attacks: code a student runs in their own kernel, through the proxy, as their own unix account
# ---------------------------------------------------------------------------------------------------

# Each attempt records whether it was refused, and how. P holds the paths and pids (JSON, put in by attack_code).
ATTACK_PRELUDE = r"""
import datetime, hashlib, json, os, shutil, signal, subprocess, sys, urllib.request
P = json.loads(__PARAMS__)
R = {}
HOME = os.path.expanduser("~")
def attempt(name, fn):
    try:
        value = fn()
    except Exception as exc:
        R[name] = {"refused": True, "error": type(exc).__name__, "detail": str(exc)[:160]}
    else:
        R[name] = {"refused": False, "detail": repr(value)[:160]}
def over_proxy(url):
    req = urllib.request.Request(url, headers={"Authorization": "token " + P["own_token"]})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status
def nbgrader(*args, env=None):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--course", P["course_id"]], cwd=HOME,
                          env=env or dict(os.environ), capture_output=True, text=True, timeout=180)
    log = proc.stderr + proc.stdout
    dest = [l.split("Destination: ", 1)[1].strip() for l in log.splitlines() if "Destination: " in l]
    return {"returncode": proc.returncode, "log": log[-400:], "folder": os.path.basename(dest[0]) if dest else ""}
"""

ATTACKS_ON_FILES = ATTACK_PRELUDE + r"""
attempt("read another student's notebook", lambda: open(P["victim_notebook"]).read(100))
attempt("list another student's home", lambda: os.listdir(P["victim_home"]))
attempt("write into another student's home", lambda: open(os.path.join(P["victim_home"], "owned.txt"), "w").write("x"))
attempt("read the course's source/ (solutions, hidden tests)", lambda: open(P["course_source"]).read(100))
attempt("list the course folder", lambda: os.listdir(P["course"]))
attempt("read the gradebook", lambda: open(P["gradebook"], "rb").read(100))
attempt("read the hub's database", lambda: open(P["hub_db"], "rb").read(100))
attempt("change the released assignment in the exchange", lambda: open(P["outbound_notebook"], "a").write(" "))
attempt("list the submissions in the exchange", lambda: os.listdir(P["inbound"]))
attempt("signal the hub's process", lambda: os.kill(P["hub_pid"], signal.SIGTERM))
attempt("signal another student's server", lambda: os.kill(P["victim_server_pid"], signal.SIGKILL))
attempt("read another server's environment (its API token)",
        lambda: open("/proc/%d/environ" % P["victim_server_pid"], "rb").read(100))
attempt("another student's notebook over the proxy, with one's own token",
        lambda: over_proxy(P["victim_contents_url"]))
# The per-student limits (rlimits from the spawner's pre-exec): a runaway kernel stops at them.
attempt("allocate 3 GiB in one's own kernel (a memory bomb)", lambda: len(bytearray(3 << 30)))
def many_processes(n=400):
    procs = []
    try:
        for _ in range(n):
            procs.append(subprocess.Popen(["sleep", "60"]))
        return len(procs)
    except OSError as exc:
        raise type(exc)(exc.errno, "after %d processes: %s" % (len(procs), exc.strerror)) from None
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
attempt("start 400 processes (a fork bomb)", many_processes)

# Submissions under the victim's name: nbgrader accepts them into the exchange (it cannot stop a student
# writing a folder); the instructor's collect must refuse them. Recorded as made, judged after collect.
F = {}
F["forged id on the command line (--student)"] = nbgrader("submit", P["assignment"], "--student", P["victim"])
cfg = os.path.join(HOME, ".jupyter", "nbgrader_config.py")
os.makedirs(os.path.dirname(cfg), exist_ok=True)
with open(cfg, "w") as fh:
    fh.write("c = get_config()\nc.CourseDirectory.student_id = %r\n" % P["victim"])
F["forged id in ~/.jupyter/nbgrader_config.py"] = nbgrader("submit", P["assignment"])
os.remove(cfg)
F["forged id in the environment (USER, LOGNAME, JUPYTERHUB_USER)"] = nbgrader(
    "submit", P["assignment"], env=dict(os.environ, USER=P["victim"], LOGNAME=P["victim"],
                                        JUPYTERHUB_USER=P["victim_login"]))
def handmade(claimed, stamp, tag, link_notebook_to=None):
    path = os.path.join(P["inbound"], "%s+%s+%s+%s" % (claimed, P["assignment"], stamp, tag))
    os.mkdir(path)
    nb = os.path.join(path, P["assignment"] + ".ipynb")
    if link_notebook_to:
        os.symlink(link_notebook_to, nb)
    else:
        shutil.copy(os.path.join(HOME, P["assignment"], P["assignment"] + ".ipynb"), nb)
    with open(os.path.join(path, "timestamp.txt"), "w") as fh:
        fh.write(stamp)
    return {"returncode": 0, "log": path, "folder": os.path.basename(path)}
F["a folder made by hand in the exchange, named for the victim, dated 2099"] = handmade(
    P["victim"], "2099-01-01 00:00:00.000000 UTC", "handmade")
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
F["one's own submission holding a link to the course's solution notebook"] = handmade(
    P["attacker"], now, "links", link_notebook_to=P["course_source"])
print(json.dumps({"denied": R, "forged": F}))
"""

def attack_code(template, params):
    return template.replace("__PARAMS__", repr(json.dumps(params)))


ATTACKS_ON_FEEDBACK = ATTACK_PRELUDE + r"""
attempt("list the released feedback in the exchange", lambda: os.listdir(P["feedback_exchange"]))
attempt("read another student's feedback in the course folder", lambda: open(P["victim_feedback"]).read(100))
fetched = nbgrader("fetch_feedback", P["assignment"], "--student", P["victim"])
mine = os.path.join(HOME, P["assignment"], "feedback")
hashes = []
for folder, _, files in os.walk(mine):
    for name in files:
        with open(os.path.join(folder, name), "rb") as fh:
            hashes.append(hashlib.sha256(fh.read()).hexdigest())
print(json.dumps({"denied": R, "fetch_feedback": fetched, "fetched_hashes": hashes}))
"""


# ---------------------------------------------------------------------------------------------------
# Expected outputs and submissions
# ---------------------------------------------------------------------------------------------------

def sanitizer():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(hubctl.REPO, "sanitize.cfg"))
    rules = [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]

    def clean(text):
        for regex, replace in rules:
            text = regex.sub(replace, text)
        return text
    return clean


def text_of(outputs):
    """What nbval compares for the cells we check: stream text and execute results' text/plain."""
    parts = []
    for out in outputs:
        if out["output_type"] == "stream":
            parts.append("".join(out["text"]))
        elif out["output_type"] == "execute_result":
            parts.append("".join(out["data"].get("text/plain", "")))
    return "".join(parts)


def check_chapter(nb, outputs):
    """Compare each code cell's text output with the stored one; returns the number of cells compared."""
    clean = sanitizer()
    compared = 0
    for index, got in outputs.items():
        cell = nb["cells"][index]
        errors = [o for o in got if o["output_type"] == "error"]
        assert not errors, f"cell {index} raised {errors[0]['ename']}: {errors[0]['evalue']}"
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"nbval-ignore-output", "nbval-skip", "raises-exception"}:
            continue
        want = text_of(cell.get("outputs", []))
        if not want:
            continue
        assert clean(text_of(got)) == clean(want), (
            f"cell {index}: got {text_of(got)!r}, stored output is {want!r}")
        compared += 1
    return compared


def _solution_sources():
    with open(os.path.join(hubctl.EXERCISES, "source", ASSIGNMENT, ASSIGNMENT + ".ipynb"), encoding="utf-8") as fh:
        source = json.load(fh)
    out = {}
    for cell in source["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            lines = "".join(cell["source"]).splitlines(keepends=True)
            out[meta["grade_id"]] = "".join(line for line in lines
                                            if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    points = {cell["metadata"]["nbgrader"]["grade_id"]: float(cell["metadata"]["nbgrader"].get("points", 0))
              for cell in source["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")}
    return out, points


BROKEN = {   # carol: parts 1, 3 and 5 solved; part 2 a wrong answer, part 4 does not even parse
    "hessian_f": "def hessian_f(p, a, b):\n    return np.zeros((3, 3))\n",
    "errors": "taylor_errors = [0.1, 0.2\nerror_order = 3\n",
}
BROKEN_PASSING = ["test_gradient_f", "test_gradient_yz", "test_taylor", "test_fig_taylor", "test_fig_taylor_style",
                  "test_q_symmetry"]   # 1 + 1 + 2 + 1 + 1 + 1 = 7 of 12 points (the plot takes autograd's derivatives)


def make_submission(nb, kind):
    solutions, _ = _solution_sources()
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if not cell["metadata"].get("nbgrader", {}).get("solution"):
            continue
        if kind == "solution" or (kind == "broken" and grade_id not in BROKEN):
            cell["source"] = solutions[grade_id]
        elif kind == "broken":
            cell["source"] = BROKEN[grade_id]
    return nb


def expected_scores():
    _, points = _solution_sources()
    full = sum(points.values())
    return {"alice": full, "bob": 0.0, "carol": sum(points[g] for g in BROKEN_PASSING)}, full


# ---------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------

def test_dir():
    """A folder for the run's state that every account can traverse (pytest's and $TMPDIR may not be)."""
    import runtime
    for candidate in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if os.path.isdir(candidate) and not runtime.unreachable(candidate):
            return candidate
    raise RuntimeError("no temporary folder that other users can traverse (tried $TMPDIR, /tmp, /var/tmp)")


def start_class(state, log, times, tracker, settings, students, deadlines=None):
    """Start the hub in ``state``, create the instructor and ``students`` (unix + hub accounts) and their API
    tokens, start every student's server; returns ``(tokens, server pids)``. Shared with load.py."""
    deadlines = deadlines or {}
    base = settings["HVP_HUB_URL"]
    with step("start hub", times, log, deadlines.get("start hub")) as deadline:
        hubctl.init_state(state)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        tracker.start_hub([os.path.join(os.path.dirname(sys.executable), "jupyterhub"),
                           "-f", os.path.join(HERE, "jupyterhub_config.py")], state,
                          env, os.path.join(state, "jupyterhub.log"))

        def hub_up():
            if tracker.hub.poll() is not None:
                raise RuntimeError(f"the hub exited with {tracker.hub.returncode}")
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"{base}/hub/api/", timeout=5).status_code == 200
        until(hub_up, deadline, "the hub's API through the proxy")

    with step("create users", times, log, deadlines.get("create users")):
        hubctl.add_users([INSTRUCTOR], admin=True, state=state)
        hubctl.add_users(list(students), state=state)
        status, info = hubctl.api("GET", f"users/{INSTRUCTOR}")
        assert status == 200 and info["admin"], f"{INSTRUCTOR} is not an admin: {status} {info}"
        tokens = {}
        for name in students:
            status, body = hubctl.api("POST", f"users/{name}/tokens", {"note": "e2e", "expires_in": 3600})
            assert status == 201, f"token for {name}: {status} {body}"
            tokens[name] = body["token"]
    return tokens


def start_servers(names, deadline, interval=0.5, on_ready=None):
    """POST every server (at once), then poll until all are ready; returns ``{name: pid}``."""
    for name in names:
        status, body = hubctl.api("POST", f"users/{name}/server", timeout=120)
        assert status in (201, 202), f"starting {name}'s server: {status} {body}"
    pids = {}
    while True:
        for name in names:
            if name in pids:
                continue
            _, info = hubctl.api("GET", f"users/{name}", timeout=60)
            server = info.get("servers", {}).get("")
            if server and server.get("ready"):
                pids[name] = server["state"]["pid"]
                if on_ready:
                    on_ready(name)
            elif not server or (not server.get("pending") and not server.get("ready")):
                raise RuntimeError(f"{name}'s server stopped while starting (see the hub's log)")
        if len(pids) == len(names):
            return pids
        if time.monotonic() > deadline:
            raise StepTimeout(f"servers not ready: {sorted(set(names) - set(pids))}")
        time.sleep(interval)


def check_isolation(pids):
    """Each server runs as its own account, with the spawner's rlimits; returns ``{name: uid}``."""
    mem = _bytes(hubctl.mem_limit())
    uids = {}
    for name, pid in pids.items():
        proc = psutil.Process(pid)
        entry = hubctl.account(name)
        assert entry is not None, f"no unix account for {name}"
        assert proc.uids().real == proc.uids().effective == entry.pw_uid != 0, (
            f"{name}'s server runs as uid {proc.uids()}, not {entry.pw_name} ({entry.pw_uid})")
        limits = _limits(pid)
        assert limits["Max address space"] == (mem, mem), f"{name}: {limits['Max address space']}"
        nproc = hubctl.nproc_limit()
        assert limits["Max processes"] == (nproc, nproc), f"{name}: {limits['Max processes']}"
        assert limits["Max core file size"] == (0, 0), f"{name}: {limits['Max core file size']}"
        uids[name] = entry.pw_uid
    return uids


def _limits(pid):
    """``{"Max address space": (soft, hard), ...}`` from /proc/<pid>/limits (``None`` for unlimited)."""
    out = {}
    with open(f"/proc/{pid}/limits") as fh:
        next(fh)
        for line in fh:
            name, soft, hard = line[:26].strip(), *line[26:].split()[:2]
            out[name] = tuple(None if v == "unlimited" else int(v) for v in (soft, hard))
    return out


def _bytes(text):
    text = str(text).strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(float(text[:-1]) * scale[text[-1]]) if text[-1] in scale else int(text)


def _user(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _refusals(log_text):
    return [line.split("REFUSED ", 1)[1] for line in log_text.splitlines() if "REFUSED " in line]


def _sha256(path):
    import hashlib
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def run(state=None, keep=False, log=print):
    """The whole scenario; returns a report dict. Raises on the first failed check (after cleaning up)."""
    t_start = time.monotonic()
    if not os.path.exists(hubctl.PROXY):
        raise RuntimeError(f"no proxy at {hubctl.PROXY}: run `npm ci` in {HERE} (make hub-test does)")
    if os.geteuid() != 0:
        raise RuntimeError("the end-to-end test runs the class hub as root (it creates unix accounts "
                           f"{TEST_PREFIX}*): run `make hub-test` as root")
    made_state = state is None
    state = os.path.abspath(state or tempfile.mkdtemp(prefix="hvp-hub-e2e-", dir=test_dir()))
    os.makedirs(state, exist_ok=True)
    public, hub_port, proxy_port = free_port(), free_port(), free_port()
    settings = {"HVP_HUB_STATE": state, "HVP_HUB_IP": "127.0.0.1", "HVP_HUB_PORT": str(public),
                "HVP_HUB_API_PORT": str(hub_port), "HVP_PROXY_API_PORT": str(proxy_port),
                "HVP_HUB_INSTRUCTORS": INSTRUCTOR, "HVP_HUB_ADMIN_TOKEN": secrets.token_hex(32),
                "HVP_HUB_URL": f"http://127.0.0.1:{public}", "HVP_HUB_ISOLATION": "1",
                "HVP_HUB_USER_PREFIX": TEST_PREFIX}
    saved_env = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    base = settings["HVP_HUB_URL"]
    hub_log = os.path.join(state, "jupyterhub.log")
    tracker = Tracker()
    cleanup_done = []
    users = [INSTRUCTOR, *STUDENTS]

    def cleanup():
        if cleanup_done:
            return [], []
        cleanup_done.append(True)
        leftovers = tracker.stop_all()
        removed = [] if keep else hubctl.remove_accounts(users)
        return leftovers, removed
    atexit.register(cleanup)
    times, report = {}, {"state": state, "ports": [public, hub_port, proxy_port]}
    attacks = {}   # attack -> {"expected": ..., "observed": ..., "ok": bool}
    ok = False
    # SIGTERM / SIGHUP end the run like Ctrl-C: through the finally block below that stops the processes.
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {sig: signal.signal(sig, signal.default_int_handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    acct = {name: hubctl.unix_name(name) for name in users}
    where = hubctl.layout(state)
    exchange = os.path.join(where["exchange"], hubctl.COURSE_ID)
    inbound = os.path.join(exchange, "inbound")
    try:
        tokens = start_class(state, log, times, tracker, settings, STUDENTS)

        with step("start servers", times, log) as deadline:
            pids = start_servers(list(STUDENTS), deadline)
            tracker.servers.update(pids)
            report["server_pids"] = pids
            report["server_uids"] = check_isolation(pids)
        students = {name: Student(base, name, tokens[name]) for name in STUDENTS}

        with step("run chapter", times, log) as deadline:
            def open_chapter(student):
                nb, outputs = student.run_notebook(f"notebooks/{CHAPTER}", deadline)
                return check_chapter(nb, outputs)
            pool = ThreadPoolExecutor(len(students))
            try:
                futures = {name: pool.submit(open_chapter, s) for name, s in students.items()}
                compared = {name: f.result(timeout=max(1, deadline - time.monotonic()))
                            for name, f in futures.items()}
            finally:
                pool.shutdown(wait=False, cancel_futures=True)  # a late worker ends with its server
            assert all(n >= 10 for n in compared.values()), f"too few cells compared: {compared}"
            report["chapter_cells_compared"] = compared

        with step("release", times, log):
            proc = hubctl.release(ASSIGNMENT, state=state, on_start=tracker.watch, timeout=DEADLINES["release"], capture=True)
            assert proc.returncode == 0, f"release failed:\n{proc.stdout}\n{proc.stderr}"
            assert os.path.isdir(os.path.join(exchange, "outbound", ASSIGNMENT))

        with step("fetch", times, log):
            for name, student in students.items():
                listed = student.assignments()
                assert listed["success"], listed
                released = [a for a in listed["value"] if a["assignment_id"] == ASSIGNMENT]
                assert released and released[0]["status"] == "released", f"{name} sees {listed['value']}"
                fetched = student.assignment_action("fetch")
                assert fetched["success"], fetched
                assert any(a["assignment_id"] == ASSIGNMENT and a["status"] == "fetched"
                           for a in fetched["value"]), f"{name} after fetch: {fetched['value']}"

        path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
        with step("submit", times, log):
            for name, student in students.items():
                nb = student.read_notebook(path)
                student.write_notebook(path, make_submission(nb, STUDENTS[name]))
                submitted = student.assignment_action("submit")
                assert submitted["success"], f"{name}'s submit: {submitted}"
            honest = sorted(os.listdir(inbound))
            assert sorted(d.split("+")[0] for d in honest) == sorted(acct[n] for n in STUDENTS), honest
            for d in honest:   # filed under the unix account, and owned by it
                assert pwd.getpwuid(os.lstat(os.path.join(inbound, d)).st_uid).pw_name == d.split("+")[0], d
            report["inbound"] = honest

        attacker, victim = "alice", "bob"
        victim_home = os.path.join(where["home"], acct[victim])
        params = {
            "attacker": acct[attacker], "victim": acct[victim], "victim_login": victim,
            "assignment": ASSIGNMENT, "course_id": hubctl.COURSE_ID, "own_token": tokens[attacker],
            "victim_home": victim_home, "victim_notebook": os.path.join(victim_home, "notebooks", CHAPTER),
            "course": str(where["course"]),
            "course_source": os.path.join(where["course"], "source", ASSIGNMENT, ASSIGNMENT + ".ipynb"),
            "gradebook": os.path.join(where["course"], "gradebook.db"), "hub_db": str(where["db"]),
            "outbound_notebook": os.path.join(exchange, "outbound", ASSIGNMENT, ASSIGNMENT + ".ipynb"),
            "inbound": inbound, "hub_pid": tracker.hub.pid, "victim_server_pid": pids[victim],
            "victim_contents_url": f"{base}/user/{victim}/api/contents/notebooks/{CHAPTER}",
            "feedback_exchange": os.path.join(exchange, "feedback"),
            "victim_feedback": os.path.join(where["course"], "feedback", acct[victim], ASSIGNMENT,
                                            ASSIGNMENT + ".html"),
        }
        for p in ("victim_notebook", "course_source", "gradebook", "outbound_notebook", "hub_db"):
            assert os.path.exists(params[p]), f"attack target missing (the attack would prove nothing): {params[p]}"

        with step("attacks", times, log) as deadline:
            got = students[attacker].run_json(attack_code(ATTACKS_ON_FILES, params), deadline)
            for name, result in got["denied"].items():
                expected = ("HTTPError" if "proxy" in name else "MemoryError" if "memory bomb" in name
                            else "BlockingIOError" if "fork bomb" in name else "PermissionError")
                attacks[name] = {"expected": f"refused ({expected})",
                                 "observed": (f"refused ({result['error']}: {result['detail'][:80]})"
                                              if result["refused"] else f"ALLOWED: {result['detail']}"),
                                 "ok": result["refused"] and result["error"] == expected}
            assert tracker.hub.poll() is None and psutil.pid_exists(pids[victim]), "the hub or bob's server died"
            assert not os.path.exists(os.path.join(victim_home, "owned.txt"))
            forged = got["forged"]
            for name, result in forged.items():
                assert result["returncode"] == 0, f"the attack '{name}' could not even be tried: {result['log']}"
            report["forged_submissions"] = sorted(forged)

        with step("collect", times, log):
            proc = hubctl.collect(ASSIGNMENT, state=state, on_start=tracker.watch, timeout=DEADLINES["collect"], capture=True)
            assert proc.returncode == 0, f"collect failed:\n{proc.stdout}\n{proc.stderr}"
            refused = _refusals(proc.stderr + proc.stdout)
            report["refused_at_collect"] = refused
            submitted = sorted(os.listdir(os.path.join(where["course"], "submitted")))
            assert submitted == sorted(acct[n] for n in STUDENTS), submitted
            as_victim = [r for r in refused if r.startswith(acct[victim] + "+")
                         and f"owned by {acct[attacker]}" in r]
            honest_victim = [d for d in honest if d.startswith(acct[victim] + "+")][0]
            with open(os.path.join(inbound, honest_victim, "timestamp.txt")) as fh:
                honest_stamp = fh.read()
            with open(os.path.join(where["course"], "submitted", acct[victim], ASSIGNMENT, "timestamp.txt")) as fh:
                collected_stamp = fh.read()
            for name, made in forged.items():
                claimed = made["folder"].split("+")[0]
                if "one's own" in name:
                    link_refused = [r for r in refused if "+links/" in r and "not copied" in r]
                    leaked = os.path.exists(os.path.join(where["course"], "submitted", acct[attacker], ASSIGNMENT,
                                                         ASSIGNMENT + ".ipynb"))
                    attacks[name] = {"expected": "the link is not followed at collect (file left out)",
                                     "observed": (link_refused[0] if link_refused else "no refusal logged")
                                     + ("; the solution was COPIED" if leaked else ""),
                                     "ok": bool(link_refused) and not leaked}
                elif claimed == acct[attacker]:   # nbgrader ignored the forged id: filed under the real owner
                    attacks[name] = {"expected": "refused at collect, or filed under its real owner",
                                     "observed": f"filed under {claimed} (its real owner), not {acct[victim]}",
                                     "ok": True}
                else:
                    was_refused = any(r.startswith(made["folder"] + ":") for r in as_victim)
                    attacks[name] = {"expected": "refused at collect, or filed under its real owner",
                                     "observed": ("refused at collect (" + made["folder"].split("+")[0]
                                                  + f" claimed, owned by {acct[attacker]}); {victim}'s collected "
                                                  "submission is " + ("the honest one" if collected_stamp == honest_stamp
                                                                      else "NOT the honest one"))
                                     if was_refused else f"COLLECTED as {claimed}",
                                     "ok": was_refused and collected_stamp == honest_stamp}

        with step("resubmit", times, log):
            # alice's latest submission was the one holding a link: she submits her work again, and collects it
            submitted = students[attacker].assignment_action("submit")
            assert submitted["success"], submitted
            proc = hubctl.collect(ASSIGNMENT, state=state, on_start=tracker.watch, timeout=DEADLINES["collect"], capture=True)
            assert proc.returncode == 0, f"collect failed:\n{proc.stdout}\n{proc.stderr}"
            assert os.path.exists(os.path.join(where["course"], "submitted", acct[attacker], ASSIGNMENT, ASSIGNMENT + ".ipynb"))

        with step("autograde", times, log):
            grader = []
            proc = hubctl.autograde(ASSIGNMENT, state=state, on_start=lambda p: (grader.append(p.pid), tracker.watch(p)),
                                    timeout=DEADLINES["autograde"], capture=True)
            assert proc.returncode == 0, f"autograde failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            report["grader_output"] = proc.stdout[-1500:]
            # student code ran as the grader's unprivileged kernel user(s): neither root nor a student
            kernel_uids = tracker.uid_under.get(grader[0], set()) - {0}
            report["grading_uids"] = sorted(_user(u) for u in kernel_uids)
            assert kernel_uids and not kernel_uids & set(report["server_uids"].values()), (
                f"the grader's kernels ran as {report['grading_uids'] or 'root'}:\n{proc.stdout[-1500:]}")

        with step("export", times, log):
            grades_csv = os.path.join(where["course"], "grades.csv")
            proc = hubctl.export(grades_csv, state=state)
            assert proc.returncode == 0, f"export failed:\n{proc.stdout}\n{proc.stderr}"
            with open(grades_csv, newline="", encoding="utf-8") as fh:
                rows = [r for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT]
            by_account = {acct[n]: n for n in STUDENTS}
            table = {by_account.get(r["student_id"], r["student_id"]): (float(r["score"]), float(r["max_score"]))
                     for r in rows}
            want, full = expected_scores()
            report["grades"] = table
            assert table == {name: (score, full) for name, score in want.items()}, (
                f"grade table {table}, expected {want} of {full}")

        with step("feedback", times, log) as deadline:
            proc = hubctl.release_feedback(ASSIGNMENT, state=state, on_start=tracker.watch,
                                           timeout=DEADLINES["feedback"], capture=True)
            assert proc.returncode == 0, f"release_feedback failed:\n{proc.stdout}\n{proc.stderr}"
            got = students[victim].assignment_action("fetch_feedback")
            assert got["success"], got
            own = [os.path.join(d, f) for d, _, files in os.walk(os.path.join(victim_home, ASSIGNMENT, "feedback"))
                   for f in files if f.endswith(".html")]
            assert own, f"{victim} fetched no feedback of their own: {got}"
            victim_hash = _sha256(params["victim_feedback"])
            got = students[attacker].run_json(attack_code(ATTACKS_ON_FEEDBACK, params), deadline)
            for name, result in got["denied"].items():
                attacks[name] = {"expected": "refused (PermissionError)",
                                 "observed": (f"refused ({result['error']}: {result['detail'][:80]})"
                                              if result["refused"] else f"ALLOWED: {result['detail']}"),
                                 "ok": result["refused"] and result["error"] == "PermissionError"}
            stolen = victim_hash in got["fetched_hashes"]
            attacks["fetch another student's feedback (nbgrader fetch_feedback --student)"] = {
                "expected": "nothing of the victim's fetched",
                "observed": (f"{len(got['fetched_hashes'])} file(s) fetched, all the attacker's own"
                             if not stolen else f"{victim}'s feedback FETCHED"),
                "ok": not stolen}

        report["attacks"] = attacks
        failed = {k: v for k, v in attacks.items() if not v["ok"]}
        assert not failed, "attacks that were not refused:\n" + json.dumps(failed, indent=1)
        ok = True
    except BaseException:
        if os.path.exists(hub_log):
            with open(hub_log, encoding="utf-8", errors="replace") as fh:
                log("[e2e] last lines of the hub's log:\n" + "".join(fh.readlines()[-40:]))
        raise
    finally:
        report.setdefault("attacks", attacks)
        t0 = time.monotonic()
        leftovers, removed = cleanup()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        times["stop"] = round(time.monotonic() - t0, 1)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        report.update(times=times, total_s=round(time.monotonic() - t_start, 1), ok=ok,
                      peak_rss_mib={k: round(v / MIB) for k, v in tracker.peak.items()},
                      leftover_processes=leftovers, accounts_removed=removed)
        log("[e2e] " + json.dumps(report, sort_keys=True))
        if made_state and not keep:
            shutil.rmtree(state, ignore_errors=True)
    return report


def attack_table(report):
    """The report's attacks as text lines: attack | expected | observed."""
    lines = []
    for name, a in report.get("attacks", {}).items():
        lines.append(f"{'ok ' if a['ok'] else 'BAD'} | {name} | {a['expected']} | {a['observed']}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state", help="state folder (default: a fresh temporary one, deleted afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state folder")
    parser.add_argument("--json", help="write the report here")
    args = parser.parse_args(argv)
    report = run(args.state, keep=args.keep)
    print("\n".join(attack_table(report)))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2, sort_keys=True)
    return 0 if report["ok"] and not report["leftover_processes"] else 1


if __name__ == "__main__":
    sys.exit(main())
