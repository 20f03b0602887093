"""Known printed text (pipeline.known, and pipeline.ocr's reading by a line's ends): a long
line whose head and tail stand in a consent clause at the distance its width gives is that
stretch of the clause; anything else is read whole or joined at a seam both pieces agree on."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

from pipeline import known, ocr
from pipeline.contest import default_contest
from pipeline.verify.consent import _plain

CONTEST = default_contest()
PRINTED = (*CONTEST.clauses, CONTEST.name)
CLAUSE_2 = CONTEST.clauses[1]  # 创作单位、个人是参评作品的合法拥有者，…


def test_a_head_keeps_its_number_and_leaves_its_last_character_uncompared():
    assert known.head("2. 创作单位、") == known.Head("2. ", "创作单位")
    assert known.head("（3）报送作品版") == known.Head("（3）", "报送作品")
    assert known.head("创作单位、") == known.Head("", "创作单位")
    assert known.head("2023年9") == known.Head("", "2023年")  # a year is no clause number
    assert known.head("创作单") is None  # too few characters left to compare
    assert known.head("创 作单位、") is None
    assert known.tail("法律责任。") == "律责任。" and known.tail("责任。") is None


def test_a_head_stands_where_its_characters_do_in_each_known_text():
    assert known.starts("创作单位", PRINTED) == [(1, 4)]
    assert known.starts("報送作品", PRINTED) == [(0, 4), (2, 4)]  # traditional forms fold
    assert known.starts("核心價值觀", PRINTED) == [(4, 15)]  # the contest's name
    assert known.starts("一位乡村教", PRINTED) == []


def test_the_middle_is_the_one_stretch_the_width_allows():
    heads = known.starts("创作单位", PRINTED)
    between = CLAUSE_2[4:CLAUSE_2.index("律责任。")]
    assert known.middle(heads, "律责任。", PRINTED, len(between)) == between
    assert known.middle(heads, "律责任。", PRINTED, len(between) + 2) == between  # slack
    assert known.middle(heads, "律责任。", PRINTED, len(between) - 8) is None  # too wide
    comma = CLAUSE_2.index("版权，并承")  # read with an ASCII comma
    assert known.middle(heads, "版权,并承", PRINTED, comma - 4) == CLAUSE_2[4:comma]
    assert known.middle(heads, "签名：张三", PRINTED, len(between)) is None
    # 作品 stands twice in clause 3 within the slack of each other: no one stretch.
    heads = known.starts("报送作品", PRINTED)
    assert known.middle(heads, "作品", PRINTED, 14) is None


def _chars(text: str, first: float, pitch: float = 5.0) -> list[ocr.Char]:
    return [(c, first + k * pitch, 0.99) for k, c in enumerate(text)]


def test_a_line_whose_tail_stands_in_the_clause_is_the_clause_between():
    line = "2.创作单位、个人是参评作品的合法拥有者，具有著作版权，并承担相应的法律责任。"
    head_read = _chars(line[:7], 1.0)  # 2.创作单位、 (the last character cut)
    found = known.head("".join(c for c, _, _ in head_read))
    place = (found, known.starts(found.core, PRINTED))
    width = len(line) * 40.0  # px at the recogniser's height: 5 steps of 8 px a character
    tail_read = _chars(line[-6:], 1 + 5 * (len(line) - 6))  # 的法律责任。 (的 cut)
    joined = ocr._as_printed(head_read, place, tail_read, PRINTED)
    assert "".join(c for c, _, _ in joined) == line
    steps = [s for _, s, _ in joined]
    assert steps == sorted(steps) and steps[0] == 1.0 and steps[-1] == 1 + 5 * (len(line) - 1)
    text, score, info = ocr._composed(joined, width, _decode())
    assert text == line and score == pytest.approx(0.99)
    assert info.line_txt_len == width / 8 and len(info.confs) == len(line)
    # The tail read otherwise, or the line too short for what lies between: read whole.
    wrong = _chars("签名：张三", 1 + 5 * (len(line) - 5))
    assert ocr._as_printed(head_read, place, wrong, PRINTED) is None
    near = [(c, s - 10, p) for c, s, p in tail_read]  # 10 steps: two characters
    assert ocr._as_printed(head_read, place, near, PRINTED) is not None
    squeezed = [(c, s - 60, p) for c, s, p in tail_read]  # twelve characters
    assert ocr._as_printed(head_read, place, squeezed, PRINTED) is None


def test_a_head_and_the_rest_join_where_both_read_the_same_character():
    start, end = 160, 256  # px: the rest from 160, the head to 256 (steps 20 to 32)
    head = _chars("一位乡村教师三十", 1.0, 4.0)  # 十 at step 29, cut by the head's end
    rest = _chars("十年如一日坚守", 29.0, 4.0)  # 师 before it cut off
    text = "".join(c for c, _, _ in ocr._seamed(head, rest, start, end))
    assert text == "一位乡村教师三十年如一日坚守"
    # The same character a step apart is one character, not two.
    joined = ocr._seamed(head, _chars("三十年如一日", 26.0, 4.0), start, end)
    assert "".join(c for c, _, _ in joined) == "一位乡村教师三十年如一日"
    # Pieces that agree on nothing in the overlap, or that hold a box to tick: read whole.
    assert ocr._seamed(head, _chars("年如一日坚守", 33.0, 4.0), start, end) is None
    boxes = _chars("片 □纪录片", 29.0, 4.0)
    assert ocr._seamed(_chars("作品类型：□故事片", 1.0, 4.0), boxes, start, end) is None


def test_a_piece_is_read_at_its_steps_in_the_line():
    """RapidOCR's word information of a piece (steps in the piece) as characters at their
    steps in the line; a space stands between its neighbours."""
    decode = _decode()
    selection = np.zeros(40, bool)
    selection[[2, 6, 9, 14]] = True  # 第 六 ␣ 届
    info = decode.get_word_info("第六 届", selection)
    info.confs = [0.9, 0.8, 0.7, 0.95]
    chars = ocr._chars("第六 届", 0.8, info, offset=160)
    assert chars == [("第", 22.0, 0.9), ("六", 26.0, 0.8), (" ", 30.0, 0.7), ("届", 34.0, 0.95)]
    assert ocr._chars("", 0.0, info) == []
    assert ocr._chars("第六届届", 0.8, info) is None  # characters and steps do not add up


def _decode():
    from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

    return CTCLabelDecode


# --- the real engine ----------------------------------------------------------------------

def _typed(lines: list[str], fontsize: float = 15) -> np.ndarray:
    """A page with ``lines`` typed one under another, as a scan at 200 dpi."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=120 + 30 * len(lines))
    for k, text in enumerate(lines):
        page.insert_text((40, 80 + 30 * k), text, fontname="china-s", fontsize=fontsize)
    pix = page.get_pixmap(dpi=200)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]
    return np.ascontiguousarray(image[:, :, ::-1])


class _Widths:
    """The recogniser's session, counting the width of what it is given."""

    def __init__(self, inner) -> None:
        self.inner, self.width = inner, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.width += batch.shape[0] * batch.shape[3]
        return self.inner(batch)


@pytest.mark.ocr
def test_clause_lines_are_read_by_their_ends_for_much_less_width():
    """The four consent clauses typed as a form prints them: each line is its clause's text
    (the number as printed), for under two thirds of the width the lines take read whole."""
    c1, c2, c3, c4 = CONTEST.clauses
    lines = [f"1. {c1}", f"2. {c2}", f"3. {c3[:27]}", c3[27:], f"4. {c4}"]
    image = _typed(lines, fontsize=13)
    engine = ocr.make_engine(threads=1)
    rec = engine._ocr.text_rec
    rec.session = counted = _Widths(rec.session)
    engine.read_upright(image)
    read_whole, counted.width = counted.width, 0
    _, read = engine.read_upright(image, PRINTED)
    assert counted.width < 0.67 * read_whole
    assert [_plain(line.text) for line in read] == [_plain(line) for line in lines]
    assert [line.text[0] for line in read] == ["1", "2", "3", c3[27], "4"]
    for line in read:  # characters inside their line, in order along it
        x0, _, x1, _ = line.bbox
        assert all(x0 - 2 <= w.bbox[0] <= w.bbox[2] <= x1 + 2 for w in line.words)
        assert [w.bbox[0] for w in line.words] == sorted(w.bbox[0] for w in line.words)


@pytest.mark.ocr
def test_lines_that_are_no_clause_read_as_they_read_whole():
    """A line a clause begins and a name ends, a synopsis line, a row of boxes: read in pieces
    joined at a seam, or whole, never given a clause's text."""
    lines = ["2. 创作单位、个人是参评作品的合法拥有者，具有著作版权，",
             "并承担相应的法律责任。主办单位签名：张三丰",
             "本片讲述了一位乡村教师三十年如一日坚守在太行山深处的小学的故事",
             "作品类型：□故事片 ■纪录片 □专题片 □微视频 □动画片"]
    image = _typed(lines)
    engine = ocr.make_engine(threads=1)
    _, whole = engine.read_upright(image)
    _, read = engine.read_upright(image, PRINTED)
    assert len(read) == len(lines)
    assert _plain(read[0].text) == _plain(lines[0])
    assert "张三丰" in read[1].text  # its tail is no clause's
    assert read[2].text == whole[2].text == lines[2]
    assert all(o in read[3].text for o in ("故事片", "纪录片", "专题片", "微视频", "动画片"))
