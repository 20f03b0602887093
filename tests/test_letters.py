"""Letters to the units (``formscan letters``): each unit with something to chase gets a
letter in its own words and a draft to its address; what the office must look at itself never
goes out. Batches made of records by hand, no OCR."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from docx import Document

from pipeline import i18n
from pipeline.api import letters, reconcile
from pipeline.cli import main
from pipeline.contest import load_contest
from pipeline.letters import CHASED
from pipeline.model import (
    EntryStatus,
    Field,
    Flag,
    FlagKind,
    FormType,
    Location,
    ManifestEntry,
    Message,
    Origin,
    Record,
)
from pipeline.store import Store

CONTEST = load_contest()
OFFICE_ONLY = {FlagKind.UNREAD, FlagKind.MISREAD, FlagKind.UNKNOWN_UNIT, FlagKind.FORM_GUESSED,
               FlagKind.UNCLASSIFIED, FlagKind.DUPLICATE, FlagKind.SEAL_MISMATCH,
               FlagKind.DATE_OUTSIDE, FlagKind.MANY_TICKS}


def work(origin: Origin, n: int, title: str, unit: str | None, phone: str,
         flags: tuple[Flag, ...] = (), sender: str | None = None,
         form_type: FormType = FormType.WORK_REGISTRATION) -> Record:
    values = {"title": title, "work_type": "纪录片", "unit": unit, "contact": "王芳",
              "phone": phone, "creators": "张三"}
    paper = origin is Origin.PAPER
    record = Record(f"{origin.value}{n}", origin, form_type,
                    Location(f"{origin.value}{n}.file", [1] if paper else [],
                             None if paper else f"登记表{n}.docx"),
                    fields={k: Field(v, 0.99, None, None) for k, v in values.items()},
                    message=None if paper else Message(sender, "报送作品", "2023-09-01"))
    for flag in flags:
        record.add_flag(flag)
    return record


def records() -> list[Record]:
    jinzhong, dangerous = "中共晋中市委宣传部", Flag(FlagKind.UNREAD, "title")
    return [
        # 晋中: one work, both copies; the paper lacks things, the phones differ.
        work(Origin.PAPER, 1, "回家", jinzhong, "13512345678",
             (Flag(FlagKind.MISSING_SEAL), Flag(FlagKind.CLAUSE_MISSING, "3"),
              Flag(FlagKind.LATE))),
        work(Origin.EMAIL, 1, "回家", "晋中市委宣传部", "13512345687",
             sender="晋中市委宣传部 <jz-xcb@example.cn>"),
        # 省直机关工委: both copies alike, nothing to chase.
        work(Origin.PAPER, 2, "光阴的故事", "省直机关工委", "0351-1234567"),
        work(Origin.EMAIL, 2, "光阴的故事", "省直机关工委", "0351-1234567",
             sender="zhigong@example.cn"),
        # 省委教育工委: paper alone (no emailed copy), and flags the office looks at itself.
        work(Origin.PAPER, 3, "只在纸上", "省委教育工委", "13900001111",
             (dangerous, Flag(FlagKind.SEAL_MISMATCH), Flag(FlagKind.DUPLICATE))),
        # 运城: emailed alone, a field left empty.
        work(Origin.EMAIL, 4, "只在邮件里", "中共运城市委宣传部", "15011112222",
             (Flag(FlagKind.MISSING_FIELD, "creators"),), sender="yc@example.cn"),
        # 大同: only what the office must look at (a value not read, a guessed form).
        work(Origin.PAPER, 5, "我的家乡", "中共大同市委宣传部", "13698765432",
             (Flag(FlagKind.UNREAD, "phone"), Flag(FlagKind.FORM_GUESSED))),
        work(Origin.EMAIL, 5, "我的家乡", "大同市委宣传部", "13698765432",
             sender="dt@example.cn"),
        # No unit on the form, no seal: a letter for the office.
        work(Origin.PAPER, 6, "无名之作", None, "13711112222",
             (Flag(FlagKind.MISSING_DATE),)),
        work(Origin.EMAIL, 6, "无名之作", None, "13711112222", sender="who@example.cn"),
        # 长治: the paper names no unit, its emailed copy does.
        work(Origin.PAPER, 7, "山那边", None, "13811112222",
             (Flag(FlagKind.MISSING_SIGNATURE),)),
        work(Origin.EMAIL, 7, "山那边", "长治市委宣传部", "13811112222",
             sender="Changzhi <cz@example.cn>"),
    ]


def stored(tmp_path: Path, batch: list[Record]) -> Path:
    out = tmp_path / "out"
    store = Store(out)
    with store.transaction():
        for record in batch:
            store.put_record(record)
            store.put_entry(ManifestEntry(record.source.path, record.source.pages[0]
                                          if record.source.pages else None, EntryStatus.OK,
                                          attachment=record.source.attachment,
                                          doc_id=record.doc_id))
    store.close()
    reconcile(out, CONTEST)  # pairs the copies: paper_only, email_only, mismatch:phone
    return out


def words(path: Path) -> str:
    """Every paragraph and table cell of a Word file, one per line."""
    doc = Document(str(path))
    cells = [p.text for table in doc.tables for row in table.rows for cell in row.cells
             for p in cell.paragraphs]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def rows(path: Path) -> dict[str, list[str]]:
    """The letter's table: title -> the row's cells."""
    (table,) = Document(str(path)).tables
    return {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}


@pytest.fixture
def batch(tmp_path) -> Path:
    return stored(tmp_path, records())


def test_each_unit_with_something_to_chase_gets_a_letter_in_its_own_words(batch):
    done = letters(batch, CONTEST)
    folder = batch / "letters"
    assert sorted(p.name for p in folder.glob("*.docx")) == sorted([
        "中共长治市委宣传部.docx", "中共晋中市委宣传部.docx", "中共运城市委宣传部.docx",
        "省委教育工委.docx", "未知单位.docx"])
    assert [x.unit for x in done.letters] == ["中共长治市委宣传部", "中共晋中市委宣传部",
                                              "中共运城市委宣传部", "省委教育工委", None]

    jinzhong = folder / "中共晋中市委宣传部.docx"
    said = words(jinzhong)
    assert "中共晋中市委宣传部：" in said and "关于补充报送材料的函" in said
    assert CONTEST.name in said
    (row,) = rows(jinzhong).values()  # the paper and the emailed copy are one work
    n, title, form, copies, deadline, chase = row
    assert (title, form, copies) == ("回家", "作品登记表", "纸质版、电子版")
    assert deadline == "2023年9月20日"  # contest.yaml's deadline for a work's registration
    assert chase.splitlines() == ["纸质版：缺盖章", "纸质版：缺承诺条款第3条", "纸质版：逾期",
                                  "纸质版与电子版不一致：电话"]
    office = CONTEST.office
    for line in (office.name, office.contact, office.phone, office.email, office.address):
        assert line in said

    assert rows(folder / "省委教育工委.docx")["只在纸上"][-1] == "未发电子版"
    assert rows(folder / "中共运城市委宣传部.docx")["只在邮件里"][-1].splitlines() == [
        "缺填：主创人员", "未寄纸质版"]
    unknown = words(folder / "未知单位.docx")
    assert "未能确定报送单位" in unknown and "无名之作" in unknown and "缺日期" in unknown
    # A paper that names no unit goes to the unit its paired emailed copy names.
    assert rows(folder / "中共长治市委宣传部.docx")["山那边"][-1] == "纸质版：缺签名"
    assert "山那边" not in unknown


def test_a_unit_with_nothing_to_chase_gets_no_letter(batch):
    done = letters(batch, CONTEST)
    units = {x.unit for x in done.letters}
    assert "省直机关工委" not in units  # nothing wrong at all
    assert "中共大同市委宣传部" not in units  # only what the office must look at
    assert not list((batch / "letters").glob("*大同*")) and not list(
        (batch / "letters").glob("*省直*"))


def test_what_the_office_must_look_at_itself_is_in_no_letter(batch):
    assert not CHASED & OFFICE_ONLY
    letters(batch, CONTEST)
    said = "\n".join(words(p) for p in (batch / "letters").glob("*.docx"))
    for flag in (Flag(FlagKind.UNREAD, "title"), Flag(FlagKind.UNREAD, "phone"),
                 Flag(FlagKind.SEAL_MISMATCH), Flag(FlagKind.DUPLICATE),
                 Flag(FlagKind.FORM_GUESSED)):
        assert i18n.flag_words(flag, "zh", "work_registration") not in said, flag
    assert "请看原件" not in said and "我的家乡" not in said


def test_the_draft_goes_to_the_address_the_unit_emailed_from(batch):
    letters(batch, CONTEST)
    folder = batch / "letters"
    mail = message_from_bytes((folder / "中共晋中市委宣传部.eml").read_bytes(),
                              policy=policy.default)
    assert mail["To"] == "jz-xcb@example.cn" and mail["X-Unsent"] == "1"
    assert CONTEST.office.email in mail["From"] and "补充报送材料" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "《回家》" in body and "纸质版与电子版不一致：电话" in body
    (attached,) = mail.iter_attachments()
    assert attached.get_filename() == "中共晋中市委宣传部.docx"
    assert attached.get_content() == (folder / "中共晋中市委宣传部.docx").read_bytes()
    # A unit that never emailed: a draft without To, for the clerk to fill in.
    assert "To" not in message_from_bytes((folder / "省委教育工委.eml").read_bytes())
    # The letter for the office is not sent: no draft.
    assert not (folder / "未知单位.eml").exists()
    readme = (folder / "README.txt").read_text(encoding="utf-8-sig")
    assert "中共晋中市委宣传部：1 件材料，4 项；邮件草稿发往 jz-xcb@example.cn" in readme
    assert "省委教育工委：1 件材料，1 项；本批次中没有该单位的邮箱" in readme
    assert "未知单位" in readme and "大同" not in readme
    assert "中共长治市委宣传部：1 件材料，1 项；邮件草稿发往 cz@example.cn" in readme


def test_what_is_no_longer_flagged_leaves_the_letters(batch):
    """Only the records' current flags count: a flag cleared (a correction, a dismissal) is no
    longer chased, and a unit left with nothing loses its letter from the folder."""
    def clear(kind: FlagKind | None) -> None:
        with Store(batch) as store, store.transaction():
            record = store.record("email4")
            record.flags = [f for f in record.flags if kind and f.kind is not kind]
            store.put_record(record)

    letters(batch, CONTEST)
    yuncheng = batch / "letters" / "中共运城市委宣传部.docx"
    assert rows(yuncheng)["只在邮件里"][-1] == "缺填：主创人员\n未寄纸质版"
    clear(FlagKind.MISSING_FIELD)
    letters(batch, CONTEST)
    assert rows(yuncheng)["只在邮件里"][-1] == "未寄纸质版"
    clear(None)
    done = letters(batch, CONTEST)
    assert "中共运城市委宣传部" not in {x.unit for x in done.letters}
    assert not list((batch / "letters").glob("中共运城市委宣传部.*"))
    assert "运城" not in (batch / "letters" / "README.txt").read_text(encoding="utf-8-sig")


def test_the_command_says_which_units_got_a_letter(batch, capsys):
    assert main(["letters", "--out", str(batch)]) == 0
    said = capsys.readouterr().out
    assert "已为 5 个单位写催补函，共 9 项待补" in said
    assert "中共晋中市委宣传部：1 件材料，4 项；邮件草稿发往 jz-xcb@example.cn" in said
    assert main(["--lang", "en", "letters", "--out", str(batch)]) == 0
    assert "letters written to 5 units" in capsys.readouterr().out
    assert "no seal" in words(batch / "letters" / "中共晋中市委宣传部.docx")


def test_the_office_block_is_checked_when_the_contest_is_read(tmp_path):
    from pipeline.errors import FormscanError

    bad = tmp_path / "office.yaml"
    bad.write_text("office: {email: not-an-address}\n", encoding="utf-8")
    with pytest.raises(FormscanError) as refused:
        load_contest(bad)
    assert "office.email" in str(refused.value)
    bad.write_text("office: {phone: ''}\n", encoding="utf-8")
    with pytest.raises(FormscanError) as refused:
        load_contest(bad)
    assert "office.phone" in str(refused.value)
