"""The audit: which forms are missing what, and which units are short.

Pure tables over the records (the checks themselves are ``pipeline.checks``): ``audit.csv``
(one row per document needing a person) and ``units.csv`` (per submitting unit, against the
notice's quotas). ``pipeline.refresh`` writes them with the other exports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from pipeline.contest import Contest, QuotaKind
from pipeline.i18n import DEFAULT_LANG, in_words, text, where
from pipeline.model import EntryStatus, FlagKind, ManifestEntry, Origin, Record, Status

AUDIT_COLUMNS = ["doc_id", "path", "pages", "attachment", "also_at", "form_type", "unit",
                 "unit_from", "title", "status", "missing", "reviewed", "flags"]
UNIT_COLUMNS = ["unit", "works", "proposals", "required_works", "required_proposals", "met",
                "missing_signatures", "missing_seals"]


class UnitFrom(StrEnum):
    """Where the submitting unit of a document comes from."""

    FORM = "form"  # its unit field
    PERSON = "person"  # its unit field, as a person corrected it
    SEAL = "seal"  # the seal's ring, when the field is empty


@dataclass
class AuditResult:
    flagged: pd.DataFrame
    units: pd.DataFrame
    documents: int


def unit_and_source(record: Record, contest: Contest) -> tuple[str | None, UnitFrom | None]:
    """The submitting unit and where it comes from: its unit field, canonicalised; else the
    unit its seal names; (None, None) when neither names one."""
    written = contest.canonical_unit(record.value("unit"))
    if written:
        by_person = record.fields["unit"].corrected
        return written, UnitFrom.PERSON if by_person else UnitFrom.FORM
    sealed = contest.seal_unit(record.seal.text if record.seal and record.seal.present
                               else None)
    return (sealed, UnitFrom.SEAL) if sealed else (None, None)


def record_unit(record: Record, contest: Contest) -> str | None:
    """The submitting unit (see :func:`unit_and_source`)."""
    return unit_and_source(record, contest)[0]


def places(entries: list[ManifestEntry], lang: str = DEFAULT_LANG) -> dict[str, list[str]]:
    """doc_id -> the other places the same page arrived from (its duplicates), in words."""
    found: dict[str, list[str]] = {}
    for e in entries:
        if e.status is EntryStatus.DUPLICATE and e.doc_id:
            found.setdefault(e.doc_id, []).append(where(lang, e.place))
    return found


def flagged_table(records: list[Record], contest: Contest,
                  also_at: dict[str, list[str]] | None = None,
                  lang: str = DEFAULT_LANG, reviewed: dict[str, str] | None = None
                  ) -> pd.DataFrame:
    """One row per document needing a person; ``missing``, ``unit_from`` and ``reviewed``
    (a person has been through it: what is left asks the unit) in ``lang``."""
    also_at, reviewed = also_at or {}, reviewed or {}
    rows = []
    for r in records:
        if r.status in (Status.OK, Status.NOT_A_FORM):
            continue  # no contest form: the report lists those apart
        unit, source = unit_and_source(r, contest)
        rows.append({
            "doc_id": r.doc_id, "path": r.source.path,
            "pages": ",".join(map(str, r.source.pages)), "attachment": r.source.attachment or "",
            "also_at": "; ".join(also_at.get(r.doc_id, [])), "form_type": r.form_type.value,
            "unit": unit or "",
            "unit_from": text(lang, f"unit_from.{source.value}") if source else "",
            "title": r.value("title") or "",
            "status": r.status.value, "missing": in_words(r.flags, lang, r.form_type),
            "reviewed": text(lang, "audit.reviewed", who=reviewed[r.doc_id])
            if r.doc_id in reviewed else "",
            "flags": ";".join(r.flag_names)})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def units_table(records: list[Record], contest: Contest,
                lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Per unit: distinct works and proposals on paper, quota met (是/否/不在名单中 in
    ``lang``), forms missing marks."""
    counted: dict[QuotaKind, dict[str, set[str]]] = {k: defaultdict(set) for k in QuotaKind}
    no_signature: dict[str, int] = defaultdict(int)
    no_seal: dict[str, int] = defaultdict(int)
    for r in records:
        unit = record_unit(r, contest)
        if not unit or r.origin is not Origin.PAPER or r.status is Status.NOT_A_FORM:
            continue  # a cover letter names its unit, but counts toward nothing
        kind = contest.quota_kind(r.form_type)
        if kind is not None:  # a work counts once, however many of its forms came
            counted[kind][unit].add(r.value("title") or r.doc_id)  # untitled: one each
        no_signature[unit] += r.has_flag(FlagKind.MISSING_SIGNATURE)
        no_seal[unit] += r.has_flag(FlagKind.MISSING_SEAL)
    works, proposals = counted[QuotaKind.WORKS], counted[QuotaKind.PROPOSALS]
    names = [u.name for u in contest.units]
    names += sorted((set(works) | set(proposals) | set(no_seal)) - set(names))
    rows = []
    for unit in names:
        quota = contest.required(unit)
        n_works, n_proposals = len(works[unit]), len(proposals[unit])
        met = quota is not None and (n_works >= quota[QuotaKind.WORKS]
                                     and n_proposals >= quota[QuotaKind.PROPOSALS])
        rows.append({
            "unit": unit, "works": n_works, "proposals": n_proposals,
            "required_works": quota[QuotaKind.WORKS] if quota else "",
            "required_proposals": quota[QuotaKind.PROPOSALS] if quota else "",
            "met": text(lang, ("met.yes" if met else "met.no") if quota else "met.unlisted"),
            "missing_signatures": no_signature[unit], "missing_seals": no_seal[unit],
        })
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def audit_tables(records: list[Record], manifest: list[ManifestEntry], contest: Contest,
                 lang: str = DEFAULT_LANG, reviewed: dict[str, str] | None = None
                 ) -> AuditResult:
    """audit.csv's and units.csv's tables, their words in ``lang``."""
    return AuditResult(flagged_table(records, contest, places(manifest, lang), lang, reviewed),
                       units_table(records, contest, lang),
                       sum(r.status is not Status.NOT_A_FORM for r in records))
