"""The worker `kiemchung run` starts in its own process starts a task as soon as the process
enqueues it, not at its next poll."""

from __future__ import annotations

import time

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from tests.core import sample_tasks

from kiemchung.core.worker import worker_thread_start

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_queue(settings, transactional_db):
    settings.TASKS = DATABASE_QUEUE
    sample_tasks.CALLS.clear()
    yield
    sample_tasks.CALLS.clear()


def _wait_for(predicate, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.01)
    return None


def test_in_process_worker_starts_an_enqueued_task_at_once(database_queue):
    # A poll interval far longer than the test may take: only the wake-up can start the task.
    worker, thread = worker_thread_start(lease_seconds=60, interval=30)
    try:
        # Let the worker find the queue empty and begin its wait.
        time.sleep(0.5)
        for key in ("first", "second"):
            sample_tasks.flaky.enqueue(key)
            took = _wait_for(lambda key=key: (key, 1) in sample_tasks.CALLS, timeout=10)
            assert took is not None and took < 5, f"task {key} waited for the poll"
        assert _wait_for(
            lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 2,
            timeout=5,
        ) is not None
    finally:
        worker.stop()
        thread.join(timeout=10)
    assert not thread.is_alive(), "stop() ends the wait instead of sleeping out the interval"


def test_in_process_worker_holds_its_tasks_while_webhooks_arrive_in_a_burst(
    database_queue, monkeypatch
):
    from kiemchung.core import pressure

    monkeypatch.setattr(pressure, "MAX_PAUSE_SECONDS", 30.0)
    burst_over = False

    def burst() -> None:
        while not burst_over:
            pressure.webhook_arrived()
            time.sleep(0.002)

    import threading

    sender = threading.Thread(target=burst, daemon=True)
    sender.start()
    worker, thread = worker_thread_start(lease_seconds=60, interval=30)
    try:
        _wait_for(pressure.in_burst, timeout=5)
        sample_tasks.flaky.enqueue("held")
        time.sleep(1.5)
        assert ("held", 1) not in sample_tasks.CALLS, "the task ran during the burst"
        burst_over = True
        took = _wait_for(lambda: ("held", 1) in sample_tasks.CALLS, timeout=10)
        assert took is not None, "the task runs once the burst is over"
    finally:
        burst_over = True
        worker.stop()
        thread.join(timeout=10)


def test_the_in_process_worker_counts_as_beside_requests_only_while_it_runs(database_queue):
    from kiemchung.core import pressure
    from kiemchung.core.worker import burst_give_way, runs_beside_requests

    assert not runs_beside_requests()
    worker, thread = worker_thread_start(lease_seconds=60, interval=30)
    try:
        assert _wait_for(runs_beside_requests, timeout=5) is not None
        assert burst_give_way() is pressure.give_way, "it gives way to its own web requests"
    finally:
        worker.stop()
        thread.join(timeout=10)
    assert not runs_beside_requests(), "a stopped worker no longer counts"


def test_the_workers_of_a_process_share_one_listening_connection(monkeypatch):
    from kiemchung.core import wake

    started: list[object] = []
    stopped: list[object] = []

    class Listener:
        def start(self):
            started.append(self)
            return self

        def stop(self):
            stopped.append(self)

    monkeypatch.setattr(wake, "listens_on_database", lambda: True)
    monkeypatch.setattr(wake, "EnqueueListener", Listener)
    with wake.listening():
        with wake.listening():
            assert len(started) == 1, "the second worker shares the first one's listener"
        assert stopped == []
    assert stopped == started, "the last worker to leave stops it"
    with wake.listening():
        assert len(started) == 2, "a worker started later listens again"
    assert len(stopped) == 2
