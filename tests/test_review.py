"""The review station driven as a person would, in a real headless Chromium: keyboard only."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import read_jsonl

from pipeline.api import import_corrections, scan
from pipeline.batch import BatchOptions
from pipeline.contest import default_contest
from pipeline.review import serve

ROOT = Path(__file__).resolve().parents[1]
TEXT_PDF = ROOT / "samples" / "paper" / "submission_01.pdf"  # a work registration form


@pytest.fixture
def station(tmp_path):
    out = tmp_path / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    # The unit read wrong (as OCR can): the document needs a person.
    sheet = tmp_path / "wrong.xlsx"
    sheet.write_bytes((out / "records.xlsx").read_bytes())
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book.active[1]]
    book.active.cell(3, header.index("unit") + 1).value = "中共晋中市委宝专部"
    book.save(sheet)
    import_corrections(sheet, out, default_contest())
    server = serve(out, default_contest(), port=0, who="测试员")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/", server.station
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert shutil.which("chromedriver"), "no chromedriver: run `make test`, which installs it"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def _wait(predicate, timeout: float = 30) -> None:
    """Until the page shows what ``predicate`` looks for (an element found a moment before
    the page redrew it is looked for again)."""
    from selenium.common.exceptions import StaleElementReferenceException

    end = time.time() + timeout
    while time.time() < end:
        try:
            if predicate():
                return
        except StaleElementReferenceException:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


CORRECTED = (234, 255, 234)  # BGR of the template's input.value.corrected (#eaffea)


def _shows_the_corrections_and_the_crops(image, browser, out: Path, doc_id: str) -> None:
    """The screenshot is the window, the two corrected values are drawn as corrected (and only
    they), and the title's crop from the report folder is on screen as the scan showed it."""
    from selenium.webdriver.common.by import By

    width, height = browser.execute_script("return [innerWidth, innerHeight]")
    assert image.shape[:2] == (height, width)

    def region(element) -> np.ndarray:
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        box = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()",
                                     element)
        shot = cv2.imdecode(np.frombuffer(browser.get_screenshot_as_png(), np.uint8), 1)
        x, y, w, h = (round(box[k]) for k in ("x", "y", "width", "height"))
        return shot[y + 2:y + h - 2, x + 2:x + w - 2]

    def corrected_share(field: str) -> float:
        box = region(browser.find_element(By.CSS_SELECTOR, f'input[data-field="{field}"]'))
        return float(np.all(box == CORRECTED, axis=2).mean())

    assert corrected_share("unit") > 0.5 and corrected_share("date") > 0.5
    assert corrected_share("title") == 0
    crop = browser.find_element(By.CSS_SELECTOR, "img.crop")  # the first row's: the title
    assert crop.get_attribute("src").endswith(f"crops/{doc_id}-title.jpg")
    shown = region(crop)
    saved = cv2.imread(str(out / "report" / "crops" / f"{doc_id}-title.jpg"))
    saved = cv2.resize(saved, (shown.shape[1] + 4, shown.shape[0] + 4))[2:-2, 2:-2]
    alike = cv2.matchTemplate(shown, saved, cv2.TM_CCOEFF_NORMED).max()
    assert alike > 0.9, alike


@pytest.mark.ocr
@pytest.mark.browser
def test_a_reviewer_corrects_a_unit_and_a_date_with_the_keyboard(station, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, url, _ = station
    browser.get(url)
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
    assert "报送单位不在名单中" in browser.find_element(By.ID, "todo").text  # Chinese first
    unit = browser.find_element(By.CSS_SELECTOR, 'input[data-field="unit"]')
    unit.send_keys(Keys.CONTROL, "a")
    unit.send_keys("中共晋中市委宣传部", Keys.ENTER)
    _wait(lambda: "报送单位不在名单中" not in browser.find_element(By.ID, "todo").text)
    (record,) = read_jsonl(out / "records.jsonl")
    assert record["fields"]["unit"]["value"] == "中共晋中市委宣传部"
    assert record["fields"]["unit"]["corrected"] and "unknown_unit" not in record["flags"]
    date = browser.find_element(By.CSS_SELECTOR, 'input[data-field="date"]')
    date.send_keys(Keys.CONTROL, "a")
    date.send_keys("2023-12-30", Keys.ENTER)  # after the deadline: the audit must say so
    _wait(lambda: "逾期" in browser.find_element(By.ID, "todo").text)
    audit = pd.read_csv(out / "audit.csv", dtype=str, keep_default_na=False)
    assert "逾期" in audit.loc[0, "missing"]
    browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)  # document done
    _wait(lambda: "done" in browser.find_element(By.CSS_SELECTOR, "#queue li")
          .get_attribute("class"))
    assert browser.find_element(By.ID, "cleared").text == "已复核 1 / 1 份"
    shot = out / "review.png"
    browser.save_screenshot(str(shot))
    _shows_the_corrections_and_the_crops(cv2.imread(str(shot)), browser, out, record["doc_id"])
    # "Done" is kept in the store: the next session (another day, another reviewer) sees it.
    again = serve(out, default_contest(), port=0, lang="en")
    threading.Thread(target=again.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{again.server_address[1]}/")
        _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
        assert "done" in browser.find_element(By.CSS_SELECTOR, "#queue li").get_attribute("class")
        assert browser.find_element(By.ID, "cleared").text == "1 of 1 reviewed"  # --lang en
        assert "late (after the deadline)" in browser.find_element(By.ID, "todo").text
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    finally:
        again.shutdown()
        again.server_close()


@pytest.mark.ocr
def test_changes_need_the_session_token_and_images_stay_in_the_report(station):
    import json
    import urllib.error
    import urllib.request

    _, url, state = station
    request = urllib.request.Request(url + "api/done", data=json.dumps({"doc_id": "x"}).encode(),
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as outside:
        urllib.request.urlopen(url + "report/..%2F..%2Fformscan.sqlite", timeout=10)
    assert outside.value.code == 404
    assert len(state.token) >= 24 and "127.0.0.1" in url


@pytest.mark.ocr
@pytest.mark.browser
def test_a_reviewer_clears_a_whole_queue_with_the_keyboard(scanned, browser, tmp_path):
    """The generated sample batch (every kind of trouble a scan room sends): Ctrl+Enter on each
    document in turn, nothing else, and the queue is cleared; the marks are in the store."""
    import shutil as sh

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from pipeline.store import Store

    _, out, _ = scanned
    batch = tmp_path / "batch"
    sh.copytree(out, batch)
    server = serve(batch, default_contest(), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/")
        _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
        total = len(browser.find_elements(By.CSS_SELECTOR, "#queue li"))
        assert total >= 3
        for _ in range(total):
            browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)
            time.sleep(0.3)
        _wait(lambda: browser.find_element(By.ID, "cleared").text == f"已复核 {total} / {total} 份")
        assert all("done" in li.get_attribute("class")
                   for li in browser.find_elements(By.CSS_SELECTOR, "#queue li"))
    finally:
        server.shutdown()
        server.server_close()
    store = Store(batch)
    try:
        assert len(store.reviewed()) == total
    finally:
        store.close()

