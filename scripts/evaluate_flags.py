"""Are the flags true? Per flag kind, precision and recall against a set's truth.

    python scripts/evaluate_flags.py own PAPER_DIR EMAIL_DIR OUT   # formscan's own generator
    python scripts/evaluate_flags.py devset DEVSET_DIR OUT          # a development set (truth.json)

OUT is a batch that ``formscan run`` wrote for those inputs. Counted on the paper forms, as an
office sees them: a flag is *true* when the truth says so (an unsigned form is
``missing_signature``, a work with no emailed copy ``paper_only``, an emailed copy that differs
``mismatch:<field>`` ...), or, for a flag that asks a person to look at a reading
(``unread:<key>``, ``misread:<key>``, ``low_confidence:*``, ``date_outside`` for the date), when
that reading is indeed wrong.
Prints, per kind, the flags raised, how many are false, how many true ones were missed; the
share of false flags among all; and how many forms that truly need a person are in review.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.contest import default_contest  # noqa: E402
from pipeline.forms import schemas  # noqa: E402
from pipeline.model import FormType  # noqa: E402
from pipeline.normalize import comparable  # noqa: E402

LOOK = ("unread", "misread", "low_confidence")  # flags that ask for a look at a reading
LOOKED_AT = {"date_outside": "date"}  # ... and those whose reading is not their key


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _plain(value: object) -> str:
    text = comparable(str(value)) if value is not None else ""
    return "".join(c for c in text if c not in "，。、；：:,.;-—()（）《》\"'“”·")


def expected(form_type: str, fields: dict, signature: bool, seal: bool, *, paper_only: bool,
             differs: set[str], other_seal: bool) -> set[str]:
    """The flags a paper form's truth calls for."""
    contest = default_contest()
    schema = schemas()[FormType(form_type)]
    flags = set()
    if "signature" in schema.blocks and not signature:
        flags.add("missing_signature")
    if "seal" in schema.blocks and not seal:
        flags.add("missing_seal")
    for spec in schema.fields:
        value = fields.get(spec.key)
        if value is None:
            if spec.kind == "date":
                flags.add("missing_date")
            elif spec.required:
                flags.add(f"missing_field:{spec.key}")
        elif spec.max_chars and len(str(value)) > spec.max_chars:
            flags.add("synopsis_too_long")
    date, deadline = fields.get("date"), contest.deadlines.get(form_type)
    if date and deadline and date > deadline:
        flags.add("late")
    if date and not contest.date_window[0] <= date <= contest.date_window[1]:
        flags.add("date_outside")
    if paper_only:
        flags.add("paper_only")
    flags |= {f"mismatch:{k}" for k in differs if k in schema.keys and k != "date"}
    if other_seal and seal:
        flags.add("mismatch:seal")
    return flags


def score(cases: list[tuple[dict, dict | None, set[str]]]) -> dict:
    """cases: (truth fields with form_type, record or None, expected flags)."""
    raised: Counter = Counter()
    false: Counter = Counter()
    missed: Counter = Counter()
    examples: dict[str, list] = defaultdict(list)
    needs = in_review = 0
    for truth, record, want in cases:
        got = set(record["flags"]) if record else set()
        wrong_fields = set() if record is None else {
            k for k, v in truth["fields"].items()
            if _plain(v) != _plain((record["fields"].get(k) or {}).get("value"))}
        wrong_type = record is not None and record["form_type"] != truth["form_type"]
        for flag in got:
            kind, _, key = flag.partition(":")
            if flag in want or flag == "duplicate":
                raised[kind] += flag in want
                continue
            raised[kind] += 1
            looked = LOOKED_AT.get(kind, key)
            if (kind in LOOK or kind in LOOKED_AT) and (
                    (looked == "form_type" and wrong_type) or looked in wrong_fields):
                continue
            false[kind] += 1
            examples[kind].append((truth.get("where"), flag))
        for flag in want - got:
            missed[flag.partition(":")[0]] += 1
            examples["missed " + flag.partition(":")[0]].append((truth.get("where"), flag))
        if want:
            needs += 1
            in_review += bool(record) and record["status"] != "ok"
    kinds = sorted(set(raised) | set(missed))
    return {"kinds": {k: {"raised": raised[k], "false": false[k], "missed": missed[k]}
                      for k in kinds},
            "flags": sum(raised.values()), "false": sum(false.values()),
            "needs_person": needs, "in_review": in_review, "forms": len(cases),
            "reviewed": sum(1 for _, r, _ in cases if r and r["status"] != "ok"),
            "examples": {k: v[:5] for k, v in examples.items()}}


def own_cases(paper: Path, email: Path, out: Path) -> list:
    contest = default_contest()
    records = _jsonl(out / "records.jsonl")
    by_page = {(Path(r["source"]["path"]).name, p): r for r in records
               if r["origin"] == "paper" for p in r["source"]["pages"]}
    mails = _jsonl(email / "email_truth.jsonl")
    copies = defaultdict(list)
    for m in mails:
        if m["kind"] == "form" and m.get("paper"):
            copies[(m["paper"]["path"], m["paper"]["page"])].append(m)
    cases = []
    for t in _jsonl(paper / "truth.jsonl"):
        if t["kind"] != "form" or t["expect"] != "ok":
            continue
        key = (t["path"], t["page"])
        sent = copies.get(key, [])
        unit, ring = t["fields"].get("unit"), t.get("seal_unit")
        other = bool(ring and unit and contest.canonical_unit(unit) != contest.canonical_unit(
            ring))
        want = expected(t["form_type"], t["fields"], t["signature"], t["seal"],
                        paper_only=not sent, differs={k for m in sent for k in m["changed"]},
                        other_seal=other)
        cases.append(({**t, "where": f"{t['path']}#{t['page']}"}, by_page.get(key), want))
    return cases


def devset_cases(root: Path, out: Path) -> list:
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    records = _jsonl(out / "records.jsonl")
    by_page = {(Path(r["source"]["path"]).name, p): r for r in records
               if r["origin"] == "paper" for p in r["source"]["pages"]}
    emailed = defaultdict(list)
    for d in truth["documents"]:
        if d["origin"] == "email":
            emailed[(d["work"], d["form_type"])].append(d)
    cases = []
    for d in truth["documents"]:
        if d["origin"] != "paper" or d["form_type"] == "unknown":
            continue
        sent = emailed.get((d["work"], d["form_type"]), [])
        want = expected(d["form_type"], d["fields"], d["signature"], d["seal"],
                        paper_only=not sent,
                        differs={m["differs_from_paper"] for m in sent if m["differs_from_paper"]},
                        other_seal=False)
        key = (Path(d["file"]).name, d["pages"][0])
        cases.append(({**d, "where": f"{key[0]}#{key[1]}"}, by_page.get(key), want))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["own", "devset"])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cases = own_cases(*args.paths) if args.kind == "own" else devset_cases(*args.paths)
    result = score(cases)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{'flag kind':22}{'raised':>8}{'false':>8}{'missed':>8}{'precision':>11}{'recall':>8}")
    for kind, c in result["kinds"].items():
        true = c["raised"] - c["false"]
        precision = true / c["raised"] if c["raised"] else 1.0
        recall = true / (true + c["missed"]) if true + c["missed"] else 1.0
        print(f"{kind:22}{c['raised']:>8}{c['false']:>8}{c['missed']:>8}"
              f"{precision:>10.0%}{recall:>8.0%}")
    share = result["false"] / result["flags"] if result["flags"] else 0.0
    print(f"flags on {result['forms']} paper forms: {result['flags']}, false {result['false']} "
          f"({share:.1%}); forms that need a person: {result['needs_person']}, in review "
          f"{result['in_review']}; forms in review: {result['reviewed']}")
    for kind, rows in result["examples"].items():
        print(f"  {kind}: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
