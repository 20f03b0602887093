"""Classify stage: which form a page is, by fuzzy title and label evidence.

An envelope PDF holds many forms in any order, so every page is classified on its own. The
page is read in places (a table cell, a row outside the table), so a letter-spaced title or
label that OCR returns character by character is read whole, and a single character never
counts as a label found.

A page whose top lines carry one form's title is that form, unless it is a cover letter that
lists several forms; the labels confirm. A page with form evidence but a weak score gets the
best guess, flagged ``low_confidence:form_type`` for review; only a page without form evidence
is ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.forms import FormSchema, schemas, shared_labels
from pipeline.model import FormType, PageLayout, group_rows
from pipeline.normalize import clean_text

THRESHOLD = 0.55  # at or above this best score the page is that form
GUESS_LABELS = 3  # below it, a page showing this many of a form's labels is a best guess
LABEL_HIT = 85  # partial ratio (0-100) at which a label is on the page
TITLE_HIT = 0.9  # a top line this close to a form's title carries it
TOP_SHARE = 0.3  # the top of the page, where a form prints its title
LABEL_ZONE = 24  # characters at the start of a place where its label stands


@dataclass
class Classification:
    form_type: FormType
    score: float
    guessed: bool = False  # a best guess from weak evidence


@dataclass
class _Place:
    text: str
    top: bool  # in the top of the page
    parts: tuple[str, ...] = ()  # its segments' texts (a title drawn twice is one of them)


def _places(layout: PageLayout) -> list[_Place]:
    """The page's texts by place: each row of a cell, each row outside the table."""
    rows = [row for cell in sorted({s.cell for s in layout.segments if s.cell is not None})
            for row in layout.rows(cell)]
    rows += group_rows([s for s in layout.segments if s.cell is None])
    places = []
    for row in rows:
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


def _score(schema: FormSchema, title: float, texts: list[str]) -> tuple[float, int]:
    """(score, how many of the form's labels the page shows)."""
    found = _label_hits(schema.distinctive, texts)
    shared = _shared_hits(texts)
    distinctive = found / len(schema.distinctive)
    generic = shared / max(1, len(shared_labels()))
    # A title alone may be a cover letter naming the form (附件：作品登记表); labels alone
    # may be any table. Without the form's own labels or title a page cannot pass.
    score = 0.55 * title + 0.3 * min(1.0, 2 * distinctive) + 0.15 * generic
    evidence = distinctive > 0 or generic >= 0.6
    return (score if evidence else min(score, THRESHOLD - 0.05)), found + shared


def classify(layout: PageLayout) -> Classification:
    places = _places(layout)
    texts = [p.text[:LABEL_ZONE] for p in places]
    cover_letter = len(_titles_named(places)) >= 2
    scores: dict[str, float] = {}
    labels: dict[str, int] = {}
    titled: list[str] = []
    for schema in schemas().values():
        title = max(_title_score(t, places) for t in schema.titles)
        score, found = _score(schema, title, texts)
        key = schema.form_type.value
        scores[key], labels[key] = round(score, 3), found
        if title >= TITLE_HIT:
            titled.append(key)
    if len(titled) == 1 and not cover_letter:
        # The one form whose title heads the page: that form, the labels only add to it.
        scores[titled[0]] = max(scores[titled[0]], THRESHOLD)
    best = max(scores, key=scores.get)
    if scores[best] >= THRESHOLD:
        return Classification(FormType(best), scores[best])
    if labels[best] >= GUESS_LABELS and not cover_letter:
        return Classification(FormType(best), scores[best], guessed=True)
    return Classification(FormType.UNKNOWN, scores[best])
