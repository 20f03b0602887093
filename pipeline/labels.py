"""How a printed label is recognised in OCR'd text: one matcher for every stage that needs it.

A label starts a cell or a row (``联系人``, ``联系人：``), OCR substitutes and drops characters,
and printings add a bracketed note after it (``报送单位（盖章）``, ``作品简介(500字)``) that a
cell border or a line wrap may cut. Extraction and the signature check both find labels here.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

MIN_SCORE = 78  # rapidfuzz ratio (0-100) for a text to count as a label
COLON = "：:"
# A bracketed note after a label: （盖章）, (500字), （签名）.
NOTE = re.compile(r"[（(][^（()）]{0,7}[）)]")
# ... or the part of one a cell border or a line wrap left at the start of a text.
_NOTE_OR_PART = re.compile(r"^[（(][^）)]{0,7}(?:[）)]|$)|^[^（(）)]{0,5}[）)]")


def match_start(alias: str, text: str) -> tuple[float, int]:
    """How well ``text`` starts with ``alias``: (ratio 0-100, characters it covers).

    Spaced labels (联 系 人) are already joined by clean_text. A colon soon after the start
    ends the label and is covered with it, unless the text starts with the alias better
    without it (``签字日期：`` starts with 签字). Ties go to the longer cover.
    """
    best = (0.0, 0)
    colon = next((i for i, c in enumerate(text) if c in COLON), -1)
    if 0 < colon <= len(alias) + 3:
        best = (fuzz.ratio(alias, text[:colon]), colon + 1)
    for n in range(max(1, len(alias) - 1), min(len(text), len(alias) + 2) + 1):
        score = fuzz.ratio(alias, text[:n])
        if score > best[0] or (score == best[0] and n > best[1]):
            best = (score, n)
    return best


def starts_with_note(text: str) -> bool:
    """Whether ``text`` starts with a label's note, whole or cut (``（盖章）``, ``章）``)."""
    return bool(_NOTE_OR_PART.match(text))


def strip_note(text: str) -> str:
    """``text`` without the note (whole or cut) a label left at its start."""
    return _NOTE_OR_PART.sub("", text, count=1)


def note_end(text: str, pos: int) -> int:
    """Past a closed note that starts at ``pos`` (or ``pos`` when there is none)."""
    note = NOTE.match(text, pos)
    return note.end() if note else pos
