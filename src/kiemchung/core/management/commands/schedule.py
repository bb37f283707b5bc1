"""`kiemchung schedule`: the periodic jobs of the built-in schedule, and running one now."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kiemchung.core.schedule import JOBS, schedule_run_now, schedule_state


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


class Command(BaseCommand):
    help = (
        "List the periodic jobs of the built-in schedule, each with what it does, its interval, "
        "last and next run; `--run NAME` enqueues one now. The last line of stdout is a JSON "
        "object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--run",
            metavar="NAME",
            default=None,
            help="Enqueue this job now (a worker runs it); its next period starts now.",
        )

    def handle(self, *args: Any, run: str | None, **options: Any) -> None:
        if run is not None:
            self._run(run)
            return
        jobs = []
        for state in schedule_state():
            seconds = int(state.job.interval.total_seconds())
            last, following = _when(state.last_enqueued_at), _when(state.next_run_at)
            self.stdout.write(
                f"{state.job.name}: every {seconds} s, last {last or 'never'}, "
                f"next {following or 'at the next tick'} ({state.job.task_path})"
            )
            self.stdout.write(f"    {state.job.description}")
            jobs.append(
                {
                    "name": state.job.name,
                    "task": state.job.task_path,
                    "description": state.job.description,
                    "interval_seconds": seconds,
                    "last_enqueued_at": last,
                    "next_run_at": following,
                }
            )
        if not settings.SCHEDULE:
            self.stdout.write(
                "KIEMCHUNG_SCHEDULE is off: workers do not run these jobs (run them from cron)."
            )
        self.stdout.write(json.dumps({"enabled": settings.SCHEDULE, "jobs": jobs}))

    def _run(self, name: str) -> None:
        try:
            with transaction.atomic():
                row = schedule_run_now(name=name)
        except KeyError:
            raise CommandError(
                f"no periodic job {name!r}; the jobs are: {', '.join(sorted(JOBS))}"
            ) from None
        self.stdout.write(
            json.dumps({"enqueued": name, "next_run_at": _when(row.next_run_at)})
        )
