"""Audit rules over a record: which flags it raises (SPEC §3, §4), and unit names.

Shared ground for the scan (which flags each page as it is read, with the default rules)
and the audit command (which re-applies them with the office's configuration). The rules'
numbers live in ``pipeline/config/audit.yaml``; ``formscan audit --config FILE`` overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from pipeline.errors import FormscanError
from pipeline.forms import FormSchema
from pipeline.model import Record
from pipeline.normalize import clean_text, is_valid_phone, synopsis_length

DEFAULT_CONFIG = Path(__file__).parent / "config" / "audit.yaml"
# Flags the checks own: recomputed every time. Others (duplicate, unclassified,
# paper_only, email_only, mismatch:<field>) belong to the stage that raised them.
_CHECK_FLAGS = ("missing_signature", "missing_seal", "missing_date", "missing_field:",
                "clause_missing:", "synopsis_too_long", "invalid_phone", "low_confidence:",
                "late", "mismatch:seal")


@dataclass(frozen=True)
class Unit:
    name: str
    group: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditConfig:
    deadlines: dict[str, str]
    low_confidence: float
    clause_threshold: float
    seal_unit_threshold: float
    clauses: tuple[str, ...]
    quotas: dict[str, dict[str, int]]
    units: tuple[Unit, ...] = field(default_factory=tuple)

    def required(self, unit: str) -> dict[str, int] | None:
        """The notice's quota for a canonical unit name, or None for an unknown unit."""
        known = next((u for u in self.units if u.name == unit), None)
        return self.quotas.get(known.group) if known else None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(
            base.get(key), dict) else value
    return out


def load_config(path: Path | None = None) -> AuditConfig:
    """The default rules, with ``path`` (if given) merged over them."""
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    if path is not None:
        try:
            over = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise FormscanError(f"audit config {path} cannot be read: {exc}") from exc
        if not isinstance(over, dict) or set(over) - set(raw):
            raise FormscanError(f"audit config {path}: keys must be among {sorted(raw)}")
        raw = _merge(raw, over)
    try:
        return AuditConfig(
            deadlines={str(k): str(v) for k, v in raw["deadlines"].items()},
            low_confidence=float(raw["low_confidence"]),
            clause_threshold=float(raw["clause_threshold"]),
            seal_unit_threshold=float(raw["seal_unit_threshold"]),
            clauses=tuple(str(c) for c in raw["clauses"]),
            quotas={str(k): {"works": int(v["works"]), "proposals": int(v["proposals"])}
                    for k, v in raw["quotas"].items()},
            units=tuple(Unit(u["name"], u["group"], tuple(u.get("aliases") or ()))
                        for u in raw["units"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormscanError(f"audit config {path or DEFAULT_CONFIG} is invalid: {exc!r}") from exc


@cache
def default_config() -> AuditConfig:
    return load_config()


def _unit_key(name: str) -> str:
    """Compare unit names without the 中共 / 山西省 prefixes units add or drop."""
    text = clean_text(name)
    for prefix in ("中共", "山西省", "山西"):
        text = text.removeprefix(prefix)
    return text


def canonical_unit(name: str | None, config: AuditConfig) -> str | None:
    """The configured unit an OCR'd name refers to (中共晋中市委宣传部 = 晋中市委宣传部)."""
    if not name:
        return None
    key = _unit_key(name)
    best, best_score = None, 0.0
    for unit in config.units:
        for alias in (unit.name, *unit.aliases):
            score = fuzz.ratio(key, _unit_key(alias))
            if score > best_score:
                best, best_score = unit.name, score
    return best if best_score >= 80 else clean_text(name)


def seal_unit(seal_text: str | None, config: AuditConfig) -> str | None:
    """The configured unit a seal's ring text clearly names, or None."""
    if not seal_text or len(clean_text(seal_text)) < 4:
        return None
    ring = _unit_key(seal_text)
    scores = {u.name: max(fuzz.partial_ratio(_unit_key(a), ring) for a in (u.name, *u.aliases))
              for u in config.units}
    named = max(scores, key=scores.get) if scores else None
    return named if named and scores[named] >= 80 else None


def seal_matches_unit(seal_text: str | None, unit: str | None, config: AuditConfig) -> bool:
    """Whether the ring text of the seal names the unit on the form (fuzzy, OCR-tolerant).

    Units differ in a word or two (晋中 / 大同市委宣传部), so the ring is first matched against
    every configured unit: when it clearly names another one, it is a mismatch. A ring that
    names no configured unit is compared with the form's unit directly.
    """
    if not seal_text or not unit or len(clean_text(seal_text)) < 4:
        return True  # nothing readable to contradict the form
    named = seal_unit(seal_text, config)
    if named:
        return named == canonical_unit(unit, config)
    score = fuzz.partial_ratio(_unit_key(unit), _unit_key(seal_text)) / 100
    return score >= config.seal_unit_threshold


def check_flags(record: Record, schema: FormSchema, config: AuditConfig) -> list[str]:
    """The audit flags of one form record, in a stable order."""
    flags: list[str] = []
    paper = record.signature is not None or record.seal is not None
    if record.signature is not None and not record.signature.present:
        flags.append("missing_signature")
    if record.seal is not None and not record.seal.present:
        flags.append("missing_seal")
    date = record.fields.get("date")
    for spec in schema.fields:
        f = record.fields.get(spec.key)
        value = f.value if f else None
        if value is None:
            if spec.kind == "date":
                if paper:  # an emailed copy is typed before it is signed and dated
                    flags.append("missing_date")
            elif spec.required:
                flags.append(f"missing_field:{spec.key}")
            continue
        if spec.kind == "phone" and not is_valid_phone(value):
            flags.append("invalid_phone")
        if spec.max_chars and synopsis_length(value) > spec.max_chars:
            flags.append("synopsis_too_long")
        if f.confidence < config.low_confidence:
            flags.append(f"low_confidence:{spec.key}")
    deadline = config.deadlines.get(record.form_type.value)
    if date and date.value and deadline and date.value > deadline:
        flags.append("late")
    for clause in record.consent:
        if not clause.get("present"):
            flags.append(f"clause_missing:{clause['clause']}")
    unit = record.fields.get("unit")
    if record.seal is not None and record.seal.present and not seal_matches_unit(
            record.seal.text, unit.value if unit else None, config):
        flags.append("mismatch:seal")
    return flags


def apply_checks(record: Record, schema: FormSchema | None, config: AuditConfig) -> None:
    """Replace the record's check flags by freshly computed ones; keep the others."""
    kept = [f for f in record.flags if not f.startswith(_CHECK_FLAGS)]
    record.flags = kept + (check_flags(record, schema, config) if schema else [])
    record.update_status()
