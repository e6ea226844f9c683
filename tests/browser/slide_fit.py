"""Does every slide of a deck fit? Measured in the browser, slide by slide, as a lecturer steps through it.

A slide fits when, at Reveal's configured size, its content is no taller than the slide and nothing in it is
wider than the slide or scrolls sideways (code, text outputs, tables, figures and formulas included).

    python tests/browser/slide_fit.py build/slides/03_*.slides.html   # prints the slides that do not fit
"""
from __future__ import annotations

import sys

# For the slide at (h, v): go there, let the deck fit it (MathJax, then the deck's own script), then measure
# in the slide's own (unscaled) pixels.
MEASURE = """async ([h, v]) => {
  const Reveal = await new Promise(ok => require(["lib/reveal.js/dist/reveal.js"], ok));
  Reveal.slide(h, v);
  await new Promise(ok => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(ok) : ok());
  await Promise.all([...document.querySelectorAll("img")].map(i => i.decode ? i.decode().catch(() => 0) : 0));
  if (window.btgFit) { window.btgFit(Reveal.getCurrentSlide()); }
  await new Promise(ok => setTimeout(ok, 30));
  const s = Reveal.getCurrentSlide(), cfg = Reveal.getConfig(), scale = Reveal.getScale();
  const box = s.getBoundingClientRect();
  const wide = [];
  for (const el of s.querySelectorAll("pre, table, img, .jp-OutputArea-output, .MathJax_CHTML, mjx-container")) {
    const r = el.getBoundingClientRect();
    const cut = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
    const past = (r.right - box.left) / scale > cfg.width + 1;
    const scrolls = el.scrollWidth > el.clientWidth + 1 && el.tagName === "PRE";
    if (cut || past || scrolls) wide.push(el.tagName + ":" + (el.textContent || "").trim().slice(0, 40));
  }
  const notes = s.querySelector("aside.notes");
  return {h, v, height: s.scrollHeight, limit: cfg.height, width: cfg.width, wide,
          notes: notes ? notes.textContent.trim().length : 0,
          title: (s.querySelector("h1, h2, h3, h4") || {textContent: ""}).textContent.trim().slice(0, 60)};
}"""

INDICES = """async () => {
  const Reveal = await new Promise(ok => require(["lib/reveal.js/dist/reveal.js"], ok));
  return [...document.querySelectorAll(".reveal .slides section:not(.stack)")].map(s => {
    const i = Reveal.getIndices(s); return [i.h, i.v || 0]; });
}"""


def measure_deck(page) -> list[dict]:
    """Every slide of the deck open in `page`, measured (see MEASURE)."""
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    return [page.evaluate(MEASURE, hv) for hv in page.evaluate(INDICES)]


def misfits(slides: list[dict]) -> list[dict]:
    return [s for s in slides if s["height"] > s["limit"] or s["wide"]]


def describe(s: dict) -> str:
    what = []
    if s["height"] > s["limit"]:
        what.append(f"{s['height']} px tall (slide {s['limit']})")
    if s["wide"]:
        what.append(f"too wide: {s['wide'][:2]}")
    return f"slide {s['h']}.{s['v']} '{s['title']}': " + ", ".join(what)


def main(paths: list[str]) -> int:
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).parent))
    from browser_support import CHROMIUM_ARGS, find_chromium

    bad_total = total = 0
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        page = b.new_page(viewport={"width": 1280, "height": 720})
        for path in paths:
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            slides = measure_deck(page)
            bad = misfits(slides)
            total += len(slides)
            bad_total += len(bad)
            print(f"{Path(path).name}: {len(slides)} slides, {len(bad)} do not fit, "
                  f"{sum(s['notes'] > 0 for s in slides)} with notes")
            for s in bad:
                print("   ", describe(s))
        b.close()
    print(f"total: {total} slides, {bad_total} do not fit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
