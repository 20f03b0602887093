"""Seal detection on forms drawn by the sample generator, stamped where the test says.

Pages are drawn with ``samples.generate`` (form, seal image, multiply-blend stamp), then
"scanned" here with a light blur, noise and JPEG, so the seal's centre and size are known
exactly. One test runs the real OCR engine on the unwrapped ring (marked ``ocr``).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pymupdf
import pytest
from rapidfuzz import fuzz

from pipeline.imaging import red_excess
from pipeline.ingest import scan_pages
from pipeline.preprocess import prepare, suppress_red
from pipeline.verify.seal import SEAL, SealFinding, detect_seal
from samples.generate import (
    PX_PER_PT,
    draw_form,
    rasterize,
    sample_forms,
    seal_image,
    seal_spot,
    stamp,
)

UNIT = "中共晋中市委宣传部"
RED_INK = (40, 35, 215)  # BGR of a red pen


def form_image(seed: int) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """A filled form without a seal (BGR, 200 dpi) and where a seal would go, in pixels."""
    rng = random.Random(seed)
    form = replace(sample_forms(rng, 1)[0], seal_unit=None)
    doc, anchors, _ = draw_form(form, rng)
    img = rasterize(doc[0])
    doc.close()
    spots = {"seal": seal_spot(anchors, rng)}
    if "unit" in anchors:
        spots["unit"] = anchors["unit"].tl + (anchors["unit"].width * 0.4,
                                              anchors["unit"].height / 2)
    return img, {k: (int(p.x * PX_PER_PT), int(p.y * PX_PER_PT)) for k, p in spots.items()}


def stamped(img: np.ndarray, center: tuple[int, int], seed: int, text: str = UNIT
            ) -> tuple[np.ndarray, int]:
    """The page with a seal stamped at ``center``; returns the page and the seal's radius."""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    seal = seal_image(text, rng, nrng)
    out = img.copy()
    stamp(out, seal, center)
    ink = np.flatnonzero((seal.min(axis=2) < 200).any(axis=0))
    return out, int((ink[-1] - ink[0]) / 2)


def scanned(img: np.ndarray, seed: int, grey: bool = False) -> np.ndarray:
    """A sheet-feeder scan: paper tone, blur, noise, JPEG; grey stored as three channels."""
    nrng = np.random.default_rng(seed)
    if grey:
        img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    else:
        img = cv2.multiply(img, (0.93, 0.97, 1.0, 0.0))  # slightly yellow paper
    img = cv2.GaussianBlur(img, (0, 0), 0.7).astype(np.float32)
    img += nrng.standard_normal(img.shape[:2], dtype=np.float32)[..., None] * 4
    img = np.clip(img, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 60])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def assert_found_at(found: SealFinding, center: tuple[int, int], radius: int) -> None:
    assert found.mark.present
    x0, y0, x1, y1 = found.mark.bbox
    assert abs((x0 + x1) / 2 - center[0]) < 12 and abs((y0 + y1) / 2 - center[1]) < 12
    assert abs((x1 - x0) / 2 - radius) < 0.08 * radius
    assert abs((y1 - y0) / 2 - radius) < 0.08 * radius


# --------------------------------------------------------------------------------------------
# Colour scans


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_colour_seal_found_with_its_bbox(seed):
    img, spots = form_image(seed)
    page, radius = stamped(img, spots["seal"], seed)
    found = detect_seal(scanned(page, seed))
    assert_found_at(found, spots["seal"], radius)
    assert not found.grey
    assert found.mark.confidence >= 0.9
    assert found.ring_text is None  # nothing read without a reader


def test_seal_whose_star_is_written_over_by_the_signature_is_found():
    """A signature signed after stamping covers half the star in blue: the star is judged on
    what it leaves visible (it was missed when thin leftovers of it had to be solid)."""
    img, spots = form_image(6)
    page, radius = stamped(img, spots["seal"], 6)
    cx, cy = spots["seal"]
    star = int(0.3 * radius)
    strokes = [np.array([[cx - star + 12 * i, cy + star], [cx - star + 12 * i + 14, cy - star]])
               for i in range(0, 2 * star // 12 + 1)]
    layer = page.copy()
    cv2.polylines(layer, strokes, False, (150, 60, 20), 6)  # blue ink, multiplied
    signed = (page.astype(np.float32) * layer / 255).astype(np.uint8)
    assert_found_at(detect_seal(scanned(signed, 6)), spots["seal"], radius)


def test_seal_over_the_unit_name_is_found():
    img, spots = form_image(4)
    page, radius = stamped(img, spots["unit"], 4)  # black text under the ring and the star
    assert_found_at(detect_seal(scanned(page, 4)), spots["unit"], radius)


def test_seal_on_an_upside_down_page():
    img, spots = form_image(5)
    page, radius = stamped(img, spots["seal"], 5)
    h, w = page.shape[:2]
    x, y = spots["seal"]
    found = detect_seal(cv2.rotate(scanned(page, 5), cv2.ROTATE_180))
    assert_found_at(found, (w - 1 - x, h - 1 - y), radius)


def test_seal_hanging_over_the_page_edge_still_found():
    img, _ = form_image(6)
    h, w = img.shape[:2]
    page, radius = stamped(img, (w - 120, h // 2), 6)  # an eighth of the seal off the page
    found = detect_seal(scanned(page, 6))
    assert found.mark.present
    assert found.mark.bbox[2] == pytest.approx(w - 1, abs=1)


@pytest.mark.parametrize("seed", [7, 8])
def test_no_seal_on_a_colour_form(seed):
    img, _ = form_image(seed)
    page = img.copy()
    # Blue handwriting makes it a colour page, so the red-ink path is the one that runs.
    cv2.putText(page, "13834567890", (300, 400), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.0,
                (170, 60, 30), 3, cv2.LINE_AA)
    found = detect_seal(scanned(page, seed))
    assert not found.grey
    assert not found.mark.present
    assert found.mark.bbox is None


def test_red_pen_and_small_red_marks_are_not_seals():
    img, spots = form_image(9)
    page = img.copy()
    x, y = spots["seal"]
    # A red signature, a tick, an underline, circles drawn round a word and round a red
    # note (a ring, but no star), a red-headed letter's rule, and a small round stamp.
    cv2.putText(page, "Zhang Wei", (x - 250, y), cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 2.2, RED_INK,
                4, cv2.LINE_AA)
    cv2.polylines(page, [np.int32([[200, 600], [230, 640], [300, 560]])], False, RED_INK, 5)
    cv2.line(page, (300, 900), (900, 905), RED_INK, 4)
    cv2.ellipse(page, (1100, 1200), (150, 140), 10, 0, 360, RED_INK, 4, cv2.LINE_AA)
    cv2.ellipse(page, (500, 1500), (160, 150), 0, 0, 360, RED_INK, 4, cv2.LINE_AA)
    for row, note in enumerate(("see", "page 2", "OK")):
        cv2.putText(page, note, (400, 1440 + 60 * row), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.6,
                    RED_INK, 4, cv2.LINE_AA)
    cv2.rectangle(page, (120, 90), (1530, 100), RED_INK, -1)
    small = cv2.resize(seal_image(UNIT, random.Random(9), np.random.default_rng(9)), None,
                       fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    stamp(page, small, (1300, 700))
    assert not detect_seal(scanned(page, 9)).mark.present


# --------------------------------------------------------------------------------------------
# Grey-scale scans


@pytest.mark.parametrize("seed", [10, 11])
def test_grey_seal_found(seed):
    img, spots = form_image(seed)
    page, radius = stamped(img, spots["seal"], seed)
    found = detect_seal(scanned(page, seed, grey=True))
    assert found.grey
    assert_found_at(found, spots["seal"], radius)
    assert 0.5 <= found.mark.confidence <= SEAL.grey_max_confidence


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_no_seal_on_a_grey_form(seed):
    img, _ = form_image(seed)
    found = detect_seal(scanned(img, seed, grey=True))
    assert found.grey
    assert not found.mark.present


def test_grey_page_as_a_single_channel():
    img, spots = form_image(15)
    page, radius = stamped(img, spots["seal"], 15)
    grey = cv2.cvtColor(scanned(page, 15, grey=True), cv2.COLOR_BGR2GRAY)
    found = detect_seal(grey)
    assert found.grey
    assert_found_at(found, spots["seal"], radius)


# --------------------------------------------------------------------------------------------
# Ring text and the generated sample set


def test_reader_gets_one_upright_square_strip_and_only_for_a_seal():
    calls: list[np.ndarray] = []

    def reader(strip: np.ndarray) -> str:
        calls.append(strip)
        return "  中共晋中市委宣传部 \n"

    img, spots = form_image(16)
    page, _ = stamped(img, spots["seal"], 16)
    found = detect_seal(scanned(page, 16), reader)
    assert found.ring_text == "中共晋中市委宣传部"
    assert len(calls) == 1
    h, w = calls[0].shape[:2]
    assert calls[0].ndim == 3 and calls[0].dtype == np.uint8
    assert 0.8 <= h / w <= 1.25  # square-ish: detectors would blow a thin strip up
    assert detect_seal(scanned(img, 16), reader).ring_text is None
    assert len(calls) == 1


def test_generated_scans_match_their_truth(sample_set):
    """Every OCR-route page of the session's generated set: seal present/absent as truth."""
    rows = [r for r in _truth(sample_set) if r["kind"] == "form" and r["route"] == "ocr"]
    assert rows
    wrong = []
    for row in rows:
        path = str(sample_set / row["path"])
        page = list(scan_pages(path))[row["page"] - 1]
        found = detect_seal(prepare(page.image).image)
        # A colour scan with no coloured ink at all reads as grey: only a seal tells.
        grey_ok = found.grey if row["layout"]["grey"] else not (row["seal"] and found.grey)
        if found.mark.present != row["seal"] or not grey_ok:
            wrong.append((row["path"], row["page"], found))
    assert not wrong


def _truth(root: Path) -> list[dict]:
    lines = (root / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


@pytest.mark.ocr
def test_ring_text_read_with_the_real_engine():
    from pipeline.ocr import make_engine

    engine = make_engine()

    def read(im: np.ndarray) -> str:
        return "".join(line.text for line in engine.recognize(im))

    img, spots = form_image(17)
    page, _ = stamped(img, spots["unit"], 17)
    found = detect_seal(scanned(page, 17), read)
    assert found.mark.present and found.ring_text
    assert len(found.ring_text) >= len(UNIT) // 2
    assert fuzz.partial_ratio(found.ring_text, UNIT) >= 60


# --------------------------------------------------------------------------------------------
# Red print is text: only the seal's ink is taken away


RED_PRINT = "上海易迅电子商务发展有限公司"
ACCOUNT = "账号：31001234567890123"


def red_slip(seed: int) -> tuple[np.ndarray, tuple[int, int]]:
    """A slip printed in red (a bank's, a letterhead), a unit's seal stamped on its foot."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 120), RED_PRINT, fontname="china-s", fontsize=16, color=(0.85, 0.1, 0.1))
    page.insert_text((60, 170), ACCOUNT, fontname="china-s", fontsize=14, color=(0.85, 0.1, 0.1))
    page.insert_text((60, 240), "报送单位：中共晋中市委宣传部", fontname="china-s", fontsize=14)
    img = rasterize(page)
    doc.close()
    center = (int(420 * PX_PER_PT), int(600 * PX_PER_PT))
    return scanned(stamped(img, center, seed)[0], seed), center


def test_red_print_outside_the_seal_stays_dark_and_the_seal_goes(seed=4):
    img, center = red_slip(seed)
    found = detect_seal(img)
    assert found.mark.present
    out = suppress_red(img, seal=found.mark.bbox)[:, :, 0]
    red = red_excess(img) > 60
    rows = int(90 * PX_PER_PT), int(180 * PX_PER_PT)
    printed = red.copy()
    printed[: rows[0]] = printed[rows[1]:] = False
    assert np.percentile(out[printed], 50) < 150  # the slip's red text is still text
    x0, y0, x1, y1 = (int(v) for v in found.mark.bbox)
    ring = red.copy()
    ring[:, :x0] = ring[:, x1:] = ring[:y0] = ring[y1:] = False
    assert np.percentile(out[ring], 50) > 220  # the seal's ink is gone
    assert np.percentile(suppress_red(img)[:, :, 0][printed], 50) > 220  # page-wide: lost


@pytest.mark.ocr
def test_red_print_is_read_where_a_seal_is_elsewhere_on_the_page():
    from pipeline.ocr import make_engine

    img, _ = red_slip(5)
    prep = prepare(img, seal=False)
    found = detect_seal(prep.image)
    text = "".join(line.text for line in make_engine().recognize(
        suppress_red(prep.image, seal=found.mark.bbox)))
    assert RED_PRINT in text and "31001234567890123" in text
