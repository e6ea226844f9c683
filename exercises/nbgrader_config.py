"""nbgrader configuration for the graded exercises of *Beyond the Gradient*.

This folder is the nbgrader course root: ``source/<assignment>/<assignment>.ipynb`` (with solutions and
hidden tests) and the generated ``release/<assignment>/`` (what students get). Grading happens in a
scratch copy made by ``python exercises/grading grade ...`` (see README.md), which also holds the
gradebook and the ``submitted/``, ``autograded/`` and ``feedback/`` folders, so this repository stays
clean. Running bare ``nbgrader`` commands here works too and uses the same settings.
"""
import os
import sys

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grading.executor import RestartingExecute  # noqa: E402  (needs the path above)

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "beyond-the-gradient"
c.CourseDirectory.assignment_id = ""

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A test cell the student deleted is put back from the gradebook (stock nbgrader leaves it out).
c.OverwriteCells.add_missing_cells = True

# Execution: a per-cell limit; a timeout kills and restarts the kernel (see grading/executor.py).
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = False
c.Execute.raise_on_iopub_timeout = True
c.RestartingExecute.max_restarts = 10
c.RestartingExecute.max_output_chars = 20_000
# The kernel's address space is capped (a memory bomb fails fast with MemoryError); each part's values are
# also checked outside the kernel (grading/checks.py). `python exercises/grading grade` adds the kernel user.
c.RestartingExecute.memory_limit_mb = 2048
c.RestartingExecute.outside_checks = True
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# The stock list with nbgrader's Execute replaced by the restarting one.
c.Autograde.autograde_preprocessors = [
    RestartingExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback shows the student's graded notebook; keep the hidden tests out of it.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
