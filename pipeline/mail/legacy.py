"""Legacy Word files (.doc, .wps as WPS writes them): converted to .docx with LibreOffice in
headless mode, then read like any .docx. LibreOffice is a program, not a Python package: where
it is not installed, the attachment is listed with what to install."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import Code, InputError

CONVERT_TIMEOUT = 120  # s: a small form converts in 2-5 s; a hung conversion fails alone


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes) -> bytes:
    """A legacy Word file converted to .docx. Raises InputError (LibreOffice missing, the
    conversion failing or hanging)."""
    if soffice() is None:
        raise InputError(Code.LEGACY_NO_OFFICE)
    try:
        converted = convert(data, "doc", "docx")
    except subprocess.TimeoutExpired as exc:
        raise InputError(Code.LEGACY_TIMEOUT, s=CONVERT_TIMEOUT) from exc
    if converted is None:
        raise InputError(Code.LEGACY_FAILED)
    return converted


def convert(data: bytes, suffix: str, to: str) -> bytes | None:
    """A document converted by LibreOffice headless (``suffix`` what it is, ``to`` what it
    becomes: "doc", "docx"), or None when LibreOffice wrote nothing. Raises
    subprocess.TimeoutExpired."""
    with tempfile.TemporaryDirectory(prefix="formscan-doc-") as work:
        source = Path(work) / f"form.{suffix}"
        source.write_bytes(data)
        profile = Path(work) / "profile"  # its own profile: conversions never share a lock
        subprocess.run([soffice() or "soffice", f"-env:UserInstallation={profile.as_uri()}",
                        "--headless", "--convert-to", to, "--outdir", work, str(source)],
                       capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        converted = Path(work) / f"form.{to}"
        return converted.read_bytes() if converted.exists() else None
