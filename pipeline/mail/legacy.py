"""Legacy Word files (.doc, .wps as WPS writes them): converted to .docx with LibreOffice in
headless mode, then read like any .docx. LibreOffice is a program, not a Python package: where
it is not installed, the attachment is listed with what to install."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import InputError

CONVERT_TIMEOUT = 120  # s: a small form converts in 2-5 s; a hung conversion fails alone
INSTALL = ("install LibreOffice to read .doc/.wps attachments (Debian/Ubuntu: `apt-get install "
           "libreoffice-writer-nogui`; Windows/macOS: libreoffice.org), or ask the unit for "
           ".docx or PDF")


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes) -> bytes:
    """A legacy Word file converted to .docx. Raises InputError (LibreOffice missing, the
    conversion failing or hanging)."""
    if soffice() is None:
        raise InputError(f"legacy Word .doc/.wps: {INSTALL}")
    try:
        converted = convert(data, "doc", "docx")
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"legacy Word file: LibreOffice took over {CONVERT_TIMEOUT} s to "
                         "convert it; ask the unit for .docx or PDF") from exc
    if converted is None:
        raise InputError("legacy Word file LibreOffice cannot convert (damaged?): ask the "
                         "unit for .docx or PDF")
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
