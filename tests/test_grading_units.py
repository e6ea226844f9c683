"""Fast unit tests of the grader's pieces (issue 12): outside checks, value packing, tamper scan, sandbox set-up.

No kernel and no nbgrader run here: the end-to-end hostile suite is in test_exercises.py.
"""
import json
import os
import sys

import numpy as np
import pytest

from grading_support import ROOT, EXERCISES  # noqa: F401  (puts exercises/ on sys.path)

from grading import checks, course, tamper  # noqa: E402

ASSIGNMENTS = course.assignment_names()


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_part_has_an_outside_check(assignment):
    graded = [gid for gid, _ in course.source_parts(assignment)[assignment]]
    assert sorted(checks.parts_for(assignment)) == sorted(graded)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_snippets_compile_and_hide_private_inputs(assignment):
    rng = np.random.default_rng(0)
    for gid, part in checks.parts_for(assignment).items():
        inputs = part.inputs(rng)
        code = checks.snippet(part, inputs, "nonce")
        compile(code, gid, "exec")
        assert "_want" not in code


def test_inputs_depend_on_the_secret_seed():
    part = checks.parts_for("ch03_hvp")["test_rop_hvp"]
    a = part.inputs(np.random.default_rng(1))
    b = part.inputs(np.random.default_rng(2))
    assert checks.snippet(part, a, "n") != checks.snippet(part, b, "n")


def test_packing_round_trips_exactly():
    value = {"a": np.array([[0.1, np.nan], [np.inf, -0.0]]), "b": [1, 2.5, "s", True, np.int64(3)],
             "c": {"x4+y4": "minimum"}, "d": np.float64(1 / 3), "e": np.array([True, False])}
    back = checks.unpack(json.loads(json.dumps(checks.pack(value))))
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["b"][:4] == [1, 2.5, "s", True] and int(back["b"][4]) == 3 and back["b"][4].dtype.kind == "i"
    assert back["c"] == {"x4+y4": "minimum"} and back["d"] == 1 / 3 and back["e"].dtype == bool


@pytest.mark.parametrize("junk", [{}, {"got": "x"}, {"got": [None] * 5}, {"labels": 3}, {"x": {"__r__": "?"}}])
def test_a_check_never_crashes_on_junk(junk):
    rng = np.random.default_rng(0)
    for assignment in ASSIGNMENTS:
        for gid, part in checks.parts_for(assignment).items():
            reason = checks.run_check(part, part.inputs(rng), junk)
            assert isinstance(reason, str) and reason, (gid, junk)


def test_payload_needs_the_nonce():
    with pytest.raises(checks.CheckFailed):
        checks.decode({"nonce": "forged", "values": checks.pack({})}, "secret")
    assert checks.decode({"nonce": "secret", "values": checks.pack({"a": 1.5})}, "secret") == {"a": 1.5}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["source", "release"])
def test_tamper_scan_is_silent_on_the_course_notebooks(assignment, kind):
    assert tamper.scan_notebook(load(EXERCISES / kind / assignment / f"{assignment}.ipynb")) == []


@pytest.mark.parametrize("source, severity, word", [
    ("np.testing.assert_allclose = lambda *a, **k: None", "hard", "np.testing.assert_allclose"),
    ("import numpy as xx\nxx.allclose = f", "hard", "xx.allclose"),
    ("setattr(np, 'allclose', f)", "hard", "setattr"),
    ("import builtins\nbuiltins.abs = lambda x: 0", "hard", "builtins"),
    ("float.__add__ = 3", "hard", "float.__add__"),
    ("get_ipython().input_transformers_post.append(f)", "hard", "input_transformers_post"),
    ("ip = get_ipython()\nip.events.register('pre_run_cell', f)", "hard", "event hook"),
    ("from IPython import get_ipython as g\ng().ast_transformers.append(1)", "hard", "ast_transformers"),
    ("import sqlite3\nsqlite3.connect('../../gradebook.db')", "hard", "sqlite3"),
    ("import sys\nsys.setprofile(None)", "hard", "setprofile"),
    ("import sys\nsys.modules['numpy'] = None", "hard", "sys.modules"),
    ("def f(:\n    np.allclose = g", "hard", "monkeypatching"),
    ("import os\nos._exit(0)", "soft", "os._exit"),
    ("while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass", "soft", "KeyboardInterrupt"),
    ("!rm -rf ~", "soft", "shell"),
])
def test_tamper_scan_finds(source, severity, word):
    found = tamper.scan_source(source)
    assert any(s == severity and word in m for s, m in found), found


def test_honest_code_is_not_flagged():
    honest = ("import numpy as np\nx = np.zeros(3)\nx[0] += 1\nv /= np.linalg.norm(v)\n"
              "np.set_printoptions(precision=3)\nimport warnings\nwarnings.warn('careful')\n%matplotlib inline\n")
    assert tamper.scan_source(honest) == []


# ---------------------------------------------------------------------------------------------------
# Issue 19: the scan never crashes, sees through aliases and computed names, and leaves honest code alone
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "x = " + "+".join(["a"] * 600),              # a careless long sum: RecursionError in a recursive visitor
    "x = " + "+".join(["a"] * 100_000),          # RecursionError in ast.parse itself
    "x = " + "-" * 100_000 + "1",                # MemoryError in ast.parse
    "x = " + "f()" * 3000,                        # a long call chain
    "y = '" + "z" * 1_000_000 + "'",              # a huge cell
])
def test_tamper_scan_survives_deep_or_huge_code_without_a_hard_finding(source):
    found = tamper.scan_source(source)
    assert all(severity == "soft" for severity, _ in found), found


@pytest.mark.parametrize("source, word", [
    ("import sys\ngetattr(sys, 'set' + 'profile')(None)", "computed name on sys"),
    ("from sys import setprofile\nsetprofile(None)", "sys.setprofile"),
    ("from sys import settrace as st\nst(None)", "sys.settrace"),
    ("import threading\nthreading.setprofile(None)", "threading.setprofile"),
    ("from os import path as p\np.abspath = lambda x: x", "p.abspath"),
    ("import sys, types\nm = types.ModuleType('hvplib')\nsys.modules.update({'hvplib': m})", "sys.modules (update)"),
    ("import types\nm = types.ModuleType('x')\nvars(m)['__file__'] = '/nowhere'", "vars()"),
    ("from sys import modules as mods\nmods['hvplib'] = None", "mods"),
    ("import gc\nfor o in gc.get_objects():\n    pass", "gc.get_objects"),
    ("import sys\nvars(sys)['setprofile'](None)", "vars(sys)"),
])
def test_tamper_scan_finds_evasions(source, word):
    found = tamper.scan_source(source)
    assert any(s == "hard" and word in m for s, m in found), found


def test_tamper_scan_tracks_aliases_across_cells():
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": "from os import path as p\n"},
                    {"cell_type": "code", "metadata": {}, "source": "p.abspath = str\n"}]}
    found = tamper.scan_notebook(nb)
    assert [(pos, f.severity) for pos, f in found] == [(1, "hard")] and "p.abspath" in found[0][1].message


def test_tamper_scan_covers_files_beside_the_notebook():
    found = tamper.scan_notebook({"cells": []}, files=[("helper.py", "import numpy\nnumpy.allclose = max\n")])
    assert [(pos, f.cell, f.severity) for pos, f in found] == [(-1, "helper.py", "hard")]


@pytest.mark.parametrize("source", [
    "class Counter:\n    def __init__(self):\n        self.__n = 0\n\n    def tick(self):\n        self.__n += 1\n",
    "import gc\ngc.collect()\n",
    "from functools import lru_cache\n\n@lru_cache\ndef f(n):\n    return n\n",
    "d = {}\nd.update(a=1)\nsetattr(obj, 'name', 3)\n",
])
def test_ordinary_code_has_no_hard_finding(source):
    assert [m for s, m in tamper.scan_source(source) if s == "hard"] == []


def test_a_generator_of_right_values_is_packed_as_its_values():
    """The visible tests iterate what leading_minors returns, so a generator passes them; the outside check
    must take its values the same way (issue 19)."""
    packed = checks.unpack(json.loads(json.dumps(checks.pack({"m": (float(k) for k in (-3, 5)),
                                                                "r": range(3), "z": map(abs, [-1.5])}))))
    assert packed == {"m": [-3.0, 5.0], "r": [0, 1, 2], "z": [1.5]}
    endless = checks.unpack(checks.pack(iter(int, 1)))          # an endless iterator: the first 2000 values
    assert endless == [0] * 2000
    part = checks.parts_for("ch02_curvature")["test_sylvester"]
    inputs = part.inputs(np.random.default_rng(0))
    def leading_minors(H):
        return (np.linalg.det(H[:k, :k]) for k in range(1, len(H) + 1))

    minors = [leading_minors(H) for H in inputs["H"]]
    values = checks.unpack(checks.pack({"minors": minors, "definiteness": "negative definite",
                                        "f_is": "strictly concave"}))
    assert checks.run_check(part, inputs, values) is None


# ---------------------------------------------------------------------------------------------------
# Issue 19: copying, metadata, CSV cells, files beside the notebook (no kernel)
# ---------------------------------------------------------------------------------------------------

def test_copy_submission_follows_no_link_and_reads_no_special_file(tmp_path):
    src = tmp_path / "alice" / "ch01"
    (src / "sub").mkdir(parents=True)
    (src / "nb.ipynb").write_text("{}")
    (src / "sub" / "data.csv").write_text("1,2")
    (src / "big.bin").write_bytes(b"\0" * (course.MAX_FILE_BYTES + 1))
    os.symlink("/nonexistent", src / "dangling")
    os.symlink("/dev/zero", src / "zero")
    os.symlink(tmp_path, src / "up")
    os.mkfifo(src / "fifo")
    notes = course.copy_submission(str(src), str(tmp_path / "copy"), ["nb.ipynb"])
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["nb.ipynb", "sub", "sub/data.csv"]
    assert set(notes) == {"big.bin", "dangling", "zero", "up", "fifo"}
    assert "symbolic link" in notes["zero"] and "FIFO" in notes["fifo"] and "cap" in notes["big.bin"]
    os.symlink(src, tmp_path / "alice" / "linked")
    with pytest.raises(course.SubmissionRefused, match="symbolic link"):
        course.copy_submission(str(tmp_path / "alice" / "linked"), str(tmp_path / "copy2"))


def test_restore_metadata_takes_the_source_and_drops_stray_grade_cells(tmp_path):
    source = EXERCISES / "source" / "ch02_curvature" / "ch02_curvature.ipynb"
    nb = load(source)
    nb["cells"].append({"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "bogus",
                                                                          "points": 5}, "junk": "x" * 5000},
                        "source": "1", "outputs": [], "execution_count": None})
    nb["cells"].append({"cell_type": "markdown", "metadata": {"nbgrader": dict(
        nb["cells"][1]["metadata"]["nbgrader"])}, "source": "copy of a grade id"})
    nb["cells"][1]["metadata"]["nbgrader"]["locked"] = True          # a forged flag on an answer cell
    nb["metadata"]["huge"] = "y" * 10_000
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    note = course.restore_metadata(str(path), str(source))
    got, want = load(path), load(source)
    assert note == "nbgrader metadata of 2 cell(s) not in the source dropped"
    for mine, theirs in zip(got["cells"], want["cells"]):
        assert mine["metadata"].get("nbgrader") == theirs["metadata"].get("nbgrader")
    assert [c["metadata"] for c in got["cells"][-2:]] == [{}, {}] and "huge" not in got["metadata"]


def test_csv_cells_are_neutralised():
    assert [course.csv_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "ok", 3.0)] == \
        ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\t=x", "ok", 3.0]


def test_files_beside_the_notebook_are_read_and_shadowing_ones_flagged(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "hvplib.py").write_text("x = 1\n")
    (tmp_path / "helper.py").write_text("import numpy\nnumpy.allclose = max\n")
    (tmp_path / "test.csv").write_text("1\n")                      # data named like a module: not a shadow
    (tmp_path / "numpy").mkdir()
    files, shadows = course.files_beside(str(tmp_path), {"nb.ipynb"})
    assert sorted(name for name, _ in files) == ["helper.py", "hvplib.py", "test.csv"]
    assert sorted(f.cell for f in shadows) == ["hvplib.py", "numpy"]


def test_launcher_and_harness_compile():
    from grading import handcheck, sandbox
    compile(sandbox.LAUNCHER + sandbox.KERNEL_TAIL, "launcher", "exec")
    compile(sandbox.LAUNCHER + handcheck.HARNESS, "harness", "exec")


def test_a_notebook_cgroup_caps_the_memory_of_all_its_processes():
    from grading import sandbox
    group = sandbox.Cgroup(memory_mb=100)
    if not group.procs:
        pytest.skip("no cgroup can be made here (not root, or no writable cgroup file system)")
    try:
        code = ("import os, sys, time\nfor p in sys.argv[1:]:\n    open(p, 'w').write(str(os.getpid()))\n"
                "kids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
                "        hog = bytearray(60 * 2**20)\n        time.sleep(2)\n        os._exit(0)\n    kids.append(pid)\n"
                "killed = [os.WIFSIGNALED(os.waitpid(k, 0)[1]) for k in kids]\n"
                "sys.exit(3 if any(killed) else 0)\n")          # four children of 60 MB each: 240 MB together
        import subprocess
        proc = subprocess.run([sys.executable, "-c", code, *group.procs], capture_output=True, timeout=60)
        assert proc.returncode != 0            # the tree passed 100 MB together: killed
    finally:
        group.remove()
    assert not any(os.path.exists(d) for d in group.dirs)


def test_ch03_pearlmutter_references_agree_with_autograd():
    """Exercise 03 Part 4: the closed forms the grader uses at n = 10⁵ are the dense Hessian's and third-derivative
    tensor's (autograd, n = 7), and the dense references of the small problems are exact for a quadratic."""
    import autograd
    import autograd.numpy as anp

    from grading import checks_ch03_hvp as c3

    def rosen(x):
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    rng = np.random.default_rng(3)
    x, v = rng.uniform(-1, 1, 7), rng.normal(size=7)
    np.testing.assert_allclose(c3.rosenbrock_hvp(x, v), autograd.hessian(rosen)(x) @ v, rtol=1e-12, atol=1e-10)
    T = autograd.jacobian(autograd.hessian(rosen))(x)
    np.testing.assert_allclose(c3.rosenbrock_third(x, v), np.einsum("ijk,j,k->i", T, v, v), rtol=1e-12, atol=1e-10)
    pr = {"x": x, "v": v, "D": np.zeros((2, 7)), "B": np.full(7, 2.0), "q": 3.0}
    # with D = 0 the smooth part is ¼Σx⁴ + Σ sin(x)·flip(x); the q·⟨B, x²⟩ term adds 2qB ⊙ v to Hv
    f = lambda y: 0.25 * anp.sum(y ** 4) + anp.sum(anp.sin(y) * y[::-1]) + 3.0 * anp.sum(2.0 * y ** 2)  # noqa: E731
    np.testing.assert_allclose(c3.dense_hvp(pr), autograd.hessian(f)(x) @ v, rtol=1e-12, atol=1e-10)


@pytest.mark.skipif(os.geteuid() != 0, reason="fresh kernel users need root")
def test_an_environment_the_kernel_user_cannot_reach_runs_kernels_as_the_grader(monkeypatch):
    """A checkout under a private folder (/root, a `mktemp -d`): the probe fails, and the grader must then not
    hand each notebook to a fresh user whose kernel cannot import ipykernel (every part 'kernel died', a correct
    solution 0) — it falls back to its own user, and says why, naming the private folder."""
    import tempfile
    from pathlib import Path
    from grading import sandbox
    base = Path(tempfile.mkdtemp(dir="/var/tmp"))       # pytest's own tmp_path lies under a 0700 folder already
    base.chmod(0o755)
    private = base / "private"
    (private / "env").mkdir(parents=True)
    private.chmod(0o700)
    assert sandbox.private_parents([str(private / "env")]) == [str(private)]
    assert sandbox.private_parents(["/usr/bin"]) == []
    monkeypatch.setattr(sandbox, "_probe", lambda *a, **k: (False, "ModuleNotFoundError: No module named 'ipykernel'"))
    monkeypatch.setattr(sandbox, "venv_site_dirs", lambda: [str(private / "env")])
    out = sandbox.prepare_runtime(None, hide=(), exercises_dir=str(EXERCISES))
    try:
        assert out["kernel_uid"] == -1 and "fresh" not in out
        assert "ipykernel" in out["reason"] and str(private) in out["reason"]
    finally:
        import shutil
        shutil.rmtree(out["mirror"], ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="fresh kernel users and bind mounts need root")
def test_a_checkout_under_a_private_folder_is_reached_in_the_kernels_namespace():
    """The same checkout seen under a 0700 folder (a bind mount, as a clone in /root would be): the launcher covers
    that folder with a fresh tmpfs and binds the environment back, so a fresh user still runs the kernel."""
    import subprocess
    import tempfile
    from pathlib import Path
    if not os.access("/mnt", os.W_OK):       # not /tmp or /var/tmp: the kernel gets fresh copies of those anyway
        pytest.skip("no /mnt to make the private folder in")
    base = Path(tempfile.mkdtemp(dir="/mnt"))
    base.chmod(0o755)
    checkout = base / "private" / "repo"
    checkout.mkdir(parents=True)
    (base / "private").chmod(0o700)
    if subprocess.run(["mount", "--bind", str(ROOT), str(checkout)], capture_output=True).returncode != 0:
        pytest.skip("no bind mount here")
    try:
        code = ("import sys, shutil; sys.path.insert(0, 'exercises'); from grading import sandbox\n"
                "out = sandbox.prepare_runtime(None, hide=['.'], exercises_dir='exercises')\n"
                "shutil.rmtree(out['mirror'], ignore_errors=True)\nprint(out['kernel_uid'], repr(out['reason']))\n")
        proc = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c", code], cwd=checkout,
                              capture_output=True, text=True, timeout=300)
        uid, reason = proc.stdout.strip().splitlines()[-1].split(" ", 1)
        assert int(uid) >= 0 and reason == "''", proc.stdout[-500:] + proc.stderr[-500:]
    finally:
        # never delete through the mount (it is the repository): only an empty, unmounted folder is removed
        if subprocess.run(["umount", str(checkout)], capture_output=True).returncode == 0:
            checkout.rmdir()
            checkout.parent.rmdir()
            base.rmdir()
