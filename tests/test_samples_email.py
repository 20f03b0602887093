"""The emailed side of the sample generator: truth agrees with the messages and the paper."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import mailbox
import re
import zipfile
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pymupdf
import pytest

from samples.generate import FIELDS, generate

SEED = 5
N_FORMS = 12


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("email_samples")
    generate(root / "paper", seed=SEED, n_forms=N_FORMS, email_dir=root / "email")
    generate(root / "paper_only_run", seed=SEED, n_forms=N_FORMS)
    return {"paper": root / "paper", "email": root / "email", "alone": root / "paper_only_run"}


@pytest.fixture(scope="module")
def rows(sides: dict[str, Path]) -> list[dict[str, Any]]:
    return _read_jsonl(sides["email"] / "email_truth.jsonl")


def _messages(folder: Path) -> dict[str, EmailMessage]:
    out: dict[str, EmailMessage] = {}
    for path in sorted(folder.glob("*.eml")):
        out[path.name] = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    for path in sorted(folder.glob("*.mbox")):
        for number, msg in enumerate(mailbox.mbox(str(path)), 1):
            out[f"{path.name}#{number}"] = email.message_from_bytes(
                msg.as_bytes(), policy=email.policy.default)
    return out


def _attachments(folder: Path) -> list[tuple[tuple[str, str], bytes]]:
    """((message, attachment name), bytes) of every attachment, loose files included."""
    out: list[tuple[tuple[str, str], bytes]] = []
    for name, msg in _messages(folder).items():
        for part in msg.iter_attachments():
            data = part.get_content()
            if part.get_filename().endswith(".zip"):  # its members, named in GBK
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for info in archive.infolist():
                        member = info.filename.encode("cp437").decode("gbk")
                        out.append(((name, f"{part.get_filename()} › {member}"),
                                    archive.read(info)))
                continue
            out.append(((name, part.get_filename()), data))
    for path in sorted(folder.glob("*.msg")):  # saved from Outlook
        import extract_msg

        msg = extract_msg.openMsg(str(path))
        out += [((path.name, a.longFilename), a.data) for a in msg.attachments]
        msg.close()
    for path in sorted(folder.iterdir()):
        if path.suffix in (".docx", ".pdf", ".xlsx", ".doc"):
            out.append(((path.name, path.name), path.read_bytes()))
    return out


EXTENSIONS = {"scan": ".pdf", "photo": ".jpg"}


def _text(data: bytes, fmt: str) -> str:
    if fmt == "docx":
        document = docx.Document(io.BytesIO(data))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        parts = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]
    else:
        with pymupdf.open(stream=data, filetype="pdf") as pdf:
            parts = [page.get_text() for page in pdf]
    return re.sub(r"\s+", "", "".join(parts))


def test_every_attachment_in_truth_exists_and_vice_versa(
        sides: dict[str, Path], rows: list[dict[str, Any]]) -> None:
    found = _attachments(sides["email"])
    listed = [(r["message"], r["attachment"]) for r in rows if r["attachment"] is not None]
    assert Counter(listed) == Counter(key for key, _ in found)
    messages = _messages(sides["email"])
    without = {name for name, msg in messages.items() if not list(msg.iter_attachments())}
    assert without == {r["message"] for r in rows if r["kind"] == "no_attachment"}
    for name, msg in messages.items():
        assert msg["To"].addresses[0].addr_spec == "sxwdy2023@163.com", name
        assert msg["Subject"] and msg["Date"] and msg["Message-ID"], name
    on_disk = {p.name for p in sides["email"].iterdir()} - {"email_truth.jsonl"}
    named = {r["message"].split("#")[0] for r in rows}
    assert named == on_disk


def test_attachments_hold_their_truth(sides: dict[str, Path], rows: list[dict[str, Any]]) -> None:
    found = dict(_attachments(sides["email"]))
    for row in rows:
        if row["kind"] == "no_attachment":
            continue
        data = found[(row["message"], row["attachment"])]
        assert row["attachment"].endswith(EXTENSIONS.get(row["format"], "." + row["format"]))
        if row["format"] in ("scan", "photo"):  # an image of the signed paper form
            assert data.startswith(b"%PDF" if row["format"] == "scan" else b"\xff\xd8")
            continue
        if row["kind"] == "unreadable":
            assert data.startswith(b"\xd0\xcf\x11\xe0")
            continue
        text = _text(data, row["format"])
        if row["kind"] != "form":
            continue
        assert set(row["fields"]) == set(FIELDS[row["form_type"]])
        for key, value in row["fields"].items():
            if value is None or key == "date":
                continue
            if key == "phone":
                assert re.sub(r"\D", "", value) in re.sub(r"\D", "", text), row["attachment"]
            elif key != "synopsis" or row["format"] != "pdf":  # a PDF wraps it over lines
                assert value in text, (row["attachment"], key)


def test_paper_output_unchanged_by_email(sides: dict[str, Path]) -> None:
    assert _digests(sides["paper"]) == _digests(sides["alone"])


def test_email_side_is_reproducible(sides: dict[str, Path], tmp_path: Path) -> None:
    generate(tmp_path / "paper", seed=SEED, n_forms=N_FORMS, email_dir=tmp_path / "email")
    assert _digests(tmp_path / "email") == _digests(sides["email"])


def test_changed_fields_really_differ(sides: dict[str, Path], rows: list[dict[str, Any]]) -> None:
    paper = {(r["path"], r["page"]): r for r in _read_jsonl(sides["paper"] / "truth.jsonl")}
    changed = 0
    for row in rows:
        if row["kind"] != "form" or row["paper"] is None:
            continue
        page = paper[(row["paper"]["path"], row["paper"]["page"])]
        assert page["kind"] == "form" and page["expect"] == "ok"
        assert page["form_type"] == row["form_type"]
        for key, value in row["fields"].items():
            if key in row["changed"]:
                assert value != page["fields"][key], (row["attachment"], key)
                assert value is not None
            elif key == "date":
                assert value in (None, page["fields"]["date"])
            else:
                assert value == page["fields"][key], (row["attachment"], key)
        changed += bool(row["changed"])
    assert changed >= 1


def test_the_mix(sides: dict[str, Path], rows: list[dict[str, Any]]) -> None:
    paper_forms = {(r["path"], r["page"]) for r in _read_jsonl(sides["paper"] / "truth.jsonl")
                   if r["kind"] == "form" and r["expect"] == "ok"}
    emailed = [(r["paper"]["path"], r["paper"]["page"]) for r in rows if r["paper"]]
    assert len(emailed) == len(set(emailed))  # one emailed copy per paper form at most
    assert paper_forms - set(emailed), "no paper_only form"
    assert any(r["kind"] == "form" and r["paper"] is None for r in rows), "no email_only form"
    assert Counter(r["kind"] for r in rows).keys() == {"form", "unreadable", "other",
                                                       "no_attachment"}
    assert {r["format"] for r in rows if r["kind"] == "form"} == {"docx", "pdf", "xlsx", "scan",
                                                                   "photo"}
    assert any(r.get("container") == "zip" for r in rows), "no zip of forms"
    assert any(r.get("container") == "msg" for r in rows), "no Outlook message"
    names = [r["attachment"] or "" for r in rows]
    assert any(n.startswith("../") for n in names) and any(n.startswith("/") for n in names)
    assert any("#" in r["message"] for r in rows), "no mbox message"
    assert any(r["message"] == r["attachment"] for r in rows), "no loose file"
