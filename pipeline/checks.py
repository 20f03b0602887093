"""Audit rules over a record: which flags it raises (domain.md §3, §4).

Shared ground for the batch (which checks each document as it is read) and the audit command
(which re-applies the rules with the office's ``--config``). The rules' numbers and the
contest's facts (deadlines, units) come from the :class:`~pipeline.contest.Contest`; the flags
raised here are owned by :attr:`Owner.CHECKS`, so a re-check replaces exactly these.
"""

from __future__ import annotations

from pipeline.contest import Contest
from pipeline.forms import VERDICTS, Block, FieldKind, FormSchema
from pipeline.model import (
    ConsentVerdict,
    Evidence,
    Field,
    Flag,
    FlagKind,
    Origin,
    Owner,
    Record,
    Route,
)
from pipeline.normalize import is_valid_phone, synopsis_length


def clause_verdicts(scores: list[float], contest: Contest) -> list[ConsentVerdict]:
    """Each consent clause (numbered from 1) present or not: its best match in the page's
    text against the contest's threshold. The one place the threshold is applied, so that
    ``formscan audit --config`` can change it."""
    return [ConsentVerdict(number, score >= contest.clause_threshold, round(score, 3))
            for number, score in enumerate(scores, start=1)]


def check_flags(record: Record, schema: FormSchema, contest: Contest) -> list[Flag]:
    """The audit flags of one form record, in a stable order."""
    flags: list[Flag] = []
    # Only the posted paper authorizes: an emailed scan's signature and seal are information.
    blocks = schema.blocks if record.origin is Origin.PAPER else schema.blocks - VERDICTS
    if Block.SIGNATURE in blocks and record.signature is not None and \
            not record.signature.present:
        flags.append(Flag(FlagKind.MISSING_SIGNATURE))
    if Block.SEAL in blocks and record.seal is not None and not record.seal.present:
        flags.append(Flag(FlagKind.MISSING_SEAL))
    for spec in schema.fields:
        f = record.fields.get(spec.key)
        value = f.value if f else None
        if value is None and f is not None and f.evidence is Evidence.CHECKBOX and f.ink:
            flags.append(Flag(FlagKind.MANY_TICKS, spec.key))  # one of a closed list allowed
            continue
        if value is None:
            # Only the posted paper is signed and dated; an emailed copy is typed before.
            dated = (spec.kind is FieldKind.DATE and record.origin is Origin.PAPER
                     and Block.DATE in blocks)
            if (dated or spec.required) and _written_unread(record, f):
                flags.append(Flag(FlagKind.UNREAD, spec.key))  # look at the page
            elif dated:
                flags.append(Flag(FlagKind.MISSING_DATE))
            elif spec.required and spec.kind is not FieldKind.DATE:
                flags.append(Flag(FlagKind.MISSING_FIELD, spec.key))  # write to the unit
            continue
        if spec.kind is FieldKind.PHONE and not is_valid_phone(value):
            flags.append(Flag(FlagKind.INVALID_PHONE))
        if spec.max_chars and synopsis_length(value) > spec.max_chars:
            flags.append(Flag(FlagKind.SYNOPSIS_TOO_LONG))
        if spec.of_units and not contest.is_listed(value):
            flags.append(Flag(FlagKind.UNKNOWN_UNIT))
        if f.confidence < contest.low_confidence:
            flags.append(Flag(FlagKind.UNREAD, spec.key))
        if spec.kind is FieldKind.DATE and not (
                contest.date_window[0] <= value <= contest.date_window[1]):
            flags.append(Flag(FlagKind.DATE_OUTSIDE))  # read, and not a date of the contest
    deadline = contest.deadlines.get(record.form_type.value)
    date = record.value("date")
    if date and deadline and date > deadline:
        flags.append(Flag(FlagKind.LATE))
    for verdict in record.consent if Block.CLAUSES in blocks else ():
        if not verdict.present:
            flags.append(Flag(FlagKind.CLAUSE_MISSING, str(verdict.clause)))
    if Block.SEAL in blocks and record.seal is not None and record.seal.present and \
            contest.seal_verdict(record.seal.text, record.value("unit")) is False:
        flags.append(Flag(FlagKind.SEAL_MISMATCH))
    return flags


def _written_unread(record: Record, f: Field | None) -> bool:
    """Whether a field without a value may have one OCR did not read: its place on a scan
    shows writing, or its label was not found on the scan (so its place is unknown)."""
    if record.route is not Route.OCR or (f is not None and f.corrected):
        return False  # a text layer, a Word or Excel file, a person: what is there was read
    return f is None or f.ink is not False


def apply_checks(record: Record, schema: FormSchema | None, contest: Contest) -> None:
    """Replace the record's check flags by freshly computed ones; keep the others. The
    clauses are decided again from their stored scores (the contest's threshold may have
    changed; a person's word on a clause stands)."""
    fresh = clause_verdicts([v.score for v in record.consent], contest)
    record.consent = [was if was.corrected else new for was, new in zip(record.consent, fresh)]
    record.replace_flags(Owner.CHECKS, check_flags(record, schema, contest) if schema else [])
