"""Does `formscan scan` decline pages that are not contest forms?

    python scripts/evaluate_strangers.py [--seed 7] [--per-kind 2] [--with-samples] [--check]

Generates strangers (``samples.generate.strangers``: invoices, receipts, other offices'
forms, notices, cover letters, scripts, posters, ID cards ...) into a temporary folder, with
``--with-samples`` beside a copy of the committed ``samples/paper`` files, scans the folder
with ``python -m pipeline scan DIR --out OUT --no-progress`` and reads OUT/manifest.jsonl and
OUT/records.jsonl. It prints, per kind, how many strangers were typed as a contest form
(``form_type`` other than ``unknown``) and as which; what the pipeline made of each cover
letter (which it should recognise as such, and whose unit it should note); and with
``--with-samples`` whether every sample page got the status and form type
``samples/paper-truth.jsonl`` gives it. ``--check`` exits 1 when a stranger was typed as a
contest form (or, with ``--with-samples``, a sample page was typed wrong).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.generate.strangers import KINDS, generate_strangers  # noqa: E402

SAMPLES = ROOT / "samples" / "paper"
SAMPLES_TRUTH = ROOT / "samples" / "paper-truth.jsonl"
UNKNOWN = "unknown"


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _readings(folder: Path, out: Path) -> dict[tuple[str, int | None], tuple[dict, dict | None]]:
    """(file relative to ``folder``, page) -> (its manifest line, its record or None)."""
    records = {r["doc_id"]: r for r in _jsonl(out / "records.jsonl")}
    readings = {}
    for entry in _jsonl(out / "manifest.jsonl"):
        path = Path(entry["path"])
        name = path.relative_to(folder).as_posix() if path.is_absolute() else path.as_posix()
        readings[(name, entry["page"])] = (entry, records.get(entry.get("doc_id") or ""))
    return readings


def _form_type(record: dict | None) -> str:
    return record["form_type"] if record else UNKNOWN


def score_strangers(truth: list[dict], readings: dict) -> dict:
    """Per kind: pages, typed as a form (by type), lost; the cover letters as read."""
    kinds: dict[str, Counter] = defaultdict(Counter)
    typed: list[dict] = []
    covers: list[dict] = []
    for t in truth:
        entry, record = readings.get((t["file"], t["page"]), (None, None))
        counts = kinds[t["kind"]]
        counts["pages"] += 1
        if entry is None:
            counts["lost"] += 1
            continue
        form_type = _form_type(record)
        counts[f"status {entry['status']}"] += 1
        if form_type != UNKNOWN:
            counts["typed"] += 1
            counts[f"as {form_type}"] += 1
            typed.append({"file": t["file"], "kind": t["kind"], "form_type": form_type,
                          "status": entry["status"],
                          "form_score": record.get("form_score") if record else None})
        if t["cover_letter"]:
            fields = (record or {}).get("fields") or {}
            covers.append({
                "file": t["file"], "unit": t["unit"], "status": entry["status"],
                "reason": entry.get("reason"), "note": entry.get("note"),
                "form_type": form_type,
                "record": None if record is None else {
                    "form_score": record.get("form_score"), "flags": record.get("flags"),
                    "seal": record.get("seal"),
                    "fields": {k: (v or {}).get("value") for k, v in fields.items()},
                },
            })
    return {"kinds": {k: dict(c) for k, c in kinds.items()}, "typed": typed, "covers": covers}


def score_samples(readings: dict) -> dict:
    """The committed samples beside the strangers: status and form type as their truth says
    (as scripts/evaluate.py compares them)."""
    wrong = []
    forms = right = 0
    for t in _jsonl(SAMPLES_TRUTH):
        entry, record = readings.get((t["path"], t["page"]), (None, None))
        if entry is None:
            wrong.append({"where": f"{t['path']}#{t['page']}", "what": "lost"})
            continue
        expected = {"skipped"} if t["kind"] in ("blank", "not_form") else {t["expect"]}
        if entry["status"] not in expected:
            wrong.append({"where": f"{t['path']}#{t['page']}", "what": "status",
                          "truth": t["expect"], "got": entry["status"]})
        if t["kind"] != "form" or t["expect"] == "duplicate":
            continue
        forms += 1
        if _form_type(record) == t["form_type"]:
            right += 1
        else:
            wrong.append({"where": f"{t['path']}#{t['page']}", "what": "form_type",
                          "truth": t["form_type"], "got": _form_type(record)})
    return {"forms": forms, "typed_right": right, "wrong": wrong}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-kind", type=int, default=2)
    parser.add_argument("--with-samples", action="store_true",
                        help="scan the committed samples/paper files beside the strangers")
    parser.add_argument("--work", type=Path, help="keep the pages and outputs here")
    parser.add_argument("--workers", type=int, default=0,
                        help="formscan --workers (default: formscan's own)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a stranger is typed as a contest form")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="formscan-strangers-"))
    pages, out = work / "pages", work / "out"
    truth = generate_strangers(pages, seed=args.seed, per_kind=args.per_kind)
    if args.with_samples:
        for path in sorted(SAMPLES.iterdir()):
            shutil.copy2(path, pages / path.name)
    command = [sys.executable, "-m", "pipeline", "scan", str(pages), "--out", str(out),
               "--no-progress"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 3):  # 3: some inputs failed (the samples' bad files)
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        print(f"formscan scan exited {done.returncode}", file=sys.stderr)
        return 2
    readings = _readings(pages, out)
    result = {"strangers": score_strangers(truth, readings)}
    if args.with_samples:
        result["samples"] = score_samples(readings)
    (work / "strangers-evaluation.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")

    strangers = result["strangers"]
    total = sum(c["pages"] for c in strangers["kinds"].values())
    typed = sum(c.get("typed", 0) for c in strangers["kinds"].values())
    print(f"strangers: seed {args.seed}, {total} pages, scanned in {elapsed:.0f} s")
    print(f"typed as a contest form: {typed}/{total}")
    for kind in KINDS:
        c = strangers["kinds"].get(kind, {})
        types = ", ".join(f"{k.removeprefix('as ')} {n}" for k, n in sorted(c.items())
                          if k.startswith("as "))
        statuses = ", ".join(f"{k.removeprefix('status ')} {n}" for k, n in sorted(c.items())
                             if k.startswith("status "))
        lost = f", lost {c['lost']}" if c.get("lost") else ""
        print(f"  {kind:13s} {c.get('typed', 0)}/{c.get('pages', 0)} typed"
              f"{' (' + types + ')' if types else ''}; status: {statuses}{lost}")
    for item in strangers["typed"]:
        print("  typed", json.dumps(item, ensure_ascii=False))
    print(f"cover letters: {len(strangers['covers'])}")
    for cover in strangers["covers"]:
        print("  cover", json.dumps(cover, ensure_ascii=False))
    samples_ok = True
    if args.with_samples:
        s = result["samples"]
        samples_ok = not s["wrong"]
        print(f"samples: {s['typed_right']}/{s['forms']} forms typed as their truth says; "
              f"{len(s['wrong'])} wrong")
        for item in s["wrong"]:
            print("  wrong", json.dumps(item, ensure_ascii=False))
    print(f"details: {work / 'strangers-evaluation.json'}")
    ok = typed == 0 and samples_ok
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
