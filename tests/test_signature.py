"""Signature check on synthetic pages (no OCR needed).

Each page is the bottom of a form drawn with PyMuPDF: the last consent clause, the signature
label and, when signed, a signature by the sample generator's pen. It is rendered at 200 dpi,
given a scanner's blur and noise, and laid out from its own text layer, where the signature's
glyphs are text too (as OCR reads them). What scanners, pens and seals leave on a page is then
painted on its pixels, and the page goes through the same red suppression as before OCR.
"""

import random
from dataclasses import replace

import cv2
import numpy as np
import pymupdf
import pytest

from pipeline import layout
from pipeline.forms import schemas
from pipeline.model import FormType, PageLayout, Segment
from pipeline.pdf import text_layer
from pipeline.preprocess import suppress_red
from pipeline.verify.signature import detect_signature, find_label
from samples import generate as gen

LABELS = ("签名", "签字")
AUTH_LABELS = ("授权人签名", "签名", "签字")
CLAUSE = "4、主办单位及活动组委会保留对本次活动的最终解释权。"
PX = gen.PX_PER_PT
LABEL_X, BASE = 300.0, 150.0  # where the label's baseline starts, in points


class Page:
    """A drawn page: its scan (BGR), where the signature went, and the painter's pen."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.doc = pymupdf.open()
        self.page = self.doc.new_page(width=595, height=260)
        self.pen = gen.Painter(self.page, self.rng, gen.pick_style(self.rng))
        self.pen.label_text(60, 100, CLAUSE, size=12)
        self.signature: pymupdf.Rect | None = None
        self.image: np.ndarray | None = None

    def label(self, text: str = "签名：", x: float = LABEL_X) -> float:
        """Print the label; returns the x where it ends."""
        return self.pen.label_text(x, BASE, text, size=12)

    def sign(self, x: float, name: str = "蔡波军") -> None:
        self.signature = self.pen.signature(x + 4, BASE + 1, name)

    def scan(self, grey: bool = False) -> np.ndarray:
        """Render, blur and add sensor noise like a sheet feeder."""
        self.pen.finish()
        img = gen.rasterize(self.page)
        if grey:
            img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        img = cv2.GaussianBlur(img, (0, 0), 0.7).astype(np.float32)
        noise = np.random.default_rng(self.rng.getrandbits(32)).normal(0, 4, img.shape[:2])
        img += noise[..., None]
        self.image = np.clip(img, 0, 255).astype(np.uint8)
        return self.image

    def layout(self) -> PageLayout:
        lines = text_layer(self.page, require_form_words=False)
        return layout.analyze(self.image, lines)

    def area(self) -> tuple[int, int, int, int]:
        """Pixels where a signature would go: right of the label, around its row."""
        return (int((LABEL_X + 50) * PX), int((BASE - 30) * PX), int((LABEL_X + 160) * PX),
                int((BASE + 10) * PX))


def check(page: Page, labels: tuple[str, ...] = LABELS, ocr_image: np.ndarray | None = None):
    image = ocr_image if ocr_image is not None else suppress_red(page.image)
    return detect_signature(image, page.layout(), labels)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_signed_page_has_a_signature_where_it_was_written():
    page = Page()
    page.sign(page.label())
    page.scan()
    mark = check(page)
    assert mark.present and mark.confidence > 0.7
    drawn = [v * PX for v in page.signature]
    assert overlaps(mark.bbox, drawn)
    assert mark.bbox[0] > LABEL_X * PX + 40  # the label's own glyphs are not the signature


def test_label_alone_is_unsigned():
    page = Page(2)
    page.label()
    page.scan()
    mark = check(page)
    assert not mark.present and mark.confidence > 0.7
    assert mark.bbox is not None  # the area searched


@pytest.mark.parametrize("grey", [False, True])
def test_signed_scans_in_colour_and_grey(grey):
    for seed in range(3, 7):
        page = Page(seed)
        page.sign(page.label(), name="王建国"[: 2 + seed % 2])
        page.scan(grey=grey)
        assert check(page).present, seed


@pytest.mark.parametrize(("form", "style"), [(0, 0), (1, 1), (2, 2), (2, 7)])
@pytest.mark.parametrize("signed", [False, True])
def test_generated_forms(form, style, signed):
    """Whole forms as the sample generator draws them: proposal, work registration, and the
    authorization in a table (style 2) and colon lines (style 7)."""
    content = gen.sample_forms(random.Random(3), 3)[form]
    content = replace(content, signer="王芳" if signed else None, seal_unit=None)
    doc, _, variant = gen.draw_form(content, random.Random(style))
    assert variant == ("colon" if style == 7 else "table")
    image = gen.rasterize(doc[0])
    page_layout = layout.analyze(image, text_layer(doc[0]))
    labels = tuple(schemas()[FormType(content.form_type)].signature_labels)
    assert detect_signature(suppress_red(image), page_layout, labels).present is signed


def test_one_printed_glyph_ocr_missed_is_not_a_signature():
    page = Page(16)
    end = page.label()
    page.pen.label_text(end + 30, BASE, "月", size=12)
    page.scan()
    pl = page.layout()
    pl.segments = [s for s in pl.segments if s.text != "月"]
    assert not detect_signature(suppress_red(page.image), pl, LABELS).present


def test_printed_date_after_the_label_is_not_a_signature():
    page = Page(3)
    end = page.label()
    for i, char in enumerate("年月日"):  # 签名：      年    月    日
        page.pen.label_text(end + 60 + 45 * i, BASE, char, size=12)
    page.pen.label_text(LABEL_X, BASE + 36, "日期：    年    月    日", size=12)
    page.scan()
    assert not check(page).present


def test_handwritten_date_line_below_is_not_a_signature():
    page = Page(4)
    page.label()
    end = page.pen.label_text(LABEL_X, BASE + 32, "日期：", size=12)
    page.pen.hand(end + 4, BASE + 32, "2023年9月15日")
    page.scan()
    assert not check(page).present


def test_scanner_noise_and_smudges_are_not_a_signature():
    page = Page(5)
    page.label()
    img = page.scan().astype(np.float32)
    x0, y0, x1, y1 = page.area()
    rng = np.random.default_rng(5)
    for x, y in zip(rng.integers(x0, x1, 150), rng.integers(y0, y1, 150), strict=True):
        cv2.circle(img, (int(x), int(y)), int(rng.integers(0, 3)), (40, 40, 40), -1)
    blobs = np.zeros(img.shape[:2], np.float32)
    cv2.ellipse(blobs, (x0 + 60, y0 + 90), (45, 22), 20, 0, 360, 0.7, -1)  # a wide grey one
    cv2.ellipse(blobs, (x1 - 70, y0 + 80), (40, 20), -10, 0, 360, 1.0, -1)  # dark, soft edge
    img *= 1 - 0.95 * cv2.GaussianBlur(blobs, (0, 0), 5)[..., None]
    _, jpeg = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8),
                            [cv2.IMWRITE_JPEG_QUALITY, 45])
    page.image = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    mark = check(page)
    assert not mark.present, mark


@pytest.mark.parametrize("signed", [False, True])
def test_straight_lines_are_not_a_signature(signed):
    page = Page(6)
    end = page.label()
    if signed:
        page.sign(end)
    page.pen.line((end + 2, BASE + 4), (end + 100, BASE + 4))  # 签名：__________
    page.pen.line((end + 100, BASE - 30), (end + 100, BASE + 15))  # a rule the line meets
    img = page.scan()
    x0, y0, x1, y1 = page.area()
    cv2.line(img, (x0 - 40, y0 + 70), (x1 + 60, y0 + 40), (30, 30, 30), 3)  # stray, tilted 5°
    assert check(page).present is signed


def test_printed_line_above_that_ocr_missed_is_not_a_signature():
    page = Page(14)
    end = page.label()
    page.pen.label_text(end, BASE - 20, "组委会保留对本次活动的最终解释权。", size=12)
    page.scan()
    pl = page.layout()
    pl.segments = [s for s in pl.segments if not s.text.startswith("组委会")]
    assert not detect_signature(suppress_red(page.image), pl, LABELS).present


def _seal_residue(page: Page, center: tuple[int, int], darkest: float) -> np.ndarray:
    """A seal's ring, star and rotated ring text as a grey scan's red suppression leaves
    them: mid-grey, the darkest pixel at ``darkest``."""
    seal = gen.seal_image("中共晋中市委宣传部", page.rng, np.random.default_rng(7))
    grey = cv2.cvtColor(seal, cv2.COLOR_BGR2GRAY).astype(np.float32)
    ink = (255 - grey) / max(255 - float(grey.min()), 1)
    residue = 255 - ink * (255 - darkest)
    ocr = suppress_red(cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY)).astype(np.float32)
    h, w = residue.shape
    x0, y0 = center[0] - w // 2, center[1] - h // 2
    ys, xs = max(0, -y0), max(0, -x0)
    region = ocr[y0 + ys:y0 + h, x0 + xs:x0 + w]
    np.minimum(region, residue[ys:ys + region.shape[0], xs:xs + region.shape[1], None],
               out=region)
    return ocr.astype(np.uint8)


@pytest.mark.parametrize("signed", [False, True])
def test_grey_seal_ring_over_the_signature_area(signed):
    page = Page(10)
    end = page.label()
    if signed:
        page.sign(end)
    page.scan(grey=True)
    x0, y0, x1, y1 = page.area()
    for dx in (-60, 40, 140):  # the seal's ring text across the area, left to right
        ocr = _seal_residue(page, ((x0 + x1) // 2 + dx, (y0 + y1) // 2), darkest=140)
        assert check(page, ocr_image=ocr).present is signed, dx


@pytest.mark.parametrize("signed", [False, True])
def test_red_seal_over_the_signature_area(signed):
    page = Page(8)
    end = page.label()
    if signed:
        page.sign(end)
    page.pen.finish()
    img = gen.rasterize(page.page)
    x0, y0, x1, y1 = page.area()
    gen.stamp(img, gen.seal_image("中共太原市委宣传部", page.rng, np.random.default_rng(8)),
              ((x0 + x1) // 2, (y0 + y1) // 2))
    page.image = img
    assert check(page).present is signed


def test_no_signature_label_gives_no_verdict():
    page = Page(9)
    page.pen.label_text(LABEL_X, BASE, "联系人：", size=12)
    page.scan()
    mark = check(page)
    assert not mark.present and mark.confidence <= 0.2 and mark.bbox is None


def test_consent_heading_is_not_the_label():
    heading = PageLayout(1000, 1000, segments=[
        Segment("相关协议，签名同意", [100, 100, 400, 130], 0.99),
        Segment("签名同意", [100, 200, 220, 230], 0.99),
        Segment("相关协议，签名", [100, 300, 300, 330], 0.99),
        Segment("同意", [310, 300, 360, 330], 0.99)])
    assert find_label(heading, LABELS) is None


def _merged(page: Page, text: str, right: float) -> PageLayout:
    """The layout OCR gives when it reads the label and what follows as one line."""
    pl = page.layout()
    label = next(s for s in pl.segments if s.text.startswith("签"))
    others = [s for s in pl.segments if s.bbox[1] < label.bbox[1] - 20]
    box = [label.bbox[0], label.bbox[1] - 12, right, label.bbox[3] + 6]
    return PageLayout(pl.width, pl.height, pl.cells, [*others, Segment(text, box, 0.98)])


def test_signature_read_into_the_label_line():
    page = Page(10)
    page.sign(page.label())
    page.scan()
    merged = _merged(page, "签名：蔡波军", page.signature.x1 * PX)
    assert detect_signature(suppress_red(page.image), merged, LABELS).present


def test_text_read_from_noise_after_the_label_is_not_a_signature():
    page = Page(11)
    end = page.label()
    img = page.scan()
    cv2.circle(img, (int((end + 12) * PX), int((BASE - 4) * PX)), 2, (60, 60, 60), -1)
    merged = _merged(page, "签名：一", (end + 20) * PX)
    assert not detect_signature(suppress_red(img), merged, LABELS).present


@pytest.mark.parametrize("signed", [False, True])
def test_label_in_a_cell_signature_in_the_next(signed):
    page = Page(12)
    top, bottom = BASE - 40, BASE + 20
    page.pen.box(pymupdf.Rect(60, top, 160, bottom))
    page.pen.box(pymupdf.Rect(160, top, 540, bottom))
    page.pen.label_text(80, BASE - 6, "签 字", size=12)
    page.pen.label_text(450, BASE - 6, "年  月  日", size=12)
    if signed:
        page.sign(200, "刘红")
    page.scan()
    mark = check(page)
    assert mark.present is signed
    if signed:
        assert overlaps(mark.bbox, [v * PX for v in page.signature])


@pytest.mark.parametrize("text", ["授权人（签名）：", "签名（盖章）：", "负责人签字："])
@pytest.mark.parametrize("signed", [False, True])
def test_label_spellings(text, signed):
    page = Page(13)
    end = page.label(text, x=240)
    if signed:
        page.sign(end, "杨红晓")
    page.scan()
    mark = check(page, AUTH_LABELS)
    assert mark.present is signed
    assert mark.bbox[0] >= end * PX - 20  # the printed bracket is not searched
