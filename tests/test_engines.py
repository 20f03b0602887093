"""The OCR engines behind the engine interface: each reads a committed sample page, finds
which way up it is, and an engine whose package is missing is refused before any page."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline import ocr
from pipeline.api import scan
from pipeline.batch import BatchOptions
from pipeline.errors import ModelError

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "paper"
PAGE = SAMPLES / "scan_0069.jpg"  # a work authorization form, 老街故事
OTHERS = ["rapidocr", "faster-paddle-tiny", "faster-paddle-small"]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return cv2.imread(str(PAGE))


@pytest.mark.ocr
@pytest.mark.parametrize("name", [ocr.DEFAULT_ENGINE, *OTHERS])
@pytest.mark.parametrize("turns", [0, 1, 2])
def test_engine_reads_the_page_whichever_way_up(name, turns, page):
    engine = ocr.make_engine(name, threads=1)
    found, lines = engine.read_upright(np.ascontiguousarray(np.rot90(page, -turns)))
    assert found == turns
    text = "".join(line.text for line in lines)
    assert "作品授权书" in text and "老街故事" in text
    # Lines come in the upright page's pixels, characters inside their line.
    upright = np.rot90(page, -turns) if found == 0 else np.rot90(np.rot90(page, -turns), found)
    h, w = upright.shape[:2]
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        assert -2 <= x0 < x1 <= w + 2 and -2 <= y0 < y1 <= h + 2
        for word in line.words:
            assert x0 - 2 <= word.bbox[0] and word.bbox[2] <= x1 + 2


@pytest.mark.ocr
def test_another_engine_fills_the_same_fields(tmp_path):
    """ONNX Runtime runs the same models as the default OpenVINO: a batch read with it gives
    the form types and the titles the truth has."""
    out = tmp_path / "out"
    scan([str(SAMPLES / "scan_0292.png"), str(SAMPLES / "scan_0069.jpg")], out,
         BatchOptions(engine="rapidocr", progress=False, workers=1))
    records = {Path(r["source"]["path"]).name: r for r in map(
        json.loads, (out / "records.jsonl").read_text(encoding="utf-8").splitlines())}
    assert records["scan_0292.png"]["form_type"] == "work_registration"
    assert records["scan_0292.png"]["fields"]["title"]["value"] == "一封没寄出的信"
    assert records["scan_0069.jpg"]["fields"]["title"]["value"] == "老街故事"


def test_engine_without_its_package_is_refused_with_the_command(monkeypatch):
    monkeypatch.setitem(ocr.NEEDS, "faster-paddle-tiny", "no_such_package_here")
    with pytest.raises(ModelError, match="is not installed: `pip install"):
        ocr.check_engine("faster-paddle-tiny")
    with pytest.raises(ModelError, match="unknown OCR engine"):
        ocr.check_engine("tesseract")
