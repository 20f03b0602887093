"""OCR stage: PaddleOCR's PP-OCR models behind a small engine interface.

The default engine runs the det/cls/rec ONNX models shipped inside the ``rapidocr`` wheel
through OpenVINO, with no download (``--engine rapidocr``: the same models on ONNX Runtime).
The shipped model files are checked against the checksums in ``models/README.md`` before use;
files given with ``FORMSCAN_*_MODEL`` are taken as they are. Either way their checksums go into
the :class:`~pipeline.model.Fingerprint` of what read a page (:func:`fingerprint`), so a batch
read with other models is read again. Other engines -- faster-paddle's tiny and small models,
the ``paddleocr`` package -- are selected with ``--engine`` when installed; ``ENGINES`` lists
them and ``NEEDS`` what each imports.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from pipeline import __version__
from pipeline.errors import Code, ModelError
from pipeline.model import Fingerprint, Line, Word
from pipeline.support import Steps

# The models the rapidocr wheel embeds (see models/README.md), with their SHA-256.
DEFAULT_MODELS = {
    "det": ("PP-OCRv6_det_small.onnx",
            "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"),
    "rec": ("PP-OCRv6_rec_small.onnx",
            "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"),
    "cls": ("ch_ppocr_mobile_v2.0_cls_mobile.onnx",
            "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"),
}
DEFAULT_ENGINE = "rapidocr-openvino"  # measured fastest at equal accuracy: README, Speed
DET_SIDE = 960  # px: the long side detection runs at (the page is recognised at full size)
FULL_RESOLUTION = 4096  # px: pages up to this long side are recognised as they are
# Lines recognised per inference. RapidOCR's default, six, pads a batch to its widest line: in
# twos the development set's 44 pages read 7% faster in 12% less memory (README, Speed and
# memory), the same fields on both development sets and on seed 4242; one handwritten synopsis
# character of seed 2024's lines set was read otherwise. (Three lost a ticked work type.)
REC_BATCH = 2
# Widths a recognition batch is padded to: a multiple of this many px. OpenVINO prepares its
# kernels for each input shape; widths to the pixel made most batches a new shape (75 widths
# in 157 batches of twelve pages); in steps of 64 px a page's recognition takes 9% less time
# for 2.5% more pixels (README, Speed and memory).
REC_WIDTH_STEP = 64
# The narrowest a recognition batch is (RapidOCR's: 320 px). A page's short lines -- labels,
# phone numbers, the boxes of a list to tick -- were two fifths of the width recognised, most
# of it padding: at 128 px a page's recognition takes a tenth less time, and both development
# sets and the generated sets read the same fields (README, Speed and memory).
REC_MIN_WIDTH = 128
REC_HEIGHT = 48  # px: the recogniser's input height
# The narrowest a crop is given to the recogniser for its per-step outputs (``steps``): the
# width the margins of ``pipeline.confirm`` and ``pipeline.snap`` were measured at (320, as
# RapidOCR reads; scripts/measure_margin.py). At 128 px a handwritten name read one character
# off fell 5.9 nats below its reading, past the 5-nat margin it had kept.
STEPS_MIN_WIDTH = 320
ORIENTATION_LINES = 16  # the widest lines the direction classifier votes with
UPRIGHT_CONFIDENCE = 0.85  # a page read less surely than this is tried upside down too

MODEL_ENV = {"det": "FORMSCAN_DET_MODEL", "rec": "FORMSCAN_REC_MODEL", "cls": "FORMSCAN_CLS_MODEL"}


class OcrEngine(Protocol):
    """What the pipeline needs of an OCR engine."""

    name: str

    def recognize(self, image: np.ndarray) -> list[Line]:
        """Text lines of a BGR page image, with per-character boxes where the engine has them."""

    def read_upright(self, image: np.ndarray) -> tuple[int, list[Line]]:
        """Quarter turns (counter-clockwise, as ``np.rot90``) that make the page upright, and
        its text lines in the upright page's pixels."""

    def steps(self, crop: np.ndarray) -> Steps | None:
        """The recogniser's per-step outputs for one line crop (``pipeline.support``), or
        None for an engine that does not give them (its readings are then not verified)."""


@cache
def _sha256(path: Path, size: int, mtime: float) -> str:
    """A file's SHA-256 (cached per file version: a run hashes each model once)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def checksum(path: Path) -> str:
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime)


def resolve_models(verify: bool = True) -> dict[str, Path]:
    """Paths of the det/rec/cls models: ``FORMSCAN_*_MODEL`` overrides, else the wheel's.

    The wheel's files are verified against their known checksums; a file given by the
    user is taken as is (its checksum goes into the fingerprint of what it reads).
    """
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise ModelError(Code.RAPIDOCR_MISSING)
    shipped = Path(spec.origin).parent / "models"
    paths: dict[str, Path] = {}
    for task, (filename, digest) in DEFAULT_MODELS.items():
        override = os.environ.get(MODEL_ENV[task])
        path = Path(override) if override else shipped / filename
        if not path.is_file():
            raise ModelError(Code.MODEL_MISSING, task=task, path=str(path),
                             env=MODEL_ENV[task])
        if verify and not override and checksum(path) != digest:
            raise ModelError(Code.MODEL_ALTERED, task=task, path=str(path))
        paths[task] = path
    return paths


FINGERPRINT_HASH = 12  # hex digits of a model's SHA-256 in a fingerprint


def fingerprint(name: str, det_side: int = DET_SIDE) -> Fingerprint:
    """What reads a batch's pages with the engine ``name``: formscan's version, the engine,
    its model files' checksums (overrides included) or its package's version, the detection
    size. A page read by another fingerprint is read again."""
    check_engine(name)
    if name.startswith("rapidocr"):
        models = tuple(sorted((task, checksum(path)[:FINGERPRINT_HASH])
                              for task, path in resolve_models().items()))
    else:  # the engine's models ship inside its package: its version names them
        package = NEEDS[name].replace("_", "-")
        models = (("package", f"{package}=={importlib.metadata.version(package)}"),)
    return Fingerprint(__version__, name, models, det_side)


# Input shapes whose kernels OpenVINO's CPU plugin keeps compiled. Its default, 5,000, lets a
# worker grow with every new line width the recogniser meets (~150 MB over the first hundred
# pages, and on); ten hold ~120 MB less than a hundred in a two-lane worker over 30 pages, at
# the same speed (none, or five, no faster and no leaner).
RUNTIME_CACHE = 10


@contextmanager
def _openvino_cpu(runtime_cache: int) -> Iterator[None]:
    """RapidOCR's OpenVINO sessions compiled, while the block runs, with the runtime cache
    capped too: RapidOCR passes the CPU plugin only the settings its config names."""
    from rapidocr.inference_engine.openvino import main as openvino_main

    plain = openvino_main.CPUConfig

    class Capped(plain):  # type: ignore[misc, valid-type]
        def get_config(self) -> dict[str, str]:
            return {**super().get_config(), "CPU_RUNTIME_CACHE_CAPACITY": str(runtime_cache)}

    openvino_main.CPUConfig = Capped
    try:
        yield
    finally:
        openvino_main.CPUConfig = plain


@contextmanager
def _without_download_list() -> Iterator[None]:
    """RapidOCR imported without its list of model downloads: it reads the addresses of
    every model it knows when imported (85 KB of YAML through OmegaConf, ~0.35 s of each
    worker's start); formscan names its model files and downloads nothing, so the list is
    left empty."""
    if "rapidocr.inference_engine.base" in sys.modules:
        yield
        return
    from omegaconf import OmegaConf

    load = OmegaConf.load

    def without_list(file):  # noqa: ANN001, ANN202 - OmegaConf.load's own signature
        if Path(str(file)).name == "default_models.yaml":
            return OmegaConf.create({})
        return load(file)

    OmegaConf.load = without_list
    try:
        yield
    finally:
        OmegaConf.load = load


def _rec_steps(width: int) -> int:
    """Time steps the shipped recogniser outputs for an input ``width`` px wide (a step per
    8 px; checked against the model in tests/test_engines.py). A recogniser given with
    ``FORMSCAN_REC_MODEL`` may step otherwise: its batches are not padded."""
    return (width + 3) // 8


class _Padded:
    """A recognition session given batches padded on the right to a multiple of
    ``REC_WIDTH_STEP`` px, so a few shapes serve every line; its output is cut back to the
    steps of the width asked for, so RapidOCR places characters as it would have."""

    def __init__(self, inner) -> None:  # noqa: ANN001 - RapidOCR's session wrapper
        self.inner = inner

    def __getattr__(self, name: str):  # noqa: ANN204 - the wrapped session's own attributes
        if name == "inner":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        width = batch.shape[3]
        padded = -(-width // REC_WIDTH_STEP) * REC_WIDTH_STEP
        if padded != width:
            batch = np.pad(batch, ((0, 0), (0, 0), (0, 0), (0, padded - width)))
        return self.inner(batch)[:, :_rec_steps(width)]


def _det_preprocess(limit_side_len: int, limit_type: str, mean: list[float] | None,
                    std: list[float] | None):  # noqa: ANN202 - a rapidocr DetPreProcess
    """RapidOCR's detection preprocessing, normalised in float32: RapidOCR's own goes through
    float64 (a sixth of detection's time, for the same values to the bit). It holds only its
    settings: one serves every page of an engine and of its twins."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    class Float32(DetPreProcess):
        def __call__(self, img: np.ndarray) -> np.ndarray | None:
            resized = self.resize(img)
            if resized is None:
                return None
            batch = np.ascontiguousarray(resized.transpose(2, 0, 1)[np.newaxis], np.float32)
            batch *= (self.scale / self.std).astype(np.float32)[:, None, None]
            batch -= (self.mean / self.std).astype(np.float32)[:, None, None]
            return batch

    return Float32(limit_side_len, limit_type, mean, std)


def _word_boxes():  # noqa: ANN202 - a rapidocr CalRecBoxes
    """RapidOCR's per-character boxes, the same boxes with less Python: its deep copies of
    plain lists of numbers are shallow ones, and a character's four corners are put in order
    without its general case where they plainly stand two left, two right (a tenth of a
    page's reading went to ordering and copying corners; the boxes are the same)."""
    from rapidocr.cal_rec_boxes.main import CalRecBoxes, Direction

    class Quick(CalRecBoxes):
        def __call__(self, imgs, dt_boxes, rec_res, return_single_char_box=False):  # noqa: ANN001, ANN204
            word_results = []
            for idx, (img, box) in enumerate(zip(imgs, dt_boxes)):
                if rec_res.txts is None or img.size == 0 or rec_res.word_results is None:
                    continue
                h, w = img.shape[:2]
                img_box = np.array([[0, 0], [w, 0], [w, h], [0, h]])
                contents, boxes, confs = self.cal_ocr_word_box(
                    rec_res.txts[idx], img_box, rec_res.word_results[idx],
                    return_single_char_box)
                boxes = self.adjust_box_overlap([[list(p) for p in b] for b in boxes])
                boxes = self.reverse_rotate_crop_image(box.copy(), boxes,
                                                       self.get_box_direction(box))
                word_results.append(list(zip(contents, confs, boxes)))
            rec_res.word_results = tuple(word_results)
            return rec_res

        def reverse_rotate_crop_image(self, bbox_points, word_points_list, direction):  # noqa: ANN001, ANN202
            if direction == Direction.VERTICAL:
                return super().reverse_rotate_crop_image(bbox_points, word_points_list,
                                                         direction)
            left = int(np.min(bbox_points[:, 0]))
            top = int(np.min(bbox_points[:, 1]))
            bbox_points[:, 0] -= left
            bbox_points[:, 1] -= top
            width = int(np.linalg.norm(bbox_points[0] - bbox_points[1]))
            height = int(np.linalg.norm(bbox_points[0] - bbox_points[3]))
            pts_std = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
            _, inverse = cv2.invert(cv2.getPerspectiveTransform(bbox_points, pts_std))
            out = []
            for word_points in word_points_list:
                corners = []
                for point in word_points:
                    x, y, z = np.dot(inverse, np.array(point + [1]))
                    corners.append([int(x / z + left), int(y / z + top)])
                out.append(_in_order(corners) or self.order_points(corners))
            return out

    return Quick()


def _in_order(corners: list[list[int]]) -> list[list[int]] | None:
    """Four corners as RapidOCR's ``order_points`` orders them (top left, top right, bottom
    right, bottom left) where two stand left of their centre and two right, each pair at two
    heights; None otherwise (its general case decides)."""
    centre = sum(c[0] for c in corners) / 4
    left = sorted((c for c in corners if c[0] < centre), key=lambda c: c[1])
    right = sorted((c for c in corners if c[0] > centre), key=lambda c: c[1])
    if len(left) != 2 or len(right) != 2 or left[0][1] == left[1][1] or right[0][1] == right[1][1]:
        return None
    return [left[0], right[0], right[1], left[1]]


def _own_request(session):  # noqa: ANN001, ANN202 - RapidOCR's OpenVINO session wrapper
    """A copy of an OpenVINO session with an inference request of its own, on the same
    compiled model."""
    if isinstance(session, _Padded):
        return _Padded(_own_request(session.inner))
    session = copy.copy(session)
    session.session = session.session.get_compiled_model().create_infer_request()
    return session


def _quad_to_bbox(quad: np.ndarray | list) -> list[float]:
    pts = np.asarray(quad, float).reshape(-1, 2)
    return [round(float(v), 1) for v in (*pts.min(axis=0), *pts.max(axis=0))]


@dataclass
class RapidOcrEngine:
    """PP-OCR det + cls + rec through RapidOCR, on OpenVINO (the default engine,
    ``rapidocr-openvino``) or ONNX Runtime (``rapidocr``), CPU.

    A page is detected once, at ``det_side`` pixels on its long side at most; its lines are
    cut from the page at full resolution for recognition; the page's orientation comes from
    the same detection (box shapes) and the direction classifier on its widest lines.
    """

    threads: int = 0  # inference threads per model; 0: let the runtime decide
    det_side: int = DET_SIDE
    name: str = "rapidocr"
    runtime: str = "onnxruntime"  # or "openvino": the same models on Intel's runtime
    streams: int = 1  # inferences run at once on the compiled models (:meth:`twin`'s)

    @cached_property
    def _ocr(self):  # noqa: ANN202 - rapidocr has no public type for its engine
        with _without_download_list():
            from rapidocr import RapidOCR

        models = resolve_models()
        params = {
            "Global.log_level": "error",
            "Global.max_side_len": FULL_RESOLUTION,  # crops from the page as it is
            "Det.limit_type": "max",
            "Det.limit_side_len": self.det_side,
            "Det.model_path": str(models["det"]),
            "Rec.model_path": str(models["rec"]),
            "Rec.rec_batch_num": REC_BATCH,
            "Rec.rec_img_shape": [3, REC_HEIGHT, REC_MIN_WIDTH],
            "Cls.model_path": str(models["cls"]),
        }
        if self.runtime == "openvino":
            from rapidocr import EngineType

            for task in ("Det", "Rec", "Cls"):
                params[f"{task}.engine_type"] = EngineType.OPENVINO
            if self.threads:
                params["EngineConfig.openvino.inference_num_threads"] = (self.threads
                                                                         * self.streams)
                params["EngineConfig.openvino.num_streams"] = self.streams
                params["EngineConfig.openvino.enable_cpu_pinning"] = False
        elif self.threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = self.threads
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
        # All three loaded now (RapidOCR loads them lazily): OpenVINO's compiled while the
        # setting holds, and every model there for a twin to share.
        with _openvino_cpu(RUNTIME_CACHE) if self.runtime == "openvino" else nullcontext():
            ocr = RapidOCR(params=params)
            for load in (ocr._load_det_model, ocr._load_rec_model, ocr._load_cls_model):
                load()
        if not os.environ.get(MODEL_ENV["rec"]):  # the shipped recogniser: _rec_steps is its rule
            ocr.text_rec.session = _Padded(ocr.text_rec.session)
        det = ocr.text_det  # RapidOCR makes its preprocessing again for every page
        preprocess = _det_preprocess(det.limit_side_len, det.limit_type, det.mean, det.std)
        det.get_preprocess = lambda: preprocess
        ocr.cal_rec_boxes = _word_boxes()
        return ocr

    def twin(self) -> RapidOcrEngine:
        """Another engine on the same loaded models, to read on another thread at the same
        time as this one: OpenVINO's compiled models each give it an inference request of its
        own (run side by side in the models' ``streams``); ONNX Runtime's sessions run
        from several threads as they are. Nothing is loaded or compiled again."""
        ocr = copy.copy(self._ocr)
        for name in ("text_det", "text_rec", "text_cls"):
            part = copy.copy(getattr(ocr, name))
            if self.runtime == "openvino":
                part.session = _own_request(part.session)
            setattr(ocr, name, part)
        twin = copy.copy(self)
        twin.__dict__["_ocr"] = ocr  # the cached property, already made
        return twin

    def recognize(self, image: np.ndarray) -> list[Line]:
        result = self._ocr(image, use_cls=False, return_word_box=True)
        return _lines(result)

    def read_upright(self, image: np.ndarray) -> tuple[int, list[Line]]:
        """The page's quarter turns (counter-clockwise, as ``np.rot90``) to be upright, and its
        lines in the upright page's pixels; detection runs once (twice for a page on its
        side). An upside-down page's lines are turned before recognition."""
        from rapidocr.ch_ppocr_cls import TextClsOutput
        from rapidocr.main import RapidOCRError

        ocr = self._ocr
        ocr.update_params(use_det=True, use_cls=False, use_rec=True, return_word_box=True)
        img, op_record = ocr.preprocess_img(image)
        try:
            crops, det = ocr.detect_and_crop(img, op_record)
        except RapidOCRError:
            return 0, []  # no text found at all
        boxes = np.array([_quad_to_bbox(q) for q in det.boxes])
        widths = boxes[:, 2] - boxes[:, 0]
        if _on_its_side(boxes):
            # On its side: turn it a quarter and read it from the start.
            turns, lines = self.read_upright(np.ascontiguousarray(np.rot90(image, 1)))
            return (turns + 1) % 4, lines
        widest = [crops[i] for i in np.argsort(-widths)[:ORIENTATION_LINES]]
        flipped = self._votes_upside_down(widest)
        if flipped:
            crops = [np.ascontiguousarray(np.rot90(c, 2)) for c in crops]
            det.boxes = np.roll(det.boxes, 2, axis=1)  # each line starts where it ends now
        try:
            rec = ocr.recognize_txt(crops)
        except RapidOCRError:
            return 0, []
        result = ocr.build_final_output(image, det, TextClsOutput(), rec, crops, op_record)
        lines = _lines(result)
        if flipped:
            h, w = image.shape[:2]
            lines = [_turned_half(line, w, h) for line in lines]
        return (2 if flipped else 0), lines

    def steps(self, crop: np.ndarray) -> Steps | None:
        """The recogniser's per-step character probabilities for one line crop, as RapidOCR
        feeds it (48 px high, at least ``STEPS_MIN_WIDTH`` wide, normalised)."""
        if crop.size == 0 or crop.shape[0] < 2 or crop.shape[1] < 2:
            return None
        if crop.ndim == 2:
            crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
        rec = self._ocr._load_rec_model()
        ratio = max(STEPS_MIN_WIDTH / REC_HEIGHT, crop.shape[1] / crop.shape[0])
        batch = rec.resize_norm_img(crop, ratio)[np.newaxis].astype(np.float32)
        probs = np.asarray(rec.session(batch))[0]
        return Steps(probs, rec.postprocess_op.dict)

    def _votes_upside_down(self, crops: list[np.ndarray]) -> bool:
        crops = [c for c in crops if c.size and c.shape[1] > c.shape[0]]
        if not crops:
            return False
        # In the classifier's batches, widest first, until the lines left cannot turn the
        # vote (each counts at most 1): the same verdict, a quarter of the time saved.
        classify = self._ocr._load_cls_model()
        score, left = 0.0, len(crops)
        for start in range(0, len(crops), classify.cls_batch_num):
            batch = crops[start:start + classify.cls_batch_num]
            score += sum(s if label == "180" else -s for label, s in classify(batch).cls_res)
            left -= len(batch)
            if abs(score) > left:
                break
        return score > 0


def _lines(result) -> list[Line]:  # noqa: ANN001 - a RapidOCROutput
    if getattr(result, "boxes", None) is None or getattr(result, "txts", None) is None:
        return []
    word_results = result.word_results or [()] * len(result.txts)
    return [Line(text=text, bbox=_quad_to_bbox(quad), confidence=round(float(score), 4),
                 words=[Word(w[0], _quad_to_bbox(w[2]), round(float(w[1]), 4)) for w in words])
            for quad, text, score, words in zip(result.boxes, result.txts, result.scores,
                                                word_results)]


def _turned_half(line: Line, width: int, height: int) -> Line:
    """A line of an upside-down page in the pixels of the page turned upright (np.rot90 k=2)."""
    def turn(b: list[float]) -> list[float]:
        return [round(width - 1 - b[2], 1), round(height - 1 - b[3], 1),
                round(width - 1 - b[0], 1), round(height - 1 - b[1], 1)]

    return Line(line.text, turn(line.bbox), line.confidence,
                [Word(w.text, turn(w.bbox), w.confidence) for w in line.words])


@dataclass
class FasterPaddleEngine:
    """PP-OCRv6 *tiny* or *small* through the ``faster-paddle`` wheel (Rust pre- and
    post-processing over ONNX Runtime; its models are inside the wheel).

    It gives a box per line, not per character: characters are placed evenly along their
    line, which is how a line is cut at a cell border. It has no direction classifier: a
    page on its side is told by its boxes' shapes; a page read with low confidence is read
    again upside down and the better reading kept.
    """

    model_size: str = "tiny"
    threads: int = 0  # 0: let it decide
    det_side: int = DET_SIDE
    name: str = "faster-paddle-tiny"

    @cached_property
    def _engine(self):  # noqa: ANN202 - faster-paddle has no public type for its engine
        try:
            import faster_paddle
        except ImportError as exc:
            raise ModelError(Code.ENGINE_MISSING, engine=self.name,
                             package="faster-paddle") from exc
        return faster_paddle.OcrEngine(model_size=self.model_size, threads=self.threads or None,
                                       det_max_side=self.det_side)

    def recognize(self, image: np.ndarray) -> list[Line]:
        import cv2

        ok, encoded = cv2.imencode(".bmp", image)  # no compression: the cheapest to hand over
        if not ok:
            return []
        lines = []
        for bound in self._engine.ocr(encoded.tobytes())["bounds"].values():
            (x0, y0), (x1, y1) = bound["topLeftCoord"], bound["bottomRightCoord"]
            text, score = bound["text"], round(float(bound["confidence"]), 4)
            step = (x1 - x0) / max(1, len(text))
            words = [Word(c, [round(x0 + i * step, 1), float(y0), round(x0 + (i + 1) * step, 1),
                              float(y1)], score) for i, c in enumerate(text)]
            lines.append(Line(text, [float(x0), float(y0), float(x1), float(y1)], score, words))
        return lines

    def steps(self, crop: np.ndarray) -> Steps | None:
        """Not given by this engine: its readings are compared with the emailed copy as read."""
        return None

    def read_upright(self, image: np.ndarray) -> tuple[int, list[Line]]:
        lines = self.recognize(image)
        if lines and _on_its_side(np.array([ln.bbox for ln in lines])):
            turns, lines = self.read_upright(np.ascontiguousarray(np.rot90(image, 1)))
            return (turns + 1) % 4, lines
        if _sure(lines) >= UPRIGHT_CONFIDENCE:
            return 0, lines
        turned = self.recognize(np.ascontiguousarray(np.rot90(image, 2)))
        return (2, turned) if _sure(turned) > _sure(lines) else (0, lines)


def _on_its_side(boxes: np.ndarray) -> bool:
    """Whether a page lies on its side: more of its text boxes (x0, y0, x1, y1) stand tall
    than lie wide."""
    widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return int(np.sum(heights > 1.5 * widths)) > int(np.sum(widths > 1.5 * heights))


def _sure(lines: list[Line]) -> float:
    """How surely a page's lines were read: their confidence, weighed by their length."""
    total = sum(len(ln.text) for ln in lines)
    return sum(ln.confidence * len(ln.text) for ln in lines) / total if total else 0.0


@dataclass
class PaddleOcrEngine:
    """The ``paddleocr`` package, when installed (imported only when selected)."""

    name: str = "paddleocr"

    @cached_property
    def _ocr(self):  # noqa: ANN202
        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:
            raise ModelError(Code.ENGINE_MISSING, engine="paddleocr",
                             package="paddleocr paddlepaddle") from exc
        return PaddleOCR(lang="ch", use_textline_orientation=True)

    def recognize(self, image: np.ndarray) -> list[Line]:
        lines = []
        for page in self._ocr.predict(image):
            for quad, text, score in zip(page["rec_polys"], page["rec_texts"],
                                         page["rec_scores"]):
                lines.append(Line(text, _quad_to_bbox(quad), round(float(score), 4)))
        return lines

    def steps(self, crop: np.ndarray) -> Steps | None:
        """Not given by this engine: its readings are compared with the emailed copy as read."""
        return None

    def read_upright(self, image: np.ndarray) -> tuple[int, list[Line]]:
        return 0, self.recognize(image)  # PaddleOCR turns the page itself inside predict


# name -> how to make it from (threads, det_side)
ENGINES: dict[str, Callable[[int, int], OcrEngine]] = {
    "rapidocr": lambda threads, side: RapidOcrEngine(threads, side),
    "rapidocr-openvino": lambda threads, side: RapidOcrEngine(
        threads, side, name="rapidocr-openvino", runtime="openvino"),
    "faster-paddle-tiny": lambda threads, side: FasterPaddleEngine(
        "tiny", threads, side, "faster-paddle-tiny"),
    "faster-paddle-small": lambda threads, side: FasterPaddleEngine(
        "small", threads, side, "faster-paddle-small"),
    "paddleocr": lambda threads, side: PaddleOcrEngine(),
}
NEEDS = {"rapidocr-openvino": "openvino", "faster-paddle-tiny": "faster_paddle",
         "faster-paddle-small": "faster_paddle", "paddleocr": "paddleocr"}


def check_engine(name: str) -> None:
    """Raise ModelError now if the named engine cannot run (unknown, models missing or
    altered), before any page is given to it."""
    if name not in ENGINES:
        raise ModelError(Code.ENGINE_UNKNOWN, engine=name, choices=", ".join(sorted(ENGINES)))
    if name.startswith("rapidocr"):
        resolve_models()
    module = NEEDS.get(name)
    if module and importlib.util.find_spec(module) is None:
        package = {"faster_paddle": "faster-paddle", "paddleocr": "paddleocr paddlepaddle"}
        raise ModelError(Code.ENGINE_MISSING, engine=name, package=package.get(module, module))


def make_engine(name: str = DEFAULT_ENGINE, threads: int = 0, det_side: int = DET_SIDE
                ) -> OcrEngine:
    """The named engine, its model files checked now rather than at the first page."""
    check_engine(name)
    return ENGINES[name](threads, det_side)
