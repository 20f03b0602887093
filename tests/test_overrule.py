"""The people's word is final: verdicts and judgements a person overrules, flags settled with
a reason, values typed as people type them — laid over the record, never undone by a check,
a reconciliation or a rescan; copies of a sheet exported at different times never undo each
other (no OCR: batches built from records)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import read_jsonl

from pipeline import api, refresh
from pipeline.checks import apply_checks
from pipeline.contest import default_contest
from pipeline.corrections import CorrectionsRefused
from pipeline.forms import schemas
from pipeline.model import (
    ConsentVerdict,
    EntryStatus,
    Field,
    Flag,
    FlagKind,
    FormType,
    Location,
    ManifestEntry,
    Mark,
    Origin,
    Record,
    Route,
)
from pipeline.overrule import Refused, overrule, parse
from pipeline.review import Station
from pipeline.store import Store

CONTEST = default_contest()
AUTH = FormType.WORK_AUTHORIZATION
FIRST = 3  # a sheet's first document: below its hidden key row and its row of words


def _record(doc_id: str = "a1", **values: str | None) -> Record:
    base = {"title": "太行山下", "author": "李明", "unit": "中共晋中市委宣传部",
            "contact": "王芳", "phone": "13512345678", "date": "2023-09-01", **values}
    record = Record(doc_id, Origin.PAPER, AUTH, Location(f"{doc_id}.pdf", [1]),
                    fields={k: Field(v, 0.99, 1, [10, 10, 90, 40]) for k, v in base.items()},
                    signature=Mark(False, 0.7, [100, 100, 200, 150]),
                    seal=Mark(True, 0.9, [300, 300, 400, 400], text="中共晋中市委宣传部"),
                    consent=[ConsentVerdict(n, n != 2, 0.9 if n != 2 else 0.3)
                             for n in range(1, 5)], route=Route.OCR)
    apply_checks(record, schemas()[AUTH], CONTEST)
    return record


def test_a_persons_word_on_each_verdict_is_laid_over_what_was_read():
    record = _record()
    assert {"missing_signature", "clause_missing:2"} <= set(record.flag_names)
    values = {key: parse(record, key, value) for key, value in (
        ("signature", "有"), ("clause:2", "是"), ("seal", "yes"), ("duplicate", "否"),
        ("phone", "156 8332 8698"), ("date", "2023/9/1"))}
    assert values == {"signature": "yes", "clause:2": "yes", "seal": "yes", "duplicate": "no",
                      "phone": "15683328698", "date": "2023-09-01"}
    overrule(record, values)
    apply_checks(record, schemas()[AUTH], CONTEST)  # the checks follow, the word stands
    assert record.signature.present and record.signature.corrected
    assert record.consent[1].present and record.consent[1].corrected
    assert not {"missing_signature", "clause_missing:2"} & set(record.flag_names)
    assert record.fields["phone"].raw == "13512345678"  # what was read is kept


def test_a_dismissed_flag_stays_away_whichever_step_raises_it_again():
    record = _record()
    overrule(record, {"dismiss:missing_signature": "已核对原件：有签名"})
    apply_checks(record, schemas()[AUTH], CONTEST)
    assert "missing_signature" not in record.flag_names
    assert record.dismissed == {"missing_signature": "已核对原件：有签名"}
    assert Record.from_dict(record.to_dict()).dismissed == record.dismissed


def test_values_a_key_cannot_hold_are_refused_with_what_it_takes():
    record = _record()
    with pytest.raises(Refused) as bad:
        parse(record, "signature", "也许")
    assert bad.value.reason.code.value == "bad_value" and "有/无" in str(bad.value)
    with pytest.raises(Refused):
        parse(record, "work_type", "微电影")  # the authorization prints no work type
    assert parse(record, "form_type", "作品登记表") == "work_registration"
    assert parse(record, "form_type", "非比赛表格") == "unknown"


def test_a_cleared_date_is_missing_not_unread():
    record = _record()
    record.fields["date"] = Field(None, 0.0, 1, None, ink=True)  # OCR saw writing there
    apply_checks(record, schemas()[AUTH], CONTEST)
    assert "unread:date" in record.flag_names
    overrule(record, {"date": None})  # a person looked: nothing is written there
    apply_checks(record, schemas()[AUTH], CONTEST)
    assert "missing_date" in record.flag_names and "unread:date" not in record.flag_names


def _batch(tmp_path: Path, records: list[Record]) -> Path:
    out = tmp_path / "out"
    with Store(out) as store:
        with store.transaction():
            for r in records:
                store.put_record(r)
                store.put_entry(ManifestEntry(r.source.path, 1, EntryStatus.OK,
                                              doc_id=r.doc_id))
        refresh.refresh(store, CONTEST)
    return out


def _sheet(out: Path, copy: Path) -> Path:
    copy.write_bytes((out / "records.xlsx").read_bytes())
    return copy


def _edit(sheet: Path, doc: int, **changes: str) -> None:
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book.active[1]]
    for key, value in changes.items():
        book.active.cell(FIRST + doc, header.index(key) + 1).value = value
    book.save(sheet)


def _values(out: Path, key: str) -> list:
    return [r["fields"][key]["value"] for r in read_jsonl(out / "records.jsonl")]


def test_an_older_copy_of_the_sheet_never_undoes_a_newer_correction(tmp_path):
    out = _batch(tmp_path, [_record("a1"), _record("b2", title="汾河新路")])
    older = _sheet(out, tmp_path / "older.xlsx")  # saved by one clerk in the morning
    _edit(_sheet(out, tmp_path / "first.xlsx"), 0, phone="13900000001")
    api.import_corrections(tmp_path / "first.xlsx", out, CONTEST, who="王老师")
    newer = _sheet(out, tmp_path / "newer.xlsx")
    _edit(newer, 1, unit="省委教育工委")
    assert len(api.import_corrections(newer, out, CONTEST, who="王老师").changed) == 1
    # The morning's copy, unchanged: nothing to import, the newer corrections stay.
    assert api.import_corrections(older, out, CONTEST, who="李老师").changed == []
    assert _values(out, "phone") == ["13900000001", "13512345678"]
    assert _values(out, "unit") == ["中共晋中市委宣传部", "省委教育工委"]
    # Another cell edited in it: that cell is taken, nothing else moves.
    _edit(older, 1, contact="赵六")
    done = api.import_corrections(older, out, CONTEST, who="李老师")
    assert done.changed == [("b2", "contact", "王芳", "赵六")]
    assert _values(out, "unit") == ["中共晋中市委宣传部", "省委教育工委"]
    # A cell the batch changed since that copy was exported, changed in it too: refused by
    # its address, naming who changed it and when; --force takes it, and says so.
    _edit(older, 0, phone="13700000007")
    with pytest.raises(CorrectionsRefused) as refused:
        api.import_corrections(older, out, CONTEST, who="李老师")
    header = [c.value for c in openpyxl.load_workbook(older).active[1]]
    cell = f"{openpyxl.utils.get_column_letter(header.index('phone') + 1)}{FIRST}"
    assert refused.value.reason.code.value == "sheet_refused"
    assert f"{cell}: corrected by 王老师 at" in str(refused.value)
    assert _values(out, "phone")[0] == "13900000001"
    done = api.import_corrections(older, out, CONTEST, who="李老师", force=True)
    assert done.forced and _values(out, "phone")[0] == "13700000007"


def test_a_sheet_without_its_export_mark_is_taken_only_with_force(tmp_path):
    out = _batch(tmp_path, [_record("a1")])
    sheet = _sheet(out, tmp_path / "old.xlsx")
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book.active[1]]
    book.active.cell(FIRST, header.index("export") + 1).value = None  # as formscan 0.6 wrote
    book.active.cell(FIRST, header.index("contact") + 1).value = "赵六"
    book.save(sheet)
    with pytest.raises(CorrectionsRefused) as refused:
        api.import_corrections(sheet, out, CONTEST)
    assert refused.value.reason.code.value == "sheet_unmarked"
    assert api.import_corrections(sheet, out, CONTEST, force=True).changed


def test_overruling_the_signature_in_the_sheet_clears_every_output(tmp_path):
    out = _batch(tmp_path, [_record("a1")])
    assert "缺签名" in (out / "audit.csv").read_text(encoding="utf-8-sig")
    assert [letter.unit for letter in api.letters(out, CONTEST).letters] == ["中共晋中市委宣传部"]
    sheet = _sheet(out, tmp_path / "edited.xlsx")
    _edit(sheet, 0, signature="有", **{"clause:2": "有"})
    assert len(api.import_corrections(sheet, out, CONTEST, who="王老师").changed) == 2
    (record,) = read_jsonl(out / "records.jsonl")
    assert record["signature"]["present"] and record["signature"]["corrected"]
    assert not {"missing_signature", "clause_missing:2"} & set(record["flags"])
    assert record["status"] == "ok"
    audit = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert audit.empty  # nothing left to chase
    units = pd.read_csv(out / "units.csv", dtype=str, keep_default_na=False).set_index("unit")
    assert units.loc["中共晋中市委宣传部", "missing_signatures"] == "0"
    page = (out / "report.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="data">')[1].split("</script>")[0])
    assert data["documents"][0]["flags"] == []
    assert api.letters(out, CONTEST).letters == []  # nothing left to write to the unit about


def test_a_csv_saved_by_wps_in_gbk_imports_like_the_sheet(tmp_path):
    out = _batch(tmp_path, [_record("a1")])
    rows = list(csv.reader(io.StringIO((out / "records.csv").read_text(encoding="utf-8-sig"))))
    rows[1][rows[0].index("seal")] = "无"
    rows[1][rows[0].index("phone")] = "139 1234 5678"
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)
    done = api.import_corrections(edited, out, CONTEST)
    assert sorted(done.changed) == [("a1", "phone", "13512345678", "13912345678"),
                                    ("a1", "seal", "yes", "no")]
    (record,) = read_jsonl(out / "records.jsonl")
    assert "missing_seal" in record["flags"]


def test_a_file_that_is_no_sheet_is_refused_in_chinese(tmp_path):
    out = _batch(tmp_path, [_record("a1")])
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4")
    with pytest.raises(CorrectionsRefused) as refused:
        api.import_corrections(notes, out, CONTEST)
    from pipeline.i18n import say

    assert "请另存为 .xlsx 或 .csv" in say(refused.value.reason, "zh")


def test_the_station_refuses_a_change_made_meanwhile_and_settles_what_it_looked_at(tmp_path):
    record = _record("a1", unit="中共晋中市委宝专部")  # read wrong: unknown_unit
    out = _batch(tmp_path, [record])
    station = Station(out, CONTEST, "王老师")
    view = station.correct("a1", "phone", "13900000001", shown="13512345678")
    assert view.fields["phone"].value == "13900000001"
    with pytest.raises(Refused) as meanwhile:  # a second clerk's page still shows the old one
        Station(out, CONTEST, "李老师").correct("a1", "phone", "13700000007",
                                                 shown="13512345678")
    assert meanwhile.value.reason.code.value == "changed_since"
    assert meanwhile.value.reason.params["who"] == "王老师"
    view = station.correct("a1", "form_type", "作品登记表", shown="work_authorization")
    assert view.form_type == "work_registration"
    station.correct("a1", "form_type", "work_authorization")
    assert {"unknown_unit", "missing_signature"} <= set(read_jsonl(out / "records.jsonl")[0][
        "flags"])
    station.mark_done("a1")  # looked at: the unit is settled; the signature is the unit's
    (after,) = read_jsonl(out / "records.jsonl")
    assert "unknown_unit" not in after["flags"] and "missing_signature" in after["flags"]
    assert after["dismissed"] == {"unknown_unit": "已复核"}


def test_a_person_filling_the_unit_is_said_as_its_source(tmp_path):
    out = _batch(tmp_path, [_record("a1", unit=None)])
    Station(out, CONTEST, "王老师").correct("a1", "unit", "省直机关工委")
    audit = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert audit.empty or "人工更正" in set(audit["unit_from"])
    book = openpyxl.load_workbook(out / "records.xlsx")
    header = [c.value for c in book.active[1]]
    assert book.active.cell(FIRST, header.index("unit_listed") + 1).value == "省直机关工委"
    flagless = Record.from_dict(read_jsonl(out / "records.jsonl")[0])
    assert flagless.fields["unit"].corrected and Flag(FlagKind.MISSING_FIELD, "unit") not in (
        flagless.flags)


def test_a_reviewed_document_says_so_in_the_audit_and_keeps_what_the_unit_owes(tmp_path):
    out = _batch(tmp_path, [_record("a1")])
    Station(out, CONTEST, "王老师").mark_done("a1")
    audit = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert list(audit["reviewed"]) == ["已复核（王老师）"] and "缺签名" in audit.loc[0, "missing"]


@pytest.mark.office
def test_a_legacy_excel_sheet_is_read_through_libreoffice(tmp_path):
    from pipeline.mail import legacy

    out = _batch(tmp_path, [_record("a1")])
    sheet = _sheet(out, tmp_path / "edited.xlsx")
    _edit(sheet, 0, contact="赵六")
    xls = tmp_path / "edited.xls"
    xls.write_bytes(legacy.convert(sheet.read_bytes(), "xlsx", "xls"))
    assert api.import_corrections(xls, out, CONTEST).changed == [("a1", "contact", "王芳", "赵六")]
