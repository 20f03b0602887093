"""Snap stage: values of closed vocabularies are the list's words, not what OCR copied.

A field whose schema names a ``vocabulary`` (the contest's units, work types, proposal
types) takes the listed word its reading comes clearly closest to; what OCR read is kept as
``raw`` beside it, the match's score as its confidence. A reading the words' spelling cannot
settle (close to none, or as close to two: 中共晋市委宣传部 between 晋中 and 晋城) is asked of
its crop: the closest words are scored by the recogniser's own outputs (``pipeline.support``),
and the one the crop supports nearly as well as its reading, and clearly better than any other
word, is taken. Otherwise it is left as read: the checks flag a unit that is in no list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

from pipeline.contest import Contest, Snap
from pipeline.forms import FieldSpec, FormSchema
from pipeline.model import Evidence, Field
from pipeline.normalize import clean_text
from pipeline.support import Steps

CANDIDATES = 6  # the words closest in spelling that are scored on the crop
MARGIN = 5.0  # nats a word may fall below the crop's reading (as pipeline.confirm)
GAP = 3.0  # nats the word must beat every other word (another unit) by
CROP_CONFIDENCE = 0.85  # a word the crop chose: sure enough, not as sure as a spelling match


def snap(reading: str, spec: FieldSpec, contest: Contest) -> Snap | None:
    if spec.of_units:
        return contest.snap_unit(reading)
    return contest.snap_word(reading, spec.vocabulary)


def snap_fields(fields: dict[str, Field], schema: FormSchema, contest: Contest,
                steps_of: Callable[[str], Steps | None] | None = None) -> None:
    """Snap, in place, every field of ``schema`` that has a vocabulary; ``steps_of(key)``:
    the recogniser's outputs for the field's crop, when the spelling cannot settle it."""
    for spec in schema.fields:
        f = fields.get(spec.key)
        if spec.vocabulary is None or f is None or f.value is None \
                or f.evidence is Evidence.CHECKBOX:  # a ticked option is the list's word
            continue
        found = snap(f.value, spec, contest)
        if found is None and steps_of is not None:
            found = by_crop(f.value, spec, contest, steps_of(spec.key))
        if found is None:
            continue
        if found.value != f.value:
            f.raw, f.value, f.confidence = f.value, found.value, found.score
        f.evidence = Evidence.VOCABULARY


def by_crop(reading: str, spec: FieldSpec, contest: Contest, steps: Steps | None
            ) -> Snap | None:
    """The listed word the crop supports: within :data:`MARGIN` of the crop's own reading and
    :data:`GAP` ahead of any other unit's (or word's) best spelling; None otherwise."""
    if spec.of_units:
        return unit_by_crop(reading, contest, steps)
    found = best_supported(reading, contest.vocabularies.get(spec.vocabulary, ()), steps)
    return Snap(found, CROP_CONFIDENCE) if found else None


def unit_by_crop(reading: str, contest: Contest, steps: Steps | None) -> Snap | None:
    """The listed unit a crop (a value's, a seal's ring) supports, as :func:`by_crop`."""
    def unit(word: str) -> str:
        found = contest.snap_unit(word)
        return found.canonical or word if found else word

    word = best_supported(reading, contest.spellings(), steps, unit)
    return Snap(word, CROP_CONFIDENCE, unit(word)) if word else None


def best_supported(reading: str, words: Sequence[str], steps: Steps | None,
                   owner: Callable[[str], str] = str) -> str | None:
    """Of the :data:`CANDIDATES` words nearest ``reading`` in spelling, the one the crop
    supports within :data:`MARGIN` of its own reading and :data:`GAP` ahead of every other
    ``owner``'s (a unit's spellings are one owner)."""
    text = clean_text(reading)
    if steps is None or not text or not words:
        return None
    nearest = sorted(words, key=lambda w: -fuzz.ratio(text, w))[:CANDIDATES]
    seen = steps.greedy()
    base = steps.log_likelihood(seen)
    best: dict[str, tuple[float, str]] = {}
    for word in nearest:
        score = steps.log_likelihood(steps.shown(reading, word))
        who = owner(word)
        if who not in best or score > best[who][0]:
            best[who] = (score, word)
    ranked = sorted(best.values(), reverse=True)
    score, word = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else float("-inf")
    return word if score >= base - MARGIN and score - runner_up >= GAP else None
