"""How fast webhooks reach this process, so background work running beside the web server
gives way to a burst.

With `kiemchung run` the worker is a thread of the web server's process: they share one
interpreter (one core at a time) and, on SQLite, one writer. During a burst the webhooks come
first, since a platform retries a webhook that is not answered in time; tasks wait until the
burst eases. A worker in a process of its own gives way on SQLite, whose one writer it shares
with the web server, seeing the burst in the database through the probes apps register (the
tipline looks at the webhook rows stored in the last instant); on PostgreSQL it never waits.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from django.db import connection

# A burst is this many webhooks a second or more over the last WINDOW_SECONDS: far above a
# busy day of a tipline, and reached early in a burst even when the burst slows the server.
BURST_PER_SECOND = 40
WINDOW_SECONDS = 0.25
# Work gives way for at most this long at a time, then goes on at least RUN_SECONDS, so a
# flood that never ends still gets answers.
MAX_PAUSE_SECONDS = 15.0
RUN_SECONDS = 2.0
_STEP_SECONDS = 0.05

_lock = threading.Lock()
_arrivals: deque[float] = deque()
_working_until = 0.0


def _recent(now: float) -> int:
    while _arrivals and _arrivals[0] < now - WINDOW_SECONDS:
        _arrivals.popleft()
    return len(_arrivals)


def webhook_arrived() -> None:
    """Count one webhook request received by this process."""
    now = time.monotonic()
    with _lock:
        _arrivals.append(now)
        _recent(now)


def in_burst() -> bool:
    """Whether webhooks reach this process at burst rate now."""
    now = time.monotonic()
    with _lock:
        return _recent(now) >= BURST_PER_SECOND * WINDOW_SECONDS


_probes: list[Callable[[float], bool]] = []


def stored_burst_probe_register(probe: Callable[[float], bool]) -> None:
    """Add a check of whether webhooks were stored at burst rate over the last `window`
    seconds (its argument), read from the database, for workers in processes of their own."""
    if probe not in _probes:
        _probes.append(probe)


_stored_answer: tuple[float, bool] = (float("-inf"), False)


def stored_burst() -> bool:
    """Whether webhooks are being stored at burst rate, by any process, now; the database is
    asked at most once every _STEP_SECONDS, however many tasks and rows ask."""
    global _stored_answer
    now = time.monotonic()
    asked_at, answer = _stored_answer
    if 0 <= now - asked_at < _STEP_SECONDS:
        return answer
    answer = any(probe(WINDOW_SECONDS) for probe in _probes)
    _stored_answer = (now, answer)
    return answer


def shares_writer_with_webhooks() -> bool:
    """Whether a worker's writes queue behind the webhooks' inserts (SQLite's one writer)."""
    return connection.vendor == "sqlite"


def give_way(burst: Callable[[], bool] = in_burst) -> float:
    """Wait while `burst` says webhooks arrive at burst rate (by default: at this process);
    the seconds waited."""
    global _working_until
    started = time.monotonic()
    if started < _working_until or not burst():
        return 0.0
    while burst():
        if time.monotonic() - started >= MAX_PAUSE_SECONDS:
            _working_until = time.monotonic() + RUN_SECONDS
            break
        time.sleep(_STEP_SECONDS)
    return time.monotonic() - started
