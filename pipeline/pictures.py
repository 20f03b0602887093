"""What people look at: the page as it was read, and the crop each value was read from.

Made once, when a page is read (the last step of ``stages.read_item``), as small JPEGs the
store keeps in the batch (``OUT/report/``): the report and the review station show them and
never open an input again. The page is shown as it was read -- turned upright, straightened,
a photo's paper cut out -- and the records keep their boxes on the scan as it was, so each
box is mapped onto that page here.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.model import BBox, Record

THUMB_WIDTH = 240
CROP_MAX_WIDTH = 960  # px: a synopsis box stays readable (the page is scanned at 200 dpi)
CROP_MARGIN = 8  # px around a value's box
JPEG_QUALITY = 80
THUMB = "thumb"  # the page's picture; the others are named by field (and signature, seal)


def pictures(record: Record, page: np.ndarray) -> dict[str, bytes]:
    """The page's thumbnail and the crops of its values and marks, as JPEG bytes by name."""
    out = {THUMB: _jpeg(page, THUMB_WIDTH)}
    boxes: dict[str, BBox | None] = {key: f.bbox for key, f in record.fields.items()}
    boxes["signature"] = record.signature.bbox if record.signature else None
    boxes["seal"] = record.seal.bbox if record.seal else None
    for key, bbox in boxes.items():
        if bbox and record.transform:
            bbox = record.transform.bbox_to_processed(bbox)
        crop = _crop(page, bbox)
        if crop is not None:
            out[key] = _jpeg(crop, CROP_MAX_WIDTH)
    return out


def _jpeg(image: np.ndarray, max_width: int) -> bytes:
    scale = min(1.0, max_width / max(image.shape[1], 1))
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("a picture of the page could not be encoded")
    return encoded.tobytes()


def _crop(image: np.ndarray, bbox: BBox | None) -> np.ndarray | None:
    if not bbox:
        return None
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    x0, y0 = max(x0 - CROP_MARGIN, 0), max(y0 - CROP_MARGIN, 0)
    x1, y1 = min(x1 + CROP_MARGIN, w), min(y1 + CROP_MARGIN, h)
    return image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else None
