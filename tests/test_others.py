"""Pages that are no contest form (a unit's cover letter, an invoice, another office's form)
are set apart: listed, shown in the report's own section, and kept out of the review queue,
reconciliation, quotas, the audit and the letters. A form whose type is only a guess is said
to be one, and its missing blocks do not rank it above the forms known for sure. Batches made
of records by hand, no OCR."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from pipeline import i18n
from pipeline.api import audit, import_corrections, letters, reconcile
from pipeline.batch import not_a_form
from pipeline.contest import load_contest
from pipeline.errors import Code
from pipeline.model import (
    EntryStatus,
    Field,
    Flag,
    FlagKind,
    FormType,
    Location,
    ManifestEntry,
    Mark,
    Origin,
    OtherKind,
    Record,
    Status,
)
from pipeline.review import Station
from pipeline.store import Store

CONTEST = load_contest()
JINZHONG = "中共晋中市委宣传部"
FILLED = {"work_type": "纪录片", "duration": "8分钟", "creators": "张三",
          "synopsis": "一个故事。", "contact": "王芳", "phone": "13512345678",
          "address": "晋中市榆次区", "date": "2023-09-01"}


def paper(n: int, form_type: FormType, unit: str | None, flags: tuple[Flag, ...] = (),
          other: OtherKind | None = None, title: str | None = None,
          signed: bool = True, sealed: bool = True) -> Record:
    fields = {"unit": Field(unit, 0.95, 1, None)} if unit else {}
    if title:
        fields["title"] = Field(title, 0.99, 1, None)
    if form_type is FormType.WORK_REGISTRATION:  # filled in whole
        fields |= {k: Field(v, 0.99, 1, None) for k, v in FILLED.items()}
    marks = {} if other else {"signature": Mark(signed, 0.9), "seal": Mark(sealed, 0.9)}
    record = Record(f"p{n}", Origin.PAPER, form_type, Location(f"scan_{n}.jpg", [1]),
                    fields=fields, other=other, **marks)
    record.update_status()
    for flag in flags:
        record.add_flag(flag)
    return record


def batch_of(tmp_path: Path) -> Path:
    records = [
        paper(1, FormType.WORK_REGISTRATION, JINZHONG, title="回家", sealed=False),
        paper(2, FormType.UNKNOWN, JINZHONG, other=OtherKind.COVER_LETTER),
        paper(3, FormType.UNKNOWN, None, other=OtherKind.OTHER),
        paper(4, FormType.WORK_AUTHORIZATION, JINZHONG, (Flag(FlagKind.FORM_GUESSED),),
              title="回家", signed=False),
    ]
    out = tmp_path / "out"
    store = Store(out)
    with store.transaction():
        for record in records:
            store.put_record(record)
            entry = ManifestEntry(record.source.path, 1, EntryStatus.OK, doc_id=record.doc_id)
            if record.status is Status.NOT_A_FORM:
                entry.status, entry.reason = EntryStatus.SKIPPED, not_a_form(record)
            store.put_entry(entry)
    store.close()
    reconcile(out, CONTEST)
    return out


def test_a_page_that_is_no_form_has_its_own_status_and_reason():
    letter = paper(2, FormType.UNKNOWN, JINZHONG, other=OtherKind.COVER_LETTER)
    other = paper(3, FormType.UNKNOWN, None, other=OtherKind.OTHER)
    assert letter.status is other.status is Status.NOT_A_FORM and not letter.flags
    assert i18n.say(not_a_form(letter)).startswith(f"报送函（{JINZHONG}）")
    assert not_a_form(other).code is Code.NOT_A_FORM
    assert "其他文件" in i18n.say(not_a_form(other))
    unread = paper(5, FormType.UNKNOWN, None, other=OtherKind.COVER_LETTER)
    assert not_a_form(unread).code is Code.COVER_LETTER_NO_UNIT
    back = Record.from_dict(json.loads(json.dumps(letter.to_dict())))
    assert (back.other, back.status) == (OtherKind.COVER_LETTER, Status.NOT_A_FORM)


def test_no_form_stays_out_of_reconciliation_audit_quotas_and_letters(tmp_path):
    out = batch_of(tmp_path)
    with (out / "reconciliation.csv").open(encoding="utf-8-sig") as fh:
        paired = {row[k] for row in csv.DictReader(fh)
                  for k in ("paper_doc_id", "email_doc_id")}
    assert not paired & {"p2", "p3"}  # no 仅纸质版 for a cover letter or an invoice
    done = audit(out, CONTEST)
    flagged = done.refreshed.audit.flagged
    assert set(flagged["doc_id"]) == {"p1", "p4"}
    assert done.refreshed.audit.documents == 2
    units = done.refreshed.audit.units.set_index("unit")
    assert units.loc[JINZHONG, "works"] == 1  # one work; the cover letter counts for nothing
    written = letters(out, CONTEST)
    items = [i for letter in written.letters for w in letter.works for i in w.items]
    assert written.letters and all("报送函" not in i and "其他文件" not in i for i in items)
    assert {tuple(w.copies) for letter in written.letters for w in letter.works}
    assert all(w.title == "回家" for letter in written.letters for w in letter.works)


def test_the_report_lists_them_in_their_own_section_and_the_queue_leaves_them_out(tmp_path):
    out = batch_of(tmp_path)
    audit(out, CONTEST)  # writes report.html
    html = (out / "report.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>',
                                html, re.S)[1])
    assert {d["doc_id"] for d in data["documents"]} == {"p1", "p4"}
    others = {o["doc_id"]: o for o in data["others"]}
    assert others["p2"]["what"] == "报送函" and others["p2"]["unit"] == JINZHONG
    assert others["p3"]["what"] == "其他文件" and not others["p3"]["unit"]
    assert data["summary"]["documents"] == 2 and data["summary"]["others"] == 2

    flags = {d["doc_id"]: d["flags"] for d in data["documents"]}
    assert flags["p1"] == ["missing_seal"] and len(flags["p4"]) > 3
    queue = [v.doc_id for v in Station(out, CONTEST, "王老师").queue()]
    # The guessed form shows more flags, but what its guess lacks ranks it below a sure form.
    assert queue == ["p1", "p4"]


@pytest.mark.ocr
def test_a_form_typed_by_its_own_labels_alone_says_it_is_a_guess(tmp_path):
    """A page whose title was cut off, with two labels only the work registration prints,
    is that form, as a guess: flagged on the record and noted on its manifest line."""
    import pymupdf

    from pipeline.api import scan
    from pipeline.batch import BatchOptions

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    rows = ["作品名称：太行山下", "片长：8分钟", "主创人员：李明、王芳", "联系人：王芳",
            "联系电话：13512345678", "报送单位：中共晋中市委宣传部"]
    for i, row in enumerate(rows):
        page.insert_text((60, 120 + 40 * i), row, fontname="china-s", fontsize=13)
    doc.save(tmp_path / "no_title.pdf")
    out = tmp_path / "out"
    scan([str(tmp_path / "no_title.pdf")], out, BatchOptions(progress=False, workers=1))
    (record,) = [json.loads(x) for x in (out / "records.jsonl").read_text("utf-8").splitlines()]
    assert record["form_type"] == "work_registration"
    assert "low_confidence:form_type" in record["flags"] and record["status"] == "needs_review"
    (entry,) = [json.loads(x) for x in (out / "manifest.jsonl").read_text("utf-8").splitlines()]
    assert entry["status"] == "ok" and "guess" in entry["note"]


def test_a_sheet_imported_back_unchanged_passes_a_cover_letters_row(tmp_path):
    """records.xlsx shows a cover letter's unit (a form field it has no schema for): the copy
    imported back as it is changes nothing and refuses nothing; an edited form cell still
    counts."""
    import openpyxl

    out = batch_of(tmp_path)
    audit(out, CONTEST)
    sheet = out / "records.xlsx"
    done = import_corrections(sheet, out, CONTEST, who="王老师")
    assert not done.changed
    book = openpyxl.load_workbook(sheet)
    rows = list(book.active.iter_rows())
    keys = [c.value for c in rows[0]]  # the hidden key row above the printed names
    row = next(r for r in rows if any(c.value == "p1" for c in r))
    row[keys.index("title")].value = "回家（修订）"
    book.save(sheet)
    done = import_corrections(sheet, out, CONTEST, who="王老师")
    assert [(d, k, v) for d, k, _, v in done.changed] == [("p1", "title", "回家（修订）")]
