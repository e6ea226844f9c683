"""What the grading tests share: the exercises' paths, nbgrader required under CI, and notebook look-ups.

Importing it puts ``exercises/`` on ``sys.path`` (so ``from grading import course`` works) and skips the importing
test module when nbgrader is missing — except under CI, where the grading requirements must be installed and a
missing nbgrader is a failure, not a skip.
"""
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
ASSIGNMENTS = ["ch01_definition", "ch02_curvature", "ch03_hvp", "ch04_optimization", "ch05_landscapes",
               "ch06_applications", "ch07_hands_on", "ch08_curvature"]

if str(EXERCISES) not in sys.path:
    sys.path.insert(0, str(EXERCISES))

if os.environ.get("CI"):
    import nbgrader  # noqa: F401  (in CI the grading requirements must be installed: fail, don't skip)
else:
    pytest.importorskip("nbgrader", reason="pip install -r requirements-grading.txt")


def load(path):
    """A notebook (or any JSON file) as a dict."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def grade_id(cell):
    """The nbgrader grade id of a cell dict, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cell_by_id(nb, gid):
    """The cell of notebook dict ``nb`` whose grade id is ``gid``."""
    return next(c for c in nb["cells"] if grade_id(c) == gid)


def source_nb(assignment):
    """The instructor's source notebook of ``assignment`` (solutions and hidden tests included), as a dict."""
    return load(EXERCISES / "source" / assignment / f"{assignment}.ipynb")


def set_source(nb, gid, source):
    """Replace the source of the cell with nbgrader grade id ``gid``."""
    cell_by_id(nb, gid)["source"] = source


def append_source(nb, gid, extra):
    """Append ``extra`` (on a new line) to the cell with nbgrader grade id ``gid``."""
    c = cell_by_id(nb, gid)
    c["source"] = "".join(c["source"]) + "\n" + extra
