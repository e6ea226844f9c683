"""Graded exercises (issues 9 and 12): nbgrader course layout, release drift, and grading under hostile submissions.

One scratch nbgrader course is built per module: the release is regenerated once, and one autograde run per
assignment grades every submission below (solutions, untouched student versions, hostile, tampering and
gradebook-writing ones), so each notebook runs in a kernel only once; the regrade test adds two small runs.
Runtime: about five minutes on two cores (each notebook in its own nbgrader process, issue 19).
"""
import csv
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from grading_support import set_source, append_source, ROOT, EXERCISES, ASSIGNMENTS, load, grade_id, cell_by_id, source_nb  # noqa: F401  (puts exercises/ on sys.path)

from grading import course  # noqa: E402

TIMEOUT = 10          # seconds per cell while grading the hostile submissions




# ---------------------------------------------------------------------------------------------------
# Layout and the committed release
# ---------------------------------------------------------------------------------------------------

def test_course_layout():
    assert (EXERCISES / "nbgrader_config.py").is_file()
    assert course.assignment_names() == ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        parts = course.source_parts(assignment)
        assert list(parts) == [assignment]
        cells = parts[assignment]
        assert len(cells) >= 3, f"{assignment} has fewer than three graded parts"
        assert sum(points for _, points in cells) >= 10, f"{assignment} is worth less than 10 points"
        released = sorted(p.name for p in (EXERCISES / "release" / assignment).iterdir())
        assert released == [f"{assignment}.ipynb"]


@pytest.fixture(scope="module")
def regenerated(graded):
    """A scratch course in which nbgrader generate_assignment has run for every assignment: the grading
    run's (it generates every assignment it grades, from a copy of source/), so nbgrader runs once."""
    return Path(graded["course"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_what_nbgrader_generates(regenerated, assignment):
    fresh = load(regenerated / "release" / assignment / f"{assignment}.ipynb")
    committed = load(EXERCISES / "release" / assignment / f"{assignment}.ipynb")
    assert committed["metadata"] == fresh["metadata"]
    assert len(committed["cells"]) == len(fresh["cells"])
    for mine, theirs in zip(committed["cells"], fresh["cells"]):
        assert mine == theirs, (f"release/{assignment} drifted from source/ at cell {grade_id(theirs)}: "
                                "run `python exercises/grading release`")


def _region_lines(text, begin, end):
    inside, lines = False, []
    for line in text.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_or_hidden_test_line_is_released(assignment):
    src = source_nb(assignment)
    released = load(EXERCISES / "release" / assignment / f"{assignment}.ipynb")
    released_lines = {line.strip() for c in released["cells"] for line in "".join(c["source"]).splitlines()}
    secret, public = set(), set()
    for c in src["cells"]:
        text = "".join(c["source"])
        cell_secret = (_region_lines(text, "### BEGIN SOLUTION", "### END SOLUTION")
                       + _region_lines(text, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))
        secret.update(cell_secret)
        public.update(line.strip() for line in re.sub(
            r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END (SOLUTION|HIDDEN TESTS)", "", text,
            flags=re.S).splitlines())
    leaked = sorted((secret - public) & released_lines)
    assert not leaked, f"solution/hidden-test lines in release/{assignment}: {leaked[:5]}"
    for c in released["cells"]:
        text = "".join(c["source"])
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        assert not c.get("outputs"), "released notebooks carry no outputs"
        if c["metadata"]["nbgrader"].get("solution"):
            assert "raise NotImplementedError()" in text


# ---------------------------------------------------------------------------------------------------
# Submissions: good, empty, hostile, tampering, broken
# ---------------------------------------------------------------------------------------------------

_set, _append = set_source, append_source  # shared with the other grading tests (grading_support)


def hostile_ch01():
    nb = source_nb("ch01_definition")                       # part 1 right, the rest hostile
    _set(nb, "hessian_f", "while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass\n")
    _append(nb, "taylor", "import os\nos._exit(0)\n")
    _set(nb, "errors", "print('x' * 50_000_000)\nnp = None\nimport sys\nsys.exit(3)\n")
    return nb


def hostile_ch04():
    nb = source_nb("ch04_optimization")                     # parts 2b and 3 right
    _set(nb, "cg", "def cgls(matvec, rmatvec, b, n, tol=1e-10, max_iter=None):\n"
                   "    while True:\n        try:\n            pass\n        except KeyboardInterrupt:\n"
                   "            pass\n")
    _set(nb, "newton_cg", "def inexact_newton_step(hvp, g, eta, max_iter=None):\n    import os\n    os._exit(1)\n")
    return nb                                               # 8: part 2b runs on a stand-in step


def tampering_ch03():
    nb = source_nb("ch03_hvp")
    # a wrong fd_hvp (off by 2) that rebinds the visible test's helper so the visible test passes
    # (its step follows the ε rule, so only the factor 2 is wrong)
    _set(nb, "fd_hvp", "def fd_hvp(grad_f, x, v, eps=None):\n"
                       "    if not np.any(v):\n        return np.zeros(np.shape(x))\n"
                       "    e = 7.4e-4 * max(1.0, np.linalg.norm(x)) / np.linalg.norm(v)\n"
                       "    g = [grad_f(x + k * e * v) for k in (2, 1, -1, -2)]\n"
                       "    return (-g[0] + 8 * g[1] - 8 * g[2] + g[3]) / (6 * e)\n\n"
                       "_answers = iter([0.0, 1.0, 0.0, 0.0])\n"
                       "rel_err = lambda a, b: next(_answers, 0.0)\n")
    # a wrong answer, and the test cell deleted
    _set(nb, "best_eps", "fd_errors = np.ones(12)\neps_best = 1e-12\nbest_power = 1 / 3\n")
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "test_best_eps"]
    return nb                                               # rop_hvp stays right: 4 points


def cheating_ch03():
    nb = source_nb("ch03_hvp")                              # the answers come from hvplib / autograd
    _set(nb, "fd_hvp", "def fd_hvp(grad_f, x, v, eps=None):\n    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)\n"
                       "    e = 7.4e-4 * max(1.0, np.linalg.norm(x)) / max(np.linalg.norm(v), 1e-300) if eps is None else eps\n"
                       "    return (4 * hv.fd_hvp(grad_f, x, v, eps=e) - hv.fd_hvp(grad_f, x, v, eps=2 * e)) / 3\n")
    _set(nb, "rop_hvp", "def rop_hvp(params, X, T, vec):\n"
                        "    w = hv.hvp(lambda w: loss(unflatten(w, params), X, T), flatten(params), flatten(vec))\n"
                        "    return unflatten(w, params)\n")
    return nb                                               # part 2 (best ε) stays right: 2 points


def broken_ch02():
    nb = source_nb("ch02_curvature")                        # part 1 right
    _set(nb, "classify", "def classify(H, tol=1e-8):\n    raise ValueError('not today')\n")
    _append(nb, "degenerate", "np.testing.assert_allclose = lambda *a, **k: None\nnp.allclose = lambda *a, **k: True\n"
                              "truth = {'x4+y4': 'saddle', 'x4-y4': 'minimum'}\n")
    _set(nb, "sylvester", "def leading_minors(H)\n    return [1]\n")   # a syntax error
    return nb


def memory_bomb_ch05():
    nb = source_nb("ch05_landscapes")                       # all right, but the logreg cell allocates without end
    c = cell_by_id(nb, "logreg")
    c["source"] = "_hog = [bytearray(10 ** 8) for _ in range(10 ** 6)]\n" + "".join(c["source"])
    return nb                                               # 15 points: the three logistic-regression parts lost


def patcher_ch01():
    """Wrong gradient; builtins.abs and numpy's max patched so that every in-kernel comparison passes."""
    nb = source_nb("ch01_definition")
    c = cell_by_id(nb, "gradient_f")
    c["source"] = "".join(c["source"]).replace("a * x * y * np.exp(y * z)", "0.0")    # ∂f/∂z wrong
    _append(nb, "gradient_f", "import builtins\nbuiltins.abs = lambda x: 0.0\n"
                              "np.max = lambda *a, **k: 0.0\nnp.testing.assert_allclose = lambda *a, **k: None\n")
    return nb                                               # the gradient fails outside; the rest: tampered


TRANSFORMER = """
def _always_pass(lines):
    return [l.replace("assert ", "assert True or ").replace("raise AssertionError", "print") for l in lines]
get_ipython().input_transformers_post.append(_always_pass)
"""


def transformer_ch03():
    """An input transformer that turns every later `assert X` into `assert True or X`; fd_hvp off by 2."""
    nb = source_nb("ch03_hvp")
    c = cell_by_id(nb, "fd_hvp")
    c["source"] = "".join(c["source"]).replace("/ (12 * eps)", "/ (6 * eps)") + "\n" + TRANSFORMER
    return nb                                               # 0: fd_hvp fails outside, the rest is tampered


def npinternals_ch04():
    """CG right (4 points); then numpy.linalg.norm patched and a wrong Newton-CG step (−g) passes the in-kernel tests."""
    nb = source_nb("ch04_optimization")
    _set(nb, "newton_cg", "class _Z(float):\n    def __truediv__(self, other):\n        return 0.0\n\n"
                          "    def __le__(self, other):\n        return True\n\n"
                          "np.linalg.norm = lambda *a, **k: _Z(1.0)\n\n"
                          "def inexact_newton_step(hvp, g, eta, max_iter=None):\n"
                          "    return -np.asarray(g, dtype=float)\n")
    return nb                                               # 4: cg kept, newton fails outside, rate tampered


GRADEBOOK_WRITER = """
import glob, os, sqlite3
targets = sorted(set(glob.glob('/tmp/**/gradebook.db', recursive=True) + [{path!r}, '../../../gradebook.db']))
for target in targets:
    try:
        db = sqlite3.connect(target)
        db.execute("UPDATE grade SET manual_score = 99")
        db.commit()
        print("gradebook write succeeded:", target)
    except Exception as exc:
        print("gradebook write failed:", target, type(exc).__name__, exc)
"""


def gradebook_writer_ch02(gradebook_path):
    """All right, plus a last cell that tries to give itself 99 points in every grade of the gradebook."""
    nb = source_nb("ch02_curvature")
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "sneaky", "metadata": {},
                        "outputs": [], "source": GRADEBOOK_WRITER.format(path=gradebook_path)})
    return nb                                               # 13, and the gradebook unchanged


def warner_ch03():
    """All right, but fd_hvp warns and rop_hvp writes to stderr on every call."""
    nb = source_nb("ch03_hvp")
    _append(nb, "fd_hvp", "import warnings\n_fd = fd_hvp\n\ndef fd_hvp(grad_f, x, v, eps=None):\n"
                          "    warnings.warn('this is only a finite difference', RuntimeWarning)\n"
                          "    return _fd(grad_f, x, v, eps=eps)\n")
    _append(nb, "rop_hvp", "import sys\n_rop = rop_hvp\n\ndef rop_hvp(*args):\n"
                           "    print('computing the R-operator', file=sys.stderr)\n    return _rop(*args)\n")
    return nb                                               # 18


def editor_ch01():
    """A wrong gradient, and its test cell (source and points) rewritten to pass."""
    nb = source_nb("ch01_definition")
    _set(nb, "gradient_f", "def gradient_f(p, a, b):\n    return np.zeros(3)\n")
    test = cell_by_id(nb, "test_gradient_f")
    test["source"] = "print('all good')\n"
    test["metadata"]["nbgrader"]["points"] = 100
    return nb                                               # 10: the two gradient cells (restored) fail


def _write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)


def _digest(folder):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade one folder of submissions; return rows, the scratch course, timing and file digests."""
    base = tmp_path_factory.mktemp("grading")
    subs = base / "submitted"
    for assignment in ASSIGNMENTS:
        shutil.copy(EXERCISES / "source" / assignment / f"{assignment}.ipynb",
                    (subs / "solution" / assignment).mkdir(parents=True) or subs / "solution" / assignment)
        shutil.copy(EXERCISES / "release" / assignment / f"{assignment}.ipynb",
                    (subs / "untouched" / assignment).mkdir(parents=True) or subs / "untouched" / assignment)
    _write(hostile_ch01(), subs / "hostile" / "ch01_definition" / "ch01_definition.ipynb")
    _write(hostile_ch04(), subs / "hostile" / "ch04_optimization" / "ch04_optimization.ipynb")
    _write(tampering_ch03(), subs / "tamperer" / "ch03_hvp" / "ch03_hvp.ipynb")
    _write(cheating_ch03(), subs / "cheater" / "ch03_hvp" / "ch03_hvp.ipynb")
    _write(broken_ch02(), subs / "broken" / "ch02_curvature" / "ch02_curvature.ipynb")
    _write(source_nb("ch02_curvature"), subs / "misnamed" / "ch02_curvature" / "answers.ipynb")
    (subs / "hostile" / "not_an_assignment").mkdir()
    keep = base / "course"
    _write(memory_bomb_ch05(), subs / "bomb" / "ch05_landscapes" / "ch05_landscapes.ipynb")
    _write(patcher_ch01(), subs / "patcher" / "ch01_definition" / "ch01_definition.ipynb")
    _write(transformer_ch03(), subs / "transformer" / "ch03_hvp" / "ch03_hvp.ipynb")
    _write(npinternals_ch04(), subs / "npinternals" / "ch04_optimization" / "ch04_optimization.ipynb")
    _write(gradebook_writer_ch02(str(keep / "gradebook.db")), subs / "writer" / "ch02_curvature" / "ch02_curvature.ipynb")
    _write(warner_ch03(), subs / "warner" / "ch03_hvp" / "ch03_hvp.ipynb")
    _write(editor_ch01(), subs / "editor" / "ch01_definition" / "ch01_definition.ipynb")
    before = _digest(subs)
    out = base / "grades.csv"
    messages = []
    start = time.monotonic()
    rows = course.grade(str(subs), out_csv=str(out), timeout=TIMEOUT, keep=str(keep), log=messages.append)
    elapsed = time.monotonic() - start
    return {"rows": rows, "csv": out, "course": keep, "elapsed": elapsed, "before": before,
            "after": _digest(subs), "messages": messages}


def parts(graded, student, assignment):
    return {r.part: r for r in graded["rows"] if r.student == student and r.assignment == assignment}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_score_full_marks(graded, assignment):
    got = parts(graded, "solution", assignment)
    assert [p for p, _ in course.source_parts(assignment)[assignment]] == list(got)
    for part, row in got.items():
        assert row.status == "passed" and row.points == row.max_points, (part, row.status, row.feedback)
    # the source notebook runs clean: no error in any cell, hidden tests included
    nb = load(graded["course"] / "autograded" / "solution" / assignment / f"{assignment}.ipynb")
    errors = [(grade_id(c), o.get("ename")) for c in nb["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded, assignment):
    got = parts(graded, "untouched", assignment)
    assert got and all(row.points == 0 for row in got.values())
    assert all(row.status in {"not attempted", "error"} for row in got.values())
    assert any(row.status == "not attempted" for row in got.values())


def test_hostile_cells_fail_alone_and_the_rest_is_graded(graded):
    ch01 = parts(graded, "hostile", "ch01_definition")
    assert (ch01["test_gradient_f"].status, ch01["test_gradient_f"].points) == ("passed", 1.0)
    assert (ch01["test_gradient_yz"].status, ch01["test_gradient_yz"].points) == ("passed", 1.0)
    assert ch01["test_hessian_f"].status == "timeout" and ch01["test_hessian_f"].points == 0
    assert ch01["test_taylor"].status == "kernel died" and ch01["test_taylor"].points == 0
    assert ch01["test_errors"].points == 0 and "SystemExit" in ch01["test_errors"].feedback
    ch04 = parts(graded, "hostile", "ch04_optimization")
    assert ch04["test_cg"].status == "timeout" and ch04["test_cg"].points == 0
    for part in ("test_newton_cg", "test_newton_cg_budget", "test_newton_cg_negative"):
        assert ch04[part].status == "kernel died" and ch04[part].points == 0, (part, ch04[part].status)
    assert (ch04["test_newton_cg_outer"].status, ch04["test_newton_cg_outer"].points) == ("passed", 1.0)
    assert (ch04["test_rate"].status, ch04["test_rate"].points) == ("passed", 2.0)


def test_megabytes_of_output_are_capped(graded):
    path = graded["course"] / "autograded" / "hostile" / "ch01_definition" / "ch01_definition.ipynb"
    assert path.stat().st_size < 200_000          # after a 50 MB line
    text = "".join("".join(o.get("text", "")) for o in cell_by_id(load(path), "errors")["outputs"])
    assert "output truncated by the grader" in text


def test_tampering_earns_nothing(graded):
    ch03 = parts(graded, "tamperer", "ch03_hvp")
    assert ch03["test_fd_hvp"].points == 0            # the visible test was fooled, the hidden one was not
    nb = load(graded["course"] / "autograded" / "tamperer" / "ch03_hvp" / "ch03_hvp.ipynb")
    shown = "".join("".join(o.get("text", "")) for o in cell_by_id(nb, "test_fd_hvp")["outputs"])
    assert "fd_hvp: relative error" in shown and "inaccurate" in ch03["test_fd_hvp"].feedback
    assert ch03["test_best_eps"].points == 0          # the deleted test cell was put back and run
    assert ch03["test_best_eps"].status == "failed"
    assert (ch03["test_rop_hvp"].status, ch03["test_rop_hvp"].points) == ("passed", 3.0)
    cheat = parts(graded, "cheater", "ch03_hvp")
    assert cheat["test_fd_hvp"].points == 0 and "hvplib" in cheat["test_fd_hvp"].feedback
    assert cheat["test_rop_hvp"].points == 0 and "by hand" in cheat["test_rop_hvp"].feedback
    assert cheat["test_best_eps"].points == 2.0
    broken = parts(graded, "broken", "ch02_curvature")
    assert broken["test_curvatures"].points == 1.0 and broken["test_long_axis"].points == 1.0
    assert broken["test_classify"].status == "error" and "ValueError" in broken["test_classify"].feedback
    assert broken["test_degenerate"].points == 0      # patched np.allclose / wrong answer: no credit
    assert broken["test_sylvester"].points == 0 and "SyntaxError" in broken["test_sylvester"].feedback


def test_missing_notebook_and_unknown_folder(graded):
    rows = parts(graded, "misnamed", "ch02_curvature")
    assert rows and all(r.status == "missing" and r.points == 0 for r in rows.values())
    assert not [r for r in graded["rows"] if r.assignment == "not_an_assignment"]


def test_submissions_are_untouched_and_grading_is_prompt(graded):
    assert graded["after"] == graded["before"]
    # each notebook is graded in its own nbgrader process and re-run for the "by hand" check (issue 19)
    assert graded["elapsed"] < 900, f"grading took {graded['elapsed']:.0f} s"


def test_csv_has_one_row_per_student_assignment_part(graded):
    with open(graded["csv"], newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["student", "assignment", "part", "points", "max_points", "status",
                                     "feedback", "tamper"]
        rows = list(reader)
    expected = set()
    submitted = {("solution", a) for a in ASSIGNMENTS} | {("untouched", a) for a in ASSIGNMENTS} | {
        ("hostile", "ch01_definition"), ("hostile", "ch04_optimization"), ("tamperer", "ch03_hvp"),
        ("cheater", "ch03_hvp"), ("broken", "ch02_curvature"), ("misnamed", "ch02_curvature")} | set(NEW)
    for student, assignment in submitted:
        for part, _ in course.source_parts(assignment)[assignment]:
            expected.add((student, assignment, part))
    assert {(r["student"], r["assignment"], r["part"]) for r in rows} == expected
    assert len(rows) == len(expected)
    totals = {}
    for r in rows:
        assert 0 <= float(r["points"]) <= float(r["max_points"])
        assert (float(r["points"]) == float(r["max_points"])) == (r["status"] == "passed")
        key = (r["student"], r["assignment"])
        totals[key] = totals.get(key, 0.0) + float(r["points"])
    full = {a: sum(points for _, points in course.source_parts(a)[a]) for a in ASSIGNMENTS}
    assert all(totals[("solution", a)] == full[a] for a in ASSIGNMENTS)
    assert totals[("hostile", "ch01_definition")] == 3   # gradient 1 + 1, written 1 (the plot meets its np = None)
    # tamperer: fd_hvp (its accuracy part) and best ε 0; fd_hvp's ε rule and v = 0 parts, the plot of its own
    # errors, the written part, rop_hvp and Part 4 (Pearlmutter with autograd) are right (1 + 1 + 2 + 1 + 6 + 3)
    assert totals[("tamperer", "ch03_hvp")] == 14
    assert totals[("cheater", "ch03_hvp")] == 8          # best ε, the plot, the written part, Part 4
    assert totals[("hostile", "ch04_optimization")] == 8   # the outer loop (on a stand-in step), rate, κ, plot, written part
    assert totals[("broken", "ch02_curvature")] == 2
    for key, want in NEW.items():
        assert totals[key] == want, (key, totals[key])


NEW = {("bomb", "ch05_landscapes"): 15, ("patcher", "ch01_definition"): 0, ("transformer", "ch03_hvp"): 0,
       ("npinternals", "ch04_optimization"): 4, ("writer", "ch02_curvature"): 13, ("warner", "ch03_hvp"): 18,
       ("editor", "ch01_definition"): 10}


# ---------------------------------------------------------------------------------------------------
# Issue 12: a hostile submission can neither break nor fool the grader
# ---------------------------------------------------------------------------------------------------

def test_memory_bomb_fails_fast_and_alone(graded):
    ch05 = parts(graded, "bomb", "ch05_landscapes")
    assert ch05["test_logreg"].points == 0 and ch05["test_logreg"].status == "out of memory"
    assert "MemoryError" in ch05["test_logreg"].feedback
    assert all(ch05[p].status == "passed" for p in ("test_power", "test_lanczos", "test_net_max", "test_hutchpp",
                                                     "test_hutchpp_decay", "test_fig_ritz", "test_q_curvature"))
    assert ch05["test_hutchpp"].tamper == ""


def test_solutions_are_checked_outside_the_kernel(graded):
    nb = load(graded["course"] / "autograded" / "solution" / "ch03_hvp" / "ch03_hvp.ipynb")
    for gid in ("test_fd_hvp", "test_best_eps", "test_rop_hvp"):
        cell = cell_by_id(nb, gid)
        text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
        assert "values checked outside your kernel: right" in text
        assert "_btg_grader_check" not in "".join(cell["source"])      # the snippet is not stored
        assert not any("application/vnd.btg.values+json" in o.get("data", {}) for o in cell["outputs"])


def test_patched_builtins_and_numpy_earn_nothing(graded):
    ch01 = parts(graded, "patcher", "ch01_definition")
    grad = ch01["test_gradient_yz"]                # ∂f/∂z is wrong; ∂f/∂x is right but graded after the patch
    assert grad.points == 0 and grad.status == "failed"
    assert "outside your kernel" in grad.feedback and "gradient_f is wrong" in grad.feedback
    for part in ("test_gradient_f", "test_hessian_f", "test_taylor"):
        assert ch01[part].status == "tampered" and ch01[part].points == 0, ch01[part]
    assert ch01["test_errors"].points == 0         # broken by its own patched abs, tampered anyway
    assert "builtins" in grad.tamper and "np.max" in grad.tamper
    ch04 = parts(graded, "npinternals", "ch04_optimization")
    assert (ch04["test_cg"].status, ch04["test_cg"].points) == ("passed", 2.0)   # graded before the patch
    assert ch04["test_newton_cg"].status == "failed" and "from the Newton step" in ch04["test_newton_cg"].feedback
    assert ch04["test_rate"].status == "tampered"
    assert "np.linalg.norm" in ch04["test_cg"].tamper


def test_input_transformer_earns_nothing(graded):
    ch03 = parts(graded, "transformer", "ch03_hvp")
    nb = load(graded["course"] / "autograded" / "transformer" / "ch03_hvp" / "ch03_hvp.ipynb")
    shown = "".join("".join(o.get("text", "")) for o in cell_by_id(nb, "test_fd_hvp")["outputs"])
    assert "fd_hvp: relative error" in shown          # every in-kernel assert was defused ...
    assert ch03["test_fd_hvp"].status == "failed" and "fd_hvp is inaccurate" in ch03["test_fd_hvp"].feedback
    assert ch03["test_best_eps"].status == "failed" and "outside your kernel" in ch03["test_best_eps"].feedback
    assert ch03["test_rop_hvp"].status == "tampered" and ch03["test_rop_hvp"].points == 0
    assert "input_transformers_post" in ch03["test_rop_hvp"].tamper


def test_gradebook_cannot_be_written_by_student_code(graded):
    if _kernels_run_as_grader(graded):
        pytest.skip("no unprivileged kernel user here (not root, or useradd failed): " + " | ".join(graded["messages"]))
    from nbgrader.api import Gradebook
    nb = load(graded["course"] / "autograded" / "writer" / "ch02_curvature" / "ch02_curvature.ipynb")
    sneaky = next(c for c in nb["cells"] if c.get("id") == "sneaky" or "sqlite3" in "".join(c["source"]))
    text = "".join("".join(o.get("text", "")) for o in sneaky["outputs"])
    assert "gradebook write failed" in text and "gradebook write succeeded" not in text, text
    with Gradebook(f"sqlite:///{graded['course'] / 'gradebook.db'}", course.COURSE_ID) as gb:
        for gid, _ in course.source_parts("ch02_curvature")["ch02_curvature"]:
            grade = gb.find_grade(gid, "ch02_curvature", "ch02_curvature", "writer")
            assert grade.manual_score is None and grade.score == grade.max_score
    rows = parts(graded, "writer", "ch02_curvature")
    assert all(r.status == "passed" for r in rows.values())
    assert "gradebook" in rows["test_curvatures"].tamper or "sqlite3" in rows["test_curvatures"].tamper


def test_warnings_cost_nothing(graded):
    rows = parts(graded, "warner", "ch03_hvp")
    assert all((r.status, r.points) == ("passed", r.max_points) for r in rows.values()), rows
    nb = load(graded["course"] / "autograded" / "warner" / "ch03_hvp" / "ch03_hvp.ipynb")
    text = "".join("".join(o.get("text", "")) for o in cell_by_id(nb, "test_fd_hvp")["outputs"])
    assert "[stderr]" in text and "finite difference" in text


def test_edited_test_cell_is_restored(graded):
    ch01 = parts(graded, "editor", "ch01_definition")
    assert ch01["test_gradient_f"].points == 0 and ch01["test_gradient_f"].max_points == 1
    assert ch01["test_gradient_f"].status == "failed"
    nb = load(graded["course"] / "autograded" / "editor" / "ch01_definition" / "ch01_definition.ipynb")
    assert "all good" not in "".join(cell_by_id(nb, "test_gradient_f")["source"])
    assert sum(r.points for r in ch01.values()) == 10


def _kernels_run_as_grader(graded):
    return any(m.startswith("WARNING: kernels run as the grader's own user") for m in graded["messages"])


def test_tamper_column_is_empty_for_honest_work(graded):
    """Honest work has nothing in the tamper column.

    One exception, where no unprivileged kernel user is available (e.g. a checkout that user cannot
    read): the 'writer' submission then *can* write 99 into every ch02 grade of the gradebook. The table
    still comes from the notebooks, and the mismatch is reported on the ch02 rows it touched, which is
    the documented behaviour; nothing else may appear.
    """
    for r in graded["rows"]:
        if r.student in ("solution", "untouched", "warner", "cheater", "bomb", "misnamed"):
            notes = [n for n in r.tamper.split("; ") if n]
            if _kernels_run_as_grader(graded) and r.assignment == "ch02_curvature":
                notes = [n for n in notes if not (n.startswith("gradebook: ") and "the table uses the notebook" in n)]
            assert notes == [], (r.student, r.assignment, r.tamper)


def test_hostile_suite_report(graded):
    """Print the hostile suite (submission → score, per-notebook time) for the record; check the bounds."""
    log = (graded["course"] / "grading.log").read_text(encoding="utf-8", errors="replace")
    times = {(m.group(1), m.group(2)): float(m.group(3))
             for m in re.finditer(r"\[btg\] graded ([\w-]+)/(\w+)/\w+ in ([\d.]+) s", log)}
    totals = course.totals(graded["rows"])
    lines = []
    for (student, assignment), (points, max_points) in sorted(totals.items()):
        if student not in ("solution", "untouched"):
            lines.append(f"{student:>12} {assignment:<18} {points:>4g}/{max_points:g} {times.get((student, assignment), 0):6.1f} s")
    print("\n".join(lines))
    assert max(times.values()) < 6 * TIMEOUT + 60, times


def test_regrade_replaces_old_scores_even_after_a_failure(tmp_path):
    subs = tmp_path / "subs"
    keep = tmp_path / "course"
    target = subs / "regrader" / "ch01_definition" / "ch01_definition.ipynb"
    _write(source_nb("ch01_definition"), target)
    first = course.grade(str(subs), timeout=TIMEOUT, keep=str(keep), log=lambda *a: None)
    assert sum(r.points for r in first) == 12
    target.write_text("{ this is not a notebook", encoding="utf-8")
    second = course.grade(str(subs), out_csv=str(tmp_path / "g.csv"), timeout=TIMEOUT, keep=str(keep),
                          log=lambda *a: None)
    assert second and all(r.points == 0 and r.status == "not graded" for r in second), second
    assert "grading failed" in second[0].feedback
    with open(tmp_path / "g.csv", newline="", encoding="utf-8") as fh:
        assert {r["status"] for r in csv.DictReader(fh)} == {"not graded"}
