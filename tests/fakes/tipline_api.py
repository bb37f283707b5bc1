"""A real HTTP server on 127.0.0.1 that stands in for a chat platform's API in tests.

Subclasses decide, per request, what the platform would answer (`answer` for POST, `answer_get`
for the files a GET downloads); every request is recorded (method, path, query, headers, JSON
body, and how much of the answer went out) so tests can check what kiemchung sent. Answers can
be scripted ahead (`fail_next`, for either method) to play a platform that refuses or is
briefly down.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: Any
    # How much of the answer's body went out (the client may hang up before the end), final
    # once `done` is set.
    bytes_sent: int = 0
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class Served:
    """A file answered to a GET; without `declare_length` it streams with no Content-Length,
    so only counting the bytes as they arrive can stop an oversized one."""

    status: int
    content: bytes
    content_type: str
    declare_length: bool = True


@dataclass
class FakeChatApi:
    requests: list[Recorded] = field(default_factory=list)
    scripted: deque[Answer] = field(default_factory=deque)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def record(self, payload: Any) -> tuple[Recorded, Answer | None]:
                """The request as the tests see it, and the scripted answer it takes if any."""
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    json=payload,
                )
                with fake.lock:
                    fake.requests.append(recorded)
                    scripted = fake.scripted.popleft() if fake.scripted else None
                return recorded, scripted

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    payload = json.loads(raw or b"null")
                except ValueError:
                    payload = None
                recorded, scripted = self.record(payload)
                answer = scripted or fake.answer(recorded)
                body = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                recorded.bytes_sent = len(body)
                recorded.done.set()

            def do_GET(self) -> None:
                recorded, scripted = self.record(None)
                if scripted is not None:
                    served = Served(scripted.status, json.dumps(scripted.body).encode(),
                                    "application/json")
                else:
                    served = fake.answer_get(recorded)
                self.send_response(served.status)
                self.send_header("Content-Type", served.content_type)
                if served.declare_length:
                    self.send_header("Content-Length", str(len(served.content)))
                self.end_headers()
                try:
                    for start in range(0, len(served.content), 64 * 1024):
                        chunk = served.content[start:start + 64 * 1024]
                        self.wfile.write(chunk)
                        recorded.bytes_sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped reading, as it should past its limit
                finally:
                    recorded.done.set()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, body: dict[str, Any], times: int = 1) -> None:
        for _ in range(times):
            self.scripted.append(Answer(status, body))

    def gets(self) -> list[Recorded]:
        """The GET requests: the files downloaded from the platform."""
        return [r for r in self.requests if r.method == "GET"]

    def answer(self, request: Recorded) -> Answer:
        raise NotImplementedError

    def answer_get(self, request: Recorded) -> Served:
        return Served(404, b"Not Found", "text/plain")

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
