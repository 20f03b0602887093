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

from pipeline.checks import AuditConfig, apply_checks, canonical_unit, seal_unit
from pipeline.forms import schemas
from pipeline.model import FormType, Origin, Record, Status
from pipeline.store import Store

AUDIT_COLUMNS = ["doc_id", "path", "pages", "attachment", "form_type", "unit", "title",
                 "status", "missing", "flags"]
UNIT_COLUMNS = ["unit", "works", "proposals", "required_works", "required_proposals", "met",
                "missing_signatures", "missing_seals"]
_MISSING_WORDS = {"missing_signature": "signature", "missing_seal": "seal",
                  "missing_date": "date", "late": "late (after the deadline)",
                  "synopsis_too_long": "synopsis over 500 characters",
                  "invalid_phone": "valid phone", "mismatch:seal": "seal of this unit",
                  "unclassified": "form type"}


@dataclass
class AuditResult:
    flagged: pd.DataFrame
    units: pd.DataFrame
    documents: int


def _value(record: Record, key: str) -> str:
    f = record.fields.get(key)
    return f.value if f and f.value else ""


def _missing(flags: list[str]) -> str:
    """What a person must chase, in words: 'signature; seal; field phone'."""
    words = []
    for flag in flags:
        if flag in _MISSING_WORDS:
            words.append(_MISSING_WORDS[flag])
        elif flag.startswith("missing_field:"):
            words.append("field " + flag.split(":", 1)[1])
        elif flag.startswith("clause_missing:"):
            words.append("consent clause " + flag.split(":", 1)[1])
        elif flag.startswith("low_confidence:"):
            words.append("check " + flag.split(":", 1)[1] + " (low confidence)")
        else:
            words.append(flag)
    return "; ".join(words)


def record_unit(record: Record, config: AuditConfig) -> str | None:
    """The submitting unit: the unit field, canonicalised; else the unit its seal names."""
    return canonical_unit(_value(record, "unit"), config) or seal_unit(
        record.seal.text if record.seal and record.seal.present else None, config)


def flagged_table(records: list[Record], config: AuditConfig) -> pd.DataFrame:
    rows = [{
        "doc_id": r.doc_id, "path": r.source.path,
        "pages": ",".join(map(str, r.source.pages)), "attachment": r.source.attachment or "",
        "form_type": r.form_type.value,
        "unit": record_unit(r, config) or "", "title": _value(r, "title"),
        "status": r.status.value, "missing": _missing(r.flags), "flags": ";".join(r.flags),
    } for r in records if r.status is not Status.OK]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def units_table(records: list[Record], config: AuditConfig) -> pd.DataFrame:
    """Per unit: distinct works and proposals on paper, quota met, forms missing marks."""
    works: dict[str, set[str]] = defaultdict(set)
    proposals: dict[str, set[str]] = defaultdict(set)
    no_signature: dict[str, int] = defaultdict(int)
    no_seal: dict[str, int] = defaultdict(int)
    for r in records:
        unit = record_unit(r, config)
        if not unit or r.origin is not Origin.PAPER:
            continue
        title = _value(r, "title") or r.doc_id  # untitled proposals count one each
        if r.form_type in (FormType.WORK_REGISTRATION, FormType.WORK_AUTHORIZATION):
            works[unit].add(title)
        elif r.form_type is FormType.PROPOSAL_REGISTRATION:
            proposals[unit].add(title)
        no_signature[unit] += "missing_signature" in r.flags
        no_seal[unit] += "missing_seal" in r.flags
    names = [u.name for u in config.units]
    names += sorted((set(works) | set(proposals) | set(no_seal)) - set(names))
    rows = []
    for unit in names:
        quota = config.required(unit)
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


def audit(out_dir: Path, config: AuditConfig) -> AuditResult:
    """Re-check every record in OUT, store the flags, write audit.csv and units.csv."""
    store = Store(out_dir)
    try:
        records = store.records()
        known = schemas()
        with store.transaction():
            for record in records:
                if record.status is not Status.FAILED:
                    apply_checks(record, known.get(record.form_type), config)
                store.put_record(record)
        result = AuditResult(flagged_table(records, config), units_table(records, config),
                             len(records))
        store.write_table("audit.csv", result.flagged)
        store.write_table("units.csv", result.units)
        store.export()
    finally:
        store.close()
    return result
