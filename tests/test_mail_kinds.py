"""Emailed copies as units send them: a photo of the signed form, a zip of the forms with
GBK names, nested archives, a link instead of files."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import read_jsonl

from pipeline.api import read_email
from pipeline.batch import BatchOptions
from pipeline.mail import read_attachments
from samples.generate.attachments import gbk_zip

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "samples" / "paper" / "scan_0069.jpg"  # work authorization, 老街故事
MAIL = ROOT / "samples" / "email"


def _docx(eml: str, index: int = 0) -> tuple[str, bytes]:
    docs = [a for a in read_attachments(str(MAIL / eml)) if a.kind.value == "docx"]
    return docs[index].filename, docs[index].data


def _zip(members: list[tuple[str, bytes]], gbk: bool = False) -> bytes:
    """A zip with UTF-8 names, or (``gbk``) as Windows' Chinese zip tools write it: names in
    GBK without the UTF-8 flag, as the sample generator writes them."""
    if gbk:
        return gbk_zip(members)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def _mail(path: Path, body: str, *attachments: tuple[bytes, str, str, str]) -> Path:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "unit@jz.gov.cn", "office@sx.cn", "报送作品"
    msg.set_content(body)
    for data, maintype, subtype, name in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(bytes(msg))
    return path


def _read(inbox: Path) -> tuple[dict, dict]:
    """The manifest lines of the mails in ``inbox`` by (message name, attachment), and the
    records by doc_id."""
    out = inbox.parent / "out"
    read_email([str(inbox)], out, BatchOptions(progress=False, workers=1))
    lines = {(Path(m["path"]).name, m["attachment"]): m
             for m in read_jsonl(out / "manifest.jsonl")}
    return lines, {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory):
    """Mails of Word files (zipped, nested), an archive over the limits, a link: no OCR."""
    root = tmp_path_factory.mktemp("kinds")
    inbox = root / "inbox"
    inbox.mkdir()
    first, second = _docx("mail_003.eml"), _docx("mail_001.eml")
    inner = _zip([("内层/" + second[0], second[1])])
    _mail(inbox / "zipped.eml", "三张表格打包发送。",
          (_zip([("报送材料/" + first[0], first[1]), ("再打包.zip", inner)], gbk=True),
           "application", "zip", "报送材料.zip"))
    _mail(inbox / "too_many.eml", "很多文件。",
          (_zip([(f"{i}.txt", b"x") for i in range(501)]), "application", "zip", "多.zip"))
    _mail(inbox / "link.eml", "文件较大，已上传网盘：https://pan.baidu.com/s/1AbCdEf 提取码 8x9k。")
    return (*_read(inbox), first, second)


@pytest.mark.ocr
def test_a_photo_of_the_signed_form_is_read_like_paper_and_flags_nothing(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _mail(inbox / "photo.eml", "附件为签字盖章的授权书照片。",
          (PHOTO.read_bytes(), "image", "jpeg", "授权书照片.jpg"))
    lines, records = _read(inbox)
    line = lines[("photo.eml", "授权书照片.jpg")]
    assert line["status"] == "ok" and line["route"] == "ocr"
    record = records[line["doc_id"]]
    assert record["origin"] == "email" and record["form_type"] == "work_authorization"
    assert record["fields"]["title"]["value"] == "老街故事"
    # Its signature and seal are kept as information; only the posted paper authorizes.
    assert record["signature"]["present"] and record["seal"]["present"]
    assert not {"missing_signature", "missing_seal"} & set(record["flags"])


def test_zip_members_are_attachments_with_their_gbk_names(mailbox):
    lines, records, first, second = mailbox
    member = lines[("zipped.eml", f"报送材料.zip › 报送材料/{first[0]}")]
    assert member["status"] == "ok" and member["route"] == "docx"
    assert records[member["doc_id"]]["fields"]["title"]["value"] == "老街故事"
    nested = lines[("zipped.eml", f"报送材料.zip › 再打包.zip › 内层/{second[0]}")]
    assert nested["status"] == "ok"


def test_an_archive_over_the_limits_is_refused_with_the_reason(mailbox):
    lines, _, _, _ = mailbox
    line = lines[("too_many.eml", "多.zip")]
    assert line["status"] == "failed" and "holds 501 files" in line["error"]


def test_a_message_with_a_link_instead_of_files_is_listed_with_the_link(mailbox):
    lines, _, _, _ = mailbox
    line = lines[("link.eml", None)]
    assert line["status"] == "skipped"
    assert "https://pan.baidu.com/s/1AbCdEf" in line["error"] and "fetch" in line["error"]


@pytest.mark.office
def test_a_legacy_word_file_is_converted_by_libreoffice_and_read(tmp_path):
    import shutil

    assert shutil.which("soffice"), "no LibreOffice: run `make test`, which installs Debian's"
    name, docx = _docx("mail_003.eml")
    from pipeline.mail.legacy import convert

    doc = convert(docx, "docx", "doc")  # a real .doc, written by LibreOffice (Word 97-2003)
    assert doc.startswith(b"\xd0\xcf\x11\xe0")
    mail = _mail(tmp_path / "legacy.eml", "旧版表格。",
                 (doc, "application", "msword", "作品登记表.doc"))
    out = tmp_path / "out"
    read_email([str(mail)], out, BatchOptions(progress=False, workers=1))
    (line,) = read_jsonl(out / "manifest.jsonl")
    assert line["status"] == "ok" and line["route"] == "docx", line
    (record,) = read_jsonl(out / "records.jsonl")
    assert record["fields"]["title"]["value"] == "老街故事"


def test_without_libreoffice_the_line_says_what_to_install(tmp_path, monkeypatch):
    from pipeline.mail import legacy

    monkeypatch.setattr(legacy, "soffice", lambda: None)
    with pytest.raises(Exception, match="apt-get install libreoffice-writer-nogui"):
        legacy.to_docx(b"\xd0\xcf\x11\xe0")


def test_attachment_names_in_every_encoding_chinese_clients_write(tmp_path):
    _, docx = _docx("mail_003.eml")
    name = "作品登记表.docx"
    b64 = __import__("base64").b64encode(name.encode("gb2312")).decode()
    rfc2231 = "".join(f"%{b:02X}" for b in name.encode("gb18030"))
    raw = (
        "From: unit@jz.gov.cn\r\nSubject: =?GB2312?B?" +
        __import__("base64").b64encode("报送作品".encode("gb2312")).decode() + "?=\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain; charset=gb18030\r\n\r\n").encode() + \
        "附件请查收。".encode("gb18030") + b"\r\n"
    for header in (f'filename="=?GB2312?B?{b64}?="'.encode(),
                   f"filename*=gb18030''{rfc2231}".encode(),
                   b'filename="' + "旧名.docx".encode("gbk") + b'"',
                   b'filename="\xff\xfe\xfa.docx"'):
        raw += (b"--B\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Disposition: attachment; " + header + b"\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n" +
                __import__("base64").encodebytes(docx) + b"\r\n")
    raw += b"--B--\r\n"
    (tmp_path / "names.eml").write_bytes(raw)
    names = [a.filename for a in read_attachments(str(tmp_path / "names.eml"))]
    assert names[:3] == [name, name, "旧名.docx"]
    assert names[3] == "(name not readable: fffefa2e646f6378)"


def _outlook(subject: str, attachments: list[tuple[str, bytes]]) -> bytes:
    """An Outlook .msg as Outlook saves one, written as the sample generator writes it."""
    from samples.generate.mail import outlook_bytes

    return outlook_bytes(subject, "附件为报名材料。", "unit@jz.gov.cn", attachments)


def test_outlook_messages_are_read_loose_and_attached(tmp_path):
    name, docx = _docx("mail_003.eml")
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "报送作品.msg").write_bytes(_outlook("报送作品", [(name, docx)]))
    second_name, second = _docx("mail_001.eml")
    _mail(folder / "forwarded.eml", "转发 Outlook 邮件。",
          (_outlook("转发", [(second_name, second)]), "application", "vnd.ms-outlook",
           "原邮件.msg"))
    out = tmp_path / "out"
    read_email([str(folder)], out, BatchOptions(progress=False, workers=1))
    lines = {(Path(m["path"]).name, m["attachment"]): m
             for m in read_jsonl(out / "manifest.jsonl")}
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    loose = lines[("报送作品.msg", name)]
    assert loose["status"] == "ok"
    record = records[loose["doc_id"]]
    assert record["fields"]["title"]["value"] == "老街故事"
    assert record["message"]["subject"] == "报送作品"
    assert lines[("forwarded.eml", f"原邮件.msg › {second_name}")]["status"] == "ok"


def _heic(path: Path) -> bytes:
    import cv2
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="HEIF", quality=90)
    return buf.getvalue()


@pytest.mark.ocr
def test_an_iphone_heic_photo_and_a_7z_archive_are_read(tmp_path):
    import py7zr

    name, docx = _docx("mail_003.eml")
    seven = io.BytesIO()
    with py7zr.SevenZipFile(seven, "w") as archive:
        archive.writestr(docx, f"材料/{name}")
    mail = _mail(tmp_path / "kinds.eml", "照片和压缩包。",
                 (_heic(PHOTO), "image", "heic", "授权书.heic"),
                 (seven.getvalue(), "application", "x-7z-compressed", "材料.7z"))
    out = tmp_path / "out"
    read_email([str(mail)], out, BatchOptions(progress=False, workers=1))
    lines = {m["attachment"]: m for m in read_jsonl(out / "manifest.jsonl")}
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    photo = records[lines["授权书.heic"]["doc_id"]]
    assert photo["fields"]["title"]["value"] == "老街故事"
    member = lines[f"材料.7z › 材料/{name}"]
    assert member["status"] == "ok" and records[member["doc_id"]]["fields"]["title"]["value"] == \
        "老街故事"
    # A HEIC photo among the paper scans is read too.
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "IMG_0001.HEIC").write_bytes(_heic(PHOTO))
    from pipeline.api import scan

    scan([str(tmp_path / "scans")], tmp_path / "paper", BatchOptions(progress=False, workers=1))
    (record,) = read_jsonl(tmp_path / "paper" / "records.jsonl")
    assert record["fields"]["title"]["value"] == "老街故事"
