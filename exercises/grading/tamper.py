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
               "gc": "uses gc (walks live objects)", "builtins": "touches the builtins module",
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


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


class _Visitor(ast.NodeVisitor):
    def __init__(self):
        self.found = []          # (severity, message)
        self.modules = set(_GUARDED_MODULES)     # names bound to modules by imports in this notebook

    def hard(self, msg):
        self.found.append(("hard", msg))

    def soft(self, msg):
        self.found.append(("soft", msg))

    # imports
    def visit_Import(self, node):
        for alias in node.names:
            top = alias.name.split(".")[0]
            self.modules.add(alias.asname or top)
            if top in _HARD_NAMES:
                self.hard(_HARD_NAMES[top])
            if top in ("subprocess", "signal", "multiprocessing"):
                self.soft(f"imports {top}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        top = (node.module or "").split(".")[0]
        if top in _HARD_NAMES:
            self.hard(_HARD_NAMES[top])
        if top in ("subprocess", "signal", "multiprocessing"):
            self.soft(f"imports from {top}")
        for alias in node.names:
            if alias.name in _IPYTHON_HOOKS:
                self.hard(f"imports IPython internals ({alias.name})")
        self.generic_visit(node)

    # assignments to module attributes (monkeypatching)
    def _target(self, target, verb):
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t, verb)
            return
        if isinstance(target, ast.Attribute):
            root = _root_name(target)
            if root in self.modules or target.attr.startswith("__") or target.attr in _IPYTHON_HOOKS:
                self.hard(f"{verb} {_dotted(target)} (monkeypatching)")
        elif isinstance(target, ast.Subscript):
            base = _dotted(target.value)
            if base in ("sys.modules", "__builtins__", "builtins.__dict__") or base.endswith(".__dict__") or \
                    base.endswith("vars()"):
                self.hard(f"{verb} an entry of {base}")

    def visit_Assign(self, node):
        if isinstance(node.value, ast.Call) and _dotted(node.value.func).endswith("get_ipython"):
            for t in node.targets:                # ip = get_ipython(): ip.anything = ... is monkeypatching
                if isinstance(t, ast.Name):
                    self.modules.add(t.id)
        for t in node.targets:
            self._target(t, "assigns")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, "assigns")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._target(node.target, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._target(t, "deletes")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in _IPYTHON_HOOKS:
            self.hard(f"uses IPython's {node.attr}")
        elif node.attr == "register" and isinstance(node.value, ast.Attribute) and node.value.attr == "events":
            self.hard("registers an IPython event hook")
        elif node.attr in ("setprofile", "settrace") and _root_name(node) in self.modules:
            self.hard(f"uses sys.{node.attr} (it can blind the grader's checks)")
        elif node.attr in ("f_back", "f_globals", "f_locals", "gi_frame", "tb_frame", "__code__", "__globals__"):
            self.soft(f"reaches into frames or code objects ({node.attr})")
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        names = [n for n in ast.walk(node.type)] if node.type is not None else []
        if any(isinstance(n, ast.Name) and n.id in ("KeyboardInterrupt", "BaseException") for n in names):
            self.soft("catches KeyboardInterrupt (an interrupt cannot stop it)")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in ("__builtins__", "builtins"):
            self.hard(_HARD_NAMES[node.id])
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        if name in ("setattr", "delattr"):
            target = node.args[0] if node.args else None
            root = _root_name(target) if target is not None else None
            if root in self.modules or root in ("int", "float", "str", "list", "dict", "type", "object"):
                self.hard(f"{name}() on {_dotted(target) or root} (monkeypatching)")
            else:
                self.soft(f"calls {name}()")
        parts = tuple(name.split("."))
        if len(parts) >= 2 and parts[-2:] in _SOFT_CALLS:
            self.soft(_SOFT_CALLS[parts[-2:]])
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
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            low = node.value.lower()
            if "gradebook" in low or low.endswith(".db"):
                self.hard("names the gradebook")
            if "vnd.btg" in low:
                self.hard("emits the grader's MIME type")
        self.generic_visit(node)


def scan_source(source):
    """``[(severity, message), ...]`` for one cell's source."""
    python = _to_python(source)
    try:
        tree = ast.parse(python)
    except (SyntaxError, ValueError):
        found = []
        for pattern, severity, what in _KEYWORDS:
            if re.search(pattern, python):
                found.append((severity, f"{what} (keyword match in a cell that does not parse)"))
        return found
    visitor = _Visitor()
    visitor.visit(tree)
    seen, out = set(), []
    for item in visitor.found:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


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


def scan_notebook(nb):
    """``[(position, Finding)]`` for every student cell of ``nb`` (a dict, as loaded from JSON)."""
    findings = []
    for position, label, source in student_cells(nb):
        for severity, message in scan_source(source):
            findings.append((position, Finding(label, severity, message)))
    return findings
