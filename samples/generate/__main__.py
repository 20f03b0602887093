"""``python -m samples.generate --out OUT --seed 7 --forms 36 [--email-out E]
[--layout table|lines|mixed]``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from samples.generate.batch import generate
from samples.generate.content import Layout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m samples.generate",
        description="Write scanned contest forms with known truth (truth.jsonl).",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--forms", type=int, default=36, help="number of forms (default 36)")
    parser.add_argument("--no-bad-inputs", action="store_true",
                        help="leave out blank, cover-letter and unreadable files")
    parser.add_argument("--email-out", type=Path, default=None,
                        help="also write the emailed copies (.eml, .mbox, email_truth.jsonl)")
    parser.add_argument("--layout", choices=[layout.value for layout in Layout],
                        default=Layout.TABLE.value,
                        help="table: the office's template (default); lines: retyped without "
                             "a table, ticked options, dates written every way; mixed: half each")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = generate(args.out, args.seed, args.forms, bad_inputs=not args.no_bad_inputs,
                    email_dir=args.email_out, layout=args.layout)
    files = len({row["path"] for row in rows})
    print(f"{len(rows)} truth rows, {files} files in {args.out} "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
