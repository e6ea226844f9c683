"""Every relative link and every repository path a reader is pointed to resolves.

Markdown links ``[text](target)`` in the chapters, the exercises (source and release), the README files, the
glossary and the site's intro page, and backticked paths such as ``notebooks/03_hessian_vector_products.ipynb``
or ``exercises/release/ch02_curvature/``.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
REPO_PATH = re.compile(r"`((?:notebooks|exercises|hvplib|deploy|slides|site|benchmarks|tests)/[^`\s*]*)`")


def documents():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*/*/*.ipynb"))
    markdown = [ROOT / "README.md", ROOT / "exercises" / "README.md", ROOT / "notebooks" / "GLOSSARY.md",
                ROOT / "site" / "intro.md",
                *sorted(p for p in (ROOT / "deploy").glob("**/README.md") if "node_modules" not in p.parts)]
    return notebooks + [p for p in markdown if p.exists()]


def text_of(path):
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    return path.read_text()


def targets(text):
    for target in LINK.findall(text):
        if not re.match(r"^(https?:|mailto:|#)", target):
            yield "link", target.split("#")[0]
    for path in REPO_PATH.findall(text):
        yield "path", path


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_repository_path_resolves(doc):
    broken = []
    for kind, target in targets(text_of(doc)):
        if not target:
            continue
        base = doc.parent if kind == "link" else ROOT
        if any(ch in target for ch in "<>{}") or "NN" in target:      # placeholders such as <assignment>
            continue
        if not (base / target).exists():
            broken.append(f"{kind} {target}")
    assert not broken, f"{doc.relative_to(ROOT)}: {broken}"


def test_the_checker_finds_a_broken_link(tmp_path):
    text = "see [chapter 3](03_hvp.ipynb), `notebooks/05_landscapes.ipynb` and [ok](https://example.org)"
    found = list(targets(text))
    assert ("link", "03_hvp.ipynb") in found and ("path", "notebooks/05_landscapes.ipynb") in found
    assert not any(t.startswith("https") for _, t in found)
