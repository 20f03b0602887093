"""The batch: forms shared among envelopes and loose files, the files written, truth rows.

:func:`generate` is the entry point (see the package docstring for ``truth.jsonl``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from samples.generate.content import FormContent, Layout, retype, sample_forms
from samples.generate.files import (
    encrypted_pdf,
    image_pdf,
    text_layer_pdf,
    truncated_pdf,
    write_tiff,
)
from samples.generate.mail import generate_email
from samples.generate.pages import PageTruth, Sheet, blank_sheet, cover_letter_sheet, form_sheet
from samples.generate.scan import encode


class Batch:
    """Writes files into the output folder and collects their truth rows."""

    def __init__(self, out_dir: Path, rng: random.Random) -> None:
        self.out_dir = out_dir
        self.rng = rng
        self.rows: list[PageTruth] = []
        self.scan_numbers = iter(rng.sample(range(1, 400), 40))
        self.photo_numbers = iter(rng.sample(range(2000, 9000), 40))

    def scan_name(self, ext: str) -> str:
        return f"scan_{next(self.scan_numbers):04d}{ext}"

    def photo_name(self) -> str:
        return f"IMG_{next(self.photo_numbers)}.jpg"

    def write(self, name: str, data: bytes, truths: Sequence[PageTruth]) -> None:
        (self.out_dir / name).write_bytes(data)
        self.record(name, truths)

    def record(self, name: str, truths: Sequence[PageTruth]) -> None:
        for number, truth in enumerate(truths, 1):
            truth.path = name
            if truth.kind != "bad_file":
                truth.page = number
            self.rows.append(truth)

    def bad_file(self, name: str, data: bytes) -> None:
        truth = PageTruth(kind="bad_file", route="none", expect="failed")
        self.write(name, data, [truth])


def _allocate(forms: list[FormContent], rng: random.Random, bad_inputs: bool
              ) -> tuple[dict[str, list[FormContent]], list[FormContent]]:
    """Share the forms among the loose files; the rest go into envelopes.

    The kinds of loose file take one form each in turn, most telling first, so that a small
    batch (six forms) still holds a text-layer PDF, a phone photo and a mislabelled file.
    """
    n = len(forms)
    wanted = {  # in order of priority
        "text_layer": 2 if n >= 20 else 1,
        "photo": max(1, round(0.08 * n)),
        "mislabelled": int(bad_inputs),
        "ocr_layer": rng.randint(1, 2),
        "tiff": rng.randint(2, 3),
        "jpg": rng.randint(1, 2),
        "png": 1,
    }
    budget = n - min(3 if n >= 12 else 2, n)  # the envelopes keep a few
    shares = dict.fromkeys(wanted, 0)
    while budget > 0 and shares != wanted:
        for kind, count in wanted.items():
            if shares[kind] < count and budget > 0:
                shares[kind] += 1
                budget -= 1
    loose: dict[str, list[FormContent]] = {}
    start = 0
    for kind, count in shares.items():
        loose[kind] = forms[start:start + count]
        start += count
    return loose, forms[start:]


def _envelopes(forms: list[FormContent], rng: random.Random) -> list[list[FormContent]]:
    chunks: list[list[FormContent]] = []
    while forms:
        size = rng.randint(3, 8)
        chunks.append(forms[:size])
        forms = forms[size:]
    return chunks


def _write_envelopes(batch: Batch, envelopes: list[list[Sheet]], bad_inputs: bool) -> Sheet:
    """Write the envelope PDFs, one page scanned twice; returns a sheet for later reuse."""
    rng = batch.rng
    if bad_inputs:
        envelopes[0].insert(0, cover_letter_sheet(rng))
        target = envelopes[rng.randrange(len(envelopes))]
        target.insert(rng.randint(1, len(target)), blank_sheet(rng))
    # The duplicate: a page of an earlier envelope fed again into a later one.
    if len(envelopes) < 2:
        envelopes.append([])
    donor_index = rng.randrange(len(envelopes) - 1)
    donor_pages = [i for i, s in enumerate(envelopes[donor_index]) if s.truth.kind == "form"]
    original = envelopes[donor_index][rng.choice(donor_pages)]
    copy = Sheet(replace(original.truth, layout=dict(original.truth.layout or {})),
                 original.jpeg)
    copy.truth.expect = "duplicate"
    envelopes[-1].insert(rng.randint(0, len(envelopes[-1])), copy)
    for number, sheets in enumerate(envelopes, 1):
        batch.write(f"envelope_{number:02d}.pdf", image_pdf(sheets),
                    [sheet.truth for sheet in sheets])
    copy.truth.duplicate_of = {"path": original.truth.path, "page": original.truth.page}
    return original


def generate(out_dir: Path, seed: int, n_forms: int = 36, bad_inputs: bool = True,
             email_dir: Path | None = None, layout: Layout | str = Layout.TABLE
             ) -> list[dict[str, Any]]:
    """Write a pile of scanned forms and ``truth.jsonl`` into ``out_dir``; return the rows.

    With ``email_dir`` the emailed copies of the same forms go there too (with
    ``email_truth.jsonl``); the paper output stays byte-identical to a run without it.
    ``layout`` says how the units print their forms (:class:`.content.Layout`): ``table``
    (the default, and the output before layouts existed, byte for byte), ``lines`` (retyped
    without a table) or ``mixed``. The same forms are written in every layout; how a lines
    form ticks and dates comes from ``random.Random(f"{seed}-lines")``.
    """
    if n_forms < 1:
        raise ValueError("n_forms must be at least 1")
    layout = Layout(layout)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    batch = Batch(out_dir, rng)
    forms = retype(sample_forms(rng, n_forms), random.Random(f"{seed}-lines"), layout)
    rng.shuffle(forms)
    loose, in_envelopes = _allocate(forms, rng, bad_inputs)

    envelopes = [[form_sheet(f, rng) for f in chunk] for chunk in _envelopes(in_envelopes, rng)]
    reusable = _write_envelopes(batch, envelopes, bad_inputs)

    if loose["text_layer"]:
        data, truths = text_layer_pdf(loose["text_layer"], rng)
        batch.write("submission_01.pdf", data, truths)
    if loose["ocr_layer"]:
        sheets = [form_sheet(form, rng) for form in loose["ocr_layer"]]
        batch.write("ocr_scan_01.pdf", image_pdf(sheets, hidden_ocr=rng),
                    [s.truth for s in sheets])
    if loose["tiff"]:
        sheets = [form_sheet(form, rng, keep_image=True) for form in loose["tiff"]]
        write_tiff(out_dir / "loose_01.tif", sheets)
        batch.record("loose_01.tif", [s.truth for s in sheets])
    for form in loose["photo"]:
        sheet = form_sheet(form, rng, photo=True)
        batch.write(batch.photo_name(), sheet.jpeg, [sheet.truth])
    for form in loose["jpg"]:
        sheet = form_sheet(form, rng)
        batch.write(batch.scan_name(".jpg"), sheet.jpeg, [sheet.truth])
    for form in loose["png"]:
        sheet = form_sheet(form, rng, keep_image=True)
        assert sheet.image is not None
        batch.write(batch.scan_name(".png"), encode(sheet.image, ".png"), [sheet.truth])
    for form in loose["mislabelled"]:  # a JPEG that somebody renamed to .pdf
        sheet = form_sheet(form, rng)
        batch.write(batch.scan_name(".pdf"), sheet.jpeg, [sheet.truth])

    if bad_inputs:
        _write_bad_files(batch, reusable, len(envelopes))

    rows = sorted(batch.rows, key=lambda t: (t.path, t.page or 0))
    with (out_dir / "truth.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
    paper_rows = [row.to_dict() for row in rows]
    if email_dir is not None:
        generate_email(Path(email_dir), forms, paper_rows, seed)
    return paper_rows


def _write_bad_files(batch: Batch, sheet: Sheet, n_envelopes: int) -> None:
    """A truncated PDF, a zero-byte photo and a password-protected PDF."""
    batch.bad_file(f"envelope_{n_envelopes + 1:02d}.pdf",
                   truncated_pdf(image_pdf([sheet, sheet])))
    batch.bad_file(batch.photo_name(), b"")
    image = cv2.imdecode(np.frombuffer(sheet.jpeg, np.uint8), cv2.IMREAD_COLOR)
    small = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    jpeg = encode(small, ".jpg", 60)
    batch.bad_file("secured_01.pdf", encrypted_pdf(jpeg, small.shape[1], small.shape[0],
                                                   password=f"{batch.rng.randint(0, 9999):04d}"))
