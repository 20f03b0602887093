"""Shared fixtures: one generated sample set, scanned once with the real OCR engine; and
`make check`'s guard (FORMSCAN_FAST=1: tests/fastlane)."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from pipeline.api import scan
from pipeline.batch import BatchOptions
from samples.generate import generate
from scripts.browsing import wait_for  # noqa: F401 - the browser tests' import of it

E2E_SEED = 3
E2E_FORMS = 6
FASTLANE = Path(__file__).resolve().parent / "fastlane"
LOG_AT = pytest.StashKey[int]()  # where make check's refusals log stood when a test began


def pytest_configure(config):
    """FORMSCAN_FAST=1 (make check): the OCR engine, Chromium, LibreOffice and Ray refuse to
    start, here and in every Python process the tests start (tests/fastlane), and a test that
    made one refuse fails."""
    sys.path.insert(0, str(FASTLANE))
    fast = importlib.import_module("fastlane")
    if not fast.active():
        return
    log = tempfile.NamedTemporaryFile(prefix="formscan-fast-", suffix=".log", delete=False)
    log.close()
    os.environ[fast.LOG_ENV] = log.name
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(FASTLANE), *filter(None, [os.environ.get("PYTHONPATH")])])
    fast.install()
    # A plugin, not this conftest's hooks: those are not called for session fixtures.
    config.pluginmanager.register(FastLane(Path(log.name)), "formscan-fastlane")


class FastLane:
    """Reads the refusals log around each test and fixture: a test fails when it, or a fixture
    it uses (``scanned``, set up once for many), made a heavy component refuse -- also where the
    pipeline caught the refusal (a page failing alone in a worker process)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.heavy: dict[object, set[str]] = {}  # FixtureDef -> the markers it needs

    def _logged(self) -> int:
        return self.log.stat().st_size

    def _refused_since(self, at: int) -> set[str]:
        with self.log.open(encoding="utf-8") as fh:
            fh.seek(at)
            return {line.split("\t")[0] for line in fh.read().splitlines()}

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        at = self._logged()
        try:
            return (yield)
        finally:
            refused = self._refused_since(at)
            if refused:
                self.heavy[fixturedef] = refused

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        item.stash[LOG_AT] = self._logged()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.when == "teardown" and LOG_AT in item.stash:
            refused = self._refused_since(item.stash[LOG_AT])
            info = getattr(item, "_fixtureinfo", None)  # the fixtures a test function uses
            for defs in (info.name2fixturedefs.values() if info else ()):
                refused = refused.union(*(self.heavy.get(d, ()) for d in defs))
            if refused:
                report.outcome = "failed"
                report.longrepr = (f"{', '.join(sorted(refused))} started in make check "
                                   "(FORMSCAN_FAST=1): mark the test "
                                   + " ".join(f"@pytest.mark.{m}" for m in sorted(refused)))
        return report

    def pytest_unconfigure(self, config):
        self.log.unlink(missing_ok=True)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def sample_set(tmp_path_factory) -> Path:
    """A small generated batch (all three form types, bad inputs too) with its truth."""
    root = tmp_path_factory.mktemp("samples")
    generate(root, seed=E2E_SEED, n_forms=E2E_FORMS, email_dir=root.parent / f"{root.name}-email")
    return root


@pytest.fixture(scope="session")
def email_set(sample_set) -> Path:
    """The emailed copies of the same works (generated beside the paper set)."""
    return sample_set.parent / f"{sample_set.name}-email"


@pytest.fixture(scope="session")
def scanned(sample_set, tmp_path_factory):
    """The sample set scanned once into OUT by two worker processes: (samples, out, summary)."""
    out = tmp_path_factory.mktemp("out")
    summary = scan([str(sample_set)], out, BatchOptions(progress=False, workers=2))
    return sample_set, out, summary


@pytest.fixture
def copy_of(tmp_path):
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst

    return copy


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_batch(tmp_path_factory) -> Path:
    """The committed samples read as `make demo` reads them, paper and email reconciled, with
    the names it prints (samples/paper/…): pairs, differences, a missing signature, a page
    that is no form. Read once; a test that changes it works on a copy."""
    from pipeline.api import run

    out = tmp_path_factory.mktemp("demo") / "out"
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        run(out, ["samples/paper"], ["samples/email"], BatchOptions(progress=False, workers=2))
    finally:
        os.chdir(here)
    return out


@pytest.fixture
def browser():
    """A real headless Chromium (Debian's, with CJK fonts: `make browser`), 1400×1000."""
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


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """Where a test keeps a screenshot it checks: tmp_path. The pictures the README and the
    guide show (docs/pictures/) are taken by `make docs` (scripts/pictures.py)."""
    return tmp_path / name
