"""Self-check for self-learners: the grader's own outside checks, on fresh random inputs, without nbgrader.

    python -m exercises.selfcheck exercises/release/ch03_hvp/ch03_hvp.ipynb       # from the repository root
    python exercises/grading selfcheck MY_NOTEBOOK.ipynb [--seed N] [--timeout S] [--show-output]

It runs the notebook's code cells in order in a fresh namespace (in this process: it is your own code), and at
each graded test cell it runs (1) the visible test, as Jupyter would, and (2) the grader's check of that part
(``checks.py``): your functions called on inputs drawn from a fresh seed and compared, in this process, with
the grader's references. It prints one line per part: the points, and what is wrong, in the words of the
grader's feedback. It never prints the reference code or the hidden tests (a release notebook has none; in a
source notebook they are cut out). Not checked here: the "written by hand" rule (the graded run re-runs your
code under a profiler) and the tamper scan.
"""
import argparse
import contextlib
import io
import json
import os
import secrets
import signal
import sys
import traceback

import numpy as np

from . import checks
from .handcheck import strip_hidden


class CellTimeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds):
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise CellTimeout(f"ran longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _transform():
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell
    except Exception:  # noqa: BLE001 - IPython is optional: plain Python cells still run
        return lambda source: source


class _Shell:
    """Stands in for ``get_ipython()``: magics such as ``%matplotlib inline`` do nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def assignment_of(path, nb):
    """The assignment a notebook belongs to: its file name, else its folder's name."""
    for name in (os.path.splitext(os.path.basename(path))[0], os.path.basename(os.path.dirname(os.path.abspath(path)))):
        if name in checks.CHECKS:
            return name
    raise ValueError(f"{path}: not one of the assignments {sorted(checks.CHECKS)} (name the file like the "
                     "release notebook, or pass --assignment)")


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _first_line(exc):
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def run(path, assignment=None, seed=None, timeout=30, show_output=False):
    """``[(grade_id, points, visible, outside)]``: the visible test's and the grader's verdict per part
    (``None`` = passed, else the reason)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    assignment = assignment or assignment_of(path, nb)
    parts = checks.parts_for(assignment)
    seed = secrets.randbits(64) if seed is None else seed
    rng = np.random.default_rng(seed)
    os.environ.setdefault("MPLBACKEND", "Agg")
    transform = _transform()
    ns = {"__name__": "__main__", "get_ipython": lambda: _Shell()}
    results, answer_failure = [], None
    sink = contextlib.nullcontext() if show_output else contextlib.redirect_stdout(io.StringIO())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = _meta(cell)
        source = strip_hidden("".join(cell.get("source", "")))
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        failure = None
        try:
            code = compile(transform(source), f"<cell {meta.get('grade_id', '')}>", "exec")
            with sink, _time_limit(timeout):
                exec(code, ns)                                                      # noqa: S102
        except NotImplementedError:
            failure = "not attempted (NotImplementedError: the answer still holds `raise NotImplementedError()`)"
        except BaseException as exc:  # noqa: BLE001 - the student's cell failed: report it, go on as Jupyter does
            if isinstance(exc, KeyboardInterrupt):
                raise
            failure = _first_line(exc)
        if not is_test:
            if meta.get("solution") and failure is not None and answer_failure is None:
                answer_failure = failure
            continue
        gid = meta.get("grade_id")
        if failure is not None and answer_failure is not None:
            failure = f"your answer cell failed first: {answer_failure}"
        answer_failure = None
        outside = "the grader has no check for this part"
        if gid in parts:
            part = parts[gid]
            inputs = part.inputs(rng)
            try:
                with sink, _time_limit(timeout):
                    exec(checks.call_code(part, inputs), ns)                        # noqa: S102
                values = checks.unpack(json.loads(json.dumps(checks.pack(ns.get("_out", {})))))
                outside = checks.run_check(part, inputs, values)
            except NotImplementedError:
                outside = "not attempted"
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, KeyboardInterrupt):
                    raise
                outside = f"calling your code on the grader's inputs raised {_first_line(exc)}"
        results.append((gid, float(meta.get("points", 0)), failure, outside))
    return assignment, seed, results


def report(assignment, seed, results, out=None):
    out = out or sys.stdout
    total = sum(p for _, p, v, o in results if v is None and o is None)
    print(f"Self-check of {assignment} (fresh inputs, seed {seed})", file=out)
    for gid, points, visible, outside in results:
        ok = visible is None and outside is None
        print(f"  {gid:<24} {points if ok else 0:>4g} / {points:g}  {'passed' if ok else 'NOT passed'}", file=out)
        if visible is not None:
            print(f"      visible test: {visible}", file=out)
        if outside is not None:
            print(f"      grader's check: {outside}", file=out)
    print(f"  {'total':<24} {total:>4g} / {sum(p for _, p, _, _ in results):g}", file=out)
    print("Not checked here: the 'written by hand' rule and the tamper scan (the graded run checks them).", file=out)
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m exercises.selfcheck",
                                     description="Run the grader's own checks of your notebook on fresh inputs.")
    parser.add_argument("notebook")
    parser.add_argument("--assignment", help="default: from the notebook's file or folder name")
    parser.add_argument("--seed", type=int, help="seed of the inputs (default: fresh each run)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per cell (default 30; 0 = none)")
    parser.add_argument("--show-output", action="store_true", help="show what your cells print")
    args = parser.parse_args(argv)
    try:
        assignment, seed, results = run(args.notebook, args.assignment, args.seed, args.timeout, args.show_output)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 2
    report(assignment, seed, results)
    return 0 if all(v is None and o is None for _, _, v, o in results) else 1


if __name__ == "__main__":
    sys.exit(main())
