"""The batch orchestrator: runs the page stages in order and hands results to the store.

ingest → preprocess → ocr → layout → classify → extract → verify → store. One bad file or page
never stops the batch: it becomes a manifest line with a status and a message.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import pymupdf
from tqdm import tqdm

from pipeline import __version__, ingest, layout, mail, preprocess
from pipeline.checks import apply_checks, default_config
from pipeline.classify import classify
from pipeline.errors import FormscanError, InputError, NotAScan
from pipeline.extract import extract
from pipeline.forms import FormSchema, schemas
from pipeline.model import (
    EntryStatus,
    FormType,
    ManifestEntry,
    Origin,
    PageLayout,
    Record,
    Route,
    Source,
    Status,
    Transform,
)
from pipeline.ocr import OcrEngine, make_engine
from pipeline.store import Store
from pipeline.verify.consent import match_clauses
from pipeline.verify.seal import detect_seal
from pipeline.verify.signature import detect_signature

log = logging.getLogger("formscan")
T = TypeVar("T")
BLANK_INK_RATIO = 0.002  # share of dark pixels under which a page is blank
DOC_ID_LEN = 16


@dataclass
class ScanOptions:
    engine: str = "rapidocr"
    threads: int = 0
    progress: bool = True


@dataclass
class Summary:
    """What one command did, for the summary table and the exit status."""

    pages: int = 0
    skipped: int = 0
    duplicates: int = 0
    failures: list[ManifestEntry] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)
    needs_review: int = 0


class StageError(Exception):
    def __init__(self, stage: str, exc: Exception) -> None:
        super().__init__(f"{stage} failed: {type(exc).__name__}: {exc}")
        self.stage = stage


def _stage(name: str, fn: Callable[..., T], *args: object) -> T:
    try:
        return fn(*args)
    except FormscanError:
        raise  # configuration (models, schemas): no page can succeed, stop the batch
    except Exception as exc:  # noqa: BLE001 - named and recorded for this page only
        raise StageError(name, exc) from exc


class Scanner:
    """Reads paper scans into the store (``formscan scan``)."""

    def __init__(self, store: Store, options: ScanOptions, engine: OcrEngine | None = None):
        self.store = store
        self.options = options
        self.engine = engine or make_engine(options.engine, options.threads)
        self.config = default_config()
        self.summary = Summary()

    def run(self, paths: list[str]) -> Summary:
        files = ingest.discover(paths)
        plans = [self._plan(path) for path in files]
        total = sum(len(todo) for _, _, todo, _ in plans if todo)
        with tqdm(total=total, unit="page", disable=not self.options.progress,
                  desc="scanning") as bar:
            for path, kind, todo, sha in plans:
                if kind is not None and todo:
                    self._scan_file(path, kind, todo, sha, bar)
        self._tally(files)
        return self.summary

    def _plan(self, path: str) -> tuple[str, str | None, set[int], str | None]:
        """What is left to do for a file: (path, kind, pages to read, sha)."""
        try:
            sha = ingest.file_hash(path)
        except OSError as exc:
            self._fail_file(path, None, f"cannot read file: {exc.strerror}")
            return path, None, set(), None
        done = self.store.file_entries(path)
        if done and any(e.file_sha256 != sha for e in done):
            log.info("%s changed since the last run: reading it again", path)
            self.store.forget_file(path)
            done = []
        elif done and any(e.reader != __version__ for e in done):
            log.info("%s was read by another formscan version: reading it again", path)
            self.store.forget_file(path)
            done = []
        try:
            kind = ingest.read_kind(path)
            count = ingest.count_pages(path, kind)
        except InputError as exc:
            if not done:
                self._fail_file(path, sha, str(exc), skipped=isinstance(exc, NotAScan))
            return path, None, set(), sha
        todo = set(range(1, count + 1)) - {e.page for e in done if e.page}
        return path, kind, todo, sha

    @staticmethod
    def _mislabelled(path: str, kind: str) -> str | None:
        suffix = Path(path).suffix.lower().lstrip(".")
        expected = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "tif": "tiff", "tiff": "tiff",
                    "pdf": "pdf", "bmp": "bmp"}.get(suffix)
        if expected == kind:
            return None
        return f"named .{suffix} but is really a {kind.upper()} file; read as {kind.upper()}"

    def _fail_file(self, path: str, sha: str | None, error: str, skipped: bool = False) -> None:
        status = EntryStatus.SKIPPED if skipped else EntryStatus.FAILED
        with self.store.transaction():
            self.store.put_entry(ManifestEntry(path, None, status, route=Route.NONE.value,
                                               error=error, file_sha256=sha,
                                               reader=__version__))
        tqdm.write(f"{status.value}: {path}: {error}")

    def _scan_file(self, path: str, kind: str, todo: set[int], sha: str | None, bar) -> None:  # noqa: ANN001
        note = self._mislabelled(path, kind)
        if note:
            tqdm.write(f"note: {path}: {note}")
        try:
            for item in ingest.pages(path, kind, todo):
                if isinstance(item, InputError):
                    self._put(None, ManifestEntry(path, item.page, EntryStatus.FAILED,  # type: ignore[attr-defined]
                                                  error=str(item), file_sha256=sha,
                                                  reader=__version__))
                else:
                    record, entry = self._page(item)
                    entry.file_sha256, entry.note, entry.reader = sha, note, __version__
                    self._put(record, entry)
                bar.update(1)
        except InputError as exc:
            self._fail_file(path, sha, str(exc))

    def _put(self, record: Record | None, entry: ManifestEntry) -> None:
        with self.store.transaction():
            if record is not None:
                self.store.put_record(record)
            self.store.put_entry(entry)
        if entry.status in (EntryStatus.FAILED, EntryStatus.SKIPPED):
            where = entry.path + (f" page {entry.page}" if entry.page else "") + (
                f" [{entry.attachment}]" if entry.attachment else "")
            tqdm.write(f"{entry.status.value}: {where}: {entry.error}")

    def _page(self, src: ingest.SourcePage) -> tuple[Record | None, ManifestEntry]:
        doc_id = src.content_hash[:DOC_ID_LEN]
        entry = ManifestEntry(src.path, src.page, EntryStatus.OK, doc_id=doc_id,
                              route=src.route.value)
        existing = self.store.record(doc_id)
        read_before = existing is not None and (existing.source.path, existing.source.pages) == (
            src.path, [src.page])  # this very page, read by another version or an earlier run
        if existing is not None and not read_before:
            # The same page content arrived again in another file.
            existing.add_flag("duplicate")
            entry.status = EntryStatus.DUPLICATE
            entry.error = (f"same page as {existing.source.path} page "
                           f"{existing.source.pages[0]}; kept once")
            return existing, entry
        if src.route is Route.OCR and _is_blank(src.image):
            entry.status, entry.doc_id = EntryStatus.SKIPPED, None
            entry.error = "blank page: nothing printed or written on it"
            return None, entry
        try:
            record = self.read_form(src, doc_id)
        except StageError as exc:
            record = Record(doc_id, Origin.PAPER, FormType.UNKNOWN,
                            Source(src.path, [src.page]), status=Status.FAILED,
                            route=src.route.value, errors=[str(exc)])
            entry.status = EntryStatus.FAILED
            entry.error = f"{exc}; the page is kept as a failed record, please report it"
            return record, entry
        if record.form_type is FormType.UNKNOWN:
            entry.status = EntryStatus.SKIPPED
            entry.error = ("not recognised as a contest form (no form title or labels found); "
                           "kept as form_type unknown for review")
        return record, entry

    def read_form(self, src: ingest.SourcePage, doc_id: str) -> Record:
        """One page through preprocess, OCR, layout, classify, extract and verify."""
        if src.route is Route.TEXT_LAYER:
            image, transform, lines = src.image, Transform(), src.text_lines
            ocr_image = image
        else:
            prep = _stage("preprocess", preprocess.prepare, src.image)
            turns = _stage("orientation", self.engine.orientation, prep.ocr_image)
            if turns:
                prep = preprocess.rotate_quarter(prep, turns)
            lines = _stage("ocr", self.engine.recognize, prep.ocr_image)
            image, ocr_image, transform = prep.image, prep.ocr_image, prep.transform
        page_layout = _stage("layout", layout.analyze, image, lines,
                             src.route is Route.OCR)
        verdict = _stage("classify", classify, page_layout)
        record = Record(doc_id, Origin.PAPER, verdict.form_type, Source(src.path, [src.page]),
                        route=src.route.value, form_score=verdict.score)
        if verdict.form_type is FormType.UNKNOWN:
            record.add_flag("unclassified")
            return record
        schema = schemas()[verdict.form_type]
        record.fields = _stage("extract", extract, schema, page_layout, src.page, transform)
        self._verify(record, schema, image, ocr_image, page_layout, transform)
        _stage("checks", apply_checks, record, schema, self.config)
        return record

    def _verify(self, record: Record, schema: FormSchema, image: np.ndarray,
                ocr_image: np.ndarray, page_layout: PageLayout, transform: Transform) -> None:
        """Signature, seal and consent verdicts, bboxes mapped back to the scan."""
        signature = _stage("signature", detect_signature, ocr_image, page_layout,
                           schema.signature_labels)
        finding = _stage("seal", detect_seal, image, self._read_text)
        seal = finding.mark
        seal.text = finding.ring_text
        for mark in (signature, seal):
            if mark.bbox is not None:
                mark.bbox = transform.bbox_to_original(mark.bbox)
        record.signature, record.seal = signature, seal
        if schema.consent:
            record.consent = _stage("consent", match_clauses, page_layout,
                                    self.config.clauses, self.config.clause_threshold)

    def _read_text(self, image: np.ndarray) -> str:
        return "".join(line.text for line in self.engine.recognize(image))

    def _tally(self, files: list[str]) -> None:
        wanted = set(files)
        entries = [e for e in self.store.manifest() if e.path in wanted]
        docs = {e.doc_id for e in entries if e.doc_id and e.status is not EntryStatus.DUPLICATE}
        s = self.summary
        s.pages = sum(1 for e in entries if e.page is not None)
        s.skipped = sum(e.status is EntryStatus.SKIPPED for e in entries)
        s.duplicates = sum(e.status is EntryStatus.DUPLICATE for e in entries)
        s.failures = [e for e in entries if e.status is EntryStatus.FAILED]
        for record in self.store.records():
            if record.doc_id in docs:
                s.documents[record.form_type.value] += 1
                s.needs_review += record.status is Status.NEEDS_REVIEW


def _is_blank(image: np.ndarray) -> bool:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                31, 25)
    return float(np.count_nonzero(ink)) / ink.size < BLANK_INK_RATIO


def _run(reader: type[Scanner], paths: list[str], out_dir: Path,
         options: ScanOptions | None) -> Summary:
    """Read inputs into the batch in ``out_dir``; its files are rewritten even on a failure."""
    store = Store(out_dir)
    try:
        return reader(store, options or ScanOptions()).run(paths)
    finally:
        store.export()
        store.close()


def scan(paths: list[str], out_dir: Path, options: ScanOptions | None = None) -> Summary:
    """Scan paper inputs into ``out_dir`` and rewrite its files; the batch API of the CLI."""
    return _run(Scanner, paths, out_dir, options)


class MailReader(Scanner):
    """Reads emailed copies into the store (``formscan email``).

    Every attachment is a document of origin ``email``: Word and Excel files through their
    tables, text PDFs through their text layer, scanned PDFs through the OCR path.
    """

    def run(self, paths: list[str]) -> Summary:
        files = mail.discover(paths)
        for path in tqdm(files, unit="file", disable=not self.options.progress, desc="email"):
            self._read_mail_file(path)
        self._tally(files)
        return self.summary

    def _read_mail_file(self, path: str) -> None:
        try:
            sha = ingest.file_hash(path)
        except OSError as exc:
            self._fail_file(path, None, f"cannot read file: {exc.strerror}")
            return
        done = self.store.file_entries_any(path)
        if any(e.file_sha256 != sha or e.reader != __version__ for e in done):
            self.store.forget_file(path)  # changed, or read by another version: read again
            done = []
        if done and all(e.attachment is None for e in done):
            return  # the file itself was listed (unreadable, or no attachment)
        try:
            attachments = mail.read_attachments(path)
        except InputError as exc:
            self._fail_file(path, sha, str(exc), skipped=isinstance(exc, NotAScan))
            return
        if not attachments:
            self._fail_file(path, sha, "message has no attachment: nothing to read",
                            skipped=True)
            return
        finished = {e.attachment for e in done}  # a run stopped half-way left the rest
        for att in attachments:
            if _display(att) in finished:
                continue
            for record, entry in self._attachment(att):
                entry.file_sha256, entry.reader = sha, __version__
                self._put(record, entry)

    def _attachment(self, att: mail.Attachment):  # noqa: ANN202 - yields (record, entry)
        entry = ManifestEntry(att.path, None, EntryStatus.OK, attachment=_display(att))
        if att.kind == "unreadable" and att.sender is None and Path(att.path).suffix.lower() \
                not in mail.DOCUMENT_SUFFIXES:
            # A stray file among the mail (a list, a note): not an emailed copy at all.
            entry.status, entry.route = EntryStatus.SKIPPED, Route.NONE.value
            entry.error = "not an email or a document (.eml .mbox .docx .pdf .xlsx): left out"
            yield None, entry
            return
        if att.kind == "unreadable":
            entry.status, entry.route, entry.error = EntryStatus.FAILED, Route.NONE.value, (
                att.reason or "attachment cannot be read")
            yield None, entry
            return
        self._save(att)
        if att.kind == "pdf":
            yield from self._pdf_attachment(att)
            return
        route = Route.DOCX if att.kind == "docx" else Route.XLSX
        reader = mail.docx_pages if att.kind == "docx" else _one_page(mail.xlsx_lines)
        try:
            pages = _stage("read", reader, att.data)
        except StageError as exc:
            entry.route, entry.status = route.value, EntryStatus.FAILED
            entry.error = f"{exc}; is the file damaged?"
            yield None, entry
            return
        for index, (lines, cells) in enumerate(pages, start=1):
            page = index if len(pages) > 1 else None  # several forms in one Word file
            digest = hashlib.sha256(att.data + (str(page).encode() if page else b""))
            doc_id = digest.hexdigest()[:DOC_ID_LEN]
            page_entry = ManifestEntry(att.path, page, EntryStatus.OK, doc_id=doc_id,
                                       attachment=_display(att), route=route.value)
            try:
                record = self._classified(_stage("layout", mail.layout_of, lines, cells),
                                          doc_id, att, route, page)
            except StageError as exc:
                page_entry.status, page_entry.error = EntryStatus.FAILED, str(exc)
                yield None, page_entry
                continue
            yield self._finish(record, page_entry), page_entry

    def _pdf_attachment(self, att: mail.Attachment):  # noqa: ANN202
        try:
            doc = pymupdf.open(stream=att.data, filetype="pdf")
        except Exception as exc:  # noqa: BLE001 - MuPDF's own error types
            yield None, ManifestEntry(att.path, None, EntryStatus.FAILED,
                                      attachment=_display(att), route=Route.NONE.value,
                                      error=f"attached PDF cannot be opened ({exc})")
            return
        with doc:
            if doc.needs_pass:
                yield None, ManifestEntry(att.path, None, EntryStatus.FAILED,
                                          attachment=_display(att), route=Route.NONE.value,
                                          error="attached PDF is password-protected: ask "
                                                "the unit for an unprotected copy")
                return
            for index, page in enumerate(doc):
                number = index + 1
                src = ingest.page_source(att.path, number, page)
                doc_id = hashlib.sha256(att.data + str(number).encode()).hexdigest()[
                    :DOC_ID_LEN]
                entry = ManifestEntry(att.path, number, EntryStatus.OK, doc_id=doc_id,
                                      attachment=_display(att), route=src.route.value)
                try:
                    record = self.read_form(src, doc_id)
                    record.origin, record.message = Origin.EMAIL, _message(att)
                    record.source = Source(att.path, [number], _display(att))
                    record.signature = record.seal = None  # SPEC §4: no verdict for email
                    record.consent = []  # consent is given on the signed paper
                    _stage("checks", apply_checks, record, schemas().get(record.form_type),
                           self.config)
                except StageError as exc:
                    entry.status, entry.error = EntryStatus.FAILED, str(exc)
                    yield None, entry
                    continue
                yield self._finish(record, entry), entry

    def _classified(self, page_layout: PageLayout, doc_id: str, att: mail.Attachment,
                    route: Route, page: int | None) -> Record:
        verdict = _stage("classify", classify, page_layout)
        record = Record(doc_id, Origin.EMAIL, verdict.form_type,
                        Source(att.path, [page] if page else [], _display(att)),
                        route=route.value, form_score=verdict.score, message=_message(att))
        if verdict.form_type is FormType.UNKNOWN:
            record.add_flag("unclassified")
            return record
        schema = schemas()[verdict.form_type]
        record.fields = _stage("extract", extract, schema, page_layout, 0)
        for f in record.fields.values():  # no page geometry in a Word or Excel file
            f.page, f.bbox = None, None
        # No consent check: consent is given on the signed paper.
        _stage("checks", apply_checks, record, schema, self.config)
        return record

    def _finish(self, record: Record, entry: ManifestEntry) -> Record:
        """The record to store for this entry: the first copy when it arrived before."""
        existing = self.store.record(record.doc_id)
        if existing is not None and (existing.source.path, existing.source.attachment) != (
                record.source.path, record.source.attachment):
            existing.add_flag("duplicate")
            entry.status = EntryStatus.DUPLICATE
            entry.error = f"same attachment as in {existing.source.path}; kept once"
            return existing
        if record.form_type is FormType.UNKNOWN:
            entry.status = EntryStatus.SKIPPED
            entry.error = "not recognised as a contest form; kept as form_type unknown"
        return record

    def _save(self, att: mail.Attachment) -> Path:
        """Keep a copy under OUT/attachments, whatever the sender called the file."""
        folder = (self.store.out_dir / "attachments").resolve()
        digest = hashlib.sha256(att.data).hexdigest()[:DOC_ID_LEN]
        target = (folder / f"{digest}-{att.safe_name}").resolve()
        if folder not in target.parents:
            raise InputError(f"attachment name {att.filename!r} would leave the output folder")
        folder.mkdir(parents=True, exist_ok=True)
        target.write_bytes(att.data)
        return target


def _one_page(reader):  # noqa: ANN001, ANN202 - adapts a one-page reader to a page list
    return lambda data: [reader(data)]


def _display(att: mail.Attachment) -> str:
    """The attachment as the manifest names it: its file name, and which message of an mbox."""
    return att.filename if att.message is None else f"message {att.message}: {att.filename}"


def _message(att: mail.Attachment) -> dict[str, str | None]:
    return {"sender": att.sender, "subject": att.subject, "date": att.date}


def read_email(paths: list[str], out_dir: Path, options: ScanOptions | None = None) -> Summary:
    """Read emailed copies into ``out_dir`` and rewrite its files."""
    return _run(MailReader, paths, out_dir, options)
