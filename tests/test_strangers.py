"""The strangers generator: pages that are not contest forms, with their truth (no OCR)."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from pathlib import Path

import cv2
import pymupdf
import pytest

from samples.generate.facts import UNITS
from samples.generate.strangers import (
    CONTEST_TITLES,
    KINDS,
    MAX_BYTES,
    Stranger,
    draw_cover_letter_listed,
    draw_strangers,
    generate_strangers,
    id_number,
    rmb_upper,
)

SEED = 11


@pytest.fixture(scope="module")
def pile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("strangers")
    return out, generate_strangers(out, seed=SEED, per_kind=1)


@pytest.fixture(scope="module")
def drawn() -> list[Stranger]:
    return draw_strangers(seed=SEED, per_kind=2)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes(pile: tuple[Path, list[dict]], tmp_path: Path) -> None:
    out, _ = pile
    generate_strangers(tmp_path, seed=SEED, per_kind=1)
    assert _digests(tmp_path) == _digests(out)


def test_every_kind_is_produced(pile: tuple[Path, list[dict]]) -> None:
    _, rows = pile
    assert [row["kind"] for row in rows] == list(KINDS)


def test_truth_lines_match_files(pile: tuple[Path, list[dict]]) -> None:
    out, rows = pile
    lines = [json.loads(line) for line in
             (out / "strangers-truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines == rows
    files = {p.name for p in out.iterdir()} - {"strangers-truth.jsonl"}
    assert {row["file"] for row in rows} == files
    for row in rows:
        assert set(row) == {"file", "page", "kind", "cover_letter", "unit"}
        assert row["file"].startswith(f"stranger_{row['kind']}_")
        assert row["page"] == 1
        assert row["cover_letter"] == (row["kind"] == "cover_letter")
        if row["cover_letter"]:
            assert row["unit"] in {unit.name for unit in UNITS}
        else:
            assert row["unit"] is None


def test_files_open_and_stay_small(pile: tuple[Path, list[dict]]) -> None:
    out, rows = pile
    for row in rows:
        path = out / row["file"]
        assert path.stat().st_size <= MAX_BYTES, row["file"]
        if path.suffix == ".pdf":
            with pymupdf.open(path) as doc:
                assert doc.page_count == 1
                assert doc[0].get_images()
        else:
            img = cv2.imread(str(path))
            assert img is not None and min(img.shape[:2]) > 300, row["file"]
            assert float(img.std()) > 5, row["file"]  # something is printed on it


def test_no_stranger_prints_a_contest_title(drawn: list[Stranger]) -> None:
    strangers = drawn
    assert {s.kind for s in strangers} == set(KINDS)
    for stranger in strangers:
        assert stranger.text.strip(), stranger.file
        heading = stranger.text.strip().splitlines()[:3]
        for title in CONTEST_TITLES:
            assert not any(title in line for line in heading), (stranger.file, title)
            if stranger.kind != "cover_letter":  # a letter may list the forms it brings
                assert title not in stranger.text, (stranger.file, title)


def test_new_cover_letters_name_works_and_sign_with_their_unit() -> None:
    for n in range(6):
        drawn = draw_cover_letter_listed(random.Random(n))
        text = drawn.doc[0].get_text()
        drawn.doc.close()
        assert "《" in text and drawn.unit in {unit.name for unit in UNITS}
        assert [seal.text for seal in drawn.seals] == [drawn.unit]
        assert not any(title in text for title in CONTEST_TITLES)


def test_generic_labels_are_printed(drawn: list[Stranger]) -> None:
    """What makes strangers hard: they print the contest forms' generic labels."""
    text = "".join(s.text for s in drawn)
    for label in ("姓名", "单位", "地址", "电话", "联系人", "日期"):
        assert label in text


def test_amounts_and_id_numbers() -> None:
    assert rmb_upper(1020.5) == "壹仟零贰拾元伍角整"
    assert rmb_upper(40000) == "肆万元整"
    assert rmb_upper(0.07) == "零元柒分"
    assert rmb_upper(12345.06) == "壹万贰仟叁佰肆拾伍元零陆分"
    number = id_number(random.Random(1), date(1984, 8, 2), male=True)
    assert len(number) == 18 and number[6:14] == "19840802" and int(number[16]) % 2 == 1
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights))
    assert number[17] == "10X98765432"[total % 11]
