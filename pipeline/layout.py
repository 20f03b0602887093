"""Layout stage: table cells from ruling lines, and the page's text split by cell.

Nothing here knows a printing's coordinates: cells are whatever regions the ruling lines
of this page enclose, so column widths and row order may differ from unit to unit.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.imaging import RED_INK_MARGIN, red_excess
from pipeline.model import BBox, Line, PageLayout, Segment

DARK_IN_RED = 0.6  # of the paper's level: black and blue ink in the red channel, also under a seal
TEXT_INK_SHARE = 0.1  # a box with fewer such pixels than this share of its red ones: seal text
MIN_CELL = 18  # px at 200 dpi: smaller enclosed regions are gaps between double lines


def ruling_mask(image: np.ndarray) -> np.ndarray:
    """Binary mask of long horizontal and vertical strokes (the table's ruling lines).

    Found in the red channel, where red seal ink is light but black and blue ink, and lines
    under a seal, stay dark: the arc of a seal's ring is no cell border, even where it runs
    straight long enough to look like one.
    """
    grey = image if image.ndim == 2 else np.ascontiguousarray(image[:, :, 2])
    binary = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                   cv2.THRESH_BINARY_INV, 25, 15)
    height, width = binary.shape
    h_len = max(60, width // 25)
    v_len = max(45, height // 60)
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # Close the small gaps a scan leaves in thin lines, so cells are really enclosed.
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return cv2.bitwise_or(horizontal, vertical)


def find_cells(image: np.ndarray) -> list[list[float]]:
    """Bounding boxes of the regions enclosed by ruling lines, top-to-bottom, left-to-right."""
    mask = ruling_mask(image)
    if not mask.any():
        return []
    count, labels, stats, _ = cv2.connectedComponentsWithStats(255 - mask, connectivity=4)
    height, width = mask.shape
    cells = []
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        touches_edge = x == 0 or y == 0 or x + w >= width or y + h >= height
        if touches_edge or w < MIN_CELL or h < MIN_CELL:
            continue
        if area < 0.6 * w * h:  # not a rectangle: the space around a partial table
            continue
        cells.append([float(x), float(y), float(x + w), float(y + h)])
    cells.sort(key=lambda b: (round(b[1] / 10), b[0]))
    return cells


def _cell_of(cells: list[list[float]], x: float, y: float) -> int | None:
    for i, (x0, y0, x1, y1) in enumerate(cells):
        if x0 - 2 <= x <= x1 + 2 and y0 - 2 <= y <= y1 + 2:
            return i
    return None


def split_lines(lines: list[Line], cells: list[list[float]]) -> list[Segment]:
    """Cut each text line where it crosses a cell border, using its character boxes."""
    segments: list[Segment] = []
    for line in lines:
        if not line.words:
            cx = (line.bbox[0] + line.bbox[2]) / 2
            cy = (line.bbox[1] + line.bbox[3]) / 2
            segments.append(Segment(line.text, line.bbox, line.confidence,
                                    _cell_of(cells, cx, cy)))
            continue
        run: list = []
        run_cell: int | None = None
        for word in line.words:
            cell = _cell_of(cells, (word.bbox[0] + word.bbox[2]) / 2,
                            (word.bbox[1] + word.bbox[3]) / 2)
            if cell is None and run_cell is not None and word.bbox[0] < cells[run_cell][2]:
                cell = run_cell  # a wide last glyph box poking out of its cell
            if run and cell != run_cell:
                segments.append(_segment(run, run_cell))
                run = []
            run.append(word)
            run_cell = cell
        if run:
            segments.append(_segment(run, run_cell))
    return segments


def _segment(words: list, cell: int | None) -> Segment:
    boxes = np.array([w.bbox for w in words])
    return Segment(
        text="".join(w.text for w in words),
        bbox=[float(boxes[:, 0].min()), float(boxes[:, 1].min()),
              float(boxes[:, 2].max()), float(boxes[:, 3].max())],
        confidence=round(float(np.mean([w.confidence for w in words])), 4),
        cell=cell,
        weakest=round(float(min(w.confidence for w in words)), 4),
    )


def is_red_ink(image: np.ndarray, bbox: list[float], paper: float | None = None) -> bool:
    """Whether a box holds only red ink: text of a seal, not of the form.

    Black and blue ink stay dark in the red channel even under a seal (the inks multiply),
    so a box with almost no dark-in-red pixels but plenty of red ones is seal text. Dark is
    measured against the paper's level in the red channel (``paper``, the page's when not
    given): a light or low-resolution scan's thin strokes are grey, not black.
    """
    if image.ndim != 3:
        return False
    x0, y0, x1, y1 = (int(round(v)) for v in bbox)
    crop = image[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
    if crop.size == 0:
        return False
    if paper is None:
        paper = paper_level(image)
    red = int((red_excess(crop) > RED_INK_MARGIN).sum())
    text_ink = int((crop[..., 2] < DARK_IN_RED * paper).sum())
    return red > 20 and text_ink < TEXT_INK_SHARE * red


def paper_level(image: np.ndarray) -> float:
    """The paper's level in the red channel (where red seal ink is as light as paper)."""
    return float(np.percentile(image[::4, ::4, 2], 90))


def analyze(image: np.ndarray, lines: list[Line], ocr: bool = True) -> PageLayout:
    """Cells of the page and its text split by cell.

    For OCR'd text, seal text (red ink) is left out; a text layer holds no seal text.
    """
    cells = find_cells(image)
    height, width = image.shape[:2]
    paper = paper_level(image) if ocr and image.ndim == 3 else None
    segments = [s for s in split_lines(lines, cells)
                if not (ocr and is_red_ink(image, s.bbox, paper))]
    return PageLayout(width=width, height=height, cells=cells, segments=segments)


def from_cells(lines: list[Line], cells: list[BBox], size: tuple[int, int]) -> PageLayout:
    """The layout of a synthetic page (a Word or Excel file), whose cells are given."""
    width, height = size
    return PageLayout(width=width, height=height, cells=cells, segments=split_lines(lines, cells))
