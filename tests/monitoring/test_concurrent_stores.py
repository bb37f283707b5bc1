"""Two workers storing near copies of one new text at the same moment keep one item, on SQLite
and on PostgreSQL: each plans its batch before the other stores, then both store at once."""

from __future__ import annotations

import json

import pytest

from core.support import (
    Instance,
    migrated_instance,
    postgres_database,
    postgres_instance,
    sqlite_template,
)

from .stories import FLOOD, RUMOUR, RUMOUR_RESHARED

pytestmark = pytest.mark.slow

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
def postgres(tmp_path):
    """An instance on a fresh PostgreSQL database, migrated, dropped afterwards."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with postgres_database() as url:
        yield postgres_instance(url, var_dir, tmp_path)


@pytest.mark.postgres
def test_near_copies_stored_at_once_by_two_workers_are_one_item_on_postgresql(
    postgres,
):
    _assert_one_item_with_both_sightings(_stored_by_two_workers(postgres))

# Worker 0 stores the rumour in the first workspace and keeps its transaction open; meanwhile a
# worker of the second workspace stores and commits (its item takes a higher id from the shared
# sequence), and only then worker 1 plans a reshare of the rumour in the first workspace. Its
# plan cannot see worker 0's item, which has the lower id.
OTHER_WORKSPACE_SCRIPT = """
import threading
from django.db import connection, transaction
from kiemchung.accounts.models import Workspace
from kiemchung.monitoring import services
from kiemchung.monitoring.models import Item

batches = json.loads(sys.argv[1])
sources = [
    services.source_for_kind(
        workspace=Workspace.objects.create(name=name, slug=slug), kind="import", name=name
    )
    for name, slug in [("Nhóm", "nhom"), ("Nhóm khác", "nhom-khac")]
]
first_stored = threading.Event()
other_committed = threading.Event()
second_planned = threading.Event()
errors = []

def store(n, source, posts):
    plan = services.items_plan(source=source, posts=posts)
    with transaction.atomic():
        services.items_store(plan)
        if n == 0:
            first_stored.set()
            second_planned.wait(30)

def worker(n):
    try:
        posts = [services.Post(text=text, url=url) for text, url in batches[n]]
        if n == 0:
            store(0, sources[0], posts)
        elif n == 1:
            other_committed.wait(30)
            plan = services.items_plan(source=sources[0], posts=posts)
            second_planned.set()
            with transaction.atomic():
                services.items_store(plan)
        else:
            first_stored.wait(30)
            store(2, sources[1], posts)
            other_committed.set()
    except Exception as exc:
        errors.append(repr(exc))
        first_stored.set()
        other_committed.set()
        second_planned.set()
    finally:
        connection.close()

threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
items = [
    {"workspace": item.workspace.slug, "text": item.text, "copies": item.copies,
     "sightings": sorted(item.sightings.values_list("url", flat=True))}
    for item in Item.objects.order_by("pk")
]
print(json.dumps({"errors": errors, "items": items}))
"""


@pytest.mark.postgres
def test_a_store_in_another_workspace_committing_first_does_not_split_a_near_copy(postgres):
    batches = [
        [(RUMOUR, "https://facebook.com/groups/1/posts/1")],
        [(RUMOUR_RESHARED, "https://facebook.com/groups/2/posts/2")],
        [(FLOOD, "https://facebook.com/groups/3/posts/3")],
    ]
    result = postgres.python(OTHER_WORKSPACE_SCRIPT, json.dumps(batches), timeout=120)
    assert result["errors"] == []
    assert result["items"] == [
        {"workspace": "nhom", "text": RUMOUR, "copies": 2,
         "sightings": ["https://facebook.com/groups/1/posts/1",
                       "https://facebook.com/groups/2/posts/2"]},
        {"workspace": "nhom-khac", "text": FLOOD, "copies": 1,
         "sightings": ["https://facebook.com/groups/3/posts/3"]},
    ]
