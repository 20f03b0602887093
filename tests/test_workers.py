"""The local executor: pages read in several processes, stored by one, in the inputs' order,
whatever dies on the way (a worker, the whole run); a worker that fails is replaced alone."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from conftest import read_jsonl

from pipeline.api import scan
from pipeline.batch import Batch, BatchOptions, PageBar
from pipeline.contest import default_contest
from pipeline.sources import PaperSource
from pipeline.store import DB_NAME, Store
from pipeline.workers import EngineSpec, ProcessExecutor

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
    store.close()
    rerun = scan([str(samples)], killed, BatchOptions(progress=False, workers=2))
    # The rerun reads only what is still to read.
    assert sum(rerun.done_now.values()) == len(read_jsonl(out / "manifest.jsonl")) - finished
    assert read_jsonl(killed / "records.jsonl") == read_jsonl(out / "records.jsonl")
    assert read_jsonl(killed / "manifest.jsonl") == read_jsonl(out / "manifest.jsonl")


@dataclass(frozen=True)
class CrashingSpec(EngineSpec):
    """The real engine, except that its process dies on the second page it is given, and on
    that page again wherever it comes back (the page's digest is kept in ``marker``).
    ``log``: a folder where each engine made leaves a file and each page read a line."""

    marker: str = ""
    log: str = ""

    def make(self):
        return CrashingEngine(super().make(), Path(self.marker), self.log)


class CrashingEngine:
    def __init__(self, real, marker: Path, log: str = "") -> None:
        self.real, self.marker, self.pages = real, marker, 0
        self.name = real.name
        self.log = Path(log) if log else None
        if self.log:
            os.close(tempfile.mkstemp(prefix="engine-", dir=self.log)[0])

    def _seen(self, image) -> str:
        """The page's digest, the page counted (and logged: the pid that reads it)."""
        digest = hashlib.sha256(image.tobytes()).hexdigest()
        self.pages += 1
        if self.log:
            with open(self.log / f"page-{digest}", "a") as reads:
                reads.write(f"{os.getpid()}\n")
        return digest

    def read_upright(self, image, printed=()):
        digest = self._seen(image)
        if self.pages == 2 and not self.marker.exists():
            self.marker.write_text(digest)
        if self.marker.exists() and self.marker.read_text() == digest:
            os._exit(70)  # as a segfault in the OCR runtime would end it
        return self.real.read_upright(image, printed)

    def recognize(self, image):
        return self.real.recognize(image)

    def steps(self, crop):
        return self.real.steps(crop)


def _read_envelope(scanned, tmp_path, spec, workers, options, lanes=1):
    """Read the largest envelope with ``spec``'s engines in ``workers`` lanes, ``lanes`` to a
    process: its manifest, the manifest an undisturbed batch gave it, and the summary."""
    samples, out, _ = scanned
    envelope = max(samples.glob("envelope_*.pdf"), key=lambda p: p.stat().st_size)
    store = Store(tmp_path / "out")
    executor = ProcessExecutor(spec, default_contest(), workers=workers,
                               page_timeout=options.page_timeout, lanes=lanes)
    summary = Batch(store, options, executor=executor).run(PaperSource(), [str(envelope)])
    store.export()
    store.close()
    expected = {(m["path"], m["page"]): m for m in read_jsonl(out / "manifest.jsonl")
                if m["path"] == str(envelope)}
    return read_jsonl(tmp_path / "out" / "manifest.jsonl"), expected, summary


def _one_page_fails_alone(scanned, tmp_path, spec, workers, options, lanes=1):
    """Read the largest envelope with ``spec``'s engines: the one failed manifest line, after
    checking every other line reads as in an undisturbed batch."""
    manifest, expected, summary = _read_envelope(scanned, tmp_path, spec, workers, options,
                                                 lanes)
    failed = [m for m in manifest if m["status"] == "failed"]
    assert len(failed) == 1 and len(summary.failures) == 1
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
        return HangingEngine(EngineSpec.make(self), Path(self.marker), self.log)


class HangingEngine(CrashingEngine):
    def read_upright(self, image, printed=()):
        self._seen(image)
        if self.pages == 2 and not self.marker.exists():
            self.marker.write_text("hung")
            time.sleep(3600)  # a runaway page
        return self.real.read_upright(image, printed)


@pytest.mark.ocr
@pytest.mark.parametrize("lanes", [1, 2])
def test_a_page_that_runs_away_fails_alone_and_the_batch_goes_on(scanned, tmp_path, lanes):
    failed = _one_page_fails_alone(scanned, tmp_path,
                                   HangingSpec(threads=1, marker=str(tmp_path / "marker")),
                                   2, BatchOptions(progress=False, page_timeout=20), lanes)
    assert "took over 20 s" in failed["error"] and "--page-timeout" in failed["error"]
    assert not _workers_now()  # the runaway worker was ended, the pool closed


def _workers_now() -> set[psutil.Process]:
    """This process's children alive now, multiprocessing's resource tracker left out."""
    return {p for p in psutil.Process().children(recursive=True)
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
            and "resource_tracker" not in " ".join(p.cmdline())}


class KilledOnceSpec(CrashingSpec):
    """The real engine, except that its process is killed on the second page it is given,
    once (``marker`` says it happened): as a node lost, or a worker killed by the system."""

    def make(self):
        return KilledOnceEngine(EngineSpec.make(self), Path(self.marker), self.log)


class KilledOnceEngine(CrashingEngine):
    def read_upright(self, image, printed=()):
        self._seen(image)
        if self.pages == 2 and not self.marker.exists():
            self.marker.write_text("killed")
            os._exit(70)
        return self.real.read_upright(image, printed)


def _logged(spec_class, tmp_path):
    """A spec of ``spec_class`` (one runtime thread) with its ``marker`` and ``log`` folder in
    ``tmp_path``, and that folder."""
    log = tmp_path / "log"
    log.mkdir()
    return spec_class(threads=1, marker=str(tmp_path / "marker"), log=str(log)), log


def logged(log: Path) -> tuple[int, dict[str, list[int]]]:
    """What a spec's ``log`` folder holds: the engines made, and the pids that read each page
    (by the page's digest), in the order they read it."""
    reads = {p.name.removeprefix("page-"): [int(pid) for pid in p.read_text().split()]
             for p in log.glob("page-*")}
    return len(list(log.glob("engine-*"))), reads


@pytest.mark.ocr
def test_a_killed_worker_alone_is_replaced_and_only_its_page_is_read_again(scanned,
                                                                            tmp_path):
    spec, log = _logged(KilledOnceSpec, tmp_path)
    manifest, expected, summary = _read_envelope(scanned, tmp_path, spec, 2,
                                                 BatchOptions(progress=False))
    assert (tmp_path / "marker").exists()  # a worker was killed on a page...
    assert not summary.failures  # ...which its replacement read
    assert {(m["path"], m["page"]): m for m in manifest} == expected
    engines, reads = logged(log)
    assert engines == 3  # the two workers, and one in place of the killed one: the other kept
    assert sorted(map(len, reads.values())) == [1] * (len(reads) - 1) + [2]  # its page alone
    again = next(pids for pids in reads.values() if len(pids) == 2)
    assert again[0] != again[1]  # read again by the new worker


@pytest.mark.ocr
def test_a_page_that_kills_two_workers_leaves_the_other_worker_and_its_pages_alone(
        scanned, tmp_path):
    spec, log = _logged(CrashingSpec, tmp_path)
    failed = _one_page_fails_alone(scanned, tmp_path, spec, 2, BatchOptions(progress=False))
    assert "the OCR engine's process died reading this page" in failed["error"]
    engines, reads = logged(log)
    killer = (tmp_path / "marker").read_text()
    assert len(set(reads[killer])) == len(reads[killer]) == 2  # to two workers: then failed
    assert all(len(pids) == 1 for digest, pids in reads.items() if digest != killer)
    # The two workers, one in place of the first killed, and at most one in place of the
    # second (made when its place takes the next page): the other worker read on throughout.
    assert engines <= 4
    others = {pid for pids in reads.values() for pid in pids} - set(reads[killer])
    assert len(others) <= 2


@pytest.mark.ocr
def test_a_runaway_page_stops_only_its_own_worker(scanned, tmp_path):
    spec, log = _logged(HangingSpec, tmp_path)
    failed = _one_page_fails_alone(scanned, tmp_path, spec, 2,
                                   BatchOptions(progress=False, page_timeout=20))
    assert "took over 20 s" in failed["error"]
    engines, reads = logged(log)
    assert all(len(pids) == 1 for pids in reads.values())  # no page read twice
    assert engines <= 3  # the two workers, and at most one in place of the runaway's


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
    assert stop.value.code == 2 and "'0' 不是大于等于 1 的整数" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["scan", str(tmp_path), "--out", str(tmp_path / "out"), option, "0", "--lang", "en"])
    assert stop.value.code == 2 and "not a number of 1 or more" in capsys.readouterr().err


# --- the default worker count: the cores, as far as the memory available holds them ----------

def test_the_default_worker_count_fits_the_memory_available():
    from pipeline.workers import DRIVER_MB, WORKER_MB, default_workers

    gb = 2 ** 30
    plenty = default_workers(0, n_cores=2, available=24 * gb)
    assert (plenty.workers, plenty.memory_bound, plenty.asked) == (2, False, False)
    office = default_workers(0, n_cores=16, available=6 * gb)  # an 8 GB PC, 6 GB free
    assert office.workers == (6 * 1024 - DRIVER_MB) // WORKER_MB < 16 and office.memory_bound
    assert default_workers(0, n_cores=8, available=1 * gb).workers == 1  # never none
    asked = default_workers(6, n_cores=16, available=1 * gb)  # --workers: the person's word
    assert (asked.workers, asked.asked, asked.memory_bound) == (6, True, False)


def test_no_process_loads_pymupdf_s_unused_extras():
    """PyMuPDF 2's Markdown and layout extras, and the ONNX Runtime they import, stay out of
    formscan's processes (~80 MB and 0.4 s each); PyMuPDF itself works without them."""
    code = ("import sys, pipeline.pdf, pymupdf\n"
            "doc = pymupdf.open(); doc.new_page().insert_text((72, 72), 'formscan')\n"
            "assert 'formscan' in doc[0].get_text()\n"
            "print([m for m in ('pymupdf4llm', 'pymupdf.layout', 'onnxruntime')"
            " if sys.modules.get(m)])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_memory_available_is_what_this_process_may_use():
    import psutil

    from pipeline.workers import memory_available

    assert 0 < memory_available() <= psutil.virtual_memory().available


@pytest.mark.ocr
def test_a_scan_says_how_many_processes_read_and_why(tmp_path, capsys):
    from pipeline.cli import main
    from pipeline.workers import default_workers

    pdf = Path(__file__).resolve().parents[1] / "samples" / "paper" / "submission_01.pdf"
    main(["scan", str(pdf), "--out", str(tmp_path / "out"), "--no-progress"])
    chosen = default_workers()
    said = capsys.readouterr().out
    assert f"同时读取 {chosen.workers} 页" in said and f"本机 {chosen.cores} 核" in said
    main(["scan", str(pdf), "--out", str(tmp_path / "again"), "--no-progress",
          "--workers", "1"])
    assert "同时读取" not in capsys.readouterr().out  # --workers: the person chose


@pytest.mark.ocr
def test_a_process_killed_under_one_lane_has_both_lanes_pages_read_again_each_alone(
        scanned, tmp_path):
    """Two lanes share a process: killed under one page, it takes the other lane's page
    with it; each is read again in a process of its own, and nothing fails."""
    spec, log = _logged(KilledOnceSpec, tmp_path)
    manifest, expected, summary = _read_envelope(scanned, tmp_path, spec, 2,
                                                 BatchOptions(progress=False), lanes=2)
    assert (tmp_path / "marker").exists()  # a process was killed on a page...
    assert not summary.failures  # ...and every page was read all the same
    assert {(m["path"], m["page"]): m for m in manifest} == expected
    _, reads = logged(log)
    again = [pids for pids in reads.values() if len(pids) > 1]
    assert 1 <= len(again) <= 2 and all(len(pids) == 2 for pids in again)
    killed = {pids[0] for pids in again}
    assert len(killed) == 1  # the lanes of the one killed process (the other may have idled)
    assert len({pids[1] for pids in again} | killed) == len(again) + 1  # each alone after


@pytest.mark.ocr
def test_a_page_that_kills_its_process_twice_fails_alone_beside_another_lane(scanned,
                                                                            tmp_path):
    spec, log = _logged(CrashingSpec, tmp_path)
    failed = _one_page_fails_alone(scanned, tmp_path, spec, 2, BatchOptions(progress=False),
                                   lanes=2)
    assert "the OCR engine's process died reading this page" in failed["error"]
    _, reads = logged(log)
    killer = (tmp_path / "marker").read_text()
    assert len(set(reads[killer])) == len(reads[killer]) == 2  # then alone: failed
    assert all(len(pids) <= 2 for pids in reads.values())  # its neighbour read once more


@dataclass(frozen=True)
class DiesLoadingOnceSpec(EngineSpec):
    """The real engine, except that the first process to load it dies loading it (the one
    started with the executor, before any page)."""

    marker: str = ""

    def make(self):
        if not Path(self.marker).exists():
            Path(self.marker).write_text("died")
            os._exit(70)
        return super().make()


@pytest.mark.ocr
def test_a_worker_process_that_dies_as_it_loads_is_replaced_and_nothing_fails(scanned,
                                                                                tmp_path):
    spec = DiesLoadingOnceSpec(threads=1, marker=str(tmp_path / "marker"))
    manifest, expected, summary = _read_envelope(scanned, tmp_path, spec, 2,
                                                 BatchOptions(progress=False), lanes=2)
    assert (tmp_path / "marker").exists() and not summary.failures
    assert {(m["path"], m["page"]): m for m in manifest} == expected


@pytest.mark.ocr
def test_an_executor_closed_before_any_page_leaves_no_process():
    before = _workers_now()
    executor = ProcessExecutor(EngineSpec(threads=1), default_contest(), workers=2)
    started = _workers_now() - before
    assert started  # its first process, loading while the runner opens the first files
    executor.close()
    _, alive = psutil.wait_procs(list(started), timeout=20)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
