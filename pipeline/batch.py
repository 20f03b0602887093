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
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from pipeline import __version__
from pipeline.checks import apply_checks
from pipeline.contest import Contest, default_contest
from pipeline.errors import InputError, NotAScan
from pipeline.filetypes import file_hash
from pipeline.forms import schemas
from pipeline.i18n import DEFAULT_LANG, place, reason, text
from pipeline.limits import Limits
from pipeline.model import (
    EntryStatus,
    Flag,
    FlagKind,
    FormType,
    ManifestEntry,
    Origin,
    Record,
    Source,
    Status,
    Unreadable,
    WorkItem,
)
from pipeline.ocr import DEFAULT_ENGINE, DET_SIDE, OcrEngine
from pipeline.sources import Key, MailSource, PaperSource, Part
from pipeline.sources import Source as InputSource
from pipeline.stages import NOT_A_FORM, Outcome
from pipeline.store import Store, as_text
from pipeline.workers import PAGE_TIMEOUT, EngineSpec, Executor, InProcess, ProcessExecutor, cores

log = logging.getLogger("formscan")


@dataclass
class BatchOptions:
    """What every command that reads inputs takes (the CLI's options, as one object)."""

    engine: str = DEFAULT_ENGINE
    threads: int = 0  # ONNX Runtime threads per worker; 0: all cores for one, 1 each for more
    det_side: int = DET_SIDE  # px, the long side text detection runs at
    workers: int = 0  # processes reading pages; 0: one per core
    progress: bool = True
    contest: Contest | None = None  # None: the shipped contest.yaml
    limits: Limits = field(default_factory=Limits)  # what one input file may hold
    page_timeout: float = PAGE_TIMEOUT  # s a worker may spend on one page before it is ended
    executor: str = "local"  # "local": this machine's processes; "ray": a Ray cluster's actors
    ray_address: str | None = None  # None: a Ray instance of this machine, started here
    lang: str = DEFAULT_LANG  # what the lines said while reading speak (zh, en)

    def start_executor(self, contest: Contest, engine: OcrEngine | None) -> Executor:
        """Where this batch's pages are read: here with a given engine or one worker, in
        worker processes, or on a Ray cluster."""
        if self.executor == "ray" and engine is None:
            from pipeline.cluster import RayExecutor  # Ray is an optional extra

            return RayExecutor(EngineSpec(self.engine, self.threads or 1, self.det_side),
                               contest, self.workers, self.ray_address, self.page_timeout)
        workers = self.workers or cores()
        if engine is not None or workers == 1:
            spec = EngineSpec(self.engine, self.threads, self.det_side)
            return InProcess(engine or spec.make(), contest)
        return ProcessExecutor(EngineSpec(self.engine, self.threads or 1, self.det_side),
                               contest, workers, self.page_timeout)


@dataclass
class Summary:
    """What one command did, and what the batch holds of its inputs, for the summary table
    and the exit status."""

    unit: str = "page"  # what a manifest line is: a page (paper) or an attachment (email)
    files: int = 0  # input files found
    done_now: Counter = field(default_factory=Counter)  # manifest lines written, by status
    kept: int = 0  # lines an earlier run had finished (not read again)
    pages: int = 0  # lines of these inputs in the batch (pages or attachments)
    skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    duplicates: int = 0
    failures: list[ManifestEntry] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)
    needs_review: int = 0


@dataclass
class _Job:
    """One manifest line on its way to the store; jobs are stored in the order the inputs
    gave them, whichever worker finishes first."""

    entry: ManifestEntry
    item: WorkItem | None = None  # None: a line for what gave no work item
    future: Future | None = None  # its reading, once asked for
    record: Record | None = None  # a duplicate's: the record it is a copy of


def describe(source: Source) -> str:
    """Where a document is, in words: ``envelope_01.pdf page 3``, ``mail.eml [x.docx]``."""
    where = source.path + (f" [{source.attachment}]" if source.attachment else "")
    return where + (f" page {source.pages[0]}" if source.pages else "")


class PageBar(tqdm):
    """The progress bar: pages done of those to read, pages per minute, time left."""

    BAR_FORMAT = ("{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} pages "
                  "[{elapsed}<{remaining}, {per_minute} pages/min]")

    @classmethod
    def format_in(cls, lang: str) -> str:
        return cls.BAR_FORMAT if lang == "en" else (
            "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} 页 "
            "[{elapsed}<{remaining}, 每分钟 {per_minute} 页]")

    def update(self, n: int = 1) -> bool | None:
        if self.total is not None and self.n + n > self.total:
            self.total = self.n + n  # a file changed since the pages were counted
        return super().update(n)

    @property
    def format_dict(self) -> dict:
        d = super().format_dict
        rate = d.get("rate") or (d["n"] / d["elapsed"] if d["elapsed"] and d["n"] else None)
        d["per_minute"] = f"{rate * 60:.1f}" if rate else "?"
        return d


class Batch:
    """Reads the inputs of one source into the store."""

    def __init__(self, store: Store, options: BatchOptions, engine: OcrEngine | None = None,
                 executor: Executor | None = None):
        """``engine``: read in this process with it; ``executor``: read there; neither: as
        ``options`` say."""
        self.store = store
        self.options = options
        self.contest = options.contest or default_contest()
        self._engine, self._given = engine, executor
        self._jobs: deque[_Job] = deque()
        self._reading: Counter = Counter()  # doc_ids being read now
        self._written: Counter = Counter()  # manifest lines written by this run, by status
        self._kept = 0  # manifest lines an earlier run finished

    def run(self, source: InputSource, paths: list[str]) -> Summary:
        out = self.store.out_dir.resolve()
        # The batch's own folder is never its input (OUT inside a scanned folder).
        files = [f for f in source.discover(paths) if not Path(f).resolve().is_relative_to(out)]
        executor = self._given or self.options.start_executor(self.contest, self._engine)
        self._executor, self._window = executor, 2 * executor.workers
        try:
            lang = self.options.lang
            with PageBar(total=self._planned(source, files),
                         desc=text(lang, f"bar.{source.label}"), unit="page",
                         bar_format=PageBar.format_in(lang), smoothing=0.05,
                         disable=not self.options.progress) as self._bar:
                for path in files:
                    self._file(source, path)
                while self._jobs:
                    self._finish(self._jobs.popleft())
        finally:
            self._jobs.clear()  # what was still being read is read again by the next run
            executor.close()
        return self._tally(source, files)

    def _planned(self, source: InputSource, files: list[str]) -> int:
        """The pages this run will read, for the progress bar's time left: every file's parts
        opened once, the lines an earlier run finished left out."""
        total = 0
        for path in files:
            done = {(e.page, e.attachment) for e in self.store.file_entries(path)}
            try:
                with source.open(path) as parts:
                    total += sum(1 for part in parts if part.read is not None
                                 for k in part.keys if (k, part.attachment) not in done)
            except (InputError, OSError):
                pass  # said when it is read
        return total

    # --- one file ---------------------------------------------------------------------------
    def _file(self, source: InputSource, path: str) -> None:
        try:
            sha = file_hash(path)
        except OSError as exc:
            self._list(path, None, None, Unreadable(None, f"cannot read file: {exc.strerror}"))
            return
        done = self._resume(path, sha)
        self._kept += len(done)
        log.info("reading %s", as_text(path))
        opened = False
        try:
            with source.open(path) as parts:
                opened = True
                for part in parts:
                    self._part(path, sha, part, done)
        except InputError as exc:
            if opened or not done:  # a file listed before keeps its lines as they are
                self._list(path, sha, None, Unreadable(None, str(exc),
                                                       skipped=isinstance(exc, NotAScan)))
        except Exception as exc:  # noqa: BLE001 - a decoder's own failure: this file alone
            log.info("decoding %s failed", path, exc_info=True)
            if not self.store.file_entries(path):
                self._list(path, sha, None, Unreadable(None, _decoder_failed(exc)))

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

    def _part(self, path: str, sha: str, part: Part, done: set[tuple[Key, str | None]]
              ) -> None:
        todo = {k for k in part.keys if (k, part.attachment) not in done}
        if not todo:
            return
        if part.keep is not None:
            self.store.keep_attachment(*part.keep)
        if part.listing is not None:
            self._list(path, sha, part.attachment, part.listing)
            return
        if part.note:
            tqdm.write(f"{text(self.options.lang, 'line.note')}: {as_text(path)}: "
                       f"{reason(part.note, self.options.lang)}")
        listed: set[Key] = set()
        try:
            for got in part.read(todo):
                listed.add(got.page)
                self._got(path, sha, part, got)
        except Exception as exc:  # noqa: BLE001 - a decoder's own failure: the rest fails
            log.info("decoding %s failed", path, exc_info=True)
            for key in sorted(todo - listed, key=lambda k: k or 0):
                self._list(path, sha, part.attachment, Unreadable(key, _decoder_failed(exc)))

    def _got(self, path: str, sha: str, part: Part, got: WorkItem | Unreadable) -> None:
        if isinstance(got, Unreadable):
            self._list(path, sha, part.attachment, got, part.note)
            self._bar.update(1)
        else:
            entry = ManifestEntry(got.path, got.page, EntryStatus.OK,
                                  attachment=got.attachment, doc_id=got.doc_id,
                                  route=got.route, file_sha256=sha, note=part.note,
                                  reader=__version__)
            self._queue(_Job(entry, got))

    # --- jobs: read in the workers, stored here in order ------------------------------------
    def _queue(self, job: _Job) -> None:
        if job.item is not None and not self._reading[job.item.doc_id]:
            self._start(job)  # else its twin is being read: it waits its turn (a duplicate)
        self._jobs.append(job)
        while len(self._jobs) > self._window:
            self._finish(self._jobs.popleft())

    def _start(self, job: _Job) -> None:
        item = job.item
        existing = self.store.record(item.doc_id)
        if existing is not None and existing.source != item.source:
            job.record = existing  # the same content arrived again from another place
            return
        job.future = self._executor.submit(item)
        self._reading[item.doc_id] += 1

    def _finish(self, job: _Job) -> None:
        """A job to the store, its reading waited for."""
        record = None
        if job.item is not None:
            if job.future is None and job.record is None:
                self._start(job)  # its twin is stored now
            if job.future is not None:
                outcome = job.future.result()
                self._reading[job.item.doc_id] -= 1
                record = self._settle(job.entry, outcome)
            else:
                record = self._duplicate(job.entry, job.record)
            self._bar.update(1)
            job.item = None  # the page image goes as soon as it is read
        self._put(record, job.entry)

    def _duplicate(self, entry: ManifestEntry, existing: Record) -> Record:
        existing.add_flag(Flag(FlagKind.DUPLICATE))
        entry.status = EntryStatus.DUPLICATE
        entry.error = f"same page as {describe(existing.source)}; kept once"
        return existing

    def _settle(self, entry: ManifestEntry, outcome: Outcome) -> Record | None:
        """The manifest line's status from what reading the page gave."""
        record = outcome.record
        if record is None:
            entry.status, entry.doc_id, entry.error = EntryStatus.SKIPPED, None, outcome.skipped
        elif record.status is Status.FAILED:
            entry.status = EntryStatus.FAILED
            entry.error = f"{record.errors[0]}; the page is kept as a failed record, please " \
                          "report it"
        elif record.form_type is FormType.UNKNOWN:
            entry.status, entry.error = EntryStatus.SKIPPED, NOT_A_FORM
        return record

    # --- to the store -----------------------------------------------------------------------
    def _list(self, path: str, sha: str | None, attachment: str | None,
              what: Unreadable, note: str | None = None) -> None:
        """A manifest line for what gave no work item, in its turn."""
        status = EntryStatus.SKIPPED if what.skipped else EntryStatus.FAILED
        self._queue(_Job(ManifestEntry(path, what.page, status, attachment=attachment,
                                       route=what.route, error=what.message, file_sha256=sha,
                                       reader=__version__, note=note)))

    def _put(self, record: Record | None, entry: ManifestEntry) -> None:
        if record is not None and record.status is not Status.FAILED:
            if self.store.apply_corrections(record):  # corrected before: checked as corrected
                apply_checks(record, schemas().get(record.form_type), self.contest)
        with self.store.transaction():
            if record is not None:
                self.store.put_record(record)
            self.store.put_entry(entry)
        self._written[entry.status] += 1
        if entry.status in (EntryStatus.FAILED, EntryStatus.SKIPPED):
            lang = self.options.lang
            where = place(lang, as_text(entry.path), entry.page, entry.attachment)
            tqdm.write(f"{text(lang, 'line.' + entry.status.value)}: {where}: "
                       f"{reason(entry.error, lang)}")

    def _tally(self, source: InputSource, files: list[str]) -> Summary:
        wanted = {as_text(f) for f in files}
        entries = [e for e in self.store.manifest() if e.path in wanted]
        docs = {e.doc_id for e in entries if e.doc_id and e.status is not EntryStatus.DUPLICATE}
        s = Summary(unit="attachment" if source.origin is Origin.EMAIL else "page",
                    files=len(files), done_now=Counter(self._written), kept=self._kept)
        s.pages = sum(1 for e in entries if e.page is not None or e.attachment is not None)
        s.skipped = sum(e.status is EntryStatus.SKIPPED for e in entries)
        s.skip_reasons = Counter(_reason(e.error) for e in entries
                                 if e.status is EntryStatus.SKIPPED)
        s.duplicates = sum(e.status is EntryStatus.DUPLICATE for e in entries)
        s.failures = [e for e in entries if e.status is EntryStatus.FAILED]
        for record in self.store.records():
            if record.doc_id in docs:
                s.documents[record.form_type.value] += 1
                s.needs_review += record.status is Status.NEEDS_REVIEW
        return s


def _reason(message: str | None) -> str:
    """A skip's reason in a few words: its message up to the first explanation."""
    text = message or "skipped"
    for stop in (":", "(", ";", ","):
        text = text.split(stop, 1)[0]
    return text.strip()


def _decoder_failed(exc: Exception) -> str:
    return (f"cannot be decoded ({type(exc).__name__}: {str(exc)[:200]}); the file is damaged "
            "or not what its name says: rescan it or ask for it again")


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
    options = options or BatchOptions()
    return _run(PaperSource(options.limits), paths, out_dir, options)


def read_email(paths: list[str], out_dir: Path, options: BatchOptions | None = None) -> Summary:
    """Read emailed copies into ``out_dir`` and rewrite its files (``formscan email``)."""
    options = options or BatchOptions()
    return _run(MailSource(options.limits), paths, out_dir, options)
