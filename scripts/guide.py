"""The office's guide, docs/使用说明.md: its section on what each message means is written here
from the catalog the program speaks from (``pipeline.i18n``), so the guide cannot drift from
the program. ``make docs`` runs it; tests/test_guide.py regenerates the section in memory and
fails ("run make docs") when the file differs.

    python scripts/guide.py          # rewrite the section between the markers
    python scripts/guide.py --check  # exit 1 when the file is not what this writes

Every ``errors.Code``, every ``FlagKind``, and every status of a record, a manifest line, a
pair, a page set apart and a unit's source gets a row: the Chinese words as ``i18n.say`` (or
``flag_words``) renders them, placeholders shown as 〈栏目〉, and what to do. The words of most
reasons already end in what to do (请…); for those that do not, :data:`ADVICE` says it. A code
added to ``errors.py`` lands in the group of the section it is added to (``SECTIONS``).
"""

from __future__ import annotations

import argparse
import re
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import i18n  # noqa: E402
from pipeline.audit import UnitFrom  # noqa: E402
from pipeline.errors import SKIP_CODES, Code, Reason  # noqa: E402
from pipeline.letters import CHASED  # noqa: E402
from pipeline.model import EntryStatus, Flag, FlagKind, OtherKind, Status  # noqa: E402
from pipeline.reconcile import PairStatus  # noqa: E402

GUIDE = ROOT / "docs" / "使用说明.md"
BEGIN = "<!-- BEGIN GENERATED: scripts/guide.py (make docs); do not edit by hand -->"
END = "<!-- END GENERATED -->"
MISSING = "（尚无说明）"  # what a row without advice says; tests/test_guide.py fails on it

# The groups, in the order the guide shows them: (key, heading, what the group is about).
GROUPS = {
    "files": ("文件和页面", "扫描件本身有问题：打不开、是空的、太大、损坏。清单（manifest.jsonl）中这一行的状态是"
              "“失败”，带“注意”的仍已读取；同一批的其他文件照常读取。"),
    "mail": ("邮件、附件和压缩包", "电子版（邮件、附件、压缩包中的文件）有问题。只有这一个附件或文件失败，"
             "同一封邮件的其他附件照常读取。"),
    "reading": ("读取页面", "文件能打开，但某一页不是表格、是空白页、重复了，或读取时出错。"),
    "flags": ("检查标记：需要人看或需要单位补交的地方", "每份待复核的文件带有一个或几个标记，显示在报告、"
              "复核页面、audit.xlsx 的“缺少什么”栏和 records.xlsx 的“怎么办”栏。“写入催补函”为“是”的标记，"
              "`formscan letters` 会写进给单位的函件（用函件中的说法）；为“否”的，是办公室自己看原件就能处理的。"),
    "corrections": ("更正（复核页面和导入表格）", "在复核页面保存更正，或用 import-corrections "
                    "导入改过的表格时，程序拒绝了某一处更正。"),
    "commands": ("运行命令", "命令没有运行起来或中途停止：命令写错了、文件夹不对、表格正被打开、配置有误。"
                 "已读取的内容不会丢失，改正后再次运行同一条命令即可。"),
}
# errors.Code lists its codes in commented sections; the first code of each section starts
# its group here, so a code added inside a section lands in that section's group.
SECTIONS = {
    Code.CANNOT_OPEN: "files",
    Code.NOT_A_MESSAGE: "mail",
    Code.BLANK_PAGE: "reading",
    Code.NO_BATCH: "commands",
}
# Codes whose section is not their group.
MOVED = {
    Code.OVER_DEPTH: "mail", Code.OVER_UNPACKED: "mail",
    Code.SHEET_UNOPENABLE: "corrections", Code.SHEET_NO_KEY_ROW: "corrections",
    Code.SHEET_REFUSED: "corrections", Code.CELL_UNKNOWN_COLUMN: "corrections",
    Code.CELL_UNKNOWN_DOCUMENT: "corrections", Code.NO_DOCUMENT: "corrections",
    Code.NO_FIELD: "corrections", Code.BAD_VALUE: "corrections",
    Code.CHANGED_SINCE: "corrections", Code.CELL_CHANGED_SINCE: "corrections",
    Code.CELL_BAD_VALUE: "corrections", Code.SHEET_UNMARKED: "corrections",
    Code.SHEET_FORMAT: "corrections", Code.SHEET_NEEDS_OFFICE: "corrections",
}

# How a placeholder is shown in the guide: {limit} as 〈上限〉.
PLACEHOLDERS = {
    "address": "地址", "at": "时间", "cell": "单元格", "cells": "各单元格的原因", "choices": "可选项",
    "count": "个数", "depth": "层数", "dpi": "分辨率", "detail": "详情", "doc": "文件编号", "engine": "识别引擎",
    "env": "环境变量", "expected": "应填的值", "field": "栏目", "fields": "各栏目", "file": "文件", "folder": "文件夹",
    "height": "高", "inner": "具体原因", "key": "栏目", "kind": "类型", "limit": "上限",
    "links": "链接", "mb": "大小", "method": "压缩方式", "n": "数目", "name": "文件名",
    "others": "其他版本", "out": "输出文件夹", "package": "软件包", "path": "文件", "paths": "路径",
    "place": "另一处", "s": "秒数", "sheet": "表格文件", "stage": "步骤", "suffix": "扩展名",
    "task": "模型", "text": "原来的提示", "unit": "报送单位", "value": "值", "version": "版本",
    "who": "更正人", "why": "原因", "width": "宽",
}
# A placeholder whose name means something else in one code's words.
PLACEHOLDERS_OF = {Code.CELL_UNKNOWN_COLUMN: {"name": "列名"}}

# What to do, where the words themselves do not end in it (请…).
ADVICE: dict[Code, str] = {
    Code.CANNOT_OPEN: "检查文件是否还在、路径是否写对、本人是否有权限读取",
    Code.MISLABELLED: "无需处理：已按实际类型读取",
    Code.MSG_EMPTY: "无需处理；如单位说寄了表格，请向其索取",
    Code.ARCHIVE: "按冒号后的具体原因处理（见本节其他行）",
    Code.ATTACHED: "按冒号后的具体原因处理（见本节其他行）",
    Code.LEGACY_NO_OFFICE: "在这台电脑上安装 LibreOffice 后再次运行同一命令，或请报送单位提供 .docx 或 PDF",
    Code.DOCUMENT_UNREADABLE: "请向报送单位重新索取 .docx 或 PDF",
    Code.UNSAFE_NAME: "无需处理：附件已按安全的名字读取；如附件缺失，请报送单位重新发送",
    Code.NO_ATTACHMENT: "无需处理；如单位说寄了表格，请向其索取",
    Code.NOT_MAIL_OR_DOCUMENT: "无需处理；如确是表格，请索取 .docx 或 PDF",
    Code.TNEF_EMPTY: "无需处理；如单位说寄了表格，请向其索取",
    Code.TEXT_LAYER_POOR: "无需处理：已按页面图像识别；与其他扫描件一样在复核页面核对",
    Code.TWO_UP_SAME: "无需处理：重复打印的一份已略去",
    Code.BLANK_PAGE: "无需处理；如这一页本应有内容，请重新扫描",
    Code.COVER_LETTER: "无需处理：报送函只在报告的“其他文件”中列出",
    Code.COVER_LETTER_NO_UNIT: "无需处理：报送函只在报告的“其他文件”中列出",
    Code.DUPLICATE: "无需处理：同一页只算一份；如不是同一页，请告诉维护 formscan 的人",
    Code.STAGE_RAISED: "把 manifest.jsonl 中这一行发给维护 formscan 的人；其他页面不受影响",
    Code.PAGE_TIMEOUT: "再次运行同一命令；仍超时可加 --page-timeout 提高上限，或重新扫描此页",
    Code.WORKER_DIED: "再次运行同一命令；仍失败请重新扫描此页，并告诉维护 formscan 的人",
    Code.SHEET_REFUSED: "按分号后各单元格的原因改正表格，再次导入（一处有误则整张表都未导入）",
    Code.CELL_UNKNOWN_COLUMN: "不要改表头（第一、二行）；用 formscan 最新导出的 records.xlsx 重做",
    Code.CELL_UNKNOWN_DOCUMENT: "不要改“文件编号”一列；这一行可能来自另一个批次，请删去后再导入",
    Code.NO_SUCH_PATH: "检查路径是否写对（可把文件夹拖进命令行窗口）",
    Code.NOTHING_TO_READ: "检查是否给错了文件夹，扫描件是否已放进去",
    Code.RAY_ADDRESS_ALONE: "加上 --executor ray，或去掉 --ray-address",
    Code.RAY_SLOW_START: "减少 --workers，或等集群空闲后再运行",
    Code.NO_DOCUMENT: "刷新复核页面；这份文件可能已被 forget 移出批次",
    Code.NO_FIELD: "刷新复核页面后再改",
    Code.BAD_VALUE: "按“应为”后的写法重新填写",
    Code.CELL_CHANGED_SINCE: "先看别人改成了什么；确要以这份表为准，导入时加 --force",
    Code.CELL_BAD_VALUE: "按冒号后的原因改正这个单元格，再次导入",
    Code.RAY_MISSING: "去掉 --executor ray（用本机读取），或请维护 formscan 的人安装 Ray",
    Code.SHEET_NEEDS_OFFICE: "在 Excel/WPS 中另存为 .xlsx 后导入，或在这台电脑上安装 LibreOffice",
    Code.ENGINE_MISSING: "按提示安装，或不加 --engine（使用默认引擎）",
    Code.ENGINE_UNKNOWN: "从可选项中选一个，或不加 --engine",
    Code.SCHEMA_INVALID: "把提示发给维护 formscan 的人",
    Code.CONFIG_INVALID: "改正 --config 给出的 YAML 文件中提示的地方",
    Code.EARLIER_VERSION: "无需处理：下次读取时会更新",
}
# Where the words end in what to do: from the first clause that says it.
_ACTION = re.compile(r"(?:^|[：；，、（])\s*((?:请|如是|如确是|或请|先|可用).*)$")

# What each flag asks of a person (every FlagKind).
FLAG_ADVICE: dict[FlagKind, str] = {
    FlagKind.MISSING_SIGNATURE: "请单位在纸质版上签名后重新寄来（写入催补函）",
    FlagKind.MISSING_SEAL: "请单位在纸质版上盖章后重新寄来（写入催补函）",
    FlagKind.MISSING_DATE: "请单位补写日期（写入催补函）；如原件上有日期，在复核页面填上",
    FlagKind.DATE_OUTSIDE: "看原件：是写错了还是读错了；读错就在复核页面改正",
    FlagKind.MISSING_FIELD: "看原件：确实没填就请单位补填（写入催补函）；填了但没读出，在复核页面填上",
    FlagKind.CLAUSE_MISSING: "看原件：确实没有这一条就请单位补齐（写入催补函）",
    FlagKind.SYNOPSIS_TOO_LONG: "请单位删减后重新报送（写入催补函）",
    FlagKind.INVALID_PHONE: "看原件：读错就在复核页面改正；写错就请单位更正（写入催补函）",
    FlagKind.LATE: "按活动规定处理逾期材料（写入催补函）",
    FlagKind.SEAL_MISMATCH: "看原件上的印章：盖错章就联系单位；读错就在复核页面改正“印章单位”",
    FlagKind.UNCLASSIFIED: "看原件：是比赛表格就在复核页面或 records.xlsx 的“表格类型”中选定",
    FlagKind.FORM_GUESSED: "看原件，确认表格类型（复核页面 Alt+T）",
    FlagKind.DUPLICATE: "看 also_at 列出的另一处：确是同一页就无需处理（只算一份）",
    FlagKind.PAPER_ONLY: "等单位发电子版，或请其发送（写入催补函）",
    FlagKind.EMAIL_ONLY: "签章的纸质版才有效：请单位寄来（写入催补函）",
    FlagKind.MISMATCH: "看原件：读错就在复核页面改正；确实不同就请单位说明哪份为准（写入催补函）",
    FlagKind.UNKNOWN_UNIT: "看原件：读错就在复核页面改成名单中的单位名称",
    FlagKind.MANY_TICKS: "看原件，确认勾选的是哪一项，在复核页面填上",
    FlagKind.UNREAD: "看原件，把写的内容在复核页面填上",
    FlagKind.MISREAD: "看原件：多半是读错，在复核页面改正",
}
# A flag's key in the guide: missing_field:〈栏目〉.
_KEYED = {FlagKind.MISSING_FIELD: "栏目", FlagKind.CLAUSE_MISSING: "序号",
          FlagKind.MISMATCH: "栏目", FlagKind.MANY_TICKS: "栏目", FlagKind.UNREAD: "栏目",
          FlagKind.MISREAD: "栏目"}

# The statuses people see: (status value, its words, what it means / what to do).
STATUSES: dict[str, list[tuple[str, str, str]]] = {
    "每份文件的状态（records.xlsx 的“状态”栏、报告、复核页面）": [
        (Status.OK, i18n.text("zh", "status.ok"), "读取完毕，没有需要人看的地方"),
        (Status.NEEDS_REVIEW, i18n.text("zh", "status.needs_review"),
         "有标记（见“检查标记”一节）：在复核页面处理，或请单位补交"),
        (Status.FAILED, i18n.text("zh", "status.failed"), "这一页读取出错：见清单中的原因"),
        (Status.NOT_A_FORM, i18n.text("zh", "status.not_a_form"),
         "不是比赛表格：只在报告的“其他文件”中列出；如确是表格，在“表格类型”栏改正后导入"),
    ],
    "清单中每一行的状态（manifest.jsonl，以及命令结束时的汇总）": [
        (EntryStatus.OK, "成功", "已读取"),
        (EntryStatus.FAILED, i18n.text("zh", "line.failed"), "未能读取：按本页“常见提示”的原因处理"),
        (EntryStatus.SKIPPED, i18n.text("zh", "line.skipped"),
         "不是要读的内容（空白页、其他文件、报送函、没有附件的邮件）"),
        (EntryStatus.DUPLICATE, i18n.text("zh", "cli.duplicates"), "与另一处为同一页面，只保留一份"),
    ],
    "纸质版与电子版的配对（reconciliation.xlsx）": [
        (PairStatus.MATCHED, i18n.text("zh", "pair.matched"), "两份都收到了；不一致的栏目另有标记"),
        (PairStatus.PAPER_ONLY, i18n.text("zh", "pair.paper_only"), "还没有收到电子版"),
        (PairStatus.EMAIL_ONLY, i18n.text("zh", "pair.email_only"), "还没有收到签章的纸质版"),
    ],
    "不是比赛表格的页面（报告的“其他文件”）": [
        (OtherKind.COVER_LETTER, i18n.text("zh", "other.cover_letter"), "单位的报送函：无需处理"),
        (OtherKind.OTHER, i18n.text("zh", "other.other"), "发票、其他单位的表格等：无需处理"),
    ],
    "报送单位从哪里来（audit.xlsx 的“单位来源”栏）": [
        (UnitFrom.FORM, i18n.text("zh", "unit_from.form"), "表中填写的单位"),
        (UnitFrom.PERSON, i18n.text("zh", "unit_from.person"), "有人更正过"),
        (UnitFrom.SEAL, i18n.text("zh", "unit_from.seal"), "表中没填，取自印章：请核对"),
    ],
}


def group_of(code: Code) -> str:
    if code in MOVED:
        return MOVED[code]
    group = "files"
    for each in Code:
        group = SECTIONS.get(each, group)
        if each is code:
            return group
    raise AssertionError(code)


def _readable(code: Code, words: str) -> dict[str, str]:
    names = {name for _, name, _, _ in string.Formatter().parse(words) if name}
    shown = PLACEHOLDERS | PLACEHOLDERS_OF.get(code, {})
    return {name: f"〈{shown.get(name, name)}〉" for name in names}


def words(code: Code) -> str:
    """The Chinese words of ``code`` as ``i18n.say`` renders them, placeholders readable."""
    zh, en = i18n._SAID[code]
    params = _readable(code, zh) | _readable(code, en)  # a parameter only the English shows is harmless
    return i18n.say(Reason(code, params), "zh")


def advice(code: Code) -> str:
    """What to do: :data:`ADVICE`, else the clause of the words that says it."""
    if code in ADVICE:
        return ADVICE[code]
    found = _ACTION.search(words(code))
    if not found:
        return MISSING
    said = found.group(1)
    while said.endswith("）") and said.count("）") > said.count("（"):  # a bracket it closes
        said = said[:-1]
    return said


def flag_name(kind: FlagKind) -> str:
    return kind.value + (f":〈{_KEYED[kind]}〉" if kind in _KEYED else "")


def flag_words(kind: FlagKind) -> str:
    return i18n.flag_words(Flag(kind, f"〈{_KEYED[kind]}〉" if kind in _KEYED else None), "zh")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def section() -> str:
    """The generated part of the guide, markers included."""
    out = [BEGIN, "", "## 常见提示是什么意思、该怎么办", "",
           "下面各表由 `scripts/guide.py` 按程序本身使用的提示文字生成（`make docs`），与程序显示的一致。"
           "〈〉中的内容在实际提示中是具体的文件名、数字等。清单（manifest.jsonl）的 `reason` 中记的是"
           "第一列的代码。", ""]
    for key, (heading, about) in GROUPS.items():
        out += [f"### {heading}", "", about, ""]
        if key == "flags":
            out += _flags_table() + [""]
            continue
        codes = [c for c in Code if group_of(c) == key]
        out += ["| 代码 | 屏幕上的提示 | 怎么办 |", "|---|---|---|"]
        for code in codes:
            kind = "（跳过）" if code in SKIP_CODES else ""
            out.append(f"| `{code.value}`{kind} | {_cell(words(code))} | {_cell(advice(code))} |")
        out.append("")
    out += ["### 状态", ""]
    for heading, rows in STATUSES.items():
        out += [f"**{heading}**", "", "| 状态 | 中文 | 意思、怎么办 |", "|---|---|---|"]
        out += [f"| `{value}` | {_cell(said)} | {_cell(meaning)} |"
                for value, said, meaning in rows]
        out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def _flags_table() -> list[str]:
    rows = ["| 标记 | 中文 | 怎么办 | 写入催补函 |", "|---|---|---|---|"]
    for kind in FlagKind:
        chase = (f"是：{i18n.chase_words(Flag(kind, f'〈{_KEYED[kind]}〉' if kind in _KEYED else None))}"
                 if kind in CHASED else "否")
        rows.append(f"| `{flag_name(kind)}` | {_cell(flag_words(kind))} | "
                    f"{_cell(FLAG_ADVICE.get(kind, MISSING))} | {_cell(chase)} |")
    return rows


def rewritten(text: str) -> str:
    """``text`` (the guide) with its generated section replaced."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + section().rstrip("\n") + text[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the guide is stale")
    args = parser.parse_args()
    text = GUIDE.read_text(encoding="utf-8")
    new = rewritten(text)
    if args.check:
        if new != text:
            print(f"{GUIDE.relative_to(ROOT)} is out of date: run make docs", file=sys.stderr)
            return 1
        return 0
    if new != text:
        GUIDE.write_text(new, encoding="utf-8")
        print(f"rewrote the generated section of {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
