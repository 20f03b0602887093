"""``formscan review``: the review station, a small web app on this machine only.

It opens the queue of documents that need a person, riskiest first (a missing signature or
seal, another unit's seal, then the other flags, then the least sure value); shows each
document's page, every field with its crop, value and confidence, the verdicts and the emailed
copy's values; and takes corrections from the keyboard. A correction goes through the same
path as an imported sheet (``corrections.apply_corrections``): kept in the store, the checks,
reconciliation and audit run again, every export rewritten.

Safe by construction: it listens on 127.0.0.1 unless told otherwise; every change request
carries the session's random token; the only files it serves are the report's images under
``OUT/report/`` (a path from the client is resolved and must stay there); document text is
only ever rendered with ``textContent``.
"""

from __future__ import annotations

import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

from pipeline.contest import Contest
from pipeline.corrections import apply_corrections
from pipeline.errors import FormscanError
from pipeline.i18n import DEFAULT_LANG, text
from pipeline.model import FlagKind, Status
from pipeline.report import BatchView, documents, page
from pipeline.store import Store

TEMPLATE = (Path(__file__).parent / "review_template.html").read_text(encoding="utf-8")
HEAVY = {FlagKind.MISSING_SIGNATURE.value, FlagKind.MISSING_SEAL.value,
         FlagKind.SEAL_MISMATCH.value}


def risk(doc: dict) -> float:
    """How much a document needs a person first: the marks that void an authorization,
    then every other flag, then how unsure its least sure value is."""
    flags = doc["flags"]
    heavy = sum(f in HEAVY for f in flags)
    sure = min((f["confidence"] for f in doc["fields"].values() if f["value"]), default=1.0)
    return 10 * heavy + len(flags) + (1 - sure)


class Station:
    """The batch behind the app: the queue, a document, a correction, a document done."""

    def __init__(self, out_dir: Path, contest: Contest, who: str,
                 lang: str = DEFAULT_LANG) -> None:
        self.out_dir, self.contest, self.who, self.lang = out_dir, contest, who, lang
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()  # one change at a time: the store has one writer

    def queue(self) -> list[dict]:
        """The documents needing review, riskiest first; those marked done (by anyone, in
        any session: kept in the store) carry ``done`` and stay in the list."""
        with self.lock:
            batch = BatchView.read(self.out_dir)
            review = {r.doc_id for r in batch.records if r.status is Status.NEEDS_REVIEW}
            docs = documents(batch, self.contest, review | batch.reviewed, self.lang)
        for doc in docs:
            doc["done"] = doc["doc_id"] in batch.reviewed
        return sorted(docs, key=risk, reverse=True)

    def mark_done(self, doc_id: str) -> None:
        with self.lock:
            store = Store(self.out_dir)
            try:
                if store.record(doc_id) is None:
                    raise KeyError(f"no document {doc_id!r}")
                store.mark_reviewed(doc_id, self.who)
            finally:
                store.close()

    def page(self) -> str:
        return page(TEMPLATE, self.lang, text(self.lang, "review.title")).replace(
            "{{TOKEN}}", self.token)

    def correct(self, doc_id: str, key: str, value: str | None) -> dict:
        with self.lock:
            store = Store(self.out_dir)
            try:
                record = store.record(doc_id)
            finally:
                store.close()
            if record is None or key not in record.fields:
                raise KeyError(f"{doc_id} has no field {key!r}")
            old = record.fields[key].value
            value = (value or "").strip() or None
            if value != old:
                apply_corrections(self.out_dir, self.contest, [(doc_id, key, old, value)],
                                  self.who, self.lang)
            return documents(BatchView.read(self.out_dir), self.contest, {doc_id},
                             self.lang)[0]


def _handler(station: Station) -> type[BaseHTTPRequestHandler]:
    images = (station.out_dir / "report").resolve()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet: the terminal is the user's
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data: object, status: int = HTTPStatus.OK) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode(),
                       "application/json; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = urlparse(self.path).path
            if path == "/":
                self._send(HTTPStatus.OK, station.page().encode(), "text/html; charset=utf-8")
            elif path == "/api/queue":
                self._json(station.queue())
            elif path.startswith("/report/"):
                target = (images / unquote(path.removeprefix("/report/"))).resolve()
                if images not in target.parents or not target.is_file():
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                    return
                self._send(HTTPStatus.OK, target.read_bytes(), "image/jpeg")
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            if self.headers.get("X-Token") != station.token:
                self._json({"error": "missing or wrong session token"}, HTTPStatus.FORBIDDEN)
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                path = urlparse(self.path).path
                if path == "/api/correct":
                    self._json(station.correct(str(body["doc_id"]), str(body["field"]),
                                               body.get("value")))
                elif path == "/api/done":
                    station.mark_done(str(body["doc_id"]))
                    self._json({"done": body["doc_id"]})
                else:
                    self._json({"error": "no such action"}, HTTPStatus.NOT_FOUND)
            except (KeyError, ValueError, TypeError) as exc:
                self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
            except FormscanError as exc:  # the batch busy (a scan writing it), a disk full
                self._json({"error": str(exc)}, HTTPStatus.CONFLICT)

    return Handler


def serve(out_dir: Path, contest: Contest, host: str = "127.0.0.1", port: int = 0,
          who: str = "office", lang: str = DEFAULT_LANG) -> ThreadingHTTPServer:
    """The review station's server, bound and ready (``serve_forever`` runs it); port 0
    picks a free one; its words in ``lang``."""
    station = Station(out_dir, contest, who, lang)
    server = ThreadingHTTPServer((host, port), _handler(station))
    server.station = station  # type: ignore[attr-defined]
    return server
