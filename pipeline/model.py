"""Typed objects passed between the stages.

Every node serialises with ``to_dict()`` / ``from_dict()``; bboxes are ``[x0, y0, x1, y1]`` in
pixels of the *original* page image (or PDF points scaled to the render dpi for text-layer
pages), after mapping back through the page's :class:`Transform`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import SKIP_CODES, Code, Place, Reason

BBox = list[float]  # [x0, y0, x1, y1]
CELL_SLACK = 8  # px: neighbouring cells' borders may overlap by this much


FORMS_DIR = Path(__file__).parent / "forms"


def _form_types() -> type[StrEnum]:
    """One form type per schema file in ``pipeline/forms`` (its name is the type), and
    ``unknown``: a new form type needs its schema and its words in the catalog, no code."""
    names = sorted(p.stem for p in FORMS_DIR.glob("*.yaml"))
    return StrEnum("FormType", [(n.upper(), n) for n in names] + [("UNKNOWN", "unknown")],
                   module=__name__)


FormType = _form_types()


class Origin(StrEnum):
    PAPER = "paper"
    EMAIL = "email"


class Status(StrEnum):
    OK = "ok"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"
    NOT_A_FORM = "not_a_form"  # a page that is no contest form: kept apart, nobody chased


class OtherKind(StrEnum):
    """What a page that is no contest form was found to be."""

    COVER_LETTER = "cover_letter"  # 报送函: a unit's letter sending its forms (its unit noted)
    OTHER = "other"  # 其他文件: an invoice, another office's form, a poster, a page of prose


class EntryStatus(StrEnum):
    """Status of one manifest line (input file, page or attachment)."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    DUPLICATE = "duplicate"


class Route(StrEnum):
    """How the text of a page was obtained."""

    OCR = "ocr"
    TEXT_LAYER = "text-layer"
    DOCX = "docx"
    XLSX = "xlsx"
    NONE = "none"  # the file could not be opened

    @property
    def has_geometry(self) -> bool:
        """Whether boxes on this route are places on a page (not on a synthetic Word page)."""
        return self in (Route.OCR, Route.TEXT_LAYER)


class Owner(StrEnum):
    """Who raises, and alone may clear, a kind of flag."""

    BATCH = "batch"  # the runner: the page itself (duplicate, unclassified)
    CHECKS = "checks"  # the audit rules over one record
    RECONCILE = "reconcile"  # pairing paper with email


class FlagKind(StrEnum):
    """The flag vocabulary (domain.md §4). Kinds that name a field or clause carry it as ``key``."""

    MISSING_SIGNATURE = "missing_signature"
    MISSING_SEAL = "missing_seal"
    MISSING_DATE = "missing_date"
    DATE_OUTSIDE = "date_outside"  # a date read, outside the contest's period (date_window)
    MISSING_FIELD = "missing_field"  # key: the field
    CLAUSE_MISSING = "clause_missing"  # key: the clause's number
    SYNOPSIS_TOO_LONG = "synopsis_too_long"
    INVALID_PHONE = "invalid_phone"
    LATE = "late"
    SEAL_MISMATCH = "mismatch:seal"  # the seal names another unit
    UNCLASSIFIED = "unclassified"
    FORM_GUESSED = "low_confidence:form_type"  # a best guess from weak evidence
    DUPLICATE = "duplicate"
    PAPER_ONLY = "paper_only"
    EMAIL_ONLY = "email_only"
    MISMATCH = "mismatch"  # key: the field whose paper and email readings differ
    UNKNOWN_UNIT = "unknown_unit"  # the unit read is in no list of contest.yaml
    MANY_TICKS = "many_ticks"  # key: a field of one choice with several options ticked
    UNREAD = "unread"  # key: a value there but not read, or read too unsurely: look at it
    MISREAD = "misread"  # key: paper and email differ where the paper was read unsurely

    @property
    def owner(self) -> Owner:
        return _FLAG_OWNERS.get(self, Owner.CHECKS)


_FLAG_ORDER = {kind: i for i, kind in enumerate(FlagKind)}
_FLAG_OWNERS = {
    FlagKind.UNCLASSIFIED: Owner.BATCH, FlagKind.DUPLICATE: Owner.BATCH,
    FlagKind.FORM_GUESSED: Owner.BATCH,
    FlagKind.PAPER_ONLY: Owner.RECONCILE, FlagKind.EMAIL_ONLY: Owner.RECONCILE,
    FlagKind.MISMATCH: Owner.RECONCILE, FlagKind.MISREAD: Owner.RECONCILE,
}


@dataclass(frozen=True)
class Flag:
    """One reason a document needs a person: ``missing_field:phone`` is (MISSING_FIELD, phone)."""

    kind: FlagKind
    key: str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.key is None else f"{self.kind.value}:{self.key}"

    @property
    def owner(self) -> Owner:
        return self.kind.owner

    @classmethod
    def parse(cls, text: str) -> Flag:
        try:
            return cls(FlagKind(text))
        except ValueError:
            kind, _, key = text.partition(":")
            if kind == "low_confidence":  # formscan 0.4's name of unread:<key>
                kind = FlagKind.UNREAD.value
            return cls(FlagKind(kind), key or None)


@dataclass(frozen=True)
class ErrorItem:
    """What went wrong with a document: in which stage, on which page, and why."""

    stage: str
    page: int | None
    reason: Reason

    @property
    def message(self) -> str:
        """The reason in English (the records' ``message``, for scripts)."""
        return str(self.reason)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "page": self.page, "message": self.message,
                "reason": self.reason.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ErrorItem:
        reason = (Reason.from_dict(d["reason"]) if d.get("reason")
                  else Reason(Code.STAGE_RAISED, {"why": d.get("message", "")}))
        return cls(d["stage"], d.get("page"), reason)


@dataclass(frozen=True)
class ConsentVerdict:
    """One consent clause of 相关协议，签名同意 (1-4) found in the page text or not."""

    clause: int
    present: bool
    score: float
    corrected: bool = False  # a person's word on it (never decided again from the score)

    def to_dict(self) -> dict[str, Any]:
        d = {"clause": self.clause, "present": self.present, "score": self.score}
        if self.corrected:
            d["corrected"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConsentVerdict:
        return cls(int(d["clause"]), bool(d["present"]), float(d["score"]),
                   bool(d.get("corrected", False)))


class DiffKind(StrEnum):
    DIFFERENCE = "difference"  # the copies say different things: mismatch:<field>
    MISREADING = "misreading"  # the paper was read unsurely, and close: misread:<field>


@dataclass(frozen=True)
class Diff:
    """A field whose paper and emailed readings disagree beyond its tolerance."""

    field: str
    paper: str
    email: str
    similarity: float
    kind: DiffKind = DiffKind.DIFFERENCE
    # How well the paper crop supports the reading and the emailed value (log-likelihoods,
    # pipeline.confirm); None: not verified.
    support: list[float] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {**asdict(self), "kind": self.kind.value}
        if self.support is None:
            del d["support"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Diff:
        return cls(d["field"], d["paper"], d["email"], float(d["similarity"]),
                   DiffKind(d.get("kind", DiffKind.DIFFERENCE.value)), d.get("support"))


@dataclass
class Transform:
    """The geometric operations applied to a page image, in order.

    Each op maps a point of the image *before* it to the image *after* it with a 3x3 matrix
    (rotation, crop, resize and perspective warps are all projective). ``to_original`` inverts
    the chain so a bbox found on the processed image lands on the scan as it was read.
    """

    ops: list[dict[str, Any]] = field(default_factory=list)

    def push(self, name: str, matrix: np.ndarray, **info: Any) -> None:
        self.ops.append({"op": name, "matrix": np.asarray(matrix, float).tolist(), **info})

    def matrix(self) -> np.ndarray:
        """Original -> processed, as one 3x3 matrix."""
        m = np.eye(3)
        for op in self.ops:
            m = np.asarray(op["matrix"]) @ m
        return m

    def points_to_original(self, pts: np.ndarray) -> np.ndarray:
        pts = np.asarray(pts, float).reshape(-1, 2)
        inv = np.linalg.inv(self.matrix())
        homo = np.hstack([pts, np.ones((len(pts), 1))]) @ inv.T
        return homo[:, :2] / homo[:, 2:3]

    def bbox_to_original(self, bbox: BBox) -> BBox:
        x0, y0, x1, y1 = bbox
        pts = self.points_to_original(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
        return [round(float(v), 1) for v in (*pts.min(axis=0), *pts.max(axis=0))]

    def bbox_to_processed(self, bbox: BBox) -> BBox:
        """A bbox on the scan as it was read, on the processed (upright) page."""
        x0, y0, x1, y1 = bbox
        pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)
        homo = np.hstack([pts, np.ones((4, 1))]) @ self.matrix().T
        pts = homo[:, :2] / homo[:, 2:3]
        return [round(float(v), 1) for v in (*pts.min(axis=0), *pts.max(axis=0))]

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The scan as it was read, turned into the processed page (upright, straightened,
        a photo's paper cut out): what the pipeline read, for people to look at."""
        if not self.ops:
            return image
        import cv2

        width, height = self.ops[-1]["size"]
        return cv2.warpPerspective(image, self.matrix(), (int(width), int(height)),
                                   flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                   borderValue=(255, 255, 255))

    def to_dict(self) -> dict[str, Any]:
        return {"ops": self.ops}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transform:
        return cls(ops=list(d.get("ops", [])))


@dataclass
class Word:
    """One recognised character or word with its box (processed-page pixels)."""

    text: str
    bbox: BBox
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(d["text"], list(d["bbox"]), float(d["confidence"]))


@dataclass
class Line:
    """One text line as the OCR engine (or the text layer) returned it."""

    text: str
    bbox: BBox
    confidence: float
    words: list[Word] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "bbox": self.bbox,
            "confidence": self.confidence,
            "words": [w.to_dict() for w in self.words],
        }

    def shifted(self, dx: float, dy: float) -> Line:
        """The line moved by (dx, dy): from a crop's pixels to its page's."""
        def move(b: BBox) -> BBox:
            return [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy]

        return Line(self.text, move(self.bbox), self.confidence,
                    [Word(w.text, move(w.bbox), w.confidence) for w in self.words])

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Line:
        return cls(
            d["text"],
            list(d["bbox"]),
            float(d["confidence"]),
            [Word.from_dict(w) for w in d.get("words", [])],
        )


class Evidence(StrEnum):
    """What carried a field's value (its confidence is about that evidence)."""

    LABEL = "label"  # read beside its printed label
    VOCABULARY = "vocabulary"  # what was read beside the label, snapped to a closed list
    SHAPE = "shape"  # a value of an unmistakable shape (a phone, a date) near or without label
    POSITION = "position"  # the one value left where the form's one unread label stands
    CHECKBOX = "checkbox"  # the option ticked in a printed row of options (pipeline.ticks)
    CONFIRMED_BY_EMAIL = "confirmed_by_email"  # the crop supports the emailed value as well


@dataclass
class Field:
    value: str | None
    confidence: float
    page: int | None
    bbox: BBox | None
    evidence: Evidence = Evidence.LABEL
    raw: str | None = None  # what OCR read, when the value is not exactly that (snapped)
    ink: bool | None = None  # no value: whether its place shows writing OCR did not read
    weakest: float | None = None  # the least sure character's confidence (OCR'd values)
    corrected: bool = False  # a person's correction (the store's corrections layer)

    def __post_init__(self) -> None:
        self.confidence = round(float(self.confidence), 4)
        if self.weakest is not None:
            self.weakest = round(float(self.weakest), 4)
        if self.bbox is not None:
            self.bbox = [round(float(v), 1) for v in self.bbox]

    @property
    def surest(self) -> float:
        """How sure the least sure character of the value is (the confidence without one)."""
        return self.confidence if self.weakest is None else min(self.confidence, self.weakest)

    def to_dict(self) -> dict[str, Any]:
        d = {"value": self.value, "confidence": self.confidence, "page": self.page,
             "bbox": self.bbox}
        if self.value is not None and self.weakest is not None:
            d["weakest"] = self.weakest
        if self.value is not None:
            d["evidence"] = self.evidence.value
        if self.raw is not None:
            d["raw"] = self.raw
        if self.value is None and self.ink is not None:
            d["ink"] = self.ink
        if self.corrected:
            d["corrected"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Field:
        return cls(d.get("value"), float(d.get("confidence", 0.0)), d.get("page"), d.get("bbox"),
                   Evidence(d.get("evidence", Evidence.LABEL.value)), d.get("raw"),
                   d.get("ink"), d.get("weakest"), bool(d.get("corrected", False)))


@dataclass
class Mark:
    """A signature or seal verdict; ``text`` is what was read of it (a seal's ring text)."""

    present: bool
    confidence: float
    bbox: BBox | None = None
    text: str | None = None
    corrected: bool = False  # a person's word on it (present, or the unit its ring names)

    def __post_init__(self) -> None:
        # Detectors compute with numpy: store plain Python values (JSON, SQLite).
        self.present = bool(self.present)
        self.confidence = round(float(self.confidence), 4)
        if self.bbox is not None:
            self.bbox = [round(float(v), 1) for v in self.bbox]

    def to_dict(self) -> dict[str, Any]:
        d = {"present": self.present, "confidence": self.confidence, "bbox": self.bbox}
        if self.text is not None:
            d["text"] = self.text
        if self.corrected:
            d["corrected"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Mark | None:
        if d is None:
            return None
        return cls(bool(d["present"]), float(d["confidence"]), d.get("bbox"), d.get("text"),
                   bool(d.get("corrected", False)))


@dataclass
class Segment:
    """A run of text inside one table cell (or outside any table: ``cell`` is None).

    OCR lines that cross a cell border are split into one segment per cell.
    """

    text: str
    bbox: BBox
    confidence: float
    cell: int | None = None
    weakest: float | None = None  # the least sure character's confidence

    def __post_init__(self) -> None:
        if self.weakest is None:
            self.weakest = self.confidence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Direction(StrEnum):
    """Where a neighbouring table cell lies."""

    RIGHT = "right"
    LEFT = "left"
    BELOW = "below"


@dataclass
class PageLayout:
    """Cells found from the ruling lines of a page, and the page's text split by cell."""

    width: int
    height: int
    cells: list[BBox] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)

    def rows(self, cell: int | None, segments: list[Segment] | None = None) -> list[list[Segment]]:
        """Segments of one cell grouped into visual rows, top to bottom, left to right."""
        chosen = [s for s in (segments or self.segments) if s.cell == cell]
        return group_rows(chosen)

    def all_rows(self) -> list[list[Segment]]:
        """Every row of the page's text: each cell's rows, cell by cell, then the rows
        outside the table."""
        cells = sorted({s.cell for s in self.segments if s.cell is not None})
        return ([row for cell in cells for row in self.rows(cell)]
                + group_rows([s for s in self.segments if s.cell is None]))

    def typical_height(self) -> float:
        """Median height of the page's text segments: the size of its printed lines."""
        heights = sorted(s.bbox[3] - s.bbox[1] for s in self.segments)
        return heights[len(heights) // 2] if heights else 0.0

    def neighbour(self, cell: int, direction: Direction) -> int | None:
        """The adjacent cell right, left of or below ``cell``: overlapping it by half along
        the shared side, nearest first (borders may overlap by a few pixels)."""
        x0, y0, x1, y1 = self.cells[cell]
        best, best_gap = None, float("inf")
        for i, (a0, b0, a1, b1) in enumerate(self.cells):
            if i == cell:
                continue
            if direction is not Direction.BELOW:
                overlap = min(y1, b1) - max(y0, b0)
                gap = a0 - x1 if direction is Direction.RIGHT else x0 - a1
                ok = overlap >= 0.5 * min(y1 - y0, b1 - b0) and gap >= -CELL_SLACK
            else:
                overlap = min(x1, a1) - max(x0, a0)
                gap = b0 - y1
                ok = overlap >= 0.5 * min(x1 - x0, a1 - a0) and gap >= -CELL_SLACK
            if ok and gap < best_gap:
                best, best_gap = i, gap
        return best

    def to_dict(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "cells": self.cells,
                "segments": [s.to_dict() for s in self.segments]}


def group_rows(segments: list[Segment]) -> list[list[Segment]]:
    """Group boxes into rows by vertical overlap, each row sorted left to right."""
    rows: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: (s.bbox[1] + s.bbox[3]) / 2):
        cy = (seg.bbox[1] + seg.bbox[3]) / 2
        for row in rows:
            top = min(s.bbox[1] for s in row)
            bottom = max(s.bbox[3] for s in row)
            if top <= cy <= bottom:
                row.append(seg)
                break
        else:
            rows.append([seg])
    for row in rows:
        row.sort(key=lambda s: s.bbox[0])
    rows.sort(key=lambda r: min(s.bbox[1] for s in r))
    return rows


@dataclass
class Location:
    """Where a document came from: an input file, its pages, the attachment (the records'
    ``source``)."""

    path: str
    pages: list[int]
    attachment: str | None = None
    half: str | None = None  # a sheet holding two forms side by side: "left" or "right"
    part: str | None = None  # an attachment's place in its message ("2", "2.1")

    @property
    def place(self) -> Place:
        return Place(self.path, self.pages[0] if self.pages else None, self.attachment,
                     self.half)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.half is None:
            del d["half"]
        if self.part is None:
            del d["part"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Location:
        return cls(d["path"], list(d.get("pages") or []), d.get("attachment"), d.get("half"),
                   d.get("part"))


@dataclass(frozen=True)
class Message:
    """The message an emailed copy came with."""

    sender: str | None
    subject: str | None
    date: str | None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Message | None:
        return cls(d.get("sender"), d.get("subject"), d.get("date")) if d else None


@dataclass
class Record:
    """One form document (a paper page or an emailed attachment), as domain.md §4 writes it.

    ``transform`` maps the processed page the boxes were found on back to the scan (the
    boxes stored are already mapped: it is kept so a viewer can show the page upright).
    """

    doc_id: str
    origin: Origin
    form_type: FormType
    source: Location
    fields: dict[str, Field] = field(default_factory=dict)
    signature: Mark | None = None
    seal: Mark | None = None
    consent: list[ConsentVerdict] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    status: Status = Status.OK
    route: Route = Route.OCR
    form_score: float = 0.0
    errors: list[ErrorItem] = field(default_factory=list)
    message: Message | None = None  # emailed copies: sender, subject, date
    transform: Transform | None = None
    read_by: Fingerprint | None = None
    dismissed: dict[str, str] = field(default_factory=dict)  # flag -> a person's reason
    other: OtherKind | None = None  # form type unknown: what the page was found to be

    def add_flag(self, flag: Flag) -> None:
        self.replace_flags(flag.owner, [*(f for f in self.flags if f.owner is flag.owner), flag])

    def replace_flags(self, owner: Owner, flags: list[Flag]) -> None:
        """Drop the flags ``owner`` raised before and add ``flags``: the others are kept. The
        flags stand in the vocabulary's order (what to chase first), whichever step raised
        them last."""
        kept = {f for f in self.flags if f.owner is not owner} | set(flags)
        self.flags = sorted((f for f in kept if str(f) not in self.dismissed),
                            key=lambda f: (_FLAG_ORDER[f.kind], f.key or ""))
        self.update_status()

    def has_flag(self, kind: FlagKind) -> bool:
        return any(f.kind is kind for f in self.flags)

    @property
    def flag_names(self) -> list[str]:
        """The flags as domain.md §4 writes them (``missing_field:phone``)."""
        return [str(f) for f in self.flags]

    def value(self, key: str) -> str | None:
        f = self.fields.get(key)
        return f.value if f else None

    def update_status(self) -> None:
        if self.status is Status.FAILED:
            return
        if self.form_type is FormType.UNKNOWN:
            self.status = Status.NOT_A_FORM
        else:
            self.status = Status.NEEDS_REVIEW if self.flags else Status.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "origin": self.origin.value,
            "form_type": self.form_type.value,
            "source": self.source.to_dict(),
            "fields": {k: f.to_dict() for k, f in self.fields.items()},
            "signature": self.signature.to_dict() if self.signature else None,
            "seal": self.seal.to_dict() if self.seal else None,
            "consent": [c.to_dict() for c in self.consent],
            "flags": self.flag_names,
            "status": self.status.value,
            "route": self.route.value,
            "form_score": self.form_score,
            "errors": [e.to_dict() for e in self.errors],
            **({"message": self.message.to_dict()} if self.message else {}),
            **({"transform": self.transform.to_dict()} if self.transform else {}),
            "read_by": self.read_by.to_dict() if self.read_by else None,
            **({"dismissed": dict(self.dismissed)} if self.dismissed else {}),
            **({"other": self.other.value} if self.other else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        return cls(
            doc_id=d["doc_id"],
            origin=Origin(d["origin"]),
            form_type=FormType(d["form_type"]),
            source=Location.from_dict(d["source"]),
            fields={k: Field.from_dict(v) for k, v in d.get("fields", {}).items()},
            signature=Mark.from_dict(d.get("signature")),
            seal=Mark.from_dict(d.get("seal")),
            consent=[ConsentVerdict.from_dict(c) for c in d.get("consent") or []],
            flags=[Flag.parse(f) for f in d.get("flags") or []],
            status=Status(d.get("status", "ok")),
            route=Route(d.get("route", Route.OCR.value)),
            form_score=float(d.get("form_score", 0.0)),
            errors=[ErrorItem.from_dict(e) for e in d.get("errors") or []],
            message=Message.from_dict(d.get("message")),
            transform=Transform.from_dict(d["transform"]) if d.get("transform") else None,
            read_by=Fingerprint.from_dict(d.get("read_by")),
            dismissed=dict(d.get("dismissed") or {}),
            other=OtherKind(d["other"]) if d.get("other") else None,
        )


@dataclass
class WorkItem:
    """One piece of work for the page stages: a page of a paper file, or a page of an emailed
    attachment (a Word or Excel file is laid out on a synthetic page: ``cells`` given, no
    ``image``). ``doc_id`` is a hash of the content, so the same page fed twice has one id.
    """

    path: str
    page: int | None  # 1-based within the file or attachment; None for a one-page document
    origin: Origin
    route: Route
    doc_id: str
    attachment: str | None = None  # as the manifest names it
    image: np.ndarray | None = None  # the page as read (BGR), for scans and PDF pages
    lines: list[Line] = field(default_factory=list)  # a text layer, or a synthetic page's
    cells: list[BBox] | None = None  # a synthetic page's table cells (no ruling lines to find)
    size: tuple[int, int] | None = None  # (width, height) of a synthetic page
    message: Message | None = None
    notes: tuple[Reason, ...] = ()  # what reading its page told (a JPEG cut short)
    # A scanned PDF page's own text layer (the scanner's OCR): never read, only compared with
    # what OCR reads from the image (``pdf.disagreeing``).
    witness: list[Line] = field(default_factory=list)
    half: str | None = None  # one form of a sheet holding two side by side: "left", "right"
    part: str | None = None  # an attachment's place in its message ("2", "2.1")

    @property
    def source(self) -> Location:
        return Location(self.path, [self.page] if self.page else [], self.attachment,
                        self.half, self.part)


@dataclass(frozen=True)
class Unreadable:
    """A page or attachment a reader could not turn into a :class:`WorkItem`, and why.
    Skipped when it is no form to begin with (the reason's code says so), else failed."""

    page: int | None
    reason: Reason
    route: Route = Route.NONE

    @property
    def skipped(self) -> bool:
        return self.reason.code in SKIP_CODES


@dataclass(frozen=True)
class Fingerprint:
    """What read a page: formscan's version, the OCR engine, its model files (SHA-256
    prefixes, overrides included) and the detection size. A page read by another fingerprint
    is read again."""

    formscan: str
    engine: str
    models: tuple[tuple[str, str], ...] = ()  # (task, sha256 prefix), sorted
    det_side: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"formscan": self.formscan, "engine": self.engine,
                "models": dict(self.models), "det_side": self.det_side}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Fingerprint | None:
        if not d:
            return None
        return cls(str(d["formscan"]), str(d["engine"]),
                   tuple(sorted((str(k), str(v)) for k, v in (d.get("models") or {}).items())),
                   int(d.get("det_side") or 0))

    def differs(self, other: Fingerprint | None) -> list[str]:
        """What differs from ``other`` (formscan, engine, models, det_side), in that order."""
        if other is None:
            return ["formscan"]
        return [name for name in ("formscan", "engine", "models", "det_side")
                if getattr(self, name) != getattr(other, name)]


WHOLE_MESSAGE = "0"  # the part of an mbox message's own line (no attachment, or damaged)


@dataclass
class ManifestEntry:
    """One line of manifest.jsonl: an input file, page or attachment and what became of it.
    ``reason`` says why it failed, was skipped or is a duplicate; ``notes`` what to know about
    a line that was read (a file read as what it really is)."""

    path: str
    page: int | None
    status: EntryStatus
    attachment: str | None = None
    doc_id: str | None = None
    route: Route = Route.OCR
    reason: Reason | None = None
    file_sha256: str | None = None
    notes: tuple[Reason, ...] = ()
    read_by: Fingerprint | None = None  # a line read by another fingerprint is read again
    # A sheet holding two forms side by side: each half's document ("left", "right"); doc_id
    # is the left one's.
    halves: dict[str, str] = field(default_factory=dict)
    part: str | None = None  # an attachment's place in its message ("2", "2.1"): with the
    # path and page, the line's key (attachments sharing a name are two lines)

    @property
    def place(self) -> Place:
        return Place(self.path, self.page, self.attachment)

    @property
    def doc_ids(self) -> list[str]:
        """Every document this line gave: its doc_id, and a two-form sheet's other half."""
        ids = [self.doc_id] if self.doc_id else []
        return ids + [d for d in self.halves.values() if d not in ids]

    @property
    def key(self) -> tuple[int | None, str | None, str | None]:
        """What tells this line from the other lines of its file."""
        return self.page, self.attachment, self.part

    @property
    def error(self) -> str | None:
        """The reason in English (the contract's ``error``, for scripts)."""
        return str(self.reason) if self.reason else None

    def to_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "page": self.page, "attachment": self.attachment,
             "status": self.status.value, "doc_id": self.doc_id, "route": self.route.value,
             "error": self.error, "reason": self.reason.to_dict() if self.reason else None}
        if self.notes:
            d["note"] = "; ".join(str(n) for n in self.notes)
            d["notes"] = [n.to_dict() for n in self.notes]
        d["read_by"] = self.read_by.to_dict() if self.read_by else None
        if self.halves:
            d["halves"] = dict(self.halves)
        if self.part is not None:
            d["part"] = self.part
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ManifestEntry:
        reason = (Reason.from_dict(d["reason"]) if d.get("reason") else
                  Reason(Code.EARLIER_VERSION, {"text": d["error"]}) if d.get("error") else None)
        notes = tuple(Reason.from_dict(n) for n in d.get("notes") or ()) or (
            (Reason(Code.EARLIER_VERSION, {"text": d["note"]}),) if d.get("note") else ())
        return cls(d["path"], d.get("page"), EntryStatus(d["status"]), d.get("attachment"),
                   d.get("doc_id"), Route(d.get("route", Route.OCR.value)), reason,
                   d.get("file_sha256"), notes, Fingerprint.from_dict(d.get("read_by")),
                   dict(d.get("halves") or {}), d.get("part"))
