"""The record store: SQLite in OUT (the source of truth), the pictures people look at, and the
files written from it.

Every page is committed in its own transaction, so a run killed half-way keeps what it
finished; the next run skips pages already in the manifest (same file content, same
fingerprint) and writes the same records, without duplicates or loss. The only module that
writes.

One command opens the batch once: its records are decoded once (and kept, updated as they are
written), and the files people and scripts read are written once, at the end
(``pipeline.refresh``), from what this store holds. A view (the report, the review queue)
opens it read-only: it takes no lock, so it keeps answering while a scan holds the batch.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import BatchBusy, Code, FormscanError, InputError, OutputError
from pipeline.i18n import DEFAULT_LANG
from pipeline.model import EntryStatus, Fingerprint, FlagKind, ManifestEntry, Record
from pipeline.overrule import overrule

DB_NAME = "formscan.sqlite"
LOCK_NAME = ".formscan.lock"  # held by the one process writing the batch
ATTACHMENTS = "attachments"
PICTURES = "report"  # OUT/report/thumbs/<doc>.jpg, OUT/report/crops/<doc>-<key>.jpg
THUMB = "thumb"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    doc_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS manifest (
    path TEXT NOT NULL,
    page INTEGER NOT NULL,          -- 0 for a whole-file line (page null in the contract)
    attachment TEXT NOT NULL,       -- '' for none
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    part TEXT NOT NULL DEFAULT '',  -- an attachment's place in its message ('' for none)
    PRIMARY KEY (path, page, attachment, part)
);
CREATE TABLE IF NOT EXISTS files (        -- input files whose every line is in the manifest
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    read_by TEXT,                       -- the fingerprint that read them (JSON)
    lines INTEGER NOT NULL              -- how many manifest lines they gave
);
CREATE TABLE IF NOT EXISTS pairs (      -- the last reconciliation, one row per work document
    seq INTEGER PRIMARY KEY,
    line TEXT NOT NULL                  -- reconciliation.jsonl's line
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corrections (  -- people's corrections: a layer over what was read
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT,                           -- the value before (as read, or an earlier correction)
    new TEXT,
    who TEXT NOT NULL,
    at TEXT NOT NULL                    -- ISO time
);
CREATE INDEX IF NOT EXISTS corrections_doc ON corrections (doc_id);  -- read for every page
CREATE TABLE IF NOT EXISTS reviewed (     -- documents a person marked done at the station
    doc_id TEXT PRIMARY KEY,
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exports (      -- what each written sheet showed (zlib'd JSON)
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,        -- the same content is one export
    shown BLOB NOT NULL                 -- {doc_id: {key: value}}
);
"""
EXPORTS_KEPT = 200  # the sheets of the last exports an import can still be checked against


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def as_text(name: str) -> str:
    """A file name as the store keeps it: bytes that are no UTF-8 (a name written by another
    system, kept by Python as surrogates) spelled as ``\\xb1``, the same each run."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _texts(value: Any) -> Any:
    """A record's or entry's dict with every string :func:`as_text`."""
    if isinstance(value, str):
        return as_text(value)
    if isinstance(value, dict):
        return {k: _texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v) for v in value]
    return value


def _hold(path: Path):  # noqa: ANN202 - an open file
    """The batch folder's lock, held while this process uses it: one writer per batch."""
    fh = open(path, "a+")  # noqa: SIM115 - held open for the store's life
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise BatchBusy(Code.BATCH_BUSY, folder=str(path.parent)) from None
    return fh


def _add_part(db: sqlite3.Connection) -> None:
    """A batch an earlier formscan made keys its manifest by (path, page, attachment name):
    the key gains the attachment's place (``part``), the lines kept as they are. Their files
    are read again on the next run (``batch._resume``: lines without a place)."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(manifest)")]
    if "part" in columns:
        return
    with db:
        db.execute("ALTER TABLE manifest RENAME TO manifest_before_parts")
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO manifest (path, page, attachment, seq, body) SELECT path, page, "
                   "attachment, seq, body FROM manifest_before_parts")
        db.execute("DROP TABLE manifest_before_parts")


@dataclass(frozen=True)
class FileState:
    """What the batch holds of one input file: read whole, from this content, by this
    fingerprint, into this many manifest lines."""

    sha256: str
    read_by: Fingerprint | None
    lines: int


class Store:
    def __init__(self, out_dir: Path, read_only: bool = False) -> None:
        """The batch in ``out_dir``, made if missing and locked for this process; or, with
        ``read_only``, an existing batch to look at (no lock: a scan may be writing it)."""
        self.out_dir = Path(out_dir)
        self.read_only = read_only
        self._records: dict[str, Record] | None = None  # decoded once, kept up to date
        self._seq: dict[str, int] = {}
        self._manifest: list[ManifestEntry] | None = None
        if read_only:
            if not (self.out_dir / DB_NAME).is_file():
                raise FormscanError(Code.NO_BATCH, out=str(out_dir))
            self._lock = None
            self.db = sqlite3.connect(f"{(self.out_dir / DB_NAME).resolve().as_uri()}?mode=ro",
                                      uri=True, timeout=30)
            return
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise OutputError(Code.OUT_IS_FILE, out=str(out_dir))
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            probe = self.out_dir / ".formscan-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(Code.OUT_UNWRITABLE, out=str(out_dir),
                              why=exc.strerror or str(exc)) from exc
        self._lock = _hold(self.out_dir / LOCK_NAME)
        self.db = sqlite3.connect(self.out_dir / DB_NAME, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        _add_part(self.db)

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            self._lock.close()  # the lock goes with the file

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db:
            yield

    # --- reading ------------------------------------------------------------------------
    def record(self, doc_id: str) -> Record | None:
        if self._records is not None:
            return self._records.get(doc_id)
        row = self.db.execute("SELECT body FROM records WHERE doc_id=?", (doc_id,)).fetchone()
        return Record.from_dict(json.loads(row[0])) if row else None

    def records(self) -> list[Record]:
        """Records that some manifest line still points at, in the order they were first
        read (decoded once per store, then kept as they are written)."""
        if self._records is None:
            rows = self.db.execute("SELECT doc_id, seq, body FROM records").fetchall()
            self._records = {d: Record.from_dict(json.loads(body)) for d, _, body in rows}
            self._seq = {d: seq for d, seq, _ in rows}
        pointed = {d for e in self.manifest() for d in e.doc_ids}
        return sorted((r for d, r in self._records.items() if d in pointed),
                      key=lambda r: self._seq[r.doc_id])

    def manifest(self) -> list[ManifestEntry]:
        if self._manifest is None:
            rows = self.db.execute("SELECT body FROM manifest ORDER BY seq").fetchall()
            self._manifest = [ManifestEntry.from_dict(json.loads(r[0])) for r in rows]
        return list(self._manifest)

    def file_entries(self, path: str) -> list[ManifestEntry]:
        """Every manifest line of one input file, its attachments' included."""
        rows = self.db.execute("SELECT body FROM manifest WHERE path=? ORDER BY seq",
                               (as_text(path),)).fetchall()
        return [ManifestEntry.from_dict(json.loads(r[0])) for r in rows]

    def file_state(self, path: str) -> FileState | None:
        """How an input file was read whole, or None (never, or not to its end)."""
        row = self.db.execute("SELECT sha256, read_by, lines FROM files WHERE path=?",
                              (as_text(path),)).fetchone()
        if row is None:
            return None
        return FileState(row[0], Fingerprint.from_dict(json.loads(row[1]) if row[1] else None),
                         row[2])

    def reconciliation(self) -> list[dict] | None:
        """The lines of the last reconciliation, or None when the batch was never reconciled."""
        if self.db.execute("SELECT 1 FROM meta WHERE key='reconciled'").fetchone() is None:
            return None
        return [json.loads(r[0]) for r in
                self.db.execute("SELECT line FROM pairs ORDER BY seq").fetchall()]

    def corrections(self, doc_id: str) -> dict[str, str | None]:
        """People's corrections of one document: the latest per key (None: erased)."""
        rows = self.db.execute("SELECT field, new FROM corrections WHERE doc_id=? ORDER BY id",
                               (doc_id,)).fetchall()
        return dict(rows)

    def last_correction(self, doc_id: str, key: str) -> tuple[str, str, str | None] | None:
        """Who corrected one key of a document last, when, and to what."""
        return self.db.execute("SELECT who, at, new FROM corrections WHERE doc_id=? AND "
                               "field=? ORDER BY id DESC LIMIT 1", (doc_id, key)).fetchone()

    def shown_in(self, export: int) -> dict[str, dict[str, str | None]] | None:
        """What the sheets of an export showed, per document and key; None when that export
        is not known (older than the exports kept, or of another batch)."""
        row = self.db.execute("SELECT shown FROM exports WHERE id=?", (export,)).fetchone()
        return json.loads(zlib.decompress(row[0])) if row else None

    def reviewed(self) -> dict[str, str]:
        """The documents a person marked done, and who."""
        return dict(self.db.execute("SELECT doc_id, who FROM reviewed").fetchall())

    @property
    def lang(self) -> str:
        """The language of the words in the batch's sheets (``what_to_do``): the last
        command's ``--lang``."""
        row = self.db.execute("SELECT value FROM meta WHERE key='lang'").fetchone()
        return row[0] if row else DEFAULT_LANG

    def pictures(self) -> dict[str, dict[str, str]]:
        """doc_id -> its pictures' paths under OUT (``report/thumbs/…``), by name."""
        found: dict[str, dict[str, str]] = {}
        thumbs, crops = self.out_dir / PICTURES / "thumbs", self.out_dir / PICTURES / "crops"
        for entry in os.scandir(thumbs) if thumbs.is_dir() else ():
            doc_id = entry.name.removesuffix(".jpg")
            found.setdefault(doc_id, {})[THUMB] = f"{PICTURES}/thumbs/{entry.name}"
        for entry in os.scandir(crops) if crops.is_dir() else ():
            doc_id, _, key = entry.name.removesuffix(".jpg").partition("-")
            found.setdefault(doc_id, {})[key] = f"{PICTURES}/crops/{entry.name}"
        return found

    # --- writing ------------------------------------------------------------------------
    def put_record(self, record: Record, check: Callable[[Record], None] | None = None
                   ) -> None:
        """Store a record with people's corrections laid over it (a rescan or a re-check
        never undoes one); ``check`` runs again on a record a person corrected."""
        values = self.corrections(record.doc_id)
        if values:
            overrule(record, values)
            if check is not None:
                check(record)
        body = json.dumps(_texts(record.to_dict()), ensure_ascii=False)
        self.db.execute(
            "INSERT INTO records (doc_id, seq, body) VALUES (?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM records), ?) "
            "ON CONFLICT(doc_id) DO UPDATE SET body=excluded.body", (record.doc_id, body))
        if self._records is not None:
            if record.doc_id not in self._seq:
                self._seq[record.doc_id] = self.db.execute(
                    "SELECT seq FROM records WHERE doc_id=?", (record.doc_id,)).fetchone()[0]
            self._records[record.doc_id] = record

    def put_entry(self, entry: ManifestEntry) -> None:
        body = json.dumps(_texts({**entry.to_dict(), "file_sha256": entry.file_sha256}),
                          ensure_ascii=False)
        self.db.execute(
            "INSERT INTO manifest (path, page, attachment, part, seq, body) VALUES (?, ?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM manifest), ?) "
            "ON CONFLICT(path, page, attachment, part) DO UPDATE SET body=excluded.body",
            (as_text(entry.path), entry.page or 0, entry.attachment or "", entry.part or "",
             body))
        self._manifest = None

    def put_file(self, path: str, sha256: str, read_by: Fingerprint | None) -> None:
        """An input file read to its end: the next run need not open it while its content,
        the fingerprint and its manifest lines stay the same."""
        with self.db:
            lines = self.db.execute("SELECT COUNT(*) FROM manifest WHERE path=?",
                                    (as_text(path),)).fetchone()[0]
            self.db.execute("INSERT OR REPLACE INTO files (path, sha256, read_by, lines) VALUES "
                            "(?, ?, ?, ?)", (as_text(path), sha256,
                                             json.dumps(read_by.to_dict()) if read_by else None,
                                             lines))

    def put_pictures(self, doc_id: str, pictures: dict[str, bytes]) -> None:
        """The page's thumbnail and its values' crops, kept in the batch for the report and
        the review station (made once, when the page was read)."""
        for name, data in pictures.items():
            folder = self.out_dir / PICTURES / ("thumbs" if name == THUMB else "crops")
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / (f"{doc_id}.jpg" if name == THUMB else f"{doc_id}-{name}.jpg")
            write_atomic(target, lambda tmp, data=data: tmp.write_bytes(data))

    def put_export(self, shown: dict[str, dict[str, str | None]]) -> int:
        """What the sheets about to be written show, kept so that an edited copy can be told
        from what it showed (``import-corrections``); its number, which the sheets carry.
        The same content is one export; the oldest beyond EXPORTS_KEPT are let go."""
        body = json.dumps(shown, ensure_ascii=False, sort_keys=True).encode()
        digest = hashlib.sha256(body).hexdigest()
        row = self.db.execute("SELECT id FROM exports WHERE digest=?", (digest,)).fetchone()
        if row:
            return row[0]
        with self.db:
            export = self.db.execute("INSERT INTO exports (at, digest, shown) VALUES (?, ?, ?)",
                                     (_now(), digest, zlib.compress(body))).lastrowid
            self.db.execute("DELETE FROM exports WHERE id <= ?", (export - EXPORTS_KEPT,))
        return export

    def put_reconciliation(self, lines: list[dict]) -> None:
        """Replace the reconciliation (its lines, the contract's)."""
        self.db.execute("DELETE FROM pairs")
        self.db.executemany("INSERT INTO pairs (line) VALUES (?)",
                            [(json.dumps(line, ensure_ascii=False),) for line in lines])
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reconciled', '1')")

    def forget_file(self, path: str) -> None:
        """Drop a file's manifest lines (its content or what reads it changed since)."""
        with self.db:
            self.db.execute("DELETE FROM manifest WHERE path=?", (as_text(path),))
            self.db.execute("DELETE FROM files WHERE path=?", (as_text(path),))
        self._manifest = None

    def forget(self, path: str) -> tuple[int, list[str], set[str]]:
        """Take an input file out of the batch on purpose (a wrong file, a mistyped name):
        its manifest lines and records go, and so do the lines of other files that were
        only duplicates of its pages (their next run reads them as the first copy). The
        reconciliation, which may pair its records, is dropped: run it again.

        Returns the number of lines removed, the other files whose lines went, and the
        documents kept whose flags changed (they were duplicated by this file)."""
        name = as_text(path)
        same = {name, os.path.abspath(name)}
        manifest = self.manifest()
        entries = [e for e in manifest if {e.path, os.path.abspath(e.path)} & same]
        records = {d: self.record(d) for e in entries for d in e.doc_ids}
        own = {d for d, r in records.items() if r is not None and r.source.path in same}
        # Lines of other files that were duplicates of this file's pages go too.
        others = [e for e in manifest if set(e.doc_ids) & own and e not in entries]
        gone = entries + others
        duplicated = {e.doc_id for e in manifest
                      if e.status is EntryStatus.DUPLICATE and e not in gone}
        touched: set[str] = set()
        with self.db:
            for e in gone:
                self.db.execute("DELETE FROM manifest WHERE path=? AND page=? AND attachment=? "
                                "AND part=?", (as_text(e.path), e.page or 0,
                                               e.attachment or "", e.part or ""))
            for file in {e.path for e in gone}:
                self.db.execute("DELETE FROM files WHERE path=?", (as_text(file),))
            for doc_id in own:
                self.db.execute("DELETE FROM records WHERE doc_id=?", (doc_id,))
                self.db.execute("DELETE FROM reviewed WHERE doc_id=?", (doc_id,))
                if self._records is not None:
                    self._records.pop(doc_id, None)
            for doc_id in set(records) - own:  # this file was the duplicate of another's page
                if doc_id not in duplicated:
                    record = records[doc_id]
                    record.flags = [f for f in record.flags if f.kind is not FlagKind.DUPLICATE]
                    record.update_status()
                    self.put_record(record)
                    touched.add(doc_id)
            if records:
                self.db.execute("DELETE FROM pairs")
                self.db.execute("DELETE FROM meta WHERE key='reconciled'")
        self._manifest = None
        return len(entries) + len(others), sorted({e.path for e in others}), touched

    def keep_attachment(self, safe_name: str, data: bytes) -> Path:
        """A copy of an emailed attachment under OUT/attachments, whatever the sender called
        it: ``<sha256 prefix>-<safe name>``."""
        folder = (self.out_dir / ATTACHMENTS).resolve()
        digest = hashlib.sha256(data).hexdigest()[:16]
        target = (folder / f"{digest}-{safe_name}").resolve()
        if folder not in target.parents:
            raise InputError(Code.UNSAFE_NAME, name=safe_name)
        folder.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def put_correction(self, doc_id: str, key: str, old: str | None, new: str | None,
                       who: str) -> None:
        """A person's correction of one field, kept as its own row (who, when)."""
        self.db.execute("INSERT INTO corrections (doc_id, field, old, new, who, at) VALUES "
                        "(?, ?, ?, ?, ?, ?)", (doc_id, key, old, new, who, _now()))

    def set_lang(self, lang: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('lang', ?)",
                            (lang,))

    def mark_reviewed(self, doc_id: str, who: str) -> None:
        """A person has been through this document (the review station's "done")."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO reviewed (doc_id, who, at) VALUES (?, ?, ?)",
                            (doc_id, who, _now()))

    # --- exports ------------------------------------------------------------------------
    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        """A people-facing CSV in OUT (UTF-8 with BOM, so Excel shows Chinese right)."""
        return write_atomic(self.out_dir / name,
                            lambda p: table.to_csv(p, index=False, encoding="utf-8-sig"))

    def write_excel(self, name: str, table: pd.DataFrame, titles: list[str] | None = None
                    ) -> Path:
        """A sheet for people: ``titles`` (the columns' names in words) above the rows, over a
        hidden row of the columns' keys (what ``import-corrections`` reads); columns as wide
        as their text (long text wrapped), the titles frozen and filterable."""
        return write_atomic(self.out_dir / name, lambda p: _write_sheet(
            p, table, Path(name).stem, titles))

    def write_jsonl(self, name: str, rows: Iterable[dict]) -> Path:
        return _write_jsonl(self.out_dir / name, rows)

    def export(self) -> list[Path]:
        """Rewrite the files scripts read of the records and the manifest from the store."""
        return [self.write_jsonl("records.jsonl", (r.to_dict() for r in self.records())),
                self.write_jsonl("manifest.jsonl", (m.to_dict() for m in self.manifest()))]


WIDE = 60  # characters: a column of longer text (a synopsis, an address) wraps at this width
SHEET_ROWS = 1_048_574  # rows of data an Excel/WPS sheet holds below its key and title rows


def _write_sheet(path: Path, table: pd.DataFrame, title: str, titles: list[str] | None) -> None:
    """The table as sheets of at most SHEET_ROWS rows (``records``, ``records-2`` … for an
    archive of more documents than one sheet holds), each with its key row."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        starts = range(0, max(len(table), 1), SHEET_ROWS)
        for n, start in enumerate(starts, start=1):
            name = title if n == 1 else f"{title}-{n}"
            part = table.iloc[start:start + SHEET_ROWS]
            if titles is None:
                part.to_excel(writer, index=False, sheet_name=name)
            else:
                part.to_excel(writer, index=False, sheet_name=name, startrow=2, header=False)
                sheet = writer.sheets[name]
                for i, (key, words) in enumerate(zip(table.columns, titles), start=1):
                    sheet.cell(1, i, key)
                    sheet.cell(2, i, words)
            _dress(writer.sheets[name], part, titles)


def _dress(sheet: Any, table: pd.DataFrame, titles: list[str] | None) -> None:
    """Columns as wide as their text (long text wrapped), the heading row bold, frozen and
    filterable; the key row, where there are titles above the rows, hidden."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    head = 2 if titles is not None else 1
    sheet.freeze_panes = f"A{head + 1}"
    if len(table.columns):
        sheet.auto_filter.ref = f"A{head}:{get_column_letter(len(table.columns))}" \
                                f"{sheet.max_row}"
    if titles is not None:
        sheet.row_dimensions[1].hidden = True
    for i, column in enumerate(table.columns, start=1):
        texts = [str(titles[i - 1] if titles else column),
                 *("" if v is None else str(v) for v in table[column])]
        # Chinese characters are about two columns wide.
        width = max(sum(2 if ord(c) > 0x2E80 else 1 for c in t) for t in texts)
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = min(max(width, 6) + 2, WIDE)
        if width > WIDE:
            for cell in sheet[letter][head:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[head]:
        cell.font = Font(bold=True)


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a file whole or not at all: into a temporary name beside it, then renamed over
    it. A failure leaves the old file as it was and no temporary file behind."""
    tmp = path.with_name(f".tmp-{path.name}")  # keeps the extension pandas reads
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, PermissionError) and path.exists():
            raise OutputError(Code.OUTPUT_LOCKED, path=str(path)) from exc
        raise OutputError(Code.OUTPUT_UNWRITABLE, path=str(path),
                          why=exc.strerror or str(exc)) from exc
    return path


def _write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    return write_atomic(path, write)
