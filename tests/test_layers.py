"""The package's house rules, read from its source: no module imports another's private names, and the
layers (core → course → views) never import upward. (``make lint`` checks the layers with import-linter
too; this test keeps the rules in ``make test`` and says which line breaks them.)"""
import ast
import pathlib

import pytest

import hvplib

ROOT = pathlib.Path(hvplib.__file__).parent
MODULES = sorted(ROOT.rglob("*.py"))
CORE = ("_checks", "progress", "hvp", "hvp_routes", "operator", "nn", "krylov", "optimize", "problems", "data",
        "fisher", "kfac", "sam", "hypergradient", "stochastic", "training", "jax_mlp")


def module_name(path):
    parts = ["hvplib", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path):
    """The package a module belongs to (for ``hvplib/course/lab.py``: ``hvplib.course``)."""
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def resolve(path, node):
    """Absolute name of the module an ``ImportFrom`` node imports from."""
    if node.level == 0:
        return node.module
    base = package_of(path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def is_private(name):
    return name.startswith("_") and not name.startswith("__")


def same_subpackage(a, b):
    """Private names may be shared inside a subpackage (``hvplib.krylov``), not across the top level."""
    return a == b and a != "hvplib"


def private_uses(path, source=None):
    """``(line, what)`` for each private name the module at ``path`` takes from another module."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    here = package_of(path)
    modules = {}                      # local name → absolute module name, for `mod._name` accesses
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = resolve(path, node)
            source_package = source.rpartition(".")[0]
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{source}.{alias.name}"
                if is_private(alias.name) and not same_subpackage(source_package, here) and source != here:
                    found.append((node.lineno, f"from {source} import {alias.name}"))
        elif isinstance(node, ast.Attribute) and is_private(node.attr) and isinstance(node.value, ast.Name):
            target = modules.get(node.value.id)
            if target is not None and target.startswith("hvplib") and not same_subpackage(target.rpartition(".")[0], here):
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_another_modules_private_names(path):
    assert private_uses(path) == []


def imports_of(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = resolve(path, node)
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def layer(name):
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != "hvplib":
        return None
    if parts[1] in CORE:
        return 0
    return {"course": 1, "views": 2}.get(parts[1], 3)        # 3: the old paths (re-export shims)


@pytest.mark.parametrize("path", [p for p in MODULES if layer(module_name(p)) in (0, 1, 2)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_never_import_upward(path):
    mine = layer(module_name(path))
    upward = sorted({name for name in imports_of(path) if (layer(name) or 0) > mine})
    assert upward == []


def test_the_checker_sees_private_imports_and_accesses():
    source = ("from ..hvp import _check_function\nfrom ..views import plotting\nplotting._check_limits\n"
              "from .landscape import _AG_ACTIVATIONS\n")           # the last one: same subpackage, allowed
    uses = [what for _, what in private_uses(ROOT / "course" / "lab.py", source)]
    assert uses == ["from hvplib.hvp import _check_function", "plotting._check_limits"]


def test_the_checker_sees_an_upward_import():
    assert layer("hvplib.views.plotting") > layer("hvplib.course.lab") > layer("hvplib.nn") == 0
