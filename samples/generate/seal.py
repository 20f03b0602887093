"""The unit's round red seal: drawn with PyMuPDF, inked unevenly, stamped onto a page raster.

The seal prints the unit's official name (``Unit.name`` in ``pipeline/contest.yaml``), which
``truth.jsonl`` records as ``seal_unit``.
"""

from __future__ import annotations

import math
import random

import cv2
import numpy as np
import pymupdf

from samples.generate.painter import Anchors
from samples.generate.paper import SEAL_RED, TYPED_CJK, Color
from samples.generate.scan import encode, rasterize


def _star(center: pymupdf.Point, radius: float) -> list[pymupdf.Point]:
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.382
        angle = math.radians(-90 + 36 * k)
        points.append(center + (r * math.cos(angle), r * math.sin(angle)))
    return points


def draw_seal(page: pymupdf.Page, center: pymupdf.Point, radius: float, text: str,
              rng: random.Random, color: Color = SEAL_RED) -> None:
    """A round official seal: ring, name along the upper arc, star, maybe 专用章."""
    ring = rng.uniform(1.0, 1.5)  # about 3-4 px at 200 dpi
    page.draw_circle(center, radius - ring / 2, color=color, width=ring)
    page.draw_polyline(_star(center, radius * rng.uniform(0.28, 0.34)), color=color, fill=color,
                       closePath=True, width=0.3)
    span = min(250.0, len(text) * rng.uniform(24, 28))  # degrees of arc the name covers
    text_r = radius * 0.74
    pitch = span / max(len(text) - 1, 1)
    size = min(radius * 0.3, math.radians(pitch) * text_r * 1.05)
    squeeze = 0.78
    for i, ch in enumerate(text):
        theta = -span / 2 + i * pitch  # clockwise from the top
        spot = center + (text_r * math.sin(math.radians(theta)),
                         -text_r * math.cos(math.radians(theta)))
        origin = spot + (-size * squeeze / 2, size * 0.38)
        matrix = pymupdf.Matrix(squeeze, 0, 0, 1, 0, 0) * pymupdf.Matrix(-theta)
        page.insert_text(origin, ch, fontname=TYPED_CJK, fontsize=size, color=color,
                         fill=color, render_mode=2, border_width=0.03, morph=(spot, matrix))
    if rng.random() < 0.4:
        label = "专用章"
        label_size = radius * 0.2
        page.insert_text(center + (-label_size * 1.5, radius * 0.62), label, fontname=TYPED_CJK,
                         fontsize=label_size, color=color, fill=color)


def seal_image(text: str, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """The seal as a BGR image at scan resolution: white paper, uneven red ink, turned."""
    radius = rng.uniform(19.0, 21.0) / 25.4 * 72  # 38-42 mm across
    side = 2 * radius + 8
    doc = pymupdf.open()
    page = doc.new_page(width=side, height=side)
    draw_seal(page, pymupdf.Point(side / 2, side / 2), radius, text, rng)
    img = rasterize(page)
    doc.close()
    return ink_seal(img, rng, nrng)


def ink_seal(img: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """A seal drawn in red on white (BGR raster), inked unevenly and turned as a hand stamps."""
    h, w = img.shape[:2]
    # Ink is uneven: large soft patches of weaker ink, speckled gaps, slightly spread.
    patches = cv2.resize(nrng.uniform(0.45, 1.0, (5, 5)).astype(np.float32), (w, h),
                         interpolation=cv2.INTER_CUBIC)
    gaps = np.where(nrng.random((h, w)) < 0.07, 0.35, 1.0).astype(np.float32)
    strength = cv2.GaussianBlur(np.clip(patches * gaps, 0.2, 1.0), (0, 0), 1.0)
    ink = (255.0 - img.astype(np.float32)) * strength[..., None] * rng.uniform(0.8, 0.95)
    seal = cv2.GaussianBlur(255.0 - ink, (0, 0), 0.6)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-25, 25), 1.0)
    seal = cv2.warpAffine(seal, turn, (w, h), borderValue=(255, 255, 255))
    return np.clip(seal, 0, 255).astype(np.uint8)


def stamp(page_img: np.ndarray, seal: np.ndarray, center: tuple[int, int]) -> None:
    """Multiply-blend the seal onto the page, in place: dark toner stays dark under red ink."""
    sh, sw = seal.shape[:2]
    ph, pw = page_img.shape[:2]
    x0, y0 = center[0] - sw // 2, center[1] - sh // 2
    px0, py0, px1, py1 = max(x0, 0), max(y0, 0), min(x0 + sw, pw), min(y0 + sh, ph)
    if px0 >= px1 or py0 >= py1:
        return
    region = page_img[py0:py1, px0:px1]
    ink = seal[py0 - y0:py1 - y0, px0 - x0:px1 - x0]
    page_img[py0:py1, px0:px1] = cv2.multiply(region, ink, scale=1 / 255)


def seal_spot(anchors: Anchors, rng: random.Random) -> pymupdf.Point:
    """Where the seal lands (PDF points): over the unit cell or the signature and date."""
    if "unit" in anchors and ("date" not in anchors or rng.random() < 0.5):
        cell = anchors["unit"]
        return pymupdf.Point(cell.x0 + cell.width * rng.uniform(0.25, 0.75),
                             (cell.y0 + cell.y1) / 2 + rng.uniform(-12, 12))
    area = anchors["date"] | anchors.get("signature", anchors["date"])
    return pymupdf.Point(area.x0 + area.width * rng.uniform(0.3, 0.8),
                         (area.y0 + area.y1) / 2 + rng.uniform(-25, 10))


def seal_png(seal: np.ndarray) -> bytes:
    """The seal as an electronic seal: red with alpha from the ink, for vector PDFs."""
    alpha = 255 - seal.min(axis=2)
    red = np.empty(seal.shape[:2] + (4,), np.uint8)
    red[..., :3] = (40, 30, 220)
    red[..., 3] = alpha
    return encode(red, ".png")
