"""Sources: what the batch reads, as parts of input files that yield work items.

A source finds its input files and opens one at a time into :class:`Part`\\ s: a paper file
is one part (its pages), a mail file one part per attachment. Each part names the manifest
lines it will give (``keys``, its page numbers) before any page is decoded, so the runner can
skip what an earlier run finished and read only the rest; a part that gives no work item (an
unreadable attachment, a message without one) carries its one manifest line instead.

What reads each kind of attachment is one table, :data:`ATTACHMENT_READERS` (scans have
theirs in ``ingest.READERS``): a new kind is told apart in ``mail/kinds.py`` and read here.

The same page content has the same ``doc_id`` wherever it comes from: a paper page's pixels,
an attachment's bytes and page number.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline import imaging, ingest, mail, pdf
from pipeline.errors import Code, InputError, Reason
from pipeline.filetypes import HEAD_BYTES, discover, sniff
from pipeline.limits import Limits
from pipeline.mail import Attachment, AttachmentKind, SyntheticPage
from pipeline.model import Line, Origin, Route, Unreadable, WorkItem

Key = int | None  # a page number within a file or attachment; None for the whole of it


@dataclass
class Part:
    """A file, or one attachment of a mail file, as far as the manifest is concerned."""

    attachment: str | None  # as the manifest names it; None for a paper file itself
    keys: list[Key]  # the pages it gives when read
    read: Callable[[set[Key]], Iterator[WorkItem | Unreadable]] | None = None
    listing: Unreadable | None = None  # a part that is not read: its one manifest line
    keep: tuple[str, bytes] | None = None  # (safe name, content): a copy the store keeps
    notes: tuple[Reason, ...] = ()  # said on each of its manifest lines
    position: str | None = None  # an attachment's place in its message ("2", "2.1"); its key


class InputSource(Protocol):
    """A producer of work items for the batch runner."""

    origin: Origin
    label: str  # the progress bar's

    def discover(self, paths: list[str]) -> list[str]:
        """The input files under ``paths``."""

    def open(self, path: str) -> AbstractContextManager[list[Part]]:
        """The parts of one input file, open while the block runs. Raises InputError (with
        a skip's code for a file that is no input of this source at all)."""


class PaperSource:
    """Scans: PDFs, JPG/PNG/TIFF/BMP/HEIC/GIF/WebP (multi-page too), folders of them."""

    origin = Origin.PAPER
    label = "scanning"

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def discover(self, paths: list[str]) -> list[str]:
        return discover(paths)

    @contextmanager
    def open(self, path: str) -> Iterator[list[Part]]:
        with ingest.open_scan(path, self.limits) as scan:
            yield [Part(None, list(range(1, scan.count + 1)), read=scan.pages,
                        notes=scan.notes)]


class MailSource:
    """Emailed copies: .eml/.mbox/.msg files, folders of them, loose .docx/.pdf/.xlsx."""

    origin = Origin.EMAIL
    label = "email"

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def discover(self, paths: list[str]) -> list[str]:
        return discover(paths)

    @contextmanager
    def open(self, path: str) -> Iterator[list[Part]]:
        found = mail.read_mail(path, self.limits)
        if not found.attachments:  # a message without attachment (an mbox lists each one)
            reason = (Reason(Code.NO_ATTACHMENT_LINKS, {"links": found.links[:5]})
                      if found.links else Reason(Code.NO_ATTACHMENT))
            yield [Part(None, [None], listing=Unreadable(None, reason))]
            return
        with ExitStack() as stack:
            yield [_attachment_part(att, stack, self.limits) for att in found.attachments]


def _attachment_part(att: Attachment, stack: ExitStack, limits: Limits) -> Part:
    name, position = att.display, att.part or None
    if att.kind is AttachmentKind.UNREADABLE:
        if att.message is None and not att.whole and \
                Path(att.path).suffix.lower() not in mail.DOCUMENT_SUFFIXES:
            # A stray file among the mail (a list, a note): not an emailed copy at all.
            return Part(name, [None], listing=Unreadable(None, Reason(Code.NOT_MAIL_OR_DOCUMENT)),
                        position=position)
        return Part(name, [None], listing=Unreadable(
            None, att.reason or Reason(Code.ATTACHMENT_UNREADABLE)), position=position)
    part = ATTACHMENT_READERS[att.kind](att, stack, limits)
    return replace(part, attachment=name, keep=(att.safe_name, att.data), position=position,
                   read=_emailed(part.read), notes=tuple(_attached(n) for n in part.notes))


def _attached(reason: Reason) -> Reason:
    """A reason said of an emailed attachment: what to do is to ask the unit to send it again
    (``attached`` words it so), not to rescan."""
    return reason if reason.code is Code.ATTACHED else Reason(Code.ATTACHED, {"inner": reason})


def _emailed(read: Callable[[set[Key]], Iterator[WorkItem | Unreadable]] | None
             ) -> Callable[[set[Key]], Iterator[WorkItem | Unreadable]] | None:
    """An attachment's reader whose pages that cannot be read, and notes on those read (a
    JPEG cut short), are said of an emailed attachment."""
    if read is None:
        return None

    def emailed(todo: set[Key]) -> Iterator[WorkItem | Unreadable]:
        for got in read(todo):
            if isinstance(got, Unreadable):
                yield replace(got, reason=_attached(got.reason))
            else:
                got.notes = tuple(_attached(n) for n in got.notes)
                yield got

    return emailed


def _listed(reason: Reason, route: Route = Route.NONE) -> Part:
    return Part(None, [None], listing=Unreadable(None, reason, route))


def _image_part(att: Attachment, stack: ExitStack, limits: Limits) -> Part:
    """A photo or scan of a form sent by mail: one page, read by OCR like paper (an
    animated GIF or WebP by its first frame, noted)."""
    kind = sniff(att.data[:HEAD_BYTES])
    try:
        header = limits.check_header(io.BytesIO(att.data), kind)
    except InputError as exc:
        return _listed(Reason(Code.ATTACHED, {"inner": exc.reason}))

    def read(todo: set[Key]) -> Iterator[WorkItem | Unreadable]:
        decoded = imaging.decode(att.data)
        if decoded.image is None:
            yield Unreadable(None, Reason(Code.ATTACHED, {"inner": Reason(
                Code.IMAGE_UNDECODABLE, {"kind": kind.value.upper()})}))
            return
        yield _item(att, None, Route.OCR, image=decoded.image,
                    notes=ingest.decoded_notes(decoded))

    return Part(None, [None], read=read, notes=ingest.header_notes(kind, header))


def _pdf_part(att: Attachment, stack: ExitStack, limits: Limits) -> Part:
    try:
        doc = stack.enter_context(pdf.opened(data=att.data))
        limits.check_pages(doc.page_count)
    except InputError as exc:
        return _listed(Reason(Code.ATTACHED, {"inner": exc.reason}))

    def item(number: int, image: np.ndarray, lines: list[Line], witness: list[Line]
             ) -> WorkItem:
        route = Route.TEXT_LAYER if lines else Route.OCR
        return _item(att, number, route, image=image, lines=lines, witness=witness)

    return Part(None, list(range(1, doc.page_count + 1)),
                read=lambda todo: pdf.pages(doc, todo, limits, item))


def _legacy_part(att: Attachment, stack: ExitStack, limits: Limits) -> Part:
    """A .doc/.wps converted to .docx by LibreOffice, then read like one."""
    try:
        converted = replace(att, data=mail.legacy_to_docx(att.data), kind=AttachmentKind.DOCX)
    except InputError as exc:
        return _listed(exc.reason)
    return _docx_part(converted, stack, limits)


def _office_part(route: Route, read_pages: Callable[[bytes], list[SyntheticPage]]
                 ) -> Callable[[Attachment, ExitStack, Limits], Part]:
    """A Word or Excel file laid out on synthetic pages (several forms in one Word file are
    numbered like pages)."""
    def part(att: Attachment, stack: ExitStack, limits: Limits) -> Part:
        try:
            limits.check_unpacked(att.data)
        except InputError as exc:
            return _listed(exc.reason, route)
        try:
            pages = read_pages(att.data)
        except Exception as exc:  # noqa: BLE001 - python-docx/openpyxl raise assorted errors
            return _listed(Reason(Code.DOCUMENT_UNREADABLE,
                                  {"why": f"{type(exc).__name__}: {exc}"}), route)
        keys: list[Key] = list(range(1, len(pages) + 1)) if len(pages) > 1 else [None]

        def read(todo: set[Key]) -> Iterator[WorkItem]:
            for key, page in zip(keys, pages):
                if key in todo:
                    yield _item(att, key, route, lines=page.lines, cells=page.cells,
                                size=page.size)

        return Part(None, keys, read=read)

    return part


_docx_part = _office_part(Route.DOCX, lambda data: mail.docx_pages(data))
# What reads each kind of attachment (unreadable ones are listed with their reason).
ATTACHMENT_READERS: dict[AttachmentKind, Callable[[Attachment, ExitStack, Limits], Part]] = {
    AttachmentKind.IMAGE: _image_part,
    AttachmentKind.PDF: _pdf_part,
    AttachmentKind.LEGACY_WORD: _legacy_part,
    AttachmentKind.DOCX: _docx_part,
    AttachmentKind.XLSX: _office_part(Route.XLSX, lambda data: [mail.xlsx_page(data)]),
}


def _item(att: Attachment, page: Key, route: Route, **content: object) -> WorkItem:
    """A work item of an attachment; its ``doc_id`` hashes the attachment's bytes and page."""
    digest = hashlib.sha256(att.data + (str(page).encode() if page else b""))
    return WorkItem(att.path, page, Origin.EMAIL, route, digest.hexdigest()[:ingest.DOC_ID_LEN],
                    attachment=att.display, message=att.message, part=att.part or None,
                    **content)
