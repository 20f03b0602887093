"""Strangers: pages an office receives that are not contest forms.

The pipeline must decline them. Real strangers print the same generic labels the contest forms
print (姓名, 单位, 地址, 电话, 联系人, 日期), and some of them are forms themselves, so they are
drawn here with the contest generator's painter, fonts, handwriting, red seals and scan
effects: invoices and bank slips printed in red, receipts written by hand, other offices'
forms filled in or left blank, red-header notices, the units' cover letters (the one kind the
pipeline should recognise, with its unit), film scripts, book pages, posters, ID cards copied
onto a page and statistics tables::

    from samples.generate.strangers import generate_strangers
    rows = generate_strangers(Path("out"), seed=7, per_kind=2)

    python -m samples.generate.strangers OUT [--seed 7] [--per-kind 2]

Every page comes from ``random.Random(f"{seed}-{kind}-{n}")``: the same seed gives the same
bytes, and one kind's pages do not change when another kind changes. ``strangers-truth.jsonl``
holds one line per page: ``{"file", "page", "kind", "cover_letter", "unit"}`` (``unit`` the
official name of the unit sending a cover letter, else null). No stranger prints a contest
form's title as its heading; only cover letters in the contest generator's wording
(``content.COVER_BODY``) name the forms in their body (附件：1.作品登记表 ...), as units'
letters do. Files are JPEG, PNG or image PDFs at 150-200 dpi, each under ``MAX_BYTES``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pymupdf

from samples.generate.content import (
    CITIES,
    COVER_BODY,
    COVER_TITLE,
    City,
    _title,
    person,
    phone,
)
from samples.generate.dates import DateWay, DateWriting, write_date
from samples.generate.facts import CONTEST, DEADLINES, UNIT_SPELLINGS, UNITS, WORK_REG, WORK_TYPES
from samples.generate.files import pdf_bytes
from samples.generate.painter import Painter, _runs, pick_style, wrap
from samples.generate.paper import (
    BLACK,
    DPI,
    LATIN_FOR,
    PAGE_H,
    PAGE_W,
    PX_PER_PT,
    SEAL_RED,
    TYPED_CJK,
    Color,
)
from samples.generate.scan import encode, photograph, rasterize, scan
from samples.generate.seal import ink_seal, seal_image, stamp

KINDS: dict[str, str] = {
    "invoice": "增值税普通发票 / 电子发票（普通发票），红色印刷，发票专用章",
    "receipt": "手写收据：今收到……交来……，收款单位盖章",
    "other_form": "其他单位已填写的登记表、报名表、回执等",
    "blank_form": "其他单位未填写的空白表格",
    "notice": "通知、红头文件，落款并盖章",
    "cover_letter": "各单位致大赛组委会的报送函、推荐函（须识别为报送函并记下单位）",
    "script_page": "影视剧本的一页：场景、人物、对白",
    "book_page": "书籍或文章的一页正文，页脚有页码",
    "poster": "电影海报：片名、导演、主演、出品、时间地点、色块",
    "id_card": "复印在纸上的身份证或工作证",
    "table": "统计表、价格表",
    "bank_slip": "红色印刷的银行电汇凭证或电子回单",
}
# Titles of the contest's own forms: no stranger prints them (the cover letters of the
# original style name them in their body, as attachments).
CONTEST_TITLES = ("作品登记表", "作品授权书", "创作文案登记表", "文案登记表")
MM = 72 / 25.4  # points per millimetre
INVOICE_RED: tuple[Color, ...] = ((0.72, 0.28, 0.2), (0.78, 0.2, 0.18), (0.62, 0.3, 0.22))
_EXTENSIONS = (".jpg", ".jpg", ".png", ".pdf")
MAX_BYTES = 400_000  # a stranger's file, like the committed samples' scans

# --------------------------------------------------------------------------------------------
# The world of strangers: companies, offices, people's details, money, dates
# --------------------------------------------------------------------------------------------

_BRANDS = ("华彩", "晋阳", "鑫源", "恒达", "博文", "金太阳", "宏图", "新思路", "汇通", "天行",
           "三晋", "龙城", "尚品", "德顺", "瑞祥", "云冈")
_TRADES = ("文化传媒", "印务", "图文广告", "办公用品", "电子科技", "餐饮管理", "酒店管理",
           "会展服务", "影视制作", "商贸", "建筑装饰", "物业管理")
_OFFICES = ("文化和旅游局", "图书馆", "群众艺术馆", "总工会", "人民医院", "第一中学",
            "实验小学", "档案馆", "妇女联合会", "退役军人事务局", "红十字会", "博物馆")
_STREETS = ("并州路", "桃园北路", "亲贤街", "千峰南路", "漪汾街", "御河西路", "太行路",
            "英雄中路", "中华街", "河东街", "尧庙路", "龙城大街", "柳巷", "顺城街")
_COMMUNITIES = ("幸福里小区", "锦绣苑", "和平小区", "阳光花园", "东山雅苑", "新华园")
_NATIONS = ("汉", "汉", "汉", "汉", "回", "满", "蒙古")
_POLITICS = ("中共党员", "共青团员", "群众", "中共预备党员", "民盟盟员")
_JOB_TITLES = ("科员", "副科长", "办公室主任", "教师", "会计", "工程师", "馆员", "干事",
               "副主任", "护士长")
_BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "山西银行",
          "晋商银行")
_HANZI_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _city(rng: random.Random) -> City:
    return rng.choice(CITIES)


def company(rng: random.Random, city: City | None = None) -> str:
    place = rng.choice(("山西", f"{(city or _city(rng)).name}市"))
    suffix = rng.choice(("有限公司", "有限公司", "有限责任公司"))
    return f"{place}{rng.choice(_BRANDS)}{rng.choice(_TRADES)}{suffix}"


def office(rng: random.Random, city: City | None = None) -> str:
    city = city or _city(rng)
    if rng.random() < 0.3:
        return f"{city.name}市{rng.choice(city.districts)}{rng.choice(_OFFICES)}"
    return f"{city.name}市{rng.choice(_OFFICES)}"


def street_address(rng: random.Random, city: City | None = None) -> str:
    city = city or _city(rng)
    tail = rng.choice((
        f"{rng.randint(1, 299)}号",
        f"{rng.randint(1, 199)}号{rng.choice(_COMMUNITIES)}{rng.randint(1, 20)}号楼"
        f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
    ))
    province = "山西省" if rng.random() < 0.6 else ""
    return f"{province}{city.name}市{rng.choice(city.districts)}{rng.choice(_STREETS)}{tail}"


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18", "19")) + "".join(rng.choices("0123456789", k=9))


def landline(rng: random.Random, city: City | None = None) -> str:
    city = city or _city(rng)
    return f"{city.area_code}-{rng.randint(2, 8)}{rng.randint(0, 999999):06d}"


def taxpayer_id(rng: random.Random) -> str:
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91140" + "".join(rng.choices("0123456789", k=4)) + "".join(rng.choices(alnum, k=9))


def bank_account(rng: random.Random) -> str:
    digits = "".join(rng.choices("0123456789", k=rng.choice((16, 19))))
    if rng.random() < 0.5:
        return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))
    return digits


def id_number(rng: random.Random, born: date, male: bool) -> str:
    """A valid-looking resident ID: area, birth date, sequence (odd for men), ISO 7064 check."""
    area = f"14{rng.randint(1, 11):02d}{rng.choice((1, 2, 3, 21, 22, 23)):02d}"
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    body = f"{area}{born:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def _four_upper(n: int) -> str:
    out, zero = "", False
    for digit, unit in zip(f"{n:04d}", "仟佰拾 "):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _HANZI_DIGITS[int(digit)] + unit.strip()
    return out


def rmb_upper(amount: float) -> str:
    """An amount as cheques and invoices write it: 壹仟零贰拾元伍角整."""
    fen = round(amount * 100)
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    high, low = divmod(yuan, 10000)
    text = ""
    if high:
        text = _four_upper(high) + "万" + ("零" if 0 < low < 1000 else "")
    text += _four_upper(low) if low else ""
    text = (text or "零") + "元"
    if not jiao and not cents:
        return text + "整"
    if jiao:
        text += _HANZI_DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    return text + (_HANZI_DIGITS[cents] + "分" if cents else "整")


def some_day(rng: random.Random, first: int = 2016, last: int = 2024) -> datetime:
    start = datetime(first, 1, 1, 8, 0, 0)
    span = (datetime(last, 12, 31) - start).days
    return start + timedelta(days=rng.randrange(span), seconds=rng.randrange(10 * 3600))


def written_date(rng: random.Random, when: datetime) -> str:
    """A date the many ways offices print it: 2017-3-2 16:23:59, 2023年05月12日, 2023.5.12."""
    roll = rng.randrange(9)
    if roll == 0:
        return f"{when.year}-{when.month}-{when.day} {when:%H:%M:%S}"
    if roll == 1:
        return f"{when:%Y-%m-%d %H:%M:%S}"
    if roll == 2:
        return f"{when:%Y年%m月%d日}"
    if roll == 3:
        return f"{when:%Y/%m/%d %H:%M}"
    way = rng.choice((DateWay.HANZI_O, DateWay.DIGITS_NIAN, DateWay.DIGITS_NIAN, DateWay.DOT,
                      DateWay.DASH))
    return write_date(when.date(), DateWriting(way, padded=rng.random() < 0.5))


def hanzi_date(when: date | datetime) -> str:
    return write_date(when if isinstance(when, date) else when.date(),
                      DateWriting(DateWay.HANZI_O))


def plain_date(when: date | datetime) -> str:
    return f"{when.year}年{when.month}月{when.day}日"


# --------------------------------------------------------------------------------------------
# Drawing: a painter with coloured ink, cells, seals to stamp
# --------------------------------------------------------------------------------------------


class InkPainter(Painter):
    """The contest generator's painter, printing typed text and rules in any colour (invoices
    and bank slips print their frame and labels in red)."""

    def __init__(self, page: pymupdf.Page, rng: random.Random, color: Color = BLACK) -> None:
        super().__init__(page, rng, pick_style(rng))
        self.color = color

    def typed(self, x: float, y: float, text: str, size: float, *, cjk: str = TYPED_CJK,
              bold: bool = False, color: Color | None = None) -> float:
        color = color or self.color
        for run, is_ascii in _runs(text):
            font = LATIN_FOR[cjk] if is_ascii else cjk
            self.text.insert_text((x, y), run, fontname=font, fontsize=size, color=color,
                                  fill=color, render_mode=2 if bold else 0, border_width=0.04)
            x += self.typed_width(run, size, cjk)
        return x

    def finish(self) -> None:
        self.text.commit()
        self.rules.finish(width=self.style.rule_width, color=self.color, closePath=False)
        self.rules.commit()

    def put(self, rect: pymupdf.Rect, text: str, size: float, align: str = "c", *,
            color: Color | None = None, bold: bool = False, cjk: str = TYPED_CJK) -> None:
        """Typed text on one line in a cell: left, centred or right, shrunk to fit."""
        width = self.typed_width(text, size, cjk)
        if width > rect.width - 4:
            size *= (rect.width - 4) / width
            width = rect.width - 4
        x = {"l": rect.x0 + 3, "c": (rect.x0 + rect.x1 - width) / 2,
             "r": rect.x1 - 3 - width}[align]
        self.typed(x, (rect.y0 + rect.y1) / 2 + size * 0.36, text, size, cjk=cjk, bold=bold,
                   color=color)

    def centred(self, y: float, text: str, size: float, *, x0: float = 0.0,
                x1: float | None = None, color: Color | None = None, bold: bool = False,
                cjk: str = TYPED_CJK) -> None:
        x1 = self.page.rect.width if x1 is None else x1
        x = (x0 + x1 - self.typed_width(text, size, cjk)) / 2
        self.typed(x, y, text, size, cjk=cjk, bold=bold, color=color)

    def hand_in(self, rect: pymupdf.Rect, text: str | None, size: float | None = None) -> None:
        """Handwriting on one line in a cell, shrunk to fit."""
        if not text:
            return
        size = size or self.style.hand_size
        width = self.hand_width(text, size)
        if width > rect.width - 6:
            size *= (rect.width - 6) / width
        self.hand(rect.x0 + 4, (rect.y0 + rect.y1) / 2 + size * 0.38, text, size)

    def vertical(self, rect: pymupdf.Rect, text: str, size: float) -> None:
        """A label set one glyph per line (购买方, 收款人 in a narrow column)."""
        step = min(size * 1.5, rect.height / len(text))
        y = rect.y0 + (rect.height - step * len(text)) / 2 + size * 0.9
        for ch in text:
            self.typed(rect.x0 + (rect.width - size) / 2, y, ch, size)
            y += step

    def prose(self, x0: float, x1: float, y: float, text: str, size: float, lead: float = 1.75,
              indent: bool = True, cjk: str = TYPED_CJK) -> float:
        """A typed paragraph from baseline ``y``; returns the next baseline."""
        first = x1 - x0 - (2 * size if indent else 0)
        lines = wrap(text, x1 - x0, lambda t: self.typed_width(t, size, cjk), first=first)
        for i, line in enumerate(lines):
            x = x0 + (2 * size if indent and i == 0 else 0)
            self.typed(x, y, line, size, cjk=cjk)
            y += size * lead
        return y


def grid(p: Painter, x: float, y: float, widths: Sequence[float], height: float
         ) -> list[pymupdf.Rect]:
    """One ruled table row: its cells, left to right."""
    cells = []
    for w in widths:
        cell = pymupdf.Rect(x, y, x + w, y + height)
        p.box(cell)
        cells.append(cell)
        x += w
    return cells


@dataclass
class SealMark:
    """A seal to stamp on the raster: round with ``text`` on its ring, or oval (发票专用章)
    with the taxpayer number across it."""

    text: str
    at: pymupdf.Point  # PDF points
    number: str | None = None  # an oval invoice seal's taxpayer number


@dataclass
class Drawn:
    """A drawn stranger before scanning."""

    doc: pymupdf.Document
    seals: list[SealMark] = field(default_factory=list)
    unit: str | None = None  # the unit sending a cover letter
    photo_ok: bool = True  # portrait enough to be photographed with a phone


def _page(width: float = PAGE_W, height: float = PAGE_H) -> tuple[pymupdf.Document,
                                                                   pymupdf.Page]:
    doc = pymupdf.open()
    return doc, doc.new_page(width=width, height=height)


def oval_seal_image(name: str, number: str, rng: random.Random, nrng: np.random.Generator
                    ) -> np.ndarray:
    """发票专用章: an oval ring, the seller's name along the top, its number across the middle."""
    a, b = 20 * MM, 15 * MM
    doc, page = _page(2 * a + 8, 2 * b + 8)
    centre = pymupdf.Point(a + 4, b + 4)
    ring = rng.uniform(1.0, 1.4)
    page.draw_oval(pymupdf.Rect(centre.x - a + ring, centre.y - b + ring,
                                centre.x + a - ring, centre.y + b - ring),
                   color=SEAL_RED, width=ring)
    span = np.radians(min(240, 20 * len(name) + 30))
    size = min(b * 0.3, span * (a + b) / 2 / max(len(name), 1) * 0.85)
    for i, ch in enumerate(name):
        t = -span / 2 + span * i / max(len(name) - 1, 1)
        spot = centre + ((a - size * 0.9) * np.sin(t), -(b - size * 0.9) * np.cos(t))
        turn = np.degrees(np.arctan2((b - size) * np.sin(t), (a - size) * np.cos(t)))
        matrix = pymupdf.Matrix(0.8, 0, 0, 1, 0, 0) * pymupdf.Matrix(-float(turn))
        page.insert_text(spot + (-size * 0.4, size * 0.38), ch, fontname=TYPED_CJK,
                         fontsize=size, color=SEAL_RED, fill=SEAL_RED, render_mode=2,
                         border_width=0.03, morph=(spot, matrix))
    digits = b * 0.16
    page.insert_text(centre + (-pymupdf.get_text_length(number, "helv", digits) / 2,
                               digits * 0.4),
                     number, fontname="helv", fontsize=digits, color=SEAL_RED)
    label = b * 0.24
    page.insert_text(centre + (-label * 2.5, b * 0.62), "发票专用章", fontname=TYPED_CJK,
                     fontsize=label, color=SEAL_RED, fill=SEAL_RED)
    img = rasterize(page)
    doc.close()
    return ink_seal(img, rng, nrng)


# --------------------------------------------------------------------------------------------
# 1. invoice
# --------------------------------------------------------------------------------------------

_GOODS = (("*印刷品*宣传折页", "210×285", "份"), ("*纸制品*A4复印纸", "70g", "箱"),
          ("*餐饮服务*餐费", "", "次"), ("*住宿服务*住宿费", "标准间", "天"),
          ("*现代服务*会议服务费", "", "项"), ("*广告服务*喷绘制作", "3m×2m", "平方米"),
          ("*文化服务*影视后期制作费", "", "项"), ("*信息技术服务*技术服务费", "", "次"),
          ("*经营租赁*场地租赁费", "", "天"), ("*办公用品*中性笔", "0.5mm", "盒"))


def _party(p: InkPainter, rect: pymupdf.Rect, who: str, rows: Sequence[tuple[str, str]],
           size: float) -> None:
    """A 购买方 / 销售方 block: the vertical word, then label：value lines."""
    side = pymupdf.Rect(rect.x0, rect.y0, rect.x0 + size * 1.8, rect.y1)
    p.box(side)
    p.vertical(side, who, size)
    step = rect.height / len(rows)
    for i, (label, value) in enumerate(rows):
        y = rect.y0 + step * i + step / 2 + size * 0.36
        end = p.typed(side.x1 + 4, y, f"{label}：", size * 0.9)
        p.typed(end + 2, y + 0.5, value, size * 0.95, color=BLACK)


def draw_invoice(rng: random.Random) -> Drawn:
    electronic = rng.random() < 0.4
    red = rng.choice(INVOICE_RED)
    width, height = (210 * MM, 140 * MM) if electronic else (240 * MM, 140 * MM)
    doc, page = _page(width, height)
    p = InkPainter(page, rng, red)
    city = _city(rng)
    when = some_day(rng)
    x0, x1 = 14 * MM, width - 12 * MM
    title = "电子发票（普通发票）" if electronic else rng.choice(
        ("山西增值税普通发票", "增值税普通发票", f"山西增值税普通发票（{city.name}）"))
    size = rng.uniform(8, 9)
    p.centred(18 * MM, title, 17, bold=True)
    tw = p.typed_width(title, 17)
    for dy in (2.5, 4.5):
        p.line((width / 2 - tw / 2, 18 * MM + dy), (width / 2 + tw / 2, 18 * MM + dy))
    if not electronic:
        p.centred(24 * MM, "发  票  联", 10)
    code = "1400" + "".join(rng.choices("0123456789", k=8))
    number = "".join(rng.choices("0123456789", k=20 if electronic else 8))
    info = [("发票号码", number), ("开票日期", written_date(rng, when))]
    if not electronic:
        info.insert(0, ("发票代码", code))
        info.append(("校验码", " ".join("".join(rng.choices("0123456789", k=5))
                                         for _ in range(4))))
    y = 10 * MM
    for label, value in info:
        end = p.typed(width - 70 * MM, y, f"{label}：", size)
        p.typed(end + 2, y, value, size, color=BLACK)
        y += size * 1.6
    for i in range(14):  # the QR code's corner, printed in black
        for j in range(14):
            if rng.random() < 0.5 or min(i, j) < 2:
                page.draw_rect(pymupdf.Rect(x0 + i * 1.6, 6 * MM + j * 1.6,
                                            x0 + i * 1.6 + 1.6, 6 * MM + j * 1.6 + 1.6),
                               color=None, fill=BLACK)
    top = 30 * MM
    page.draw_rect(pymupdf.Rect(x0, top, x1, height - 16 * MM), color=red, width=1.2)
    buyer = (("名称", office(rng, city) if rng.random() < 0.6 else company(rng, city)),
             ("纳税人识别号", taxpayer_id(rng)),
             ("地址、电话", f"{street_address(rng, city)} {landline(rng, city)}"),
             ("开户行及账号", f"{rng.choice(_BANKS)}{city.name}分行 {bank_account(rng)}"))
    block = 20 * MM
    _party(p, pymupdf.Rect(x0, top, x0 + (x1 - x0) * 0.6, top + block), "购买方", buyer, size)
    p.box(pymupdf.Rect(x0 + (x1 - x0) * 0.6, top, x1, top + block))
    if not electronic:
        crypt = "0123456789+-*/<>"
        for k in range(4):
            p.typed(x0 + (x1 - x0) * 0.6 + 14, top + 4 * MM + k * 4.5 * MM,
                    "".join(rng.choices(crypt, k=27)), size * 0.95, color=BLACK)
        p.vertical(pymupdf.Rect(x0 + (x1 - x0) * 0.6, top, x0 + (x1 - x0) * 0.6 + 12,
                                top + block), "密码区", size * 0.9)
    heads = ("货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额")
    shares = (0.27, 0.11, 0.06, 0.09, 0.12, 0.13, 0.07, 0.15)
    widths = [(x1 - x0) * s for s in shares]
    y = top + block
    for cell, head in zip(grid(p, x0, y, widths, 6 * MM), heads):
        p.put(cell, head, size * 0.9)
    y += 6 * MM
    rate = rng.choice((0.01, 0.03, 0.06, 0.13))
    total = tax = 0.0
    items = rng.sample(_GOODS, rng.randint(1, 3))
    body = 24 * MM
    for k, (name, spec, unit) in enumerate(items):
        qty = rng.choice((1, 1, 2, 3, 5, 10, 20, 50, 100))
        price = round(rng.uniform(8, 3000) / (1 + rate), 2)
        amount = round(qty * price, 2)
        t = round(amount * rate, 2)
        total, tax = total + amount, tax + t
        row = pymupdf.Rect(x0, y + k * 5 * MM, x1, y + k * 5 * MM + 5 * MM)
        xs = np.cumsum([x0, *widths])
        values = (name, spec, unit, str(qty), f"{price:.2f}", f"{amount:.2f}",
                  f"{round(rate * 100)}%", f"{t:.2f}")
        for i, value in enumerate(values):
            cell = pymupdf.Rect(xs[i], row.y0, xs[i + 1], row.y1)
            p.put(cell, value, size, "l" if i == 0 else "r", color=BLACK)
    for xa in np.cumsum([x0, *widths])[1:-1]:
        p.line((xa, y), (xa, y + body))
    y += body
    cells = grid(p, x0, y, [sum(widths[:5]), widths[5], widths[6], widths[7]], 5 * MM)
    p.put(cells[0], "合        计", size)
    p.put(cells[1], f"¥{total:.2f}", size, "r", color=BLACK)
    p.put(cells[3], f"¥{tax:.2f}", size, "r", color=BLACK)
    y += 5 * MM
    row = grid(p, x0, y, [widths[0], x1 - x0 - widths[0]], 6 * MM)
    p.put(row[0], "价税合计（大写）", size)
    end = p.typed(row[1].x0 + 6, y + 4 * MM, "⊗ ", size) + 2
    p.typed(end, y + 4 * MM, rmb_upper(total + tax), size, color=BLACK)
    p.typed(row[1].x0 + row[1].width * 0.62, y + 4 * MM, f"（小写）¥{total + tax:.2f}", size,
            color=BLACK)
    y += 6 * MM
    seller_name = company(rng, city)
    seller_id = taxpayer_id(rng)
    seller = (("名称", seller_name), ("纳税人识别号", seller_id),
              ("地址、电话", f"{street_address(rng, city)} {landline(rng, city)}"),
              ("开户行及账号", f"{rng.choice(_BANKS)}{city.name}{rng.choice(_STREETS)}支行 "
                             f"{bank_account(rng)}"))
    bottom = height - 16 * MM
    _party(p, pymupdf.Rect(x0, y, x0 + (x1 - x0) * 0.6, bottom), "销售方", seller, size)
    note = pymupdf.Rect(x0 + (x1 - x0) * 0.6, y, x1, bottom)
    p.box(note)
    p.vertical(pymupdf.Rect(note.x0, note.y0, note.x0 + 12, note.y1), "备注", size)
    y = height - 10 * MM
    people = (("收款人", person(rng)), ("复核", person(rng)), ("开票人", person(rng)))
    for k, (label, who) in enumerate(people):
        end = p.typed(x0 + k * (x1 - x0) / 4.2, y, f"{label}：", size)
        p.typed(end + 2, y, who, size, color=BLACK)
    p.typed(x1 - 40 * MM, y, "销售方：（章）", size)
    p.finish()
    at = pymupdf.Point(x1 - 30 * MM + rng.uniform(-8, 8), height - 14 * MM + rng.uniform(-6, 4))
    return Drawn(doc, [SealMark(seller_name, at, seller_id)], photo_ok=False)


# --------------------------------------------------------------------------------------------
# 2. receipt
# --------------------------------------------------------------------------------------------

_PAID_FOR = ("会议费", "资料费", "场地租赁费", "培训费", "押金", "会费", "报名费", "工本费",
             "物业费", "书画装裱费", "演出服装租赁费", "车辆租赁费")


def draw_receipt(rng: random.Random) -> Drawn:
    width, height = 210 * MM, rng.uniform(95, 110) * MM
    doc, page = _page(width, height)
    color = rng.choice((BLACK, (0.15, 0.25, 0.55), (0.7, 0.2, 0.2)))
    p = InkPainter(page, rng, color)
    city = _city(rng)
    x0, x1 = 16 * MM, width - 20 * MM
    p.centred(16 * MM, rng.choice(("收  据", "收 款 收 据", "收据")), 20, bold=True)
    p.typed(x1 - 40 * MM, 16 * MM, f"No.{rng.randint(0, 9999999):07d}", 11,
            color=(0.75, 0.1, 0.1))
    when = some_day(rng)
    date_y = 25 * MM
    end = p.typed(width / 2 - 30 * MM, date_y, "日期：", 10)
    p.hand(end + 4, date_y, plain_date(when) if rng.random() < 0.7 else written_date(rng, when))
    amount = round(rng.choice((rng.uniform(50, 900), rng.uniform(1000, 20000))), rng.choice((0, 2)))
    payer = person(rng) if rng.random() < 0.4 else office(rng, city)
    rows = (("今收到", payer), ("交    来", f"{rng.choice(_PAID_FOR)}"),
            ("人民币（大写）", rmb_upper(amount)))
    frame = pymupdf.Rect(x0, 30 * MM, x1, 30 * MM + 3 * 12 * MM)
    p.box(frame)
    for k, (label, value) in enumerate(rows):
        cell = pymupdf.Rect(x0, frame.y0 + k * 12 * MM, x1, frame.y0 + (k + 1) * 12 * MM)
        if k:
            p.line((x0, cell.y0), (x1, cell.y0))
        end = p.typed(x0 + 4, cell.y1 - 3.5 * MM, label, 11)
        p.line((end + 4, cell.y1 - 2.5 * MM), (x1 - (45 * MM if k == 2 else 4),
                                               cell.y1 - 2.5 * MM))
        p.hand(end + 10, cell.y1 - 3.5 * MM, value)
        if k == 2:
            money = p.typed(x1 - 42 * MM, cell.y1 - 3.5 * MM, "¥", 12)
            p.hand(money + 3, cell.y1 - 3.5 * MM, f"{amount:.2f}")
    side = pymupdf.Rect(x1 + 2 * MM, frame.y0, x1 + 8 * MM, frame.y1)
    p.vertical(side, rng.choice(("第二联交付款人", "第一联存根", "第三联记账")), 8)
    unit = office(rng, city) if rng.random() < 0.6 else company(rng, city)
    y = frame.y1 + 9 * MM
    labels = [("收款单位（盖章）", unit), ("收款人", person(rng))]
    if rng.random() < 0.5:
        labels.append(("经手人", person(rng)))
    x = x0
    for label, value in labels:
        end = p.typed(x, y, f"{label}：", 10)
        if label.startswith("收款单位") and rng.random() < 0.5:
            value = ""  # the seal says it
        p.hand(end + 2, y, value, p.style.hand_size * 0.9)
        x += (x1 - x0) / len(labels) + (10 * MM if label.startswith("收款单位") else 0)
    p.finish()
    at = pymupdf.Point(x0 + 38 * MM + rng.uniform(-10, 14), y - 6 + rng.uniform(-8, 4))
    return Drawn(doc, [SealMark(unit, at)], photo_ok=False)


# --------------------------------------------------------------------------------------------
# 3-4. other offices' forms, filled or blank
# --------------------------------------------------------------------------------------------


def _person_values(rng: random.Random) -> dict[str, str]:
    """One person's details, under every label other offices' forms print."""
    city = _city(rng)
    male = rng.random() < 0.5
    born = date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28))
    unit = office(rng, city) if rng.random() < 0.6 else company(rng, city)
    addr = street_address(rng, city)
    day = some_day(rng, 2019)
    return {
        "姓名": person(rng), "性别": "男" if male else "女",
        "出生年月": rng.choice((f"{born.year}.{born.month}", f"{born.year}年{born.month}月",
                            f"{born:%Y-%m}")),
        "民族": rng.choice(_NATIONS), "政治面貌": rng.choice(_POLITICS),
        "身份证号": id_number(rng, born, male), "工作单位": unit, "单位": unit,
        "职务": rng.choice(_JOB_TITLES), "联系电话": rng.choice((mobile(rng), landline(rng, city))),
        "电话": landline(rng, city), "手机号码": mobile(rng), "通讯地址": addr, "地址": addr,
        "邮编": f"0{rng.randint(30, 48)}{rng.randint(0, 999):03d}", "联系人": person(rng),
        "日期": written_date(rng, day), "学历": rng.choice(("本科", "大专", "研究生", "高中")),
        "所在学校": f"{city.name}{rng.choice(('学院', '师范学校', '职业技术学院', '第二中学'))}",
        "班级": f"{rng.randint(2019, 2023)}级{rng.randint(1, 8)}班",
        "家庭人口": f"{rng.randint(3, 6)}人", "家庭年收入": f"{rng.randint(8, 60)}000元",
        "参会人数": f"{rng.randint(1, 4)}人", "到达时间": f"{day:%m月%d日} 上午",
        "是否住宿": rng.choice(("是", "否")),
        "服务时间": rng.choice(("周末", "工作日晚上", "不限")),
        "特长": rng.choice(("书法", "摄影", "驾驶", "急救", "英语", "计算机")),
        "作者姓名": person(rng),
        "作品尺寸": f"{rng.choice((68, 50, 138))}×{rng.choice((68, 34))}cm",
        "书体": rng.choice(("行书", "楷书", "隶书", "篆书")),
        "入党时间": f"{rng.randint(1985, 2020)}年",
        "所在支部": f"第{rng.choice('一二三四五')}党支部",
        "参加工作时间": f"{rng.randint(1985, 2022)}.{rng.randint(1, 12)}",
        "备注": rng.choice(("", "", "无", "已缴费", "需安排接站")),
    }


# title -> labels, in order: a label ending in "+" takes the whole row (a tall one for 理由)
_CARD_FORMS: dict[str, tuple[str, ...]] = {
    "职工基本信息登记表": ("姓名", "性别", "出生年月", "民族", "政治面貌", "学历", "身份证号+",
                        "工作单位", "职务", "参加工作时间", "手机号码", "通讯地址+", "邮编",
                        "电话", "备注+"),
    "志愿者报名表": ("姓名", "性别", "出生年月", "政治面貌", "身份证号+", "单位", "手机号码",
                   "服务时间", "特长", "地址+", "报名理由++", "签名"),
    "党员信息采集表": ("姓名", "性别", "民族", "出生年月", "入党时间", "所在支部", "学历", "职务",
                    "身份证号+", "工作单位+", "联系电话", "通讯地址+", "备注+"),
    "学生资助申请表": ("姓名", "性别", "出生年月", "民族", "所在学校", "班级", "身份证号+",
                    "家庭人口", "家庭年收入", "通讯地址+", "联系电话", "邮编", "申请理由++"),
    "书画作品报名表": ("作者姓名", "性别", "出生年月", "书体", "作品尺寸", "联系电话", "单位+",
                    "通讯地址+", "邮编", "作者简介++"),
    "培训班学员信息登记表": ("姓名", "性别", "民族", "出生年月", "学历", "政治面貌", "工作单位+",
                        "职务", "手机号码", "身份证号+", "是否住宿", "备注+"),
}
_LIST_FORMS: dict[str, tuple[str, ...]] = {
    "会议回执": ("姓名", "性别", "单位", "职务", "联系电话", "是否住宿"),
    "参会人员报名表": ("姓名", "性别", "民族", "工作单位", "职务", "手机号码"),
    "志愿者服务登记表": ("姓名", "性别", "身份证号", "服务时间", "联系电话"),
}
_REASONS = ("本人热心公益，时间充裕，愿意参加社区志愿服务活动。",
            "家庭经济困难，父母务农，收入微薄，申请资助以完成学业。",
            "自幼喜爱书法，师从当地书法家，作品曾在市级展览中展出。",
            "服从组织安排，认真完成本职工作，希望通过学习提高业务能力。")


def _form_header(p: InkPainter, rng: random.Random, title: str, x0: float, x1: float
                 ) -> float:
    y = rng.uniform(60, 90)
    if rng.random() < 0.4:
        p.typed(x0, y - 22, rng.choice(("附件1", "附件2", "附表", "附件")), 12)
    year = f"{rng.randint(2018, 2024)}年" if rng.random() < 0.35 else ""
    size = rng.uniform(16, 20)
    p.centred(y, year + title, size, x0=x0, x1=x1, bold=rng.random() < 0.6)
    y += size * 1.4
    if rng.random() < 0.5:
        p.typed(x0, y, rng.choice(("填表单位：", "单位（盖章）：", "编号：")), 10.5)
        p.typed(x1 - 60 * MM, y, "填表日期：    年   月   日", 10.5)
        y += 10
    return y + 6


def draw_card_form(rng: random.Random, filled: bool) -> Drawn:
    """A label | value grid, two pairs to a row, whole rows for long values, a photo box."""
    doc, page = _page()
    p = InkPainter(page, rng)
    title = rng.choice(tuple(_CARD_FORMS))
    values = _person_values(rng)
    x0, x1 = rng.uniform(50, 72), PAGE_W - rng.uniform(50, 72)
    y = _form_header(p, rng, title, x0, x1)
    row_h = rng.uniform(26, 34)
    label_w = rng.uniform(64, 84)
    photo = rng.random() < 0.5
    photo_w = 26 * MM if photo else 0
    pair_w = (x1 - x0 - photo_w) / 2 - label_w
    pending: list[str] = []
    rows: list[list[str]] = []
    for label in _CARD_FORMS[title]:
        if label.endswith("+"):
            if pending:
                rows.append(pending)
                pending = []
            rows.append([label])
        else:
            pending.append(label)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending)
    anchors: dict[str, pymupdf.Rect] = {}
    top = y
    for k, row in enumerate(rows):
        tall = row[0].endswith("++")
        h = row_h * (rng.uniform(3.5, 5) if tall else 1)
        inner = x1 - photo_w if photo and y < top + 4 * row_h else x1
        key = row[0].rstrip("+")
        if len(row) == 1:
            cells = grid(p, x0, y, [label_w, inner - x0 - label_w], h)
            p.label(cells[0], key)
            text = values.get(key) or (rng.choice(_REASONS) if tall else "")
            if filled and tall:
                p.paragraph(cells[1].x0 + 5, cells[1].x1 - 5, cells[1].y0 + 4, text,
                            p.style.hand_size * 0.9, hand=True)
            elif filled:
                p.hand_in(cells[1], text)
        else:
            widths = [label_w, pair_w, label_w, inner - x0 - 2 * label_w - pair_w]
            cells = grid(p, x0, y, widths[:2 * len(row)] if len(row) == 2 else
                         [label_w, inner - x0 - label_w], h)
            for i, label in enumerate(row):
                p.label(cells[2 * i], label)
                anchors[label] = cells[2 * i + 1]
                if filled:
                    p.hand_in(cells[2 * i + 1], values.get(label, ""))
        if k == 3 and photo:
            cell = pymupdf.Rect(x1 - photo_w, top, x1, y + h)
            p.box(cell)
            p.label(cell, rng.choice(("照片", "贴照片处", "一寸免冠照片")))
        y += h
    seals = []
    if rng.random() < 0.5:  # the office's opinion, signed and sealed
        who = rng.choice(("所在单位意见", "审核意见", "推荐单位意见"))
        cells = grid(p, x0, y, [label_w, x1 - x0 - label_w], row_h * 3.2)
        p.label(cells[0], who)
        unit = values["工作单位"]
        end = p.typed(cells[1].x1 - 70 * MM, cells[1].y1 - 26, "（盖章）", 10.5)
        p.typed(cells[1].x1 - 58 * MM, cells[1].y1 - 8, "年    月    日", 10.5)
        if filled:
            p.hand(cells[1].x0 + 8, cells[1].y0 + 22, rng.choice(("情况属实，同意推荐。",
                                                                 "同意。", "经审核，情况属实。")))
            if rng.random() < 0.7:
                seals.append(SealMark(unit, pymupdf.Point(end - 10, cells[1].y1 - 28)))
        y += row_h * 3.2
    y += 28
    end = p.typed(x0 + 10, y, rng.choice(("本人签名：", "填表人签字：", "签名：")), 11)
    date_x = x1 - 62 * MM
    p.typed(date_x, y, "日期：", 11)
    if filled:
        p.signature(end + 8, y, values["姓名"])
        p.hand(date_x + 36, y, values["日期"], p.style.hand_size * 0.9)
    if rng.random() < 0.4:
        p.typed(x0, y + 30, "注：" + rng.choice(("此表一式两份，请用黑色签字笔填写。",
                                              "请于规定时间前报送，电子版同时发送至邮箱。",
                                              "身份证号须与本人身份证一致。")), 9.5)
    p.finish()
    return Drawn(doc, seals)


def draw_list_form(rng: random.Random, filled: bool) -> Drawn:
    """A reply slip or sign-up list: a few lines above, column heads, one person a row."""
    doc, page = _page()
    p = InkPainter(page, rng)
    title = rng.choice(tuple(_LIST_FORMS))
    heads = ("序号", *_LIST_FORMS[title])
    x0, x1 = rng.uniform(46, 66), PAGE_W - rng.uniform(46, 66)
    y = _form_header(p, rng, title, x0, x1)
    first = _person_values(rng)
    size = rng.uniform(10.5, 12)
    row_h = rng.uniform(26, 32)
    for label, value in (("单位名称", first["单位"]), ("联系人", first["联系人"]),
                         ("联系电话", first["手机号码"])):
        end = p.typed(x0, y + size, f"{label}：", size)
        p.line((end + 2, y + size + 3), (end + 150, y + size + 3))
        if filled:
            p.hand(end + 6, y + size, value)
        y += size * 2.2
    y += 4
    widths = [x1 - x0 for _ in heads]
    weights = [0.6] + [{"单位": 2.6, "工作单位": 2.6, "身份证号": 2.8, "联系电话": 1.8,
                        "手机号码": 1.8}.get(h, 1.0) for h in heads[1:]]
    widths = [(x1 - x0) * w / sum(weights) for w in weights]
    for cell, head in zip(grid(p, x0, y, widths, row_h), heads):
        p.put(cell, head, size, bold=True)
    y += row_h
    rows = rng.randint(6, 12)
    people = rng.randint(1, 5) if filled else 0
    for k in range(rows):
        cells = grid(p, x0, y, widths, row_h)
        if k < people:
            values = first if k == 0 else _person_values(rng)
            p.put(cells[0], str(k + 1), size)
            for cell, head in zip(cells[1:], heads[1:]):
                p.hand_in(cell, values.get(head, ""))
        y += row_h
    y += 24
    p.typed(x0, y, "备注：" + rng.choice(("请于会前三天将回执发送至联系人邮箱。",
                                         "住宿费用自理。", "报名截止后不再受理。")), 10)
    seals = []
    if filled and rng.random() < 0.5:
        y += 50
        unit = first["单位"]
        right = x1 - 20
        p.typed(right - p.typed_width(unit, 11), y, unit, 11)
        p.typed(right - 110, y + 24, first["日期"], 11)
        seals.append(SealMark(unit, pymupdf.Point(right - 60, y)))
    p.finish()
    return Drawn(doc, seals)


def draw_other_form(rng: random.Random, filled: bool = True) -> Drawn:
    if rng.random() < 0.65:
        return draw_card_form(rng, filled)
    return draw_list_form(rng, filled)


# --------------------------------------------------------------------------------------------
# 5. notice
# --------------------------------------------------------------------------------------------

_ACTIVITIES = ("“书香三晋”全民阅读", "2023年“文化和自然遗产日”", "非物质文化遗产保护",
               "群众文艺汇演", "安全生产月", "文明城市创建", "防汛应急演练", "老年人健康体检",
               "“我们的节日·端午”主题", "第三届职工运动会")
_NOTICE_SENTENCES = (
    "为深入贯彻落实上级有关部署，进一步丰富群众精神文化生活，经研究，决定开展{act}活动。现将有关事项通知如下。",
    "各单位要高度重视，加强组织领导，明确责任分工，确保各项工作落到实处。",
    "请各单位于{when}前将报名表及相关材料报送至{office}，逾期不予受理。",
    "活动期间，要严格落实安全管理制度，做好应急预案，确保活动安全有序进行。",
    "要充分利用报纸、广播、电视和网络等媒体，广泛宣传，营造良好氛围。",
    "活动结束后，请各单位认真总结经验做法，形成书面材料，连同图片资料一并报送。",
    "对工作开展好、成效明显的单位和个人，将予以通报表扬。",
    "各县（市、区）要结合本地实际，制定具体实施方案，认真组织实施。",
)


# issuing body, its short name in document numbers, whom it writes to
_ISSUERS = (("文化和旅游局", "文旅", "各县（市、区）文化和旅游局，局属各单位："),
            ("人民政府办公室", "政办", "各县（市、区）人民政府，市直各有关部门："),
            ("教育局", "教", "各县（市、区）教育局，市直各学校："),
            ("总工会", "工", "各县（市、区）总工会，各产业工会："),
            ("卫生健康委员会", "卫", "各县（市、区）卫生健康局，委直各单位："))


def draw_notice(rng: random.Random) -> Drawn:
    doc, page = _page()
    p = InkPainter(page, rng)
    city = _city(rng)
    body, short, readers = rng.choice(_ISSUERS)
    issuer = f"{city.name}市{body}"
    x0, x1 = rng.uniform(70, 85), PAGE_W - rng.uniform(70, 85)
    y = rng.uniform(80, 110)
    red_head = rng.random() < 0.7
    when = some_day(rng)
    serial = f"{city.name[0]}{short}发〔{when.year}〕{rng.randint(1, 120)}号"
    if red_head:
        size = min(34.0, (x1 - x0) / (len(issuer) + 2))
        p.centred(y, f"{issuer}文件", size, x0=x0, x1=x1, color=SEAL_RED, bold=True,
                  cjk="china-ss")
        y += size * 1.6
        p.centred(y, serial, 14, x0=x0, x1=x1)
        y += 12
        page.draw_line((x0, y), (x1, y), color=SEAL_RED, width=2.2)
        y += 40
    else:
        y += 10
    act = rng.choice(_ACTIVITIES)
    title = f"关于开展{act}活动的通知" if rng.random() < 0.8 else "通  知"
    title_size = rng.uniform(17, 21)
    for line in wrap(title, x1 - x0 - 40, lambda t: p.typed_width(t, title_size)):
        p.centred(y, line, title_size, x0=x0, x1=x1, bold=True)
        y += title_size * 1.6
    y += 10
    size = rng.uniform(13, 15)
    p.typed(x0, y, rng.choice((readers, "各有关单位：")), size)
    y += size * 1.9
    deadline = when + timedelta(days=rng.randint(7, 30))
    slots = {"act": act, "when": plain_date(deadline), "office": issuer}
    sentences = list(_NOTICE_SENTENCES[1:])
    rng.shuffle(sentences)
    paragraphs = [_NOTICE_SENTENCES[0]] + sentences[:rng.randint(3, 5)]
    for k, sentence in enumerate(paragraphs):
        if k == 1:
            heading = "一、" + rng.choice(("活动时间", "工作要求", "有关事项"))
            p.typed(x0 + 2 * size, y, heading, size, cjk="china-ss", bold=True)
            y += size * 1.75
        y = p.prose(x0, x1, y, sentence.format(**slots), size)
    y = p.prose(x0, x1, y, f"联系人：{person(rng)}，电话：{landline(rng, city)}。", size)
    y = p.prose(x0, x1, y, "特此通知。", size)
    if y > PAGE_H - 150:
        y = PAGE_H - 150
    y += size * 3
    right = x1 - size * 2
    p.typed(right - p.typed_width(issuer, size), y, issuer, size)
    dated = hanzi_date(when) if rng.random() < 0.5 else plain_date(when)
    p.typed(right - p.typed_width(dated, size) - size, y + size * 1.9, dated, size)
    p.finish()
    seal_at = pymupdf.Point(right - p.typed_width(issuer, size) / 2, y + 4)
    return Drawn(doc, [SealMark(issuer, seal_at)])


# --------------------------------------------------------------------------------------------
# 6. cover letter: the original style and two more
# --------------------------------------------------------------------------------------------


def _cover_works(rng: random.Random) -> list[tuple[str, str, int]]:
    used: set[str] = set()
    return [(_title(rng, used), rng.choice(WORK_TYPES), rng.randint(3, 15))
            for _ in range(rng.randint(2, 5))]


def draw_cover_letter_listed(rng: random.Random) -> Drawn:
    """报送函 / 关于报送…作品的函 / 推荐函: the works named by title in the body or a small
    table; the unit signs with its name (any of its spellings), its seal prints its name."""
    unit = rng.choice(UNITS)
    doc, page = _page()
    p = InkPainter(page, rng)
    x0, x1 = rng.uniform(68, 84), PAGE_W - rng.uniform(68, 84)
    y = rng.uniform(80, 120)
    short = CONTEST.removesuffix("征集展示活动")
    title = rng.choice(("报送函", "推荐函", f"关于报送{short}作品的函",
                        f"关于推荐{short}参评作品的函"))
    title_size = rng.uniform(18, 22)
    if rng.random() < 0.4:
        p.centred(y - 30, f"{unit.name[2:4] if unit.name.startswith('中共') else unit.name[:2]}"
                  f"宣函〔2023〕{rng.randint(3, 60)}号", 12, x0=x0, x1=x1)
    for line in wrap(title, x1 - x0 - 30, lambda t: p.typed_width(t, title_size)):
        p.centred(y, line, title_size, x0=x0, x1=x1, bold=True)
        y += title_size * 1.6
    y += 12
    size = rng.uniform(12.5, 14.5)
    office_name = rng.choice((f"{CONTEST}组委会办公室：", "省委宣传部文艺处：",
                              f"{CONTEST}组委会："))
    for line in wrap(office_name, x1 - x0, lambda t: p.typed_width(t, size)):
        p.typed(x0, y, line, size)
        y += size * 1.8
    works = _cover_works(rng)
    names = "、".join(f"《{t}》" for t, _, _ in works)
    as_table = rng.random() < 0.5
    intro = (f"按照{CONTEST}的有关要求，我单位认真组织了本地区作品的征集和初评工作。"
             f"经研究，现推荐{names}等{len(works)}部作品参加评选"
             + ("，作品名单见下表。" if as_table else "，请予审核。"))
    y = p.prose(x0, x1, y, intro, size)
    if as_table:
        y += 4
        widths = [(x1 - x0) * s for s in (0.1, 0.42, 0.18, 0.12, 0.18)]
        for cell, head in zip(grid(p, x0, y, widths, 24), ("序号", "作品名称", "类型",
                                                           "时长", "主创人员")):
            p.put(cell, head, size * 0.85, bold=True)
        y += 24
        for k, (name, kind, minutes) in enumerate(works):
            cells = grid(p, x0, y, widths, 24)
            for cell, value in zip(cells, (str(k + 1), f"《{name}》", kind, f"{minutes}分钟",
                                           person(rng))):
                p.put(cell, value, size * 0.85)
            y += 24
        y += size * 1.6
    else:
        for k, (name, kind, minutes) in enumerate(works):
            y = p.prose(x0, x1, y, f"{k + 1}．《{name}》（{kind}，{minutes}分钟）", size)
    contact = person(rng)
    y = p.prose(x0, x1, y, f"联系人：{contact}，联系电话：{phone(rng, unit)}。", size)
    y = p.prose(x0, x1, y, rng.choice(("特此函告。", "妥否，请审核。", "特此报送。")), size)
    y = max(y + size * 3, 560)
    right = x1 - size * 2
    name = rng.choice(UNIT_SPELLINGS[unit.name])
    p.typed(right - p.typed_width(name, size), y, name, size)
    signed = DEADLINES[WORK_REG] - timedelta(days=rng.randint(1, 19))
    dated = hanzi_date(signed) if rng.random() < 0.4 else plain_date(signed)
    p.typed(right - p.typed_width(dated, size), y + size * 1.9, dated, size)
    p.finish()
    seal_at = pymupdf.Point(right - p.typed_width(name, size) / 2 + rng.uniform(-10, 10), y + 6)
    return Drawn(doc, [SealMark(unit.name, seal_at)], unit=unit.name)


def draw_cover_letter_classic(rng: random.Random) -> Drawn:
    """The contest generator's cover letter (its title and text, ``content.COVER_BODY``),
    which lists the forms it brings: 附件：1.作品登记表 ..."""
    unit = rng.choice(UNITS)
    doc, page = _page()
    p = InkPainter(page, rng)
    size = rng.uniform(11.5, 13)
    x0, x1 = rng.uniform(62, 80), PAGE_W - rng.uniform(62, 80)
    y = rng.uniform(70, 110)
    for line in wrap(COVER_TITLE, x1 - x0, lambda t: p.typed_width(t, size + 4)):
        p.centred(y, line, size + 4, x0=x0, x1=x1, bold=True)
        y += (size + 4) * 1.6
    y += size
    slots = {"works": rng.randint(10, 14), "proposals": rng.randint(2, 4),
             "contact": person(rng), "phone": phone(rng, unit)}
    for paragraph in COVER_BODY:
        y = p.prose(x0, x1, y, paragraph.format(**slots), size, lead=1.8, indent=False)
    y += size * 3
    signed = DEADLINES[WORK_REG] - timedelta(days=rng.randint(1, 19))
    right = x1 - size * 2
    for line in (unit.name, plain_date(signed)):
        p.typed(right - p.typed_width(line, size), y, line, size)
        y += size * 2
    p.finish()
    at = pymupdf.Point(right - 60 + rng.uniform(-15, 15), y - size * 4 + rng.uniform(-10, 6))
    return Drawn(doc, [SealMark(unit.name, at)], unit=unit.name)


def draw_cover_letter_any(rng: random.Random) -> Drawn:
    if rng.random() < 0.35:
        return draw_cover_letter_classic(rng)
    return draw_cover_letter_listed(rng)


# --------------------------------------------------------------------------------------------
# 7-8. a script page, a book page
# --------------------------------------------------------------------------------------------

_PLACES = ("老王家院子", "村委会办公室", "社区服务中心", "学校操场", "县医院走廊", "汾河岸边",
           "矿区宿舍", "公交车上", "小面馆")
_LINES = ("你咋又这么晚才回来？饭都凉了。", "没事，村里的路今天总算通了。",
          "这事儿我得跟书记说一声。",
          "妈，我想好了，毕业就回村里。", "你们城里人不懂，这地就是我们的命根子。",
          "钱的事你别操心，大伙儿一起想办法。", "我答应过老李，这个井我得守下去。",
          "你看，灯亮了！", "明天一早就出发，别误了车。", "谢谢你，真的谢谢你。",
          "这孩子，跟他爹一个脾气。", "规矩就是规矩，谁来了也一样。",
          "书记，您放心，这批连翘下个月就能收。", "我在城里住不惯，还是回来踏实。",
          "娃们的作业本我都收齐了，一本也不少。", "下雨了，快把场上的玉米盖上！")
_ACTIONS = ("（推门进来，把安全帽放在桌上）", "（沉默片刻，望向窗外）", "（端起碗，又放下）",
            "（远处传来广播声）", "（笑着摆摆手）", "（掏出手机，拨了一个号码）")


def draw_script_page(rng: random.Random) -> Drawn:
    doc, page = _page()
    p = InkPainter(page, rng)
    x0, x1 = rng.uniform(64, 84), PAGE_W - rng.uniform(64, 84)
    size = rng.uniform(11, 12.5)
    cjk = rng.choice(("china-s", "china-ss"))
    title = _title(rng, set())
    p.typed(x0, 46, f"《{title}》{rng.choice(('剧本', '分镜头脚本', '第二稿'))}", 9, cjk=cjk)
    page.draw_line((x0, 52), (x1, 52), color=BLACK, width=0.5)
    y = 86.0
    names = [person(rng)[:2] for _ in range(3)] + ["老王", "李婶"]
    rng.shuffle(names)
    scene = rng.randint(3, 30)
    while y < PAGE_H - 110:
        when, where = rng.choice(("日", "夜", "晨")), rng.choice(("内", "外"))
        head = f"{scene}. {when}  {where}  {rng.choice(_PLACES)}"
        p.typed(x0, y, head, size + 1, cjk="china-ss", bold=True)
        y += size * 1.9
        cast = rng.sample(names, 2)
        p.typed(x0, y, "人物：" + "、".join(cast), size, cjk=cjk)
        y += size * 1.9
        for said in rng.sample(_LINES, rng.randint(3, 6)):
            if rng.random() < 0.3:
                y = p.prose(x0 + 2 * size, x1, y, rng.choice(_ACTIONS), size, indent=False,
                            cjk=cjk)
                continue
            y = p.prose(x0, x1, y, f"{rng.choice(cast)}：{said}", size,
                        indent=False, cjk=cjk)
            if y > PAGE_H - 110:
                break
        scene += 1
        y += size
    p.centred(PAGE_H - 40, f"- {rng.randint(2, 40)} -", 10)
    p.finish()
    return Drawn(doc)


_PROSE = ("那年秋天，父亲第一次带我去看汾河。", "河水不急，慢慢地向南流去，像一位不爱说话的老人。",
          "村口的老槐树据说已经有三百多年了，树下常常坐着几位晒太阳的老人。",
          "母亲总说，日子是一天一天过出来的，急不得。",
          "太行山的冬天来得早，十月底就下了第一场雪。",
          "街巷两旁是清一色的青砖灰瓦，门楼上的砖雕依稀可辨。",
          "我至今记得那碗刀削面的味道，面汤里漂着几片青菜叶。",
          "后来我去了省城读书，很少再回到那个小山村。",
          "煤矿关停以后，镇上的年轻人大多外出打工了。",
          "晚饭后，大家围坐在炕上，听爷爷讲过去的事情。", "春天到了，地里的麦苗一天一个样。",
          "那些年，他走遍了全县的每一个村子，记下了厚厚的几本笔记。")


def draw_book_page(rng: random.Random) -> Drawn:
    width, height = (PAGE_W, PAGE_H) if rng.random() < 0.5 else (148 * MM, 210 * MM)
    doc, page = _page(width, height)
    p = InkPainter(page, rng)
    margin = width * rng.uniform(0.12, 0.16)
    x0, x1 = margin, width - margin
    size = rng.uniform(9.5, 11.5) * width / PAGE_W + 2
    cjk = rng.choice(("china-s", "china-ss"))
    chapter = rng.choice(("故乡", "河流", "老街", "远行"))
    chapter = f"第{rng.choice('一二三四五六七八')}章  {chapter}"
    header = rng.choice((chapter, f"《{_title(rng, set())}》", "散文选"))
    p.centred(height * 0.06, header, size * 0.8, cjk=cjk)
    y = height * 0.1
    if rng.random() < 0.4:
        p.centred(y + size * 2, rng.choice(("河边的记忆", "故乡的槐树", "山里的冬天")), size * 1.5,
                  bold=True)
        y += size * 4
    while y < height * 0.86:
        text = "".join(rng.sample(_PROSE, rng.randint(2, 5)))
        y = p.prose(x0, x1, y + size, text, size, lead=rng.uniform(1.6, 1.9), cjk=cjk) - size
    number = rng.randint(3, 280)
    p.centred(height * 0.95, rng.choice((f"· {number} ·", str(number), f"— {number} —")),
              size * 0.8)
    p.finish()
    return Drawn(doc)


# --------------------------------------------------------------------------------------------
# 9. poster
# --------------------------------------------------------------------------------------------

_PALETTES = (((0.55, 0.05, 0.08), (1.0, 0.85, 0.3)), ((0.05, 0.12, 0.3), (1.0, 1.0, 1.0)),
             ((0.12, 0.12, 0.12), (0.95, 0.7, 0.2)), ((0.85, 0.55, 0.2), (0.2, 0.1, 0.05)))


def draw_poster(rng: random.Random) -> Drawn:
    doc, page = _page()
    p = InkPainter(page, rng)
    ground, ink = rng.choice(_PALETTES)
    page.draw_rect(page.rect, color=None, fill=ground)
    for _ in range(rng.randint(2, 5)):  # coloured blocks: the key visual, stripes
        x, y = rng.uniform(0, PAGE_W * 0.7), rng.uniform(PAGE_H * 0.25, PAGE_H * 0.7)
        shade = tuple(min(1.0, max(0.0, c + rng.uniform(-0.2, 0.35))) for c in ground)
        page.draw_rect(pymupdf.Rect(x, y, x + rng.uniform(80, 300), y + rng.uniform(40, 200)),
                       color=None, fill=shade, fill_opacity=0.8)
    title = _title(rng, set())
    size = min(88.0, (PAGE_W - 80) / len(title))
    p.centred(150, title, size, color=ink, bold=True, cjk="china-ss")
    p.centred(150 + size * 0.9, rng.choice(("一部关于坚守与希望的电影", "平凡人的不平凡",
                                            "致敬每一位追光者", "献给家乡的一封情书")),
              16, color=ink)
    y = PAGE_H - 230
    page.draw_rect(pymupdf.Rect(0, y - 30, PAGE_W, PAGE_H), color=None, fill=(0, 0, 0),
                   fill_opacity=0.35)
    place = rng.choice(("山西", rng.choice(CITIES).name))
    studio = f"{place}{rng.choice(_BRANDS)}影视文化传媒有限公司"
    credits = (f"导演：{person(rng)}    编剧：{person(rng)}",
               f"主演：{person(rng)}  {person(rng)}  {person(rng)}",
               f"出品：{studio}", f"联合出品：{office(rng)}")
    for line in credits:
        p.centred(y, line, 13, color=(1, 1, 1))
        y += 24
    when = some_day(rng, 2019)
    p.centred(y + 20, f"{when.month}月{when.day}日 {when.hour:02d}:30  "
                      f"{rng.choice(CITIES).name}市"
                      f"{rng.choice(('青年宫演艺中心', '万达影城', '大剧院', '文化馆'))}",
              18, color=ink, bold=True)
    p.centred(y + 50, rng.choice(("首映礼", "全国公映", "公益放映", "敬请期待")), 22, color=ink,
              bold=True)
    p.finish()
    return Drawn(doc)


# --------------------------------------------------------------------------------------------
# 10. ID card or work pass, copied onto a page
# --------------------------------------------------------------------------------------------


def _photo_box(page: pymupdf.Page, rect: pymupdf.Rect) -> None:
    page.draw_rect(rect, color=None, fill=(0.85, 0.85, 0.87))
    head = pymupdf.Point((rect.x0 + rect.x1) / 2, rect.y0 + rect.height * 0.4)
    page.draw_circle(head, rect.width * 0.22, color=None, fill=(0.35, 0.35, 0.38))
    shoulders = pymupdf.Rect(rect.x0 + rect.width * 0.1, rect.y0 + rect.height * 0.66,
                             rect.x1 - rect.width * 0.1, rect.y1 + rect.height * 0.3)
    shape = page.new_shape()
    shape.draw_oval(shoulders)
    shape.finish(color=None, fill=(0.3, 0.3, 0.33))
    shape.commit()
    page.draw_rect(pymupdf.Rect(rect.x0 - 1, rect.y1, rect.x1 + 1, shoulders.y1 + 1),
                   color=None, fill=(0.93, 0.95, 0.97))


def draw_id_card(rng: random.Random) -> Drawn:
    doc, page = _page()
    grey = rng.random() < 0.5
    if grey:
        page.draw_rect(page.rect, color=None, fill=(0.82,) * 3)
    p = InkPainter(page, rng)
    w, h = 85.6 * MM * rng.uniform(1.0, 1.3), 54 * MM
    h *= w / (85.6 * MM)
    x = rng.uniform(50, PAGE_W - w - 50)
    y = rng.uniform(70, 140)
    values = _person_values(rng)
    city = _city(rng)
    work_pass = rng.random() < 0.3
    card = pymupdf.Rect(x, y, x + w, y + h)
    page.draw_rect(card, color=(0.5, 0.5, 0.5), fill=(0.93, 0.95, 0.97), width=0.6, radius=0.05)
    s = h / 16
    if work_pass:
        unit = values["工作单位"]
        p.put(pymupdf.Rect(x, y + s * 0.6, x + w, y + s * 3), unit, s * 1.1, bold=True)
        p.put(pymupdf.Rect(x, y + s * 3, x + w, y + s * 5.5), "工  作  证", s * 1.5, bold=True,
              color=(0.6, 0.1, 0.1))
        rows = (("姓名", values["姓名"]), ("单位", unit), ("职务", values["职务"]),
                ("编号", f"{rng.randint(1, 9999):04d}"), ("发证日期", plain_date(some_day(rng))))
        top = y + s * 7
    else:
        born = values["身份证号"][6:14]
        rows = (("姓名", values["姓名"]),
                ("性别", f"{values['性别']}      民族  {values['民族']}"),
                ("出生", f"{born[:4]} 年 {int(born[4:6])} 月 {int(born[6:])} 日"),
                ("住址", street_address(rng, city)))
        top = y + s * 1.8
    for label, value in rows:
        end = p.typed(x + s, top, label, s * 0.85, color=(0.25, 0.35, 0.55))
        lines = wrap(value, w * 0.62 - (end - x), lambda t: p.typed_width(t, s))
        for line in lines[:2]:
            p.typed(end + s * 0.6, top, line, s)
            top += s * 1.5
        top += s * 0.5
    if not work_pass:
        p.typed(x + s, y + h - s * 1.2, "公民身份号码", s * 0.85, color=(0.25, 0.35, 0.55))
        p.typed(x + s * 7.5, y + h - s * 1.2, values["身份证号"], s * 1.05, cjk="china-s")
    _photo_box(page, pymupdf.Rect(x + w * 0.66, y + h * 0.14, x + w * 0.93, y + h * 0.7))
    if not work_pass:  # the back, below
        back = pymupdf.Rect(x, y + h + rng.uniform(30, 90), x + w, y + 2 * h + 60)
        back.y1 = back.y0 + h
        page.draw_rect(back, color=(0.5, 0.5, 0.5), fill=(0.93, 0.95, 0.97), width=0.6,
                       radius=0.05)
        p.put(pymupdf.Rect(back.x0, back.y0 + s * 3, back.x1, back.y0 + s * 6), "中华人民共和国",
              s * 1.6, bold=True)
        p.put(pymupdf.Rect(back.x0, back.y0 + s * 6, back.x1, back.y0 + s * 9.5), "居民身份证",
              s * 2.2, bold=True)
        issued = some_day(rng, 2012, 2022)
        end = p.typed(back.x0 + w * 0.22, back.y1 - s * 3.2, "签发机关", s * 0.85)
        police = f"{city.name}市公安局{rng.choice(city.districts)}分局"
        p.typed(end + s, back.y1 - s * 3.2, police, s)
        end = p.typed(back.x0 + w * 0.22, back.y1 - s * 1.6, "有效期限", s * 0.85)
        p.typed(end + s, back.y1 - s * 1.6,
                f"{issued:%Y.%m.%d}-{issued.year + rng.choice((10, 20))}.{issued:%m.%d}", s)
        y = back.y1
    else:
        y = y + h
    if rng.random() < 0.6:  # what people write across a copy they hand over
        note = f"此复印件仅供{rng.choice(('办理报名手续', '申领补贴', '办理入职'))}使用，再复印无效"
        p.hand(x, y + 50, note, 13)
        p.signature(x + w * 0.5, y + 90, values["姓名"])
    p.finish()
    return Drawn(doc)


# --------------------------------------------------------------------------------------------
# 11. statistics or price table
# --------------------------------------------------------------------------------------------

_PRICE_ITEMS = (("A4复印纸", "70g/500张", "包", 26.5), ("中性笔", "0.5mm黑", "盒", 18.0),
                ("文件夹", "A4蓝色", "个", 6.8), ("订书机", "12号", "个", 22.0),
                ("档案盒", "5cm", "个", 4.5), ("硒鼓", "HP 88A", "个", 268.0),
                ("U盘", "32G", "个", 45.0), ("笔记本", "B5", "本", 8.0),
                ("投影仪租赁", "", "天", 300.0), ("横幅制作", "10m", "条", 120.0))


def draw_table(rng: random.Random) -> Drawn:
    doc, page = _page()
    p = InkPainter(page, rng)
    city = _city(rng)
    x0, x1 = rng.uniform(44, 64), PAGE_W - rng.uniform(44, 64)
    size = rng.uniform(10, 11.5)
    year = rng.randint(2017, 2024)
    statistics = rng.random() < 0.6
    if statistics:
        title = rng.choice((f"{year}年上半年各县区活动统计表",
                            f"{year}年度各单位经费使用情况统计表",
                            f"{year}年全市文化惠民演出场次统计表"))
        heads = ("序号", "单位", "活动场次", "参与人数", "金额（万元）", "备注")
        shares = (0.08, 0.32, 0.13, 0.14, 0.15, 0.18)
        units = [f"{city.name}市{d}" for d in city.districts] + [
            f"{c.name}市{rng.choice(c.districts)}" for c in rng.sample(CITIES, 8)]
        rows = []
        for k, unit in enumerate(units[:rng.randint(7, 12)]):
            rows.append((str(k + 1), unit, str(rng.randint(3, 60)), str(rng.randint(100, 9000)),
                         f"{rng.uniform(0.5, 80):.2f}", rng.choice(("", "", "含线上", "待核实"))))
        totals = ("", "合计", str(sum(int(r[2]) for r in rows)), str(sum(int(r[3]) for r in rows)),
                  f"{sum(float(r[4]) for r in rows):.2f}", "")
    else:
        title = rng.choice(("办公用品采购价格表", f"{year}年会务物资询价单", "宣传品制作报价单"))
        heads = ("序号", "品名", "规格", "单位", "数量", "单价", "金额", "备注")
        shares = (0.07, 0.2, 0.15, 0.08, 0.09, 0.12, 0.14, 0.15)
        rows = []
        for k, (name, spec, unit, price) in enumerate(rng.sample(_PRICE_ITEMS, rng.randint(5, 10))):
            qty = rng.choice((1, 2, 5, 10, 20, 50))
            rows.append((str(k + 1), name, spec, unit, str(qty), f"{price:.2f}",
                         f"{price * qty:.2f}", ""))
        totals = ("", "合计", "", "", "", "", f"{sum(float(r[6]) for r in rows):.2f}", "")
    y = rng.uniform(70, 100)
    p.centred(y, title, rng.uniform(16, 19), x0=x0, x1=x1, bold=True)
    y += 34
    who = office(rng, city)
    p.typed(x0, y, f"填报单位：{who}", size)
    unit_note = "单位：元"
    if statistics:
        unit_note = f"填报日期：{written_date(rng, some_day(rng, year, year))}"
    p.typed(x1 - p.typed_width(unit_note, size), y, unit_note, size)
    y += 10
    widths = [(x1 - x0) * s for s in shares]
    row_h = rng.uniform(22, 28)
    for cell, head in zip(grid(p, x0, y, widths, row_h * 1.2), heads):
        p.put(cell, head, size, bold=True)
    y += row_h * 1.2
    for row in [*rows, totals]:
        for k, (cell, value) in enumerate(zip(grid(p, x0, y, widths, row_h), row)):
            p.put(cell, value, size, "c" if k in (0, 3) or not statistics and k == 3 else
                  ("l" if k in (1, 2) else "r"))
        y += row_h
    y += 30
    for k, label in enumerate(("制表人：", "审核人：", "联系电话：")):
        value = landline(rng, city) if k == 2 else person(rng)
        p.typed(x0 + k * (x1 - x0) / 3, y, label + value, size)
    p.finish()
    return Drawn(doc)


# --------------------------------------------------------------------------------------------
# 12. bank slip
# --------------------------------------------------------------------------------------------

_PURPOSES = ("货款", "劳务费", "会议费", "工程款", "往来款", "报销款", "培训费", "稿费")


def draw_bank_slip(rng: random.Random) -> Drawn:
    width, height = 210 * MM, rng.uniform(95, 120) * MM
    doc, page = _page(width, height)
    red = rng.choice(INVOICE_RED)
    p = InkPainter(page, rng, red)
    city = _city(rng)
    bank = rng.choice(_BANKS)
    x0, x1 = 12 * MM, width - 12 * MM
    electronic = rng.random() < 0.5
    slip = rng.choice(("电汇凭证（回单）", "业务回单", "转账凭证"))
    title = f"{bank}  {'网上银行电子回单' if electronic else slip}"
    p.centred(14 * MM, title, 15, bold=True)
    when = some_day(rng)
    stamp_text = f"{bank}{city.name}分行" if not electronic else f"{bank}电子回单专用章"
    amount = round(rng.uniform(100, 200000), 2)
    payer = (office(rng, city) if rng.random() < 0.5 else company(rng, city), bank_account(rng),
             f"{bank}{city.name}{rng.choice(_STREETS)}支行")
    payee = (company(rng) if rng.random() < 0.6 else person(rng), bank_account(rng),
             f"{rng.choice(_BANKS)}{_city(rng).name}分行营业部")
    size = 9.5
    y = 20 * MM
    p.typed(x0, y, ("交易时间：" if electronic else "委托日期：")
            + (written_date(rng, when) if electronic else plain_date(when)), size)
    p.typed(x1 - 50 * MM, y, f"流水号：{rng.randint(10 ** 11, 10 ** 12 - 1)}", size,
            color=BLACK)
    y += 3 * MM
    half = (x1 - x0) / 2
    line_h = 7 * MM
    for side, (who, label) in enumerate(((payer, "付款人"), (payee, "收款人"))):
        left = x0 + side * half
        band = pymupdf.Rect(left, y, left + 7 * MM, y + 3 * line_h)
        p.box(band)
        p.vertical(band, label, size)
        for k, (head, value) in enumerate(zip(("户名", "账号", "开户行"), who)):
            cells = grid(p, band.x1, y + k * line_h, [14 * MM, half - 21 * MM], line_h)
            p.put(cells[0], head, size)
            p.put(cells[1], value, size, "l", color=BLACK)
    y += 3 * line_h
    cells = grid(p, x0, y, [28 * MM, x1 - x0 - 28 * MM], line_h)
    p.put(cells[0], "金额（大写）", size)
    p.put(cells[1], f"人民币{rmb_upper(amount)}", size, "l", color=BLACK)
    y += line_h
    cells = grid(p, x0, y, [28 * MM, half - 28 * MM, 28 * MM, half - 28 * MM], line_h)
    p.put(cells[0], "金额（小写）", size)
    p.put(cells[1], f"¥{amount:,.2f}", size, "l", color=BLACK)
    p.put(cells[2], "用途", size)
    p.put(cells[3], rng.choice(_PURPOSES), size, "l", color=BLACK)
    y += line_h
    cells = grid(p, x0, y, [28 * MM, x1 - x0 - 28 * MM], line_h * 1.6)
    p.put(cells[0], "附言", size)
    p.put(cells[1], rng.choice(("", f"{when.year}年{when.month}月份", "请及时入账")), size, "l",
          color=BLACK)
    y += line_h * 1.6 + 6 * MM
    p.typed(x0, y, f"经办：{person(rng)}    复核：{person(rng)}    "
                   f"打印日期：{when:%Y-%m-%d}", size)
    p.finish()
    at = pymupdf.Point(x1 - 28 * MM + rng.uniform(-10, 10), height - 24 * MM + rng.uniform(-8, 8))
    return Drawn(doc, [SealMark(stamp_text, at)], photo_ok=False)


# --------------------------------------------------------------------------------------------
# Scanning, writing, the truth
# --------------------------------------------------------------------------------------------

DRAWERS: dict[str, Callable[[random.Random], Drawn]] = {
    "invoice": draw_invoice,
    "receipt": draw_receipt,
    "other_form": draw_other_form,
    "blank_form": lambda rng: draw_other_form(rng, filled=False),
    "notice": draw_notice,
    "cover_letter": draw_cover_letter_any,
    "script_page": draw_script_page,
    "book_page": draw_book_page,
    "poster": draw_poster,
    "id_card": draw_id_card,
    "table": draw_table,
    "bank_slip": draw_bank_slip,
}


@dataclass
class Stranger:
    """One stranger: its file's name and bytes, what it printed, its truth."""

    file: str
    data: bytes
    kind: str
    text: str  # every piece of vector text drawn on the page (seals aside)
    unit: str | None

    def truth(self) -> dict:
        return {"file": self.file, "page": 1, "kind": self.kind,
                "cover_letter": self.kind == "cover_letter", "unit": self.unit}


def _seal_raster(mark: SealMark, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    if mark.number is not None:
        return oval_seal_image(mark.text, mark.number, rng, nrng)
    return seal_image(mark.text, rng, nrng)


def _scanned(drawn: Drawn, rng: random.Random) -> tuple[np.ndarray, bool]:
    """Rasterize, stamp the seals, scan or photograph, and bring to 150-200 dpi."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    page = drawn.doc[0]
    img = rasterize(page)
    for mark in drawn.seals:
        stamp(img, _seal_raster(mark, rng, nrng),
              (int(mark.at.x * PX_PER_PT), int(mark.at.y * PX_PER_PT)))
    photo = drawn.photo_ok and rng.random() < 0.25
    img, _ = photograph(img, rng, nrng) if photo else scan(img, rng, nrng)
    scale = rng.uniform(150, DPI) / DPI
    img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return img, photo


def _png(img: np.ndarray) -> bytes:
    """A lossless file kept small: grey, and near-white paper turned white (as scanner
    drivers' "background removal" does), so the noise does not fill the file."""
    grey = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    grey = grey.copy()
    grey[grey > 200] = 255
    grey = (grey // 8) * 8  # 32 levels
    return encode(grey, ".png")


def _encoded(img: np.ndarray, ext: str, quality: int) -> bytes:
    """The image as a JPEG or PNG under ``MAX_BYTES``: scanned again smaller if need be (a
    phone photo or a dark poster is mostly noise to a lossless coder)."""
    while True:
        data = _png(img) if ext == ".png" else encode(img, ".jpg", quality)
        if len(data) <= MAX_BYTES or min(img.shape[:2]) < 600:
            return data
        img = cv2.resize(img, None, fx=0.85, fy=0.85, interpolation=cv2.INTER_AREA)
        quality = max(40, quality - 8)


def _file_bytes(img: np.ndarray, ext: str, rng: random.Random, width_pt: float,
                height_pt: float) -> bytes:
    quality = rng.randint(50, 82)
    if ext != ".pdf":
        return _encoded(img, ext, quality)
    jpeg = _encoded(img, ".jpg", quality)
    h, w = img.shape[:2]
    if (w > h) != (width_pt > height_pt):  # a phone photo keeps its own shape
        width_pt, height_pt = height_pt, width_pt
    doc = pymupdf.open()
    page = doc.new_page(width=width_pt, height=width_pt * h / w)
    page.insert_image(page.rect, stream=jpeg)
    return pdf_bytes(doc, "Sheet-feeder scan")


def draw_strangers(seed: int = 7, per_kind: int = 2) -> list[Stranger]:
    """Every kind, ``per_kind`` pages each, scanned and encoded (nothing written)."""
    out = []
    for kind, drawer in DRAWERS.items():
        for n in range(1, per_kind + 1):
            rng = random.Random(f"{seed}-{kind}-{n}")
            drawn = drawer(rng)
            text = drawn.doc[0].get_text()
            rect = drawn.doc[0].rect
            img, _ = _scanned(drawn, rng)
            drawn.doc.close()
            ext = rng.choice(_EXTENSIONS)
            name = f"stranger_{kind}_{n:02d}{ext}"
            out.append(Stranger(name, _file_bytes(img, ext, rng, rect.width, rect.height), kind,
                                text, drawn.unit))
    return out


def generate_strangers(out_dir: Path, seed: int = 7, per_kind: int = 2) -> list[dict]:
    """Write the strangers into ``out_dir`` with ``strangers-truth.jsonl``; return its rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for stranger in draw_strangers(seed, per_kind):
        (out_dir / stranger.file).write_bytes(stranger.data)
        rows.append(stranger.truth())
    (out_dir / "strangers-truth.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m samples.generate.strangers",
        description="Write pages that are not contest forms (strangers-truth.jsonl).")
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--per-kind", type=int, default=2, help="pages per kind (default 2)")
    args = parser.parse_args(argv)
    rows = generate_strangers(args.out, args.seed, args.per_kind)
    print(f"{len(rows)} strangers in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
