"""Cost of the hand-written R-operator HVP of ``hvplib.nn.MLP`` relative to a gradient.

For MLPs of about 1e4, 1e5 and 1e6 parameters (tanh, softmax cross-entropy, batch 256, float64) this
prints the median (and the minimum) time over ``--repeat`` timeit-style runs of

- ``grad``                 our backpropagation (the unit of the ratios),
- ``hvp``                  our R-operator HVP (forward, backward, R-forward, R-backward),
- ``gnvp``                 our Gauss-Newton product Jᵀ H_L J v,
- ``operator matvec``      one product of ``hessian_operator`` (forward and backward cached),
- ``autograd grad``        autograd's reverse-mode gradient of the same loss,
- ``autograd fwd-over-rev`` autograd's HVP ``make_jvp(grad(E))(w)(v)``,

each also as a ratio to our gradient. BLAS and OpenMP are pinned to one thread *before* NumPy is
imported (environment variables, then threadpoolctl as a check): two threads on a shared machine make
timings erratic. Run ``python benchmarks/rop_cost.py`` (a few minutes) or ``--quick`` (seconds).
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import timeit  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import autograd  # noqa: E402
import autograd.numpy as anp  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hvplib.nn import MLP  # noqa: E402

FULL_SIZES = [[100, 64, 48, 10], [784, 120, 40, 10], [784, 1000, 200, 10]]
QUICK_SIZES = [[20, 16, 12, 5], [100, 64, 48, 10]]


def autograd_loss(net, X, labels):
    """The same mean softmax cross-entropy of the same tanh MLP, written with autograd.numpy."""
    rows = np.arange(X.shape[0])
    shapes = [(W.shape, b.shape) for W, b in net.unpack(np.zeros(net.num_params))]

    def E(w):
        z, start = X, 0
        for l, ((n_out, n_in), _) in enumerate(shapes):
            W = anp.reshape(w[start:start + n_out * n_in], (n_out, n_in))
            start += n_out * n_in
            b = w[start:start + n_out]
            start += n_out
            a = anp.dot(z, W.T) + b
            z = anp.tanh(a) if l < len(shapes) - 1 else a
        m = anp.max(z, axis=1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
        return anp.mean(lse - z[rows, labels])

    return E


def median_times(cases, repeat, min_time=0.1):
    """Median time per call of each case, timeit-style.

    Each case first gets a loop count ``number`` (calls per timing, so that one timing lasts at least
    ``min_time`` seconds); then ``repeat`` rounds time every case once in turn (round-robin), so that a
    slow phase of a shared machine hits all cases alike and the ratios stay fair.
    """
    timers, numbers = {}, {}
    for name, fn in cases:
        timers[name] = timeit.Timer(fn)
        number, t = 1, timers[name].timeit(1)
        while number * t < min_time and number < 1000:
            number *= 2
        numbers[name] = number
    samples = {name: [] for name, _ in cases}
    for _ in range(repeat):
        for name, _ in cases:
            samples[name].append(timers[name].timeit(numbers[name]) / numbers[name])
    return {name: (float(np.median(ts)), float(np.min(ts))) for name, ts in samples.items()}


def bench(sizes, batch, repeat, rng):
    net = MLP(sizes, activation="tanh", loss="softmax_cross_entropy")
    w = net.init_params(rng)
    v = rng.normal(size=net.num_params)
    X = rng.normal(size=(batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    H_op = net.hessian_operator(w, X, labels)
    E = autograd_loss(net, X, labels)
    ag_grad = autograd.grad(E)
    ag_for = autograd.make_jvp(ag_grad)

    # correctness first: all HVPs must agree before their times mean anything
    Hv = net.hvp(w, v, X, labels)
    Hv_ag = ag_for(w)(v)[1]
    err = np.linalg.norm(Hv - Hv_ag) / np.linalg.norm(Hv_ag)
    assert err < 1e-8, f"hvp disagrees with autograd: relative error {err:.2e}"
    assert np.allclose(H_op @ v, Hv, rtol=1e-10, atol=1e-14)
    assert np.allclose(net.grad(w, X, labels), ag_grad(w), rtol=1e-8, atol=1e-14)

    cases = [
        ("grad", lambda: net.grad(w, X, labels)),
        ("hvp (R-operator)", lambda: net.hvp(w, v, X, labels)),
        ("gnvp (Gauss-Newton)", lambda: net.gnvp(w, v, X, labels)),
        ("hessian_operator matvec", lambda: H_op.matvec(v)),
        ("autograd grad", lambda: ag_grad(w)),
        ("autograd fwd-over-rev hvp", lambda: ag_for(w)(v)),
    ]
    times = median_times(cases, repeat)
    return net, times, err


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small nets, batch 32, 5 repeats (seconds)")
    parser.add_argument("--repeat", type=int, default=None, help="timing repeats (default 9, quick 5)")
    parser.add_argument("--batch", type=int, default=None, help="batch size N (default 256, quick 32)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (5 if args.quick else 9)
    batch = args.batch or (32 if args.quick else 256)
    sizes_list = QUICK_SIZES if args.quick else FULL_SIZES

    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"autograd {autograd.__version__ if hasattr(autograd, '__version__') else _dist_version('autograd')}")
    print("threads: OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1 set before importing numpy; "
          "threadpoolctl reports " + ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()))
    print(f"tanh MLP, softmax cross-entropy, float64, batch {batch}; {repeat} round-robin repeats; "
          "ratio = time / our grad time (median; min in brackets)")
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        for sizes in sizes_list:
            net, times, err = bench(sizes, batch, repeat, rng)
            print(f"\n{'-'.join(map(str, sizes))}  (P = {net.num_params:,}; hvp vs autograd rel. err {err:.1e})")
            (g, g_min) = times["grad"]
            for name, (t, t_min) in times.items():
                print(f"  {name:<27s} {t * 1e3:10.3f} ms   {t / g:5.2f}x    "
                      f"[{t_min * 1e3:9.3f} ms  {t_min / g_min:5.2f}x]")
        ratio = {name: t / g for name, (t, _) in times.items()}
        print(f"\ntargets at P = {net.num_params:,}: "
              f"hvp <= 2.7x grad: {ratio['hvp (R-operator)'] <= 2.7}; "
              f"hvp faster than autograd fwd-over-rev: "
              f"{ratio['hvp (R-operator)'] < ratio['autograd fwd-over-rev hvp']}; "
              f"operator matvec <= 2x grad: {ratio['hessian_operator matvec'] <= 2.0}")


def _dist_version(name):
    from importlib.metadata import version
    return version(name)


if __name__ == "__main__":
    main()
