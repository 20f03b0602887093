"""Ingest stage: paper scans as work items, one per page.

What a file is comes from its first bytes (``filetypes.sniff``), and a reader per kind opens
it (:data:`READERS`: PDF, TIFF, the single-image kinds, GIF and WebP by their first frame):
each checks the file's size, pages and pixels against the limits from its header before
anything is decoded (a multi-page TIFF's pixels frame by frame), and gives the pages asked
for. PDF pages are rendered at 200 dpi (``pipeline.pdf``); a page whose *visible* text
layer reads as real form text takes the text-layer route instead of OCR (an invisible scanner
OCR layer does not count: it is often poor), unless the page is a scan (an image covering it):
then it is OCR'd, its text layer kept only to compare. Each page's ``doc_id`` is a hash of its
pixels (and, read from a text layer, of that text): the same page fed twice has one id, and
two renderings that read differently never share one.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline import pdf
from pipeline.errors import Code, InputError, Reason
from pipeline.filetypes import (
    ANIMATED_KINDS,
    HEAD_BYTES,
    SCAN_KINDS,
    SUFFIX_KIND,
    Kind,
    mislabelled,
    sniff,
)
from pipeline.imaging import Decoded, decode
from pipeline.limits import ImageHeader, Limits
from pipeline.model import Line, Origin, Route, Unreadable, WorkItem

DOC_ID_LEN = 16


def pixel_hash(image: np.ndarray, lines: list[Line] | None = None) -> str:
    """A hash of a page's pixels and, for a page read from its text layer, of that text (two
    PDFs that look alike but hold other text are two documents)."""
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    if lines:
        h.update("\n".join(line.text for line in lines).encode("utf-8"))
    return h.hexdigest()


@dataclass
class OpenScan:
    """A scan file, open: how many pages it has, what to know about it, and its pages."""

    count: int
    pages: Callable[[set[int | None]], Iterator[WorkItem | Unreadable]]
    notes: tuple[Reason, ...] = ()


def read_kind(path: str) -> Kind:
    """Check a file can be read at all; the kind of scan it really is. Raises InputError
    (``not_a_scan`` for a file that is no scan at all)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(Code.CANNOT_OPEN, why=exc.strerror or str(exc)) from exc
    if not head:
        raise InputError(Code.EMPTY_SCAN)
    kind = sniff(head)
    if kind in SCAN_KINDS:
        return kind
    if Path(path).suffix.lower() not in SUFFIX_KIND:
        raise InputError(Code.NOT_A_SCAN)  # a skip, not a failure: its code says so
    raise InputError(Code.NOT_SCAN_CONTENT, suffix=Path(path).suffix)


@contextmanager
def open_scan(path: str, limits: Limits | None = None) -> Iterator[OpenScan]:
    """A scan file open while the block runs, its size, pages and pixels checked against
    ``limits`` before anything is decoded. Raises InputError."""
    limits = limits or Limits()
    kind = read_kind(path)
    limits.check_size(path)
    note = mislabelled(path, kind)
    with READERS[kind](path, kind, limits) as scan:
        if note is not None:
            scan.notes = (note, *scan.notes)
        yield scan


@contextmanager
def _pdf(path: str, kind: Kind, limits: Limits) -> Iterator[OpenScan]:
    with pdf.opened(path) as doc:
        limits.check_pages(doc.page_count)
        notes = (Reason(Code.PDF_REPAIRED),) if doc.is_repaired else ()
        yield OpenScan(doc.page_count, lambda only: pdf.pages(doc, only, limits, _pdf_item(path)),
                       notes)


def _pdf_item(path: str) -> pdf.PageItem:
    def item(number: int, image: np.ndarray, lines: list[Line], witness: list[Line]
             ) -> WorkItem:
        route = Route.TEXT_LAYER if lines else Route.OCR
        return WorkItem(path, number, Origin.PAPER, route,
                        pixel_hash(image, lines)[:DOC_ID_LEN], image=image, lines=lines,
                        witness=witness)

    return item


@contextmanager
def _tiff(path: str, kind: Kind, limits: Limits) -> Iterator[OpenScan]:
    """Frames decoded one by one, only those still to read, each checked against the limits
    from its own header first (one page over the limit fails alone). A frame whose pixels
    are not square (a fax: 204 dpi across, 196 or 98 down) is made square."""
    header = limits.check_header(path, kind)

    def pages(only: set[int | None]) -> Iterator[WorkItem | Unreadable]:
        for number in sorted(k for k in only if k is not None):
            try:
                frame = header if header.frames == 1 else limits.check_frame(path, number - 1)
            except InputError as exc:
                yield Unreadable(number, exc.reason)
                continue
            try:
                ok, frames = cv2.imreadmulti(path, number - 1, 1, flags=cv2.IMREAD_COLOR)
            except cv2.error:
                ok, frames = False, []
            if ok and frames:
                yield image_page(path, number, square_pixels(frames[0], frame.stretch))
            elif not os.path.lexists(path):  # gone since it was opened: not its pages' fault
                yield Unreadable(number, Reason(Code.REMOVED, {"why": os.strerror(errno.ENOENT)}))
            else:
                yield Unreadable(number, Reason(Code.TIFF_PAGE_UNDECODABLE))

    yield OpenScan(header.frames, pages)


def square_pixels(image: np.ndarray, stretch: float) -> np.ndarray:
    """A page whose rows are ``stretch`` times as far apart as its columns, made square
    (rows repeated, or columns where they are the farther apart: a fax stays black and
    white)."""
    if stretch == 1.0:
        return image
    h, w = image.shape[:2]
    size = (w, round(h * stretch)) if stretch > 1 else (round(w / stretch), h)
    return cv2.resize(image, size, interpolation=cv2.INTER_NEAREST)


@contextmanager
def _image(path: str, kind: Kind, limits: Limits) -> Iterator[OpenScan]:
    """One page, decoded only when it is still to read (the header is checked first: a
    decompression bomb is never decoded). A JPEG cut short is read, and noted; an animation
    is read by its first frame, and noted."""
    header = limits.check_header(path, kind)

    def pages(only: set[int | None]) -> Iterator[WorkItem | Unreadable]:
        if 1 not in only:
            return
        try:  # from bytes: OpenCV opens only names it can encode
            decoded = decode(Path(path).read_bytes())
        except OSError as exc:  # removed, moved or locked since its header was read
            yield Unreadable(None, Reason(Code.REMOVED, {"why": exc.strerror or str(exc)}))
            return
        if decoded.image is None:  # the file as a whole is unreadable: its line has no page
            yield Unreadable(None, Reason(Code.IMAGE_UNDECODABLE, {"kind": kind.value.upper()}))
        else:
            yield image_page(path, 1, decoded.image, decoded_notes(decoded))

    yield OpenScan(1, pages, header_notes(kind, header))


ScanReader = Callable[[str, Kind, Limits], AbstractContextManager[OpenScan]]
# What reads each kind of scan: a new kind of scan is sniffed in filetypes and read here.
READERS: dict[Kind, ScanReader] = {
    Kind.PDF: _pdf, Kind.TIFF: _tiff,
    **{k: _image for k in (Kind.JPEG, Kind.PNG, Kind.BMP, Kind.HEIC, Kind.GIF, Kind.WEBP)},
}


def image_page(path: str, number: int, image: np.ndarray,
               notes: tuple[Reason, ...] = ()) -> WorkItem:
    return WorkItem(path, number, Origin.PAPER, Route.OCR, pixel_hash(image)[:DOC_ID_LEN],
                    image=image, notes=notes)


def decoded_notes(decoded: Decoded) -> tuple[Reason, ...]:
    """What to know about a page from decoding it: a JPEG cut short is read as far as it goes
    (its upper part), and its line says its lower part may be missing, like a repaired PDF."""
    return (Reason(Code.JPEG_CUT_SHORT),) if decoded.ends_early else ()


def header_notes(kind: Kind, header: ImageHeader) -> tuple[Reason, ...]:
    """What to know about an image from its header: an animation (a GIF, a WebP) of several
    frames is read by its first."""
    if kind in ANIMATED_KINDS and header.frames > 1:
        return (Reason(Code.FIRST_FRAME_ONLY, {"count": header.frames}),)
    return ()


def scan_pages(path: str, limits: Limits | None = None) -> Iterator[WorkItem | Unreadable]:
    """Every page of a scan file (for scripts and tests). Raises InputError."""
    with open_scan(path, limits) as scan:
        yield from scan.pages(set(range(1, scan.count + 1)))
