"""Generate realistic scanned contest forms with known truth.

The contest's facts are read, not copied: units and the ways they write their name,
deadlines, consent clauses, work types and the contest's name from ``pipeline/contest.yaml``,
each form's field keys, title, label spellings and signature labels from the form schemas
(``pipeline/forms/*.yaml``); see :mod:`samples.generate.facts`. Units retyping a form vary the
labels (letter-spaced 联 系 人, half-width brackets in 报送单位(盖章)); those variants are
generic transformations of the schema's spellings, not a list of spellings.

Modules: ``facts`` (the contest and the schemas, label variants), ``content`` (the world --
cities, people, titles, synopses -- and what each form says: ``FormContent``,
``sample_forms``, ``retype``), ``dates`` (the ways a date is written), ``painter`` (style,
typed text, handwriting, signatures), ``lines`` (underlined values, ticked option rows: the
pieces of a form retyped without a table), ``draw`` (the three forms, the cover letter),
``seal``, ``scan`` (rasterizing, sheet feeder, phone photo),
``pages`` (a page with its truth row), ``files`` (PDF/TIFF writers, bad files), ``batch``
(forms shared among files, ``generate``), ``attachments`` (.docx/.xlsx/.pdf copies) and
``mail`` (the emailed side, ``generate_email``); ``strangers`` writes pages that are not
contest forms (invoices, notices, other offices' forms, cover letters ..., ``generate_strangers``).

The generator draws the three paper forms of docs/domain.md (sections 1-3) with PyMuPDF, fills them
with typed or handwriting-like values, stamps a red unit seal on the page raster and "scans"
the page with OpenCV (skew, 180 degree turns, blur, noise, JPEG artefacts, grey scans, phone
photos). It writes the pile a scan room produces -- envelope PDFs, loose JPG/PNG files, a
multi-page TIFF, phone photos, a PDF with a real text layer, a scanned PDF with a poor hidden
OCR layer, a duplicated page and, optionally, bad inputs -- plus ``truth.jsonl``::

    from samples.generate import generate
    rows = generate(Path("out"), seed=7, n_forms=36)

    python -m samples.generate --out OUT --seed 7 --forms 36

The same seed gives byte-identical files: every choice comes from the seed, and no timestamp
or random document id is written. With ``n_forms >= 12`` every file type appears.

``layout`` says how the units print their forms. ``table`` (the default: the output is byte
for byte what it was before layouts existed) prints the office's Word table (the
authorization now and then as ``label：value`` lines). ``lines`` prints every form as units
retype it without a table, ``mixed`` half of them::

    generate(Path("out"), seed=7, n_forms=36, layout="lines")

    python -m samples.generate --out OUT --seed 7 --forms 36 --layout lines

A form retyped without a table puts label and value on an underline
(``作品名称：____老街灯火____``), two or three short fields to a line (``联系人：王芳
电话：138…``), now and then a value run on to the next line or set on the line below its
label; the work type (and the proposal type) as a row of printed options with boxes before or
after them (``故事片 □ 纪录片 ☑ 专题片 □ …``), one ticked: printed ☑, ■, ✓ or √, or by pen (a
tick stroke over the box, a circle round the option); a share of rows left unticked, a share
ticked twice; the consent clauses as a framed paragraph (the signature inside the frame or
below it); the date written every way (``二〇二三年五月十五日``, ``二零二三年…``,
``2023年5月15日``, ``2023.5.15``, ``2023/05/15``, ``2023-5-15``, zero-padded or not,
sometimes with a time after it, or the printed ``年 月 日`` blanks filled in). Options ticked
and dates are dealt in rounds, so that every way appears once a batch has enough option rows
(9) and dated forms (7); they come from ``random.Random(f"{seed}-lines")``, the forms
themselves (titles, units, people) are those of the same seed in the table layout.

``truth.jsonl`` holds one JSON object per page of every input file and one per bad file:

``path``          file name relative to the output folder
``page``          1-based page within the file; null for a file that cannot be read
``kind``          ``form`` | ``blank`` | ``not_form`` | ``bad_file``
``form_type``     ``proposal_registration`` | ``work_registration`` | ``work_authorization``
                  (null unless kind is form)
``fields``        every key of the form type, normalised as domain.md §4 asks (phone digits
                  only or ``0351-1234567``, ISO date, whitespace removed); null = left empty
``signature``     a signature is present (null unless kind is form)
``seal``          a seal is present (null unless kind is form)
``seal_unit``     the official unit name printed on the seal, null without seal. It can differ
                  from ``fields.unit`` in spelling only (``晋中市委宣传部`` written, the seal
                  reads ``中共晋中市委宣传部``) or, on purpose, be another unit's seal
``date_present``  the date line was filled in (then ``fields.date`` is set)
``handwritten``   field keys written by hand, in form order
``layout``        ``{variant: table|colon|lines|null, flipped, skew, photo, grey}``; ``skew``
                  is the counter-clockwise rotation in degrees applied before any 180 degree
                  turn (OpenCV sign convention), for photos the angle of the page's top
                  edge; null for bad files. A ``lines`` form adds ``options`` (per option
                  row's key: ``{ticked: [options], mark: ☑|■|✓|√|pen_tick|pen_circle|null}``),
                  ``date`` (``{way: hanzi_o|hanzi_ling|digits_nian|dot|slash|dash|blanks,
                  padded, time}``, null when undated), ``below`` and ``wrapped`` (keys whose
                  value is on the line below its label / runs on to the next line)
``route``         ``ocr`` | ``text-layer`` | ``none`` (file cannot be read)
``duplicate_of``  ``{path, page}`` of the first occurrence (sorted by path, then page) of a
                  byte-identical page image, else null
``expect``        the manifest status formscan should report: ``ok`` | ``duplicate`` |
                  ``failed`` (bad files) | ``skipped`` (blank and not-a-form pages)
``unread``        only on a row that has one (layout lines): keys whose value is on the page
                  but no reader can take, an option row ticked twice. ``fields`` has null
                  there: formscan should leave it empty and ask a person (flag
                  ``many_ticks:<key>``). An option row ticked once gives its option's word; one
                  left unticked null (the field missing), like any empty field

The emailed side (domain.md §1) of the same batch is written with ``email_dir``::

    generate(Path("paper"), seed=7, n_forms=36, email_dir=Path("email"))

    python -m samples.generate --out paper --seed 7 --forms 36 --email-out email

Every email-side choice comes from ``random.Random(f"{seed}-email")``, so the paper output is
byte-identical with or without it. Each work (registration and authorization together, now
and then one message per form) or proposal goes as ``mail_NNN.eml`` from the unit's mailbox to
``sxwdy2023@163.com``: Chinese subject and attachment names (RFC 2047 / 2231), mostly .docx
(title, label | value table, clauses, no signature or seal), some PDFs exported from Word (text
layer) and a few .xlsx (label in column A, value in column B). On purpose: about 8% of the
works (at least one) are not emailed (paper_only), ``round(n_forms / 12)`` works exist only by
email (email_only), about 15% of the emailed paper forms differ from the paper in one field
(phone, contact, title, address, duration or work_type), the emailed copy carries the paper's
date or none; two attachments have hostile names (``../../etc/...docx``, ``/tmp/...docx``),
one message brings a cover letter, one a legacy ``.doc`` (OLE header and junk), one message
has no attachment, the last 2-3 messages (by date) sit in ``inbox_export.mbox`` and one
.docx lies loose in the folder. Same seed, same bytes: zip entries and Office core
properties carry fixed dates, Message-IDs, MIME boundaries and Date headers come from the
seed.

``email_truth.jsonl`` holds one JSON object per attachment (and one per message without):

``message``       ``mail_NNN.eml``, ``inbox_export.mbox#K`` (K-th message in the file,
                  1-based) or, for the loose file, its own name
``attachment``    the file name exactly as set in the message (null for a message without
                  attachment; the loose file's own name)
``kind``          ``form`` | ``unreadable`` (the .doc) | ``other`` (cover letter) |
                  ``no_attachment``
``form_type``     as in ``truth.jsonl``; null unless kind is form
``fields``        every key of the form type, normalised as in ``truth.jsonl``; {} unless form
``paper``         ``{path, page}`` of the same form in ``truth.jsonl`` (its first, non-duplicate
                  page), null for email-only forms and non-forms
``changed``       keys whose value deliberately differs from the paper; a date left out of the
                  emailed copy (fields.date null, paper dated) is not listed. Every other key
                  equals the paper truth, but for an option row the paper left unticked or
                  ticked twice (layout lines): the Word copy types the word, the paper truth
                  is null
``format``        ``docx`` | ``pdf`` | ``xlsx`` | ``doc``; null without attachment
"""

from samples.generate.batch import generate
from samples.generate.content import (
    CITIES,
    City,
    Entry,
    FormContent,
    Layout,
    Mark,
    OptionRow,
    Retyping,
    city_of,
    fill_form,
    normalise_phone,
    retype,
    sample_entry,
    sample_forms,
)
from samples.generate.dates import DateWay, DateWriting, write_date
from samples.generate.draw import PageFull, draw_cover_letter, draw_form
from samples.generate.facts import (
    CLAUSES,
    CONTEST,
    DEADLINES,
    FIELDS,
    FORM_TITLES,
    PROPOSAL,
    UNITS,
    WORK_AUTH,
    WORK_REG,
    WORK_TYPES,
    LabelVariants,
    field_label,
    pick_label_variants,
)
from samples.generate.files import encrypted_pdf, image_pdf, text_layer_pdf, write_tiff
from samples.generate.mail import generate_email
from samples.generate.pages import PageTruth, Sheet, blank_sheet, cover_letter_sheet, form_sheet
from samples.generate.painter import Anchors, Painter, Style, pick_style, wrap
from samples.generate.paper import DPI, PAGE_H, PAGE_W, PX_PER_PT
from samples.generate.scan import ScanInfo, photograph, rasterize, scan
from samples.generate.seal import draw_seal, seal_image, seal_png, seal_spot, stamp

__all__ = [
    "CITIES", "CLAUSES", "CONTEST", "DEADLINES", "DPI", "FIELDS", "FORM_TITLES", "PAGE_H",
    "PAGE_W", "PROPOSAL", "PX_PER_PT", "UNITS", "WORK_AUTH", "WORK_REG", "WORK_TYPES",
    "Anchors", "City", "DateWay", "DateWriting", "Entry", "FormContent", "LabelVariants",
    "Layout", "Mark", "OptionRow", "PageFull", "PageTruth", "Painter", "Retyping", "ScanInfo",
    "Sheet", "Style",
    "blank_sheet", "city_of", "cover_letter_sheet", "draw_cover_letter", "draw_form",
    "draw_seal", "encrypted_pdf", "field_label", "fill_form", "form_sheet", "generate",
    "generate_email", "image_pdf", "normalise_phone", "photograph", "pick_label_variants",
    "pick_style", "rasterize", "retype", "sample_entry", "sample_forms", "scan", "seal_image",
    "seal_png", "seal_spot", "stamp", "text_layer_pdf", "wrap", "write_date", "write_tiff",
]
