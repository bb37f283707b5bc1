"""Real helpers for tests that need the network or other processes: HTTP servers on 127.0.0.1,
`kiemchung` subprocesses against a file database, and the rule for unreachable services."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

# The same rule as tests/conftest.py: in CI a missing service is a failure, not a skip.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KIEMCHUNG = Path(sys.executable).with_name("kiemchung")


def service_missing(reason: str) -> None:
    """Skip the test, or fail it when running in CI, because a service it needs is unreachable."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the service must be available)")
    pytest.skip(reason)


Route = Callable[[BaseHTTPRequestHandler], None]


def answer(
    handler: BaseHTTPRequestHandler,
    status: int = 200,
    body: bytes = b"",
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """Send a whole response with its Content-Length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@dataclass
class LocalServer:
    """An HTTP server on 127.0.0.1 in a thread; counts the hits on each path."""

    routes: dict[str, Route]
    hits: Counter[str] = field(default_factory=Counter)
    request_headers: list[dict[str, str]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    scheme: str = "http"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


@contextmanager
def http_server(
    routes: dict[str, Route], *, tls: ssl.SSLContext | None = None
) -> Iterator[LocalServer]:
    """Serve ROUTES (path -> handler function) until the block ends; unknown paths answer 404."""
    state = LocalServer(routes=routes, scheme="https" if tls else "http")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.hits[path] += 1
            state.request_headers.append(dict(self.headers.items()))
            route = state.routes.get(path)
            if route is None:
                answer(self, 404, b"not found")
                return
            # The client may hang up first (a refused 50 MB body): that is expected.
            with suppress(BrokenPipeError, ConnectionResetError):
                route(self)

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        # Handlers that stall wait on `released`; let them go so the server can stop.
        state.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, step: float = 0.1) -> Any:
    """Poll CONDITION until it returns something true; fail with WHAT after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(step)


def _ctrl_c_restored() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Instance:
    """A kiemchung instance in its own KIEMCHUNG_VAR_DIR, driven through subprocesses."""

    var_dir: Path
    env: dict[str, str]
    logs: Path

    def command(self, *args: str) -> list[str]:
        return [str(KIEMCHUNG), *args]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `kiemchung ARGS` to completion; fail the test with its output if it fails."""
        done = subprocess.run(
            self.command(*args),
            env=self.env,
            cwd=self.var_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(
                f"kiemchung {' '.join(args)} exited {done.returncode}\n"
                f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
            )
        return done

    def start(self, *args: str, name: str) -> subprocess.Popen[str]:
        """Start `kiemchung ARGS` in the background, its output going to a log file."""
        log = (self.logs / f"{name}.log").open("w", encoding="utf-8")
        return subprocess.Popen(
            self.command(*args),
            env=self.env,
            cwd=self.var_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            # A test run started in the background of a script ignores Ctrl+C, and so would
            # the instance; it is given the usual Ctrl+C, as when started from a terminal.
            preexec_fn=_ctrl_c_restored,
        )

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def python(self, script: str, *args: str, timeout: float = 60) -> Any:
        """Run SCRIPT with Django set up for this instance; returns what it prints as JSON."""
        code = (
            "import django, json, sys\n"
            "django.setup()\n"
            f"{script}\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env={**self.env, "DJANGO_SETTINGS_MODULE": "kiemchung.settings"},
            cwd=self.var_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(f"script failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def evidence_add(self, *urls: str) -> list[int]:
        """Create a claim with URL evidence, requesting each archive the way the app does."""
        return list(self.python(EVIDENCE_ADD_SCRIPT, *urls))

    def sqlite(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of QUERY on this instance's SQLite database (read-only)."""
        uri = f"file:{self.var_dir / 'kiemchung.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=20) as db:
            return db.execute(query, params).fetchall()


EVIDENCE_ADD_SCRIPT = """
from django.db import transaction
from kiemchung.accounts.models import Workspace
from kiemchung.claims.archive import archive_request
from kiemchung.claims.models import Claim, Evidence, EvidenceKind

with transaction.atomic():
    workspace, _ = Workspace.objects.get_or_create(slug="nhom", defaults={"name": "Nhóm"})
    claim = Claim.objects.create(workspace=workspace, text="Uống nước chanh chữa được ung thư")
    ids = []
    for url in sys.argv[1:]:
        evidence = Evidence.objects.create(claim=claim, kind=EvidenceKind.URL, url=url)
        archive_request(evidence)
        ids.append(evidence.id)
print(json.dumps(ids))
"""


def instance_env(var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a kiemchung subprocess: this test run's KIEMCHUNG_* values left out."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KIEMCHUNG_")}
    env.update(
        KIEMCHUNG_VAR_DIR=str(var_dir),
        KIEMCHUNG_ENV="test",
        KIEMCHUNG_TASKS="db",
        KIEMCHUNG_ALLOW_PRIVATE_URLS="true",
        KIEMCHUNG_EMAIL_BACKEND="memory",
        KIEMCHUNG_LOG_LEVEL="INFO",
        # Periodic jobs would add tasks of their own to the queue a test counts; the schedule's
        # tests turn it on.
        KIEMCHUNG_SCHEDULE="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


_templates: dict[str, Path] = {}


def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var dir with a migrated SQLite database, made once per test run and copied by tests."""
    if "sqlite" not in _templates:
        var_dir = tmp_path_factory.mktemp("kiemchung-template")
        done = subprocess.run(
            [str(KIEMCHUNG), "migrate", "--noinput", "-v", "0"],
            env=instance_env(var_dir),
            cwd=var_dir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        _templates["sqlite"] = var_dir
    return _templates["sqlite"]


def migrated_instance(template: Path, tmp_path: Path, **settings: str) -> Instance:
    """A fresh instance whose SQLite database is a copy of the migrated TEMPLATE."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    shutil.copy(template / "kiemchung.sqlite3", var_dir / "kiemchung.sqlite3")
    logs = tmp_path / "logs"
    logs.mkdir()
    return Instance(var_dir=var_dir, env=instance_env(var_dir, **settings), logs=logs)


POSTGRES_URL = os.environ.get(
    "KIEMCHUNG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a fresh PostgreSQL database, dropped afterwards; the test is skipped (failed
    in CI) when PostgreSQL is unreachable at KIEMCHUNG_TEST_POSTGRES_URL."""
    import psycopg
    from psycopg import sql

    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        parts = urlsplit(POSTGRES_URL)
        service_missing(
            f"PostgreSQL is unreachable at {parts.hostname}:{parts.port or 5432}: {exc}"
        )
    name = f"kiemchung_test_{secrets.token_hex(6)}"
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    finally:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def postgres_instance(url: str, var_dir: Path, logs: Path) -> Instance:
    """An instance on the PostgreSQL database at URL, migrated by `kiemchung migrate`."""
    instance = Instance(
        var_dir=var_dir, env=instance_env(var_dir, KIEMCHUNG_DATABASE_URL=url), logs=logs
    )
    instance.run("migrate", "--noinput", "-v", "0", timeout=180)
    return instance
