"""Binder, Colab and the README's routes: what a student clicks must open the course."""
import contextlib
import io
import os
import re
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
with open(ROOT / "pyproject.toml", "rb") as f:
    REPO = tomllib.load(f)["project"]["urls"]["Repository"]
OWNER_REPO = REPO.removeprefix("https://github.com/")


def setup_cell(path):
    return nbformat.read(path, as_version=4).cells[0]


def test_the_repository_url_is_a_github_repository():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPO), REPO


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_opens_with_the_colab_setup_cell(path):
    cell = setup_cell(path)
    assert cell.cell_type == "code" and not cell.outputs
    assert {"colab-setup", "remove-cell"} <= set(cell.metadata.get("tags", []))   # hidden on the site
    assert cell.metadata.get("slideshow", {}).get("slide_type") == "skip"          # and in the decks
    assert f"git+{REPO}" in cell.source
    assert cell.source == setup_cell(CHAPTERS[0]).source                             # one cell, the same everywhere


@pytest.mark.parametrize("on_colab", [False, True])
def test_the_setup_cell_installs_only_on_colab(monkeypatch, on_colab):
    calls = []
    monkeypatch.setattr("subprocess.run", lambda args, **kw: calls.append((args, kw)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        exec(compile(setup_cell(CHAPTERS[1]).source, "setup-cell", "exec"), {})
    assert out.getvalue() == ""
    if not on_colab:
        assert calls == []
        return
    [(args, kw)] = calls
    assert args[:4] == [sys.executable, "-m", "pip", "install"] and kw.get("check") is True
    assert args[-1] == f"hvplib[data] @ git+{REPO}"


def test_readme_links_every_chapter_to_colab_and_binder_to_chapter_00():
    readme = (ROOT / "README.md").read_text()
    for path in CHAPTERS:
        url = f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/notebooks/{path.name}"
        assert f"]({url})" in readme, path.name
    assert f"https://mybinder.org/v2/gh/{OWNER_REPO}/main?urlpath=lab/tree/notebooks/00_welcome.ipynb" in readme
    for route in ("Linux or macOS", "Windows", "Binder", "Google Colab", "JupyterHub"):
        assert f"**{route}" in readme or f"**A class on {route}" in readme, route


def test_binder_builds_from_the_pinned_requirements_and_installs_the_package():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()   # else repo2docker ignores the root
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    assert "numpy==" in (ROOT / "requirements.txt").read_text()
    post = ROOT / "postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/bin/bash")
    assert re.search(r"pip install .*-e \.\s*$", post.read_text(), re.M)


def test_the_site_puts_a_colab_link_under_each_chapter_title(tmp_path):
    sys.path.insert(0, str(ROOT / "site"))
    try:
        import build_site
    finally:
        sys.path.remove(str(ROOT / "site"))
    nb = build_site.with_colab_link(CHAPTERS[2], tmp_path / CHAPTERS[2].name)
    first_md = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown")
    link = nb.cells[first_md + 1]
    assert link.cell_type == "markdown" and nb.cells[first_md].source.startswith("# ")
    assert f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/notebooks/{CHAPTERS[2].name}" in link.source
    nbformat.validate(nbformat.read(tmp_path / CHAPTERS[2].name, as_version=4))
