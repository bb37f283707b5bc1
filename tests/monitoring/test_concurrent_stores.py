"""Two workers storing near copies of one new text at the same moment keep one item, on SQLite
and on PostgreSQL: each plans its batch before the other stores, then both store at once."""

from __future__ import annotations

import json
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest

from core.support import (
    Instance,
    instance_env,
    migrated_instance,
    service_missing,
    sqlite_template,
)

from .stories import FLOOD, RUMOUR, RUMOUR_RESHARED

pytestmark = pytest.mark.slow

POSTGRES_URL = os.environ.get(
    "KIEMCHUNG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)

# Worker 0 stores and keeps its transaction open for a while; worker 1 starts storing in that
# while, with a plan made before worker 0 stored anything.
TWO_WORKERS_SCRIPT = """
import threading, time
from django.db import connection, transaction
from kiemchung.accounts.models import Workspace
from kiemchung.monitoring import services
from kiemchung.monitoring.models import Item

batches = json.loads(sys.argv[1])
workspace = Workspace.objects.create(name="Nhóm", slug="nhom")
source = services.source_for_kind(workspace=workspace, kind="import", name="Nhóm công khai")
planned = threading.Barrier(2, timeout=30)
stored_first = threading.Event()
errors = []

def worker(n):
    try:
        posts = [services.Post(text=text, url=url) for text, url in batches[n]]
        plan = services.items_plan(source=source, posts=posts)
        planned.wait()
        if n == 1:
            stored_first.wait(30)
        with transaction.atomic():
            services.items_store(plan)
            if n == 0:
                stored_first.set()
                time.sleep(1)
    except Exception as exc:
        errors.append(repr(exc))
        stored_first.set()
    finally:
        connection.close()

threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
items = [
    {"text": item.text, "copies": item.copies,
     "sightings": sorted(item.sightings.values_list("url", flat=True))}
    for item in Item.objects.order_by("pk")
]
print(json.dumps({"errors": errors, "items": items}))
"""

BATCHES = [
    [(RUMOUR, "https://facebook.com/groups/1/posts/1")],
    [(RUMOUR_RESHARED, "https://facebook.com/groups/2/posts/2"),
     (FLOOD, "https://facebook.com/groups/2/posts/3")],
]


def _stored_by_two_workers(instance: Instance) -> dict:
    return instance.python(TWO_WORKERS_SCRIPT, json.dumps(BATCHES), timeout=120)


def _assert_one_item_with_both_sightings(result: dict) -> None:
    assert result["errors"] == []
    assert result["items"] == [
        {"text": RUMOUR, "copies": 2,
         "sightings": ["https://facebook.com/groups/1/posts/1",
                       "https://facebook.com/groups/2/posts/2"]},
        {"text": FLOOD, "copies": 1, "sightings": ["https://facebook.com/groups/2/posts/3"]},
    ]


def test_near_copies_stored_at_once_by_two_workers_are_one_item_on_sqlite(
    tmp_path, tmp_path_factory
):
    instance = migrated_instance(sqlite_template(tmp_path_factory), tmp_path)
    _assert_one_item_with_both_sightings(_stored_by_two_workers(instance))


@pytest.fixture
def postgres_instance(tmp_path):
    """An instance on a fresh PostgreSQL database, migrated, dropped afterwards."""
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
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    instance = Instance(var_dir=var_dir, env=instance_env(var_dir, KIEMCHUNG_DATABASE_URL=url),
                        logs=tmp_path)
    try:
        instance.run("migrate", "--noinput", "-v", "0", timeout=180)
        yield instance
    finally:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@pytest.mark.postgres
def test_near_copies_stored_at_once_by_two_workers_are_one_item_on_postgresql(
    postgres_instance,
):
    _assert_one_item_with_both_sightings(_stored_by_two_workers(postgres_instance))
