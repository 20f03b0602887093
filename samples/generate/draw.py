"""Drawing the three paper forms (domain.md §2 and §3) and a unit's covering letter.

Titles, labels, signature labels and clauses come from :mod:`.facts` (the pipeline's schemas
and contest); the look of each printing from :class:`.painter.Style`. A form is laid out as
the office's table, as ``label：value`` lines (the authorization now and then) or, when its
content says it was retyped without a table, with the pieces of :mod:`.lines`.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pymupdf

from pipeline.contest import Unit
from samples.generate.content import COVER_BODY, COVER_TITLE, FormContent, person, phone
from samples.generate.dates import DateWay, DateWriting
from samples.generate.facts import (
    CLAUSES,
    CONSENT_HEADING,
    CONTEST,
    DEADLINES,
    FIELDS,
    FORM_TITLES,
    OPTIONS,
    PAIRABLE,
    SCHEMAS,
    WORK_AUTH,
    WORK_REG,
    date_label,
    field_label,
    pick_label_variants,
    signature_label,
)
from samples.generate.lines import line_plan, option_row, run_on, underlined
from samples.generate.painter import Anchors, Painter, Style, pick_style, split_label, wrap
from samples.generate.paper import BOTTOM_MARGIN, HAND_ADVANCE_ASCII, PAGE_H, PAGE_W


class PageFull(Exception):
    """The form does not fit the page with this style; draw it again more compactly."""


def _draw_header(p: Painter, form_type: str, y: float) -> float:
    s = p.style
    width = PAGE_W - 2 * s.margin
    if s.attachment:
        p.label_text(s.margin - 10, y + 12, s.attachment, 12)
        y += 24
    lines: list[tuple[str, float]] = []
    if s.title_prefix:
        lines.append((CONTEST, s.title_size * 0.8))
    title = FORM_TITLES[form_type]
    if len(title) > 1 and not s.title_wrapped:
        title = ("".join(title),)
    lines += [(text, s.title_size) for text in title]
    for text, size in lines:
        size = min(size, size * width / p.label_width(text, size))
        x = (PAGE_W - p.label_width(text, size)) / 2
        p.label_text(x, y + size, text, size, bold=s.title_bold)
        y += size * 1.55
    return y + s.title_size * 0.5


def _row_plan(form: FormContent, rng: random.Random) -> list[tuple[str, ...]]:
    """Rows of the table: one or two label/value pairs each, order shuffled a little."""
    keys = [k for k in FIELDS[form.form_type]
            if k not in ("date", "synopsis") and k not in form.absent]
    head = [("title",)] if keys[0] == "title" else []
    body = keys[len(head):]
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    rows: list[tuple[str, ...]] = []
    i = 0
    while i < len(body):
        pair = tuple(body[i:i + 2])
        if frozenset(pair) in PAIRABLE and rng.random() < 0.65:
            rows.append(pair)
            i += 2
        else:
            rows.append((body[i],))
            i += 1
    return head + rows


def _draw_rows(p: Painter, form: FormContent, y: float, anchors: Anchors) -> float:
    s = p.style
    x0, x1 = s.margin, PAGE_W - s.margin
    for row in _row_plan(form, p.rng):
        texts = [field_label(form.form_type, key, p.rng, s.labels) for key in row]
        height = s.row_h
        lab_w = s.label_w
        if len(row) == 1:
            cells = [(x0, x0 + lab_w, x1)]
        else:  # the first label column stays aligned with the rows above
            mid = x0 + lab_w + (x1 - x0 - 2 * lab_w) * s.split
            cells = [(x0, x0 + lab_w, mid), (mid, mid + lab_w * 0.9, x1)]
        if any(len(split_label(t, lab_w * 0.9 - 8, p.label_width)) > 1 for t in texts):
            height = max(height, s.label_size * 2.9)
        for key, text, (a, b, c) in zip(row, texts, cells, strict=True):
            label_rect = pymupdf.Rect(a, y, b, y + height)
            value_rect = pymupdf.Rect(b, y, c, y + height)
            p.box(label_rect)
            p.box(value_rect)
            p.label(label_rect, text)
            p.value(value_rect, form.written[key], key in form.handwritten)
            anchors[key] = value_rect
        y += height
    return y


def _consent_lines(p: Painter, width: float) -> list[tuple[float, str]]:
    """The four clauses wrapped to ``width``: (x offset, text) per line."""
    s = p.style
    out: list[tuple[float, str]] = []
    for n, clause in enumerate(CLAUSES, 1):
        prefix = s.numbering.format(n) if s.numbering else ""
        hanging = p.label_width(prefix) if s.hanging_indent and prefix else 0.0
        lines = p.paragraph_lines(prefix + clause, width, s.label_size, hand=False,
                                  hanging=hanging)
        out += [(0.0 if i == 0 else hanging, line) for i, line in enumerate(lines)]
    return out


def _consent_height(p: Painter, width: float) -> float:
    lead = p.style.label_size * p.style.leading
    return lead * (1.3 + len(_consent_lines(p, width)))


def _signature_height(s: Style) -> float:
    return s.label_size * (2.8 if s.sign_same_line else 5.1)


def _draw_consent(p: Painter, x0: float, x1: float, y: float) -> float:
    s = p.style
    lead = s.label_size * s.leading
    heading_x = (x0 + x1 - p.label_width(CONSENT_HEADING)) / 2 if s.center_heading else x0
    p.label_text(heading_x, y + s.label_size, CONSENT_HEADING, bold=p.rng.random() < 0.5)
    y += lead * 1.3
    for offset, line in _consent_lines(p, x1 - x0):
        p.label_text(x0 + offset, y + s.label_size, line)
        y += lead
    return y


def _draw_date_line(p: Painter, form_type: str, x: float, y: float, signed_on: date | None,
                    by_hand: bool) -> pymupdf.Rect:
    """``日期：    年   月   日`` with the date written (usually by hand) into the blanks."""
    s = p.style
    size = s.label_size
    year = month = day = ""
    if signed_on:
        year, day = str(signed_on.year), str(signed_on.day)
        month = f"{signed_on.month:02d}" if p.rng.random() < 0.2 else str(signed_on.month)
    end = p.label_text(x, y, date_label(form_type) + "：")
    blanks: list[tuple[str, str, float]] = []
    if s.year_printed:  # some printings carry the year already: the year of the deadline
        end = p.label_text(end, y, f"{DEADLINES[form_type].year}年")
    else:
        blanks.append((year, "年", size * 3.4))
    blanks += [(month, "月", size * 2.4), (day, "日", size * 2.4)]
    for written, unit, blank in blanks:
        if written and by_hand:
            hand_size = min(s.hand_size, blank / (len(written) * HAND_ADVANCE_ASCII + 0.2))
            start = end + (blank - p.hand_width(written, hand_size)) / 2
            p.hand(start, y + p.rng.uniform(-1.5, 1), written, hand_size)
        elif written:
            p.typed(end + (blank - p.typed_width(written, size)) / 2, y, written, size)
        end = p.label_text(end + blank, y, unit)
    return pymupdf.Rect(x, y - size * 1.3, end, y + size * 0.4)


def _draw_written_date(p: Painter, form_type: str, x: float, y: float, text: str,
                       by_hand: bool) -> pymupdf.Rect:
    """``日期：`` and the date written out after it (``二〇二三年五月十五日``, ``2023.5.15``)."""
    s = p.style
    start = p.label_text(x, y, date_label(form_type) + "：") + p.rng.uniform(2, 8)
    end = p.hand(start, y - 1, text) if by_hand else p.typed(start, y, text, s.value_size)
    if p.rng.random() < 0.5:
        p.line((start - 2, y + 4), (end + p.rng.uniform(4, 16), y + 4))
    return pymupdf.Rect(x, y - s.label_size * 1.3, end, y + s.label_size * 0.4)


def _written_date(form: FormContent, writing: DateWriting | None) -> str | None:
    """The date as written out, or None where the 年 月 日 blanks are drawn instead."""
    if writing is None or writing.way is DateWay.BLANKS or form.signed_on is None:
        return None
    return writing.write(form.signed_on)


def _draw_signature_block(p: Painter, form: FormContent, x0: float, x1: float, y: float,
                          anchors: Anchors, writing: DateWriting | None = None) -> float:
    """``签名：<signature>`` and the date line, right of centre, from top ``y``; the date in the
    ``年 月 日`` blanks, or written out as ``writing`` says."""
    s = p.style
    size = s.label_size
    sign_label = signature_label(form.form_type, p.rng) + "："
    written = _written_date(form, writing)
    by_hand = "date" in form.handwritten
    if written is None:
        date_w = (p.label_width(date_label(form.form_type) + "：")
                  + size * (3.4 + 2.4 * 2 + 3) + 4)
    else:
        date_w = p.label_width(date_label(form.form_type) + "：") + 24 + (
            p.hand_width(written, s.hand_size) if by_hand else p.typed_width(written,
                                                                             s.value_size))
    sign_w = p.label_width(sign_label) + 90
    base = y + size * 1.9
    if s.sign_same_line:
        sign_x = max(x0 + 4, x1 - date_w - sign_w - p.rng.uniform(10, 40))
        date_x, date_y = x1 - date_w - 6, base
    else:
        sign_x = date_x = x1 - max(date_w, sign_w) - p.rng.uniform(6, 40)
        date_y = base + size * 2.3
    end = p.label_text(sign_x, base, sign_label)
    anchors["signature"] = pymupdf.Rect(sign_x, base - size * 1.6, end + 80, base + size * 0.5)
    if form.signer:
        anchors["signature"] |= p.signature(end + 4, base + 1, form.signer)
    if written is None:
        anchors["date"] = _draw_date_line(p, form.form_type, date_x, date_y, form.signed_on,
                                          by_hand)
    else:
        anchors["date"] = _draw_written_date(p, form.form_type, date_x, date_y, written,
                                             by_hand)
    return date_y + size * 0.9


def _draw_synopsis(p: Painter, form: FormContent, y: float, room: float,
                   anchors: Anchors) -> float:
    """The synopsis: a tall cell right of its label, or a label row with a cell below."""
    s = p.style
    x0, x1 = s.margin, PAGE_W - s.margin
    label = field_label(form.form_type, "synopsis", p.rng, s.labels)
    text = form.written["synopsis"] or ""
    hand = "synopsis" in form.handwritten
    if s.synopsis_stacked:
        label_rect = pymupdf.Rect(x0, y, x1, y + s.row_h)
        p.box(label_rect)
        p.label(label_rect, label)
        y += s.row_h
        room -= s.row_h
        text_x0 = x0
    else:
        text_x0 = x0 + s.label_w
    pad = 6.0
    size = s.hand_size if hand else s.value_size
    while True:
        indent = 2 * size if s.first_line_indent else 0.0
        lines = p.paragraph_lines(text, x1 - text_x0 - 2 * pad, size, hand, indent)
        need = len(lines) * size * s.leading + 2 * pad
        if need <= room or size <= 8:
            break
        size -= 0.5
    if need > room:
        raise PageFull
    height = min(room, max(need, p.rng.uniform(150, 280)))
    text_rect = pymupdf.Rect(text_x0, y, x1, y + height)
    p.box(text_rect)
    if not s.synopsis_stacked:
        label_rect = pymupdf.Rect(x0, y, text_x0, y + height)
        p.box(label_rect)
        p.label(label_rect, label)
    if text:
        p.paragraph(text_x0 + pad, x1 - pad, y + pad, text, size, hand, indent)
    anchors["synopsis"] = text_rect
    return y + height


def _has_clauses(form: FormContent) -> bool:
    """Whether the form prints the consent clauses (the work registration form does not)."""
    return "clauses" in SCHEMAS[form.form_type].blocks


def _draw_table_form(p: Painter, form: FormContent, y: float) -> Anchors:
    s = p.style
    x0, x1 = s.margin, PAGE_W - s.margin
    limit = PAGE_H - BOTTOM_MARGIN
    anchors: Anchors = {}
    y = _draw_rows(p, form, y, anchors)
    pad = 8.0  # inside the consent cell
    clauses = _has_clauses(form)
    if s.consent_in_table:
        consent = _consent_height(p, x1 - x0 - 2 * pad) if clauses else 0.0
        closing = consent + _signature_height(s) + 2 * pad
    else:
        consent = _consent_height(p, x1 - x0) if clauses else 0.0
        closing = consent + _signature_height(s) + 18
    if "synopsis" in FIELDS[form.form_type]:
        y = _draw_synopsis(p, form, y, limit - y - closing, anchors)
    if y + closing > limit:
        raise PageFull
    top = y
    if s.consent_in_table:
        y = _draw_consent(p, x0 + pad, x1 - pad, y + pad) if clauses else y + pad
        y = _draw_signature_block(p, form, x0 + pad, x1 - pad, y, anchors) + pad
        p.box(pymupdf.Rect(x0, top, x1, y))
    else:
        y = _draw_consent(p, x0, x1, y + 18) if clauses else y + 18
        _draw_signature_block(p, form, x0, x1, y, anchors)
    return anchors


def _draw_colon_form(p: Painter, form: FormContent, y: float) -> Anchors:
    """The authorization without a table: ``作品名称：value`` lines, in schema order; contact
    and phone sometimes share a line."""
    s = p.style
    x0, x1 = s.margin + p.rng.uniform(0, 20), PAGE_W - s.margin
    gap = s.row_h * p.rng.uniform(1.0, 1.25)
    keys = [k for k in FIELDS[form.form_type] if k != "date"]
    pair = p.rng.random() < 0.5
    rows: list[tuple[str, ...]] = []
    for key in keys:
        if pair and rows and frozenset((*rows[-1], key)) in PAIRABLE:
            rows[-1] = (*rows[-1], key)
        else:
            rows.append((key,))
    anchors: Anchors = {}
    for row in rows:
        y += gap
        slots = [(x0, x1)] if len(row) == 1 else [(x0, (x0 + x1) / 2), ((x0 + x1) / 2 + 10, x1)]
        for key, (a, b) in zip(row, slots, strict=True):
            text = field_label(form.form_type, key, p.rng, s.labels)
            start = p.label_text(a, y, text + "：") + 3
            if s.underline_values:
                p.line((start, y + 4), (b - 8, y + 4))
            p.inline(start + 2, y, form.written[key], key in form.handwritten, b - start - 10)
            anchors[key] = pymupdf.Rect(start, y - gap * 0.7, b - 8, y + 5)
    if _has_clauses(form):
        y = _draw_consent(p, s.margin, PAGE_W - s.margin, y + gap)
    else:
        y += gap
    y = _draw_signature_block(p, form, s.margin, PAGE_W - s.margin, y, anchors)
    if y > PAGE_H - BOTTOM_MARGIN:
        raise PageFull
    return anchors


def _draw_lines_synopsis(p: Painter, form: FormContent, x0: float, x1: float, y: float,
                         room: float, anchors: Anchors) -> float:
    """The synopsis's label on its line, the text below it, on ruled lines or not."""
    s = p.style
    label = field_label(form.form_type, "synopsis", p.rng, s.labels)
    p.label_text(x0, y, label + "：")
    text = form.written["synopsis"] or ""
    hand = "synopsis" in form.handwritten
    ruled = s.underline_values
    rows = p.rng.randint(4, 7)  # what a blank synopsis leaves
    size = s.hand_size if hand else s.value_size
    top = y + s.label_size * 0.5
    while True:
        indent = 2 * size if s.first_line_indent else 0.0
        lines = p.paragraph_lines(text, x1 - x0, size, hand, indent) if text else [""] * rows
        need = len(lines) * size * s.leading + s.label_size
        if need <= room - (top - y) or size <= 8:
            break
        size -= 0.5
    if need > room - (top - y):
        raise PageFull
    if text:
        p.paragraph(x0, x1, top, text, size, hand, indent)
    lead = size * s.leading
    if ruled:
        for i in range(len(lines)):
            rule_y = top + size * 1.25 + i * lead
            p.line((x0, rule_y), (x1, rule_y))
    bottom = top + len(lines) * lead
    anchors["synopsis"] = pymupdf.Rect(x0, top, x1, bottom)
    return bottom


def _draw_shared_line(p: Painter, form: FormContent, line: tuple[str, ...],
                      labels: list[str], x0: float, x1: float, y: float,
                      anchors: Anchors) -> bool:
    """``label：value`` on underlines, side by side (one, two or three to the line); False
    when they do not fit side by side (nothing drawn)."""
    s = p.style
    needs = []
    for key, label in zip(line, labels, strict=True):
        text = form.written[key] or ""
        hand = key in form.handwritten
        value_w = p.hand_width(text, s.hand_size) if hand else p.typed_width(text, s.value_size)
        needs.append(p.label_width(label) + 30 + value_w)
    if len(line) > 1 and sum(needs) > x1 - x0:
        return False
    spare = max(0.0, x1 - x0 - sum(needs)) / len(line)
    if len(line) == 1 and p.rng.random() < 0.3:  # an underline shorter than the line
        spare *= p.rng.uniform(0.3, 0.8)
    a = x0
    for key, label, need in zip(line, labels, needs, strict=True):
        b = x1 if key == line[-1] and len(line) > 1 else min(x1, a + need + spare)
        start = p.label_text(a, y, label) + 2
        anchors[key] = underlined(p, start, b - (12 if len(line) > 1 else 0), y,
                                  form.written[key], key in form.handwritten)
        a = b + 6
    return True


def _draw_lines_fields(p: Painter, form: FormContent, x0: float, x1: float, y: float,
                       gap: float, anchors: Anchors) -> float:
    """The fields, line by line from top ``y``; returns the baseline of the last."""
    assert form.retyped is not None
    s = p.style
    retyped = form.retyped
    form_type = form.form_type
    keys = [k for k in FIELDS[form_type] if k not in ("date", "synopsis") and k not in form.absent]
    alone = frozenset(retyped.options) | retyped.below | retyped.wrapped
    for line in line_plan(keys, alone, p.rng):
        y += gap
        labels = [field_label(form_type, key, p.rng, s.labels) + "：" for key in line]
        key, label = line[0], labels[0]
        value, hand = form.written.get(key), key in form.handwritten
        if key in retyped.options:
            start = p.label_text(x0, y, label) + p.rng.uniform(2, 10)
            anchors[key] = option_row(p, start, x1, y, OPTIONS[form_type][key],
                                      retyped.options[key])
        elif key in retyped.below:
            p.label_text(x0, y, label)
            y += gap
            anchors[key] = underlined(p, x0 + p.rng.uniform(0, 2.5 * s.label_size), x1, y,
                                      value, hand)
        elif key in retyped.wrapped and value:
            start = p.label_text(x0, y, label) + 3
            head, tail = run_on(p, value, hand, x1 - start - 30)
            first = underlined(p, start, x1, y, head, hand)
            y += gap
            anchors[key] = first | underlined(p, p.rng.choice((x0, start)), x1, y, tail, hand)
        elif not _draw_shared_line(p, form, line, labels, x0, x1, y, anchors):
            for i, (one, one_label) in enumerate(zip(line, labels, strict=True)):
                y += gap if i else 0.0
                _draw_shared_line(p, form, (one,), [one_label], x0, x1, y, anchors)
    return y


def _draw_lines_form(p: Painter, form: FormContent, y: float) -> Anchors:
    """A form retyped without a table: values on underlines, two or three short ones to a
    line, the option rows ticked, a framed consent paragraph, the date written every way."""
    assert form.retyped is not None
    s = p.style
    retyped = form.retyped
    x0, x1 = s.margin + p.rng.uniform(0, 12), PAGE_W - s.margin
    limit = PAGE_H - BOTTOM_MARGIN
    gap = s.row_h * p.rng.uniform(0.95, 1.2)
    form_type = form.form_type
    anchors: Anchors = {}
    y = _draw_lines_fields(p, form, x0, x1, y, gap, anchors)
    pad = 8.0
    x0m, x1m = s.margin, PAGE_W - s.margin
    clauses = _has_clauses(form)
    inside = clauses and p.rng.random() < 0.5  # the signature inside the consent's frame
    consent = _consent_height(p, x1m - x0m - 2 * pad) + 2 * pad if clauses else 0.0
    closing = consent + _signature_height(s) + 24
    if "synopsis" in FIELDS[form_type]:
        y = _draw_lines_synopsis(p, form, x0, x1, y + gap, limit - y - gap - closing, anchors)
    if y + closing > limit:
        raise PageFull
    y += 16
    if clauses:
        top = y
        y = _draw_consent(p, x0m + pad, x1m - pad, y + pad)
        if inside:
            y = _draw_signature_block(p, form, x0m + pad, x1m - pad, y, anchors, retyped.date)
        y += pad
        p.box(pymupdf.Rect(x0m, top, x1m, y))
    if not inside:
        y = _draw_signature_block(p, form, x0m, x1m, y, anchors, retyped.date)
    if y > limit:
        raise PageFull
    return anchors


def draw_form(form: FormContent, rng: random.Random, electronic: bool = False
              ) -> tuple[pymupdf.Document, Anchors, str]:
    """Draw the form on a fresh A4 page: (one-page document, anchors, layout variant)."""
    style = pick_style(rng)
    lines = form.retyped is not None
    colon = not lines and form.form_type == WORK_AUTH and rng.random() < 0.25
    style = replace(style, labels=pick_label_variants(rng))
    draw = _draw_lines_form if lines else _draw_colon_form if colon else _draw_table_form
    variant = "lines" if lines else "colon" if colon else "table"
    for level in range(5):
        doc = pymupdf.open()
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        painter = Painter(page, rng, style.compacted(level), electronic)
        y = _draw_header(painter, form.form_type, painter.style.top)
        try:
            anchors = draw(painter, form, y)
        except PageFull:
            doc.close()
            continue
        painter.finish()
        return doc, anchors, variant
    raise RuntimeError(f"{form.form_type} does not fit on A4 even when compacted")


def draw_cover_letter(rng: random.Random, unit: Unit) -> tuple[pymupdf.Document, Anchors]:
    """Not a form: the unit's covering letter, in prose, with its seal spot."""
    doc = pymupdf.open()
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    p = Painter(page, rng, pick_style(rng))
    size = rng.uniform(11.5, 13)
    x0, x1 = rng.uniform(62, 80), PAGE_W - rng.uniform(62, 80)
    y = rng.uniform(70, 110)
    for line in wrap(COVER_TITLE, x1 - x0, lambda t: p.typed_width(t, size + 4)):
        p.typed((x0 + x1 - p.typed_width(line, size + 4)) / 2, y, line, size + 4, bold=True)
        y += (size + 4) * 1.6
    y += size
    slots = {"works": rng.randint(10, 14), "proposals": rng.randint(2, 4),
             "contact": person(rng), "phone": phone(rng, unit)}
    for paragraph in COVER_BODY:
        text = paragraph.format(**slots)
        for line in wrap(text, x1 - x0, lambda t: p.typed_width(t, size)):
            p.typed(x0, y, line, size)
            y += size * 1.8
    y += size * 3
    signed = DEADLINES[WORK_REG] - timedelta(days=rng.randint(1, 19))  # before the works
    lines = (unit.name, f"{signed.year}年{signed.month}月{signed.day}日")
    right = x1 - size * 2
    for line in lines:
        p.typed(right - p.typed_width(line, size), y, line, size)
        y += size * 2
    p.finish()
    return doc, {"unit": pymupdf.Rect(right - 130, y - size * 5, right, y)}
