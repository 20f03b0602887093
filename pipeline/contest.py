"""The contest: one home for what the notice fixes and the office decides (``contest.yaml``).

The office (who the letters to units come from), deadlines, the consent clauses, closed
vocabularies (work types, proposal types), the units with their aliases and quota groups, the
quotas and which forms count toward them, the audit's thresholds and reconciliation's weights.
Every stage, reader and the sample generator take a :class:`Contest`; ``--config FILE`` merges
a YAML file over the shipped one and is honoured by every command. Unit names are matched
here, once, for the checks, the audit and reconciliation alike.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from email.utils import parseaddr
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from pipeline.errors import Code, FormscanError
from pipeline.forms import schemas
from pipeline.model import FormType
from pipeline.normalize import clean_text

CONTEST_FILE = Path(__file__).parent / "contest.yaml"


class QuotaKind(StrEnum):
    """What the notice's quotas count: works (their registration or authorization) and
    proposals."""

    WORKS = "works"
    PROPOSALS = "proposals"


MIN_RING_CHARS = 4  # a seal's ring read with fewer characters names nothing
MIN_UNIT_CHARS = 3  # a unit reading shorter than this names nothing
TRUNCATED = 0.85  # a reading that is the start of a name (cut short) scores at most this
UNIT_MARGIN = 0.08  # the best unit must beat every other unit by this much
WORD_MATCH = 0.6  # a vocabulary word (3-6 characters) survives one OCR substitution ...
WORD_MARGIN = 0.15  # ... when no other word comes this close


@dataclass(frozen=True)
class Snap:
    """A reading snapped to a closed list: the list's word, how close, and for a unit the
    listed unit it names."""

    value: str
    score: float
    canonical: str | None = None


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
class Office:
    """The office running the contest: who the letters to units come from, whom units ask."""

    name: str
    contact: str  # the person units ask for
    phone: str
    email: str
    address: str  # where signed paper copies are posted


@dataclass(frozen=True)
class ReconcileRules:
    pair_threshold: float
    pair_weights: dict[str, float]
    tolerance: dict[str, float]
    misread_similarity: float


@dataclass(frozen=True)
class Contest:
    name: str
    office: Office
    deadlines: dict[str, str]  # form type -> ISO date
    date_window: tuple[str, str]  # ISO dates: a form dated outside them is date_outside
    clauses: tuple[str, ...]
    vocabularies: dict[str, tuple[str, ...]]
    low_confidence: float
    clause_threshold: float
    seal_ring_match: float
    seal_ring_margin: float
    unit_prefixes: tuple[str, ...]
    unit_suffixes: tuple[str, ...]
    unit_match: float
    quotas: dict[str, dict[QuotaKind, int]]  # group -> {works: n, proposals: n}
    quota_forms: dict[QuotaKind, tuple[FormType, ...]]  # which forms count toward each
    units: tuple[Unit, ...]
    reconcile: ReconcileRules

    def required(self, unit: str) -> dict[QuotaKind, int] | None:
        """The notice's quota for a canonical unit name, or None for an unknown unit."""
        known = next((u for u in self.units if u.name == unit), None)
        return self.quotas.get(known.group) if known else None

    def quota_kind(self, form_type: FormType) -> QuotaKind | None:
        """Which quota a form type counts toward, or None."""
        return next((k for k, types in self.quota_forms.items() if form_type in types), None)

    # --- unit names -------------------------------------------------------------------------
    @cached_property
    def _unit_spellings(self) -> tuple[tuple[str, Unit], ...]:
        """Every way a listed unit may be written: its spellings with or without the prefixes
        units add or drop (中共, 山西省), and, where a spelling lacks it, with the suffix
        (宣传部: a committee's propaganda department submits for it)."""
        combos = [""] + list(self.unit_prefixes) + [
            p + q for i, p in enumerate(self.unit_prefixes) for q in self.unit_prefixes[i + 1:]
            if not (p.startswith(q) or q.startswith(p))]  # 中共山西省, never 山西省山西
        found: dict[str, Unit] = {}
        for unit in self.units:
            core = self._core(unit.name)
            cores = {core} | {c for c in map(clean_text, unit.aliases)
                              if core not in {c.removeprefix(p) for p in self.unit_prefixes}}
            for c in list(cores):
                if not c.endswith(tuple(self.unit_suffixes)):
                    cores |= {c + suffix for suffix in self.unit_suffixes}
            for c in sorted(cores):
                for prefix in combos:
                    if not (prefix and prefix[-1] == c[0]):  # never 山西省省委…
                        found.setdefault(prefix + c, unit)
        return tuple(found.items())

    def _core(self, name: str) -> str:
        """A unit's name without the prefixes units add or drop."""
        core = clean_text(name)
        changed = True
        while changed:
            changed = False
            for prefix in self.unit_prefixes:
                if core.startswith(prefix) and len(core) > len(prefix) + 1:
                    core, changed = core[len(prefix):], True
        return core

    def spellings(self) -> tuple[str, ...]:
        """Every way any listed unit may be written."""
        return tuple(s for s, _ in self._unit_spellings)

    def unit_spellings(self, unit: Unit) -> tuple[str, ...]:
        """Every way ``unit`` may be written (see :attr:`_unit_spellings`)."""
        return tuple(s for s, u in self._unit_spellings if u == unit)

    def snap_unit(self, reading: str | None) -> Snap | None:
        """The listed unit a reading names, as the unit wrote it (OCR errors corrected), or
        None when it names none clearly.

        A reading cut short (a seal over the end of the cell) may be the start of a name; it
        names a unit only when no other unit's name starts alike.
        """
        text = clean_text(reading)
        if len(text) < MIN_UNIT_CHARS:
            return None
        by_unit: dict[str, list[tuple[float, float, str]]] = {}
        for spelling, unit in self._unit_spellings:
            score = fuzz.ratio(text, spelling) / 100
            if len(text) < len(spelling) and len(text) >= MIN_RING_CHARS:
                score = max(score, TRUNCATED * fuzz.partial_ratio(text, spelling) / 100)
            covered = LCSseq.similarity(text, spelling) / len(text)
            by_unit.setdefault(unit.name, []).append((score, covered, spelling))
        if not by_unit:
            return None
        ranked = sorted(((max(c[0] for c in cands), name) for name, cands in by_unit.items()),
                        reverse=True)
        score, name = ranked[0]
        # Of the unit's spellings, the one that explains every character read: OCR drops
        # characters far more often than it invents them (山西省委教工委部 is 山西省委教育工委
        # 宣传部 with three lost, not 山西省委教育工委 with 部 made up).
        spelling = max(by_unit[name], key=lambda c: (round(c[1], 3), c[0]))[2]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if score < self.unit_match or score - runner_up < UNIT_MARGIN:
            return None
        return Snap(spelling, round(score, 3), name)

    def canonical_unit(self, name: str | None) -> str | None:
        """The listed unit a written name refers to (中共晋中市委宣传部 = 晋中市委宣传部); a
        name close to none keeps its own (cleaned) spelling."""
        if not name:
            return None
        snap = self.snap_unit(name)
        return snap.canonical if snap else clean_text(name)

    def is_listed(self, name: str | None) -> bool:
        """Whether a written unit name is one of the listed units."""
        return bool(name) and self.snap_unit(name) is not None

    def ring_scores(self, ring_text: str | None) -> dict[str, float] | None:
        """How close a seal's ring reading comes to each listed unit (0..1, the best of its
        spellings found in the ring), or None when too little was read to tell."""
        ring = clean_text(ring_text)
        if len(ring) < MIN_RING_CHARS:
            return None
        for prefix in sorted(self.unit_prefixes, key=len, reverse=True):
            ring = ring.replace(prefix, "")  # 中共 is every city's: it tells none of them
        weight = self._char_weights
        scores: dict[str, float] = {}
        for core, unit in self._unit_cores:
            # The characters of the unit's name found in the ring, in order, each weighing by
            # how few units write it: 太原 tells 中共太原市委宣传部 from the other cities,
            # 市委宣传部 does not (and 中共 is left out: every city writes it).
            found = _weighted_lcs(core, ring, weight) / sum(weight[c] for c in core)
            scores[unit.name] = max(scores.get(unit.name, 0.0), found)
        return scores

    @cached_property
    def _unit_cores(self) -> tuple[tuple[str, Unit], ...]:
        """Each unit's names without prefixes, with and without the suffix."""
        cores: dict[str, Unit] = {}
        for unit in self.units:
            for spelling in unit.spellings:
                core = self._core(spelling)
                cores.setdefault(core, unit)
                for suffix in self.unit_suffixes:
                    if core.endswith(suffix) and len(core) > len(suffix) + 1:
                        cores.setdefault(core[:-len(suffix)], unit)
        return tuple(cores.items())

    @cached_property
    def _char_weights(self) -> dict[str, float]:
        """1 / the number of listed units whose names (without prefixes) hold a character."""
        holders: dict[str, set[str]] = {}
        for core, unit in self._unit_cores:
            for c in core:
                holders.setdefault(c, set()).add(unit.name)
        return {c: 1.0 / len(units) for c, units in holders.items()}

    def seal_unit(self, ring_text: str | None) -> str | None:
        """The listed unit a seal's ring text clearly names, or None."""
        scores = self.ring_scores(ring_text)
        if not scores:
            return None
        ranked = sorted(scores.values(), reverse=True)
        best = max(scores, key=scores.get)
        runner_up = ranked[1] if len(ranked) > 1 else 0.0
        clear = ranked[0] >= self.seal_ring_match and ranked[0] - runner_up >= self.seal_ring_margin
        return best if clear else None

    def seal_verdict(self, ring_text: str | None, unit: str | None) -> bool | None:
        """Whether a seal is the form's unit's: True, False (it clearly names another listed
        unit), or None when there is no verdict to give (the ring read too poorly to name one
        unit clearly, or the form names no listed unit to compare with)."""
        named = self.seal_unit(ring_text)
        if named is None or not self.is_listed(unit):
            return None
        return named == self.canonical_unit(unit)

    # --- closed vocabularies ----------------------------------------------------------------
    def snap_word(self, reading: str | None, vocabulary: str) -> Snap | None:
        """The word of a closed vocabulary (work types, proposal types) a reading is, or None
        when it is none of them clearly."""
        text = clean_text(reading)
        words = self.vocabularies.get(vocabulary, ())
        if not text or not words:
            return None
        scores = sorted(((fuzz.ratio(text, w) / 100, w) for w in words), reverse=True)
        if len(text) > max(len(w) for w in words):  # a note after the word: 纪录片（人物）
            scores = sorted(((max(s, TRUNCATED * fuzz.partial_ratio(w, text) / 100), w)
                             for s, w in scores), reverse=True)
        score, word = scores[0]
        runner_up = scores[1][0] if len(scores) > 1 else 0.0
        if score < WORD_MATCH or score - runner_up < WORD_MARGIN:
            return None
        return Snap(word, round(score, 3))


def _weighted_lcs(word: str, text: str, weight: dict[str, float]) -> float:
    """The heaviest common subsequence of ``word`` in ``text`` (characters keep their order)."""
    previous = [0.0] * (len(text) + 1)
    for a in word:
        current = [0.0]
        for j, b in enumerate(text, start=1):
            current.append(max(previous[j], current[j - 1],
                               previous[j - 1] + weight.get(a, 0.0) if a == b else 0.0))
        previous = current
    return previous[-1]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(
            base.get(key), dict) else value
    return out


def _invalid(source: str, detail: str) -> FormscanError:
    return FormscanError(Code.CONFIG_INVALID, file=source, detail=detail)


def _form_types(values: Any, where: str, source: str) -> tuple[FormType, ...]:
    try:
        return tuple(FormType(v) for v in values)
    except ValueError as exc:
        raise _invalid(source, f"{where}: {exc}; form types are "
                               f"{[t.value for t in FormType if t is not FormType.UNKNOWN]}"
                       ) from exc


def _office(raw: Any, source: str) -> Office:
    """The ``office`` block: every entry a non-empty text, the email an address."""
    names = [f.name for f in fields(Office)]
    if not isinstance(raw, dict):
        raise _invalid(source, f"office: a mapping of {names}")
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise _invalid(source, f"office: unknown key(s) {unknown}; keys are {names}")
    values = {}
    for name in names:
        value = raw.get(name)
        if not isinstance(value, str | int) or not str(value).strip():
            raise _invalid(source, f"office.{name}: missing or empty")
        values[name] = str(value).strip()
    address = parseaddr(values["email"])[1]
    if address != values["email"] or "@" not in address.strip("@"):
        raise _invalid(source, f"office.email: {values['email']!r} is not an email address")
    return Office(**values)


def parse_contest(raw: dict[str, Any], source: str) -> Contest:
    """Validate a loaded contest document; errors name the file and the bad key."""
    try:
        rec = raw["reconcile"]
        contest = Contest(
            name=str(raw["name"]),
            office=_office(raw["office"], source),
            deadlines={str(FormType(k)): str(v) for k, v in raw["deadlines"].items()},
            date_window=(str(raw["date_window"][0]), str(raw["date_window"][1])),
            clauses=tuple(str(c) for c in raw["clauses"]),
            vocabularies={str(k): tuple(str(v) for v in values)
                          for k, values in raw["vocabularies"].items()},
            low_confidence=float(raw["low_confidence"]),
            clause_threshold=float(raw["clause_threshold"]),
            seal_ring_match=float(raw["seal_ring"]["match"]),
            seal_ring_margin=float(raw["seal_ring"]["margin"]),
            unit_prefixes=tuple(str(p) for p in raw["unit_prefixes"]),
            unit_suffixes=tuple(str(p) for p in raw.get("unit_suffixes") or ()),
            unit_match=float(raw["unit_match"]),
            quotas={str(k): {kind: int(v[kind.value]) for kind in QuotaKind}
                    for k, v in raw["quotas"].items()},
            quota_forms={QuotaKind(k): _form_types(v, f"quota_forms.{k}", source)
                         for k, v in raw["quota_forms"].items()},
            units=tuple(Unit(str(u["name"]), str(u["group"]),
                             tuple(str(a) for a in u.get("aliases") or ()))
                        for u in raw["units"]),
            reconcile=ReconcileRules(
                pair_threshold=float(rec["pair_threshold"]),
                pair_weights={str(k): float(v) for k, v in rec["pair_weights"].items()},
                tolerance={str(k): float(v) for k, v in rec["tolerance"].items()},
                misread_similarity=float(rec["misread_similarity"]),
            ),
        )
    except FormscanError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _invalid(source, repr(exc)) from exc
    unknown_groups = {u.group for u in contest.units} - set(contest.quotas)
    if unknown_groups:
        raise _invalid(source, f"units name group(s) {sorted(unknown_groups)} that `quotas` "
                               f"does not define ({sorted(contest.quotas)})")
    named = {spec.vocabulary for schema in schemas().values() for spec in schema.fields
             if spec.vocabulary and not spec.of_units}
    if named - set(contest.vocabularies):
        raise _invalid(source, f"the form schemas snap to vocabularies "
                               f"{sorted(named - set(contest.vocabularies))} that `vocabularies` "
                               "does not define")
    return contest


def load_contest(path: Path | None = None) -> Contest:
    """The shipped contest, with ``path`` (if given) merged over it."""
    raw = yaml.safe_load(CONTEST_FILE.read_text(encoding="utf-8"))
    source = str(CONTEST_FILE)
    if path is not None:
        try:
            over = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise _invalid(str(path), f"cannot be read: {exc}") from exc
        if not isinstance(over, dict) or set(over) - set(raw):
            raise _invalid(str(path), f"keys must be among {sorted(raw)}")
        raw, source = _merge(raw, over), f"{path} (merged over {CONTEST_FILE.name})"
    return parse_contest(raw, source)


@cache
def default_contest() -> Contest:
    return load_contest()
