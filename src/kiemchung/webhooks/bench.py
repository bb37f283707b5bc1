"""`kiemchung bench webhooks`: events delivered to a real receiver across a worker killed mid-run.

Sets Django up on a fresh database, registers one endpoint on a local receiver (a real HTTP
server on 127.0.0.1 that verifies every signature), starts `kiemchung worker` as its own
process, and records the events in batches, each batch in one transaction as a service would.
When the receiver has accepted a share of them, the worker is killed with SIGKILL in the middle
of its work and started again; its unfinished task runs again once its lease runs out. A share
of the events is refused once by the receiver (503) so retries are part of the run. At the end
every receipt is counted as it came, duplicates included: an event is lost when the receiver
never accepted it, and sent twice when it accepted it more than once. Progress goes to stderr;
the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _worker(log: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiemchung.cli", "worker", "--interval", "0.05",
         "--no-startup-delay"],
        env={**os.environ}, stdout=log, stderr=subprocess.STDOUT, text=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench webhooks",
        description="Events delivered to a local receiver across a worker killed with SIGKILL "
        "mid-run; counts lost and twice-accepted events from the raw receipts.",
    )
    parser.add_argument("--events", type=int, default=1000, help="Events to record.")
    parser.add_argument("--batch", type=int, default=50, help="Events per transaction.")
    parser.add_argument(
        "--kill-at", type=float, default=0.4,
        help="Kill the worker once the receiver has accepted this share of the events.",
    )
    parser.add_argument("--kills", type=int, default=1, help="How many times to kill it.")
    parser.add_argument(
        "--refuse-first", type=float, default=0.05,
        help="Share of events the receiver refuses once (503), so that they are retried.",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait in all.")
    parser.add_argument("--seed", type=int, default=13, help="Seed of the kill moments.")
    parser.add_argument(
        "--database-url", default="",
        help="Run against this (empty) PostgreSQL database instead of a fresh SQLite file.",
    )
    args = parser.parse_args(argv)

    var_dir = Path(tempfile.mkdtemp(prefix="kiemchung-bench-webhooks-"))
    env = {
        "KIEMCHUNG_ENV": "development",
        "KIEMCHUNG_VAR_DIR": str(var_dir),
        "KIEMCHUNG_TASKS": "db",
        # The receiver is on 127.0.0.1; the guard refuses such addresses in production.
        "KIEMCHUNG_ALLOW_PRIVATE_URLS": "true",
        "KIEMCHUNG_LOG_LEVEL": "WARNING",
        "KIEMCHUNG_SCHEDULE": "false",
        # A killed worker's task comes back after this lease; a refused event after this wait.
        "KIEMCHUNG_TASK_LEASE_SECONDS": "5",
        "KIEMCHUNG_TASK_BACKOFF_SECONDS": "0.5",
        "KIEMCHUNG_FETCH_TIMEOUT_SECONDS": "5",
    }
    if args.database_url:
        env["KIEMCHUNG_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from kiemchung.accounts.models import Workspace
    from kiemchung.core import events
    from kiemchung.core.models import DeliveryStatus, Event
    from kiemchung.webhooks import services
    from kiemchung.webhooks.models import WebhookDelivery
    from kiemchung.webhooks.receiver import Receiver

    print(f"bench webhooks: database {connection.vendor}, var {var_dir}", file=sys.stderr)
    call_command("migrate", verbosity=0)
    workspace, _created = Workspace.objects.get_or_create(
        slug="bench-webhooks", defaults={"name": "Bench"}
    )
    receiver = Receiver(refuse_first=args.refuse_first).start()
    with transaction.atomic():
        endpoint, secret = services.endpoint_create(
            workspace=workspace, actor=None, url=receiver.url, kinds=[events.CLAIM_CREATED]
        )
    receiver.secret = secret
    connection.close()

    rng = random.Random(args.seed)
    log_path = var_dir / "worker.log"
    log = log_path.open("w", encoding="utf-8")
    worker = _worker(log)
    began = time.monotonic()
    kills: list[dict[str, Any]] = []
    try:
        for start in range(0, args.events, args.batch):
            with transaction.atomic():
                for number in range(start, min(start + args.batch, args.events)):
                    events.event_record(
                        workspace=workspace,
                        kind=events.CLAIM_CREATED,
                        payload={"claim": {
                            "id": number + 1, "text": f"Nhận định thử số {number + 1}",
                            "topic": "", "tags": [], "state": "open",
                            "created_at": timezone.now().isoformat(),
                        }},
                    )
        recorded = time.monotonic() - began
        print(f"  recorded {args.events} events in {recorded:.1f} s", file=sys.stderr)

        deadline = began + args.timeout
        thresholds = [args.kill_at * (k + 1) / args.kills for k in range(args.kills)]
        sent = 0
        while time.monotonic() < deadline:
            accepted = len(set(receiver.accepted_ids()))
            if thresholds and accepted >= thresholds[0] * args.events:
                thresholds.pop(0)
                # A moment later than the receipt that crossed the line, so the kill does not
                # always fall right after an answer.
                time.sleep(rng.uniform(0.0, 0.05))
                in_flight = WebhookDelivery.objects.filter(sending_since__isnull=False).count()
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills.append({"after_accepted": accepted, "in_flight": in_flight})
                print(f"  SIGKILL after {accepted} accepted ({in_flight} in flight); "
                      "starting a new worker", file=sys.stderr)
                worker = _worker(log)
            sent = WebhookDelivery.objects.filter(status=DeliveryStatus.SENT).count()
            if sent >= args.events and not thresholds:
                break
            time.sleep(0.2)
        seconds = time.monotonic() - began
        print(f"  {sent} deliveries sent after {seconds:.1f} s", file=sys.stderr)
        # Anything still on its way lands before counting.
        time.sleep(1.0)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        receiver.stop()

    wanted = set(Event.objects.filter(workspace=workspace).values_list("public_id", flat=True))
    accepted_counts = Counter(receiver.accepted_ids())
    receipts = list(receiver.receipts)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    attempts = sum(deliveries.values_list("attempts", flat=True))
    result = {
        "database": connection.vendor,
        "events": len(wanted),
        "receipts": len(receipts),
        "accepted": sum(accepted_counts.values()),
        "refused": sum(1 for r in receipts if r.status >= 300),
        "bad_signatures": sum(1 for r in receipts if r.signed is not True),
        "lost": len(wanted - set(accepted_counts)),
        "accepted_twice": sum(1 for n in accepted_counts.values() if n > 1),
        "unknown_ids": len(set(accepted_counts) - wanted),
        "deliveries_sent": deliveries.filter(status=DeliveryStatus.SENT).count(),
        "attempts": attempts,
        "worker_kills": len(kills),
        "kills": kills,
        "seconds": round(seconds, 2),
        "events_per_second": round(len(wanted) / seconds, 1) if seconds else 0.0,
    }
    print(f"bench webhooks: worker log at {log_path}", file=sys.stderr)
    print(json.dumps(result))
    ok = result["lost"] == 0 and result["accepted_twice"] == 0 and result["bad_signatures"] == 0
    return 0 if ok else 1
