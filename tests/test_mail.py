"""Mail stage: attachments of .eml/.mbox files and loose files, and Word/Excel forms read
through the same classify/extract stages as scans (no OCR)."""

from __future__ import annotations

import base64
import io
import mailbox
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from docx import Document
from openpyxl import Workbook

from pipeline import filetypes, layout, mail
from pipeline.classify import classify
from pipeline.errors import InputError
from pipeline.extract import read_fields
from pipeline.forms import schemas
from pipeline.model import FormType

SYNOPSIS = "本片讲述一位乡村教师扎根山区三十年，用知识点亮孩子们梦想的故事，展现了爱岗敬业的精神。"
WORK = {
    "title": "大山里的灯",
    "work_type": "微电影",
    "duration": "12分钟",
    "unit": "中共晋中市委宣传部",
    "creators": "张伟、李娜、王强",
    "contact": "赵敏",
    "phone": "13834567890",
    "address": "晋中市榆次区顺城街88号",
    "synopsis": SYNOPSIS,
    "date": "2023-09-10",
}
CLAUSE = "1.报送作品不能含有色情、暴力因素，不能与中华人民共和国法律相抵触。"
DOC_BLOB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "WordDocument".encode("utf-16-le")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def work_docx(labels: dict[str, str] | None = None, page_break_form: bool = False) -> bytes:
    """A 作品登记表 as units retype it in Word: merged cells, a synopsis row, a signature row."""
    labels = {"contact": "联 系 人", "phone": "联系电话", **(labels or {})}
    doc = Document()
    doc.add_paragraph("第六届山西省社会主义核心价值观主题微电影（微视频）征集展示活动")
    doc.add_paragraph("作品登记表")
    table = doc.add_table(rows=8, cols=4)
    rows = [
        ("作品名称", WORK["title"], None, None),
        ("作品类型", WORK["work_type"], "片长", "12 分钟"),
        ("报送单位（盖章）", WORK["unit"], None, None),
        ("主创人员", "张伟、李娜、王强", None, None),
        (labels["contact"], WORK["contact"], labels["phone"], WORK["phone"]),
        ("通讯地址", WORK["address"], None, None),
        ("作品简介（500字）", SYNOPSIS, None, None),
    ]
    for r, (a, b, c, d) in enumerate(rows):
        cells = table.rows[r].cells
        cells[0].text = a
        if c is None:
            merged = cells[1].merge(cells[3])
            merged.text = b
        else:
            cells[1].text, cells[2].text, cells[3].text = b, c, d
    sign = table.rows[7].cells[0].merge(table.rows[7].cells[3])
    sign.text = "相关协议，签名同意"
    sign.add_paragraph(CLAUSE)
    sign.add_paragraph("签名：                日期：2023年9月10日")
    if page_break_form:
        doc.add_page_break()
        doc.add_paragraph("作品授权书")
        auth = doc.add_table(rows=2, cols=2)
        auth.rows[0].cells[0].text, auth.rows[0].cells[1].text = "作品名称", WORK["title"]
        auth.rows[1].cells[0].text, auth.rows[1].cells[1].text = "授权人", "张伟"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def work_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["作品登记表"])
    sheet.merge_cells("A1:D1")
    sheet.append(["作品名称", WORK["title"], "作品类型", WORK["work_type"]])
    sheet.append(["片长", "12分钟", "报送单位（盖章）", WORK["unit"]])
    sheet.append(["主创人员", WORK["creators"], None, None])
    sheet.append(["联系人", WORK["contact"], "联系电话", 13834567890])
    sheet.append(["地址", WORK["address"], None, None])
    sheet.append(["作品简介（500字）", SYNOPSIS, None, None])
    sheet.merge_cells("B6:D6")
    sheet.merge_cells("B7:D7")
    sheet.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def message(subject: str = "晋中市委宣传部报送作品登记表") -> EmailMessage:
    msg = EmailMessage(policy=default_policy)
    msg["From"] = "晋中市委宣传部 <jz@example.cn>"
    msg["To"] = "office@example.cn"
    msg["Subject"] = subject
    msg["Date"] = "Sun, 10 Sep 2023 10:00:00 +0800"
    msg.set_content("您好，附件为我单位报送的作品登记表，请查收。")
    msg.add_attachment(work_docx(), maintype="application", subtype=DOCX.split("/")[1],
                       filename="作品登记表（大山里的灯）.docx")
    msg.add_attachment(work_xlsx(), maintype="application", subtype=XLSX.split("/")[1],
                       filename="报送汇总.xlsx")
    msg.add_attachment(DOC_BLOB, maintype="application", subtype="msword",
                       filename="作品授权书.doc")
    msg.add_attachment(work_docx(), maintype="application", subtype="pdf",
                       filename="../../etc/授权书.pdf")  # a .docx under a hostile PDF name
    return msg


@pytest.fixture
def eml(tmp_path):
    path = tmp_path / "jinzhong.eml"
    path.write_bytes(message().as_bytes())
    return path


def test_eml_attachments_decoded_and_sniffed(eml):
    raw = eml.read_bytes()
    assert "作品登记表".encode() not in raw.split(b"\n\n", 1)[0]  # headers really are encoded
    atts = mail.read_attachments(str(eml))
    assert [a.filename for a in atts] == [
        "作品登记表（大山里的灯）.docx", "报送汇总.xlsx", "作品授权书.doc", "../../etc/授权书.pdf"]
    assert [a.kind for a in atts] == ["docx", "xlsx", "doc", "docx"]  # .doc: for LibreOffice
    assert all(a.path == str(eml) and a.message_number is None for a in atts)
    assert atts[0].message.subject == "晋中市委宣传部报送作品登记表"
    assert atts[0].message.sender == "晋中市委宣传部 <jz@example.cn>"
    assert atts[0].message.date == "Sun, 10 Sep 2023 10:00:00 +0800"
    assert atts[2].reason is None  # LibreOffice converts it when it is read
    assert atts[3].safe_name == "授权书.pdf"
    assert atts[0].safe_name == "作品登记表（大山里的灯）.docx"


def test_rfc2231_and_gbk_encoded_names(tmp_path):
    assert b"filename*=utf-8''" in message().as_bytes()  # add_attachment writes RFC 2231
    # Foxmail style: an RFC 2047 word in GBK inside the quoted parameter.
    gbk = "=?GBK?B?" + base64.b64encode("作品登记表.docx".encode("gbk")).decode()
    part = EmailMessage(policy=default_policy)
    part["Subject"] = "=?GB2312?B?" + base64.b64encode(
        "作品登记表".encode("gb2312")).decode() + "?="
    part["From"] = "a@example.cn"
    part.set_content("x")
    part.add_attachment(work_docx(), maintype="application", subtype="octet-stream",
                        filename="placeholder.docx")
    data = part.as_bytes().replace(b'filename="placeholder.docx"',
                                   f'filename="{gbk}?="'.encode())
    path = tmp_path / "gbk.eml"
    path.write_bytes(data)
    (att,) = mail.read_attachments(str(path))
    assert att.filename == "作品登记表.docx" and att.kind == "docx"
    assert att.message.subject == "作品登记表"


def test_raw_utf8_header_bytes(tmp_path):
    data = ("From: a@example.cn\r\nSubject: 作品登记表\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
            "Content-Type: text/plain\r\n\r\nhi\r\n--XX\r\n"
            "Content-Type: application/octet-stream\r\n"
            'Content-Disposition: attachment; filename="登记表.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n").encode()
    path = tmp_path / "raw.eml"
    path.write_bytes(data)
    (att,) = mail.read_attachments(str(path))
    assert (att.filename, att.kind, att.message.subject) == ("登记表.pdf", "pdf", "作品登记表")


def test_mbox_numbers_messages_and_keeps_names_unique(tmp_path):
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(path))
    box.add(message("第一封").as_bytes())
    plain = EmailMessage()
    plain["From"], plain["Subject"] = "b@example.cn", "无附件"
    plain.set_content("稍后发送")
    box.add(plain.as_bytes())
    box.add(message("第三封").as_bytes())
    box.close()
    atts = mail.read_attachments(str(path))
    assert [a.message_number for a in atts] == ["1"] * 4 + ["3"] * 4
    assert [a.message.subject for a in atts][::4] == ["第一封", "第三封"]
    names = [a.safe_name for a in atts]
    assert len(set(names)) == len(names)
    assert names[4] == "作品登记表（大山里的灯）-2.docx"


def test_message_without_attachment_and_unreadable_files(tmp_path):
    plain = EmailMessage()
    plain["From"], plain["Subject"] = "b@example.cn", "询问"
    plain.set_content("请问截止日期？")
    path = tmp_path / "q.eml"
    path.write_bytes(plain.as_bytes())
    assert mail.read_attachments(str(path)) == []
    for name, data in (("empty.eml", b""), ("junk.eml", b"\x00\x01binary junk")):
        bad = tmp_path / name
        bad.write_bytes(data)
        with pytest.raises(InputError):
            mail.read_attachments(str(bad))
    with pytest.raises(InputError, match="cannot open"):
        mail.read_attachments(str(tmp_path / "missing.eml"))


def test_loose_files_sniffed_by_content(tmp_path):
    (tmp_path / "sub").mkdir()
    files = {"a.docx": work_docx(), "sub/b.pdf": b"%PDF-1.4\n", "c.xlsx": work_xlsx(),
             "d.wps": DOC_BLOB, "e.txt": b"hello", "mislabelled.pdf": work_docx(),
             ".hidden": b"x"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    found = filetypes.discover([str(tmp_path)])
    assert [p.removeprefix(str(tmp_path) + "/") for p in found] == [
        "a.docx", "c.xlsx", "d.wps", "e.txt", "mislabelled.pdf", "sub/b.pdf"]
    kinds = {p.rsplit("/", 1)[1]: mail.read_attachments(p) for p in found}
    assert {k: v[0].kind for k, v in kinds.items()} == {
        "a.docx": "docx", "c.xlsx": "xlsx", "d.wps": "doc", "e.txt": "unreadable",
        "mislabelled.pdf": "docx", "b.pdf": "pdf"}
    assert all(v[0].message is None and v[0].message_number is None for v in kinds.values())
    assert kinds["d.wps"][0].reason is None  # converted by LibreOffice when read


@pytest.mark.parametrize("given, expected", [
    ("../../etc/x.docx", "x.docx"),
    ("/tmp/x.docx", "x.docx"),
    ("C:\\x\\y.docx", "y.docx"),
    ("C:y.docx", "y.docx"),
    ("", "attachment-7.bin"),
    ("..", "attachment-7.bin"),
    (" . ", "attachment-7.bin"),
    ("a\x00b\u202e.docx", "ab.docx"),
    ("作品:登记表?.docx", "作品_登记表_.docx"),
    ("CON.docx", "_CON.docx"),
    ("作" * 200 + ".docx", "作" * 48 + ".docx"),
])
def test_safe_name_never_escapes(given, expected, tmp_path):
    name = mail.safe_name(given, 7)
    assert name == expected
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


def synthetic(page: mail.SyntheticPage):
    """The layout the pipeline builds for a Word or Excel file's synthetic page."""
    return layout.from_cells(page.lines, page.cells, page.size)


def _read(page_layout):
    verdict = classify(page_layout)
    schema = schemas()[verdict.form_type]
    fields = read_fields(schema, page_layout, 1).fields
    return verdict.form_type, {k: f.value for k, f in fields.items()}


@pytest.mark.parametrize("labels", [{}, {"contact": "联系人", "phone": "电话"}])
def test_docx_form_classified_and_extracted(labels):
    form_type, values = _read(synthetic(mail.docx_pages(work_docx(labels))[0]))
    assert form_type is FormType.WORK_REGISTRATION
    assert values == WORK


def test_docx_merged_cells_are_one_box():
    [page] = mail.docx_pages(work_docx())
    lines, cells = page.lines, page.cells
    assert len(cells) == 2 + 4 + 2 + 2 + 4 + 2 + 2 + 1  # rows of 2 or 4 cells, one full row
    texts = [ln.text for ln in lines]
    assert texts.count(WORK["title"]) == 1  # a merged cell is read once
    for ln in lines:
        assert len(ln.words) == len(ln.text)
        assert all(b[1] >= ln.bbox[1] and b[3] <= ln.bbox[3] for b in (w.bbox for w in ln.words))


def test_docx_vertical_merge_spans_rows():
    doc = Document()
    doc.add_paragraph("作品登记表")
    table = doc.add_table(rows=3, cols=2)
    label = table.cell(0, 0).merge(table.cell(1, 0))
    label.text = "作品简介（500字）"
    table.cell(0, 1).text, table.cell(1, 1).text = SYNOPSIS[:20], SYNOPSIS[20:]
    table.cell(2, 0).text, table.cell(2, 1).text = "作品名称", WORK["title"]
    buffer = io.BytesIO()
    doc.save(buffer)
    [page] = mail.docx_pages(buffer.getvalue())
    lines, cells = page.lines, page.cells
    assert len(cells) == 5
    label_box = cells[0]
    assert label_box[3] == cells[3][1]  # the merged label reaches down to the third row
    assert [ln.text for ln in lines].count("作品简介（500字）") == 1


def test_docx_pages_split_at_page_breaks():
    pages = mail.docx_pages(work_docx(page_break_form=True))
    assert len(pages) == 2
    kinds = [classify(synthetic(p)).form_type for p in pages]
    assert kinds == [FormType.WORK_REGISTRATION, FormType.WORK_AUTHORIZATION]


def test_xlsx_form_classified_and_extracted():
    form_type, values = _read(synthetic(mail.xlsx_page(work_xlsx())))
    assert form_type is FormType.WORK_REGISTRATION
    expected = {k: v for k, v in WORK.items() if k != "date"}
    assert {k: values[k] for k in expected} == expected
