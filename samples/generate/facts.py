"""The contest's facts as the generator uses them, read from the pipeline's single source.

``pipeline/contest.yaml`` (through :func:`pipeline.contest.default_contest`) fixes the contest's
name, the deadlines, the four consent clauses, the work types and the units with the ways
units write their name; the form schemas (``pipeline/forms/*.yaml``) fix each form's field
keys, title, label spellings and signature labels. Nothing here is a copy: change those files
and the generated forms follow.

What units do to the labels when they retype a form (letter-spacing, half-width brackets) is
not listed label by label: :class:`LabelVariants` applies generic transformations to the
schema's spellings, drawn once per printing of a form.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from pipeline.contest import Unit, default_contest
from pipeline.forms import FormSchema, schemas
from pipeline.model import FormType

_CONTEST = default_contest()

PROPOSAL = str(FormType.PROPOSAL_REGISTRATION)
WORK_REG = str(FormType.WORK_REGISTRATION)
WORK_AUTH = str(FormType.WORK_AUTHORIZATION)
FORM_TYPES = (PROPOSAL, WORK_REG, WORK_AUTH)

SCHEMAS: dict[str, FormSchema] = {form_type: schemas()[FormType(form_type)]
                                  for form_type in FORM_TYPES}
FIELDS: dict[str, tuple[str, ...]] = {t: tuple(s.keys) for t, s in SCHEMAS.items()}

CONTEST = _CONTEST.name
DEADLINES: dict[str, date] = {t: date.fromisoformat(_CONTEST.deadlines[t]) for t in FORM_TYPES}
CLAUSES: tuple[str, ...] = _CONTEST.clauses
WORK_TYPES: tuple[str, ...] = _CONTEST.vocabularies["work_type"]
PROPOSAL_TYPES: tuple[str, ...] = _CONTEST.vocabularies["proposal_type"]
# Fields a form retyped without a table prints as a row of options to tick (故事片 □ 纪录片 ☑
# ...), per form type: those snapped to one of contest.yaml's closed vocabularies.
OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    t: {f.key: _CONTEST.vocabularies[f.vocabulary] for f in s.fields
        if f.vocabulary in _CONTEST.vocabularies}
    for t, s in SCHEMAS.items()
}
UNITS: tuple[Unit, ...] = _CONTEST.units  # seals print Unit.name; forms one of its spellings
# Every spelling contest.yaml allows for a unit, prefixes and suffix included.
UNIT_SPELLINGS = {u.name: _CONTEST.unit_spellings(u) for u in UNITS}

# Printed above the title; the schema does not need it to recognise the form.
_SUBTITLES = {PROPOSAL: ("社会主义核心价值观主题微电影",)}
TITLES = {t: s.titles[0] for t, s in SCHEMAS.items()}  # the schema's main title
FORM_TITLES: dict[str, tuple[str, ...]] = {
    t: (*_SUBTITLES.get(t, ()), TITLES[t]) for t in FORM_TYPES
}  # the header lines, top to bottom

CONSENT_HEADING = "相关协议，签名同意"
NUMBERINGS = ("{}.", "{}．", "{}、", "")  # of the clauses
PAIRABLE = (frozenset(("contact", "phone")), frozenset(("work_type", "duration")))  # one row

# How often a printing of a form sets its labels in a way the schema does not spell out.
P_SPACED = 0.15  # Word's "distributed" alignment on the label column: 联 系 人, 电 话
P_HALFWIDTH = 0.25  # ASCII brackets typed for full-width ones: 报送单位(盖章)
P_FIRST_LABEL = 0.5  # the notice's own spelling of a label, else any of the schema's
P_NOTES = 0.3  # a printing adds a bracketed note to labels that take one: 片长（分钟）
_SPACED_LENGTHS = range(2, 4)  # short labels are spread to the width the longer ones set
_TO_HALFWIDTH = str.maketrans("（）", "()")
# Notes units add after a label, by field (the schemas' own spellings carry some already).
_NOTES = {"duration": "（分钟）", "synopsis": "（500字以内）", "creators": "（导演、编剧）",
          "unit": "（盖章）", "title": "（全称）"}


@dataclass(frozen=True)
class LabelVariants:
    """How one retyping of a form sets its field labels."""

    spaced: bool = False
    halfwidth: bool = False
    notes: bool = False

    def apply(self, label: str, key: str = "") -> str:
        if self.notes and key in _NOTES and not any(c in label for c in "（("):
            label += _NOTES[key]
        if self.halfwidth:
            label = label.translate(_TO_HALFWIDTH)
        if self.spaced and len(label) in _SPACED_LENGTHS and all(
                "\u4e00" <= ch <= "\u9fff" for ch in label):
            label = " ".join(label)
        return label


def pick_label_variants(rng: random.Random) -> LabelVariants:
    return LabelVariants(spaced=rng.random() < P_SPACED, halfwidth=rng.random() < P_HALFWIDTH,
                         notes=rng.random() < P_NOTES)


def field_label(form_type: str, key: str, rng: random.Random,
                variants: LabelVariants = LabelVariants()) -> str:
    """One of the schema's spellings of the label of ``key``, as this printing sets it: the
    schema's first (the notice's) spelling more often than any other."""
    labels = SCHEMAS[form_type].field(key).labels
    label = labels[0] if rng.random() < P_FIRST_LABEL else rng.choice(labels)
    return variants.apply(label, key)


def short_name(unit: Unit) -> str:
    """The unit's name without the prefixes units drop (中共晋中市委宣传部 -> 晋中市委宣传部)."""
    name = unit.name
    for prefix in _CONTEST.unit_prefixes:
        name = name.removeprefix(prefix)
    return name


def signature_label(form_type: str, rng: random.Random) -> str:
    return rng.choice(SCHEMAS[form_type].signature_labels)


def date_label(form_type: str) -> str:
    """The label of the date line (the schema's main spelling)."""
    return SCHEMAS[form_type].field("date").labels[0]


def optional(form_type: str, key: str) -> bool:
    """Whether the form may lack the field altogether (its row is not printed)."""
    return key in FIELDS[form_type] and not SCHEMAS[form_type].field(key).required
