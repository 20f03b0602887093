"""Value normalisation shared by extraction, evaluation and (later) reconciliation.

domain.md §4: phone digits only for mobiles, ``0351-1234567`` for landlines; dates ISO; other
fields as written with whitespace removed inside Chinese text. domain.md §3 lists the noise the
PP-OCR recogniser adds on these forms; the tables below undo the common cases.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

import opencc

from pipeline.forms import FieldKind

# The recogniser covers simplified and traditional Chinese in one model and sometimes returns
# traditional forms for simplified glyphs (domain.md §3: 區 for 区, 號 for 号): OpenCC's
# traditional-to-simplified conversion undoes that for every character.
_T2S = opencc.OpenCC("t2s")

# Letters and symbols the recogniser returns for digits in digit-only fields (domain.md §3).
_DIGIT_LOOKALIKES = str.maketrans(
    {"β": "8", "B": "8", "$": "5", "S": "5", "s": "5", "O": "0", "o": "0", "D": "0", "Q": "0",
     "l": "1", "I": "1", "|": "1", "i": "1", "Z": "2", "z": "2", "g": "9", "q": "9", "b": "6",
     "G": "6", "T": "7", "A": "4"}
)
_DASHES = "-－—–‐−一~～"
_WHITESPACE = re.compile(r"\s+")
_TRAILING_PUNCT = "：:;；,，、|_ "
_EDGE_PUNCT = "：:;；,，.。、|_ '\""


_CJK = re.compile(r"[\u4e00-\u9fff]")
_TO_FULLWIDTH_PUNCT = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！",
                                     "(": "（", ")": "）"})


def _halfwidth_alnum(text: str) -> str:
    """Full-width letters and digits become ASCII; Chinese punctuation is kept as written."""
    return "".join(
        unicodedata.normalize("NFKC", c) if "\uff10" <= c <= "\uff5a" and c.isalnum() else c
        for c in text
    )


def _pair_quotes(text: str) -> str:
    """Chinese double quotes alternate open/close; the recogniser often returns ” for “."""
    out, opened = [], False
    for char in text:
        if char in "“”\"":
            char = "”" if opened else "“"
            opened = not opened
        out.append(char)
    return "".join(out)


def to_simplified(text: str) -> str:
    """Simplified forms of the traditional characters in ``text``, character for character.

    OpenCC converts phrases as well; where a phrase would change the length (offsets into
    the text must stay valid) each character is converted on its own.
    """
    if text.isascii():
        return text
    out = _T2S.convert(text)
    if len(out) != len(text):
        out = "".join(_T2S.convert(c) for c in text)
    return out


def clean_text(text: str | None, strip: bool = True) -> str:
    """Simplified forms, no whitespace, no stray punctuation at the ends.

    Chinese text keeps full-width punctuation (the recogniser sometimes returns ASCII
    commas and brackets for them). ``strip=False`` keeps punctuation at the ends, so that
    offsets counted piece by piece add up to those of the joined text.
    """
    if not text:
        return ""
    text = to_simplified(_halfwidth_alnum(text)).replace("\u3000", " ")
    text = _WHITESPACE.sub("", text)
    if _CJK.search(text):
        text = _pair_quotes(text.translate(_TO_FULLWIDTH_PUNCT))
    return text.lstrip(_EDGE_PUNCT).rstrip(_TRAILING_PUNCT) if strip else text


def comparable(text: str | None) -> str:
    """A canonical key for comparing two readings of the same value (NFKC, no whitespace)."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", clean_text(text)))


def to_digits(text: str) -> str:
    """Map digit look-alikes to digits (for fields that hold digits only)."""
    return unicodedata.normalize("NFKC", text).translate(_DIGIT_LOOKALIKES)


def normalize_phone(text: str | None) -> str | None:
    """``13834567890`` for mobiles, ``0351-1234567`` for landlines; None when no number.

    Anything that is neither stays as its digits so a reviewer sees what was read.
    """
    if not text:
        return None
    raw = to_digits(clean_text(text))
    raw = re.sub(r"^\+?86", "", raw)
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return None
    mobile = re.search(r"1[3-9]\d{9}", digits)
    if mobile and len(digits) <= 12:
        return mobile.group(0)
    # Landline: area code 0xx or 0xxx, then a 7- or 8-digit number.
    parts = [p for p in re.split(rf"[{_DASHES}()（）\s]+", raw) if p]
    parts = [re.sub(r"\D", "", p) for p in parts]
    parts = [p for p in parts if p]
    if len(parts) >= 2 and parts[0].startswith("0") and 3 <= len(parts[0]) <= 4:
        return f"{parts[0]}-{''.join(parts[1:])}"
    if digits.startswith("0") and len(digits) in (10, 11, 12):
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return digits


def is_valid_phone(value: str | None) -> bool:
    return bool(value) and bool(re.fullmatch(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}", value))


# Dates as people write them: 2023年5月10日, 2023.5.10, 2023/05/10, 2023-5-10, 23.5.10,
# 二〇二三年五月十日, 二零二三年九月廿一日; full-width or not, with the spaces OCR puts between the
# parts, and often a time after them (10:30, 9时) that must never join the day.
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "◯": 0}
_CN_TENS = {"十": 10, "廿": 20, "卅": 30}
_CN_NUMERALS = "".join(_CN_DIGITS) + "".join(_CN_TENS)
_CN_ZERO_LOOKALIKES = "Oo0口"  # what OCR returns for 〇 between two numerals (二O二三, 二口二三)
_CN_RUN = re.compile(rf"[{_CN_NUMERALS}](?:\s?[{_CN_NUMERALS}]|[{_CN_ZERO_LOOKALIKES}]"
                     rf"(?=[{_CN_ZERO_LOOKALIKES}]*[{_CN_NUMERALS}]))*")
_CN_QUANTITY = re.compile(r"([一二三]?)([十廿卅])([一二三四五六七八九]?)")
_CN_ZERO_IN_DIGITS = re.compile(r"(?<=[0-9])[〇○◯零](?=[0-9])")
_DATE_MARKS = re.compile(r"\s*[年月日号]")
_AFTER_MONTH = re.compile(r"月\s*$")
_LOOKALIKES = re.escape("".join(map(chr, _DIGIT_LOOKALIKES)))
_NUM = rf"[0-9{_LOOKALIKES}]"  # a digit, or a letter the recogniser returns for one
_WORDLIKE = rf"[0-9A-Za-z{_LOOKALIKES}]"
_SEP = r"[./\-—–‐−~,、一]"  # after NFKC: ．／－～，are . / - ~ ,
_DATE = re.compile(rf"""
    (?<!{_WORDLIKE})(?<![0-9][./\-])         # a number of its own, not the tail of a longer one
    (?P<y>{_NUM}{{4}}|{_NUM}{{2}})
    (?:\s*(?P<ys>年)|\s*(?P<sep>{_SEP}))\s*
    (?P<m>{_NUM}{{1,2}})
    (?(ys)\s*(?P<ms>月)|\s*(?P<sep2>{_SEP}))\s*
    (?P<d>{_NUM}{{1,2}}?)                    # the shortest day that ends as a day ends:
    (?:\s*(?P<ds>[日号])                     # 日 (or E, the recogniser's 日: domain.md §3),
      |(?=E)
      |(?!{_WORDLIKE})(?![./\-][0-9])        # no digit or letter after it,
      |(?=(?:2[0-3]|[01]?[0-9])\s*[:时点]))    # or the hour of a time run into it (110:30)
""", re.VERBOSE)
_YEARS = (1900, 2099)  # of a four-digit year; two digits are 20xx


def _cn_number(run: str) -> str | None:
    """Arabic digits for Chinese numerals: 二〇二三 → 2023 digit by digit, 十二 → 12, 廿一 → 21."""
    run = re.sub(rf"\s|[{_CN_ZERO_LOOKALIKES}]", lambda m: "" if m[0].isspace() else "〇", run)
    if not any(c in _CN_TENS for c in run):
        return "".join(str(_CN_DIGITS[c]) for c in run)
    m = _CN_QUANTITY.fullmatch(run)
    if not m or (m[1] and m[2] != "十"):
        return None
    tens = _CN_DIGITS[m[1]] * 10 if m[1] else _CN_TENS[m[2]]
    return str(tens + (_CN_DIGITS[m[3]] if m[3] else 0))


def _arabic_date_numerals(text: str) -> str:
    """Chinese numerals where a date's numbers stand (before 年, 月, 日 or 号, or after 月) as
    Arabic digits, and 〇 between Arabic digits as 0. Numerals elsewhere stay; those of a
    phrase that only looks placed (三十年如一日) become digits no date is read from."""
    def arabic(m: re.Match[str]) -> str:
        placed = _DATE_MARKS.match(text, m.end()) or _AFTER_MONTH.search(text, 0, m.start())
        return (_cn_number(m[0]) or m[0]) if placed else m[0]
    return _CN_RUN.sub(arabic, _CN_ZERO_IN_DIGITS.sub("0", text))


def _number(part: str, marked: bool) -> int | None:
    """A date's number read through OCR's look-alikes (1O → 10): at most half of it
    look-alikes, unless 年/月/日 after it says it is a number."""
    alike = sum(c not in "0123456789" for c in part)
    return int(to_digits(part)) if marked or alike <= len(part) // 2 else None


def _iso(m: re.Match[str]) -> str | None:
    if m["ys"] is None and len(m["y"]) == 2 and (m["sep"] != m["sep2"] or not m["y"].isdigit()):
        return None  # 23.5.1 is a date; a two-digit year between mixed marks is not
    year, month, day = (_number(m["y"], m["ys"] is not None), _number(m["m"], m["ms"] is not None),
                        _number(m["d"], m["ds"] is not None))
    if year is None or month is None or day is None:
        return None
    year += 2000 if len(m["y"]) == 2 else 0
    if not _YEARS[0] <= year <= _YEARS[1]:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None  # 2023-02-30 is no date


def normalize_date(text: str | None) -> str | None:
    """ISO ``2023-05-10`` from a date as people write it (see above) and OCR-noisy variants
    (2O23年O5月2QE); None where no calendar date is written."""
    if not text:
        return None
    raw = _WHITESPACE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text)))
    for m in _DATE.finditer(_arabic_date_numerals(raw)):
        if iso := _iso(m):
            return iso
    return None


def normalize_duration(text: str | None) -> str | None:
    if not text:
        return None
    raw = clean_text(text)
    return "".join(to_digits(c) if c.isascii() else c for c in raw) or None


TICKED = frozenset("☑☒✓✔√■▣◼●◉⊠✅✗×")  # a box or mark a person made (pipeline.ticks)
EMPTY = frozenset("□☐○◯口")  # a box left empty (口: how OCR sometimes reads one)
# Which a name never holds: the recogniser reads a colon or a box printed before a value as
# one (授权人：邓志 read as 授权人☑邓志). 口 is left: it is a character too.
_BOXES = "".join(sorted((TICKED | EMPTY) - {"口"}))


def normalize_person(text: str | None) -> str | None:
    """One name: as :func:`clean_text`, with no box or tick at its ends."""
    return clean_text(text).strip(_BOXES + _EDGE_PUNCT) or None


def normalize_names(text: str | None) -> str | None:
    """Names separated by 、 (domain.md §2); commas, spaces and slashes become 、."""
    if not text:
        return None
    raw = to_simplified(unicodedata.normalize("NFKC", text))
    pieces = (piece.strip(_BOXES + _EDGE_PUNCT) for piece in re.split(r"[、,，;；/\s]+", raw))
    names = [name for name in pieces if name]
    return "、".join(part for n in names for part in _two_names(n)) or None


def _two_names(name: str) -> list[str]:
    """A run of two names whose 、 OCR lost (钟欣姜磊), when it splits only one way into two
    names of two or three characters, each starting with a surname; else the run as it is."""
    if len(name) < 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", name) or (
            name[:2] in _surnames()[1]):
        return [name]
    splits = [(name[:k], name[k:]) for k in (2, 3)
              if 2 <= len(name) - k <= 3 and has_surname(name[:k]) and has_surname(name[k:])]
    return list(splits[0]) if len(splits) == 1 else [name]


def normalize_value(kind: FieldKind, text: str | None) -> str | None:
    """Normalise a raw field value by the kind its schema declares."""
    shaped = _NORMALISERS.get(kind)
    return shaped(text) if shaped else clean_text(text) or None


# What the recogniser returns for a comma between two Chinese characters of running text.
_COMMA_LOOKALIKE = re.compile(r"(?<=[\u4e00-\u9fff])[·•∙・.．](?=[\u4e00-\u9fff])")


def running_text(text: str | None) -> str | None:
    """Chinese running text (a synopsis): as :func:`clean_text`, with the dots OCR reads for
    a comma between two characters (·, ., ．) made commas again."""
    cleaned = clean_text(text)
    return _COMMA_LOOKALIKE.sub("，", cleaned) or None


_NORMALISERS = {FieldKind.PERSON: normalize_person, FieldKind.PHONE: normalize_phone,
                FieldKind.DATE: normalize_date,
                FieldKind.DURATION: normalize_duration, FieldKind.NAMES: normalize_names,
                FieldKind.MULTILINE: running_text}


def synopsis_length(text: str | None) -> int:
    """Characters as the notice counts them: Chinese characters and punctuation, no spaces."""
    return len(_WHITESPACE.sub("", text or ""))


SURNAMES_FILE = Path(__file__).parent / "surnames.txt"


@cache
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character, compound) Chinese surnames."""
    lines = [ln for ln in SURNAMES_FILE.read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    words = [w for ln in lines for w in ln.split()]
    return (frozenset(c for w in words if len(w) > 2 for c in w),
            frozenset(w for w in words if len(w) == 2))


def has_surname(name: str) -> bool:
    """Whether ``name`` starts with a Chinese surname (a personal name does)."""
    single, compound = _surnames()
    return name[:2] in compound or name[:1] in single
