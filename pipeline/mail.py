"""Mail stage: the emailed copies of the forms, read from .eml/.mbox files and loose files.

Attachments are typed by their content, never by the name the sender gave them. Word and
Excel files have no page geometry, so they are laid out on a synthetic page (paragraphs as
full-width rows, table rows as bands of cells, one character box per character) for the
same layout/classify/extract stages the scans go through. Text PDFs are left to ``ingest``.
"""

from __future__ import annotations

import email
import io
import mailbox
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from pipeline.errors import InputError
from pipeline.layout import split_lines
from pipeline.model import BBox, Line, PageLayout, Word

MAIL_SUFFIXES = {".eml", ".mbox", ".mbx"}
# Documents units send (readable or not): anything else loose among the mail is left out.
DOCUMENT_SUFFIXES = {".docx", ".pdf", ".xlsx", ".doc", ".wps", ".xls", ".et", ".rtf"}

# The synthetic page: A4 at the scan dpi (200), so sizes compare with scanned pages.
PAGE_WIDTH = 1654
PAGE_HEIGHT = 2339
MARGIN = 100
CHAR = 30  # width of one character box
CHAR_HEIGHT = 30
LINE_HEIGHT = 40
PAD = 10  # space between a cell's border and its text
BLANK_PARAGRAPH = 20  # vertical space an empty paragraph takes
MAX_NAME_BYTES = 150  # a safe name's length in UTF-8 (file systems allow 255)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
_WINDOWS_ILLEGAL = re.compile(r'[<>:"|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


@dataclass
class Attachment:
    """One emailed document: an attachment of a message, or a loose file."""

    path: str  # the .eml/.mbox/loose file as given
    message: str | None  # "1" for the first message of an mbox; None for .eml and loose files
    filename: str  # the name as the sender wrote it (decoded); for display only
    safe_name: str  # usable as a file name under OUT; unique within ``path``
    data: bytes
    sender: str | None
    subject: str | None
    date: str | None
    kind: str  # docx | pdf | xlsx | unreadable, from the content
    reason: str | None = None  # why an unreadable attachment cannot be read


# -- finding and opening the files ---------------------------------------------------------


def discover(paths: list[str]) -> list[str]:
    """Every file under the given paths (folders recursively, hidden files left out), sorted.

    All files are listed, whatever their suffix: what cannot be read is reported, not lost.
    """
    found: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            inside = []
            for root, dirs, files in os.walk(given):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                inside.extend(os.path.join(root, f) for f in files if not f.startswith("."))
            found.extend(sorted(inside))
        else:
            found.append(given)
    return list(dict.fromkeys(found))


def read_attachments(path: str) -> list[Attachment]:
    """The documents in one input file: a message's attachments, or the loose file itself.

    A message without attachments gives ``[]``. Raises InputError when the file cannot be
    read at all (missing, empty, not a message although named .eml/.mbox).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot open file: {exc.strerror}; check the path and permissions") from exc
    if not data.strip():
        raise InputError("empty file (0 bytes): save the message or file again")
    suffix = Path(path).suffix.lower()
    if suffix == ".msg" and data.startswith(_OLE):
        raise InputError("Outlook .msg files cannot be read: save the message as .eml "
                         "(File > Save As) or save its attachments")
    if suffix in MAIL_SUFFIXES or (_sniff(data)[0] == "unreadable" and _looks_like_mail(data)):
        if data.startswith(b"From "):
            return _read_mbox(path)
        return _message_attachments(path, None, _parse(data), _Names())
    name = os.path.basename(path)
    kind, reason = _sniff(data, name)
    return [Attachment(path, None, name, _Names().take(name), data, None, None, None,
                       kind, reason)]


def _looks_like_mail(data: bytes) -> bool:
    if data.startswith(b"From "):
        return True
    head = data[:4096].lstrip()
    header_names = {line.split(b":", 1)[0].lower()
                    for line in head.splitlines()[:60] if _HEADER_LINE.match(line)}
    return bool(_HEADER_LINE.match(head)) and bool(
        header_names & {b"from", b"subject", b"received", b"message-id", b"mime-version"})


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default_policy)
    if not msg.keys():
        raise InputError("not an email message (no headers): export the message as .eml "
                         "from the mail client and read it again")
    return msg  # type: ignore[return-value]


def _read_mbox(path: str) -> list[Attachment]:
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.keys())
        if not keys:
            raise InputError("mbox holds no messages: export the mailbox again")
        names = _Names()
        found: list[Attachment] = []
        for number, key in enumerate(keys, start=1):
            msg = _parse(box.get_bytes(key))
            found.extend(_message_attachments(path, str(number), msg, names))
        return found
    finally:
        box.close()


def _message_attachments(path: str, number: str | None, msg: EmailMessage,
                         names: _Names) -> list[Attachment]:
    sender, subject, when = (_header(msg, h) for h in ("from", "subject", "date"))
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue  # containers, forwarded messages (message/rfc822): walked into
        filename = _filename(part)
        if filename is None and part.get_content_disposition() != "attachment":
            continue  # the message body
        data = part.get_payload(decode=True) or b""
        filename = filename or ""
        kind, reason = _sniff(data, filename)
        found.append(Attachment(path, number, filename, names.take(filename), data,
                                sender, subject, when, kind, reason))
    return found


def _header(msg: EmailMessage, name: str) -> str | None:
    try:
        value = msg[name]
    except Exception:  # noqa: BLE001 - the header parser raises assorted errors on bad input
        value = next((v for k, v in msg.raw_items() if k.lower() == name), None)
    if value is None:
        return None
    return _unescape(str(value)).strip() or None


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter: treat as unnamed
        name = None
    if name is None:
        return None
    return _unescape(name)


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes (no RFC 2047, common from Chinese clients) as readable text."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


# -- what an attachment is -----------------------------------------------------------------


def _sniff(data: bytes, name: str = "") -> tuple[str, str | None]:
    """(kind, reason) from the content; the name only words the reason."""
    suffix = Path(name).suffix.lower()
    if not data:
        return "unreadable", "empty attachment (0 bytes): ask the unit to send the file again"
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf", None
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = set(archive.namelist())
        except zipfile.BadZipFile:
            return "unreadable", ("damaged file (broken zip/Office container): ask the unit "
                                  "to send it again")
        if "word/document.xml" in members:
            return "docx", None
        if "xl/workbook.xml" in members:
            return "xlsx", None
        return "unreadable", (f"zip archive ({len(members)} files) is not read: unpack it and "
                              "read the files inside with `formscan email`")
    if data.startswith(_OLE):
        return "unreadable", _ole_reason(data, suffix)
    if data.startswith(b"{\\rtf"):
        return "unreadable", "RTF file cannot be read: ask the unit for .docx or PDF"
    if data.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c")):
        return "unreadable", ("RAR/7z archive is not read: unpack it and read the files "
                              "inside with `formscan email`")
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")):
        return "unreadable", ("image attachment (a photo or scan): read it with "
                              "`formscan scan`; the emailed copy should be .docx or PDF")
    shown = suffix or "no suffix"
    return "unreadable", (f"not a Word, Excel or PDF document ({shown}): ask the unit for "
                          ".docx or PDF")


def _ole_reason(data: bytes, suffix: str) -> str:
    """Legacy Office (OLE2) files: which program wrote them, from their stream names."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return ("password-protected Office file: ask the unit for an unprotected .docx "
                "or PDF")
    if suffix in (".xls", ".et") or "Workbook".encode("utf-16-le") in data:
        return "legacy Excel .xls/.et cannot be read: ask the unit for .xlsx, .docx or PDF"
    return "legacy Word .doc/.wps cannot be read: ask the unit for .docx or PDF"


class _Names:
    """Safe names for the attachments of one input file, each used once."""

    def __init__(self) -> None:
        self.count = 0
        self.used: set[str] = set()

    def take(self, filename: str) -> str:
        self.count += 1
        name = safe_name(filename, self.count)
        stem, suffix = os.path.splitext(name)
        n = 1
        while name.lower() in self.used:
            n += 1
            name = f"{stem}-{n}{suffix}"
        self.used.add(name.lower())
        return name


def safe_name(filename: str, index: int = 1) -> str:
    """A file name that stays inside any folder it is joined to; Chinese is kept.

    Directory parts (``../``, ``/tmp/``, ``C:\\``) are dropped, control and format characters
    (NUL, bidi overrides) removed, Windows-illegal characters replaced; an empty or all-dot
    name becomes ``attachment-<index>.bin``.
    """
    text = unicodedata.normalize("NFC", filename or "")
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    text = re.sub(r"^[A-Za-z]:", "", text.replace("\\", "/"))
    parts = [p for p in text.split("/") if p.strip(". ")]
    name = _WINDOWS_ILLEGAL.sub("_", parts[-1] if parts else "").strip(" .")
    if not name:
        return f"attachment-{index}.bin"
    if _RESERVED.match(name):
        name = "_" + name
    stem, suffix = os.path.splitext(name)
    if len(suffix.encode()) > 16:
        stem, suffix = name, ""
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


# -- Word and Excel on a synthetic page ----------------------------------------------------


@dataclass
class _GridCell:
    """A (merged) table cell on the layout grid: rows r0..r1, columns c0..c1 inclusive."""

    r0: int
    r1: int
    c0: int
    c1: int
    texts: list[str]


class _Page:
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

    def table(self, cells: list[_GridCell], col_weights: list[float]) -> None:
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


def _wrap(text: str, per_line: int) -> list[str]:
    text = "".join(c for c in text if not c.isspace())
    per_line = max(1, per_line)
    return [text[i:i + per_line] for i in range(0, len(text), per_line)]


def _chars_across(cell: _GridCell, xs: list[float]) -> int:
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


def layout_of(lines: list[Line], cells: list[BBox]) -> PageLayout:
    """The PageLayout of a synthetic page (A4 at 200 dpi, taller when the content is)."""
    bottom = max([b[3] for b in cells] + [ln.bbox[3] for ln in lines] + [0.0])
    height = max(PAGE_HEIGHT, int(bottom + MARGIN))
    return PageLayout(PAGE_WIDTH, height, cells, split_lines(lines, cells))


# -- Word ----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_pages(data: bytes) -> list[tuple[list[Line], list[BBox]]]:
    """One synthetic page per page of the document, cut at explicit page and section breaks.

    A unit often puts several forms (ten 作品登记表) in one file, one per page.
    """
    from docx import Document  # imported here: only `formscan email` needs python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(data))
    pages = [_Page()]
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            pages[-1].table(*_docx_grid(block))
            continue
        assert isinstance(block, Paragraph)
        before, after = _page_breaks(block)
        if before and not pages[-1].empty:
            pages.append(_Page())
        for text in block.text.split("\n"):
            pages[-1].paragraph(text)
        if after:
            pages.append(_Page())
    kept = [(p.lines, p.cells) for p in pages if p.lines]
    return kept or [([], [])]


def docx_lines(data: bytes) -> tuple[list[Line], list[BBox]]:
    """The whole document as one synthetic page: text lines and table cell boxes.

    For a file holding several forms use :func:`docx_pages`.
    """
    pages = docx_pages(data)
    lines: list[Line] = []
    cells: list[BBox] = []
    offset = 0.0
    for page_lines, page_cells in pages:
        lines += [_shifted(ln, offset) for ln in page_lines]
        cells += [[b[0], b[1] + offset, b[2], b[3] + offset] for b in page_cells]
        bottom = max([b[3] for b in page_cells] + [ln.bbox[3] for ln in page_lines] + [0.0])
        offset += bottom
    return lines, cells


def _shifted(line: Line, dy: float) -> Line:
    if not dy:
        return line
    move = lambda b: [b[0], b[1] + dy, b[2], b[3] + dy]  # noqa: E731
    return Line(line.text, move(line.bbox), line.confidence,
                [Word(w.text, move(w.bbox), w.confidence) for w in line.words])


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


def _docx_grid(table) -> tuple[list[_GridCell], list[float]]:  # noqa: ANN001 - docx Table
    """The table's merged cells on its layout grid, and its column widths."""
    from docx.table import _Cell

    cells: list[_GridCell] = []
    # Keyed by id() of the element proxy, kept alive in the value: lxml hands out the same
    # proxy for a node only while one exists, so a freed one's id could be reused.
    by_tc: dict[int, tuple[object, _GridCell]] = {}
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
            cell = _GridCell(r, r, col, col + span - 1, _cell_texts(_Cell(tc, table)))
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


# -- Excel ---------------------------------------------------------------------------------


def xlsx_lines(data: bytes) -> tuple[list[Line], list[BBox]]:
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
        return [], []
    rows = sorted({r for r, _ in filled})
    band = {r: i for i, r in enumerate(rows)}
    col_lo = min(c for _, c in filled)
    col_hi = max(merged[k].max_col if k in merged else k[1] for k in filled)
    cells: list[_GridCell] = []
    for r in rows:
        for c in range(col_lo, col_hi + 1):
            if (r, c) in covered:
                continue
            m = merged.get((r, c))
            r1, c1 = (m.max_row, m.max_col) if m else (r, c)
            last = max(band[x] for x in rows if r <= x <= r1)
            text = values.get((r, c), "")
            cells.append(_GridCell(band[r], last, c - col_lo, min(c1, col_hi) - col_lo,
                                   text.split("\n") if text else []))
    weights = [float(sheet.column_dimensions[get_column_letter(c)].width or 8.43)
               for c in range(col_lo, col_hi + 1)]
    page = _Page()
    page.table(cells, weights)
    return page.lines, page.cells


def _cell_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
