"""Image helpers every stage that looks at pixels shares: channels, colour or grey, red ink.

One definition each, so that preprocessing, layout and the seal check agree on what a grey
scan is and what counts as red (seal) ink.
"""

from __future__ import annotations

import cv2
import numpy as np

# A page with (almost) no coloured pixel is a grey-scale scan: colour cannot tell a seal.
GREY_CHROMA = 24  # max-min channel spread that counts as colour ...
GREY_MAX_SHARE = 1e-4  # ... and below this share of coloured pixels the page is grey
GREY_SAMPLE_STEP = 2  # every 2nd pixel each way is enough to tell
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


def decode(data: bytes) -> np.ndarray | None:
    """An image file's bytes as a BGR page: OpenCV for the usual formats, Pillow (with
    pillow-heif) for HEIC photos; None when it cannot be decoded."""
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is not None:
        return image
    import io

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    try:
        with Image.open(io.BytesIO(data)) as pil:
            return cv2.cvtColor(np.asarray(pil.convert("RGB")), cv2.COLOR_RGB2BGR)
    except (OSError, ValueError, SyntaxError):
        return None
