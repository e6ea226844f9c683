"""Graded exercises (issue 9): nbgrader course layout, release drift, and grading under hostile submissions.

One scratch nbgrader course is built per module: the release is regenerated once, and one autograde run per
assignment grades every submission below (solutions, untouched student versions, hostile and tampering ones),
so each notebook runs in a kernel only once. Runtime: about two minutes on two cores.
"""
import csv
import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(EXERCISES))

if os.environ.get("CI"):
    import nbgrader  # noqa: F401  (in CI the grading requirements must be installed: fail, don't skip)
else:
    pytest.importorskip("nbgrader", reason="pip install -r requirements-grading.txt")

from grading import course  # noqa: E402

ASSIGNMENTS = ["ch01_definition", "ch02_curvature", "ch03_hvp", "ch04_optimization", "ch05_landscapes"]
TIMEOUT = 12          # seconds per cell while grading the hostile submissions


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cell_by_id(nb, gid):
    return next(c for c in nb["cells"] if grade_id(c) == gid)


def source_nb(assignment):
    return load(EXERCISES / "source" / assignment / f"{assignment}.ipynb")


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
def regenerated(tmp_path_factory):
    """A scratch course in which nbgrader generate_assignment has run for every assignment."""
    root = course.make_course(str(tmp_path_factory.mktemp("release") / "course"))
    course.generate(root, ASSIGNMENTS, log_path=os.path.join(root, "generate.log"))
    return Path(root)


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

def _set(nb, gid, source):
    cell_by_id(nb, gid)["source"] = source


def _append(nb, gid, extra):
    c = cell_by_id(nb, gid)
    c["source"] = "".join(c["source"]) + "\n" + extra


def hostile_ch01():
    nb = source_nb("ch01_definition")                       # part 1 right, the rest hostile
    _set(nb, "hessian_f", "while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass\n")
    _append(nb, "taylor", "import os\nos._exit(0)\n")
    _set(nb, "errors", "print('x' * 5_000_000)\nnp = None\nimport sys\nsys.exit(3)\n")
    return nb


def hostile_ch04():
    nb = source_nb("ch04_optimization")                     # part 3 right
    _set(nb, "cg", "def conjugate_gradient(matvec, b, tol=1e-10, max_iter=None):\n"
                   "    while True:\n        try:\n            pass\n        except KeyboardInterrupt:\n"
                   "            pass\n")
    _set(nb, "newton_cg", "def newton_cg_step(f, x):\n    import os\n    os._exit(1)\n")
    return nb


def tampering_ch03():
    nb = source_nb("ch03_hvp")
    # a wrong fd_hvp (off by 2) that rebinds the visible test's helper so the visible test passes
    _set(nb, "fd_hvp", "def fd_hvp(grad_f, x, v, eps=None):\n"
                       "    e = 1e-6\n    return (grad_f(x + e * v) - grad_f(x - e * v)) / e\n\n"
                       "_answers = iter([0.0, 1.0, 1.0, 1.0])\n"
                       "rel_err = lambda a, b: next(_answers, 0.0)\n")
    # a wrong answer, and the test cell deleted
    _set(nb, "best_eps", "fd_errors = np.ones(12)\neps_best = 1e-12\nbest_power = 1 / 3\n")
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "test_best_eps"]
    return nb                                               # rop_hvp stays right: 4 points


def cheating_ch03():
    nb = source_nb("ch03_hvp")                              # the answers come from hvplib / autograd
    _set(nb, "fd_hvp", "def fd_hvp(grad_f, x, v, eps=None):\n    return hv.fd_hvp(grad_f, x, v, eps=eps)\n")
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
    before = _digest(subs)
    keep = base / "course"
    out = base / "grades.csv"
    start = time.monotonic()
    rows = course.grade(str(subs), out_csv=str(out), timeout=TIMEOUT, keep=str(keep), log=lambda *a: None)
    elapsed = time.monotonic() - start
    return {"rows": rows, "csv": out, "course": keep, "elapsed": elapsed, "before": before,
            "after": _digest(subs)}


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
    assert (ch01["test_gradient_f"].status, ch01["test_gradient_f"].points) == ("passed", 3.0)
    assert ch01["test_hessian_f"].status == "timeout" and ch01["test_hessian_f"].points == 0
    assert ch01["test_taylor"].status == "kernel died" and ch01["test_taylor"].points == 0
    assert ch01["test_errors"].points == 0 and "SystemExit" in ch01["test_errors"].feedback
    ch04 = parts(graded, "hostile", "ch04_optimization")
    assert ch04["test_cg"].status == "timeout" and ch04["test_cg"].points == 0
    assert ch04["test_newton_cg"].status == "kernel died" and ch04["test_newton_cg"].points == 0
    assert (ch04["test_rate"].status, ch04["test_rate"].points) == ("passed", 3.0)


def test_megabytes_of_output_are_capped(graded):
    path = graded["course"] / "autograded" / "hostile" / "ch01_definition" / "ch01_definition.ipynb"
    assert path.stat().st_size < 200_000
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
    assert (ch03["test_rop_hvp"].status, ch03["test_rop_hvp"].points) == ("passed", 4.0)
    cheat = parts(graded, "cheater", "ch03_hvp")
    assert cheat["test_fd_hvp"].points == 0 and "hvplib" in cheat["test_fd_hvp"].feedback
    assert cheat["test_rop_hvp"].points == 0 and "by hand" in cheat["test_rop_hvp"].feedback
    assert cheat["test_best_eps"].points == 2.0
    broken = parts(graded, "broken", "ch02_curvature")
    assert broken["test_curvatures"].points == 2.0
    assert broken["test_classify"].status == "error" and "ValueError" in broken["test_classify"].feedback
    assert broken["test_degenerate"].points == 0      # patched np.allclose / wrong answer: no credit
    assert broken["test_sylvester"].points == 0 and "SyntaxError" in broken["test_sylvester"].feedback


def test_missing_notebook_and_unknown_folder(graded):
    rows = parts(graded, "misnamed", "ch02_curvature")
    assert rows and all(r.status == "missing" and r.points == 0 for r in rows.values())
    assert not [r for r in graded["rows"] if r.assignment == "not_an_assignment"]


def test_submissions_are_untouched_and_grading_is_prompt(graded):
    assert graded["after"] == graded["before"]
    assert graded["elapsed"] < 400, f"grading took {graded['elapsed']:.0f} s"


def test_csv_has_one_row_per_student_assignment_part(graded):
    with open(graded["csv"], newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["student", "assignment", "part", "points", "max_points", "status",
                                     "feedback"]
        rows = list(reader)
    expected = set()
    submitted = {("solution", a) for a in ASSIGNMENTS} | {("untouched", a) for a in ASSIGNMENTS} | {
        ("hostile", "ch01_definition"), ("hostile", "ch04_optimization"), ("tamperer", "ch03_hvp"),
        ("cheater", "ch03_hvp"), ("broken", "ch02_curvature"), ("misnamed", "ch02_curvature")}
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
    assert all(totals[("solution", a)] == 10 for a in ASSIGNMENTS)
    assert totals[("hostile", "ch01_definition")] == 3
    assert totals[("hostile", "ch04_optimization")] == 3
    assert totals[("tamperer", "ch03_hvp")] == 4
    assert totals[("cheater", "ch03_hvp")] == 2
    assert totals[("broken", "ch02_curvature")] == 2
