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


@pytest.mark.ocr
def test_openvino_sessions_keep_few_shapes_and_rapidocr_is_left_as_it_was(monkeypatch):
    """The default engine's three models are compiled with OpenVINO's runtime cache capped
    (a worker otherwise grows with every new line width), and RapidOCR's own settings class
    is put back for anyone else in the process."""
    from rapidocr.inference_engine.openvino import main as openvino_main

    plain = openvino_main.CPUConfig
    seen: list[dict] = []

    class Watching(openvino_main.Core):  # what the CPU plugin is told before each compile
        def set_property(self, device: str, config: dict) -> None:
            seen.append(dict(config))
            super().set_property(device, config)

    monkeypatch.setattr(openvino_main, "Core", Watching)
    engine = ocr.make_engine(ocr.DEFAULT_ENGINE, threads=1)
    engine._ocr  # noqa: B018 - builds the sessions
    assert openvino_main.CPUConfig is plain
    assert len(seen) == 3  # det, rec, cls: all compiled at once, none left to load lazily
    assert all(c["CPU_RUNTIME_CACHE_CAPACITY"] == str(ocr.RUNTIME_CACHE) for c in seen)
    assert all(c["INFERENCE_NUM_THREADS"] == "1" for c in seen)


@pytest.mark.ocr
@pytest.mark.parametrize("name", ["rapidocr", ocr.DEFAULT_ENGINE])
def test_a_twin_reads_beside_its_engine_on_the_same_loaded_models(name, page):
    """A worker's two lanes: the twin shares its engine's loaded models (OpenVINO's compiled
    once, with a stream per lane; ONNX Runtime's sessions as they are) with a request of its
    own, and the two reading at the same time on two threads read what one reads alone."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.workers import EngineSpec

    first, twin = EngineSpec(name, threads=1).make_lanes(2)
    alone = first.read_upright(page)
    with ThreadPoolExecutor(2) as pool:  # each engine on a thread of its own
        together = list(pool.map(lambda e: [e.read_upright(page) for _ in range(2)],
                                 (first, twin)))
    assert together == [[alone] * 2] * 2
    for part in ("text_det", "text_rec", "text_cls"):
        mine, theirs = (getattr(e._ocr, part).session for e in (first, twin))
        if name == ocr.DEFAULT_ENGINE:
            assert mine.session is not theirs.session  # a request each...
            compiled = mine.session.get_compiled_model()
            assert compiled.get_property("NUM_STREAMS") == 2  # ...run side by side
            assert mine.model is theirs.model  # on the one model read
        else:
            assert mine.session is theirs.session  # ONNX Runtime: one session, thread-safe


@pytest.mark.ocr
def test_recognition_widths_in_steps_give_the_steps_of_the_width_asked(page):
    """Batches are padded to ``REC_WIDTH_STEP`` px and the recogniser's output cut back to
    the steps the unpadded width gives (RapidOCR places characters by them): the cut is
    what the model itself returns for that width, for every width."""
    engine = ocr.make_engine(ocr.DEFAULT_ENGINE, threads=1)
    padded = engine._ocr.text_rec.session
    assert isinstance(padded, ocr._Padded)
    for width in range(ocr.REC_MIN_WIDTH, 480):
        batch = np.zeros((1, 3, 48, width), np.float32)
        assert padded(batch).shape[1] == padded.inner(batch).shape[1] == ocr._rec_steps(width)
    # A line's reading keeps its characters where they are on the page.
    lines = engine.recognize(page)
    title = next(line for line in lines if line.text == "作品授权书")
    assert [w.text for w in title.words] == list("作品授权书")
    assert all(a.bbox[2] <= b.bbox[0] + 4 for a, b in zip(title.words, title.words[1:]))


def test_detection_input_is_rapidocrs_to_the_bit(page):
    """Detection's input normalised in float32 is RapidOCR's own (which goes through
    float64), value for value, and laid out as the model takes it."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    for side, limit in ((960, "max"), (736, "min")):
        mine = ocr._det_preprocess(side, limit, None, None)(page)
        theirs = DetPreProcess(side, limit, None, None)(page)
        assert mine.dtype == np.float32 and mine.flags["C_CONTIGUOUS"]
        assert np.array_equal(mine, theirs)


@pytest.mark.ocr
def test_rapidocr_is_loaded_without_its_download_list():
    """In a fresh process (as a worker is), the engine loads without reading RapidOCR's list
    of model downloads, reads the page, and leaves OmegaConf as it was."""
    import subprocess
    import sys

    code = f"""
import json
from omegaconf import OmegaConf
load = OmegaConf.load
from pipeline.ocr import make_engine
import cv2
engine = make_engine("{ocr.DEFAULT_ENGINE}", threads=1)
text = "".join(line.text for line in engine.recognize(cv2.imread({str(PAGE)!r})))
from rapidocr.inference_engine.base import InferSession
print(json.dumps([len(InferSession.model_info), "作品授权书" in text, OmegaConf.load is load]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [0, True, True]
