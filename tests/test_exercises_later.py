"""Graded exercises of chapters 06, 07 and 08 (issue 18): full marks, zero, wrong and variant answers, cheats.

One scratch nbgrader course grades, in one run: each assignment's solution (full marks) and untouched release
(zero); a *variant* submission per assignment whose answers are right but written differently (SciPy's
generalised eigensolver, signs flipped, lists for arrays, NumPy scalars and booleans, upper-case letters, the
other x-axis convention, `autograd.numpy` arithmetic inside a "by hand" function), which must score full marks;
a *wrong* submission per assignment whose listed mistakes each cost exactly their part; cheats that take a
"by hand" part from hvplib, autograd or `np.linalg.solve` (0 on that part only); and a patcher that makes every
in-kernel comparison pass (0 from the outside check, then `tampered`).
Runtime: several minutes on two cores (each notebook in its own nbgrader process, plus the by-hand re-run).
"""
import json
import shutil

import pytest

from grading_support import set_source, append_source, EXERCISES, load, grade_id, cell_by_id, source_nb  # noqa: F401  (puts exercises/ on sys.path)

from grading import checks, course, handcheck  # noqa: E402

LATER = ["ch06_applications", "ch07_hands_on", "ch08_curvature"]
TIMEOUT = 20          # seconds per cell


_set, _append = set_source, append_source  # shared with the other grading tests (grading_support)


# ---------------------------------------------------------------------------------------------------
# Right answers written differently: full marks
# ---------------------------------------------------------------------------------------------------

def variant_ch06():
    nb = source_nb("ch06_applications")
    _set(nb, "modes", """
import scipy.linalg


def normal_modes(k, m):
    n = len(k)
    K = [[0.0] * n for _ in range(n)]
    for i in range(n):                      # spring i ties mass i to mass i - 1 (or to the wall)
        K[i][i] += k[i]
        if i > 0:
            K[i - 1][i - 1] += k[i]
            K[i][i - 1] -= k[i]
            K[i - 1][i] -= k[i]
    w2, V = scipy.linalg.eigh(np.array(K), np.diag(m))    # the generalised problem directly
    return list(np.sqrt(w2)), -V                           # a list, and the other sign
""")
    _set(nb, "poisson_hess", """
def poisson_hessian(X, w):
    X = anp.array(X)
    return anp.einsum("ni,n,nj->ij", X, anp.exp(anp.dot(X, w)), X)   # autograd.numpy arithmetic is not autograd
""")
    _set(nb, "poisson_fit", """
w = [0.0, 0.0, 0.0]
for _ in range(25):
    mu = np.exp(X_pois @ np.array(w))
    w = list(np.array(w) + np.linalg.solve(poisson_hessian(X_pois, w), X_pois.T @ (y_pois - mu)))
w_hat_pois = w
se_pois = [float(s) for s in np.linalg.inv(poisson_hessian(X_pois, w)).diagonal() ** 0.5]
""")
    _set(nb, "plot_modes", """
om, V = normal_modes(k_chain, m_chain)
fig_modes = plt.figure()
for j in range(4):
    plt.plot(range(4), np.asarray(V)[:, j], label=f"mode {j + 1}")      # x = 0..3, the sign normal_modes gives
plt.title("modes"); plt.xlabel("mass"); plt.ylabel("u"); plt.legend()
""")
    _set(nb, "questions", 'answer_masses = " C "\nanswer_overdispersion = "A"\n')
    return nb


def variant_ch07():
    nb = source_nb("ch07_hands_on")
    _set(nb, "steps", """
def step_sizes(hvp, n, beta, num_iters=500, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(n)
    v = v / np.sqrt(v @ v)
    for it in range(num_iters):
        v = hvp(v)
        v = v / np.linalg.norm(v)
    lam = np.float64(v @ hvp(v))
    return [lam, np.float64(2.0) / lam, (2.0 + 2.0 * beta) / lam]
""")
    _set(nb, "lm", """
def nielsen_update(lam, rho):
    accepted = np.bool_(rho > 0)
    factor = np.maximum(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3) if accepted else np.float64(2.0)
    return np.float64(lam * factor), accepted


def lm_step(residual, jvp, vjp, w, lam):
    w = np.array(w, dtype=float)
    r = residual(w)
    b = -vjp(w, r)
    x = np.zeros(len(w)); res = b.copy(); d = res.copy()
    for _ in range(10 * len(w)):
        if np.linalg.norm(res) <= 1e-10 * np.linalg.norm(b):
            break
        q = vjp(w, jvp(w, d)) + lam * d
        a = (res @ res) / (d @ q)
        x = x + a * d
        new = res - a * q
        d = new + (new @ new) / (res @ res) * d
        res = new
    L0, L1 = 0.5 * r @ r, 0.5 * np.sum(residual(w + x) ** 2)
    pred = L0 - 0.5 * np.sum((r + jvp(w, x)) ** 2)
    rho = (L0 - L1) / pred
    lam2, ok = nielsen_update(lam, rho)
    return list(x), rho, list(w + x) if ok else list(w), lam2
""")
    _set(nb, "plot_lm", """
w, lam, L = w_exp0, 1.0, []
for k in range(9):
    L.append(float(0.5 * np.sum(exp_residual(np.array(w)) ** 2)))
    if k < 8:
        _, _, w, lam = lm_step(exp_residual, exp_jvp, exp_vjp, w, lam)
fig_lm, ax = plt.subplots()
ax.plot(list(range(9)), L)
ax.set_yscale("log"); ax.set_title("LM"); ax.set_xlabel("k"); ax.set_ylabel("loss")
""")
    _set(nb, "questions", 'answer_edge = "B"\nanswer_rho = "a "\n')
    return nb


def variant_ch08():
    nb = source_nb("ch08_curvature")
    _set(nb, "diag", """
def diag_estimate(matvec, n, num_samples, seed=0):
    Z = np.random.default_rng(seed).standard_normal((num_samples, n))     # all probes at once
    AZ = np.array([matvec(z) for z in Z])
    return list((Z * AZ).sum(axis=0) / (Z ** 2).sum(axis=0))
""")
    _set(nb, "gn", """
def gn_product(params, X, vec):
    W1, b1, W2, b2 = params
    V1, c1, V2, c2 = vec
    Z = anp.tanh(anp.dot(X, W1.T) + b1)                 # autograd.numpy arithmetic: not differentiation
    dZ = (1.0 - Z * Z) * (anp.dot(X, V1.T) + c1)
    JV = anp.dot(dZ, W2.T) + anp.dot(Z, V2.T) + c2
    U = JV / len(X)
    back = anp.dot(U, W2) * (1.0 - Z * Z)
    return [anp.dot(back.T, X), back.sum(0), anp.dot(U.T, Z), U.sum(0)]
""")
    _set(nb, "kfac", """
def kfac_layer1(params, X):
    W1, b1, W2, _ = params
    N, H = len(X), len(b1)
    A1, G1 = np.zeros((X.shape[1] + 1,) * 2), np.zeros((H, H))
    for x in X:
        a = np.append(x, 1.0)
        J = W2 * (1 - np.tanh(W1 @ x + b1) ** 2)        # W2 diag(1 − z²)
        A1 += np.outer(a, a) / N
        G1 += J.T @ J / N
    return A1.tolist(), G1
""")
    _set(nb, "plot_kfac", """
P = w8.size
cols = [flatten(gn_product(params8, X8, unflatten(e, params8))) for e in np.eye(P)]
G_full = np.array(cols).T
A1, G1 = kfac_layer1(params8, X8)
plt.figure()
plt.semilogy(np.arange(1, 21), sorted(np.linalg.eigvalsh(G_full[:20, :20]), reverse=True), label="exact")
plt.semilogy(np.arange(1, 21), sorted(np.linalg.eigvalsh(np.kron(G1, np.array(A1))), reverse=True), label="K-FAC")
plt.title("spectra"); plt.xlabel("rank"); plt.ylabel("eigenvalue"); plt.legend()
fig_kfac = plt.gca()                                   # the axes: the grader takes its figure
""")
    _set(nb, "questions", 'answer_gn = "A"\nanswer_kron = "B"\n')
    return nb


# ---------------------------------------------------------------------------------------------------
# Wrong answers: each listed mistake costs its part (and the parts built on it), nothing else
# ---------------------------------------------------------------------------------------------------

def wrong_ch06():
    nb = source_nb("ch06_applications")
    c = cell_by_id(nb, "modes")                         # modes not mass-normalised: the eigenvectors of M^-½KM^-½
    c["source"] = "".join(c["source"]).replace("return np.sqrt(w2), s[:, None] * U", "return np.sqrt(w2), U")
    _set(nb, "poisson_hess", "def poisson_hessian(X, w):\n    return X.T @ X\n")                # no exp(Xw)
    c = cell_by_id(nb, "poisson_fit")                   # the inverse of the diagonal, not the diagonal of the inverse
    c["source"] = "".join(c["source"]).replace(
        "se_pois = np.sqrt(np.diag(np.linalg.inv(poisson_hessian(X_pois, w_hat_pois))))",
        "se_pois = 1 / np.sqrt(np.diag(X_pois.T @ (np.exp(X_pois @ w_hat_pois)[:, None] * X_pois)))")
    c["source"] = c["source"].replace("poisson_hessian(X_pois, w_hat_pois), g)",
                                      "X_pois.T @ (np.exp(X_pois @ w_hat_pois)[:, None] * X_pois), g)")
    _set(nb, "questions", 'answer_masses = "b"\nanswer_overdispersion = "a"\n')
    return nb


WRONG_CH06 = {"test_modes_vectors", "test_poisson_hessian", "test_poisson_se", "test_answer_masses",
              "test_plot_modes"}           # the plot shows the un-normalised modes


def wrong_ch07():
    nb = source_nb("ch07_hands_on")
    c = cell_by_id(nb, "steps")                         # momentum divides the step instead of allowing a larger one
    c["source"] = "".join(c["source"]).replace("2 * (1 + beta) / lam", "2 / ((1 + beta) * lam)")
    c = cell_by_id(nb, "plot_lm")                       # a linear y-axis
    c["source"] = "".join(c["source"]).replace("ax.semilogy(", "ax.plot(")
    _set(nb, "questions", 'answer_edge = "a"\nanswer_rho = "a"\n')
    return nb


WRONG_CH07 = {"test_step_bounds", "test_steps_lr", "test_plot_lm_labels", "test_answer_edge"}


def wrong_ch08():
    nb = source_nb("ch08_curvature")
    _set(nb, "diag", """
def diag_estimate(matvec, n, num_samples, seed=0):
    rng = np.random.default_rng(seed)                   # the chapter's Rademacher mean: not the asked variant
    total = np.zeros(n)
    for _ in range(num_samples):
        z = rng.choice([-1.0, 1.0], size=n)
        total += z * matvec(z)
    return total / num_samples
""")
    c = cell_by_id(nb, "gn_gap")                        # divided by ‖Gv‖ instead of ‖Hv‖
    c["source"] = "".join(c["source"]).replace("/ np.linalg.norm(Hv8)",
                                               "/ np.linalg.norm(flatten(gn_product(params8, X8, vec8)))")
    c = cell_by_id(nb, "kfac")                          # G1 without the tanh derivative
    c["source"] = "".join(c["source"]).replace('G1 = np.einsum("ih,hg,ig->hg", S, WtW, S) / N', "G1 = WtW")
    _set(nb, "questions", 'answer_gn = "a"\nanswer_kron = "a"\n')
    return nb


WRONG_CH08 = {"test_diag_probes", "test_gn_gap", "test_kfac_G", "test_plot_kfac", "test_answer_kron"}


# ---------------------------------------------------------------------------------------------------
# Cheats and a patcher
# ---------------------------------------------------------------------------------------------------

def cheater_ch06():
    nb = source_nb("ch06_applications")
    _set(nb, "modes", """
def normal_modes(k, m):
    K = hv.hessian(lambda x: chain_potential(x, k=np.asarray(k, dtype=float)), np.zeros(len(k)))
    s = 1 / np.sqrt(np.asarray(m, dtype=float))
    w2, U = np.linalg.eigh(s[:, None] * K * s[None, :])
    return np.sqrt(w2), s[:, None] * U
""")
    _set(nb, "poisson_hess", """
import autograd


def poisson_hessian(X, w):
    return autograd.hessian(lambda v: anp.sum(anp.exp(anp.dot(X, v))))(np.asarray(w, dtype=float))
""")
    return nb


CHEATED_CH06 = {"test_modes_omega", "test_modes_vectors", "test_poisson_hessian"}


def cheater_ch07():
    nb = source_nb("ch07_hands_on")
    c = cell_by_id(nb, "lm")                            # the dense Jacobian and np.linalg.solve instead of CG
    src = "".join(c["source"])
    start, end = src.index("    p, res = np.zeros_like(w), -g"), src.index("    r_new = ")
    c["source"] = src[:start] + ("    J = np.column_stack([jvp(w, e) for e in np.eye(len(w))])\n"
                                 "    p = np.linalg.solve(J.T @ J + lam * np.eye(len(w)), -g)\n") + src[end:]
    return nb


def patcher_ch08():
    """gn_product without 1/N; then NumPy's comparisons patched so every later in-kernel test passes."""
    nb = source_nb("ch08_curvature")
    c = cell_by_id(nb, "gn")
    c["source"] = "".join(c["source"]).replace("U = RY / X.shape[0]", "U = RY") + (
        "\nnp.linalg.norm = lambda *a, **k: 0.0\nnp.allclose = lambda *a, **k: True\n")
    return nb


def _write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading_later")
    subs = base / "submitted"
    for a in LATER:
        for who, folder in (("solution", "source"), ("untouched", "release")):
            (subs / who / a).mkdir(parents=True)
            shutil.copy(EXERCISES / folder / a / f"{a}.ipynb", subs / who / a)
    for who, make in (("variant", variant_ch06), ("wrong", wrong_ch06), ("cheater", cheater_ch06)):
        _write(make(), subs / who / "ch06_applications" / "ch06_applications.ipynb")
    for who, make in (("variant", variant_ch07), ("wrong", wrong_ch07), ("cheater", cheater_ch07)):
        _write(make(), subs / who / "ch07_hands_on" / "ch07_hands_on.ipynb")
    for who, make in (("variant", variant_ch08), ("wrong", wrong_ch08), ("patcher", patcher_ch08)):
        _write(make(), subs / who / "ch08_curvature" / "ch08_curvature.ipynb")
    rows = course.grade(str(subs), timeout=TIMEOUT, keep=str(base / "course"), log=lambda *a: None)
    return {"rows": rows, "course": base / "course"}


def parts(graded, student, assignment):
    return {r.part: r for r in graded["rows"] if r.student == student and r.assignment == assignment}


def _graded_as(got, zero):
    """Parts in ``zero`` score 0, every other part full marks."""
    assert got
    for part, row in got.items():
        if part in zero:
            assert row.points == 0, (part, row.status, row.feedback)
        else:
            assert row.status == "passed" and row.points == row.max_points, (part, row.status, row.feedback)


# ---------------------------------------------------------------------------------------------------
# Layout and registry (no kernel)
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", LATER)
def test_layout_points_and_registry(assignment):
    cells = course.source_parts(assignment)[assignment]
    assert sum(points for _, points in cells) == 10
    assert max(points for _, points in cells) <= 2              # small, independently graded pieces
    assert sorted(checks.parts_for(assignment)) == sorted(gid for gid, _ in cells)
    assert set(handcheck.RULES[assignment]) <= {gid for gid, _ in cells}
    nb = source_nb(assignment)
    kinds = "".join("".join(c["source"]) for c in nb["cells"])
    assert "fig_" in kinds and "answer_" in kinds              # a plot part and a written part
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            assert c["execution_count"] is not None
            assert not any(o.get("output_type") == "error" for o in c["outputs"])


@pytest.mark.parametrize("assignment", LATER)
def test_every_hidden_assert_has_a_message(assignment):
    import ast

    for c in source_nb(assignment)["cells"]:
        if not c["metadata"].get("nbgrader", {}).get("grade"):
            continue
        for node in ast.walk(ast.parse("".join(c["source"]))):
            if isinstance(node, ast.Assert):
                assert node.msg is not None, (grade_id(c), ast.unparse(node)[:80])


@pytest.mark.parametrize("assignment", LATER)
def test_visible_tests_print_no_reference_value(assignment):
    """A visible test prints a fixed sentence: no f-string of a computed value reaches its output."""
    import ast

    for c in source_nb(assignment)["cells"]:
        if not c["metadata"].get("nbgrader", {}).get("grade"):
            continue
        for node in ast.walk(ast.parse("".join(c["source"]))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                assert all(isinstance(a, ast.Constant) for a in node.args), (grade_id(c), ast.unparse(node)[:80])


def test_setup_data_rebuilt_by_the_grader_match_the_notebooks():
    import numpy as np
    from grading import checks_later

    def setup_ns(assignment):
        ns = {}
        exec("".join(cell_by_id(source_nb(assignment), "setup")["source"]), ns)
        return ns

    ns = setup_ns("ch06_applications")
    for mine, theirs in zip(checks_later.ch06_data(), (ns["k_chain"], ns["m_chain"], ns["X_pois"], ns["y_pois"])):
        assert np.array_equal(mine, theirs)
    ns = setup_ns("ch07_hands_on")
    for mine, key in zip(checks_later.ch07_data(), ("X_lr", "y_lr", "w_lr", "t_exp", "y_exp", "w_exp0")):
        assert np.array_equal(mine, ns[key]), key
    ns = setup_ns("ch08_curvature")
    X, T, params, vec = checks_later.ch08_data()
    assert np.array_equal(X, ns["X8"]) and np.array_equal(T, ns["T8"])
    assert all(np.array_equal(a, b) for a, b in zip(params + vec, ns["params8"] + ns["vec8"]))


def test_grader_references_agree_with_autograd():
    """The grader's closed forms (chain stiffness, MLP Jacobian, K-FAC factors) against autograd / the definition."""
    import autograd
    import autograd.numpy as anp
    import numpy as np
    from grading import checks_later

    rng = np.random.default_rng(3)
    k = rng.uniform(0.5, 3, 5)
    V = lambda x: 0.5 * anp.sum(k * anp.concatenate([x[:1], x[1:] - x[:-1]]) ** 2)
    assert np.allclose(checks_later.chain_stiffness(k), autograd.hessian(V)(np.zeros(5)), atol=1e-12)
    params = (rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=2))
    X = rng.normal(size=(7, 3))

    def out(w):
        W1, b1, W2, b2 = anp.reshape(w[:12], (4, 3)), w[12:16], anp.reshape(w[16:24], (2, 4)), w[24:]
        return anp.ravel(anp.tanh(X @ W1.T + b1) @ W2.T + b2)
    w = np.concatenate([a.ravel() for a in params])
    J = checks_later.mlp_jacobian(params, X)
    assert np.allclose(J, autograd.jacobian(out)(w), atol=1e-12)
    A1, G1 = checks_later.kfac_factors(params, X)
    a_bar = np.hstack([X, np.ones((7, 1))])
    Js = [params[2] * (1 - np.tanh(params[0] @ x + params[1]) ** 2) for x in X]
    assert np.allclose(A1, sum(np.outer(a, a) for a in a_bar) / 7)
    assert np.allclose(G1, sum(j.T @ j for j in Js) / 7)
    # K-FAC is exact when every sample has the same J_i (here: one sample)
    A_1, G_1 = checks_later.kfac_factors(params, X[:1])
    J1 = checks_later.mlp_jacobian(params, X[:1])
    block = J1.T @ J1
    order = [h * 3 + d for h in range(4) for d in range(3)]      # W1 then b1  →  rows of [W1 | b1]
    rows = [order[h * 3:(h + 1) * 3] + [12 + h] for h in range(4)]
    perm = [i for r in rows for i in r]
    assert np.allclose(block[np.ix_(perm, perm)], np.kron(G_1, A_1), atol=1e-12)


def test_importing_pyplot_or_scipy_in_a_cell_does_not_break_the_by_hand_re_run(tmp_path):
    """The re-run refuses frame and code-object calls once student code runs; importing pyplot or SciPy makes
    such calls, so the harness imports them first (a cell that imported them lost its functions before)."""
    import sys

    import numpy as np
    from grading import sandbox

    sandbox.install_course_package(str(tmp_path))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           **sandbox.launcher_env(site_dirs=sandbox.venv_site_dirs(), path=[str(tmp_path)], limits=False)}
    part = checks.parts_for("ch06_applications")["test_poisson_hessian"]
    inputs = part.inputs(np.random.default_rng(0))
    answer = ("import matplotlib.pyplot as plt\nimport scipy.linalg\nimport scipy.optimize\nimport numpy as np\n\n"
              "def poisson_hessian(X, w):\n    return X.T @ (np.exp(X @ w)[:, None] * X)\n")
    cells = [("code", answer), ("call", ("test_poisson_hessian", checks.call_code(part, inputs)))]
    reports = handcheck.run(sandbox.kernel_command(sys.executable, handcheck.HARNESS), env, str(tmp_path), cells, 120,
                            call_timeout=30)
    rule = handcheck.RULES["ch06_applications"]["test_poisson_hessian"]
    assert handcheck.verdict(rule, reports.get("test_poisson_hessian"), handcheck.kernel_folders()) is None


# ---------------------------------------------------------------------------------------------------
# Graded end to end
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", LATER)
def test_solutions_score_full_marks(graded, assignment):
    got = parts(graded, "solution", assignment)
    assert list(got) == [gid for gid, _ in course.source_parts(assignment)[assignment]]
    _graded_as(got, set())
    nb = load(graded["course"] / "autograded" / "solution" / assignment / f"{assignment}.ipynb")
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert text.count("values checked outside your kernel: right") == len(got)
    assert all(r.tamper == "" for r in got.values())


@pytest.mark.parametrize("assignment", LATER)
def test_untouched_release_scores_zero(graded, assignment):
    got = parts(graded, "untouched", assignment)
    assert got and all(row.points == 0 for row in got.values())
    assert any(row.status == "not attempted" for row in got.values())


@pytest.mark.parametrize("assignment", LATER)
def test_right_answers_written_differently_score_full_marks(graded, assignment):
    got = parts(graded, "variant", assignment)
    _graded_as(got, set())
    assert all(r.tamper == "" for r in got.values()), {p: r.tamper for p, r in got.items()}


@pytest.mark.parametrize("assignment, zero", [("ch06_applications", WRONG_CH06), ("ch07_hands_on", WRONG_CH07),
                                              ("ch08_curvature", WRONG_CH08)])
def test_each_wrong_answer_costs_its_part(graded, assignment, zero):
    got = parts(graded, "wrong", assignment)
    _graded_as(got, zero)
    for part in zero:
        assert got[part].status == "failed", (part, got[part].status, got[part].feedback)


def test_the_chapters_rademacher_estimator_is_caught_outside_the_kernel(graded):
    row = parts(graded, "wrong", "ch08_curvature")["test_diag_probes"]
    assert "Rademacher" in row.feedback
    assert parts(graded, "wrong", "ch08_curvature")["test_diag_formula"].status == "passed"


def test_by_hand_parts_refuse_hvplib_autograd_and_solvers(graded):
    ch06 = parts(graded, "cheater", "ch06_applications")
    _graded_as(ch06, CHEATED_CH06)
    assert "but it called ['autograd." in ch06["test_modes_omega"].feedback     # hv.hessian runs autograd
    assert "autograd.hessian" in ch06["test_poisson_hessian"].feedback
    ch07 = parts(graded, "cheater", "ch07_hands_on")
    _graded_as(ch07, {"test_lm_step"})
    assert "numpy.linalg.solve" in ch07["test_lm_step"].feedback


def test_patched_numpy_earns_nothing_after_the_patch(graded):
    ch08 = parts(graded, "patcher", "ch08_curvature")
    assert ch08["test_diag_formula"].points == 1 and ch08["test_diag_probes"].points == 1   # graded before it
    assert ch08["test_gn_product"].status == "failed" and "outside your kernel" in ch08["test_gn_product"].feedback
    for part in ("test_gn_gap", "test_kfac_A", "test_kfac_G", "test_plot_kfac", "test_answer_gn"):
        assert ch08[part].points == 0 and ch08[part].status != "passed", (part, ch08[part].status)
    assert "np.linalg.norm" in ch08["test_gn_gap"].tamper
    assert ch08["test_kfac_A"].status == "tampered"             # right answers, graded after the patch
