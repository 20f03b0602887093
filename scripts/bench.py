"""Benchmark: formscan's pipeline vs plain full-page RapidOCR over the same pages.

    python scripts/bench.py --seed 11 --forms 12

Both run in child processes of this one command, one after the other, on the same
generated pages; each child's wall time and peak resident memory (from ``wait4``) are
measured. Figures are reported as ratios to the baseline, since this machine is noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
        kind = ingest.read_kind(path)
        with ingest.open_scan(path, kind) as (count, handle):
            for page in ingest.pages(path, kind, handle, set(range(1, count + 1))):
                if isinstance(page, WorkItem):
                    engine(page.image)
                    n += 1
    except InputError:
        pass
print(json.dumps({"pages": n}))
"""

def _measure(cmd: list[str]) -> dict:
    """Run ``cmd``; its wall seconds and peak RSS (MiB) from the kernel's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return {"seconds": wall, "peak_mib": usage.ru_maxrss / 1024, "stdout": out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--forms", type=int, default=12)
    args = parser.parse_args()

    from samples.generate import generate

    work = Path(tempfile.mkdtemp(prefix="formscan-bench-"))
    samples = work / "samples"
    generate(samples, seed=args.seed, n_forms=args.forms, bad_inputs=False)

    base = _measure([sys.executable, "-c", BASELINE, str(ROOT), str(samples)])
    pages = json.loads(base["stdout"].strip().splitlines()[-1])["pages"]
    pipe = _measure([sys.executable, "-m", "pipeline", "scan", str(samples),
                     "--out", str(work / "out"), "--no-progress"])

    def ppm(run: dict) -> float:
        return pages / run["seconds"] * 60

    print(f"{pages} pages (seed {args.seed}), one command, baseline first")
    print(f"{'':28}{'pages/min':>10}{'peak MiB':>10}")
    print(f"{'plain RapidOCR (full page)':28}{ppm(base):>10.1f}{base['peak_mib']:>10.0f}")
    print(f"{'formscan scan':28}{ppm(pipe):>10.1f}{pipe['peak_mib']:>10.0f}")
    print(f"ratio formscan/baseline: speed {ppm(pipe) / ppm(base):.2f}x, "
          f"peak memory {pipe['peak_mib'] / base['peak_mib']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
