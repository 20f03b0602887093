"""`make check`'s guard (FORMSCAN_FAST=1): the heavy components refuse to start.

A test that reads a page with the real OCR engine, starts Chromium or chromedriver, converts
with LibreOffice or starts Ray must carry its marker (``ocr``, ``browser``, ``office``,
``ray``); `make check` deselects them, and this guard makes sure none slipped through: each
of those components raises RuntimeError instead of starting, and writes one line to the file
named by FORMSCAN_FAST_LOG, which tests/conftest.py reads after every test (a refusal the
pipeline catches -- a page that fails alone -- fails the test all the same).

It is installed in pytest's process by tests/conftest.py and in every Python process the
tests start (a ``formscan`` subprocess, the worker pool's spawned readers) by the
``sitecustomize`` beside it, since conftest puts this folder on PYTHONPATH. The real code has
no switch of its own: the components are patched where they start.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

ENV = "FORMSCAN_FAST"
LOG_ENV = "FORMSCAN_FAST_LOG"
# Programs the tests may not start in make check, and the marker a test that does must carry.
PROGRAMS = {"chromium": "browser", "chromium-browser": "browser", "google-chrome": "browser",
            "chrome": "browser", "chromedriver": "browser",
            "soffice": "office", "soffice.bin": "office", "libreoffice": "office"}
WHAT = {"ocr": "the OCR engine", "browser": "Chromium", "office": "LibreOffice",
        "ray": "Ray"}

_installed = False


def active() -> bool:
    return os.environ.get(ENV) == "1"


def refuse(marker: str, detail: str = "") -> RuntimeError:
    """The error for a component started in make check, logged for conftest to see."""
    message = (f"{WHAT[marker]} is not allowed in make check (FORMSCAN_FAST=1): mark the "
               f"test @pytest.mark.{marker}" + (f" ({detail})" if detail else ""))
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{marker}\t{os.getpid()}\t{detail}\n")
    return RuntimeError(message)


def _guard_ocr(module) -> None:
    """Every engine class of pipeline.ocr refuses to read (building one stays allowed: a batch
    makes its engine before it knows whether any page needs it)."""
    for cls in vars(module).values():
        if (isinstance(cls, type) and cls.__module__ == module.__name__
                and not getattr(cls, "_is_protocol", False)
                and hasattr(cls, "read_upright") and hasattr(cls, "recognize")):
            for method in ("read_upright", "recognize"):
                def refused(self, *args, _name=f"{cls.__name__}.{method}", **kwargs):
                    raise refuse("ocr", _name)

                setattr(cls, method, refused)


def _guard_ray(module) -> None:
    def init(*args, **kwargs):
        raise refuse("ray", "ray.init")

    module.init = init


def _guard_programs() -> None:
    """subprocess.Popen refuses Chromium, chromedriver (selenium starts it so) and
    LibreOffice."""
    start = subprocess.Popen.__init__

    def __init__(self, args, *rest, **kwargs):
        program = kwargs.get("executable") or (
            args if isinstance(args, str | bytes | os.PathLike) else args[0])
        text = os.fsdecode(program)
        if kwargs.get("shell") and text.split():
            text = text.split()[0]  # a shell line: its first word
        name = Path(text).name
        if name in PROGRAMS:
            raise refuse(PROGRAMS[name], name)
        start(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = __init__


GUARDS = {"pipeline.ocr": _guard_ocr, "ray": _guard_ray}


class _AfterImport:
    """A meta-path finder that patches a guarded module right after it is first executed."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in GUARDS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            GUARDS[fullname](module)

        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    """Patch what is loaded, and what will be, in this process (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    _guard_programs()
    for name, guard in GUARDS.items():
        if name in sys.modules:
            guard(importlib.import_module(name))
    sys.meta_path.insert(0, _AfterImport())
