"""Tables printed without ruling lines (a web page whose table has no borders, printed to PDF), rebuilt from
the positions of their words. Without lines there are no cells, only what lines up: a figure in a table
stands apart from its neighbours, a row is the line its figures sit on, and a label cell is a run of lines
starting at the same left edge (a label wrapped in its cell) around that line. Each rebuilt row is its
labels then its figures, in reading order; the column headers above the first row make a row of their own.
What comes out is a guess at the grid, so the importer accepts it only when every figure of the form was
found and every total adds up (importer._check_rebuilt)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nianbao.published.text import PAGE_NUMBER, norm, unfold

# a figure as a table cell holds it, or a mark standing for none
_FIGURE = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?(?:万元|元|件)?$|^[—–\-/／]+$")
# a label that starts an item of the form ("1.", "（三）", "四、") starts a cell; a wrapped line never does
_ITEM = re.compile(r"^(?:\d{1,2}\.|（[一二三四五六七八九十]{1,2}）|[一二三四五六七八九十]、)")
_APART = 6.0  # points of white space on either side of a figure in a cell; running text has at most a space
_SAME_EDGE = 2.5  # points: lines of one label cell start at the same left edge
_BODY_WIDTH = 0.5  # a word wider than this share of the text width is running text, not a cell


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Line:
    words: list[_Word]
    top: float
    figures: list[_Word] = field(default_factory=list)
    labels: list[_Word] = field(default_factory=list)


@dataclass
class _Run:
    """A label cell: lines starting at one left edge, one under the other."""
    x0: float
    top: float
    bottom: float
    texts: list[str]


def rebuild(pages: Sequence[Sequence[dict[str, Any]]]) -> list[list[list[str]]]:
    """Grids of the tables on the pages (pdfplumber words of each page), one a region of table lines."""
    grids: list[list[list[str]]] = []
    for words in pages:
        lines = [line for line in _lines([_Word(unfold(str(w["text"])), float(w["x0"]), float(w["x1"]), float(w["top"]),
                                                float(w["bottom"])) for w in words])
                 if not PAGE_NUMBER.match(" ".join(w.text for w in line.words))]
        if not lines:
            continue
        left = min(w.x0 for line in lines for w in line.words)
        width = max(w.x1 for line in lines for w in line.words) - left
        region: list[_Line] = []
        for line in lines:
            # running text ends a table: a line across the page, or one that ends a sentence (no label does)
            if not line.figures and (_widest_stretch(line) > width * _BODY_WIDTH or line.words[-1].text.endswith("。")):
                grids += _grid(region)
                region = []
            else:
                region.append(line)
        grids += _grid(region)
    return grids


def _widest_stretch(line: _Line) -> float:
    """The widest stretch of a line's words with no cell-wide gap between them: running text is one stretch
    across the page (its words split only by spaces around numbers), a table row is cells apart."""
    widest, start = 0.0, line.words[0].x0
    for a, b in zip(line.words, line.words[1:]):
        if b.x0 - a.x1 >= _APART:
            widest, start = max(widest, a.x1 - start), b.x0
    return max(widest, line.words[-1].x1 - start)


def _lines(words: list[_Word]) -> list[_Line]:
    """Words on one baseline (tops within 3 pt), left to right; figures set apart from their neighbours. A
    line with words after its first figure is a sentence with numbers in it, not a table row."""
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1].top - w.top) <= 3:
            lines[-1].words.append(w)
        else:
            lines.append(_Line([w], w.top))
    for line in lines:
        ws = sorted(line.words, key=lambda w: w.x0)
        line.words = ws
        for i, w in enumerate(ws):
            apart = (i == 0 or w.x0 - ws[i - 1].x1 >= _APART) and (i == len(ws) - 1 or ws[i + 1].x0 - w.x1 >= _APART)
            if apart and _FIGURE.match(norm(w.text)):
                line.figures.append(w)
        if line.figures and any(w.x0 > line.figures[0].x0 for w in ws if w not in line.figures):
            line.figures = []
        line.labels = [w for w in ws if w not in line.figures]
    return lines


def _runs(lines: list[_Line]) -> list[_Run]:
    """Label cells: label words starting at one left edge on consecutive lines (a label wrapped in its cell).
    Which gaps are inside a cell and which between rows is read from the region itself: the gaps between
    lines at one edge fall into two sizes when labels wrap; a run never takes in a second row's figures, and
    a line opening with an item number ("2.", "（四）") starts a run of its own."""
    edges: dict[float, list[_Word]] = {}
    for line in lines:
        for w in line.labels:
            edge = next((e for e in edges if abs(e - w.x0) <= _SAME_EDGE), w.x0)
            edges.setdefault(edge, []).append(w)
    gaps = sorted(b.top - a.bottom for ws in edges.values() for a, b in zip(ws, ws[1:]))
    limit = _split(gaps)
    figure_tops = [line.top for line in lines if line.figures]
    runs: list[_Run] = []
    for edge, ws in edges.items():
        run: _Run | None = None
        for w in ws:
            rows_in = sum(run.top - 2 <= t <= w.top + 2 for t in figure_tops) if run else 0
            # a wrapped line is no further below than the smaller of the region's gap sizes; a gap of up to a
            # fifth of a character's height is inside a cell whatever that size (tight layouts)
            within = w.top - run.bottom <= max(limit, 0.2 * (w.bottom - w.top)) if run is not None else False
            if run is not None and within and rows_in <= 1 and not _ITEM.match(norm(w.text)):
                run.texts.append(w.text)
                run.bottom = w.bottom
            else:
                run = _Run(edge, w.top, w.bottom, [w.text])
                runs.append(run)
    return runs


def _split(gaps: list[float]) -> float:
    """The largest gap still inside a cell: the smallest gaps and those up to a third larger than the last
    (the leading of a wrapped label); the first clearly larger gap is between rows. With no wrapped label
    the smallest gaps are between rows, and the one-row-a-run rule keeps those apart."""
    limit = gaps[0] if gaps else -1.0
    for gap in gaps[1:]:
        if gap > limit * 1.35 + 0.5:
            break
        limit = gap
    return limit


def _grid(region: list[_Line]) -> list[list[list[str]]]:
    rows = [line for line in region if line.figures]
    if len(rows) < 1:
        return []
    runs = _runs(region)
    cells: dict[int, list[_Run]] = {i: [] for i in range(len(rows))}
    header: list[_Run] = []
    steps = sorted(b.top - a.top for a, b in zip(rows, rows[1:]))
    step = steps[len(steps) // 2] if steps else 20.0
    for run in runs:
        centre = (run.top + run.bottom) / 2
        inside = [i for i, row in enumerate(rows) if run.top - 2 <= row.top <= run.bottom + 2]
        nearest = min(range(len(rows)), key=lambda i: abs(rows[i].top - centre))
        if inside:
            cells[min(inside, key=lambda i: abs(rows[i].top - centre))].append(run)
        elif run.bottom < rows[0].top:
            header.append(run)
        elif abs(rows[nearest].top - centre) <= step:  # a centred label between rows (a merged cell's text)
            cells[nearest].append(run)
        # else: below the table (the next section's heading), not part of it
    heads = [norm("".join(r.texts)) for r in sorted(header, key=lambda r: (r.x0, r.top))]
    heads = [h for h in heads if not _FIGURE.match(h)]  # a number in a sentence above the table is no header
    grid = [heads] if heads else []
    for i, row in enumerate(rows):
        labels = [norm("".join(r.texts)) for r in sorted(cells[i], key=lambda r: r.x0)]
        grid.append(labels + [norm(w.text) for w in row.figures])
    return [grid]
