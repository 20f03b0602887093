"""The committed samples read as tests/golden/ says (`make golden` refreshes it on purpose):
every record, manifest line and pairing, field by field, all differences listed at once."""

from __future__ import annotations

import json

import pytest
from golden_run import EXIT_STATUS, FILES, GOLDEN, differences, run


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    done = run(out)
    assert done.returncode == EXIT_STATUS, done.stderr  # the broken samples, listed
    return out


@pytest.mark.ocr
def test_the_committed_samples_read_as_the_golden_files_say(demo):
    assert all((GOLDEN / name).exists() for name in FILES), "no goldens: run `make golden`"
    found = differences(GOLDEN, demo)
    assert not found, (f"{len(found)} differences from tests/golden/ (an intended change of "
                       "what is read: `make golden`, then commit tests/golden/):\n"
                       + "\n".join(found))


def test_the_comparison_tolerates_what_the_ocr_may_wobble_and_names_each_difference(
        tmp_path):
    """The comparison itself, on hand-made lines: within tolerance is no difference, a new key
    is none either, and each real difference names its file, document and field."""
    record = {"doc_id": "d1", "origin": "paper", "form_type": "work_registration",
              "source": {"path": "samples/paper/a.png", "pages": [1], "attachment": None},
              "fields": {"title": {"value": "老街故事", "confidence": 0.99,
                                   "bbox": [10.0, 20.0, 110.0, 60.0]},
                         "synopsis": {"value": "本片讲述了一个平凡的人怎样成为身边的光。" * 3,
                                      "confidence": 0.97, "bbox": None}},
              "flags": ["late"], "status": "needs_review"}
    line = {"path": "samples/paper/a.png", "page": 1, "attachment": None, "status": "ok",
            "doc_id": "d1", "route": "ocr", "error": None}
    golden, out = tmp_path / "golden", tmp_path / "out"
    for folder in (golden, out):
        folder.mkdir()
    _write(golden, [record], [line])
    wobbled = json.loads(json.dumps(record))
    wobbled["fields"]["title"].update(confidence=0.975, bbox=[12.0, 18.5, 111.0, 60.0])
    synopsis = record["fields"]["synopsis"]["value"]
    wobbled["fields"]["synopsis"]["value"] = synopsis.replace("平凡", "平几", 1)  # 1 of 60
    wobbled["engine"] = "a fingerprint added later"
    _write(out, [wobbled], [{**line, "reason": "ok"}])
    assert differences(golden, out) == []

    wrong = json.loads(json.dumps(wobbled))
    wrong["fields"]["title"].update(value="老街故", confidence=0.95)
    wrong["fields"]["title"]["bbox"][2] = 120.0
    wrong["fields"]["synopsis"]["value"] = "另一段简介。" * 5
    wrong["flags"] = []
    del wrong["status"]
    _write(out, [wrong], [{**line, "error": "blank page", "status": "skipped"}])
    place = "samples/paper/a.png p1"
    assert differences(golden, out) == [
        f"records.jsonl {place}: fields.title.value: \"老街故事\" → \"老街故\"",
        f"records.jsonl {place}: fields.title.confidence: 0.99 → 0.95",
        f"records.jsonl {place}: fields.title.bbox.2: 110.0 → 120.0",
        f"records.jsonl {place}: fields.synopsis.value: \"{synopsis}\" → \"{'另一段简介。' * 5}\"",
        f"records.jsonl {place}: flags: [\"late\"] → []",
        f"records.jsonl {place}: status: missing in the new output",
        "manifest.jsonl samples/paper/a.png / 1 / -: status: \"ok\" → \"skipped\"",
        "manifest.jsonl samples/paper/a.png / 1 / -: error: null → \"blank page\"",
    ]


def _write(folder, records, manifest) -> None:
    for name, lines in (("records.jsonl", records), ("manifest.jsonl", manifest),
                        ("reconciliation.jsonl", [])):
        (folder / name).write_text("".join(json.dumps(x, ensure_ascii=False) + "\n"
                                           for x in lines), encoding="utf-8")
