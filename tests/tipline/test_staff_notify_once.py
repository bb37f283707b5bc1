"""Two runs of the staff notice for the same quarter hour (a restart that enqueued it twice)
send one e-mail, on SQLite and on PostgreSQL: both start at once and each takes its time to
send, so neither has finished before the other looks."""

from __future__ import annotations

import pytest

from core.support import (
    Instance,
    migrated_instance,
    postgres_database,
    postgres_instance,
    sqlite_template,
)

pytestmark = pytest.mark.slow

TWO_RUNS_SCRIPT = """
import threading, time
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from kiemchung.accounts.models import Member, Role, Workspace
from kiemchung.core.models import Delivery
from kiemchung.tipline import services
from kiemchung.tipline.models import Channel, Conversation, Sender, Tip, TipState

workspace = Workspace.objects.create(name="Nhóm", slug="nhom")
user = get_user_model().objects.create_user("lan", email="lan@example.org")
Member.objects.create(workspace=workspace, user=user, role=Role.CHECKER)
channel = Channel.objects.create(workspace=workspace, kind="web", name="Biểu mẫu")
sender = Sender.objects.create(workspace=workspace, sender_hash="h" * 64, pseudonym=1)
conversation = Conversation.objects.create(workspace=workspace, channel=channel, sender=sender)
Tip.objects.create(
    workspace=workspace, conversation=conversation, tracking_code="ABC123",
    category="check", state=TipState.NEW,
)

send = locmem.EmailBackend.send_messages

def slow_send(self, messages):
    # An SMTP server takes a while to answer; the other run looks in that while.
    time.sleep(1)
    return send(self, messages)

locmem.EmailBackend.send_messages = slow_send
mail.outbox = []
start = threading.Barrier(2, timeout=30)
results, errors = [], []

def run():
    try:
        start.wait()
        results.append(services.staff_notify_send(workspace_id=workspace.pk, bucket=7))
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=run) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
print(json.dumps({
    "errors": errors,
    "results": sorted(results),
    "mails": [message.to for message in mail.outbox],
    "deliveries": list(Delivery.objects.values_list("status", "attempts")),
}))
"""


def _two_runs(instance: Instance) -> dict:
    return instance.python(TWO_RUNS_SCRIPT, timeout=120)


def _assert_one_mail(result: dict) -> None:
    assert result["errors"] == []
    assert result["mails"] == [["lan@example.org"]]
    assert result["results"] == ["already sent", "sent"]
    assert result["deliveries"] == [["sent", 1]]


def test_two_runs_of_one_quarter_hour_send_one_mail_on_sqlite(tmp_path, tmp_path_factory):
    instance = migrated_instance(sqlite_template(tmp_path_factory), tmp_path)
    _assert_one_mail(_two_runs(instance))


@pytest.mark.postgres
def test_two_runs_of_one_quarter_hour_send_one_mail_on_postgresql(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with postgres_database() as url:
        _assert_one_mail(_two_runs(postgres_instance(url, var_dir, tmp_path)))
