"""--executor ray: the same batch on a Ray instance of this machine (2 CPUs), the same records
as the local pool, and a killed worker's page read again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_jsonl
from test_workers import CrashingSpec, KilledOnceSpec, logged

from pipeline.api import scan
from pipeline.batch import Batch, BatchOptions
from pipeline.cluster import RayExecutor, RayUnavailable
from pipeline.contest import default_contest
from pipeline.sources import PaperSource
from pipeline.store import DB_NAME, Store
from pipeline.workers import EngineSpec

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def ray_here():
    """One Ray instance for the module (as `ray start --head` would give on one machine);
    the tests' engines are importable by its workers."""
    import ray

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray
    ray.shutdown()


@pytest.mark.ocr
@pytest.mark.ray
def test_ray_reads_the_same_records_as_the_local_pool(scanned, ray_here, tmp_path):
    samples, out, summary = scanned
    on_ray = tmp_path / "ray"
    done = scan([str(samples)], on_ray, BatchOptions(progress=False, workers=2,
                                                      executor="ray"))
    assert done.done_now == summary.done_now
    assert read_jsonl(on_ray / "records.jsonl") == read_jsonl(out / "records.jsonl")
    assert read_jsonl(on_ray / "manifest.jsonl") == read_jsonl(out / "manifest.jsonl")


@pytest.mark.ocr
@pytest.mark.ray
def test_a_ray_run_killed_with_sigkill_resumes_with_nothing_lost_or_doubled(scanned, ray_here,
                                                                           tmp_path):
    from test_workers import _lines

    samples, out, _ = scanned
    killed = tmp_path / "killed"
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "scan", str(samples), "--out",
                            str(killed), "--workers", "2", "--executor", "ray",
                            "--no-progress"], cwd=TESTS.parent,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while _lines(killed / DB_NAME) < 5:
        assert run.poll() is None and time.time() < deadline, "ended before it was killed"
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)  # the driver, as a power cut would
    run.wait()
    scan([str(samples)], killed, BatchOptions(progress=False, workers=2, executor="ray"))
    assert read_jsonl(killed / "records.jsonl") == read_jsonl(out / "records.jsonl")
    assert read_jsonl(killed / "manifest.jsonl") == read_jsonl(out / "manifest.jsonl")


def _envelope(scanned) -> tuple[Path, dict]:
    samples, out, _ = scanned
    envelope = max(samples.glob("envelope_*.pdf"), key=lambda p: p.stat().st_size)
    expected = {(m["path"], m["page"]): m for m in read_jsonl(out / "manifest.jsonl")
                if m["path"] == str(envelope)}
    return envelope, expected


@pytest.mark.ocr
@pytest.mark.ray
def test_a_killed_workers_page_is_read_again_by_ray(scanned, ray_here, tmp_path):
    envelope, expected = _envelope(scanned)
    marker, log = tmp_path / "marker", tmp_path / "log"
    log.mkdir()
    executor = RayExecutor(KilledOnceSpec(threads=1, marker=str(marker), log=str(log)),
                           default_contest(), 2)
    store = Store(tmp_path / "out")
    summary = Batch(store, BatchOptions(progress=False), executor=executor).run(
        PaperSource(), [str(envelope)])
    store.export()
    store.close()
    assert marker.exists()  # a worker was killed on a page...
    assert not summary.failures  # ...which the actor in its place read
    manifest = read_jsonl(tmp_path / "out" / "manifest.jsonl")
    assert {(m["path"], m["page"]): m for m in manifest} == expected
    engines, reads = logged(log)
    assert engines == 3  # the two actors, and one in place of the killed one: the other kept
    assert sorted(map(len, reads.values())) == [1] * (len(reads) - 1) + [2]  # its page alone


@pytest.mark.ocr
@pytest.mark.ray
def test_a_page_that_kills_its_worker_every_time_fails_alone(scanned, ray_here, tmp_path):
    envelope, expected = _envelope(scanned)
    executor = RayExecutor(CrashingSpec(threads=1, marker=str(tmp_path / "marker")),
                           default_contest(), 2)
    store = Store(tmp_path / "out")
    Batch(store, BatchOptions(progress=False), executor=executor).run(PaperSource(),
                                                                      [str(envelope)])
    store.export()
    store.close()
    manifest = read_jsonl(tmp_path / "out" / "manifest.jsonl")
    failed = [m for m in manifest if m["status"] == "failed"]
    assert len(failed) == 1 and "process died" in failed[0]["error"]
    assert len(manifest) == len(expected)
    assert all(m == expected[(m["path"], m["page"])] for m in manifest if m is not failed[0])


@pytest.mark.ray
def test_workers_running_another_formscan_are_refused_up_front(ray_here, monkeypatch):
    import pipeline.cluster

    monkeypatch.setattr(pipeline.cluster, "__version__", "0.0.1")  # the driver's, not theirs
    with pytest.raises(RayUnavailable, match="install the same version on every node"):
        RayExecutor(EngineSpec(threads=1), default_contest(), 1)


def test_without_ray_installed_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    with pytest.raises(RayUnavailable, match=r"pip install 'formscan\[ray\]'"):
        RayExecutor(EngineSpec(threads=1), default_contest(), 1)


def test_a_ray_address_without_the_ray_executor_is_a_usage_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pipeline", "scan", str(TESTS), "--out",
                          str(tmp_path / "out"), "--ray-address", "auto"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--executor ray" in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.ocr
@pytest.mark.ray
def test_a_page_that_runs_away_on_ray_fails_alone_and_the_batch_goes_on(scanned, ray_here,
                                                                       tmp_path):
    from test_workers import HangingSpec

    envelope, expected = _envelope(scanned)
    executor = RayExecutor(HangingSpec(threads=1, marker=str(tmp_path / "marker")),
                           default_contest(), 2, page_timeout=20)
    store = Store(tmp_path / "out")
    Batch(store, BatchOptions(progress=False, page_timeout=20), executor=executor).run(
        PaperSource(), [str(envelope)])
    store.export()
    store.close()
    manifest = read_jsonl(tmp_path / "out" / "manifest.jsonl")
    failed = [m for m in manifest if m["status"] == "failed"]
    assert len(failed) == 1 and "took over 20 s" in failed[0]["error"]
    # The pages beside it, on the other actor or after it on its replacement, were read.
    assert all(m == expected[(m["path"], m["page"])] for m in manifest if m is not failed[0])
    assert len(manifest) == len(expected)
