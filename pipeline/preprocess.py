"""Page image preparation: phone-photo crop, perspective fix, deskew and red-seal suppression.

``prepare`` turns a page image as it was read into the geometry the OCR stage works on and
records every geometric operation on a :class:`~pipeline.model.Transform`, so a bbox found on
the prepared image maps back to the original scan. The steps, in order:

1. **Photo crop** – a page photographed on a darker table is found as the largest bright
   quadrilateral with a clearly darker surround, and warped to an upright rectangle
   (snapped to the A4 aspect when close to it). Flatbed scans (page fills the image, white
   margins) and scans with a thin dark scanner edge are left alone.
2. **Deskew** – the skew is estimated from the long ruling lines of the form (HoughLinesP on a
   downscaled binary image) and refined with a projection profile; pages without ruling lines
   fall back to the projection profile of the text lines alone. Range ±10°, angles below
   0.1° are ignored; the page is rotated about its centre onto a canvas large enough to keep
   every pixel, the new corners filled white.
3. **Red suppression** – ``ocr_image`` is the red channel, contrast-stretched, with red ink
   (seals) pushed to white while black and blue ink stay dark.

Orientation (0/90/180/270°) is decided later by the OCR stage, which calls
:func:`rotate_quarter`.

Coordinates follow OpenCV's convention: pixel centres sit at integer coordinates, so pixel
``(x, y)`` of one image maps exactly onto a pixel index of the next.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.imaging import as_bgr, is_grey, red_excess, to_grey
from pipeline.model import Transform

# Photo crop: analysis size and acceptance thresholds.
_PHOTO_LONG_SIDE = 800  # px, long side of the image the paper is searched on
_PHOTO_MIN_AREA = 0.30  # the paper covers at least this share of the image ...
_PHOTO_MIN_OUTSIDE = 0.05  # ... and leaves at least this share outside it
_PHOTO_MIN_CONTRAST = 40.0  # grey levels between the paper and its surround (medians)
_PHOTO_SIDE_MARGIN = 0.015  # a side is "bordered" when this far (share of size) from the edge
_A4_RATIO = math.sqrt(2.0)
_A4_SNAP = 0.10  # snap the warped size to A4 when its aspect is within 10% of it

# Deskew: analysis size, search range and precision.
_SKEW_LONG_SIDE = 1200  # px, long side of the image the skew is measured on
_SKEW_MAX_DEG = 10.0
_SKEW_MIN_DEG = 0.1
_COARSE_STEP_DEG = 0.5
_FINE_HALF_DEG = 0.6
_FINE_STEP_DEG = 0.05
_COARSE_MAX_POINTS = 40_000  # ink pixels sampled for the coarse profile search
_LINE_PIECE = 0.05  # of the short side: shorter pieces of ink (characters) do not vote for lines
_SKEW_MIN_INK = 1000  # fewer ink pixels (at analysis size) than this: nothing to measure
_TEXT_MIN_PEAK = 1.2  # best / median profile score below this: no text lines to align

BLANK_INK_RATIO = 0.002  # share of dark pixels under which a page is blank

# Red suppression.
SEAL_MARGIN = 0.08  # of a seal's size: its ink reaches past the ring found
_GREY_SEAL_MIN = 120.0 # grey level range where the white point of a grey scan may be set:
_GREY_SEAL_MAX = 160.0 # blue/black ink stays below it, a red seal's grey above


@dataclass
class Prepared:
    """A page ready for OCR, with the geometry that links it to the image as it was read."""

    image: np.ndarray  # BGR uint8, geometry-corrected (border cropped, perspective fixed, deskewed)
    ocr_image: np.ndarray  # same geometry, 3-channel uint8, red ink suppressed for recognition
    transform: Transform  # original scan -> image: what was done, op by op


def gutter(image: np.ndarray, middle: float = 0.15) -> int:
    """The x between two forms side by side on one sheet: the column with the least ink in
    the middle of the sheet (``middle``: share of the width each side of its centre looked
    at), the nearest to the centre among equals."""
    w = image.shape[1]
    ink = _ink_mask(to_grey(image)).astype(np.float32).sum(axis=0)
    window = max(3, w // 100)
    smooth = np.convolve(ink, np.ones(window, np.float32) / window, mode="same")
    lo, hi = int(w * (0.5 - middle)), int(w * (0.5 + middle))
    xs = np.arange(lo, hi)
    score = smooth[lo:hi] + np.abs(xs - w / 2) * 1e-3  # ties: nearest to the centre
    return int(xs[int(np.argmin(score))])


def is_blank(image: np.ndarray) -> bool:
    """Whether a page holds nothing printed or written (a blank sheet in an envelope)."""
    small = cv2.resize(to_grey(image), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                31, 25)
    return float(np.count_nonzero(ink)) / ink.size < BLANK_INK_RATIO


def prepare(image: np.ndarray, seal: bool | list[float] = True) -> Prepared:
    """Crop a phone photo to its paper, deskew the page and build the red-free OCR image
    (the seal's ink taken away where ``seal`` says, see :func:`suppress_red`; False leaves
    the OCR image as the page is, for a caller who finds the seal first).

    ``image`` is the page as read: BGR (or BGRA, or single-channel grey) uint8. The returned
    ``transform`` maps original pixel coordinates to ``Prepared.image`` coordinates, and says
    what was done: ``perspective`` (a photo's paper cut out, its corners in ``quad``),
    ``rotate`` (deskewed by ``angle_deg``, the skew ``measured_by`` ruling ``lines`` or
    ``text``). When no geometric op was needed, ``image`` may share memory with the input.
    """
    img = as_bgr(image)
    transform = Transform()

    quad = _find_paper_quad(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    if quad is not None:
        matrix, (pw, ph) = _paper_homography(quad)
        img = cv2.warpPerspective(
            img, matrix, (pw, ph), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        transform.push("perspective", matrix, size=[pw, ph],
                       quad=[[round(float(x), 1), round(float(y), 1)] for x, y in quad])

    # The red channel hides red seals, which would otherwise add curved "ink" to the analysis.
    skew, source = estimate_skew(img[:, :, 2])
    if abs(skew) >= _SKEW_MIN_DEG:
        matrix, (rw, rh) = _rotation_matrix(img.shape[1], img.shape[0], -skew)
        img = cv2.warpAffine(
            img,
            matrix,
            (rw, rh),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(255, 255, 255),
        )
        transform.push("rotate", np.vstack([matrix, [0.0, 0.0, 1.0]]), angle_deg=round(-skew, 3),
                       measured_by=source, size=[rw, rh])
    return Prepared(image=img, ocr_image=suppress_red(img, seal) if seal else img,
                    transform=transform)


def rotate_quarter(prep: Prepared, quarter_turns: int) -> Prepared:
    """Rotate a prepared page by ``quarter_turns`` × 90° **counter-clockwise** (as on screen).

    Negative values turn clockwise; any integer is taken modulo 4. The rotation is an exact
    pixel permutation (``np.rot90``), and the matching op is pushed on a copy of the
    transform, so points map back exactly. The input ``prep`` is not modified.
    """
    k = int(quarter_turns) % 4
    h, w = prep.image.shape[:2]
    # Where np.rot90 sends pixel (x, y) for one counter-clockwise turn: (y, w - 1 - x).
    matrix = np.eye(3)
    cur_w, cur_h = w, h
    for _ in range(k):
        step = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, cur_w - 1.0], [0.0, 0.0, 1.0]])
        matrix = step @ matrix
        cur_w, cur_h = cur_h, cur_w
    transform = Transform(ops=[dict(op) for op in prep.transform.ops])
    if k == 0:
        return Prepared(prep.image, prep.ocr_image, transform)
    transform.push("rot90", matrix, quarter_turns=k, size=[cur_w, cur_h])
    return Prepared(
        image=np.ascontiguousarray(np.rot90(prep.image, k)),
        ocr_image=np.ascontiguousarray(np.rot90(prep.ocr_image, k)),
        transform=transform,
    )


def suppress_red(image: np.ndarray, seal: bool | list[float] = True) -> np.ndarray:
    """Return a 3-channel grey image in which a seal's ink is near-white and the text is dark.

    ``seal`` says where a seal is: its box (the seal's ink is taken away there only, so red
    print elsewhere, a bank slip's, a red letterhead, stays text), True while nothing says
    (taken away over the whole page), False where there is none (nothing taken away).
    On a colour page the seal's box is the red channel, where black and blue ink are dark and
    red ink bright, its levels as scanned (stretching them towards white would lighten the thin
    strokes of a light font until the recogniser loses them), with pixels clearly red *and*
    bright in R (seal ink on paper, not text under a seal, which the multiply blend keeps dark)
    pushed to white; the rest of the page is its plain grey, in which red print is dark.
    On a grey-scale image (2-D, or 3 channels without colour) a seal's lighter grey is lifted
    towards white where the seal is (the lift takes a light font's strokes with it, so it is
    kept where it is needed).
    """
    if image.ndim == 2 or is_grey(as_bgr(image)):
        grey = image if image.ndim == 2 else as_bgr(image)[:, :, 1]
        return cv2.cvtColor(_within(seal, grey, _lift_grey_seal), cv2.COLOR_GRAY2BGR)
    img = as_bgr(image)
    if seal is True:
        return cv2.cvtColor(_red_away(img), cv2.COLOR_GRAY2BGR)
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if seal:
        x0, y0, x1, y1 = _box(seal, img.shape)
        grey[y0:y1, x0:x1] = _red_away(img[y0:y1, x0:x1], paper_of=img)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def _box(box: list[float], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A seal's box with a margin (its ink spreads past the ring found), inside the page."""
    x0, y0, x1, y1 = box
    m = SEAL_MARGIN * max(x1 - x0, y1 - y0)
    h, w = shape[:2]
    return (max(int(x0 - m), 0), max(int(y0 - m), 0), min(int(x1 + m) + 1, w),
            min(int(y1 + m) + 1, h))


def _within(seal: bool | list[float], grey: np.ndarray,
            lift: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    if seal is True:
        return lift(grey)
    if not seal:
        return grey
    x0, y0, x1, y1 = _box(seal, grey.shape)
    grey = grey.copy()
    grey[y0:y1, x0:x1] = lift(grey[y0:y1, x0:x1])
    return grey


def _red_away(img: np.ndarray, paper_of: np.ndarray | None = None) -> np.ndarray:
    """The red channel with red ink pushed to white (the paper's level measured on
    ``paper_of``, the whole page, when ``img`` is a part of it)."""
    b, g, r = cv2.split(img)
    whole = r if paper_of is None else as_bgr(paper_of)[:, :, 2]

    # The paper's level in R: the bulk of the page.
    hist = np.bincount(whole[::2, ::2].ravel(), minlength=256).cumsum()
    paper = float(np.searchsorted(hist, 0.90 * hist[-1]))

    # Push red ink to white: redness = R - max(G, B), weighted by how bright R is, so that
    # dark text under a seal (low R after the multiply blend) stays dark.
    redness = red_excess(img)  # saturates at 0 for non-red pixels
    red_w = np.clip((redness.astype(np.float32) - 30.0) / 60.0, 0.0, 1.0)
    bright_w = np.clip((r.astype(np.float32) / max(paper, 1.0) - 0.35) / 0.20, 0.0, 1.0)
    weight = red_w * bright_w
    out = r.astype(np.float32)
    out += weight * (255.0 - out)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _lift_grey_seal(grey: np.ndarray) -> np.ndarray:
    """On a grey-scale scan a red seal turns mid-grey, lighter than black or blue ink.

    Otsu's threshold among the pixels darker than the paper separates the two inks; the
    levels are stretched so that the seal's grey (and everything lighter) becomes white while
    the text keeps its anti-aliased edges.
    """
    hist = np.bincount(grey[::2, ::2].ravel(), minlength=256).cumsum()
    paper = int(np.searchsorted(hist, 0.5 * hist[-1]))
    dark = grey[::2, ::2][grey[::2, ::2] < paper - 40]
    if dark.size < 500:
        return grey.copy()
    otsu, _ = cv2.threshold(dark.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    white = float(np.clip(otsu, _GREY_SEAL_MIN, _GREY_SEAL_MAX))
    lut = np.clip(np.arange(256) * 255.0 / white, 0, 255).astype(np.uint8)
    return cv2.LUT(grey, lut)


def estimate_skew(grey: np.ndarray) -> tuple[float, str]:
    """Estimate the page skew in degrees (counter-clockwise positive, as seen on screen).

    Returns ``(angle, source)`` with ``source`` ``"lines"`` when long ruling lines gave the
    angle, ``"text"`` when the text-line projection profile did, and ``"none"`` (angle 0)
    when the page has too little ink to tell. Rotating the image by ``-angle`` with
    ``cv2.getRotationMatrix2D`` straightens it.
    """
    h, w = grey.shape[:2]
    scale = min(1.0, _SKEW_LONG_SIDE / max(h, w))
    small = (
        cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else grey
    )
    ink, lines = _ink_masks(small)
    ys, xs = np.nonzero(ink)
    if len(xs) < _SKEW_MIN_INK:
        return 0.0, "none"
    pts = np.stack([xs, ys]).astype(np.float32)
    pts -= pts.mean(axis=1, keepdims=True)

    coarse = _angle_from_lines(lines)
    if coarse is not None:
        source = "lines"
    else:
        source = "text"
        sample = pts
        if pts.shape[1] > _COARSE_MAX_POINTS:
            rng = np.random.default_rng(0)
            sample = pts[:, rng.choice(pts.shape[1], _COARSE_MAX_POINTS, replace=False)]
        angles = np.arange(-_SKEW_MAX_DEG, _SKEW_MAX_DEG + 1e-9, _COARSE_STEP_DEG)
        scores = np.array([_profile_score(sample, a) for a in angles])
        if scores.max() < _TEXT_MIN_PEAK * float(np.median(scores)):
            return 0.0, "none"  # no direction stands out: no lines of text to align
        coarse = float(angles[int(np.argmax(scores))])

    angles = coarse + np.arange(-_FINE_HALF_DEG, _FINE_HALF_DEG + 1e-9, _FINE_STEP_DEG)
    scores = np.array([_profile_score(pts, a) for a in angles])
    i = int(np.argmax(scores))
    best = float(angles[i])
    if 0 < i < len(scores) - 1:  # parabolic interpolation between the fine steps
        s0, s1, s2 = scores[i - 1], scores[i], scores[i + 1]
        den = s0 - 2 * s1 + s2
        if den < 0:
            best += 0.5 * (s0 - s2) / den * _FINE_STEP_DEG
    best = float(np.clip(best, -_SKEW_MAX_DEG, _SKEW_MAX_DEG))
    return best, source


# --------------------------------------------------------------------------------------------
# Helpers


def _order_corners(pts: np.ndarray) -> np.ndarray:
    """Order four points clockwise (as on screen) starting with the top-left one."""
    pts = np.asarray(pts, np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(ang)]  # increasing angle = clockwise on screen (y points down)
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _find_paper_quad(grey: np.ndarray) -> np.ndarray | None:
    """Corners (TL, TR, BR, BL; original pixels) of a photographed page, or None.

    None unless the largest bright region is a clean quadrilateral covering at least 30% of
    the image, leaving at least 5% outside, with a clearly darker surround on at least two
    sides: that rules out flatbed scans and thin dark scanner edges.
    """
    h, w = grey.shape
    scale = min(1.0, _PHOTO_LONG_SIDE / max(h, w))
    small = (
        cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else grey
    )
    sh, sw = small.shape
    img_area = float(sh * sw)
    blur = cv2.GaussianBlur(small, (0, 0), 2.0)
    _, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(contour)
    hull_area = cv2.contourArea(hull)
    if not _PHOTO_MIN_AREA * img_area <= hull_area <= (1 - _PHOTO_MIN_OUTSIDE) * img_area:
        return None
    if cv2.contourArea(contour) < 0.90 * hull_area:
        return None  # ragged region: not a sheet of paper

    quad = None
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float64)
            break
    if quad is None:
        return None
    quad = _order_corners(quad)
    if abs(cv2.contourArea(quad.astype(np.float32)) - hull_area) > 0.05 * hull_area:
        return None
    quad = _refine_quad(quad, contour.reshape(-1, 2).astype(np.float64))

    # At least two sides must lie away from the image edge, over a dark surround.
    margin = _PHOTO_SIDE_MARGIN * min(sh, sw)
    mids = (quad + np.roll(quad, -1, axis=0)) / 2
    edge_dist = np.minimum.reduce(
        [mids[:, 0], mids[:, 1], sw - 1 - mids[:, 0], sh - 1 - mids[:, 1]]
    )
    if int(np.count_nonzero(edge_dist > margin)) < 2:
        return None
    paper = np.zeros_like(small)
    cv2.fillConvexPoly(paper, np.round(quad).astype(np.int32), 255)
    band = max(3, int(round(0.02 * min(sh, sw))))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    ring = cv2.subtract(cv2.dilate(paper, kernel), paper)
    inner = cv2.erode(paper, kernel)
    if cv2.countNonZero(ring) < 4 * band * band or cv2.countNonZero(inner) == 0:
        return None
    inside_level = float(np.median(blur[inner > 0]))
    outside_level = float(np.median(blur[ring > 0]))
    if inside_level - outside_level < _PHOTO_MIN_CONTRAST:
        return None
    return quad / scale


def _refine_quad(quad: np.ndarray, contour: np.ndarray) -> np.ndarray:
    """Sharpen the corners of ``quad`` by fitting a line to the contour points of each side."""
    lines = []
    diag = float(np.hypot(*(quad.max(axis=0) - quad.min(axis=0))))
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        d = q - p
        length = float(np.hypot(*d))
        if length < 1:
            return quad
        u = d / length
        rel = contour - p
        t = rel @ u
        dist = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        sel = (t > 0.1 * length) & (t < 0.9 * length) & (dist < 0.015 * diag)
        if np.count_nonzero(sel) < 10:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(
            contour[sel].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01
        ).ravel()
        lines.append((np.array([x0, y0], float), np.array([vx, vy], float)))
    refined = np.empty_like(quad)
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]  # the two sides meeting at corner i
        den = d1[0] * d2[1] - d1[1] * d2[0]
        if abs(den) < 1e-6:
            return quad
        t = ((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / den
        refined[i] = p1 + t * d1
    if np.abs(refined - quad).max() > 0.03 * diag:
        return quad
    return refined


def _paper_homography(quad: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Homography taking the paper's corners to an upright rectangle, and that size."""
    tl, tr, br, bl = quad
    width = max(np.hypot(*(tr - tl)), np.hypot(*(br - bl)))
    height = max(np.hypot(*(bl - tl)), np.hypot(*(br - tr)))
    long_side, short_side = max(width, height), min(width, height)
    if abs(long_side / short_side / _A4_RATIO - 1.0) < _A4_SNAP:
        short_side = long_side / _A4_RATIO
        width, height = (short_side, long_side) if height >= width else (long_side, short_side)
    pw, ph = int(round(width)), int(round(height))
    dst = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return matrix.astype(np.float64), (pw, ph)


def _rotation_matrix(w: int, h: int, angle_deg: float) -> tuple[np.ndarray, tuple[int, int]]:
    """2x3 matrix rotating a w x h image by ``angle_deg`` (CCW on screen) onto a canvas
    large enough to hold all of it, and that canvas size."""
    centre = ((w - 1) / 2.0, (h - 1) / 2.0)
    matrix = cv2.getRotationMatrix2D(centre, angle_deg, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw = int(math.ceil(w * cos + h * sin))
    nh = int(math.ceil(w * sin + h * cos))
    matrix[0, 2] += (nw - 1) / 2.0 - centre[0]
    matrix[1, 2] += (nh - 1) / 2.0 - centre[1]
    return matrix, (nw, nh)


def _ink_mask(grey: np.ndarray) -> np.ndarray:
    """Binary ink mask (255 = ink) without the blobs that touch the image border.

    Border-touching components are scanner edges, black wedges around a skewed sheet or
    table surround: they are aligned with the image, not with the page.
    """
    return _ink_masks(grey, lines=False)[0]


def _ink_masks(grey: np.ndarray, lines: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_ink_mask`, and (``lines``) the same ink in long pieces only, from the one
    labelling of its components: what votes for ruling lines (characters are left out: what
    Hough costs grows with the pixels voting, and text was most of them, so a text page's
    rows are not taken for lines)."""
    ink = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15
    )
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    x1 = x + stats[:, cv2.CC_STAT_WIDTH]
    y1 = y + stats[:, cv2.CC_STAT_HEIGHT]
    touching = (x <= 1) | (y <= 1) | (x1 >= w - 1) | (y1 >= h - 1)
    touching[0] = True  # background
    if np.count_nonzero(touching) > 1:
        ink = np.where(touching, 0, 255).astype(np.uint8)[labels]
    if not lines:
        return ink, None
    long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= (
        _LINE_PIECE * min(h, w))
    return ink, np.where(long & ~touching, 255, 0).astype(np.uint8)[labels]


def _angle_from_lines(ink: np.ndarray) -> float | None:
    """Coarse skew from long straight segments (ruling lines) in ``ink`` (long pieces of ink,
    :func:`_ink_masks`), or None when there are none."""
    h, w = ink.shape
    min_len = int(0.25 * min(h, w))
    segs = cv2.HoughLinesP(
        ink, 1, np.pi / 360, threshold=int(0.6 * min_len), minLineLength=min_len, maxLineGap=4
    )
    if segs is None:
        return None
    s = segs.reshape(-1, 4).astype(np.float64)
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    length = np.hypot(dx, dy)
    phi = np.degrees(np.arctan2(dy, dx))  # (-180, 180]
    phi = (phi + 90.0) % 180.0 - 90.0  # direction-free, [-90, 90)
    horiz = np.abs(phi) <= _SKEW_MAX_DEG + 0.5
    vert = np.abs(phi) >= 90.0 - _SKEW_MAX_DEG - 0.5
    # Content turned counter-clockwise by a: horizontals point at -a, verticals at 90 - a.
    angle = np.where(horiz, -phi, np.where(phi > 0, 90.0 - phi, -90.0 - phi))
    ok = horiz | vert
    if not np.any(ok) or length[ok].sum() < 2 * min_len:
        return None
    angle, length = angle[ok], length[ok]
    order = np.argsort(angle)
    cum = np.cumsum(length[order])
    median = float(angle[order][np.searchsorted(cum, cum[-1] / 2)])
    near = np.abs(angle - median) <= 0.75
    if length[near].sum() < 0.5 * length.sum():
        return None  # the segments disagree: not a ruled form
    return float(np.average(angle[near], weights=length[near]))


def _profile_score(pts: np.ndarray, angle_deg: float) -> float:
    """Sharpness of the row and column projection profiles of ``pts`` unrotated by an angle.

    ``pts`` is a 2xN array of centred ink coordinates; each profile's sum of squared bin
    counts is normalised by the value a uniform spread over the ink's unrotated height (or
    width) would give, so rows and columns weigh alike and no angle is favoured.
    """
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    n = pts.shape[1]
    total = 0.0
    rows = (pts[0] * s + pts[1] * c, float(np.ptp(pts[1])) + 1.0)
    cols = (pts[0] * c - pts[1] * s, float(np.ptp(pts[0])) + 1.0)
    for coord, extent in (rows, cols):
        bins = np.rint(coord).astype(np.int64)
        bins -= bins.min()
        hist = np.bincount(bins).astype(np.float64)
        total += float(hist @ hist) * extent / (n * n)
    return total
