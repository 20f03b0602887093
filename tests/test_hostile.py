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
    "animation.gif": (lambda: _pil(Image.new("RGB", (40, 40)), "GIF"), "skipped", Code.NOT_A_SCAN),
    "photo.webp": (lambda: _pil(Image.new("RGB", (40, 40)), "WEBP"), "skipped", Code.NOT_A_SCAN),
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
