"""Top-10 Hessian eigenvalues of an MLP: products and time, hvplib.lanczos vs scipy eigsh.

Each runs once on the same cached Hessian operator (``MLP.hessian_operator``), whose
``n_matvec`` counts every product, from the same start vector and with the same basis
size (20 + 1 vectors for k = 10). Their stopping tests differ: ours asks
``‖Hv − λv‖ ≤ tol · ‖H‖`` for each pair, ARPACK ``≤ tol · |λ|`` (stricter on the smaller ones),
so ours also runs with ``tol · |λ_k| / ‖H‖``, which implies ARPACK's test on every pair. Afterwards the true residuals ``‖H v − λ v‖`` of both
answers are computed (extra products, not counted) and the eigenvalues compared.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/spectrum_cost.py [--quick]

Default: MLP([64, 256, 256, 10]), tanh, softmax cross-entropy, P = 85,002 parameters,
500 sklearn digits (pixels / 16), after 100 steps of full-batch gradient descent.
``--quick``: MLP([64, 32, 10]), P = 2,410, where the dense Hessian is also checked.
"""
import argparse
import os
import platform
import sys
import time

import numpy as np
import scipy
from scipy.sparse.linalg import eigsh
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hvplib  # noqa: E402
from hvplib.krylov import lanczos  # noqa: E402
from hvplib.nn import MLP  # noqa: E402


def load_batch(n_samples, seed):
    """(X, y): sklearn digits scaled to [0, 1], or a seeded synthetic stand-in if sklearn is missing."""
    rng = np.random.default_rng(seed)
    try:
        from sklearn.datasets import load_digits

        digits = load_digits()
        idx = rng.permutation(len(digits.target))[:n_samples]
        return digits.data[idx] / 16.0, digits.target[idx], "sklearn digits / 16"
    except ImportError:
        centers = rng.normal(0.0, 1.0, (10, 64))
        y = rng.integers(0, 10, n_samples)
        return centers[y] + 0.5 * rng.normal(size=(n_samples, 64)), y, "synthetic Gaussian clusters"


def train(net, w, X, y, steps, lr):
    """Full-batch gradient descent, so that the Hessian has its outliers."""
    for _ in range(steps):
        w = w - lr * net.grad(w, X, y)
    return w


def true_residuals(op, values, vectors):
    """‖H v_i − λ_i v_i‖ for each column (k extra products)."""
    return np.array([np.linalg.norm(op.matvec(v) - lam * v) for lam, v in zip(values, vectors.T)])


def run(args):
    sizes = [64, 32, 10] if args.quick else [64, 256, 256, 10]
    net = MLP(sizes, activation="tanh", loss="softmax_cross_entropy")
    X, y, source = load_batch(args.samples, args.seed)
    w = train(net, net.init_params(args.seed), X, y, args.steps, args.lr)
    op = net.hessian_operator(w, X, y)
    print(f"network: {net}; data: {source}, {len(y)} samples; {args.steps} GD steps, "
          f"loss {float(op.loss_value):.4f}")

    v0 = np.random.default_rng(args.seed).standard_normal(net.num_params)   # same start for both
    op.reset_count()
    t0 = time.perf_counter()
    ours = lanczos(op, k=args.k, which="LA", v0=v0, tol=args.tol)
    t_ours = time.perf_counter() - t0
    n_ours = op.n_matvec
    assert n_ours == ours.n_matvec

    op.reset_count()
    t0 = time.perf_counter()
    ref_values, ref_vectors = eigsh(op, k=args.k, which="LA", tol=args.tol, v0=v0)
    t_ref = time.perf_counter() - t0
    n_ref = op.n_matvec
    order = np.argsort(ref_values)[::-1]
    ref_values, ref_vectors = ref_values[order], ref_vectors[:, order]

    # ARPACK's test on every pair, ‖r‖ ≤ tol·|λ_i|, is implied by ours with tol·|λ_k| / |λ_1|
    strict_tol = args.tol * abs(ours.eigenvalues[-1]) / ours.norm_estimate
    op.reset_count()
    t0 = time.perf_counter()
    strict = lanczos(op, k=args.k, which="LA", v0=v0, tol=strict_tol)
    t_strict = time.perf_counter() - t0
    n_strict = op.n_matvec

    scale = abs(ours.eigenvalues[0])
    print(f"\ntop {args.k} eigenvalues (LA), tol = {args.tol:g}")
    print(f"{'':>34s} {'products':>9s} {'time (s)':>9s} {'max ‖Hv−λv‖/|λ|':>17s} {'converged':>10s}")
    rows = [
        (f"hvplib.lanczos tol={args.tol:g}", n_ours, t_ours, ours.eigenvalues, ours.eigenvectors, ours.converged),
        (f"hvplib.lanczos tol={strict_tol:.2g}", n_strict, t_strict, strict.eigenvalues, strict.eigenvectors,
         strict.converged),
        (f"scipy eigsh tol={args.tol:g}", n_ref, t_ref, ref_values, ref_vectors, True),
    ]
    for name, n_prod, seconds, values, vectors, converged in rows:
        relative = (true_residuals(op, values, vectors) / np.abs(values)).max()
        print(f"{name:>34s} {n_prod:9d} {seconds:9.2f} {relative:17.2e} {str(converged):>10s}")
    print("\neigenvalues (ours):", np.array2string(ours.eigenvalues, precision=6))
    diff = np.abs(ours.eigenvalues - ref_values) / scale
    print(f"max |λ_ours − λ_eigsh| / λ₁ = {diff.max():.2e}; restarts: {ours.n_restarts}")

    if args.quick:
        exact = np.linalg.eigvalsh(net.hessian(w, X, y))[::-1][: args.k]
        print(f"dense check: max |λ_ours − λ_eigh| / λ₁ = {np.abs(ours.eigenvalues - exact).max() / scale:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small network (P = 2,410), with a dense check")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--tol", type=float, default=1e-10)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (threadpoolctl)")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"hvplib {hvplib.__version__}")
    env = {k: os.environ.get(k, "unset") for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    print("env:", ", ".join(f"{k}={v}" for k, v in env.items()))
    with threadpool_limits(limits=args.threads):
        pools = ", ".join(f"{p['internal_api']} {p['num_threads']} thread(s)" for p in threadpool_info())
        print(f"thread pools (limited to {args.threads}): {pools}")
        run(args)


if __name__ == "__main__":
    main()
