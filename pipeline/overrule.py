"""People's word over what was read: a person's corrections laid over a record.

What a person may correct, by key (the same keys in the review station, in the sheets' key
row and in the store's ``corrections`` table):

- a field's key (``phone``, ``unit`` …): the value, normalised by the field's kind as a reading
  is (a phone typed ``156 8332 8698`` is ``15683328698``, an Excel date ``2023-05-10 00:00:00``
  is ``2023-05-10``); empty: nothing is written there;
- ``signature``, ``seal``: whether the mark is on the paper (``yes``/``no``; 有/无, 是/否 too);
- ``seal_unit``: the unit the seal names;
- ``clause:1`` … ``clause:4``: whether a consent clause is printed (yes/no);
- ``form_type``: which form the page is, or ``unknown``: not a contest form;
- ``duplicate``: whether the page is a copy of another (yes/no);
- ``dismiss:<flag>`` (``dismiss:missing_signature``): the flag is settled, for the reason given.

The layer is laid over every record the store writes, so a rescan, a re-check or a
reconciliation never undoes it; what was read stays (a field's ``raw``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pipeline.errors import Code, Reason
from pipeline.forms import schemas
from pipeline.i18n import form_name
from pipeline.model import (
    ConsentVerdict,
    Field,
    Flag,
    FlagKind,
    FormType,
    Mark,
    Owner,
    Record,
)
from pipeline.normalize import clean_text, normalize_value

YES, NO = "yes", "no"
_YES = {"yes", "y", "true", "1", "有", "是", "对", "✓", "√", "☑"}
_NO = {"no", "n", "false", "0", "无", "否", "没有", "缺", "×", "✗"}
MARKS = ("signature", "seal")
SEAL_UNIT = "seal_unit"
FORM_TYPE = "form_type"
DUPLICATE = "duplicate"
CLAUSE = "clause:"
DISMISS = "dismiss:"
# A person settling the flags that ask the office to look at its own page ("done"): the
# others ask something of the unit and stay until settled one by one.
LOOK = frozenset({FlagKind.UNREAD, FlagKind.MISREAD, FlagKind.FORM_GUESSED,
                  FlagKind.UNKNOWN_UNIT, FlagKind.UNCLASSIFIED, FlagKind.SEAL_MISMATCH,
                  FlagKind.MANY_TICKS, FlagKind.DATE_OUTSIDE})


class Refused(ValueError):
    """A correction that cannot be taken (no such key, a value it cannot have), and why."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


def keys(record: Record) -> list[str]:
    """Every key a person may correct on this record, in the order people see them."""
    schema = schemas().get(record.form_type)
    fields = [s.key for s in schema.fields] if schema else list(record.fields)
    clauses = [f"{CLAUSE}{v.clause}" for v in record.consent]
    return [*fields, *MARKS, SEAL_UNIT, *clauses, FORM_TYPE, DUPLICATE]


def shown(record: Record, key: str) -> str | None:
    """What a record says for a key, as the sheets and the station show it and a person's
    value is compared with (the stored form: yes/no, a form type's key)."""
    if key in MARKS:
        mark = getattr(record, key)
        return None if mark is None else (YES if mark.present else NO)
    if key == SEAL_UNIT:
        return record.seal.text if record.seal and record.seal.present else None
    if key.startswith(CLAUSE):
        verdict = next((v for v in record.consent if str(v.clause) == key[len(CLAUSE):]), None)
        return None if verdict is None else (YES if verdict.present else NO)
    if key == FORM_TYPE:
        return record.form_type.value
    if key == DUPLICATE:
        return YES if record.has_flag(FlagKind.DUPLICATE) else NO
    if key.startswith(DISMISS):
        return record.dismissed.get(key[len(DISMISS):])
    return record.value(key)


def parse(record: Record, key: str, value: Any) -> str | None:
    """A person's value for ``key`` as it is kept: normalised, checked against what the key
    can hold. Raises Refused."""
    text = _text(value)
    if key in MARKS or key.startswith(CLAUSE) or key == DUPLICATE:
        if key.startswith(CLAUSE) and key not in keys(record):
            raise Refused(Reason(Code.NO_FIELD, {"doc": record.doc_id, "field": key}))
        if text is None:
            return None
        answer = YES if text.lower() in _YES else NO if text.lower() in _NO else None
        if answer is None:
            raise Refused(Reason(Code.BAD_VALUE, {"key": key, "value": text,
                                                  "expected": "有/无"}))
        return answer
    if key == FORM_TYPE:
        return _form_type(text)
    if key == SEAL_UNIT or key.startswith(DISMISS):
        if key.startswith(DISMISS):
            _flag(record, key[len(DISMISS):])
        return clean_text(text) or None if key == SEAL_UNIT else (text or None)
    spec = _field_spec(record, key)
    if text is None:
        return None
    # As a reading is normalised; what does not normalise (a phone of nine digits) is kept as
    # typed, and the checks say what is wrong with it.
    return normalize_value(spec.kind, text) or text


def overrule(record: Record, values: dict[str, str | None]) -> Record:
    """The record with a person's word over what was read, key by key (see the module's
    docstring); what was read stays in ``raw``."""
    for key, value in values.items():
        if key in MARKS:
            _mark(record, key, value)
        elif key == SEAL_UNIT:
            seal = record.seal or Mark(True, 1.0)
            record.seal = Mark(seal.present or value is not None, seal.confidence, seal.bbox,
                               value, corrected=True)
        elif key.startswith(CLAUSE):
            _clause(record, int(key[len(CLAUSE):]), value)
        elif key == FORM_TYPE:
            record.form_type = FormType(value) if value else record.form_type
            record.replace_flags(Owner.BATCH, [f for f in record.flags if f.owner is Owner.BATCH
                                               and f.kind not in (FlagKind.UNCLASSIFIED,
                                                                  FlagKind.FORM_GUESSED)])
        elif key == DUPLICATE:
            others = [f for f in record.flags
                      if f.owner is Owner.BATCH and f.kind is not FlagKind.DUPLICATE]
            record.replace_flags(Owner.BATCH, others + (
                [Flag(FlagKind.DUPLICATE)] if value == YES else []))
        elif key.startswith(DISMISS):
            flag = key[len(DISMISS):]
            if value:
                record.dismissed[flag] = value
            else:
                record.dismissed.pop(flag, None)
            record.flags = [f for f in record.flags if str(f) not in record.dismissed]
            record.update_status()
        else:
            _field(record, key, value)
    return record


def _field(record: Record, key: str, value: str | None) -> None:
    f = record.fields.get(key)
    if f is None:
        record.fields[key] = Field(value, 1.0, None, None, corrected=True)
    elif f.value != value or not f.corrected:
        if not f.corrected:
            f.raw = f.raw or f.value
        f.value, f.confidence, f.corrected = value, 1.0, True


def _mark(record: Record, key: str, value: str | None) -> None:
    mark = getattr(record, key)
    if value is None:
        return
    setattr(record, key, Mark(value == YES, 1.0, mark.bbox if mark else None,
                              mark.text if mark else None, corrected=True))


def _clause(record: Record, number: int, value: str | None) -> None:
    record.consent = [ConsentVerdict(v.clause, value == YES, v.score, corrected=True)
                      if v.clause == number and value is not None else v
                      for v in record.consent]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone Excel turned into a number
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    return text or None


def _form_type(text: str | None) -> str:
    if text is None:
        raise Refused(Reason(Code.BAD_VALUE, {"key": FORM_TYPE, "value": "",
                                              "expected": _form_names()}))
    for form_type in FormType:  # its key, or the names people write (作品登记表)
        if text in (form_type.value, form_name("zh", form_type), form_name("en", form_type)):
            return form_type.value
    if text in ("非比赛表格", "not a contest form"):
        return FormType.UNKNOWN.value
    raise Refused(Reason(Code.BAD_VALUE, {"key": FORM_TYPE, "value": text,
                                          "expected": _form_names()}))


def _form_names() -> str:
    return "、".join(form_name("zh", t) for t in FormType if t is not FormType.UNKNOWN) + \
        "、非比赛表格"


def _flag(record: Record, text: str) -> Flag:
    try:
        return Flag.parse(text)
    except ValueError:
        raise Refused(Reason(Code.NO_FIELD, {"doc": record.doc_id,
                                             "field": DISMISS + text})) from None


def _field_spec(record: Record, key: str):  # noqa: ANN202 - a FieldSpec
    schema = schemas().get(record.form_type)
    spec = next((s for s in schema.fields if s.key == key), None) if schema else None
    if spec is None or not re.fullmatch(r"\w+", key):
        raise Refused(Reason(Code.NO_FIELD, {"doc": record.doc_id, "field": key}))
    return spec
