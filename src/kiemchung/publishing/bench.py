"""``kiemchung bench site``: how fast the real server answers a public fact-check page.

Starts ``kiemchung run`` in a subprocess on 127.0.0.1 with a temporary var folder holding the
demo workspace (published fact-checks included), then sends requests from threads that each
keep one HTTP/1.1 connection open. Progress goes to stderr; the last line of stdout is one
JSON object: requests, seconds, requests_per_second, p50_ms, p95_ms, errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kiemchung() -> list[str]:
    """The command that runs kiemchung with this interpreter, installed or not."""
    script = Path(sys.executable).parent / "kiemchung"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from kiemchung.cli import main; sys.exit(main())"]


def _seed(env: dict[str, str]) -> str:
    """Migrate the temporary database, create the demo workspace, return a fact-check path."""
    for args in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--quiet"]):
        subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [*_kiemchung(), *args], env=env, check=True, stdout=subprocess.DEVNULL, timeout=300
        )
    probe = (
        "from kiemchung.publishing.selectors import public_factchecks\n"
        "from kiemchung.publishing.jsonld import factcheck_path\n"
        "print(factcheck_path(public_factchecks().first()))\n"
    )
    found = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [*_kiemchung(), "shell", "-c", probe],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return found.stdout.strip().splitlines()[-1]


def _wait_until_up(port: int, path: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"kiemchung run exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            raise RuntimeError(f"{path} answered {status}, not 200")
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"kiemchung run did not answer within {STARTUP_SECONDS} s")


class _Load:
    """Requests shared out to threads; each thread keeps one connection alive."""

    def __init__(self, port: int, path: str, total: int) -> None:
        self.port = port
        self.path = path
        self.total = total
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.problems: list[str] = []

    def _take(self) -> bool:
        with self.lock:
            if self.next >= self.total:
                return False
            self.next += 1
            return True

    def worker(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        times: list[float] = []
        errors = 0
        while self._take():
            started = time.perf_counter()
            try:
                conn.request("GET", self.path, headers={"Accept-Encoding": "identity"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException) as exc:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                with self.lock:
                    if len(self.problems) < 5:
                        self.problems.append(repr(exc))
            elapsed = time.perf_counter() - started
            if ok:
                times.append(elapsed)
            else:
                errors += 1
        conn.close()
        with self.lock:
            self.latencies.extend(times)
            self.errors += errors

    @property
    def done(self) -> int:
        with self.lock:
            return self.next


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _run_load(port: int, path: str, requests: int, concurrency: int) -> dict[str, Any]:
    from tqdm import tqdm

    load = _Load(port, path, requests)
    threads = [threading.Thread(target=load.worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    with tqdm(total=requests, desc="requests", unit="req", file=sys.stderr) as bar:
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.2)
            bar.n = load.done
            bar.refresh()
        bar.n = load.done
        bar.refresh()
    seconds = time.perf_counter() - started
    for problem in load.problems:
        print(f"warning: request failed: {problem}", file=sys.stderr)
    latencies = sorted(load.latencies)
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "requests_per_second": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "errors": load.errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench site",
        description="Load a public fact-check page of a real `kiemchung run` server on "
        "127.0.0.1 and report throughput and latency.",
    )
    parser.add_argument("--requests", type=int, default=5000, help="Requests to send.")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="Client threads, one connection each."
    )
    parser.add_argument(
        "--warmup", type=int, default=200, help="Requests sent first and not measured."
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="Server request threads (default: its own)."
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="Run the server with the public page cache off (KIEMCHUNG_PUBLIC_CACHE_SECONDS=0).",
    )
    parser.add_argument(
        "--path",
        default=None,
        help="Page of the demo site to load, e.g. /p/demo/ (default: a fact-check page).",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--requests and --concurrency must be at least 1, --warmup at least 0")

    var = tempfile.mkdtemp(prefix="kiemchung-bench-site-")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    env.update(
        KIEMCHUNG_VAR_DIR=var,
        KIEMCHUNG_PORT=str(port),
        KIEMCHUNG_HOST="127.0.0.1",
        KIEMCHUNG_TASKS="db",
        KIEMCHUNG_RUN_WORKER="false",
        KIEMCHUNG_LOG_LEVEL="WARNING",
        KIEMCHUNG_SITE_URL=f"http://127.0.0.1:{port}",
    )
    if args.no_cache:
        env["KIEMCHUNG_PUBLIC_CACHE_SECONDS"] = "0"
    server: subprocess.Popen[bytes] | None = None
    try:
        print("preparing a database with the demo workspace…", file=sys.stderr)
        seeded = _seed(env)
        path = args.path or seeded
        command = [*_kiemchung(), "run", "--no-worker"]
        if args.threads:
            command += ["--threads", str(args.threads)]
        log = (Path(var) / "server.log").open("wb")
        server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        _wait_until_up(port, path, server)
        print(f"server up on 127.0.0.1:{port}, loading {path}", file=sys.stderr)
        if args.warmup:
            _run_load(port, path, args.warmup, args.concurrency)
        result = _run_load(port, path, args.requests, args.concurrency)
        result.update(concurrency=args.concurrency, path=path, cache=not args.no_cache)
    except (RuntimeError, subprocess.SubprocessError) as exc:
        print(f"kiemchung bench site: {exc}", file=sys.stderr)
        server_log = Path(var) / "server.log"
        if server_log.exists():
            sys.stderr.write(server_log.read_text(errors="replace")[-2000:])
        return 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(var, ignore_errors=True)
    print(json.dumps(result))
    return 0 if result["errors"] == 0 else 1
