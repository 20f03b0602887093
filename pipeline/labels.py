"""How a printed label is recognised in OCR'd text: one matcher for every stage that needs it.

A label starts a cell or a row (``联系人``, ``联系人：``), OCR substitutes and drops characters,
and printings add a bracketed note after it (``报送单位（盖章）``, ``作品简介(500字)``) that a
cell border or a line wrap may cut. Extraction and the signature check both find labels here.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

MIN_SCORE = 78  # rapidfuzz ratio (0-100) for a text to count as a label
RUN_ON = 0.9  # an inexact label followed by more Chinese without a break scores this share
COLON = "：:"
NOTE_MAX = 9  # characters of a note with its brackets (（导演、编剧）)
# A bracketed note after a label: （盖章）, (500字), （签名）.
NOTE = re.compile(r"[（(][^（()）]{0,7}[）)]")
# ... or the part of one a cell border or a line wrap left at the start of a text.
_NOTE_OR_PART = re.compile(r"^[（(][^）)]{0,7}(?:[）)]|$)|^[^（(）)]{0,5}[）)]")


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def split_note(alias: str) -> tuple[str, str]:
    """A label spelling as its core and its note: ``报送单位（盖章）`` -> (报送单位, 盖章)."""
    cut = next((i for i, c in enumerate(alias) if c in "（("), len(alias))
    return alias[:cut], alias[cut:].strip("（()）")


def match_start(alias: str, text: str) -> tuple[float, int]:
    """How well ``text`` starts with the label ``alias``: (ratio 0-100, characters it covers).

    The label's core is compared fuzzily (OCR substitutes and drops characters); spaced
    labels (联 系 人) are already joined by clean_text. What printings add after a label is
    covered with it: a bracketed note, whole or cut at the end of the text, in full- or
    half-width brackets, or the alias's own note with its brackets lost (报送单位盖章); then a
    colon. A colon soon after the start ends the label, unless the text starts with the core
    better without it (``签字日期：`` starts with 签字). Ties go to the longer cover.
    """
    core, note = split_note(alias)
    best = (0.0, 0)
    colon = next((i for i, c in enumerate(text) if c in COLON), -1)
    if 0 < colon <= len(core) + 3:
        best = (fuzz.ratio(core, NOTE.sub("", text[:colon])), colon)
    for n in range(max(1, len(core) - 1), min(len(text), len(core) + 2) + 1):
        score = fuzz.ratio(core, text[:n])
        if score > best[0] or (score == best[0] and n > best[1]):
            best = (score, n)
    score, n = best
    n = note_end(text, n, note)
    if n < len(text) and text[n] in COLON:
        return score, n + 1
    if score < 100 and n < len(text) and is_cjk(text[n]):
        # An inexact label running on into more words (作品 of 作品授权书 for 作品名) is
        # probably another word: only where the label ends (a cell, a colon) may OCR have
        # dropped or changed one of its characters.
        score *= RUN_ON
    return score, n


def starts_with_note(text: str) -> bool:
    """Whether ``text`` starts with a label's note, whole or cut (``（盖章）``, ``章）``)."""
    return bool(_NOTE_OR_PART.match(text))


def strip_note(text: str) -> str:
    """``text`` without the note (whole or cut) a label left at its start."""
    return _NOTE_OR_PART.sub("", text, count=1)


def note_end(text: str, pos: int, note: str = "") -> int:
    """Past a label's note that starts at ``pos``: a closed one, one cut by the end of the
    text, or ``note`` itself without brackets; ``pos`` when there is none."""
    closed = NOTE.match(text, pos)
    if closed:
        return closed.end()
    if pos < len(text) and text[pos] in "（(" and len(text) - pos <= NOTE_MAX and not any(
            c in "）)" for c in text[pos:]):
        return len(text)  # the rest of the note is in the next cell or line
    if note and text.startswith(note, pos):
        return pos + len(note)
    return pos
