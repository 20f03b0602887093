"""Classify stage: which form a page is, by fuzzy title and label evidence.

An envelope PDF holds many forms in any order, so every page is classified on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.forms import FormSchema, schemas, shared_labels
from pipeline.model import FormType, PageLayout, Segment
from pipeline.normalize import clean_text

THRESHOLD = 0.55  # below this best score the page is `unknown`
LABEL_HIT = 85  # partial ratio (0-100) at which a label is on the page


@dataclass
class Classification:
    form_type: FormType
    score: float
    scores: dict[str, float]


def _title_score(title: str, segments: list[Segment]) -> float:
    """Best fuzzy match of a title among the short lines at the top of the page."""
    best = 0.0
    for seg in segments:
        text = clean_text(seg.text)
        if text and len(text) <= 2 * len(title) + 14:
            best = max(best, fuzz.partial_ratio(title, text) / 100)
    return best


def _on_page(label: str, texts: list[str]) -> bool:
    return any(fuzz.partial_ratio(label, t) >= LABEL_HIT for t in texts)


def _label_hits(labels: tuple[str, ...], texts: list[str]) -> float:
    """Share of ``labels`` found on the page."""
    if not labels:
        return 0.0
    return sum(_on_page(label, texts) for label in labels) / len(labels)


def _shared_hits(texts: list[str]) -> float:
    """Share of the labels every form prints (联系人, 电话, …) found, in any spelling."""
    groups = shared_labels()
    if not groups:
        return 0.0
    return sum(any(_on_page(label, texts) for label in group) for group in groups) / len(groups)


def _score(schema: FormSchema, top: list[Segment], texts: list[str]) -> float:
    title = max(_title_score(t, top) for t in schema.titles)
    distinctive = _label_hits(schema.distinctive, texts)
    generic = _shared_hits(texts)
    # A title alone may be a cover letter naming the form (附件：作品登记表); labels alone
    # may be any table. Without the form's own labels a page cannot pass.
    score = 0.55 * title + 0.3 * min(1.0, 2 * distinctive) + 0.15 * generic
    return score if distinctive > 0 or generic >= 0.6 else min(score, THRESHOLD - 0.05)


def classify(layout: PageLayout) -> Classification:
    top = [s for s in layout.segments if (s.bbox[1] + s.bbox[3]) / 2 < 0.3 * layout.height]
    texts = [clean_text(s.text)[:24] for s in layout.segments]
    scores = {s.form_type.value: round(_score(s, top, texts), 3) for s in schemas().values()}
    best = max(scores, key=scores.get)
    if scores[best] < THRESHOLD:
        return Classification(FormType.UNKNOWN, scores[best], scores)
    return Classification(FormType(best), scores[best], scores)
