"""The variant-answer corpus (issue 21): correct answers written differently, and wrong answers that used to pass.

``VARIANTS[assignment]`` maps an answer cell's grade id to a correct answer a reasonable student could write
(another type, another formula, another algorithm); a notebook with all of them must score full marks.
``WRONG[assignment]`` maps a grade id to a wrong answer and the parts it must fail; every other part keeps its
points. ``HONEST_CODE`` is ordinary code the tamper scan must not flag. Used by ``tests/test_grading_variants.py``
(in-process checks, fast) and by its nbgrader run (the real grader, hidden tests and outside checks).
"""

# the assignments issue 21 reworked (ch06-ch08 follow with their own issue: add them here once they follow the mix)
ASSIGNMENTS = ["ch01_definition", "ch02_curvature", "ch03_hvp", "ch04_optimization", "ch05_landscapes"]

HONEST_CODE = {
    "private attribute": "class Counter:\n    def __init__(self):\n        self.__n = 0\n\n"
                         "    def tick(self):\n        self.__n += 1\n        return self.__n\n\n_c = Counter()\n_c.tick()\n",
    "gc.collect": "import gc\ngc.collect()\n",
    "gc.disable": "import gc\ngc.disable()\ngc.enable()\n",
    "rcParams": "import matplotlib\nmatplotlib.rcParams['figure.figsize'] = (6, 4)\n",
    "seterr": "import numpy as np\nold = np.seterr(divide='ignore')\nnp.seterr(**old)\n",
    "printoptions": "import numpy as np\nnp.set_printoptions(precision=6)\n",
    "filterwarnings": "import warnings\nwarnings.filterwarnings('ignore', category=RuntimeWarning)\n",
    "dunder name": "def f():\n    return 1\n\nprint(f.__name__, f.__doc__, type(1).__name__)\n",
    "setattr on own object": "class P:\n    pass\n\np = P()\nsetattr(p, 'value', 3)\n",
    "dict update": "d = {}\nd.update(a=1)\nd['b'] = 2\n",
    "lru_cache": "from functools import lru_cache\n\n@lru_cache\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "time it": "import time\nt0 = time.perf_counter()\nelapsed = time.perf_counter() - t0\n",
    "random seed": "import numpy as np\nrng = np.random.default_rng(0)\nnp.random.seed(0)\n",
    "copy module": "import copy\ny = copy.deepcopy([1, [2]])\n",
    "sys.version": "import sys\nprint(sys.version_info >= (3, 8))\n",
    "os.path": "import os\nprint(os.path.join('a', 'b'))\n",
    "itertools": "import itertools\npairs = list(itertools.combinations(range(4), 2))\n",
    "local names like np": "def g(x, np_=None):\n    anp_local = x\n    return anp_local\n",
}

_CLASS_AND_GC = ("\n\nimport gc\ngc.collect()\n\n\nclass _Counter:\n    def __init__(self):\n        self.__n = 0\n\n"
                 "    def tick(self):\n        self.__n += 1\n        return self.__n\n")

VARIANTS = {
    "ch01_definition": {
        # anp arithmetic, a list, and ordinary code the tamper scan must leave alone
        "gradient_f": "def gradient_f(p, a, b):\n    x, y, z = p\n"
                      "    return [a * anp.exp(y * z) + b * y**2 * anp.cos(x), a * x * z * anp.exp(y * z) + 2 * b * y * anp.sin(x),\n"
                      "            a * x * y * anp.exp(y * z)]\n"
                      + _CLASS_AND_GC,
        "hessian_f": "def hessian_f(p, a, b):\n    x, y, z = p\n    e = anp.exp(y * z)\n"
                     "    fxy, fxz, fyz = a * z * e + 2 * b * y * anp.cos(x), a * y * e, a * x * e + a * x * y * z * e\n"
                     "    return [[-b * y**2 * anp.sin(x), fxy, fxz],\n"
                     "            [fxy, a * x * z**2 * e + 2 * b * anp.sin(x), fyz],\n"
                     "            [fxz, fyz, a * x * y**2 * e]]\n",
        "taylor": "g0 = 1\ngrad_g0 = [1, 0]\nH_g0 = [[0, 0], [0, 2]]\n\n\ndef taylor_model(d):\n"
                  "    return g0 + d[0] * grad_g0[0] + d[1] * grad_g0[1] + 0.5 * H_g0[1][1] * d[1] ** 2\n",
        "errors": "taylor_errors = [abs(float(g(x0 + t * np.ones(2))) - taylor_model(t * np.ones(2)))\n"
                  "                 for t in (0.1, 0.05, 0.025)]\n"
                  "error_order = np.round(np.log2(taylor_errors[1] / taylor_errors[2]))   # np.float64(3.0)\n",
        "q_symmetry": "q_symmetry = ' (B) '\n",
    },
    "ch02_curvature": {
        "curvatures": "eig_U = sorted(np.linalg.eigvals(np.array([[8.0, -3.0], [-3.0, 14.0]])).real.tolist())\n"
                      "long_axis = -np.linalg.eigh(np.array([[26.0, -10.0], [-10.0, 26.0]]))[1][:, 0]   # other sign\n",
        "classify": "def classify(H, tol=1e-8):\n    lam = np.linalg.eigvalsh(np.asarray(H, dtype=float))\n"
                    "    cut = tol * max(1.0, np.abs(lam).max())\n"
                    "    signs = {int(np.sign(l)) if abs(l) > cut else 0 for l in lam}\n"
                    "    if {1, -1} <= signs:\n        return 'saddle'\n"
                    "    return {frozenset({1}): 'minimum', frozenset({-1}): 'maximum'}.get(frozenset(signs), 'inconclusive')\n",
        "sylvester": "def leading_minors(H):\n    H = np.asarray(H, dtype=float)\n"
                     "    return np.array([np.linalg.det(H[:k, :k]) for k in range(1, len(H) + 1)])\n\n"
                     "definiteness = 'negative definite'\nf_is = 'strictly concave'\n",
    },
    "ch03_hvp": {
        # Richardson extrapolation of two central differences, (4 D(ε) − D(2ε)) / 3 (the same weights, another
        # derivation); ε ∝ (1 + ‖x‖)/‖v‖ (within the stated factor 4 of the rule); the points in another order;
        # lists in, a list out
        "fd_hvp": "def fd_hvp(grad_f, x, v, eps=None):\n    x, v = np.array(x, dtype=float), np.array(v, dtype=float)\n"
                  "    nv = np.sqrt(v @ v)\n    if nv == 0:\n        return np.zeros(x.shape)\n"
                  "    if eps is None:\n        eps = np.finfo(float).eps ** 0.2 * (1 + np.sqrt(x @ x)) / nv\n"
                  "    gm2, gp2 = np.asarray(grad_f(x - 2 * eps * v)), np.asarray(grad_f(x + 2 * eps * v))\n"
                  "    gm1, gp1 = np.asarray(grad_f(x - eps * v)), np.asarray(grad_f(x + eps * v))\n"
                  "    d1, d2 = (gp1 - gm1) / (2 * eps), (gp2 - gm2) / (4 * eps)\n"
                  "    return list((4 * d1 - d2) / 3)\n",
        "best_eps": "fd_errors = [rel_err(fd_hvp(grad_demo, x_demo, v_demo, eps=e), exact) for e in eps_grid]\n"
                    "eps_best = eps_grid[int(np.argmin(fd_errors))]\nbest_power = 0.2\n",
        # an Axes instead of a Figure, the points in reverse order, scales set by hand, the guide a scatter
        "fig_fd": "import matplotlib.pyplot as plt\n\nplt.figure()\nplt.plot(eps_grid[::-1], fd_errors[::-1], 'k.')\n"
                  "plt.scatter(eps_grid[:5], 1e-3 * eps_grid[:5] ** 4, marker='x')\n"
                  "plt.xscale('log')\nplt.yscale('log')\nplt.xlabel('eps')\nplt.ylabel('error')\nplt.title('V')\n"
                  "fig_fd = plt.gca()\n",
        "rop_hvp": "def rop_hvp(params, X, T, vec):\n    W1, b1, W2, b2 = params\n    V1, c1, V2, c2 = vec\n"
                   "    A = X @ W1.T + b1\n    Z = anp.log1p(anp.exp(A))\n    s = anp.exp(A) / (1 + anp.exp(A))\n"
                   "    RA = X @ V1.T + c1\n    RZ = s * RA\n"
                   "    Y = Z @ W2.T + b2\n    RY = RZ @ W2.T + Z @ V2.T + c2\n    D2 = Y - T\n    E1 = D2 @ W2\n"
                   "    RE1 = RY @ W2 + D2 @ V2\n    RD1 = s * (1 - s) * RA * E1 + s * RE1\n"
                   "    return [RD1.T @ X, RD1.sum(0), RY.T @ Z + D2.T @ RZ, RY.sum(0)]\n",
    },
    "ch04_optimization": {
        # CGNR: s = Aᵀb − AᵀA x updated by w = Aᵀ(A p), a textbook r0 = b − A x0 (one product more), a list out
        "cg": "def cgls(matvec, rmatvec, b, n, tol=1e-10, max_iter=None):\n    b = np.asarray(b, dtype=float)\n"
              "    x = np.zeros(n)\n    s = np.asarray(rmatvec(b - np.asarray(matvec(x))))\n    p = s.copy()\n"
              "    stop = tol * np.sqrt(s @ s)\n    for k in range(10 * n if max_iter is None else max_iter):\n"
              "        if not np.sqrt(s @ s) > stop:\n            break\n"
              "        w = np.asarray(rmatvec(np.asarray(matvec(p))))\n        alpha = (s @ s) / (p @ w)\n"
              "        x = x + alpha * p\n        s_new = s - alpha * w\n"
              "        p = s_new + (s_new @ s_new) / (s @ s) * p\n        s = s_new\n    return list(x)\n",
        # a while loop, r₀ = H·0 + g computed with one product more (the budget allows it), the curvature
        # tested as a Rayleigh quotient, lists out
        "newton_cg": "def inexact_newton_step(hvp, g, eta, max_iter=None):\n    g = np.asarray(g, dtype=float)\n"
                     "    limit = 2 * g.size if max_iter is None else max_iter\n    p = np.zeros(g.size)\n"
                     "    r = np.asarray(hvp(p)) + g\n    d = -r\n    j = 0\n"
                     "    while j < limit and np.sqrt(r @ r) > eta * np.sqrt(g @ g):\n"
                     "        Hd = np.asarray(hvp(d))\n        if (d @ Hd) / (d @ d) <= 0:\n"
                     "            return list(-g) if j == 0 else list(p)\n"
                     "        alpha = (r @ r) / (d @ Hd)\n        p = p + alpha * d\n        r_next = r + alpha * Hd\n"
                     "        d = -r_next + (r_next @ r_next) / (r @ r) * d\n        r = r_next\n        j += 1\n"
                     "    return list(p)\n",
        # a while loop on the gradient norm, α *= 0.5, η by np.minimum, keyword arguments, a list returned
        "newton_cg_outer": "def newton_cg_minimize(f, grad, hessp, x0, tol=1e-8, max_iter=100):\n"
                           "    x = np.asarray(x0, dtype=float).copy()\n    g = np.asarray(grad(x))\n    k = 0\n"
                           "    while np.sqrt(g @ g) > tol and k < max_iter:\n"
                           "        eta = np.minimum(0.5, np.sqrt(np.sqrt(g @ g)))\n"
                           "        p = np.asarray(inexact_newton_step(hvp=lambda v: hessp(x, v), g=g, eta=eta))\n"
                           "        t = 1.0\n        while not f(x + t * p) <= f(x) + 1e-4 * t * (g @ p):\n"
                           "            t *= 0.5\n        x = x + t * p\n        g = np.asarray(grad(x))\n        k += 1\n"
                           "    return x.tolist()\n",
        "rate": "H_sd = np.diag([1.0, 10.0])\nx = np.array([10.0, 1.0])\nf_values = []\nfor k in range(21):\n"
                "    f_values.append(0.5 * x @ H_sd @ x)\n    g = H_sd @ x\n    x = x - (g @ g) / (g @ H_sd @ g) * g\n"
                "measured_rate = f_values[-1] / f_values[-2]\npredicted_rate = (9 / 11) ** 2\nkappa_one_percent = 398\n",
        "q_cg": "q_cg = 'B.'\n",
    },
    "ch05_landscapes": {
        # σ = |Rayleigh quotient| (not ‖Hv‖), Rademacher starts, λ = σ − ‖(σI − H)q‖, a list and NumPy scalars returned
        "power": "def smallest_eigenpair(matvec, n, num_iters=300, seed=0):\n    rng = np.random.default_rng(seed)\n"
                 "    v = rng.choice([-1.0, 1.0], size=n) / np.sqrt(n)\n    for _ in range(num_iters):\n"
                 "        w = np.asarray(matvec(v))\n        v = w / np.sqrt(w @ w)\n    sigma = abs(v @ np.asarray(matvec(v)))\n"
                 "    q = rng.choice([-1.0, 1.0], size=n) / np.sqrt(n)\n    for _ in range(num_iters):\n"
                 "        w = sigma * q - np.asarray(matvec(q))\n        q = w / np.sqrt(w @ w)\n"
                 "    lam = sigma - np.linalg.norm(sigma * q - np.asarray(matvec(q)))\n"
                 "    return np.float64(lam), list(q), np.int64(2 * num_iters + 2)\n",
        # Lanczos: β q_prev subtracted after α, reorthogonalised twice by a loop (modified Gram-Schmidt), the pairs
        # returned in descending order, as lists
        "lanczos": "def lanczos_ritz(matvec, v0, k):\n    v0 = np.asarray(v0, dtype=float)\n    n = len(v0)\n"
                   "    basis, a, b = [v0 / np.sqrt(v0 @ v0)], [], []\n    for j in range(k):\n"
                   "        q = basis[-1]\n        w = np.asarray(matvec(q), dtype=float)\n        a.append(q @ w)\n"
                   "        w = w - a[-1] * q - (b[-1] * basis[-2] if j > 0 else 0.0)\n"
                   "        for _ in range(2):\n            for u in basis:\n                w = w - (u @ w) * u\n"
                   "        b.append(np.sqrt(w @ w))\n        basis.append(w / b[-1])\n"
                   "    T = np.diag(a) + np.diag(b[:-1], 1) + np.diag(b[:-1], -1)\n    theta, S = np.linalg.eigh(T)\n"
                   "    Y = np.column_stack(basis[:k]) @ S\n    order = np.argsort(-theta)\n"
                   "    return list(theta[order]), Y[:, order], list(b[-1] * np.abs(S[k - 1, order]))\n",
        # an Axes, |error| with abs, the bound first, the scale set afterwards
        "fig_ritz": "import matplotlib.pyplot as plt\n\nks = list(range(1, 21))\nruns = [lanczos_ritz(lambda v: A_plot @ v, v_plot, k) for k in ks]\n"
                    "tops = [int(np.argmax(r[0])) for r in runs]\n"
                    "plt.figure()\nplt.plot(ks, [r[2][t] for r, t in zip(runs, tops)], label='bound')\n"
                    "plt.plot(ks, [abs(np.max(r[0]) - 1.2) for r in runs], 'k.', label='error')\n"
                    "plt.yscale('log')\nplt.legend()\nplt.xlabel('k')\nplt.ylabel('size')\nplt.title('convergence')\n"
                    "fig_ritz = plt.gca()\n",
        # 50 steps, the eigenvector of the other sign, convex_at_w0 = 0
        "net_spectrum": "theta, Y, _ = lanczos_ritz(hvp_net, v_net, 50)\ni_min, i_max = int(np.argmin(theta)), int(np.argmax(theta))\n"
                        "lam_max_net, y_max_net = theta[i_max], -np.asarray(Y)[:, i_max]\n"
                        "lam_min_net, y_min_net = theta[i_min], -np.asarray(Y)[:, i_min]\nconvex_at_w0 = 0\n",
        # p(1 − p) = e^(−|z|) / (1 + e^(−|z|))², an einsum, a list out; eigvalsh().min(), logreg_convex = 1
        "logreg": "def logreg_hessian(X, y, w, lam):\n    X = np.asarray(X, dtype=float)\n    z = X @ np.asarray(w, dtype=float)\n"
                  "    e = np.exp(-np.abs(z))\n    s = e / (1 + e) ** 2\n"
                  "    return (np.einsum('i,ij,ik->jk', s, X, X) / X.shape[0] + lam * np.identity(X.shape[1])).tolist()\n",
        "logreg_convex": "min_eig_logreg = np.linalg.eigvalsh(logreg_hessian(X_lr, y_lr, w_lr, lam_lr)).min()\nlogreg_convex = 1\n",
        # Gaussian sketch and probes, the trace of QᵀHQ from a matrix of products
        "hutchpp": "def hutch_plus_plus(matvec, n, num_products, seed=0):\n    rng = np.random.default_rng(seed)\n"
                   "    k = num_products // 3\n    Y = np.array([matvec(s) for s in rng.standard_normal((k, n))]).T\n"
                   "    Q = np.linalg.qr(Y)[0]\n    t = np.trace(Q.T @ np.array([matvec(q) for q in Q.T]).T)\n"
                   "    G = rng.standard_normal((n, num_products - 2 * k))\n    G -= Q @ (Q.T @ G)\n"
                   "    return np.float64(t + np.mean([g @ matvec(g) for g in G.T]))\n\n\n"
                   "trace_net = hutch_plus_plus(hvp_net, P_net, 201, seed=3)\n",
    },
}

# the course's own truncated step (the solution's loop), for wrong answers made from it by one change
_STEP = ("def inexact_newton_step(hvp, g, eta, max_iter=None):\n    g = np.asarray(g, dtype=float)\n"
         "    p, r, d = np.zeros_like(g), g.copy(), -g\n    target = eta * np.linalg.norm(g)\n"
         "    if np.linalg.norm(r) <= target:\n        return p\n"
         "    for j in range(2 * g.size if max_iter is None else max_iter):\n"
         "        Hd = np.asarray(hvp(d), dtype=float)\n        dHd = d @ Hd\n        if dHd <= 0:\n"
         "            return -g if j == 0 else p\n        alpha = (r @ r) / dHd\n        p = p + alpha * d\n"
         "        r_new = r + alpha * Hd\n        if np.linalg.norm(r_new) <= target:\n            return p\n"
         "        d = -r_new + (r_new @ r_new) / (r @ r) * d\n        r = r_new\n    return p\n")

# answer cell -> (wrong answer, the parts it must fail)
WRONG = {
    "ch02_curvature": {
        "degenerate": ("H0 = np.zeros((2, 2))\ntest_says = {'x4+y4': classify(H0), 'x4-y4': classify(H0)}\n"
                       "truth = {'x4+y4': 'minimum', 'x4-y4': 'inconclusive'}\n", ["test_degenerate"]),
    },
    "ch03_hvp": {
        # a softplus-free R-operator that is the chapter's tanh network copied: wrong on this exercise's network
        "rop_hvp": ("def rop_hvp(params, X, T, vec):\n    W1, b1, W2, b2 = params\n    V1, c1, V2, c2 = vec\n"
                    "    A = X @ W1.T + b1\n    Z = np.tanh(A)\n    dh = 1 - Z ** 2\n    RA = X @ V1.T + c1\n    RZ = dh * RA\n"
                    "    Y = Z @ W2.T + b2\n    RY = RZ @ W2.T + Z @ V2.T + c2\n    D2 = Y - T\n    E1 = D2 @ W2\n"
                    "    RE1 = RY @ W2 + D2 @ V2\n    RD1 = -2 * Z * dh * RA * E1 + dh * RE1\n"
                    "    return (RD1.T @ X, RD1.sum(0), RY.T @ Z + D2.T @ RZ, RY.sum(0))\n",
                    ["test_rop_hvp", "test_rop_hidden"]),
        # a second-order difference on the right four points: the mean of the central differences at ε and 2ε
        # (truncation O(ε²)): the ε rule and v = 0 are right, the accuracy is not
        "fd_hvp": ("def fd_hvp(grad_f, x, v, eps=None):\n    x, v = np.asarray(x, float), np.asarray(v, float)\n"
                   "    n = np.linalg.norm(v)\n    if n == 0:\n        return np.zeros_like(x)\n"
                   "    eps = np.finfo(float).eps ** (1 / 5) * max(1.0, np.linalg.norm(x)) / n if eps is None else eps\n"
                   "    g = [np.asarray(grad_f(x + k * eps * v)) for k in (1, -1, 2, -2)]\n"
                   "    return 0.5 * ((g[0] - g[1]) / (2 * eps) + (g[2] - g[3]) / (4 * eps))\n",
                   ["test_fd_hvp", "test_best_eps"]),
    },
    "ch04_optimization": {
        # CGLS that forms AᵀA from 2n products, then runs CG on it: right x, but the budget and max_iter are broken
        "cg": ("def cgls(matvec, rmatvec, b, n, tol=1e-10, max_iter=None):\n    b = np.asarray(b, dtype=float)\n"
               "    N = np.column_stack([rmatvec(matvec(e)) for e in np.eye(n)])\n    c = np.asarray(rmatvec(b))\n"
               "    x = np.zeros(n)\n    r = c.copy()\n    p = r.copy()\n"
               "    for _ in range(10 * n if max_iter is None else max_iter):\n"
               "        if np.linalg.norm(r) <= tol * np.linalg.norm(c):\n            break\n"
               "        Np = N @ p\n        alpha = (r @ r) / (p @ Np)\n        x = x + alpha * p\n"
               "        r_new = r - alpha * Np\n        p = r_new + (r_new @ r_new) / (r @ r) * p\n        r = r_new\n"
               "    return x\n",
               ["test_cg_budget"]),
        # the forcing term ignored: CG solved to 1e-10 every time (right steps, too many products)
        "newton_cg": ("def inexact_newton_step(hvp, g, eta, max_iter=None):\n    g = np.asarray(g, dtype=float)\n"
                      "    p, r, d = np.zeros_like(g), g.copy(), -g\n"
                      "    for j in range(2 * g.size if max_iter is None else max_iter):\n"
                      "        if np.linalg.norm(r) <= 1e-10 * np.linalg.norm(g):\n            break\n"
                      "        Hd = np.asarray(hvp(d))\n        if d @ Hd <= 0:\n            return -g if j == 0 else p\n"
                      "        alpha = (r @ r) / (d @ Hd)\n        p = p + alpha * d\n        r_new = r + alpha * Hd\n"
                      "        d = -r_new + (r_new @ r_new) / (r @ r) * d\n        r = r_new\n    return p\n",
                      ["test_newton_cg_budget"]),
        # the forcing term without its square root, η_k = min(0.5, ‖g_k‖): converges, but not the sequence asked
        "newton_cg_outer": ("def newton_cg_minimize(f, grad, hessp, x0, tol=1e-8, max_iter=100):\n"
                            "    x = np.array(x0, dtype=float)\n    for _ in range(max_iter):\n        g = grad(x)\n"
                            "        if np.linalg.norm(g) <= tol:\n            break\n"
                            "        p = inexact_newton_step(lambda d: hessp(x, d), g, min(0.5, np.linalg.norm(g)))\n"
                            "        alpha = 1.0\n        while f(x + alpha * p) > f(x) + 1e-4 * alpha * (g @ p):\n"
                            "            alpha /= 2\n        x = x + alpha * p\n    return x\n",
                            ["test_newton_cg_outer_rules"]),
    },
    "ch05_landscapes": {
        # σ taken as the signed dominant eigenvalue and λ = σ − ‖(σI − H)q‖: right while the dominant eigenvalue is
        # positive, wrong when it is negative (and so on −H, which the network part uses for λ_max)
        "power": ("def smallest_eigenpair(matvec, n, num_iters=300, seed=0):\n    rng = np.random.default_rng(seed)\n"
                  "    v = rng.normal(size=n)\n    v /= np.linalg.norm(v)\n    for _ in range(num_iters):\n"
                  "        w = matvec(v)\n        v = w / np.linalg.norm(w)\n    sigma = v @ matvec(v)\n"
                  "    q = rng.normal(size=n)\n    q /= np.linalg.norm(q)\n    for _ in range(num_iters):\n"
                  "        w = sigma * q - matvec(q)\n        q = w / np.linalg.norm(w)\n"
                  "    return sigma - np.linalg.norm(sigma * q - matvec(q)), q, 2 * num_iters + 2\n",
                  ["test_power_negative"]),
        # Lanczos with the plain three-term recurrence (no reorthogonalisation): the extremes and the certificate are
        # right, but on the clustered spectrum ghost copies of λ_max and λ_min appear among the Ritz values
        "lanczos": ("def lanczos_ritz(matvec, v0, k):\n    v0 = np.asarray(v0, dtype=float)\n"
                    "    Q, alpha, beta = np.zeros((v0.size, k)), np.zeros(k), np.zeros(k)\n"
                    "    q, q_prev, b = v0 / np.linalg.norm(v0), np.zeros(v0.size), 0.0\n    for j in range(k):\n"
                    "        Q[:, j] = q\n        w = matvec(q) - b * q_prev\n        alpha[j] = q @ w\n"
                    "        w = w - alpha[j] * q\n        beta[j] = b = np.linalg.norm(w)\n        q_prev, q = q, w / b\n"
                    "    theta, S = np.linalg.eigh(np.diag(alpha) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1))\n"
                    "    return theta, Q @ S, beta[-1] * np.abs(S[-1])\n",
                    ["test_lanczos_ritz"]),
        # the bound of the bottom Ritz pair plotted (eigh sorts ascending: the top pair is the last)
        "fig_ritz": ("import matplotlib.pyplot as plt\n\nruns = [lanczos_ritz(lambda v: A_plot @ v, v_plot, k) for k in range(1, 21)]\n"
                     "fig_ritz, ax = plt.subplots()\nax.semilogy(range(1, 21), [1.2 - r[0][-1] for r in runs], label='error')\n"
                     "ax.semilogy(range(1, 21), [r[2][0] for r in runs], label='bound')\n"
                     "ax.set(xlabel='k', ylabel='error', title='Lanczos')\nax.legend()\n",
                     ["test_fig_ritz_bound"]),
        # eigh's ascending order read the wrong way round: λ_max and λ_min swapped, so convex_at_w0 is wrong too
        "net_spectrum": ("theta_net, Y_net, _ = lanczos_ritz(hvp_net, v_net, 40)\n"
                         "lam_max_net, y_max_net = theta_net[0], Y_net[:, 0]\nlam_min_net, y_min_net = theta_net[-1], Y_net[:, -1]\n"
                         "convex_at_w0 = bool(lam_min_net >= 0)\n",
                         ["test_net_max", "test_net_min", "test_net_convex"]),
        # the regulariser's λI forgotten: wrong wherever λ > 0, and so is the smallest eigenvalue at w_lr
        "logreg": ("def logreg_hessian(X, y, w, lam):\n    z = X @ w\n    p = 0.5 * (1 + np.tanh(z / 2))\n"
                   "    return X.T @ ((p * (1 - p))[:, None] * X) / len(X)\n",
                   ["test_logreg", "test_logreg_large", "test_logreg_convex"]),
        # the chapter's plain Hutchinson pasted under the new name: not exact on low rank, too noisy
        "hutchpp": ("def hutch_plus_plus(matvec, n, num_products, seed=0):\n    rng = np.random.default_rng(seed)\n"
                    "    z = rng.choice([-1.0, 1.0], size=(num_products, n))\n"
                    "    return float(np.mean([v @ matvec(v) for v in z]))\n\n\n"
                    "trace_net = hutch_plus_plus(hvp_net, P_net, 201)\n",
                    ["test_hutchpp", "test_hutchpp_decay"]),
    },
}

# more wrong answers for one cell, checked by the outside checks only (the grader run takes one per cell):
# assignment -> [(answer cell, wrong answer, the parts it must fail)]
WRONG_MORE = {
    "ch04_optimization": [
        # the negative-curvature direction d itself returned, not the iterate p_j built before it
        ("newton_cg", _STEP.replace("return -g if j == 0 else p", "return -g if j == 0 else d"),
         ["test_newton_cg_negative"]),
        # p = 0 on negative curvature at the first iteration (a step that goes nowhere) instead of −g
        ("newton_cg", _STEP.replace("return -g if j == 0 else p", "return np.zeros_like(g) if j == 0 else p"),
         ["test_newton_cg_negative"]),
        # hvplib's truncated_cg exit pasted: steepest descent scaled by the curvature, (gᵀg / |gᵀHg|)·(−g)
        ("newton_cg", _STEP.replace("return -g if j == 0 else p", "return -g * (g @ g) / abs(dHd) if j == 0 else p"),
         ["test_newton_cg_negative"]),
        # the chapter's CG (r = b − Ax, no curvature test) called with b = −g and rtol = η: right on positive definite
        # Hessians (the forcing term is its stopping test), wrong where the curvature is negative
        ("newton_cg", "def inexact_newton_step(hvp, g, eta, max_iter=None):\n    b = -np.asarray(g, dtype=float)\n"
                      "    x, r = np.zeros_like(b), b.copy()\n    p, rr = r.copy(), r @ r\n"
                      "    for _ in range(max_iter or 10 * b.size):\n"
                      "        if np.sqrt(rr) <= eta * np.linalg.norm(b):\n            break\n"
                      "        Ap = np.asarray(hvp(p))\n        alpha = rr / (p @ Ap)\n"
                      "        x, r = x + alpha * p, r - alpha * Ap\n        rr, rr_old = r @ r, rr\n"
                      "        p = r + (rr / rr_old) * p\n    return x\n",
         ["test_newton_cg_negative"]),
        # a sign error: CG on H p = +g (d₀ = +g, r = g − Hp), the chapter's b − Ax with b = g
        ("newton_cg", _STEP.replace("p, r, d = np.zeros_like(g), g.copy(), -g", "p, r, d = np.zeros_like(g), g.copy(), g.copy()")
                           .replace("r_new = r + alpha * Hd", "r_new = r - alpha * Hd")
                           .replace("d = -r_new +", "d = r_new +"),
         ["test_newton_cg", "test_newton_cg_budget", "test_newton_cg_negative"]),
    ],
    "ch05_landscapes": [
        # plain power iteration: the eigenvalue of largest magnitude, right only when that one is negative
        ("power", "def smallest_eigenpair(matvec, n, num_iters=300, seed=0):\n    v = np.random.default_rng(seed).normal(size=n)\n"
                  "    v /= np.linalg.norm(v)\n    for _ in range(num_iters):\n        w = matvec(v)\n"
                  "        v = w / np.linalg.norm(w)\n    return float(v @ matvec(v)), v, num_iters + 1\n",
         ["test_power"]),
        # the residuals ‖Hy − θy‖ computed with k more products: right values, but the certificate is not free
        ("lanczos", "def lanczos_ritz(matvec, v0, k):\n    v0 = np.asarray(v0, dtype=float)\n"
                    "    Q, alpha, beta = np.zeros((v0.size, k)), np.zeros(k), np.zeros(k)\n"
                    "    q, q_prev, b = v0 / np.linalg.norm(v0), np.zeros(v0.size), 0.0\n    for j in range(k):\n"
                    "        Q[:, j] = q\n        w = matvec(q) - b * q_prev\n        alpha[j] = q @ w\n"
                    "        w = w - alpha[j] * q\n        w = w - Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)\n"
                    "        beta[j] = b = np.linalg.norm(w)\n        q_prev, q = q, w / b\n"
                    "    theta, S = np.linalg.eigh(np.diag(alpha) + np.diag(beta[:-1], 1) + np.diag(beta[:-1], -1))\n"
                    "    Y = Q @ S\n"
                    "    return theta, Y, np.array([np.linalg.norm(matvec(y) - t * y) for t, y in zip(theta, Y.T)])\n",
         ["test_lanczos_certificate"]),
        # chapter 05's loop, which stops before the k-th β: the bound uses β_{k−1} (and 0 for k = 1)
        ("lanczos", "def lanczos_ritz(matvec, v0, k):\n    v0 = np.asarray(v0, dtype=float)\n"
                    "    Q, alpha, beta = np.zeros((v0.size, k)), np.zeros(k), np.zeros(k - 1)\n"
                    "    q, q_prev, b = v0 / np.linalg.norm(v0), np.zeros(v0.size), 0.0\n    for j in range(k):\n"
                    "        Q[:, j] = q\n        w = matvec(q) - b * q_prev\n        alpha[j] = q @ w\n"
                    "        w = w - alpha[j] * q\n        w = w - Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)\n"
                    "        if j < k - 1:\n            beta[j] = b = np.linalg.norm(w)\n            q_prev, q = q, w / b\n"
                    "    theta, S = np.linalg.eigh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))\n"
                    "    return theta, Q @ S, b * np.abs(S[-1])\n",
         ["test_lanczos_certificate", "test_fig_ritz_bound"]),
        # p(1 − p) as e^z / (1 + e^z)²: inf / inf = NaN once e^z overflows
        ("logreg", "def logreg_hessian(X, y, w, lam):\n    e = np.exp(X @ w)\n"
                   "    return X.T @ ((e / (1 + e) ** 2)[:, None] * X) / len(X) + lam * np.eye(X.shape[1])\n",
         ["test_logreg_large"]),
        # a linear y-axis: the data are right, the figure cannot show eight decades
        ("fig_ritz", "import matplotlib.pyplot as plt\n\nruns = [lanczos_ritz(lambda v: A_plot @ v, v_plot, k) for k in range(1, 21)]\n"
                     "fig_ritz, ax = plt.subplots()\nax.plot(range(1, 21), [1.2 - r[0][-1] for r in runs], label='error')\n"
                     "ax.plot(range(1, 21), [r[2][-1] for r in runs], label='bound')\n"
                     "ax.set(xlabel='k', ylabel='error', title='Lanczos')\nax.legend()\n",
         ["test_fig_ritz_bound"]),
        # Hutchinson on H instead of (I − QQᵀ)H(I − QQᵀ): the sketched part is counted twice
        ("hutchpp", "def hutch_plus_plus(matvec, n, num_products, seed=0):\n    rng = np.random.default_rng(seed)\n"
                    "    k = num_products // 3\n    S = rng.choice([-1.0, 1.0], size=(n, k))\n"
                    "    Q = np.linalg.qr(np.column_stack([matvec(s) for s in S.T]))[0]\n"
                    "    z = rng.choice([-1.0, 1.0], size=(num_products - 2 * k, n))\n"
                    "    return sum(q @ matvec(q) for q in Q.T) + np.mean([g @ matvec(g) for g in z])\n\n\n"
                    "trace_net = hutch_plus_plus(hvp_net, P_net, 201)\n",
         ["test_hutchpp", "test_hutchpp_decay"]),
    ],
}
