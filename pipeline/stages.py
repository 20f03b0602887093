"""The page stages, in order: what happens to one work item, read top to bottom.

``STAGES`` is the list the runner walks. Each stage says which routes it applies to (the
image stages only to pages that need OCR, the verdicts on a page to pages with an image).
Signature, seal and clauses are read on every page with an image, paper or emailed; only the
posted paper's count (``checks`` flags nothing from an emailed copy's). A stage works on the
item's :class:`PageState` and may end the work early (a blank page, a page that is no contest
form). Whatever a stage raises fails that page alone, as an
:class:`~pipeline.model.ErrorItem` naming the stage. The pictures people look at are made
last, once (``pictures``).

The stage functions only call the stage modules; they do no image work of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from pipeline import layout, pdf, preprocess
from pipeline.checks import apply_checks, clause_verdicts
from pipeline.classify import classify, letter_unit
from pipeline.classify import two_forms as classify_two_forms
from pipeline.contest import Contest
from pipeline.errors import Code, FormscanError, Reason
from pipeline.extract import Reading, read_fields
from pipeline.forms import Block, FormSchema, schemas
from pipeline.imaging import ink_share, unexplained_ink
from pipeline.model import (
    ErrorItem,
    Flag,
    FlagKind,
    FormType,
    Line,
    OtherKind,
    PageLayout,
    Record,
    Route,
    Status,
    Transform,
    WorkItem,
    group_rows,
)
from pipeline.normalize import comparable
from pipeline.ocr import OcrEngine
from pipeline.pictures import pictures
from pipeline.snap import snap_fields, unit_by_crop
from pipeline.support import Steps
from pipeline.ticks import read_ticks, ticked_field
from pipeline.verify.consent import match_clauses
from pipeline.verify.seal import SEAL, SealFinding, SealParams, find_seal, read_ring, seal_params
from pipeline.verify.signature import detect_signature

REREAD_INSET = 4  # px inside a cell's borders
CROP_PAD = 4  # px around a value's text when its crop is scored (snap)
REREAD_MIN_INK = 0.005  # share of a cell's pixels that is ink: something is written there
UNREAD_MIN_INK = 0.004  # share of a place's pixels that is ink no printed text explains
# A form whose page is scanned coarser than this (its long side taken as A4's) is too small
# to read: a thumbnail of 300 × 400 pixels is 34 dpi; the sample forms read well at 60 dpi.
MIN_DPI = 60
A4_LONG_INCHES = 297 / 25.4
WITNESS_POOR = 0.5  # share of the values compared a scanner's text layer reads otherwise: poor


@dataclass
class PageState:
    """One work item on its way through the stages."""

    item: WorkItem
    engine: OcrEngine
    contest: Contest
    image: np.ndarray | None = None  # the page, geometry corrected (colour)
    ocr_image: np.ndarray | None = None  # the same with red seal ink suppressed
    prepared: preprocess.Prepared | None = None
    transform: Transform = field(default_factory=Transform)
    lines: list[Line] = field(default_factory=list)
    layout: PageLayout | None = None
    schema: FormSchema | None = None
    reading: Reading | None = None
    record: Record | None = None
    seal: SealFinding | None = None  # where the seal of ``image`` is, once looked for
    seal_params: SealParams = SEAL  # a bilevel page's (a fax) where the page read is one
    signature_box: list[float] | None = None  # the signature found, in ``image``'s pixels
    clause_scores: tuple[PageLayout, list[float]] | None = None  # for the layout they match
    skipped: Reason | None = None  # why the page ended early as no document (blank)
    notes: list[Reason] = field(default_factory=list)  # for the page's manifest line
    halves: list[tuple[int, int]] = field(default_factory=list)  # two forms side by side: x's
    finished: bool = False


def _start(state: PageState) -> None:
    item = state.item
    state.image = state.ocr_image = item.image
    state.lines = list(item.lines)


def _blank(state: PageState) -> None:
    if preprocess.is_blank(state.image):
        state.skipped, state.finished = Reason(Code.BLANK_PAGE), True


def _preprocess(state: PageState) -> None:
    state.seal_params = seal_params(state.image)  # told on the page as read, not deskewed
    prep = preprocess.prepare(state.image, seal=False)
    # A seal's ink is taken away where the seal is, not over the whole page: that would take
    # red print with it (a bank slip's, a letterhead), and on a grey page a light font's
    # strokes with a seal's grey.
    state.seal = find_seal(prep.image, state.seal_params)
    seal = state.seal.mark
    prep = replace(prep, ocr_image=preprocess.suppress_red(
        prep.image, seal=seal.bbox if seal.present else False))
    state.image, state.ocr_image, state.transform = prep.image, prep.ocr_image, prep.transform
    state.prepared = prep


def _ocr(state: PageState) -> None:
    printed = (*state.contest.clauses, state.contest.name)  # read by their ends: pipeline.known
    turns, state.lines = state.engine.read_upright(state.ocr_image, printed)
    if turns:  # the lines are the upright page's: so is everything after
        prep = preprocess.rotate_quarter(state.prepared, turns)
        state.image, state.ocr_image, state.transform = prep.image, prep.ocr_image, prep.transform
        state.seal = None  # found on the page before it was turned


def _two_up(state: PageState) -> None:
    """A sheet holding two forms side by side (a form's title at the top of each half): the
    work ends here, and each half is read as a page of its own (``read_item``)."""
    if state.item.half is not None:
        return
    h, w = state.image.shape[:2]
    if classify_two_forms(state.lines, w, h):
        x = preprocess.gutter(state.image)
        state.halves, state.finished = [(0, x), (x, w)], True


def _layout(state: PageState) -> None:
    item = state.item
    if item.cells is not None:
        state.layout = layout.from_cells(state.lines, item.cells, item.size)
    else:
        state.layout = layout.analyze(state.image, state.lines, item.route is Route.OCR)


def _classify(state: PageState) -> None:
    item = state.item
    clauses = clause_verdicts(_clause_scores(state), state.contest)
    verdict = classify(state.layout, sum(v.present for v in clauses))
    state.record = Record(item.doc_id, item.origin, verdict.form_type, item.source,
                          route=item.route, form_score=verdict.score, message=item.message,
                          transform=state.transform if state.transform.ops else None,
                          other=verdict.other)
    state.record.update_status()
    if verdict.form_type is FormType.UNKNOWN:
        if verdict.other is OtherKind.COVER_LETTER:
            unit = letter_unit(state.layout, state.contest, item.page,
                               state.transform)
            if unit:
                state.record.fields["unit"] = unit
        state.finished = True
        return
    if verdict.guessed:
        state.record.add_flag(Flag(FlagKind.FORM_GUESSED))
    state.schema = schemas()[verdict.form_type]


def _resolution(state: PageState) -> None:
    """A form on a page too small to read (a thumbnail, a photo sent at its smallest) fails
    with a message to rescan it: what OCR made of it is guesswork, and a signature or a seal
    cannot be told on it (no false 缺签名/缺盖章)."""
    h, w = state.image.shape[:2]  # the paper, a photo's background cut away
    dpi = max(h, w) / A4_LONG_INCHES
    if dpi < MIN_DPI:
        height, width = state.item.image.shape[:2]
        raise StageFailed(ErrorItem("resolution", state.item.page, Reason(
            Code.LOW_RESOLUTION, {"width": width, "height": height, "dpi": round(dpi)})))


def _extract(state: PageState) -> None:
    item = state.item
    state.reading = read_fields(state.schema, state.layout, item.page or 0, state.transform)
    fields = state.reading.fields
    if not item.route.has_geometry:  # a Word or Excel file: no page, no place on one
        for f in fields.values():
            f.page, f.bbox = None, None
    state.record.fields = fields


def _reread(state: PageState) -> None:
    """A value cell that holds ink but gave no text (detection missed a line under a seal, a
    faint stamp over it) is read again on its own; the page is then laid out and read anew."""
    found: list[Line] = []
    for place in state.reading.places.values():
        if not place.empty:
            continue
        x0, y0, x1, y1 = (int(round(v)) for v in place.box)
        pad = REREAD_INSET
        crop = state.ocr_image[y0 + pad:y1 - pad, x0 + pad:x1 - pad]
        if crop.size and ink_share(crop) >= REREAD_MIN_INK:
            found += [line.shifted(x0 + pad, y0 + pad) for line in state.engine.recognize(crop)]
    if found:
        state.lines = state.lines + found
        _layout(state)
        _extract(state)


def _ticks(state: PageState) -> None:
    """A closed list printed as options to tick (``□故事片 ☑纪录片``): the field is the option
    ticked, not the row of words read beside its label."""
    page = state.ocr_image if state.item.route.has_geometry else None  # no seal's ink
    for spec in state.schema.fields:
        f = state.record.fields.get(spec.key)
        if spec.vocabulary is None or spec.of_units or f is None or f.value is None:
            continue
        words = state.contest.vocabularies.get(spec.vocabulary, ())
        found = read_ticks(state.reading.segments.get(spec.key, []), words, page)
        if found is not None:
            state.record.fields[spec.key] = ticked_field(f, found)


def _snap(state: PageState) -> None:
    def steps_of(key: str) -> Steps | None:
        """The recogniser's outputs for a value written on one line (its crop on the page
        as OCR saw it); None for a value of several lines or a page without an image."""
        segments = state.reading.segments.get(key) or []
        if state.ocr_image is None or not segments or len(group_rows(segments)) != 1:
            return None
        x0, y0 = (int(min(s.bbox[i] for s in segments)) - CROP_PAD for i in (0, 1))
        x1, y1 = (int(max(s.bbox[i] for s in segments)) + CROP_PAD for i in (2, 3))
        crop = state.ocr_image[max(y0, 0):y1, max(x0, 0):x1]
        return state.engine.steps(crop) if crop.size else None

    snap_fields(state.record.fields, state.schema, state.contest, steps_of)


def _witness(state: PageState) -> None:
    """A scanned PDF page's own text layer (the scanner's OCR, under the image or invisible)
    is compared with what was read from the image: where it reads a few values otherwise, a
    note names them; one that reads most of them otherwise is noted as poor. The values stay
    the image's."""
    if not state.item.witness:
        return
    kinds = {spec.key: spec.kind for spec in state.schema.fields}
    compared, keys = pdf.disagreeing(state.record.fields, state.item.witness, kinds)
    if len(keys) > compared * WITNESS_POOR:  # a poor layer all over: nothing to check by it
        state.notes.append(Reason(Code.TEXT_LAYER_POOR))
    elif keys:  # a layer that reads the page but a few values otherwise: those to check
        state.notes.append(Reason(Code.TEXT_LAYER_DIFFERS, {
            "fields": keys, "form": state.record.form_type.value}))


def _ink(state: PageState) -> None:
    """For a field without a value: is anything written where it should stand? Ink there
    that no printed text explains is a value not read (unread), none is a value not given."""
    # What is explained: the printed text read, and a signature whose strokes run on into
    # the place below it (a date line signed across is no date written).
    explained = [s.bbox for s in state.layout.segments] + (
        [state.signature_box] if state.signature_box else [])
    for key, place in state.reading.places.items():
        f = state.record.fields[key]
        if f.value is not None:
            continue
        f.ink = unexplained_ink(state.ocr_image, place.box, explained) >= UNREAD_MIN_INK
        f.bbox = state.transform.bbox_to_original(place.box)  # the crop a person looks at


def _signature(state: PageState) -> None:
    if Block.SIGNATURE not in state.schema.blocks:
        return
    mark = detect_signature(state.ocr_image, state.layout, state.schema.signature_labels)
    if mark.present and mark.bbox is not None:
        state.signature_box = list(mark.bbox)
    if mark.bbox is not None:
        mark.bbox = state.transform.bbox_to_original(mark.bbox)
    state.record.signature = mark


def _seal(state: PageState) -> None:
    if Block.SEAL not in state.schema.blocks:
        return

    strips: list[np.ndarray] = []

    def read_text(strip: np.ndarray) -> str:
        strips.append(strip)
        return "".join(line.text for line in state.engine.recognize(strip))

    # The ring is read only where a seal is found: it names the unit a form leaves in doubt,
    # and it contradicts a clearly read one (mismatch:seal, 2 of 36 forms of a generated
    # set) -- so it decides something on every sealed page. The seal was found when its ink
    # was taken away (preprocess); it is looked for again only on a page turned since.
    finding = read_ring(state.image, state.seal or find_seal(state.image, state.seal_params),
                        read_text, state.seal_params)
    mark = finding.mark
    mark.text = finding.ring_text
    if mark.text and strips and state.contest.seal_unit(mark.text) is None:
        # A ring read too poorly to name a unit by its spelling: the unit the ring's own
        # strip supports, asked of the recogniser (pipeline.snap, as a value's crop).
        found = unit_by_crop(mark.text, state.contest, state.engine.steps(strips[0]))
        if found is not None:
            mark.text = found.value
    if mark.bbox is not None:
        mark.bbox = state.transform.bbox_to_original(mark.bbox)
    state.record.seal = mark


def _consent(state: PageState) -> None:
    if Block.CLAUSES in state.schema.blocks:
        state.record.consent = clause_verdicts(_clause_scores(state), state.contest)


def _clause_scores(state: PageState) -> list[float]:
    """The consent clauses matched in the page's text, once per layout (classify asks, and
    consent again unless a reread laid the page out anew)."""
    if state.clause_scores is None or state.clause_scores[0] is not state.layout:
        state.clause_scores = (state.layout, match_clauses(state.layout, state.contest.clauses))
    return state.clause_scores[1]


def _checks(state: PageState) -> None:
    apply_checks(state.record, state.schema, state.contest)


IMAGE_ROUTES = frozenset({Route.OCR})
PAGE_ROUTES = frozenset({Route.OCR, Route.TEXT_LAYER})  # a page image to look at
ALL_ROUTES = frozenset(Route)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[PageState], None]
    routes: frozenset[Route] = ALL_ROUTES


STAGES: tuple[Stage, ...] = (
    Stage("start", _start),
    Stage("blank", _blank, IMAGE_ROUTES),
    Stage("preprocess", _preprocess, IMAGE_ROUTES),  # photo crop, deskew, red suppressed
    Stage("ocr", _ocr, IMAGE_ROUTES),  # PP-OCR: one detection, turned upright, recognised
    Stage("two_up", _two_up, IMAGE_ROUTES),  # two forms side by side: each half its own page
    Stage("layout", _layout),  # table cells, text cut at cell borders
    Stage("classify", _classify),  # which form; not a form: ends here
    Stage("resolution", _resolution, IMAGE_ROUTES),  # a form too small to read fails
    Stage("extract", _extract),  # field values by label
    Stage("reread", _reread, IMAGE_ROUTES),  # a value cell with ink but no text, alone
    Stage("ticks", _ticks),  # a closed list printed as options: the one ticked
    Stage("snap", _snap),  # closed vocabularies: units, work types
    Stage("witness", _witness, IMAGE_ROUTES),  # a scanned PDF's own text layer: compared
    Stage("signature", _signature, PAGE_ROUTES),
    Stage("ink", _ink, IMAGE_ROUTES),  # an empty field's place: written on (not signed), or blank
    Stage("seal", _seal, PAGE_ROUTES),
    Stage("consent", _consent),
    Stage("checks", _checks),  # the audit rules: flags
)


class StageFailed(Exception):
    """A stage raised on one page: the page fails alone."""

    def __init__(self, error: ErrorItem) -> None:
        super().__init__(error.message)
        self.error = error


def run_stages(item: WorkItem, engine: OcrEngine, contest: Contest) -> PageState:
    """One work item through :data:`STAGES`. Raises StageFailed naming the stage that broke;
    configuration errors (a model, a schema) stop the batch."""
    state = PageState(item, engine, contest)
    for stage in STAGES:
        if state.finished:
            break
        if item.route not in stage.routes:
            continue
        try:
            stage.run(state)
        except (FormscanError, StageFailed):
            raise  # no page can succeed: stop the batch; or the page said why it fails
        except Exception as exc:  # noqa: BLE001 - named and recorded for this page only
            raise StageFailed(ErrorItem(stage.name, item.page, Reason(
                Code.STAGE_RAISED, {"why": f"{type(exc).__name__}: {exc}"}))) from exc
    return state


@dataclass
class Outcome:
    """What became of one work item: its record, or why it gave none (a blank page), and
    the pictures people look at (JPEG bytes by name, see ``pipeline.pictures``)."""

    record: Record | None
    skipped: Reason | None = None
    pictures: dict[str, bytes] = field(default_factory=dict)
    notes: tuple[Reason, ...] = ()  # what to know about the page read (its manifest line's)
    more: list[Outcome] = field(default_factory=list)  # a two-form sheet: the right half's


def failed_outcome(item: WorkItem, error: ErrorItem) -> Outcome:
    """A work item that could not be read: a failed record of form type unknown that says
    which stage broke and why (the one place such a record is made)."""
    return Outcome(Record(item.doc_id, item.origin, FormType.UNKNOWN, item.source,
                          status=Status.FAILED, route=item.route, message=item.message,
                          errors=[error]))


def read_item(item: WorkItem, engine: OcrEngine, contest: Contest) -> Outcome:
    """One work item through the stages, and its pictures. A page that breaks a stage is a
    failed record that says which stage broke."""
    try:
        state = run_stages(item, engine, contest)
    except StageFailed as failed:
        return failed_outcome(item, failed.error)
    if state.halves:
        return _read_halves(state, engine, contest)
    shown = {}
    if state.record is not None and state.image is not None and item.route.has_geometry:
        shown = pictures(state.record, state.image)
    return Outcome(state.record, state.skipped, shown, tuple(state.notes))


def _read_halves(state: PageState, engine: OcrEngine, contest: Contest) -> Outcome:
    """Each half of a sheet holding two forms read as a page of its own (cut from the sheet
    as turned upright and straightened), its boxes and transform then put back on the sheet
    as scanned. The left half keeps the sheet's ``doc_id`` (a sheet fed twice is one, as any
    page), the right one's is derived from it. A form printed twice (both halves read the
    same) is one document."""
    item = state.item
    outcomes = []
    for half, (x0, x1) in zip(("left", "right"), state.halves):
        crop = np.ascontiguousarray(state.image[:, x0:x1])
        doc_id = item.doc_id if half == "left" else hashlib.sha256(
            f"{item.doc_id}/{half}".encode()).hexdigest()[:len(item.doc_id)]
        sub = replace(item, image=crop, doc_id=doc_id, half=half, lines=[], witness=[],
                      notes=())
        outcome = read_item(sub, engine, contest)
        if outcome.record is not None:
            _onto_sheet(outcome.record, state.transform, x0, crop.shape[1], crop.shape[0])
        outcomes.append(outcome)
    left, right = outcomes
    if _same_form(left.record, right.record):
        left.record.source = replace(left.record.source, half=None)
        return replace(left, notes=(Reason(Code.TWO_UP_SAME), *left.notes))
    return replace(left, notes=(Reason(Code.TWO_UP), *left.notes, *right.notes), more=[right])


def _onto_sheet(record: Record, sheet: Transform, x0: int, width: int, height: int) -> None:
    """A half's record with its boxes on the sheet as scanned, and the transform from the
    sheet as scanned to the half as read (the sheet's own, the cut, the half's own)."""
    def back(bbox: list[float] | None) -> list[float] | None:
        if bbox is None:
            return None
        return sheet.bbox_to_original([bbox[0] + x0, bbox[1], bbox[2] + x0, bbox[3]])

    for f in record.fields.values():
        f.bbox = back(f.bbox)
    for mark in (record.signature, record.seal):
        if mark is not None:
            mark.bbox = back(mark.bbox)
    chain = Transform(list(sheet.ops))
    chain.push("half", np.array([[1.0, 0.0, -x0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
               size=[width, height])
    chain.ops += record.transform.ops if record.transform else []
    record.transform = chain


SAME_FORM = 0.8  # share of the values two halves hold that agree: one form printed twice


def _same_form(a: Record | None, b: Record | None) -> bool:
    """Whether two halves of a sheet read as the same form, filled in the same."""
    if a is None or b is None or a.form_type is FormType.UNKNOWN or a.form_type != b.form_type:
        return False
    keys = [k for k in a.fields.keys() | b.fields.keys() if a.value(k) or b.value(k)]
    same = sum(comparable(a.value(k)) == comparable(b.value(k)) for k in keys)
    return bool(keys) and same >= SAME_FORM * len(keys)

