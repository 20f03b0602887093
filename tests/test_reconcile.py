"""Pairing paper and email copies, and their differences (records made by hand, no OCR)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.api import audit, reconcile
from pipeline.contest import load_contest
from pipeline.model import (
    Diff,
    EntryStatus,
    Field,
    FormType,
    Location,
    ManifestEntry,
    Origin,
    Record,
)
from pipeline.reconcile import pair_documents
from pipeline.store import Store

CONFIG = load_contest()
SYNOPSIS = "本片讲述一位乡村教师扎根山区三十年，用知识点亮孩子们梦想的故事，展现了爱岗敬业的精神。"


def work(origin: Origin, n: int, title: str, unit: str, contact: str, phone: str,
         **extra: str) -> Record:
    values = {"title": title, "work_type": "纪录片", "duration": "12分钟", "unit": unit,
              "creators": "张三、李四", "contact": contact, "phone": phone,
              "address": "山西省晋中市榆次区顺城街1号", "synopsis": SYNOPSIS,
              "date": "2023-09-01" if origin is Origin.PAPER else None, **extra}
    return Record(f"{origin.value}{n}", origin, FormType.WORK_REGISTRATION,
                  Location(f"{origin.value}.file", [n] if origin is Origin.PAPER else [],
                         None if origin is Origin.PAPER else f"作品登记表{n}.docx"),
                  fields={k: Field(v, 0.99, None, None) for k, v in values.items()})


def batch() -> tuple[list[Record], list[Record]]:
    # Two units sent works with the same short title: pairing must use unit, contact, phone.
    paper = [work(Origin.PAPER, 1, "回家", "中共晋中市委宣传部", "王芳", "13512345678"),
             work(Origin.PAPER, 2, "回家", "中共大同市委宣传部", "李明", "13698765432"),
             work(Origin.PAPER, 3, "光阴的故事", "省直机关工委", "赵六", "0351-1234567"),
             work(Origin.PAPER, 4, "只在纸上", "省委教育工委", "钱七", "13900001111")]
    email = [work(Origin.EMAIL, 1, "回家", "大同市委宣传部", "李明", "13698765432"),
             work(Origin.EMAIL, 2, "回家", "晋中市委宣传部", "王芳", "13512345687"),
             work(Origin.EMAIL, 3, "光阴的故事", "省直机关工委", "赵六", "0351-1234567",
                  synopsis=SYNOPSIS.replace("，", ",", 1)),
             work(Origin.EMAIL, 4, "只在邮件里", "中共运城市委宣传部", "孙八", "15011112222")]
    return paper, email


def test_pairs_are_an_assignment_not_first_come():
    paper, email = batch()
    pairs = {(p.paper and p.paper.doc_id, p.email and p.email.doc_id): p
             for p in pair_documents(paper + email, CONFIG)}
    assert set(pairs) == {("paper1", "email2"), ("paper2", "email1"), ("paper3", "email3"),
                          ("paper4", None), (None, "email4")}
    assert pairs[("paper4", None)].status == "paper_only"
    assert pairs[(None, "email4")].status == "email_only"


def test_differences_use_a_tolerance_that_suits_each_field():
    paper, email = batch()
    pairs = {p.paper.doc_id: p for p in pair_documents(paper + email, CONFIG) if p.paper}
    # Two digits swapped in a phone is a difference; 中共 missing from the unit is not.
    assert pairs["paper1"].diffs == [Diff("phone", "13512345678", "13512345687", 0.909)]
    assert pairs["paper2"].diffs == []
    # A synopsis with one comma read differently is the same synopsis; no date by email: fine.
    assert pairs["paper3"].diffs == []
    changed = work(Origin.EMAIL, 9, "光阴的故事", "省直机关工委", "赵六", "0351-1234567",
                   synopsis="完全不同的一段简介，讲的是另一部作品的故事。")
    [pair] = [p for p in pair_documents([paper[2], changed], CONFIG) if p.paper]
    assert [d.field for d in pair.diffs] == ["synopsis"]
    # An address one character apart is alike in wording, but a house number is a fact.
    moved = work(Origin.EMAIL, 10, "光阴的故事", "省直机关工委", "赵六", "0351-1234567",
                 address="山西省晋中市榆次区顺城街2号")
    [pair] = [p for p in pair_documents([paper[2], moved], CONFIG) if p.paper]
    # 13 of 14 characters alike, and reported all the same.
    assert pair.diffs == [Diff("address", "山西省晋中市榆次区顺城街1号",
                               "山西省晋中市榆次区顺城街2号", 0.929)]


def stored(tmp_path) -> Path:
    """A batch holding the paper and email records of :func:`batch`."""
    out = tmp_path / "out"
    store = Store(out)
    paper, email = batch()
    with store.transaction():
        for record in paper + email:
            store.put_record(record)
            store.put_entry(ManifestEntry(record.source.path, record.source.pages[0]
                                          if record.source.pages else None, EntryStatus.OK,
                                          attachment=record.source.attachment,
                                          doc_id=record.doc_id))
    store.close()
    return out


def test_reconcile_writes_its_files_and_flags_the_records(tmp_path):
    out = stored(tmp_path)
    reconcile(out, CONFIG)
    lines = [json.loads(x) for x in (out / "reconciliation.jsonl").read_text().splitlines()]
    assert len(lines) == 5
    assert {line["status"] for line in lines} == {"matched", "paper_only", "email_only"}
    assert set(lines[0]) == {"paper_doc_id", "email_doc_id", "form_type", "status", "score",
                             "diffs"}
    flags = {json.loads(x)["doc_id"]: json.loads(x)["flags"]
             for x in (out / "records.jsonl").read_text().splitlines()}
    assert flags["paper1"] == ["mismatch:phone"] and flags["email2"] == ["mismatch:phone"]
    assert flags["paper4"] == ["paper_only"] and flags["email4"] == ["email_only"]
    assert flags["paper2"] == []
    table = pd.read_csv(out / "reconciliation.csv", dtype=str, keep_default_na=False)
    assert "电话：13512345678 ≠ 13512345687" in set(table["differences"])  # in words
    assert (out / "reconciliation.xlsx").exists()
    # Running it again changes nothing.
    before = (out / "records.jsonl").read_text()
    reconcile(out, CONFIG)
    assert (out / "records.jsonl").read_text() == before


def test_reconciliation_files_are_rewritten_from_the_store(tmp_path):
    out = stored(tmp_path)
    reconcile(out, CONFIG)
    written = {n: (out / n).read_bytes() for n in ("reconciliation.jsonl", "reconciliation.csv")}
    for name in written:
        (out / name).unlink()
    audit(out, CONFIG)  # any later command
    assert {n: (out / n).read_bytes() for n in written} == written
