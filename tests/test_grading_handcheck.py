"""Issue 19: "written by hand" is decided by re-running the student's code in a fresh, watched interpreter.

The hidden tests' in-kernel profiler is blind to other threads and can be switched off; the re-run
(``grading/handcheck.py``) records calls with the C profiler under an audit hook the student's code cannot
remove. Each evasion the red team found is run here through the real harness (a subprocess, a few seconds).
"""
import sys

import numpy as np
import pytest

from grading_support import ROOT, EXERCISES  # noqa: F401  (puts exercises/ on sys.path)

from grading import checks, handcheck, sandbox  # noqa: E402

SETUP = "import numpy as np\nimport autograd\nimport hvplib as hv\n"
HONEST = '''
def fd_hvp(grad_f, x, v, eps=None):
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    n = np.linalg.norm(v)
    if n == 0:
        return np.zeros_like(x)
    eps = np.finfo(float).eps ** (1 / 3) * max(1.0, np.linalg.norm(x)) / n
    return (np.asarray(grad_f(x + eps * v)) - np.asarray(grad_f(x - eps * v))) / (2 * eps)
'''
EVASIONS = {
    "direct": ("def fd_hvp(grad_f, x, v, eps=None):\n    return hv.fd_hvp(grad_f, x, v, eps=eps)\n",
               "but it called ['hvplib."),
    "thread pool": ("from concurrent.futures import ThreadPoolExecutor\n_pool = ThreadPoolExecutor(1)\n\n"
                    "def fd_hvp(grad_f, x, v, eps=None):\n"
                    "    return _pool.submit(hv.fd_hvp, grad_f, x, v, eps).result()\n", "another thread"),
    "thread": ("import threading\n\ndef fd_hvp(grad_f, x, v, eps=None):\n    out = []\n"
               "    t = threading.Thread(target=lambda: out.append(hv.fd_hvp(grad_f, x, v, eps=eps)))\n"
               "    t.start()\n    t.join()\n    return out[0]\n", "thread"),
    "computed setprofile": ("import sys\n\ndef fd_hvp(grad_f, x, v, eps=None):\n"
                            "    getattr(sys, 'set' + 'profile')(None)\n    return hv.fd_hvp(grad_f, x, v, eps=eps)\n",
                            "sys.setprofile"),
    "from-import setprofile": ("from sys import setprofile as _sp\n\ndef fd_hvp(grad_f, x, v, eps=None):\n"
                               "    _sp(None)\n    return hv.fd_hvp(grad_f, x, v, eps=eps)\n", "sys.setprofile"),
    "profiler switched off": ("import sys\n\ndef fd_hvp(grad_f, x, v, eps=None):\n    p = sys.getprofile()\n"
                              "    p.disable()\n    r = hv.fd_hvp(grad_f, x, v, eps=eps)\n    p.enable()\n    return r\n",
                              "sys.setprofile"),          # disabling the C profiler is audited too
    "frames": ("def fd_hvp(grad_f, x, v, eps=None):\n    try:\n        raise ValueError\n    except ValueError as e:\n"
               "        e.__traceback__.tb_frame.f_back.f_locals.clear()\n    return hv.fd_hvp(grad_f, x, v, eps=eps)\n",
               "object.__getattr__"),
    "decoy module": ("import sys, types\n_m = types.ModuleType('decoy')\nexec('def fd_hvp(g, x, v, eps=None):\\n"
                     "    return H(g, x, v, eps=eps)', _m.__dict__)\n_m.H = hv.fd_hvp\n"
                     "vars(_m)['__file__'] = '/elsewhere/decoy.py'\nsys.modules.update({'decoy': _m})\n"
                     "from decoy import fd_hvp\n", "but it called ['hvplib."),
    "exec at call time": ("def fd_hvp(grad_f, x, v, eps=None):\n    ns = {'hv': hv}\n"
                          "    exec('r = hv.fd_hvp', ns)\n    return ns['r'](grad_f, x, v, eps=eps)\n", "compile"),
    "exits": ("import os\n\ndef fd_hvp(grad_f, x, v, eps=None):\n    os._exit(0)\n", "could not re-run"),
    "forged record": ("import sys\nfor _ in range(3):\n    print('0' * 32 + ' W10=')\n\n"
                      "def fd_hvp(grad_f, x, v, eps=None):\n    sys.stdout.write('x')\n"
                      "    return hv.fd_hvp(grad_f, x, v, eps=eps)\n", "but it called ['hvplib."),
}


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    package = tmp_path_factory.mktemp("site")
    sandbox.install_course_package(str(package))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(package), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           **sandbox.launcher_env(site_dirs=sandbox.venv_site_dirs(), path=[str(package)], limits=False)}
    part = checks.parts_for("ch03_hvp")["test_fd_hvp"]
    folders = handcheck.kernel_folders()

    def verdict(answer, gid="test_fd_hvp", part=part):
        cells = [("code", SETUP), ("code", answer), ("call", (gid, checks.call_code(part, part.inputs(np.random.default_rng(5)))))]
        reports = handcheck.run(sandbox.kernel_command(sys.executable, handcheck.HARNESS), env, str(package), cells, 60,
                                call_timeout=10)
        return handcheck.verdict(handcheck.RULES["ch03_hvp"][gid], reports.get(gid), folders)

    return verdict


def test_honest_code_is_accepted(harness):
    assert harness(HONEST) is None


@pytest.mark.parametrize("name", sorted(EVASIONS))
def test_evasions_are_refused(harness, name):
    answer, word = EVASIONS[name]
    reason = harness(answer)
    assert reason is not None and word in reason, reason


def test_a_thread_started_by_another_cell_does_not_cost_an_honest_part(harness):
    """The call runs in a forked child, where the pool's worker does not exist: honest code is unaffected."""
    pool = "from concurrent.futures import ThreadPoolExecutor\n_pool = ThreadPoolExecutor(1)\n_pool.submit(int).result()\n"
    assert harness(pool + HONEST) is None


def test_a_hanging_call_is_not_verified(harness):
    reason = harness("import threading\n_lock = threading.Lock()\n_lock.acquire()\n\n"
                     "def fd_hvp(grad_f, x, v, eps=None):\n    _lock.acquire()\n")
    assert reason is not None


def test_every_rule_names_a_graded_part():
    for assignment, rules in handcheck.RULES.items():
        graded = checks.parts_for(assignment)
        assert set(rules) <= set(graded), assignment


def test_hidden_tests_are_cut_from_the_re_run():
    source = "a = 1\n### BEGIN HIDDEN TESTS\nimport sys\nsys.setprofile(None)\n### END HIDDEN TESTS\nb = 2\n"
    assert handcheck.strip_hidden(source) == "a = 1\nb = 2"


def test_anp_arithmetic_is_not_autograd_differentiation(harness):
    """Issue 21: "no autograd" means no autograd differentiation; anp.sin/anp.sqrt arithmetic is NumPy."""
    anp_code = ("import autograd.numpy as anp\n\n"
                + HONEST.replace("n = np.linalg.norm(v)", "n = anp.sqrt(anp.sum(anp.sin(v) ** 2 + anp.cos(v) ** 2 - 1 + v * v))"))
    assert "anp.sqrt" in anp_code
    assert harness(anp_code) is None


def test_autograd_differentiation_is_refused(harness):
    reason = harness("import autograd.numpy as anp\n" + HONEST.replace("def fd_hvp", "def _fd") +
                     "\n\ndef fd_hvp(grad_f, x, v, eps=None):\n"
                     "    autograd.grad(lambda y: anp.sum(y ** 2))(np.asarray(x, dtype=float))\n"
                     "    return _fd(grad_f, x, v)\n")
    assert reason is not None and "autograd.grad" in reason, reason


# ch03 Part 4 (Pearlmutter's trick): the rule is the other way round, autograd differentiation is required there
PEARLMUTTER = {
    "reverse over reverse": ("import autograd.numpy as anp\n\ndef pearlmutter_hvp(f, x, v):\n"
                             "    return autograd.grad(lambda y: anp.sum(autograd.grad(f)(y) * v))(x)\n", None),
    "forward over reverse": ("def pearlmutter_hvp(f, x, v):\n"
                             "    return autograd.make_jvp(autograd.grad(f))(x)(v)[1]\n", None),
    "autograd's helper": ("def pearlmutter_hvp(f, x, v):\n    return autograd.hessian_vector_product(f)(x, v)\n",
                          "autograd.hessian_tensor_product"),
    "hvplib": ("def pearlmutter_hvp(f, x, v):\n    return hv.hvp(f, x, v)\n", "but it called ['hvplib."),
}


@pytest.mark.parametrize("name", sorted(PEARLMUTTER))
def test_pearlmutter_part_requires_autograd_but_not_its_hvp_helpers(harness, name):
    answer, word = PEARLMUTTER[name]
    part = checks.parts_for("ch03_hvp")["test_pearlmutter"]
    reason = harness(answer, gid="test_pearlmutter", part=part)
    if word is None:
        assert reason is None, reason
    else:
        assert reason is not None and word in reason, reason
