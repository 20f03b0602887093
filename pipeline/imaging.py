"""Image helpers every stage that looks at pixels shares: channels, colour or grey, red ink.

One definition each, so that preprocessing, layout and the seal check agree on what a grey
scan is and what counts as red (seal) ink; and the one decode of an image file's bytes (a JPEG
cut short is read as far as it goes, and told).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass

import cv2
import numpy as np

# A page with (almost) no coloured pixel is a grey-scale scan: colour cannot tell a seal.
GREY_CHROMA = 24  # max-min channel spread that counts as colour ...
GREY_MAX_SHARE = 1e-4  # ... and below this share of coloured pixels the page is grey
GREY_SAMPLE_STEP = 2  # every 2nd pixel each way is enough to tell
BILEVEL_BANDS = 16  # is_bilevel looks at a page in this many bands, stopping at a grey
# Red (seal) ink: R above max(G, B) by this margin. Black and blue ink, also under a seal
# (the inks multiply), stay dark in the red channel.
RED_INK_MARGIN = 40


def as_bgr(image: np.ndarray) -> np.ndarray:
    """``image`` as 3-channel BGR uint8 (grey and BGRA accepted, 16-bit scaled down)."""
    img = np.asarray(image)
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ValueError(f"page image must be uint8 or uint16, got {img.dtype}")
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.ndim == 3 and img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.ndim == 3 and img.shape[2] == 3:
        return img
    if img.ndim == 3 and img.shape[2] == 1:
        return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2BGR)
    raise ValueError(f"page image must be HxW, HxWx3 or HxWx4, got shape {img.shape}")


def to_grey(image: np.ndarray) -> np.ndarray:
    """One channel: the image itself when it already is, else its luminance."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def is_grey(image: np.ndarray) -> bool:
    """True when (almost) no pixel of a BGR image has colour: a grey-scale scan, or a page
    without coloured ink."""
    if image.ndim == 2:
        return True
    b, g, r = cv2.split(np.ascontiguousarray(image[::GREY_SAMPLE_STEP, ::GREY_SAMPLE_STEP, :3]))
    chroma = cv2.subtract(cv2.max(cv2.max(b, g), r), cv2.min(cv2.min(b, g), r))
    return float(np.count_nonzero(chroma > GREY_CHROMA)) < GREY_MAX_SHARE * chroma.size


def is_bilevel(image: np.ndarray) -> bool:
    """True when every pixel is black or white: a fax or a 1-bit scan, whose greys (a red
    seal's among them) went through a threshold or were dithered into dots."""
    sample = np.asarray(image)[::GREY_SAMPLE_STEP, ::GREY_SAMPLE_STEP]
    if sample.dtype != np.uint8 or not sample.size:
        return False
    # In bands: a page with greys (nearly every page) shows one in its first band.
    return not any(np.any((band > 0) & (band < 255))
                   for band in np.array_split(sample, BILEVEL_BANDS))


def red_excess(image: np.ndarray) -> np.ndarray:
    """R - max(G, B) per pixel of a BGR image (uint8, 0 where a pixel is not reddish)."""
    b, g, r = cv2.split(image)
    return cv2.subtract(r, cv2.max(g, b))


def redness(image: np.ndarray) -> np.ndarray:
    """:func:`red_excess` above the paper's own (a yellowish paper is a little red), uint8."""
    red = red_excess(image)
    paper = int(np.median(red[::4, ::4]))
    return cv2.subtract(red, paper)


INK_LEVEL = 0.6  # darker than this share of the paper's level: ink


def ink_share(image: np.ndarray) -> float:
    """Share of a (grey or BGR) image's pixels that are ink: darker than the paper by far."""
    grey = to_grey(image)
    if grey.size == 0:
        return 0.0
    paper = float(np.percentile(grey, 90))
    return float(np.count_nonzero(grey < INK_LEVEL * paper)) / grey.size


RULE_RUN = 40  # px: a straight run this long is a ruling line or an underline, not writing


def unexplained_ink(image: np.ndarray, box: list[float], printed: list[list[float]],
                    inset: int = 4) -> float:
    """Share of the pixels in ``box`` that are ink which neither ruling lines nor the
    ``printed`` text boxes (what OCR read there) explain: handwriting OCR did not read."""
    h, w = image.shape[:2]
    x0, y0 = max(int(box[0]) + inset, 0), max(int(box[1]) + inset, 0)
    x1, y1 = min(int(box[2]) - inset, w), min(int(box[3]) - inset, h)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    grey = to_grey(image)
    paper = float(np.percentile(grey, 90))
    ink = (grey[y0:y1, x0:x1] < INK_LEVEL * paper).astype(np.uint8)
    for bx0, by0, bx1, by1 in printed:
        ink[max(int(by0) - y0, 0):max(int(by1) - y0 + 1, 0),
            max(int(bx0) - x0, 0):max(int(bx1) - x0 + 1, 0)] = 0
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, RULE_RUN), np.uint8)) | \
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((RULE_RUN, 1), np.uint8))
    ink &= 1 - cv2.dilate(rules, np.ones((3, 3), np.uint8))
    return float(ink.sum()) / ink.size


@dataclass(frozen=True)
class Decoded:
    """An image file decoded: the page (None when it cannot be), and whether it is a JPEG
    whose data ends early (a scan cut short): read as far as it goes, its lower part grey
    (baseline) or blurred (progressive)."""

    image: np.ndarray | None
    ends_early: bool = False


def decode(data: bytes) -> Decoded:
    """An image file's bytes as a BGR page, decoded once: OpenCV for the usual formats,
    Pillow (with pillow-heif) for HEIC photos. A JPEG cut short is read as far as it goes and
    told: by its markers (:func:`jpeg_structure`: no end marker, a progressive JPEG's last
    scans missing) or by libjpeg saying its data ran out (a cut with an end marker appended)."""
    ends_early = False
    if data[:3] == b"\xff\xd8\xff":
        ended, complete = jpeg_structure(data)
        if not ended:  # OpenCV reads no JPEG without its end marker: the data ends there
            data += b"\xff\xd9"
        image, ran_out = _imdecode_jpeg(data)
        ends_early = image is not None and (not ended or not complete or ran_out)
    else:
        image = _imdecode(data)
    if image is not None:
        return Decoded(image, ends_early)
    import io

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    try:
        with Image.open(io.BytesIO(data)) as pil:
            return Decoded(cv2.cvtColor(np.asarray(pil.convert("RGB")), cv2.COLOR_RGB2BGR))
    except (OSError, ValueError, SyntaxError):
        return Decoded(None)


def _imdecode(data: bytes) -> np.ndarray | None:
    try:
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        return None


# What libjpeg says (on the standard error, OpenCV passes it no other way) when a scan's data
# runs out before its last block: "Corrupt JPEG data: premature end of data segment", or
# "Premature end of JPEG file". The blocks after it are left blank.
_RAN_OUT = b"premature end of"
_STDERR = threading.Lock()  # one decode at a time may hold the standard error


def _imdecode_jpeg(data: bytes) -> tuple[np.ndarray | None, bool]:
    """A JPEG decoded by OpenCV, and whether libjpeg said its data ran out: its standard
    error (file descriptor 2) is caught while it decodes; anything else said there is said
    again."""
    with _STDERR, tempfile.TemporaryFile() as heard:
        if sys.stderr is not None:
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no standard error to catch: the structure alone tells
            return _imdecode(data), False
        try:
            os.dup2(heard.fileno(), 2)
            image = _imdecode(data)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        heard.seek(0)
        said = heard.read().splitlines(keepends=True)
    ran_out = [line for line in said if _RAN_OUT in line.lower()]
    other = b"".join(line for line in said if _RAN_OUT not in line.lower())
    if other:
        os.write(2, other)
    return image, bool(ran_out)


_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # not stuffing, a restart or a fill
_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_LOSSLESS_SOF = frozenset({0xC3, 0xC7, 0xCB, 0xCF})
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # not DHT, JPG, DAC


def jpeg_structure(data: bytes) -> tuple[bool, bool]:
    """(ended, complete) of a JPEG file from its markers, without decoding it: whether its
    end-of-image marker follows its scans, and whether those scans hold every coefficient of
    every component (a progressive JPEG cut between two scans ends well-formed, its last
    refinements missing; so does a sequential one sent a component per scan). A file whose
    markers cannot be followed counts as complete (the decoder tells what is wrong)."""
    components: list[int] = []
    progressive = False
    seen: dict[int, list[int]] = {}  # component -> the finest bit position per coefficient
    pos = 2
    while True:
        while data[pos:pos + 1] == b"\xff" and data[pos + 1:pos + 2] == b"\xff":
            pos += 1  # fill bytes before a marker
        if pos + 2 > len(data):
            return False, _complete(components, progressive, seen)
        if data[pos] != 0xFF:
            return True, True  # lost track: not ours to tell
        marker = data[pos + 1]
        if marker == 0xD9:
            return True, _complete(components, progressive, seen)
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        if pos + 4 > len(data):
            return False, _complete(components, progressive, seen)
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment = data[pos + 4:pos + 2 + length]
        if length < 2 or len(segment) < length - 2:
            return False, _complete(components, progressive, seen)
        if marker in _SOF and len(segment) >= 6:
            progressive = marker in _PROGRESSIVE_SOF
            components = [segment[6 + 3 * i] for i in range(segment[5])
                          if 6 + 3 * i < len(segment)]
            if marker in _LOSSLESS_SOF:
                components = []  # no coefficients: nothing to count
        pos += 2 + length
        if marker == 0xDA and segment:
            count = segment[0]
            ids = [segment[1 + 2 * i] for i in range(count) if 1 + 2 * i < len(segment)]
            spectral = segment[1 + 2 * count:4 + 2 * count]
            start, end, al = ((spectral[0], spectral[1], spectral[2] & 0x0F)
                              if len(spectral) == 3 else (0, 63, 0))
            for c in ids:
                finest = seen.setdefault(c, [99] * 64)
                for k in range(start, min(end, 63) + 1):
                    finest[k] = min(finest[k], al)
            found = _JPEG_MARKER.search(data, pos)  # the scan's data ends at the next marker
            if found is None:
                return False, _complete(components, progressive, seen)
            pos = found.start()


def _complete(components: list[int], progressive: bool, seen: dict[int, list[int]]) -> bool:
    if not progressive:
        return all(c in seen for c in components)
    return all(c in seen and max(seen[c]) == 0 for c in components)
