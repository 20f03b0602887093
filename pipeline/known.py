"""Known printed text: where a long line's two ends stand in a text the page is known to print.

The consent clauses (and the contest's name) are printed on every form that carries them, and
were a quarter of the width the recogniser read. :mod:`pipeline.ocr` reads a long line's first
few characters (its *head*); where they stand in one of these texts, it reads the line's last
few (its *tail*) instead of the rest of the line, and where the tail stands in the same text at
the distance the line's width gives, the line is that stretch of the text: the ends as read,
the middle as printed. Anything else -- an end misread, a text not known, a middle too long or
short for the width, a stretch found twice -- and the line is read whole.

Both ends must match character for character (after :func:`fold`), :data:`MIN_CHARS` at least
each; the last character of a head and the first of a tail are not compared (the cut may
run through them). A clause's number (``1.``, ``1、``, ``(1)``) before the head is kept as
read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from pipeline.normalize import clean_text

MIN_CHARS = 3  # characters an end must match: fewer stand in too many places
# How far the characters between the two ends may be from what the width gives: this many,
# or this share of them, whichever is more.
SLACK_CHARS = 2.0
SLACK_SHARE = 0.12
_DIGITS = "0-9一二三四五六七八九十"
_NUMBER = re.compile(rf"^\s*(?:[（(][{_DIGITS}]{{1,2}}[)）]|[{_DIGITS}]{{1,2}}[.．、,，])\s*")


@cache
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", clean_text(char, strip=False))
    return folded if len(folded) == 1 else char


def fold(text: str) -> str:
    """``text`` as compared with a known text, character for character (its length kept):
    simplified forms, half-width letters and digits, full-width Chinese punctuation."""
    return "".join(_fold_char(c) for c in text)


@dataclass(frozen=True)
class Head:
    """The characters at the start of a line that are compared: after its number, before
    its last character."""

    number: str  # as read, kept
    core: str  # compared with the known texts

    @property
    def kept(self) -> str:
        return self.number + self.core


def head(text: str) -> Head | None:
    """What of a head's reading is compared, or None where too little is left."""
    number = _NUMBER.match(text)
    lead = number.group(0) if number else ""
    core = text[len(lead):-1]
    if any(c.isspace() for c in core):
        return None
    return Head(lead, core) if len(core) >= MIN_CHARS else None


def tail(text: str) -> str | None:
    """What of a tail's reading is compared (all but its first character), or None."""
    if any(c.isspace() for c in text):
        return None
    core = text[1:]
    return core if len(core) >= MIN_CHARS else None


@cache
def _folded(known: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(text) for text in known)


def _places(part: str, text: str) -> list[int]:
    """Where ``part`` starts in ``text`` (overlapping places too)."""
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def starts(core: str, known: tuple[str, ...]) -> list[tuple[int, int]]:
    """(text, index after the head's core) for each place a head's core stands in the known
    texts: an empty list, and the line is read whole."""
    part = fold(core)
    return [(k, at + len(part)) for k, text in enumerate(_folded(known))
            for at in _places(part, text)]


def middle(starts: list[tuple[int, int]], tail_core: str, known: tuple[str, ...],
           expected: float) -> str | None:
    """The known characters between a head's core and a tail's core: the one stretch of a
    text in which the head stands at one of ``starts`` (as :func:`starts` gives them) and the
    tail after it, with about ``expected`` characters between (from the line's width); None
    where there is none, or more than one."""
    part = fold(tail_core)
    slack = max(SLACK_CHARS, SLACK_SHARE * expected)
    found = set()
    for k, after in starts:
        text = _folded(known)[k]
        for at in _places(part, text):
            if at >= after and abs((at - after) - expected) <= slack:
                found.add(known[k][after:at])
    return found.pop() if len(found) == 1 else None
