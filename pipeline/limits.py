"""Limits an input file is checked against before it is decoded, from its header alone.

A hostile or broken file (a PNG whose header claims 100,000 × 100,000 pixels, a PDF of
10,000 pages, a page 20,000 points wide) must fail alone with a message naming the limit and
the option that raises it, never exhaust the machine's memory or stop the batch.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

from PIL import Image

from pipeline.errors import Code, InputError
from pipeline.filetypes import ANIMATED_KINDS, Kind
from pipeline.pdf import DPI


@dataclass(frozen=True)
class ImageHeader:
    """What an image file's header says, nothing decoded."""

    width: int
    height: int
    frames: int  # a TIFF's pages; an animation's frames (only its first is read)
    stretch: float = 1.0  # rows times this for square pixels (a fax's 204 × 98 dpi: 2.08)

    @property
    def area_stretch(self) -> float:
        """How many more pixels the page has once its pixels are square."""
        return max(self.stretch, 1.0 / self.stretch)


@dataclass(frozen=True)
class Limits:
    """What one input may hold; each is a ``formscan`` option."""

    max_pixels: int = 150_000_000  # per page (an A3 scan at 600 dpi is 70 million)
    max_pages: int = 2_000  # per file
    max_bytes: int = 2 * 1024 ** 3  # per file, and unpacked per Word/Excel attachment
    max_depth: int = 50  # parts inside parts of a message (a forward adds two levels)

    def check_size(self, path: str) -> None:
        size = os.path.getsize(path)
        if size > self.max_bytes:
            raise InputError(Code.OVER_SIZE, mb=_mb(size), limit=_mb(self.max_bytes))

    def check_pages(self, count: int) -> None:
        if count > self.max_pages:
            raise InputError(Code.OVER_PAGES, count=count, limit=self.max_pages)

    def check_pixels(self, width: float, height: float) -> None:
        pixels = int(width) * int(height)
        if pixels > self.max_pixels:
            raise InputError(Code.OVER_PIXELS, width=int(width), height=int(height),
                             limit=round(self.max_pixels / 1e6))

    def check_image(self, path: str | io.BytesIO, kind: Kind) -> int:
        """The frame count of an image file whose header passes the limits."""
        return self.check_header(path, kind).frames

    def check_header(self, path: str | io.BytesIO, kind: Kind) -> ImageHeader:
        """The header of an image file that passes the limits (Pillow reads the header
        only). A multi-page TIFF's frames are checked one by one, each before it is decoded
        (:meth:`check_frame`), so that one page over the limit fails alone; an animation's
        frames are no pages. Raises InputError."""
        header = image_header(path, kind)
        if not (kind is Kind.TIFF and header.frames > 1):
            self.check_pixels(header.width, header.height * header.area_stretch)
        if kind not in ANIMATED_KINDS:
            self.check_pages(header.frames)
        return header

    def check_frame(self, path: str, index: int) -> ImageHeader:
        """The header of frame ``index`` (0-based) of a multi-page TIFF, checked against the
        pixel limit before the frame is decoded. Raises InputError."""
        header = image_header(path, Kind.TIFF, index)
        self.check_pixels(header.width, header.height * header.area_stretch)
        return header

    def check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise InputError(Code.OVER_DEPTH, depth=depth, limit=self.max_depth)

    def check_unpacked(self, data: bytes) -> None:
        """A Word/Excel file (a zip) whose parts unpack to more than ``max_bytes`` (a zip
        bomb) is refused before it is unpacked. Raises InputError."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                size = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(Code.DAMAGED, why=str(exc)) from exc
        self.check_unpacked_size(size)

    def check_unpacked_size(self, size: int) -> None:
        """What an archive's listing says it unpacks to, against ``max_bytes``."""
        if size > self.max_bytes:
            raise InputError(Code.OVER_UNPACKED, mb=_mb(size), limit=_mb(self.max_bytes))

    def check_pdf_page(self, width_pt: float, height_pt: float) -> None:
        scale = DPI / 72
        self.check_pixels(width_pt * scale, height_pt * scale)


def image_header(path: str | io.BytesIO, kind: Kind, index: int = 0) -> ImageHeader:
    """An image file's header (frame ``index`` of a multi-page TIFF), read by Pillow without
    decoding. Raises InputError."""
    Image.MAX_IMAGE_PIXELS = None  # the limit is ours, with our message
    if kind is Kind.HEIC:
        import pillow_heif

        pillow_heif.register_heif_opener()
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            if index:
                image.seek(index)
            width, height = image.size
            stretch = _row_stretch(image) if kind is Kind.TIFF else 1.0
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InputError(Code.IMAGE_HEADER_BAD, kind=kind.value.upper(), why=str(exc)) from exc
    return ImageHeader(width, height, frames, stretch)


def _row_stretch(image: Image.Image) -> float:
    """How much taller a TIFF frame must be for square pixels: a fax is scanned at 204 dpi
    across and 196 (fine) or 98 (standard) down. 1.0 when square or not said."""
    tags = getattr(image, "tag_v2", {})
    try:
        across, down = float(tags.get(282, 0)), float(tags.get(283, 0))
    except (TypeError, ValueError, ZeroDivisionError):
        return 1.0
    if across <= 0 or down <= 0 or abs(across / down - 1.0) < 0.01:
        return 1.0
    return across / down


def _mb(size: int) -> int:
    return round(size / 1024 ** 2)
