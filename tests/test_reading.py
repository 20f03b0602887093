"""Reading forms as units really fill them in: label spellings and spacing, closed lists,
value shapes, titles, text that runs out of its box. No OCR: pages are laid out by hand as
the OCR stage would return them (a line per run of text, a box per character)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pipeline import layout
from pipeline.checks import check_flags
from pipeline.classify import classify, letter_unit
from pipeline.contest import default_contest
from pipeline.extract import read_fields
from pipeline.forms import schemas
from pipeline.model import (
    Evidence,
    Field,
    FormType,
    Line,
    Location,
    Mark,
    Origin,
    OtherKind,
    PageLayout,
    Record,
    Word,
)
from pipeline.normalize import normalize_value
from pipeline.snap import snap_fields

CONTEST = default_contest()
REG = schemas()[FormType.WORK_REGISTRATION]
AUTH = schemas()[FormType.WORK_AUTHORIZATION]
CHAR = 30


def text_line(text: str, x: float, y: float, gap: float = 0.0) -> Line:
    """A line of text with a box per character (``gap``: letter spacing, in px)."""
    step = CHAR + gap
    words = [Word(c, [x + i * step, y, x + i * step + CHAR - 2, y + CHAR], 0.98)
             for i, c in enumerate(text)]
    return Line(text, [x, y, x + len(text) * step, y + CHAR], 0.98, words)


@dataclass
class Cell:
    text: str = ""
    spaced: bool = False  # letter-spaced: OCR returns each character as a line of its own
    lines: tuple[str, ...] = ()  # several lines of running text


def page(rows: list[list[Cell | str]], title: str | None = "作品登记表",
         row_height: int = 70) -> PageLayout:
    """A table of rows of cells (label | value | label | value ...), a title above it."""
    lines: list[Line] = []
    cells: list[list[float]] = []
    if title:
        lines.append(text_line(title, 650, 150))
    y = 300
    for row in rows:
        row = [c if isinstance(c, Cell) else Cell(c) for c in row]
        height = row_height * max(1, max(len(c.lines) for c in row))
        width = 1400 / len(row)
        for i, cell in enumerate(row):
            x = 120 + i * width
            cells.append([x, y, x + width, y + height])
            texts = cell.lines or ((cell.text,) if cell.text else ())
            for k, text in enumerate(texts):
                top = y + 20 + k * row_height
                if cell.spaced:
                    lines += [text_line(ch, x + 10 + j * 60, top) for j, ch in enumerate(text)]
                else:
                    lines.append(text_line(text, x + 10, top))
        y += height
    return layout.from_cells(lines, cells, (1654, 2339))


def values(schema, page_layout: PageLayout) -> dict[str, str | None]:
    fields = read_fields(schema, page_layout, 1).fields
    snap_fields(fields, schema, CONTEST)
    return {k: f.value for k, f in fields.items()}


REGISTRATION = [
    ["作品名称", "太行山下"],
    ["作品类型", "纪录片", "片长", "12分钟"],
    ["报送单位（盖章）", "中共晋中市委宣传部"],
    ["主创人员", "李明、王芳"],
    ["联系人", "王芳", "联系电话", "13512345678"],
    ["地址", "山西省晋中市榆次区顺城街1号"],
]


def test_labels_set_letter_spaced_are_read_whole():
    rows = [[Cell(r[0], spaced=True), *r[1:]] if len(r[0]) <= 4 else r for r in REGISTRATION]
    got = values(REG, page(rows))
    assert got["title"] == "太行山下" and got["work_type"] == "纪录片"
    assert got["contact"] == "王芳" and got["phone"] == "13512345678"


@pytest.mark.parametrize("label, key, value", [
    ("类型", "work_type", "纪录片"),
    ("片名", "title", "太行山下"),
    ("时长（分钟）", "duration", "12分钟"),
    ("报送单位盖章", "unit", "中共晋中市委宣传部"),  # OCR lost the note's brackets
    ("报送单位(盖章)", "unit", "中共晋中市委宣传部"),
    ("手机", "phone", "13512345678"),
    ("通信地址", "address", "山西省晋中市榆次区顺城街1号"),
])
def test_label_spellings_units_use(label, key, value):
    rows = [list(r) for r in REGISTRATION]
    for row in rows:
        for i in range(0, len(row), 2):
            if values(REG, page([row[i:i + 2]], title=None)).get(key) == value:
                row[i] = label
    assert values(REG, page(rows))[key] == value


def test_a_unit_read_wrong_is_snapped_and_what_ocr_read_is_kept():
    rows = [list(r) for r in REGISTRATION]
    rows[2] = ["报送单位（盖章）", "中共晋中市委宣专部"]
    fields = read_fields(REG, page(rows), 1).fields
    snap_fields(fields, REG, CONTEST)
    unit = fields["unit"]
    assert (unit.value, unit.raw, unit.evidence) == (
        "中共晋中市委宣传部", "中共晋中市委宣专部", Evidence.VOCABULARY)
    assert 0.8 <= unit.confidence < 1


@pytest.mark.parametrize("read, unit", [
    ("中共阳泉委宣传部", "中共阳泉市委宣传部"),  # a character lost
    ("中共太原市", "中共太原市委宣传部"),  # the end under a seal
    ("山西省委教工委宣传部", "山西省委教育工委宣传部"),  # a committee's propaganda department
    ("晋中市委宣传部", "晋中市委宣传部"),  # an alias, as written
    ("中共晋中市委宣傳部", "中共晋中市委宣传部"),  # traditional forms
])
def test_unit_readings_snap_to_the_listed_spelling_they_come_closest_to(read, unit):
    assert CONTEST.snap_unit(read).value == unit


@pytest.mark.parametrize("read", ["市委宣传部", "山西传媒学院", "盖章"])
def test_a_reading_naming_no_unit_clearly_is_left_as_read(read):
    assert CONTEST.snap_unit(read) is None


def authorization(**changes: str) -> Record:
    """A complete, signed and stamped 作品授权书; keyword arguments change its values."""
    values = {"title": "太行山下", "author": "李明", "unit": "省直机关工委", "contact": "王芳",
              "phone": "13512345678", "date": "2023-09-01", **changes}
    return Record("d1", Origin.PAPER, FormType.WORK_AUTHORIZATION, Location("a.pdf", [1]),
                  fields={k: Field(v, 0.99, 1, None) for k, v in values.items()},
                  signature=Mark(True, 0.9), seal=Mark(True, 0.9))


def test_a_unit_in_no_list_is_flagged_unknown_unit():
    record = authorization(unit="山西传媒学院")
    assert [str(f) for f in check_flags(record, AUTH, CONTEST)] == ["unknown_unit"]


def test_a_work_type_read_wrong_is_the_vocabularys_word():
    rows = [list(r) for r in REGISTRATION]
    rows[1] = ["作品类型", "记录片", "片长", "12分钟"]
    fields = read_fields(REG, page(rows), 1).fields
    snap_fields(fields, REG, CONTEST)
    assert (fields["work_type"].value, fields["work_type"].raw) == ("纪录片", "记录片")


def test_a_value_whose_label_was_not_read_goes_to_the_one_field_left():
    rows = [list(r) for r in REGISTRATION]
    rows[0] = ["", "太行山下"]  # the label cell came out empty (a stamp, a faint print)
    fields = read_fields(REG, page(rows), 1).fields
    assert fields["title"].value == "太行山下"
    assert fields["title"].evidence is Evidence.POSITION  # what carried it, for a person


def test_a_phone_number_without_its_label_is_found_by_its_shape():
    rows = [list(r) for r in REGISTRATION]
    rows[4] = ["联系人", "王芳", "", "13512345678"]
    fields = read_fields(REG, page(rows), 1).fields
    assert fields["phone"].value == "13512345678" and fields["phone"].evidence is Evidence.SHAPE


def test_a_synopsis_running_over_its_box_is_read_to_its_end():
    first = "影片讲述了一位乡村教师三十年如一日坚守在太行山深处的小学的故事，"
    rows = [list(r) for r in REGISTRATION]
    rows.append([Cell(lines=("作品简介（500字）", first, first))])
    rows.append([Cell(lines=("展现了基层党员干部的朴素情怀。", "相关协议，签名同意："))])
    got = values(REG, page(rows))["synopsis"]
    assert got.endswith("展现了基层党员干部的朴素情怀。") and "相关协议" not in got


def test_what_a_wrapped_label_note_leaves_in_the_next_cell_is_no_name():
    rows = [list(r) for r in REGISTRATION]
    rows[3] = ["主创人员（导演、编", "剧董雨建、白丽"]
    assert values(REG, page(rows))["creators"] == "董雨建、白丽"


def test_a_single_character_is_no_label_found():
    rows = [[Cell(c) for c in "作品类型片长主创人员"]]
    assert classify(page(rows, title=None)).form_type is FormType.UNKNOWN


def test_a_page_titled_as_a_form_is_that_form_whatever_its_labels_are_called():
    rows = [["片名", "太行山下"], ["体裁", "纪录片"], ["送审单位", "中共晋中市委宣传部"]]
    verdict = classify(page(rows, title="作品登记表"))
    assert verdict.form_type is FormType.WORK_REGISTRATION and not verdict.guessed


def test_a_cover_letter_listing_the_forms_is_no_form():
    cover = PageLayout(1654, 2339, [], layout.split_lines([
        text_line("关于报送微电影作品的函", 400, 150),
        text_line("现将作品登记表、作品授权书和重点作品创作文案登记表报送你们。", 100, 300),
        text_line("联系人：王芳，联系电话：13512345678", 100, 400),
    ], []))
    assert classify(cover).form_type is FormType.UNKNOWN


def test_a_form_whose_title_is_lost_is_typed_by_its_own_labels_as_a_guess():
    rows = [["联系人", "王芳", "电话", "13512345678"], ["地址", "太原"],
            ["报送单位", "省直机关工委"], ["主创人员", "李明"], ["片长", "8分钟"]]
    verdict = classify(page(rows, title=None))  # its title and more lost
    assert verdict.form_type is FormType.WORK_REGISTRATION and verdict.guessed
    rows.append(["作品类型", "纪录片"])  # three of its own labels: no guess
    verdict = classify(page(rows, title=None))
    assert verdict.form_type is FormType.WORK_REGISTRATION and not verdict.guessed


def test_a_title_cut_off_counts_with_one_label_of_the_form():
    rows = [["文案名称", "太行山下"], ["联系人", "王芳"], ["电话", "13512345678"]]
    verdict = classify(page(rows, title="创作文案登"))
    assert verdict.form_type is FormType.PROPOSAL_REGISTRATION and verdict.guessed


@pytest.mark.parametrize("rows", [
    # another office's form: every label a contest form prints too, none of its own
    [["姓名", "王芳", "性别", "女"], ["工作单位", "太原市文化馆"], ["联系电话", "13512345678"],
     ["通讯地址", "太原市迎泽大街1号"], ["联系人", "李明"], ["日期", "2023年5月6日"]],
    # an invoice
    [["名称", "太原市文化馆"], ["纳税人识别号", "91140100MA0K"],
     ["地址、电话", "太原 0351-1234567"], ["开户行及账号", "工商银行 0502"],
     ["价税合计（大写）", "壹仟元整"], ["开票日期", "2017-3-2"]],
    # one label of the form among generic ones: not enough
    [["联系人", "王芳"], ["电话", "13512345678"], ["地址", "太原"], ["报送单位", "省直机关工委"],
     ["主创人员", "李明"]],
])
def test_labels_every_form_prints_never_make_a_contest_form(rows):
    verdict = classify(page(rows, title=None))
    assert verdict.form_type is FormType.UNKNOWN and verdict.other is OtherKind.OTHER


def test_a_short_title_other_documents_print_too_needs_one_more_piece_of_evidence():
    rows = [["授权单位", "太原市某某有限公司"], ["联系电话", "0351-1234567"], ["地址", "太原"]]
    assert classify(page(rows, title="法定代表人授权书")).form_type is FormType.UNKNOWN
    assert classify(page(rows, title="授权书"), clauses=4).form_type is (
        FormType.WORK_AUTHORIZATION)
    assert classify(page(rows, title="作品授权书")).form_type is FormType.WORK_AUTHORIZATION


def test_a_tie_between_two_forms_is_no_form():
    rows = [["片长", "8分钟"], ["主创人员", "李明"], ["授权人", "王芳"], ["著作权人", "王芳"]]
    assert classify(page(rows, title=None)).form_type is FormType.UNKNOWN


def test_the_consent_clauses_count_for_the_forms_that_print_them():
    rows = [["授权人", "王芳"], ["联系人", "李明"], ["电话", "13512345678"]]
    assert classify(page(rows, title=None)).form_type is FormType.UNKNOWN
    verdict = classify(page(rows, title=None), clauses=4)  # the clauses below the table
    assert verdict.form_type is FormType.WORK_AUTHORIZATION and verdict.guessed


@pytest.mark.parametrize("title", ["关于报送微电影作品的函", "报送函", "推荐函",
                                   "影（微视频）参评作品的函"])  # a title's second line
def test_a_cover_letter_is_found_and_its_unit_read_from_its_signing_line(title):
    cover = PageLayout(1654, 2339, [], layout.split_lines([
        text_line(title, 400, 150),
        text_line("山西省微电影活动组委会办公室：", 100, 300),
        text_line("现将我单位作品十部报送你们，请审核。联系人：王芳，电话13512345678", 100, 400),
        text_line("中共晋中市委宣传部", 1000, 1900),
        text_line("2023年9月10日", 1000, 1980),
    ], []))
    verdict = classify(cover)
    assert verdict.form_type is FormType.UNKNOWN and verdict.other is OtherKind.COVER_LETTER
    unit = letter_unit(cover, CONTEST, page=1)
    assert unit.value == "中共晋中市委宣传部" and unit.bbox[1] == 1900


def test_running_text_gets_its_commas_back():
    assert normalize_value("multiline", "影片讲述了·一位乡村教师.坚守三十年。") == (
        "影片讲述了，一位乡村教师，坚守三十年。")
    assert normalize_value("person", "阿依古丽·买买提") == "阿依古丽·买买提"


def test_a_date_outside_the_contests_window_is_said_to_be_outside_it():
    record = authorization(date="2028-09-01")
    flags = [str(f) for f in check_flags(record, AUTH, CONTEST)]
    assert "date_outside" in flags and "unread:date" not in flags


def test_a_table_whose_labels_head_its_columns():
    rows = [["作品名称", "作品类型", "片长"], ["太行山下", "纪录片", "12分钟"],
            ["联系人", "联系电话", "报送单位"], ["王芳", "13512345678", "中共晋中市委宣传部"]]
    got = values(REG, page(rows))
    assert (got["title"], got["work_type"], got["duration"]) == ("太行山下", "纪录片", "12分钟")
    assert (got["contact"], got["phone"], got["unit"]) == (
        "王芳", "13512345678", "中共晋中市委宣传部")


def test_an_empty_value_cell_is_not_filled_from_the_row_below():
    rows = [list(r) for r in REGISTRATION]
    rows[5] = ["地址", ""]
    story = "影片讲述了一位乡村教师三十年如一日坚守在太行山深处的故事。"
    rows.append([Cell(lines=("作品简介", story))])
    assert values(REG, page(rows))["address"] is None


def test_a_phone_written_with_the_contacts_name_is_the_phones():
    rows = [list(r) for r in REGISTRATION]
    rows[4] = ["联系人及电话", "王芳 13512345678"]
    got = values(REG, page(rows))
    assert (got["contact"], got["phone"]) == ("王芳", "13512345678")


# --- labels are no values; a value ends where the next label starts ------------------------

def lines_page(rows: list[list[str]], title: str = "作品登记表") -> PageLayout:
    """A form retyped without a table: each row's pieces on one line, far apart."""
    lines = [text_line(title, 650, 150)]
    for i, pieces in enumerate(rows):
        x = 120
        for piece in pieces:
            lines.append(text_line(piece, x, 300 + 80 * i))
            x += (len(piece) + 3) * CHAR
    return layout.from_cells(lines, [], (1654, 2339))


@pytest.mark.parametrize("written", ["手机号码", "签名（使领馆人员填写）", "通讯地址："])
def test_a_printed_label_where_the_value_should_be_is_no_value(written):
    rows = [list(r) for r in REGISTRATION]
    rows[4] = ["联系人", written, "电话", "13512345678"]
    fields = read_fields(REG, page(rows), 1).fields
    assert fields["contact"].value is None and fields["phone"].value == "13512345678"


@pytest.mark.parametrize("line", [
    "通讯地址：山西省晋中市榆次区顺城街1号邮编：030600",
    "通讯地址：山西省晋中市榆次区顺城街1号 邮编 030600",
    "通讯地址：山西省晋中市榆次区顺城街1号★请写明门牌号",
])
def test_a_value_ends_where_the_next_label_or_note_starts(line):
    rows = [["作品名称：太行山下"], ["作品类型：纪录片"], [line], ["联系人：王芳"]]
    got = values(REG, lines_page(rows))
    assert got["address"] == "山西省晋中市榆次区顺城街1号" and got["contact"] == "王芳"


def test_a_value_ends_at_a_label_on_its_line_without_a_colon():
    rows = [["作品名称：太行山下"], ["通讯地址：山西省晋中市榆次区顺城街1号", "电子邮箱", "a@b.cn"]]
    assert values(REG, lines_page(rows))["address"] == "山西省晋中市榆次区顺城街1号"


def test_a_label_matches_as_a_whole_word():
    # 经办人 is the contact's label, but 经办人签名 is where the signature goes.
    rows = [["作品名称：太行山下"], ["作品类型：纪录片"], ["经办人签名：王芳"]]
    reading = read_fields(REG, lines_page(rows), 1)
    assert reading.fields["contact"].value is None and "contact" not in reading.places
    rows[2] = ["经办人：王芳"]
    assert values(REG, lines_page(rows))["contact"] == "王芳"


def test_a_label_run_into_another_gives_the_value_to_the_second():
    rows = [["作品名称：太行山下"], ["经办人手机号码：13512345678"]]
    got = values(REG, lines_page(rows))
    assert got["contact"] is None and got["phone"] == "13512345678"


def test_a_synopsis_below_its_label_ends_at_the_signature_line():
    text = ["本片讲述一位乡村教师扎根山区三十年的故事，主创团队历时三个月深入采访。",
            "主创团队历时三个月深入采访，力求还原人物的真实生活状态。"]
    rows = [["作品名称：太行山下"], ["作品类型：纪录片"], ["作品简介："], [text[0]], [text[1]],
            ["签名：王芳", "日期：2023年9月1日"]]
    got = values(REG, lines_page(rows))
    assert got["synopsis"] == "".join(text)
    assert got["date"] == "2023-09-01"


def test_a_value_on_the_line_under_its_label():
    rows = [["作品名称：太行山下"], ["联系人："], ["王芳"], ["移动电话："], ["0354-7502816"],
            ["通讯地址：山西省晋中市榆次区顺城街1号"]]
    got = values(REG, lines_page(rows))
    assert (got["contact"], got["phone"]) == ("王芳", "0354-7502816")
    rows[2] = []  # left blank: the next label is no value
    got = values(REG, lines_page(rows))
    assert got["contact"] is None and got["phone"] == "0354-7502816"


def test_a_value_run_on_to_the_next_line_is_read_whole():
    rows = [["作品名称：太行山下"], ["报送单位（盖章）：中共晋中市委宣"], ["传部"],
            ["通讯地址：山西省晋中市榆次区"], ["顺城街1号"], ["联系人：王芳"]]
    got = values(REG, lines_page(rows))
    assert got["unit"] == "中共晋中市委宣传部" and got["address"] == "山西省晋中市榆次区顺城街1号"
    assert got["contact"] == "王芳"
