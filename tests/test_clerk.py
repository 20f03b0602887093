"""What the office's clerk is shown: true and readable (upright crops, honest summaries,
usable sheets, clear errors)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import read_jsonl

from pipeline import cli
from pipeline.api import read_email, reconcile, report, scan
from pipeline.batch import BatchOptions
from pipeline.cli import main, print_next
from pipeline.contest import default_contest
from pipeline.model import Origin

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "paper"
TEXT_PDF = SAMPLES / "submission_01.pdf"  # a work registration form with a text layer
SCAN = SAMPLES / "scan_0292.png"  # a scanned work registration form, 一封没寄出的信


def formscan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    a = cv2.resize(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), (120, 170)).astype(float)
    b = cv2.resize(cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), (120, 170)).astype(float)
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


@pytest.mark.ocr
def test_a_page_scanned_upside_down_is_shown_upright(tmp_path):
    page = cv2.imread(str(SCAN))
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "upside_down.png"), np.ascontiguousarray(np.rot90(page, 2)))
    out = tmp_path / "out"
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    report(out, default_contest())
    record = read_jsonl(out / "records.jsonl")[0]
    thumb = cv2.imread(str(out / "report" / "thumbs" / f"{record['doc_id']}.jpg"))
    # The thumbnail is the page as it reads, not as it lay in the scanner.
    upright, flipped = _similarity(thumb, page), _similarity(thumb, np.rot90(page, 2))
    assert upright > 0.5 and upright > flipped + 0.4, (upright, flipped)
    # The title's crop shows the title upright: it is the same region of the upright page.
    crop = cv2.imread(str(out / "report" / "crops" / f"{record['doc_id']}-title.jpg"))
    x0, y0, x1, y1 = record["fields"]["title"]["bbox"]  # on the scan as it was read
    h, w = page.shape[:2]
    region = page[max(int(h - y1) - 8, 0):int(h - y0) + 8,
                  max(int(w - x1) - 8, 0):int(w - x0) + 8]
    assert _similarity(crop, region) > _similarity(crop, np.rot90(region, 2)) + 0.3
    # A synopsis crop is large enough to read its characters (≥ 24 px high each).
    synopsis = cv2.imread(str(out / "report" / "crops" / f"{record['doc_id']}-synopsis.jpg"))
    assert synopsis.shape[1] >= 900


@pytest.mark.ocr
def test_reconcile_without_emailed_copies_flags_nothing_and_says_so(tmp_path):
    out = tmp_path / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    pairs = reconcile(out, default_contest()).pairs
    assert [p.status for p in pairs] == ["paper_only"]
    record = read_jsonl(out / "records.jsonl")[0]
    assert "paper_only" not in record["flags"]
    run = formscan("reconcile", "--out", str(out))
    assert run.returncode == 0 and "本批次尚无电子版" in run.stdout


def test_a_mistyped_input_is_a_usage_error_and_makes_no_batch(tmp_path):
    out = tmp_path / "out"
    run = formscan("scan", str(tmp_path / "nope.pdf"), "--out", str(out))
    assert run.returncode == 2 and "没有这个文件或文件夹" in run.stderr
    assert not out.exists()
    (tmp_path / "empty").mkdir()
    run = formscan("scan", str(tmp_path / "empty"), "--out", str(out), "--lang", "en")
    assert run.returncode == 2 and "nothing to read" in run.stderr and not out.exists()


@pytest.mark.ocr
def test_forget_takes_a_file_out_and_its_duplicates_are_read_again(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(TEXT_PDF.read_bytes())
    (folder / "b.pdf").write_bytes(TEXT_PDF.read_bytes())  # the same page again
    out = tmp_path / "out"
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    assert [m["status"] for m in read_jsonl(out / "manifest.jsonl")] == ["ok", "duplicate"]
    run = formscan("forget", str(folder / "a.pdf"), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "b.pdf" in run.stdout and "下次运行时重读" in run.stdout
    assert read_jsonl(out / "manifest.jsonl") == [] and read_jsonl(out / "records.jsonl") == []
    scan([str(folder / "b.pdf")], out, BatchOptions(progress=False, workers=1))
    (line,) = read_jsonl(out / "manifest.jsonl")
    assert line["status"] == "ok" and line["path"].endswith("b.pdf")
    assert formscan("forget", "nope.pdf", "--out", str(out)).returncode == 2


@pytest.mark.ocr
def test_duplicates_name_both_places_in_the_audit_and_the_report(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(TEXT_PDF.read_bytes())
    (folder / "copy.pdf").write_bytes(TEXT_PDF.read_bytes())
    out = tmp_path / "out"
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    assert formscan("audit", "--out", str(out)).returncode == 0
    flagged = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    (row,) = flagged.to_dict("records")
    assert row["path"].endswith("a.pdf") and row["also_at"].endswith("copy.pdf 第 1 页")
    assert "同一页面重复提交" in row["missing"]
    page = report(out, default_contest()).read_text(encoding="utf-8")
    assert json.dumps(str(folder / "copy.pdf") + " 第 1 页", ensure_ascii=False) in page


@pytest.mark.ocr
def test_summaries_say_what_this_run_did_and_what_comes_next(tmp_path):
    out = tmp_path / "out"
    first = formscan("scan", str(TEXT_PDF), "--out", str(out), "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "本次：输入文件 1 个，读取 1 页（成功 1" in first.stdout
    here = shlex.join([sys.executable, "-m", "pipeline"])  # the formscan that ran, in full
    assert f"下一步：{here} email 邮件… --out {out}（读取电子版），然后 {here} reconcile" in (
        first.stdout)
    again = formscan("scan", str(TEXT_PDF), "--out", str(out), "--no-progress", "-v",
                     "--lang", "en")
    assert "0 pages read" in again.stdout and "1 read by an earlier run" in again.stdout
    assert "reading " in again.stderr  # -v after the command says each file
    mail = tmp_path / "no_attachment.eml"
    mail.write_text("From: a@b.cn\nSubject: 报名\n\n正文\n", encoding="utf-8")
    email = formscan("email", str(mail), "--out", str(out), "--no-progress")
    assert "读取 1 个附件" in email.stdout
    assert "邮件没有附件" in email.stdout  # the reason, not "blank, not a form"


def test_run_takes_either_input_alone_and_version_is_said():
    done = formscan("--version")
    assert done.returncode == 0 and done.stdout.startswith("formscan ")
    refused = formscan("run", "--out", "/tmp/never-made")
    assert refused.returncode == 2 and "--paper" in refused.stderr


@pytest.mark.ocr
def test_run_with_paper_alone(tmp_path):
    out = tmp_path / "out"
    done = formscan("run", "--paper", str(TEXT_PDF), "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").exists() and "尚无电子版" in done.stdout


@pytest.mark.ocr
def test_output_errors_say_what_to_do_and_leave_nothing_behind(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    done = formscan("scan", str(TEXT_PDF), "--out", str(afile))
    assert done.returncode == 5 and "是文件而不是文件夹" in done.stderr
    assert "Traceback" not in done.stderr
    out = tmp_path / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    (out / "records.csv").unlink()
    (out / "records.csv").mkdir()  # stands for a file another program holds
    done = formscan("scan", str(TEXT_PDF), "--out", str(out), "--no-progress", "--lang", "en")
    assert done.returncode == 5 and "cannot" in done.stderr and "records.csv" in done.stderr
    done = formscan("scan", str(TEXT_PDF), "--out", str(out), "--no-progress")
    assert done.returncode == 5 and "无法" in done.stderr and "records.csv" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(out.glob(".tmp-*"))


@pytest.mark.ocr
def test_sheets_are_made_for_people(tmp_path):
    out = tmp_path / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    sheet = openpyxl.load_workbook(out / "records.xlsx").active
    # Row 1: the keys import-corrections reads, hidden; row 2: the columns in words, frozen
    # and filterable; the documents below.
    assert sheet.row_dimensions[1].hidden and sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref.startswith("A2:")
    header = [c.value for c in sheet[1]]
    words = dict(zip(header, (c.value for c in sheet[2])))
    assert (words["form_type"], words["phone"], words["signature"]) == ("表格类型", "电话",
                                                                        "签名")
    synopsis = header.index("synopsis") + 1
    letter = openpyxl.utils.get_column_letter(synopsis)
    assert sheet.column_dimensions[letter].width == 60
    assert sheet.cell(3, synopsis).alignment.wrap_text
    assert sheet.column_dimensions["A"].width >= 16  # a doc_id is not cut
    row = dict(zip(header, (c.value for c in sheet[3])))
    assert (row["form_type"], row["origin"], row["signature"]) == ("作品登记表", "纸质版", "有")
    assert row["unit_listed"] == "中共忻州市委宣传部" and row["export"]
    assert "what_to_do" in header and "flags" not in header  # words for people, keys in CSV


def test_email_read_alone_reads_its_attachments(tmp_path):
    out = tmp_path / "out"
    summary = read_email([str(ROOT / "samples" / "email")], out,
                         BatchOptions(progress=False, workers=1))
    truth = read_jsonl(ROOT / "samples" / "email-truth.jsonl")
    assert summary.origin is Origin.EMAIL
    assert summary.pages == sum(t["attachment"] is not None for t in truth)  # 13, each listed
    assert [f.attachment for f in summary.failures] == [
        t["attachment"] for t in truth if t["kind"] == "unreadable"]  # the damaged .doc


@pytest.mark.ocr
def test_each_value_in_the_report_says_where_it_comes_from(tmp_path):
    out = tmp_path / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    for lang, words in (("zh", "电子文本：PDF"), ("en", "typed, from the PDF's text")):
        page = report(out, default_contest(), lang).read_text(encoding="utf-8")
        data = json.loads(page.split('id="data">')[1].split("</script>")[0]
                          .replace("<\\/", "</"))
        (doc,) = data["documents"]
        assert doc["fields"]["title"]["source"] == words


def _usage_error(argv: list[str], capsys) -> str:
    """What ``formscan ARGV`` says on stderr when argparse refuses it (exit 2)."""
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    return capsys.readouterr().err


def test_usage_errors_are_said_in_chinese_unless_english_is_asked(capsys):
    alone = formscan()
    assert alone.returncode == 2
    assert alone.stderr.startswith("用法：formscan")
    assert "formscan：错误：缺少必需的参数：命令" in alone.stderr
    assert "usage" not in alone.stderr and "required" not in alone.stderr
    said = _usage_error(["scna"], capsys)
    assert "formscan：错误：" in said and "无效的选择：'scna'" in said and "'scan'" in said
    # --lang before the command, after it, or as --lang=en: argparse's words follow it.
    for argv in (["--lang", "en", "scna"], ["scna", "--lang=en"]):
        said = _usage_error(argv, capsys)
        assert said.startswith("usage: formscan") and "invalid choice: 'scna'" in said, argv
    said = _usage_error(["scan", "--out", "o", "--workers", "0", "a.pdf"], capsys)
    assert "参数 --workers：'0' 不是大于等于 1 的整数" in said
    said = _usage_error(["review", "--lang", "en", "--port", "x", "--out", "o"], capsys)
    assert "argument --port: 'x' is not a number of 0 or more" in said


def test_help_is_chinese_by_default(capsys):
    with pytest.raises(SystemExit) as done:
        main(["scan", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("用法：formscan scan")
    for words in ("读取纸质版扫描件", "位置参数", "选项", "显示本帮助并退出", "输出文件夹（批次）",
                  "不显示进度条"):
        assert words in shown, words
    assert "show this help" not in shown and "output folder" not in shown
    with pytest.raises(SystemExit):
        main(["--lang", "en", "scan", "--help"])
    shown = capsys.readouterr().out
    assert shown.startswith("usage: formscan scan") and "output folder (the batch)" in shown
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "letters" in shown and "催补函" in shown and "退出状态" in shown
    # The help wraps by the columns a terminal shows: a Chinese character takes two.
    assert max(cli._shown(line) for line in shown.splitlines()
               if not line.lstrip().startswith(("用法", "[", "{"))) <= 100


def test_the_next_step_names_this_formscan_and_the_batch_in_full(tmp_path, monkeypatch,
                                                                     capsys):
    """The suggested commands run as printed, from any folder: `formscan` alone is not on the
    clerk's PATH (it lives in .venv/bin), and a relative --out means another folder elsewhere."""
    monkeypatch.chdir(tmp_path)
    print_next("email", Path("out"), "zh")
    said = capsys.readouterr().out
    here = shlex.join([sys.executable, "-m", "pipeline"])  # run as python -m pipeline
    assert said.startswith(f"下一步：{here} reconcile --out {tmp_path / 'out'}，")
    # Run by the installed script: that script, by its full path, however it was typed.
    script = tmp_path / "venv" / "bin" / "formscan"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "argv", ["venv/bin/formscan", "scan"])
    assert cli.invocation() == str(script)
    monkeypatch.setenv("PATH", str(script.parent))
    monkeypatch.setattr(sys, "argv", ["formscan", "scan"])
    assert cli.invocation() == str(script)
    print_next("run", Path("my batch"), "en")
    assert f"next: {script} review --out '{tmp_path / 'my batch'}' to check" in (
        capsys.readouterr().out)


def test_the_printed_next_step_runs(tmp_path):
    """A batch made of records (no OCR): `forget` says what to run next; that runs as is,
    from another folder."""
    from test_letters import records, stored

    out = stored(tmp_path, records())
    done = formscan("forget", "paper6.file", "--out", str(out.relative_to(tmp_path)),
                    cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    step = done.stdout.split("下一步：")[1].split(" 和 ")[0]
    assert step.startswith(shlex.join([sys.executable, "-m", "pipeline"]))
    assert f"--out {out}" in step
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = subprocess.run(shlex.split(step), capture_output=True, text=True, timeout=120,
                           cwd=elsewhere)
    assert again.returncode == 0, again.stderr
    assert f"已写入：{out}/reconciliation.jsonl" in again.stdout
