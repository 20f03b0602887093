"""Pages read on a Ray cluster (``--executor ray``): the same reader as the local pool.

:class:`RayReaders` has the local :class:`~pipeline.workers.WorkerPool`'s shape (``submit``
gives a future, ``restart``, ``close``), so the batch runner keeps every rule it has: it
alone opens the inputs and writes the store, one page per transaction, with at most twice
as many pages in flight as there are workers; the manifest, resume, duplicates and the
failure of one page alone work as they do on one machine.

Inputs reach the workers **as bytes**: the driver opens and decodes every file (with the same
limits), and a page's pixels travel through Ray's object store, so no node needs to see the
input folder. Each worker is a Ray actor holding one loaded OCR engine (one CPU each). Ray's
own retries cover a lost worker: an actor that dies is restarted and the page it was reading
is given to it once more (``max_task_retries``); a page that kills its worker again is the
project's case, read once more alone and failed by itself if it kills that one too. Up front,
every actor must start and run this formscan version (a node with another or none installed is
a configuration error, before any page is read).

``ray`` is an optional extra (``pip install 'formscan[ray]'``), imported only here.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, InvalidStateError
from typing import Any

from pipeline import __version__
from pipeline.contest import Contest
from pipeline.errors import Code, FormscanError
from pipeline.model import WorkItem
from pipeline.ocr import check_engine
from pipeline.stages import Outcome, read_item
from pipeline.workers import EngineSpec

START_TIMEOUT = 300.0  # s for every actor to load its engine (a cold node pulls nothing: the
# models ship in the wheel, but a first import of OpenVINO takes a while)


class RayUnavailable(FormscanError):
    """Ray is not installed, or the cluster cannot be reached or runs something else."""


class WorkerLost(Exception):
    """A page was in flight on a worker formscan ended (``restart``): to be asked again."""


class PageReader:
    """A Ray actor: one loaded engine, reading the pages it is given one at a time."""

    def __init__(self, spec: EngineSpec, contest: Contest) -> None:
        self.engine, self.contest = spec.make(), contest

    def ready(self) -> str:
        """The formscan version this worker runs (its engine is loaded by now)."""
        return __version__

    def read(self, item: WorkItem) -> Outcome:
        return read_item(item, self.engine, self.contest)


def _ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network at run time
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable(Code.RAY_MISSING) from exc
    return ray


class RayReaders:
    """Reads items on ``workers`` Ray actors (0: one per CPU the cluster has)."""

    can_stop = True  # a runaway page's actor can be ended (the batch's --page-timeout)

    def __init__(self, spec: EngineSpec, contest: Contest, workers: int = 0,
                 address: str | None = None) -> None:
        check_engine(spec.name)  # a missing model is a configuration error, not a page's
        ray = self._ray = _ray()
        # A worker lost twice on one page (Ray retried it once), or ended by restart().
        self.broken = (ray.exceptions.RayActorError, WorkerLost)
        self.spec, self.contest = spec, contest
        self._started = not ray.is_initialized()
        if self._started:
            try:
                # "local": a new instance of this machine, never one `ray start` left running
                ray.init(address=address or "local",
                         num_cpus=None if address else (workers or None),
                         include_dashboard=False, log_to_driver=False,
                         logging_level="ERROR")
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailable(Code.RAY_UNREACHABLE, address=address or "local",
                                     why=str(exc)) from exc
        self.workers = workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
        self._actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=1)(PageReader)
        self._load: list[int] = []
        self._actors: list[Any] = []
        self._lock = threading.Lock()  # Ray's callbacks run in its own thread
        self._pending: set[Future] = set()
        self._generation = 0  # actors started so far, counted by restart()
        self._start_actors()

    def _start_actors(self) -> None:
        ray = self._ray
        actors = [self._actor.remote(self.spec, self.contest) for _ in range(self.workers)]
        with self._lock:
            self._actors, self._load = actors, [0] * self.workers
        try:
            started = ray.get([a.ready.remote() for a in self._actors], timeout=START_TIMEOUT)
        except ray.exceptions.GetTimeoutError as exc:
            self.close()
            raise RayUnavailable(Code.RAY_SLOW_START, n=self.workers,
                                 s=round(START_TIMEOUT)) from exc
        except ray.exceptions.RayError as exc:
            self.close()
            raise RayUnavailable(Code.RAY_WORKER_BROKEN, why=str(exc),
                                 version=__version__) from exc
        others = sorted(set(started) - {__version__})
        if others:
            self.close()
            raise RayUnavailable(Code.RAY_VERSIONS, others=", ".join(others),
                                 version=__version__)

    def submit(self, item: WorkItem) -> Future:
        """The item to the least busy actor; its outcome as a future."""
        outcome: Future = Future()
        with self._lock:
            i = min(range(len(self._actors)), key=self._load.__getitem__)
            self._load[i] += 1
            self._pending.add(outcome)
            generation, actor = self._generation, self._actors[i]
        actor.read.remote(item).future().add_done_callback(
            lambda done: self._relay(done, outcome, i, generation))
        return outcome

    def _relay(self, done: Future, outcome: Future, i: int, generation: int) -> None:
        with self._lock:
            self._pending.discard(outcome)
            if generation == self._generation:
                self._load[i] -= 1
        try:
            if done.exception() is not None:
                outcome.set_exception(done.exception())
            else:
                outcome.set_result(done.result())
        except InvalidStateError:  # restart() had given it up already
            pass

    def restart(self) -> None:
        """End every actor and start new ones; a page in flight on them fails at once with
        :class:`WorkerLost` (the batch gives it again)."""
        self._kill()
        self._start_actors()

    def _kill(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor, no_restart=True)
        with self._lock:
            self._generation += 1
            pending, self._pending = self._pending, set()
            self._actors, self._load = [], []
        for outcome in pending:
            try:
                outcome.set_exception(WorkerLost("its worker was ended"))
            except InvalidStateError:
                pass

    def close(self) -> None:
        self._kill()
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
