"""`kiemchung bench tipline`: a burst of signed webhooks against the real server.

Starts `kiemchung run` (waitress and its background worker) in a subprocess on a fresh
database, with local stand-ins for the platforms' reply APIs, then sends signed Telegram, Zalo
and Messenger webhooks from 127.0.0.1 at the requested rate for the requested time. A share of
the messages is sent again later, as platforms retry; a request that does not get a 200 is
retried too. At the end the generator counts, against the database, what was stored: every
message once, none twice. Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TELEGRAM_SECRET = "bench-telegram-secret"  # noqa: S105 (a throwaway bench value)
ZALO_APP_ID = "bench-zalo-app"
ZALO_SECRET = "bench-zalo-secret"  # noqa: S105
META_SECRET = "bench-meta-secret"  # noqa: S105
CLAIMS = (
    "Nghe nói từ tháng sau xe máy cũ hơn 10 năm sẽ bị cấm lưu thông ở Hà Nội",
    "Có tin uống nước chanh nóng mỗi sáng chữa khỏi ung thư, có đúng không?",
    "Bài đăng nói ngân hàng nhà nước sắp ngừng lưu hành tiền polymer",
    "Người ta chia sẻ rằng vắc-xin mới gây vô sinh, nhờ kiểm tra giúp",
)


@dataclass(frozen=True)
class Outgoing:
    """One platform message: where it goes, its signed body, and its platform id."""

    kind: str
    path: str
    body: bytes
    headers: dict[str, str]
    external_id: str


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    duplicates_sent: int = 0
    refused: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    # How late each first send of a message started against its schedule, in ms.
    lag_ms: list[float] = field(default_factory=list)
    # When the last first-time message was answered 200 (time.monotonic()).
    last_original_answered: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _PlatformApis:
    """Accepts every reply as the three platforms would, so the worker's sends succeed."""

    def __init__(self) -> None:
        # Every reply body received: the same body twice is a reply sent twice.
        self.replies: list[bytes] = []
        replies, lock = self.replies, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                with lock:
                    replies.append(self.path.encode() + b" " + self.rfile.read(length))
                if "/oa/message/cs" in self.path:
                    answer: dict[str, Any] = {"error": 0, "message": "Success",
                                              "data": {"message_id": "z1"}}
                elif "/me/messages" in self.path:
                    answer = {"recipient_id": "1", "message_id": "m_1"}
                else:
                    answer = {"ok": True, "result": {"message_id": 1}}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()


def _telegram(i: int, path: str) -> Outgoing:
    update_id = 900_000_000 + i
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": i + 1,
            "from": {"id": 10_000_000 + i, "is_bot": False, "first_name": "B"},
            "chat": {"id": 10_000_000 + i, "type": "private"},
            "date": int(time.time()),
            "text": f"{CLAIMS[i % len(CLAIMS)]} (#{i})",
        },
    }
    return Outgoing(
        "telegram", path, json.dumps(payload, ensure_ascii=False).encode(),
        {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, str(update_id),
    )


def _zalo(i: int, path: str) -> Outgoing:
    msg_id = f"benchz{i:010d}"
    timestamp = str(int(time.time() * 1000))
    payload = {
        "app_id": ZALO_APP_ID,
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": f"z{i}"},
        "recipient": {"id": "oa"},
        "message": {"msg_id": msg_id, "text": f"{CLAIMS[i % len(CLAIMS)]} (#{i})"},
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    mac = hashlib.sha256(ZALO_APP_ID.encode() + body + timestamp.encode() + ZALO_SECRET.encode())
    return Outgoing("zalo", path, body, {"X-ZEvent-Signature": "mac=" + mac.hexdigest()}, msg_id)


def _messenger(i: int, path: str) -> Outgoing:
    mid = f"m_bench{i:012d}"
    now = int(time.time() * 1000)
    payload = {
        "object": "page",
        "entry": [{"id": "page", "time": now, "messaging": [{
            "sender": {"id": f"psid{i}"}, "recipient": {"id": "page"}, "timestamp": now,
            "message": {"mid": mid, "text": f"{CLAIMS[i % len(CLAIMS)]} (#{i})"},
        }]}],
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    mac = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return Outgoing("messenger", path, body, {"X-Hub-Signature-256": f"sha256={mac}"}, mid)


def _send_all(
    port: int, schedule: list[tuple[float, Outgoing, bool]], tally: Tally, threads: int,
    attempts: int = 6,
) -> None:
    """Send each scheduled message at its time; retry what is not answered 200, as platforms do."""
    position = 0
    position_lock = threading.Lock()

    def worker() -> None:
        nonlocal position
        connection: http.client.HTTPConnection | None = None
        while True:
            with position_lock:
                if position >= len(schedule):
                    break
                at, message, duplicate = schedule[position]
                position += 1
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            for attempt in range(attempts):
                started = time.monotonic()
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    connection.request("POST", message.path, body=message.body, headers={
                        **message.headers, "Content-Type": "application/json",
                    })
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    if connection is not None:
                        connection.close()
                    connection = None
                    status = 0
                answered = time.monotonic()
                elapsed = (answered - started) * 1000
                with tally.lock:
                    if attempt == 0 and not duplicate:
                        tally.lag_ms.append(max(0.0, (started - at) * 1000))
                    if status == 200 and not duplicate:
                        tally.last_original_answered = max(
                            tally.last_original_answered, answered
                        )
                    tally.sent += 1
                    tally.duplicates_sent += int(duplicate or attempt > 0)
                    tally.latencies_ms.append(elapsed)
                    if status == 200:
                        tally.accepted += 1
                    elif status:
                        tally.refused[status] = tally.refused.get(status, 0) + 1
                    else:
                        tally.errors += 1
                if status == 200:
                    break
                time.sleep(min(0.05 * (2**attempt), 5.0))
        if connection is not None:
            connection.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench tipline",
        description="A burst of signed webhooks against the real server; counts lost and "
        "duplicated tips in the database.",
    )
    parser.add_argument("--rate", type=int, default=500, help="Messages per second.")
    parser.add_argument("--seconds", type=float, default=10.0, help="How long to send.")
    parser.add_argument(
        "--duplicates", type=float, default=0.1,
        help="Share of messages sent a second time later, as platforms retry.",
    )
    parser.add_argument("--threads", type=int, default=64, help="Sending connections.")
    parser.add_argument("--server-threads", type=int, default=16, help="Web server threads.")
    parser.add_argument(
        "--drain", type=float, default=60.0,
        help="Seconds to wait after sending for the worker to process the stored messages.",
    )
    parser.add_argument(
        "--database-url", default="",
        help="Run against this (empty) PostgreSQL database instead of a fresh SQLite file.",
    )
    parser.add_argument("--no-worker", action="store_true",
                        help="Run the server without its background worker.")
    parser.add_argument(
        "--worker-process", action="store_true",
        help="Run the worker as its own process (`kiemchung worker`) instead of a thread of the "
        "server, as on a production machine: the web server then has its interpreter to itself.",
    )
    parser.add_argument(
        "--restart-postgres-at", type=float, default=None, metavar="SECONDS",
        help="Restart the local PostgreSQL cluster of --database-url this long after sending "
        "starts (pg_ctlcluster, as root).",
    )
    parser.add_argument(
        "--kill-worker-at", type=float, default=None, metavar="SECONDS",
        help="SIGKILL the worker process this long after sending starts and start a new one "
        "(implies --worker-process).",
    )
    parser.add_argument(
        "--lease-seconds", type=int, default=60,
        help="KIEMCHUNG_TASK_LEASE_SECONDS of the instance: how soon a dead worker's tasks run "
        "again.",
    )
    parser.add_argument(
        "--wait-replies", action="store_true",
        help="After the drain, wait (up to --drain again) until every reply was sent; always "
        "on with a fault.",
    )
    parser.add_argument(
        "--attempts", type=int, default=6,
        help="Sends of a message before the generator gives up on it (platforms retry).",
    )
    args = parser.parse_args(argv)
    from kiemchung.core.bench_faults import (
        FaultError,
        Faults,
        kill_hard,
        postgres_restart_command,
        retrying,
        run_command,
    )

    faults = Faults()
    restart_command: list[str] = []
    if args.restart_postgres_at is not None:
        try:
            restart_command = postgres_restart_command(args.database_url)
        except FaultError as exc:
            print(f"kiemchung bench tipline: cannot restart PostgreSQL: {exc}", file=sys.stderr)
            return 2
    if args.kill_worker_at is not None:
        if args.no_worker:
            print("kiemchung bench tipline: --kill-worker-at needs a worker", file=sys.stderr)
            return 2
        args.worker_process = True

    var_dir = Path(tempfile.mkdtemp(prefix="kiemchung-bench-tipline-"))
    apis = _PlatformApis()
    env = {
        "KIEMCHUNG_ENV": "development",
        "KIEMCHUNG_VAR_DIR": str(var_dir),
        "KIEMCHUNG_TASKS": "db",
        "KIEMCHUNG_ALLOW_PRIVATE_URLS": "true",
        "KIEMCHUNG_EMAIL_BACKEND": "memory",
        "KIEMCHUNG_LOG_LEVEL": "WARNING",
        "KIEMCHUNG_TELEGRAM_API_URL": apis.url,
        "KIEMCHUNG_ZALO_OA_URL": apis.url,
        "KIEMCHUNG_FACEBOOK_GRAPH_URL": apis.url + "/v21.0",
        # One sender per message here; the per-sender rate is not what is measured.
        "KIEMCHUNG_TIPLINE_SENDER_RATE": "1000",
        # Only the burst is measured: no periodic job starts during it.
        "KIEMCHUNG_SCHEDULE": "false",
        "KIEMCHUNG_TASK_LEASE_SECONDS": str(args.lease_seconds),
    }
    if args.database_url:
        env["KIEMCHUNG_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from kiemchung.accounts.models import Workspace
    from kiemchung.core.models import Delivery, DeliveryStatus
    from kiemchung.tipline import services_inbound
    from kiemchung.tipline.models import Channel, InboundMessage, InboundState, Tip
    from kiemchung.tipline.services import DELIVERY_ADAPTER_PREFIX

    print(f"bench tipline: database {connection.vendor}, var {var_dir}", file=sys.stderr)
    call_command("migrate", verbosity=0)
    workspace, _created = Workspace.objects.get_or_create(
        slug="bench-tipline", defaults={"name": "Bench"}
    )
    channels = {}
    for kind, values in (
        ("telegram", {"bot_token": "1:bench", "secret_token": TELEGRAM_SECRET}),
        ("zalo", {"oa_secret_key": ZALO_SECRET, "access_token": "bench"}),
        ("messenger", {"app_secret": META_SECRET, "page_access_token": "bench",
                       "verify_token": "bench"}),
    ):
        channel = Channel.objects.create(
            workspace=workspace, kind=kind, name=kind,
            config={"app_id": ZALO_APP_ID} if kind == "zalo" else {},
        )
        services_inbound.channel_credentials_set(channel=channel, values=values)
        channels[kind] = channel
    paths = {kind: reverse(f"tipline:hook_{kind}", args=[c.public_id])
             for kind, c in channels.items()}
    connection.close()

    port = _free_port()
    command = [sys.executable, "-m", "kiemchung.cli", "run", "--port", str(port),
               "--threads", str(args.server_threads)]
    if args.no_worker or args.worker_process:
        command.append("--no-worker")
    # The server's output goes to a file: an unread pipe would fill up and stall its threads.
    server_log_path = var_dir / "server.log"
    server_log = server_log_path.open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        command, env={**os.environ}, stdout=server_log, stderr=subprocess.STDOUT, text=True
    )
    worker = None

    def worker_start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "kiemchung.cli", "worker", "--no-startup-delay"],
            env={**os.environ}, stdout=server_log, stderr=subprocess.STDOUT, text=True,
        )

    if args.worker_process and not args.no_worker:
        worker = worker_start()
    if restart_command:
        faults.add(args.restart_postgres_at, "postgres_restart",
                   lambda: run_command(restart_command))
    if args.kill_worker_at is not None:

        def worker_kill() -> dict[str, Any]:
            nonlocal worker
            assert worker is not None
            began = time.monotonic()
            kill_hard(worker)
            worker = worker_start()
            return {"ok": True, "seconds": round(time.monotonic() - began, 2)}

        faults.add(args.kill_worker_at, "worker_kill", worker_kill)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None:
                    print(server_log_path.read_text(encoding="utf-8"), file=sys.stderr)
                    raise SystemExit("bench tipline: the server did not start") from None
                time.sleep(0.2)

        makers = {"telegram": _telegram, "zalo": _zalo, "messenger": _messenger}
        total = int(args.rate * args.seconds)
        kinds = list(makers)
        messages = [makers[kinds[i % 3]](i, paths[kinds[i % 3]]) for i in range(total)]
        rng = random.Random(6)
        start = time.monotonic() + 0.5
        schedule = [(start + i / args.rate, m, False) for i, m in enumerate(messages)]
        for message_at, message, _dup in list(schedule):
            if rng.random() < args.duplicates:
                schedule.append((message_at + rng.uniform(0.05, 2.0), message, True))
        schedule.sort(key=lambda item: item[0])

        tally = Tally()
        sender = threading.Thread(
            target=_send_all, args=(port, schedule, tally, args.threads, args.attempts),
            daemon=True,
        )
        began = time.monotonic()
        sender.start()
        faults.start()
        while sender.is_alive():
            sender.join(timeout=1.0)
            print(f"  sent {tally.sent}, accepted {tally.accepted}, "
                  f"refused {sum(tally.refused.values())}, errors {tally.errors}",
                  file=sys.stderr)
        send_seconds = time.monotonic() - began

        ours = InboundMessage.objects.filter(channel__in=list(channels.values()))
        drain_until = time.monotonic() + args.drain
        while time.monotonic() < drain_until and not args.no_worker:
            waiting = retrying(ours.filter(state=InboundState.QUEUED).count)
            print(f"  worker: {waiting} stored messages still to process", file=sys.stderr)
            if waiting == 0:
                break
            time.sleep(2.0)

        faults.join()
        replies = Delivery.objects.filter(adapter__startswith=DELIVERY_ADAPTER_PREFIX)
        unsent = replies.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        if faults.planned or args.wait_replies:
            # Every reply written is sent before counting (a dead worker's tasks run again once
            # their lease ran out), or the drain time runs out once more.
            settle_until = time.monotonic() + args.drain
            while time.monotonic() < settle_until:
                waiting = retrying(ours.filter(state=InboundState.QUEUED).count) + retrying(
                    unsent.count
                )
                print(f"  worker: {waiting} messages and replies still to process",
                      file=sys.stderr)
                if waiting == 0:
                    break
                time.sleep(2.0)
        stored_ids = retrying(lambda: list(ours.values_list("external_id", flat=True)))
        wanted = {m.external_id for m in messages}
        stored = set(stored_ids)
        tips = Tip.objects.filter(conversation__channel__in=list(channels.values()))
        tips_by_inbound = list(tips.values_list("inbound_id", flat=True))
        result = {
            "database": connection.vendor,
            "rate": args.rate,
            "sent": tally.sent,
            "accepted": tally.accepted,
            "duplicates_sent": tally.duplicates_sent,
            "refused": tally.refused,
            "errors": tally.errors,
            "unique_messages": len(wanted),
            "tips_in_db": len(stored & wanted),
            "lost": len(wanted - stored),
            "duplicated": (len(stored_ids) - len(stored))
            + (len(tips_by_inbound) - len(set(tips_by_inbound))),
            "processed": ours.exclude(state=InboundState.QUEUED).count(),
            "tips_processed": len(tips_by_inbound),
            "p50_ms": round(_percentile(tally.latencies_ms, 0.50), 1),
            "p95_ms": round(_percentile(tally.latencies_ms, 0.95), 1),
            "p99_ms": round(_percentile(tally.latencies_ms, 0.99), 1),
            # Requests answered a second over the whole run, the platforms' retries included
            # (the 0.5 s before the first and the duplicates' tail count as time).
            "achieved_rate": round(tally.sent / send_seconds, 1) if send_seconds else 0.0,
            # The burst itself: first-time messages over the time from the first one's
            # scheduled send to the last one's answer; equals --rate when the server kept up.
            "burst_rate": round(total / (tally.last_original_answered - start), 1)
            if tally.last_original_answered > start
            else 0.0,
            "schedule_lag_p95_ms": round(_percentile(tally.lag_ms, 0.95), 1),
            "schedule_lag_max_ms": round(max(tally.lag_ms, default=0.0), 1),
            "seconds": round(send_seconds, 2),
            "replies_written": retrying(replies.count),
            "replies_unsent": retrying(unsent.count),
            "replies": len(apis.replies),
            "replies_twice": len(apis.replies) - len(set(apis.replies)),
            "faults": faults.report,
        }
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        apis.close()
    print(f"bench tipline: server log at {server_log_path}", file=sys.stderr)
    print(json.dumps(result))
    healthy = result["lost"] == 0 and result["duplicated"] == 0 and result["replies_twice"] == 0
    return 0 if healthy else 1
