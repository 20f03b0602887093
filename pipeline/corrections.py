"""People's corrections, from the sheets the office edits (``formscan import-corrections``)
and the review station.

The office fixes what OCR got wrong in ``records.xlsx`` (or ``reconciliation.xlsx``) in
Excel/WPS and imports the sheet: every changed field cell becomes a correction row in the store
(document, field, old and new value, who, when), a layer over what was read that a rescan never
overwrites. The corrected documents are the ones the refresh that follows checks again, with
their pairs (``pipeline.refresh``).

The sheet is found by its key row: the row whose cells hold ``doc_id`` and the field keys (a
Chinese title row may stand above it). ``reconciliation.xlsx`` has no ``doc_id``: a row there
shows its paper copy's title and unit (the emailed copy's where no paper came), so an edit there
corrects that copy, found by ``paper_doc_id`` (else ``email_doc_id``). A cell of an unknown
document or column is refused, named by its address; nothing is imported then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from pipeline.errors import Code, ExitCode, FormscanError, Reason
from pipeline.reconcile import ROW_COLUMNS
from pipeline.store import Store, field_keys, records_table

KEY_ROWS = 5  # rows the key row may stand below the top of the sheet
Edit = tuple[str, str, str | None, str | None]  # doc_id, field, old value, new value


class CorrectionsRefused(FormscanError):
    """A sheet edited where it cannot be imported: nothing was imported."""

    exit_code = ExitCode.USAGE


@dataclass
class Imported:
    changed: list[Edit] = field(default_factory=list)
    documents: int = 0  # documents the sheet holds


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a phone Excel turned into a number
    return text or None


ID_COLUMNS = ("doc_id", "paper_doc_id", "email_doc_id")  # which document a row is, in order


def _row_document(row: list, columns: list[int]) -> tuple[int, str | None]:
    """The column and doc_id a sheet row is about: its first id cell that is filled."""
    for j in columns:
        doc_id = _text(row[j]) if j < len(row) else None
        if doc_id:
            return j, doc_id
    return columns[0], None


def read_sheet(sheet_path: Path, store: Store) -> Imported:
    """The changed field cells of an edited records/reconciliation sheet, against the
    batch's records. Raises CorrectionsRefused (nothing to import then)."""
    try:
        book = openpyxl.load_workbook(sheet_path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise CorrectionsRefused(Code.SHEET_UNOPENABLE, sheet=str(sheet_path),
                                 why=str(exc)) from exc
    # Every sheet with a key row (records.xlsx of a large archive has records, records-2 …);
    # a sheet the office added without one (notes) is left alone.
    sheets = [(sheet.title, [list(r) for r in sheet.iter_rows(values_only=True)])
              for sheet in book.worksheets]
    found = [(title, rows, at) for title, rows in sheets
             if (at := _key_row(rows)) is not None]
    if not found:
        raise CorrectionsRefused(Code.SHEET_NO_KEY_ROW, sheet=str(sheet_path), n=KEY_ROWS)
    records = {r.doc_id: r for r in store.records()}
    result = Imported()
    refused: list[Reason] = []
    for title, rows, header_at in found:
        where = f"{title}!" if len(sheets) > 1 else ""
        refused += _read_sheet(rows, header_at, records, result, where)
    if refused:
        raise CorrectionsRefused(Code.SHEET_REFUSED, sheet=str(sheet_path), cells=refused)
    return result


def _key_row(rows: list[list]) -> int | None:
    return next((i for i, r in enumerate(rows[:KEY_ROWS])
                 if "doc_id" in r or "paper_doc_id" in r), None)


def _read_sheet(rows: list[list], header_at: int, records: dict, result: Imported,
                where: str) -> list[Reason]:
    """A sheet's changed field cells added to ``result.changed``; the cells refused, named
    by their address (``where``: the sheet's name when the book has several)."""
    header = [_text(c) or "" for c in rows[header_at]]
    known = set(records_table([]).columns) | set(ROW_COLUMNS)
    keys = set(field_keys())
    refused = [Reason(Code.CELL_UNKNOWN_COLUMN, {"cell": f"{where}{get_column_letter(j + 1)}"
                                                         f"{header_at + 1}", "name": repr(name)})
               for j, name in enumerate(header) if name and name not in known | keys]
    id_cols = ([header.index("doc_id")] if "doc_id" in header else
               [header.index(c) for c in ID_COLUMNS[1:] if c in header])
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        id_col, doc_id = _row_document(row, id_cols)
        if doc_id is None:
            continue
        record = records.get(doc_id)
        if record is None:
            refused.append(Reason(Code.CELL_UNKNOWN_DOCUMENT, {
                "cell": f"{where}{get_column_letter(id_col + 1)}{i}", "doc": repr(doc_id)}))
            continue
        result.documents += 1
        for j, name in enumerate(header):
            if name not in keys or j >= len(row):
                continue
            new, f = _text(row[j]), record.fields.get(name)
            old = f.value if f else None
            if new != (old or None) and (f is not None or new is not None):
                result.changed.append((doc_id, name, old, new))
    return refused


def store_corrections(store: Store, edits: list[Edit], who: str) -> set[str]:
    """Keep people's corrections (doc_id, field, old, new) in the store, laid over their
    records; the documents they touch (to be checked again, with their pairs)."""
    with store.transaction():
        for doc_id, name, old, new in edits:
            store.put_correction(doc_id, name, old, new, who)
        for doc_id in {e[0] for e in edits}:
            store.put_record(store.record(doc_id))  # the corrections laid over what was read
    return {e[0] for e in edits}
