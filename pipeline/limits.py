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

from pipeline.errors import InputError
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
            raise InputError(f"file of {size / 1024 ** 2:.0f} MB is over the limit of "
                             f"{self.max_bytes / 1024 ** 2:.0f} MB per file; split it, or "
                             "raise the limit with --max-mb")

    def check_pages(self, count: int) -> None:
        if count > self.max_pages:
            raise InputError(f"file of {count} pages is over the limit of {self.max_pages} "
                             "pages per file; split it, or raise the limit with --max-pages")

    def check_pixels(self, width: float, height: float, what: str = "image") -> None:
        pixels = int(width) * int(height)
        if pixels > self.max_pixels:
            raise InputError(f"{what} of {int(width)} × {int(height)} pixels is over the limit "
                             f"of {self.max_pixels / 1e6:.0f} million pixels per page (a "
                             "decompression bomb or a wrong header); rescan it, or raise the "
                             "limit with --max-megapixels")

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
            raise InputError(f"{kind.value.upper()} image cannot be decoded ({exc}); the file "
                             "is damaged: rescan it") from exc
        self.check_pixels(width, height)
        self.check_pages(frames)
        if kind is Kind.JPEG:
            if isinstance(path, io.BytesIO):
                path.seek(0)
            _check_complete(path)
        return frames

    def check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise InputError(f"message whose parts are nested {depth} levels deep is over "
                             f"the limit of {self.max_depth} (forwarded inside forwarded...); "
                             "save the innermost message on its own, or raise the limit with "
                             "--max-depth")

    def check_unpacked(self, data: bytes) -> None:
        """A Word/Excel file (a zip) whose parts unpack to more than ``max_bytes`` (a zip
        bomb) is refused before it is unpacked. Raises InputError."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                size = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(f"the file is damaged ({exc}): ask the unit for it again") from exc
        self.check_unpacked_size(size)

    def check_unpacked_size(self, size: int) -> None:
        """What an archive's listing says it unpacks to, against ``max_bytes``."""
        if size > self.max_bytes:
            raise InputError(f"unpacks to {size / 1024 ** 2:.0f} MB, over the limit of "
                             f"{self.max_bytes / 1024 ** 2:.0f} MB (a zip bomb?); ask the unit "
                             "for it again, or raise the limit with --max-mb")

    def check_pdf_page(self, width_pt: float, height_pt: float) -> None:
        scale = DPI / 72
        self.check_pixels(width_pt * scale, height_pt * scale, "page rendered")


def _check_complete(path: str | io.BytesIO) -> None:
    """A JPEG cut short (the scanner or the copy stopped) decodes to a page whose lower part
    is grey: its signature and seal would be reported missing. Raises InputError."""
    try:
        with Image.open(path) as image:
            image.load()
    except OSError as exc:
        raise InputError(f"JPEG is cut short ({exc}): the scan did not finish saving; scan "
                         "the page again") from exc
