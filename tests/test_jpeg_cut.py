"""A JPEG that ends early (a scan cut short, with or without its end marker) is read as far as
it goes and noted; a complete JPEG is not. Real OpenCV decodes, measured on the sample page
encoded baseline and progressive (the manifest lines are checked in test_hostile)."""

from __future__ import annotations

import sys
from email.message import EmailMessage
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.errors import Code, Reason
from pipeline.filetypes import Kind
from pipeline.i18n import say
from pipeline.imaging import decode, jpeg_structure
from pipeline.limits import Limits
from pipeline.model import WorkItem
from pipeline.sources import MailSource, PaperSource

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "paper"
EOI = b"\xff\xd9"


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return cv2.imread(str(SAMPLES / "scan_0292.png"))


def _jpeg(image: np.ndarray, progressive: bool = False, quality: int = 85) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality,
                                            cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)])
    assert ok
    return data.tobytes()


def _cut(data: bytes, share: float = 0.6, marked: bool = False) -> bytes:
    """The first ``share`` of a JPEG; ``marked``: an end marker appended (as copy tools do)."""
    return data[:int(len(data) * share)] + (EOI if marked else b"")


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize("marked", [False, True], ids=["no_end_marker", "end_marker"])
def test_a_jpeg_cut_short_is_read_as_far_as_it_goes_and_told(page, progressive, marked):
    cut = _cut(_jpeg(page, progressive), marked=marked)
    assert cut.endswith(EOI) is marked
    decoded = decode(cut)
    assert decoded.image is not None and decoded.image.shape == page.shape
    assert decoded.ends_early
    top = slice(0, page.shape[0] // 4)  # the upper part is the page's own
    assert np.abs(decoded.image[top].astype(int) - page[top]).mean() < 6


def test_a_progressive_jpeg_cut_between_two_scans_is_told_by_its_structure(page):
    data = _jpeg(page, progressive=True)
    scans = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\xff\xda"]
    assert len(scans) > 2
    for start in scans[1:]:  # libjpeg says nothing here: the scans it has are whole
        assert jpeg_structure(data[:start] + EOI) == (True, False)
        assert decode(data[:start] + EOI).ends_early
        assert decode(data[:start]).ends_early
    assert jpeg_structure(data) == (True, True)


def test_a_complete_jpeg_is_not_told(page):
    jpegs = [p.read_bytes() for p in sorted(SAMPLES.glob("*.jpg")) if p.stat().st_size]
    assert len(jpegs) >= 2
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    for progressive in (False, True):
        for quality in (40, 95):
            jpegs += [_jpeg(page, progressive, quality), _jpeg(grey, progressive, quality),
                      _jpeg(page[:333, :517], progressive, quality)]
    for data in jpegs:
        decoded = decode(data)
        assert decoded.image is not None and not decoded.ends_early
        assert jpeg_structure(data) == (True, True)
    png = cv2.imencode(".png", page)[1].tobytes()
    assert not decode(png).ends_early


def test_the_standard_error_is_given_back_and_only_the_cut_is_kept_from_it(page, capfd):
    decode(_cut(_jpeg(page), marked=True))
    data = _jpeg(page[:200, :200])
    table = data.index(b"\xff\xdb")
    odd = decode(data[:table] + b"\0\0" + data[table:])  # libjpeg warns of the stray bytes
    assert odd.image is not None and not odd.ends_early
    print("still here", file=sys.stderr, flush=True)
    err = capfd.readouterr().err
    assert "premature end" not in err  # the cut is told in the manifest instead
    assert "extraneous bytes" in err and "still here" in err


def test_the_header_check_passes_a_jpeg_cut_short(page, tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(_cut(_jpeg(page)))
    assert Limits().check_image(str(path), Kind.JPEG) == 1


def test_a_cut_scan_and_a_cut_attachment_carry_the_note(page, tmp_path):
    cut, whole = _cut(_jpeg(page, progressive=True)), _jpeg(page)
    (tmp_path / "cut.jpg").write_bytes(cut)
    (tmp_path / "whole.jpg").write_bytes(whole)
    for name, notes in (("cut.jpg", (Reason(Code.JPEG_CUT_SHORT),)), ("whole.jpg", ())):
        with PaperSource().open(str(tmp_path / name)) as parts:
            (item,) = list(parts[0].read({1}))
        assert isinstance(item, WorkItem) and item.notes == notes, name
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.cn", "c@d.cn", "报名表"
    message.set_content("附件为报名表")
    message.add_attachment(cut, maintype="image", subtype="jpeg", filename="报名表.jpg")
    message.add_attachment(whole, maintype="image", subtype="jpeg", filename="授权书.jpg")
    mail = tmp_path / "mail.eml"
    mail.write_bytes(bytes(message))
    with MailSource().open(str(mail)) as parts:
        got = {part.attachment: list(part.read({None})) for part in parts}
    # Said of an emailed attachment: the office asks the unit to send it again.
    (note,) = got["报名表.jpg"][0].notes
    assert note == Reason(Code.ATTACHED, {"inner": Reason(Code.JPEG_CUT_SHORT)})
    assert say(note, "zh") == "附件：JPEG 文件不完整：下部可能缺失，请报送单位重新发送"
    assert got["授权书.jpg"][0].notes == ()


def test_the_note_is_said_in_both_languages():
    note = Reason(Code.JPEG_CUT_SHORT)
    assert say(note, "zh") == "JPEG 文件不完整：下部可能缺失，请重新扫描此页"
    assert say(note, "en") == "the JPEG ends early: its lower part may be missing; rescan this page"
