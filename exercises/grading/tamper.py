"""A static scan of the cells a student wrote, for code that tampers with grading.

It reads the submitted source (it never runs it). IPython syntax (magics, ``!shell``) is translated to Python
first; a cell that does not parse is scanned for keywords instead. Two kinds of finding:

* ``hard``: code with no business in an exercise answer that can change how *later* cells run or are
  scored — IPython input/AST transformers, event hooks, ``run_cell`` or exception-handler overrides; assigning,
  deleting or ``setattr``-ing attributes of NumPy, autograd, hvplib, SciPy, builtins, ``sys``, ``math``,
  IPython; ``sys.modules``/``__builtins__`` edits; ``sys.setprofile``/``settrace`` (they blind the "written by
  hand" checks); ``ctypes``, ``gc`` referent walking; the gradebook or ``sqlite3``; emitting the grader's own
  MIME type. A part whose test cell runs after a cell with a hard finding, and that passed, scores 0 with
  status ``tampered`` (parts graded before that cell keep their points; failed parts keep their own status).
* ``soft``: suspicious but possibly honest — ``os._exit``/``sys.exit``, ``os.kill``/``signal``, shell escapes
  and ``subprocess``/``os.system``, frame inspection, ``importlib.reload``, writing files. Reported only.

Every finding is listed in the ``tamper`` column of the CSV, for the lecturer to look at.
"""
import ast
import re

_GUARDED_MODULES = {"numpy", "np", "autograd", "anp", "hvplib", "hv", "scipy", "builtins", "__builtins__",
                    "sys", "math", "IPython", "random", "operator", "functools", "json", "base64", "types",
                    "importlib", "inspect", "os", "io", "warnings", "traceback"}
_IPYTHON_HOOKS = {"input_transformers_post", "input_transformers_cleanup", "input_transformer_manager",
                  "ast_transformers", "set_custom_exc", "set_hook", "register_magic_function", "run_cell",
                  "run_ast_nodes", "run_code", "showtraceback", "display_pub", "displayhook", "excepthook",
                  "_showtraceback", "CustomTB", "register_post_execute", "pre_run_cell", "post_run_cell",
                  "pre_execute", "post_execute"}
_HARD_NAMES = {"ctypes": "imports ctypes", "sqlite3": "uses sqlite3 (the gradebook is an SQLite file)",
               "builtins": "touches the builtins module",
               "__builtins__": "touches __builtins__"}
_SOFT_CALLS = {("os", "_exit"): "calls os._exit", ("sys", "exit"): "calls sys.exit", ("os", "kill"): "calls os.kill",
               ("os", "system"): "runs a shell command (os.system)", ("os", "fork"): "forks",
               ("os", "popen"): "runs a shell command (os.popen)", ("importlib", "reload"): "reloads a module",
               ("sys", "_getframe"): "inspects frames", ("inspect", "currentframe"): "inspects frames",
               ("inspect", "stack"): "inspects frames"}
_KEYWORDS = [(r"input_transformers|ast_transformers|set_custom_exc|events\.register", "hard", "IPython hook"),
             (r"gradebook|sqlite3|\.db\b", "hard", "gradebook access"),
             (r"\bsetprofile\b|\bsettrace\b", "hard", "sys.setprofile/settrace"),
             (r"\bctypes\b|__builtins__|\bbuiltins\b", "hard", "builtins/ctypes"),
             (r"(np|numpy|anp|hv|hvplib|scipy|math|sys)\.[\w.]+\s*=[^=]", "hard", "monkeypatching"),
             (r"setattr\s*\(", "hard", "setattr"),
             (r"vnd\.btg", "hard", "emits the grader's MIME type"),
             (r"os\._exit|sys\.exit|subprocess|os\.system|\bsignal\b", "soft", "process control")]


class Finding:
    def __init__(self, cell, severity, message):
        self.cell, self.severity, self.message = cell, severity, message

    def __repr__(self):
        return f"Finding({self.cell!r}, {self.severity!r}, {self.message!r})"

    def __str__(self):
        return f"{self.severity}: cell {self.cell}: {self.message}"


def _to_python(source):
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001
        return source


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node, limit=64):
    """``a.b().c`` for an attribute/call chain (iterative: a chain of 10 000 calls does not recurse)."""
    parts, calls = [], 0
    for _ in range(limit):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr + "()" * calls)
            calls, node = 0, node.value
        elif isinstance(node, ast.Call):
            calls, node = calls + 1, node.func
        else:
            break
    if isinstance(node, ast.Name):
        parts.append(node.id + "()" * calls)
    return ".".join(reversed(parts))


_DANGEROUS_DUNDERS = {"__class__", "__code__", "__globals__", "__dict__", "__builtins__", "__file__", "__import__",
                      "__spec__", "__loader__", "__path__", "__defaults__", "__kwdefaults__", "__closure__",
                      "__getattribute__", "__getattr__", "__setattr__", "__bases__", "__mro__", "__subclasses__"}
_BUILTIN_TYPES = {"int", "float", "str", "list", "dict", "tuple", "set", "bool", "type", "object", "complex",
                  "bytes", "frozenset", "range", "slice", "property", "staticmethod", "classmethod", "super"}
_NAMESPACE_EDITS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}
_GC_WALKERS = {"get_objects", "get_referrers", "get_referents"}
_SYS_HOOKS = {"setprofile", "settrace", "addaudithook", "_current_frames", "setrecursionlimit_", "modules"}
_THREADS = {"threading", "_thread", "concurrent", "multiprocessing", "asyncio"}
MAX_SCAN_CHARS = 400_000          # a longer cell is only keyword-scanned


def _is_namespace(dotted, sys_names, sysmod_names=()):
    """Is ``dotted`` (from :func:`_dotted`) a namespace that holds modules or builtins?"""
    return (dotted in ("__builtins__", "builtins.__dict__") or dotted.endswith(".__dict__")
            or dotted.endswith("vars()") or dotted in sysmod_names
            or any(dotted == f"{n}.modules" for n in sys_names))


class _Visitor:
    """Visits every node of a cell without recursion (a 10 000-term sum must not raise RecursionError).

    ``modules``: names bound by imports anywhere in the submission (``import numpy as xx``,
    ``from os import path as p``): assigning attributes of one of them is monkeypatching a library.
    """

    def __init__(self, modules=(), sys_names=(), sysmod_names=()):
        self.found = []          # (severity, message)
        self.modules = set(_GUARDED_MODULES) | set(modules)
        self.sys_names = {"sys"} | set(sys_names)        # names bound to sys
        self.sysmod_names = set(sysmod_names)            # names bound to sys.modules

    def visit(self, tree):
        for node in ast.walk(tree):
            method = getattr(self, "visit_" + type(node).__name__, None)
            if method is not None:
                method(node)

    def hard(self, msg):
        self.found.append(("hard", msg))

    def soft(self, msg):
        self.found.append(("soft", msg))

    # imports
    def visit_Import(self, node):
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in _HARD_NAMES:
                self.hard(_HARD_NAMES[top])
            if top in ("subprocess", "signal", "multiprocessing"):
                self.soft(f"imports {top}")
            if top in _THREADS:
                self.soft(f"imports {top} (code run in another thread or process is not watched by the "
                          "\"written by hand\" checks)")

    def visit_ImportFrom(self, node):
        top = (node.module or "").split(".")[0]
        if top in _HARD_NAMES:
            self.hard(_HARD_NAMES[top])
        if top in ("subprocess", "signal", "multiprocessing"):
            self.soft(f"imports from {top}")
        if top in _THREADS:
            self.soft(f"imports from {top} (code run in another thread or process is not watched by the "
                      "\"written by hand\" checks)")
        for alias in node.names:
            if alias.name in _IPYTHON_HOOKS:
                self.hard(f"imports IPython internals ({alias.name})")
            if top == "sys" and alias.name in _SYS_HOOKS:
                self.hard(f"imports sys.{alias.name} (it can blind the grader's checks)")
            if top in ("threading", "sys") and alias.name in ("setprofile", "settrace"):
                self.hard(f"imports {top}.{alias.name} (it can blind the grader's checks)")
            if top == "gc" and alias.name in _GC_WALKERS:
                self.hard(f"imports gc.{alias.name} (walks live objects)")

    # assignments to module attributes (monkeypatching)
    def _target(self, target, verb):
        if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for t in (target.elts if not isinstance(target, ast.Starred) else [target.value]):
                self._target(t, verb)
            return
        if isinstance(target, ast.Attribute):
            root = _root_name(target)
            dunder = target.attr.startswith("__") and target.attr.endswith("__")
            if root in self.modules or target.attr in _IPYTHON_HOOKS or (
                    dunder and (target.attr in _DANGEROUS_DUNDERS or root in _BUILTIN_TYPES)):
                self.hard(f"{verb} {_dotted(target)} (monkeypatching)")
        elif isinstance(target, ast.Subscript):
            base = _dotted(target.value)
            if _is_namespace(base, self.sys_names, self.sysmod_names):
                self.hard(f"{verb} an entry of {base}")

    def visit_Assign(self, node):
        if isinstance(node.value, ast.Call) and _dotted(node.value.func).endswith("get_ipython"):
            for t in node.targets:                # ip = get_ipython(): ip.anything = ... is monkeypatching
                if isinstance(t, ast.Name):
                    self.modules.add(t.id)
        for t in node.targets:
            self._target(t, "assigns")

    def visit_AugAssign(self, node):
        self._target(node.target, "assigns")

    def visit_AnnAssign(self, node):
        self._target(node.target, "assigns")

    def visit_Delete(self, node):
        for t in node.targets:
            self._target(t, "deletes")

    def visit_Attribute(self, node):
        root = _root_name(node)
        if node.attr in _IPYTHON_HOOKS:
            self.hard(f"uses IPython's {node.attr}")
        elif node.attr == "register" and isinstance(node.value, ast.Attribute) and node.value.attr == "events":
            self.hard("registers an IPython event hook")
        elif node.attr in ("setprofile", "settrace", "addaudithook", "_current_frames"):
            self.hard(f"uses {_dotted(node)} (it can blind the grader's checks)")
        elif node.attr in _GC_WALKERS and root == "gc":
            self.hard(f"uses gc.{node.attr} (walks live objects)")
        elif node.attr == "__dict__" and root in self.sys_names | {"builtins", "IPython"}:
            self.hard(f"reads {_dotted(node)}")
        elif node.attr in ("f_back", "f_globals", "f_locals", "gi_frame", "tb_frame", "__code__", "__globals__"):
            self.soft(f"reaches into frames or code objects ({node.attr})")

    def visit_ExceptHandler(self, node):
        names = [n for n in ast.walk(node.type)] if node.type is not None else []
        if any(isinstance(n, ast.Name) and n.id in ("KeyboardInterrupt", "BaseException") for n in names):
            self.soft("catches KeyboardInterrupt (an interrupt cannot stop it)")

    def visit_Name(self, node):
        if node.id in ("__builtins__", "builtins"):
            self.hard(_HARD_NAMES[node.id])

    def _getattr(self, node, name):
        target = node.args[0] if node.args else None
        attr = node.args[1] if len(node.args) > 1 else None
        root = _root_name(target) if target is not None else None
        on_ipython = target is not None and _dotted(target).endswith("get_ipython()")
        sensitive = root in self.sys_names | {"builtins", "__builtins__", "threading", "gc"} or on_ipython
        if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
            if attr.value in _IPYTHON_HOOKS or attr.value in ("setprofile", "settrace", "addaudithook") or (
                    root == "gc" and attr.value in _GC_WALKERS):
                self.hard(f"{name}() of {attr.value} (it can blind the grader's checks)")
        elif sensitive:
            self.hard(f"{name}() with a computed name on {_dotted(target) or root}")
        elif attr is not None and root in self.modules:
            self.soft(f"{name}() with a computed name on {_dotted(target) or root}")

    def visit_Call(self, node):
        name = _dotted(node.func)
        if name in ("setattr", "delattr"):
            target = node.args[0] if node.args else None
            root = _root_name(target) if target is not None else None
            if root in self.modules or root in _BUILTIN_TYPES:
                self.hard(f"{name}() on {_dotted(target) or root} (monkeypatching)")
            else:
                self.soft(f"calls {name}()")
        if name in ("getattr", "delattr", "setattr"):
            self._getattr(node, name)
        if name == "vars" and node.args and _root_name(node.args[0]) in self.sys_names | {"builtins"}:
            self.hard(f"reads vars({_dotted(node.args[0])})")
        if isinstance(node.func, ast.Attribute) and node.func.attr in _NAMESPACE_EDITS:
            base = _dotted(node.func.value)
            if _is_namespace(base, self.sys_names, self.sysmod_names):
                self.hard(f"edits {base} ({node.func.attr})")
        parts = tuple(name.split("."))
        if len(parts) >= 2 and parts[-2:] in _SOFT_CALLS:
            self.soft(_SOFT_CALLS[parts[-2:]])
        if parts[-1:] in (("Thread",), ("ThreadPoolExecutor",), ("start_new_thread",), ("Process",),
                          ("ProcessPoolExecutor",), ("Pool",)):
            self.soft(f"runs code in another thread or process ({name}): the \"written by hand\" checks "
                      "re-run it where it is watched")
        if name.endswith("get_ipython().system") or name.endswith("get_ipython().getoutput"):
            self.soft("runs a shell command (!)")
        if name.endswith("run_cell_magic") and node.args and isinstance(node.args[0], ast.Constant) \
                and node.args[0].value in ("bash", "sh", "script", "writefile", "python", "python3", "capture"):
            self.soft(f"uses the %%{node.args[0].value} magic")
        if name in ("exec", "eval", "compile", "__import__"):
            self.soft(f"calls {name}()")
        if name == "open" or name.endswith(".open"):
            mode = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
                self.soft("writes a file")

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            low = node.value.lower()
            if "gradebook" in low or low.endswith(".db"):
                self.hard("names the gradebook")
            if "vnd.btg" in low:
                self.hard("emits the grader's MIME type")


def _parse(source):
    """``(tree or None, note or None)``: None and a note when the cell is too long or too deep to parse."""
    python = _to_python(source) if len(source) <= MAX_SCAN_CHARS else source
    if len(python) > MAX_SCAN_CHARS:
        return python, None, f"a cell of {len(python)} characters was only scanned for keywords"
    try:
        return python, ast.parse(python), None
    except (SyntaxError, ValueError):
        return python, None, None
    except Exception as exc:  # noqa: BLE001 - RecursionError, MemoryError: a deep expression, not an attack
        return python, None, f"a cell too deeply nested to parse ({type(exc).__name__}) was only scanned for keywords"


def _keyword_scan(python, note=None):
    found = []
    for pattern, severity, what in _KEYWORDS:
        if re.search(pattern, python[:MAX_SCAN_CHARS * 4]):
            found.append((severity, f"{what} (keyword match in a cell that does not parse)"))
    if note:
        found.append(("soft", note))
    return found


def _bound_names(tree):
    """Names bound by imports in ``tree``: ``(names, names bound to sys, names bound to sys.modules)``."""
    names, sys_names, sysmod_names = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                names.add(bound)
                if alias.name == "sys":
                    sys_names.add(bound)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                names.add(bound)
                if node.module == "sys" and alias.name == "modules":
                    sysmod_names.add(bound)
    return names, sys_names, sysmod_names


def _dedupe(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def scan_source(source, modules=(), sys_names=(), sysmod_names=()):
    """``[(severity, message), ...]`` for one cell's source (never raises on any input)."""
    try:
        python, tree, note = _parse(str(source))
        if tree is None:
            return _keyword_scan(python, note)
        names, sysn, sysm = _bound_names(tree)
        visitor = _Visitor(set(modules) | names, set(sys_names) | sysn, set(sysmod_names) | sysm)
        visitor.visit(tree)
        return _dedupe(visitor.found)
    except Exception as exc:  # noqa: BLE001 - the scan must never stop grading
        return [("soft", f"the tamper scan could not read this cell ({type(exc).__name__})")]


def student_cells(nb):
    """``[(position, label, source)]`` of the cells the student wrote: not the grader's test or locked cells."""
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
            continue                      # restored from the gradebook before grading: the grader's code
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        out.append((i, meta.get("grade_id") or f"#{i + 1}", source))
    return out


def scan_notebook(nb, files=()):
    """``[(position, Finding)]`` for every student cell of ``nb`` (a dict, as loaded from JSON), and for every
    other file the submission brings (``files``: ``[(name, text)]``, position -1: before every cell).

    Names bound by an import in any cell count as modules in every cell (``from os import path as p`` in one
    cell, ``p.abspath = ...`` in another is still monkeypatching)."""
    cells = student_cells(nb)
    modules, sys_names, sysmod_names = set(), set(), set()
    for _pos, _label, source in cells:
        try:
            _python, tree, _note = _parse(source)
            if tree is not None:
                names, sysn, sysm = _bound_names(tree)
                modules, sys_names, sysmod_names = modules | names, sys_names | sysn, sysmod_names | sysm
        except Exception:  # noqa: BLE001
            pass
    findings = []
    for name, text in files:
        for severity, message in scan_source(text, modules, sys_names, sysmod_names):
            findings.append((-1, Finding(name, severity, message)))
    for position, label, source in cells:
        for severity, message in scan_source(source, modules, sys_names, sysmod_names):
            findings.append((position, Finding(label, severity, message)))
    return findings
