"""Word (.docx) and Excel (.xlsx) attachments read through python-docx and openpyxl.

Tables keep their merged cells and column widths, so a retyped form keeps its shape on the
synthetic page; a Word file holding several forms (ten 作品登记表, one per page) is cut at its
explicit page and section breaks.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from pipeline.mail.synthetic import GridCell, PageBuilder, SyntheticPage

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_pages(data: bytes) -> list[SyntheticPage]:
    """One synthetic page per page of the document, cut at explicit page and section breaks.

    A unit often puts several forms (ten 作品登记表) in one file, one per page.
    """
    from docx import Document  # imported here: only `formscan email` needs python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(data))
    pages = [PageBuilder()]
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            pages[-1].table(*_docx_grid(block))
            continue
        assert isinstance(block, Paragraph)
        before, after = _page_breaks(block)
        if before and not pages[-1].empty:
            pages.append(PageBuilder())
        for text in block.text.split("\n"):
            pages[-1].paragraph(text)
        if after:
            pages.append(PageBuilder())
    kept = [p.page() for p in pages if p.lines]
    return kept or [SyntheticPage([], [])]


def _page_breaks(paragraph) -> tuple[bool, bool]:  # noqa: ANN001 - docx Paragraph
    """(new page before, new page after) this paragraph."""
    p = paragraph._p
    ppr = p.find(f"{_W}pPr")
    before = ppr is not None and ppr.find(f"{_W}pageBreakBefore") is not None
    after = ppr is not None and ppr.find(f"{_W}sectPr") is not None
    seen_text = False
    for node in p.iter(f"{_W}t", f"{_W}br"):
        if node.tag == f"{_W}t":
            seen_text = seen_text or bool((node.text or "").strip())
        elif node.get(f"{_W}type") == "page":
            if seen_text:
                after = True
            else:
                before = True
    return before, after


def _docx_grid(table) -> tuple[list[GridCell], list[float]]:  # noqa: ANN001 - docx Table
    """The table's merged cells on its layout grid, and its column widths."""
    from docx.table import _Cell

    cells: list[GridCell] = []
    # Keyed by id() of the element proxy, kept alive in the value: lxml hands out the same
    # proxy for a node only while one exists, so a freed one's id could be reused.
    by_tc: dict[int, tuple[object, GridCell]] = {}
    n_cols = 0
    for r, row in enumerate(table.rows):
        col = row.grid_cols_before
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue":
                root = _merge_root(tc)
                if id(root) in by_tc:
                    by_tc[id(root)][1].r1 = r
                    col += span
                    continue
            cell = GridCell(r, r, col, col + span - 1, _cell_texts(_Cell(tc, table)))
            by_tc[id(tc)] = (tc, cell)
            cells.append(cell)
            col += span
        n_cols = max(n_cols, col)
    grid = [g.w for g in table._tbl.tblGrid.gridCol_lst]
    weights = [float(w) if w else 0.0 for w in grid[:n_cols]]
    weights += [0.0] * (n_cols - len(weights))
    return cells, weights


def _merge_root(tc):  # noqa: ANN001, ANN202 - docx CT_Tc
    """The first cell of a vertical merge (a malformed one may have no cell above)."""
    while tc.vMerge == "continue":
        try:
            above = tc._tc_above
        except (ValueError, IndexError):
            return tc
        if above is None:
            return tc
        tc = above
    return tc


def _cell_texts(cell) -> list[str]:  # noqa: ANN001 - docx _Cell
    """A cell's paragraphs (and nested tables' cells) as lines of text, in order."""
    from docx.table import Table

    texts: list[str] = []
    for block in cell.iter_inner_content():
        if isinstance(block, Table):
            seen: set[int] = set()
            for row in block.rows:
                for inner in row.cells:
                    if id(inner._tc) not in seen:
                        seen.add(id(inner._tc))
                        texts.extend(_cell_texts(inner))
        else:
            texts.extend(block.text.split("\n"))
    return [t for t in texts if t.strip()]


def xlsx_page(data: bytes) -> SyntheticPage:
    """The first sheet as one synthetic page: each non-empty row a band of cells."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    workbook = load_workbook(io.BytesIO(data), data_only=True)
    sheet = workbook.worksheets[0]
    merged = {(m.min_row, m.min_col): m for m in sheet.merged_cells.ranges}
    covered = {(r, c) for m in sheet.merged_cells.ranges
               for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1)} - set(merged)
    values = {(cell.row, cell.column): _cell_value(cell.value)
              for row in sheet.iter_rows() for cell in row}
    filled = [(r, c) for (r, c), v in values.items() if v and (r, c) not in covered]
    if not filled:
        return SyntheticPage([], [])
    rows = sorted({r for r, _ in filled})
    band = {r: i for i, r in enumerate(rows)}
    col_lo = min(c for _, c in filled)
    col_hi = max(merged[k].max_col if k in merged else k[1] for k in filled)
    cells: list[GridCell] = []
    for r in rows:
        for c in range(col_lo, col_hi + 1):
            if (r, c) in covered:
                continue
            m = merged.get((r, c))
            r1, c1 = (m.max_row, m.max_col) if m else (r, c)
            last = max(band[x] for x in rows if r <= x <= r1)
            text = values.get((r, c), "")
            cells.append(GridCell(band[r], last, c - col_lo, min(c1, col_hi) - col_lo,
                                   text.split("\n") if text else []))
    weights = [float(sheet.column_dimensions[get_column_letter(c)].width or 8.43)
               for c in range(col_lo, col_hi + 1)]
    page = PageBuilder()
    page.table(cells, weights)
    return page.page()


def _cell_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
