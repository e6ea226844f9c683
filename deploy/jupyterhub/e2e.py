"""End-to-end test of the class hub: JupyterHub + proxy + three students + nbgrader's exchange, on loopback.

    python deploy/jupyterhub/e2e.py [--state DIR] [--keep] [--json report.json]

1. start the hub (jupyterhub_config.py) on free loopback ports, in a fresh state folder;
2. create an instructor and three students through the REST API, start the students' servers;
3. each student opens chapter 01 through the proxy, runs its code cells in a kernel over the kernel websocket,
   and gets the chapter's stored outputs (sanitized like nbval: sanitize.cfg) with no error;
4. the instructor releases ch01_definition (nbgrader generate_assignment + release_assignment); the students
   fetch it through nbgrader's server extension, alice submits the solution, bob submits it untouched and carol
   a broken one (two parts right, one wrong, one syntax error);
5. the instructor collects, autogrades and exports: the grade table must be exactly 10 / 0 / 5 of 10.

Every step has a deadline (an interval timer in the main thread, plus timeouts on every request and
subprocess); everything started is stopped at the end by process id (the hub, then any process ever seen in
its tree that is still alive: proxy, servers, kernels), even when a step fails, and again at exit.
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
MIB = 1024 * 1024

# Deadlines (seconds) per step; generous for 2 shared cores, far below "hangs forever".
DEADLINES = {"start hub": 90, "create users": 30, "start servers": 150, "run chapter": 240,
             "release": 120, "fetch": 90, "submit": 90, "collect": 60, "autograde": 300, "export": 60,
             "stop": 60}


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
        self.servers = {}              # student -> server pid
        self.peak = {}                 # label -> peak RSS (bytes)
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start_hub(self, cmd, cwd, env, log_path):
        log = open(log_path, "ab")
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
def step(name, times, log):
    seconds = DEADLINES[name]

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

    def run_notebook(self, path, deadline):
        """Open ``path`` in a kernel (a session, like JupyterLab does) and run its code cells; outputs by index."""
        nb = self.read_notebook(path)
        session = self.post("api/sessions", json={"path": path, "name": os.path.basename(path),
                                                  "type": "notebook", "kernel": {"name": "python3"}})
        kernel_id, session_id = session["kernel"]["id"], uuid.uuid4().hex
        ws_url = self.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={session_id}"
        ws = self._connect(kernel_id, ws_url, deadline)
        outputs = {}
        try:
            for index, cell in enumerate(nb["cells"]):
                if cell["cell_type"] != "code":
                    continue
                outputs[index] = self._execute(ws, session_id, "".join(cell["source"]), deadline)
        finally:
            ws.close()
            self.http.delete(f"{self.url}/api/sessions/{session['id']}", timeout=30)
        return nb, outputs

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


BROKEN = {   # carol: parts 1 and 3 solved; part 2 a wrong answer, part 4 does not even parse
    "hessian_f": "def hessian_f(p, a, b):\n    return np.zeros((3, 3))\n",
    "errors": "taylor_errors = [0.1, 0.2\nerror_order = 3\n",
}
BROKEN_PASSING = ["test_gradient_f", "test_taylor"]


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

def run(state=None, keep=False, log=print):
    """The whole scenario; returns a report dict. Raises on the first failed check (after cleaning up)."""
    t_start = time.monotonic()
    if not os.path.exists(hubctl.PROXY):
        raise RuntimeError(f"no proxy at {hubctl.PROXY}: run `npm ci` in {HERE} (make hub-test does)")
    made_state = state is None
    state = os.path.abspath(state or tempfile.mkdtemp(prefix="btg-hub-e2e-"))
    os.makedirs(state, exist_ok=True)
    public, hub_port, proxy_port = free_port(), free_port(), free_port()
    settings = {"HVP_HUB_STATE": state, "HVP_HUB_IP": "127.0.0.1", "HVP_HUB_PORT": str(public),
                "HVP_HUB_API_PORT": str(hub_port), "HVP_PROXY_API_PORT": str(proxy_port),
                "HVP_HUB_INSTRUCTORS": INSTRUCTOR, "HVP_HUB_ADMIN_TOKEN": secrets.token_hex(32),
                "HVP_HUB_URL": f"http://127.0.0.1:{public}"}
    saved_env = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    base = settings["HVP_HUB_URL"]
    hub_log = os.path.join(state, "jupyterhub.log")
    tracker = Tracker()
    cleanup_done = []

    def cleanup():
        if cleanup_done:
            return []
        cleanup_done.append(True)
        return tracker.stop_all()
    atexit.register(cleanup)
    times, report = {}, {"state": state, "ports": [public, hub_port, proxy_port]}
    ok = False
    # SIGTERM / SIGHUP end the run like Ctrl-C: through the finally block below that stops the processes.
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {sig: signal.signal(sig, signal.default_int_handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with step("start hub", times, log) as deadline:
            hubctl.init_state(state)
            env = dict(os.environ, PYTHONUNBUFFERED="1")
            tracker.start_hub([os.path.join(os.path.dirname(sys.executable), "jupyterhub"),
                               "-f", os.path.join(HERE, "jupyterhub_config.py")], state, env, hub_log)

            def hub_up():
                if tracker.hub.poll() is not None:
                    raise RuntimeError(f"the hub exited with {tracker.hub.returncode}")
                with contextlib.suppress(requests.RequestException):
                    return requests.get(f"{base}/hub/api/", timeout=5).status_code == 200
            until(hub_up, deadline, "the hub's API through the proxy")

        with step("create users", times, log):
            hubctl.add_users([INSTRUCTOR], admin=True)
            hubctl.add_users(list(STUDENTS))
            status, info = hubctl.api("GET", f"users/{INSTRUCTOR}")
            assert status == 200 and info["admin"], f"{INSTRUCTOR} is not an admin: {status} {info}"
            tokens = {}
            for name in STUDENTS:
                status, body = hubctl.api("POST", f"users/{name}/tokens", {"note": "e2e", "expires_in": 3600})
                assert status == 201, f"token for {name}: {status} {body}"
                tokens[name] = body["token"]

        with step("start servers", times, log) as deadline:
            for name in STUDENTS:
                status, body = hubctl.api("POST", f"users/{name}/server", timeout=60)
                assert status in (201, 202), f"starting {name}'s server: {status} {body}"

            def ready():
                states = {}
                for name in STUDENTS:
                    _, info = hubctl.api("GET", f"users/{name}")
                    server = info.get("servers", {}).get("")
                    if not (server and server.get("ready")):
                        return None
                    states[name] = server["state"]["pid"]
                return states
            pids = until(ready, deadline, "three ready servers", interval=0.5)
            tracker.servers.update(pids)
            report["server_pids"] = pids
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
            assert os.path.isdir(os.path.join(state, "exchange", hubctl.COURSE_ID, "outbound", ASSIGNMENT))

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

        with step("submit", times, log):
            path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
            for name, student in students.items():
                nb = student.read_notebook(path)
                student.write_notebook(path, make_submission(nb, STUDENTS[name]))
                submitted = student.assignment_action("submit")
                assert submitted["success"], f"{name}'s submit: {submitted}"
            inbound = sorted(os.listdir(os.path.join(state, "exchange", hubctl.COURSE_ID, "inbound")))
            assert sorted(d.split("+")[0] for d in inbound) == sorted(STUDENTS), inbound
            report["inbound"] = inbound

        with step("collect", times, log):
            proc = hubctl.collect(ASSIGNMENT, state=state, on_start=tracker.watch, timeout=DEADLINES["collect"], capture=True)
            assert proc.returncode == 0, f"collect failed:\n{proc.stdout}\n{proc.stderr}"
            submitted = sorted(os.listdir(os.path.join(state, "course", "submitted")))
            assert submitted == sorted(STUDENTS), submitted

        with step("autograde", times, log):
            proc = hubctl.autograde(ASSIGNMENT, state=state, on_start=tracker.watch, timeout=DEADLINES["autograde"], capture=True)
            assert proc.returncode == 0, f"autograde failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"

        with step("export", times, log):
            grades_csv = os.path.join(state, "grades.csv")
            proc = hubctl.export(grades_csv, state=state, on_start=tracker.watch, timeout=DEADLINES["export"], capture=True)
            assert proc.returncode == 0, f"export failed:\n{proc.stdout}\n{proc.stderr}"
            with open(grades_csv, newline="", encoding="utf-8") as fh:
                rows = [r for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT]
            table = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in rows}
            want, full = expected_scores()
            report["grades"] = table
            assert table == {name: (score, full) for name, score in want.items()}, (
                f"grade table {table}, expected {want} of {full}")
        ok = True
    except BaseException:
        if os.path.exists(hub_log):
            with open(hub_log, encoding="utf-8", errors="replace") as fh:
                log("[e2e] last lines of the hub's log:\n" + "".join(fh.readlines()[-40:]))
        raise
    finally:
        t0 = time.monotonic()
        leftovers = cleanup()
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
                      leftover_processes=leftovers)
        log("[e2e] " + json.dumps(report, sort_keys=True))
        if made_state and not keep:
            shutil.rmtree(state, ignore_errors=True)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state", help="state folder (default: a fresh temporary one, deleted afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state folder")
    parser.add_argument("--json", help="write the report here")
    args = parser.parse_args(argv)
    report = run(args.state, keep=args.keep)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2, sort_keys=True)
    return 0 if report["ok"] and not report["leftover_processes"] else 1


if __name__ == "__main__":
    sys.exit(main())
