"""`kiemchung worker` and `kiemchung run` as real processes against a file database."""

from __future__ import annotations

import json
import signal
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from core.support import (
    answer,
    http_server,
    migrated_instance,
    sqlite_template,
    wait_for,
)

PAGE = "<html><body>Bộ Y tế: chưa có bằng chứng nước chanh chữa ung thư</body></html>".encode()


@pytest.fixture
def instance(tmp_path, tmp_path_factory):
    return migrated_instance(
        sqlite_template(tmp_path_factory),
        tmp_path,
        KIEMCHUNG_TASK_LEASE_SECONDS="5",
        KIEMCHUNG_FETCH_TIMEOUT_SECONDS="30",
    )


def _archive_state(instance, evidence_id):
    status = instance.sqlite("SELECT archive_status FROM claims_evidence WHERE id = ?", evidence_id)
    snapshots = instance.sqlite(
        "SELECT count(*) FROM claims_snapshot WHERE evidence_id = ?", evidence_id
    )
    return status[0][0], snapshots[0][0]


@pytest.mark.slow
def test_worker_killed_mid_archive_loses_nothing(instance):
    first_request = threading.Event()

    def stall_the_first_time(handler: BaseHTTPRequestHandler) -> None:
        if not first_request.is_set():
            first_request.set()
            # Hold the first request open until the test ends: its worker is killed meanwhile.
            state.released.wait(60)
            return
        answer(handler, 200, PAGE)

    with http_server({"/bai-viet": stall_the_first_time}) as state:
        [evidence_id] = instance.evidence_add(state.url("/bai-viet"))
        first = instance.start("worker", "--interval", "0.2", "--no-startup-delay", name="first")
        try:
            wait_for(first_request.is_set, timeout=30, what="the first worker to fetch the page")
            lease = instance.sqlite("SELECT worker_id FROM core_tasklease")
            assert len(lease) == 1, "the running task holds a lease"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        assert _archive_state(instance, evidence_id) == ("pending", 0)
        tasks = instance.sqlite("SELECT status FROM django_tasks_database_dbtaskresult")
        assert tasks == [("RUNNING",)]

        second = instance.start("worker", "--interval", "0.2", "--no-startup-delay", name="second")
        try:
            wait_for(
                lambda: _archive_state(instance, evidence_id) == ("archived", 1),
                timeout=30,
                what="the restarted worker to archive the page",
            )
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(15) == 0, instance.log("second")

    assert state.hits["/bai-viet"] == 2
    [(size, sha256)] = instance.sqlite("SELECT size, sha256 FROM claims_snapshot")
    assert size == len(PAGE)
    assert len(sha256) == 64
    [(status, worker_ids)] = instance.sqlite(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
    )
    assert status == "SUCCESSFUL"
    assert len(json.loads(worker_ids)) == 2, "the task was claimed by the killed worker, then again"
    assert instance.sqlite("SELECT count(*) FROM core_tasklease") == [(0,)]
    assert "back in the queue" in instance.log("second")


@pytest.mark.slow
def test_run_serves_static_files_and_works_the_queue_then_stops_on_ctrl_c(instance):
    with http_server({"/nguon": lambda h: answer(h, 200, PAGE)}) as state:
        [evidence_id] = instance.evidence_add(state.url("/nguon"))
        server = instance.start("run", "--port", "0", name="run")
        try:
            line = wait_for(
                lambda: next(
                    (x for x in instance.log("run").splitlines() if "running at" in x), None
                ),
                timeout=30,
                what="`kiemchung run` to print its URL",
            )
            url = line.split("running at ", 1)[1].split()[0]
            assert "with a background worker" in line
            with urllib.request.urlopen(url + "static/kiemchung/app.css", timeout=10) as page:
                assert page.status == 200
                assert page.read()
            wait_for(
                lambda: _archive_state(instance, evidence_id) == ("archived", 1),
                timeout=30,
                what="the worker thread to archive the page",
            )
        finally:
            server.send_signal(signal.SIGINT)
            code = server.wait(20)
    assert code == 0, instance.log("run")
    assert "Stopped." in instance.log("run")
    assert state.hits["/nguon"] == 1
