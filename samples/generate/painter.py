"""Drawing on a PDF page: the visual style of one printing, and the painter that types,
handwrites, signs and rules with it."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import pymupdf

from samples.generate.facts import NUMBERINGS, LabelVariants
from samples.generate.paper import (
    BLACK,
    DPI,
    HAND_ADVANCE_ASCII,
    HAND_ADVANCE_CJK,
    HAND_CJK,
    LATIN_FOR,
    PAGE_H,
    PAGE_W,
    TYPED_CJK,
    Color,
)

Anchors = dict[str, pymupdf.Rect]  # where things landed: unit cell, signature, date line
_DINGBATS = pymupdf.Font("zadb")  # ✓ (the CJK fonts' own check glyph is empty)


@dataclass(frozen=True)
class Style:
    """Visual choices of one printing of a form and of the pen that filled it in."""

    label_font: str
    title_size: float
    title_bold: bool
    title_prefix: bool
    title_wrapped: bool
    attachment: str | None
    label_size: float
    value_size: float
    hand_size: float
    rule_width: float
    row_h: float
    margin: float
    top: float
    label_w: float
    split: float  # share of the value width given to the first pair of a two-pair row
    center_labels: bool
    center_values: bool
    leading: float
    numbering: str
    hanging_indent: bool
    center_heading: bool
    consent_in_table: bool
    synopsis_stacked: bool
    vertical_label: bool
    first_line_indent: bool
    sign_same_line: bool
    year_printed: bool
    underline_values: bool
    ink: Color
    pen: float  # stroke width of handwriting, relative to the font size
    slant: float
    labels: LabelVariants = LabelVariants()  # how this retyping sets the schema's labels
    # (draw_form picks them for a form; a bare style prints the schema's spellings)

    def compacted(self, level: int) -> Style:
        """A tighter version of the style, for forms that do not fit the page."""
        if level == 0:
            return self
        shrink = 0.88**level
        return replace(
            self,
            row_h=max(21.0, self.row_h * shrink),
            top=max(30.0, self.top * shrink),
            title_size=max(14.0, self.title_size - level),
            label_size=max(9.0, self.label_size - 0.5 * level),
            value_size=max(9.0, self.value_size - 0.5 * level),
            hand_size=max(10.0, self.hand_size - level),
            leading=max(1.25, self.leading - 0.1 * level),
            attachment=None,
        )


def pick_style(rng: random.Random) -> Style:
    blue = rng.random() < 0.65
    ink: Color = (
        (rng.uniform(0.03, 0.12), rng.uniform(0.12, 0.25), rng.uniform(0.5, 0.72))
        if blue
        else (rng.uniform(0.05, 0.15),) * 3
    )
    return Style(
        label_font=rng.choice(("china-s", "china-ss")),
        title_size=rng.uniform(16, 21),
        title_bold=rng.random() < 0.6,
        title_prefix=rng.random() < 0.35,
        title_wrapped=rng.random() < 0.4,
        attachment=rng.choice((None, None, "附件1", "附件2", "附件3", "附件")),
        label_size=rng.uniform(10.5, 12.5),
        value_size=rng.uniform(10.5, 12),
        hand_size=rng.uniform(12, 15),
        rule_width=rng.uniform(0.8, 1.2),
        row_h=rng.uniform(26, 36),
        margin=rng.uniform(48, 78),
        top=rng.uniform(45, 80),
        label_w=rng.uniform(72, 112),
        split=rng.uniform(0.42, 0.6),
        center_labels=rng.random() < 0.75,
        center_values=rng.random() < 0.25,
        leading=rng.uniform(1.4, 1.8),
        numbering=rng.choice(NUMBERINGS),
        hanging_indent=rng.random() < 0.5,
        center_heading=rng.random() < 0.5,
        consent_in_table=rng.random() < 0.5,
        synopsis_stacked=rng.random() < 0.5,
        vertical_label=rng.random() < 0.3,
        first_line_indent=rng.random() < 0.5,
        sign_same_line=rng.random() < 0.35,
        year_printed=rng.random() < 0.2,
        underline_values=rng.random() < 0.6,
        ink=ink,
        pen=rng.uniform(0.0, 0.035),
        slant=rng.uniform(-0.05, 0.3),
    )


def _runs(text: str) -> Iterable[tuple[str, bool]]:
    """Split text into runs of ASCII and non-ASCII characters (each set in its own font).

    A space between two Chinese characters (a letter-spaced 联 系 人) stays in their run, in
    their font, as Word sets it: the label is one piece of text, not one per character.
    """
    def ascii_at(i: int) -> bool:
        if text[i] == " ":
            before, after = text[:i].rstrip(" ")[-1:], text[i:].lstrip(" ")[:1]
            if before and after and not before.isascii() and not after.isascii():
                return False
        return text[i].isascii()

    keys = [ascii_at(i) for i in range(len(text))]
    start = 0
    for key, group in itertools.groupby(keys):
        end = start + len(list(group))
        yield text[start:end], key
        start = end


def wrap(text: str, width: float, measure: Callable[[str], float], first: float | None = None
         ) -> list[str]:
    """Break text character by character (Chinese has no spaces) so lines fit ``width``.

    ``first`` is the width of the first line when it differs. Closing punctuation never
    starts a line; it hangs into the margin instead, as Word does.
    """
    lines: list[str] = []
    line = ""
    limit = width if first is None else first
    for ch in text:
        if line and measure(line + ch) > limit and ch not in "，。；、：）》”！？":
            lines.append(line)
            line, limit = "", width
        line += ch
    if line:
        lines.append(line)
    return lines


class Painter:
    """Draws typed text, handwriting, signatures and table rules on one page."""

    def __init__(self, page: pymupdf.Page, rng: random.Random, style: Style,
                 electronic: bool = False) -> None:
        self.page = page
        self.rng = rng
        self.style = style
        self.electronic = electronic  # a Word form: signature pasted in as an image
        self.text = page.new_shape()  # all text, committed at once by finish()
        self.rules = page.new_shape()

    # typed text ------------------------------------------------------------------------

    @staticmethod
    def typed_width(text: str, size: float, cjk: str = TYPED_CJK) -> float:
        width = 0.0
        for run, is_ascii in _runs(text):
            if is_ascii:
                width += pymupdf.get_text_length(run, fontname=LATIN_FOR[cjk], fontsize=size)
            else:
                width += len(run) * size  # the built-in CJK font sets every glyph 1 em wide
        return width

    def typed(self, x: float, y: float, text: str, size: float, *, cjk: str = TYPED_CJK,
              bold: bool = False) -> float:
        """Typed text with its baseline at ``y``; returns the x where it ends."""
        for run, is_ascii in _runs(text):
            font = LATIN_FOR[cjk] if is_ascii else cjk
            self.text.insert_text(
                (x, y), run, fontname=font, fontsize=size, color=BLACK, fill=BLACK,
                render_mode=2 if bold else 0, border_width=0.04,
            )
            x += self.typed_width(run, size, cjk)
        return x

    def label_text(self, x: float, y: float, text: str, size: float | None = None,
                   bold: bool = False) -> float:
        return self.typed(x, y, text, size or self.style.label_size, cjk=self.style.label_font,
                          bold=bold)

    def label_width(self, text: str, size: float | None = None) -> float:
        return self.typed_width(text, size or self.style.label_size, self.style.label_font)

    def dingbat(self, x: float, y: float, text: str, size: float) -> float:
        """Printed symbols the CJK fonts lack (✓), from the ZapfDingbats font."""
        writer = pymupdf.TextWriter(self.page.rect, color=BLACK)
        _, end = writer.append((x, y), text, font=_DINGBATS, fontsize=size)
        writer.write_text(self.page)
        return end.x

    # handwriting -----------------------------------------------------------------------

    @staticmethod
    def hand_width(text: str, size: float) -> float:
        return sum(
            size * ((HAND_ADVANCE_ASCII if ch.isascii() else HAND_ADVANCE_CJK) + 0.03)
            for ch in text
        )

    def _glyph(self, point: pymupdf.Point, ch: str, size: float, turn: float,
               squeeze: float, pen: float) -> None:
        """One pen-written glyph: rotated, slanted and squeezed around its origin."""
        matrix = pymupdf.Matrix(squeeze, 0, self.style.slant, 1, 0, 0) * pymupdf.Matrix(turn)
        self.text.insert_text(
            point, ch, fontname=HAND_CJK, fontsize=size, color=self.style.ink,
            fill=self.style.ink, render_mode=2, border_width=pen, morph=(point, matrix),
        )

    def hand(self, x: float, y: float, text: str, size: float | None = None) -> float:
        """Handwriting-like text: every glyph placed, sized and turned on its own."""
        rng = self.rng
        size = size or self.style.hand_size
        for ch in text:
            if ch.isspace():
                x += size * 0.4
                continue
            glyph_size = size * rng.uniform(0.88, 1.1)
            point = pymupdf.Point(x, y + rng.gauss(0, size * 0.05))
            self._glyph(point, ch, glyph_size, rng.gauss(0, 4), rng.uniform(0.85, 1.05),
                        self.style.pen)
            advance = HAND_ADVANCE_ASCII if ch.isascii() else HAND_ADVANCE_CJK
            x += glyph_size * advance + rng.uniform(-0.04, 0.1) * size
        return x

    def signature(self, x: float, y: float, name: str) -> pymupdf.Rect:
        """A quick signature: large, rising, slanted glyphs, sometimes a stroke under it."""
        if self.electronic:
            return self._signature_image(x, y, name)
        rng = self.rng
        size = rng.uniform(17, 23)
        rise = rng.uniform(0.0, 0.12) * size
        tilt = rng.uniform(-3, 10)
        start = x
        for i, ch in enumerate(name):
            glyph_size = size * rng.uniform(0.85, 1.15)
            point = pymupdf.Point(x, y - i * rise + rng.gauss(0, 1.2))
            self._glyph(point, ch, glyph_size, tilt + rng.gauss(0, 6), rng.uniform(0.75, 1.0),
                        self.style.pen + 0.02)
            x += glyph_size * rng.uniform(0.7, 0.9)
        if rng.random() < 0.4:
            p0 = pymupdf.Point(start - rng.uniform(0, 6), y + rng.uniform(2, 6))
            p3 = pymupdf.Point(x + rng.uniform(4, 16), y - len(name) * rise + rng.uniform(-3, 3))
            c1 = p0 + (rng.uniform(10, 30), rng.uniform(-6, 6))
            c2 = p3 + (rng.uniform(-30, -10), rng.uniform(-6, 8))
            self.page.draw_bezier(p0, c1, c2, p3, color=self.style.ink,
                                  width=rng.uniform(0.7, 1.3))
        return pymupdf.Rect(start, y - size * 1.3 - len(name) * rise, x + 4, y + size * 0.4)

    def _signature_image(self, x: float, y: float, name: str) -> pymupdf.Rect:
        """The signature drawn on a scratch page and pasted here as a transparent image."""
        scratch = pymupdf.open()
        page = scratch.new_page(width=PAGE_W, height=PAGE_H)
        scribe = Painter(page, self.rng, self.style)
        rect = scribe.signature(x, y, name)
        scribe.finish()
        png = page.get_pixmap(dpi=DPI, alpha=True, clip=rect).tobytes("png")
        scratch.close()
        self.page.insert_image(rect, stream=png)
        return rect

    # rules and cells -------------------------------------------------------------------

    def box(self, rect: pymupdf.Rect) -> None:
        self.rules.draw_rect(rect)

    def line(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        self.rules.draw_line(p0, p1)

    def finish(self) -> None:
        """Put the text and the rules on the page."""
        self.text.commit()
        self.rules.finish(width=self.style.rule_width, color=BLACK, closePath=False)
        self.rules.commit()

    def label(self, rect: pymupdf.Rect, text: str) -> None:
        """A printed label inside its cell, wrapped when the cell is narrow."""
        size = self.style.label_size
        pad = 4.0
        if (self.style.vertical_label and rect.height > 3 * rect.width
                and not any(paren in text for paren in "（(")):
            text = text.replace(" ", "")  # set one glyph per line, spread already
            step = min(size * 1.8, (rect.height - 2 * pad) / len(text))
            y = rect.y0 + (rect.height - step * len(text)) / 2 + size
            for ch in text:
                self.label_text(rect.x0 + (rect.width - size) / 2, y, ch)
                y += step
            return
        if " " in text and self.label_width(text) > rect.width - 2 * pad:
            text = text.replace(" ", "")  # distributed alignment squeezes rather than wraps
        lines = split_label(text, rect.width - 2 * pad, self.label_width)
        lead = size * 1.25
        y = rect.y0 + (rect.height - lead * len(lines)) / 2 + size * 0.95
        for line in lines:
            width = self.label_width(line)
            x = rect.x0 + (rect.width - width) / 2 if self.style.center_labels else rect.x0 + pad
            self.label_text(x, y, line)
            y += lead

    def value(self, rect: pymupdf.Rect, text: str | None, hand: bool) -> None:
        """A field value inside its cell: shrunk, then wrapped, until it fits."""
        if not text:
            return
        pad = 5.0
        width = rect.width - 2 * pad
        size = self.style.hand_size if hand else self.style.value_size

        def measure(s: str) -> float:
            return self.hand_width(s, size) if hand else self.typed_width(s, size)

        lines = [text]
        while size > 7:
            lines = wrap(text, width, measure)
            if len(lines) * size * 1.2 <= rect.height - 2:
                break
            size -= 0.5
        lead = size * 1.2
        y = rect.y0 + (rect.height - lead * len(lines)) / 2 + size * 0.9
        for line in lines:
            x = rect.x0 + pad
            if self.style.center_values and len(lines) == 1:
                x = rect.x0 + (rect.width - measure(line)) / 2
            if hand:
                self.hand(x, y, line, size)
            else:
                self.typed(x, y, line, size)
            y += lead

    def inline(self, x: float, y: float, text: str | None, hand: bool, width: float) -> None:
        """A value on the baseline of its ``label：``, shrunk to fit ``width``."""
        if not text:
            return
        size = self.style.hand_size if hand else self.style.value_size
        measure = self.hand_width if hand else self.typed_width
        size = min(size, size * width / measure(text, size))
        if hand:
            self.hand(x, y - 1, text, size)
        else:
            self.typed(x, y, text, size)

    def paragraph(self, x0: float, x1: float, y: float, text: str, size: float, hand: bool,
                  indent: float = 0.0, hanging: float = 0.0) -> float:
        """Wrapped prose from top ``y``; returns the y below it."""
        lines = self.paragraph_lines(text, x1 - x0, size, hand, indent, hanging)
        lead = size * self.style.leading
        for i, line in enumerate(lines):
            x = x0 + (indent if i == 0 else hanging)
            if hand:
                self.hand(x, y + size, line, size)
            else:
                self.typed(x, y + size, line, size, cjk=self.style.label_font)
            y += lead
        return y

    def paragraph_lines(self, text: str, width: float, size: float, hand: bool,
                        indent: float = 0.0, hanging: float = 0.0) -> list[str]:
        def measure(s: str) -> float:
            if hand:
                return self.hand_width(s, size)
            return self.typed_width(s, size, self.style.label_font)

        return wrap(text, width - hanging, measure, first=width - indent)


def split_label(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Wrap a label, preferring to break before its parenthesis: 报送单位 / （盖章）."""
    if measure(text) <= width:
        return [text]
    for paren in ("（", "("):
        if paren in text:
            head, tail = text.split(paren, 1)
            return [head, paren + tail]
    return wrap(text, width, measure)
