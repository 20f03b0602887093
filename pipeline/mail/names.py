"""Safe names for attachments: what a sender called a file never leaves ``OUT``.

Directory parts (``../``, ``/tmp/``, ``C:\\``) are dropped, control and format characters
(NUL, bidi overrides) removed, Windows-illegal characters replaced; Chinese is kept.
"""

from __future__ import annotations

import os
import re
import unicodedata

MAX_NAME_BYTES = 150  # a safe name's length in UTF-8 (file systems allow 255)
_WINDOWS_ILLEGAL = re.compile(r'[<>:"|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


class Names:
    """Safe names for the attachments of one input file, each used once."""

    def __init__(self) -> None:
        self.count = 0
        self.used: set[str] = set()

    def take(self, filename: str) -> str:
        self.count += 1
        name = safe_name(filename, self.count)
        stem, suffix = os.path.splitext(name)
        n = 1
        while name.lower() in self.used:
            n += 1
            name = f"{stem}-{n}{suffix}"
        self.used.add(name.lower())
        return name


def safe_name(filename: str, index: int = 1) -> str:
    """A file name that stays inside any folder it is joined to; Chinese is kept.

    Directory parts (``../``, ``/tmp/``, ``C:\\``) are dropped, control and format characters
    (NUL, bidi overrides) removed, Windows-illegal characters replaced; an empty or all-dot
    name becomes ``attachment-<index>.bin``.
    """
    text = unicodedata.normalize("NFC", filename or "")
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    text = re.sub(r"^[A-Za-z]:", "", text.replace("\\", "/"))
    parts = [p for p in text.split("/") if p.strip(". ")]
    name = _WINDOWS_ILLEGAL.sub("_", parts[-1] if parts else "").strip(" .")
    if not name:
        return f"attachment-{index}.bin"
    if _RESERVED.match(name):
        name = "_" + name
    stem, suffix = os.path.splitext(name)
    if len(suffix.encode()) > 16:
        stem, suffix = name, ""
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


