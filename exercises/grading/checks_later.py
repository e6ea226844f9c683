"""Outside checks (and "written by hand" rules) of the assignments of chapters 06, 07 and 08 (issue 18).

The same contract as ``checks.py`` (which registers ``CHECKS_LATER`` in ``CHECKS``, and ``handcheck.py``
``RULES_LATER`` in ``RULES``): each graded part has ``Part(kernel, check, inputs)``; ``inputs(rng)`` is drawn in
the grader's process from its secret seed, ``kernel`` runs in the student's kernel and stores raw results in
``_out``, ``check(inputs, out)`` recomputes the references here and raises ``CheckFailed`` with a message. The
tolerances are the ones each task states and its visible test uses. Figures are read in the kernel (lines,
title, labels, scale, legend) and their data compared here; multiple-choice answers are compared here only
(no hidden test carries them). The notebooks' setup data are rebuilt here from the same seeds.
"""
import numpy as np

from .checks import CheckFailed, Part, arr, need, num, rel, truth_value

# autograd *differentiation* (a "by hand" part may use autograd.numpy arithmetic, which runs autograd's
# primitive wrappers, not these)
AUTOGRAD_DIFF = frozenset({
    "grad", "hessian", "jacobian", "elementwise_grad", "value_and_grad", "grad_and_aux", "holomorphic_grad",
    "make_vjp", "make_jvp", "make_hvp", "make_ggnvp", "hessian_tensor_product", "hessian_vector_product",
    "tensor_jacobian_product", "vector_jacobian_product", "deriv", "multigrad_dict", "backward_pass", "trace",
})
LINALG_SOLVERS = {"solve", "inv", "pinv", "lstsq", "cholesky", "eig", "eigh", "eigvals", "eigvalsh", "svd"}
LINALG_EIG = {"eig", "eigh", "eigvals", "eigvalsh", "svd"}

LETTERS = ("a", "b", "c", "d")

# ---------------------------------------------------------------------------------------------------
# Shared pieces: figures and multiple-choice answers
# ---------------------------------------------------------------------------------------------------

_KERNEL_FIG = '''
def _btg_fig(f):
    f = getattr(f, "figure", f)
    ax = f.get_axes()[0]
    leg = ax.get_legend()
    return {{"lines": [[_np.asarray(l.get_xdata(), dtype=float), _np.asarray(l.get_ydata(), dtype=float)]
                      for l in ax.get_lines()[:20]],
            "title": str(ax.get_title()), "xlabel": str(ax.get_xlabel()), "ylabel": str(ax.get_ylabel()),
            "yscale": str(ax.get_yscale()), "legend": 0 if leg is None else len(leg.get_texts())}}
try:
    _out["fig"] = _btg_fig({name})
except Exception as _exc:
    _out["fig"] = "no figure: " + type(_exc).__name__
'''


def _fig_kernel(name):
    return _KERNEL_FIG.format(name=name)


def _fig(out, name):
    fig = out.get("fig")
    need(isinstance(fig, dict), f"{name} is not a matplotlib figure with axes")
    lines = fig.get("lines")
    need(isinstance(lines, list), f"{name}'s lines could not be read")
    return fig, [(arr(x, what="a line's x data"), arr(y, what="a line's y data")) for x, y in lines]


def _check_labels(fig, name, log=False, legend=0):
    for key in ("title", "xlabel", "ylabel"):
        need(isinstance(fig.get(key), str) and fig[key].strip(), f"{name} needs a title and two axis labels")
    if log:
        need(fig.get("yscale") == "log", f"{name} should have a logarithmic y-axis")
    if legend:
        need(num(fig.get("legend"), "the legend") >= legend, f"{name} needs a legend with {legend} entries")


def _letter(got):
    """The letter a student wrote: "b", "B", " (b) " and "b." are all b (as in checks.choice)."""
    return got.strip().strip("().").strip().lower()


def _answer(name, right):
    def check(inputs, out):
        got = out.get("answer")
        need(isinstance(got, str) and _letter(got) in LETTERS, f"{name} is not one of the letters a–d")
        need(_letter(got) == right, f"{name} is not the right answer")
    return Part(f'_out["answer"] = {name}', check)


# ---------------------------------------------------------------------------------------------------
# ch06_applications
# ---------------------------------------------------------------------------------------------------

def ch06_data():
    """The setup cell's chain and Poisson data (same seed, same draws)."""
    rng = np.random.default_rng(6)
    X = np.column_stack([np.ones(80), rng.normal(size=(80, 2))])
    y = rng.poisson(np.exp(X @ np.array([0.5, 0.8, -0.4]))).astype(float)
    return np.array([3.0, 2.0, 2.0, 1.0]), np.array([2.0, 1.0, 1.0, 0.5]), X, y


def chain_stiffness(k):
    """K of a fixed–free chain: tridiagonal, K_ii = k_i + k_{i+1} (k_{n+1} = 0), K_{i,i+1} = −k_{i+1}."""
    k = np.asarray(k, dtype=float)
    return np.diag(k + np.append(k[1:], 0.0)) - np.diag(k[1:], 1) - np.diag(k[1:], -1)


def chain_modes(k, m):
    s = 1 / np.sqrt(np.asarray(m, dtype=float))
    w2, U = np.linalg.eigh(s[:, None] * chain_stiffness(k) * s[None, :])
    return np.sqrt(w2), s[:, None] * U


def _inputs_chains(rng):
    ks, ms = [], []
    for _ in range(4):
        n = int(rng.integers(2, 9))
        ks.append(rng.uniform(0.5, 3.0, n))
        ms.append(rng.uniform(0.5, 3.0, n))
    return {"k": ks, "m": ms}


_KERNEL_CHAINS = '''
_out["res"] = [list(normal_modes(_k.copy(), _m.copy())) for _k, _m in zip(_in["k"], _in["m"])]
'''


def _chain_results(inputs, out):
    res = out.get("res")
    need(isinstance(res, list) and len(res) == len(inputs["k"]), "normal_modes was not run on the grader's chains")
    for k, m, got in zip(inputs["k"], inputs["m"], res):
        need(isinstance(got, list) and len(got) == 2, "normal_modes should return (omega, V)")
        yield k, m, arr(got[0], (len(k),), "omega"), arr(got[1], (len(k), len(k)), "V")


def _check_modes_omega(inputs, out):
    for k, m, omega, _ in _chain_results(inputs, out):
        want, _ = chain_modes(k, m)
        need(np.all(np.abs(omega - want) <= 1e-9 * np.abs(want)),
             f"normal_modes' frequencies are wrong on a {len(k)}-mass chain the grader drew (ascending, relative 1e-9)")


def _check_modes_vectors(inputs, out):
    for k, m, _, V in _chain_results(inputs, out):
        want, _ = chain_modes(k, m)
        K, M = chain_stiffness(k), np.diag(m)
        need(np.max(np.abs(V.T @ M @ V - np.eye(len(k)))) <= 1e-9,
             f"the modes of a {len(k)}-mass chain the grader drew are not mass-normalised (Vᵀ M V = I)")
        need(np.max(np.abs(K @ V - M @ V * want**2)) <= 1e-9 * np.max(np.abs(K)),
             f"the columns of V are not the modes (ascending ω) of a {len(k)}-mass chain the grader drew")


def _inputs_poisson(rng):
    Xs, ws = [], []
    for _ in range(4):
        N, p = int(rng.integers(5, 40)), int(rng.integers(1, 6))
        Xs.append(rng.normal(size=(N, p)))
        ws.append(rng.normal(size=p) * 0.5)
    return {"X": Xs, "w": ws}


def _check_poisson_hessian(inputs, out):
    got = out.get("H")
    need(isinstance(got, list) and len(got) == len(inputs["X"]), "poisson_hessian was not run on the grader's data")
    for X, w, H in zip(inputs["X"], inputs["w"], got):
        want = X.T @ (np.exp(X @ w)[:, None] * X)
        H = arr(H, want.shape, "poisson_hessian(X, w)")
        need(np.max(np.abs(H - want)) <= 1e-9 * (1 + np.max(np.abs(want))),
             f"poisson_hessian is wrong on a {X.shape[0]} × {X.shape[1]} design the grader drew")


def poisson_grad(X, y, w):
    return X.T @ (np.exp(X @ w) - y)


def _check_poisson_fit(inputs, out):
    _, _, X, y = ch06_data()
    w = arr(out.get("w"), (3,), "w_hat_pois")
    need(np.all(np.isfinite(w)) and np.max(np.abs(poisson_grad(X, y, w))) <= 1e-6,
         "w_hat_pois is not a stationary point of the negative log-likelihood (max |∂L/∂w| ≤ 1e-6)")


def _check_poisson_se(inputs, out):
    _, _, X, _ = ch06_data()
    w = arr(out.get("w"), (3,), "w_hat_pois")
    se = arr(out.get("se"), (3,), "se_pois")
    want = np.sqrt(np.diag(np.linalg.inv(X.T @ (np.exp(X @ w)[:, None] * X))))
    need(np.all(np.abs(se - want) <= 1e-6 * want), "se_pois is not √diag(H(ŵ)⁻¹) at your w_hat_pois")


def _check_plot_modes(inputs, out):
    k, m, _, _ = ch06_data()
    _, V = chain_modes(k, m)
    _, lines = _fig(out, "fig_modes")
    need(len(lines) >= 4, "fig_modes should hold one line per mode (4)")
    for j, (x, y) in enumerate(lines[:4]):
        need(x.shape == (4,) and (np.all(x == [1, 2, 3, 4]) or np.all(x == [0, 1, 2, 3])),
             f"line {j + 1} of fig_modes should have the mass index on the x-axis")
        need(y.shape == (4,) and min(np.max(np.abs(y - V[:, j])), np.max(np.abs(y + V[:, j]))) <= 1e-8,
             f"line {j + 1} of fig_modes is not mode {j + 1} (ascending ω, mass-normalised, either sign)")


def _check_plot_labels_modes(inputs, out):
    fig, _ = _fig(out, "fig_modes")
    _check_labels(fig, "fig_modes", legend=4)


# ---------------------------------------------------------------------------------------------------
# ch07_hands_on
# ---------------------------------------------------------------------------------------------------

def ch07_data():
    """The setup cell's logistic-regression and exponential-fit data (same seed, same draws)."""
    rng = np.random.default_rng(7)
    X_lr = rng.normal(size=(200, 6)) * np.array([3.0, 1.0, 1.0, 0.5, 0.5, 0.2])
    y_lr = (X_lr @ np.array([1.0, -0.5, 0.3, 0.0, 0.8, -1.0]) + rng.normal(size=200) > 0).astype(float)
    t = np.linspace(0.0, 4.0, 30)
    y = 2.0 * np.exp(-1.3 * t) + 0.5 + 0.02 * rng.normal(size=30)
    return X_lr, y_lr, np.full(6, 0.1), t, y, np.array([1.0, 0.3, 0.0])


def logistic_hessian(X, y, w, reg=0.01):
    p = 1 / (1 + np.exp(-X @ w))
    return X.T @ ((p * (1 - p))[:, None] * X) / len(y) + reg * np.eye(X.shape[1])


def _inputs_psd(rng):
    n = int(rng.integers(15, 31))
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    top = rng.uniform(3.0, 10.0)
    eigs = np.concatenate([[top, top * rng.uniform(0.2, 0.6)], top * rng.uniform(0.0, 0.2, n - 2)])
    return {"A": (q * eigs) @ q.T, "top": top, "beta": float(rng.uniform(0.0, 0.95)), "iters": 300,
            "seed": int(rng.integers(1000))}


_KERNEL_STEPS = '''
_A = _in["A"]
_n = [0]
def _mv(v, _A=_A, _n=_n):
    _n[0] += 1
    return _A @ v
_out["res"] = list(step_sizes(_mv, len(_A), _in["beta"], num_iters=_in["iters"], seed=_in["seed"]))
_out["count"] = _n[0]
'''


def _steps(out):
    res = out.get("res")
    need(isinstance(res, list) and len(res) == 3, "step_sizes should return (lam_max, eta_gd, eta_hb)")
    return [num(v, "a value of step_sizes") for v in res]


def _check_lam_max(inputs, out):
    lam, _, _ = _steps(out)
    need(abs(lam - inputs["top"]) <= 1e-6 * inputs["top"], "lam_max is wrong on a PSD matrix the grader drew")
    need(num(out["count"]) <= inputs["iters"] + 1, f"step_sizes called hvp {out['count']} times "
                                                   f"for num_iters = {inputs['iters']}")


def _check_step_bounds(inputs, out):
    lam, gd, hb = _steps(out)
    need(lam != 0 and abs(gd - 2 / lam) <= 1e-12 * abs(2 / lam), "eta_gd is not 2 / lam_max")
    want = 2 * (1 + inputs["beta"]) / lam
    need(abs(hb - want) <= 1e-12 * abs(want), "eta_hb is not 2(1 + beta) / lam_max")


def _check_steps_lr(inputs, out):
    X, y, w, *_ = ch07_data()
    top = np.linalg.eigvalsh(logistic_hessian(X, y, w))[-1]
    need(abs(num(out["lam"], "lam_max_lr") - top) <= 1e-6 * top, "lam_max_lr is not λ_max at w_lr")
    need(abs(num(out["eta"], "eta_hb_lr") - 3.8 / top) <= 1e-6 * 3.8 / top, "eta_hb_lr is not 2(1 + 0.9) / λ_max")


def _tanh_problem(A, c, y):
    def residual(w):
        return np.tanh(A @ w + c) - y

    def jac(w):
        return (1 - np.tanh(A @ w + c) ** 2)[:, None] * A
    return residual, jac


def _inputs_lm(rng):
    problems = []
    for _ in range(3):
        m, n = int(rng.integers(10, 26)), int(rng.integers(3, 7))
        A, c, y, w = rng.normal(size=(m, n)), rng.normal(size=m) * 0.3, rng.uniform(-0.8, 0.8, m), rng.normal(size=n) * 0.3
        _, jac = _tanh_problem(A, c, y)
        J = jac(w)
        lam = 10 ** rng.uniform(-3, 0) * np.linalg.norm(J.T @ J, 2)
        problems.append({"A": A, "c": c, "y": y, "w": w, "lam": float(lam)})
    return {"problems": problems}


_KERNEL_LM = '''
_out["res"] = []
for _pr in _in["problems"]:
    _A, _c, _y = _pr["A"], _pr["c"], _pr["y"]
    def _res(w, _A=_A, _c=_c, _y=_y):
        return _np.tanh(_A @ w + _c) - _y
    def _jvp(w, v, _A=_A, _c=_c):
        return (1 - _np.tanh(_A @ w + _c) ** 2) * (_A @ v)
    def _vjp(w, u, _A=_A, _c=_c):
        return _A.T @ ((1 - _np.tanh(_A @ w + _c) ** 2) * u)
    _out["res"].append(list(lm_step(_res, _jvp, _vjp, _pr["w"].copy(), _pr["lam"])))
'''


def _check_lm_step(inputs, out):
    res = out.get("res")
    need(isinstance(res, list) and len(res) == len(inputs["problems"]), "lm_step was not run on the grader's problems")
    for pr, got in zip(inputs["problems"], res):
        need(isinstance(got, list) and len(got) == 4, "lm_step should return (p, rho, w_next, lam_next)")
        residual, jac = _tanh_problem(pr["A"], pr["c"], pr["y"])
        w, lam = pr["w"], pr["lam"]
        r, J = residual(w), jac(w)
        want = np.linalg.solve(J.T @ J + lam * np.eye(len(w)), -J.T @ r)
        p = arr(got[0], w.shape, "p")
        need(rel(p, want) <= 1e-6, f"p does not solve (JᵀJ + λI) p = −Jᵀr on a {J.shape[0]} × {J.shape[1]} problem "
                                   "the grader drew (relative 1e-6)")
        rho_ref = (r @ r - np.sum(residual(w + p) ** 2)) / (r @ r - np.sum((r + J @ p) ** 2))
        rho = num(got[1], "rho")
        need(abs(rho - rho_ref) <= 1e-6 * max(1.0, abs(rho_ref)),
             "rho is not (L(w) − L(w + p)) / (L(w) − m(p)) on a problem the grader drew")
        w_next = arr(got[2], w.shape, "w_next")
        need(np.allclose(w_next, w + p if rho > 0 else w, rtol=1e-12, atol=1e-12),
             "w_next should be w + p when rho > 0, and w otherwise")


def _inputs_nielsen(rng):
    rhos = [0.0, 0.5, 1.0, -1e-3] + list(rng.uniform(-1.0, 2.0, 12))
    return {"rho": [float(r) for r in rhos], "lam": [float(v) for v in 10 ** rng.uniform(-4, 2, len(rhos))]}


def nielsen(lam, rho):
    return (lam * max(1 / 3, 1 - (2 * rho - 1) ** 3), True) if rho > 0 else (2 * lam, False)


def _check_nielsen(inputs, out):
    res = out.get("res")
    need(isinstance(res, list) and len(res) == len(inputs["rho"]), "nielsen_update was not run on the grader's values")
    for lam, rho, got in zip(inputs["lam"], inputs["rho"], res):
        need(isinstance(got, list) and len(got) == 2, "nielsen_update should return (lam_next, accepted)")
        want, accepted = nielsen(lam, rho)
        need(abs(num(got[0], "lam_next") - want) <= 1e-12 * want, f"nielsen_update gives the wrong λ for ρ = {rho:.3g}")
        # accepted as a yes/no value: True/False, a NumPy bool, or 1/0 (the visible test takes bool(accepted))
        need(truth_value(got[1], "accepted") == accepted,
             f"nielsen_update should {'accept' if accepted else 'reject'} for ρ = {rho:.3g}")


def lm_losses(steps=8):
    """The Part 4 trajectory: LM with Nielsen's rule, dense solves, from w_exp0 and λ = 1."""
    *_, t, y, w = ch07_data()

    def residual(w):
        return w[0] * np.exp(-w[1] * t) + w[2] - y

    def jac(w):
        e = np.exp(-w[1] * t)
        return np.column_stack([e, -w[0] * t * e, np.ones_like(t)])
    lam, losses = 1.0, [0.5 * np.sum(residual(w) ** 2)]
    for _ in range(steps):
        r, J = residual(w), jac(w)
        p = np.linalg.solve(J.T @ J + lam * np.eye(3), -J.T @ r)
        rho = (r @ r - np.sum(residual(w + p) ** 2)) / (r @ r - np.sum((r + J @ p) ** 2))
        lam, accepted = nielsen(lam, rho)
        w = w + p if accepted else w
        losses.append(0.5 * np.sum(residual(w) ** 2))
    return np.array(losses)


def _check_plot_lm(inputs, out):
    _, lines = _fig(out, "fig_lm")
    need(len(lines) >= 1, "fig_lm holds no line")
    x, y = lines[0]
    need(x.shape == (9,) and np.all(x == np.arange(9)), "fig_lm's line should have k = 0, …, 8 on the x-axis")
    want = lm_losses()
    need(y.shape == (9,) and np.all(np.abs(y - want) <= 1e-6 * want),
         "fig_lm's losses are not those of 8 Levenberg–Marquardt steps from w_exp0 with λ = 1 (relative 1e-6)")


def _check_plot_lm_labels(inputs, out):
    fig, _ = _fig(out, "fig_lm")
    _check_labels(fig, "fig_lm", log=True)


# ---------------------------------------------------------------------------------------------------
# ch08_curvature
# ---------------------------------------------------------------------------------------------------

def ch08_data():
    """The setup cell's network, data and direction (same seed, same draws)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3))
    T = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]]) + 0.1 * rng.normal(size=(40, 2))
    params = (0.7 * rng.normal(size=(5, 3)), 0.1 * rng.normal(size=5), 0.7 * rng.normal(size=(2, 5)),
              0.1 * rng.normal(size=2))
    vec = tuple(rng.normal(size=a.shape) for a in params)
    return X, T, params, vec


def mlp_jacobian(params, X):
    """d vec(Y) / d θ for Y = tanh(X W1ᵀ + b1) W2ᵀ + b2, θ = (W1, b1, W2, b2) raveled: (N·K, P)."""
    W1, b1, W2, b2 = params
    N, D = X.shape
    H, K = W1.shape[0], W2.shape[0]
    Z = np.tanh(X @ W1.T + b1)
    S = 1 - Z**2
    J = np.zeros((N, K, W1.size + H + W2.size + K))
    JS = W2[None, :, :] * S[:, None, :]                                   # ∂y_i/∂s_i: (N, K, H)
    J[:, :, :W1.size] = (JS[:, :, :, None] * X[:, None, None, :]).reshape(N, K, -1)
    J[:, :, W1.size:W1.size + H] = JS
    J[:, :, W1.size + H:W1.size + H + W2.size] = (np.eye(K)[None, :, :, None] * Z[:, None, None, :]).reshape(N, K, -1)
    J[:, :, W1.size + H + W2.size:] = np.eye(K)[None]
    return J.reshape(N * K, -1)


def kfac_factors(params, X):
    W1, b1, W2, _ = params
    N = X.shape[0]
    a = np.hstack([X, np.ones((N, 1))])
    S = 1 - np.tanh(X @ W1.T + b1) ** 2
    return a.T @ a / N, (S.T @ S) * (W2.T @ W2) / N


def _inputs_diag(rng):
    n = int(rng.integers(8, 21))
    B = rng.normal(size=(n, n))
    return {"A": B + B.T, "S": int(rng.integers(20, 61)), "seed": int(rng.integers(1000)),
            "d": rng.uniform(-5, 5, int(rng.integers(3, 9))), "S_d": int(rng.integers(1, 6))}


_KERNEL_DIAG = '''
_A, _seen = _in["A"], []
def _mv(z, _A=_A, _seen=_seen):
    _seen.append(_np.array(z, dtype=float))
    return _A @ z
_out["est"] = diag_estimate(_mv, len(_A), _in["S"], seed=_in["seed"])
_out["probes"] = list(_seen)
_d = _in["d"]
_out["est_d"] = diag_estimate(lambda z, _d=_d: _d * _np.asarray(z, dtype=float), len(_d), _in["S_d"])
'''


def _check_diag_formula(inputs, out):
    A, S = inputs["A"], inputs["S"]
    probes = out.get("probes")
    need(isinstance(probes, list) and len(probes) == S, f"diag_estimate should call matvec num_samples = {S} times")
    Z = np.array([arr(z, (len(A),), "a probe") for z in probes])
    want = np.sum(Z * (Z @ A.T), axis=0) / np.sum(Z * Z, axis=0)
    est = arr(out.get("est"), (len(A),), "diag_estimate(...)")
    need(rel(est, want) <= 1e-10, "the estimate is not Σ z ⊙ Az ⊘ Σ z ⊙ z for the probes your function passed "
                                  "to the grader's matvec")
    d = inputs["d"]
    est_d = arr(out.get("est_d"), d.shape, "diag_estimate(...)")
    need(np.all(np.abs(est_d - d) <= 1e-12 * np.abs(d)), "the ratio estimator should be exact on a diagonal matrix")


def _inputs_probes(rng):
    return {"n": int(rng.integers(10, 17)), "S": 200, "seed": int(rng.integers(1000))}


_KERNEL_PROBES = '''
_seen = []
diag_estimate(lambda z, _seen=_seen: _seen.append(_np.array(z, dtype=float)) or _np.asarray(z, dtype=float),
              _in["n"], _in["S"], seed=_in["seed"])
_out["probes"] = list(_seen)
'''


def _check_diag_probes(inputs, out):
    n, S = inputs["n"], inputs["S"]
    probes = out.get("probes")
    need(isinstance(probes, list) and len(probes) == S, f"diag_estimate should call matvec num_samples = {S} times")
    Z = np.array([arr(z, (n,), "a probe") for z in probes])
    need(np.mean(np.abs(np.abs(Z) - 1.0) < 1e-9) < 0.5, "the probes look like ±1 (Rademacher): draw standard normal ones")
    need(0.8 < np.mean(Z**2) < 1.2 and abs(np.mean(Z)) < 0.1, "the probes should have mean 0 and variance 1")
    need(np.min(np.std(Z, axis=0)) > 0.5, "draw a fresh probe for every call of matvec")


def _inputs_nets(rng):
    nets = []
    for _ in range(3):
        N, D, H, K = (int(rng.integers(lo, hi)) for lo, hi in ((1, 13), (1, 5), (1, 7), (1, 4)))
        shapes = [(H, D), (H,), (K, H), (K,)]
        nets.append({"p": [rng.normal(size=s) for s in shapes], "v": [rng.normal(size=s) for s in shapes],
                     "X": rng.normal(size=(N, D))})
    return {"nets": nets}


_KERNEL_GN = '''
_out["res"] = [list(gn_product(tuple(a.copy() for a in _n["p"]), _n["X"].copy(), tuple(a.copy() for a in _n["v"])))
               for _n in _in["nets"]]
'''

_KERNEL_KFAC = '''
_out["res"] = [list(kfac_layer1(tuple(a.copy() for a in _n["p"]), _n["X"].copy())) for _n in _in["nets"]]
'''


def _net_results(inputs, out, fn, length):
    res = out.get("res")
    need(isinstance(res, list) and len(res) == len(inputs["nets"]), f"{fn} was not run on the grader's networks")
    for net, got in zip(inputs["nets"], res):
        need(isinstance(got, list) and len(got) == length, f"{fn} should return a tuple of {length}")
        yield net, got


def _size(net):
    return f"(N, D, H, K) = {net['X'].shape[0]}, {net['X'].shape[1]}, {net['p'][0].shape[0]}, {net['p'][2].shape[0]}"


def _check_gn(inputs, out):
    for net, got in _net_results(inputs, out, "gn_product", 4):
        J = mlp_jacobian(net["p"], net["X"])
        want = J.T @ (J @ np.concatenate([a.ravel() for a in net["v"]])) / net["X"].shape[0]
        flat = np.concatenate([arr(b, a.shape, "a block of gn_product").ravel() for b, a in zip(got, net["p"])])
        need(np.linalg.norm(flat - want) <= 1e-8 * np.linalg.norm(want),
             f"gn_product is not Jᵀ J v / N on a network the grader drew, {_size(net)}")


def _check_gn_gap(inputs, out):
    import autograd
    import autograd.numpy as anp

    X, T, params, vec = ch08_data()
    shapes = [a.shape for a in params]

    def loss(w):
        parts, s = [], 0
        for sh in shapes:
            k = int(np.prod(sh))
            parts.append(anp.reshape(w[s:s + k], sh))
            s += k
        Y = anp.tanh(X @ parts[0].T + parts[1]) @ parts[2].T + parts[3]
        return 0.5 * anp.sum((Y - T) ** 2) / X.shape[0]

    w = np.concatenate([a.ravel() for a in params])
    v = np.concatenate([a.ravel() for a in vec])
    Hv = autograd.grad(lambda y: anp.sum(autograd.grad(loss)(y) * v))(w)
    J = mlp_jacobian(params, X)
    gap = np.linalg.norm(Hv - J.T @ (J @ v) / X.shape[0]) / np.linalg.norm(Hv)
    need(abs(num(out.get("gap"), "gn_gap") - gap) <= 1e-6 * gap, "gn_gap is not ‖Hv − Gv‖ / ‖Hv‖ at params8, vec8")


def _check_kfac(which):
    def check(inputs, out):
        for net, got in _net_results(inputs, out, "kfac_layer1", 2):
            want = kfac_factors(net["p"], net["X"])[which]
            mine = arr(got[which], want.shape, ("A1", "G1")[which])
            need(np.max(np.abs(mine - want)) <= 1e-10 * (1 + np.max(np.abs(want))),
                 f"{('A1', 'G1')[which]} is wrong on a network the grader drew, {_size(net)}")
    return check


def kfac_spectra():
    X, _, params, _ = ch08_data()
    J1 = mlp_jacobian(params, X)[:, :20]
    A1, G1 = kfac_factors(params, X)
    return np.linalg.eigvalsh(J1.T @ J1 / 40)[::-1], np.linalg.eigvalsh(np.kron(G1, A1))[::-1]


def _check_plot_kfac(inputs, out):
    fig, lines = _fig(out, "fig_kfac")
    need(len(lines) >= 2, "fig_kfac should hold two lines: the exact block, then K-FAC")
    for (x, y), want, what in zip(lines[:2], kfac_spectra(), ("exact Gauss–Newton", "K-FAC")):
        need(x.shape == (20,) and np.all(x == np.arange(1, 21)), "fig_kfac's x-axis should be the rank 1, …, 20")
        need(y.shape == (20,) and np.max(np.abs(y - want)) <= 1e-8 * want[0],
             f"a line of fig_kfac is not the {what} block's spectrum, largest first")
    _check_labels(fig, "fig_kfac", log=True, legend=2)


# ---------------------------------------------------------------------------------------------------
# The registry (merged into checks.CHECKS and handcheck.RULES)
# ---------------------------------------------------------------------------------------------------

CHECKS_LATER = {
    "ch06_applications": {
        "test_modes_omega": Part(_KERNEL_CHAINS, _check_modes_omega, _inputs_chains),
        "test_modes_vectors": Part(_KERNEL_CHAINS, _check_modes_vectors, _inputs_chains),
        "test_poisson_hessian": Part('_out["H"] = [poisson_hessian(X.copy(), w.copy()) for X, w in zip(_in["X"], _in["w"])]',
                                     _check_poisson_hessian, _inputs_poisson),
        "test_poisson_fit": Part('_out["w"] = w_hat_pois', _check_poisson_fit),
        "test_poisson_se": Part('_out.update(w=w_hat_pois, se=se_pois)', _check_poisson_se),
        "test_plot_modes": Part(_fig_kernel("fig_modes"), _check_plot_modes),
        "test_plot_labels": Part(_fig_kernel("fig_modes"), _check_plot_labels_modes),
        "test_answer_masses": _answer("answer_masses", "c"),
        "test_answer_overdispersion": _answer("answer_overdispersion", "a"),
    },
    "ch07_hands_on": {
        "test_lam_max": Part(_KERNEL_STEPS, _check_lam_max, _inputs_psd),
        "test_step_bounds": Part(_KERNEL_STEPS, _check_step_bounds, _inputs_psd),
        "test_steps_lr": Part('_out.update(lam=lam_max_lr, eta=eta_hb_lr)', _check_steps_lr),
        "test_lm_step": Part(_KERNEL_LM, _check_lm_step, _inputs_lm),
        "test_nielsen": Part('_out["res"] = [list(nielsen_update(l, r)) for l, r in zip(_in["lam"], _in["rho"])]',
                             _check_nielsen, _inputs_nielsen),
        "test_plot_lm": Part(_fig_kernel("fig_lm"), _check_plot_lm),
        "test_plot_lm_labels": Part(_fig_kernel("fig_lm"), _check_plot_lm_labels),
        "test_answer_edge": _answer("answer_edge", "b"),
        "test_answer_rho": _answer("answer_rho", "a"),
    },
    "ch08_curvature": {
        "test_diag_formula": Part(_KERNEL_DIAG, _check_diag_formula, _inputs_diag),
        "test_diag_probes": Part(_KERNEL_PROBES, _check_diag_probes, _inputs_probes),
        "test_gn_product": Part(_KERNEL_GN, _check_gn, _inputs_nets),
        "test_gn_gap": Part('_out["gap"] = gn_gap', _check_gn_gap),
        "test_kfac_A": Part(_KERNEL_KFAC, _check_kfac(0), _inputs_nets),
        "test_kfac_G": Part(_KERNEL_KFAC, _check_kfac(1), _inputs_nets),
        "test_plot_kfac": Part(_fig_kernel("fig_kfac"), _check_plot_kfac),
        "test_answer_gn": _answer("answer_gn", "a"),
        "test_answer_kron": _answer("answer_kron", "b"),
    },
}

_BY_HAND = [("hvplib", None), ("autograd", AUTOGRAD_DIFF)]
_PRODUCTS_ONLY = [("hvplib", None), ("scipy", None), ("numpy.linalg", LINALG_SOLVERS)]
_MATVEC_ONLY = [("hvplib", None), ("scipy", None), ("numpy.linalg", LINALG_EIG)]

RULES_LATER = {
    "ch06_applications": {
        "test_modes_omega": (_BY_HAND, "normal_modes must build K by hand (no hvplib, no autograd differentiation)"),
        "test_modes_vectors": (_BY_HAND, "normal_modes must build K by hand (no hvplib, no autograd differentiation)"),
        "test_poisson_hessian": (_BY_HAND, "poisson_hessian must be written by hand"),
    },
    "ch07_hands_on": {
        "test_lam_max": (_MATVEC_ONLY, "step_sizes must use the hvp only"),
        "test_lm_step": (_PRODUCTS_ONLY, "lm_step must use the Jacobian products only (CG, no solver)"),
    },
    "ch08_curvature": {
        "test_diag_formula": (_MATVEC_ONLY, "diag_estimate must use the matvec only"),
        "test_diag_probes": (_MATVEC_ONLY, "diag_estimate must use the matvec only"),
        "test_gn_product": (_BY_HAND, "gn_product must be written by hand (no hvplib, no autograd differentiation)"),
        "test_kfac_A": (_BY_HAND, "kfac_layer1 must be written by hand"),
        "test_kfac_G": (_BY_HAND, "kfac_layer1 must be written by hand"),
    },
}

__all__ = ["CHECKS_LATER", "RULES_LATER", "CheckFailed"]
