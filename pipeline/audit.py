"""``formscan audit``: which forms are missing what, and which units are short.

A reader of the store: re-applies the audit rules (with the office's configuration) to
every record, hands the updated records back to the store, and writes ``audit.csv``
(one row per flagged document) and ``units.csv`` (per submitting unit, against the
notice's quotas).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.checks import apply_checks
from pipeline.contest import QUOTA_KINDS, Contest
from pipeline.forms import schemas
from pipeline.model import Flag, FlagKind, Origin, Record, Status
from pipeline.store import Store

AUDIT_COLUMNS = ["doc_id", "path", "pages", "attachment", "form_type", "unit", "title",
                 "status", "missing", "flags"]
UNIT_COLUMNS = ["unit", "works", "proposals", "required_works", "required_proposals", "met",
                "missing_signatures", "missing_seals"]
_MISSING_WORDS = {FlagKind.MISSING_SIGNATURE: "signature", FlagKind.MISSING_SEAL: "seal",
                  FlagKind.MISSING_DATE: "date", FlagKind.LATE: "late (after the deadline)",
                  FlagKind.SYNOPSIS_TOO_LONG: "synopsis over 500 characters",
                  FlagKind.INVALID_PHONE: "valid phone",
                  FlagKind.SEAL_MISMATCH: "seal of this unit", FlagKind.UNCLASSIFIED: "form type",
                  FlagKind.UNKNOWN_UNIT: "a listed unit (the one written is in no list)",
                  FlagKind.FORM_GUESSED: "check form type (a best guess)"}
_KEYED_WORDS = {FlagKind.MISSING_FIELD: "field {}", FlagKind.CLAUSE_MISSING: "consent clause {}",
                FlagKind.LOW_CONFIDENCE: "check {} (low confidence)",
                FlagKind.UNREAD: "look at {} on the page (written, not read surely)",
                FlagKind.MISREAD: "look at {} on the page (read unsurely, differs by email)"}


@dataclass
class AuditResult:
    flagged: pd.DataFrame
    units: pd.DataFrame
    documents: int


def _missing(flags: list[Flag]) -> str:
    """What a person must chase, in words: 'signature; seal; field phone'."""
    words = []
    for flag in flags:
        if flag.kind in _MISSING_WORDS:
            words.append(_MISSING_WORDS[flag.kind])
        elif flag.kind in _KEYED_WORDS:
            words.append(_KEYED_WORDS[flag.kind].format(flag.key))
        else:
            words.append(str(flag))
    return "; ".join(words)


def record_unit(record: Record, contest: Contest) -> str | None:
    """The submitting unit: the unit field, canonicalised; else the unit its seal names."""
    return contest.canonical_unit(record.value("unit")) or contest.seal_unit(
        record.seal.text if record.seal and record.seal.present else None)


def flagged_table(records: list[Record], contest: Contest) -> pd.DataFrame:
    rows = [{
        "doc_id": r.doc_id, "path": r.source.path,
        "pages": ",".join(map(str, r.source.pages)), "attachment": r.source.attachment or "",
        "form_type": r.form_type.value,
        "unit": record_unit(r, contest) or "", "title": r.value("title") or "",
        "status": r.status.value, "missing": _missing(r.flags), "flags": ";".join(r.flag_names),
    } for r in records if r.status is not Status.OK]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def units_table(records: list[Record], contest: Contest) -> pd.DataFrame:
    """Per unit: distinct works and proposals on paper, quota met, forms missing marks."""
    counted: dict[str, dict[str, set[str]]] = {kind: defaultdict(set) for kind in QUOTA_KINDS}
    no_signature: dict[str, int] = defaultdict(int)
    no_seal: dict[str, int] = defaultdict(int)
    for r in records:
        unit = record_unit(r, contest)
        if not unit or r.origin is not Origin.PAPER:
            continue
        kind = contest.quota_kind(r.form_type)
        if kind is not None:  # a work counts once, however many of its forms came
            counted[kind][unit].add(r.value("title") or r.doc_id)  # untitled: one each
        no_signature[unit] += r.has_flag(FlagKind.MISSING_SIGNATURE)
        no_seal[unit] += r.has_flag(FlagKind.MISSING_SEAL)
    works, proposals = counted["works"], counted["proposals"]
    names = [u.name for u in contest.units]
    names += sorted((set(works) | set(proposals) | set(no_seal)) - set(names))
    rows = []
    for unit in names:
        quota = contest.required(unit)
        n_works, n_proposals = len(works[unit]), len(proposals[unit])
        rows.append({
            "unit": unit, "works": n_works, "proposals": n_proposals,
            "required_works": quota["works"] if quota else "",
            "required_proposals": quota["proposals"] if quota else "",
            "met": ("yes" if n_works >= quota["works"] and n_proposals >= quota["proposals"]
                    else "no") if quota else "not a listed unit",
            "missing_signatures": no_signature[unit], "missing_seals": no_seal[unit],
        })
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def audit(out_dir: Path, contest: Contest) -> AuditResult:
    """Re-check every record in OUT, store the flags, write audit.csv and units.csv."""
    store = Store(out_dir)
    try:
        records = store.records()
        known = schemas()
        with store.transaction():
            for record in records:
                if record.status is not Status.FAILED:
                    apply_checks(record, known.get(record.form_type), contest)
                store.put_record(record)
        result = AuditResult(flagged_table(records, contest), units_table(records, contest),
                             len(records))
        store.write_table("audit.csv", result.flagged)
        store.write_table("units.csv", result.units)
        store.export()
    finally:
        store.close()
    return result
