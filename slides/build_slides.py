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
sys.path.insert(0, str(HERE))
import plan  # noqa: E402  (slides/plan.py, beside this script)

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
    """How many slides (reveal.js leaf sections) the deck of the chapter notebook `nb` has (slides/plan.py)."""
    return plan.slide_count(nb)


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
    s.reveal_scroll = False  # a lecturer cannot scroll a slide: every slide is planned to fit (slides/plan.py)
    s.reveal_width = str(plan.SLIDE_WIDTH)
    s.reveal_height = str(plan.SLIDE_HEIGHT)
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


# Reveal settings for a lecture: top-aligned slides, one PDF page per slide (handouts), fragments not split.
REVEAL_EXTRA = ("center: false, margin: 0.02, pdfSeparateFragments: false, pdfMaxPagesPerSlide: 1, "
                "showNotes: false,")

# The deck's own style and fitting script: prompts hidden, figures kept inside the slide, and on every slide
# shown (and for the print view, on all of them) a text block wider than the slide gets a smaller font (down
# to 15 px, then it wraps) and figures shrink into the free height (down to plan.MIN_FIGURE px).
FIT = """
<style>
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
.reveal .jp-OutputArea-output img { max-width: 100%; height: auto; }
.reveal section { height: 100%; box-sizing: border-box; }
.reveal .slides section .jp-Cell { padding: 2px 0; width: 100%; box-sizing: border-box; }
.reveal .jp-InputArea, .reveal .jp-OutputArea-child, .reveal pre { max-width: 100%; box-sizing: border-box; }
.reveal h4 { color: #666; font-size: 22px; margin: 0 0 6px 0; }
@media print { .reveal .slides .pdf-page:last-of-type { page-break-after: avoid !important; break-after: avoid !important; } }
</style>
<script>
window.btgFit = function (section) {
  if (!section) return;
  const MIN = @MIN@, H = @H@;
  section.querySelectorAll("pre").forEach(pre => {
    if (pre.dataset.btgFitted) return;
    pre.dataset.btgFitted = "1";
    pre.style.whiteSpace = "pre";          // JupyterLab wraps outputs; a table reads better smaller than wrapped
    let fs = parseFloat(getComputedStyle(pre).fontSize);
    while (pre.scrollWidth > pre.clientWidth + 1 && fs > 15) { fs -= 0.5; pre.style.fontSize = fs + "px"; }
    if (pre.scrollWidth > pre.clientWidth + 1) pre.style.whiteSpace = "pre-wrap";
  });
  const imgs = [...section.querySelectorAll(".jp-OutputArea-output img")];
  for (let round = 0; round < 3; round++) {
    const excess = section.scrollHeight - H;
    if (excess <= 0 || !imgs.length) break;
    imgs.forEach(img => {
      const h = img.offsetHeight;
      img.style.maxHeight = Math.max(MIN, h - excess / imgs.length - 2) + "px";
      img.style.width = "auto";
    });
  }
  // Still too tall (text only): a slightly smaller monospace font, never below 14 px.
  const pres = [...section.querySelectorAll("pre")];
  for (let guard = 0; guard < 20 && section.scrollHeight > H && pres.length; guard++) {
    let changed = false;
    pres.forEach(pre => { const fs = parseFloat(getComputedStyle(pre).fontSize);
                          if (fs > 14) { pre.style.fontSize = (fs - 0.5) + "px"; changed = true; } });
    if (!changed) break;
  }
};
window.btgFitAll = function () {
  document.querySelectorAll(".reveal .slides section:not(.stack)").forEach(s => window.btgFit(s));
};
</script>
""".replace("@MIN@", str(plan.MIN_FIGURE)).replace("@H@", str(plan.SLIDE_HEIGHT))

FIT_HOOK = """
        const btgRefit = () => {
          const go = () => { if (Reveal.isPrintingPDF && Reveal.isPrintingPDF()) { window.btgFitAll(); }
                             else { window.btgFit(Reveal.getCurrentSlide()); } Reveal.layout(); };
          if (window.MathJax && MathJax.Hub) { MathJax.Hub.Queue(go); } else { go(); }
        };
        Reveal.addEventListener('ready', btgRefit);
        Reveal.addEventListener('slidechanged', btgRefit);
"""


def lecture_settings(body: str) -> str:
    """The deck's HTML with the lecture settings, the fitting script and its hooks put in."""
    body = body.replace("Reveal.initialize({", "Reveal.initialize({\n            " + REVEAL_EXTRA, 1)
    body = body.replace("Reveal.addEventListener('slidechanged', update);",
                        "Reveal.addEventListener('slidechanged', update);\n" + FIT_HOOK, 1)
    return body.replace("</head>", FIT + "</head>", 1)


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

    def relink(m):
        return f'href="{m.group(1)}.slides.html' if m.group(1) in stems else m.group(0)

    glossary = ROOT / "notebooks" / "GLOSSARY.md"
    if glossary.exists():
        shutil.copy2(glossary, args.out / glossary.name)
    decks, manifest = [], {}
    for path in nbs:
        nb = nbformat.read(path, as_version=4)
        deck = plan.plan_notebook(nb)
        body, _ = ex.from_notebook_node(deck, resources={"metadata": {"name": path.stem}})
        body = re.sub(r'href="([0-9][0-9]_[^"/]*)\.ipynb', relink, body)
        body = lecture_settings(body)
        target = args.out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        title = next((c.source.lstrip("# ").splitlines()[0] for c in nb.cells
                      if c.cell_type == "markdown" and c.source.startswith("#")), path.stem)
        n = expected_slide_count(nb)
        decks.append((target.name, title, n))
        manifest[target.name] = {"notebook": str(path.relative_to(ROOT)) if path.is_absolute() else str(path),
                                 "slides": n, "widgets": "widgets" in nb.metadata,
                                 "notes": plan.notes_per_slide(nb)}
        print(f"slides: {target.relative_to(ROOT) if target.is_absolute() else target} ({n} slides)")
    (args.out / "index.html").write_text(index_page(decks), encoding="utf-8")
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
