"""Reconciliation: pair paper and emailed copies of each form, compare field by field.

Titles are short and may collide between units, so pairs are found as an assignment over the
paper and email documents of a form type (Hungarian method on a similarity of title, unit,
contact and phone together), not greedily. Each field is then compared with a tolerance that
suits it: normalised equality for phone, date, duration and names; edit-distance similarity
for addresses; a similarity ratio for the synopsis, since an OCR'd 500-character text never
matches exactly.

Pure functions over records: :func:`pair_documents` reconciles a whole batch
(``formscan reconcile``); :func:`update` brings the last reconciliation up to date for the
documents a step touched (their pairs compared again, the unmatched ones paired among the
unmatched); :func:`flag` raises the flags that follow. ``pipeline.refresh`` stores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from pipeline.contest import Contest
from pipeline.forms import FieldKind, schemas
from pipeline.model import (
    Diff,
    DiffKind,
    Flag,
    FlagKind,
    FormType,
    Origin,
    Owner,
    Record,
    Status,
)
from pipeline.normalize import comparable, normalize_value


class PairStatus(StrEnum):
    MATCHED = "matched"
    PAPER_ONLY = "paper_only"
    EMAIL_ONLY = "email_only"


@dataclass
class Pair:
    form_type: FormType
    paper: Record | None
    email: Record | None
    score: float = 0.0
    diffs: list[Diff] = field(default_factory=list)

    @property
    def status(self) -> PairStatus:
        if self.paper and self.email:
            return PairStatus.MATCHED
        return PairStatus.PAPER_ONLY if self.paper else PairStatus.EMAIL_ONLY

    @property
    def sides(self) -> list[Record]:
        return [r for r in (self.paper, self.email) if r is not None]

    def to_dict(self) -> dict:
        return {"paper_doc_id": self.paper.doc_id if self.paper else None,
                "email_doc_id": self.email.doc_id if self.email else None,
                "form_type": self.form_type.value, "status": self.status.value,
                "score": round(self.score, 3), "diffs": [d.to_dict() for d in self.diffs]}

    @classmethod
    def from_dict(cls, d: dict, records: dict[str, Record]) -> Pair | None:
        """A stored pair over the records as they are now (None when both are gone)."""
        paper, email = records.get(d["paper_doc_id"] or ""), records.get(d["email_doc_id"] or "")
        if paper is None and email is None:
            return None
        if paper is None or email is None:  # one side was taken out of the batch
            return cls(FormType(d["form_type"]), paper, email)
        return cls(FormType(d["form_type"]), paper, email, float(d["score"]),
                   [Diff.from_dict(x) for x in d.get("diffs") or ()])


@cache
def field_kinds() -> dict[str, FieldKind]:
    """Each field key's kind, over every form's schema."""
    return {f.key: f.kind for schema in schemas().values() for f in schema.fields}


def field_similarity(key: str, a: str | None, b: str | None, contest: Contest) -> float:
    """0..1 agreement of two readings of one field, each normalised by the field's kind."""
    if key == "unit":
        a, b = contest.canonical_unit(a), contest.canonical_unit(b)
    kind = field_kinds().get(key, FieldKind.TEXT)
    a, b = comparable(normalize_value(kind, a)), comparable(normalize_value(kind, b))
    if kind is FieldKind.NAMES:  # a 、 the paper's OCR lost does not make other people
        a, b = a.replace("、", ""), b.replace("、", "")
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100


def pair_score(paper: Record, email: Record, contest: Contest) -> float:
    """How likely two documents of one form type are the same work (0..1)."""
    total = weight = 0.0
    for key, w in contest.reconcile.pair_weights.items():
        a, b = paper.value(key), email.value(key)
        if a and b:
            total += w * field_similarity(key, a, b, contest)
            weight += w
    return total / weight if weight else 0.0


def compare(pair: Pair, contest: Contest) -> list[Diff]:
    """Fields whose paper and email readings disagree beyond their tolerance.

    A value present on one side only is not a difference here: the audit already flags the
    empty field; an emailed copy is often undated.
    """
    diffs = []
    for spec in schemas()[pair.form_type].fields:
        a, b = pair.paper.value(spec.key), pair.email.value(spec.key)
        if not a or not b:
            continue
        similarity = field_similarity(spec.key, a, b, contest)
        # Tolerance is for wording read slightly differently; a house number, a duration or
        # a date that differs is a real difference however similar the rest is.
        numbers_differ = spec.kind is not FieldKind.MULTILINE and (
            re.findall(r"\d+", comparable(a)) != re.findall(r"\d+", comparable(b)))
        if similarity < contest.reconcile.tolerance.get(spec.key, 1.0) or numbers_differ:
            # Read unsurely on paper and within OCR's distance of the emailed value: more
            # likely a misreading than a unit that changed the form; a person looks at it.
            paper = pair.paper.fields[spec.key]
            # One unsure character in a short value (钟 read as 群 at 0.46) makes it unsure;
            # running text always holds one, so there the whole reading's confidence counts.
            sure = paper.confidence if spec.kind is FieldKind.MULTILINE else paper.surest
            unsure = sure < contest.low_confidence
            close = similarity >= contest.reconcile.misread_similarity
            kind = (DiffKind.MISREADING if close and (unsure or _dropped(a, b))
                    else DiffKind.DIFFERENCE)
            diffs.append(Diff(spec.key, a, b, round(similarity, 3), kind))
    return diffs


MAX_DROPPED = 2  # characters OCR may have lost from a paper value that is then no difference


def _dropped(paper: str, email: str) -> bool:
    """Whether the paper reading is the emailed value with a character or two lost (唐强 for
    唐强国): OCR drops characters, a unit seldom cuts one out of a name."""
    a, b = comparable(paper), comparable(email)
    return 0 < len(b) - len(a) <= MAX_DROPPED and LCSseq.similarity(a, b) == len(a)


def _usable(record: Record) -> bool:
    """A record that is a form's document (a duplicate is still its document: the copy was
    not kept twice)."""
    return record.status is not Status.FAILED and record.form_type is not FormType.UNKNOWN


def _assign(form_type: FormType, paper: list[Record], email: list[Record],
            contest: Contest) -> list[Pair]:
    """One Pair per document of one form type: the assignment of paper to email documents
    that agrees best, pairs below the threshold left unmatched."""
    scores = np.array([[pair_score(p, e, contest) for e in email] for p in paper])
    pairs: list[Pair] = []
    matched_p: set[int] = set()
    matched_e: set[int] = set()
    if scores.size:
        # Imported here: SciPy's optimize takes 0.35 s to import, which every command (and a
        # scan's first page) would wait for, and only reconciling uses it.
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-scores)
        for i, j in zip(rows, cols):
            if scores[i, j] >= contest.reconcile.pair_threshold:
                pair = Pair(form_type, paper[i], email[j], float(scores[i, j]))
                pair.diffs = compare(pair, contest)
                pairs.append(pair)
                matched_p.add(i)
                matched_e.add(j)
    pairs += [Pair(form_type, p, None) for i, p in enumerate(paper) if i not in matched_p]
    pairs += [Pair(form_type, None, e) for j, e in enumerate(email) if j not in matched_e]
    return pairs


def pair_documents(records: list[Record], contest: Contest) -> list[Pair]:
    """One Pair per work document: matched, paper only or email only."""
    usable = [r for r in records if _usable(r)]
    pairs: list[Pair] = []
    for form_type in schemas():
        of_type = [r for r in usable if r.form_type is form_type]
        pairs += _assign(form_type, [r for r in of_type if r.origin is Origin.PAPER],
                         [r for r in of_type if r.origin is Origin.EMAIL], contest)
    return pairs


def update(pairs: list[Pair], records: list[Record], touched: set[str],
           contest: Contest) -> list[Pair]:
    """The last reconciliation brought up to date for the documents a step touched: a
    touched pair is compared again (and parted when its documents no longer agree enough);
    the touched documents left unmatched, and those new to the batch, are paired among the
    unmatched of their form type. Pairs nothing touched stay as they are."""
    by_id = {r.doc_id: r for r in records if _usable(r)}
    known = {r.doc_id for p in pairs for r in p.sides}
    touched = (set(touched) & set(by_id)) | (set(by_id) - known)
    kept: list[Pair] = []
    loose: dict[FormType, list[Record]] = {}
    for pair in pairs:
        sides = [by_id[r.doc_id] for r in pair.sides if r.doc_id in by_id]
        moved = any(r.form_type is not pair.form_type for r in sides)
        if not {r.doc_id for r in sides} & touched and not moved and len(sides) == len(
                pair.sides):
            kept.append(pair)
            continue
        if len(sides) == 2 and not moved:
            again = Pair(pair.form_type, *sides, score=pair_score(*sides, contest))
            if again.score >= contest.reconcile.pair_threshold:
                again.diffs = compare(again, contest)
                kept.append(again)
                continue
        for record in sides:
            loose.setdefault(record.form_type, []).append(record)
    for doc_id in touched - {r.doc_id for p in pairs for r in p.sides}:
        loose.setdefault(by_id[doc_id].form_type, []).append(by_id[doc_id])
    if not loose:
        return kept
    # The documents set loose are paired among themselves and those left unmatched before.
    alone = [p for p in kept if p.status is not PairStatus.MATCHED and p.form_type in loose]
    kept = [p for p in kept if p not in alone]
    for form_type, found in loose.items():
        unmatched = found + [r for p in alone if p.form_type is form_type for r in p.sides]
        kept += _assign(form_type, [r for r in unmatched if r.origin is Origin.PAPER],
                        [r for r in unmatched if r.origin is Origin.EMAIL], contest)
    return _in_order(kept, records)


_STATUS_ORDER = {PairStatus.MATCHED: 0, PairStatus.PAPER_ONLY: 1, PairStatus.EMAIL_ONLY: 2}


def _in_order(pairs: list[Pair], records: list[Record]) -> list[Pair]:
    """Pairs as :func:`pair_documents` orders them: by form type, matched first, then paper
    only, then email only, each in the order their documents were read."""
    order = {r.doc_id: i for i, r in enumerate(records)}
    types = list(schemas())
    return sorted(pairs, key=lambda p: (types.index(p.form_type), _STATUS_ORDER[p.status],
                                        order.get(p.sides[0].doc_id, 0)))


_STATUS_FLAGS = {PairStatus.PAPER_ONLY: FlagKind.PAPER_ONLY,
                 PairStatus.EMAIL_ONLY: FlagKind.EMAIL_ONLY}


def flag(records: list[Record], pairs: list[Pair]) -> set[str]:
    """Replace the reconcile flags of every record by the ones these pairs give; the
    documents whose flags changed."""
    raised: dict[str, list[Flag]] = {r.doc_id: [] for r in records}
    # Nothing read on one side yet: nothing to reconcile against, so nothing is missing there.
    alone = {PairStatus.PAPER_ONLY: not any(p.email for p in pairs),
             PairStatus.EMAIL_ONLY: not any(p.paper for p in pairs)}
    for pair in pairs:
        if pair.status is not PairStatus.MATCHED and not alone[pair.status]:
            raised[pair.sides[0].doc_id].append(Flag(_STATUS_FLAGS[pair.status]))
        for diff in pair.diffs:
            if diff.kind is DiffKind.MISREADING:
                raised[pair.paper.doc_id].append(Flag(FlagKind.MISREAD, diff.field))
                continue
            for side in pair.sides:
                raised[side.doc_id].append(Flag(FlagKind.MISMATCH, diff.field))
    changed = set()
    for record in records:
        before = list(record.flags)
        record.replace_flags(Owner.RECONCILE, raised[record.doc_id])
        if record.flags != before:
            changed.add(record.doc_id)
    return changed
