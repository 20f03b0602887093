import re

import pytest

from pipeline.forms import FieldKind
from pipeline.normalize import (
    clean_text,
    comparable,
    is_valid_phone,
    normalize_date,
    normalize_names,
    normalize_phone,
    normalize_value,
    synopsis_length,
)


@pytest.mark.parametrize(
    "raw, want",
    [
        ("13834567890", "13834567890"),
        ("138 3456 7890", "13834567890"),
        ("1383456789O", "13834567890"),  # O read for 0 (domain.md §3)
        ("1$834567β90", "15834567890"),  # $ for 5, β for 8
        ("+86 13834567890", "13834567890"),
        ("0351-1234567", "0351-1234567"),
        ("0351－1234567", "0351-1234567"),
        ("（0351）1234567", "0351-1234567"),
        ("03511234567", "0351-1234567"),
        ("010-12345678", "010-12345678"),
        ("", None),
        ("无", None),
    ],
)
def test_phone_is_normalised_as_spec_4_says(raw, want):
    assert normalize_phone(raw) == want


def test_phone_validity():
    assert is_valid_phone("13834567890")
    assert is_valid_phone("0351-1234567")
    assert not is_valid_phone("1383456789")
    assert not is_valid_phone(None)


@pytest.mark.parametrize(
    "raw, want",
    [
        ("2023年5月10日", "2023-05-10"),
        ("2023 年 5 月 1O 日", "2023-05-10"),
        ("日期：2023.9.2", "2023-09-02"),
        ("2O23年O5月2QE", "2023-05-20"),  # domain.md §3: 2QE read for 20日
        ("  年   月   日", None),
        ("2023年13月1日", None),
    ],
)
def test_date_is_iso(raw, want):
    assert normalize_date(raw) == want


# Dates as people write them (issue #23), each meaning the date beside it.
WRITTEN = [
    ("2023-5-1", "2023-05-01"), ("2023-05-01", "2023-05-01"), ("2023.5.1", "2023-05-01"),
    ("2023.05.01", "2023-05-01"), ("2023/5/1", "2023-05-01"), ("2023/05/15", "2023-05-15"),
    ("2023年5月1日", "2023-05-01"), ("2023年05月01日", "2023-05-01"),
    ("2023年5月1号", "2023-05-01"),
    ("2023年5月1", "2023-05-01"),  # 日 lost
    ("2017-3-2", "2017-03-02"), ("2023.9.2", "2023-09-02"), ("2023-12-31", "2023-12-31"),
    ("23.5.1", "2023-05-01"), ("23/5/15", "2023-05-15"), ("23-05-01", "2023-05-01"),
    ("23年5月1日", "2023-05-01"),
    ("２０２３．５．１", "2023-05-01"), ("２０２３／０５／１５", "2023-05-15"),
    ("２０２３－５－１", "2023-05-01"), ("２０２３年５月１日", "2023-05-01"),
    ("二〇二三年五月十五日", "2023-05-15"), ("二零二三年九月九日", "2023-09-09"),
    ("二○二三年五月一日", "2023-05-01"), ("二〇二三年十月十日", "2023-10-10"),
    ("二〇二三年十二月二十日", "2023-12-20"), ("二〇二三年十二月三十一日", "2023-12-31"),
    ("二〇二三年十一月三十日", "2023-11-30"), ("二〇二三年五月廿一日", "2023-05-21"),
    ("二〇二三年五月廿日", "2023-05-20"), ("二〇二三年五月卅日", "2023-05-30"),
    ("二〇二三年五月卅一日", "2023-05-31"), ("二〇二三年五月十五", "2023-05-15"),  # 日 lost
    ("二三年五月一日", "2023-05-01"), ("2023年五月十五日", "2023-05-15"),
    # What OCR returns for 〇 between two numerals.
    ("二O二三年五月一日", "2023-05-01"), ("二o二三年五月一日", "2023-05-01"),
    ("二0二三年五月一日", "2023-05-01"), ("二Ｏ二三年五月一日", "2023-05-01"),
    ("二口二三年五月一日", "2023-05-01"),
]
TIMES = ["", " 10:30", " 9时", " 16:23:59", " 10：30"]


def spaced(written: str) -> str:
    """As OCR returns it with a space between the parts: 2023 年 5 月 1 日, 2023 . 5 . 1."""
    return re.sub(r"\s+", " ", re.sub(r"([年月日号./\-．／－])", r" \1 ", written)).strip()


@pytest.mark.parametrize("time", TIMES, ids=repr)
@pytest.mark.parametrize("spaces", [False, True], ids=["together", "spaced"])
@pytest.mark.parametrize("written, iso", WRITTEN)
def test_a_date_is_read_as_people_write_it(written, iso, spaces, time):
    assert normalize_date((spaced(written) if spaces else written) + time) == iso


@pytest.mark.parametrize("raw, iso", [
    ("2023-5-1 10:30", "2023-05-01"),  # was 2023-05-11: the hour joined the day
    ("2023.5.1 9时", "2023-05-01"),  # was 2023-05-19
    ("2017-3-2 16:23:59", "2017-03-02"),  # was 2017-03-21
    ("2023-5-110:30", "2023-05-01"),  # the space lost between two OCR boxes joined
    ("2023.5.19时", "2023-05-01"),
    ("2023-5-1510:30", "2023-05-15"),
    ("2023年5月110:30", "2023-05-01"),
])
def test_a_time_after_the_date_never_joins_its_day(raw, iso):
    assert normalize_date(raw) == iso


@pytest.mark.parametrize("raw, iso", [
    ("二〇二三年五月十五日", "2023-05-15"),  # was None: flagged 缺日期, a false alarm to the unit
    ("二零二三年九月九日", "2023-09-09"),  # was None
])
def test_a_date_in_chinese_numerals_is_read(raw, iso):
    assert normalize_date(raw) == iso


@pytest.mark.parametrize("raw", [
    "13834567890", "138 3456 7890", "138-3456-7890", "0351-1234567", "0351-359-4870",
    "12分钟", "3分20秒", "12'30\"", "2023", "2023年", "13:45", "10:30", "第2页",
    "第 3 页 共 12 页", "1/2", "2023年5月", "5月1日", "二〇二三年五月",
    "山西省运城市城区体育路55号",
    "本片讲述了一位乡村教师三十年如一日坚守在太行山深处的小学的故事",
    "2023.5.1.3",  # a numbered section, not a date
    "2023.5.1Tel",  # a look-alike letter that belongs to a word is no digit of the day
    "Ol.lO.lO", "SO-Ol-ZO",  # look-alikes alone make no date
    "2023-5", "O5-O1", "口口年口月口日",
])
def test_what_is_not_a_date_is_none(raw):
    assert normalize_date(raw) is None


@pytest.mark.parametrize("raw", [
    "2023-02-30", "2023年2月29日", "2023.4.31", "二〇二三年四月三十一日", "2023年13月1日",
    "2023-0-10", "2023-5-0", "2023年5月32日", "1023-5-1", "二〇二三年四十月一日",
])
def test_an_impossible_date_is_none(raw):
    assert normalize_date(raw) is None


def test_a_leap_day_is_a_date_in_a_leap_year():
    assert normalize_date("2024年2月29日") == "2024-02-29"


def test_traditional_forms_from_the_recogniser_become_simplified():
    assert clean_text("太原市小店區 長治路 12號") == "太原市小店区长治路12号"
    assert clean_text("中共晉中市委宣傳部".replace("晉", "晋")) == "中共晋中市委宣传部"


def test_chinese_text_keeps_fullwidth_punctuation_and_loses_spaces():
    assert clean_text("本片 讲述了, 一位(乡村)教师。") == "本片讲述了，一位（乡村）教师。"
    assert comparable("A，b") == comparable("A,b")


def test_names_are_joined_by_dunhao():
    assert normalize_names("张三， 李四 王五") == "张三、李四、王五"


@pytest.mark.parametrize("read, name", [
    ("☑邓志", "邓志"),  # the colon after 授权人 read as a ticked box
    ("□ 王小明：", "王小明"),
    ("口琴", "口琴"),  # 口 is a character, not a box
])
def test_a_name_holds_no_box_or_tick(read, name):
    assert normalize_value(FieldKind.PERSON, read) == name
    assert normalize_names(f"{read}、☑李四") == f"{name}、李四"


def test_synopsis_length_counts_characters_and_punctuation_not_spaces():
    assert synopsis_length("一二三，四五。 \n六") == 8


@pytest.mark.parametrize("read, names", [
    ("钟欣姜磊", "钟欣、姜磊"),  # the 、 between two names lost
    ("王刚华杨刚波、郝海", "王刚华、杨刚波、郝海"),
    ("欧阳明华", "欧阳明华"),  # a compound surname: one name
    ("王小明李华", "王小明李华"),  # 王小、明李华 or 王小明、李华: left as read
])
def test_two_names_run_together_are_split_when_only_one_split_fits(read, names):
    assert normalize_names(read) == names
