"""Extract stage: field values by fuzzy label matching, paired by table cell.

A label is found by fuzzy comparison with the start of a cell or a text row (tolerating
OCR substitutions, drops and merged characters). Its value is, in order of preference,
the text after the label in the same cell or row (``联系人：张三``), the next cell to the
right, or for multi-line fields the cell below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from pipeline.forms import FieldKind, FieldSpec, FormSchema, known_labels
from pipeline.labels import (
    COLON,
    MIN_SCORE,
    NOTE,
    match_start,
    split_note,
    starts_with_note,
    strip_note,
)
from pipeline.model import (
    Direction,
    Evidence,
    Field,
    PageLayout,
    Segment,
    Transform,
    group_rows,
)
from pipeline.normalize import (
    clean_text,
    has_surname,
    is_valid_phone,
    normalize_date,
    normalize_value,
)

# A box this many times taller than the page's typical line, and not a wide line of text,
# is not a value written in a cell: it is ring text of a seal stamped over it (grey scans,
# where colour cannot tell), or a signature reaching into it.
FOREIGN_HEIGHT = 1.6
FOREIGN_MAX_ASPECT = 1.6
NOTE_REST_MAX = 2  # characters of a label's note OCR may run into a name, bracket lost
OVERFLOW_GAP = 0.8  # line heights: a row this close below the box continues its text ...
OVERFLOW_SPACING = 1.5  # ... or this close, in the value's own spacing of its lines ...
OVERFLOW_MIN_CHARS = 8  # ... when it is running text, not a heading (授权声明)
RUNNING_TEXT_MIN = 20  # characters: shorter is no synopsis
WRAPS = (FieldKind.TEXT, FieldKind.NAMES)  # kinds whose values run on to the next line
BELOW_GAP = 2.5  # label heights: a value this close under its label is its value
ROW_PLACE_CHARS = 10  # label heights: a value's place right of its label outside a table
# Kinds whose values have an unmistakable shape.
SHAPES = {
    FieldKind.PHONE: lambda v: is_valid_phone(v),
    FieldKind.DATE: lambda v: v is not None,  # normalize_date gives None unless it is a date
    FieldKind.DURATION: lambda v: bool(v) and bool(re.search(r"\d", v)) and any(
        u in v for u in "分秒′'"),
}
TITLE_LINE_MAX = 16  # characters: a line this short that reads as the form's title is it
TITLE_MATCH = 85
_SIGNATURE = "__signature__"
_STOP = re.compile(r"★|邮政编码|邮编")  # never part of a value: the end of one
_CLAUSE_START = re.compile(r"^(相关协议|[1-4一二三四][.．、]?报送作品|[1-4][.．、])")


@dataclass
class Container:
    """A place a label can stand: a table cell, or a row of text outside any table."""

    segments: list[Segment]
    cell: int | None
    part: bool = False  # one of several label/value pairs a cell holds (签名：… 日期：…)

    @property
    def text(self) -> str:
        return "".join(s.text for row in group_rows(self.segments) for s in row)

    @property
    def bbox(self) -> list[float]:
        return _union([s.bbox for s in self.segments])


@dataclass
class LabelMatch:
    key: str
    container: int
    score: float
    consumed: int  # characters of the container's clean text the label covers


def _union(boxes: list[list[float]]) -> list[float]:
    return [min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _containers(layout: PageLayout) -> list[Container]:
    by_cell: dict[int, list[Segment]] = {}
    loose: list[Segment] = []
    for seg in layout.segments:
        if seg.cell is None:
            loose.append(seg)
        else:
            by_cell.setdefault(seg.cell, []).append(seg)
    containers = [Container(segs, cell) for cell, segs in sorted(by_cell.items())]
    containers += [Container(row, None) for row in group_rows(loose)]
    return containers


def _split_rows(containers: list[Container], aliases: list[str]) -> list[Container]:
    """Split rows, and cells, where a second ``label：`` starts mid-text.

    Colon-style forms put two pairs on one line (联系人：张三  电话：138…), a table's last cell
    often holds 签名：… 日期：…; each pair becomes its own container so every label is seen
    at the start of one. Labels are looked for in the whole text, since a text layer or OCR
    may cut a label into pieces (联 系 人：).
    """
    # Longest alias first, matches not overlapping: 电话 inside 联系电话 is not a second label.
    starts = re.compile("(?:" + "|".join(re.escape(a) for a in aliases) + ")[：:]")
    out: list[Container] = []
    for c in containers:
        ordered = [s for row in group_rows(c.segments) for s in row] if c.cell is not None \
            else c.segments
        parts = [(seg, clean_text(seg.text, strip=False)) for seg in ordered]
        text = "".join(t for _, t in parts)
        cuts = {m.start() for m in starts.finditer(text) if m.start() > 0}
        pieces: list[list[Segment]] = [[]]
        offset = 0
        for seg, seg_text in parts:
            inside = sorted(k - offset for k in cuts if offset <= k < offset + len(seg_text))
            for piece_start, piece in _cut_segment(seg, seg_text, inside):
                if pieces[-1] and offset + piece_start in cuts:
                    pieces.append([])
                pieces[-1].append(piece)
            offset += len(seg_text)
        pieces = [p for p in pieces if p]
        if c.cell is not None and len(pieces) == 1:
            out.append(c)
        else:
            out.extend(Container(p, c.cell, part=c.cell is not None) for p in pieces)
    return out


def _cut_segment(seg: Segment, text: str, cuts: list[int]) -> list[tuple[int, Segment]]:
    """Cut one segment at character offsets (boxes shared proportionally)."""
    cuts = [k for k in cuts if k > 0]
    if not cuts:
        return [(0, seg)]
    x0, y0, x1, y1 = seg.bbox
    per_char = (x1 - x0) / max(len(text), 1)
    bounds = [0, *cuts, len(text)]
    return [(a, Segment(text[a:b], [x0 + a * per_char, y0, x0 + b * per_char, y1],
                        seg.confidence, seg.cell, seg.weakest))
            for a, b in zip(bounds, bounds[1:])]


def _is_title(text: str, schema: FormSchema) -> bool:
    """The form's own title line (作品授权书 is no 作品名称 label)."""
    return len(text) <= TITLE_LINE_MAX and any(
        fuzz.ratio(title, text.rstrip("：:")) >= TITLE_MATCH for title in schema.titles)


def _match_labels(schema: FormSchema, containers: list[Container]) -> dict[str, LabelMatch]:
    """Assign each field at most one label container, and each container at most one field."""
    specs = [(f.key, f.labels) for f in schema.fields]
    specs.append((_SIGNATURE, schema.signature_labels))
    candidates: list[LabelMatch] = []
    for idx, container in enumerate(containers):
        text = clean_text(container.text, strip=False)
        if not text or _CLAUSE_START.match(text) or _is_title(text, schema):
            continue
        longer = _label_at_start(text)
        for key, aliases in specs:
            whole = [a for a in aliases if _whole_word(a, longer, aliases)]
            score, consumed = max((match_start(a, text) for a in whole), default=(0.0, 0))
            if score >= MIN_SCORE:
                candidates.append(LabelMatch(key, idx, score, consumed))
    candidates.sort(key=lambda m: (m.score, m.consumed), reverse=True)
    taken_keys: dict[str, LabelMatch] = {}
    taken_containers: set[int] = set()
    for match in candidates:
        if match.key in taken_keys or match.container in taken_containers:
            continue
        taken_keys[match.key] = match
        taken_containers.add(match.container)
    taken_keys.pop(_SIGNATURE, None)
    return taken_keys


def _label_at_start(text: str) -> str | None:
    """The longest label any form prints that ``text`` starts with exactly."""
    return max((w for w in known_labels() if text.startswith(w)), key=len, default=None)


def _whole_word(alias: str, at_start: str | None, own: tuple[str, ...]) -> bool:
    """Whether ``alias`` may match where the text starts with the label ``at_start``: not
    where that is a longer label of something else (经办人 is not the start of 经办人签名)."""
    core = split_note(alias)[0]
    return at_start is None or len(at_start) <= len(core) or not at_start.startswith(core) \
        or at_start in {split_note(a)[0] for a in own}


def _until_next_label(segs: list[Segment]) -> list[Segment]:
    """A value up to where the next thing printed starts: a ★ note or a postcode anywhere
    (…顺城街1号 邮编 030600), or a row piece that starts with a label."""
    out: list[Segment] = []
    for i, seg in enumerate(segs):
        text = clean_text(seg.text, strip=False)
        if i and _label_at_start(text.lstrip(COLON)):
            break
        stop = _STOP.search(text)
        if stop:
            out += [piece for start, piece in _cut_segment(seg, text, [stop.start()])
                    if start == 0 and stop.start() > 0]
            break
        out.append(seg)
    return out


def _starts_a_pair(text: str) -> bool:
    """Whether a row starts with a label any form prints, as a label: followed by a colon, a
    note, or nothing (签名：…, 日期（年月日）, 盖章), not a word of running text (主创团队历时…)."""
    label = _label_at_start(text)
    return label is not None and (len(text) == len(label) or text[len(label)] in COLON + "（(")


def _is_printed_label(segs: list[Segment]) -> bool:
    """Whether a value is nothing but a label (and its note, its colon)."""
    text = clean_text("".join(s.text for s in segs)).rstrip(COLON)
    return bool(text) and NOTE.sub("", text).rstrip(COLON) in known_labels()


def _value_segments(
    spec: FieldSpec,
    match: LabelMatch,
    containers: list[Container],
    layout: PageLayout,
    label_cells: set[int],
) -> list[Segment]:
    container = containers[match.container]
    remainder = _remainder(container, match.consumed)
    if remainder:
        return remainder
    if container.cell is None:
        return (_rows_below(spec, match, containers) if spec.kind is FieldKind.MULTILINE
                else _line_below(container, containers))
    right = layout.neighbour(container.cell, Direction.RIGHT)
    # The value is right of its label, a multi-line one also below it; in a table whose
    # labels head its columns (名称 | 类型 | 片长, the values in the row under them) any
    # value is below.
    header = right is None or right in label_cells
    directions = ((Direction.RIGHT, Direction.BELOW)
                  if spec.kind is FieldKind.MULTILINE or header else (Direction.RIGHT,))
    for direction in directions:
        neighbour = layout.neighbour(container.cell, direction)
        if neighbour is None or neighbour in label_cells:
            continue
        segs = [s for row in layout.rows(neighbour) for s in row]
        if segs and _note_open(container):
            segs = _without_note_rest(spec, segs)
        if segs:
            return segs
    return []


def _note_open(container: Container) -> bool:
    """Whether the label's bracketed note runs on past its cell (主创人员（导演、编)."""
    text = clean_text(container.text)
    return text.count("（") > text.count("）")


def _without_note_rest(spec: FieldSpec, segs: list[Segment]) -> list[Segment]:
    """A value without what a label's note left in its cell: up to the note's closing
    bracket, or, where OCR lost the bracket, the characters before a name."""
    text = clean_text("".join(s.text for s in segs))
    if starts_with_note(text):
        cut = len(text) - len(strip_note(text))
    elif spec.kind in (FieldKind.NAMES, FieldKind.PERSON) and not has_surname(text):
        cut = next((n for n in range(1, NOTE_REST_MAX + 1) if has_surname(text[n:])), 0)
    else:
        cut = 0
    out: list[Segment] = []
    for seg in segs:
        seg_text = clean_text(seg.text)
        if cut >= len(seg_text):
            cut -= len(seg_text)
            continue
        out.append(Segment(seg_text[cut:], seg.bbox, seg.confidence, seg.cell, seg.weakest)
                   if cut else seg)
        cut = 0
    return out


def _remainder(container: Container, consumed: int) -> list[Segment]:
    """The segments after the label's first ``consumed`` clean characters."""
    out: list[Segment] = []
    seen = 0
    for row in group_rows(container.segments):
        for seg in row:
            text = clean_text(seg.text, strip=False)
            if seen >= consumed:
                out.append(seg)
            elif seen + len(text) > consumed:
                rest = text[consumed - seen:].lstrip(COLON)
                if rest:
                    # Shrink the box to the part after the label, proportionally.
                    x0, y0, x1, y1 = seg.bbox
                    cut = x0 + (x1 - x0) * (consumed - seen) / max(len(text), 1)
                    out.append(Segment(rest, [cut, y0, x1, y1], seg.confidence, seg.cell,
                                       seg.weakest))
            seen += len(text)
    if out:
        first = out[0]
        out[0] = Segment(strip_note(clean_text(first.text)), first.bbox,
                         first.confidence, first.cell, first.weakest)
    return [s for s in out if clean_text(s.text)]


def _rows_below(spec: FieldSpec, match: LabelMatch, containers: list[Container]) -> list[Segment]:
    """For a multi-line value under a label outside any table: rows until the next label."""
    label_box = containers[match.container].bbox
    out: list[Segment] = []
    for c in containers[match.container + 1:]:
        if c.cell is not None or c.bbox[1] < label_box[1]:
            continue
        text = clean_text(c.text)
        if _CLAUSE_START.match(text) or _starts_a_pair(text) or any(
            match_start(a, text)[0] >= MIN_SCORE for a in spec.labels
        ):
            break  # the next label (签名：…, 日期：…), a clause: the text has ended
        out.extend(c.segments)
    return out


def _line_below(label: Container, containers: list[Container]) -> list[Segment]:
    """A value written on the line under its label (联系人： with the name below it, on a form
    without a table): the nearest row starting under the label, unless it is a label itself."""
    x0, _, x1, y1 = label.bbox
    h = label.bbox[3] - label.bbox[1]
    below = [c for c in containers if c.cell is None and c is not label
             and y1 - 0.3 * h <= c.bbox[1] <= y1 + BELOW_GAP * h
             and x0 - h <= c.bbox[0] <= x1 + ROW_PLACE_CHARS * h]
    if not below:
        return []
    row = min(below, key=lambda c: (c.bbox[1], c.bbox[0]))
    text = clean_text(row.text)
    if not text or _CLAUSE_START.match(text) or _starts_a_pair(text) or text.endswith(COLON):
        return []
    return row.segments


def _wrapped(label: Container, segs: list[Segment], containers: list[Container]
             ) -> list[Segment]:
    """The rest of a value that ran on to the next line (报送单位：山西省委教 / 育工委, on a form
    without a table): the row under it, starting no further right than the value, when it
    is no label, clause or pair of its own (indented a little, or under the label)."""
    start = min(s.bbox[0] for s in segs)
    bottom = max(s.bbox[3] for s in segs)
    h = label.bbox[3] - label.bbox[1]
    taken = {id(s) for s in segs}
    below = [c for c in containers if c.cell is None and c is not label
             and not any(id(s) in taken for s in c.segments)
             and bottom - 0.3 * h <= c.bbox[1] <= bottom + BELOW_GAP * h
             and label.bbox[0] - h <= c.bbox[0] <= start + 2 * h]
    if not below:
        return []
    row = min(below, key=lambda c: (c.bbox[1], c.bbox[0]))
    text = clean_text(row.text)
    if (not text or _CLAUSE_START.match(text) or _starts_a_pair(text)
            or any(c in COLON for c in text) or _STOP.search(text)):
        return []
    return _until_next_label(row.segments)


def _date_anywhere(containers: list[Container]) -> list[Segment]:
    """The last ``YYYY年M月D日`` on the page: the date by the signature, when unlabelled."""
    for c in reversed(containers):
        if normalize_date(c.text):
            return c.segments
    return []


@dataclass
class Place:
    """Where a value should stand (processed-page pixels); ``empty``: a whole cell in which
    OCR found no text at all."""

    box: list[float]
    empty: bool


@dataclass
class Reading:
    """The fields of a page, and where the ones without a value should have been, for each
    label found."""

    fields: dict[str, Field]
    places: dict[str, Place]
    segments: dict[str, list[Segment]] = field(default_factory=dict)  # each value's text


def read_fields(schema: FormSchema, layout: PageLayout, page: int,
                transform: Transform | None = None) -> Reading:
    """Every field of the schema (``value=None`` where the form has the label but no value),
    with the places of the fields left without a value."""
    aliases = sorted({a for f in schema.fields for a in f.labels} | set(schema.signature_labels),
                     key=len, reverse=True)
    containers = _split_rows(_containers(layout), sorted(set(aliases) | known_labels(),
                                                          key=len, reverse=True))
    matches = _match_labels(schema, containers)
    label_cells = {containers[m.container].cell for m in matches.values()} - {None}
    fields: dict[str, Field] = {}
    found: dict[str, list[Segment]] = {}
    used = set(label_cells)
    for spec in schema.fields:
        match = matches.get(spec.key)
        segs = _value_segments(spec, match, containers, layout, label_cells) if match else []
        if spec.kind is not FieldKind.MULTILINE:
            segs = _until_next_label(segs)
        if spec.kind in WRAPS and segs and containers[match.container].cell is None:
            segs += _wrapped(containers[match.container], segs, containers)
        if _is_printed_label(segs):
            segs = []  # a label where the value should be (手机号码, 签名（…填写）): no value
        if spec.kind is FieldKind.MULTILINE and segs:
            segs += _overflow(segs, layout, label_cells, aliases)
        if spec.kind is FieldKind.DATE and not normalize_date("".join(s.text for s in segs)):
            segs = _date_anywhere(containers) or segs
        segs = _written_in_place(segs, layout)
        used |= {s.cell for s in segs if s.cell is not None}
        fields[spec.key] = _field(spec, segs, page, transform)
        found[spec.key] = segs
    orphans = [c for c in containers if c.cell is not None and c.cell not in used
               and _is_value(c, schema, aliases)]
    _attribute(fields, schema, orphans, layout, page, transform)
    _phone_with_the_person(fields, schema)
    places = {key: _place(containers[match.container], containers, layout, label_cells)
              for key, match in matches.items() if fields[key].value is None}
    return Reading(fields, places, found)


def _place(label: Container, containers: list[Container], layout: PageLayout,
           label_cells: set[int]) -> Place:
    """Where the value of a label should stand: the value cell beside (or under) it, else
    its own cell; outside a table, the rest of its row, about ten characters wide."""
    if label.cell is not None and not label.part:
        for direction in (Direction.RIGHT, Direction.BELOW):
            cell = layout.neighbour(label.cell, direction)
            if cell is not None and cell not in label_cells:
                empty = not any(s.cell == cell for s in layout.segments)
                return Place(layout.cells[cell], empty)
        return Place(layout.cells[label.cell], False)
    x0, y0, x1, y1 = label.bbox
    height = y1 - y0
    edge = layout.cells[label.cell][2] if label.cell is not None else float(layout.width)
    end = min([c.bbox[0] for c in containers if c.cell == label.cell and c is not label
               and c.bbox[0] > x1 and c.bbox[1] < y1 and c.bbox[3] > y0]
              + [x1 + ROW_PLACE_CHARS * height, edge])
    return Place([x1, y0 - 0.3 * height, end, y1 + 0.3 * height], False)


def _is_label(text: str, aliases: list[str]) -> bool:
    return any(match_start(a, text)[0] >= MIN_SCORE for a in aliases)


def _is_value(container: Container, schema: FormSchema, aliases: list[str]) -> bool:
    """Whether a cell no label claimed may hold a value: not a label, heading or clause."""
    text = clean_text(container.text)
    return bool(text) and not (_CLAUSE_START.match(text) or _is_title(text, schema)
                               or _is_label(text, aliases) or text.endswith(COLON))


def _overflow(segs: list[Segment], layout: PageLayout, label_cells: set[int],
              aliases: list[str]) -> list[Segment]:
    """Lines of running text that overflowed their box into the cell below it.

    A retyped form's text box is often too small for 500 characters: the text runs on over
    the border. Rows of the cell below continue the value while they start where its lines
    start, follow without a gap, are no label, heading or clause, and the line before them
    is full (it wrapped, it did not end).
    """
    cell = segs[-1].cell
    below = layout.neighbour(cell, Direction.BELOW) if cell is not None else None
    if below is None or below in label_cells:
        return []
    rows = group_rows(segs)
    left = min(s.bbox[0] for s in segs)
    right = max(s.bbox[2] for s in segs)
    line = sorted(s.bbox[3] - s.bbox[1] for s in segs)[len(segs) // 2]
    gaps = sorted(min(s.bbox[1] for s in b) - max(s.bbox[3] for s in a)
                  for a, b in zip(rows, rows[1:]))
    allowed = max(OVERFLOW_GAP * line, OVERFLOW_SPACING * gaps[len(gaps) // 2]) if gaps else (
        OVERFLOW_GAP * line)
    out: list[Segment] = []
    last = rows[-1]
    for row in layout.rows(below):
        if max(s.bbox[2] for s in last) < right - line:
            break  # the line before ended inside the box: the text ended there
        text = clean_text("".join(s.text for s in row))
        if (min(s.bbox[1] for s in row) - max(s.bbox[3] for s in last) > allowed
                or abs(row[0].bbox[0] - left) > line or len(text) < OVERFLOW_MIN_CHARS
                or _CLAUSE_START.match(text) or text.endswith(COLON)
                or _is_label(text, aliases)):
            break
        out.extend(row)
        last = row
    return out


def _phone_with_the_person(fields: dict[str, Field], schema: FormSchema) -> None:
    """A phone number written with the contact's name (联系人及电话：王芳 13512345678) is
    the phone's, when the phone has none of its own; the name keeps the rest."""
    phones = [s for s in schema.fields if s.kind is FieldKind.PHONE]
    for spec in schema.fields:
        f = fields[spec.key]
        if spec.kind is not FieldKind.PERSON or not f.value:
            continue
        number = re.search(r"[\d\-－—]{7,}", f.value)
        if not number:
            continue
        digits = normalize_value(FieldKind.PHONE, number.group(0))
        name = clean_text(f.value[:number.start()] + f.value[number.end():])
        f.value = name or None
        for phone in phones:
            current = fields[phone.key]
            if is_valid_phone(digits) and not (current.value and is_valid_phone(current.value)):
                fields[phone.key] = Field(digits, f.confidence, f.page, f.bbox, Evidence.SHAPE)


def _may_be(kind: FieldKind, text: str) -> bool:
    """Whether a text could be a value of ``kind``: a synopsis is running text, a person a
    name."""
    if kind is FieldKind.MULTILINE:
        return len(text) >= RUNNING_TEXT_MIN
    if kind in (FieldKind.PERSON, FieldKind.NAMES):
        return all(has_surname(n) and len(n) <= 4 for n in re.split(r"[、，,\s]+", text) if n)
    return True


def _attribute(fields: dict[str, Field], schema: FormSchema, orphans: list[Container],
               layout: PageLayout, page: int, transform: Transform | None) -> None:
    """Give values whose label could not be read to the fields that have none.

    A value of an unmistakable shape (a phone number, a date, a duration) goes to the one
    field of that kind still without a value, or with a value of the wrong shape; then, when
    one field is left without a value and one cell without a label, they belong together
    (their label was there, OCR did not read it), with a confidence that asks for a look.
    """
    for spec in schema.fields:
        current = fields[spec.key]
        if spec.kind not in SHAPES or (current.value is not None
                                       and SHAPES[spec.kind](current.value)):
            continue
        fits = [c for c in orphans if SHAPES[spec.kind](normalize_value(spec.kind, c.text))]
        if len(fits) == 1:
            found = _field(spec, fits[0].segments, page, transform)
            found.evidence = Evidence.SHAPE
            fields[spec.key] = found
            orphans = [c for c in orphans if c is not fits[0]]
    if len(orphans) != 1:
        return
    text = clean_text(orphans[0].text)
    empty = [spec for spec in schema.fields if fields[spec.key].value is None and spec.required
             and spec.kind not in SHAPES and _may_be(spec.kind, text)]
    if len(empty) == 1:
        found = _field(empty[0], orphans[0].segments, page, transform)
        if found.value is not None:
            found.evidence = Evidence.POSITION
            fields[empty[0].key] = found


def _written_in_place(segs: list[Segment], layout: PageLayout) -> list[Segment]:
    limit = FOREIGN_HEIGHT * layout.typical_height()

    def foreign(s: Segment) -> bool:
        width, height = s.bbox[2] - s.bbox[0], s.bbox[3] - s.bbox[1]
        return bool(limit) and height > limit and width < FOREIGN_MAX_ASPECT * height

    return [s for s in segs if not foreign(s)]


def _field(spec: FieldSpec, segs: list[Segment], page: int, transform: Transform | None) -> Field:
    raw = "".join(s.text for row in group_rows(segs) for s in row) if segs else ""
    value = normalize_value(spec.kind, raw)
    if not segs or value is None:
        return Field(None, 0.0, page, None)
    bbox = _union([s.bbox for s in segs])
    if transform is not None:
        bbox = transform.bbox_to_original(bbox)
    confidence = sum(s.confidence for s in segs) / len(segs)
    return Field(value, round(confidence, 4), page, [round(v, 1) for v in bbox],
                 weakest=min(s.weakest for s in segs))
