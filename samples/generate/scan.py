"""Scanning: rasterizing a drawn page, a sheet feeder's and a phone camera's effects."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
import pymupdf

from samples.generate.paper import DPI


@dataclass
class ScanInfo:
    flipped: bool = False
    skew: float = 0.0
    photo: bool = False
    grey: bool = False


def rasterize(page: pymupdf.Page) -> np.ndarray:
    pix = page.get_pixmap(dpi=DPI, alpha=False)
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def encode(img: np.ndarray, ext: str, quality: int = 90) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == ".jpg" else []
    ok, buf = cv2.imencode(ext, img, params)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode a {ext} image")
    return buf.tobytes()


def _finish_scan(img: np.ndarray, rng: random.Random, nrng: np.random.Generator,
                 info: ScanInfo) -> np.ndarray:
    """Sensor blur, noise, exposure, and the grey-scale setting of some scanners."""
    if info.grey:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.35, 1.0))
    noise = nrng.standard_normal(img.shape[:2], dtype=np.float32) * rng.uniform(2, 6)
    out = img.astype(np.float32)
    out += noise if out.ndim == 2 else noise[..., None]
    out *= rng.uniform(0.95, 1.08)
    out += rng.uniform(-12, 10)
    return np.clip(out, 0, 255, out=out).astype(np.uint8)


def scan(img: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> tuple[np.ndarray,
                                                                                  ScanInfo]:
    """A sheet-feeder scan: paper tone, skew, sometimes upside down, blur and noise."""
    info = ScanInfo(grey=rng.random() < 0.08)
    blue = rng.uniform(0.92, 0.99)  # paper from white to slightly yellow
    img = cv2.multiply(img, (blue, blue + (1 - blue) * rng.uniform(0.4, 1.0), 1.0, 0.0))
    info.skew = round(rng.choice((-1, 1)) * rng.uniform(0.3, 3.0), 2)
    h, w = img.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), info.skew, 1.0)
    lid = int(rng.uniform(215, 250))
    img = cv2.warpAffine(img, turn, (w, h), flags=cv2.INTER_LINEAR,
                         borderValue=(lid, lid, lid))
    if rng.random() < 0.1:
        img = cv2.rotate(img, cv2.ROTATE_180)
        info.flipped = True
    img = _finish_scan(img, rng, nrng, info)
    if rng.random() < 0.5:  # the driver's "background removal": near-white paper turns white
        channels = 1 if img.ndim == 2 else img.shape[2]
        floor = np.full(channels, int(rng.uniform(222, 238)))
        img[cv2.inRange(img, floor, np.full(channels, 255)) > 0] = 255
    return img, info


def _table_top(h: int, w: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """A dark, grainy desk surface for phone photos."""
    level = rng.uniform(35, 100)  # grey to brown: blue <= green <= red
    base = np.array([level * rng.uniform(0.6, 0.95), level * rng.uniform(0.8, 1.0), level],
                    np.float32)
    blotches = cv2.resize(nrng.uniform(0.7, 1.3, (6, 8)).astype(np.float32), (w, h),
                          interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(nrng.standard_normal((h, w), dtype=np.float32) * 10, (0, 0), 1.5)
    desk = base[None, None, :] * blotches[..., None]
    desk += grain[..., None]
    return np.clip(desk, 0, 255, out=desk)


def photograph(img: np.ndarray, rng: random.Random, nrng: np.random.Generator
               ) -> tuple[np.ndarray, ScanInfo]:
    """A phone photo: the page a bright quadrilateral on a desk, lit unevenly."""
    info = ScanInfo(photo=True)
    if rng.random() < 0.05:
        img = cv2.rotate(img, cv2.ROTATE_180)
        info.flipped = True
    h, w = img.shape[:2]
    out_h = int(h * rng.uniform(1.08, 1.18))
    out_w = int(out_h * 0.75)
    page_h = out_h * rng.uniform(0.82, 0.9)
    page_w = page_h * w / h
    cx = out_w / 2 + rng.uniform(-0.03, 0.03) * out_w
    cy = out_h / 2 + rng.uniform(-0.03, 0.03) * out_h
    corners = np.float32([[cx - page_w / 2, cy - page_h / 2], [cx + page_w / 2, cy - page_h / 2],
                          [cx + page_w / 2, cy + page_h / 2], [cx - page_w / 2, cy + page_h / 2]])
    corners += np.float32([[rng.uniform(-0.06, 0.06) * out_w, rng.uniform(-0.06, 0.06) * out_h]
                           for _ in range(4)])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    warp = cv2.getPerspectiveTransform(src, corners)
    page = cv2.warpPerspective(img, warp, (out_w, out_h)).astype(np.float32)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), warp, (out_w, out_h))[..., None]
    photo = page * mask + _table_top(out_h, out_w, rng, nrng) * (1 - mask)
    # Light falls off from one side, with a soft vignette (smooth: computed coarse, resized).
    yy, xx = np.mgrid[-0.5:0.5:64j, -0.5:0.5:48j].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = xx * math.cos(angle) + yy * math.sin(angle)
    light = 1.0 + ramp * rng.uniform(0.2, 0.45) - (xx**2 + yy**2) * rng.uniform(0.2, 0.5)
    light = cv2.resize(light * rng.uniform(0.9, 1.0), (out_w, out_h),
                       interpolation=cv2.INTER_LINEAR)
    photo *= light[..., None]
    top_edge = corners[1] - corners[0]
    info.skew = round(-math.degrees(math.atan2(float(top_edge[1]), float(top_edge[0]))), 2)
    return _finish_scan(np.clip(photo, 0, 255).astype(np.uint8), rng, nrng, info), info
