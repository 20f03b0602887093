"""Where pages are read: the executors, and the one rule for a worker that fails.

The batch runner gives work items to an :class:`Executor` and takes back futures of their
outcomes; it alone writes to the store. A page never fails as an exception: whatever becomes
of its worker, the future holds an :class:`~pipeline.stages.Outcome`, a failed record when the
page could not be read.

:class:`InProcess` reads each item at once with the runner's engine (``--workers 1``).
:class:`ProcessExecutor` reads N items at once (``--workers``) in lanes of local processes,
:data:`LANES` to a process: each lane a thread with an engine of its own on the process's one
copy of the loaded models (:meth:`EngineSpec.make_lanes`), one inference thread each. Two
lanes in one process read as fast as two processes on two cores (OCR's runtime releases the
GIL) in ~60% of their memory. Processes are spawned (not forked: the runtimes' threads do not
survive a fork), ignore Ctrl-C (the parent stops them) and die with the parent (a ``kill -9``
of the run leaves no orphan reading on). :class:`~pipeline.cluster.RayExecutor` reads on Ray
actors, one item each.

Both give items out through a :class:`Dispatcher`, which holds the failure rule once: each
worker (a lane, an actor) reads one item at a time; a worker that dies (killed, out of memory,
the engine crashing) is replaced and its item given again, to a worker of its own (a process
that reads nothing else meanwhile); an item that kills that one too fails alone, and so does
an item that holds its worker longer than the page timeout (the worker is killed and
replaced). A lane's process takes its other lane with it: that lane's item too is given again
to a worker of its own, so an item read beside a killer is never failed for it.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Protocol, cast

import psutil

from pipeline import __version__, ahead
from pipeline.ahead import LANES, cores
from pipeline.contest import Contest
from pipeline.errors import Code, Reason
from pipeline.model import ErrorItem, WorkItem
from pipeline.ocr import (
    DEFAULT_ENGINE,
    DET_SIDE,
    OcrEngine,
    RapidOcrEngine,
    check_engine,
    make_engine,
)
from pipeline.stages import Outcome, failed_outcome, read_item

PAGE_TIMEOUT = 300.0  # s: a page takes 1-3 s; one that takes minutes holds a worker forever
START_TIMEOUT = 300.0  # s for a worker to load its engine (a first import of OpenVINO is slow)
TRIES = 2  # workers an item is given to at most: a second death on it fails it
PR_SET_PDEATHSIG = 1  # prctl(2): a signal for this process when its parent dies


# glibc's mallopt(3): blocks of 32 MB and more are mapped and given back whole, and a heap's
# free top returned past 4 MB, rather than kept as holes a worker's later pages grow around.
# Left to itself glibc raises its mapping threshold as big blocks are freed, until nothing is
# given back: the whole tree's peak PSS 2,139 → 1,997 MiB on the development set. A lower
# threshold saves more (1 MB: 1,866 MiB) but costs 7% of the speed (pages zeroed anew).
# And two arenas, not eight per core: a worker's lanes and OpenVINO's threads each took one,
# every arena keeping its own free blocks (a two-lane worker 1,207 → 1,142 MiB, as fast).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
MMAP_THRESHOLD, TRIM_THRESHOLD, ARENA_MAX = 32 << 20, 4 << 20, 2

WORKER_MB = 600  # a lane's share of its process's peak PSS: 1,033-1,123 MiB for two measured
DRIVER_MB = 400  # the runner beside its workers (the store, the refresh): 334-373 MiB measured
CGROUP = Path("/sys/fs/cgroup")


def memory_available() -> int:
    """Bytes this process may still use: the machine's available memory, or what a
    container's memory limit leaves, whichever is less."""
    free = psutil.virtual_memory().available
    try:
        limit = (CGROUP / "memory.max").read_text().strip()
        if limit != "max":
            used = int((CGROUP / "memory.current").read_text())
            free = min(free, int(limit) - used)
    except (OSError, ValueError):  # no cgroup v2 here: the machine's figure
        pass
    return max(free, 0)


@dataclass(frozen=True)
class WorkerCount:
    """How many pages a batch reads at once (in lanes of worker processes), and why."""

    workers: int
    cores: int
    available_mb: int
    asked: bool  # --workers given: the person's number, not this rule's

    @property
    def processes(self) -> int:
        """The worker processes that read them, :data:`LANES` pages to each."""
        return -(-self.workers // LANES)

    @property
    def memory_bound(self) -> bool:
        return not self.asked and self.workers < self.cores


def default_workers(asked: int = 0, n_cores: int | None = None,
                    available: int | None = None) -> WorkerCount:
    """A page at once per core, but no more than the memory available holds at
    :data:`WORKER_MB` each beside the runner's :data:`DRIVER_MB` (at least one); ``asked``
    (``--workers N``) overrides."""
    n_cores = cores() if n_cores is None else n_cores
    mb = (memory_available() if available is None else available) // 2 ** 20
    if asked:
        return WorkerCount(asked, n_cores, mb, True)
    fits = max(1, (mb - DRIVER_MB) // WORKER_MB)
    return WorkerCount(max(1, min(n_cores, fits)), n_cores, mb, False)


@dataclass(frozen=True)
class EngineSpec:
    """How to make an OCR engine: what a worker process needs to make its own."""

    name: str = DEFAULT_ENGINE
    threads: int = 0  # ONNX Runtime threads; 0: let it decide
    det_side: int = DET_SIDE

    def make(self) -> OcrEngine:
        return make_engine(self.name, self.threads, self.det_side)

    def make_lanes(self, lanes: int) -> list[OcrEngine]:
        """``lanes`` engines to read on as many threads of one process at once: twins on one
        set of loaded models where the engine has them (RapidOCR's: the models compiled
        once, with a stream per lane), else one engine each."""
        first = self.make()
        if lanes > 1 and isinstance(first, RapidOcrEngine):
            first.streams = lanes
            return [first, *(first.twin() for _ in range(lanes - 1))]
        return [first, *(self.make() for _ in range(lanes - 1))]


class Executor(Protocol):
    """Where pages are read: the batch gives items and takes futures of their outcomes."""

    workers: int  # items read at the same time

    def submit(self, item: WorkItem) -> Future[Outcome]:
        """A future of the item's :class:`Outcome`; a page that cannot be read is a failed
        record in it, never an exception (only a configuration error is raised)."""

    def close(self) -> None:
        """End every worker; an item still being read is read again by the next run."""


class InProcess:
    """Reads each item at once, here: a one-worker batch, or an engine given by the caller.
    A page that hangs hangs the run (nothing here can stop it)."""

    workers = 1

    def __init__(self, engine: OcrEngine, contest: Contest) -> None:
        self.engine, self.contest = engine, contest

    def submit(self, item: WorkItem) -> Future[Outcome]:
        done: Future[Outcome] = Future()
        done.set_result(read_item(item, self.engine, self.contest))
        return done

    def close(self) -> None:
        pass


class WorkerDied(Exception):
    """A worker's process ended while it held an item (killed, out of memory, a crash)."""


class Worker(Protocol):
    """One process of an executor, started and ready (its engine loaded)."""

    def read(self, item: WorkItem, timeout: float) -> Outcome:
        """The item's outcome. Raises :class:`WorkerDied` when the process ends on it and
        :class:`TimeoutError` when it takes over ``timeout`` s."""

    def kill(self) -> None:
        """End the process, from any thread (a read waiting on it raises WorkerDied)."""


@dataclass
class _Job:
    item: WorkItem
    future: Future[Outcome]


@dataclass
class _Slot:
    """A place for one worker, served by one thread; empty until an item needs a worker."""

    worker: Worker | None = None


class _Closed(Exception):
    """The executor was closed while a slot was reading."""


class Dispatcher:
    """Gives items to ``workers`` slots, one item at a time each, in the order they came, and
    applies the failure rule of this module's docstring. ``start`` makes a ready worker (of
    its own, reading nothing else, when given True); ``started``: workers made already (the
    first slots take them); ``shared``: workers share a process, so an item whose worker died
    is read again by a worker of its own, which is ended after it."""

    def __init__(self, start: Callable[[bool], Worker], workers: int, page_timeout: float,
                 started: Sequence[Worker] = (), shared: bool = False) -> None:
        self._start, self.page_timeout, self.shared = start, page_timeout, shared
        self._queue: SimpleQueue[_Job | None] = SimpleQueue()
        self._lock = threading.Lock()  # the slots' workers against close()
        self._closed = False
        self._slots = ([_Slot(w) for w in started]
                       + [_Slot() for _ in range(workers - len(started))])
        self._threads = [threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                          name=f"formscan-slot-{i}")
                         for i, slot in enumerate(self._slots)]
        for thread in self._threads:
            thread.start()

    def submit(self, item: WorkItem) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        self._queue.put(_Job(item, future))
        return future

    def _serve(self, slot: _Slot) -> None:
        """One slot's thread: items from the queue, read by the slot's worker."""
        try:
            while (job := self._queue.get()) is not None:
                try:
                    job.future.set_result(self._read(slot, job.item))
                except _Closed:
                    job.future.cancel()
                    return
                except Exception as exc:  # noqa: BLE001 - a configuration error: the batch stops
                    job.future.set_exception(exc)
        finally:
            self._retire(slot)

    def _read(self, slot: _Slot, item: WorkItem) -> Outcome:
        """The item read by the slot's worker, or by a new one in place of a worker that died
        on it; a failed record when it kills every worker it is given to, or runs away."""
        for tried in range(TRIES):
            try:
                alone = self.shared and tried > 0
                outcome = self._worker(slot, alone).read(item, self.page_timeout)
                if alone:
                    self._retire(slot)  # the worker of its own: the next item shares again
                return outcome
            except TimeoutError:
                self._retire(slot)
                return failed_outcome(item, ErrorItem("ocr", item.page, Reason(
                    Code.PAGE_TIMEOUT, {"s": round(self.page_timeout)})))
            except WorkerDied:
                self._retire(slot)
        return failed_outcome(item, ErrorItem("ocr", item.page, Reason(Code.WORKER_DIED)))

    def _worker(self, slot: _Slot, alone: bool = False) -> Worker:
        """The slot's worker, started now if the slot is empty; ``alone``: one reading
        nothing else at the same time (for an item whose worker died under it, so that an
        item read beside it cannot kill it twice)."""
        if slot.worker is not None:
            return slot.worker
        if self._closed:
            raise _Closed
        worker = self._start(alone)
        with self._lock:
            if not self._closed:
                slot.worker = worker
                return worker
        worker.kill()
        raise _Closed

    def _retire(self, slot: _Slot) -> None:
        with self._lock:
            worker, slot.worker = slot.worker, None
        if worker is not None:
            worker.kill()

    def close(self) -> None:
        """End every worker and wait for the slots' threads; items not read are cancelled."""
        with self._lock:
            self._closed = True
            workers = [slot.worker for slot in self._slots if slot.worker is not None]
        while True:
            try:
                job = self._queue.get_nowait()
            except Empty:
                break
            if job is not None:
                job.future.cancel()
        for _ in self._threads:
            self._queue.put(None)
        for worker in workers:
            worker.kill()  # a read in progress ends now: the next run reads its page again
        for thread in self._threads:
            thread.join()


def lean_malloc() -> None:
    """Tell this process's malloc to give big blocks back (see ``MMAP_THRESHOLD``); nothing
    where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    mallopt(M_ARENA_MAX, ARENA_MAX)


def _as_worker() -> None:
    """This process as a worker: it ignores Ctrl-C, dies with its parent, mallocs lean."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # and SIGTERM (sent to the whole group)
    try:
        # The signal comes when the thread that started this process ends: an executor's
        # workers are started by threads that live as long as the executor (one started
        # ahead, by the runner's main thread).
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe closes
        pass
    lean_malloc()


def serve_ahead(conns: list[Connection]) -> None:
    """A worker process started ahead (:mod:`pipeline.ahead`): loads the engines a batch
    reads with unless told otherwise while the runner imports its own modules, then serves as
    :func:`_serve` once its first pipe says what to read with (with those engines where it
    is them; nothing comes where no executor takes it: it is ended)."""
    _as_worker()
    likely = EngineSpec(threads=1)  # what BatchOptions asks of worker processes by default
    try:
        engines: list[OcrEngine] | None = likely.make_lanes(len(conns))
    except Exception:  # noqa: BLE001 - told for the engine asked, by _serve
        engines = None
    try:
        spec, contest = conns[0].recv()
    except EOFError:  # the runner is gone
        return
    if spec != likely:
        engines = None  # not these: let go before the engines asked for are made
    _serve(conns, spec, contest, ready=True, engines=engines)


def _serve(conns: list[Connection], spec: EngineSpec, contest: Contest, ready: bool = False,
           engines: list[OcrEngine] | None = None) -> None:
    """A worker process: makes an engine for each of its lanes (one pipe each; ``engines``:
    made already), says on each that it is ready, then reads on one thread per lane what that
    lane is sent and sends back the outcome (or the exception, a configuration error for the
    parent to raise)."""
    if not ready:
        _as_worker()
    try:
        engines = engines or spec.make_lanes(len(conns))
    except Exception as exc:  # noqa: BLE001 - a model or runtime missing: the parent raises it
        for conn in conns:
            conn.send(exc)
        return
    for conn in conns:
        conn.send(__version__)
    for conn, engine in zip(conns[1:], engines[1:], strict=True):
        threading.Thread(target=_lane, args=(conn, engine, contest), daemon=True,
                         name="formscan-lane").start()
    _lane(conns[0], engines[0], contest)  # the process ends with its first lane's pipe


def _lane(conn: Connection, engine: OcrEngine, contest: Contest) -> None:
    """One lane of a worker process: items from its pipe, read with its engine."""
    while True:
        try:
            item = conn.recv()
        except EOFError:  # the parent is gone
            return
        try:
            answer: Outcome | Exception = read_item(item, engine, contest)
        except Exception as exc:  # noqa: BLE001 - read_item lets configuration errors through
            answer = exc
        conn.send(answer)


class _Process:
    """A local worker process with ``lanes`` pipes: items and outcomes go through each, and
    each is read on a thread of its own. Its :class:`_Lane` objects are the executor's
    workers; ending one ends the process, and every lane with it."""

    def __init__(self, spec: EngineSpec, contest: Contest, lanes: int = 1,
                 started: ahead.Started | None = None) -> None:
        if started is not None:  # started ahead: told now what to read with
            self._process, self._conns = started
            try:
                self._conns[0].send((spec, contest))
            except OSError:  # it died as it started: ready() says so
                pass
        else:
            self._process, self._conns = ahead.spawn(_serve, lanes, spec, contest)
        self._ending = threading.Lock()
        self._given = 0  # lanes handed out
        self._loaded = False
        self.ended = False

    def ready(self) -> _Process:
        """This process once its engines are loaded (one that cannot load them has died)."""
        if self._loaded:
            return self
        if self.ended:
            raise WorkerDied("ended before its engines loaded")
        try:
            loaded = all(self._answer(conn, START_TIMEOUT) is not None for conn in self._conns)
        except BaseException:
            self.kill()
            raise
        if not loaded:
            self.kill()
            raise WorkerDied(f"no engine loaded in {START_TIMEOUT:.0f} s")
        self._loaded = True
        return self

    def lane(self) -> _Lane | None:
        """A lane no one was given yet; None when all were, or the process has ended."""
        if self.ended or self._given == len(self._conns):
            return None
        self._given += 1
        return _Lane(self, self._conns[self._given - 1])

    def _answer(self, conn: Connection, timeout: float) -> object | None:
        """What the process sends next on ``conn``; None when nothing comes in ``timeout``
        s."""
        try:
            if not wait([conn, self._process.sentinel], timeout):
                return None
            answer = conn.recv()
        except (EOFError, OSError) as exc:  # it ended
            raise WorkerDied from exc
        if isinstance(answer, Exception):
            raise answer
        return answer

    def kill(self) -> None:
        """End the process. Its pipes are left open: another lane's thread may be reading
        one, and a pipe closed under a read fails it with no error a death is told by; the
        process gone, a read ends (EOFError: WorkerDied), and the pipes close when this
        object goes (its lanes retired)."""
        with self._ending:  # close() and the slots of its lanes may all end it
            self.ended = True
            self._process.kill()
            self._process.join()


class _Lane:
    """One lane of a worker process: a :class:`Worker` for one slot of the dispatcher."""

    def __init__(self, process: _Process, conn: Connection) -> None:
        self._process, self._conn = process, conn

    def read(self, item: WorkItem, timeout: float) -> Outcome:
        try:
            self._conn.send(item)
        except OSError as exc:  # the pipe broke: the process is gone
            raise WorkerDied from exc
        outcome = self._process._answer(self._conn, timeout)
        if outcome is None:
            raise TimeoutError(f"no outcome in {timeout:.0f} s")
        return cast(Outcome, outcome)

    def kill(self) -> None:
        self._process.kill()


class ProcessExecutor:
    """Reads items in ``workers`` lanes of local processes, ``lanes`` to a process: the
    first process started with the executor, the others when an item needs one of their
    lanes; a runaway page is stopped after ``page_timeout`` s. An item whose process died
    under it is read again in a process of its own."""

    def __init__(self, spec: EngineSpec, contest: Contest, workers: int,
                 page_timeout: float = PAGE_TIMEOUT, lanes: int = LANES) -> None:
        check_engine(spec.name)  # a missing model is a configuration error, not a page's
        self.spec, self.contest, self.workers = spec, contest, workers
        self.lanes = max(1, min(lanes, workers))
        # The first process is started now (or was, ahead of the runner's imports): its
        # engines load while the runner opens the first files, and the first page finds it
        # ready.
        self._filling = _Process(spec, contest, self.lanes, ahead.take(self.lanes))
        self._starting = threading.Lock()
        self._dispatcher = Dispatcher(self._start, workers, page_timeout,
                                      shared=self.lanes > 1)

    def _start(self, alone: bool = False) -> Worker:
        if alone:
            return cast(_Lane, _Process(self.spec, self.contest).ready().lane())
        with self._starting:  # slots starting at once share a process (it loads once)
            try:
                lane = self._filling.ready().lane()
            except WorkerDied:  # it died as it loaded: another is started
                lane = None
            if lane is None:
                self._filling = _Process(self.spec, self.contest, self.lanes).ready()
                lane = self._filling.lane()
            return cast(_Lane, lane)

    def submit(self, item: WorkItem) -> Future[Outcome]:
        return self._dispatcher.submit(item)

    def close(self) -> None:
        self._dispatcher.close()
        self._filling.kill()  # started for lanes no item needed (a batch with nothing to read)
