"""One refresh: what a command changed, carried into everything that follows from it.

Given the documents a step touched (read, corrected, taken out), :func:`refresh` re-checks
them, brings the reconciliation up to date for them and their pairs (or reconciles the whole
batch when asked), stores what changed, and then writes every file people and scripts read --
``records.*``, ``manifest.jsonl``, ``reconciliation.*``, ``audit.csv``, ``units.csv``,
``report.html`` -- once, at the end of the command, from the records the store decoded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline import reconcile, sheets
from pipeline.audit import AuditResult, audit_tables
from pipeline.checks import apply_checks
from pipeline.confirm import confirm_pairs
from pipeline.contest import Contest
from pipeline.forms import schemas
from pipeline.i18n import DEFAULT_LANG
from pipeline.model import Status
from pipeline.ocr import DEFAULT_ENGINE, OcrEngine, make_engine
from pipeline.reconcile import Pair
from pipeline.report import BatchView, write_report
from pipeline.store import PICTURES, Store


@dataclass
class Refreshed:
    """What a refresh did: the documents it checked again, the reconciliation (None when
    the batch was never reconciled), the audit, and the files it wrote."""

    checked: set[str] = field(default_factory=set)
    pairs: list[Pair] | None = None
    audit: AuditResult | None = None
    written: list[Path] = field(default_factory=list)


def refresh(store: Store, contest: Contest, lang: str = DEFAULT_LANG,
            touched: Iterable[str] = (), checked: Iterable[str] = (),
            reconcile_all: bool = False) -> Refreshed:
    """Bring the batch up to date after a step and rewrite its files, each once.

    ``touched``: documents whose values or flags may have changed (re-checked, except those
    in ``checked``, which the step checked itself; their pairs compared again, the unmatched
    ones paired among the unmatched); ``reconcile_all``: pair the whole batch anew."""
    records = store.records()
    by_id = {r.doc_id: r for r in records}
    touched = {d for d in touched if d in by_id}
    done = Refreshed(checked={d for d in touched - set(checked)
                              if by_id[d].status is not Status.FAILED})
    known = schemas()
    for doc_id in done.checked:
        apply_checks(by_id[doc_id], known.get(by_id[doc_id].form_type), contest)
    changed = set(done.checked)
    lines = store.reconciliation()
    if reconcile_all:
        done.pairs = reconcile.pair_documents(records, contest)
    elif lines is not None:
        stored = [p for line in lines if (p := Pair.from_dict(line, by_id)) is not None]
        done.pairs = reconcile.update(stored, records, touched, contest) if touched else stored
    if done.pairs is not None:
        confirmed = confirm_pairs(done.pairs, store.out_dir / PICTURES / "crops", contest,
                                  verifier)
        for doc_id in confirmed:  # a value the emailed copy confirmed: its checks again
            apply_checks(by_id[doc_id], known.get(by_id[doc_id].form_type), contest)
        changed |= confirmed
    with store.transaction():
        if done.pairs is not None:
            changed |= reconcile.flag(records, done.pairs)
            if reconcile_all or touched:
                store.put_reconciliation([p.to_dict() for p in done.pairs])
        for doc_id in changed:
            store.put_record(by_id[doc_id])
    done.audit, done.written = export(store, contest, lang, done.pairs)
    return done


@cache
def verifier() -> OcrEngine:
    """The recogniser that scores crops (``pipeline.confirm``): made once a process, and
    only when a crop is to be scored."""
    return make_engine(DEFAULT_ENGINE, threads=1)


def export(store: Store, contest: Contest, lang: str, pairs: list[Pair] | None
           ) -> tuple[AuditResult, list[Path]]:
    """Every file of the batch written once from the store: records, manifest,
    reconciliation, audit, units (CSV for tools, sheets for people), report."""
    written = store.export()
    records = store.records()
    number = store.put_export(sheets.shown_by(records))
    table = sheets.records_table(records, contest, lang, number)
    written += [store.write_table("records.csv", table),
                store.write_excel("records.xlsx", *sheets.records_sheet(table, lang))]
    if pairs is not None:
        written.append(store.write_jsonl("reconciliation.jsonl", (p.to_dict() for p in pairs)))
        table = sheets.pairs_table(pairs, lang, number)
        written += [store.write_table("reconciliation.csv", table),
                    store.write_excel("reconciliation.xlsx", *sheets.for_people(table, lang))]
    batch = BatchView.of(store, pairs)
    result = audit_tables(batch.records, batch.manifest, contest, lang, batch.reviewed)
    (flagged, flagged_titles), (units, units_titles) = sheets.audit_sheets(result, lang)
    written += [store.write_table("audit.csv", result.flagged),
                store.write_table("units.csv", result.units),
                store.write_excel("audit.xlsx", flagged, flagged_titles),
                store.write_excel("units.xlsx", units, units_titles),
                write_report(batch, contest, lang)]
    return result, written
