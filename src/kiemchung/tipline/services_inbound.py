"""Tipline writes for what the platforms send: channel secrets, storing each webhook event
once and draining the stored rows. The caller owns the transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from kiemchung.core.crypto import encrypt
from kiemchung.tipline import privacy
from kiemchung.tipline.channels.base import InboundEvent
from kiemchung.tipline.models import Channel, InboundMessage, InboundState


def channel_credentials_set(*, channel: Channel, values: dict[str, str]) -> Channel:
    """Store a channel's secrets (merged with those it has), encrypted."""
    from kiemchung.tipline.channels.registry import _credentials

    current = dict(_credentials(channel.pk, channel.credentials_enc))
    current.update({k: v for k, v in values.items() if v})
    channel.credentials_enc = encrypt(json.dumps(current))
    channel.save(update_fields=["credentials_enc", "updated_at"])
    return channel


def channel_rejection_count(*, channel: Channel) -> None:
    """One more request refused for a bad signature (the body is not kept)."""
    Channel.objects.filter(pk=channel.pk).update(
        rejected_requests=F("rejected_requests") + 1, last_rejected_at=timezone.now()
    )


@dataclass
class Accepted:
    """What a webhook call did: new rows, duplicates of earlier ones, events left out."""

    stored: int = 0
    duplicates: int = 0
    dropped: int = 0


def _insert_inbound(
    *, channel: Channel, external_id: str, hash_hex: str, body_enc: str
) -> int | None:
    """Insert the raw row unless the platform message id is already there; the new id or None.

    One statement either way (INSERT ... ON CONFLICT DO NOTHING RETURNING, on SQLite and
    PostgreSQL alike), so a duplicate costs no exception and no second query.
    """
    table = InboundMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the table name is the model's own)
            "(workspace_id, channel_id, external_id, sender_hash, body_enc, state, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id",
            [
                channel.workspace_id,
                channel.pk,
                external_id,
                hash_hex,
                body_enc,
                InboundState.QUEUED,
                timezone.now(),
            ],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


# A burst of webhooks on one channel enqueues one drain task per this many seconds, not one
# task per message. With the cache gate a webhook adds one cache `add` to its insert; with the
# queue gate (PostgreSQL) it adds one query on the partial index of READY tasks instead.
DRAIN_GATE_SECONDS = 1.0

DrainGate = Literal["inline", "queue", "cache"]


def drain_gate() -> DrainGate:
    """How webhooks keep from enqueueing a drain per message, decided once for both sides.

    "inline": the task backend runs tasks at once (tests), every webhook drains. "queue": the
    database queue on PostgreSQL; a webhook enqueues a drain unless one is waiting in the
    queue, so a drain never needs a last look, whichever process runs it. "cache": a gate in
    the cache (SQLite, RQ), which the drain opens after its last row, or leaves a last look for
    when the gate expires if its process does not see the webhooks' cache.
    """
    from django_tasks_db import DatabaseBackend

    from kiemchung.tipline.tasks import inbound_drain

    task: Any = inbound_drain
    backend = task.get_backend()
    if not backend.supports_defer:
        return "inline"
    if isinstance(backend, DatabaseBackend) and _queue_on_postgresql():
        return "queue"
    return "cache"


def _drain_gate(channel_id: int) -> str:
    return f"tipline:drain:{channel_id}"


def inbound_drain_gate_release(channel_id: int) -> None:
    """Open the channel's enqueue gate: the next stored webhook enqueues a drain of its own."""
    cache.delete(_drain_gate(channel_id))


def _queue_on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _drain_waiting(task: Any, channel_id: int) -> bool:
    """Whether a drain of the channel is in the database queue, not started, and due now (a
    drain enqueued for later, for senders over the rate, does not count)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    return (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            run_after=get_date_max(),
            task_path=task.module_path,
            args_kwargs__args__0=channel_id,
        )
        .exists()
    )


def inbound_drain_soon(channel_id: int, *, delay_seconds: float = 0.0) -> None:
    """After commit, make sure a drain task will read the channel's queued rows."""
    from kiemchung.tipline.tasks import inbound_drain

    task: Any = inbound_drain

    def enqueue() -> None:
        gate = drain_gate()
        if delay_seconds > 0 and gate != "inline":
            when = timezone.now() + timedelta(seconds=delay_seconds)
            task.using(run_after=when).enqueue(channel_id, int(when.timestamp() * 1000))
            return
        if gate == "inline":
            # A queue that runs tasks inline (tests) drains at once, every time.
            task.enqueue(channel_id, int(time.time() * 1000))
        elif gate == "queue":
            # A drain waiting in the queue will read this row; a running one may be past its
            # last read, so another is enqueued.
            if not _drain_waiting(task, channel_id):
                task.enqueue(channel_id, int(time.time() * 1000))
        elif cache.add(_drain_gate(channel_id), 1, timeout=DRAIN_GATE_SECONDS):
            task.enqueue(channel_id, int(time.time() * 1000))

    transaction.on_commit(enqueue)


def inbound_accept(*, channel: Channel, events: Sequence[InboundEvent]) -> Accepted:
    """Store each event once (by platform message id); blocked senders are dropped, senders
    over the rate are held back until their next window. A drain task processes the rows."""
    result = Accepted()
    blocked = privacy.blocked_hashes(channel.workspace_id)
    for event in events:
        hash_hex = privacy.sender_hash(channel.kind, event.platform_user_id)
        if hash_hex in blocked:
            result.dropped += 1
            continue
        inbound_id = _insert_inbound(
            channel=channel,
            external_id=event.external_id[:191],
            hash_hex=hash_hex,
            body_enc=encrypt(event.as_json()),
        )
        if inbound_id is None:
            result.duplicates += 1
            continue
        result.stored += 1
        rate = privacy.sender_rate_hit(channel.workspace_id, hash_hex)
        if rate.over_limit:
            delay = privacy.slowed_delay_seconds(rate)
            InboundMessage.objects.filter(pk=inbound_id).update(
                held_until=timezone.now() + timedelta(seconds=delay)
            )
            if cache.add(f"tipline:slow-drain:{channel.pk}:{int(delay)}", 1, timeout=60):
                inbound_drain_soon(channel.pk, delay_seconds=delay + 0.5)
    if result.stored:
        inbound_drain_soon(channel.pk)
    return result


def inbound_requeue_stuck(*, older_than: datetime) -> int:
    """Drain again channels with raw rows still queued long after they arrived (a process
    died in between); how many rows were waiting."""
    stuck = InboundMessage.objects.filter(state=InboundState.QUEUED, created_at__lt=older_than)
    for channel_id in set(stuck.values_list("channel_id", flat=True)):
        inbound_drain_soon(channel_id)
    return stuck.count()
