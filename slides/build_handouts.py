#!/usr/bin/env python
"""Print every lecture deck to a PDF handout, one page per slide, into build/handouts/ (make handouts, issue 20).

Each deck of build/slides/ (make slides) is opened in Reveal's print view (``?print-pdf``) in the Chromium the
browser tests use (Playwright, /usr/bin/chromium or $HVP_CHROMIUM), fitted like on screen, and printed at the
slide's size. No request leaves the machine.

    python slides/build_handouts.py [--slides build/slides] [--out build/handouts] [deck.slides.html ...]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import plan  # noqa: E402
from browser_support import CHROMIUM_ARGS, find_chromium, is_local  # noqa: E402

# In the print view every slide is laid out at once: fit them all (formulas first), then let Reveal lay out.
PRINT_READY = """async () => {
  await new Promise(ok => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(ok) : ok());
  await Promise.all([...document.querySelectorAll("img")].map(i => i.decode ? i.decode().catch(() => 0) : 0));
  window.btgFitAll();
  const Reveal = await new Promise(ok => require(["lib/reveal.js/dist/reveal.js"], ok));
  Reveal.layout();
  await new Promise(ok => setTimeout(ok, 200));
  return document.querySelectorAll(".reveal .slides .pdf-page").length;
}"""


def print_deck(page, deck: Path, out: Path) -> int:
    """Print one deck to `out`; returns the number of PDF pages Reveal laid out."""
    page.goto(deck.resolve().as_uri() + "?print-pdf", wait_until="load")
    page.wait_for_selector(".reveal.ready", timeout=60_000)
    pages = page.evaluate(PRINT_READY)
    page.pdf(path=str(out), width=f"{plan.SLIDE_WIDTH}px", height=f"{plan.SLIDE_HEIGHT}px",
             print_background=True, margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
    return pages


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("decks", nargs="*", type=Path, help="default: every deck in --slides")
    ap.add_argument("--slides", type=Path, default=ROOT / "build" / "slides")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "handouts")
    args = ap.parse_args(argv)
    decks = args.decks or sorted(args.slides.glob("[0-9][0-9]_*.slides.html"))
    if not decks:
        sys.exit("build_handouts: no decks; run `make slides` first")
    chromium = find_chromium()
    if chromium is None:
        sys.exit("build_handouts: Chromium not found (apt-get install -y chromium, or set HVP_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    made = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": plan.SLIDE_WIDTH, "height": plan.SLIDE_HEIGHT})
        page.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
        for deck in decks:
            target = args.out / deck.name.replace(".slides.html", ".pdf")
            made[target.name] = print_deck(page, deck, target)
            print(f"handout: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target} "
                  f"({made[target.name]} pages)")
        browser.close()
    (args.out / "manifest.json").write_text(json.dumps(made, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
