"""On PostgreSQL: the same migrations, and database-queue workers sharing tasks (SKIP LOCKED)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from core.support import (
    answer,
    http_server,
    postgres_database,
    postgres_instance,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGE = "<html><body>Sở Y tế bác bỏ tin đồn</body></html>".encode()


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh database for this run, dropped afterwards."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def migrated(postgres_url, tmp_path_factory):
    return postgres_instance(
        postgres_url, tmp_path_factory.mktemp("pg-var"), tmp_path_factory.mktemp("pg-logs")
    )


@pytest.fixture
def database(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        yield connection


def test_migrations_apply_cleanly_on_postgresql(migrated, database):
    migrated.run("migrate", "--check")
    tables = {row[0] for row in database.execute("SELECT tablename FROM pg_tables")}
    assert {"claims_evidence", "claims_snapshot", "core_tasklease"} <= tables
    assert "django_tasks_database_dbtaskresult" in tables


def _archived(database, ids):
    return database.execute(
        "SELECT e.id, e.archive_status, count(s.id) FROM claims_evidence e "
        "LEFT JOIN claims_snapshot s ON s.evidence_id = e.id WHERE e.id = ANY(%s) "
        "GROUP BY e.id, e.archive_status ORDER BY e.id",
        [ids],
    ).fetchall()


def test_two_workers_share_the_queue_and_archive_every_page_once(migrated, database):
    # The first two fetches wait for each other: both workers must be running a task at once.
    together = threading.Barrier(2, timeout=30)
    waits = []

    def page(handler):
        if len(waits) < 2:
            waits.append(handler.path)
            together.wait()
        answer(handler, 200, PAGE)

    paths = [f"/bai-{n}" for n in range(6)]
    with http_server(dict.fromkeys(paths, page)) as server:
        ids = migrated.evidence_add(*(server.url(path) for path in paths))
        workers = [
            migrated.start("worker", "--batch", "--no-startup-delay", name=f"pg-worker-{n}")
            for n in range(2)
        ]
        codes = [worker.wait(60) for worker in workers]
    assert codes == [0, 0], migrated.log("pg-worker-0") + migrated.log("pg-worker-1")
    assert not together.broken, "two workers never ran tasks at the same time"
    assert _archived(database, ids) == [(i, "archived", 1) for i in ids]
    assert all(server.hits[path] == 1 for path in paths), server.hits
    runs = database.execute(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE args_kwargs->'args'->>0 = ANY(%s)",
        [[str(i) for i in ids]],
    ).fetchall()
    assert len(runs) == len(ids)
    assert {status for status, _ in runs} == {"SUCCESSFUL"}
    assert all(len(worker_ids) == 1 for _, worker_ids in runs), "no task was run twice"
    assert len({worker_ids[0] for _, worker_ids in runs}) == 2


def test_a_task_abandoned_by_a_dead_worker_is_run_again(migrated, database):
    with http_server({"/bo-do": lambda h: answer(h, 200, PAGE)}) as server:
        [evidence_id] = migrated.evidence_add(server.url("/bo-do"))
        [(task_id,)] = database.execute(
            "UPDATE django_tasks_database_dbtaskresult SET status = 'RUNNING', "
            "started_at = now() - interval '10 minutes', worker_ids = %s "
            "WHERE status = 'READY' RETURNING id",
            [json.dumps(["dead-worker"])],
        ).fetchall()
        database.execute(
            "INSERT INTO core_tasklease (task_id, worker_id, expires_at) "
            "VALUES (%s, 'dead-worker', now() - interval '1 minute')",
            [str(task_id)],
        )
        migrated.run("worker", "--batch", "--no-startup-delay")
    assert _archived(database, [evidence_id]) == [(evidence_id, "archived", 1)]
    [(status, worker_ids)] = database.execute(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
        [task_id],
    ).fetchall()
    assert status == "SUCCESSFUL"
    assert worker_ids[0] == "dead-worker" and len(worker_ids) == 2
    assert database.execute("SELECT count(*) FROM core_tasklease").fetchone() == (0,)


def test_a_worker_in_another_process_starts_a_task_as_soon_as_it_is_enqueued(
    migrated, database
):
    """`kiemchung worker` hears enqueues of other processes through LISTEN/NOTIFY: with a poll
    interval of a minute it still starts the task within seconds."""
    pages = {"/truoc": lambda h: answer(h, 200, PAGE), "/sau": lambda h: answer(h, 200, PAGE)}
    with http_server(pages) as server:
        worker = migrated.start("worker", "--interval", "60", "--no-startup-delay",
                                name="pg-waking-worker")
        try:
            [first] = migrated.evidence_add(server.url("/truoc"))
            # Archived: the worker is in its loop, and now waits up to a minute for work.
            wait_for(lambda: _archived(database, [first]) == [(first, "archived", 1)],
                     timeout=90, what="the first archive")
            time.sleep(1)
            [second] = migrated.evidence_add(server.url("/sau"))
            enqueued = time.monotonic()
            wait_for(lambda: _archived(database, [second]) == [(second, "archived", 1)],
                     timeout=50, what="the second archive, before the next poll")
            took = time.monotonic() - enqueued
        finally:
            worker.terminate()
            worker.wait(30)
    assert took < 10, migrated.log("pg-waking-worker")


def _claims_stored(database, slug: str, pattern: str) -> int:
    """Claims of one test's own workspace whose text matches (the module shares its database)."""
    rows = database.execute(
        "SELECT count(*) FROM claims_claim c JOIN accounts_workspace w ON w.id = c.workspace_id "
        "WHERE w.slug = %s AND c.text LIKE %s",
        [slug, pattern],
    )
    return rows.fetchone()[0]


API_TEXT_SCRIPT = r"""
from django.test import Client
from kiemchung.accounts import services
from kiemchung.accounts.models import Member, Workspace
from django.contrib.auth import get_user_model

workspace = Workspace.objects.create(name="Nhóm", slug="nhom-api-text")
user = get_user_model().objects.create_user(username="api-text", password="mat-khau-dai-123")
member = Member.objects.create(workspace=workspace, user=user, role="checker")
_token, raw = services.api_token_create(member=member, name="kiểm tra")
client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
answers = {}
for name, text in (("nul", "chanh\x00 chữa ung thư"), ("surrogate", "chanh \ud800 chữa")):
    response = client.post("/api/claims/", {"text": text}, content_type="application/json")
    answers[name] = [response.status_code, response.json()["detail"][0]["loc"][-1]]
claim = client.post("/api/claims/", {"text": "Một nhận định"}, content_type="application/json")
evidence = client.post(f"/api/claims/{claim.json()['id']}/evidence",
                       {"kind": "note", "note": "ghi\x00chú"}, content_type="application/json")
answers["evidence"] = [evidence.status_code, evidence.json()["detail"][0]["loc"][-1]]
for name, path in (("q", "/api/claims/?q=chanh%00"),
                   ("already", "/api/claims/already-checked?q=chanh%00")):
    response = client.get(path)
    answers[name] = [response.status_code, response.json()["detail"][0]["loc"][-1]]
print(json.dumps(answers))
"""


def test_nul_and_lone_surrogates_through_the_api_are_refused_naming_the_field(migrated, database):
    """PostgreSQL refuses NUL in text and no database encodes a lone surrogate: the API answers
    422 naming the field instead of a 500."""
    answers = migrated.python(API_TEXT_SCRIPT)
    assert answers == {
        "nul": [422, "text"],
        "surrogate": [422, "text"],
        "evidence": [422, "note"],
        "q": [422, "q"],
        "already": [422, "q"],
    }
    assert _claims_stored(database, "nhom-api-text", "%chanh%") == 0


API_V1_SCRIPT = r"""
from django.test import Client
from kiemchung.accounts import services
from kiemchung.accounts.models import Member, Workspace
from django.contrib.auth import get_user_model

workspace = Workspace.objects.create(name="Nhóm", slug="nhom-api-v1")
user = get_user_model().objects.create_user(username="api-v1", password="mat-khau-dai-123")
Member.objects.create(workspace=workspace, user=user, role="editor")
_token, raw = services.api_token_create(
    member=Member.objects.get(user=user), name="v1", scopes=["read", "write"]
)
client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
made = [
    client.post("/api/v1/claims/", {"text": f"Nhận định số {n}"},
                content_type="application/json").json()["id"]
    for n in range(5)
]
seen, path = [], "/api/v1/claims/?limit=2"
while path:
    page = client.get(path).json()
    seen += [c["id"] for c in page["results"]]
    path = f"/api/v1/claims/?limit=2&cursor={page['next']}" if page["next"] else ""
answers = {"made": made, "seen": seen}
for name, text in (("nul", "chanh\x00 chữa"), ("surrogate", "chanh \ud800 chữa")):
    response = client.post("/api/v1/claims/", {"text": text}, content_type="application/json")
    answers[name] = [response.status_code, response.json()["error"]["field"]]
response = client.get("/api/v1/claims/?q=chanh%00")
answers["q"] = [response.status_code, response.json()["error"]["field"]]
print(json.dumps(answers))
"""


def test_api_v1_pages_and_refuses_nul_on_postgresql(migrated, database):
    """Cursor pages cover every claim once, newest first; NUL and lone surrogates are a 422
    (body) or 400 (query) naming the field, never a 500 from PostgreSQL."""
    answers = migrated.python(API_V1_SCRIPT)
    assert answers["seen"] == sorted(answers["made"], reverse=True)
    assert answers["nul"] == [422, "text"]
    assert answers["surrogate"] == [422, "text"]
    assert answers["q"] == [400, "q"]
    assert _claims_stored(database, "nhom-api-v1", "%chanh%") == 0


DASHBOARD_SCRIPT = r"""
sys.path.insert(0, sys.argv[1])
from tests.conftest import make_team
from tests.insights.story import figures_seen, november

team = make_team()
november(team)
print(json.dumps(figures_seen(team.workspace)))
"""


def test_dashboard_figures_are_the_same_on_postgresql(migrated, team):
    """Every figure of the dashboard (buckets, durations worked out by the database, returning
    rumours) over days, weeks, months and a topic reads the same story alike on PostgreSQL and
    on SQLite, where tests/insights/test_dashboard.py counts them by hand."""
    from tests.insights.story import figures_seen, november

    november(team)
    expected = figures_seen(team.workspace)
    assert expected["november/time_to_verdict"]["extra"]["count"] == 3
    assert migrated.python(DASHBOARD_SCRIPT, str(PROJECT_ROOT)) == expected
