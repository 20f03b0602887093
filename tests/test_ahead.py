"""A worker process started ahead of the runner's own imports: only for the commands that
read in local worker processes, taken over by the batch's executor and read with, ended where
no executor takes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import ahead, ingest
from pipeline.contest import default_contest
from pipeline.model import WorkItem
from pipeline.workers import LANES, EngineSpec, ProcessExecutor, cores

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("argv, lanes", [
    (["scan", "in", "--workers", "1"], 0),  # read in the runner's own process
    (["scan", "in", "--workers=3"], min(LANES, 3)),
    (["run", "--paper", "p", "--workers", "2"], 2),
    (["run", "--paper", "p", "--workers", "2", "--executor", "ray"], 0),
    (["run", "--paper", "p", "--executor=local", "--workers", "2"], 2),
    (["review", "--out", "o"], 0),  # reads no page
    (["scan", "in", "--workers", "two"], 0),  # refused by the command's own parser
    ([], 0),
])
def test_a_worker_is_started_ahead_only_for_a_command_that_reads_in_worker_processes(
        argv, lanes):
    assert ahead.lanes_for(argv) == lanes


def test_without_workers_asked_the_lanes_are_the_cores_a_process_has():
    assert ahead.lanes_for(["scan", "in"]) == (min(LANES, cores()) if cores() > 1 else 0)


def _started(lanes: int = 2):
    ahead.start_for(["scan", "in", "--workers", str(lanes)])
    assert ahead._started is not None
    return ahead._started[0]


@pytest.mark.ocr  # the worker starts loading the OCR engine
def test_a_worker_started_ahead_that_no_executor_takes_is_ended():
    process = _started()
    ahead.discard()
    assert not process.is_alive() and ahead._started is None
    process = _started()
    assert ahead.take(1) is None  # an executor of one-lane processes: not this one
    assert not process.is_alive()


@pytest.mark.ocr
def test_the_executor_reads_with_the_worker_started_ahead():
    pdf = ROOT / "samples" / "paper" / "submission_01.pdf"
    item = next(p for p in ingest.scan_pages(str(pdf)) if isinstance(p, WorkItem))
    truth = next(t for line in (ROOT / "samples" / "paper-truth.jsonl").open(encoding="utf-8")
                 if (t := json.loads(line))["path"] == pdf.name and t["page"] == item.page)
    process = _started()
    executor = ProcessExecutor(EngineSpec(threads=1), default_contest(), workers=2)
    try:
        assert executor._filling._process is process and ahead._started is None
        record = executor.submit(item).result(timeout=300).record
    finally:
        executor.close()
    assert record.form_type.value == truth["form_type"]
    assert record.fields["title"].value == truth["fields"]["title"]
    assert not process.is_alive()


@pytest.mark.ocr  # the worker starts loading the OCR engine
def test_a_command_that_ends_before_its_batch_ends_the_worker_started_for_it(tmp_path):
    """A worker ignores the SIGTERM multiprocessing ends daemons with at exit: a command that
    stops before its batch takes the worker (here, an output that is a file) ends it, and
    does not wait for it forever."""
    import subprocess
    import sys

    taken = tmp_path / "afile"
    taken.write_text("", encoding="utf-8")
    pdf = ROOT / "samples" / "paper" / "submission_01.pdf"
    done = subprocess.run([sys.executable, "-m", "pipeline", "scan", str(pdf), "--out",
                           str(taken), "--workers", "2"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "afile" in done.stderr
