"""Scratch nbgrader course directories: generate the student versions, autograde, read the gradebook.

Nothing here writes inside ``exercises/`` except :func:`release`, which replaces ``release/<assignment>/``
with what ``nbgrader generate_assignment`` made in a scratch copy.
"""
import copy
import csv
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, asdict

EXERCISES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COURSE_ID = "beyond-the-gradient"
CSV_COLUMNS = ["student", "assignment", "part", "points", "max_points", "status", "feedback", "tamper"]

_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")

# What one submission may bring (a larger file, or more of them, is left out with a note; see copy_submission).
MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_FILE_BYTES = 10 * 2**20
MAX_SUBMISSION_BYTES = 50 * 2**20
MAX_FILES = 200
MAX_DEPTH = 6
# Folder names nbgrader can take as a student id (it reads --student as a glob) and that cannot be an option.
_STUDENT_ID = re.compile(r"^\w[\w.@+-]{0,99}$")


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


def nbgrader(course, *args, timeout=None, log_path=None, env_extra=None):
    """Run ``python -m nbgrader ARGS`` in ``course``; return the exit code (output goes to ``log_path``).

    nbgrader runs in its own session; past ``timeout`` seconds the whole session is SIGKILLed and -1 returned.
    """
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1", PATH=_path_with_this_python(), **(env_extra or {}))
    cmd = [sys.executable, "-m", "nbgrader", *args]
    log = open(log_path, "a", encoding="utf-8") if log_path else subprocess.DEVNULL
    try:
        if log_path:
            log.write("$ nbgrader " + " ".join(args) + "\n")
            log.flush()
        proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                proc.kill()
            proc.wait()
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
    """``{assignment: [student, ...]}`` from ``SUBMISSIONS/<student>/<assignment>/``; plus skipped folders.

    Nothing is followed: a student folder that is a symbolic link is skipped (listed), an assignment folder
    that is one is kept so that its rows say ``refused``."""
    found, unknown = {}, []
    for student in sorted(os.listdir(submissions)):
        student_dir = os.path.join(submissions, student)
        if student.startswith("."):
            continue
        if os.path.islink(student_dir):
            unknown.append(f"{student} (a symbolic link: not followed)")
            continue
        if not os.path.isdir(student_dir):
            continue
        for assignment in sorted(os.listdir(student_dir)):
            path = os.path.join(student_dir, assignment)
            if assignment.startswith(".") or not (os.path.islink(path) or os.path.isdir(path)):
                continue
            if assignment in known:
                found.setdefault(assignment, []).append(student)
            else:
                unknown.append(f"{student}/{assignment}")
    return found, unknown


class SubmissionRefused(Exception):
    """The whole submission folder cannot be taken (a link, unreadable): its parts get status ``refused``."""


def copy_submission(src, dest, notebook_names=()):
    """Copy the folder ``src`` to ``dest`` without following any link; return ``{relative path: why left out}``.

    Only directories and regular files are copied (opened with ``O_NOFOLLOW``, checked with ``fstat`` after
    opening, so a link or device swapped in meanwhile is not read either); symbolic links, devices, FIFOs and
    sockets are left out, and so is anything past the caps (a notebook over ``MAX_NOTEBOOK_BYTES``, another file
    over ``MAX_FILE_BYTES``, ``MAX_SUBMISSION_BYTES`` in all, ``MAX_FILES`` files, ``MAX_DEPTH`` folders deep).
    Raises ``SubmissionRefused`` when ``src`` itself is a link or not a folder.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        parent = os.open(os.path.dirname(src), flags | os.O_DIRECTORY)
    except OSError as exc:
        raise SubmissionRefused(f"the student's folder cannot be opened ({exc.strerror})") from None
    try:
        try:
            top = os.open(os.path.basename(src), flags | os.O_DIRECTORY, dir_fd=parent)
        except OSError as exc:
            raise SubmissionRefused("the submission folder is a symbolic link or not a folder; the grader "
                                    f"does not follow links ({exc.strerror})") from None
    finally:
        os.close(parent)
    notes, state = {}, {"bytes": 0, "files": 0}
    os.makedirs(dest, exist_ok=True)
    try:
        _copy_dir(top, dest, "", notes, state, set(notebook_names), 0)
    finally:
        os.close(top)
    return notes


def _copy_dir(dir_fd, dest, rel, notes, state, notebook_names, depth):
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    with os.scandir(dir_fd) as it:
        names = sorted(e.name for e in it)
    for name in names:
        relname = os.path.join(rel, name)
        if name in ("__pycache__", ".ipynb_checkpoints") or name.endswith(".pyc"):
            continue
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            notes[relname] = f"unreadable ({exc.strerror}): left out"
            continue
        if stat.S_ISLNK(st.st_mode):
            notes[relname] = "a symbolic link: not followed, left out"
        elif stat.S_ISDIR(st.st_mode):
            if depth >= MAX_DEPTH:
                notes[relname] = f"folders nested deeper than {MAX_DEPTH}: left out"
                continue
            try:
                sub = os.open(name, flags | os.O_DIRECTORY, dir_fd=dir_fd)
            except OSError as exc:
                notes[relname] = f"unreadable folder ({exc.strerror}): left out"
                continue
            try:
                os.makedirs(os.path.join(dest, name), exist_ok=True)
                _copy_dir(sub, os.path.join(dest, name), relname, notes, state, notebook_names, depth + 1)
            finally:
                os.close(sub)
        elif stat.S_ISREG(st.st_mode):
            cap = MAX_NOTEBOOK_BYTES if relname in notebook_names else MAX_FILE_BYTES
            if state["files"] >= MAX_FILES:
                notes[relname] = f"more than {MAX_FILES} files: left out"
                continue
            if st.st_size > cap or state["bytes"] + st.st_size > MAX_SUBMISSION_BYTES:
                notes[relname] = (f"{st.st_size} bytes, over the grader's cap of {cap} per file and "
                                  f"{MAX_SUBMISSION_BYTES} per submission: left out")
                continue
            _copy_file(name, dir_fd, os.path.join(dest, name), relname, cap, notes, state)
        else:
            notes[relname] = "not a regular file (a device, FIFO or socket): left out"


def _copy_file(name, dir_fd, target, relname, cap, notes, state):
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        notes[relname] = f"could not be opened ({exc.strerror}): left out"
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            notes[relname] = "not a regular file when opened: left out"
            return
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap or state["bytes"] + size > MAX_SUBMISSION_BYTES:
            notes[relname] = f"grew past the grader's cap of {cap} bytes while copied: left out"
            return
        with open(target, "wb") as out:
            out.write(b"".join(chunks))
        state["bytes"] += size
        state["files"] += 1
    except OSError as exc:
        notes[relname] = f"could not be read ({exc.strerror}): left out"
    finally:
        os.close(fd)


_KEEP_CELL_METADATA = ("tags", "deletable", "editable", "collapsed", "jupyter")


def restore_metadata(path, source_path):
    """Give the submitted notebook at ``path`` (the grader's copy) the nbgrader metadata of the source.

    Cells are matched by grade id (first occurrence): each gets the source cell's nbgrader metadata and cell
    type; every other cell loses any nbgrader metadata (a stray "grade" flag would make nbgrader refuse the
    whole notebook, or a forged "locked" one hide the cell from the tamper scan). Other cell metadata is cut to
    a few small keys, notebook metadata to the kernel and language. Returns a note, or None; an unreadable
    notebook is left as it is (nbgrader then reports it).
    """
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
        with open(source_path, encoding="utf-8") as fh:
            src = json.load(fh)
        cells = nb["cells"]
        if not isinstance(nb, dict) or not isinstance(cells, list):
            return None
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    by_id = {}
    for c in src.get("cells", []):
        meta = c.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id"):
            by_id.setdefault(meta["grade_id"], (c.get("cell_type"), meta))
    seen, stray = set(), 0
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        mine = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else None
        gid = mine.get("grade_id") if mine else None
        kept = {k: meta[k] for k in _KEEP_CELL_METADATA if k in meta and len(json.dumps(meta[k])) < 1000}
        if isinstance(gid, str) and gid in by_id and gid not in seen:
            seen.add(gid)
            cell_type, src_meta = by_id[gid]
            kept["nbgrader"] = copy.deepcopy(src_meta)
            if cell.get("cell_type") != cell_type:
                cell["cell_type"] = cell_type
        elif mine is not None:
            stray += 1
        cell["metadata"] = kept
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    nb["metadata"] = {k: v for k, v in (nb.get("metadata") or {}).items()
                      if k in ("kernelspec", "language_info") and len(json.dumps(v)) < 2000}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    return f"nbgrader metadata of {stray} cell(s) not in the source dropped" if stray else None


def default_budget(timeout, n_parts):
    """Seconds one notebook may take in all (its kernel restarts and replays included)."""
    return 60 + 3 * int(timeout) * max(1, n_parts)


@dataclass
class Run:
    """How one student's assignment was run: what ``collect`` needs to tell "graded" from "never ran"."""
    token: str = ""
    done_dir: str = ""
    exit_code: int = 0
    budget: int = 0
    refused: str = ""                 # why the whole submission was not taken
    left_out: dict = None             # {relative path: why left out}
    notes: list = None


def autograde_one(course, assignment, student, timeout, budget, log_path=None, extra_args=()):
    """``nbgrader autograde ASSIGNMENT --student STUDENT`` in a child process limited to ``budget`` s (plus
    start-up); returns a ``Run``. The executor writes ``done_dir/<notebook>.json`` with a one-time token
    (passed in the environment, never on the command line) once every cell has run; a notebook without it
    never ran, whatever its copy in ``autograded/`` looks like."""
    run = Run(token=secrets.token_hex(16), done_dir=os.path.join(course, "runs", student, assignment),
              budget=budget, left_out={}, notes=[])
    _fresh(run.done_dir)
    os.makedirs(run.done_dir)
    run.exit_code = nbgrader(course, "autograde", assignment, "--student", student, "--force",
                             f"--Execute.timeout={int(timeout)}", f"--RestartingExecute.notebook_budget={int(budget)}",
                             *extra_args, timeout=budget + 120, log_path=log_path,
                             env_extra={"BTG_RUN_TOKEN": run.token, "BTG_DONE_DIR": run.done_dir})
    return run


def autograde(course, assignment, timeout=30, log_path=None, wall_limit=None):
    """``nbgrader autograde ASSIGNMENT --force`` for every student in ``course/submitted`` at once (kept for
    bare use; ``grade`` runs each notebook in its own child process with :func:`autograde_one`)."""
    return nbgrader(course, "autograde", assignment, "--force",
                    f"--Execute.timeout={int(timeout)}", timeout=wall_limit, log_path=log_path)


def _kernel_config(runtime, memory_mb):
    """Lines appended to the scratch course's nbgrader_config.py: how RestartingExecute starts kernels."""
    lines = ["", "# --- added by `python exercises/grading grade` for this run ---",
             f"c.RestartingExecute.memory_limit_mb = {int(memory_mb)}"]
    if runtime["kernel_uid"] >= 0 and not runtime.get("fresh"):
        lines += [f"c.RestartingExecute.kernel_uid = {runtime['kernel_uid']}",
                  f"c.RestartingExecute.kernel_gid = {runtime['kernel_gid']}"]
    lines += [f"c.RestartingExecute.kernel_python = {runtime['kernel_python']!r}",
              f"c.RestartingExecute.kernel_site = {list(runtime['kernel_site'])!r}",
              f"c.RestartingExecute.kernel_env = {dict(runtime['kernel_env'])!r}"]
    for key in ("kernel_path", "kernel_hide", "kernel_sandbox_base"):
        if runtime.get(key) is not None:
            lines.append(f"c.RestartingExecute.{key} = {runtime[key]!r}")
    return "\n".join(lines) + "\n"


def _fresh(path):
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isdir(path)):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def grade(submissions, out_csv=None, timeout=30, keep=None, feedback_dir=None,
          exercises_dir=EXERCISES_DIR, log=print, kernel_user=None, memory_mb=2048, notebook_budget=None):
    """Grade ``SUBMISSIONS/<student>/<assignment>/*.ipynb``; return the rows and write them as CSV.

    The submissions are copied into a scratch course (``keep`` to keep it: the gradebook, the
    autograded notebooks and the logs are there) without following links; the originals are only read.
    Each notebook is graded in its own nbgrader process with a total budget of ``notebook_budget`` seconds
    (default :func:`default_budget`); as root, each notebook's kernels run as a fresh unprivileged user
    (``nbg-`` and random hex, deleted afterwards with every process and file it left), or as ``kernel_user`` if
    given (created if missing; every process and file of it is removed between notebooks, so give it a user of
    its own); ``""`` runs them as yourself. The address space is capped at ``memory_mb`` MiB; the course
    directory is private (0700).
    """
    from . import sandbox

    submissions = os.path.abspath(submissions)
    known = assignment_names(exercises_dir)
    found, unknown = find_submissions(submissions, known)
    for name in unknown:
        log(f"skipping {name}: not an assignment of this course ({', '.join(known)})")
    rows = []
    with scratch_course(keep=keep, exercises_dir=exercises_dir) as course:
        os.chmod(course, 0o700)
        log_path = os.path.join(course, "grading.log")
        runtime = {}
        try:
            runtime = sandbox.prepare_runtime(kernel_user, log=log, hide=[os.path.dirname(exercises_dir), submissions],
                                              exercises_dir=exercises_dir)
            if runtime["kernel_uid"] < 0:
                log(f"WARNING: kernels run as the grader's own user ({runtime['reason']}): student code could "
                    "reach the gradebook; the table is still computed from the graded notebooks")
            with open(os.path.join(course, "nbgrader_config.py"), "a", encoding="utf-8") as fh:
                fh.write(_kernel_config(runtime, memory_mb))
            generate(course, sorted(found), log_path=log_path)
            gradebook = os.path.join(course, "gradebook.db")
            if os.path.exists(gradebook):
                os.chmod(gradebook, 0o600)
            for assignment, students in sorted(found.items()):
                parts = source_parts(assignment, exercises_dir)
                n_parts = sum(len(p) for p in parts.values())
                budget = int(notebook_budget or default_budget(timeout, n_parts))
                runs = {}
                log(f"autograding {assignment}: {len(students)} submission(s), at most {budget} s each")
                for student in students:
                    runs[student] = _grade_one(course, submissions, assignment, student, parts, timeout, budget,
                                               runtime, log_path, exercises_dir, log)
                rows += collect(course, assignment, students, exercises_dir, runs=runs)
            if feedback_dir:
                for assignment in sorted(found):
                    nbgrader(course, "generate_feedback", assignment, "--force", log_path=log_path,
                             timeout=600)
                if os.path.isdir(os.path.join(course, "feedback")):
                    shutil.copytree(os.path.join(course, "feedback"), feedback_dir, dirs_exist_ok=True,
                                    symlinks=True)
        finally:
            if not runtime.get("fresh"):
                sandbox.end_user(runtime.get("kernel_uid", -1))
            if runtime.get("mirror"):
                shutil.rmtree(runtime["mirror"], ignore_errors=True)
    if out_csv:
        write_csv(rows, out_csv)
    return rows


def _grade_one(course, submissions, assignment, student, parts, timeout, budget, runtime, log_path,
               exercises_dir, log):
    """Copy, normalise and autograde one student's assignment; never raises (a failure is a ``Run``)."""
    from . import sandbox

    run = Run(left_out={}, notes=[], budget=budget)
    fresh = None
    try:
        # a kept course may hold an earlier run: its copies and graded notebooks must not survive
        for folder in ("submitted", "autograded", "feedback", "runs"):
            _fresh(os.path.join(course, folder, student, assignment))
        if not _STUDENT_ID.match(student):
            run.refused = ("the student folder's name is not a valid student id (letters, digits and . _ @ + -, "
                           "starting with a letter or digit)")
            return run
        dest = os.path.join(course, "submitted", student, assignment)
        try:
            run.left_out = copy_submission(os.path.join(submissions, student, assignment), dest,
                                           [f"{nb}.ipynb" for nb in parts])
        except SubmissionRefused as exc:
            run.refused = str(exc)
            _fresh(dest)
            return run
        for notebook in parts:
            path = os.path.join(dest, notebook + ".ipynb")
            if os.path.isfile(path):
                note = restore_metadata(path, os.path.join(course, "source", assignment, notebook + ".ipynb"))
                if note:
                    run.notes.append(note)
        extra = []
        if runtime.get("fresh"):
            user, uid, gid = sandbox.fresh_user()
            if user is None:
                raise RuntimeError(f"no fresh kernel user: {uid}")
            fresh = (user, uid)
            extra = [f"--RestartingExecute.kernel_uid={uid}", f"--RestartingExecute.kernel_gid={gid}"]
        got = autograde_one(course, assignment, student, timeout, budget, log_path=log_path, extra_args=extra)
        got.left_out, got.notes = run.left_out, run.notes
        return got
    except Exception as exc:  # noqa: BLE001 - one submission must never stop the others
        log(f"grading {student}/{assignment} failed in the grader: {type(exc).__name__}: {exc}")
        run.refused = f"the grader failed on this submission ({type(exc).__name__}); see the grading log"
        return run
    finally:
        if fresh:
            sandbox.remove_user(*fresh)
        elif runtime.get("kernel_uid", -1) >= 0:
            sandbox.end_user(runtime["kernel_uid"])


def csv_cell(value):
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or a tab/CR) gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(rows, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_cell(v) for k, v in asdict(row).items()})


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


def collect(course, assignment, students, exercises_dir=EXERCISES_DIR, runs=None):
    """One row per part. Points come from the graded notebook (a part earns its points iff its test cell
    ran without an error, the grader's outside check included), never from the gradebook, which is
    only cross-checked; then the tamper scan zeroes passed parts graded after a tampering cell.

    ``runs`` (``{student: Run}``, from ``grade``) tells which notebooks really ran to the end: one without the
    executor's token is ``not graded``, whatever its copy in ``autograded/`` holds. Never raises for a student:
    a notebook the grader cannot read gives rows ``not graded``."""
    from nbgrader.api import Gradebook

    os.environ["PATH"] = _path_with_this_python()
    parts = source_parts(assignment, exercises_dir)
    rows = []
    with Gradebook(f"sqlite:///{os.path.join(course, 'gradebook.db')}", COURSE_ID) as gb:
        for student in students:
            run = (runs or {}).get(student)
            for notebook, cells in parts.items():
                try:
                    rows += _collect_notebook(gb, course, assignment, student, notebook, cells, run)
                except Exception as exc:  # noqa: BLE001 - one unreadable notebook must not stop the table
                    rows += [PartResult(student, assignment, gid, 0.0, float(mp), "not graded",
                                        f"grading failed: the grader could not read the graded notebook "
                                        f"({type(exc).__name__})", "") for gid, mp in cells]
    return rows


def ran_to_end(run, notebook):
    """``(True, "")`` if the executor finished ``notebook`` in this run, else ``(False, why)``."""
    if run is None:
        return True, ""
    try:
        with open(os.path.join(run.done_dir, notebook + ".json"), encoding="utf-8") as fh:
            done = json.load(fh)
        finished = isinstance(done, dict) and secrets.compare_digest(str(done.get("token", "")), run.token)
    except (OSError, ValueError):
        finished = False
    if finished and run.exit_code == 0:
        return True, ""
    if run.exit_code == -1:
        return False, (f"grading stopped: this notebook ran past its total budget of {run.budget} s and nbgrader "
                       "was stopped; no score, not even an earlier one, is reported for it")
    return False, ("grading failed: nbgrader could not run this notebook (see the grading log); "
                   "no score, not even an earlier one, is reported for it")


def files_beside(folder, notebook_names):
    """``(files, findings)`` for what a submission brings beside its notebooks: every file's text (for the
    tamper scan) and a hard finding for each one that shadows an importable module."""
    import importlib.util
    from . import tamper

    files, extra = [], []
    for root, dirs, names in os.walk(folder):
        rel_root = os.path.relpath(root, folder)
        for name in dirs + names:
            rel = os.path.normpath(os.path.join(rel_root, name))
            stem = name.split(".")[0]
            importable_kind = name in dirs or name.endswith((".py", ".pyc", ".pyd", ".so", ".pyw"))
            if rel_root == "." and importable_kind and stem.isidentifier() and (
                    stem in tamper._GUARDED_MODULES or _importable(importlib.util, stem)):
                extra.append(tamper.Finding(rel, "hard", f"shadows the module {stem!r} (a file beside the "
                                                         "notebook is imported before the installed one)"))
        for name in names:
            rel = os.path.normpath(os.path.join(rel_root, name))
            if rel in notebook_names or name.endswith(".ipynb"):
                continue
            try:
                with open(os.path.join(root, name), "rb") as fh:
                    data = fh.read(tamper.MAX_SCAN_CHARS)
                files.append((rel, data.decode("utf-8", errors="replace")))
            except OSError:
                pass
    return files, extra


def _importable(util, name):
    try:
        return util.find_spec(name) is not None
    except Exception:  # noqa: BLE001
        return False


def _collect_notebook(gb, course, assignment, student, notebook, cells, run):
    from nbgrader.api import MissingEntry
    from . import tamper

    if run is not None and run.refused:
        return [PartResult(student, assignment, gid, 0.0, float(mp), "refused", run.refused[:400], "")
                for gid, mp in cells]
    folder = os.path.join(course, "submitted", student, assignment)
    submitted = os.path.join(folder, notebook + ".ipynb")
    graded = os.path.join(course, "autograded", student, assignment, notebook + ".ipynb")
    left_out = dict((run.left_out or {}) if run else {})
    notes = [f"left out: {name} ({why})" for name, why in left_out.items()] + list((run.notes or []) if run else [])
    if notebook + ".ipynb" in left_out:
        why = left_out[notebook + ".ipynb"]
        return [PartResult(student, assignment, gid, 0.0, float(mp), "refused", f"{notebook}.ipynb is {why}",
                           "; ".join(notes)[:600]) for gid, mp in cells]
    ran, why_not = ran_to_end(run, notebook) if os.path.exists(submitted) else (True, "")
    graded_nb = _load(graded) if ran else None
    graded_cells, answer_errors, positions = _read_autograded(graded_nb)
    files, shadows = files_beside(folder, {notebook + ".ipynb"}) if os.path.isdir(folder) else ([], [])
    findings = tamper.scan_notebook(graded_nb or _load(submitted) or {}, files=files)
    findings += [(-1, f) for f in shadows]
    hard = [(pos, f) for pos, f in findings if f.severity == "hard"]
    notes += [str(f) for _, f in findings]
    rows = []
    for grade_id, max_points in cells:
        try:
            score = gb.find_grade(grade_id, notebook, assignment, student).score
        except MissingEntry:
            score = None
        if not ran:
            status, feedback = "not graded", why_not
        else:
            status, feedback = _status(submitted, graded, graded_cells.get(grade_id),
                                       notebook, answer_errors.get(grade_id))
        points = float(max_points) if status == "passed" else 0.0
        if status == "passed" and graded_cells:
            before = [(pos, f) for pos, f in hard if pos < positions.get(grade_id, 10**9)]
            if before:
                pos, first = before[0]
                status, points = "tampered", 0.0
                where = f"file {first.cell}" if pos < 0 else f"cell {first.cell}"
                feedback = f"no points: {where} {first.message}, before this part's test ran; ask your lecturer"
        if graded_nb is not None and score is not None and status != "tampered" \
                and abs(float(score) - points) > 1e-9:
            notes.append(f"gradebook: {grade_id} has {float(score):g} points, the graded notebook "
                         f"{points:g} (the table uses the notebook)")
        rows.append(PartResult(student, assignment, grade_id, points, float(max_points), status,
                               feedback[:400], ""))
    note = "; ".join(dict.fromkeys(notes))
    for row in rows:
        row.tamper = note[:600]
    return rows


def _load(path):
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
        return nb if isinstance(nb, dict) and isinstance(nb.get("cells", []), list) else None
    except (OSError, ValueError, RecursionError, MemoryError):
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
    ename, evalue = str(err.get("ename", "Error"))[:100], " ".join(str(err.get("evalue", ""))[:2000].split())
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
