"""`kiemchung bench dashboard`: the dashboard of a large workspace, timed page by page.

Builds a workspace of 10,000 claims, 50,000 items and 20,000 tips (bulk inserts, a year of
made-up times) in a fresh database of its own, then loads each dashboard page as an editor
through Django's test client and reports p50/p95 per page. Runs on SQLite and, when it answers,
on PostgreSQL (a database named kc_bench_dashboard, dropped and made again). Each database is
measured in a child process, since Django is set up once per process.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

TARGET_P95_MS = 300.0
PG_NAME = "kc_bench_dashboard"
PAGES = {
    "work": "/so-lieu/",
    "work_topic": "/so-lieu/?topic=y%20t%E1%BA%BF",
    "work_year": "/so-lieu/?from={year_ago}&to={today}",
    "tips": "/so-lieu/tin-bao/",
    "tips_year": "/so-lieu/tin-bao/?from={year_ago}&to={today}",
    "backlog": "/so-lieu/ton-dong/",
    "reach": "/so-lieu/tiep-can/",
    "csv_claims": "/so-lieu/csv/claims/",
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiemchung bench dashboard", description=__doc__)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--tips", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20, help="loads of each page")
    parser.add_argument("--postgres", default=os.environ.get(
        "KIEMCHUNG_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server to measure on too ('' to skip)")
    parser.add_argument("--one", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _without_auto_now(model: Any) -> None:
    for field in model._meta.fields:
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            field.auto_now_add = field.auto_now = False


def generate(*, claims: int, items: int, tips: int, seed: int = 7) -> dict[str, Any]:
    """Fill a fresh database with one large workspace; returns its editor's user."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from kiemchung.accounts.models import Member, Workspace
    from kiemchung.audit.models import AuditEvent
    from kiemchung.claims.models import Appearance, Claim, FactCheck, Rating
    from kiemchung.claims.services import ratings_ensure_default
    from kiemchung.monitoring.models import Item, Sighting, Source
    from kiemchung.tipline.models import Channel, Conversation, Message, Sender, Tip

    rng = random.Random(seed)
    now = timezone.now()
    for model in (Claim, FactCheck, Appearance, Item, Sighting, Tip, Conversation, Sender,
                  Message, AuditEvent):
        _without_auto_now(model)

    def when(days: int = 365) -> Any:
        return now - timedelta(seconds=rng.randint(0, days * 86400))

    ws = Workspace.objects.create(name="Bench", slug="bench")
    ratings_ensure_default(workspace=ws)
    ratings = list(Rating.objects.filter(workspace=ws))
    user_model = get_user_model()
    users = [user_model.objects.create_user(username=f"m{i}", password=None)
             for i in range(8)]
    Member.objects.bulk_create(Member(workspace=ws, user=u, role=("editor" if i else "admin"))
                               for i, u in enumerate(users))
    topics = ["y tế", "giáo dục", "kinh tế", "giao thông", "thời tiết", ""]
    states = ["open", "in_progress", "in_review", "published", "published", "dismissed"]
    claim_rows = []
    for i in range(claims):
        created = when()
        claim_rows.append(Claim(
            workspace=ws, text=f"nhận định {i}", text_folded=f"nhan dinh {i}",
            topic=rng.choice(topics), state=rng.choice(states), assignee=rng.choice(users),
            created_at=created, updated_at=created,
        ))
    made = Claim.objects.bulk_create(claim_rows, batch_size=2000)
    published = [c for c in made if c.state == "published"]
    FactCheck.objects.bulk_create([
        FactCheck(claim=c, rating=rng.choice(ratings), author=rng.choice(users), state="published",
                  title=f"kiểm chứng {c.pk}", slug=f"kc-{c.pk}",
                  published_at=c.created_at + timedelta(hours=rng.randint(1, 400)),
                  created_at=c.created_at, updated_at=c.created_at)
        for c in published
    ], batch_size=2000)
    AuditEvent.objects.bulk_create([
        AuditEvent(workspace=ws, action="claim.dismiss", object_type="claims.claim",
                   object_id=str(c.pk), object_repr="x", at=c.created_at + timedelta(hours=5))
        for c in made if c.state == "dismissed"
    ], batch_size=2000)
    Appearance.objects.bulk_create([
        Appearance(claim=c, platform=rng.choice(["facebook", "tiktok", "youtube"]),
                   seen_at=c.created_at - timedelta(hours=rng.randint(0, 48)),
                   created_at=c.created_at, updated_at=c.created_at)
        for c in made
    ], batch_size=2000)
    sources = Source.objects.bulk_create(
        Source(workspace=ws, name=f"Nguồn {i}", kind="import") for i in range(20)
    )
    item_rows = []
    for i in range(items):
        seen = when()
        claim = rng.choice(made) if rng.random() < 0.3 else None
        item_rows.append(Item(
            workspace=ws, source=rng.choice(sources), text=f"bài {i}",
            platform=rng.choice(["facebook", "tiktok", "youtube", "zalo"]),
            content_hash=f"{i:064d}", near_key=f"{i:016d}", band0="a", band1="b", band2="c",
            band3="d", first_seen_at=seen, last_seen_at=seen, claim=claim,
            state="attached" if claim else "new", created_at=seen, updated_at=seen,
        ))
    made_items = Item.objects.bulk_create(item_rows, batch_size=2000)
    Sighting.objects.bulk_create([
        Sighting(workspace=ws, item=item, source_id=item.source_id, key=f"k{item.pk}",
                 seen_at=item.first_seen_at + timedelta(days=rng.randint(0, 30)),
                 created_at=item.first_seen_at, updated_at=item.first_seen_at)
        for item in made_items
    ], batch_size=2000)
    channels = [Channel.objects.create(workspace=ws, kind=kind, name=kind)
                for kind in ("web", "telegram", "zalo")]
    senders = Sender.objects.bulk_create([
        Sender(workspace=ws, sender_hash=f"{i:064d}", pseudonym=i, created_at=now,
               updated_at=now) for i in range(tips)
    ], batch_size=2000)
    conversations = Conversation.objects.bulk_create([
        Conversation(workspace=ws, channel=rng.choice(channels), sender=s, created_at=now,
                     updated_at=now) for s in senders
    ], batch_size=2000)
    tip_rows = []
    for i, conversation in enumerate(conversations):
        created = when()
        auto = rng.choice(["", "", "sent", "pending"])
        tip_rows.append(Tip(
            workspace=ws, conversation=conversation, tracking_code=f"B{i:08d}",
            category=rng.choice(["check", "violation", "legal", "other"]),
            state=rng.choice(["new", "in_progress", "answered", "closed"]),
            auto_state=auto, auto_feedback=rng.choice(["", "yes", "no"]) if auto else "",
            claim=rng.choice(published) if rng.random() < 0.1 else None,
            created_at=created, updated_at=created,
        ))
    made_tips = Tip.objects.bulk_create(tip_rows, batch_size=2000)
    Message.objects.bulk_create([
        Message(conversation_id=t.conversation_id, tip=t, direction="out",
                author=rng.choice(users),
                created_at=t.created_at + timedelta(minutes=rng.randint(5, 3000)))
        for t in made_tips if rng.random() < 0.6
    ], batch_size=2000)
    return {"user": users[1]}


def _measure_one(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "kiemchung.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", "--noinput", "-v", "0")
    started = time.perf_counter()
    made = generate(claims=args.claims, items=args.items, tips=args.tips)
    # A live database has its planner statistics (PostgreSQL's autovacuum gathers them); a
    # bulk load has none until it is analysed.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    build_seconds = time.perf_counter() - started
    client = Client()
    client.force_login(made["user"])
    today = timezone.localdate()
    results: dict[str, Any] = {}
    for name, path in PAGES.items():
        url = path.format(today=today.isoformat(),
                          year_ago=(today - timedelta(days=364)).isoformat())
        client.get(url)  # the first load warms Django's caches
        times, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        results[name] = {"p50_ms": _rank(times, 0.5), "p95_ms": _rank(times, 0.95),
                         "cpu_p95_ms": _rank(cpu, 0.95)}
    worst = max(r["p95_ms"] for r in results.values())
    # On a shared machine the wall time includes waiting for a core; the load says how busy
    # it was (the database's own time is in the wall time only).
    return {"build_seconds": round(build_seconds, 1), "pages": results,
            "worst_p95_ms": worst, "within_target": worst <= TARGET_P95_MS,
            "load_average": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count()}


def _rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)], 1)


def _postgres_database(server_url: str) -> str | None:
    """Drop and make the bench's own database; its URL, or None when the server is away."""
    try:
        import psycopg

        with psycopg.connect(server_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            connection.execute(f"CREATE DATABASE {PG_NAME}")
    except Exception as exc:
        print(f"PostgreSQL not measured: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
        return None
    return server_url.rsplit("/", 1)[0] + f"/{PG_NAME}"


def _child(args: argparse.Namespace, backend: str, database_url: str,
           var_dir: str) -> dict[str, Any]:
    env = dict(os.environ, KIEMCHUNG_VAR_DIR=var_dir, KIEMCHUNG_TASKS="immediate",
               KIEMCHUNG_ENV="test", KIEMCHUNG_ALLOW_PRIVATE_URLS="true",
               KIEMCHUNG_EMAIL_BACKEND="memory", KIEMCHUNG_LANGUAGE="vi")
    env.pop("KIEMCHUNG_DATABASE_URL", None)
    if database_url:
        env["KIEMCHUNG_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "kiemchung.insights.bench", "--one", backend,
               "--claims", str(args.claims), "--items", str(args.items),
               "--tips", str(args.tips), "--repeat", str(args.repeat)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    if args.one:
        print(json.dumps(_measure_one(args)))
        return 0
    report: dict[str, Any] = {
        "benchmark": "dashboard", "claims": args.claims, "items": args.items,
        "tips": args.tips, "repeat": args.repeat, "target_p95_ms": TARGET_P95_MS,
    }
    with tempfile.TemporaryDirectory(prefix="kc-bench-dashboard-") as var_dir:
        print("sqlite: building and measuring ...", file=sys.stderr)
        report["sqlite"] = _child(args, "sqlite", "", var_dir)
    pg_url = _postgres_database(args.postgres) if args.postgres else None
    if pg_url:
        with tempfile.TemporaryDirectory(prefix="kc-bench-dashboard-") as var_dir:
            print("postgres: building and measuring ...", file=sys.stderr)
            report["postgres"] = _child(args, "postgres", pg_url, var_dir)
    else:
        report["postgres"] = None
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
