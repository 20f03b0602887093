"""``formscan`` command line: a thin layer over the batch API.

Exit status (also in the README): 0 every input processed; 3 some inputs failed (the rest
was processed and written); 2 usage error; 4 configuration error (schema, OCR model,
output folder); 130 interrupted (what was finished is kept; run again to go on).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.batch import ScanOptions, Summary, scan
from pipeline.errors import ExitCode, FormscanError
from pipeline.ocr import ENGINES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formscan",
        description="Digitise scanned contest forms into structured records.",
        epilog="Exit status: 0 all inputs processed, 3 some inputs failed (the rest is "
               "written), 2 usage error, 4 configuration error, 130 interrupted.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True)
    p_scan = sub.add_parser("scan", help="read paper scans: PDFs, images, folders (recursive)")
    p_scan.add_argument("paths", nargs="+", metavar="PATH")
    p_scan.add_argument("--out", required=True, type=Path, help="output folder (the batch)")
    p_scan.add_argument("--engine", choices=sorted(ENGINES), default="rapidocr",
                        help="OCR engine (default: rapidocr, PP-OCR models on ONNX Runtime)")
    p_scan.add_argument("--threads", type=int, default=0,
                        help="ONNX Runtime threads (default: all cores)")
    p_scan.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def print_summary(summary: Summary, out_dir: Path) -> None:
    rows = [("pages read", summary.pages)]
    rows += [(f"  {kind}", n) for kind, n in sorted(summary.documents.items())]
    rows += [("needs_review", summary.needs_review), ("skipped (blank, not a form, not a scan)",
             summary.skipped), ("duplicates", summary.duplicates),
             ("failures", len(summary.failures))]
    width = max(len(label) for label, _ in rows)
    print("\n" + "documents per type:".ljust(width + 2))
    for label, value in rows:
        print(f"{label.ljust(width)}  {value:>6}")
    for failure in summary.failures:
        where = failure.path if failure.page is None else f"{failure.path} page {failure.page}"
        print(f"FAILED {where}: {failure.error}")
    print(f"\nresults in {out_dir}/: records.jsonl records.csv records.xlsx manifest.jsonl")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(message)s")
    try:
        if args.command == "scan":
            options = ScanOptions(args.engine, args.threads,
                                  progress=not args.no_progress and sys.stderr.isatty())
            summary = scan(args.paths, args.out, options)
            print_summary(summary, args.out)
            return ExitCode.INPUT_FAILURES if summary.failures else ExitCode.OK
    except FormscanError as exc:
        print(f"formscan: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("formscan: interrupted; finished pages are kept, run the same command again "
              "to go on", file=sys.stderr)
        return ExitCode.INTERRUPTED
    return ExitCode.USAGE


if __name__ == "__main__":
    sys.exit(main())
