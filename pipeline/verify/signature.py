"""Signature check: is the area right of the signature label signed by hand?

The label (签名, 签字, 授权人签名 …) is found by fuzzy text wherever it stands: right of the
consent clauses, in a table cell, or at the start of a ``授权人签名：`` line. The OCR usually
reads a signature as text merged with its label (``签名：蔡波军``), but it also reads noise
as text and some signatures as nothing, so the text only steers where to look: the verdict
comes from the ink in the area right of the label, a little above and below it (handwriting
is large and jittered). What is not a signature is removed first:

- the label's own glyphs (their extent estimated from the segment's box and character count),
  other printed rows and the date line (their OCR boxes);
- long straight strokes (table rules, underlines, a stray line), found as thin, straight
  components or long horizontal and vertical runs;
- specks (scanner noise, JPEG) by size, and smudges by their soft edges (a pen stroke's edge
  is sharp) and by what lies around them;
- seal ink: the page comes with red suppressed (``preprocess``), and what a grey scan's seal
  leaves is light grey, so a handwriting component must hold pen-dark pixels.

Only ink on the label's line (a signature rises above it, but starts there) and ink close to
that counts; it is measured against the page's printed glyph size: total ink, and how wide or
tall it spreads. A signature is bigger than print and holds more ink than one stray glyph.
The bbox is in the pixels of the image given (the prepared page for scans).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.labels import COLON, MIN_SCORE, match_start, note_end
from pipeline.model import BBox, Direction, Mark, PageLayout, Segment, group_rows
from pipeline.normalize import clean_text


@dataclass(frozen=True)
class SignatureParams:
    """Every number the signature check works with, named. Lengths are in printed glyph sizes
    ("pitch"); ink levels are shares of the local paper level (the page as OCR saw it)."""

    label_min_score: float = MIN_SCORE  # rapidfuzz ratio (0-100): text that is the label
    no_label_confidence: float = 0.1
    no_room_confidence: float = 0.6
    # Search area around the label's row.
    area_right: float = 10.0
    area_above: float = 2.0
    area_below: float = 1.0
    neighbour_cell_min: float = 2.0  # less room right of the label in its cell: next cell
    # Ink.
    background_window: float = 0.8  # wider than any pen stroke
    weak_ink: float = 0.65  # a pixel darker than this may be ink
    strong_ink: float = 0.55  # handwriting holds pixels darker than this (seal residue not)
    min_strong_pixels: int = 4
    clean_paper: float = 0.85  # handwriting sits on paper at least this light (no smudge)
    speck_area: float = 0.02  # components smaller than this (in pitch²) are noise
    line_min_length: float = 2.0  # a straight component at least this long is a line
    line_run: float = 2.5  # horizontal or vertical runs longer than this are rules
    line_elongation: float = 8.0  # this many times longer than wide, and straight: a line
    line_fill: float = 0.45  # ... straight: it fills this share of its rotated box
    sharp_edge: float = 0.15  # a pen stroke's edge steps this share of its contrast per
    # pixel; a smudge fades out over many pixels
    on_line: float = 0.25  # a signature's ink reaches this close to the label's rows ...
    neighbour_gap: float = 0.5  # ... or lies this close to ink that does
    # The verdict: handwriting-like ink against the printed glyph size.
    signed_ink: float = 0.45  # ink area, in pitch² (one printed glyph is about 0.15-0.25)
    signed_span: float = 1.3  # the ink spreads at least this wide or this tall
    unsigned_confidence: float = 0.95  # no ink at all in the area
    # Confidence from how far the score is from the verdict's edge (log scale): base +
    # span * tanh(steepness * margin).
    confidence_base: float = 0.5
    confidence_span: float = 0.49
    confidence_steepness: float = 1.5


SIGNATURE = SignatureParams()

_DATE_LIKE = re.compile(r"日期|\d{2,4}[年.\-/]|^[\d\s.\-/年月日]+$|年.*月|月.*日")
_OTHER_LABEL = re.compile(r"^[\u4e00-\u9fff]{1,6}[：:]")


@dataclass
class SignatureLabel:
    """A signature label: characters ``start:end`` (colon and bracket tail included) of the
    clean text of one visual row of segments."""

    row: list[Segment]
    start: int
    end: int
    score: float

    def _pieces(self) -> list[tuple[Segment, str, int]]:
        out, offset = [], 0
        for seg in self.row:
            text = clean_text(seg.text)
            out.append((seg, text, offset))
            offset += len(text)
        return out

    @property
    def text(self) -> str:
        return "".join(text for _, text, _ in self._pieces())

    @property
    def segments(self) -> list[Segment]:
        """The segments that hold the label's characters."""
        return [seg for seg, text, offset in self._pieces()
                if offset < self.end and offset + len(text) > self.start]

    def x_at(self, pos: int, pitch: float, start: bool) -> float:
        """Image x of character position ``pos``: where its character starts (``start``) or
        where the one before it ends. A segment holding only label characters spreads them
        over its box; elsewhere they advance by the page's glyph size (a signature read
        into the segment is wider than print)."""
        for seg, text, offset in self._pieces():
            inside = offset <= pos < offset + len(text) if start else (
                offset < pos <= offset + len(text))
            if not inside:
                continue
            units = _width_units(text[:pos - offset])
            if self.start <= offset and offset + len(text) <= self.end:
                return seg.bbox[0] + (seg.bbox[2] - seg.bbox[0]) * units / _width_units(text)
            return seg.bbox[0] + units * pitch
        return self.row[-1].bbox[2] if self.row else 0.0


@dataclass
class _Area:
    """Where a signature is searched (image pixels), the page's glyph size, and the boxes of
    printed text inside it that are not the signature."""

    box: tuple[int, int, int, int]
    pitch: float
    exclude: list[BBox]
    band: tuple[float, float]  # the label's own rows of ink (top, bottom)


def detect_signature(image: np.ndarray, layout: PageLayout, labels: tuple[str, ...],
                     p: SignatureParams = SIGNATURE) -> Mark:
    """Whether the signature area of a page holds a handwritten signature.

    ``image`` is the page as the OCR saw it (red seal ink already suppressed; a plain render
    for text-layer pages), ``layout`` its cells and text segments, ``labels`` the schema's
    signature labels. The bbox is the signature's ink, or the searched area when absent;
    without any signature label the verdict is absent, with low confidence and no bbox.
    """
    label = find_label(layout, labels, p)
    if label is None:
        return Mark(False, p.no_label_confidence, None)
    grey = _grey(image)
    area = _search_area(grey, layout, label, p)
    x0, y0, x1, y1 = area.box
    if x1 - x0 < area.pitch or y1 - y0 < area.pitch:  # no room: the date follows the label
        return Mark(False, p.no_room_confidence, [float(v) for v in area.box])
    ink = _handwriting(grey, area, p)
    present, confidence = _verdict(ink, area.pitch, p)
    if present:
        ys, xs = np.nonzero(ink)
        bbox = [float(x0 + xs.min()), float(y0 + ys.min()),
                float(x0 + xs.max() + 1), float(y0 + ys.max() + 1)]
    else:
        bbox = [float(v) for v in area.box]
    return Mark(present, confidence, bbox)


# --------------------------------------------------------------------------------------------
# The label
# --------------------------------------------------------------------------------------------


def find_label(layout: PageLayout, labels: tuple[str, ...], p: SignatureParams = SIGNATURE
               ) -> SignatureLabel | None:
    """The best signature label on the page: at the start of a row (of a cell, or outside
    any table), or followed by a colon in it.

    The consent heading (相关协议，签名同意) holds 签名 too, but neither at its start nor
    followed by a colon. Ties go to the more specific (longer, earlier) alias, then the
    lowest label on the page.
    """
    best: tuple[tuple, SignatureLabel] | None = None
    for row in _rows(layout):
        pieces = [clean_text(seg.text) for seg in row]
        text = "".join(pieces)
        ends = set(itertools.accumulate(len(p) for p in pieces))  # where a segment ends
        for rank, alias in enumerate(labels):
            for start, end, score in _alias_hits(alias, text, ends, p):
                key = (score, len(alias), -rank, row[0].bbox[1])
                if best is None or key > best[0]:
                    best = (key, SignatureLabel(row, start, end, score))
    return best[1] if best else None


def _rows(layout: PageLayout) -> list[list[Segment]]:
    """Visual rows of text: per table cell, and outside tables (a spaced 签 名 is two
    segments, a signature read apart from its label another)."""
    cells = sorted({s.cell for s in layout.segments if s.cell is not None})
    loose = [s for s in layout.segments if s.cell is None]
    return [row for cell in cells for row in layout.rows(cell)] + group_rows(loose)


def _alias_hits(alias: str, text: str, ends: set[int], p: SignatureParams
                ) -> list[tuple[int, int, float]]:
    hits = []
    # Fuzzy at the start of the segment (OCR substitutions and drops).
    score, n = match_start(alias, text)
    if score >= p.label_min_score and not text[n:].startswith("同意"):
        hits.append((0, _label_end(text, n), score))
    # Exactly, later in the row, where a colon or the segment's end follows: ``…签名：``.
    for m in re.finditer(re.escape(alias), text):
        end = _label_end(text, m.end())
        if m.start() > 0 and (end in ends or text[end - 1] in COLON) \
                and not text[end:].startswith("同意"):
            hits.append((m.start(), end, 100.0))
    return hits


def _label_end(text: str, end: int) -> int:
    """Past what printings add after a label: ``（盖章）``, the rest of an opened bracket,
    and the colon."""
    noted = note_end(text, end)
    if noted > end:
        end = noted
    elif "（" in text[:end] and "）" in text[end:end + 6]:  # 授权人（签名）
        end = text.index("）", end) + 1
    return end + 1 if end < len(text) and text[end] in COLON else end


def _width_units(text: str) -> float:
    """Printed width in glyph sizes: CJK and full-width characters 1, ASCII about half."""
    return sum(0.55 if c.isascii() else 1.0 for c in text)


def glyph_pitch(layout: PageLayout) -> float:
    """The printed glyph size on this page: median advance of its lines of text."""
    pitches = []
    for seg in layout.segments:
        text = clean_text(seg.text)
        units = _width_units(text)
        width, height = seg.bbox[2] - seg.bbox[0], seg.bbox[3] - seg.bbox[1]
        if units >= 4 and width > 2.5 * height and sum(not c.isascii() for c in text) >= 3:
            pitches.append(width / units)
    if pitches:
        return float(np.median(pitches))
    return 0.8 * layout.typical_height() or 30.0


# --------------------------------------------------------------------------------------------
# The search area
# --------------------------------------------------------------------------------------------


def _grey(image: np.ndarray) -> np.ndarray:
    """The red channel: black and blue ink dark, red seal ink (if still there) light."""
    return image if image.ndim == 2 else np.ascontiguousarray(image[:, :, 2])


def _search_area(grey: np.ndarray, layout: PageLayout, label: SignatureLabel,
                 p: SignatureParams) -> _Area:
    """Right of the label to the next date, label, cell border or ten glyphs on; from two
    glyphs above the label's row to one below it (handwriting is large and jittered)."""
    pitch = glyph_pitch(layout)
    own = label.segments
    label_x0 = label.x_at(label.start, pitch, start=True)
    label_x1 = label.x_at(label.end, pitch, start=False)
    sy0, sy1 = min(s.bbox[1] for s in own), max(s.bbox[3] for s in own)
    colon = 0.5 * pitch if label.text[label.end - 1:label.end] in COLON else 0.0
    top, bottom = _label_rows(grey, label_x0, label_x1 - colon, sy0, sy1, pitch, p)

    x0, x1 = label_x1 + 0.05 * pitch, label_x1 + p.area_right * pitch
    y0, y1 = top - p.area_above * pitch, bottom + p.area_below * pitch
    if own[-1].cell is not None:
        # Within the label's cell; a cell that holds the label alone (or no room after it)
        # is a label cell, and the signature goes into the cell on its right.
        cell_id = own[-1].cell
        cell = layout.cells[cell_id]
        alone = all(any(o is s for s in own) for o in layout.segments if o.cell == cell_id)
        right = layout.neighbour(cell_id, Direction.RIGHT)
        if right is not None and (alone or cell[2] - label_x1 < p.neighbour_cell_min * pitch):
            nb = layout.cells[right]
            cell = [cell[0], min(cell[1], nb[1]), nb[2], max(cell[3], nb[3])]
            x1 = nb[2]
        inset = 0.1 * pitch
        x0, x1 = max(x0, cell[0] + inset), min(x1, cell[2] - inset)
        y0, y1 = max(y0, cell[1] + inset), min(y1, cell[3] - inset)

    # A date (or another label) read into the label's row ends the area where it starts.
    rest = label.text[label.end:]
    cut = _DATE_LIKE.search(rest) or _OTHER_LABEL.match(rest)
    if cut:
        at = label.x_at(label.end + cut.start(), pitch, start=True)
        if at > label_x1:  # else the date is the next line's, taken in by a tall signature
            x1 = min(x1, at)
    for other in layout.segments:
        if all(other is not s for s in own) and other.bbox[0] > label_x1 \
                and _other_text(other, top, bottom, pitch) == "row-end":
            x1 = min(x1, other.bbox[0] - 0.1 * pitch)

    height, width = grey.shape
    box = (int(max(0, x0)), int(max(0, y0)), int(min(width, x1)), int(min(height, y1)))
    pad = 0.1 * pitch
    exclude = [[o.bbox[0] - pad, o.bbox[1] - pad, o.bbox[2] + pad, o.bbox[3] + pad]
               for o in layout.segments
               if all(o is not s for s in own) and _overlaps(o.bbox, box)
               and _other_text(o, top, bottom, pitch) is not None]
    return _Area(box, pitch, exclude, (top, bottom))


def _overlaps(a: BBox, b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_rows(grey: np.ndarray, x0: float, x1: float, y0: float, y1: float,
                pitch: float, p: SignatureParams) -> tuple[float, float]:
    """The label's own rows of ink (a merged signature makes its segment taller)."""
    fallback = (max(y0, y1 - 1.2 * pitch), y1) if y1 - y0 > 1.6 * pitch else (y0, y1)
    h, w = grey.shape
    xa, xb = int(max(0, x0)), int(min(w, max(x1, x0 + pitch)))
    ya, yb = int(max(0, y0)), int(min(h, y1))
    if xb - xa < 2 or yb - ya < 2:
        return fallback
    patch = grey[ya:yb, xa:xb]
    paper = float(np.percentile(patch, 95))
    rows = np.count_nonzero(patch < p.weak_ink * paper, axis=1) > 0
    runs = _runs(rows, gap=max(1, int(0.15 * pitch)))
    if not runs:
        return fallback
    start, end = max(runs, key=lambda r: r[1] - r[0])
    if not 0.5 * pitch <= end - start <= 1.6 * pitch:
        return fallback
    return ya + start, ya + end


def _runs(flags: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of True, bridging gaps of up to ``gap`` False values."""
    idx = np.flatnonzero(flags)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap + 1)
    starts = np.r_[idx[0], idx[breaks + 1]]
    ends = np.r_[idx[breaks], idx[-1]] + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _other_text(seg: Segment, top: float, bottom: float, pitch: float) -> str | None:
    """Why a segment near the label is not the signature: ``row-end`` (a date or another
    label further along the label's row), ``text`` (a printed row above or below, a date
    line), or None (it may be the signature as OCR read it)."""
    text = clean_text(seg.text)
    if not text:
        return None
    x0, y0, x1, y1 = seg.bbox
    overlap = min(y1, bottom) - max(y0, top)
    same_row = overlap > 0.5 * min(y1 - y0, bottom - top)
    printed = y1 - y0 <= 1.6 * pitch
    date_like = bool(_DATE_LIKE.search(text))
    if same_row:
        # A handwritten signature misread as a date is not where the row ends.
        explicit = "日期" in text or _OTHER_LABEL.match(text)
        return "row-end" if explicit or (date_like and printed) else None
    if date_like or (printed and _width_units(text) >= 2):
        return "text"
    return None


# --------------------------------------------------------------------------------------------
# Ink
# --------------------------------------------------------------------------------------------


def _handwriting(grey: np.ndarray, area: _Area, p: SignatureParams) -> np.ndarray:
    """Binary mask (area-sized) of the ink that looks like handwriting."""
    x0, y0, x1, y1 = area.box
    pitch = area.pitch
    patch = grey[y0:y1, x0:x1]
    paper = max(float(np.percentile(patch, 90)), 1.0)
    background = _background(patch, pitch, paper, p)
    ratio = patch / background
    weak = (ratio < p.weak_ink).astype(np.uint8)
    strong = ratio < p.strong_ink
    for bx0, by0, bx1, by1 in area.exclude:
        weak[max(0, int(by0) - y0):max(0, int(by1) - y0 + 1),
             max(0, int(bx0) - x0):max(0, int(bx1) - x0 + 1)] = 0

    # Straight strokes on their own (a stray or tilted line); long horizontal and vertical
    # runs (ruling lines and underlines, also where handwriting or another line meets them);
    # then what those runs held together.
    _drop_straight(weak, pitch, p)
    run = max(15, int(p.line_run * pitch))
    lines = cv2.morphologyEx(weak, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                             (run, 1)))
    lines |= cv2.morphologyEx(weak, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                              (1, run)))
    weak &= 1 - cv2.dilate(lines, np.ones((3, 3), np.uint8))
    _drop_straight(weak, pitch, p)
    # What is left: components of stroke size that hold pen-dark pixels, with sharp edges
    # (a smudge fades out), on clean paper (seal text on a grey scan shows where a smudge
    # darkened it).
    count, labels, stats, _ = cv2.connectedComponentsWithStats(weak, connectivity=8)
    strong_count = np.bincount(labels[strong], minlength=count)
    min_area = max(6.0, p.speck_area * pitch * pitch)
    any_ink = cv2.dilate((patch < p.weak_ink * paper).astype(np.uint8), np.ones((3, 3), np.uint8))
    gradient = _gradient(patch)
    keep = np.zeros(count, bool)
    for i in range(1, count):
        if stats[i, cv2.CC_STAT_AREA] < min_area or strong_count[i] < p.min_strong_pixels:
            continue
        x, y, w, h = stats[i, :4]
        inside = labels[y:y + h, x:x + w] == i
        contrast = paper - float(np.percentile(patch[y:y + h, x:x + w][inside], 5))
        sharpness = float(np.percentile(gradient[y:y + h, x:x + w][inside], 90))
        keep[i] = (sharpness >= p.sharp_edge * contrast
                   and _surround(patch, labels, stats[i], i, any_ink) >= p.clean_paper * paper)
    return _on_the_line(keep, labels, stats, area, p)


def _on_the_line(keep: np.ndarray, labels: np.ndarray, stats: np.ndarray,
                 area: _Area, p: SignatureParams) -> np.ndarray:
    """The kept components that sit on the label's line, with their near neighbours.

    A signature is written along the label's row (rising above it); ink that floats on its
    own above or below it is the line before or after (printed text OCR missed), not one."""
    pitch, y0 = area.pitch, area.box[1]
    top, bottom = area.band[0] - y0 - p.on_line * pitch, area.band[1] - y0 + p.on_line * pitch
    ys, hs = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT]
    anchors = keep & (ys < bottom) & (ys + hs > top)
    if not anchors.any():
        return np.zeros(labels.shape, bool)
    reach = max(3, int(p.neighbour_gap * pitch)) | 1
    near = cv2.dilate(anchors[labels].astype(np.uint8), np.ones((reach, reach), np.uint8))
    touched = np.zeros(len(keep), bool)
    touched[np.unique(labels[near > 0])] = True
    return (keep & touched)[labels]


def _gradient(patch: np.ndarray) -> np.ndarray:
    """Grey-level change per pixel (Sobel magnitude, scaled to one pixel's step)."""
    img = patch.astype(np.float32)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy) / 8.0


def _surround(patch: np.ndarray, labels: np.ndarray, stat: np.ndarray, index: int,
              any_ink: np.ndarray) -> float:
    """Mean level of the ink-free pixels just around one component."""
    x, y, w, h = (int(v) for v in stat[:4])
    pad = 5
    ya, yb, xa, xb = max(0, y - pad), y + h + pad, max(0, x - pad), x + w + pad
    comp = (labels[ya:yb, xa:xb] == index).astype(np.uint8)
    ring = (cv2.dilate(comp, np.ones((2 * pad - 1, 2 * pad - 1), np.uint8)) > 0) & (
        any_ink[ya:yb, xa:xb] == 0)
    values = patch[ya:yb, xa:xb][ring]
    return float(values.mean()) if values.size else 0.0


def _background(patch: np.ndarray, pitch: float, paper: float, p: SignatureParams
                ) -> np.ndarray:
    """The paper level around each pixel: strokes are thinner than the window, a smudge or
    uneven light is not. Never below half the area's paper level, so a dark blob stays ink."""
    size = max(5, int(p.background_window * pitch)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    bg = cv2.blur(cv2.dilate(patch, kernel), (size, size)).astype(np.float32)
    return np.maximum(bg, 0.5 * paper)


def _drop_straight(mask: np.ndarray, pitch: float, p: SignatureParams) -> None:
    """Clear (in place) the components of ``mask`` that are long straight lines."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for i in range(1, count):
        x, y, w, h = stats[i, :4]
        if max(w, h) < p.line_min_length * pitch:
            continue
        inside = labels[y:y + h, x:x + w] == i
        if _is_straight(inside, p):
            mask[y:y + h, x:x + w][inside] = 0


def _is_straight(mask: np.ndarray, p: SignatureParams) -> bool:
    """A long, thin component that fills its rotated box: a ruled or stray straight line."""
    points = cv2.findNonZero(mask.astype(np.uint8))
    (_, _), (w, h), _ = cv2.minAreaRect(points)
    long, short = max(w, h), max(min(w, h), 1.0)
    return long / short >= p.line_elongation and len(points) >= p.line_fill * long * short


def _verdict(ink: np.ndarray, pitch: float, p: SignatureParams) -> tuple[bool, float]:
    """Present or not, and how sure, from the handwriting mask."""
    area = float(np.count_nonzero(ink)) / (pitch * pitch)
    if area == 0:
        return False, p.unsigned_confidence
    ys, xs = np.nonzero(ink)
    span = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) / pitch
    # Both must hold: enough ink, spread like writing rather than one dot or glyph.
    score = min(area / p.signed_ink, span / p.signed_span)
    present = score >= 1.0
    margin = abs(np.log(max(score, 1e-3)))
    confidence = p.confidence_base + p.confidence_span * float(
        np.tanh(p.confidence_steepness * margin))
    return present, round(confidence, 3)
