"""``formscan report``: one HTML file people can check a batch with, offline.

A reader of the store. ``OUT/report.html`` holds the data as JSON and a small script that
renders it with ``textContent`` only, so text from documents (a title or subject such as
``<script>…</script>``) is always shown as text and never runs. Page thumbnails and the
crops fields were read from are small JPEGs in ``OUT/report/``, loaded lazily; the list is
paginated so a thousand documents filter without freezing the browser.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline import ingest
from pipeline.audit import places, unit_and_source, units_table
from pipeline.contest import Contest
from pipeline.i18n import (
    DEFAULT_LANG,
    catalog,
    field_names,
    flag_words,
    form_name,
    in_words,
    reason,
    text,
)
from pipeline.model import EntryStatus, Field, FormType, ManifestEntry, Origin, Record, Status
from pipeline.store import Store, write_atomic

THUMB_WIDTH = 240
CROP_MAX_WIDTH = 960  # px: a synopsis box stays readable (the page is scanned at 200 dpi)
PAGE_SIZE = 50


def _save_jpeg(image: np.ndarray, target: Path, max_width: int) -> str:
    scale = min(1.0, max_width / max(image.shape[1], 1))
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    target.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(target), image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return target.relative_to(target.parents[2]).as_posix()  # report/<kind>/<file>


def _crop(image: np.ndarray, bbox: list[float] | None, margin: int = 8) -> np.ndarray | None:
    if not bbox:
        return None
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    x0, y0 = max(x0 - margin, 0), max(y0 - margin, 0)
    x1, y1 = min(x1 + margin, w), min(y1 + margin, h)
    return image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else None


def _images(record: Record, folder: Path) -> dict:
    """Thumbnail and crops of a paper record's page, written under ``folder``."""
    if record.origin is not Origin.PAPER or not record.source.pages:
        return {}
    scan = ingest.page_image(record.source.path, record.source.pages[0])
    if scan is None:
        return {}
    # Shown as it was read: turned upright, straightened, a photo's paper cut out. The
    # records keep their boxes on the scan; here they are mapped onto that page.
    transform = record.transform
    image = transform.apply(scan) if transform else scan
    out = {"thumb": _save_jpeg(image, folder / "thumbs" / f"{record.doc_id}.jpg", THUMB_WIDTH),
           "crops": {}}
    boxes = {key: f.bbox for key, f in record.fields.items()}
    boxes["signature"] = record.signature.bbox if record.signature else None
    boxes["seal"] = record.seal.bbox if record.seal else None
    for key, bbox in boxes.items():
        if bbox and transform:
            bbox = transform.bbox_to_processed(bbox)
        crop = _crop(image, bbox)
        if crop is not None:
            out["crops"][key] = _save_jpeg(
                crop, folder / "crops" / f"{record.doc_id}-{key}.jpg", CROP_MAX_WIDTH)
    return out


def _document(record: Record, contest: Contest, images: dict, pair: dict | None,
              also_at: list[str], lang: str) -> dict:
    fields = {k: {"value": f.value, "confidence": f.confidence,
                  "source": _provenance(record, f, lang),
                  "corrected": f.corrected} for k, f in record.fields.items()}
    unit, unit_from = unit_and_source(record, contest)
    return {
        "doc_id": record.doc_id, "origin": record.origin.value,
        "form_type": record.form_type.value, "status": record.status.value,
        "path": record.source.path, "pages": record.source.pages,
        "attachment": record.source.attachment, "unit": unit, "unit_from": unit_from,
        "also_at": also_at,
        "fields": fields, "flags": record.flag_names,
        "what_to_do": in_words(record.flags, lang, record.form_type),
        "flag_words": {str(f): flag_words(f, lang, record.form_type) for f in record.flags},
        "labels": {k: field_names(lang, record.form_type).get(k, k) for k in record.fields},
        "signature": record.signature.to_dict() if record.signature else None,
        "seal": record.seal.to_dict() if record.seal else None,
        "date": (record.fields.get("date").value if record.fields.get("date") else None),
        "message": record.message.to_dict() if record.message else None,
        "images": images, "pair": pair,
    }


EVIDENCE = ("label", "vocabulary", "shape", "position")  # how OCR placed a value


def _provenance(record: Record, field: Field, lang: str = DEFAULT_LANG) -> str:
    """Where a value shown comes from, in words: what read it, and what it was read as."""
    if record.route.value in ("docx", "xlsx", "text-layer"):
        return text(lang, f"source.{record.route.value}")
    read_as = text(lang, "source.read_as", raw=field.raw) if field.raw else ""
    if field.corrected:
        return text(lang, "source.corrected") + read_as
    if field.value is None:
        return ""
    how = field.evidence.value if field.evidence else ""
    words = text(lang, f"source.{how}" if how in EVIDENCE else "source.ocr")
    return words + (read_as if field.raw != field.value else "")


def _pairs(lines: list[dict], records: dict[str, Record]) -> dict[str, dict]:
    """doc_id -> the other side's values and the differences, from the last reconciliation."""
    found: dict[str, dict] = {}
    for pair in lines:
        paper, email = pair["paper_doc_id"], pair["email_doc_id"]
        if not (paper and email and paper in records and email in records):
            continue
        for mine, other in ((paper, email), (email, paper)):
            found[mine] = {"other": other, "status": pair["status"], "diffs": pair["diffs"],
                           "other_fields": {k: f.value for k, f in
                                            records[other].fields.items()}}
    return found


def _summary(records: list[Record], failures: list[dict], contest: Contest,
             lang: str) -> dict:
    by_kind = Counter((r.form_type.value, r.origin.value) for r in records)
    units = units_table(records, contest, lang).astype(str).to_dict(orient="records")
    return {
        "documents": len(records),
        "needs_review": sum(r.status.value == "needs_review" for r in records),
        "by_type": [{"form_type": t, "origin": o, "count": n}
                    for (t, o), n in sorted(by_kind.items())],
        "units": units, "failures": failures,
    }


@dataclass
class BatchView:
    """What the store holds, read once: records, manifest, the last reconciliation, the
    documents people marked done."""

    out_dir: Path
    records: list[Record]
    manifest: list[ManifestEntry]
    reconciled: list[dict]
    reviewed: set[str]

    @classmethod
    def read(cls, out_dir: Path) -> BatchView:
        store = Store(out_dir)
        try:
            return cls(out_dir, store.records(), store.manifest(), store.reconciliation() or [],
                       store.reviewed())
        finally:
            store.close()


def documents(batch: BatchView, contest: Contest, only: set[str] | None = None,
              lang: str = DEFAULT_LANG) -> list[dict]:
    """The documents as people are shown them (values, provenance, crops written under
    ``OUT/report/``, the other copy's values), for the report and the review station."""
    pairs = _pairs(batch.reconciled, {r.doc_id: r for r in batch.records})
    folder = batch.out_dir / "report"
    also_at = places(batch.manifest)
    return [_document(r, contest, _images(r, folder), pairs.get(r.doc_id),
                      also_at.get(r.doc_id, []), lang)
            for r in batch.records if only is None or r.doc_id in only]


def names(lang: str) -> dict:
    """What the pages call form types, origins, statuses and fields, in ``lang``."""
    return {"forms": {t.value: form_name(lang, t) for t in FormType},
            "origins": {o.value: text(lang, f"origin.{o.value}") for o in Origin},
            "statuses": {s.value: text(lang, f"status.{s.value}") for s in Status},
            "fields": field_names(lang)}


def page(template: str, lang: str, title: str, **slots: object) -> str:
    """A page's template filled in one pass (a value never fills a slot of its own): its
    language, title, words, and JSON slots."""
    values = {"LANG": "en" if lang == "en" else "zh-CN", "TITLE": html.escape(title),
              "WORDS": _json({"words": catalog(lang), "names": names(lang)}), "SCRIPT": SCRIPT,
              **{slot: _json(value) for slot, value in slots.items()}}
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: values.get(m[1], m[0]), template)


def _json(value: object) -> str:
    """JSON for a <script type="application/json">: no "<", ">" or "&" left in it (escaped
    as JSON allows), so no text of a document can end or turn the element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_report(out_dir: Path, contest: Contest, lang: str = DEFAULT_LANG) -> Path:
    """Write ``OUT/report.html`` (its words in ``lang``) and its images in ``OUT/report/``."""
    batch = BatchView.read(out_dir)
    failures = [{"path": m.path, "page": m.page, "attachment": m.attachment,
                 "error": reason(m.error, lang)}
                for m in batch.manifest if m.status is EntryStatus.FAILED]
    data = {"summary": _summary(batch.records, failures, contest, lang),
            "documents": documents(batch, contest, lang=lang),
            "page_size": PAGE_SIZE}
    filled = page(TEMPLATE, lang, text(lang, "report.title", name=out_dir.name), DATA=data)
    return write_atomic(out_dir / "report.html", lambda tmp: tmp.write_text(filled, "utf-8"))


TEMPLATE = (Path(__file__).parent / "report_template.html").read_text(encoding="utf-8")
SCRIPT = (Path(__file__).parent / "page.js").read_text(encoding="utf-8")  # both pages
