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
from pipeline.filetypes import Kind
from pipeline.pdf import DPI


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
        """The frame count of an image file whose header passes the limits (Pillow reads
        the header only). Raises InputError."""
        Image.MAX_IMAGE_PIXELS = None  # the limit is ours, with our message
        if kind is Kind.HEIC:
            import pillow_heif

            pillow_heif.register_heif_opener()
        try:
            with Image.open(path) as image:
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
        except (OSError, ValueError, SyntaxError) as exc:
            raise InputError(Code.IMAGE_HEADER_BAD, kind=kind.value.upper(), why=str(exc)) from exc
        self.check_pixels(width, height)
        self.check_pages(frames)
        return frames

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


def _mb(size: int) -> int:
    return round(size / 1024 ** 2)
