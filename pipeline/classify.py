"""Classify stage: which form a page is, by fuzzy title and label evidence — or that it is
no contest form at all.

An envelope PDF holds many forms in any order, so every page is classified on its own. The
page is read in places (a table cell, a row outside the table), so a letter-spaced title or
label that OCR returns character by character is read whole, and a single character never
counts as a label found.

Only evidence that belongs to one form decides: its title at the top of the page, or the
labels only that form prints (``distinctive`` in its schema: 片长, 文案简介, 授权人 …), a
title cut off or misread, and the consent clauses the forms with clauses print; a short title
(授权书, which other documents print too) counts only with one more piece of that evidence.
Labels every form, invoice and office form prints (地址, 电话, 日期, 联系人, 单位) never
decide. A page whose top line carries one form's title is that form, unless it is a unit's
cover letter (报送函, or a page naming several forms); without a title, a form needs two
pieces of its own evidence, more than any other form shows (a tie is no type), and is a best guess
(``guessed``, flagged ``low_confidence:form_type``) unless three of its own labels stand
there. Anything else is no contest form: a cover letter or another document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from pipeline.contest import Contest
from pipeline.forms import Block, FormSchema, schemas, shared_labels
from pipeline.model import (
    Evidence,
    Field,
    FormType,
    Line,
    OtherKind,
    PageLayout,
    Transform,
)
from pipeline.normalize import clean_text

THRESHOLD = 0.55  # the score a page typed by its title has at least
OWN_EVIDENCE = 2  # pieces of a form's own evidence a page without its title must show
SURE_LABELS = 3  # a form's own labels that make a page without its title no guess
TITLE_PART = 0.6  # share of a title's characters, in order, on a top line: cut off or misread
TITLE_PART_CHARS = 4  # and at least this many (授权 in 授权人 is no title)
SPECIFIC_TITLE = 5  # characters a title has that names the form on its own (作品授权书)
CLAUSES_SEEN = 2  # consent clauses on a page: evidence for the forms that print them
LABEL_HIT = 85  # partial ratio (0-100) at which a label is on the page
TITLE_HIT = 0.9  # a top line this close to a form's title carries it
TOP_SHARE = 0.3  # the top of the page, where a form prints its title
LABEL_ZONE = 24  # characters at the start of a place where its label stands


# A unit's cover letter: 报送函, 推荐函, 关于报送…的函 at the top of the page.
# A title wrapped onto two lines leaves its end (…参评作品的函) on a line of its own.
LETTER_TITLE = re.compile(r"(报送|推荐|申报|呈报)[^，。；]{0,30}函|关于[^，。；]{0,40}的函|的函$")


@dataclass
class Classification:
    form_type: FormType
    score: float
    guessed: bool = False  # a best guess from weak evidence
    other: OtherKind | None = None  # no contest form: what the page is


@dataclass
class _Place:
    text: str
    top: bool  # in the top of the page
    parts: tuple[str, ...] = ()  # its segments' texts (a title drawn twice is one of them)


def _places(layout: PageLayout) -> list[_Place]:
    """The page's texts by place: each row of a cell, each row outside the table."""
    places = []
    for row in layout.all_rows():
        text = clean_text("".join(s.text for s in row))
        middle = (min(s.bbox[1] for s in row) + max(s.bbox[3] for s in row)) / 2
        if text:
            places.append(_Place(text, middle < TOP_SHARE * layout.height,
                                 tuple(clean_text(s.text) for s in row)))
    return places


def _found(word: str, text: str, hit: float) -> bool:
    """``word`` in ``text`` (fuzzy); a text shorter than the word holds none of it."""
    return len(text) >= len(word) - 1 and fuzz.partial_ratio(word, text) >= hit


def _title_score(title: str, places: list[_Place]) -> float:
    """Best fuzzy match of a title among the short lines at the top of the page."""
    best = 0.0
    for place in places:
        if not place.top:
            continue
        for text in {place.text, *place.parts}:
            if len(title) - 1 <= len(text) <= 2 * len(title) + 14:
                best = max(best, fuzz.partial_ratio(title, text) / 100)
    return best


def _title_part(title: str, places: list[_Place]) -> bool:
    """Whether a short line at the top of the page holds most of a title's characters in
    order: the title cut off or misread (创作文案登 of 创作文案登记表)."""
    need = max(TITLE_PART_CHARS, TITLE_PART * len(title))
    return any(LCSseq.similarity(title, text) >= need
               for place in places if place.top
               for text in {place.text, *place.parts} if len(text) <= 2 * len(title) + 14)


def _label_hits(labels: tuple[str, ...], texts: list[str]) -> int:
    """How many of ``labels`` stand at the start of the page's places."""
    return sum(any(_found(label, t, LABEL_HIT) for t in texts) for label in labels)


def _shared_hits(texts: list[str]) -> int:
    """How many of the labels every form prints (联系人, 电话, …) stand on the page, in any
    spelling."""
    return sum(any(_found(label, t, LABEL_HIT) for label in group for t in texts)
               for group in shared_labels())


def _titles_named(places: list[_Place]) -> set[FormType]:
    """The forms whose title stands anywhere on the page (a cover letter lists several)."""
    return {s.form_type for s in schemas().values()
            if any(_found(t, p.text, 100 * TITLE_HIT) for t in s.titles for p in places)}


def _score(schema: FormSchema, title: float, texts: list[str]) -> float:
    """How much the page looks like the form, 0..1 (the record's ``form_score``)."""
    distinctive = _label_hits(schema.distinctive, texts) / len(schema.distinctive)
    generic = _shared_hits(texts) / max(1, len(shared_labels()))
    return 0.55 * title + 0.3 * min(1.0, 2 * distinctive) + 0.15 * generic


def _own_labels(schema: FormSchema, texts: list[str]) -> int:
    """How many of the labels only this form prints stand on the page; a label inside
    another one found (授权人 in 授权人签名) is not counted again."""
    found = [label for label in schema.distinctive
             if any(_found(label, t, LABEL_HIT) for t in texts)]
    return sum(not any(label != other and label in other for other in found)
               for label in found)


def _cover_letter(places: list[_Place]) -> bool:
    """A unit's letter sending its forms: a letter's title at the top, or several forms'
    titles named on the page."""
    return (any(place.top and LETTER_TITLE.search(place.text) for place in places)
            or len(_titles_named(places)) >= 2)


def classify(layout: PageLayout, clauses: int = 0) -> Classification:
    """Which form the page is (see the module's docstring); ``clauses``: how many of the
    contest's consent clauses the page prints, evidence for the forms that carry them."""
    places = _places(layout)
    texts = [p.text[:LABEL_ZONE] for p in places]
    cover_letter = _cover_letter(places)
    scores: dict[FormType, float] = {}
    own: dict[FormType, int] = {}
    labels: dict[FormType, int] = {}
    titled: list[FormType] = []
    for schema in schemas().values():
        title = max(_title_score(t, places) for t in schema.titles)
        specific = max((_title_score(t, places) for t in schema.titles
                        if len(t) >= SPECIFIC_TITLE), default=0.0)
        kind = schema.form_type
        scores[kind] = round(_score(schema, title, texts), 3)
        labels[kind] = _own_labels(schema, texts)
        printed = labels[kind] + (clauses >= CLAUSES_SEEN and Block.CLAUSES in schema.blocks)
        own[kind] = printed + any(_title_part(t, places) for t in schema.titles)
        # A short title (授权书: a company's 法人授权书 too) counts with one more of its own.
        if specific >= TITLE_HIT or (title >= TITLE_HIT and printed):
            titled.append(kind)
    if cover_letter:
        return Classification(FormType.UNKNOWN, max(scores.values()),
                              other=OtherKind.COVER_LETTER)
    if len(titled) == 1:
        # The one form whose title heads the page: that form, the labels only add to it.
        return Classification(titled[0], max(scores[titled[0]], THRESHOLD))
    best = max(own, key=lambda k: (own[k], scores[k]))
    tied = [k for k in own if own[k] == own[best]]
    if own[best] >= OWN_EVIDENCE and len(tied) == 1:
        return Classification(best, scores[best], guessed=labels[best] < SURE_LABELS)
    return Classification(FormType.UNKNOWN, max(scores.values()), other=OtherKind.OTHER)


def letter_unit(layout: PageLayout, contest: Contest, page: int | None = None,
                transform: Transform | None = None) -> Field | None:
    """The unit a cover letter comes from: its 落款, the listed unit a row names, the lowest
    first (the addressee and the body stand above)."""
    for row in sorted(layout.all_rows(), key=lambda r: -max(s.bbox[3] for s in r)):
        snap = contest.snap_unit("".join(s.text for s in row))
        if snap is not None:
            box = [min(s.bbox[0] for s in row), min(s.bbox[1] for s in row),
                   max(s.bbox[2] for s in row), max(s.bbox[3] for s in row)]
            if transform is not None:
                box = transform.bbox_to_original(box)
            return Field(snap.value, snap.score, page, box, evidence=Evidence.VOCABULARY,
                         raw="".join(s.text for s in row))
    return None


TWO_UP_ASPECT = 1.2  # width / height from which a sheet may hold two forms side by side


def two_forms(lines: list[Line], width: float, height: float) -> bool:
    """Whether a landscape sheet holds two forms side by side (an A3 sheet of two A4 forms,
    or one form printed twice): a form's title at the top of each half, neither line running
    across the middle."""
    if width < TWO_UP_ASPECT * height:
        return False
    titles = [t for schema in schemas().values() for t in schema.titles]
    sides = set()
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        text = clean_text(line.text)
        if (y0 + y1) / 2 > TOP_SHARE * height or x0 < width / 2 < x1 or not text:
            continue
        if any(len(t) - 1 <= len(text) <= 2 * len(t) + 14 and _found(t, text, 100 * TITLE_HIT)
               for t in titles):
            sides.add(x1 <= width / 2)
    return sides == {True, False}

