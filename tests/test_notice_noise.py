"""The notice's own proposal form under the kind of noise the notice's OCR shows.

``docs/notice-ocr-body.txt`` is the scanner OCR of the notice's body: look-alike characters
(巍 for 山, 屯 for 电, I for 重, 晶 for 品, 豹 for 的), spaces inside brackets and around
digits, dots and colons for commas, lines cut every twenty-odd characters. The form attached
to the notice (重点作品创作文案登记表 with its four clauses) is rebuilt here as such an OCR would
print it, many times over, and must be typed and its clauses found every time.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from pipeline.checks import clause_verdicts
from pipeline.classify import classify
from pipeline.contest import default_contest
from pipeline.model import FormType, PageLayout, Segment
from pipeline.verify.consent import match_clauses

CONTEST = default_contest()
NOTICE = (Path(__file__).resolve().parents[1] / "docs" / "notice-ocr-body.txt").read_text(
    encoding="utf-8")
# Look-alikes as the notice's OCR printed them (left: the notice's word, right: its reading).
LOOKALIKES = {"山": "巍", "电": "屯", "重": "I", "品": "晶", "的": "豹", "值": "位", "现": "瑰",
              "网": "瞬", "邮": "T", "导": "插", "问": "闷", "负": "负", "责": "贵", "一": "～",
              "作": "怍", "有": "冇", "法": "沄", "律": "侓", "权": "杈", "者": "眷"}
PUNCT = {"，": ["．", "、", ",", "."], "；": ["：", ";"], "。": ["．", "", "."]}
FORM = [
    "附件1",
    "社会主义核心价值观主题微电影",
    "重点作品创作文案登记表",
    "文案名称：", "报送单位（盖章）：", "联系人：", "电话：", "地址：", "文案简介（500字）：",
    "相关协议，签名同意",
    *[f"{n}．{c}" for n, c in enumerate(CONTEST.clauses, start=1)],
    "签名：", "日期：  年  月  日",
]


def test_the_noise_model_is_the_notices_own():
    for word, reading in LOOKALIKES.items():
        if word not in ("负", "作", "有", "法", "律", "权", "者"):
            assert reading in NOTICE, f"{reading} (for {word}) is not in the notice's OCR"
    assert re.search(r"[（(] [一二三四]", NOTICE) and "．" in NOTICE


def ocr_like(text: str, rng: random.Random, rate: float) -> str:
    out = []
    for char in text:
        roll = rng.random()
        if char in LOOKALIKES and roll < 2 * rate:
            out.append(LOOKALIKES[char])
        elif char in PUNCT and roll < 4 * rate:
            out.append(rng.choice(PUNCT[char]))
        elif roll < rate / 3:
            continue  # dropped
        elif char.isdigit() or char in "（）()":
            out.append(f" {char} " if roll < 0.5 else char)
        else:
            out.append(char)
    return "".join(out)


def notice_page(seed: int, rate: float = 0.08, width: int = 24) -> PageLayout:
    """The form as lines of OCR text, cut every ``width`` characters like the notice's."""
    rng = random.Random(seed)
    segments, y = [], 100
    for line in FORM:
        noisy = ocr_like(line, rng, rate)
        for start in range(0, len(noisy), width):
            segments.append(Segment(noisy[start:start + width], [100, y, 1500, y + 36], 0.9))
            y += 48
    return PageLayout(1654, 2339, [], segments)


@pytest.mark.parametrize("seed", range(50))
def test_the_notices_form_in_its_ocr_noise_is_a_proposal_with_its_four_clauses(seed):
    page = notice_page(seed, rate=0.12)
    assert classify(page).form_type is FormType.PROPOSAL_REGISTRATION
    verdicts = clause_verdicts(match_clauses(page, CONTEST.clauses), CONTEST)
    assert [v.present for v in verdicts] == [True, True, True, True], verdicts


def test_a_clause_left_out_of_the_noisy_form_is_missing():
    rng = random.Random(7)
    kept = [line for line in FORM if "主办单位" not in line]
    segments = [Segment(ocr_like(line, rng, 0.08), [100, 100 + 48 * i, 1500, 136 + 48 * i], 0.9)
                for i, line in enumerate(kept)]
    verdicts = clause_verdicts(match_clauses(PageLayout(1654, 2339, [], segments),
                                             CONTEST.clauses), CONTEST)
    assert [v.present for v in verdicts] == [True, True, True, False]
