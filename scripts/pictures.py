"""The pictures of the guide and the README (docs/pictures/), taken in headless Chromium on the
demo batch (samples/ read as `make demo` reads them), and a record of what they show.

    python scripts/pictures.py               # read samples/, take every picture, record them
    python scripts/pictures.py --batch DIR   # the same on a batch already read from samples/
    python scripts/pictures.py --check       # exit 1 when a picture is older than what it shows

A picture is current while the files it shows (the page's template and script, the module that
fills it, this script) and the catalog words it shows are those it was taken of: their SHA-256
are kept in docs/pictures/pictures.json (git keeps no modification times).
tests/test_guide.py compares them and fails with "run make docs".

- report.png: report.html filtered on a difference between the paper and the emailed copy;
- report-photo.png: the report's entry of a phone photo, shown as it was read (the paper
  cut out of the photo and straightened);
- review.png: the review station, a value corrected by the keyboard (shown green);
- sheet.png: records.xlsx as a spreadsheet shows it (its hidden key row hidden, column widths,
  the frozen header), drawn as an HTML grid from the workbook itself.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import i18n  # noqa: E402
from scripts.browsing import loaded, to_the_top, wait_for  # noqa: E402

PICTURES = ROOT / "docs" / "pictures"
RECORD = PICTURES / "pictures.json"
WIDTH, HEIGHT = 1280, 800
HERE = ["scripts/pictures.py", "scripts/browsing.py"]  # how the pictures are taken
REPORT = (["pipeline/report.py", "pipeline/report_template.html", "pipeline/page.js", *HERE],
          ("report.", "flag.", "form.", "status.", "source.", "origin.", "other."))
# What each picture shows: files (relative to the repository) and catalog keys (by prefix).
SHOWS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "report.png": REPORT,
    "report-photo.png": REPORT,
    "review.png": (["pipeline/review.py", "pipeline/review_template.html", "pipeline/page.js",
                    *HERE],
                   ("review.", "flag.", "form.", "status.", "source.", "origin.")),
    "sheet.png": (["pipeline/sheets.py", *HERE],
                  ("col.", "flag.", "form.", "status.", "origin.", "value.", "source.")),
}


def fingerprint(name: str) -> dict[str, str]:
    """SHA-256 of each file ``name`` shows, and of the catalog's words it shows."""
    files, prefixes = SHOWS[name]
    sums = {path: hashlib.sha256((ROOT / path).read_bytes()).hexdigest() for path in files}
    words = {k: v for k, v in i18n.catalog("zh").items() if k.startswith(prefixes)}
    blob = json.dumps(words, ensure_ascii=False, sort_keys=True).encode()
    sums[f"i18n catalog ({' '.join(prefixes)})"] = hashlib.sha256(blob).hexdigest()
    return sums


def stale() -> list[str]:
    """The pictures not taken of what they show now, each with what changed."""
    recorded = json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}
    said = []
    for name in SHOWS:
        now, then = fingerprint(name), recorded.get(name, {})
        changed = sorted(k for k in now.keys() | then.keys() if now.get(k) != then.get(k))
        if changed or not (PICTURES / name).exists():
            said.append(f"{name}: {', '.join(changed) or 'missing'}")
    return said


# --- taking them ------------------------------------------------------------------------

def chromium():
    """Headless Chromium through chromedriver, as tests/conftest.py's ``browser`` starts it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not shutil.which("chromedriver"):
        raise SystemExit("no chromedriver: `make browser` installs Debian's chromium")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _difference(batch: Path) -> tuple[str, dict]:
    """A paper document of the demo whose emailed copy differs, and that difference."""
    for pair in _jsonl(batch / "reconciliation.jsonl"):
        for diff in pair["diffs"]:
            if pair["paper_doc_id"] and diff["kind"] == "difference":
                return pair["paper_doc_id"], diff
    raise SystemExit(f"{batch}: no difference between paper and email to show")


def _photo(batch: Path) -> tuple[str, str]:
    """A phone photo of the demo (its paper cut out: a perspective step), and its title."""
    for record in _jsonl(batch / "records.jsonl"):
        ops = (record.get("transform") or {}).get("ops", [])
        title = (record["fields"].get("title") or {}).get("value")
        if title and any(op["op"] == "perspective" for op in ops):
            return record["doc_id"], title
    raise SystemExit(f"{batch}: no phone photo to show")


def report_picture(browser, batch: Path, shot: Path) -> None:
    doc_id, diff = _difference(batch)
    _report_entry(browser, batch, f"flag=mismatch:{diff['field']}", doc_id, shot)


def photo_picture(browser, batch: Path, shot: Path) -> None:
    doc_id, title = _photo(batch)
    _report_entry(browser, batch, f"q={title}", doc_id, shot)


def _report_entry(browser, batch: Path, view: str, doc_id: str, shot: Path) -> None:
    """report.html in ``view`` (its address's filters), ``doc_id``'s entry at the top."""
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    browser.get("about:blank")  # a new address, not only a new #: the page reads it on load
    browser.get((batch / "report.html").as_uri() + "#" + quote(view, safe="=:&"))
    wait_for(lambda: browser.find_elements(
        By.CSS_SELECTOR, f'article.doc[data-doc-id="{doc_id}"] table.fields'))
    first = browser.find_element(By.CSS_SELECTOR, f'article.doc[data-doc-id="{doc_id}"]')
    to_the_top(browser, first, first.find_elements(By.CSS_SELECTOR, "img"))
    browser.save_screenshot(str(shot))


def review_picture(browser, batch: Path, shot: Path) -> None:
    """The station on a copy of the batch: the paper copy's differing value typed as the
    emailed copy says, Enter, shown as corrected and its flag gone."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from pipeline.contest import default_contest
    from pipeline.review import serve

    doc_id, diff = _difference(batch)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "batch"
        shutil.copytree(batch, out)
        server = serve(out, default_contest(), port=0, who="王老师")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            browser.get(f"http://127.0.0.1:{server.server_address[1]}/")
            item = f'#queue li[data-doc="{doc_id}"]'
            wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, item))
            browser.find_element(By.CSS_SELECTOR, item).click()
            css = f'.value[data-field="{diff["field"]}"]'
            wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, css)
                     and browser.find_element(By.CSS_SELECTOR, "#queue li.current")
                     .get_attribute("data-doc") == doc_id)
            said = i18n.text("zh", "flag.mismatch", key="")
            field = browser.find_element(By.CSS_SELECTOR, css)
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(Keys.DELETE, str(diff["email"]), Keys.ENTER)
            wait_for(lambda: said not in browser.find_element(By.ID, "todo").text
                     and "corrected" in browser.find_element(By.CSS_SELECTOR, css)
                     .get_attribute("class"))
            wait_for(lambda: all(loaded(browser, image) for image in
                                 browser.find_elements(By.CSS_SELECTOR, "#doc img")))
            browser.save_screenshot(str(shot))
        finally:
            server.shutdown()
            server.server_close()


SHEET_STYLE = """
body { margin: 0; font: 13px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.bar { display: flex; gap: 8px; padding: 4px 6px; background: #f3f3f3;
       border-bottom: 1px solid #c6c6c6; }
.bar .name { width: 70px; border: 1px solid #c6c6c6; background: #fff; padding: 1px 4px; }
.bar .formula { flex: 1; border: 1px solid #c6c6c6; background: #fff; padding: 1px 4px; }
table { border-collapse: collapse; table-layout: fixed; }
td, th { border: 1px solid #d4d4d4; height: 20px; padding: 0 3px; white-space: nowrap;
         overflow: hidden; text-overflow: clip; text-align: left; font-weight: normal; }
th { background: #efefef; color: #444; text-align: center; }
th.row { width: 34px; }
tr.frozen td { border-bottom: 2px solid #9a9a9a; }
td.selected { outline: 2px solid #217346; outline-offset: -2px; }
.tabs { position: fixed; bottom: 0; left: 0; right: 0; background: #f3f3f3;
        border-top: 1px solid #c6c6c6; padding: 3px 8px; }
.tabs span { padding: 2px 12px; margin-right: 2px; }
.tabs span.on { background: #fff; border-bottom: 2px solid #217346; }
"""


def sheet_html(book_path: Path, pick: str) -> str:
    """The first sheet of ``book_path`` as a spreadsheet program draws it: column letters,
    row numbers, hidden rows left out, column widths, fills and bold from the workbook, the
    cell under column ``pick`` of the first data row selected, its value in the formula bar."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(book_path)
    sheet = book.active
    frozen = sheet[sheet.freeze_panes].row - 1 if sheet.freeze_panes else 0
    columns = range(1, min(sheet.max_column, 30) + 1)
    keys = [sheet.cell(1, c).value for c in columns]
    chosen = (frozen + 1, keys.index(pick) + 1) if pick in keys else None
    widths = [round((sheet.column_dimensions[get_column_letter(c)].width or 8.43) * 7 + 5)
              for c in columns]
    head = "".join(f'<col style="width:{w}px">' for w in [34, *widths])
    rows = ['<tr><th class="row"></th>' + "".join(
        f"<th>{get_column_letter(c)}</th>" for c in columns) + "</tr>"]
    for r in range(1, min(sheet.max_row, 40) + 1):
        if sheet.row_dimensions[r].hidden:
            continue
        cells = []
        for c in columns:
            cell = sheet.cell(r, c)
            style = []
            if cell.font is not None and cell.font.b:
                style.append("font-weight:bold")
            fill = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
            if isinstance(fill, str) and len(fill) == 8:
                style.append(f"background:#{fill[2:]}")
            if isinstance(cell.value, int | float):
                style.append("text-align:right")
            mark = ' class="selected"' if chosen == (r, c) else ""
            value = "" if cell.value is None else html.escape(str(cell.value))
            cells.append(f'<td{mark} style="{";".join(style)}">{value}</td>')
        frozen_row = ' class="frozen"' if r == frozen else ""
        rows.append(f'<tr{frozen_row}><th class="row">{r}</th>{"".join(cells)}</tr>')
    formula = ""
    if chosen:
        value = sheet.cell(*chosen).value
        formula = html.escape("" if value is None else str(value))
    name = f"{get_column_letter(chosen[1])}{chosen[0]}" if chosen else ""
    tabs = "".join(f'<span class="{"on" if s is sheet else ""}">{html.escape(s.title)}</span>'
                   for s in book.worksheets)
    return (f'<!doctype html><html lang="zh"><meta charset="utf-8"><style>{SHEET_STYLE}</style>'
            f'<div class="bar"><span class="name">{name}</span><span class="formula">{formula}'
            f'</span></div><table><colgroup>{head}</colgroup>{"".join(rows)}</table>'
            f'<div class="tabs">{tabs}</div></html>')


def sheet_picture(browser, batch: Path, shot: Path) -> None:
    page = batch / "sheet-view.html"
    page.write_text(sheet_html(batch / "records.xlsx", "title"), encoding="utf-8")
    browser.get(page.as_uri())
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete")
    browser.save_screenshot(str(shot))


def optimise(png: Path) -> None:
    """Fewer colours, same look: a screenshot of text and a few photos in 256 colours."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
        .save(png, optimize=True)


def demo_batch(into: Path) -> Path:
    """samples/ read as `make demo` reads them (exit status 3: some samples are broken)."""
    out = into / "demo"
    command = [sys.executable, "-m", "pipeline", "run", "--paper", "samples/paper",
               "--email", "samples/email", "--out", str(out), "--no-progress"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode not in (0, 3):
        raise SystemExit(f"reading samples/ failed ({done.returncode}):\n{done.stderr}")
    return out


def take(batch: Path) -> None:
    PICTURES.mkdir(parents=True, exist_ok=True)
    browser = chromium()
    try:
        for name, picture in (("report.png", report_picture),
                              ("report-photo.png", photo_picture),
                              ("review.png", review_picture), ("sheet.png", sheet_picture)):
            shot = PICTURES / name
            picture(browser, batch, shot)
            optimise(shot)
            print(f"took {shot.relative_to(ROOT)} ({shot.stat().st_size // 1024} KB)")
    finally:
        browser.quit()
    record = {name: fingerprint(name) for name in SHOWS}
    RECORD.write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                      encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a picture is stale")
    parser.add_argument("--batch", type=Path, help="a batch already read from samples/")
    args = parser.parse_args()
    if args.check:
        for line in stale():
            print(f"docs/pictures/{line} changed: run make docs", file=sys.stderr)
        return 1 if stale() else 0
    if args.batch:
        with tempfile.TemporaryDirectory() as tmp:  # never written into: a copy
            batch = Path(tmp) / "batch"
            shutil.copytree(args.batch, batch)
            take(batch)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            take(demo_batch(Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
