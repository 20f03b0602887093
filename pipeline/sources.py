"""Sources: what the batch reads, as parts of input files that yield work items.

A source finds its input files and opens one at a time into :class:`Part`\\ s: a paper file
is one part (its pages), a mail file one part per attachment. Each part names the manifest
lines it will give (``keys``, its page numbers) before anything is decoded, so the runner can
skip what an earlier run finished and read only the rest; a part that gives no work item (an
unreadable attachment, a message without one) carries its one manifest line instead.

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

import pymupdf

from pipeline import filetypes, imaging, ingest, mail, pdf
from pipeline.errors import InputError
from pipeline.filetypes import HEAD_BYTES, sniff
from pipeline.limits import Limits
from pipeline.mail import Attachment, AttachmentKind, SyntheticPage
from pipeline.model import Origin, Route, Unreadable, WorkItem

Key = int | None  # a page number within a file or attachment; None for the whole of it


@dataclass
class Part:
    """A file, or one attachment of a mail file, as far as the manifest is concerned."""

    attachment: str | None  # as the manifest names it; None for a paper file itself
    keys: list[Key]  # the pages it gives when read
    read: Callable[[set[Key]], Iterator[WorkItem | Unreadable]] | None = None
    listing: Unreadable | None = None  # a part that is not read: its one manifest line
    keep: tuple[str, bytes] | None = None  # (safe name, content): a copy the store keeps
    note: str | None = None  # said on each of its manifest lines


class Source(Protocol):
    """A producer of work items for the batch runner."""

    origin: Origin
    label: str  # the progress bar's

    def discover(self, paths: list[str]) -> list[str]:
        """The input files under ``paths``."""

    def open(self, path: str) -> AbstractContextManager[list[Part]]:
        """The parts of one input file, open while the block runs. Raises InputError (a
        NotAScan one for a file that is no input of this source at all)."""


class PaperSource:
    """Scans: PDFs, JPG/PNG/TIFF (multi-page too), folders of them."""

    origin = Origin.PAPER
    label = "scanning"

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def discover(self, paths: list[str]) -> list[str]:
        return filetypes.discover(paths)

    @contextmanager
    def open(self, path: str) -> Iterator[list[Part]]:
        kind = ingest.read_kind(path)
        with ingest.open_scan(path, kind, self.limits) as (count, handle):
            notes = [filetypes.mislabelled(path, kind), ingest.repaired(handle)]
            yield [Part(None, list(range(1, count + 1)),
                        read=lambda todo: ingest.pages(path, kind, handle, todo, self.limits),
                        note="; ".join(n for n in notes if n) or None)]


class MailSource:
    """Emailed copies: .eml/.mbox files, folders of them, loose .docx/.pdf/.xlsx."""

    origin = Origin.EMAIL
    label = "email"

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def discover(self, paths: list[str]) -> list[str]:
        return filetypes.discover(paths)

    @contextmanager
    def open(self, path: str) -> Iterator[list[Part]]:
        attachments = mail.read_attachments(path, self.limits)
        if not attachments:
            links = mail.message_links(path)
            reason = ("message has no attachment but links to " + " ".join(links[:5]) +
                      ": fetch the files there and read them with `formscan email`" if links
                      else "message has no attachment: nothing to read")
            yield [Part(None, [None], listing=Unreadable(None, reason, skipped=True))]
            return
        with ExitStack() as stack:
            yield [_attachment_part(att, stack, self.limits) for att in attachments]


def _attachment_part(att: Attachment, stack: ExitStack, limits: Limits) -> Part:
    name = att.display
    if att.kind is AttachmentKind.UNREADABLE:
        if att.message is None and Path(att.path).suffix.lower() not in mail.DOCUMENT_SUFFIXES:
            # A stray file among the mail (a list, a note): not an emailed copy at all.
            return Part(name, [None], listing=Unreadable(
                None, "not an email or a document (.eml .mbox .docx .pdf .xlsx): left out",
                skipped=True))
        return Part(name, [None], listing=Unreadable(
            None, att.reason or "attachment cannot be read"))
    keep = (att.safe_name, att.data)
    if att.kind is AttachmentKind.IMAGE:
        try:
            limits.check_image(io.BytesIO(att.data), sniff(att.data[:HEAD_BYTES]))
        except InputError as exc:
            return Part(name, [None], listing=Unreadable(None, f"attached {exc}"), keep=keep)
        return Part(name, [None], read=lambda todo: _image_pages(att), keep=keep)
    if att.kind is AttachmentKind.PDF:
        try:
            doc = stack.enter_context(pdf.open_pdf(data=att.data))
            limits.check_pages(doc.page_count)
        except InputError as exc:
            return Part(name, [None], listing=Unreadable(None, f"attached {exc}"), keep=keep)
        return Part(name, list(range(1, doc.page_count + 1)),
                    read=lambda todo: _pdf_pages(att, doc, todo, limits), keep=keep)
    if att.kind is AttachmentKind.LEGACY_WORD:
        try:
            att = replace(att, data=mail.legacy_to_docx(att.data), kind=AttachmentKind.DOCX)
        except InputError as exc:
            return Part(name, [None], keep=keep, listing=Unreadable(None, str(exc)))
    route = Route.DOCX if att.kind is AttachmentKind.DOCX else Route.XLSX
    try:
        limits.check_unpacked(att.data)
    except InputError as exc:
        return Part(name, [None], keep=keep, listing=Unreadable(None, str(exc), route=route))
    try:
        pages = (mail.docx_pages(att.data) if route is Route.DOCX
                 else [mail.xlsx_page(att.data)])
    except Exception as exc:  # noqa: BLE001 - python-docx/openpyxl raise assorted errors
        return Part(name, [None], keep=keep, listing=Unreadable(
            None, f"read failed: {type(exc).__name__}: {exc}; is the file damaged?", route=route))
    numbered = len(pages) > 1  # several forms in one Word file: numbered like pages
    keys: list[Key] = list(range(1, len(pages) + 1)) if numbered else [None]
    return Part(name, keys, read=lambda todo: _synthetic_pages(att, route, pages, keys, todo),
                keep=keep)


def _doc_id(att: Attachment, page: Key) -> str:
    digest = hashlib.sha256(att.data + (str(page).encode() if page else b""))
    return digest.hexdigest()[:ingest.DOC_ID_LEN]


def _pdf_pages(att: Attachment, doc: pymupdf.Document, todo: set[Key], limits: Limits
               ) -> Iterator[WorkItem | Unreadable]:
    for number in sorted(k for k in todo if k is not None):
        try:
            page = doc[number - 1]
            limits.check_pdf_page(page.rect.width, page.rect.height)
        except InputError as exc:
            yield Unreadable(number, str(exc))
            continue
        try:
            image, lines = pdf.read_page(page)
        except Exception as exc:  # noqa: BLE001 - one bad page must not sink the attachment
            yield Unreadable(number, f"page cannot be rendered ({exc}); ask the unit for the "
                                     "file again")
            continue
        yield WorkItem(att.path, number, Origin.EMAIL,
                       Route.TEXT_LAYER if lines else Route.OCR, _doc_id(att, number),
                       attachment=att.display, image=image, lines=lines, message=att.message)


def _image_pages(att: Attachment) -> Iterator[WorkItem | Unreadable]:
    """A photo or scan of a form sent by mail: one page, read by OCR like paper."""
    image = imaging.decode(att.data)
    if image is None:
        yield Unreadable(None, "attached image cannot be decoded (damaged file): ask the unit "
                               "to send it again")
        return
    yield WorkItem(att.path, None, Origin.EMAIL, Route.OCR, _doc_id(att, None),
                   attachment=att.display, image=image, message=att.message)


def _synthetic_pages(att: Attachment, route: Route, pages: list[SyntheticPage],
                     keys: list[Key], todo: set[Key]) -> Iterator[WorkItem]:
    for key, page in zip(keys, pages):
        if key in todo:
            yield WorkItem(att.path, key, Origin.EMAIL, route, _doc_id(att, key),
                           attachment=att.display, lines=page.lines, cells=page.cells,
                           size=page.size, message=att.message)
