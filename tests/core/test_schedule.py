"""The built-in schedule: each periodic job is enqueued once per period, however many workers
tick, and a real worker runs the sources job without cron."""

from __future__ import annotations

import inspect
import io
import json
import signal
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import task
from django_tasks.base import Task

from core.support import answer, http_server, migrated_instance, sqlite_template, wait_for
from kiemchung.core import schedule
from kiemchung.core.models import ScheduledRun
from kiemchung.core.schedule import periodic_job_register, schedule_tick
from test_postgres import migrated, postgres_url  # noqa: F401 (fixtures)
from test_rq import REDIS_URL, redis_client  # noqa: F401 (fixture)

NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
BEATS: list[str] = []


@task()
def beat() -> int:
    """The job the in-process tests schedule: it counts its runs."""
    BEATS.append("beat")
    return len(BEATS)


@pytest.fixture
def beat_job(monkeypatch, settings):
    """A schedule holding only `beat`, every minute."""
    monkeypatch.setattr(schedule, "JOBS", {})
    settings.SCHEDULE = True
    settings.SCHEDULE_BEAT_SECONDS = 60
    BEATS.clear()
    return periodic_job_register(
        name="beat",
        task_path=f"{__name__}.beat",
        interval_setting="SCHEDULE_BEAT_SECONDS",
        description="Count the runs.",
    )


def _tick(capture, now):
    with capture(execute=True):
        return schedule_tick(now=now)


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_per_period(beat_job, django_capture_on_commit_callbacks):
    assert _tick(django_capture_on_commit_callbacks, NOW) == ["beat"], "a new job is due at once"
    assert _tick(django_capture_on_commit_callbacks, NOW) == []
    assert _tick(django_capture_on_commit_callbacks, NOW + timedelta(seconds=59)) == []
    assert BEATS == ["beat"]

    assert _tick(django_capture_on_commit_callbacks, NOW + timedelta(seconds=75)) == ["beat"]
    assert BEATS == ["beat", "beat"]
    row = ScheduledRun.objects.get(name="beat")
    assert row.last_enqueued_at == NOW + timedelta(seconds=75)
    assert row.next_run_at == NOW + timedelta(seconds=120), "a tick 15 s late keeps the cadence"


@pytest.mark.django_db
def test_a_job_not_due_is_not_enqueued(beat_job, django_capture_on_commit_callbacks):
    ScheduledRun.objects.create(
        name="beat", next_run_at=NOW + timedelta(seconds=30), last_enqueued_at=NOW
    )
    assert _tick(django_capture_on_commit_callbacks, NOW + timedelta(seconds=29)) == []
    assert BEATS == []
    assert ScheduledRun.objects.get(name="beat").next_run_at == NOW + timedelta(seconds=30)


@pytest.mark.django_db
def test_a_job_late_by_many_periods_runs_once_and_starts_a_new_period(
    beat_job, django_capture_on_commit_callbacks
):
    ScheduledRun.objects.create(name="beat", next_run_at=NOW - timedelta(hours=5))
    later = NOW + timedelta(seconds=1)
    assert _tick(django_capture_on_commit_callbacks, NOW) == ["beat"]
    assert _tick(django_capture_on_commit_callbacks, later) == [], "no catching up in a burst"
    assert BEATS == ["beat"]
    assert ScheduledRun.objects.get(name="beat").next_run_at == NOW + timedelta(seconds=60)


@pytest.mark.django_db
def test_a_shortened_interval_applies_without_waiting_out_the_old_period(
    beat_job, settings, django_capture_on_commit_callbacks
):
    settings.SCHEDULE_BEAT_SECONDS = 86400
    ScheduledRun.objects.create(
        name="beat",
        next_run_at=NOW + timedelta(hours=23),
        last_enqueued_at=NOW - timedelta(hours=1),
    )
    assert _tick(django_capture_on_commit_callbacks, NOW) == []
    settings.SCHEDULE_BEAT_SECONDS = 600
    assert _tick(django_capture_on_commit_callbacks, NOW) == ["beat"]
    assert ScheduledRun.objects.get(name="beat").next_run_at == NOW + timedelta(seconds=600)


@pytest.mark.django_db
def test_the_schedule_turned_off_enqueues_nothing(
    beat_job, settings, django_capture_on_commit_callbacks
):
    settings.SCHEDULE = False
    assert _tick(django_capture_on_commit_callbacks, NOW) == []
    assert BEATS == []
    assert not ScheduledRun.objects.exists()
    assert schedule.schedule_ticker_start() is None, "no worker ticks when it is off"


@pytest.mark.django_db
def test_a_job_whose_task_is_missing_does_not_hold_back_the_others(
    beat_job, django_capture_on_commit_callbacks, caplog
):
    periodic_job_register(
        name="a_missing",
        task_path="kiemchung.core.tasks.no_such_task",
        interval_setting="SCHEDULE_BEAT_SECONDS",
        description="Nothing.",
    )
    assert _tick(django_capture_on_commit_callbacks, NOW) == ["beat"]
    assert "a_missing: cannot load" in caplog.text
    row = ScheduledRun.objects.get(name="a_missing")
    assert (row.next_run_at, row.last_enqueued_at) == (NOW, None), "it stays due"


class _RedisAway:
    def enqueue(self):
        raise ConnectionError("the queue cannot be reached")


@pytest.mark.django_db
def test_a_job_whose_enqueue_fails_stays_due_and_does_not_hold_back_the_others(
    beat_job, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    periodic_job_register(
        name="a_unreachable",
        task_path=f"{__name__}.beat",
        interval_setting="SCHEDULE_BEAT_SECONDS",
        description="Its queue is away.",
    )
    ScheduledRun.objects.create(name="a_unreachable", next_run_at=NOW - timedelta(seconds=5))
    loaded = schedule.PeriodicJob.task
    monkeypatch.setattr(
        schedule.PeriodicJob,
        "task",
        lambda job: _RedisAway() if job.name == "a_unreachable" else loaded(job),
    )
    assert _tick(django_capture_on_commit_callbacks, NOW) == ["beat"]
    assert BEATS == ["beat"], "the job after the failing one is still enqueued"
    assert "a_unreachable: could not enqueue" in caplog.text
    row = ScheduledRun.objects.get(name="a_unreachable")
    assert (row.next_run_at, row.last_enqueued_at) == (NOW - timedelta(seconds=5), None), (
        "its claim was rolled back: it stays due"
    )


def test_every_app_schedules_its_jobs_as_tasks_without_arguments():
    from django.conf import settings

    jobs = schedule.periodic_jobs()
    assert [job.name for job in jobs] == [
        "claimreview_import", "engagement",
        "sources", "tip_retention", "webhooks_log_prune", "webhooks_sweep"
    ]
    intervals = {job.name: job.interval.total_seconds() for job in jobs}
    assert intervals == {
        "claimreview_import": settings.SCHEDULE_CLAIMREVIEW_SECONDS,
        "engagement": settings.SCHEDULE_ENGAGEMENT_SECONDS,
        "sources": settings.SCHEDULE_SOURCES_SECONDS,
        "tip_retention": settings.SCHEDULE_RETENTION_SECONDS,
        "webhooks_sweep": settings.SCHEDULE_WEBHOOKS_SECONDS,
        "webhooks_log_prune": settings.SCHEDULE_RETENTION_SECONDS,
    }
    assert intervals == {
        "claimreview_import": 3600, "engagement": 21600, "sources": 60, "tip_retention": 86400,
        "webhooks_log_prune": 86400, "webhooks_sweep": 60,
    }
    for job in jobs:
        found = job.task()
        assert isinstance(found, Task)
        assert not inspect.signature(found.func).parameters, f"{job.name} takes arguments"


@pytest.mark.django_db
def test_the_schedule_command_lists_the_jobs_and_runs_one_now(
    settings, django_capture_on_commit_callbacks
):
    settings.SCHEDULE = True
    out = io.StringIO()
    call_command("schedule", stdout=out)
    listing = json.loads(out.getvalue().splitlines()[-1])
    assert listing["enabled"] is True
    sources = next(job for job in listing["jobs"] if job["name"] == "sources")
    assert sources == {
        "name": "sources",
        "task": "kiemchung.monitoring.tasks.sources_round",
        "description": "Queue a fetch of every monitoring source that is due.",
        "interval_seconds": 60,
        "last_enqueued_at": None,
        "next_run_at": None,
    }
    assert "sources: every 60 s, last never" in out.getvalue()
    assert "    Queue a fetch of every monitoring source that is due.\n" in out.getvalue()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("schedule", "--run", "tip_retention", stdout=out)
    assert len(callbacks) == 1, "the job was enqueued once"
    assert json.loads(out.getvalue().splitlines()[-1])["enqueued"] == "tip_retention"
    row = ScheduledRun.objects.get(name="tip_retention")
    assert row.next_run_at - row.last_enqueued_at == timedelta(days=1)

    with pytest.raises(CommandError, match="no periodic job 'cron'; the jobs are: "):
        call_command("schedule", "--run", "cron", stdout=io.StringIO())


def test_the_claimreview_job_reimports_every_active_subscribed_feed(team):
    from kiemchung.publishing.models import ClaimReviewSource, ExternalFactCheck
    from kiemchung.publishing.tasks import claimreview_sources_round
    from publishing.test_imports import datafeed, review

    feed = json.dumps(datafeed(review(1), review(2))).encode()
    routes = {"/feed.json": lambda h: answer(h, 200, feed, "application/json")}
    with http_server(routes) as server:
        for name, url, active in [
            ("Đang theo dõi", server.url("/feed.json"), True),
            ("Đã tắt", server.url("/tat.json"), False),
        ]:
            ClaimReviewSource.objects.create(
                workspace=team.workspace, name=name, kind="feed", url=url, is_active=active
            )
        ClaimReviewSource.objects.create(workspace=team.workspace, name="Tệp", kind="file")
        assert claimreview_sources_round.enqueue().return_value == 1
    assert server.hits == {"/feed.json": 1}
    assert ExternalFactCheck.objects.count() == 2


TICK_TOGETHER = """
import threading
from datetime import UTC, datetime, timedelta
from django.db import connections
from django_tasks_db.models import DBTaskResult
from kiemchung.core.schedule import schedule_tick

start = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
# Each round, several workers tick with the same clock, released together.
rounds = [start, start + timedelta(seconds=60), start + timedelta(hours=1)]
ticked = []
for now in rounds:
    together = threading.Barrier(4, timeout=30)

    def tick(now=now, together=together):
        try:
            together.wait()
            ticked.extend(schedule_tick(now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
queued = list(DBTaskResult.objects.values_list("task_path", flat=True))
print(json.dumps({"ticked": sorted(ticked), "queued": sorted(queued)}))
"""

EACH_ONCE_PER_PERIOD = {
    "ticked": ["claimreview_import"] * 2 + ["engagement"] + ["sources"] * 3 + ["tip_retention"]
    + ["webhooks_log_prune"] + ["webhooks_sweep"] * 3,
    "queued": ["kiemchung.insights.tasks.engagement_round"]
    + ["kiemchung.monitoring.tasks.sources_round"] * 3
    + ["kiemchung.publishing.tasks.claimreview_sources_round"] * 2
    + ["kiemchung.tipline.tasks.tip_retention"]
    + ["kiemchung.webhooks.tasks.webhooks_log_prune"]
    + ["kiemchung.webhooks.tasks.webhooks_sweep"] * 3,
}


@pytest.mark.slow
def test_workers_ticking_at_once_on_sqlite_enqueue_each_job_once(tmp_path, tmp_path_factory):
    instance = migrated_instance(
        sqlite_template(tmp_path_factory), tmp_path, KIEMCHUNG_SCHEDULE="true"
    )
    assert instance.python(TICK_TOGETHER) == EACH_ONCE_PER_PERIOD


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_ticking_at_once_on_postgresql_enqueue_each_job_once(migrated):
    migrated.env["KIEMCHUNG_SCHEDULE"] = "true"
    assert migrated.python(TICK_TOGETHER) == EACH_ONCE_PER_PERIOD


FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin</title>'
    "<item><title>Nước chanh</title><link>http://example.org/nuoc-chanh</link>"
    "<description>Tin đồn: uống nước chanh nóng mỗi sáng chữa khỏi ung thư giai đoạn cuối."
    "</description></item></channel></rss>"
).encode()

ADD_FEED = """
from kiemchung.accounts.models import Workspace
from kiemchung.monitoring.models import Source, SourceKind

workspace = Workspace.objects.create(slug="nhom", name="Nhóm")
source = Source.objects.create(
    workspace=workspace, name="Báo", kind=SourceKind.FEED, url=sys.argv[1],
    fetch_full_text=False,
)
print(json.dumps(source.pk))
"""


def _scheduled_instance(tmp_path, tmp_path_factory, **settings):
    return migrated_instance(
        sqlite_template(tmp_path_factory),
        tmp_path,
        KIEMCHUNG_SCHEDULE="true",
        KIEMCHUNG_SCHEDULE_TICK_SECONDS="0.2",
        KIEMCHUNG_SCHEDULE_SOURCES_SECONDS="1",
        **settings,
    )


def _items_of(instance, source_id):
    query = "SELECT count(*) FROM monitoring_item WHERE source_id = ?"
    [(count,)] = instance.sqlite(query, source_id)
    return count


def _sources_rounds_done(instance):
    return instance.sqlite(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE '%.sources_round' AND status = 'SUCCESSFUL'"
    )[0][0]


def _scheduled_names(instance):
    return {name for (name,) in instance.sqlite("SELECT name FROM core_scheduledrun")}


@pytest.mark.slow
def test_a_worker_fetches_due_sources_on_its_schedule_without_cron(tmp_path, tmp_path_factory):
    instance = _scheduled_instance(tmp_path, tmp_path_factory)
    with http_server({"/rss": lambda h: answer(h, 200, FEED, "application/rss+xml")}) as server:
        source_id = instance.python(ADD_FEED, server.url("/rss"))
        worker = instance.start("worker", "--interval", "0.2", "--no-startup-delay", name="w")
        try:
            wait_for(
                lambda: _items_of(instance, source_id),
                timeout=60,
                what="the scheduled sources job to fetch the feed",
            )
            wait_for(
                lambda: _sources_rounds_done(instance) >= 2,
                timeout=30,
                what="the sources job to run again a period later",
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(30)
    assert code == 0, instance.log("w")
    assert server.hits["/rss"] == 1, "the source waits its own interval between fetches"
    runs = dict(
        instance.sqlite(
            "SELECT task_path, count(*) FROM django_tasks_database_dbtaskresult "
            "GROUP BY task_path"
        )
    )
    assert runs["kiemchung.monitoring.tasks.source_fetch_now"] >= 1
    assert runs["kiemchung.publishing.tasks.claimreview_sources_round"] == 1
    assert runs["kiemchung.tipline.tasks.tip_retention"] == 1
    assert _scheduled_names(instance) == {
        "engagement",
        "sources", "tip_retention", "claimreview_import", "webhooks_log_prune", "webhooks_sweep"
    }


@pytest.mark.slow
@pytest.mark.redis
def test_an_rq_worker_fetches_due_sources_on_its_schedule(
    redis_client, tmp_path, tmp_path_factory
):
    instance = _scheduled_instance(
        tmp_path, tmp_path_factory, KIEMCHUNG_TASKS="rq", KIEMCHUNG_REDIS_URL=REDIS_URL
    )
    with http_server({"/rss": lambda h: answer(h, 200, FEED, "application/rss+xml")}) as server:
        source_id = instance.python(ADD_FEED, server.url("/rss"))
        worker = instance.start("worker", name="rq")
        try:
            wait_for(
                lambda: _items_of(instance, source_id),
                timeout=60,
                what="the scheduled sources job to fetch the feed through RQ",
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(30)
    assert code == 0, instance.log("rq")
    assert _scheduled_names(instance) == {
        "engagement",
        "sources", "tip_retention", "claimreview_import", "webhooks_log_prune", "webhooks_sweep",
        "rq_recover",
    }, "on RQ the schedule also recovers abandoned jobs"
