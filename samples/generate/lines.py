"""The pieces of a form retyped without a table (layout ``lines``): which fields share a
line, values on underlines, a value run on to the next line, rows of printed options with one
ticked (printed ☑ ■ ✓ √, or a tick or a circle drawn by pen).

:mod:`.draw` lays a whole form out of them (the framed consent, the written date); what is
ticked and how comes with the form's content (:class:`.content.Retyping`).
"""

from __future__ import annotations

import math
import random

import pymupdf

from samples.generate.content import Mark, OptionRow
from samples.generate.painter import Painter

BOX = "□"
# The CJK font's □ and ■ are small (ink 0.42 em wide, 0.17-0.59 em above the baseline): set
# 1.85 times larger and lowered, they stand 0.78 em square on the text's centre line, as the
# symbol fonts print them. A box takes BOX_W font sizes of the row.
BOX_SCALE, BOX_INK_X, BOX_INK_MID, TEXT_MID = 1.85, 0.09, 0.38, 0.37
BOX_W = 1.0
CLOSING = "，。；、：）》”！？"
SHORT = frozenset(("duration", "contact", "phone", "author"))  # values that share a line
# A printed ■, ✓ (from the dingbats) or √ takes the box's place; ☑ is the box with a ✓ set
# into it (Word prints it from a symbol font that no built-in font matches).


def line_plan(keys: list[str], alone: frozenset[str], rng: random.Random
              ) -> list[tuple[str, ...]]:
    """Which fields share a line: short ones, two or three to a line (联系人：… 电话：…);
    ``alone`` (option rows, values below their label or run on) keep a line of their own."""
    keys = list(keys)
    per_line = rng.choice((2, 2, 3))
    loose = [k for k in keys if k in SHORT and k not in alone and k not in ("contact", "phone")]
    if per_line == 3 and loose and "contact" in keys and rng.random() < 0.6:
        keys.remove(loose[0])  # 作品时长 or 授权人 moved up to the contact's line
        keys.insert(keys.index("contact"), loose[0])
    lines: list[tuple[str, ...]] = []
    for key in keys:
        last = lines[-1] if lines else ()
        if (last and key in SHORT and key not in alone and len(last) < per_line
                and all(k in SHORT and k not in alone for k in last) and rng.random() < 0.8):
            lines[-1] = (*last, key)
        else:
            lines.append((key,))
    return lines


def underlined(p: Painter, x0: float, x1: float, y: float, text: str | None, hand: bool
               ) -> pymupdf.Rect:
    """A value on an underline from ``x0`` to ``x1`` (baseline ``y``); returns its area."""
    p.line((x0, y + 4), (x1, y + 4))
    if text:
        pad = min(p.rng.uniform(4, 18), (x1 - x0) * 0.1)
        p.inline(x0 + pad, y, text, hand, x1 - x0 - pad - 4)
    size = p.style.hand_size if hand else p.style.value_size
    return pymupdf.Rect(x0, y - size * 1.3, x1, y + 5)


def run_on(p: Painter, text: str, hand: bool, first: float) -> tuple[str, str]:
    """Where a value runs on to the next line: at what fits ``first`` points, and never later
    than three quarters of it (the underline was drawn short)."""
    size = p.style.hand_size if hand else p.style.value_size
    measure = p.hand_width if hand else p.typed_width
    cut = max(2, round(len(text) * p.rng.uniform(0.45, 0.75)))
    while cut > 2 and measure(text[:cut], size) > first:
        cut -= 1
    while cut < len(text) - 1 and text[cut] in CLOSING:  # punctuation never starts a line
        cut += 1
    return text[:cut], text[cut:]


def option_row(p: Painter, x: float, x1: float, y: float, options: tuple[str, ...],
               row: OptionRow) -> pymupdf.Rect:
    """The options side by side from ``x`` (baseline ``y``), each with its box before or
    after it, the ticked ones marked; shrunk to end before ``x1``."""
    rng = p.rng
    mark = row.mark
    boxes = mark is not Mark.PEN_CIRCLE or rng.random() < 0.5
    box_after = rng.random() < 0.5
    gap = rng.uniform(1.0, 2.2)  # between options, in font sizes
    size = p.style.label_size
    need = sum(p.label_width(o, size) for o in options) + size * len(options) * (
        gap + (BOX_W + 0.2 if boxes else 0))
    size = min(size, size * (x1 - x) / need)
    top = y - size * 1.1
    for option in options:
        ticked = option in row.ticked
        parts = [option, BOX] if box_after else [BOX, option]
        if not boxes:
            parts = [option]
        start = x
        for part in parts:
            if part == BOX:
                _box(p, x, y, size, mark if ticked else None)
                x += size * (BOX_W + 0.2)
            else:
                x = p.label_text(x, y, part, size) + size * 0.15
        if ticked and mark is Mark.PEN_CIRCLE:
            _pen_circle(p, pymupdf.Rect(start, y - size, x, y + size * 0.25))
        x += size * gap
    return pymupdf.Rect(p.style.margin, top, x, y + size * 0.4)


def _box(p: Painter, x: float, y: float, size: float, mark: Mark | None) -> None:
    """An option's box: empty, or replaced or filled in by a printed mark, or ticked by pen."""
    box = size * BOX_SCALE
    glyph_x = x + size * 0.05 - box * BOX_INK_X
    glyph_y = y + box * BOX_INK_MID - size * TEXT_MID
    if mark is Mark.ROOT:
        p.label_text(x, y, "√", size)
    elif mark is Mark.CHECK:
        p.dingbat(x, y, "✓", size * 1.1)
    else:
        p.label_text(glyph_x, glyph_y, "■" if mark is Mark.FILLED_BOX else BOX, box)
    if mark is Mark.BOXED_TICK:
        p.dingbat(x + size * 0.12, y - size * 0.06, "✓", size * 0.9)
    elif mark is Mark.PEN_TICK:
        _pen_tick(p, x, y, size)


def _pen_tick(p: Painter, x: float, y: float, size: float) -> None:
    """A tick stroke by pen over the box at ``x``: short down, long up, often past the box."""
    rng = p.rng
    s = size * rng.uniform(0.9, 1.3)
    start = pymupdf.Point(x + s * rng.uniform(0.0, 0.2), y - s * rng.uniform(0.4, 0.6))
    low = pymupdf.Point(x + s * rng.uniform(0.3, 0.45), y + s * rng.uniform(-0.05, 0.12))
    end = pymupdf.Point(x + s * rng.uniform(0.9, 1.25), y - s * rng.uniform(0.9, 1.3))
    bend = (low + end) / 2 + (rng.uniform(-2, 1), rng.uniform(-1, 2))
    p.page.draw_polyline([start, low], color=p.style.ink, width=rng.uniform(1.1, 1.8))
    p.page.draw_bezier(low, bend, bend, end, color=p.style.ink, width=rng.uniform(1.1, 1.8))


def _pen_circle(p: Painter, rect: pymupdf.Rect) -> None:
    """A loop drawn by pen round ``rect``: a little crooked, its ends overlapping."""
    rng = p.rng
    cx, cy = (rect.x0 + rect.x1) / 2, (rect.y0 + rect.y1) / 2
    rx, ry = rect.width / 2 + rng.uniform(2, 6), rect.height / 2 + rng.uniform(2, 5)
    tilt = math.radians(rng.uniform(-6, 6))
    start = rng.uniform(0, 2 * math.pi)
    sweep = 2 * math.pi * rng.uniform(1.03, 1.15)
    points = []
    for i in range(41):
        t = start + sweep * i / 40
        r = 1 + 0.04 * math.sin(3 * t + start) + (i / 40) * rng.uniform(-0.03, 0.05)
        ex, ey = rx * r * math.cos(t), ry * r * math.sin(t)
        points.append(pymupdf.Point(cx + ex * math.cos(tilt) - ey * math.sin(tilt),
                                    cy + ex * math.sin(tilt) + ey * math.cos(tilt)))
    p.page.draw_polyline(points, color=p.style.ink, width=rng.uniform(0.9, 1.5))
