"""What people read speaks Chinese by default: every reason (a code with parameters) has its
words in both languages, rendered only where a person reads them; the manifest keeps the code
and an English rendering. A code, a form type, a flag, a field or a catalog key without words
fails here, never at run time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import i18n, ingest, pdf
from pipeline.errors import SKIP_CODES, Code, InputError, Place, Reason
from pipeline.forms import schemas
from pipeline.limits import Limits
from pipeline.mail.kinds import attachment_kind
from pipeline.mail.messages import read_attachments
from pipeline.model import ErrorItem, Flag, FlagKind, FormType

CJK = re.compile(r"[\u4e00-\u9fff]")
PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"


def english_sentence(said: str) -> str | None:
    """The first run of three English words in a text people read, once what is not a
    sentence is taken out: commands in backticks, options, file names and suffixes, links,
    the values a reason was given."""
    plain = re.sub(r"`[^`]*`|--[\w-]+|https?://\S+|[\w.-]*\.[A-Za-z]{2,4}\b", " ", said)
    found = re.search(r"[A-Za-z]{2,}(?:[\s,;:()'-]+[A-Za-z]{2,}){2,}", plain)
    return found.group(0) if found else None


def _sample(code: Code) -> Reason:
    """A reason of ``code`` with every placeholder its words have filled (a nested reason for
    ``inner``, cells for a refused sheet, a place for a duplicate)."""
    names = set(re.findall(r"\{(\w+)", i18n._SAID[code][1]))
    params: dict[str, object] = {name: "42" for name in names}
    if "inner" in names:
        params["inner"] = Reason(Code.PDF_PASSWORD)
    if "cells" in names:
        params["cells"] = [Reason(Code.CELL_UNKNOWN_COLUMN, {"cell": "Q1", "name": "'x'"})]
    if "place" in names:
        params["place"] = Place("a.eml", 2, "授权书.pdf")
    if "links" in names:
        params["links"] = ["https://pan.baidu.com/s/1"]
    return Reason(code, params)


@pytest.mark.parametrize("code", list(Code))
def test_every_code_is_said_in_both_languages(code):
    assert code in i18n._SAID, f"{code} has no words in the catalog"
    reason = _sample(code)
    zh, en = i18n.say(reason, "zh"), i18n.say(reason, "en")
    # A schema's or configuration's fault is carried as written, for whoever maintains it.
    assert CJK.search(zh) and english_sentence(zh.replace("42", "")) is None, zh
    assert en and not CJK.search(en.replace("授权书", "")), en
    assert str(reason) == en  # the manifest's English, for scripts
    if code in SKIP_CODES:  # the summary counts skipped lines by a few words
        assert CJK.search(i18n.short(reason, "zh")) and i18n.short(reason, "en")


def test_a_reason_survives_the_store_with_its_parameters():
    reason = Reason(Code.ARCHIVE, {"kind": "7z", "inner": Reason(Code.DAMAGED, {"why": "x"})})
    assert Reason.from_dict(reason.to_dict()) == reason
    assert i18n.say(reason, "zh") == "7z 压缩包：文件已损坏：请向报送单位重新索取"
    place = Reason(Code.DUPLICATE, {"place": Place("a.eml", 1, "授权书.pdf")})
    assert Reason.from_dict(place.to_dict()) == place
    assert i18n.say(place, "zh") == "与 a.eml [授权书.pdf] 第 1 页 为同一页面，只保留一份"
    assert i18n.say(place, "en") == "same page as a.eml [授权书.pdf] page 1; kept once"


def _raised(call) -> Reason:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value.reason


def _reasons(tmp_path) -> list[Reason]:
    """Reasons as the readers give them, from the real code paths."""
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.txt"
    text.write_text("会议记录", encoding="utf-8")
    fake = tmp_path / "scan.pdf"
    fake.write_text("not a pdf at all", encoding="utf-8")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF" + b"0" * 4096)
    mail = tmp_path / "letter.eml"
    mail.write_text("just some words, no headers\n", encoding="utf-8")
    limits = Limits(max_pixels=100, max_pages=1, max_bytes=10, max_depth=1)
    found = [
        _raised(lambda: ingest.read_kind(str(empty))),
        _raised(lambda: ingest.read_kind(str(text))),
        _raised(lambda: ingest.read_kind(str(fake))),
        _raised(lambda: pdf.open_pdf(data=b"%PDF-1.4 broken")),
        _raised(lambda: limits.check_size(str(big))),
        _raised(lambda: limits.check_pages(5)),
        _raised(lambda: limits.check_pixels(50, 50)),
        _raised(lambda: limits.check_depth(3)),
        _raised(lambda: limits.check_unpacked_size(10 ** 6)),
        _raised(lambda: read_attachments(str(mail))),
    ]
    for data, name in ((b"", "a.docx"), (b"{\\rtf1 hello}", "a.doc"),
                       (b"Rar!\x1a\x07\x00" + b"0" * 64, "a.rar"), (b"\x00\x01junk" * 20, "a.bin"),
                       (b"PK\x03\x04broken", "a.zip")):
        kind, why = attachment_kind(data, name)
        assert why, name
        found.append(why)
    return found


def test_the_readers_real_failures_are_said_in_chinese(tmp_path):
    for reason in _reasons(tmp_path):
        zh = i18n.say(reason, "zh")
        assert CJK.search(zh) and english_sentence(zh) is None, (reason, zh)
    # An exception's own words stay in the English the manifest keeps, for whoever
    # maintains formscan; people read what happened and what to do.
    failed = Reason(Code.PAGE_FAILED, {"stage": "ocr", "inner": Reason(
        Code.STAGE_RAISED, {"why": "RuntimeError: engine crashed"})})
    assert i18n.say(failed, "zh") == ("ocr 步骤失败：程序内部错误；"
                                      "本页作为失败记录保留，请报告此问题")
    assert str(failed) == ("ocr failed: RuntimeError: engine crashed; the page is kept as a "
                           "failed record, please report it")


def test_every_form_type_flag_and_field_has_words():
    for form_type in FormType:
        for lang in i18n.LANGS:
            assert f"form.{form_type.value}" in i18n._WORDS, form_type
            assert i18n.form_name(lang, form_type) != f"form.{form_type.value}"
    for kind in FlagKind:
        assert f"flag.{kind.value}" in i18n._WORDS, kind
        for form_type in schemas():
            flag = Flag(kind, "phone" if "{key}" in i18n._WORDS[f"flag.{kind.value}"][1] else None)
            assert CJK.search(i18n.flag_words(flag, "zh", form_type)), flag
    for schema in schemas().values():
        for spec in schema.fields:
            for lang in i18n.LANGS:
                assert i18n.field_names(lang, schema.form_type)[spec.key], spec.key


def test_the_catalog_takes_its_numbers_from_where_they_live():
    """The synopsis limit is the schema's max_chars, not a number written in the catalog."""
    said = i18n.flag_words(Flag(FlagKind.SYNOPSIS_TOO_LONG), "zh", "proposal_registration")
    limit = schemas()[FormType.PROPOSAL_REGISTRATION].field("synopsis").max_chars
    assert said == f"文案简介超过{limit}字"
    assert not any("500" in words for pair in i18n._WORDS.values() for words in pair)


def test_every_catalog_key_the_code_asks_for_exists():
    asked = set()
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.glob("*.html"), *PACKAGE.glob("*.js")]:
        source = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"""\btext\(\s*[\w."]+,\s*"([\w.:]+)"\s*[,)]""", source))
        asked |= set(re.findall(r"""\bt\("([\w.:]+)"[,)]""", source))
        asked |= set(re.findall(r'data-t="([\w.:]+)"', source))
    missing = sorted(k for k in asked if k not in i18n._WORDS)
    assert asked and not missing, missing


def test_the_progress_bar_speaks_chinese():
    import io

    from pipeline.batch import PageBar

    shown = io.StringIO()
    bar = PageBar(total=90, file=shown, desc=i18n.text("zh", "bar.scanning"),
                  bar_format=PageBar.format_in("zh"), smoothing=0)
    bar.start_t -= 60
    bar.update(30)
    assert "读取扫描件" in str(bar) and "30/90 页" in str(bar) and "每分钟 30.0 页" in str(bar)
    bar.close()


def test_the_catalog_speaks_both_languages_with_the_same_placeholders():
    for key, (zh, en) in i18n._WORDS.items():
        assert zh and en, key
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key
    for code, (zh, en) in i18n._SAID.items():
        # The Chinese leaves out an exception's own (English) words: the manifest keeps them.
        assert set(re.findall(r"\{(\w+)\}", en)) - set(re.findall(r"\{(\w+)\}", zh)) <= {"why"}
        assert set(re.findall(r"\{(\w+)\}", zh)) <= set(re.findall(r"\{(\w+)\}", en)), code


def test_a_flags_words_use_the_forms_own_label():
    title = Flag(FlagKind.MISREAD, "title")
    assert i18n.in_words([title], "zh", "proposal_registration") == (
        "请看原件：文案名称（疑似识别错误，与电子版不同）")
    assert i18n.in_words([title], "zh", "work_authorization").startswith("请看原件：作品名称")
    assert i18n.in_words([title, Flag(FlagKind.MISSING_SEAL)], "en") == (
        "look at the page: title (likely misread, differs from the email); no seal")


def test_what_stops_a_command_is_said_in_chinese():
    refused = Reason(Code.SHEET_REFUSED, {"sheet": "/tmp/edited.xlsx", "cells": [
        Reason(Code.CELL_UNKNOWN_COLUMN, {"cell": "Q1", "name": "'phone2'"}),
        Reason(Code.CELL_UNKNOWN_DOCUMENT, {"cell": "A3", "doc": "'zzz'"})]})
    assert i18n.say(refused, "zh") == (
        "/tmp/edited.xlsx：未导入任何更正；Q1：未知的列 'phone2'；A3：本批次中没有文件 'zzz'")
    busy = Reason(Code.BATCH_BUSY, {"folder": "/data/out"})
    assert i18n.say(busy, "zh").startswith("/data/out 正被另一个 formscan 使用")


def test_an_error_item_keeps_its_reason_and_english():
    item = ErrorItem("ocr", 3, Reason(Code.PAGE_TIMEOUT, {"s": 20}))
    again = ErrorItem.from_dict(item.to_dict())
    assert again == item and item.to_dict()["message"].startswith("reading this page took")


@pytest.mark.ocr
def test_the_batchs_sheets_follow_the_language_of_the_last_command(tmp_path):
    import csv
    import subprocess
    import sys

    # A phone photo of a proposal form with no signature: one flag to put in words.
    photo = Path(__file__).resolve().parents[1] / "samples" / "paper" / "IMG_7946.jpg"
    out = tmp_path / "out"

    def what_to_do() -> list[str]:
        with (out / "records.csv").open(encoding="utf-8-sig") as fh:
            return [row["what_to_do"] for row in csv.DictReader(fh)]

    def formscan(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "pipeline", *args, "--out", str(out)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    formscan("scan", str(photo), "--no-progress", "--lang", "en", "--workers", "1")
    assert what_to_do() == ["no signature"]
    formscan("reconcile")  # Chinese by default: the sheet follows
    assert what_to_do() == ["缺签名"]


# Messages argparse raises only for a parser built wrong: formscan's own fault, never a
# clerk's; they stay in argparse's English.
ARGPARSE_PROGRAMMERS = {
    ".__call__() not defined", "'required' is an invalid argument for positionals",
    "mutually exclusive arguments must be optional", "cannot merge actions - two groups are "
    "named %r", "invalid option string %(option)r: must start with a character "
    "%(prefix_chars)r", "dest= is required for options like %r", "invalid conflict_resolution "
    "value: %r", "cannot have multiple subparser arguments", "%r is not callable",
    "conflicting subparser: %s", "conflicting subparser alias: %s",
    "conflicting option string: %s", "conflicting option strings: %s",
    'argument "-" with mode %r', "expected %s arguments",  # the plural: one Chinese form
}


def _argparse_msgids() -> set[str]:
    """Every msgid the running Python's argparse words through gettext (``_``, ``ngettext``)."""
    import argparse
    import ast
    import inspect

    found = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
            found |= {a.value for a in node.args
                      if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_message_argparse_can_show_a_clerk_has_chinese_words():
    msgids = _argparse_msgids()
    missing = msgids - set(i18n.ARGPARSE) - ARGPARSE_PROGRAMMERS
    assert not missing, f"argparse says these in English only: {sorted(missing)}"
    unknown = set(i18n.ARGPARSE) - msgids - {"subcommands"}  # a default title, not a call
    assert not unknown, f"no such msgid in this Python's argparse: {sorted(unknown)}"
    for msgid, (zh, en) in i18n.ARGPARSE.items():
        assert CJK.search(zh) and en == msgid, msgid
        # The same %-placeholders: argparse fills them after looking the words up.
        assert sorted(re.findall(r"%\(\w+\)[rs]|%[rs]", zh)) == sorted(
            re.findall(r"%\(\w+\)[rs]|%[rs]", msgid)), msgid
    words = i18n.ArgparseWords("zh")
    assert words.gettext("usage: ") == "用法："
    assert words.gettext("no such msgid") == "no such msgid"
    assert words.ngettext("expected %s argument", "expected %s arguments", 2) == "需要 %s 个值"
    english = i18n.ArgparseWords("en")
    assert english.ngettext("expected %s argument", "expected %s arguments", 2) == (
        "expected %s arguments")


def test_every_flag_a_letter_chases_is_said_in_the_units_words():
    from pipeline.letters import CHASED

    for kind in CHASED:
        assert f"letter.chase.{kind.value}" in i18n._WORDS, kind
        flag = Flag(kind, "3" if kind is FlagKind.CLAUSE_MISSING else "phone")
        said = i18n.chase_words(flag, "zh", "work_registration")
        assert CJK.search(said) and "{" not in said, kind
    assert i18n.chase_words(Flag(FlagKind.EMAIL_ONLY), "zh") == "未寄纸质版"
    assert i18n.chase_words(Flag(FlagKind.PAPER_ONLY), "zh") == "未发电子版"
    assert i18n.chase_words(Flag(FlagKind.MISMATCH, "phone"), "zh",
                            "work_registration") == "纸质版与电子版不一致：电话"
    assert i18n.chase_words(Flag(FlagKind.CLAUSE_MISSING, "2"), "zh") == "缺承诺条款第2条"
