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

from pipeline.errors import Code, Reason
from pipeline.filetypes import IMAGE_KINDS, Kind, sniff


class AttachmentKind(StrEnum):
    DOCX = "docx"
    XLSX = "xlsx"
    PDF = "pdf"
    IMAGE = "image"  # a photo or scan of the form: read by OCR like paper
    LEGACY_WORD = "doc"  # .doc/.wps (OLE2): converted to .docx by LibreOffice, where installed
    OUTLOOK = "msg"  # an Outlook message (.msg): its attachments are the documents
    ARCHIVE = "archive"  # a .zip of documents: its members are the attachments
    UNREADABLE = "unreadable"


def attachment_kind(data: bytes, name: str = "") -> tuple[AttachmentKind, Reason | None]:
    """(kind, reason) from the content; ``reason`` says why an unreadable one is not read."""
    suffix = Path(name).suffix.lower()
    if not data:
        return AttachmentKind.UNREADABLE, Reason(Code.ATTACHMENT_EMPTY)
    kind = sniff(data[:2048])
    if kind is Kind.PDF:
        return AttachmentKind.PDF, None
    if kind is Kind.ZIP:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = set(archive.namelist())
        except zipfile.BadZipFile:
            return AttachmentKind.UNREADABLE, Reason(Code.CONTAINER_DAMAGED)
        if "word/document.xml" in members:
            return AttachmentKind.DOCX, None
        if "xl/workbook.xml" in members:
            return AttachmentKind.XLSX, None
        return AttachmentKind.ARCHIVE, None
    if kind is Kind.OLE:
        if is_outlook(data):
            return AttachmentKind.OUTLOOK, None
        reason = _ole_reason(data, suffix)
        if reason is None:
            return AttachmentKind.LEGACY_WORD, None
        return AttachmentKind.UNREADABLE, reason
    if kind is Kind.RTF:
        return AttachmentKind.UNREADABLE, Reason(Code.RTF)
    if kind is Kind.SEVEN_Z:
        return AttachmentKind.ARCHIVE, None
    if kind is Kind.RAR:
        return AttachmentKind.UNREADABLE, Reason(Code.RAR)
    if kind in IMAGE_KINDS:
        return AttachmentKind.IMAGE, None
    return AttachmentKind.UNREADABLE, Reason(Code.NOT_A_DOCUMENT, {"suffix": suffix or "-"})


def is_outlook(data: bytes) -> bool:
    """An Outlook .msg (an OLE2 file of MAPI property streams)."""
    return "__substg1.0_".encode("utf-16-le") in data


def _ole_reason(data: bytes, suffix: str) -> Reason | None:
    """Why a legacy Office (OLE2) file cannot be read, from its stream names; None for a
    Word document (.doc, or .wps as WPS writes it), which LibreOffice converts."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return Reason(Code.OFFICE_PASSWORD)
    if suffix in (".xls", ".et") or "Workbook".encode("utf-16-le") in data:
        return Reason(Code.LEGACY_EXCEL)
    if "WordDocument".encode("utf-16-le") not in data:
        return Reason(Code.OFFICE_UNKNOWN)
    return None


