"""Pages with their truth: a drawn form (or cover letter, or blank sheet) sealed, scanned and
stored as the scanner stores it, with the row it contributes to ``truth.jsonl``."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pymupdf

from samples.generate.content import FormContent
from samples.generate.draw import draw_cover_letter, draw_form
from samples.generate.facts import UNITS
from samples.generate.painter import Anchors
from samples.generate.paper import PAGE_H, PAGE_W, PX_PER_PT
from samples.generate.scan import ScanInfo, encode, photograph, rasterize, scan
from samples.generate.seal import seal_image, seal_spot, stamp


@dataclass
class PageTruth:
    path: str = ""
    page: int | None = None
    kind: str = "form"
    form_type: str | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    signature: bool | None = None
    seal: bool | None = None
    seal_unit: str | None = None
    date_present: bool | None = None
    handwritten: list[str] = field(default_factory=list)
    layout: dict[str, Any] | None = None
    route: str = "ocr"
    duplicate_of: dict[str, Any] | None = None
    expect: str = "ok"
    unread: list[str] = field(default_factory=list)  # written only when a key is listed

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        if not row["unread"]:
            del row["unread"]
        return row


@dataclass
class Sheet:
    """One scanned page as the scanner stores it (JPEG), with its truth."""

    truth: PageTruth
    jpeg: bytes
    image: np.ndarray | None = None  # the raw scan, kept only for lossless PNG/TIFF files
    text_lines: list[tuple[pymupdf.Rect, str]] = field(default_factory=list)  # vector text


def _sheet(truth: PageTruth, img: np.ndarray, rng: random.Random,
           lines: list[tuple[pymupdf.Rect, str]] | None = None, photo: bool = False,
           keep_image: bool = False) -> Sheet:
    quality = rng.randint(70, 90) if photo else rng.randint(45, 85)
    return Sheet(truth, encode(img, ".jpg", quality), img if keep_image else None, lines or [])


def form_truth(form: FormContent, variant: str | None, info: ScanInfo, route: str
                ) -> PageTruth:
    layout = {"variant": variant, **asdict(info)}
    if form.retyped:
        layout.update(form.retyped.to_dict())
    return PageTruth(
        kind="form",
        form_type=form.form_type,
        fields=form.truth_fields(),
        signature=form.signer is not None,
        seal=form.seal_unit is not None,
        seal_unit=form.seal_unit,
        date_present=form.signed_on is not None,
        handwritten=form.handwritten_keys(),
        layout=layout,
        route=route,
        unread=form.unread_keys(),
    )


def _text_lines(page: pymupdf.Page) -> list[tuple[pymupdf.Rect, str]]:
    lines = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            text = "".join(span["text"] for span in line["spans"]).strip()
            if text:
                lines.append((pymupdf.Rect(line["bbox"]), text))
    return lines


def _scanned(doc: pymupdf.Document, anchors: Anchors, seal_text: str | None,
             rng: random.Random, photo: bool) -> tuple[np.ndarray, ScanInfo,
                                                       list[tuple[pymupdf.Rect, str]]]:
    """Rasterize a drawn page, stamp its seal and scan or photograph it."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    page = doc[0]
    lines = _text_lines(page)
    img = rasterize(page)
    if seal_text:
        spot = seal_spot(anchors, rng)
        stamp(img, seal_image(seal_text, rng, nrng),
              (int(spot.x * PX_PER_PT), int(spot.y * PX_PER_PT)))
    doc.close()
    img, info = photograph(img, rng, nrng) if photo else scan(img, rng, nrng)
    return img, info, lines


def form_sheet(form: FormContent, rng: random.Random, photo: bool = False,
               keep_image: bool = False) -> Sheet:
    doc, anchors, variant = draw_form(form, rng)
    img, info, lines = _scanned(doc, anchors, form.seal_unit, rng, photo)
    truth = form_truth(form, variant, info, "ocr")
    return _sheet(truth, img, rng, lines, photo, keep_image)


def cover_letter_sheet(rng: random.Random) -> Sheet:
    unit = rng.choice(UNITS)
    doc, anchors = draw_cover_letter(rng, unit)
    img, info, lines = _scanned(doc, anchors, unit.name, rng, photo=False)
    truth = PageTruth(kind="not_form", layout={"variant": None, **asdict(info)},
                      expect="skipped")
    return _sheet(truth, img, rng, lines)


def blank_sheet(rng: random.Random) -> Sheet:
    """An empty sheet fed by mistake: paper tone and noise only."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    w, h = round(PAGE_W * PX_PER_PT), round(PAGE_H * PX_PER_PT)
    img, info = scan(np.full((h, w, 3), 255, np.uint8), rng, nrng)
    truth = PageTruth(kind="blank", layout={"variant": None, **asdict(info)}, expect="skipped")
    return _sheet(truth, img, rng)
