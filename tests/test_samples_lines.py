"""The generator's forms retyped without a table (``layout="lines"``): the default output is
unchanged, a lines set's truth covers every way of ticking and dating, every form type draws."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from samples.generate import (
    FIELDS,
    PAGE_H,
    PAGE_W,
    PX_PER_PT,
    DateWay,
    DateWriting,
    Layout,
    Mark,
    OptionRow,
    draw_form,
    generate,
    rasterize,
    retype,
    sample_forms,
    write_date,
)
from samples.generate.facts import FORM_TYPES, OPTIONS

ROOT = Path(__file__).resolve().parents[1]
N_FORMS = 20  # enough option rows (9) and dated forms (7) for every way to appear


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def lines_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lines")
    generate(out, seed=8, n_forms=N_FORMS, bad_inputs=False, layout="lines")
    return out


@pytest.fixture(scope="module")
def lines_set(lines_dir: Path) -> list[dict[str, Any]]:
    lines = (lines_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [row for row in map(json.loads, lines) if row["kind"] == "form"]


# --- the default output is unchanged ----------------------------------------------------------


def test_table_layout_is_the_default_byte_for_byte(tmp_path: Path) -> None:
    generate(tmp_path / "default", seed=11, n_forms=4)
    generate(tmp_path / "table", seed=11, n_forms=4, layout=Layout.TABLE)
    assert _digests(tmp_path / "default") == _digests(tmp_path / "table")


def test_default_truth_is_still_the_committed_samples(tmp_path: Path) -> None:
    """`make samples` (seed 1, 10 forms): every choice of the default run, drawing and
    scanning included, shows in its truth (skew, flips, seals, the file each form lands in),
    which unlike the JPEG bytes does not depend on the platform's codecs."""
    generate(tmp_path, seed=1, n_forms=10)
    assert ((tmp_path / "truth.jsonl").read_bytes()
            == (ROOT / "samples" / "paper-truth.jsonl").read_bytes())


def test_same_seed_gives_identical_lines_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=9, n_forms=4, layout="mixed")
    generate(tmp_path / "b", seed=9, n_forms=4, layout="mixed")
    generate(tmp_path / "table", seed=9, n_forms=4)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b") != _digests(tmp_path / "table")


def test_retyping_keeps_the_forms_of_the_seed() -> None:
    table = sample_forms(random.Random(4), 12)
    lines = retype(sample_forms(random.Random(4), 12), random.Random("4-lines"), Layout.LINES)
    assert retype(table, random.Random(0), Layout.TABLE) == table
    for before, after in zip(table, lines, strict=True):
        assert before.retyped is None and after.retyped is not None
        assert after.written == before.written and after.signed_on == before.signed_on
        options = set(after.retyped.options)
        assert {k: v for k, v in after.truth_fields().items() if k not in options} == {
            k: v for k, v in before.truth_fields().items() if k not in options}
    mixed = retype(table, random.Random(5), Layout.MIXED)
    assert 0 < sum(form.retyped is not None for form in mixed) < len(mixed)


# --- a lines set's truth covers every variation -----------------------------------------------


def test_lines_truth_covers_every_way_of_ticking(lines_set: list[dict[str, Any]]) -> None:
    marks: set[str | None] = set()
    counts = set()
    for row in lines_set:
        assert row["layout"]["variant"] == "lines"
        options = row["layout"]["options"]
        assert set(options) <= set(OPTIONS[row["form_type"]])  # an optional row may be absent
        for key, option in options.items():
            ticked = option["ticked"]
            counts.add(len(ticked))
            if len(ticked) == 1:
                marks.add(option["mark"])
                assert row["fields"][key] == ticked[0]  # truth: the option's word
                assert (key in row["handwritten"]) == (option["mark"] in ("pen_tick",
                                                                          "pen_circle"))
            else:  # none: the field missing; two: left empty for a person
                assert row["fields"][key] is None and key not in row["handwritten"]
            assert (key in row.get("unread", [])) == (len(ticked) == 2)
            assert set(ticked) <= set(OPTIONS[row["form_type"]][key])
    assert counts == {0, 1, 2}
    assert marks == {mark.value for mark in Mark}  # printed ☑ ■ ✓ √, pen tick and circle


def test_lines_truth_covers_every_way_of_dating(lines_set: list[dict[str, Any]]) -> None:
    ways, padded, timed = set(), set(), False
    for row in lines_set:
        writing = row["layout"]["date"]
        assert (writing is not None) == row["date_present"]
        if writing is None:
            assert row["fields"]["date"] is None
            continue
        date.fromisoformat(row["fields"]["date"])  # truth: the ISO value, however written
        ways.add(writing["way"])
        if writing["way"] in ("digits_nian", "dot", "slash", "dash"):
            padded.add(writing["padded"])
        timed |= writing["time"] is not None
    assert ways == {way.value for way in DateWay}
    assert padded == {True, False} and timed


def test_lines_truth_has_values_below_and_run_on(lines_set: list[dict[str, Any]]) -> None:
    below = {key for row in lines_set for key in row["layout"]["below"]}
    wrapped = {key for row in lines_set for key in row["layout"]["wrapped"]}
    assert below and wrapped
    for row in lines_set:
        assert list(row["fields"]) == list(FIELDS[row["form_type"]])
        for key in row["layout"]["below"] + row["layout"]["wrapped"]:
            assert row["fields"][key]


def test_truth_lists_unread_only_where_there_is_one(lines_set: list[dict[str, Any]]) -> None:
    unread = [row for row in lines_set if "unread" in row]
    assert unread and all(row["unread"] in (["work_type"], ["proposal_type"]) for row in unread)


# --- the ways a date is written -----------------------------------------------------------------


@pytest.mark.parametrize(("writing", "text"), [
    (DateWriting(DateWay.HANZI_O), "二〇二三年五月十五日"),
    (DateWriting(DateWay.HANZI_LING), "二零二三年五月十五日"),
    (DateWriting(DateWay.DIGITS_NIAN), "2023年5月15日"),
    (DateWriting(DateWay.DOT), "2023.5.15"),
    (DateWriting(DateWay.SLASH, padded=True), "2023/05/15"),
    (DateWriting(DateWay.DASH), "2023-5-15"),
    (DateWriting(DateWay.DASH, padded=True, time="9:30"), "2023-05-15 9:30"),
])
def test_dates_are_written_every_way(writing: DateWriting, text: str) -> None:
    assert write_date(date(2023, 5, 15), writing) == text


def test_hanzi_months_and_days() -> None:
    writing = DateWriting(DateWay.HANZI_O)
    assert write_date(date(2023, 10, 20), writing) == "二〇二三年十月二十日"
    assert write_date(date(2023, 12, 31), writing) == "二〇二三年十二月三十一日"
    assert write_date(date(2023, 1, 10), writing) == "二〇二三年一月十日"


# --- every form type draws in every way ---------------------------------------------------------


@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_lines_pages_draw_for_every_form_type(form_type: str) -> None:
    forms = retype(sample_forms(random.Random(2), 12), random.Random("2-lines"), Layout.LINES)
    form = next(f for f in forms if f.form_type == form_type and f.signed_on)
    assert form.retyped is not None
    marks: list[Mark | None] = [*Mark, None]
    for n, (way, mark) in enumerate(zip([*DateWay, *DateWay], marks, strict=False)):
        options = {key: OptionRow((words[n % len(words)],) if mark else (), mark)
                   for key, words in OPTIONS[form_type].items()}
        retyped = replace(form.retyped, options=options, date=DateWriting(way, n % 2 == 0),
                          below=frozenset({"contact"}) if n % 3 == 0 else frozenset(),
                          wrapped=frozenset({"unit"}) if n % 3 == 1 else frozenset())
        for electronic in (False, True):
            drawn = replace(form, retyped=retyped)
            if electronic:  # filled in on the computer, as the text-layer PDFs are
                drawn = replace(drawn, handwritten=frozenset(), retyped=retyped.typed())
            doc, anchors, variant = draw_form(drawn, random.Random(n), electronic=electronic)
            assert variant == "lines"
            image = rasterize(doc[0])
            assert image.shape == (round(PAGE_H * PX_PER_PT), round(PAGE_W * PX_PER_PT), 3)
            written = {k for k, v in form.written.items() if v is not None} - form.absent
            assert written | {"signature", "date"} <= set(anchors)
            if electronic and way is not DateWay.BLANKS:  # typed: the date is in the text
                text = doc[0].get_text().replace("\n", "")
                assert write_date(form.signed_on, retyped.date) in text
            doc.close()
