"""What is written on each form: the generator's model of the world, and the forms' values.

The contest's facts (units, deadlines, work types, field keys) come from :mod:`.facts`; what
is the generator's own is here: cities with their telephone area codes and districts,
streets, names, film titles, synopsis sentences, the cover letter's text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from pipeline.contest import Unit
from samples.generate.dates import DateWriting, date_deck
from samples.generate.facts import (
    CONTEST,
    DEADLINES,
    FIELDS,
    OPTIONS,
    PROPOSAL,
    PROPOSAL_TYPES,
    TITLES,
    UNIT_SPELLINGS,
    UNITS,
    WORK_AUTH,
    WORK_REG,
    WORK_TYPES,
    optional,
)

P_ABSENT = {"title": 0.2}  # how often an optional field's row is not printed
P_ABSENT_DEFAULT = 0.5
# Forms retyped without a table (layout "lines"): how many a mixed batch holds, how often a
# value goes on the line below its label, and how often a long value runs on to the next line.
P_LINES_IN_MIXED = 0.5
P_BELOW = 0.12
P_WRAPPED = 0.3
WRAPPABLE = ("unit", "address", "creators")  # values long enough to run on

# --------------------------------------------------------------------------------------------
# The world: where units sit, who works there, what they film
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    area_code: str  # telephone
    districts: tuple[str, ...]


CITIES = (
    City("太原", "0351", ("小店区", "迎泽区", "杏花岭区", "万柏林区")),
    City("大同", "0352", ("平城区", "云冈区")),
    City("阳泉", "0353", ("城区", "郊区")),
    City("长治", "0355", ("潞州区", "上党区")),
    City("晋城", "0356", ("城区", "泽州县")),
    City("朔州", "0349", ("朔城区", "平鲁区")),
    City("晋中", "0354", ("榆次区", "太谷区")),
    City("运城", "0359", ("盐湖区", "永济市")),
    City("忻州", "0350", ("忻府区", "原平市")),
    City("临汾", "0357", ("尧都区", "洪洞县")),
    City("吕梁", "0358", ("离石区", "孝义市")),
)
CAPITAL = CITIES[0]  # where the provincial committees sit


@cache
def city_of(unit: Unit) -> City:
    """The city a unit sits in: the one its name names; the provincial committees (and any
    unit naming no city) in the capital."""
    if unit.group == "committee":
        return CAPITAL
    return next((city for city in CITIES if city.name in unit.name), CAPITAL)


_STREETS = (
    "长治路", "府西街", "迎泽大街", "新建路", "体育路", "滨河东路", "学府街", "平阳路",
    "建设路", "解放路", "人民路", "文化街", "南内环街", "青年路", "五一路", "朝阳街",
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蒋蔡贾郝武"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文志慧鹏飞宇浩晓婷雪梅海波"
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

# The unit's covering letter (not a form), on paper and attached to an email.
COVER_TITLE = f"关于报送{CONTEST.removesuffix('征集展示活动')}作品的函"
COVER_BODY = (
    f"{CONTEST}组委会办公室：",
    f"　　根据《关于组织开展{CONTEST}的通知》要求，我单位认真组织开展了作品征集和推荐工作。"
    "经初评，现将{works}部作品及{proposals}个重点作品创作文案报送你们，请审核。",
    f"　　报送作品均为原创，我单位已对作品内容进行审核。{TITLES[WORK_REG]}、{TITLES[WORK_AUTH]}"
    "及存储作品的U盘随函寄送。",
    "　　联系人：{contact}，联系电话：{phone}。",
    f"　　附件：1.{TITLES[WORK_REG]}  2.{TITLES[WORK_AUTH]}  3.{TITLES[PROPOSAL]}",
)

# --------------------------------------------------------------------------------------------
# What is written on each form
# --------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One work or key-work proposal of a unit: the facts its forms share."""

    is_proposal: bool
    unit: Unit
    values: dict[str, str]  # field key -> text as written (dates excluded)
    signed_on: date


class Layout(StrEnum):
    """How the units of a batch print their forms."""

    TABLE = "table"  # the office's Word template (its table); the authorization now and then
    # as ``label：value`` lines. The generator's output before layouts existed, byte for byte.
    LINES = "lines"  # retyped without a table: values on underlines, ticked option rows
    MIXED = "mixed"  # each form one or the other, half and half


class Mark(StrEnum):
    """How an option is ticked on a row of printed options."""

    BOXED_TICK = "☑"  # printed: the box with a tick in it
    FILLED_BOX = "■"  # printed: the box filled
    CHECK = "✓"  # printed in place of the box
    ROOT = "√"  # printed in place of the box (the radical sign Word offers as a tick)
    PEN_TICK = "pen_tick"  # a tick stroke drawn by pen over the printed box
    PEN_CIRCLE = "pen_circle"  # a circle drawn by pen round the option

    @property
    def by_pen(self) -> bool:
        return self in (Mark.PEN_TICK, Mark.PEN_CIRCLE)


@dataclass(frozen=True)
class OptionRow:
    """A field printed as a row of options (故事片 □ 纪录片 ☑ ...) and what is ticked on it."""

    ticked: tuple[str, ...]  # the options marked: the value, none, or two (ambiguous)
    mark: Mark | None  # None when nothing is ticked

    @property
    def value(self) -> str | None:
        """What a reader can take from the row: the one option ticked, else nothing."""
        return self.ticked[0] if len(self.ticked) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {"ticked": list(self.ticked), "mark": self.mark and self.mark.value}


@dataclass(frozen=True)
class Retyping:
    """What a form retyped without a table (layout ``lines``) writes its own way."""

    options: dict[str, OptionRow] = field(default_factory=dict)  # option rows, by field key
    date: DateWriting | None = None  # how the date is written (None: not dated)
    below: frozenset[str] = frozenset()  # values on the line below their label
    wrapped: frozenset[str] = frozenset()  # values running on to the next line

    def typed(self) -> Retyping:
        """The same form filled in on the computer: every tick a printed ☑."""
        options = {key: replace(row, mark=Mark.BOXED_TICK) if row.mark and row.mark.by_pen
                   else row for key, row in self.options.items()}
        return replace(self, options=options)

    def to_dict(self) -> dict[str, Any]:
        """The ``layout`` entries of the form's truth row."""
        return {
            "options": {key: row.to_dict() for key, row in self.options.items()},
            "date": self.date.to_dict() if self.date else None,
            "below": sorted(self.below),
            "wrapped": sorted(self.wrapped),
        }


@dataclass
class FormContent:
    """What one printed form says, and who filled it in."""

    form_type: str
    written: dict[str, str | None]  # every non-date key; None = left blank or row absent
    handwritten: frozenset[str]  # keys written by pen, "date" included
    signer: str | None  # None = not signed
    signed_on: date | None  # None = date line left blank
    seal_unit: str | None  # None = no seal; else the official name (Unit.name) on the seal
    absent: frozenset[str] = frozenset()  # optional fields whose row this printing lacks
    retyped: Retyping | None = None  # retyped without a table (layout lines); None: a table

    @property
    def title_row(self) -> bool:
        return "title" not in self.absent

    def truth_fields(self) -> dict[str, str | None]:
        """Every field of the form type, normalised as domain.md §4 asks; an option row gives
        its one ticked option, or nothing when none or two are ticked."""
        out: dict[str, str | None] = {}
        options = self.retyped.options if self.retyped else {}
        for key in FIELDS[self.form_type]:
            value = self.written.get(key)
            if key in options:
                out[key] = options[key].value
            elif key == "date":
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

    def unread_keys(self) -> list[str]:
        """Keys whose value is on the page but no reader can take it: two options ticked."""
        options = self.retyped.options if self.retyped else {}
        return [key for key, row in options.items() if len(row.ticked) > 1]


def normalise_phone(text: str) -> str:
    """domain.md §4: mobiles as 11 digits, landlines as ``0351-1234567``."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    return f"{digits[:4]}-{digits[4:]}"


def person(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def phone(rng: random.Random, unit: Unit) -> str:
    if rng.random() < 0.65:
        number = rng.choice(("13", "15", "18")) + "".join(rng.choices("0123456789", k=9))
        if rng.random() < 0.15:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return number
    local = str(rng.randint(2, 8)) + "".join(rng.choices("0123456789", k=6))
    dash = "－" if rng.random() < 0.3 else "-"
    return f"{city_of(unit).area_code}{dash}{local}"


def _address(rng: random.Random, unit: Unit) -> str:
    city = city_of(unit)
    street = rng.choice(_STREETS)
    number = rng.randint(1, 399)
    tail = f"{number}号" if rng.random() < 0.7 else f"{number}号{rng.randint(1, 12)}号楼"
    return f"山西省{city.name}市{rng.choice(city.districts)}{street}{tail}"


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
        "hero": person(rng),
        "deed": rng.choice(_DEEDS),
        "place": city_of(unit).name,
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


def _unit_as_written(unit: Unit, rng: random.Random) -> str:
    """The official name mostly; an alias; now and then any spelling contest.yaml allows
    (中共 or 山西省 added or dropped, a committee's 宣传部)."""
    roll = rng.random()
    if roll < 0.65:
        return unit.spellings[0]
    if roll < 0.85:
        return rng.choice(unit.spellings)
    return rng.choice(UNIT_SPELLINGS[unit.name])


def sample_entry(rng: random.Random, used_titles: set[str], is_proposal: bool) -> Entry:
    unit = rng.choice(UNITS)
    title = _title(rng, used_titles)
    values = {
        "title": title,
        "unit": _unit_as_written(unit, rng),
        "contact": person(rng),
        "phone": phone(rng, unit),
        "address": _address(rng, unit),
        "synopsis": _synopsis(rng, title, unit, is_proposal),
    }
    if is_proposal:
        values["proposal_type"] = rng.choice(PROPOSAL_TYPES)
    if not is_proposal:
        creators = [person(rng) for _ in range(rng.randint(2, 4))]
        values.update(
            work_type=rng.choice(WORK_TYPES),
            duration=_duration(rng),
            creators="、".join(creators),
            author=creators[0],
        )
    form_type = PROPOSAL if is_proposal else WORK_REG
    return Entry(is_proposal, unit, values, _sign_date(rng, form_type))


def fill_form(rng: random.Random, entry: Entry, form_type: str) -> FormContent:
    keys = [key for key in FIELDS[form_type] if key != "date"]
    written: dict[str, str | None] = {key: entry.values[key] for key in keys}
    # An optional field (the proposal's title, its type) is sometimes not printed at all.
    absent = frozenset(key for key in keys if optional(form_type, key)
                       and rng.random() < P_ABSENT.get(key, P_ABSENT_DEFAULT))
    for key in absent:
        written[key] = None
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
        absent=absent,
    )


def sample_forms(rng: random.Random, n_forms: int) -> list[FormContent]:
    """A batch of forms: works (registration + authorization) and proposals."""
    forms: list[FormContent] = []
    used_titles: set[str] = set()
    while len(forms) < n_forms:
        # A proposal and a complete work come first, so that even a small batch holds all
        # three form types.
        is_proposal = not forms or (len(forms) > 1 and rng.random() < 0.35)
        entry = sample_entry(rng, used_titles, is_proposal)
        if entry.is_proposal:
            types: tuple[str, ...] = (PROPOSAL,)
        elif len(forms) == 1:
            types = (WORK_REG, WORK_AUTH)
        else:
            types = rng.choices(((WORK_REG, WORK_AUTH), (WORK_REG,), (WORK_AUTH,)), (18, 1, 1))[0]
        for form_type in types:
            if len(forms) < n_forms:
                forms.append(fill_form(rng, entry, form_type))
    return forms


# --------------------------------------------------------------------------------------------
# Forms retyped without a table (layout lines)
# --------------------------------------------------------------------------------------------

T = TypeVar("T")


def _dealt(rng: random.Random, deal: Callable[[random.Random], list[T]]) -> Iterator[T]:
    """Round after round of a shuffled deck: every card appears once enough are drawn."""
    while True:
        yield from deal(rng)


def _tick_round(rng: random.Random) -> list[tuple[Mark | None, int]]:
    """How option rows are ticked, one round: mostly one printed mark, a share by pen, one row
    left unticked and one ticked twice."""
    deck: list[tuple[Mark | None, int]] = [
        (Mark.BOXED_TICK, 1), (Mark.BOXED_TICK, 1), (Mark.FILLED_BOX, 1), (Mark.CHECK, 1),
        (Mark.ROOT, 1), (Mark.PEN_TICK, 1), (Mark.PEN_CIRCLE, 1), (None, 0),
        (rng.choice(list(Mark)), 2),
    ]
    rng.shuffle(deck)
    return deck


def _option_row(value: str | None, options: tuple[str, ...], rng: random.Random,
                ticks: Iterator[tuple[Mark | None, int]]) -> OptionRow:
    if value is None:  # the value was left blank: nothing ticked
        return OptionRow((), None)
    mark, count = next(ticks)
    if count == 0:
        return OptionRow((), None)
    if count == 1:
        return OptionRow((value,), mark)
    other = rng.choice([option for option in options if option != value])
    return OptionRow(tuple(o for o in options if o in (value, other)), mark)


def retype(forms: Sequence[FormContent], rng: random.Random, layout: Layout
           ) -> list[FormContent]:
    """The forms as units print them in ``layout``: with ``lines`` (``mixed``: half of them)
    each retyped without a table, its option rows ticked and its date written every way the
    deck deals. ``table`` returns the forms unchanged and draws nothing from ``rng``."""
    if layout is Layout.TABLE:
        return list(forms)
    ticks = _dealt(rng, _tick_round)
    dates = _dealt(rng, date_deck)
    out = []
    for form in forms:
        if layout is Layout.MIXED and rng.random() >= P_LINES_IN_MIXED:
            out.append(form)
            continue
        options = {key: _option_row(form.written[key], words, rng, ticks)
                   for key, words in OPTIONS[form.form_type].items()
                   if key not in form.absent}
        plain = [key for key in FIELDS[form.form_type] if key not in options
                 and key not in ("date", "synopsis") and form.written.get(key) is not None]
        below = frozenset(key for key in plain if rng.random() < P_BELOW)
        wrapped = frozenset(key for key in plain if key in WRAPPABLE and key not in below
                            and len(form.written[key] or "") >= 8 and rng.random() < P_WRAPPED)
        retyping = Retyping(options, next(dates) if form.signed_on else None, below, wrapped)
        # The words of an option row are printed; only a tick drawn by pen is handwriting.
        hand = (form.handwritten - set(options)) | {
            key for key, row in options.items() if row.ticked and row.mark and row.mark.by_pen}
        out.append(replace(form, handwritten=frozenset(hand), retyped=retyping))
    return out
