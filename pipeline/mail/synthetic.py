"""Word and Excel files on a synthetic page, so the page stages read them like a scan.

They have no page geometry: paragraphs become full-width rows, table rows bands of cells, one
character box per character, on an A4 page at the scan resolution (200 dpi), so sizes compare
with scanned pages. The layout stage takes the cells as given (there are no ruling lines).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import BBox, Line, Word

PAGE_WIDTH = 1654
PAGE_HEIGHT = 2339
MARGIN = 100
CHAR = 30  # width of one character box
CHAR_HEIGHT = 30
LINE_HEIGHT = 40
PAD = 10  # space between a cell's border and its text
BLANK_PARAGRAPH = 20  # vertical space an empty paragraph takes


@dataclass
class SyntheticPage:
    """Text lines and table cells placed on a page (A4, taller when the content is)."""

    lines: list[Line]
    cells: list[BBox]

    @property
    def size(self) -> tuple[int, int]:
        bottom = max([b[3] for b in self.cells] + [ln.bbox[3] for ln in self.lines] + [0.0])
        return PAGE_WIDTH, max(PAGE_HEIGHT, int(bottom + MARGIN))


@dataclass
class GridCell:
    """A (merged) table cell on the layout grid: rows r0..r1, columns c0..c1 inclusive."""

    r0: int
    r1: int
    c0: int
    c1: int
    texts: list[str]


class PageBuilder:
    """Lines and cells placed top to bottom on the synthetic page."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.cells: list[BBox] = []
        self.y = float(MARGIN)

    def paragraph(self, text: str) -> None:
        wrapped = _wrap(text, (PAGE_WIDTH - 2 * MARGIN) // CHAR)
        if not wrapped:
            self.y += BLANK_PARAGRAPH
        for chunk in wrapped:
            self.lines.append(_line(chunk, MARGIN, self.y))
            self.y += LINE_HEIGHT

    def table(self, cells: list[GridCell], col_weights: list[float]) -> None:
        if not cells:
            return
        n_rows = max(c.r1 for c in cells) + 1
        xs = _column_edges(col_weights)
        wrapped = [[chunk for t in c.texts for chunk in _wrap(t, _chars_across(c, xs))]
                   for c in cells]
        heights = [float(LINE_HEIGHT + 2 * PAD)] * n_rows
        for c, chunks in sorted(zip(cells, wrapped), key=lambda cw: cw[0].r1):
            need = len(chunks) * LINE_HEIGHT + 2 * PAD
            have = sum(heights[c.r0:c.r1 + 1])
            if need > have:
                heights[c.r1] += need - have
        ys = [self.y]
        for h in heights:
            ys.append(ys[-1] + h)
        for c, chunks in zip(cells, wrapped):
            box = [xs[c.c0], ys[c.r0], xs[c.c1 + 1], ys[c.r1 + 1]]
            self.cells.append([round(v, 1) for v in box])
            for i, chunk in enumerate(chunks):
                self.lines.append(_line(chunk, box[0] + PAD, box[1] + PAD + i * LINE_HEIGHT))
        self.y = ys[-1] + LINE_HEIGHT / 2

    @property
    def empty(self) -> bool:
        return not self.lines and not self.cells

    def page(self) -> SyntheticPage:
        return SyntheticPage(self.lines, self.cells)


def _wrap(text: str, per_line: int) -> list[str]:
    text = "".join(c for c in text if not c.isspace())
    per_line = max(1, per_line)
    return [text[i:i + per_line] for i in range(0, len(text), per_line)]


def _chars_across(cell: GridCell, xs: list[float]) -> int:
    return int((xs[cell.c1 + 1] - xs[cell.c0] - 2 * PAD) // CHAR)


def _column_edges(weights: list[float]) -> list[float]:
    """Column x positions across the page, proportional to the table's own column widths."""
    mean = sum(weights) / len(weights) if weights and sum(weights) > 0 else 1.0
    widths = [max(w, 0.25 * mean) if w > 0 else mean for w in weights] or [1.0]
    scale = (PAGE_WIDTH - 2 * MARGIN) / sum(widths)
    edges = [float(MARGIN)]
    for w in widths:
        edges.append(edges[-1] + w * scale)
    return edges


def _line(text: str, x: float, y: float) -> Line:
    """One line of text with a box per character, evenly spaced."""
    words = [Word(c, [x + i * CHAR, y, x + (i + 1) * CHAR - 2, y + CHAR_HEIGHT], 1.0)
             for i, c in enumerate(text)]
    return Line(text, [x, y, x + len(text) * CHAR - 2, y + CHAR_HEIGHT], 1.0, words)
