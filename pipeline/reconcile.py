"""``formscan reconcile``: pair paper and emailed copies of each form, compare field by field.

A reader of the store. Titles are short and may collide between units, so pairs are found
as an assignment over all paper and email documents of a form type (Hungarian method on a
similarity of title, unit, contact and phone together), not greedily. Each field is then
compared with a tolerance that suits it: normalised equality for phone, date, duration and
names; edit-distance similarity for addresses; a similarity ratio for the synopsis, since an
OCR'd 500-character text never matches exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from pipeline.checks import AuditConfig, canonical_unit
from pipeline.forms import schemas
from pipeline.model import FormType, Origin, Record, Status
from pipeline.normalize import comparable, normalize_value
from pipeline.store import Store

PAIR_THRESHOLD = 0.6  # below this similarity two documents are not the same work
# Evidence for "same work": field key -> weight (missing values drop out of the average).
PAIR_WEIGHTS = {"title": 0.4, "unit": 0.15, "contact": 0.15, "phone": 0.2, "author": 0.1,
                "synopsis": 0.1}
# Similarity at or above which a field's two readings agree, by field key (default 1.0:
# equal after normalisation).
TOLERANCE = {"address": 0.95, "synopsis": 0.85}
_RECONCILE_FLAGS = ("paper_only", "email_only")


@dataclass
class Pair:
    form_type: FormType
    paper: Record | None
    email: Record | None
    score: float = 0.0
    diffs: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.paper and self.email:
            return "matched"
        return "paper_only" if self.paper else "email_only"

    def to_dict(self) -> dict:
        return {"paper_doc_id": self.paper.doc_id if self.paper else None,
                "email_doc_id": self.email.doc_id if self.email else None,
                "form_type": self.form_type.value, "status": self.status,
                "score": round(self.score, 3), "diffs": self.diffs}


def _value(record: Record, key: str) -> str | None:
    f = record.fields.get(key)
    return f.value if f else None


def _kinds() -> dict[str, str]:
    return {f.key: f.kind for schema in schemas().values() for f in schema.fields}


def field_similarity(key: str, a: str | None, b: str | None, config: AuditConfig) -> float:
    """0..1 agreement of two readings of one field, each normalised by the field's kind."""
    if key == "unit":
        a, b = canonical_unit(a, config), canonical_unit(b, config)
    kind = _kinds().get(key, "text")
    a, b = comparable(normalize_value(kind, a)), comparable(normalize_value(kind, b))
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100


def pair_score(paper: Record, email: Record, config: AuditConfig) -> float:
    """How likely two documents of one form type are the same work (0..1)."""
    total = weight = 0.0
    for key, w in PAIR_WEIGHTS.items():
        a, b = _value(paper, key), _value(email, key)
        if a and b:
            total += w * field_similarity(key, a, b, config)
            weight += w
    return total / weight if weight else 0.0


def compare(pair: Pair, config: AuditConfig) -> list[dict]:
    """Fields whose paper and email readings disagree beyond their tolerance.

    A value present on one side only is not a difference here: the audit already flags the
    empty field; an emailed copy is often undated.
    """
    diffs = []
    for spec in schemas()[pair.form_type].fields:
        a, b = _value(pair.paper, spec.key), _value(pair.email, spec.key)
        if not a or not b:
            continue
        similarity = field_similarity(spec.key, a, b, config)
        # Tolerance is for wording read slightly differently; a house number, a duration or
        # a date that differs is a real difference however similar the rest is.
        numbers_differ = spec.kind != "multiline" and (
            re.findall(r"\d+", comparable(a)) != re.findall(r"\d+", comparable(b)))
        if similarity < TOLERANCE.get(spec.key, 1.0) or numbers_differ:
            diffs.append({"field": spec.key, "paper": a, "email": b,
                          "similarity": round(similarity, 3)})
    return diffs


def pair_documents(records: list[Record], config: AuditConfig) -> list[Pair]:
    """One Pair per work document: matched, paper only or email only."""
    pairs: list[Pair] = []
    # A record flagged duplicate is still its document (the copy was not kept twice).
    usable = [r for r in records
              if r.status is not Status.FAILED and r.form_type is not FormType.UNKNOWN]
    for form_type in schemas():
        paper = [r for r in usable if r.form_type is form_type and r.origin is Origin.PAPER]
        email = [r for r in usable if r.form_type is form_type and r.origin is Origin.EMAIL]
        scores = np.array([[pair_score(p, e, config) for e in email] for p in paper])
        matched_p: set[int] = set()
        matched_e: set[int] = set()
        if scores.size:
            rows, cols = linear_sum_assignment(-scores)
            for i, j in zip(rows, cols):
                if scores[i, j] >= PAIR_THRESHOLD:
                    pair = Pair(form_type, paper[i], email[j], float(scores[i, j]))
                    pair.diffs = compare(pair, config)
                    pairs.append(pair)
                    matched_p.add(i)
                    matched_e.add(j)
        pairs += [Pair(form_type, p, None) for i, p in enumerate(paper) if i not in matched_p]
        pairs += [Pair(form_type, None, e) for j, e in enumerate(email) if j not in matched_e]
    return pairs


def _flag(records: list[Record], pairs: list[Pair]) -> None:
    """Replace the reconcile flags of every record by the ones these pairs give."""
    for record in records:
        record.flags = [f for f in record.flags if f not in _RECONCILE_FLAGS and not (
            f.startswith("mismatch:") and f != "mismatch:seal")]
        record.update_status()
    for pair in pairs:
        if pair.status != "matched":
            (pair.paper or pair.email).add_flag(pair.status)
        for diff in pair.diffs:
            for side in (pair.paper, pair.email):
                side.add_flag(f"mismatch:{diff['field']}")


def _table(pairs: list[Pair]) -> pd.DataFrame:
    rows = []
    for p in pairs:
        any_side = p.paper or p.email
        rows.append({
            "status": p.status, "form_type": p.form_type.value, "score": round(p.score, 3),
            "title": _value(any_side, "title") or "", "unit": _value(any_side, "unit") or "",
            "paper": (f"{p.paper.source.path} p.{','.join(map(str, p.paper.source.pages))}"
                      if p.paper else ""),
            "email": (f"{p.email.source.path} / {p.email.source.attachment or ''}"
                      if p.email else ""),
            "differences": "; ".join(f"{d['field']}: {d['paper']} ≠ {d['email']}"
                                     for d in p.diffs),
            "paper_doc_id": p.paper.doc_id if p.paper else "",
            "email_doc_id": p.email.doc_id if p.email else "",
        })
    return pd.DataFrame(rows)


def reconcile(out_dir: Path, config: AuditConfig) -> list[Pair]:
    """Pair, compare, flag the records, write reconciliation.jsonl/.csv/.xlsx."""
    store = Store(out_dir)
    try:
        records = store.records()
        pairs = pair_documents(records, config)
        _flag(records, pairs)
        with store.transaction():
            for record in records:
                store.put_record(record)
        store.write_jsonl("reconciliation.jsonl", [p.to_dict() for p in pairs])
        table = _table(pairs)
        store.write_table("reconciliation.csv", table)
        store.write_excel("reconciliation.xlsx", table)
        store.export()
    finally:
        store.close()
    return pairs
