"""The lecture plan (slides/plan.py): what of each notebook cell goes on a slide, and what to the speaker notes.

The browser tests measure that every slide fits; these check the plan itself, without a browser: headings open
slides, prose goes to the notes whole, long code is hidden but its results kept, long outputs and tables are
split, and nothing of a chapter is lost.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("slide_plan", ROOT / "slides" / "plan.py")
plan = importlib.util.module_from_spec(_spec)
sys.modules["slide_plan"] = plan  # dataclasses look their module up
_spec.loader.exec_module(plan)

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PNG = "iVBORw0KGgo="


def md(text, **meta):
    return nbformat.v4.new_markdown_cell(text, metadata=meta)


def code(src, outputs=(), tags=()):
    c = nbformat.v4.new_code_cell(src, metadata={"tags": list(tags)} if tags else {})
    c.outputs = [nbformat.from_dict(o) for o in outputs]
    return c


def stream(n_lines, width=20):
    return {"output_type": "stream", "name": "stdout",
            "text": "".join(f"{i:>{width}}\n" for i in range(n_lines))}


def figure():
    return {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"}, "metadata": {}}


def deck_of(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    return plan.plan_notebook(nb), plan.slides_of([dict(c) for c in nb.cells])


def kinds(deck):
    return [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in deck.cells]


PROSE = ("The **Hessian-vector product (海森向量积)** is the change of the gradient along $v$. " * 3).strip()


def test_heading_math_and_key_terms_on_the_slide_prose_in_the_notes():
    deck, slides = deck_of([md(f"## 1. Products\n\n{PROSE}\n\n$$Hv = \\nabla(\\nabla f^T v)$$\n\nMore prose.")])
    assert len(slides) == 1 and kinds(deck)[0] == "slide" and kinds(deck)[-1] == "notes"
    assert set(kinds(deck)[1:-1]) <= {"-"}
    shown = "\n\n".join(c.source for c in deck.cells[:-1])
    notes = deck.cells[-1].source
    assert shown.startswith("## 1. Products")
    assert "$$Hv = \\nabla(\\nabla f^T v)$$" in shown
    assert "**Hessian-vector product (海森向量积)**" in shown          # the Chinese term stays on the slide
    assert "change of the gradient" not in shown and "More prose." not in shown
    assert notes == f"## 1. Products\n\n{PROSE}\n\n$$Hv = \\nabla(\\nabla f^T v)$$\n\nMore prose."


def test_levels_open_slides_and_subslides():
    _, slides = deck_of([md("# Title"), md("## A"), md("### A.1"), md("## B")])
    assert [(s.kind, s.heading) for s in slides] == [("slide", "# Title"), ("slide", "## A"),
                                                     ("subslide", "### A.1"), ("slide", "## B")]


def test_long_code_is_hidden_its_output_kept_short_code_shown():
    long_src = "\n".join(f"x{i} = {i}" for i in range(12))
    deck, _ = deck_of([md("## S"), code(long_src, [stream(3)]), code("print(1)", [stream(1)]),
                       code(long_src, [stream(2)], tags=["slides-code"])])
    cells = [c for c in deck.cells if c.cell_type == "code"]
    assert cells[0].metadata["transient"] == {"remove_source": True}
    assert cells[0].outputs[0]["text"] == stream(3)["text"]
    assert "transient" not in cells[1].metadata                    # short: the source is on the slide
    assert "transient" not in cells[2].metadata                    # slides-code: the author wants it shown
    wide = code("y = " + "1 + " * 40 + "1", [stream(1)])
    assert not plan.short_source(dict(wide))


def test_a_long_output_is_split_over_continuation_slides():
    deck, slides = deck_of([md("## Table"), code("print(t)", [stream(100)])])
    pieces = [o for c in deck.cells if c.cell_type == "code" for o in c.outputs]
    assert all(len(o["text"].splitlines()) <= plan.MAX_TEXT_LINES for o in pieces)
    assert "".join(o["text"] for o in pieces) == stream(100)["text"]      # nothing lost, in order
    assert len(slides) > 1 and all(s.kind == "subslide" for s in slides[1:])
    assert all(s.parts[0].cell["source"] == "#### Table (cont.)" for s in slides[1:])
    assert all(s.used() <= plan.BUDGET for s in slides)


def test_figures_get_their_own_room():
    deck, slides = deck_of([md("## Figures"), code("a()", [figure()]), code("b()", [figure()])])
    assert len(slides) == 2, "two planned figures do not share one slide"
    assert sum("image/png" in o.get("data", {}) for c in deck.cells if c.cell_type == "code"
               for o in c.outputs) == 2


def test_a_long_table_is_split_with_its_header_repeated():
    rows = "\n".join(f"| {i} | {i * i} |" for i in range(20))
    table = f"| n | n² |\n|---|---|\n{rows}"
    heading, shown, _ = plan.shown_markdown(f"## T\n\n{table}")
    assert heading == "## T" and len(shown) == 3
    assert all(piece.startswith("| n | n² |\n|---|---|\n") for piece in shown)
    assert sum(len(p.splitlines()) - 2 for p in shown) == 20


def test_questions_shown_answers_in_the_notes():
    src = ("## Check your understanding\n\n1. Why is $H$ symmetric?\n\n"
           "<details><summary>Answer</summary>\n\nSchwarz's theorem.\n</details>")
    heading, shown, dropped = plan.shown_markdown(src)
    assert shown == ["1. Why is $H$ symmetric?"]
    assert any("Schwarz" in d for d in dropped)


def test_bullets_show_their_bold_leads():
    _, shown, _ = plan.shown_markdown("## S\n\n- **Central wins**, by far.\n- **float32 is poor:** only 4 digits.")
    assert shown == ["- Central wins\n- float32 is poor"]


def test_skipped_cells_never_reach_a_slide():
    cells = [md("## S"), code("secret()", [stream(1)], tags=["slides-skip"]),
             code("colab()", tags=["colab-setup", "remove-cell"]),
             md("hidden", slideshow={"slide_type": "skip"})]
    deck, _ = deck_of(cells)
    text = " ".join(c.source for c in deck.cells)
    assert "secret" not in text and "colab" not in text and "hidden" not in text


def test_slides_break_tag_starts_a_subslide():
    _, slides = deck_of([md("## S"), code("a = 1"), code("b = 2", tags=["slides-break"])])
    assert [s.kind for s in slides] == ["slide", "subslide"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_chapter_content_is_lost(chapter):
    """Every markdown cell is on a slide verbatim or in the notes; every figure and text output is kept."""
    nb = nbformat.read(chapter, as_version=4)
    deck = plan.plan_notebook(nb)
    kept = [c for c in nb.cells if not plan.skipped(dict(c))]
    notes = {c.source for c in deck.cells if kinds_of(c) == "notes"}
    shown = {c.source for c in deck.cells if c.cell_type == "markdown" and kinds_of(c) != "notes"}
    for c in kept:
        if c.cell_type == "markdown":
            assert c.source in notes or c.source in shown, c.source[:80]
    assert images(deck.cells) == images(kept)
    assert stream_text(deck.cells) == stream_text(kept)
    assert plan.slide_count(nb) == sum(k in {"slide", "subslide"} for k in map(kinds_of, deck.cells))


def images(cells):
    return sum("image/png" in o.get("data", {}) for c in cells if c.cell_type == "code" for o in c.outputs)


def stream_text(cells):
    """All printed text, line breaks aside (a long output is split into pieces on the slides)."""
    return "".join(o.get("text", "") for c in cells if c.cell_type == "code" for o in c.outputs
                   if o.get("output_type") == "stream").replace("\n", "")


def kinds_of(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def test_progress_bars_stay_off_the_slides():
    bar = {"output_type": "display_data", "metadata": {},
           "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2,
                                                                 "version_minor": 0},
                    "text/plain": "GD η=0.1:   0%|          | 0/1000 [00:00<?, ?it/s]"}}
    deck, slides = deck_of([md("## Training"), code("run()", [bar, stream(2)])])
    outs = [o for c in deck.cells if c.cell_type == "code" for o in c.outputs]
    assert [o["output_type"] for o in outs] == ["stream"] and len(slides) == 1
