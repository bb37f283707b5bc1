"""Tasks the task tests enqueue; each records its calls so a test can count the attempts."""

from __future__ import annotations

import time

from django.db import OperationalError
from django.utils import timezone
from django_tasks import task

from kiemchung.core.models import TaskLease
from kiemchung.core.tasks import RetryableError, retryable_task, task_attempt
from kiemchung.core.worker import tasks_recover

CALLS: list[tuple[str, int]] = []
FAILURES_LEFT: dict[str, int] = {}
LEASE_SEEN: list[dict[str, object]] = []


@retryable_task(max_attempts=3)
def flaky(key: str) -> str:
    """Fail with a retryable error while FAILURES_LEFT[key] lasts, then succeed."""
    CALLS.append((key, task_attempt().number))
    if FAILURES_LEFT.get(key, 0) > 0:
        FAILURES_LEFT[key] -= 1
        raise RetryableError(f"{key} is not ready yet")
    return key


@retryable_task()
def flaky_default(key: str) -> str:
    """Like flaky, with the attempt limit taken from the settings."""
    CALLS.append((key, task_attempt().number))
    raise RetryableError(f"{key} never works")


@retryable_task(max_attempts=3)
def broken(key: str) -> str:
    """Fail with an error no retry can fix."""
    CALLS.append((key, task_attempt().number))
    raise ValueError(f"{key} is wrong")


@retryable_task()
def outlive_the_lease(seconds: float) -> str:
    """Run longer than the lease, noting the lease before and after, and what recovery does."""
    LEASE_SEEN.append({"before": TaskLease.objects.get().expires_at})
    time.sleep(seconds)
    LEASE_SEEN[-1].update(
        after=TaskLease.objects.get().expires_at,
        now=timezone.now(),
        recovered=tasks_recover(lease_seconds=seconds / 3),
    )
    return "done"


@task()
def lose_the_database(key: str) -> str:
    """Fail as a task does when the database restarts under it, while FAILURES_LEFT[key] lasts."""
    CALLS.append((key, len(CALLS) + 1))
    if FAILURES_LEFT.get(key, 0) > 0:
        FAILURES_LEFT[key] -= 1
        raise OperationalError("server closed the connection unexpectedly")
    return key
