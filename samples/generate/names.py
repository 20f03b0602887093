"""A person's name written by the generator's pen on a strip of paper and scanned: the crop
the recogniser sees of a handwritten name (for measuring and testing ``pipeline.confirm``)."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pymupdf

from samples.generate.content import _GIVEN
from samples.generate.painter import Painter, pick_style


def handwritten_name(name: str, rng: random.Random) -> np.ndarray:
    """``name`` in handwriting-like glyphs, as a BGR crop: scanned at 110–200 dpi (a phone
    photo to a flatbed), blurred, noisy and JPEG-compressed."""
    doc = pymupdf.open()
    page = doc.new_page(width=40 + 22 * len(name), height=40)
    pen = Painter(page, rng, pick_style(rng))
    pen.hand(12, 28, name, rng.uniform(13, 17))
    pen.finish()
    pix = page.get_pixmap(dpi=rng.randint(110, 200))
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]
    image = cv2.GaussianBlur(np.ascontiguousarray(image[:, :, ::-1]), (0, 0),
                             rng.uniform(0.5, 1.8))
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 12),
                                                                  image.shape)
    image = np.clip(image + noise, 0, 255).astype(np.uint8)
    _, jpg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(30, 80)])
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR)


def another_name(name: str, rng: random.Random, change: int | None = None) -> str:
    """A different person with the same surname and as many characters: ``change`` given
    characters replaced (all of them when None)."""
    given = list(name[1:])
    places = range(len(given)) if change is None else rng.sample(range(len(given)), change)
    for i in places:
        given[i] = rng.choice([c for c in _GIVEN if c != given[i]])
    return name[0] + "".join(given)
