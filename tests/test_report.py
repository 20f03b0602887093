"""The review report, opened in real headless Chromium (Debian's, installed by `make test`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import read_jsonl, screenshot_path, wait_for

from pipeline.api import reconcile
from pipeline.api import report as write_report
from pipeline.contest import load_contest
from pipeline.errors import Code, Reason
from pipeline.model import (
    EntryStatus,
    Field,
    Flag,
    FlagKind,
    FormType,
    Location,
    ManifestEntry,
    Mark,
    Message,
    Origin,
    Record,
)
from pipeline.pictures import pictures
from pipeline.store import Store
from scripts.browsing import to_the_top

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
EVIL = '<script>document.title="PWNED"</script><img src=x onerror="document.title=\'PWNED\'">'
FLAGS = ["missing_seal", "missing_signature", "late"]
TYPES = [FormType.WORK_REGISTRATION, FormType.WORK_AUTHORIZATION, FormType.PROPOSAL_REGISTRATION]


def _records(scan: Path, n: int) -> list[Record]:
    records = []
    for i in range(n):
        flags = [Flag.parse(FLAGS[i % 3])] if i % 4 == 0 else []
        title = EVIL if i == 7 else f"作品{i:04d}"
        record = Record(
            f"doc{i:04d}", Origin.PAPER, TYPES[i % 3], Location(str(scan), [1]),
            fields={"title": Field(title, 0.95, 1, [100, 100, 300, 140]),
                    "contact": Field(f"联系人{i}", 0.7 if i % 5 == 0 else 0.99, 1,
                                     [100, 200, 260, 240]),
                    "unit": Field("中共晋中市委宣传部" if i % 2 else "省直机关工委", 0.99, 1,
                                  None)},
            signature=Mark(i % 4 != 1, 0.9, [400, 500, 600, 560]),
            seal=Mark(True, 0.95, [300, 400, 500, 600], text="中共晋中市委宣传部"),
            flags=flags)
        record.update_status()
        records.append(record)
    return records


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, list[Record]]:
    root = tmp_path_factory.mktemp("report")
    scan = root / "scan.png"
    page = np.full((842, 595, 3), 255, np.uint8)
    cv2.putText(page, "FORM", (100, 130), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    cv2.imwrite(str(scan), page)
    out = root / "out"
    store = Store(out)
    records = _records(scan, 1000)
    with store.transaction():
        for r in records:
            store.put_record(r)
            store.put_pictures(r.doc_id, pictures(r, page))  # as made when a page is read
            store.put_entry(ManifestEntry(f"{scan}#{r.doc_id}", 1, EntryStatus.OK,
                                          doc_id=r.doc_id))
        store.put_entry(ManifestEntry(str(root / "bad.pdf"), None, EntryStatus.FAILED,
                                      reason=Reason(Code.PDF_PASSWORD)))
    store.close()
    write_report(out, load_contest())
    return out / "report.html", records


def _chromium(*args: str) -> str:
    assert shutil.which(CHROMIUM), "no chromium: run `make test`, which installs Debian's"
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={Path('/tmp') / 'formscan-chromium-test'}", *args],
        capture_output=True, text=True, timeout=120)
    return run.stdout


def dom(report_html: Path, hash_: str = "") -> str:
    return _chromium("--dump-dom", f"{report_html.as_uri()}#{hash_}")


def shown(page: str) -> int:
    return int(re.search(r'id="shown-count">(\d+)<', page).group(1))


def test_summary_numbers_match_the_records(report):
    html, records = report
    page = dom(html)
    assert re.search(r'id="sum-documents">(\d+)<', page).group(1) == str(len(records))
    review = sum(r.status.value == "needs_review" for r in records)
    assert re.search(r'id="sum-review">(\d+)<', page).group(1) == str(review)
    assert re.search(r'id="sum-failures">(\d+)<', page).group(1) == "1"
    assert "PDF 有密码保护" in page  # the reason in the report's language


def test_a_thousand_documents_are_paginated_and_filters_work(report):
    html, records = report
    page = dom(html)
    assert shown(page) == 1000
    assert page.count('class="doc ') == 50  # one page of the list is in the document
    assert shown(dom(html, "review=1")) == sum(r.status.value == "needs_review" for r in records)
    assert shown(dom(html, "type=work_authorization")) == sum(
        r.form_type is FormType.WORK_AUTHORIZATION for r in records)
    assert shown(dom(html, "flag=missing_seal")) == sum(
        "missing_seal" in r.flag_names for r in records)
    assert shown(dom(html, "unit=省直机关工委")) == 500
    one = dom(html, "q=作品0042")
    assert shown(one) == 1 and 'data-doc-id="doc0042"' in one
    assert 'data-doc-id="doc0150"' in dom(html, "page=4")


def test_text_from_documents_is_shown_never_run(report):
    html, _ = report
    page = dom(html, "q=" + "document.title")
    assert "<title>formscan 报告" in page and "PWNED</title>" not in page
    assert "&lt;script&gt;document.title" in page  # shown as text
    assert "<img src=\"x\"" not in page.split('id="data"')[0]


def test_images_are_small_files_beside_the_report_and_lazy(report, tmp_path):
    html, _ = report
    thumbs = list((html.parent / "report" / "thumbs").glob("*.jpg"))
    assert len(thumbs) == 1000 and all(p.stat().st_size < 20_000 for p in thumbs[:20])
    page = dom(html)
    assert 'loading="lazy"' in page and 'src="report/thumbs/doc0000.jpg"' in page
    shot = tmp_path / "report.png"
    _chromium("--window-size=1300,1800", f"--screenshot={shot}", html.as_uri())
    image = cv2.imread(str(shot))
    assert image.shape == (1800, 1300, 3)  # the window asked for, drawn
    # Drawn, neither blank nor black: dark text on ~1.6% of the pixels (measured).
    dark = float((cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) < 128).mean())
    assert 0.008 < dark < 0.08, dark
    # The first document's thumbnail file is loaded and shown as it is, at its own size.
    thumb = cv2.imread(str(html.parent / "report" / "thumbs" / "doc0000.jpg"))
    match = cv2.matchTemplate(image, thumb, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(match)
    assert best > 0.95 and y > image.shape[0] // 2, (best, x, y)  # below the summary tables


def test_reconciled_values_are_side_by_side_with_differences_marked(tmp_path):
    out = tmp_path / "out"
    store = Store(out)
    paper = Record("p1", Origin.PAPER, FormType.WORK_AUTHORIZATION, Location("x.pdf", [1]),
                   fields={"title": Field("回家", 0.99, 1, None),
                           "phone": Field("13512345678", 0.99, 1, None)})
    email = Record("e1", Origin.EMAIL, FormType.WORK_AUTHORIZATION,
                   Location("m.eml", [], "授权书.docx"),
                   fields={"title": Field("回家", 1.0, None, None),
                           "phone": Field("13512345687", 1.0, None, None)},
                   message=Message("a@b.cn", "报送作品", "Fri, 1 Sep 2023"))
    with store.transaction():
        for r in (paper, email):
            store.put_record(r)
            store.put_entry(ManifestEntry(r.source.path, 1, EntryStatus.OK, doc_id=r.doc_id,
                                          attachment=r.source.attachment))
    store.close()
    reconcile(out, load_contest())  # the two copies pair, the phone differs
    page = dom(write_report(out, load_contest()))
    assert page.count('class="conf-high diff"') == 2  # phone on both documents
    assert page.count('<span class="diff">13512345687</span>') == 1
    assert "<th>电子版</th>" in page and "<th>纸质版</th>" in page and "a@b.cn" in page
    assert "<td>电话</td>" in page and "作品授权书" in page  # the form's own words


def test_the_report_speaks_chinese_and_english_when_asked(tmp_path):
    out = tmp_path / "out"
    store = Store(out)
    record = Record("p1", Origin.PAPER, FormType.WORK_REGISTRATION, Location("x.pdf", [1]),
                    fields={"title": Field("回家", 0.99, 1, None), "phone": Field(None, 0.0, 1,
                                                                                  None)})
    record.flags = [Flag(FlagKind.MISSING_FIELD, "phone")]
    record.update_status()
    with store.transaction():
        store.put_record(record)
        store.put_entry(ManifestEntry("x.pdf", 1, EntryStatus.OK, doc_id="p1"))
    store.close()
    zh = dom(write_report(out, load_contest()))
    assert '<html lang="zh-CN">' in zh and "只看待复核" in zh and "缺填：电话" in zh
    assert "作品登记表" in zh and "待复核" in zh and "needs review only" not in zh
    en = dom(write_report(out, load_contest(), lang="en"))
    assert '<html lang="en">' in en and "needs review only" in en
    assert "not filled in: phone" in en and "work registration" in en and "只看待复核" not in en
    # The data keeps the contract's keys and values in both: the flag name, the form type.
    for page in (zh, en):
        assert "missing_field:phone" in page and '"form_type": "work_registration"' in page


def _box(browser, element) -> dict:
    return browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)


@pytest.mark.ocr
def test_crops_are_drawn_readable_in_a_table_inside_the_window(demo_batch, browser, tmp_path):
    """The demo batch's report, filtered on a difference: each crop at least 24 px high and
    inside its column, field names on one line, every table inside the window, confidences
    rounded, 缺签名 said once per document, a page no form was found on named by its file.
    (docs/pictures/report.png shows the same view: `make docs`.)"""
    from selenium.webdriver.common.by import By

    records = {r["doc_id"]: r for r in read_jsonl(demo_batch / "records.jsonl")}
    browser.get((demo_batch / "report.html").as_uri())
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "article.doc"))
    for article in browser.find_elements(By.CSS_SELECTOR, "article.doc"):
        record = records[article.get_attribute("data-doc-id")]
        said = article.text
        if "missing_signature" in record["flags"]:
            assert said.count("缺签名") == 1, said
        heading = article.find_element(By.CSS_SELECTOR, ".heading").text
        if record["form_type"] == "unknown":
            name = Path(record["source"]["path"]).name
            assert heading.startswith(f"未识别的文件 {name}") and record["doc_id"] not in said
    browser.get((demo_batch / "report.html").as_uri() + "#flag=mismatch:duration")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "article.doc table.fields"))
    paper = next(k for k, r in records.items()
                 if r["origin"] == "paper" and "mismatch:duration" in r["flags"])
    first = browser.find_element(By.CSS_SELECTOR, f'article.doc[data-doc-id="{paper}"]')
    crops = first.find_elements(By.CSS_SELECTOR, "table.fields img.crop")
    to_the_top(browser, first, crops)
    width = browser.execute_script("return document.documentElement.clientWidth")
    for table in browser.find_elements(By.CSS_SELECTOR, "table.fields"):
        assert _box(browser, table)["right"] <= width
    assert first.find_elements(By.CSS_SELECTOR, "table.fields th")[-1].text == "电子版"
    for image in crops:
        box, cell = _box(browser, image), _box(browser, image.find_element(By.XPATH, ".."))
        assert box["height"] >= 24 and box["right"] <= cell["right"], image.get_attribute("src")
    for row in first.find_elements(By.CSS_SELECTOR, "table.fields tr[data-field]"):
        name, _, confidence = row.find_elements(By.TAG_NAME, "td")[:3]
        assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth"
                                      " && arguments[0].getClientRects().length === 1", name)
        assert confidence.text.endswith("%") and confidence.text[:-1].isdigit(), confidence.text

    shot = screenshot_path("report.png", tmp_path)
    browser.save_screenshot(str(shot))
    image = cv2.imread(str(shot))
    crop = first.find_element(By.CSS_SELECTOR, 'tr[data-field="duration"] img.crop')
    box = _box(browser, crop)
    assert 24 <= box["height"] and box["bottom"] <= image.shape[0]
    x, y, w, h = (round(box[k]) for k in ("x", "y", "width", "height"))
    shown = image[y + 2:y + h - 2, x + 2:x + w - 2]
    saved = cv2.imread(str(demo_batch / crop.get_attribute("src").split(demo_batch.name + "/")[1]))
    saved = cv2.resize(saved, (w, h))[2:-2, 2:-2]
    assert cv2.matchTemplate(shown, saved, cv2.TM_CCOEFF_NORMED).max() > 0.9
