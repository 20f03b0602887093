"""What an attachment is, from its content: the name a sender gave it only words the reason.

Word and Excel files are zip containers told apart by their members; legacy Office files
(OLE2) by their stream names. Anything formscan cannot read gets a reason that says what to
ask the unit for.
"""

from __future__ import annotations

import io
import re
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
    MESSAGE = "eml"  # an email attached or forwarded as a whole: its attachments are read
    TNEF = "tnef"  # winmail.dat (Outlook's rich-text wrapping): the files inside are read
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
    if data.startswith(TNEF_SIGNATURE):
        return AttachmentKind.TNEF, None
    if looks_like_mail(data):
        return AttachmentKind.MESSAGE, None
    if suffix == ".pdf":  # a sender's PDF that is none: its name promised one
        return AttachmentKind.UNREADABLE, Reason(Code.NAMED_NOT_PDF)
    if not suffix:
        return AttachmentKind.UNREADABLE, Reason(Code.NOT_A_DOCUMENT_NO_SUFFIX)
    return AttachmentKind.UNREADABLE, Reason(Code.NOT_A_DOCUMENT, {"suffix": suffix})


TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"  # winmail.dat, as Outlook wraps rich-text mail
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")


def looks_like_mail(data: bytes) -> bool:
    """A message (headers, a blank line, a body): an .eml, or an mbox's first ``From `` line;
    a UTF-8 byte-order mark before it is allowed."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"From "):
        return True
    header_names = {line.split(b":", 1)[0].lower()
                    for line in head.splitlines()[:60] if _HEADER_LINE.match(line)}
    return bool(_HEADER_LINE.match(head)) and bool(
        header_names & {b"from", b"subject", b"received", b"message-id", b"mime-version"})


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


