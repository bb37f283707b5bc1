"""Workers: the database queue with leases, so work a dead worker left runs again; and RQ."""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kiemchung.core import pressure, wake
from kiemchung.core.models import TaskLease

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """A task was started several times and each time its worker died before it finished."""


def _lease_expiry(lease_seconds: float) -> Any:
    return timezone.now() + timedelta(seconds=lease_seconds)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def tasks_recover(*, lease_seconds: float) -> list[str]:
    """Put back in the queue the running tasks whose worker stopped renewing its lease."""
    now = timezone.now()
    expired: set[uuid.UUID] = set()
    alive: set[uuid.UUID] = set()
    for task_id, expires_at in TaskLease.objects.values_list("task_id", "expires_at"):
        parsed = _as_uuid(task_id)
        if parsed is not None:
            (expired if expires_at < now else alive).add(parsed)
    # A task with no lease at all was claimed by a worker that died before taking one.
    unleased_and_old = Q(started_at__lt=now - timedelta(seconds=lease_seconds)) & ~Q(id__in=alive)
    recovered: list[str] = []
    with transaction.atomic():
        stale = (
            DBTaskResult.objects.running()
            .filter(Q(id__in=expired) | unleased_and_old)
            .select_for_update(skip_locked=True)
        )
        for result in stale:
            task_id = str(result.id)
            if len(result.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                # A task that kills its worker every time would otherwise loop for ever.
                result.status = TaskResultStatus.FAILED
                result.finished_at = now
                result.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
                result.traceback = (
                    f"{WorkerLost.__qualname__}: the worker running this task stopped "
                    f"{len(result.worker_ids)} times before it finished"
                )
                result.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                logger.error(
                    "task %s failed: its worker died %d times", task_id, len(result.worker_ids)
                )
            else:
                result.status = TaskResultStatus.READY
                result.save(update_fields=["status"])
                logger.warning(
                    "task %s (%s) was left running by worker %s; back in the queue",
                    task_id,
                    result.task_path,
                    result.worker_ids[-1] if result.worker_ids else "?",
                )
            recovered.append(task_id)
        TaskLease.objects.filter(task_id__in=recovered).delete()
    return recovered


class LeasedWorker(Worker):
    """django-tasks-db's worker, holding a lease on the task it runs and renewing it while alive."""

    def __init__(self, *, lease_seconds: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lease_seconds = lease_seconds
        self.current_task_id: str | None = None
        self._stopping = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def run(self) -> None:
        self._stopping.clear()
        self._heartbeat = threading.Thread(
            target=self._beat, name=f"lease-heartbeat-{self.worker_id[:8]}", daemon=True
        )
        self._heartbeat.start()
        try:
            self._run_through_outages()
        finally:
            self._stopping.set()
            self._heartbeat.join()
            connections.close_all()

    def _run_through_outages(self) -> None:
        # A database restart must not end the worker: a worker thread of `kiemchung run` that
        # died would leave the web side storing tips that nothing processes any more.
        pause = 0.5
        while True:
            try:
                tasks_recover(lease_seconds=self.lease_seconds)
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    return
                logger.warning(
                    "worker %s: database unavailable (%s); trying again in %.1f s",
                    self.worker_id, type(exc).__name__, pause,
                )
                connections.close_all()
                self._stopping.wait(pause)
                pause = min(pause * 2, 10.0)

    def stop(self) -> None:
        """Finish the running task, if any, then leave the loop (for a worker in a thread)."""
        self.running = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        task_id = str(db_task_result.id)
        TaskLease.objects.update_or_create(
            task_id=task_id,
            defaults={
                "worker_id": self.worker_id,
                "expires_at": _lease_expiry(self.lease_seconds),
            },
        )
        self.current_task_id = task_id
        self._requeue_when_database_lost(db_task_result)
        try:
            self.before_task()
            super().run_task(db_task_result)
        finally:
            self.current_task_id = None
            TaskLease.objects.filter(task_id=task_id, worker_id=self.worker_id).delete()

    def _requeue_when_database_lost(self, result: DBTaskResult) -> None:
        """A task that failed because the database went away under it (a restart, a dropped
        connection) goes back to the queue instead of being recorded as failed: its transaction
        was rolled back, and the worker reconnects. Its claims count towards
        KIEMCHUNG_TASK_MAX_ATTEMPTS, as a lost worker's do."""
        record_failure = result.set_failed

        def set_failed(exc: BaseException) -> None:
            lost = isinstance(exc, (OperationalError, InterfaceError))
            if not lost or len(result.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                record_failure(exc)
                return
            logger.warning(
                "task %s (%s) lost the database (%s); back in the queue",
                result.id, result.task_path, type(exc).__name__,
            )
            connections.close_all()
            try:
                DBTaskResult.objects.filter(
                    pk=result.pk, status=TaskResultStatus.RUNNING
                ).update(status=TaskResultStatus.READY)
            except DatabaseError:
                # Still down: the lease runs out and tasks_recover puts the task back.
                connections.close_all()

        result.set_failed = set_failed

    def before_task(self) -> None:
        """Called with the task claimed and its lease held, just before it runs: while webhooks
        arrive in a burst the task waits (the heartbeat keeps its lease alive)."""
        give_way = burst_give_way()
        if give_way is not None:
            give_way()

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running and self.running_task:
            # django-tasks-db would raise SystemExit inside the task and record it as failed;
            # leaving at once keeps it running in the table, to be recovered when the lease ends.
            logger.warning(
                "Received %s again: stopping now; the running task returns to the queue when "
                "its lease expires",
                signal.strsignal(signum),
            )
            os._exit(1)
        super().shutdown(signum, frame)

    def _beat(self) -> None:
        period = max(self.lease_seconds / 3, 0.5)
        try:
            while not self._stopping.wait(period):
                try:
                    self._renew()
                    tasks_recover(lease_seconds=self.lease_seconds)
                except DatabaseError:
                    # The database may be busy or restarting; the next beat tries again, on a
                    # new connection (a broken one would fail every beat after a restart).
                    logger.warning(
                        "lease heartbeat of worker %s failed", self.worker_id, exc_info=True
                    )
                    connections.close_all()
        finally:
            connections.close_all()

    def _renew(self) -> None:
        task_id = self.current_task_id
        if task_id is None:
            return
        renewed = TaskLease.objects.filter(task_id=task_id, worker_id=self.worker_id).update(
            expires_at=_lease_expiry(self.lease_seconds)
        )
        if not renewed and self.current_task_id == task_id:
            logger.warning(
                "worker %s lost the lease on task %s; another worker may run it too",
                self.worker_id,
                task_id,
            )


class WakingWorker(LeasedWorker):
    """A leased worker that starts a task the moment it is enqueued instead of at its next
    poll: by this process (a request of `kiemchung run`, a task it ran), or on PostgreSQL by
    any process (`kiemchung.core.wake`, one listening connection for all the workers of a
    process). Without PostgreSQL, tasks enqueued by other processes are found within the poll
    interval.

    django-tasks-db's loop sleeps `self.interval` after a poll that found nothing; here reading
    that value waits on the enqueue event for at most the poll interval, then lets the loop
    poll again at once.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.poll_interval = float(kwargs["interval"])
        super().__init__(**kwargs)

    @property
    def interval(self) -> float:
        wake.enqueued.wait(self.poll_interval)
        wake.enqueued.clear()
        return 0.0

    @interval.setter
    def interval(self, value: float) -> None:
        self.poll_interval = float(value)

    def run(self) -> None:
        with wake.listening():
            super().run()

    def stop(self) -> None:
        super().stop()
        # Leave the wait at once rather than at the end of the poll interval.
        wake.enqueued.set()


_in_process_lock = threading.Lock()
_in_process_running = 0


class InProcessWorker(WakingWorker):
    """The worker `kiemchung run` starts next to the web server; while it runs, its tasks
    give way to the web requests of its process during a burst."""

    def run(self) -> None:
        global _in_process_running
        with _in_process_lock:
            _in_process_running += 1
        try:
            super().run()
        finally:
            with _in_process_lock:
                _in_process_running -= 1


def runs_beside_requests() -> bool:
    """Whether this process also serves web requests (the worker thread of `kiemchung run`
    is running)."""
    return _in_process_running > 0


def burst_give_way() -> Callable[[], float] | None:
    """What background work waits on before each task, or each row it works through, while
    webhooks arrive in a burst: those of this process beside the web server; those stored by
    any process on SQLite, whose one writer it shares with them; on PostgreSQL, nothing."""
    if runs_beside_requests():
        return pressure.give_way
    if pressure.shares_writer_with_webhooks():
        return functools.partial(pressure.give_way, pressure.stored_burst)
    return None


def cache_shared_with_requests() -> bool:
    """Whether a task running here sees the cache the web requests write to: a shared cache
    (Redis), or the process-local one when this worker runs inside `kiemchung run`."""
    backend = str(settings.CACHES["default"]["BACKEND"])
    return runs_beside_requests() or not backend.endswith("LocMemCache")


def worker_thread_start(
    *, lease_seconds: float, interval: float = 1.0
) -> tuple[LeasedWorker, threading.Thread]:
    """Run a leased database worker on every queue in a daemon thread of this process, woken
    as soon as this process enqueues a task."""
    worker = InProcessWorker(
        lease_seconds=lease_seconds,
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"run-{os.getpid()}-{uuid.uuid4().hex[:12]}",
        excluded_queue_names=[],
    )
    thread = threading.Thread(target=worker.run, name="kiemchung-worker", daemon=True)
    thread.start()
    return worker, thread


def rq_worker_run(
    *, queue_names: list[str], batch: bool, max_tasks: int | None, name: str | None, verbosity: int
) -> bool:
    """Run an RQ worker (with the scheduler that releases delayed retries); True if it did work."""
    from django_rq.utils import reset_db_connections
    from django_rq.workers import get_worker
    from django_tasks_rq import Job
    from rq.logutils import setup_loghandlers

    from kiemchung.core.rq_recovery import abandoned_retry

    level = "DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO"
    setup_loghandlers(level)
    rq_worker = get_worker(*queue_names, job_class=Job, name=name)
    # Its maintenance queues again the jobs a dead worker abandoned, as `rq_recover` does.
    rq_worker.push_exc_handler(abandoned_retry)
    # RQ forks a process per job; a database connection must not be shared across the fork.
    reset_db_connections()
    return bool(
        rq_worker.work(
            burst=batch, with_scheduler=True, logging_level=level, max_jobs=max_tasks
        )
    )
