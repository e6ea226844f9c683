"""The variant-answer corpus (issue 21): correct answers written differently, and wrong answers that used to pass.

``VARIANTS[assignment]`` maps an answer cell's grade id to a correct answer a reasonable student could write
(another type, another formula, another algorithm); a notebook with all of them must score full marks.
``WRONG[assignment]`` maps a grade id to a wrong answer and the parts it must fail; every other part keeps its
points. ``HONEST_CODE`` is ordinary code the tamper scan must not flag. Used by ``tests/test_grading_variants.py``
(in-process checks, fast) and by its nbgrader run (the real grader, hidden tests and outside checks).
"""

# the assignments issue 21 reworked, and those of chapters 06-08 (issue 18), which follow the same mix
ASSIGNMENTS = ["ch01_definition", "ch02_curvature", "ch03_hvp", "ch04_optimization", "ch05_landscapes",
               "ch06_applications", "ch07_hands_on", "ch08_curvature"]

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

# ch03 Part 4 (Pearlmutter's trick with autograd): the solution's two functions, for the wrong answers
# that change only one of them
_P_SOL = ("def pearlmutter_hvp(f, x, v):\n    grad_f = autograd.grad(f)\n"
          "    return autograd.grad(lambda y: anp.sum(grad_f(y) * v))(x)\n\n\n")
_C_SOL = ("def curvature_gradient(f, x, v):\n"
          "    return autograd.grad(lambda y: anp.sum(pearlmutter_hvp(f, y, v) * v))(x)\n")

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
        # the models from the student's own gradient_f / hessian_f, lists, the points reversed, the guides as
        # scatters over four steps, pyplot's state interface, an Axes for the figure
        "fig_taylor": "g_p, H_p = gradient_f(p_plot, a_plot, b_plot), np.array(hessian_f(p_plot, a_plot, b_plot))\n"
                      "ts = list(t_plot[::-1])\n"
                      "lin = [abs(f_plot(p_plot + t * u_plot) - f_plot(p_plot) - t * np.dot(g_p, u_plot)) for t in ts]\n"
                      "quad = [abs(f_plot(p_plot + t * u_plot) - f_plot(p_plot) - t * np.dot(g_p, u_plot)\n"
                      "            - t * t * (u_plot @ H_p @ u_plot) / 2) for t in ts]\n"
                      "plt.figure()\nplt.plot(ts, lin, label='linear model')\nplt.plot(ts, quad, label='quadratic model')\n"
                      "big = np.array(ts[-4:])\nplt.scatter(big, 0.5 * big ** 2, marker='x')\n"
                      "plt.scatter(big, 0.2 * big ** 3, marker='+')\n"
                      "plt.xscale('log')\nplt.yscale('log')\nplt.xlabel('t')\nplt.ylabel('|f - m|')\n"
                      "plt.title('orders')\nplt.legend()\nfig_taylor = plt.gca()\n",
    },
    "ch02_curvature": {
        # the closed form a + b ∓ √((a − b)² + c²) as a list; the semi-axis from A = H/2 and the other sign, a tuple
        "curvatures": "def curvatures(a, b, c):\n    root = np.hypot(a - b, c)\n    return [a + b - root, a + b + root]\n\n\n"
                      "def long_semi_axis(a, b, c, level):\n    mu, vecs = np.linalg.eigh([[a, c / 2], [c / 2, b]])\n"
                      "    return np.float64(np.sqrt(level / mu[0])), list(-vecs[:, 0])\n",
        "classify": "def classify(H, tol=1e-8):\n    lam = np.linalg.eigvalsh(np.asarray(H, dtype=float))\n"
                    "    cut = tol * max(1.0, np.abs(lam).max())\n"
                    "    signs = {int(np.sign(l)) if abs(l) > cut else 0 for l in lam}\n"
                    "    if {1, -1} <= signs:\n        return 'saddle'\n"
                    "    return {frozenset({1}): 'minimum', frozenset({-1}): 'maximum'}.get(frozenset(signs), 'inconclusive')\n",
        # minors as an array; the thresholds as NumPy scalars from the roots of D3 = s³ − 2s
        "sylvester": "def leading_minors(H):\n    H = np.asarray(H, dtype=float)\n"
                     "    return np.array([np.linalg.det(H[:k, :k]) for k in range(1, len(H) + 1)])\n\n"
                     "roots = np.roots([1.0, 0.0, -2.0, 0.0])\ns_convex = roots.real.max()\ns_concave = roots.real.min()\n",
        # the Hessian as nested lists, the null direction from eigh (the other sign), the verdict from f itself along
        # ±t·v at t = 0.01 (numbers, not the derivation)
        "degenerate3": "def hessian_origin(p, q, r):\n    return [[2 * p, 0, 0], [0, 2 * q, 2 * r], [0, 2 * r, 2 * r * r / q]]\n\n\n"
                       "def null_direction(p, q, r):\n    lam, vecs = np.linalg.eigh(np.array(hessian_origin(p, q, r), dtype=float))\n"
                       "    return -vecs[:, np.argmin(np.abs(lam))]\n\n\n"
                       "def nature(p, q, r, k, m):\n    lam = np.linalg.eigvalsh(np.array(hessian_origin(p, q, r), dtype=float))\n"
                       "    big = lam[np.abs(lam) > 1e-9]\n    if big.min() < 0 < big.max():\n        return 'saddle'\n"
                       "    v = np.asarray(null_direction(p, q, r))\n"
                       "    ends = [f5(s * 0.01 * v, p, q, r, k, m) for s in (1.0, -1.0)]\n"
                       "    if ends[0] * ends[1] < 0:\n        return 'saddle'\n"
                       "    if np.sign(ends[0]) == np.sign(big[0]):\n        return 'minimum' if big[0] > 0 else 'maximum'\n"
                       "    return 'saddle'\n",
        # the stiff line first, as a scatter, with −w and −v; pyplot's state interface; an Axes for the figure
        "fig_null": "H5 = np.array(hessian_origin(1.0, 2.0, -2.0), dtype=float)\nlam5, vecs5 = np.linalg.eigh(H5)\n"
                    "plt.figure()\nplt.scatter(t5, [f5(-t * vecs5[:, 2], **p5) for t in t5], label='stiff')\n"
                    "plt.plot(t5, [f5(-t * np.asarray(null_direction(1.0, 2.0, -2.0)), **p5) for t in t5], label='null')\n"
                    "plt.xlabel('t')\nplt.ylabel('f')\nplt.title('two lines')\nplt.legend()\nfig_null = plt.gca()\n",
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
        # forward over reverse (make_jvp of grad), arrays copied; the curvature vᵀHv by forward over forward,
        # then one reverse pass (not through pearlmutter_hvp); nested lists out
        "pearlmutter": ("def pearlmutter_hvp(f, x, v):\n    x, v = np.array(x, dtype=float), np.array(v, dtype=float)\n"
                       "    return autograd.make_jvp(autograd.grad(f))(x)(v)[1]       # forward over reverse\n\n\n"
                       "def curvature_gradient(f, x, v):\n"
                       "    along_v = lambda z: autograd.make_jvp(f)(z)(v)[1]              # ∇f(z)ᵀv, forward mode\n"
                       "    curvature = lambda y: autograd.make_jvp(along_v)(y)(v)[1]       # vᵀH(y)v, forward over forward\n"
                       "    return autograd.grad(curvature)(np.array(x, dtype=float)).tolist()   # nested lists\n"),
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

# ch02's answers as the solutions write them (the wrong answers below change one thing each)
CURVATURES = ("def curvatures(a, b, c):\n    H = np.array([[2.0 * a, c], [c, 2.0 * b]])\n    return np.linalg.eigvalsh(H)\n\n\n"
              "def long_semi_axis(a, b, c, level):\n    lam, vecs = np.linalg.eigh(np.array([[2.0 * a, c], [c, 2.0 * b]]))\n"
              "    return np.sqrt(2.0 * level / lam[0]), vecs[:, 0]\n")
SYLVESTER = ("def leading_minors(H):\n    H = np.asarray(H, dtype=float)\n"
             "    return [float(np.linalg.det(H[:k, :k])) for k in range(1, H.shape[0] + 1)]\n\n\n"
             "s_convex = np.sqrt(2.0)\ns_concave = -np.sqrt(2.0)\n")
DEGENERATE3 = ("def hessian_origin(p, q, r):\n    return np.array([[2.0 * p, 0.0, 0.0],\n"
               "                     [0.0, 2.0 * q, 2.0 * r],\n                     [0.0, 2.0 * r, 2.0 * r**2 / q]])\n\n\n"
               "def null_direction(p, q, r):\n    v = np.array([0.0, -r, q])\n    return v / np.linalg.norm(v)\n\n\n"
               "def nature(p, q, r, k, m):\n    if p * q < 0:\n        return 'saddle'\n    if k != 0:\n        return 'saddle'\n"
               "    if np.sign(m) == np.sign(q):\n        return 'minimum' if q > 0 else 'maximum'\n    return 'saddle'\n")
FIG_NULL = ("lam5, vecs5 = np.linalg.eigh(autograd.hessian(lambda w: f5(w, **p5))(np.zeros(3)))\n"
            "v5 = vecs5[:, 0]\nw5 = vecs5[:, -1]\nfig_null, ax = plt.subplots()\n"
            "ax.plot(t5, [f5(t * v5, **p5) for t in t5], label='v')\nax.plot(t5, [f5(t * w5, **p5) for t in t5], label='w')\n"
            "ax.set_xlabel('t')\nax.set_ylabel('f')\nax.set_title('f along v and w')\nax.legend()\n")

# ch01's plot, with the second-order term's factor {half} (0.5 is right)
FIG_TAYLOR = ("g_p, H_p = autograd.grad(f_plot)(p_plot), autograd.hessian(f_plot)(p_plot)\n"
              "e1 = np.array([abs(f_plot(p_plot + t * u_plot) - f_plot(p_plot) - t * g_p @ u_plot) for t in t_plot])\n"
              "e2 = np.array([abs(f_plot(p_plot + t * u_plot) - f_plot(p_plot) - t * g_p @ u_plot\n"
              "                   - {half} * t ** 2 * u_plot @ H_p @ u_plot) for t in t_plot])\n"
              "fig_taylor, ax = plt.subplots()\nax.loglog(t_plot, e1, label='e1')\nax.loglog(t_plot, e2, label='e2')\n"
              "ax.loglog(t_plot, e1[0] * (t_plot / 0.4) ** 2, '--')\nax.loglog(t_plot, e2[0] * (t_plot / 0.4) ** 3, '--')\n"
              "ax.set_xlabel('t')\nax.set_ylabel('error')\nax.set_title('models')\nax.legend()\n")

# answer cell -> (wrong answer, the parts it must fail)
WRONG = {
    "ch01_definition": {
        # ∂f/∂z without the factor x of the chain rule: x and y components right
        "gradient_f": ("def gradient_f(p, a, b):\n    x, y, z = p\n    e = np.exp(y * z)\n"
                       "    return np.array([a * e + b * y**2 * np.cos(x), a * x * z * e + 2 * b * y * np.sin(x), a * y * e])\n",
                       ["test_gradient_yz"]),
        # the second-order model without the ½: e2 of order t², the guides and labels right
        "fig_taylor": (FIG_TAYLOR.format(half="1.0"), ["test_fig_taylor"]),
    },
    "ch02_curvature": {
        # the semi-axis from H instead of A = H/2 (r² λ_min = level): too short by √2
        "curvatures": (CURVATURES.replace("np.sqrt(2.0 * level / lam[0])", "np.sqrt(level / lam[0])"), ["test_long_axis"]),
        # only D1 and D2 checked (s > 1, s < −1)
        "sylvester": (SYLVESTER.replace("np.sqrt(2.0)", "1.0"), ["test_sylvester_family"]),
        # the cubic term ignored: the quartic decides every semidefinite case
        "degenerate3": (DEGENERATE3.replace("if k != 0:", "if False:"), ["test_nature"]),
        # v not normalised: f(t·(0, −r, q))
        "fig_null": (FIG_NULL.replace("v5 = vecs5[:, 0]", "v5 = np.array([0.0, 2.0, 2.0])"), ["test_fig_null"]),
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
        # Part 4, an ordering error: differentiated with respect to v instead of x, it returns ∇f(x), not Hv
        "pearlmutter": ("def pearlmutter_hvp(f, x, v):\n"
                        "    return autograd.grad(lambda w: anp.sum(autograd.grad(f)(x) * w))(v)\n\n\n" + _C_SOL,
                        ["test_pearlmutter", "test_pearlmutter_cost"]),
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
    "ch03_hvp": [
        # the chapter's cell pasted: anp.dot(∇f, v) is a matrix product for a matrix argument, not ⟨∇f, V⟩
        ("pearlmutter", "def pearlmutter_hvp(f, x, v):\n    grad_f = autograd.grad(f)\n"
                        "    return autograd.grad(lambda y: anp.dot(grad_f(y), v))(x)\n\n\n" + _C_SOL,
         ["test_pearlmutter"]),
        # Part 1's fourth-order difference: a few passes, but its round-off (∝ ‖∇f‖) misses 1e-10
        ("pearlmutter", "def pearlmutter_hvp(f, x, v):\n    return fd_hvp(autograd.grad(f), x, v)\n\n\n" + _C_SOL,
         ["test_pearlmutter"]),
        # the dense Hessian (n reverse passes) times v: exact, but 10^5 passes at n = 10^5 (80 GB)
        ("pearlmutter", "def pearlmutter_hvp(f, x, v):\n    x = np.asarray(x, dtype=float)\n"
                        "    H = autograd.jacobian(autograd.grad(f))(x).reshape(x.size, x.size)\n"
                        "    return (H @ np.ravel(v)).reshape(x.shape)\n\n\n" + _C_SOL,
         ["test_pearlmutter_cost"]),
        # the HVP taken at the fixed x, outside the traced function: "detached", its gradient is 0
        ("pearlmutter", _P_SOL + "def curvature_gradient(f, x, v):\n    hv_x = pearlmutter_hvp(f, x, v)\n"
                                 "    return autograd.grad(lambda y: anp.sum(hv_x * v))(x)\n",
         ["test_curvature_gradient"]),
        # nested in the wrong place: H(Hv), not ∇(vᵀHv)
        ("pearlmutter", _P_SOL + "def curvature_gradient(f, x, v):\n"
                                 "    return pearlmutter_hvp(f, x, pearlmutter_hvp(f, x, v))\n",
         ["test_curvature_gradient"]),
        # a central difference of exact HVPs along v: cheap, but its round-off (∝ ‖Hv‖) misses 1e-9
        ("pearlmutter", _P_SOL + "def curvature_gradient(f, x, v):\n    x, v = np.asarray(x, float), np.asarray(v, float)\n"
                                 "    h = 1e-4 * max(1.0, np.linalg.norm(x)) / np.linalg.norm(v)\n"
                                 "    return (pearlmutter_hvp(f, x + h * v, v) - pearlmutter_hvp(f, x - h * v, v)) / (2 * h)\n",
         ["test_curvature_gradient"]),
    ],
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
    "ch02_curvature": [
        # the Hessian taken as [[a, c/2], [c/2, b]] (the matrix of the form, half the Hessian)
        ("curvatures", CURVATURES.replace("[[2.0 * a, c], [c, 2.0 * b]])\n    return", "[[a, c / 2], [c / 2, b]])\n    return"),
         ["test_curvatures"]),
        # the long axis along the largest curvature
        ("curvatures", CURVATURES.replace("lam[0]), vecs[:, 0]", "lam[1]), vecs[:, 1]"), ["test_long_axis"]),
        # trailing minors (bottom-right blocks)
        ("sylvester", SYLVESTER.replace("H[:k, :k]", "H[-k:, -k:]"), ["test_sylvester"]),
        # a sign slip: concave for s < +√2
        ("sylvester", SYLVESTER.replace("s_concave = -np.sqrt(2.0)", "s_concave = np.sqrt(2.0)"), ["test_sylvester_family"]),
        # s taken as r instead of r²/q
        ("degenerate3", DEGENERATE3.replace("2.0 * r**2 / q", "2.0 * r"), ["test_hessian_origin"]),
        # the 2 of 2r·yz dropped
        ("degenerate3", DEGENERATE3.replace("[0.0, 2.0 * q, 2.0 * r],\n                     [0.0, 2.0 * r,",
                                            "[0.0, 2.0 * q, r],\n                     [0.0, r,"), ["test_hessian_origin"]),
        # a sign slip in the null direction, and one left unnormalised
        ("degenerate3", DEGENERATE3.replace("v = np.array([0.0, -r, q])", "v = np.array([0.0, r, q])"), ["test_null_direction"]),
        ("degenerate3", DEGENERATE3.replace("return v / np.linalg.norm(v)", "return v"), ["test_null_direction"]),
        # the indefinite case forgotten: the null direction decides everything
        ("degenerate3", DEGENERATE3.replace("if p * q < 0:", "if False:"), ["test_nature"]),
        # no legend; w the eigenvector of the middle eigenvalue
        ("fig_null", FIG_NULL.replace("ax.legend()\n", ""), ["test_fig_null"]),
        ("fig_null", FIG_NULL.replace("vecs5[:, -1]", "vecs5[:, 1]"), ["test_fig_null"]),
    ],
    "ch01_definition": [
        # ∂f/∂x with the derivative of sin x taken as −cos x
        ("gradient_f", "def gradient_f(p, a, b):\n    x, y, z = p\n    e = np.exp(y * z)\n"
                       "    return np.array([a * e - b * y**2 * np.cos(x), a * x * z * e + 2 * b * y * np.sin(x), a * x * y * e])\n",
         ["test_gradient_f"]),
        # ∂f/∂y without the 2 of y²
        ("gradient_f", "def gradient_f(p, a, b):\n    x, y, z = p\n    e = np.exp(y * z)\n"
                       "    return np.array([a * e + b * y**2 * np.cos(x), a * x * z * e + b * y * np.sin(x), a * x * y * e])\n",
         ["test_gradient_yz"]),
        # the step along (2, −1, 2), not the unit vector u_plot
        ("fig_taylor", FIG_TAYLOR.format(half="0.5").replace("u_plot", "(3 * u_plot)"), ["test_fig_taylor"]),
        # guides of slopes 1 and 2 (the orders of the models, not of their errors), linear axes
        ("fig_taylor", FIG_TAYLOR.format(half="0.5").replace("0.4) ** 2", "0.4) ** 1").replace("0.4) ** 3", "0.4) ** 2")
                                                      .replace("ax.loglog", "ax.plot"), ["test_fig_taylor_style"]),
        # no legend and no title
        ("fig_taylor", FIG_TAYLOR.format(half="0.5").replace("ax.legend()", "").replace("ax.set_title('models')", ""),
         ["test_fig_taylor_style"]),
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


# ---------------------------------------------------------------------------------------------------
# ch06–ch08 (they follow the mix since issue 18). tests/test_exercises_later.py grades one variant and one
# wrong notebook per assignment; the entries here are other ones: other algorithms and types, and other mistakes.
# ---------------------------------------------------------------------------------------------------

# ch07: Nielsen's rule and an lm_step by CG (the solution's, written again), for the wrong answers that change one
_NIELSEN_CH07 = ("def nielsen_update(lam, rho):\n    if rho > 0:\n        return lam * max(1 / 3, 1 - (2 * rho - 1) ** 3), True\n"
                 "    return 2 * lam, False\n\n\n")
_LM_STEP_CH07 = ("def lm_step(residual, jvp, vjp, w, lam):\n    w = np.asarray(w, dtype=float)\n    r = residual(w)\n    g = vjp(w, r)\n"
                 "    p, res = np.zeros_like(w), -g\n    d, rr = res.copy(), res @ res\n    for _ in range(10 * len(w)):\n"
                 "        if np.sqrt(rr) <= 1e-10 * np.linalg.norm(g):\n            break\n"
                 "        Ad = vjp(w, jvp(w, d)) + lam * d\n        alpha = rr / (d @ Ad)\n"
                 "        p, res = p + alpha * d, res - alpha * Ad\n        rr, rr_old = res @ res, rr\n"
                 "        d = res + (rr / rr_old) * d\n"
                 "    rho = (0.5 * r @ r - 0.5 * np.sum(residual(w + p) ** 2)) / (-(g @ p) - 0.5 * np.sum(jvp(w, p) ** 2))\n"
                 "    lam_next, accepted = nielsen_update(lam, rho)\n    return p, rho, (w + p if accepted else w), lam_next\n")

_VARIANTS_LATER = {
    "ch06_applications": {
        # K row by row with the free end as a special case; M⁻¹K by the non-symmetric eig, sorted, each column
        # scaled by √(vᵀMv); nested lists out
        "modes": "def normal_modes(k, m):\n    n, m = len(k), np.asarray(m, dtype=float)\n    K = np.zeros((n, n))\n"
                 "    for i in range(n):\n        K[i, i] = k[i] + (k[i + 1] if i + 1 < n else 0)\n"
                 "        if i + 1 < n:\n            K[i, i + 1] = K[i + 1, i] = -k[i + 1]\n"
                 "    lam, W = np.linalg.eig(K / m[:, None])            # M⁻¹K: not symmetric\n"
                 "    order = np.argsort(lam.real)\n    lam, W = lam.real[order], W.real[:, order]\n"
                 "    W = W / np.sqrt(np.einsum('ij,i,ij->j', W, m, W))\n"
                 "    return np.sqrt(lam).tolist(), W.tolist()\n",
        # a sum of outer products over the rows, a list of lists out
        "poisson_hess": "def poisson_hessian(X, w):\n    H = 0\n"
                        "    for x in np.asarray(X, dtype=float):\n        H = H + np.exp(x @ np.asarray(w, dtype=float)) * np.outer(x, x)\n"
                        "    return H.tolist()\n",
        # Newton until the gradient is tiny (a while loop), lists; the standard errors from solve(H, I), a tuple
        "poisson_fit": "w_hat_pois = [0, 0, 0]\ngrad = X_pois.T @ (np.exp(X_pois @ np.array(w_hat_pois, float)) - y_pois)\n"
                       "while np.abs(grad).max() > 1e-10:\n"
                       "    step = np.linalg.solve(np.array(poisson_hessian(X_pois, w_hat_pois)), grad)\n"
                       "    w_hat_pois = list(np.array(w_hat_pois, float) - step)\n"
                       "    grad = X_pois.T @ (np.exp(X_pois @ np.array(w_hat_pois)) - y_pois)\n"
                       "cov = np.linalg.solve(np.array(poisson_hessian(X_pois, w_hat_pois)), np.eye(3))\n"
                       "se_pois = tuple(np.sqrt(cov[j, j]) for j in range(3))\n",
        # integer x positions, the modes as nested lists, a legend from labels set after plotting
        "plot_modes": "omega_v, V_v = normal_modes(list(k_chain), list(m_chain))\nV_v = np.array(V_v)\n"
                      "fig_modes = plt.figure()\nax = fig_modes.add_subplot()\nfor j in range(4):\n"
                      "    line, = ax.plot(np.arange(1, 5), V_v[:, j], marker='s')\n    line.set_label(f'mode {j + 1}')\n"
                      "ax.set_title('Mode shapes')\nax.set_xlabel('mass')\nax.set_ylabel('displacement')\nax.legend()\n",
        "questions": 'answer_masses = "(c)"\nanswer_overdispersion = "a."\n',
    },
    "ch07_hands_on": {
        # a while loop; λ is the Rayleigh quotient of the last vector with its own product (num_iters products)
        "steps": "def step_sizes(hvp, n, beta, num_iters=500, seed=0):\n    rng = np.random.default_rng(seed)\n"
                 "    v = rng.normal(size=n)\n    v = v / np.linalg.norm(v)\n    it = 0\n    while True:\n"
                 "        w = np.asarray(hvp(v), dtype=float)\n        it += 1\n        lam = v @ w\n"
                 "        if it == num_iters:\n            break\n        v = w / np.linalg.norm(w)\n"
                 "    return lam, 2.0 / lam, 2.0 * (1.0 + beta) / lam\n",
        "steps_lr": "lam_max_lr = step_sizes(lambda v: hv.hvp(logistic_loss, w_lr, v), 6, 0.9)[0]\n"
                    "eta_hb_lr = 3.8 / lam_max_lr\n",
        # accepted as 1/0; CG with the residual recomputed from scratch; the predicted decrease −gᵀp − ½‖Jp‖²
        "lm": "def nielsen_update(lam, rho):\n    if rho <= 0:\n        return lam * 2, 0\n"
              "    return lam * max(1 / 3, 1 - (2 * rho - 1) ** 3), 1\n\n\n"
              "def lm_step(residual, jvp, vjp, w, lam):\n    w = np.array(w, dtype=float)\n    r = residual(w)\n"
              "    g = vjp(w, r)\n    A = lambda v: vjp(w, jvp(w, v)) + lam * v\n    p = np.zeros(len(w))\n"
              "    d = -g - A(p)\n    res = d.copy()\n    for _ in range(10 * len(w)):\n"
              "        if np.linalg.norm(res) <= 1e-10 * np.linalg.norm(g):\n            break\n"
              "        Ad = A(d)\n        a = (res @ res) / (d @ Ad)\n        p = p + a * d\n"
              "        new = -g - A(p)                                   # the residual from scratch\n"
              "        d = new + (new @ new) / (res @ res) * d\n        res = new\n"
              "    Jp = jvp(w, p)\n    pred = -(g @ p) - 0.5 * (Jp @ Jp)\n"
              "    rho = (0.5 * r @ r - 0.5 * np.sum(residual(w + p) ** 2)) / pred\n"
              "    lam_next, ok = nielsen_update(lam, rho)\n    return tuple(p), rho, np.where(ok, w + p, w), lam_next\n",
        "plot_lm": "w_v, lam_v, L = w_exp0, 1, []\nfor k in range(9):\n    L.append(0.5 * exp_residual(np.asarray(w_v)) @ exp_residual(np.asarray(w_v)))\n"
                   "    if k < 8:\n        w_v, lam_v = lm_step(exp_residual, exp_jvp, exp_vjp, w_v, lam_v)[2:]\n"
                   "fig_lm = plt.figure()\nplt.plot(list(range(9)), L, 'k.-')\nplt.yscale('log')\n"
                   "plt.title('loss')\nplt.xlabel('k')\nplt.ylabel('L')\n",
        "questions": 'answer_edge = "(B)"\nanswer_rho = " a."\n',
    },
    "ch08_curvature": {
        # one probe at a time (standard_normal), sums in Python lists, a tuple out
        "diag": "def diag_estimate(matvec, n, num_samples, seed=0):\n    rng = np.random.default_rng(seed)\n"
                "    top, bottom = [0.0] * n, [0.0] * n\n    for _ in range(num_samples):\n"
                "        z = rng.standard_normal(n)\n        az = matvec(z)\n        for i in range(n):\n"
                "            top[i] += z[i] * az[i]\n            bottom[i] += z[i] ** 2\n"
                "    return tuple(t / b for t, b in zip(top, bottom))\n",
        # one example at a time: Jᵢv, then Jᵢᵀ(Jᵢv)/N accumulated; lists out
        "gn": "def gn_product(params, X, vec):\n    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in params)\n"
              "    V1, c1, V2, c2 = (np.asarray(a, dtype=float) for a in vec)\n    N = len(X)\n"
              "    out = [np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]\n"
              "    for x in np.asarray(X, dtype=float):\n        z = np.tanh(W1 @ x + b1)\n        s = 1 - z * z\n"
              "        jv = W2 @ (s * (V1 @ x + c1)) + V2 @ z + c2          # J_i v\n"
              "        u = jv / N\n        back = s * (W2.T @ u)\n"
              "        out[0] += np.outer(back, x)\n        out[1] += back\n        out[2] += np.outer(u, z)\n        out[3] += u\n"
              "    return [o.tolist() for o in out]\n",
        "gn_gap": "Hv_v = hv.hvp(loss8, w8, flatten(vec8))\nGv_v = flatten([np.array(b) for b in gn_product(params8, X8, vec8)])\n"
                  "gn_gap = float(np.sqrt(np.sum((Hv_v - Gv_v) ** 2) / np.sum(Hv_v ** 2)))\n",
        # homogeneous coordinates by np.c_, G1 as a broadcast mean; lists out
        "kfac": "def kfac_layer1(params, X):\n    W1, b1, W2, _ = (np.asarray(a, dtype=float) for a in params)\n"
                "    X = np.asarray(X, dtype=float)\n    a = np.c_[X, np.ones(len(X))]\n"
                "    S = 1 - np.tanh(X @ W1.T + b1) ** 2\n"
                "    G1 = (S[:, :, None] * (W2.T @ W2)[None] * S[:, None, :]).mean(axis=0)\n"
                "    return (a.T @ a / len(X)).tolist(), G1.tolist()\n",
        # the exact block from the first 20 unit vectors only; sorted() lists; the axes object
        "plot_kfac": "cols = [flatten([np.array(b) for b in gn_product(params8, X8, unflatten(np.eye(32)[i], params8))])[:20]\n"
                     "        for i in range(20)]\nA1_v, G1_v = kfac_layer1(params8, X8)\n"
                     "exact_v = sorted(np.linalg.eigvalsh(np.array(cols)), reverse=True)\n"
                     "kfac_v = sorted(np.linalg.eigvalsh(np.kron(np.array(G1_v), np.array(A1_v))), reverse=True)\n"
                     "fig, ax = plt.subplots()\nax.plot(list(range(1, 21)), exact_v, label='exact')\n"
                     "ax.plot(list(range(1, 21)), kfac_v, label='K-FAC')\nax.set_yscale('log')\n"
                     "ax.set_title('spectra')\nax.set_xlabel('rank')\nax.set_ylabel('eigenvalue')\nax.legend()\nfig_kfac = ax\n",
        "questions": 'answer_gn = "(a)"\nanswer_kron = "B."\n',
    },
}

_WRONG_LATER = {
    "ch06_applications": {
        # the frequencies ω² (the eigenvalues) instead of ω: the modes stay right
        "modes": ("def normal_modes(k, m):\n    k, m = np.asarray(k, dtype=float), np.asarray(m, dtype=float)\n"
                  "    K = np.diag(k + np.append(k[1:], 0.0)) - np.diag(k[1:], 1) - np.diag(k[1:], -1)\n"
                  "    s = 1 / np.sqrt(m)\n    w2, U = np.linalg.eigh(s[:, None] * K * s[None, :])\n"
                  "    return w2, s[:, None] * U\n", ["test_modes_omega"]),
        # the standard errors from the diagonal of H, not of H⁻¹
        "poisson_fit": ("w_hat_pois = np.zeros(3)\nfor _ in range(30):\n"
                        "    g = X_pois.T @ (np.exp(X_pois @ w_hat_pois) - y_pois)\n"
                        "    w_hat_pois = w_hat_pois - np.linalg.solve(poisson_hessian(X_pois, w_hat_pois), g)\n"
                        "se_pois = 1 / np.sqrt(np.diag(poisson_hessian(X_pois, w_hat_pois)))\n", ["test_poisson_se"]),
        # the eigenvectors of M^-½KM^-½ plotted: orthonormal, not mass-normalised
        "plot_modes": ("s = 1 / np.sqrt(m_chain)\nK_c = np.diag(k_chain + np.append(k_chain[1:], 0.0)) - np.diag(k_chain[1:], 1)"
                       " - np.diag(k_chain[1:], -1)\n_, U = np.linalg.eigh(s[:, None] * K_c * s[None, :])\n"
                       "fig_modes, ax = plt.subplots()\nfor j in range(4):\n    ax.plot([1, 2, 3, 4], U[:, j], label=f'mode {j + 1}')\n"
                       "ax.set(title='modes', xlabel='mass', ylabel='u')\nax.legend()\n", ["test_plot_modes"]),
        # four times the mass: frequencies halved (ω ∝ 1/√m), not "multiplied by 2"
        "questions": ('answer_masses = "b"\nanswer_overdispersion = "a"\n', ["test_answer_masses"]),
    },
    "ch07_hands_on": {
        # the 2 of 2(1 + β) forgotten
        "steps": ("def step_sizes(hvp, n, beta, num_iters=500, seed=0):\n    v = np.random.default_rng(seed).normal(size=n)\n"
                  "    v /= np.linalg.norm(v)\n    for _ in range(num_iters):\n        w = hvp(v)\n        v = w / np.linalg.norm(w)\n"
                  "    lam = float(v @ hvp(v))\n    return lam, 2 / lam, (1 + beta) / lam\n",
                  ["test_step_bounds", "test_steps_lr"]),
        # the predicted decrease to first order only (−gᵀp): ρ is wrong, so is the trajectory
        "lm": (_NIELSEN_CH07 + _LM_STEP_CH07.replace(" / (-(g @ p) - 0.5 * np.sum(jvp(w, p) ** 2))", " / (-(g @ p))"),
               ["test_lm_step", "test_plot_lm"]),
        # ρ ≈ 1 means the model predicted well, not "double the damping"
        "questions": ('answer_edge = "b"\nanswer_rho = "c"\n', ["test_answer_rho"]),
    },
    "ch08_curvature": {
        # Rademacher probes made from Gaussian draws (their signs): the formula is right, the probes are not
        "diag": ("def diag_estimate(matvec, n, num_samples, seed=0):\n    rng = np.random.default_rng(seed)\n"
                 "    top, bottom = np.zeros(n), np.zeros(n)\n    for _ in range(num_samples):\n"
                 "        z = np.sign(rng.normal(size=n))\n        top += z * matvec(z)\n        bottom += z * z\n"
                 "    return top / bottom\n", ["test_diag_probes"]),
        # the 1/N of the output Hessian I/N forgotten: the gap and the exact block of the plot go wrong with it
        "gn": ("def gn_product(params, X, vec):\n    W1, b1, W2, b2 = params\n    V1, c1, V2, c2 = vec\n"
               "    Z = np.tanh(X @ W1.T + b1)\n    S = 1 - Z ** 2\n    U = (S * (X @ V1.T + c1)) @ W2.T + Z @ V2.T + c2\n"
               "    dA = (U @ W2) * S\n    return dA.T @ X, dA.sum(axis=0), U.T @ Z, U.sum(axis=0)\n",
               ["test_gn_product", "test_gn_gap", "test_plot_kfac"]),
        # the bias not in homogeneous coordinates: a separate 1 beside XᵀX/N, without the x–1 cross terms
        "kfac": ("def kfac_layer1(params, X):\n    W1, b1, W2, _ = params\n    N, D = X.shape\n"
                 "    A1 = np.zeros((D + 1, D + 1))\n    A1[:D, :D] = X.T @ X / N\n    A1[D, D] = 1.0\n"
                 "    S = 1 - np.tanh(X @ W1.T + b1) ** 2\n"
                 "    return A1, np.einsum('ih,hg,ig->hg', S, W2.T @ W2, S) / N\n",
                 ["test_kfac_A", "test_plot_kfac"]),
        # the Gauss–Newton matrix is PSD everywhere, not only at a minimum
        "questions": ('answer_gn = "d"\nanswer_kron = "b"\n', ["test_answer_gn"]),
    },
}

_WRONG_MORE_LATER = {
    "ch06_applications": [
        # the outer product of the scores (μ² weights), not the Hessian (μ weights): Newton's 30 steps with it do
        # not reach the estimate, and the standard errors are wrong
        ("poisson_hess", "def poisson_hessian(X, w):\n    mu = np.exp(X @ w)\n    return (X * mu[:, None]).T @ (X * mu[:, None])\n",
         ["test_poisson_hessian", "test_poisson_fit", "test_poisson_se"]),
        # one Newton step from 0: not the maximum-likelihood estimate
        ("poisson_fit", "w_hat_pois = -np.linalg.solve(poisson_hessian(X_pois, np.zeros(3)), X_pois.T @ (1 - y_pois))\n"
                        "se_pois = np.sqrt(np.diag(np.linalg.inv(poisson_hessian(X_pois, w_hat_pois))))\n",
         ["test_poisson_fit"]),
    ],
    "ch07_hands_on": [
        # the rejected-step branch triples λ instead of doubling it
        ("lm", _NIELSEN_CH07.replace("return 2 * lam, False", "return 3 * lam, False") + _LM_STEP_CH07, ["test_nielsen"]),
        # the losses plotted against k = 1, ..., 9
        ("plot_lm", "w_k, lam_k = w_exp0.copy(), 1.0\nlosses = [0.5 * np.sum(exp_residual(w_k) ** 2)]\nfor _ in range(8):\n"
                    "    _, _, w_k, lam_k = lm_step(exp_residual, exp_jvp, exp_vjp, w_k, lam_k)\n"
                    "    losses.append(0.5 * np.sum(exp_residual(w_k) ** 2))\nfig_lm, ax = plt.subplots()\n"
                    "ax.semilogy(np.arange(1, 10), losses)\nax.set(title='loss', xlabel='k', ylabel='L')\n",
         ["test_plot_lm"]),
    ],
    "ch08_curvature": [
        # Gaussian probes but the plain mean of z ⊙ Az (no ratio): not exact on a diagonal matrix
        ("diag", "def diag_estimate(matvec, n, num_samples, seed=0):\n    rng = np.random.default_rng(seed)\n"
                 "    total = np.zeros(n)\n    for _ in range(num_samples):\n        z = rng.normal(size=n)\n"
                 "        total += z * matvec(z)\n    return total / num_samples\n", ["test_diag_formula"]),
    ],
}

VARIANTS.update(_VARIANTS_LATER)
WRONG.update(_WRONG_LATER)
WRONG_MORE.update(_WRONG_MORE_LATER)
