"""Selection marks: which printed option of a closed list a form ticks.

Units print a closed list as a row of options and tick one: ``□故事片 ☑纪录片 □专题片``, a box
filled, crossed or ticked by hand, or ✓/√ beside the word. PP-OCR reads an empty box as □ and
either reads a marked one as a tick character or drops it (a box with a stroke in it is no
character it knows). So the text says which option is ticked: the one whose box reads as a
tick; else, where the other options keep their empty boxes, the one whose box is gone (beside
a tick, a box gone may be a second mark; two gone, one may be an empty box the recogniser
dropped: the page's boxes decide where they show a mark, else the text's reading counts). Where
no box is read at all, the page is asked: the row's printed boxes are found (squares about a
character high with straight sides), one per option, and a box whose inside holds ink is
marked. Boxes not found one per option leave the row not told, for a person to look at.

An option row with one tick gives the field that option's word (``evidence: checkbox``, what
was read kept as ``raw``); with none, the field is left empty (nothing ticked: the unit is asked
for it); with several where one is allowed, the field is left empty too, the words ticked in
``raw`` (joined by 、), and the checks flag it for a person (``many_ticks``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz import fuzz

from pipeline.imaging import to_grey
from pipeline.model import Evidence, Field, Segment, group_rows
from pipeline.normalize import EMPTY, TICKED, clean_text

WORD_MATCH = 66  # fuzzy ratio at which an option's word is found (纪录斤: one of three misread)
BOX_INK = 0.03  # share of a box's inside (its outline left out) that is ink: marked
TICK_SEP = "、"  # between the words of several options ticked (in ``raw``)
FILLED = 0.85  # share of a square's middle that is ink: a box filled in, not a dense character
SOLID = 0.6  # share of a box's rows (columns) that are strokes across: filled in
LOOP_HEIGHT = 1.15  # line heights: a loop drawn round an option is taller than its text
LOOP_FILL = 0.25  # share of a loop's box that is its ink (a thin stroke round empty paper)
SIDE_INK = 0.6  # share of each side of a square that is a straight line: a printed box
INK_LEVEL = 0.65  # darker than this share of the paper's level: ink


@dataclass(frozen=True)
class Option:
    word: str
    start: int  # where the word starts in the row's text
    end: int
    mark: bool | None  # ticked, left empty, or not told by the text (no box read at it)


@dataclass(frozen=True)
class Ticks:
    """What an option row says: the words ticked (several where a person must look), and how
    surely."""

    words: tuple[str, ...]
    confidence: float
    raw: str


def options(text: str, words: tuple[str, ...]) -> list[Option]:
    """The closed list's words found in a row of text, in order, each with the mark the text
    shows at its box: before the words (□故事片 ☑纪录片) or after them (故事片□ 纪录片☑), as
    the row's boxes stand; not told where the row shows neither."""
    spans: list[tuple[str, int]] = []
    taken = [False] * len(text)
    for word in sorted(words, key=len, reverse=True):
        at = _find(text, word, taken)
        if at is None:
            continue
        for i in range(at, at + len(word)):
            taken[i] = True
        spans.append((word, at))
    spans.sort(key=lambda w: w[1])
    before = [text[at - 1] if at else "" for _, at in spans]
    after = [text[at + len(w)] if at + len(w) < len(text) else "" for w, at in spans]
    side = _box_side(before, after)
    return [Option(w, at, at + len(w), _mark(box[i]) if box else None)
            for i, (w, at) in enumerate(spans) for box in [side]]


def _box_side(before: list[str], after: list[str]) -> list[str] | None:
    """Which side of its word each option's box stands, by where the row shows boxes: the side
    with more, else the one at the row's ends (□故事片 … or … 动画片□)."""
    def boxes(chars: list[str]) -> int:
        return sum(c in TICKED or c in EMPTY for c in chars)

    nb, na = boxes(before), boxes(after)
    if nb != na:
        return before if nb > na else after
    if before and (before[0] in TICKED or before[0] in EMPTY):
        return before
    if after and (after[-1] in TICKED or after[-1] in EMPTY):
        return after
    return None


def _mark(char: str) -> bool | None:
    return True if char in TICKED else False if char in EMPTY else None


def _find(text: str, word: str, taken: list[bool]) -> int | None:
    at = text.find(word)
    if at >= 0 and not any(taken[at:at + len(word)]):
        return at
    best, where = 0.0, None
    for i in range(len(text) - len(word) + 1):
        if any(taken[i:i + len(word)]):
            continue
        score = fuzz.ratio(word, text[i:i + len(word)])
        if score > best:
            best, where = score, i
    return where if best >= WORD_MATCH else None


def read_ticks(segments: list[Segment], words: tuple[str, ...],
               page: np.ndarray | None) -> Ticks | None:
    """The options a row of ``segments`` ticks, or None when it is no option row (fewer than
    two of the list's words)."""
    rows = group_rows(segments)
    text = "".join(clean_text(s.text, strip=False) for row in rows for s in row)
    found = options(text, words)
    if len(found) < 2:
        return None
    ticked = [o for o in found if o.mark]
    if ticked and any(o.mark is None for o in found) and any(o.mark is False for o in found):
        # A tick read, an empty box read and a box not read: a box a mark made unreadable
        # (as below), so that option may be ticked too. The page's boxes settle it; where
        # they are not found, each option not read empty counts as ticked (a person looks).
        on_page = _page_ticks(page, segments, words, found, text)
        return on_page or Ticks(tuple(o.word for o in found if o.mark is not False), 0.85, text)
    if ticked:
        return Ticks(tuple(o.word for o in ticked), 0.95, text)
    circled = _circled(page, segments, found, len(text)) if page is not None else []
    if circled:
        return Ticks(tuple(o.word for o in circled), 0.85, text)
    if any(o.mark is False for o in found):
        # Empty boxes read, so a box not read is one a mark made unreadable. Two or more not
        # read: the recogniser may have dropped an empty one beside the marked one (a line
        # read in pieces, or padded otherwise, keeps or loses a box): the page's boxes
        # settle it where they are found.
        gone = [o for o in found if o.mark is None]
        on_page = _page_ticks(page, segments, words, found, text) if len(gone) > 1 else None
        if on_page and on_page.words:  # boxes found, none marked: the text's mark stands
            return on_page
        return Ticks(tuple(o.word for o in gone), 0.85 if gone else 0.9, text)
    # No box read; none found on the page either: not told.
    return _page_ticks(page, segments, words, found, text) or Ticks((), 0.0, text)


def _page_ticks(page: np.ndarray | None, segments: list[Segment], words: tuple[str, ...],
                found: list[Option], text: str) -> Ticks | None:
    """What the row's printed boxes on the page say: the options whose box holds a mark;
    None without a page, or where the boxes are not found one per option."""
    marks = _marks_on_page(page, segments, words, len(found)) if page is not None else None
    if marks is None:
        return None
    return Ticks(tuple(o.word for o, m in zip(found, marks, strict=True) if m), 0.8, text)


def _band(page: np.ndarray, segments: list[Segment], reach: float
          ) -> tuple[np.ndarray, float, int, int] | None:
    """The ink of the page where a row stands, ``reach`` line heights around it: (ink, the
    line's height, the band's left and top in the page)."""
    x0 = min(s.bbox[0] for s in segments)
    y0 = min(s.bbox[1] for s in segments)
    x1 = max(s.bbox[2] for s in segments)
    y1 = max(s.bbox[3] for s in segments)
    h = max(float(np.median([s.bbox[3] - s.bbox[1] for s in segments])), 1.0)
    top, left = max(int(y0 - reach * h), 0), max(int(x0 - 1.5 * h), 0)
    band = to_grey(page)[top:int(y1 + reach * h), left:int(x1 + 1.5 * h)]
    if band.size == 0:
        return None
    paper = float(np.percentile(band, 90))
    return (band < INK_LEVEL * paper).astype(np.uint8), h, left, top


def _circled(page: np.ndarray, segments: list[Segment], found: list[Option], length: int
             ) -> list[Option]:
    """The options a loop is drawn round: a thin stroke taller than the line that encloses
    its text, matched to the option standing where the loop stands along the row."""
    cut = _band(page, segments, 1.0)
    if cut is None:
        return []
    ink, h, left, top = cut
    text_top = min(s.bbox[1] for s in segments) - top + 0.25 * h
    text_bottom = max(s.bbox[3] for s in segments) - top - 0.25 * h
    x0 = min(s.bbox[0] for s in segments) - left
    width = max(max(s.bbox[2] for s in segments) - left - x0, 1.0)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    out: list[Option] = []
    for x, y, w, ht, area in stats[1:n]:
        if not (ht >= LOOP_HEIGHT * h and w >= 2 * h and area <= LOOP_FILL * w * ht
                and 0 < y < text_top and text_bottom < y + ht < ink.shape[0]):
            continue  # not a loop round the line's text (nor a seal's ring, larger than this)
        where = (x + w / 2 - x0) / width * length  # along the row's text
        nearest = min(found, key=lambda o: abs((o.start + o.end) / 2 - where))
        if nearest.start <= where + len(nearest.word) and nearest not in out:
            out.append(nearest)
    return sorted(out, key=lambda o: o.start)


def _marks_on_page(page: np.ndarray, segments: list[Segment], words: tuple[str, ...],
                   count: int) -> list[bool] | None:
    """Whether each printed box of an option row holds a mark, left to right; None unless
    exactly ``count`` boxes are found where the row stands (a square in the middle of an
    option's word is one of its characters, blurred solid, not a box)."""
    cut = _band(page, segments, 0.3)
    if cut is None:
        return None
    ink, h, left, _ = cut
    inside = _word_spans(segments, words, left)
    boxes = [b for b in _boxes(ink, h)
             if not any(a < b[0] + b[2] / 2 < z for a, z in inside)]
    if len(boxes) != count:
        return None
    return [_holds_mark(ink, box) for box in boxes]


def _word_spans(segments: list[Segment], words: tuple[str, ...], left: int
                ) -> list[tuple[float, float]]:
    """Where the options' words stand along the row, less half a character at each end (the
    characters taken as evenly spread over their segment), from ``left``."""
    spans = []
    for s in segments:
        if not s.text:
            continue
        step = (s.bbox[2] - s.bbox[0]) / len(s.text)
        taken = [False] * len(s.text)
        for word in sorted(words, key=len, reverse=True):
            at = _find(s.text, word, taken)
            if at is None:
                continue
            taken[at:at + len(word)] = [True] * len(word)
            spans.append((s.bbox[0] + (at + 0.5) * step - left,
                          s.bbox[0] + (at + len(word) - 0.5) * step - left))
    return spans


def _boxes(ink: np.ndarray, h: float) -> list[tuple[int, int, int, int]]:
    """Printed boxes in a band of ink, left to right: squares about a character high whose
    sides are straight lines (found as the outermost rows and columns of a shape of straight
    strokes that run most of its width or height, so a tick poking out of its box leaves the
    box as it is)."""
    k = max(3, int(0.4 * h))
    outline = (cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, k), np.uint8))
               | cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((k, 1), np.uint8)))
    outline = cv2.dilate(outline, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(outline)
    found = []
    for i in range(1, n):
        x, y, w, ht = (int(v) for v in stats[i][:4])
        shape = labels[y:y + ht, x:x + w] == i
        rows = np.flatnonzero(shape.mean(axis=1) >= SIDE_INK)
        cols = np.flatnonzero(shape.mean(axis=0) >= SIDE_INK)
        if not (_two_sides(rows) and _two_sides(cols)):
            continue  # a character's strokes (事: four across), not a box's two sides
        box = (x + int(cols[0]), y + int(rows[0]), int(cols[-1] - cols[0]) + 1,
               int(rows[-1] - rows[0]) + 1)
        bw, bh = box[2], box[3]
        if not (0.45 * h <= bw <= 1.4 * h and 0.45 * h <= bh <= 1.4 * h
                and 0.7 <= bw / bh <= 1.4):
            continue
        solid = len(rows) > 0.5 * bh and len(cols) > 0.5 * bw  # strokes all the way across
        m = bh // 4
        if not solid or float(ink[box[1] + m:box[1] + bh - m, box[0] + m:box[0] + bw - m]
                              .mean()) >= FILLED:
            found.append(box)  # a box, or one filled in (not a dense character: 事)
    return sorted(found)


def _two_sides(lines: np.ndarray) -> bool:
    """Whether the long strokes one way are a box's two sides (two runs of adjacent rows or
    columns) or a box filled in (strokes over most of the way from side to side; a fill
    drawn inside the outline leaves gaps by the sides)."""
    if len(lines) < 2:
        return False
    runs = 1 + int(np.count_nonzero(np.diff(lines) > 1))
    return runs == 2 or (len(lines) >= 8 and len(lines) >= SOLID * (lines[-1] - lines[0] + 1))


def _holds_mark(ink: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether a box's inside, away from its outline, is inked: a tick, a cross, a fill."""
    x, y, w, h = box
    m = max(2, int(0.2 * min(w, h)))
    inside = ink[y + m:y + h - m, x + m:x + w - m]
    return inside.size > 0 and float(inside.mean()) >= BOX_INK


def ticked_field(read: Field, ticks: Ticks) -> Field:
    """The field an option row gives: the word ticked (the row read kept as ``raw``); none
    where several are ticked (their words in ``raw``, ``ink`` True: a person settles it); none
    where nothing is ticked (``ink`` False where the row's boxes read empty, so the unit is
    asked; unknown where the text could not tell, so a person looks)."""
    if len(ticks.words) > 1:
        return Field(None, ticks.confidence, read.page, read.bbox, evidence=Evidence.CHECKBOX,
                     raw=TICK_SEP.join(ticks.words), ink=True)
    value = ticks.words[0] if ticks.words else None
    ink = None if value or not ticks.confidence else False
    return Field(value, ticks.confidence, read.page, read.bbox, evidence=Evidence.CHECKBOX,
                 raw=ticks.raw, ink=ink)
