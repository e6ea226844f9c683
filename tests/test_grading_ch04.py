"""Exercise 04 Part 2 (issue 21): the inexact Newton-CG step's outside checks and its "written by hand" rule.

The step must be the student's own CG loop on the products ``hvp(d)``; the outer loop runs on the grader's step.
The reference CG (``checks_ch04_optimization.reference_step``) is checked against the dense Newton step, the
Galerkin property on indefinite matrices and hvplib's truncated CG; the rules are run through the real re-run
harness (a subprocess, a few seconds).
"""
import sys

import numpy as np
import pytest

from grading_support import EXERCISES, cell_by_id, source_nb  # noqa: F401  (puts exercises/ on sys.path)

import hvplib as hv
from grading import checks, checks_ch04_optimization as ch04, handcheck, sandbox  # noqa: E402

ASSIGNMENT = "ch04_optimization"


def test_reference_step_is_the_newton_step_and_hvplibs_truncated_cg():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    H, g = (q * np.geomspace(1, 50, 12)) @ q.T, rng.normal(size=12)
    p, used, why, res, _ = ch04.reference_step(lambda d: H @ d, g, 1e-10)
    assert why == "forcing" and used <= 24 and res[-1] <= 1e-10
    np.testing.assert_allclose(p, np.linalg.solve(H, -g), rtol=1e-8)
    p_loose, used_loose, _, _, _ = ch04.reference_step(lambda d: H @ d, g, 0.3)
    np.testing.assert_allclose(p_loose, hv.optimize.truncated_cg(lambda d: H @ d, g, 0.3, 24)[0], rtol=1e-12)
    assert used_loose < used and np.linalg.norm(H @ p_loose + g) <= 0.3 * np.linalg.norm(g)


def test_reference_step_exits_on_negative_curvature():
    H = np.diag([-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    g = np.concatenate([[0.05], np.ones(7)])
    p, used, why, _, curv = ch04.reference_step(lambda d: H @ d, g, 1e-10)
    assert why == "negative curvature" and curv[-1] < 0 < min(curv[:-1]) and g @ p < 0
    V = np.linalg.qr(np.column_stack([np.linalg.matrix_power(H, i) @ g for i in range(used - 1)]))[0]
    np.testing.assert_allclose(p, V @ np.linalg.solve(V.T @ H @ V, -V.T @ g), rtol=1e-8)   # the Galerkin iterate
    first = np.diag([-2.0, 1.0])
    assert np.array_equal(ch04.reference_step(lambda d: first @ d, np.array([1.0, 0.1]), 0.1)[0], [-1.0, -0.1])


@pytest.mark.parametrize("seed", range(5))
def test_drawn_inputs_keep_their_margins(seed):
    rng = np.random.default_rng(seed)
    budget = checks.parts_for(ASSIGNMENT)["test_newton_cg_budget"].inputs(rng)
    for case, k in zip(budget["cases"], budget["_k"]):
        H = case["H"]
        _, used, why, _, _ = ch04.reference_step(lambda d, H=H: H @ d, case["g"], case["eta"])
        assert (why, used) == ("forcing", k)
    negative = checks.parts_for(ASSIGNMENT)["test_newton_cg_negative"].inputs(rng)
    first = negative["cases"][0]
    assert first["g"] @ first["H"] @ first["g"] < 0
    for case in negative["cases"][1:]:
        H = case["H"]
        assert ch04.reference_step(lambda d, H=H: H @ d, case["g"], case["eta"])[2] == "negative curvature"


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    """The "by hand" verdict of the grader's re-run of (setup cell, answer cell) for a Part 2 grade id."""
    package = tmp_path_factory.mktemp("site")
    sandbox.install_course_package(str(package))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(package), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           **sandbox.launcher_env(site_dirs=sandbox.venv_site_dirs(), path=[str(package)], limits=False)}
    nb = source_nb(ASSIGNMENT)
    setup = "".join(cell_by_id(nb, "setup")["source"])
    folders = handcheck.kernel_folders()

    def verdict(gid, answer):
        part = checks.parts_for(ASSIGNMENT)[gid]
        call = checks.call_code(part, part.inputs(np.random.default_rng(1)))
        reports = handcheck.run(sandbox.kernel_command(sys.executable, handcheck.HARNESS), env, str(package),
                                [("code", setup), ("code", answer), ("call", (gid, call))], 60, call_timeout=20)
        return handcheck.verdict(handcheck.RULES[ASSIGNMENT][gid], reports.get(gid), folders)

    return verdict


def _solution(gid):
    return "".join(cell_by_id(source_nb(ASSIGNMENT), gid)["source"])


def test_the_solutions_are_written_by_hand(rerun):
    assert rerun("test_newton_cg", _solution("newton_cg")) is None
    assert rerun("test_newton_cg_outer", _solution("newton_cg") + "\n" + _solution("newton_cg_outer")) is None


def test_hvplibs_truncated_cg_is_refused(rerun):
    lib = ("def inexact_newton_step(hvp, g, eta, max_iter=None):\n"
           "    return hv.optimize.truncated_cg(hvp, np.asarray(g, dtype=float), eta, max_iter or 2 * len(g))[0]\n")
    reason = rerun("test_newton_cg_budget", lib)
    assert reason is not None and "hvplib." in reason.partition("but it called")[2], reason


def test_scipys_minimize_is_refused_in_the_outer_loop(rerun):
    scipy_loop = ("import scipy.optimize as so\n\n"
                  "def newton_cg_minimize(f, grad, hessp, x0, tol=1e-8, max_iter=100):\n"
                  "    return so.minimize(f, x0, jac=grad, hessp=hessp, method='Newton-CG', tol=1e-12).x\n")
    reason = rerun("test_newton_cg_outer", scipy_loop)
    assert reason is not None and "scipy." in reason.partition("but it called")[2], reason
