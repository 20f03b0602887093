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

from pipeline import __version__, known
from pipeline.errors import Code, ModelError
from pipeline.labels import is_cjk
from pipeline.model import Fingerprint, Line, Word
from pipeline.normalize import EMPTY, TICKED
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
# A line at least this wide (px at the recogniser's height) is read in pieces where the page is
# known to print text (``pipeline.known``): its head first, then, where the head stands in a
# known text, its tail as wide, else the rest of it, from a little before the head's end (a
# character the cut ran through is taken whole from the other piece). A head holds
# ``HEAD_CHARS`` characters at the page's pitch (told by its short lines, read first: glyphs
# fill a line's box more or less from scan to scan), in 64 px steps between ``HEAD_MIN`` and
# ``HEAD_MAX``; the pieces overlap by ``SEAM_CHARS``.
KNOWN_LINE = 640
HEAD_CHARS = 6  # a clause's number, known.MIN_CHARS compared, the one the cut runs through
HEAD_MIN, HEAD_MAX = 192, 384
SEAM_CHARS = 2.5
PITCH = 48.0  # px a character, where the page's short lines do not tell
SEAM_STEPS = 2  # steps (8 px) apart the two pieces may place a character they both read
# A box to tick or a mark beside an option: a row holding one is read whole (in pieces, a row of
# boxes lost an empty box). Not 口 or ×, which running text holds too.
BOXES = (TICKED | EMPTY) - set("口×")
ORIENTATION_LINES = 16  # the widest lines the direction classifier votes with
UPRIGHT_CONFIDENCE = 0.85  # a page read less surely than this is tried upside down too

MODEL_ENV = {"det": "FORMSCAN_DET_MODEL", "rec": "FORMSCAN_REC_MODEL", "cls": "FORMSCAN_CLS_MODEL"}


class OcrEngine(Protocol):
    """What the pipeline needs of an OCR engine."""

    name: str

    def recognize(self, image: np.ndarray) -> list[Line]:
        """Text lines of a BGR page image, with per-character boxes where the engine has them."""

    def read_upright(self, image: np.ndarray, printed: tuple[str, ...] = ()
                     ) -> tuple[int, list[Line]]:
        """Quarter turns (counter-clockwise, as ``np.rot90``) that make the page upright, and
        its text lines in the upright page's pixels. ``printed``: texts the page may print
        (``pipeline.known``), which an engine may use to read less."""

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

    def read_upright(self, image: np.ndarray, printed: tuple[str, ...] = ()
                     ) -> tuple[int, list[Line]]:
        """The page's quarter turns (counter-clockwise, as ``np.rot90``) to be upright, and its
        lines in the upright page's pixels; detection runs once (twice for a page on its
        side). An upside-down page's lines are turned before recognition. A long line of
        ``printed`` text is read by its ends (:meth:`_recognize`)."""
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
            turns, lines = self.read_upright(np.ascontiguousarray(np.rot90(image, 1)), printed)
            return (turns + 1) % 4, lines
        widest = [crops[i] for i in np.argsort(-widths)[:ORIENTATION_LINES]]
        flipped = self._votes_upside_down(widest)
        if flipped:
            crops = [np.ascontiguousarray(np.rot90(c, 2)) for c in crops]
            det.boxes = np.roll(det.boxes, 2, axis=1)  # each line starts where it ends now
        try:
            rec = self._recognize(crops, printed)
        except RapidOCRError:
            return 0, []
        result = ocr.build_final_output(image, det, TextClsOutput(), rec, crops, op_record)
        lines = _lines(result)
        if flipped:
            h, w = image.shape[:2]
            lines = [_turned_half(line, w, h) for line in lines]
        return (2 if flipped else 0), lines

    def _recognize(self, crops: list[np.ndarray], printed: tuple[str, ...]):  # noqa: ANN202 - a rapidocr TextRecOutput
        """The lines' readings, as RapidOCR's ``recognize_txt`` gives them. A line
        ``KNOWN_LINE`` px wide or more (at the recogniser's height) is read in pieces, after
        the short lines have told the page's pitch: its head first; where the head stands in
        a ``printed`` text, its tail, and the line is that stretch of the text if the tail
        stands in it at the distance the width gives (``pipeline.known``); otherwise the
        rest of the line, joined to the head at a character both read. A line whose pieces
        do not join is read whole."""
        from rapidocr.ch_ppocr_rec import TextRecInput, TextRecOutput

        ocr = self._ocr
        widths = [c.shape[1] * REC_HEIGHT / c.shape[0] if c.shape[0] else 0.0 for c in crops]
        if not printed or max(widths, default=0.0) < KNOWN_LINE:
            return ocr.recognize_txt(crops)
        rec = ocr._load_rec_model()

        def read(images: list[np.ndarray]) -> list[tuple[str, float, object]]:
            if not images:
                return []
            out = rec(TextRecInput(img=images, return_word_box=True))
            return list(zip(out.txts, out.scores, out.word_results))

        def piece(i: int, x0: float, x1: float) -> np.ndarray:
            h, w = crops[i].shape[:2]
            return crops[i][:, round(x0 * h / REC_HEIGHT):min(w, round(x1 * h / REC_HEIGHT))]

        short = [i for i, w in enumerate(widths) if w < KNOWN_LINE]
        readings = dict(zip(short, read([crops[i] for i in short])))
        pitch = _pitch(readings.values())
        head_px = min(HEAD_MAX, max(HEAD_MIN, -(-HEAD_CHARS * pitch // 64) * 64))
        rest_px = max(0.0, head_px - -(-SEAM_CHARS * pitch // 8) * 8)  # where the rest begins
        wide = [i for i, w in enumerate(widths) if w >= KNOWN_LINE]
        long = [i for i in wide if widths[i] >= 2 * head_px + 64]
        rather = sorted(set(wide) - set(long))  # too short to save anything by pieces
        first = read([piece(i, 0, head_px) for i in long] + [crops[i] for i in rather])
        readings |= dict(zip(rather, first[len(long):]))
        heads = {i: _chars(*r) for i, r in zip(long, first)}
        places: dict[int, tuple[known.Head, list[tuple[int, int]]] | None] = {}
        for i in long:
            found = heads[i] and known.head("".join(c for c, _, _ in heads[i]))
            places[i] = (found, known.starts(found.core, printed)) if found else None
        # A head holding a box (its last character, cut, aside) is a row read whole (_seamed).
        boxed = {i for i in long if any(c[0] in BOXES for c in (heads[i] or [])[:-1])}
        ends = [i for i in long if places[i] and places[i][1] and i not in boxed]
        settled = boxed.union(ends)
        rests = [i for i in long if i not in settled]
        second = read([piece(i, widths[i] - head_px, widths[i]) for i in ends]
                      + [piece(i, rest_px, widths[i]) for i in rests])
        joined: dict[int, list[Char] | None] = dict.fromkeys(boxed)
        for i, r in zip(ends, second):
            tail = _chars(*r, offset=widths[i] - head_px)
            joined[i] = _as_printed(heads[i], places[i], tail, printed)
        failed = [i for i in ends if joined[i] is None]
        third = read([piece(i, rest_px, widths[i]) for i in failed])
        for i, r in zip(rests + failed, second[len(ends):] + third):
            joined[i] = _seamed(heads[i], _chars(*r, offset=rest_px), rest_px, head_px)
        # A line whose pieces could not be joined is read whole, alone: few such lines are
        # far apart in width, and a line padded to a much wider one reads otherwise.
        for i in long:
            readings[i] = (read([crops[i]])[0] if joined[i] is None
                           else _composed(joined[i], widths[i], rec.postprocess_op))
        txts, scores, words = zip(*(readings[i] for i in range(len(crops))))
        return TextRecOutput(crops, txts, scores, words)

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


Char = tuple[str, float, float]  # a character read, its step (in its line's), its confidence


def _chars(text: str, score: float, info, offset: float = 0.0) -> list[Char] | None:  # noqa: ANN001 - a rapidocr WordInfo
    """A piece's reading as characters at their steps in the line, the piece starting
    ``offset`` px into it (at the recogniser's height; a step is 8 px). A space, which
    RapidOCR places in no word, stands between its neighbours. None where the reading's
    characters and steps do not add up."""
    if not text:
        return []
    cols = [c for word in info.word_cols for c in word]
    if len(cols) != sum(not c.isspace() for c in text) or len(info.confs) != len(text):
        return None
    steps, at = iter(cols), offset / 8
    placed: list[float | None] = [None if c.isspace() else next(steps) + at for c in text]
    for k, step in enumerate(placed):
        if step is None:
            before = next((s for s in reversed(placed[:k]) if s is not None), at)
            after = next((s for s in placed[k + 1:] if s is not None), before + 2)
            placed[k] = (before + after) / 2
    return list(zip(text, placed, info.confs))


def _pitch(readings) -> float:  # noqa: ANN001 - (text, score, WordInfo) of RapidOCR's
    """The page's pitch: px from one Chinese character to the next at the recogniser's height
    (the median over its lines read whole), ``PITCH`` where too few tell."""
    gaps = []
    for reading in readings:
        chars = _chars(*reading) or []
        gaps += [b[1] - a[1] for a, b in zip(chars, chars[1:])
                 if is_cjk(a[0]) and is_cjk(b[0])]
    return 8 * float(np.median(gaps)) if len(gaps) >= 10 else PITCH


def _seamed(head: list[Char] | None, rest: list[Char] | None, start: float, end: float
            ) -> list[Char] | None:
    """A line read as its head (to ``end`` px) and the rest (from ``start`` px; its characters
    at their steps in the line), joined at a character both pieces read alike in their overlap
    (the same character, at most ``SEAM_STEPS`` apart), the one nearest the middle of the
    overlap: the head's characters up to it, the rest's after it. None where the pieces agree
    on none, or where either holds a box (the line is then read whole)."""
    if head is None or rest is None or any(c[0] in BOXES for c in head + rest):
        return None
    middle = (start + end) / 2 / 8
    pairs = [(abs(h[1] - middle), i, j) for i, h in enumerate(head) for j, r in enumerate(rest)
             if h[0] == r[0] and not h[0].isspace() and abs(h[1] - r[1]) <= SEAM_STEPS
             and start / 8 <= h[1] <= end / 8]
    if not pairs:
        return None
    _, i, j = min(pairs)
    return head[:i + 1] + rest[j + 1:]


def _as_printed(head: list[Char], place: tuple[known.Head, list[tuple[int, int]]],
                tail: list[Char] | None, printed: tuple[str, ...]) -> list[Char] | None:
    """A line whose head stands in a printed text (``place``: the head as compared, where it
    stands), its tail read (its characters at their steps in the line): the head's kept
    characters, the text's stretch between, the tail's compared characters; None where the
    tail does not stand in the same text at the distance the steps give."""
    found, starts = place
    core = tail and known.tail("".join(t for t, _, _ in tail))
    if not core:
        return None
    kept, ends = head[:len(found.kept)], tail[1:]
    left = kept[len(found.number):]
    pitch = ((left[-1][1] - left[0][1]) / (len(left) - 1)
             + (ends[-1][1] - ends[0][1]) / (len(ends) - 1)) / 2
    gap = ends[0][1] - kept[-1][1]
    if pitch <= 0 or gap <= 0:
        return None
    between = known.middle(starts, core, printed, gap / pitch - 1)
    if between is None or gap < len(between) + 1:
        return None
    sure = min(p for _, _, p in kept + ends)
    step = gap / (len(between) + 1)
    return kept + [(c, kept[-1][1] + (k + 1) * step, sure)
                   for k, c in enumerate(between)] + ends


def _composed(chars: list[Char], width: float, decode):  # noqa: ANN001, ANN202 - rapidocr's CTCLabelDecode; (text, score, WordInfo)
    """A line put together from pieces, as the recogniser's reading of the whole line would
    be: its text, its score (the characters' mean confidence) and its word information (the
    characters at distinct steps of the line's width)."""
    if not chars:
        return "", 0.0, decode.get_word_info("", np.zeros(0, bool))
    cols, last = [], -1
    for _, step, _ in chars:
        last = max(round(step), last + 1)
        cols.append(last)
    selection = np.zeros(max(cols[-1] + 1, int(width / 8) + 1), bool)
    selection[cols] = True
    text = "".join(c for c, _, _ in chars)
    info = decode.get_word_info(text, selection)
    info.line_txt_len = width / 8
    info.confs = [round(float(p), 5) for _, _, p in chars]
    return text, round(float(np.mean(info.confs)), 5), info


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

    def read_upright(self, image: np.ndarray, printed: tuple[str, ...] = ()
                     ) -> tuple[int, list[Line]]:
        lines = self.recognize(image)
        if lines and _on_its_side(np.array([ln.bbox for ln in lines])):
            turns, lines = self.read_upright(np.ascontiguousarray(np.rot90(image, 1)), printed)
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

    def read_upright(self, image: np.ndarray, printed: tuple[str, ...] = ()
                     ) -> tuple[int, list[Line]]:
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
