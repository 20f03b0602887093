"""What offices really send (#27): attachments sharing a name, forwards, mbox files with a
byte-order mark or an unescaped ``From`` line, messages inside messages (Outlook items, attached
.eml), winmail.dat, a wrong transfer encoding, names in other charsets, links worth fetching.
Every case is generated here; Word forms are read without OCR."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import struct
import zipfile
from email.message import EmailMessage
from pathlib import Path

from conftest import read_jsonl
from test_mail import work_docx

from pipeline.api import read_email
from pipeline.batch import BatchOptions
from pipeline.errors import Code, Reason
from pipeline.i18n import say, where
from pipeline.mail import read_attachments, read_mail
from pipeline.model import Place

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def _form(title: str) -> bytes:
    """A 作品登记表 in Word for the work ``title`` (each title its own bytes, its own form)."""
    source = zipfile.ZipFile(io.BytesIO(work_docx()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace("大山里的灯".encode(), title.encode())
            out.writestr(info, data)
    return buf.getvalue()


def _message(subject: str, body: str, *files: tuple[str, bytes]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "unit@jz.gov.cn", "office@sx.cn", subject
    msg.set_content(body)
    for name, data in files:
        msg.add_attachment(data, maintype=DOCX[0], subtype=DOCX[1], filename=name)
    return msg


def _read(inbox: Path, out: Path | None = None) -> tuple[list[dict], dict]:
    out = out or inbox.parent / "out"
    read_email([str(inbox)], out, BatchOptions(progress=False, workers=1))
    return (read_jsonl(out / "manifest.jsonl"),
            {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")})


def _title(records: dict, line: dict) -> str:
    return records[line["doc_id"]]["fields"]["title"]["value"]


# --- attachments sharing a name --------------------------------------------------------------
def test_attachments_sharing_a_name_are_each_a_line_and_a_record(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "作品登记表.docx"
    (inbox / "three.eml").write_bytes(bytes(_message(
        "三部作品", "三份登记表。", *((name, _form(t)) for t in ("春", "夏", "秋")))))
    original = _message("报送作品", "附件为登记表。", (name, _form("旧片名")))
    forward = _message("Fwd: 报送作品", "更正后的登记表见附件，原邮件附后。",
                       (name, _form("新片名")))
    forward.add_attachment(original)  # forwarded as an attachment (message/rfc822)
    (inbox / "forward.eml").write_bytes(bytes(forward))
    lines, records = _read(inbox)
    three = [m for m in lines if m["path"].endswith("three.eml")]
    assert [(m["attachment"], m["part"], m["status"]) for m in three] == [
        (name, "1", "ok"), (name, "2", "ok"), (name, "3", "ok")]
    assert sorted(_title(records, m) for m in three) == ["夏", "春", "秋"]
    fwd = {m["part"]: m for m in lines if m["path"].endswith("forward.eml")}
    assert fwd["1"]["attachment"] == name and _title(records, fwd["1"]) == "新片名"
    assert fwd["2.1"]["attachment"] == f"报送作品.eml › {name}"
    assert _title(records, fwd["2.1"]) == "旧片名"  # the original kept beside the correction
    assert len(records) == 5


def test_a_rerun_adds_nothing_and_an_older_batch_is_read_again_without_duplicates(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "two.eml").write_bytes(bytes(_message(
        "两部作品", "两份。", ("表.docx", _form("甲")), ("表.docx", _form("乙")))))
    out = tmp_path / "out"
    first, _ = _read(inbox, out)
    again, _ = _read(inbox, out)
    assert again == first and len(first) == 2
    # The batch as an earlier formscan kept it: keyed by name alone, one line for the two.
    db = sqlite3.connect(out / "formscan.sqlite")
    with db:
        body = json.loads(db.execute("SELECT body FROM manifest ORDER BY seq").fetchone()[0])
        body.pop("part")
        db.execute("DROP TABLE manifest")
        db.execute("CREATE TABLE manifest (path TEXT NOT NULL, page INTEGER NOT NULL, attachment "
                   "TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (path, "
                   "page, attachment))")
        db.execute("INSERT INTO manifest VALUES (?, 0, ?, 1, ?)",
                   (body["path"], body["attachment"], json.dumps(body, ensure_ascii=False)))
        db.execute("UPDATE files SET lines=1")
    db.close()
    lines, records = _read(inbox, out)
    assert sorted((m["part"], m["status"]) for m in lines) == [("1", "ok"), ("2", "ok")]
    assert sorted(_title(records, m) for m in lines) == ["乙", "甲"]


# --- mbox ------------------------------------------------------------------------------------
def _mbox(*messages: EmailMessage, bom: bool = False, unescaped: bool = False) -> bytes:
    out = b"\xef\xbb\xbf" if bom else b""
    for number, msg in enumerate(messages, 1):
        data = bytes(msg).replace(b"\r\n", b"\n")
        if not unescaped:
            data = data.replace(b"\nFrom ", b"\n>From ")
        out += f"From unit{number}@jz.gov.cn Mon Sep 11 10:00:00 2023\n".encode()
        out += data.rstrip(b"\n") + b"\n\n"
    return out


def test_every_mbox_message_is_a_line_and_a_damaged_piece_fails_alone(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    link = _message("作品上传网盘", "文件较大，已上传：https://pan.baidu.com/s/1AbCdEf 提取码 8x9k")
    later = _message("报名", "材料稍后补发。")
    quoting = _message("转发", "原信如下：\n\nFrom the office: 请按时报送。\n谢谢",
                       ("表.docx", _form("丙")))
    form = _message("报送", "附件。", ("登记表.docx", _form("丁")))
    (inbox / "bom.mbox").write_bytes(_mbox(link, later, quoting, form, bom=True, unescaped=True))
    (inbox / "junk.mbox").write_bytes(b"Exported by a tool\n\n" + _mbox(form))
    lines, records = _read(inbox)
    box = {m["attachment"]: m for m in lines if m["path"].endswith("bom.mbox")}
    assert box["message 1"]["status"] == "skipped"
    assert box["message 1"]["reason"] == {"code": "no_attachment_links", "params": {
        "links": ["https://pan.baidu.com/s/1AbCdEf"]}}
    assert box["message 2"]["status"] == "skipped"
    assert box["message 2"]["reason"]["code"] == "no_attachment"
    assert _title(records, box["message 3: 表.docx"]) == "丙"  # its body's From line kept in it
    assert _title(records, box["message 4: 登记表.docx"]) == "丁"
    assert len(box) == 4
    junk = {m["attachment"]: m for m in lines if m["path"].endswith("junk.mbox")}
    assert junk["message 1"]["status"] == "failed"
    assert junk["message 1"]["reason"]["code"] == "mbox_piece"
    assert "没有邮件头" in say(Reason(Code.MBOX_PIECE))
    assert _title(records, junk["message 2: 登记表.docx"]) == "丁"
    said = where("zh", Place("a.mbox", None, "message 2: 表.docx"))
    assert said == "a.mbox [第 2 封邮件：表.docx]"


# --- messages inside messages ----------------------------------------------------------------
def _u16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _msg_entries(prefix: str, subject: str, files: list, top: bool) -> list:
    """The streams and storages of an Outlook message under ``prefix`` (MAPI properties in
    an OLE2 file, as the sample generator writes them); a file ``(name, (subject, files))`` is
    an Outlook item inside it (attach method 5, its message in ``__substg1.0_3701000D``)."""
    p = f"{prefix}/" if prefix else ""
    out: list = [(f"{p}__substg1.0_{tag}001F", _u16(text)) for tag, text in (
        ("001A", "IPM.Note"), ("0037", subject), ("1000", "正文"), ("0C1F", "unit@jz.gov.cn"))]
    counts = struct.pack("<IIII", 0, len(files), 0, len(files))
    out.append((f"{p}__properties_version1.0",
                b"\0" * 8 + counts + (b"\0" * 8 if top else b"")))
    if top:
        out.append(("__nameid_version1.0", None))
        out += [(f"__nameid_version1.0/__substg1.0_{s}", b"")
                for s in ("00020102", "00030102", "00040102")]
    for i, (name, content) in enumerate(files):
        base = f"{p}__attach_version1.0_#{i:08X}"
        out.append((base, None))
        method = 1 if isinstance(content, bytes) else 5
        out.append((f"{base}/__properties_version1.0",
                    b"\0" * 8 + struct.pack("<HHIQ", 0x0003, 0x3705, 6, method)))
        if isinstance(content, bytes):
            out += [(f"{base}/__substg1.0_3707001F", _u16(name)),
                    (f"{base}/__substg1.0_37010102", content)]
        else:
            inner = f"{base}/__substg1.0_3701000D"
            out += [(f"{base}/__substg1.0_3001001F", _u16(name)), (inner, None)]
            out += _msg_entries(inner, content[0], content[1], False)
    return out


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def _outlook(subject: str, files: list) -> bytes:
    from extract_msg import OleWriter

    writer = OleWriter()
    for path, data in _msg_entries("", subject, files, True):
        if data is None:
            writer.addEntry(path, storage=True)
        else:
            writer.addEntry(path, data)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_messages_inside_messages_are_opened_to_the_depth_limit(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "转发.msg").write_bytes(_outlook("转发", [
        ("说明.docx", _form("外层")),
        ("原邮件", ("原邮件", [("INNER 1.docx", _form("一层")),
                              ("再转发", ("再转发", [("INNER 2.docx", _form("二层"))]))])),
        ("空邮件", ("空邮件", []))]))
    attached = _message("转发", "原邮件作为附件。")
    attached.add_attachment(bytes(_message("原件", "附件。", ("原件.docx", _form("附件邮件")))),
                            maintype="application", subtype="octet-stream",
                            filename="原件.eml")
    (inbox / "attached.eml").write_bytes(bytes(attached))
    # Forwarded three times, a zip in a zip inside: messages do not use up the archives' depth.
    chain = _message("原件", "压缩包。")
    chain.add_attachment(_zip([("内.zip", _zip([("深表.docx", _form("压缩三层"))]))]),
                         maintype="application", subtype="zip", filename="材料.zip")
    for level in range(3):
        outer = _message(f"Fwd {level}", "转发。")
        outer.add_attachment(chain)
        chain = outer
    (inbox / "chain.eml").write_bytes(bytes(chain))
    lines, records = _read(inbox)
    got = {(Path(m["path"]).name, m["attachment"]): m for m in lines}
    assert _title(records, got[("转发.msg", "说明.docx")]) == "外层"
    one = got[("转发.msg", "原邮件.msg › INNER 1.docx")]
    assert one["part"] == "2.1" and _title(records, one) == "一层"
    two = got[("转发.msg", "原邮件.msg › 再转发.msg › INNER 2.docx")]
    assert two["part"] == "2.2.1" and _title(records, two) == "二层"
    empty = got[("转发.msg", "空邮件.msg")]
    assert empty["status"] == "skipped" and empty["reason"]["code"] == "no_attachment"
    assert _title(records, got[("attached.eml", "原件.eml › 原件.docx")]) == "附件邮件"
    deep_zip = got[("chain.eml", " › ".join(
        ("Fwd 1.eml", "Fwd 0.eml", "原件.eml", "材料.zip", "内.zip", "深表.docx")))]
    assert deep_zip["part"] == "1.1.1.1.1.1" and _title(records, deep_zip) == "压缩三层"
    # Beyond --max-depth, the item fails alone, named, with the limit; the rest is read.
    from pipeline.limits import Limits

    found = read_attachments(str(inbox / "转发.msg"), Limits(max_depth=2))
    deep = next(a for a in found if a.filename == "原邮件.msg › 再转发.msg")
    assert deep.reason.code is Code.OVER_DEPTH and "--max-depth" in str(deep.reason)
    assert [a.filename for a in found if a.reason is None] == ["说明.docx",
                                                               "原邮件.msg › INNER 1.docx"]


def _tnef(files: list[tuple[bytes, bytes]], codepage: int = 936) -> bytes:
    """A winmail.dat as Outlook writes it (TNEF): version, code page, then per file its
    rendering, title and data attributes (level, id, type, length, data, checksum)."""
    def attribute(level: int, kind: int, name: int, data: bytes) -> bytes:
        return (struct.pack("<BHHI", level, name, kind, len(data)) + data
                + struct.pack("<H", sum(data) & 0xFFFF))

    out = struct.pack("<IH", 0x223E9F78, 1)
    out += attribute(1, 0x0008, 0x9006, struct.pack("<I", 0x00010000))
    out += attribute(1, 0x0006, 0x9007, struct.pack("<II", codepage, 0))
    for name, data in files:
        out += attribute(2, 0x0006, 0x9002, b"\0" * 14)
        out += attribute(2, 0x0001, 0x8010, name + b"\0")
        out += attribute(2, 0x0006, 0x800F, data)
    return out


def test_winmail_dat_and_a_wrong_transfer_encoding_are_read(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    msg = _message("报送", "Outlook 发送。")
    msg.add_attachment(_tnef([("登记表.docx".encode("gbk"), _form("包中")),
                              (b"note.txt", b"hello")]),
                       maintype="application", subtype="ms-tnef", filename="winmail.dat")
    msg.add_attachment(_tnef([]), maintype="application", subtype="ms-tnef",
                       filename="winmail.dat")
    (inbox / "tnef.eml").write_bytes(bytes(msg))
    body = base64.encodebytes(_form("七位编码")).replace(b"\n", b"\r\n")
    raw = (b"From: unit@jz.gov.cn\r\nSubject: cte\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n")
    for cte, name in (("7bit", "七位.docx"), ("quoted-printable", "可打印.docx")):
        raw += (f"--B\r\nContent-Type: {DOCX[0]}/{DOCX[1]}\r\nContent-Disposition: attachment;"
                f" filename=\"{name}\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n").encode()
        raw += body
    raw += b"--B--\r\n"
    (inbox / "cte.eml").write_bytes(raw)
    lines, records = _read(inbox)
    got = {(Path(m["path"]).name, m["part"]): m for m in lines}
    inside = got[("tnef.eml", "1.1")]
    assert inside["attachment"] == "winmail.dat › 登记表.docx" and _title(records, inside) == "包中"
    note = got[("tnef.eml", "1.2")]
    assert note["status"] == "failed" and note["reason"]["code"] == "not_a_document"
    bare = got[("tnef.eml", "2")]
    assert bare["status"] == "skipped" and bare["reason"]["code"] == "tnef_empty"
    assert _title(records, got[("cte.eml", "1")]) == "七位编码"
    assert _title(records, got[("cte.eml", "2")]) == "七位编码"


# --- names, links, words -------------------------------------------------------------------
def _raw_part(header: bytes, charset: str | None = None) -> bytes:
    kind = b"application/octet-stream" + (f"; charset={charset}".encode() if charset else b"")
    return (b"--B\r\nContent-Type: " + kind + b"\r\nContent-Disposition: attachment; " + header
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(b"just some text") + b"\r\n")


def test_names_in_other_charsets_and_broken_names(tmp_path):
    broken = "作品登记表.docx".encode()
    broken = broken[:4] + broken[5:]  # one byte of 品 lost
    raw = (b"From: a@b.cn\r\nSubject: names\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
           + _raw_part(b'filename="Hasen und Fr\xf6sche.txt"', "iso-8859-1")
           + _raw_part(b'filename="' + "報名表.txt".encode("big5") + b'"', "big5")
           + _raw_part(b'filename="' + "报名表.txt".encode("gbk") + b'"')
           + _raw_part(b'filename="' + broken + b'"')
           + _raw_part(b"filename*=x-unknown''%FF%FE%FA.txt")
           + b"--B--\r\n")
    (tmp_path / "names.eml").write_bytes(raw)
    names = [a.filename for a in read_attachments(str(tmp_path / "names.eml"))]
    assert names[:3] == ["Hasen und Frösche.txt", "報名表.txt", "报名表.txt"]
    assert names[3] == "作\ufffd登记表.docx"
    assert names[4] == "(name not readable: fffefa2e747874)"


def test_links_are_those_a_person_wrote_to_files(tmp_path):
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "unit@jz.gov.cn", "作品"
    msg.set_content("作品见 https://pan.baidu.com/s/1xYz 提取码 abcd\n"
                    "参见 https://www.example.cn/about\n"
                    "> https://cloud.189.cn/t/quoted\n"
                    "-- \n通知列表 https://lists.example.org/mailman/listinfo/unit\n")
    msg.add_alternative('<html xmlns="http://www.w3.org/1999/xhtml"><body>'
                        '<a href="https://example.cn/files/报名表.docx">报名表</a></body></html>',
                        subtype="html")
    (tmp_path / "links.eml").write_bytes(bytes(msg))
    found = read_mail(str(tmp_path / "links.eml"))
    assert found.attachments == []
    assert found.links == ["https://pan.baidu.com/s/1xYz"]


def test_unreadable_attachments_say_what_the_office_can_do(tmp_path):
    msg = _message("报送", "附件。", ("登记表.docx", _form("好表")))
    msg.add_attachment(b"<html>not a pdf</html>", maintype="application", subtype="pdf",
                       filename="授权书.pdf")
    msg.add_attachment(b"plain words", maintype="application", subtype="octet-stream",
                       filename="README")
    png = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", 100, 100) + b"\x08\x02\0\0\0"
    msg.add_attachment(png + b"\0" * 64, maintype="image", subtype="png", filename="照片.png")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "bad.eml").write_bytes(bytes(msg))
    lines, records = _read(tmp_path / "inbox")
    got = {m["attachment"]: m for m in lines}
    assert _title(records, got["登记表.docx"]) == "好表"
    pdf = got["授权书.pdf"]
    assert pdf["status"] == "failed" and pdf["error"].startswith("named .pdf but not a PDF")
    assert say(Reason.from_dict(pdf["reason"])) == \
        "文件名为 .pdf，但内容不是 PDF：请报送单位重新发送"
    bare = got["README"]
    assert bare["reason"]["code"] == "not_a_document_no_suffix"
    assert "suffix" not in say(Reason.from_dict(bare["reason"]))
    photo = got["照片.png"]
    assert photo["status"] == "failed" and photo["reason"]["code"] == "attached"
    words = say(Reason.from_dict(photo["reason"]))
    assert "重新发送" in words and "重新扫描" not in words


def test_what_is_said_of_an_emailed_attachment_asks_for_it_again():
    import re

    from pipeline.i18n import _EMAILED, _SAID

    for code, (zh, en) in _EMAILED.items():
        assert "重新发送" in zh and "重新扫描" not in zh, code
        assert "send " in en and " again" in en and "rescan" not in en, code
        assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", zh), code
        # The same placeholders as the words said of a scan.
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", _SAID[code][1]))
    page = Reason(Code.ATTACHED, {"inner": Reason(Code.PAGE_UNRENDERABLE, {"why": "x"})})
    assert say(page) == "附件：页面无法显示：请报送单位重新发送文件"
    paper = say(Reason(Code.PAGE_UNRENDERABLE, {"why": "x"}))  # a scan's page: rescan it
    assert paper == "页面无法显示：请重新扫描此页或重新索取文件"
