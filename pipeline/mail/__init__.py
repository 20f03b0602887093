"""Mail stage: the emailed copies of the forms, from .eml/.mbox files and loose documents.

- ``messages`` — messages and their attachments (``Attachment``), decoded names and headers;
- ``kinds`` — what an attachment is, from its content, and why an unreadable one is not read;
- ``names`` — safe file names for the copies kept under ``OUT/attachments``;
- ``legacy`` — .doc/.wps converted to .docx by LibreOffice (headless), where installed;
- ``office`` — Word and Excel files read through python-docx and openpyxl ...
- ``synthetic`` — ... onto a synthetic page the layout, classify and extract stages read.
PDF attachments are rendered like paper scans (``pipeline.pdf``).
"""

from pipeline.mail.kinds import AttachmentKind, attachment_kind
from pipeline.mail.legacy import to_docx as legacy_to_docx
from pipeline.mail.messages import (
    MAIL_SUFFIXES,
    Attachment,
    MailFile,
    read_attachments,
    read_mail,
)
from pipeline.mail.names import safe_name
from pipeline.mail.office import docx_pages, xlsx_page
from pipeline.mail.synthetic import SyntheticPage

# Documents units send (readable or not): anything else loose among the mail is left out.
DOCUMENT_SUFFIXES = {".docx", ".pdf", ".xlsx", ".doc", ".wps", ".xls", ".et", ".rtf"}

__all__ = [
    "DOCUMENT_SUFFIXES", "MAIL_SUFFIXES", "Attachment", "AttachmentKind", "MailFile",
    "SyntheticPage", "attachment_kind", "docx_pages", "legacy_to_docx", "read_attachments",
    "read_mail", "safe_name", "xlsx_page",
]
