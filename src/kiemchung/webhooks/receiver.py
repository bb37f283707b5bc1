"""A local webhook receiver for `kiemchung bench webhooks` and the tests: a real HTTP server on
127.0.0.1 that verifies each request's Standard Webhooks signature and keeps every receipt as
it came, duplicates included (nothing is folded by `webhook-id`)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Receipt:
    """One request as received: its id, what we answered, whether the signature held."""

    msg_id: str
    status: int
    signed: bool | None
    body: bytes


@dataclass
class Receiver:
    """Answers `status` (200 by default); `refuse_first` of the ids are refused once with 503,
    chosen by a hash of the id so that a run is the same every time."""

    secret: str | None = None
    status: int = 200
    refuse_first: float = 0.0
    receipts: list[Receipt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                owner._answer(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _refused_once(self, msg_id: str) -> bool:
        if self.refuse_first <= 0:
            return False
        share = int(hashlib.sha256(msg_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        if share >= self.refuse_first:
            return False
        return not any(r.msg_id == msg_id for r in self.receipts)

    def _answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        msg_id = headers.get("webhook-id", "")
        signed: bool | None = None
        if self.secret:
            try:
                Webhook(self.secret).verify(body.decode("utf-8"), headers)
                signed = True
            except WebhookVerificationError:
                signed = False
        with self.lock:
            status = 503 if self._refused_once(msg_id) else self.status
            if signed is False:
                status = 401
            self.receipts.append(Receipt(msg_id, status, signed, body))
        answer = b'{"ok": true}' if status < 300 else b'{"error": "not now"}'
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def accepted_ids(self) -> list[str]:
        """The id of each receipt answered 2xx, as many times as it was accepted."""
        with self.lock:
            return [r.msg_id for r in self.receipts if 200 <= r.status < 300]
