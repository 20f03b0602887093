"""The batch runner: one loop over a source's input files, work items through the stages,
results to the store.

``formscan scan`` and ``formscan email`` are the same run over two sources
(:mod:`pipeline.sources`). One rule resumes: a file whose content or formscan version changed
since the last run is read again from scratch; otherwise only the manifest lines it does not
have yet are read. One rule finds duplicates: the same content (``doc_id``) arriving from
another place is kept once and flagged. One bad file or page never stops the batch: it
becomes a manifest line with a status and a message. The runner does no image work and
writes nothing itself: the store is the only writer.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from pipeline import __version__
from pipeline.contest import Contest, default_contest
from pipeline.errors import InputError, NotAScan
from pipeline.filetypes import file_hash
from pipeline.model import (
    EntryStatus,
    Flag,
    FlagKind,
    FormType,
    ManifestEntry,
    Record,
    Source,
    Status,
    Unreadable,
    WorkItem,
)
from pipeline.ocr import OcrEngine, make_engine
from pipeline.sources import Key, MailSource, PaperSource, Part
from pipeline.sources import Source as InputSource
from pipeline.stages import NOT_A_FORM, read_page
from pipeline.store import Store

log = logging.getLogger("formscan")


@dataclass
class BatchOptions:
    """What every command that reads inputs takes (the CLI's options, as one object)."""

    engine: str = "rapidocr"
    threads: int = 0  # ONNX Runtime threads; 0: let it decide
    progress: bool = True
    contest: Contest | None = None  # None: the shipped contest.yaml


@dataclass
class Summary:
    """What one command did, for the summary table and the exit status."""

    pages: int = 0
    skipped: int = 0
    duplicates: int = 0
    failures: list[ManifestEntry] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)
    needs_review: int = 0


def describe(source: Source) -> str:
    """Where a document is, in words: ``envelope_01.pdf page 3``, ``mail.eml [x.docx]``."""
    where = source.path + (f" [{source.attachment}]" if source.attachment else "")
    return where + (f" page {source.pages[0]}" if source.pages else "")


class Batch:
    """Reads the inputs of one source into the store."""

    def __init__(self, store: Store, options: BatchOptions, engine: OcrEngine | None = None):
        self.store = store
        self.options = options
        self.engine = engine or make_engine(options.engine, options.threads)
        self.contest = options.contest or default_contest()

    def run(self, source: InputSource, paths: list[str]) -> Summary:
        files = source.discover(paths)
        with tqdm(total=0, unit="page", desc=source.label,
                  disable=not self.options.progress) as bar:
            for path in files:
                self._file(source, path, bar)
        return self._tally(files)

    # --- one file ---------------------------------------------------------------------------
    def _file(self, source: InputSource, path: str, bar: tqdm) -> None:
        try:
            sha = file_hash(path)
        except OSError as exc:
            self._list(path, None, None, Unreadable(None, f"cannot read file: {exc.strerror}"))
            return
        done = self._resume(path, sha)
        opened = False
        try:
            with source.open(path) as parts:
                opened = True
                for part in parts:
                    self._part(path, sha, part, done, bar)
        except InputError as exc:
            if opened or not done:  # a file listed before keeps its lines as they are
                self._list(path, sha, None, Unreadable(None, str(exc),
                                                       skipped=isinstance(exc, NotAScan)))

    def _resume(self, path: str, sha: str) -> set[tuple[Key, str | None]]:
        """The manifest lines a file already has: none when its content or the formscan
        version changed since they were written (then it is read again from scratch)."""
        done = self.store.file_entries(path)
        if any(e.file_sha256 != sha or e.reader != __version__ for e in done):
            log.info("%s changed or was read by another formscan version: reading it again",
                     path)
            self.store.forget_file(path)
            return set()
        return {(e.page, e.attachment) for e in done}

    def _part(self, path: str, sha: str, part: Part, done: set[tuple[Key, str | None]],
              bar: tqdm) -> None:
        todo = {k for k in part.keys if (k, part.attachment) not in done}
        if not todo:
            return
        if part.keep is not None:
            self.store.keep_attachment(*part.keep)
        if part.listing is not None:
            self._list(path, sha, part.attachment, part.listing)
            return
        if part.note:
            tqdm.write(f"note: {path}: {part.note}")
        bar.total += len(todo)
        bar.refresh()
        for got in part.read(todo):
            if isinstance(got, Unreadable):
                self._list(path, sha, part.attachment, got)
            else:
                record, entry = self._item(got)
                entry.file_sha256, entry.note, entry.reader = sha, part.note, __version__
                self._put(record, entry)
            bar.update(1)

    # --- one work item ----------------------------------------------------------------------
    def _item(self, item: WorkItem) -> tuple[Record | None, ManifestEntry]:
        entry = ManifestEntry(item.path, item.page, EntryStatus.OK, attachment=item.attachment,
                              doc_id=item.doc_id, route=item.route)
        existing = self.store.record(item.doc_id)
        if existing is not None and existing.source != item.source:
            # The same content arrived again from another place: kept once.
            existing.add_flag(Flag(FlagKind.DUPLICATE))
            entry.status = EntryStatus.DUPLICATE
            entry.error = f"same page as {describe(existing.source)}; kept once"
            return existing, entry
        outcome = read_page(item, self.engine, self.contest)
        record = outcome.record
        if record is None:
            entry.status, entry.doc_id, entry.error = EntryStatus.SKIPPED, None, outcome.skipped
        elif record.status is Status.FAILED:
            entry.status = EntryStatus.FAILED
            entry.error = f"{record.errors[0]}; the page is kept as a failed record, please " \
                          "report it"
        elif record.form_type is FormType.UNKNOWN:
            entry.status, entry.error = EntryStatus.SKIPPED, NOT_A_FORM
        return record, entry

    # --- to the store -----------------------------------------------------------------------
    def _list(self, path: str, sha: str | None, attachment: str | None,
              what: Unreadable) -> None:
        """A manifest line for what gave no work item."""
        status = EntryStatus.SKIPPED if what.skipped else EntryStatus.FAILED
        self._put(None, ManifestEntry(path, what.page, status, attachment=attachment,
                                      route=what.route,
                                      error=what.message, file_sha256=sha,
                                      reader=__version__))

    def _put(self, record: Record | None, entry: ManifestEntry) -> None:
        with self.store.transaction():
            if record is not None:
                self.store.put_record(record)
            self.store.put_entry(entry)
        if entry.status in (EntryStatus.FAILED, EntryStatus.SKIPPED):
            where = entry.path + (f" page {entry.page}" if entry.page else "") + (
                f" [{entry.attachment}]" if entry.attachment else "")
            tqdm.write(f"{entry.status.value}: {where}: {entry.error}")

    def _tally(self, files: list[str]) -> Summary:
        wanted = set(files)
        entries = [e for e in self.store.manifest() if e.path in wanted]
        docs = {e.doc_id for e in entries if e.doc_id and e.status is not EntryStatus.DUPLICATE}
        s = Summary()
        s.pages = sum(1 for e in entries if e.page is not None)
        s.skipped = sum(e.status is EntryStatus.SKIPPED for e in entries)
        s.duplicates = sum(e.status is EntryStatus.DUPLICATE for e in entries)
        s.failures = [e for e in entries if e.status is EntryStatus.FAILED]
        for record in self.store.records():
            if record.doc_id in docs:
                s.documents[record.form_type.value] += 1
                s.needs_review += record.status is Status.NEEDS_REVIEW
        return s


def _run(source: InputSource, paths: list[str], out_dir: Path,
         options: BatchOptions | None) -> Summary:
    """Read inputs into the batch in ``out_dir``; its files are rewritten even on a failure."""
    store = Store(out_dir)
    try:
        return Batch(store, options or BatchOptions()).run(source, paths)
    finally:
        store.export()
        store.close()


def scan(paths: list[str], out_dir: Path, options: BatchOptions | None = None) -> Summary:
    """Read paper scans into ``out_dir`` and rewrite its files (``formscan scan``)."""
    return _run(PaperSource(), paths, out_dir, options)


def read_email(paths: list[str], out_dir: Path, options: BatchOptions | None = None) -> Summary:
    """Read emailed copies into ``out_dir`` and rewrite its files (``formscan email``)."""
    return _run(MailSource(), paths, out_dir, options)
