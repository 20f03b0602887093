"""``formscan`` command line: a thin layer over the batch API.

Exit status (also in the README): 0 every input processed; 3 some inputs failed (the rest
was processed and written); 2 usage error; 4 configuration error (schema, OCR model, the
batch in use by another formscan); 5 an output cannot be written; 130 interrupted (what was
finished is kept; run again to go on).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from pipeline import __version__, api, filetypes
from pipeline.audit import AuditResult
from pipeline.batch import PAGE_TIMEOUT, BatchOptions, Summary
from pipeline.contest import Contest, load_contest
from pipeline.errors import Code, ExitCode, FormscanError, Place, Reason
from pipeline.i18n import DEFAULT_LANG, LANGS, field_names, form_name, say, short, text, where
from pipeline.limits import Limits
from pipeline.model import DiffKind, EntryStatus, Origin
from pipeline.ocr import DEFAULT_ENGINE, DET_SIDE, ENGINES
from pipeline.reconcile import Pair, PairStatus
from pipeline.review import serve


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of 1 or more")
    return int(text)


def _common(parser: argparse.ArgumentParser, reads: bool = False) -> None:
    """The options every command takes; ``reads``: it reads inputs (OCR, progress)."""
    parser.add_argument("--out", required=True, type=Path, help="output folder (the batch)")
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="say each file as it is read, and why a step failed")
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                        help="language of what people read: summaries, audit.csv/units.csv "
                             "words, report.html, the review station (default zh: 中文)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="YAML merged over the shipped contest.yaml (deadlines, clauses, "
                             "units and quotas, thresholds, reconciliation weights)")
    if reads:
        parser.add_argument("--engine", choices=sorted(ENGINES), default=DEFAULT_ENGINE,
                            help=f"OCR engine (default: {DEFAULT_ENGINE}, the PP-OCR models "
                                 "of the rapidocr wheel on OpenVINO; rapidocr: the same on "
                                 "ONNX Runtime)")
        parser.add_argument("--workers", type=_positive, default=0, metavar="N",
                            help="processes reading pages, each with its own OCR engine "
                                 "(default: one per core)")
        parser.add_argument("--threads", type=_positive, default=0,
                            help="ONNX Runtime threads per worker (default: 1 each with "
                                 "several workers, all cores with one)")
        parser.add_argument("--det-side", type=_positive, default=DET_SIDE, metavar="PX",
                            help=f"long side text detection runs at (default {DET_SIDE}); "
                                 "recognition always reads the page at full size")
        limits = Limits()
        parser.add_argument("--max-megapixels", type=_positive,
                            default=limits.max_pixels // 1_000_000, metavar="N",
                            help="a page over N million pixels fails, undecoded (default "
                                 f"{limits.max_pixels // 1_000_000})")
        parser.add_argument("--max-pages", type=_positive, default=limits.max_pages,
                            metavar="N", help=f"a file of more pages fails (default "
                                              f"{limits.max_pages})")
        parser.add_argument("--max-mb", type=_positive, default=limits.max_bytes // 1024 ** 2,
                            metavar="N", help="a larger file fails, unread (default "
                                              f"{limits.max_bytes // 1024 ** 2})")
        parser.add_argument("--max-depth", type=_positive, default=limits.max_depth,
                            metavar="N", help="a message nested deeper fails (default "
                                              f"{limits.max_depth})")
        parser.add_argument("--page-timeout", type=_positive, default=int(PAGE_TIMEOUT),
                            metavar="S", help="a page read for longer fails and its worker is "
                                              f"replaced (default {PAGE_TIMEOUT:.0f} s; with "
                                              "several workers)")
        parser.add_argument("--executor", choices=("local", "ray"), default="local",
                            help="where pages are read: local (this machine's worker "
                                 "processes, the default) or ray (a Ray cluster's workers; "
                                 "pip install 'formscan[ray]')")
        parser.add_argument("--ray-address", metavar="ADDR",
                            help="with --executor ray: the cluster (auto: the one `ray start` "
                                 "began on this machine; ray://HOST:10001); default: a Ray "
                                 "instance started here for this run")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formscan",
        description="Digitise scanned contest forms into structured records.",
        epilog="Exit status: 0 all inputs processed, 3 some inputs failed (the rest is "
               "written), 2 usage error, 4 configuration error or batch in use, 5 an output "
               "cannot be written, 130 interrupted.",
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="say each file as it is read, and why a step failed")
    parser.add_argument("--version", action="version", version=f"formscan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_scan = sub.add_parser("scan", help="read paper scans: PDFs, images, folders (recursive)")
    p_scan.add_argument("paths", nargs="+", metavar="PATH")
    _common(p_scan, reads=True)
    p_email = sub.add_parser("email", help="read emailed copies: .eml/.mbox, folders, "
                                           "loose .docx/.pdf/.xlsx")
    p_email.add_argument("paths", nargs="+", metavar="PATH")
    _common(p_email, reads=True)
    p_run = sub.add_parser("run", help="scan, email, reconcile, audit and report in order")
    p_run.add_argument("--paper", nargs="+", default=[], metavar="P",
                       help="paper scans (at least one of --paper and --email)")
    p_run.add_argument("--email", nargs="+", default=[], metavar="E", help="emailed copies")
    _common(p_run, reads=True)
    _common(sub.add_parser("reconcile", help="pair paper and email copies, list differences"))
    _common(sub.add_parser("audit", help="flag what each form is missing; unit quota table"))
    _common(sub.add_parser("report", help="write OUT/report.html for people to check"))
    p_import = sub.add_parser("import-corrections", help="take people's corrections from an "
                                                         "edited records.xlsx")
    p_import.add_argument("sheet", type=Path, metavar="FILE", help="the edited .xlsx")
    p_import.add_argument("--who", default=os.environ.get("USER") or "office",
                          help="who corrected (kept with each correction)")
    p_import.add_argument("--force", action="store_true",
                          help="take the sheet's value also where the batch changed it since "
                               "the sheet was exported (said cell by cell)")
    _common(p_import)
    p_review = sub.add_parser("review", help="the review station: correct what needs a person "
                                             "in a browser, keyboard first")
    p_review.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default: this machine only)")
    p_review.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    p_review.add_argument("--who", default=os.environ.get("USER") or "office",
                          help="who corrects (kept with each correction)")
    _common(p_review)
    p_forget = sub.add_parser("forget", help="take input files out of a batch (a wrong file, "
                                             "a mistyped name)")
    p_forget.add_argument("paths", nargs="+", metavar="PATH", help="as the manifest names it")
    _common(p_forget)
    return parser


def _fit(value: object, width: int, right: bool = False) -> str:
    """Pad to a display width: Chinese characters take two terminal columns."""
    shown = str(value)
    pad = " " * max(width - _shown(shown), 0)
    return pad + shown if right else shown + pad


def _shown(text: str) -> int:
    """Terminal columns a text takes."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_audit(result: AuditResult, out_dir: Path, lang: str = DEFAULT_LANG,
                limit: int = 40) -> None:
    flagged = result.flagged
    print(text(lang, "cli.audit_head", flagged=len(flagged), documents=result.documents))
    for _, row in flagged.head(limit).iterrows():
        place = Place(row["path"], int(row["pages"].split(",")[0]) if row["pages"] else None,
                      row["attachment"] or None)
        kind = form_name(lang, row["form_type"])
        print(f"  {_fit(where(lang, place), 40)} {_fit(kind, 22)} "
              f"{_fit(row['unit'] or '?', 20)} {row['missing']}")
    if len(flagged) > limit:
        print(text(lang, "cli.more_in_audit", n=len(flagged) - limit))
    widths = (22, 6, 10, 10, 12, 9, 8)
    header = text(lang, "cli.units_header").split("|")
    print("\n" + "".join(_fit(h, w, right=i > 0) for i, (h, w) in enumerate(zip(header, widths))))
    for _, u in result.units.iterrows():
        required = (f"{u['required_works']}/{u['required_proposals']}"
                    if u["required_works"] != "" else "-")
        cells = (u["unit"], u["works"], u["proposals"], required, u["met"],
                 u["missing_signatures"], u["missing_seals"])
        print("".join(_fit(c, w, right=i > 0) for i, (c, w) in enumerate(zip(cells, widths))))
    print(text(lang, "cli.audit_written", out=out_dir))


def print_summary(summary: Summary, out_dir: Path, lang: str = DEFAULT_LANG) -> None:
    """What this run did, then what the batch holds of these inputs, in words."""
    line = "page" if summary.origin is Origin.PAPER else "attachment"
    unit = text(lang, f"cli.unit.{line}")
    now = summary.done_now
    print(text(lang, "cli.this_run", files=summary.files, read=sum(now.values()), unit=unit,
               ok=now[EntryStatus.OK], failed=now[EntryStatus.FAILED],
               skipped=now[EntryStatus.SKIPPED], duplicates=now[EntryStatus.DUPLICATE])
          + (text(lang, "cli.kept", kept=summary.kept) if summary.kept else ""))
    for changed, n in sorted(summary.reread.items()):
        what = text(lang, "list.sep").join(text(lang, f"cli.changed.{c}") for c in changed.split())
        print(text(lang, "cli.reread", n=n, what=what))
    rows = [(text(lang, f"cli.in_batch.{line}"), summary.pages)]
    rows += [(f"  {form_name(lang, kind)}", n) for kind, n in sorted(summary.documents.items())]
    rows += [(text(lang, "status.needs_review"), summary.needs_review),
             (text(lang, "line.skipped"), summary.skipped)]
    rows += [(f"  {short(Reason(code) if code else None, lang)}", n)
             for code, n in summary.skip_reasons.most_common()]
    rows += [(text(lang, "cli.duplicates"), summary.duplicates),
             (text(lang, "count.failures"), len(summary.failures))]
    width = max(_shown(label) for label, _ in rows)
    for label, value in rows:
        print(f"{_fit(label, width)}  {value:>6}")
    for failure in summary.failures:
        print(text(lang, "cli.failed", where=where(lang, failure.place),
                   error=say(failure.reason, lang)))
    print(text(lang, "cli.results", out=out_dir))


def print_next(command: str, out_dir: Path, lang: str = DEFAULT_LANG) -> None:
    """The next step, said at the end of every command that reads inputs."""
    print(text(lang, "cli.next", step=text(lang, f"cli.next.{command}", out=out_dir)))


def print_forget(paths: list[str], out_dir: Path, contest: Contest,
                 lang: str = DEFAULT_LANG) -> int:
    status = ExitCode.OK
    for gone in api.forget(paths, out_dir, contest, lang):
        if not gone.removed:
            print(text(lang, "cli.forget_unknown", path=gone.path, out=out_dir))
            status = ExitCode.USAGE
            continue
        print(text(lang, "cli.forgotten", path=gone.path, removed=gone.removed)
              + (text(lang, "cli.forgotten_others", others=", ".join(gone.others))
                 if gone.others else ""))
    print(text(lang, "cli.next", step=text(lang, "cli.next.forget", out=out_dir)))
    return status


def print_reconcile(pairs: list[Pair], out_dir: Path, lang: str = DEFAULT_LANG) -> None:
    counts = Counter(p.status for p in pairs)
    if not any(p.email for p in pairs) or not any(p.paper for p in pairs):
        has_paper = any(p.paper for p in pairs)
        print(text(lang, "cli.no_email" if has_paper else "cli.no_paper", out=out_dir))
        return
    differing = [p for p in pairs if p.diffs]
    print(text(lang, "cli.pairs", matched=counts[PairStatus.MATCHED], differing=len(differing),
               paper_only=counts[PairStatus.PAPER_ONLY],
               email_only=counts[PairStatus.EMAIL_ONLY]))
    for p in differing[:20]:
        title = (p.paper.fields.get("title") if p.paper else None)
        name = title.value if title and title.value else p.paper.doc_id
        print(f"  {_fit(name, 24)} " + text(lang, "list.sep").join(
            text(lang, "cli.diff" if d.kind is DiffKind.DIFFERENCE else "cli.misreading",
                 field=field_names(lang, p.form_type).get(d.field, d.field), paper=d.paper,
                 email=d.email)
            for d in p.diffs))
    print(text(lang, "cli.reconcile_written", out=out_dir))


def _check_inputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Inputs that do not exist, or hold nothing, are a usage error before any batch is
    made (a mistyped path would otherwise stay in the batch as a failure)."""
    def refuse(code: Code, **params: object) -> None:
        parser.error(say(Reason(code, params), args.lang))

    if args.ray_address and args.executor != "ray":
        refuse(Code.RAY_ADDRESS_ALONE)
    if args.command == "run" and not (args.paper or args.email):
        refuse(Code.RUN_NEEDS_INPUTS)
    given = (args.paper + args.email) if args.command == "run" else args.paths
    missing = [p for p in given if not os.path.lexists(p)]
    if missing:
        refuse(Code.NO_SUCH_PATH, paths=", ".join(missing))
    if not filetypes.discover(given):
        refuse(Code.NOTHING_TO_READ, paths=", ".join(given))


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in ("scan", "email", "run"):
        _check_inputs(parser, args)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(message)s")
    lang = args.lang
    try:
        contest = load_contest(args.config)
        if args.command in ("scan", "email", "run"):
            return _read(args, contest)
        api.require_batch(args.out)
        if args.command == "reconcile":
            print_reconcile(api.reconcile(args.out, contest, lang).pairs, args.out, lang)
        elif args.command == "audit":
            print_audit(api.audit(args.out, contest, lang).audit, args.out, lang)
        elif args.command == "forget":
            return print_forget(args.paths, args.out, contest, lang)
        elif args.command == "review":
            _review(args, contest)
        elif args.command == "import-corrections":
            _import(args, contest)
        elif args.command == "report":
            print(text(lang, "cli.report_open", path=api.report(args.out, contest, lang)))
        return ExitCode.OK
    except FormscanError as exc:
        print(text(lang, "cli.error", error=say(exc.reason, lang)), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(text(lang, "cli.interrupted"), file=sys.stderr)
        return ExitCode.INTERRUPTED


def _read(args: argparse.Namespace, contest: Contest) -> int:
    """``scan``, ``email`` and ``run``: read, then what the batch holds and what to do next."""
    lang = args.lang
    options = BatchOptions(args.engine, args.threads, det_side=args.det_side,
                           workers=args.workers, contest=contest,
                           limits=Limits(args.max_megapixels * 1_000_000, args.max_pages,
                                         args.max_mb * 1024 ** 2, args.max_depth),
                           page_timeout=args.page_timeout, executor=args.executor,
                           ray_address=args.ray_address, lang=lang,
                           progress=not args.no_progress and sys.stderr.isatty())
    paper = getattr(args, "paths", []) if args.command == "scan" else getattr(args, "paper", [])
    email = getattr(args, "paths", []) if args.command == "email" else getattr(args, "email", [])
    done = api.read(args.out, paper, email, options, reconcile_all=args.command == "run")
    for summary in done.summaries:
        print_summary(summary, args.out, lang)
    if args.command == "run":
        print_reconcile(done.pairs, args.out, lang)
        print_audit(done.audit, args.out, lang)
        print(text(lang, "cli.report", path=args.out / "report.html"))
    print_next(args.command, args.out, lang)
    return ExitCode.INPUT_FAILURES if done.failures else ExitCode.OK


def _review(args: argparse.Namespace, contest: Contest) -> None:
    server = serve(args.out, contest, args.host, args.port, args.who, args.lang)
    host, port = server.server_address[:2]
    print(text(args.lang, "cli.review_at", host=host, port=port), flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _import(args: argparse.Namespace, contest: Contest) -> None:
    lang = args.lang
    done = api.import_corrections(args.sheet, args.out, contest, args.who, lang, args.force)
    print(text(lang, "cli.imported", n=len(done.changed), sheet=args.sheet,
               documents=done.documents))
    for forced in done.forced:
        print(f"  {text(lang, 'cli.forced')}{say(forced, lang)}")
    empty = text(lang, "empty")
    for doc_id, key, old, new in done.changed:
        print(f"  {doc_id} {key}: {old or empty} → {new or empty}")
    if done.changed:
        print(text(lang, "cli.imported_after", out=args.out))


if __name__ == "__main__":
    sys.exit(main())
