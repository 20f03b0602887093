"""``formscan review``: the review station, a small web app on this machine only.

It opens the queue of documents that need a person, riskiest first (a missing signature or
seal, another unit's seal, then the other flags, then the least sure value); shows each
document's page, every field with its crop, value and confidence, the verdicts and the emailed
copy's values; and takes corrections from the keyboard. The queue is read from the batch
read-only, so it keeps answering while a scan holds the batch. A correction opens the batch to
write (refused while another formscan holds it), is kept in the store, and goes through the
one refresh: the corrected document and its pair are checked again, every file rewritten once.

Safe by construction: it listens on 127.0.0.1 unless told otherwise; it answers only requests
addressed to it by name (the ``Host`` header: 127.0.0.1, localhost or the ``--host`` given,
with its port), so a page of another site whose name was pointed at this machine (DNS
rebinding) gets nothing; every ``/api/`` request, a read too, carries the session's random
token, which only its own page holds; the only files it serves are its page and the pictures
under ``OUT/report/`` (a path from the client is resolved and must stay there); document text
is only ever rendered with ``textContent``.
"""

from __future__ import annotations

import errno
import json
import secrets
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from pipeline.contest import Contest
from pipeline.corrections import store_corrections
from pipeline.errors import Code, FormscanError, Reason
from pipeline.i18n import DEFAULT_LANG, say, text
from pipeline.model import FlagKind, Record, Status
from pipeline.overrule import DISMISS, LOOK, Refused, parse
from pipeline.overrule import shown as current
from pipeline.refresh import refresh
from pipeline.report import BatchView, DocumentView, documents, page
from pipeline.store import Store

TEMPLATE = (Path(__file__).parent / "review_template.html").read_text(encoding="utf-8")
HEAVY = frozenset({FlagKind.MISSING_SIGNATURE, FlagKind.MISSING_SEAL, FlagKind.SEAL_MISMATCH})
DEFAULT_PORT = 8765  # `formscan review` without --port; taken, another free one is used
PICTURE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


# What a form's blocks lack: on a page whose form type is a guess, these say more about the
# guess than about the page, so they do not raise it above the forms known for sure.
BLOCKS_MISSING = frozenset({FlagKind.MISSING_SIGNATURE, FlagKind.MISSING_SEAL,
                            FlagKind.MISSING_DATE, FlagKind.CLAUSE_MISSING,
                            FlagKind.MISSING_FIELD, FlagKind.UNREAD})


def risk(record: Record) -> float:
    """How much a document needs a person first: the marks that void an authorization,
    then every other flag, then how unsure its least sure value is. A guessed form type
    counts as one flag, what its guessed form's blocks lack as none."""
    guessed = record.has_flag(FlagKind.FORM_GUESSED)
    flags = [f for f in record.flags if not (guessed and f.kind in BLOCKS_MISSING)]
    heavy = sum(f.kind in HEAVY for f in flags)
    sure = min((f.confidence for f in record.fields.values() if f.value), default=1.0)
    return 10 * heavy + len(flags) + (1 - sure)


UNSEEN = object()  # a correction sent without the value its page showed


def _parsed(record: Record, key: str, value: object) -> str | None:
    """What a page showed, in the stored form (as a person's value is)."""
    try:
        return parse(record, key, value)
    except Refused:
        return None if value is None else str(value)


class Station:
    """The batch behind the app: the queue, a document, a correction, a document done."""

    def __init__(self, out_dir: Path, contest: Contest, who: str,
                 lang: str = DEFAULT_LANG) -> None:
        self.out_dir, self.contest, self.who, self.lang = out_dir, contest, who, lang
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()  # one change at a time: the store has one writer

    def queue(self) -> list[DocumentView]:
        """The documents needing review, riskiest first; those marked done (by anyone, in
        any session: kept in the store) carry ``done`` and stay in the list."""
        batch = BatchView.read(self.out_dir)
        return self._views(batch, {r.doc_id for r in batch.records
                                   if r.status is Status.NEEDS_REVIEW} | set(batch.reviewed))

    def _views(self, batch: BatchView, only: set[str]) -> list[DocumentView]:
        order = {r.doc_id: risk(r) for r in batch.records if r.doc_id in only}
        views = documents(batch, self.contest, only, self.lang)
        for view in views:
            view.done = view.doc_id in batch.reviewed
        return sorted(views, key=lambda v: order[v.doc_id], reverse=True)

    def document(self, doc_id: str) -> DocumentView:
        """One document as it is now (the page reloads it when a change was refused)."""
        batch = BatchView.read(self.out_dir)
        if not any(r.doc_id == doc_id for r in batch.records):
            raise Refused(Reason(Code.NO_DOCUMENT, {"doc": doc_id}))
        return self._views(batch, {doc_id})[0]

    def mark_done(self, doc_id: str) -> None:
        """A person has been through the document: the flags that asked the office to look
        at its own page are settled (已复核); those that ask the unit for something stay."""
        with self.lock, Store(self.out_dir) as store:
            record = store.record(doc_id)
            if record is None:
                raise Refused(Reason(Code.NO_DOCUMENT, {"doc": doc_id}))
            reason = text(self.lang, "review.done_reason")
            looked = [(doc_id, f"{DISMISS}{flag}", None, reason)
                      for flag in record.flags if flag.kind in LOOK]
            store.mark_reviewed(doc_id, self.who)
            touched = store_corrections(store, looked, self.who) if looked else set()
            refresh(store, self.contest, store.lang, touched=touched)  # the audit says 已复核

    def page(self) -> str:
        return page(TEMPLATE, self.lang, text(self.lang, "review.title")).replace(
            "{{TOKEN}}", self.token)

    def correct(self, doc_id: str, key: str, value: str | None,
                shown: str | None | object = UNSEEN) -> DocumentView:
        """Keep a person's correction of one key (a field, a verdict, a flag dismissed: see
        ``pipeline.overrule``); the document as it is now. ``shown``: the value the person's
        page showed; when the batch changed it since, nothing is kept (Refused,
        ``changed_since``)."""
        with self.lock, Store(self.out_dir) as store:
            record = store.record(doc_id)
            if record is None:
                raise Refused(Reason(Code.NO_DOCUMENT, {"doc": doc_id}))
            new, now = parse(record, key, value), current(record, key)
            if shown is not UNSEEN and now != _parsed(record, key, shown):
                who, at, _ = store.last_correction(doc_id, key) or ("formscan", "", None)
                raise Refused(Reason(Code.CHANGED_SINCE, {
                    "field": key, "value": now or text(self.lang, "empty"), "who": who,
                    "at": at}))
            if new != now:
                touched = store_corrections(store, [(doc_id, key, now, new)], self.who)
                refresh(store, self.contest, store.lang, touched=touched)
            return self._views(BatchView.of(store), {doc_id})[0]


def _names(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers a request to this server may carry: the loopback names and the
    address it listens on (and, listening on every interface, this machine's names)."""
    hosts = {"127.0.0.1", "localhost", host}
    if host in ("", "0.0.0.0", "::"):
        name = socket.gethostname()
        hosts |= {name, socket.getfqdn(name)}
        try:
            hosts |= set(socket.gethostbyname_ex(name)[2])
        except OSError:  # a machine whose own name does not resolve: loopback names only
            pass
    hosts = {f"[{h}]" if ":" in h else h for h in hosts if h not in ("", "0.0.0.0", "::")}
    return frozenset({f"{h.lower()}:{port}" for h in hosts}
                     | ({h.lower() for h in hosts} if port == 80 else set()))


def _handler(station: Station) -> type[BaseHTTPRequestHandler]:
    images = (station.out_dir / "report").resolve()

    class Handler(BaseHTTPRequestHandler):
        names: frozenset[str] = frozenset()  # the Host headers answered (serve sets them)

        def log_message(self, *args: object) -> None:  # quiet: the terminal is the user's
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data: object, status: int = HTTPStatus.OK) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode(),
                       "application/json; charset=utf-8")

        def _refused(self, reason: Reason, status: int) -> None:
            if reason.code is Code.CHANGED_SINCE:  # however it is raised: the page reloads
                status = HTTPStatus.CONFLICT
            self._json({"error": say(reason, station.lang), "code": reason.code.value}, status)

        def _allowed(self, path: str) -> bool:
            """Addressed to this server by its own name, and an API call with the token;
            otherwise answered 403 and nothing more."""
            host = (self.headers.get("Host") or "").strip().lower()
            token = self.headers.get("X-Token") or ""
            if host not in self.names:
                self._send(HTTPStatus.FORBIDDEN, b"forbidden: unknown Host", "text/plain")
            elif path.startswith("/api/") and not secrets.compare_digest(
                    token.encode(), station.token.encode()):
                self._json({"error": text(station.lang, "review.token_refused"),
                            "code": "token"}, HTTPStatus.FORBIDDEN)
            else:
                return True
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            path = url.path
            if not self._allowed(path):
                return
            if path == "/":
                self._send(HTTPStatus.OK, station.page().encode(), "text/html; charset=utf-8")
            elif path in ("/api/queue", "/api/document"):
                try:
                    if path == "/api/queue":
                        self._json([view.to_dict() for view in station.queue()])
                    else:
                        doc_id = parse_qs(url.query).get("doc_id", [""])[0]
                        self._json(station.document(doc_id).to_dict())
                except Refused as exc:
                    self._refused(exc.reason, HTTPStatus.NOT_FOUND)
                except FormscanError as exc:
                    self._refused(exc.reason, HTTPStatus.CONFLICT)
            elif path.startswith("/report/"):
                target = (images / unquote(path.removeprefix("/report/"))).resolve()
                kind = PICTURE_TYPES.get(target.suffix.lower())
                if images not in target.parents or not kind or not target.is_file():
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                    return
                self._send(HTTPStatus.OK, target.read_bytes(), kind)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            path = urlparse(self.path).path
            if not self._allowed(path):
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if path == "/api/correct":
                    seen = {"shown": body["shown"]} if "shown" in body else {}
                    self._json(station.correct(str(body["doc_id"]), str(body["field"]),
                                               body.get("value"), **seen).to_dict())
                elif path == "/api/done":
                    station.mark_done(str(body["doc_id"]))
                    self._json({"done": body["doc_id"]})
                else:
                    self._json({"error": "no such action"}, HTTPStatus.NOT_FOUND)
            except Refused as exc:
                self._refused(exc.reason, HTTPStatus.BAD_REQUEST)
            except (KeyError, ValueError, TypeError) as exc:
                self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
            except FormscanError as exc:  # the batch busy (a scan writing it), a disk full
                self._refused(exc.reason, HTTPStatus.CONFLICT)

    return Handler


def serve(out_dir: Path, contest: Contest, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          who: str = "office", lang: str = DEFAULT_LANG) -> ThreadingHTTPServer:
    """The review station's server, bound and ready (``serve_forever`` runs it); port 0
    picks a free one, and so does the default port when another program (a second
    ``formscan review``) holds it: ``server.server_address`` says where it is. Its words in
    ``lang``."""
    station = Station(out_dir, contest, who, lang)
    handler = _handler(station)
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port != DEFAULT_PORT:
            raise
        server = ThreadingHTTPServer((host, 0), handler)
    handler.names = _names(host, server.server_address[1])
    server.station = station  # type: ignore[attr-defined]
    return server
