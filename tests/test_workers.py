"""The worker pool: pages read in several processes, stored by one, in the inputs' order,
whatever dies on the way (a worker, the whole run)."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from conftest import read_jsonl

from pipeline.batch import Batch, BatchOptions, PageBar, scan
from pipeline.contest import default_contest
from pipeline.sources import PaperSource
from pipeline.store import DB_NAME, Store
from pipeline.workers import EngineSpec, WorkerPool

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.ocr
def test_one_process_writes_the_same_batch_as_two_workers(scanned, tmp_path):
    samples, out, _ = scanned
    alone = tmp_path / "alone"
    scan([str(samples)], alone, BatchOptions(progress=False, workers=1))
    assert read_jsonl(alone / "records.jsonl") == read_jsonl(out / "records.jsonl")
    assert read_jsonl(alone / "manifest.jsonl") == read_jsonl(out / "manifest.jsonl")


def _lines(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM manifest").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet
        return 0


@pytest.mark.ocr
def test_a_run_killed_with_sigkill_resumes_with_nothing_lost_or_doubled(scanned, tmp_path):
    samples, out, _ = scanned
    killed = tmp_path / "killed"
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "scan", str(samples), "--out",
                            str(killed), "--workers", "2", "--no-progress"], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while _lines(killed / DB_NAME) < 5:
        assert run.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    workers = psutil.Process(run.pid).children(recursive=True)
    assert len(workers) >= 2
    run.send_signal(signal.SIGKILL)
    run.wait()
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive, "worker processes outlived the run"

    store = Store(killed)
    finished = len(store.manifest())
    assert 0 < finished < len(read_jsonl(out / "manifest.jsonl"))
    # The progress bar of the rerun counts only the pages still to read.
    to_read = Batch(store, BatchOptions(progress=False))._planned(
        PaperSource(), PaperSource().discover([str(samples)]))
    done_pages = sum(m.page is not None for m in store.manifest())
    all_pages = sum(m["page"] is not None for m in read_jsonl(out / "manifest.jsonl"))
    assert to_read == all_pages - done_pages
    store.close()
    scan([str(samples)], killed, BatchOptions(progress=False, workers=2))
    assert read_jsonl(killed / "records.jsonl") == read_jsonl(out / "records.jsonl")
    assert read_jsonl(killed / "manifest.jsonl") == read_jsonl(out / "manifest.jsonl")


@dataclass(frozen=True)
class CrashingSpec(EngineSpec):
    """The real engine, except that its process dies on the second page it is given, and on
    that page again wherever it comes back (the page's digest is kept in ``marker``)."""

    marker: str = ""

    def make(self):
        return CrashingEngine(super().make(), Path(self.marker))


class CrashingEngine:
    def __init__(self, real, marker: Path) -> None:
        self.real, self.marker, self.pages = real, marker, 0
        self.name = real.name

    def read_page(self, image):
        digest = hashlib.sha256(image.tobytes()).hexdigest()
        self.pages += 1
        if self.pages == 2 and not self.marker.exists():
            self.marker.write_text(digest)
        if self.marker.exists() and self.marker.read_text() == digest:
            os._exit(70)  # as a segfault in the OCR runtime would end it
        return self.real.read_page(image)

    def recognize(self, image):
        return self.real.recognize(image)


def _one_page_fails_alone(scanned, tmp_path, spec, workers, options):
    """Read the largest envelope with ``spec``'s engines: the one failed manifest line, after
    checking every other line reads as in an undisturbed batch."""
    samples, out, _ = scanned
    envelope = max(samples.glob("envelope_*.pdf"), key=lambda p: p.stat().st_size)
    store = Store(tmp_path / "out")
    pool = WorkerPool(spec, default_contest(), workers=workers)
    summary = Batch(store, options, readers=pool).run(PaperSource(), [str(envelope)])
    store.export()
    store.close()
    manifest = read_jsonl(tmp_path / "out" / "manifest.jsonl")
    failed = [m for m in manifest if m["status"] == "failed"]
    assert len(failed) == 1 and len(summary.failures) == 1
    expected = {(m["path"], m["page"]): m for m in read_jsonl(out / "manifest.jsonl")
                if m["path"] == str(envelope)}
    assert len(manifest) == len(expected)
    for m in manifest:
        if m is not failed[0]:
            assert m == expected[(m["path"], m["page"])]
    return failed[0]


@pytest.mark.ocr
def test_a_page_that_kills_its_worker_fails_alone_and_the_batch_goes_on(scanned, tmp_path):
    failed = _one_page_fails_alone(scanned, tmp_path,
                                   CrashingSpec(threads=1, marker=str(tmp_path / "marker")),
                                   1, BatchOptions(progress=False))
    assert "the OCR engine's process died reading this page" in failed["error"]


class HangingSpec(CrashingSpec):
    """The real engine, except that it never returns from the second page it is given."""

    def make(self):
        return HangingEngine(EngineSpec.make(self), Path(self.marker))


class HangingEngine(CrashingEngine):
    def read_page(self, image):
        self.pages += 1
        if self.pages == 2 and not self.marker.exists():
            self.marker.write_text("hung")
            time.sleep(3600)  # a runaway page
        return self.real.read_page(image)


@pytest.mark.ocr
def test_a_page_that_runs_away_fails_alone_and_the_batch_goes_on(scanned, tmp_path):
    failed = _one_page_fails_alone(scanned, tmp_path,
                                   HangingSpec(threads=1, marker=str(tmp_path / "marker")),
                                   2, BatchOptions(progress=False, page_timeout=20))
    assert "took over 20 s" in failed["error"] and "--page-timeout" in failed["error"]
    workers = [p for p in psutil.Process().children(recursive=True)
               if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
               and "resource_tracker" not in " ".join(p.cmdline())]
    assert not workers  # the runaway worker was ended, the pool closed


def test_the_progress_bar_says_pages_per_minute_and_time_left():
    shown = io.StringIO()
    bar = PageBar(total=90, file=shown, bar_format=PageBar.BAR_FORMAT, smoothing=0)
    bar.start_t -= 60  # a minute ago
    bar.update(30)
    text = str(bar)
    assert "30/90 pages" in text and "30.0 pages/min" in text
    assert "<02:00" in text  # 60 pages left at 30 a minute
    bar.close()


@pytest.mark.parametrize("option", ["--workers", "--threads", "--det-side"])
def test_a_count_below_one_is_a_usage_error(option, tmp_path, capsys):
    from pipeline.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["scan", str(tmp_path), "--out", str(tmp_path / "out"), option, "0"])
    assert stop.value.code == 2 and "not a number of 1 or more" in capsys.readouterr().err
