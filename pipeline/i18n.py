"""What people read, in zh-CN (the default) or English (``--lang en``): one catalog.

The command line's summaries, the human-readable columns of ``audit.csv``/``units.csv``
(``missing``, ``unit_from``, ``met``), ``report.html`` and the review station all take their
words from here; the pages get the catalog as JSON (:func:`catalog`). JSON keys, field keys,
flag names and CSV column names stay as the output contract names them, in every language.

A Python table rather than gettext: two languages, strings with named placeholders shared by
Python and the pages' scripts, and no compile step for ``.mo`` files. argparse's own messages
(usage, its errors, ``--help``'s headings) come through gettext by their English msgids:
:data:`ARGPARSE` gives their words, :class:`ArgparseWords` hands them to argparse.
"""

from __future__ import annotations

import gettext
import re
from functools import cache

from pipeline.errors import Code, Place, Reason
from pipeline.forms import FieldSpec, schemas
from pipeline.model import Flag, FlagKind, FormType

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# key: (zh-CN, English). {name} placeholders are filled by str.format (Python) or t() (pages).
_WORDS: dict[str, tuple[str, str]] = {
    # --- what each flag asks of a person (audit.csv's missing, the pages' to-do line)
    "flag.missing_signature": ("缺签名", "no signature"),
    "flag.missing_seal": ("缺盖章", "no seal"),
    "flag.missing_date": ("缺日期", "no date"),
    "flag.date_outside": ("日期不在活动期间，请核对", "date outside the contest's period: check it"),
    "flag.late": ("逾期（截止日期后）", "late (after the deadline)"),
    "flag.synopsis_too_long": ("{field}超过{limit}字", "{field} over {limit} characters"),
    "flag.invalid_phone": ("电话号码无效", "phone number not valid"),
    "flag.mismatch:seal": ("印章与报送单位不符", "the seal names another unit"),
    "flag.unclassified": ("无法识别表格类型", "form type not recognised"),
    "flag.unknown_unit": ("报送单位不在名单中，请核对", "unit not on the list: check it"),
    "flag.many_ticks": ("请看原件：{key}勾选了多项（只能选一项）",
                        "look at the page: {key} has several options ticked (one allowed)"),
    "flag.low_confidence:form_type": ("表格类型为推测，请核对", "form type is a guess: check it"),
    "flag.duplicate": ("同一页面重复提交（另见 also_at）",
                       "the same page sent twice (see also_at)"),
    "flag.paper_only": ("尚未收到电子版（邮件）", "no emailed copy yet"),
    "flag.email_only": ("尚未收到签章纸质版", "no signed paper copy yet"),
    "flag.missing_field": ("缺填：{key}", "not filled in: {key}"),
    "flag.clause_missing": ("缺承诺条款第{key}条", "consent clause {key} missing"),
    "flag.unread": ("请看原件：{key}（已填写，未能识别）",
                    "look at the page: {key} (filled in, not read)"),
    "flag.misread": ("请看原件：{key}（疑似识别错误，与电子版不同）",
                     "look at the page: {key} (likely misread, differs from the email)"),
    "flag.mismatch": ("纸质版与电子版不一致：{key}", "paper and email differ: {key}"),
    "list.sep": ("；", "; "),
    # --- audit.csv / units.csv values
    "unit_from.form": ("表格填写", "the form"),
    "unit_from.person": ("人工更正", "corrected by a person"),
    "unit_from.seal": ("印章（表中报送单位未填）", "the seal (the form leaves the unit empty)"),
    "met.yes": ("是", "yes"),
    "met.no": ("否", "no"),
    "met.unlisted": ("不在名单中", "not a listed unit"),
    # --- where a value shown comes from (report, review station)
    "source.label": ("识别：标签旁", "OCR, beside its label"),
    "source.vocabulary": ("识别：按名单校正", "OCR, put on the list's word"),
    "source.shape": ("识别：按格式（标签未识别）", "OCR, by its shape (label not read)"),
    "source.position": ("识别：按位置", "OCR, the one value left where its label stands"),
    "source.checkbox": ("识别：勾选项", "OCR, the option ticked"),
    "source.confirmed_by_email": ("识别：原件字迹与电子版相符", "OCR, the page's writing "
                                  "supports the emailed value"),
    "source.docx": ("电子文本：Word", "typed, from the Word file"),
    "source.xlsx": ("电子文本：Excel", "typed, from the Excel file"),
    "source.text-layer": ("电子文本：PDF", "typed, from the PDF's text"),
    "source.corrected": ("已人工更正", "corrected by a person"),
    "source.read_as": ("（原识别为 {raw}）", " (read as {raw})"),
    # --- the sheets' columns (records, reconciliation, audit, units) and their values
    "col.doc_id": ("文件编号", "document id"),
    "col.origin": ("来源", "origin"),
    "col.form_type": ("表格类型", "form type"),
    "col.status": ("状态", "status"),
    "col.path": ("文件", "file"),
    "col.pages": ("页", "pages"),
    "col.attachment": ("附件", "attachment"),
    "col.unit_listed": ("报送单位（名单）", "unit (as listed)"),
    "col.signature": ("签名", "signature"),
    "col.seal": ("盖章", "seal"),
    "col.seal_unit": ("印章单位", "unit on the seal"),
    "col.clause": ("承诺条款{n}", "clause {n}"),
    "col.duplicate": ("重复提交", "duplicate"),
    "col.flags": ("标记", "flags"),
    "col.what_to_do": ("怎么办", "what to do"),
    "col.route": ("读取方式", "read as"),
    "col.export": ("导出编号", "export"),
    "col.score": ("相似度", "similarity"),
    "col.paper": ("纸质版", "paper copy"),
    "col.email": ("电子版", "emailed copy"),
    "col.differences": ("不一致", "differences"),
    "col.misreadings": ("疑似识别错误", "likely misreadings"),
    "col.paper_doc_id": ("纸质版编号", "paper document id"),
    "col.email_doc_id": ("电子版编号", "email document id"),
    "col.also_at": ("同一页面也来自", "also sent as"),
    "col.unit": ("报送单位", "unit"),
    "col.unit_from": ("单位来源", "unit from"),
    "col.title": ("作品名称", "title"),
    "col.missing": ("缺少什么", "what is missing"),
    "col.reviewed": ("复核", "reviewed"),
    "audit.reviewed": ("已复核（{who}）", "reviewed ({who})"),
    "col.works": ("作品", "works"),
    "col.proposals": ("文案", "proposals"),
    "col.required_works": ("应报作品", "required works"),
    "col.required_proposals": ("应报文案", "required proposals"),
    "col.met": ("达标", "met"),
    "col.missing_signatures": ("缺签名", "missing signatures"),
    "col.missing_seals": ("缺盖章", "missing seals"),
    "value.yes": ("有", "yes"),
    "value.no": ("无", "no"),
    "pair.matched": ("已配对", "matched"),
    "pair.paper_only": ("仅纸质版", "paper only"),
    "pair.email_only": ("仅电子版", "email only"),
    "source.none": ("未能读取", "not read"),
    # --- names
    "origin.paper": ("纸质版", "paper"),
    "origin.email": ("电子版", "email"),
    "status.ok": ("无误", "ok"),
    "status.needs_review": ("待复核", "needs review"),
    "status.failed": ("失败", "failed"),
    "line.workers": ("同时读取 {workers} 页，用 {processes} 个读取进程（本机 {cores} 核；"
                     "可用内存 {gb} GB，每页约需 {per} GB）",
                     "reading {workers} pages at once in {processes} processes ({cores} "
                     "cores; {gb} GB of memory available, about {per} GB a page)"),
    "line.workers_memory": ("同时读取 {workers} 页，用 {processes} 个读取进程——本机 {cores} 核，"
                            "但可用内存 {gb} GB 只够同时读 {workers} 页（每页约需 {per} GB）；"
                            "可用 --workers 指定",
                            "reading {workers} pages at once in {processes} processes: "
                            "{cores} cores, but the {gb} GB of memory available holds "
                            "{workers} (about {per} GB a page); --workers sets it"),
    "status.not_a_form": ("非比赛表格", "not a contest form"),
    "other.cover_letter": ("报送函", "cover letter"),
    "other.other": ("其他文件", "other document"),
    "report.support": ("原件字迹与识别值相符程度 {reading}，与电子版值 {emailed}（对数似然，越接近 0 越相符）",
                       "how well the page's writing supports the reading: {reading}, the "
                       "emailed value: {emailed} (log-likelihood; nearer 0 fits better)"),
    "report.others": ("其他文件（不是比赛表格，不进入复核、核对和名额统计）",
                      "Other documents (not contest forms: left out of review, reconciliation "
                      "and quotas)"),
    "report.others_hint": ("如其中确有比赛表格，请在 records.xlsx 的“表格类型”栏填写表格名称后导入"
                           "（formscan import-corrections）。",
                           "If one of them is a contest form, write its form in the form type "
                           "column of records.xlsx and import it (formscan import-corrections)."),
    "report.what": ("是什么", "what it is"),
    "report.count_others": ("其他文件", "other documents"),
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
    "line.half.left": ("左半", ", left half"),
    "line.half.right": ("右半", ", right half"),
    "line.message": ("第 {n} 封邮件", "message {n}"),
    "line.message_attachment": ("{message}：{name}", "{message}: {name}"),
    "cli.audit_head": ("{flagged} / {documents} 份文件待复核", "{flagged} of {documents} "
                                                           "documents need review"),
    "cli.more_in_audit": ("  …… 另有 {n} 份，见 audit.csv", "  ... {n} more in audit.csv"),
    "cli.units_header": ("报送单位|作品|文案|应报|达标|缺签名|缺盖章",
                         "unit|works|proposals|required|met|no sign.|no seal"),
    "cli.audit_written": ("\n已写入：{out}/audit.xlsx、{out}/units.xlsx（给人看的表）和 "
                          "audit.csv、units.csv（给程序读的表），记录已更新",
                          "\nwritten: {out}/audit.xlsx, {out}/units.xlsx (for people) and "
                          "audit.csv, units.csv (for tools); records updated"),
    "cli.this_run": ("\n本次：输入文件 {files} 个，读取 {read} {unit}（成功 {ok}，失败 {failed}，"
                     "跳过 {skipped}，重复 {duplicates}）",
                     "\nthis run: {files} input files, {read} {unit}s read ({ok} ok, {failed} "
                     "failed, {skipped} skipped, {duplicates} duplicates)"),
    "cli.kept": ("；{kept} 个上次已读，未重读", "; {kept} read by an earlier run, not read again"),
    "cli.reread": ("重新读取 {n} 个文件：{what}与上次读取时不同",
                   "{n} files read again: their {what} changed since they were read"),
    "cli.changed.content": ("文件内容", "content"),
    "cli.changed.formscan": ("formscan 版本", "formscan version"),
    "cli.changed.engine": ("识别引擎", "OCR engine"),
    "cli.changed.models": ("识别模型", "OCR models"),
    "cli.changed.det_side": ("检测尺寸", "detection size"),
    "cli.changed.keys": ("附件的编号方式（同名附件分开列出）", "how attachments are numbered (those "
                                                   "sharing a name listed apart)"),
    "cli.unit.page": ("页", "page"),
    "cli.unit.attachment": ("个附件", "attachment"),
    "cli.in_batch.page": ("本批次中这些输入的页数", "pages of these inputs in the batch"),
    "cli.in_batch.attachment": ("本批次中这些输入的附件数",
                                "attachments of these inputs in the batch"),
    "cli.duplicates": ("重复", "duplicates"),
    "count.failures": ("失败", "failures"),
    "cli.failed": ("失败 {where}：{error}", "FAILED {where}: {error}"),
    "cli.results": ("\n结果在 {out}/：report.html records.xlsx audit.xlsx units.xlsx（给人看）；"
                    "records.jsonl records.csv manifest.jsonl audit.csv units.csv（给程序读）",
                    "\nresults in {out}/: report.html records.xlsx audit.xlsx units.xlsx (for "
                    "people); records.jsonl records.csv manifest.jsonl audit.csv units.csv (for "
                    "tools)"),
    "cli.next": ("下一步：{step}", "next: {step}"),
    # {formscan}: the formscan that ran, by its full path; {out}: the batch, absolute
    "cli.next.scan": ("{formscan} email 邮件… --out {out}（读取电子版），然后 {formscan} "
                      "reconcile --out {out}；打开 {out}/report.html 或用 {formscan} review "
                      "--out {out} 复核",
                      "{formscan} email MAIL... --out {out} (the emailed copies), then "
                      "{formscan} reconcile --out {out}; open {out}/report.html or check with "
                      "{formscan} review --out {out}"),
    "cli.next.email": ("{formscan} reconcile --out {out}，然后打开 {out}/report.html 或用 "
                       "{formscan} review --out {out} 复核",
                       "{formscan} reconcile --out {out}, then open {out}/report.html or check "
                       "with {formscan} review --out {out}"),
    "cli.next.run": ("{formscan} review --out {out} 复核并更正需要人工查看的内容（或打开 "
                     "{out}/report.html）；audit.csv 列出每份表格缺少什么；{formscan} letters "
                     "--out {out} 为各单位生成催补函",
                     "{formscan} review --out {out} to check and correct what needs a person "
                     "(or open {out}/report.html); audit.csv lists what each form is missing; "
                     "{formscan} letters --out {out} writes the letters to the units"),
    "cli.forget_unknown": ("{path}：不在本批次中（名称见 {out}/manifest.jsonl）",
                           "{path}: not in the batch (see {out}/manifest.jsonl for its names)"),
    "cli.forgotten": ("{path}：已移除 {removed} 条清单记录及其结果",
                      "{path}: {removed} manifest lines and their records removed"),
    "cli.forgotten_others": ("；其页面在 {others} 中的重复件将在下次运行时重读",
                             "; duplicates of its pages in {others} will be read again by the "
                             "next run"),
    "cli.next.forget": ("{formscan} reconcile --out {out} 和 {formscan} audit --out {out} "
                        "更新比对和审核",
                        "{formscan} reconcile --out {out} and {formscan} audit --out {out} to "
                        "bring the reconciliation and the audit up to date"),
    "cli.no_email": ("比对：本批次尚无电子版，无可比对，不标记；"
                     "用 `{formscan} email 邮件… --out {out}` "
                     "读取后再比对",
                     "reconcile: no emailed copy in the batch yet: nothing to reconcile "
                     "against, nothing flagged; read them with `{formscan} email MAIL... --out "
                     "{out}` and reconcile again"),
    "cli.no_paper": ("比对：本批次尚无纸质版，无可比对，不标记；"
                     "用 `{formscan} scan 路径… --out {out}` "
                     "读取后再比对",
                     "reconcile: no paper scan in the batch yet: nothing to reconcile "
                     "against, nothing flagged; read them with `{formscan} scan PATH... --out "
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
    "cli.forced": ("已按 --force 覆盖：", "taken with --force: "),
    "cli.imported_after": ("已重新检查、比对和审核；{out}/records.* 和 audit.csv 已重写",
                           "checks, reconciliation and audit run again; {out}/records.* and "
                           "audit.csv rewritten"),
    "cli.error": ("formscan：错误：{error}", "formscan: error: {error}"),
    "cli.dash_path": ("文件名 {name} 以 - 开头，被当作了选项：请写成 {path}，或写在 -- 之后"
                      "（formscan {command} --out 输出文件夹 -- {name}）",
                      "the file name {name} starts with a dash and was taken for an "
                      "option: write it as {path}, or after -- (formscan {command} --out OUT -- "
                      "{name})"),
    "cli.interrupted": ("formscan：已中断；已完成的页面已保存，再次运行同一命令即可继续",
                        "formscan: interrupted; finished pages are kept, run the same command "
                        "again to go on"),
    # --- the command line's options (--help); no "%": argparse formats help with it
    "cli.help.description": ("把扫描和电子邮件报送的比赛表格读成结构化记录，比对、审核并生成报告。",
                             "Digitise scanned and emailed contest forms into structured "
                             "records; reconcile, audit and report them."),
    "cli.help.epilog": ("退出状态：0 全部输入已处理；3 部分输入失败（其余已处理并写入）；2 命令行用法错误；"
                        "4 配置错误或批次正被另一个 formscan 使用；5 无法写入输出；130 已中断；143 被终止（SIGTERM）。"
                        "加 --lang en 显示英文。",
                        "Exit status: 0 all inputs processed, 3 some inputs failed (the rest is "
                        "written), 2 usage error, 4 configuration error or batch in use, 5 an "
                        "output cannot be written, 130 interrupted, 143 ended by SIGTERM."),
    "cli.help.command": ("命令", "command"),
    "cli.help.version": ("显示 formscan 的版本并退出", "show formscan's version and exit"),
    "cli.help.verbose": ("逐个说明正在读取的文件，以及某一步失败的原因",
                         "say each file as it is read, and why a step failed"),
    "cli.help.out": ("输出文件夹（批次）", "output folder (the batch)"),
    "cli.help.lang": ("人们阅读的内容所用的语言：屏幕上的摘要、audit.csv/units.csv 中的文字、"
                      "report.html、复核工作站、催补函（默认 zh：中文；en：英文）",
                      "language of what people read: summaries, audit.csv/units.csv words, "
                      "report.html, the review station, the letters (default zh: 中文)"),
    "cli.help.config": ("合并到内置 contest.yaml 之上的 YAML 文件（截止日期、承诺条款、单位与名额、"
                        "阈值、比对权重、办公室联系方式）",
                        "YAML merged over the shipped contest.yaml (deadlines, clauses, units "
                        "and quotas, thresholds, reconciliation weights, the office's contact)"),
    "cli.help.engine": ("识别引擎（默认 {default}：rapidocr 包中的 PP-OCR 模型，在 OpenVINO 上运行；"
                        "rapidocr：同样的模型，在 ONNX Runtime 上运行）",
                        "OCR engine (default: {default}, the PP-OCR models of the rapidocr "
                        "wheel on OpenVINO; rapidocr: the same on ONNX Runtime)"),
    "cli.help.workers": ("同时读取的页数：每个读取进程同时读 2 页，共用一份识别模型"
                         "（默认：每个 CPU 核一页，但不超过可用内存容得下的页数）",
                         "pages read at once, two to a reading process sharing its loaded "
                         "models (default: one per core, no more than the memory available "
                         "holds)"),
    "cli.help.threads": ("每页的推理线程数（默认：同时读多页时各 1 个，只读一页时用全部核）",
                         "inference threads per page read at once (default: 1 each when "
                         "several are read at once, all cores for one)"),
    "cli.help.det_side": ("文字检测时页面长边的像素数（默认 {default}）；识别总按原尺寸读取页面",
                          "long side text detection runs at (default {default}); recognition "
                          "always reads the page at full size"),
    "cli.help.max_megapixels": ("超过 N 百万像素的页面不解码，记为失败（默认 {default}）",
                                "a page over N million pixels fails, undecoded (default "
                                "{default})"),
    "cli.help.max_pages": ("页数更多的文件记为失败（默认 {default}）",
                           "a file of more pages fails (default {default})"),
    "cli.help.max_mb": ("更大的文件不读取，记为失败（默认 {default}）",
                        "a larger file fails, unread (default {default})"),
    "cli.help.max_depth": ("嵌套更深的邮件记为失败（默认 {default}）",
                           "a message nested deeper fails (default {default})"),
    "cli.help.page_timeout": ("一页读取超过 S 秒即记为失败，并更换读取它的进程（默认 {default} 秒；"
                              "多个进程时）",
                              "a page read for longer fails and its worker is replaced "
                              "(default {default} s; with several workers)"),
    "cli.help.executor": ("在哪里读取页面：local（本机的读取进程，默认）或 ray（Ray 集群的工作进程；"
                          "需 pip install 'formscan[ray]'）",
                          "where pages are read: local (this machine's worker processes, the "
                          "default) or ray (a Ray cluster's workers; pip install "
                          "'formscan[ray]')"),
    "cli.help.ray_address": ("与 --executor ray 一起使用：集群地址（auto：本机 `ray start` 启动的集群；"
                             "ray://主机:10001）；默认：为本次运行在本机启动一个 Ray",
                             "with --executor ray: the cluster (auto: the one `ray start` "
                             "began on this machine; ray://HOST:10001); default: a Ray "
                             "instance started here for this run"),
    "cli.help.no_progress": ("不显示进度条", "no progress bar"),
    "cli.help.scan": ("读取纸质版扫描件：PDF、图片、文件夹（含子文件夹）",
                      "read paper scans: PDFs, images, folders (recursive)"),
    "cli.help.scan_paths": ("扫描件或文件夹", "scans or folders"),
    "cli.help.email": ("读取电子版：.eml/.mbox、文件夹，以及单独的 .docx/.pdf/.xlsx",
                       "read emailed copies: .eml/.mbox, folders, loose .docx/.pdf/.xlsx"),
    "cli.help.email_paths": ("邮件、文档或文件夹", "messages, documents or folders"),
    "cli.help.run": ("依次读取扫描件和电子版，再比对、审核并生成报告",
                     "scan, email, reconcile, audit and report in order"),
    "cli.help.paper": ("纸质版扫描件（--paper 与 --email 至少给出一个）",
                       "paper scans (at least one of --paper and --email)"),
    "cli.help.run_email": ("电子版：邮件、文档或文件夹", "emailed copies"),
    "cli.help.reconcile": ("为纸质版和电子版配对，列出差异",
                           "pair paper and email copies, list differences"),
    "cli.help.audit": ("标出每份表格缺少什么；各单位名额表",
                       "flag what each form is missing; unit quota table"),
    "cli.help.report": ("生成 OUT/report.html 供人工查看", "write OUT/report.html for people to "
                                                          "check"),
    "cli.help.import": ("从修改过的 records.xlsx 导入人工更正",
                        "take people's corrections from an edited records.xlsx"),
    "cli.help.sheet": ("修改过的 .xlsx 文件", "the edited .xlsx"),
    "cli.help.who": ("更正人（与每处更正一起保存）", "who corrects (kept with each correction)"),
    "cli.help.force": ("在这份表导出后批次又被更正的单元格，也以表中的值为准（逐格说明）",
                       "take the sheet's value also where the batch changed it since the sheet "
                       "was exported (said cell by cell)"),
    "cli.help.review": ("复核工作站：在浏览器中更正需要人工处理的内容，以键盘操作为主",
                        "the review station: correct what needs a person in a browser, "
                        "keyboard first"),
    "cli.help.host": ("监听的地址（默认：只有本机能访问）",
                      "address to listen on (default: this machine only)"),
    "cli.help.port": ("端口（0：任一空闲端口）", "port (0: any free one)"),
    "cli.help.forget": ("把输入文件移出批次（放错的文件、打错的文件名）",
                        "take input files out of a batch (a wrong file, a mistyped name)"),
    "cli.help.forget_paths": ("文件，按 manifest.jsonl 中的写法", "as the manifest names it"),
    "cli.help.letters": ("为每个有材料待补的单位写催补函（.docx）和待发的邮件草稿（.eml），"
                         "放在 OUT/letters/",
                         "write each unit with something to chase a letter (.docx) and a "
                         "ready-to-send draft (.eml), in OUT/letters/"),
    "cli.arg.number": ("{value} 不是大于等于 {least} 的整数", "{value} is not a number of {least} "
                                                         "or more"),
    # --- formscan letters: the command's summary
    "cli.letters_head": ("已为 {units} 个单位写催补函，共 {items} 项待补（{out}/letters/）：",
                         "letters written to {units} units, {items} items to chase in all "
                         "({out}/letters/):"),
    "cli.letters_none": ("没有需要催补的单位：本批次中没有可请单位补齐的内容，未写函件",
                         "no unit has anything to chase in this batch: no letter written"),
    "cli.letters_line": ("  {unit}：{works} 件材料，{items} 项；{to}",
                         "  {unit}: {works} documents, {items} items; {to}"),
    "cli.letters_after": ("请核对后发送：.docx 可打印或作为附件，.eml 用邮件客户端打开即为待发草稿；"
                          "办公室联系方式来自 contest.yaml 的 office（请先填写）",
                          "check them, then send: print the .docx or attach it, open the .eml "
                          "in a mail client as a draft; the office's contact comes from "
                          "contest.yaml's office (fill it in first)"),
    # --- the letters to units (formscan letters)
    "letter.title": ("关于补充报送材料的函", "Materials still to send"),
    "letter.subject": ("关于补充报送材料的函（{contest}）", "Materials still to send ({contest})"),
    "letter.to": ("{unit}：", "To {unit}:"),
    "letter.intro": ("贵单位报送的“{contest}”参评材料已收到，谢谢支持。经核对，下列材料尚需补充或更正，"
                     "请按各表格的截止日期补齐：签字盖章的纸质版请寄至下述地址，电子版请发送至下述邮箱。",
                     "We have received the materials your unit sent to {contest}, thank you. "
                     "The ones below still lack something or need correcting: please complete "
                     "them by each form's deadline, posting signed and sealed paper copies to "
                     "the address below and emailing electronic copies to the address below."),
    "letter.unknown_unit": ("未知单位", "unknown unit"),
    "letter.unknown_title": ("未能确定报送单位的材料（供办公室查明）",
                             "Documents whose unit is not known (for the office)"),
    "letter.unknown_intro": ("下列材料未能确定报送单位：表中未填写报送单位，印章也未能辨认。"
                             "此函不能直接寄出：请办公室先根据原件查明单位，再把相应条目转入该单位的函件。",
                             "The documents below name no unit: the form leaves it empty and "
                             "the seal could not be read. This letter cannot be sent as it is: "
                             "find each one's unit from the page first, then move its lines "
                             "into that unit's letter."),
    "letter.col.n": ("序号", "No."),
    "letter.col.title": ("作品/文案名称", "title"),
    "letter.col.form": ("表格", "form"),
    "letter.col.copies": ("已收到", "received"),
    "letter.col.deadline": ("截止日期", "deadline"),
    "letter.col.chase": ("需补充或更正", "to send or correct"),
    "letter.untitled": ("（未填写名称）", "(no title)"),
    "letter.no_deadline": ("—", "—"),
    "letter.copy_item": ("{copy}：{item}", "{copy}: {item}"),
    "letter.contact_head": ("如有疑问，请联系：", "Questions? Please contact:"),
    "letter.office": ("办公室：{name}", "office: {name}"),
    "letter.contact": ("联系人：{contact}", "contact: {contact}"),
    "letter.phone": ("电话：{phone}", "phone: {phone}"),
    "letter.email": ("电子邮箱：{email}", "email: {email}"),
    "letter.address": ("纸质版寄送地址：{address}", "post paper copies to: {address}"),
    "letter.day": ("{year}年{month}月{day}日", "{day}/{month}/{year}"),
    "letter.attached": ("附件：{name}", "attached: {name}"),
    "letter.readme": ("formscan letters 于 {day} 写出：{units} 个单位，共 {items} 项待补。\n"
                      "每个单位一份 .docx 函件（可打印或作为附件）和一份 .eml 邮件草稿（用邮件客户端打开，"
                      "核对后发送）。每次运行 formscan letters 都会重写本文件夹中的函件。\n"
                      "函件只列出需要单位补齐的内容；需要办公室自己看原件的标记不写入函件，见 audit.csv。\n",
                      "formscan letters wrote these on {day}: {units} units, {items} items to "
                      "chase.\nEach unit has a .docx letter (print it or attach it) and an .eml "
                      "draft (open it in a mail client, check it, send it). Every run of "
                      "formscan letters rewrites the letters in this folder.\nA letter lists "
                      "only what the unit must complete; flags that ask the office to look at "
                      "its own page are left out: see audit.csv.\n"),
    "letter.draft_to": ("邮件草稿发往 {address}", "draft to {address}"),
    "letter.no_address": ("本批次中没有该单位的邮箱：请在邮件草稿中填写收件人",
                          "no address for the unit in this batch: fill in the draft's To"),
    "letter.for_office": ("供办公室查明单位，不寄出（无邮件草稿）",
                          "for the office to find the units; not to be sent (no draft)"),
    "letter.copies_sep": ("、", ", "),
    "letter.titled": ("《{title}》", "“{title}”"),
    "letter.work_line": ("{n}. {title} {form}（已收到：{copies}；截止日期：{deadline}）",
                         "{n}. {title}, {form} (received: {copies}; deadline: {deadline})"),
    "letter.readme_line": ("{unit}：{works} 件材料，{items} 项；{to}（{files}）",
                           "{unit}: {works} documents, {items} items; {to} ({files})"),
    "letter.chase.missing_signature": ("缺签名", "no signature"),
    "letter.chase.missing_seal": ("缺盖章", "no seal"),
    "letter.chase.missing_date": ("缺日期", "no date"),
    "letter.chase.missing_field": ("缺填：{key}", "not filled in: {key}"),
    "letter.chase.clause_missing": ("缺承诺条款第{key}条", "consent clause {key} missing"),
    "letter.chase.synopsis_too_long": ("{field}超过{limit}字", "{field} over {limit} characters"),
    "letter.chase.invalid_phone": ("电话号码无效", "phone number not valid"),
    "letter.chase.late": ("逾期", "late"),
    "letter.chase.email_only": ("未寄纸质版", "signed paper copy not posted"),
    "letter.chase.paper_only": ("未发电子版", "electronic copy not emailed"),
    "letter.chase.mismatch": ("纸质版与电子版不一致：{key}", "paper and electronic copies "
                                                              "differ: {key}"),
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
    "report.unrecognised": ("未识别的文件 {name}", "unrecognised document {name}"),
    # --- the review station
    "review.title": ("formscan 复核", "formscan review"),
    "review.queue": ("待复核", "to review"),
    "review.keys": ("↑↓ 上一份/下一份 · Tab 下一栏（离开即保存）· Enter 保存本栏 · "
                    "Ctrl+S 保存简介 · Esc 撤销 · Ctrl+Enter 本份复核完毕 · Alt+S 签名 · "
                    "Alt+Z 盖章 · Alt+1–4 承诺条款 · Alt+T 表格类型 · Alt+D 重复提交",
                    "↑↓ previous/next · Tab next field (leaving saves) · Enter save the field · "
                    "Ctrl+S save the synopsis · Esc undo · Ctrl+Enter document done · "
                    "Alt+S signature · Alt+Z seal · Alt+1–4 clauses · Alt+T form type · "
                    "Alt+D sent twice"),
    "review.nothing": ("没有待复核的文件。", "Nothing to review."),
    "review.unit": ("报送单位：", "unit: "),
    "review.no_todo": ("无待办", "nothing to do"),
    "review.value": ("识别值（可改）", "value (edit it)"),
    "review.not_saved": ("未保存：{error}", "not saved: {error}"),
    "review.cleared": ("已复核 {done} / {total} 份", "{done} of {total} reviewed"),
    "review.done_reason": ("已复核", "reviewed"),
    "review.unsaved": ("未保存", "not saved"),
    "review.token_refused": ("此页面属于已结束的复核会话：请打开 formscan review 新打印的地址",
                             "this page belongs to a review session that has ended: open the "
                             "address formscan review printed last"),
    "review.offline": ("无法连接复核工作站（已停止？）", "cannot reach the review station (stopped?)"),
    "review.reloaded": ("已重新载入本文件的当前内容；你输入的仍在栏中，未保存（再按 Enter 即以它为准）",
                        "this document's current values reloaded; what you typed is still in "
                        "the field, not saved (Enter again to keep it)"),
    "review.stored_now": ("现存：{value}", "stored now: {value}"),
    "review.has": ("有", "present"),
    "review.has_not": ("无", "absent"),
    "review.is": ("是", "yes"),
    "review.is_not": ("否", "no"),
    "review.clauses": ("承诺条款", "consent clauses"),
    "review.not_a_form": ("非比赛表格", "not a contest form"),
    "review.duplicate": ("重复提交", "sent twice"),
    "review.dismiss": ("已核对", "checked"),
    "review.dismiss_hint": ("已核对原件：撤销这一标记（请写明理由）",
                            "checked against the page: withdraw this flag (give a reason)"),
    "review.dismiss_reason": ("已核对原件", "checked against the page"),
    "review.ok": ("确定", "OK"),
    "review.cancel": ("取消", "cancel"),
    "review.enlarge": ("点击放大本页（Esc 关闭）", "click to see the page large (Esc closes)"),
}


# argparse words what it prints (usage, errors, --help's headings) through gettext: its English
# msgid -> (zh-CN, English). cli installs :class:`ArgparseWords` for the command's language.
# Messages about a parser built wrong (never shown to a clerk) are left out; tests/test_i18n.py
# fails on any other msgid of the running Python's argparse that has no words here.
ARGPARSE: dict[str, tuple[str, str]] = {
    "usage: ": ("用法：", "usage: "),
    "positional arguments": ("位置参数", "positional arguments"),
    "options": ("选项", "options"),
    "subcommands": ("命令", "subcommands"),
    "show this help message and exit": ("显示本帮助并退出", "show this help message and exit"),
    "%(prog)s: error: %(message)s\n": ("%(prog)s：错误：%(message)s\n",
                                       "%(prog)s: error: %(message)s\n"),
    "argument %(argument_name)s: %(message)s": ("参数 %(argument_name)s：%(message)s",
                                                "argument %(argument_name)s: %(message)s"),
    "the following arguments are required: %s": ("缺少必需的参数：%s",
                                                  "the following arguments are required: %s"),
    "one of the arguments %s is required": ("参数 %s 须给出其中之一",
                                            "one of the arguments %s is required"),
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "无效的选择：%(value)r（可选：%(choices)s）",
        "invalid choice: %(value)r (choose from %(choices)s)"),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "没有命令 %(parser_name)r（可选：%(choices)s）",
        "unknown parser %(parser_name)r (choices: %(choices)s)"),
    "unrecognized arguments: %s": ("无法识别的参数：%s", "unrecognized arguments: %s"),
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 不明确，可能是：%(matches)s",
        "ambiguous option: %(option)s could match %(matches)s"),
    "unexpected option string: %s": ("此处不应有选项：%s", "unexpected option string: %s"),
    "expected one argument": ("需要一个值", "expected one argument"),
    "expected at most one argument": ("最多一个值", "expected at most one argument"),
    "expected at least one argument": ("至少需要一个值", "expected at least one argument"),
    "expected %s argument": ("需要 %s 个值", "expected %s argument"),  # ngettext: plural below
    "invalid %(type)s value: %(value)r": ("无效的值：%(value)r（应为 %(type)s）",
                                          "invalid %(type)s value: %(value)r"),
    "not allowed with argument %s": ("不能与参数 %s 同时使用", "not allowed with argument %s"),
    "ignored explicit argument %r": ("此选项不带值，不应给出 %r", "ignored explicit argument %r"),
    "can't open '%(filename)s': %(error)s": ("无法打开 '%(filename)s'：%(error)s",
                                             "can't open '%(filename)s': %(error)s"),
}


class ArgparseWords(gettext.NullTranslations):
    """argparse's messages in ``lang``: each msgid looked up in :data:`ARGPARSE` (gettext's
    model: the msgid is the key); one without words stays as argparse wrote it."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        super().__init__()
        self.lang = lang

    def gettext(self, message: str) -> str:
        words = ARGPARSE.get(message)
        return message if words is None else words[self.lang == "en"]

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self.lang == "en" or singular not in ARGPARSE:  # Chinese has one form
            return singular if n == 1 else plural
        return ARGPARSE[singular][0]


def text(lang: str, key: str, /, **values: object) -> str:
    """The words for ``key`` in ``lang`` (zh or en), placeholders filled. A key without words
    is shown as itself (tests/test_i18n.py fails on every one that can be asked for)."""
    if key not in _WORDS:
        return key
    zh, en = _WORDS[key]
    words = en if lang == "en" else zh
    return words.format(**values) if values else words


def catalog(lang: str) -> dict[str, str]:
    """Every entry in one language, for a page's script (placeholders left as ``{name}``)."""
    return {key: (en if lang == "en" else zh) for key, (zh, en) in _WORDS.items()}


@cache
def field_names(lang: str, form_type: str | None = None) -> dict[str, str]:
    """Field key -> its name: the printed label (联系电话 for phone) of ``form_type``'s
    schema first (作品名称 on a work's form, 文案名称 on a proposal's), then of the schemas
    with the most fields; or the key in English."""
    names: dict[str, str] = {}
    order = sorted(schemas().values(), key=lambda schema: (
        schema.form_type != form_type, -len(schema.fields), schema.form_type.value))
    for schema in order:
        for spec in schema.fields:
            names.setdefault(spec.key, re.sub(r"[（(].*?[）)]", "", spec.labels[0])
                             if lang != "en" else spec.key.replace("_", " "))
    return names


def where(lang: str, place: Place) -> str:
    """Where a manifest line or a document is, for people: ``a.pdf 第 3 页``,
    ``mail.eml [授权书.pdf] 第 1 页``. The one place this is worded."""
    return (place.path + (f" [{_attachment(lang, place.attachment)}]" if place.attachment
                          else "")
            + (text(lang, "line.page", page=place.page) if place.page else "")
            + (text(lang, f"line.half.{place.half}") if place.half else ""))



_IN_MBOX = re.compile(r"^message (\d+)(?:: (.*))?$", re.S)


def _attachment(lang: str, name: str) -> str:
    """An attachment as the manifest names it (``message 2: 报名表.docx`` in an mbox: a key,
    not words), for people: 第 2 封邮件：报名表.docx."""
    found = _IN_MBOX.match(name)
    if not found:
        return name
    number, inner = found.groups()
    said = text(lang, "line.message", n=number)
    return said if inner is None else text(lang, "line.message_attachment", message=said,
                                           name=inner)


def form_name(lang: str, form_type: FormType | str) -> str:
    return text(lang, f"form.{FormType(form_type).value}")


def flag_words(flag: Flag, lang: str = DEFAULT_LANG, form_type: str | None = None) -> str:
    """What one flag asks of a person: 缺签名, 缺填：联系电话 … Numbers come from where they
    live (a length limit from the form's schema)."""
    return _flag_said(f"flag.{flag.kind.value}", flag, lang, form_type)


def chase_words(flag: Flag, lang: str = DEFAULT_LANG, form_type: str | None = None) -> str:
    """What a unit is asked for in a letter, in its own words: 未寄纸质版 where the office's
    sheets say 尚未收到签章纸质版 (``letter.chase.<kind>``)."""
    return _flag_said(f"letter.chase.{flag.kind.value}", flag, lang, form_type)


def _flag_said(key: str, flag: Flag, lang: str, form_type: str | None) -> str:
    if key not in _WORDS:
        return str(flag)
    names = field_names(lang, form_type)
    values: dict[str, object] = {}
    if "{key}" in _WORDS[key][1]:
        values["key"] = (flag.key if flag.kind is FlagKind.CLAUSE_MISSING
                         else names.get(flag.key or "", flag.key or ""))
    if "{limit}" in _WORDS[key][1]:
        spec = _limited(form_type)
        values.update(field=names.get(spec.key, spec.key), limit=spec.max_chars)
    return text(lang, key, **values)


def _limited(form_type: str | None) -> FieldSpec:
    """The field of a form whose length the notice limits (the synopsis)."""
    known = schemas()
    order = [known[FormType(form_type)]] if form_type in known else []
    return next(spec for schema in [*order, *known.values()] for spec in schema.fields
                if spec.max_chars)


def in_words(flags: list[Flag], lang: str = DEFAULT_LANG,
             form_type: str | None = None) -> str:
    """What a person must chase, in words: '缺签名；缺盖章；缺填：联系电话'."""
    return text(lang, "list.sep").join(flag_words(f, lang, form_type) for f in flags)


# Why an input failed, was skipped or is worth a note, and what stops a command: one entry
# per errors.Code, (zh-CN, English). The manifest keeps the English beside the code.
# tests/test_i18n.py renders every code in both languages.
_SAID: dict[Code, tuple[str, str]] = {
    Code.CANNOT_OPEN: ("无法打开文件；请检查路径和权限",
                       "cannot open file: {why}; check the path and permissions"),
    Code.SYMLINK_LOOP: ("链接循环（链接最终又指向自身，如 a.jpg → b.jpg → a.jpg），无法打开：请改为指向实际扫描件，"
                        "或删除链接",
                        "links in a loop (a link that leads back to itself, as a.jpg → b.jpg "
                        "→ a.jpg) cannot be opened: point it at the scan itself, or remove it"),
    Code.REMOVED: ("文件在读取过程中被删除或移走，无法打开：请放回原处后再次运行同一命令",
                   "the file was removed or moved while it was being read ({why}); put it "
                   "back and run the same command again"),
    Code.EMPTY_SCAN: ("空文件（0 字节）：扫描件未保存，请重新扫描",
                      "empty file (0 bytes): the scan did not save; scan the pages again"),
    Code.EMPTY_FILE: ("空文件（0 字节）：请重新保存邮件或文件",
                      "empty file (0 bytes): save the message or file again"),
    Code.NOT_A_SCAN: ("不是扫描件（PDF 或 jpg/png/tif），未读取；如是电子版，请用 `formscan email` 读取",
                      "not a scan (PDF or jpg/png/tif), left out; if it is an emailed copy, read "
                      "it with `formscan email`"),
    Code.NOT_SCAN_CONTENT: ("文件名为 {suffix}，但内容不是 PDF 或图片：文件损坏或扩展名有误，请重新扫描",
                            "named {suffix} but its content is not a PDF or an image: the file "
                            "is damaged or mislabelled; rescan it"),
    Code.MISLABELLED: ("文件名为 {suffix}，实际是 {kind} 文件，已按 {kind} 读取",
                       "named {suffix} but is really a {kind} file; read as {kind}"),
    Code.DECODER_FAILED: ("无法解码：文件损坏或与扩展名不符，请重新扫描或索取",
                          "cannot be decoded ({why}); the file is damaged or not what its name "
                          "says: rescan it or ask for it again"),
    Code.OVER_SIZE: ("文件 {mb} MB，超过每个文件 {limit} MB 的上限：请拆分，或用 --max-mb 提高上限",
                     "file of {mb} MB is over the limit of {limit} MB per file; split it, or "
                     "raise the limit with --max-mb"),
    Code.OVER_PAGES: ("文件共 {count} 页，超过每个文件 {limit} 页的上限：请拆分，或用 --max-pages 提高上限",
                      "file of {count} pages is over the limit of {limit} pages per file; split "
                      "it, or raise the limit with --max-pages"),
    Code.OVER_PIXELS: ("页面为 {width} × {height} 像素，超过每页 {limit} 百万像素的上限（解压炸弹或文件头有误）："
                       "请重新扫描，或用 --max-megapixels 提高上限",
                       "page of {width} × {height} pixels is over the limit of {limit} million "
                       "pixels per page (a decompression bomb or a wrong header); rescan it, or "
                       "raise the limit with --max-megapixels"),
    Code.OVER_DEPTH: ("邮件嵌套 {depth} 层，超过 {limit} 层的上限（层层转发）：请单独保存最里层的邮件，"
                      "或用 --max-depth 提高上限",
                      "message whose parts are nested {depth} levels deep is over the limit of "
                      "{limit} (forwarded inside forwarded...); save the innermost message on "
                      "its own, or raise the limit with --max-depth"),
    Code.OVER_UNPACKED: ("解压后 {mb} MB，超过 {limit} MB 的上限（压缩炸弹？）：请向报送单位重新索取，"
                         "或用 --max-mb 提高上限",
                         "unpacks to {mb} MB, over the limit of {limit} MB (a zip bomb?); ask the "
                         "unit for it again, or raise the limit with --max-mb"),
    Code.PDF_UNOPENABLE: ("PDF 无法打开：文件损坏或不完整，请重新扫描或索取",
                          "PDF cannot be opened ({why}); the file is damaged or truncated: rescan "
                          "or ask for it again"),
    Code.PDF_PASSWORD: ("PDF 有密码保护：请向发件单位索取无密码版本",
                        "PDF is password-protected: ask the sender for an unprotected copy"),
    Code.PDF_NO_PAGES: ("PDF 没有页面，请重新扫描", "PDF has no pages; rescan it"),
    Code.PDF_REPAIRED: ("PDF 已损坏（不完整或结构损坏），已修复后读取：请对照纸质原件核对是否缺页",
                        "the PDF was damaged (cut short, or its structure broken) and was "
                        "repaired to be read: check against the paper that no page is missing"),
    Code.PAGE_UNRENDERABLE: ("页面无法显示：请重新扫描此页或重新索取文件",
                             "page cannot be rendered ({why}); rescan this page or ask for the "
                             "file again"),
    Code.TIFF_PAGE_UNDECODABLE: ("TIFF 页面无法解码（文件损坏），请重新扫描",
                                 "TIFF page cannot be decoded (damaged file); rescan it"),
    Code.IMAGE_UNDECODABLE: ("{kind} 图片无法解码（文件损坏）：请重新扫描或重新索取",
                             "{kind} image cannot be decoded (damaged file); rescan it or ask "
                             "for it again"),
    Code.IMAGE_HEADER_BAD: ("{kind} 图片无法解码：文件损坏，请重新扫描",
                            "{kind} image cannot be decoded ({why}); the file is damaged: rescan "
                            "it"),
    Code.JPEG_CUT_SHORT: ("JPEG 文件不完整：下部可能缺失，请重新扫描此页",
                          "the JPEG ends early: its lower part may be missing; rescan this page"),
    Code.FIRST_FRAME_ONLY: ("动图共 {count} 帧，只读取了第一帧：如其他帧也是表格，请逐页另存为图片或 PDF",
                            "an animation of {count} frames: only its first frame was read; if "
                            "the others are forms too, save each as an image or a PDF"),
    Code.LOW_RESOLUTION: ("分辨率太低（{width} × {height} 像素，约 {dpi} dpi），无法可靠识别，签名和盖章也无法判断："
                          "请以 200 dpi 以上重新扫描",
                          "resolution too low ({width} × {height} pixels, about {dpi} dpi) to "
                          "read the form or tell its signature and seal: rescan it at 200 dpi "
                          "or more"),
    Code.NOT_A_MESSAGE: ("不是邮件（没有邮件头）：请从邮件客户端导出为 .eml 后重新读取",
                         "not an email message (no headers): export the message as .eml from "
                         "the mail client and read it again"),
    Code.MBOX_EMPTY: ("mbox 中没有邮件：请重新导出邮箱", "mbox holds no messages: export the "
                                                     "mailbox again"),
    Code.MSG_UNREADABLE: ("Outlook .msg 文件无法读取：请另存为 .eml，或单独保存其附件",
                          "Outlook .msg file cannot be read ({why}): save the message as .eml, "
                          "or its attachments"),
    Code.MSG_TOO_DEEP: ("Outlook 邮件嵌套超过 {depth} 层：请保存其附件后发送",
                        "Outlook message nested deeper than {depth}: save its attachments and "
                        "send them"),
    Code.MSG_EMPTY: ("Outlook 邮件中没有附件：无可读取",
                     "Outlook message holds no attachment: nothing to read"),
    Code.OUTLOOK_ITEM: ("邮件中的 Outlook 项目（不是文件）：请另存为 .eml",
                        "an Outlook item inside the message (not a file): save it as .eml"),
    Code.ARCHIVE: ("{kind} 压缩包：{inner}", "{kind} archive: {inner}"),
    Code.ARCHIVE_TOO_DEEP: ("压缩包嵌套超过 {depth} 层：请解压后发送表格本身",
                            "nested deeper than {depth} archives: unpack it and send the forms "
                            "themselves"),
    Code.ARCHIVE_TOO_MANY: ("含 {count} 个文件，超过 {limit} 个的上限：请解压后读取其中的表格",
                            "holds {count} files, over the limit of {limit}: unpack it and read "
                            "the forms inside"),
    Code.ARCHIVE_EMPTY: ("其中没有文件：请向报送单位索取表格",
                         "holds no files: ask the unit for the forms"),
    Code.ARCHIVE_PASSWORD: ("{kind} 压缩包有密码：请向报送单位索取无密码版本",
                            "{kind} archive is password-protected: ask the unit for a copy "
                            "without a password"),
    Code.ARCHIVE_METHOD: ("{kind} 压缩包中此文件的压缩方式（{method}）无法读取：请报送单位用普通 zip 重新打包，"
                          "或直接发送表格",
                          "{kind} archive: this file is packed with a method formscan cannot "
                          "read ({method}); ask the unit to pack it again as a plain zip, or to "
                          "send the forms themselves"),
    Code.ARCHIVE_UNSAFE_MEMBER: ("文件名 {name} 指向压缩包之外（../ 或绝对路径），未读取：请报送单位重新打包",
                                 "the name {name} points outside the archive (../ or an "
                                 "absolute path) and was not read: ask the unit to pack it "
                                 "again"),
    Code.OVER_UNPACKED_NESTED: ("与同一附件中之前的压缩包合计解压后 {mb} MB，超过 {limit} MB 的上限"
                                "（压缩炸弹？），未解压：请向报送单位重新索取，或用 --max-mb 提高上限",
                                "with the archives before it in the same attachment it unpacks "
                                "to {mb} MB, over the limit of {limit} MB (a zip bomb?), and "
                                "was not unpacked; ask the unit for it again, or raise the "
                                "limit with --max-mb"),
    Code.DAMAGED: ("文件已损坏：请向报送单位重新索取",
                   "the file is damaged ({why}): ask the unit for it again"),
    Code.ATTACHED: ("附件：{inner}", "attached {inner}"),
    Code.ATTACHMENT_EMPTY: ("空附件（0 字节）：请报送单位重新发送文件",
                            "empty attachment (0 bytes): ask the unit to send the file again"),
    Code.ATTACHMENT_UNREADABLE: ("附件无法读取：请报送单位重新发送", "attachment cannot be read: "
                                                               "ask the unit to send it again"),
    Code.CONTAINER_DAMAGED: ("文件已损坏（zip/Office 容器损坏）：请报送单位重新发送",
                             "damaged file (broken zip/Office container): ask the unit to send "
                             "it again"),
    Code.RTF: ("RTF 文件无法读取：请向报送单位索取 .docx 或 PDF",
               "RTF file cannot be read: ask the unit for .docx or PDF"),
    Code.RAR: ("不读取 RAR 压缩包（没有不依赖非自由软件 unrar 的维护中的读取库）：请解压后用 `formscan email` "
               "读取其中文件",
               "RAR archive is not read (no maintained reader without the non-free unrar "
               "program): unpack it and read the files inside with `formscan email`"),
    Code.NOT_A_DOCUMENT: ("不是 Word、Excel 或 PDF 文档（{suffix}）：请向报送单位索取 .docx 或 PDF",
                          "not a Word, Excel or PDF document ({suffix}): ask the unit for .docx "
                          "or PDF"),
    Code.OFFICE_PASSWORD: ("Office 文件有密码保护：请向报送单位索取无密码的 .docx 或 PDF",
                           "password-protected Office file: ask the unit for an unprotected "
                           ".docx or PDF"),
    Code.LEGACY_EXCEL: ("旧版 Excel .xls/.et 无法读取：请向报送单位索取 .xlsx、.docx 或 PDF",
                        "legacy Excel .xls/.et cannot be read: ask the unit for .xlsx, .docx or "
                        "PDF"),
    Code.OFFICE_UNKNOWN: ("未知类型的 Office 文件（.msg？.ppt？）：请向报送单位索取 .docx 或 PDF；"
                          "Outlook 邮件请另存为 .eml",
                          "an Office file of an unknown kind (.msg? .ppt?): ask the unit for "
                          ".docx or PDF; save an Outlook message as .eml"),
    Code.LEGACY_NO_OFFICE: ("旧版 Word .doc/.wps：需安装 LibreOffice 才能读取（Debian/Ubuntu："
                            "`apt-get install libreoffice-writer-nogui`；Windows/macOS："
                            "libreoffice.org），或请报送单位提供 .docx 或 PDF",
                            "legacy Word .doc/.wps: install LibreOffice to read .doc/.wps "
                            "attachments (Debian/Ubuntu: `apt-get install "
                            "libreoffice-writer-nogui`; Windows/macOS: libreoffice.org), or ask "
                            "the unit for .docx or PDF"),
    Code.LEGACY_TIMEOUT: ("旧版 Word 文件：LibreOffice 转换超过 {s} 秒；请向报送单位索取 .docx 或 PDF",
                          "legacy Word file: LibreOffice took over {s} s to convert it; ask the "
                          "unit for .docx or PDF"),
    Code.LEGACY_FAILED: ("旧版 Word 文件无法转换（已损坏？）：请向报送单位索取 .docx 或 PDF",
                         "legacy Word file LibreOffice cannot convert (damaged?): ask the unit "
                         "for .docx or PDF"),
    Code.DOCUMENT_UNREADABLE: ("读取失败；文件是否损坏？", "read failed: {why}; is the file "
                                                              "damaged?"),
    Code.UNSAFE_NAME: ("附件名 {name} 会写到输出文件夹之外，未保存",
                       "attachment name {name} would leave the output folder"),
    Code.NO_ATTACHMENT: ("邮件没有附件：无可读取", "message has no attachment: nothing to read"),
    Code.NO_ATTACHMENT_LINKS: ("邮件没有附件，但有链接 {links}：请下载其中的文件后用 `formscan email` 读取",
                               "message has no attachment but links to {links}: fetch the files "
                               "there and read them with `formscan email`"),
    Code.NOT_MAIL_OR_DOCUMENT: ("不是邮件或文档（.eml .mbox .docx .pdf .xlsx）：未读取",
                                "not an email or a document (.eml .mbox .docx .pdf .xlsx): left "
                                "out"),
    Code.MBOX_PIECE: ("mbox 中的这一段不是完整的邮件（没有邮件头）：请从邮件客户端重新导出这封邮件",
                      "this piece of the mbox is not a whole message (no headers): export the "
                      "message from the mail client again"),
    Code.TNEF_UNREADABLE: ("winmail.dat（Outlook 格式的附件包）无法读取：请报送单位用普通格式重新发送附件",
                           "winmail.dat (Outlook's wrapping of the attachments) cannot be read "
                           "({why}): ask the unit to send the attachments again as plain files"),
    Code.TNEF_EMPTY: ("winmail.dat 中只有邮件正文，没有文件：无可读取",
                      "winmail.dat holds only the message's text, no file: nothing to read"),
    Code.NAMED_NOT_PDF: ("文件名为 .pdf，但内容不是 PDF：请报送单位重新发送",
                         "named .pdf but not a PDF: ask the unit to send it again"),
    Code.NOT_A_DOCUMENT_NO_SUFFIX: ("不是 Word、Excel 或 PDF 文档（文件名没有扩展名）：请向报送单位索取 .docx 或 PDF",
                                    "not a Word, Excel or PDF document (the name has no "
                                    "suffix): ask the unit for .docx or PDF"),
    Code.BLANK_PAGE: ("空白页：没有印刷或书写内容", "blank page: nothing printed or written on it"),
    Code.NOT_A_FORM: ("不是比赛表格（未找到任何一种表格的标题或其特有栏目）：列入报告的“其他文件”，"
                      "不进入复核和核对；如确是比赛表格，请在 records.xlsx 的“表格类型”栏改正后导入",
                      "not a contest form (no form's title or own labels found): listed under "
                      "other documents in the report, left out of review and reconciliation; "
                      "if it is one, set its form type in records.xlsx and import the sheet"),
    Code.COVER_LETTER: ("报送函（{unit}），不是比赛表格：列入报告的“其他文件”",
                        "a unit's cover letter ({unit}), not a contest form: listed under other "
                        "documents in the report"),
    Code.COVER_LETTER_NO_UNIT: ("报送函（未能辨认报送单位），不是比赛表格：列入报告的“其他文件”",
                                "a unit's cover letter (its unit not read), not a contest form: "
                                "listed under other documents in the report"),
    Code.FORM_GUESSED: ("表格类型为推测（未找到表格标题，仅凭本表特有的部分栏目判断）：请核对表格类型",
                        "the form type is a guess (no title found, only some of the form's own "
                        "labels): check it"),
    Code.TEXT_LAYER_DIFFERS: ("扫描件自带的文字层与页面图像不符（{fields}）：已按页面图像识别，请对照原件核对这几项",
                              "the scan's own text layer reads otherwise than the page image "
                              "({fields}): read from the image; check these fields against "
                              "the paper"),
    Code.TEXT_LAYER_POOR: ("扫描件自带的文字层与页面图像大多不符（扫描仪识别质量差）：已忽略，按页面图像识别",
                           "the scan's own text layer reads most values otherwise than the page "
                           "image (the scanner's OCR is poor): ignored, read from the image"),
    Code.TWO_UP: ("本页并排两份表格：左半、右半已分别读为两份文件，请分别核对",
                  "two forms side by side on this sheet: the left and right halves are read "
                  "as two documents; check each"),
    Code.TWO_UP_SAME: ("本页左右两半是同一份表格（重复打印），只记一份",
                       "the same form printed twice on this sheet (left and right halves): "
                       "kept once"),
    Code.DUPLICATE: ("与 {place} 为同一页面，只保留一份", "same page as {place}; kept once"),
    Code.PAGE_FAILED: ("{stage} 步骤失败：{inner}；本页作为失败记录保留，请报告此问题",
                       "{stage} failed: {inner}; the page is kept as a failed record, please "
                       "report it"),
    Code.STAGE_RAISED: ("程序内部错误", "{why}"),
    Code.PAGE_TIMEOUT: ("本页读取超过 {s} 秒，已停止（可用 --page-timeout 提高上限）",
                        "reading this page took over {s} s and was stopped (raise the limit "
                        "with --page-timeout)"),
    Code.WORKER_DIED: ("读取本页时识别进程崩溃", "the OCR engine's process died reading this page"),
    Code.NO_BATCH: ("{out} 中没有 formscan 批次：请先运行 `formscan scan 路径… --out {out}`",
                    "{out} holds no formscan batch: run `formscan scan PATH... --out {out}` "
                    "first"),
    Code.BATCH_BUSY: ("{folder} 正被另一个 formscan 使用（每个批次文件夹同时只能运行一个）：请等它结束，"
                      "或用 --out 指定其他文件夹",
                      "{folder} is in use by another formscan (one run per batch folder): wait "
                      "for it to finish, or give another --out"),
    Code.OUT_IS_FILE: ("--out {out} 是文件而不是文件夹：请为批次指定一个文件夹（不存在会自动创建）",
                       "--out {out} is a file, not a folder: give a folder for the batch (it is "
                       "made if missing)"),
    Code.OUT_UNWRITABLE: ("无法写入 {out}：请用 --out 指定可写入的文件夹",
                          "cannot write to {out} ({why}): give a folder you can write to with "
                          "--out"),
    Code.OUTPUT_LOCKED: ("无法替换 {path}：文件正在其他程序（WPS、Excel？）中打开或为只读；请关闭后再次运行同一命令"
                         "（已读取的内容不会丢失）",
                         "cannot replace {path}: it is open in another program (WPS, Excel?) "
                         "or read-only; close it and run the same command again (nothing read "
                         "is lost)"),
    Code.OUTPUT_UNWRITABLE: ("无法写入 {path}：请检查磁盘和文件夹权限，或用 --out 指定其他文件夹；"
                             "再次运行同一命令即可（已读取的内容不会丢失）",
                             "cannot write {path} ({why}): check the disk and the folder's "
                             "permissions, or give another --out; run the same command again "
                             "(nothing read is lost)"),
    Code.SHEET_UNOPENABLE: ("{sheet} 无法作为 Excel 表格打开：请另存为 .xlsx 后重新导入",
                            "{sheet} cannot be opened as an Excel sheet ({why}): save it as "
                            ".xlsx and import it again"),
    Code.SHEET_NO_KEY_ROW: ("{sheet}：前 {n} 行中没有含 doc_id 的表头行：请导入 formscan 生成的 records.xlsx"
                            "（或 reconciliation.xlsx）",
                            "{sheet}: no key row with doc_id in its first {n} rows: import the "
                            "records.xlsx (or reconciliation.xlsx) formscan wrote"),
    Code.SHEET_REFUSED: ("{sheet}：未导入任何更正；{cells}", "{sheet}: nothing imported; {cells}"),
    Code.CELL_UNKNOWN_COLUMN: ("{cell}：未知的列 {name}", "{cell}: unknown column {name}"),
    Code.CELL_UNKNOWN_DOCUMENT: ("{cell}：本批次中没有文件 {doc}", "{cell}: no document {doc} in "
                                                              "this batch"),
    Code.NO_SUCH_PATH: ("没有这个文件或文件夹：{paths}", "no such file or folder: {paths}"),
    Code.NOTHING_TO_READ: ("没有可读取的内容：{paths} 中没有文件", "nothing to read: {paths} holds no "
                                                             "files"),
    Code.RUN_NEEDS_INPUTS: ("run：请给出 --paper 路径…、--email 路径… 或两者",
                            "run: give --paper PATH..., --email PATH... or both"),
    Code.RAY_ADDRESS_ALONE: ("--ray-address 需与 --executor ray 一起使用",
                             "--ray-address goes with --executor ray"),
    Code.RAY_MISSING: ("--executor ray 需要 Ray：`pip install 'formscan[ray]'`（或不加 --executor ray，"
                       "使用本机进程池）",
                       "--executor ray needs Ray: `pip install 'formscan[ray]'` (or run without "
                       "--executor ray: the local worker pool)"),
    Code.RAY_UNREACHABLE: ("无法连接 {address} 的 Ray 集群；请先用 `ray start --head` 启动，"
                           "或用 --ray-address 指定",
                           "cannot reach the Ray cluster at {address}: {why}; start it with `ray "
                           "start --head` or give --ray-address"),
    Code.RAY_SLOW_START: ("{n} 个 Ray 工作进程未能在 {s} 秒内启动：集群空闲的 CPU 少于 --workers 的要求？",
                          "{n} Ray workers did not start in {s} s: the cluster has fewer free "
                          "CPUs than --workers asks for?"),
    Code.RAY_WORKER_BROKEN: ("Ray 工作进程无法启动 formscan；请在每个节点安装 formscan {version}",
                             "a Ray worker could not start formscan: {why}; install formscan "
                             "{version} on every node"),
    Code.RAY_VERSIONS: ("Ray 工作节点运行的是 formscan {others}，本机是 {version}：请在每个节点安装相同版本",
                        "Ray workers run formscan {others}, this is {version}: install the same "
                        "version on every node"),
    Code.NO_DOCUMENT: ("本批次中没有文件 {doc}", "no document {doc} in this batch"),
    Code.NO_FIELD: ("文件 {doc} 没有栏目 {field}", "{doc} has no field {field}"),
    Code.BAD_VALUE: ("{key} 不能填写 {value}：应为 {expected}",
                     "{key} cannot be {value}: give {expected}"),
    Code.CHANGED_SINCE: ("{field} 在您打开之后已被 {who} 于 {at} 改为 {value}：未保存，请看新值后再改",
                         "{field} was changed to {value} by {who} at {at} after you opened it: "
                         "not saved; look at the new value and correct again"),
    Code.CELL_CHANGED_SINCE: ("{cell}：这份表导出之后已被 {who} 于 {at} 更正，未导入（确要以此表为准请加 "
                              "--force）",
                              "{cell}: corrected by {who} at {at} after this sheet was "
                              "exported; not imported (add --force to take the sheet's value)"),
    Code.CELL_BAD_VALUE: ("{cell}：{inner}", "{cell}: {inner}"),
    Code.SHEET_UNMARKED: ("{sheet} 没有导出编号（不是本版 formscan 写的表）：无法分辨哪些单元格是您改的；请在最新的 "
                          "records.xlsx 里更正，或加 --force 以表中与批次不同的值为准",
                          "{sheet} carries no export mark (not written by this formscan): "
                          "which cells you changed cannot be told; correct the latest "
                          "records.xlsx, or add --force to take every value that differs"),
    Code.SHEET_FORMAT: ("{sheet}：无法读取 {suffix} 文件，请另存为 .xlsx 或 .csv 后导入",
                        "{sheet}: a {suffix} file cannot be read; save it as .xlsx or .csv and "
                        "import it"),
    Code.SHEET_NEEDS_OFFICE: ("{sheet}：读取旧版 Excel 表需要 LibreOffice（`apt-get install "
                              "libreoffice-calc-nogui`）；或请另存为 .xlsx 后导入",
                              "{sheet}: reading a legacy Excel sheet needs LibreOffice "
                              "(`apt-get install libreoffice-calc-nogui`); or save it as .xlsx "
                              "and import it"),
    Code.RAPIDOCR_MISSING: ("未安装 rapidocr：请运行 `make demo` 或 `pip install rapidocr onnxruntime`",
                            "the rapidocr package is not installed: run `make demo` or `pip "
                            "install rapidocr onnxruntime`"),
    Code.MODEL_MISSING: ("找不到 {task} 模型 {path}：请把 {env} 设为一个 ONNX 文件，或重新安装 rapidocr",
                         "{task} model not found at {path}; set {env} to an ONNX file or "
                         "reinstall rapidocr"),
    Code.MODEL_ALTERED: ("{task} 模型 {path} 与 models/README.md 中的校验和不符：请重新安装 rapidocr",
                         "{task} model {path} does not match its checksum in models/README.md; "
                         "reinstall rapidocr"),
    Code.ENGINE_MISSING: ("识别引擎 {engine} 未安装：`pip install {package}`",
                          "engine {engine} is not installed: `pip install {package}`"),
    Code.ENGINE_UNKNOWN: ("未知的识别引擎 {engine}；可选：{choices}",
                          "unknown OCR engine {engine}; choose one of {choices}"),
    Code.SCHEMA_INVALID: ("表格定义文件 {file} 有误：{detail}", "form schema {file} is invalid: "
                                                            "{detail}"),
    Code.CONFIG_INVALID: ("配置文件 {file} 有误：{detail}", "contest configuration {file} is "
                                                        "invalid: {detail}"),
    Code.EARLIER_VERSION: ("（旧版本 formscan 的记录，下次读取时更新）{text}", "{text}"),
}
# The same reasons said of an emailed attachment (inside ``attached``): the office cannot
# rescan what a unit mailed, only ask it to send the file again.
_EMAILED: dict[Code, tuple[str, str]] = {
    Code.PDF_UNOPENABLE: ("PDF 无法打开：文件损坏或不完整，请报送单位重新发送",
                          "PDF cannot be opened ({why}); the file is damaged or truncated: ask "
                          "the unit to send it again"),
    Code.PDF_NO_PAGES: ("PDF 没有页面：请报送单位重新发送", "PDF has no pages: ask the unit to "
                                                     "send it again"),
    Code.PAGE_UNRENDERABLE: ("页面无法显示：请报送单位重新发送文件",
                             "page cannot be rendered ({why}): ask the unit to send the file "
                             "again"),
    Code.TIFF_PAGE_UNDECODABLE: ("TIFF 页面无法解码（文件损坏）：请报送单位重新发送",
                                 "TIFF page cannot be decoded (damaged file): ask the unit to "
                                 "send it again"),
    Code.IMAGE_UNDECODABLE: ("{kind} 图片无法解码（文件损坏）：请报送单位重新发送",
                             "{kind} image cannot be decoded (damaged file): ask the unit to "
                             "send it again"),
    Code.IMAGE_HEADER_BAD: ("{kind} 图片无法解码：文件损坏，请报送单位重新发送",
                            "{kind} image cannot be decoded ({why}); the file is damaged: ask "
                            "the unit to send it again"),
    Code.JPEG_CUT_SHORT: ("JPEG 文件不完整：下部可能缺失，请报送单位重新发送",
                          "the JPEG ends early: its lower part may be missing; ask the unit to "
                          "send it again"),
    Code.OVER_PIXELS: ("页面为 {width} × {height} 像素，超过每页 {limit} 百万像素的上限（解压炸弹或文件头有误）："
                       "请报送单位重新发送，或用 --max-megapixels 提高上限",
                       "page of {width} × {height} pixels is over the limit of {limit} million "
                       "pixels per page (a decompression bomb or a wrong header); ask the unit "
                       "to send it again, or raise the limit with --max-megapixels"),
    Code.FIRST_FRAME_ONLY: ("动图共 {count} 帧，只读取了第一帧：如其他帧也是表格，请报送单位逐页另存为图片或 PDF 后重新发送",
                            "an animation of {count} frames: only its first frame was read; if "
                            "the others are forms too, ask the unit to send each again as an "
                            "image or a PDF"),
    Code.LOW_RESOLUTION: ("分辨率太低（{width} × {height} 像素，约 {dpi} dpi），无法可靠识别，签名和盖章也无法判断："
                          "请报送单位以 200 dpi 以上扫描后重新发送",
                          "resolution too low ({width} × {height} pixels, about {dpi} dpi) to "
                          "read the form or tell its signature and seal: ask the unit to scan it "
                          "at 200 dpi or more and send it again"),
    Code.DECODER_FAILED: ("无法解码：文件损坏或与扩展名不符，请报送单位重新发送",
                          "cannot be decoded ({why}); the file is damaged or not what its name "
                          "says: ask the unit to send it again"),
}
# What a skipped line is, in a few words (the summary counts skipped lines by it).
_SHORT: dict[Code, tuple[str, str]] = {
    Code.NOT_A_SCAN: ("不是扫描件", "not a scan"),
    Code.NO_ATTACHMENT: ("邮件没有附件", "message has no attachment"),
    Code.NO_ATTACHMENT_LINKS: ("邮件没有附件，但有链接", "message has no attachment but links"),
    Code.NOT_MAIL_OR_DOCUMENT: ("不是邮件或文档", "not an email or a document"),
    Code.TNEF_EMPTY: ("winmail.dat 中没有文件", "winmail.dat without files"),
    Code.BLANK_PAGE: ("空白页", "blank page"),
    Code.NOT_A_FORM: ("其他文件", "other document"),
    Code.COVER_LETTER: ("报送函", "cover letter"),
    Code.COVER_LETTER_NO_UNIT: ("报送函", "cover letter"),
}


def say(reason: Reason | None, lang: str = DEFAULT_LANG) -> str:
    """A reason in ``lang``: its code's words, parameters filled (a nested reason, a list of
    them, a place are said in the same language)."""
    return _say(reason, lang)


def _say(reason: Reason | None, lang: str, emailed: bool = False) -> str:
    """``emailed``: said of an emailed attachment (inside ``attached``): what to do is to ask
    the unit to send it again, not to rescan."""
    if reason is None:
        return ""
    zh, en = (_EMAILED if emailed and reason.code in _EMAILED else _SAID)[reason.code]
    words = en if lang == "en" else zh
    emailed = emailed or reason.code is Code.ATTACHED
    form = reason.params.get("form")
    return words.format(**{k: _fields_said(v, lang, form) if k == "fields"
                           else _said(v, lang, emailed) for k, v in reason.params.items()})


def _fields_said(keys: object, lang: str, form: str | None) -> str:
    """Field keys (a reason's ``fields``) by the names ``form`` prints: 联系人、联系电话."""
    names = field_names(lang, form)
    keys = [keys] if isinstance(keys, str) else list(keys)  # type: ignore[call-overload]
    return ("、" if lang != "en" else ", ").join(names.get(k, k) for k in keys)


def say_all(reasons: list[Reason], lang: str = DEFAULT_LANG) -> str:
    """Several reasons (a file's notes) in one line."""
    return text(lang, "list.sep").join(say(r, lang) for r in reasons)


def short(reason: Reason | None, lang: str = DEFAULT_LANG) -> str:
    """A skip's reason in a few words, for the summary's counts."""
    if reason is None or reason.code not in _SHORT:
        return text(lang, "line.skipped")
    zh, en = _SHORT[reason.code]
    return en if lang == "en" else zh


def _said(value: object, lang: str, emailed: bool = False) -> str:
    if isinstance(value, Reason):
        return _say(value, lang, emailed)
    if isinstance(value, Place):
        return where(lang, value)
    if isinstance(value, list | tuple):
        parts = [_said(v, lang, emailed) for v in value]
        joiner = text(lang, "list.sep") if any(isinstance(v, Reason) for v in value) else " "
        return joiner.join(parts)
    return str(value)
