"""The emailed side of the batch (domain.md §1): the same works as ``.eml`` / ``.mbox``
messages with their attachments, and ``email_truth.jsonl`` (see the package docstring).

Every choice comes from ``random.Random(f"{seed}-email")``, so the paper output is
byte-identical with or without it; Message-IDs, MIME boundaries and Date headers come from
the seed.
"""

from __future__ import annotations

import email.policy
import io
import json
import random
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from pipeline.contest import Unit
from samples.generate.attachments import (
    attachment_name,
    cover_letter_docx,
    docx_form,
    gbk_zip,
    pdf_form,
    scanned_form,
    xlsx_form,
)
from samples.generate.content import FormContent, city_of, fill_form, person, sample_entry
from samples.generate.facts import (
    DEADLINES,
    FIELDS,
    PROPOSAL,
    TITLES,
    UNITS,
    WORK_AUTH,
    WORK_REG,
    WORK_TYPES,
    short_name,
)

COMMITTEE_MAILBOX = "sxwdy2023@163.com"
COMMITTEE_NAME = "第六届微电影组委会"
_MAILBOXES = {  # a city (its 宣传部) or a provincial committee -> its office mailbox's name
    "太原": "ty", "大同": "dt", "阳泉": "yq", "长治": "cz", "晋城": "jc", "朔州": "sz",
    "晋中": "jz", "运城": "yc", "忻州": "xz", "临汾": "lf", "吕梁": "ll",
    "省直机关工委": "szjggw", "省委教育工委": "sjyjw", "省国资委党委": "sgzwdw",
    "省委军民融合办宣传部": "sjmrhb",
}
CHANGEABLE = ("phone", "contact", "title", "address", "duration", "work_type")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy Word .doc starts like this
TZ_CN = timezone(timedelta(hours=8))


@dataclass
class Attachment:
    filename: str | None  # None: a message that came without attachment
    data: bytes
    truth: dict[str, Any]


@dataclass
class Mail:
    unit: Unit
    subject: str
    sent: datetime
    body: str
    attachments: list[Attachment]
    sender: str = ""


def _unit_of(form: FormContent, rng: random.Random) -> Unit:
    written = form.written.get("unit")
    for unit in UNITS:
        if written in unit.spellings:
            return unit
    address = form.written.get("address") or ""
    for unit in UNITS:  # the unit that names the city of the address
        city = city_of(unit).name
        if city in unit.name and f"{city}市" in address:
            return unit
    return rng.choice(UNITS)


def _mailbox(unit: Unit) -> str:
    """The local part of the unit's office mailbox (a made-up one for a unit not listed)."""
    return next((box for key, box in _MAILBOXES.items() if key in unit.name),
                f"unit{zlib.crc32(unit.name.encode()) % 1000:03d}")


def _sender(unit: Unit, rng: random.Random) -> str:
    prefix = _mailbox(unit)
    roll = rng.random()
    if roll < 0.55:
        addr = f"{prefix}xcb@163.com"
    elif roll < 0.8:
        addr = f"{prefix}swxcb{rng.choice(('', '2023', '01'))}@126.com"
    else:
        addr = f"{rng.randint(10**8, 10**10 - 1)}@qq.com"
    name = short_name(unit) if rng.random() < 0.7 else person(rng)
    return str(Address(name, addr_spec=addr))


def _swap_digits(text: str, rng: random.Random) -> str:
    """Swap two neighbouring, different digits after the area code / the first three."""
    spots = [i for i in range(4, len(text) - 1)
             if text[i].isdigit() and text[i + 1].isdigit() and text[i] != text[i + 1]]
    if not spots:
        return text[:-1] + str((int(text[-1]) + 1) % 10)
    i = rng.choice(spots)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def _change(form: FormContent, key: str, rng: random.Random) -> str:
    """A real difference in ``key`` (not merely another spelling of the same value)."""
    old = form.written[key] or ""
    if key == "phone":
        return _swap_digits(old, rng)
    if key == "contact":
        while (new := person(rng)) == old:
            pass
        return new
    if key == "title":
        return old.replace("的", "", 1) if "的" in old else old + rng.choice(("记", "（新）"))
    if key == "address":
        match = re.search(r"(\d+)号", old)
        if not match:
            return old + "1号"
        number = int(match.group(1))
        number = number + rng.choice((-2, -1, 1, 2, 10)) if number > 2 else number + 10
        return old[:match.start(1)] + str(number) + old[match.end(1):]
    if key == "duration":
        match = re.match(r"\d+", old)
        if not match:
            return "10分钟"
        minutes = int(match.group())
        minutes = minutes + rng.choice((-2, -1, 1, 2, 3)) if minutes > 2 else minutes + 3
        return str(minutes) + old[match.end():]
    if key == "work_type":
        return rng.choice([t for t in WORK_TYPES if t != old])
    raise ValueError(key)


def _build_message(mail: Mail, rng: random.Random, number: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = str(Address(COMMITTEE_NAME, addr_spec=COMMITTEE_MAILBOX)) \
        if rng.random() < 0.5 else COMMITTEE_MAILBOX
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.sent)
    domain = mail.sender.rsplit("@", 1)[1].rstrip(">")
    msg["Message-ID"] = f"<{rng.getrandbits(64):016x}.{number}@{domain}>"
    msg.set_content(mail.body)
    for att in mail.attachments:
        if att.filename is None:
            continue
        maintype, subtype = _MIME.get(Path(att.filename).suffix, ("application", "octet-stream"))
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    if msg.is_multipart():
        msg.set_boundary(f"----=_Part_{rng.getrandbits(48):012x}_{number}")
    return msg


_MIME = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pdf": ("application", "pdf"),
    ".doc": ("application", "msword"),
}


def _paper_index(paper_rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Paper form pages by content (first occurrence; duplicates are scanned again)."""
    index: dict[str, dict[str, Any]] = {}
    for row in paper_rows:
        if row["kind"] == "form" and row["expect"] == "ok":
            key = json.dumps([row["form_type"], row["fields"]], ensure_ascii=False)
            index.setdefault(key, {"path": row["path"], "page": row["page"]})
    return index


def _form_key(form: FormContent) -> str:
    return json.dumps([form.form_type, form.truth_fields()], ensure_ascii=False)


def _groups(forms: Sequence[FormContent]) -> list[list[FormContent]]:
    """The forms of one unit-and-work together (a work's registration and authorization)."""
    groups: dict[Any, list[FormContent]] = {}
    for number, form in enumerate(forms):
        key = form.written.get("title") or number
        groups.setdefault(key, []).append(form)
    return list(groups.values())


def _email_copy(form: FormContent, rng: random.Random, changed: list[str]) -> FormContent:
    written = dict(form.written)
    for key in changed:
        written[key] = _change(form, key, rng)
    signed_on = form.signed_on if form.signed_on and rng.random() < 0.6 else None
    # A form retyped without a table on paper goes in the office's Word table, its work
    # type typed in words whatever the paper ticked.
    return replace(form, written=written, handwritten=frozenset(), signer=None,
                   signed_on=signed_on, seal_unit=None, retyped=None)


def _subject(unit: Unit, group: Sequence[FormContent], rng: random.Random) -> str:
    title = next((f.written["title"] for f in group if f.written.get("title")), None)
    short = short_name(unit)
    if group[0].form_type == PROPOSAL:
        form_title = TITLES[PROPOSAL]
        if title:
            return rng.choice((f"{short}报送重点作品创作文案《{title}》",
                               f"{form_title}-{title}（{short}）"))
        return f"{short}{form_title}"
    return rng.choice((f"{short}报送作品《{title}》", f"{short}-{title}-作品登记表及授权书",
                       f"微电影征集活动作品报送：{title}（{short}）"))


def _body(unit: Unit, rng: random.Random, attached: bool) -> str:
    opener = rng.choice(("组委会办公室：", "老师您好：", "您好！"))
    if not attached:
        return (f"{opener}\n\n我单位报送的作品材料附件较大，稍后补发，请查收。\n\n"
                f"{unit.name}\n")
    line = rng.choice(("现将我单位报送作品的相关表格发送给您，请查收。",
                       "附件为作品登记表和作品授权书电子版，纸质版已邮寄。",
                       "根据活动通知要求，报送相关材料，请审核。"))
    return f"{opener}\n\n{line}\n\n{unit.name}\n"


def _form_attachment(form: FormContent, email_form: FormContent, fmt: str,
                     paper: dict[str, Any] | None, changed: list[str],
                     rng: random.Random) -> Attachment:
    ext = {"scan": ".pdf", "photo": ".jpg"}.get(fmt, "." + fmt)
    name = attachment_name(form, ext, rng)
    makers = {"docx": docx_form, "pdf": pdf_form, "xlsx": xlsx_form, "scan": scanned_form,
              "photo": lambda f, r: scanned_form(f, r, photo=True)}
    data = makers[fmt](email_form, rng)
    truth = {
        "message": "", "attachment": name, "kind": "form", "form_type": form.form_type,
        "fields": email_form.truth_fields(), "paper": paper, "changed": changed, "format": fmt,
    }
    return Attachment(name, data, truth)


def _zip_of(attachments: list[Attachment], folder: str) -> Attachment:
    """One message's forms zipped together; each form's truth names it inside the zip."""
    name = f"{folder}报送材料.zip"
    data = gbk_zip([(f"{folder}/{a.filename}", a.data) for a in attachments])
    members = []
    for a in attachments:
        truth = {**a.truth, "attachment": f"{name} › {folder}/{a.filename}", "container": "zip"}
        members.append(truth)
    return Attachment(name, data, {"members": members})


def _truths(att: Attachment) -> list[dict[str, Any]]:
    """The truth rows of an attachment: a zip's are its members'."""
    return att.truth.get("members") or [att.truth]


def _extra_attachment(name: str, data: bytes, kind: str, fmt: str) -> Attachment:
    truth = {"message": "", "attachment": name, "kind": kind, "form_type": None, "fields": {},
             "paper": None, "changed": [], "format": fmt}
    return Attachment(name, data, truth)


def outlook_msg(mail: Mail) -> bytes:
    """The message as Outlook saves it (.msg)."""
    return outlook_bytes(mail.subject, mail.body, mail.sender,
                         [(a.filename, a.data) for a in mail.attachments if a.filename])


def outlook_bytes(subject: str, body: str, sender: str,
                  files: list[tuple[str, bytes]]) -> bytes:
    """A .msg as Outlook saves one (MAPI properties in an OLE2 file), written with
    extract-msg's OLE writer: message class, subject, body, sender and the attachments."""
    from extract_msg import OleWriter

    def u16(text: str) -> bytes:
        return text.encode("utf-16-le")

    writer = OleWriter()
    for tag, text in (("001A", "IPM.Note"), ("0037", subject), ("1000", body),
                      ("0C1A", sender), ("0C1F", sender)):
        writer.addEntry(f"__substg1.0_{tag}001F", u16(text))
    n = len(files)
    writer.addEntry("__properties_version1.0",
                    b"\0" * 8 + struct.pack("<IIII", 0, n, 0, n) + b"\0" * 8)
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    for i, (name, data) in enumerate(files):
        base = f"__attach_version1.0_#{i:08X}"
        writer.addEntry(base, storage=True)
        by_value = struct.pack("<HHIQ", 0x0003, 0x3705, 6, 1)  # PR_ATTACH_METHOD: by value
        writer.addEntry(f"{base}/__properties_version1.0", b"\0" * 8 + by_value)
        writer.addEntry(f"{base}/__substg1.0_3707001F", u16(name))
        writer.addEntry(f"{base}/__substg1.0_37010102", data)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _write_message(path: Path, msg: EmailMessage) -> None:
    path.write_bytes(msg.as_bytes(policy=email.policy.SMTP))


def generate_email(email_dir: Path, forms: Sequence[FormContent],
                   paper_rows: Sequence[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Write the emailed copies of ``forms`` (and a few email-only works) into ``email_dir``."""
    rng = random.Random(f"{seed}-email")
    email_dir = Path(email_dir)
    email_dir.mkdir(parents=True, exist_ok=True)
    index = _paper_index(paper_rows)
    groups = _groups(forms)

    # Which works stay on paper, which come only by email.
    n_paper_only = max(1, round(0.08 * len(groups))) if len(groups) > 1 else 0
    paper_only = set(rng.sample(range(len(groups)), n_paper_only))
    emailed = [(g, True) for i, g in enumerate(groups) if i not in paper_only]
    used_titles = {f.written["title"] for f in forms if f.written.get("title")}
    for i in range(max(1, round(len(forms) / 12))):
        entry = sample_entry(rng, used_titles, is_proposal=i == 2)
        types = (PROPOSAL,) if entry.is_proposal else (WORK_REG, WORK_AUTH)
        emailed.append(([fill_form(rng, entry, t) for t in types], False))
    rng.shuffle(emailed)

    # Formats and deliberate changes, drawn over every emailed form.
    slots = [(g, j) for g, (group, _) in enumerate(emailed) for j in range(len(group))]
    order = rng.sample(range(len(slots)), len(slots))
    n_pdf = max(1, round(0.17 * len(slots)))
    n_xlsx = max(1, round(0.08 * len(slots)))
    fmt = {slots[k]: ("pdf" if r < n_pdf else "xlsx" if r < n_pdf + n_xlsx else "docx")
           for r, k in enumerate(order)}
    on_paper = [s for s in slots if emailed[s[0]][1]]
    changes: dict[tuple[int, int], list[str]] = {}
    for s in rng.sample(on_paper, min(len(on_paper), max(1, round(0.15 * len(slots))))):
        form = emailed[s[0]][0][s[1]]
        keys = [k for k in CHANGEABLE if k in FIELDS[form.form_type] and form.written.get(k)]
        changes[s] = [rng.choice(keys)]
    # Units also mail a scan or a phone photo of the signed form (of its paper, unchanged),
    # and zip a message's forms together (GBK names): drawn apart, so the rest stays as it was.
    krng = random.Random(f"{seed}-email-kinds")
    plain = [s for s in slots if fmt[s] == "docx" and s not in changes]
    for i, s in enumerate(krng.sample(plain, min(len(plain), max(2, round(0.2 * len(slots)))))):
        fmt[s] = "scan" if i % 2 == 0 else "photo"
    zipped = set(krng.sample(range(len(emailed)), max(1, round(0.1 * len(emailed)))))

    mails: list[Mail] = []
    for g, (group, is_paper) in enumerate(emailed):
        unit = _unit_of(group[0], rng)
        split = len(group) > 1 and rng.random() < 0.15  # one message per form
        parts = [[j] for j in range(len(group))] if split else [list(range(len(group)))]
        for part in parts:
            attachments = []
            for j in part:
                form = group[j]
                email_form = _email_copy(form, rng, changes.get((g, j), []))
                paper = index.get(_form_key(form)) if is_paper else None
                if is_paper and paper is None:
                    raise RuntimeError("emailed form has no paper page in the truth")
                attachments.append(_form_attachment(form, email_form, fmt[(g, j)], paper,
                                                    changes.get((g, j), []), rng))
            signed = [group[j].signed_on for j in part if group[j].signed_on]
            base = min(signed) if signed else DEADLINES[group[0].form_type] - timedelta(days=20)
            sent = datetime.combine(base + timedelta(days=rng.randint(0, 3)),
                                    datetime.min.time(), TZ_CN)
            sent += timedelta(minutes=rng.randint(8 * 60, 22 * 60), seconds=rng.randint(0, 59))
            sub_group = [group[j] for j in part]
            if g in zipped:
                attachments = [_zip_of(attachments, short_name(unit))]
            mails.append(Mail(unit, _subject(unit, sub_group, rng), sent,
                              _body(unit, rng, True), attachments, _sender(unit, rng)))

    # Oddities: hostile names, a cover letter, a legacy .doc, a mail without attachment.
    docx_atts = [a for m in mails for a in m.attachments if a.truth.get("format") == "docx"]
    hostile = rng.sample(docx_atts, min(2, len(docx_atts)))
    for att, name in zip(hostile, ("../../etc/{}.docx", "/tmp/{}.docx")):
        att.filename = name.format(TITLES[att.truth["form_type"]])
        att.truth["attachment"] = att.filename
    with_letter = rng.choice(mails)
    with_letter.attachments.insert(0, _extra_attachment(
        "关于报送微电影作品的函.docx", cover_letter_docx(with_letter.unit, 1, rng), "other",
        "docx"))
    with_doc = rng.choice(mails)
    junk = OLE_MAGIC + bytes(rng.getrandbits(8) for _ in range(rng.randint(600, 2000)))
    with_doc.attachments.append(_extra_attachment("作品授权书（旧版）.doc", junk, "unreadable",
                                                  "doc"))
    lonely_unit = rng.choice(UNITS)
    lonely_sent = datetime.combine(DEADLINES[WORK_REG] - timedelta(days=2), time(16, 20),
                                   TZ_CN)  # "attachments follow", two days before the deadline
    lonely = Mail(lonely_unit, f"{short_name(lonely_unit)}报送作品（附件补发）",
                  lonely_sent, _body(lonely_unit, rng, False),
                  [Attachment(None, b"", {
                      "message": "", "attachment": None, "kind": "no_attachment",
                      "form_type": None, "fields": {}, "paper": None, "changed": [],
                      "format": None})], _sender(lonely_unit, rng))
    mails.insert(rng.randint(0, len(mails)), lonely)

    # One docx saved loose in the folder rather than sent.
    rows: list[dict[str, Any]] = []
    def plain_docx(a: Attachment) -> bool:
        return a.truth.get("format") == "docx" and a.truth.get("kind") == "form" and \
            not a.filename.startswith(("/", ".."))

    candidates = [m for m in mails if len(m.attachments) == 1 and plain_docx(m.attachments[0])]
    if not candidates:  # else one docx of a message with several
        candidates = [m for m in mails if any(plain_docx(a) for a in m.attachments)]
    if candidates:
        loose = rng.choice(candidates)
        att = next(a for a in loose.attachments if plain_docx(a))
        loose.attachments.remove(att)
        if not loose.attachments:
            mails.remove(loose)
        name = att.filename
        if (email_dir / name).exists() or "/" in name:
            raise RuntimeError(f"unexpected loose file name {name!r}")
        (email_dir / name).write_bytes(att.data)
        rows.append({**att.truth, "message": name, "attachment": name})

    mails.sort(key=lambda m: m.sent)
    in_mbox = mails[-rng.randint(2, 3):] if len(mails) >= 4 else []
    boxed = {id(mail) for mail in in_mbox}
    # One message saved from Outlook (.msg) rather than exported as .eml.
    plain_mails = [m for m in mails if id(m) not in boxed and m.attachments
                   and all(a.filename and not a.filename.startswith(("/", ".."))
                           and "members" not in a.truth for a in m.attachments)]
    outlook = id(krng.choice(plain_mails)) if plain_mails else None
    number = 0
    for mail in mails:
        if id(mail) in boxed:
            continue
        number += 1
        if id(mail) == outlook:
            name = f"mail_{number:03d}.msg"
            (email_dir / name).write_bytes(outlook_msg(mail))
            rows.extend({**t, "message": name, "container": "msg"}
                        for a in mail.attachments for t in _truths(a))
            continue
        name = f"mail_{number:03d}.eml"
        _write_message(email_dir / name, _build_message(mail, rng, number))
        rows.extend({**t, "message": name} for a in mail.attachments for t in _truths(a))
    if in_mbox:
        with (email_dir / "inbox_export.mbox").open("wb") as fh:
            for k, mail in enumerate(in_mbox, 1):
                msg = _build_message(mail, rng, 100 + k)
                addr = mail.sender.rsplit("<", 1)[-1].rstrip(">")
                fh.write(f"From {addr} {mail.sent.strftime('%a %b %d %H:%M:%S %Y')}\n".encode())
                data = msg.as_bytes(policy=email.policy.default)
                fh.write(re.sub(rb"(?m)^From ", b">From ", data).rstrip(b"\n") + b"\n\n")
                rows.extend({**t, "message": f"inbox_export.mbox#{k}"}
                            for a in mail.attachments for t in _truths(a))

    rows.sort(key=lambda r: (r["message"], r["attachment"] or ""))
    with (email_dir / "email_truth.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows
