"""Writing files: image PDFs (with or without a poor hidden OCR layer), Word-exported PDFs
with a text layer, multi-page TIFFs, and the unreadable ones (truncated, password-locked)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pymupdf

from samples.generate.content import FormContent
from samples.generate.draw import draw_form
from samples.generate.pages import PageTruth, Sheet, form_truth
from samples.generate.paper import DPI, PAGE_H, PAGE_W, PDF_DATE, PX_PER_PT, TYPED_CJK
from samples.generate.scan import ScanInfo
from samples.generate.seal import seal_image, seal_png, seal_spot

# Look-alikes a cheap OCR engine produces (domain.md §3) and junk it sprinkles in.
_OCR_CONFUSIONS = {
    "山": "巍", "电": "屯", "重": "I", "区": "區", "号": "號", "军": "軍", "传": "傳",
    "8": "β", "5": "$", "0": "O", "1": "l", "日": "曰", "人": "入", "作": "怍", "品": "晶",
    "名": "各", "话": "活", "位": "住", "系": "糸", "期": "朗", "年": "午", "月": "用",
}
_OCR_JUNK = "丨丶亅'.,:;`~iIl|口囗一"


def pdf_bytes(doc: pymupdf.Document, producer: str) -> bytes:
    """Save without timestamps or random ids, so that the same seed gives the same bytes."""
    doc.set_metadata({
        "producer": producer, "creator": producer, "title": "", "author": "",
        "creationDate": PDF_DATE, "modDate": PDF_DATE,
    })
    data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    doc.close()
    return data


def image_pdf(sheets: Sequence[Sheet], hidden_ocr: random.Random | None = None) -> bytes:
    """An image-only PDF, one JPEG per page; with ``hidden_ocr`` an invisible, bad text layer."""
    doc = pymupdf.open()
    for sheet in sheets:
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_image(page.rect, stream=sheet.jpeg)
        if hidden_ocr is not None:
            _insert_poor_ocr(page, sheet.text_lines, hidden_ocr)
    producer = "ScanPro OCR 2.1" if hidden_ocr else "Sheet-feeder scan"
    return pdf_bytes(doc, producer)


def _garble(text: str, rng: random.Random) -> str:
    """What a cheap OCR engine makes of a line: look-alikes, drops and junk."""
    out = []
    for ch in text:
        roll = rng.random()
        if roll < 0.12:
            continue
        if roll < 0.4:
            out.append(_OCR_CONFUSIONS.get(ch) or rng.choice(_OCR_JUNK))
            continue
        out.append(ch)
        if rng.random() < 0.05:
            out.append(rng.choice(_OCR_JUNK))
    return "".join(out)


def _insert_poor_ocr(page: pymupdf.Page, lines: Sequence[tuple[pymupdf.Rect, str]],
                     rng: random.Random) -> None:
    for rect, text in lines:
        if rng.random() < 0.2:
            continue  # the engine missed the line
        garbled = _garble(text, rng)
        if garbled:
            size = max(5.0, rect.height * 0.8)
            page.insert_text((rect.x0, rect.y1 - rect.height * 0.15), garbled,
                             fontname=TYPED_CJK, fontsize=size, render_mode=3)


def text_layer_pdf(forms: Sequence[FormContent], rng: random.Random) -> tuple[bytes,
                                                                              list[PageTruth]]:
    """Forms filled in Word and saved as PDF: typed values, pasted signature and seal."""
    out = pymupdf.open()
    truths = []
    for form in forms:
        form = replace(form, handwritten=frozenset(),
                       retyped=form.retyped.typed() if form.retyped else None)
        doc, anchors, variant = draw_form(form, rng, electronic=True)
        out.insert_pdf(doc)
        doc.close()
        if form.seal_unit:
            nrng = np.random.default_rng(rng.getrandbits(64))
            seal = seal_image(form.seal_unit, rng, nrng)
            center = seal_spot(anchors, rng)
            half = seal.shape[0] / PX_PER_PT / 2
            spot = pymupdf.Rect(center - (half, half), center + (half, half))
            out[out.page_count - 1].insert_image(spot, stream=seal_png(seal))
        truths.append(form_truth(form, variant, ScanInfo(), "text-layer"))
    return pdf_bytes(out, "Microsoft® Word 2016"), truths


def write_tiff(path: Path, sheets: Sequence[Sheet]) -> None:
    params = [
        cv2.IMWRITE_TIFF_COMPRESSION, cv2.IMWRITE_TIFF_COMPRESSION_JPEG,
        cv2.IMWRITE_TIFF_ROWSPERSTRIP, 16,
        cv2.IMWRITE_TIFF_RESUNIT, 2, cv2.IMWRITE_TIFF_XDPI, DPI, cv2.IMWRITE_TIFF_YDPI, DPI,
    ]
    images = [sheet.image for sheet in sheets if sheet.image is not None]
    if not cv2.imwritemulti(str(path), images, params):
        raise RuntimeError(f"OpenCV could not write {path}")


def truncated_pdf(pdf: bytes) -> bytes:
    """A transfer cut short inside the page tree: no reader can find a page in it."""
    return pdf[: pdf.index(b"/Kids[") + 4]


_RC4_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    box = list(range(256))
    j = 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) & 0xFF
        box[i], box[j] = box[j], box[i]
    out = bytearray(len(data))
    i = j = 0
    for n, byte in enumerate(data):
        i = (i + 1) & 0xFF
        j = (j + box[i]) & 0xFF
        box[i], box[j] = box[j], box[i]
        out[n] = byte ^ box[(box[i] + box[j]) & 0xFF]
    return bytes(out)


def _rc4_rounds(key: bytes, data: bytes) -> bytes:
    """RC4 with the key, then with the key XOR 1..19 (PDF standard security handler, R3)."""
    data = _rc4(key, data)
    for i in range(1, 20):
        data = _rc4(bytes(b ^ i for b in key), data)
    return data


def encrypted_pdf(jpeg: bytes, width: int, height: int, password: str) -> bytes:
    """A one-page image PDF locked with a user password (RC4 128 bit, revision 3).

    Written by hand because MuPDF puts a fresh random document id into every encrypted file
    it saves, which would break reproducibility.
    """
    file_id = hashlib.md5(jpeg).digest()
    permissions = -3904
    user = (password.encode() + _RC4_PAD)[:32]
    owner_key = hashlib.md5(user).digest()
    for _ in range(50):
        owner_key = hashlib.md5(owner_key).digest()
    owner = _rc4_rounds(owner_key, user)
    key = hashlib.md5(user + owner + permissions.to_bytes(4, "little", signed=True)
                      + file_id).digest()
    for _ in range(50):
        key = hashlib.md5(key).digest()
    check = _rc4_rounds(key, hashlib.md5(_RC4_PAD + file_id).digest()) + bytes(16)

    def seal_stream(number: int, data: bytes) -> bytes:
        object_key = hashlib.md5(key + number.to_bytes(3, "little") + bytes(2)).digest()
        return _rc4(object_key, data)

    content = f"q {PAGE_W} 0 0 {PAGE_H} 0 0 cm /Im0 Do Q".encode()
    image = seal_stream(4, jpeg)
    drawing = seal_stream(5, content)
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Count 1/Kids[3 0 R]>>",
        f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 {PAGE_W} {PAGE_H}]"
        f"/Resources<</XObject<</Im0 4 0 R>>>>/Contents 5 0 R>>".encode(),
        f"<</Type/XObject/Subtype/Image/Width {width}/Height {height}/ColorSpace/DeviceRGB"
        f"/BitsPerComponent 8/Filter/DCTDecode/Length {len(image)}>>stream\n".encode()
        + image + b"\nendstream",
        f"<</Length {len(drawing)}>>stream\n".encode() + drawing + b"\nendstream",
        f"<</Filter/Standard/V 2/R 3/Length 128/P {permissions}"
        f"/O<{owner.hex()}>/U<{check.hex()}>>>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<</Size {len(objects) + 1}/Root 1 0 R/Encrypt {len(objects)} 0 R"
            f"/ID[<{file_id.hex()}><{file_id.hex()}>]>>\nstartxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
