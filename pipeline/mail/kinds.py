"""What an attachment is, from its content: the name a sender gave it only words the reason.

Word and Excel files are zip containers told apart by their members; legacy Office files
(OLE2) by their stream names. Anything formscan cannot read gets a reason that says what to
ask the unit for.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum
from pathlib import Path

from pipeline.filetypes import IMAGE_KINDS, Kind, sniff


class AttachmentKind(StrEnum):
    DOCX = "docx"
    XLSX = "xlsx"
    PDF = "pdf"
    UNREADABLE = "unreadable"


def attachment_kind(data: bytes, name: str = "") -> tuple[AttachmentKind, str | None]:
    """(kind, reason) from the content; ``reason`` says why an unreadable one is not read."""
    suffix = Path(name).suffix.lower()
    if not data:
        return AttachmentKind.UNREADABLE, ("empty attachment (0 bytes): ask the unit to send "
                                           "the file again")
    kind = sniff(data[:2048])
    if kind is Kind.PDF:
        return AttachmentKind.PDF, None
    if kind is Kind.ZIP:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = set(archive.namelist())
        except zipfile.BadZipFile:
            return AttachmentKind.UNREADABLE, ("damaged file (broken zip/Office container): "
                                               "ask the unit to send it again")
        if "word/document.xml" in members:
            return AttachmentKind.DOCX, None
        if "xl/workbook.xml" in members:
            return AttachmentKind.XLSX, None
        return AttachmentKind.UNREADABLE, (f"zip archive ({len(members)} files) is not read: "
                                           "unpack it and read the files inside with "
                                           "`formscan email`")
    if kind is Kind.OLE:
        return AttachmentKind.UNREADABLE, _ole_reason(data, suffix)
    if kind is Kind.RTF:
        return AttachmentKind.UNREADABLE, "RTF file cannot be read: ask the unit for .docx or PDF"
    if kind in (Kind.RAR, Kind.SEVEN_Z):
        return AttachmentKind.UNREADABLE, ("RAR/7z archive is not read: unpack it and read the "
                                           "files inside with `formscan email`")
    if kind in IMAGE_KINDS - {Kind.BMP}:
        return AttachmentKind.UNREADABLE, ("image attachment (a photo or scan): read it with "
                                           "`formscan scan`; the emailed copy should be .docx "
                                           "or PDF")
    shown = suffix or "no suffix"
    return AttachmentKind.UNREADABLE, (f"not a Word, Excel or PDF document ({shown}): ask the "
                                       "unit for .docx or PDF")


def _ole_reason(data: bytes, suffix: str) -> str:
    """Legacy Office (OLE2) files: which program wrote them, from their stream names."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return ("password-protected Office file: ask the unit for an unprotected .docx "
                "or PDF")
    if suffix in (".xls", ".et") or "Workbook".encode("utf-16-le") in data:
        return "legacy Excel .xls/.et cannot be read: ask the unit for .xlsx, .docx or PDF"
    return "legacy Word .doc/.wps cannot be read: ask the unit for .docx or PDF"


