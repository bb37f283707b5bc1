"""How fast webhooks reach this process, so background work running beside the web server
gives way to a burst.

With `kiemchung run` the worker is a thread of the web server's process: they share one
interpreter (one core at a time) and, on SQLite, one writer. During a burst the webhooks come
first, since a platform retries a webhook that is not answered in time; tasks wait until the
burst eases. A worker in a process of its own never gives way (nothing to give way to).
"""

from __future__ import annotations

import threading
import time
from collections import deque

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


def give_way() -> float:
    """Wait while this process is taking a burst of webhooks; the seconds waited."""
    global _working_until
    started = time.monotonic()
    if started < _working_until or not in_burst():
        return 0.0
    while in_burst():
        if time.monotonic() - started >= MAX_PAUSE_SECONDS:
            _working_until = time.monotonic() + RUN_SECONDS
            break
        time.sleep(_STEP_SECONDS)
    return time.monotonic() - started
