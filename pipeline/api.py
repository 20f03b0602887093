"""formscan's commands as functions: each opens the batch once, does its steps, and ends with
one refresh (``pipeline.refresh``) that writes every file of the batch once.

The command line (``pipeline.cli``) is a thin layer over these; tests and scripts call them
directly. Each returns what its command prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import batch
from pipeline.audit import AuditResult
from pipeline.batch import BatchOptions, Summary
from pipeline.contest import Contest, default_contest
from pipeline.corrections import Imported, read_sheet, store_corrections
from pipeline.errors import Code, FormscanError
from pipeline.i18n import DEFAULT_LANG
from pipeline.letters import Written, write_letters
from pipeline.reconcile import Pair
from pipeline.refresh import Refreshed, refresh
from pipeline.report import BatchView, write_report
from pipeline.store import DB_NAME, Store


@dataclass
class Done:
    """What a command did: the reading summaries (scan, email), and the refresh that
    followed (reconciliation, audit, files written)."""

    summaries: list[Summary] = field(default_factory=list)
    refreshed: Refreshed = field(default_factory=Refreshed)

    @property
    def pairs(self) -> list[Pair] | None:
        return self.refreshed.pairs

    @property
    def audit(self) -> AuditResult | None:
        return self.refreshed.audit

    @property
    def failures(self) -> int:
        return sum(len(s.failures) for s in self.summaries)


def _options(options: BatchOptions | None) -> BatchOptions:
    return options or BatchOptions()


def _contest(options: BatchOptions) -> Contest:
    return options.contest or default_contest()


def read(out_dir: Path, paper: list[str] = (), email: list[str] = (),
         options: BatchOptions | None = None, reconcile_all: bool = False) -> Done:
    """Read paper scans and emailed copies into the batch in ``out_dir`` (``formscan scan``,
    ``email``, ``run``), then refresh it once (reconciling all of it with
    ``reconcile_all``). The batch's files are written even when reading stops half-way."""
    options = _options(options)
    done = Done()
    with Store(out_dir) as store:
        store.set_lang(options.lang)
        try:
            if paper:
                done.summaries.append(batch.scan(store, list(paper), options))
            if email:
                done.summaries.append(batch.read_email(store, list(email), options))
        finally:
            new = set().union(*(s.touched for s in done.summaries))
            done.refreshed = refresh(store, _contest(options), options.lang, touched=new,
                                     checked=new, reconcile_all=reconcile_all)
    return done


def scan(paths: list[str], out_dir: Path, options: BatchOptions | None = None) -> Summary:
    """Read paper scans into the batch and refresh it (``formscan scan``)."""
    return read(out_dir, paths, (), options).summaries[0]


def read_email(paths: list[str], out_dir: Path, options: BatchOptions | None = None
               ) -> Summary:
    """Read emailed copies into the batch and refresh it (``formscan email``)."""
    return read(out_dir, (), paths, options).summaries[0]


def run(out_dir: Path, paper: list[str], email: list[str],
        options: BatchOptions | None = None) -> Done:
    """Read both sides, reconcile, audit and report (``formscan run``)."""
    return read(out_dir, paper, email, options, reconcile_all=True)


def require_batch(out_dir: Path) -> None:
    if not (Path(out_dir) / DB_NAME).exists():
        raise FormscanError(Code.NO_BATCH, out=str(out_dir))


def reconcile(out_dir: Path, contest: Contest | None = None, lang: str = DEFAULT_LANG) -> Done:
    """Pair the whole batch anew (``formscan reconcile``)."""
    require_batch(out_dir)
    with Store(out_dir) as store:
        store.set_lang(lang)
        return Done(refreshed=refresh(store, contest or default_contest(), lang,
                                      reconcile_all=True))


def audit(out_dir: Path, contest: Contest | None = None, lang: str = DEFAULT_LANG) -> Done:
    """Check every document again with the contest given (``formscan audit --config``)."""
    require_batch(out_dir)
    with Store(out_dir) as store:
        store.set_lang(lang)
        every = {r.doc_id for r in store.records()}
        return Done(refreshed=refresh(store, contest or default_contest(), lang,
                                      touched=every))


def report(out_dir: Path, contest: Contest | None = None, lang: str = DEFAULT_LANG) -> Path:
    """Write ``report.html`` only, from the batch read-only (``formscan report``): it may
    run while a scan holds the batch."""
    return write_report(BatchView.read(out_dir), contest or default_contest(), lang)


def letters(out_dir: Path, contest: Contest | None = None, lang: str = DEFAULT_LANG
            ) -> Written:
    """Write ``OUT/letters/``: to each unit with something to chase, a letter (.docx) and a
    draft to send (.eml), from the batch read-only (``formscan letters``)."""
    require_batch(out_dir)
    return write_letters(BatchView.read(out_dir), contest or default_contest(), lang)


def import_corrections(sheet: Path, out_dir: Path, contest: Contest | None = None,
                       who: str = "office", lang: str = DEFAULT_LANG,
                       force: bool = False) -> Imported:
    """Take people's corrections from an edited records or reconciliation sheet (``formscan
    import-corrections``): only the cells a person changed in that copy; a cell the batch
    changed since is refused, unless ``force``. The corrected documents are checked again with
    their pairs and every file rewritten once."""
    require_batch(out_dir)
    with Store(out_dir) as store:
        store.set_lang(lang)
        imported = read_sheet(sheet, store, force)
        if imported.changed:
            touched = store_corrections(store, imported.changed, who)
            refresh(store, contest or default_contest(), lang, touched=touched)
    return imported


@dataclass
class Forgotten:
    path: str
    removed: int
    others: list[str]


def forget(paths: list[str], out_dir: Path, contest: Contest | None = None,
           lang: str = DEFAULT_LANG) -> list[Forgotten]:
    """Take input files out of the batch on purpose (``formscan forget``)."""
    require_batch(out_dir)
    gone: list[Forgotten] = []
    with Store(out_dir) as store:
        store.set_lang(lang)
        touched: set[str] = set()
        for path in paths:
            removed, others, changed = store.forget(path)
            gone.append(Forgotten(path, removed, others))
            touched |= changed
        refresh(store, contest or default_contest(), lang, touched=touched)
    return gone
