"""Issue 21: grading is fair — correct answers written differently score full, the wrong answers that used to pass
score 0 on their part (and only there), ordinary code is never "tampering", and every hidden assert explains itself.

The corpus is ``tests/grading_variants.py``. Two layers: the grader's outside checks run in-process on the
variants (a few seconds), then one real grading run (nbgrader, hidden tests, outside checks, the "by hand"
re-run when root) grades a "variant" and a "wrong" student for every assignment (about two minutes).
"""
import ast
import json
import re
import shutil

import numpy as np
import pytest

from grading_support import EXERCISES, grade_id, cell_by_id, source_nb  # noqa: F401  (puts exercises/ on sys.path)
from grading_variants import ASSIGNMENTS, HONEST_CODE, VARIANTS, WRONG, WRONG_MORE

from grading import checks, course, tamper  # noqa: E402

TIMEOUT = 20


def _with(assignment, answers):
    nb = source_nb(assignment)
    for gid, source in answers.items():
        cell_by_id(nb, gid)["source"] = source
    return nb


def _is_test(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _outside_verdicts(nb, assignment, seed=0):
    """Run the notebook's non-test code cells in-process, then every part's outside check on fresh inputs:
    ``{grade_id: None | reason}`` (what the grader's own check says, without the in-kernel tests)."""
    ns = {"__name__": "__main__"}
    rng = np.random.default_rng(seed)
    verdicts = {}
    parts = checks.parts_for(assignment)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        gid = grade_id(cell)
        if _is_test(cell):
            if gid in parts:
                part = parts[gid]
                inputs = part.inputs(rng)
                try:
                    exec(checks.call_code(part, inputs), ns)                       # noqa: S102
                    values = checks.unpack(json.loads(json.dumps(checks.pack(ns["_out"]))))
                except Exception as exc:                                             # noqa: BLE001
                    verdicts[gid] = f"raised {type(exc).__name__}: {exc}"
                    continue
                verdicts[gid] = checks.run_check(part, inputs, values)
            continue
        exec(compile("".join(cell["source"]), f"<{gid}>", "exec"), ns)              # noqa: S102
    return verdicts


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_outside_checks_accept_the_variants(assignment):
    nb = _with(assignment, VARIANTS.get(assignment, {}))
    verdicts = _outside_verdicts(nb, assignment)
    assert set(verdicts) == set(checks.parts_for(assignment))
    assert all(v is None for v in verdicts.values()), verdicts


@pytest.mark.parametrize("assignment", sorted(WRONG))
def test_outside_checks_refuse_each_wrong_answer_on_its_part_only(assignment):
    for gid, (source, failing) in WRONG[assignment].items():
        verdicts = _outside_verdicts(_with(assignment, {gid: source}), assignment, seed=1)
        assert {p for p, v in verdicts.items() if v is not None} == set(failing), (gid, verdicts)


@pytest.mark.parametrize("assignment", sorted(WRONG_MORE))
def test_outside_checks_refuse_the_other_wrong_answers_on_their_parts_only(assignment):
    for gid, source, failing in WRONG_MORE[assignment]:
        verdicts = _outside_verdicts(_with(assignment, {gid: source}), assignment, seed=2)
        assert {p for p, v in verdicts.items() if v is not None} == set(failing), (gid, verdicts)


@pytest.mark.parametrize("value, want", [(3, 3), (3.0, 3), (np.float64(3.0), 3), (np.int64(3), 3),
                                         (np.array(3.0), 3), ([3.0], 3)])
def test_a_whole_number_may_be_written_as_a_float(value, want):
    assert checks.whole(checks.unpack(checks.pack(value))) == want


@pytest.mark.parametrize("value", [2.9, "3", True, None, [3, 3]])
def test_a_whole_number_is_not_anything(value):
    with pytest.raises(checks.CheckFailed):
        checks.whole(checks.unpack(checks.pack(value)))


@pytest.mark.parametrize("value, want", [(False, False), (0, False), (0.0, False), (np.bool_(False), False),
                                         (np.array(False), False), (True, True), (1, True), (np.float64(1.0), True)])
def test_a_truth_value_may_be_written_as_0_or_1(value, want):
    assert checks.truth_value(checks.unpack(checks.pack(value))) is want


@pytest.mark.parametrize("value", ["False", 0.5, None, [0, 1]])
def test_a_truth_value_is_not_anything(value):
    with pytest.raises(checks.CheckFailed):
        checks.truth_value(checks.unpack(checks.pack(value)))


@pytest.mark.parametrize("name", sorted(HONEST_CODE))
def test_ordinary_code_is_not_tampering(name):
    assert [m for s, m in tamper.scan_source(HONEST_CODE[name]) if s == "hard"] == [], name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_variant_notebooks_have_no_hard_finding(assignment):
    nb = _with(assignment, VARIANTS.get(assignment, {}))
    found = tamper.scan_notebook(nb)
    assert [str(f) for _, f in found if f.severity == "hard"] == []


def _hidden_asserts(text):
    inside, lines = False, []
    for line in text.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            lines.append(line)
    return [n for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, ast.Assert)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_hidden_assert_has_a_message(assignment):
    for cell in source_nb(assignment)["cells"]:
        bare = [n.lineno for n in _hidden_asserts("".join(cell["source"])) if n.msg is None]
        assert not bare, f"{assignment} {grade_id(cell)}: hidden asserts without a message at lines {bare}"


# the answers the issue found printed by a visible test (on success) or spelled out in its messages
GIVEN_AWAY = {
    "ch01_definition": [r"1 \+ d_x \+ d_y", r"like t\^3", r"O\(‖d‖³\)", r"2xy·e", r"\(2x \+ 4xy²\)"],
    "ch02_curvature": [r"\[\[8, -3\], \[-3, 14\]\]", r"are \[-3, 5\]", r"so f is strictly concave", r"sqrt\(2",
                       r"2 \*\* 0\.5", r"\[0\.0, -r, q\]", r"2 \* level"],
    "ch04_optimization": [r"= 55", r"398"],
    "ch05_landscapes": [r"spans \[", r"the largest eigenvalue is \{"],
}


@pytest.mark.parametrize("assignment", sorted(GIVEN_AWAY))
def test_visible_tests_do_not_give_the_answer_away(assignment):
    for cell in source_nb(assignment)["cells"]:
        if not _is_test(cell):
            continue
        visible = "".join(cell["source"]).split("### BEGIN HIDDEN TESTS")[0]
        for pattern in GIVEN_AWAY[assignment]:
            assert not re.search(pattern, visible), (assignment, grade_id(cell), pattern)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_define_no_name_a_later_answer_needs(assignment):
    """Shared data lives in locked setup cells: no test cell defines a public name that a later answer uses."""
    nb = source_nb(assignment)
    defined = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        if _is_test(cell):
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.Name)) and not isinstance(getattr(node, "ctx", ast.Store()), ast.Load):
                    name = node.name if isinstance(node, ast.FunctionDef) else node.id
                    if not name.startswith("_"):
                        defined.setdefault(name, grade_id(cell))
        elif cell["metadata"]["nbgrader"].get("solution"):
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            stored |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.arg)) and hasattr(n, "name")}
            stored |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
            leaked = sorted((used - stored) & set(defined))
            assert not leaked, f"{assignment} {grade_id(cell)} uses {leaked}, defined in test cell(s) {[defined[n] for n in leaked]}"


# ---------------------------------------------------------------------------------------------------
# The real grader
# ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("variants")
    subs = base / "submitted"
    for assignment in ASSIGNMENTS:
        for student, nb in (("variant", _with(assignment, VARIANTS.get(assignment, {}))),
                            ("wrong", _with(assignment, {g: s for g, (s, _) in WRONG.get(assignment, {}).items()}))):
            if student == "wrong" and assignment not in WRONG:
                continue
            path = subs / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(nb), encoding="utf-8")
    rows = course.grade(str(subs), out_csv=str(base / "grades.csv"), timeout=TIMEOUT, keep=str(base / "course"))
    yield rows
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_variants_score_full_marks(graded, assignment):
    rows = [r for r in graded if r.student == "variant" and r.assignment == assignment]
    assert rows
    for r in rows:
        assert r.status == "passed" and r.points == r.max_points, (r.part, r.status, r.feedback, r.tamper)


@pytest.mark.parametrize("assignment", sorted(WRONG))
def test_each_wrong_answer_scores_zero_on_its_part_only(graded, assignment):
    failing = {p for _, parts in WRONG[assignment].values() for p in parts}
    rows = {r.part: r for r in graded if r.student == "wrong" and r.assignment == assignment}
    assert failing <= set(rows)
    for part, r in rows.items():
        if part in failing:
            assert r.points == 0 and r.status == "failed", (part, r.status, r.feedback)
        else:
            assert r.status == "passed" and r.points == r.max_points, (part, r.status, r.feedback)
