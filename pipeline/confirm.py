"""Verification against the emailed copy: is a paper field that differs from its emailed copy
a misreading or a change the unit made?

For each paired field that differs, the paper crop's recogniser outputs (``pipeline.support``)
score the paper reading and the emailed value. When the crop supports the emailed value nearly
as well as the reading (within :data:`MARGIN` nats, measured: README, Verification), the paper
field takes the emailed value (``evidence: confirmed_by_email``, the reading kept as ``raw``)
and no difference is reported. When the crop contradicts the emailed value (more than
:data:`CONTRADICTS` below the reading) it is a real difference, however unsure the reading
looked; in between, the reading's confidence decides as before. Both scores go with it.
When the crop supports neither well (a blur, a crop that missed the writing) a person looks
(``misread:<key>``): a blurry crop never excuses a difference. Running text (the synopsis,
many lines in one crop) and values a person corrected are not verified; nor are the readings
of an engine that gives no per-step outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2

from pipeline.contest import Contest
from pipeline.forms import FieldKind
from pipeline.model import DiffKind, Evidence, Field
from pipeline.ocr import OcrEngine
from pipeline.reconcile import Pair, compare, field_kinds
from pipeline.support import per_char

MARGIN = 5.0  # nats the emailed value may fall below the reading (scripts/measure_margin.py)
CONTRADICTS = 10.0  # nats below the reading: the page shows something else, however unsure
UNREADABLE = -1.0  # nats a character: a crop that supports its own reading less is no witness
CONFIRMED = 0.95  # a confirmed value's confidence: the page and the emailed copy agree
VERIFIED = frozenset({FieldKind.PERSON, FieldKind.NAMES, FieldKind.TEXT, FieldKind.PHONE,
                      FieldKind.DURATION, FieldKind.DATE})  # one line each


def confirm_pairs(pairs: list[Pair], crops: Path, contest: Contest,
                  engine: Callable[[], OcrEngine | None]) -> set[str]:
    """Verify every difference of ``pairs`` not verified yet against its paper crop (in
    ``crops``: ``<doc>-<field>.jpg``); confirmed fields take the emailed value and the pairs'
    differences are compared again. The paper documents changed. ``engine`` is asked for only
    when a crop is to be scored."""
    changed: set[str] = set()
    kinds = field_kinds()
    for pair in pairs:
        if pair.paper is None or pair.email is None:
            continue
        confirmed = False
        for i, diff in enumerate(pair.diffs):
            field = pair.paper.fields.get(diff.field)
            if (diff.support is not None or field is None or field.corrected
                    or kinds.get(diff.field) not in VERIFIED):
                continue
            crop = cv2.imread(str(crops / f"{pair.paper.doc_id}-{diff.field}.jpg"))
            ocr = engine() if crop is not None else None
            steps = ocr.steps(crop) if ocr is not None else None
            if steps is None:
                continue  # no crop, or an engine that cannot tell: as read
            seen = steps.greedy()
            emailed = steps.shown(diff.paper, diff.email)
            reading, other = steps.log_likelihood(seen), steps.log_likelihood(emailed)
            support = [round(max(reading, -999.0), 2), round(max(other, -999.0), 2)]
            if other >= reading - MARGIN and per_char(other, emailed) >= UNREADABLE:
                pair.paper.fields[diff.field] = _confirmed(field, diff.email, diff.paper)
                confirmed = True
            elif per_char(reading, seen) < UNREADABLE:
                pair.diffs[i] = replace(diff, kind=DiffKind.MISREADING, support=support)
            elif other < reading - CONTRADICTS:
                pair.diffs[i] = replace(diff, kind=DiffKind.DIFFERENCE, support=support)
            else:  # between the two: as the reading's confidence says (reconcile.compare)
                pair.diffs[i] = replace(diff, support=support)
        if confirmed:
            kept = {d.field: d for d in pair.diffs}
            pair.diffs = [kept.get(d.field, d) for d in compare(pair, contest)]
            changed.add(pair.paper.doc_id)
    return changed


def _confirmed(field: Field, email: str, reading: str) -> Field:
    return replace(field, value=email, confidence=max(field.confidence, CONFIRMED),
                   evidence=Evidence.CONFIRMED_BY_EMAIL, raw=field.raw or reading,
                   weakest=None)
