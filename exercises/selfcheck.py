"""``python -m exercises.selfcheck NOTEBOOK`` (from the repository root): the grader's checks on fresh inputs.

See ``grading/selfcheck.py`` and ``exercises/README.md``. Needs only the course environment (no nbgrader).
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from grading.selfcheck import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
