"""The batch runner's rules on both sources, without OCR: text-layer PDFs only.

One resume rule (only missing manifest lines are read again), one duplicate rule (the same
content from another place is kept once), and ``--config`` honoured by the reading commands.
"""

from __future__ import annotations

import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pymupdf
from conftest import read_jsonl

from pipeline.api import read_email, scan
from pipeline.batch import BatchOptions
from pipeline.store import Store

FONT = "china-s"
AUTHORIZATION = [
    "作品授权书",
    "作品名称：太行山下",
    "授权人：李明",
    "报送单位（盖章）：中共晋中市委宣传部",
    "联系人：王芳    联系电话：13512345678",
    "授权人签名：",
    "日期：2023年9月1日",
]


def authorization_pdf(pages: int, title: str = "太行山下") -> bytes:
    """A Word-exported 作品授权书 (a real text layer), one form per page."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=595, height=842)
        for i, line in enumerate(AUTHORIZATION):
            text = line.replace("太行山下", f"{title}{n + 1}")
            page.insert_text((60, 80 + 40 * i), text, fontname=FONT, fontsize=14)
    return doc.tobytes()


def mail_with(pdf: bytes, name: str = "授权书.pdf") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "jz@example.cn", "office@example.cn", "报送作品"
    msg.set_content("附件为作品授权书。")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return msg.as_bytes()


def test_a_multi_page_pdf_attachment_read_half_way_is_completed(tmp_path):
    mails = tmp_path / "mail"
    mails.mkdir()
    (mails / "a.eml").write_bytes(mail_with(authorization_pdf(3)))
    out = tmp_path / "out"
    read_email([str(mails)], out, BatchOptions(progress=False))
    complete = read_jsonl(out / "manifest.jsonl")
    assert [m["page"] for m in complete] == [1, 2, 3]
    assert {m["route"] for m in complete} == {"text-layer"}
    records = read_jsonl(out / "records.jsonl")
    assert [r["fields"]["title"]["value"] for r in records] == ["太行山下1", "太行山下2",
                                                                "太行山下3"]
    # As if the run had died after the first page.
    store = Store(out)
    with store.transaction():
        store.db.execute("DELETE FROM manifest WHERE page > 1")
    store.close()
    read_email([str(mails)], out, BatchOptions(progress=False))
    assert read_jsonl(out / "manifest.jsonl") == complete
    assert read_jsonl(out / "records.jsonl") == records


def test_the_same_attachment_in_two_mails_is_kept_once(tmp_path):
    mails = tmp_path / "mail"
    mails.mkdir()
    pdf = authorization_pdf(1)
    (mails / "a.eml").write_bytes(mail_with(pdf))
    (mails / "b.eml").write_bytes(mail_with(pdf, "转发-授权书.pdf"))
    out = tmp_path / "out"
    summary = read_email([str(mails)], out, BatchOptions(progress=False))
    manifest = read_jsonl(out / "manifest.jsonl")
    assert [m["status"] for m in manifest] == ["ok", "duplicate"]
    assert manifest[0]["doc_id"] == manifest[1]["doc_id"]
    assert "a.eml [授权书.pdf] page 1" in manifest[1]["error"]
    (record,) = read_jsonl(out / "records.jsonl")
    assert "duplicate" in record["flags"] and summary.duplicates == 1


def test_scan_and_email_honour_the_config(tmp_path):
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "envelope.pdf").write_bytes(authorization_pdf(1))
    office = tmp_path / "office.yaml"
    office.write_text('deadlines: {work_authorization: "2023-08-31"}\n', encoding="utf-8")
    formscan = [sys.executable, "-m", "pipeline"]
    for config, out in (([], tmp_path / "default"), (["--config", str(office)],
                                                     tmp_path / "office")):
        run = subprocess.run([*formscan, "scan", str(paper), "--out", str(out), *config],
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    flags = {out: read_jsonl(tmp_path / out / "records.jsonl")[0]["flags"]
             for out in ("default", "office")}
    assert "late" not in flags["default"] and "late" in flags["office"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("deadline: 2023-08-31\n", encoding="utf-8")  # misspelt key
    run = subprocess.run([*formscan, "email", str(paper), "--out", str(tmp_path / "x"),
                          "--config", str(bad)], capture_output=True, text=True)
    assert run.returncode == 4 and "deadlines" in run.stderr


def test_scan_of_the_same_text_pdf_as_paper_and_by_email_are_two_documents(tmp_path):
    """Paper and email are two origins: one PDF read by both is a pair, not a duplicate."""
    pdf = authorization_pdf(1)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "scan.pdf").write_bytes(pdf)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.eml").write_bytes(mail_with(pdf))
    out = tmp_path / "out"
    scan([str(tmp_path / "p")], out, BatchOptions(progress=False))
    read_email([str(tmp_path / "m")], out, BatchOptions(progress=False))
    records = read_jsonl(out / "records.jsonl")
    assert sorted(r["origin"] for r in records) == ["email", "paper"]
    assert all("duplicate" not in r["flags"] for r in records)
    assert Path(out / "attachments").is_dir()
