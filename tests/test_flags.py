"""Every flag true: checks run only where a form has the block, a seal names its unit through
the unit list, a value left out is told from one not read, a misreading from a difference."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.checks import check_flags
from pipeline.contest import default_contest
from pipeline.forms import schemas
from pipeline.imaging import unexplained_ink
from pipeline.model import (
    ConsentVerdict,
    DiffKind,
    Field,
    FormType,
    Location,
    Mark,
    Origin,
    Record,
    Route,
)
from pipeline.reconcile import Pair, compare, flag

CONTEST = default_contest()
REG = schemas()[FormType.WORK_REGISTRATION]
AUTH = schemas()[FormType.WORK_AUTHORIZATION]


def record(form_type: FormType, origin: Origin = Origin.PAPER, **values: str | None) -> Record:
    schema = schemas()[form_type]
    base = {"title": "太行山下", "work_type": "纪录片", "duration": "12分钟", "author": "李明",
            "unit": "中共晋中市委宣传部", "creators": "李明、王芳", "contact": "王芳",
            "phone": "13512345678", "address": "山西省晋中市顺城街1号",
            "synopsis": "影片讲述了一位乡村教师三十年如一日坚守在太行山深处的故事。",
            "date": "2023-09-01", **values}
    return Record("d" + form_type.value[:4] + origin.value, origin, form_type,
                  Location("a.pdf", [1]),
                  fields={k: Field(base[k], 0.99, 1, None) if base[k] else
                          Field(None, 0.0, 1, None, ink=False) for k in schema.keys},
                  signature=Mark(True, 0.9), seal=Mark(True, 0.9, text="中共晋中市委宣传部"),
                  consent=[ConsentVerdict(n, False, 0.2) for n in range(1, 5)])


def names(r: Record, schema) -> list[str]:
    return [str(f) for f in check_flags(r, schema, CONTEST)]


def test_the_work_registration_form_has_no_clauses_to_miss():
    assert "clauses" not in REG.blocks and "clauses" in AUTH.blocks
    assert names(record(FormType.WORK_REGISTRATION), REG) == []
    assert names(record(FormType.WORK_AUTHORIZATION), AUTH) == [
        f"clause_missing:{n}" for n in range(1, 5)]


@pytest.mark.parametrize("ring, unit", [
    ("山西省委教育工委宣传部", "山西省委教育工委宣传部"),  # the ring reads the unit as written
    ("中共晋中市委宣传部专用章", "晋中市委宣传部"),  # an alias on the form
    ("中共山西省委教育工委宣传部", "省委教育工委"),
])
def test_a_seal_of_the_forms_unit_in_another_spelling_is_no_mismatch(ring, unit):
    assert CONTEST.seal_verdict(ring, unit) is True


@pytest.mark.parametrize("ring", ["市委宣传部", "宣传", "", "中共市委宣传部专用章"])
def test_a_ring_read_too_poorly_to_name_one_unit_gives_no_verdict(ring):
    assert CONTEST.seal_verdict(ring, "中共晋中市委宣传部") is None


def test_a_seal_that_clearly_names_another_unit_is_a_mismatch():
    assert CONTEST.seal_verdict("中共大同市委宣传部", "中共晋中市委宣传部") is False
    r = record(FormType.WORK_REGISTRATION)
    r.seal = Mark(True, 0.9, text="中共大同市委宣传部")
    assert names(r, REG) == ["mismatch:seal"]


def test_a_field_left_blank_is_missing_one_written_but_not_read_is_unread():
    r = record(FormType.WORK_REGISTRATION, phone=None)
    assert names(r, REG) == ["missing_field:phone"]  # write to the unit
    r.fields["phone"] = Field(None, 0.0, 1, [10, 10, 90, 40], ink=True)
    assert names(r, REG) == ["unread:phone"]  # look at the page: the crop is its bbox
    r.route = Route.DOCX  # a Word file: what is there was read
    r.fields["phone"] = Field(None, 0.0, None, None)
    assert names(r, REG) == ["missing_field:phone"]


def test_handwriting_left_in_a_place_is_ink_that_printed_text_and_rules_do_not_explain():
    page = np.full((200, 600, 3), 250, np.uint8)
    cv2.line(page, (0, 150), (600, 150), (20, 20, 20), 2)  # the cell's rule
    cv2.putText(page, "LABEL", (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (20, 20, 20), 3)
    place, printed = [0, 0, 600, 160], [[5, 25, 140, 70]]
    assert unexplained_ink(page, place, printed) < 0.004  # the printed label, the rule
    cv2.polylines(page, [np.array([[300, 120], [330, 60], [360, 110], [400, 70]])], False,
                  (120, 60, 20), 3)  # a name written by hand, which OCR did not read
    assert unexplained_ink(page, place, printed) >= 0.004


def test_a_difference_where_the_paper_was_read_unsurely_is_a_possible_misreading():
    paper = record(FormType.WORK_REGISTRATION, creators="群琪英、谭志勇")
    paper.fields["creators"].weakest = 0.46  # 钟 read as 群, unsurely
    email = record(FormType.WORK_REGISTRATION, Origin.EMAIL, creators="钟琪英、谭志勇")
    pair = Pair(FormType.WORK_REGISTRATION, paper, email, 0.95)
    pair.diffs = compare(pair, CONTEST)
    assert [(d.field, d.kind) for d in pair.diffs] == [("creators", DiffKind.MISREADING)]
    flag([paper, email], [pair])
    assert paper.flag_names == ["misread:creators"] and email.flag_names == []
    # Read surely, the same difference is the unit's own change: a mismatch on both copies.
    paper.fields["creators"].weakest = 0.99
    pair.diffs = compare(pair, CONTEST)
    flag([paper, email], [pair])
    assert paper.flag_names == email.flag_names == ["mismatch:creators"]


def test_a_paper_value_that_lost_a_character_is_a_possible_misreading():
    paper = record(FormType.WORK_AUTHORIZATION, contact="唐强")
    email = record(FormType.WORK_AUTHORIZATION, Origin.EMAIL, contact="唐强国")
    pair = Pair(FormType.WORK_AUTHORIZATION, paper, email, 0.95)
    assert [(d.field, d.kind) for d in compare(pair, CONTEST)] == [
        ("contact", DiffKind.MISREADING)]
    other = record(FormType.WORK_AUTHORIZATION, Origin.EMAIL, contact="李国强")
    pair = Pair(FormType.WORK_AUTHORIZATION, paper, other, 0.9)
    assert [(d.field, d.kind) for d in compare(pair, CONTEST)] == [
        ("contact", DiffKind.DIFFERENCE)]


def test_a_value_cut_from_its_labels_cell_keeps_its_least_sure_character():
    """联系人：欧阳棋英 in one OCR line: the value is the line's rest, and how unsurely its worst
    character was read stays with it, so the misreading rule still applies (it was lost when
    the segment was rebuilt, and every such value counted as read surely)."""
    from pipeline.extract import read_fields
    from pipeline.model import PageLayout, Segment

    text = "联系人：欧阳棋英"
    layout = PageLayout(1654, 2339, [], [Segment(text, [100, 100, 100 + 40 * len(text), 140],
                                                 0.93, None, 0.41)])
    contact = read_fields(AUTH, layout, 1).fields["contact"]
    assert contact.value == "欧阳棋英" and contact.weakest == 0.41
    paper = record(FormType.WORK_AUTHORIZATION, contact="欧阳棋英")
    paper.fields["contact"] = contact
    email = record(FormType.WORK_AUTHORIZATION, Origin.EMAIL, contact="欧阳琪英")
    pair = Pair(FormType.WORK_AUTHORIZATION, paper, email, 0.95)
    assert [(d.field, d.kind) for d in compare(pair, CONTEST)] == [
        ("contact", DiffKind.MISREADING)]
