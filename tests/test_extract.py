"""Layout, classification and extraction on text-layer pages (no OCR needed).

The forms are drawn here with PyMuPDF in deliberately different printings: column widths,
row order, label spellings and colon style differ, as they do from unit to unit.
"""

import numpy as np
import pymupdf
import pytest

from pipeline import layout, pdf
from pipeline.classify import classify
from pipeline.extract import read_fields
from pipeline.forms import schemas
from pipeline.model import FormType, Line, Word

FONT = "china-s"
SYNOPSIS = "本片讲述一位乡村教师扎根山区三十年，用知识点亮孩子们梦想的故事，展现了爱岗敬业的精神。"


def draw_table_form(title, rows, label_width=120, two_per_row=(), synopsis_below=False):
    """A ruled form: one (label, value) pair per row, or two where the label is in two_per_row."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((150, 60), title, fontname=FONT, fontsize=18)
    y, x0, x1 = 90, 50, 545
    pending = list(rows)
    while pending:
        label, value = pending.pop(0)
        if label.startswith(("作品简介", "文案简介")):
            height = 110
            if synopsis_below:
                page.draw_rect(pymupdf.Rect(x0, y, x1, y + 28))
                page.insert_text((x0 + 6, y + 19), label, fontname=FONT, fontsize=11)
                y += 28
                page.draw_rect(pymupdf.Rect(x0, y, x1, y + height))
                page.insert_textbox(pymupdf.Rect(x0 + 6, y + 5, x1 - 6, y + height - 4), value,
                                    fontname=FONT, fontsize=11)
            else:
                page.draw_rect(pymupdf.Rect(x0, y, x0 + label_width, y + height))
                page.draw_rect(pymupdf.Rect(x0 + label_width, y, x1, y + height))
                page.insert_text((x0 + 6, y + 19), label, fontname=FONT, fontsize=11)
                page.insert_textbox(pymupdf.Rect(x0 + label_width + 6, y + 5, x1 - 6,
                                                 y + height - 4), value, fontname=FONT,
                                    fontsize=11)
            y += height
            continue
        pairs = [(label, value)]
        if label in two_per_row and pending:
            pairs.append(pending.pop(0))
        width = (x1 - x0) / len(pairs)
        for i, (lab, val) in enumerate(pairs):
            left = x0 + i * width
            page.draw_rect(pymupdf.Rect(left, y, left + label_width, y + 30))
            page.draw_rect(pymupdf.Rect(left + label_width, y, left + width, y + 30))
            page.insert_text((left + 5, y + 20), lab, fontname=FONT, fontsize=11)
            if val:
                page.insert_text((left + label_width + 6, y + 20), val, fontname=FONT,
                                 fontsize=11)
        y += 30
    page.insert_text((320, y + 40), "签名：", fontname=FONT, fontsize=12)
    page.insert_text((320, y + 70), "日期：2023 年 9 月 1 日", fontname=FONT, fontsize=12)
    return doc


def read(doc, form=True):
    """The page's layout as the text-layer route of the pipeline builds it."""
    page = doc[0]
    image = pdf.render(page)
    lines = pdf.text_layer(page, require_form_words=form)
    assert lines, "the test page must take the text-layer route"
    return layout.analyze(image, lines, ocr=False)


WORK_ROWS = [
    ("作品名称", "晋中故事"), ("作品类别", "纪录片"), ("作品时长", "12分钟"),
    ("报送单位(盖章)", "中共晋中市委宣传部"), ("主创人员", "张三、李四"),
    ("联 系 人", "王五"), ("联系电话", "0354-2345678"), ("通讯地址", "山西省晋中市榆次区顺城街1号"),
    ("作品简介（500字）", SYNOPSIS),
]
WANT = {"title": "晋中故事", "work_type": "纪录片", "duration": "12分钟",
        "unit": "中共晋中市委宣传部", "creators": "张三、李四", "contact": "王五",
        "phone": "0354-2345678", "address": "山西省晋中市榆次区顺城街1号", "synopsis": SYNOPSIS,
        "date": "2023-09-01"}


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"label_width": 90},
        {"label_width": 160, "synopsis_below": True},
        {"two_per_row": ("联 系 人",), "label_width": 100},
        {"reorder": True},
    ],
    ids=["plain", "narrow-labels", "wide-labels-synopsis-below", "two-pairs-a-row", "reordered"],
)
def test_work_registration_fields_whatever_the_printing(variant):
    rows = list(WORK_ROWS)
    if variant.pop("reorder", False):
        rows = rows[4:8] + rows[:4] + rows[8:]
    page_layout = read(draw_table_form("作品登记表", rows, **variant))
    verdict = classify(page_layout)
    assert verdict.form_type is FormType.WORK_REGISTRATION
    fields = read_fields(schemas()[FormType.WORK_REGISTRATION], page_layout, page=1).fields
    assert {k: f.value for k, f in fields.items()} == WANT
    assert all(f.bbox and f.page == 1 for f in fields.values())


def test_an_empty_value_cell_is_null_not_the_next_label():
    rows = [r if r[0] != "联系电话" else ("联系电话", "") for r in WORK_ROWS]
    page_layout = read(draw_table_form("作品登记表", rows))
    fields = read_fields(schemas()[FormType.WORK_REGISTRATION], page_layout, page=1).fields
    assert fields["phone"].value is None
    assert fields["contact"].value == "王五"


def test_proposal_without_title_row_is_still_a_proposal():
    rows = [("通讯地址", "山西省太原市小店区长治路123号"), ("联系人", "赵六"),
            ("电话", "13934567890"), ("报送单位（盖章）", "省直机关工委"),
            ("文案简介（500字）", SYNOPSIS)]
    page_layout = read(draw_table_form("重点作品创作文案登记表", rows, two_per_row=("联系人",)))
    assert classify(page_layout).form_type is FormType.PROPOSAL_REGISTRATION
    fields = read_fields(schemas()[FormType.PROPOSAL_REGISTRATION], page_layout, page=1).fields
    assert fields["title"].value is None
    assert fields["unit"].value == "省直机关工委"
    assert fields["phone"].value == "13934567890"
    assert fields["synopsis"].value == SYNOPSIS


def test_colon_style_authorization_without_a_table():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((230, 70), "作品授权书", fontname=FONT, fontsize=18)
    lines = ["作品名称：光阴的故事", "授权人：李明", "报送单位：中共大同市委宣传部",
             "联系人：王芳          电话：13512345678", "授权人签名：", "日期：2023年8月8日"]
    for i, text in enumerate(lines):
        page.insert_text((60, 120 + 34 * i), text, fontname=FONT, fontsize=12)
    page_layout = read(doc)
    assert classify(page_layout).form_type is FormType.WORK_AUTHORIZATION
    fields = read_fields(schemas()[FormType.WORK_AUTHORIZATION], page_layout, page=1).fields
    assert {k: f.value for k, f in fields.items()} == {
        "title": "光阴的故事", "author": "李明", "unit": "中共大同市委宣传部", "contact": "王芳",
        "phone": "13512345678", "date": "2023-08-08"}


def test_a_cover_letter_naming_a_form_is_not_that_form():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    text = ("各位老师：现将我单位报送的作品登记表和作品授权书寄上，请查收。我单位共报送作品十部，"
            "均已按通知要求填写。如有问题请与我们联系。此致敬礼！")
    page.insert_textbox(pymupdf.Rect(60, 80, 540, 400), text, fontname=FONT, fontsize=12)
    assert classify(read(doc, form=False)).form_type is FormType.UNKNOWN


def test_a_line_running_across_a_cell_border_is_split_by_its_character_boxes():
    cells = [[0, 0, 100, 40], [100, 0, 300, 40]]
    chars = "电话13834567890"
    words = [Word(c, [76 + 12 * i, 10, 86 + 12 * i, 30], 0.9) for i, c in enumerate(chars)]
    segments = layout.split_lines([Line(chars, [76, 10, 254, 30], 0.9, words)], cells)
    assert [(s.text, s.cell) for s in segments] == [("电话", 0), ("13834567890", 1)]


def test_seal_ring_text_is_left_out_but_black_text_under_a_seal_is_kept():
    image = np.full((200, 400, 3), 255, np.uint8)
    image[20:60, 20:60] = (40, 30, 220)  # a red seal character (BGR)
    image[100:140, 20:60] = (40, 30, 220)
    image[110:130, 30:50] = (20, 20, 25)  # black text the seal is stamped over
    assert layout.is_red_ink(image, [20, 20, 60, 60])
    assert not layout.is_red_ink(image, [20, 100, 60, 140])
    assert not layout.is_red_ink(image[:, :, 0], [20, 20, 60, 60])  # grey: colour can't tell
