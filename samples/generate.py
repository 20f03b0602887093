"""Generate realistic scanned contest forms with known truth.

The generator draws the three paper forms of SPEC.md (sections 1-3) with PyMuPDF, fills them
with typed or handwriting-like values, stamps a red unit seal on the page raster and "scans"
the page with OpenCV (skew, 180 degree turns, blur, noise, JPEG artefacts, grey scans, phone
photos). It writes the pile a scan room produces -- envelope PDFs, loose JPG/PNG files, a
multi-page TIFF, phone photos, a PDF with a real text layer, a scanned PDF with a poor hidden
OCR layer, a duplicated page and, optionally, bad inputs -- plus ``truth.jsonl``::

    from samples.generate import generate
    rows = generate(Path("out"), seed=7, n_forms=36)

    python -m samples.generate --out OUT --seed 7 --forms 36

The same seed gives byte-identical files: every choice comes from the seed, and no timestamp
or random document id is written. With ``n_forms >= 12`` every file type appears.

``truth.jsonl`` holds one JSON object per page of every input file and one per bad file:

``path``          file name relative to the output folder
``page``          1-based page within the file; null for a file that cannot be read
``kind``          ``form`` | ``blank`` | ``not_form`` | ``bad_file``
``form_type``     ``proposal_registration`` | ``work_registration`` | ``work_authorization``
                  (null unless kind is form)
``fields``        every key of the form type, normalised as SPEC section 4 asks (phone digits
                  only or ``0351-1234567``, ISO date, whitespace removed); null = left empty
``signature``     a signature is present (null unless kind is form)
``seal``          a seal is present (null unless kind is form)
``seal_unit``     the official unit name printed on the seal, null without seal. It can differ
                  from ``fields.unit`` in spelling only (``晋中市委宣传部`` written, the seal
                  reads ``中共晋中市委宣传部``) or, on purpose, be another unit's seal
``date_present``  the date line was filled in (then ``fields.date`` is set)
``handwritten``   field keys written by hand, in form order
``layout``        ``{variant: table|colon|null, flipped, skew, photo, grey}``; ``skew`` is the
                  counter-clockwise rotation in degrees applied before any 180 degree turn
                  (OpenCV sign convention), for photos the angle of the page's top edge;
                  null for bad files
``route``         ``ocr`` | ``text-layer`` | ``none`` (file cannot be read)
``duplicate_of``  ``{path, page}`` of the first occurrence (sorted by path, then page) of a
                  byte-identical page image, else null
``expect``        the manifest status formscan should report: ``ok`` | ``duplicate`` |
                  ``failed`` (bad files) | ``skipped`` (blank and not-a-form pages)

The emailed side (SPEC section 1) of the same batch is written with ``email_dir``::

    generate(Path("paper"), seed=7, n_forms=36, email_dir=Path("email"))

    python -m samples.generate --out paper --seed 7 --forms 36 --email-out email

Every email-side choice comes from ``random.Random(f"{seed}-email")``, so the paper output is
byte-identical with or without it. Each work (registration and authorization together, now
and then one message per form) or proposal goes as ``mail_NNN.eml`` from the unit's mailbox to
``sxwdy2023@163.com``: Chinese subject and attachment names (RFC 2047 / 2231), mostly .docx
(title, label | value table, clauses, no signature or seal), some PDFs exported from Word (text
layer) and a few .xlsx (label in column A, value in column B). On purpose: about 8% of the
works (at least one) are not emailed (paper_only), ``round(n_forms / 12)`` works exist only by
email (email_only), about 15% of the emailed paper forms differ from the paper in one field
(phone, contact, title, address, duration or work_type), the emailed copy carries the paper's
date or none; two attachments have hostile names (``../../etc/...docx``, ``/tmp/...docx``),
one message brings a cover letter, one a legacy ``.doc`` (OLE header and junk), one message
has no attachment, the last 2-3 messages (by date) sit in ``inbox_export.mbox`` and one
.docx lies loose in the folder. Same seed, same bytes: zip entries and Office core
properties carry fixed dates, Message-IDs, MIME boundaries and Date headers come from the
seed.

``email_truth.jsonl`` holds one JSON object per attachment (and one per message without):

``message``       ``mail_NNN.eml``, ``inbox_export.mbox#K`` (K-th message in the file,
                  1-based) or, for the loose file, its own name
``attachment``    the file name exactly as set in the message (null for a message without
                  attachment; the loose file's own name)
``kind``          ``form`` | ``unreadable`` (the .doc) | ``other`` (cover letter) |
                  ``no_attachment``
``form_type``     as in ``truth.jsonl``; null unless kind is form
``fields``        every key of the form type, normalised as in ``truth.jsonl``; {} unless form
``paper``         ``{path, page}`` of the same form in ``truth.jsonl`` (its first, non-duplicate
                  page), null for email-only forms and non-forms
``changed``       keys whose value deliberately differs from the paper; a date left out of the
                  emailed copy (fields.date null, paper dated) is not listed. Every other key
                  equals the paper truth
``format``        ``docx`` | ``pdf`` | ``xlsx`` | ``doc``; null without attachment
"""

from __future__ import annotations

import argparse
import email.policy
import hashlib
import io
import itertools
import json
import math
import random
import re
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import cv2
import docx
import numpy as np
import openpyxl
import pymupdf

# --------------------------------------------------------------------------------------------
# Paper, fonts, inks
# --------------------------------------------------------------------------------------------

DPI = 200
PX_PER_PT = DPI / 72
PAGE_W, PAGE_H = pymupdf.paper_size("a4")
BOTTOM_MARGIN = 38.0

Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)
SEAL_RED: Color = (0.86, 0.1, 0.13)

TYPED_CJK = "china-s"  # values typed in Word
HAND_CJK = "china-ss"  # the base glyphs of handwriting
LATIN_FOR = {"china-s": "helv", "china-ss": "tiro"}  # CJK fonts set digits 1 em wide
HAND_ADVANCE_CJK = 0.98  # advance of a handwritten glyph, in font sizes
HAND_ADVANCE_ASCII = 0.6
PDF_DATE = "D:20231008090000+08'00'"  # fixed, so that files are reproducible

# --------------------------------------------------------------------------------------------
# The forms (SPEC.md sections 2 and 3)
# --------------------------------------------------------------------------------------------

PROPOSAL = "proposal_registration"
WORK_REG = "work_registration"
WORK_AUTH = "work_authorization"

FIELDS: dict[str, tuple[str, ...]] = {
    PROPOSAL: ("title", "address", "contact", "phone", "unit", "synopsis", "date"),
    WORK_REG: (
        "title", "work_type", "duration", "unit", "creators",
        "contact", "phone", "address", "synopsis", "date",
    ),
    WORK_AUTH: ("title", "author", "unit", "contact", "phone", "date"),
}
DEADLINES = {
    PROPOSAL: date(2023, 5, 15),
    WORK_REG: date(2023, 9, 20),
    WORK_AUTH: date(2023, 9, 20),
}

CONTEST = "第六届山西省社会主义核心价值观主题微电影（微视频）征集展示活动"
FORM_TITLES = {
    PROPOSAL: ("社会主义核心价值观主题微电影", "重点作品创作文案登记表"),
    WORK_REG: ("作品登记表",),
    WORK_AUTH: ("作品授权书",),
}
_UNIT_LABELS = ("报送单位（盖章）", "报送单位(盖章)", "报送单位")
_CONTACT_LABELS = ("联系人", "联 系 人")
_PHONE_LABELS = ("电话", "联系电话")
_ADDRESS_LABELS = ("地址", "通讯地址")
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    PROPOSAL: {
        "title": ("文案名称", "创作文案名称"),
        "address": _ADDRESS_LABELS,
        "contact": _CONTACT_LABELS,
        "phone": _PHONE_LABELS,
        "unit": _UNIT_LABELS,
        "synopsis": ("文案简介（500字）", "文案简介"),
    },
    WORK_REG: {
        "title": ("作品名称",),
        "work_type": ("作品类型", "作品类别"),
        "duration": ("片长", "作品时长"),
        "unit": _UNIT_LABELS,
        "creators": ("主创人员",),
        "contact": _CONTACT_LABELS,
        "phone": _PHONE_LABELS,
        "address": _ADDRESS_LABELS,
        "synopsis": ("作品简介（500字）", "作品简介"),
    },
    WORK_AUTH: {
        "title": ("作品名称",),
        "author": ("授权人", "著作权人"),
        "unit": _UNIT_LABELS,
        "contact": _CONTACT_LABELS,
        "phone": _PHONE_LABELS,
    },
}
SIGN_LABELS = {PROPOSAL: ("签名", "签字"), WORK_REG: ("签名", "签字"), WORK_AUTH: ("授权人签名",)}
PAIRABLE = (frozenset(("contact", "phone")), frozenset(("work_type", "duration")))

CONSENT_HEADING = "相关协议，签名同意"
CLAUSES = (
    "报送作品不能含有色情、暴力因素，不能与中华人民共和国法律相抵触。",
    "创作单位、个人是参评作品的合法拥有者，具有著作版权，并承担相应的法律责任。",
    "报送作品版权和著作权由作者享有；对于所有入选作品，组委会有权无偿在媒体上展示，"
    "或用于与艺术教育相关活动。",
    "主办单位及活动组委会保留对本次活动的最终解释权。",
)
NUMBERINGS = ("{}.", "{}．", "{}、", "")

# --------------------------------------------------------------------------------------------
# Vocabulary for plausible values
# --------------------------------------------------------------------------------------------

_CITIES = (  # city, telephone area code, districts
    ("太原", "0351", ("小店区", "迎泽区", "杏花岭区", "万柏林区")),
    ("大同", "0352", ("平城区", "云冈区")),
    ("阳泉", "0353", ("城区", "郊区")),
    ("长治", "0355", ("潞州区", "上党区")),
    ("晋城", "0356", ("城区", "泽州县")),
    ("朔州", "0349", ("朔城区", "平鲁区")),
    ("晋中", "0354", ("榆次区", "太谷区")),
    ("运城", "0359", ("盐湖区", "永济市")),
    ("忻州", "0350", ("忻府区", "原平市")),
    ("临汾", "0357", ("尧都区", "洪洞县")),
    ("吕梁", "0358", ("离石区", "孝义市")),
)
_PROVINCIAL_UNITS = ("省直机关工委", "省委教育工委", "省国资委党委", "省委军民融合办宣传部")
_STREETS = (
    "长治路", "府西街", "迎泽大街", "新建路", "体育路", "滨河东路", "学府街", "平阳路",
    "建设路", "解放路", "人民路", "文化街", "南内环街", "青年路", "五一路", "朝阳街",
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蒋蔡贾郝武"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文志慧鹏飞宇浩晓婷雪梅海波"
_WORK_TYPES = ("故事片", "纪录片", "专题片", "微视频", "动画片")
_TITLE_PLACES = (
    "太行", "汾河", "黄河", "吕梁", "晋中", "古城", "乡村", "山村", "社区", "矿区", "窑洞",
    "老街", "晋南", "雁门", "平遥",
)
_TITLE_THINGS = (
    "的守望", "故事", "之光", "人家", "初心", "的春天", "追光者", "小院", "的约定", "新路",
    "一家人", "烟火", "灯火", "课堂", "信使", "好人", "长歌",
)
_TITLE_ADJECTIVES = ("最美", "平凡", "温暖", "不灭", "永远", "坚守", "无声", "滚烫")
_TITLE_NOUNS = ("誓言", "守护", "背影", "约定", "答卷", "力量", "青春", "灯塔", "家书", "足迹")
_TITLES = (
    "大山里的课堂", "老兵的家书", "诚信小店", "一碗刀削面", "爷爷的老物件", "山里的路",
    "黄河岸边的灯火", "我的驻村日记", "小巷总理", "追梦人", "石头村的春天", "守井人",
    "剪纸奶奶", "煤城新生", "晋韵流长", "党员老王", "护林员的一天", "一封没寄出的信",
)
_JOBS = (
    "乡村教师", "驻村第一书记", "社区网格员", "退役军人", "快递小哥", "非遗传承人", "老党员",
    "乡村医生", "环卫工人", "大学生村官", "消防员", "护林员",
)
_DEEDS = (
    "坚守山村小学三十年", "带领乡亲们种植连翘脱贫致富", "义务照顾村里的孤寡老人",
    "守护黄河岸边的湿地", "把剪纸技艺传给年轻一代", "在疫情期间坚守岗位",
    "带着村民发展乡村旅游", "十年如一日照看留守儿童", "用镜头记录家乡的变化",
)
_SCENES = (
    "太行山深处的一个小村庄", "汾河岸边的老街", "一座正在转型的煤矿小镇", "城市里的老旧小区",
    "黄河边的古渡口", "吕梁山区的一所寄宿学校",
)
_VALUES = ("爱国", "敬业", "诚信", "友善", "文明", "和谐", "平等", "公正", "法治", "富强")
_SENTENCES = (
    "影片以{scene}为背景，讲述了{job}{hero}{deed}的故事。",
    "{hero}是{place}的一名{job}，{deed}，用平凡的坚守诠释了“{value}”的内涵。",
    "作品通过几个真实的生活片段，展现了新时代{place}人{value}向上的精神风貌。",
    "全片采用纪实手法，镜头语言朴实自然，情感真挚动人。",
    "作品以小切口反映大主题，把社会主义核心价值观融入日常生活的点滴之中。",
    "故事从一次意外的相遇开始，{hero}在困难面前没有退缩，最终赢得了乡亲们的信任。",
    "影片结尾，{place}的灯火次第亮起，寓意着美好生活正在到来。",
    "拍摄历时{months}个月，取景于{place}的多个乡镇和社区，演员大多是当地群众。",
    "片中穿插了大量{place}的风土人情，具有浓郁的地域特色。",
    "作品弘扬了{value}、{value2}的社会风尚，传递了积极向上的正能量。",
    "通过{hero}和家人之间的几次对话，作品展现了普通人对美好生活的追求。",
    "《{title}》用温暖的故事告诉观众：每一个平凡的人都可以成为身边的光。",
)
_PROPOSAL_OPENERS = (
    "本文案拟以{scene}为背景，讲述{job}{hero}{deed}的故事。",
    "本剧本以真实人物为原型，围绕{job}{hero}的经历展开。",
    "本片解说词以“{title}”为主线，分为三个篇章。",
)
_COVER_TITLE = "关于报送第六届山西省社会主义核心价值观主题微电影（微视频）作品的函"
_COVER_BODY = (
    "第六届山西省社会主义核心价值观主题微电影（微视频）征集展示活动组委会办公室：",
    "　　根据《关于组织开展第六届山西省社会主义核心价值观主题微电影（微视频）征集展示活动"
    "的通知》要求，我单位认真组织开展了作品征集和推荐工作。经初评，现将{works}部作品及"
    "{proposals}个重点作品创作文案报送你们，请审核。",
    "　　报送作品均为原创，我单位已对作品内容进行审核。作品登记表、作品授权书及存储作品的"
    "U盘随函寄送。",
    "　　联系人：{contact}，联系电话：{phone}。",
    "　　附件：1.作品登记表  2.作品授权书  3.重点作品创作文案登记表",
)
# Look-alikes a cheap OCR engine produces (SPEC section 3) and junk it sprinkles in.
_OCR_CONFUSIONS = {
    "山": "巍", "电": "屯", "重": "I", "区": "區", "号": "號", "军": "軍", "传": "傳",
    "8": "β", "5": "$", "0": "O", "1": "l", "日": "曰", "人": "入", "作": "怍", "品": "晶",
    "名": "各", "话": "活", "位": "住", "系": "糸", "期": "朗", "年": "午", "月": "用",
}
_OCR_JUNK = "丨丶亅'.,:;`~iIl|口囗一"


@dataclass(frozen=True)
class Unit:
    """A submitting unit."""

    name: str  # official name, as printed on its seal
    spellings: tuple[str, ...]  # how its staff write it on a form
    city: str
    area_code: str
    districts: tuple[str, ...]


def _make_units() -> tuple[Unit, ...]:
    cities = tuple(
        Unit(f"中共{city}市委宣传部", (f"中共{city}市委宣传部", f"{city}市委宣传部"),
             city, code, districts)
        for city, code, districts in _CITIES
    )
    _, taiyuan_code, taiyuan_districts = _CITIES[0]
    provincial = tuple(
        Unit(name, (name,), "太原", taiyuan_code, taiyuan_districts) for name in _PROVINCIAL_UNITS
    )
    return cities + provincial


UNITS = _make_units()

# --------------------------------------------------------------------------------------------
# Content: what is written on each form
# --------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One work or key-work proposal of a unit: the facts its forms share."""

    is_proposal: bool
    unit: Unit
    values: dict[str, str]  # field key -> text as written (dates excluded)
    signed_on: date


@dataclass
class FormContent:
    """What one printed form says, and who filled it in."""

    form_type: str
    written: dict[str, str | None]  # every non-date key; None = left blank or row absent
    handwritten: frozenset[str]  # keys written by pen, "date" included
    signer: str | None  # None = not signed
    signed_on: date | None  # None = date line left blank
    seal_unit: str | None  # None = no seal
    title_row: bool = True

    def truth_fields(self) -> dict[str, str | None]:
        """Every field of the form type, normalised as SPEC section 4 asks."""
        out: dict[str, str | None] = {}
        for key in FIELDS[self.form_type]:
            value = self.written.get(key)
            if key == "date":
                out[key] = self.signed_on.isoformat() if self.signed_on else None
            elif value is None:
                out[key] = None
            elif key == "phone":
                out[key] = normalise_phone(value)
            else:
                out[key] = re.sub(r"\s+", "", value)
        return out

    def handwritten_keys(self) -> list[str]:
        return [key for key in FIELDS[self.form_type] if key in self.handwritten]


def normalise_phone(text: str) -> str:
    """SPEC section 4: mobiles as 11 digits, landlines as ``0351-1234567``."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    return f"{digits[:4]}-{digits[4:]}"


def _person(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _phone(rng: random.Random, unit: Unit) -> str:
    if rng.random() < 0.65:
        number = rng.choice(("13", "15", "18")) + "".join(rng.choices("0123456789", k=9))
        if rng.random() < 0.15:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return number
    local = str(rng.randint(2, 8)) + "".join(rng.choices("0123456789", k=6))
    dash = "－" if rng.random() < 0.3 else "-"
    return f"{unit.area_code}{dash}{local}"


def _address(rng: random.Random, unit: Unit) -> str:
    street = rng.choice(_STREETS)
    number = rng.randint(1, 399)
    tail = f"{number}号" if rng.random() < 0.7 else f"{number}号{rng.randint(1, 12)}号楼"
    return f"山西省{unit.city}市{rng.choice(unit.districts)}{street}{tail}"


def _title(rng: random.Random, used: set[str]) -> str:
    """A film title not used yet in the batch (numbered once the vocabulary runs dry)."""
    for attempt in range(200):
        pattern = rng.random()
        if pattern < 0.4:
            title = rng.choice(_TITLE_PLACES) + rng.choice(_TITLE_THINGS)
        elif pattern < 0.65:
            title = f"{rng.choice(_TITLE_ADJECTIVES)}的{rng.choice(_TITLE_NOUNS)}"
        else:
            title = rng.choice(_TITLES)
        if attempt >= 100:
            title = f"{title[:8]}{len(used)}"
        if title not in used:
            used.add(title)
            return title
    raise RuntimeError("could not find an unused film title")


def _synopsis(rng: random.Random, title: str, unit: Unit, is_proposal: bool) -> str:
    """60-300 characters of prose about the film, whole sentences only."""
    slots = {
        "scene": rng.choice(_SCENES),
        "job": rng.choice(_JOBS),
        "hero": _person(rng),
        "deed": rng.choice(_DEEDS),
        "place": unit.city,
        "title": title,
        "months": rng.randint(2, 8),
    }
    value, value2 = rng.sample(_VALUES, 2)
    slots.update(value=value, value2=value2)
    sentences = list(_SENTENCES)
    rng.shuffle(sentences)
    if is_proposal:  # the opener sets the scene; do not set it twice
        sentences = [rng.choice(_PROPOSAL_OPENERS)] + [t for t in sentences if "{scene}" not in t]
    target = rng.randint(60, 300)
    text = ""
    for template in sentences:
        sentence = template.format(**slots)
        if len(text) >= target or len(text) + len(sentence) > 300:
            break
        text += sentence
    return text


def _duration(rng: random.Random) -> str:
    minutes = rng.randint(3, 25)
    if rng.random() < 0.5:
        return f"{minutes}分钟"
    return f"{minutes}分{rng.choice((10, 15, 20, 30, 40, 45, 50))}秒"


def _sign_date(rng: random.Random, form_type: str) -> date:
    deadline = DEADLINES[form_type]
    if rng.random() < 0.1:  # late
        return deadline + timedelta(days=rng.randint(1, 25))
    return deadline - timedelta(days=rng.randint(0, 45))


def _sample_entry(rng: random.Random, used_titles: set[str], is_proposal: bool) -> Entry:
    unit = rng.choice(UNITS)
    title = _title(rng, used_titles)
    values = {
        "title": title,
        "unit": unit.spellings[0] if rng.random() < 0.7 else rng.choice(unit.spellings),
        "contact": _person(rng),
        "phone": _phone(rng, unit),
        "address": _address(rng, unit),
        "synopsis": _synopsis(rng, title, unit, is_proposal),
    }
    if not is_proposal:
        creators = [_person(rng) for _ in range(rng.randint(2, 4))]
        values.update(
            work_type=rng.choice(_WORK_TYPES),
            duration=_duration(rng),
            creators="、".join(creators),
            author=creators[0],
        )
    form_type = PROPOSAL if is_proposal else WORK_REG
    return Entry(is_proposal, unit, values, _sign_date(rng, form_type))


def _fill_form(rng: random.Random, entry: Entry, form_type: str) -> FormContent:
    keys = [key for key in FIELDS[form_type] if key != "date"]
    written: dict[str, str | None] = {key: entry.values[key] for key in keys}
    title_row = not (form_type == PROPOSAL and rng.random() < 0.2)
    if not title_row:
        written["title"] = None
    if rng.random() < 0.05:
        written[rng.choice([key for key in keys if key != "title"])] = None
    filled = [key for key in keys if written[key] is not None]
    if rng.random() < 0.35:  # filled in by hand; a long synopsis usually stays typed
        hand = {key for key in filled if key != "synopsis" or rng.random() < 0.3}
    elif rng.random() < 0.12:  # typed form, a name or number added by pen
        by_pen = [key for key in filled if key in ("contact", "phone")]
        hand = {rng.choice(by_pen)} if by_pen else set()
    else:
        hand = set()
    signed_on = entry.signed_on if rng.random() < 0.9 else None
    if signed_on:
        hand.add("date")  # dated by hand next to the signature
    if rng.random() < 0.88:
        seal_unit: str | None = entry.unit.name
        if rng.random() < 0.05:
            seal_unit = rng.choice([u.name for u in UNITS if u is not entry.unit])
    else:
        seal_unit = None
    signer_key = "author" if form_type == WORK_AUTH else "contact"
    return FormContent(
        form_type=form_type,
        written=written,
        handwritten=frozenset(hand),
        signer=entry.values[signer_key] if rng.random() < 0.85 else None,
        signed_on=signed_on,
        seal_unit=seal_unit,
        title_row=title_row,
    )


def sample_forms(rng: random.Random, n_forms: int) -> list[FormContent]:
    """A batch of forms: works (registration + authorization) and proposals."""
    forms: list[FormContent] = []
    used_titles: set[str] = set()
    while len(forms) < n_forms:
        # A proposal and a complete work come first, so that even a small batch holds all
        # three form types.
        is_proposal = not forms or (len(forms) > 1 and rng.random() < 0.35)
        entry = _sample_entry(rng, used_titles, is_proposal)
        if entry.is_proposal:
            types: tuple[str, ...] = (PROPOSAL,)
        elif len(forms) == 1:
            types = (WORK_REG, WORK_AUTH)
        else:
            types = rng.choices(((WORK_REG, WORK_AUTH), (WORK_REG,), (WORK_AUTH,)), (18, 1, 1))[0]
        for form_type in types:
            if len(forms) < n_forms:
                forms.append(_fill_form(rng, entry, form_type))
    return forms


# --------------------------------------------------------------------------------------------
# Drawing: text, handwriting, rules
# --------------------------------------------------------------------------------------------

Anchors = dict[str, pymupdf.Rect]  # where things landed: unit cell, signature, date line


@dataclass(frozen=True)
class Style:
    """Visual choices of one printing of a form and of the pen that filled it in."""

    label_font: str
    title_size: float
    title_bold: bool
    title_prefix: bool
    title_wrapped: bool
    attachment: str | None
    label_size: float
    value_size: float
    hand_size: float
    rule_width: float
    row_h: float
    margin: float
    top: float
    label_w: float
    split: float  # share of the value width given to the first pair of a two-pair row
    center_labels: bool
    center_values: bool
    leading: float
    numbering: str
    hanging_indent: bool
    center_heading: bool
    consent_in_table: bool
    synopsis_stacked: bool
    vertical_label: bool
    first_line_indent: bool
    sign_same_line: bool
    year_printed: bool
    underline_values: bool
    ink: Color
    pen: float  # stroke width of handwriting, relative to the font size
    slant: float

    def compacted(self, level: int) -> Style:
        """A tighter version of the style, for forms that do not fit the page."""
        if level == 0:
            return self
        shrink = 0.88**level
        return replace(
            self,
            row_h=max(21.0, self.row_h * shrink),
            top=max(30.0, self.top * shrink),
            title_size=max(14.0, self.title_size - level),
            label_size=max(9.0, self.label_size - 0.5 * level),
            value_size=max(9.0, self.value_size - 0.5 * level),
            hand_size=max(10.0, self.hand_size - level),
            leading=max(1.25, self.leading - 0.1 * level),
            attachment=None,
        )


def pick_style(rng: random.Random) -> Style:
    blue = rng.random() < 0.65
    ink: Color = (
        (rng.uniform(0.03, 0.12), rng.uniform(0.12, 0.25), rng.uniform(0.5, 0.72))
        if blue
        else (rng.uniform(0.05, 0.15),) * 3
    )
    return Style(
        label_font=rng.choice(("china-s", "china-ss")),
        title_size=rng.uniform(16, 21),
        title_bold=rng.random() < 0.6,
        title_prefix=rng.random() < 0.35,
        title_wrapped=rng.random() < 0.4,
        attachment=rng.choice((None, None, "附件1", "附件2", "附件3", "附件")),
        label_size=rng.uniform(10.5, 12.5),
        value_size=rng.uniform(10.5, 12),
        hand_size=rng.uniform(12, 15),
        rule_width=rng.uniform(0.8, 1.2),
        row_h=rng.uniform(26, 36),
        margin=rng.uniform(48, 78),
        top=rng.uniform(45, 80),
        label_w=rng.uniform(72, 112),
        split=rng.uniform(0.42, 0.6),
        center_labels=rng.random() < 0.75,
        center_values=rng.random() < 0.25,
        leading=rng.uniform(1.4, 1.8),
        numbering=rng.choice(NUMBERINGS),
        hanging_indent=rng.random() < 0.5,
        center_heading=rng.random() < 0.5,
        consent_in_table=rng.random() < 0.5,
        synopsis_stacked=rng.random() < 0.5,
        vertical_label=rng.random() < 0.3,
        first_line_indent=rng.random() < 0.5,
        sign_same_line=rng.random() < 0.35,
        year_printed=rng.random() < 0.2,
        underline_values=rng.random() < 0.6,
        ink=ink,
        pen=rng.uniform(0.0, 0.035),
        slant=rng.uniform(-0.05, 0.3),
    )


def _runs(text: str) -> Iterable[tuple[str, bool]]:
    """Split text into runs of ASCII and non-ASCII characters."""
    for is_ascii, chars in itertools.groupby(text, key=str.isascii):
        yield "".join(chars), is_ascii


def wrap(text: str, width: float, measure: Callable[[str], float], first: float | None = None
         ) -> list[str]:
    """Break text character by character (Chinese has no spaces) so lines fit ``width``.

    ``first`` is the width of the first line when it differs. Closing punctuation never
    starts a line; it hangs into the margin instead, as Word does.
    """
    lines: list[str] = []
    line = ""
    limit = width if first is None else first
    for ch in text:
        if line and measure(line + ch) > limit and ch not in "，。；、：）》”！？":
            lines.append(line)
            line, limit = "", width
        line += ch
    if line:
        lines.append(line)
    return lines


class Painter:
    """Draws typed text, handwriting, signatures and table rules on one page."""

    def __init__(self, page: pymupdf.Page, rng: random.Random, style: Style,
                 electronic: bool = False) -> None:
        self.page = page
        self.rng = rng
        self.style = style
        self.electronic = electronic  # a Word form: signature pasted in as an image
        self.text = page.new_shape()  # all text, committed at once by finish()
        self.rules = page.new_shape()

    # typed text ------------------------------------------------------------------------

    @staticmethod
    def typed_width(text: str, size: float, cjk: str = TYPED_CJK) -> float:
        width = 0.0
        for run, is_ascii in _runs(text):
            if is_ascii:
                width += pymupdf.get_text_length(run, fontname=LATIN_FOR[cjk], fontsize=size)
            else:
                width += len(run) * size  # the built-in CJK font sets every glyph 1 em wide
        return width

    def typed(self, x: float, y: float, text: str, size: float, *, cjk: str = TYPED_CJK,
              bold: bool = False) -> float:
        """Typed text with its baseline at ``y``; returns the x where it ends."""
        for run, is_ascii in _runs(text):
            font = LATIN_FOR[cjk] if is_ascii else cjk
            self.text.insert_text(
                (x, y), run, fontname=font, fontsize=size, color=BLACK, fill=BLACK,
                render_mode=2 if bold else 0, border_width=0.04,
            )
            x += self.typed_width(run, size, cjk)
        return x

    def label_text(self, x: float, y: float, text: str, size: float | None = None,
                   bold: bool = False) -> float:
        return self.typed(x, y, text, size or self.style.label_size, cjk=self.style.label_font,
                          bold=bold)

    def label_width(self, text: str, size: float | None = None) -> float:
        return self.typed_width(text, size or self.style.label_size, self.style.label_font)

    # handwriting -----------------------------------------------------------------------

    @staticmethod
    def hand_width(text: str, size: float) -> float:
        return sum(
            size * ((HAND_ADVANCE_ASCII if ch.isascii() else HAND_ADVANCE_CJK) + 0.03)
            for ch in text
        )

    def _glyph(self, point: pymupdf.Point, ch: str, size: float, turn: float,
               squeeze: float, pen: float) -> None:
        """One pen-written glyph: rotated, slanted and squeezed around its origin."""
        matrix = pymupdf.Matrix(squeeze, 0, self.style.slant, 1, 0, 0) * pymupdf.Matrix(turn)
        self.text.insert_text(
            point, ch, fontname=HAND_CJK, fontsize=size, color=self.style.ink,
            fill=self.style.ink, render_mode=2, border_width=pen, morph=(point, matrix),
        )

    def hand(self, x: float, y: float, text: str, size: float | None = None) -> float:
        """Handwriting-like text: every glyph placed, sized and turned on its own."""
        rng = self.rng
        size = size or self.style.hand_size
        for ch in text:
            if ch.isspace():
                x += size * 0.4
                continue
            glyph_size = size * rng.uniform(0.88, 1.1)
            point = pymupdf.Point(x, y + rng.gauss(0, size * 0.05))
            self._glyph(point, ch, glyph_size, rng.gauss(0, 4), rng.uniform(0.85, 1.05),
                        self.style.pen)
            advance = HAND_ADVANCE_ASCII if ch.isascii() else HAND_ADVANCE_CJK
            x += glyph_size * advance + rng.uniform(-0.04, 0.1) * size
        return x

    def signature(self, x: float, y: float, name: str) -> pymupdf.Rect:
        """A quick signature: large, rising, slanted glyphs, sometimes a stroke under it."""
        if self.electronic:
            return self._signature_image(x, y, name)
        rng = self.rng
        size = rng.uniform(17, 23)
        rise = rng.uniform(0.0, 0.12) * size
        tilt = rng.uniform(-3, 10)
        start = x
        for i, ch in enumerate(name):
            glyph_size = size * rng.uniform(0.85, 1.15)
            point = pymupdf.Point(x, y - i * rise + rng.gauss(0, 1.2))
            self._glyph(point, ch, glyph_size, tilt + rng.gauss(0, 6), rng.uniform(0.75, 1.0),
                        self.style.pen + 0.02)
            x += glyph_size * rng.uniform(0.7, 0.9)
        if rng.random() < 0.4:
            p0 = pymupdf.Point(start - rng.uniform(0, 6), y + rng.uniform(2, 6))
            p3 = pymupdf.Point(x + rng.uniform(4, 16), y - len(name) * rise + rng.uniform(-3, 3))
            c1 = p0 + (rng.uniform(10, 30), rng.uniform(-6, 6))
            c2 = p3 + (rng.uniform(-30, -10), rng.uniform(-6, 8))
            self.page.draw_bezier(p0, c1, c2, p3, color=self.style.ink,
                                  width=rng.uniform(0.7, 1.3))
        return pymupdf.Rect(start, y - size * 1.3 - len(name) * rise, x + 4, y + size * 0.4)

    def _signature_image(self, x: float, y: float, name: str) -> pymupdf.Rect:
        """The signature drawn on a scratch page and pasted here as a transparent image."""
        scratch = pymupdf.open()
        page = scratch.new_page(width=PAGE_W, height=PAGE_H)
        scribe = Painter(page, self.rng, self.style)
        rect = scribe.signature(x, y, name)
        scribe.finish()
        png = page.get_pixmap(dpi=DPI, alpha=True, clip=rect).tobytes("png")
        scratch.close()
        self.page.insert_image(rect, stream=png)
        return rect

    # rules and cells -------------------------------------------------------------------

    def box(self, rect: pymupdf.Rect) -> None:
        self.rules.draw_rect(rect)

    def line(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        self.rules.draw_line(p0, p1)

    def finish(self) -> None:
        """Put the text and the rules on the page."""
        self.text.commit()
        self.rules.finish(width=self.style.rule_width, color=BLACK, closePath=False)
        self.rules.commit()

    def label(self, rect: pymupdf.Rect, text: str) -> None:
        """A printed label inside its cell, wrapped when the cell is narrow."""
        size = self.style.label_size
        pad = 4.0
        if self.style.vertical_label and rect.height > 3 * rect.width and "（" not in text:
            step = min(size * 1.8, (rect.height - 2 * pad) / len(text))
            y = rect.y0 + (rect.height - step * len(text)) / 2 + size
            for ch in text:
                self.label_text(rect.x0 + (rect.width - size) / 2, y, ch)
                y += step
            return
        lines = _split_label(text, rect.width - 2 * pad, self.label_width)
        lead = size * 1.25
        y = rect.y0 + (rect.height - lead * len(lines)) / 2 + size * 0.95
        for line in lines:
            width = self.label_width(line)
            x = rect.x0 + (rect.width - width) / 2 if self.style.center_labels else rect.x0 + pad
            self.label_text(x, y, line)
            y += lead

    def value(self, rect: pymupdf.Rect, text: str | None, hand: bool) -> None:
        """A field value inside its cell: shrunk, then wrapped, until it fits."""
        if not text:
            return
        pad = 5.0
        width = rect.width - 2 * pad
        size = self.style.hand_size if hand else self.style.value_size

        def measure(s: str) -> float:
            return self.hand_width(s, size) if hand else self.typed_width(s, size)

        lines = [text]
        while size > 7:
            lines = wrap(text, width, measure)
            if len(lines) * size * 1.2 <= rect.height - 2:
                break
            size -= 0.5
        lead = size * 1.2
        y = rect.y0 + (rect.height - lead * len(lines)) / 2 + size * 0.9
        for line in lines:
            x = rect.x0 + pad
            if self.style.center_values and len(lines) == 1:
                x = rect.x0 + (rect.width - measure(line)) / 2
            if hand:
                self.hand(x, y, line, size)
            else:
                self.typed(x, y, line, size)
            y += lead

    def inline(self, x: float, y: float, text: str | None, hand: bool, width: float) -> None:
        """A value on the baseline of its ``label：``, shrunk to fit ``width``."""
        if not text:
            return
        size = self.style.hand_size if hand else self.style.value_size
        measure = self.hand_width if hand else self.typed_width
        size = min(size, size * width / measure(text, size))
        if hand:
            self.hand(x, y - 1, text, size)
        else:
            self.typed(x, y, text, size)

    def paragraph(self, x0: float, x1: float, y: float, text: str, size: float, hand: bool,
                  indent: float = 0.0, hanging: float = 0.0) -> float:
        """Wrapped prose from top ``y``; returns the y below it."""
        lines = self.paragraph_lines(text, x1 - x0, size, hand, indent, hanging)
        lead = size * self.style.leading
        for i, line in enumerate(lines):
            x = x0 + (indent if i == 0 else hanging)
            if hand:
                self.hand(x, y + size, line, size)
            else:
                self.typed(x, y + size, line, size, cjk=self.style.label_font)
            y += lead
        return y

    def paragraph_lines(self, text: str, width: float, size: float, hand: bool,
                        indent: float = 0.0, hanging: float = 0.0) -> list[str]:
        def measure(s: str) -> float:
            if hand:
                return self.hand_width(s, size)
            return self.typed_width(s, size, self.style.label_font)

        return wrap(text, width - hanging, measure, first=width - indent)


def _split_label(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Wrap a label, preferring to break before its parenthesis: 报送单位 / （盖章）."""
    if measure(text) <= width:
        return [text]
    for paren in ("（", "("):
        if paren in text:
            head, tail = text.split(paren, 1)
            return [head, paren + tail]
    return wrap(text, width, measure)


# --------------------------------------------------------------------------------------------
# Drawing: the three forms
# --------------------------------------------------------------------------------------------


class PageFull(Exception):
    """The form does not fit the page with this style; draw it again more compactly."""


def _draw_header(p: Painter, form_type: str, y: float) -> float:
    s = p.style
    width = PAGE_W - 2 * s.margin
    if s.attachment:
        p.label_text(s.margin - 10, y + 12, s.attachment, 12)
        y += 24
    lines: list[tuple[str, float]] = []
    if s.title_prefix:
        lines.append((CONTEST, s.title_size * 0.8))
    title = FORM_TITLES[form_type]
    if len(title) > 1 and not s.title_wrapped:
        title = ("".join(title),)
    lines += [(text, s.title_size) for text in title]
    for text, size in lines:
        size = min(size, size * width / p.label_width(text, size))
        x = (PAGE_W - p.label_width(text, size)) / 2
        p.label_text(x, y + size, text, size, bold=s.title_bold)
        y += size * 1.55
    return y + s.title_size * 0.5


def _row_plan(form: FormContent, rng: random.Random) -> list[tuple[str, ...]]:
    """Rows of the table: one or two label/value pairs each, order shuffled a little."""
    keys = [k for k in FIELDS[form.form_type] if k not in ("date", "synopsis")]
    if not form.title_row:
        keys.remove("title")
    head = [("title",)] if keys[0] == "title" else []
    body = keys[len(head):]
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    rows: list[tuple[str, ...]] = []
    i = 0
    while i < len(body):
        pair = tuple(body[i:i + 2])
        if frozenset(pair) in PAIRABLE and rng.random() < 0.65:
            rows.append(pair)
            i += 2
        else:
            rows.append((body[i],))
            i += 1
    return head + rows


def _draw_rows(p: Painter, form: FormContent, y: float, anchors: Anchors) -> float:
    s = p.style
    x0, x1 = s.margin, PAGE_W - s.margin
    labels = LABELS[form.form_type]
    for row in _row_plan(form, p.rng):
        texts = [p.rng.choice(labels[key]) for key in row]
        height = s.row_h
        lab_w = s.label_w
        if len(row) == 1:
            cells = [(x0, x0 + lab_w, x1)]
        else:  # the first label column stays aligned with the rows above
            mid = x0 + lab_w + (x1 - x0 - 2 * lab_w) * s.split
            cells = [(x0, x0 + lab_w, mid), (mid, mid + lab_w * 0.9, x1)]
        if any(len(_split_label(t, lab_w * 0.9 - 8, p.label_width)) > 1 for t in texts):
            height = max(height, s.label_size * 2.9)
        for key, text, (a, b, c) in zip(row, texts, cells, strict=True):
            label_rect = pymupdf.Rect(a, y, b, y + height)
            value_rect = pymupdf.Rect(b, y, c, y + height)
            p.box(label_rect)
            p.box(value_rect)
            p.label(label_rect, text)
            p.value(value_rect, form.written[key], key in form.handwritten)
            anchors[key] = value_rect
        y += height
    return y


def _consent_lines(p: Painter, width: float) -> list[tuple[float, str]]:
    """The four clauses wrapped to ``width``: (x offset, text) per line."""
    s = p.style
    out: list[tuple[float, str]] = []
    for n, clause in enumerate(CLAUSES, 1):
        prefix = s.numbering.format(n) if s.numbering else ""
        hanging = p.label_width(prefix) if s.hanging_indent and prefix else 0.0
        lines = p.paragraph_lines(prefix + clause, width, s.label_size, hand=False,
                                  hanging=hanging)
        out += [(0.0 if i == 0 else hanging, line) for i, line in enumerate(lines)]
    return out


def _consent_height(p: Painter, width: float) -> float:
    lead = p.style.label_size * p.style.leading
    return lead * (1.3 + len(_consent_lines(p, width)))


def _signature_height(s: Style) -> float:
    return s.label_size * (2.8 if s.sign_same_line else 5.1)


def _draw_consent(p: Painter, x0: float, x1: float, y: float) -> float:
    s = p.style
    lead = s.label_size * s.leading
    heading_x = (x0 + x1 - p.label_width(CONSENT_HEADING)) / 2 if s.center_heading else x0
    p.label_text(heading_x, y + s.label_size, CONSENT_HEADING, bold=p.rng.random() < 0.5)
    y += lead * 1.3
    for offset, line in _consent_lines(p, x1 - x0):
        p.label_text(x0 + offset, y + s.label_size, line)
        y += lead
    return y


def _draw_date_line(p: Painter, x: float, y: float, signed_on: date | None, by_hand: bool
                    ) -> pymupdf.Rect:
    """``日期：    年   月   日`` with the date written (usually by hand) into the blanks."""
    s = p.style
    size = s.label_size
    year = month = day = ""
    if signed_on:
        year, day = str(signed_on.year), str(signed_on.day)
        month = f"{signed_on.month:02d}" if p.rng.random() < 0.2 else str(signed_on.month)
    end = p.label_text(x, y, "日期：")
    blanks: list[tuple[str, str, float]] = []
    if s.year_printed:  # some printings carry the year already
        end = p.label_text(end, y, "2023年")
    else:
        blanks.append((year, "年", size * 3.4))
    blanks += [(month, "月", size * 2.4), (day, "日", size * 2.4)]
    for written, unit, blank in blanks:
        if written and by_hand:
            hand_size = min(s.hand_size, blank / (len(written) * HAND_ADVANCE_ASCII + 0.2))
            start = end + (blank - p.hand_width(written, hand_size)) / 2
            p.hand(start, y + p.rng.uniform(-1.5, 1), written, hand_size)
        elif written:
            p.typed(end + (blank - p.typed_width(written, size)) / 2, y, written, size)
        end = p.label_text(end + blank, y, unit)
    return pymupdf.Rect(x, y - size * 1.3, end, y + size * 0.4)


def _draw_signature_block(p: Painter, form: FormContent, x0: float, x1: float, y: float,
                          anchors: Anchors) -> float:
    """``签名：<signature>`` and the date line, right of centre, from top ``y``."""
    s = p.style
    size = s.label_size
    sign_label = p.rng.choice(SIGN_LABELS[form.form_type]) + "："
    date_w = p.label_width("日期：") + size * (3.4 + 2.4 * 2 + 3) + 4
    sign_w = p.label_width(sign_label) + 90
    base = y + size * 1.9
    if s.sign_same_line:
        sign_x = max(x0 + 4, x1 - date_w - sign_w - p.rng.uniform(10, 40))
        date_x, date_y = x1 - date_w - 6, base
    else:
        sign_x = date_x = x1 - max(date_w, sign_w) - p.rng.uniform(6, 40)
        date_y = base + size * 2.3
    end = p.label_text(sign_x, base, sign_label)
    anchors["signature"] = pymupdf.Rect(sign_x, base - size * 1.6, end + 80, base + size * 0.5)
    if form.signer:
        anchors["signature"] |= p.signature(end + 4, base + 1, form.signer)
    anchors["date"] = _draw_date_line(p, date_x, date_y, form.signed_on,
                                      "date" in form.handwritten)
    return date_y + size * 0.9


def _draw_synopsis(p: Painter, form: FormContent, y: float, room: float,
                   anchors: Anchors) -> float:
    """The synopsis: a tall cell right of its label, or a label row with a cell below."""
    s = p.style
    x0, x1 = s.margin, PAGE_W - s.margin
    label = p.rng.choice(LABELS[form.form_type]["synopsis"])
    text = form.written["synopsis"] or ""
    hand = "synopsis" in form.handwritten
    if s.synopsis_stacked:
        label_rect = pymupdf.Rect(x0, y, x1, y + s.row_h)
        p.box(label_rect)
        p.label(label_rect, label)
        y += s.row_h
        room -= s.row_h
        text_x0 = x0
    else:
        text_x0 = x0 + s.label_w
    pad = 6.0
    size = s.hand_size if hand else s.value_size
    while True:
        indent = 2 * size if s.first_line_indent else 0.0
        lines = p.paragraph_lines(text, x1 - text_x0 - 2 * pad, size, hand, indent)
        need = len(lines) * size * s.leading + 2 * pad
        if need <= room or size <= 8:
            break
        size -= 0.5
    if need > room:
        raise PageFull
    height = min(room, max(need, p.rng.uniform(150, 280)))
    text_rect = pymupdf.Rect(text_x0, y, x1, y + height)
    p.box(text_rect)
    if not s.synopsis_stacked:
        label_rect = pymupdf.Rect(x0, y, text_x0, y + height)
        p.box(label_rect)
        p.label(label_rect, label)
    if text:
        p.paragraph(text_x0 + pad, x1 - pad, y + pad, text, size, hand, indent)
    anchors["synopsis"] = text_rect
    return y + height


def _draw_table_form(p: Painter, form: FormContent, y: float) -> Anchors:
    s = p.style
    x0, x1 = s.margin, PAGE_W - s.margin
    limit = PAGE_H - BOTTOM_MARGIN
    anchors: Anchors = {}
    y = _draw_rows(p, form, y, anchors)
    pad = 8.0  # inside the consent cell
    if s.consent_in_table:
        closing = _consent_height(p, x1 - x0 - 2 * pad) + _signature_height(s) + 2 * pad
    else:
        closing = _consent_height(p, x1 - x0) + _signature_height(s) + 18
    if "synopsis" in FIELDS[form.form_type]:
        y = _draw_synopsis(p, form, y, limit - y - closing, anchors)
    if y + closing > limit:
        raise PageFull
    top = y
    if s.consent_in_table:
        y = _draw_consent(p, x0 + pad, x1 - pad, y + pad)
        y = _draw_signature_block(p, form, x0 + pad, x1 - pad, y, anchors) + pad
        p.box(pymupdf.Rect(x0, top, x1, y))
    else:
        y = _draw_consent(p, x0, x1, y + 18)
        _draw_signature_block(p, form, x0, x1, y, anchors)
    return anchors


def _draw_colon_form(p: Painter, form: FormContent, y: float) -> Anchors:
    """The authorization without a table: ``作品名称：value`` lines."""
    s = p.style
    x0, x1 = s.margin + p.rng.uniform(0, 20), PAGE_W - s.margin
    labels = LABELS[form.form_type]
    gap = s.row_h * p.rng.uniform(1.0, 1.25)
    rows = [("title",), ("author",), ("unit",)]
    rows += [("contact", "phone")] if p.rng.random() < 0.5 else [("contact",), ("phone",)]
    anchors: Anchors = {}
    for row in rows:
        y += gap
        slots = [(x0, x1)] if len(row) == 1 else [(x0, (x0 + x1) / 2), ((x0 + x1) / 2 + 10, x1)]
        for key, (a, b) in zip(row, slots, strict=True):
            start = p.label_text(a, y, p.rng.choice(labels[key]) + "：") + 3
            if s.underline_values:
                p.line((start, y + 4), (b - 8, y + 4))
            p.inline(start + 2, y, form.written[key], key in form.handwritten, b - start - 10)
            anchors[key] = pymupdf.Rect(start, y - gap * 0.7, b - 8, y + 5)
    y = _draw_consent(p, s.margin, PAGE_W - s.margin, y + gap)
    y = _draw_signature_block(p, form, s.margin, PAGE_W - s.margin, y, anchors)
    if y > PAGE_H - BOTTOM_MARGIN:
        raise PageFull
    return anchors


def draw_form(form: FormContent, rng: random.Random, electronic: bool = False
              ) -> tuple[pymupdf.Document, Anchors, str]:
    """Draw the form on a fresh A4 page: (one-page document, anchors, layout variant)."""
    style = pick_style(rng)
    colon = form.form_type == WORK_AUTH and rng.random() < 0.25
    for level in range(5):
        doc = pymupdf.open()
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        painter = Painter(page, rng, style.compacted(level), electronic)
        y = _draw_header(painter, form.form_type, painter.style.top)
        try:
            anchors = (_draw_colon_form if colon else _draw_table_form)(painter, form, y)
        except PageFull:
            doc.close()
            continue
        painter.finish()
        return doc, anchors, "colon" if colon else "table"
    raise RuntimeError(f"{form.form_type} does not fit on A4 even when compacted")


def draw_cover_letter(rng: random.Random, unit: Unit) -> tuple[pymupdf.Document, Anchors]:
    """Not a form: the unit's covering letter, in prose, with its seal spot."""
    doc = pymupdf.open()
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    p = Painter(page, rng, pick_style(rng))
    size = rng.uniform(11.5, 13)
    x0, x1 = rng.uniform(62, 80), PAGE_W - rng.uniform(62, 80)
    y = rng.uniform(70, 110)
    for line in wrap(_COVER_TITLE, x1 - x0, lambda t: p.typed_width(t, size + 4)):
        p.typed((x0 + x1 - p.typed_width(line, size + 4)) / 2, y, line, size + 4, bold=True)
        y += (size + 4) * 1.6
    y += size
    slots = {"works": rng.randint(10, 14), "proposals": rng.randint(2, 4),
             "contact": _person(rng), "phone": _phone(rng, unit)}
    for paragraph in _COVER_BODY:
        text = paragraph.format(**slots)
        for line in wrap(text, x1 - x0, lambda t: p.typed_width(t, size)):
            p.typed(x0, y, line, size)
            y += size * 1.8
    y += size * 3
    signed = date(2023, 9, 1) + timedelta(days=rng.randint(0, 18))
    lines = (unit.name, f"{signed.year}年{signed.month}月{signed.day}日")
    right = x1 - size * 2
    for line in lines:
        p.typed(right - p.typed_width(line, size), y, line, size)
        y += size * 2
    return doc, {"unit": pymupdf.Rect(right - 130, y - size * 5, right, y)}


# --------------------------------------------------------------------------------------------
# The seal
# --------------------------------------------------------------------------------------------


def _star(center: pymupdf.Point, radius: float) -> list[pymupdf.Point]:
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.382
        angle = math.radians(-90 + 36 * k)
        points.append(center + (r * math.cos(angle), r * math.sin(angle)))
    return points


def draw_seal(page: pymupdf.Page, center: pymupdf.Point, radius: float, text: str,
              rng: random.Random, color: Color = SEAL_RED) -> None:
    """A round official seal: ring, name along the upper arc, star, maybe 专用章."""
    ring = rng.uniform(1.0, 1.5)  # about 3-4 px at 200 dpi
    page.draw_circle(center, radius - ring / 2, color=color, width=ring)
    page.draw_polyline(_star(center, radius * rng.uniform(0.28, 0.34)), color=color, fill=color,
                       closePath=True, width=0.3)
    span = min(250.0, len(text) * rng.uniform(24, 28))  # degrees of arc the name covers
    text_r = radius * 0.74
    pitch = span / max(len(text) - 1, 1)
    size = min(radius * 0.3, math.radians(pitch) * text_r * 1.05)
    squeeze = 0.78
    for i, ch in enumerate(text):
        theta = -span / 2 + i * pitch  # clockwise from the top
        spot = center + (text_r * math.sin(math.radians(theta)),
                         -text_r * math.cos(math.radians(theta)))
        origin = spot + (-size * squeeze / 2, size * 0.38)
        matrix = pymupdf.Matrix(squeeze, 0, 0, 1, 0, 0) * pymupdf.Matrix(-theta)
        page.insert_text(origin, ch, fontname=TYPED_CJK, fontsize=size, color=color,
                         fill=color, render_mode=2, border_width=0.03, morph=(spot, matrix))
    if rng.random() < 0.4:
        label = "专用章"
        label_size = radius * 0.2
        page.insert_text(center + (-label_size * 1.5, radius * 0.62), label, fontname=TYPED_CJK,
                         fontsize=label_size, color=color, fill=color)


def seal_image(text: str, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """The seal as a BGR image at scan resolution: white paper, uneven red ink, turned."""
    radius = rng.uniform(19.0, 21.0) / 25.4 * 72  # 38-42 mm across
    side = 2 * radius + 8
    doc = pymupdf.open()
    page = doc.new_page(width=side, height=side)
    draw_seal(page, pymupdf.Point(side / 2, side / 2), radius, text, rng)
    img = rasterize(page)
    doc.close()
    h, w = img.shape[:2]
    # Ink is uneven: large soft patches of weaker ink, speckled gaps, slightly spread.
    patches = cv2.resize(nrng.uniform(0.45, 1.0, (5, 5)).astype(np.float32), (w, h),
                         interpolation=cv2.INTER_CUBIC)
    gaps = np.where(nrng.random((h, w)) < 0.07, 0.35, 1.0).astype(np.float32)
    strength = cv2.GaussianBlur(np.clip(patches * gaps, 0.2, 1.0), (0, 0), 1.0)
    ink = (255.0 - img.astype(np.float32)) * strength[..., None] * rng.uniform(0.8, 0.95)
    seal = cv2.GaussianBlur(255.0 - ink, (0, 0), 0.6)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-25, 25), 1.0)
    seal = cv2.warpAffine(seal, turn, (w, h), borderValue=(255, 255, 255))
    return np.clip(seal, 0, 255).astype(np.uint8)


def stamp(page_img: np.ndarray, seal: np.ndarray, center: tuple[int, int]) -> None:
    """Multiply-blend the seal onto the page, in place: dark toner stays dark under red ink."""
    sh, sw = seal.shape[:2]
    ph, pw = page_img.shape[:2]
    x0, y0 = center[0] - sw // 2, center[1] - sh // 2
    px0, py0, px1, py1 = max(x0, 0), max(y0, 0), min(x0 + sw, pw), min(y0 + sh, ph)
    if px0 >= px1 or py0 >= py1:
        return
    region = page_img[py0:py1, px0:px1]
    ink = seal[py0 - y0:py1 - y0, px0 - x0:px1 - x0]
    page_img[py0:py1, px0:px1] = cv2.multiply(region, ink, scale=1 / 255)


def seal_spot(anchors: Anchors, rng: random.Random) -> pymupdf.Point:
    """Where the seal lands (PDF points): over the unit cell or the signature and date."""
    if "unit" in anchors and ("date" not in anchors or rng.random() < 0.5):
        cell = anchors["unit"]
        return pymupdf.Point(cell.x0 + cell.width * rng.uniform(0.25, 0.75),
                             (cell.y0 + cell.y1) / 2 + rng.uniform(-12, 12))
    area = anchors["date"] | anchors.get("signature", anchors["date"])
    return pymupdf.Point(area.x0 + area.width * rng.uniform(0.3, 0.8),
                         (area.y0 + area.y1) / 2 + rng.uniform(-25, 10))


def seal_png(seal: np.ndarray) -> bytes:
    """The seal as an electronic seal: red with alpha from the ink, for vector PDFs."""
    alpha = 255 - seal.min(axis=2)
    red = np.empty(seal.shape[:2] + (4,), np.uint8)
    red[..., :3] = (40, 30, 220)
    red[..., 3] = alpha
    return _encode(red, ".png")


# --------------------------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------------------------


@dataclass
class ScanInfo:
    flipped: bool = False
    skew: float = 0.0
    photo: bool = False
    grey: bool = False


def rasterize(page: pymupdf.Page) -> np.ndarray:
    pix = page.get_pixmap(dpi=DPI, alpha=False)
    rgb = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _encode(img: np.ndarray, ext: str, quality: int = 90) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == ".jpg" else []
    ok, buf = cv2.imencode(ext, img, params)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode a {ext} image")
    return buf.tobytes()


def _finish_scan(img: np.ndarray, rng: random.Random, nrng: np.random.Generator,
                 info: ScanInfo) -> np.ndarray:
    """Sensor blur, noise, exposure, and the grey-scale setting of some scanners."""
    if info.grey:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.35, 1.0))
    noise = nrng.standard_normal(img.shape[:2], dtype=np.float32) * rng.uniform(2, 6)
    out = img.astype(np.float32)
    out += noise if out.ndim == 2 else noise[..., None]
    out *= rng.uniform(0.95, 1.08)
    out += rng.uniform(-12, 10)
    return np.clip(out, 0, 255, out=out).astype(np.uint8)


def scan(img: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> tuple[np.ndarray,
                                                                                  ScanInfo]:
    """A sheet-feeder scan: paper tone, skew, sometimes upside down, blur and noise."""
    info = ScanInfo(grey=rng.random() < 0.08)
    blue = rng.uniform(0.92, 0.99)  # paper from white to slightly yellow
    img = cv2.multiply(img, (blue, blue + (1 - blue) * rng.uniform(0.4, 1.0), 1.0, 0.0))
    info.skew = round(rng.choice((-1, 1)) * rng.uniform(0.3, 3.0), 2)
    h, w = img.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), info.skew, 1.0)
    lid = int(rng.uniform(215, 250))
    img = cv2.warpAffine(img, turn, (w, h), flags=cv2.INTER_LINEAR,
                         borderValue=(lid, lid, lid))
    if rng.random() < 0.1:
        img = cv2.rotate(img, cv2.ROTATE_180)
        info.flipped = True
    img = _finish_scan(img, rng, nrng, info)
    if rng.random() < 0.5:  # the driver's "background removal": near-white paper turns white
        channels = 1 if img.ndim == 2 else img.shape[2]
        floor = np.full(channels, int(rng.uniform(222, 238)))
        img[cv2.inRange(img, floor, np.full(channels, 255)) > 0] = 255
    return img, info


def _table_top(h: int, w: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """A dark, grainy desk surface for phone photos."""
    level = rng.uniform(35, 100)  # grey to brown: blue <= green <= red
    base = np.array([level * rng.uniform(0.6, 0.95), level * rng.uniform(0.8, 1.0), level],
                    np.float32)
    blotches = cv2.resize(nrng.uniform(0.7, 1.3, (6, 8)).astype(np.float32), (w, h),
                          interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(nrng.standard_normal((h, w), dtype=np.float32) * 10, (0, 0), 1.5)
    desk = base[None, None, :] * blotches[..., None]
    desk += grain[..., None]
    return np.clip(desk, 0, 255, out=desk)


def photograph(img: np.ndarray, rng: random.Random, nrng: np.random.Generator
               ) -> tuple[np.ndarray, ScanInfo]:
    """A phone photo: the page a bright quadrilateral on a desk, lit unevenly."""
    info = ScanInfo(photo=True)
    if rng.random() < 0.05:
        img = cv2.rotate(img, cv2.ROTATE_180)
        info.flipped = True
    h, w = img.shape[:2]
    out_h = int(h * rng.uniform(1.08, 1.18))
    out_w = int(out_h * 0.75)
    page_h = out_h * rng.uniform(0.82, 0.9)
    page_w = page_h * w / h
    cx = out_w / 2 + rng.uniform(-0.03, 0.03) * out_w
    cy = out_h / 2 + rng.uniform(-0.03, 0.03) * out_h
    corners = np.float32([[cx - page_w / 2, cy - page_h / 2], [cx + page_w / 2, cy - page_h / 2],
                          [cx + page_w / 2, cy + page_h / 2], [cx - page_w / 2, cy + page_h / 2]])
    corners += np.float32([[rng.uniform(-0.06, 0.06) * out_w, rng.uniform(-0.06, 0.06) * out_h]
                           for _ in range(4)])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    warp = cv2.getPerspectiveTransform(src, corners)
    page = cv2.warpPerspective(img, warp, (out_w, out_h)).astype(np.float32)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), warp, (out_w, out_h))[..., None]
    photo = page * mask + _table_top(out_h, out_w, rng, nrng) * (1 - mask)
    # Light falls off from one side, with a soft vignette (smooth: computed coarse, resized).
    yy, xx = np.mgrid[-0.5:0.5:64j, -0.5:0.5:48j].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = xx * math.cos(angle) + yy * math.sin(angle)
    light = 1.0 + ramp * rng.uniform(0.2, 0.45) - (xx**2 + yy**2) * rng.uniform(0.2, 0.5)
    light = cv2.resize(light * rng.uniform(0.9, 1.0), (out_w, out_h),
                       interpolation=cv2.INTER_LINEAR)
    photo *= light[..., None]
    top_edge = corners[1] - corners[0]
    info.skew = round(-math.degrees(math.atan2(float(top_edge[1]), float(top_edge[0]))), 2)
    return _finish_scan(np.clip(photo, 0, 255).astype(np.uint8), rng, nrng, info), info


# --------------------------------------------------------------------------------------------
# Pages with their truth
# --------------------------------------------------------------------------------------------


@dataclass
class PageTruth:
    path: str = ""
    page: int | None = None
    kind: str = "form"
    form_type: str | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    signature: bool | None = None
    seal: bool | None = None
    seal_unit: str | None = None
    date_present: bool | None = None
    handwritten: list[str] = field(default_factory=list)
    layout: dict[str, Any] | None = None
    route: str = "ocr"
    duplicate_of: dict[str, Any] | None = None
    expect: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Sheet:
    """One scanned page as the scanner stores it (JPEG), with its truth."""

    truth: PageTruth
    jpeg: bytes
    image: np.ndarray | None = None  # the raw scan, kept only for lossless PNG/TIFF files
    text_lines: list[tuple[pymupdf.Rect, str]] = field(default_factory=list)  # vector text


def _sheet(truth: PageTruth, img: np.ndarray, rng: random.Random,
           lines: list[tuple[pymupdf.Rect, str]] | None = None, photo: bool = False,
           keep_image: bool = False) -> Sheet:
    quality = rng.randint(70, 90) if photo else rng.randint(45, 85)
    return Sheet(truth, _encode(img, ".jpg", quality), img if keep_image else None, lines or [])


def _form_truth(form: FormContent, variant: str | None, info: ScanInfo, route: str
                ) -> PageTruth:
    return PageTruth(
        kind="form",
        form_type=form.form_type,
        fields=form.truth_fields(),
        signature=form.signer is not None,
        seal=form.seal_unit is not None,
        seal_unit=form.seal_unit,
        date_present=form.signed_on is not None,
        handwritten=form.handwritten_keys(),
        layout={"variant": variant, **asdict(info)},
        route=route,
    )


def _text_lines(page: pymupdf.Page) -> list[tuple[pymupdf.Rect, str]]:
    lines = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            text = "".join(span["text"] for span in line["spans"]).strip()
            if text:
                lines.append((pymupdf.Rect(line["bbox"]), text))
    return lines


def _scanned(doc: pymupdf.Document, anchors: Anchors, seal_text: str | None,
             rng: random.Random, photo: bool) -> tuple[np.ndarray, ScanInfo,
                                                       list[tuple[pymupdf.Rect, str]]]:
    """Rasterize a drawn page, stamp its seal and scan or photograph it."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    page = doc[0]
    lines = _text_lines(page)
    img = rasterize(page)
    if seal_text:
        spot = seal_spot(anchors, rng)
        stamp(img, seal_image(seal_text, rng, nrng),
              (int(spot.x * PX_PER_PT), int(spot.y * PX_PER_PT)))
    doc.close()
    img, info = photograph(img, rng, nrng) if photo else scan(img, rng, nrng)
    return img, info, lines


def form_sheet(form: FormContent, rng: random.Random, photo: bool = False,
               keep_image: bool = False) -> Sheet:
    doc, anchors, variant = draw_form(form, rng)
    img, info, lines = _scanned(doc, anchors, form.seal_unit, rng, photo)
    truth = _form_truth(form, variant, info, "ocr")
    return _sheet(truth, img, rng, lines, photo, keep_image)


def cover_letter_sheet(rng: random.Random) -> Sheet:
    unit = rng.choice(UNITS)
    doc, anchors = draw_cover_letter(rng, unit)
    img, info, lines = _scanned(doc, anchors, unit.name, rng, photo=False)
    truth = PageTruth(kind="not_form", layout={"variant": None, **asdict(info)},
                      expect="skipped")
    return _sheet(truth, img, rng, lines)


def blank_sheet(rng: random.Random) -> Sheet:
    """An empty sheet fed by mistake: paper tone and noise only."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    w, h = round(PAGE_W * PX_PER_PT), round(PAGE_H * PX_PER_PT)
    img, info = scan(np.full((h, w, 3), 255, np.uint8), rng, nrng)
    truth = PageTruth(kind="blank", layout={"variant": None, **asdict(info)}, expect="skipped")
    return _sheet(truth, img, rng)


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------


def _pdf_bytes(doc: pymupdf.Document, producer: str) -> bytes:
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
    return _pdf_bytes(doc, producer)


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
        form = replace(form, handwritten=frozenset())
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
        truths.append(_form_truth(form, variant, ScanInfo(), "text-layer"))
    return _pdf_bytes(out, "Microsoft® Word 2016"), truths


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


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


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
             email_dir: Path | None = None) -> list[dict[str, Any]]:
    """Write a pile of scanned forms and ``truth.jsonl`` into ``out_dir``; return the rows.

    With ``email_dir`` the emailed copies of the same forms go there too (with
    ``email_truth.jsonl``); the paper output stays byte-identical to a run without it.
    """
    if n_forms < 1:
        raise ValueError("n_forms must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    batch = Batch(out_dir, rng)
    forms = sample_forms(rng, n_forms)
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
        batch.write(batch.scan_name(".png"), _encode(sheet.image, ".png"), [sheet.truth])
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
    jpeg = _encode(small, ".jpg", 60)
    batch.bad_file("secured_01.pdf", encrypted_pdf(jpeg, small.shape[1], small.shape[0],
                                                   password=f"{batch.rng.randint(0, 9999):04d}"))


# --------------------------------------------------------------------------------------------
# The emailed side: the same forms as .eml / .mbox attachments (docx, pdf, xlsx)
# --------------------------------------------------------------------------------------------

COMMITTEE_MAILBOX = "sxwdy2023@163.com"
COMMITTEE_NAME = "第六届微电影组委会"
_MAIL_PREFIX = {  # unit name -> local part of its office mailbox
    "太原": "ty", "大同": "dt", "阳泉": "yq", "长治": "cz", "晋城": "jc", "朔州": "sz",
    "晋中": "jz", "运城": "yc", "忻州": "xz", "临汾": "lf", "吕梁": "ll",
    "省直机关工委": "szjggw", "省委教育工委": "sjyjw", "省国资委党委": "sgzwdw",
    "省委军民融合办宣传部": "sjmrhb",
}
_ATTACHMENT_STEMS = {
    PROPOSAL: "重点作品创作文案登记表", WORK_REG: "作品登记表", WORK_AUTH: "作品授权书",
}
CHANGEABLE = ("phone", "contact", "title", "address", "duration", "work_type")
ZIP_DATE = (2023, 9, 1, 9, 0, 0)  # every zip entry of a .docx / .xlsx gets this timestamp
OFFICE_DATE = "2023-09-01T09:00:00Z"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy Word .doc starts like this
TZ_CN = timezone(timedelta(hours=8))


@dataclass
class Attachment:
    filename: str | None  # None: a message that came without attachment
    data: bytes
    truth: dict[str, Any]


@dataclass
class Mail:
    unit: Unit
    subject: str
    sent: datetime
    body: str
    attachments: list[Attachment]
    sender: str = ""


def _unit_of(form: FormContent, rng: random.Random) -> Unit:
    written = form.written.get("unit")
    for unit in UNITS:
        if written in unit.spellings:
            return unit
    address = form.written.get("address") or ""
    for unit in UNITS[:len(_CITIES)]:
        if f"{unit.city}市" in address:
            return unit
    return rng.choice(UNITS)


def _short_unit(unit: Unit) -> str:
    return unit.name.removeprefix("中共")


def _sender(unit: Unit, rng: random.Random) -> str:
    key = unit.city if unit.name.startswith("中共") else unit.name
    prefix = _MAIL_PREFIX[key]
    roll = rng.random()
    if roll < 0.55:
        addr = f"{prefix}xcb@163.com"
    elif roll < 0.8:
        addr = f"{prefix}swxcb{rng.choice(('', '2023', '01'))}@126.com"
    else:
        addr = f"{rng.randint(10**8, 10**10 - 1)}@qq.com"
    name = _short_unit(unit) if rng.random() < 0.7 else _person(rng)
    return str(Address(name, addr_spec=addr))


def _swap_digits(text: str, rng: random.Random) -> str:
    """Swap two neighbouring, different digits after the area code / the first three."""
    spots = [i for i in range(4, len(text) - 1)
             if text[i].isdigit() and text[i + 1].isdigit() and text[i] != text[i + 1]]
    if not spots:
        return text[:-1] + str((int(text[-1]) + 1) % 10)
    i = rng.choice(spots)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def _change(form: FormContent, key: str, rng: random.Random) -> str:
    """A real difference in ``key`` (not merely another spelling of the same value)."""
    old = form.written[key] or ""
    if key == "phone":
        return _swap_digits(old, rng)
    if key == "contact":
        while (new := _person(rng)) == old:
            pass
        return new
    if key == "title":
        return old.replace("的", "", 1) if "的" in old else old + rng.choice(("记", "（新）"))
    if key == "address":
        match = re.search(r"(\d+)号", old)
        if not match:
            return old + "1号"
        number = int(match.group(1))
        number = number + rng.choice((-2, -1, 1, 2, 10)) if number > 2 else number + 10
        return old[:match.start(1)] + str(number) + old[match.end(1):]
    if key == "duration":
        match = re.match(r"\d+", old)
        if not match:
            return "10分钟"
        minutes = int(match.group())
        minutes = minutes + rng.choice((-2, -1, 1, 2, 3)) if minutes > 2 else minutes + 3
        return str(minutes) + old[match.end():]
    if key == "work_type":
        return rng.choice([t for t in _WORK_TYPES if t != old])
    raise ValueError(key)


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _office_zip(data: bytes) -> bytes:
    """Rewrite a .docx/.xlsx zip with fixed timestamps and fixed core-property dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>" + OFFICE_DATE.encode(), blob)
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_DATE), blob,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _label(form_type: str, key: str, rng: random.Random) -> str:
    return rng.choice(LABELS[form_type][key])


def _clause_texts(rng: random.Random) -> list[str]:
    numbering = rng.choice(NUMBERINGS)
    return [numbering.format(i) + clause for i, clause in enumerate(CLAUSES, 1)]


def _row_keys(form: FormContent) -> list[str]:
    return [k for k in FIELDS[form.form_type]
            if k not in ("date", "synopsis") and (k != "title" or form.title_row)]


def docx_form(form: FormContent, rng: random.Random) -> bytes:
    """The form as retyped in Word: title, a label | value table, clauses, no signature."""
    doc = docx.Document()
    props = doc.core_properties
    props.author = rng.choice(("Administrator", "user", "微软用户", _person(rng)))
    props.created = props.modified = datetime(2023, 9, 1, 9, 0, 0)
    props.last_modified_by = props.author
    props.revision = rng.randint(1, 9)
    if form.form_type == PROPOSAL and rng.random() < 0.5:
        doc.add_paragraph(CONTEST)
    for line in FORM_TITLES[form.form_type]:
        doc.add_paragraph(line)
    keys = _row_keys(form)
    rows: list[list[str]] = []
    pair = rng.random() < 0.4
    i = 0
    while i < len(keys):
        key = keys[i]
        nxt = keys[i + 1] if i + 1 < len(keys) else None
        value = form.written.get(key) or ""
        if pair and nxt and frozenset((key, nxt)) in PAIRABLE:
            rows.append([_label(form.form_type, key, rng), value,
                         _label(form.form_type, nxt, rng), form.written.get(nxt) or ""])
            i += 2
            continue
        rows.append([_label(form.form_type, key, rng), value])
        i += 1
    if "synopsis" in FIELDS[form.form_type]:
        rows.append([_label(form.form_type, "synopsis", rng), form.written.get("synopsis") or ""])
    width = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=width)
    if rng.random() < 0.8:
        table.style = "Table Grid"
    for r, cells in enumerate(rows):
        row = table.rows[r].cells
        if len(cells) < width:  # one value spans the rest of the row
            row[1].merge(row[width - 1])
        for c, text in enumerate(cells):
            row[c].text = text
    if form.form_type != WORK_REG:
        doc.add_paragraph(CONSENT_HEADING)
        for text in _clause_texts(rng):
            doc.add_paragraph(text)
    sign = rng.choice(SIGN_LABELS[form.form_type])
    doc.add_paragraph(f"{sign}：")
    day = _cn_date(form.signed_on) if form.signed_on else "    年    月    日"
    doc.add_paragraph(f"日期：{day}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return _office_zip(buffer.getvalue())


def xlsx_form(form: FormContent, rng: random.Random) -> bytes:
    """The form typed into a spreadsheet: label in column A, value in column B."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = rng.choice(("Sheet1", _ATTACHMENT_STEMS[form.form_type][:10]))
    wb.properties.creator = "Administrator"
    wb.properties.created = datetime(2023, 9, 1, 9, 0, 0)
    ws.append(["".join(FORM_TITLES[form.form_type])])
    for key in _row_keys(form) + (["synopsis"] if "synopsis" in FIELDS[form.form_type] else []):
        ws.append([_label(form.form_type, key, rng), form.written.get(key)])
    ws.append(["日期", _cn_date(form.signed_on) if form.signed_on else None])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return _office_zip(buffer.getvalue())


def pdf_form(form: FormContent, rng: random.Random) -> bytes:
    """The Word form exported as PDF: a real text layer, no signature or seal."""
    doc, _anchors, _variant = draw_form(form, rng, electronic=True)
    return _pdf_bytes(doc, rng.choice(("Microsoft® Word 2016", "Microsoft® Word 2019",
                                        "WPS 文字")))


def cover_letter_docx(unit: Unit, n_works: int, rng: random.Random) -> bytes:
    doc = docx.Document()
    doc.core_properties.created = doc.core_properties.modified = datetime(2023, 9, 1, 9)
    doc.add_paragraph(_COVER_TITLE)
    contact, phone = _person(rng), _phone(rng, unit)
    for line in _COVER_BODY:
        doc.add_paragraph(line.format(works=n_works, proposals=rng.randint(0, 2),
                                      contact=contact, phone=phone))
    doc.add_paragraph(unit.name)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _office_zip(buffer.getvalue())


def _attachment_name(form: FormContent, ext: str, rng: random.Random) -> str:
    stem = _ATTACHMENT_STEMS[form.form_type]
    title = form.written.get("title")
    if not title:
        return f"{stem}{ext}"
    return rng.choice((f"{stem}-{title}{ext}", f"《{title}》{stem}{ext}", f"{title}{stem}{ext}"))


def _build_message(mail: Mail, rng: random.Random, number: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = str(Address(COMMITTEE_NAME, addr_spec=COMMITTEE_MAILBOX)) \
        if rng.random() < 0.5 else COMMITTEE_MAILBOX
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.sent)
    domain = mail.sender.rsplit("@", 1)[1].rstrip(">")
    msg["Message-ID"] = f"<{rng.getrandbits(64):016x}.{number}@{domain}>"
    msg.set_content(mail.body)
    for att in mail.attachments:
        if att.filename is None:
            continue
        maintype, subtype = _MIME.get(Path(att.filename).suffix, ("application", "octet-stream"))
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    if msg.is_multipart():
        msg.set_boundary(f"----=_Part_{rng.getrandbits(48):012x}_{number}")
    return msg


_MIME = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pdf": ("application", "pdf"),
    ".doc": ("application", "msword"),
}


def _paper_index(paper_rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Paper form pages by content (first occurrence; duplicates are scanned again)."""
    index: dict[str, dict[str, Any]] = {}
    for row in paper_rows:
        if row["kind"] == "form" and row["expect"] == "ok":
            key = json.dumps([row["form_type"], row["fields"]], ensure_ascii=False)
            index.setdefault(key, {"path": row["path"], "page": row["page"]})
    return index


def _form_key(form: FormContent) -> str:
    return json.dumps([form.form_type, form.truth_fields()], ensure_ascii=False)


def _groups(forms: Sequence[FormContent]) -> list[list[FormContent]]:
    """The forms of one unit-and-work together (a work's registration and authorization)."""
    groups: dict[Any, list[FormContent]] = {}
    for number, form in enumerate(forms):
        key = form.written.get("title") or number
        groups.setdefault(key, []).append(form)
    return list(groups.values())


def _email_copy(form: FormContent, rng: random.Random, changed: list[str]) -> FormContent:
    written = dict(form.written)
    for key in changed:
        written[key] = _change(form, key, rng)
    signed_on = form.signed_on if form.signed_on and rng.random() < 0.6 else None
    return replace(form, written=written, handwritten=frozenset(), signer=None,
                   signed_on=signed_on, seal_unit=None)


def _subject(unit: Unit, group: Sequence[FormContent], rng: random.Random) -> str:
    title = next((f.written["title"] for f in group if f.written.get("title")), None)
    short = _short_unit(unit)
    if group[0].form_type == PROPOSAL:
        if title:
            return rng.choice((f"{short}报送重点作品创作文案《{title}》",
                               f"重点作品创作文案登记表-{title}（{short}）"))
        return f"{short}重点作品创作文案登记表"
    return rng.choice((f"{short}报送作品《{title}》", f"{short}-{title}-作品登记表及授权书",
                       f"微电影征集活动作品报送：{title}（{short}）"))


def _body(unit: Unit, rng: random.Random, attached: bool) -> str:
    opener = rng.choice(("组委会办公室：", "老师您好：", "您好！"))
    if not attached:
        return (f"{opener}\n\n我单位报送的作品材料附件较大，稍后补发，请查收。\n\n"
                f"{unit.name}\n")
    line = rng.choice(("现将我单位报送作品的相关表格发送给您，请查收。",
                       "附件为作品登记表和作品授权书电子版，纸质版已邮寄。",
                       "根据活动通知要求，报送相关材料，请审核。"))
    return f"{opener}\n\n{line}\n\n{unit.name}\n"


def _form_attachment(form: FormContent, email_form: FormContent, fmt: str,
                     paper: dict[str, Any] | None, changed: list[str],
                     rng: random.Random) -> Attachment:
    ext = "." + fmt
    name = _attachment_name(form, ext, rng)
    data = {"docx": docx_form, "pdf": pdf_form, "xlsx": xlsx_form}[fmt](email_form, rng)
    truth = {
        "message": "", "attachment": name, "kind": "form", "form_type": form.form_type,
        "fields": email_form.truth_fields(), "paper": paper, "changed": changed, "format": fmt,
    }
    return Attachment(name, data, truth)


def _extra_attachment(name: str, data: bytes, kind: str, fmt: str) -> Attachment:
    truth = {"message": "", "attachment": name, "kind": kind, "form_type": None, "fields": {},
             "paper": None, "changed": [], "format": fmt}
    return Attachment(name, data, truth)


def _write_message(path: Path, msg: EmailMessage) -> None:
    path.write_bytes(msg.as_bytes(policy=email.policy.SMTP))


def generate_email(email_dir: Path, forms: Sequence[FormContent],
                   paper_rows: Sequence[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Write the emailed copies of ``forms`` (and a few email-only works) into ``email_dir``."""
    rng = random.Random(f"{seed}-email")
    email_dir = Path(email_dir)
    email_dir.mkdir(parents=True, exist_ok=True)
    index = _paper_index(paper_rows)
    groups = _groups(forms)

    # Which works stay on paper, which come only by email.
    n_paper_only = max(1, round(0.08 * len(groups))) if len(groups) > 1 else 0
    paper_only = set(rng.sample(range(len(groups)), n_paper_only))
    emailed = [(g, True) for i, g in enumerate(groups) if i not in paper_only]
    used_titles = {f.written["title"] for f in forms if f.written.get("title")}
    for i in range(max(1, round(len(forms) / 12))):
        entry = _sample_entry(rng, used_titles, is_proposal=i == 2)
        types = (PROPOSAL,) if entry.is_proposal else (WORK_REG, WORK_AUTH)
        emailed.append(([_fill_form(rng, entry, t) for t in types], False))
    rng.shuffle(emailed)

    # Formats and deliberate changes, drawn over every emailed form.
    slots = [(g, j) for g, (group, _) in enumerate(emailed) for j in range(len(group))]
    order = rng.sample(range(len(slots)), len(slots))
    n_pdf = max(1, round(0.17 * len(slots)))
    n_xlsx = max(1, round(0.08 * len(slots)))
    fmt = {slots[k]: ("pdf" if r < n_pdf else "xlsx" if r < n_pdf + n_xlsx else "docx")
           for r, k in enumerate(order)}
    on_paper = [s for s in slots if emailed[s[0]][1]]
    changes: dict[tuple[int, int], list[str]] = {}
    for s in rng.sample(on_paper, min(len(on_paper), max(1, round(0.15 * len(slots))))):
        form = emailed[s[0]][0][s[1]]
        keys = [k for k in CHANGEABLE if k in FIELDS[form.form_type] and form.written.get(k)]
        changes[s] = [rng.choice(keys)]

    mails: list[Mail] = []
    for g, (group, is_paper) in enumerate(emailed):
        unit = _unit_of(group[0], rng)
        split = len(group) > 1 and rng.random() < 0.15  # one message per form
        parts = [[j] for j in range(len(group))] if split else [list(range(len(group)))]
        for part in parts:
            attachments = []
            for j in part:
                form = group[j]
                email_form = _email_copy(form, rng, changes.get((g, j), []))
                paper = index.get(_form_key(form)) if is_paper else None
                if is_paper and paper is None:
                    raise RuntimeError("emailed form has no paper page in the truth")
                attachments.append(_form_attachment(form, email_form, fmt[(g, j)], paper,
                                                    changes.get((g, j), []), rng))
            signed = [group[j].signed_on for j in part if group[j].signed_on]
            base = min(signed) if signed else DEADLINES[group[0].form_type] - timedelta(days=20)
            sent = datetime.combine(base + timedelta(days=rng.randint(0, 3)),
                                    datetime.min.time(), TZ_CN)
            sent += timedelta(minutes=rng.randint(8 * 60, 22 * 60), seconds=rng.randint(0, 59))
            sub_group = [group[j] for j in part]
            mails.append(Mail(unit, _subject(unit, sub_group, rng), sent,
                              _body(unit, rng, True), attachments, _sender(unit, rng)))

    # Oddities: hostile names, a cover letter, a legacy .doc, a mail without attachment.
    docx_atts = [a for m in mails for a in m.attachments if a.truth["format"] == "docx"]
    hostile = rng.sample(docx_atts, min(2, len(docx_atts)))
    for att, name in zip(hostile, ("../../etc/{}.docx", "/tmp/{}.docx")):
        att.filename = name.format(_ATTACHMENT_STEMS[att.truth["form_type"]])
        att.truth["attachment"] = att.filename
    with_letter = rng.choice(mails)
    with_letter.attachments.insert(0, _extra_attachment(
        "关于报送微电影作品的函.docx", cover_letter_docx(with_letter.unit, 1, rng), "other",
        "docx"))
    with_doc = rng.choice(mails)
    junk = OLE_MAGIC + bytes(rng.getrandbits(8) for _ in range(rng.randint(600, 2000)))
    with_doc.attachments.append(_extra_attachment("作品授权书（旧版）.doc", junk, "unreadable",
                                                  "doc"))
    lonely_unit = rng.choice(UNITS)
    lonely = Mail(lonely_unit, f"{_short_unit(lonely_unit)}报送作品（附件补发）",
                  datetime(2023, 9, 18, 16, 20, 0, tzinfo=TZ_CN), _body(lonely_unit, rng, False),
                  [Attachment(None, b"", {
                      "message": "", "attachment": None, "kind": "no_attachment",
                      "form_type": None, "fields": {}, "paper": None, "changed": [],
                      "format": None})], _sender(lonely_unit, rng))
    mails.insert(rng.randint(0, len(mails)), lonely)

    # One docx saved loose in the folder rather than sent.
    rows: list[dict[str, Any]] = []
    candidates = [m for m in mails if len(m.attachments) == 1
                  and m.attachments[0].truth["format"] == "docx"
                  and not m.attachments[0].filename.startswith(("/", ".."))]
    if candidates:
        loose = rng.choice(candidates)
        mails.remove(loose)
        att = loose.attachments[0]
        name = att.filename
        if (email_dir / name).exists() or "/" in name:
            raise RuntimeError(f"unexpected loose file name {name!r}")
        (email_dir / name).write_bytes(att.data)
        rows.append({**att.truth, "message": name, "attachment": name})

    mails.sort(key=lambda m: m.sent)
    in_mbox = mails[-rng.randint(2, 3):] if len(mails) >= 4 else []
    boxed = {id(mail) for mail in in_mbox}
    number = 0
    for mail in mails:
        if id(mail) in boxed:
            continue
        number += 1
        name = f"mail_{number:03d}.eml"
        _write_message(email_dir / name, _build_message(mail, rng, number))
        rows.extend({**a.truth, "message": name} for a in mail.attachments)
    if in_mbox:
        with (email_dir / "inbox_export.mbox").open("wb") as fh:
            for k, mail in enumerate(in_mbox, 1):
                msg = _build_message(mail, rng, 100 + k)
                addr = mail.sender.rsplit("<", 1)[-1].rstrip(">")
                fh.write(f"From {addr} {mail.sent.strftime('%a %b %d %H:%M:%S %Y')}\n".encode())
                data = msg.as_bytes(policy=email.policy.default)
                fh.write(re.sub(rb"(?m)^From ", b">From ", data).rstrip(b"\n") + b"\n\n")
                rows.extend({**a.truth, "message": f"inbox_export.mbox#{k}"}
                            for a in mail.attachments)

    rows.sort(key=lambda r: (r["message"], r["attachment"] or ""))
    with (email_dir / "email_truth.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m samples.generate",
        description="Write scanned contest forms with known truth (truth.jsonl).",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--forms", type=int, default=36, help="number of forms (default 36)")
    parser.add_argument("--no-bad-inputs", action="store_true",
                        help="leave out blank, cover-letter and unreadable files")
    parser.add_argument("--email-out", type=Path, default=None,
                        help="also write the emailed copies (.eml, .mbox, email_truth.jsonl)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = generate(args.out, args.seed, args.forms, bad_inputs=not args.no_bad_inputs,
                    email_dir=args.email_out)
    files = len({row["path"] for row in rows})
    print(f"{len(rows)} truth rows, {files} files in {args.out} "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
