from __future__ import annotations

import math
import os
import uuid
from argparse import ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.core.schedule import schedule_ticker_start
from kiemchung.core.worker import LeasedWorker, WakingWorker, rq_worker_run


def _seconds(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ArgumentTypeError("must be a number of seconds, zero or more")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be 1 or more")
    return number


def _worker_id(value: str) -> str:
    if not value or len(value) > 64:
        raise ArgumentTypeError("must be 1 to 64 characters")
    return value


class Command(BaseCommand):
    help = (
        "Run background tasks: the database queue (KIEMCHUNG_TASKS=db) or an RQ worker "
        "(KIEMCHUNG_TASKS=rq), enqueuing the periodic jobs of the built-in schedule when they "
        "are due (KIEMCHUNG_SCHEDULE). Stops after the running task on Ctrl+C or SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Queues to take tasks from, separated by commas; `*` for every queue "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks that are ready now, then exit (RQ: burst mode).",
        )
        parser.add_argument(
            "--interval",
            type=_seconds,
            default=1.0,
            help="Database queue: seconds to wait before looking again when the queue is empty "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--max-tasks",
            type=_positive,
            default=None,
            help="Exit after running this many tasks.",
        )
        parser.add_argument(
            "--worker-id",
            type=_worker_id,
            default=None,
            help="Name of this worker, unique among all workers (default: host, process and a "
            "random suffix).",
        )
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=None,
            help="Database queue: how long a running task stays leased without a heartbeat "
            "before another worker takes it back (default: KIEMCHUNG_TASK_LEASE_SECONDS).",
        )
        parser.add_argument(
            "--no-startup-delay",
            action="store_false",
            dest="startup_delay",
            help="Database queue: start polling at once instead of after a random pause of up "
            "to a second (the pause keeps many workers started together from colliding).",
        )

    def handle(
        self,
        *args: Any,
        queue_name: str,
        batch: bool,
        interval: float,
        max_tasks: int | None,
        worker_id: str | None,
        lease_seconds: float | None,
        startup_delay: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        queue_names = [name.strip() for name in queue_name.split(",") if name.strip()]
        name = worker_id or f"{os.uname().nodename[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        if settings.TASKS_MODE == "immediate":
            raise CommandError(
                "KIEMCHUNG_TASKS=immediate runs every task inline: there is no queue to work on"
            )
        work: Callable[[], object]
        if settings.TASKS_MODE == "rq":
            if "*" in queue_names:
                queue_names = sorted(settings.RQ_QUEUES)
            if verbosity:
                self.stdout.write(
                    f"kiemchung worker {name}: RQ queues {', '.join(queue_names)} "
                    f"at {settings.REDIS_URL.split('@')[-1]}"
                )
            work = partial(
                rq_worker_run,
                queue_names=queue_names,
                batch=batch,
                max_tasks=max_tasks,
                name=name,
                verbosity=verbosity,
            )
        else:
            lease = settings.TASK_LEASE_SECONDS if lease_seconds is None else lease_seconds
            if lease < 1:
                raise CommandError("--lease-seconds must be at least 1")
            # A batch run leaves when the queue is empty: there is nothing to wake.
            worker_class = LeasedWorker if batch else WakingWorker
            worker = worker_class(
                lease_seconds=lease,
                queue_names=queue_names,
                interval=interval,
                batch=batch,
                backend_name="default",
                startup_delay=startup_delay,
                max_tasks=max_tasks,
                worker_id=name,
                excluded_queue_names=[],
            )
            if verbosity:
                self.stdout.write(
                    f"kiemchung worker {name}: database queue, queues {', '.join(queue_names)}, "
                    f"lease {lease:g} s"
                )
                self.stdout.flush()
            worker.configure_signals()
            work = worker.run
        with self._schedule(batch):
            work()

    @contextmanager
    def _schedule(self, batch: bool) -> Iterator[None]:
        """Tick the built-in schedule beside a long-running worker while inside; a batch run
        only works off what is already queued."""
        ticker = None if batch else schedule_ticker_start()
        try:
            yield
        finally:
            if ticker is not None:
                ticker.stop()
