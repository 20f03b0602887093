"""The committed samples read end to end (what `make demo` does), compared with the outputs kept
in tests/golden/ field by field, with tolerance where the OCR may wobble.

    python tests/golden_run.py     # `make golden`: read again, say what changed, keep it

Refresh on purpose only: when a change is meant to alter what is read (a stage, a model, a
schema, the output format), run `make golden`, read the differences it prints, and commit
tests/golden/ with the change. tests/test_golden.py fails on any difference not refreshed.

How two outputs are compared (``differences``): records by where they were read (path,
attachment, pages), manifest lines by (path, page, attachment), reconciliation lines by the
places of their two documents; every key the golden line has must be in the new one (a new key
is no difference: the output may grow); short values, flags, statuses, routes, form types,
doc_ids and errors exactly; long field values (a synopsis) by Levenshtein similarity;
confidences and scores within ±0.02, boxes within a few pixels.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = ("records.jsonl", "manifest.jsonl", "reconciliation.jsonl")
# Relative inputs, run from the repository root: the outputs name them samples/..., anywhere.
COMMAND = ["run", "--paper", "samples/paper", "--email", "samples/email", "--workers", "2",
           "--no-progress"]
EXIT_STATUS = 3  # some committed samples are broken on purpose

LONG_TEXT = 40  # characters: a field value this long is compared by similarity
TEXT_SIMILARITY = 0.98  # normalized Levenshtein: ~1 character in 50 may differ
SCORE = 0.02  # confidences, scores, similarities
PIXELS = 3.0  # a bbox corner, a transform's translation
ANGLE = 0.2  # degrees of deskew

Line = dict
Key = tuple


def run(out: Path) -> subprocess.CompletedProcess:
    """`formscan run` on the committed samples into ``out`` (this checkout's code)."""
    return subprocess.run([sys.executable, "-m", "pipeline", *COMMAND, "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)


def _read(path: Path) -> list[Line]:
    if not path.exists():
        return []
    return [json.loads(s) for s in path.read_text(encoding="utf-8").splitlines() if s]


def _place(record: Line) -> str:
    source = record["source"]
    where = source["path"] + (f" [{source['attachment']}]" if source.get("attachment") else "")
    pages = ",".join(map(str, source.get("pages") or []))
    return f"{where} p{pages}" if pages else where


def _keyed(name: str, lines: list[Line], places: dict[str | None, str]) -> dict[Key, Line]:
    if name == "records.jsonl":
        return {(_place(r),): r for r in lines}
    if name == "manifest.jsonl":
        return {(m["path"], m["page"], m["attachment"]): m for m in lines}
    return {(places.get(r["paper_doc_id"]), places.get(r["email_doc_id"])): r for r in lines}


def _tolerance(path: tuple) -> float | None:
    """How far a number at ``path`` (keys from the line down) may move; None: exactly."""
    if "bbox" in path:
        return PIXELS
    if "transform" in path:
        if path[-1] == "angle_deg":
            return ANGLE
        if "matrix" in path:  # [[a, b, tx], [c, d, ty]]: pixels in the last column
            return PIXELS if path[-1] == 2 else SCORE
        return None
    return SCORE


def _value(path: tuple, want, got) -> bool:
    """Whether ``got`` is ``want`` within the tolerance for ``path``."""
    if isinstance(want, bool) or isinstance(got, bool) or want is None or got is None:
        return want is got or want == got and type(want) is type(got)
    if isinstance(want, float | int) and isinstance(got, float | int):
        tolerance = _tolerance(path) if isinstance(want, float) or isinstance(got, float) else None
        return want == got if tolerance is None else abs(want - got) <= tolerance + 1e-9
    if isinstance(want, str) and isinstance(got, str):
        long = "fields" in path and path[-1] in ("value", "raw") and len(want) > LONG_TEXT
        if long:
            return Levenshtein.normalized_similarity(want, got) >= TEXT_SIMILARITY
        return want == got
    return want == got


def _compare(path: tuple, want, got, found: list[tuple[tuple, str]]) -> None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key, value in want.items():
            if key not in got:
                found.append((path + (key,), "missing in the new output"))
            else:
                _compare(path + (key,), value, got[key], found)
    elif isinstance(want, list) and isinstance(got, list) and (
            any(isinstance(v, dict | list) for v in want + got) or "bbox" in path
            or "matrix" in path):
        if len(want) != len(got):
            found.append((path, f"{len(want)} items, now {len(got)}: {_short(want)} → "
                                f"{_short(got)}"))
            return
        for i, (w, g) in enumerate(zip(want, got)):
            _compare(path + (i,), w, g, found)
    elif not _value(path, want, got):
        found.append((path, f"{_short(want)} → {_short(got)}"))


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def _name(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def differences(golden: Path, out: Path) -> list[str]:
    """Every difference of ``out``'s outputs from ``golden``'s, one line each, naming the file,
    the document (or line) and the field."""
    found: list[str] = []
    places = {}  # doc_id -> where it was read, each side: reconciliation names documents so
    for side in (golden, out):
        places[side] = {r["doc_id"]: _place(r) for r in _read(side / "records.jsonl")}
    for name in FILES:
        want = _keyed(name, _read(golden / name), places[golden])
        got = _keyed(name, _read(out / name), places[out])
        for key in sorted(want.keys() | got.keys(), key=_name_key):
            where = f"{name} {' / '.join('-' if k is None else str(k) for k in key)}"
            if key not in got:
                found.append(f"{where}: missing in the new output")
            elif key not in want:
                found.append(f"{where}: new, not in the golden file")
            else:
                diffs: list[tuple[tuple, str]] = []
                _compare((), want[key], got[key], diffs)
                found += [f"{where}: {_name(path)}: {what}" for path, what in diffs]
    return found


def _name_key(key: Key) -> tuple:
    return tuple((k is None, str(k)) for k in key)


def main() -> int:
    """Read the samples again, print what changed against tests/golden/, and keep the new
    outputs there."""
    with tempfile.TemporaryDirectory(prefix="formscan-golden-") as tmp:
        out = Path(tmp) / "out"
        done = run(out)
        if done.returncode != EXIT_STATUS:
            print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
            print(f"formscan run exited {done.returncode}, not {EXIT_STATUS}: goldens kept",
                  file=sys.stderr)
            return 1
        changed = differences(GOLDEN, out)
        GOLDEN.mkdir(exist_ok=True)
        for name in FILES:
            shutil.copyfile(out / name, GOLDEN / name)
    for line in changed:
        print(line)
    counts = {name: sum(line.startswith(name + " ") for line in changed) for name in FILES}
    print(f"{len(changed)} differences ({', '.join(f'{n}: {c}' for n, c in counts.items())}); "
          f"tests/golden/ refreshed: review `git diff tests/golden` and commit it with the change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
