"""The review station driven as a person would, in a real headless Chromium: keyboard first,
nothing typed ever dropped; and its server, which answers only its own page, by its own name,
with its session's token."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import read_jsonl, screenshot_path, wait_for

from pipeline import review
from pipeline.api import import_corrections, scan
from pipeline.batch import BatchOptions
from pipeline.contest import default_contest
from pipeline.model import (
    EntryStatus,
    Field,
    Flag,
    FlagKind,
    FormType,
    Location,
    ManifestEntry,
    Mark,
    Origin,
    Record,
)
from pipeline.pictures import pictures
from pipeline.review import serve
from pipeline.store import Store

ROOT = Path(__file__).resolve().parents[1]
TEXT_PDF = ROOT / "samples" / "paper" / "submission_01.pdf"  # a work registration form
WRONG_UNIT = "中共晋中市委宝专部"  # as OCR can misread it
_wait = wait_for


@contextmanager
def serving(out: Path, **options):
    """The station of ``out`` running (on a free port unless told), stopped after."""
    server = serve(out, default_contest(), **{"port": 0, **options})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def wrong_unit(tmp_path_factory) -> Path:
    """submission_01.pdf read, its unit then set wrong by a sheet: a document that needs a
    person. Read once; each test serves a copy."""
    root = tmp_path_factory.mktemp("station")
    out = root / "out"
    scan([str(TEXT_PDF)], out, BatchOptions(progress=False, workers=1))
    sheet = root / "wrong.xlsx"
    sheet.write_bytes((out / "records.xlsx").read_bytes())
    book = openpyxl.load_workbook(sheet)
    header = [c.value for c in book.active[1]]
    book.active.cell(3, header.index("unit") + 1).value = WRONG_UNIT
    book.save(sheet)
    import_corrections(sheet, out, default_contest())
    return out


@pytest.fixture
def station(wrong_unit, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(wrong_unit, out)
    with serving(out, who="测试员") as server:
        yield out, f"http://127.0.0.1:{server.server_address[1]}/", server.station


@pytest.fixture
def demo(demo_batch, tmp_path):
    """A copy of the demo batch (pairs, a missing signature, clauses, a duplicate) served."""
    out = tmp_path / "demo"
    shutil.copytree(demo_batch, out)
    with serving(out) as server:
        yield out, f"http://127.0.0.1:{server.server_address[1]}/"


def _records(out: Path) -> dict[str, dict]:
    return {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}


def _field(browser, key: str):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'.value[data-field="{key}"]')


def _click(browser, css: str) -> None:
    """Click an element of a page that may redraw it just then (a save answered)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for _ in range(10):
        try:
            browser.find_element(By.CSS_SELECTOR, css).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.3)
    raise AssertionError(f"{css} kept being redrawn")


def _retype(element, text: str, *then: str) -> None:
    """Type over a field's value; ``element`` may be a callable finding it again, for a page
    that may redraw just then (after a document is marked done)."""
    from selenium.common.exceptions import (
        ElementNotInteractableException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.keys import Keys

    for _ in range(10):
        field = element() if callable(element) else element
        try:
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(Keys.DELETE, text, *then)
            return
        except (StaleElementReferenceException, ElementNotInteractableException):
            # Replaced, or not yet shown, by a redraw that was under way: found again.
            if not callable(element):
                raise
            time.sleep(0.3)
    raise AssertionError("the field kept being redrawn")


SPY = """window.sent = []; window.answered = 0;
const real = window.fetch;
window.fetch = async (url, init) => {
  if (init && init.body) window.sent.push(JSON.parse(init.body));
  try { return await real(url, init); } finally { window.answered += 1; }
};"""


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
        assert total >= 2
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



@pytest.mark.ocr
@pytest.mark.browser
def test_leaving_a_field_saves_it_whichever_way_it_is_left(station, browser):
    """Tab, a click elsewhere, ↓ and Ctrl+Enter each keep what was typed (Ctrl+Enter before
    it marks the document done); the synopsis is a textarea whose Enter is a new line."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from pipeline.store import Store

    out, url, _ = station
    browser.get(url)
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
    doc_id = browser.find_element(By.CSS_SELECTOR, "#queue li").get_attribute("data-doc")
    _retype(lambda: _field(browser, "unit"), "中共晋中市委宣传部", Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)  # at once: no wait
    _wait(lambda: "done" in browser.find_element(By.CSS_SELECTOR, "#queue li")
          .get_attribute("class"))
    record = _records(out)[doc_id]
    assert record["fields"]["unit"]["value"] == "中共晋中市委宣传部"
    assert record["fields"]["unit"]["corrected"] and "unknown_unit" not in record["flags"]
    with Store(out, read_only=True) as store:
        assert doc_id in store.reviewed()

    _retype(lambda: _field(browser, "date"), "2023-09-01", Keys.CONTROL, Keys.ENTER)  # never left
    _wait(lambda: _records(out)[doc_id]["fields"]["date"]["value"] == "2023-09-01")

    _retype(lambda: _field(browser, "contact"), "王小明")
    _click(browser, "#heading")  # a click elsewhere
    _wait(lambda: _records(out)[doc_id]["fields"]["contact"]["value"] == "王小明")

    _retype(lambda: _field(browser, "phone"), "13912345678", Keys.ARROW_DOWN)
    _wait(lambda: _records(out)[doc_id]["fields"]["phone"]["value"] == "13912345678")

    synopsis = _field(browser, "synopsis")
    assert synopsis.tag_name == "textarea"
    _retype(synopsis, "第一行")
    synopsis.send_keys(Keys.ENTER, "第二行")
    assert synopsis.get_attribute("value") == "第一行\n第二行"  # Enter: a new line, not a save
    synopsis.send_keys(Keys.CONTROL, "s")
    _wait(lambda: "第二行" in (_records(out)[doc_id]["fields"]["synopsis"]["value"] or ""))
    assert "第一行" in _records(out)[doc_id]["fields"]["synopsis"]["value"]
    # The store has it before the page hears back: the page then shows nothing left unsaved.
    _wait(lambda: not browser.find_elements(By.CSS_SELECTOR, ".value.unsaved, .value.draft"))
    assert browser.find_element(By.ID, "error").text == ""


@pytest.mark.ocr
@pytest.mark.browser
def test_a_refused_save_keeps_what_was_typed_marked_unsaved(station, browser):
    """A scan holds the batch: the change is refused, said in Chinese, the text stays in its
    field marked unsaved, Ctrl+Enter does not mark the document done; once the batch is free,
    leaving the field again saves it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, url, _ = station
    browser.get(url)
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
    doc_id = browser.find_element(By.CSS_SELECTOR, "#queue li").get_attribute("data-doc")
    holder = Store(out)  # as a scan does while it reads
    try:
        _retype(lambda: _field(browser, "unit"), "中共晋中市委宣传部", Keys.TAB)
        _wait(lambda: "unsaved" in _field(browser, "unit").get_attribute("class"))
        said = browser.find_element(By.ID, "error").text
        assert said.startswith("未保存：") and "正被另一个 formscan 使用" in said
        assert _field(browser, "unit").get_attribute("value") == "中共晋中市委宣传部"
        browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)
        time.sleep(1.5)
        assert "done" not in browser.find_element(By.CSS_SELECTOR, "#queue li").get_attribute(
            "class")
        assert _field(browser, "unit").get_attribute("value") == "中共晋中市委宣传部"
    finally:
        holder.close()
    assert _records(out)[doc_id]["fields"]["unit"]["value"] == WRONG_UNIT
    _field(browser, "unit").click()
    browser.switch_to.active_element.send_keys(Keys.TAB)
    _wait(lambda: _records(out)[doc_id]["fields"]["unit"]["value"] == "中共晋中市委宣传部")
    _wait(lambda: "unsaved" not in _field(browser, "unit").get_attribute("class"))
    assert browser.find_element(By.ID, "error").text == ""


@pytest.mark.ocr
@pytest.mark.browser
def test_a_value_changed_since_it_was_shown_is_said_and_reloaded_keeping_the_typing(
        station, browser):
    """Every correction carries what the page showed; refused as changed since (409
    changed_since), the page says so, shows the document as stored now, and keeps what the
    clerk typed in its field, marked unsaved, until Enter keeps it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, url, state = station
    browser.get(url)
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
    doc_id = browser.find_element(By.CSS_SELECTOR, "#queue li").get_attribute("data-doc")
    # Until #22's backend refuses so itself, the page is answered as it will be, once.
    browser.execute_script(SPY + """
      const spied = window.fetch; window.refuse = true;
      window.fetch = (url, init) => {
        if (url === "/api/correct" && window.refuse) {
          window.refuse = false; window.sent.push(JSON.parse(init.body));
          return Promise.resolve(new Response(JSON.stringify(
            {error: "此栏在你打开后已被更改", code: "changed_since"}),
            {status: 409, headers: {"Content-Type": "application/json"}}));
        }
        return spied(url, init);
      };""")
    state.correct(doc_id, "date", "2023-09-01")  # another clerk, meanwhile
    _retype(lambda: _field(browser, "unit"), "中共晋中市委宣传部", Keys.TAB)
    _wait(lambda: "重新载入" in browser.find_element(By.ID, "error").text)
    assert "此栏在你打开后已被更改" in browser.find_element(By.ID, "error").text
    assert browser.execute_script("return window.sent") == [
        {"doc_id": doc_id, "field": "unit", "value": "中共晋中市委宣传部", "shown": WRONG_UNIT}]
    unit = _field(browser, "unit")
    assert unit.get_attribute("value") == "中共晋中市委宣传部"
    assert "unsaved" in unit.get_attribute("class")
    assert _field(browser, "date").get_attribute("value") == "2023-09-01"  # as stored now
    unit.click()
    browser.switch_to.active_element.send_keys(Keys.ENTER)  # the clerk keeps it
    _wait(lambda: _records(out)[doc_id]["fields"]["unit"]["value"] == "中共晋中市委宣传部")
    assert browser.execute_script("return window.sent")[-1]["shown"] == WRONG_UNIT
    assert _records(out)[doc_id]["fields"]["date"]["value"] == "2023-09-01"


def _open(browser, url: str, doc_id: str) -> None:
    """The station at ``url`` showing ``doc_id`` (clicked in the queue), requests spied on."""
    from selenium.webdriver.common.by import By

    browser.get(url)
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#queue li"))
    browser.find_element(By.CSS_SELECTOR, f'#queue li[data-doc="{doc_id}"]').click()
    _wait(lambda: "current" in browser.find_element(
        By.CSS_SELECTOR, f'#queue li[data-doc="{doc_id}"]').get_attribute("class"))
    browser.execute_script(SPY)


def _answered(browser, n: int) -> None:
    _wait(lambda: browser.execute_script("return window.answered") >= n)


def _alt(browser, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(browser).key_down(Keys.ALT).send_keys(key).key_up(Keys.ALT).perform()


@pytest.mark.ocr
@pytest.mark.browser
def test_each_verdict_is_overruled_by_its_key_through_one_request(demo, browser):
    """Signature, seal, a clause, sent twice, the form type and a flag's dismissal: each one
    POST /api/correct with the key and value #22's backend reads, and what the page showed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    out, url = demo
    doc_id, record = next((k, r) for k, r in _records(out).items()
                          if {"missing_signature", "duplicate"} <= set(r["flags"]))
    _open(browser, url, doc_id)
    keys = browser.find_element(By.ID, "keys").text
    assert all(k in keys for k in ("Alt+S 签名", "Alt+Z 盖章", "Alt+T 表格类型", "Alt+D"))
    yes_no = {True: "yes", False: "no"}
    seal = yes_no[record["seal"]["present"]]
    clause = yes_no[next(c["present"] for c in record["consent"] if c["clause"] == 2)]

    flag = browser.find_element(By.CSS_SELECTOR, '#todo .flag[data-flag="missing_signature"]')
    assert flag.text.startswith("缺签名")
    flag.find_element(By.CSS_SELECTOR, "button.dismiss").click()
    reason = browser.find_element(By.CSS_SELECTOR, "#todo input.reason")
    assert reason.get_attribute("value") == "已核对原件"
    reason.send_keys(Keys.END, "：签在背面", Keys.ENTER)
    _answered(browser, 1)
    for n, key in enumerate("sz2d", start=2):
        _alt(browser, key)
        _answered(browser, n)
    Select(browser.find_element(By.ID, "form-type")).select_by_value("unknown")
    _answered(browser, 6)
    assert browser.find_element(By.CSS_SELECTOR, '#form-type option[value="unknown"]').text == (
        "非比赛表格")
    flip = {"yes": "no", "no": "yes"}
    assert browser.execute_script("return window.sent") == [
        {"doc_id": doc_id, "field": "dismiss:missing_signature", "value": "已核对原件：签在背面",
         "shown": None},
        {"doc_id": doc_id, "field": "signature", "value": "yes", "shown": "no"},
        {"doc_id": doc_id, "field": "seal", "value": flip[seal], "shown": seal},
        {"doc_id": doc_id, "field": "clause:2", "value": flip[clause], "shown": clause},
        {"doc_id": doc_id, "field": "duplicate", "value": "no", "shown": "yes"},
        {"doc_id": doc_id, "field": "form_type", "value": "unknown",
         "shown": "work_authorization"},
    ]


@pytest.mark.ocr
@pytest.mark.browser
def test_a_signature_overruled_in_the_station_is_kept(demo, browser):
    """有 for a signature the machine missed: the record has it, the flag is gone."""
    from selenium.webdriver.common.by import By

    out, url = demo
    doc_id = next(k for k, r in _records(out).items() if "missing_signature" in r["flags"])
    _open(browser, url, doc_id)
    _click(browser, '[data-control="signature"][data-value="yes"]')
    _answered(browser, 1)
    record = _records(out)[doc_id]
    assert record["signature"]["present"] and "missing_signature" not in record["flags"]
    assert browser.find_element(By.CSS_SELECTOR, '[data-control="signature"][data-value="yes"]'
                                ).get_attribute("aria-pressed") == "true"


def _box(browser, element) -> dict:
    return browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)


def _loaded(browser, image) -> bool:
    return browser.execute_script("return arguments[0].complete && arguments[0].naturalHeight > 0",
                                  image)


@pytest.mark.ocr
@pytest.mark.browser
def test_the_station_draws_crops_readable_in_a_table_inside_the_window(demo, browser, tmp_path):
    """Every crop at least 24 px high and inside its column, field names on one line, the
    whole table (the other copy's column last) inside the window, confidences rounded, a page
    no form was found on named by its file; the thumbnail enlarges. (docs/pictures/review.png
    is taken by `make docs`.)"""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, url = demo
    browser.get(url)
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#fields img.crop"))
    crops = browser.find_elements(By.CSS_SELECTOR, "#fields img.crop")
    _wait(lambda: all(_loaded(browser, c) for c in crops))
    width = browser.execute_script("return document.documentElement.clientWidth")
    heads = browser.find_elements(By.CSS_SELECTOR, "#fields thead th")
    assert heads[-1].text == "电子版" and _box(browser, heads[-1])["right"] <= width
    assert _box(browser, browser.find_element(By.ID, "fields"))["right"] <= width
    for image in crops:
        box, cell = _box(browser, image), _box(browser, image.find_element(By.XPATH, ".."))
        assert box["height"] >= 24 and box["right"] <= cell["right"], image.get_attribute("src")
    for name in browser.find_elements(By.CSS_SELECTOR, "#fields tbody tr[data-field] > th"):
        assert browser.execute_script(
            "const s = getComputedStyle(arguments[0]); return arguments[0].scrollWidth <= "
            "arguments[0].clientWidth && arguments[0].getClientRects().length === 1", name)
    assert all(c.text.endswith("%") and c.text[:-1].isdigit()
               for c in browser.find_elements(By.CSS_SELECTOR, "#fields td.conf"))
    # The demo's page that is no contest form (envelope_01.pdf page 1) is no work for the
    # station: it stands in the report's 其他文件, not in the queue.
    queued = {li.get_attribute("data-doc") for li in
              browser.find_elements(By.CSS_SELECTOR, "#queue li")}
    others = {d for d, r in _records(out).items() if r["status"] == "not_a_form"}
    assert others and not queued & others
    assert not any(li.text.startswith("未识别的文件")
                   for li in browser.find_elements(By.CSS_SELECTOR, "#queue li"))

    shot = screenshot_path("review.png", tmp_path)
    browser.save_screenshot(str(shot))
    image = cv2.imread(str(shot))
    title = browser.find_element(By.CSS_SELECTOR, '#fields img.crop[data-crop="title"]')
    box = _box(browser, title)
    assert box["height"] >= 24 and box["bottom"] <= image.shape[0]
    x, y, w, h = (round(box[k]) for k in ("x", "y", "width", "height"))
    shown = image[y + 2:y + h - 2, x + 2:x + w - 2]
    saved = cv2.imread(str(out / title.get_attribute("src").split("/", 3)[3]))
    saved = cv2.resize(saved, (w, h))[2:-2, 2:-2]
    assert cv2.matchTemplate(shown, saved, cv2.TM_CCOEFF_NORMED).max() > 0.9

    browser.find_element(By.CSS_SELECTOR, ".thumb-button").click()
    big = browser.find_element(By.CSS_SELECTOR, "#big img")
    _wait(lambda: big.is_displayed() and _box(browser, big)["height"] > 600)
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    _wait(lambda: not big.is_displayed())


# --- the server: by its own name, with its token, its page and pictures only -------------
@pytest.fixture
def tiny(tmp_path) -> Path:
    """A batch of one document, written directly (no OCR): a page, a crop, a flag."""
    out = tmp_path / "out"
    page = np.full((842, 595, 3), 255, np.uint8)
    cv2.putText(page, "FORM", (100, 130), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    record = Record("doc1", Origin.PAPER, FormType.WORK_REGISTRATION, Location("x.pdf", [1]),
                    fields={"title": Field("回家", 0.9997, 1, [90, 100, 300, 140])},
                    signature=Mark(False, 0.9), flags=[Flag(FlagKind.MISSING_SIGNATURE)])
    record.update_status()
    with Store(out) as store, store.transaction():
        store.put_record(record)
        store.put_pictures(record.doc_id, pictures(record, page))
        store.put_entry(ManifestEntry("x.pdf", 1, EntryStatus.OK, doc_id="doc1"))
    (out / "report" / "notes.txt").write_text("not a picture", encoding="utf-8")
    return out


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def _post(url: str, body: dict, **headers: str) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_only_requests_addressed_to_the_station_by_its_name_are_answered(tiny):
    """DNS rebinding: a page of evil.example, its name pointed at 127.0.0.1, reaches the port
    but names its own host: 403, and no token."""
    with serving(tiny) as server:
        port, token = server.server_address[1], server.station.token
        url = f"http://127.0.0.1:{port}/"
        status, body = _get(url, Host=f"evil.example:{port}")
        assert status == 403 and token.encode() not in body
        assert _get(url + "api/queue", Host=f"evil.example:{port}", **{"X-Token": token})[0] == 403
        assert _post(url + "api/done", {"doc_id": "doc1"}, Host=f"evil.example:{port}",
                     **{"X-Token": token}) == 403
        assert _get(url, Host="127.0.0.1")[0] == 403  # another port (80)
        for name in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
            status, body = _get(url, Host=name)
            assert status == 200 and token.encode() in body, name
    with serving(tiny, host="127.0.0.2") as server:  # --host: the name given is the name
        port = server.server_address[1]
        assert _get(f"http://127.0.0.2:{port}/")[0] == 200
        assert _get(f"http://127.0.0.2:{port}/", Host=f"evil.example:{port}")[0] == 403


def test_every_api_request_needs_the_session_token_reads_too(tiny):
    with serving(tiny) as server:
        url, token = f"http://127.0.0.1:{server.server_address[1]}/", server.station.token
        for path in ("api/queue", "api/document?doc_id=doc1"):
            assert _get(url + path)[0] == 403
            assert _get(url + path, **{"X-Token": token[:-1]})[0] == 403
            status, body = _get(url + path, **{"X-Token": token})
            assert status == 200 and "回家" in body.decode()
        status, body = _get(url + "api/document?doc_id=nope", **{"X-Token": token})
        assert status == 404 and "本批次中没有文件 nope" in json.loads(body)["error"]
        assert _post(url + "api/done", {"doc_id": "doc1"}) == 403
        assert _post(url + "api/correct", {"doc_id": "doc1", "field": "title", "value": "x"},
                     **{"X-Token": "guess"}) == 403
        with Store(tiny, read_only=True) as store:
            assert not store.reviewed() and store.record("doc1").value("title") == "回家"


def test_the_station_serves_its_page_and_the_batchs_pictures_only(tiny):
    with serving(tiny) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        status, body = _get(url + "report/thumbs/doc1.jpg")
        assert status == 200 and body[:2] == b"\xff\xd8"
        assert _get(url + "report/crops/doc1-title.jpg")[0] == 200
        for path in ("report/notes.txt", "report/..%2Fformscan.sqlite", "report/../records.jsonl",
                     "formscan.sqlite", "records.jsonl", "report/", "favicon.ico"):
            assert _get(url + path)[0] == 404, path


def test_a_second_station_on_the_default_port_starts_on_another_free_one(tiny):
    """`formscan review` twice: the second is told the port is taken and serves elsewhere
    (server_address says where: the command prints it); a port asked for is not replaced."""
    with serving(tiny, port=review.DEFAULT_PORT) as first, \
            serving(tiny, port=review.DEFAULT_PORT) as second:
        ports = first.server_address[1], second.server_address[1]
        assert review.DEFAULT_PORT not in ports[1:] and ports[0] != ports[1]
        for port, server in zip(ports, (first, second), strict=True):
            status, body = _get(f"http://127.0.0.1:{port}/")
            assert status == 200 and server.station.token.encode() in body
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            serve(tiny, default_contest(), port=taken.getsockname()[1])


def test_a_correction_from_a_page_that_showed_an_older_value_is_refused(tiny):
    """Two clerks on one document: the second's page still shows the first value; its
    change is answered 409 (changed_since) and nothing is overwritten."""
    with serving(tiny, who="甲") as server:
        base = f"http://127.0.0.1:{server.server_address[1]}/api/correct"
        token = {"X-Token": server.station.token}
        first = {"doc_id": "doc1", "field": "title", "value": "新家", "shown": "回家"}
        assert _post(base, first, **token) == 200
        second = {"doc_id": "doc1", "field": "title", "value": "旧家", "shown": "回家"}
        assert _post(base, second, **token) == 409
    with Store(tiny, read_only=True) as store:
        assert store.record("doc1").value("title") == "新家"
