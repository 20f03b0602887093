"""Messages: the attachments of ``.eml`` and ``.mbox`` files, and loose documents.

Parsed with the standard ``email`` package. Chinese mail clients write raw 8-bit GBK headers
as often as RFC 2047 ones; both come out as readable text. A loose document among the mail
(a .docx saved from a message) is its own attachment.
"""

from __future__ import annotations

import email
import io
import mailbox
import os
import re
import zipfile
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from pipeline.errors import Code, InputError, Reason
from pipeline.filetypes import Kind, sniff
from pipeline.limits import Limits
from pipeline.mail.archives import NAMES_ITS_KIND, Budget
from pipeline.mail.archives import kind_of as archive_kind
from pipeline.mail.archives import members as archive_members
from pipeline.mail.kinds import AttachmentKind, attachment_kind, is_outlook
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
    reason: Reason | None = None  # why an unreadable attachment cannot be read

    @property
    def display(self) -> str:
        """The attachment as the manifest names it: its name, and which message of an mbox."""
        if self.message_number is None:
            return self.filename
        return f"message {self.message_number}: {self.filename}"


@dataclass
class MailFile:
    """What one input file holds: its documents, and the web links its messages' text gives
    (网盘 links a unit sends instead of files)."""

    attachments: list[Attachment]
    links: list[str]


def read_mail(path: str, limits: Limits | None = None) -> MailFile:
    """The documents in one input file: a message's attachments, or the loose file itself.

    A message without attachments gives none (and its links). Raises InputError when the file
    cannot be read at all (missing, empty, not a message although named .eml/.mbox).
    """
    limits = limits or Limits()
    try:
        limits.check_size(path)
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(Code.CANNOT_OPEN, why=exc.strerror or str(exc)) from exc
    if not data.strip():
        raise InputError(Code.EMPTY_FILE)
    suffix = Path(path).suffix.lower()
    if sniff(data) is Kind.OLE and is_outlook(data):
        names = Names()
        return MailFile(_unpacked(_outlook_attachments(path, data, names), names, limits), [])
    if suffix in MAIL_SUFFIXES or (attachment_kind(data)[0] is AttachmentKind.UNREADABLE
                                   and _looks_like_mail(data)):
        links: list[str] = []
        if data.startswith(b"From "):
            return MailFile(_read_mbox(path, limits, links), links)
        found = _message_attachments(path, None, _parse(data), Names(), limits, links)
        return MailFile(found, links)
    name = os.path.basename(path)
    kind, reason = attachment_kind(data, name)
    names = Names()
    return MailFile(_unpacked([Attachment(path, None, name, names.take(name), data, None, kind,
                                          reason)], names, limits), [])


def read_attachments(path: str, limits: Limits | None = None) -> list[Attachment]:
    """The documents in one input file (see :func:`read_mail`)."""
    return read_mail(path, limits).attachments


_LINK = re.compile(r"https?://[^\s<>\"'，。；）)]+")


def _links(part: EmailMessage, found: list[str]) -> None:
    """The web links of a message's text part, added to ``found`` (each once)."""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, KeyError):
        return
    for url in _LINK.findall(text):
        url = url.rstrip(".,")
        if url not in found:
            found.append(url)


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
        raise InputError(Code.NOT_A_MESSAGE)
    return msg  # type: ignore[return-value]


def _read_mbox(path: str, limits: Limits, links: list[str]) -> list[Attachment]:
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.keys())
        if not keys:
            raise InputError(Code.MBOX_EMPTY)
        names = Names()
        found: list[Attachment] = []
        for number, key in enumerate(keys, start=1):
            msg = _parse(box.get_bytes(key))
            found.extend(_message_attachments(path, str(number), msg, names, limits, links))
        return found
    finally:
        box.close()


def _message_attachments(path: str, number: str | None, msg: EmailMessage,
                         names: Names, limits: Limits, links: list[str]) -> list[Attachment]:
    limits.check_depth(_depth(msg))  # before walking it: walk() recurses
    message = Message(*(_header(msg, h) for h in ("from", "subject", "date")))
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue  # containers, forwarded messages (message/rfc822): walked into
        filename = _filename(part)
        if filename is None and part.get_content_disposition() != "attachment":
            if part.get_content_maintype() == "text":
                _links(part, links)
            continue  # the message body
        data = part.get_payload(decode=True) or b""
        filename = filename or ""
        kind, reason = attachment_kind(data, filename)
        found.append(Attachment(path, number, filename, names.take(filename), data,
                                message, kind, reason))
    return _unpacked(found, names, limits)


def _outlook_attachments(path: str, data: bytes, names: Names,
                         number: str | None = None) -> list[Attachment]:
    """The attachments of an Outlook message, read with extract-msg."""
    import extract_msg

    try:
        msg = extract_msg.openMsg(io.BytesIO(data), delayAttachments=False)
    except Exception as exc:  # noqa: BLE001 - extract-msg raises its own assorted errors
        raise InputError(Code.MSG_UNREADABLE, why=f"{type(exc).__name__}: {exc}") from exc
    try:
        sent = msg.date.isoformat() if getattr(msg, "date", None) else None
        message = Message(msg.sender, msg.subject, sent)
        found = []
        for att in msg.attachments:
            filename = att.longFilename or att.shortFilename or ""
            content = att.data if isinstance(att.data, bytes) else b""
            kind, reason = attachment_kind(content, filename)
            if not content:
                reason = Reason(Code.OUTLOOK_ITEM)
            found.append(Attachment(path, number, filename, names.take(filename), content,
                                    message, kind, reason))
        return found
    finally:
        msg.close()


ARCHIVE_DEPTH = 3  # an archive inside an archive inside an archive, no deeper


def _unpacked(found: list[Attachment], names: Names, limits: Limits,
              depth: int = 1, budget: Budget | None = None) -> list[Attachment]:
    """The attachments with each archive or forwarded Outlook message replaced by what it
    holds (``forms.zip › 报名表.docx``), to a fixed depth; one the limits refuse, or that holds
    nothing, stays, with the reason. The archives inside one attachment share one
    :class:`Budget`: what they unpack to together is checked before each is unpacked."""
    out: list[Attachment] = []
    for att in found:
        if att.kind not in (AttachmentKind.ARCHIVE, AttachmentKind.OUTLOOK):
            out.append(att)
            continue
        shared = budget or Budget(limits.max_bytes)
        try:
            inner = _contents(att, names, limits, depth, shared)
        except InputError as exc:
            out.append(replace(att, kind=AttachmentKind.UNREADABLE, reason=exc.reason))
            continue
        if not inner:
            empty = (_in_archive(att, Reason(Code.ARCHIVE_EMPTY))
                     if att.kind is AttachmentKind.ARCHIVE else Reason(Code.MSG_EMPTY))
            out.append(replace(att, kind=AttachmentKind.UNREADABLE, reason=empty))
        out.extend(_unpacked(inner, names, limits, depth + 1, shared))
    return out


def _in_archive(att: Attachment, inner: Reason) -> Reason:
    """What is wrong inside an archive, said with the archive's kind (zip, 7z); a reason
    that names the kind itself (a password) is said as it is."""
    if inner.code in NAMES_ITS_KIND:
        return inner
    return Reason(Code.ARCHIVE, {"kind": archive_kind(att.data), "inner": inner})


def _contents(att: Attachment, names: Names, limits: Limits, depth: int,
              budget: Budget) -> list[Attachment]:
    """What an archive or a forwarded Outlook message holds, each named inside it; a member
    that cannot be read (encrypted, damaged, an unsafe name) is there with its reason.
    Raises InputError (too deep, over the limits, its listing damaged)."""
    if att.kind is AttachmentKind.OUTLOOK:
        if depth > ARCHIVE_DEPTH:
            raise InputError(Code.MSG_TOO_DEEP, depth=ARCHIVE_DEPTH)
        inner = _outlook_attachments(att.path, att.data, names, att.message_number)
        for member in inner:
            member.filename = f"{att.filename} › {member.filename}"
        return inner
    try:
        if depth > ARCHIVE_DEPTH:
            raise InputError(Code.ARCHIVE_TOO_DEEP, depth=ARCHIVE_DEPTH)
        members = archive_members(att.data, limits, budget)
    except InputError as exc:
        raise InputError(_in_archive(att, exc.reason)) from exc
    inside = []
    for member in members:
        if member.reason is None:
            kind, reason = attachment_kind(member.data, member.name)
        else:
            kind, reason = AttachmentKind.UNREADABLE, _in_archive(att, member.reason)
        inside.append(Attachment(att.path, att.message_number, f"{att.filename} › {member.name}",
                                 names.take(member.name), member.data, att.message, kind,
                                 reason))
    return inside


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its writer meant it: Windows' Chinese zip tools write GBK
    without the UTF-8 flag (Python then reads it as cp437: mojibake)."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    return decode_name(name.encode("cp437", errors="replace"))


def decode_name(raw: bytes) -> str:
    """A name's bytes as its writer meant them: UTF-8, else GB18030 (GBK's superset); a
    name neither decodes keeps a placeholder with its bytes in hex."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return f"(name not readable: {raw.hex()})"


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
    if "\ufffd" in name:
        # Raw 8-bit bytes in the header (GBK from a Chinese client): the parser kept them as
        # surrogates in the raw header only; the name is read again from there.
        for key, value in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                found = re.search(r'name="?([^";\r\n]+)', value)
                if found and any("\udc80" <= c <= "\udcff" for c in found.group(1)):
                    return _unescape(found.group(1))
    return _unescape(name)


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes (no RFC 2047, common from Chinese clients) as readable text."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_name(text.encode("utf-8", "surrogateescape"))
