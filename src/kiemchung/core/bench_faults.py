"""Faults the benchmarks inject while they run: PostgreSQL restarted, a worker killed with
SIGKILL and started again. Each fault runs at its time on a thread of its own and records when
it happened, how long it took and what went wrong, for the benchmark's JSON line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


class FaultError(Exception):
    """A fault that cannot be injected here; the message says exactly why."""


def postgres_restart_command(database_url: str) -> list[str]:
    """The command that restarts the local PostgreSQL cluster serving DATABASE_URL.

    Raises FaultError when that is not possible here: not PostgreSQL, not on this machine, no
    pg_ctlcluster (Debian's postgresql-common), not run as root or postgres, or no online
    cluster on that port.
    """
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        raise FaultError("restarting the database needs --database-url of a PostgreSQL server")
    if (parts.hostname or "") not in LOCAL_HOSTS:
        raise FaultError(f"PostgreSQL runs on {parts.hostname}, not on this machine")
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        raise FaultError("pg_lsclusters/pg_ctlcluster (postgresql-common) are not installed")
    if os.geteuid() != 0:
        raise FaultError("restarting PostgreSQL with pg_ctlcluster needs root")
    port = str(parts.port or 5432)
    lister = ["pg_lsclusters", "--no-header"]
    listed = subprocess.run(lister, capture_output=True, text=True, check=False)  # noqa: S603
    for line in listed.stdout.splitlines():
        words = line.split()
        if len(words) >= 4 and words[2] == port and words[3].startswith("online"):
            return ["pg_ctlcluster", words[0], words[1], "restart", "-m", "fast"]
    raise FaultError(f"no online PostgreSQL cluster on port {port} (pg_lsclusters)")


def run_command(command: list[str]) -> dict[str, Any]:
    """Run a fault's command; what it took and how it ended."""
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "command": " ".join(command),
        "seconds": round(time.monotonic() - began, 2),
        "ok": done.returncode == 0,
        "output": (done.stdout + done.stderr).strip()[-300:],
    }


def kill_hard(process: subprocess.Popen[Any]) -> None:
    """SIGKILL a process (and its group, when it leads one) with no chance to clean up."""
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass
    process.wait()


@dataclass
class Faults:
    """Faults scheduled at seconds after ``start()``; ``report`` lists what happened."""

    planned: list[tuple[float, str, Callable[[], dict[str, Any]]]] = field(default_factory=list)
    report: list[dict[str, Any]] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _began: float = 0.0

    def add(self, at: float, name: str, action: Callable[[], dict[str, Any]]) -> None:
        self.planned.append((at, name, action))

    def start(self) -> None:
        if not self.planned:
            return
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="bench-faults", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for at, name, action in sorted(self.planned, key=lambda item: item[0]):
            delay = self._began + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            entry: dict[str, Any] = {"fault": name, "at_seconds": round(at, 2)}
            try:
                entry.update(action())
            except Exception as exc:  # the benchmark reports it; the run goes on
                entry.update(ok=False, output=f"{type(exc).__name__}: {exc}")
            self.report.append(entry)

    def join(self, timeout: float = 120.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def retrying(read: Callable[[], Any], *, attempts: int = 60, pause: float = 0.5) -> Any:
    """READ (a database query), retried while the database is away (restarting)."""
    from django.db import connection
    from django.db.utils import InterfaceError, OperationalError

    for attempt in range(attempts):
        try:
            return read()
        except (OperationalError, InterfaceError):
            if attempt == attempts - 1:
                raise
            connection.close()
            time.sleep(pause)
    return None
