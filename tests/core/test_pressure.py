"""Background work beside the web server gives way to a burst of webhooks, but not forever."""

from __future__ import annotations

import time

from kiemchung.core import pressure


def test_a_quiet_process_does_not_wait():
    pressure.webhook_arrived()
    assert not pressure.in_burst()
    assert pressure.give_way() == 0.0


def test_a_burst_holds_work_then_lets_it_run_for_a_while(monkeypatch):
    monkeypatch.setattr(pressure, "MAX_PAUSE_SECONDS", 0.2)
    monkeypatch.setattr(pressure, "WINDOW_SECONDS", 60.0)
    for _ in range(int(pressure.BURST_PER_SECOND * 60) + 1):
        pressure.webhook_arrived()
    assert pressure.in_burst()
    assert pressure.give_way() >= 0.2, "work waits while the burst goes on"
    assert pressure.give_way() == 0.0, "then it runs for a while even if the burst never ends"


def test_arrivals_older_than_the_window_are_forgotten(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(pressure.time, "monotonic", lambda: clock[0])
    for _ in range(100):
        pressure.webhook_arrived()
    assert pressure.in_burst()
    clock[0] += pressure.WINDOW_SECONDS + 0.01
    assert not pressure.in_burst()


# --- a worker in its own process, on SQLite ---------------------------------------------------


def test_a_worker_in_its_own_process_gives_way_on_sqlite_only(monkeypatch):
    from kiemchung.core.worker import WakingWorker

    burst_until = [0.0]
    monkeypatch.setattr(pressure, "_probes", [lambda window: time.monotonic() < burst_until[0]])
    worker = WakingWorker(
        lease_seconds=60, queue_names=["default"], interval=1.0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="w-test",
        excluded_queue_names=[],
    )
    burst_until[0] = time.monotonic() + 0.3
    started = time.monotonic()
    worker.before_task()
    assert time.monotonic() - started >= 0.25, "on SQLite the task waits for the burst"

    monkeypatch.setattr(pressure, "shares_writer_with_webhooks", lambda: False)
    burst_until[0] = time.monotonic() + 0.3
    started = time.monotonic()
    worker.before_task()
    assert time.monotonic() - started < 0.1, "on PostgreSQL it never waits"


def test_a_batch_worker_gives_way_on_sqlite_too(monkeypatch):
    from kiemchung.core.worker import LeasedWorker

    burst_until = [time.monotonic() + 0.3]
    monkeypatch.setattr(pressure, "_probes", [lambda window: time.monotonic() < burst_until[0]])
    worker = LeasedWorker(
        lease_seconds=60, queue_names=["default"], interval=1.0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="w-batch",
        excluded_queue_names=[],
    )
    started = time.monotonic()
    worker.before_task()
    assert time.monotonic() - started >= 0.25, "the batch worker waits for the burst"


def test_the_database_is_asked_about_a_burst_at_most_once_a_step(monkeypatch):
    clock = [1000.0]
    asked: list[float] = []

    def probe(window: float) -> bool:
        asked.append(clock[0])
        return True

    monkeypatch.setattr(pressure.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(pressure, "_probes", [probe])
    monkeypatch.setattr(pressure, "_STEP_SECONDS", 0.05)
    for _ in range(100):  # one row every 6 ms for 0.6 s
        assert pressure.stored_burst()
        clock[0] += 0.006
    assert len(asked) == 12, "a busy drain asks once a step (every 9th row here), not each row"
