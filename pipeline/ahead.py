"""A worker process started ahead, before the runner imports what it reads and writes with.

A command that reads pages in worker processes waits ~1 s for its first worker: the process
imports the reading stages and the OCR runtime, then loads the models. The runner itself spends
~0.8 s importing its own modules (the store, the exports, PDF) before it can start one. Started
here, first thing (``python -m pipeline`` and the ``formscan`` command both come here before
anything else), the worker imports and loads the default engine beside the runner's imports: on
the development set's 44 pages both lanes read from ~1.5 s after the command starts, not ~2.0 s
(README, Speed and memory). The process then waits for what to read with
(:func:`pipeline.workers.serve_ahead`); the batch's executor takes it over (:func:`take`) when it
reads in local worker processes of as many lanes, and ends it otherwise.

This module imports nothing of the pipeline's: it is the light part of the worker's start.
"""

from __future__ import annotations

import atexit
import os
import signal
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

# Pages a worker process reads at once, each on a thread with its own inference requests on
# the process's one copy of the models: on the development set's 44 pages one two-lane
# process read as fast as two one-lane processes, the tree's peak PSS 1,440 against 1,874 MiB
# (README, Speed and memory).
LANES = 2
READING = frozenset({"scan", "run"})  # the commands that read pages in worker processes

Started = tuple[BaseProcess, list[Connection]]
_started: Started | None = None


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def lanes_for(argv: list[str]) -> int:
    """The lanes of the first worker process the command ``argv`` will read with, where it
    reads in local worker processes: as many as ``--workers`` (at most :data:`LANES`), else
    :data:`LANES` where there are cores for them; 0 for a command that reads none (or whose
    options the command's own parser will refuse)."""
    if not argv or argv[0] not in READING or _option(argv, "--executor") not in (None, "local"):
        return 0
    asked = _option(argv, "--workers")
    if asked is not None and not asked.isdigit():
        return 0
    workers = int(asked) if asked else cores()
    return min(LANES, workers) if workers > 1 else 0


def _option(argv: list[str], name: str) -> str | None:
    """The value given to the option ``name`` (``--name V`` or ``--name=V``; the last one
    given, as argparse takes it), or None."""
    value = None
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(name + "="):
            value = arg[len(name) + 1:]
    return value


def start_for(argv: list[str]) -> None:
    """Start the worker the command ``argv`` will read with (nothing for one that reads in
    its own process, on Ray, or reads nothing)."""
    global _started
    lanes = lanes_for(argv)
    if not lanes or _started is not None:
        return
    _started = spawn(_serve, lanes)
    # A command that ends before its batch takes the process (a usage error, an output folder
    # it cannot write) ends it here: a worker ignores the SIGTERM multiprocessing ends
    # daemons with at exit, and would wait for what to read with while it is waited for.
    atexit.register(discard)


def spawn(target: Callable[..., None], lanes: int, *args: object) -> Started:
    """A worker process started on ``target(pipes, *args)``, a pipe per lane: the process
    and this end of its pipes."""
    context = get_context("spawn")
    pipes = [context.Pipe() for _ in range(lanes)]
    process = context.Process(target=target, args=([theirs for _, theirs in pipes], *args),
                              name="formscan-worker", daemon=True)
    process.start()
    for _, theirs in pipes:
        theirs.close()
    return process, [ours for ours, _ in pipes]


def take(lanes: int) -> Started | None:
    """The process started ahead and its pipes, for an executor whose processes read in
    ``lanes`` lanes; None where none was started, or one of other lanes (ended now)."""
    global _started
    started, _started = _started, None
    if started is not None and len(started[1]) != lanes:
        discard(started)
        return None
    return started


def discard(started: Started | None = None) -> None:
    """End a process started ahead that no executor takes (a batch read in its own process,
    or on Ray)."""
    global _started
    if started is None:
        started, _started = _started, None
    if started is not None:
        process, conns = started
        process.kill()
        process.join()
        for conn in conns:
            conn.close()


def _serve(conns: list[Connection]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the runner's, from the start
    from pipeline.workers import serve_ahead  # the reading stages: imported in the worker

    serve_ahead(conns)
