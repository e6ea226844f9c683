"""The slide decks (make slides) open offline: Reveal starts with one slide per slide/subslide of the
notebook's slide metadata, the math is typeset by the local MathJax, widgets render from the embedded state,
and no request leaves localhost or fails."""
from __future__ import annotations

import json

import nbformat
import pytest

from browser_support import BUILD, ROOT, SCREENSHOTS, chapters, load_module, require_built
from slide_fit import INDICES, describe, measure_deck, misfits

SLIDES = BUILD / "slides"
HANDOUTS = BUILD / "handouts"
build_slides = load_module(ROOT / "slides" / "build_slides.py", "build_slides")

CHAPTERS = chapters()
# One deck is photographed on the slide that holds its widget (or its last slide).
PHOTO = next((p.stem for p in CHAPTERS if "widgets" in nbformat.read(p, as_version=4).metadata),
             CHAPTERS[0].stem if CHAPTERS else None)

REVEAL_STATE = """async () => {
  const Reveal = await new Promise((ok, fail) =>
      require(["lib/reveal.js/dist/reveal.js"], ok, fail));
  return {ready: Reveal.isReady(), total: Reveal.getTotalSlides(),
          leaves: document.querySelectorAll(".reveal .slides section:not(.stack)").length};
}"""

# Wait for MathJax 2 to finish its queue, then look at what it produced.
MATH_STATE = """async () => {
  if (!window.MathJax || !MathJax.Hub) return {loaded: false};
  await new Promise(ok => MathJax.Hub.Queue(ok));
  const md = [...document.querySelectorAll(".jp-RenderedMarkdown, .jp-MarkdownOutput")];
  const raw = [];
  for (const el of md) {
      const c = el.cloneNode(true);
      c.querySelectorAll("pre, code, script, .MathJax_Preview").forEach(n => n.remove());
      const t = c.textContent;
      for (const m of t.matchAll(/\\$\\$|(^|[^\\\\])\\$[^$\\s][^$]*\\$/g))
          raw.push(t.slice(Math.max(0, m.index - 40), m.index + 60));
  }
  return {loaded: true,
          typeset: document.querySelectorAll(".MathJax_CHTML, mjx-chtml.MathJax_CHTML, .mjx-chtml").length,
          errors: document.querySelectorAll(".mjx-merror, .MathJax_Error").length,
          raw: raw};
}"""


def notebook_has_math(nb) -> bool:
    return any(c.cell_type == "markdown" and "$" in c.source for c in nb.cells)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_deck_opens_offline(chapter, build_server, new_offline_page):
    deck = SLIDES / f"{chapter.stem}.slides.html"
    require_built(deck, "slides")
    nb = nbformat.read(chapter, as_version=4)
    expected = build_slides.expected_slide_count(nb)

    page, watch = new_offline_page()
    page.goto(f"{build_server}/slides/{deck.name}", wait_until="load")
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    state = page.evaluate(REVEAL_STATE)
    assert state["ready"], "Reveal did not start"
    assert state["total"] == expected == state["leaves"], (
        f"{deck.name}: Reveal has {state['total']} slides ({state['leaves']} sections); "
        f"the slide metadata of {chapter.name} gives {expected}; rebuild with `make slides`")

    math = page.evaluate(MATH_STATE)
    assert math["loaded"], "MathJax did not load"
    if notebook_has_math(nb):
        assert math["typeset"] > 0, "no math was typeset"
    assert math["errors"] == 0, f"{math['errors']} MathJax errors"
    assert not math["raw"], f"untypeset TeX left in the slides: {math['raw'][:3]}"

    if "widgets" in nb.metadata:
        page.wait_for_selector(".widget-slider", state="attached", timeout=20_000)

    # Step through every slide, as a lecturer would (Reveal renders lazily).
    page.evaluate("""async () => {
      const Reveal = await new Promise(ok => require(["lib/reveal.js/dist/reveal.js"], ok));
      for (let i = 0; i < Reveal.getTotalSlides(); i++) Reveal.next();
    }""")
    page.wait_for_timeout(300)

    if chapter.stem == PHOTO:
        page.evaluate("""async () => {
          const Reveal = await new Promise(ok => require(["lib/reveal.js/dist/reveal.js"], ok));
          const w = document.querySelector(".widget-slider");
          const s = w ? w.closest(".reveal .slides section:not(.stack)") : null;
          if (s) { const i = Reveal.getIndices(s); Reveal.slide(i.h, i.v); } else { Reveal.slide(1, 0); }
        }""")
        page.wait_for_timeout(800)
        page.screenshot(path=str(SCREENSHOTS / f"slides_{chapter.stem}.png"))
    watch.assert_clean(deck.name)


def test_every_chapter_has_a_deck():
    require_built(SLIDES / "manifest.json", "slides")
    built = json.loads((SLIDES / "manifest.json").read_text())
    missing = [p.stem for p in CHAPTERS if f"{p.stem}.slides.html" not in built]
    assert not missing, f"chapters without a slide deck: {missing}; run `make slides`"


def test_deck_opens_from_disk(browser):
    """A lecturer may double-click the file: from file:// too, Reveal starts and the math is typeset."""
    if not CHAPTERS:
        pytest.skip("no chapters")
    deck = SLIDES / f"{CHAPTERS[-1].stem}.slides.html"
    require_built(deck, "slides")
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        blocked = []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
                   else (blocked.append(r.request.url), r.abort()))
        page.goto(deck.as_uri(), wait_until="load")
        page.wait_for_selector(".reveal.ready", timeout=30_000)
        math = page.evaluate(MATH_STATE)
        assert math["loaded"] and math["errors"] == 0 and not math["raw"]
        assert not blocked, blocked
        assert not errors, errors
    finally:
        ctx.close()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_slide_fits_and_has_its_notes(chapter, build_server, new_offline_page):
    """At Reveal's size (1280×720), stepping through the deck: no slide is taller or wider than the screen,
    and every slide whose prose went to the speaker notes has them (Reveal's notes, key S)."""
    deck = SLIDES / f"{chapter.stem}.slides.html"
    require_built(deck, "slides")
    planned = json.loads((SLIDES / "manifest.json").read_text())[deck.name]
    page, watch = new_offline_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{build_server}/slides/{deck.name}", wait_until="load")
    slides = measure_deck(page)
    assert len(slides) == planned["slides"], (len(slides), planned["slides"])
    bad = misfits(slides)
    assert not bad, f"{deck.name}: {len(bad)} of {len(slides)} slides do not fit:\n" + "\n".join(map(describe, bad))
    assert slides[0]["width"] == 1280 and slides[0]["limit"] == 720
    missing = [s for s, want in zip(slides, planned["notes"]) if want and not s["notes"]]
    assert not missing, f"{deck.name}: speaker notes missing on {[describe(s) for s in missing]}"
    assert any(planned["notes"]), f"{deck.name} has no speaker notes"
    # A few slides per deck photographed: the first, one in the middle and the last.
    indices = page.evaluate(INDICES)
    for k in sorted({0, len(indices) // 2, len(indices) - 1}):
        page.evaluate(_GOTO, indices[k])
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"deck_{chapter.stem}_{k + 1:02d}.png"))
    watch.assert_clean(deck.name)


_GOTO = """async ([h, v]) => {
  const Reveal = await new Promise(ok => require(["lib/reveal.js/dist/reveal.js"], ok)); Reveal.slide(h, v); }"""


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_handout_has_one_page_per_slide(chapter):
    """make handouts printed the deck to PDF, one page per slide, each page the slide's 16:9 size."""
    pypdf = pytest.importorskip("pypdf")
    pdf = HANDOUTS / f"{chapter.stem}.pdf"
    require_built(pdf, "handouts")
    slides = json.loads((SLIDES / "manifest.json").read_text())[f"{chapter.stem}.slides.html"]["slides"]
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == slides, f"{pdf.name}: {len(reader.pages)} pages for {slides} slides"
    for p in reader.pages:
        w, h = float(p.mediabox.width), float(p.mediabox.height)
        assert abs(w / h - 16 / 9) < 0.01, (w, h)
    text = reader.pages[0].extract_text()
    assert text.strip(), f"{pdf.name}: the title page is empty"
