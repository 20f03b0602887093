"""The report: one HTML file people can check a batch with, offline; and the documents as
people are shown them, for the report and the review station.

``OUT/report.html`` holds the data as JSON and a small script that renders it with
``textContent`` only, so text from documents (a title or subject such as
``<script>…</script>``) is always shown as text and never runs. Page thumbnails and the crops
values were read from are the small JPEGs the store keeps in ``OUT/report/`` (made once, when
each page was read), loaded lazily; the list is paginated so a thousand documents filter
without freezing the browser. Nothing here opens an input or writes the store.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.audit import places, record_unit, unit_and_source, units_table
from pipeline.contest import Contest
from pipeline.forms import Block, schemas
from pipeline.i18n import (
    DEFAULT_LANG,
    catalog,
    field_names,
    flag_words,
    form_name,
    in_words,
    say,
    text,
    where,
)
from pipeline.model import (
    EntryStatus,
    Field,
    FormType,
    ManifestEntry,
    Origin,
    OtherKind,
    Record,
    Route,
    Status,
)
from pipeline.reconcile import Pair
from pipeline.store import THUMB, Store, write_atomic

PAGE_SIZE = 50


@dataclass
class FieldView:
    value: str | None
    confidence: float
    source: str  # where the value comes from, in words
    corrected: bool


@dataclass
class PairView:
    """The other copy of a document, from the last reconciliation."""

    other: str
    status: str
    diffs: list[dict]
    other_fields: dict[str, str | None]


@dataclass
class DocumentView:
    """One document as people are shown it (the pages' JSON is its ``to_dict``)."""

    doc_id: str
    origin: str
    form_type: str
    status: str
    where: str  # the file, attachment and page, in words
    path: str
    pages: list[int]
    attachment: str | None
    unit: str | None
    unit_from: str | None
    also_at: list[str]
    fields: dict[str, FieldView]
    flags: list[str]
    what_to_do: str
    flag_words: dict[str, str]
    labels: dict[str, str]
    signature: dict | None
    seal: dict | None
    date: str | None
    message: dict | None
    images: dict[str, Any]
    pair: PairView | None = None
    done: bool = False  # a person marked it done at the review station
    consent: list[dict] = field(default_factory=list)  # the clause verdicts read
    kinds: dict[str, str] = field(default_factory=dict)  # field -> kind (multiline: a textarea)
    clauses: list[int] = field(default_factory=list)  # the consent clauses its form carries

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BatchView:
    """What the store holds, read once: records, manifest, the last reconciliation, the
    documents people marked done, the pictures kept."""

    out_dir: Path
    records: list[Record]
    manifest: list[ManifestEntry]
    pairs: list[Pair] = field(default_factory=list)
    reviewed: dict[str, str] = field(default_factory=dict)  # doc_id -> who marked it done
    pictures: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, store: Store, pairs: list[Pair] | None = None) -> BatchView:
        """What ``store`` holds (``pairs``: the reconciliation, when the caller has it)."""
        records = store.records()
        if pairs is None:
            by_id = {r.doc_id: r for r in records}
            pairs = [p for line in store.reconciliation() or []
                     if (p := Pair.from_dict(line, by_id)) is not None]
        return cls(store.out_dir, records, store.manifest(), pairs, store.reviewed(),
                   store.pictures())

    @classmethod
    def read(cls, out_dir: Path) -> BatchView:
        """The batch in ``out_dir``, read-only (a scan may be writing it)."""
        with Store(out_dir, read_only=True) as store:
            return cls.of(store)


TYPED = frozenset({Route.DOCX, Route.XLSX, Route.TEXT_LAYER})  # text as the unit typed it


def provenance(record: Record, f: Field, lang: str = DEFAULT_LANG) -> str:
    """Where a value shown comes from, in words: what read it, and what it was read as."""
    if record.route in TYPED:
        return text(lang, f"source.{record.route.value}")
    read_as = text(lang, "source.read_as", raw=f.raw) if f.raw else ""
    if f.corrected:
        return text(lang, "source.corrected") + read_as
    if f.value is None:
        return ""
    return text(lang, f"source.{f.evidence.value}") + (read_as if f.raw != f.value else "")


def _pair_views(pairs: list[Pair]) -> dict[str, PairView]:
    """doc_id -> the other side's values and the differences."""
    found: dict[str, PairView] = {}
    for pair in pairs:
        if pair.paper is None or pair.email is None:
            continue
        diffs = [d.to_dict() for d in pair.diffs]
        for mine, other in ((pair.paper, pair.email), (pair.email, pair.paper)):
            found[mine.doc_id] = PairView(other.doc_id, pair.status.value, diffs,
                                          {k: f.value for k, f in other.fields.items()})
    return found


def _document(record: Record, contest: Contest, images: dict[str, str], pair: PairView | None,
              also_at: list[str], lang: str) -> DocumentView:
    unit, unit_from = unit_and_source(record, contest)
    names = field_names(lang, record.form_type)
    schema = schemas().get(record.form_type)
    specs = {spec.key: spec for spec in schema.fields} if schema else {}
    date = record.fields.get("date")
    return DocumentView(
        doc_id=record.doc_id, origin=record.origin.value, form_type=record.form_type.value,
        status=record.status.value, where=where(lang, record.source.place),
        path=record.source.path, pages=record.source.pages,
        attachment=record.source.attachment, unit=unit,
        unit_from=unit_from.value if unit_from else None, also_at=also_at,
        fields={k: FieldView(f.value, f.confidence, provenance(record, f, lang), f.corrected)
                for k, f in record.fields.items()},
        flags=record.flag_names, what_to_do=in_words(record.flags, lang, record.form_type),
        flag_words={str(f): flag_words(f, lang, record.form_type) for f in record.flags},
        labels={k: names.get(k, k) for k in record.fields},
        signature=record.signature.to_dict() if record.signature else None,
        seal=record.seal.to_dict() if record.seal else None,
        date=date.value if date else None,
        message=record.message.to_dict() if record.message else None,
        images={"thumb": images.get(THUMB),
                "crops": {k: v for k, v in images.items() if k != THUMB}} if images else {},
        pair=pair, consent=[c.to_dict() for c in record.consent],
        kinds={k: specs[k].kind.value if k in specs else "text" for k in record.fields},
        clauses=list(range(1, len(contest.clauses) + 1))
        if schema and Block.CLAUSES in schema.blocks else [])


def documents(batch: BatchView, contest: Contest, only: set[str] | None = None,
              lang: str = DEFAULT_LANG) -> list[DocumentView]:
    """The documents as people are shown them (values, provenance, pictures, the other
    copy's values), for the report and the review station."""
    pairs = _pair_views(batch.pairs)
    also_at = places(batch.manifest, lang)
    return [_document(r, contest, batch.pictures.get(r.doc_id, {}), pairs.get(r.doc_id),
                      also_at.get(r.doc_id, []), lang)
            for r in batch.records if only is None or r.doc_id in only]


def others(batch: BatchView, contest: Contest, lang: str = DEFAULT_LANG) -> list[dict]:
    """The pages that are no contest form, apart from the forms: where, what each was found
    to be (a unit's cover letter and its unit, another document), its thumbnail."""
    found = []
    for r in batch.records:
        if r.status is not Status.NOT_A_FORM:
            continue
        thumb = batch.pictures.get(r.doc_id, {}).get(THUMB)
        found.append({"doc_id": r.doc_id, "where": where(lang, r.source.place),
                      "origin": r.origin.value,
                      "what": text(lang, f"other.{(r.other or OtherKind.OTHER).value}"),
                      "unit": record_unit(r, contest), "thumb": thumb})
    return found


def _summary(batch: BatchView, contest: Contest, lang: str) -> dict:
    records = [r for r in batch.records if r.status is not Status.NOT_A_FORM]
    by_kind = Counter((r.form_type.value, r.origin.value) for r in records)
    units = units_table(records, contest, lang).astype(str).to_dict(orient="records")
    failures = [{"where": where(lang, m.place), "error": say(m.reason, lang)}
                for m in batch.manifest if m.status is EntryStatus.FAILED]
    return {
        "documents": len(records),
        "others": len(batch.records) - len(records),
        "needs_review": sum(r.status is Status.NEEDS_REVIEW for r in records),
        "by_type": [{"form_type": t, "origin": o, "count": n}
                    for (t, o), n in sorted(by_kind.items())],
        "units": units, "failures": failures,
    }


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


def write_report(batch: BatchView, contest: Contest, lang: str = DEFAULT_LANG) -> Path:
    """Write ``OUT/report.html`` (its words in ``lang``) over the pictures in
    ``OUT/report/``."""
    forms = {r.doc_id for r in batch.records if r.status is not Status.NOT_A_FORM}
    data = {"summary": _summary(batch, contest, lang),
            "documents": [d.to_dict() for d in documents(batch, contest, forms, lang)],
            "others": others(batch, contest, lang),
            "page_size": PAGE_SIZE}
    filled = page(TEMPLATE, lang, text(lang, "report.title", name=batch.out_dir.name),
                  DATA=data)
    return write_atomic(batch.out_dir / "report.html", lambda tmp: tmp.write_text(filled, "utf-8"))


TEMPLATE = (Path(__file__).parent / "report_template.html").read_text(encoding="utf-8")
SCRIPT = (Path(__file__).parent / "page.js").read_text(encoding="utf-8")  # both pages
