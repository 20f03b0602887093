"""Benchmark: formscan's pipeline vs plain full-page RapidOCR over the same pages.

    python scripts/bench.py --seed 11 --forms 24          # generated pages (a scan room's mix)
    python scripts/bench.py --pages DIR                   # the scans in DIR instead
    python scripts/bench.py --memory 2000                 # peak memory over 2,000 pages

The baseline and formscan take turns (`--repeat`, default 2) and the fastest run of each
counts, since a busy spell of the machine would otherwise decide the ratio.

Every program runs as a whole process (start-up included), one after the other, on the same
pages: plain RapidOCR (default settings, every page of every file, one process), then
``formscan scan`` with its defaults, then -- where the machine has more cores -- ``formscan
scan`` with 1, 2, 4, ... workers. Pages per minute count every page of the inputs; peak
memory is the proportional set size (PSS) of the whole process tree (parent and workers
together, shared libraries counted once, sampled every second: reading it walks every
mapping of every process, which sampled ten times a second slowed formscan's four processes by
a sixth).
Figures are reported as ratios to the baseline run in the same command, since these
machines are noisy.

``--scaling`` instead prints pages/min per worker count (1, 2, 4, 8, 16 up to the cores, or
``--workers-list``) for the local pool and for ``--executor ray`` (a Ray instance of this
machine, started by each run), whole command and steady state (first page stored to last, so
Ray's start-up of ~10 s is shown apart), and Ray's per-task overhead: the round trip of a
page-sized item through a no-op Ray actor vs a no-op worker process of the local pool.

``--memory N`` generates N distinct pages (a generated set's pages, each copy marked so that
no two are the same page), reads them with ``formscan scan`` and prints the peak memory after
the first 100 pages and after all N: flat means within 10%. The pages are written to a
temporary folder and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.errors import ModelError  # noqa: E402
from pipeline.ocr import DEFAULT_ENGINE, ENGINES, check_engine  # noqa: E402
from pipeline.workers import cores  # noqa: E402

BASELINE = r"""
import sys, json
sys.path.insert(0, sys.argv[1])
from pipeline import filetypes, ingest
from pipeline.errors import InputError
from pipeline.model import WorkItem
from rapidocr import RapidOCR
engine = RapidOCR(params={"Global.log_level": "error"})
n = 0
for path in filetypes.discover([sys.argv[2]]):
    try:
        for page in ingest.scan_pages(path):
            if isinstance(page, WorkItem):
                engine(page.image)
                n += 1
    except InputError:
        pass
print(json.dumps({"pages": n}))
"""


PSS_EVERY = 1.0  # s between PSS samples: more often, the sampling slows what it measures


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (its shared pages counted in shares, so a
    tree's sum counts a library mapped by every worker once), its RSS where the kernel does
    not say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def _tree_pss(proc: psutil.Process) -> int:
    try:
        tree = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    return sum(_pss(p.pid) for p in tree)


def _measure(cmd: list[str], progress: Path | None = None, mark: int = 0) -> dict:
    """Run ``cmd``: its wall seconds, the peak PSS (MiB) of its whole process tree, and --
    with ``progress`` (a batch's store) -- that peak up to when ``mark`` manifest lines
    were written, and when the first and the last line were written (``steady``: the lines
    after the first per second between them)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watched = psutil.Process(proc.pid)
    peak = peak_at_mark = 0
    lines, first, last = 0, None, None
    sampled = 0.0
    while proc.poll() is None:
        if time.perf_counter() - sampled >= PSS_EVERY:  # reading PSS walks every mapping
            peak, sampled = max(peak, _tree_pss(watched)), time.perf_counter()
        if progress is not None:
            now = _lines(progress)
            if now > lines:
                first = first or time.perf_counter()
                lines, last = now, time.perf_counter()
            if not peak_at_mark and now >= mark:
                peak_at_mark = peak
        time.sleep(0.1)
    wall = time.perf_counter() - start
    steady = (lines - 1) / (last - first) if first and last and last > first else float("nan")
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode not in (0, 3):
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return {"seconds": wall, "peak_mib": peak / 2**20, "mark_mib": peak_at_mark / 2**20,
            "stdout": out, "steady_per_s": steady}


def _lines(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("SELECT COUNT(*) FROM manifest").fetchone()[0]
    except sqlite3.Error:
        return 0


def _formscan(pages: Path, out: Path, *options: str) -> list[str]:
    shutil.rmtree(out, ignore_errors=True)
    return [sys.executable, "-m", "pipeline", "scan", str(pages), "--out", str(out),
            "--no-progress", *options]


def _best(runs: list[dict]) -> dict:
    """The fastest of a program's runs (the one the machine disturbed least), with the
    highest peak memory of them all."""
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["peak_mib"] = max(run["peak_mib"] for run in runs)
    return best


def _speed(pages: Path, work: Path, label: str, repeat: int) -> None:
    bases, pipes = [], []
    for _ in range(repeat):  # taking turns: a busy spell of the machine hits both programs
        bases.append(_measure([sys.executable, "-c", BASELINE, str(ROOT), str(pages)]))
        pipes.append(_measure(_formscan(pages, work / "out")))
    base, pipe = _best(bases), _best(pipes)
    n = json.loads(base["stdout"].strip().splitlines()[-1])["pages"]

    def ppm(run: dict) -> float:
        return n / run["seconds"] * 60

    print(f"{n} pages ({label}), {cores()} cores; one command, the programs taking turns, "
          f"best of {repeat} runs each")
    print(f"{'':34}{'pages/min':>10}{'peak PSS MiB':>14}")
    print(f"{'plain RapidOCR (full page)':34}{ppm(base):>10.1f}{base['peak_mib']:>14.0f}")
    print(f"{'formscan scan (defaults)':34}{ppm(pipe):>10.1f}{pipe['peak_mib']:>14.0f}")
    print(f"ratio formscan/baseline: speed {ppm(pipe) / ppm(base):.2f}x, "
          f"peak PSS {pipe['peak_mib'] / base['peak_mib']:.2f}x")
    others = [name for name in ENGINES if name != DEFAULT_ENGINE and _runs(name)]
    if others:
        print(f"\n{'other engines (formscan scan)':34}{'pages/min':>10}{'vs plain':>10}"
              f"{'peak MiB':>10}")
        for name in others:
            run = _measure(_formscan(pages, work / "out", "--engine", name))
            print(f"{name:34}{ppm(run):>10.1f}{ppm(run) / ppm(base):>9.2f}x"
                  f"{run['peak_mib']:>10.0f}")
    counts = [w for w in (1, 2, 4, 8, 16, 32, 64) if w <= cores()]
    if len(counts) > 1:
        print(f"\n{'workers':>8}{'pages/min':>10}{'vs 1':>7}{'vs plain':>10}{'peak MiB':>10}")
        one = None
        for w in counts:
            run = _measure(_formscan(pages, work / "out", "--workers", str(w)))
            one = one or ppm(run)
            print(f"{w:>8}{ppm(run):>10.1f}{ppm(run) / one:>6.2f}x{ppm(run) / ppm(base):>9.2f}x"
                  f"{run['peak_mib']:>10.0f}")


def _scaling(pages: Path, work: Path, counts: list[int]) -> None:
    """Pages/min per worker count, the local pool and Ray side by side."""
    out = work / "out"
    print(f"scaling on {pages}, {cores()} cores; pages/min of the whole command (start-up "
          "included) and steady (first page stored to last)")
    print(f"{'workers':>8}{'local':>9}{'steady':>9}{'ray':>9}{'steady':>9}{'ray/local':>11}"
          f"{'steady':>8}{'local MiB':>11}{'ray MiB':>9}")
    for w in counts:
        store = out / "formscan.sqlite"
        local = _measure(_formscan(pages, out, "--workers", str(w)), progress=store)
        n = _lines(store)
        ray = _measure(_formscan(pages, out, "--workers", str(w), "--executor", "ray"),
                       progress=store)
        ppm = [n / run["seconds"] * 60 for run in (local, ray)]
        steady = [run["steady_per_s"] * 60 for run in (local, ray)]
        print(f"{w:>8}{ppm[0]:>9.1f}{steady[0]:>9.1f}{ppm[1]:>9.1f}{steady[1]:>9.1f}"
              f"{ppm[1] / ppm[0]:>10.2f}x{steady[1] / steady[0]:>7.2f}x"
              f"{local['peak_mib']:>11.0f}{ray['peak_mib']:>9.0f}")
    _overhead()


def _overhead(tasks: int = 200) -> None:
    """A page-sized item's round trip through a no-op Ray actor and a no-op pool process."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    import numpy as np

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    page = np.zeros((2339, 1654, 3), np.uint8)  # an A4 page at 200 dpi
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        pool.submit(_echo, page).result()  # started
        start = time.perf_counter()
        for _ in range(tasks):
            pool.submit(_echo, page).result()
        local = (time.perf_counter() - start) / tasks
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        actor = ray.remote(num_cpus=1)(_Echo).remote()
        ray.get(actor.echo.remote(0))
        start = time.perf_counter()
        for _ in range(tasks):
            ray.get(actor.echo.remote(page))
        remote = (time.perf_counter() - start) / tasks
        small = time.perf_counter()
        for _ in range(tasks):
            ray.get(actor.echo.remote(0))
        empty = (time.perf_counter() - small) / tasks
    finally:
        ray.shutdown()
    print(f"\nper-task overhead, one worker, {tasks} round trips: a page-sized item (11.6 MB) "
          f"{remote * 1000:.1f} ms through Ray ({empty * 1000:.1f} ms with an empty one) vs "
          f"{local * 1000:.1f} ms through a local pool process; a page takes ~1,500 ms to read")


def _echo(item: object) -> int:
    return 0


class _Echo:
    def echo(self, item: object) -> int:
        return 0


def _runs(engine: str) -> bool:
    try:
        check_engine(engine)
    except ModelError:
        return False
    return True


def _memory(n_pages: int, seed: int, work: Path) -> None:
    import cv2
    import numpy as np

    from pipeline import filetypes, ingest
    from pipeline.errors import InputError
    from pipeline.model import WorkItem
    from samples.generate import generate

    generate(work / "base", seed=seed, n_forms=24, bad_inputs=False)
    images = []
    for path in filetypes.discover([str(work / "base")]):
        try:
            images += [p.image for p in ingest.scan_pages(path)
                       if isinstance(p, WorkItem) and p.image is not None]
        except InputError:
            continue  # the truth file beside the scans
    pages = work / "pages"
    pages.mkdir()
    for i in range(n_pages):
        page = images[i % len(images)].copy()
        # A copy is another page: a few pixels in its corner spell its number.
        page[:2, :16] = np.array([(i >> b & 1) * 255 for b in range(16)], np.uint8)[None, :, None]
        cv2.imwrite(str(pages / f"page_{i:05d}.jpg"), page, [cv2.IMWRITE_JPEG_QUALITY, 90])
    mark = min(100, n_pages)
    out = work / "out"
    run = _measure(_formscan(pages, out), progress=out / "formscan.sqlite", mark=mark)
    grew = run["peak_mib"] / run["mark_mib"] - 1 if run["mark_mib"] else float("nan")
    print(f"{n_pages} distinct pages (from {len(images)} generated, seed {seed}), "
          f"{n_pages / run['seconds'] * 60:.1f} pages/min")
    print(f"peak PSS after {mark} pages: {run['mark_mib']:.0f} MiB; after {n_pages}: "
          f"{run['peak_mib']:.0f} MiB ({grew:+.1%}; flat means within 10%)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--forms", type=int, default=24)
    parser.add_argument("--pages", type=Path, help="scans to measure on instead of generated")
    parser.add_argument("--memory", type=int, metavar="N", help="peak memory over N pages")
    parser.add_argument("--scaling", action="store_true",
                        help="pages/min per worker count, the local pool vs --executor ray")
    parser.add_argument("--workers-list", default="",
                        help="worker counts for --scaling (default 1,2,4,8,16 up to the cores)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of the baseline and of formscan, taking turns (default 2)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="formscan-bench-"))
    try:
        if args.scaling:
            counts = ([int(w) for w in args.workers_list.split(",")] if args.workers_list
                      else [w for w in (1, 2, 4, 8, 16) if w <= cores()])
            pages = args.pages
            if pages is None:
                from samples.generate import generate

                generate(work / "samples", seed=args.seed, n_forms=args.forms, bad_inputs=False)
                pages = work / "samples"
            _scaling(pages, work, counts)
        elif args.memory:
            _memory(args.memory, args.seed, work)
        elif args.pages:
            _speed(args.pages, work, str(args.pages), args.repeat)
        else:
            from samples.generate import generate

            generate(work / "samples", seed=args.seed, n_forms=args.forms, bad_inputs=False)
            _speed(work / "samples", work, f"generated, seed {args.seed}", args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
