"""Cost of one Hessian-vector product relative to one gradient, as n grows.

For each size n this script times, in one run: one gradient, one HVP by each
of hvplib's methods, and (for small n) the explicit Hessian, and prints the
ratio HVP time / gradient time. Two functions of n parameters:

- ``mlp``: the mean softmax cross-entropy of a tanh network d → h → h → 10 on
  a batch of 256 (the parameters are one flat vector), the typical deep-learning case;
- ``rosenbrock``: the extended Rosenbrock function, cheap and elementwise.

Times are medians over repeats (``hvplib.costs.median_time``; the rows come from
``hvplib.costs.time_hvp_methods``). BLAS runs on one thread unless
``--threads`` says otherwise (set before NumPy is imported).

Usage: python benchmarks/hvp_cost.py [--quick] [--threads 1]
"""
import argparse
import os
import sys


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--repeat", type=int, default=7, help="timing repeats; the median is reported")
    return parser.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import platform  # noqa: E402
from importlib import metadata  # noqa: E402

import autograd.numpy as anp  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

import hvplib as hv  # noqa: E402
from hvplib import costs  # noqa: E402

EXPLICIT_MAX_N = 2000
MIN_TIME = 0.05  # seconds per timing run (hvplib.costs.median_time)


def make_mlp_loss(target_params, rng):
    """Mean softmax cross-entropy of a d → h → h → 10 tanh network; w is one flat vector."""
    d = 100 if target_params >= 10_000 else max(4, target_params // 40)
    h = int((-(d + 12) + np.sqrt((d + 12) ** 2 + 4 * (target_params - 10))) / 2)  # d·h + h² + 10h + … ≈ P
    h = max(h, 2)
    shapes = [(d, h), (h,), (h, h), (h,), (h, 10), (10,)]
    sizes = [int(np.prod(s)) for s in shapes]
    X = rng.normal(size=(256, d))
    labels = rng.integers(0, 10, size=256)
    onehot = np.eye(10)[labels]

    def loss(w):
        parts, start = [], 0
        for shape, size in zip(shapes, sizes):
            parts.append(anp.reshape(w[start:start + size], shape))
            start += size
        W1, b1, W2, b2, W3, b3 = parts
        z1 = anp.tanh(anp.dot(X, W1) + b1)
        z2 = anp.tanh(anp.dot(z1, W2) + b2)
        logits = anp.dot(z2, W3) + b3
        m = anp.max(logits, axis=1, keepdims=True)
        log_norm = m[:, 0] + anp.log(anp.sum(anp.exp(logits - m), axis=1))
        return anp.mean(log_norm - anp.sum(onehot * logits, axis=1))

    n = sum(sizes)
    scale = np.concatenate([np.full(size, 1 / np.sqrt(shape[0]) if len(shape) == 2 else 0.0)
                            for shape, size in zip(shapes, sizes)])
    w = rng.normal(size=n) * scale
    return loss, w, f"{d}-{h}-{h}-10"


def rosenbrock(x):
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def measure(problem, f, x, rng, repeat):
    """One row: gradient, the three HVP methods, the cached operator and (small n) the explicit Hessian."""
    v = rng.normal(size=x.shape)
    row = costs.time_hvp_methods(f, x, v=v, explicit=False, repeat=repeat, min_time=MIN_TIME,
                                 threads=None)  # threads are pinned above, before NumPy is imported
    op = hv.HessianOperator(f, x, method="reverse_over_reverse")
    row["cached_operator"] = costs.median_time(lambda: op @ v.ravel(), repeat, MIN_TIME)
    if x.size <= EXPLICIT_MAX_N:
        row["explicit_hessian"] = costs.median_time(lambda: hv.hessian(f, x), max(1, min(3, repeat)), MIN_TIME)
    row["problem"] = problem
    return row


def print_header():
    print("HVP cost relative to one gradient (hvplib", hv.__version__ + ")")
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"autograd {metadata.version('autograd')}, "
          f"machine {platform.machine()}, {os.cpu_count()} cores")
    blas = [f"{i['internal_api']} ({i.get('threading_layer', '?')}) threads={i['num_threads']}"
            for i in threadpool_info()]
    print("BLAS:", "; ".join(blas) or "none found", f"| requested threads: {ARGS.threads}")
    print("times: median of", ARGS.repeat, "repeats; ratio = time / gradient time\n")


def print_table(rows):
    cols = [("forward_over_reverse", "fwd-over-rev"), ("reverse_over_reverse", "rev-over-rev"),
            ("finite_difference", "central FD"), ("cached_operator", "cached op"),
            ("explicit_hessian", "explicit H")]
    head = f"{'problem':<22}{'n':>9}{'grad ms':>10}" + "".join(f"{label:>21}" for _, label in cols)
    print(head)
    print("-" * len(head))
    for r in rows:
        line = f"{r['problem']:<22}{r['n']:>9}{1e3 * r['gradient']:>10.3f}"
        for key, _ in cols:
            if key in r:
                line += f"{1e3 * r[key]:>11.3f} ({r[key] / r['gradient']:>5.2f}×)"
            else:
                line += f"{'–':>21}"
        print(line)


def main():
    rng = np.random.default_rng(0)
    sizes = [10**2, 10**3, 10**4] if ARGS.quick else [10**2, 10**3, 10**4, 10**5, 10**6]
    print_header()
    rows = []
    for n in sizes:
        loss, w, arch = make_mlp_loss(n, rng)
        rows.append(measure(f"mlp {arch}", loss, w, rng, ARGS.repeat))
        rows.append(measure("rosenbrock", rosenbrock, rng.uniform(-1, 1, size=n), rng, ARGS.repeat))
        print(f"  measured n ≈ {n:.0e}", file=sys.stderr, flush=True)
    print_table(rows)
    print("\ncached op = HessianOperator(method='reverse_over_reverse'): the gradient's graph is")
    print("recorded once at x and each product is one reverse sweep through it.")


if __name__ == "__main__":
    main()
