"""Scanned PDF pages are read from what they show, and a sheet holding two forms is two
documents (#27): the inputs are generated here from the committed samples.

- A searchable PDF whose text layer (the scanner's own OCR, drawn under the page image or
  invisible) reads otherwise than its image: the image's values, a note naming the fields.
- An A3 landscape sheet with two forms side by side: two records, each with its own values;
  the same form printed twice on one sheet: one record and a note.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pymupdf
import pytest

from pipeline import ingest, pdf, preprocess
from pipeline.api import scan
from pipeline.batch import BatchOptions
from pipeline.classify import two_forms
from pipeline.errors import Code, Reason
from pipeline.forms import FieldKind
from pipeline.i18n import say, where
from pipeline.limits import Limits
from pipeline.model import Field, Line, Route, Word
from pipeline.store import Store

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "paper"
BORN_DIGITAL = SAMPLES / "submission_01.pdf"  # a Word export: contact 董勇, phone …698
REGISTRATION = SAMPLES / "scan_0292.png"  # 一封没寄出的信, contact 谢萍志
AUTHORIZATION = SAMPLES / "scan_0069.jpg"  # 老街故事, author 王伟雪, contact 董勇
POOR_LAYER = SAMPLES / "ocr_scan_01.pdf"  # a scan with a scanner's poor, invisible OCR layer


def _under_image(hidden: bool) -> bytes:
    """The born-digital form as a scanner's searchable PDF: the page as an image, its own
    text drawn under it (or, ``hidden``, invisible) with two values read otherwise, as a
    scanner's OCR does: 董勇 as 董男, the phone's last 8 as 0."""
    with pymupdf.open(BORN_DIGITAL) as src:
        page = src[0]
        picture = page.get_pixmap(dpi=200)
        out = pymupdf.open()
        new = out.new_page(width=page.rect.width, height=page.rect.height)
        for span in page.get_texttrace():
            text = "".join(chr(c[0]) for c in span["chars"]).replace("董勇", "董男")
            text = text.replace("15683328698", "15683328690")
            if text.strip():
                new.insert_text(span["chars"][0][2], text, fontname="china-s",
                                fontsize=span["size"], render_mode=3 if hidden else 0)
        new.insert_image(new.rect, pixmap=picture)  # drawn last: over the text
    return out.tobytes()


def _side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    height = max(left.shape[0], right.shape[0])
    return np.hstack([cv2.copyMakeBorder(im, 0, height - im.shape[0], 0, 0,
                                         cv2.BORDER_CONSTANT, value=(255, 255, 255))
                      for im in (left, right)])


def _a3_pdf(image: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", image)
    assert ok
    doc = pymupdf.open()
    page = doc.new_page(width=1191, height=842)  # A3 landscape
    page.insert_image(page.rect, stream=png.tobytes())
    return doc.tobytes()


def _read(out: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """Manifest lines by file name, records by doc_id."""
    lines = [json.loads(s) for s in (out / "manifest.jsonl").read_text("utf-8").splitlines()]
    records = [json.loads(s) for s in (out / "records.jsonl").read_text("utf-8").splitlines()]
    return {Path(m["path"]).name: m for m in lines}, {r["doc_id"]: r for r in records}


def _values(record: dict) -> dict[str, str | None]:
    return {key: f["value"] for key, f in record["fields"].items()}


# --- without OCR: what a page is, and what a witness says ------------------------------------
def test_a_page_image_covering_the_page_is_a_scan_and_its_text_only_a_witness():
    with pymupdf.open(stream=_under_image(hidden=False)) as doc:
        assert pdf.image_cover(doc[0]) > pdf.SCAN_COVER
        assert pdf.text_layer(doc[0])  # visible, real form text: the old route took it
        [item] = pdf.pages(doc, {1}, Limits(), ingest._pdf_item("under.pdf"))
    assert item.route is Route.OCR and not item.lines
    assert "董男" in "".join(line.text for line in item.witness)
    with pymupdf.open(BORN_DIGITAL) as doc:  # a Word export: its pasted seal covers a corner
        assert pdf.image_cover(doc[0]) < 0.1
        [item] = pdf.pages(doc, {1}, Limits(), ingest._pdf_item("born.pdf"))
    assert item.route is Route.TEXT_LAYER and item.lines and not item.witness
    # Read from a text layer, the doc_id hashes that text too: the same look, other text,
    # is another document.
    assert item.doc_id != ingest.pixel_hash(item.image)[:ingest.DOC_ID_LEN]


def _word_line(text: str, x: float, y: float) -> Line:
    words = [Word(c, [x + 20 * i, y, x + 20 * i + 18, y + 20], 1.0) for i, c in enumerate(text)]
    return Line(text, [x, y, x + 20 * len(text), y + 20], 1.0, words)


def test_a_witness_names_the_values_it_reads_otherwise():
    fields = {
        "contact": Field("董勇", 0.99, 1, [200, 100, 240, 120]),
        "phone": Field("15683328698", 0.99, 1, [200, 200, 420, 220]),
        "date": Field("2023-08-25", 0.99, 1, [200, 300, 480, 320]),  # 2023年8月25日
        "unit": Field("中共忻州市委宣传部", 0.99, 1, [200, 400, 340, 420], raw="忻州市委宣传部"),
        "title": Field("老街故事", 0.99, 1, [200, 500, 280, 520]),  # no layer text there
    }
    witness = [_word_line("联系人：董男", 100, 100), _word_line("15683328690", 200, 200),
               _word_line("2023年8月25日", 200, 300), _word_line("忻州市委宣传部", 200, 400)]
    kinds = {"phone": FieldKind.PHONE, "date": FieldKind.DATE}
    compared, differing = pdf.disagreeing(fields, witness, kinds)
    assert compared == 4 and differing == ["contact", "phone"]
    said = say(Reason(Code.TEXT_LAYER_DIFFERS, {"fields": differing,
                                                "form": "work_registration"}), "zh")
    assert "联系人、电话" in said and "按页面图像识别" in said


def test_two_titles_side_by_side_make_a_two_form_sheet_and_the_gutter_lies_between():
    left, right = cv2.imread(str(REGISTRATION)), cv2.imread(str(AUTHORIZATION))
    sheet = _side_by_side(left, right)
    h, w = sheet.shape[:2]
    titles = [_word_line("作品登记表", 600, 150), _word_line("作品授权书", w // 2 + 600, 150)]
    assert two_forms(titles, w, h)
    assert not two_forms(titles[:1], w, h)  # one title: one form
    assert not two_forms(titles, h, w)  # a portrait page holds one form
    across = [_word_line("作品登记表", w // 2 - 40, 150), titles[1]]
    assert not two_forms(across, w, h)  # a line across the middle is no half's title
    assert abs(preprocess.gutter(sheet) - left.shape[1]) < 0.05 * w


# --- with OCR ------------------------------------------------------------------------------
@pytest.mark.ocr
def test_a_scanners_text_layer_is_a_witness_not_the_reading(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "under_image.pdf").write_bytes(_under_image(hidden=False))
    (folder / "z_invisible.pdf").write_bytes(_under_image(hidden=True))
    for name in ("submission_01.pdf", "ocr_scan_01.pdf"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    out = tmp_path / "out"
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    lines, records = _read(out)

    under = lines["under_image.pdf"]
    assert (under["status"], under["route"]) == ("ok", "ocr")
    [note] = under["notes"]
    assert note == {"code": "text_layer_differs", "params": {
        "fields": ["contact", "phone"], "form": "work_registration"}}
    with Store(out, read_only=True) as store:
        said = say(next(e for e in store.manifest() if e.path.endswith("under_image.pdf")
                        ).notes[0], "zh")
    assert said == ("扫描件自带的文字层与页面图像不符（联系人、电话）：已按页面图像识别，"
                    "请对照原件核对这几项")
    read = records[under["doc_id"]]
    assert (_values(read)["contact"], _values(read)["phone"]) == ("董勇", "15683328698")
    assert read["fields"]["contact"]["confidence"] < 1.0  # OCR's, not a text layer's 1.0
    # The invisible layer's copy is the same page read the same: one document, not a race.
    hidden = lines["z_invisible.pdf"]
    assert hidden["status"] == "duplicate" and hidden["doc_id"] == under["doc_id"]
    # The born-digital form is read from its text layer as before, and is its own document.
    born = lines["submission_01.pdf"]
    assert (born["status"], born["route"]) == ("ok", "text-layer")
    assert born["doc_id"] != under["doc_id"] and "notes" not in born
    assert _values(records[born["doc_id"]])["contact"] == "董勇"
    # A scanner's layer that reads most values otherwise is poor: said once, no field list.
    poor = lines["ocr_scan_01.pdf"]
    assert poor["status"] == "ok" and poor["route"] == "ocr"
    assert [n["code"] for n in poor["notes"]] == ["text_layer_poor"]
    assert _values(records[poor["doc_id"]])["title"]


@pytest.mark.ocr
def test_two_forms_on_one_sheet_are_two_documents_and_one_printed_twice_is_one(tmp_path):
    registration, authorization = (cv2.imread(str(p)) for p in (REGISTRATION, AUTHORIZATION))
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "a3_two_forms.png"), _side_by_side(registration, authorization))
    (folder / "a3_twice.pdf").write_bytes(_a3_pdf(_side_by_side(registration, registration)))
    out = tmp_path / "out"
    summary = scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    lines, records = _read(out)

    two = lines["a3_two_forms.png"]
    assert two["status"] == "ok" and two["page"] == 1
    assert set(two["halves"]) == {"left", "right"} and two["doc_id"] == two["halves"]["left"]
    assert [n["code"] for n in two["notes"]] == ["two_up"]
    left, right = records[two["halves"]["left"]], records[two["halves"]["right"]]
    assert (left["form_type"], left["source"]["half"]) == ("work_registration", "left")
    assert (right["form_type"], right["source"]["half"]) == ("work_authorization", "right")
    assert _values(left)["contact"] == "谢萍志" and _values(left)["creators"].startswith("黄志文、")
    assert (_values(right)["author"], _values(right)["contact"]) == ("王伟雪", "董勇")
    assert _values(right)["phone"] == "15683328698"
    # Each half's boxes lie on its own half of the sheet as scanned.
    width = registration.shape[1]
    assert left["fields"]["phone"]["bbox"][2] < width < right["fields"]["phone"]["bbox"][0]
    with Store(out, read_only=True) as store:
        entry = next(e for e in store.manifest() if e.path.endswith("a3_two_forms.png"))
        assert say(entry.notes[0], "zh") == ("本页并排两份表格：左半、右半已分别读为两份文件，"
                                             "请分别核对")
        placed = {r.doc_id: where("zh", r.source.place) for r in store.records()}
        assert placed[right["doc_id"]].endswith("a3_two_forms.png 第 1 页右半")
        assert (out / "report" / "crops" / f"{right['doc_id']}-author.jpg").exists()

    twice = lines["a3_twice.pdf"]
    assert twice["status"] == "ok" and "halves" not in twice
    assert [n["code"] for n in twice["notes"]] == ["two_up_same"]
    once = records[twice["doc_id"]]
    assert _values(once)["contact"] == "谢萍志" and "half" not in once["source"]
    assert sum(r["source"]["path"].endswith("a3_twice.pdf") for r in records.values()) == 1
    assert summary.documents == {"work_registration": 2, "work_authorization": 1}

    # A rerun reads nothing again and leaves the same documents: no duplicate, no loss; nor
    # does a sheet read again from scratch (as when the engine changed): its left half keeps
    # the sheet's doc_id, and is no duplicate of itself.
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    assert _read(out) == (lines, records)
    with Store(out) as store:
        store.forget_file(str(folder / "a3_two_forms.png"))
    redo = scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    assert sum(redo.done_now.values()) == 1  # that sheet's line, read again
    again, stored = _read(out)
    assert again["a3_two_forms.png"]["status"] == "ok"
    assert again["a3_two_forms.png"]["halves"] == two["halves"] and stored.keys() == records.keys()
