"""What people read speaks Chinese by default: every reason an input fails or is skipped has
its Chinese words (the manifest keeps the English), and the catalog has both languages."""

from __future__ import annotations

import re

import pytest

from pipeline import i18n, ingest, pdf
from pipeline.batch import _decoder_failed, _reason, _too_long
from pipeline.errors import InputError
from pipeline.limits import Limits
from pipeline.mail.kinds import attachment_kind
from pipeline.mail.messages import read_attachments
from pipeline.model import Flag, FlagKind
from pipeline.stages import BLANK, NOT_A_FORM

CJK = re.compile(r"[\u4e00-\u9fff]")


def _raised(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    return str(caught.value)


def _reasons(tmp_path) -> list[str]:
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
        BLANK, NOT_A_FORM, _too_long(20), _decoder_failed(ValueError("bad header")),
        "the OCR engine's process died reading this page",
    ]
    for data, name in ((b"", "a.docx"), (b"{\\rtf1 hello}", "a.doc"),
                       (b"Rar!\x1a\x07\x00" + b"0" * 64, "a.rar"), (b"\x00\x01junk" * 20, "a.bin"),
                       (b"PK\x03\x04broken", "a.zip")):
        kind, why = attachment_kind(data, name)
        assert why, name
        found.append(why)
    return found


def test_every_reason_the_readers_give_has_chinese_words(tmp_path):
    for message in _reasons(tmp_path):
        zh = i18n.reason(message, "zh")
        assert zh != message and CJK.search(zh), message  # a Chinese sentence for people
        assert i18n.reason(message, "en") == message  # the manifest's English, as it is
    # Technical detail carried into the Chinese as it came (an exception's own words).
    assert "bad header" in i18n.reason(_decoder_failed(ValueError("bad header")), "zh")
    # Nested: an attachment's reason is translated inside its prefix.
    inner = "PDF is password-protected: ask the sender for an unprotected copy"
    assert i18n.reason(f"attached {inner}", "zh") == (
        "附件：PDF 有密码保护：请向发件单位索取无密码版本")


def test_a_failed_pages_reason_and_joined_notes_are_translated_whole():
    from pipeline.model import ErrorItem

    kept = (f"{ErrorItem('ocr', 3, _too_long(20))}; the page is kept as a failed record, "
            "please report it")  # as the batch writes a failed page's manifest line
    assert i18n.reason(kept, "zh") == (
        "ocr 步骤失败：本页读取超过 20 秒，已停止（可用 --page-timeout 提高上限）；"
        "本页作为失败记录保留，请报告此问题")
    notes = ("named .jpg but is really a PDF file; read as PDF; the PDF was damaged (cut "
             "short, or its structure broken) and was repaired to be read: check against the "
             "paper that no page is missing")  # two notes of one file, as the source joins them
    assert i18n.reason(notes, "zh") == (
        "文件名为 .jpg，实际是 PDF 文件，已按 PDF 读取；PDF 已损坏（不完整或结构损坏），已修复后"
        "读取：请对照纸质原件核对是否缺页")
    assert i18n.reason("something new; not in the catalog", "zh") == (
        "something new; not in the catalog")  # shown as it is, never garbled


def test_the_progress_bar_speaks_chinese(tmp_path):
    import io

    from pipeline.batch import PageBar

    shown = io.StringIO()
    bar = PageBar(total=90, file=shown, desc=i18n.text("zh", "bar.scanning"),
                  bar_format=PageBar.format_in("zh"), smoothing=0)
    bar.start_t -= 60
    bar.update(30)
    assert "读取扫描件" in str(bar) and "30/90 页" in str(bar) and "每分钟 30.0 页" in str(bar)
    bar.close()


def test_the_summarys_short_skip_reasons_have_chinese_words(tmp_path):
    for message in (BLANK, NOT_A_FORM, "message has no attachment: nothing to read",
                    _raised(lambda: ingest.read_kind(str(_text_file(tmp_path))))):
        assert CJK.search(i18n.reason(_reason(message), "zh")), message


def _text_file(tmp_path):
    path = tmp_path / "readme.txt"
    path.write_text("x", encoding="utf-8")
    return path


def test_the_catalog_speaks_both_languages_with_the_same_placeholders():
    for key, (zh, en) in i18n._WORDS.items():
        assert zh and en, key
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key
    for en, zh in i18n._REASONS:
        assert set(re.findall(r"\{(\w+)\}", zh)) <= set(re.findall(r"\{(\w+)\}", en)), en


def test_a_flags_words_use_the_forms_own_label():
    title = Flag(FlagKind.MISREAD, "title")
    assert i18n.in_words([title], "zh", "proposal_registration") == (
        "请看原件：文案名称（疑似识别错误，与电子版不同）")
    assert i18n.in_words([title], "zh", "work_authorization").startswith("请看原件：作品名称")
    assert i18n.in_words([title, Flag(FlagKind.MISSING_SEAL)], "en") == (
        "look at the page: title (likely misread, differs from the email); no seal")


def test_what_stops_a_command_is_said_in_chinese():
    refused = ("/tmp/edited.xlsx: nothing imported; Q1: unknown column 'phone2'; A3: no "
               "document 'zzz' in this batch")  # as import-corrections refuses a sheet
    assert i18n.reason(refused, "zh") == (
        "/tmp/edited.xlsx：未导入任何更正；Q1：未知的列 'phone2'；A3：本批次中没有文件 'zzz'")
    busy = ("/data/out is in use by another formscan (one run per batch folder): wait for it to "
            "finish, or give another --out")
    assert i18n.reason(busy, "zh").startswith("/data/out 正被另一个 formscan 使用")


@pytest.mark.ocr
def test_the_batchs_sheets_follow_the_language_of_the_last_command(tmp_path):
    import csv
    import subprocess
    import sys
    from pathlib import Path

    # A phone photo of a proposal form with no signature: one flag to put in words.
    pdf = Path(__file__).resolve().parents[1] / "samples" / "paper" / "IMG_7946.jpg"
    out = tmp_path / "out"

    def what_to_do() -> list[str]:
        with (out / "records.csv").open(encoding="utf-8-sig") as fh:
            return [row["what_to_do"] for row in csv.DictReader(fh)]

    def formscan(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "pipeline", *args, "--out", str(out)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    formscan("scan", str(pdf), "--no-progress", "--lang", "en", "--workers", "1")
    assert what_to_do() == ["no signature"]
    formscan("reconcile")  # Chinese by default: the sheet follows
    assert what_to_do() == ["缺签名"]
