"""One refresh: each command writes every file of the batch once, a correction re-checks only
the document it touched, views read the batch while a scan holds it, each input is opened
once per run, and a reading knows what read it."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from conftest import read_jsonl

from pipeline import api, checks, mail, ocr, sources
from pipeline.batch import BatchOptions
from pipeline.contest import default_contest
from pipeline.model import FormType
from pipeline.review import serve
from pipeline.store import Store

pytestmark = pytest.mark.ocr
ROOT = Path(__file__).resolve().parents[1]
TEXT_PDF = ROOT / "samples" / "paper" / "submission_01.pdf"  # a work registration, typed
PHOTO = ROOT / "samples" / "paper" / "IMG_7946.jpg"  # a proposal form, photographed
MAIL = ROOT / "samples" / "email" / "mail_001.eml"
EXPORTS = ("records.jsonl", "records.csv", "records.xlsx", "manifest.jsonl",
           "reconciliation.jsonl", "reconciliation.csv", "reconciliation.xlsx", "audit.csv",
           "audit.xlsx", "units.csv", "units.xlsx", "report.html")


@pytest.fixture
def written(monkeypatch) -> Counter:
    """How many times each file of the batch is written (every write ends in os.replace)."""
    counts: Counter = Counter()
    real = os.replace

    def counting(src, dst, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        counts[Path(dst).name] += 1
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", counting)
    return counts


def _options(**kw) -> BatchOptions:
    return BatchOptions(progress=False, workers=1, **kw)


def test_run_writes_each_file_of_the_batch_once(tmp_path, written):
    api.run(tmp_path / "out", [str(TEXT_PDF)], [str(MAIL)], _options())
    assert {name: written[name] for name in EXPORTS} == dict.fromkeys(EXPORTS, 1)
    pictures = [n for n in written if n.endswith(".jpg")]
    assert pictures and all(written[n] == 1 for n in pictures)  # made once, when read


@pytest.fixture
def batch(tmp_path) -> Path:
    out = tmp_path / "out"
    api.run(out, [str(TEXT_PDF)], [str(MAIL)], _options())
    return out


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"X-Token": token,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.fixture
def station(batch):
    server = serve(batch, default_contest(), port=0, who="测试员")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", server.station
    server.shutdown()
    server.server_close()


def test_a_correction_rewrites_the_files_once_and_checks_only_its_document(
        batch, station, written, monkeypatch):
    url, state = station
    checked: list[str] = []
    real = checks.apply_checks

    def counting(record, schema, contest):  # noqa: ANN001
        checked.append(record.doc_id)
        real(record, schema, contest)

    monkeypatch.setattr("pipeline.refresh.apply_checks", counting)
    records = read_jsonl(batch / "records.jsonl")
    paper = next(r for r in records if r["origin"] == "paper")
    status, doc = _post(url + "api/correct", state.token,
                        {"doc_id": paper["doc_id"], "field": "phone", "value": "13912345678"})
    assert status == 200 and doc["fields"]["phone"]["value"] == "13912345678"
    assert checked == [paper["doc_id"]]
    assert {name: written[name] for name in EXPORTS} == dict.fromkeys(EXPORTS, 1)
    assert not [n for n in written if n.endswith(".jpg")]  # pictures are not made again
    stored = {r["doc_id"]: r for r in read_jsonl(batch / "records.jsonl")}
    assert stored[paper["doc_id"]]["fields"]["phone"]["corrected"]


def test_the_station_answers_while_a_scan_holds_the_batch(batch, station):
    url, state = station
    holder = Store(batch)  # as a scan does while it reads
    try:
        with urllib.request.urlopen(urllib.request.Request(
                url + "api/queue", headers={"X-Token": state.token}), timeout=30) as answer:
            queue = json.loads(answer.read())
        assert answer.status == 200 and queue and all("doc_id" in d for d in queue)
        # A change waits for the batch: refused, said in Chinese, nothing lost.
        status, body = _post(url + "api/correct", state.token,
                             {"doc_id": queue[0]["doc_id"], "field": "title", "value": "新"})
        assert status == 409 and body["code"] == "batch_busy" and "正被另一个 formscan" in (
            body["error"])
    finally:
        holder.close()
    assert api.report(batch) == batch / "report.html"  # a view: no lock taken


def test_a_rerun_with_another_engine_reads_the_pages_again_and_says_so(tmp_path, capsys):
    from pipeline.cli import main

    out = tmp_path / "out"
    assert main(["scan", str(PHOTO), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    first = read_jsonl(out / "manifest.jsonl")
    assert first[0]["read_by"]["engine"] == "rapidocr-openvino"
    assert set(first[0]["read_by"]["models"]) == {"det", "rec", "cls"}
    assert main(["scan", str(PHOTO), "--out", str(out), "--workers", "1", "--no-progress",
                 "--engine", "rapidocr"]) == 0
    said = capsys.readouterr().out
    assert "重新读取 1 个文件：识别引擎与上次读取时不同" in said
    (line,) = read_jsonl(out / "manifest.jsonl")
    (record,) = read_jsonl(out / "records.jsonl")
    assert line["read_by"]["engine"] == record["read_by"]["engine"] == "rapidocr"
    assert line["read_by"]["models"] == first[0]["read_by"]["models"]  # the same files
    # The same engine again: nothing is read, nothing opened.
    assert main(["scan", str(PHOTO), "--out", str(out), "--workers", "1", "--no-progress",
                 "--engine", "rapidocr"]) == 0
    assert "读取 0 页" in capsys.readouterr().out


def test_an_overridden_model_file_is_checksummed_into_the_fingerprint(tmp_path, monkeypatch):
    shipped = ocr.resolve_models()
    copy = tmp_path / "rec.onnx"
    copy.write_bytes(shipped["rec"].read_bytes() + b"\0")  # another file, however alike
    before = ocr.fingerprint("rapidocr")
    monkeypatch.setenv("FORMSCAN_REC_MODEL", str(copy))
    after = ocr.fingerprint("rapidocr")
    assert after.differs(before) == ["models"]
    assert dict(after.models)["rec"] == ocr.checksum(copy)[:ocr.FINGERPRINT_HASH]


def test_each_input_is_opened_once_and_not_at_all_when_read_whole(tmp_path, monkeypatch):
    opened: Counter = Counter()

    def counting(name, real):  # noqa: ANN001, ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003
            opened[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(mail, "read_mail", counting("mail", mail.read_mail))
    monkeypatch.setattr(mail, "docx_pages", counting("docx", mail.docx_pages))
    monkeypatch.setattr(sources.ingest, "open_scan", counting("scan", sources.ingest.open_scan))
    folder = ROOT / "samples" / "email"
    messages = [p for p in folder.iterdir() if p.is_file()]
    out = tmp_path / "out"
    api.read(out, [str(TEXT_PDF)], [str(folder)], _options())
    docx = sum(1 for line in read_jsonl(out / "manifest.jsonl")
               if (line["attachment"] or line["path"]).endswith(".docx"))
    assert opened["mail"] == len(messages) and opened["scan"] == 1
    assert 0 < opened["docx"] <= docx  # once per Word file (one may hold several forms)
    opened.clear()
    again = api.read(out, [str(TEXT_PDF)], [str(folder)], _options())
    assert not opened  # nothing new: no file opened, parsed or converted
    assert all(sum(s.done_now.values()) == 0 for s in again.summaries)
    assert again.summaries[1].kept == len(read_jsonl(out / "manifest.jsonl")) - 1


def test_a_reading_knows_what_read_it_on_every_line_and_record(batch):
    for line in read_jsonl(batch / "manifest.jsonl"):
        assert line["read_by"]["formscan"] and line["read_by"]["engine"]
    for record in read_jsonl(batch / "records.jsonl"):
        assert record["read_by"]["det_side"] == 960
    assert {FormType(r["form_type"]) for r in read_jsonl(batch / "records.jsonl")}
