"""Ingest stage: paper scans as work items, one per page.

PDF pages are rendered at 200 dpi (``pipeline.pdf``); a page whose *visible* text layer reads
as real form text takes the text-layer route instead of OCR (an invisible scanner OCR layer
does not count: it is often poor). Images are decoded with OpenCV, multi-page TIFFs page by
page. Each page's ``doc_id`` is a hash of its pixels: the same page fed twice has one id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pymupdf

from pipeline import pdf
from pipeline.errors import InputError, NotAScan
from pipeline.filetypes import HEAD_BYTES, SCAN_KINDS, SUFFIX_KIND, Kind, sniff
from pipeline.imaging import decode
from pipeline.limits import Limits
from pipeline.model import Origin, Route, Unreadable, WorkItem

DOC_ID_LEN = 16


def pixel_hash(image: np.ndarray) -> str:
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


def read_kind(path: str) -> Kind:
    """Check a file can be read at all; the kind of scan it really is. Raises InputError
    (NotAScan for a file that is no scan at all)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(
            f"cannot open file: {exc.strerror}; check the path and permissions") from exc
    if not head:
        raise InputError("empty file (0 bytes): the scan did not save; scan the pages again")
    kind = sniff(head)
    if kind in SCAN_KINDS:
        return kind
    if Path(path).suffix.lower() not in SUFFIX_KIND:
        raise NotAScan("not a scan (PDF or jpg/png/tif), left out; if it is an emailed "
                       "copy, read it with `formscan email`")
    raise InputError(f"named {Path(path).suffix} but its content is not a PDF or an image: "
                     "the file is damaged or mislabelled; rescan it")


@contextmanager
def open_scan(path: str, kind: Kind, limits: Limits | None = None
              ) -> Iterator[tuple[int, object]]:
    """(page count, handle) of a scan file, open while the block runs; its size, pages and
    pixels checked against ``limits`` before anything is decoded. Raises InputError."""
    limits = limits or Limits()
    limits.check_size(path)
    if kind is Kind.PDF:
        with pdf.open_pdf(path) as doc:
            limits.check_pages(doc.page_count)
            yield doc.page_count, doc
        return
    count = limits.check_image(path, kind)  # from the header: a bomb is never decoded
    if kind is Kind.TIFF:
        yield count, None  # frames are decoded one by one by ``pages``
        return
    yield 1, None  # decoded by ``pages``, only when the page is still to read


def repaired(handle: object) -> str | None:
    """What to tell of a PDF its reader had to repair (cut short, or its structure broken)."""
    if isinstance(handle, pymupdf.Document) and handle.is_repaired:
        return ("the PDF was damaged (cut short, or its structure broken) and was repaired "
                "to be read: check against the paper that no page is missing")
    return None


def pages(path: str, kind: Kind, handle: object, only: set[int], limits: Limits | None = None
          ) -> Iterator[WorkItem | Unreadable]:
    """The pages numbered in ``only`` (1-based) of a file opened with :func:`open_scan`.

    A page that cannot be read comes as :class:`Unreadable`, so the others still go through;
    an image file that cannot be decoded comes as one whose ``page`` is None. A PDF page
    that would render over ``limits`` is not rendered.
    """
    limits = limits or Limits()
    if kind is Kind.PDF:
        doc = handle
        assert isinstance(doc, pymupdf.Document)
        for number in sorted(only):
            try:
                page = doc[number - 1]
                limits.check_pdf_page(page.rect.width, page.rect.height)
                yield pdf_page(path, number, page)
            except InputError as exc:
                yield Unreadable(number, str(exc))
            except Exception as exc:  # noqa: BLE001 - one bad page must not sink the file
                yield Unreadable(number, f"page cannot be rendered ({exc}); rescan this page")
    elif kind is Kind.TIFF:
        for number in sorted(only):
            try:
                ok, frames = cv2.imreadmulti(path, number - 1, 1, flags=cv2.IMREAD_COLOR)
            except cv2.error:
                ok, frames = False, []
            if ok and frames:
                yield image_page(path, number, frames[0])
            else:
                yield Unreadable(number, "TIFF page cannot be decoded (damaged file); rescan it")
    elif 1 in only:
        try:  # from bytes: OpenCV opens only names it can encode
            image = decode(Path(path).read_bytes())
        except OSError:
            image = None
        if image is None:  # the file as a whole is unreadable: its line has no page
            yield Unreadable(None, f"{kind.value.upper()} image cannot be decoded (damaged "
                                   "file); rescan it")
        else:
            yield image_page(path, 1, image)


def image_page(path: str, number: int, image: np.ndarray) -> WorkItem:
    return WorkItem(path, number, Origin.PAPER, Route.OCR, pixel_hash(image)[:DOC_ID_LEN],
                    image=image)


def pdf_page(path: str, number: int, page: pymupdf.Page) -> WorkItem:
    """One PDF page rendered at 200 dpi, with its text layer when that is usable."""
    image, lines = pdf.read_page(page)
    route = Route.TEXT_LAYER if lines else Route.OCR
    return WorkItem(path, number, Origin.PAPER, route, pixel_hash(image)[:DOC_ID_LEN],
                    image=image, lines=lines)


def page_image(path: str, page: int) -> np.ndarray | None:
    """One page of a scan as it was read (before any correction), or None if it is gone."""
    try:
        kind = read_kind(path)
        with open_scan(path, kind) as (count, handle):
            if not 1 <= page <= count:
                return None
            for item in pages(path, kind, handle, {page}):
                return item.image if isinstance(item, WorkItem) else None
    except (InputError, OSError):
        return None
    return None
