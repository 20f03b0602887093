"""People's corrections: the office edits records.xlsx, imports it, and the records, flags,
audit and every later scan follow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import read_jsonl

from pipeline.api import import_corrections, scan
from pipeline.batch import BatchOptions
from pipeline.contest import default_contest
from pipeline.corrections import CorrectionsRefused

ROOT = Path(__file__).resolve().parents[1]
TEXT_PDF = ROOT / "samples" / "paper" / "submission_01.pdf"  # a work registration form


FIRST = 3  # the sheet's first document: below its (hidden) key row and its row of words


def _edit(sheet_path: Path, changes: dict[str, str], title: bool = True) -> None:
    """Edit the first document's cells as the office would in WPS/Excel."""
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for key, value in changes.items():
        sheet.cell(FIRST, header.index(key) + 1).value = value
    if title:  # a Chinese title row above the key row
        sheet.insert_rows(1)
        sheet["A1"] = "作品登记表汇总（已核对）"
    book.save(sheet_path)


@pytest.fixture
def batch(tmp_path):
    out = tmp_path / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    return out


@pytest.mark.ocr
def test_an_edited_cell_becomes_a_correction_and_the_audit_follows(batch, tmp_path):
    (before,) = read_jsonl(batch / "records.jsonl")
    assert "unknown_unit" not in before["flags"] and "late" not in before["flags"]
    sheet = tmp_path / "edited.xlsx"
    sheet.write_bytes((batch / "records.xlsx").read_bytes())
    _edit(sheet, {"unit": "某某文化公司", "date": "2023-12-30"})
    run = subprocess.run([sys.executable, "-m", "pipeline", "import-corrections", str(sheet),
                          "--out", str(batch), "--who", "王老师"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "导入更正 2 处" in run.stdout and "某某文化公司" in run.stdout
    (after,) = read_jsonl(batch / "records.jsonl")
    unit, date = after["fields"]["unit"], after["fields"]["date"]
    assert (unit["value"], unit["corrected"]) == ("某某文化公司", True)
    assert (date["value"], date["corrected"]) == ("2023-12-30", True)
    assert {"unknown_unit", "late"} <= set(after["flags"])  # the checks ran again at once
    audit = pd.read_csv(batch / "audit.csv", dtype=str, keep_default_na=False)
    assert "报送单位不在名单中" in audit.loc[0, "missing"] and "逾期" in audit.loc[0, "missing"]


@pytest.mark.ocr
def test_a_rescan_keeps_the_correction(batch, tmp_path):
    sheet = tmp_path / "edited.xlsx"
    sheet.write_bytes((batch / "records.xlsx").read_bytes())
    _edit(sheet, {"contact": "李四"}, title=False)
    import_corrections(sheet, batch, default_contest())
    # Read again from scratch (the file forgotten, then scanned): the correction stays.
    subprocess.run([sys.executable, "-m", "pipeline", "forget", str(TEXT_PDF), "--out",
                    str(batch)], check=True, capture_output=True, timeout=120)
    scan([str(TEXT_PDF)], batch, BatchOptions(progress=False, workers=1))
    (record,) = read_jsonl(batch / "records.jsonl")
    assert record["fields"]["contact"] == {**record["fields"]["contact"], "value": "李四",
                                           "corrected": True}


@pytest.mark.ocr
def test_cells_of_unknown_documents_or_columns_are_refused_by_address(batch, tmp_path):
    sheet = tmp_path / "edited.xlsx"
    sheet.write_bytes((batch / "records.xlsx").read_bytes())
    book = openpyxl.load_workbook(sheet)
    ws = book.active
    ws.cell(FIRST, 1).value = "0123456789abcdef"  # a doc_id this batch does not hold
    ws.cell(1, ws.max_column + 1).value = "备注"  # a column formscan does not know
    book.save(sheet)
    with pytest.raises(CorrectionsRefused) as refused:
        import_corrections(sheet, batch, default_contest())
    assert "A3: no document '0123456789abcdef'" in str(refused.value)
    assert "unknown column '备注'" in str(refused.value)
    (record,) = read_jsonl(batch / "records.jsonl")
    assert not any(f.get("corrected") for f in record["fields"].values())  # nothing imported


@pytest.mark.ocr
def test_an_edit_in_reconciliation_xlsx_corrects_the_paper_copy(batch, tmp_path):
    run = subprocess.run([sys.executable, "-m", "pipeline", "reconcile", "--out", str(batch)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    (paper,) = read_jsonl(batch / "records.jsonl")
    sheet = tmp_path / "reconciliation.xlsx"
    sheet.write_bytes((batch / "reconciliation.xlsx").read_bytes())
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book.active[1]]
    assert "doc_id" not in header and "paper_doc_id" in header  # the row names its copies
    book.active.cell(FIRST, header.index("unit") + 1).value = "省委教育工委"
    book.save(sheet)
    done = import_corrections(sheet, batch, default_contest(), who="王老师")
    assert done.changed == [(paper["doc_id"], "unit", paper["fields"]["unit"]["value"],
                             "省委教育工委")]
    (after,) = read_jsonl(batch / "records.jsonl")
    assert after["fields"]["unit"] == {**after["fields"]["unit"], "value": "省委教育工委",
                                       "corrected": True}
    pairs = pd.read_csv(batch / "reconciliation.csv", dtype=str, keep_default_na=False)
    assert list(pairs["unit"]) == ["省委教育工委"]  # the reconciliation ran again



def test_an_archive_larger_than_a_sheet_is_split_and_imported_from_every_sheet(tmp_path,
                                                                               monkeypatch):
    import pipeline.store
    from pipeline import refresh
    from pipeline.model import EntryStatus, Field, FormType, Location, ManifestEntry, Origin, Record
    from pipeline.store import Store

    monkeypatch.setattr(pipeline.store, "SHEET_ROWS", 2)  # a sheet holds 1,048,575 rows
    out = tmp_path / "out"
    store = Store(out)
    with store.transaction():
        for n in range(5):
            record = Record(f"doc{n}", Origin.PAPER, FormType.WORK_AUTHORIZATION,
                            Location(f"s{n}.pdf", [1]),
                            fields={"title": Field(f"作品{n}", 0.99, 1, None)})
            store.put_record(record)
            store.put_entry(ManifestEntry(f"s{n}.pdf", 1, EntryStatus.OK, doc_id=f"doc{n}"))
    refresh.export(store, default_contest(), "zh", None)
    store.close()
    book = openpyxl.load_workbook(out / "records.xlsx")
    assert book.sheetnames == ["records", "records-2", "records-3"]
    assert [[c.value for c in book[name]["A"]][2:] for name in book.sheetnames] == [
        ["doc0", "doc1"], ["doc2", "doc3"], ["doc4"]]  # each sheet with its key row
    header = [c.value for c in book["records-3"][1]]
    book["records-3"].cell(FIRST, header.index("title") + 1).value = "作品四（更正）"
    book["records-2"]["A4"] = "nobody"
    book.save(tmp_path / "edited.xlsx")
    with pytest.raises(CorrectionsRefused, match=r"records-2!A4: no document 'nobody'"):
        import_corrections(tmp_path / "edited.xlsx", out, default_contest())
    book["records-2"]["A4"] = "doc3"
    book.save(tmp_path / "edited.xlsx")
    done = import_corrections(tmp_path / "edited.xlsx", out, default_contest())
    assert done.changed == [("doc4", "title", "作品4", "作品四（更正）")] and done.documents == 5
