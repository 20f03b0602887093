"""Audit rules and the audit command, on records whose truth is set by hand (no OCR)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from pipeline import i18n
from pipeline.api import audit
from pipeline.checks import apply_checks, check_flags
from pipeline.contest import load_contest
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
)
from pipeline.store import Store

CONFIG = load_contest()
AUTH = schemas()[FormType.WORK_AUTHORIZATION]
REG = schemas()[FormType.WORK_REGISTRATION]


def authorization(**changes) -> Record:
    """A complete, valid, signed and stamped 作品授权书; keyword arguments change fields."""
    values = {"title": "晋中故事", "author": "李明", "unit": "中共晋中市委宣传部",
              "contact": "王芳", "phone": "13512345678", "date": "2023-08-08"}
    values.update(changes)
    return Record(
        doc_id=f"doc{abs(hash(tuple(values.items()))) % 10**8}", origin=Origin.PAPER,
        form_type=FormType.WORK_AUTHORIZATION, source=Location("env.pdf", [1]),
        fields={k: Field(v, 0.98, 1, [0, 0, 1, 1]) if v else Field(None, 0.0, 1, None, ink=False)
                for k, v in values.items()},  # a value left out: its place is blank
        signature=Mark(True, 0.9, [1, 1, 2, 2]),
        seal=Mark(True, 0.95, [1, 1, 2, 2], text="中共晋中市委宣传部"),
        consent=[ConsentVerdict(n, True, 0.97) for n in range(1, 5)],
    )


def names(flags: list[Flag]) -> list[str]:
    return [str(f) for f in flags]


def test_a_complete_form_raises_no_flag():
    record = authorization()
    apply_checks(record, AUTH, CONFIG)
    assert record.flags == [] and record.status.value == "ok"


@pytest.mark.parametrize(
    "change, flag",
    [
        (lambda r: setattr(r, "signature", Mark(False, 0.8)), "missing_signature"),
        (lambda r: setattr(r, "seal", Mark(False, 0.9)), "missing_seal"),
        # Nothing written where the value should stand: the unit must be asked for it.
        (lambda r: r.fields.update(date=Field(None, 0.0, 1, None, ink=False)), "missing_date"),
        (lambda r: r.fields.update(author=Field(None, 0.0, 1, None, ink=False)),
         "missing_field:author"),
        # Written there, not read: a person looks at the page.
        (lambda r: r.fields.update(date=Field(None, 0.0, 1, None, ink=True)), "unread:date"),
        (lambda r: r.fields.update(author=Field(None, 0.0, 1, None, ink=True)),
         "unread:author"),
        (lambda r: r.fields.pop("author"), "unread:author"),  # its label not found on the scan
        (lambda r: r.consent.__setitem__(2, ConsentVerdict(3, False, 0.5)),
         "clause_missing:3"),
        (lambda r: r.fields.update(phone=Field("1351234567", 0.99, 1, [0, 0, 1, 1])),
         "invalid_phone"),
        (lambda r: r.fields.update(contact=Field("王芳", 0.42, 1, [0, 0, 1, 1])),
         "unread:contact"),
        (lambda r: r.fields.update(date=Field("2023-09-21", 0.99, 1, [0, 0, 1, 1])), "late"),
        (lambda r: setattr(r, "seal", Mark(True, 0.9, [1, 1, 2, 2], text="中共大同市委宣传部")),
         "mismatch:seal"),
    ],
)
def test_each_flag_and_needs_review(change, flag):
    record = authorization()
    change(record)
    apply_checks(record, AUTH, CONFIG)
    assert record.flag_names == [flag]
    assert record.status.value == "needs_review"


@pytest.mark.parametrize("date", ["2022-12-01", "2023-01-15", "2030-05-01"])
def test_a_date_outside_the_contests_period_is_said_so_not_unread(date):
    record = authorization(date=date)
    apply_checks(record, AUTH, CONFIG)
    assert "date_outside" in record.flag_names and "unread:date" not in record.flag_names
    assert record.status.value == "needs_review"
    assert i18n.flag_words(Flag(FlagKind.DATE_OUTSIDE), "zh") == "日期不在活动期间，请核对"
    assert i18n.flag_words(Flag(FlagKind.DATE_OUTSIDE), "en") == (
        "date outside the contest's period: check it")


@pytest.mark.parametrize("date, flags", [
    (Field("2023-08-08", 0.98, 1, [0, 0, 1, 1]), []),  # read, inside the period
    (Field(CONFIG.date_window[0], 0.98, 1, [0, 0, 1, 1]), []),  # its first day is inside
    (Field(CONFIG.date_window[1], 0.98, 1, [0, 0, 1, 1]), ["late"]),  # its last one too
    (Field(None, 0.0, 1, None, ink=False), ["missing_date"]),  # nothing written
    (Field(None, 0.0, 1, None, ink=True), ["unread:date"]),  # written, not read
    (Field("2023-08-08", 0.42, 1, [0, 0, 1, 1]), ["unread:date"]),  # read too unsurely
])
def test_a_date_inside_the_period_missing_or_unread_is_not_outside_it(date, flags):
    record = authorization()
    record.fields["date"] = date
    apply_checks(record, AUTH, CONFIG)
    assert record.flag_names == flags


def test_synopsis_over_500_characters_counting_punctuation():
    fields = {"title": "t", "work_type": "纪录片", "duration": "5分钟",
              "unit": "省直机关工委", "creators": "甲、乙", "contact": "王芳",
              "phone": "13512345678", "address": "太原", "date": "2023-09-01"}
    record = authorization()
    record.form_type = FormType.WORK_REGISTRATION
    record.fields = {k: Field(v, 0.99, 1, [0, 0, 1, 1]) for k, v in fields.items()}
    record.fields["synopsis"] = Field("好" * 499 + "。", 0.99, 1, [0, 0, 1, 1])
    assert "synopsis_too_long" not in names(check_flags(record, REG, CONFIG))
    record.fields["synopsis"] = Field("好" * 500 + "。", 0.99, 1, [0, 0, 1, 1])
    assert "synopsis_too_long" in names(check_flags(record, REG, CONFIG))


def test_flags_of_other_stages_survive_a_recheck():
    record = authorization()
    record.flags = [Flag.parse("duplicate"), Flag.parse("missing_seal")]
    apply_checks(record, AUTH, CONFIG)
    assert record.flag_names == ["duplicate"]


def test_a_seal_ring_read_in_part_or_not_at_all_is_no_mismatch():
    for text in (None, "宣传", "晋中市委宣"):
        record = authorization()
        record.seal = Mark(True, 0.9, [1, 1, 2, 2], text=text)
        assert "mismatch:seal" not in names(check_flags(record, AUTH, CONFIG))


@pytest.mark.parametrize(
    "written, canonical",
    [("中共晋中市委宣传部", "中共晋中市委宣传部"), ("晋中市委宣传部", "中共晋中市委宣传部"),
     ("中共晋中市委宣傳部", "中共晋中市委宣传部"), ("山西省直机关工委", "省直机关工委"),
     ("某某公司", "某某公司")],
)
def test_unit_names_are_canonicalised(written, canonical):
    assert CONFIG.canonical_unit(written) == canonical


def test_config_overrides_deadline_threshold_and_units(tmp_path):
    override = tmp_path / "office.yaml"
    override.write_text("deadlines: {work_authorization: '2023-10-31'}\nlow_confidence: 0.4\n"
                        "units: [{name: 某某公司, group: committee}]\n", encoding="utf-8")
    config = load_contest(override)
    record = authorization(date="2023-10-01")
    record.fields["contact"] = Field("王芳", 0.5, 1, [0, 0, 1, 1])
    # The office's list replaces the province's: 中共晋中市委宣传部 is no longer a listed unit.
    assert names(check_flags(record, AUTH, config)) == ["unknown_unit"]
    assert names(check_flags(record, AUTH, CONFIG)) == ["unread:contact", "late"]
    assert config.required("某某公司") == {"works": 5, "proposals": 2}
    assert config.deadlines["proposal_registration"] == "2023-05-15"  # merged, not replaced


def _store_with(tmp_path, records):
    out = tmp_path / "out"
    store = Store(out)
    with store.transaction():
        for n, record in enumerate(records, start=1):
            record.source = Location("envelope.pdf", [n])
            store.put_record(record)
            store.put_entry(ManifestEntry("envelope.pdf", n, EntryStatus.OK,
                                          doc_id=record.doc_id))
    store.export()
    store.close()
    return out


def test_audit_writes_flagged_documents_and_unit_quotas(tmp_path):
    records = [authorization(title=f"作品{i}") for i in range(10)]
    records[3].signature = Mark(False, 0.8)
    records[4].seal = Mark(False, 0.9)
    proposal = authorization(title="文案一", unit="晋中市委宣传部", address="晋中市顺城街1号",
                             date="2023-05-01",
                             synopsis="一部关于乡村教师的纪录片。")
    proposal.form_type = FormType.PROPOSAL_REGISTRATION
    proposal.fields.pop("author")
    records.append(proposal)
    other = authorization(title="别的作品", unit="省委教育工委")
    other.seal.text = "山西省委教育工委"
    records.append(other)
    out = _store_with(tmp_path, records)

    result = audit(out, CONFIG).audit
    flagged = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert list(flagged["doc_id"]) == [records[3].doc_id, records[4].doc_id]
    assert list(flagged["missing"]) == ["缺签名", "缺盖章"]
    assert list(flagged["pages"]) == ["4", "5"]
    units = pd.read_csv(out / "units.csv", dtype=str, keep_default_na=False).set_index("unit")
    jinzhong = units.loc["中共晋中市委宣传部"]
    assert (jinzhong["works"], jinzhong["proposals"], jinzhong["required_works"]) == (
        "10", "1", "10")
    assert jinzhong["met"] == "否"  # 10 works but one proposal of the two required
    assert (jinzhong["missing_signatures"], jinzhong["missing_seals"]) == ("1", "1")
    education = units.loc["省委教育工委"]
    assert (education["works"], education["required_works"], education["met"]) == (
        "1", "5", "否")
    assert len(units) == len(CONFIG.units)  # every listed unit, also those with nothing
    assert len(result.flagged) == 2
    # The flags are stored: records.jsonl carries them too.
    jsonl = (out / "records.jsonl").read_text(encoding="utf-8")
    assert jsonl.count('"missing_signature"') == 1


def test_audit_command_prints_the_tables(tmp_path):
    out = _store_with(tmp_path, [authorization(date=None)])
    run = subprocess.run([sys.executable, "-m", "pipeline", "audit", "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "1 / 1 份文件待复核" in run.stdout  # Chinese by default
    assert "缺日期" in run.stdout and "中共晋中市委宣传部" in run.stdout
    assert "已写入" in run.stdout
    audit_csv = (out / "audit.csv").read_text(encoding="utf-8-sig")
    assert "缺日期" in audit_csv and "表格填写" in audit_csv
    english = subprocess.run([sys.executable, "-m", "pipeline", "audit", "--out", str(out),
                              "--lang", "en"], capture_output=True, text=True)
    assert english.returncode == 0, english.stderr
    assert "1 of 1 documents need review" in english.stdout and "no date" in english.stdout
    flagged = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert list(flagged["missing"]) == ["no date"] and list(flagged["unit_from"]) == ["the form"]
    units = pd.read_csv(out / "units.csv", dtype=str, keep_default_na=False)
    assert set(units["met"]) == {"no"}
    # The contract's keys stay: the column names and the flag names are the same in English.
    assert list(flagged.columns)[:3] == ["doc_id", "path", "pages"]
    assert list(flagged["flags"]) == ["missing_date"]
    missing = subprocess.run([sys.executable, "-m", "pipeline", "audit", "--out",
                              str(tmp_path / "nothing")], capture_output=True, text=True)
    assert missing.returncode == 4 and "formscan scan" in missing.stderr


def test_a_form_without_its_unit_field_counts_for_the_unit_its_seal_names(tmp_path):
    record = authorization(unit=None)
    record.seal.text = "中共大同市委宣传部专用章"
    out = _store_with(tmp_path, [record])
    result = audit(out, CONFIG).audit
    units = result.units.set_index("unit")
    assert units.loc["中共大同市委宣传部", "works"] == 1
    assert list(result.flagged["unit"]) == ["中共大同市委宣传部"]
    assert list(result.flagged["missing"]) == ["缺填：报送单位"]
    # Where the unit came from is said beside it, in the sheet and in the report.
    assert list(result.flagged["unit_from"]) == ["印章（表中报送单位未填）"]
    from pipeline.api import report

    page = report(out, CONFIG).read_text(encoding="utf-8")
    assert '"unit": "中共大同市委宣传部", "unit_from": "seal"' in page


def test_an_undated_emailed_copy_is_not_missing_its_date():
    record = authorization(date=None)
    record.origin, record.signature, record.seal, record.consent = Origin.EMAIL, None, None, []
    assert names(check_flags(record, AUTH, CONFIG)) == []


def test_the_clause_threshold_of_the_config_decides_clause_presence(tmp_path):
    record = authorization()
    record.consent[1] = ConsentVerdict(2, True, 0.85)  # read a little worse than the others
    override = tmp_path / "strict.yaml"
    override.write_text("clause_threshold: 0.9\n", encoding="utf-8")
    strict = load_contest(override)
    apply_checks(record, AUTH, strict)
    assert record.flag_names == ["clause_missing:2"] and not record.consent[1].present
    apply_checks(record, AUTH, CONFIG)
    assert record.flag_names == [] and record.consent[1].present
