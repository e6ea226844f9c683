"""Scratch nbgrader course directories: generate the student versions, autograde, read the gradebook.

Nothing here writes inside ``exercises/`` except :func:`release`, which replaces ``release/<assignment>/``
with what ``nbgrader generate_assignment`` made in a scratch copy.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, asdict

EXERCISES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COURSE_ID = "beyond-the-gradient"
CSV_COLUMNS = ["student", "assignment", "part", "points", "max_points", "status", "feedback", "tamper"]

_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")


# ---------------------------------------------------------------------------------------------------
# The course layout
# ---------------------------------------------------------------------------------------------------

def assignment_names(exercises_dir=EXERCISES_DIR):
    """The assignments: the folders of ``source/``, sorted (``ch01_definition``, ...)."""
    source = os.path.join(exercises_dir, "source")
    return sorted(d for d in os.listdir(source)
                  if os.path.isdir(os.path.join(source, d)) and not d.startswith("."))


def source_parts(assignment, exercises_dir=EXERCISES_DIR):
    """``{notebook name: [(grade_id, points), ...]}`` for the autograded cells, in notebook order."""
    folder = os.path.join(exercises_dir, "source", assignment)
    parts = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".ipynb"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            nb = json.load(fh)
        cells = []
        for cell in nb["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade"):
                cells.append((meta["grade_id"], float(meta.get("points", 0))))
        parts[name[: -len(".ipynb")]] = cells
    return parts


def make_course(dest, exercises_dir=EXERCISES_DIR):
    """Copy what nbgrader needs (config, grading package, source/) into a fresh course root ``dest``."""
    os.makedirs(dest, exist_ok=True)
    shutil.copy2(os.path.join(exercises_dir, "nbgrader_config.py"), dest)
    shutil.copytree(os.path.join(exercises_dir, "grading"), os.path.join(dest, "grading"),
                    ignore=_IGNORE, dirs_exist_ok=True)
    shutil.copytree(os.path.join(exercises_dir, "source"), os.path.join(dest, "source"),
                    ignore=_IGNORE, dirs_exist_ok=True)
    return dest


@contextmanager
def scratch_course(keep=None, exercises_dir=EXERCISES_DIR):
    """A course root in a temporary folder (deleted afterwards), or in ``keep`` (kept)."""
    if keep:
        yield make_course(os.path.abspath(keep), exercises_dir)
        return
    with tempfile.TemporaryDirectory(prefix="btg-course-") as tmp:
        yield make_course(os.path.join(tmp, "course"), exercises_dir)


def _path_with_this_python():
    """PATH with this interpreter's bin folder first: nbgrader runs the ``alembic`` command by name."""
    bin_dir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    return path if path.split(os.pathsep)[0] == bin_dir else bin_dir + os.pathsep + path


def nbgrader(course, *args, timeout=None, log_path=None):
    """Run ``python -m nbgrader ARGS`` in ``course``; return the exit code (output goes to ``log_path``)."""
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1", PATH=_path_with_this_python())
    cmd = [sys.executable, "-m", "nbgrader", *args]
    log = open(log_path, "a", encoding="utf-8") if log_path else subprocess.DEVNULL
    try:
        if log_path:
            log.write("$ nbgrader " + " ".join(args) + "\n")
            log.flush()
        proc = subprocess.run(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False)
        return proc.returncode
    except subprocess.TimeoutExpired:
        if log_path:
            log.write(f"\n*** nbgrader {args[0]} stopped by the grader after {timeout} s ***\n")
        return -1
    finally:
        if log_path:
            log.close()


def generate(course, assignments, log_path=None):
    """``nbgrader generate_assignment A --force`` for each A: fills the gradebook and ``release/``."""
    for assignment in assignments:
        code = nbgrader(course, "generate_assignment", assignment, "--force", log_path=log_path)
        if code != 0:
            where = f"; see {log_path}" if log_path else ""
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed (exit {code}){where}")


# ---------------------------------------------------------------------------------------------------
# Instructor command 1: regenerate the student versions
# ---------------------------------------------------------------------------------------------------

def release(assignments=None, exercises_dir=EXERCISES_DIR, log=print):
    """Regenerate ``release/<assignment>/`` from ``source/`` via nbgrader, in a scratch course."""
    assignments = assignments or assignment_names(exercises_dir)
    with scratch_course(exercises_dir=exercises_dir) as course:
        log_path = os.path.join(course, "release.log")
        try:
            generate(course, assignments, log_path=log_path)
        except RuntimeError:
            with open(log_path, encoding="utf-8") as fh:
                sys.stderr.write(fh.read())
            raise
        for assignment in assignments:
            target = os.path.join(exercises_dir, "release", assignment)
            if os.path.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(os.path.join(course, "release", assignment), target, ignore=_IGNORE)
            log(f"release/{assignment}: " + ", ".join(sorted(os.listdir(target))))
    return assignments


# ---------------------------------------------------------------------------------------------------
# Instructor command 2: grade a folder of submissions
# ---------------------------------------------------------------------------------------------------

@dataclass
class PartResult:
    student: str
    assignment: str
    part: str
    points: float
    max_points: float
    status: str
    feedback: str
    tamper: str = ""


def find_submissions(submissions, known):
    """``{assignment: [student, ...]}`` from ``SUBMISSIONS/<student>/<assignment>/``; plus unknown folders."""
    found, unknown = {}, []
    for student in sorted(os.listdir(submissions)):
        student_dir = os.path.join(submissions, student)
        if not os.path.isdir(student_dir) or student.startswith("."):
            continue
        for assignment in sorted(os.listdir(student_dir)):
            if not os.path.isdir(os.path.join(student_dir, assignment)) or assignment.startswith("."):
                continue
            if assignment in known:
                found.setdefault(assignment, []).append(student)
            else:
                unknown.append(f"{student}/{assignment}")
    return found, unknown


def autograde(course, assignment, timeout=30, log_path=None, wall_limit=None):
    """``nbgrader autograde ASSIGNMENT --force`` for every student in ``course/submitted``.

    nbgrader exits 1 when any notebook failed; the scores it did record stay in the gradebook, so the
    exit code is only logged. ``wall_limit`` (s) bounds the whole run in case nbgrader itself hangs.
    """
    return nbgrader(course, "autograde", assignment, "--force",
                    f"--Execute.timeout={int(timeout)}", timeout=wall_limit, log_path=log_path)


def _kernel_config(runtime, memory_mb):
    """Lines appended to the scratch course's nbgrader_config.py: how RestartingExecute starts kernels."""
    lines = ["", "# --- added by `python exercises/grading grade` for this run ---",
             f"c.RestartingExecute.memory_limit_mb = {int(memory_mb)}"]
    if runtime["kernel_uid"] >= 0:
        lines += [f"c.RestartingExecute.kernel_uid = {runtime['kernel_uid']}",
                  f"c.RestartingExecute.kernel_gid = {runtime['kernel_gid']}"]
    lines += [f"c.RestartingExecute.kernel_python = {runtime['kernel_python']!r}",
              f"c.RestartingExecute.kernel_site = {list(runtime['kernel_site'])!r}",
              f"c.RestartingExecute.kernel_env = {dict(runtime['kernel_env'])!r}"]
    return "\n".join(lines) + "\n"


def _fresh(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


def grade(submissions, out_csv=None, timeout=30, keep=None, feedback_dir=None,
          exercises_dir=EXERCISES_DIR, log=print, kernel_user=None, memory_mb=2048):
    """Grade ``SUBMISSIONS/<student>/<assignment>/*.ipynb``; return the rows and write them as CSV.

    The submissions are copied into a scratch course (``keep`` to keep it: the gradebook, the
    autograded notebooks and the logs are there); the originals are only read. Kernels run as
    ``kernel_user`` (default ``nbgrader-kernel``, created if missing when we are root; ``""`` to run them as
    yourself) with an address-space cap of ``memory_mb`` MiB; the course directory is private (0700).
    """
    from . import sandbox

    submissions = os.path.abspath(submissions)
    known = assignment_names(exercises_dir)
    found, unknown = find_submissions(submissions, known)
    for name in unknown:
        log(f"skipping {name}: not an assignment of this course ({', '.join(known)})")
    kernel_user = sandbox.DEFAULT_USER if kernel_user is None else kernel_user
    rows = []
    with scratch_course(keep=keep, exercises_dir=exercises_dir) as course:
        os.chmod(course, 0o700)
        log_path = os.path.join(course, "grading.log")
        runtime = sandbox.prepare_runtime(kernel_user, log=log)
        if runtime["kernel_uid"] < 0:
            log(f"WARNING: kernels run as the grader's own user ({runtime['reason']}): student code could "
                "reach the gradebook; the table is still computed from the graded notebooks")
        try:
            with open(os.path.join(course, "nbgrader_config.py"), "a", encoding="utf-8") as fh:
                fh.write(_kernel_config(runtime, memory_mb))
            generate(course, sorted(found), log_path=log_path)
            gradebook = os.path.join(course, "gradebook.db")
            if os.path.exists(gradebook):
                os.chmod(gradebook, 0o600)
            for assignment, students in sorted(found.items()):
                for student in students:
                    # a kept course may hold an earlier run: its copies and graded notebooks must not survive
                    for folder in ("submitted", "autograded", "feedback"):
                        _fresh(os.path.join(course, folder, student, assignment))
                    shutil.copytree(os.path.join(submissions, student, assignment),
                                    os.path.join(course, "submitted", student, assignment),
                                    ignore=_IGNORE, dirs_exist_ok=True)
            for assignment, students in sorted(found.items()):
                n_cells = sum(len(p) for p in source_parts(assignment, exercises_dir).values()) or 1
                wall_limit = 120 + len(students) * 4 * n_cells * timeout
                log(f"autograding {assignment}: {len(students)} submission(s)")
                autograde(course, assignment, timeout=timeout, log_path=log_path, wall_limit=wall_limit)
                rows += collect(course, assignment, students, exercises_dir)
            if feedback_dir:
                for assignment in sorted(found):
                    nbgrader(course, "generate_feedback", assignment, "--force", log_path=log_path)
                if os.path.isdir(os.path.join(course, "feedback")):
                    shutil.copytree(os.path.join(course, "feedback"), feedback_dir, dirs_exist_ok=True)
        finally:
            if runtime.get("mirror"):
                shutil.rmtree(runtime["mirror"], ignore_errors=True)
    if out_csv:
        write_csv(rows, out_csv)
    return rows


def write_csv(rows, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def totals(rows):
    """``{(student, assignment): (points, max_points)}``."""
    out = {}
    for r in rows:
        p, m = out.get((r.student, r.assignment), (0.0, 0.0))
        out[(r.student, r.assignment)] = (p + r.points, m + r.max_points)
    return out


# ---------------------------------------------------------------------------------------------------
# Reading the results back: gradebook scores, statuses and messages from the autograded notebooks
# ---------------------------------------------------------------------------------------------------

_STATUS_BY_ERROR = {
    "AssertionError": "failed",
    "GraderCheckFailed": "failed",
    "CellTimeoutError": "timeout",
    "DeadKernelError": "kernel died",
    "MemoryError": "out of memory",
    "NotImplementedError": "not attempted",
    "GraderStopped": "not run",
}


def collect(course, assignment, students, exercises_dir=EXERCISES_DIR):
    """One row per part. Points come from the graded notebook (a part earns its points iff its test cell
    ran without an error, the grader's outside check included), never from the gradebook, which is
    only cross-checked; then the tamper scan zeroes passed parts graded after a tampering cell."""
    from nbgrader.api import Gradebook, MissingEntry
    from . import tamper

    os.environ["PATH"] = _path_with_this_python()
    parts = source_parts(assignment, exercises_dir)
    rows = []
    with Gradebook(f"sqlite:///{os.path.join(course, 'gradebook.db')}", COURSE_ID) as gb:
        for student in students:
            for notebook, cells in parts.items():
                submitted = os.path.join(course, "submitted", student, assignment, notebook + ".ipynb")
                graded = os.path.join(course, "autograded", student, assignment, notebook + ".ipynb")
                graded_nb = _load(graded)
                graded_cells, answer_errors, positions = _read_autograded(graded_nb)
                findings = tamper.scan_notebook(graded_nb or _load(submitted) or {})
                hard = [(pos, f) for pos, f in findings if f.severity == "hard"]
                notes = [str(f) for _, f in findings]
                for grade_id, max_points in cells:
                    try:
                        score = gb.find_grade(grade_id, notebook, assignment, student).score
                    except MissingEntry:
                        score = None
                    status, feedback = _status(submitted, graded, graded_cells.get(grade_id),
                                               notebook, answer_errors.get(grade_id))
                    points = float(max_points) if status == "passed" else 0.0
                    if status == "passed" and graded_cells:
                        before = [f for pos, f in hard if pos < positions.get(grade_id, 10**9)]
                        if before:
                            status, points = "tampered", 0.0
                            feedback = (f"no points: cell {before[0].cell} {before[0].message}, before this "
                                        "part's test ran; ask your lecturer")
                    if graded_nb is not None and score is not None and status != "tampered" \
                            and abs(float(score) - points) > 1e-9:
                        notes.append(f"gradebook: {grade_id} has {float(score):g} points, the graded notebook "
                                     f"{points:g} (the table uses the notebook)")
                    rows.append(PartResult(student, assignment, grade_id, points, float(max_points),
                                           status, feedback, ""))
                note = "; ".join(dict.fromkeys(notes))
                for row in rows[len(rows) - len(cells):]:
                    row.tamper = note[:600]
    return rows


def _load(path):
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
        return nb if isinstance(nb, dict) else None
    except (OSError, ValueError):
        return None


def _first_error(cell):
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def _read_autograded(nb):
    """Cells by grade id, for each test cell the first error of the answer cells just above it, and the
    position of each graded cell."""
    if nb is None:
        return {}, {}, {}
    cells, answer_errors, positions, pending = {}, {}, {}, None
    for i, c in enumerate(nb.get("cells", [])):
        meta = c.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id"):
            cells[meta["grade_id"]] = c
            positions.setdefault(meta["grade_id"], i)
        if meta.get("solution") and pending is None and _first_error(c):
            pending = (meta["grade_id"], _first_error(c))
        if meta.get("grade") and not meta.get("solution"):
            if pending:
                answer_errors[meta["grade_id"]] = pending
            pending = None
    return cells, answer_errors, positions


def _describe(err):
    ename, evalue = err.get("ename", "Error"), " ".join(str(err.get("evalue", "")).split())
    if ename == "NotImplementedError" and not evalue:
        evalue = "this part still raises NotImplementedError: replace it with your code"
    return ename, (f"{ename}: {evalue}" if evalue else ename)


def _status(submitted, graded, cell, notebook, answer_error=None):
    if not os.path.exists(submitted):
        return "missing", f"no {notebook}.ipynb in the submission"
    if not os.path.exists(graded):
        return "not graded", ("grading failed: nbgrader could not run this notebook (see the grading log); "
                              "no score, not even an earlier one, is reported for it")
    if cell is None:
        return "missing", "this test cell is missing from the autograded notebook"
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return "passed", ""
    ename, feedback = _describe(errors[0])
    status = _STATUS_BY_ERROR.get(ename, "error")
    if answer_error is not None:
        # the test failed after the answer cell above it had failed: report the cause first
        answer_id, err = answer_error
        answer_ename, answer_text = _describe(err)
        status = _STATUS_BY_ERROR.get(answer_ename, status)
        feedback = f"your cell '{answer_id}': {answer_text[:200]} | then the test: {feedback}"
    return status, feedback[:400]
