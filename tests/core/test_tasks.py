"""Retries with backoff, the lease a worker holds on its task, and recovery of abandoned tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import sample_tasks
from kiemchung.core.models import TaskLease
from kiemchung.core.tasks import (
    ATTEMPT_KWARG,
    RetryableError,
    backoff_delay,
    enqueue_on_commit,
    task_attempt,
)
from kiemchung.core.worker import LeasedWorker, WorkerLost, tasks_recover

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _fresh_sample_state():
    sample_tasks.CALLS.clear()
    sample_tasks.FAILURES_LEFT.clear()
    sample_tasks.LEASE_SEEN.clear()


@pytest.fixture
def database_queue(settings, db):
    settings.TASKS = DATABASE_QUEUE


def _work(*, lease_seconds: float = 60) -> None:
    """Run a leased worker in this thread until no task is ready."""
    LeasedWorker(
        lease_seconds=lease_seconds,
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def test_backoff_starts_at_the_setting_and_doubles(settings):
    settings.TASK_BACKOFF_SECONDS = 10
    assert [backoff_delay(retry) for retry in range(4)] == [10, 20, 40, 80]


def test_outside_a_task_the_attempt_is_the_first_and_the_last():
    attempt = task_attempt()
    assert (attempt.number, attempt.allowed, attempt.is_last) == (1, 1, True)


def test_a_retryable_task_is_tried_again_until_it_succeeds():
    sample_tasks.FAILURES_LEFT["tin"] = 2
    first = sample_tasks.flaky.enqueue("tin")
    assert sample_tasks.CALLS == [("tin", 1), ("tin", 2), ("tin", 3)]
    assert first.status == TaskResultStatus.FAILED, "the first attempt itself did fail"
    assert first.errors[0].exception_class is RetryableError


def test_a_retryable_task_stops_after_its_attempts():
    sample_tasks.FAILURES_LEFT["tin"] = 10
    sample_tasks.flaky.enqueue("tin")
    assert sample_tasks.CALLS == [("tin", 1), ("tin", 2), ("tin", 3)]


def test_the_attempt_limit_defaults_to_the_setting(settings):
    settings.TASK_MAX_ATTEMPTS = 2
    sample_tasks.flaky_default.enqueue("nguon")
    assert sample_tasks.CALLS == [("nguon", 1), ("nguon", 2)]


def test_an_error_no_retry_can_fix_is_not_retried():
    result = sample_tasks.broken.enqueue("sai")
    assert sample_tasks.CALLS == [("sai", 1)]
    assert result.errors[0].exception_class is ValueError


def test_tasks_carry_ids_only():
    with pytest.raises(TypeError):
        enqueue_on_commit(sample_tasks.flaky, {"text": "nguyên văn bài viết"})  # type: ignore[arg-type]


def test_on_the_database_queue_each_retry_waits_twice_as_long(database_queue, settings):
    settings.TASK_BACKOFF_SECONDS = 30
    sample_tasks.FAILURES_LEFT["tin"] = 2
    sample_tasks.flaky.enqueue("tin")
    for expected_delay, attempt in ((30, 2), (60, 3)):
        _work()
        failed = DBTaskResult.objects.failed().order_by("-finished_at").first()
        retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
        assert failed.exception_class_path.endswith("RetryableError")
        assert retry.args_kwargs == {"args": ["tin"], "kwargs": {ATTEMPT_KWARG: attempt}}
        waited = (retry.run_after - failed.finished_at).total_seconds()
        assert expected_delay - 2 < waited <= expected_delay + 0.5
        # Not due yet: a worker leaves it alone.
        _work()
        assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.READY
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    _work()
    assert sample_tasks.CALLS == [("tin", 1), ("tin", 2), ("tin", 3)]
    statuses = list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))
    assert statuses == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert TaskLease.objects.count() == 0, "a finished task leaves no lease behind"


def test_a_task_that_lost_the_database_goes_back_to_the_queue_and_then_succeeds(database_queue):
    sample_tasks.FAILURES_LEFT["mat-ket-noi"] = 1
    result = sample_tasks.lose_the_database.enqueue("mat-ket-noi")
    _work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert [key for key, _ in sample_tasks.CALLS] == ["mat-ket-noi", "mat-ket-noi"]
    assert row.worker_ids == ["test-worker", "test-worker"]
    assert TaskLease.objects.count() == 0


def test_a_task_that_keeps_losing_the_database_fails_after_its_attempts(database_queue, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    sample_tasks.FAILURES_LEFT["hong"] = 99
    result = sample_tasks.lose_the_database.enqueue("hong")
    _work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path.endswith("OperationalError")
    assert len(sample_tasks.CALLS) == 3


def _running_task(*, worker: str = "dead-worker", started_ago: float = 0) -> DBTaskResult:
    result = sample_tasks.flaky.enqueue("bo-do")
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker)
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(seconds=started_ago)
    )
    return row


def _lease(row: DBTaskResult, *, expires_in: float) -> None:
    TaskLease.objects.create(
        task_id=str(row.id),
        worker_id=row.worker_ids[-1],
        expires_at=timezone.now() + timedelta(seconds=expires_in),
    )


def test_a_running_task_whose_lease_expired_goes_back_to_the_queue(database_queue):
    row = _running_task(started_ago=120)
    _lease(row, expires_in=-1)
    assert tasks_recover(lease_seconds=60) == [str(row.id)]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    assert row.worker_ids == ["dead-worker"]
    assert TaskLease.objects.count() == 0
    _work()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["dead-worker", "test-worker"]


def test_a_running_task_with_a_live_lease_is_left_alone(database_queue):
    row = _running_task(started_ago=3600)
    _lease(row, expires_in=30)
    assert tasks_recover(lease_seconds=60) == []
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING


def test_a_task_claimed_without_a_lease_is_recovered_only_once_it_is_old(database_queue):
    young = _running_task(started_ago=5)
    old = _running_task(started_ago=120)
    assert tasks_recover(lease_seconds=60) == [str(old.id)]
    young.refresh_from_db()
    assert young.status == TaskResultStatus.RUNNING


def test_a_task_that_lost_its_worker_too_often_fails_instead_of_looping(database_queue, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    row = _running_task(started_ago=120)
    row.claim("second-dead-worker")
    _lease(row, expires_in=-1)
    assert tasks_recover(lease_seconds=60) == [str(row.id)]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.task_result.errors[0].exception_class is WorkerLost


@pytest.mark.slow
def test_the_heartbeat_keeps_the_lease_of_a_long_task_alive(settings, transactional_db):
    settings.TASKS = DATABASE_QUEUE
    sample_tasks.outlive_the_lease.enqueue(2.5)
    _work(lease_seconds=1.5)
    [seen] = sample_tasks.LEASE_SEEN
    assert seen["after"] > seen["before"], "the heartbeat renewed the lease"
    assert seen["after"] > seen["now"], "the lease was still valid after outliving its length"
    assert seen["recovered"] == [], "no worker may take back a task whose lease is renewed"
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
