"""Where pages are read: in this process, or in a pool of worker processes.

The batch runner hands work items to a *reader* and takes the outcomes back in the order it
gave them; it alone writes to the store. :class:`InProcess` reads each item at once with the
runner's engine. :class:`WorkerPool` sends items to N processes (``--workers``), each with its
own OCR engine on one ONNX Runtime thread: one process per core keeps every core busy on
OCR, where one process with N threads leaves them waiting in the parts of PP-OCR that do not
run in parallel. Workers are spawned (not forked: ONNX Runtime's threads do not survive a
fork), ignore Ctrl-C (the parent stops them) and die with the parent (a ``kill -9`` of the
run leaves no orphan reading on).
"""

from __future__ import annotations

import ctypes
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Protocol

from pipeline.contest import Contest
from pipeline.model import WorkItem
from pipeline.ocr import DEFAULT_ENGINE, DET_SIDE, OcrEngine, check_engine, make_engine
from pipeline.stages import Outcome, read_item

PR_SET_PDEATHSIG = 1  # prctl(2): a signal for this process when its parent dies


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class EngineSpec:
    """How to make an OCR engine: what a worker process needs to make its own."""

    name: str = DEFAULT_ENGINE
    threads: int = 0  # ONNX Runtime threads; 0: let it decide
    det_side: int = DET_SIDE

    def make(self) -> OcrEngine:
        return make_engine(self.name, self.threads, self.det_side)


class Readers(Protocol):
    """Where pages are read: the batch gives items and takes futures of their outcomes."""

    broken: tuple[type[Exception], ...]  # what a future raises when its worker died on it
    can_stop: bool  # whether a runaway page's worker can be ended (--page-timeout)

    def submit(self, item: WorkItem) -> Future: ...

    def restart(self) -> None: ...

    def close(self) -> None: ...


class InProcess:
    """Reads each item at once, here: a one-worker batch, or an engine given by the caller."""

    broken: tuple[type[Exception], ...] = ()  # what a future raises when its worker died
    can_stop = False  # whether a runaway page's worker can be ended (--page-timeout)

    def __init__(self, engine: OcrEngine, contest: Contest) -> None:
        self.engine, self.contest = engine, contest

    def submit(self, item: WorkItem) -> Future:
        done: Future = Future()
        done.set_result(read_item(item, self.engine, self.contest))
        return done

    def restart(self) -> None:
        pass

    def close(self) -> None:
        pass


_worker: tuple[OcrEngine, Contest] | None = None  # a worker process's own engine and contest


def _start_worker(spec: EngineSpec, contest: Contest) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends at its next read
        pass
    _worker = (spec.make(), contest)


def _read(item: WorkItem) -> Outcome:
    engine, contest = _worker
    return read_item(item, engine, contest)


class WorkerPool:
    """Reads items in ``workers`` processes; a process that dies (a page that crashes the
    OCR runtime) breaks the pool, which :meth:`restart` replaces."""

    broken: tuple[type[Exception], ...] = (BrokenProcessPool,)
    can_stop = True

    def __init__(self, spec: EngineSpec, contest: Contest, workers: int) -> None:
        check_engine(spec.name)  # a missing model is a configuration error, not a page's
        self.spec, self.contest, self.workers = spec, contest, workers
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"),
                                   initializer=_start_worker, initargs=(self.spec, self.contest))

    def submit(self, item: WorkItem) -> Future:
        return self._pool.submit(_read, item)

    def restart(self) -> None:
        self.close()
        self._pool = self._new()

    def close(self) -> None:
        for process in list((self._pool._processes or {}).values()):
            if process.is_alive():
                process.kill()  # a page in flight is read again by the next run
        self._pool.shutdown(wait=True, cancel_futures=True)

