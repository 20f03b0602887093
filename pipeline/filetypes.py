"""Input files: finding them, and what they really are by their first bytes.

Shared by the paper reader (``ingest``) and the mail reader (``mail``): extensions are often
wrong (a JPEG named ``.pdf``, a Word file named ``.doc`` that is really ``.docx``), so every
decision about a file's type is made here from its content.
"""

from __future__ import annotations

import hashlib
import os
from enum import StrEnum
from pathlib import Path

from pipeline.errors import Code, Reason


class Kind(StrEnum):
    """What a file's first bytes say it is."""

    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"
    BMP = "bmp"
    ZIP = "zip"  # also .docx and .xlsx (Office Open XML)
    OLE = "ole"  # legacy Office: .doc, .xls, .wps, .msg
    RTF = "rtf"
    RAR = "rar"
    SEVEN_Z = "7z"
    HEIC = "heic"  # iPhone photos (HEIF), decoded through pillow-heif
    GIF = "gif"  # an animated one is read by its first frame
    WEBP = "webp"  # phones and chat apps save photos as WebP


IMAGE_KINDS = frozenset({Kind.JPEG, Kind.PNG, Kind.TIFF, Kind.BMP, Kind.HEIC, Kind.GIF,
                         Kind.WEBP})
# Image kinds whose frames are an animation, not pages: only the first frame is read.
ANIMATED_KINDS = frozenset({Kind.GIF, Kind.WEBP})
SCAN_KINDS = IMAGE_KINDS | {Kind.PDF}
# The kind a suffix promises, to tell a mislabelled file.
SUFFIX_KIND = {".jpg": Kind.JPEG, ".jpeg": Kind.JPEG, ".png": Kind.PNG, ".tif": Kind.TIFF,
               ".tiff": Kind.TIFF, ".pdf": Kind.PDF, ".bmp": Kind.BMP, ".heic": Kind.HEIC,
               ".heif": Kind.HEIC, ".gif": Kind.GIF, ".webp": Kind.WEBP}
HEAD_BYTES = 2048  # enough of a file to sniff it

_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"%PDF", Kind.PDF),
    (b"\xff\xd8\xff", Kind.JPEG),
    (b"\x89PNG\r\n\x1a\n", Kind.PNG),
    (b"II*\x00", Kind.TIFF),
    (b"MM\x00*", Kind.TIFF),
    (b"BM", Kind.BMP),
    (b"PK", Kind.ZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind.OLE),
    (b"{\\rtf", Kind.RTF),
    (b"Rar!", Kind.RAR),
    (b"7z\xbc\xaf\x27\x1c", Kind.SEVEN_Z),
    (b"GIF87a", Kind.GIF),
    (b"GIF89a", Kind.GIF),
)


def sniff(head: bytes) -> Kind | None:
    """What a file really is, from its first bytes; None when nothing known starts it."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:1024]:  # junk before the header, which readers tolerate
        return Kind.PDF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind.WEBP
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heif", b"mif1", b"msf1"):
        return Kind.HEIC
    return None


def mislabelled(path: str, kind: Kind) -> Reason | None:
    """A note when a scan's suffix promises another kind than its content is."""
    suffix = Path(path).suffix.lower()
    if SUFFIX_KIND.get(suffix) is kind:
        return None
    return Reason(Code.MISLABELLED, {"suffix": suffix or "-", "kind": kind.value.upper()})


def discover(paths: list[str]) -> list[str]:
    """Every file under the given paths (folders recursively, hidden files and folders left
    out), sorted within each path given, as the user named it; each file once.

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


def file_hash(path: str) -> str:
    """SHA-256 of a file's content (raises OSError)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
