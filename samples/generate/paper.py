"""Paper, resolution, fonts and inks shared by drawing, sealing and scanning."""

from __future__ import annotations

import pymupdf

DPI = 200
PX_PER_PT = DPI / 72
PAGE_W, PAGE_H = pymupdf.paper_size("a4")
BOTTOM_MARGIN = 38.0

Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)
SEAL_RED: Color = (0.86, 0.1, 0.13)

TYPED_CJK = "china-s"  # values typed in Word
HAND_CJK = "china-ss"  # the base glyphs of handwriting
LATIN_FOR = {"china-s": "helv", "china-ss": "tiro"}  # CJK fonts set digits 1 em wide
HAND_ADVANCE_CJK = 0.98  # advance of a handwritten glyph, in font sizes
HAND_ADVANCE_ASCII = 0.6
PDF_DATE = "D:20231008090000+08'00'"  # fixed, so that files are reproducible
