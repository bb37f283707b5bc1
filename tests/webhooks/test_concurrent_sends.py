"""Several runs of the same delivery's task at once (a task enqueued twice, a worker thought
dead that was only slow) send it once, on SQLite and on PostgreSQL: the row is taken under a
lock before the request leaves."""

from __future__ import annotations

import pytest

from core.support import (
    migrated_instance,
    postgres_database,
    postgres_instance,
    sqlite_template,
)
from kiemchung.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow

TOGETHER = """
import threading
from django.db import connections, transaction
from kiemchung.accounts.models import Workspace
from kiemchung.webhooks import services
from kiemchung.webhooks.sending import delivery_send

workspace = Workspace.objects.create(name="Nhóm", slug="nhom")
with transaction.atomic():
    endpoint, _secret = services.endpoint_create(
        workspace=workspace, actor=None, url=sys.argv[1], kinds=["claim.created"]
    )
deliveries = [services.endpoint_test_send(endpoint=endpoint, actor=None) for _ in range(10)]
outcomes = []

def send(pk, together):
    try:
        together.wait()
        outcomes.append(delivery_send(delivery_id=pk).status)
    finally:
        connections.close_all()

for delivery in deliveries:
    together = threading.Barrier(4, timeout=30)
    threads = [threading.Thread(target=send, args=(delivery.pk, together)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print(json.dumps({"ids": [d.event.public_id for d in deliveries], "outcomes": outcomes}))
"""


def _check(instance) -> None:
    receiver = Receiver().start()
    try:
        found = instance.python(TOGETHER, receiver.url, timeout=180)
    finally:
        receiver.stop()
    assert sorted(r.msg_id for r in receiver.receipts) == sorted(found["ids"])
    assert found["outcomes"].count("sent") == 10
    assert set(found["outcomes"]) <= {"sent", "done", "in_flight"}


def test_four_runs_of_one_delivery_at_once_send_it_once_on_sqlite(tmp_path, tmp_path_factory):
    _check(migrated_instance(sqlite_template(tmp_path_factory), tmp_path))


@pytest.mark.postgres
def test_four_runs_of_one_delivery_at_once_send_it_once_on_postgresql(tmp_path):
    with postgres_database() as url:
        (tmp_path / "var").mkdir()
        (tmp_path / "logs").mkdir()
        _check(postgres_instance(url, tmp_path / "var", tmp_path / "logs"))
