"""Telling a misreading from a change: the paper crop is asked how well it supports the
emailed value (``pipeline.support``: the CTC forward score of the recogniser's per-step
outputs), and a name read one stroke off takes the emailed value while a different name stays
a difference."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.confirm import MARGIN, confirm_pairs
from pipeline.contest import default_contest
from pipeline.model import (
    Diff,
    DiffKind,
    Evidence,
    Field,
    FormType,
    Location,
    Origin,
    Record,
)
from pipeline.normalize import normalize_person
from pipeline.reconcile import Pair, compare
from pipeline.support import NEG_INF, Steps, ctc_log_likelihood
from samples.generate.content import person
from samples.generate.names import another_name, handwritten_name

CONTEST = default_contest()


# --- the CTC forward score, against every alignment counted by hand --------------------------

def _brute_force(probs: np.ndarray, labels: list[int]) -> float:
    """P(labels) summed over every path of steps that collapses to them."""
    total = 0.0
    for path in itertools.product(range(probs.shape[1]), repeat=probs.shape[0]):
        collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        if collapsed == labels:
            total += math.prod(probs[t, k] for t, k in enumerate(path))
    return total


@pytest.mark.parametrize("labels", [[1], [1, 2], [2, 2], [1, 2, 1], [], [3, 3, 3]])
def test_the_forward_score_sums_every_alignment(labels):
    rng = np.random.default_rng(4)
    probs = rng.dirichlet(np.ones(4), size=5)
    found = ctc_log_likelihood(np.log(probs), labels)
    expected = _brute_force(probs, labels)
    if expected == 0:
        assert found <= NEG_INF / 2
    else:
        assert math.isclose(found, math.log(expected), rel_tol=1e-9)


def test_greedy_reading_and_an_unknown_character():
    probs = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]])
    steps = Steps(probs, {"王": 1, "芳": 2})
    assert steps.greedy() == "王芳"
    assert steps.log_likelihood("王芳") > steps.log_likelihood("芳王")
    assert steps.log_likelihood("王方") == NEG_INF  # 方 is no character the recogniser has


# --- the real recogniser on handwritten names -------------------------------------------------

def _misread_name(engine, rng: random.Random) -> tuple[str, np.ndarray, str]:
    """The first of the generator's handwritten names the recogniser reads one character off
    (its own confusion: not a variant of the same character, 靜 for 静, which the comparison
    already takes as the same), with its crop and its reading."""
    for _ in range(2000):
        name = person(rng)
        crop = handwritten_name(name, rng)
        seen = engine.steps(crop).greedy()
        if (len(seen) == len(name) and sum(a != b for a, b in zip(seen, name)) == 1
                and normalize_person(seen) != normalize_person(name)):
            return name, crop, seen
    raise AssertionError("no name read one character off in 2000")


def _pair(tmp_path: Path, crop: np.ndarray, paper: str, email: str, key: str = "contact"
          ) -> Pair:
    crops = tmp_path / "crops"
    crops.mkdir(exist_ok=True)
    cv2.imwrite(str(crops / f"p1-{key}.jpg"), crop)
    records = [Record(f"{o.value[0]}1", o, FormType.WORK_AUTHORIZATION,
                      Location(f"{o.value}.file", [1] if o is Origin.PAPER else []),
                      fields={"title": Field("太行山下", 0.99, 1, None),
                              key: Field(v, 0.9, 1, [0, 0, 10, 10])})
               for o, v in ((Origin.PAPER, paper), (Origin.EMAIL, email))]
    pair = Pair(FormType.WORK_AUTHORIZATION, *records, score=0.9)
    pair.diffs = compare(pair, CONTEST)
    return pair


@pytest.fixture(scope="module")
def engine():
    from pipeline.ocr import make_engine

    return make_engine("rapidocr")


@pytest.mark.ocr
def test_a_name_read_one_stroke_off_takes_the_emailed_value(engine, tmp_path):
    name, crop, seen = _misread_name(engine, random.Random(11))
    pair = _pair(tmp_path, crop, seen, name)
    assert [d.field for d in pair.diffs] == ["contact"]  # reported as changed today
    changed = confirm_pairs([pair], tmp_path / "crops", CONTEST, lambda: engine)
    assert changed == {"p1"} and pair.diffs == []
    field = pair.paper.fields["contact"]
    assert (field.value, field.raw, field.evidence) == (name, seen, Evidence.CONFIRMED_BY_EMAIL)


@pytest.mark.ocr
@pytest.mark.parametrize("change", [1, None])  # one given character, or the whole given name
def test_a_truly_different_name_stays_a_difference_with_both_scores(engine, tmp_path, change):
    rng = random.Random(12)
    for _ in range(50):
        name = person(rng)
        crop = handwritten_name(name, rng)
        if engine.steps(crop).greedy() == name:
            break
    other = another_name(name, rng, change)
    pair = _pair(tmp_path, crop, name, other)
    assert confirm_pairs([pair], tmp_path / "crops", CONTEST, lambda: engine) == set()
    (diff,) = pair.diffs
    assert diff.kind is DiffKind.DIFFERENCE and pair.paper.fields["contact"].value == name
    reading, emailed = diff.support
    assert reading - emailed > MARGIN


@pytest.mark.ocr
def test_a_crop_that_shows_neither_value_is_for_a_person(engine, tmp_path):
    rng = np.random.default_rng(3)
    smudge = rng.integers(90, 170, size=(60, 160, 3), dtype=np.uint8)  # ink, no writing
    pair = _pair(tmp_path, smudge, "王芳", "王方")
    confirm_pairs([pair], tmp_path / "crops", CONTEST, lambda: engine)
    (diff,) = pair.diffs
    assert diff.kind is DiffKind.MISREADING and pair.paper.fields["contact"].value == "王芳"


def test_without_a_crop_or_an_engine_that_can_tell_a_difference_stays_as_read(tmp_path):
    pair = _pair(tmp_path, np.full((40, 120, 3), 255, np.uint8), "王芳", "王方")
    (tmp_path / "crops" / "p1-contact.jpg").unlink()
    asked = []
    assert confirm_pairs([pair], tmp_path / "crops", CONTEST, lambda: asked.append(1)) == set()
    assert not asked  # no crop: the engine is not even made
    pair = _pair(tmp_path, np.full((40, 120, 3), 255, np.uint8), "王芳", "王方")

    class NoSteps:  # an engine that gives no per-step outputs (faster-paddle, paddleocr)
        def steps(self, crop):
            return None

    assert confirm_pairs([pair], tmp_path / "crops", CONTEST, NoSteps) == set()
    assert [d.support for d in pair.diffs] == [None]
    assert Diff.from_dict(pair.diffs[0].to_dict()) == pair.diffs[0]


# --- a date line signed across is no date -----------------------------------------------------

def test_a_signature_running_into_the_date_line_is_no_date_written():
    from pipeline.extract import Place, Reading
    from pipeline.model import PageLayout, WorkItem
    from pipeline.stages import PageState, _ink

    page = np.full((400, 800, 3), 255, np.uint8)
    cv2.line(page, (120, 150), (300, 215), (20, 20, 20), 4)  # the signature's tail, going down
    date = Field(None, 0.0, 1, None)
    state = PageState(WorkItem("a.jpg", 1, Origin.PAPER, None, "d"), None, CONTEST,
                      ocr_image=page)
    state.layout = PageLayout(800, 400, [], [])
    state.reading = Reading({"date": date}, {"date": Place([100, 190, 700, 300], False)})
    state.record = Record("d", Origin.PAPER, FormType.WORK_AUTHORIZATION, Location("a", [1]),
                          fields={"date": date})
    _ink(state)
    assert date.ink is True  # unsigned, the stroke is writing no one read: look at it
    state.signature_box = [110, 140, 310, 220]  # the signature found above, its tail included
    _ink(state)
    assert date.ink is False  # signed across: nothing written there, ask for the date


# --- snapping a unit the spelling cannot settle: asked of the crop -----------------------------

def _typed(text: str) -> np.ndarray:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=30 + 15 * len(text), height=36)
    page.insert_text((12, 24), text, fontname="china-s", fontsize=14)
    pix = page.get_pixmap(dpi=200)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
    return np.ascontiguousarray(image[:, :, :3][:, :, ::-1])


@pytest.mark.ocr
@pytest.mark.parametrize("unit", ["中共晋城市委宣传部", "中共晋中市委宣传部"])
def test_a_unit_reading_between_two_units_is_settled_by_its_crop(engine, unit):
    from pipeline.forms import schemas
    from pipeline.snap import by_crop

    spec = next(s for s in schemas()[FormType.WORK_REGISTRATION].fields if s.key == "unit")
    reading = "中共晋市委宣传部"  # the one character that tells them apart lost
    assert CONTEST.snap_unit(reading) is None  # as close to 晋中 as to 晋城
    found = by_crop(reading, spec, CONTEST, engine.steps(_typed(unit)))
    assert found is not None and found.canonical == unit
    other = by_crop(reading, spec, CONTEST, engine.steps(_typed("中共朔州市委宣传部")))
    assert other is None or other.canonical != unit  # a crop of another unit: not this one
