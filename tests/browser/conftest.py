"""A real kiemchung server (with its worker), a local evidence site and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from tests.conftest import IN_CI
from tests.fakes.tipline_telegram import FakeTelegramApi

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BIN = Path(sys.executable).parent
ARTIFACTS = Path(os.environ.get("KIEMCHUNG_TEST_ARTIFACTS", "test-artifacts")).resolve()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EvidenceHandler(BaseHTTPRequestHandler):
    """Two public pages a checker cites as evidence."""

    PAGES = {
        "/bo-y-te": "<html><head><title>Khuyến cáo của Bộ Y tế</title></head><body>"
        "<h1>Khuyến cáo phòng cúm</h1><p>Không có bằng chứng tỏi phòng được cúm.</p></body></html>",
        "/nghien-cuu": "<html><head><title>Tổng quan nghiên cứu</title></head><body>"
        "<p>Chưa có thử nghiệm trên người cho thấy tác dụng phòng cúm của tỏi.</p></body></html>",
    }

    def do_GET(self) -> None:
        body = self.PAGES.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


# The bot token the fake Telegram API below takes (the server's Bot API is that fake).
TELEGRAM_BOT_TOKEN = "7012345678:AAFbrowser-walk-bot-token_0123456789"


@dataclass
class LiveServer:
    url: str
    evidence_url: str
    env: dict[str, str]
    admin_password: str
    telegram_api: FakeTelegramApi
    telegram_token: str = TELEGRAM_BOT_TOKEN

    def kiemchung(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "kiemchung"), *args], env=self.env, capture_output=True, text=True,
            timeout=120, check=True,
        )


@pytest.fixture(scope="session")
def newsroom_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("chromium is required in CI (make test installs Debian's chromium)")
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    evidence = ThreadingHTTPServer(("127.0.0.1", 0), EvidenceHandler)
    threading.Thread(target=evidence.serve_forever, daemon=True).start()
    telegram_api = FakeTelegramApi(bot_token=TELEGRAM_BOT_TOKEN)
    port = _free_port()
    var = tmp_path_factory.mktemp("browser-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    env.update(
        KIEMCHUNG_VAR_DIR=str(var),
        KIEMCHUNG_PORT=str(port),
        KIEMCHUNG_TASKS="db",
        KIEMCHUNG_ALLOW_PRIVATE_URLS="true",
        KIEMCHUNG_SITE_URL=f"http://127.0.0.1:{port}",
        KIEMCHUNG_LOG_LEVEL="WARNING",
        KIEMCHUNG_TELEGRAM_API_URL=telegram_api.url,
    )
    server = LiveServer(
        url=f"http://127.0.0.1:{port}",
        evidence_url=f"http://127.0.0.1:{evidence.server_address[1]}",
        env=env,
        admin_password="Quan-tri-vien-2026",
        telegram_api=telegram_api,
    )
    server.kiemchung("migrate", "--noinput", "-v", "0")
    server.kiemchung(
        "createworkspace", "--name", "Nhóm Kiểm Chứng Thử", "--slug", "thu",
        "--admin-username", "quantri", "--admin-email", "quantri@example.org",
        "--admin-password", server.admin_password,
    )
    log = (ARTIFACTS / "browser-server.log").open("w") if ARTIFACTS.exists() else subprocess.DEVNULL
    proc = subprocess.Popen([str(BIN / "kiemchung"), "run"], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/accounts/login/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("kiemchung run did not answer within 60 s")
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    evidence.shutdown()
    telegram_api.close()


@pytest.fixture(scope="session")
def browser(newsroom_server: LiveServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield instance
        instance.close()


class Shots:
    """Numbered screenshots of each step, kept under the test run's artifacts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: object, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    def take_view(self, page: object, name: str) -> Path:
        """What the screen shows, without scrolling (pictures for the docs)."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path))  # type: ignore[attr-defined]
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(ARTIFACTS / "screenshots" / request.node.name)
