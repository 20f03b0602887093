"""People's corrections, from the sheets the office edits (``formscan import-corrections``)
and the review station: a layer over what was read (``pipeline.overrule``) that no rescan
undoes, kept in the store with who, when, the old and the new value.

A sheet knows what it showed. Every row of ``records.xlsx``/``.csv`` and
``reconciliation.xlsx``/``.csv`` carries the number of the export that wrote it, and the store
keeps what each export showed: an import takes only the cells a person changed in that copy.
A cell whose value the batch changed since that export (another clerk's correction, another
copy imported first) is refused by its address, naming who changed it and when, unless
``--force``; an unchanged copy, however old, imports nothing. The review station applies the
same rule to the value its page showed.

The sheet is found by its key row: the row whose cells hold ``doc_id`` (or ``paper_doc_id``)
and the column keys (the words people read stand in the row below it). ``reconciliation.xlsx``
has no ``doc_id``: a row there shows its paper copy's title and unit (the emailed copy's where no
paper came), so an edit corrects that copy. A cell of an unknown document, column or value is
refused, named by its address; nothing is imported then. Sheets are read from .xlsx, .csv
(UTF-8 or GBK, as WPS saves it) and .xls/.et (converted by LibreOffice).
"""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from pipeline.errors import Code, ExitCode, FormscanError, Reason
from pipeline.i18n import LANGS, text
from pipeline.mail import legacy
from pipeline.model import Record
from pipeline.overrule import Refused, parse, shown
from pipeline.sheets import EXPORT, PAIR_COLUMNS, editable, record_columns
from pipeline.store import Store

KEY_ROWS = 5  # rows the key row may stand below the top of the sheet
Edit = tuple[str, str, str | None, str | None]  # doc_id, key, old value, new value
ID_COLUMNS = ("doc_id", "paper_doc_id", "email_doc_id")  # which document a row is, in order
PAIR_EDITABLE = ("title", "unit")  # what a reconciliation row lets a person correct


class CorrectionsRefused(FormscanError):
    """A sheet edited where it cannot be imported: nothing was imported."""

    exit_code = ExitCode.USAGE


@dataclass
class Imported:
    changed: list[Edit] = field(default_factory=list)
    forced: list[Reason] = field(default_factory=list)  # cells taken over a later change
    documents: int = 0  # documents the sheet holds


@dataclass
class _Cell:
    where: str  # its address, ``B7`` (``records-2!B7`` in a book of several sheets)
    doc_id: str
    key: str
    value: object
    export: int | None


def read_sheet(sheet_path: Path, store: Store, force: bool = False) -> Imported:
    """The cells a person changed in an edited records/reconciliation sheet. Raises
    CorrectionsRefused (nothing to import then)."""
    sheets = _open(Path(sheet_path))
    found = [(title, rows, at) for title, rows in sheets
             if (at := _key_row(rows)) is not None]
    if not found:
        raise CorrectionsRefused(Code.SHEET_NO_KEY_ROW, sheet=str(sheet_path), n=KEY_ROWS)
    records = {r.doc_id: r for r in store.records()}
    result, refused, cells = Imported(), [], []
    for title, rows, header_at in found:
        where = f"{title}!" if len(sheets) > 1 else ""
        refused += _cells(rows, header_at, records, result, where, cells)
    refused += _changes(cells, records, store, force, result)
    if refused:
        raise CorrectionsRefused(Code.SHEET_REFUSED, sheet=str(sheet_path), cells=refused)
    if result.changed and any(c.export is None for c in cells) and not force:
        raise CorrectionsRefused(Code.SHEET_UNMARKED, sheet=str(sheet_path))
    return result


def _changes(cells: list[_Cell], records: dict[str, Record], store: Store, force: bool,
             result: Imported) -> list[Reason]:
    """The cells a person changed, added to ``result``; those refused."""
    refused: list[Reason] = []
    exports: dict[int, dict | None] = {}
    for cell in cells:
        record = records[cell.doc_id]
        now = shown(record, cell.key)
        if now is None and _text(cell.value) is None:
            continue  # nothing there, nothing written: a column another form has
        if now is not None and _text(cell.value) == now:
            continue  # as exported: left alone (a cover letter's unit, a form has no such field)
        try:
            value = parse(record, cell.key, cell.value)
        except Refused as bad:
            refused.append(Reason(Code.CELL_BAD_VALUE, {"cell": cell.where,
                                                        "inner": bad.reason}))
            continue
        if value == now:
            continue
        if cell.export is not None and cell.export not in exports:
            exports[cell.export] = store.shown_in(cell.export)
        base = (exports.get(cell.export) or {}).get(cell.doc_id) if cell.export else None
        if base is None:  # a sheet without its export's mark: taken only with --force
            result.changed.append((cell.doc_id, cell.key, now, value))
            continue
        was = base.get(cell.key)
        if value == was:
            continue  # the person left it; the batch changed it since
        if now != was:  # changed in this copy and in the batch since: whose word is final?
            who, at, _ = store.last_correction(cell.doc_id, cell.key) or ("formscan", "", None)
            later = Reason(Code.CELL_CHANGED_SINCE, {"cell": cell.where, "who": who, "at": at})
            if not force:
                refused.append(later)
                continue
            result.forced.append(later)
        result.changed.append((cell.doc_id, cell.key, now, value))
    return refused


def _open(path: Path) -> list[tuple[str, list[list]]]:
    """(sheet name, rows) of a workbook or CSV file. Raises CorrectionsRefused."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorrectionsRefused(Code.SHEET_UNOPENABLE, sheet=str(path),
                                 why=exc.strerror or str(exc)) from exc
    if suffix == ".csv":
        return [(path.stem, _csv_rows(data))]
    if suffix in (".xls", ".et"):
        data = _converted(path, data, suffix)
    elif suffix not in (".xlsx", ".xlsm"):
        raise CorrectionsRefused(Code.SHEET_FORMAT, sheet=str(path), suffix=suffix or "-")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises assorted errors on bad files
        raise CorrectionsRefused(Code.SHEET_UNOPENABLE, sheet=str(path), why=str(exc)) from exc
    # Every sheet with a key row (records.xlsx of a large archive has records, records-2 …);
    # a sheet the office added without one (notes) is left alone.
    return [(sheet.title, [list(r) for r in sheet.iter_rows(values_only=True)])
            for sheet in book.worksheets]


def _csv_rows(data: bytes) -> list[list]:
    """A CSV file's rows: UTF-8 (with or without BOM) as formscan writes it, or GBK as WPS
    saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return [list(row) for row in csv.reader(io.StringIO(data.decode(encoding)))]
        except UnicodeDecodeError:
            continue
    return []


def _converted(path: Path, data: bytes, suffix: str) -> bytes:
    """A legacy Excel sheet (.xls, WPS's .et) as .xlsx, by LibreOffice."""
    if legacy.soffice() is None:
        raise CorrectionsRefused(Code.SHEET_NEEDS_OFFICE, sheet=str(path))
    try:
        converted = legacy.convert(data, suffix.lstrip("."), "xlsx")
    except subprocess.TimeoutExpired:
        converted = None
    if converted is None:
        raise CorrectionsRefused(Code.SHEET_FORMAT, sheet=str(path), suffix=suffix)
    return converted


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text or None


def _key_row(rows: list[list]) -> int | None:
    return next((i for i, r in enumerate(rows[:KEY_ROWS])
                 if "doc_id" in r or "paper_doc_id" in r), None)


def _titles() -> set[str]:
    """The words an id column is headed with, in every language (the row below the keys)."""
    return {text(lang, f"col.{key}") for lang in LANGS for key in ID_COLUMNS}


def _cells(rows: list[list], header_at: int, records: dict[str, Record], result: Imported,
           where: str, cells: list[_Cell]) -> list[Reason]:
    """A sheet's editable cells added to ``cells``; those refused (an unknown column or
    document), named by their address."""
    header = [_text(c) or "" for c in rows[header_at]]
    pairs = "doc_id" not in header
    known = set(record_columns()) | set(PAIR_COLUMNS) | {EXPORT}
    refused = [Reason(Code.CELL_UNKNOWN_COLUMN, {"cell": f"{where}{get_column_letter(j + 1)}"
                                                         f"{header_at + 1}", "name": repr(name)})
               for j, name in enumerate(header) if name and name not in known]
    ids = [header.index(c) for c in (ID_COLUMNS[1:] if pairs else ID_COLUMNS[:1])
           if c in header]
    keys = [(j, name) for j, name in enumerate(header)
            if name in (PAIR_EDITABLE if pairs else editable())]
    export_at = header.index(EXPORT) if EXPORT in header else None
    titles = _titles()
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        at, doc_id = next(((j, _text(row[j])) for j in ids if j < len(row) and _text(row[j])),
                          (ids[0] if ids else 0, None))
        if doc_id is None or doc_id in titles:  # an empty row, the row of words
            continue
        if doc_id not in records:
            refused.append(Reason(Code.CELL_UNKNOWN_DOCUMENT, {
                "cell": f"{where}{get_column_letter(at + 1)}{i}", "doc": repr(doc_id)}))
            continue
        result.documents += 1
        mark = _text(row[export_at]) if export_at is not None and export_at < len(row) else None
        export = int(mark) if mark and mark.isdigit() else None
        for j, key in keys:
            if j < len(row):
                cells.append(_Cell(f"{where}{get_column_letter(j + 1)}{i}", doc_id, key,
                                   row[j], export))
    return refused


def store_corrections(store: Store, edits: list[Edit], who: str) -> set[str]:
    """Keep people's corrections (doc_id, key, old, new) in the store, laid over their
    records; the documents they touch (to be checked again, with their pairs)."""
    with store.transaction():
        for doc_id, name, old, new in edits:
            store.put_correction(doc_id, name, old, new, who)
        for doc_id in {e[0] for e in edits}:
            store.put_record(store.record(doc_id))  # the corrections laid over what was read
    return {e[0] for e in edits}
