"""PDF pages for the readers: opened with a message that says what to do, rendered at the scan
resolution, and their text layer when it is the form's own visible text.

Shared by the paper reader (envelope PDFs) and the mail reader (PDF attachments).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pymupdf

from pipeline.errors import Code, InputError, Reason
from pipeline.forms import printed_words
from pipeline.model import Line, Unreadable, Word, WorkItem

if TYPE_CHECKING:
    from pipeline.limits import Limits

DPI = 200
SCALE = DPI / 72
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_CJK = 20  # a text layer with fewer Chinese characters holds no form
MIN_READABLE = 0.85  # share of Chinese, digits and form punctuation: not mojibake
MIN_FORM_WORDS = 3  # printed titles and labels a form's text layer holds at least


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


def render(page: pymupdf.Page) -> np.ndarray:
    """The page as a BGR image at :data:`DPI`."""
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csRGB, alpha=False)
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w, 3)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def pages(doc: pymupdf.Document, only: set[int | None], limits: Limits,
          item: Callable[[int, np.ndarray, list[Line]], WorkItem]
          ) -> Iterator[WorkItem | Unreadable]:
    """The pages numbered in ``only`` (1-based) of an open PDF, each as ``item(number, image,
    text layer)`` makes it (the layer is [] when the page is to be OCR'd): the paper reader's
    and the mail reader's PDF pages alike. A page over ``limits`` is not rendered; a page that
    cannot be rendered comes as :class:`Unreadable`, and the others still go through."""
    for number in sorted(k for k in only if k is not None):
        try:
            page = doc[number - 1]
            limits.check_pdf_page(page.rect.width, page.rect.height)
            image, lines = render(page), text_layer(page)
        except InputError as exc:
            yield Unreadable(number, exc.reason)
            continue
        except Exception as exc:  # noqa: BLE001 - one bad page must not sink the file
            yield Unreadable(number, Reason(Code.PAGE_UNRENDERABLE, {"why": str(exc)}))
            continue
        yield item(number, image, lines)


def text_layer(page: pymupdf.Page, require_form_words: bool = True) -> list[Line]:
    """The page's visible text as lines with character boxes, or [] when it is not usable.

    Usable means: visible (not render mode 3, the invisible layer scanners add), mostly
    Chinese, digits and punctuation rather than mojibake, and holding the forms' printed
    titles and labels.
    """
    lines: list[Line] = []
    matrix = page.rotation_matrix * pymupdf.Matrix(SCALE, SCALE)
    for span in page.get_texttrace():
        if span["type"] == 3 or span.get("opacity", 1) == 0:
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
    text = "".join(line.text for line in lines)
    if len(_CJK.findall(text)) < MIN_CJK:
        return []
    readable = sum(bool(_CJK.match(c)) or c.isdigit() or c in "：:（）()、，。.-" for c in text)
    form_words = sum(w in text for w in printed_words())
    if readable / len(text) < MIN_READABLE or (require_form_words
                                               and form_words < MIN_FORM_WORDS):
        return []
    return lines
