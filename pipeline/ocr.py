"""OCR stage: PaddleOCR's PP-OCR models behind a small engine interface.

The default engine runs the det/cls/rec ONNX models shipped inside the ``rapidocr`` wheel
through ONNX Runtime, with no download. Model files are checked against the checksums in
``models/README.md`` before use. Another engine (the ``paddleocr`` package) can be selected
with ``--engine paddleocr`` when installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from pipeline.errors import ModelError
from pipeline.model import Line, Word

# The models the rapidocr wheel embeds (see models/README.md), with their SHA-256.
DEFAULT_MODELS = {
    "det": ("PP-OCRv6_det_small.onnx",
            "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"),
    "rec": ("PP-OCRv6_rec_small.onnx",
            "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"),
    "cls": ("ch_ppocr_mobile_v2.0_cls_mobile.onnx",
            "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"),
}
MODEL_ENV = {"det": "FORMSCAN_DET_MODEL", "rec": "FORMSCAN_REC_MODEL", "cls": "FORMSCAN_CLS_MODEL"}


class OcrEngine(Protocol):
    """What the pipeline needs of an OCR engine."""

    name: str

    def recognize(self, image: np.ndarray) -> list[Line]:
        """Text lines of a BGR page image, with per-character boxes where the engine has them."""

    def orientation(self, image: np.ndarray) -> int:
        """Quarter turns (counter-clockwise, as ``np.rot90``) that make the page upright."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_models(verify: bool = True) -> dict[str, Path]:
    """Paths of the det/rec/cls models: ``FORMSCAN_*_MODEL`` overrides, else the wheel's.

    The wheel's files are verified against their known checksums; a file given by the
    user is taken as is (its checksum is reported in the manifest's engine line).
    """
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise ModelError("the rapidocr package is not installed: run `make demo` or "
                         "`pip install rapidocr onnxruntime`")
    shipped = Path(spec.origin).parent / "models"
    paths: dict[str, Path] = {}
    for task, (filename, digest) in DEFAULT_MODELS.items():
        override = os.environ.get(MODEL_ENV[task])
        path = Path(override) if override else shipped / filename
        if not path.is_file():
            raise ModelError(f"{task} model not found at {path}; set {MODEL_ENV[task]} to an "
                             "ONNX file or reinstall rapidocr")
        if verify and not override and _sha256(path) != digest:
            raise ModelError(f"{task} model {path} does not match its checksum in "
                             "models/README.md; reinstall rapidocr")
        paths[task] = path
    return paths


def _quad_to_bbox(quad: np.ndarray | list) -> list[float]:
    pts = np.asarray(quad, float).reshape(-1, 2)
    return [round(float(v), 1) for v in (*pts.min(axis=0), *pts.max(axis=0))]


@dataclass
class RapidOcrEngine:
    """PP-OCR det + cls + rec through RapidOCR on ONNX Runtime (CPU)."""

    threads: int = 0  # 0: let ONNX Runtime decide
    name: str = "rapidocr"

    @cached_property
    def _ocr(self):  # noqa: ANN202 - rapidocr has no public type for its engine
        from rapidocr import RapidOCR

        models = resolve_models()
        params = {
            "Global.log_level": "error",
            "Global.max_side_len": 2000,
            "Det.model_path": str(models["det"]),
            "Rec.model_path": str(models["rec"]),
            "Cls.model_path": str(models["cls"]),
        }
        if self.threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = self.threads
        return RapidOCR(params=params)

    def recognize(self, image: np.ndarray) -> list[Line]:
        result = self._ocr(image, use_cls=False, return_word_box=True)
        if result.boxes is None or result.txts is None:
            return []
        word_results = result.word_results or [()] * len(result.txts)
        lines = []
        for quad, text, score, words in zip(result.boxes, result.txts, result.scores,
                                            word_results):
            lines.append(Line(
                text=text,
                bbox=_quad_to_bbox(quad),
                confidence=round(float(score), 4),
                words=[Word(w[0], _quad_to_bbox(w[2]), round(float(w[1]), 4)) for w in words],
            ))
        return lines

    def orientation(self, image: np.ndarray) -> int:
        """Vote of the text-direction classifier over the page's larger text boxes.

        Boxes taller than wide mean the page lies on its side: turn it a quarter first,
        then let the 0°/180° classifier decide between the two remaining directions.
        """
        small = _downscale(image, 1200)
        boxes = self._detect(small)
        if len(boxes) == 0:
            return 0
        widths = boxes[:, 2] - boxes[:, 0]
        heights = boxes[:, 3] - boxes[:, 1]
        turns = 1 if np.sum(heights > 1.5 * widths) > np.sum(widths > 1.5 * heights) else 0
        if turns:
            small = np.ascontiguousarray(np.rot90(small, turns))
            boxes = self._detect(small)
            widths = boxes[:, 2] - boxes[:, 0]
        flipped = self._votes_upside_down(small, boxes[np.argsort(-widths)][:16])
        return (turns + 2) % 4 if flipped else turns

    def _detect(self, image: np.ndarray) -> np.ndarray:
        det = self._ocr._load_det_model()(image)
        if det.boxes is None or len(det.boxes) == 0:
            return np.zeros((0, 4))
        return np.array([_quad_to_bbox(q) for q in det.boxes])

    def _votes_upside_down(self, image: np.ndarray, boxes: np.ndarray) -> bool:
        crops = []
        for x0, y0, x1, y1 in boxes.astype(int):
            crop = image[max(y0, 0):y1, max(x0, 0):x1]
            if crop.size and crop.shape[1] > crop.shape[0]:
                crops.append(crop)
        if not crops:
            return False
        cls = self._ocr._load_cls_model()(crops)
        score = sum(s if label == "180" else -s for label, s in cls.cls_res)
        return score > 0


def _downscale(image: np.ndarray, max_side: int) -> np.ndarray:
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


@dataclass
class PaddleOcrEngine:
    """The ``paddleocr`` package, when installed (imported only when selected)."""

    name: str = "paddleocr"

    @cached_property
    def _ocr(self):  # noqa: ANN202
        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:
            raise ModelError("engine 'paddleocr' is not installed: `pip install paddleocr "
                             "paddlepaddle`, with its models available offline") from exc
        return PaddleOCR(lang="ch", use_textline_orientation=True)

    def recognize(self, image: np.ndarray) -> list[Line]:
        lines = []
        for page in self._ocr.predict(image):
            for quad, text, score in zip(page["rec_polys"], page["rec_texts"],
                                         page["rec_scores"]):
                lines.append(Line(text, _quad_to_bbox(quad), round(float(score), 4)))
        return lines

    def orientation(self, image: np.ndarray) -> int:
        return 0  # PaddleOCR's own document-orientation model handles it inside predict


ENGINES = {"rapidocr": RapidOcrEngine, "paddleocr": PaddleOcrEngine}


def make_engine(name: str = "rapidocr", threads: int = 0) -> OcrEngine:
    """The named engine, its model files checked now rather than at the first page."""
    if name not in ENGINES:
        raise ModelError(f"unknown OCR engine {name!r}; choose one of {sorted(ENGINES)}")
    if name == "rapidocr":
        resolve_models()
        return RapidOcrEngine(threads=threads)
    return ENGINES[name]()
