"""Seal check: find the unit's round seal (公章) on a page and read the name around its ring.

A seal is a thin ring 35-45 mm across, a five-pointed star in the middle and the unit's name
along the upper arc (sometimes 专用章 under the star). It is stamped in red ink and
multiply-blended over the page, so black text under it stays black.

- **Colour scans**: red ink (R well above G and B, over the paper's own tint) is masked at
  about 100 dpi and joined into blobs; a blob of seal size gets an ellipse fitted to its
  outermost ink (a circle, or nearly, where a photo was not quite squared). It is a seal when
  the ring is inked round most of the circumference, the band just outside it is paper, the
  band of the name is inked over a good part of the circle and a solid shape (the star) sits
  in the middle. Red handwriting, ticks, rules, a circle drawn round a note and small stamps
  fail one of these.
- **Grey-scale scans** (no colour to go by): circle candidates come from ``cv2.HoughCircles``
  on the blurred page; each is refined by hill-climbing on the ink along the circle and kept
  under the same checks, stricter: table lines, text and corners cover a circle only in
  short arcs. Confidence is capped at ``SealParams.grey_max_confidence``.
- **Bilevel pages** (a fax, a 1-bit scan: ``BILEVEL_SEAL``): the seal's grey went through
  a threshold, which breaks its thin ring where the stamp pressed lightly, or was dithered
  into dots. The page is smoothed first, and a ring inked round two thirds of the circle is
  taken where the paper just outside it is clearly clearer; the other checks are the grey
  page's. Whether a page is bilevel is told from the page as read (``seal_params``): a
  deskewed one has greys at its edges.
- **Ring text**: the band of the ring that holds the name is unwrapped (``cv2.remap``) into a
  horizontal strip whose columns run clockwise round the seal, starting in the gap under the
  name, so the characters of the upper arc read left to right and upright, whatever the
  seal's or the page's orientation. The strip goes once through the ``read_text`` callable.

All sizes are in millimetres of paper, turned into pixels from the page's long side (A4,
297 mm), so the check does not depend on the scan resolution.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline.imaging import RED_INK_MARGIN, as_bgr, is_bilevel, is_grey, redness
from pipeline.model import Mark


@dataclass(frozen=True)
class SealParams:
    """Every number the seal check works with, named. Sizes are millimetres of paper."""

    a4_long_mm: float = 297.0
    analysis_px_per_mm: float = 4.0  # ~100 dpi: the ring (0.4-0.5 mm) stays about 2 px wide
    r_min_mm: float = 12.5  # ring radius accepted (seals are 35-45 mm across)
    r_max_mm: float = 28.5
    min_axis_ratio: float = 0.7  # an ellipse flatter than this is no seal, even on a photo

    # Red ink: R above max(G, B), over the paper's own (yellowish paper is reddish).
    red_margin: int = RED_INK_MARGIN  # red ink
    red_faint: int = 20  # faint red ink (where the stamp pressed lightly), joined into blobs
    red_trace: int = 12  # a trace of red (smoothed): enough along a ring already found
    red_min_r: int = 90  # and R at least this bright: dark ink under a seal is not red ink

    # Grey ink.
    grey_ink_delta: int = 28  # grey levels below the local paper that count as ink
    grey_black_margin: int = 60  # levels below the seal's grey: black text, dropped
    black_rim_share: float = 0.006  # ... with a rim this share of the radius (1 px at 200 dpi)

    # What a seal must show, measured round and inside the fitted ring.
    ring_samples: int = 180  # angles sampled round a circle
    ring_half_mm: float = 0.75  # ink within this distance of the circle counts for the ring
    outside_mm: tuple[float, float] = (1.25, 3.0)  # the annulus just outside: paper
    name_band: tuple[float, float] = (0.62, 0.86)  # radius shares where the name is inked
    star_share: float = 0.22  # the middle of the seal, as a share of its radius: the star
    solid_mm: float = 1.2  # strokes thinner than this are pen or type, not the star
    min_coverage_colour: float = 0.6  # share of angles with ring ink: colour seal
    min_coverage_grey: float = 0.88  # ... grey seal (stricter: text and lines are ink too)
    min_contrast_grey: float = 0.4  # ring coverage minus outside coverage, grey seal
    min_name_band: float = 0.22  # share of angles inked in the name band (6+ characters)
    min_star_colour: float = 0.08  # share of the middle solidly inked (the star)
    min_star_grey: float = 0.2  # ... grey seal
    min_visible_star: float = 0.3  # share of the middle left visible by ink over it
    min_interior_colour: float = 0.05  # share of the disc inked: a red pen circle has ~none
    min_interior_grey: float = 0.04  # ... grey seal
    max_interior_grey: float = 0.6  # ... and at most this: not a black disc or dense text

    # Confidence. A colour seal scores from its ring's completeness (full at
    # ``full_coverage_colour``), then a clear outside, the star and the name as cues, each
    # full at its span above its minimum; a grey one from its ring and contrast, capped.
    colour_base: float = 0.6
    colour_span: float = 0.39
    ring_weight: float = 0.4  # share of the colour score the ring alone brings ...
    cue_weight: float = 0.2  # ... and each of the three cues
    full_coverage_colour: float = 0.9
    outside_clear_share: float = 0.3  # this much ink just outside: no clearance left
    star_span: float = 0.3
    name_span: float = 0.15
    grey_base: float = 0.5
    grey_span: float = 0.3
    grey_ring_weight: float = 0.6  # the rest is the contrast with the outside
    full_coverage_grey: float = 0.95
    contrast_span: float = 0.4
    grey_max_confidence: float = 0.8
    # Bilevel pages (a fax, a 1-bit scan): the seal's mid-grey went through a threshold, which
    # leaves a thin ring broken where the stamp pressed lightly, and its areas dithered. The
    # page is smoothed first (dither dots into a grey); a broken ring is accepted on a clear
    # outside instead of a full circumference.
    bilevel_blur_mm: float = 0.0  # smoothing of a bilevel page (0: not one)
    absent_colour: float = 0.9  # how sure "no seal" is on a colour page ...
    absent_grey: float = 0.7  # ... and on a grey one, which hides a faint seal more easily

    # Ring text: the band unwrapped for the recogniser, as shares of the ring radius.
    text_band: tuple[float, float] = (0.55, 0.93)  # the name at ~0.74 r, up to 0.3 r tall
    strip_char_px: int = 40  # height the band is scaled to
    gap_rows_share: float = 0.4  # outer share of the band's rows that locates the gap
    gap_window_deg: float = 70  # the least inked arc this wide is the gap under the name
    strip_ink_level: int = 160  # darker than this in the unwrapped band: ink


SEAL = SealParams()
# A bilevel page: dots smoothed over a third of a millimetre; a ring inked round two thirds
# of the circle will do where the paper just outside it is clearer by half of the circle
# (table lines, text and corners cross circles in short arcs, with ink beside them).
BILEVEL_SEAL = replace(SEAL, bilevel_blur_mm=0.35, min_coverage_grey=0.65, min_contrast_grey=0.5)


def seal_params(page: np.ndarray | None) -> SealParams:
    """The numbers for a page as it was read: a bilevel page's (a fax), or the usual."""
    return BILEVEL_SEAL if page is not None and is_bilevel(page) else SEAL


@dataclass
class SealFinding:
    """The seal verdict of one page, and the ring text when it was read."""

    mark: Mark  # bbox [x0, y0, x1, y1] in the given image's pixels, or None
    ring_text: str | None  # the characters round the ring, as read, or None
    grey: bool  # True when the page had no colour to go by (grey scan, or no coloured ink)
    ring: _Ring | None = None  # where the seal is, in the image's pixels: its text is read there


@dataclass
class _Ring:
    """An ellipse (a circle seen through a slightly off-square photo) and how it is inked."""

    cx: float
    cy: float
    a: float  # semi-axis along ``phi``
    b: float  # semi-axis across it
    phi: float = 0.0  # radians, clockwise on screen from the x axis
    coverage: float = 0.0  # share of the circumference inked
    outside: float = 0.0  # share of the circumference just outside it inked
    interior: float = 0.0  # share of the disc inside inked
    centre: float = 0.0  # share of the middle (where the star is) inked
    band: float = 0.0  # share of the angles with ink in the band of the name
    score: float = 0.0  # confidence 0..1

    def points(self, t: np.ndarray, grow: float | np.ndarray = 0.0
               ) -> tuple[np.ndarray, np.ndarray]:
        """Points at parameters ``t`` (clockwise on screen), both semi-axes grown by ``grow``."""
        u = np.multiply.outer(np.atleast_1d(self.a + grow), np.cos(t))
        v = np.multiply.outer(np.atleast_1d(self.b + grow), np.sin(t))
        c, s = math.cos(self.phi), math.sin(self.phi)
        return self.cx + u * c - v * s, self.cy + u * s + v * c

    def norm_radius(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """1 on the ellipse, 0 at its centre."""
        dx, dy = xs - self.cx, ys - self.cy
        c, s = math.cos(self.phi), math.sin(self.phi)
        return np.hypot((dx * c + dy * s) / self.a, (-dx * s + dy * c) / self.b)

    def scaled(self, k: float) -> _Ring:
        return replace(self, cx=self.cx * k, cy=self.cy * k, a=self.a * k, b=self.b * k)

    def bbox(self) -> list[float]:
        c, s = math.cos(self.phi), math.sin(self.phi)
        hw = math.hypot(self.a * c, self.b * s)
        hh = math.hypot(self.a * s, self.b * c)
        return [self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh]


def detect_seal(image: np.ndarray, read_text: Callable[[np.ndarray], str] | None = None,
                p: SealParams = SEAL) -> SealFinding:
    """Find the round seal on a geometry-corrected page (BGR or grey uint8).

    Returns the best seal found, its bbox in ``image`` pixels, and, when ``read_text`` is
    given and a seal was found, the ring text read from the unwrapped ring band (one call).
    A page without any colour is analysed as a grey-scale scan (``grey=True``).
    """
    finding = find_seal(image, p)
    return finding if read_text is None else read_ring(image, finding, read_text, p)


def find_seal(image: np.ndarray, p: SealParams = SEAL) -> SealFinding:
    """Where the round seal of a page is (no text read)."""
    img = as_bgr(image)
    h, w = img.shape[:2]
    px_per_mm = max(h, w) / p.a4_long_mm
    scale = min(1.0, p.analysis_px_per_mm / px_per_mm)
    if p.bilevel_blur_mm:
        img = cv2.GaussianBlur(img, (0, 0), p.bilevel_blur_mm * px_per_mm)
    small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    mm = px_per_mm * scale  # analysis pixels per millimetre

    grey = is_grey(small)
    found = _find_grey_seal(small, mm, p) if grey else _find_red_seal(small, mm, p)
    if found is None:
        return SealFinding(Mark(False, p.absent_grey if grey else p.absent_colour), None, grey)

    ring = found.scaled(1.0 / scale)
    x0, y0, x1, y1 = ring.bbox()
    bbox = [round(max(x0, 0.0), 1), round(max(y0, 0.0), 1),
            round(min(x1, w - 1.0), 1), round(min(y1, h - 1.0), 1)]
    return SealFinding(Mark(True, round(found.score, 3), bbox), None, grey, ring)


def read_ring(image: np.ndarray, finding: SealFinding,
              read_text: Callable[[np.ndarray], str], p: SealParams = SEAL) -> SealFinding:
    """The finding with the text round its ring, read from the unwrapped ring band of the
    page it was found on (one call of ``read_text``); as it is when there is no seal."""
    if finding.ring is None:
        return finding
    strip = _ring_strip(as_bgr(image), finding.ring, finding.grey, p)
    text = (read_text(strip).strip() or None) if strip is not None else None
    return replace(finding, ring_text=text)


# --------------------------------------------------------------------------------------------
# Colour scans


def _find_red_seal(small: np.ndarray, mm: float, p: SealParams) -> _Ring | None:
    red = redness(small)
    bright = small[:, :, 2] > p.red_min_r  # black text under a seal is not red ink
    mask = ((red > p.red_margin) & bright).astype(np.uint8) * 255
    if cv2.countNonZero(mask) < math.pi * (p.r_min_mm * mm) * 2 * 0.3:
        return None  # not enough red ink on the page for even a broken ring
    faint = ((red > p.red_faint) & bright).astype(np.uint8) * 255
    faint = cv2.bitwise_or(mask, cv2.medianBlur(faint, 3))
    trace = cv2.GaussianBlur(red, (3, 3), 0) > p.red_trace
    # Join the ring, the name and the star of one seal into one blob.
    k = int(4 * mm) | 1
    blob = cv2.dilate(faint, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blob, connectivity=8)
    rmin, rmax = p.r_min_mm * mm, p.r_max_mm * mm
    ink = faint > 0
    # The star is solid where it shows; dark ink written over it (a signature) may cut it
    # into pieces, so the opening that finds solid shapes sees through that ink.
    solid = _solid(ink | ~bright, mm, p) & ink
    best: _Ring | None = None
    for i in range(1, count):
        x, y, bw, bh, _ = stats[i]
        if max(bw, bh) < 1.6 * rmin or max(bw, bh) > 2.3 * rmax + k:
            continue
        region = (labels[y:y + bh, x:x + bw] == i) & ink[y:y + bh, x:x + bw]
        ys, xs = np.nonzero(region)
        if len(xs) < 20:
            continue
        ring = _fit_ring(xs + float(x), ys + float(y), rmin, rmax, p)
        if ring is None or not _measure_ring(trace, ring, mm, p, solid, hidden=~bright):
            continue
        if (ring.coverage < p.min_coverage_colour or ring.interior < p.min_interior_colour
                or ring.centre < p.min_star_colour or ring.band < p.min_name_band):
            continue
        ring.score = _colour_score(ring, p)
        if best is None or ring.score > best.score:
            best = ring
    return best


def _fit_ring(xs: np.ndarray, ys: np.ndarray, rmin: float, rmax: float, p: SealParams
              ) -> _Ring | None:
    """The ring of a blob of seal ink: the ellipse through its outermost points.

    The outermost ink by angle round the blob's centre is the ring wherever it is inked; a
    circle through those points, refitted without the outliers (sectors where the ring is
    missing and the outermost ink is a character of the name), then an ellipse through the
    inliers, which allows for a photo not quite squared.
    """
    cx, cy = (xs.min() + xs.max()) / 2.0, (ys.min() + ys.max()) / 2.0
    ring: _Ring | None = None
    for tol in (0.15, 0.08, 0.06):
        px, py = _outermost(xs, ys, cx, cy)
        if ring is None:
            fit = _kasa(px, py)
            if fit is None:
                return None
            ring = _Ring(fit[0], fit[1], fit[2], fit[2])
        keep = np.abs(ring.norm_radius(px, py) - 1.0) < tol
        if keep.sum() < 12:
            return None
        pts = np.column_stack([px[keep], py[keep]]).astype(np.float32)
        (ex, ey), (ew, eh), angle = cv2.fitEllipse(pts)
        if not (ew > 0 and eh > 0):
            return None
        ring = _Ring(ex, ey, ew / 2.0, eh / 2.0, math.radians(angle))
        cx, cy = ex, ey
    assert ring is not None
    lo, hi = sorted((ring.a, ring.b))
    if lo < rmin or hi > rmax or lo < p.min_axis_ratio * hi:
        return None
    return ring


def _outermost(xs: np.ndarray, ys: np.ndarray, cx: float, cy: float, bins: int = 90
               ) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``bins`` angle sectors round (cx, cy), the ink pixel farthest out."""
    dx, dy = xs - cx, ys - cy
    d = np.hypot(dx, dy)
    sector = ((np.arctan2(dy, dx) + math.pi) / (2 * math.pi) * bins).astype(int) % bins
    order = np.lexsort((d, sector))  # by sector, then distance: the last of each is farthest
    last = np.r_[sector[order][1:] != sector[order][:-1], True]
    chosen = order[last]
    return xs[chosen].astype(float), ys[chosen].astype(float)


def _kasa(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float] | None:
    """Algebraic least-squares circle (Kåsa) through the points."""
    if len(xs) < 3:
        return None
    a = np.column_stack([xs, ys, np.ones_like(xs)])
    rhs = xs * xs + ys * ys
    sol, *_ = np.linalg.lstsq(a, rhs, rcond=None)
    cx, cy = sol[0] / 2, sol[1] / 2
    r2 = sol[2] + cx * cx + cy * cy
    if r2 <= 0:
        return None
    return float(cx), float(cy), float(math.sqrt(r2))


def _colour_score(c: _Ring, p: SealParams) -> float:
    """Confidence from ring completeness, a clear outside and ink (star, name) inside."""
    ring = np.clip((c.coverage - p.min_coverage_colour)
                   / (p.full_coverage_colour - p.min_coverage_colour), 0, 1)
    clear = np.clip(1.0 - c.outside / p.outside_clear_share, 0, 1)
    star = np.clip((c.centre - p.min_star_colour) / p.star_span, 0, 1)
    name = np.clip((c.band - p.min_name_band) / p.name_span, 0, 1)
    cues = p.cue_weight * (clear + star + name)
    return float(p.colour_base + p.colour_span * ring * (p.ring_weight + cues))


# --------------------------------------------------------------------------------------------
# Grey-scale scans


def _grey_ink(grey: np.ndarray, mm: float, p: SealParams) -> np.ndarray:
    """Ink mask of a grey page: darker than the local paper level by a margin."""
    k = int(8 * mm) | 1
    paper = cv2.dilate(grey, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.subtract(paper, grey) > p.grey_ink_delta


def _find_grey_seal(small: np.ndarray, mm: float, p: SealParams) -> _Ring | None:
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    ink = _grey_ink(grey, mm, p)
    solid = _solid(ink, mm, p)
    rmin, rmax = p.r_min_mm * mm, p.r_max_mm * mm
    blurred = cv2.GaussianBlur(grey, (0, 0), 1.5)
    found = cv2.HoughCircles(blurred, cv2.HOUGH_GRADIENT, dp=1, minDist=rmin,
                             param1=60, param2=30, minRadius=int(rmin), maxRadius=int(rmax) + 1)
    if found is None:
        return None
    best: _Ring | None = None
    for cx, cy, r in found[0][:12]:
        ring = _refine(ink, _Ring(float(cx), float(cy), float(r), float(r)), mm, rmin, rmax, p)
        if ring is None or not _measure_ring(ink, ring, mm, p, solid):
            continue
        if not _grey_ring_ok(ring, p):
            continue
        ring.score = _grey_score(ring, p)
        if best is None or ring.score > best.score:
            best = ring
    return best


def _refine(ink: np.ndarray, ring: _Ring, mm: float, rmin: float, rmax: float,
            p: SealParams) -> _Ring | None:
    """Hill-climb centre and radius (pixel steps) to the circle best covered by ink."""
    if not _measure_ring(ink, ring, mm, p, inside=False):
        return None
    best = ring
    for _ in range(8):
        moved = False
        for dx, dy, dr in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)):
            r = best.a + dr
            if not rmin <= r <= rmax:
                continue
            cand = _Ring(best.cx + dx, best.cy + dy, r, r)
            if _measure_ring(ink, cand, mm, p, inside=False) and cand.coverage > best.coverage:
                best, moved = cand, True
        if not moved:
            break
    return best


def _grey_ring_ok(c: _Ring, p: SealParams) -> bool:
    return (c.coverage >= p.min_coverage_grey
            and c.coverage - c.outside >= p.min_contrast_grey
            and p.min_interior_grey <= c.interior <= p.max_interior_grey
            and c.centre >= p.min_star_grey
            and c.band >= p.min_name_band)


def _grey_score(c: _Ring, p: SealParams) -> float:
    ring = np.clip((c.coverage - p.min_coverage_grey)
                   / (p.full_coverage_grey - p.min_coverage_grey), 0, 1)
    contrast = np.clip((c.coverage - c.outside - p.min_contrast_grey) / p.contrast_span, 0, 1)
    mix = p.grey_ring_weight * ring + (1 - p.grey_ring_weight) * contrast
    return float(min(p.grey_max_confidence, p.grey_base + p.grey_span * mix))


# --------------------------------------------------------------------------------------------
# Ring measurement


def _measure_ring(ink: np.ndarray, ring: _Ring, mm: float, p: SealParams,
                  solid: np.ndarray | None = None, inside: bool = True,
                  hidden: np.ndarray | None = None) -> bool:
    """Measure how ``ink`` covers the ring, the paper just outside it and (``inside``) its disc.

    ``centre`` is measured on ``solid`` (the ink without its thin strokes) when given: the
    star is a solid shape, pen strokes and characters are not. Where ``hidden`` is given (dark
    ink over the seal: a signature written across the star), the star is judged on what it
    leaves visible; a middle hidden almost entirely cannot tell. Points off the image count as
    neither inked nor clear (a seal may hang over the page edge). Returns False, and sets
    nothing, when the ring lies mostly off the page.
    """
    h, w = ink.shape
    t = np.linspace(0, 2 * math.pi, p.ring_samples, endpoint=False)
    half = max(1.0, p.ring_half_mm * mm)

    def hits(grow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fx, fy = ring.points(t, grow)
        xs, ys = np.rint(fx).astype(int), np.rint(fy).astype(int)
        on = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        vals = np.zeros(xs.shape, bool)
        vals[on] = ink[ys[on], xs[on]]
        return vals.any(axis=0), on.all(axis=0)

    on_ring, on_page = hits(np.arange(-half, half + 0.01, 0.5))
    if on_page.sum() < 0.7 * p.ring_samples:
        return False
    outside, out_on_page = hits(np.arange(p.outside_mm[0] * mm, p.outside_mm[1] * mm + 0.01,
                                          1.0))
    ring.coverage = float(on_ring[on_page].mean())
    ring.outside = float(outside[out_on_page].mean()) if out_on_page.any() else 1.0
    if not inside:
        return True

    name, _ = hits((np.linspace(*p.name_band, 8) - 1.0) * 0.5 * (ring.a + ring.b))
    ring.band = float(name[on_page].mean())
    x0, y0, x1, y1 = ring.bbox()
    x0, y0 = max(int(x0), 0), max(int(y0), 0)
    x1, y1 = min(int(x1) + 1, w), min(int(y1) + 1, h)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    radius = ring.norm_radius(xx, yy)
    disc, middle = radius < 0.85, radius < p.star_share
    ring.interior = float(ink[y0:y1, x0:x1][disc].mean()) if disc.any() else 0.0
    core = (ink if solid is None else solid)[y0:y1, x0:x1]
    if hidden is not None:
        visible = middle & ~hidden[y0:y1, x0:x1]
        if visible.sum() < p.min_visible_star * middle.sum():
            ring.centre = p.min_star_colour  # covered: no evidence either way
            return True
        middle = visible
    ring.centre = float(core[middle].mean()) if middle.any() else 0.0
    return True


def _solid(ink: np.ndarray, mm: float, p: SealParams) -> np.ndarray:
    """The ink's solid shapes: strokes thinner than ``p.solid_mm`` opened away."""
    k = max(3, int(p.solid_mm * mm) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, kernel) > 0


# --------------------------------------------------------------------------------------------
# Ring text


def _ring_strip(img: np.ndarray, ring: _Ring, grey: bool, p: SealParams
                ) -> np.ndarray | None:
    """The name band of a seal unwrapped into an upright, left-to-right strip (BGR).

    Columns run clockwise round the seal, rows from the outer edge of the band inwards, so
    each character stands upright. The strip starts in the middle of the least inked arc of
    the band (the gap under the name), trimmed to the ink and padded to a square. Colour
    pages keep only the red ink (black text under the seal drops out); grey pages keep the
    seal's mid-grey and drop black ink.
    """
    h, w = img.shape[:2]
    x0, y0, x1, y1 = ring.bbox()
    x0, y0 = max(int(x0) - 4, 0), max(int(y0) - 4, 0)
    x1, y1 = min(int(x1) + 5, w), min(int(y1) + 5, h)
    crop, ring = img[y0:y1, x0:x1], replace(ring, cx=ring.cx - x0, cy=ring.cy - y0)
    level = _seal_only_grey(crop, ring, p) if grey else _seal_only_colour(crop)
    radius = 0.5 * (ring.a + ring.b)
    n_rows = max(8, int((p.text_band[1] - p.text_band[0]) * radius))
    n_cols = max(64, int(math.pi * (p.text_band[0] + p.text_band[1]) * radius))
    t = np.linspace(0, 2 * math.pi, n_cols, endpoint=False)
    share = np.linspace(p.text_band[1], p.text_band[0], n_rows)
    u = np.outer(share * ring.a, np.cos(t))
    v = np.outer(share * ring.b, np.sin(t))
    c, s = math.cos(ring.phi), math.sin(ring.phi)
    map_x = (ring.cx + u * c - v * s).astype(np.float32)
    map_y = (ring.cy + u * s + v * c).astype(np.float32)
    band = cv2.remap(level, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=255)

    # Start in the middle of the least inked arc (the gap under the name), judged on the
    # outer part of the band, which 专用章 under the star does not reach.
    outer = band[: max(2, int(n_rows * p.gap_rows_share))]
    ink = (outer < p.strip_ink_level).sum(axis=0).astype(np.float32)
    if not ink.any():
        return None
    window = max(3, int(n_cols * p.gap_window_deg / 360.0))
    wrapped = np.r_[ink, ink[:window]].cumsum()
    sums = wrapped[window:] - wrapped[:-window]  # ink of the window starting at each column
    shift = (int(np.argmin(sums)) + window // 2) % n_cols
    band = np.roll(band, -shift, axis=1)
    inked = np.flatnonzero(np.roll(ink, -shift) > max(1, outer.shape[0] // 10))
    if not inked.size:
        return None
    pad = max(4, n_rows // 4)
    band = band[:, max(inked[0] - pad, 0):min(inked[-1] + pad + 1, n_cols)]

    zoom = p.strip_char_px / n_rows
    band = cv2.resize(band, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    # A square canvas: detectors scale the short side up to a fixed size, and a long thin
    # strip would be blown up to thousands of pixels across.
    side = max(band.shape[1], band.shape[0] + 32)
    top = (side - band.shape[0]) // 2
    band = cv2.copyMakeBorder(band, top, side - band.shape[0] - top, 16, 16,
                              cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(band, cv2.COLOR_GRAY2BGR)


def _seal_only_colour(img: np.ndarray) -> np.ndarray:
    """Grey image of the red ink alone: dark where red, white elsewhere (black text too)."""
    return np.clip(255.0 - redness(img).astype(np.float32) * 2.5, 0, 255).astype(np.uint8)


def _seal_only_grey(img: np.ndarray, ring: _Ring, p: SealParams) -> np.ndarray:
    """A grey page with only the seal's mid-grey ink left dark: black ink turns white.

    A red seal scans lighter than black or blue ink. Its grey is read on the ring itself
    (the darkest pixel across the ring, at each angle; the median over the angles), the
    paper's in the seal's box; the seal's range is stretched to full contrast and anything
    much darker than the seal (text, or seal ink under text) turns white.
    """
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    t = np.linspace(0, 2 * math.pi, 360, endpoint=False)
    fx, fy = ring.points(t, np.arange(-3.0, 3.5, 1.0))
    xs = np.clip(np.rint(fx).astype(int), 0, w - 1)
    ys = np.clip(np.rint(fy).astype(int), 0, h - 1)
    seal_level = float(np.median(grey[ys, xs].min(axis=0)))
    x0, y0, x1, y1 = (int(v) for v in ring.bbox())
    box = grey[max(y0, 0):max(y1, 1), max(x0, 0):max(x1, 1)]
    paper = float(np.percentile(box, 90)) if box.size else 255.0
    paper = max(paper, seal_level + 20.0)
    out = grey.astype(np.float32)
    stretched = np.clip((out - seal_level) / (paper - seal_level) * 1.1, 0.0, 1.0)
    # Black ink and its anti-aliased rim (which passes through the seal's grey) turn white.
    black = (grey < seal_level - p.grey_black_margin).astype(np.uint8)
    rim = max(1, int(round(ring.a * p.black_rim_share)))
    black = cv2.dilate(black, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1,) * 2))
    stretched[black > 0] = 1.0
    return (stretched * 255.0).astype(np.uint8)
