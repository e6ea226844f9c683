#!/usr/bin/env python
"""Build reveal.js slide decks of every chapter into build/slides/ (make slides, issue 10).

The decks are rendered from the outputs stored in the notebooks (nothing is executed). Every script and
style sheet the decks load at view time -- reveal.js, require.js, jQuery, MathJax 2, Font Awesome and the
Jupyter widget renderer -- is copied from npm packages pinned in slides/package-lock.json (installed with
`npm ci` into slides/node_modules, which is not committed) into build/slides/lib/, and the decks point at
those copies with relative URLs: they open offline, from a web server on localhost or straight from disk.

    python slides/build_slides.py [--out build/slides] [notebooks/01_definition.ipynb ...]
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from traitlets.config import Config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE_MODULES = HERE / "node_modules"
LIB = "lib"  # folder next to the decks, referred to with relative URLs

# The widget renderer finds its fonts relative to its require.js module id, "@jupyter-widgets/html-manager/dist",
# which require.js resolves against the page's folder: so it goes there, not into lib/.
WIDGETS = "@jupyter-widgets/html-manager/dist"
# What the decks need from each npm package: (source inside node_modules, destination inside the output folder).
ASSETS = [
    ("reveal.js/dist", f"{LIB}/reveal.js/dist"),
    ("reveal.js/plugin/notes", f"{LIB}/reveal.js/plugin/notes"),
    ("requirejs/require.js", f"{LIB}/require.js"),
    ("jquery/dist/jquery.min.js", f"{LIB}/jquery.min.js"),
    ("mathjax", f"{LIB}/mathjax"),
    ("font-awesome/css", f"{LIB}/font-awesome/css"),
    ("font-awesome/fonts", f"{LIB}/font-awesome/fonts"),
    ("@jupyter-widgets/html-manager/dist", WIDGETS),
]
# Parts of the packages that are never loaded by the decks (sources, maps, other font sets).
IGNORE = shutil.ignore_patterns(
    "*.map", "unpacked", "Asana-Math", "Gyre-Pagella", "Gyre-Termes", "Latin-Modern", "Neo-Euler",
    "STIX-Web", "png", "*.md", "test", "docs",
)

# nbconvert's slides template imports mermaid.js as an ES module from a CDN on every page although the
# course has no mermaid diagrams; this local no-op module stands in for it.
MERMAID_STUB = "// Stand-in for mermaid.js: the course has no mermaid diagrams.\nexport default { initialize() {} };\n"


def chapters() -> list[Path]:
    """The chapter notebooks that exist now, in order (notebooks/NN_*.ipynb)."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def expected_slide_count(nb) -> int:
    """How many slides (reveal.js leaf sections) the deck of `nb` has, from its slide metadata.

    Mirrors nbconvert's reveal preprocessor: the first cell that is not skipped or a note opens the first
    slide, and every later cell of type "slide" or "subslide" opens one more.
    """
    types = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
    visible = [i for i, t in enumerate(types) if t not in {"notes", "skip"}]
    if not visible:
        return 0
    return 1 + sum(t in {"slide", "subslide"} for t in types[visible[0] + 1:])


def ensure_node_modules() -> None:
    """`npm ci` the pinned front-end packages unless node_modules is already up to date with the lock."""
    lock = HERE / "package-lock.json"
    stamp = NODE_MODULES / ".package-lock.json"  # written by npm ci
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build_slides: npm not found; install Node.js (with npm) to fetch reveal.js, MathJax, ...")
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=HERE, check=True)


def copy_assets(out: Path) -> None:
    lib = out / LIB
    for old in (lib, out / "@jupyter-widgets"):
        if old.exists():
            shutil.rmtree(old)
    for src, dst in ASSETS:
        s, d = NODE_MODULES / src, out / dst
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, ignore=IGNORE)
        else:
            shutil.copy2(s, d)
    (lib / "mermaid-stub.mjs").write_text(MERMAID_STUB)


def exporter() -> SlidesExporter:
    c = Config()
    s = c.SlidesExporter
    s.reveal_url_prefix = f"{LIB}/reveal.js"
    s.reveal_theme = "white"
    s.reveal_transition = "none"
    s.reveal_scroll = True  # long code + figure slides scroll instead of being cut off
    s.reveal_number = "c/t"
    s.require_js_url = f"{LIB}/require.js"
    s.jquery_url = f"{LIB}/jquery.min.js"
    s.mathjax_url = f"{LIB}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    s.font_awesome_url = f"{LIB}/font-awesome/css/font-awesome.min.css"
    s.widget_renderer_url = f"{WIDGETS}/embed-amd.js"
    s.exclude_input_prompt = True
    s.exclude_output_prompt = True
    ex = SlidesExporter(config=c)
    ex.mermaid_js_url = f"./{LIB}/mermaid-stub.mjs"  # not a configurable trait in nbconvert 7
    return ex


def index_page(decks: list[tuple[str, str, int]]) -> str:
    items = "\n".join(
        f'    <li><a href="{html.escape(href)}">{html.escape(title)}</a> ({n} slides)</li>'
        for href, title, n in decks
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Beyond the Gradient: slides</title></head>
<body>
  <h1>Beyond the Gradient: lecture slides</h1>
  <p>Built from the stored outputs of the chapter notebooks; all scripts are local (lib/).</p>
  <ul>
{items}
  </ul>
</body>
</html>
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = ap.parse_args(argv)

    nbs = args.notebooks or chapters()
    ensure_node_modules()
    args.out.mkdir(parents=True, exist_ok=True)
    copy_assets(args.out)
    ex = exporter()
    stems = {p.stem for p in nbs}
    # Links between chapters point at their decks; the glossary link at a copy of the glossary.
    relink = lambda m: f'href="{m.group(1)}.slides.html' if m.group(1) in stems else m.group(0)
    glossary = ROOT / "notebooks" / "GLOSSARY.md"
    if glossary.exists():
        shutil.copy2(glossary, args.out / glossary.name)
    decks, manifest = [], {}
    for path in nbs:
        nb = nbformat.read(path, as_version=4)
        body, _ = ex.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        body = re.sub(r'href="([0-9][0-9]_[^"/]*)\.ipynb', relink, body)
        target = args.out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        title = next((c.source.lstrip("# ").splitlines()[0] for c in nb.cells
                      if c.cell_type == "markdown" and c.source.startswith("#")), path.stem)
        n = expected_slide_count(nb)
        decks.append((target.name, title, n))
        manifest[target.name] = {"notebook": str(path.relative_to(ROOT)) if path.is_absolute() else str(path),
                                 "slides": n, "widgets": "widgets" in nb.metadata}
        print(f"slides: {target.relative_to(ROOT) if target.is_absolute() else target} ({n} slides)")
    (args.out / "index.html").write_text(index_page(decks), encoding="utf-8")
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
