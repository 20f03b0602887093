"""``formscan`` command line: a thin layer over the batch API.

Exit status (also in the README): 0 every input processed; 3 some inputs failed (the rest
was processed and written); 2 usage error; 4 configuration error (schema, OCR model, the
batch in use by another formscan); 5 an output cannot be written; 130 interrupted (what was
finished is kept; run again to go on); 143 ended by SIGTERM (the same, as a service manager or
``kill`` ends it: the batch's files are written on the way out).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from pipeline import __version__, api, filetypes
from pipeline.audit import AuditResult
from pipeline.batch import PAGE_TIMEOUT, BatchOptions, Summary
from pipeline.contest import Contest, load_contest
from pipeline.errors import Code, ExitCode, FormscanError, Place, Reason
from pipeline.i18n import (
    DEFAULT_LANG,
    LANGS,
    ArgparseWords,
    field_names,
    form_name,
    say,
    short,
    text,
    where,
)
from pipeline.letters import Written, where_to
from pipeline.limits import Limits
from pipeline.model import DiffKind, EntryStatus, Origin
from pipeline.ocr import DEFAULT_ENGINE, DET_SIDE, ENGINES
from pipeline.reconcile import Pair, PairStatus
from pipeline.review import serve
from pipeline.workers import lean_malloc


def _number(lang: str, least: int = 1) -> Callable[[str], int]:
    """An option's value: a whole number of ``least`` or more, refused in ``lang``."""
    def number(value: str) -> int:
        if not value.isdigit() or int(value) < least:
            raise argparse.ArgumentTypeError(text(lang, "cli.arg.number", value=repr(value),
                                                  least=least))
        return int(value)
    return number


class _Formatter(argparse.HelpFormatter):
    """``--help`` wrapped by terminal columns: a Chinese character takes two, and a line may
    break between any two of them (argparse wraps at spaces, by characters)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap(self._whitespace_matcher.sub(" ", text).strip(), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in _wrap(
            self._whitespace_matcher.sub(" ", text).strip(), width - len(indent)))


# What a line keeps together: a run of Latin text or one character, with the opening
# punctuation before it and the closing after it (neither is left alone at a line's edge).
_TOKENS = re.compile(r"\s+|[（「『“]*(?:[!-~]+|\S)[，。；：、）」』！？”]*")


def _wrap(words: str, width: int) -> list[str]:
    lines, line = [], ""
    for token in _TOKENS.findall(words):
        if line and _shown(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        if line or not token.isspace():
            line += token
    return [*lines, line.rstrip()] if line.strip() else lines


def _common(parser: argparse.ArgumentParser, lang: str, reads: bool = False) -> None:
    """The options every command takes; ``reads``: it reads inputs (OCR, progress)."""
    def say(key: str, **values: object) -> str:
        return text(lang, f"cli.help.{key}", **values)

    positive = _number(lang)
    parser.add_argument("--out", required=True, type=Path, help=say("out"))
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help=say("verbose"))
    parser.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=say("lang"))
    parser.add_argument("--config", type=Path, metavar="FILE", help=say("config"))
    if reads:
        parser.add_argument("--engine", choices=sorted(ENGINES), default=DEFAULT_ENGINE,
                            help=say("engine", default=DEFAULT_ENGINE))
        parser.add_argument("--workers", type=positive, default=0, metavar="N",
                            help=say("workers"))
        parser.add_argument("--threads", type=positive, default=0, help=say("threads"))
        parser.add_argument("--det-side", type=positive, default=DET_SIDE, metavar="PX",
                            help=say("det_side", default=DET_SIDE))
        limits = Limits()
        parser.add_argument("--max-megapixels", type=positive,
                            default=limits.max_pixels // 1_000_000, metavar="N",
                            help=say("max_megapixels", default=limits.max_pixels // 1_000_000))
        parser.add_argument("--max-pages", type=positive, default=limits.max_pages,
                            metavar="N", help=say("max_pages", default=limits.max_pages))
        parser.add_argument("--max-mb", type=positive, default=limits.max_bytes // 1024 ** 2,
                            metavar="N", help=say("max_mb", default=limits.max_bytes // 1024 ** 2))
        parser.add_argument("--max-depth", type=positive, default=limits.max_depth,
                            metavar="N", help=say("max_depth", default=limits.max_depth))
        parser.add_argument("--page-timeout", type=positive, default=int(PAGE_TIMEOUT),
                            metavar="S", help=say("page_timeout", default=f"{PAGE_TIMEOUT:.0f}"))
        parser.add_argument("--executor", choices=("local", "ray"), default="local",
                            help=say("executor"))
        parser.add_argument("--ray-address", metavar="ADDR", help=say("ray_address"))
        parser.add_argument("--no-progress", action="store_true", help=say("no_progress"))


class _Parser(argparse.ArgumentParser):
    """argparse, and what to do about a file whose name starts with a dash (``-rf.jpg``):
    argparse takes it for an option and says something else is wrong."""

    dashed: tuple[str, ...] = ()  # files named on the command line that start with "-"
    command: str = "scan"  # the command they were given to
    lang: str = DEFAULT_LANG

    def error(self, message: str) -> NoReturn:
        if self.dashed:
            name = self.dashed[0]
            message = text(self.lang, "cli.dash_path", name=name, command=self.command,
                           path=os.path.join(".", name))  # argparse's own words mislead
        super().error(message)


def dashed_paths(argv: list[str]) -> tuple[str, ...]:
    """The words of a command line, before any ``--``, that start with a dash and name a file
    or folder that exists (``-rf.jpg``), unless they are also an option of formscan's."""
    words = argv[:argv.index("--")] if "--" in argv else argv
    options = {"-h", "-v"}
    return tuple(w for w in words if w.startswith("-") and w != "-" and not w.startswith("--")
                 and w not in options and os.path.lexists(w))


def _parser(lang: str = DEFAULT_LANG, argv: list[str] | None = None
            ) -> argparse.ArgumentParser:
    """The command line, its help in ``lang`` (argparse's own words: :func:`argparse_in`);
    ``argv``: files in it named with a leading dash are said how to give when argparse
    refuses them."""
    def say(key: str) -> str:
        return text(lang, f"cli.help.{key}")

    argv = argv or []
    _Parser.dashed, _Parser.lang = dashed_paths(argv), lang
    _Parser.command = next((w for w in argv if w in ("scan", "email", "run", "forget")), "scan")
    parser = _Parser(prog="formscan", description=say("description"),
                     epilog=say("epilog"), formatter_class=_Formatter)
    parser.add_argument("-v", "--verbose", action="store_true", help=say("verbose"))
    parser.add_argument("--version", action="version", version=f"formscan {__version__}",
                        help=say("version"))
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=say("lang"))
    sub = parser.add_subparsers(dest="command", required=True, metavar=say("command"))

    def command(name: str, key: str | None = None) -> argparse.ArgumentParser:
        words = say(key or name)
        return sub.add_parser(name, help=words, description=words, formatter_class=_Formatter)

    p_scan = command("scan")
    p_scan.add_argument("paths", nargs="+", metavar="PATH", help=say("scan_paths"))
    _common(p_scan, lang, reads=True)
    p_email = command("email")
    p_email.add_argument("paths", nargs="+", metavar="PATH", help=say("email_paths"))
    _common(p_email, lang, reads=True)
    p_run = command("run")
    p_run.add_argument("--paper", nargs="+", default=[], metavar="P", help=say("paper"))
    p_run.add_argument("--email", nargs="+", default=[], metavar="E", help=say("run_email"))
    _common(p_run, lang, reads=True)
    for name in ("reconcile", "audit", "report"):
        _common(command(name), lang)
    p_import = command("import-corrections", "import")
    p_import.add_argument("sheet", type=Path, metavar="FILE", help=say("sheet"))
    p_import.add_argument("--who", default=os.environ.get("USER") or "office", help=say("who"))
    p_import.add_argument("--force", action="store_true", help=say("force"))
    _common(p_import, lang)
    p_review = command("review")
    p_review.add_argument("--host", default="127.0.0.1", help=say("host"))
    p_review.add_argument("--port", type=_number(lang, 0), default=8765, help=say("port"))
    p_review.add_argument("--who", default=os.environ.get("USER") or "office", help=say("who"))
    _common(p_review, lang)
    p_forget = command("forget")
    p_forget.add_argument("paths", nargs="+", metavar="PATH", help=say("forget_paths"))
    _common(p_forget, lang)
    _common(command("letters"), lang)
    return parser


@contextmanager
def argparse_in(lang: str) -> Iterator[None]:
    """argparse's own words (usage, its errors, --help's headings) in ``lang``: argparse says
    them through gettext by msgid (``argparse._``, ``argparse.ngettext``), looked up here in
    the catalog's :data:`~pipeline.i18n.ARGPARSE` for as long as the parser is built and
    used."""
    words = ArgparseWords(lang)
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = words.gettext, words.ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def lang_asked(argv: list[str]) -> str:
    """The ``--lang`` of a command line, wherever it stands (before or after the command;
    ``--lang=en``, a prefix ``--la en``), read before the parser is built so that its own
    words are in that language; the last one given counts, as in argparse."""
    lang = DEFAULT_LANG
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if len(name) > 2 and "--lang".startswith(name):
            value = value if equals else (argv[i + 1] if i + 1 < len(argv) else "")
            lang = value if value in LANGS else lang
    return lang


def invocation() -> str:
    """The formscan that runs, as a command to type anywhere: the installed script by its
    full path, else this Python running the package (``python -m pipeline``)."""
    script = sys.argv[0] if sys.argv else ""
    if Path(script).stem == "formscan":
        found = shutil.which(script) or script
        return _command([str(Path(found).resolve())])
    return _command([sys.executable, "-m", "pipeline"])


def _command(words: list[str]) -> str:
    """Words as one command line the shell takes back (quoted where needed)."""
    return subprocess.list2cmdline(words) if os.name == "nt" else shlex.join(words)


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
    """The next step, said at the end of every command that reads inputs: commands that run
    as printed, from any folder (this formscan by its full path, the batch's absolute path)."""
    print(text(lang, "cli.next", step=_step(f"cli.next.{command}", out_dir, lang)))


def _step(key: str, out_dir: Path, lang: str) -> str:
    return text(lang, key, formscan=invocation(), out=_command([os.path.abspath(out_dir)]))


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
    print_next("forget", out_dir, lang)
    return status


def print_reconcile(pairs: list[Pair], out_dir: Path, lang: str = DEFAULT_LANG) -> None:
    counts = Counter(p.status for p in pairs)
    if not any(p.email for p in pairs) or not any(p.paper for p in pairs):
        has_paper = any(p.paper for p in pairs)
        print(_step("cli.no_email" if has_paper else "cli.no_paper", out_dir, lang))
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


def print_letters(written: Written, out_dir: Path, lang: str = DEFAULT_LANG) -> None:
    """Which units got a letter, how many items each, and where each goes."""
    if not written.letters:
        print(text(lang, "cli.letters_none"))
        return
    print(text(lang, "cli.letters_head", units=len(written.letters), items=written.items,
               out=out_dir))
    for letter in written.letters:
        print(text(lang, "cli.letters_line", unit=letter.unit or text(lang, "letter.unknown_unit"),
                   works=len(letter.works), items=letter.items, to=where_to(letter, lang)))
    print(text(lang, "cli.letters_after"))


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


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager stopping formscan, ``kill``): the command ends as on Ctrl-C,
    what was finished kept and the batch's files written on the way out (``api.read``'s
    refresh); an exception no ``except Exception`` of a decoder takes for its own."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the way out is not cut short
    raise Terminated


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the command as Ctrl-C does, while it runs (in the main thread only: a
    handler can be set nowhere else)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, saved)


def main(argv: list[str] | None = None) -> int:
    with _sigterm_as_interrupt():
        return _main(sys.argv[1:] if argv is None else argv)


def _main(argv: list[str]) -> int:
    asked = lang_asked(argv)  # before the parser: its own words are in this language
    with argparse_in(asked):
        parser = _parser(asked, argv)
        args = parser.parse_args(argv)
        if args.command in ("scan", "email", "run"):
            _check_inputs(parser, args)
            lean_malloc()  # pages pass through here too (decoded, and read by a lone worker)
    args.out = Path(os.path.abspath(args.out))  # what is printed names it from anywhere
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
        elif args.command == "letters":
            print_letters(api.letters(args.out, contest, lang), args.out, lang)
        return ExitCode.OK
    except FormscanError as exc:
        print(text(lang, "cli.error", error=say(exc.reason, lang)), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        print(text(lang, "cli.interrupted"), file=sys.stderr)
        return ExitCode.TERMINATED if isinstance(exc, Terminated) else ExitCode.INTERRUPTED


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
