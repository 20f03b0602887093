"""Snap stage: values of closed vocabularies are the list's words, not what OCR copied.

A field whose schema names a ``vocabulary`` (the contest's units, work types, proposal
types) takes the listed word its reading comes clearly closest to; what OCR read is kept as
``raw`` beside it, the match's score as its confidence. A reading close to no word, or as
close to two, is left as read: the checks flag a unit that is in no list.
"""

from __future__ import annotations

from pipeline.contest import Contest, Snap
from pipeline.forms import FieldSpec, FormSchema
from pipeline.model import Evidence, Field


def snap(reading: str, spec: FieldSpec, contest: Contest) -> Snap | None:
    if spec.of_units:
        return contest.snap_unit(reading)
    return contest.snap_word(reading, spec.vocabulary)


def snap_fields(fields: dict[str, Field], schema: FormSchema, contest: Contest) -> None:
    """Snap, in place, every field of ``schema`` that has a vocabulary."""
    for spec in schema.fields:
        f = fields.get(spec.key)
        if spec.vocabulary is None or f is None or f.value is None \
                or f.evidence is Evidence.CHECKBOX:  # a ticked option is the list's word
            continue
        found = snap(f.value, spec, contest)
        if found is None:
            continue
        if found.value != f.value:
            f.raw, f.value, f.confidence = f.value, found.value, found.score
        f.evidence = Evidence.VOCABULARY
