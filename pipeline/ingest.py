"""Ingest stage: find input files, sniff what they really are, and yield their pages.

PDF pages are rendered with PyMuPDF at ``DPI``; a page whose *visible* text layer reads as
real form text takes the text-layer route instead of OCR (an invisible scanner OCR layer
does not count: it is often poor). Images are decoded with OpenCV, multi-page TIFFs page by
page. Each page gets a content hash of its pixels: the same page fed twice has one id.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pymupdf

from pipeline.errors import InputError, NotAScan
from pipeline.model import Line, Route, Word

DPI = 200
SCALE = DPI / 72
SCAN_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Printed words every form carries: a text layer holding none of them is not a form's text.
_FORM_WORDS = ("报送单位", "联系人", "电话", "作品", "文案", "授权", "地址", "签名", "日期")


@dataclass
class SourcePage:
    """One page of one input file, ready for the page pipeline."""

    path: str
    page: int
    image: np.ndarray
    route: Route
    content_hash: str
    text_lines: list[Line] = field(default_factory=list)  # text-layer route only


def discover(paths: list[str]) -> list[str]:
    """Every file under the given paths (folders recursively), sorted, as the user named it."""
    found: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in sorted(files)
                             if not f.startswith("."))
        else:
            found.append(given)
    return list(dict.fromkeys(found))


def sniff(data: bytes) -> str | None:
    """What a file really is, by its first bytes (extensions are often wrong)."""
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data.startswith(b"BM"):
        return "bmp"
    return None


def file_hash(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pixel_hash(image: np.ndarray) -> str:
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


def read_kind(path: str) -> str:
    """Check a file can be read at all; the kind it really is. Raises InputError."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError as exc:
        raise InputError(
            f"cannot open file: {exc.strerror}; check the path and permissions") from exc
    if not head:
        raise InputError("empty file (0 bytes): the scan did not save; scan the pages again")
    kind = sniff(head)
    if kind is None:
        if Path(path).suffix.lower() not in SCAN_SUFFIXES:
            raise NotAScan("not a scan (PDF or jpg/png/tif), left out; if it is an emailed "
                           "copy, read it with `formscan email`")
        raise InputError(f"named {Path(path).suffix} but its content is not a PDF or an image: "
                         "the file is damaged or mislabelled; rescan it")
    return kind


def count_pages(path: str, kind: str) -> int:
    """Number of pages, opening the file the way ``pages`` will. Raises InputError."""
    if kind == "pdf":
        with _open_pdf(path) as doc:
            return doc.page_count
    if kind == "tiff":
        ok, frames = cv2.imreadmulti(path, flags=cv2.IMREAD_COLOR)
        if not ok or not frames:
            raise InputError("TIFF cannot be decoded (damaged file); rescan it")
        return len(frames)
    return 1


def _open_pdf(path: str) -> pymupdf.Document:
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - MuPDF raises its own types for bad files
        raise InputError(f"PDF cannot be opened ({exc}); the file is damaged or truncated: "
                         "rescan or ask for it again") from exc
    if doc.needs_pass:
        doc.close()
        raise InputError("PDF is password-protected: ask the sender for an unprotected copy")
    if doc.page_count == 0:
        doc.close()
        raise InputError("PDF has no pages; rescan it")
    return doc


def pages(path: str, kind: str, only: set[int] | None = None) -> Iterator[SourcePage | InputError]:
    """The pages of one file (1-based numbers in ``only``, or all).

    A page that cannot be read is yielded as an InputError carrying its page number in
    ``.page`` so the others still go through.
    """
    if kind == "pdf":
        yield from _pdf_pages(path, only)
    elif kind == "tiff":
        ok, frames = cv2.imreadmulti(path, flags=cv2.IMREAD_COLOR)
        if not ok:
            raise InputError("TIFF cannot be decoded (damaged file); rescan it")
        for number, frame in enumerate(frames, start=1):
            if only is None or number in only:
                yield _image_page(path, number, frame)
    else:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise InputError(f"{kind.upper()} image cannot be decoded (damaged file); rescan it")
        yield _image_page(path, 1, image)


def _image_page(path: str, number: int, image: np.ndarray) -> SourcePage:
    return SourcePage(path, number, image, Route.OCR, pixel_hash(image))


def _pdf_pages(path: str, only: set[int] | None) -> Iterator[SourcePage | InputError]:
    with _open_pdf(path) as doc:
        for index, page in enumerate(doc):
            number = index + 1
            if only is not None and number not in only:
                continue
            try:
                yield page_source(path, number, page)
            except Exception as exc:  # noqa: BLE001 - one bad page must not sink the file
                error = InputError(f"page cannot be rendered ({exc}); rescan this page")
                error.page = number  # type: ignore[attr-defined]
                yield error


def page_source(path: str, number: int, page: pymupdf.Page) -> SourcePage:
    """One PDF page rendered at DPI, with its text layer when that is usable."""
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csRGB, alpha=False)
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w, 3)
    image = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    lines = text_layer(page)
    route = Route.TEXT_LAYER if lines else Route.OCR
    return SourcePage(path, number, image, route, pixel_hash(image), lines)


def text_layer(page: pymupdf.Page, require_form_words: bool = True) -> list[Line]:
    """The page's visible text as lines with character boxes, or [] when it is not usable.

    Usable means: visible (not render mode 3, the invisible layer scanners add), mostly
    Chinese, digits and punctuation rather than mojibake, and holding form words.
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
    if len(_CJK.findall(text)) < 20:
        return []
    readable = sum(bool(_CJK.match(c)) or c.isdigit() or c in "：:（）()、，。.-" for c in text)
    form_words = sum(w in text for w in _FORM_WORDS)
    if readable / len(text) < 0.85 or (require_form_words and form_words < 3):
        return []
    return lines
