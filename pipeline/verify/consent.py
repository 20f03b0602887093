"""The four consent clauses of 相关协议，签名同意 (domain.md §3), matched fuzzily in the page text.

Clauses wrap over lines, are numbered ``1.``, ``1．``, ``1、`` or not at all, and OCR adds its
own substitutions and drops; each clause is scored by its best partial alignment with the
page's text read in rows, so a clause printed across two lines still matches.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from pipeline.model import PageLayout, group_rows
from pipeline.normalize import clean_text

_NUMBERING = re.compile(r"(?:(?<=[。；])|^)[1-4一二三四][.．、]")
_PUNCT = re.compile(r"[，。、；：,.;:“”\"（）()]")


def _plain(text: str) -> str:
    """Without numbering and punctuation: what OCR keeps most reliably."""
    return _PUNCT.sub("", _NUMBERING.sub("", clean_text(text)))


def page_text(layout: PageLayout) -> str:
    """The page's text in reading order: rows of the whole page, top to bottom."""
    return "".join(s.text for row in group_rows(layout.segments) for s in row)


def match_clauses(layout: PageLayout, clauses: tuple[str, ...]) -> list[float]:
    """Per clause, in order: how well (0..1) it is found in the page text (whether that is
    enough is the checks' call: ``checks.clause_verdicts``)."""
    text = _plain(page_text(layout))
    return [fuzz.partial_ratio(_plain(clause), text) / 100 if text else 0.0
            for clause in clauses]
