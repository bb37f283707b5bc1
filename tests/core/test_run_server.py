"""`kiemchung run` itself: the real waitress server refuses an oversized body before reading it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from tests.core.support import Instance, migrated_instance, sqlite_template, wait_for

MEGABYTE = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory, tmp_path) -> Iterator[tuple[Instance, int]]:
    instance = migrated_instance(sqlite_template(tmp_path_factory), tmp_path)
    port = _free_port()
    process = instance.start("run", "--port", str(port), "--no-worker", name="run")
    try:
        wait_for(lambda: "is running at" in instance.log("run") or process.poll() is not None,
                 timeout=60, what="kiemchung run to listen")
        assert process.poll() is None, instance.log("run")
        yield instance, port
    finally:
        process.terminate()
        process.wait(timeout=60)


def _limit(instance: Instance) -> int:
    return int(instance.python(
        "from kiemchung.core.management.commands.run import request_body_max_bytes\n"
        "print(request_body_max_bytes())"
    ))


def _post(port: int, path: str, length: int, sent: bytes) -> tuple[bytes, float]:
    """POST announcing LENGTH bytes, send only SENT, and read the answer."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n".encode()
            + sent
        )
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer, time.monotonic() - started


def test_a_body_announced_larger_than_any_upload_is_refused_before_it_is_sent(server):
    instance, port = server
    limit = _limit(instance)
    announced = max(50 * MEGABYTE, 2 * limit)

    answer, took = _post(port, "/tin/gui/nhom/", announced, b"x" * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert took < 5, "answered at once, without waiting for the body"


def test_a_body_under_the_limit_reaches_the_app(server):
    _instance, port = server
    answer, _took = _post(port, "/tin/gui/nhom/", 1024, b"x" * 1024)
    # The app answers (here: the form's CSRF refusal), not the server's size limit.
    assert answer.startswith(b"HTTP/1.1 ") and not answer.startswith(b"HTTP/1.1 413")
