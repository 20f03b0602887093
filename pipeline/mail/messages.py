"""Messages: the attachments of ``.eml``, ``.mbox`` and ``.msg`` files, and loose documents.

Parsed with the standard ``email`` package (an mbox split here, see :func:`mbox_pieces`),
Outlook files with extract-msg, ``winmail.dat`` with tnefparse. Chinese mail clients write raw
8-bit GBK headers as often as RFC 2047 ones; both come out as readable text. A loose document
among the mail (a .docx saved from a message) is its own attachment. A message attached or
forwarded whole (message/rfc822, an attached .eml, an Outlook item) is opened and its
attachments read, named inside it (``原邮件.eml › 报名表.docx``).

Each attachment has its place in its message (``part``: ``2`` for the second, ``2.1`` for the
first inside it): the manifest's key, so that attachments sharing a name never share a line.
"""

from __future__ import annotations

import base64
import binascii
import email
import io
import os
import re
import zipfile
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from pipeline.errors import Code, InputError, Reason
from pipeline.filetypes import Kind, sniff
from pipeline.limits import Limits
from pipeline.mail.archives import NAMES_ITS_KIND, Budget
from pipeline.mail.archives import kind_of as archive_kind
from pipeline.mail.archives import members as archive_members
from pipeline.mail.kinds import AttachmentKind, attachment_kind, is_outlook
from pipeline.mail.names import Names
from pipeline.model import WHOLE_MESSAGE, Message

MAIL_SUFFIXES = {".eml", ".mbox", ".mbx"}
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
BOM = b"\xef\xbb\xbf"


@dataclass
class Attachment:
    """One emailed document: an attachment of a message, or a loose file; or (``whole``) a
    message of an mbox that gives no document, with the reason."""

    path: str  # the .eml/.mbox/loose file as given
    message_number: str | None  # "1" for the first message of an mbox; None otherwise
    filename: str  # the name as the sender wrote it (decoded); for display only
    safe_name: str  # usable as a file name under OUT; unique within ``path``
    data: bytes
    message: Message | None  # sender, subject, date; None for a loose file
    kind: AttachmentKind  # from the content
    reason: Reason | None = None  # why an unreadable attachment cannot be read
    part: str = ""  # its place: "2" the message's second attachment, "2.1" the first inside it
    level: int = 1  # how many messages it sits in (a forwarded message's attachment: 2)
    whole: bool = False  # the line of a whole message of an mbox (no attachment, or damaged)
    inner: Any = None  # a message attached whole, parsed (message/rfc822)
    links: list[str] = field(default_factory=list)  # the links of a message attached whole

    @property
    def display(self) -> str:
        """The attachment as the manifest names it: its name, and which message of an mbox."""
        if self.message_number is None:
            return self.filename
        if self.whole:
            return f"message {self.message_number}"
        return f"message {self.message_number}: {self.filename}"


@dataclass
class MailFile:
    """What one input file holds: its documents (and, in an mbox, a line for each message that
    gives none), and the web links a single message's text gives (网盘 links a unit sends
    instead of files)."""

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
        return MailFile(_unpacked(_outlook_attachments(path, data, names, limits), names,
                                  limits), [])
    if suffix in MAIL_SUFFIXES or attachment_kind(data)[0] is AttachmentKind.MESSAGE:
        links: list[str] = []
        text = data.removeprefix(BOM)
        if suffix in (".mbox", ".mbx") or text.lstrip(b"\r\n").startswith(b"From "):
            return MailFile(_read_mbox(path, text, limits), links)
        found = _message_attachments(path, None, _parse(text), Names(), limits, links)
        return MailFile(found, links)
    name = os.path.basename(path)
    kind, reason = attachment_kind(data, name)
    names = Names()
    return MailFile(_unpacked([Attachment(path, None, name, names.take(name), data, None, kind,
                                          reason, part="1")], names, limits), [])


def read_attachments(path: str, limits: Limits | None = None) -> list[Attachment]:
    """The documents in one input file (see :func:`read_mail`)."""
    return [a for a in read_mail(path, limits).attachments if not a.whole]


_LINK = re.compile(r"https?://[^\s<>\"'，。；）)]+")
# Where units put files too big to mail: a link there is worth fetching. Any other link is
# offered only when it names a file (…/报名表.docx).
CLOUD_HOSTS = (
    "pan.baidu.com", "yun.baidu.com", "weiyun.com", "share.weiyun.com", "aliyundrive.com",
    "alipan.com", "pan.quark.cn", "cloud.189.cn", "caiyun.139.com", "yun.139.com",
    "yunpan.360.cn", "lanzou", "115.com", "123pan.com", "ctfile.com", "wenshushu.cn",
    "jianguoyun.com", "kdocs.cn", "docs.qq.com", "wx.mail.qq.com", "mail.qq.com",
    "mail.163.com", "mail.126.com", "feishu.cn", "drive.google.com", "dropbox.com",
    "onedrive.live.com", "1drv.ms", "sharepoint.com", "icloud.com", "wetransfer.com",
    "box.com",
)
_FILE_LINK = re.compile(r"\.(docx?|xlsx?|pdf|wps|et|zip|7z|rar|jpe?g|png|tiff?|heic)$", re.I)
_SIGNATURE = re.compile(r"(?m)^-- ?$")  # the signature separator; a list's footer follows one


def _links(part: EmailMessage, found: list[str]) -> None:
    """The links a person wrote in a message's text, to a cloud drive or to a file, added to
    ``found`` (each once): not the markup's namespaces (an HTML part's tags are dropped), not
    a mailing list's footer, not lines quoted from another message."""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, KeyError, AssertionError):
        return
    if not isinstance(text, str):
        return
    if part.get_content_subtype() == "html":
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
        text = re.sub(r"(?s)<[^>]*>", " ", text)  # attributes go too: xmlns, schemas
    text = _SIGNATURE.split(text, maxsplit=1)[0]
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    for url in _LINK.findall(text):
        url = url.rstrip(".,")
        if url not in found and _worth_fetching(url):
            found.append(url)


def _worth_fetching(url: str) -> bool:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return any(h in host for h in CLOUD_HOSTS) or bool(_FILE_LINK.search(unquote(parts.path)))


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default_policy)
    if not msg.keys():
        raise InputError(Code.NOT_A_MESSAGE)
    return msg  # type: ignore[return-value]


def mbox_pieces(data: bytes) -> list[bytes]:
    """The messages of an mbox, each without its ``From `` line, ``>From `` unescaped.

    A message starts at a ``From `` line at the start or after a blank line, followed by a
    header line: a body line a client left unescaped ("From the office: …", or a quoted
    separator followed by prose) stays in its message (the standard ``mailbox`` module splits
    at every ``From `` line and makes the rest of the message a piece without headers). Bytes
    before the first message are a piece of their own when they hold anything.
    """
    lines = data.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(b"From ")
              and (i == 0 or not lines[i - 1].strip())
              and _HEADER_LINE.match(next((n for n in lines[i + 1:i + 3] if n.strip()), b""))]
    pieces = []
    if not starts or b"".join(lines[:starts[0]]).strip():
        pieces.append(b"".join(lines[:starts[0] if starts else len(lines)]))
    for k, begin in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        pieces.append(re.sub(rb"(?m)^>(>*From )", rb"\1", b"".join(lines[begin + 1:end])))
    return pieces


def _read_mbox(path: str, data: bytes, limits: Limits) -> list[Attachment]:
    """Every message of an mbox: its attachments, or its own line (no attachment, with its
    links; a piece that is no message) — one damaged message never takes the others along."""
    pieces = mbox_pieces(data)
    if not any(p.strip() for p in pieces):
        raise InputError(Code.MBOX_EMPTY)
    names = Names()
    found: list[Attachment] = []
    for number, piece in enumerate(pieces, start=1):
        links: list[str] = []
        try:
            got = _message_attachments(path, str(number), _parse(piece), names, limits, links)
        except InputError as exc:
            reason = exc.reason if exc.reason.code is not Code.NOT_A_MESSAGE else Reason(
                Code.MBOX_PIECE)
            found.append(_message_line(path, str(number), None, reason))
            continue
        found.extend(got or [_message_line(path, str(number), None, _bare(links))])
    return found


def _message_line(path: str, number: str, message: Message | None, reason: Reason
                  ) -> Attachment:
    return Attachment(path, number, "", "", b"", message, AttachmentKind.UNREADABLE, reason,
                      part=WHOLE_MESSAGE, whole=True)


def _bare(links: list[str]) -> Reason:
    """Why a message that holds no attachment is skipped (and where its files may be)."""
    return (Reason(Code.NO_ATTACHMENT_LINKS, {"links": links[:5]}) if links
            else Reason(Code.NO_ATTACHMENT))


def _message_attachments(path: str, number: str | None, msg: EmailMessage,
                         names: Names, limits: Limits, links: list[str],
                         depth: int = 1, level: int = 1,
                         budget: Budget | None = None) -> list[Attachment]:
    """A message's attachments (``depth``: archives around it; ``level``: messages;
    ``budget``: what the archives around it may still unpack, shared with theirs)."""
    limits.check_depth(_depth(msg))  # before walking it: the walk recurses
    message = Message(*(_header(msg, h) for h in ("from", "subject", "date")))
    charsets = _declared(msg)
    found: list[Attachment] = []
    for part in _leaves(msg):
        if part.get_content_type() == "message/rfc822":  # forwarded as an attachment
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None:
                filename = _filename(part, charsets) or _eml_name(inner)
                found.append(Attachment(path, number, filename, names.take(filename),
                                        _as_bytes(inner), message, AttachmentKind.MESSAGE,
                                        level=level, inner=inner))
                continue
        filename = _filename(part, charsets)
        if filename is None and part.get_content_disposition() != "attachment":
            if part.get_content_maintype() == "text":
                _links(part, links)
            continue  # the message body
        data = _payload(part)
        filename = filename or ""
        kind, reason = attachment_kind(data, filename)
        found.append(Attachment(path, number, filename, names.take(filename), data,
                                message, kind, reason, level=level))
    return _unpacked(_numbered(found), names, limits, depth, budget)


def _declared(msg: EmailMessage) -> list[str]:
    """The charsets a message's text declares (its body's parts, not its attachments'): the
    first guesses for a raw 8-bit attachment name after the attachment's own."""
    found: list[str] = []
    for part in _leaves(msg):
        charset = part.get_content_charset()
        if charset and charset not in found and part.get_content_maintype() == "text" and \
                part.get_content_disposition() != "attachment" and not part.get_filename():
            found.append(charset)
    return found


def _numbered(found: list[Attachment]) -> list[Attachment]:
    """Each attachment's place in its message, in order: 1, 2, 3 …"""
    for index, att in enumerate(found, start=1):
        att.part = str(index)
    return found


def _leaves(part: EmailMessage):  # noqa: ANN202 - an iterator of parts
    """The parts of a message that are not containers, a message attached whole among them
    (not walked into: its attachments are named inside it)."""
    if part.get_content_type() == "message/rfc822":
        yield part
    elif part.is_multipart():
        for child in part.iter_parts():
            yield from _leaves(child)
    else:
        yield part


def _eml_name(inner: EmailMessage) -> str:
    """A name for a message forwarded whole, which has none: its subject, as clients save it."""
    subject = _header(inner, "subject") or "message"
    return f"{subject}.eml"


def _as_bytes(msg: EmailMessage) -> bytes:
    try:
        return msg.as_bytes()
    except Exception:  # noqa: BLE001 - a header the generator cannot fold again: as read
        return str(msg).encode("utf-8", "surrogateescape")


_BASE64 = re.compile(rb"^[A-Za-z0-9+/\r\n]+={0,2}\s*$")


def _payload(part: EmailMessage) -> bytes:
    """An attachment's bytes. A body that is plainly base64 under another declared encoding
    (7bit, quoted-printable: some webmail clients write that) is decoded as base64."""
    data = part.get_payload(decode=True) or b""
    if (part.get("content-transfer-encoding") or "").strip().lower() == "base64":
        return data
    raw = part.get_payload(decode=False)
    if not isinstance(raw, str):
        return data
    body = raw.encode("ascii", "ignore").strip()
    if len(body) < 16 or not _BASE64.match(body) or \
            attachment_kind(data)[0] is not AttachmentKind.UNREADABLE:
        return data
    try:
        decoded = base64.b64decode(re.sub(rb"\s+", b"", body), validate=True)
    except (binascii.Error, ValueError):
        return data
    return decoded if attachment_kind(decoded)[0] is not AttachmentKind.UNREADABLE else data


def _outlook_attachments(path: str, data: bytes, names: Names, limits: Limits,
                         number: str | None = None, depth: int = 1) -> list[Attachment]:
    """The attachments of an Outlook message, read with extract-msg; an Outlook item inside
    it (a forwarded message) opened in turn, its attachments named inside it."""
    import extract_msg

    try:
        msg = extract_msg.openMsg(io.BytesIO(data), delayAttachments=False)
    except Exception as exc:  # noqa: BLE001 - extract-msg raises its own assorted errors
        raise InputError(Code.MSG_UNREADABLE, why=f"{type(exc).__name__}: {exc}") from exc
    try:
        return _outlook_items(path, msg, names, limits, number, depth)
    finally:
        msg.close()


def _outlook_items(path: str, msg: Any, names: Names, limits: Limits, number: str | None,
                   depth: int) -> list[Attachment]:
    """An open Outlook message's attachments, numbered; an item inside (a forwarded message)
    replaced by its own, named and numbered inside it."""
    sent = msg.date.isoformat() if getattr(msg, "date", None) else None
    message = Message(msg.sender, msg.subject, sent)
    found: list[tuple[Attachment, list[Attachment] | None]] = []
    for att in msg.attachments:
        content = att.data
        if content is not None and not isinstance(content, bytes) and \
                hasattr(content, "attachments"):  # an Outlook item: a message inside
            filename = _msg_name(att, content)
            item = Attachment(path, number, filename, names.take(filename), b"", message,
                              AttachmentKind.UNREADABLE, level=depth)
            try:
                limits.check_depth(depth + 1)
                inner = _outlook_items(path, content, names, limits, number, depth + 1)
            except InputError as exc:
                found.append((replace(item, reason=exc.reason), None))
                continue
            except Exception as exc:  # noqa: BLE001 - extract-msg's own, on a broken item
                found.append((replace(item, reason=Reason(
                    Code.MSG_UNREADABLE, {"why": f"{type(exc).__name__}: {exc}"})), None))
                continue
            found.append((replace(item, reason=Reason(Code.NO_ATTACHMENT)), None) if not inner
                         else (item, inner))
            continue
        filename = att.longFilename or att.shortFilename or ""
        content = content if isinstance(content, bytes) else b""
        kind, reason = attachment_kind(content, filename)
        if not content:
            reason = Reason(Code.OUTLOOK_ITEM)
        found.append((Attachment(path, number, filename, names.take(filename), content,
                                 message, kind, reason, level=depth), None))
    out: list[Attachment] = []
    for index, (att, inner) in enumerate(found, start=1):
        att.part = str(index)
        for member in inner or [att]:
            if inner:
                member.filename = f"{att.filename} › {member.filename}"
                member.part = f"{att.part}.{member.part}"
            out.append(member)
    return out


def _msg_name(att: Any, item: Any) -> str:
    """An Outlook item's name as Outlook shows it: its display name, else its subject."""
    name = getattr(att, "displayName", None) or getattr(item, "subject", None) or "message"
    return name if Path(name).suffix.lower() in (".msg", ".eml") else f"{name}.msg"


def _tnef_attachments(att: Attachment, names: Names) -> list[Attachment]:
    """The files Outlook wrapped in a winmail.dat (TNEF), read with tnefparse. Raises
    InputError (damaged)."""
    import tnefparse

    try:
        tnef = tnefparse.TNEF(att.data)
    except Exception as exc:  # noqa: BLE001 - tnefparse raises assorted errors on bad input
        raise InputError(Code.TNEF_UNREADABLE, why=f"{type(exc).__name__}: {exc}") from exc
    inside = []
    for item in tnef.attachments:
        name = _tnef_name(item, tnef.codepage)
        data = item.data if isinstance(item.data, bytes) else b""
        kind, reason = attachment_kind(data, name)
        inside.append(Attachment(att.path, att.message_number, f"{att.filename} › {name}",
                                 names.take(name), data, att.message, kind, reason,
                                 level=att.level))
    return inside


def _tnef_name(item: Any, codepage: str | None) -> str:
    try:
        return str(item.long_filename()).strip("\0")
    except UnicodeDecodeError:  # an 8-bit name in the sender's code page
        raw = item._name if isinstance(item._name, bytes) else b""  # noqa: SLF001
        return decode_name(raw.strip(b"\0"), [codepage] if codepage else [])


ARCHIVE_DEPTH = 3  # an archive inside an archive inside an archive, no deeper


def _unpacked(found: list[Attachment], names: Names, limits: Limits,
              depth: int = 1, budget: Budget | None = None) -> list[Attachment]:
    """The attachments with each archive, message attached whole, Outlook message or
    winmail.dat replaced by what it holds (``forms.zip › 报名表.docx``, numbered inside it:
    ``2.1``), to a fixed depth; one the limits refuse, or that holds nothing, stays, with the
    reason. The archives inside one attachment share one :class:`Budget`: what they unpack to
    together is checked before each is unpacked."""
    out: list[Attachment] = []
    for att in found:
        if att.kind not in _CONTAINERS:
            out.append(att)
            continue
        shared = budget or Budget(limits.max_bytes)
        try:
            inner = _contents(att, names, limits, depth, shared)
        except InputError as exc:
            out.append(replace(att, kind=AttachmentKind.UNREADABLE, reason=exc.reason))
            continue
        if not inner:
            out.append(replace(att, kind=AttachmentKind.UNREADABLE, reason=_empty(att)))
        for index, member in enumerate(inner, start=1):
            member.part = f"{att.part}.{member.part or index}"
        deeper = depth + 1 if att.kind is AttachmentKind.ARCHIVE else depth  # archive levels
        out.extend(_unpacked(inner, names, limits, deeper, shared))
    return out


_CONTAINERS = (AttachmentKind.ARCHIVE, AttachmentKind.OUTLOOK, AttachmentKind.MESSAGE,
               AttachmentKind.TNEF)


def _empty(att: Attachment) -> Reason:
    """Why a container that holds nothing is listed: an empty archive fails; a message with
    no attachment is skipped as a loose one is (with its links); a winmail.dat of only the
    message's text is skipped."""
    if att.kind is AttachmentKind.ARCHIVE:
        return _in_archive(att, Reason(Code.ARCHIVE_EMPTY))
    if att.kind is AttachmentKind.TNEF:
        return Reason(Code.TNEF_EMPTY)
    return _bare(att.links)


def _in_archive(att: Attachment, inner: Reason) -> Reason:
    """What is wrong inside an archive, said with the archive's kind (zip, 7z); a reason
    that names the kind itself (a password) is said as it is."""
    if inner.code in NAMES_ITS_KIND:
        return inner
    return Reason(Code.ARCHIVE, {"kind": archive_kind(att.data), "inner": inner})


def _contents(att: Attachment, names: Names, limits: Limits, depth: int,
              budget: Budget) -> list[Attachment]:
    """What an archive, a message attached whole or a winmail.dat holds, each named inside
    it; a member that cannot be read (encrypted, damaged, an unsafe name) is there with its
    reason. Raises InputError (too deep, over the limits, its listing damaged)."""
    if att.kind in (AttachmentKind.OUTLOOK, AttachmentKind.MESSAGE):
        limits.check_depth(att.level + 1)  # messages in messages: --max-depth, as MIME parts
        if att.kind is AttachmentKind.OUTLOOK:
            inner = _outlook_attachments(att.path, att.data, names, limits,
                                         att.message_number, att.level + 1)
        else:
            parsed = att.inner if att.inner is not None else _parse(att.data)
            inner = _message_attachments(att.path, att.message_number, parsed, names, limits,
                                         att.links, depth, att.level + 1, budget)
        for member in inner:
            member.filename = f"{att.filename} › {member.filename}"
        return inner
    if att.kind is AttachmentKind.TNEF:
        return _tnef_attachments(att, names)
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
                                 reason, level=att.level))
    return inside


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its writer meant it: Windows' Chinese zip tools write GBK
    without the UTF-8 flag (Python then reads it as cp437: mojibake)."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    return decode_name(name.encode("cp437", errors="replace"))


def decode_name(raw: bytes, charsets: list[str] | tuple[str, ...] = ()) -> str:
    """A name's bytes as its writer meant them: UTF-8; else the charsets its message declares
    (a part's own first); else UTF-8 with one broken character (shown as �) where the rest
    holds Chinese or other non-ASCII text (GB18030 would read such a name as other, wrong,
    characters); else GB18030 (GBK's superset). A reading that gives private-use or control
    characters is no reading. A name none of them reads keeps a placeholder with its bytes in
    hex."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for charset in charsets:
        if _codec(charset) in ("utf-8", "utf8", "us-ascii", "ascii"):
            continue
        text = _decoded(raw, charset)
        if text is not None:
            return text
    nearly = raw.decode("utf-8", "replace")
    runs = re.findall("\ufffd+", nearly)
    rest = nearly.replace("\ufffd", "")
    if len(runs) == 1 and len(runs[0]) <= 3 and _plausible(rest) and \
            any(ord(c) > 0x7F for c in rest):
        return nearly.replace(runs[0], "\ufffd")
    return _decoded(raw, "gb18030") or f"(name not readable: {raw.hex()})"


def _decoded(raw: bytes, charset: str) -> str | None:
    try:
        text = raw.decode(_codec(charset))
    except (UnicodeDecodeError, LookupError):
        return None
    return text if _plausible(text) else None


def _codec(charset: str) -> str:
    """A declared charset as Python's codec: GB2312 and GBK mail is often GB18030 in fact."""
    charset = charset.strip().strip('"').lower()
    return "gb18030" if charset in ("gb2312", "gbk", "x-gbk", "euc-cn", "cp936") else charset


def _plausible(text: str) -> bool:
    import unicodedata

    return not any(unicodedata.category(c) in ("Co", "Cc", "Cs", "Cn") for c in text)


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


_ENCODED_WORD = re.compile(r"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=")
_RFC2231 = re.compile(r"name\*(?:0\*)?=\"?([^']*)'[^']*'([^\";\s]+)")


def _filename(part: EmailMessage, charsets: list[str] | None = None) -> str | None:
    """An attachment's name as its sender wrote it: RFC 2047/2231 names decoded by the
    ``email`` package; raw 8-bit names (common from Chinese clients) and names in a charset
    Python does not know read with the charsets the part and its message declare
    (:func:`decode_name`)."""
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter: treat as unnamed
        name = None
    if name is None:
        return None
    declared = [c for c in (part.get_content_charset(), *(charsets or ())) if c]
    if "\ufffd" in name or any("\udc80" <= c <= "\udcff" for c in name):
        # The parser kept raw bytes as surrogates in the raw header only, or could not decode
        # an encoded name (an unknown charset): the name is read again from its bytes.
        for key, value in part.raw_items():
            if key.lower() not in ("content-disposition", "content-type"):
                continue
            raw = _raw_name(str(value))
            if raw is not None:
                return decode_name(raw[0], [*raw[1:], *declared])
    return _unescape(name, declared)


def _raw_name(value: str) -> tuple[bytes, ...] | None:
    """The bytes of a header's name parameter, and the charset it declares if any."""
    from urllib.parse import unquote_to_bytes

    found = _RFC2231.search(value)
    if found:
        return (unquote_to_bytes(found.group(2)), *([found.group(1)] if found.group(1) else []))
    found = re.search(r'name="?([^";\r\n]+)', value)
    if not found:
        return None
    text = found.group(1)
    words = _ENCODED_WORD.findall(text)
    if words:
        raw = b""
        for _, how, data in words:
            if how.lower() == "b":
                raw += base64.b64decode(data + "=" * (-len(data) % 4))
            else:
                import quopri

                raw += quopri.decodestring(data.replace("_", " ").encode("ascii", "ignore"),
                                           header=True)
        return (raw, words[0][0])
    if any("\udc80" <= c <= "\udcff" for c in text):
        return (text.encode("utf-8", "surrogateescape"),)
    return None


def _unescape(text: str, charsets: list[str] | None = None) -> str:
    """Raw 8-bit header bytes (no RFC 2047, common from Chinese clients) as readable text."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_name(text.encode("utf-8", "surrogateescape"), charsets or [])
