#!/usr/bin/env python
"""Build the static course site into build/site/ with jupyter-book 1.x (make site, issue 10).

Stages site/_config.yml and site/intro.md with the chapters that exist (notebooks/NN_*.ipynb), the glossary
(notebooks/GLOSSARY.md) and the student versions of the exercises (exercises/release/*/*.ipynb) into
build/site-src/, writes the table of contents for them, copies MathJax 3, require.js and the Jupyter widget
renderer from the npm packages pinned in site/package-lock.json (`npm ci` into site/node_modules, not
committed) into _static/, and runs `jupyter-book build` with execution off: the pages show the outputs stored
in the notebooks, and open offline (from a local web server or from disk).

    python site/build_site.py [--out build/site]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE_MODULES = HERE / "node_modules"

# (source in node_modules, destination in _static/ of the built site). They are staged in _vendor/, which is
# on html_static_path. There is deliberately no source _static/ folder: when one exists, jupyter-book adds
# every .js/.css file of every html_static_path folder to every page, which would load all of MathJax's
# components (and both widget bundles) at once and break them.
ASSETS = [
    ("mathjax/es5", "mathjax"),
    ("requirejs/require.js", "require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
]
VENDOR_SRC = HERE / "_vendor_src"  # our own small scripts that go to _static/ (offline-shim.js)
IGNORE = shutil.ignore_patterns("*.map", "*.md", "*.LICENSE.txt")


def repository_url() -> str:
    """The course's public repository (pyproject.toml, [project.urls] Repository)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"].rstrip("/")


def colab_url(notebook: Path) -> str:
    """Colab's address for a notebook of the repository: colab.research.google.com/github/<owner>/<repo>/blob/main/…"""
    owner_repo = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/main/{notebook.relative_to(ROOT).as_posix()}"


def with_colab_link(nbp: Path, dest: Path) -> nbformat.NotebookNode:
    """Copy a chapter to ``dest`` with an "Open in Colab" line under its title, links to exercises site-relative."""
    nb = nbformat.read(nbp, as_version=4)
    link = nbformat.v4.new_markdown_cell(f"[Open this chapter in Colab]({colab_url(nbp)}) · "
                                         "its first cell installs the course there")
    link.pop("id", None)
    if "id" in nb.cells[0]:
        link["id"] = "open-in-colab"
    first_md = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown")
    nb.cells.insert(first_md + 1, link)
    for cell in nb.cells:  # the site keeps the student versions under exercises/, not exercises/release/
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("../exercises/release/", "../exercises/")
    nbformat.write(nb, dest)
    return nb


def chapters() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def exercises() -> list[Path]:
    return sorted((ROOT / "exercises" / "release").glob("*/*.ipynb"))


def ensure_node_modules() -> None:
    lock = HERE / "package-lock.json"
    stamp = NODE_MODULES / ".package-lock.json"  # written by npm ci
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build_site: npm not found; install Node.js (with npm) to fetch MathJax 3 and the widget renderer")
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=HERE, check=True)


def toc(chapter_docs: list[str], exercise_docs: list[str]) -> str:
    lines = ["# Written by site/build_site.py from the notebooks that exist.", "format: jb-book", "root: intro",
             "parts:", "  - caption: Chapters", "    chapters:"]
    lines += [f"      - file: {d}" for d in chapter_docs]
    if exercise_docs:
        lines += ["  - caption: Exercises (student versions)", "    chapters:"]
        lines += [f"      - file: {d}" for d in exercise_docs]
    lines += ["  - caption: Reference", "    chapters:", "      - file: notebooks/GLOSSARY"]
    return "\n".join(lines) + "\n"


def stage(src: Path) -> dict:
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    shutil.copy2(HERE / "_config.yml", src / "_config.yml")
    shutil.copy2(HERE / "intro.md", src / "intro.md")
    vendor = src / "_vendor"
    for s, d in ASSETS:
        s, d = NODE_MODULES / s, vendor / d
        d.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree(s, d, ignore=IGNORE) if s.is_dir() else shutil.copy2(s, d))
    for f in VENDOR_SRC.iterdir():
        shutil.copy2(f, vendor / f.name)

    pages = {}
    chapter_docs = []
    for nbp in chapters():
        nb = with_colab_link(nbp, src / "notebooks" / nbp.name)
        doc = f"notebooks/{nbp.stem}"
        chapter_docs.append(doc)
        pages[doc + ".html"] = {"kind": "chapter", "source": str(nbp.relative_to(ROOT)),
                                "widgets": "widgets" in nb.metadata}
    shutil.copy2(ROOT / "notebooks" / "GLOSSARY.md", src / "notebooks" / "GLOSSARY.md")
    pages["notebooks/GLOSSARY.html"] = {"kind": "glossary", "source": "notebooks/GLOSSARY.md", "widgets": False}
    exercise_docs = []
    for nbp in exercises():
        rel = nbp.relative_to(ROOT / "exercises" / "release")
        (src / "exercises" / rel.parent).mkdir(parents=True, exist_ok=True)
        shutil.copy2(nbp, src / "exercises" / rel)
        doc = f"exercises/{rel.with_suffix('').as_posix()}"
        exercise_docs.append(doc)
        pages[doc + ".html"] = {"kind": "exercise", "source": str(nbp.relative_to(ROOT)), "widgets": False}
    pages["intro.html"] = {"kind": "intro", "source": "site/intro.md", "widgets": False}
    (src / "_toc.yml").write_text(toc(chapter_docs, exercise_docs))
    return pages


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "site-src")
    args = ap.parse_args(argv)

    ensure_node_modules()
    pages = stage(args.work)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(args.work), "--builder", "html",
           "--path-output", str(args.work), "--keep-going"]
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run(cmd, check=True, env=env)
    html = args.work / "_build" / "html"
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(html, args.out)
    missing = [p for p in pages if not (args.out / p).exists()]
    if missing:
        sys.exit(f"build_site: pages missing from the build: {missing}")
    (args.out / "pages.json").write_text(json.dumps(pages, indent=1) + "\n")
    print(f"site: {args.out} ({len(pages)} pages); open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
