"""What people read, in zh-CN (the default) or English (``--lang en``): one catalog.

The command line's summaries, the human-readable columns of ``audit.csv``/``units.csv``
(``missing``, ``unit_from``, ``met``), ``report.html`` and the review station all take their
words from here; the pages get the catalog as JSON (:func:`catalog`). JSON keys, field keys,
flag names and CSV column names stay as the output contract names them, in every language.

A Python table rather than gettext: two languages, strings with named placeholders shared by
Python and the pages' scripts, and no compile step for ``.mo`` files.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.forms import schemas
from pipeline.model import Flag, FlagKind, FormType

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# key: (zh-CN, English). {name} placeholders are filled by str.format (Python) or t() (pages).
_WORDS: dict[str, tuple[str, str]] = {
    # --- what each flag asks of a person (audit.csv's missing, the pages' to-do line)
    "flag.missing_signature": ("缺签名", "no signature"),
    "flag.missing_seal": ("缺盖章", "no seal"),
    "flag.missing_date": ("缺日期", "no date"),
    "flag.late": ("逾期（截止日期后）", "late (after the deadline)"),
    "flag.synopsis_too_long": ("简介超过500字", "synopsis over 500 characters"),
    "flag.invalid_phone": ("电话号码无效", "phone number not valid"),
    "flag.mismatch:seal": ("印章与报送单位不符", "the seal names another unit"),
    "flag.unclassified": ("无法识别表格类型", "form type not recognised"),
    "flag.unknown_unit": ("报送单位不在名单中，请核对", "unit not on the list: check it"),
    "flag.low_confidence:form_type": ("表格类型为推测，请核对", "form type is a guess: check it"),
    "flag.duplicate": ("同一页面重复提交（另见 also_at）",
                       "the same page sent twice (see also_at)"),
    "flag.paper_only": ("尚未收到电子版（邮件）", "no emailed copy yet"),
    "flag.email_only": ("尚未收到签章纸质版", "no signed paper copy yet"),
    "flag.missing_field": ("缺填：{key}", "not filled in: {key}"),
    "flag.clause_missing": ("缺承诺条款第{key}条", "consent clause {key} missing"),
    "flag.low_confidence": ("请核对：{key}（识别不确定）", "check {key} (read unsurely)"),
    "flag.unread": ("请看原件：{key}（已填写，未能识别）",
                    "look at the page: {key} (filled in, not read)"),
    "flag.misread": ("请看原件：{key}（疑似识别错误，与电子版不同）",
                     "look at the page: {key} (likely misread, differs from the email)"),
    "flag.mismatch": ("纸质版与电子版不一致：{key}", "paper and email differ: {key}"),
    "list.sep": ("；", "; "),
    # --- audit.csv / units.csv values
    "unit_from.form": ("表格填写", "the form"),
    "unit_from.seal": ("印章（表中报送单位未填）", "the seal (the form leaves the unit empty)"),
    "met.yes": ("是", "yes"),
    "met.no": ("否", "no"),
    "met.unlisted": ("不在名单中", "not a listed unit"),
    # --- where a value shown comes from (report, review station)
    "source.label": ("识别：标签旁", "OCR, beside its label"),
    "source.vocabulary": ("识别：按名单校正", "OCR, put on the list's word"),
    "source.shape": ("识别：按格式（标签未识别）", "OCR, by its shape (label not read)"),
    "source.position": ("识别：按位置", "OCR, the one value left where its label stands"),
    "source.ocr": ("识别", "OCR"),
    "source.docx": ("电子文本：Word", "typed, from the Word file"),
    "source.xlsx": ("电子文本：Excel", "typed, from the Excel file"),
    "source.text-layer": ("电子文本：PDF", "typed, from the PDF's text"),
    "source.corrected": ("已人工更正", "corrected by a person"),
    "source.read_as": ("（原识别为 {raw}）", " (read as {raw})"),
    # --- names
    "origin.paper": ("纸质版", "paper"),
    "origin.email": ("电子版", "email"),
    "status.ok": ("无误", "ok"),
    "status.needs_review": ("待复核", "needs review"),
    "status.failed": ("失败", "failed"),
    "form.unknown": ("未识别", "unknown"),
    "form.work_registration": ("作品登记表", "work registration"),
    "form.work_authorization": ("作品授权书", "work authorization"),
    "form.proposal_registration": ("重点作品创作文案登记表", "proposal registration"),
    # --- the command line
    "bar.scanning": ("读取扫描件", "scanning"),
    "bar.email": ("读取电子版", "email"),
    "line.failed": ("失败", "failed"),
    "line.skipped": ("跳过", "skipped"),
    "line.note": ("注意", "note"),
    "line.page": (" 第 {page} 页", " page {page}"),
    "cli.audit_head": ("{flagged} / {documents} 份文件待复核", "{flagged} of {documents} "
                                                           "documents need review"),
    "cli.more_in_audit": ("  …… 另有 {n} 份，见 audit.csv", "  ... {n} more in audit.csv"),
    "cli.units_header": ("报送单位|作品|文案|应报|达标|缺签名|缺盖章",
                         "unit|works|proposals|required|met|no sign.|no seal"),
    "cli.audit_written": ("\n已写入：{out}/audit.csv、{out}/units.csv（记录已更新）",
                          "\nwritten: {out}/audit.csv, {out}/units.csv (and records updated)"),
    "cli.this_run": ("\n本次：输入文件 {files} 个，读取 {read} {unit}（成功 {ok}，失败 {failed}，"
                     "跳过 {skipped}，重复 {duplicates}）",
                     "\nthis run: {files} input files, {read} {unit}s read ({ok} ok, {failed} "
                     "failed, {skipped} skipped, {duplicates} duplicates)"),
    "cli.kept": ("；{kept} 个上次已读，未重读", "; {kept} read by an earlier run, not read again"),
    "cli.unit.page": ("页", "page"),
    "cli.unit.attachment": ("个附件", "attachment"),
    "cli.in_batch.page": ("本批次中这些输入的页数", "pages of these inputs in the batch"),
    "cli.in_batch.attachment": ("本批次中这些输入的附件数",
                                "attachments of these inputs in the batch"),
    "cli.duplicates": ("重复", "duplicates"),
    "count.failures": ("失败", "failures"),
    "cli.failed": ("失败 {where}：{error}", "FAILED {where}: {error}"),
    "cli.results": ("\n结果在 {out}/：records.jsonl records.csv records.xlsx manifest.jsonl",
                    "\nresults in {out}/: records.jsonl records.csv records.xlsx "
                    "manifest.jsonl"),
    "cli.next": ("下一步：{step}", "next: {step}"),
    "cli.next.scan": ("formscan email 邮件… --out {out}（读取电子版），然后 formscan run，"
                      "或 formscan audit --out {out} 和 formscan report --out {out}",
                      "formscan email MAIL... --out {out} (the emailed copies), then formscan "
                      "run, or formscan audit --out {out} and formscan report --out {out}"),
    "cli.next.email": ("formscan reconcile --out {out}，然后 formscan audit --out {out} 和 "
                       "formscan report --out {out}",
                       "formscan reconcile --out {out}, then formscan audit --out {out} and "
                       "formscan report --out {out}"),
    "cli.next.run": ("formscan review --out {out} 复核并更正需要人工查看的内容（或打开 "
                     "{out}/report.html）；audit.csv 列出每份表格缺少什么",
                     "formscan review --out {out} to check and correct what needs a person "
                     "(or open {out}/report.html); audit.csv lists what each form is missing"),
    "cli.forget_unknown": ("{path}：不在本批次中（名称见 {out}/manifest.jsonl）",
                           "{path}: not in the batch (see {out}/manifest.jsonl for its names)"),
    "cli.forgotten": ("{path}：已移除 {removed} 条清单记录及其结果",
                      "{path}: {removed} manifest lines and their records removed"),
    "cli.forgotten_others": ("；其页面在 {others} 中的重复件将在下次运行时重读",
                             "; duplicates of its pages in {others} will be read again by the "
                             "next run"),
    "cli.next.forget": ("formscan reconcile --out {out} 和 formscan audit --out {out} "
                        "更新比对和审核",
                        "formscan reconcile --out {out} and formscan audit --out {out} to "
                        "bring the reconciliation and the audit up to date"),
    "cli.no_email": ("比对：本批次尚无电子版，无可比对，不标记；"
                     "用 `formscan email 邮件… --out {out}` "
                     "读取后再比对",
                     "reconcile: no emailed copy in the batch yet: nothing to reconcile "
                     "against, nothing flagged; read them with `formscan email MAIL... --out "
                     "{out}` and reconcile again"),
    "cli.no_paper": ("比对：本批次尚无纸质版，无可比对，不标记；"
                     "用 `formscan scan 路径… --out {out}` "
                     "读取后再比对",
                     "reconcile: no paper scan in the batch yet: nothing to reconcile "
                     "against, nothing flagged; read them with `formscan scan PATH... --out "
                     "{out}` and reconcile again"),
    "cli.pairs": ("纸质版与电子版：配对 {matched} 份（其中 {differing} 份有差异），仅纸质版 "
                  "{paper_only} 份，仅电子版 {email_only} 份",
                  "paper and email: {matched} matched ({differing} with differences), "
                  "{paper_only} paper only, {email_only} email only"),
    "cli.diff": ("{field}：{paper} ≠ {email}", "{field}: {paper} ≠ {email}"),
    "cli.misreading": ("{field}：纸质版识别为 {paper}？电子版为 {email}（请看原件）",
                       "{field}: paper read {paper}? email {email} (look at the page)"),
    "cli.reconcile_written": ("已写入：{out}/reconciliation.jsonl、reconciliation.csv、"
                              "reconciliation.xlsx",
                              "written: {out}/reconciliation.jsonl, reconciliation.csv, "
                              "reconciliation.xlsx"),
    "cli.report": ("报告：{path}", "report: {path}"),
    "cli.report_open": ("报告：{path}（用任意浏览器打开；图片在旁边的 report/ 中）",
                        "report: {path} (open it in any browser; images in report/ beside it)"),
    "cli.review_at": ("复核工作站：http://{host}:{port}/  （Ctrl+C 停止）",
                      "review station: http://{host}:{port}/  (Ctrl+C to stop)"),
    "cli.imported": ("从 {sheet} 导入更正 {n} 处（表中文件 {documents} 份）",
                     "{n} corrections imported from {sheet} ({documents} documents in the "
                     "sheet)"),
    "empty": ("（空）", "(empty)"),
    "cli.imported_after": ("已重新检查、比对和审核；{out}/records.* 和 audit.csv 已重写",
                           "checks, reconciliation and audit run again; {out}/records.* and "
                           "audit.csv rewritten"),
    "cli.error": ("formscan：错误：{error}", "formscan: error: {error}"),
    "cli.interrupted": ("formscan：已中断；已完成的页面已保存，再次运行同一命令即可继续",
                        "formscan: interrupted; finished pages are kept, run the same command "
                        "again to go on"),
    # --- report.html
    "report.title": ("formscan 报告 — {name}", "formscan report — {name}"),
    "report.documents": ("文件", "Documents"),
    "report.review_only": ("只看待复核", "needs review only"),
    "report.unit": ("报送单位", "unit"),
    "report.form_type": ("表格类型", "form type"),
    "report.flag": ("标记", "flag"),
    "report.all": ("全部", "all"),
    "report.search": ("搜索作品名称 / 联系人", "search title / contact"),
    "report.shown": ("份已列出", "shown"),
    "report.page_info": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "report.count_documents": ("文件", "documents"),
    "report.by_type": ("按表格类型与来源", "Documents per type and origin"),
    "report.origin": ("来源", "origin"),
    "report.count": ("份数", "count"),
    "report.units": ("报送单位与名额", "Units and quotas"),
    "report.works": ("作品", "works"),
    "report.proposals": ("文案", "proposals"),
    "report.required_works": ("应报作品", "required works"),
    "report.required_proposals": ("应报文案", "required proposals"),
    "report.met": ("达标", "met"),
    "report.missing_signatures": ("缺签名", "missing signatures"),
    "report.missing_seals": ("缺盖章", "missing seals"),
    "report.failures": ("失败", "Failures"),
    "report.file": ("文件", "file"),
    "report.page": ("页", "page"),
    "report.attachment": ("附件", "attachment"),
    "report.what_to_do": ("怎么办", "what to do"),
    "report.signature": ("签名", "signature"),
    "report.seal": ("盖章", "seal"),
    "report.date": ("日期", "date"),
    "report.present": ("有", "present"),
    "report.absent": ("缺", "MISSING"),
    "report.ring": ("印章文字：{text}", "ring: {text}"),
    "report.unit_seal": ("（由印章识别，表中未填）",
                         " — read from the seal's ring: the form leaves its unit empty"),
    "report.also_at": ("同一页面也来自：", "the same page also came from: "),
    "report.field": ("栏目", "field"),
    "report.value": ("识别值", "value"),
    "report.confidence": ("置信度", "confidence"),
    "report.read_from": ("原件", "read from"),
    "report.emailed_copy": ("电子版", "emailed copy"),
    "report.paper_copy": ("纸质版", "paper copy"),
    "report.from": ("发件人 {sender} · {subject} · {date}", "from {sender} · {subject} · {date}"),
    # --- the review station
    "review.title": ("formscan 复核", "formscan review"),
    "review.queue": ("待复核", "to review"),
    "review.keys": ("↑↓ 上一份/下一份 · Tab 下一栏 · Enter 保存本栏 · Esc 撤销 · "
                    "Ctrl+Enter 本份复核完毕",
                    "↑↓ previous/next · Tab next field · Enter save the field · Esc undo · "
                    "Ctrl+Enter document done"),
    "review.nothing": ("没有待复核的文件。", "Nothing to review."),
    "review.page": ("第{pages}页", "p.{pages}"),
    "review.unit": ("报送单位：", "unit: "),
    "review.no_todo": ("无待办", "nothing to do"),
    "review.value": ("识别值（可改）", "value (edit it)"),
    "review.not_saved": ("未保存：{error}", "not saved: {error}"),
    "review.cleared": ("已复核 {done} / {total} 份", "{done} of {total} reviewed"),
}


def text(lang: str, key: str, /, **values: object) -> str:
    """The words for ``key`` in ``lang`` (zh or en), placeholders filled."""
    zh, en = _WORDS[key]
    words = en if lang == "en" else zh
    return words.format(**values) if values else words


def catalog(lang: str) -> dict[str, str]:
    """Every entry in one language, for a page's script (placeholders left as ``{name}``)."""
    return {key: (en if lang == "en" else zh) for key, (zh, en) in _WORDS.items()}


@cache
def field_names(lang: str, form_type: str | None = None) -> dict[str, str]:
    """Field key -> its name: the printed label (联系电话 for phone) of ``form_type``'s
    schema first (作品名称 on a work's form, 文案名称 on a proposal's), or the key in English."""
    names: dict[str, str] = {}
    known = schemas()
    order = sorted(known.values(), key=lambda schema: (
        schema.form_type != form_type, schema.form_type is not FormType.WORK_REGISTRATION))
    for schema in order:
        for spec in schema.fields:
            names.setdefault(spec.key, re.sub(r"[（(].*?[）)]", "", spec.labels[0])
                             if lang != "en" else spec.key.replace("_", " "))
    return names


def place(lang: str, path: str, page: object = None, attachment: str | None = None) -> str:
    """Where a manifest line is, for people: ``a.pdf 第 3 页``, ``mail.eml [登记表.docx]``."""
    return (path + (text(lang, "line.page", page=page) if page else "")
            + (f" [{attachment}]" if attachment else ""))


def form_name(lang: str, form_type: FormType | str) -> str:
    return text(lang, f"form.{FormType(form_type).value}")


def flag_words(flag: Flag, lang: str = DEFAULT_LANG, form_type: str | None = None) -> str:
    """What one flag asks of a person: 缺签名, 缺填：联系电话 …"""
    key = f"flag.{flag.kind.value}"
    if key not in _WORDS:
        return str(flag)
    if "{key}" not in _WORDS[key][0]:
        return text(lang, key)
    name = flag.key if flag.kind is FlagKind.CLAUSE_MISSING else field_names(
        lang, form_type).get(flag.key or "", flag.key or "")
    return text(lang, key, key=name)


def in_words(flags: list[Flag], lang: str = DEFAULT_LANG,
             form_type: str | None = None) -> str:
    """What a person must chase, in words: '缺签名；缺盖章；缺填：联系电话'."""
    return text(lang, "list.sep").join(flag_words(f, lang, form_type) for f in flags)


# Why an input failed or was skipped, as the readers word it (English, kept so in the
# manifest's ``error``), and in Chinese for people: matched whole, placeholders carried over
# ({inner} is itself translated). tests/test_i18n.py checks that every reason the hostile
# samples raise has its Chinese here.
_REASONS: list[tuple[str, str]] = [
    ("attached {inner}", "附件：{inner}"),
    ("{stage} failed: {inner}; the page is kept as a failed record, please report it",
     "{stage} 步骤失败：{inner}；本页作为失败记录保留，请报告此问题"),
    ("the PDF was damaged (cut short, or its structure broken) and was repaired to be read: "
     "check against the paper that no page is missing",
     "PDF 已损坏（不完整或结构损坏），已修复后读取：请对照纸质原件核对是否缺页"),
    ("empty file (0 bytes): the scan did not save; scan the pages again",
     "空文件（0 字节）：扫描件未保存，请重新扫描"),
    ("empty file (0 bytes): save the message or file again", "空文件（0 字节）：请重新保存邮件或文件"),
    ("cannot open file: {why}; check the path and permissions",
     "无法打开文件：{why}；请检查路径和权限"),
    ("cannot read file: {why}", "无法读取文件：{why}"),
    ("not a scan (PDF or jpg/png/tif), left out; if it is an emailed copy, read it with "
     "`formscan email`", "不是扫描件（PDF 或 jpg/png/tif），未读取；如是电子版，请用 `formscan email` 读取"),
    ("named {suffix} but its content is not a PDF or an image: the file is damaged or "
     "mislabelled; rescan it", "文件名为 {suffix}，但内容不是 PDF 或图片：文件损坏或扩展名有误，请重新扫描"),
    ("named {suffix} but is really a {kind} file; read as {kind2}",
     "文件名为 {suffix}，实际是 {kind} 文件，已按 {kind2} 读取"),
    ("PDF cannot be opened ({why}); the file is damaged or truncated: rescan or ask for it "
     "again", "PDF 无法打开（{why}）：文件损坏或不完整，请重新扫描或索取"),
    ("PDF is password-protected: ask the sender for an unprotected copy",
     "PDF 有密码保护：请向发件单位索取无密码版本"),
    ("PDF has no pages; rescan it", "PDF 没有页面，请重新扫描"),
    ("page cannot be rendered ({why}); rescan this page", "页面无法显示（{why}），请重新扫描此页"),
    ("page cannot be rendered ({why}); ask the unit for the file again",
     "页面无法显示（{why}），请向报送单位重新索取文件"),
    ("TIFF page cannot be decoded (damaged file); rescan it", "TIFF 页面无法解码（文件损坏），请重新扫描"),
    ("{kind} image cannot be decoded (damaged file); rescan it", "{kind} 图片无法解码（文件损坏），请重新扫描"),
    ("{kind} image cannot be decoded ({why}); the file is damaged: rescan it",
     "{kind} 图片无法解码（{why}）：文件损坏，请重新扫描"),
    ("JPEG is cut short ({why}): the scan did not finish saving; scan the page again",
     "JPEG 文件不完整（{why}）：扫描件未保存完，请重新扫描此页"),
    ("image cannot be decoded (damaged file): ask the unit to send it again",
     "图片无法解码（文件损坏）：请报送单位重新发送"),
    ("file of {mb} MB is over the limit of {limit} MB per file; split it, or raise the limit "
     "with --max-mb", "文件 {mb} MB，超过每个文件 {limit} MB 的上限：请拆分，或用 --max-mb 提高上限"),
    ("file of {count} pages is over the limit of {limit} pages per file; split it, or raise "
     "the limit with --max-pages", "文件共 {count} 页，超过每个文件 {limit} 页的上限：请拆分，或用 --max-pages 提高上限"),
    ("{what} of {width} × {height} pixels is over the limit of {limit} million pixels per page "
     "(a decompression bomb or a wrong header); rescan it, or raise the limit with "
     "--max-megapixels", "{what} 为 {width} × {height} 像素，超过每页 {limit} 百万像素的上限（"
     "解压炸弹或文件头有误）：请重新扫描，或用 --max-megapixels 提高上限"),
    ("message whose parts are nested {depth} levels deep is over the limit of {limit} "
     "(forwarded inside forwarded...); save the innermost message on its own, or raise the "
     "limit with --max-depth", "邮件嵌套 {depth} 层，超过 {limit} 层的上限（层层转发）：请单独保存最里层的邮件，或用 "
     "--max-depth 提高上限"),
    ("the file is damaged ({why}): ask the unit for it again", "文件已损坏（{why}）：请向报送单位重新索取"),
    ("unpacks to {mb} MB, over the limit of {limit} MB (a zip bomb?); ask the unit for it "
     "again, or raise the limit with --max-mb", "解压后 {mb} MB，超过 {limit} MB 的上限（压缩炸弹？）：请向报送单位重新索取，"
     "或用 --max-mb 提高上限"),
    ("not an email message (no headers): export the message as .eml from the mail client and "
     "read it again", "不是邮件（没有邮件头）：请从邮件客户端导出为 .eml 后重新读取"),
    ("mbox holds no messages: export the mailbox again", "mbox 中没有邮件：请重新导出邮箱"),
    ("Outlook .msg file cannot be read ({why}): save the message as .eml, or its attachments",
     "Outlook .msg 文件无法读取（{why}）：请另存为 .eml，或单独保存其附件"),
    ("Outlook message nested deeper than {depth}: save its attachments and send them",
     "Outlook 邮件嵌套超过 {depth} 层：请保存其附件后发送"),
    ("nested deeper than {depth} archives: unpack it and send the forms themselves",
     "压缩包嵌套超过 {depth} 层：请解压后发送表格本身"),
    ("zip archive {why}", "zip 压缩包：{why}"),
    ("holds {count} files, over the limit of {limit}: unpack it and read the forms inside",
     "含 {count} 个文件，超过 {limit} 个的上限：请解压后读取其中的表格"),
    ("is damaged ({why}): ask the unit for it again", "已损坏（{why}）：请向报送单位重新索取"),
    ("legacy Word .doc/.wps: {why}", "旧版 Word .doc/.wps：{why}"),
    ("legacy Word file: LibreOffice took over {s} s to convert it; ask the unit for .docx or PDF",
     "旧版 Word 文件：LibreOffice 转换超过 {s} 秒；请向报送单位索取 .docx 或 PDF"),
    ("legacy Word file LibreOffice cannot convert (damaged?): ask the unit for .docx or PDF",
     "旧版 Word 文件无法转换（已损坏？）：请向报送单位索取 .docx 或 PDF"),
    ("empty attachment (0 bytes): ask the unit to send the file again",
     "空附件（0 字节）：请报送单位重新发送文件"),
    ("damaged file (broken zip/Office container): ask the unit to send it again",
     "文件已损坏（zip/Office 容器损坏）：请报送单位重新发送"),
    ("RTF file cannot be read: ask the unit for .docx or PDF", "RTF 文件无法读取：请向报送单位索取 .docx 或 PDF"),
    ("RAR archive is not read (no maintained reader without the non-free unrar program): unpack "
     "it and read the files inside with `formscan email`",
     "不读取 RAR 压缩包（没有不依赖非自由软件 unrar 的维护中的读取库）：请解压后用 `formscan email` 读取其中文件"),
    ("not a Word, Excel or PDF document ({suffix}): ask the unit for .docx or PDF",
     "不是 Word、Excel 或 PDF 文档（{suffix}）：请向报送单位索取 .docx 或 PDF"),
    ("password-protected Office file: ask the unit for an unprotected .docx or PDF",
     "Office 文件有密码保护：请向报送单位索取无密码的 .docx 或 PDF"),
    ("legacy Excel .xls/.et cannot be read: ask the unit for .xlsx, .docx or PDF",
     "旧版 Excel .xls/.et 无法读取：请向报送单位索取 .xlsx、.docx 或 PDF"),
    ("an Office file of an unknown kind (.msg? .ppt?): ask the unit for .docx or PDF; save an "
     "Outlook message as .eml", "未知类型的 Office 文件（.msg？.ppt？）：请向报送单位索取 .docx 或 PDF；Outlook 邮件请另存为 .eml"),
    ("attachment cannot be read", "附件无法读取"),
    ("message has no attachment but links to {links}: fetch the files there and read them with "
     "`formscan email`", "邮件没有附件，但有链接 {links}：请下载其中的文件后用 `formscan email` 读取"),
    ("message has no attachment: nothing to read", "邮件没有附件：无可读取"),
    ("not an email or a document (.eml .mbox .docx .pdf .xlsx): left out",
     "不是邮件或文档（.eml .mbox .docx .pdf .xlsx）：未读取"),
    ("read failed: {why}; is the file damaged?", "读取失败：{why}；文件是否损坏？"),
    ("cannot be decoded ({why}); the file is damaged or not what its name says: rescan it or "
     "ask for it again", "无法解码（{why}）：文件损坏或与扩展名不符，请重新扫描或索取"),
    ("reading this page took over {s} s and was stopped (raise the limit with --page-timeout)",
     "本页读取超过 {s} 秒，已停止（可用 --page-timeout 提高上限）"),
    ("the OCR engine's process died reading this page", "读取本页时识别进程崩溃"),
    ("blank page: nothing printed or written on it", "空白页：没有印刷或书写内容"),
    ("not recognised as a contest form (no form title or labels found); kept as form_type "
     "unknown for review", "未识别为比赛表格（未找到表格标题或栏目）：按未识别类型保留，待复核"),
    # what stops a command (said after "formscan：错误："), and usage errors
    ("{out} holds no formscan batch: run `formscan scan PATH... --out {out2}` first",
     "{out} 中没有 formscan 批次：请先运行 `formscan scan 路径… --out {out2}`"),
    ("{folder} is in use by another formscan (one run per batch folder): wait for it to "
     "finish, or give another --out", "{folder} 正被另一个 formscan 使用（每个批次文件夹同时只能运行一个）：请等它结束，或用 --out 指定其他文件夹"),
    ("--out {out} is a file, not a folder: give a folder for the batch (it is made if missing)",
     "--out {out} 是文件而不是文件夹：请为批次指定一个文件夹（不存在会自动创建）"),
    ("cannot write to {out} ({why}): give a folder you can write to with --out",
     "无法写入 {out}（{why}）：请用 --out 指定可写入的文件夹"),
    ("cannot replace {path}: it is open in another program (WPS, Excel?) or read-only; close it "
     "and run the same command again (nothing read is lost)",
     "无法替换 {path}：文件正在其他程序（WPS、Excel？）中打开或为只读；请关闭后再次运行同一命令（已读取的内容不会丢失）"),
    ("cannot write {path} ({why}): check the disk and the folder's permissions, or give another "
     "--out; run the same command again (nothing read is lost)",
     "无法写入 {path}（{why}）：请检查磁盘和文件夹权限，或用 --out 指定其他文件夹；再次运行同一命令即可（已读取的内容不会丢失）"),
    ("{sheet} cannot be opened as an Excel sheet ({why}): save it as .xlsx and import it again",
     "{sheet} 无法作为 Excel 表格打开（{why}）：请另存为 .xlsx 后重新导入"),
    ("{sheet}: no key row with doc_id in its first {n} rows: import the records.xlsx (or "
     "reconciliation.xlsx) formscan wrote", "{sheet}：前 {n} 行中没有含 doc_id 的表头行：请导入 formscan 生成的 records.xlsx（或 reconciliation.xlsx）"),
    ("{sheet}: nothing imported", "{sheet}：未导入任何更正"),
    ("{cell}: unknown column {name}", "{cell}：未知的列 {name}"),
    ("{cell}: no document {doc} in this batch", "{cell}：本批次中没有文件 {doc}"),
    ("no such file or folder: {paths}", "没有这个文件或文件夹：{paths}"),
    ("nothing to read: {paths} holds no files", "没有可读取的内容：{paths} 中没有文件"),
    ("run: give --paper PATH..., --email PATH... or both",
     "run：请给出 --paper 路径…、--email 路径… 或两者"),
    ("--ray-address goes with --executor ray", "--ray-address 需与 --executor ray 一起使用"),
    ("--executor ray needs Ray: pip install 'formscan[ray]' (or run without --executor ray: "
     "the local worker pool)", "--executor ray 需要 Ray：pip install 'formscan[ray]'（或不加 --executor ray，使用本机进程池）"),
    ("cannot reach the Ray cluster at {address}: {why}; start it with `ray start --head` or "
     "give --ray-address", "无法连接 {address} 的 Ray 集群：{why}；请先用 `ray start --head` 启动，或用 --ray-address 指定"),
    ("{n} Ray workers did not start in {s} s: the cluster has fewer free CPUs than --workers "
     "asks for?", "{n} 个 Ray 工作进程未能在 {s} 秒内启动：集群空闲的 CPU 少于 --workers 的要求？"),
    ("a Ray worker could not start formscan: {why}; install formscan {version} on every node",
     "Ray 工作进程无法启动 formscan：{why}；请在每个节点安装 formscan {version}"),
    ("Ray workers run formscan {others}, this is {version}: install the same version on every "
     "node", "Ray 工作节点运行的是 formscan {others}，本机是 {version}：请在每个节点安装相同版本"),
    # the short reasons of the summary's skipped lines
    ("blank page", "空白页"), ("not recognised as a contest form", "未识别为比赛表格"),
    ("message has no attachment", "邮件没有附件"), ("not a scan", "不是扫描件"),
    ("message has no attachment but links to {links}", "邮件没有附件，但有链接"),
    ("not an email or a document", "不是邮件或文档"), ("skipped", "跳过"),
]


_FREE = {"why", "inner", "links"}


@cache
def _reason_patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for en, zh in _REASONS:
        parts = re.split(r"\{(\w+)\}", en)
        # An exception's words ({why}, {inner}, {links}) may hold anything; a name or a
        # number never holds "; ", which joins notes.
        body = "".join(re.escape(p) if i % 2 == 0 else
                       f"(?P<{p}>.+?)" if p in _FREE else f"(?P<{p}>[^;]+?)"
                       for i, p in enumerate(parts))
        patterns.append((re.compile(body, re.S), zh))
    return patterns


def reason(message: str | None, lang: str = DEFAULT_LANG) -> str:
    """Why an input failed or was skipped, in ``lang``; a reason not in the catalog as is.
    Notes joined with "; " are each translated."""
    if not message or lang == "en":
        return message or ""
    notes = _notes(message.split("; "))
    return "；".join(notes) if notes is not None else message


NOTE_PARTS = 4  # the "; " one note may hold (its own words, an exception's), whole aside


def _notes(parts: list[str]) -> list[str] | None:
    """The Chinese of notes joined with "; " (each note may hold "; " itself), or None:
    the whole as one note, else the longest notes first, from the end (linear in the parts,
    so a sheet refused cell by cell is said at once)."""
    whole = _reason("; ".join(parts))
    if whole is not None:
        return [whole]
    n = len(parts)
    said: list[tuple[str, int] | None] = [None] * n  # from part i: its note, where next starts
    for i in range(n - 1, -1, -1):
        for k in range(min(NOTE_PARTS, n - i), 0, -1):
            if i + k < n and said[i + k] is None:
                continue
            first = _reason("; ".join(parts[i:i + k]))
            if first is not None:
                said[i] = (first, i + k)
                break
    if said[0] is None:
        return None
    notes, i = [], 0
    while i < n:
        first, i = said[i]
        notes.append(first)
    return notes


def _reason(message: str) -> str | None:
    for pattern, zh in _reason_patterns():
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            if "inner" in values:
                values["inner"] = reason(values["inner"], "zh")
            return zh.format(**values)
    return None
