"""On Redis with RQ: `kiemchung worker` archives evidence, and retries wait in RQ's scheduler."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.support import answer, http_server, migrated_instance, service_missing, sqlite_template

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REDIS_URL = os.environ.get("KIEMCHUNG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PAGE = "<html><body>Công an tỉnh: thông tin bắt cóc trẻ em là bịa đặt</body></html>".encode()


def _clear_queues(client) -> None:
    for key in client.scan_iter("rq:*"):
        client.delete(key)


@pytest.fixture
def redis_client():
    """The test Redis database, emptied of RQ keys, used by one test run at a time."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        parts = urlsplit(REDIS_URL)
        service_missing(f"Redis is unreachable at {parts.hostname}:{parts.port or 6379}: {exc}")
    # Two test runs on one machine would take each other's jobs; the second waits its turn.
    lock = client.lock("kiemchung-test:rq", timeout=300, blocking_timeout=300)
    assert lock.acquire(), "another test run held the Redis test database for 5 minutes"
    _clear_queues(client)
    try:
        yield client
    finally:
        _clear_queues(client)
        lock.release()
        client.close()


@pytest.fixture
def instance(tmp_path, tmp_path_factory):
    return migrated_instance(
        sqlite_template(tmp_path_factory),
        tmp_path,
        KIEMCHUNG_TASKS="rq",
        KIEMCHUNG_REDIS_URL=REDIS_URL,
        KIEMCHUNG_TASK_BACKOFF_SECONDS="1",
    )


def _state(instance, evidence_id):
    return instance.sqlite(
        "SELECT e.archive_status, count(s.id) FROM claims_evidence e "
        "LEFT JOIN claims_snapshot s ON s.evidence_id = e.id WHERE e.id = ? GROUP BY e.id",
        evidence_id,
    )[0]


def test_an_rq_worker_archives_and_retries_after_the_backoff(redis_client, instance):
    flaky_answers = [(500, b"busy"), (200, PAGE)]

    def flaky(handler):
        status, body = flaky_answers.pop(0) if len(flaky_answers) > 1 else flaky_answers[0]
        answer(handler, status, body)

    routes = {"/on-dinh": lambda h: answer(h, 200, PAGE), "/chap-chon": flaky}
    with http_server(routes) as server:
        steady, shaky = instance.evidence_add(server.url("/on-dinh"), server.url("/chap-chon"))
        assert redis_client.llen("rq:queue:default") == 2, "both archives were enqueued on commit"

        started = time.time()
        instance.run("worker", "--batch")
        finished = time.time()
        assert _state(instance, steady) == ("archived", 1)
        assert _state(instance, shaky) == ("pending", 0)
        [(_, due)] = redis_client.zrange("rq:scheduled:default", 0, -1, withscores=True)
        # The failure happened while the worker ran; RQ keeps the due time in whole seconds.
        assert int(started + 1) <= due <= finished + 1, "the retry waits the backoff (1 s)"

        time.sleep(max(0.0, due - time.time()) + 0.2)
        instance.run("worker", "--batch")
    assert _state(instance, shaky) == ("archived", 1)
    assert _state(instance, steady) == ("archived", 1)
    assert server.hits == {"/on-dinh": 1, "/chap-chon": 2}
    assert redis_client.zcard("rq:scheduled:default") == 0


def test_an_rq_worker_records_the_reason_when_attempts_run_out(redis_client, instance):
    instance.env.update(KIEMCHUNG_TASK_MAX_ATTEMPTS="2", KIEMCHUNG_TASK_BACKOFF_SECONDS="0")
    with http_server({"/qua-tai": lambda h: answer(h, 503, b"later")}) as server:
        [evidence_id] = instance.evidence_add(server.url("/qua-tai"))
        instance.run("worker", "--batch")
    assert server.hits["/qua-tai"] == 2
    assert _state(instance, evidence_id) == ("failed", 0)
    [(error,)] = instance.sqlite(
        "SELECT archive_error FROM claims_evidence WHERE id = ?", evidence_id
    )
    assert error == "Máy chủ trả lỗi 503"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task_dir in Path(f"/proc/{pid}/task").glob("*"):
        children = (task_dir / "children").read_text().split()
        found += [int(child) for child in children]
    return found


def test_a_job_whose_rq_worker_died_is_run_again(redis_client, instance):
    """The worker and its work-horse are killed mid-job. Once RQ counts the job abandoned (its
    heartbeat expires; here the test moves that moment to the past instead of waiting 90 s),
    the `rq_recover` periodic job queues it again and the next worker archives the page once."""
    hung = threading.Event()

    def slow(handler):
        if server.hits["/cham"] == 1:
            hung.set()
            server.released.wait(60)
            return
        answer(handler, 200, PAGE)

    with http_server({"/cham": slow}) as server:
        [evidence_id] = instance.evidence_add(server.url("/cham"))
        worker = instance.start("worker", name="rq-dying-worker")
        try:
            assert hung.wait(60), instance.log("rq-dying-worker")
            horses = _children(worker.pid)
            assert horses, "RQ runs each job in a work-horse process"
            for pid in horses:
                os.kill(pid, signal.SIGKILL)
        finally:
            worker.kill()
            worker.wait(30)
        [(job_id, _score)] = redis_client.zrange("rq:wip:default", 0, -1, withscores=True)
        redis_client.zadd("rq:wip:default", {job_id: time.time() - 1})

        listed = json.loads(instance.run("schedule").stdout.strip().splitlines()[-1])
        assert "rq_recover" in {job["name"] for job in listed["jobs"]}
        instance.run("schedule", "--run", "rq_recover")
        instance.run("worker", "--batch")

    assert _state(instance, evidence_id) == ("archived", 1)
    assert server.hits["/cham"] == 2
    assert redis_client.zcard("rq:failed:default") == 0


def test_a_job_abandoned_as_often_as_the_attempts_allow_is_left_failed(redis_client, settings):
    """Each time RQ finds the job abandoned, `abandoned_retry` queues it again, until it has
    run KIEMCHUNG_TASK_MAX_ATTEMPTS times; then it stays failed. A job that raised is left to
    RQ's own handling."""
    from rq import Queue
    from rq.job import JobStatus
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    from kiemchung.core.rq_recovery import META_KEY, abandoned_retry

    settings.TASK_MAX_ATTEMPTS = 3
    queue = Queue("default", connection=redis_client)
    job = queue.enqueue("os.getpid")
    started = StartedJobRegistry(queue=queue)
    failed = FailedJobRegistry(queue=queue)

    def abandon(run: int) -> None:
        assert queue.get_job_ids() == [job.id], f"run {run} was queued"
        queue.remove(job.id)
        job.set_status(JobStatus.STARTED)
        redis_client.zadd(started.key, {f"{job.id}:run{run}": time.time() - 1})
        started.cleanup(exception_handlers=[abandoned_retry])
        job.refresh()

    abandon(1)
    abandon(2)
    assert job.meta[META_KEY] == 2
    assert job.id not in failed
    abandon(3)
    assert job.id in failed, "the third abandoned run is the last"
    assert queue.get_job_ids() == []

    raised = queue.enqueue("os.getpid")
    abandoned_retry(raised, ValueError, ValueError("no"), None)
    raised.refresh()
    assert META_KEY not in raised.meta and not raised.retries_left
