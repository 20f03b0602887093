"""What the browser tests and the guide's pictures (scripts/pictures.py) both do in Chromium:
wait until a page shows something, and bring an element to the top of the view once the
pictures above it stop moving it."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], timeout: float = 30) -> None:
    """Until the page shows what ``predicate`` looks for (an element found a moment before
    the page redrew it is looked for again); AssertionError after ``timeout`` s."""
    from selenium.common.exceptions import StaleElementReferenceException

    end = time.time() + timeout
    while time.time() < end:
        try:
            if predicate():
                return
        except StaleElementReferenceException:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the page")


def to_the_top(browser: object, element: object, images: list) -> None:
    """``element`` scrolled to just under the report's controls, until it stays there and
    ``images`` (pictures loading above it move it) have all loaded."""

    def settled() -> bool:
        top = browser.execute_script(  # type: ignore[attr-defined]
            "const top = arguments[0].getBoundingClientRect().top"
            " - document.querySelector('.controls').offsetHeight - 8;"
            " scrollBy(0, top); return Math.abs(top) < 1", element)
        return top and all(loaded(browser, image) for image in images)

    wait_for(settled)


def loaded(browser: object, image: object) -> bool:
    """An <img> whose picture has arrived."""
    return browser.execute_script(  # type: ignore[attr-defined]
        "return arguments[0].complete && arguments[0].naturalHeight > 0", image)
