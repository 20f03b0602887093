"""Messages: the attachments of ``.eml`` and ``.mbox`` files, and loose documents.

Parsed with the standard ``email`` package. Chinese mail clients write raw 8-bit GBK headers
as often as RFC 2047 ones; both come out as readable text. A loose document among the mail
(a .docx saved from a message) is its own attachment.
"""

from __future__ import annotations

import email
import mailbox
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from pipeline.errors import InputError
from pipeline.filetypes import Kind, sniff
from pipeline.limits import Limits
from pipeline.mail.kinds import AttachmentKind, attachment_kind
from pipeline.mail.names import Names
from pipeline.model import Message

MAIL_SUFFIXES = {".eml", ".mbox", ".mbx"}
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")


@dataclass
class Attachment:
    """One emailed document: an attachment of a message, or a loose file."""

    path: str  # the .eml/.mbox/loose file as given
    message_number: str | None  # "1" for the first message of an mbox; None otherwise
    filename: str  # the name as the sender wrote it (decoded); for display only
    safe_name: str  # usable as a file name under OUT; unique within ``path``
    data: bytes
    message: Message | None  # sender, subject, date; None for a loose file
    kind: AttachmentKind  # from the content
    reason: str | None = None  # why an unreadable attachment cannot be read

    @property
    def display(self) -> str:
        """The attachment as the manifest names it: its name, and which message of an mbox."""
        if self.message_number is None:
            return self.filename
        return f"message {self.message_number}: {self.filename}"


def read_attachments(path: str, limits: Limits | None = None) -> list[Attachment]:
    """The documents in one input file: a message's attachments, or the loose file itself.

    A message without attachments gives ``[]``. Raises InputError when the file cannot be
    read at all (missing, empty, not a message although named .eml/.mbox).
    """
    limits = limits or Limits()
    try:
        limits.check_size(path)
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot open file: {exc.strerror}; check the path and permissions") from exc
    if not data.strip():
        raise InputError("empty file (0 bytes): save the message or file again")
    suffix = Path(path).suffix.lower()
    if suffix == ".msg" and sniff(data) is Kind.OLE:
        raise InputError("Outlook .msg files cannot be read: save the message as .eml "
                         "(File > Save As) or save its attachments")
    if suffix in MAIL_SUFFIXES or (attachment_kind(data)[0] is AttachmentKind.UNREADABLE
                                   and _looks_like_mail(data)):
        if data.startswith(b"From "):
            return _read_mbox(path, limits)
        return _message_attachments(path, None, _parse(data), Names(), limits)
    name = os.path.basename(path)
    kind, reason = attachment_kind(data, name)
    return [Attachment(path, None, name, Names().take(name), data, None, kind, reason)]


def _looks_like_mail(data: bytes) -> bool:
    if data.startswith(b"From "):
        return True
    head = data[:4096].lstrip()
    header_names = {line.split(b":", 1)[0].lower()
                    for line in head.splitlines()[:60] if _HEADER_LINE.match(line)}
    return bool(_HEADER_LINE.match(head)) and bool(
        header_names & {b"from", b"subject", b"received", b"message-id", b"mime-version"})


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default_policy)
    if not msg.keys():
        raise InputError("not an email message (no headers): export the message as .eml "
                         "from the mail client and read it again")
    return msg  # type: ignore[return-value]


def _read_mbox(path: str, limits: Limits) -> list[Attachment]:
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.keys())
        if not keys:
            raise InputError("mbox holds no messages: export the mailbox again")
        names = Names()
        found: list[Attachment] = []
        for number, key in enumerate(keys, start=1):
            msg = _parse(box.get_bytes(key))
            found.extend(_message_attachments(path, str(number), msg, names, limits))
        return found
    finally:
        box.close()


def _message_attachments(path: str, number: str | None, msg: EmailMessage,
                         names: Names, limits: Limits) -> list[Attachment]:
    limits.check_depth(_depth(msg))  # before walking it: walk() recurses
    message = Message(*(_header(msg, h) for h in ("from", "subject", "date")))
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue  # containers, forwarded messages (message/rfc822): walked into
        filename = _filename(part)
        if filename is None and part.get_content_disposition() != "attachment":
            continue  # the message body
        data = part.get_payload(decode=True) or b""
        filename = filename or ""
        kind, reason = attachment_kind(data, filename)
        found.append(Attachment(path, number, filename, names.take(filename), data,
                                message, kind, reason))
    return found


def _depth(msg: EmailMessage) -> int:
    """How deep a message's parts nest (a forwarded message's parts inside it count)."""
    deepest, stack = 0, [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload)
    return deepest


def _header(msg: EmailMessage, name: str) -> str | None:
    try:
        value = msg[name]
    except Exception:  # noqa: BLE001 - the header parser raises assorted errors on bad input
        value = next((v for k, v in msg.raw_items() if k.lower() == name), None)
    if value is None:
        return None
    return _unescape(str(value)).strip() or None


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter: treat as unnamed
        name = None
    if name is None:
        return None
    return _unescape(name)


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes (no RFC 2047, common from Chinese clients) as readable text."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")
