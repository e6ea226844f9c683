"""Command line: ``python exercises/grading {release,grade,selfcheck} ...``."""
import argparse
import os
import sys

from . import course


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python exercises/grading",
        description="Regenerate the student versions, or grade a folder of submissions, with nbgrader "
                    "in a scratch course directory.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_rel = sub.add_parser("release", help="source/ -> release/ (nbgrader generate_assignment --force)")
    p_rel.add_argument("assignments", nargs="*", help="default: every folder of source/")

    p_grade = sub.add_parser("grade", help="grade SUBMISSIONS/<student>/<assignment>/*.ipynb into a CSV")
    p_grade.add_argument("submissions", help="folder holding <student>/<assignment>/<notebook>.ipynb")
    p_grade.add_argument("-o", "--out", default="grades.csv", help="CSV to write (default grades.csv)")
    p_grade.add_argument("--timeout", type=int, default=30, help="seconds allowed per cell (default 30)")
    p_grade.add_argument("--keep", metavar="DIR",
                         help="keep the scratch course (gradebook, autograded/, logs) in DIR")
    p_grade.add_argument("--kernel-user", default=None, metavar="NAME",
                         help="run student kernels as this user (created if missing; every process of it is killed "
                              "between notebooks, so give it a user of its own). Default, as root: a fresh user "
                              "nbg-<random> per notebook, deleted afterwards. '' = as yourself, which leaves "
                              "the gradebook reachable")
    p_grade.add_argument("--memory", type=int, default=2048, metavar="MIB",
                         help="address-space cap of a student kernel in MiB (default 2048; 0 = none)")
    p_grade.add_argument("--notebook-budget", type=int, default=0, metavar="SECONDS",
                         help="total seconds one notebook may take, restarts included (default 60 + 3 × timeout "
                              "× its parts); past it the notebook's remaining cells are not run")
    p_grade.add_argument("--feedback", metavar="DIR",
                         help="also write nbgrader's HTML feedback to DIR/<student>/<assignment>/")

    p_self = sub.add_parser("selfcheck", help="the grader's checks of one notebook on fresh inputs (no nbgrader)")
    p_self.add_argument("notebook")
    p_self.add_argument("rest", nargs=argparse.REMAINDER, help="--seed N, --timeout S, --show-output, --assignment A")

    args = parser.parse_args(argv)
    if args.command == "selfcheck":
        from . import selfcheck
        return selfcheck.main([args.notebook, *args.rest])
    if args.command == "release":
        course.release(args.assignments or None)
        return 0

    if not os.path.isdir(args.submissions):
        parser.error(f"no such folder: {args.submissions}")
    rows = course.grade(args.submissions, out_csv=args.out, timeout=args.timeout, keep=args.keep,
                        feedback_dir=args.feedback, kernel_user=args.kernel_user, memory_mb=args.memory,
                        notebook_budget=args.notebook_budget or None)
    print(f"\n{'student':<20} {'assignment':<20} {'points':>10}")
    for (student, assignment), (points, max_points) in sorted(course.totals(rows).items()):
        print(f"{student:<20} {assignment:<20} {points:>5g} / {max_points:g}")
    flagged = sorted({(r.student, r.assignment) for r in rows if r.tamper})
    if flagged:
        print(f"\n{len(flagged)} submission(s) flagged by the tamper scan (column 'tamper'): "
              + ", ".join(f"{s}/{a}" for s, a in flagged))
    refused = sorted({(r.student, r.assignment) for r in rows if r.status == "refused"})
    if refused:
        print(f"{len(refused)} submission(s) refused in whole or part (status 'refused'): "
              + ", ".join(f"{s}/{a}" for s, a in refused))
    failed = sorted({(r.student, r.assignment) for r in rows if r.status == "not graded"})
    if failed:
        print(f"{len(failed)} submission(s) could not be graded (status 'not graded'): "
              + ", ".join(f"{s}/{a}" for s, a in failed))
    print(f"\n{len(rows)} part(s) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
