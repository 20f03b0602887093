"""Pages read on a Ray cluster (``--executor ray``): the same executor as the local one.

:class:`RayExecutor` gives items out through the same :class:`~pipeline.workers.Dispatcher`
as :class:`~pipeline.workers.ProcessExecutor`, so the batch runner keeps every rule it has: it
alone opens the inputs and writes the store, one page per transaction, with at most twice as
many pages in flight as there are workers; the manifest, resume, duplicates and the failure of
one page alone work as they do on one machine.

Inputs reach the workers **as bytes**: the driver opens and decodes every file (with the same
limits), and a page's pixels travel through Ray's object store, so no node needs to see the
input folder. Each worker is a Ray actor holding one loaded OCR engine (one CPU each), reading
one page at a time. Ray neither restarts an actor nor retries its task: the dispatcher's rule
does, as on one machine. An actor that dies is replaced by a new one, which is given the page
once more (a page that kills that one too fails alone); an actor that holds a page longer than
the page timeout is killed (``ray.kill``) and replaced, and the page fails alone. Up front,
every actor must start and run this formscan version (a node with another or none installed is
a configuration error, before any page is read).

``ray`` is an optional extra (``pip install 'formscan[ray]'``), imported only here.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any

from pipeline import __version__
from pipeline.contest import Contest
from pipeline.errors import Code, FormscanError
from pipeline.model import WorkItem
from pipeline.ocr import check_engine
from pipeline.stages import Outcome, read_item
from pipeline.workers import (
    PAGE_TIMEOUT,
    START_TIMEOUT,
    Dispatcher,
    EngineSpec,
    Worker,
    WorkerDied,
    lean_malloc,
)


class RayUnavailable(FormscanError):
    """Ray is not installed, or the cluster cannot be reached or runs something else."""


class PageReader:
    """A Ray actor: one loaded engine, reading the pages it is given one at a time."""

    def __init__(self, spec: EngineSpec, contest: Contest) -> None:
        lean_malloc()
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


class _Actor:
    """A :class:`~pipeline.workers.Worker` on Ray: one actor, one page in flight."""

    def __init__(self, ray: Any, handle: Any) -> None:
        self._ray, self._handle = ray, handle

    def read(self, item: WorkItem, timeout: float) -> Outcome:
        exceptions = self._ray.exceptions
        try:
            # Past the timeout, GetTimeoutError: a TimeoutError, the dispatcher's runaway page.
            return self._ray.get(self._handle.read.remote(item), timeout=timeout)
        except (exceptions.RayActorError, exceptions.OutOfMemoryError) as exc:
            raise WorkerDied(str(exc)) from exc

    def kill(self) -> None:
        self._ray.kill(self._handle, no_restart=True)


class RayExecutor:
    """Reads items on ``workers`` Ray actors (0: one per CPU the cluster has); a runaway page
    is stopped after ``page_timeout`` s."""

    def __init__(self, spec: EngineSpec, contest: Contest, workers: int = 0,
                 address: str | None = None, page_timeout: float = PAGE_TIMEOUT) -> None:
        check_engine(spec.name)  # a missing model is a configuration error, not a page's
        ray = self._ray = _ray()
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
        # Our own rule replaces a dead actor and gives its page once more: Ray's would too.
        self._actor = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(PageReader)
        try:
            first = self._start(self.workers)
        except RayUnavailable:
            self._shutdown()
            raise
        self._dispatcher = Dispatcher(lambda alone: self._start(1)[0], self.workers, page_timeout,
                                      first)

    def _start(self, n: int) -> list[Worker]:
        """``n`` new actors, each with its engine loaded and running this formscan version."""
        ray = self._ray
        actors = [self._actor.remote(self.spec, self.contest) for _ in range(n)]
        try:
            started = ray.get([a.ready.remote() for a in actors], timeout=START_TIMEOUT)
        except ray.exceptions.GetTimeoutError as exc:
            self._kill(actors)
            raise RayUnavailable(Code.RAY_SLOW_START, n=n, s=round(START_TIMEOUT)) from exc
        except ray.exceptions.RayError as exc:
            self._kill(actors)
            raise RayUnavailable(Code.RAY_WORKER_BROKEN, why=str(exc),
                                 version=__version__) from exc
        others = sorted(set(started) - {__version__})
        if others:
            self._kill(actors)
            raise RayUnavailable(Code.RAY_VERSIONS, others=", ".join(others),
                                 version=__version__)
        return [_Actor(ray, a) for a in actors]

    def _kill(self, actors: list[Any]) -> None:
        for actor in actors:
            self._ray.kill(actor, no_restart=True)

    def submit(self, item: WorkItem) -> Future[Outcome]:
        return self._dispatcher.submit(item)

    def close(self) -> None:
        self._dispatcher.close()
        self._shutdown()

    def _shutdown(self) -> None:
        """Ray's instance ended, if this executor started it."""
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
