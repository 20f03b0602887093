"""The tables of a batch: CSV files with machine keys and values for tools, and sheets for the
office's people, in their words.

``records.csv``, ``reconciliation.csv``, ``audit.csv`` and ``units.csv`` keep the output
contract's keys and values (``origin: paper``, ``signature: yes``). The sheets
people open in Excel/WPS — ``records.xlsx``, ``reconciliation.xlsx``, ``audit.xlsx``,
``units.xlsx`` — show the same rows with the columns named as the forms print them (联系电话,
表格类型) and the values in words (作品登记表, 纸质版, 待复核, 有/无), over a hidden key row that
``import-corrections`` reads. Every row of ``records.*`` carries the number of the export that
wrote it (``export``), and the store keeps what that export showed: an edited copy, however
old, imports only the cells a person changed in it.
"""

from __future__ import annotations

import pandas as pd

from pipeline.audit import AuditResult, unit_and_source
from pipeline.contest import Contest
from pipeline.forms import schemas
from pipeline.i18n import field_names, form_name, in_words, text, where
from pipeline.model import DiffKind, Record
from pipeline.overrule import CLAUSE, DUPLICATE, FORM_TYPE, MARKS, NO, SEAL_UNIT, YES, shown
from pipeline.reconcile import Pair, PairStatus

EXPORT = "export"  # the column of the export number
ID = "doc_id"


def field_keys() -> list[str]:
    """Every field key of every schema, in schema order, each once."""
    keys: list[str] = []
    for schema in schemas().values():
        keys += [k for k in schema.keys if k not in keys]
    return keys


def clause_keys() -> list[str]:
    """``clause:1`` … for the most clauses any form prints (a form without them: empty)."""
    from pipeline.contest import default_contest

    return [f"{CLAUSE}{n}" for n in range(1, len(default_contest().clauses) + 1)]


def editable() -> list[str]:
    """The record columns a person may change in a sheet (``pipeline.overrule``'s keys)."""
    return [*field_keys(), *MARKS, SEAL_UNIT, *clause_keys(), FORM_TYPE, DUPLICATE]


def record_columns() -> list[str]:
    return [ID, "origin", FORM_TYPE, "status", "path", "pages", "attachment", "unit_listed",
            *field_keys(), *MARKS, SEAL_UNIT, *clause_keys(), DUPLICATE, "flags", "what_to_do",
            "route", EXPORT]


def records_table(records: list[Record], contest: Contest, lang: str,
                  export: int | None = None) -> pd.DataFrame:
    """One row per document, one column per field and verdict, machine values (records.csv);
    ``what_to_do`` in ``lang``."""
    rows = []
    for r in records:
        row = {ID: r.doc_id, "origin": r.origin.value, FORM_TYPE: r.form_type.value,
               "status": r.status.value, "path": r.source.path,
               "pages": ",".join(map(str, r.source.pages)),
               "attachment": r.source.attachment or "",
               "unit_listed": unit_and_source(r, contest)[0] or ""}
        for key in editable():
            if key != FORM_TYPE:
                row[key] = shown(r, key) or ""
        row.update({"flags": ";".join(r.flag_names),
                    "what_to_do": in_words(r.flags, lang, r.form_type), "route": r.route.value,
                    EXPORT: export if export is not None else ""})
        rows.append(row)
    return pd.DataFrame(rows, columns=record_columns())


def shown_by(records: list[Record]) -> dict[str, dict[str, str | None]]:
    """What a records sheet shows of each document's editable columns (the store keeps it
    with the export's number)."""
    return {r.doc_id: {key: shown(r, key) for key in editable()} for r in records}


def _words(lang: str, key: str) -> str:
    """A column's name for people: a field as the forms print it, else the catalog's."""
    return field_names(lang).get(key) or (
        text(lang, "col.clause", n=key[len(CLAUSE):]) if key.startswith(CLAUSE)
        else text(lang, f"col.{key}"))


def for_people(table: pd.DataFrame, lang: str, drop: tuple[str, ...] = ()
               ) -> tuple[pd.DataFrame, list[str]]:
    """A table's rows with values in words and its columns' names, for a sheet."""
    shown_table = table.drop(columns=[c for c in drop if c in table.columns]).copy()
    yes_no = {YES: text(lang, "value.yes"), NO: text(lang, "value.no")}
    said = {
        "origin": lambda v: text(lang, f"origin.{v}") if v else "",
        FORM_TYPE: lambda v: form_name(lang, v) if v else "",
        # a record's status, or a pair's (reconciliation.xlsx)
        "status": lambda v: text(lang, f"pair.{v}" if v in PAIRED else f"status.{v}") if v else "",
        "route": lambda v: text(lang, f"source.{v}") if v else "",
    }
    for column in shown_table.columns:
        if column in said:
            shown_table[column] = shown_table[column].map(said[column])
        elif column in (*MARKS, DUPLICATE) or column.startswith(CLAUSE):
            shown_table[column] = shown_table[column].map(lambda v: yes_no.get(v, v))
    return shown_table, [_words(lang, c) for c in shown_table.columns]


def records_sheet(table: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """records.xlsx: the records' table in words (the flags' keys left to the CSV)."""
    return for_people(table, lang, drop=("flags",))


def pairs_table(pairs: list[Pair], lang: str, export: int | None = None) -> pd.DataFrame:
    """One row per work document (reconciliation.csv), places and differences in ``lang``;
    a row's title and unit are its paper copy's (the emailed copy's where no paper came)."""
    rows = []
    for p in pairs:
        any_side = p.sides[0]
        names = field_names(lang, p.form_type)
        rows.append({
            "status": p.status.value, FORM_TYPE: p.form_type.value,
            "score": round(p.score, 3), "title": any_side.value("title") or "",
            "unit": any_side.value("unit") or "",
            "paper": where(lang, p.paper.source.place) if p.paper else "",
            "email": where(lang, p.email.source.place) if p.email else "",
            "differences": text(lang, "list.sep").join(
                text(lang, "cli.diff", field=names.get(d.field, d.field), paper=d.paper,
                     email=d.email) for d in p.diffs if d.kind is DiffKind.DIFFERENCE),
            "misreadings": text(lang, "list.sep").join(
                text(lang, "cli.misreading", field=names.get(d.field, d.field),
                     paper=d.paper, email=d.email)
                for d in p.diffs if d.kind is DiffKind.MISREADING),
            "paper_doc_id": p.paper.doc_id if p.paper else "",
            "email_doc_id": p.email.doc_id if p.email else "",
            EXPORT: export if export is not None else ""})
    return pd.DataFrame(rows, columns=[*PAIR_COLUMNS, EXPORT])


PAIRED = {s.value for s in PairStatus}
PAIR_COLUMNS = ["status", FORM_TYPE, "score", "title", "unit", "paper", "email",
                "differences", "misreadings", "paper_doc_id", "email_doc_id"]


def audit_sheets(result: AuditResult, lang: str
                 ) -> tuple[tuple[pd.DataFrame, list[str]], tuple[pd.DataFrame, list[str]]]:
    """audit.xlsx and units.xlsx: the audit's tables in words (their ``missing``,
    ``unit_from`` and ``met`` are words already)."""
    return for_people(result.flagged, lang, drop=("flags",)), for_people(result.units, lang)
