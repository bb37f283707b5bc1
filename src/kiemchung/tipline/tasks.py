"""Background work of the tipline; every task carries ids only, never a tip's text."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from django_tasks import task

from kiemchung.core.tasks import RetryableError, retryable_task, task_attempt
from kiemchung.core.worker import burst_give_way, cache_shared_with_requests
from kiemchung.tipline import flow, services, services_inbound, services_retention
from kiemchung.tipline.channels.base import ChannelError

ANSWERS_MODULE = flow.ANSWERS_MODULE


@task()
def inbound_drain(channel_id: int, enqueued_ms: int, last_look: bool = False) -> int:
    """Read a channel's stored webhook events into their conversations and let the bot answer.

    With the cache gate (`services_inbound.drain_gate`), after its last row the drain looks
    once more for rows stored while the webhooks' gate was closed: at once when it can open
    that gate itself (the cache is shared with the webhooks), otherwise in a `last_look` drain
    enqueued for when the gate expires, so the worker is free meanwhile for the matching and
    the replies. With the queue gate a webhook enqueues a drain of its own unless one is
    waiting, and inline (tests) nothing runs concurrently: no last look is needed.
    """
    release_gate = None
    if not last_look and services_inbound.drain_gate() == "cache":
        if cache_shared_with_requests():
            # The webhooks see this process's gate: open it and look once more, at once.
            def release_gate() -> None:
                services_inbound.inbound_drain_gate_release(channel_id)

        else:
            # A worker in its own process (SQLite) cannot open the gate of the web processes.
            def release_gate() -> None:
                grace_seconds = services_inbound.DRAIN_GATE_SECONDS + 0.5
                when = enqueued_ms / 1000 + grace_seconds
                task: Any = inbound_drain
                task.using(run_after=datetime.fromtimestamp(when, tz=UTC)).enqueue(
                    channel_id, enqueued_ms, True
                )

    return flow.inbound_drain(
        channel_id=channel_id,
        release_gate=release_gate,
        give_way=burst_give_way(),
    )


@retryable_task()
def message_deliver(message_id: int) -> str:
    """Send one outgoing message through its channel, retried while the platform may recover."""
    try:
        return services.message_deliver(
            message_id=message_id, last_attempt=task_attempt().is_last
        )
    except ChannelError as exc:
        # The platform's own words, never the text that was being sent.
        raise RetryableError(exc.message) from None


@task()
def tip_match(tip_id: int) -> str:
    """Look for an existing fact-check answering a "check this" tip.

    The matching answer lives in `kiemchung.tipline.answers.tip_answer`; until that module is
    installed, the tip simply stays new, in the queue for staff.
    """
    try:
        answers = import_module(ANSWERS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ANSWERS_MODULE:
            raise
        return "queued for staff"
    answers.tip_answer(tip_id=tip_id)
    return "matched"


@task()
def staff_notify(workspace_id: int, bucket: int) -> str:
    """E-mail staff how many tips are new (and nothing else about them)."""
    return services.staff_notify_send(workspace_id=workspace_id, bucket=bucket)


@task()
def tip_retention() -> dict[str, int]:
    """Delete closed tips past KIEMCHUNG_TIP_RETENTION_DAYS, with their messages and images."""
    result = services_retention.retention_run()
    return dict(result.__dict__)
