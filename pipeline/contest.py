"""The contest: one home for what the notice fixes and the office decides (``contest.yaml``).

Deadlines, the consent clauses, closed vocabularies (work types, proposal types), the units
with their aliases and quota groups, the quotas and which forms count toward them, the
audit's thresholds and reconciliation's weights. Every stage, reader and the sample generator
take a :class:`Contest`; ``--config FILE`` merges a YAML file over the shipped one and is
honoured by every command. Unit names are matched here, once, for the checks, the audit and
reconciliation alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from pipeline.errors import FormscanError
from pipeline.model import FormType
from pipeline.normalize import clean_text

CONTEST_FILE = Path(__file__).parent / "contest.yaml"
QUOTA_KINDS = ("works", "proposals")
MIN_RING_CHARS = 4  # a seal's ring read with fewer characters names nothing


@dataclass(frozen=True)
class Unit:
    name: str
    group: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """The official name first, then the aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ReconcileRules:
    pair_threshold: float
    pair_weights: dict[str, float]
    tolerance: dict[str, float]


@dataclass(frozen=True)
class Contest:
    name: str
    deadlines: dict[str, str]  # form type -> ISO date
    clauses: tuple[str, ...]
    vocabularies: dict[str, tuple[str, ...]]
    low_confidence: float
    clause_threshold: float
    seal_unit_threshold: float
    unit_prefixes: tuple[str, ...]
    unit_match: float
    quotas: dict[str, dict[str, int]]  # group -> {"works": n, "proposals": n}
    quota_forms: dict[str, tuple[FormType, ...]]  # "works" / "proposals" -> form types
    units: tuple[Unit, ...]
    reconcile: ReconcileRules

    def required(self, unit: str) -> dict[str, int] | None:
        """The notice's quota for a canonical unit name, or None for an unknown unit."""
        known = next((u for u in self.units if u.name == unit), None)
        return self.quotas.get(known.group) if known else None

    def quota_kind(self, form_type: FormType) -> str | None:
        """Which quota a form type counts toward ("works", "proposals"), or None."""
        return next((k for k, types in self.quota_forms.items() if form_type in types), None)

    # --- unit names -------------------------------------------------------------------------
    def unit_key(self, name: str) -> str:
        """A unit name without the prefixes units add or drop (中共, 山西省)."""
        text = clean_text(name)
        for prefix in self.unit_prefixes:
            text = text.removeprefix(prefix)
        return text

    def canonical_unit(self, name: str | None) -> str | None:
        """The listed unit a written name refers to (中共晋中市委宣传部 = 晋中市委宣传部); a
        name close to none keeps its own (cleaned) spelling."""
        if not name:
            return None
        key = self.unit_key(name)
        best, best_score = None, 0.0
        for unit in self.units:
            for spelling in unit.spellings:
                score = fuzz.ratio(key, self.unit_key(spelling)) / 100
                if score > best_score:
                    best, best_score = unit.name, score
        return best if best_score >= self.unit_match else clean_text(name)

    def seal_unit(self, ring_text: str | None) -> str | None:
        """The listed unit a seal's ring text clearly names, or None."""
        if not ring_text or len(clean_text(ring_text)) < MIN_RING_CHARS:
            return None
        ring = self.unit_key(ring_text)
        scores = {u.name: max(fuzz.partial_ratio(self.unit_key(s), ring) for s in u.spellings)
                  / 100 for u in self.units}
        named = max(scores, key=scores.get) if scores else None
        return named if named and scores[named] >= self.unit_match else None

    def seal_matches_unit(self, ring_text: str | None, unit: str | None) -> bool:
        """Whether the ring text of a seal names the unit on the form (fuzzy, OCR-tolerant).

        Units differ in a word or two (晋中 / 大同市委宣传部), so the ring is first matched
        against every listed unit: when it clearly names another one, it is a mismatch. A ring
        that names no listed unit is compared with the form's unit directly.
        """
        if not ring_text or not unit or len(clean_text(ring_text)) < MIN_RING_CHARS:
            return True  # nothing readable to contradict the form
        named = self.seal_unit(ring_text)
        if named:
            return named == self.canonical_unit(unit)
        score = fuzz.partial_ratio(self.unit_key(unit), self.unit_key(ring_text)) / 100
        return score >= self.seal_unit_threshold


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(
            base.get(key), dict) else value
    return out


def _form_types(values: Any, where: str) -> tuple[FormType, ...]:
    try:
        return tuple(FormType(v) for v in values)
    except ValueError as exc:
        raise FormscanError(f"{where}: {exc}; form types are "
                            f"{[t.value for t in FormType if t is not FormType.UNKNOWN]}") from exc


def parse_contest(raw: dict[str, Any], source: str) -> Contest:
    """Validate a loaded contest document; errors name the file and the bad key."""
    try:
        rec = raw["reconcile"]
        contest = Contest(
            name=str(raw["name"]),
            deadlines={str(FormType(k)): str(v) for k, v in raw["deadlines"].items()},
            clauses=tuple(str(c) for c in raw["clauses"]),
            vocabularies={str(k): tuple(str(v) for v in values)
                          for k, values in raw["vocabularies"].items()},
            low_confidence=float(raw["low_confidence"]),
            clause_threshold=float(raw["clause_threshold"]),
            seal_unit_threshold=float(raw["seal_unit_threshold"]),
            unit_prefixes=tuple(str(p) for p in raw["unit_prefixes"]),
            unit_match=float(raw["unit_match"]),
            quotas={str(k): {kind: int(v[kind]) for kind in QUOTA_KINDS}
                    for k, v in raw["quotas"].items()},
            quota_forms={str(k): _form_types(v, f"{source}: quota_forms.{k}")
                         for k, v in raw["quota_forms"].items()},
            units=tuple(Unit(str(u["name"]), str(u["group"]),
                             tuple(str(a) for a in u.get("aliases") or ()))
                        for u in raw["units"]),
            reconcile=ReconcileRules(
                pair_threshold=float(rec["pair_threshold"]),
                pair_weights={str(k): float(v) for k, v in rec["pair_weights"].items()},
                tolerance={str(k): float(v) for k, v in rec["tolerance"].items()},
            ),
        )
    except FormscanError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FormscanError(f"contest file {source} is invalid: {exc!r}") from exc
    unknown_groups = {u.group for u in contest.units} - set(contest.quotas)
    if unknown_groups:
        raise FormscanError(f"{source}: units name group(s) {sorted(unknown_groups)} that "
                            f"`quotas` does not define ({sorted(contest.quotas)})")
    if set(contest.quota_forms) - set(QUOTA_KINDS):
        raise FormscanError(f"{source}: quota_forms keys must be among {list(QUOTA_KINDS)}")
    return contest


def load_contest(path: Path | None = None) -> Contest:
    """The shipped contest, with ``path`` (if given) merged over it."""
    raw = yaml.safe_load(CONTEST_FILE.read_text(encoding="utf-8"))
    source = str(CONTEST_FILE)
    if path is not None:
        try:
            over = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise FormscanError(f"config {path} cannot be read: {exc}") from exc
        if not isinstance(over, dict) or set(over) - set(raw):
            raise FormscanError(f"config {path}: keys must be among {sorted(raw)}")
        raw, source = _merge(raw, over), f"{path} (merged over {CONTEST_FILE.name})"
    return parse_contest(raw, source)


@cache
def default_contest() -> Contest:
    return load_contest()
