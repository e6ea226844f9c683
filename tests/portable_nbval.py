"""Strict nbval over every chapter and exercise solution under each BLAS kernel and thread count.

A stored output must be the same on every student's machine. OpenBLAS picks its kernel
by CPU (and NumPy on Apple silicon uses Accelerate), so the same clone rounds differently
elsewhere; forcing OpenBLAS's kernels here (``OPENBLAS_CORETYPE``) and its thread count
(``OPENBLAS_NUM_THREADS``) reproduces what those machines compute. Each configuration is
one pytest run, in a fresh process; the report says which kernel each run really used.

    python tests/portable_nbval.py                     # default, Haswell, Prescott × 1 and 2 threads
    python tests/portable_nbval.py --kernels Prescott --threads 1 -- -x

Exit status 0 only when every configuration passed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NBVAL = ["--nbval", "--nbval-sanitize-with", "sanitize.cfg", "--nbval-cell-timeout=300"]
TARGETS = ["notebooks", "exercises/source"]
KERNEL_PROBE = ("import json, numpy, threadpoolctl; print(json.dumps([(i.get('internal_api'), i.get('architecture'), "
                "i.get('num_threads')) for i in threadpoolctl.threadpool_info() if i.get('user_api') == 'blas']))")


def environment(kernel, threads):
    """The process environment for one configuration; ``kernel`` "default" leaves the machine's choice."""
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    if kernel != "default":
        env["OPENBLAS_CORETYPE"] = kernel
    return env


def blas_in_use(env):
    """[(library, kernel, threads)] as the child process sees them."""
    out = subprocess.run([sys.executable, "-c", KERNEL_PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_one(kernel, threads, extra):
    """Run strict nbval once; return (returncode, summary line, seconds, BLAS in use)."""
    env = environment(kernel, threads)
    blas = blas_in_use(env)
    print(f"\n=== kernel {kernel}, {threads} thread(s): BLAS in use {blas}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", *TARGETS, *NBVAL, "-q", "-p", "no:cacheprovider", *extra],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    summary = next((line for line in reversed(proc.stdout.splitlines()) if re.search(r"\d+ (passed|failed)", line)),
                   "no summary")
    return proc.returncode, summary.strip("= "), seconds, blas


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", nargs="+", default=["default", "Haswell", "Prescott"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args(argv)
    results = []
    for kernel in args.kernels:
        for threads in args.threads:
            results.append((kernel, threads, *run_one(kernel, threads, args.pytest_args)))
    print("\n=== portable outputs: strict nbval per configuration")
    for kernel, threads, code, summary, seconds, blas in results:
        arch = ",".join(str(b[1]) for b in blas) or "?"
        print(f"  {kernel:>9} ({arch:>9}) × {threads} thread(s): {'ok  ' if code == 0 else 'FAIL'} {summary} "
              f"[{seconds:.0f} s]")
    failed = sum(result[2] != 0 for result in results)
    print(f"portable: {len(results) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
