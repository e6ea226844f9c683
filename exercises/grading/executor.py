"""An nbgrader ``Execute`` preprocessor that survives a dead or hung kernel.

Stock nbgrader runs a submission in one kernel: if a cell calls ``os._exit`` or loops while catching
``KeyboardInterrupt``, the whole notebook fails and every part scores 0, whatever the student got right.
``RestartingExecute`` runs the cells one by one instead and, when a cell times out or kills its kernel,

1. records an error output in that cell (``CellTimeoutError`` or ``DeadKernelError``), so the part it
   belongs to scores 0 with a reason;
2. kills the kernel, starts a fresh one, and replays (outputs discarded) the code cells that had run
   without error, so the definitions the later cells need exist again;
3. carries on with the next cell.

It also caps what one cell can store (``max_output_chars``; nbgrader's ``LimitOutput`` counts lines
only, so one 50 MB line would pass) and, in autograded test cells, turns stderr into stdout: nbgrader
scores any stderr in a test cell as a failure, so a correct answer that triggers a warning would lose its
points.

Each test cell with an entry in ``checks.CHECKS`` also gets the grader's outside check: a snippet is
appended to the cell just for this run (inputs drawn from a per-notebook secret seed, a nonce), the raw values
it emits are checked in this process, and a cell whose values are wrong gets a ``GraderCheckFailed`` error
(so nbgrader scores it 0) even if every in-kernel assertion passed. See ``checks.py``.

Kernels start through ``sandbox.SandboxKernelManager``: memory cap (``RLIMIT_AS``), an unprivileged user when
configured (``kernel_uid``/``kernel_gid``, set by ``python exercises/grading grade``), a fresh home and
working directory per notebook outside the course directory. See ``sandbox.py``.
"""
import copy
import json
import os
import secrets
import time

import numpy as np
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.client import NotebookClient
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, List, Type, Unicode

try:                                   # imported as grading.executor (nbgrader_config.py) or standalone
    from . import checks, handcheck, sandbox
except ImportError:                    # pragma: no cover
    import checks
    import handcheck
    import sandbox

__all__ = ["RestartingExecute"]

_TRUNCATED = "\n... output truncated by the grader ({} characters dropped) ...\n"


def _error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def _is_test_cell(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


class RestartingExecute(Execute):
    """Execute cell by cell; on a timeout or a dead kernel, restart, replay the good cells, go on."""

    # A timeout must not merely interrupt: a loop that catches KeyboardInterrupt would keep the kernel
    # busy and every later cell would time out too. Raising lets us kill the kernel instead.
    interrupt_on_timeout = Bool(False).tag(config=True)

    max_restarts = Integer(
        10, help="Kernel restarts allowed per notebook; the cells after the last one are not run."
    ).tag(config=True)

    max_output_chars = Integer(
        20_000, help="Characters of output (text, data, error message) kept per cell."
    ).tag(config=True)

    stderr_to_stdout_in_tests = Bool(
        True, help="In autograded test cells, store stderr as stdout so a warning does not score 0."
    ).tag(config=True)

    outside_checks = Bool(
        True, help="Check each part's values outside the kernel (checks.CHECKS); off only for debugging."
    ).tag(config=True)

    kernel_manager_class = Type(sandbox.SandboxKernelManager, klass=sandbox.AsyncKernelManager, config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", sandbox.SandboxKernelManager)   # nbgrader's Execute sets its own
        super().__init__(*args, **kwargs)

    memory_limit_mb = Integer(
        2048, help="Address-space cap of the kernel (RLIMIT_AS), MiB; 0 = none."
    ).tag(config=True)
    kernel_uid = Integer(-1, help="Run kernels as this uid (the grader must be root); -1 = as the grader.").tag(config=True)
    kernel_gid = Integer(-1).tag(config=True)
    kernel_python = Unicode("", help="Interpreter for the kernel; default: this one.").tag(config=True)
    kernel_site = List(Unicode(), help="site-packages folders the kernel adds (site.addsitedir).").tag(config=True)
    kernel_env = Dict(help="Extra environment variables for the kernel.").tag(config=True)
    kernel_path = List(Unicode(), help="Folders the kernel puts first on sys.path (the installed course package)."
                       ).tag(config=True)
    kernel_hide = List(Unicode(), help="Paths covered in the kernel's private mount namespace (as root).").tag(config=True)
    kernel_sandbox_base = Unicode("", help="Where the per-notebook kernel folders are made (default: TMPDIR)."
                                  ).tag(config=True)
    hand_checks = Bool(
        True, help="Decide the 'written by hand' rules by re-running the student's code in a fresh, watched "
                   "interpreter (handcheck.py); off only for debugging.").tag(config=True)
    notebook_budget = Integer(
        0, help="Seconds the whole notebook may take (restarts and replays included); the cells after it ran out "
                "are not run (GraderStopped). 0 = no budget.").tag(config=True)
    done_dir = Unicode("", help="Folder for the 'this notebook ran to the end' record (default: $BTG_DONE_DIR)."
                       ).tag(config=True)

    # -- output capping while messages arrive ------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return out
        _clip_fields(out)
        data = out.get("data", {}) if isinstance(out.get("data"), dict) else {}
        if checks.MIME in data:
            # the grader's values: the first one per cell is kept apart from the cap (itself capped); any other
            # output of that type counts as one more set of values (the check then fails) and is not kept
            self._payloads += 1
            if self._payloads > 1 or len(str(data[checks.MIME])) > checks.MAX_PAYLOAD_CHARS:
                if outs and outs[-1] is out:
                    outs.pop()
                return None
            out["metadata"] = {}
            return out
        budget = self.max_output_chars - self._cell_chars
        size = _output_size(out)
        if budget <= 0:
            if outs and outs[-1] is out:
                outs.pop()
            self._dropped_chars += size
            return None
        if size > budget:
            _truncate_output(out, budget)
            self._dropped_chars += size - budget
            size = budget
        self._cell_chars += size
        return out

    def _update_display_id(self, display_id, msg):
        """``display(..., display_id=...)`` updates rewrite earlier outputs: capped like any output."""
        content = msg.get("content", {})
        data = content.get("data", {}) if isinstance(content.get("data"), dict) else {}
        if checks.MIME in data or sum(len(str(v)) for v in data.values()) > self.max_output_chars or \
                len(json.dumps(content.get("metadata", {}), default=str)) > 2000:
            content["data"] = {"text/plain": "[display update dropped by the grader: too large]"}
            content["metadata"] = {}
        return super()._update_display_id(display_id, msg)

    # -- the cell loop ------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._cell_chars = 0
        self._dropped_chars = 0
        meta = (resources or {}).get("nbgrader", {})
        self._parts = checks.parts_for(meta.get("assignment", "")) if self.outside_checks else {}
        self._rng = np.random.default_rng(secrets.randbits(128))      # this notebook's secret inputs
        path = (resources or {}).get("metadata", {}).get("path")
        self._secrets = _secret_lines(nb)
        self._cell_timeout = self.timeout
        self._sandbox = sandbox.Sandbox(self.kernel_uid, self.kernel_gid, copy_from=path,
                                        base=self.kernel_sandbox_base or None, memory_mb=self.memory_limit_mb)
        start = self._start = time.monotonic()
        self._restarts = 0
        try:
            result = self._preprocess_cells(nb)
            if self.hand_checks:
                try:
                    self._hand_checks(meta.get("assignment", ""))
                except Exception as exc:  # noqa: BLE001 - a failure here must not lose the whole notebook
                    self.log.error("[btg] the by-hand re-run failed in the grader: %r", exc)
                    self._hand_check_failed(meta.get("assignment", ""), type(exc).__name__)
            self._record_done(meta, time.monotonic() - start)
            return result
        finally:
            self.timeout = self._cell_timeout
            self._sandbox.cleanup()
            try:
                user = sandbox.pwd.getpwuid(self.kernel_uid).pw_name if self.kernel_uid >= 0 else "the grader's"
            except KeyError:
                user = f"uid {self.kernel_uid}"
            self.log.info("[btg] graded %s/%s/%s in %.1f s (%d kernel restart(s), kernel user %s)",
                          meta.get("student", "?"), meta.get("assignment", "?"), meta.get("notebook", "?"),
                          time.monotonic() - start, self._restarts, user)

    def _hand_checks(self, assignment):
        """Re-run the student's code in a fresh, watched interpreter for each passed part with a "written by
        hand" rule; a part whose functions called what the rule forbids (or that cannot be verified) gets a
        GraderCheckFailed error, so it scores 0."""
        rules = handcheck.RULES.get(assignment, {})
        todo = {}
        for cell in self.nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in rules and gid in self._parts and _is_test_cell(cell) and not any(
                    o.get("output_type") == "error" for o in cell.get("outputs", [])):
                todo[gid] = self._parts[gid]
        if not todo:
            return
        cells, _inputs = handcheck.job_cells(self.nb, todo, self._rng, _is_test_cell)
        km = self.create_kernel_manager()
        remaining = self._remaining()
        timeout = max(30, int(remaining)) if remaining is not None else 120
        start = time.monotonic()
        try:
            reports = handcheck.run(sandbox.kernel_command(km.kernel_python, handcheck.HARNESS), km.sandbox_env(),
                                    self._sandbox.home, cells, timeout, call_timeout=max(10, self._cell_timeout))
        finally:
            self._sandbox.cgroup.kill()
            if self.kernel_uid > 0:
                sandbox.kill_user_processes(self.kernel_uid)
        folders = handcheck.kernel_folders()
        for cell in self.nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in todo and _is_test_cell(cell):
                reason = handcheck.verdict(rules[gid], reports.get(gid), folders)
                if reason:
                    cell.outputs.append(_error_output(
                        "GraderCheckFailed", f"the grader's own check, outside your kernel, failed: {reason}"))
                else:
                    cell.outputs.append(NotebookNode(output_type="stream", name="stdout",
                                                     text="[grader] written by hand: checked in a fresh interpreter\n"))
        self.log.info("[btg] by-hand re-run of %s in %.1f s: %s", ", ".join(todo), time.monotonic() - start,
                      {g: ("ok" if not handcheck.verdict(rules[g], reports.get(g), folders) else "refused") for g in todo})

    def _hand_check_failed(self, assignment, what):
        rules = handcheck.RULES.get(assignment, {})
        for cell in self.nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in rules and _is_test_cell(cell) and not any(
                    o.get("output_type") == "error" for o in cell.get("outputs", [])):
                cell.outputs.append(_error_output(
                    "GraderCheckFailed", f"the grader could not check that this part was written by hand ({what}); "
                                         "ask your lecturer"))

    def _record_done(self, meta, seconds):
        """Tell the grader this notebook ran to the end: ``DONE_DIR/<notebook>.json`` with the run's token."""
        folder = self.done_dir or os.environ.get("BTG_DONE_DIR", "")
        token = os.environ.get("BTG_RUN_TOKEN", "")
        if not folder or not token:
            return
        with open(os.path.join(folder, f"{meta.get('notebook', 'notebook')}.json"), "w", encoding="utf-8") as fh:
            json.dump({"token": token, "seconds": round(seconds, 1), "restarts": self._restarts}, fh)

    def _remaining(self):
        if not self.notebook_budget:
            return None
        return self.notebook_budget - (time.monotonic() - self._start)

    def _stop_rest(self, nb, index, why):
        for cell in nb.cells[index:]:
            if cell.cell_type == "code":
                cell.outputs = [_error_output("GraderStopped", f"not run: {why}")]

    def _preprocess_cells(self, nb):
        resources = self.resources
        good_cells = []          # (index, source) of code cells that ran without error
        index = 0
        restarts = 0
        while index < len(nb.cells):
            remaining = self._remaining()
            if remaining is not None and remaining < 1:
                self._stop_rest(nb, index, f"the notebook used up its total time budget of {self.notebook_budget} s")
                break
            replay = good_cells if restarts else []
            if not self._start_kernel():
                self._stop_rest(nb, index, "the grader could not start a kernel for the rest of this notebook "
                                           f"(tried {self.start_attempts} times)")
                break
            with self.setup_kernel():
                self._km_started = self.km
                if replay and not self._replay(replay):
                    self.log.warning("replay after a restart failed: going on in a fresh kernel")
                    self._restart_clean()
                while index < len(nb.cells):
                    cell = nb.cells[index]
                    remaining = self._remaining()
                    if remaining is not None and cell.cell_type == "code":
                        if remaining < 1:
                            self._stop_rest(nb, index, f"the notebook used up its total time budget of "
                                                       f"{self.notebook_budget} s")
                            index = len(nb.cells)
                            break
                        self.timeout = max(1, min(self._cell_timeout, int(remaining)))
                    try:
                        self.preprocess_cell(cell, resources, index)
                    except (CellTimeoutError, DeadKernelError) as exc:
                        self._record_kernel_failure(nb.cells[index], exc)
                        self.shutdown_kernel = "immediate"
                        index += 1
                        restarts += 1
                        self._restarts = restarts
                        break
                    cell = nb.cells[index]
                    if cell.cell_type == "code" and not any(
                        o.get("output_type") == "error" for o in cell.get("outputs", [])
                    ):
                        good_cells.append((index, cell.source))
                    index += 1
            self.shutdown_kernel = "graceful"
            self._kill_leftovers()
            if restarts > self.max_restarts and index < len(nb.cells):
                self._stop_rest(nb, index, f"the kernel was restarted {restarts} times in this notebook")
                break
        self.set_widgets_metadata()
        return self.nb, self.resources

    start_attempts = 3

    def _start_kernel(self):
        """Start a kernel and get its info, retrying after a kernel that dies at start (whatever killed it,
        for instance something the submission left behind, is killed first); False if it never comes up."""
        for _ in range(self.start_attempts):
            try:
                if self.km is None:
                    self.km = self.create_kernel_manager()
                self.start_new_kernel()
                self.start_new_kernel_client()
                self._kernel_info()
                return True
            except Exception as exc:  # noqa: BLE001 - DeadKernelError, RuntimeError (died before replying) ...
                self.log.warning("[btg] a kernel died at start (%r): killing what is left and retrying", exc)
                try:
                    self.shutdown_kernel = "immediate"
                    self._cleanup_kernel()
                except Exception:  # noqa: BLE001
                    pass
                self.shutdown_kernel = "graceful"
                self._kill_leftovers()
                self.km = None
                self.kc = None
        return False

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, sandbox.SandboxKernelManager):
            km.sandbox = self._sandbox
            km.kernel_python = self.kernel_python or km.kernel_python
            km.kernel_site = list(self.kernel_site)
            km.kernel_path = list(self.kernel_path)
            km.kernel_hide = list(self.kernel_hide)
            km.kernel_env = dict(self.kernel_env)
            km.kernel_uid, km.kernel_gid = self.kernel_uid, self.kernel_gid
            km.memory_limit_mb = self.memory_limit_mb
        return km

    def _kill_leftovers(self):
        km = getattr(self, "_km_started", None)
        if isinstance(km, sandbox.SandboxKernelManager):
            km.kill_group()
        self._sandbox.cgroup.kill()
        if self.kernel_uid > 0:                  # this notebook's own user: nothing of it survives a restart
            sandbox.kill_user_processes(self.kernel_uid)

    def preprocess_cell(self, cell, resources, index):
        self._cell_chars = 0
        self._dropped_chars = 0
        self._payloads = 0
        part = self._parts.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")) \
            if _is_test_cell(cell) else None
        original = cell.source
        if part is not None:
            inputs = part.inputs(self._rng)
            nonce = secrets.token_hex(16)
            cell.source = original + checks.snippet(part, inputs, nonce)
        try:
            self._check_assign_resources(resources)
            # a test cell (hidden tests, the grader's snippet) stays out of the kernel's history: In, _ih, _i
            cell = self.execute_cell(cell, index, store_history=not _is_test_cell(cell))
            resources = self.resources
        finally:
            self.nb.cells[index].source = original
        cell = self.nb.cells[index]
        cell.source = original
        self._outside_check(cell, part, inputs if part else None, nonce if part else None)
        self._finish_cell(cell)
        return cell, resources

    def _outside_check(self, cell, part, inputs, nonce):
        """Strip the grader's payloads; for a test cell that ran cleanly, check its values here."""
        if cell.cell_type != "code":
            return
        payloads, rest = checks.read_payloads(cell.get("outputs", []))
        cell.outputs = rest
        if part is None or any(o.get("output_type") == "error" for o in rest):
            return
        count = max(len(payloads), getattr(self, "_payloads", 0))
        if count != 1:
            reason = ("the cell emitted no values for the grader to check" if not count else
                      f"the cell emitted {count} sets of values instead of one")
        else:
            try:
                reason = checks.run_check(part, inputs, checks.decode(payloads[0], nonce))
            except Exception as exc:  # noqa: BLE001
                reason = str(exc)[:300]
        if reason is None:
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout",
                                             text="[grader] values checked outside your kernel: right\n"))
        else:
            cell.outputs.append(_error_output(
                "GraderCheckFailed", f"the grader's own check, outside your kernel, failed: {reason}"))

    # -- helpers ------------------------------------------------------------------------------------

    def _kernel_info(self):
        info = self.wait_for_reply(self.kc.kernel_info())
        if info is not None and "language_info" in info["content"]:
            self.nb.metadata["language_info"] = info["content"]["language_info"]

    def _replay(self, good_cells):
        """Re-run earlier good cells in the new kernel, keeping the notebook's stored outputs."""
        for index, source in good_cells:
            original = self.nb.cells[index]
            scratch = copy.deepcopy(original)
            scratch.source = source
            try:
                self._cell_chars = 0
                self._payloads = 0
                self.execute_cell(scratch, index, store_history=False)
            except (CellTimeoutError, DeadKernelError):
                return False
            finally:
                self.nb.cells[index] = original
        return True

    def _restart_clean(self):
        self.shutdown_kernel = "immediate"
        self._cleanup_kernel()
        self.shutdown_kernel = "graceful"
        self.km = self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
        self._kernel_info()

    def _record_kernel_failure(self, cell, exc):
        if isinstance(exc, DeadKernelError):
            error = _error_output(
                "DeadKernelError",
                "the kernel died while running this cell (os._exit, a crash or running out of memory); "
                "the grader restarted it and re-ran the earlier cells")
        elif self.timeout < self._cell_timeout:
            error = _error_output(
                "CellTimeoutError",
                f"the notebook's total time budget of {self.notebook_budget} s ran out during this cell; "
                "the grader stopped the kernel")
        else:
            error = _error_output(
                "CellTimeoutError",
                f"this cell ran longer than the grader's limit of {self.timeout} s per cell (an endless "
                "loop?); the grader stopped the kernel, restarted it and re-ran the earlier cells")
        _payloads, outputs = checks.read_payloads(cell.get("outputs", []))
        cell.outputs = outputs + [error]
        self._finish_cell(cell)

    def _finish_cell(self, cell):
        if cell.cell_type != "code":
            return
        for out in cell.outputs:
            _clip_fields(out)
            _scrub(out, self._secrets)
            if out.get("output_type") == "error":
                out["evalue"] = _clip(str(out.get("evalue", "")), 2000)
                out["traceback"] = [_clip(str(line), 2000) for line in out.get("traceback", [])[:100]]
            if (self.stderr_to_stdout_in_tests and _is_test_cell(cell)
                    and out.get("output_type") == "stream" and out.get("name") == "stderr"):
                out["name"] = "stdout"
                out["text"] = "[stderr] " + out["text"]
        if self._dropped_chars:
            cell.outputs.append(NotebookNode(
                output_type="stream", name="stdout", text=_TRUNCATED.format(self._dropped_chars)))
            self._dropped_chars = 0


_SNIPPET_MARKERS = ("_btg_grader_check", "_btg_pack", "_btg_unpack", "appended by the grader (not part of the notebook)",
                    "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def _secret_lines(nb):
    """Lines the kernel's outputs must not show: the hidden tests of the notebook (restored from the gradebook
    before execution) and the grader's snippet."""
    lines = {line.strip() for line in (checks._PACK_SRC + checks._SNIPPET).splitlines() if len(line.strip()) >= 8
             and "{" not in line}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        inside = False
        for line in str(cell.source).splitlines():
            if "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 8:
                lines.add(line.strip())
    return sorted(lines)


def _contains_secret(text, secrets_):
    return any(m in text for m in _SNIPPET_MARKERS) or any(line in text for line in secrets_)


def _scrub(out, secrets_):
    """Replace every line of an output that shows a hidden test or the grader's snippet (printed from
    ``In``, ``linecache`` or a traceback) so it reaches neither the graded notebook nor the feedback."""
    note = "[line removed by the grader: it showed the grader's hidden code]"

    def clean(text):
        if not isinstance(text, str) or not _contains_secret(text, secrets_):
            return text
        return "\n".join(note if _contains_secret(line, secrets_) else line for line in text.split("\n"))

    kind = out.get("output_type")
    if kind == "stream":
        out["text"] = clean(out.get("text", ""))
    elif kind == "error":
        out["evalue"] = clean(str(out.get("evalue", "")))
        out["traceback"] = [clean(str(t)) for t in out.get("traceback", [])]
    elif isinstance(out.get("data"), dict):
        for key, value in list(out["data"].items()):
            if key == checks.MIME:
                continue
            if isinstance(value, str) and _contains_secret(value, secrets_):
                out["data"][key] = clean(value) if key == "text/plain" else note
            elif not isinstance(value, str) and _contains_secret(json.dumps(value)[:200_000], secrets_):
                out["data"][key] = note


def _clip_fields(out):
    """Fields the cap on text does not see: output metadata and an error's name."""
    if "metadata" in out and len(json.dumps(out.get("metadata"), default=str)) > 2000:
        out["metadata"] = {}
    if out.get("output_type") == "error":
        out["ename"] = _clip(str(out.get("ename", "Error")), 100)
        out["evalue"] = _clip(str(out.get("evalue", "")), 2000)
        if not isinstance(out.get("traceback"), list):
            out["traceback"] = []
        out["traceback"] = [_clip(str(t), 2000) for t in out["traceback"][:100]]


def _clip(text, limit):
    return text if len(text) <= limit else text[:limit] + f" ... [{len(text) - limit} characters cut]"


def _output_size(out):
    extra = len(json.dumps(out.get("metadata", {}), default=str)) if out.get("metadata") else 0
    if out.get("output_type") == "stream":
        return len(out.get("text", "")) + extra
    if out.get("output_type") == "error":
        return (len(str(out.get("ename", ""))) + len(str(out.get("evalue", "")))
                + sum(len(str(t)) for t in out.get("traceback", [])) + extra)
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in out.get("data", {}).values()) + extra


def _truncate_output(out, budget):
    if out.get("output_type") == "stream":
        out["text"] = out["text"][:budget]
    elif out.get("output_type") == "error":
        out["evalue"] = _clip(str(out.get("evalue", "")), budget)
        out["traceback"] = [_clip(str(t), budget) for t in out.get("traceback", [])[:100]]
    else:
        data = out.get("data", {})
        for key in list(data):
            value = data[key]
            if isinstance(value, str) and len(value) > budget:
                if key == "text/plain":
                    data[key] = value[:budget]
                else:
                    del data[key]          # a clipped image or HTML is garbage: drop it
        if not data:
            data["text/plain"] = "[output dropped by the grader: too large]"
