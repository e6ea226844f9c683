"""Optimizer race: hvplib's optimizers beside SciPy's on the same problems, counted honestly.

Problems (hvplib.problems): Rosenbrock n = 2 and n = 1000 from (−1.2, 1, …),
regularized logistic regression (breast cancer, 569 × 31, reg = 1e-3), and a
quadratic ½xᵀAx − bᵀx (n = 100, κ = 1000, eigenvalues geometrically spaced)
from a random start at distance 1 from x* (not the worst case for steepest
descent, whose error lies in two eigenvectors only, so CG would finish in two
products). Every method starts from the same x0 and aims at ‖∇f‖₂ ≤ 1e-8.

Methods: ours — gradient descent (backtracking; also "exact" on the quadratic),
dense Newton (n ≤ 200 only), Newton-CG; SciPy's ``minimize`` — Newton-CG with
``hvplib.hessp`` (and with ``rosen_hess_prod`` on Rosenbrock), trust-krylov
with ``hvplib.hessp``, L-BFGS-B. SciPy's methods get autograd's f and ∇f,
except the ``rosen_hess_prod`` row, which uses SciPy's own rosen functions.

Counting (hvplib.race, shared with chapter 04): for SciPy the calls of fun,
jac and hessp are counted by wrappers (not read from SciPy's result); a call
returning f and ∇f together (``jac=True``) counts as one f and one g, as in
hvplib. "H" is the number of dense Hessians (each counted as n in "total").
Final ‖g‖ is recomputed with autograd at the returned x. SciPy's Newton-CG has
no gradient tolerance: it stops on its step-size test (xtol, default), often
with ‖g‖ well above 1e-8;
L-BFGS-B tests the max-norm of the projected gradient and also stops on a
small relative decrease of f; trust-krylov tests ‖g‖ ≤ gtol. The last column
gives each run's own reason for stopping.

Usage: python benchmarks/optimizer_race.py [--quick] [--threads 1]
"""
import argparse
import os


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip n = 1000 (a smoke run)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--gd-max-iter", type=int, default=20_000, help="iteration cap for gradient descent")
    return parser.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import platform  # noqa: E402
from importlib import metadata  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize as so  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

import hvplib as hv  # noqa: E402
from hvplib import problems  # noqa: E402
from hvplib import race as race_lib  # noqa: E402

TOL = 1e-8
NEWTON_MAX_N = 200


def race(problem, is_rosenbrock=False, quadratic=False):
    """The race on one problem: a list of hvplib.race.RaceRow, one per method."""
    methods = [race_lib.ours("ours: gradient descent (backtracking)", hv.gradient_descent,
                             max_iter=ARGS.gd_max_iter)]
    if quadratic:
        methods.append(race_lib.ours("ours: gradient descent (exact step)", hv.gradient_descent,
                                     step="exact", max_iter=ARGS.gd_max_iter))
    if problem.n <= NEWTON_MAX_N:
        methods.append(race_lib.ours("ours: newton (dense)", hv.newton))
    methods.append(race_lib.ours("ours: newton_cg", hv.newton_cg, max_iter=10_000))
    ours_hessp = hv.hessp(problem.f)
    methods.append(race_lib.scipy_minimize("scipy Newton-CG + hv.hessp", "Newton-CG", hessp=ours_hessp))
    if is_rosenbrock:
        methods.append(race_lib.scipy_minimize("scipy Newton-CG + rosen_hess_prod", "Newton-CG",
                                               hessp=so.rosen_hess_prod, fun=so.rosen, jac=so.rosen_der))
    methods.append(race_lib.scipy_minimize("scipy trust-krylov + hv.hessp", "trust-krylov", hessp=ours_hessp,
                                           gtol=TOL, maxiter=10_000))
    methods.append(race_lib.scipy_minimize("scipy L-BFGS-B", "L-BFGS-B", gtol=TOL, ftol=1e-15,
                                           maxiter=50_000, maxfun=100_000))
    return race_lib.run_race(problem, methods, tol=TOL)


def print_table(title, rows):
    print(f"\n## {title}\n")
    print(race_lib.format_table(rows, columns=race_lib.COUNT_COLUMNS + ("time", "grad_norm", "stop")))


def print_environment():
    print("# Optimizer race (hvplib.optimize vs scipy.optimize)")
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"autograd {metadata.version('autograd')}, hvplib {hv.__version__}, {platform.machine()}")
    threads = {var: os.environ.get(var) for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    blas = ", ".join(f"{p['internal_api']} {p.get('version')} ({p['num_threads']} threads)" for p in threadpool_info())
    print(f"threads: {threads}; BLAS: {blas}")
    print(f"tol: ‖∇f‖₂ ≤ {TOL:g}; gradient descent capped at {ARGS.gd_max_iter} iterations; "
          f"dense Newton only for n ≤ {NEWTON_MAX_N}")
    print("total = f + g + Hv + n·H (a dense Hessian counted as n products)")


def main():
    print_environment()
    sizes = [2] if ARGS.quick else [2, 1000]
    for n in sizes:
        p = problems.make_rosenbrock(n)
        print_table(p.name + " from (−1.2, 1, …)", race(p, is_rosenbrock=True))
    lr = problems.make_logistic_regression("breast_cancer", reg=1e-3)
    print_table(lr.name + ", x0 = 0", race(lr))
    q = problems.make_quadratic(kappa=1000.0, n=100, rng=0)
    direction = np.random.default_rng(1).standard_normal(q.n)
    q.x0 = q.x_star + direction / np.linalg.norm(direction)
    print_table(q.name + ", random start at distance 1", race(q, quadratic=True))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
