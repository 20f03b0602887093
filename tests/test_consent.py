"""Consent clauses matched in the page text: wrapped, renumbered, OCR-noisy, missing, altered."""

from __future__ import annotations

from pipeline.checks import clause_verdicts
from pipeline.contest import load_contest
from pipeline.model import ConsentVerdict, PageLayout, Segment
from pipeline.verify.consent import match_clauses

CONFIG = load_contest()
C1, C2, C3, C4 = CONFIG.clauses


def page(*lines: str) -> PageLayout:
    """Text rows as the OCR returns them, one segment per printed line."""
    segments = [Segment(text, [100, 100 + 40 * i, 1500, 130 + 40 * i], 0.99)
                for i, text in enumerate(lines)]
    return PageLayout(1654, 2339, [], segments)


def judged(layout: PageLayout) -> list[ConsentVerdict]:
    return clause_verdicts(match_clauses(layout, CONFIG.clauses), CONFIG)


def verdicts(layout: PageLayout) -> list[bool]:
    return [c.present for c in judged(layout)]


def test_all_four_clauses_wrapped_and_numbered_any_way():
    layout = page("相关协议，签名同意", "1．" + C1[:20], C1[20:], "2、" + C2,
                  "3." + C3[:30], C3[30:], C4)
    results = judged(layout)
    assert [r.present for r in results] == [True, True, True, True]
    assert all(r.score > 0.95 for r in results)


def test_ocr_noise_of_the_kind_spec_3_shows_is_tolerated():
    noisy = [C1.replace("华", "亊"), C2.replace("著作", "箸作").replace("。", ""),
             C3.replace("组委会", "組委会"), C4.replace("最终", "最")]
    assert verdicts(page(*noisy)) == [True, True, True, True]


def test_a_form_printed_without_a_clause():
    assert verdicts(page(C1, C2, C4)) == [True, True, False, True]


def test_an_altered_clause_is_missing():
    altered = "报送作品版权归主办单位所有；主办单位可将作品用于任何商业用途并收取费用。"
    assert verdicts(page(C1, C2, altered, C4)) == [True, True, False, True]


def test_a_page_without_text_has_no_clause():
    assert verdicts(page()) == [False, False, False, False]
