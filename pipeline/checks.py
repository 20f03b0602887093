"""Audit rules over a record: which flags it raises (domain.md §3, §4).

Shared ground for the batch (which checks each document as it is read) and the audit command
(which re-applies the rules with the office's ``--config``). The rules' numbers and the
contest's facts (deadlines, units) come from the :class:`~pipeline.contest.Contest`; the flags
raised here are owned by :attr:`Owner.CHECKS`, so a re-check replaces exactly these.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.contest import UNITS, Contest
from pipeline.forms import FormSchema, schemas
from pipeline.model import Field, Flag, FlagKind, Origin, Owner, Record, Route
from pipeline.normalize import is_valid_phone, synopsis_length


def check_flags(record: Record, schema: FormSchema, contest: Contest) -> list[Flag]:
    """The audit flags of one form record, in a stable order."""
    flags: list[Flag] = []
    # Only the posted paper authorizes: an emailed scan's signature and seal are information.
    blocks = schema.blocks if record.origin is Origin.PAPER else [
        b for b in schema.blocks if b not in ("signature", "seal", "clauses")]
    if "signature" in blocks and record.signature is not None and not record.signature.present:
        flags.append(Flag(FlagKind.MISSING_SIGNATURE))
    if "seal" in blocks and record.seal is not None and not record.seal.present:
        flags.append(Flag(FlagKind.MISSING_SEAL))
    for spec in schema.fields:
        f = record.fields.get(spec.key)
        value = f.value if f else None
        if value is None:
            # Only the posted paper is signed and dated; an emailed copy is typed before.
            dated = spec.kind == "date" and record.origin is Origin.PAPER and "date" in blocks
            if (dated or spec.required) and _written_unread(record, f):
                flags.append(Flag(FlagKind.UNREAD, spec.key))  # look at the page
            elif dated:
                flags.append(Flag(FlagKind.MISSING_DATE))
            elif spec.required and spec.kind != "date":
                flags.append(Flag(FlagKind.MISSING_FIELD, spec.key))  # write to the unit
            continue
        if spec.kind == "phone" and not is_valid_phone(value):
            flags.append(Flag(FlagKind.INVALID_PHONE))
        if spec.max_chars and synopsis_length(value) > spec.max_chars:
            flags.append(Flag(FlagKind.SYNOPSIS_TOO_LONG))
        if spec.vocabulary == UNITS and not contest.is_listed(value):
            flags.append(Flag(FlagKind.UNKNOWN_UNIT))
        doubtful_date = spec.kind == "date" and not (
            contest.date_window[0] <= value <= contest.date_window[1])
        if f.confidence < contest.low_confidence or doubtful_date:
            flags.append(Flag(FlagKind.UNREAD, spec.key))
    deadline = contest.deadlines.get(record.form_type.value)
    date = record.value("date")
    if date and deadline and date > deadline:
        flags.append(Flag(FlagKind.LATE))
    for verdict in record.consent if "clauses" in blocks else ():
        if verdict.score < contest.clause_threshold:
            flags.append(Flag(FlagKind.CLAUSE_MISSING, str(verdict.clause)))
    if "seal" in blocks and record.seal is not None and record.seal.present and \
            contest.seal_verdict(record.seal.text, record.value("unit")) is False:
        flags.append(Flag(FlagKind.SEAL_MISMATCH))
    return flags


def _written_unread(record: Record, f: Field | None) -> bool:
    """Whether a field without a value may have one OCR did not read: its place on a scan
    shows writing, or its label was not found on the scan (so its place is unknown)."""
    if record.route is not Route.OCR:
        return False  # a text layer, a Word or Excel file: what is there was read
    return f is None or f.ink is not False


def apply_checks(record: Record, schema: FormSchema | None, contest: Contest) -> None:
    """Replace the record's check flags by freshly computed ones; keep the others.

    Whether a consent clause is present is decided here, from its stored score and the
    contest's threshold, so that ``formscan audit --config`` can change it.
    """
    record.consent = [replace(v, present=v.score >= contest.clause_threshold)
                      for v in record.consent]
    record.replace_flags(Owner.CHECKS, check_flags(record, schema, contest) if schema else [])


# What each flag asks of a person, in the office's words (audit.csv, records.csv/.xlsx).
_MISSING_WORDS = {FlagKind.MISSING_SIGNATURE: "缺签名", FlagKind.MISSING_SEAL: "缺盖章",
                  FlagKind.MISSING_DATE: "缺日期", FlagKind.LATE: "逾期（截止日期后）",
                  FlagKind.SYNOPSIS_TOO_LONG: "简介超过500字",
                  FlagKind.INVALID_PHONE: "电话号码无效",
                  FlagKind.SEAL_MISMATCH: "印章与报送单位不符",
                  FlagKind.UNCLASSIFIED: "无法识别表格类型",
                  FlagKind.UNKNOWN_UNIT: "报送单位不在名单中，请核对",
                  FlagKind.FORM_GUESSED: "表格类型为推测，请核对",
                  FlagKind.DUPLICATE: "同一页面重复提交（另见 also_at）",
                  FlagKind.PAPER_ONLY: "尚未收到电子版（邮件）",
                  FlagKind.EMAIL_ONLY: "尚未收到签章纸质版"}
_KEYED_WORDS = {FlagKind.MISSING_FIELD: "缺填：{}", FlagKind.CLAUSE_MISSING: "缺承诺条款第{}条",
                FlagKind.LOW_CONFIDENCE: "请核对：{}（识别不确定）",
                FlagKind.UNREAD: "请看原件：{}（已填写，未能识别）",
                FlagKind.MISREAD: "请看原件：{}（疑似识别错误，与电子版不同）",
                FlagKind.MISMATCH: "纸质版与电子版不一致：{}"}


def _field_name(key: str | None) -> str:
    """A field's printed label (联系电话 for phone), as the form names it."""
    for schema in schemas().values():
        for field in schema.fields:
            if field.key == key:
                return re.sub(r"[（(].*?[）)]", "", field.labels[0])
    return key or ""


def in_words(flags: list[Flag]) -> str:
    """What a person must chase, in words: '缺签名；缺盖章；缺填：电话'."""
    words = []
    for flag in flags:
        if flag.kind in _MISSING_WORDS:
            words.append(_MISSING_WORDS[flag.kind])
        elif flag.kind in _KEYED_WORDS:
            key = flag.key if flag.kind is FlagKind.CLAUSE_MISSING else _field_name(flag.key)
            words.append(_KEYED_WORDS[flag.kind].format(key))
        else:
            words.append(str(flag))
    return "；".join(words)
