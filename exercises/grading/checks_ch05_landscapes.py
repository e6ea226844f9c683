"""Outside checks of exercise 05 (loss landscapes), issue 21: power iteration, Lanczos with its certificate, a
network too large to form, the logistic-regression Hessian, Hutch++ and the plot of Lanczos's convergence.

The same contract as ``checks.py`` (which registers ``CHECKS_CH05`` under ``"ch05_landscapes"``): each graded
part has ``Part(kernel, check, inputs)``; ``inputs(rng)`` is drawn in the grader's process from its secret seed,
``kernel`` runs in the student's kernel and stores raw results in ``_out``, ``check(inputs, out)`` recomputes the
references here and raises ``CheckFailed``. The tolerances are the ones each task states and its visible test
uses. The notebook's setup data are rebuilt here from the same seeds.

The network of the exercise has P = 30 007 parameters (a dense Hessian would take 7 GB), but its loss depends on
the first-layer weights W₁ only through W₁Xᵀ, with X of 20 rows: writing Xᵀ = QR (Q with orthonormal columns),
L(W₁, ...) = L̃(W₁Q, ...) for the same network on the 20 × 20 inputs Rᵀ, so H = Jᵀ H̃ J with J a partial isometry
and the spectrum of H is that of the 67 × 67 twin H̃ plus zeros. The grader forms the twin.
"""
from functools import lru_cache

import numpy as np

from .checks import CheckFailed, Part, arr, axes_of, choice, figure_part, has_line, labelled, need, num, truth_value

# Tolerances the task states (the same in the visible tests and the hidden tests)
LANCZOS_TOL = 1e-8          # Ritz values, the certificate: |·| ≤ 1e-8 · max(1, ρ)
ORTHO_TOL = 1e-8            # Ritz vectors: max |YᵀY − I|
NET_TOL = 1e-6              # the network's λ_max, λ_min and residuals: ≤ 1e-6 · max(1, ρ)
LOGREG_TOL = 1e-10          # logreg_hessian: max |H − H_ref| ≤ 1e-10 · (1 + max |H_ref|)
FIG_RTOL = 1e-4             # the plotted errors and bounds, relative
FIG_STEPS = 20              # the plot: k = 1, ..., 20
NET_PRODUCTS = 201          # Hutch++ on the network: k = 67 = the largest possible rank of H

# ---------------------------------------------------------------------------------------------------
# Part 1: smallest_eigenpair (shifted power iteration)
# ---------------------------------------------------------------------------------------------------


def _inputs_power(rng):
    """Three fresh symmetric matrices with known spectra: PSD, indefinite (λ_max dominant), and −(indefinite)."""
    n = int(rng.integers(20, 35))
    top = rng.uniform(6, 12)
    psd = np.concatenate([[top, top * rng.uniform(0.6, 0.8), top * rng.uniform(0.01, 0.1)],
                          top * rng.uniform(0.3, 0.6, n - 3)])       # a gap of ≥ 20 % of ρ at the bottom
    indefinite = np.concatenate([[top, top * rng.uniform(0.3, 0.55), -top * rng.uniform(0.3, 0.5)],
                                 rng.uniform(-1, 1, n - 3)])     # λ_min ≤ −1.8, ≥ 0.8 below the bulk in [−1, 1]
    spectra = [psd, indefinite, -indefinite]          # the last: its dominant eigenvalue −top is negative
    mats = [(q * e) @ q.T for e in spectra for q in [np.linalg.qr(rng.normal(size=(n, n)))[0]]]
    # num_iters = the signature's default 300: with any shift σ ≤ 2ρ the slowest draw converges at rate ≤ 0.942, so a
    # correct answer's residual is ≤ 1e-7·ρ, well inside the stated 1e-6·ρ (at 200 iterations and λ_min ≥ −0.2·top,
    # the old draw, the task's own solution failed the residual on about one draw in 300)
    return {"A": mats, "iters": 300, "seed": int(rng.integers(1000)), "_eigs": [np.sort(e) for e in spectra]}


_KERNEL_POWER = '''
_out["runs"] = []
for _A in _in["A"]:
    _n = [0]
    def _mv(v, _A=_A, _n=_n):
        _n[0] += 1
        return _A @ v
    _lam, _q, _used = smallest_eigenpair(_mv, len(_A), num_iters=_in["iters"], seed=_in["seed"])
    _out["runs"].append({"lam": _lam, "q": _q, "used": _used, "count": _n[0]})
'''


def _check_min_eig(inputs, out, which, message):
    for i in which:
        A, eigs, run = inputs["A"][i], inputs["_eigs"][i], out["runs"][i]
        rho = max(1.0, np.abs(eigs).max())
        lam = num(run["lam"], "lam_min")
        need(abs(lam - np.linalg.eigvalsh(A)[0]) <= 1e-8 * rho, message)
        q = arr(run["q"], (len(A),), "q")
        need(abs(np.linalg.norm(q) - 1) <= 1e-8, "q is not a unit vector")
        need(np.linalg.norm(A @ q - lam * q) <= 1e-6 * rho, "q is not an eigenvector for lam_min (‖Hq − λq‖ too large)")
        need(num(run["used"], "products") == run["count"], "the product count you return is not the number of matvec calls")
        need(run["count"] <= 2 * inputs["iters"] + 2, f"smallest_eigenpair used {run['count']} products, over 2·num_iters + 2")


def _check_power(inputs, out):
    _check_min_eig(inputs, out, (0, 1), "smallest_eigenpair is wrong on a matrix the grader drew (positive semidefinite or "
                                        "indefinite): the top eigenvalue of σI − H is σ − λ_min")


def _check_power_negative(inputs, out):
    _check_min_eig(inputs, out, (2,), "smallest_eigenpair is wrong on a matrix whose dominant eigenvalue is negative: "
                                      "σ must bound every eigenvalue from above")


# ---------------------------------------------------------------------------------------------------
# Part 2: lanczos_ritz (full reorthogonalisation, Ritz pairs and the bound β_k |e_kᵀ s_j|)
# ---------------------------------------------------------------------------------------------------

def ritz_pairs(A, v0, k):
    """The grader's Lanczos: k steps with full reorthogonalisation (twice) from v0.

    Returns (θ (k,) ascending, Y = Q_k S (n, k), bounds β_k |e_kᵀ s_j| (k,)), from A Q_k = Q_k T_k + β_k q_{k+1} e_kᵀ.
    """
    n = len(v0)
    Q, alpha, beta = np.zeros((n, k)), np.zeros(k), np.zeros(k)
    q, q_prev, b = v0 / np.linalg.norm(v0), np.zeros(n), 0.0
    for j in range(k):
        Q[:, j] = q
        w = A @ q - b * q_prev
        alpha[j] = q @ w
        w = w - alpha[j] * q
        for _ in range(2):
            w = w - Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)
        beta[j] = b = np.linalg.norm(w)
        q_prev, q = q, w / b
    theta, S = np.linalg.eigh(np.diag(alpha) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1))
    return theta, Q @ S, beta[-1] * np.abs(S[-1])


def _spectrum_extremes(rng, n):
    """Isolated extremes over a bulk in [−1, 1]: λ_max dominant."""
    top = rng.uniform(6, 12)
    return np.concatenate([[top, -top * rng.uniform(0.3, 0.5)], rng.uniform(-1, 1, n - 2)])


def _inputs_lanczos(rng):
    """Two fresh matrices with isolated extremes (one with a negative dominant eigenvalue), k = 20, and one with a
    clustered bulk on which the plain three-term recurrence produces ghost copies of λ_max and λ_min, k = 40–55."""
    mats, eigs, ks = [], [], []
    for sign in (1.0, -1.0):
        n = int(rng.integers(60, 90))
        eigs.append(sign * _spectrum_extremes(rng, n))
        ks.append(20)
    n = int(rng.integers(120, 160))
    eigs.append(np.concatenate([[10 * rng.uniform(0.8, 1.2), -6 * rng.uniform(0.8, 1.2)], rng.uniform(-0.5, 0.5, n - 2)]))
    ks.append(int(rng.integers(40, 56)))
    for e in eigs:
        q = np.linalg.qr(rng.normal(size=(len(e), len(e))))[0]
        mats.append((q * e) @ q.T)
    return {"A": mats, "v0": [rng.normal(size=len(e)) for e in eigs], "k": ks, "_eigs": [np.sort(e) for e in eigs]}


_KERNEL_LANCZOS = '''
_out["runs"] = []
for _A, _v0, _k in zip(_in["A"], _in["v0"], _in["k"]):
    _n = [0]
    def _mv(v, _A=_A, _n=_n):
        _n[0] += 1
        return _A @ v
    _theta, _Y, _bounds = lanczos_ritz(_mv, _v0.copy(), int(_k))
    _out["runs"].append({"theta": _theta, "Y": _Y, "bounds": _bounds, "count": _n[0]})
'''


def _ritz_run(inputs, out, i):
    """Run i's (A, k, ρ, θ, Y, bounds, count), sorted by θ (the task asks for ascending order; any order is taken)."""
    A, k, eigs = inputs["A"][i], inputs["k"][i], inputs["_eigs"][i]
    runs = out.get("runs")
    need(isinstance(runs, list) and len(runs) == len(inputs["A"]), "lanczos_ritz was not run on the grader's matrices")
    run = runs[i]
    theta = arr(run["theta"], (k,), "theta")
    Y = arr(run["Y"], (len(A), k), "Y")
    bounds = arr(run["bounds"], (k,), "bounds")
    need(np.all(np.isfinite(theta)) and np.all(np.isfinite(Y)) and np.all(np.isfinite(bounds)),
         "lanczos_ritz returned NaN or infinity")
    order = np.argsort(theta)
    return A, k, max(1.0, np.abs(eigs).max()), theta[order], Y[:, order], bounds[order], run["count"]


def _check_lanczos_extremes(inputs, out):
    for i in (0, 1):
        A, k, rho, theta, _, _, _ = _ritz_run(inputs, out, i)
        lam = np.linalg.eigvalsh(A)
        need(abs(theta[-1] - lam[-1]) <= LANCZOS_TOL * rho and abs(theta[0] - lam[0]) <= LANCZOS_TOL * rho,
             f"the extreme Ritz values after k = {k} steps are not λ_min and λ_max of a matrix the grader drew "
             f"{'(its dominant eigenvalue is negative)' if i else '(indefinite)'} (tolerance 1e-8 · ρ)")


def _check_lanczos_ritz(inputs, out):
    i = 2
    A, k, rho, theta, Y, _, _ = _ritz_run(inputs, out, i)
    ref = ritz_pairs(A, inputs["v0"][i], k)[0]
    need(np.max(np.abs(theta - ref)) <= LANCZOS_TOL * rho,
         f"the {k} Ritz values are not those of the Krylov space of the grader's start vector (tolerance 1e-8 · ρ) on "
         "a matrix with a clustered bulk; copies of λ_max or λ_min (ghosts) mean the basis lost its orthogonality")
    need(np.max(np.abs(Y.T @ Y - np.eye(k))) <= ORTHO_TOL,
         "the Ritz vectors Y are not orthonormal (max |YᵀY − I| > 1e-8): reorthogonalise each new Lanczos vector")


def _check_lanczos_certificate(inputs, out):
    """The bound of each returned pair is its residual norm (A Q_k = Q_k T_k + β_k q_{k+1} e_kᵀ holds to rounding
    even when orthogonality is lost, so this part grades the formula and the budget, not the reorthogonalisation),
    θ_j is the Rayleigh quotient of y_j, and no product was spent on it."""
    for i in range(len(inputs["A"])):
        A, k, rho, theta, Y, bounds, count = _ritz_run(inputs, out, i)
        need(count <= k, f"lanczos_ritz called matvec {count} times for k = {k}: the certificate must cost no product")
        AY = A @ Y
        quotients = np.einsum("ij,ij->j", Y, AY) / np.einsum("ij,ij->j", Y, Y)
        need(np.all(np.abs(quotients - theta) <= LANCZOS_TOL * rho), "the Ritz values are not the Rayleigh quotients "
             "of your Ritz vectors y_j = Q_k s_j")
        residuals = np.linalg.norm(AY - Y * theta, axis=0)
        need(np.all(bounds >= 0) and np.max(np.abs(bounds - residuals)) <= LANCZOS_TOL * rho,
             "the bounds are not the residual norms ‖H y_j − θ_j y_j‖ of your Ritz pairs (tolerance 1e-8 · ρ): "
             "which entry of s_j, and which β?")


# ---------------------------------------------------------------------------------------------------
# Part 3: the network's extreme curvatures, from products only
# ---------------------------------------------------------------------------------------------------

NET_INPUTS, NET_HIDDEN, NET_SAMPLES = 10_000, 3, 20


def _loss_on(X, t):
    import autograd.numpy as anp

    d, h = X.shape[1], NET_HIDDEN

    def loss(w):
        W1, b1, W2, b2 = w[:h * d].reshape(h, d), w[h * d:h * d + h], w[h * d + h:h * d + 2 * h].reshape(1, h), w[-1:]
        return 0.5 * anp.mean((anp.tanh(X @ W1.T + b1) @ W2.T + b2 - t) ** 2)
    return loss


@lru_cache(maxsize=1)
def network():
    """The notebook's network: (loss, w0, eigenvalues of the 67 × 67 twin Hessian, ascending)."""
    import autograd

    rng = np.random.default_rng(0)
    X = 2 * rng.normal(size=(NET_SAMPLES, NET_INPUTS)) / np.sqrt(NET_INPUTS)
    t = np.sin(3 * X[:, :1]) + 0.1 * rng.normal(size=(NET_SAMPLES, 1))
    h, d = NET_HIDDEN, NET_INPUTS
    w0 = rng.normal(size=h * d + 2 * h + 1)
    Q, R = np.linalg.qr(X.T)                                        # Xᵀ = QR: the loss sees W₁ only through W₁Q
    w_twin = np.concatenate([(w0[:h * d].reshape(h, d) @ Q).ravel(), w0[h * d:]])
    H_twin = autograd.hessian(_loss_on(R.T, t))(w_twin)
    return _loss_on(X, t), w0, np.linalg.eigvalsh(H_twin)


def _net_hvp(v):
    import autograd

    loss, w0, _ = network()
    return autograd.hessian_vector_product(loss)(w0, np.asarray(v, dtype=float))


def _check_net_pair(out, which, name):
    _, w0, eigs = network()
    ref = min(eigs[0], 0.0) if which == "min" else eigs[-1]
    rho = max(1.0, np.abs(eigs).max())
    lam = num(out["lam"], f"lam_{which}_net")
    need(abs(lam - ref) <= NET_TOL * rho, f"lam_{which}_net is not λ_{which} of the network Hessian (tolerance 1e-6 · ρ)")
    y = arr(out["y"], (len(w0),), f"y_{which}_net")
    need(abs(np.linalg.norm(y) - 1) <= NET_TOL, f"y_{which}_net is not a unit vector")
    need(np.linalg.norm(_net_hvp(y) - lam * y) <= NET_TOL * rho,
         f"y_{which}_net is not an eigenvector for {name} (‖Hy − λy‖ > 1e-6 · ρ)")


def _check_net_max(inputs, out):
    _check_net_pair(out, "max", "lam_max_net")


def _check_net_min(inputs, out):
    _check_net_pair(out, "min", "lam_min_net")


def _check_net_convex(inputs, out):
    need(truth_value(out["convex"], "convex_at_w0") is bool(network()[2][0] >= 0),
         "convex_at_w0 is wrong: look at the sign of λ_min")


# ---------------------------------------------------------------------------------------------------
# Part 4: the Hessian of L2-regularised logistic regression, by hand
# ---------------------------------------------------------------------------------------------------

def logreg_reference(X, w, lam):
    """Xᵀ diag(p(1 − p)) X / n + λI with p = σ(Xw); p(1 − p) = 1 / (4 cosh²(z/2)) has no overflow."""
    z = X @ w
    d = 0.25 / np.cosh(np.clip(z / 2, -350, 350)) ** 2
    return X.T @ (d[:, None] * X) / len(X) + lam * np.eye(X.shape[1])


def _logreg_case(rng, scale):
    n, d = int(rng.integers(30, 61)), int(rng.integers(3, 7))
    X = rng.normal(size=(n, d))
    return {"X": X, "y": (rng.uniform(size=n) < 0.5).astype(float), "w": scale * rng.normal(size=d)}


def _inputs_logreg(rng):
    """Four moderate cases (λ = 0 among them), and two with large margins |xᵢᵀw| (up to ~10³: σ saturates)."""
    moderate = [_logreg_case(rng, 1.0) for _ in range(4)]
    for case, lam in zip(moderate, [0.0, *rng.uniform(0.01, 1.0, 3)]):
        case["lam"] = float(lam)
    large = []
    for _ in range(2):
        case = _logreg_case(rng, 150.0)
        case["X"][: len(case["X"]) // 2] /= 300.0              # half the rows keep a moderate margin
        case["lam"] = float(rng.uniform(0.01, 1.0))
        large.append(case)
    return {"moderate": moderate, "large": large}


_KERNEL_LOGREG = '''
_out["moderate"] = [logreg_hessian(c["X"].copy(), c["y"].copy(), c["w"].copy(), float(c["lam"]))
                    for c in _in["moderate"]]
_out["large"] = [logreg_hessian(c["X"].copy(), c["y"].copy(), c["w"].copy(), float(c["lam"])) for c in _in["large"]]
'''


def _check_logreg_cases(inputs, out, key, message):
    got = out[key]
    need(isinstance(got, list) and len(got) == len(inputs[key]), "logreg_hessian was not evaluated on the grader's data")
    for case, H in zip(inputs[key], got):
        d = case["X"].shape[1]
        H = arr(H, (d, d), "logreg_hessian's result")
        need(np.all(np.isfinite(H)), f"logreg_hessian returned NaN or infinity {message}")
        ref = logreg_reference(case["X"], case["w"], case["lam"])
        need(np.max(np.abs(H - ref)) <= LOGREG_TOL * (1 + np.max(np.abs(ref))),
             f"logreg_hessian is wrong {message} (tolerance 1e-10 · (1 + max |H|))")


def _check_logreg(inputs, out):
    _check_logreg_cases(inputs, out, "moderate", "on data the grader drew (λ = 0 and λ > 0)")


def _check_logreg_large(inputs, out):
    _check_logreg_cases(inputs, out, "large", "where |xᵢᵀw| is large (σ saturates: p(1 − p) must not overflow)")


def logreg_data():
    """The notebook's logistic-regression data: X (200, 4), w (4,), λ."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4)) @ np.array([[1.0, 0.4, 0.0, 0.0], [0.0, 1.0, 0.5, 0.0],
                                              [0.0, 0.0, 1.0, 0.9], [0.0, 0.0, 0.0, 0.1]])
    return X, np.array([2.0, -1.0, 0.5, 3.0]), 0.05


def _check_logreg_convex(inputs, out):
    X, w, lam = logreg_data()
    H = logreg_reference(X, w, lam)
    need(abs(num(out["min"], "min_eig_logreg") - np.linalg.eigvalsh(H)[0]) <= 1e-9,
         "min_eig_logreg is not the smallest eigenvalue of the Hessian at w_lr (tolerance 1e-9)")
    need(truth_value(out["convex"], "logreg_convex") is True,
         "logreg_convex is wrong: can Xᵀ diag(p(1 − p)) X / n + λI have an eigenvalue below λ, anywhere?")


# ---------------------------------------------------------------------------------------------------
# Part 5: Hutch++
# ---------------------------------------------------------------------------------------------------

HUTCH_REPEATS = 10          # the squared relative error is averaged over this many seeds
HUTCH_MSE_TOL = 1e-3        # Hutch++ (m = 36): E[err²] ≈ 1e-10 → fails with probability < 1e-6 (Markov); Hutchinson ≈ 2e-2


def _inputs_hutch(rng):
    """A fresh low-rank matrix (rank ≤ m/3), and a fresh full-rank PD matrix with eigenvalues 0.4^i."""
    n, m = int(rng.integers(25, 45)), int(rng.integers(12, 25))
    r = int(rng.integers(1, m // 3 + 1))
    u = np.linalg.qr(rng.normal(size=(n, r)))[0]
    lam = rng.uniform(-3, 5, r)
    nd = int(rng.integers(60, 90))
    v = np.linalg.qr(rng.normal(size=(nd, nd)))[0]
    decay = 0.4 ** np.arange(nd)
    return {"L": (u * lam) @ u.T, "m": m, "seed": int(rng.integers(1000)), "_trL": lam.sum(), "_absL": np.abs(lam).sum(),
            "D": (v * decay) @ v.T, "_trD": decay.sum(), "seeds": [int(s) for s in rng.integers(10**6, size=HUTCH_REPEATS)]}


_KERNEL_HUTCH = '''
_L = _in["L"]
_n = [0]
def _mv(v, _L=_L, _n=_n):
    _n[0] += 1
    return _L @ v
_out["est"] = hutch_plus_plus(_mv, len(_L), _in["m"], seed=_in["seed"])
_out["count"] = _n[0]
_out["trace_net"] = trace_net
_D = _in["D"]
_out["decay"] = [hutch_plus_plus(lambda v, _D=_D: _D @ v, len(_D), 36, seed=s) for s in _in["seeds"]]
'''


def _check_hutch(inputs, out):
    need(num(out["count"]) <= inputs["m"], f"hutch_plus_plus called matvec {out['count']} times for num_products = {inputs['m']}")
    need(abs(num(out["est"], "the estimate") - inputs["_trL"]) <= 1e-8 * max(1.0, inputs["_absL"]),
         "hutch_plus_plus is not exact on a matrix of rank ≤ num_products / 3 the grader drew")
    eigs = network()[2]
    need(abs(num(out["trace_net"], "trace_net") - eigs.sum()) <= 1e-8 * max(1.0, np.abs(eigs).sum()),
         f"trace_net is not the trace of the network Hessian (tolerance 1e-8 · Σ|λ|): with num_products = {NET_PRODUCTS} "
         "Hutch++ is exact there, since rank H ≤ 67")


def _check_hutch_decay(inputs, out):
    est = arr(out["decay"], (HUTCH_REPEATS,), "the estimates")
    need(np.mean((est - inputs["_trD"]) ** 2) / inputs["_trD"] ** 2 < HUTCH_MSE_TOL,
         "hutch_plus_plus is not accurate enough on a full-rank matrix with a fast-decaying spectrum the grader drew")


# ---------------------------------------------------------------------------------------------------
# Part 6: the plot of Lanczos's convergence (the error of θ_max and its certificate against k)
# ---------------------------------------------------------------------------------------------------

def plot_data():
    """The notebook's A_plot (200 × 200: λ_max = 1.2 over a bulk on [−1, 1]) and start vector v_plot."""
    rng = np.random.default_rng(5)
    eigs = np.concatenate([[1.2], np.linspace(-1.0, 1.0, 199)])
    q = np.linalg.qr(rng.normal(size=(200, 200)))[0]
    return (q * eigs) @ q.T, rng.normal(size=200), 1.2


@lru_cache(maxsize=1)
def plot_reference():
    """(k = 1..20, λ_max − θ_max(k), the bound β_k |e_kᵀ s_max| of the top Ritz pair)."""
    A, v, lam_max = plot_data()
    ks = np.arange(1, FIG_STEPS + 1)
    errs, bounds = [], []
    for k in ks:
        theta, _, b = ritz_pairs(A, v, int(k))
        errs.append(lam_max - theta[-1])
        bounds.append(b[-1])
    return ks, np.array(errs), np.array(bounds)


_FIG_EXTRA = '''
_out["legend"] = [0 if _ax.get_legend() is None else len(_ax.get_legend().get_texts()) for _ax in list(_fig.axes)[:8]]
'''


def _check_fig_error(inputs, out):
    ks, errs, _ = plot_reference()
    axes = axes_of(out, "fig_ritz")
    need(any(has_line(ax, ks, errs, FIG_RTOL, "fig_ritz", "error") for ax in axes),
         "fig_ritz has no line of λ_max − θ_max(k) against k = 1, ..., 20 for A_plot from v_plot (relative tolerance 1e-4)")


def _check_fig_bound(inputs, out):
    ks, _, bounds = plot_reference()
    axes = axes_of(out, "fig_ritz")
    legends = out.get("legend") if isinstance(out.get("legend"), list) else []
    for i, ax in enumerate(axes):
        if has_line(ax, ks, bounds, FIG_RTOL, "fig_ritz", "bound"):
            need(ax["yscale"] == "log", "fig_ritz should have a logarithmic y-axis")
            labelled(ax, "fig_ritz")
            need(i < len(legends) and num(legends[i], "the legend") >= 2, "fig_ritz needs a legend naming both lines")
            return
    need(False, "fig_ritz has no line of the bound β_k |e_kᵀ s| of the top Ritz pair against k = 1, ..., 20 "
                "(relative tolerance 1e-4)")


CHECKS_CH05 = {          # in the notebook's order
    "test_power": Part(_KERNEL_POWER, _check_power, _inputs_power),
    "test_power_negative": Part(_KERNEL_POWER, _check_power_negative, _inputs_power),
    "test_lanczos": Part(_KERNEL_LANCZOS, _check_lanczos_extremes, _inputs_lanczos),
    "test_lanczos_ritz": Part(_KERNEL_LANCZOS, _check_lanczos_ritz, _inputs_lanczos),
    "test_lanczos_certificate": Part(_KERNEL_LANCZOS, _check_lanczos_certificate, _inputs_lanczos),
    "test_fig_ritz": figure_part("fig_ritz", _check_fig_error, _FIG_EXTRA),
    "test_fig_ritz_bound": figure_part("fig_ritz", _check_fig_bound, _FIG_EXTRA),
    "test_net_max": Part('_out.update(lam=lam_max_net, y=y_max_net)', _check_net_max),
    "test_net_min": Part('_out.update(lam=lam_min_net, y=y_min_net)', _check_net_min),
    "test_net_convex": Part('_out.update(convex=convex_at_w0)', _check_net_convex),
    "test_hutchpp": Part(_KERNEL_HUTCH, _check_hutch, _inputs_hutch),
    "test_hutchpp_decay": Part(_KERNEL_HUTCH, _check_hutch_decay, _inputs_hutch),
    "test_logreg": Part(_KERNEL_LOGREG, _check_logreg, _inputs_logreg),
    "test_logreg_large": Part(_KERNEL_LOGREG, _check_logreg_large, _inputs_logreg),
    "test_logreg_convex": Part('_out.update(min=min_eig_logreg, convex=logreg_convex)', _check_logreg_convex),
    "test_q_curvature": choice("q_curvature", "b"),
}

__all__ = ["CHECKS_CH05", "CheckFailed", "network", "ritz_pairs", "logreg_reference", "plot_reference"]
