"""The outbound HTTP wrapper against real servers on 127.0.0.1 that misbehave on purpose."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from core.support import answer, http_server
from kiemchung.core.http import FetchError, address_is_public, fetch

FIFTY_MB = 50 * 1024 * 1024


def _redirect(to: str):
    def route(handler: BaseHTTPRequestHandler) -> None:
        answer(handler, 302, headers={"Location": to})

    return route


def _fetch_error(url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, **kwargs)
    return caught.value


def test_fetch_follows_redirects_and_reports_the_final_url():
    routes = {
        "/cu": _redirect("/trung-gian"),
        "/trung-gian": lambda h: answer(h, 301, headers={"Location": "/moi?trang=2"}),
        "/moi": lambda h: answer(h, 200, "Tin đã đính chính".encode(), "text/plain; charset=utf-8"),
    }
    with http_server(routes) as server:
        page = fetch(server.url("/cu"))
    assert page.status_code == 200
    assert page.url == server.url("/moi?trang=2")
    assert page.text == "Tin đã đính chính"
    assert page.content_type == "text/plain; charset=utf-8"
    assert server.request_headers[0]["User-Agent"].startswith("kiemchung/")


def test_json_can_be_posted_and_follows_a_307_with_its_body():
    received = []

    def api(handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers["Content-Length"])
        received.append((handler.command, json.loads(handler.rfile.read(length))))
        answer(handler, 200, b'{"ok": true}', "application/json")

    routes = {"/gui": lambda h: answer(h, 307, headers={"Location": "/api"}), "/api": api}
    message = {"chat_id": 1, "text": "Đã kiểm chứng"}
    with http_server(routes) as server:
        page = fetch(server.url("/gui"), method="POST", json=message)
    assert received == [("POST", message)]
    assert json.loads(page.text) == {"ok": True}


def test_a_page_that_does_not_answer_times_out_and_may_be_retried(settings):
    settings.FETCH_TIMEOUT_SECONDS = 1
    with http_server({"/cham": lambda h: server.released.wait(10)}) as server:
        started = time.monotonic()
        error = _fetch_error(server.url("/cham"))
        elapsed = time.monotonic() - started
    assert error.message == "Trang không phản hồi trong 1 giây"
    assert error.retryable is True
    assert elapsed < 3


def test_a_page_that_drips_one_byte_at_a_time_is_cut_at_the_total_timeout(settings):
    settings.FETCH_TIMEOUT_SECONDS = 1

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        while not server.released.wait(0.1):
            handler.wfile.write(b".")
            handler.wfile.flush()

    with http_server({"/nho-giot": drip}) as server:
        started = time.monotonic()
        error = _fetch_error(server.url("/nho-giot"))
        elapsed = time.monotonic() - started
    assert error.reason == "timeout"
    assert elapsed < 3


def test_a_server_error_is_reported_in_vietnamese_and_may_be_retried():
    with http_server({"/loi": lambda h: answer(h, 500, b"oops")}) as server:
        error = _fetch_error(server.url("/loi"))
    assert error.message == "Máy chủ trả lỗi 500"
    assert error.retryable is True
    assert error.status_code == 500


def test_a_missing_page_is_final():
    with http_server({}) as server:
        error = _fetch_error(server.url("/khong-co"))
    assert error.message == "Máy chủ trả lỗi 404"
    assert error.retryable is False


def _fifty_megabytes(declare_length: bool, sent: list[int], done: threading.Event):
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        if declare_length:
            handler.send_header("Content-Length", str(FIFTY_MB))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"x" * (256 * 1024)
        try:
            while sent[0] < FIFTY_MB:
                handler.wfile.write(chunk)
                sent[0] += len(chunk)
        finally:
            done.set()

    return route


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "undeclared"])
def test_a_50_mb_page_is_refused_without_reading_it_all(declare_length):
    sent, done = [0], threading.Event()
    with http_server({"/lon": _fifty_megabytes(declare_length, sent, done)}) as server:
        error = _fetch_error(server.url("/lon"))
        # The server stops when the client hangs up; what it managed to send is bounded by
        # the 10 MB limit plus the kernel's socket buffers.
        assert done.wait(10), "the server was still sending: the client kept reading"
    assert error.message == "Trang quá lớn (hơn 10 MB)"
    assert error.retryable is False
    assert sent[0] < 25 * 1024 * 1024


def test_the_size_limit_follows_the_setting(settings):
    settings.FETCH_MAX_BYTES = 1024 * 1024
    body = b"a" * (1024 * 1024 + 1)
    with http_server({"/vua-qua": lambda h: answer(h, 200, body)}) as server:
        error = _fetch_error(server.url("/vua-qua"))
        settings.FETCH_MAX_BYTES = len(body)
        assert len(fetch(server.url("/vua-qua")).content) == len(body)
    assert error.message == "Trang quá lớn (hơn 1 MB)"


def test_a_redirect_loop_is_refused_after_the_limit(settings):
    with http_server({"/vong": _redirect("/vong")}) as server:
        error = _fetch_error(server.url("/vong"))
    assert error.message == "Quá nhiều lần chuyển hướng"
    assert error.retryable is False
    assert server.hits["/vong"] == settings.FETCH_MAX_REDIRECTS + 1


def test_every_redirect_hop_is_checked_again():
    with http_server({"/sang-file": _redirect("file:///etc/passwd")}) as server:
        error = _fetch_error(server.url("/sang-file"))
    assert error.reason == "scheme"
    assert error.retryable is False


@pytest.mark.parametrize(
    "url", ["ftp://example.org/tep", "javascript:alert(1)", "http://", "khong phai duong dan"]
)
def test_only_http_and_https_urls_are_fetched(url):
    error = _fetch_error(url)
    assert error.retryable is False
    assert error.reason in {"scheme", "invalid_url"}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_internal_addresses_are_refused_when_private_urls_are_off(settings, host):
    settings.ALLOW_PRIVATE_URLS = False
    with http_server({"/noi-bo": lambda h: answer(h, 200, b"secret")}) as server:
        error = _fetch_error(server.url("/noi-bo", host=host))
    assert error.message == "Địa chỉ nội bộ không được phép"
    assert error.retryable is False
    assert server.hits["/noi-bo"] == 0, "the request must not be sent at all"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 (an address to check, not one to bind)
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("64:ff9b::808:808", True),
    ],
)
def test_address_is_public(address, public):
    assert address_is_public(ipaddress.ip_address(address)) is public


def test_the_host_name_is_sent_while_connecting_to_the_checked_address():
    with http_server({"/": lambda h: answer(h, 200, b"ok")}) as server:
        fetch(server.url("/", host="localhost"))
    assert server.request_headers[0]["Host"] == f"localhost:{server.port}"


def test_a_refused_connection_may_be_retried():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _fetch_error(f"http://127.0.0.1:{port}/")
    assert error.message == "Không kết nối được tới máy chủ"
    assert error.retryable is True


@pytest.fixture(scope="module")
def localhost_certificate(tmp_path_factory):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the HTTPS test")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client_side = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    return server_side, client_side


def test_https_is_verified_against_the_host_name_not_the_pinned_address(localhost_certificate):
    server_side, client_side = localhost_certificate
    with http_server({"/an-toan": lambda h: answer(h, 200, b"tls ok")}, tls=server_side) as server:
        page = fetch(server.url("/an-toan", host="localhost"), ssl_context=client_side)
        # The certificate names localhost only: asking for the bare address must fail.
        error = _fetch_error(server.url("/an-toan", host="127.0.0.1"), ssl_context=client_side)
    assert page.content == b"tls ok"
    assert page.url == f"https://localhost:{server.port}/an-toan"
    assert error.reason == "tls"
    assert error.retryable is False


def test_custom_headers_do_not_follow_a_redirect_to_another_host():
    routes = {
        "/api": lambda h: answer(h, 302, headers={"Location": "/van-api"}),
        "/van-api": lambda h: answer(h, 302, headers={"Location": server.url("/noi-khac",
                                                                              host="localhost")}),
        "/noi-khac": lambda h: answer(h, 200, b"ok"),
    }
    with http_server(routes) as server:
        fetch(server.url("/api"), headers={"access_token": "bi-mat-cua-oa"})
    same_host, _also_same, other_host = server.request_headers
    assert same_host["access_token"] == _also_same["access_token"] == "bi-mat-cua-oa"
    assert "access_token" not in other_host
    assert other_host["User-Agent"].startswith("kiemchung/")


def test_a_host_that_does_not_resolve_may_be_retried():
    # .invalid never resolves (RFC 2606): what a platform's host looks like while DNS is down.
    error = _fetch_error("https://api.kiemchung.invalid/v2.0/oa/message")
    assert error.reason == "dns"
    assert error.retryable is True
    assert "api.kiemchung.invalid" in error.message
