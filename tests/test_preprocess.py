"""Tests for pipeline.preprocess on synthetic pages whose geometry is known exactly.

Pages are built with PyMuPDF (Chinese text in the built-in ``china-s`` font, a ruled table),
rendered at 200 dpi, then rotated, photographed (warped onto a dark textured table) or
stamped with a red seal. No OCR runs here.
"""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pymupdf
import pytest

from pipeline.model import Transform
from pipeline.preprocess import Prepared, prepare, rotate_quarter, suppress_red

DPI = 200
ZOOM = DPI / 72.0
TABLE_PT = (60.0, 150.0, 535.0, 700.0)  # x0, y0, x1, y1 of the ruled table, in PDF points
LABELS = [
    "作品名称",
    "作品类型",
    "片长",
    "报送单位（盖章）",
    "主创人员",
    "联系人",
    "联系电话",
    "地址",
    "作品简介（500字）",
]
VALUE = "中共晋中市委宣传部 山西传媒学院视听学院 2023年5月10日"


# --------------------------------------------------------------------------------------------
# Synthetic pages


def _render_form(ruled: bool) -> np.ndarray:
    """A work-registration-like A4 page as a BGR image at 200 dpi."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text(
        (120, 100), "社会主义核心价值观主题微电影 作品登记表", fontname="china-s", fontsize=16
    )
    x0, y0, x1, y1 = TABLE_PT
    if ruled:
        page.draw_rect(pymupdf.Rect(*TABLE_PT), color=(0, 0, 0), width=1.2)
        for i in range(1, len(LABELS)):
            page.draw_line((x0, y0 + i * 45), (x1, y0 + i * 45), color=(0, 0, 0), width=0.8)
        page.draw_line((x0 + 130, y0), (x0 + 130, y1), color=(0, 0, 0), width=0.8)
    for i, label in enumerate(LABELS):
        page.insert_text((x0 + 8, y0 + 28 + i * 45), label, fontname="china-s", fontsize=11)
        page.insert_text((x0 + 140, y0 + 28 + i * 45), VALUE, fontname="china-s", fontsize=10.5)
    for i in range(4):  # synopsis paragraph lines
        page.insert_text(
            (x0 + 140, y0 + 400 + i * 18),
            VALUE + "，微电影征集展示活动。",
            fontname="china-s",
            fontsize=10.5,
        )
    pix = page.get_pixmap(dpi=DPI)
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def form() -> np.ndarray:
    return _render_form(ruled=True)


@pytest.fixture(scope="module")
def text_page() -> np.ndarray:
    return _render_form(ruled=False)


def _rotate(img: np.ndarray, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate counter-clockwise (on screen) onto an enlarged white canvas; return 3x3 matrix."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle_deg, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(math.ceil(w * c + h * s)), int(math.ceil(w * s + h * c))
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    out = cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    return out, np.vstack([m, [0, 0, 1]])


def _apply(matrix: np.ndarray, pts: np.ndarray) -> np.ndarray:
    pts = np.asarray(pts, float).reshape(-1, 2)
    homo = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(matrix).T
    return homo[:, :2] / homo[:, 2:3]


def _photograph(
    page: np.ndarray, corners: np.ndarray, size: tuple[int, int], seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Warp ``page`` so its corners (TL, TR, BR, BL) land on ``corners`` of a dark, textured
    table of ``size`` (w, h); return the photo and the page -> photo homography."""
    w, h = size
    rng = np.random.default_rng(seed)
    table = rng.normal(70, 25, (h // 8, w // 8, 3)).clip(0, 255).astype(np.uint8)
    table = cv2.resize(table, (w, h), interpolation=cv2.INTER_LINEAR)
    ph, pw = page.shape[:2]
    src = np.float32([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]])
    homography = cv2.getPerspectiveTransform(src, np.float32(corners))
    photo = cv2.warpPerspective(
        page,
        homography,
        (w, h),
        dst=table,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    return photo, homography


def _table_corner(img: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Top-left outer corner of the ruled table in an (almost) upright page image whose
    page is ``scale`` times the size of the 200-dpi render."""
    dark = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) < 128
    width = (TABLE_PT[2] - TABLE_PT[0]) * ZOOM * scale
    height = (TABLE_PT[3] - TABLE_PT[1]) * ZOOM * scale
    rows = np.nonzero(dark.sum(axis=1) > 0.3 * width)[0]
    cols = np.nonzero(dark.sum(axis=0) > 0.3 * height)[0]
    assert len(rows) and len(cols), "no ruled table found"
    return np.array([cols[0], rows[0]], float)


# --------------------------------------------------------------------------------------------
# Deskew


def _cropped(prep) -> bool:
    """Whether a photo's paper was cut out (its transform's perspective op)."""
    return any(op["op"] == "perspective" for op in prep.transform.ops)


def _skew(prep) -> tuple[float, str | None]:
    """The skew a page was straightened by, and what measured it (its transform's rotate
    op), or (0, None) when it was not turned."""
    turned = [op for op in prep.transform.ops if op["op"] == "rotate"]
    return (-turned[0]["angle_deg"], turned[0]["measured_by"]) if turned else (0.0, None)


@pytest.mark.parametrize("angle", [-9.5, -7.0, -2.5, -0.8, 0.3, 1.2, 4.0, 9.5])
def test_deskew_ruled_form_recovers_angle_and_maps_back(form: np.ndarray, angle: float) -> None:
    scan, m_test = _rotate(form, angle)
    prep = prepare(scan)

    assert "perspective" not in [op["op"] for op in prep.transform.ops]  # no photo crop
    assert _skew(prep) == (pytest.approx(angle, abs=0.3), "lines")
    assert prep.image.shape == prep.ocr_image.shape
    assert list(prep.image.shape[1::-1]) == prep.transform.ops[-1]["size"]

    # Page -> prepared is a pure translation up to the residual angle.
    composite = prep.transform.matrix() @ m_test
    residual = math.degrees(math.atan2(composite[1, 0], composite[0, 0]))
    assert abs(residual) < 0.3
    assert composite[0, 0] == pytest.approx(math.cos(math.radians(residual)), abs=1e-6)

    # The table corner found on the prepared image lands on its true place in the scan.
    true_in_scan = _apply(m_test, _table_corner(form))[0]
    found = prep.transform.points_to_original(_table_corner(prep.image))[0]
    assert np.hypot(*(found - true_in_scan)) < 4.0


@pytest.mark.parametrize("angle", [-5.5, -1.5, 3.0, 8.0])
def test_deskew_without_lines_uses_text(text_page: np.ndarray, angle: float) -> None:
    scan, _ = _rotate(text_page, angle)
    prep = prepare(scan)
    assert _skew(prep) == (pytest.approx(angle, abs=0.3), "text")


def test_deskew_page_turned_a_quarter(form: np.ndarray, text_page: np.ndarray) -> None:
    # Orientation is not decided here, but skew must still be measured on a sideways page.
    scan, _ = _rotate(np.ascontiguousarray(np.rot90(form)), 2.0)
    assert _skew(prepare(scan))[0] == pytest.approx(2.0, abs=0.3)
    scan, _ = _rotate(np.ascontiguousarray(np.rot90(text_page, -1)), -3.0)
    assert _skew(prepare(scan))[0] == pytest.approx(-3.0, abs=0.3)


def test_tiny_skew_is_ignored(form: np.ndarray) -> None:
    prep = prepare(form)
    assert _skew(prep) == (0.0, None)  # not deskewed
    assert prep.transform.ops == []
    assert prep.image.shape == form.shape
    assert np.array_equal(prep.image, form)


def test_blank_page_is_left_alone() -> None:
    blank = np.full((2339, 1654, 3), 255, np.uint8)
    prep = prepare(blank)
    assert prep.transform.ops == []  # neither cut out nor turned


# --------------------------------------------------------------------------------------------
# Phone photos


def test_photo_is_cropped_and_rectified(form: np.ndarray) -> None:
    corners = np.float32([[330, 260], [1900, 340], [1980, 2560], [240, 2480]])
    photo, homography = _photograph(form, corners, (2300, 2800))
    prep = prepare(photo)

    assert _cropped(prep)
    h, w = prep.image.shape[:2]
    assert h / w == pytest.approx(math.sqrt(2), rel=0.01)
    page_size = max(form.shape[:2])
    # The prepared image's corners are the paper's corners in the photo.
    back = prep.transform.points_to_original([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    assert np.abs(back - corners).max() < 0.01 * page_size
    # So is an inner point: the table corner.
    true_in_photo = _apply(homography, _table_corner(form))[0]
    found = prep.transform.points_to_original(_table_corner(prep.image, h / form.shape[0]))[0]
    assert np.hypot(*(found - true_in_photo)) < 0.01 * page_size


def test_photo_of_turned_page_is_cropped(form: np.ndarray) -> None:
    h, w = form.shape[:2]
    a = math.radians(30)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    page_corners = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    corners = ((page_corners - [w / 2, h / 2]) * 0.9) @ rot.T + [1500, 1500]
    photo, _ = _photograph(form, corners, (3000, 3000), seed=2)
    prep = prepare(photo)

    assert _cropped(prep)
    ph, pw = prep.image.shape[:2]
    back = prep.transform.points_to_original([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]])
    # Which corner comes first is the OCR stage's business (orientation); each must match one.
    dist = np.hypot(*(back[:, None, :] - corners[None, :, :]).transpose(2, 0, 1))
    assert dist.min(axis=1).max() < 0.01 * max(h, w)
    assert sorted(dist.argmin(axis=1).tolist()) == [0, 1, 2, 3]


def test_plain_scan_is_not_cropped(form: np.ndarray) -> None:
    assert not _cropped(prepare(form))


def test_thin_dark_scanner_edge_is_not_cropped(form: np.ndarray) -> None:
    scan = form.copy()
    scan[:14] = 25
    scan[:, :18] = 30
    scan[:, -6:] = 40
    prep = prepare(scan)
    assert prep.transform.ops == []  # neither cut out nor turned


def test_sheet_feeder_wedges_are_not_cropped_and_do_not_bias_skew(form: np.ndarray) -> None:
    # A skewed sheet in a feeder: the page corners leave black wedges aligned with the image.
    h, w = form.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 3.0, 1.0)
    scan = cv2.warpAffine(form, m, (w, h), borderValue=(0, 0, 0))
    prep = prepare(scan)
    assert not _cropped(prep)
    assert _skew(prep)[0] == pytest.approx(3.0, abs=0.3)


# --------------------------------------------------------------------------------------------
# Red suppression


def _sealed_sample() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Black and blue text with a red seal ring multiply-blended over part of them."""
    paper = np.full((600, 800, 3), (228, 236, 241), np.uint8)  # BGR, faintly warm paper
    black = np.zeros(paper.shape[:2], np.uint8)
    cv2.putText(black, "BLACK TEXT 123", (40, 300), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 255, 6)
    blue = np.zeros_like(black)
    cv2.putText(blue, "blue ink 456", (40, 450), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 255, 6)
    ink = paper.copy()
    ink[black > 0] = (28, 26, 30)
    ink[blue > 0] = (165, 85, 55)  # ballpoint blue: R = 55
    ring = np.zeros_like(black)
    cv2.circle(ring, (300, 300), 150, 255, 18)
    cv2.putText(ring, "SEAL", (210, 320), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 255, 6)
    seal = np.full_like(paper, 255)
    seal[ring > 0] = (60, 50, 215)  # seal red, BGR
    img = (ink.astype(np.float32) * seal / 255.0).astype(np.uint8)
    return img, {"black": black > 0, "blue": blue > 0, "ring": ring > 0}


def test_suppress_red_whitens_seal_keeps_black_and_blue() -> None:
    img, m = _sealed_sample()
    out = suppress_red(img)

    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(out[:, :, 0], out[:, :, 1])
    assert np.array_equal(out[:, :, 0], out[:, :, 2])
    grey = out[:, :, 0]
    red_only = m["ring"] & ~m["black"] & ~m["blue"]
    assert np.percentile(grey[red_only], 5) > 220  # the seal is gone
    assert np.percentile(grey[m["black"]], 95) < 60  # black text stays black ...
    assert np.percentile(grey[m["black"] & m["ring"]], 95) < 60  # ... even under the seal
    assert np.percentile(grey[m["blue"]], 95) < 110  # blue ballpoint stays legible
    assert np.percentile(grey[m["blue"] & m["ring"]], 95) < 110
    paper = ~(m["ring"] | m["black"] | m["blue"])
    assert np.median(grey[paper]) == np.median(img[:, :, 2][paper])  # paper as scanned


def test_a_light_fonts_thin_grey_strokes_are_not_lightened() -> None:
    """Regression: stretching the levels towards white turned a light font's strokes (R 150 on
    a 254 paper) nearly white, and the recogniser lost whole consent clauses."""
    img = np.full((200, 400, 3), 254, np.uint8)
    cv2.putText(img, "thin grey", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (150, 150, 150), 2)
    cv2.putText(img, "BOLD", (250, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (10, 10, 10), 6)
    img[5:15, 5:15] = (40, 40, 200)  # a speck of red: the page is a colour scan
    stroke = (img[:, :, 0] == 150)
    assert suppress_red(img)[:, :, 0][stroke].max() <= 150


def test_on_a_grey_scan_the_lighter_seal_grey_is_lifted_and_ink_stays_dark() -> None:
    img, m = _sealed_sample()
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    grey[m["blue"]] = 51  # blue ballpoint on a grey scan: as dark as the generator's
    seal_only = m["ring"] & ~m["black"] & ~m["blue"]
    for given in (grey, cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)):
        out = suppress_red(given)
        assert out.shape == (*grey.shape, 3)
        assert np.percentile(out[:, :, 1][seal_only], 50) > 170  # seal ring: near white
        assert np.percentile(out[:, :, 1][m["black"]], 95) < 80
        assert np.percentile(out[:, :, 1][m["blue"] & ~m["ring"]], 95) < 120


def test_prepare_builds_red_free_ocr_image(form: np.ndarray) -> None:
    page = form.copy()
    cv2.circle(page, (1200, 1900), 180, (60, 50, 215), 20)
    prep = prepare(page)
    assert prep.transform.ops == []
    assert prep.ocr_image.shape == prep.image.shape
    assert prep.ocr_image[1900, 1200 + 180].min() > 220  # on the ring
    assert prep.image[1900, 1200 + 180, 2] > prep.image[1900, 1200 + 180, 1] + 100


def test_prepare_accepts_grey_and_bgra(form: np.ndarray) -> None:
    grey = cv2.cvtColor(form, cv2.COLOR_BGR2GRAY)
    prep = prepare(grey)
    assert prep.image.shape == form.shape
    assert prep.ocr_image.shape == form.shape
    bgra = cv2.cvtColor(form, cv2.COLOR_BGR2BGRA)
    assert prepare(bgra).image.shape == form.shape


# --------------------------------------------------------------------------------------------
# Quarter turns and the transform


def _marked_prepared() -> tuple[Prepared, list[tuple[int, int]]]:
    img = np.full((37, 53, 3), 255, np.uint8)
    marks = [(0, 0), (52, 0), (52, 36), (0, 36), (17, 5), (40, 29)]
    for i, (x, y) in enumerate(marks):
        img[y, x] = (i, 10 + i, 20 + i)
    t = Transform()
    t.push("perspective", np.array([[1.0, 0.02, 3.0], [0.01, 1.0, -2.0], [1e-5, 0.0, 1.0]]))
    prep = Prepared(image=img, ocr_image=img[:, :, ::-1].copy(), transform=t)
    return prep, marks


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5, -6])
def test_rotate_quarter_is_exact(k: int) -> None:
    prep, marks = _marked_prepared()
    out = rotate_quarter(prep, k)

    assert np.array_equal(out.image, np.rot90(prep.image, k))  # counter-clockwise for k > 0
    assert np.array_equal(out.ocr_image, np.rot90(prep.ocr_image, k))
    turns = [op["quarter_turns"] for op in out.transform.ops if op["op"] == "rot90"]
    assert turns == ([k % 4] if k % 4 else [])
    before = np.linalg.inv(prep.transform.matrix())
    for i, (x, y) in enumerate(marks):
        ys, xs = np.nonzero((out.image == (i, 10 + i, 20 + i)).all(axis=2))
        assert len(xs) == 1
        back = out.transform.points_to_original([[xs[0], ys[0]]])
        np.testing.assert_allclose(back, _apply(before, [[x, y]]), atol=1e-9)
    assert len(prep.transform.ops) == 1  # the input is not modified


def test_rotate_quarter_round_trip(form: np.ndarray) -> None:
    scan, _ = _rotate(form, 1.5)
    prep = prepare(scan)
    for k in (1, 2, 3):
        there = rotate_quarter(prep, k)
        back = rotate_quarter(there, -k)
        assert np.array_equal(back.image, prep.image)
        assert sum(op.get("quarter_turns", 0) for op in back.transform.ops) % 4 == 0
        np.testing.assert_allclose(back.transform.matrix(), prep.transform.matrix(), atol=1e-9)
        pts = np.array([[10.0, 20.0], [500.5, 1300.25]])
        np.testing.assert_allclose(
            back.transform.points_to_original(pts),
            prep.transform.points_to_original(pts),
            atol=1e-6,
        )


def test_transform_serialises(form: np.ndarray) -> None:
    # A photo of a page printed 2 degrees askew: crop, deskew and a quarter turn.
    h, w = form.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 2.0, 1.0)
    askew = cv2.warpAffine(form, m, (w, h), borderValue=(255, 255, 255))
    corners = np.float32([[330, 260], [1900, 340], [1980, 2560], [240, 2480]])
    photo, _ = _photograph(askew, corners, (2300, 2800))
    prep = rotate_quarter(prepare(photo), 1)
    assert _skew(prep)[0] == pytest.approx(2.0, abs=0.3)
    text = json.dumps({"transform": prep.transform.to_dict()})
    again = Transform.from_dict(json.loads(text)["transform"])
    np.testing.assert_allclose(again.matrix(), prep.transform.matrix())
    assert [op["op"] for op in again.ops] == ["perspective", "rotate", "rot90"]
