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
from concurrent.futures import Future
from typing import Any

from pipeline import __version__
from pipeline.contest import Contest
from pipeline.errors import FormscanError
from pipeline.model import WorkItem
from pipeline.ocr import check_engine
from pipeline.stages import Outcome, read_page
from pipeline.workers import EngineSpec

START_TIMEOUT = 300.0  # s for every actor to load its engine (a cold node pulls nothing: the
# models ship in the wheel, but a first import of OpenVINO takes a while)


class RayUnavailable(FormscanError):
    """Ray is not installed, or the cluster cannot be reached or runs something else."""


class PageReader:
    """A Ray actor: one loaded engine, reading the pages it is given one at a time."""

    def __init__(self, spec: EngineSpec, contest: Contest) -> None:
        self.engine, self.contest = spec.make(), contest

    def ready(self) -> tuple[str, int]:
        return __version__, os.getpid()

    def read(self, item: WorkItem) -> Outcome:
        return read_page(item, self.engine, self.contest)


def _ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network at run time
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("--executor ray needs Ray: pip install 'formscan[ray]' (or "
                             "run without --executor ray: the local worker pool)") from exc
    return ray


class RayReaders:
    """Reads items on ``workers`` Ray actors (0: one per CPU the cluster has)."""

    can_stop = True  # a runaway page's actor can be ended (the batch's --page-timeout)

    def __init__(self, spec: EngineSpec, contest: Contest, workers: int = 0,
                 address: str | None = None) -> None:
        check_engine(spec.name)  # a missing model is a configuration error, not a page's
        ray = self._ray = _ray()
        self.broken = (ray.exceptions.RayActorError,)  # a worker lost twice on one page
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
                raise RayUnavailable(f"cannot reach the Ray cluster at {address or 'local'}: "
                                     f"{exc}; start it with `ray start --head` or give "
                                     "--ray-address") from exc
        self.workers = workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
        self._actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=1)(PageReader)
        self._load: list[int] = []
        self._actors: list[Any] = []
        self._start_actors()

    def _start_actors(self) -> None:
        ray = self._ray
        self._actors = [self._actor.remote(self.spec, self.contest) for _ in range(self.workers)]
        self._load = [0] * self.workers
        try:
            started = ray.get([a.ready.remote() for a in self._actors], timeout=START_TIMEOUT)
        except ray.exceptions.GetTimeoutError as exc:
            self.close()
            raise RayUnavailable(f"{self.workers} Ray workers did not start in "
                                 f"{START_TIMEOUT:.0f} s: the cluster has fewer free CPUs "
                                 "than --workers asks for?") from exc
        except ray.exceptions.RayError as exc:
            self.close()
            raise RayUnavailable(f"a Ray worker could not start formscan: {exc}; install "
                                 f"formscan {__version__} on every node") from exc
        others = sorted({v for v, _ in started if v != __version__})
        if others:
            self.close()
            raise RayUnavailable(f"Ray workers run formscan {', '.join(others)}, this is "
                                 f"{__version__}: install the same version on every node")
        self.pids = [pid for _, pid in started]

    def submit(self, item: WorkItem) -> Future:
        """The item to the least busy actor; its outcome as a future."""
        i = min(range(len(self._actors)), key=self._load.__getitem__)
        self._load[i] += 1
        future = self._actors[i].read.remote(item).future()
        future.add_done_callback(lambda _, i=i: self._done(i))
        return future

    def _done(self, i: int) -> None:
        if i < len(self._load):
            self._load[i] = max(self._load[i] - 1, 0)

    def restart(self) -> None:
        """End every actor (a page in flight on them is given again by the batch) and start
        new ones."""
        self._kill()
        self._start_actors()

    def _kill(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor, no_restart=True)
        self._actors, self._load = [], []

    def close(self) -> None:
        self._kill()
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
