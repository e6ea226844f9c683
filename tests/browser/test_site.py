"""The course site (make site) opens offline: every chapter, exercise and the glossary is a page with the
navigation, typeset math (local MathJax 3), its figures, and sliders that move (from the embedded widget
state), and no request leaves localhost or fails."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from browser_support import BUILD, ROOT, SCREENSHOTS, chapters, exercises, require_built

SITE = BUILD / "site"


def _pages():
    pages = [(f"notebooks/{p.stem}.html", p) for p in chapters()]
    pages += [(f"exercises/{p.relative_to(ROOT / 'exercises' / 'release').with_suffix('').as_posix()}.html", p)
              for p in exercises()]
    pages += [("notebooks/GLOSSARY.html", ROOT / "notebooks" / "GLOSSARY.md"), ("intro.html", ROOT / "site" / "intro.md")]
    return pages


PAGES = _pages()
PHOTO = next((f"notebooks/{p.stem}.html" for p in chapters()
              if "widgets" in nbformat.read(p, as_version=4).metadata), None)

# Wait for MathJax 3, then look at what it produced and for TeX it left in the text.
MATH_STATE = r"""async () => {
  if (!window.MathJax || !MathJax.startup) return {loaded: false};
  await MathJax.startup.promise;
  const main = document.querySelector("article") || document.body;
  const c = main.cloneNode(true);
  c.querySelectorAll("pre, code, script, mjx-container, .cell_input, .cell_output").forEach(n => n.remove());
  const text = c.textContent;
  const raw = [];
  for (const m of text.matchAll(/\$\$|(^|[^\\])\$[^$\s][^$]*\$/g)) raw.push(text.slice(Math.max(0, m.index - 40), m.index + 60));
  return {loaded: true, version: MathJax.version,
          typeset: main.querySelectorAll("mjx-container").length,
          errors: main.querySelectorAll("mjx-merror, [data-mjx-error]").length, raw};
}"""


def _source_info(path):
    if path.suffix == ".md":
        text = path.read_text()
        return {"math": "$" in text, "images": 0, "widgets": False, "text": text}
    nb = nbformat.read(path, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}) and "application/vnd.jupyter.widget-view+json" not in o.get("data", {}))
    return {"math": "$" in md, "images": images, "widgets": "widgets" in nb.metadata, "text": md}


@pytest.mark.parametrize("rel,source", PAGES, ids=[r for r, _ in PAGES])
def test_page_opens_offline(rel, source, build_server, new_offline_page):
    require_built(SITE / rel, "site")
    info = _source_info(source)
    page, watch = new_offline_page()
    page.goto(f"{build_server}/site/{rel}", wait_until="load")

    # Navigation: the sidebar links every chapter (and the glossary).
    nav = page.eval_on_selector_all("nav.bd-docs-nav a", "as => as.map(a => a.href)")  # resolved URLs
    nav_targets = {h.split("#")[0] for h in nav}
    for p in chapters():
        assert any(t.endswith(f"{p.stem}.html") for t in nav_targets), f"{p.stem} missing from the navigation"
    assert any(t.endswith("GLOSSARY.html") for t in nav_targets), "glossary missing from the navigation"

    math = page.evaluate(MATH_STATE)
    if info["math"]:  # (Sphinx loads MathJax only on pages with math)
        assert math["loaded"], "MathJax 3 did not load"
        assert math["typeset"] > 0, "no math was typeset"
    if math["loaded"]:
        assert math["errors"] == 0, f"{math['errors']} MathJax errors"
        assert not math["raw"], f"untypeset TeX left on the page: {math['raw'][:3]}"

    # Figures: every stored PNG output is on the page and decoded.
    imgs = page.eval_on_selector_all(".cell_output img", "is => is.map(i => i.complete && i.naturalWidth > 0)")
    assert len(imgs) >= info["images"], f"{len(imgs)} figures on the page, {info['images']} in the notebook"
    assert all(imgs), "a figure did not load"

    if rel.endswith("GLOSSARY.html"):
        rows = sum(1 for line in info["text"].splitlines() if line.startswith("|")) - 2
        shown = page.locator("article table tbody tr").count()
        assert shown == rows, f"glossary shows {shown} of {rows} terms"

    if info["widgets"]:
        # The sliders render from the embedded widget state and move (their plots need a kernel).
        page.wait_for_selector(".widget-slider .noUi-handle, .widget-slider .slider-handle, .widget-slider [role=slider]",
                               timeout=20_000)
        readout = page.locator(".widget-slider .widget-readout").first
        before = readout.inner_text()
        handle = page.locator(".widget-slider [role=slider], .widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("([el, b]) => el.textContent.trim() !== b.trim()",
                               arg=[readout.element_handle(), before], timeout=5_000)
        if rel == PHOTO:
            handle.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(SCREENSHOTS / f"site_{source.stem}.png"))
    watch.assert_clean(rel)


def test_site_covers_the_course():
    """The built site has a page for every chapter and exercise that exists now."""
    require_built(SITE / "pages.json", "site")
    built = json.loads((SITE / "pages.json").read_text())
    missing = [rel for rel, _ in PAGES if rel not in built]
    assert not missing, f"not in the site: {missing}; run `make site`"


def test_site_index_and_search_offline(build_server, new_offline_page):
    require_built(SITE / "index.html", "site")
    page, watch = new_offline_page()
    page.goto(f"{build_server}/site/index.html", wait_until="load")
    page.wait_for_url(re.compile(r"intro\.html"), timeout=10_000)   # index redirects to the first page
    page.goto(f"{build_server}/site/search.html?q=Hessian", wait_until="load")
    page.wait_for_selector("#search-results li, ul.search li", timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "site_search.png"))
    watch.assert_clean("index and search")
