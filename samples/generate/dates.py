"""The ways Chinese forms write a date, for the forms units retype without a table.

``二〇二三年五月十五日``, ``二零二三年五月十五日``, ``2023年5月15日``, ``2023.5.15``,
``2023/05/15``, ``2023-5-15`` (zero-padded or not, sometimes with a time after it), or the
printed ``年 月 日`` blanks filled in. :func:`date_deck` deals the ways so that every one of
them appears once a batch dates enough forms.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

HANZI_DIGITS = "〇一二三四五六七八九"


class DateWay(StrEnum):
    HANZI_O = "hanzi_o"  # 二〇二三年五月十五日
    HANZI_LING = "hanzi_ling"  # 二零二三年五月十五日
    DIGITS_NIAN = "digits_nian"  # 2023年5月15日
    DOT = "dot"  # 2023.5.15
    SLASH = "slash"  # 2023/05/15
    DASH = "dash"  # 2023-5-15
    BLANKS = "blanks"  # the printed 年 月 日 with the numbers written into the blanks


_SEPARATORS = {DateWay.DOT: ".", DateWay.SLASH: "/", DateWay.DASH: "-"}
_PADDABLE = (DateWay.DIGITS_NIAN, DateWay.DOT, DateWay.SLASH, DateWay.DASH)


@dataclass(frozen=True)
class DateWriting:
    """How one form writes its date."""

    way: DateWay
    padded: bool = False  # month and day as two digits (05, 09)
    time: str | None = None  # a time written after the date: "14:30"

    def write(self, day: date) -> str:
        return write_date(day, self)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "way": self.way.value}


def hanzi_number(n: int) -> str:
    """A month or day in Chinese numerals: 5 五, 10 十, 15 十五, 20 二十, 31 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else HANZI_DIGITS[tens] + "十"
    return head + (HANZI_DIGITS[ones] if ones or not tens else "")


def write_date(day: date, writing: DateWriting) -> str:
    """The date as the form writes it (the BLANKS way: ``2023年5月15日``, as read)."""
    way = writing.way
    if way in (DateWay.HANZI_O, DateWay.HANZI_LING):
        year = "".join(HANZI_DIGITS[int(d)] for d in str(day.year))
        if way is DateWay.HANZI_LING:
            year = year.replace("〇", "零")
        text = f"{year}年{hanzi_number(day.month)}月{hanzi_number(day.day)}日"
    else:
        width = 2 if writing.padded else 1
        month, dd = f"{day.month:0{width}d}", f"{day.day:0{width}d}"
        sep = _SEPARATORS.get(way)
        text = f"{day.year}{sep}{month}{sep}{dd}" if sep else f"{day.year}年{month}月{dd}日"
    return f"{text} {writing.time}" if writing.time else text


def date_deck(rng: random.Random) -> list[DateWriting]:
    """One round of every way, shuffled: the numeric ways both padded and not, one with a
    time after it."""
    padded = [True, False] + [rng.random() < 0.5 for _ in _PADDABLE[2:]]
    rng.shuffle(padded)
    timed = rng.choice(_PADDABLE)
    deck = []
    for way in DateWay:
        pad = padded[_PADDABLE.index(way)] if way in _PADDABLE else False
        time = f"{rng.randint(8, 17)}:{rng.choice((0, 10, 15, 20, 30, 40, 45)):02d}"
        deck.append(DateWriting(way, pad, time if way is timed else None))
    rng.shuffle(deck)
    return deck
