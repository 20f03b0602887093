"""Form schemas: one declarative YAML file per form type, validated on load.

What is printed on each form lives here, not in code: titles, distinctive labels
(classification evidence), field keys, label aliases, value kinds and constraints. What the
contest decides (deadlines, clauses, units, vocabularies) is in ``pipeline/contest.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Code, SchemaError
from pipeline.labels import split_note
from pipeline.model import FORMS_DIR, FormType

_FORM_KEYS = {
    "form_type", "titles", "distinctive", "blocks", "signature_labels", "fields",
}
_FIELD_KEYS = {"key", "labels", "kind", "required", "max_chars", "vocabulary"}


class FieldKind(StrEnum):
    """What shape a field's value has: how it is read, normalised and compared."""

    TEXT = "text"
    PERSON = "person"  # one name (联系人)
    NAMES = "names"  # names separated by 、 (主创人员)
    PHONE = "phone"
    DATE = "date"
    DURATION = "duration"
    MULTILINE = "multiline"  # running text over several lines (a synopsis)


class Block(StrEnum):
    """What a form carries besides its fields: a check runs only where it is printed."""

    CLAUSES = "clauses"  # the consent clauses of 相关协议，签名同意
    SIGNATURE = "signature"
    SEAL = "seal"
    DATE = "date"  # the date by the signature


# The blocks that make a form an authorization: only the posted paper's count.
VERDICTS = frozenset({Block.SIGNATURE, Block.SEAL, Block.CLAUSES})
UNITS = "units"  # the vocabulary of a field snapped to the contest's unit list


@dataclass(frozen=True)
class FieldSpec:
    key: str
    labels: tuple[str, ...]
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    max_chars: int | None = None
    vocabulary: str | None = None  # a closed list the value is snapped to (contest.yaml)

    @property
    def of_units(self) -> bool:
        """Whether the value is snapped to the contest's units (not a list of words)."""
        return self.vocabulary == UNITS


@dataclass(frozen=True)
class FormSchema:
    form_type: FormType
    titles: tuple[str, ...]
    distinctive: tuple[str, ...]
    blocks: frozenset[Block]  # the consent clauses, a signature, the seal, a date: where printed
    signature_labels: tuple[str, ...]
    fields: tuple[FieldSpec, ...]

    def field(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]


def _invalid(where: str, detail: str) -> SchemaError:
    """A schema error naming the file (and the bad key, in ``where``)."""
    return SchemaError(Code.SCHEMA_INVALID, file=where, detail=detail)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) and s for s in value):
        raise _invalid(where, f"expected a non-empty list of strings, got {value!r}")
    return tuple(value)


def _mapping(raw: Any, allowed: set[str], where: str) -> dict[str, Any]:
    """``raw`` as a mapping holding only ``allowed`` keys, else a SchemaError naming ``where``."""
    if not isinstance(raw, dict):
        raise _invalid(where, f"expected a mapping, got {raw!r}")
    unknown = set(raw) - allowed
    if unknown:
        raise _invalid(where, f"unknown key(s) {sorted(unknown)}; allowed {sorted(allowed)}")
    return raw


def _field(raw: Any, where: str) -> FieldSpec:
    raw = _mapping(raw, _FIELD_KEYS, where)
    key = raw.get("key")
    if not isinstance(key, str) or not key.isidentifier():
        raise _invalid(where, f"'key' must be an identifier, got {key!r}")
    try:
        kind = FieldKind(raw.get("kind", FieldKind.TEXT.value))
    except ValueError:
        raise _invalid(f"{where} ({key})", f"kind {raw.get('kind')!r} is not one of "
                                           f"{sorted(k.value for k in FieldKind)}") from None
    max_chars = raw.get("max_chars")
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars <= 0):
        raise _invalid(f"{where} ({key})", "max_chars must be a positive integer")
    vocabulary = raw.get("vocabulary")
    if vocabulary is not None and (not isinstance(vocabulary, str) or not vocabulary):
        raise _invalid(f"{where} ({key})", "vocabulary must name a list of contest.yaml")
    return FieldSpec(
        key=key,
        labels=_strings(raw.get("labels"), f"{where} ({key}).labels"),
        kind=kind,
        required=bool(raw.get("required", True)),
        max_chars=max_chars,
        vocabulary=vocabulary,
    )


def parse_schema(raw: Any, source: str) -> FormSchema:
    """Validate one loaded YAML document; errors name the file and the bad key."""
    raw = _mapping(raw, _FORM_KEYS, source)
    try:
        form_type = FormType(raw.get("form_type"))
    except ValueError:
        raise _invalid(source, f"form_type {raw.get('form_type')!r} is not the schema file's "
                               "name (a form type is named by its file)") from None
    if form_type is FormType.UNKNOWN:
        raise _invalid(source, "form_type 'unknown' cannot have a schema")
    fields_raw = raw.get("fields")
    if not isinstance(fields_raw, list) or not fields_raw:
        raise _invalid(source, "'fields' must be a non-empty list")
    fields = tuple(_field(f, f"{source}: fields[{i}]") for i, f in enumerate(fields_raw))
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        raise _invalid(source, f"duplicate field keys in {keys}")
    blocks = set(_strings(raw.get("blocks"), f"{source}: blocks"))
    known = {b.value for b in Block}
    if blocks - known:
        raise _invalid(source, f"blocks {sorted(blocks - known)} are none of {sorted(known)}")
    return FormSchema(
        form_type=form_type,
        titles=_strings(raw.get("titles"), f"{source}: titles"),
        distinctive=_strings(raw.get("distinctive"), f"{source}: distinctive"),
        blocks=frozenset(Block(b) for b in blocks),
        signature_labels=_strings(raw.get("signature_labels"), f"{source}: signature_labels"),
        fields=fields,
    )


def load_schema(path: Path) -> FormSchema:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _invalid(str(path), f"not valid YAML: {exc}") from exc
    schema = parse_schema(raw, str(path))
    if schema.form_type.value != path.stem:
        raise _invalid(str(path), f"form_type {schema.form_type.value!r} differs from the file's "
                                  f"name {path.stem!r}")
    return schema


@cache
def schemas() -> dict[FormType, FormSchema]:
    """All form schemas shipped with formscan, keyed by form type."""
    loaded = [load_schema(p) for p in sorted(FORMS_DIR.glob("*.yaml"))]
    return {s.form_type: s for s in loaded}


def shared_labels() -> tuple[tuple[str, ...], ...]:
    """The labels several forms print, one group per field (联系人; 电话 / 联系电话; …).

    Any contest form shows most of them, so they are evidence that a page is a form at all,
    not which form it is.
    """
    by_label: dict[tuple[str, str], set[FormType]] = {}
    for schema in schemas().values():
        for spec in schema.fields:
            for label in spec.labels:
                by_label.setdefault((spec.key, label), set()).add(schema.form_type)
    groups: dict[str, list[str]] = {}
    for (key, label), forms in by_label.items():
        if len(forms) >= 2:
            groups.setdefault(key, []).append(label)
    return tuple(tuple(labels) for labels in groups.values())


# Labels forms print that are no field of ours (an office's own forms, a unit's retyped one):
# a value never is one of them, and one ends a value that runs on into it.
OTHER_LABELS = (
    "邮编", "邮政编码", "电子邮箱", "邮箱", "电子邮件", "传真", "身份证号", "身份证号码", "性别",
    "民族", "出生年月", "职务", "职称", "备注", "经办人签名", "负责人签名", "单位负责人", "开户行",
    "开户银行", "银行账号", "账号", "户名", "填表人", "微信号",
)


def printed_words() -> frozenset[str]:
    """Every title and label the forms print: what a form's own text holds."""
    words: set[str] = set()
    for schema in schemas().values():
        words.update(schema.titles, schema.signature_labels)
        words.update(label for spec in schema.fields for label in spec.labels)
    return frozenset(words)


@cache
def known_labels() -> frozenset[str]:
    """Every label a form may print, ours or not, without its note (报送单位（盖章） -> 报送单位):
    a text that is one of them is a label, never a value."""
    words = printed_words() - {t for s in schemas().values() for t in s.titles}
    return frozenset(split_note(w)[0] for w in words | set(OTHER_LABELS))
