"""Issue 21: ``python -m exercises.selfcheck NOTEBOOK`` runs the grader's outside checks on fresh inputs and
prints feedback per part, never the reference code; it needs no nbgrader."""
import json
import subprocess
import sys

import pytest

from grading_support import ROOT, EXERCISES, cell_by_id, source_nb  # noqa: F401  (puts exercises/ on sys.path)
from grading_variants import ASSIGNMENTS, WRONG

from grading import checks, selfcheck  # noqa: E402


def _secret_lines(assignment):
    lines, inside = set(), False
    for c in source_nb(assignment)["cells"]:
        for line in "".join(c["source"]).splitlines():
            if "### BEGIN" in line:
                inside = True
            elif "### END" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                lines.add(line.strip())
    return lines


def _write(tmp_path, assignment, nb):
    path = tmp_path / f"{assignment}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_pass_and_untouched_notebooks_score_zero(assignment):
    name, seed, results = selfcheck.run(str(EXERCISES / "source" / assignment / f"{assignment}.ipynb"), timeout=60)
    assert name == assignment and [g for g, *_ in results] == list(checks.parts_for(assignment))
    assert all(v is None and o is None for _, _, v, o in results), results
    _, _, results = selfcheck.run(str(EXERCISES / "release" / assignment / f"{assignment}.ipynb"), timeout=60)
    assert results and all(o is not None for _, _, _, o in results), results


def test_a_wrong_answer_is_named_and_the_reference_never_printed(tmp_path, capsys):
    source, failing = WRONG["ch05_landscapes"]["power"]
    nb = source_nb("ch05_landscapes")
    cell_by_id(nb, "power")["source"] = source
    path = _write(tmp_path, "ch05_landscapes", nb)
    code = selfcheck.main([str(path), "--seed", "4"])
    out = capsys.readouterr().out
    assert code == 1
    assert "test_power_negative         0 / 1  NOT passed" in out
    assert "σ must bound every eigenvalue" in out and "dominant eigenvalue is negative" in out
    for gid in ("test_power", "test_lanczos", "test_net_max", "test_logreg", "test_hutchpp", "test_hutchpp_decay"):
        assert f"{gid:<24} " in out and "passed" in out.split(gid)[1].splitlines()[0]
    leaked = [line for line in _secret_lines("ch05_landscapes") if line in out]
    assert not leaked, leaked[:3]


def test_fresh_inputs_each_run_unless_seeded():
    path = str(EXERCISES / "source" / "ch02_curvature" / "ch02_curvature.ipynb")
    seeds = {selfcheck.run(path)[1] for _ in range(2)}
    assert len(seeds) == 2
    assert selfcheck.run(path, seed=7)[1] == 7


def test_a_hanging_cell_is_stopped(tmp_path):
    nb = source_nb("ch01_definition")
    cell_by_id(nb, "taylor")["source"] = "while True:\n    pass\n"
    _, _, results = selfcheck.run(str(_write(tmp_path, "ch01_definition", nb)), timeout=1)
    verdict = {g: (v, o) for g, _, v, o in results}
    assert "CellTimeout" in verdict["test_taylor"][0]
    assert verdict["test_gradient_f"] == (None, None)


def test_an_unknown_notebook_is_a_clear_error(tmp_path):
    path = tmp_path / "mine.ipynb"
    path.write_text(json.dumps({"cells": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="not one of the assignments"):
        selfcheck.run(str(path))


@pytest.mark.parametrize("command", [[sys.executable, "-m", "exercises.selfcheck"],
                                     [sys.executable, "exercises/grading", "selfcheck"]])
def test_the_commands_work_from_the_repository_root(command):
    nb = "exercises/source/ch02_curvature/ch02_curvature.ipynb"
    done = subprocess.run([*command, nb, "--seed", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Self-check of ch02_curvature (fresh inputs, seed 1)" in done.stdout
    assert "total                      13 / 13" in done.stdout
