"""Why something failed, was skipped or is worth a note, as data: a :class:`Code` with its
parameters (a :class:`Reason`). Words are rendered only where a person reads them
(``pipeline.i18n.say``), in their language; the manifest keeps an English rendering beside the
code for scripts.

User-facing failures are exceptions that carry a reason and an exit code; one handler in the
CLI maps them to the process exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Every reason formscan gives a person: input failures, skips, notes, what stops a
    command. The values are stable: the manifest and the records store them."""

    # --- an input file as a whole
    CANNOT_OPEN = "cannot_open"  # why
    SYMLINK_LOOP = "symlink_loop"  # links that lead back to themselves (a.jpg → b.jpg → a.jpg)
    REMOVED = "removed"  # why: the file went away (or became unreadable) while it was read
    EMPTY_SCAN = "empty_scan"
    EMPTY_FILE = "empty_file"
    NOT_A_SCAN = "not_a_scan"  # skip: a file among the scans that is no scan
    NOT_SCAN_CONTENT = "not_scan_content"  # suffix
    MISLABELLED = "mislabelled"  # note: suffix, kind
    DECODER_FAILED = "decoder_failed"  # why
    # --- limits, checked from headers before decoding
    OVER_SIZE = "over_size"  # mb, limit
    OVER_PAGES = "over_pages"  # count, limit
    OVER_PIXELS = "over_pixels"  # width, height, limit
    OVER_DEPTH = "over_depth"  # depth, limit
    OVER_UNPACKED = "over_unpacked"  # mb, limit
    # --- PDFs and images
    PDF_UNOPENABLE = "pdf_unopenable"  # why
    PDF_PASSWORD = "pdf_password"
    PDF_NO_PAGES = "pdf_no_pages"
    PDF_REPAIRED = "pdf_repaired"  # note
    PAGE_UNRENDERABLE = "page_unrenderable"  # why
    TIFF_PAGE_UNDECODABLE = "tiff_page_undecodable"
    IMAGE_UNDECODABLE = "image_undecodable"  # kind
    IMAGE_HEADER_BAD = "image_header_bad"  # kind, why
    JPEG_CUT_SHORT = "jpeg_cut_short"  # note: a JPEG whose data ends early, read as it is
    FIRST_FRAME_ONLY = "first_frame_only"  # note: count; an animated GIF/WebP, first frame read
    LOW_RESOLUTION = "low_resolution"  # width, height, dpi: a form too small to read
    # --- mail
    NOT_A_MESSAGE = "not_a_message"
    MBOX_EMPTY = "mbox_empty"
    MSG_UNREADABLE = "msg_unreadable"  # why
    MSG_TOO_DEEP = "msg_too_deep"  # depth
    MSG_EMPTY = "msg_empty"
    OUTLOOK_ITEM = "outlook_item"
    ARCHIVE = "archive"  # kind, inner: what is wrong with a zip or .7z
    ARCHIVE_TOO_DEEP = "archive_too_deep"  # depth
    ARCHIVE_TOO_MANY = "archive_too_many"  # count, limit
    ARCHIVE_EMPTY = "archive_empty"
    ARCHIVE_PASSWORD = "archive_password"  # kind: a member (or the listing) is encrypted
    ARCHIVE_METHOD = "archive_method"  # kind, method: packed with a method not read here
    ARCHIVE_UNSAFE_MEMBER = "archive_unsafe_member"  # name: ../ or an absolute path
    OVER_UNPACKED_NESTED = "over_unpacked_nested"  # mb, limit: archives in archives, together
    DAMAGED = "damaged"  # why
    ATTACHED = "attached"  # inner: an attachment's content failed
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_UNREADABLE = "attachment_unreadable"
    CONTAINER_DAMAGED = "container_damaged"
    RTF = "rtf"
    RAR = "rar"
    NOT_A_DOCUMENT = "not_a_document"  # suffix
    OFFICE_PASSWORD = "office_password"
    LEGACY_EXCEL = "legacy_excel"
    OFFICE_UNKNOWN = "office_unknown"
    LEGACY_NO_OFFICE = "legacy_no_office"
    LEGACY_TIMEOUT = "legacy_timeout"  # s
    LEGACY_FAILED = "legacy_failed"
    DOCUMENT_UNREADABLE = "document_unreadable"  # why
    UNSAFE_NAME = "unsafe_name"  # name
    NO_ATTACHMENT = "no_attachment"  # skip
    NO_ATTACHMENT_LINKS = "no_attachment_links"  # skip: links
    NOT_MAIL_OR_DOCUMENT = "not_mail_or_document"  # skip
    # mail: messages inside messages, winmail.dat, names, an mbox's pieces (#27)
    MBOX_PIECE = "mbox_piece"  # a piece of an mbox that is no message (no headers)
    TNEF_UNREADABLE = "tnef_unreadable"  # why
    TNEF_EMPTY = "tnef_empty"  # skip: a winmail.dat of only the message's text
    NAMED_NOT_PDF = "named_not_pdf"  # an attachment named .pdf that holds no PDF
    NOT_A_DOCUMENT_NO_SUFFIX = "not_a_document_no_suffix"  # one without a suffix either
    # --- a page
    BLANK_PAGE = "blank_page"  # skip
    NOT_A_FORM = "not_a_form"  # skip: no contest form (其他文件)
    COVER_LETTER = "cover_letter"  # skip: a unit's cover letter (报送函); unit
    COVER_LETTER_NO_UNIT = "cover_letter_no_unit"  # skip: a cover letter, its unit not read
    FORM_GUESSED = "form_guessed"  # note: the form type is a best guess
    # --- a scanned PDF page's own text layer; two forms on one sheet
    TEXT_LAYER_DIFFERS = "text_layer_differs"  # note: fields (keys), form (its form type)
    TEXT_LAYER_POOR = "text_layer_poor"  # note
    TWO_UP = "two_up"  # note: a sheet holding two forms side by side, read as two documents
    TWO_UP_SAME = "two_up_same"  # note: the same form printed twice on a sheet: one document
    DUPLICATE = "duplicate"  # place: the same page as another line
    PAGE_FAILED = "page_failed"  # stage, inner: the page is kept as a failed record
    STAGE_RAISED = "stage_raised"  # why: a stage's own exception
    PAGE_TIMEOUT = "page_timeout"  # s
    WORKER_DIED = "worker_died"
    # --- what stops a command
    NO_BATCH = "no_batch"  # out
    BATCH_BUSY = "batch_busy"  # folder
    OUT_IS_FILE = "out_is_file"  # out
    OUT_UNWRITABLE = "out_unwritable"  # out, why
    OUTPUT_LOCKED = "output_locked"  # path
    OUTPUT_UNWRITABLE = "output_unwritable"  # path, why
    SHEET_UNOPENABLE = "sheet_unopenable"  # sheet, why
    SHEET_NO_KEY_ROW = "sheet_no_key_row"  # sheet, n
    SHEET_REFUSED = "sheet_refused"  # sheet, cells (reasons)
    CELL_UNKNOWN_COLUMN = "cell_unknown_column"  # cell, name
    CELL_UNKNOWN_DOCUMENT = "cell_unknown_document"  # cell, doc
    NO_SUCH_PATH = "no_such_path"  # paths
    NOTHING_TO_READ = "nothing_to_read"  # paths
    RUN_NEEDS_INPUTS = "run_needs_inputs"
    RAY_ADDRESS_ALONE = "ray_address_alone"
    RAY_MISSING = "ray_missing"
    RAY_UNREACHABLE = "ray_unreachable"  # address, why
    RAY_SLOW_START = "ray_slow_start"  # n, s
    RAY_WORKER_BROKEN = "ray_worker_broken"  # why, version
    RAY_VERSIONS = "ray_versions"  # others, version
    NO_DOCUMENT = "no_document"  # doc
    NO_FIELD = "no_field"  # doc, field
    BAD_VALUE = "bad_value"  # key, value, expected
    CHANGED_SINCE = "changed_since"  # field, value, who, at: a correction made meanwhile
    CELL_CHANGED_SINCE = "cell_changed_since"  # cell, who, at
    CELL_BAD_VALUE = "cell_bad_value"  # cell, inner
    SHEET_UNMARKED = "sheet_unmarked"  # sheet: no export mark, changes cannot be told
    SHEET_FORMAT = "sheet_format"  # sheet, suffix
    SHEET_NEEDS_OFFICE = "sheet_needs_office"  # sheet
    # --- configuration (exit 4)
    RAPIDOCR_MISSING = "rapidocr_missing"
    MODEL_MISSING = "model_missing"  # task, path, env
    MODEL_ALTERED = "model_altered"  # task, path
    ENGINE_MISSING = "engine_missing"  # engine, package
    ENGINE_UNKNOWN = "engine_unknown"  # engine, choices
    SCHEMA_INVALID = "schema_invalid"  # file, detail
    CONFIG_INVALID = "config_invalid"  # file, detail
    # --- a line an earlier formscan wrote in words only (read again by the next run)
    EARLIER_VERSION = "earlier_version"  # text


# Skips: a line that is no document to begin with (the others are failures).
SKIP_CODES = frozenset({Code.NOT_A_SCAN, Code.NO_ATTACHMENT, Code.NO_ATTACHMENT_LINKS,
                        Code.NOT_MAIL_OR_DOCUMENT, Code.BLANK_PAGE, Code.NOT_A_FORM,
                        Code.COVER_LETTER, Code.COVER_LETTER_NO_UNIT,
                        Code.TNEF_EMPTY})


# A page's own failures (the input's fault, not formscan's): its line says them as they are,
# not as a stage that broke.
PAGE_REFUSALS = frozenset({Code.LOW_RESOLUTION})


@dataclass(frozen=True)
class Place:
    """Where a manifest line is: a file, its page, its attachment (rendered per language)."""

    path: str
    page: int | None = None
    attachment: str | None = None
    half: str | None = None  # one form of a sheet holding two: "left", "right"

    def to_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "page": self.page, "attachment": self.attachment}
        if self.half:
            d["half"] = self.half
        return d


@dataclass(frozen=True)
class Reason:
    """A code and what fills its words: strings, numbers, a list of strings, a nested
    :class:`Reason` (``inner``), a list of them, or a :class:`Place`."""

    code: Code
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "params": {k: _param_out(v)
                                                    for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reason:
        return cls(Code(d["code"]), {k: _param_in(v) for k, v in (d.get("params") or {}).items()})

    def __str__(self) -> str:
        from pipeline.i18n import say  # the words live in the catalog

        return say(self, "en")


def because(code: Code, **params: Any) -> Reason:
    return Reason(code, params)


def _param_out(value: Any) -> Any:
    if isinstance(value, Reason):
        return {"reason": value.to_dict()}
    if isinstance(value, Place):
        return {"place": value.to_dict()}
    if isinstance(value, (list, tuple)):
        return [_param_out(v) for v in value]
    return value


def _param_in(value: Any) -> Any:
    if isinstance(value, dict) and "reason" in value:
        return Reason.from_dict(value["reason"])
    if isinstance(value, dict) and "place" in value:
        return Place(**value["place"])
    if isinstance(value, list):
        return [_param_in(v) for v in value]
    return value


class ExitCode:
    """Process exit statuses of the ``formscan`` command (documented in the README)."""

    OK = 0
    INPUT_FAILURES = 3  # some inputs failed; the rest was processed and written
    USAGE = 2  # bad command line (argparse's own code)
    CONFIG = 4  # a schema, model file or the output folder is unusable
    OUTPUT = 5  # an output file cannot be written (open in another program, disk full)
    INTERRUPTED = 130
    TERMINATED = 143  # SIGTERM: 128 + 15, as a shell and a service manager expect


class _Reasoned(Exception):
    """An exception that carries a :class:`Reason` (its English words are its message)."""

    def __init__(self, code: Code | Reason, /, **params: Any) -> None:
        self.reason = code if isinstance(code, Reason) else Reason(code, params)
        super().__init__(str(self.reason))


class FormscanError(_Reasoned):
    """What stops a command, with what to do next."""

    exit_code = ExitCode.CONFIG


class SchemaError(FormscanError):
    """A form schema file is invalid."""


class ModelError(FormscanError):
    """An OCR model file is missing, altered, or its engine is not installed."""


class OutputError(FormscanError):
    """The batch folder or one of its files cannot be written."""

    exit_code = ExitCode.OUTPUT


class BatchBusy(FormscanError):
    """Another formscan process holds the batch folder."""


class InputError(_Reasoned):
    """One input file or page cannot be read; recorded in the manifest, never fatal."""
