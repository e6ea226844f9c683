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
        "net_spectrum": "hvp_net = lambda v: hv.hvp(net_loss, w0, v)\nlam_min_net = smallest_eigenpair(hvp_net, 13, num_iters=500)[0]\n"
                        "neg_min, _, _ = smallest_eigenpair(lambda v: -hvp_net(v), 13)\nlam_max_net = -neg_min\nconvex_at_w0 = 0\n",
        "linreg": "H_linreg = (X_lr.T @ X_lr / len(X_lr)).tolist()\nmin_eig_linreg = np.linalg.eigvalsh(H_linreg).min()\n"
                  "linreg_convex = 1\n",
        # Gaussian sketch and probes, the trace of QᵀHQ from a matrix of products
        "hutchpp": "def hutch_plus_plus(matvec, n, num_products, seed=0):\n    rng = np.random.default_rng(seed)\n"
                   "    k = num_products // 3\n    Y = np.array([matvec(s) for s in rng.standard_normal((k, n))]).T\n"
                   "    Q = np.linalg.qr(Y)[0]\n    t = np.trace(Q.T @ np.array([matvec(q) for q in Q.T]).T)\n"
                   "    G = rng.standard_normal((n, num_products - 2 * k))\n    G -= Q @ (Q.T @ G)\n"
                   "    return np.float64(t + np.mean([g @ matvec(g) for g in G.T]))\n\n\n"
                   "trace_net = hutch_plus_plus(lambda v: hv.hvp(net_loss, w0, v), 13, 30)\n",
    },
}

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
                  ["test_power_negative", "test_net_spectrum"]),
        # the chapter's plain Hutchinson pasted under the new name: not exact on low rank, too noisy
        "hutchpp": ("def hutch_plus_plus(matvec, n, num_products, seed=0):\n    rng = np.random.default_rng(seed)\n"
                    "    z = rng.choice([-1.0, 1.0], size=(num_products, n))\n"
                    "    return float(np.mean([v @ matvec(v) for v in z]))\n\n\n"
                    "trace_net = hutch_plus_plus(lambda v: hv.hvp(net_loss, w0, v), 13, 30)\n",
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
    "ch05_landscapes": [
        # plain power iteration: the eigenvalue of largest magnitude, right only when that one is negative
        ("power", "def smallest_eigenpair(matvec, n, num_iters=300, seed=0):\n    v = np.random.default_rng(seed).normal(size=n)\n"
                  "    v /= np.linalg.norm(v)\n    for _ in range(num_iters):\n        w = matvec(v)\n"
                  "        v = w / np.linalg.norm(w)\n    return float(v @ matvec(v)), v, num_iters + 1\n",
         ["test_power", "test_net_spectrum"]),
        # Hutchinson on H instead of (I − QQᵀ)H(I − QQᵀ): the sketched part is counted twice
        ("hutchpp", "def hutch_plus_plus(matvec, n, num_products, seed=0):\n    rng = np.random.default_rng(seed)\n"
                    "    k = num_products // 3\n    S = rng.choice([-1.0, 1.0], size=(n, k))\n"
                    "    Q = np.linalg.qr(np.column_stack([matvec(s) for s in S.T]))[0]\n"
                    "    z = rng.choice([-1.0, 1.0], size=(num_products - 2 * k, n))\n"
                    "    return sum(q @ matvec(q) for q in Q.T) + np.mean([g @ matvec(g) for g in z])\n\n\n"
                    "trace_net = hutch_plus_plus(lambda v: hv.hvp(net_loss, w0, v), 13, 30)\n",
         ["test_hutchpp", "test_hutchpp_decay"]),
    ],
}
