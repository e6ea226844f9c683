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

Counting: for SciPy the calls of fun, jac and hessp are counted by wrappers
here (not read from SciPy's result); a call returning f and ∇f together
(``jac=True``) counts as one f and one g, as in hvplib. "H" is the number of
dense Hessians (each counted as n in "total"). Final ‖g‖ is recomputed with
autograd at the returned x. SciPy's Newton-CG has no gradient tolerance: it
stops on its step-size test (xtol, default), often with ‖g‖ well above 1e-8;
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
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize as so  # noqa: E402
from autograd import grad, value_and_grad  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

import hvplib as hv  # noqa: E402
from hvplib import problems  # noqa: E402

TOL = 1e-8
NEWTON_MAX_N = 200
OUR_STOPS = {0: "converged (‖g‖ ≤ tol)", 1: "max_iter reached", 2: "line search failed (rounding)",
             3: "non-finite value"}


class Counted:
    """Wrap SciPy-side callables so that every call is counted here."""

    def __init__(self, fun=None, jac=None, fun_and_jac=None, hessp=None):
        self.nf = self.ng = self.nh = 0
        self._fun, self._jac, self._fun_and_jac, self._hessp = fun, jac, fun_and_jac, hessp

    def fun(self, x):
        self.nf += 1
        return self._fun(x)

    def jac(self, x):
        self.ng += 1
        return self._jac(x)

    def fun_and_jac(self, x):
        self.nf += 1
        self.ng += 1
        return self._fun_and_jac(x)

    def hessp(self, x, p):
        self.nh += 1
        return self._hessp(x, p)


def row(method, problem, nit, nf, ng, nh, nhev, seconds, x, success, stop):
    g_norm = float(np.linalg.norm(hv.gradient(problem.f, x)))
    total = nf + ng + nh + problem.n * nhev
    return dict(method=method, nit=nit, nf=nf, ng=ng, nh=nh, nhev=nhev, total=total,
                time=seconds, g=g_norm, ok="yes" if success and g_norm <= TOL else "no", stop=stop)


def run_ours(name, optimizer, problem, **kwargs):
    res = optimizer(problem.f, problem.x0, tol=TOL, **kwargs)
    return row(name, problem, res.nit, res.nfev, res.ngev, res.nhvp, res.nhev, res.time, res.x, res.success,
               OUR_STOPS[res.status])


def run_scipy(name, problem, method, hessp=None, fun=None, jac=None, **options):
    """One scipy.optimize.minimize run with counted callables."""
    if fun is None:  # autograd's f and ∇f
        c = Counted(fun=problem.f, jac=grad(problem.f), fun_and_jac=value_and_grad(problem.f), hessp=hessp)
    else:
        c = Counted(fun=fun, jac=jac, hessp=hessp)
    kwargs = dict(method=method, options=options)
    if method == "L-BFGS-B":  # f and ∇f together, one call
        kwargs.update(fun=c.fun_and_jac, jac=True)
    else:
        kwargs.update(fun=c.fun, jac=c.jac, hessp=c.hessp)
    start = time.perf_counter()
    res = so.minimize(x0=problem.x0, **kwargs)
    seconds = time.perf_counter() - start
    return row(name, problem, res.nit, c.nf, c.ng, c.nh, 0, seconds, res.x, res.success,
               str(res.message)[:34])


def race(problem, is_rosenbrock=False, quadratic=False):
    rows = [run_ours("ours: gradient descent (backtracking)", hv.gradient_descent, problem,
                     max_iter=ARGS.gd_max_iter)]
    if quadratic:
        rows.append(run_ours("ours: gradient descent (exact step)", hv.gradient_descent, problem,
                             step="exact", max_iter=ARGS.gd_max_iter))
    if problem.n <= NEWTON_MAX_N:
        rows.append(run_ours("ours: newton (dense)", hv.newton, problem))
    rows.append(run_ours("ours: newton_cg", hv.newton_cg, problem, max_iter=10_000))
    ours_hessp = hv.hessp(problem.f)
    rows.append(run_scipy("scipy Newton-CG + hv.hessp", problem, "Newton-CG", hessp=ours_hessp))
    if is_rosenbrock:
        rows.append(run_scipy("scipy Newton-CG + rosen_hess_prod", problem, "Newton-CG",
                              hessp=so.rosen_hess_prod, fun=so.rosen, jac=so.rosen_der))
    rows.append(run_scipy("scipy trust-krylov + hv.hessp", problem, "trust-krylov", hessp=ours_hessp,
                          gtol=TOL, maxiter=10_000))
    rows.append(run_scipy("scipy L-BFGS-B", problem, "L-BFGS-B", gtol=TOL, ftol=1e-15,
                          maxiter=50_000, maxfun=100_000))
    return rows


def print_table(title, rows):
    print(f"\n## {title}\n")
    header = (f"| {'method':<38} | {'iter':>6} | {'f':>6} | {'g':>6} | {'Hv':>6} | {'H':>4} | {'total':>7} "
              f"| {'time s':>7} | {'final ‖g‖':>9} | {'‖g‖≤tol':>7} | {'stopped because':<34} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        print(f"| {r['method']:<38} | {r['nit']:>6} | {r['nf']:>6} | {r['ng']:>6} | {r['nh']:>6} | {r['nhev']:>4} "
              f"| {r['total']:>7} | {r['time']:>7.2f} | {r['g']:>9.1e} | {r['ok']:>7} | {r['stop']:<34} |")


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
