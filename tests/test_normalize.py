import pytest

from pipeline.normalize import (
    clean_text,
    comparable,
    is_valid_phone,
    normalize_date,
    normalize_names,
    normalize_phone,
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


def test_traditional_forms_from_the_recogniser_become_simplified():
    assert clean_text("太原市小店區 長治路 12號") == "太原市小店区长治路12号"
    assert clean_text("中共晉中市委宣傳部".replace("晉", "晋")) == "中共晋中市委宣传部"


def test_chinese_text_keeps_fullwidth_punctuation_and_loses_spaces():
    assert clean_text("本片 讲述了, 一位(乡村)教师。") == "本片讲述了，一位（乡村）教师。"
    assert comparable("A，b") == comparable("A,b")


def test_names_are_joined_by_dunhao():
    assert normalize_names("张三， 李四 王五") == "张三、李四、王五"


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
