"""A worker outlives its database going away (a PostgreSQL restart or failover): it waits,
connects again and goes on with the queue, instead of ending and leaving tasks unprocessed."""

from __future__ import annotations

import json
import signal
import time

import pytest

from core.support import answer, http_server, postgres_database, postgres_instance, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PAGE = "<html><body>Bộ Công an cảnh báo tin giả</body></html>".encode()


def _cut_connections(database, name: str) -> int:
    """What a restart does to the clients: every connection to the database terminated."""
    return len(
        database.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    )


def test_a_worker_goes_on_with_the_queue_after_its_database_connections_were_cut(
    tmp_path_factory,
):
    import psycopg

    with postgres_database() as url:
        instance = postgres_instance(
            url, tmp_path_factory.mktemp("outage-var"), tmp_path_factory.mktemp("outage-logs")
        )
        name = url.rsplit("/", 1)[1]
        with (
            psycopg.connect(url, autocommit=True) as database,
            http_server({"/sau": lambda h: answer(h, 200, PAGE)}) as server,
        ):
            worker = instance.start(
                "worker", "--interval", "0.2", "--no-startup-delay", name="outage-worker"
            )
            try:
                wait_for(
                    lambda: "database queue" in instance.log("outage-worker"),
                    timeout=60,
                    what="the worker to start",
                )
                cut = 0
                for _ in range(5):  # a restart takes a few seconds: keep cutting for a while
                    cut += _cut_connections(database, name)
                    time.sleep(0.4)
                assert cut > 0, "the worker held no connection to cut"
                [evidence_id] = instance.evidence_add(server.url("/sau"))
                wait_for(
                    lambda: (
                        database.execute(
                            "SELECT archive_status FROM claims_evidence WHERE id = %s",
                            [evidence_id],
                        ).fetchone()[0]
                        == "archived"
                    ),
                    timeout=60,
                    what="the evidence enqueued after the outage to be archived",
                )
                # A task its worker died with is put back by the lease heartbeat, whose own
                # connection was cut too.
                # The worker is paused meanwhile, so that its main loop cannot take the task.
                worker.send_signal(signal.SIGSTOP)
                try:
                    [abandoned] = instance.evidence_add(server.url("/sau"))
                    database.execute(
                        "UPDATE django_tasks_database_dbtaskresult SET status = 'RUNNING', "
                        "started_at = now() - interval '10 minutes', worker_ids = %s "
                        "WHERE status = 'READY'",
                        [json.dumps(["dead-worker"])],
                    )
                finally:
                    worker.send_signal(signal.SIGCONT)
                wait_for(
                    lambda: (
                        database.execute(
                            "SELECT archive_status FROM claims_evidence WHERE id = %s", [abandoned]
                        ).fetchone()[0]
                        == "archived"
                    ),
                    timeout=90,
                    what="the heartbeat to put the abandoned task back in the queue",
                )
                assert worker.poll() is None, instance.log("outage-worker")
                assert "database unavailable" in instance.log("outage-worker")
            finally:
                worker.terminate()
                worker.wait(30)
