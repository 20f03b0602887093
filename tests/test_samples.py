"""The sample generator: truth agrees with the files, seeds reproduce, every file type appears."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import pymupdf
import pytest

from pipeline.forms import schemas
from pipeline.model import FormType
from samples.generate import FIELDS, generate, normalise_phone

N_FORMS = 12  # the smallest batch that holds every file type


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("samples")
    return out, generate(out, seed=3, n_forms=N_FORMS)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _page_count(path: Path) -> int:
    if path.suffix == ".tif":
        ok, pages = cv2.imreadmulti(str(path))
        assert ok
        return len(pages)
    if path.read_bytes()[:2] == b"\xff\xd8":  # JPEG, whatever its name says
        return 1
    with pymupdf.open(path) as doc:
        return doc.page_count


def _page_image(path: Path, page: int) -> bytes:
    with pymupdf.open(path) as doc:
        xref = doc[page - 1].get_images()[0][0]
        return doc.extract_image(xref)["image"]


def test_truth_file_matches_returned_rows(batch: tuple[Path, list[dict[str, Any]]]) -> None:
    out, rows = batch
    lines = (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows


def test_truth_covers_every_page_of_every_file(batch: tuple[Path, list[dict[str, Any]]]) -> None:
    out, rows = batch
    by_path: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_path.setdefault(row["path"], []).append(row)
    files = {p.name for p in out.iterdir()} - {"truth.jsonl"}
    assert set(by_path) == files
    for name, file_rows in by_path.items():
        if file_rows[0]["kind"] == "bad_file":
            assert len(file_rows) == 1 and file_rows[0]["page"] is None
            assert file_rows[0]["expect"] == "failed"
            continue
        pages = [row["page"] for row in file_rows]
        assert pages == list(range(1, _page_count(out / name) + 1)), name


def test_form_rows_carry_every_field_of_their_type(
    batch: tuple[Path, list[dict[str, Any]]],
) -> None:
    _, rows = batch
    forms = [row for row in rows if row["kind"] == "form"]
    assert len({(r["fields"]["title"], r["form_type"]) for r in forms}) >= N_FORMS - 1
    for row in forms:
        assert list(row["fields"]) == list(FIELDS[row["form_type"]])
        assert (row["fields"]["date"] is not None) == row["date_present"]
        assert set(row["handwritten"]) <= {k for k, v in row["fields"].items() if v is not None}
        assert row["seal"] == (row["seal_unit"] is not None)
        phone = row["fields"]["phone"]
        assert phone is None or phone == normalise_phone(phone)


def test_duplicate_page_is_byte_identical(batch: tuple[Path, list[dict[str, Any]]]) -> None:
    out, rows = batch
    duplicates = [row for row in rows if row["duplicate_of"]]
    assert len(duplicates) == 1
    dup = duplicates[0]
    first = dup["duplicate_of"]
    assert dup["expect"] == "duplicate"
    assert (first["path"], first["page"]) < (dup["path"], dup["page"])
    assert _page_image(out / dup["path"], dup["page"]) == _page_image(out / first["path"],
                                                                      first["page"])


def test_every_file_type_is_produced(batch: tuple[Path, list[dict[str, Any]]]) -> None:
    out, rows = batch
    kinds = Counter(row["kind"] for row in rows)
    assert kinds["blank"] == 1 and kinds["not_form"] == 1 and kinds["bad_file"] == 3
    suffixes = {row["path"].rsplit(".", 1)[1] for row in rows if row["kind"] == "form"}
    assert suffixes == {"pdf", "jpg", "png", "tif"}
    assert any(row["layout"]["photo"] for row in rows if row["kind"] == "form")
    assert any(row["route"] == "text-layer" for row in rows)
    assert sum(1 for row in rows if row["path"].endswith(".tif")) >= 2

    text_layer = next(row for row in rows if row["route"] == "text-layer")
    with pymupdf.open(out / text_layer["path"]) as doc:
        text = doc[0].get_text()
        # The clauses stand on the forms that carry them, not on the work registration form.
        clauses = "clauses" in schemas()[FormType(text_layer["form_type"])].blocks
        assert ("相关协议" in text) == clauses and "签名" in text
    with pymupdf.open(out / "ocr_scan_01.pdf") as doc:  # scanned, with a poor hidden layer
        assert doc[0].get_images() and doc[0].get_text().strip()

    bad = {row["path"] for row in rows if row["kind"] == "bad_file"}
    empty = [name for name in bad if (out / name).stat().st_size == 0]
    assert len(empty) == 1
    for name in bad - set(empty):
        try:
            with pymupdf.open(out / name) as doc:
                assert doc.needs_pass or doc.page_count == 0, name
        except pymupdf.FileDataError:
            pass  # the truncated PDF
    pdf_names = {row["path"] for row in rows if row["path"].endswith(".pdf")} - bad
    jpegs = [name for name in pdf_names if (out / name).read_bytes()[:2] == b"\xff\xd8"]
    assert len(jpegs) == 1  # the JPEG somebody renamed to .pdf


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=11, n_forms=4)
    generate(tmp_path / "b", seed=11, n_forms=4)
    generate(tmp_path / "c", seed=12, n_forms=4)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


def test_without_bad_inputs_every_file_is_readable(tmp_path: Path) -> None:
    rows = generate(tmp_path, seed=5, n_forms=4, bad_inputs=False)
    assert {row["kind"] for row in rows} == {"form"}
    assert all(row["expect"] in ("ok", "duplicate") for row in rows)
