"""Letters to the units: what each must still send or correct, in words it understands
(``formscan letters``).

A reader of the store: from the batch as it stands (the records' current flags, so what a
person dismissed or corrected is gone), every submitting unit with something to chase gets
``OUT/letters/<unit>.docx`` -- a letter listing each work (title, form, the copies received,
the notice's deadline) and what it lacks -- and ``<unit>.eml``, the same as a draft
(``X-Unsent: 1``) to the addresses the unit emailed from, the letter attached. Only what the
unit can fix is chased (:data:`CHASED`); a flag that asks the office to look at its own page
(unread, misread, another unit's seal, ...) is the office's, never the unit's. A copy that
names no unit takes its paired copy's; documents that name none at all go into one letter for
the office (未知单位). ``README.txt`` lists the letters.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, parseaddr
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from pipeline.audit import unit_and_source
from pipeline.contest import Contest
from pipeline.errors import Code, OutputError
from pipeline.i18n import DEFAULT_LANG, chase_words, form_name, text
from pipeline.model import Flag, FlagKind, FormType, Origin, Owner, Record, Status
from pipeline.report import BatchView
from pipeline.store import write_atomic

FOLDER = "letters"
README = "README.txt"
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
FONT = "宋体"  # SimSun: on every Chinese Windows, and what WPS substitutes alike

# What a unit is asked to send or correct. Left out, for the office to look at first: unread,
# misread (the page may be right), unknown_unit, many_ticks, date_outside (read wrong, or written
# wrong?), low_confidence:form_type, unclassified, duplicate (formscan's doubts, not the unit's
# faults) and mismatch:seal (a seal read as another unit's is checked on the page before anyone
# is told).
CHASED = frozenset({
    FlagKind.MISSING_SIGNATURE, FlagKind.MISSING_SEAL, FlagKind.MISSING_DATE,
    FlagKind.MISSING_FIELD, FlagKind.CLAUSE_MISSING, FlagKind.SYNOPSIS_TOO_LONG,
    FlagKind.INVALID_PHONE, FlagKind.LATE, FlagKind.EMAIL_ONLY, FlagKind.PAPER_ONLY,
    FlagKind.MISMATCH,
})
COLUMNS = ("n", "title", "form", "copies", "deadline", "chase")
WIDTHS = (Cm(1.3), Cm(3.2), Cm(2.6), Cm(3.0), Cm(3.0), Cm(3.9))  # 17 cm: A4 less 2 cm margins


@dataclass
class Work:
    """One work (its paper and emailed copies, when paired) and what the unit must do."""

    form_type: FormType
    title: str | None
    copies: list[Origin]  # the copies the batch holds
    items: list[str] = field(default_factory=list)  # in words, each once


@dataclass
class Letter:
    unit: str | None  # None: documents that name no unit (a letter for the office)
    works: list[Work]
    addresses: list[str]  # the unit's senders, most used first
    file: str = ""  # the name both files take, without suffix

    @property
    def items(self) -> int:
        return sum(len(w.items) for w in self.works)


@dataclass
class Written:
    """What ``formscan letters`` wrote: the letters and every file, README.txt last."""

    folder: Path
    letters: list[Letter]
    files: list[Path]

    @property
    def items(self) -> int:
        return sum(letter.items for letter in self.letters)


def chased(record: Record) -> list[Flag]:
    """The flags of a document its unit is asked to act on."""
    return [f for f in record.flags if f.kind in CHASED]


def letters(batch: BatchView, contest: Contest, lang: str = DEFAULT_LANG) -> list[Letter]:
    """One letter per unit with something to chase (the listed units in contest.yaml's order,
    then others, then the documents with no unit); a paper and an emailed copy paired by the
    reconciliation are one work."""
    pair_of = {r.doc_id: pair.sides for pair in batch.pairs for r in pair.sides}
    unit_of = _units(batch.records, pair_of, contest)
    works: dict[str | None, dict[tuple[str, ...], Work]] = {}
    for record in batch.records:
        flags = (chased(record) if record.status not in (Status.FAILED, Status.NOT_A_FORM)
                 else [])
        if not flags:
            continue
        sides = pair_of.get(record.doc_id, [record])
        by_key = works.setdefault(unit_of[record.doc_id], {})
        key = tuple(r.doc_id for r in sides)
        if key not in by_key:
            title = next((r.value("title") for r in sides if r.value("title")), None)
            by_key[key] = Work(record.form_type, title, [r.origin for r in sides])
        work = by_key[key]
        for flag in flags:
            said = chase_words(flag, lang, record.form_type)
            if flag.owner is not Owner.RECONCILE and len(work.copies) > 1:  # which copy
                said = text(lang, "letter.copy_item", copy=text(lang, f"origin.{record.origin}"),
                            item=said)
            if said not in work.items:
                work.items.append(said)
    senders = _senders(batch.records, unit_of)
    kinds = list(FormType)
    found = [Letter(unit, sorted(by_key.values(), key=lambda w: (kinds.index(w.form_type),
                                                                  w.title or "")),
                    senders.get(unit, []) if unit else [])
             for unit, by_key in works.items()]
    order = {u.name: i for i, u in enumerate(contest.units)}
    found.sort(key=lambda x: (x.unit is None, order.get(x.unit or "", len(order)), x.unit or ""))
    taken: set[str] = set()
    for letter in found:
        letter.file = _file_name(letter.unit or text(lang, "letter.unknown_unit"), taken)
    return found


def _units(records: list[Record], pair_of: dict[str, list[Record]], contest: Contest
           ) -> dict[str, str | None]:
    """doc_id -> its submitting unit (``audit.unit_and_source``: the form's unit field, else
    the seal's ring); a copy that names none takes the unit its paired copy names."""
    own = {r.doc_id: unit_and_source(r, contest)[0] for r in records}
    return {r.doc_id: own[r.doc_id] or next(
        (own.get(s.doc_id) for s in pair_of.get(r.doc_id, []) if own.get(s.doc_id)), None)
        for r in records}


def _senders(records: list[Record], unit_of: dict[str, str | None]) -> dict[str, list[str]]:
    """unit -> the addresses its emailed copies came from, the most used first."""
    counts: dict[str, Counter[str]] = {}
    for record in records:
        address = parseaddr(record.message.sender or "")[1] if record.message else ""
        if record.origin is Origin.EMAIL and "@" in address and unit_of[record.doc_id]:
            counts.setdefault(unit_of[record.doc_id], Counter())[address] += 1
    return {unit: [a for a, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
            for unit, c in counts.items()}


def write_letters(batch: BatchView, contest: Contest, lang: str = DEFAULT_LANG,
                  today: date | None = None) -> Written:
    """``OUT/letters/``: each unit's .docx and .eml draft (none for the office's letter of
    documents with no unit), and README.txt. Letters of an earlier run that are not written
    again (a unit with nothing left to chase) are taken away."""
    today = today or date.today()
    folder = batch.out_dir / FOLDER
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(Code.OUTPUT_UNWRITABLE, path=str(folder),
                          why=exc.strerror or str(exc)) from exc
    found = letters(batch, contest, lang)
    files: list[Path] = []
    for letter in found:
        docx = _docx(letter, contest, lang, today)
        files.append(write_atomic(folder / f"{letter.file}.docx",
                                  lambda p, d=docx: p.write_bytes(d)))
        if letter.unit is not None:
            mail = _eml(letter, contest, lang, today, docx)
            files.append(write_atomic(folder / f"{letter.file}.eml",
                                      lambda p, m=mail: p.write_bytes(m)))
    for stale in [*folder.glob("*.docx"), *folder.glob("*.eml")]:
        if stale not in files:
            _remove(stale)
    readme = _readme(found, lang, today)
    files.append(write_atomic(folder / README,
                              lambda p: p.write_text(readme, encoding="utf-8-sig")))
    return Written(folder, found, files)


def _remove(path: Path) -> None:
    """Take away a letter of an earlier run; one held open (WPS) is refused as a write is."""
    try:
        path.unlink()
    except PermissionError as exc:
        raise OutputError(Code.OUTPUT_LOCKED, path=str(path)) from exc
    except OSError as exc:
        raise OutputError(Code.OUTPUT_UNWRITABLE, path=str(path),
                          why=exc.strerror or str(exc)) from exc


def _file_name(unit: str, taken: set[str]) -> str:
    """A unit's name as a file name on every system, unique within the folder."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", unit).strip(" .")[:80] or "_"
    stem, n = name, 2
    while stem.lower() in taken:
        stem, n = f"{name}-{n}", n + 1
    taken.add(stem.lower())
    return stem


def _day(iso: str | date, lang: str) -> str:
    day = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return text(lang, "letter.day", year=day.year, month=day.month, day=day.day)


def _deadline(work: Work, contest: Contest, lang: str) -> str:
    iso = contest.deadlines.get(work.form_type.value)
    return _day(iso, lang) if iso else text(lang, "letter.no_deadline")


def _copies(work: Work, lang: str) -> str:
    return text(lang, "letter.copies_sep").join(text(lang, f"origin.{o}") for o in work.copies)


def _heading(letter: Letter, lang: str) -> str:
    return text(lang, "letter.title" if letter.unit else "letter.unknown_title")


def _intro(letter: Letter, contest: Contest, lang: str) -> str:
    if letter.unit is None:
        return text(lang, "letter.unknown_intro")
    return text(lang, "letter.intro", contest=contest.name)


def _contact(contest: Contest, lang: str) -> list[str]:
    office = contest.office
    return [text(lang, "letter.contact_head"), text(lang, "letter.office", name=office.name),
            text(lang, "letter.contact", contact=office.contact),
            text(lang, "letter.phone", phone=office.phone),
            text(lang, "letter.email", email=office.email),
            text(lang, "letter.address", address=office.address)]


def _docx(letter: Letter, contest: Contest, lang: str, today: date) -> bytes:
    """The letter as a Word file: A4, 宋体, a table of the works and what each lacks."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(25)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(12)
    normal.paragraph_format.space_after, normal.paragraph_format.line_spacing = Pt(2), 1.25
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_heading(letter, lang))
    run.bold, run.font.size = True, Pt(18)
    doc.add_paragraph(contest.name).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()
    if letter.unit is not None:
        doc.add_paragraph(text(lang, "letter.to", unit=letter.unit))
    doc.add_paragraph(_intro(letter, contest, lang)).paragraph_format.first_line_indent = Pt(24)

    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style, table.autofit = "Table Grid", False
    for column, width in zip(table.columns, WIDTHS):
        column.width = width  # the grid (LibreOffice, WPS) and each cell (Word) alike
    _row(table.rows[0].cells, [[text(lang, f"letter.col.{c}")] for c in COLUMNS], bold=True)
    for n, work in enumerate(letter.works, start=1):
        _row(table.add_row().cells, [
            [str(n)], [work.title or text(lang, "letter.untitled")],
            [form_name(lang, work.form_type)], [_copies(work, lang)],
            [_deadline(work, contest, lang)], work.items])

    if letter.unit is not None:
        doc.add_paragraph()
        for line in _contact(contest, lang):
            doc.add_paragraph(line)
    doc.add_paragraph()
    for line in (contest.office.name, _day(today, lang)):
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    data = io.BytesIO()
    doc.save(data)
    return data.getvalue()


def _row(cells: list, values: list[list[str]], bold: bool = False) -> None:
    """A table row: each cell its lines, one paragraph each, in 五号 (10.5 pt)."""
    for cell, lines, width in zip(cells, values, WIDTHS):
        cell.width = width
        for i, line in enumerate(lines):
            paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            run = paragraph.add_run(line)
            run.bold, run.font.size = bold, Pt(10.5)


def _body(letter: Letter, contest: Contest, lang: str, today: date) -> str:
    """The letter as the draft's text."""
    lines = [text(lang, "letter.to", unit=letter.unit), "", _intro(letter, contest, lang), ""]
    for n, work in enumerate(letter.works, start=1):
        title = (text(lang, "letter.titled", title=work.title) if work.title
                 else text(lang, "letter.untitled"))
        lines.append(text(lang, "letter.work_line", n=n, title=title,
                          form=form_name(lang, work.form_type), copies=_copies(work, lang),
                          deadline=_deadline(work, contest, lang)))
        lines += [f"   - {item}" for item in work.items]
    lines += ["", *_contact(contest, lang), "", contest.office.name, _day(today, lang), "",
              text(lang, "letter.attached", name=f"{letter.file}.docx")]
    return "\n".join(lines) + "\n"


def _eml(letter: Letter, contest: Contest, lang: str, today: date, docx: bytes) -> bytes:
    """A draft a mail client opens ready to send (``X-Unsent: 1``), the letter attached."""
    mail = EmailMessage()
    mail["From"] = formataddr((contest.office.name, contest.office.email))
    if letter.addresses:
        mail["To"] = ", ".join(letter.addresses)
    mail["Subject"] = text(lang, "letter.subject", contest=contest.name)
    mail["X-Unsent"] = "1"
    mail.set_content(_body(letter, contest, lang, today))
    mail.add_attachment(docx, *DOCX_TYPE, filename=f"{letter.file}.docx")
    return mail.as_bytes(policy=SMTP)


def _readme(found: list[Letter], lang: str, today: date) -> str:
    lines = [text(lang, "letter.readme", day=_day(today, lang), units=len(found),
                  items=sum(x.items for x in found))]
    for letter in found:
        files = [f"{letter.file}.docx", *([f"{letter.file}.eml"] if letter.unit else [])]
        lines.append(text(lang, "letter.readme_line", files=text(lang, "letter.copies_sep")
                          .join(files), unit=letter.unit or text(lang, "letter.unknown_unit"),
                          works=len(letter.works), items=letter.items,
                          to=where_to(letter, lang)))
    return "\n".join(lines) + "\n"


def where_to(letter: Letter, lang: str = DEFAULT_LANG) -> str:
    """Where a letter goes, in words (the command's summary, README.txt)."""
    if letter.unit is None:
        return text(lang, "letter.for_office")
    if letter.addresses:
        return text(lang, "letter.draft_to", address=", ".join(letter.addresses))
    return text(lang, "letter.no_address")
