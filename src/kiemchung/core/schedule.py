"""The built-in schedule: periodic jobs that workers enqueue when due, so nothing needs cron.

Each app declares its jobs from its `AppConfig.ready()` with `periodic_job_register`: a name, the
dotted path of a task that takes no arguments, and the setting that holds its interval. Workers
call `schedule_tick` every KIEMCHUNG_SCHEDULE_TICK_SECONDS; the `ScheduledRun` table makes
each job enqueued once per period, however many workers tick at the same moment.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task

from kiemchung.core.models import ScheduledRun
from kiemchung.core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """A task the schedule enqueues, without arguments, every `interval_setting` seconds."""

    name: str
    task_path: str
    interval_setting: str
    description: str

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=float(getattr(settings, self.interval_setting)))

    def task(self) -> Task[[], Any]:
        """The task, imported on first use (registering a job must not import its app's tasks)."""
        found = import_string(self.task_path)
        if not isinstance(found, Task):
            raise TypeError(f"periodic job {self.name}: {self.task_path} is not a task")
        return found


JOBS: dict[str, PeriodicJob] = {}


def periodic_job_register(
    *, name: str, task_path: str, interval_setting: str, description: str
) -> PeriodicJob:
    """Add a job to the schedule (from an app's `ready()`); registering it again replaces it."""
    if len(name) > ScheduledRun._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValueError(f"periodic job name too long: {name}")
    job = PeriodicJob(
        name=name, task_path=task_path, interval_setting=interval_setting, description=description
    )
    JOBS[name] = job
    return job


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered job, by name."""
    return [JOBS[name] for name in sorted(JOBS)]


def _next_run(previous: datetime, interval: timedelta, now: datetime) -> datetime:
    # A job ticked on time keeps its cadence; one that was late (the workers were stopped) or
    # whose interval was shortened starts a new period now, instead of catching up in a burst.
    if previous <= now < previous + interval:
        return previous + interval
    return now + interval


def _rows(jobs: list[PeriodicJob], now: datetime) -> dict[str, ScheduledRun]:
    names = [job.name for job in jobs]
    rows = {row.name: row for row in ScheduledRun.objects.filter(name__in=names)}
    missing = [name for name in names if name not in rows]
    if missing:
        # A new job is due at once; when two workers add it together, one insert is ignored.
        ScheduledRun.objects.bulk_create(
            [ScheduledRun(name=name, next_run_at=now) for name in missing],
            ignore_conflicts=True,
        )
        rows.update(
            (row.name, row) for row in ScheduledRun.objects.filter(name__in=missing)
        )
    return rows


def _claim(row: ScheduledRun, *, interval: timedelta, now: datetime) -> bool:
    """Move the job to its next period if no other worker did since ROW was read."""
    claimed = ScheduledRun.objects.filter(
        Q(next_run_at__lte=now) | Q(last_enqueued_at__lte=now - interval),
        name=row.name,
        next_run_at=row.next_run_at,
    ).update(next_run_at=_next_run(row.next_run_at, interval, now), last_enqueued_at=now)
    return claimed == 1


def schedule_tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue each job that is due and no other worker has claimed for this period; returns
    their names. Does nothing when KIEMCHUNG_SCHEDULE is off.

    Each job is claimed and enqueued in one transaction of its own: on the database queue the
    claim and the task row commit together, and an enqueue that fails (Redis away) rolls the
    claim back, so that job stays due for the next tick while the other jobs still go ahead."""
    if not settings.SCHEDULE:
        return []
    now = now or timezone.now()
    jobs = periodic_jobs()
    rows = _rows(jobs, now)
    enqueued = []
    for job in jobs:
        row = rows[job.name]
        interval = job.interval
        last = row.last_enqueued_at
        if row.next_run_at > now and (last is None or last > now - interval):
            continue
        try:
            task = job.task()
        except (ImportError, TypeError):
            # A job that cannot be found must not hold back the others; it stays due.
            logger.exception("periodic job %s: cannot load %s", job.name, job.task_path)
            continue
        try:
            with transaction.atomic():
                if not _claim(row, interval=interval, now=now):
                    continue
                task.enqueue()
        except Exception:
            logger.exception("periodic job %s: could not enqueue; it stays due", job.name)
            continue
        enqueued.append(job.name)
    return enqueued


def schedule_run_now(*, name: str, now: datetime | None = None) -> ScheduledRun:
    """Enqueue job NAME (on commit) at once, whatever the time; its next period starts now."""
    if name not in JOBS:
        raise KeyError(name)
    job = JOBS[name]
    now = now or timezone.now()
    row, _created = ScheduledRun.objects.update_or_create(
        name=name, defaults={"next_run_at": now + job.interval, "last_enqueued_at": now}
    )
    enqueue_on_commit(job.task())
    return row


@dataclass(frozen=True)
class JobState:
    job: PeriodicJob
    last_enqueued_at: datetime | None
    next_run_at: datetime | None


def schedule_state() -> list[JobState]:
    """Each registered job with its last and next run (None: never enqueued, due at once)."""
    rows = {row.name: row for row in ScheduledRun.objects.filter(name__in=list(JOBS))}
    return [
        JobState(
            job=job,
            last_enqueued_at=rows[job.name].last_enqueued_at if job.name in rows else None,
            next_run_at=rows[job.name].next_run_at if job.name in rows else None,
        )
        for job in periodic_jobs()
    ]


class ScheduleTicker:
    """A daemon thread that ticks the schedule at start and every `period` seconds until
    stopped; a worker process runs one next to its task loop."""

    def __init__(self, *, period: float) -> None:
        self.period = period
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kiemchung-schedule", daemon=True)

    def start(self) -> ScheduleTicker:
        self._thread.start()
        return self

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop ticking; waits for a tick under way (a locked database can hold one)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def tick(self) -> list[str]:
        # Each due job is claimed and enqueued in a short transaction of its own: a job whose
        # enqueue fails (Redis away) stays due and does not hold back the others, and on
        # SQLite the write lock is taken only when a job is due.
        names = schedule_tick()
        if names:
            logger.debug("schedule: enqueued %s", ", ".join(names))
        return names

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self.tick()
                except Exception:
                    # A busy database must not end the schedule: what was not claimed stays
                    # due and the next tick tries again.
                    logger.exception("schedule tick failed")
                self._stopping.wait(self.period)
        finally:
            connections.close_all()


def schedule_ticker_start() -> ScheduleTicker | None:
    """Start ticking in this process, unless KIEMCHUNG_SCHEDULE is off."""
    if not settings.SCHEDULE:
        return None
    return ScheduleTicker(period=max(settings.SCHEDULE_TICK_SECONDS, 0.05)).start()
