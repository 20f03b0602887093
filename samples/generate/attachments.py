"""The attachments units email: the forms retyped in Word (.docx), typed into a spreadsheet
(.xlsx) or exported from Word as PDF, and a covering letter. No signature, no seal.

Same seed, same bytes: zip entries and Office core properties carry fixed dates.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date, datetime

import docx
import openpyxl

from pipeline.contest import Unit
from samples.generate.content import COVER_BODY, COVER_TITLE, FormContent, person, phone
from samples.generate.draw import draw_form
from samples.generate.facts import (
    CLAUSES,
    CONSENT_HEADING,
    CONTEST,
    FIELDS,
    FORM_TITLES,
    NUMBERINGS,
    PAIRABLE,
    PROPOSAL,
    SCHEMAS,
    TITLES,
    date_label,
    field_label,
    pick_label_variants,
    signature_label,
)
from samples.generate.files import pdf_bytes

ZIP_DATE = (2023, 9, 1, 9, 0, 0)  # every zip entry of a .docx / .xlsx gets this timestamp
OFFICE_DATE = "2023-09-01T09:00:00Z"


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _office_zip(data: bytes) -> bytes:
    """Rewrite a .docx/.xlsx zip with fixed timestamps and fixed core-property dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>" + OFFICE_DATE.encode(), blob)
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_DATE), blob,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _clause_texts(rng: random.Random) -> list[str]:
    numbering = rng.choice(NUMBERINGS)
    return [numbering.format(i) + clause for i, clause in enumerate(CLAUSES, 1)]


def _row_keys(form: FormContent) -> list[str]:
    return [k for k in FIELDS[form.form_type]
            if k not in ("date", "synopsis") and k not in form.absent]


def docx_form(form: FormContent, rng: random.Random) -> bytes:
    """The form as retyped in Word: title, a label | value table, clauses, no signature."""
    doc = docx.Document()
    props = doc.core_properties
    props.author = rng.choice(("Administrator", "user", "微软用户", person(rng)))
    props.created = props.modified = datetime(2023, 9, 1, 9, 0, 0)
    props.last_modified_by = props.author
    props.revision = rng.randint(1, 9)
    if form.form_type == PROPOSAL and rng.random() < 0.5:
        doc.add_paragraph(CONTEST)
    for line in FORM_TITLES[form.form_type]:
        doc.add_paragraph(line)
    variants = pick_label_variants(rng)

    def label(key: str) -> str:
        return field_label(form.form_type, key, rng, variants)

    keys = _row_keys(form)
    rows: list[list[str]] = []
    pair = rng.random() < 0.4
    i = 0
    while i < len(keys):
        key = keys[i]
        nxt = keys[i + 1] if i + 1 < len(keys) else None
        value = form.written.get(key) or ""
        if pair and nxt and frozenset((key, nxt)) in PAIRABLE:
            rows.append([label(key), value, label(nxt), form.written.get(nxt) or ""])
            i += 2
            continue
        rows.append([label(key), value])
        i += 1
    if "synopsis" in FIELDS[form.form_type]:
        rows.append([label("synopsis"), form.written.get("synopsis") or ""])
    width = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=width)
    if rng.random() < 0.8:
        table.style = "Table Grid"
    for r, cells in enumerate(rows):
        row = table.rows[r].cells
        if len(cells) < width:  # one value spans the rest of the row
            row[1].merge(row[width - 1])
        for c, text in enumerate(cells):
            row[c].text = text
    if "clauses" in SCHEMAS[form.form_type].blocks:
        doc.add_paragraph(CONSENT_HEADING)
        for text in _clause_texts(rng):
            doc.add_paragraph(text)
    doc.add_paragraph(f"{signature_label(form.form_type, rng)}：")
    day = _cn_date(form.signed_on) if form.signed_on else "    年    月    日"
    doc.add_paragraph(f"{date_label(form.form_type)}：{day}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return _office_zip(buffer.getvalue())


def xlsx_form(form: FormContent, rng: random.Random) -> bytes:
    """The form typed into a spreadsheet: label in column A, value in column B."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = rng.choice(("Sheet1", TITLES[form.form_type][:10]))
    wb.properties.creator = "Administrator"
    wb.properties.created = datetime(2023, 9, 1, 9, 0, 0)
    ws.append(["".join(FORM_TITLES[form.form_type])])
    variants = pick_label_variants(rng)
    for key in _row_keys(form) + (["synopsis"] if "synopsis" in FIELDS[form.form_type] else []):
        ws.append([field_label(form.form_type, key, rng, variants), form.written.get(key)])
    ws.append([date_label(form.form_type),
               _cn_date(form.signed_on) if form.signed_on else None])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return _office_zip(buffer.getvalue())


def pdf_form(form: FormContent, rng: random.Random) -> bytes:
    """The Word form exported as PDF: a real text layer, no signature or seal."""
    doc, _anchors, _variant = draw_form(form, rng, electronic=True)
    return pdf_bytes(doc, rng.choice(("Microsoft® Word 2016", "Microsoft® Word 2019",
                                        "WPS 文字")))


def scanned_form(form: FormContent, rng: random.Random, photo: bool = False) -> bytes:
    """The signed paper form as a unit mails it: scanned into an image-only PDF, or (``photo``)
    a phone photo as JPEG."""
    import numpy as np
    import pymupdf

    from samples.generate.paper import PAGE_H, PAGE_W
    from samples.generate.scan import encode, photograph, rasterize, scan

    doc, _anchors, _variant = draw_form(form, rng)
    nrng = np.random.default_rng(rng.getrandbits(32))
    image, _ = (photograph if photo else scan)(rasterize(doc[0]), rng, nrng)
    jpeg = encode(image, ".jpg", quality=85)
    if photo:
        return jpeg
    out = pymupdf.open()
    out.new_page(width=PAGE_W, height=PAGE_H).insert_image(pymupdf.Rect(0, 0, PAGE_W, PAGE_H),
                                                          stream=jpeg)
    return pdf_bytes(out, "Sheet-feeder scan")


def gbk_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip as Windows' Chinese zip tools write it: names in GBK, without the UTF-8 flag."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(members):
            info = zipfile.ZipInfo(_placeholder(name, i), date_time=(2023, 9, 1, 9, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    raw = buf.getvalue()
    for i, (name, _) in enumerate(members):  # same length: the name bytes in place
        raw = raw.replace(_placeholder(name, i).encode(), name.encode("gbk"))
    return raw


def _placeholder(name: str, index: int) -> str:
    length = len(name.encode("gbk"))
    return f"{index:03d}".ljust(length, "n")[:length]


def cover_letter_docx(unit: Unit, n_works: int, rng: random.Random) -> bytes:
    doc = docx.Document()
    doc.core_properties.created = doc.core_properties.modified = datetime(2023, 9, 1, 9)
    doc.add_paragraph(COVER_TITLE)
    contact, number = person(rng), phone(rng, unit)
    for line in COVER_BODY:
        doc.add_paragraph(line.format(works=n_works, proposals=rng.randint(0, 2),
                                      contact=contact, phone=number))
    doc.add_paragraph(unit.name)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _office_zip(buffer.getvalue())


def attachment_name(form: FormContent, ext: str, rng: random.Random) -> str:
    """The file name a unit gives an attachment: the form's title, often with the film's."""
    stem = TITLES[form.form_type]
    title = form.written.get("title")
    if not title:
        return f"{stem}{ext}"
    return rng.choice((f"{stem}-{title}{ext}", f"《{title}》{stem}{ext}", f"{title}{stem}{ext}"))
