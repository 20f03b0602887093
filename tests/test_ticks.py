"""Work types printed as options to tick (□故事片 ☑纪录片 …), as forms retyped without a table
print them. The text rule is tried on rows as PP-OCR returns them (a marked box read as ☑ or
dropped); the page rule on rows drawn with PyMuPDF and marked as people mark them (a tick, a
cross, a box filled in), the text read without any box; one test reads a drawn row with the
real OCR engine."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

from pipeline.checks import check_flags
from pipeline.contest import default_contest
from pipeline.extract import read_fields
from pipeline.forms import schemas
from pipeline.model import Evidence, Field, FormType, Location, Mark, Origin, Record, Segment
from pipeline.ticks import read_ticks, ticked_field
from tests.test_reading import REGISTRATION, page

CONTEST = default_contest()
REG = schemas()[FormType.WORK_REGISTRATION]
WORDS = CONTEST.vocabularies["work_type"]
DPI = 200
FONT = "china-s"


def row(text: str) -> list[Segment]:
    return [Segment(text, [300.0, 100.0, 300.0 + 30 * len(text), 130.0], 0.95)]


@pytest.mark.parametrize("text, ticked", [
    ("□故事片☑纪录片□专题片□微视频□动画片", ("纪录片",)),  # the tick read as a tick
    ("☐故事片 □纪录片 ✓专题片 □微视频", ("专题片",)),
    ("□故事片□纪录片□专题片微视频□动画片", ("微视频",)),  # the marked box dropped by OCR
    ("□故事片□纪录片专题片□微视频□动画片", ("专题片",)),
    ("故事片√纪录片□专题片□微视频□动画片□", ("故事片",)),  # boxes after the words
    ("故事片□☑纪录片☑专题片□微视频□动画片□", ("纪录片",)),  # a pen tick read twice
    ("故事片□纪录片□专题片微视频□动画片□", ("专题片",)),
    ("故事片剧本□纪录片文案√专题片解说词□", ("纪录片文案",)),  # proposal types
    ("□故事片☑纪录斤□专题片□微视频", ("纪录片",)),  # a word one character misread
    ("☑故事片□纪录片☑专题片", ("故事片", "专题片")),
    ("□故事片□纪录片□专题片□微视频□动画片", ()),
])
def test_the_text_says_which_option_is_ticked(text, ticked):
    words = WORDS if "剧本" not in text else CONTEST.vocabularies["proposal_type"]
    found = read_ticks(row(text), words, page=None)
    assert found.words == ticked and found.confidence >= 0.85


def test_a_value_written_as_a_word_is_no_option_row():
    assert read_ticks(row("纪录片"), WORDS, page=None) is None


@pytest.mark.parametrize("text", [
    "故事片纪录片专题片",  # no box read
    "故事片□纪录片□专题片□微视频□动画片",  # the first box dropped, or the last: which?
])
def test_a_row_the_text_cannot_tell_without_the_page_is_left_for_a_person(text):
    found = read_ticks(row(text), WORDS, page=None)
    assert found.words == () and found.confidence == 0.0
    field = ticked_field(Field(text, 0.9, 1, None), found)
    assert field.value is None and field.ink is None  # not told: unread, not "not filled in"


def _record(field: Field) -> Record:
    fields = {"title": Field("太行山下", 0.99, 1, None), "work_type": field}
    return Record("d1", Origin.PAPER, FormType.WORK_REGISTRATION, Location("a.pdf", [1]),
                  fields=fields, signature=Mark(True, 0.9), seal=Mark(True, 0.9))


def test_one_tick_gives_the_word_several_a_flag_none_a_missing_field():
    read = Field("□故事片☑纪录片□专题片", 0.9, 1, [1.0, 2.0, 3.0, 4.0])
    one = ticked_field(read, read_ticks(row(read.value), WORDS, None))
    assert (one.value, one.evidence, one.raw, one.bbox) == (
        "纪录片", Evidence.CHECKBOX, "□故事片☑纪录片□专题片", [1.0, 2.0, 3.0, 4.0])
    assert "many_ticks:work_type" not in map(str, check_flags(_record(one), REG, CONTEST))

    two = ticked_field(read, read_ticks(row("☑故事片☑纪录片□专题片"), WORDS, None))
    assert (two.value, two.raw) == (None, "故事片、纪录片")  # a person settles which
    flags = [str(f) for f in check_flags(_record(two), REG, CONTEST)]
    assert "many_ticks:work_type" in flags and not any("work_type" in f for f in flags
                                                        if f != "many_ticks:work_type")

    none = ticked_field(read, read_ticks(row("□故事片□纪录片□专题片"), WORDS, None))
    assert none.value is None and none.ink is False
    assert "missing_field:work_type" in map(str, check_flags(_record(none), REG, CONTEST))


def test_the_option_row_is_what_extraction_found_beside_the_label():
    rows = [list(r) for r in REGISTRATION]
    rows[1] = ["作品类型", "□故事片□纪录片☑专题片□微视频□动画片", "片长", "12分钟"]
    reading = read_fields(REG, page(rows), 1)
    found = read_ticks(reading.segments["work_type"], WORDS, None)
    assert found.words == ("专题片",)


# --- the page: boxes drawn and marked by hand, the text read without them -------------------

def draw_row(marked: dict[str, str], words: tuple[str, ...] = WORDS[:4], boxes: str = "before"):
    """A row ``作品类型：□w1 □w2 …`` (or ``w1□ w2□``, or no boxes) with the boxes of ``marked``
    ticked, crossed or filled, or the option circled; returns the page image and a segment
    per word where it is drawn (no box read)."""
    doc = pymupdf.open()
    p = doc.new_page(width=595, height=160)
    p.insert_text((40, 80), "作品类型：", fontname=FONT, fontsize=14)
    x, spans = 120.0, []
    for word in words:
        start = x
        at = x if boxes == "before" else x + 4 + 14 * len(word)
        text_x = x + 17 if boxes == "before" else x
        how = marked.get(word)
        if boxes != "none":
            p.draw_rect(pymupdf.Rect(at, 67, at + 13, 80), width=0.8)
        if how == "tick":
            p.draw_polyline([(at + 2, 73), (at + 5, 78), (at + 15, 63)], width=1.6)
        elif how == "cross":
            p.draw_line((at + 2, 69), (at + 11, 78), width=1.4)
            p.draw_line((at + 11, 69), (at + 2, 78), width=1.4)
        elif how == "fill":
            p.draw_rect(pymupdf.Rect(at + 2, 69, at + 11, 78), fill=(0, 0, 0))
        p.insert_text((text_x, 79), word, fontname=FONT, fontsize=14)
        spans.append((word, text_x, text_x + 14 * len(word)))
        x += 17 + 14 * len(word) + 18
        if how == "circle":
            p.draw_oval(pymupdf.Rect(start - 5, 60, x - 14, 87), width=1.2)
    pix = p.get_pixmap(dpi=DPI)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]
    k = DPI / 72
    segments = [Segment(w, [x0 * k, 64 * k, x1 * k, 82 * k], 0.9) for w, x0, x1 in spans]
    return image.copy(), segments


@pytest.mark.parametrize("marked", [
    {"纪录片": "tick"}, {"故事片": "cross"}, {"专题片": "fill"},
    {"故事片": "tick", "微视频": "cross"}, {},
])
def test_the_page_says_which_box_is_marked_when_the_text_has_no_box(marked):
    image, segments = draw_row(marked)
    found = read_ticks(segments, WORDS, image)
    assert set(found.words) == set(marked) and found.confidence > 0
    assert [w for w in found.words] == [w for w in WORDS if w in marked]  # in print order


@pytest.mark.parametrize("boxes", ["before", "after", "none"])
def test_an_option_circled_by_pen_is_the_one_chosen(boxes):
    image, segments = draw_row({"专题片": "circle"}, boxes=boxes)
    if boxes != "none":  # the boxes read, all empty
        segments = [Segment("□" + s.text if boxes == "before" else s.text + "□", s.bbox, 0.9)
                    for s in segments]
    assert read_ticks(segments, WORDS, image).words == ("专题片",)


def test_after_their_words_the_page_says_which_box_is_marked():
    image, segments = draw_row({"纪录片": "cross"}, boxes="after")
    assert read_ticks(segments, WORDS, image).words == ("纪录片",)


def test_a_box_not_read_beside_a_tick_and_an_empty_box_may_be_ticked_too():
    """A tick read, an empty box read, and an option whose box was not read: a box a mark
    made unreadable, so that option is ticked too where the text alone must tell (a person
    settles it); the page's boxes say which are marked where it is there."""
    words = CONTEST.vocabularies["proposal_type"]
    found = read_ticks(row("故事片剧本纪录片文案■专题片解说词□"), words, page=None)
    assert found.words == ("故事片剧本", "纪录片文案")  # not the one tick read: trusted
    field = ticked_field(Field("", 0.9, 1, None), found)
    assert field.value is None and field.raw == "故事片剧本、纪录片文案"

    def read(marked: dict[str, str]) -> tuple[str, ...]:
        image, segments = draw_row(marked, boxes="after")
        texts = ["故事片", "纪录片■", "专题片□", "微视频□"]  # 故事片's box not read
        segments = [Segment(t, s.bbox, 0.9) for t, s in zip(texts, segments, strict=True)]
        return read_ticks(segments, WORDS, image).words

    assert read({"故事片": "fill", "纪录片": "fill"}) == ("故事片", "纪录片")
    assert read({"纪录片": "fill"}) == ("纪录片",)  # its box was empty: only the tick read


def test_two_boxes_not_read_beside_empty_ones_the_page_says_which_is_marked():
    """Empty boxes read and two options whose box was not read: one is the mark, the other
    a box the recogniser dropped; the page's boxes tell them apart, the text alone cannot."""
    def read(marked: dict[str, str], page: bool = True) -> tuple[str, ...]:
        image, segments = draw_row(marked)
        texts = ["□故事片", "纪录片", "专题片", "□微视频"]  # 纪录片's and 专题片's boxes not read
        segments = [Segment(t, s.bbox, 0.9) for t, s in zip(texts, segments, strict=True)]
        return read_ticks(segments, WORDS, image if page else None).words

    assert read({"专题片": "tick"}) == ("专题片",)
    assert read({"纪录片": "fill"}) == ("纪录片",)
    assert read({"纪录片": "tick", "专题片": "cross"}) == ("纪录片", "专题片")
    assert read({"专题片": "tick"}, page=False) == ("纪录片", "专题片")  # a person settles it
    assert read({}) == ("纪录片", "专题片")  # no box marked on the page: the mark went unseen


def test_a_character_blurred_solid_in_the_middle_of_a_word_is_no_box():
    image, segments = draw_row({"专题片": "fill"})
    k = DPI / 72
    word = next(s for s in segments if s.text == "纪录片")
    middle = (word.bbox[0] + word.bbox[2]) / 2
    image[int(67 * k):int(80 * k), int(middle - 6.5 * k):int(middle + 6.5 * k)] = 0  # 录 a blot
    assert read_ticks(segments, WORDS, image).words == ("专题片",)


def test_boxes_not_found_one_per_option_leave_the_row_not_told():
    image, segments = draw_row({"纪录片": "tick"})
    image[:, : int(250 * DPI / 72)] = 255  # the first box torn off the scan
    found = read_ticks(segments, WORDS, image)
    assert found.words == () and found.confidence == 0.0


@pytest.mark.ocr
@pytest.mark.parametrize("marked", [{"纪录片": "tick"}, {"专题片": "cross"}, {"故事片": "fill"}])
def test_a_marked_row_read_by_the_real_engine(marked):
    from pipeline.ocr import make_engine

    image, _ = draw_row(marked)
    lines = make_engine().recognize(image)
    segments = [Segment(line.text, line.bbox, line.confidence) for line in lines]
    assert read_ticks(segments, WORDS, image).words == tuple(marked)
