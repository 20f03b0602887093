"""Accuracy of `formscan scan` on freshly generated samples whose truth is known.

    python scripts/evaluate.py --seed 2024 --forms 36 [--layout lines] [--check]

Generates a new sample set (seed != the committed samples'), scans it with the real OCR,
and compares with truth.jsonl: every page accounted for in the manifest, form type
accuracy, and field values exactly right after normalisation. ``--check`` exits 1 when a
figure is below its bar: form type >= 98%, fields >= 95%, nothing lost; signature and seal
present/absent >= 97%, date >= 95%.

``--layout lines`` (or ``mixed``) generates the forms units retype without a table (see
``samples.generate``); the figures then also count, per way of ticking an option row
(printed, by pen, none ticked, two ticked) and per way of writing the date, how many were
read right, and how many doubly ticked rows were left empty and flagged for a person
(``many_ticks:<key>``, or ``unread:<key>`` where the row could not be told).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.api import scan  # noqa: E402
from pipeline.batch import BatchOptions  # noqa: E402
from pipeline.normalize import comparable  # noqa: E402
from pipeline.ocr import DEFAULT_ENGINE, DET_SIDE  # noqa: E402
from samples.generate import Layout, generate  # noqa: E402

FORM_TYPE_BAR = 0.98
FIELD_BAR = 0.95
VERDICT_BARS = {"signature": 0.97, "seal": 0.97, "date": 0.95}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(sample_dir: Path, out_dir: Path) -> dict:
    """Compare the outputs in ``out_dir`` with ``sample_dir/truth.jsonl``."""
    truth = _jsonl(sample_dir / "truth.jsonl")
    manifest = {(Path(m["path"]).relative_to(sample_dir).as_posix(), m["page"]): m
                for m in _jsonl(out_dir / "manifest.jsonl")}
    records = {r["doc_id"]: r for r in _jsonl(out_dir / "records.jsonl")}

    lost, wrong_status = [], []
    type_total = type_right = 0
    field_total = field_right = 0
    per_key: dict[str, Counter] = defaultdict(Counter)
    verdicts: dict[str, Counter] = {name: Counter() for name in VERDICT_BARS}
    variations: dict[str, Counter] = defaultdict(Counter)
    errors = []
    for t in truth:
        entry = manifest.get((t["path"], t["page"]))
        if entry is None:
            lost.append((t["path"], t["page"]))
            continue
        expected = {"skipped"} if t["kind"] in ("blank", "not_form") else {t["expect"]}
        if entry["status"] not in expected:
            wrong_status.append((t["path"], t["page"], t["expect"], entry["status"]))
        if t["kind"] != "form" or t["expect"] == "duplicate":
            continue
        record = records.get(entry["doc_id"] or "")
        type_total += 1
        if record is None or record["form_type"] != t["form_type"]:
            errors.append({"where": f"{t['path']}#{t['page']}", "field": "form_type",
                           "truth": t["form_type"], "got": record and record["form_type"]})
            field_total += len(t["fields"])
            continue
        type_right += 1
        _score_verdicts(t, record, verdicts, errors)
        for key, want in t["fields"].items():
            got = (record["fields"].get(key) or {}).get("value")
            ok = comparable(got) == comparable(want)
            field_total += 1
            field_right += ok
            per_key[key]["right" if ok else "wrong"] += 1
            for variation in _variations(t, key):
                variations[variation]["right" if ok else "wrong"] += 1
            if not ok:
                errors.append({"where": f"{t['path']}#{t['page']}", "field": key,
                               "truth": want, "got": got,
                               "handwritten": key in t.get("handwritten", [])})
    return {
        "pages_in_truth": len(truth),
        "lost": lost,
        "wrong_status": wrong_status,
        "form_type_accuracy": type_right / type_total if type_total else 0.0,
        "forms": type_total,
        "field_accuracy": field_right / field_total if field_total else 0.0,
        "fields": field_total,
        "per_field": {k: round(c["right"] / (c["right"] + c["wrong"]), 3)
                      for k, c in sorted(per_key.items())},
        "variations": {k: dict(c) for k, c in sorted(variations.items())},
        "unread": _score_unread(truth, manifest, records),
        "verdicts": {name: dict(c) for name, c in verdicts.items()},
        "verdict_accuracy": {name: (c["tp"] + c["tn"]) / max(sum(c.values()), 1)
                             for name, c in verdicts.items()},
        "errors": errors,
    }


def _variations(t: dict, key: str) -> list[str]:
    """The ways a retyped form (layout lines) writes ``key``: ``tick printed`` (by pen, none,
    two) for an option row, ``date <way>`` for the date."""
    layout = t.get("layout") or {}
    row = (layout.get("options") or {}).get(key)
    if row is not None:
        count = len(row["ticked"])
        how = {0: "none", 2: "two"}.get(count) or (
            "by pen" if row["mark"] in ("pen_tick", "pen_circle") else "printed")
        return [f"tick {how}", f"tick {row['mark']}"] if count == 1 else [f"tick {how}"]
    writing = layout.get("date")
    if key == "date" and writing:
        return [f"date {writing['way']}"] + (["date with time"] if writing["time"] else [])
    return []


def _score_unread(truth: list[dict], manifest: dict, records: dict) -> dict[str, int]:
    """Values no reader can take (two options ticked): left empty and flagged for a person."""
    out = Counter()
    for t in truth:
        for key in t.get("unread", ()):
            entry = manifest.get((t["path"], t["page"]))
            record = records.get((entry or {}).get("doc_id") or "")
            out["total"] += 1
            if record is None:
                continue
            out["left empty"] += (record["fields"].get(key) or {}).get("value") is None
            flags = record.get("flags", ())
            out["flagged"] += f"many_ticks:{key}" in flags or f"unread:{key}" in flags
    return dict(out)


def _score_verdicts(t: dict, record: dict, verdicts: dict[str, Counter], errors: list) -> None:
    """Confusion counts of signature / seal / date present vs truth (tp, fn, fp, tn)."""
    got = {
        "signature": (record.get("signature") or {}).get("present"),
        "seal": (record.get("seal") or {}).get("present"),
        "date": (record["fields"].get("date") or {}).get("value") is not None,
    }
    want = {"signature": t["signature"], "seal": t["seal"], "date": t["date_present"]}
    for name, truth in want.items():
        guess = bool(got[name])
        verdicts[name][("t" if guess == truth else "f") + ("p" if guess else "n")] += 1
        if guess != truth:
            errors.append({"where": f"{t['path']}#{t['page']}", "field": f"{name} present",
                           "truth": truth, "got": guess, "grey": t["layout"].get("grey")})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--forms", type=int, default=36)
    parser.add_argument("--work", type=Path, help="keep samples and outputs here")
    parser.add_argument("--check", action="store_true", help="exit 1 below the bars")
    parser.add_argument("--det-side", type=int, default=DET_SIDE,
                        help="the long side text detection runs at")
    parser.add_argument("--engine", default=DEFAULT_ENGINE, help="OCR engine (formscan --engine)")
    parser.add_argument("--layout", choices=[layout.value for layout in Layout],
                        default=Layout.TABLE.value,
                        help="how the units print the forms: table (default), lines (retyped "
                             "without a table), mixed")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="formscan-eval-"))
    samples, out = work / "samples", work / "out"
    generate(samples, seed=args.seed, n_forms=args.forms, layout=args.layout)
    start = time.perf_counter()
    scan([str(samples)], out, BatchOptions(engine=args.engine, progress=sys.stderr.isatty(),
                                           det_side=args.det_side))
    elapsed = time.perf_counter() - start
    result = evaluate(samples, out)
    (work / "evaluation.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"samples: seed {args.seed}, layout {args.layout}, {result['pages_in_truth']} pages "
          f"and files in truth, "
          f"{result['forms']} forms, scanned in {elapsed:.0f} s")
    print(f"accounted for: {result['pages_in_truth'] - len(result['lost'])}/"
          f"{result['pages_in_truth']}; unexpected status: {len(result['wrong_status'])}")
    for item in result["wrong_status"]:
        print("  status", item)
    print(f"form type: {result['form_type_accuracy']:.1%} of {result['forms']}")
    print(f"fields exact after normalisation: {result['field_accuracy']:.1%} of "
          f"{result['fields']}")
    print("per field: " + ", ".join(f"{k} {v:.0%}" for k, v in result["per_field"].items()))
    if result["variations"]:
        print("by variation: " + ", ".join(
            f"{k} {c.get('right', 0)}/{c.get('right', 0) + c.get('wrong', 0)}"
            for k, c in result["variations"].items()))
    if result["unread"]:
        u = result["unread"]
        print(f"two options ticked: {u.get('left empty', 0)}/{u['total']} left empty, "
              f"{u.get('flagged', 0)}/{u['total']} flagged for a person")
    for name, counts in result["verdicts"].items():
        c = Counter(counts)
        print(f"{name} present/absent: {result['verdict_accuracy'][name]:.1%} right "
              f"(present found {c['tp']}, present missed {c['fn']}, absent called present "
              f"{c['fp']}, absent found {c['tn']})")
    for err in result["errors"]:
        print("  wrong", json.dumps(err, ensure_ascii=False))
    print(f"details: {work / 'evaluation.json'}")
    ok = (not result["lost"] and result["form_type_accuracy"] >= FORM_TYPE_BAR
          and result["field_accuracy"] >= FIELD_BAR
          and all(result["verdict_accuracy"][k] >= bar for k, bar in VERDICT_BARS.items()))
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
