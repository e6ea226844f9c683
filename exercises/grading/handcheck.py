""""Written by hand": decided by re-running the student's code in a fresh interpreter the student cannot patch.

The hidden tests record calls with ``sys.setprofile`` inside the student's kernel, where code from another
thread is invisible and the profiler can be switched off or fooled. So, after a notebook ran, for each part
with a "by hand" rule (``RULES``) whose test passed, the executor starts a fresh Python as the kernel user, in
the same sandbox (namespace, limits, clean environment), that

1. before any student code: reads its job (the notebook's code cells up to the part, hidden tests cut out, the
   grader's inputs and a one-time token) from standard input, binds every function it will need later, and
   installs an **audit hook** (it cannot be removed) that, once student code runs, refuses frame and ``gc``
   walking, ``sys.setprofile``/``settrace``, ``ctypes``, new code objects, forks and subprocesses;
2. runs the cells (errors ignored, as in the kernel), then calls the part's functions on the grader's inputs
   in a forked child (where no thread the cells started exists) under the C profiler ``_lsprof`` (it records
   every Python and built-in call in C memory that student code cannot reach), and checks that the call
   started no thread;
3. prints one line: the token and what was called.

The grader's process reads that line and applies the part's rule (which folders and functions are forbidden).
No line with the token (the student's code crashed the interpreter, hung, or printed a forgery) means the part
could not be verified, and it scores 0 like a forbidden call.
"""
import ast
import json
import os
import secrets
import subprocess

from . import checks, checks_ch04_optimization
from .checks_ch03_hvp import RULE as PEARLMUTTER_RULE

# "No autograd" means no autograd *differentiation*: ``anp.sin``/``anp.tanh`` arithmetic is NumPy with a wrapper
# and is allowed; every derivative autograd takes goes through one of these functions.
AUTOGRAD_DIFF = frozenset({
    "grad", "elementwise_grad", "deriv", "jacobian", "holomorphic_grad", "grad_named", "hessian", "make_hvp",
    "hessian_tensor_product", "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product",
    "make_jvp_reversemode", "make_ggnvp", "value_and_grad", "grad_and_aux", "multigrad_dict", "checkpoint",
    "make_vjp", "make_jvp", "backward_pass"})

_CG_RULE = ([("hvplib", None), ("scipy", None),
            ("numpy.linalg", {"solve", "inv", "pinv", "lstsq", "qr", "cholesky", "eig", "eigh", "svd"})],
            "cgls must be your own loop on products")
_EIG_FREE = [("hvplib", None), ("scipy", None), ("numpy.linalg", {"eig", "eigh", "eigvals", "eigvalsh", "svd"})]
_POWER_RULE = (_EIG_FREE, "smallest_eigenpair must use the matvec only")
_HUTCHPP_RULE = (_EIG_FREE, "hutch_plus_plus must use the matvec only (np.linalg.qr is allowed)")
_LANCZOS_RULE = ([("hvplib", None), ("scipy", None)],
                 "lanczos_ritz must be your own Lanczos loop on the matvec (np.linalg.eigh on T_k is allowed)")
_LOGREG_RULE = ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "logreg_hessian must be written by hand")

# The part -> (forbidden modules, forbidden functions of numpy.linalg, forbidden hvplib functions, message)
# rules, as the hidden tests state them: (module, names or None = any function defined in that module's folder)
RULES = {
    "ch01_definition": {
        "test_hessian_diag": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "hessian_f must be written by hand"),
        "test_gradient_f": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "gradient_f must be written by hand"),
        "test_gradient_yz": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "gradient_f must be written by hand"),
        "test_hessian_f": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "hessian_f must be written by hand"),
    },
    "ch02_curvature": {
        "test_curvatures": ([("hvplib", None)], "curvatures must not call hvplib"),
        "test_long_axis": ([("hvplib", None)], "long_semi_axis must not call hvplib"),
        "test_classify": ([("hvplib", None)], "classify must not call hvplib"),
        "test_classify_edge": ([("hvplib", None)], "classify must not call hvplib"),
        "test_sylvester": ([("hvplib", None)], "leading_minors must not call hvplib"),
        "test_hessian_origin": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "hessian_origin must be written by hand"),
        "test_null_direction": ([("hvplib", None)], "null_direction must not call hvplib"),
        "test_nature": ([("hvplib", None)], "nature must not call hvplib"),
    },
    "ch03_hvp": {
        "test_fd_hvp": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "fd_hvp must not call hvplib/autograd"),
        "test_fd_eps": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "fd_hvp must not call hvplib/autograd"),
        "test_fd_zero": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "fd_hvp must not call hvplib/autograd"),
        "test_rop_hvp": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "rop_hvp must be written by hand"),
        "test_rop_hidden": ([("hvplib", None), ("autograd", AUTOGRAD_DIFF)], "rop_hvp must be written by hand"),
        # Part 4 must differentiate with autograd: only hvplib and autograd's ready-made HVP helpers are refused
        "test_pearlmutter": PEARLMUTTER_RULE,
        "test_pearlmutter_cost": PEARLMUTTER_RULE,
        "test_curvature_gradient": PEARLMUTTER_RULE,
    },
    "ch04_optimization": {
        "test_cg": _CG_RULE,
        "test_cg_budget": _CG_RULE,
        "test_cg_zero": _CG_RULE,
        **checks_ch04_optimization.rules(AUTOGRAD_DIFF),   # Part 2: the Newton-CG step and its outer loop
    },
    "ch05_landscapes": {
        "test_power": _POWER_RULE,
        "test_power_negative": _POWER_RULE,
        "test_lanczos": _LANCZOS_RULE,
        "test_lanczos_ritz": _LANCZOS_RULE,
        "test_lanczos_certificate": _LANCZOS_RULE,
        "test_hutchpp": _HUTCHPP_RULE,
        "test_hutchpp_decay": _HUTCHPP_RULE,
        "test_logreg": _LOGREG_RULE,
        "test_logreg_large": _LOGREG_RULE,
    },
}

RULES.update(checks.RULES_LATER)  # chapters 06–08 (issue 18): their rules live in checks_later.py

# Runs in the fresh interpreter after the launcher (limits, namespace, privileges). Job on stdin.
HARNESS = r'''
def _btg_hand():
    import sys, os, json, base64, _lsprof, builtins
    job = json.loads(sys.stdin.buffer.read().decode())
    token, cells, fd, call_timeout = job["token"], job["cells"], job["fd"], job.get("call_timeout", 60)
    import time
    fork_, waitpid_, kill_, WNOHANG, monotonic, sleep_ = os.fork, os.waitpid, os.kill, os.WNOHANG, time.monotonic, time.sleep
    write, repr_, len_, str_, isinstance_, exit_ = os.write, repr, len, str, isinstance, os._exit
    current_frames, getprofile, Profiler, exec_, compile_ = sys._current_frames, sys.getprofile, _lsprof.Profiler, exec, compile
    BaseException_, str_copy, list_ = BaseException, str.__str__, list
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        transform = TransformerManager().transform_cell
    except Exception:
        transform = lambda s: s
    import numpy, autograd, autograd.numpy, hvplib                # what the kernel had imported
    import matplotlib.pyplot, scipy.linalg, scipy.optimize        # plot parts, common imports: their import runs
    # frame and code-object calls the hook below refuses (issue 18: a cell importing pyplot lost its functions)
    state = {"student": False, "call": False, "blocked": [], "own": None}
    refused = ("sys.setprofile", "sys.settrace", "sys._current_frames", "gc.get_objects",
               "gc.get_referrers", "gc.get_referents", "object.__getattr__", "code.__new__", "os.fork",
               "os.forkpty", "os.posix_spawn", "os.exec", "os.spawn", "subprocess.Popen", "os.system",
               "os.kill", "os.killpg", "signal.pthread_kill", "sys.addaudithook", "function.__new__", "ctypes")

    def hook(event, args, state=state, refused=refused):
        if not state["student"]:
            return
        if event == "exec" and args and args[0] is state["own"]:
            return
        if event == "sys._getframe":
            state["blocked"].append(event)
            raise ValueError("call stack is not deep enough")
        if event.startswith(refused) or (state["call"] and event in ("exec", "compile")):
            state["blocked"].append(event)
            raise RuntimeError("refused by the grader while it re-runs your code: " + event)

    sys.addaudithook(hook)

    class _Shell:
        def __getattr__(self, name):
            return lambda *a, **k: None
    ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: _Shell()}
    for kind, payload in cells:
        if kind == "code":
            try:
                code = compile_(transform(payload), "<cell>", "exec")
            except BaseException_:
                continue
            state["own"], state["student"] = code, True
            try:
                exec_(code, ns)
            except BaseException_:
                pass
            state["student"] = False
            continue
        gid, source = payload
        try:
            code = compile_(source, "<btg-grader>", "exec")
        except BaseException_:
            line = repr_([(gid, "error", "the grader's call did not compile")])
            write(fd, (token + " " + base64.b64encode(line.encode()).decode() + "\n").encode())
            continue
        # the call runs in a forked child: threads the student's cells started do not exist there, so nothing
        # can compute on its behalf out of the profiler's sight
        pid = fork_()
        if pid == 0:
            threads = len_(current_frames())
            prof = Profiler(builtins=True)
            before = len_(state["blocked"])
            failed = False
            state["own"] = code
            prof.enable()
            state["student"] = state["call"] = True
            try:
                exec_(code, ns)
            except BaseException_:
                failed = True
            state["student"] = state["call"] = False
            still = getprofile() is prof
            prof.disable()
            names, extra = [], []
            for entry in prof.getstats():
                c = entry.code
                try:
                    if isinstance_(c, str_):
                        names.append(("<builtin>", str_copy(c), entry.callcount))
                    else:
                        names.append((str_copy(c.co_filename), str_copy(c.co_name), entry.callcount))
                except BaseException_:
                    extra.append("odd code object")
            if failed:
                extra.append("error")
            if not still:
                extra.append("profiler")
            if len_(state["blocked"]) > before:
                extra.append("blocked:" + ",".join(state["blocked"][before:]))
            if len_(current_frames()) > 1 or threads > 1:
                extra.append("threads")
            line = repr_([(gid, "ran", repr_((names, extra)))])
            write(fd, (token + " " + base64.b64encode(line.encode()).decode() + "\n").encode())
            exit_(0)
        end = monotonic() + call_timeout
        while monotonic() < end:
            if waitpid_(pid, WNOHANG)[0] == pid:
                break
            sleep_(0.02)
        else:
            try:
                kill_(pid, 9)
            except OSError:
                pass
            waitpid_(pid, 0)
    exit_(0)
_btg_hand()
'''


def kernel_folders():
    """Folders of the modules the rules name, as the kernel sees them (the installed hvplib copy is found
    by its folder name)."""
    import importlib.util
    out = {}
    for mod in ("autograd", "scipy", "numpy.linalg"):
        spec = importlib.util.find_spec(mod)
        if spec is not None and spec.origin:
            out[mod] = os.path.dirname(os.path.abspath(spec.origin)) + os.sep
    return out


def _in_module(filename, module, folders):
    filename = os.path.abspath(filename) if not filename.startswith("<") else filename
    if module.startswith("hvplib"):
        tail = os.sep + os.path.join(*module.split(".")) + os.sep
        return tail in filename or (module == "hvplib" and filename.endswith(os.sep + "hvplib.py"))
    folder = folders.get(module)
    return bool(folder) and filename.startswith(folder)


def verdict(rule, report, folders):
    """None if the part's functions were written by hand, else the reason (a string)."""
    forbidden, message = rule
    if report is None:
        return (f"{message}, and the grader could not re-run your code in a fresh interpreter to check it "
                "(it crashed, hung or printed over the grader's record)")
    kind, detail = report
    if kind != "ran":
        return f"{message}; the grader could not run its check ({detail[:150]})"
    names, extra = detail
    order = {"threads": 0, "profiler": 1, "odd code object": 3, "error": 4}
    for note in sorted(extra, key=lambda n: order.get(n, 2)):
        if note == "threads":
            return f"{message}: it ran code in another thread, where the grader cannot see what it calls"
        if note.startswith("blocked:"):
            return f"{message}: it used {note[8:][:80]}, which the grader does not allow while it watches"
        if note == "profiler":
            return f"{message}: it switched off the grader's call recording"
        if note == "error":
            return f"{message}; re-run in a fresh interpreter, the call raised an error"
        if note == "odd code object":
            return f"{message}: it ran code objects the grader cannot read"
    used = []
    for filename, name, count in names:
        if filename == "<builtin>":
            if "start_new_thread" in name or "setprofile" in name or "settrace" in name or (
                    "_lsprof.Profiler" in name and ("disable" not in name or count > 1)):
                return f"{message}: it called {name[:80]} while the grader watched"
            continue
        for module, fnames in forbidden:
            if _in_module(filename, module, folders) and (fnames is None or name in fnames):
                used.append(f"{module}.{name}")
    if used:
        return f"{message}, but it called {sorted(set(used))[:3]}"
    return None


_SKIPPED = ("CellTimeoutError", "DeadKernelError", "GraderStopped")


def strip_hidden(source):
    out, inside = [], False
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def job_cells(nb, parts, rng, is_test_cell):
    """The fresh interpreter's program: ``[("code", source) | ("call", (grade_id, code))]`` up to the last
    checked part (``parts``: ``{grade_id: checks.Part}``), and the inputs drawn for each call."""
    cells, inputs, last = [], {}, max((i for i, c in enumerate(nb.cells)
                                       if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") in parts),
                                      default=-1)
    for i, cell in enumerate(nb.cells[:last + 1]):
        if cell.cell_type != "code":
            continue
        if any(o.get("output_type") == "error" and o.get("ename") in _SKIPPED for o in cell.get("outputs", [])):
            continue                     # the kernel could not run it either (it hung or killed the kernel)
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if is_test_cell(cell):
            if gid in parts:
                inputs[gid] = parts[gid].inputs(rng)
                cells.append(("call", (gid, checks.call_code(parts[gid], inputs[gid]))))
            cells.append(("code", strip_hidden(str(cell.source))))
        else:
            cells.append(("code", str(cell.source)))
    return cells, inputs


MAX_RECORD_BYTES = 16 * 2**20


def run(command, env, cwd, cells, timeout, call_timeout=60):
    """Run the harness; ``{grade_id: report}`` (a part without a trustworthy record is missing).

    The student's stdout and stderr go nowhere; the record comes on a pipe of its own, read up to
    ``MAX_RECORD_BYTES``, one line per part, each starting with a one-time token the student's code never sees.
    A part with more than one line (a forgery beside the real one) has no report.
    """
    import base64
    import select
    import time

    token = secrets.token_hex(16)
    r, w = os.pipe()
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env, cwd=cwd, pass_fds=(w,), start_new_session=True)
    except OSError:
        os.close(r)
        os.close(w)
        return {}
    os.close(w)
    data = bytearray()
    deadline = time.monotonic() + timeout
    try:
        try:
            proc.stdin.write(json.dumps({"token": token, "cells": cells, "fd": w,
                                         "call_timeout": call_timeout}).encode())
            proc.stdin.close()
        except OSError:
            pass
        while time.monotonic() < deadline and len(data) < MAX_RECORD_BYTES:
            ready, _, _ = select.select([r], [], [], max(0.0, min(1.0, deadline - time.monotonic())))
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(r)
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            pass
        proc.wait()
    counts, reports = {}, {}
    for line in data.decode(errors="replace").splitlines():
        if not line.startswith(token + " "):
            continue
        try:
            for gid, kind, detail in ast.literal_eval(base64.b64decode(line[len(token) + 1:]).decode()):
                counts[gid] = counts.get(gid, 0) + 1
                reports[gid] = (kind, ast.literal_eval(detail) if kind == "ran" else detail)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return {gid: rep for gid, rep in reports.items() if counts[gid] == 1}
