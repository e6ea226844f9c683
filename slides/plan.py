"""The lecture plan of a chapter: which parts of each notebook cell go on a slide and which to the speaker notes.

A chapter notebook is written to be read; a lecture deck shows one idea per slide. The plan is computed from
the notebook itself at build time (`make slides`), so a chapter that changes needs no second source:

* a markdown heading (``#``, ``##``) opens a slide, ``###`` a subslide;
* the slide shows the heading, the display formulas, the key terms with their Chinese names, the bold
  leads of bullet lists, small tables and the questions of "check your understanding"; the whole cell goes to
  the speaker notes (Reveal's ``S`` key), so nothing of the notebook is lost;
* a code cell shows its source only when it is short (at most ``MAX_CODE_LINES`` lines of at most
  ``MAX_CODE_COLS`` characters); its outputs are kept, long text outputs split into pieces of at most
  ``MAX_TEXT_LINES`` lines;
* the parts are packed into slides of ``SLIDE_HEIGHT`` pixels by an estimate of their height; what does not fit
  opens a subslide that repeats the heading ("(cont.)"); a figure is always kept with at least
  ``MIN_FIGURE`` pixels of free height (the deck's script shrinks figures into the free height).

Authors steer it with cell tags: ``slides-skip`` (never on a slide), ``slides-code`` (show the source even if
long), ``slides-break`` (start a new subslide here), and the usual ``remove-cell`` / slide type ``skip``.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
MAX_CODE_LINES, MAX_CODE_COLS = 8, 92
MAX_TEXT_LINES = 14
MIN_FIGURE = 300          # px a figure keeps at least (the deck shrinks larger ones into the free height)
FIGURE_HEIGHT = 420       # px a figure is planned at
MAX_TABLE_ROWS = 8        # longer markdown tables are split, the header repeated
MAX_BULLETS = 6
MAX_ITEM_CHARS = 240      # a list item this short is shown whole
MAX_LONE_CHARS = 420      # so is the only paragraph under a heading (e.g. the pointer to the exercise)
TABLE_CHARS = 55          # a table row's characters per rendered line (its cells wrap in narrow columns)

# Estimated heights in slide pixels (measured in Chromium at 1280×720 with the deck's style sheet).
HEIGHT = {"h1": 76, "h2": 62, "h3": 50, "line": 32, "math": 70, "code_line": 26, "code_pad": 22,
          "text_line": 24, "text_pad": 16, "gap": 12}
CHARS_PER_LINE = 92       # prose characters per line on the slide
TEXT_COLS = 100           # monospace characters per line of a text output at its full size (19 px)
MIN_TEXT_SCALE = 15 / 19  # the deck shrinks a wide text block to 15 px, then wraps it
BUDGET = SLIDE_HEIGHT - 50  # the slide's padding and the slide number, and some slack

SKIP_TAGS = {"slides-skip", "remove-cell", "colab-setup"}
CJK = re.compile(r"[\u3400-\u9fff]")
BOLD = re.compile(r"\*\*(.+?)\*\*")
PROGRESS = re.compile(r"\d+%\|")


@dataclass
class Part:
    """One piece of a slide: a markdown text or (a part of) a code cell, with its estimated height in px."""
    cell: dict
    height: int
    figure: bool = False


@dataclass
class Slide:
    """The parts of one slide (Reveal section) and the notes that go with it."""
    kind: str                       # "slide" or "subslide"
    heading: str                    # the heading text the slide belongs to (repeated on a continuation)
    parts: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def used(self) -> int:
        return sum(p.height for p in self.parts)


# --------------------------------------------------------------------------------------------- markdown
def _blocks(source: str) -> list[str]:
    """Split markdown into blocks: display maths, fenced code, <details>, tables, lists, paragraphs, headings."""
    lines, blocks, i = source.splitlines(), [], 0
    while i < len(lines):
        s = lines[i].strip()
        if not s:
            i += 1
            continue
        for opener, closer in (("$$", "$$"), ("```", "```"), ("<details", "</details>"), ("\\begin", "\\end")):
            if s.startswith(opener):
                j = i
                done = closer in s[len(opener):] if opener != "<details" else "</details>" in s
                while not done and j + 1 < len(lines):
                    j += 1
                    done = closer in lines[j]
                blocks.append("\n".join(lines[i:j + 1]))
                i = j + 1
                break
        else:
            if s.startswith("#"):
                blocks.append(s)
                i += 1
                continue
            j = i
            while j + 1 < len(lines) and lines[j + 1].strip() and not lines[j + 1].strip().startswith(
                    ("#", "$$", "```", "<details")):
                j += 1
            blocks.append("\n".join(lines[i:j + 1]))
            i = j + 1
    return blocks


def _key_terms(text: str) -> list[str]:
    """Bold terms that carry their Chinese name, e.g. **Hessian-vector product (海森向量积)**."""
    return [m for m in BOLD.findall(text) if CJK.search(m)]


def _bullet_leads(block: str) -> list[str]:
    leads = []
    for item in re.split(r"\n(?=\s*(?:[-*]|\d+\.)\s)", block):
        m = re.match(r"\s*(?:[-*]|\d+\.)\s+\*\*(.+?)\*\*", item)
        if m:
            leads.append(m.group(1).rstrip(":."))
    return leads


def _is_list(block: str) -> bool:
    return bool(re.match(r"\s*(?:[-*]|\d+\.)\s", block))


def _is_table(block: str) -> bool:
    rows = block.splitlines()
    return len(rows) >= 2 and all(r.strip().startswith("|") for r in rows)


def _table_pieces(block: str) -> list[str]:
    """A markdown table as tables of at most MAX_TABLE_ROWS rows, each with the header repeated."""
    rows = block.splitlines()
    head, body = rows[:2], rows[2:]
    return ["\n".join(head + body[k:k + MAX_TABLE_ROWS]) for k in range(0, max(1, len(body)), MAX_TABLE_ROWS)]


def shown_markdown(source: str) -> tuple[str, list[str], list[str]]:
    """(heading, the blocks the slide shows, blocks that go to the notes only) of a markdown cell."""
    heading, shown, dropped, terms = "", [], [], []
    for b in _blocks(source):
        if b.startswith("#") and not heading and not shown:
            heading = b
        elif b.startswith(("$$", "\\begin")):
            shown.append(b)
        elif b.startswith("<details"):       # an answer: for the lecturer's notes
            dropped.append(b)
        elif _is_table(b):
            shown += _table_pieces(b)
        elif _is_list(b) and _bullet_leads(b):
            leads = _bullet_leads(b)[:MAX_BULLETS]
            shown.append("\n".join(f"- {lead}" for lead in leads))
            terms += [t for t in _key_terms(b) if t not in " ".join(leads)]
        elif _is_list(b) and len(b) <= MAX_ITEM_CHARS * b.count("\n") + MAX_ITEM_CHARS:
            shown.append(b)                   # short items, e.g. the questions to check understanding
        elif b.startswith("```"):
            dropped.append(b)
        else:
            terms += _key_terms(b)
            dropped.append(b)
    if not shown and dropped and not dropped[0].startswith(("<details", "```")) \
            and len(dropped[0]) <= MAX_LONE_CHARS:
        shown.append(dropped[0])              # a heading with one short paragraph: show it
    if terms:
        shown.append("*Key terms:* " + " · ".join(f"**{t}**" for t in dict.fromkeys(terms)))
    return heading, [b for b in shown if b], dropped


def markdown_height(text: str) -> int:
    h = 0
    for b in _blocks(text):
        if b.startswith("#"):
            h += HEIGHT["h" + str(min(3, len(b) - len(b.lstrip("#"))))]
        elif b.startswith(("$$", "\\begin")):
            h += HEIGHT["math"] * max(1, b.count("\\\\") + 1) + HEIGHT["gap"]
        else:
            width = TABLE_CHARS if _is_table(b) else CHARS_PER_LINE
            for line in b.splitlines():
                h += HEIGHT["line"] * max(1, -(-len(line) // width))
            h += HEIGHT["gap"]
    return h


# ------------------------------------------------------------------------------------------------- code
def _text_lines(output: dict) -> list[str] | None:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", "")).splitlines()
    data = output.get("data", {})
    if output.get("output_type") in {"execute_result", "display_data"} and set(data) == {"text/plain"}:
        return "".join(data["text/plain"]).splitlines()
    return None


def _is_progress(output: dict) -> bool:
    """A progress bar (tqdm's widget): nothing for a lecture slide."""
    data = output.get("data", {})
    return ("application/vnd.jupyter.widget-view+json" in data
            and bool(PROGRESS.search("".join(data.get("text/plain", "")))))


def _is_figure(output: dict) -> bool:
    data = output.get("data", {})
    return "image/png" in data or "image/svg+xml" in data or "application/vnd.jupyter.widget-view+json" in data


def short_source(cell: dict) -> bool:
    lines = cell.get("source", "").rstrip().splitlines()
    tags = set(cell.get("metadata", {}).get("tags", []))
    return "slides-code" in tags or (0 < len(lines) <= MAX_CODE_LINES and
                                     all(len(x) <= MAX_CODE_COLS for x in lines))


def _cell_like(cell: dict, outputs: list, show_source: bool) -> dict:
    c = copy.deepcopy(cell)
    c["outputs"] = outputs
    if not show_source:
        c.setdefault("metadata", {})["transient"] = {"remove_source": True}
    return c


def _text_pieces(output: dict) -> list[dict]:
    """A long text output as several outputs of at most MAX_TEXT_LINES lines each."""
    lines = _text_lines(output)
    if lines is None or len(lines) <= MAX_TEXT_LINES:
        return [output]
    pieces = []
    for k in range(0, len(lines), MAX_TEXT_LINES):
        chunk = "\n".join(lines[k:k + MAX_TEXT_LINES]) + "\n"
        pieces.append({"output_type": "stream", "name": "stdout", "text": chunk})
    return pieces


def code_parts(cell: dict) -> list[Part]:
    """The slide parts of a code cell: its source (if short) with its first outputs, then the rest."""
    show = short_source(cell)
    groups, current = [], []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error" or _is_progress(out):
            continue
        for piece in _text_pieces(out):
            if current and (_is_figure(piece) or any(_is_figure(o) for o in current)
                            or _text_len(current + [piece]) > MAX_TEXT_LINES):
                groups.append(current)
                current = []
            current.append(piece)
    if current:
        groups.append(current)
    parts, src_h = [], 0
    if show:
        src_h = HEIGHT["code_pad"] + HEIGHT["code_line"] * len(cell["source"].rstrip().splitlines())
    if not groups:
        return [Part(_cell_like(cell, [], True), src_h)] if show else []
    for k, g in enumerate(groups):
        fig = any(_is_figure(o) for o in g)
        h = FIGURE_HEIGHT if fig else HEIGHT["text_pad"] + _text_height(g)
        parts.append(Part(_cell_like(cell, g, show and k == 0), h + (src_h if k == 0 else 0), fig))
    return parts


def _text_height(outputs: list) -> int:
    """Estimated px of text outputs: the deck shrinks a wide block's font (to 15 px) before it wraps."""
    lines = [x for o in outputs for x in (_text_lines(o) or [])]
    widest = max((len(x) for x in lines), default=0)
    scale = min(1.0, TEXT_COLS / widest) if widest else 1.0
    per_line = HEIGHT["text_line"] * max(scale, MIN_TEXT_SCALE)
    wrapped = sum(max(1, -(-len(x) // int(TEXT_COLS / max(scale, MIN_TEXT_SCALE)))) for x in lines)
    return int(per_line * wrapped)


def _text_len(outputs: list) -> int:
    return sum(len(_text_lines(o) or []) for o in outputs)


# ------------------------------------------------------------------------------------------------ deck
def skipped(cell: dict) -> bool:
    meta = cell.get("metadata", {})
    return bool(SKIP_TAGS & set(meta.get("tags", []))) or meta.get("slideshow", {}).get("slide_type") == "skip"


def _md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text, "id": None}


def _notes(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {"slideshow": {"slide_type": "notes"}}, "source": text,
            "id": None}


def slides_of(cells: list[dict]) -> list[Slide]:
    """Pack the cells into slides (see the module docstring)."""
    slides: list[Slide] = []

    def open_slide(kind: str, heading: str) -> Slide:
        slides.append(Slide(kind, heading))
        return slides[-1]

    def place(part: Part) -> None:
        s = slides[-1] if slides else open_slide("slide", "")
        floor = MIN_FIGURE - FIGURE_HEIGHT if part.figure else 0
        force = "slides-break" in part.cell.get("metadata", {}).get("tags", [])
        if s.parts and (force or s.used() + part.height + floor > BUDGET):
            s = open_slide("subslide", s.heading)
            if s.heading:
                title = s.heading.lstrip("#").strip()
                cont = _md(f"#### {title} (cont.)")
                s.parts.append(Part(cont, HEIGHT["h3"]))
        s.parts.append(part)

    for cell in cells:
        if skipped(cell):
            continue
        if cell["cell_type"] == "markdown":
            heading, shown, dropped = shown_markdown(cell["source"])
            if heading:
                level = len(heading) - len(heading.lstrip("#"))
                open_slide("slide" if level <= 2 else "subslide", heading)
            first = heading
            for block in shown:               # each block may spill onto a continuation slide
                text = "\n\n".join(x for x in (first, block) if x)
                place(Part(_md(text), markdown_height(text)))
                first = ""
            if first:
                place(Part(_md(first), markdown_height(first)))
            if dropped or len(shown) > 1 or not shown:
                target = slides[-1] if slides else open_slide("slide", "")
                target.notes.append(cell["source"])
        elif cell["cell_type"] == "code":
            for part in code_parts(cell):
                place(part)
    return [s for s in slides if s.parts]


def lecture_cells(nb_cells: list[dict]) -> list[dict]:
    """The notebook's cells rewritten as a deck: slide types set, long sources hidden, prose in notes."""
    cells = []
    for s in slides_of(nb_cells):
        for k, part in enumerate(s.parts):
            c = part.cell
            c.setdefault("metadata", {})["slideshow"] = {"slide_type": s.kind if k == 0 else "-"}
            cells.append(c)
        cells += [_notes(n) for n in s.notes]
    for i, c in enumerate(cells):
        c["id"] = f"deck-{i}"
    return cells


def plan_notebook(nb):
    """A copy of the notebook (nbformat NotebookNode) whose cells are its lecture deck."""
    import nbformat

    deck = copy.deepcopy(nb)
    deck.cells = [nbformat.from_dict(c) for c in lecture_cells([dict(c) for c in copy.deepcopy(nb.cells)])]
    return deck


def slide_count(nb) -> int:
    return len(slides_of([dict(c) for c in copy.deepcopy(nb.cells)]))


def notes_per_slide(nb) -> list[bool]:
    return [bool(s.notes) for s in slides_of([dict(c) for c in copy.deepcopy(nb.cells)])]
