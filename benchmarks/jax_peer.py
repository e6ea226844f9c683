"""hvplib's hand-written HVP side by side with JAX's, on the same network, data and float64 arithmetic.

For an MLP 784 → 1000 → 200 → 10 (tanh, softmax cross-entropy, batch 256: P = 987,210) this prints the median
and minimum time over ``--repeat`` runs of, for each library,

- the gradient (the unit of the ratios),
- the exact HVP: hvplib's R-operator (:meth:`MLP.hvp`), JAX's ``jvp(grad)`` (forward-over-reverse) and
  ``grad(<grad, v>)`` (reverse-over-reverse), jitted,
- the repeated HVP at one point: hvplib's cached ``hessian_operator`` matvec and JAX's ``jax.linearize``,

each as a ratio to its own library's gradient, and hvplib's time over JAX's. One thread: the BLAS variables and
XLA's flags are set *before* NumPy and JAX are imported. The two libraries' HVPs are checked to agree first.
Run ``python benchmarks/jax_peer.py`` (about a minute) or ``--quick`` (a P ≈ 1e4 net, seconds).
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import timeit  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import jax  # noqa: E402
import jaxlib  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

jax.config.update("jax_enable_x64", True)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hvplib.nn import MLP  # noqa: E402
from hvplib.jax_mlp import jax_hvp, jax_linearized_hvp, jax_loss  # noqa: E402

FULL = [784, 1000, 200, 10]
QUICK = [100, 64, 48, 10]


def timed(fn, repeat):
    """(median, min) seconds of ``fn()`` over ``repeat`` runs, after one warm-up (compilation for JAX)."""
    fn()
    times = timeit.repeat(fn, number=1, repeat=repeat)
    return float(np.median(times)), float(np.min(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a P ≈ 1e4 network instead of P ≈ 1e6")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per entry (default 15, quick 30)")
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    sizes, repeat = (QUICK, args.repeat or 30) if args.quick else (FULL, args.repeat or 15)
    rng = np.random.default_rng(0)
    net = MLP(sizes, activation="tanh", loss="softmax_cross_entropy")
    w = net.init_params(0)
    X = rng.normal(size=(args.batch, sizes[0]))
    y = rng.integers(0, sizes[-1], size=args.batch)
    v = rng.normal(size=net.num_params)
    f = jax_loss(net, X, y)
    grad_j, fwd_rev, rev_rev = jax.jit(jax.grad(f)), jax_hvp(f, "forward_over_reverse"), jax_hvp(f, "reverse_over_reverse")
    _, lin = jax_linearized_hvp(f, w)
    op = net.hessian_operator(w, X, y)
    Hv = net.hvp(w, v, X, y)
    for name, out in (("jvp(grad)", fwd_rev(w, v)), ("grad(<grad, v>)", rev_rev(w, v)), ("linearize", lin(v))):
        err = np.abs(np.asarray(out) - Hv).max() / np.abs(Hv).max()
        assert err < 1e-10, f"JAX {name} and hvplib disagree: relative difference {err:.1e}"

    with threadpool_limits(limits=1):
        print(f"MLP {sizes}, tanh, softmax cross-entropy, batch {args.batch}: P = {net.num_params:,}, float64")
        print(f"Python {platform.python_version()}, NumPy {np.__version__}, JAX {jax.__version__}, "
              f"jaxlib {jaxlib.__version__}, {platform.machine()}")
        print("BLAS threads:", ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info()),
              "| XLA:", os.environ["XLA_FLAGS"])
        print(f"median (min) of {repeat} runs, ms; [ratio to the same library's gradient]")
        rows = [
            ("gradient", lambda: net.grad(w, X, y), lambda: grad_j(w).block_until_ready()),
            ("exact HVP (R-operator / jvp(grad))", lambda: net.hvp(w, v, X, y),
             lambda: fwd_rev(w, v).block_until_ready()),
            ("exact HVP (– / grad(<grad, v>))", None, lambda: rev_rev(w, v).block_until_ready()),
            ("repeated HVP (cached operator / linearize)", lambda: op.matvec(v), lambda: lin(v).block_until_ready()),
        ]
        base = {}
        print(f"{'':<44} {'hvplib (NumPy)':>22} {'JAX jit':>22} {'hvplib / JAX':>13}")
        for name, ours, theirs in rows:
            t_o = timed(ours, repeat) if ours else None
            t_j = timed(theirs, repeat)
            base.setdefault("o", t_o)
            base.setdefault("j", t_j)
            cell_o = f"{t_o[0] * 1e3:.1f} ({t_o[1] * 1e3:.1f}) [{t_o[0] / base['o'][0]:.2f}×]" if t_o else "–"
            cell_j = f"{t_j[0] * 1e3:.1f} ({t_j[1] * 1e3:.1f}) [{t_j[0] / base['j'][0]:.2f}×]"
            ratio = f"{t_o[0] / t_j[0]:.2f}" if t_o else "–"
            print(f"{name:<44} {cell_o:>22} {cell_j:>22} {ratio:>13}")


if __name__ == "__main__":
    main()
