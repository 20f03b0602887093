"""Archives: the members of a zip or a .7z, each read on its own.

A member that cannot be read — encrypted (the password is the unit's), packed with a method
no maintained library here reads (Deflate64, Implode, PPMd), damaged (a bad deflate or LZMA
stream, a CRC that does not match), or named to land outside the folder it is unpacked to
(``../``, an absolute path) — is a member with a reason; the members beside it are read. Only
what stops the whole archive (its listing unreadable, too many members, over the limits)
raises.

**Limits** are checked from the listings, before anything is unpacked: what the archives
inside one attachment unpack to together (an archive inside an archive counts with its
parents: :class:`Budget`) may not pass ``Limits.max_bytes``. Members are streamed: a
member that is no document (zeros, a text file) is told from its first bytes and never
unpacked whole, so memory follows what is read, not what an archive claims to hold.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from pipeline.errors import Code, InputError, Reason
from pipeline.filetypes import HEAD_BYTES, Kind, sniff
from pipeline.limits import Limits
from pipeline.mail.kinds import TNEF_SIGNATURE, looks_like_mail

ENTRIES = 500  # members of one archive
ENTRIES_NESTED = 5_000  # members of the archives inside one attachment, all together
# Compression methods zipfile reads: stored, deflate, bzip2, LZMA.
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_METHOD_NAMES = {1: "Shrink", 6: "Implode", 9: "Deflate64", 10: "PKWARE Implode",
                     18: "IBM TERSE", 19: "IBM LZ77", 93: "Zstandard", 95: "XZ", 96: "JPEG",
                     97: "WavPack", 98: "PPMd", 99: "AES"}
# What a damaged member's decoder raises (zipfile, zlib, bz2, lzma, py7zr).
_DAMAGE = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError)
# Kinds a member is no document of, told from its first bytes: it is not unpacked whole.
_TOLD_BY_HEAD = {None, Kind.RTF, Kind.RAR}


def _no_document(head: bytes) -> bool:
    """A member whose first bytes say it holds no document: neither a file kind that may be
    one, nor a message or winmail.dat (whose attachments may be)."""
    return (sniff(head) in _TOLD_BY_HEAD and not head.startswith(TNEF_SIGNATURE)
            and not looks_like_mail(head))


# Member reasons that name the archive's kind themselves (the others are said inside
# ``Code.ARCHIVE``: "7z 压缩包：…").
NAMES_ITS_KIND = frozenset({Code.ARCHIVE_PASSWORD, Code.ARCHIVE_METHOD})


@dataclass
class Member:
    """One file of an archive: its content, or why it is not read (``data`` is then what
    was read of it, at most its first bytes)."""

    name: str  # as the archive's writer meant it
    data: bytes
    reason: Reason | None = None


class Budget:
    """What the archives inside one attachment may unpack to, all together: bytes (an
    archive inside an archive counts with its parents) and members."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used, self.members = limit, 0, 0

    def take(self, size: int, count: int) -> None:
        """An archive's listing, before any of it is unpacked. Raises InputError when it is
        over the limits on its own, or with the archives taken before it (it is then not
        read; those before it were)."""
        if count > ENTRIES:
            raise InputError(Code.ARCHIVE_TOO_MANY, count=count, limit=ENTRIES)
        if self.members + count > ENTRIES_NESTED:
            raise InputError(Code.ARCHIVE_TOO_MANY, count=self.members + count,
                             limit=ENTRIES_NESTED)
        if self.used + size > self.limit:
            if not self.used:
                raise InputError(Code.OVER_UNPACKED, mb=_mb(size), limit=_mb(self.limit))
            raise InputError(Code.OVER_UNPACKED_NESTED, mb=_mb(self.used + size),
                             limit=_mb(self.limit))
        self.used += size
        self.members += count


def _mb(size: int) -> int:
    return round(size / 1024 ** 2)


def kind_of(data: bytes) -> str:
    """An archive's kind as a person names it: zip or 7z."""
    return "7z" if sniff(data[:16]) is Kind.SEVEN_Z else "zip"


def members(data: bytes, limits: Limits, budget: Budget | None = None) -> list[Member]:
    """The files of a zip or a .7z, names decoded as the writer meant them, each with its
    content or the reason it is not read. Raises InputError for the archive as a whole
    (damaged listing, too many members, over the limits: checked before unpacking)."""
    budget = budget or Budget(limits.max_bytes)
    if sniff(data[:16]) is Kind.SEVEN_Z:
        return _seven_z(data, budget)
    return _zip(data, budget)


def unsafe(name: str) -> bool:
    """A member name that would land outside the folder it is unpacked to."""
    posix, windows = PurePosixPath(name.replace("\\", "/")), PureWindowsPath(name)
    return (posix.is_absolute() or bool(windows.drive) or windows.is_absolute()
            or ".." in posix.parts)


def _zip(data: bytes, budget: Budget) -> list[Member]:
    from pipeline.mail.messages import member_name  # the one decoder of zip names

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(Code.DAMAGED, why=str(exc)) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        budget.take(sum(i.file_size for i in infos), len(infos))
        return [_zip_member(archive, info, member_name(info)) for info in infos]


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Member:
    if unsafe(info.filename):
        return Member(name, b"", Reason(Code.ARCHIVE_UNSAFE_MEMBER, {"name": name}))
    if info.flag_bits & 0x1 or info.compress_type == 99:  # ZipCrypto, or WinZip's AES
        return Member(name, b"", Reason(Code.ARCHIVE_PASSWORD, {"kind": "zip"}))
    if info.compress_type not in _ZIP_METHODS:
        method = _ZIP_METHOD_NAMES.get(info.compress_type, str(info.compress_type))
        return Member(name, b"", Reason(Code.ARCHIVE_METHOD, {"kind": "zip", "method": method}))
    try:
        with archive.open(info) as stream:
            head = stream.read(HEAD_BYTES)
            if _no_document(head):
                return Member(name, head)  # no document: told by what it starts with
            return Member(name, head + stream.read())  # the CRC is checked at the end
    except (*_DAMAGE, RuntimeError, NotImplementedError) as exc:
        return Member(name, b"", Reason(Code.DAMAGED, {"why": _why(exc)}))


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


class _Kept:
    """A .7z member as py7zr unpacks it: its first bytes, and the rest only where the first
    bytes say it may be a document."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.whole: bool | None = None  # None: not yet told
        self.done = False

    def write(self, s: bytes | bytearray) -> int:
        if self.whole is not False:
            self.chunks.append(bytes(s))
            if self.whole is None and self.size + len(s) >= HEAD_BYTES:
                self.whole = not _no_document(b"".join(self.chunks)[:HEAD_BYTES])
        self.size += len(s)
        return len(s)

    def data(self) -> bytes:
        joined = b"".join(self.chunks)
        return joined if self.whole is not False else joined[:HEAD_BYTES]

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        pass

    def close(self) -> None:  # py7zr calls it when a member is unpacked whole and checked
        self.done = True


def _seven_z(data: bytes, budget: Budget) -> list[Member]:
    """A .7z's members through py7zr, unpacked in memory (nothing is written to disk). A
    damaged member is found by unpacking again without it: the members after it in the same
    solid block are tried again, those of other blocks are read."""
    import py7zr
    from py7zr.exceptions import PasswordRequired
    from py7zr.io import Py7zIO, WriterFactory

    class Factory(WriterFactory):
        def __init__(self) -> None:
            self.made: dict[str, _Kept] = {}
            self.order: list[str] = []

        def create(self, filename: str) -> Py7zIO:
            self.made[filename] = _Kept()
            self.order.append(filename)
            return self.made[filename]  # type: ignore[return-value]

    Py7zIO.register(_Kept)
    damaged = (py7zr.exceptions.ArchiveError, *_DAMAGE, RuntimeError, KeyError)
    try:
        archive = py7zr.SevenZipFile(io.BytesIO(data))
    except PasswordRequired as exc:  # the listing itself is encrypted
        raise InputError(Code.ARCHIVE_PASSWORD, kind="7z") from exc
    except damaged as exc:
        raise InputError(Code.DAMAGED, why=str(exc)) from exc
    with archive:
        files = [f for f in archive.list() if not f.is_directory]
        budget.take(sum(f.uncompressed or 0 for f in files), len(files))
        if archive.needs_password():
            return [Member(f.filename, b"", Reason(Code.ARCHIVE_PASSWORD, {"kind": "7z"}))
                    for f in files]
        found: dict[str, Member] = {}
        for f in files:
            if unsafe(f.filename):
                found[f.filename] = Member(f.filename, b"", Reason(
                    Code.ARCHIVE_UNSAFE_MEMBER, {"name": f.filename}))
        todo = [f.filename for f in files if f.filename not in found]
        while todo:
            factory = Factory()
            try:
                archive.reset()
                archive.extract(targets=todo, factory=factory)
                failed = None
            except damaged as exc:
                failed = exc
            for name, kept in factory.made.items():
                if kept.done:
                    found.setdefault(name, Member(name, kept.data()))
            if failed is None:
                for name in todo:  # an empty member: no writer was made for it
                    found.setdefault(name, Member(name, b""))
                break
            # The member being unpacked when it failed (made, not finished): damaged.
            broken = [n for n in factory.order if not factory.made[n].done] or todo[:1]
            if isinstance(failed, py7zr.exceptions.CrcError) and len(failed.args) > 2 \
                    and failed.args[2] in todo:
                broken = [failed.args[2]]
            for name in broken:
                found[name] = Member(name, b"", Reason(Code.DAMAGED, {"why": _why(failed)}))
            todo = [n for n in todo if n not in found]
        return [found[f.filename] for f in files]
