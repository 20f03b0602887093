"""PDF pages for the readers: opened with a message that says what to do, rendered at the scan
resolution, and their text layer when it is the form's own visible text.

A page that is an image covering the page (a scan: most of it covered by one or more images)
is read from what it shows, by OCR: a text layer there is a scanner's own OCR, drawn invisible
or under the image ("text under the page image"), and may disagree with what the page shows.
It is kept as a witness (:func:`disagreeing`): the fields it reads otherwise are named in a
note, never taken.

Shared by the paper reader (envelope PDFs) and the mail reader (PDF attachments).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pymupdf
from rapidfuzz import fuzz

from pipeline.errors import Code, InputError, Reason
from pipeline.forms import FieldKind, printed_words
from pipeline.model import Field, Line, Unreadable, Word, WorkItem
from pipeline.normalize import normalize_value

if TYPE_CHECKING:
    from pipeline.limits import Limits

DPI = 200
SCALE = DPI / 72
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_CJK = 20  # a text layer with fewer Chinese characters holds no form
MIN_READABLE = 0.85  # share of Chinese, digits and form punctuation: not mojibake
MIN_FORM_WORDS = 3  # printed titles and labels a form's text layer holds at least
SCAN_COVER = 0.6  # share of a page its images cover: a scanned page, read by OCR
_GRID = 64  # cells per side of the grid the images' cover is counted on
WITNESS_PAD = 6  # px around a value's box where the text layer's characters count
LONG_VALUE = 20  # characters from which a value may differ a little from the layer's text
LONG_AGREE = 90  # partial ratio (0-100) a long value has at least with the layer's text
_NOT_TEXT = re.compile(r"[\W_]+")


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def open_pdf(path: str | None = None, data: bytes | None = None) -> pymupdf.Document:
    """A PDF from a file or bytes, checked to be readable; raises InputError."""
    try:
        if data is None and path is not None and not _utf8(path):
            with open(path, "rb") as fh:  # MuPDF takes only UTF-8 names
                data = fh.read()
        doc = (pymupdf.open(path, filetype="pdf") if data is None
               else pymupdf.open(stream=data, filetype="pdf"))
    except Exception as exc:  # noqa: BLE001 - MuPDF raises its own types for bad files
        raise InputError(Code.PDF_UNOPENABLE, why=str(exc)) from exc
    if doc.needs_pass:
        doc.close()
        raise InputError(Code.PDF_PASSWORD)
    if doc.page_count == 0:
        doc.close()
        raise InputError(Code.PDF_NO_PAGES)
    return doc


@contextmanager
def opened(path: str | None = None, data: bytes | None = None) -> Iterator[pymupdf.Document]:
    """:func:`open_pdf` for the block; when it ends, MuPDF's cache of decoded page images is
    emptied too (it keeps up to 256 MB of them after the document closes, which made a
    batch's main process grow file by file)."""
    doc = open_pdf(path, data)
    try:
        yield doc
    finally:
        doc.close()
        pymupdf.TOOLS.store_shrink(100)


def render(page: pymupdf.Page) -> np.ndarray:
    """The page as a BGR image at :data:`DPI`."""
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csRGB, alpha=False)
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w, 3)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


PageItem = Callable[[int, np.ndarray, list[Line], list[Line]], WorkItem]


def pages(doc: pymupdf.Document, only: set[int | None], limits: Limits, item: PageItem
          ) -> Iterator[WorkItem | Unreadable]:
    """The pages numbered in ``only`` (1-based) of an open PDF, each as ``item(number, image,
    text layer, witness)`` makes it: the paper reader's and the mail reader's PDF pages alike.
    The text layer is [] when the page is to be OCR'd; the witness is a scanned page's own
    text (any, visible or not), [] for a page read from its text layer. A page over
    ``limits`` is not rendered; a page that cannot be rendered comes as :class:`Unreadable`,
    and the others still go through."""
    for number in sorted(k for k in only if k is not None):
        try:
            page = doc[number - 1]
            limits.check_pdf_page(page.rect.width, page.rect.height)
            image = render(page)
            scanned = image_cover(page) >= SCAN_COVER
            lines = [] if scanned else text_layer(page)
            witness = _lines(page, hidden=True) if scanned else []
        except InputError as exc:
            yield Unreadable(number, exc.reason)
            continue
        except Exception as exc:  # noqa: BLE001 - one bad page must not sink the file
            yield Unreadable(number, Reason(Code.PAGE_UNRENDERABLE, {"why": str(exc)}))
            continue
        yield item(number, image, lines, witness)


def image_cover(page: pymupdf.Page) -> float:
    """The share of the page its images cover (0-1): a scan's page image covers most of it,
    a Word export's pasted seal or signature a corner."""
    bound = page.rect * page.derotation_matrix
    if bound.is_empty:
        return 0.0
    grid = np.zeros((_GRID, _GRID), bool)
    try:
        images = page.get_image_info()
    except Exception:  # noqa: BLE001 - a damaged image list: the page is rendered as before
        return 0.0
    for info in images:
        box = pymupdf.Rect(info["bbox"]) & bound
        if box.is_empty:
            continue
        x0, x1 = (int(round((v - bound.x0) / bound.width * _GRID)) for v in (box.x0, box.x1))
        y0, y1 = (int(round((v - bound.y0) / bound.height * _GRID)) for v in (box.y0, box.y1))
        grid[y0:y1, x0:x1] = True
    return float(grid.mean())


def text_layer(page: pymupdf.Page, require_form_words: bool = True) -> list[Line]:
    """The page's visible text as lines with character boxes, or [] when it is not usable.

    Usable means: visible (not render mode 3, the invisible layer scanners add), mostly
    Chinese, digits and punctuation rather than mojibake, and holding the forms' printed
    titles and labels.
    """
    lines = _lines(page, hidden=False)
    text = "".join(line.text for line in lines)
    if len(_CJK.findall(text)) < MIN_CJK:
        return []
    readable = sum(bool(_CJK.match(c)) or c.isdigit() or c in "：:（）()、，。.-" for c in text)
    form_words = sum(w in text for w in printed_words())
    if readable / len(text) < MIN_READABLE or (require_form_words
                                               and form_words < MIN_FORM_WORDS):
        return []
    return lines


def _lines(page: pymupdf.Page, hidden: bool) -> list[Line]:
    """The page's text as lines with character boxes in the rendered page's pixels; with
    ``hidden`` the invisible text too (render mode 3, opacity 0)."""
    lines: list[Line] = []
    matrix = page.rotation_matrix * pymupdf.Matrix(SCALE, SCALE)
    for span in page.get_texttrace():
        if not hidden and (span["type"] == 3 or span.get("opacity", 1) == 0):
            continue
        words = []
        for code, _glyph, _origin, bbox in span["chars"]:
            char = chr(code)
            if char.isspace():
                continue
            rect = pymupdf.Rect(bbox) * matrix
            words.append(Word(char, [round(v, 1) for v in rect], 1.0))
        if words:
            rect = pymupdf.Rect(span["bbox"]) * matrix
            lines.append(Line("".join(w.text for w in words), [round(v, 1) for v in rect],
                              1.0, words))
    return lines


def disagreeing(fields: dict[str, Field], witness: list[Line],
                kinds: dict[str, FieldKind]) -> tuple[int, list[str]]:
    """The fields read from a scanned page's image that its own text layer reads otherwise:
    the layer's characters within a value's box (on the page as rendered) hold neither the
    value nor what OCR read for it (a long value: nearly), nor normalised by the field's kind
    give the value (2023年8月25日 is 2023-08-25). A value with no layer text at its place is
    no evidence either way. Returns how many values were compared, and those that differ."""
    chars = [w for line in witness for w in line.words]
    found, compared = [], 0
    for key, f in fields.items():
        if f.value is None or not f.bbox:
            continue
        x0, y0, x1, y1 = f.bbox
        inside = "".join(
            w.text for w in chars
            if x0 - WITNESS_PAD <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 + WITNESS_PAD
            and y0 - WITNESS_PAD <= (w.bbox[1] + w.bbox[3]) / 2 <= y1 + WITNESS_PAD)
        layer = _NOT_TEXT.sub("", inside)
        if not layer:
            continue
        compared += 1
        read = {_NOT_TEXT.sub("", v) for v in (f.value, f.raw) if v} - {""}
        if normalize_value(kinds.get(key, FieldKind.TEXT), inside) == f.value:
            continue
        if not any(v in layer or (len(v) >= LONG_VALUE
                                  and fuzz.partial_ratio(v, layer) >= LONG_AGREE)
                   for v in read):
            found.append(key)
    return compared, found
