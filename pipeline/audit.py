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
from pipeline.i18n import DEFAULT_LANG, in_words, text
from pipeline.model import EntryStatus, FlagKind, ManifestEntry, Origin, Record, Status
from pipeline.store import Store

AUDIT_COLUMNS = ["doc_id", "path", "pages", "attachment", "also_at", "form_type", "unit",
                 "unit_from", "title", "status", "missing", "flags"]
UNIT_COLUMNS = ["unit", "works", "proposals", "required_works", "required_proposals", "met",
                "missing_signatures", "missing_seals"]
@dataclass
class AuditResult:
    flagged: pd.DataFrame
    units: pd.DataFrame
    documents: int


def record_unit(record: Record, contest: Contest) -> str | None:
    """The submitting unit: the unit field, canonicalised; else the unit its seal names."""
    return unit_and_source(record, contest)[0]


def unit_and_source(record: Record, contest: Contest) -> tuple[str | None, str]:
    """The submitting unit and where it comes from: "form" (its unit field) or "seal" (the
    seal's ring, when the field is empty); (None, "") when neither names one."""
    written = contest.canonical_unit(record.value("unit"))
    if written:
        return written, "form"
    sealed = contest.seal_unit(record.seal.text if record.seal and record.seal.present
                               else None)
    return (sealed, "seal") if sealed else (None, "")


def places(entries: list[ManifestEntry]) -> dict[str, list[str]]:
    """doc_id -> the other places the same page arrived from (its duplicates)."""
    found: dict[str, list[str]] = {}
    for e in entries:
        if e.status is EntryStatus.DUPLICATE and e.doc_id:
            where = e.path + (f" p.{e.page}" if e.page else "") + (
                f" [{e.attachment}]" if e.attachment else "")
            found.setdefault(e.doc_id, []).append(where)
    return found


def flagged_table(records: list[Record], contest: Contest,
                  also_at: dict[str, list[str]] | None = None,
                  lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """One row per document needing a person; ``missing`` and ``unit_from`` in ``lang``."""
    also_at = also_at or {}
    rows = []
    for r in records:
        if r.status is Status.OK:
            continue
        unit, source = unit_and_source(r, contest)
        rows.append({
            "doc_id": r.doc_id, "path": r.source.path,
            "pages": ",".join(map(str, r.source.pages)), "attachment": r.source.attachment or "",
            "also_at": "; ".join(also_at.get(r.doc_id, [])), "form_type": r.form_type.value,
            "unit": unit or "",
            "unit_from": text(lang, f"unit_from.{source}") if source else "",
            "title": r.value("title") or "",
            "status": r.status.value, "missing": in_words(r.flags, lang, r.form_type),
            "flags": ";".join(r.flag_names)})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def units_table(records: list[Record], contest: Contest,
                lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Per unit: distinct works and proposals on paper, quota met (是/否/不在名单中 in
    ``lang``), forms missing marks."""
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
            "met": text(lang, ("met.yes" if n_works >= quota["works"]
                               and n_proposals >= quota["proposals"] else "met.no")
                        if quota else "met.unlisted"),
            "missing_signatures": no_signature[unit], "missing_seals": no_seal[unit],
        })
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def audit(out_dir: Path, contest: Contest, lang: str = DEFAULT_LANG) -> AuditResult:
    """Re-check every record in OUT, store the flags, write audit.csv and units.csv (their
    words in ``lang``)."""
    store = Store(out_dir)
    try:
        records = store.records()
        known = schemas()
        with store.transaction():
            for record in records:
                if record.status is not Status.FAILED:
                    apply_checks(record, known.get(record.form_type), contest)
                store.put_record(record)
        result = AuditResult(flagged_table(records, contest, places(store.manifest()), lang),
                             units_table(records, contest, lang), len(records))
        store.write_table("audit.csv", result.flagged)
        store.write_table("units.csv", result.units)
        store.export()
    finally:
        store.close()
    return result
