"""The batch runner: one loop over a source's input files, work items through the stages,
results to the store.

``formscan scan`` and ``formscan email`` are the same run over two sources
(:mod:`pipeline.sources`). One rule resumes: a file whose content or fingerprint (formscan's
version, the OCR engine and its models, the detection size) changed since the last run is
read again from scratch; a file read whole before is not opened at all; otherwise only the
manifest lines it does not have yet are read. Each file is opened and decoded once per run:
the progress bar's total is estimated as files are opened, never by opening them first. One
rule finds duplicates: the same content (``doc_id``) arriving from another place is kept once
and flagged. One bad file or page never stops the batch: it becomes a manifest line with a
status and a reason. The runner does no image work and writes nothing itself: the store is
the only writer, and the files people read are written once, at the end of the command
(``pipeline.refresh``).
"""

from __future__ import annotations

import errno
import logging
import os
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from pipeline import ahead
from pipeline.checks import apply_checks
from pipeline.contest import Contest, default_contest
from pipeline.errors import PAGE_REFUSALS, Code, InputError, Reason
from pipeline.filetypes import file_hash
from pipeline.forms import schemas
from pipeline.i18n import DEFAULT_LANG, say, say_all, text, where
from pipeline.limits import Limits
from pipeline.model import (
    WHOLE_MESSAGE,
    EntryStatus,
    Fingerprint,
    Flag,
    FlagKind,
    FormType,
    ManifestEntry,
    Origin,
    OtherKind,
    Record,
    Status,
    Unreadable,
    WorkItem,
)
from pipeline.ocr import DEFAULT_ENGINE, DET_SIDE, OcrEngine, fingerprint
from pipeline.sources import InputSource, Key, MailSource, PaperSource, Part
from pipeline.stages import Outcome
from pipeline.store import Store, as_text
from pipeline.workers import (
    PAGE_TIMEOUT,
    WORKER_MB,
    EngineSpec,
    Executor,
    InProcess,
    ProcessExecutor,
    WorkerCount,
    default_workers,
)

log = logging.getLogger("formscan")


@dataclass
class BatchOptions:
    """What every command that reads inputs takes (the CLI's options, as one object)."""

    engine: str = DEFAULT_ENGINE
    threads: int = 0  # inference threads per lane; 0: all cores for one, 1 each for more
    det_side: int = DET_SIDE  # px, the long side text detection runs at
    workers: int = 0  # pages read at once (LANES to a process); 0: a core's, as memory holds
    progress: bool = True
    contest: Contest | None = None  # None: the shipped contest.yaml
    limits: Limits = field(default_factory=Limits)  # what one input file may hold
    page_timeout: float = PAGE_TIMEOUT  # s a worker may spend on one page before it is ended
    executor: str = "local"  # "local": this machine's processes; "ray": a Ray cluster's actors
    ray_address: str | None = None  # None: a Ray instance of this machine, started here
    lang: str = DEFAULT_LANG  # what the lines said while reading speak (zh, en)

    def worker_count(self) -> WorkerCount:
        """The pages a local batch reads at once: ``workers``, else one per core as far as
        the memory available holds them (``workers.default_workers``)."""
        return default_workers(self.workers)

    def start_executor(self, contest: Contest, engine: OcrEngine | None,
                       count: WorkerCount | None = None) -> Executor:
        """Where this batch's pages are read: here with a given engine or one worker, in
        worker processes (``count`` of them: :meth:`worker_count` when not given), or on a
        Ray cluster."""
        if self.executor == "ray" and engine is None:
            from pipeline.cluster import RayExecutor  # Ray is an optional extra

            ahead.discard()  # a worker started ahead for local processes: not needed
            return RayExecutor(EngineSpec(self.engine, self.threads or 1, self.det_side),
                               contest, self.workers, self.ray_address, self.page_timeout)
        workers = (count or self.worker_count()).workers
        if engine is not None or workers == 1:
            ahead.discard()
            spec = EngineSpec(self.engine, self.threads, self.det_side)
            return InProcess(engine or spec.make(), contest)
        return ProcessExecutor(EngineSpec(self.engine, self.threads or 1, self.det_side),
                               contest, workers, self.page_timeout)


@dataclass
class Summary:
    """What one command did, and what the batch holds of its inputs, for the summary table
    and the exit status."""

    origin: Origin = Origin.PAPER  # a line is a page (paper) or an attachment (email)
    files: int = 0  # input files found
    done_now: Counter = field(default_factory=Counter)  # manifest lines written, by status
    kept: int = 0  # lines an earlier run had finished (not read again)
    reread: Counter = field(default_factory=Counter)  # files read again, by what changed
    pages: int = 0  # lines of these inputs in the batch (pages or attachments)
    skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)  # by the reason's code
    duplicates: int = 0
    failures: list[ManifestEntry] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)
    needs_review: int = 0
    touched: set[str] = field(default_factory=set)  # documents this run stored


@dataclass
class _Job:
    """One manifest line on its way to the store; jobs are stored in the order the inputs
    gave them, whichever worker finishes first."""

    entry: ManifestEntry
    item: WorkItem | None = None  # None: a line for what gave no work item
    future: Future | None = None  # its reading, once asked for
    record: Record | None = None  # a duplicate's: the record it is a copy of


@dataclass
class _File:
    """An input file on its way through the run: its lines still to store, and whether
    every part has given its lines (then, once stored, the file is read whole)."""

    sha: str
    waiting: int = 0
    opened_all: bool = False


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
            self.total = self.n + n  # more pages than the estimate said
        return super().update(n)

    def estimate(self, known: int, files_left: int, per_file: float) -> None:
        """The total, as far as it is known: pages found in the files opened so far, and the
        files still to open at the pages per file seen so far (no file is opened twice to
        count its pages)."""
        self.total = max(self.n, known + round(files_left * per_file))
        self.refresh()

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
        self.fingerprint: Fingerprint = fingerprint(options.engine, options.det_side)
        self._jobs: deque[_Job] = deque()
        self._reading: Counter = Counter()  # doc_ids being read now
        self._written: Counter = Counter()  # manifest lines written by this run, by status
        self._kept = 0  # manifest lines an earlier run finished
        self._reread: Counter = Counter()  # files read again, by what changed
        self._files: dict[str, _File] = {}
        self._touched: set[str] = set()  # documents stored by this run
        self._known = self._opened = self._found = 0  # pages known to read, files opened

    def run(self, source: InputSource, paths: list[str]) -> Summary:
        out = self.store.out_dir.resolve()
        # The batch's own folder is never its input (OUT inside a scanned folder).
        files = [f for f in source.discover(paths) if not _real(f).is_relative_to(out)]
        chosen = self._given is None and self._engine is None and \
            self.options.executor == "local"
        count = self.options.worker_count() if chosen else None
        executor = self._given or self.options.start_executor(self.contest, self._engine, count)
        self._executor, self._window = executor, 2 * executor.workers
        try:
            lang = self.options.lang
            if count is not None:  # said as it was chosen: the memory is looked at once
                self._say_workers(count)
            with PageBar(total=len(files), desc=text(lang, f"bar.{source.label}"), unit="page",
                         bar_format=PageBar.format_in(lang), smoothing=0.05,
                         disable=not self.options.progress) as self._bar:
                for i, path in enumerate(files):
                    self._file(source, path)
                    self._bar.estimate(self._known, len(files) - i - 1,
                                       self._found / self._opened if self._opened else 1.0)
                while self._jobs:
                    self._finish(self._jobs.popleft())
        finally:
            self._jobs.clear()  # what was still being read is read again by the next run
            executor.close()
        return self._tally(source, files)

    # --- one file ---------------------------------------------------------------------------
    def _file(self, source: InputSource, path: str) -> None:
        try:
            sha = file_hash(path)
        except OSError as exc:
            self._list(path, None, None, Unreadable(None, _unopenable(exc)))
            return
        log.info("reading %s", as_text(path))
        done = self._resume(path, sha)
        if done is None:
            log.info("%s: read whole before, by the same formscan and engine: not opened",
                     as_text(path))
            return
        self._kept += len(done)
        self._files[path] = _File(sha)
        opened = False
        try:
            with source.open(path) as parts:
                opened = True
                self._opened += 1
                for part in parts:
                    self._found += len(part.keys)
                    self._part(path, sha, part, done)
        except InputError as exc:
            if opened or not done:  # a file listed before keeps its lines as they are
                self._list(path, sha, None, Unreadable(None, exc.reason))
        except Exception as exc:  # noqa: BLE001 - a decoder's own failure: this file alone
            log.info("decoding %s failed", path, exc_info=True)
            if not self.store.file_entries(path):
                self._list(path, sha, None, Unreadable(None, _decoder_failed(exc)))
        self._files[path].opened_all = True
        self._file_done(path)

    def _resume(self, path: str, sha: str) -> set[tuple[Key, str | None, str | None]] | None:
        """The manifest lines a file already has; None when it was read whole by this very
        fingerprint (it need not be opened). A file whose content or fingerprint changed is
        read again from scratch (no lines)."""
        done = self.store.file_entries(path)
        changed = ["content"] if any(e.file_sha256 != sha for e in done) else sorted(
            {what for e in done for what in self.fingerprint.differs(e.read_by)})
        if not changed and any(e.attachment is not None and e.part is None for e in done):
            changed = ["keys"]  # listed by an earlier formscan: attachments by name alone
        if done and changed:
            log.info("%s: %s changed: reading it again", path, ", ".join(changed))
            self._reread[" ".join(changed)] += 1
            self.store.forget_file(path)
            return set()
        state = self.store.file_state(path)
        if done and state is not None and state.sha256 == sha and state.lines == len(done) \
                and not self.fingerprint.differs(state.read_by):
            self._kept += len(done)
            return None
        return {e.key for e in done}

    def _file_done(self, path: str) -> None:
        """A file whose every line is stored is read whole: the next run need not open it."""
        progress = self._files[path]
        if progress.opened_all and progress.waiting == 0:
            self.store.put_file(path, progress.sha, self.fingerprint)
            del self._files[path]

    def _part(self, path: str, sha: str, part: Part,
              done: set[tuple[Key, str | None, str | None]]) -> None:
        todo = {k for k in part.keys if (k, part.attachment, part.position) not in done}
        if not todo:
            return
        if part.keep is not None:
            self.store.keep_attachment(*part.keep)
        if part.listing is not None:
            self._list(path, sha, part.attachment, part.listing, position=part.position)
            return
        self._known += len(todo)
        if part.notes:
            self._say_notes(path, part.notes)
        listed: set[Key] = set()
        try:
            for got in part.read(todo):
                listed.add(got.page)
                self._got(path, sha, part, got)
        except Exception as exc:  # noqa: BLE001 - a decoder's own failure: the rest fails
            log.info("decoding %s failed", path, exc_info=True)
            for key in sorted(todo - listed, key=lambda k: k or 0):
                self._list(path, sha, part.attachment, Unreadable(key, _decoder_failed(exc)),
                           position=part.position)

    def _got(self, path: str, sha: str, part: Part, got: WorkItem | Unreadable) -> None:
        if isinstance(got, Unreadable):
            self._list(path, sha, part.attachment, got, part.notes, part.position)
            self._bar.update(1)
        else:
            if got.notes:  # what decoding the page told (a JPEG cut short)
                self._say_notes(path, got.notes, got.attachment)
            entry = ManifestEntry(got.path, got.page, EntryStatus.OK,
                                  attachment=got.attachment, doc_id=got.doc_id,
                                  route=got.route, file_sha256=sha,
                                  notes=(*part.notes, *got.notes), read_by=self.fingerprint,
                                  part=got.part)
            self._queue(_Job(entry, got))

    def _say_workers(self, count: WorkerCount) -> None:
        """How many pages are read at once, in how many processes, and why (the memory
        available may allow fewer than the cores); nothing when ``--workers`` chose."""
        if count.asked:
            return
        key = "line.workers_memory" if count.memory_bound else "line.workers"
        tqdm.write(text(self.options.lang, key, workers=count.workers, cores=count.cores,
                        processes=count.processes,
                        gb=f"{count.available_mb / 1024:.1f}", per=f"{WORKER_MB / 1024:.1f}"))

    def _say_notes(self, path: str, notes: tuple[Reason, ...],
                   attachment: str | None = None) -> None:
        place = f"{as_text(path)}: {attachment}" if attachment else as_text(path)
        tqdm.write(f"{text(self.options.lang, 'line.note')}: {place}: "
                   f"{say_all(list(notes), self.options.lang)}")

    # --- jobs: read in the workers, stored here in order ------------------------------------
    def _queue(self, job: _Job) -> None:
        if job.entry.path in self._files:
            self._files[job.entry.path].waiting += 1
        if job.item is not None and not self._reading[job.item.doc_id]:
            self._start(job)  # else its twin is being read: it waits its turn (a duplicate)
        self._jobs.append(job)
        while len(self._jobs) > self._window:
            self._finish(self._jobs.popleft())

    def _start(self, job: _Job) -> None:
        item = job.item
        existing = self.store.record(item.doc_id)
        # (a two-form sheet's left half keeps the sheet's doc_id: the same place, read again)
        if existing is not None and replace(existing.source, half=None) != item.source:
            job.record = existing  # the same content arrived again from another place
            return
        job.future = self._executor.submit(item)
        self._reading[item.doc_id] += 1

    def _finish(self, job: _Job) -> None:
        """A job to the store, its reading waited for."""
        record, pictures, more = None, {}, []
        if job.item is not None:
            if job.future is None and job.record is None:
                self._start(job)  # its twin is stored now
            if job.future is not None:
                outcome = job.future.result()
                self._reading[job.item.doc_id] -= 1
                record, pictures = self._settle(job.entry, outcome), outcome.pictures
                more = self._halves(job.entry, outcome)
            else:
                record = self._duplicate(job.entry, job.record)
            self._bar.update(1)
            job.item = None  # the page image goes as soon as it is read
        self._put(record, job.entry, pictures, more)
        if job.entry.path in self._files:
            self._files[job.entry.path].waiting -= 1
            self._file_done(job.entry.path)

    def _duplicate(self, entry: ManifestEntry, existing: Record) -> Record:
        existing.add_flag(Flag(FlagKind.DUPLICATE))
        entry.status = EntryStatus.DUPLICATE
        entry.reason = Reason(Code.DUPLICATE, {"place": existing.source.place})
        return existing

    def _halves(self, entry: ManifestEntry, outcome: Outcome
                ) -> list[tuple[Record, dict[str, bytes]]]:
        """A sheet holding two forms: the other half's document, stored beside the first on
        the page's one line (``halves`` names both)."""
        more = [(o.record, o.pictures) for o in outcome.more if o.record is not None]
        for record, _ in more:
            record.read_by = self.fingerprint
        if more:
            entry.halves = {r.source.half or "": r.doc_id
                            for r in [outcome.record, *(m[0] for m in more)] if r is not None}
        return more

    def _settle(self, entry: ManifestEntry, outcome: Outcome) -> Record | None:
        """The manifest line's status from what reading the page gave."""
        record = outcome.record
        entry.notes = (*entry.notes, *outcome.notes)
        if record is None:
            entry.status, entry.doc_id, entry.reason = (EntryStatus.SKIPPED, None,
                                                        outcome.skipped)
            return None
        record.read_by = self.fingerprint
        if record.status is Status.FAILED:
            error = record.errors[0]
            entry.status = EntryStatus.FAILED
            entry.reason = (error.reason if error.reason.code in PAGE_REFUSALS else
                            Reason(Code.PAGE_FAILED, {"stage": error.stage, "inner": error.reason}))
        elif record.form_type is FormType.UNKNOWN:
            entry.status, entry.reason = EntryStatus.SKIPPED, not_a_form(record)
        elif record.has_flag(FlagKind.FORM_GUESSED):
            entry.notes = (*entry.notes, Reason(Code.FORM_GUESSED,
                                                {"form": record.form_type.value}))
        return record

    # --- to the store -----------------------------------------------------------------------
    def _list(self, path: str, sha: str | None, attachment: str | None,
              what: Unreadable, notes: tuple[Reason, ...] = (),
              position: str | None = None) -> None:
        """A manifest line for what gave no work item, in its turn."""
        status = EntryStatus.SKIPPED if what.skipped else EntryStatus.FAILED
        self._queue(_Job(ManifestEntry(path, what.page, status, attachment=attachment,
                                       route=what.route, reason=what.reason, file_sha256=sha,
                                       read_by=self.fingerprint, notes=notes, part=position)))

    def _put(self, record: Record | None, entry: ManifestEntry, pictures: dict[str, bytes],
             more: list[tuple[Record, dict[str, bytes]]] | None = None) -> None:
        """A line and its document (a two-form sheet's: both) in one transaction."""
        def check(corrected: Record) -> None:  # corrected before: checked as corrected
            if corrected.status is not Status.FAILED:
                apply_checks(corrected, schemas().get(corrected.form_type), self.contest)

        documents = ([(record, pictures)] if record is not None else []) + (more or [])
        with self.store.transaction():
            for doc, _ in documents:
                self.store.put_record(doc, check)
                self._touched.add(doc.doc_id)
            self.store.put_entry(entry)
        for doc, shown in documents:
            if shown:
                self.store.put_pictures(doc.doc_id, shown)
        self._written[entry.status] += 1
        if entry.status in (EntryStatus.FAILED, EntryStatus.SKIPPED):
            lang = self.options.lang
            tqdm.write(f"{text(lang, 'line.' + entry.status.value)}: "
                       f"{where(lang, entry.place)}: {say(entry.reason, lang)}")

    def _tally(self, source: InputSource, files: list[str]) -> Summary:
        wanted = {as_text(f) for f in files}
        entries = [e for e in self.store.manifest() if e.path in wanted]
        docs = {d for e in entries if e.status is not EntryStatus.DUPLICATE for d in e.doc_ids}
        s = Summary(origin=source.origin, files=len(files), done_now=Counter(self._written),
                    kept=self._kept, reread=Counter(self._reread), touched=set(self._touched))
        s.pages = sum(1 for e in entries if e.page is not None or (
            e.attachment is not None and e.part != WHOLE_MESSAGE))  # a message: as a file
        s.skipped = sum(e.status is EntryStatus.SKIPPED for e in entries)
        s.skip_reasons = Counter(e.reason.code if e.reason else None for e in entries
                                 if e.status is EntryStatus.SKIPPED)
        s.duplicates = sum(e.status is EntryStatus.DUPLICATE for e in entries)
        s.failures = [e for e in entries if e.status is EntryStatus.FAILED]
        for record in self.store.records():
            if record.doc_id in docs and record.status is not Status.NOT_A_FORM:
                s.documents[record.form_type.value] += 1  # the others: counted as skipped
                s.needs_review += record.status is Status.NEEDS_REVIEW
        return s


def not_a_form(record: Record) -> Reason:
    """Why a page that is no contest form is set apart: a unit's cover letter (and its
    unit), or another document."""
    if record.other is OtherKind.COVER_LETTER:
        unit = record.value("unit")
        return (Reason(Code.COVER_LETTER, {"unit": unit}) if unit
                else Reason(Code.COVER_LETTER_NO_UNIT))
    return Reason(Code.NOT_A_FORM)


def _real(path: str) -> Path:
    """Where a file really is, links followed; a link in a loop (a.jpg → b.jpg → a.jpg) is
    where it is named (it is listed when it is read: :func:`_unopenable`)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # RuntimeError: "Symlink loop" (Python before 3.13)
        return Path(os.path.abspath(path))


def _unopenable(exc: OSError) -> Reason:
    """Why a file cannot be opened: links in a loop, or the system's own words."""
    if exc.errno == errno.ELOOP:
        return Reason(Code.SYMLINK_LOOP)
    return Reason(Code.CANNOT_OPEN, {"why": exc.strerror or str(exc)})


def _decoder_failed(exc: Exception) -> Reason:
    return Reason(Code.DECODER_FAILED, {"why": f"{type(exc).__name__}: {str(exc)[:200]}"})


def scan(store: Store, paths: list[str], options: BatchOptions | None = None) -> Summary:
    """Read paper scans into the batch (``formscan scan``)."""
    options = options or BatchOptions()
    return Batch(store, options).run(PaperSource(options.limits), paths)


def read_email(store: Store, paths: list[str], options: BatchOptions | None = None
               ) -> Summary:
    """Read emailed copies into the batch (``formscan email``)."""
    options = options or BatchOptions()
    return Batch(store, options).run(MailSource(options.limits), paths)
