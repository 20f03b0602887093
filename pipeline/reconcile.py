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
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq
from scipy.optimize import linear_sum_assignment

from pipeline.contest import Contest
from pipeline.forms import schemas
from pipeline.model import Diff, DiffKind, Flag, FlagKind, FormType, Origin, Owner, Record, Status
from pipeline.normalize import comparable, normalize_value
from pipeline.store import Store


@dataclass
class Pair:
    form_type: FormType
    paper: Record | None
    email: Record | None
    score: float = 0.0
    diffs: list[Diff] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.paper and self.email:
            return "matched"
        return "paper_only" if self.paper else "email_only"

    def to_dict(self) -> dict:
        return {"paper_doc_id": self.paper.doc_id if self.paper else None,
                "email_doc_id": self.email.doc_id if self.email else None,
                "form_type": self.form_type.value, "status": self.status,
                "score": round(self.score, 3), "diffs": [d.to_dict() for d in self.diffs]}


def _kinds() -> dict[str, str]:
    return {f.key: f.kind for schema in schemas().values() for f in schema.fields}


def field_similarity(key: str, a: str | None, b: str | None, contest: Contest) -> float:
    """0..1 agreement of two readings of one field, each normalised by the field's kind."""
    if key == "unit":
        a, b = contest.canonical_unit(a), contest.canonical_unit(b)
    kind = _kinds().get(key, "text")
    a, b = comparable(normalize_value(kind, a)), comparable(normalize_value(kind, b))
    if kind == "names":  # a 、 the paper's OCR lost does not make other people
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
        numbers_differ = spec.kind != "multiline" and (
            re.findall(r"\d+", comparable(a)) != re.findall(r"\d+", comparable(b)))
        if similarity < contest.reconcile.tolerance.get(spec.key, 1.0) or numbers_differ:
            # Read unsurely on paper and within OCR's distance of the emailed value: more
            # likely a misreading than a unit that changed the form; a person looks at it.
            paper = pair.paper.fields[spec.key]
            # One unsure character in a short value (钟 read as 群 at 0.46) makes it unsure;
            # running text always holds one, so there the whole reading's confidence counts.
            sure = paper.confidence if spec.kind == "multiline" else paper.surest
            unsure = sure < contest.low_confidence
            close = similarity >= contest.reconcile.misread_similarity
            kind = (DiffKind.MISREADING if close and (unsure or _dropped(a, b))
                    else DiffKind.DIFFERENCE)
            diffs.append(Diff(spec.key, a, b, round(similarity, 3), kind))
    return diffs


def _dropped(paper: str, email: str) -> bool:
    """Whether the paper reading is the emailed value with a character or two lost (唐强 for
    唐强国): OCR drops characters, a unit seldom cuts one out of a name."""
    a, b = comparable(paper), comparable(email)
    return 0 < len(b) - len(a) <= MAX_DROPPED and LCSseq.similarity(a, b) == len(a)


def pair_documents(records: list[Record], contest: Contest) -> list[Pair]:
    """One Pair per work document: matched, paper only or email only."""
    pairs: list[Pair] = []
    # A record flagged duplicate is still its document (the copy was not kept twice).
    usable = [r for r in records
              if r.status is not Status.FAILED and r.form_type is not FormType.UNKNOWN]
    for form_type in schemas():
        paper = [r for r in usable if r.form_type is form_type and r.origin is Origin.PAPER]
        email = [r for r in usable if r.form_type is form_type and r.origin is Origin.EMAIL]
        scores = np.array([[pair_score(p, e, contest) for e in email] for p in paper])
        matched_p: set[int] = set()
        matched_e: set[int] = set()
        if scores.size:
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


MAX_DROPPED = 2  # characters OCR may have lost from a paper value that is then no difference
_STATUS_FLAGS = {"paper_only": FlagKind.PAPER_ONLY, "email_only": FlagKind.EMAIL_ONLY}


def _flag(records: list[Record], pairs: list[Pair]) -> None:
    """Replace the reconcile flags of every record by the ones these pairs give."""
    raised: dict[str, list[Flag]] = {r.doc_id: [] for r in records}
    # Nothing read on one side yet: nothing to reconcile against, so nothing is missing there.
    alone = {"paper_only": not any(p.email for p in pairs),
             "email_only": not any(p.paper for p in pairs)}
    for pair in pairs:
        if pair.status != "matched" and not alone[pair.status]:
            raised[(pair.paper or pair.email).doc_id].append(Flag(_STATUS_FLAGS[pair.status]))
        for diff in pair.diffs:
            if diff.kind is DiffKind.MISREADING:
                raised[pair.paper.doc_id].append(Flag(FlagKind.MISREAD, diff.field))
                continue
            for side in (pair.paper, pair.email):
                raised[side.doc_id].append(Flag(FlagKind.MISMATCH, diff.field))
    for record in records:
        record.replace_flags(Owner.RECONCILE, raised[record.doc_id])


def _row(p: Pair) -> dict[str, object]:
    """A pair for people (reconciliation.csv/.xlsx)."""
    any_side = p.paper or p.email
    return {
        "status": p.status, "form_type": p.form_type.value, "score": round(p.score, 3),
        "title": any_side.value("title") or "", "unit": any_side.value("unit") or "",
        "paper": (f"{p.paper.source.path} p.{','.join(map(str, p.paper.source.pages))}"
                  if p.paper else ""),
        "email": f"{p.email.source.path} / {p.email.source.attachment or ''}" if p.email else "",
        "differences": "; ".join(f"{d.field}: {d.paper} ≠ {d.email}" for d in p.diffs
                                 if d.kind is DiffKind.DIFFERENCE),
        "misreadings": "; ".join(f"{d.field}: paper read {d.paper}, email {d.email}"
                                 for d in p.diffs if d.kind is DiffKind.MISREADING),
        "paper_doc_id": p.paper.doc_id if p.paper else "",
        "email_doc_id": p.email.doc_id if p.email else "",
    }


def reconcile(out_dir: Path, contest: Contest) -> list[Pair]:
    """Pair, compare, flag the records; the store rewrites reconciliation.jsonl/.csv/.xlsx."""
    store = Store(out_dir)
    try:
        records = store.records()
        pairs = pair_documents(records, contest)
        _flag(records, pairs)
        with store.transaction():
            for record in records:
                store.put_record(record)
            store.put_reconciliation([p.to_dict() for p in pairs], [_row(p) for p in pairs])
        store.export()
    finally:
        store.close()
    return pairs
