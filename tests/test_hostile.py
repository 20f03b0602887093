"""No input stops the batch: a corpus of hostile and broken files, generated here (none is
committed), each with the manifest status and message it must get, beside good pages that
must still be read."""

from __future__ import annotations

import io
import os
import struct
import zlib
from email.message import EmailMessage
from pathlib import Path

import cv2
import numpy as np
import pymupdf
import pytest
from conftest import read_jsonl
from PIL import Image

from pipeline.api import read_email, scan
from pipeline.batch import BatchOptions
from pipeline.errors import BatchBusy, Code, Reason
from pipeline.limits import Limits
from pipeline.sources import PaperSource
from pipeline.store import Store, as_text

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "paper"
GOOD_PDF = SAMPLES / "submission_01.pdf"  # a text-layer PDF (OCR reads only its seal ring)
GOOD_SCAN = SAMPLES / "scan_0292.png"  # a work registration form, 一封没寄出的信


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                            0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _tiff_header(width: int, height: int) -> bytes:
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
               (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height),
               (279, 4, 1, min(width * height, 2 ** 32 - 1))]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in entries)
    return b"II*\x00" + struct.pack("<I", 8 + 64) + b"\0" * 64 + ifd + b"\0\0\0\0"


def _jpeg(image: np.ndarray, quality: int = 85, progressive: bool = False) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality,
                                            cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)])
    assert ok
    return data.tobytes()


def _cut(data: bytes, tail: bytes = b"", share: float = 0.6) -> bytes:
    return data[:int(len(data) * share)] + tail


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(_jpeg(np.full((16, 16, 3), 255, np.uint8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _pdf(pages: int, size: tuple[float, float] = (595, 842)) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page(width=size[0], height=size[1])
    return doc.tobytes()


LOOPING_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
               b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj\n"
               b"trailer << /Root 1 0 R >>\n%%EOF\n")


def _page() -> np.ndarray:
    return cv2.imread(str(GOOD_SCAN))


def _encrypted_pdf() -> bytes:
    doc = pymupdf.open(GOOD_PDF)
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u")


# name -> (content maker, status, the reason's code or None)
CASES: dict[str, tuple] = {
    "bomb.png": (lambda: _png_header(100_000, 100_000), "failed", Code.OVER_PIXELS),
    "bomb.tif": (lambda: _tiff_header(80_000, 80_000), "failed", Code.OVER_PIXELS),
    "bomb.jpg": (lambda: _jpeg_claiming(65_000, 65_000), "failed", Code.OVER_PIXELS),
    "ten_thousand_pages.pdf": (lambda: _pdf(10_000), "failed", Code.OVER_PAGES),
    "huge_page.pdf": (lambda: _pdf(1, (20_000, 20_000)), "failed", Code.OVER_PIXELS),
    "looping.pdf": (lambda: LOOPING_PDF, "failed", Code.PAGE_UNRENDERABLE),
    # A scan cut short, without its end marker or with one appended (cut elsewhere: the same
    # pixels would be a duplicate): read, noted.
    "cut_short.jpg": (lambda: _cut(_jpeg(_page())), "ok", None),
    "cut_short_marked.jpg": (lambda: _cut(_jpeg(_page()), b"\xff\xd9", 0.65), "ok", None),
    "cut_short_progressive.jpg": (lambda: _cut(_jpeg(_page(), progressive=True)), "ok", None),
    "cut_short_progressive_marked.jpg": (
        lambda: _cut(_jpeg(_page(), progressive=True), b"\xff\xd9", 0.65), "ok", None),
    "grey16.png": (lambda: cv2.imencode(".png", (cv2.cvtColor(_page(), cv2.COLOR_BGR2GRAY)
                                                 .astype(np.uint16) * 257))[1].tobytes(),
                   "ok", None),
    "palette_alpha.png": (lambda: _pil(Image.fromarray(_page()[:, :, ::-1]).convert("RGBA")
                                       .convert("P"), "PNG", transparency=0), "ok", None),
    "cmyk.jpg": (lambda: _pil(Image.fromarray(_page()[:, :, ::-1]).convert("CMYK"), "JPEG"),
                 "ok", None),
    "animation.gif": (lambda: _pil(Image.new("RGB", (40, 40)), "GIF"), "skipped", Code.BLANK_PAGE),
    "photo.webp": (lambda: _pil(Image.new("RGB", (40, 40)), "WEBP"), "skipped", Code.BLANK_PAGE),
    "photo.heic": (lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + os.urandom(200), "failed",
                   Code.IMAGE_HEADER_BAD),
    "drawing.svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', "skipped",
                    Code.NOT_A_SCAN),
    "empty.pdf": (lambda: b"", "failed", Code.EMPTY_SCAN),
    "notes.pdf": (lambda: "这不是PDF\n".encode(), "failed", Code.NOT_SCAN_CONTENT),
    "noise.tif": (lambda: os.urandom(4096), "failed", Code.NOT_SCAN_CONTENT),
    "truncated.pdf": (lambda: GOOD_PDF.read_bytes()[:300], "skipped", Code.BLANK_PAGE),
    "half.pdf": (lambda: GOOD_PDF.read_bytes()[:len(GOOD_PDF.read_bytes()) // 2], "ok", None),
    "locked.pdf": (_encrypted_pdf, "failed", Code.PDF_PASSWORD),
    "photo_named.png": (lambda: _jpeg(_page()), "ok", None),  # a JPEG named .png: noted
    "line\nbreak.pdf": (lambda: _pdf(1), "skipped", Code.BLANK_PAGE),
    "copy_of_good.pdf": (lambda: GOOD_PDF.read_bytes(), "duplicate", Code.DUPLICATE),
}


def _pil(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "a_good.pdf").write_bytes(GOOD_PDF.read_bytes())
    for name, (make, _, _) in CASES.items():
        (root / name).write_bytes(make())
    # Odd bytes in a name (no UTF-8: written by another system), a dangling link, a folder
    # linked into itself.
    (root / os.fsdecode(b"\xb1\xa8\xc3\xfb.pdf")).write_bytes(_pdf(1))
    (root / "gone.pdf").symlink_to(root / "nowhere.pdf")
    (root / "loop").mkdir()
    (root / "loop" / "again").symlink_to(root / "loop", target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def scanned_corpus(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    summary = scan([str(corpus)], out, BatchOptions(progress=False, workers=1))
    return corpus, out, summary, read_jsonl(out / "manifest.jsonl")


def _line(manifest: list[dict], name: str) -> dict:
    found = [m for m in manifest if Path(m["path"]).name == name]
    assert found, f"{name!r} is missing from the manifest"
    return found[0]


@pytest.mark.ocr
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_file_gets_its_status_and_message(scanned_corpus, name):
    _, _, _, manifest = scanned_corpus
    _, status, code = CASES[name]
    line = _line(manifest, name)
    assert line["status"] == status, line
    if code:
        assert line["reason"]["code"] == code.value, line
        assert line["error"] == str(Reason.from_dict(line["reason"]))  # its English, beside
    if status == "failed":
        assert "Traceback" not in line["error"]


@pytest.mark.ocr
def test_good_pages_beside_them_are_read_and_every_file_is_listed(scanned_corpus):
    corpus, out, summary, manifest = scanned_corpus
    good = _line(manifest, "a_good.pdf")
    assert good["status"] == "ok"
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    assert records[good["doc_id"]]["form_type"] == "work_registration"
    listed = {Path(m["path"]).name for m in manifest}
    on_disk = {as_text(p.name) for p in corpus.iterdir() if not p.is_dir()}
    assert on_disk == listed
    # The exit status says which inputs failed: every case meant to, and the dangling link.
    failed = {name for name, (_, status, _) in CASES.items() if status == "failed"}
    assert sorted(as_text(Path(f.path).name) for f in summary.failures) == sorted(
        failed | {"gone.pdf"})


@pytest.mark.ocr
def test_a_repaired_pdf_says_pages_may_be_missing(scanned_corpus):
    _, _, _, manifest = scanned_corpus
    for name in ("half.pdf", "truncated.pdf", "looping.pdf"):
        assert "repaired to be read" in (_line(manifest, name).get("note") or ""), name


CUT_SHORT = ("cut_short.jpg", "cut_short_marked.jpg", "cut_short_progressive.jpg",
             "cut_short_progressive_marked.jpg")


@pytest.mark.ocr
def test_a_jpeg_cut_short_is_read_as_far_as_it_goes_and_noted(scanned_corpus):
    _, out, _, manifest = scanned_corpus
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    for name in CUT_SHORT:
        line = _line(manifest, name)
        assert line["status"] == "ok", line
        assert [n["code"] for n in line["notes"]] == [Code.JPEG_CUT_SHORT.value], name
        assert "lower part may be missing" in line["note"], name
        record = records[line["doc_id"]]  # its upper part is read
        assert record["form_type"] == "work_registration", name
        assert record["fields"]["title"]["value"] == "一封没寄出的信", name
    for name in ("a_good.pdf", "cmyk.jpg", "grey16.png"):  # complete files: no false alarm
        assert "notes" not in _line(manifest, name), name


@pytest.mark.ocr
def test_odd_names_and_unreadable_files_are_listed(scanned_corpus):
    _, _, _, manifest = scanned_corpus
    odd = _line(manifest, "\\xb1\\xa8\\xc3\\xfb.pdf")  # the bytes spelled out, the same each run
    assert odd["status"] == "skipped" and "blank" in odd["error"]  # one empty page
    gone = _line(manifest, "gone.pdf")
    assert gone["status"] == "failed" and "cannot" in gone["error"]
    assert not [m for m in manifest if "again" in m["path"]]  # a linked folder is not walked


@pytest.mark.ocr
def test_decoded_oddities_read_as_the_form_they_are(scanned_corpus):
    _, out, _, manifest = scanned_corpus
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    for name in ("grey16.png", "palette_alpha.png", "cmyk.jpg", "photo_named.png"):
        record = records[_line(manifest, name)["doc_id"]]
        assert record["form_type"] == "work_registration", name
        assert record["fields"]["title"]["value"] == "一封没寄出的信", name
    assert "really a JPEG" in _line(manifest, "photo_named.png")["note"]


def test_limits_are_options_and_name_themselves(tmp_path):
    pdf = tmp_path / "twelve.pdf"
    pdf.write_bytes(_pdf(12))
    out = tmp_path / "out"
    scan([str(pdf)], out, BatchOptions(progress=False, workers=1, limits=Limits(max_pages=10)))
    line = read_jsonl(out / "manifest.jsonl")[0]
    assert line["status"] == "failed" and "--max-pages" in line["error"]
    big = tmp_path / "big.png"
    big.write_bytes(_png_header(5000, 5000))
    scan([str(big)], out, BatchOptions(progress=False, workers=1,
                                       limits=Limits(max_pixels=10_000_000)))
    line = [m for m in read_jsonl(out / "manifest.jsonl") if m["path"] == str(big)][0]
    assert "25 million" not in line["error"] and "--max-megapixels" in line["error"]


@pytest.mark.ocr
def test_a_file_removed_after_discovery_is_listed_and_the_rest_read(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(GOOD_PDF.read_bytes())
    (folder / "b.pdf").write_bytes(_pdf(1))

    class Vanishing(PaperSource):
        def discover(self, paths):
            found = super().discover(paths)
            (folder / "b.pdf").unlink()  # between discovery and reading
            return found

    from pipeline.batch import Batch

    store = Store(tmp_path / "out")
    Batch(store, BatchOptions(progress=False, workers=1)).run(Vanishing(), [str(folder)])
    store.export()
    store.close()
    manifest = {Path(m["path"]).name: m for m in read_jsonl(tmp_path / "out" / "manifest.jsonl")}
    assert manifest["a.pdf"]["status"] == "ok"
    assert manifest["b.pdf"]["status"] == "failed" and "cannot" in manifest["b.pdf"]["error"]


@pytest.mark.ocr
def test_the_output_folder_inside_the_input_is_not_read(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(GOOD_PDF.read_bytes())
    out = folder / "batch"
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    scan([str(folder)], out, BatchOptions(progress=False, workers=1))  # OUT has files now
    manifest = read_jsonl(out / "manifest.jsonl")
    assert [Path(m["path"]).name for m in manifest] == ["a.pdf"]


def test_a_second_formscan_on_the_same_batch_is_refused(tmp_path):
    first = Store(tmp_path / "out")
    try:
        with pytest.raises(BatchBusy, match="in use by another formscan"):
            Store(tmp_path / "out")
    finally:
        first.close()
    Store(tmp_path / "out").close()  # free again once the first is done


@pytest.mark.ocr
def test_an_email_attachment_claiming_pdf_but_executable_is_listed(tmp_path):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.cn", "c@d.cn", "报名表"
    message.set_content("附件为报名表")
    message.add_attachment(b"MZ\x90\x00" + os.urandom(2000), maintype="application",
                           subtype="pdf", filename="报名表.pdf")
    message.add_attachment(GOOD_PDF.read_bytes(), maintype="application", subtype="pdf",
                           filename="授权书.pdf")
    mail = tmp_path / "mail.eml"
    mail.write_bytes(bytes(message))
    out = tmp_path / "out"
    read_email([str(mail)], out, BatchOptions(progress=False, workers=1))
    lines = {m["attachment"]: m for m in read_jsonl(out / "manifest.jsonl")}
    bad = lines["报名表.pdf"]
    assert bad["status"] in ("failed", "skipped") and bad["error"]
    assert lines["授权书.pdf"]["status"] == "ok"


def _mail(*attachments: tuple[bytes, str, str]) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.cn", "c@d.cn", "报名表"
    message.set_content("附件为报名表")
    for data, subtype, name in attachments:
        message.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return bytes(message)


def _docx_unpacking_to(size: int) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * size)
    return buf.getvalue()


def _nested(depth: int) -> bytes:
    inner = EmailMessage()
    inner["Subject"] = "innermost"
    inner.set_content("正文")
    for level in range(depth):
        outer = EmailMessage()
        outer["From"], outer["Subject"] = "a@b.cn", f"Fwd {level}"
        outer.set_content("转发")
        outer.add_attachment(inner)
        inner = outer
    return bytes(inner)


@pytest.mark.ocr
def test_broken_and_hostile_attachments_fail_alone(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "broken.eml").write_bytes(_mail(
        (b"PK\x03\x04" + os.urandom(3000), "vnd.openxmlformats-officedocument."
         "wordprocessingml.document", "报名表.docx"),
        (_docx_unpacking_to(3 * 1024 ** 2), "vnd.openxmlformats-officedocument."
         "wordprocessingml.document", "炸弹.docx"),
        (_pdf(12), "pdf", "十二页.pdf"),
        (_cut(_jpeg(_page()), b"\xff\xd9"), "octet-stream", "报名表.jpg"),  # cut short
        (GOOD_PDF.read_bytes(), "pdf", "授权书.pdf")))
    (folder / "nested.eml").write_bytes(_nested(30))
    (folder / "shallow.eml").write_bytes(_nested(3))
    out = tmp_path / "out"
    read_email([str(folder)], out, BatchOptions(progress=False, workers=1, limits=Limits(
        max_pages=10, max_bytes=1024 ** 2, max_depth=20)))
    lines = {(Path(m["path"]).name, m["attachment"]): m
             for m in read_jsonl(out / "manifest.jsonl")}
    damaged = lines[("broken.eml", "报名表.docx")]
    assert damaged["status"] == "failed" and "damaged" in damaged["error"]
    bomb = lines[("broken.eml", "炸弹.docx")]
    assert bomb["status"] == "failed" and "unpacks to 3 MB" in bomb["error"]
    assert "--max-mb" in bomb["error"]
    long_pdf = lines[("broken.eml", "十二页.pdf")]
    assert long_pdf["status"] == "failed" and "--max-pages" in long_pdf["error"]
    assert lines[("broken.eml", "授权书.pdf")]["status"] == "ok"
    assert "notes" not in lines[("broken.eml", "授权书.pdf")]
    cut = lines[("broken.eml", "报名表.jpg")]  # read as far as it goes, noted
    assert cut["status"] == "ok" and cut["notes"] == [{"code": "attached", "params": {
        "inner": {"reason": {"code": "jpeg_cut_short", "params": {}}}}}]  # said: resend it
    deep = lines[("nested.eml", None)]
    assert deep["status"] == "failed" and "nested 60 levels deep" in deep["error"]
    assert "--max-depth" in deep["error"]
    # Read: each forwarded message opened, the innermost holds no attachment.
    inner = lines[("shallow.eml", "Fwd 1.eml › Fwd 0.eml › innermost.eml")]
    assert inner["status"] == "skipped" and inner["reason"]["code"] == "no_attachment"


def test_the_command_refuses_a_batch_in_use_and_says_why(tmp_path):
    import subprocess
    import sys

    holder = Store(tmp_path / "out")
    try:
        done = subprocess.run([sys.executable, "-m", "pipeline", "scan", str(GOOD_PDF), "--out",
                               str(tmp_path / "out"), "--no-progress"],
                              capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert done.returncode == 4
    assert "正被另一个 formscan 使用" in done.stderr and "Traceback" not in done.stderr


# --- archives: each member fails alone (#27) -------------------------------------------------
def _form_docx(eml: str = "mail_003.eml", index: int = 0) -> tuple[str, bytes]:
    """A form as a unit sends it (.docx, read without OCR) and its name."""
    from pipeline.mail import read_attachments

    mail = SAMPLES.parent / "email" / eml
    docs = [a for a in read_attachments(str(mail)) if a.kind.value == "docx"]
    return docs[index].filename, docs[index].data


def _zip_of(members: list[tuple[str, bytes]], method: int = 8) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def _zip_headers(data: bytes, flag: int = 0, method: int | None = None) -> bytes:
    """A zip with each entry's local and central header changed: ``flag`` bits set (1: the
    entry is encrypted, as ZipCrypto writes it), the compression ``method`` (9: Deflate64).
    zipfile writes neither; its headers are rewritten here, the data left as it is."""
    out = bytearray(data)
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(signature)
        while at >= 0:
            out[at + flags_at] |= flag
            if method is not None:
                struct.pack_into("<H", out, at + flags_at + 2, method)
            at = out.find(signature, at + 4)
    return bytes(out)


def _flipped(data: bytes, at: int, count: int = 16) -> bytes:
    out = bytearray(data)
    out[at:at + count] = bytes(b ^ 0xFF for b in out[at:at + count])
    return bytes(out)


def _seven_z(members: list[tuple[str, bytes]], password: str | None = None,
             encrypted_listing: bool = False, renamed: tuple[str, str] | None = None) -> bytes:
    """A .7z written by py7zr; ``renamed``: a member's name changed in the (plain) header
    afterwards, the header's checksums made right (py7zr refuses to write ``../``)."""
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password,
                            header_encryption=encrypted_listing) as archive:
        if renamed:
            archive.set_encoded_header_mode(False)
        for name, data in members:
            archive.writestr(data, name)
    out = bytearray(buf.getvalue())
    if renamed:
        old, new = (name.encode("utf-16-le") for name in renamed)
        offset, size = struct.unpack_from("<QQ", out, 12)
        start = 32 + offset
        header = bytes(out[start:start + size])
        assert old in header and len(old) == len(new)
        out[start:start + size] = header.replace(old, new)
        struct.pack_into("<I", out, 28, zlib.crc32(out[start:start + size]))
        struct.pack_into("<I", out, 8, zlib.crc32(bytes(out[12:32])))
    return bytes(out)


def _zh(line: dict) -> str:
    from pipeline.i18n import say

    return say(Reason.from_dict(line["reason"]), "zh")


@pytest.fixture(scope="module")
def archive_mail(tmp_path_factory):
    """One message with every kind of archive that cannot be read whole, each holding a form
    beside what fails, and a form attached on its own."""
    name, form = _form_docx()  # a work's registration form
    other_name, other = _form_docx("mail_001.eml")  # a proposal's, attached on its own
    third_name, third = _form_docx("mail_002.eml", 1)  # another proposal's, in 越界.7z
    _, letter = _form_docx("mail_002.eml", 0)  # a cover letter, damaged in 损坏.zip
    text = "报名表填写说明。".encode() * 400
    root = tmp_path_factory.mktemp("archives")
    inbox = root / "inbox"
    inbox.mkdir()
    damaged_zip = _zip_of([("报送函.docx", letter), (name, form)])
    damaged_zip = _flipped(damaged_zip, 30 + len("报送函.docx".encode()) + 200)  # in its data
    seven = _seven_z([("说明.txt", text), ("报名表.docx", form)])
    (inbox / "archives.eml").write_bytes(_mail(
        (_zip_headers(_zip_of([(name, form)]), flag=1), "zip", "密码.zip"),
        (_zip_headers(_zip_of([(name, form)]), method=9), "zip", "Deflate64.zip"),
        (damaged_zip, "zip", "损坏.zip"),
        (_seven_z([(name, form)], password="unit"), "x-7z-compressed", "密码.7z"),
        (_seven_z([(name, form)], password="unit", encrypted_listing=True),
         "x-7z-compressed", "加密目录.7z"),
        (_flipped(seven, len(seven) // 2), "x-7z-compressed", "损坏.7z"),
        (seven[:len(seven) // 2], "x-7z-compressed", "截断.7z"),  # its listing cut off
        (_seven_z([("xx/越界.docx", form), (third_name, third)], renamed=("xx/", "../")),
         "x-7z-compressed", "越界.7z"),
        (other, "vnd.openxmlformats-officedocument.wordprocessingml.document", other_name)))
    out = root / "out"
    summary = read_email([str(inbox)], out, BatchOptions(progress=False, workers=1))
    lines = {m["attachment"]: m for m in read_jsonl(out / "manifest.jsonl")}
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    return root, name, (other_name, third_name), lines, records, summary


def test_a_password_protected_archive_is_refused_and_the_rest_read(archive_mail):
    _, name, (other, _), lines, records, _ = archive_mail
    for archive, kind in (("密码.zip", "zip"), ("密码.7z", "7z")):
        line = lines[f"{archive} › {name}"]
        assert line["status"] == "failed", line
        assert line["reason"] == {"code": "archive_password", "params": {"kind": kind}}
        assert _zh(line) == f"{kind} 压缩包有密码：请向报送单位索取无密码版本"
    listing = lines["加密目录.7z"]  # even its names are encrypted: the archive is one line
    assert listing["status"] == "failed" and listing["reason"]["code"] == "archive_password"
    beside = lines[other]
    assert beside["status"] == "ok"
    assert records[beside["doc_id"]]["form_type"] == "proposal_registration"


def test_an_unsupported_method_is_named(archive_mail):
    _, name, _, lines, _, _ = archive_mail
    line = lines[f"Deflate64.zip › {name}"]
    assert line["status"] == "failed"
    assert line["reason"]["code"] == "archive_method"
    assert line["reason"]["params"] == {"kind": "zip", "method": "Deflate64"}
    assert "Deflate64" in _zh(line) and "普通 zip" in _zh(line)


def test_a_damaged_member_fails_alone_and_the_form_beside_it_is_read(archive_mail):
    _, name, _, lines, records, summary = archive_mail
    damaged = lines["损坏.zip › 报送函.docx"]
    assert damaged["status"] == "failed" and damaged["reason"]["code"] == "archive"
    assert _zh(damaged) == "zip 压缩包：文件已损坏：请向报送单位重新索取"
    assert "zip archive: the file is damaged (" in damaged["error"]  # the decoder's words
    good = lines[f"损坏.zip › {name}"]
    assert good["status"] == "ok"
    assert records[good["doc_id"]]["fields"]["title"]["value"] == "老街故事"
    seven = lines["损坏.7z › 报名表.docx"]  # after the damage in its solid block
    assert seven["status"] == "failed" and seven["reason"]["params"]["kind"] == "7z"
    assert _zh(seven) == "7z 压缩包：文件已损坏：请向报送单位重新索取"  # its kind, whole Chinese
    assert lines["损坏.7z › 说明.txt"]["status"] == "failed"  # not a document (read: its start)
    assert "not a Word" in lines["损坏.7z › 说明.txt"]["error"]
    cut = lines["截断.7z"]  # the archive as a whole: said as a 7z, in whole Chinese
    assert cut["status"] == "failed" and cut["reason"]["params"]["kind"] == "7z"
    assert _zh(cut) == "7z 压缩包：文件已损坏：请向报送单位重新索取"
    assert "next header size" in cut["error"]  # py7zr's words stay in the English
    # Every attachment and member has its line; nothing is missing.
    assert len(lines) == 12
    assert {f.attachment for f in summary.failures} == {
        f"密码.zip › {name}", f"Deflate64.zip › {name}", "损坏.zip › 报送函.docx",
        f"密码.7z › {name}", "加密目录.7z", "损坏.7z › 说明.txt", "损坏.7z › 报名表.docx",
        "截断.7z",
        "越界.7z › ../越界.docx"}


def test_a_member_named_outside_the_archive_is_refused_alone(archive_mail):
    root, _, (_, third), lines, records, _ = archive_mail
    line = lines["越界.7z › ../越界.docx"]
    assert line["status"] == "failed" and line["reason"]["code"] == "archive"
    assert line["reason"]["params"]["inner"]["reason"]["code"] == "archive_unsafe_member"
    assert _zh(line).startswith("7z 压缩包：文件名 ../越界.docx 指向压缩包之外")
    good = lines[f"越界.7z › {third}"]
    assert good["status"] == "ok"
    assert records[good["doc_id"]]["form_type"] == "proposal_registration"
    written = {p.relative_to(root).parts[0] for p in root.rglob("*")}
    assert written == {"inbox", "out"}  # nothing beside OUT
    assert not list(root.rglob("越界.docx"))


def _zip_of_zeros(mb: int) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w") as member:
            for _ in range(mb):
                member.write(bytes(1024 ** 2))
    return buf.getvalue()


def test_archives_inside_an_archive_are_limited_together(tmp_path):
    from pipeline.mail import read_mail

    name, form = _form_docx()
    inner = _zip_of_zeros(8)  # 8 MB of zeros, a few KB packed
    bomb = _zip_of([(name, form), *[(f"{i}.zip", inner) for i in (1, 2, 3)]])
    mail = tmp_path / "bomb.eml"
    mail.write_bytes(_mail((bomb, "zip", "材料.zip")))
    limits = Limits(max_bytes=20 * 1024 ** 2)  # each alone is under it; the three are not
    found = {a.display: a for a in read_mail(str(mail), limits).attachments}
    for i in (1, 2):  # no document: told from its first bytes, never unpacked whole
        assert len(found[f"材料.zip › {i}.zip › zeros.bin"].data) <= 2048
    out = tmp_path / "out"
    read_email([str(mail)], out, BatchOptions(progress=False, workers=1, limits=limits))
    lines = {m["attachment"]: m for m in read_jsonl(out / "manifest.jsonl")}
    third = lines["材料.zip › 3.zip"]
    assert third["status"] == "failed"
    inner_reason = third["reason"]["params"]["inner"]["reason"]
    assert inner_reason["code"] == "over_unpacked_nested"
    assert inner_reason["params"] == {"mb": 24, "limit": 20}
    assert "--max-mb" in _zh(third) and "合计解压后 24 MB" in _zh(third)
    for i in (1, 2):
        assert lines[f"材料.zip › {i}.zip › zeros.bin"]["status"] == "failed"  # not a form
    assert lines[f"材料.zip › {name}"]["status"] == "ok"
    assert "材料.zip › 3.zip › zeros.bin" not in lines  # never unpacked


# --- the file system: links in a loop, a file removed while it is read (#27) ------------------
def test_links_in_a_loop_are_listed_as_such_and_the_rest_read(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "blank.pdf").write_bytes(_pdf(1))
    (folder / "a.jpg").symlink_to(folder / "b.jpg")
    (folder / "b.jpg").symlink_to(folder / "a.jpg")
    out = tmp_path / "out"
    summary = scan([str(folder)], out, BatchOptions(progress=False, workers=1))
    lines = {Path(m["path"]).name: m for m in read_jsonl(out / "manifest.jsonl")}
    for name in ("a.jpg", "b.jpg"):
        assert lines[name]["status"] == "failed"
        assert lines[name]["reason"] == {"code": "symlink_loop", "params": {}}
        assert _zh(lines[name]).startswith("链接循环")
    assert lines["blank.pdf"]["status"] == "skipped"  # read: one empty page
    assert lines["blank.pdf"]["reason"]["code"] == "blank_page"
    assert len(summary.failures) == 2


def test_a_file_removed_while_it_is_read_says_so(tmp_path):
    from contextlib import contextmanager

    from pipeline.batch import Batch

    folder = tmp_path / "in"
    folder.mkdir()
    page = np.full((400, 300, 3), 255, np.uint8)
    (folder / "a.png").write_bytes(cv2.imencode(".png", page)[1].tobytes())
    (folder / "b.tif").write_bytes(cv2.imencode(".tif", page)[1].tobytes())
    (folder / "c.pdf").write_bytes(_pdf(1))

    class Removing(PaperSource):
        @contextmanager
        def open(self, path):
            with super().open(path) as parts:  # its header read, its pages not yet
                if not path.endswith(".pdf"):
                    os.unlink(path)
                yield parts

    with Store(tmp_path / "out") as store:
        Batch(store, BatchOptions(progress=False, workers=1)).run(Removing(), [str(folder)])
        store.export()
    lines = {Path(m["path"]).name: m for m in read_jsonl(tmp_path / "out" / "manifest.jsonl")}
    for name in ("a.png", "b.tif"):
        assert lines[name]["status"] == "failed", lines[name]
        assert lines[name]["reason"]["code"] == "removed"
        assert "No such file" in lines[name]["error"] and "damaged" not in lines[name]["error"]
        assert _zh(lines[name]).startswith("文件在读取过程中被删除或移走")
    assert lines["c.pdf"]["status"] == "skipped"  # read beside them


# --- signals (#27) ----------------------------------------------------------------------------
_STOPPED_AFTER_ONE_FILE = """
import os, signal, sys
from pipeline import batch, cli

put = batch.Batch._put
# Ctrl-C as in a terminal: a job started in the background (`make test &`) inherits SIGINT
# ignored, and Python then installs no handler of its own.
signal.signal(signal.SIGINT, signal.default_int_handler)

def then_stopped(self, record, entry, *rest):  # a real signal, once a line is stored
    put(self, record, entry, *rest)
    if entry.path.endswith("mail_001.eml"):
        os.kill(os.getpid(), signal.SIG{signal})

batch.Batch._put = then_stopped
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("signal_name", "status"), [("TERM", 143), ("INT", 130)])
def test_sigterm_ends_a_run_like_ctrl_c_with_the_files_written(tmp_path, signal_name, status):
    import shutil
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("mail_001.eml", "mail_002.eml"):  # Word forms: read without OCR
        shutil.copy(SAMPLES.parent / "email" / name, inbox / name)
    out = tmp_path / "out"
    command = [sys.executable, "-c", _STOPPED_AFTER_ONE_FILE.replace("{signal}", signal_name),
               "email", str(inbox), "--out", str(out), "--workers", "1", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SAMPLES.parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == status, done.stderr
    assert "formscan：已中断；已完成的页面已保存" in done.stderr
    assert "Traceback" not in done.stderr
    # Written on the way out: the first message's lines and its record, not the second's.
    manifest = read_jsonl(out / "manifest.jsonl")
    assert {Path(m["path"]).name for m in manifest} == {"mail_001.eml"}
    assert [r["form_type"] for r in read_jsonl(out / "records.jsonl")] == [
        "proposal_registration"]
    # The same command again goes on: the second message read, nothing twice.
    again = subprocess.run([sys.executable, "-m", "pipeline", *command[3:]],
                           capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 0, again.stderr
    manifest = read_jsonl(out / "manifest.jsonl")
    assert sorted(Path(m["path"]).name for m in manifest) == [
        "mail_001.eml", "mail_002.eml", "mail_002.eml"]


# --- the command line (#27) -------------------------------------------------------------------
def test_a_file_named_with_a_dash_is_said_how_to_give(tmp_path, monkeypatch, capsys):
    from pipeline import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "-rf.pdf").write_bytes(_pdf(1))
    with pytest.raises(SystemExit) as refused:
        cli.main(["scan", "-rf.pdf", "--out", "out"])
    assert refused.value.code == 2
    said = capsys.readouterr().err
    assert "文件名 -rf.pdf 以 - 开头，被当作了选项：请写成 ./-rf.pdf，或写在 -- 之后" in said
    assert "formscan scan --out 输出文件夹 -- -rf.pdf" in said
    assert "缺少必需的参数" not in said  # argparse's own words mislead here
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "email", "-rf.pdf", "--out", "out"])
    assert "write it as ./-rf.pdf, or after -- (formscan email" in capsys.readouterr().err
    # Given either way, it is read.
    for given in (["--", "-rf.pdf"], ["./-rf.pdf"]):
        assert cli.main(["scan", "--out", "out", "--workers", "1", "--no-progress", *given]) == 0
    lines = read_jsonl(tmp_path / "out" / "manifest.jsonl")
    assert {Path(m["path"]).name for m in lines} == {"-rf.pdf"}
    assert all(m["status"] == "skipped" for m in lines)  # its one page, blank
# --------------------------------------------------------------------------------------------
# Image kinds and image limits (#27): a multi-page TIFF checked frame by frame, a fax (1-bit
# CCITT G4 at 204 × 196 dpi), a thumbnail too small to read, GIF and WebP as scans and as
# attachments.

def _tiff_second_frame_claiming(first: np.ndarray, width: int, height: int) -> bytes:
    """A 2-page TIFF: the form, then a frame whose header claims ``width`` × ``height``."""
    buf = io.BytesIO()
    Image.fromarray(first[:, :, ::-1]).save(buf, "TIFF", save_all=True, compression="tiff_lzw",
                                            append_images=[Image.new("L", (64, 64), 255)])
    data = bytearray(buf.getvalue())
    order = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack_from(order + "I", data, 4)[0]
    count = struct.unpack_from(order + "H", data, ifd)[0]
    ifd = struct.unpack_from(order + "I", data, ifd + 2 + 12 * count)[0]  # the second frame's
    for i in range(struct.unpack_from(order + "H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from(order + "HH", data, entry)
        if tag in (256, 257):  # ImageWidth, ImageLength
            struct.pack_into(order + ("H" if kind == 3 else "I"), data, entry + 8,
                             width if tag == 256 else height)
    return bytes(data)


def _fax(page: np.ndarray, dither: bool = False) -> bytes:
    """The page as a fax machine sends it: 204 dpi across, 196 down (fine mode), black and
    white (a threshold that leaves the red seal's ring thin and broken, or dithered), CCITT
    Group 4."""
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    grey = cv2.resize(grey, (round(w * 204 / 200), round(h * 196 / 200)),
                      interpolation=cv2.INTER_AREA)
    bilevel = (Image.fromarray(grey).convert("1") if dither else
               Image.fromarray(np.where(grey > 170, 255, 0).astype(np.uint8)).convert("1"))
    return _pil(bilevel, "TIFF", compression="group4", dpi=(204, 196))


def _thumbnail(page: np.ndarray) -> bytes:
    small = cv2.resize(page, (283, 400), interpolation=cv2.INTER_AREA)  # 34 dpi
    return cv2.imencode(".png", small)[1].tobytes()


def _animated(page: np.ndarray, fmt: str) -> bytes:
    """A two-frame animation whose first frame is the form."""
    first = Image.fromarray(page[:, :, ::-1])
    return _pil(first, fmt, save_all=True, append_images=[Image.new("RGB", first.size, "white")])


IMAGES = {  # name -> (content maker, status, the reason's code or None, notes' codes)
    "two_pages_second_huge.tif": (lambda: _tiff_second_frame_claiming(_page(), 13_000, 13_000),
                                  "ok", None, []),
    "fax.tif": (lambda: _fax(_page()), "ok", None, []),
    "thumbnail.png": (lambda: _thumbnail(_page()), "failed", Code.LOW_RESOLUTION, []),
    "form.gif": (lambda: _pil(Image.fromarray(_page()[:, :, ::-1]), "GIF"), "ok", None, []),
    "form.webp": (lambda: _animated(_page(), "WEBP"), "ok", None,
                  [Code.FIRST_FRAME_ONLY.value]),
}


@pytest.fixture(scope="module")
def scanned_images(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    for name, (make, *_) in IMAGES.items():
        (root / name).write_bytes(make())
    out = tmp_path_factory.mktemp("out")
    summary = scan([str(root)], out, BatchOptions(progress=False, workers=1))
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    return summary, read_jsonl(out / "manifest.jsonl"), records


@pytest.mark.ocr
@pytest.mark.parametrize("name", sorted(IMAGES))
def test_each_image_kind_gets_its_status_and_the_form_is_read(scanned_images, name):
    _, manifest, records = scanned_images
    _, status, code, notes = IMAGES[name]
    line = _line(manifest, name)
    assert line["status"] == status, line
    assert [n["code"] for n in line.get("notes", [])] == notes, line
    if code:
        assert line["reason"]["code"] == code.value, line
        return
    record = records[line["doc_id"]]
    assert record["form_type"] == "work_registration", name
    assert record["fields"]["title"]["value"] == "一封没寄出的信", name
    assert record["fields"]["contact"]["value"] == "谢萍志", name


@pytest.mark.ocr
def test_a_tiff_page_over_the_limit_fails_alone(scanned_images):
    summary, manifest, _ = scanned_images
    pages = {m["page"]: m for m in manifest if m["path"].endswith("two_pages_second_huge.tif")}
    assert pages[1]["status"] == "ok"  # the first page, read
    huge = pages[2]  # checked from its own header: never decoded (nor called blank)
    assert huge["status"] == "failed" and huge["reason"] == {
        "code": "over_pixels", "params": {"width": 13000, "height": 13000, "limit": 150}}
    assert "--max-megapixels" in huge["error"]
    assert sorted((Path(f.path).name, f.page) for f in summary.failures) == [
        ("thumbnail.png", 1), ("two_pages_second_huge.tif", 2)]


@pytest.mark.ocr
def test_a_fax_page_has_its_seal_found(scanned_images):
    _, manifest, records = scanned_images
    assert Image.open(io.BytesIO(IMAGES["fax.tif"][0]())).info["compression"] == "group4"
    record = records[_line(manifest, "fax.tif")["doc_id"]]
    assert record["seal"]["present"] and record["signature"]["present"]
    assert not {"missing_seal", "missing_signature"} & set(record["flags"])


@pytest.mark.ocr
def test_a_thumbnail_too_small_to_read_fails_with_no_verdicts(scanned_images):
    _, manifest, records = scanned_images
    line = _line(manifest, "thumbnail.png")
    assert line["reason"]["params"] == {"width": 283, "height": 400, "dpi": 34}
    assert "resolution too low" in line["error"] and "200 dpi" in line["error"]
    from pipeline.i18n import say

    said = say(Reason.from_dict(line["reason"]))
    assert said.startswith("分辨率太低（283 × 400 像素，约 34 dpi）")
    record = records[line["doc_id"]]  # kept as a failed record: no 缺签名/缺盖章 on it
    assert record["status"] == "failed" and not record["flags"]
    assert record.get("signature") is None and record.get("seal") is None


@pytest.mark.ocr
def test_gif_and_webp_attachments_are_read(tmp_path):
    mail = tmp_path / "mail.eml"
    mail.write_bytes(_mail((_animated(_page(), "GIF"), "octet-stream", "报名表.gif"),
                           (_pil(Image.fromarray(_page()[:, :, ::-1]), "WEBP"), "octet-stream",
                            "报名表.webp"),
                           (GOOD_PDF.read_bytes(), "pdf", "授权书.pdf")))
    out = tmp_path / "out"
    read_email([str(mail)], out, BatchOptions(progress=False, workers=1))
    lines = {m["attachment"]: m for m in read_jsonl(out / "manifest.jsonl")}
    records = {r["doc_id"]: r for r in read_jsonl(out / "records.jsonl")}
    for name in ("报名表.gif", "报名表.webp"):
        assert lines[name]["status"] == "ok", lines[name]
        assert records[lines[name]["doc_id"]]["fields"]["title"]["value"] == "一封没寄出的信"
    assert lines["报名表.gif"]["notes"] == [{"code": "attached", "params": {"inner": {
        "reason": {"code": "first_frame_only", "params": {"count": 2}}}}}]
    assert "first frame" in lines["报名表.gif"]["note"]
    assert "notes" not in lines["报名表.webp"]
    assert lines["授权书.pdf"]["status"] == "ok"


def test_image_kinds_are_told_by_their_content():
    from pipeline.filetypes import Kind, sniff
    from pipeline.mail.kinds import AttachmentKind, attachment_kind

    gif = _pil(Image.new("RGB", (8, 8)), "GIF")
    webp = _pil(Image.new("RGB", (8, 8)), "WEBP")
    assert sniff(gif) is Kind.GIF and sniff(webp) is Kind.WEBP
    assert attachment_kind(gif, "a.gif")[0] is AttachmentKind.IMAGE
    assert attachment_kind(webp, "photo.jpg")[0] is AttachmentKind.IMAGE


def test_tiff_frames_are_checked_one_by_one_and_fax_pixels_made_square(tmp_path):
    from pipeline.ingest import scan_pages
    from pipeline.model import Unreadable

    two = tmp_path / "two.tif"
    two.write_bytes(_tiff_second_frame_claiming(_page(), 13_000, 13_000))
    first, second = scan_pages(str(two))
    assert first.image.shape[:2] == _page().shape[:2]
    assert isinstance(second, Unreadable) and second.page == 2
    assert second.reason.code is Code.OVER_PIXELS
    standard = tmp_path / "standard.tif"  # a fax in standard mode: 204 × 98 dpi
    standard.write_bytes(_pil(Image.new("1", (1728, 1100), 1), "TIFF", compression="group4",
                              dpi=(204, 98)))
    (page,) = scan_pages(str(standard))
    assert page.image.shape[:2] == (round(1100 * 204 / 98), 1728)
    assert set(np.unique(page.image)) <= {0, 255}  # still black and white


@pytest.mark.parametrize("dither", [False, True])
def test_the_seal_of_a_fax_page_is_found(dither, tmp_path):
    from pipeline.imaging import is_bilevel
    from pipeline.verify.seal import SEAL, find_seal, seal_params

    fax = tmp_path / "fax.tif"
    fax.write_bytes(_fax(_page(), dither))
    _, frames = cv2.imreadmulti(str(fax), 0, 1, flags=cv2.IMREAD_COLOR)
    page = frames[0]
    assert is_bilevel(page) and not is_bilevel(_page())
    found = find_seal(page, seal_params(page))
    assert found.mark.present and found.grey
    x0, y0, x1, y1 = found.mark.bbox  # the seal of scan_0292, at 204 × 196 dpi
    assert abs((x0 + x1) / 2 - 1303 * 204 / 200) < 15 and abs((y0 + y1) / 2 - 1523 * 0.98) < 15
    if not dither:  # what the grey page's numbers made of it: the broken ring missed
        assert not find_seal(page, SEAL).mark.present


def test_a_message_inside_an_archive_shares_the_archive_s_unpacking_limit(tmp_path):
    """A message kept in an archive is read whole (not told from its first bytes as no
    document), and is no way round the limit: the zips attached to it count with the
    archive's other zips."""
    from pipeline.mail import read_mail

    inner = _zip_of_zeros(8)
    name, form = _form_docx()
    forwarded = _mail((form, "octet-stream", name), (inner, "zip", "3.zip"))
    bomb = _zip_of([("1.zip", inner), ("2.zip", inner), ("转发.eml", forwarded)])
    mail = tmp_path / "bomb.eml"
    mail.write_bytes(_mail((bomb, "zip", "材料.zip")))
    limits = Limits(max_bytes=20 * 1024 ** 2)  # each alone is under it; the three are not
    found = {a.display: a for a in read_mail(str(mail), limits).attachments}
    assert found[f"材料.zip › 转发.eml › {name}"].reason is None  # the form, read
    third = found["材料.zip › 转发.eml › 3.zip"]
    assert third.reason is not None
    assert third.reason.params["inner"].code.value == "over_unpacked_nested"
    assert third.reason.params["inner"].params == {"mb": 24, "limit": 20}
