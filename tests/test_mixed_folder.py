"""A folder as offices really fill it: the committed samples beside pages that are no contest
form (invoices, receipts, other offices' forms filled and blank, notices, cover letters, a
script, a book page, a poster, an ID card, a table, a bank slip), read by the real engine and
paired with the samples' emails. No stranger is typed as a contest form; every sample form is
typed as before; every file is listed; the strangers stand in the report's own section and
nowhere in the review queue, the reconciliation, the quotas or the letters."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.api import letters, run
from pipeline.batch import BatchOptions
from pipeline.contest import default_contest
from pipeline.review import Station
from samples.generate.strangers import KINDS, generate_strangers

ROOT = Path(__file__).resolve().parents[1]
CONTEST = default_contest()
FORMS = {"work_registration", "work_authorization", "proposal_registration"}


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> tuple[Path, Path, list[dict]]:
    folder = tmp_path_factory.mktemp("mixed")
    truth = generate_strangers(folder, seed=3, per_kind=1)
    (folder / "strangers-truth.jsonl").unlink()
    for scan in (ROOT / "samples" / "paper").iterdir():
        shutil.copy(scan, folder / scan.name)
    out = folder.parent / f"{folder.name}-out"
    run(out, [str(folder)], [str(ROOT / "samples" / "email")],
        BatchOptions(progress=False, workers=2))
    return folder, out, truth


def by_file(folder: Path, out: Path) -> dict[tuple[str, int | None], tuple[dict, dict | None]]:
    records = {r["doc_id"]: r for r in lines(out / "records.jsonl")}
    return {(Path(e["path"]).name, e["page"]): (e, records.get(e.get("doc_id") or ""))
            for e in lines(out / "manifest.jsonl")}


@pytest.mark.ocr
def test_no_stranger_is_typed_and_every_sample_form_is_as_before(mixed):
    folder, out, truth = mixed
    read = by_file(folder, out)
    assert {t["kind"] for t in truth} == set(KINDS)
    for t in truth:  # every stranger listed, skipped as no form, with what it was found to be
        entry, record = read[(t["file"], t["page"])]
        assert entry["status"] == "skipped" and record["status"] == "not_a_form", t
        assert record["form_type"] == "unknown"
        if t["cover_letter"]:
            assert entry["reason"]["code"] == "cover_letter"
            assert CONTEST.canonical_unit(record["fields"]["unit"]["value"]) == \
                CONTEST.canonical_unit(t["unit"])
        else:
            assert entry["reason"]["code"] == "not_a_form" and record["other"] == "other"
    for t in lines(ROOT / "samples" / "paper-truth.jsonl"):
        entry, record = read[(t["path"], t["page"])]  # every sample file and page listed
        if t["kind"] == "form" and t["expect"] != "duplicate":
            assert record["form_type"] == t["form_type"], t["path"]
        elif t["kind"] in ("blank", "not_form"):
            assert entry["status"] == "skipped"
        else:
            assert entry["status"] == t["expect"]


@pytest.mark.ocr
def test_strangers_stand_apart_in_every_view(mixed):
    folder, out, truth = mixed
    strangers = {r["doc_id"] for r in lines(out / "records.jsonl")
                 if Path(r["source"]["path"]).name.startswith("stranger_")}
    assert len(strangers) == len(truth)
    html = (out / "report.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>',
                                html, re.S)[1])
    assert {o["doc_id"] for o in data["others"]} >= strangers
    assert not strangers & {d["doc_id"] for d in data["documents"]}
    assert {o["what"] for o in data["others"]} == {"报送函", "其他文件"}
    assert not strangers & {v.doc_id for v in Station(out, CONTEST, "王老师").queue()}
    paired = {d for p in lines(out / "reconciliation.jsonl")
              for d in (p.get("paper_doc_id"), p.get("email_doc_id"))}
    assert not strangers & paired  # no 仅纸质版 for an invoice
    audit = (out / "audit.csv").read_text(encoding="utf-8-sig")
    assert not any(doc in audit for doc in strangers)
    written = letters(out, CONTEST)
    said = "".join(p.read_text(encoding="utf-8") for p in written.folder.glob("*.eml"))
    assert "stranger_" not in said and written.letters
